"""Services of the web layer that the CLI also uses (accounts, tokens, sign-in). No FastAPI
here: `faircollect users ...` imports these without loading the web framework."""
