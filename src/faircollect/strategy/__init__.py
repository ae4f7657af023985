"""faircollect.strategy."""
