"""Posting payments: replay the waterfall, refresh loan state, reconcile promises."""
