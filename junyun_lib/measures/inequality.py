"""Inequality measures (不均衡度量): which schools and which groups make a difference coefficient large.

For one county, year, stage and indicator, with X_i a school part's indicator value and P_i its enrolled
students (P = Σ P_i, p_i = P_i / P, X̄ = Σ p_i X_i), the difference coefficient of 教督〔2017〕6号 (see
:mod:`junyun_lib.measures.cv`, the only place the CV itself is computed) squares and rearranges to

    CV² = Σ p_i (X_i − X̄)² / X̄² = Σ p_i (X_i / X̄ − 1)²

so every school adds a non-negative term to CV², and its share of CV² says how much of the gap it causes.
This module gives, on the same enrolment weights:

* :func:`contributions` — each school's share of CV² (贡献份额) and whether it lies below/above the mean;
* :func:`leave_one_out` — the CV without each school (留一差异系数), computed by :mod:`junyun_lib.measures.cv`;
* :func:`within_between` — CV² split into within-group (组内) and between-group (组间) parts, e.g. 城区/镇区/乡村;
* :func:`theil_t` (泰尔指数), :func:`gini` (基尼系数), :func:`mcloone` (麦克伦指数) and
  :func:`restricted_range` (限定极差), the classic school-finance equity measures, enrolment-weighted;
* the same measures on an evaluation's school parts: :mod:`junyun_lib.evaluation.causes`.

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

PERCENTILE_TOL = 1e-12   # relative tolerance of "the cumulative share reaches q"


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

    Source: the difference-coefficient formula of 教督〔2017〕6号 (:mod:`junyun_lib.measures.cv`) squared and rearranged:
    CV² = S² / X̄² = Σ (P_i/P)·(X_i/X̄ − 1)², so school i's share is

        share_i = (P_i/P)·(X_i/X̄ − 1)² / CV²,     Σ share_i = 1.

    The shares are normalised by the sum of the terms (which equals the square of cv.py's CV up to float
    rounding), so they sum to 1 to float precision.  If CV = 0 (all values equal, or one school; detected
    exactly rather than through the rounded X̄) every share is 0 and every direction "at"; if CV is undefined (X̄ = 0) every share is NaN.  X̄ comes from :func:`junyun_lib.measures.cv.weighted_cv`.

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
    :func:`junyun_lib.measures.cv.cv_by_codes` on an n×(n−1) replicated layout (group k = every part but k).  The
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
    coefficient (all from :func:`junyun_lib.measures.cv.cv_by_codes`).  The within term of a group is evaluated as
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
        k = np.searchsorted(cum, qs * total * (1.0 - PERCENTILE_TOL), side="left")
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
