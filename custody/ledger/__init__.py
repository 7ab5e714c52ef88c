"""The hash chain: appending, walking, replaying and verifying it."""
