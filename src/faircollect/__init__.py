"""faircollect — compliance-first debt collection for online lenders and their agencies."""

__version__ = "0.1.0"
