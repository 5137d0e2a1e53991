"""The difference coefficient (差异系数): coefficient of variation with school size as weight.

For one indicator and one stage, over the n school parts in scope, with X_i the part's indicator value and
P_i its enrolled students (P = Σ P_i)::

    X̄  = Σ P_i·X_i / P
    S  = sqrt( Σ (P_i / P)·(X_i − X̄)² )        (population weights, no n − 1)
    CV = S / X̄

Source: 教督〔2017〕6号 附件《县域义务教育优质均衡发展督导评估办法》差异系数计算说明; seed 002 附件2 (四)
("差异系数…是一组数据的标准差与其均值之比，并将学校规模对均衡程度的影响作为调节因素").  An unweighted CV is
wrong under these rules.  Values are used unrounded; reports show 3 decimals.

This module holds the formula exactly once, in :func:`cv_by_codes`; :func:`weighted_cv_groups` (labelled
groups) and :func:`weighted_cv` (one group) are views of the same function.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class CVResult:
    """A difference coefficient with its parts (差异系数及其组成)."""

    mean: float     # X̄, enrolment-weighted mean (加权平均值)
    sd: float       # S, enrolment-weighted population standard deviation (加权标准差)
    cv: float       # S / X̄ (差异系数); NaN when X̄ = 0
    n: int          # school parts
    students: float  # P


def group_shares(weights: np.ndarray, codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(total, count, share)``: each group's students P and parts, and each part's P_i / P, as
    :func:`cv_by_codes` computes them (computed once and passed to it when several calls share the weights and
    codes)."""
    p = np.asarray(weights, dtype=float)
    total = np.bincount(codes, weights=p, minlength=n_groups)          # P
    count = np.bincount(codes, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = p / total[codes]                                        # P_i / P
    return total, count, share


def cv_by_codes(values, weights: np.ndarray, codes: np.ndarray, n_groups: int, *, shares=None) -> dict:
    """The formula, on integer group codes 0..n_groups−1 (the fast path used by the evaluation).

    ``values`` is (n_parts × n_indicators), or a list of one array of n_parts values per indicator; returns
    arrays ``mean``, ``sd``, ``cv`` of shape (n_groups × n_indicators) and ``n``, ``students`` of shape
    (n_groups,).  Groups with no parts get NaN.  ``shares``: :func:`group_shares` of these weights and codes,
    if already computed.
    """
    columns = _columns(values, len(codes))
    total, count, share = group_shares(weights, codes, n_groups) if shares is None else shares
    mean = np.empty((n_groups, len(columns)))
    var = np.empty((n_groups, len(columns)))
    with np.errstate(divide="ignore", invalid="ignore"):
        # one indicator at a time: the same arithmetic, element by element, as on the whole (n_parts ×
        # n_indicators) block, with temporaries of one column instead of the block (3 M parts: 160 MB each)
        for k, x in enumerate(columns):
            mean[:, k] = np.bincount(codes, weights=share * x, minlength=n_groups)    # X̄ = Σ (P_i/P)·X_i
            dev2 = (x - mean[codes, k]) ** 2
            var[:, k] = np.bincount(codes, weights=share * dev2, minlength=n_groups)  # Σ (P_i/P)·(X_i − X̄)²
            del dev2
        sd = np.sqrt(var)
        cv = np.where(mean != 0, sd / np.where(mean != 0, mean, 1.0), np.nan)
    empty = count == 0
    mean[empty], sd[empty], cv[empty] = np.nan, np.nan, np.nan
    return {"mean": mean, "sd": sd, "cv": cv, "n": count, "students": total}


def _columns(values, n: int) -> list[np.ndarray]:
    """The value columns of :func:`cv_by_codes`'s ``values`` (a list of columns is taken as it is)."""
    if isinstance(values, (list, tuple)):
        return [np.asarray(v, dtype=float) for v in values]
    x = np.asarray(values, dtype=float).reshape(n, -1)
    return [x[:, k] for k in range(x.shape[1])]


def weighted_cv_groups(values: pd.DataFrame, weights: pd.Series, groups) -> pd.DataFrame:
    """Difference coefficients of several value columns at once, per group (labels rather than codes).

    ``values``: one column per indicator (X_i); ``weights``: students P_i (same index); ``groups``: array or
    Series of group labels, or a DataFrame of key columns.  Returns one row per group and indicator with
    columns ``indicator, mean, sd, cv, n, students`` plus the group keys.
    """
    keys = groups if isinstance(groups, pd.DataFrame) else pd.DataFrame({"group": np.asarray(groups)},
                                                                         index=values.index)
    codes = keys.groupby(list(keys.columns), sort=True).ngroup().to_numpy()
    uniques = keys.drop_duplicates().sort_values(list(keys.columns)).reset_index(drop=True)
    r = cv_by_codes(values.to_numpy(dtype=float), np.asarray(weights, dtype=float), codes, len(uniques))
    out = []
    for k, name in enumerate(values.columns):
        block = uniques.copy()
        block["indicator"] = name
        block["mean"], block["sd"], block["cv"] = r["mean"][:, k], r["sd"][:, k], r["cv"][:, k]
        block["n"], block["students"] = r["n"], r["students"]
        out.append(block)
    return pd.concat(out, ignore_index=True)


def weighted_cv(values, weights) -> CVResult:
    """The difference coefficient (差异系数) of one set of schools: one indicator, one stage.

    .. math::

        \\bar X = \\sum_i \\frac{P_i}{P} X_i, \\qquad
        S = \\sqrt{\\sum_i \\frac{P_i}{P} (X_i - \\bar X)^2}, \\qquad CV = \\frac{S}{\\bar X}

    with :math:`X_i` a school's indicator value, :math:`P_i` its enrolled students and :math:`P = \\sum P_i`
    (population weights, no :math:`n - 1`).  Source: 《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）
    二（一） and the national 有关事项说明（四） ("标准差与其均值之比，并将学校规模…作为调节因素").

    Parameters
    ----------
    values : array_like
        :math:`X_i`, e.g. key teachers per 100 students of each school part.
    weights : array_like
        :math:`P_i`, the students of each school part.

    Returns
    -------
    CVResult
        ``mean`` (:math:`\\bar X`), ``sd`` (:math:`S`), ``cv`` (NaN when :math:`\\bar X = 0`), ``n``, ``students``.

    Examples
    --------
    Two schools with 5.0 and 2.5 key teachers per 100 students and 600 and 400 students:
    :math:`\\bar X = 0.6·5 + 0.4·2.5 = 4`, :math:`S^2 = 0.6·1 + 0.4·2.25 = 1.5`, :math:`CV = \\sqrt{1.5}/4`.

    >>> r = weighted_cv([5.0, 2.5], [600, 400])
    >>> r.mean, round(r.sd ** 2, 12), round(r.cv, 6)
    (4.0, 1.5, 0.306186)
    """
    x = np.asarray(values, dtype=float)
    r = cv_by_codes(x.reshape(-1, 1), np.asarray(weights, dtype=float), np.zeros(len(x), dtype=int), 1)
    return CVResult(float(r["mean"][0, 0]), float(r["sd"][0, 0]), float(r["cv"][0, 0]), int(r["n"][0]),
                    float(r["students"][0]))
