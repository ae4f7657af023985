"""faircollect.credit."""
