"""Charts render with Chinese labels whether or not a CJK font is installed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from faircollect import plotting


@pytest.fixture
def no_cjk_font(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    plotting.cjk_family.cache_clear()
    monkeypatch.setattr(plotting, "CJK_FONT_FILES", ("/nonexistent/font.ttc",))
    yield
    plotting.cjk_family.cache_clear()


def _chart(path: Path) -> None:
    with plotting.pyplot() as plt:
        fig, ax = plt.subplots()
        ax.set_title("回收曲线 recovery")
        fig.savefig(path)
        plt.close(fig)


def test_without_cjk_font_the_chart_is_written_and_the_gap_logged(
    no_cjk_font: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # warnings are errors in this suite: a missing-glyph warning escaping would fail here
    with caplog.at_level(logging.WARNING, logger="faircollect.plotting"):
        _chart(tmp_path / "c.png")
    assert (tmp_path / "c.png").stat().st_size > 1000
    assert "fonts-wqy-microhei" in caplog.text


def test_font_settings_do_not_leak_out_of_the_context(no_cjk_font: None) -> None:
    import matplotlib.pyplot as plt

    before = list(plt.rcParams["font.sans-serif"])
    with plotting.pyplot() as p:
        assert p.rcParams["font.sans-serif"] == ["DejaVu Sans"]
    assert plt.rcParams["font.sans-serif"] == before


def test_installed_cjk_font_is_used_when_present() -> None:
    plotting.cjk_family.cache_clear()
    if not any(Path(p).exists() for p in plotting.CJK_FONT_FILES):
        pytest.skip("no CJK font on this machine (CI installs fonts-wqy-microhei)")
    family = plotting.cjk_family()
    assert family is not None
    with plotting.pyplot() as plt:
        assert plt.rcParams["font.sans-serif"][0] == family
