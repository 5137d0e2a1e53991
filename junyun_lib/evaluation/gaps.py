"""Gaps in real units and their cost (差距测算：缺口与所需经费).

Two views of what a school part below the standard of indicator k lacks:

* **the part's own need** (该学段部分缺口, ``shortfall_<code>``)::

      shortfall = standard × students / scale − numerator

  in the indicator's own unit: whole teachers and whole classrooms (rounded up), m² and 元 (continuous).
  For a split mixed school it is measured in the part's own share of the facilities.
* **what must be added to the raw table** (需补充, ``school_shortfall_<code>``).  Teachers are reported per
  section and not split, so a section needs its own shortfall.  The four facility quantities of a mixed
  school (网络多媒体教室数, 教学仪器设备值, 体育运动场馆面积, 教学及辅助用房面积) are split by the shares of the national
  有关事项说明（五） (:mod:`junyun_lib.evaluation.splitting`): a part receives only ``share`` of whatever the
  school adds, so the school must add ``need ÷ share`` for that part to meet the standard, and the larger
  of its parts' figures for every part to meet it (全校需补充).

Costs (``cost_<code>``, 万元) are the amount to add × the unit cost (:mod:`junyun_lib.io.costs`), counted once
per school: a mixed school's facility cost sits on the part whose need decides the whole-school figure, and is
0 on its other part, so sums over parts and over stages count every school once (decision 92).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..columns import with_columns
from ..rules import REL_TOL, Standard
from ..rules.schema import STAGES


def split_schools(parts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The parts of split schools (share < 1): their positions, school numbers and each school's first one.

    A part with share 1 is its school's only part in scope (every other stage has no weighted students), so
    only parts with share < 1 can share a school.  Parts of one school are adjacent
    (:func:`junyun_lib.evaluation.indicators.build_parts` orders them by the school's row, primary before
    junior), so among them a school starts wherever the county-year (``group`` ÷ the number of stages, or
    ``county`` and ``year`` without ``group``) or the school id changes.

    Returns
    -------
    tuple of ndarray
        ``positions`` (rows of ``parts``), ``school`` (0, 0, 1, …: the school of each of those rows) and
        ``starts`` (the index into ``positions`` of each school's first part).
    """
    positions = np.flatnonzero(parts["share"].to_numpy(dtype=float) < 1.0)
    new = np.ones(len(positions), dtype=bool)
    if len(positions) > 1:
        keys = ["group"] if "group" in parts else ["county", "year"]
        same = np.ones(len(positions) - 1, dtype=bool)
        for column in [*keys, "school_id"]:
            picked = parts[column].iloc[positions]
            if isinstance(picked.dtype, pd.StringDtype):     # text compared by pyarrow, not as Python strings
                values = pa.array(picked)
                same &= pc.fill_null(pc.equal(values[1:], values[:-1]), False).to_numpy(zero_copy_only=False)
                continue
            values = picked.to_numpy()
            if column == "group":
                values = values // len(STAGES)           # the county-year
            same &= values[1:] == values[:-1]
        new[1:] = ~same
    return positions, np.cumsum(new) - 1, np.flatnonzero(new)


def _round_up(amount: np.ndarray) -> np.ndarray:
    """Whole units, rounded up; an amount within the comparison tolerance of an integer is that integer."""
    return np.maximum(np.ceil(amount - REL_TOL * np.maximum(np.abs(amount), 1.0)), 0.0) + 0.0   # + 0.0: no −0.0


def whole_school_shortfalls(parts: pd.DataFrame, indicator, split=None) -> dict[str, np.ndarray]:
    """The part view and the whole-school view of one indicator's shortfall, for every school part.

    For part :math:`p` of school :math:`s` with students :math:`N_p`, standard :math:`T_p`, numerator
    :math:`x_p` (its own teachers, or the school's facility × its share :math:`a_p`) and scale :math:`c`:

    .. math::

        d_p = \\begin{cases} 0 & \\text{the part meets the standard} \\\\
                             \\max\\left(T_p N_p / c - x_p,\\ 0\\right) & \\text{otherwise} \\end{cases}

        \\text{part}_p = d_p \\quad (\\lceil d_p \\rceil \\text{ for whole teachers and rooms})

        W_s = \\max_{q \\in s} \\frac{d_q}{a_q} \\quad (\\lceil W_s \\rceil \\text{ for whole rooms})

    A facility added to the school reaches part :math:`q` as :math:`a_q` of it (national 有关事项说明（五）),
    so :math:`W_s` is the least the school must add for every part to meet the standard.  Teachers are not
    split: the section adds its own :math:`\\text{part}_p`.  Whole rooms are rounded once, on :math:`W_s`
    (not :math:`\\lceil d_q \\rceil / a_q`, which would count a part's fraction of a room as a whole room).

    Parameters
    ----------
    parts : DataFrame
        School parts with ``students``, ``share``, ``numerator_<code>``, ``standard_<code>``,
        ``meets_<code>`` and the school keys (``county``, ``year``, ``school_id``); parts of a school adjacent.
    indicator : Indicator
        The indicator of the standard (its ``scale``, ``numerator_kind``, ``shortfall_integer``).
    split : tuple of ndarray, optional
        :func:`split_schools` of ``parts``, when the caller has it already (one pass for every indicator).

    Returns
    -------
    dict
        ``part`` (the part's own shortfall), ``school`` (what must be added: :math:`W_s` for a facility,
        repeated on every part of the school; the part's own shortfall for teachers) and ``counted`` (True on
        the part under which the addition is counted once: for a facility the first part reaching the
        maximum :math:`d_q / a_q`, for teachers every part).

    Examples
    --------
    A 九年一贯制 school with 600 primary and 400 junior pupils: junior share 1.1·400 / (600 + 1.1·400) =
    440/1040.  A junior part 120 m² short needs 120 ÷ (440/1040) = 283.6 m² at school level.

    >>> p = pd.DataFrame({"county": "县", "year": 2023, "school_id": ["S", "S"], "students": [600, 400],
    ...                   "share": [600 / 1040, 440 / 1040], "numerator_a": [9360 * 600 / 1040, 9360 * 440 / 1040],
    ...                   "standard_a": [7.5, 10.2], "meets_a": [True, False]})
    >>> class A: code, scale, numerator_kind, shortfall_integer = "a", 1, "facility", False
    >>> r = whole_school_shortfalls(p, A)
    >>> r["part"].round(6).tolist(), r["school"].round(6).tolist(), r["counted"].tolist()
    ([0.0, 120.0], [283.636364, 283.636364], [False, True])
    """
    need = _own_need(parts, indicator)
    part = _round_up(need) if indicator.shortfall_integer else need
    school_need, counted = part.copy(), np.ones(len(parts), dtype=bool)
    if indicator.numerator_kind == "facility":   # parts with share 1 are whole schools: their need is the school's
        positions, whole, first = _split_view(parts, indicator, split, need)
        school_need[positions], counted[positions] = whole, first
    return {"part": part, "school": school_need, "counted": counted}


def _own_need(parts: pd.DataFrame, indicator, rows=slice(None)) -> np.ndarray:
    """:math:`d_p` of the parts ``rows``: 0 where the part meets the standard, else standard × students / scale −
    numerator (not rounded)."""
    code = indicator.code
    needed = (parts[f"standard_{code}"].to_numpy(dtype=float)[rows] * parts["students"].to_numpy(dtype=float)[rows]
              / indicator.scale - parts[f"numerator_{code}"].to_numpy(dtype=float)[rows])
    return np.where(parts[f"meets_{code}"].to_numpy(dtype=bool)[rows], 0.0, np.maximum(needed, 0.0))


def _split_view(parts: pd.DataFrame, indicator, split=None, need=None):
    """For the parts of split schools only: their positions, :math:`W_s` and whether the part is counted."""
    positions, school, starts = split if split is not None else split_schools(parts)
    if not len(positions):
        return positions, np.zeros(0), np.zeros(0, dtype=bool)
    own = need[positions] if need is not None else _own_need(parts, indicator, positions)
    at_school = own / parts["share"].to_numpy(dtype=float)[positions]      # share > 0 for every part
    most = np.maximum.reduceat(at_school, starts)
    whole = _round_up(most) if indicator.shortfall_integer else most
    order = np.arange(len(positions))
    first_max = np.minimum.reduceat(np.where(at_school == most[school], order, len(positions)), starts)
    return positions, whole[school], order == first_max[school]


def shortfall_views(parts: pd.DataFrame, standard: Standard) -> dict[str, dict[str, np.ndarray]]:
    """:func:`whole_school_shortfalls` of every indicator of the standard, split schools found once.

    Pass the result to :func:`add_shortfalls` and :func:`gap_summary` so that neither computes it again.
    """
    split = split_schools(parts)
    return {ind.code: whole_school_shortfalls(parts, ind, split) for ind in standard.indicators}


def add_shortfalls(parts: pd.DataFrame, standard: Standard, costs: pd.DataFrame, views=None) -> pd.DataFrame:
    """Adds ``shortfall_<code>``, ``school_shortfall_<code>``, ``cost_<code>`` (万元) and ``cost_total``.

    .. math::

        \\text{cost}_{p,k} = [p \\text{ counted}]\\; W_{s,k} \\cdot u_k \\quad\\text{(facility)},\\qquad
        \\text{cost}_{p,k} = \\text{part}_{p,k} \\cdot u_k \\quad\\text{(teachers)}

    with :math:`u_k` the unit cost (万元 per unit) and :math:`W_{s,k}`, ``part`` and "counted" as in
    :func:`whole_school_shortfalls`: a mixed school's facility is costed once, on one of its parts.

    Parameters
    ----------
    parts : DataFrame
        The parts table after :func:`junyun_lib.evaluation.school_rule.apply_school_rule`.
    standard : Standard
        The standard (nothing is added when it sets no school-level values).
    costs : DataFrame
        The unit-cost table (``indicator``, ``cost_wan_per_unit``); a missing indicator costs NaN.
    views : dict, optional
        :func:`shortfall_views` of ``parts`` (computed here when not given).

    Returns
    -------
    DataFrame
        A new frame (``parts`` is left as it was): ``parts`` with, per indicator, ``shortfall_<code>`` (the
        part's own need), ``school_shortfall_<code>`` (what must be added: the whole-school figure for a
        facility, the section's own need for teachers) and ``cost_<code>``, and ``cost_total`` (NaN costs count
        as 0).
    """
    if not standard.has_school_standards:
        return parts
    views = views if views is not None else shortfall_views(parts, standard)
    unit_cost = dict(zip(costs["indicator"], costs["cost_wan_per_unit"]))
    total_cost = np.zeros(len(parts))
    added = {}
    for ind in standard.indicators:
        view = views[ind.code]
        cost = counted_shortfall(view) * unit_cost.get(ind.code, np.nan)
        added[f"shortfall_{ind.code}"] = view["part"]
        added[f"school_shortfall_{ind.code}"] = view["school"]
        added[f"cost_{ind.code}"] = cost
        total_cost += np.nan_to_num(cost, nan=0.0)
    added["cost_total"] = total_cost
    return with_columns(parts, added)


#: the summed columns of the gap table (:func:`gap_sums`)
GAP_SUMS = ("schools_below", "shortfall", "school_shortfall", "cost_wan")


def gap_sums(parts: pd.DataFrame, code: str, counted: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Per stage group (``parts["group"]``, 0..n−1) of indicator ``code``: parts below standard, the part view's
    shortfall, what must be added (``counted``: :func:`counted_shortfall` of the indicator's view) and its cost."""
    codes = parts["group"].to_numpy()
    below = ~parts[f"meets_{code}"].to_numpy(dtype=bool)
    return {"schools_below": np.bincount(codes, weights=below, minlength=n).astype("int64"),
            "shortfall": np.bincount(codes, weights=parts[f"shortfall_{code}"].to_numpy(), minlength=n),
            "school_shortfall": np.bincount(codes, weights=counted, minlength=n),
            "cost_wan": np.bincount(codes, weights=parts[f"cost_{code}"].fillna(0).to_numpy(), minlength=n)}


def counted_shortfall(view: dict[str, np.ndarray]) -> np.ndarray:
    """What each part carries of what must be added: W on a split school's counted part, 0 on its other part."""
    return np.where(view["counted"], view["school"], 0.0)


def gap_summary(parts: pd.DataFrame, standard: Standard, costs: pd.DataFrame, stage_keys: pd.DataFrame,
                views=None) -> pd.DataFrame:
    """County totals per stage and indicator: parts below standard, both shortfalls, cost (万元).

    .. math::

        \\text{shortfall}_{g,k} = \\sum_{p \\in g} \\text{part}_{p,k},\\qquad
        \\text{school\\_shortfall}_{g,k} = \\sum_{p \\in g,\\ p \\text{ counted}} W_{s(p),k},\\qquad
        \\text{cost}_{g,k} = \\sum_{p \\in g} \\text{cost}_{p,k}

    over the parts :math:`p` of stage group :math:`g`.  ``shortfall`` is the part view (each part's own
    need); ``school_shortfall`` and ``cost_wan`` are what must be added, each school counted once: a mixed
    school's facility figure :math:`W` under the stage whose part decides it (:func:`whole_school_shortfalls`),
    teachers per section.  Summed over stages they count every school once.

    Parameters
    ----------
    parts : DataFrame
        The parts table after :func:`add_shortfalls`.
    standard : Standard
        The standard.
    costs : DataFrame
        The unit-cost table (``basis_zh`` gives ``cost_basis``).
    stage_keys : DataFrame
        (county, year, stage) for each group code of ``parts["group"]``.
    views : dict, optional
        :func:`shortfall_views` of ``parts`` (computed here when not given).

    Returns
    -------
    DataFrame
        county, year, stage, indicator, name_zh, schools_below, shortfall, school_shortfall, unit_zh, cost_wan,
        cost_basis.
    """
    columns = ["county", "year", "stage", "indicator", "name_zh", "schools_below", "shortfall", "school_shortfall",
               "unit_zh", "cost_wan", "cost_basis"]
    if not standard.has_school_standards:
        return pd.DataFrame(columns=columns)
    basis = dict(zip(costs["indicator"], costs["basis_zh"])) if "basis_zh" in costs else {}
    codes, n = parts["group"].to_numpy(), len(stage_keys)
    present = np.bincount(codes, minlength=n) > 0
    rows = []
    views = views if views is not None else shortfall_views(parts, standard)
    for ind in standard.indicators:
        block = stage_keys[present].copy()
        block["indicator"], block["name_zh"] = ind.code, ind.name_zh
        sums = gap_sums(parts, ind.code, counted_shortfall(views[ind.code]), n)
        for name in GAP_SUMS:
            block[name] = sums[name][present]
        block["unit_zh"] = ind.shortfall_unit_zh
        block["cost_basis"] = basis.get(ind.code, "")
        block["_order"] = np.flatnonzero(present)
        rows.append(block)
    out = pd.concat(rows, ignore_index=True)
    order = np.argsort(out["_order"].to_numpy(), kind="stable")
    return out.iloc[order].drop(columns="_order")[columns].reset_index(drop=True)
