"""The alliance's registry of trusted credential issuers (partner universities' DIDs)."""
