"""faircollect.legal."""
