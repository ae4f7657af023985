"""faircollect.portfolio."""
