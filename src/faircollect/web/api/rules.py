"""POST /api/v1/rules/check: the compliance contract over HTTP (DESIGN 4.3) - the same JSON
as `faircollect rules check`: body = Scenario, answer = Decision (200 whether allowed or
blocked; 422 problem details on invalid input)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from faircollect.i18n import N_
from faircollect.rules.engine import evaluate
from faircollect.rules.model import Decision, Scenario

from ..deps import require
from ..problems import Problem

router = APIRouter(tags=["rules"])


@router.post(
    "/rules/check",
    response_model=Decision,
    dependencies=[Depends(require(action="read", tenant=False))],
)
def check(scenario: Scenario) -> JSONResponse:
    """Judge one action: allowed or not, every violated rule with its provision, and when the
    same action would be allowed. Changes nothing (read policy: every role may call it)."""
    try:
        decision = evaluate(scenario)
    except ValueError as e:
        raise Problem(
            422,
            "invalid-scenario",
            N_("Invalid scenario"),
            N_("The scenario cannot be evaluated: %(reason)s"),
            reason=str(e),
        ) from e
    return JSONResponse(decision.to_dict())
