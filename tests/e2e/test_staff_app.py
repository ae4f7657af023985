"""The staff app in Chromium, end to end (issue 7 acceptance): a collector signs in, opens the
top queue item, a call outside the allowed hours is refused with its provision, a permitted
call is logged with a promise to pay; a blocked US call is sent for an override that a
compliance officer approves; a supervisor activates a new strategy version; the language
switch shows Chinese, with CJK glyphs actually rendered. Screenshots of the main pages go to
test-artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from faircollect.rules.packs import get_pack

from .conftest import Live, shot, sign_in
from .seed import PASSWORD, US_LOAN

pytestmark = pytest.mark.e2e


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def test_collector_call_refused_at_night_then_logged_with_a_promise(live: Live, page: Any) -> None:
    expect = _expect()
    live.set_clock("2026-03-04T07:45:00+08:00")  # CN quiet hours end at 08:00
    sign_in(page, live.url, "collector", PASSWORD, "/queue")
    expect(page.locator("h1")).to_have_text("Today's queue")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() > 0
    first_priority = rows.first.locator("td").first.inner_text()
    assert first_priority.strip() == "1"  # by priority: the top item comes first
    shot(page, "01-queue")

    link = rows.first.locator("td").nth(1).locator("a")
    ref = link.inner_text().strip()
    link.click()
    expect(page.locator("h1")).to_contain_text(ref)
    # personal data is masked on the page
    expect(page.locator("dl.facts").first).to_contain_text("****")
    shot(page, "02-account")

    quiet = get_pack("CN").rule("CN:quiet-hours").provision
    page.select_option("#c-channel", "call")
    page.select_option("#c-party", "debtor")
    page.click("#start-contact")
    panel = page.locator("#attempt")
    expect(panel).to_contain_text("Call refused by the rules")
    expect(panel.locator(".provision").first).to_have_text(quiet)
    expect(panel).to_contain_text("becomes allowed at")
    expect(panel).to_contain_text("8:00")
    shot(page, "03-call-refused-quiet-hours")

    live.set_clock("2026-03-04T08:05:00+08:00")
    page.select_option("#c-channel", "call")
    page.click("#start-contact")
    expect(panel).to_contain_text("Call to Debtor: allowed")
    page.select_option("#outcome", "promise_to_pay")
    page.fill("#amount", "300.00")
    page.fill("#due_on", "2026-03-10")
    page.click("#outcome-form button[type=submit]")
    expect(page.locator("p.notice").first).to_contain_text("The outcome is recorded.")
    shot(page, "04-promise-recorded")

    promises = page.request.get(f"{live.url}/api/v1/loans/{ref}/promises").json()["promises"]
    assert [(p["amount"], p["due_on"], p["status"]) for p in promises] == [
        ("300.00", "2026-03-10", "open")
    ]
    attempts = page.request.get(f"{live.url}/api/v1/loans/{ref}/account").json()["timeline"]
    calls = [(a["status"], a["outcome"]) for a in attempts if a["channel"] == "call"][:2]
    assert calls == [("completed", "conversation"), ("blocked", None)]  # a PTP is a conversation


def test_blocked_call_overridden_by_compliance(live: Live, page: Any, browser: Any) -> None:
    expect = _expect()
    live.set_clock("2026-03-04T08:05:00+08:00")  # 19:05 in New York: a convenient time
    sign_in(page, live.url, "collector", PASSWORD, f"/loans/{US_LOAN}")
    page.select_option("#c-channel", "call")
    page.click("#start-contact")
    panel = page.locator("#attempt")
    frequency = get_pack("US").rule("US:call-frequency").provision
    expect(panel.locator(".provision").first).to_have_text(frequency)
    page.fill("#ov-reason", "The consumer asked us to call back this evening.")
    page.click("#attempt button[type=submit]")
    expect(page.locator("p.notice").first).to_contain_text("Override requested")

    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    officer = ctx.new_page()
    try:
        sign_in(officer, live.url, "compliance", PASSWORD, "/compliance/overrides")
        request = officer.locator("article.panel", has_text=US_LOAN)
        expect(request).to_contain_text(frequency)
        shot(officer, "05-override-request")
        request.locator("textarea").fill("Documented call-back request from the consumer.")
        request.locator("button[value=approve]").click()
        expect(officer.locator("#flash")).to_contain_text("Override approved")
        expect(officer.locator("table.data")).to_contain_text("Approved")
        shot(officer, "06-override-approved")
    finally:
        ctx.close()
    timeline = page.request.get(f"{live.url}/api/v1/loans/{US_LOAN}/account").json()["timeline"]
    assert timeline[0]["status"] == "overridden"


def test_supervisor_activates_a_new_strategy_version(live: Live, page: Any) -> None:
    expect = _expect()
    sign_in(page, live.url, "supervisor", PASSWORD, "/strategies/faircollect-default")
    expect(page.locator("h1")).to_contain_text("v1")
    source = page.input_value("#source")
    assert "contacts_per_week: 3" in source
    page.fill("#source", source.replace("contacts_per_week: 3", "contacts_per_week: 2"))
    page.click("button[value=validate]")
    expect(page.locator("#check")).to_contain_text("Valid.")
    expect(page.locator("#check pre.diff")).to_contain_text("contacts_per_week: 2")
    page.click("#save-activate")
    expect(page.locator("#flash")).to_contain_text("This version is now active")
    expect(page.locator("h1")).to_contain_text("v2")
    shot(page, "07-strategy-activated")
    api = page.request.get(f"{live.url}/api/v1/strategies/faircollect-default").json()
    assert (api["version"], api["active"]) == (2, True)
    assert api["spec"]["harm_budget"]["contacts_per_week"] == 2

    page.goto(f"{live.url}/runs")
    shot(page, "08-runs")
    page.goto(f"{live.url}/dashboards")
    page.wait_for_selector("[data-figure='fig-contacts'][data-drawn='1']")
    assert page.locator(".js-plotly-plot").count() >= 2  # interactive Plotly charts
    shot(page, "09-dashboards")


def test_compliance_pages(live: Live, page: Any) -> None:
    expect = _expect()
    sign_in(page, live.url, "compliance", PASSWORD, "/compliance/blocks")
    expect(page.locator("table.data").first).to_contain_text("CN:quiet-hours")
    shot(page, "10-blocked-attempts")
    page.goto(f"{live.url}/compliance/complaints")
    page.fill("#cp-loan", US_LOAN)
    page.select_option("#cp-category", "harassment")
    page.fill("#cp-summary", "Says we called too often last week.")
    page.click("form[action='/compliance/complaints'] button[type=submit]")
    expect(page.locator("table.complaints")).to_contain_text(US_LOAN)
    expect(page.locator("table.complaints .sla").first).to_contain_text("15")
    shot(page, "11-complaints")
    page.goto(f"{live.url}/compliance/audit")
    page.click("#verify")
    expect(page.locator("#verified")).to_contain_text("The chain is intact")
    shot(page, "12-audit-log")
    page.goto(f"{live.url}/compliance/rules/CN")
    expect(page.locator("#CN-quiet-hours")).to_contain_text(
        get_pack("CN").rule("CN:quiet-hours").provision
    )
    shot(page, "13-rule-pack")
    page.goto(f"{live.url}/compliance/retention")
    expect(page.locator("table.data")).to_contain_text("12 CFR 1006.100")
    shot(page, "14-retention")


def test_language_switch_shows_chinese(live: Live, page: Any) -> None:
    expect = _expect()
    sign_in(page, live.url, "auditor", PASSWORD, "/queue")
    expect(page.locator("h1")).to_have_text("Today's queue")
    page.click("form.lang button[value=zh_CN]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("今日队列")
    expect(page.locator("header nav")).to_contain_text("队列")
    # Chinese glyphs are drawn (two different characters do not render as the same box)
    glyphs = page.evaluate(
        """() => {
          const draw = (ch) => {
            const c = document.createElement('canvas'); c.width = 64; c.height = 64;
            const g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, 64, 64);
            g.fillStyle = '#000'; g.textBaseline = 'top';
            g.font = '48px ' + getComputedStyle(document.querySelector('h1')).fontFamily;
            g.fillText(ch, 4, 4); return c.toDataURL();
          };
          const a = draw('队'), b = draw('列'), blank = draw(' ');
          return {distinct: a !== b, drawn: a !== blank && b !== blank};
        }"""
    )
    assert glyphs == {"distinct": True, "drawn": True}
    path = shot(page, "15-queue-zh")
    assert path.stat().st_size > 10_000
