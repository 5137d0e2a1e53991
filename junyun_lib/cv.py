"""The difference coefficient (差异系数): coefficient of variation with school size as weight.

For one indicator and one stage, over the n school parts in scope, with X_i the part's indicator value and
P_i its enrolled students (P = Σ P_i)::

    X̄  = Σ P_i·X_i / P
    S  = sqrt( Σ (P_i / P)·(X_i − X̄)² )        (population weights, no n − 1)
    CV = S / X̄

Source: 教督〔2017〕6号 附件《县域义务教育优质均衡发展督导评估办法》差异系数计算说明; seed 002 附件2 (四)
("差异系数…是一组数据的标准差与其均值之比，并将学校规模对均衡程度的影响作为调节因素").  An unweighted CV is
wrong under these rules.  Values are used unrounded; reports show 3 decimals.

This module holds the formula exactly once, in :func:`weighted_cv_groups`; :func:`weighted_cv` is the
single-group view of the same function.
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


def weighted_cv_groups(values: pd.DataFrame, weights: pd.Series, groups) -> pd.DataFrame:
    """Difference coefficients of several value columns at once, per group.

    ``values``: one column per indicator (X_i); ``weights``: students P_i (same index); ``groups``: array or
    Series of group labels (county-year-stage), or a DataFrame of key columns.  Returns one row per group
    and indicator with columns ``indicator, mean, sd, cv, n, students`` plus the group keys.
    """
    keys = groups if isinstance(groups, pd.DataFrame) else pd.DataFrame({"group": np.asarray(groups)},
                                                                         index=values.index)
    codes, uniques = pd.MultiIndex.from_frame(keys).factorize(sort=True)
    uniques = pd.MultiIndex.from_tuples(list(uniques), names=list(keys.columns)) if len(uniques) else \
        pd.MultiIndex.from_arrays([[]] * keys.shape[1], names=list(keys.columns))
    n_groups = len(uniques)
    p = np.asarray(weights, dtype=float)
    total = np.bincount(codes, weights=p, minlength=n_groups)
    count = np.bincount(codes, minlength=n_groups)
    share = p / total[codes]                       # P_i / P
    out = []
    for name in values.columns:
        x = values[name].to_numpy(dtype=float)
        mean = np.bincount(codes, weights=share * x, minlength=n_groups)
        var = np.bincount(codes, weights=share * (x - mean[codes]) ** 2, minlength=n_groups)
        sd = np.sqrt(var)
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = np.where(mean != 0, sd / np.where(mean != 0, mean, 1.0), np.nan)
        block = uniques.to_frame(index=False)
        block["indicator"] = name
        block["mean"], block["sd"], block["cv"] = mean, sd, cv
        block["n"], block["students"] = count, total
        out.append(block)
    return pd.concat(out, ignore_index=True)


def weighted_cv(values, weights) -> CVResult:
    """The difference coefficient of one set of schools (one indicator, one stage)."""
    x = pd.DataFrame({"x": np.asarray(values, dtype=float)})
    row = weighted_cv_groups(x, pd.Series(np.asarray(weights, dtype=float)), np.zeros(len(x), dtype=int)).iloc[0]
    return CVResult(float(row["mean"]), float(row["sd"]), float(row["cv"]), int(row["n"]), float(row["students"]))
