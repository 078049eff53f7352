"""Exchanges: Tandem's own object that courses on different LMSs join as partner seats."""
