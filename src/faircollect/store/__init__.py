"""faircollect.store."""
