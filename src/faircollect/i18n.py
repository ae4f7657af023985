"""Translations (zh_CN, en) and locale-aware formatting, usable from any layer.

Catalogs are gettext ``.po`` files under ``faircollect/locales/<locale>/LC_MESSAGES/
messages.po``, read at run time with Babel's ``read_po`` (no compile step, no ``.mo``).
Messages use Python %-format placeholders (``"Hello %(name)s"``), which is also what Jinja2's
``{% trans name=... %}Hello {{ name }}{% endtrans %}`` produces.

    translate("Sign in", "zh_CN")                              -> "登录"
    translate("Try again in %(minutes)s minutes.", "en", minutes=5)
    ngettext("%(num)s loan", "%(num)s loans", 3, "en")        -> "3 loans"
    negotiate("en-GB,en;q=0.9,zh;q=0.5")                      -> "en"

A message missing from a catalog falls back to the msgid itself (English source text), so
nothing breaks at run time; ``tests/test_i18n.py`` makes sure nothing is missing.

Mark strings that are translated later (module-level tables, problem titles) with ``N_``:
it returns its argument unchanged and only tells the extractor the string is a message.

This module imports nothing from faircollect (low level: any layer may use it). See
docs/i18n.md for how to add strings.
"""

from __future__ import annotations

import gettext as _gettext
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.numbers import format_decimal as _format_decimal
from babel.numbers import format_percent as _format_percent

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "LOCALE_NAMES",
    "N_",
    "catalog",
    "extract_messages",
    "format_date",
    "format_datetime",
    "format_decimal",
    "format_money",
    "format_percent",
    "gettext",
    "install_jinja",
    "messages",
    "negotiate",
    "ngettext",
    "normalise_locale",
    "translate",
]

LOCALES: tuple[str, ...] = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
#: each locale's name in its own language (for the language switcher)
LOCALE_NAMES: Mapping[str, str] = {"zh_CN": "中文", "en": "English"}
LOCALE_DIR = Path(__file__).with_name("locales")
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (translate it later)."""
    return message


# ---------------------------------------------------------------------------------------
# catalogs
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Compiled:
    singular: Mapping[str, str]
    plural: Mapping[str, tuple[str, ...]]
    plural_index: Callable[[int], int]


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=8)
def catalog(locale: str) -> Catalog:
    """The parsed Babel catalog of a locale (cached; fuzzy entries are left out)."""
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r} (one of {LOCALES})")
    with po_path(locale).open("rb") as f:
        return read_po(f, locale=locale, domain=DOMAIN, ignore_obsolete=True)


@lru_cache(maxsize=8)
def _compiled(locale: str) -> _Compiled:
    cat = catalog(locale)
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for m in cat:
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, tuple | list):
            raw = m.string if isinstance(m.string, tuple | list) else (m.string,)
            forms = tuple(str(f) for f in raw if f)
            if len(forms) == len(raw):
                plural[m.id[0]] = forms
        elif isinstance(m.string, str) and m.string:
            singular[m.id] = m.string
    index = _gettext.c2py(cat.plural_expr)
    return _Compiled(singular, plural, index)


def messages(locale: str) -> Mapping[str, str]:
    """msgid -> translation (singular messages) of a locale."""
    return _compiled(normalise_locale(locale) or DEFAULT_LOCALE).singular


def _format(text: str, params: Mapping[str, Any]) -> str:
    return text % params if params else text


def translate(msgid: str, locale: str | None = None, /, **params: Any) -> str:
    """The translation of `msgid` in `locale` (default zh_CN), %-formatted with `params`."""
    loc = normalise_locale(locale) or DEFAULT_LOCALE
    text = _compiled(loc).singular.get(msgid, msgid)
    return _format(text, params)


gettext = translate


def ngettext(
    singular: str, plural: str, n: int, locale: str | None = None, /, **params: Any
) -> str:
    """Plural-aware translation; `num` is available as a placeholder (``%(num)s``)."""
    loc = normalise_locale(locale) or DEFAULT_LOCALE
    c = _compiled(loc)
    forms = c.plural.get(singular)
    if forms is None:
        text = singular if n == 1 else plural
    else:
        text = forms[min(c.plural_index(n), len(forms) - 1)]
    return _format(text, {"num": n, **params})


# ---------------------------------------------------------------------------------------
# locale negotiation
# ---------------------------------------------------------------------------------------
_TAG = re.compile(r"^[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*$")


def normalise_locale(tag: str | None) -> str | None:
    """Map a language tag to a supported locale: any Chinese (zh, zh-CN, zh-Hans, zh_TW ...)
    -> zh_CN, any English -> en; None for anything else."""
    if not tag:
        return None
    t = tag.strip()
    if not _TAG.match(t):
        return None
    lang = t.replace("_", "-").split("-", 1)[0].lower()
    if lang == "zh":
        return "zh_CN"
    if lang == "en":
        return "en"
    return None


def _accept_language(header: str) -> Iterator[tuple[float, int, str]]:
    for pos, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if q > 0:
            yield (-q, pos, tag.strip())


def negotiate(accept_language: str | None, *, preferred: str | None = None) -> str:
    """The locale to use: `preferred` (a cookie or profile setting) when supported, else the
    best supported language of an Accept-Language header (q-values honoured), else zh_CN."""
    chosen = normalise_locale(preferred)
    if chosen:
        return chosen
    if accept_language:
        for _q, _pos, tag in sorted(_accept_language(accept_language[:1000])):
            found = normalise_locale(tag)
            if found:
                return found
    return DEFAULT_LOCALE


# ---------------------------------------------------------------------------------------
# formatting (Babel / CLDR)
# ---------------------------------------------------------------------------------------
class _Formattable(Protocol):
    def format(self, locale: str = ...) -> str: ...


def _babel_locale(locale: str | None) -> Locale:
    loc = normalise_locale(locale) or DEFAULT_LOCALE
    try:
        return Locale.parse(loc)
    except (UnknownLocaleError, ValueError):  # pragma: no cover - both locales exist in CLDR
        return Locale.parse(DEFAULT_LOCALE)


def format_date(d: date, locale: str | None = None, fmt: str = "medium") -> str:
    """2026年3月4日 / Mar 4, 2026."""
    return _format_date(d, format=fmt, locale=_babel_locale(locale))


def format_datetime(
    dt: datetime, locale: str | None = None, tz: tzinfo | str | None = None, fmt: str = "medium"
) -> str:
    """An aware datetime in `tz` (default: its own offset)."""
    if dt.tzinfo is None:
        raise ValueError("format_datetime needs an aware datetime")
    zone = ZoneInfo(tz) if isinstance(tz, str) else (tz or dt.tzinfo)
    return _format_datetime(dt, format=fmt, tzinfo=zone, locale=_babel_locale(locale))


def format_decimal(value: int | Decimal, locale: str | None = None) -> str:
    """1,234.5 (grouping per locale). Floats are refused: exact values only."""
    if isinstance(value, float):
        raise TypeError("format_decimal takes int or Decimal, not float")
    return _format_decimal(value, locale=_babel_locale(locale))


def format_percent(value: Decimal, locale: str | None = None, fmt: str = "#,##0.##%") -> str:
    """A ratio as a percentage: Decimal("0.1825") -> 18.25%."""
    if isinstance(value, float):
        raise TypeError("format_percent takes Decimal, not float")
    return _format_percent(value, format=fmt, locale=_babel_locale(locale))


def format_money(amount: _Formattable, locale: str | None = None) -> str:
    """A `faircollect.money.Money` for people: ¥1,234.56 (zh_CN), CN¥1,234.56 (en)."""
    return amount.format(normalise_locale(locale) or DEFAULT_LOCALE)


# ---------------------------------------------------------------------------------------
# Jinja2
# ---------------------------------------------------------------------------------------
def install_jinja(env: Any, *, locale_var: str = "locale") -> None:
    """Wire a Jinja2 Environment to these catalogs: ``{% trans %}``, ``_()``, ``gettext()``,
    ``ngettext()`` (new-style: ``_("Hello %(name)s", name=x)`` autoescapes and formats).
    The locale is read from the template variable `locale_var` at render time, so one
    environment serves every language."""
    from jinja2 import pass_context

    env.add_extension("jinja2.ext.i18n")

    @pass_context
    def _gettext(ctx: Any, message: str) -> str:
        return translate(message, ctx.get(locale_var))

    @pass_context
    def _ngettext(ctx: Any, singular: str, plural: str, n: int) -> str:
        loc = normalise_locale(ctx.get(locale_var)) or DEFAULT_LOCALE
        c = _compiled(loc)
        forms = c.plural.get(singular)
        if forms is None:
            return singular if n == 1 else plural
        return forms[min(c.plural_index(n), len(forms) - 1)]

    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    env.filters.setdefault("money", lambda m, loc=None: format_money(m, loc))
    env.filters.setdefault("fdate", lambda d, loc=None, fmt="medium": format_date(d, loc, fmt))
    env.filters.setdefault(
        "fdatetime",
        lambda dt, loc=None, tz=None, fmt="medium": format_datetime(dt, loc, tz, fmt),
    )
    env.filters.setdefault("fnumber", lambda v, loc=None: format_decimal(v, loc))


# ---------------------------------------------------------------------------------------
# extraction (for tests and `python -m faircollect.i18n`)
# ---------------------------------------------------------------------------------------
#: keyword -> argument spec for babel's Python extractor
PY_KEYWORDS: Mapping[str, Any] = {
    "_": None,
    "N_": None,
    "gettext": None,
    "translate": (1,),
    "ngettext": (1, 2),
}


@dataclass(frozen=True)
class ExtractedMessage:
    msgid: str
    plural: str | None
    path: str
    line: int


def extract_messages(paths: Iterable[Path]) -> list[ExtractedMessage]:
    """Every message used in these Python files (`_`, `N_`, `gettext`, `translate`,
    `ngettext` calls with literal strings) and Jinja2 templates (``.html``: ``{% trans %}``,
    ``_()``, ``gettext()``, ``ngettext()``)."""
    from babel.messages.extract import extract

    out: list[ExtractedMessage] = []
    for path in sorted(paths):
        if path.suffix == ".py":
            method: Any = "python"
            keywords = dict(PY_KEYWORDS)
            options: dict[str, Any] = {}
        elif path.suffix == ".html":
            method = "jinja2.ext:babel_extract"
            keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
            options = {"trimmed": "false"}
        else:
            continue
        with path.open("rb") as f:
            for line, msg, _comments, _ctx in extract(
                method, f, keywords=keywords, options=options, strip_comment_tags=True
            ):
                if isinstance(msg, tuple):
                    if msg[0]:
                        plural = msg[1] if len(msg) > 1 else None
                        out.append(ExtractedMessage(msg[0], plural, str(path), line))
                elif msg:
                    out.append(ExtractedMessage(msg, None, str(path), line))
    return out


def i18n_sources(root: Path | None = None) -> list[Path]:
    """The files whose messages must be in the catalogs: everything under faircollect/web
    (Python and templates) plus every other module that imports faircollect.i18n."""
    base = root or Path(__file__).parent
    found: set[Path] = set()
    web = base / "web"
    if web.is_dir():
        found.update(p for p in web.rglob("*.py"))
        found.update(p for p in web.rglob("*.html"))
    marker = re.compile(
        r"^\s*(?:from faircollect import [^\n]*\bi18n\b|from faircollect\.i18n import"
        r"|import faircollect\.i18n)",
        re.M,
    )
    for p in base.rglob("*.py"):
        if p.name == "i18n.py" and p.parent == base:
            continue
        if p not in found:
            try:
                text = p.read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if marker.search(text):
                found.add(p)
    return sorted(found)


def missing_messages(root: Path | None = None) -> dict[str, list[ExtractedMessage]]:
    """msgid -> where it is used, for messages used in the sources but absent (or untranslated)
    in at least one catalog."""
    used = extract_messages(i18n_sources(root))
    out: dict[str, list[ExtractedMessage]] = {}
    for m in used:
        for loc in LOCALES:
            c = _compiled(loc)
            ok = m.msgid in c.singular if m.plural is None else m.msgid in c.plural
            if not ok:
                out.setdefault(m.msgid, []).append(m)
                break
    return out


def _main(argv: list[str]) -> int:  # pragma: no cover - a developer helper
    """``python -m faircollect.i18n [--add]``: list messages missing from the catalogs;
    with --add, append them to both catalogs (en: msgstr = msgid; zh_CN: empty, to
    translate)."""
    from babel.messages.pofile import write_po

    missing = missing_messages()
    for msgid, uses in sorted(missing.items()):
        print(f"{uses[0].path}:{uses[0].line}: {msgid!r}")
    if missing and "--add" in argv:
        for loc in LOCALES:
            cat = catalog(loc)
            for msgid, uses in missing.items():
                m = uses[0]
                key: Any = (msgid, m.plural) if m.plural else msgid
                if cat.get(msgid) is None:
                    # English is the source language: its translation is the msgid itself
                    if loc == "en":
                        string: Any = msgid if m.plural is None else (msgid, m.plural)
                    else:
                        string = "" if m.plural is None else ("",) * cat.num_plurals
                    flags = ("python-format",) if "%(" in msgid else ()
                    cat.add(key, string, flags=flags)
            with po_path(loc).open("wb") as f:
                write_po(f, cat, width=100, omit_header=False, sort_output=False)
        print(f"added {len(missing)} message(s) to {', '.join(LOCALES)}: translate them")
    return 1 if missing else 0


if __name__ == "__main__":  # pragma: no cover
    import sys

    raise SystemExit(_main(sys.argv[1:]))
