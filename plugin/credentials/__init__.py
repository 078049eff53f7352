"""Micro-credentials: Open Badges 3.0 documents, eddsa-rdfc-2022 proofs, status lists.

The modules here are pure: no database, no network, no clock unless one is passed in. A verifier
must be able to check a credential without trusting Tandem's database, so everything a check
needs (contexts, the issuer's DID document, the status list) is an argument or a bundled file.
"""
