"""Chinese display names (中文表头与显示格式) for the tidy result tables, and how numbers are shown.

Tables keep English column names in code and JSON; :func:`zh` gives a copy with Chinese headers for people.
CVs are shown to 3 decimals; where the rounded figure equals the limit but the verdict needs more digits to be
understood, 4 decimals are shown.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..rules.schema import STAGE_ZH

HEADERS_ZH = {
    "county": "县区", "year": "年度", "stage": "学段", "part": "学段", "indicator": "指标代码", "name_zh": "指标",
    "mean": "加权均值", "sd": "加权标准差", "cv": "差异系数", "cv_limit": "差异系数限值", "cv_comparison": "比较方式",
    "cv_pass": "差异系数达标", "standard": "标准值", "schools_meeting": "达标学校数", "n": "学校数",
    "students": "在校生数", "schools_in_scope": "纳入评估学校数", "schools_failing_rule": "未达校级规则学校数",
    "composite_cv": "综合差异系数", "composite_limit": "综合差异系数限值", "composite_pass": "综合差异系数达标",
    "cv_failing": "差异系数未达标指标数", "passes": "结论（达标）", "school_id": "学校标识码", "school_name": "学校名称",
    "school_type": "学校类型", "urban_rural": "城乡分类", "ownership": "办学性质", "share": "设施拆分比例",
    "n_meeting": "达标指标数", "passes_school_rule": "达到校级规则", "cost_total": "所需经费合计（万元）",
    "reason": "原因", "reason_code": "原因代码", "reason_en": "Reason", "check": "检查代码", "check_zh": "检查项目",
    "value": "实际值", "limit": "标准限值", "basis": "依据与说明", "schools_below": "未达标学校数",
    "shortfall": "缺口合计", "unit_zh": "单位", "cost_wan": "所需经费（万元）", "cost_basis": "成本依据",
    "source_row": "原始表行号", "source_file": "原始文件",
}


def format_cv(cv: float, limit: float | None = None) -> str:
    """A difference coefficient as people read it: 3 decimals, or 4 where 3 would hide the verdict.

    Examples
    --------
    >>> format_cv(0.30619), format_cv(0.50004, 0.50), format_cv(float("nan"))
    ('0.306', '0.5000', '—')
    """
    if cv is None or (isinstance(cv, float) and np.isnan(cv)):
        return "—"
    text = f"{cv:.3f}"
    if limit is not None and not np.isnan(limit) and text == f"{limit:.3f}" and cv != limit:
        text = f"{cv:.4f}"
    return text


def zh(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a result table with Chinese headers and stage names (学段 小学/初中), for people.

    Examples
    --------
    >>> zh(pd.DataFrame({"stage": ["primary"], "cv": [0.3]})).columns.tolist()
    ['学段', '差异系数']
    """
    out = frame.copy()
    for col in ("stage", "part"):
        if col in out:
            out[col] = out[col].map(lambda s: STAGE_ZH.get(s, s))
    renamed = {}
    for col in out.columns:
        for prefix, label in (("value_", "指标值："), ("meets_", "达标："), ("shortfall_", "缺口："), ("cost_", "经费（万元）："),
                              ("standard_", "标准："), ("ratio_", "达标程度："), ("numerator_", "分子：")):
            if col.startswith(prefix) and col not in HEADERS_ZH:
                renamed[col] = label + col[len(prefix):]
    return out.rename(columns={**HEADERS_ZH, **renamed})
