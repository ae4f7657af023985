"""Third-party browser files: Plotly.js is served straight from the `plotly` wheel's package
data (not copied into this repository); htmx is vendored under web/static/vendor/htmx."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import as_file, files
from pathlib import Path

from fastapi import APIRouter, Depends
from starlette.responses import FileResponse, Response

from ..deps import public

router = APIRouter(include_in_schema=False)

PLOTLY_PATH = "/vendor/plotly.min.js"


@lru_cache(maxsize=1)
def plotly_js() -> Path:
    resource = files("plotly") / "package_data" / "plotly.min.js"
    with as_file(resource) as p:  # a real file for an installed wheel
        return Path(p)


@router.get(PLOTLY_PATH, dependencies=[Depends(public())])
def plotly() -> Response:
    return FileResponse(
        plotly_js(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )
