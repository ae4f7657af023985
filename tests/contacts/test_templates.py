"""Templates: lint on save, versions, locale, required lines per pack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faircollect.contacts import templates
from faircollect.contacts.errors import Invalid
from faircollect.contacts.templates import TemplateRejected, decorate
from faircollect.rules.content import has_mini_miranda, has_opt_out
from faircollect.store.repositories import creditors
from faircollect.store.scope import Scope

NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def _save(db, cid, body, **kw):
    with db.transaction() as s:
        return templates.save(
            s,
            scope=Scope.system(),
            actor="user:ops",
            creditor_id=cid,
            code=kw.pop("code", "reminder"),
            channel=kw.pop("channel", "sms"),
            locale=kw.pop("locale", "zh_CN"),
            body=body,
            now=NOW,
            **kw,
        )


def test_threatening_template_is_rejected_with_findings(db, make):
    d = make()
    with pytest.raises(TemplateRejected) as e:
        _save(db, d.creditor_id, "{{ name }}，再不还钱就爆你通讯录！")
    assert "publicise_threat" in e.value.details["codes"]
    with pytest.raises(TemplateRejected):
        _save(db, d.creditor_id, "We will have you arrested, {{ name }}.", locale="en")
    with pytest.raises(TemplateRejected) as e:  # a third party must not learn of the debt
        _save(
            db,
            d.creditor_id,
            "请转告{{ name_masked }}尽快还清欠款{{ amount_due }}。",
            code="location2",
            purpose="location",
        )
    assert "debt_disclosure" in e.value.details["codes"]


def test_unknown_variables_and_syntax_are_refused(db, make):
    d = make()
    with pytest.raises(Invalid):
        _save(db, d.creditor_id, "Hello {{ password }}", locale="en")
    with pytest.raises(Invalid):
        _save(db, d.creditor_id, "Hello {{ name ", locale="en")
    with pytest.raises(Invalid):  # the sandbox refuses attribute games at render time
        templates.render_text("{{ name.__class__.__mro__ }}", {"name": "x"})


def test_versions(db, make):
    d = make()
    t1 = _save(db, d.creditor_id, "{{ name }}您好，请按时还款。")
    t2 = _save(db, d.creditor_id, "{{ name }}您好，本期应还{{ amount_due }}。")
    assert (t1.version, t2.version) == (1, 2)
    with db.transaction() as s:
        c = creditors.get(s, d.creditor_id, scope=Scope.system())
        latest = templates._find(s, c, "reminder", "sms", "zh_CN")
        assert latest.version == 2


def test_seed_is_idempotent(db, make):
    d = make()
    with db.transaction() as s:
        c = creditors.get(s, d.creditor_id, scope=Scope.system())
        n = templates.seed_defaults(s, creditor=c, now=NOW)
        assert n > 0 and templates.seed_defaults(s, creditor=c, now=NOW) == 0


def test_decorations():
    cn = decorate(
        "您好，请还款。",
        pack="CN",
        channel="sms",
        locale="zh_CN",
        sender="甲金融",
        first_communication=False,
    )
    assert cn.startswith("【甲金融】") and cn.endswith("回复TD退订") and has_opt_out(cn)
    first = decorate(
        "Hello.", pack="US", channel="sms", locale="en", sender="X", first_communication=True
    )
    assert has_mini_miranda(first) and has_opt_out(first) and "attempt to collect" in first
    later = decorate(
        "Hello.",
        pack="US-MA",
        channel="email",
        locale="zh_CN",
        sender="X",
        first_communication=False,
    )
    assert has_mini_miranda(later) and has_opt_out(later)
    third = decorate(
        "Please call us.",
        pack="US",
        channel="sms",
        locale="en",
        sender="X",
        first_communication=True,
        third_party=True,
    )
    assert not has_mini_miranda(third) and has_opt_out(third)
    uk = decorate(
        "Hello.", pack="UK", channel="app", locale="en", sender="X", first_communication=False
    )
    assert has_opt_out(uk)


@settings(max_examples=60, deadline=None)
@given(
    st.text(min_size=1, max_size=80),
    st.sampled_from(["CN", "US", "US-MA", "UK"]),
    st.sampled_from(["sms", "email", "app"]),
    st.sampled_from(["zh_CN", "en"]),
    st.booleans(),
)
def test_every_us_and_sms_message_gets_its_required_lines(body, pack, channel, locale, first):
    out = decorate(
        body, pack=pack, channel=channel, locale=locale, sender="S", first_communication=first
    )
    if pack.startswith("US"):
        assert has_mini_miranda(out) and has_opt_out(out)
    if pack == "CN" and channel == "sms":
        assert out.startswith("【") and has_opt_out(out)
    if pack == "UK":
        assert has_opt_out(out)
