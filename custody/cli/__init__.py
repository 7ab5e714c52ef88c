"""The `custody` command: parses, calls, prints (the only part of custody that wires web, devices and labels)."""
