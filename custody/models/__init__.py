"""The tables, grouped: core (items, people, stations, tags, the ledger), scan, closing."""
