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

**Pace to a later target** (:meth:`PlanProgress.pace`), for a year in which an item has no target of its own but
a later one (石城县's plan states only 2025 targets, so 2024 has none): every item is measured in every year
with data, whether or not the plan names that year, and for the briefing year

* ``distance`` — what is still missing to the next stated target (improvement: up for "≥", down for "≤"/"<";
  ≤ 0 once reached), ``years_left`` — target year − this year, ``needed`` = distance / years left;
* ``recent`` — the improvement per year over the recent years: (value this year − value in the earliest
  year with a value among the :data:`RECENT_YEARS` years before it) / the years between;
* ``pace``: ``reached`` (已达到目标值) when the value already reaches the target; ``on_pace`` (按当前进度可按期达成)
  when this year's value plus ``recent`` × years left reaches it; ``off_pace`` (按当前进度无法按期达成) when it
  does not (also when the recent pace goes the wrong way); ``no_pace`` (仅一年数据，无法判断进度) with no earlier
  year; ``no_data`` (无数据) without a value this year.

An item whose stated targets all lie before the year is ``overdue`` (逾期未达成) when this year's value still
misses its last target, ``kept`` (已达成) when it reaches it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..evaluation.guarantee import transitional_items, transitional_window
from ..io.plan_file import Plan
from ..rules import compare
from ..rules.plan_metrics import is_lower_better
from .metrics import measure

STATUS_ZH = {"ahead": "超前", "on_track": "按计划", "behind": "落后", "no_data": "无数据", "no_target": "未设年度目标"}
OUTLOOK_ZH = {"will_meet": "预计达成", "will_miss": "预计无法达成", "uncertain": "难以判断", "insufficient": "数据不足",
              "met": "已达成", "missed": "未达成"}
PACE_ZH = {"reached": "已达到目标值", "on_pace": "按当前进度可按期达成", "off_pace": "按当前进度无法按期达成",
           "no_pace": "仅一年数据，无法判断进度", "no_data": "无数据"}
RECENT_YEARS = 3     # the recent pace: change per year over at most this many years before the briefing year
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
    observed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["item_no", "year", "actual"]))

    def year(self, year: int) -> pd.DataFrame:
        return self.table[self.table["year"] == year]

    def summary(self, year: int | None = None) -> dict:
        """Counts by status in ``year`` (default ``as_of``), the items behind then, the items projected to miss;
        for the items without a target that year: the pace to their next target (``pace``: counts,
        ``off_pace``: item numbers) and the items past their last target still missing it (``overdue``)."""
        year = self.as_of if year is None else year
        rows = self.year(year) if year is not None else self.table.iloc[0:0]
        counts = {k: int((rows["status"] == k).sum()) for k in STATUS_ZH}
        behind = rows[rows["status"] == "behind"]
        miss = self.projections[self.projections["outlook"].isin(["will_miss", "missed"])] \
            if len(self.projections) else self.projections
        pace = self.pace(year) if year is not None else _empty_pace()
        late = self.late(year) if year is not None else _empty_pace()
        return {"year": year, "counts": counts, "items_measured": int(rows["actual"].notna().sum()),
                "behind": [int(i) for i in behind["item_no"]],
                "projected_to_miss": [int(i) for i in miss.get("item_no", [])],
                "pace": {k: int((pace["pace"] == k).sum()) for k in PACE_ZH},
                "pace_items": [int(i) for i in pace["item_no"]],
                "off_pace": [int(i) for i in pace.loc[pace["pace"] == "off_pace", "item_no"]],
                "target_years": sorted({int(y) for y in pace["target_year"]}),
                "overdue": [int(i) for i in late.loc[late["pace"] == "overdue", "item_no"]]}

    def value(self, item_no: int, year: int):
        """The measured value of an item in a year (None when there is none)."""
        obs = self.observed
        hit = obs[(obs["item_no"] == item_no) & (obs["year"] == year)]["actual"]
        return None if hit.empty or pd.isna(hit.iloc[0]) else float(hit.iloc[0])

    def _items(self):
        """(item_no, its rows sorted by year, [(year, target) stated]) for every item."""
        for item_no, grp in self.table.groupby("item_no", sort=True):
            grp = grp.sort_values("year")
            yield int(item_no), grp, [(int(y), float(t)) for y, t, st in zip(grp["year"], grp["target"], grp["stated"])
                                      if st and not pd.isna(t)]

    def pace(self, year: int) -> pd.DataFrame:
        """The items with no target in ``year`` but a later one: one row each with this year's value, the next
        target, ``distance``, ``years_left``, ``needed``, ``recent`` (per year, improvement positive),
        ``recent_from`` (the first year of the recent pace), ``pace`` and ``pace_zh`` (module docstring)."""
        rows = []
        for item_no, grp, stated in self._items():
            if any(y == year for y, _ in stated):
                continue
            later = [(y, t) for y, t in stated if y > year]
            if not later:
                continue
            target_year, target = later[0]
            first = grp.iloc[0]
            rows.append(_pace_row(self, item_no, first, year, target_year, target))
        return pd.DataFrame(rows) if rows else _empty_pace()

    def late(self, year: int) -> pd.DataFrame:
        """The items whose stated targets all lie before ``year``: ``pace`` is ``overdue`` (this year's value
        misses the last target), ``kept`` (reaches it) or ``no_data``."""
        rows = []
        for item_no, grp, stated in self._items():
            if not stated or stated[-1][0] >= year:
                continue
            target_year, target = stated[-1]
            first = grp.iloc[0]
            actual = self.value(item_no, year)
            pace = "no_data" if actual is None else ("kept" if _reached(actual, target, first["direction"])
                                                      else "overdue")
            rows.append({"item_no": item_no, "item": first["item"], "metric": first["metric"], "stage": first["stage"],
                         "unit": first["unit"],
                         "direction": first["direction"], "year": year, "actual": actual, "target_year": target_year,
                         "target": target, "distance": _improvement(actual, target, first["direction"]),
                         "pace": pace, "pace_zh": {"overdue": "逾期未达成", "kept": "已达成", "no_data": "无数据"}[pace]})
        return pd.DataFrame(rows) if rows else _empty_pace()


_PACE_COLUMNS = ["item_no", "item", "metric", "stage", "unit", "direction", "year", "actual", "target_year", "target",
                 "distance", "years_left", "needed", "recent", "recent_from", "pace", "pace_zh"]


def _empty_pace() -> pd.DataFrame:
    return pd.DataFrame(columns=_PACE_COLUMNS)


def _improvement(actual, target, direction):
    """What is still missing to reach ``target`` (in the direction of improvement; ≤ 0 once reached)."""
    if actual is None or pd.isna(actual):
        return np.nan
    return (actual - target) if is_lower_better(direction) else (target - actual)


def _pace_row(progress: "PlanProgress", item_no: int, first, year: int, target_year: int, target: float) -> dict:
    direction = first["direction"]
    actual = progress.value(item_no, year)
    distance = _improvement(actual, target, direction)
    years_left = target_year - year
    needed = distance / years_left if actual is not None else np.nan
    earlier = [(y, progress.value(item_no, y)) for y in range(year - RECENT_YEARS, year)]
    earlier = [(y, v) for y, v in earlier if v is not None]
    recent, recent_from = np.nan, None
    if actual is not None and earlier:
        y0, v0 = earlier[0]
        change = (actual - v0) / (year - y0)
        recent, recent_from = (-change if is_lower_better(direction) else change), y0
    if actual is None:
        pace = "no_data"
    elif _reached(actual, target, direction):
        pace = "reached"
    elif recent_from is None:
        pace = "no_pace"
    else:
        step = recent if not is_lower_better(direction) else -recent
        pace = "on_pace" if recent > 0 and _reached(actual + step * years_left, target, direction) else "off_pace"
    return {"item_no": item_no, "item": first["item"], "metric": first["metric"], "stage": first["stage"],
            "unit": first["unit"],
            "direction": direction, "year": year, "actual": actual, "target_year": target_year, "target": target,
            "distance": distance, "years_left": years_left, "needed": needed, "recent": recent,
            "recent_from": recent_from, "pace": pace, "pace_zh": PACE_ZH[pace]}


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


def window_end_before_targets(plan: Plan, results_by_year: dict) -> int | None:
    """The last year of the standard's transitional window (有关指标说明（六）（七）) when some plan item aims
    past it — those items are then projected under the full standards (:func:`plan_progress`) — else None."""
    if not results_by_year:
        return None
    window = transitional_window(next(iter(results_by_year.values())).standard)
    last = window[1] if window else None
    return last if last is not None and (plan.rows["year"] > last).any() else None


def plan_progress(plan: Plan, results_by_year: dict, county_values_by_year: dict | None = None,
                  as_of: int | None = None, *, full_results_by_year: dict | None = None,
                  transitional_last_year: int | None = None) -> PlanProgress:
    """Progress of ``plan`` given ``{year: CountyResult}`` and ``{year: CountyValues}``.

    Years after ``as_of`` (default: the latest year with school or county-level data) get no actual.
    An item whose target year lies after ``transitional_last_year`` (the end of the transitional exceptions
    of 有关指标说明（六）（七）) and whose metric those exceptions change (the standard's ``[guarantee.transitional] items``) is
    projected from the years measured under the full standards (``full_results_by_year``, evaluated with
    ``transitional=False``; ``full_standards`` True): by then the exceptions no longer hold.
    """
    county_values_by_year = county_values_by_year or {}
    full_results_by_year = full_results_by_year or {}
    data_years = set(results_by_year) | set(county_values_by_year)
    # the plan metrics the transitional exceptions change (the standard's [guarantee.transitional] items: 校额 and
    # the music and art room areas); every other metric reads the same after the window
    some = next(iter(full_results_by_year.values()), None)
    transitional_metrics = {f"guarantee_share:{item}" for item in transitional_items(some.standard)} \
        if some is not None else set()
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
    # every item measured in every year with data up to as_of, whether or not the plan names that year (a plan
    # with only a target year still has a pace to report)
    observed_rows = []
    years_measured = sorted(y for y in data_years if as_of is not None and y <= as_of)
    for item_no, item_rows in by_item.items():
        known = {r["year"]: r["actual"] for r in item_rows if r["year"] in data_years and r["year"] <= (as_of or 0)}
        first = item_rows[0]
        for y in years_measured:
            value = known[y] if y in known else measure(first["metric"], first["stage"], results_by_year.get(y),
                                                        county_values_by_year.get(y)).value
            observed_rows.append({"item_no": item_no, "year": y, "actual": np.nan if value is None else float(value)})
    observed = pd.DataFrame(observed_rows, columns=["item_no", "year", "actual"])
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
        mine = observed[(observed["item_no"] == item_no) & observed["actual"].notna()]
        seen = list(zip(mine["year"].astype(int), mine["actual"].astype(float)))
        full = bool(full_results_by_year) and transitional_last_year is not None and \
            stated[-1][0] > transitional_last_year and first["metric"] in transitional_metrics
        if full:       # measured again as the full standards would measure them
            seen = [(y, measure(first["metric"], first["stage"], full_results_by_year.get(y),
                                county_values_by_year.get(y)).value) for y, _ in seen]
            seen = [(y, v) for y, v in seen if v is not None]
        p = project([y for y, _ in seen], [v for _, v in seen], stated[-1][0], float(stated[-1][1]),
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
                        synthetic=synthetic, observed=observed)
