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

The schedule is one mixed-integer second-order-cone program (:mod:`junyun_lib.planning.optimiser`) over all
years: in the target year every CV within its limit and every school part passing the per-school rule; in
every year the plan's annual targets for the resource indicators (``indicator_share``, ``school_rule_share``,
``max_cv``) met where possible (a shortfall is allowed at a penalty far above any cost); each year's spend
within its budget when one is given.  Among plans of equal cost the earliest spending is chosen (a tie-break
of 10⁻⁶ per year).  Every year is then applied to the raw rows and re-evaluated by the official evaluation
(``verified``); the tables report the re-evaluated numbers.

When the target cannot be reached within the budget, the roadmap says so, gives the earliest year in which
the budget reaches a pass and the uniform yearly budget that would reach the target year.
"""
from __future__ import annotations

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
from ..measures.cv import weighted_cv
from ..problems import Problem, ValidationError
from ..rules import REL_TOL, compare
from ..rules.schema import STAGE_ZH
from .cheapest import (ADDITION_COLUMNS, EPS, MARGIN, _Buy, _model, _require_school_standards, apply_additions,
                       buy_additions, county_passes, heuristic_buy, naive_plan)
from .enrolment import project_enrolment
from .exchange import apply_moves, check_moves, exchange_rules
from .metrics import measure
from .optimiser import (TIME_LIMIT, Certificate, MoveRules, YearState, buy_to_buys, buys_to_buy, solve_states,
                        solver_available, solver_name)

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
             "先于新增）和最低成本补充（当年购置、以后各年累计），用一个多年度混合整数二阶锥规划（SCIP）求解：目标年度所有差异系数"
             "在限值内、所有学校达到校级规则；各年度推进计划目标尽量达到（未达到时计大额罚分）；给定预算时每年支出不超过预算；"
             "同等成本下尽早实施。每一年的方案都加回原始数据，用正式评估口径重新评估核验。")


@dataclass
class Roadmap:
    """A year-by-year schedule to pass by the target year (达标路线图).  Amounts in raw units, costs in 万元.

    * ``schedule`` — one row per year and action: ``year, action`` (``purchase`` | ``move`` | ``project``),
      the school, stage, indicator, raw ``column``, ``amount``, ``unit_zh``, ``cost_wan``, ``reason``,
      ``from_school_id`` / ``to_school_id`` (moves), ``project_no`` (projects)
    * ``years_table`` — per year: spend, budget, moves, CVs beyond their limit, failing school parts, whether
      the county passes, projects' budgets completing that year (all from the re-evaluation)
    * ``cvs`` — per year, stage and indicator: the re-evaluated CV, its limit, pass
    * ``targets`` — per year and plan item steered: target, re-evaluated actual, met
    * ``results`` — year → re-evaluated :class:`~junyun_lib.evaluation.evaluate.CountyResult`
    * ``feasible`` — the target year passes (re-evaluated); ``earliest_year`` and ``budget_needed`` when it
      does not within the budget
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

    def summary_zh(self) -> str:
        """The roadmap in a few sentences (Chinese, plain text)."""
        span = f"{self.years[0]}—{self.years[-1]}年" if len(self.years) > 1 else f"{self.years[0]}年"
        lines = [f"{self.county} 达标路线图（{self.start_year}年数据 → {self.target_year}年达标，安排 {span}）"]
        if self.feasible:
            lines.append(f"按此路线图，{self.target_year}年各项差异系数均在限值内、所有学校达到校级规则（已按正式口径逐年重新评估核验）。")
        else:
            lines.append(f"在给定预算内无法于{self.target_year}年达标：{self.infeasible_reason}")
            if self.earliest_year:
                lines.append(f"按此预算最早可于 {self.earliest_year} 年达标。")
            if self.budget_needed is not None:
                lines.append(f"要在{self.target_year}年达标，每年预算至少约 {self.budget_needed:,.1f} 万元。")
        moves = int(self.schedule.loc[self.schedule["action"] == "move", "amount"].sum()) if len(self.schedule) else 0
        lines.append(f"新增投入合计 {self.total_cost:,.1f} 万元；教师交流 {moves} 人次（不计成本）；"
                     f"对比：现在逐校补足到标准约 {self.naive_cost:,.1f} 万元" + (
                         f"（按{self.target_year}年预测在校生约 {self.naive_target_cost:,.1f} 万元）"
                         if self.target_year > self.start_year else "") + "，" + (
                         f"县里已列项目预算 {self.project_budget:,.1f} 万元（其中本期内完成 "
                         f"{self.project_budget_horizon:,.1f} 万元，另计）。" if len(self.projects)
                         else "本县区未提供项目清单（projects.csv）。"))
        lines.append(self.certificate.text_zh())
        return "\n".join(lines)


# -------------------------------------------------------------------------------------- year frames
def year_frame(base: pd.DataFrame, year: int, start_year: int, enrolment: pd.DataFrame | None,
               projects: pd.DataFrame | None, standard=None) -> tuple[pd.DataFrame, list]:
    """The latest data year's rows carried to ``year``: projected students, projects completed after the
    latest data year and by ``year``.  Returns (rows, [(project row index, status)])."""
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
    status = []
    if projects is None or not len(projects):
        return frame, status
    rows = projects.reset_index(drop=True)
    later = (rows["completion_year"] > start_year) & (rows["completion_year"] <= year)
    # new schools first (students may move to them)
    for idx in np.flatnonzero(later & (rows["effect"] == "new_school")):
        r = rows.iloc[idx]
        sid = str(r["school_id"] or "").strip()
        if not sid:
            status.append((idx, "未对应学校数据（无学校标识码），学位未计入测算"))
            continue
        if sid in set(frame["school_id"].astype(str)):
            status.append((idx, "学校已在数据中"))
            continue
        frame = pd.concat([frame, pd.DataFrame([_new_school_row(base, r, year)])], ignore_index=True)
        status.append((idx, "已计入（新建学校，按转入学生和办学标准配置）"))
    ids = frame["school_id"].astype(str)
    for idx in np.flatnonzero(later & (rows["effect"] != "new_school")):
        r = rows.iloc[idx]
        effect, sid = r["effect"], str(r["school_id"] or "").strip()
        if effect == "not_stated":
            status.append((idx, "效果未注明，未计入测算"))
            continue
        if not sid or sid not in set(ids):
            status.append((idx, "未对应学校数据，未计入测算"))
            continue
        hit = (ids == sid).to_numpy()
        amount = float(r["amount"])
        if effect in PROJECT_COLUMNS:
            column = PROJECT_COLUMNS[effect]
            frame[column] = frame[column].astype(float)
            frame.loc[hit, column] = frame.loc[hit, column] + amount
        elif effect == "hire_teachers":
            column = f"teachers_{r['stage']}"
            if column not in frame:
                status.append((idx, "学校数据无专任教师数列，未计入（招聘的教师不计入资源配置的三项教师指标，原文未注明类别）"))
                continue
            frame.loc[hit, column] = frame.loc[hit, column].astype(float) + amount
        elif effect == "move_students":
            column = f"students_{r['stage']}"
            source = str(r["from_school_id"] or "").strip()
            frame.loc[hit, column] = frame.loc[hit, column] + int(amount)
            if source in set(ids):
                out = (ids == source).to_numpy()
                frame.loc[out, column] = np.maximum(frame.loc[out, column] - int(amount), 0)
        status.append((idx, "已计入"))
    # a new school's facilities and teachers: to the standard for the students it has received
    for idx in np.flatnonzero(later & (rows["effect"] == "new_school")):
        sid = str(rows.iloc[idx]["school_id"] or "").strip()
        if sid and standard is not None:
            frame = _equip_new_school(frame, sid, standard)
    return frame, status


def _new_school_row(base: pd.DataFrame, r, year: int) -> dict:
    row = {c: (0 if pd.api.types.is_numeric_dtype(base[c]) else "") for c in base.columns}
    row.update(school_id=str(r["school_id"]).strip(), school_name=str(r["school_name"] or r["school_id"]),
               county=base["county"].iloc[0], year=int(year),
               school_type=NEW_SCHOOL_TYPE.get(str(r["stage"] or ""), "九年一贯制学校"), urban_rural="城区",
               ownership="公办", built_year=int(r["completion_year"]), source_file="projects.csv",
               source_sheet="", source_row=0)
    return row


def _equip_new_school(frame: pd.DataFrame, sid: str, standard) -> pd.DataFrame:
    from ..evaluation.splitting import stage_shares

    hit = (frame["school_id"].astype(str) == sid).to_numpy()
    row = frame[hit]
    shares = stage_shares(row).iloc[0]
    for ind in standard.indicators:
        std = ind.standard or {}
        if ind.numerator_kind == "section":
            for stage in ("primary", "junior"):
                n = float(row[f"students_{stage}"].iloc[0])
                if n > 0 and stage in std:
                    frame.loc[hit, ind.numerator_column(stage)] = math.ceil(std[stage] * n / ind.scale - 1e-9)
        else:
            need = 0.0
            for stage in ("primary", "junior"):
                n, share = float(row[f"students_{stage}"].iloc[0]), float(shares[f"share_{stage}"])
                if n > 0 and share > 0 and stage in std:
                    need = max(need, std[stage] * n / ind.scale / share)
            frame.loc[hit, ind.numerator] = math.ceil(need - 1e-9) if ind.shortfall_integer else need
    frame.loc[hit, "music_rooms"] = 1
    frame.loc[hit, "art_rooms"] = 1
    frame.loc[hit, "music_room_min_area_m2"] = 96
    frame.loc[hit, "art_room_min_area_m2"] = 90
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
    buy = _Buy.zeros(m)
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
                b = _rule_only(m, numer, one)
                costs.append((b.cost(m), i, b))
            for _, i, b in sorted(costs, key=lambda x: x[0])[:short]:
                buy.section = np.maximum(buy.section, b.section)
                buy.facility = np.maximum(buy.facility, b.facility)
    return buy


def _rule_only(m, numer, failing):
    from .cheapest import _rule_step
    return _rule_step(m, numer, failing)


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
        if st.hard:
            from .cheapest import _rule_step, _cv_step
            values = m.values(numer)
            meets = values >= m.standard * (1 - REL_TOL)
            floor_ok = values >= m.standard * m.floor * (1 - REL_TOL)
            failing = ~((meets.sum(axis=1) >= m.min_meeting) & floor_ok.all(axis=1))
            rule = _rule_step(m, numer, failing)
            cv = _cv_step(m, numer + m.delivered(rule), exact_limit)
            buy = rule + cv
        else:
            values = m.values(numer)
            meets = values >= m.standard * (1 - REL_TOL)
            floor_ok = values >= m.standard * m.floor * (1 - REL_TOL)
            failing = ~((meets.sum(axis=1) >= m.min_meeting) & floor_ok.all(axis=1))
            buy = _greedy_targets(m, numer, st.targets, failing)
        for slot, amount in buy_to_buys(m, buy).items():
            needs.append((slot, amount, st.year))
            cumulative[slot] = cumulative.get(slot, 0.0) + amount
    del target_state
    ref = states[-1].model
    return _schedule_warm(needs, years, budgets, ref.unit_cost, ref.integer)


def _buys_on(m, cumulative: dict) -> _Buy:
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
    """The roadmap of one county (see the module docstring).

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
    county, start = _county_and_start(evaluation, county, start_year)
    first = evaluation.county(county, start)
    _require_school_standards(first)
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
    targets_all = plan_targets(plan, all_years)
    models = {y: _model(results_all[y], cost_table) for y in all_years}

    def states_to(last: int):
        years_ = [y for y in all_years if y <= last]
        out = []
        for y in years_:
            r = results_all[y]
            failing = ~r.parts["passes_school_rule"].fillna(False).astype(bool).to_numpy()
            out.append(YearState(y, models[y], hard=(y == last), failing=failing,
                                 targets=[t for t in targets_all if t["year"] == y]))
        return years_, out

    years, states = states_to(target)
    frames = {y: frames_all[y] for y in years}
    statuses = {y: statuses_all[y] for y in years}
    targets = [t for t in targets_all if t["year"] in years]
    enrolment = enrolment_all[enrolment_all["year"].isin(years)] if enrolment_all is not None else None
    move_rules, eligible = _move_rules(base) if moves and target > start else (None, None)
    if move_rules is not None:
        move_rules.eligible = eligible
        notes.append("教师交流：每校每年调出、调入各不超过 "
                     f"{move_rules.max_out}、{move_rules.max_in} 人，调出学校保持达标，同类教师在同一学段内交流"
                     "（rules/exchange.toml，可按本县交流轮岗方案修改）。")
    naive = naive_plan(_model(first, cost_table))
    naive_cost = float(naive["cost_wan"].sum()) if len(naive) else 0.0
    naive_target = naive_plan(states[-1].model)
    naive_target_cost = float(naive_target["cost_wan"].sum()) if len(naive_target) else 0.0
    penalty = max(10.0 * naive_cost, 1000.0)
    solver_ok = use_solver and solver_available()
    solver = _Solver(move_rules, margin, penalty, time_limit) if solver_ok else None

    def plan_for(states_, years_, budgets_):
        """(buys, moves, feasible, certificate, cost lower bound) for one horizon."""
        if solver is None:          # the heuristic: greedy moves, then the cheapest additions on top
            moved = greedy_moves(states_, years_, move_rules) if move_rules is not None else {}
            warm, fits = warm_schedule(states_, years_, budgets_, moves=moved)
            reason = "未使用求解器" if not use_solver else "未安装 PySCIPOpt"
            return warm, moved, fits, Certificate("heuristic", None, None, None, 0.0, margin, solver_name(),
                                                  time_limit, reason=reason), None
        return solver.solve(states_, years_, budgets_)

    buys, move_plan, feasible, cert, lower = plan_for(states, years, budgets)
    earliest, needed, needed_cert, reason = None, None, None, ""
    if not feasible:
        if cert.status == "infeasible":
            reason = "求解器证明在此预算下不存在可行方案"
        elif lower is not None and budgets and lower > sum(budgets.values()) * (1 + 1e-9):
            reason = (f"达标的最低成本至少 {lower:,.1f} 万元，超过期内预算合计 {sum(budgets.values()):,.1f} 万元")
        else:
            reason = "在时限内未找到不超预算的方案（未能证明不可行）"
        if budgets and solver is not None:
            needed, needed_cert = solver.uniform_budget(states, years)
            notes.append(f"按期达标所需的每年预算：{needed_cert.text_zh()}")
        if searching:
            for last in range(target + 1, last_max + 1):
                y2, st2 = states_to(last)
                b2 = _budgets(budget, start, last)
                _, _, ok, _, _ = plan_for(st2, y2, b2)
                if ok:
                    earliest = last
                    break
    # ---- verify: every year applied to the raw rows and re-evaluated
    additions_by_year = {}
    for st in states:
        additions_by_year[st.year] = buy_additions(st.model, buys_to_buy(st.model, _own(st.model, buys.get(st.year, {}))),
                                                   _reasons_for(st, buys.get(st.year, {})))
    move_table = _move_table(move_plan, states)
    checked_frames, problems = _apply_schedule(frames, years, additions_by_year, move_table, first.standard)
    results = evaluate_years(evaluation, county, checked_frames)
    passes = county_passes(results[years[-1]])
    verified = passes if feasible else True
    schedule = _schedule_table(additions_by_year, move_table, project_rows, statuses, base, start)
    years_table = _years_table(years, results, additions_by_year, move_table, budgets, project_rows)
    cvs = _cv_table(results, first)
    target_table = _target_table(targets, results)
    project_table = _project_table(project_rows, statuses, start)
    total = float(sum(a["cost_wan"].sum() for a in additions_by_year.values() if len(a)))
    proj_total = float(project_rows["budget_wan"].sum()) if project_rows is not None and len(project_rows) else 0.0
    if project_rows is not None and len(project_rows):
        first_rows = project_rows.groupby("project_no").first()
        horizon_budget = float(first_rows.loc[first_rows["completion_year"].isin(years), "budget_wan"].sum()) \
            if start < target else 0.0
    else:
        horizon_budget = 0.0
    if project_rows is not None and len(project_rows) and (project_rows["effect"] == "new_school").any():
        notes.append("新建学校：只有写明学校标识码、并有学生转入（move_students）的才计入；其教师和设施假定按办学标准配置。")
    if target > start:
        notes.append("各年度在校生数为预测值（阻尼线性趋势，可用 enrolment_overrides.csv 修正）；"
                     f"{start}年及以前完成的项目视为已反映在{start}年数据中。")
    notes.append("单位成本为 rules/unit_costs.csv 的示例值（或 --costs 指定），各项按购置当年一次计入；预算只约束新增补充，"
                 "县里已列项目另有资金来源。")
    if not feasible and not reason:
        reason = "目标年度未能达标"
    return Roadmap(
        county=county, start_year=start, target_year=target, years=years, schedule=schedule,
        years_table=years_table, cvs=cvs, targets=target_table, projects=project_table,
        enrolment=enrolment if enrolment is not None else pd.DataFrame(), results=results, certificate=cert,
        total_cost=total, naive_cost=naive_cost, naive_target_cost=naive_target_cost, project_budget=proj_total, project_budget_horizon=horizon_budget,
        budgets=budgets, feasible=bool(feasible and passes), verified=bool(verified), earliest_year=earliest,
        budget_needed=needed, infeasible_reason=reason if not (feasible and passes) else "",
        move_problems=problems, notes=notes, synthetic=bool(evaluation.synthetic), warnings=warnings)


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


class _Solver:
    """The solves of a roadmap: (1) the least cost to pass in the last year with moves, no budget and no plan
    targets — its dual bound is a lower bound on any plan's cost; (2) with budgets and plan targets, warm-started
    with (1) rescheduled into the budgets (earliest first)."""

    def __init__(self, move_rules, margin, penalty, time_limit):
        self.moves, self.margin, self.penalty, self.time_limit = move_rules, margin, penalty, time_limit
        self._least: dict = {}

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
        if solution is None:
            return warm, moves if getattr(program, "warm_accepted", False) else {}, cert, lower
        return solution.buys, solution.moves, cert, lower

    def solve(self, states, years, budgets):
        try:
            buys1, moves1, cert1, lower = self.least_cost(states, years)
        except Exception as exc:  # noqa: BLE001 — the heuristic schedule stands
            warm, fits = warm_schedule(states, years, budgets)
            return warm, {}, fits, Certificate("heuristic", None, None, None, 0.0, self.margin, solver_name(),
                                               self.time_limit, reason=f"求解器出错：{type(exc).__name__}: {exc}"), None
        has_targets = any(s.targets for s in states)
        if not budgets and not has_targets:
            ok = cert1.status in ("optimal", "gap")
            if not ok:
                cert1.status = "heuristic"
            return buys1, moves1, True, cert1, lower
        if budgets and lower is not None and lower > sum(budgets.values()) * (1 + 1e-6) + 1e-6:
            cert = Certificate("infeasible", None, lower, None, cert1.seconds, self.margin, cert1.solver,
                               self.time_limit, cert1.nodes, reason="达标的最低成本（求解器下界）超过期内预算合计")
            return {}, {}, False, cert, lower
        needs = [(slot, amount, years[-1]) for t in sorted(buys1) for slot, amount in buys1[t].items()]
        ref = states[-1].model
        placed, fits = _schedule_warm(needs, years, budgets, ref.unit_cost, ref.integer)
        solution, program = self._run(states, years, budgets, placed if fits else None, moves1 if fits else None)
        if solution is None:
            cert = program.certificate
            if fits:                      # the rescheduled least-cost plan is within the budget: keep it
                cert.status, cert.reason = "heuristic", cert.reason or "求解器未给出可核验的方案，采用按预算重排的最低成本方案"
                return placed, moves1, True, cert, lower
            return {}, {}, False, cert, lower
        return solution.buys, solution.moves, True, solution.certificate, lower

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


def _restricted(rules, eligible):
    if rules is None:
        return None
    rules.eligible = eligible
    return rules


def _own(m, buys: dict) -> dict:
    ids = set(m.parts["school_id"].astype(str))
    sections = set(zip(m.parts["school_id"].astype(str), m.parts["part"]))
    return {s: a for s, a in buys.items() if (s[0] == "F" and s[1] in ids) or (s[0] == "T" and (s[1], s[2]) in sections)}


def _reasons_for(st, buys: dict) -> dict:
    return {(s[1], "" if s[0] == "F" else s[2], s[-1]): ("target_year" if st.hard else "annual_target")
            for s in buys}


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
    return pd.DataFrame(rows, columns=["year", "kind", "stage", "from_school_id", "to_school_id", "count"])


def _schedule_table(additions_by_year, move_table, project_rows, statuses, base, start) -> pd.DataFrame:
    names = dict(zip(base["school_id"].astype(str), base["school_name"]))
    pieces = []
    for y, adds in sorted(additions_by_year.items()):
        if len(adds):
            pieces.append(adds.assign(year=y, action="purchase", from_school_id="", to_school_id="", project_no=pd.NA))
    if len(move_table):
        from ..rules.standards import load_standard
        std = load_standard()
        mv = move_table.copy()
        pieces.append(pd.DataFrame({
            "year": mv["year"], "action": "move", "school_id": mv["to_school_id"],
            "school_name": mv["to_school_id"].map(names), "stage": mv["stage"], "indicator": mv["kind"],
            "name_zh": [std.indicator(k).name_zh for k in mv["kind"]],
            "column": [f"{k}_{s}" for k, s in zip(mv["kind"], mv["stage"])], "amount": mv["count"].astype(float),
            "unit_zh": "人", "cost_wan": 0.0, "reason": "exchange", "from_school_id": mv["from_school_id"],
            "to_school_id": mv["to_school_id"], "project_no": pd.NA}))
    if project_rows is not None and len(project_rows):
        rows = project_rows.reset_index(drop=True)
        for y, status in statuses.items():
            for idx, text in status:
                r = rows.iloc[idx]
                if int(r["completion_year"]) != y or not text.startswith("已计入"):
                    continue
                pieces.append(pd.DataFrame([{
                    "year": y, "action": "project", "school_id": str(r["school_id"] or ""),
                    "school_name": r["school_name"], "stage": r["stage"] or "", "indicator": r["effect"],
                    "name_zh": str(r.get("project", "")), "column": PROJECT_COLUMNS.get(r["effect"], ""),
                    "amount": float(r["amount"]) if not pd.isna(r["amount"]) else 0.0, "unit_zh": "",
                    "cost_wan": 0.0, "reason": "project", "from_school_id": str(r.get("from_school_id") or ""),
                    "to_school_id": "", "project_no": int(r["project_no"])}]))
    columns = ["year", "action", *ADDITION_COLUMNS, "from_school_id", "to_school_id", "project_no"]
    if not pieces:
        return pd.DataFrame(columns=columns)
    out = pd.concat([p for p in pieces if len(p)], ignore_index=True)[columns]
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
