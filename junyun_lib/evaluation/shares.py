"""Shares of schools meeting a check (达标率), measured on one evaluated county-year.

Used by the scorecard (校额、班额、音乐美术专用教室 must reach 100%) and by plan tracking (计划项目的完成比例).
A share with nothing to count is ``None`` (no data), never 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..rules.plan_metrics import GUARANTEE_ITEMS


@dataclass(frozen=True)
class Measurement:
    """An actual value and how it was obtained (实际值与依据); ``value`` None means no data."""

    value: float | None
    basis: str = ""


NO_DATA = Measurement(None, "无数据")


def _parts(result, stage: str) -> pd.DataFrame:
    parts = result.parts
    return parts if stage == "all" else parts[parts["part"] == stage]


def share(passes: pd.Series, what: str) -> Measurement:
    """100 × (passing / counted) of a boolean Series (NA left out), with "n/m <what>" as its basis.

    Examples
    --------
    >>> share(pd.Series([True, False, True, None], dtype="boolean"), "所学校达标")
    Measurement(value=66.66666666666667, basis='2/3 所学校达标')
    """
    passes = passes.dropna()
    if passes.empty:
        return Measurement(None, f"无{what}")
    n_pass, n = int(passes.astype(bool).sum()), int(len(passes))
    return Measurement(100.0 * n_pass / n, f"{n_pass}/{n} {what}")


def indicator_share(result, code: str, stage: str) -> Measurement:
    """Share of school parts (of ``stage``, or ``"all"``) whose indicator ``code`` meets its standard."""
    parts = _parts(result, stage)
    if f"meets_{code}" not in parts:
        return NO_DATA
    has_value = parts[f"value_{code}"].notna()
    return share(parts.loc[has_value, f"meets_{code}"].astype("boolean"), "个学段达标")


def guarantee_share(result, item: str) -> Measurement:
    """Share of schools in scope meeting every check of a school-level guarantee item that applies to them
    (``school_size``, ``class_size``, ``special_rooms``); a check that does not apply is no failure, a school
    whose check applies but cannot be decided (and fails none) is left out and counted in the basis."""
    wide = result.guarantee_wide
    names = [c for c in GUARANTEE_ITEMS[item] if f"{c}_passes" in wide]
    if wide.empty or not names:
        return NO_DATA
    checks = wide[[f"{c}_passes" for c in names]].astype("boolean")
    # a check that applies but cannot be decided (班额分段跨越限额) has a limit and no verdict
    limits = wide[[f"{c}_limit" for c in names]].notna().to_numpy()
    undetermined = (checks.isna().to_numpy() & limits).any(axis=1)
    fails = checks.fillna(True).eq(False).any(axis=1).to_numpy()
    applicable = checks.notna().any(axis=1).to_numpy() | undetermined
    passes = checks.fillna(True).all(axis=1).astype("boolean")
    passes[undetermined & ~fails] = pd.NA
    measured = share(passes[applicable], "所学校达标")
    unknown = int((undetermined & ~fails)[applicable].sum())
    if unknown and measured.value is None:
        # nothing decided (e.g. music and art rooms without data): no data, and why — never a share of 0
        return Measurement(None, f"无数据：{unknown} 所学校无法判定（{_undetermined_why(wide, names)}）")
    if unknown:
        return Measurement(measured.value, f"{measured.basis}（另有 {unknown} 所无法判定）")
    return measured


def _undetermined_why(wide: pd.DataFrame, names: list[str]) -> str:
    """The distinct reasons (``<check>_basis``) of the checks that apply but are undetermined."""
    reasons: list[str] = []
    for c in names:
        if f"{c}_basis" not in wide:
            continue
        open_ = wide[f"{c}_passes"].isna().to_numpy() & wide[f"{c}_limit"].notna().to_numpy()
        for text in wide.loc[open_, f"{c}_basis"].astype(str).unique():
            if text not in reasons:
                reasons.append(text)
    return "；".join(reasons) or "无法判定"


def school_rule_share(result, stage: str) -> Measurement:
    """Share of school parts passing the per-school rule (至少6项达标、余项不低于85%)."""
    parts = _parts(result, stage)
    if "passes_school_rule" not in parts:
        return NO_DATA
    return share(parts["passes_school_rule"].astype("boolean"), "个学段达到校级规则")
