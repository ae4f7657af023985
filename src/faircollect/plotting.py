"""Matplotlib for bilingual charts: the Agg backend and a CJK font when the machine has one.

Chinese labels need a CJK font (CI installs fonts-wqy-microhei). Without one the charts are
still written, with a logged warning, instead of failing the report.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["CJK_FONT_FILES", "cjk_family", "pyplot"]

#: font files tried in order (Debian paths of fonts-wqy-microhei, -zenhei, Noto CJK)
CJK_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)

_log = logging.getLogger(__name__)


@cache
def cjk_family() -> str | None:
    """The family name of the first installed CJK font (registered with matplotlib)."""
    from matplotlib import font_manager

    for path in CJK_FONT_FILES:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
            return str(font_manager.FontProperties(fname=path).get_name())
    return None


@contextlib.contextmanager
def pyplot() -> Iterator[Any]:
    """`matplotlib.pyplot` with a CJK-capable sans-serif font for the duration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    family = cjk_family()
    fonts = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    with warnings.catch_warnings(), plt.rc_context(
        {"font.sans-serif": fonts, "axes.unicode_minus": False}
    ):
        if family is None:
            _log.warning("no CJK font found (install fonts-wqy-microhei): Chinese text in "
                         "charts will not render")  # fmt: skip
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font",
                                    category=UserWarning)  # fmt: skip
        yield plt
