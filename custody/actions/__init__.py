"""The only writers: one function per action, one transaction each."""
