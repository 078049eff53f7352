"""Team matching: candidates and rules in, feasible teams with scores and explanations out.

Pure: no database, no web, no clock except the search's time budget. Entry points are
`strategies.match` / `strategies.STRATEGIES`, `rebalance` for mid-exchange changes, `verify`
for audit, and `mdgp` for the literature benchmark's CLI.
"""
