"""The cheapest path to pass (最低成本达标路径) — the heuristic: least-cost additions so that every school part
passes the per-school rule and every difference coefficient is within its limit.

This is the fast two-step heuristic.  The certified optimum comes from :mod:`junyun_lib.planning.optimiser`
(a mixed-integer second-order-cone program solved by SCIP), which is warm-started with this plan and falls
back to it when the solver is unavailable or finds nothing in its time limit.

Decision variables are what a county can buy, in the raw table's own terms: whole teachers of a school
section (小学部/初中部 高于规定学历、骨干、体育艺术教师), whole multimedia classrooms, and continuous m² of
teaching/auxiliary and sports area and 元 of equipment for a whole school.  A school part's value is
``numerator × scale / students``; a facility bought for a school reaches each of its parts in proportion to
the part's split share (the national 有关事项说明（五）), so a part that needs ``d`` needs ``d / share`` at
school level, and the school's other part gains ``share_other · d / share`` with it.  Costs: the unit-cost
file (:func:`junyun_lib.io.costs.load_unit_costs`, 万元 per teacher, m², 元 or room).

Method, in two steps, on what is actually bought (whole teachers and rooms, school-level facilities); the
model and both steps are :mod:`junyun_lib.planning.model` (:func:`~junyun_lib.planning.model.rule_step`,
:func:`~junyun_lib.planning.model.cv_step`):

1. **School rule** (exact per school): a failing part must bring all but ``7 − min_meeting`` indicators to the
   standard and the rest to ``floor_ratio`` (85%) of it.  For a mixed school the exempt indicators of its
   parts are chosen *jointly*: every combination of the parts' choices is costed with the school's facility
   purchase as the larger of the parts' needs ÷ share (what one part gets, the other gets too), and the
   cheapest taken.  Schools are independent, so this is the least cost for the rule alone.
2. **Difference coefficients**, stage by stage and indicator by indicator, on the values *after the whole
   units of step 1* (not its fractional needs): raise every part below a level L to L ("water-filling") with
   the smallest L that brings the CV within ``limit × (1 − margin)`` (bisection; the CV from
   :mod:`junyun_lib.measures.cv`).  For continuous quantities with cost proportional to students
   (single-stage schools) this is optimal: the CV's gradient per unit of cost is largest for the lowest
   values, so at the optimum every raised part sits at one common level (KKT).  For whole teachers and rooms
   the additions are rounded up; when the rounded box of candidate additions holds at most ``exact_limit``
   combinations, every combination is tried instead and the cheapest that passes is taken (exact inside the
   box only).

Raising values never breaks the school rule, and step 2 only raises.  The plan is then applied to the raw
table and the core evaluation re-run (:attr:`PathPlan.verified`); facilities that spill over to the other
stage of a mixed school are caught there, and step 2 is repeated on what still fails (up to three rounds).
It is a heuristic overall; the naive plan "lift every school part to the standard in every indicator" is
costed the same way for comparison.

Margin: every CV limit is held at ``limit × (1 − margin)`` (default ``MARGIN`` = 10⁻⁶, relative), so a plan
never passes "< 0.27" by 3×10⁻¹⁰ and re-evaluation is not at the mercy of rounding.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..evaluation.evaluate import evaluate
from ..evaluation.incremental import addition_totals
from ..io.costs import load_unit_costs
from ..io.reader import SchoolTable
from .model import EPS, MARGIN, Model, Purchase, build_model, cv_step, require_school_standards, rule_step, within_limit

METHOD_ZH = ("两步法：先按“至少6项达标、余项不低于85%”逐校求最低成本（一贯制学校两个学段的免达标指标联合选择，设施按学校购置、"
             "两个学段按拆分比例共享），再在实际购置的整数教师、教室之上，对超限的差异系数把低于某一水平的学校补到该水平"
             "（连续量为最优；整数量向上取整，组合数不多时穷举）；差异系数按比限值低 0.0001% 掌握；最后把方案加回原始数据重新评估核验。")
ADDITION_COLUMNS = ["school_id", "school_name", "stage", "indicator", "name_zh", "column", "amount", "unit_zh",
                    "cost_wan", "reason"]


@dataclass
class PathPlan:
    """A plan of additions and what it achieves (达标方案).

    * ``additions`` — one row per school, section and indicator: school_id, school_name, stage ("" for a
      whole-school facility), indicator, name_zh, column (raw column), amount, unit_zh, cost_wan, reason
    * ``total_cost`` / ``naive_cost`` — 万元; ``naive_additions`` — the naive plan's rows
    * ``cvs`` — per stage and indicator: cv_before, cv_after (re-evaluated), cv_limit, passes_after
    * ``failing_parts_before`` / ``failing_parts_after`` — parts failing the school rule
    * ``verified`` — the re-evaluated county passes every CV and every part passes the rule
    * ``certificate`` — how far from the least possible cost (:class:`junyun_lib.planning.optimiser.Certificate`);
      None for the heuristic alone
    * ``heuristic_cost`` — the heuristic's cost when the plan came from the solver (万元)
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
    certificate: object = None
    heuristic_cost: float | None = None


# ------------------------------------------------------------------------------------------ plan tables
def buy_additions(m: Model, buy: Purchase, reason: dict | str = "cv") -> pd.DataFrame:
    """Raw purchases → the additions table (one row per school, section and indicator).  ``reason`` is a
    string, or a dict (school_id, stage, code) → reason with "cv" for anything not in it."""
    rows = []
    fmask = m.facility_mask
    first = {}
    for i, s in enumerate(m.school_index):
        first.setdefault(int(s), i)
    ids, names, stages = m.parts["school_id"].to_numpy(), m.parts["school_name"].to_numpy(), m.stages
    for i, k in zip(*np.nonzero((buy.section > EPS) & ~fmask[None, :])):
        rows.append(_row(m, ids[i], names[i], stages[i], stages[i], k, float(buy.section[i, k]), reason))
    for s, k in zip(*np.nonzero((buy.facility > EPS) & fmask[None, :])):
        i = first[int(s)]
        rows.append(_row(m, ids[i], names[i], "", stages[i], k, float(buy.facility[s, k]), reason))
    return pd.DataFrame(rows, columns=ADDITION_COLUMNS).sort_values(
        ["school_id", "stage", "indicator"], kind="stable").reset_index(drop=True)


def _row(m, school_id, school_name, stage, part_stage, k, amount, reason) -> dict:
    code = m.codes[k]
    why = reason if isinstance(reason, str) else reason.get((str(school_id), stage, code), "cv")
    return {"school_id": school_id, "school_name": school_name, "stage": stage, "indicator": code,
            "name_zh": m.name_zh[code], "column": m.column[(code, part_stage)], "amount": amount,
            "unit_zh": m.unit_zh[code], "cost_wan": amount * m.unit_cost[code], "reason": why}


def apply_additions(schools: pd.DataFrame, additions: pd.DataFrame) -> pd.DataFrame:
    """The raw school rows with the plan's amounts added (a copy; the raw data is never modified)."""
    out = schools.copy()
    ids = out["school_id"].astype(str)
    by_column: dict[str, dict[str, float]] = {}
    for (column, school), amount in addition_totals(additions).items():
        by_column.setdefault(column, {})[school] = amount
    for column, amounts in by_column.items():
        added = ids.map(pd.Series(amounts, dtype=float)).fillna(0.0).to_numpy()
        out[column] = out[column].astype(float).to_numpy() + added
    return out


def evaluate_rows(evaluation, frame: pd.DataFrame, county: str, year: int):
    """One county-year of ``frame`` (raw rows, e.g. with additions) evaluated with the evaluation's standard
    and the county's configuration (the rows are not validated again: they came from validated rows)."""
    table = SchoolTable(frame=frame.reset_index(drop=True), synthetic=evaluation.synthetic)
    cfg = evaluation.counties.get(county)
    return evaluate(table, evaluation.standard_code,
                    counties={county: cfg} if cfg is not None else None).county(county, year)


def evaluate_with_additions(evaluation, county: str, year: int, additions: pd.DataFrame):
    """One county-year re-evaluated on its raw rows plus ``additions`` (the raw data is not changed)."""
    schools = evaluation.schools
    frame = schools[(schools["county"] == county) & (schools["year"] == year)]
    return evaluate_rows(evaluation, apply_additions(frame, additions), county, year)


def county_passes(result) -> bool:
    """Every CV within its limit and every school part passing the per-school rule (at least one stage)."""
    st = result.stages
    in_scope = st["schools_in_scope"] > 0
    cv_ok = result.indicators["cv_pass"].fillna(False).astype(bool).all()
    rule_ok = result.parts["passes_school_rule"].fillna(False).astype(bool).all()
    return bool(cv_ok and rule_ok and in_scope.any())



def merge_additions(*tables: pd.DataFrame) -> pd.DataFrame:
    """Several additions tables as one (amounts and costs of the same school, section and indicator summed)."""
    tables = [t for t in tables if len(t)]
    if not tables:
        return pd.DataFrame(columns=ADDITION_COLUMNS)
    return (pd.concat(tables).groupby(["school_id", "stage", "indicator"], as_index=False, sort=True)
            .agg({"school_name": "first", "name_zh": "first", "column": "first", "amount": "sum",
                  "unit_zh": "first", "cost_wan": "sum", "reason": "first"}))[ADDITION_COLUMNS]


def heuristic_buy(m: Model, failing: np.ndarray, exact_limit: int = 20000, margin: float = MARGIN):
    """The heuristic's raw purchases on one model (steps 1 and 2) and the reason of each."""
    rule = rule_step(m, m.numerator, failing)
    cv = cv_step(m, m.numerator + m.delivered(rule), exact_limit, margin)
    reason = {}
    for table in (buy_additions(m, rule, "school_rule"),):
        for r in table.itertuples(index=False):
            reason[(str(r.school_id), r.stage, r.indicator)] = "school_rule"
    return rule + cv, reason


def naive_plan(m: Model) -> pd.DataFrame:
    """Lift every school part to the standard in every indicator (facilities: the larger need ÷ share)."""
    return buy_additions(m, rule_step(m, m.numerator, np.ones(len(m.parts), dtype=bool), naive=True), "naive")


def cheapest_path(evaluation, county: str | None = None, year: int | None = None, costs=None,
                  exact_limit: int = 20000, rounds: int = 3, verify_naive: bool = True,
                  margin: float = MARGIN) -> PathPlan:
    """The heuristic least-cost plan for one county-year of an :class:`~junyun_lib.evaluate.Evaluation` (see
    module docstring), verified by re-running the evaluation on the raw rows plus the additions.  The naive
    plan is always costed; ``verify_naive`` also re-evaluates it (``naive_verified``, ``cvs["cv_naive"]``)."""
    result = evaluation.county(county, year)
    require_school_standards(result)
    cost_table = costs if isinstance(costs, pd.DataFrame) else load_unit_costs(costs)
    m = build_model(result, cost_table)
    failing = ~result.parts["passes_school_rule"].fillna(False).astype(bool).to_numpy()
    buy, reason = heuristic_buy(m, failing, exact_limit, margin)
    additions = buy_additions(m, buy, reason)
    after = evaluate_with_additions(evaluation, result.county, result.year, additions)
    for _ in range(rounds - 1):      # spill-over in mixed schools can move another stage's CV: fix what fails
        if county_passes(after) and _within_margin(after, margin):
            break
        m_after = build_model(after, cost_table)
        more = cv_step(m_after, m_after.numerator, exact_limit, margin)
        if not (more.section > EPS).any() and not (more.facility > EPS).any():
            break
        additions = merge_additions(additions, buy_additions(m_after, more, "cv"))
        after = evaluate_with_additions(evaluation, result.county, result.year, additions)
    return finish_plan(evaluation, result, m, additions, after, verify_naive)


def _within_margin(result, margin: float) -> bool:
    ind = result.indicators
    return all(within_limit(float(r.cv), float(r.cv_limit), r.cv_comparison, margin)
               for r in ind.itertuples(index=False) if not pd.isna(r.cv_limit))


def finish_plan(evaluation, result, m: Model, additions: pd.DataFrame, after, verify_naive: bool,
                **extra) -> PathPlan:
    """A :class:`PathPlan` from additions already re-evaluated (``after``), with the naive plan costed."""
    naive = naive_plan(m)
    naive_after = evaluate_with_additions(evaluation, result.county, result.year, naive) if verify_naive else None
    cvs = result.indicators[["stage", "indicator", "cv", "cv_limit"]].rename(columns={"cv": "cv_before"}).merge(
        after.indicators[["stage", "indicator", "cv", "cv_pass"]].rename(columns={"cv": "cv_after",
                                                                                 "cv_pass": "passes_after"}),
        on=["stage", "indicator"], how="left")
    cvs["cv_naive"] = (cvs.merge(naive_after.indicators[["stage", "indicator", "cv"]], on=["stage", "indicator"],
                                 how="left")["cv"].to_numpy() if naive_after is not None else np.nan)
    return PathPlan(
        county=result.county, year=result.year, additions=additions.reset_index(drop=True),
        total_cost=float(additions["cost_wan"].sum()) if len(additions) else 0.0,
        naive_additions=naive, naive_cost=float(naive["cost_wan"].sum()) if len(naive) else 0.0, cvs=cvs,
        failing_parts_before=int((~result.parts["passes_school_rule"].fillna(False).astype(bool)).sum()),
        failing_parts_after=int((~after.parts["passes_school_rule"].fillna(False).astype(bool)).sum()),
        verified=county_passes(after),
        naive_verified=county_passes(naive_after) if naive_after is not None else None, after=after, **extra)
