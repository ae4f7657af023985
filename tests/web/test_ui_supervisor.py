"""Supervisor pages: strategy versions (validate, save, activate, diff, challenger shares),
run results within the caller's creditors, capacity, dashboards."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from faircollect.store.db import Database
from faircollect.store.repositories import capacity as capacity_repo
from faircollect.store.repositories import strategies as strategies_repo
from faircollect.strategy import spec as S

from .conftest import WebClient, World
from .helpers import audit_actions
from .ui_support import seed_run, text

DEFAULT = "faircollect-default"


def _yaml(name: str = DEFAULT, **replace: str) -> str:
    src = S.canonical_yaml(S.shipped(DEFAULT)).replace(f"name: {DEFAULT}", f"name: {name}", 1)
    for old, new in replace.items():
        assert old in src
        src = src.replace(old, new)
    return src


def test_validate_reports_problems_by_location(
    client_for: Callable[..., WebClient], world: World
) -> None:
    c = client_for("compliance")  # every reader may validate
    bad = _yaml(**{"contacts_per_week: 3": "contacts_per_week: -1"})
    r = c.post("/strategies", data={"source": bad, "op": "validate", "name": DEFAULT},
               headers={"Accept-Language": "en"})  # fmt: skip
    assert r.status_code == 422
    t = text(r.text)
    assert "Not valid:" in t and "harm_budget.contacts_per_week" in t
    assert "contacts_per_week: -1" in r.text  # the text stays in the form
    ok = c.post("/api/v1/strategies/validate", json={"source": _yaml()}).json()
    assert ok["ok"] is True and ok["problems"] == [] and ok["name"] == DEFAULT
    # only a strategy manager may store it
    assert c.post("/strategies", data={"source": _yaml(), "op": "save"}).status_code == 403
    assert c.post("/api/v1/strategies", json={"source": _yaml()}).status_code == 403


def test_save_activate_and_diff(
    client_for: Callable[..., WebClient], db: Database, world: World
) -> None:
    sup = client_for("supervisor")
    first = sup.post("/api/v1/strategies", json={"source": _yaml(), "activate": True})
    assert first.status_code == 201 and first.json()["version"] == 1
    again = sup.post("/api/v1/strategies", json={"source": _yaml()})
    assert again.status_code == 200 and again.json() == {
        "name": DEFAULT, "version": 1, "created": False, "active": True,
    }  # fmt: skip
    r = sup.post("/strategies", data={"op": "activate", "name": DEFAULT,
                                      "source": _yaml(**{"contacts_per_week: 3":
                                                         "contacts_per_week: 2"})})  # fmt: skip
    assert r.status_code == 303
    assert r.headers["location"] == f"/strategies/{DEFAULT}?version=2&done=activated"
    with db.transaction() as s:
        active = strategies_repo.active_version(s, DEFAULT)
        assert active is not None and active.version == 2
        assert active.spec["harm_budget"]["contacts_per_week"] == 2
    actions = [(a, e, p.get("version")) for a, e, p in audit_actions(db)
               if a.startswith("strategy.")]  # fmt: skip
    assert ("strategy.version_saved", f"strategy:{DEFAULT}", 2) in actions
    assert ("strategy.activate", f"strategy:{DEFAULT}", 2) in actions
    page = sup.get(f"/strategies/{DEFAULT}?version=2&against=1",
                   headers={"Accept-Language": "en"})  # fmt: skip
    assert '<span class="del">-  contacts_per_week: 3</span>' in page.text
    assert '<span class="add">+  contacts_per_week: 2</span>' in page.text
    t = text(page.text)
    assert "This version is now active" not in t  # no flash without ?done
    # back to version 1 (a stored version is activated as it is)
    assert sup.post(f"/strategies/{DEFAULT}/versions/1/activate").status_code == 303
    api = sup.get(f"/api/v1/strategies/{DEFAULT}").json()
    assert (api["version"], api["active"]) == (1, True)
    diff = sup.get(f"/api/v1/strategies/{DEFAULT}/diff?a=1&b=2").json()["diff"]
    assert "-  contacts_per_week: 3\n+  contacts_per_week: 2" in diff


def test_challenger_shares_make_a_new_version(
    client_for: Callable[..., WebClient], db: Database, world: World
) -> None:
    sup = client_for("supervisor")
    src = _yaml("with-challenger") + (
        "challengers:\n- arm: gentle\n  strategy: dpd-escalation\n  share: '0.10'\n"
    )
    assert sup.post("/api/v1/strategies", json={"source": src, "activate": True}).status_code == 201
    page = sup.get("/strategies/with-challenger").text
    assert 'name="share_gentle"' in page
    r = sup.post("/strategies/with-challenger/challengers",
                 data={"share_gentle": "0.25", "version": "1", "activate": "1"})  # fmt: skip
    assert r.status_code == 303 and "version=2&done=activated" in r.headers["location"]
    with db.transaction() as s:
        active = strategies_repo.active_version(s, "with-challenger")
        assert active is not None and active.version == 2
        assert active.spec["challengers"] == [
            {"arm": "gentle", "strategy": "dpd-escalation", "share": "0.25"}
        ]
    bad = sup.post("/strategies/with-challenger/challengers", data={"share_gentle": "1.5"},
                   headers={"Accept-Language": "en"})  # fmt: skip
    assert bad.status_code == 422 and "The shares are not valid" in text(bad.text)
    unknown = sup.post("/api/v1/strategies/with-challenger/challengers",
                       json={"shares": {"nope": "0.1"}})  # fmt: skip
    assert unknown.status_code == 422
    assert unknown.json()["problems"] == [
        {"where": "challengers[nope]", "message": "no such challenger arm"}
    ]


def test_runs_count_only_the_callers_creditors(
    client_for: Callable[..., WebClient], db: Database, world: World
) -> None:
    run_id = seed_run(db, world)
    only_a = client_for("supervisor")
    both = client_for("supervisor", ("A", "B"))
    assert only_a.get("/api/v1/strategy-runs").json()["runs"][0]["work_items"] == 1
    assert both.get("/api/v1/strategy-runs").json()["runs"][0]["work_items"] == 2
    detail = only_a.get(f"/api/v1/strategy-runs/{run_id}").json()
    assert [(x["key"], x["items"]) for x in detail["breakdown"]["by_treatment"]] == [("call", 1)]
    assert detail["breakdown"]["no_action"][0]["accounts"] == 1
    page = text(only_a.get(f"/runs/{run_id}", headers={"Accept-Language": "en"}).text)
    assert "By treatment" in page and "Call CNY 1" in page


def test_capacity_update_keeps_the_user_link_and_is_audited(
    client_for: Callable[..., WebClient], db: Database, world: World
) -> None:
    sup = client_for("supervisor")
    collector = client_for("collector")
    with db.transaction() as s:
        row = capacity_repo.upsert_collector(
            s, capacity_repo.NewCollector("desk-1", 40, user_id=collector.user_id)
        )
        cid = row.id
    form = {f"c_{cid}_capacity": "25", f"c_{cid}_active": "1", "new_kind": "field_team",
            "new_name": "north", "new_capacity": "3", "new_regions": "CN-GD, CN-FJ"}  # fmt: skip
    r = sup.post("/capacity", data=form)
    assert r.status_code == 303
    with db.transaction() as s:
        desk = capacity_repo.list_collectors(s)[0]
        assert (desk.name, desk.daily_capacity, desk.user_id) == ("desk-1", 25, collector.user_id)
        team = capacity_repo.list_field_teams(s)[0]
        assert (team.name, team.daily_capacity, team.regions) == ("north", 3, ["CN-FJ", "CN-GD"])
    assert ("capacity.updated", "capacity:strategy") in [(a, e) for a, e, _ in audit_actions(db)]
    bad = sup.put("/api/v1/capacity", json={"collectors": [{"name": "x", "daily_capacity": -2}]})
    assert bad.status_code == 422
    # the queue's "mine" filter uses the link
    seed_run(db, world)
    mine = collector.get("/api/v1/work-items?mine=true").json()
    assert mine["collector"] == "desk-1" and [w["loan_ref"] for w in mine["work_items"]] == ["L-A"]


def test_dashboards_draw_from_the_callers_data(
    client_for: Callable[..., WebClient], db: Database, world: World, frozen_now: Any
) -> None:
    both = client_for("supervisor", ("A", "B"))
    frozen_now("2026-03-04T23:00:00+08:00")
    for ref in ("L-A", "L-B"):
        both.post("/api/v1/contact-attempts", json={"loan_ref": ref, "channel": "call"})
    frozen_now("2026-03-05T10:00:00+08:00")
    both.post("/api/v1/contact-attempts", json={"loan_ref": "L-A", "channel": "sms"})
    seed_run(db, world)
    only_a = client_for("compliance")
    d = only_a.get("/api/v1/reports/dashboard?days=7").json()
    assert d["blocks"] == [
        {"rule": "CN:quiet-hours", "provision": d["blocks"][0]["provision"], "attempts": 1}
    ]
    assert d["contacts"]["by_channel"] == {"sms": 1}
    assert d["accounts_in_collection"] == 1 and d["contacts"]["per_account"] == {"sms": "1.00"}
    page = only_a.get("/dashboards?days=7", headers={"Accept-Language": "zh-CN"})
    figures = dict(re.findall(r'<script type="application/json" id="(fig-[a-z-]+)">(.*?)</script>',
                              page.text, flags=re.S))  # fmt: skip
    assert set(figures) == {"fig-recovery", "fig-roll", "fig-contacts", "fig-contacts-week",
                            "fig-visits", "fig-complaints", "fig-blocks"}  # fmt: skip
    blocks = json.loads(figures["fig-blocks"])
    assert blocks["data"][0]["y"] == ["CN:quiet-hours"] and blocks["data"][0]["x"] == [1]
    assert blocks["layout"]["title"]["text"] == "按规则统计的被拦截联系"
    assert '<link rel="stylesheet" id="plotly.js-style-global"' in page.text
