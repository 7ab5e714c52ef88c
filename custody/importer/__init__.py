"""An old register in: read, plan (check every row), run."""
