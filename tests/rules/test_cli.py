"""`faircollect rules check | packs | docs`: exit codes 0/1/2, messages naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from faircollect.cli import rules as rules_cli
from faircollect.rules.docs import render_all

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules"


def _app() -> typer.Typer:
    app = typer.Typer()
    rules_cli.register(app)

    @app.callback()
    def _root() -> None:  # keep "rules" as a sub-command
        pass

    return app


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(_app(), list(args), input=stdin)
    return r.exit_code, r.stdout, r.stderr


def scenario(now: str) -> str:
    return json.dumps(
        {
            "pack": "US",
            "now": now,
            "action": {"channel": "call"},
            "debtor": {"timezones": ["America/New_York"]},
        }
    )


def test_check_allowed_exit_0(tmp_path: Path) -> None:
    f = tmp_path / "s.json"
    f.write_text(scenario("2026-03-04T12:00:00-05:00"))
    code, out, _ = run("rules", "check", str(f))
    assert code == 0
    assert json.loads(out) == {
        "allowed": True,
        "pack": "US",
        "pack_version": "US-2021.11.30-1",
        "violations": [],
        "next_allowed_at": None,
    }


def test_check_blocked_exit_1_from_stdin() -> None:
    code, out, _ = run("rules", "check", "-", stdin=scenario("2026-03-04T22:00:00-05:00"))
    assert code == 1
    d = json.loads(out)
    assert d["allowed"] is False
    assert d["violations"][0]["rule"] == "US:inconvenient-time"
    assert d["next_allowed_at"] == "2026-03-05T08:00:00-05:00"


def test_check_invalid_exit_2_names_the_field() -> None:
    bad = json.dumps({"pack": "US", "now": "2026-03-04T12:00:00", "action": {"channel": "fax"}})
    code, out, err = run("rules", "check", "-", stdin=bad)
    assert code == 2
    assert out == ""
    assert "now: " in err
    assert "action.channel: " in err
    code, _, err = run("rules", "check", "-", stdin="{not json")
    assert code == 2 and "invalid JSON" in err
    code, _, err = run("rules", "check", "/nonexistent/scenario.json")
    assert code == 2 and "cannot read" in err
    hist = json.dumps(
        {
            "pack": "US",
            "now": "2026-03-04T12:00:00Z",
            "action": {"channel": "call"},
            "history": [{"at": "2026-03-01T10:00:00", "channel": "call"}],
        }
    )
    code, _, err = run("rules", "check", "-", stdin=hist)
    assert code == 2 and "history[0].at: " in err


def test_check_creditor_window() -> None:
    s = json.dumps({"pack": "CN", "now": "2026-03-04T21:30:00+08:00", "action": {"channel": "sms"}})
    assert run("rules", "check", "-", stdin=s)[0] == 0
    assert run("rules", "check", "--contact-window", "08:00-21:00", "-", stdin=s)[0] == 1
    assert run("rules", "check", "--contact-window", "8-9", "-", stdin=s)[0] == 2


def test_packs_lists_versions_rules_and_provisions() -> None:
    code, out, _ = run("rules", "packs", "--json")
    assert code == 0
    data = {p["pack"]: p for p in json.loads(out)}
    assert set(data) == {"CN", "US", "US-MA", "UK"}
    us = {r["rule"]: r["provision"] for r in data["US"]["rules"]}
    assert us["US:call-frequency"] == "12 CFR 1006.14(b)(2)(i)(A)"
    assert set(us) <= {r["rule"] for r in data["US-MA"]["rules"]}
    code, text, _ = run("rules", "packs")
    assert code == 0 and "US-MA-2021.11.30-2" in text and "UK:breathing-space" in text


def test_docs_generates_every_file(tmp_path: Path) -> None:
    code, _, _ = run("rules", "docs", "--out", str(tmp_path / "d"))
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "d").iterdir())
    assert names == sorted(render_all())
    assert "US.zh_CN.md" in names and "CN.rights.en.md" in names


def test_committed_docs_equal_a_fresh_generation() -> None:
    fresh = render_all()
    committed = {
        p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md") if p.name != "README.md"
    }
    assert committed == fresh, "run: faircollect rules docs --out docs/rules"
