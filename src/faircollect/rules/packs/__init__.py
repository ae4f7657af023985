"""faircollect.rules.packs."""
