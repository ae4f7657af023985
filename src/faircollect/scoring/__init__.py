"""faircollect.scoring."""
