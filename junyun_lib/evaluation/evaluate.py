"""Resource-allocation evaluation (资源配置评估) of one or many county-years at once.

``evaluate(table)`` runs, for every county-year in the table and vectorised across all of them: scope and
exclusions, splitting of mixed schools, indicator values per school part, the difference coefficient per
indicator and stage (:mod:`junyun_lib.measures.cv`), the composite, verdicts against the standard (with the
county's overrides), the per-school rule, gaps and costs, and the school-level guarantee checks.  Results are
tidy DataFrames on an :class:`Evaluation`; :meth:`Evaluation.county` gives one county-year.  Nothing here
reads or writes a file: tables, county configurations and unit costs are passed in.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..columns import picked_text
from ..io.costs import default_unit_costs
from ..io.reader import SchoolTable, read_schools
from ..measures.cv import cv_by_codes
from ..problems import Problem, ValidationError
from ..rules import CountyConfig, Standard, compare, load_standard
from ..rules.schema import STAGES, columns, field_zh
from ..threads import beside
from .gaps import add_shortfalls, gap_summary, shortfall_views
from .guarantee import full_standard, guarantee_checks, long_table
from .indicators import build_parts
from .school_rule import apply_school_rule
from .scope import excluded_table, guarantee_scope, in_scope_mask
from .staffing import COLUMNS as STAFFING_COLUMNS, staffing_sections
from .verdicts import stage_verdicts

STAGE_KEYS = ["county", "year", "stage"]


# ------------------------------------------------------------------------------------------------ results
@dataclass(kw_only=True)
class _Tables:
    """The result tables shared by a whole evaluation and one county-year's view of it."""

    parts: pd.DataFrame
    indicators: pd.DataFrame
    stages: pd.DataFrame
    excluded: pd.DataFrame
    guarantee_wide: pd.DataFrame
    gaps: pd.DataFrame
    #: students, classes and 专任教师 per school section, for a county's own staffing ratios (staffing.py)
    staffing: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=STAFFING_COLUMNS))
    warnings: list[Problem] = field(default_factory=list)
    synthetic: bool = False

    @property
    def guarantee(self) -> pd.DataFrame:
        """School-level guarantee checks, one row per school and check (built on first use)."""
        if getattr(self, "_guarantee_long", None) is None:
            self._guarantee_long = long_table(self.guarantee_wide)
        return self._guarantee_long


TABLES = ("parts", "indicators", "stages", "excluded", "guarantee_wide", "gaps", "staffing")


@dataclass(kw_only=True)
class Evaluation(_Tables):
    """Results of an evaluation, as tidy tables (评估结果表).

    * ``parts`` — one row per school part: students, ``value_<code>``, ``meets_<code>``, ``n_meeting``,
      ``passes_school_rule``, ``shortfall_<code>`` (the part's own need), ``school_shortfall_<code>`` (what
      must be added: a mixed school's facilities for the whole school), ``cost_<code>`` (counted once per school)
    * ``indicators`` — one row per county, year, stage and indicator: mean, sd, cv, cv_limit, cv_pass,
      standard, schools_meeting
    * ``stages`` — one row per county, year and stage: schools_in_scope, students, composite_cv, passes
    * ``excluded`` — schools or parts out of scope, with reasons
    * ``guarantee`` — school-level guarantee checks (``guarantee_wide``: the same, one row per school)
    * ``gaps`` — county totals of shortfalls (part view and whole-school view) and costs per stage and indicator
    * ``staffing`` — students, classes and 专任教师 of every school section (special-education and vocational
      schools aside, small teaching points included), for counties that set staffing ratios
    * ``warnings`` — located data warnings (input and evaluation)
    """

    standard_code: str
    standards: dict[str, Standard]           # county name -> effective standard
    counties: dict[str, CountyConfig]
    schools: pd.DataFrame

    def county_years(self) -> list[tuple[str, int]]:
        return list(self._row_index("stages"))

    def _row_index(self, name: str) -> dict:
        """Row positions of each county-year in a table, computed once per table."""
        cache = self.__dict__.setdefault("_index", {})
        if name not in cache:
            table = getattr(self, name)
            groups = table.groupby(["county", "year"], sort=True).indices if len(table) else {}
            cache[name] = {(c, int(y)): rows for (c, y), rows in groups.items()}
        return cache[name]

    def county(self, county: str | None = None, year: int | None = None) -> "CountyResult":
        """One county-year (一个县区年度).  Either may be omitted when the data holds only one."""
        pairs = [(c, y) for c, y in self.county_years()
                 if (county is None or c == county) and (year is None or y == year)]
        if len(pairs) != 1:
            raise KeyError(f"需要唯一的县区年度，匹配到 {pairs} (need exactly one county-year)")
        key = pairs[0]
        picked = {}
        for name in TABLES:
            rows = self._row_index(name).get(key, np.array([], dtype=int))
            picked[name] = getattr(self, name).iloc[rows].reset_index(drop=True)
        c, y = key
        return CountyResult(
            county=c, year=y, standard=self.standards[c], config=self.counties[c], **picked,
            warnings=[w for w in self.warnings if w.county in ("", c) and w.year in (None, y)],
            synthetic=self.synthetic)

    def select(self, county: str, year: int) -> "Evaluation":
        """The evaluation narrowed to one county-year (still an :class:`Evaluation`, e.g. for its own file)."""
        picked = {}
        for name in TABLES:
            rows = self._row_index(name).get((county, int(year)), np.array([], dtype=int))
            picked[name] = getattr(self, name).iloc[rows].reset_index(drop=True)
        keep = (self.schools["county"] == county) & (self.schools["year"] == year)
        warnings = [w for w in self.warnings if w.county in ("", county) and w.year in (None, int(year))]
        return Evaluation(standard_code=self.standard_code, standards={county: self.standards[county]},
                          counties={county: self.counties[county]}, schools=self.schools[keep].reset_index(drop=True),
                          warnings=warnings, synthetic=self.synthetic, **picked)

    def results(self) -> list["CountyResult"]:
        return [self.county(c, y) for c, y in self.county_years()]


@dataclass(kw_only=True)
class CountyResult(_Tables):
    """One county-year's results (一个县区年度的评估结果); the same tables as :class:`Evaluation`."""

    county: str
    year: int
    standard: Standard
    config: CountyConfig

    def _row_index(self, name: str) -> dict:
        return {(self.county, self.year): np.arange(len(getattr(self, name)))}


# --------------------------------------------------------------------------------------------- evaluation
def evaluate(table, standard: str = "quality-2017", *, costs=None, counties=None,
             transitional: bool = True) -> Evaluation:
    """Evaluate every county-year in ``table`` (资源配置评估), vectorised across all of them.

    For each county-year, stage and indicator the difference coefficient is

    .. math::

        \\bar X = \\sum_i \\frac{P_i}{P} X_i, \\qquad
        CV = \\frac{1}{\\bar X}\\sqrt{\\sum_i \\frac{P_i}{P}\\,(X_i - \\bar X)^2}

    over the school parts in scope (X_i the part's indicator value, P_i its students), compared with the
    standard's limit; each part is checked against the per-school rule (至少6项达到标准、余项不低于85%).
    Source: 《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号） 二（一） (indicators, standards, limits, the
    per-school rule); the CV's definition in the national 有关事项说明（四）, the scope in （三）, the splitting
    of mixed schools in （五）.

    Parameters
    ----------
    table : SchoolTable or pandas.DataFrame
        Validated school rows (a DataFrame of raw rows is validated first; bad rows raise
        :class:`~junyun_lib.problems.ValidationError`).
    standard : str
        ``"quality-2017"`` (优质均衡) or ``"basic-2012"`` (基本均衡).
    costs : pandas.DataFrame, optional
        Unit costs (:func:`junyun_lib.io.costs.load_unit_costs`); default the package's illustrative costs.
    counties : dict of str to CountyConfig, optional
        Configurations by county name (their overrides apply); other counties get national rules.
    transitional : bool
        Apply the transitional exceptions of 有关指标说明（六）（七） in the years of their window (default);
        ``False`` holds every year to the full standards (what applies after the window, for projections).

    Returns
    -------
    Evaluation
        Tidy tables for every county-year; ``evaluation.county(name, year)`` gives one.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame([_example_school("A", 600, 30), _example_school("B", 400, 10)])
    >>> r = evaluate(rows).county("示例县", 2024)
    >>> cv = r.indicators.set_index(["stage", "indicator"]).loc[("primary", "key_teachers"), "cv"]
    >>> round(float(cv), 6)    # values 5.0 and 2.5 per 100 students, weights 600 and 400
    0.306186
    """
    if isinstance(table, pd.DataFrame):
        table = read_schools(table)
    if not isinstance(table, SchoolTable):
        raise TypeError("evaluate() takes a SchoolTable or a DataFrame of school rows; read files with "
                        "junyun_lib.io.processed.read_table or a Workspace")
    cost_table = costs if costs is not None else default_unit_costs()
    configs = counties or {}
    names = table.frame["county"].unique()
    county_configs = {name: configs.get(name) or CountyConfig.national(name) for name in names}
    standards = {name: load_standard(standard, cfg) for name, cfg in county_configs.items()}
    if not transitional:
        closed = {id(s): full_standard(s) for s in standards.values()}     # one object per variant
        standards = {name: closed[id(s)] for name, s in standards.items()}
    _require_columns(table, load_standard(standard))
    # counties that share the same effective standard are evaluated together, vectorised
    variants: dict[int, list[str]] = {}
    for name, std in standards.items():
        variants.setdefault(id(std), []).append(name)
    if len(variants) == 1:
        pieces = [_evaluate_variant(table.frame, next(iter(standards.values())), cost_table)]
    else:
        pieces = [_evaluate_variant(table.frame[table.frame["county"].isin(names)], standards[names[0]], cost_table)
                  for names in variants.values()]
    tables = {k: pd.concat([p[k] for p in pieces], ignore_index=True) for k in TABLES}
    warnings = list(table.warnings) + [w for p in pieces for w in p["warnings"]]
    return Evaluation(standard_code=standard, standards=standards, counties=county_configs, schools=table.frame,
                      warnings=warnings, synthetic=table.synthetic, **tables)


def _example_school(school_id: str, students: int, key_teachers: int) -> dict:
    """A valid 小学 row for the docstring example (every other quantity at a plausible level)."""
    classes = -(-students // 40)
    row = {c.header_zh: 0 for c in columns() if c.needed}
    return row | {"学校标识码": school_id, "学校名称": f"示例小学{school_id}", "县区": "示例县", "统计年度": 2024,
            "学校类型": "小学", "城乡分类": "城区", "办学性质": "公办", "小学在校生数": students, "小学班数": classes,
            "小学最大班额": 40, "小学高于规定学历教师数": students // 20, "小学县级以上骨干教师数": key_teachers,
            "小学体育艺术专任教师数": students // 100, "教学及辅助用房面积": students * 5,
            "体育运动场馆面积": students * 8, "教学仪器设备值": students * 2500, "网络多媒体教室数": classes,
            "音乐专用教室数": 1, "音乐专用教室最小面积": 96, "美术专用教室数": 1, "美术专用教室最小面积": 90}


def _require_columns(table: SchoolTable, standard: Standard) -> None:
    """The optional columns a standard needs must be present and filled (basic-2012)."""
    needed = set()
    for ind in standard.indicators:
        needed |= {ind.numerator_column(s) for s in STAGES} if ind.numerator_kind == "section" else {ind.numerator}
    missing = sorted(c for c in needed if c not in table.frame.columns)
    problems = [Problem("error", "standard_needs_column",
                        f"评估标准「{standard.code}」需要选填列「{field_zh(c)}」（{c}），文件中没有",
                        f"standard {standard.code} needs the optional column {c}", file=", ".join(table.sources),
                        column=field_zh(c)) for c in missing]
    for c in sorted(needed - set(missing)):
        blank = table.frame[c].isna()
        if not blank.any():      # the usual case: no empty selection of every column of a national table
            continue
        for _, r in table.frame[blank].iterrows():
            problems.append(Problem("error", "blank", f"评估标准「{standard.code}」需要此项，不能为空",
                                    f"standard {standard.code} needs this value", file=r["source_file"],
                                    sheet=r["source_sheet"], row=int(r["source_row"]), column=field_zh(c),
                                    school_id=r["school_id"], county=r["county"], year=int(r["year"])))
    if problems:
        raise ValidationError(problems)


def _school_level(frame: pd.DataFrame, standard: Standard) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The checks that read the school rows alone (校额、班额、专用教室; staffing sections), not the parts."""
    return guarantee_checks(frame, standard, where=guarantee_scope(frame)), staffing_sections(frame)


def _evaluate_variant(frame: pd.DataFrame, standard: Standard, costs: pd.DataFrame) -> dict:
    frame = frame.reset_index(drop=True)
    in_scope = in_scope_mask(frame)
    # on a national file the school-level checks and the table of excluded schools run beside the parts and
    # CVs; both only read ``frame``
    (school_level, excluded), out = beside(
        lambda: (_school_level(frame, standard), excluded_table(frame, in_scope)),
        lambda: _parts_and_cvs(frame, in_scope, standard, costs), rows=len(frame))
    out["guarantee_wide"], out["staffing"] = school_level
    out["excluded"] = excluded
    return out


def _parts_and_cvs(frame: pd.DataFrame, in_scope: pd.Series, standard: Standard, costs: pd.DataFrame) -> dict:
    county_year = frame.groupby(["county", "year"], sort=True).ngroup().to_numpy()
    cy_keys = frame[["county", "year"]].drop_duplicates().sort_values(["county", "year"]).reset_index(drop=True)
    stage_keys = cy_keys.loc[cy_keys.index.repeat(len(STAGES))].reset_index(drop=True)
    stage_keys["stage"] = picked_text(STAGES, np.tile(np.arange(len(STAGES)), len(cy_keys)))
    parts = build_parts(frame, in_scope, standard, county_year)
    parts = apply_school_rule(parts, standard)
    views = shortfall_views(parts, standard) if standard.has_school_standards else None
    parts = add_shortfalls(parts, standard, costs, views)

    def cv_tables():
        indicators, warnings = _indicator_table(parts, standard, stage_keys)
        return indicators, warnings, stage_table(parts, indicators, standard, stage_keys)

    # the gaps and the CV tables both only read the parts: two at a time on a national file
    gaps, (indicators, warnings, stages) = beside(lambda: gap_summary(parts, standard, costs, stage_keys, views),
                                                  cv_tables, rows=len(parts))
    return {"parts": parts, "indicators": indicators, "stages": stages, "gaps": gaps, "warnings": warnings}


def _indicator_table(parts, standard: Standard, stage_keys: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    codes, n = _group_codes(parts), len(stage_keys)
    values = [parts[f"value_{c}"].to_numpy(dtype=float) for c in standard.codes]     # the columns, not a copy
    if len(parts):
        r = cv_by_codes(values, parts["students"].to_numpy(dtype=float), codes, n)
    else:                      # every school excluded: no stage has a part, every CV undefined
        nan = np.full((n, len(standard.codes)), np.nan)
        r = {"mean": nan, "sd": nan.copy(), "cv": nan.copy(), "n": np.zeros(n, dtype="int64"),
             "students": np.zeros(n)}
    present = np.flatnonzero(r["n"] > 0)
    k = len(standard.codes)
    table = stage_keys.iloc[np.repeat(present, k)].reset_index(drop=True)
    table["indicator"] = picked_text(standard.codes, np.tile(np.arange(k), len(present)))
    for name in ("mean", "sd", "cv"):
        table[name] = r[name][present].ravel()
    limit = standard.cv_limit
    if limit:
        # each row's stage is its stage key's position among the stages (stage_keys repeats STAGES)
        table["cv_limit"] = np.array([limit[s] for s in STAGES], dtype=float)[np.repeat(present % len(STAGES), k)]
        table["cv_comparison"] = picked_text([limit["comparison"]], np.zeros(len(table), dtype=np.int64))
        table["cv_pass"] = compare(table["cv"], table["cv_limit"], limit["comparison"])
    else:
        table["cv_limit"], table["cv_comparison"], table["cv_pass"] = np.nan, "", pd.NA
    by_stage = np.array([[(standard.indicator(c).standard or {}).get(s, np.nan) for c in standard.codes]
                         for s in STAGES], dtype=float)               # (stage × indicator)
    table["standard"] = by_stage[present % len(STAGES)].ravel()
    if standard.has_school_standards and standard.school_rule:
        met = np.stack([np.bincount(codes, weights=parts[f"meets_{c}"].to_numpy(dtype=float), minlength=n)
                        for c in standard.codes], axis=1)
        table["schools_meeting"] = pd.array(met[present].ravel().astype("int64"), dtype="Int64")
    else:
        table["schools_meeting"] = pd.NA
    table["n"] = np.repeat(r["n"][present], k)
    table["students"] = np.repeat(r["students"][present], k)
    undefined = table[table["cv"].isna()]
    warnings = [Problem("warning", "cv_undefined", f"{row.indicator} 的加权平均值为0，差异系数无定义",
                        f"mean of {row.indicator} is 0; CV undefined", county=row.county, year=int(row.year))
                for row in undefined.itertuples()]
    return table, warnings


def _group_codes(parts: pd.DataFrame) -> np.ndarray:
    """Each part's stage-row code as integers (an empty table of parts gives an empty integer array)."""
    return parts["group"].to_numpy(dtype="int64")


def stage_table(parts, indicators, standard: Standard, stage_keys: pd.DataFrame) -> pd.DataFrame:
    """The per-stage table (学段汇总表) of county-years: schools in scope, students, the difference coefficients
    and their verdicts, from the parts and indicator rows (shared with :mod:`~junyun_lib.evaluation.incremental`)."""
    codes, n = _group_codes(parts), len(stage_keys)
    stages = stage_keys.copy()
    stages["schools_in_scope"] = np.bincount(codes, minlength=n).astype("int64")
    stages["students"] = np.bincount(codes, weights=parts["students"].to_numpy(dtype=float), minlength=n).astype("int64")
    present = stages["schools_in_scope"].to_numpy() > 0
    k = len(standard.codes)
    cv = np.full((n, k), np.nan)
    cv[present] = indicators["cv"].to_numpy().reshape(-1, k)
    # 综合差异系数 = simple mean of the indicator CVs; undefined when any of them is
    stages["composite_cv"] = cv.mean(axis=1)
    if standard.has_school_standards and standard.school_rule:
        failing = ~parts["passes_school_rule"].to_numpy(dtype=bool)
        stages["schools_failing_rule"] = np.bincount(codes, weights=failing, minlength=n).astype("int64")
    else:
        stages["schools_failing_rule"] = pd.NA
    if standard.cv_limit:
        cv_pass = np.zeros((n, k), dtype=bool)
        cv_pass[present] = indicators["cv_pass"].to_numpy(dtype=bool).reshape(-1, k)
        stages["cv_failing"] = (~cv_pass).sum(axis=1)
    if standard.composite_limit:
        lim = standard.composite_limit
        stages["composite_limit"] = stages["stage"].map({s: lim[s] for s in STAGES}).astype(float)
        stages["composite_pass"] = compare(stages["composite_cv"], stages["composite_limit"], lim["comparison"])
    stages["passes"] = stage_verdicts(stages, standard.stage_pass_requires, present)
    return stages
