"""Repositories: every query on the operational tables lives in one of these modules.

Conventions
- functions take the caller's ``Session`` first; they flush when they must (to get ids) and
  never commit: the caller's ``Database.transaction()`` owns the unit of work;
- every read of tenant data takes a keyword-only ``scope`` (see store/scope.py): a row outside
  the scope is ``None``/absent, never an error;
- inputs are small immutable ``New...`` NamedTuples; money is `faircollect.money.Money`;
- PII goes in as plain text together with the `Vault` and is stored only encrypted.
"""
