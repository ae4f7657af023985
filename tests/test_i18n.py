"""faircollect.i18n: complete catalogs, every used message translated, negotiation and
formatting."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment

from faircollect import i18n
from faircollect.money import Money

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_every_message_has_a_translation(locale: str) -> None:
    cat = i18n.catalog(locale)
    ids = [m for m in cat if m.id]
    assert len(ids) > 50
    for m in ids:
        assert not m.fuzzy, f"{locale}: fuzzy translation for {m.id!r}"
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(s and s.strip() for s in strings), f"{locale}: no translation for {m.id!r}"
        if isinstance(m.id, tuple):
            assert len(strings) == cat.num_plurals, f"{locale}: plural forms of {m.id!r}"


def test_both_catalogs_have_the_same_messages() -> None:
    ids = [
        {m.id if isinstance(m.id, str) else m.id[0] for m in i18n.catalog(loc) if m.id}
        for loc in i18n.LOCALES
    ]
    assert ids[0] == ids[1]


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_placeholders_survive_translation(locale: str) -> None:
    for m in i18n.catalog(locale):
        if not m.id:
            continue
        source = m.id if isinstance(m.id, str) else m.id[0]
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for s in strings:
            assert set(PLACEHOLDER.findall(s)) <= set(PLACEHOLDER.findall(source)), (locale, source)
        if isinstance(m.id, str):
            assert set(PLACEHOLDER.findall(m.string)) == set(PLACEHOLDER.findall(source))


def test_english_translations_are_the_source_text() -> None:
    for m in i18n.catalog("en"):
        if m.id and isinstance(m.id, str):
            assert m.string == m.id


def test_every_used_message_is_in_the_catalogs() -> None:
    sources = i18n.i18n_sources()
    assert any(p.suffix == ".html" for p in sources) and any(p.suffix == ".py" for p in sources)
    used = i18n.extract_messages(sources)
    assert {"Sign in", "Loan not found", "Invalid input"} <= {m.msgid for m in used}
    missing = i18n.missing_messages()
    assert not missing, "translate these (python -m faircollect.i18n --add): " + ", ".join(
        f"{m[0].path}:{m[0].line} {k!r}" for k, m in missing.items()
    )


def test_extraction_finds_python_and_template_messages(tmp_path) -> None:
    (tmp_path / "a.py").write_text(
        'from faircollect.i18n import N_, translate\nX = N_("marked")\n'
        'def f(loc):\n    return translate("called %(n)s", loc, n=1)\n',
        encoding="utf-8",
    )
    (tmp_path / "t.html").write_text(
        '{% trans name=x %}Hi {{ name }}{% endtrans %} {{ _("plain") }}'
        "{% trans count=n %}{{ count }} loan{% pluralize %}{{ count }} loans{% endtrans %}",
        encoding="utf-8",
    )
    found = {(m.msgid, m.plural) for m in i18n.extract_messages(tmp_path.iterdir())}
    assert found == {
        ("marked", None),
        ("called %(n)s", None),
        ("Hi %(name)s", None),
        ("plain", None),
        ("%(count)s loan", "%(count)s loans"),
    }


def test_translate_and_fallback() -> None:
    assert i18n.translate("Sign in", "zh_CN") == "登录"
    assert i18n.translate("Sign in", "en") == "Sign in"
    assert i18n.translate("Sign in") == "登录"  # default zh_CN
    assert i18n.translate("Sign in", "fr") == "登录"  # unsupported -> default
    assert i18n.translate("not a catalog message %(x)s", "zh_CN", x=3) == "not a catalog message 3"
    assert i18n.translate("No user named %(name)s.", "zh_CN", name="li") == "不存在名为 li 的用户。"


def test_ngettext() -> None:
    s, p = "You work for %(count)s creditor.", "You work for %(count)s creditors."
    assert i18n.ngettext(s, p, 1, "en", count=1) == "You work for 1 creditor."
    assert i18n.ngettext(s, p, 3, "en", count=3) == "You work for 3 creditors."
    assert i18n.ngettext(s, p, 3, "zh_CN", count=3) == "您负责 3 个债权人。"
    assert i18n.ngettext("%(num)s x", "%(num)s xs", 2, "en") == "2 xs"  # fallback, num given


@pytest.mark.parametrize(
    ("header", "cookie", "expected"),
    [
        (None, None, "zh_CN"),
        ("", None, "zh_CN"),
        ("en-US,en;q=0.9", None, "en"),
        ("fr-FR, en;q=0.5, zh;q=0.8", None, "zh_CN"),
        ("fr-FR, en;q=0.9, zh;q=0.8", None, "en"),
        ("zh-TW", None, "zh_CN"),
        ("zh-Hans-CN;q=0.1, en;q=0", None, "zh_CN"),
        ("en;q=0, de", None, "zh_CN"),
        ("en-GB", "zh_CN", "zh_CN"),
        ("zh-CN", "en", "en"),
        ("en", "klingon", "en"),
        ("*", None, "zh_CN"),
        ("en;q=abc", None, "zh_CN"),
    ],
)
def test_negotiate(header: str | None, cookie: str | None, expected: str) -> None:
    assert i18n.negotiate(header, preferred=cookie) == expected


@given(st.text(max_size=200), st.one_of(st.none(), st.text(max_size=20)))
def test_negotiate_always_answers_a_supported_locale(header: str, cookie: str | None) -> None:
    assert i18n.negotiate(header, preferred=cookie) in i18n.LOCALES


def test_formatting() -> None:
    m = Money.parse("1234.56", "CNY")
    assert i18n.format_money(m, "zh_CN") == m.format("zh_CN") == "¥1,234.56"
    assert i18n.format_money(m, "en") == "CN¥1,234.56"
    assert i18n.format_date(date(2026, 3, 4), "zh_CN") == "2026年3月4日"
    assert i18n.format_date(date(2026, 3, 4), "en") == "Mar 4, 2026"
    dt = datetime(2026, 3, 4, 6, 5, tzinfo=UTC)
    assert "14:05" in i18n.format_datetime(dt, "zh_CN", tz="Asia/Shanghai")
    assert i18n.format_decimal(Decimal("12345.5"), "en") == "12,345.5"
    assert i18n.format_percent(Decimal("0.1825"), "en") == "18.25%"
    with pytest.raises(TypeError):
        i18n.format_decimal(1.5, "en")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        i18n.format_datetime(datetime(2026, 3, 4), "en")


def test_jinja_extension_renders_each_locale() -> None:
    env = Environment(autoescape=True)
    i18n.install_jinja(env)
    t = env.from_string(
        '{{ _("Sign in") }}|{% trans name=who %}Welcome, {{ name }}{% endtrans %}|'
        "{% trans count=n %}You work for {{ count }} creditor.{% pluralize %}"
        "You work for {{ count }} creditors.{% endtrans %}|{{ amount|money(locale) }}"
    )
    cny = Money.parse("5.00", "CNY")
    assert t.render(locale="zh_CN", who="<b>", n=2, amount=cny) == (
        "登录|欢迎，&lt;b&gt;|您负责 2 个债权人。|¥5.00"
    )
    assert t.render(locale="en", who="Li", n=1, amount=cny) == (
        "Sign in|Welcome, Li|You work for 1 creditor.|CN¥5.00"
    )


def test_i18n_imports_nothing_from_faircollect() -> None:
    source = (i18n.LOCALE_DIR.parent / "i18n.py").read_text("utf-8")
    assert not re.search(r"^\s*(from|import)\s+faircollect", source, re.M)
