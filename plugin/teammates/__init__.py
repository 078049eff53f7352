"""Teammate requests: students name who they would like in their team; matching honours the
mutual ones. Privacy first: a student picks by list only within their own university and
reaches a partner university's student only through a code that student chose to give."""
