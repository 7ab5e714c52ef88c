"""Read-only queries shared by the CLI and the web: what is out, the sweep, registers, shapes."""
