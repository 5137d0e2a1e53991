"""Resource-allocation evaluation (资源配置评估) of one or many county-years at once.

``evaluate(table)`` runs, for every county-year in the table and vectorised across all of them: scope and
exclusions, splitting of mixed schools, indicator values per school part, the difference coefficient per
indicator and stage (:mod:`junyun_lib.cv`), the composite, verdicts against the standard (with the county's
overrides), the per-school rule, gaps and costs, and the school-level guarantee checks.  Results are tidy
DataFrames on an :class:`Evaluation`; :meth:`Evaluation.county` gives one county-year.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, rules
from .cv import weighted_cv_groups
from .gaps import add_shortfalls, gap_summary, load_unit_costs
from .guarantee import guarantee_checks
from .indicators import build_parts
from .problems import Problem, ValidationError
from .reader import SchoolTable, read_schools
from .rules import CountyConfig, Standard, compare
from .school_rule import apply_school_rule
from .schema import STAGES, field_zh
from .scope import empty_parts, school_in_scope

STAGE_KEYS = ["county", "year", "stage"]


# ---------------------------------------------------------------------------------- stage verdict registry
def _each_cv(stages: pd.DataFrame, indicators: pd.DataFrame) -> pd.Series:
    """Every indicator's CV within its limit (所有指标差异系数达标)."""
    ok = indicators.groupby(STAGE_KEYS)["cv_pass"].agg(lambda s: bool(s.astype(bool).all()))
    return stages.set_index(STAGE_KEYS).index.map(ok).astype(bool)


def _school_rule(stages: pd.DataFrame, indicators: pd.DataFrame) -> pd.Series:
    """Every school part passes the 6-of-7 / 85% rule (每所学校达标)."""
    return (stages["schools_failing_rule"] == 0).to_numpy()


def _composite_cv(stages: pd.DataFrame, indicators: pd.DataFrame) -> pd.Series:
    """The composite CV within its limit (综合差异系数达标)."""
    return stages["composite_pass"].astype(bool).to_numpy()


STAGE_REQUIREMENTS = {"each_cv": _each_cv, "school_rule": _school_rule, "composite_cv": _composite_cv}


# ------------------------------------------------------------------------------------------------ results
@dataclass
class Evaluation:
    """Results of an evaluation, as tidy tables (评估结果表).

    * ``parts`` — one row per school part: students, ``value_<code>``, ``meets_<code>``, ``n_meeting``,
      ``passes_school_rule``, ``shortfall_<code>``, ``cost_<code>``
    * ``indicators`` — one row per county, year, stage and indicator: mean, sd, cv, cv_limit, cv_pass,
      standard, schools_meeting
    * ``stages`` — one row per county, year and stage: schools_in_scope, students, composite_cv, passes
    * ``excluded`` — schools or parts out of scope, with reasons
    * ``guarantee`` — school-level guarantee checks
    * ``gaps`` — county totals of shortfalls and costs per stage and indicator
    * ``warnings`` — located data warnings (input and evaluation)
    """

    standard_code: str
    standards: dict[str, Standard]           # county name -> effective standard
    counties: dict[str, CountyConfig]
    schools: pd.DataFrame
    parts: pd.DataFrame
    indicators: pd.DataFrame
    stages: pd.DataFrame
    excluded: pd.DataFrame
    guarantee: pd.DataFrame
    gaps: pd.DataFrame
    warnings: list[Problem] = field(default_factory=list)
    synthetic: bool = False

    def county_years(self) -> list[tuple[str, int]]:
        pairs = self.schools[["county", "year"]].drop_duplicates().sort_values(["county", "year"])
        return [(c, int(y)) for c, y in pairs.itertuples(index=False)]

    def county(self, county: str | None = None, year: int | None = None) -> "CountyResult":
        """One county-year (一个县区年度).  Either may be omitted when the data holds only one."""
        pairs = [(c, y) for c, y in self.county_years()
                 if (county is None or c == county) and (year is None or y == year)]
        if len(pairs) != 1:
            raise KeyError(f"需要唯一的县区年度，匹配到 {pairs} (need exactly one county-year)")
        c, y = pairs[0]
        pick = lambda t: t[(t["county"] == c) & (t["year"] == y)].reset_index(drop=True)
        return CountyResult(
            county=c, year=y, standard=self.standards[c], config=self.counties[c], parts=pick(self.parts),
            indicators=pick(self.indicators), stages=pick(self.stages), excluded=pick(self.excluded),
            guarantee=pick(self.guarantee), gaps=pick(self.gaps),
            warnings=[w for w in self.warnings if w.county in ("", c) and w.year in (None, y)],
            synthetic=self.synthetic)

    def results(self) -> list["CountyResult"]:
        return [self.county(c, y) for c, y in self.county_years()]

    def to_json_dict(self) -> dict:
        return {"results": [r.to_json_dict() for r in self.results()],
                "generator": {"package": "junyun", "version": __version__}}


@dataclass
class CountyResult:
    """One county-year's results (一个县区年度的评估结果)."""

    county: str
    year: int
    standard: Standard
    config: CountyConfig
    parts: pd.DataFrame
    indicators: pd.DataFrame
    stages: pd.DataFrame
    excluded: pd.DataFrame
    guarantee: pd.DataFrame
    gaps: pd.DataFrame
    warnings: list[Problem]
    synthetic: bool = False

    def stage(self, stage: str) -> dict:
        return _stage_json(self, stage)

    def cv_table(self) -> pd.DataFrame:
        """Indicators × stages of CVs, for people (Chinese labels, 3 decimals shown by the caller)."""
        t = self.indicators.pivot(index="indicator", columns="stage", values="cv")
        return t.reindex([c for c in self.standard.codes if c in t.index])

    def to_json_dict(self) -> dict:
        return _county_json(self)


# --------------------------------------------------------------------------------------------- evaluation
def evaluate(table, standard: str = "quality-2017", *, costs=None, data_dir=None) -> Evaluation:
    """Evaluate every county-year in ``table`` (a :class:`SchoolTable`, a path, or a DataFrame of raw rows).

    ``costs`` is a unit-cost CSV path or table (default: the package's illustrative costs); ``data_dir`` is
    where county configurations live (default ``./data`` or $JUNYUN_DATA).
    """
    if not isinstance(table, SchoolTable):
        table = read_schools(table)
    cost_table = costs if isinstance(costs, pd.DataFrame) else load_unit_costs(costs)
    configs = rules.county_configs(Path(data_dir) if data_dir else None)
    counties = {name: configs.get(name) or CountyConfig.unknown(name) for name in table.frame["county"].unique()}
    standards = {name: rules.load_standard(standard, cfg) for name, cfg in counties.items()}
    _require_columns(table, standards[next(iter(standards))] if standards else rules.load_standard(standard))
    # counties that share the same effective standard are evaluated together, vectorised
    variants: dict[str, list[str]] = {}
    for name, std in standards.items():
        variants.setdefault(repr(std), []).append(name)
    pieces = [_evaluate_variant(table.frame[table.frame["county"].isin(names)], standards[names[0]], cost_table)
              for names in variants.values()]
    tables = {k: pd.concat([p[k] for p in pieces], ignore_index=True) for k in pieces[0] if k != "warnings"}
    tables = {k: v.sort_values(["county", "year"], kind="stable").reset_index(drop=True) for k, v in tables.items()}
    warnings = list(table.warnings) + [w for p in pieces for w in p["warnings"]]
    return Evaluation(standard_code=standard, standards=standards, counties=counties, schools=table.frame,
                      warnings=warnings, synthetic=table.synthetic, **tables)


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
        for _, r in table.frame[blank].iterrows():
            problems.append(Problem("error", "blank", f"评估标准「{standard.code}」需要此项，不能为空",
                                    f"standard {standard.code} needs this value", file=r["source_file"],
                                    sheet=r["source_sheet"], row=int(r["source_row"]), column=field_zh(c),
                                    school_id=r["school_id"], county=r["county"], year=int(r["year"])))
    if problems:
        raise ValidationError(problems)


def _evaluate_variant(frame: pd.DataFrame, standard: Standard, costs: pd.DataFrame) -> dict:
    frame = frame.reset_index(drop=True)
    in_scope, excluded = school_in_scope(frame)
    excluded = pd.concat([excluded, empty_parts(frame, in_scope)], ignore_index=True)
    parts = build_parts(frame, in_scope, standard)
    parts = apply_school_rule(parts, standard)
    parts = add_shortfalls(parts, standard, costs)
    indicators, warnings = _indicator_table(parts, standard)
    stages = _stage_table(frame, parts, indicators, standard)
    return {"parts": parts, "indicators": indicators, "stages": stages, "excluded": excluded,
            "guarantee": guarantee_checks(frame[in_scope], standard), "gaps": gap_summary(parts, standard, costs),
            "warnings": warnings}


def _indicator_table(parts: pd.DataFrame, standard: Standard) -> tuple[pd.DataFrame, list[Problem]]:
    values = parts[[f"value_{c}" for c in standard.codes]]
    values.columns = standard.codes
    table = weighted_cv_groups(values, parts["students"], parts[["county", "year", "part"]])
    table = table.rename(columns={"part": "stage", "students": "students"})
    limit = standard.cv_limit
    if limit:
        table["cv_limit"] = table["stage"].map({s: limit[s] for s in STAGES}).astype(float)
        table["cv_comparison"] = limit["comparison"]
        table["cv_pass"] = compare(table["cv"], table["cv_limit"], limit["comparison"])
    else:
        table["cv_limit"], table["cv_comparison"], table["cv_pass"] = np.nan, "", pd.NA
    table["standard"] = [(standard.indicator(c).standard or {}).get(s, np.nan)
                         for c, s in zip(table["indicator"], table["stage"])]
    if "n_meeting" in parts and standard.has_school_standards:
        met = pd.concat([parts[["county", "year", "part"]].assign(indicator=c, met=parts[f"meets_{c}"].astype(int))
                         for c in standard.codes])
        counts = met.groupby(["county", "year", "part", "indicator"])["met"].sum()
        table["schools_meeting"] = pd.MultiIndex.from_frame(
            table[["county", "year", "stage", "indicator"]]).map(counts).astype("Int64")
    else:
        table["schools_meeting"] = pd.NA
    order = {c: i for i, c in enumerate(standard.codes)}
    table = table.sort_values(["county", "year", "stage"], kind="stable")
    table = table.iloc[np.lexsort((table["indicator"].map(order), table["stage"].map({"primary": 0, "junior": 1}),
                                   table["year"], table["county"]))].reset_index(drop=True)
    warnings = [Problem("warning", "cv_undefined", f"{r.indicator} 的加权平均值为0，差异系数无定义",
                        f"mean of {r.indicator} is 0; CV undefined", county=r.county, year=int(r.year))
                for r in table[table["cv"].isna()].itertuples()]
    return table[["county", "year", "stage", "indicator", "mean", "sd", "cv", "cv_limit", "cv_comparison",
                  "cv_pass", "standard", "schools_meeting", "n", "students"]], warnings


def _stage_table(frame, parts, indicators, standard: Standard) -> pd.DataFrame:
    g = parts.groupby(["county", "year", "part"])
    stages = g.agg(schools_in_scope=("school_id", "size"), students=("students", "sum")).reset_index()
    stages = stages.rename(columns={"part": "stage"})
    if standard.has_school_standards and standard.school_rule:
        failing = (~parts["passes_school_rule"].astype(bool)).groupby(
            [parts["county"], parts["year"], parts["part"]]).sum()
        stages["schools_failing_rule"] = pd.MultiIndex.from_frame(stages[STAGE_KEYS]).map(failing).astype("int64")
    else:
        stages["schools_failing_rule"] = pd.NA
    # 综合差异系数 = simple mean of the indicator CVs; undefined when any of them is
    by_stage = indicators.groupby(STAGE_KEYS)["cv"]
    composite = by_stage.mean().where(by_stage.count() == by_stage.size())
    stages["composite_cv"] = pd.MultiIndex.from_frame(stages[STAGE_KEYS]).map(composite).astype(float)
    if standard.composite_limit:
        lim = standard.composite_limit
        stages["composite_limit"] = stages["stage"].map({s: lim[s] for s in STAGES}).astype(float)
        stages["composite_pass"] = compare(stages["composite_cv"], stages["composite_limit"], lim["comparison"])
    else:
        stages["composite_limit"], stages["composite_pass"] = np.nan, pd.NA
    if "each_cv" in standard.stage_pass_requires:
        stages["cv_failing"] = pd.MultiIndex.from_frame(stages[STAGE_KEYS]).map(
            (~indicators["cv_pass"].astype(bool)).groupby([indicators[k] for k in STAGE_KEYS]).sum()).astype("int64")
    passes = np.ones(len(stages), dtype=bool)
    for requirement in standard.stage_pass_requires:
        passes &= np.asarray(STAGE_REQUIREMENTS[requirement](stages, indicators), dtype=bool)
    stages["passes"] = passes
    stages = _add_missing_stages(frame, stages)
    return stages.sort_values(["county", "year", "stage"], key=lambda s: s.map({"primary": 0, "junior": 1})
                              if s.name == "stage" else s, kind="stable").reset_index(drop=True)


def _add_missing_stages(frame: pd.DataFrame, stages: pd.DataFrame) -> pd.DataFrame:
    """A county-year with no school part of a stage still gets a row: 0 schools, no verdict."""
    pairs = frame[["county", "year"]].drop_duplicates()
    full = pairs.merge(pd.DataFrame({"stage": list(STAGES)}), how="cross")
    out = full.merge(stages, on=STAGE_KEYS, how="left")
    out["schools_in_scope"] = out["schools_in_scope"].fillna(0).astype("int64")
    out["students"] = out["students"].fillna(0).astype("int64")
    out["passes"] = out["passes"].astype("boolean")
    return out


# ---------------------------------------------------------------------------------------------- JSON view
def _num(x):
    if x is None or x is pd.NA:
        return None
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    try:
        x = float(x)
    except (TypeError, ValueError):
        return x
    return None if np.isnan(x) else x


def _int(x):
    x = _num(x)
    return None if x is None else int(x)


def _stage_json(result: CountyResult, stage: str) -> dict:
    row = result.stages[result.stages["stage"] == stage]
    if row.empty:
        return {"schools_in_scope": 0, "students": 0, "composite_cv": None, "passes": None, "indicators": {}}
    row = row.iloc[0]
    inds = result.indicators[result.indicators["stage"] == stage]
    return {
        "schools_in_scope": int(row["schools_in_scope"]), "students": int(row["students"]),
        "composite_cv": _num(row["composite_cv"]), "passes": _num(row["passes"]),
        "schools_failing_rule": _int(row.get("schools_failing_rule")),
        "indicators": {r["indicator"]: {
            "mean": _num(r["mean"]), "sd": _num(r["sd"]), "cv": _num(r["cv"]), "cv_limit": _num(r["cv_limit"]),
            "cv_pass": _num(r["cv_pass"]), "standard": _num(r["standard"]),
            "schools_meeting": _int(r["schools_meeting"])} for _, r in inds.iterrows()},
    }


def _school_json(result: CountyResult) -> list[dict]:
    codes = result.standard.codes
    has_std = result.standard.has_school_standards
    out = []
    for r in result.parts.to_dict("records"):
        out.append({
            "school_id": r["school_id"], "part": r["part"], "school_name": r["school_name"],
            "students": int(r["students"]),
            "values": {c: _num(r[f"value_{c}"]) for c in codes},
            "meets": {c: bool(r[f"meets_{c}"]) for c in codes} if has_std else {},
            "passes_school_rule": _num(r["passes_school_rule"]),
            "shortfall": {c: _num(r[f"shortfall_{c}"]) for c in codes} if has_std else {},
        })
    return out


def _county_json(result: CountyResult) -> dict:
    return {
        "county": result.county, "year": result.year, "standard": result.standard.code,
        "synthetic": result.synthetic,
        "stages": {s: _stage_json(result, s) for s in STAGES},
        "schools": _school_json(result),
        "excluded": [{"school_id": r["school_id"], "school_name": r["school_name"], "part": r["part"] or None,
                      "reason": r["reason"]} for r in result.excluded.to_dict("records")],
        "guarantee": [{k: _num(v) if k in ("value", "limit", "passes") else v for k, v in r.items()
                       if k not in ("county", "year")} for r in result.guarantee.to_dict("records")],
        "gaps": [{k: _num(v) if k in ("shortfall", "cost_wan", "schools_below") else v for k, v in r.items()
                  if k not in ("county", "year")} for r in result.gaps.to_dict("records")],
        "warnings": [str(w) for w in result.warnings],
        "overrides": list(result.standard.overrides_applied),
    }


def write_json(evaluation: Evaluation, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(evaluation.to_json_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return path
