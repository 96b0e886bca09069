"""Recognition: the signed statement (PDF), its machine-readable credential, verification and revocation."""
