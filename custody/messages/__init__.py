"""What a custodian reads: one catalog, rendered at the edge in the reader's language."""
