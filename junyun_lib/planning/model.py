"""The planning model (达标测算模型): one county-year's school parts as the planner sees them, what a county can
buy, and the two steps of the heuristic on it.

One concept per name:

* :class:`Model` — the numbers of one county-year (school parts × indicators), built by :func:`build_model`;
* :class:`Purchase` — raw purchases (购置): whole teachers per school section, facilities per school;
* :func:`rule_step` — step 1, the least-cost purchases that bring every failing part through the per-school rule
  (校级规则);
* :func:`cv_step` — step 2, the purchases that bring every difference coefficient (差异系数) within its limit by
  water-filling (补齐低值);
* :func:`within_limit` — one coefficient against its limit held a margin below;
* :func:`whole_units`, :func:`require_school_standards` and the constants :data:`STAGES`, :data:`EPS`,
  :data:`MARGIN`.

:mod:`junyun_lib.planning.cheapest` (the heuristic plan), :mod:`junyun_lib.planning.optimiser` (the certified
optimum) and :mod:`junyun_lib.planning.roadmap` (the year-by-year schedule) all work on this model.
"""
from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..measures.cv import weighted_cv
from ..rules import REL_TOL, compare

#: the stages a plan buys for (小学, 初中)
STAGES = ("primary", "junior")
#: amounts at or below this are nothing bought
EPS = 1e-9
#: relative margin kept below every CV limit (limit × (1 − MARGIN)), so a plan never passes "< 0.27" by 3×10⁻¹⁰
#: and re-evaluation is not at the mercy of rounding
MARGIN = 1e-6


@dataclass
class Model:
    """The numbers of one county-year the planner works on (达标测算模型): school parts × indicators.

    A school part (学校学段) is one stage of one school; a mixed school (一贯制学校) has two.  Part ``i``'s value
    of indicator ``k`` is its quantity (numerator) per student, scaled:

    .. math::

        v_{ik} = \\frac{N_{ik} \\cdot \\mathrm{scale}_k}{P_i}

    with :math:`N_{ik}` the part's own quantity (teachers of its section, or its split share of the school's
    facility) and :math:`P_i` its students.  A facility bought for a school reaches each of its parts in
    proportion to the part's split share :math:`s_i` (拆分比例, the national 有关事项说明（五）).

    Attributes
    ----------
    parts : DataFrame
        One row per part: ``school_id``, ``school_name``, ``part`` (stage), ``students``, ``share``.
    codes : list of str
        The indicator codes, in column order of the arrays.
    scale, integer, facility, unit_cost, unit_zh, name_zh : dict
        Per code: the value's scale, whether it is bought in whole units (teachers, rooms), whether it is a
        whole-school facility, 万元 per unit, the unit and the indicator's Chinese name.
    column : dict
        ``(code, stage)`` → the raw school-table column a purchase adds to.
    numerator, standard : ndarray
        parts × codes: each part's own quantity and its standard value.
    floor : float
        The per-school rule's floor ratio (e.g. 0.85 of the standard).
    min_meeting : int
        How many indicators must reach the standard (e.g. 6 of 7).
    limits : dict
        ``(stage, code)`` → ``(limit, comparison)`` of the difference coefficient.
    schools : list
        School ids in order of their first part; ``school_index`` maps each part to its position.
    """

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
    schools: list = field(default_factory=list)          # school ids, in order of first part
    school_index: np.ndarray = None                      # part -> position in ``schools``

    @functools.cached_property
    def share(self) -> np.ndarray:
        """Each part's split share of its school's facilities (拆分比例)."""
        return self.parts["share"].to_numpy(dtype=float)

    @functools.cached_property
    def students(self) -> np.ndarray:
        """Each part's students (在校生数)."""
        return self.parts["students"].to_numpy(dtype=float)

    @functools.cached_property
    def ids(self) -> np.ndarray:
        """Each part's school id (text)."""
        return self.parts["school_id"].astype(str).to_numpy()

    @functools.cached_property
    def stages(self) -> np.ndarray:
        """Each part's stage ("primary" | "junior")."""
        return self.parts["part"].astype(str).to_numpy()

    @functools.cached_property
    def facility_mask(self) -> np.ndarray:
        """Per code: True for a whole-school facility (bought per school, shared by its parts)."""
        return np.array([self.facility[c] for c in self.codes])

    def values(self, numerator: np.ndarray) -> np.ndarray:
        """The parts' indicator values (parts × codes) for the quantities ``numerator``: :math:`N \\cdot
        \\mathrm{scale} / P`."""
        scale = np.array([self.scale[c] for c in self.codes])
        return numerator * scale / self.students[:, None]

    def fails_rule(self, numerator: np.ndarray) -> np.ndarray:
        """Per part: True when it fails the per-school rule (校级规则) on the quantities ``numerator`` — fewer
        than ``min_meeting`` indicators at the standard, or one below ``floor`` × the standard."""
        values = self.values(numerator)
        meets = values >= self.standard * (1 - REL_TOL)
        floor_ok = values >= self.standard * self.floor * (1 - REL_TOL)
        return ~((meets.sum(axis=1) >= self.min_meeting) & floor_ok.all(axis=1))

    def delivered(self, buy: "Purchase") -> np.ndarray:
        """What each part's numerator gains from a purchase (teachers to their section, facilities × share)."""
        fac = self.share[:, None] * buy.facility[self.school_index]
        return np.where(self.facility_mask[None, :], fac, buy.section)

    def raw_amount(self, i: int, k: int, need: float) -> float:
        """What must be bought for part ``i`` to gain ``need`` of indicator ``k`` (÷ share for a facility; whole
        units rounded up)."""
        if need <= EPS:
            return 0.0
        code = self.codes[k]
        share = float(self.parts["share"].iat[i]) if self.facility[code] else 1.0
        return whole_units(need / share) if self.integer[code] else need / share


@dataclass
class Purchase:
    """Raw purchases (购置): whole teachers per part (section codes) and school-level facilities (facility codes).

    Attributes
    ----------
    section : ndarray
        parts × codes, teachers bought for each school section (0 in facility columns).
    facility : ndarray
        schools × codes, m², 元 or rooms bought for each school (0 in section columns).
    """

    section: np.ndarray            # parts × codes (0 in facility columns)
    facility: np.ndarray           # schools × codes (0 in section columns)

    @classmethod
    def zeros(cls, m: Model) -> "Purchase":
        """Nothing bought, on model ``m``."""
        return cls(np.zeros((len(m.parts), len(m.codes))), np.zeros((len(m.schools), len(m.codes))))

    def __add__(self, other: "Purchase") -> "Purchase":
        return Purchase(self.section + other.section, self.facility + other.facility)

    def cost(self, m: Model) -> float:
        """万元 at the model's unit costs: :math:`\\sum_k c_k (\\sum_i x^{sec}_{ik} + \\sum_j x^{fac}_{jk})`."""
        unit = np.array([m.unit_cost[c] for c in m.codes])
        return float((self.section.sum(axis=0) * unit).sum() + (self.facility.sum(axis=0) * unit).sum())


def whole_units(amount: float) -> float:
    """Whole units needed for ``amount`` (整数单位, teachers or rooms): a hair above a whole number is that number.

    Examples
    --------
    >>> whole_units(2.0000000000001), whole_units(2.1), whole_units(0.0)
    (2.0, 3.0, 0.0)
    """
    return float(math.ceil(amount - REL_TOL * max(abs(amount), 1.0))) if amount > 0 else 0.0


def build_model(result, costs: pd.DataFrame) -> Model:
    """The :class:`Model` of one evaluated county-year (``CountyResult``) at the unit costs ``costs``
    (:func:`junyun_lib.io.costs.load_unit_costs`: ``indicator``, ``cost_wan_per_unit``, ``unit_zh``)."""
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
    ids = parts["school_id"].astype(str)
    schools = list(dict.fromkeys(ids))
    position = {s: i for i, s in enumerate(schools)}
    return Model(
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
        limits=limits, schools=schools, school_index=ids.map(position).to_numpy(dtype=int))


def require_school_standards(result) -> None:
    """Raise ValueError when the county-year's standard sets no school-level values (学校层面的标准值): without
    them there is no per-school rule and no plan to pass."""
    if not result.standard.has_school_standards or result.standard.school_rule is None:
        raise ValueError(f"{result.standard.name_zh}未规定学校层面的标准值，无法测算达标路径 "
                         f"(the standard sets no school-level values)")


def _needs(m: Model, numerator: np.ndarray, rows, k: int, target_values) -> np.ndarray:
    """Numerator each part in ``rows`` must gain for indicator k's value to reach ``target_values``
    (0 where it already does, within the comparison tolerance)."""
    students = m.students[rows]
    goal = np.asarray(target_values, dtype=float) * students / m.scale[m.codes[k]]
    needed = goal - numerator[rows, k]
    return np.where(needed > REL_TOL * np.maximum(np.abs(goal), 1.0), needed, 0.0)


def _delivered(m: Model, rows, k: int, need: np.ndarray) -> np.ndarray:
    """What the parts actually gain when the need is bought in whole raw units (teachers, rooms)."""
    code = m.codes[k]
    if not m.integer[code]:
        return need
    share = m.share[rows] if m.facility[code] else np.ones(len(need))
    raw = np.where(need > 0, np.ceil(need / share - REL_TOL * np.maximum(need / share, 1.0)), 0.0)
    return raw * share


# ------------------------------------------------------------------------------------------ step 1: rule
def _exempt_options(n_codes: int, exempt_max: int) -> list[tuple]:
    return [()] + [c for r in range(1, exempt_max + 1) for c in itertools.combinations(range(n_codes), r)]


def rule_step(m: Model, numerator: np.ndarray, failing: np.ndarray, naive: bool = False) -> Purchase:
    """Step 1, the per-school rule (校级规则): raw purchases so every failing part passes, at least cost.

    A part passes when at least ``min_meeting`` of its indicators reach the standard and every one reaches
    ``floor`` of it:

    .. math::

        \\#\\{k : v_{ik} \\ge \\mathrm{std}_{ik}\\} \\ge \\mathrm{min\\_meeting}, \\qquad
        v_{ik} \\ge \\mathrm{floor} \\cdot \\mathrm{std}_{ik} \\ \\ \\forall k.

    For each failing part every choice of exempt indicators (at most ``7 − min_meeting``, brought to the floor
    only) is costed; the parts of one school are decided jointly, the school's facility purchase being the
    larger of its parts' needs ÷ share (what one part gets, the other gets too).  Schools are independent, so
    this is the least cost for the rule alone.

    Parameters
    ----------
    m : Model
    numerator : ndarray
        parts × codes, the quantities to start from (after what is already bought or moved).
    failing : ndarray of bool
        The parts to bring through the rule.
    naive : bool
        Every part, every indicator to the full standard (逐校补足到标准) instead.
    """
    n_parts, n_codes = numerator.shape
    rows = np.arange(n_parts)
    full = np.stack([_needs(m, numerator, rows, k, m.standard[:, k]) for k in range(n_codes)], axis=1)
    floor = np.stack([_needs(m, numerator, rows, k, m.standard[:, k] * m.floor) for k in range(n_codes)], axis=1)
    buy = Purchase.zeros(m)
    unit = np.array([m.unit_cost[c] for c in m.codes])
    fmask = m.facility_mask
    share = m.share
    options = [()] if naive else _exempt_options(n_codes, n_codes - m.min_meeting)
    chosen = np.flatnonzero(np.ones(n_parts, dtype=bool) if naive else failing)
    by_school: dict[int, list[int]] = {}
    for i in chosen:
        by_school.setdefault(int(m.school_index[i]), []).append(int(i))
    for s, members in by_school.items():
        best, best_cost = None, math.inf
        for combo in itertools.product(options, repeat=len(members)):
            section = {}
            fac = np.zeros(n_codes)
            for i, exempt in zip(members, combo):
                need = full[i].copy()
                need[list(exempt)] = floor[i, list(exempt)]
                section[i] = np.where(fmask, 0.0, [whole_units(x) for x in need])
                fac = np.maximum(fac, np.where(fmask, need / share[i], 0.0))
            fac = np.array([whole_units(x) if (fmask[k] and m.integer[m.codes[k]]) else x for k, x in enumerate(fac)])
            cost = float(sum((v * unit).sum() for v in section.values()) + (fac * unit).sum())
            if cost < best_cost - 1e-12:
                best, best_cost = (section, fac), cost
        section, fac = best
        for i, v in section.items():
            buy.section[i] = v
        buy.facility[s] = fac
    return buy


# ------------------------------------------------------------------------------------------- step 2: CVs
def within_limit(cv: float, limit: float, comparison: str, margin: float = 0.0) -> bool:
    """Whether a difference coefficient passes its limit held ``margin`` below (差异系数达到限值):
    ``compare(cv, limit × (1 − margin))``; an undefined (NaN) coefficient never passes."""
    return bool(compare(cv, limit * (1.0 - margin), comparison)) if not math.isnan(cv) else False


def _raise_to(m: Model, numerator: np.ndarray, rows: np.ndarray, k: int, level: float) -> np.ndarray:
    """Numerator additions that bring the parts ``rows`` up to value ``level`` (whole units rounded up)."""
    return _delivered(m, rows, k, _needs(m, numerator, rows, k, np.full(len(rows), level)))


def cv_step(m: Model, numerator: np.ndarray, exact_limit: int, margin: float = MARGIN) -> Purchase:
    """Step 2, the difference coefficients (差异系数): raw purchases that bring every CV beyond its limit within it,
    on ``numerator`` (the quantities after what is already bought).

    Stage by stage and indicator by indicator, every part below a level :math:`L` is raised to it
    ("water-filling", 补齐低值) with the smallest :math:`L` (bisection) such that

    .. math::

        \\mathrm{CV}\\big(\\max(v_i, L)\\big) \\le \\mathrm{limit} \\cdot (1 - \\mathrm{margin}),

    the CV weighted by students (:func:`junyun_lib.measures.cv.weighted_cv`).  For continuous quantities with
    cost proportional to students this is optimal (at the optimum every raised part sits at one common level,
    KKT).  Whole teachers and rooms are rounded up; when the rounded box of candidate additions holds at most
    ``exact_limit`` combinations every combination is tried and the cheapest that passes taken.
    """
    add = np.zeros_like(numerator)
    scale = np.array([m.scale[c] for c in m.codes])
    students = m.students
    for (stage, code), (limit, comparison) in m.limits.items():
        k = m.codes.index(code)
        rows = np.flatnonzero((m.parts["part"] == stage).to_numpy())
        if len(rows) < 2:
            continue
        base = numerator[rows, k] + add[rows, k]

        def cv_with(extra):
            return weighted_cv((base + extra) * scale[k] / students[rows], students[rows]).cv

        if within_limit(cv_with(0.0), limit, comparison, margin):
            continue
        values = base * scale[k] / students[rows]
        lo, hi = float(values.min()), float(values.max())
        trial = numerator.copy()
        trial[rows, k] = base
        if not within_limit(cv_with(_raise_to(m, trial, rows, k, hi)), limit, comparison, margin):
            hi = max(hi, 1e-12) * 2      # every value 0 (CV undefined): search above it
        for _ in range(100):                    # smallest level whose raise passes (CV falls as L rises)
            mid = (lo + hi) / 2
            if within_limit(cv_with(_raise_to(m, trial, rows, k, mid)), limit, comparison, margin):
                hi = mid
            else:
                lo = mid
        extra = _raise_to(m, trial, rows, k, hi)
        if m.integer[code]:
            extra = _exact_integer(m, rows, k, extra, cv_with, limit, comparison, exact_limit, margin)
        add[rows, k] += extra
    return _to_purchase(m, add)


def _to_purchase(m: Model, add: np.ndarray) -> Purchase:
    """Part-level numerator additions → raw purchases (a school's facility: the larger of its parts' needs)."""
    buy = Purchase.zeros(m)
    for k, code in enumerate(m.codes):
        if not m.facility[code]:
            buy.section[:, k] = np.where(add[:, k] > EPS, add[:, k], 0.0)
            if m.integer[code]:
                buy.section[:, k] = [whole_units(x) for x in buy.section[:, k]]
            continue
        raw = np.where(add[:, k] > EPS, add[:, k] / m.share, 0.0)
        if m.integer[code]:
            raw = np.array([whole_units(x) for x in raw])
        np.maximum.at(buy.facility[:, k], m.school_index, raw)
    return buy


def _exact_integer(m, rows, k, extra, cv_with, limit, comparison, exact_limit, margin) -> np.ndarray:
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
        if within_limit(cv_with(trial), limit, comparison, margin):
            best, best_cost = trial, cost
    return best
