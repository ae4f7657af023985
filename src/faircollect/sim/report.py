"""The evaluation report, from the JSON of `faircollect simulate --json` alone: a side-by-side
Rich table, PNG plots (recovery curve over days, contacts by channel, harm against recovery;
matplotlib with the Agg backend, WenQuanYi Micro Hei for Chinese labels) and a
self-contained HTML page (the PNGs inlined as data URIs)."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

from rich.table import Table

from faircollect.strategy.treatments import BY_NAME, TREATMENT_NAMES

__all__ = ["ROWS", "plots", "table", "write_html", "write_report"]

SHORT_ZH = {"call_emergency_contact": "紧急联系人", "visit": "上门"}
#: (key, English label, Chinese label, format)
ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("recovery_rate", "Recovery rate (collected / overdue)", "回收率（回收/逾期）", "pct"),
    ("cure_rate", "Cure rate", "结清逾期率", "pct"),
    ("redefault_rate", "Re-default rate (of cured)", "再逾期率（结清后）", "pct"),
    ("contacts_per_account", "Contacts per account", "每账户联系次数", "num"),
    ("visits_per_1000", "Visits per 1,000 accounts", "每千户上门次数", "num"),
    ("third_party_contacts_per_1000", "Third-party contacts per 1,000", "每千户第三方联系", "num"),
    ("legal_actions_per_1000", "Legal actions per 1,000", "每千户法律行动", "num"),
    ("complaints_per_1000", "Complaints per 1,000", "每千户投诉", "num"),
    ("mean_stress", "Mean stress", "平均压力", "num"),
    ("violations_attempted", "Violations attempted", "试图违规次数", "int"),
    ("violations_blocked", "Violations blocked", "已拦截违规", "int"),
    ("violations_executed", "Violations executed", "已执行违规", "int"),
    ("cost_per_account", "Cost per account", "每账户成本", "money"),
    ("cost_per_unit_recovered", "Cost per unit recovered", "每单位回收成本", "num"),
    ("promise_kept_rate", "Promises kept", "承诺兑现率", "pct"),
    ("disputes_per_1000", "Disputes per 1,000", "每千户争议", "num"),
)


def _fmt(v: float, kind: str) -> str:
    if kind == "pct":
        return f"{v * 100:.2f}%"
    if kind == "int":
        return f"{v:,.1f}" if v != int(v) else f"{int(v):,}"
    if kind == "money":
        return f"{v:,.2f}"
    return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.1f}"


def _cell(s: dict[str, Any], key: str, kind: str) -> str:
    v = float(s.get(key, 0.0))
    text = _fmt(v, kind)
    ci = s.get("ci95", {}).get(key)
    if ci and ci[0] != ci[1]:
        text += f" [{_fmt(ci[0], kind)}, {_fmt(ci[1], kind)}]"
    return text


def table(data: dict[str, Any], lang: str = "en") -> Table:
    names = list(data["strategies"])
    title = (
        f"{data['accounts']:,} accounts x {data['days']} days, {data['replicates']} replicate(s),"
        f" seed {data['seed']} ({data['currency']})"
    )
    if lang.startswith("zh"):
        title = (f"{data['accounts']:,} 个账户 x {data['days']} 天，{data['replicates']} 次重复，"
                 f"种子 {data['seed']}（{data['currency']}）")  # fmt: skip
    t = Table(title=title)
    t.add_column("指标" if lang.startswith("zh") else "Metric")
    for n in names:
        t.add_column(n, justify="right")
    for key, en, zh, kind in ROWS:
        t.add_row(zh if lang.startswith("zh") else en,
                  *(_cell(data["strategies"][n], key, kind) for n in names))  # fmt: skip
    return t


def plots(data: dict[str, Any], out: Path) -> list[Path]:
    """recovery.png, channels.png, harm.png in `out`."""
    from faircollect.plotting import pyplot

    with pyplot() as plt:
        return _plots(plt, data, out)


def _plots(plt: Any, data: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    names = list(data["strategies"])
    paths = []
    # recovery curve
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    for n in names:
        curve = data["strategies"][n]["recovery_curve"]
        ax.plot(range(1, len(curve) + 1), [x * 100 for x in curve], label=n)
    ax.set_xlabel("Day 天")
    ax.set_ylabel("Recovery rate 回收率 (%)")
    ax.set_title("Recovery over time 回收曲线")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    paths.append(out / "recovery.png")
    fig.savefig(paths[-1])
    plt.close(fig)
    # contacts by channel
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    width = 0.8 / max(len(names), 1)
    for i, n in enumerate(names):
        per = data["strategies"][n]["contacts_by_channel"]
        xs = [k + i * width for k in range(len(TREATMENT_NAMES))]
        ax.bar(xs, [per.get(t, 0.0) for t in TREATMENT_NAMES], width=width, label=n)
    ax.set_xticks([k + width * (len(names) - 1) / 2 for k in range(len(TREATMENT_NAMES))])
    ax.set_xticklabels([f"{SHORT_ZH.get(t, BY_NAME[t].title_zh)}\n{t.replace('_', ' ')}"
                        for t in TREATMENT_NAMES], fontsize=8)  # fmt: skip
    ax.set_ylabel("Per account 每账户")
    ax.set_title("Contacts by channel 各渠道联系次数")
    ax.legend()
    fig.tight_layout()
    paths.append(out / "channels.png")
    fig.savefig(paths[-1])
    plt.close(fig)
    # harm against recovery
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), dpi=110)
    panels = (
        (axes[0], "complaints_per_1000", "Complaints per 1,000 每千户投诉"),
        (axes[1], "visits_per_1000", "Visits per 1,000 每千户上门"),
    )
    for ax, key, label in panels:
        for n in names:
            s = data["strategies"][n]
            x, y = s[key], s["recovery_rate"] * 100
            xe = s["ci95"].get(key, [x, x])
            ye = [v * 100 for v in s["ci95"].get("recovery_rate", [s["recovery_rate"]] * 2)]
            ax.errorbar([x], [y], xerr=[[x - xe[0]], [xe[1] - x]], yerr=[[y - ye[0]],
                        [ye[1] - y]], fmt="o", capsize=4, label=n)  # fmt: skip
        ax.set_xlabel(label)
        ax.set_ylabel("Recovery rate 回收率 (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Harm against recovery 伤害与回收")
    fig.tight_layout()
    paths.append(out / "harm.png")
    fig.savefig(paths[-1])
    plt.close(fig)
    return paths


def write_html(data: dict[str, Any], pngs: list[Path], path: Path, command: str = "") -> Path:
    names = list(data["strategies"])
    e = html.escape
    head = "".join(f"<th>{e(n)}</th>" for n in names)
    rows = []
    for key, en, zh, kind in ROWS:
        cells = "".join(f"<td>{e(_cell(data['strategies'][n], key, kind))}</td>" for n in names)
        rows.append(f"<tr><th>{e(en)}<br><small>{e(zh)}</small></th>{cells}</tr>")
    imgs = "".join(
        f'<figure><img alt="{e(p.stem)}" src="data:image/png;base64,'
        f'{base64.b64encode(p.read_bytes()).decode("ascii")}"></figure>'
        for p in pngs
    )
    doc = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>faircollect simulation</title>
<style>body{{font-family:system-ui,"WenQuanYi Micro Hei",sans-serif;margin:2em;max-width:1100px}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}
th:first-child{{text-align:left}}img{{max-width:100%}}pre{{background:#f6f6f6;padding:1em;
overflow:auto}}</style></head><body>
<h1>Strategy evaluation 策略评估</h1>
<p>{data["accounts"]:,} accounts x {data["days"]} days, {data["replicates"]} replicate(s), seed
{data["seed"]}, start {e(data["start"])}, amounts in {e(data["currency"])}. Numbers are means over
replicates with a 95% interval in brackets. Executed violations are zero by construction: every
executed contact passed the rule gate at its execution time.</p>
{f"<pre>{e(command)}</pre>" if command else ""}
<table><tr><th>Metric 指标</th>{head}</tr>{"".join(rows)}</table>
{imgs}
<details><summary>JSON</summary><pre>{e(json.dumps(data, indent=2, ensure_ascii=False))}</pre>
</details></body></html>
"""
    path.write_text(doc, "utf-8")
    return path


def write_report(data: dict[str, Any], out: Path, command: str = "") -> list[Path]:
    """result.json, the PNGs and report.html in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                     "utf-8")  # fmt: skip
    pngs = plots(data, out)
    page = write_html(data, pngs, out / "report.html", command)
    return [out / "result.json", *pngs, page]
