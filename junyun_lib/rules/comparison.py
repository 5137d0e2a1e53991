"""The one comparison every verdict uses (达标判定的比较), and a vectorised lookup of rule tables.

Standards are written "达到 … 以上" (value ≥ standard), "不超过" (≤), "小于" (<); :func:`compare` applies
them to scalars or arrays with the same tolerance everywhere.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: Relative tolerance for "equal to the standard": values computed from integers and areas can land a
#: rounding error away from a threshold (21 teachers for 500 students is 4.2 per 100, give or take 1e-16;
#: a weighted CV over thousands of schools carries a few 1e-15).  1e-12 is a thousand times that noise and
#: still far below any real difference: a CV 2e-10 above "≤ 0.50" fails, 2e-10 below "< 0.50" passes.
REL_TOL = 1e-12

_OPS = {
    "<=": lambda v, lim, tol: v <= lim + tol,
    "<": lambda v, lim, tol: v < lim - tol,
    ">=": lambda v, lim, tol: v >= lim - tol,
    ">": lambda v, lim, tol: v > lim + tol,
}
OP_ZH = {"<=": "小于或等于", "<": "小于", ">=": "达到（大于或等于）", ">": "大于"}
OP_SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


def compare(value, limit, op: str):
    """``value op limit`` with a relative tolerance of :data:`REL_TOL`; scalars or arrays.

    Parameters
    ----------
    value, limit : float or array_like
        The measured value and the threshold (broadcast against each other).
    op : {"<=", "<", ">=", ">"}
        The comparison the rule's wording names: 以上/达到/不低于 → ``>=``, 不超过 → ``<=``, 小于/低于 → ``<``.

    Returns
    -------
    bool or numpy.ndarray of bool
        NaN never passes a comparison.

    Examples
    --------
    >>> bool(compare(21 * 100 / 500, 4.2, ">="))
    True
    >>> compare([0.49, 0.50, 0.51], 0.50, "<").tolist()
    [True, False, False]
    """
    limit_arr = np.asarray(limit, dtype=float)
    tol = REL_TOL * np.abs(limit_arr)
    return _OPS[op](np.asarray(value, dtype=float), limit_arr, tol)


def lookup(series, mapping: dict, default=np.nan) -> np.ndarray:
    """``mapping[value]`` for each value of a (categorical or text) Series, as floats; ``default`` if absent.

    Works on the distinct values only, so it costs the same for 300 or 300,000 schools.

    Examples
    --------
    >>> lookup(pd.Series(["小学", "初级中学", "小学"]), {"小学": 2000}, default=0).tolist()
    [2000.0, 0.0, 2000.0]
    """
    if isinstance(getattr(series, "dtype", None), pd.CategoricalDtype):     # its codes already number the values
        codes, uniques = series.cat.codes.to_numpy(), series.cat.categories
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    table = np.array([mapping.get(u, default) for u in uniques] + [default], dtype=float)
    return table[codes]
