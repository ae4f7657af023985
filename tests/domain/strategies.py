"""Hypothesis strategies shared by the domain tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from faircollect.domain.loan import LoanTerms, RepaymentKind
from faircollect.money import Money

aprs = st.one_of(
    st.decimals(min_value=0, max_value=60, places=2, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=0, max_value=400, places=4, allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal(0), Decimal(24), Decimal(36), Decimal("23.99"), Decimal(1)]),
)
kinds = st.sampled_from(list(RepaymentKind))
dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def loan_terms(
    draw: st.DrawFn,
    *,
    min_principal: int = 1,
    max_principal: int = 10**10,
    max_term: int = 120,
    with_fee: bool = True,
    currency: str = "CNY",
) -> LoanTerms:
    principal = draw(st.integers(min_value=min_principal, max_value=max_principal))
    fee = draw(st.integers(min_value=0, max_value=principal - 1)) if with_fee else 0
    originated = draw(dates)
    first_due = draw(
        st.one_of(
            st.none(),
            st.integers(min_value=1, max_value=62).map(
                lambda d: date.fromordinal(originated.toordinal() + d)
            ),
        )
    )
    return LoanTerms(
        principal=Money(principal, currency),
        apr=draw(aprs),
        term_months=draw(st.integers(min_value=1, max_value=max_term)),
        repayment=draw(kinds),
        originated_on=originated,
        first_due_on=first_due,
        fee=Money(fee, currency),
    )
