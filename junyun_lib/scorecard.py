"""The full evaluation scorecard (优质均衡督导评估表): four areas, the vetoes, an overall verdict, and the
application prerequisite.

Items, thresholds and sources are data: ``junyun_lib/rules/scorecard.toml`` (seed 002 附件1).  A county's
``[county_targets]`` (``data/raw/<slug>/county.toml``) replace national thresholds where an item names them
(进贤县: retention and disabled enrolment ≥ 97%, quota ≥ 70%, migrants ≥ 95%, nearby enrolment 100%/100%;
seed 000).  Values come from

* the evaluation itself — 资源配置: every CV within its limit and every school part passing the per-school
  rule, per stage;
* the school census — 校额、班额、音乐美术专用教室: the share of schools meeting the check must be 100%;
* the county-level table (:mod:`junyun_lib.county_table`) — everything else, yes/no items as 1/0.

Verdicts: an item with no value is **no data** and never passes; an area fails if any item fails, is
unknown (None) if none fails but one has no data, and passes only when every item passes; a veto whose
value is 是 fails the county; overall = False if any area fails or any veto applies, else None if anything
is unknown, else True.  The prerequisite (seed 002 附件1 一(二)): in each of the three years before, the
basic-balance composite CV (basic-2012's 8 indicators) within 0.60 (primary) / 0.50 (junior); None when a
year's data is missing.
"""
from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .jsonview import json_number as _num
from .plan_metrics import guarantee_share
from .rules import compare

AREAS = ("resource_allocation", "government_guarantee", "education_quality", "social_recognition")
OP_TEXT = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


@functools.lru_cache(maxsize=1)
def form() -> dict:
    """The evaluation form (``rules/scorecard.toml``)."""
    text = (resources.files("junyun_lib") / "rules" / "scorecard.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@dataclass
class Scorecard:
    """One county-year's scorecard (评估表).

    * ``items`` — one row per item: area, area_zh, no, code, name, value, standard, op, passes (True /
      False / None = no data), source (where the number came from), basis (threshold's document)
    * ``areas`` — {area: True/False/None}; ``vetoes`` — one row per veto: code, name, applies (True/False/None)
    * ``overall`` — True / False / None; ``prerequisite`` — dict with passes and per-year composites
    """

    county: str
    year: int
    items: pd.DataFrame
    areas: dict
    vetoes: pd.DataFrame
    overall: bool | None
    prerequisite: dict = field(default_factory=dict)
    synthetic: bool = False


def _verdict(values) -> bool | None:
    values = list(values)
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def _threshold(item: dict, config) -> tuple[float, str]:
    standard, basis = float(item["standard"]), item["source"]
    key = item.get("override")
    targets = getattr(config, "county_targets", {}) or {}
    if key and key in targets:
        standard = float(targets[key]["value"]) * float(item.get("override_scale", 1))
        basis = f"{basis}；县区规则：{targets[key].get('source', key)}"
    return standard, basis


def _resource(result, check: str) -> tuple[float | None, float | None, str, bool | None, str]:
    """(value, standard, op, passes, evidence) of a resource-allocation item from the evaluation."""
    kind, stage = check.rsplit("_", 1)
    st = result.stages[result.stages["stage"] == stage]
    if st.empty or int(st["schools_in_scope"].iloc[0]) == 0:
        return None, None, "", None, "该学段无纳入评估的学校"
    if kind == "cv":
        ind = result.indicators[result.indicators["stage"] == stage]
        ok = ind["cv_pass"].fillna(False).astype(bool)
        passes = bool(ok.all())
        # show the worst failing indicator (an incomputable CV counts as the worst), else the largest CV
        pool = ind[~ok] if not passes else ind
        worst = pool.loc[pool["cv"].astype(float).fillna(np.inf).idxmax()]
        name = result.standard.indicator(worst["indicator"]).name_zh
        if pd.isna(worst["cv"]):
            return None, float(worst["cv_limit"]), worst["cv_comparison"], False, \
                f"{name}的差异系数无法计算（均值为0，学校基础数据）"
        label = "超限" if not passes else "最大"
        return (float(worst["cv"]), float(worst["cv_limit"]), worst["cv_comparison"], passes,
                f"{label}的差异系数：{name}（学校基础数据）")
    failing = int(st["schools_failing_rule"].iloc[0])
    return float(failing), 0.0, "<=", failing == 0, f"未达到校级规则的{'小学' if stage == 'primary' else '初中'}学段数（学校基础数据）"


def _evidence(county_values, code: str, value) -> str:
    if county_values is None:
        return "无县级指标表"
    if value is not None:
        return county_values.evidence(code)
    where = county_values.evidence(code)
    return f"县级指标表中此项为空：{where}" if where else "县级指标表中无此项"


def scorecard(result, county_values=None, prerequisite: dict | None = None) -> Scorecard:
    """The scorecard of one evaluated county-year (a :class:`~junyun_lib.evaluate.CountyResult`) with its
    county-level table (``CountyValues`` or None)."""
    spec = form()
    rows = []
    for item in spec["items"]:
        kind, _, arg = item["input"].partition(":")
        standard, op, basis = None, item.get("op", ">="), item["source"]
        if kind == "resource":
            value, standard, op, passes, evidence = _resource(result, arg)
        else:
            standard, basis = _threshold(item, result.config)
            if kind == "census":
                m = guarantee_share(result, county_values, arg, "all")
                value, evidence = m.value, (f"{m.basis}（学校基础数据）" if m.value is not None else "无学校数据")
            else:
                value = county_values.get(arg) if county_values is not None else None
                evidence = _evidence(county_values, arg, value)
            passes = None if value is None else bool(compare(value, standard, op))
        rows.append({"area": item["area"], "area_zh": spec["areas"][item["area"]], "no": item["no"],
                     "code": item["code"], "name": item["name_zh"], "value": value, "standard": standard, "op": op,
                     "passes": passes, "source": evidence, "basis": basis})
    items = pd.DataFrame(rows)
    areas = {a: _verdict(items.loc[items["area"] == a, "passes"]) for a in AREAS}
    vetoes = []
    for v in spec["vetoes"]:
        value = county_values.get(v["code"]) if county_values is not None else None
        vetoes.append({"code": v["code"], "name": v["name_zh"], "applies": None if value is None else value >= 0.5,
                       "source": _evidence(county_values, v["code"], value),
                       "basis": v["source"]})
    vetoes = pd.DataFrame(vetoes)
    if any(a is False for a in areas.values()) or any(x is True for x in vetoes["applies"]):
        overall = False
    elif any(a is None for a in areas.values()) or any(x is None for x in vetoes["applies"]):
        overall = None
    else:
        overall = True
    synthetic = bool(result.synthetic or getattr(county_values, "synthetic", False))
    return Scorecard(county=result.county, year=result.year, items=items, areas=areas, vetoes=vetoes,
                     overall=overall, prerequisite=prerequisite or {}, synthetic=synthetic)


# ------------------------------------------------------------------------------------------ prerequisite
def prerequisite(basic_by_year: dict, year: int) -> dict:
    """申报条件 一(二) for ``year`` from ``{year: CountyResult under basic-2012}`` of the years before.

    Returns ``{"passes": True/False/None, "years": [{"year", "composite_primary", "composite_junior",
    "passes"}], "source"}``; a missing year makes it None unless another year already fails.
    """
    spec = form()["prerequisite"]
    limits = spec["composite_max"]
    years = []
    for y in range(year - int(spec["years"]), year):
        r = basic_by_year.get(y)
        if r is None:
            years.append({"year": y, "composite_primary": None, "composite_junior": None, "passes": None})
            continue
        comp = dict(zip(r.stages["stage"], r.stages["composite_cv"].astype(float)))
        present = dict(zip(r.stages["stage"], r.stages.get("schools_in_scope", pd.Series([1] * len(r.stages)))))
        # a stage with schools but no composite (an incomputable CV) leaves the year undetermined
        checks = [None if math.isnan(comp[s]) else bool(compare(comp[s], limits[s], "<="))
                  for s in ("primary", "junior") if s in comp and int(present.get(s, 1)) > 0]
        years.append({"year": y, "composite_primary": _num(comp.get("primary")),
                      "composite_junior": _num(comp.get("junior")),
                      "passes": _verdict(checks) if checks else None})
    return {"passes": _verdict(y["passes"] for y in years), "years": years, "name": spec["name_zh"],
            "source": spec["source"]}


def basic_results(county: str, years, data_dir) -> dict:
    """``{year: CountyResult}`` of ``county`` under basic-2012 for the ``years`` whose school data exists
    (processed parquet under ``data_dir``); years whose data lacks basic-2012's columns are left out."""
    from . import rules
    from .evaluate import evaluate
    from .problems import ValidationError
    from .processed import open_table

    cfg = rules.county_config(county, Path(data_dir))
    paths = [Path(data_dir) / "processed" / cfg.slug / f"{y}.parquet" for y in years]
    paths = [p for p in paths if p.is_file()]
    if not paths:
        return {}
    try:
        ev = evaluate(open_table(paths, county=county), "basic-2012", data_dir=data_dir)
    except ValidationError:       # e.g. the optional basic-2012 columns are missing: no data, not a failure
        return {}
    return {y: ev.county(c, y) for c, y in ev.county_years() if c == county}


def county_scorecard(result, data_dir) -> Scorecard:
    """The scorecard of a county-year with its county-level table and prerequisite read from ``data_dir``."""
    from .county_table import load_county_values

    slug = result.config.slug
    values = load_county_values(data_dir, slug, county=result.county).get(result.year) if slug else None
    years = range(result.year - int(form()["prerequisite"]["years"]), result.year)
    prereq = prerequisite(basic_results(result.county, years, data_dir), result.year)
    return scorecard(result, values, prereq)


# ------------------------------------------------------------------------------------------------ output
def _fmt(value, op, code) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "无数据"
    from .county_table import definitions

    unit = definitions()[code].unit if code in definitions() else ""
    if unit == "是否":
        return "是" if value >= 0.5 else "否"
    if unit == "级":
        return ["", "Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级"][int(round(value))]
    if code.startswith("cv_") or unit == "系数":
        return f"{value:.3f}"
    if code.startswith("school_rule_"):
        return f"{value:.0f}"
    return f"{value:,.1f}{'元' if unit == '元' else '%'}"


def _standard_text(row) -> str:
    if row["standard"] is None or (isinstance(row["standard"], float) and math.isnan(row["standard"])):
        return "—"
    from .county_table import definitions

    unit = definitions()[row["code"]].unit if row["code"] in definitions() else ""
    if unit == "是否":
        return "是"
    if unit == "级":
        return "Ⅲ级以上"
    return f"{OP_TEXT.get(row['op'], row['op'])} {_fmt(row['standard'], row['op'], row['code'])}"


PASS_ZH = {True: "达到", False: "未达到", None: "无数据"}
OVERALL_ZH = {True: "达到", False: "未达到", None: "无法判定（有无数据项）"}   # the index's 评估结论


def form_table(card: Scorecard) -> pd.DataFrame:
    """The scorecard laid out like the evaluation form, area by area (Chinese headers)."""
    rows = []
    for area in AREAS:
        part = card.items[card.items["area"] == area]
        rows.append({"评估内容": f"{part['area_zh'].iloc[0]}：{PASS_ZH[card.areas[area]]}", "序号": "", "实际": "",
                     "标准": "", "结论": "", "数据来源": ""})
        for r in part.to_dict("records"):
            rows.append({"评估内容": r["name"], "序号": r["no"], "实际": _fmt(r["value"], r["op"], r["code"]),
                         "标准": _standard_text(r), "结论": PASS_ZH[r["passes"]], "数据来源": r["source"]})
    rows.append({"评估内容": "不予认定事项", "序号": "", "实际": "", "标准": "", "结论": "", "数据来源": ""})
    for i, v in enumerate(card.vetoes.to_dict("records"), start=1):
        rows.append({"评估内容": v["name"], "序号": str(i),
                     "实际": {True: "是", False: "否", None: "无数据"}[v["applies"]], "标准": "否",
                     "结论": {True: "不予认定", False: "无此情况", None: "无数据"}[v["applies"]], "数据来源": v["source"]})
    rows.append({"评估内容": f"总体结论：{ {True: '达到优质均衡', False: '未达到', None: '尚不能判定（有无数据项）'}[card.overall]}",
                 "序号": "", "实际": "", "标准": "", "结论": "", "数据来源": ""})
    return pd.DataFrame(rows)


def to_json_dict(card: Scorecard) -> dict:
    """``{"areas": {area: {"items": [{"code", "name", "value", "standard", "passes", "source"}], "passes"}},
    "vetoes": [...], "overall", "prerequisite"}``."""
    areas = {}
    for area in AREAS:
        part = card.items[card.items["area"] == area]
        areas[area] = {"name": form()["areas"][area], "passes": card.areas[area],
                       "items": [{"code": r["code"], "name": r["name"], "value": _num(r["value"]),
                                  "standard": _num(r["standard"]), "op": r["op"], "passes": r["passes"],
                                  "source": r["source"]} for r in part.to_dict("records")]}
    return {"areas": areas,
            "vetoes": [{"code": v["code"], "name": v["name"], "applies": v["applies"], "source": v["source"]}
                       for v in card.vetoes.to_dict("records")],
            "overall": card.overall, "prerequisite": card.prerequisite}


def json_for(result) -> dict | None:
    """The ``scorecard`` object of the evaluate JSON for one county-year, or None for a county without a
    configuration (``data/raw/<slug>/county.toml``): its county-level table and earlier years live next to
    that file, and without them every item but resource allocation would be "no data"."""
    data_dir = result.config.data_dir
    return None if data_dir is None else to_json_dict(county_scorecard(result, data_dir))
