"""The scorecard for people and programs (评估表的输出): the form laid out area by area, and its JSON object."""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pandas as pd

from ..evaluation.scorecard import Scorecard
from ..rules import OP_SYMBOL
from ..rules.county_indicators import definitions
from ..rules.scorecard_form import AREAS, form
from .jsonvalues import json_number as _num


def _fmt(value, op, code) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "无数据"
    unit = definitions()[code].unit if code in definitions() else ""
    if unit == "是否":
        return "是" if value >= 0.5 else "否"
    if unit == "级":
        return ["", "Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级"][int(round(value))]
    if code.startswith("cv_") or unit == "系数":
        return f"{value:.3f}"
    if code.startswith("school_rule_"):
        return f"未达标学校 {value:.0f} 所"          # a count of schools, not a share
    if unit == "元":
        return f"{value:,.0f} 元"
    return f"{value:,.1f}%"


def _standard_text(row) -> str:
    """The threshold as read on the form; a county plan's target says so, with the national threshold it
    replaces ("≥ 97.0%（县定目标；国家标准 ≥ 95.0%）"), and a county's own item (县1) says 县定目标."""
    text = _threshold_text(row)
    whose = row.get("threshold_source")
    if whose == "county":
        national = _threshold_text({**row, "standard": row.get("national_standard")})
        return f"{text}（县定目标；国家标准 {national}）"
    if whose == "county_own":
        return f"{text}（县定目标）"
    return text


def _threshold_text(row) -> str:
    if row["standard"] is None or (isinstance(row["standard"], float) and math.isnan(row["standard"])):
        return "—"
    unit = definitions()[row["code"]].unit if row["code"] in definitions() else ""
    if unit == "是否":
        return "是"
    if unit == "级":
        return "Ⅲ级以上"
    if row["code"].startswith("school_rule_"):
        return f"{row['standard']:.0f} 所"
    return f"{OP_SYMBOL.get(row['op'], row['op'])} {_fmt(row['standard'], row['op'], row['code'])}"


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


def table_scorecards(items: pd.DataFrame, overall: pd.DataFrame, template: dict, prerequisite) -> Callable:
    """``(county, year) -> scorecard JSON object`` (:func:`to_json_dict`'s shape) from the tidy scorecard tables
    (:func:`junyun_lib.evaluation.scorecards.scorecard_tables`), for county-years **without a county
    configuration**, whose scorecard the tables hold whole: school-derived items computed, county-level items
    and vetoes no data.  The per-county scorecard (35 ms each) would take most of a national JSON's time.

    ``template`` is the JSON object of one such county-year's per-county scorecard: its vetoes (no data,
    the same for every county without a configuration) are reused; ``prerequisite(year)`` gives the
    prerequisite object of a year without basic-balance history.  Returns None for a county-year not in the
    tables.
    """
    rows = items.groupby(["county", "year"], observed=True, sort=False).indices
    cols = {c: items[c].astype(object).where(items[c].notna(), None).tolist()
            for c in ("area", "code", "name", "op", "source")}
    cols["value"] = [_num(v) for v in items["value"].to_numpy(dtype=float, na_value=np.nan).tolist()]
    cols["standard"] = [_num(v) for v in items["standard"].to_numpy(dtype=float, na_value=np.nan).tolist()]
    cols["passes"] = items["passes"].astype(object).where(items["passes"].notna(), None).tolist()
    tops = {(str(c), int(y)): k for k, (c, y) in enumerate(zip(overall["county"].astype(str), overall["year"]))}
    verdicts = {col: overall[col].astype(object).where(overall[col].notna(), None).tolist()
                for col in ["overall"] + [f"area_{a}" for a in AREAS]}
    names = form()["areas"]

    def build(county, year) -> dict | None:
        at, top = rows.get((county, year)), tops.get((str(county), int(year)))
        if at is None or top is None:
            return None
        areas = {a: {"name": names[a], "passes": _bool(verdicts[f"area_{a}"][top]), "items": []} for a in AREAS}
        for i in at.tolist():
            areas[cols["area"][i]]["items"].append({
                "code": cols["code"][i], "name": cols["name"][i], "value": cols["value"][i],
                "standard": cols["standard"][i], "op": cols["op"][i], "passes": _bool(cols["passes"][i]),
                "source": cols["source"][i]})
        return {"areas": areas, "vetoes": [dict(v) for v in template["vetoes"]],
                "overall": _bool(verdicts["overall"][top]), "prerequisite": prerequisite(int(year))}
    return build


def _bool(value) -> bool | None:
    return None if value is None else bool(value)
