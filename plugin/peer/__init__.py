"""Peer evaluation: rounds, ratings on five dimensions, adjustment factors and flags."""
