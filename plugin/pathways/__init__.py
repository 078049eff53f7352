"""Nano-degrees: pathways of micro-credentials from Tandem and trusted partner issuers."""
