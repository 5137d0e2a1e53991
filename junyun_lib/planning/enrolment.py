r"""Enrolment ahead (在校生数预测): each school's students per stage in the years after the latest data year.

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

**By cohort** (按年级递进, method ``cohort``; :func:`project_cohorts`).  Where the school table gives the grade
counts (一年级 … 九年级在校生数, optional columns ``students_grade_1`` … ``students_grade_9``, as 教基3112 and 教基3115
print them; the row checks make a stage's grades add up to its students), a county's primary or junior stage
is projected grade by grade instead, when every school with pupils of that stage in T gives its grades and
each transition of the stage has at least one pair of consecutive data years.  The **survival rate**
(升级率) of grade g → g + 1 is estimated from the same schools in consecutive years: with S_t the schools giving
the stage's grades in both t and t + 1 and n_{g,i,t} the grade g pupils of school i in year t,

.. math::

    \hat s_g = \frac{\sum_t \sum_{i \in S_t} n_{g+1,i,t+1}}{\sum_t \sum_{i \in S_t} n_{g,i,t}}, \qquad
    s_g^{\min} = \min_t \frac{\sum_{i \in S_t} n_{g+1,i,t+1}}{\sum_{i \in S_t} n_{g,i,t}}, \quad
    s_g^{\max} = \max_t (\ldots)

(a pooled ratio: a weighted mean of the yearly ratios, so it lies between them).  六年级 → 七年级 is the county
as a whole: :math:`\hat s_6 = \sum_t \sum_i n_{7,i,t+1} / \sum_t \sum_i n_{6,i,t}` over every school, from the
year pairs in which every school with primary pupils gives its grades in t and every school with junior pupils
in t + 1.  Then, each year after T:

* grade g + 1 of a school = ŝ_g × its grade g of the year before (g = 1 … 5, 7, 8);
* 七年级 of a school with both stages in T (九年一贯制、十二年一贯制, 附设班) = ŝ_6 × its own 六年级 of the year before:
  its pupils stay in it; 七年级 of the other junior schools = ŝ_6 × the 六年级 of the schools with primary pupils
  only, shared out by each junior school's share of the separate junior schools' 七年级 in T;
* entrants — 一年级, and 七年级 where no primary feeds it (the county's primary stage has no usable grades) —
  follow the school's damped trend of that grade (as above, over its years with grades); an override of the
  stage's students for a year makes that year's entrants what the grades moving up leave
  (override − carried pupils, at least 0), and its row shows the override;
* the stage's students = the sum of its grades, floored at 0 and rounded half to even; the **range** runs the
  same chain with every rate at its lowest (highest) yearly value and the entrants at their trend's low (high)
  end, so low ≤ students ≤ high.

Limits: a survival rate mixes dropping out, repeating, moving school and moving in or out of the county, and
assumes the years seen go on; with one pair of years a rate's range is a single value (the range then shows
only the entrants' spread); a pupil who leaves a primary-only school for a 一贯制 school's 七年级 is counted as
going to the separate junior schools; a junior school with no 七年级 in T gets no entrants; the six-three system
is assumed (教基3115's 一年级 … 三年级 are 七年级 … 九年级; a four-year junior school's 四年级 has no column, and the
grades then do not add up — an error, not a silent change).  A stage that cannot be projected by cohort keeps
the damped trend (method ``damped_trend``, labelled 阻尼线性趋势（无分年级数据）), and
``result.attrs["cohort_notes"]`` says why where the county gives some grades.  The rates are in
``result.attrs["survival_rates"]``, the unrounded grades in ``result.attrs["cohort_grades"]``.

A requested year up to T gives the observed counts (method ``observed``).  This is an extrapolation of the
years seen, not a demographic forecast: a new housing estate or a school closure is what the overrides are
for.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..io.projects import read_enrolment_overrides
from ..rules import schema

__all__ = ["PHI", "SINGLE_YEAR_BAND", "COLUMNS", "METHOD_ZH", "SurvivalRate", "damping_sum", "project_cohorts",
           "project_enrolment", "read_enrolment_overrides"]

#: damping per year of the trend (Gardner & McKenzie's φ): each further year adds φ times the last step
PHI = 0.8
#: range of a school with one year of data: ± this share of its count per year ahead
SINGLE_YEAR_BAND = 0.10
STAGES = ("primary", "junior", "senior")
#: the stages a cohort projection can move on grade by grade (the school table has no senior grades)
COHORT_STAGES = ("primary", "junior")
COLUMNS = ["county", "school_id", "year", "stage", "students", "low", "high", "method", "source"]
METHOD_ZH = {"observed": "实际数", "cohort": "按年级递进（队列）", "damped_trend": "阻尼线性趋势（无分年级数据）",
             "flat": "仅一年数据，按不变推算（无分年级数据）", "override": "人工修正"}


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
    """Students per school, stage and year for ``years`` (see the module docstring for the method): by cohort
    where the grade counts allow it, else by the damped trend below.

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
        int; method ``observed``, ``cohort``, ``damped_trend``, ``flat`` or ``override``, in Chinese
        :data:`METHOD_ZH`).  ``attrs``: ``method`` (the method in words), ``overrides_not_applied``,
        ``survival_rates``, ``cohort_grades`` and ``cohort_notes`` (see :func:`project_cohorts`).

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
    cohorts = project_cohorts(frame, years, overrides, phi=phi, band=band)
    by_cohort = cohorts["stages"][cohorts["stages"]["year"].isin(years)]
    if len(by_cohort):              # the cohort rows replace the trend of their county, school and stage
        keys = ["county", "school_id", "stage"]
        trend = pieces[-1]
        moved = trend.merge(by_cohort[keys].drop_duplicates().assign(_cohort=True), on=keys, how="left")
        pieces[-1] = trend[~moved["_cohort"].fillna(False).to_numpy(bool)]
        pieces.append(by_cohort.assign(
            students=np.rint(np.maximum(by_cohort["students"].to_numpy(float), 0.0)),
            low=np.rint(np.maximum(by_cohort["low"].to_numpy(float), 0.0)),
            high=np.rint(np.maximum(by_cohort["high"].to_numpy(float), 0.0)), method="cohort", source="")[COLUMNS])
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
    trend_text = (f"阻尼线性趋势 φ={phi:g}，区间取所见最慢与最快的年度变化；仅一年数据时不变、区间每年±{band:.0%}；"
                  f"不小于0，四舍六入五成双取整 (damped linear trend φ={phi:g}, range from the slowest and "
                  f"fastest year-on-year change; one year of data: flat ±{band:.0%} per year; floored at "
                  "0, rounded half to even)")
    if len(by_cohort):
        trend_text = ("有分年级数据的县区和学段按年级递进（队列）：下一年 g+1 年级 = 今年 g 年级 × 升级率（由相邻年度同一批学校的"
                      "分年级数据估计），小学六年级按全县升入七年级，一年级新生按阻尼线性趋势或人工修正，区间取各年度升级率的最小、"
                      "最大值；其余 " + trend_text + " (where grade counts are given: by cohort, grade g+1 next year = "
                      "grade g this year × the survival rate estimated from consecutive years of the same schools; "
                      "primary 六年级 move up to 七年级 county-wide; entrants by the damped trend or an override; "
                      "range from the years' lowest and highest rates)")
    out.attrs["method"] = trend_text
    out.attrs["overrides_not_applied"] = not_applied
    out.attrs["survival_rates"] = cohorts["rates"]
    out.attrs["cohort_grades"] = cohorts["grades"]
    out.attrs["cohort_notes"] = cohorts["notes"]
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
    """The trend projection of every (county, school, stage), vectorised, floored at 0 and rounded."""
    grid = _trend(long, years, phi, band)
    if not len(grid):
        return pd.DataFrame(columns=COLUMNS)
    out = grid[["county", "school_id", "year", "stage"]].copy()
    out["students"] = np.rint(np.maximum(grid["central"].to_numpy(), 0.0))
    out["low"] = np.rint(np.maximum(grid["low"].to_numpy(), 0.0))
    out["high"] = np.rint(np.maximum(grid["high"].to_numpy(), 0.0))
    out["method"] = grid["method"].to_numpy()
    out["source"] = ""
    return out[COLUMNS]


def _trend(long: pd.DataFrame, years: list[int], phi: float, band: float) -> pd.DataFrame:
    """The damped trend of every (county, school, stage) for the ``years`` after its county's T, unrounded and
    not floored: ``county, school_id, stage, year, central, low, high, method``."""
    keys = ["county", "school_id", "stage"]
    empty = pd.DataFrame(columns=[*keys, "year", "central", "low", "high", "method"])
    if not len(long):
        return empty
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
        return empty
    h = (grid["year"] - grid["T"]).to_numpy(dtype=float)
    steps = damping_sum(h, phi)
    last = grid["last"].to_numpy()
    trend = grid["n"].to_numpy() >= 2
    out = grid[[*keys, "year"]].copy()
    out["central"] = np.where(trend, last + grid["slope"].to_numpy() * steps, last)
    out["low"] = np.where(trend, last + grid["dmin"].to_numpy() * steps, last * (1 - band * h))
    out["high"] = np.where(trend, last + grid["dmax"].to_numpy() * steps, last * (1 + band * h))
    out["method"] = np.where(trend, "damped_trend", "flat")
    return out.reset_index(drop=True)


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


# ----------------------------------------------------------------------------------------- by cohort (队列)
@dataclass(frozen=True)
class SurvivalRate:
    """A grade transition's survival rate (升级率): pooled ``rate`` and the slowest and fastest year pair."""

    rate: float
    low: float
    high: float
    pairs: int


def _grade_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """One county's rows indexed by (school_id, year): grades 1–9 (float, blank = 0), the stages' students and
    ``given_<stage>`` (the row gives that stage's grades: any of them above 0; the school table's row checks
    have made sure that they then add up to the stage's students)."""
    out = pd.DataFrame({"school_id": frame["school_id"].astype(str).to_numpy(),
                        "year": frame["year"].astype(int).to_numpy()})
    for g in range(1, 10):
        column = schema.grade_column(g)
        values = frame[column] if column in frame.columns else pd.Series(0.0, index=frame.index)
        out[g] = pd.to_numeric(values, errors="coerce").fillna(0).astype(float).to_numpy()
    for stage in COHORT_STAGES:
        column = f"students_{stage}"
        values = frame[column] if column in frame.columns else pd.Series(0.0, index=frame.index)
        out[column] = pd.to_numeric(values, errors="coerce").fillna(0).astype(float).to_numpy()
        out[f"given_{stage}"] = (out[list(schema.GRADES[stage])] > 0).any(axis=1)
    return out.set_index(["school_id", "year"]).sort_index()


def _pooled(nums: list[float], dens: list[float]) -> SurvivalRate | None:
    kept = [(n, d) for n, d in zip(nums, dens) if d > 0]
    if not kept:
        return None
    ratios = [n / d for n, d in kept]
    return SurvivalRate(sum(n for n, _ in kept) / sum(d for _, d in kept), min(ratios), max(ratios), len(kept))


def _same_school_rate(data: pd.DataFrame, pairs: list[tuple[int, int]], stage: str, grade: int):
    """Σ grade+1 in t+1 over Σ grade in t, over the schools giving the stage's grades in both years."""
    nums, dens = [], []
    for t, t1 in pairs:
        a, b = data.xs(t, level="year"), data.xs(t1, level="year")
        common = a.index[a[f"given_{stage}"]].intersection(b.index[b[f"given_{stage}"]])
        dens.append(float(a.loc[common, grade].sum()))
        nums.append(float(b.loc[common, grade + 1].sum()))
    return _pooled(nums, dens)


def _county_rate_6_to_7(data: pd.DataFrame, pairs: list[tuple[int, int]]):
    """Σ 七年级 in t+1 over Σ 六年级 in t, the county as a whole, over the year pairs in which every school with
    primary pupils gives its grades in t and every school with junior pupils in t+1."""
    nums, dens = [], []
    for t, t1 in pairs:
        a, b = data.xs(t, level="year"), data.xs(t1, level="year")
        if ((a["students_primary"] > 0) & ~a["given_primary"]).any() or \
                ((b["students_junior"] > 0) & ~b["given_junior"]).any():
            continue
        dens.append(float(a[6].sum()))
        nums.append(float(b[7].sum()))
    return _pooled(nums, dens)


def _override_map(overrides: pd.DataFrame | None, frame: pd.DataFrame) -> dict:
    """(county, school_id, stage, year) → students of the overrides (a blank county: the school's, when one)."""
    if overrides is None or not len(overrides):
        return {}
    home = frame.groupby(frame["school_id"].astype(str))["county"].agg(lambda s: sorted(set(map(str, s))))
    out = {}
    for r in overrides.to_dict("records"):
        sid, county = str(r["school_id"]), r.get("county")
        county = "" if county is None or (isinstance(county, float) and np.isnan(county)) else str(county)
        if not county:
            found = home.get(sid, [])
            if len(found) != 1:
                continue            # _apply_overrides reports it
            county = found[0]
        out[(county, sid, str(r["stage"]), int(r["year"]))] = float(r["students"])
    return out


def project_cohorts(frame: pd.DataFrame, years, overrides: pd.DataFrame | None = None, *, phi: float = PHI,
                    band: float = SINGLE_YEAR_BAND) -> dict:
    """The cohort projection (按年级递进) of every county and compulsory stage that can have one, unrounded.

    See the module docstring for the method and :func:`project_enrolment`, which rounds and uses it.

    Parameters
    ----------
    frame, years, overrides, phi, band
        As :func:`project_enrolment`.

    Returns
    -------
    dict
        ``grades``: ``county, school_id, stage, year, grade, students, low, high`` (floats, before rounding) for
        every year from T + 1 to the last year wanted; ``stages``: ``county, school_id, stage, year, students,
        low, high`` (the grade sums, floats); ``rates``: ``county, from_grade, to_grade, rate, low, high, pairs,
        basis`` (``same_schools`` or ``county``); ``notes``: why a county's stage kept the trend, and other
        things the reader must know (Chinese with an English gloss).
    """
    years = sorted({int(y) for y in years})
    frame = frame.assign(county=frame["county"].astype(str))
    out = {"grades": [], "stages": [], "rates": [], "notes": []}
    if not years or not any(schema.grade_column(g) in frame.columns for g in range(1, 10)):
        return _cohort_frames(out)
    omap = _override_map(overrides, frame)
    for county, rows in frame.groupby("county", sort=True):
        T = int(rows["year"].max())
        if years[-1] > T:
            _county_cohorts(str(county), T, rows, list(range(T + 1, years[-1] + 1)), omap, phi, band, out)
    return _cohort_frames(out)


def _cohort_frames(out: dict) -> dict:
    return {"grades": pd.DataFrame(out["grades"], columns=["county", "school_id", "stage", "year", "grade",
                                                           "students", "low", "high"]),
            "stages": pd.DataFrame(out["stages"], columns=["county", "school_id", "stage", "year", "students",
                                                           "low", "high"]),
            "rates": pd.DataFrame(out["rates"], columns=["county", "from_grade", "to_grade", "rate", "low", "high",
                                                         "pairs", "basis"]),
            "notes": out["notes"]}


def _county_cohorts(county: str, T: int, rows: pd.DataFrame, ahead: list[int], omap: dict, phi: float,
                    band: float, out: dict) -> None:
    data = _grade_frame(rows)
    if not data[[f"given_{s}" for s in COHORT_STAGES]].to_numpy().any():
        return                                              # no grade data at all: the trend, as before
    data_years = sorted(set(data.index.get_level_values("year")))
    pairs = [(t, t + 1) for t in data_years if t + 1 in data_years]
    latest = data.xs(T, level="year")
    rates: dict[int, SurvivalRate] = {}
    eligible = []
    for stage in COHORT_STAGES:
        zh = schema.STAGE_ZH[stage]
        pupils = latest[f"students_{stage}"] > 0
        if not pupils.any():
            continue
        missing = pupils & ~latest[f"given_{stage}"]
        if missing.any():
            out["notes"].append(f"{county}{T}年有{int(missing.sum())}所学校未填{zh}分年级在校生数：{zh}按阻尼线性趋势预测 "
                                f"({county} {T}: {int(missing.sum())} schools give no {stage} grade counts; {stage} "
                                "keeps the damped trend)")
            continue
        stage_rates = {}
        for g in schema.GRADES[stage][:-1]:
            rate = _same_school_rate(data, pairs, stage, g)
            if rate is None:
                out["notes"].append(f"{county}没有相邻两个年度的{schema.GRADE_ZH[g]}、{schema.GRADE_ZH[g + 1]}数据，无法估计"
                                    f"升级率：{zh}按阻尼线性趋势预测 ({county}: no consecutive years with grades {g} and "
                                    f"{g + 1}; {stage} keeps the damped trend)")
                break
            stage_rates[g] = rate
        else:
            rates.update(stage_rates)
            eligible.append(stage)
    if not eligible:
        return
    feed = None
    if set(COHORT_STAGES) <= set(eligible):
        feed = _county_rate_6_to_7(data, pairs)
        if feed is not None:
            rates[6] = feed
    for g, r in sorted(rates.items()):
        out["rates"].append((county, g, g + 1, r.rate, r.low, r.high, r.pairs, "county" if g == 6 else "same_schools"))
    if "junior" in eligible and feed is None:
        out["notes"].append(f"{county}：七年级新生无法由小学六年级推算（缺小学分年级数据或相邻年度数据），按各校七年级的阻尼线性趋势预测 "
                            f"({county}: 七年级 entrants follow each school's damped trend: no primary grades feed them)")

    # the schools projected, their grades in T (three chains: central, low, high) and their entrants' trends
    schools = {stage: sorted(latest.index[latest[f"students_{stage}"] > 0]) for stage in eligible}
    both = set(schools.get("primary", [])) & set(schools.get("junior", [])) if feed is not None else set()
    separate = [s for s in schools.get("junior", []) if s not in both]
    sevenths = latest.loc[separate, 7] if separate else pd.Series(dtype=float)
    share = (sevenths / sevenths.sum()) if len(separate) and sevenths.sum() > 0 else pd.Series(0.0, index=separate)
    if feed is not None and separate and not sevenths.sum() > 0:
        out["notes"].append(f"{county}{T}年单设初中均无七年级学生：小学六年级升入单设初中的学生无法分配 ({county} {T}: no "
                            "separate junior school has 七年级 pupils, so primary pupils moving up are not placed)")
    if feed is not None and not separate and any(s not in both for s in schools.get("primary", [])):
        out["notes"].append(f"{county}{T}年没有单设初中：只设小学的学校的六年级学生升入七年级后无处计入 ({county} {T}: no "
                            "separate junior school, so pupils leaving primary-only schools are not placed)")
    entrant_grade = {"primary": 1, "junior": 7}
    trend_series = []
    for stage in eligible:
        g = entrant_grade[stage]
        if stage == "junior" and feed is not None:
            continue
        given = data[data[f"given_{stage}"]].reset_index()
        given = given[given["school_id"].isin(schools[stage])]
        trend_series.append(pd.DataFrame({"county": county, "school_id": given["school_id"], "stage": stage,
                                          "year": given["year"], "students": given[g], "T": T}))
    entrants = {}
    if trend_series:
        trend = _trend(pd.concat(trend_series, ignore_index=True).sort_values(["school_id", "stage", "year"]),
                       ahead, phi, band)
        for r in trend.itertuples(index=False):
            entrants[(r.school_id, r.stage, int(r.year))] = np.maximum([r.central, r.low, r.high], 0.0)
    state = {sid: np.repeat(latest.loc[sid, list(range(1, 10))].to_numpy(dtype=float)[None, :], 3, axis=0)
             for sid in sorted(set().union(*schools.values()))}
    chain = {g: np.array([r.rate, r.low, r.high]) for g, r in rates.items()}
    primary_only = [s for s in schools.get("primary", []) if s not in both]
    for year in ahead:
        new = {sid: grades.copy() for sid, grades in state.items()}
        fed = sum((state[s][:, 5] for s in primary_only), np.zeros(3)) if feed is not None else None
        for stage in eligible:
            first, *rest = schema.GRADES[stage]
            for sid in schools[stage]:
                grades = new[sid]
                for g in rest:                                  # grade g is last year's grade g − 1, surviving
                    grades[:, g - 1] = chain[g - 1] * state[sid][:, g - 2]
                if stage == "junior" and feed is not None:
                    grades[:, 6] = chain[6] * (state[sid][:, 5] if sid in both else share.get(sid, 0.0) * fed)
                else:
                    grades[:, first - 1] = entrants[(sid, stage, year)]
                wanted = omap.get((county, sid, stage, year))
                if wanted is not None:          # an override: its entrants are what the carried grades leave
                    carried = grades[0, [g - 1 for g in rest]].sum()
                    grades[:, first - 1] = max(wanted - carried, 0.0)
                    if wanted < carried:
                        out["notes"].append(
                            f"{county} {sid} {year}年{schema.STAGE_ZH[stage]}修正值{int(wanted)}人少于由上年升级的"
                            f"{carried:.0f}人：新生按0计 ({sid} {year}: the override is below the pupils moving up; "
                            "no entrants)")
        state = new
        for stage in eligible:
            for sid in schools[stage]:
                grades = state[sid][:, [g - 1 for g in schema.GRADES[stage]]]
                for k, g in enumerate(schema.GRADES[stage]):
                    out["grades"].append((county, sid, stage, year, g, *grades[:, k]))
                out["stages"].append((county, sid, stage, year, *grades.sum(axis=1)))
