"""faircollect.contacts."""
