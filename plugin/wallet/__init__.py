"""Handing credentials to wallets with OpenID for Verifiable Credential Issuance."""
