"""The cheapest path to pass (最低成本达标路径): least-cost additions so that every school part passes the
per-school rule and every difference coefficient is within its limit.

Decision variables are what a county can buy, in the raw table's own terms: whole teachers of a school
section (小学部/初中部 高于规定学历、骨干、体育艺术教师), whole multimedia classrooms, and continuous m² of
teaching/auxiliary and sports area and 元 of equipment for a whole school.  A school part's value is
``numerator × scale / students``; a facility added to a mixed school reaches a part in proportion to the
part's split share, so a part that needs ``d`` needs ``d / share`` at school level (when both parts of a
school need some, the school gets the larger; the other part gains too).  Costs: the unit-cost file
(:func:`junyun_lib.io.costs.load_unit_costs`, 万元 per teacher, m², 元 or room).

Method, in two steps:

1. **School rule** (exact per part): a failing part must bring all but ``7 − min_meeting`` indicators to the
   standard and the rest to ``floor_ratio`` (85%) of it.  Every choice of the exempt indicator(s) is costed
   and the cheapest taken.  Parts are independent, so this is the least cost for the rule alone (for a
   mixed school the facility additions of its two parts are merged by taking the larger, which can cost
   more than needed).
2. **Difference coefficients**, stage by stage and indicator by indicator, on the values after step 1: raise
   every part below a level L to L ("water-filling") with the smallest L that brings the CV within its
   limit (bisection; the CV from :mod:`junyun_lib.measures.cv`).  For continuous quantities with cost proportional
   to students (single-stage schools) this is optimal: the CV's gradient per unit of cost is largest for
   the lowest values, so at the optimum every raised part sits at one common level (KKT).  For whole
   teachers and rooms the additions are rounded up, which costs at most one unit per raised part more than
   the continuous optimum; when the rounded box of candidate additions holds at most ``exact_limit``
   combinations, every combination is tried instead and the cheapest that passes is taken (exact).

Raising values never breaks the school rule, and step 2 only raises.  The plan is then applied to the raw
table and the core evaluation re-run (:attr:`PathPlan.verified`); facilities that spill over to the other
stage of a mixed school are caught there, and step 2 is repeated on what still fails (up to three rounds).
It is a heuristic overall (the two steps are solved one after the other), bounded as above; the naive plan
"lift every school part to the standard in every indicator" is costed the same way for comparison.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..evaluation.evaluate import evaluate
from ..io.costs import load_unit_costs
from ..io.reader import SchoolTable
from ..measures.cv import weighted_cv
from ..rules import REL_TOL, compare

STAGES = ("primary", "junior")
EPS = 1e-9
METHOD_ZH = ("两步法：先按“至少6项达标、余项不低于85%”逐校求最低成本（精确），再对超限的差异系数把低于某一水平的学校补到"
             "该水平（连续量为最优；整数量向上取整，组合数不多时穷举求精确解）；最后把方案加回原始数据重新评估核验。")


@dataclass
class PathPlan:
    """A plan of additions and what it achieves (达标方案).

    * ``additions`` — one row per school, section and indicator: school_id, school_name, stage ("" for a
      whole-school facility), indicator, name_zh, column (raw column), amount, unit_zh, cost_wan, reason
    * ``total_cost`` / ``naive_cost`` — 万元; ``naive_additions`` — the naive plan's rows
    * ``cvs`` — per stage and indicator: cv_before, cv_after (re-evaluated), cv_limit, passes_after
    * ``failing_parts_before`` / ``failing_parts_after`` — parts failing the school rule
    * ``verified`` — the re-evaluated county passes every CV and every part passes the rule
    """

    county: str
    year: int
    additions: pd.DataFrame
    total_cost: float
    naive_additions: pd.DataFrame
    naive_cost: float
    cvs: pd.DataFrame
    failing_parts_before: int
    failing_parts_after: int
    verified: bool
    naive_verified: bool | None
    method: str = METHOD_ZH
    after: object = field(default=None, repr=False)     # the re-evaluated CountyResult


# --------------------------------------------------------------------------------------------- the model
@dataclass
class _Model:
    """Numbers of one county-year the optimisation works on (school parts × indicators)."""

    parts: pd.DataFrame            # school_id, part, students, share, school_name
    codes: list
    scale: dict
    integer: dict
    facility: dict                 # code -> True for whole-school quantities
    column: dict                   # (code, stage) -> raw column
    unit_cost: dict
    unit_zh: dict
    name_zh: dict
    numerator: np.ndarray          # parts × codes, the part's own quantity
    standard: np.ndarray           # parts × codes
    floor: float
    min_meeting: int
    limits: dict                   # (stage, code) -> (limit, comparison)

    def values(self, numerator: np.ndarray) -> np.ndarray:
        scale = np.array([self.scale[c] for c in self.codes])
        return numerator * scale / self.parts["students"].to_numpy(dtype=float)[:, None]

    def raw_amount(self, i: int, k: int, need: float) -> float:
        if need <= EPS:
            return 0.0
        code = self.codes[k]
        share = float(self.parts["share"].iat[i]) if self.facility[code] else 1.0
        amount = need / share
        return math.ceil(amount - REL_TOL * max(amount, 1.0)) if self.integer[code] else amount


def _model(result, costs: pd.DataFrame) -> _Model:
    std = result.standard
    parts = result.parts.reset_index(drop=True)
    codes = list(std.codes)
    indicators = {i.code: i for i in std.indicators}
    unit_cost = dict(zip(costs["indicator"], costs["cost_wan_per_unit"].astype(float)))
    unit_zh = dict(zip(costs["indicator"], costs.get("unit_zh", pd.Series([""] * len(costs)))))
    limits = {}
    for row in result.indicators.itertuples(index=False):
        if not pd.isna(row.cv_limit):
            limits[(row.stage, row.indicator)] = (float(row.cv_limit), row.cv_comparison)
    return _Model(
        parts=parts[["school_id", "school_name", "part", "students", "share"]].copy(), codes=codes,
        scale={c: float(indicators[c].scale) for c in codes},
        integer={c: bool(indicators[c].shortfall_integer) for c in codes},
        facility={c: indicators[c].numerator_kind == "facility" for c in codes},
        column={(c, s): indicators[c].numerator_column(s) for c in codes for s in STAGES},
        unit_cost=unit_cost, unit_zh={c: unit_zh.get(c) or indicators[c].shortfall_unit_zh for c in codes},
        name_zh={c: indicators[c].name_zh for c in codes},
        numerator=parts[[f"numerator_{c}" for c in codes]].to_numpy(dtype=float),
        standard=parts[[f"standard_{c}" for c in codes]].to_numpy(dtype=float),
        floor=float(std.school_rule["floor_ratio"]), min_meeting=int(std.school_rule["min_meeting"]),
        limits=limits)


def _needs(m: _Model, numerator: np.ndarray, rows, k: int, target_values) -> np.ndarray:
    """Numerator each part in ``rows`` must gain for indicator k's value to reach ``target_values``
    (0 where it already does, within the comparison tolerance)."""
    students = m.parts["students"].to_numpy(dtype=float)[rows]
    goal = np.asarray(target_values, dtype=float) * students / m.scale[m.codes[k]]
    needed = goal - numerator[rows, k]
    return np.where(needed > REL_TOL * np.maximum(np.abs(goal), 1.0), needed, 0.0)


def _delivered(m: _Model, rows, k: int, need: np.ndarray) -> np.ndarray:
    """What the parts actually gain when the need is bought in whole raw units (teachers, rooms)."""
    code = m.codes[k]
    if not m.integer[code]:
        return need
    share = m.parts["share"].to_numpy(dtype=float)[rows] if m.facility[code] else np.ones(len(need))
    raw = np.where(need > 0, np.ceil(need / share - REL_TOL * np.maximum(need / share, 1.0)), 0.0)
    return raw * share


# ------------------------------------------------------------------------------------------ step 1: rule
def _rule_step(m: _Model, numerator: np.ndarray, failing: np.ndarray, naive: bool = False) -> np.ndarray:
    """Part-level numerator additions so every failing part passes the rule, at least cost
    (``naive``: every part, every indicator to the full standard)."""
    n_parts, n_codes = numerator.shape
    rows = np.arange(n_parts)
    full = np.stack([_needs(m, numerator, rows, k, m.standard[:, k]) for k in range(n_codes)], axis=1)
    if naive:
        return full
    floor = np.stack([_needs(m, numerator, rows, k, m.standard[:, k] * m.floor) for k in range(n_codes)], axis=1)
    unit = np.array([m.unit_cost[c] for c in m.codes])
    share = m.parts["share"].to_numpy(dtype=float)
    per_unit = np.stack([unit[k] / (share if m.facility[c] else np.ones_like(share)) for k, c in enumerate(m.codes)], axis=1)
    cost_full = np.stack([_delivered(m, rows, k, full[:, k]) for k in range(n_codes)], axis=1) * per_unit
    cost_floor = np.stack([_delivered(m, rows, k, floor[:, k]) for k in range(n_codes)], axis=1) * per_unit
    add = np.zeros_like(numerator)
    exempt_max = n_codes - m.min_meeting
    for i in np.flatnonzero(failing):
        best, best_cost = full[i], cost_full[i].sum()
        for r in range(1, exempt_max + 1):
            for exempt in itertools.combinations(range(n_codes), r):
                cost = cost_full[i].sum() - cost_full[i, list(exempt)].sum() + cost_floor[i, list(exempt)].sum()
                if cost < best_cost - 1e-12:
                    best = full[i].copy()
                    best[list(exempt)] = floor[i, list(exempt)]
                    best_cost = cost
        add[i] = best
    return add


# ------------------------------------------------------------------------------------------- step 2: CVs
def _passes(cv: float, limit: float, comparison: str) -> bool:
    return bool(compare(cv, limit, comparison)) if not math.isnan(cv) else False


def _raise_to(m: _Model, numerator: np.ndarray, rows: np.ndarray, k: int, level: float) -> np.ndarray:
    """Numerator additions that bring the parts ``rows`` up to value ``level`` (whole units rounded up)."""
    return _delivered(m, rows, k, _needs(m, numerator, rows, k, np.full(len(rows), level)))


def _cv_step(m: _Model, numerator: np.ndarray, exact_limit: int) -> np.ndarray:
    add = np.zeros_like(numerator)
    students = m.parts["students"].to_numpy(dtype=float)
    scale = np.array([m.scale[c] for c in m.codes])
    for (stage, code), (limit, comparison) in m.limits.items():
        k = m.codes.index(code)
        rows = np.flatnonzero((m.parts["part"] == stage).to_numpy())
        if len(rows) < 2:
            continue
        base = numerator[rows, k] + add[rows, k]

        def cv_with(extra):
            return weighted_cv((base + extra) * scale[k] / students[rows], students[rows]).cv

        if _passes(cv_with(0.0), limit, comparison):
            continue
        values = base * scale[k] / students[rows]
        lo, hi = float(values.min()), float(values.max())
        trial = numerator.copy()
        trial[rows, k] = base
        for _ in range(80):                     # smallest level whose raise passes (CV falls as L rises)
            mid = (lo + hi) / 2
            if _passes(cv_with(_raise_to(m, trial, rows, k, mid)), limit, comparison):
                hi = mid
            else:
                lo = mid
        extra = _raise_to(m, trial, rows, k, hi)
        if m.integer[code]:
            extra = _exact_integer(m, rows, k, extra, cv_with, limit, comparison, exact_limit)
        add[rows, k] += extra
    return add


def _exact_integer(m, rows, k, extra, cv_with, limit, comparison, exact_limit) -> np.ndarray:
    """Try every combination of whole units up to the rounded water-filling solution; keep the cheapest."""
    code = m.codes[k]
    shares = np.array([float(m.parts["share"].iat[i]) if m.facility[code] else 1.0 for i in rows])
    units = np.round(extra / shares).astype(int)
    raised = np.flatnonzero(units > 0)
    if not len(raised) or math.prod(int(units[j]) + 1 for j in raised) > exact_limit:
        return extra
    best, best_cost = extra, float(units.sum())
    for combo in itertools.product(*(range(int(units[j]) + 1) for j in raised)):
        cost = float(sum(combo))
        if cost >= best_cost - 1e-12:
            continue
        trial = np.zeros(len(rows))
        trial[raised] = np.array(combo) * shares[raised]
        if _passes(cv_with(trial), limit, comparison):
            best, best_cost = trial, cost
    return best


# ------------------------------------------------------------------------------------------ plan tables
def _additions(m: _Model, part_add: np.ndarray, reason: np.ndarray) -> pd.DataFrame:
    """Part-level numerator additions → raw additions (facilities merged per school by the larger need)."""
    rows = {}
    for i, k in zip(*np.nonzero(part_add > EPS)):
        code = m.codes[k]
        part = m.parts.iloc[i]
        stage = "" if m.facility[code] else part["part"]
        key = (part["school_id"], stage, code)
        amount = m.raw_amount(i, k, part_add[i, k])
        if amount <= 0:
            continue
        old = rows.get(key)
        if old is None or amount > old["amount"]:
            rows[key] = {"school_id": part["school_id"], "school_name": part["school_name"], "stage": stage,
                         "indicator": code, "name_zh": m.name_zh[code], "column": m.column[(code, part["part"])],
                         "amount": float(amount), "unit_zh": m.unit_zh[code],
                         "cost_wan": float(amount) * m.unit_cost[code], "reason": reason[i, k]}
    columns = ["school_id", "school_name", "stage", "indicator", "name_zh", "column", "amount", "unit_zh", "cost_wan",
               "reason"]
    return pd.DataFrame(list(rows.values()), columns=columns).sort_values(
        ["school_id", "stage", "indicator"], kind="stable").reset_index(drop=True)


def apply_additions(schools: pd.DataFrame, additions: pd.DataFrame) -> pd.DataFrame:
    """The raw school rows with the plan's amounts added (a copy; the raw data is never modified)."""
    out = schools.copy()
    ids = out["school_id"].astype(str)
    for column, rows in additions.groupby("column", sort=True):
        amounts = rows.groupby(rows["school_id"].astype(str))["amount"].sum()
        out[column] = out[column].astype(float).to_numpy() + ids.map(amounts).fillna(0.0).to_numpy()
    return out


def evaluate_with_additions(evaluation, county: str, year: int, additions: pd.DataFrame):
    """One county-year re-evaluated on its raw rows plus ``additions`` (the raw data is not changed)."""
    schools = evaluation.schools
    frame = schools[(schools["county"] == county) & (schools["year"] == year)]
    table = SchoolTable(frame=apply_additions(frame, additions).reset_index(drop=True),
                        synthetic=evaluation.synthetic)
    cfg = evaluation.counties.get(county)
    return evaluate(table, evaluation.standard_code,
                    counties={county: cfg} if cfg is not None else None).county(county, year)


def _county_passes(result) -> bool:
    st = result.stages
    in_scope = st["schools_in_scope"] > 0
    cv_ok = result.indicators["cv_pass"].fillna(False).astype(bool).all()
    rule_ok = result.parts["passes_school_rule"].fillna(False).astype(bool).all()
    return bool(cv_ok and rule_ok and in_scope.any())


def cheapest_path(evaluation, county: str | None = None, year: int | None = None, costs=None,
                  exact_limit: int = 20000, rounds: int = 3, verify_naive: bool = True) -> PathPlan:
    """The least-cost plan for one county-year of an :class:`~junyun_lib.evaluate.Evaluation` (see module
    docstring), verified by re-running the evaluation on the raw rows plus the additions.  The naive plan
    is always costed; ``verify_naive`` also re-evaluates it (``naive_verified``, ``cvs["cv_naive"]``)."""
    result = evaluation.county(county, year)
    if not result.standard.has_school_standards or result.standard.school_rule is None:
        raise ValueError(f"{result.standard.name_zh}未规定学校层面的标准值，无法测算达标路径 "
                         f"(the standard sets no school-level values)")
    cost_table = costs if isinstance(costs, pd.DataFrame) else load_unit_costs(costs)
    m = _model(result, cost_table)

    failing = ~result.parts["passes_school_rule"].fillna(False).astype(bool).to_numpy()
    rule_add = _rule_step(m, m.numerator, failing)
    reason = np.where(rule_add > EPS, "school_rule", "cv").astype(object)
    total_add = rule_add + _cv_step(m, m.numerator + rule_add, exact_limit)
    additions = _additions(m, total_add, reason)
    after = evaluate_with_additions(evaluation, result.county, result.year, additions)
    for _ in range(rounds - 1):      # spill-over in mixed schools can move another stage's CV: fix what fails
        if _county_passes(after):
            break
        m_after = _model(after, cost_table)
        more = _cv_step(m_after, m_after.numerator, exact_limit)
        if not (more > EPS).any():
            break
        extra = _additions(m_after, more, np.full(more.shape, "cv", dtype=object))
        additions = (pd.concat([additions, extra]).groupby(["school_id", "stage", "indicator"], as_index=False, sort=True)
                     .agg({"school_name": "first", "name_zh": "first", "column": "first", "amount": "sum",
                           "unit_zh": "first", "cost_wan": "sum", "reason": "first"}))[extra.columns]
        after = evaluate_with_additions(evaluation, result.county, result.year, additions)

    naive = _additions(m, _rule_step(m, m.numerator, failing, naive=True),
                       np.full(m.numerator.shape, "naive", dtype=object))
    naive_after = evaluate_with_additions(evaluation, result.county, result.year, naive) if verify_naive else None
    cvs = result.indicators[["stage", "indicator", "cv", "cv_limit"]].rename(columns={"cv": "cv_before"}).merge(
        after.indicators[["stage", "indicator", "cv", "cv_pass"]].rename(columns={"cv": "cv_after",
                                                                                 "cv_pass": "passes_after"}),
        on=["stage", "indicator"], how="left")
    cvs["cv_naive"] = (cvs.merge(naive_after.indicators[["stage", "indicator", "cv"]], on=["stage", "indicator"],
                                 how="left")["cv"].to_numpy() if naive_after is not None else np.nan)
    return PathPlan(
        county=result.county, year=result.year, additions=additions, total_cost=float(additions["cost_wan"].sum()),
        naive_additions=naive, naive_cost=float(naive["cost_wan"].sum()), cvs=cvs,
        failing_parts_before=int((~result.parts["passes_school_rule"].fillna(False).astype(bool)).sum()),
        failing_parts_after=int((~after.parts["passes_school_rule"].fillna(False).astype(bool)).sum()),
        verified=_county_passes(after),
        naive_verified=_county_passes(naive_after) if naive_after is not None else None, after=after)
