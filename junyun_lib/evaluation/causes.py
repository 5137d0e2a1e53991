"""Causes of a difference coefficient on an evaluation (差异系数成因分析): the measures of
:mod:`junyun_lib.measures.inequality` applied to a county-year's school parts, one indicator and stage at a
time (:func:`indicator_causes`, :func:`causes_table`) or for every county-year at once (:func:`causes_by_group`,
used by the machine-readable results of national files).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..measures.cv import cv_by_codes, group_shares, weighted_cv
from ..measures.inequality import (PERCENTILE_TOL, WithinBetween, contributions, gini, leave_one_out, mcloone,
                                   restricted_range, theil_t, within_between)
from ..threads import map_in_order


@dataclass(frozen=True)
class IndicatorCauses:
    """Causes of one indicator's difference coefficient in one stage (单项指标差异系数成因).

    ``contributions``: one row per school part (NaN values left out), largest share first, with columns
    ``school_id, school_name, urban_rural, share, direction, value, students, loo_cv``.
    """

    stage: str
    indicator: str
    cv: float
    contributions: pd.DataFrame
    by_group: WithinBetween
    theil: float
    gini: float
    mcloone: float
    p5: float
    p95: float
    restricted_range: float


def _stage_parts(result, stage: str, code: str) -> pd.DataFrame:
    if code not in result.standard.codes:
        raise KeyError(f"未知指标 {code!r}；可用: {result.standard.codes} (unknown indicator)")
    parts = result.parts[result.parts["part"] == stage]
    if parts.empty:
        raise KeyError(f"学段 {stage!r} 没有学校 (no school parts in stage {stage!r})")
    return parts[parts[f"value_{code}"].notna()].reset_index(drop=True)


def indicator_causes(result, stage: str, code: str, group_by: str = "urban_rural") -> IndicatorCauses:
    """All the cause measures of one stage and indicator of a ``CountyResult``.

    ``stage`` is "primary" or "junior", ``code`` one of ``result.standard.codes``; ``group_by`` a column of
    ``result.parts`` for the within/between split (default 城乡分类 urban_rural).  Parts with a NaN value
    are left out of every measure; ``cv`` is the CV of the parts kept (from cv.py; equal to the official
    ``result.indicators`` CV when none is left out).
    """
    parts = _stage_parts(result, stage, code)
    x = parts[f"value_{code}"].to_numpy(dtype=float)
    p = parts["students"].to_numpy(dtype=float)
    pos = np.arange(len(parts))
    share = contributions(x, p, labels=pos)
    loo = leave_one_out(x, p, labels=pos)
    rows = share["label"].to_numpy(dtype=int)
    table = pd.DataFrame({
        "school_id": parts["school_id"].to_numpy()[rows],
        "school_name": parts["school_name"].to_numpy()[rows],
        "urban_rural": parts["urban_rural"].astype(object).to_numpy()[rows],
        "share": share["share"].to_numpy(), "direction": share["direction"].to_numpy(),
        "value": share["value"].to_numpy(), "students": share["students"].to_numpy(),
        "loo_cv": loo.loc[rows].to_numpy()})
    rr = restricted_range(x, p)
    return IndicatorCauses(
        stage=stage, indicator=code, cv=weighted_cv(x, p).cv, contributions=table,
        by_group=within_between(x, p, parts[group_by].astype(object).to_numpy()),
        theil=theil_t(x, p), gini=gini(x, p), mcloone=mcloone(x, p), p5=rr.p5, p95=rr.p95,
        restricted_range=rr.range)


def causes_table(result) -> pd.DataFrame:
    """One row per stage and indicator (in ``result.indicators`` order) with the cause measures.

    Columns: ``stage, indicator, indicator_zh, cv, within, between`` (城乡 urban/rural split of CV²),
    ``theil, gini, mcloone, p5, p95, restricted_range, top_school_id, top_school`` (name of the school with
    the largest share of CV²) and ``top_share``.
    """
    rows = []
    for stage, code in result.indicators[["stage", "indicator"]].itertuples(index=False):
        c = indicator_causes(result, stage, code)
        top = c.contributions.iloc[0] if len(c.contributions) else None
        rows.append({"stage": stage, "indicator": code, "indicator_zh": result.standard.indicator(code).name_zh,
                     "cv": c.cv, "within": c.by_group.within, "between": c.by_group.between,
                     "theil": c.theil, "gini": c.gini, "mcloone": c.mcloone, "p5": c.p5, "p95": c.p95,
                     "restricted_range": c.restricted_range,
                     "top_school_id": None if top is None else top["school_id"],
                     "top_school": None if top is None else top["school_name"],
                     "top_share": math.nan if top is None else float(top["share"])})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ all groups at once (JSON)
def _classes(column: pd.Series) -> tuple[np.ndarray, int]:
    """Class numbers of a column in order of first appearance (missing is a class of its own), and how many;
    as ``pd.factorize(column.astype(str))`` but without turning a categorical into text."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        codes, names = pd.factorize(column.astype(str))
        return codes, max(len(names), 1)
    codes = column.cat.codes.to_numpy().astype(np.int64)
    if not len(codes):
        return codes, 1
    codes = np.where(codes < 0, len(column.cat.categories), codes)
    present, first = np.unique(codes, return_index=True)
    rank = np.empty(int(present.max()) + 1, dtype=np.int64)
    rank[present[np.argsort(first)]] = np.arange(len(present))
    return rank[codes], len(present)


def _group_then_value_order(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.lexsort((values, groups))``: positions sorted by group, then by value, ties in their order.

    pyarrow's sort is stable like lexsort and takes about a third of its time on a national table.

    >>> _group_then_value_order(np.array([1, 0, 1, 0]), np.array([2.0, 5.0, 1.0, 5.0])).tolist()
    [1, 3, 2, 0]
    """
    keys = pa.table({"group": groups, "value": values})
    return pc.sort_indices(keys, sort_keys=[("group", "ascending"), ("value", "ascending")]).to_numpy()


def causes_by_group(parts: pd.DataFrame, codes: list[str], *, ranking: bool = True, shares_ready=None) -> dict:
    """The measures of :func:`causes_json` for every stage group of an evaluation at once, vectorised.

    ``parts`` is an evaluation's parts table (``county``, ``year``, ``part``, ``students``, ``urban_rural``,
    ``value_<code>``).  Returns ``{"group": per-part group number (groups = county, year, stage in sorted
    order), code: {"share", "direction", "order", "within", "between", "theil", "gini", "mcloone"}}``: per
    part arrays (share of its group's CV², direction, and an order listing each group's parts largest share
    first) and per group arrays.  Same
    formulas and conventions as the per-county functions above (tested equal), for national files where a
    loop over 40,000 county-stage-indicators would take minutes.  ``ranking=False`` leaves out ``direction``
    and ``order`` (what a table of shares does not need; about a third of the time).  ``shares_ready``, if
    given, is called first with ``{"group": ..., code: {"share": ...}}``: each part's share, the same values,
    computed without the sorts the per-group measures need, so that the results' table of school parts can be
    written while the rest is computed.
    """
    # (the evaluation's own ``group`` codes restart for each standard variant, so number the groups here)
    g_all = parts.groupby(["county", "year", "part"], sort=True, observed=True).ngroup().to_numpy(dtype=np.int64)
    n = int(g_all.max() + 1) if len(g_all) else 0
    urban, n_urban = _classes(parts["urban_rural"])
    students = parts["students"].to_numpy(dtype=float)
    values = {code: parts[f"value_{code}"].to_numpy(dtype=float) for code in codes}   # pandas stays in this thread
    # what depends only on the groups, not on the values, is the same for every indicator without a missing
    # value (the usual case), so computed once here, not once per indicator: each group's students and each
    # part's weight in it (as :func:`cv_by_codes` computes them), for the stage groups and the urban/rural
    # groups within them, and the stage groups in sorted order (their parts sorted by value come in this order)
    total_all, _, p_all = group_shares(students, g_all, n)
    h_all = g_all * n_urban + urban
    h_shares = group_shares(students, h_all, n * n_urban)
    by_group = np.argsort(g_all, kind="stable") if shares_ready else None     # the parts in group order
    g_sorted = g_all[by_group] if shares_ready else np.sort(g_all)
    start_all = np.searchsorted(g_sorted, np.arange(n))
    stop_all = np.searchsorted(g_sorted, np.arange(n), side="right")

    def cv2_terms(x: np.ndarray, g: np.ndarray, p: np.ndarray):
        """``(mean, mean per part, x / mean, term, cv2)``: each group's weighted mean exactly as
        :func:`cv_by_codes` computes it, and each part's term P_i/P · (x_i/x̄ − 1)² of its group's CV²."""
        mean = np.bincount(g, weights=p * x, minlength=n)
        mean_g = mean[g]
        rel = x / mean_g
        term = p * (rel - 1.0) ** 2
        return mean, mean_g, rel, term, np.bincount(g, weights=term, minlength=n)

    def share_of(code: str) -> np.ndarray:
        """Each part's share of its group's CV², as :func:`measures_of` gives it, without the sort by value."""
        x = values[code]
        if np.isnan(x).any():           # a column with missing values: from the full computation
            return measures_of(code, shares=True)["share"]
        with np.errstate(divide="ignore", invalid="ignore"):
            _, _, _, term, cv2 = cv2_terms(x, g_all, p_all)
            # each group's smallest and largest value, exactly, from the parts in group order: only whether
            # they are equal counts (every part the same: exactly no inequality)
            filled = stop_all > start_all
            lo, hi = np.full(n, np.nan), np.full(n, np.nan)
            if filled.any():
                in_order, first = x[by_group], start_all[filled]
                lo[filled], hi[filled] = np.minimum.reduceat(in_order, first), np.maximum.reduceat(in_order, first)
            return np.where((lo == hi)[g_all], 0.0, term / cv2[g_all])

    def measures_of(code: str, shares: bool = False) -> dict:
        # each temporary (one value per part: 23 MB each on 3 million parts) is let go as soon as it has been
        # used, so that two indicators computed at once do not hold some 30 of them each
        x_all = values[code]
        keep = ~np.isnan(x_all)
        every = bool(keep.all())        # the usual case: no copies of the whole columns
        x, g, w = (x_all, g_all, students) if every else (x_all[keep], g_all[keep], students[keep])
        with np.errstate(divide="ignore", invalid="ignore"):
            if every:
                total, p = total_all, p_all
            else:
                total = np.bincount(g, weights=w, minlength=n)
                p = w / total[g]
            # the weighted mean exactly as :func:`cv_by_codes` computes it (its SD and CV are not needed here)
            mean, mean_g, rel, term, cv2 = cv2_terms(x, g, p)
            if not every:       # (a group without parts: no part reads its mean)
                mean[np.bincount(g, minlength=n) == 0] = np.nan
            theil = np.bincount(g, weights=np.where(x > 0, p * rel * np.log(np.where(x > 0, rel, 1.0)), 0.0),
                                minlength=n)
            del rel
            # each group's parts sorted by value (Gini, McLoone, and its smallest and largest value)
            order = _group_then_value_order(g, x)
            xs = x[order]
            if every:
                gs, start, stop = g_sorted, start_all, stop_all
            else:
                gs = g[order]
                start = np.searchsorted(gs, np.arange(n))
                stop = np.searchsorted(gs, np.arange(n), side="right")
            filled = stop > start
            lo = np.where(filled, xs[np.minimum(start, len(xs) - 1)], np.nan) if len(xs) else np.full(n, np.nan)
            hi = np.where(filled, xs[np.maximum(stop - 1, 0)], np.nan) if len(xs) else np.full(n, np.nan)
            equal = lo == hi                                  # every part the same: exactly no inequality
            share = np.where(equal[g], 0.0, term / cv2[g])
            del term
            # within / between 城乡分类: groups h = (stage group, urban/rural class)
            rh = cv_by_codes([x], w, h_all, n * n_urban, shares=h_shares) if every else \
                cv_by_codes([x], w, g * n_urban + urban[keep], n * n_urban)
            s_h = rh["students"] / np.repeat(np.where(total > 0, total, np.nan), n_urban)
            mu = np.repeat(mean, n_urban)
            present = rh["n"] > 0
            within_h = np.where(present, s_h * (rh["sd"][:, 0] / mu) ** 2, 0.0)
            between_h = np.where(present, s_h * (rh["mean"][:, 0] / mu - 1.0) ** 2, 0.0)
            within = within_h.reshape(n, n_urban).sum(axis=1)
            between = between_h.reshape(n, n_urban).sum(axis=1)
            ps = p[order]
            del p
            cum = np.cumsum(ps)
            before = np.concatenate([[0.0], cum])[start]            # cumulative share before each group
            c_incl = cum - before[gs]
            del cum
            gini = np.bincount(gs, weights=ps * xs * (2 * c_incl - ps - 1.0), minlength=n) / mean
            del ps, c_incl
            ws = w[order]
            del order
            w_cum = np.cumsum(ws)
            w_before = np.concatenate([[0.0], w_cum])[start]
            reach = (w_cum - w_before[gs]) >= 0.5 * total[gs] * (1.0 - PERCENTILE_TOL)
            del w_cum
            first = np.full(n, len(xs))
            hits = np.flatnonzero(reach)
            del reach
            # first part reaching half, per group (``gs`` is sorted: the first of each run of a group)
            hit_groups = gs[hits]
            starts = np.flatnonzero(np.r_[True, hit_groups[1:] != hit_groups[:-1]]) if len(hits) else hits
            first[hit_groups[starts]] = hits[starts]
            del hits, hit_groups
            median = np.where(first < len(xs), xs[np.minimum(first, len(xs) - 1)], np.nan)
            low = xs <= median[gs]
            mcloone = np.bincount(gs, weights=np.where(low, ws * xs, 0.0), minlength=n) / (
                median * np.bincount(gs, weights=np.where(low, ws, 0.0), minlength=n))
            del low, ws, gs, xs
        theil = np.where(equal, 0.0, theil)
        gini = np.where(equal, 0.0, gini)
        mcloone = np.where(equal & (median > 0), 1.0, mcloone)
        part_share = share if every else np.full(len(x_all), np.nan)
        if not every:
            part_share[keep] = share
        if shares:
            return {"share": part_share}
        measures = {"share": part_share, "within": within, "between": between, "theil": theil, "gini": gini,
                    "mcloone": mcloone}
        if ranking:
            part_direction = np.full(len(x_all), None, dtype=object)
            part_direction[keep] = np.where(equal[g] | (x == mean_g), "at", np.where(x < mean_g, "below", "above"))
            measures["direction"] = part_direction
            measures["order"] = _group_then_value_order(g_all, -np.nan_to_num(part_share, nan=-1.0))
        return measures

    # the indicators are independent: on a national file two threads take them two at a time
    if shares_ready is not None:
        shares_ready({"group": g_all, **{code: {"share": share} for code, share in
                                         zip(codes, map_in_order(share_of, codes, rows=len(parts)))}})
    return {"group": g_all, **dict(zip(codes, map_in_order(measures_of, codes, rows=len(parts))))}
