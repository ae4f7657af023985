"""GET /api/v1/health: liveness and database reachability (public, no data)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from faircollect.store.repositories import audit as audit_repo

from ..deps import public
from ..state import web_state

router = APIRouter(tags=["system"])


class HealthOut(BaseModel):
    status: str
    database: str


@router.get("/health", response_model=HealthOut, dependencies=[Depends(public())])
def health(request: Request) -> JSONResponse:
    """`{"status": "ok", "database": "ok"}`, or 503 when the database cannot be reached."""
    st = web_state(request)
    try:
        with st.db.transaction() as s:
            audit_repo.head(s)
    except Exception:
        return JSONResponse({"status": "degraded", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
