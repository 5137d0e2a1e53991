"""The road to recognition (达标路线图): a year-by-year schedule from the latest data year to the target year.

Each year of the schedule is the latest data year's school rows carried forward:

1. **enrolment** — students per school and stage from :func:`junyun_lib.planning.enrolment.project_enrolment`
   (damped trend, the analyst's overrides);
2. **the county's projects as given** (:mod:`junyun_lib.io.projects`) — from their completion year on: m²,
   equipment, classrooms and rooms added to a named school, students moved between schools, a new school
   (its students are those moved to it; it is assumed built to the standard — stated in ``notes``).
   Projects completed in or before the latest data year are taken to be in the data already; projects whose
   source names no school or quantity are listed as "效果未注明" and change nothing;
3. **teacher moves** (:mod:`junyun_lib.planning.exchange`) — a zero-cost lever before hiring: key, PE/art and
   above-degree teachers moved between public schools within the exchange rules (at most N sent and N
   received per school and year; a sending school keeps at least its standard);
4. **the cheapest additions** — teachers, classrooms, m², equipment — bought in a year and counted in every
   later year.

Two costs, each from its own mixed-integer second-order-cone program (:mod:`junyun_lib.planning.optimiser`)
and each with its own certificate (:func:`junyun_lib.planning.optimiser.cost_certificate`):

* **the least cost to pass** (按期达标的最低成本, ``pass_certificate``) — hard requirements only: in the target
  year every CV within its limit and every school part passing the per-school rule; each year's spend within
  its budget when one is given.  Solved once with every purchase in the first year (only the last year binds,
  so this is the least cost; its dual bound, less the most the teacher moves' tiny cost can add, bounds the
  cost of any plan); with a budget, that plan is rescheduled into the budgets (same cost, same bound) or, when
  it does not fit, solved again within them;
* **the plan with the interim targets** (兼顾年度目标, ``targets_certificate``; the roadmap's schedule) — the
  same, plus in every year the plan's annual targets for the resource indicators (``indicator_share``,
  ``school_rule_share``, ``max_cv``) met where possible (a shortfall is allowed at a penalty far above any
  cost), warm-started with the first plan.  Its cost is reported without the penalty; its bound, the dual bound
  less the plan's penalty term (and the moves' and the early-spending tie-break's most), holds for every plan
  that passes and misses the targets by no more — never the penalty-inflated objective.  Every target it
  misses is listed.  Without targets it is the first plan.

Gaps are (plan − bound) / bound; "证明为最低成本" only within :data:`~junyun_lib.planning.optimiser.GAP_TOLERANCE`.
Among plans of equal cost the earliest spending is chosen (a tie-break of 10⁻⁶ per year).  Every action carries
its reason (达标必需 / 年度目标 / 项目已列, :func:`_with_reasons`).  Every year is then applied to the raw rows
and re-evaluated by the official evaluation; ``verified`` only when a schedule exists, every year was
re-evaluated and the target year passes; the tables report the re-evaluated numbers, and ``first_pass_year``
the first year the county passes.

When the target cannot be reached within the budget, the roadmap says so (``feasible`` false, no schedule, not
verified), gives the earliest year in which the budget reaches a pass **with its plan** (:class:`EarliestPlan`:
schedule, cost, both certificates, verified by the same re-evaluation), and the uniform yearly budget that would
reach the target year — all in one run.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..evaluation.evaluate import evaluate
from ..io.costs import load_unit_costs
from ..io.projects import EFFECTS, Projects, link_problems, override_link_problems
from ..io.reader import SchoolTable
from ..problems import Problem, ValidationError
from ..rules import REL_TOL, compare
from ..rules.schema import STAGE_ZH
from .cheapest import ADDITION_COLUMNS, buy_additions, county_passes, naive_plan
from .enrolment import project_enrolment
from .exchange import apply_moves, check_moves, exchange_rules
from .metrics import measure
from .model import EPS, MARGIN, Purchase, build_model, cv_step, require_school_standards, rule_step
from .optimiser import (TIME_LIMIT, Certificate, MoveRules, YearState, buy_to_buys, buys_to_buy, cost_certificate,
                        solve_states, solver_available, solver_name)

#: the teacher-move table's columns (:func:`junyun_lib.planning.exchange.apply_moves`)
MOVE_COLUMNS = ["year", "kind", "stage", "from_school_id", "to_school_id", "count"]
#: why an action is in the schedule (措施依据), see :func:`_with_reasons`
REASON_ZH = {"pass_required": "达标必需", "annual_target": "年度目标", "project": "项目已列"}
REASON_RULE_ZH = ("措施依据：“达标必需”指只按目标年度的硬性要求（各项差异系数在限值内、每所学校达到校级规则）求得的最低成本方案中，"
                  "同一学校、学段、指标所需的数量（按年度先后计入）；超出这一数量、只为达到推进计划年度目标而增加的为“年度目标”；"
                  "县里已列项目为“项目已列”。")
#: plan metrics the roadmap can steer (the others are reported, not planned for)
STEERED = ("indicator_share", "school_rule_share", "max_cv")
EARLY_WEIGHT = 1e-6
MOVE_COST = 1e-4          # 万元 (1 元) per moved teacher in the objective: no move without a purpose
SEARCH_YEARS = 10         # how far past the target year the earliest feasible year is looked for
#: the last target year a roadmap may aim at: 2035 is the horizon of 《中国教育现代化2035》, the furthest any
#: county plan looks (the seeds' plans end by 2030); a later year is a typing error, and a roadmap to it would
#: rest on an enrolment trend run on for decades
TARGET_YEAR_LAST = 2035
#: facility effects of a project (:data:`junyun_lib.io.projects.EFFECTS`) -> the school column they add to
PROJECT_COLUMNS = {code: e.adds_to[0] for code, e in EFFECTS.items() if len(e.adds_to) == 1}
NEW_SCHOOL_TYPE = {"primary": "小学", "junior": "初级中学", "all": "九年一贯制学校", "": "九年一贯制学校"}
METHOD_ZH = ("逐年路线图：以最新数据年度的学校数据为起点，按预测在校生数、县里已列项目（按完成年份计入）、教师交流轮岗（零成本，"
             "先于新增）和最低成本补充（当年购置、以后各年累计），用多年度混合整数二阶锥规划（SCIP）求解：目标年度所有差异系数"
             "在限值内、所有学校达到校级规则；给定预算时每年支出不超过预算；同等成本下尽早实施。先只按这些硬性要求求按期达标的最低成本，"
             "再在此基础上求各年度推进计划目标尽量达到的方案（未达到时计大额罚分，报告成本时不含罚分），两者各有最优性证明，"
             "差距按（方案成本 − 理论下界）÷ 理论下界计。每一年的方案都加回原始数据，用正式评估口径重新评估核验。")


@dataclass
class EarliestPlan:
    """The plan for the earliest year the budget reaches a pass (按此预算最早达标的方案), made in the same run as
    an infeasible roadmap: its years, schedule (same columns as :attr:`Roadmap.schedule`), per-year table, cost
    (万元), both certificates, and ``verified`` (every year of it applied to the raw rows, re-evaluated, the last
    year passing)."""

    year: int
    years: list
    total_cost: float
    schedule: pd.DataFrame
    years_table: pd.DataFrame
    verified: bool
    first_pass_year: int | None
    pass_certificate: Certificate
    targets_certificate: Certificate


@dataclass
class Roadmap:
    """A year-by-year schedule to pass by the target year (达标路线图).  Amounts in raw units, costs in 万元.

    * ``schedule`` — one row per year and action: ``year, action`` (``purchase`` | ``move`` | ``project``),
      the school, stage, indicator, raw ``column``, ``amount``, ``unit_zh``, ``cost_wan``, ``reason``
      (``pass_required`` 达标必需 | ``annual_target`` 年度目标 | ``project`` 项目已列, see :func:`_with_reasons`)
      and ``reason_zh``, ``from_school_id`` / ``to_school_id`` (moves), ``project_no`` (projects)
    * ``years_table`` — per year: spend, budget, moves, CVs beyond their limit, failing school parts, whether
      the county passes, projects' budgets completing that year (all from the re-evaluation)
    * ``cvs`` — per year, stage and indicator: the re-evaluated CV, its limit, pass
    * ``targets`` — per year and plan item steered: target, re-evaluated actual, met
    * ``results`` — year → re-evaluated :class:`~junyun_lib.evaluation.evaluate.CountyResult`
    * ``pass_certificate`` — the least cost to pass by the target year (按期达标的最低成本), hard requirements
      only: its plan's cost (``primal_bound``), lower bound (``dual_bound``) and gap against the bound;
      ``targets_certificate`` — the same for the schedule, which also meets the plan's interim targets where
      possible (the cost without the penalty term); ``certificate`` is the schedule's
    * ``feasible`` — the target year passes (re-evaluated); ``verified`` — a schedule exists and every year
      was re-evaluated, the target year passing; ``first_pass_year`` — the first year the county passes
      (re-evaluated); ``earliest`` (:class:`EarliestPlan`) and ``budget_needed`` when the target year cannot
      be reached within the budget

    The roadmap in words (Chinese text for the command line and the documents) is the report layer's:
    :func:`junyun_lib.report.roadmap_report.summary_zh`.
    """

    county: str
    start_year: int
    target_year: int
    years: list
    schedule: pd.DataFrame
    years_table: pd.DataFrame
    cvs: pd.DataFrame
    targets: pd.DataFrame
    projects: pd.DataFrame
    enrolment: pd.DataFrame
    results: dict
    certificate: Certificate
    total_cost: float
    naive_cost: float                      # lift every school part to the standard now (the data year)
    naive_target_cost: float               # the same on the target year's projected schools
    project_budget: float
    project_budget_horizon: float
    budgets: dict
    feasible: bool
    verified: bool
    earliest_year: int | None = None
    budget_needed: float | None = None
    infeasible_reason: str = ""
    move_problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    synthetic: bool = False
    method: str = METHOD_ZH
    warnings: list = field(default_factory=list)        # located input warnings (Problem), also in ``notes``
    pass_certificate: Certificate | None = None
    targets_certificate: Certificate | None = None
    has_targets: bool = False              # the plan states interim targets the roadmap steers for
    first_pass_year: int | None = None
    earliest: EarliestPlan | None = None

    @property
    def pass_cost(self) -> float | None:
        """按期达标的最低成本 (万元): the hard-only plan's cost; None when there is none."""
        cert = self.pass_certificate
        return cert.primal_bound if cert is not None else None

    @property
    def targets_add(self) -> float | None:
        """What meeting the interim targets adds to the least cost to pass (万元)."""
        if self.pass_cost is None or self.targets_certificate is None or self.targets_certificate.primal_bound is None:
            return None
        return self.targets_certificate.primal_bound - self.pass_cost

    def missed_targets(self) -> list[dict]:
        """Every interim target the schedule misses (re-evaluated): year, item (Chinese), target, actual."""
        out = []
        if not len(self.targets):
            return out
        for r in self.targets[self.targets["met"] != True].itertuples(index=False):  # noqa: E712 — None too
            stage_zh = "" if r.stage in ("all", "", None) else STAGE_ZH.get(r.stage, r.stage)
            stage = f"（{stage_zh}）" if stage_zh and stage_zh not in str(r.item) else ""
            actual = None if r.actual is None or pd.isna(r.actual) else float(r.actual)
            out.append({"year": int(r.year), "item_no": int(r.item_no), "item_zh": f"{r.item}{stage}",
                        "direction": r.direction, "target": float(r.target), "actual": actual,
                        "kind": str(r.metric).partition(":")[0], "metric": str(r.metric), "stage": r.stage})
        return out


# -------------------------------------------------------------------------------------- year frames
def year_frame(base: pd.DataFrame, year: int, start_year: int, enrolment: pd.DataFrame | None,
               projects: pd.DataFrame | None, standard=None) -> tuple[pd.DataFrame, list]:
    """The latest data year's rows carried to ``year`` (某年度的测算起点): projected students, then the county's
    projects (项目清单) completed after the latest data year and by ``year``.  Returns
    (rows, [(project row index, status)]); a status starting with "已计入" means the row changed the rows.

    The projects, in this order (each row acts on its ``target_id``, :func:`junyun_lib.io.projects.target_ids`):

    1. a new school (``new_school``) is added with its id (a blank id is ``new-<project_no>``), its type from its
       stage, no pupils yet;
    2. the stated effects are added to their school: m², 元, rooms, teachers of a named kind; ``move_students``
       moves pupils, never more than the sending school has in that year;
    3. places (``new_school``, ``add_places``) with no ``move_students`` row to their school take pupils from the
       schools listed in ``from_school_id`` until the places are full (学位是上限), each school giving in
       proportion to its pupils of the stage (:func:`_fill_places`); a new school with neither moves nor
       listed schools has no pupils and is left out ("学位未计入");
    4. a new school's teachers and facilities are set to the standard for the pupils it received — except the
       columns a project states for it, which keep the stated amount (the roadmap buys what they leave unmet).
    """
    from ..io.projects import target_ids
    from ..rules.schema import field_zh

    frame = base.copy()
    frame["year"] = int(year)
    if year > start_year and enrolment is not None and len(enrolment):
        e = enrolment[enrolment["year"] == year]
        ids = frame["school_id"].astype(str)
        for stage in ("primary", "junior", "senior"):
            column = f"students_{stage}"
            if column not in frame:
                continue
            sub = e[e["stage"] == stage]
            got = pd.Series(sub["students"].to_numpy(), index=sub["school_id"].astype(str).to_numpy())
            projected = ids.map(got)
            frame[column] = np.where(projected.notna(), projected.fillna(0), 0).astype("int64")
    status: dict[int, str] = {}
    if projects is None or not len(projects):
        return frame, []
    rows = projects.reset_index(drop=True)
    targets = (rows["target_id"] if "target_id" in rows else target_ids(rows)).fillna("").astype(str).str.strip()
    later = ((rows["completion_year"] > start_year) & (rows["completion_year"] <= year)).to_numpy()
    effects = [EFFECTS.get(str(e)) for e in rows["effect"]]
    creates = np.array([e is not None and e.creates_school for e in effects])
    # 1. new schools first (pupils and effects may go to them)
    new_ids: list[str] = []
    for idx in np.flatnonzero(later & creates):
        sid = targets.iloc[idx]
        if sid in new_ids:
            continue
        if sid in set(frame["school_id"].astype(str)):
            status[idx] = "学校已在数据中"
            continue
        frame = pd.concat([frame, pd.DataFrame([_new_school_row(base, rows.iloc[idx], year, sid)])],
                          ignore_index=True)
        new_ids.append(sid)
    # 2. stated effects on a school
    ids = frame["school_id"].astype(str)
    known = set(ids)
    stated: set[tuple[str, str]] = set()            # (school, column) a project states: kept as stated
    received: dict[str, int] = {}                   # school -> pupils move_students rows moved to it
    for idx in np.flatnonzero(later & ~creates):
        r, effect, sid = rows.iloc[idx], effects[idx], targets.iloc[idx]
        if effect is None or effect.code == "not_stated":
            status[idx] = "效果未注明，未计入测算"
            continue
        if not sid or sid not in known:
            status[idx] = "未对应学校数据，未计入测算"
            continue
        if effect.takes_pupils:                     # places: filled in step 3
            continue
        hit = (ids == sid).to_numpy()
        amount = float(r["amount"])
        if effect.code == "move_students":
            column = f"students_{r['stage']}"
            source = str(r["from_school_id"] or "").strip()
            moved = int(amount)
            note = ""
            if source in known:
                out = (ids == source).to_numpy()
                have = int(frame.loc[out, column].sum())
                if have < moved:                    # pupils are moved, never made: at most what the school has
                    note = f"（转出学校当年只有 {have} 人，按 {have} 人计）"
                    moved = have
                frame.loc[out, column] = frame.loc[out, column] - moved
            frame.loc[hit, column] = frame.loc[hit, column] + moved
            received[sid] = received.get(sid, 0) + moved
            status[idx] = "已计入" + note
            continue
        columns = effect.columns_for(str(r["stage"] or ""))
        column = columns[0] if len(columns) == 1 else ""
        if column not in frame:
            status[idx] = (f"学校数据无「{field_zh(column)}」列，未计入测算" if column else "学段未注明，未计入测算")
            continue
        frame[column] = frame[column].astype(float)
        frame.loc[hit, column] = frame.loc[hit, column] + amount
        stated.add((sid, column))
        status[idx] = "已计入"
    # 3. places: pupils from the listed schools, up to the places, where no move_students row gives them
    for idx in np.flatnonzero(later & np.array([e is not None and e.takes_pupils for e in effects])):
        if idx in status:
            continue
        r, sid = rows.iloc[idx], targets.iloc[idx]
        places = int(r["amount"])
        if sid in received:
            status[idx] = f"已计入（学位 {places} 个，按所列转入学生 {received[sid]} 人）"
            continue
        frame, moved = _fill_places(frame, sid, places, str(r["stage"] or ""), r["from_school_id"])
        if moved:
            status[idx] = f"已计入（学位 {places} 个，从生源学校转入 {moved} 人）"
        elif sid in new_ids:
            status[idx] = "新建学校未注明生源学校、也无学生转入：学位未计入测算"
        else:
            status[idx] = f"学位 {places} 个，未注明生源学校（或生源学校无此学段学生），在校生不变，未计入测算"
    # 4. new schools: to the standard for their pupils; a new school with no pupils is left out
    for sid in new_ids:
        hit = (frame["school_id"].astype(str) == sid).to_numpy()
        pupils = float(frame.loc[hit, ["students_primary", "students_junior"]].to_numpy().sum())
        if pupils <= 0:
            frame = frame[~hit].reset_index(drop=True)
            for idx in np.flatnonzero(later & (targets == sid).to_numpy()):
                status[idx] = "新建学校未注明生源学校、也无学生转入：学位未计入测算" if creates[idx] else \
                    "作用于无学生转入的新建学校，未计入测算"
            continue
        own = {c for s, c in stated if s == sid}
        if standard is not None:
            frame = _equip_new_school(frame, sid, standard, own)
        for idx in np.flatnonzero(later & creates):
            if targets.iloc[idx] == sid and status.get(idx, "").startswith("已计入"):
                status[idx] += "；教师和设施按办学标准配置" + ("（项目写明的按写明的计）" if own else "")
    return frame, sorted(status.items())


def _fill_places(frame: pd.DataFrame, sid: str, places: int, stage: str, feeders) -> tuple[pd.DataFrame, int]:
    """School ``sid`` takes pupils from ``feeders`` (生源学校, the ids of a ``from_school_id`` cell) until its
    ``places`` are full: ``min(places, their pupils)`` in all, each school and stage (``stage``; ``all`` or blank:
    primary and junior) giving in proportion to its pupils, rounded to whole pupils by the largest remainder
    (ties: the order listed, primary first).  Returns (rows, pupils moved).

    Examples
    --------
    >>> f = pd.DataFrame({"school_id": ["A", "B", "N"], "students_primary": [300, 100, 0],
    ...                   "students_junior": [0, 0, 0]})
    >>> out, moved = _fill_places(f, "N", 50, "primary", "A;B")
    >>> moved, out["students_primary"].tolist()
    (50, [262, 88, 50])
    """
    from ..io.projects import feeder_ids

    ids = frame["school_id"].astype(str)
    stages = [stage] if stage in ("primary", "junior") else ["primary", "junior"]
    pool = []                                          # (row positions, column, pupils)
    for feeder in feeder_ids(feeders):
        if feeder == sid:
            continue
        out = (ids == feeder).to_numpy()
        for s in stages:
            column = f"students_{s}"
            have = int(pd.to_numeric(frame.loc[out, column], errors="coerce").fillna(0).sum()) if out.any() else 0
            if have > 0:
                pool.append((out, column, have))
    total = sum(p[2] for p in pool)
    take = min(int(places), total)
    if take <= 0:
        return frame, 0
    # exact shares by integers: floor of take·have/total, then one more to the largest remainders
    shares = [take * have // total for _, _, have in pool]
    remainders = sorted(range(len(pool)), key=lambda i: (-(take * pool[i][2] % total), i))
    for i in remainders[:take - sum(shares)]:
        shares[i] += 1
    frame = frame.copy()
    hit = (ids == sid).to_numpy()
    for (out, column, _), n in zip(pool, shares):
        frame.loc[out, column] = frame.loc[out, column] - n
        frame.loc[hit, column] = frame.loc[hit, column] + n
    return frame, take


def _new_school_row(base: pd.DataFrame, r, year: int, sid: str | None = None) -> dict:
    """The school-table row of a new school (新建学校) before pupils and equipment: id ``sid`` (default the row's
    ``school_id``), its name, type from its stage, 城区, 公办, built in its completion year."""
    sid = str(r["school_id"] or "").strip() if sid is None else sid
    row = {c: (0 if pd.api.types.is_numeric_dtype(base[c]) else "") for c in base.columns}
    row.update(school_id=sid, school_name=str(r["school_name"] or sid),
               county=base["county"].iloc[0], year=int(year),
               school_type=NEW_SCHOOL_TYPE.get(str(r["stage"] or ""), "九年一贯制学校"), urban_rural="城区",
               ownership="公办", built_year=int(r["completion_year"]), source_file="projects.csv",
               source_sheet="", source_row=0)
    return row


def _equip_new_school(frame: pd.DataFrame, sid: str, standard, stated=frozenset()) -> pd.DataFrame:
    """A new school's teachers and facilities set to the standard (办学标准) for the pupils it has; the columns in
    ``stated`` (a project states them for this school) keep the stated amount."""
    from ..evaluation.splitting import stage_shares

    hit = (frame["school_id"].astype(str) == sid).to_numpy()
    row = frame[hit]
    shares = stage_shares(row).iloc[0]
    for ind in standard.indicators:
        std = ind.standard or {}
        if ind.numerator_kind == "section":
            for stage in ("primary", "junior"):
                n = float(row[f"students_{stage}"].iloc[0])
                column = ind.numerator_column(stage)
                if n > 0 and stage in std and column not in stated:
                    frame.loc[hit, column] = math.ceil(std[stage] * n / ind.scale - 1e-9)
        elif ind.numerator not in stated:
            need = 0.0
            for stage in ("primary", "junior"):
                n, share = float(row[f"students_{stage}"].iloc[0]), float(shares[f"share_{stage}"])
                if n > 0 and share > 0 and stage in std:
                    need = max(need, std[stage] * n / ind.scale / share)
            frame.loc[hit, ind.numerator] = math.ceil(need - 1e-9) if ind.shortfall_integer else need
    # one music and one art room of the national minimum area (教督〔2017〕6号: 96 / 90 m²); the new school's
    # classes are not known, so one room each
    for rooms, area, minimum in (("music_rooms", "music_room_min_area_m2", 96), ("art_rooms", "art_room_min_area_m2", 90)):
        if rooms not in stated:
            frame.loc[hit, rooms] = 1
        frame.loc[hit, area] = minimum
    return frame


def evaluate_years(evaluation, county: str, frames: dict) -> dict:
    """Several years of a county (``{year: rows}``) evaluated in one call; ``{year: CountyResult}``."""
    stacked = pd.concat([f.assign(year=int(y)) for y, f in frames.items()], ignore_index=True)
    cfg = evaluation.counties.get(county)
    ev = evaluate(SchoolTable(frame=stacked, synthetic=evaluation.synthetic), evaluation.standard_code,
                  counties={county: cfg} if cfg is not None else None)
    return {int(y): ev.county(county, int(y)) for y in frames}


# ------------------------------------------------------------------------------------------- targets
def plan_targets(plan, years) -> list[dict]:
    """The plan's stated targets the roadmap steers, for ``years``: dicts for :class:`YearState`."""
    if plan is None:
        return []
    out = []
    rows = plan.rows
    for r in rows[rows["stated"] & rows["year"].isin(list(years))].itertuples(index=False):
        kind, _, arg = str(r.metric).partition(":")
        if kind not in STEERED or pd.isna(r.target):
            continue
        if kind == "max_cv" and r.direction not in ("<", "<="):
            continue
        if kind != "max_cv" and r.direction not in (">=", ">"):
            continue
        out.append({"kind": kind, "code": arg or None, "stage": r.stage, "target": float(r.target),
                    "direction": r.direction, "year": int(r.year), "item_no": int(r.item_no), "item": r.item,
                    "metric": r.metric, "key": f"t{int(r.item_no)}_{int(r.year)}"})
    return out


# ----------------------------------------------------------------------------------------- warm start
def _greedy_targets(m, numer, targets, failing):
    """Purchases that meet a year's share targets by lifting the cheapest parts (a warm start)."""
    buy = Purchase.zeros(m)
    unit = np.array([m.unit_cost[c] for c in m.codes])
    values = m.values(numer)
    for t in targets:
        if t["kind"] not in ("indicator_share", "school_rule_share"):
            continue
        in_stage = np.ones(len(m.parts), dtype=bool) if t["stage"] == "all" else (m.parts["part"] == t["stage"]).to_numpy()
        n = int(in_stage.sum())
        if not n:
            continue
        need = math.ceil(t["target"] / 100 * n - 1e-9)
        if t["kind"] == "indicator_share":
            k = m.codes.index(t["code"])
            below = in_stage & ~(values[:, k] >= m.standard[:, k] * (1 - REL_TOL))
            short = need - int(in_stage.sum() - below.sum())
            if short <= 0:
                continue
            cand = []
            for i in np.flatnonzero(below):
                gap = m.standard[i, k] * m.students[i] / m.scale[m.codes[k]] - numer[i, k]
                raw = gap / (m.share[i] if m.facility[m.codes[k]] else 1.0)
                raw = math.ceil(raw - 1e-9) if m.integer[m.codes[k]] else raw * (1 + 1e-9)
                cand.append((raw * unit[k], i, raw))
            for _, i, raw in sorted(cand)[:short]:
                if m.facility[m.codes[k]]:
                    s = m.school_index[i]
                    buy.facility[s, k] = max(buy.facility[s, k], raw)
                else:
                    buy.section[i, k] = max(buy.section[i, k], raw)
        else:
            fails = failing & in_stage
            short = need - int(in_stage.sum() - fails.sum())
            if short <= 0:
                continue
            one = np.zeros(len(m.parts), dtype=bool)
            costs = []
            for i in np.flatnonzero(fails):
                one[:] = False
                one[i] = True
                b = rule_step(m, numer, one)
                costs.append((b.cost(m), i, b))
            for _, i, b in sorted(costs, key=lambda x: x[0])[:short]:
                buy.section = np.maximum(buy.section, b.section)
                buy.facility = np.maximum(buy.facility, b.facility)
    return buy


def _schedule_warm(needs: list, years: list, budgets: dict, unit_cost: dict, integer: dict):
    """Place purchases (slot, amount, needed-by year) into years, earliest first, each year within its budget.
    Returns ({year: {slot: amount}}, all placed)."""
    spent = {t: 0.0 for t in years}
    out: dict = {t: {} for t in years}
    ok = True
    # whole units first (they cannot be split), the dearest first; m² and 元 then fill what is left
    for slot, amount, by in sorted(needs, key=lambda x: (x[2], not integer[x[0][-1]], -x[1] * unit_cost[x[0][-1]])):
        c = slot[-1]
        price = unit_cost[c]
        left = amount
        for t in years:
            if t > by or left <= EPS:
                break
            cap = budgets.get(t)
            room = math.inf if cap is None else cap - spent[t]
            if room <= EPS and price > 0:
                continue
            take = left if price == 0 else min(left, room / price)
            if integer[c]:
                take = float(math.floor(take + 1e-9))
            if take <= EPS:
                continue
            out[t][slot] = out[t].get(slot, 0.0) + take
            spent[t] += take * price
            left -= take
        if left > 1e-6 * max(amount, 1.0):
            ok = False
    return out, ok


def greedy_moves(states, years, rules) -> dict:
    """Teacher moves for a warm start: year by year, one teacher at a time, from the section with the most to
    spare to the section furthest below its standard in the last year, within the per-school limits; a sender
    keeps its standard in every later year.  Returns {year: {(school, stage, code): net received}}."""
    if rules is None or not states:
        return {}
    last = states[-1].model
    out_cap = rules.max_out if rules.max_out is not None else rules.max_per_school
    in_cap = rules.max_in if rules.max_in is not None else rules.max_per_school
    eligible = np.array([rules.eligible is None or sid in rules.eligible for sid in last.ids])
    # each state's row of every part of the last year (−1: absent that year)
    where = []
    for st in states:
        pos = {(s, g): j for j, (s, g) in enumerate(zip(st.model.ids, st.model.stages))}
        where.append(np.array([pos.get((s, g), -1) for s, g in zip(last.ids, last.stages)]))
    counts = last.numerator.copy()
    ratio_den = last.students[:, None] * last.standard / np.array([last.scale[c] for c in last.codes])[None, :]
    sent = np.zeros_like(counts)
    plan: dict = {}
    schools = {s: j for j, s in enumerate(dict.fromkeys(last.ids))}
    school_of = np.array([schools[s] for s in last.ids])
    for t in years:
        later = [n for n, st in enumerate(states) if st.year >= t]
        used_out = np.zeros(len(schools), dtype=int)
        used_in = np.zeros(len(schools), dtype=int)
        for c in rules.codes:
            k = last.codes.index(c)
            surplus = np.full(len(counts), np.inf)
            for n in later:
                m, rows = states[n].model, where[n]
                present = rows >= 0
                need = np.where(present, m.standard[rows, k] * m.students[rows] / m.scale[c], 0.0)
                have = np.where(present, m.numerator[rows, k], 0.0)
                s_n = np.where(present, np.floor(have - need + REL_TOL * np.maximum(need, 1.0)), 0.0)
                surplus = np.minimum(surplus, s_n)
            spare = np.maximum(surplus, 0) - sent[:, k]
            for stage in ("primary", "junior"):
                rows = np.flatnonzero((last.stages == stage) & eligible)
                if len(rows) < 2:
                    continue
                while True:
                    ratio = counts[rows, k] / ratio_den[rows, k]
                    take = (ratio < 1 - REL_TOL) & (used_in[school_of[rows]] < in_cap)
                    give = (spare[rows] > 0) & (used_out[school_of[rows]] < out_cap) & (ratio > 1)
                    if not take.any() or not give.any():
                        break
                    to = rows[np.flatnonzero(take)[np.argmin(ratio[take])]]
                    frm = rows[np.flatnonzero(give)[np.argmax(ratio[give])]]
                    counts[to, k] += 1
                    counts[frm, k] -= 1
                    spare[frm] -= 1
                    sent[frm, k] += 1
                    used_out[school_of[frm]] += 1
                    used_in[school_of[to]] += 1
                    year_plan = plan.setdefault(t, {})
                    for i, sign in ((to, 1), (frm, -1)):
                        key = (last.ids[i], stage, c)
                        year_plan[key] = year_plan.get(key, 0) + sign
    return {t: {key: v for key, v in p.items() if v} for t, p in plan.items()}


def _moved(m, moves: dict, year: int) -> np.ndarray:
    """The numerator changes of moves made up to ``year`` on model ``m``."""
    delta = np.zeros_like(m.numerator)
    position = {(s, g): i for i, (s, g) in enumerate(zip(m.ids, m.stages))}
    for t, items in (moves or {}).items():
        if t > year:
            continue
        for (sid, stage, c), net in items.items():
            i = position.get((sid, stage))
            if i is not None:
                delta[i, m.codes.index(c)] += net
    return delta


def warm_schedule(states, years, budgets, exact_limit: int = 2000, moves: dict | None = None):
    """A heuristic schedule: each year's share targets by the cheapest lifts, then the heuristic cheapest
    path on the target year (after ``moves``); placed into years within the budgets.  Returns (buys, fits)."""
    needs = []
    cumulative = {}
    target_state = states[-1]
    for st in states:
        m = st.model
        so_far = _buys_on(m, cumulative)
        numer = m.numerator + m.delivered(so_far) + _moved(m, moves, st.year)
        failing = m.fails_rule(numer)
        if st.hard:
            rule = rule_step(m, numer, failing)
            buy = rule + cv_step(m, numer + m.delivered(rule), exact_limit)
        else:
            buy = _greedy_targets(m, numer, st.targets, failing)
        for slot, amount in buy_to_buys(m, buy).items():
            needs.append((slot, amount, st.year))
            cumulative[slot] = cumulative.get(slot, 0.0) + amount
    del target_state
    ref = states[-1].model
    return _schedule_warm(needs, years, budgets, ref.unit_cost, ref.integer)


def _buys_on(m, cumulative: dict) -> Purchase:
    """Cumulative purchases (slots) as arrays on model ``m`` (slots of schools absent from ``m`` dropped)."""
    ids = set(m.parts["school_id"].astype(str))
    keep = {}
    position = {(s, g) for s, g in zip(m.parts["school_id"].astype(str), m.parts["part"])}
    for slot, amount in cumulative.items():
        if slot[0] == "F" and slot[1] in ids:
            keep[slot] = amount
        elif slot[0] == "T" and (slot[1], slot[2]) in position:
            keep[slot] = amount
    return buys_to_buy(m, keep)


# ------------------------------------------------------------------------------------------ the roadmap
def build_roadmap(evaluation, county: str | None = None, *, target_year: int | None = None, budget=None,
                  projects=None, overrides=None, plan=None, costs=None, moves: bool = True,
                  time_limit: float = TIME_LIMIT, use_solver: bool = True, margin: float = MARGIN,
                  start_year: int | None = None, search: bool = True) -> Roadmap:
    """The roadmap of one county (see the module docstring), in named steps: the inputs checked and every year's
    rows projected and evaluated (:func:`_prepare`); both plans of the target year (:meth:`_Run.plans`); when
    they do not fit the budget, the budget needed and the earliest year that passes with its plan
    (:func:`_shortfall`); the schedule applied to the raw rows and re-evaluated (:meth:`_Run.realise`); the
    certificates of what was found (:func:`_certificates`).

    Parameters
    ----------
    evaluation : Evaluation
        The county's evaluated years (``Workspace.evaluation(county)``): its raw rows and configuration.
    target_year : int, optional
        Default: the county's ``plan_target_year`` (county.toml); never before the latest data year.
    budget : float or dict year -> 万元, optional
        The yearly budget for additions (the county's projects are funded separately).
    projects : Projects or DataFrame, optional
        :func:`junyun_lib.io.projects.read_projects` (``.rows``).
    overrides : DataFrame, optional
        Enrolment overrides (:func:`junyun_lib.io.projects.read_enrolment_overrides`).
    plan : Plan, optional
        The county's plan (its annual resource targets are steered for).
    start_year : int, optional
        The data year to start from (default the latest).

    Raises
    ------
    ValidationError
        Every problem of the inputs at once (:func:`roadmap_input_problems`): a target year outside the data
        year … :data:`TARGET_YEAR_LAST`, a negative or non-finite budget or unit cost, a project or enrolment
        override on a school the school table does not hold.
    """
    run = _prepare(evaluation, county, target_year=target_year, budget=budget, projects=projects,
                   overrides=overrides, plan=plan, costs=costs, moves=moves, start_year=start_year, search=search)
    years, states = run.states_to(run.target)
    naive_cost, naive_target_cost = _naive_costs(run, states)
    run.solver = _Solver(run.move_rules, margin, max(10.0 * naive_cost, 1000.0), time_limit) \
        if use_solver and solver_available() else None
    run.no_solver_reason = "未使用求解器" if not use_solver else "未安装 PySCIPOpt"
    run.margin, run.time_limit = margin, time_limit
    plans = run.plans(states, years, run.budgets)
    earliest, needed, reason = _shortfall(run, plans, states, years) if not plans.feasible else (None, None, "")
    done = run.realise(years, states, plans)           # every year applied to the raw rows and re-evaluated
    passes = done["passes"]
    _add_notes(run, years)
    if plans.feasible and not passes:
        reason = "方案加回原始数据按正式口径重新评估，目标年度仍未达标"
    if not plans.feasible and not reason:
        reason = "目标年度未能达标"
    pass_cert, targets_cert = _certificates(plans, run.solver)
    return Roadmap(
        county=run.county, start_year=run.start, target_year=run.target, years=years, schedule=done["schedule"],
        years_table=done["years_table"], cvs=_cv_table(done["results"], run.first),
        targets=_target_table(run.targets_in(years), done["results"]),
        projects=_project_table(run.project_rows, {y: run.statuses_all[y] for y in years}, run.start),
        enrolment=run.enrolment_in(years), results=done["results"], certificate=targets_cert,
        total_cost=done["total"], naive_cost=naive_cost, naive_target_cost=naive_target_cost,
        project_budget=_project_budget(run.project_rows), project_budget_horizon=_project_budget(
            run.project_rows, years) if run.start < run.target else 0.0,
        budgets=run.budgets, feasible=bool(plans.feasible and passes), verified=done["verified"],
        earliest_year=earliest.year if earliest is not None else None, budget_needed=needed,
        infeasible_reason=reason if not (plans.feasible and passes) else "", move_problems=done["problems"],
        notes=run.notes, synthetic=bool(evaluation.synthetic), warnings=run.warnings, pass_certificate=pass_cert,
        targets_certificate=targets_cert, has_targets=bool(run.targets_in(years)),
        first_pass_year=done["first_pass_year"], earliest=earliest)


@dataclass
class _Run:
    """One roadmap run: its inputs and every year's projected rows, evaluation and model, from the data year to
    the last year searched (:func:`_prepare`)."""

    evaluation: object
    county: str
    start: int
    target: int
    first: object                  # the data year's CountyResult
    cost_table: pd.DataFrame
    project_rows: pd.DataFrame | None
    base: pd.DataFrame             # the data year's raw rows
    budget: object                 # as given (a number, {year: number} or None)
    budgets: dict                  # per year of the horizon to the target year
    warnings: list
    notes: list
    searching: bool                # look for the earliest year past the target that the budget reaches
    last_max: int
    all_years: list
    enrolment_all: pd.DataFrame | None
    frames_all: dict
    statuses_all: dict
    results_all: dict
    targets_all: list
    models: dict
    move_rules: object = None
    solver: object = None
    no_solver_reason: str = ""
    margin: float = MARGIN
    time_limit: float = TIME_LIMIT

    def states_to(self, last: int):
        """The years from the data year to ``last`` and their :class:`YearState` (``last`` must pass)."""
        years = [y for y in self.all_years if y <= last]
        out = []
        for y in years:
            r = self.results_all[y]
            failing = ~r.parts["passes_school_rule"].fillna(False).astype(bool).to_numpy()
            out.append(YearState(y, self.models[y], hard=(y == last), failing=failing,
                                 targets=[t for t in self.targets_all if t["year"] == y]))
        return years, out

    def targets_in(self, years) -> list:
        return [t for t in self.targets_all if t["year"] in years]

    def enrolment_in(self, years) -> pd.DataFrame:
        e = self.enrolment_all
        return e[e["year"].isin(years)] if e is not None else pd.DataFrame()

    def plans(self, states, years, budgets) -> "_Plans":
        """Both plans of one horizon (:class:`_Plans`): by the solver, or by the heuristic without it."""
        if self.solver is None:
            return _heuristic_plans(states, years, budgets, self.move_rules, self.margin, self.time_limit,
                                    self.no_solver_reason)
        return self.solver.solve(states, years, budgets)

    def realise(self, years, states, plans: "_Plans") -> dict:
        """A horizon's schedule applied to the raw rows year by year and re-evaluated by the official evaluation;
        every purchase and move with its reason (:func:`_with_reasons`)."""
        chosen = plans.with_targets if plans.feasible else None
        buys, moves = (chosen.buys, chosen.moves) if chosen is not None else ({}, {})
        adds = {st.year: buy_additions(st.model, buys_to_buy(st.model, _own(st.model, buys.get(st.year, {}))),
                                       "pass_required") for st in states}
        move_table = _move_table(moves, states)
        pass_ = plans.pass_plan
        adds, move_table = _with_reasons(adds, move_table, pass_.buys if pass_ else {}, pass_.moves if pass_ else {})
        frames = {y: self.frames_all[y] for y in years}
        checked, problems = _apply_schedule(frames, years, adds, move_table[MOVE_COLUMNS], self.first.standard)
        results = evaluate_years(self.evaluation, self.county, checked)
        passes = county_passes(results[years[-1]])
        table = _years_table(years, results, adds, move_table, _budgets(self.budget, self.start, years[-1]),
                             self.project_rows)
        return {"additions": adds, "moves": move_table, "results": results, "problems": problems,
                "passes": passes, "years_table": table,
                "schedule": _schedule_table(adds, move_table, self.project_rows,
                                            {y: self.statuses_all[y] for y in years}, self.base, self.start),
                "total": float(sum(a["cost_wan"].sum() for a in adds.values() if len(a))),
                # verified: a schedule exists and every year of it was re-evaluated, the last year passing
                "verified": bool(chosen is not None and passes),
                "first_pass_year": next((int(y) for y, ok in zip(table["year"], table["passes"]) if ok), None)}


def _prepare(evaluation, county, *, target_year, budget, projects, overrides, plan, costs, moves, start_year,
             search) -> _Run:
    """Step 1: the inputs checked (every problem at once), then every year from the data year to the target
    year — and, with a budget, :data:`SEARCH_YEARS` beyond it — projected (:func:`year_frame`: enrolment,
    projects) and evaluated, with its :class:`~junyun_lib.planning.model.Model`."""
    county, start = _county_and_start(evaluation, county, start_year)
    first = evaluation.county(county, start)
    require_school_standards(first)
    cfg = evaluation.counties.get(county)
    checked = roadmap_input_problems(evaluation, county, target_year=target_year, budget=budget, costs=costs,
                                     start_year=start, projects=projects, overrides=overrides)
    if any(p.severity == "error" for p in checked):
        raise ValidationError(checked)
    target = _whole_number(target_year) if target_year is not None else \
        (getattr(cfg, "plan_target_year", None) or start)
    cost_table = costs if isinstance(costs, pd.DataFrame) else load_unit_costs(costs)
    project_rows = projects.rows if hasattr(projects, "rows") else projects
    schools = evaluation.schools
    frame_all = schools[(schools["county"] == county) & (schools["year"] <= start)].reset_index(drop=True)
    base = frame_all[frame_all["year"] == start].reset_index(drop=True)
    budgets = _budgets(budget, start, target)
    # input warnings (an unusually large amount, a new school's id not yet in the data …) travel with the roadmap
    warnings = [p for p in checked if p.severity == "warning"] + list(getattr(projects, "warnings", None) or [])
    if overrides is not None:
        warnings += list(overrides.attrs.get("warnings", []))
    notes = [f"提示 (warning)：{p}" for p in warnings]
    searching = bool(search and budgets and target > start)
    last_max = target + (SEARCH_YEARS if searching else 0)
    all_years = [start] if target == start else list(range(start + 1, last_max + 1))
    enrolment_all = project_enrolment(frame_all, all_years, overrides) if target > start else None
    frames_all, statuses_all = {}, {}
    for y in all_years:
        frames_all[y], statuses_all[y] = year_frame(base, y, start, enrolment_all, project_rows, first.standard)
    results_all = evaluate_years(evaluation, county, frames_all)
    run = _Run(evaluation=evaluation, county=county, start=start, target=target, first=first, cost_table=cost_table,
               project_rows=project_rows, base=base, budget=budget, budgets=budgets, warnings=warnings, notes=notes,
               searching=searching, last_max=last_max, all_years=all_years, enrolment_all=enrolment_all,
               frames_all=frames_all, statuses_all=statuses_all, results_all=results_all,
               targets_all=plan_targets(plan, all_years),
               models={y: build_model(results_all[y], cost_table) for y in all_years})
    move_rules, eligible = _move_rules(base) if moves and target > start else (None, None)
    if move_rules is not None:
        move_rules.eligible = eligible
        notes.append("教师交流：每校每年调出、调入各不超过 "
                     f"{move_rules.max_out}、{move_rules.max_in} 人，调出学校保持达标，同类教师在同一学段内交流"
                     "（可按本县交流轮岗方案修改）。")
    run.move_rules = move_rules
    return run


def _naive_costs(run: _Run, states) -> tuple[float, float]:
    """Lifting every school part to the standard (逐校补足到标准), 万元: now (the data year), and on the target
    year's projected schools."""
    naive = naive_plan(build_model(run.first, run.cost_table))
    naive_target = naive_plan(states[-1].model)
    return (float(naive["cost_wan"].sum()) if len(naive) else 0.0,
            float(naive_target["cost_wan"].sum()) if len(naive_target) else 0.0)


def _shortfall(run: _Run, plans: "_Plans", states, years):
    """When the target year cannot be reached within the budget: why, the uniform yearly budget that would reach
    it (with the solver), and the earliest later year the budget reaches with its plan (:class:`EarliestPlan`).
    Returns (earliest or None, budget needed or None, reason)."""
    cert, lower, budgets = plans.certificate, plans.lower, run.budgets
    if cert.status == "infeasible" and lower is not None and budgets and lower > sum(budgets.values()) * (1 + 1e-9):
        reason = (f"达标的最低成本至少 {lower:,.1f} 万元，超过期内预算合计 {sum(budgets.values()):,.1f} 万元")
    elif cert.status == "infeasible":
        reason = "求解器证明在此预算下不存在可行方案"
    else:
        reason = "在时限内未找到不超预算的方案（未能证明不可行）"
    needed = None
    if budgets and run.solver is not None:
        needed, needed_cert = run.solver.uniform_budget(states, years)
        run.notes.append(f"按期达标所需的每年预算：{needed_cert.text_zh()}")
    earliest = None
    if run.searching:
        for last in range(run.target + 1, run.last_max + 1):
            y2, st2 = run.states_to(last)
            p2 = run.plans(st2, y2, _budgets(run.budget, run.start, last))
            if p2.feasible:
                done = run.realise(y2, st2, p2)
                earliest = EarliestPlan(
                    year=last, years=y2, total_cost=done["total"], schedule=done["schedule"],
                    years_table=done["years_table"], verified=done["verified"],
                    first_pass_year=done["first_pass_year"], pass_certificate=p2.pass_plan.certificate,
                    targets_certificate=p2.with_targets.certificate)
                break
    return earliest, needed, reason


def _project_budget(project_rows, years=None) -> float:
    """The county's listed projects' budget (万元): all, or those completing in ``years`` (one row per project)."""
    if project_rows is None or not len(project_rows):
        return 0.0
    if years is None:
        return float(project_rows["budget_wan"].sum())
    first_rows = project_rows.groupby("project_no").first()
    return float(first_rows.loc[first_rows["completion_year"].isin(years), "budget_wan"].sum())


def _add_notes(run: _Run, years) -> None:
    """The roadmap's notes on its assumptions (new schools, projected enrolment, unit costs, reasons)."""
    rows, start = run.project_rows, run.start
    if rows is not None and len(rows) and (rows["effect"] == "new_school").any():
        run.notes.append("新建学校按项目清单的学位、学段和生源学校计入（未填学校标识码的按“new-序号”计）：学生按写明的转入人数，"
                         "或从生源学校按在校生比例招满学位；其教师和设施假定按办学标准配置（项目写明的按写明的计）。")
    if run.target > start:
        e = run.enrolment_all
        cohort = e is not None and (e["method"] == "cohort").any()
        method = "按年级递进（队列）或阻尼线性趋势" if cohort else "阻尼线性趋势（无分年级数据）"
        run.notes.append(f"各年度在校生数为预测值（{method}，可用本县的在校生预测修正表修正）；"
                         f"{start}年及以前完成的项目视为已反映在{start}年数据中。")
    run.notes.append("单位成本为工作台自带的示例值（可换成本县标准），各项按购置当年一次计入；预算只约束新增补充，"
                     "县里已列项目另有资金来源。")
    run.notes.append(REASON_RULE_ZH)


def _certificates(plans: "_Plans", solver) -> tuple:
    """The certificates of the least cost to pass and of the schedule; with no plan, one that says why (proved
    impossible, or none found in time)."""
    cert = plans.certificate
    if not plans.feasible and solver is None:
        cert = dataclasses.replace(cert, reason=f"启发式方法未找到不超预算的方案（{cert.reason}）")
    elif not plans.feasible:
        cert = dataclasses.replace(cert, status="infeasible" if cert.status == "infeasible" else "not_found",
                                   primal_bound=None, gap=None, dual_bound=plans.lower)
    pass_cert = plans.pass_plan.certificate if plans.pass_plan is not None else cert
    targets_cert = plans.with_targets.certificate if plans.with_targets is not None else cert
    return pass_cert, targets_cert


# ------------------------------------------------------------------------------------- input checks
def _county_and_start(evaluation, county: str | None, start_year) -> tuple[str, int]:
    """The one county of ``evaluation`` (or ``county``) and the data year the roadmap starts from."""
    years_have = sorted(y for c, y in evaluation.county_years() if county is None or c == county)
    names = sorted({c for c, _ in evaluation.county_years() if county is None or c == county})
    if len(names) != 1:
        raise KeyError(f"需要唯一的县区，匹配到 {names} (need exactly one county)")
    start = int(start_year) if start_year is not None else years_have[-1]
    if start not in years_have:
        raise ValidationError([Problem("error", "no_data_year", f"{names[0]}没有{start}年的数据：起点年度应为有数据的年度"
                                       f"（{'、'.join(map(str, years_have))}）", f"no data for {start}; the start year "
                                       f"must be a data year ({', '.join(map(str, years_have))})",
                                       column="start_year", value=str(start_year), county=names[0])])
    return names[0], start


def _whole_number(value) -> int | None:
    """``value`` as an int when it is a whole number (``2025``, ``2025.0``, ``"2025"``), else None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
        return int(number) if number == int(number) else None
    except (TypeError, ValueError, OverflowError):
        return None


def _finite_nonnegative(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def target_year_problems(county: str, start: int, target_year, cfg=None) -> list[Problem]:
    """The target year (目标年度) of a roadmap: a whole year from the data year ``start`` to
    :data:`TARGET_YEAR_LAST`.  Given as ``target_year`` (``--target-year``) or, when that is None, the county's
    ``plan_target_year`` — then the problem points at ``county.toml``.

    Examples
    --------
    >>> [p.code for p in target_year_problems("示例县", 2024, 1900)]
    ['target_year_out_of_range']
    >>> target_year_problems("示例县", 2024, 2024) + target_year_problems("示例县", 2024, 2035)
    []
    """
    if target_year is None:
        value = getattr(cfg, "plan_target_year", None)
        if value is None:
            return []                                        # the data year itself
        where = {"file": str(getattr(cfg, "source", "") or ""), "column": "plan_target_year"}
        hint_zh, hint_en = "（county.toml 的规划目标年，可用 --target-year 另行指定）", " (county.toml; --target-year " \
            "gives another)"
    else:
        value = target_year
        where = {"column": "target_year / --target-year"}
        hint_zh, hint_en = "", ""
    year = _whole_number(value)
    if year is not None and start <= year <= TARGET_YEAR_LAST:
        return []
    return [Problem("error", "target_year_out_of_range",
                    f"目标年度应为 {start}—{TARGET_YEAR_LAST} 年之间的整数年份{hint_zh}：不早于{county}的数据年度 {start}，"
                    f"不晚于 {TARGET_YEAR_LAST} 年，即《中国教育现代化2035》的期限",
                    f"the target year must be a whole year from {start} (the data year of {county}) to "
                    f"{TARGET_YEAR_LAST}{hint_en}", value=str(value), county=county, **where)]


def budget_problems(budget, county: str = "") -> list[Problem]:
    """A roadmap's budget (年度预算, 万元 a year): None, one number, or ``{year: number}``; each a finite number
    ≥ 0 — a negative, NaN or infinite budget would make the schedule meaningless, never silently.

    Examples
    --------
    >>> [(p.column, p.value) for p in budget_problems({2025: 100, 2026: float("nan"), "2027": 5})]
    [('budget[2026]', 'nan'), ("budget['2027']", '2027')]
    >>> budget_problems(0) + budget_problems(None)
    []
    """
    if budget is None:
        return []
    zh = "预算应为不小于 0 的有限数（万元/年）：负数、NaN、无穷大均不接受"
    en = "a budget must be a finite number ≥ 0 (10,000 yuan a year); negative, NaN and infinite values are refused"
    if not isinstance(budget, dict):
        return [] if _finite_nonnegative(budget) else \
            [Problem("error", "bad_budget", zh, en, column="budget", value=str(budget), county=county)]
    out = []
    for year, value in budget.items():
        if not isinstance(year, numbers.Integral) or isinstance(year, bool):
            out.append(Problem("error", "bad_budget_year", "逐年预算的年度应为整数年份（如 2025）",
                               "the years of a yearly budget must be whole numbers (e.g. 2025)",
                               column=f"budget[{year!r}]", value=str(year), county=county))
        elif not _finite_nonnegative(value):
            out.append(Problem("error", "bad_budget", zh, en, column=f"budget[{int(year)}]", value=str(value),
                               county=county, year=int(year)))
    return out


def cost_problems(costs) -> list[Problem]:
    """A unit-cost table handed over as a DataFrame (a file is checked by
    :func:`junyun_lib.io.costs.load_unit_costs`): every ``cost_wan_per_unit`` a finite number ≥ 0."""
    if not isinstance(costs, pd.DataFrame) or "cost_wan_per_unit" not in costs.columns:
        return []
    out = []
    for indicator, value in zip(costs.get("indicator", pd.Series([""] * len(costs))), costs["cost_wan_per_unit"]):
        number = value.item() if isinstance(value, np.generic) else value
        if not _finite_nonnegative(number):
            out.append(Problem("error", "bad_cost", "单位成本应为不小于 0 的有限数（万元）：负数、NaN、无穷大均不接受",
                               "a unit cost must be a finite number ≥ 0 (10,000 yuan); negative, NaN and infinite "
                               "values are refused", column=f"cost_wan_per_unit[{indicator}]", value=str(value)))
    return out


_PROJECT_LINK_COLUMNS = ("row", "effect", "school_id", "school_name", "from_school_id", "completion_year")


def roadmap_input_problems(evaluation, county: str | None = None, *, target_year=None, budget=None, costs=None,
                           start_year: int | None = None, projects=None, overrides=None) -> list[Problem]:
    """Every problem of a roadmap's inputs (路线图输入检查), errors and warnings, located, in one pass:
    :func:`target_year_problems`, :func:`budget_problems`, :func:`cost_problems`, and the projects' and
    enrolment overrides' school ids against the start year's school rows
    (:func:`junyun_lib.io.projects.link_problems`, :func:`junyun_lib.io.projects.override_link_problems`).
    :func:`build_roadmap` raises when any is an error; a caller that failed to read a file calls it to report
    the other inputs' problems together with that file's.
    """
    county, start = _county_and_start(evaluation, county, start_year)
    problems = target_year_problems(county, start, target_year, evaluation.counties.get(county))
    problems += budget_problems(budget, county)
    problems += cost_problems(costs)
    schools = evaluation.schools
    base = schools[(schools["county"] == county) & (schools["year"] == start)]
    if projects is not None:
        listed = projects if isinstance(projects, Projects) else \
            Projects(county=county, slug="", path=Path("projects.csv"), rows=pd.DataFrame(projects))
        if all(c in listed.rows.columns for c in _PROJECT_LINK_COLUMNS):
            problems += link_problems(listed, base, data_year=start)
    if overrides is not None and len(overrides):
        problems += override_link_problems(overrides, base, county=county, data_year=start)
    return problems


@dataclass
class _Choice:
    """One plan of a horizon: purchases ``{year: {slot: amount}}`` and moves ``{year: {(school, stage, kind):
    net received}}``, its cost (万元) and the certificate of that cost alone."""

    buys: dict
    moves: dict
    cost: float
    certificate: Certificate
    slacks: dict = field(default_factory=dict)


@dataclass
class _Plans:
    """The two plans of a horizon.  ``pass_plan`` — the least cost to pass in the last year (hard requirements
    only: every CV within its limit, every school part passing the rule; within the budgets); ``with_targets``
    — the plan that also meets the plan's interim targets where possible (the roadmap's schedule; the same
    plan when there are no targets).  ``lower``: the lower bound on the cost to pass without budgets;
    ``certificate``: of the schedule, or why there is none."""

    feasible: bool
    pass_plan: _Choice | None
    with_targets: _Choice | None
    lower: float | None
    certificate: Certificate


def _buys_cost(buys: dict, model) -> float:
    """万元 of purchases ``{year: {slot: amount}}`` at the model's unit costs."""
    return float(sum(a * model.unit_cost[slot[-1]] for b in buys.values() for slot, a in b.items()))


def _heuristic_plans(states, years, budgets, move_rules, margin, time_limit, reason) -> _Plans:
    """Both plans by the heuristic (no solver): greedy moves, then the cheapest additions on top; no bound."""
    moved = greedy_moves(states, years, move_rules) if move_rules is not None else {}
    bare = [YearState(s.year, s.model, s.hard, s.failing, []) for s in states]
    ref = states[-1].model
    warm, fits = warm_schedule(bare, years, budgets, moves=moved)
    cert = Certificate("heuristic", None, None, None, 0.0, margin, solver_name(), time_limit, reason=reason)
    pass_plan = _Choice(warm, moved, _buys_cost(warm, ref), cost_certificate(cert, _buys_cost(warm, ref), None))
    with_plan = pass_plan
    if any(s.targets for s in states):
        warm_t, fits_t = warm_schedule(states, years, budgets, moves=moved)
        if fits_t:
            with_plan = _Choice(warm_t, moved, _buys_cost(warm_t, ref),
                                cost_certificate(cert, _buys_cost(warm_t, ref), None))
    return _Plans(bool(fits), pass_plan if fits else None, with_plan if fits else None, None, with_plan.certificate
                  if fits else cert)


class _Solver:
    """The solves of a roadmap: (1) the least cost to pass in the last year with moves, no budget and no plan
    targets — its dual bound is a lower bound on any plan's cost; (2) with budgets and plan targets, warm-started
    with (1) rescheduled into the budgets (earliest first)."""

    def __init__(self, move_rules, margin, penalty, time_limit):
        self.moves, self.margin, self.penalty, self.time_limit = move_rules, margin, penalty, time_limit
        self._least: dict = {}
        self._ties: dict = {}       # horizon -> the most the moves' tiny cost adds to the least-cost objective

    def _run(self, states, years, budgets, warm, warm_moves, purchase_years=None, **extra):
        buy_years = purchase_years or years
        solution, program = solve_states(
            states, buy_years, warm=warm, warm_moves=warm_moves, time_limit=self.time_limit, margin=self.margin,
            budgets=budgets or None, moves=self.moves, early_weight=EARLY_WEIGHT if len(buy_years) > 1 else 0.0,
            penalty=self.penalty, move_years=years, **extra)
        return solution, program

    def least_cost(self, states, years):
        """Phase 1: hard constraints and moves only (solved once per horizon)."""
        key = tuple(years)
        if key not in self._least:
            self._least[key] = self._least_cost(states, years)
        return self._least[key]

    def _least_cost(self, states, years):
        # without budgets and plan targets only the last year binds: every purchase is made in the first year
        # (the earliest of equal-cost plans, and the same least cost); moves stay year by year (their limits are)
        bare = [YearState(s.year, s.model, s.hard, s.failing, []) for s in states]
        first = [years[0]]
        moves = greedy_moves(bare, years, self.moves) if self.moves is not None else {}
        warm, _ = warm_schedule(bare, first, {}, moves=moves)
        bound = sum(a * states[-1].model.unit_cost[s[-1]] for b in warm.values() for s, a in b.items())
        solution, program = self._run(bare, years, {}, warm, moves, purchase_years=first, cost_bound=bound)
        if not getattr(program, "warm_accepted", True) and moves:      # the moves did not fit: without them
            warm, _ = warm_schedule(bare, first, {})
            bound = sum(a * states[-1].model.unit_cost[s[-1]] for b in warm.values() for s, a in b.items())
            solution, program = self._run(bare, years, {}, warm, None, purchase_years=first, cost_bound=bound)
        cert = program.certificate
        lower = None
        if cert.dual_bound is not None:      # objective = Σ cost + moves × their tiny cost
            lower = max(0.0, cert.dual_bound - program.move_cost_cap)
        self._ties[tuple(years)] = program.move_cost_cap
        if solution is None:
            return warm, moves if getattr(program, "warm_accepted", False) else {}, cert, lower
        return solution.buys, solution.moves, cert, lower

    @staticmethod
    def _tie(program, years) -> dict:
        """The most a solve's tie-breaks (moves at their tiny cost, early spending) can shift its cost."""
        return {"tie_break": program.move_cost_cap,
                "tie_share": EARLY_WEIGHT * (len(years) - 1) if len(years) > 1 else 0.0}

    def _program_bound(self, solution, program, buy_years) -> float | None:
        """A lower bound on the cost alone from a solve's dual bound: the objective is Σ cost × (1 + early
        weight × k) + moves × their tiny cost + penalty × shortfall, so for any plan that misses the targets by
        no more than this one (its penalty term at most ``solution.penalty_value``) the cost is at least
        (dual − penalty term − the most the moves can add) ÷ the largest early weight."""
        dual = solution.certificate.dual_bound if solution is not None else None
        if dual is None:
            return None
        heaviest = 1.0 + (EARLY_WEIGHT * (len(buy_years) - 1) if len(buy_years) > 1 else 0.0)
        return max(0.0, (dual - solution.penalty_value - program.move_cost_cap) / heaviest)

    def solve(self, states, years, budgets) -> "_Plans":
        """Both plans of a horizon (see :class:`_Plans`): (1) the least cost to pass in the last year, hard
        requirements only, within the budgets; (2) the same with the plan's interim targets (soft, penalised),
        warm-started with (1).  Each with the certificate of its cost alone."""
        ref = states[-1].model
        try:
            buys1, moves1, cert1, lower = self.least_cost(states, years)
        except Exception as exc:  # noqa: BLE001 — the heuristic schedule stands
            return _heuristic_plans(states, years, budgets, self.moves, self.margin, self.time_limit,
                                    f"求解器出错：{type(exc).__name__}: {exc}")
        cost1 = _buys_cost(buys1, ref)
        pass_cert = cost_certificate(cert1, cost1, lower, tie_break=self._ties.get(tuple(years), 0.0))
        if budgets and lower is not None and lower > sum(budgets.values()) * (1 + 1e-6) + 1e-6:
            cert = Certificate("infeasible", None, lower, None, cert1.seconds, self.margin, cert1.solver,
                               self.time_limit, cert1.nodes, reason="达标的最低成本（求解器下界）超过期内预算合计")
            return _Plans(False, None, None, lower, cert)
        pass_plan = _Choice(buys1, moves1, cost1, pass_cert)
        if budgets:
            needs = [(slot, amount, years[-1]) for t in sorted(buys1) for slot, amount in buys1[t].items()]
            placed, fits = _schedule_warm(needs, years, budgets, ref.unit_cost, ref.integer)
            if fits:                # the least-cost plan rescheduled within the budgets: same cost, same bound
                pass_plan = _Choice(placed, moves1, cost1, pass_cert)
            else:
                bare = [YearState(s.year, s.model, s.hard, s.failing, []) for s in states]
                solution, program = self._run(bare, years, budgets, None, None)
                if solution is None:
                    return _Plans(False, None, None, lower, program.certificate)
                cost = _buys_cost(solution.buys, ref)
                bounds = [b for b in (lower, self._program_bound(solution, program, years)) if b is not None]
                pass_plan = _Choice(solution.buys, solution.moves, cost, cost_certificate(
                    solution.certificate, cost, max(bounds) if bounds else None, **self._tie(program, years)))
        if not any(s.targets for s in states):
            return _Plans(True, pass_plan, pass_plan, lower, pass_plan.certificate)
        solution, program = self._run(states, years, budgets, pass_plan.buys, pass_plan.moves)
        if solution is None:
            cert = cost_certificate(program.certificate, pass_plan.cost, lower,
                                    reason="求解器未给出兼顾年度目标的方案，采用仅达标的方案")
            return _Plans(True, pass_plan, _Choice(pass_plan.buys, pass_plan.moves, pass_plan.cost, cert),
                          lower, cert)
        cost = _buys_cost(solution.buys, ref)
        bounds = [b for b in (lower, self._program_bound(solution, program, years)) if b is not None]
        with_plan = _Choice(solution.buys, solution.moves, cost,
                            cost_certificate(solution.certificate, cost, max(bounds) if bounds else None,
                                             **self._tie(program, years)), solution.slacks)
        if cost < pass_plan.cost - 1e-6 * max(1.0, cost):
            # the plan with targets passes too and costs less: it is the better plan to pass (a time-limited
            # first solve); the bound of passing stays the first solve's
            pass_plan = _Choice(with_plan.buys, with_plan.moves, cost,
                                cost_certificate(pass_cert, cost, lower, tie_break=pass_cert.allowance * (lower or 0.0)))
        return _Plans(True, pass_plan, with_plan, lower, with_plan.certificate)

    def uniform_budget(self, states, years):
        """The least uniform yearly budget that reaches the last year (万元, rounded up to 0.1) and its
        certificate: the least-cost plan spread greedily gives a start, SCIP minimises the budget."""
        bare = [YearState(s.year, s.model, s.hard, s.failing, []) for s in states]
        buys1, moves1, cert1, lower = self.least_cost(states, years)
        ref = states[-1].model
        total = sum(a * ref.unit_cost[s[-1]] for b in buys1.values() for s, a in b.items())
        needs = [(slot, amount, years[-1]) for t in sorted(buys1) for slot, amount in buys1[t].items()]
        lo, hi = total / len(years), max(total, 1e-6)
        placed, fits = _schedule_warm(needs, years, {t: hi for t in years}, ref.unit_cost, ref.integer)
        for _ in range(30):
            mid = (lo + hi) / 2
            trial, ok = _schedule_warm(needs, years, {t: mid for t in years}, ref.unit_cost, ref.integer)
            if ok:
                hi, placed = mid, trial
            else:
                lo = mid
        solution, program = self._run(bare, years, {}, placed, moves1, budget_variable=True)
        if solution is None or solution.budget is None:
            return math.ceil(hi * 10 - 1e-9) / 10, program.certificate
        spend = [sum(a * ref.unit_cost[s[-1]] for s, a in solution.buys.get(t, {}).items()) for t in years]
        return math.ceil(max(spend + [0.0]) * 10 - 1e-9) / 10, solution.certificate


def _apply_schedule(frames: dict, years: list, additions_by_year: dict, move_table: pd.DataFrame, standard):
    """Each year's rows with the purchases and moves made up to it; the moves of each year checked on the rows
    they are made on (:func:`junyun_lib.planning.exchange.check_moves`).  Returns ({year: rows}, problems)."""
    stacked = pd.concat([frames[y] for y in years], ignore_index=True)
    made = [a.assign(made=t) for t, a in additions_by_year.items() if len(a)]
    if made:
        # a purchase of year t counts in every year from t on: one long table, added in one pass
        made = pd.concat(made, ignore_index=True)
        long = pd.concat([made[made["made"] <= y].assign(year=y) for y in years], ignore_index=True)
        total = long.groupby(["year", "school_id", "column"], sort=False)["amount"].sum().unstack("column", fill_value=0.0)
        index = pd.MultiIndex.from_arrays([stacked["year"].astype(int), stacked["school_id"].astype(str)])
        total.index = pd.MultiIndex.from_arrays([total.index.get_level_values(0).astype(int),
                                                 total.index.get_level_values(1).astype(str)])
        aligned = total.reindex(index, fill_value=0.0)
        for column in total.columns:
            stacked[column] = stacked[column].astype(float).to_numpy() + aligned[column].to_numpy()
    problems = []
    if len(move_table):
        # a move of year t counts in every year from t on: earlier years' moves first, then the year's own
        earlier = pd.concat([move_table[move_table["year"] < y].assign(year=y) for y in years], ignore_index=True)
        if len(earlier):
            stacked = apply_moves(stacked, earlier)
        problems = check_moves(stacked, move_table, standard)
        stacked = apply_moves(stacked, move_table)
    return {y: f.reset_index(drop=True) for y, f in stacked.groupby("year", sort=True)}, problems


def _budgets(budget, start: int, last: int) -> dict:
    years = [start] if last == start else list(range(start + 1, last + 1))
    if budget is None:
        return {}
    if isinstance(budget, dict):
        known = sorted(budget)
        out = {}
        for y in years:
            if y in budget:
                out[y] = float(budget[y])
            elif known and y > known[-1]:
                out[y] = float(budget[known[-1]])      # beyond the file: its last year's budget
        return out
    return {y: float(budget) for y in years}


def _move_rules(base: pd.DataFrame):
    rules = exchange_rules()
    limits = rules["limits"]
    eligibility = rules.get("eligibility", {})
    kinds = tuple(dict.fromkeys(rules["kinds"].get("primary", []) + rules["kinds"].get("junior", [])))
    ok = base["ownership"].astype(str).isin(eligibility.get("ownership", ["公办"])) & \
        ~base["school_type"].astype(str).isin(eligibility.get("excluded_school_types", []))
    eligible = set(base.loc[ok, "school_id"].astype(str))
    return MoveRules(codes=kinds, max_per_school=int(min(limits["max_out_per_school_per_year"],
                                                         limits["max_in_per_school_per_year"])),
                     cost_per_move=MOVE_COST, max_out=int(limits["max_out_per_school_per_year"]),
                     max_in=int(limits["max_in_per_school_per_year"])), eligible


def _own(m, buys: dict) -> dict:
    ids = set(m.parts["school_id"].astype(str))
    sections = set(zip(m.parts["school_id"].astype(str), m.parts["part"]))
    return {s: a for s, a in buys.items() if (s[0] == "F" and s[1] in ids) or (s[0] == "T" and (s[1], s[2]) in sections)}


def _with_reasons(additions_by_year: dict, move_table: pd.DataFrame, pass_buys: dict, pass_moves: dict):
    """Every purchase and move with its reason (措施依据), by one rule: for each school, stage ("" for a
    school's facilities) and indicator, the amounts bought, earliest year first, are 达标必需 (``pass_required``)
    up to what the hard-only plan (the least cost to pass by the target year) buys of it in all; anything
    beyond is 年度目标 (``annual_target``: bought only for the plan's interim targets).  A row that straddles
    the limit is split in two, its cost in proportion.  Moves alike: teachers received by a school section of a
    kind, up to what the hard-only plan moves into it.  Returns (additions by year, moves), each row with
    ``reason``."""
    need: dict = {}
    for bought in pass_buys.values():
        for slot, amount in bought.items():
            key = (slot[1], "", slot[-1]) if slot[0] == "F" else (slot[1], slot[2], slot[-1])
            need[key] = need.get(key, 0.0) + float(amount)
    out = {}
    for y in sorted(additions_by_year):
        adds = additions_by_year[y]
        rows = []
        for r in adds.to_dict("records"):
            key = (str(r["school_id"]), r["stage"] or "", r["indicator"])
            rows += _split(r, "amount", need, key, per_unit=("cost_wan",))
        out[y] = pd.DataFrame(rows, columns=list(adds.columns)).reset_index(drop=True)
    received: dict = {}
    for t in pass_moves:
        for (sid, stage, c), net in pass_moves[t].items():
            if net > 0:
                received[(sid, stage, c)] = received.get((sid, stage, c), 0.0) + float(net)
    rows = []
    for r in move_table.sort_values("year", kind="stable").to_dict("records"):
        rows += _split(r, "count", received, (str(r["to_school_id"]), r["stage"], r["kind"]), per_unit=())
    moves = pd.DataFrame(rows, columns=[*MOVE_COLUMNS, "reason"])
    moves["count"] = moves["count"].astype("int64")
    return out, moves


def _split(row: dict, amount_key: str, need: dict, key, per_unit) -> list[dict]:
    """``row`` as one or two rows: the part within ``need[key]`` (used up) 达标必需, the rest 年度目标."""
    amount, left = float(row[amount_key]), need.get(key, 0.0)
    tol = 1e-6 * max(1.0, amount)
    if amount <= left + tol:
        need[key] = max(0.0, left - amount)
        return [dict(row, reason="pass_required")]
    if left <= tol:
        return [dict(row, reason="annual_target")]
    need[key] = 0.0
    pieces = []
    for part, why in ((left, "pass_required"), (amount - left, "annual_target")):
        piece = dict(row, reason=why)
        piece[amount_key] = part
        for column in per_unit:
            piece[column] = float(row[column]) * part / amount
        pieces.append(piece)
    return pieces


def _move_table(move_plan: dict, states) -> pd.DataFrame:
    """Net moves per year (received > 0, sent < 0) paired into from → to rows."""
    rows = []
    for t in sorted(move_plan):
        by = {}
        for (sid, stage, c), net in move_plan[t].items():
            by.setdefault((stage, c), {"in": [], "out": []})["in" if net > 0 else "out"].append([sid, abs(int(net))])
        for (stage, c), sides in sorted(by.items()):
            ins, outs = sides["in"], sides["out"]
            i = j = 0
            while i < len(ins) and j < len(outs):
                n = min(ins[i][1], outs[j][1])
                rows.append({"year": int(t), "kind": c, "stage": stage, "from_school_id": outs[j][0],
                             "to_school_id": ins[i][0], "count": int(n)})
                ins[i][1] -= n
                outs[j][1] -= n
                i += ins[i][1] == 0
                j += outs[j][1] == 0
    return pd.DataFrame(rows, columns=MOVE_COLUMNS)


def _schedule_table(additions_by_year, move_table, project_rows, statuses, base, start) -> pd.DataFrame:
    names = dict(zip(base["school_id"].astype(str), base["school_name"]))
    pieces = []
    for y, adds in sorted(additions_by_year.items()):
        if len(adds):
            pieces.append(adds.assign(year=y, action="purchase", from_school_id="", from_school_name="",
                                      to_school_id="", project_no=pd.NA))
    if len(move_table):
        from ..rules.standards import load_standard
        std = load_standard()
        mv = move_table.copy()
        pieces.append(pd.DataFrame({
            "year": mv["year"], "action": "move", "school_id": mv["to_school_id"],
            "school_name": mv["to_school_id"].map(names), "stage": mv["stage"], "indicator": mv["kind"],
            "name_zh": [std.indicator(k).name_zh for k in mv["kind"]],
            "column": [f"{k}_{s}" for k, s in zip(mv["kind"], mv["stage"])], "amount": mv["count"].astype(float),
            "unit_zh": "人", "cost_wan": 0.0, "reason": mv["reason"] if "reason" in mv else "pass_required",
            "from_school_id": mv["from_school_id"], "from_school_name": mv["from_school_id"].map(names).fillna(""),
            "to_school_id": mv["to_school_id"], "project_no": pd.NA}))
    if project_rows is not None and len(project_rows):
        rows = project_rows.reset_index(drop=True)
        for y, status in statuses.items():
            for idx, text in status:
                r = rows.iloc[idx]
                if int(r["completion_year"]) != y or not text.startswith("已计入"):
                    continue
                pieces.append(pd.DataFrame([{
                    "year": y, "action": "project", "school_id": str(r.get("target_id") or r["school_id"] or ""),
                    "school_name": r["school_name"], "stage": r["stage"] or "", "indicator": r["effect"],
                    "name_zh": str(r.get("project", "")), "column": PROJECT_COLUMNS.get(r["effect"], ""),
                    "amount": float(r["amount"]) if not pd.isna(r["amount"]) else 0.0, "unit_zh": "",
                    "cost_wan": 0.0, "reason": "project", "from_school_id": str(r.get("from_school_id") or ""),
                    "from_school_name": "", "to_school_id": "", "project_no": int(r["project_no"])}]))
    columns = ["year", "action", *ADDITION_COLUMNS, "from_school_id", "to_school_id", "project_no", "reason_zh",
               "from_school_name"]
    pieces = [p for p in pieces if len(p)]
    if not pieces:
        return pd.DataFrame(columns=columns)
    out = pd.concat(pieces, ignore_index=True)
    out["reason_zh"] = out["reason"].map(REASON_ZH).fillna(out["reason"])
    out = out[columns]
    order = {"project": 0, "move": 1, "purchase": 2}
    return out.sort_values(["year", "action", "school_id", "indicator"], key=lambda s: s.map(order) if s.name == "action"
                           else s, kind="stable").reset_index(drop=True)


def _years_table(years, results, additions_by_year, move_table, budgets, project_rows) -> pd.DataFrame:
    rows = []
    first_rows = project_rows.groupby("project_no").first() if project_rows is not None and len(project_rows) else None
    for y in years:
        r = results[y]
        adds = additions_by_year.get(y)
        cv_fail = int((~r.indicators["cv_pass"].fillna(False).astype(bool)).sum())
        rule_fail = int((~r.parts["passes_school_rule"].fillna(False).astype(bool)).sum())
        moved = int(move_table.loc[move_table["year"] == y, "count"].sum()) if len(move_table) else 0
        rows.append({"year": y, "spend_wan": float(adds["cost_wan"].sum()) if adds is not None and len(adds) else 0.0,
                     "budget_wan": budgets.get(y, np.nan), "teachers_moved": moved,
                     "cvs_beyond_limit": cv_fail, "parts_failing_rule": rule_fail, "parts": int(len(r.parts)),
                     "students": int(r.parts["students"].sum()), "passes": county_passes(r),
                     "project_budget_wan": float(first_rows.loc[first_rows["completion_year"] == y, "budget_wan"].sum())
                     if first_rows is not None else 0.0})
    out = pd.DataFrame(rows)
    out["cumulative_wan"] = out["spend_wan"].cumsum()
    return out


def _cv_table(results, first=None) -> pd.DataFrame:
    """Per year, stage and indicator: the re-evaluated CV (``basis`` "roadmap"); the data year's own CVs
    first (``basis`` "data")."""
    pieces = []
    items = ([(first.year, first, "data")] if first is not None else []) + [(y, r, "roadmap") for y, r in results.items()]
    for y, r, basis in items:
        ind = r.indicators[["stage", "indicator", "cv", "cv_limit", "cv_comparison", "cv_pass"]].copy()
        ind.insert(0, "year", y)
        ind.insert(1, "basis", basis)
        ind["name_zh"] = [r.standard.indicator(c).name_zh for c in ind["indicator"]]
        pieces.append(ind)
    return pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame()


def _target_table(targets, results) -> pd.DataFrame:
    rows = []
    for t in targets:
        r = results.get(t["year"])
        actual = measure(t["metric"], t["stage"], r).value if r is not None else None
        met = None if actual is None else bool(compare(actual, t["target"], t["direction"]))
        rows.append({"year": t["year"], "item_no": t["item_no"], "item": t["item"], "metric": t["metric"],
                     "stage": t["stage"], "direction": t["direction"], "target": t["target"], "actual": actual,
                     "met": met})
    return pd.DataFrame(rows, columns=["year", "item_no", "item", "metric", "stage", "direction", "target", "actual",
                                       "met"])


def _project_table(project_rows, statuses, start) -> pd.DataFrame:
    columns = ["project_no", "project", "school_name", "effect", "amount", "completion_year", "budget_wan", "status"]
    if project_rows is None or not len(project_rows):
        return pd.DataFrame(columns=columns)
    rows = project_rows.reset_index(drop=True)
    status = {}
    for _, items in statuses.items():
        for idx, text in items:
            status[idx] = text
    out = rows[[c for c in columns if c in rows.columns and c != "status"]].copy()
    out["status"] = [status.get(i, f"{start}年及以前完成，视为已反映在数据中" if int(rows.iloc[i]["completion_year"]) <= start
                                else "在本期之后完成，未计入")
                     for i in range(len(rows))]
    return out


def stage_zh(stage: str) -> str:
    return STAGE_ZH.get(stage, "全校" if not stage else stage)
