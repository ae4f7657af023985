"""faircollect.visits."""
