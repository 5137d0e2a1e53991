"""The full evaluation scorecard (优质均衡督导评估表): four areas, the vetoes, an overall verdict, and the
application prerequisite.

Items, thresholds and sources are data: ``junyun_lib/rules/scorecard.toml`` (seed 002 附件1).  A county's
``[county_targets]`` (``data/raw/<slug>/county.toml``) replace national thresholds where an item names them
(进贤县: retention and disabled enrolment ≥ 97%, quota ≥ 70%, migrants ≥ 95%, nearby enrolment 100%/100%;
seed 000; 乡宁县: nearby enrolment 100% for junior too, seed 002 三、主要任务(二)9).  Values come from

* the evaluation itself — 资源配置: every CV within its limit and every school part passing the per-school
  rule, per stage;
* the school census — 校额、班额、音乐美术专用教室: the share of schools meeting the check must be 100%;
* the county-level table (:mod:`junyun_lib.county_table`) — everything else, yes/no items as 1/0;
* a county's own rules without a national item (``requires`` in the form): shown only for a county whose
  ``[county_targets]`` name them — 进贤县's staffing ratios 1:19, 1:13.5 and 1:1.5 per class (seed 000
  二(二)2(7)), checked on the census's 专任教师 (:mod:`.staffing`).

An item's wording follows its comparison where the form gives ``name_by_op`` (进贤县's CV limit is "小于",
seed 000 二(二)1(5), so its row reads 小于, not 不超过).

Verdicts: an item with no value is **no data** and never passes; an area fails if any item fails, is
unknown (None) if none fails but one has no data, and passes only when every item passes; a veto whose
value is 是 fails the county; overall = False if any area fails or any veto applies, else None if anything
is unknown, else True.  The prerequisite (seed 002 附件1 一(二)): in each of the three years before, the
basic-balance composite CV (basic-2012's 8 indicators) within 0.60 (primary) / 0.50 (junior); None when a
year's data is missing.

The form belongs to quality balance only (``applies_to`` in ``scorecard.toml``): for a county-year evaluated
under another standard (basic-2012) :func:`scorecard` returns None, and
:func:`junyun_lib.rules.scorecard_form.not_applicable` gives the sentence that says why.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..rules import compare
from ..rules.scorecard_form import AREAS, applies_to, form
from .shares import guarantee_share
from .staffing import staffing_check, summary as staffing_summary
from .verdicts import all_of


@dataclass
class Scorecard:
    """One county-year's scorecard (评估表).

    * ``items`` — one row per item: area, area_zh, no, code, name, value, standard, op, passes (True /
      False / None = no data), source (where the number came from), basis (threshold's document),
      threshold_source (whose threshold: "national"; "county" = the county plan's target replacing a
      different national one; "county_own" = a county's own item without a national one, 县1) and
      national_standard (the form's national threshold; None for a county's own item)
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


def item_threshold(item: dict, config) -> tuple[float, str]:
    """A scorecard item's threshold (达标线) and its basis: the form's national value, or the county's target
    replacing it (``county_targets``, the item's ``override``)."""
    standard, basis = float(item["standard"]), item["source"]
    key = item.get("override")
    targets = getattr(config, "county_targets", {}) or {}
    if key and key in targets:
        standard = float(targets[key]["value"]) * float(item.get("override_scale", 1))
        basis = f"{basis}；县区规则：{targets[key].get('source', key)}"
    return standard, basis


def _whose(item: dict, kind: str, standard) -> tuple[str, float | None]:
    """(threshold_source, national_standard) of an item: "county" only when the county's target differs from
    the form's national threshold (a target restating it, 进贤县's 小学就近入学 100%, leaves it "national")."""
    if kind == "staffing":
        return "county_own", None
    if kind == "resource" or "override" not in item:
        return "national", standard
    national = float(item["standard"])
    if standard is None or math.isclose(float(standard), national):
        return "national", national
    return "county", national


def _staffing(item: dict, result, config) -> tuple[float | None, bool | None, str, str, str]:
    """(value, passes, evidence, basis, name) of a county staffing item: the share of school sections whose
    专任教师 meet the county's ratios (:mod:`.staffing`)."""
    targets = getattr(config, "county_targets", {}) or {}
    keys = {kind: key for kind, key in item["targets"].items() if key in targets}
    limits = {kind: float(targets[key]["value"]) for kind, key in keys.items()}
    value, passes, evidence = staffing_summary(staffing_check(result.staffing, limits))
    basis = "；".join([item["source"]] + [f"县区规则：{targets[key].get('source', key)}" for key in keys.values()])
    wording = "、".join(item["labels"][kind].format(limit=limits[kind]) for kind in item["targets"] if kind in limits)
    return value, passes, evidence, basis, item["name_zh"].format(ratios=wording)


def _applies(item: dict, config) -> bool:
    """An item with ``requires`` is a county's own: shown when the county sets one of the targets it names."""
    if "requires" not in item:
        return True
    targets = getattr(config, "county_targets", {}) or {}
    return any(key in targets for key in item["requires"])


def item_name(item: dict, op: str) -> str:
    """The item's wording, following its comparison where the form words each one (``name_by_op``)."""
    return item.get("name_by_op", {}).get(op, item["name_zh"])


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


def scorecard(result, county_values=None, prerequisite: dict | None = None) -> Scorecard | None:
    """The scorecard of one evaluated county-year (a :class:`~junyun_lib.evaluate.CountyResult`) with its
    county-level table (``CountyValues`` or None); None when the form does not apply to the standard the
    county-year was evaluated under (basic-2012: :func:`~junyun_lib.rules.scorecard_form.not_applicable`)."""
    if not applies_to(result.standard.code):
        return None
    spec = form()
    rows = []
    for item in spec["items"]:
        if not _applies(item, getattr(result, "config", None)):
            continue
        kind, _, arg = item["input"].partition(":")
        standard, op, basis = None, item.get("op", ">="), item["source"]
        name = item["name_zh"]
        if kind == "resource":
            value, standard, op, passes, evidence = _resource(result, arg)
            # the wording follows the comparison in force (the county's override), also when no school is in scope
            name = item_name(item, op or (result.standard.cv_limit or {}).get("comparison", ""))
        elif kind == "staffing":
            standard = float(item["standard"])
            value, passes, evidence, basis, name = _staffing(item, result, getattr(result, "config", None))
        else:
            standard, basis = item_threshold(item, result.config)
            if kind == "census":
                m = guarantee_share(result, arg)
                # no value: the reason when schools were there but undecidable (rooms without data), else none
                value = m.value
                evidence = f"{m.basis}（学校基础数据）" if value is not None else \
                    (m.basis if m.basis.startswith("无数据") else "无学校数据")
            else:
                value = county_values.get(arg) if county_values is not None else None
                evidence = _evidence(county_values, arg, value)
            passes = None if value is None else bool(compare(value, standard, op))
        rows.append({"area": item["area"], "area_zh": spec["areas"][item["area"]], "no": item["no"],
                     "code": item["code"], "name": name, "value": value, "standard": standard, "op": op,
                     "passes": passes, "source": evidence, "basis": basis})
        rows[-1]["threshold_source"], rows[-1]["national_standard"] = _whose(item, kind, standard)
    items = pd.DataFrame(rows)
    areas = {a: all_of(items.loc[items["area"] == a, "passes"]) for a in AREAS}
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
#: why a year with data has no 申报条件 values: its file lacks basic-2012's optional columns
NO_BASIC_COLUMNS = "缺少基本均衡评估所需的列（计算机台数、图书册数等），无法计算"


def prerequisite_years(year: int) -> range:
    """The years 申报条件 looks at for ``year``: those before it (``rules/scorecard.toml``)."""
    return range(int(year) - int(form()["prerequisite"]["years"]), int(year))


def prerequisite(basic_by_year: dict, year: int, reasons: dict | None = None) -> dict:
    """申报条件 一(二) for ``year`` from ``{year: CountyResult under basic-2012}`` of the years before.

    Returns ``{"passes": True/False/None, "years": [{"year", "composite_primary", "composite_junior",
    "passes"}], "source"}``; a missing year makes it None unless another year already fails.  ``reasons``:
    ``{year: why it is no data}`` for the years that have data but cannot be evaluated.
    """
    spec = form()["prerequisite"]
    limits = spec["composite_max"]
    years = []
    for y in prerequisite_years(year):
        r = basic_by_year.get(y)
        if r is None:
            years.append({"year": y, "composite_primary": None, "composite_junior": None, "passes": None})
            continue
        comp = dict(zip(r.stages["stage"], r.stages["composite_cv"].astype(float)))
        present = dict(zip(r.stages["stage"], r.stages.get("schools_in_scope", pd.Series([1] * len(r.stages)))))
        # a stage with schools but no composite (an incomputable CV) leaves the year undetermined
        checks = [None if math.isnan(comp[s]) else bool(compare(comp[s], limits[s], "<="))
                  for s in ("primary", "junior") if s in comp and int(present.get(s, 1)) > 0]
        years.append({"year": y, "composite_primary": _number(comp.get("primary")),
                      "composite_junior": _number(comp.get("junior")),
                      "passes": all_of(checks) if checks else None})
    for entry in years:
        if entry["year"] in (reasons or {}):
            entry["reason"] = reasons[entry["year"]]
    return {"passes": all_of(y["passes"] for y in years), "years": years, "name": spec["name_zh"],
            "source": spec["source"]}


def _number(v) -> float | None:
    return None if v is None or v != v else float(v)
