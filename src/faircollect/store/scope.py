"""Tenant scoping: the ONE place that decides which rows a caller may see.

Every repository query on tenant data passes through `scoped(stmt, Model, scope)`. A row
outside the scope is simply not found (the caller answers 404, never 403: no existence leak).

- ``Scope.system()`` (``creditor_ids=None``): jobs, the importer, the CLI: everything.
- ``Scope.for_creditors(ids)``: staff; only the creditors they were given (an empty set
  sees nothing).
- ``Scope.for_borrower(borrower_id, creditor_id)``: the borrower portal; only that
  borrower's own rows.

Models without a ``creditor_id`` are scoped through their owner (contact points through the
borrower; installments, payments and promises through the loan). A model this module does not
know raises TypeError: scoping fails closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, select, true

from .tables import (
    Base,
    Borrower,
    ContactEvent,
    ContactPoint,
    Creditor,
    Installment,
    Loan,
    Payment,
    PromiseToPay,
)

__all__ = ["Scope", "scope_clause", "scoped"]

_S = TypeVar("_S", bound=Select[Any])


@dataclass(frozen=True, slots=True)
class Scope:
    creditor_ids: frozenset[int] | None = None  # None = system: every creditor
    borrower_id: int | None = None  # set for the borrower portal

    @classmethod
    def system(cls) -> Scope:
        return cls(None, None)

    @classmethod
    def for_creditors(cls, ids: Iterable[int]) -> Scope:
        return cls(frozenset(ids), None)

    @classmethod
    def for_borrower(cls, borrower_id: int, creditor_id: int | None = None) -> Scope:
        return cls(None if creditor_id is None else frozenset({creditor_id}), borrower_id)

    @property
    def is_system(self) -> bool:
        return self.creditor_ids is None and self.borrower_id is None

    def allows_creditor(self, creditor_id: int) -> bool:
        """For writes: may this scope act on data of that creditor?"""
        return self.creditor_ids is None or creditor_id in self.creditor_ids


SYSTEM = Scope.system()

_VIA_LOAN: tuple[type[Base], ...] = (Installment, Payment, PromiseToPay)
_KNOWN: tuple[type[Base], ...] = (Creditor, Borrower, Loan, ContactEvent, ContactPoint, *_VIA_LOAN)


def _creditor_clause(model: type[Base], ids: frozenset[int]) -> ColumnElement[bool]:
    if not ids:
        return false()
    wanted = sorted(ids)
    if model is Creditor:
        return Creditor.id.in_(wanted)
    if model is Borrower or model is Loan or model is ContactEvent:
        return model.creditor_id.in_(wanted)
    if model is ContactPoint:
        owners = select(Borrower.id).where(Borrower.creditor_id.in_(wanted))
        return ContactPoint.borrower_id.in_(owners)
    if model in _VIA_LOAN:
        loans = select(Loan.id).where(Loan.creditor_id.in_(wanted))
        return model.loan_id.in_(loans)  # type: ignore[attr-defined, no-any-return]
    raise TypeError(f"no tenant scoping defined for {model.__name__}")


def _borrower_clause(model: type[Base], borrower_id: int) -> ColumnElement[bool]:
    if model is Creditor:
        return Creditor.id.in_(select(Borrower.creditor_id).where(Borrower.id == borrower_id))
    if model is Borrower:
        return Borrower.id == borrower_id
    if model is Loan or model is ContactEvent or model is ContactPoint:
        return model.borrower_id == borrower_id
    if model in _VIA_LOAN:
        loans = select(Loan.id).where(Loan.borrower_id == borrower_id)
        return model.loan_id.in_(loans)  # type: ignore[attr-defined, no-any-return]
    raise TypeError(f"no tenant scoping defined for {model.__name__}")


def scope_clause(model: type[Base], scope: Scope) -> ColumnElement[bool]:
    """The WHERE condition restricting `model` rows to `scope`."""
    if model not in _KNOWN:
        raise TypeError(f"no tenant scoping defined for {model.__name__}")
    clause: ColumnElement[bool] = true()
    if scope.creditor_ids is not None:
        clause = clause & _creditor_clause(model, scope.creditor_ids)
    if scope.borrower_id is not None:
        clause = clause & _borrower_clause(model, scope.borrower_id)
    return clause


def scoped(stmt: _S, model: type[Base], scope: Scope) -> _S:
    """`stmt` restricted to the rows of `model` that `scope` may see."""
    if scope.is_system:
        if model not in _KNOWN:
            raise TypeError(f"no tenant scoping defined for {model.__name__}")
        return stmt
    return stmt.where(scope_clause(model, scope))
