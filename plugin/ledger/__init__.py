"""An append-only, hash-chained log of every completion and credential decision."""
