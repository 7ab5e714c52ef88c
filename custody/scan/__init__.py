"""A station's scan: resolve the code, the session, commands; call the actions."""
