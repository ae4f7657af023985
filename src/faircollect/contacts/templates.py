"""Message templates: versioned, zh_CN and en, Jinja2 in a sandbox, linted.

- A template is (creditor, code, channel, locale) with versions; saving a new text adds a
  version and the highest active one is used. Only the variables in `VARIABLES` exist
  (an unknown name is refused when saving; rendering is strict).
- Saving runs the content lint on the template rendered with sample values: any finding
  (threat, insult, impersonation, disclosure to a third party for purpose ``location`` ...)
  rejects it with the findings (`TemplateRejected`).
- Rendering picks the borrower's locale (zh* -> zh_CN, anything else -> en; falling back to the
  other when missing) and `decorate` adds what the pack requires, so that no template can
  forget it: CN SMS get the 【creditor】 signature and 回复TD退订 (CN e-mail: 回复TD退订); US
  electronic messages get the debt-collector disclosure (the full mini-Miranda before the
  first communication, 12 CFR 1006.18(e)) and the opt-out line (1006.6(e)); UK ones the
  opt-out line. Every rendered message is linted again by the rule engine in the gate
  (action.content): a finding blocks the send.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

import yaml
from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment

from faircollect import audit, clock
from faircollect.money import Money
from faircollect.rules.content import Finding, LintContext, has_mini_miranda, has_opt_out, lint
from faircollect.store.db import Session
from faircollect.store.repositories import borrowers as borrowers_repo
from faircollect.store.repositories import installments as installments_repo
from faircollect.store.repositories import templates as repo
from faircollect.store.scope import Scope
from faircollect.store.tables import Borrower, Creditor, Loan, MessageTemplate
from faircollect.vault import Vault, mask_name

from . import policy
from .errors import Invalid, NotFound

__all__ = [
    "CHANNELS",
    "LOCALES",
    "VARIABLES",
    "Rendered",
    "TemplateRejected",
    "decorate",
    "render_for",
    "render_text",
    "save",
    "seed_defaults",
    "template_locale",
]

CHANNELS = ("sms", "email", "app")
LOCALES = ("zh_CN", "en")
VARIABLES = (
    "name",
    "name_masked",
    "creditor",
    "loan_ref",
    "amount_due",
    "outstanding",
    "due_date",
    "days_past_due",
    "portal_url",
    "hotline",
)
PURPOSES = (
    "demand",
    "reminder",
    "notice_end",
    "remedy_notice",
    "verification",
    "location",
    "response",
)
_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


class TemplateRejected(Invalid):
    def __init__(self, findings: tuple[Finding, ...]) -> None:
        codes = sorted({f.code for f in findings})
        super().__init__(
            "template_rejected",
            "The template fails the content check: " + "; ".join(f.message_en for f in findings),
            "模板未通过内容检查：" + "；".join(f.message_zh for f in findings),
            findings=[
                {
                    "code": f.code,
                    "excerpt": f.excerpt,
                    "message": f.message_en,
                    "message_zh": f.message_zh,
                }
                for f in findings
            ],
            codes=codes,
        )


class Rendered(NamedTuple):
    subject: str | None
    body: str  # decorated: exactly what is sent
    code: str
    version: int
    locale: str
    purpose: str
    kind: str  # collection | service


def template_locale(borrower_locale: str | None) -> str:
    return "zh_CN" if (borrower_locale or "zh").lower().startswith("zh") else "en"


def _lang(locale: str) -> str:
    return "zh" if locale.startswith("zh") else "en"


# ---------------------------------------------------------------------------------------
# compile, render, lint
# ---------------------------------------------------------------------------------------
def _check_source(source: str, what: str) -> None:
    try:
        parsed = _ENV.parse(source)
    except TemplateError as e:
        raise Invalid(
            "template_syntax", f"Template {what}: {e}.", f"模板{what}语法错误：{e}。", field=what
        ) from None
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(VARIABLES))
    if unknown:
        raise Invalid(
            "template_variables",
            f"Unknown variables in the {what}: {', '.join(unknown)} (known: "
            f"{', '.join(VARIABLES)}).",
            f"模板{what}中有未知变量：{', '.join(unknown)}（可用：{', '.join(VARIABLES)}）。",
            field=what,
            unknown=unknown,
        )


def render_text(source: str, variables: Mapping[str, Any]) -> str:
    """Render in the sandbox (undefined variables are errors)."""
    try:
        return _ENV.from_string(source).render(**variables).strip()
    except TemplateError as e:
        raise Invalid(
            "template_render", f"Cannot render the template: {e}.", f"无法渲染模板：{e}。"
        ) from None


def sample_variables(locale: str, currency: str = "CNY") -> dict[str, Any]:
    zh = locale.startswith("zh")
    return {
        "name": "张三" if zh else "Alex Smith",
        "name_masked": "张*" if zh else "A*** S****",
        "creditor": "示例金融" if zh else "Example Lending",
        "loan_ref": "L000123",
        "amount_due": Money.parse("1234.56", currency).format(locale),
        "outstanding": Money.parse("5678.90", currency).format(locale),
        "due_date": "2026-03-01",
        "days_past_due": 12,
        "portal_url": "https://example.invalid/me",
        "hotline": "400-000-0000" if zh else "+1 555 0100",
    }


def lint_text(text: str, *, locale: str, channel: str, purpose: str) -> tuple[Finding, ...]:
    audience = "third_party" if purpose == "location" else "debtor"
    return lint(text, LintContext(lang=None, audience=audience, channel=channel))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# decoration (required lines per pack)
# ---------------------------------------------------------------------------------------
def decorate(
    body: str,
    *,
    pack: str,
    channel: str,
    locale: str,
    sender: str,
    first_communication: bool,
    third_party: bool = False,
) -> str:
    zh = _lang(locale) == "zh"
    text = body.strip()
    lines: list[str] = []
    if pack == "CN":
        if channel == "sms" and not text.startswith("【"):
            text = f"【{sender}】{text}"
        if channel in ("sms", "email") and not has_opt_out(text):
            lines.append("回复TD退订")
    elif pack in ("US", "US-MA"):
        if not third_party and not has_mini_miranda(text):
            if first_communication:
                lines.append(
                    "我们正在催收一笔债务，所获取的任何信息都将用于该目的。本信息来自债务催收方。"
                    if zh
                    else "This is an attempt to collect a debt and any information obtained "
                    "will be used for that purpose. This communication is from a debt collector."
                )
            else:
                lines.append(
                    "本信息来自债务催收方。"
                    if zh
                    else "This communication is from a debt collector."
                )
        if not has_opt_out(text):
            lines.append(_opt_out_line(channel, zh))
    elif not has_opt_out(text):  # UK and any other pack: a free way to opt out
        lines.append(_opt_out_line(channel, zh))
    if not lines:
        return text
    sep = "\n\n" if channel == "email" else " "
    return text + sep + " ".join(lines)


def _opt_out_line(channel: str, zh: bool) -> str:
    if channel == "email":
        return (
            "如不想再收到邮件，请回复STOP退订。"
            if zh
            else ("To opt out of e-mails from us, reply STOP.")
        )
    if channel == "app":
        return (
            "如不想再收到通知，可在应用设置中退订（opt out）。"
            if zh
            else ("To opt out of these notifications, turn them off in the app settings.")
        )
    return "回复STOP退订" if zh else "Reply STOP to opt out."


# ---------------------------------------------------------------------------------------
# storage
# ---------------------------------------------------------------------------------------
def _check_fields(code: str, channel: str, locale: str, purpose: str) -> None:
    if not code or len(code) > 64 or not code.replace("_", "").replace("-", "").isalnum():
        raise Invalid(
            "invalid_code",
            "A template code is 1-64 letters, digits, - or _.",
            "模板代码为 1-64 个字母、数字、- 或 _。",
            field="code",
        )
    for value, allowed, what in (
        (channel, CHANNELS, "channel"),
        (locale, LOCALES, "locale"),
        (purpose, PURPOSES, "purpose"),
    ):
        if value not in allowed:
            raise Invalid(
                f"invalid_{what}",
                f"Invalid {what} {value!r}: one of {', '.join(allowed)}.",
                f"{what} {value!r} 无效：应为 {', '.join(allowed)} 之一。",
                field=what,
            )


def save(
    session: Session,
    *,
    scope: Scope,
    actor: str,
    creditor_id: int,
    code: str,
    channel: str,
    locale: str,
    body: str,
    subject: str | None = None,
    purpose: str = "reminder",
    now: datetime | None = None,
    currency: str = "CNY",
) -> MessageTemplate:
    """Lint and store a new version. Raises TemplateRejected with the findings."""
    _check_fields(code, channel, locale, purpose)
    if not scope.allows_creditor(creditor_id) or scope.borrower_id is not None:
        raise NotFound("creditor_not_found", "No such creditor.", "没有该债权人。")
    if not body.strip():
        raise Invalid("empty_body", "The template body is empty.", "模板正文为空。", field="body")
    _check_source(body, "body")
    if subject is not None:
        _check_source(subject, "subject")
    sample = sample_variables(locale, currency)
    text = render_text(body, sample)
    if subject:
        text = render_text(subject, sample) + "\n" + text
    findings = lint_text(text, locale=locale, channel=channel, purpose=purpose)
    if findings:
        raise TemplateRejected(findings)
    at = now or clock.now()
    row = repo.add_version(
        session,
        repo.NewTemplate(
            creditor_id=creditor_id,
            code=code,
            channel=channel,
            locale=locale,
            body=body,
            subject=subject,
            purpose=purpose,
            created_by=actor,
        ),
        now=at,
    )
    audit.append(
        session,
        actor=actor,
        action="template.save",
        entity=f"template:{creditor_id}:{code}",
        payload={
            "template_id": row.id,
            "code": code,
            "channel": channel,
            "locale": locale,
            "version": row.version,
            "purpose": purpose,
        },
    )
    return row


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    text = (
        resources.files("faircollect.contacts").joinpath("data/templates.yaml").read_text("utf-8")
    )
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def seed_defaults(
    session: Session, *, creditor: Creditor, actor: str = "system", now: datetime | None = None
) -> int:
    """Add the default templates a creditor does not have yet (idempotent); returns how many
    were added. Defaults are linted like any template."""
    at = now or clock.now()
    added = 0
    scope = Scope.for_creditors([creditor.id])
    for spec in _defaults()["defaults"]:
        for channel in spec["channels"]:
            for locale in LOCALES:
                t = spec.get(locale)
                if t is None:
                    continue
                if repo.latest(session, creditor.id, spec["code"], channel, locale, scope=scope):
                    continue
                save(
                    session,
                    scope=scope,
                    actor=actor,
                    creditor_id=creditor.id,
                    code=spec["code"],
                    channel=channel,
                    locale=locale,
                    body=t["body"],
                    subject=t.get("subject") if channel in ("email", "app") else None,
                    purpose=spec.get("purpose", "reminder"),
                    now=at,
                    currency=creditor.currency,
                )
                added += 1
    return added


def defaults_for(currency: str = "CNY") -> list[dict[str, Any]]:
    """The built-in default templates as plain values (version 0: not stored)."""
    out = []
    for spec in _defaults()["defaults"]:
        for channel in spec["channels"]:
            for locale in LOCALES:
                t = spec.get(locale)
                if t is None:
                    continue
                out.append(
                    {
                        "code": spec["code"],
                        "channel": channel,
                        "locale": locale,
                        "purpose": spec.get("purpose", "reminder"),
                        "subject": t.get("subject") if channel in ("email", "app") else None,
                        "body": t["body"],
                    }
                )
    return out


def kind_of(code: str) -> str:
    for spec in _defaults()["defaults"]:
        if spec["code"] == code:
            return str(spec.get("kind", "collection"))
    return "collection"


# ---------------------------------------------------------------------------------------
# rendering a message for a borrower
# ---------------------------------------------------------------------------------------
def _find(
    session: Session, creditor: Creditor, code: str, channel: str, locale: str
) -> MessageTemplate | None:
    scope = Scope.for_creditors([creditor.id])
    for loc in (locale, *(x for x in LOCALES if x != locale)):
        t = repo.latest(session, creditor.id, code, channel, loc, scope=scope)
        if t is not None:
            return t
    return None


def _amount_due(session: Session, loan: Loan, today: date) -> Money:
    """Scheduled amounts due up to today and not yet paid (the next installment when nothing
    is overdue)."""
    rows = installments_repo.list_for_loan(session, loan.id, scope=Scope.system())
    due = 0
    upcoming = None
    for r in rows:
        owed = (r.principal_minor + r.interest_minor + r.fee_minor) - (
            r.paid_principal_minor + r.paid_interest_minor + r.paid_fee_minor
        )
        if owed <= 0:
            continue
        if r.due_on <= today:
            due += owed
        elif upcoming is None:
            upcoming = owed
    return Money(due if due else (upcoming or 0), loan.currency)


def variables_for(
    session: Session,
    vault: Vault,
    *,
    creditor: Creditor,
    borrower: Borrower,
    loan: Loan,
    locale: str,
    now: datetime,
) -> dict[str, Any]:
    settings = creditor.settings or {}
    today = clock.local_date(now, borrower.timezone or clock.SHANGHAI)
    name = borrowers_repo.reveal(vault, borrower).name
    since = loan.overdue_since
    base_url = str(
        settings.get("portal_url")
        or os.environ.get("FAIRCOLLECT_PUBLIC_URL", "")
        or "http://localhost:8000"
    ).rstrip("/")
    hotline_key = "hotline" if locale.startswith("zh") else "hotline_en"
    return {
        "name": name,
        "name_masked": mask_name(name),
        "creditor": policy.sender_name(settings, creditor.name),
        "loan_ref": loan.ref,
        "amount_due": _amount_due(session, loan, today).format(locale),
        "outstanding": Money(loan.outstanding_minor, loan.currency).format(locale),
        "due_date": "" if since is None else since.isoformat(),
        "days_past_due": 0 if since is None else max((today - since).days, 0),
        "portal_url": base_url if base_url.endswith("/me") else base_url + "/me",
        "hotline": str(settings.get(hotline_key) or settings.get("hotline") or ""),
    }


def render_for(
    session: Session,
    vault: Vault,
    *,
    creditor: Creditor,
    borrower: Borrower,
    loan: Loan,
    code: str,
    channel: str,
    now: datetime,
    locale: str | None = None,
    third_party: bool = False,
) -> Rendered:
    loc = template_locale(locale or borrower.locale)
    t = _find(session, creditor, code, channel, loc)
    if t is None:
        seed_defaults(session, creditor=creditor, now=now)
        t = _find(session, creditor, code, channel, loc)
    if t is None:
        raise NotFound(
            "template_not_found",
            f"No template {code!r} for {channel}.",
            f"没有用于 {channel} 的模板 {code!r}。",
        )
    variables = variables_for(
        session, vault, creditor=creditor, borrower=borrower, loan=loan, locale=t.locale, now=now
    )
    body = render_text(t.body, variables)
    subject = render_text(t.subject, variables) if t.subject else None
    body = decorate(
        body,
        pack=creditor.pack,
        channel=channel,
        locale=t.locale,
        sender=policy.sender_name(creditor.settings, creditor.name),
        first_communication=loan.first_communication_at is None,
        third_party=third_party or t.purpose == "location",
    )
    return Rendered(subject, body, t.code, t.version, t.locale, t.purpose, kind_of(t.code))
