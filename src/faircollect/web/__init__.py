"""faircollect.web."""
