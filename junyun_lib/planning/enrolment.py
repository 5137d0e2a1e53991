"""Enrolment ahead (在校生数预测): each school's students per stage in the years after the latest data year.

**Method** (per county, school and stage, from the school's own data years up to the county's latest year
T; a school absent in year T — closed or merged — is not projected; a stage with no students in any data
year gets no row, i.e. stays 0):

* two or more years of data — a **damped linear trend** (Gardner–McKenzie damped trend, with the last
  observed count as the level): the trend b is the least-squares slope through (year, students), and each
  further year adds φ times the previous year's step, φ = :data:`PHI` = 0.8, so growth or decline slows down
  and levels off at y_T + 4b instead of running on for ever;
* its **range** takes the slowest and the fastest year-on-year change seen (per year, so a gap in the years
  is spread over them) damped the same way — with only two years (one change) from "no further change" to
  "the same pace", as :mod:`junyun_lib.planning.progress` does for plans, so one pace is never presented as
  a certainty.  The least-squares slope is a weighted mean of the year-on-year changes, so the central value
  lies inside the range;
* one year of data — **flat** (the last count), with a stated range of ± :data:`SINGLE_YEAR_BAND` (10%) of
  it per year ahead;
* never negative: the value and both ends are floored at 0; then **rounded half to even** (``numpy.rint``:
  142.5 → 142, 143.5 → 144), which keeps low ≤ students ≤ high;
* an analyst's **override** (``data/raw/<slug>/enrolment_overrides.csv``, read by
  :func:`read_enrolment_overrides`) replaces the projection for its school, year and stage (low = high =
  the override, method ``override``, its source kept).  Overrides are for years after T only: one for a
  year with data is not applied and is listed in ``result.attrs["overrides_not_applied"]``.

A requested year up to T gives the observed counts (method ``observed``).  This is an extrapolation of the
years seen, not a demographic forecast: a new housing estate or a school closure is what the overrides are
for.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..io.projects import read_enrolment_overrides

__all__ = ["PHI", "SINGLE_YEAR_BAND", "COLUMNS", "damping_sum", "project_enrolment", "read_enrolment_overrides"]

#: damping per year of the trend (Gardner & McKenzie's φ): each further year adds φ times the last step
PHI = 0.8
#: range of a school with one year of data: ± this share of its count per year ahead
SINGLE_YEAR_BAND = 0.10
STAGES = ("primary", "junior", "senior")
COLUMNS = ["county", "school_id", "year", "stage", "students", "low", "high", "method", "source"]
METHOD_ZH = {"observed": "实际数", "damped_trend": "阻尼线性趋势", "flat": "仅一年数据，按不变推算",
             "override": "人工修正"}


def damping_sum(h, phi: float = PHI):
    """D_h = φ + φ² + … + φ^h, the number of trend steps ``h`` years ahead (``h`` with φ = 1).

    Examples
    --------
    >>> [round(float(damping_sum(h)), 4) for h in (1, 2, 3)]
    [0.8, 1.44, 1.952]
    """
    h = np.asarray(h, dtype=float)
    if phi == 1:
        return h
    return phi * (1 - phi ** h) / (1 - phi)


def project_enrolment(frame: pd.DataFrame, years, overrides: pd.DataFrame | None = None, *, phi: float = PHI,
                      band: float = SINGLE_YEAR_BAND) -> pd.DataFrame:
    """Students per school, stage and year for ``years`` (see the module docstring for the method).

    For a school with observations y_t over its data years up to the county's latest year T, the trend b is
    the least-squares slope and d_min, d_max the slowest and fastest year-on-year change (d = 0 is added
    when there is only one change).  ``h = year − T`` years ahead:

    .. math::

        D_h = \\sum_{k=1}^{h} \\varphi^k = \\frac{\\varphi (1 - \\varphi^h)}{1 - \\varphi}, \\qquad
        \\hat y_{T+h} = y_T + b\\,D_h, \\qquad
        [\\,y_T + d_{\\min} D_h,\\; y_T + d_{\\max} D_h\\,]

    and with one year of data :math:`\\hat y_{T+h} = y_T` within :math:`y_T (1 \\mp 0.1\\,h)`.  All three are
    floored at 0 and rounded half to even.

    Parameters
    ----------
    frame : pandas.DataFrame
        School rows (``Workspace.table(county).frame``): ``county``, ``year``, ``school_id``,
        ``students_primary``, ``students_junior``, ``students_senior`` (one or more counties).
    years : iterable of int
        The years wanted.  A year up to a county's latest data year gives the observed counts; a year
        before it without data is an error.
    overrides : pandas.DataFrame, optional
        From :func:`read_enrolment_overrides` (``school_id``, ``year``, ``stage``, ``students``, ``source``,
        optionally ``county``).
    phi : float
        The damping φ (default 0.8; 1 is an undamped linear trend).
    band : float
        The range per year ahead of a school with one year of data (default 0.10).

    Returns
    -------
    pandas.DataFrame
        ``county, school_id, year, stage, students, low, high, method, source`` (students, low and high
        int; method ``observed``, ``damped_trend``, ``flat`` or ``override``).

    Examples
    --------
    A school with 100, 110 and 130 primary pupils in 2022–2024: slope b = (130 − 100) / 2 = 15, changes
    10 and 20.  In 2025 (D = 0.8): 130 + 12 = 142 within [138, 146]; in 2026 (D = 1.44): 151.6 → 152 within
    [144.4, 158.8] → [144, 159].

    >>> rows = pd.DataFrame({"county": "示例县", "year": [2022, 2023, 2024], "school_id": "A",
    ...                      "students_primary": [100, 110, 130], "students_junior": 0, "students_senior": 0})
    >>> project_enrolment(rows, [2025, 2026])[["year", "students", "low", "high", "method"]].values.tolist()
    [[2025, 142, 138, 146, 'damped_trend'], [2026, 152, 144, 159, 'damped_trend']]
    """
    years = sorted({int(y) for y in years})
    frame = frame.assign(county=frame["county"].astype(str))
    long = _long(frame)
    last_year = frame.groupby("county")["year"].max().astype(int)
    long = long.merge(last_year.rename("T"), left_on="county", right_index=True)
    keys = ["county", "school_id", "stage"]
    present = long.loc[long["year"] == long["T"], keys].drop_duplicates()
    long = long.merge(present, on=keys)                          # schools present in the latest year
    with_students = long.groupby(keys)["students"].transform("max") > 0
    long = long[with_students].sort_values([*keys, "year"], kind="stable").reset_index(drop=True)

    pieces = []
    for county, T in last_year.items():
        early = [y for y in years if y <= T]
        data_years = set(frame.loc[frame["county"] == county, "year"].astype(int))
        missing = [y for y in early if y not in data_years]
        if missing:
            raise ValueError(f"{county} 没有 {missing} 年的数据，且早于最新数据年度 {T} (no data for {missing}, before "
                             f"the latest data year {T})")
    observed = long[long["year"].isin(years)]
    if len(observed):
        pieces.append(observed.assign(low=observed["students"], high=observed["students"], method="observed",
                                      source="")[COLUMNS])
    pieces.append(_projected(long, years, phi, band))
    out = pd.concat([p for p in pieces if len(p)], ignore_index=True) if any(len(p) for p in pieces) else \
        pd.DataFrame(columns=COLUMNS)
    out = out[COLUMNS]
    not_applied = pd.DataFrame()
    if overrides is not None and len(overrides):
        out, not_applied = _apply_overrides(out, overrides, last_year, years)
    for c in ("students", "low", "high"):
        out[c] = out[c].astype("int64")
    out["year"] = out["year"].astype("int64")
    out = out.sort_values(["county", "school_id", "stage", "year"], kind="stable").reset_index(drop=True)
    out.attrs["method"] = (f"阻尼线性趋势 φ={phi:g}，区间取所见最慢与最快的年度变化；仅一年数据时不变、区间每年±{band:.0%}；"
                           f"不小于0，四舍六入五成双取整 (damped linear trend φ={phi:g}, range from the slowest and "
                           f"fastest year-on-year change; one year of data: flat ±{band:.0%} per year; floored at "
                           "0, rounded half to even)")
    out.attrs["overrides_not_applied"] = not_applied
    return out


def _long(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per county, school, year and stage with its students (float)."""
    parts = []
    for stage in STAGES:
        column = f"students_{stage}"
        values = frame[column] if column in frame.columns else pd.Series(0.0, index=frame.index)
        parts.append(pd.DataFrame({"county": frame["county"].astype(str).to_numpy(),
                                   "school_id": frame["school_id"].astype(str).to_numpy(),
                                   "year": frame["year"].astype(int).to_numpy(), "stage": stage,
                                   "students": pd.to_numeric(values, errors="coerce").fillna(0).astype(float)
                                   .to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def _projected(long: pd.DataFrame, years: list[int], phi: float, band: float) -> pd.DataFrame:
    """The trend projection of every (county, school, stage), vectorised."""
    keys = ["county", "school_id", "stage"]
    if not len(long):
        return pd.DataFrame(columns=COLUMNS)
    g = long.groupby(keys, sort=False)
    x = (long["year"] - long["T"]).astype(float)              # years before T (≤ 0), for stable sums
    y = long["students"]
    stats = pd.DataFrame({"n": g["year"].size(), "T": g["T"].first(), "last": g["students"].last(),
                          "sx": x.groupby([long[k] for k in keys], sort=False).sum(),
                          "sy": g["students"].sum(),
                          "sxx": (x * x).groupby([long[k] for k in keys], sort=False).sum(),
                          "sxy": (x * y).groupby([long[k] for k in keys], sort=False).sum()})
    change = g["students"].diff() / g["year"].diff()           # per year, NaN on each group's first row
    stats["dmin"] = change.groupby([long[k] for k in keys], sort=False).min()
    stats["dmax"] = change.groupby([long[k] for k in keys], sort=False).max()
    n = stats["n"].to_numpy(dtype=float)
    denominator = n * stats["sxx"] - stats["sx"] ** 2
    stats["slope"] = np.where(n >= 2, (n * stats["sxy"] - stats["sx"] * stats["sy"]) /
                              np.where(denominator == 0, 1, denominator), 0.0)
    two = stats["n"] == 2                                      # one change: from no change to the same pace
    stats.loc[two, "dmin"] = np.minimum(stats.loc[two, "dmin"], 0.0)
    stats.loc[two, "dmax"] = np.maximum(stats.loc[two, "dmax"], 0.0)
    stats = stats.reset_index()
    grid = stats.merge(pd.DataFrame({"year": years}), how="cross")
    grid = grid[grid["year"] > grid["T"]]
    if not len(grid):
        return pd.DataFrame(columns=COLUMNS)
    h = (grid["year"] - grid["T"]).to_numpy(dtype=float)
    steps = damping_sum(h, phi)
    last = grid["last"].to_numpy()
    trend = grid["n"].to_numpy() >= 2
    central = np.where(trend, last + grid["slope"].to_numpy() * steps, last)
    low = np.where(trend, last + grid["dmin"].to_numpy() * steps, last * (1 - band * h))
    high = np.where(trend, last + grid["dmax"].to_numpy() * steps, last * (1 + band * h))
    out = grid[["county", "school_id", "year", "stage"]].copy()
    out["students"] = np.rint(np.maximum(central, 0.0))
    out["low"] = np.rint(np.maximum(low, 0.0))
    out["high"] = np.rint(np.maximum(high, 0.0))
    out["method"] = np.where(trend, "damped_trend", "flat")
    out["source"] = ""
    return out[COLUMNS]


def _apply_overrides(out: pd.DataFrame, overrides: pd.DataFrame, last_year: pd.Series, years: list[int]):
    """Overrides replace (or add) rows for years after the county's latest data year."""
    o = overrides.copy()
    o["school_id"] = o["school_id"].astype(str)
    o["year"] = o["year"].astype(int)
    if "county" not in o.columns:
        o["county"] = ""
    o["county"] = o["county"].fillna("").astype(str)
    counties = list(last_year.index)
    blank = o["county"] == ""
    if blank.any():
        if len(counties) == 1:
            o.loc[blank, "county"] = counties[0]
        else:                     # several counties: the school id decides, and must be unambiguous
            home = out.groupby("school_id")["county"].agg(lambda s: sorted(set(s)))
            for i in o.index[blank]:
                found = home.get(o.at[i, "school_id"], [])
                if len(found) != 1:
                    raise ValueError(f"修正行的学校 {o.at[i, 'school_id']} 属于哪个县区无法确定，请填写 county 列 "
                                     f"(cannot tell the county of override school {o.at[i, 'school_id']}; fill in "
                                     "the county column)")
                o.at[i, "county"] = found[0]
    o["T"] = o["county"].map(last_year)
    if o["T"].isna().any():
        bad = sorted(set(o.loc[o["T"].isna(), "county"]))
        raise ValueError(f"修正行的县区不在学校数据中：{bad} (override counties not in the data)")
    wanted = o[o["year"].isin(years)]
    not_applied = wanted[wanted["year"] <= wanted["T"]].assign(
        reason="该年度已有统计数据，修正不适用 (a data year: the census count stands)")
    apply = wanted[wanted["year"] > wanted["T"]]
    keys = ["county", "school_id", "year", "stage"]
    replaced = out.merge(apply[keys].assign(_hit=True), on=keys, how="left")["_hit"].fillna(False).to_numpy(bool)
    new = apply.assign(low=apply["students"], high=apply["students"], method="override")[COLUMNS]
    return pd.concat([out[~replaced], new], ignore_index=True), not_applied.drop(columns="T")
