"""Progress against a county plan (规划进度): per item and year, and a projection to the item's target year.

**Status of an item in a year** (target from the plan, actual from :mod:`junyun_lib.planning.metrics`):

* ``no_target`` (未设年度目标) — the plan states no target for that year;
* ``no_data`` (无数据) — nothing measures it that year (no school data, no county-level value);
* ``behind`` (落后) — the actual does not reach the target (``direction``: ≥ / < / ≤; values within a
  relative 1e-12 of the target count as equal, as everywhere in junyun);
* ``ahead`` (超前) — the actual already reaches the plan's next stated target that is stricter than this
  year's;
* ``on_track`` (按计划) — otherwise: the target is reached (exactly on it counts as reached).

``gap`` = actual − target for "≥" targets and target − actual for "<"/"≤" targets, so a negative gap is a
shortfall whatever the direction.

**Projection** to the item's target year (the last year the plan states a target for it), from the years
with an actual value up to ``as_of``:

* central value: the ordinary least-squares line through (year, actual), at the target year;
* range: the last actual plus (target year − last year) × the slowest and the fastest year-on-year change
  seen; with only two years (one change) the range runs from "no further change" to "the same pace", so a
  single pace is never presented as a certainty; clipped to 0–100 for percentages, ≥ 0 for coefficients;
* outlook: ``will_meet`` (预计达成) when even the unfavourable end of the range reaches the target,
  ``will_miss`` (预计无法达成) when even the favourable end does not, ``uncertain`` (难以判断) in between,
  ``insufficient`` (数据不足) with fewer than two years, ``met``/``missed`` (已达成/未达成) once the target
  year itself has an actual value.

This is a trend extrapolation, not a forecast of policy: it says where the county lands if it keeps the pace
of the years observed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..io.plan_file import Plan
from ..rules import compare
from ..rules.plan_metrics import is_lower_better
from .metrics import measure

STATUS_ZH = {"ahead": "超前", "on_track": "按计划", "behind": "落后", "no_data": "无数据", "no_target": "未设年度目标"}
OUTLOOK_ZH = {"will_meet": "预计达成", "will_miss": "预计无法达成", "uncertain": "难以判断", "insufficient": "数据不足",
              "met": "已达成", "missed": "未达成"}
METHOD = ("最小二乘线性趋势；区间取所见最慢与最快的年度变化（仅两年数据时为“不再变化”至“保持同样速度”） "
          "(OLS linear trend; range from the slowest and fastest year-on-year change seen, or from no further "
          "change to the same pace when only two years exist)")


@dataclass
class PlanProgress:
    """A county's progress against its plan (规划进度).

    * ``table`` — one row per item and plan year: target, stated, actual, basis, gap, status, status_zh
    * ``projections`` — one row per item: target_year, target, years_used, projected, low, high, outlook
    * ``as_of`` — the latest year with an actual value for any item (None when there is none)
    """

    county: str
    plan: Plan
    table: pd.DataFrame
    projections: pd.DataFrame
    as_of: int | None
    synthetic: bool = False
    method: str = METHOD
    notes: list[str] = field(default_factory=list)

    def year(self, year: int) -> pd.DataFrame:
        return self.table[self.table["year"] == year]

    def summary(self, year: int | None = None) -> dict:
        """Counts by status in ``year`` (default ``as_of``), the items behind then, the items projected to miss."""
        year = self.as_of if year is None else year
        rows = self.year(year) if year is not None else self.table.iloc[0:0]
        counts = {k: int((rows["status"] == k).sum()) for k in STATUS_ZH}
        behind = rows[rows["status"] == "behind"]
        miss = self.projections[self.projections["outlook"].isin(["will_miss", "missed"])]
        return {"year": year, "counts": counts, "items_measured": int(rows["actual"].notna().sum()),
                "behind": [int(i) for i in behind["item_no"]],
                "projected_to_miss": [int(i) for i in miss["item_no"]]}


def _reached(actual, target, direction) -> bool:
    return bool(compare(actual, target, direction))


def _gap(actual, target, direction):
    if actual is None or pd.isna(target):
        return np.nan
    return (target - actual) if is_lower_better(direction) else (actual - target)


def item_status(actual, target, direction: str, next_targets=()) -> str:
    """Status of one item-year (see module docstring); ``next_targets`` are later stated targets in order."""
    if target is None or pd.isna(target):
        return "no_target"
    if actual is None or pd.isna(actual):
        return "no_data"
    if not _reached(actual, target, direction):
        return "behind"
    for later in next_targets:
        stricter = later < target if is_lower_better(direction) else later > target
        if stricter:
            return "ahead" if _reached(actual, later, direction) else "on_track"
    return "on_track"


def project(years, values, target_year: int, target: float, direction: str, unit: str = "%") -> dict:
    """Projection of one item to ``target_year`` (see module docstring); ``years``/``values`` observed."""
    pts = sorted((int(y), float(v)) for y, v in zip(years, values) if v is not None and not pd.isna(v))
    out = {"years_used": [y for y, _ in pts], "projected": np.nan, "low": np.nan, "high": np.nan}
    at_target = [v for y, v in pts if y == target_year]
    if at_target:
        out.update(projected=at_target[0], low=at_target[0], high=at_target[0],
                   outlook="met" if _reached(at_target[0], target, direction) else "missed")
        return out
    pts = [(y, v) for y, v in pts if y < target_year]
    out["years_used"] = [y for y, _ in pts]
    if len(pts) < 2:
        out["outlook"] = "insufficient"
        return out
    x = np.array([y for y, _ in pts], dtype=float)
    v = np.array([val for _, val in pts], dtype=float)
    slope, intercept = np.polyfit(x, v, 1)
    changes = np.diff(v) / np.diff(x)
    if len(changes) == 1:
        changes = np.array([0.0, changes[0]])
    horizon = target_year - x[-1]
    lo_bound, hi_bound = (0.0, 100.0) if unit == "%" else (0.0, np.inf)
    clip = lambda z: float(min(max(z, lo_bound), hi_bound))   # noqa: E731
    projected = clip(intercept + slope * target_year)
    low, high = clip(v[-1] + horizon * changes.min()), clip(v[-1] + horizon * changes.max())
    worst, best = (high, low) if is_lower_better(direction) else (low, high)
    if _reached(worst, target, direction):
        outlook = "will_meet"
    elif not _reached(best, target, direction):
        outlook = "will_miss"
    else:
        outlook = "uncertain"
    out.update(projected=projected, low=low, high=high, outlook=outlook)
    return out


def plan_progress(plan: Plan, results_by_year: dict, county_values_by_year: dict | None = None,
                  as_of: int | None = None, *, full_results_by_year: dict | None = None,
                  transitional_last_year: int | None = None) -> PlanProgress:
    """Progress of ``plan`` given ``{year: CountyResult}`` and ``{year: CountyValues}``.

    Years after ``as_of`` (default: the latest year with school or county-level data) get no actual.
    An item whose target year lies after ``transitional_last_year`` (the end of the transitional exceptions
    of 有关指标说明（六）（七）) is projected from the years measured under the full standards
    (``full_results_by_year``, evaluated with ``transitional=False``): by then the exceptions no longer hold.
    """
    county_values_by_year = county_values_by_year or {}
    full_results_by_year = full_results_by_year or {}
    data_years = set(results_by_year) | set(county_values_by_year)
    if as_of is None:
        as_of = max(data_years) if data_years else None
    # plain records: a plan has hundreds of rows and pandas indexing per row would cost more than the metrics
    by_item: dict[int, list[dict]] = {}
    for r in plan.rows.to_dict("records"):
        actual, basis = None, ""
        if as_of is not None and r["year"] <= as_of and r["year"] in data_years:
            m = measure(r["metric"], r["stage"], results_by_year.get(r["year"]), county_values_by_year.get(r["year"]))
            actual, basis = m.value, m.basis
        by_item.setdefault(int(r["item_no"]), []).append(
            {"item_no": int(r["item_no"]), "item": r["item"], "category": r["category"], "metric": r["metric"],
             "stage": r["stage"], "unit": r["unit"], "direction": r["direction"], "year": int(r["year"]),
             "target": r["target"], "stated": bool(r["stated"]), "actual": actual, "basis": basis,
             "source": r["source"], "note": r["note"]})
    rows, projections = [], []
    for item_no in sorted(by_item):
        item_rows = sorted(by_item[item_no], key=lambda r: r["year"])
        stated = [(r["year"], r["target"]) for r in item_rows if r["stated"]]
        for r in item_rows:
            later = [t for y, t in stated if y > r["year"]]
            r["status"] = item_status(r["actual"], r["target"] if r["stated"] else None, r["direction"], later)
            r["gap"] = _gap(r["actual"], r["target"], r["direction"])
            rows.append(r)
        if not stated:
            continue
        first = item_rows[0]
        observed = [(r["year"], r["actual"]) for r in item_rows if r["actual"] is not None]
        full = bool(full_results_by_year) and transitional_last_year is not None and \
            stated[-1][0] > transitional_last_year
        if full:       # measured again as the full standards would measure them
            observed = [(y, measure(first["metric"], first["stage"], full_results_by_year.get(y),
                                    county_values_by_year.get(y)).value) for y, _ in observed]
            observed = [(y, v) for y, v in observed if v is not None]
        p = project([y for y, _ in observed], [v for _, v in observed], stated[-1][0], float(stated[-1][1]),
                    first["direction"], first["unit"])
        projections.append({"item_no": item_no, "item": first["item"], "metric": first["metric"],
                            "stage": first["stage"], "unit": first["unit"], "direction": first["direction"],
                            "target_year": int(stated[-1][0]), "target": float(stated[-1][1]), **p,
                            "full_standards": full,
                            "outlook_zh": OUTLOOK_ZH[p["outlook"]]})
    table = pd.DataFrame(rows)
    table["actual"] = table["actual"].astype(float)
    table["gap"] = table["gap"].astype(float)
    table["status_zh"] = table["status"].map(STATUS_ZH)
    projections = pd.DataFrame(projections)
    synthetic = any(getattr(r, "synthetic", False) for r in results_by_year.values()) or \
        any(getattr(v, "synthetic", False) for v in county_values_by_year.values())
    return PlanProgress(county=plan.county, plan=plan, table=table, projections=projections, as_of=as_of,
                        synthetic=synthetic)
