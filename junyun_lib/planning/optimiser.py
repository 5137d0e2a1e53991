"""The optimiser with a certificate (带最优性证明的最低成本方案): a mixed-integer second-order-cone program
solved by SCIP (through PySCIPOpt), warm-started with the heuristic of :mod:`junyun_lib.planning.cheapest`.

**Variables** — what a county buys, per purchase year ``t``: whole teachers of each school section and
teacher indicator (高于规定学历、骨干、体育艺术; integer), whole multimedia classrooms per school (integer), m² of
teaching/auxiliary and sports area and 元 of equipment per school (continuous).  A facility bought for a
mixed school reaches its parts in proportion to their split shares (the national 有关事项说明（五）): what is
bought for one part is shared with the other.  Teacher moves (roadmap only) are integer numbers sent and
received per school section, kind and year, conserved per stage and kind.

**Values** — with ``N`` the part's quantity in that year (data, projected enrolment, projects), ``P`` its
students, ``s`` its split share and ``std`` its standard, a part's value divided by its standard is
linear in the variables::

    u = (N + Σ_{t ≤ year} teachers_t  [or s · Σ_{t ≤ year} facility_t]) · scale / (P · std)

**Constraints** (in every year that must pass, the target year):

* per-school rule, each part that fails without purchases: binaries ``z_k`` (indicator k is the exempt one),
  ``Σ_k z_k ≤ 7 − min_meeting`` and ``u_k ≥ 1 − (1 − floor) · z_k`` — the exemption of both parts of a mixed
  school is chosen jointly with the school's shared facilities, because both parts read the same facility
  variable;
* every difference coefficient within its limit, as a second-order cone.  With ``p_i = P_i / P`` and the
  stage mean ``m = Σ p_i u_i`` (linear), ``CV ≤ L`` is ``sqrt(Σ_i p_i (u_i − m)²) ≤ L · m``: auxiliary
  ``d_i = sqrt(p_i) (u_i − m)`` and the cone ``‖d‖₂ ≤ L' · m``, with ``L' = L · (1 − margin)`` (default
  margin 10⁻⁶, stated in the certificate) so a plan never passes "< 0.27" by rounding;
* a year's spend within its budget, plan targets (soft, penalised), teacher-move limits (roadmap).

**Objective** — Σ amount × unit cost (万元, :mod:`junyun_lib.io.costs`).

**Certificate** — SCIP's primal bound (the plan) and dual bound (no plan can cost less):
``gap = (plan − bound) / bound`` (against the bound, so "不超过 x%" reads as "the plan costs at most x% more than
the least possible"), reported as "与理论下界相差不超过 x%"; 0 when SCIP proves optimality.  A program whose
objective holds more than the cost (a roadmap's tie-breaks and target penalties) is turned into a certificate of
the cost alone by :func:`cost_certificate`; "证明为最低成本" only when that gap is at most :data:`GAP_TOLERANCE`.
After the solve, integers are rounded, continuous purchases are raised to the exact need of each rule
constraint (solver tolerance), the CVs are recomputed with :mod:`junyun_lib.measures.cv`, and — outside this
module — every plan is applied to the raw rows and re-evaluated by :func:`junyun_lib.evaluation.evaluate`.
If the solver is not installed, fails, or finds no plan within its time limit, the heuristic plan is used
and says so (no bound).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..io.costs import load_unit_costs
from ..measures.cv import weighted_cv
from ..rules import REL_TOL, compare
from .cheapest import (PathPlan, buy_additions, county_passes, evaluate_with_additions, finish_plan,
                       cheapest_path)
from .model import EPS, MARGIN, Model, Purchase, build_model, require_school_standards

#: how the cone is written for SCIP: "quad" (Σ d² ≤ (L′m)², m ≥ 0; SCIP recognises the second-order cone) or
#: "sqrt" (√Σ d² ≤ L′m); "quad" found better plans sooner on the samples
CONE_FORM = "quad"
#: a CV below this share of its limit before any purchase is left out of the program and checked after the
#: solve; a plan that pushes it over its limit is solved again with its cone (the bound stays valid: a program
#: with fewer constraints can only cost less)
LAZY_RATIO = 0.85
#: default time limit of one solve, seconds
TIME_LIMIT = 20.0
#: a relative gap (plan − bound) / bound at or below this is 0 "within the solver's tolerance": SCIP's own
#: optimality test is relative at 10⁻⁹ and its feasibility tolerance is set to 10⁻⁷ (below), so a plan within
#: 10⁻⁶ of its bound is as least as the solver can tell
GAP_TOLERANCE = 1e-6
METHOD_ZH = ("混合整数二阶锥规划（SCIP 求解）：教师、多媒体教室取整数，面积、设备值取连续量，设施按学校购置并按拆分比例由一贯制学校"
             "两个学段共享；每个学段部分“至少6项达标、余项不低于85%”以0-1变量表示（一贯制学校两个学段联合选择）；每项差异系数"
             "写成二阶锥约束 √(Σp(x−x̄)²) ≤ L′·x̄，L′ 比限值低 0.0001%；以启发式方案为初始解，报告与理论最低成本的差距；"
             "方案加回原始数据重新评估核验。")


def solver_available() -> bool:
    """True when PySCIPOpt (with its bundled SCIP) can be imported."""
    try:
        import pyscipopt  # noqa: F401
    except Exception:  # noqa: BLE001 — any import problem means: no solver
        return False
    return True


def solver_name() -> str:
    try:
        import pyscipopt
        m = pyscipopt.Model()
        return f"SCIP {m.version()} (PySCIPOpt {pyscipopt.__version__})"
    except Exception:  # noqa: BLE001
        return "SCIP（未安装）"


@dataclass
class Certificate:
    """How far a plan can be from the least possible cost (最优性证明).

    * ``status`` — ``optimal`` (SCIP proved it), ``gap`` (time limit reached with a plan: bounded by ``gap``),
      ``heuristic`` (no solver plan: the heuristic's, no bound), ``infeasible`` (SCIP proved no plan exists),
      ``not_found`` (a roadmap's horizon: no plan within the budget found in time, none proved impossible)
    * ``gap`` — (plan − dual bound) / dual bound; 0 when proven optimal; None without a bound (or a bound of 0
      under a plan that costs more)
    * ``dual_bound`` / ``primal_bound`` — SCIP's bounds on the objective (万元).  In a one-year plan the objective
      is the cost; a roadmap's certificates (:func:`cost_certificate`) hold the plan's cost and a lower bound on
      the cost alone
    * ``margin`` — the relative margin kept below every CV limit
    """

    status: str
    gap: float | None
    dual_bound: float | None
    primal_bound: float | None
    seconds: float
    margin: float
    solver: str
    time_limit: float
    nodes: int = 0
    reason: str = ""
    build_seconds: float = 0.0          # building the program in Python (before SCIP starts)
    #: the share of the gap that is only the objective's tie-breaks (a roadmap's early spending, 10⁻⁶ per year,
    #: and 1 元 per teacher moved): a plan SCIP proved optimal for its objective is at most this far from the
    #: least cost, so a gap up to GAP_TOLERANCE + allowance counts as 0
    allowance: float = 0.0

    @property
    def proven_optimal(self) -> bool:
        return self.status == "optimal"

    @property
    def proven_least(self) -> bool:
        """证明为最低成本: the gap against the bound is 0 within :data:`GAP_TOLERANCE`."""
        return self.status == "optimal" or (self.gap is not None and self.gap <= GAP_TOLERANCE + self.allowance)

    def cost_dict(self) -> dict:
        """The certificate of a cost as the roadmap JSON gives it (``pass_cost`` / ``with_targets``)."""
        return {"cost_wan": self.primal_bound, "lower_bound_wan": self.dual_bound, "gap": self.gap,
                "proven_least": bool(self.proven_least), "status": self.status, "text_zh": self.text_zh()}

    def text_zh(self) -> str:
        """The certificate in one sentence (Chinese)."""
        # the safety margin in words for a leader (1e-06 → "比限值低 0.0001%"), not the solver's notation
        margin = f"差异系数按比限值低 {self.margin:.4%} 掌握" if self.margin else "差异系数按限值掌握"
        if (self.status == "optimal" or self.proven_least) and self.gap is not None and self.gap > GAP_TOLERANCE:
            # proved optimal for an objective with tie-breaks: say what separates the plan from its bound
            return (f"已由 {self.solver} 证明为最低成本（与理论下界 {self.dual_bound:,.1f} 万元相差不超过 {_pct(self.gap)}，"
                    f"只来自“同等成本下尽早实施、不做无用的教师交流”的排序项；{margin}）。")
        if self.status == "optimal" or (self.status == "gap" and self.proven_least):
            return f"已由 {self.solver} 证明为最低成本（与理论最低成本相差 0%；{margin}）。"
        if self.status == "gap" and self.gap is None and self.dual_bound is None:
            return (f"{self.solver} 在 {self.time_limit:g} 秒时限内尚未得到下界，方案为启发式初始解或其改进，最优性差距未知"
                    f"（{margin}）。")
        if self.status == "gap" and self.gap is None:        # a bound of 0 under a plan that costs more
            return (f"{self.solver} 在 {self.time_limit:g} 秒时限内求得，理论下界为 0 万元，无法给出相对差距"
                    f"（{margin}）。")
        if self.status == "gap":
            return (f"{self.solver} 在 {self.time_limit:g} 秒时限内求得，与理论下界相差不超过 {_pct(self.gap)}"
                    f"（下界 {self.dual_bound:,.1f} 万元，差距按（方案成本 − 下界）÷ 下界计；{margin}）。")
        if self.status == "infeasible":
            return f"{self.solver} 证明在给定条件下不存在可行方案。"
        if self.status == "not_found":
            return f"{self.solver} 在 {self.time_limit:g} 秒时限内未找到满足条件的方案（也未能证明不存在）。"
        return f"启发式方案，无最优性界（{self.reason or '未使用求解器'}）。"

    def to_dict(self) -> dict:
        return {"status": self.status, "gap": self.gap, "dual_bound": self.dual_bound,
                "primal_bound": self.primal_bound, "seconds": round(self.seconds, 3),
                "build_seconds": round(self.build_seconds, 3), "margin": self.margin,
                "solver": self.solver, "time_limit": self.time_limit, "nodes": self.nodes, "reason": self.reason,
                "proven_least": bool(self.proven_least), "allowance": self.allowance, "text_zh": self.text_zh()}


def relative_gap(plan: float, bound: float | None) -> float | None:
    """(plan − bound) / bound, the share by which the plan may exceed the least possible cost; 0 when the plan
    is at its bound (within 10⁻⁹ 万元), None without a bound or with a bound of 0 under a dearer plan.

    Examples
    --------
    >>> round(relative_gap(120.1, 100.0), 6), relative_gap(5.0, 5.0), relative_gap(3.0, 0.0), relative_gap(3.0, None)
    (0.201, 0.0, None, None)
    """
    if bound is None:
        return None
    if plan - bound <= 1e-9:
        return 0.0
    if bound <= 1e-12:
        return None
    return (plan - bound) / bound


def cost_certificate(program_certificate: Certificate | None, cost: float, lower: float | None, *,
                     status: str | None = None, reason: str = "", tie_break: float = 0.0,
                     tie_share: float = 0.0) -> Certificate:
    """A certificate of a plan's cost alone (万元): ``primal_bound`` = the plan's cost, ``dual_bound`` = a lower
    bound on the cost of any plan with the same requirements (clamped to the plan's cost, which it can exceed
    only by the solver's tolerance), ``gap`` against the bound.  The solver, times and margin are those of the
    solve that gave the bound.  ``tie_break`` (万元) and ``tie_share`` (relative) are the most the objective's
    tie-breaking terms can separate a plan optimal for the objective from the least cost (see
    :attr:`Certificate.allowance`)."""
    base = program_certificate
    if lower is not None:
        lower = max(0.0, min(float(lower), float(cost)))
    gap = relative_gap(float(cost), lower)
    allowance = float(tie_share) + (float(tie_break) / lower if lower else 0.0)
    if status is None:
        if lower is None:
            status = "heuristic" if base is None or base.status in ("heuristic", "infeasible") else "gap"
        else:
            status = "optimal" if gap is not None and gap <= GAP_TOLERANCE + allowance else "gap"
    return Certificate(status, gap, lower, float(cost), base.seconds if base else 0.0,
                       base.margin if base else MARGIN, base.solver if base else solver_name(),
                       base.time_limit if base else TIME_LIMIT, base.nodes if base else 0,
                       reason=reason or (base.reason if base else ""),
                       build_seconds=base.build_seconds if base else 0.0, allowance=allowance)


def _pct(gap: float | None) -> str:
    if gap is None:
        return "—"
    if gap <= 0:
        return "0%"
    for digits in (1, 2, 3, 4):
        text = f"{math.ceil(gap * 100 * 10 ** digits) / 10 ** digits:.{digits}f}%"
        if float(text[:-1]) > 0:
            return text
    return f"{gap:.1e}"


# ----------------------------------------------------------------------------------------- the program
@dataclass
class YearState:
    """One year of a program: the parts as they stand without purchases (``model``), and what must hold.

    ``hard``: every CV within its limit and every part passing the rule.  ``targets``: soft plan targets,
    dicts with ``kind`` (``indicator_share`` | ``school_rule_share`` | ``max_cv``), ``code``, ``stage``
    (``primary`` | ``junior`` | ``all``), ``target`` (% or coefficient), ``key`` (an id to report on).
    """

    year: int
    model: Model
    hard: bool = False
    failing: np.ndarray | None = None            # parts failing the rule without purchases
    targets: list = field(default_factory=list)


@dataclass
class MoveRules:
    """Teacher moves (教师交流轮岗) allowed in a program: the movable teacher indicators, at most ``max_out``
    teachers sent and ``max_in`` received per school and year, the schools that may take part (public
    ordinary schools), and a tiny cost per move so no move is made without a purpose.  A move stays within
    its stage and kind; a sender keeps at least its standard in every later year."""

    codes: tuple
    max_per_school: int
    cost_per_move: float = 1e-4
    max_out: int | None = None
    max_in: int | None = None
    eligible: set | None = None


@dataclass
class Solution:
    """What a solve returns: purchases (and moves) per year, the certificate, and the solver's choices."""

    buys: dict                     # year -> {("T", sid, stage, code) | ("F", sid, code): amount}
    moves: dict                    # year -> {(sid, stage, code): net received (negative: sent)}
    certificate: Certificate
    budget: float | None = None    # the uniform yearly budget found (minimise_budget)
    slacks: dict = field(default_factory=dict)   # target key -> shortfall
    penalty_value: float = 0.0     # the objective's penalty term of this plan (Σ weight × shortfall, 万元)


class Program:
    """A mixed-integer SOCP over purchase years (see the module docstring).

    Parameters
    ----------
    states : list of YearState
        The years whose values the program sees (ascending).
    purchase_years : list of int
        Years in which purchases (and moves) can be made; a purchase counts in every later state.
    budgets : dict year -> 万元, optional
    moves : MoveRules, optional
    margin : float
        Relative margin below every CV limit.
    early_weight : float
        Tie-break: a purchase in the k-th purchase year costs ``(1 + early_weight · k)`` in the objective, so
        among plans of equal cost the earliest is chosen (0 for a one-year plan).
    penalty : float
        万元 per unit of a plan target's shortfall (a school part, or 0.01 of a coefficient).
    """

    def __init__(self, states, purchase_years, *, budgets=None, moves: MoveRules | None = None,
                 margin: float = MARGIN, early_weight: float = 0.0, penalty: float = 0.0,
                 cost_bound: float | None = None, budget_variable: bool = False, move_years=None,
                 lazy: bool = True, force_cones=()):
        import pyscipopt as scip

        self.scip = scip
        self.states = sorted(states, key=lambda s: s.year)
        self.years = sorted(purchase_years)
        self.move_years = sorted(move_years) if move_years is not None else list(self.years)
        self.budgets = budgets or {}
        self.moves = moves
        self.margin = margin
        self.early = early_weight
        self.penalty = penalty
        ref = self.states[-1].model
        self.codes = ref.codes
        self.unit_cost = {c: float(ref.unit_cost[c]) for c in self.codes}
        self.facility = dict(ref.facility)
        self.integer = dict(ref.integer)
        self._slots()
        self.var_unit = self._var_units()
        self.cost_bound = cost_bound
        self.budget_variable = budget_variable
        self.model = scip.Model("junyun")
        self.model.hideOutput()
        self.x: dict = {}               # (t, slot) -> var
        self.mv: dict = {}              # (t, "in"/"out", sid, stage, code) -> var
        self.z: dict = {}               # (tag, year, part i, k) -> var; tag "hard" or a target's key
        self.soft: list = []            # soft targets, for the warm start
        self.aux: list = []             # (var, function(values) -> value) for the warm start
        self.slack: dict = {}
        self.slack_weight: dict = {}    # target key -> 万元 per unit of shortfall in the objective
        self.budget_var = None
        self.move_cost_cap = 0.0
        self.lazy, self.force_cones, self.skipped = lazy, set(force_cones), set()
        self._build()

    # ------------------------------------------------------------------------------------ structure
    def _slots(self) -> None:
        teach, fac = set(), set()
        for st in self.states:
            m = st.model
            for i, (sid, stage) in enumerate(zip(m.ids, m.stages)):
                for c in self.codes:
                    if self.facility[c]:
                        fac.add(("F", sid, c))
                    else:
                        teach.add(("T", sid, stage, c))
        self.slots = sorted(teach) + sorted(fac)

    def _var_units(self) -> dict:
        """Raw units per variable unit: 1 for whole units; about 1% of a median part's standard quantity for
        m² and 元 (so the solver sees numbers of similar size)."""
        m = self.states[-1].model
        units = {}
        for k, c in enumerate(self.codes):
            if self.integer[c]:
                units[c] = 1.0
                continue
            typical = float(np.nanmedian(m.standard[:, k] * m.students / m.scale[c])) / 100
            units[c] = 10.0 ** round(math.log10(typical)) if typical > 0 else 1.0
        return units

    def _code(self, slot) -> str:
        return slot[-1]

    def _build(self) -> None:
        scip, model = self.scip, self.model
        quicksum = scip.quicksum
        objective = []
        for n, t in enumerate(self.years):
            weight = 1.0 + self.early * n
            spend = []
            for slot in self.slots:
                c = self._code(slot)
                unit_cost = self.unit_cost[c] * self.var_unit[c]
                ub = None
                if self.cost_bound is not None and unit_cost > 0:
                    ub = self.cost_bound / unit_cost * (1 + 1e-6) + 1
                    ub = math.floor(ub) if self.integer[c] else ub
                budget = self.budgets.get(t)
                if budget is not None and unit_cost > 0:
                    cap = budget / unit_cost * (1 + 1e-9)
                    cap = math.floor(cap + 1e-9) if self.integer[c] else cap
                    ub = cap if ub is None else min(ub, cap)
                var = model.addVar(f"x_{t}_{'_'.join(slot)}", vtype="I" if self.integer[c] else "C", lb=0.0, ub=ub)
                self.x[(t, slot)] = var
                spend.append(unit_cost * var)
                objective.append(weight * unit_cost * var)
            if self.budget_variable:
                if self.budget_var is None:
                    self.budget_var = model.addVar("budget", lb=0.0)
                model.addCons(quicksum(spend) <= self.budget_var)
            elif self.budgets.get(t) is not None:
                model.addCons(quicksum(spend) <= float(self.budgets[t]))
        if self.moves is not None:
            objective += self._build_moves()
        for st in self.states:
            objective += self._build_state(st)
        if self.budget_variable:
            # minimise the uniform budget first; the cost breaks ties (scaled far below a 万元)
            objective = [self.budget_var] + [1e-4 * o for o in objective]
        model.setObjective(quicksum(objective), "minimize")

    def numerator(self, st: YearState, i: int, k: int):
        """Linear expression of part i's numerator of code k in state ``st`` (raw units)."""
        m = st.model
        sid, stage = m.ids[i], m.stages[i]
        c = self.codes[k]
        terms = []
        for t in self.years:
            if t > st.year:
                break
            if self.facility[c]:
                terms.append(float(m.share[i]) * self.var_unit[c] * self.x[(t, ("F", sid, c))])
            else:
                terms.append(self.x[(t, ("T", sid, stage, c))])
        if self.moves is not None and c in self.moves.codes and not self.facility[c]:
            for t in self.move_years:
                if t > st.year:
                    break
                if (t, "in", sid, stage, c) in self.mv:
                    terms.append(self.mv[(t, "in", sid, stage, c)])
                if (t, "out", sid, stage, c) in self.mv:
                    terms.append(-1.0 * self.mv[(t, "out", sid, stage, c)])
        return float(m.numerator[i, k]), terms

    def value(self, st: YearState, i: int, k: int):
        """Part i's value of code k divided by its standard: (constant, list of terms)."""
        m = st.model
        c = self.codes[k]
        factor = m.scale[c] / (m.students[i] * m.standard[i, k])
        base, terms = self.numerator(st, i, k)
        return base * factor, [factor * t for t in terms]

    def _build_state(self, st: YearState) -> list:
        objective = []
        if st.hard:
            self._rule(st, np.flatnonzero(st.failing), 1)
            m = st.model
            values = m.values(m.numerator)
            for (stage, c), (limit, comparison) in m.limits.items():
                rows = m.stages == stage
                cv = weighted_cv(values[rows, m.codes.index(c)], m.students[rows]).cv if rows.sum() > 1 else 0.0
                if self.lazy and (st.year, stage, c) not in self.force_cones and not math.isnan(cv) \
                        and cv < LAZY_RATIO * limit:
                    self.skipped.add((st.year, stage, c))     # far within its limit: checked after the solve
                    continue
                self._cone(st, stage, c, limit, None)
        for target in st.targets:
            objective += self._target(st, target)
        return objective

    def _rule(self, st: YearState, parts, required, tag: str = "hard"):
        """The per-school rule for ``parts``; ``required`` is 1 (hard) or a binary (soft: passes if 1)."""
        m, quicksum = st.model, self.scip.quicksum
        exempt = len(self.codes) - m.min_meeting
        for i in parts:
            below = [k for k in range(len(self.codes))
                     if m.numerator[i, k] * m.scale[self.codes[k]] / m.students[i] < m.standard[i, k] * (1 - REL_TOL)]
            zs = []
            for k in below:
                z = self.model.addVar(f"z_{tag}_{st.year}_{i}_{k}", vtype="B")
                self.z[(tag, st.year, i, k)] = z
                zs.append(z)
                base, terms = self.value(st, i, k)
                # u ≥ required − (1 − floor)·z
                self.model.addCons(base + quicksum(terms) >= required - (1 - m.floor) * z)
            if zs:
                self.model.addCons(quicksum(zs) <= exempt)

    def _cone(self, st: YearState, stage: str, c: str, limit: float, slack):
        m, quicksum, model = st.model, self.scip.quicksum, self.model
        rows = np.flatnonzero((m.stages == stage))
        if len(rows) < 2:
            return
        k = self.codes.index(c)
        p = m.students[rows] / m.students[rows].sum()
        values = [self.value(st, i, k) for i in rows]
        mean_base = float(sum(pi * v[0] for pi, v in zip(p, values)))
        n_cone = len(self.aux)
        mean = model.addVar(f"m_{st.year}_{stage}_{c}_{n_cone}", lb=0.0)
        model.addCons(mean == mean_base + quicksum(pi * term for pi, v in zip(p, values) for term in v[1]))
        if mean_base <= 0:
            model.addCons(mean >= 1e-6)          # every value 0: the CV is undefined until something is bought
        ds = []
        for pi, (base, terms) in zip(p, values):
            d = model.addVar(f"d_{st.year}_{stage}_{c}_{n_cone}_{len(ds)}", lb=None)
            r = math.sqrt(pi)
            model.addCons(d == r * base + quicksum(r * t for t in terms) - r * mean)
            ds.append(d)
        bound = limit * (1 - self.margin)
        rhs = bound * mean if slack is None else bound * mean + slack
        # a supporting hyperplane of the cone at the values without purchases (valid everywhere, since
        # ‖d‖ ≥ g·d for a unit vector g): it puts the cone into the first LP relaxation
        base_u = np.array([v[0] for v in values])
        self._tangent(ds, np.sqrt(p) * (base_u - (p * base_u).sum()), rhs)
        if CONE_FORM == "sqrt":
            model.addCons(self.scip.sqrt(quicksum(d * d for d in ds)) <= rhs)
        else:
            model.addCons(quicksum(d * d for d in ds) <= rhs * rhs)
        self.aux.append(("cone", st, stage, c, rows, p, mean, ds, bound, slack))

    def _tangent(self, ds, point: np.ndarray, rhs) -> None:
        norm = float(np.sqrt((point ** 2).sum()))
        if norm <= 1e-12:
            return
        g = point / norm
        self.model.addCons(self.scip.quicksum(float(gi) * d for gi, d in zip(g, ds) if abs(gi) > 1e-12) <= rhs)

    def _target(self, st: YearState, target: dict) -> list:
        """A soft plan target of a year: its shortfall is a variable with a penalty."""
        m, model, quicksum = st.model, self.model, self.scip.quicksum
        kind, stage = target["kind"], target.get("stage", "all")
        in_stage = np.ones(len(m.parts), dtype=bool) if stage == "all" else (m.stages == stage)
        key = target["key"]
        if kind == "max_cv":
            slack = model.addVar(f"s_{key}", lb=0.0)
            self.slack[key] = slack
            self.slack_weight[key] = self.penalty * 100
            for (s, c), _ in m.limits.items():
                if s == stage:
                    self._cone(st, s, c, float(target["target"]), slack)
            self.soft.append(("max_cv", st, target, [], slack, 0, 0))
            return [self.penalty * 100 * slack]
        n = int(in_stage.sum())
        if n == 0:
            return []
        need = math.ceil(float(target["target"]) / 100 * n - 1e-9)
        if kind == "indicator_share":
            k = self.codes.index(target["code"])
            values = m.numerator[:, k] * m.scale[target["code"]] / m.students
            below = ~(values >= m.standard[:, k] * (1 - REL_TOL)) & in_stage
        elif kind == "school_rule_share":
            if st.hard:
                return []                      # every part must pass that year anyway
            failing = st.failing if st.failing is not None else np.zeros(len(m.parts), dtype=bool)
            below = failing & in_stage
        else:
            return []
        count = int(in_stage.sum() - below.sum())
        if count >= need:
            return []
        ys = []
        for i in np.flatnonzero(below):
            y = model.addVar(f"y_{key}_{i}", vtype="B")
            if kind == "indicator_share":
                base, terms = self.value(st, i, k)
                model.addCons(base + quicksum(terms) >= y)
            else:
                self._rule(st, [i], y, tag=key)
            ys.append((y, i))
        slack = model.addVar(f"s_{key}", lb=0.0)
        self.slack[key] = slack
        self.slack_weight[key] = self.penalty
        model.addCons(count + quicksum(y for y, _ in ys) + slack >= need)
        self.soft.append((kind, st, target, ys, slack, count, need))
        return [self.penalty * slack]

    def _build_moves(self) -> list:
        """Teacher moves: received and sent per school section, code and year; conserved per stage and code
        each year; at most ``max_out`` sent and ``max_in`` received per school and year; a sender keeps at
        least its standard in every state year from the move on (its surplus in the data, projects and
        projected enrolment, before any hire).  A section may receive only where that can help: below the
        standard or below the stage's mean in some state (raising a value above both only adds to the CV)."""
        rules, model, quicksum = self.moves, self.model, self.scip.quicksum
        objective = []
        self.move_cost_cap = 0.0
        max_out = rules.max_out if rules.max_out is not None else rules.max_per_school
        max_in = rules.max_in if rules.max_in is not None else rules.max_per_school
        sections = sorted({(s[1], s[2]) for s in self.slots if s[0] == "T"})
        if rules.eligible is not None:
            sections = [(sid, g) for sid, g in sections if sid in rules.eligible]
        # per section and code: surplus in each state year, and whether receiving can help
        surplus, helps = {}, {}
        for c in rules.codes:
            k = self.codes.index(c)
            for st in self.states:
                m = st.model
                values = m.numerator[:, k] * m.scale[c] / m.students
                for stage in ("primary", "junior"):
                    rows = np.flatnonzero((m.stages == stage))
                    if not len(rows):
                        continue
                    mean = float((values[rows] * m.students[rows]).sum() / m.students[rows].sum())
                    for i in rows:
                        key = (m.ids[i], stage, c)
                        need = m.standard[i, k] * m.students[i] / m.scale[c]
                        surplus.setdefault(key, {})[st.year] = max(0.0, math.floor(m.numerator[i, k] - need
                                                                                    + REL_TOL * max(need, 1.0)))
                        if values[i] < m.standard[i, k] * (1 - REL_TOL) or values[i] < mean:
                            helps[key] = True
        self.move_surplus = surplus
        state_years = [st.year for st in self.states]
        by_school: dict = {}
        for t in self.move_years:
            later = [y for y in state_years if y >= t]
            for c in rules.codes:
                for stage in ("primary", "junior"):
                    takers, givers = [], []
                    for sid, g in sections:
                        if g != stage:
                            continue
                        key = (sid, stage, c)
                        if helps.get(key, False):
                            takers.append(sid)
                        years_ok = surplus.get(key, {})
                        if later and min(years_ok.get(y, 0.0) for y in later) >= 1:
                            givers.append(sid)
                    if not takers or not givers:
                        continue            # nobody to receive or nobody to send: no move of this kind
                    sides = {}
                    for d, ids, cap in (("in", takers, max_in), ("out", givers, max_out)):
                        sides[d] = []
                        for sid in ids:
                            var = model.addVar(f"mv_{t}_{d}_{sid}_{stage}_{c}", vtype="I", lb=0.0, ub=cap)
                            self.mv[(t, d, sid, stage, c)] = var
                            sides[d].append(var)
                            by_school.setdefault((t, d, sid), []).append(var)
                            objective.append(rules.cost_per_move * var)
                    model.addCons(quicksum(sides["in"]) == quicksum(sides["out"]))
        # the most the moves can add to the objective: each school sends and receives at most its cap a year
        self.move_cost_cap = sum(rules.cost_per_move * (max_in if d == "in" else max_out) for _, d, _ in by_school)
        for (t, d, sid), vs in by_school.items():
            if len(vs) > 1:
                model.addCons(quicksum(vs) <= (max_in if d == "in" else max_out))
        for (sid, stage, c), by_year in surplus.items():
            keys = [(t, "out", sid, stage, c) for t in self.move_years]
            if not any(key in self.mv for key in keys):
                continue
            for y in state_years:
                sent = [self.mv[key] for key in keys if key[0] <= y and key in self.mv]
                if sent and by_year.get(y, 0.0) < max_out * len(sent):      # else it cannot bind
                    model.addCons(quicksum(sent) <= by_year.get(y, 0.0))
        return objective

    # ---------------------------------------------------------------------------------------- solving
    def warm_start(self, buys: dict, moves: dict | None = None) -> bool:
        """Offer a plan (purchases per year, in raw units) as the first solution; True if SCIP kept it."""
        model = self.model
        sol = model.createSol()
        x_values = {}
        for (t, slot), var in self.x.items():
            amount = float(buys.get(t, {}).get(slot, 0.0)) / self.var_unit[self._code(slot)]
            x_values[(t, slot)] = amount
            model.setSolVal(sol, var, amount)
        mv_values = {}
        for (t, d, sid, stage, c), var in self.mv.items():
            net = (moves or {}).get(t, {}).get((sid, stage, c), 0)
            v = max(net, 0) if d == "in" else max(-net, 0)
            mv_values[(t, d, sid, stage, c)] = v
            model.setSolVal(sol, var, v)
        if self.budget_var is not None:
            spend = [sum(self.unit_cost[self._code(slot)] * self.var_unit[self._code(slot)] * v
                         for (t2, slot), v in x_values.items() if t2 == t) for t in self.years]
            model.setSolVal(sol, self.budget_var, max(spend) if spend else 0.0)
        numer = self._numerators(x_values, mv_values)
        cone_excess = {}
        for entry in self.aux:
            _, st, stage, c, rows, p, mean, ds, bound, slack = entry
            k = self.codes.index(c)
            m = st.model
            u = np.array([numer[st.year][i, k] * m.scale[c] / (m.students[i] * m.standard[i, k]) for i in rows])
            mu = float((p * u).sum())
            model.setSolVal(sol, mean, mu)
            dev = np.sqrt(p) * (u - mu)
            for d, value in zip(ds, dev):
                model.setSolVal(sol, d, float(value))
            self._tangent(ds, dev, bound * mean if slack is None else bound * mean + slack)
            if slack is not None:
                excess = float(np.sqrt((dev ** 2).sum()) - bound * mu)
                cone_excess[slack.name] = max(cone_excess.get(slack.name, 0.0), excess)
        states = {s.year: s for s in self.states}
        for (tag, year, i, k), z in self.z.items():
            m = states[year].model
            value = numer[year][i, k] * m.scale[self.codes[k]] / m.students[i]
            model.setSolVal(sol, z, 0.0 if value >= m.standard[i, k] * (1 - REL_TOL) else 1.0)
        for kind, st, target, ys, slack, count, need in self.soft:
            m = st.model
            values = m.values(numer[st.year])
            if kind == "max_cv":
                model.setSolVal(sol, slack, max(0.0, cone_excess.get(slack.name, 0.0)) * (1 + 1e-6) + 1e-9)
                continue
            met = 0
            for y, i in ys:
                if kind == "indicator_share":
                    k = self.codes.index(target["code"])
                    ok = values[i, k] >= m.standard[i, k] * (1 - REL_TOL)
                else:
                    meets = values[i] >= m.standard[i] * (1 - REL_TOL)
                    ok = meets.sum() >= m.min_meeting and (values[i] >= m.standard[i] * m.floor * (1 - REL_TOL)).all()
                    if not ok:
                        for (tag, year, j, k), z in self.z.items():
                            if tag == target["key"] and j == i:
                                model.setSolVal(sol, z, 0.0)
                model.setSolVal(sol, y, 1.0 if ok else 0.0)
                met += bool(ok)
            model.setSolVal(sol, slack, float(max(0, need - count - met)))
        return bool(model.addSol(sol, free=True))

    def _numerators(self, x_values: dict, mv_values: dict) -> dict:
        """Each state's numerators (parts × codes) under given variable values (variable units)."""
        buys, moves = {}, {}
        for (t, slot), v in x_values.items():
            if v:
                buys.setdefault(t, {})[slot] = v * self.var_unit[self._code(slot)]
        for (t, d, sid, stage, c), v in mv_values.items():
            if v:
                key = (sid, stage, c)
                moves.setdefault(t, {})[key] = moves.get(t, {}).get(key, 0) + (v if d == "in" else -v)
        return {st.year: numerators(st, self.years, buys, moves, self.facility) for st in self.states}

    def solve(self, time_limit: float = TIME_LIMIT, gap_limit: float = 0.0) -> Solution | None:
        """Solve; None when SCIP has no plan (infeasible or nothing found in time): see ``self.status``."""
        model = self.model
        model.setParam("limits/time", float(time_limit))
        model.setParam("limits/gap", float(gap_limit))
        model.setParam("numerics/feastol", 1e-7)
        # symmetry detection took more time than it saved (进贤县 2024: 33 s instead of 59 s to prove the
        # optimum; the 300-school roadmap: presolve 4.5 s instead of 18 s); fast presolve hurt the one-year plans
        model.setParam("misc/usesymmetry", 0)
        start = time.perf_counter()
        model.optimize()
        seconds = time.perf_counter() - start
        status = model.getStatus()
        self.status = status
        solver = solver_name()
        if model.getNSols() == 0:
            cert = Certificate("infeasible" if status == "infeasible" else "heuristic", None,
                               None, None, seconds, self.margin, solver, time_limit, int(model.getNNodes()),
                               reason="求解器证明不可行" if status == "infeasible" else f"求解器未找到方案（{status}）")
            self.certificate = cert
            return None
        sol = model.getBestSol()
        primal, dual = float(model.getPrimalbound()), float(model.getDualbound())
        if not math.isfinite(dual) or abs(dual) >= 1e19:
            dual = None                       # stopped before the first relaxation: no bound yet
        if status == "optimal":
            gap = 0.0
        else:
            gap = relative_gap(primal, dual)
            if gap is not None and gap <= 1e-9:
                status = "optimal"
        cert = Certificate("optimal" if status == "optimal" else "gap", gap, dual, primal, seconds, self.margin,
                           solver, time_limit, int(model.getNNodes()))
        buys, moves = {}, {}
        for (t, slot), var in self.x.items():
            amount = model.getSolVal(sol, var) * self.var_unit[self._code(slot)]
            if self.integer[self._code(slot)]:
                amount = float(round(amount))
            if amount > EPS:
                buys.setdefault(t, {})[slot] = amount
        for (t, d, sid, stage, c), var in self.mv.items():
            v = int(round(model.getSolVal(sol, var)))
            if v:
                net = moves.setdefault(t, {}).get((sid, stage, c), 0) + (v if d == "in" else -v)
                moves[t][(sid, stage, c)] = net
        for t in moves:
            moves[t] = {key: v for key, v in moves[t].items() if v}
        chosen = {key: model.getSolVal(sol, z) > 0.5 for key, z in self.z.items()}
        self.chosen_exempt = chosen
        slacks = {key: float(model.getSolVal(sol, s)) for key, s in self.slack.items()}
        penalty_value = sum(self.slack_weight.get(key, 0.0) * v for key, v in slacks.items())
        budget = float(model.getSolVal(sol, self.budget_var)) if self.budget_var is not None else None
        self.certificate = cert
        return Solution(buys, moves, cert, budget, slacks, penalty_value)


# -------------------------------------------------------------------------------------- exact repair
def repair(states, years, buys: dict, moves: dict, facility: dict, integer: dict) -> dict:
    """Make the rule hold exactly (not just within the solver's tolerance): in each hard year, a failing
    part's continuous facility purchase is raised where the part sits a hair below the standard or the
    85% floor it was solved for.  The raise goes into the last purchase year up to that state."""
    buys = {t: dict(b) for t, b in buys.items()}
    for st in states:
        if not st.hard:
            continue
        m = st.model
        last = max(t for t in years if t <= st.year)
        numer = numerators(st, years, buys, moves, facility)
        values = m.values(numer)
        for i in np.flatnonzero(st.failing):
            for k, c in enumerate(m.codes):
                if not facility[c] or integer[c]:
                    continue
                std = m.standard[i, k]
                v = values[i, k]
                for level in (std, std * m.floor):
                    if level * (1 - 1e-6) <= v < level * (1 - REL_TOL / 10):
                        need = (level - v) * m.students[i] / m.scale[c] / m.share[i] * (1 + 1e-9) + 1e-9
                        sid = m.ids[i]
                        slot = ("F", sid, c)
                        buys.setdefault(last, {})[slot] = buys.get(last, {}).get(slot, 0.0) + need
                        break
    return buys


def numerators(st: YearState, years, buys: dict, moves: dict, facility: dict) -> np.ndarray:
    """A state's numerators after purchases and moves up to its year (raw units)."""
    m = st.model
    numer = m.numerator.copy()
    ids = m.ids
    stages = m.stages
    position = {(s, g): i for i, (s, g) in enumerate(zip(ids, stages))}
    schools = {}
    for i, s in enumerate(ids):
        schools.setdefault(s, []).append(i)
    for t in sorted(set(buys) | set(moves)):
        if t > st.year:
            break
        for slot, amount in buys.get(t, {}).items():
            c = slot[-1]
            k = m.codes.index(c)
            if slot[0] == "F":
                for i in schools.get(slot[1], []):
                    numer[i, k] += m.share[i] * amount
            else:
                i = position.get((slot[1], slot[2]))
                if i is not None:
                    numer[i, k] += amount
        for (sid, stage, c), net in moves.get(t, {}).items():
            i = position.get((sid, stage))
            if i is not None:
                numer[i, m.codes.index(c)] += net
    return numer


def exact_check(st: YearState, numer: np.ndarray) -> dict:
    """The rule and every CV of a state recomputed exactly (official comparison): which fail."""
    m = st.model
    values = m.values(numer)
    meets = values >= m.standard * (1 - REL_TOL)
    floor_ok = values >= m.standard * m.floor * (1 - REL_TOL)
    rule_fail = ~(((meets.sum(axis=1)) >= m.min_meeting) & floor_ok.all(axis=1))
    cv_fail = []
    for (stage, c), (limit, comparison) in m.limits.items():
        rows = np.flatnonzero((m.stages == stage))
        if not len(rows):
            continue
        k = m.codes.index(c)
        cv = weighted_cv(values[rows, k], m.students[rows]).cv
        if math.isnan(cv) or not compare(cv, limit, comparison):
            cv_fail.append((stage, c, cv))
    return {"rule_fail": np.flatnonzero(rule_fail), "cv_fail": cv_fail}


def buys_to_buy(m: Model, buys: dict) -> Purchase:
    """One year's purchases (slots) as the heuristic's raw-purchase arrays on model ``m``."""
    buy = Purchase.zeros(m)
    ids = m.ids
    stages = m.stages
    position = {(s, g): i for i, (s, g) in enumerate(zip(ids, stages))}
    school_pos = {s: j for j, s in enumerate(m.schools)}
    for slot, amount in buys.items():
        k = m.codes.index(slot[-1])
        if slot[0] == "F":
            buy.facility[school_pos[slot[1]], k] += amount
        else:
            buy.section[position[(slot[1], slot[2])], k] += amount
    return buy


def buy_to_buys(m: Model, buy: Purchase) -> dict:
    """The heuristic's raw-purchase arrays as slots."""
    out = {}
    ids = m.ids
    for i, k in zip(*np.nonzero(buy.section > EPS)):
        if not m.facility[m.codes[k]]:
            out[("T", ids[i], m.stages[i], m.codes[k])] = float(buy.section[i, k])
    for s, k in zip(*np.nonzero(buy.facility > EPS)):
        if m.facility[m.codes[k]]:
            out[("F", m.schools[s], m.codes[k])] = float(buy.facility[s, k])
    return out


def solve_states(states, years, *, warm: dict | None = None, warm_moves: dict | None = None,
                 time_limit: float = TIME_LIMIT, margin: float = MARGIN, retries: int = 3, **options):
    """Build and solve a :class:`Program`; repair and check the plan exactly; on a CV that misses its limit
    by the solver's tolerance, solve again with a ten times larger margin.  Returns (Solution or None,
    Program)."""
    program = None
    forced: set = set()
    attempts = 0
    while attempts < retries:
        start = time.perf_counter()
        program = Program(states, years, margin=margin, force_cones=forced, **options)
        if warm is not None:
            program.warm_accepted = program.warm_start(warm, warm_moves)
        built = time.perf_counter() - start
        # the time limit covers building the program too (at least a second is left for SCIP)
        solution = program.solve(max(time_limit - built, min(1.0, time_limit)))
        program.certificate.build_seconds = built
        program.certificate.time_limit = time_limit
        if solution is None:
            return None, program
        solution.buys = repair(states, years, solution.buys, solution.moves, program.facility, program.integer)
        hard = [st for st in states if st.hard]
        problems = [exact_check(st, numerators(st, years, solution.buys, solution.moves, program.facility))
                    for st in hard]
        if all(not len(p["rule_fail"]) and not p["cv_fail"] for p in problems):
            return solution, program
        missed = {(st.year, stage, c) for st, p in zip(hard, problems) for stage, c, _ in p["cv_fail"]}
        if missed & program.skipped:            # a cone left out was pushed over its limit: put it in
            forced |= missed & program.skipped
            continue
        margin = max(margin, 1e-7) * 10
        attempts += 1
    return None, program


# ------------------------------------------------------------------------------------ one-year plan
def optimal_path(evaluation, county: str | None = None, year: int | None = None, costs=None, *,
                 time_limit: float = TIME_LIMIT, margin: float = MARGIN, verify_naive: bool = True,
                 use_solver: bool = True, exact_limit: int = 20000) -> PathPlan:
    """The least-cost plan for one county-year with its certificate (最低成本达标方案及最优性证明).

    The heuristic (:func:`junyun_lib.planning.cheapest.cheapest_path`) runs first and warm-starts SCIP; the
    solver's plan is taken when it verifies, otherwise the heuristic's (``certificate.status ==
    "heuristic"`` with the reason).  Every plan is applied to the raw rows and re-evaluated (``verified``).
    """
    result = evaluation.county(county, year)
    require_school_standards(result)
    cost_table = costs if isinstance(costs, pd.DataFrame) else load_unit_costs(costs)
    heuristic = cheapest_path(evaluation, result.county, result.year, cost_table, exact_limit=exact_limit,
                              verify_naive=verify_naive, margin=margin)
    heuristic.heuristic_cost = heuristic.total_cost
    m = build_model(result, cost_table)
    if not use_solver or not solver_available():
        heuristic.certificate = Certificate("heuristic", None, None, None, 0.0, margin, solver_name(), time_limit,
                                            reason="未使用求解器" if not use_solver else "未安装 PySCIPOpt")
        return heuristic
    failing = ~result.parts["passes_school_rule"].fillna(False).astype(bool).to_numpy()
    state = YearState(result.year, m, hard=True, failing=failing)
    warm = _warm_from_additions(m, heuristic.additions)
    bound = heuristic.total_cost if heuristic.verified else None
    try:
        solution, program = solve_states([state], [result.year], warm={result.year: warm}, time_limit=time_limit,
                                         margin=margin, cost_bound=bound)
    except Exception as exc:  # noqa: BLE001 — a solver failure must leave the heuristic plan standing
        heuristic.certificate = Certificate("heuristic", None, None, None, 0.0, margin, solver_name(), time_limit,
                                            reason=f"求解器出错：{type(exc).__name__}: {exc}")
        return heuristic
    if solution is None:
        cert = program.certificate
        cert.status, cert.reason = "heuristic", cert.reason or "求解器未给出可核验的方案"
        heuristic.certificate = cert
        return heuristic
    buy = buys_to_buy(m, solution.buys.get(result.year, {}))
    additions = buy_additions(m, buy, _reasons(m, failing, program))
    after = evaluate_with_additions(evaluation, result.county, result.year, additions)
    if not county_passes(after) or (heuristic.verified and
                                    float(additions["cost_wan"].sum()) > heuristic.total_cost + 1e-6):
        cert = solution.certificate
        cert.reason = "求解器方案未通过重新评估核验，改用启发式方案" if not county_passes(after) else \
            "求解器方案不比启发式方案便宜，改用启发式方案"
        cert.status = "heuristic" if not county_passes(after) else cert.status
        heuristic.certificate = cert
        return heuristic
    plan = finish_plan(evaluation, result, m, additions, after, verify_naive, certificate=solution.certificate,
                       heuristic_cost=heuristic.total_cost)
    plan.method = METHOD_ZH
    return plan


def _warm_from_additions(m: Model, additions: pd.DataFrame) -> dict:
    out = {}
    for r in additions.itertuples(index=False):
        slot = ("F", str(r.school_id), r.indicator) if m.facility[r.indicator] else \
            ("T", str(r.school_id), r.stage, r.indicator)
        out[slot] = out.get(slot, 0.0) + float(r.amount)
    return out


def _reasons(m: Model, failing: np.ndarray, program: Program) -> dict:
    """What each purchase is for: the rule where it lifts a failing part's indicator, else the CV."""
    reason = {}
    for (tag, year, i, k), exempt in getattr(program, "chosen_exempt", {}).items():
        if tag != "hard":
            continue
        sid, stage, c = m.ids[i], m.stages[i], m.codes[k]
        reason[(sid, "" if m.facility[c] else stage, c)] = "school_rule"
    return reason
