"""faircollect.domain."""
