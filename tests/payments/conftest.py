"""Fixtures of the payments tests: the contacts world builder."""

from tests.contacts.conftest import make  # noqa: F401  (fixture)
