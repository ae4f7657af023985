"""faircollect.sim."""
