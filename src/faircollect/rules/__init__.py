"""faircollect.rules."""
