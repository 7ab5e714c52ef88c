"""custody — chain-of-custody tracking for classified documents and controlled items."""

__version__ = "0.1.0"
