"""Causes of a difference coefficient (差异系数成因分析): which schools and which groups make the CV large.

For one county, year, stage and indicator, with X_i a school part's indicator value and P_i its enrolled
students (P = Σ P_i, p_i = P_i / P, X̄ = Σ p_i X_i), the difference coefficient of 教督〔2017〕6号 (see
:mod:`junyun_lib.cv`, the only place the CV itself is computed) squares and rearranges to

    CV² = Σ p_i (X_i − X̄)² / X̄² = Σ p_i (X_i / X̄ − 1)²

so every school adds a non-negative term to CV², and its share of CV² says how much of the gap it causes.
This module gives, on the same enrolment weights:

* :func:`contributions` — each school's share of CV² (贡献份额) and whether it lies below/above the mean;
* :func:`leave_one_out` — the CV without each school (留一差异系数), computed by :mod:`junyun_lib.cv`;
* :func:`within_between` — CV² split into within-group (组内) and between-group (组间) parts, e.g. 城区/镇区/乡村;
* :func:`theil_t` (泰尔指数), :func:`gini` (基尼系数), :func:`mcloone` (麦克伦指数) and
  :func:`restricted_range` (限定极差), the classic school-finance equity measures, enrolment-weighted;
* :func:`indicator_causes`, :func:`causes_table`, :func:`causes_json` — the same on a junyun ``CountyResult``.

Common conventions
------------------
* **Missing values.**  Parts whose value is NaN are left out of every measure (they are neither counted in
  P nor in X̄), in every function here.  ``CountyResult`` parts normally have none; the official CV of a
  stage with a NaN value would itself be NaN, whereas the measures here describe the remaining parts.
* **Negative inputs** (values or students) raise ``ValueError``: indicator values are per-student or
  per-100-student counts and cannot be negative, and the Theil index is undefined for them.
* **Weighted percentiles (加权分位数).**  With the kept values sorted, X_(1) ≤ … ≤ X_(n), and C_k the
  cumulative students up to and including X_(k), the q-th enrolment-weighted percentile is the smallest
  value at which the cumulative student share reaches q::

      Q(q) = min { X_(k) : C_k / P ≥ q }

  i.e. the lower inverse of the enrolment-weighted distribution function; it is always a value some school
  actually has.  The weighted median M = Q(0.5), P5 = Q(0.05), P95 = Q(0.95).  (This agrees with the SAS /
  statsmodels ``DescrStatsW.quantile`` weighted definition except when q·P equals some C_k exactly, where
  SAS averages X_(k) and X_(k+1) and this module takes X_(k).)  The comparison C_k ≥ q·P allows a relative
  float tolerance of 1e-12, so an exact tie is still a tie after rounding (with decimal weights 1.4 + 0.4
  sums to 1.7999999999999998, below 0.5 × 3.6 = 1.8).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .cv import cv_by_codes, weighted_cv
from .jsonview import json_number as _num

_TOL = 1e-12   # relative tolerance of "the cumulative share reaches q"


# ------------------------------------------------------------------------------------------------ helpers
def _clean(values, students, *others):
    """Arrays as float, NaN values left out; returns (x, p, kept positions, *others restricted)."""
    x = np.asarray(values, dtype=float).ravel()
    p = np.asarray(students, dtype=float).ravel()
    if x.shape != p.shape:
        raise ValueError(f"values and students differ in length ({len(x)} vs {len(p)})")
    keep = ~np.isnan(x)
    if np.any(x[keep] < 0) or np.any(p < 0) or np.any(np.isnan(p[keep])):
        raise ValueError("values and students must be non-negative numbers (指标值和学生数不能为负)")
    rest = []
    for o in others:
        if o is None:
            rest.append(None)
        else:
            a = np.asarray(o, dtype=object).ravel()
            if len(a) != len(x):
                raise ValueError(f"labels/groups differ in length from values ({len(a)} vs {len(x)})")
            rest.append(a[keep])
    return (x[keep], p[keep], np.flatnonzero(keep), *rest)


def _labels(labels, kept: np.ndarray) -> np.ndarray:
    """School labels of the kept parts: the given labels, else the parts' positions in the input."""
    return kept if labels is None else labels


def _all_equal(x: np.ndarray) -> bool:
    """All kept values identical: then CV, Theil and Gini are exactly 0 and McLoone exactly 1.

    Tested directly rather than through X̄, because Σ p_i·X_i rounds to a mean one ulp off the common value,
    which would turn rounding noise into large "shares" of a CV² that is really 0.
    """
    return len(x) > 0 and bool(x.min() == x.max())


def _sorted_cumulative(x: np.ndarray, p: np.ndarray):
    order = np.argsort(x, kind="mergesort")
    xs, ps = x[order], p[order]
    return xs, ps, np.cumsum(ps)


# ------------------------------------------------------------------------------------ 1. contributions
def contributions(values, students, labels=None) -> pd.DataFrame:
    """Each school's share of CV² (贡献份额), sorted by share, largest first.

    Source: the difference-coefficient formula of 教督〔2017〕6号 (:mod:`junyun_lib.cv`) squared and rearranged:
    CV² = S² / X̄² = Σ (P_i/P)·(X_i/X̄ − 1)², so school i's share is

        share_i = (P_i/P)·(X_i/X̄ − 1)² / CV²,     Σ share_i = 1.

    The shares are normalised by the sum of the terms (which equals the square of cv.py's CV up to float
    rounding), so they sum to 1 to float precision.  If CV = 0 (all values equal, or one school; detected
    exactly rather than through the rounded X̄) every share is 0 and every direction "at"; if CV is undefined (X̄ = 0) every share is NaN.  X̄ comes from :func:`junyun_lib.cv.weighted_cv`.

    Columns: ``label`` (the given labels, else input positions), ``value`` X_i, ``students`` P_i, ``share``,
    ``direction`` — "below" / "above" the weighted mean X̄ (低于/高于均值), "at" when equal.
    Parts with a NaN value are left out.
    """
    x, p, kept, lab = _clean(values, students, labels)
    lab = _labels(lab, kept)
    mean = weighted_cv(x, p).mean if len(x) else np.nan
    if _all_equal(x) and p.sum() > 0:
        mean = x[0]                                            # exact: every term is 0
    with np.errstate(divide="ignore", invalid="ignore"):
        term = (p / p.sum()) * (x / mean - 1.0) ** 2          # (P_i/P)(X_i/X̄ − 1)²
        total = term.sum()                                     # CV²
        if not len(x) or not np.isfinite(total):
            share = np.full(len(x), np.nan)
        elif total == 0:
            share = np.zeros(len(x))
        else:
            share = term / total
    direction = np.where(x < mean, "below", np.where(x > mean, "above", "at"))
    out = pd.DataFrame({"label": lab, "value": x, "students": p, "share": share, "direction": direction})
    return out.sort_values("share", ascending=False, kind="mergesort").reset_index(drop=True)


# ------------------------------------------------------------------------------------ 2. leave-one-out
def leave_one_out(values, students, labels=None) -> pd.Series:
    """The difference coefficient without each school (留一差异系数), one value per school.

    CV_(−k) is the CV of 教督〔2017〕6号 over all parts except k, computed by
    :func:`junyun_lib.cv.cv_by_codes` on an n×(n−1) replicated layout (group k = every part but k).  The
    drop CV − CV_(−k) is how much the county's CV would fall without that school.  NaN when there is only
    one school (nothing is left).  Indexed by the labels (else input positions); NaN values left out.
    """
    x, p, kept, lab = _clean(values, students, labels)
    lab = _labels(lab, kept)
    n = len(x)
    if n < 2:
        return pd.Series(np.full(n, np.nan), index=pd.Index(lab, name="label"), name="loo_cv")
    # row r of the replicated layout is part `src` in group `grp`; every group omits exactly its own part
    grp = np.repeat(np.arange(n), n - 1)
    offset = np.tile(np.arange(n - 1), n)
    src = offset + (offset >= grp)                     # skip index grp
    r = cv_by_codes(x[src].reshape(-1, 1), p[src], grp, n)
    return pd.Series(r["cv"][:, 0], index=pd.Index(lab, name="label"), name="loo_cv")


# ------------------------------------------------------------------------------------ 3. within/between
@dataclass(frozen=True)
class WithinBetween:
    """CV² split into within-group (组内) and between-group (组间) parts.

    ``within + between == cv2`` (to float precision); ``groups`` has one row per group: ``group``,
    ``students``, ``student_share`` s_g, ``mean`` μ_g, ``sd`` S_g, ``cv`` CV_g, ``within`` (the group's
    within term) and ``between`` (its between term).
    """

    within: float     # Σ_g s_g (μ_g/μ)² CV_g²   组内部分
    between: float    # Σ_g s_g (μ_g/μ − 1)²     组间部分
    cv2: float        # CV² of all the parts (from cv.py)  总差异系数的平方
    cv: float         # CV of all the parts (from cv.py)
    groups: pd.DataFrame

    @property
    def within_share(self) -> float:
        """Share of CV² that lies within groups (组内占比)."""
        return self.within / self.cv2 if self.cv2 else math.nan

    @property
    def between_share(self) -> float:
        """Share of CV² that lies between groups (组间占比)."""
        return self.between / self.cv2 if self.cv2 else math.nan


def within_between(values, students, groups) -> WithinBetween:
    """Within/between decomposition of CV² (组内/组间分解), e.g. by 城乡分类 城区/镇区/乡村.

    The weighted variance splits into within- and between-group variance (law of total variance); divided
    by μ² (μ = X̄ of all parts) this gives

        CV² = Σ_g s_g (μ_g/μ)² CV_g²  +  Σ_g s_g (μ_g/μ − 1)²
              ─────── within ───────     ──── between ────

    with s_g the group's share of students, μ_g its enrolment-weighted mean and CV_g its difference
    coefficient (all from :func:`junyun_lib.cv.cv_by_codes`).  The within term of a group is evaluated as
    s_g (S_g/μ)², identical to s_g (μ_g/μ)² CV_g² and still defined when μ_g = 0.  Missing group labels
    form a group of their own; parts with a NaN value are left out.  Source: the CV of 教督〔2017〕6号
    squared; the decomposition is the standard one of the squared coefficient of variation (a member of the
    generalised-entropy family, GE(2) = CV²/2, Shorrocks 1980).
    """
    x, p, _, g = _clean(values, students, groups)
    codes, uniques = pd.factorize(pd.Series(g, dtype=object), use_na_sentinel=False, sort=True)
    k = len(uniques)
    total = weighted_cv(x, p)
    r = cv_by_codes(x.reshape(-1, 1), p, codes, k)
    mu = total.mean
    with np.errstate(divide="ignore", invalid="ignore"):
        s = r["students"] / total.students
        w_terms = s * (r["sd"][:, 0] / mu) ** 2
        b_terms = s * (r["mean"][:, 0] / mu - 1.0) ** 2
    table = pd.DataFrame({"group": list(uniques), "students": r["students"], "student_share": s,
                          "mean": r["mean"][:, 0], "sd": r["sd"][:, 0], "cv": r["cv"][:, 0],
                          "within": w_terms, "between": b_terms})
    within = float(w_terms.sum()) if k else math.nan
    between = float(b_terms.sum()) if k else math.nan
    return WithinBetween(within=within, between=between, cv2=total.cv ** 2, cv=total.cv, groups=table)


# ------------------------------------------------------------------------------- 4. equity measures
def weighted_percentile(values, students, q):
    """Enrolment-weighted percentile(s) Q(q) = min{X_(k) : C_k/P ≥ q} (加权分位数; see the module docstring).

    ``q`` in [0, 1], scalar or array.  NaN when no part is left or P = 0.
    """
    x, p, _ = _clean(values, students)
    qs = np.atleast_1d(np.asarray(q, dtype=float))
    if np.any((qs < 0) | (qs > 1)):
        raise ValueError("q must lie in [0, 1]")
    total = p.sum()
    if not len(x) or total <= 0:
        out = np.full(qs.shape, np.nan)
    else:
        xs, _, cum = _sorted_cumulative(x, p)
        # first k with C_k ≥ q·P (with a relative tolerance for float rounding of q·P)
        k = np.searchsorted(cum, qs * total * (1.0 - _TOL), side="left")
        out = xs[np.minimum(k, len(xs) - 1)]
    return float(out[0]) if np.ndim(q) == 0 else out


def _positive_mean(values, students):
    """(x, p, X̄) with NaN values left out; X̄ is None when no part is left or X̄ is not positive."""
    x, p, _ = _clean(values, students)
    mean = weighted_cv(x, p).mean if len(x) else math.nan
    return x, p, (mean if mean > 0 else None)


def theil_t(values, students) -> float:
    """Enrolment-weighted Theil T index (泰尔指数).

    T = Σ (P_i/P)·(X_i/X̄)·ln(X_i/X̄), with 0·ln 0 = 0 (a school with value 0 adds nothing).  0 when all
    values are equal; NaN when X̄ = 0 or no part is left.  Source: H. Theil, *Economics and Information
    Theory* (1967); here with students as the population weights.
    """
    x, p, mean = _positive_mean(values, students)
    if mean is None or _all_equal(x):
        return math.nan if mean is None else 0.0
    ratio = x / mean
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(ratio > 0, ratio * np.log(ratio), 0.0)
    return float(np.sum((p / p.sum()) * term))


def gini(values, students) -> float:
    """Enrolment-weighted Gini coefficient (基尼系数).

    G = Σ_i Σ_j p_i p_j |X_i − X_j| / (2 X̄), p_i = P_i/P (the mean absolute difference between two random
    students' schools, over twice the mean; Gini 1912).  Computed in O(n log n): with the values sorted and
    C_i the cumulative share up to and including i, Σ_i Σ_j p_i p_j |X_i − X_j| = 2 Σ_i p_i X_i (C_{i−1} +
    C_i − 1), so G = Σ_i p_i X_i (C_{i−1} + C_i − 1) / X̄.  0 when all values are equal; NaN when X̄ = 0.
    """
    x, p, mean = _positive_mean(values, students)
    if mean is None or _all_equal(x):
        return math.nan if mean is None else 0.0
    xs, ps, _ = _sorted_cumulative(x, p)
    share = ps / ps.sum()
    cum = np.cumsum(share)
    prev = cum - share
    return float(np.sum(share * xs * (prev + cum - 1.0)) / mean)


def mcloone(values, students) -> float:
    """McLoone index (麦克伦指数): how close the schools below the median are to the median.

    McLoone = Σ_{X_i ≤ M} P_i X_i / (M · Σ_{X_i ≤ M} P_i), M the enrolment-weighted median Q(0.5) (see the
    module docstring).  1 means every student below the median is at the median; lower is less equal.  NaN
    when M = 0 or no part is left.  Source: the McLoone index of US school-finance equity studies
    (Odden & Picus, *School Finance: A Policy Perspective*), with students as weights.
    """
    x, p, _ = _clean(values, students)
    m = weighted_percentile(x, p, 0.5)
    if not (m > 0):
        return math.nan
    if _all_equal(x):
        return 1.0
    low = x <= m
    return float(np.sum(p[low] * x[low]) / (m * np.sum(p[low])))


@dataclass(frozen=True)
class RestrictedRange:
    """Restricted range (限定极差) P95 − P5 with its two percentiles."""

    p5: float
    p95: float
    range: float


def restricted_range(values, students) -> RestrictedRange:
    """Restricted range (限定极差) = P95 − P5 of the enrolment-weighted distribution.

    Percentiles as in the module docstring (Q(0.95) − Q(0.05)); the 5% of students at either end are
    ignored, so a single outlier school does not set the range.  Source: R. Berne & L. Stiefel, *The
    Measurement of Equity in School Finance* (1984).
    """
    p5, p95 = weighted_percentile(values, students, np.array([0.05, 0.95]))
    return RestrictedRange(p5=float(p5), p95=float(p95), range=float(p95 - p5))


# ----------------------------------------------------------------------------- 5. on a CountyResult
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


def causes_json(result, stage: str, code: str) -> dict:
    """The JSON shape the evaluation file carries for one stage and indicator.

    Exactly ``{"contributions": [{"school_id", "share", "direction"}, …] (largest share first),
    "by_urban_rural": {"within", "between"}, "theil", "gini", "mcloone"}``; floats are Python floats and
    NaN becomes ``None``.
    """
    c = indicator_causes(result, stage, code, group_by="urban_rural")
    return {
        "contributions": [{"school_id": str(s), "share": _num(sh), "direction": str(d)}
                          for s, sh, d in c.contributions[["school_id", "share", "direction"]]
                          .itertuples(index=False)],
        "by_urban_rural": {"within": _num(c.by_group.within), "between": _num(c.by_group.between)},
        "theil": _num(c.theil), "gini": _num(c.gini), "mcloone": _num(c.mcloone)}


# ------------------------------------------------------------------------------ all groups at once (JSON)
def causes_by_group(parts: pd.DataFrame, codes: list[str]) -> dict:
    """The measures of :func:`causes_json` for every stage group of an evaluation at once, vectorised.

    ``parts`` is an evaluation's parts table (``county``, ``year``, ``part``, ``students``, ``urban_rural``,
    ``value_<code>``).  Returns ``{"group": per-part group number (groups = county, year, stage in sorted
    order), code: {"share", "direction", "order", "within", "between", "theil", "gini", "mcloone"}}``: per
    part arrays (share of its group's CV², direction, and an order listing each group's parts largest share
    first) and per group arrays.  Same
    formulas and conventions as the per-county functions above (tested equal), for national files where a
    loop over 40,000 county-stage-indicators would take minutes.
    """
    # (the evaluation's own ``group`` codes restart for each standard variant, so number the groups here)
    g_all = parts.groupby(["county", "year", "part"], sort=True, observed=True).ngroup().to_numpy(dtype=np.int64)
    n = int(g_all.max() + 1) if len(g_all) else 0
    urban, urban_names = pd.factorize(parts["urban_rural"].astype(str))
    n_urban = max(len(urban_names), 1)
    out: dict = {"group": g_all}
    for code in codes:
        x_all = parts[f"value_{code}"].to_numpy(dtype=float)
        keep = ~np.isnan(x_all)
        x, g, w = x_all[keep], g_all[keep], parts["students"].to_numpy(dtype=float)[keep]
        r = cv_by_codes(x.reshape(-1, 1), w, g, n)
        mean = r["mean"][:, 0]
        total = np.bincount(g, weights=w, minlength=n)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = w / total[g]
            rel = x / mean[g]
            term = p * (rel - 1.0) ** 2
            # each group's parts sorted by value (Gini, McLoone, and its smallest and largest value)
            order = np.lexsort((x, g))
            gs, xs, ps, ws = g[order], x[order], p[order], w[order]
            start = np.searchsorted(gs, np.arange(n))
            stop = np.searchsorted(gs, np.arange(n), side="right")
            filled = stop > start
            lo = np.where(filled, xs[np.minimum(start, len(xs) - 1)], np.nan) if len(xs) else np.full(n, np.nan)
            hi = np.where(filled, xs[np.maximum(stop - 1, 0)], np.nan) if len(xs) else np.full(n, np.nan)
            equal = lo == hi                                  # every part the same: exactly no inequality
            cv2 = np.bincount(g, weights=term, minlength=n)
            share = np.where(equal[g], 0.0, term / cv2[g])
            direction = np.where(equal[g] | (x == mean[g]), "at", np.where(x < mean[g], "below", "above"))
            # within / between 城乡分类: groups h = (stage group, urban/rural class)
            h = g * n_urban + urban[keep]
            rh = cv_by_codes(x.reshape(-1, 1), w, h, n * n_urban)
            s_h = rh["students"] / np.repeat(np.where(total > 0, total, np.nan), n_urban)
            mu = np.repeat(mean, n_urban)
            present = rh["n"] > 0
            within_h = np.where(present, s_h * (rh["sd"][:, 0] / mu) ** 2, 0.0)
            between_h = np.where(present, s_h * (rh["mean"][:, 0] / mu - 1.0) ** 2, 0.0)
            within = within_h.reshape(n, n_urban).sum(axis=1)
            between = between_h.reshape(n, n_urban).sum(axis=1)
            theil = np.bincount(g, weights=np.where(x > 0, p * rel * np.log(np.where(x > 0, rel, 1.0)), 0.0),
                                minlength=n)
            cum = np.cumsum(ps)
            before = np.concatenate([[0.0], cum])[start]            # cumulative share before each group
            c_incl = cum - before[gs]
            gini = np.bincount(gs, weights=ps * xs * (2 * c_incl - ps - 1.0), minlength=n) / mean
            w_cum = np.cumsum(ws)
            w_before = np.concatenate([[0.0], w_cum])[start]
            reach = (w_cum - w_before[gs]) >= 0.5 * total[gs] * (1.0 - _TOL)
            first = np.full(n, len(xs))
            hits = np.flatnonzero(reach)
            groups_hit, at = np.unique(gs[hits], return_index=True)     # first part reaching half, per group
            first[groups_hit] = hits[at]
            median = np.where(first < len(xs), xs[np.minimum(first, len(xs) - 1)], np.nan)
            low = xs <= median[gs]
            mcloone = np.bincount(gs, weights=np.where(low, ws * xs, 0.0), minlength=n) / (
                median * np.bincount(gs, weights=np.where(low, ws, 0.0), minlength=n))
        theil = np.where(equal, 0.0, theil)
        gini = np.where(equal, 0.0, gini)
        mcloone = np.where(equal & (median > 0), 1.0, mcloone)
        part_share = np.full(len(x_all), np.nan)
        part_share[keep] = share
        part_direction = np.full(len(x_all), None, dtype=object)
        part_direction[keep] = direction
        out[code] = {"share": part_share, "direction": part_direction,
                     "order": np.lexsort((-np.nan_to_num(part_share, nan=-1.0), g_all)),
                     "within": within, "between": between, "theil": theil, "gini": gini, "mcloone": mcloone}
    return out
