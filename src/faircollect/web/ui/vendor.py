"""Third-party browser files: Plotly.js is served straight from the `plotly` wheel's package
data (not copied into this repository); htmx is vendored under web/static/vendor/htmx.

``/vendor/plotly.css``: the style rules Plotly.js would otherwise inject into a <style>
element at run time - which the strict Content-Security-Policy (no inline styles) refuses.
They are read from the same plotly.min.js (its ``"X,X div": ...`` rule table), so they always
match the served version. A page that draws charts links it as
``<link rel="stylesheet" id="plotly.js-style-global" class="no-inline-styles" ...>``: Plotly
finds that element and skips the injection (its own switch for strict CSP).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import as_file, files
from pathlib import Path

from fastapi import APIRouter, Depends
from starlette.responses import FileResponse, Response

from ..deps import public

router = APIRouter(include_in_schema=False)

PLOTLY_PATH = "/vendor/plotly.min.js"
PLOTLY_CSS_PATH = "/vendor/plotly.css"
_STR = r"(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
_PAIR = re.compile(rf"({_STR}):({_STR})")


@lru_cache(maxsize=1)
def plotly_js() -> Path:
    resource = files("plotly") / "package_data" / "plotly.min.js"
    with as_file(resource) as p:  # a real file for an installed wheel
        return Path(p)


def _unquote(s: str) -> str:
    return s[1:-1].replace("\\'", "'").replace('\\"', '"')


def plotly_css_from(js: str) -> str:
    """The global style rules of a plotly.min.js, as CSS ("" if the table is not found)."""
    start = js.find('{"X,X div":')
    if start < 0:
        return ""
    end = js.find("}", start)
    rules = []
    for key, value in _PAIR.findall(js[start + 1 : end]):
        selector = _unquote(key)
        if selector.startswith(","):
            selector = " " + selector
        selector = selector.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append(f"{selector}{{{_unquote(value)}}}")
    return "\n".join(rules) + "\n"


@lru_cache(maxsize=1)
def plotly_css() -> str:
    return plotly_css_from(plotly_js().read_text(encoding="utf-8"))


@router.get(PLOTLY_PATH, dependencies=[Depends(public())])
def plotly() -> Response:
    return FileResponse(
        plotly_js(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get(PLOTLY_CSS_PATH, dependencies=[Depends(public())])
def plotly_stylesheet() -> Response:
    return Response(
        plotly_css(),
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )
