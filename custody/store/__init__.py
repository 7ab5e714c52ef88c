"""Opening a database from a URL, the write lock, group commit, migrations (frozen steps)."""
