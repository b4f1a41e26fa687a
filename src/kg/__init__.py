"""kg: a sourced knowledge graph of the documented Trump–Russia connections."""

__version__ = "0.1.0"
