"""Reports on strategy runs: data for the web app (JSON) and charts (PNG, matplotlib Agg).

    data = build(runs, accounts)            # pure: run records + per-run account rows
    data = from_db(session, strategy=...)   # the same from the operational database
    paths = render_png(data, out_dir, lang="zh_CN")

Contents
- `latest`: the latest run's counts and amounts by bucket, treatment and arm (work items,
  balance and expected recovery, per currency) and the accounts left without action by
  reason and by bucket;
- `runs`: one line per run (date, version, work items by treatment and arm);
- `roll_rates`: between consecutive runs, per bucket of the earlier one: accounts, rolled
  (a worse bucket in the later run), cured (no longer overdue: absent from the later run),
  and the two rates;
- `recovery`: for the cohort of the first run, per currency and arm, the share of its
  balance no longer in collection at each later run (paid down, or cured: absent). This is
  how champion, challengers and the holdout are compared.
Rates are decimal strings with 4 places (exact, from integer counts and minor units).
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from .treatments import TREATMENT_NAMES

__all__ = ["RunInfo", "build", "from_db", "render_png", "write_json"]

BUCKET_ORDER = ("M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7+")


@dataclass(frozen=True)
class RunInfo:
    run_id: int
    as_of: date
    strategy: str
    version: int
    engine: str
    counts: Mapping[str, Any]


def _rate(num: int, den: int) -> str:
    if den == 0:
        return "0.0000"
    return str((Decimal(num) / Decimal(den)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def build(runs: Sequence[RunInfo], accounts: pa.Table) -> dict[str, Any]:
    """The report data. `accounts`: run_id, as_of, loan_ref, arm, bucket, balance_minor,
    currency, treatment (null when no action) for every account of every run."""
    runs = sorted(runs, key=lambda r: (r.as_of, r.run_id))
    out: dict[str, Any] = {
        "strategy": runs[-1].strategy if runs else None,
        "runs": [
            {
                "run_id": r.run_id,
                "as_of": r.as_of.isoformat(),
                "version": r.version,
                "engine": r.engine,
                "work_items": int(r.counts.get("work_items", 0)),
                "no_action": int(r.counts.get("no_action", 0)),
                "by_treatment": dict(r.counts.get("by_treatment", {})),
                "by_arm": dict(r.counts.get("by_arm", {})),
            }
            for r in runs
        ],
        "latest": None,
        "roll_rates": [],
        "recovery": {},
    }
    if not runs:
        return out
    last = runs[-1]
    amounts = last.counts.get("amounts", {})
    out["latest"] = {
        "run_id": last.run_id,
        "as_of": last.as_of.isoformat(),
        "by_treatment": dict(last.counts.get("by_treatment", {})),
        "by_segment": dict(last.counts.get("by_segment", {})),
        "by_arm": dict(last.counts.get("by_arm", {})),
        "by_arm_treatment": dict(last.counts.get("by_arm_treatment", {})),
        "no_action_by_reason": dict(last.counts.get("no_action_by_reason", {})),
        "amounts_by_bucket": amounts.get("by_bucket", {}),
        "amounts_by_treatment": amounts.get("by_treatment", {}),
        "amounts_by_arm": amounts.get("by_arm", {}),
        "no_action_by_bucket": amounts.get("no_action_by_bucket", {}),
    }
    per_run: dict[int, dict[str, tuple[str, int, str, str]]] = defaultdict(dict)
    for r in accounts.to_pylist():
        per_run[int(r["run_id"])][r["loan_ref"]] = (
            r["bucket"],
            int(r["balance_minor"]),
            r["currency"],
            r["arm"],
        )
    out["roll_rates"] = _roll_rates(runs, per_run)
    out["recovery"] = _recovery(runs, per_run)
    return out


def _roll_rates(
    runs: Sequence[RunInfo], per_run: Mapping[int, Mapping[str, tuple[str, int, str, str]]]
) -> list[dict[str, Any]]:
    rows = []
    for a, b in itertools.pairwise(runs):
        before, after = per_run.get(a.run_id, {}), per_run.get(b.run_id, {})
        stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for ref, (bucket, _, _, _) in before.items():
            s = stats[bucket]
            s[0] += 1
            nxt = after.get(ref)
            if nxt is None:
                s[2] += 1
            elif BUCKET_ORDER.index(nxt[0]) > BUCKET_ORDER.index(bucket):
                s[1] += 1
        for bucket in sorted(stats, key=BUCKET_ORDER.index):
            n, rolled, cured = stats[bucket]
            rows.append(
                {
                    "from": a.as_of.isoformat(),
                    "to": b.as_of.isoformat(),
                    "bucket": bucket,
                    "accounts": n,
                    "rolled": rolled,
                    "cured": cured,
                    "roll_rate": _rate(rolled, n),
                    "cure_rate": _rate(cured, n),
                }
            )
    return rows


def _recovery(
    runs: Sequence[RunInfo], per_run: Mapping[int, Mapping[str, tuple[str, int, str, str]]]
) -> dict[str, Any]:
    first = per_run.get(runs[0].run_id, {})
    base: dict[tuple[str, str], int] = defaultdict(int)
    for _, (_, bal, cur, arm) in first.items():
        base[(cur, arm)] += bal
    curves: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for r in runs:
        now = per_run.get(r.run_id, {})
        gone: dict[tuple[str, str], int] = defaultdict(int)
        for ref, (_, bal0, cur, arm) in first.items():
            cur_row = now.get(ref)
            left = 0 if cur_row is None else min(cur_row[1], bal0)
            gone[(cur, arm)] += bal0 - left
        for (cur, arm), total in sorted(base.items()):
            curves[cur][arm].append(
                {
                    "as_of": r.as_of.isoformat(),
                    "recovered_minor": gone[(cur, arm)],
                    "share": _rate(gone[(cur, arm)], total),
                }
            )
    return {
        "cohort_as_of": runs[0].as_of.isoformat(),
        "curves": {c: dict(v) for c, v in curves.items()},
    }


def from_db(session: Any, *, strategy: str, scope: Any = None, last: int = 90) -> dict[str, Any]:
    """The report of the last `last` completed runs of a strategy."""
    from faircollect.store.repositories import strategies as repo
    from faircollect.store.scope import Scope

    rows = repo.list_runs(session, strategy=strategy)[-last:]
    runs = [
        RunInfo(r.id, r.as_of, r.strategy, r.strategy_version, r.engine, r.counts or {})
        for r in rows
    ]
    accounts = repo.account_rows(session, [r.run_id for r in runs], scope=scope or Scope.system())
    return build(runs, accounts)


def write_json(data: Mapping[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return path


# ---------------------------------------------------------------------------------------
# charts
# ---------------------------------------------------------------------------------------
_LABELS = {
    "en": {
        "treatments": "Work items by treatment and arm",
        "amounts": "Balance and expected recovery by bucket",
        "balance": "balance",
        "expected": "expected recovery",
        "roll": "Roll rate by bucket (to a worse bucket at the next run)",
        "recovery": "Share of the first run's balance no longer in collection",
        "items": "work items",
        "rate": "rate",
        "share": "share",
        "run": "run date",
    },
    "zh_CN": {
        "treatments": "按处置方式和实验组的工作项",
        "amounts": "按逾期阶段的余额和预期回收",
        "balance": "余额",
        "expected": "预期回收",
        "roll": "按逾期阶段的迁徙率（下一次运行进入更差阶段）",
        "recovery": "首次运行余额中已不在催收中的比例",
        "items": "工作项",
        "rate": "比率",
        "share": "比例",
        "run": "运行日期",
    },
}


def render_png(data: Mapping[str, Any], out_dir: Path, *, lang: str = "en") -> list[Path]:
    """Write the charts as PNG files into `out_dir`; returns their paths."""
    from faircollect.plotting import pyplot

    with pyplot() as plt:
        return _render_png(plt, data, out_dir, lang)


def _render_png(plt: Any, data: Mapping[str, Any], out_dir: Path, lang: str) -> list[Path]:
    from faircollect.money import Money

    from .explain import treatment_title

    lab = _LABELS["zh_CN" if lang.startswith("zh") else "en"]
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    latest = data.get("latest") or {}

    # 1. work items by treatment and arm (latest run)
    by_arm_t: Mapping[str, Mapping[str, int]] = latest.get("by_arm_treatment") or {}
    treatments = [t for t in TREATMENT_NAMES if any(t in v for v in by_arm_t.values())]
    fig, ax = plt.subplots(figsize=(8, 4))
    arms = sorted(by_arm_t)
    width = 0.8 / max(len(arms), 1)
    for i, arm in enumerate(arms):
        xs = [j + (i - (len(arms) - 1) / 2) * width for j in range(len(treatments))]
        ax.bar(xs, [by_arm_t[arm].get(t, 0) for t in treatments], width=width, label=arm)
    ax.set_xticks(range(len(treatments)), [treatment_title(t, lang) for t in treatments])
    ax.set_title(f"{lab['treatments']} — {latest.get('as_of', '')}")
    ax.set_ylabel(lab["items"])
    if arms:
        ax.legend(fontsize=8)
    for label in ax.get_xticklabels():
        label.set_rotation(20)
    fig.tight_layout()
    paths.append(_save(fig, out_dir / "work_items_by_treatment.png", plt))

    # 2. balance and expected recovery by bucket (first currency)
    by_bucket = latest.get("amounts_by_bucket") or {}
    fig, ax = plt.subplots(figsize=(8, 4))
    if by_bucket:
        cur = sorted(by_bucket)[0]
        rows = by_bucket[cur]
        buckets = [b for b in BUCKET_ORDER if b in rows]
        bal = [float(Money(rows[b]["balance_minor"], cur).to_decimal()) for b in buckets]
        exp = [float(Money(rows[b]["expected_recovery_minor"], cur).to_decimal())
               for b in buckets]  # fmt: skip
        xs = range(len(buckets))
        ax.bar([x - 0.2 for x in xs], bal, width=0.4, label=lab["balance"])
        ax.bar([x + 0.2 for x in xs], exp, width=0.4, label=lab["expected"])
        ax.set_xticks(list(xs), buckets)
        ax.set_ylabel(cur)
        ax.legend()
    ax.set_title(lab["amounts"])
    fig.tight_layout()
    paths.append(_save(fig, out_dir / "amounts_by_bucket.png", plt))

    # 3. roll rates across runs
    fig, ax = plt.subplots(figsize=(8, 4))
    series: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for r in data.get("roll_rates") or []:
        series[r["bucket"]].append((r["to"], float(r["roll_rate"])))
    for bucket in sorted(series, key=BUCKET_ORDER.index):
        pts = series[bucket]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=bucket)
    ax.set_title(lab["roll"])
    ax.set_xlabel(lab["run"])
    ax.set_ylabel(lab["rate"])
    if series:
        ax.legend(fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    paths.append(_save(fig, out_dir / "roll_rates.png", plt))

    # 4. recovery curves per arm (first currency)
    fig, ax = plt.subplots(figsize=(8, 4))
    curves = (data.get("recovery") or {}).get("curves") or {}
    if curves:
        cur = sorted(curves)[0]
        for arm, pts in sorted(curves[cur].items()):
            ax.plot([p["as_of"] for p in pts], [float(p["share"]) for p in pts],
                    marker="o", label=arm)  # fmt: skip
        ax.legend(fontsize=8)
    ax.set_title(lab["recovery"])
    ax.set_xlabel(lab["run"])
    ax.set_ylabel(lab["share"])
    fig.autofmt_xdate()
    fig.tight_layout()
    paths.append(_save(fig, out_dir / "recovery_curves.png", plt))
    return paths


def _save(fig: Any, path: Path, plt: Any) -> Path:
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
