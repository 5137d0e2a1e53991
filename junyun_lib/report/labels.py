"""Chinese display names (中文表头与显示格式) for the tidy result tables, and how numbers are shown.

Tables keep English column names in code and JSON; :func:`zh` gives a copy with Chinese headers for people.
CVs are shown to 3 decimals; where the rounded figure equals the limit but the verdict needs more digits to be
understood, 4 decimals are shown.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..rules import OP_ZH
from ..rules.documents import cite
from ..rules.schema import STAGE_ZH
from ..rules.standards import load_standard, standard_codes

HEADERS_ZH = {
    "county": "县区", "year": "年度", "stage": "学段", "part": "学段", "indicator": "指标代码", "name_zh": "指标",
    "mean": "加权均值", "sd": "加权标准差", "cv": "差异系数", "cv_limit": "差异系数限值", "cv_comparison": "比较方式",
    "cv_pass": "差异系数达标", "standard": "标准值", "threshold_source": "标准来源", "national_standard": "国家标准值", "schools_meeting": "达标学校数", "n": "学校数",
    "students": "在校生数", "schools_in_scope": "纳入评估学校数", "schools_failing_rule": "未达校级规则学校数",
    "composite_cv": "综合差异系数", "composite_limit": "综合差异系数限值", "composite_pass": "综合差异系数达标",
    "cv_failing": "差异系数未达标指标数", "passes": "结论（达标）", "school_id": "学校标识码", "school_name": "学校名称",
    "school_type": "学校类型", "urban_rural": "城乡分类", "ownership": "办学性质", "share": "设施拆分比例",
    "n_meeting": "达标指标数", "passes_school_rule": "达到校级规则", "cost_total": "所需经费合计（万元，设施每校计一次）",
    "reason": "原因", "reason_code": "原因代码", "reason_en": "原因（英文）", "group": "分组序号", "check": "检查代码", "check_zh": "检查项目",
    "value": "实际值", "limit": "标准限值", "basis": "依据与说明", "schools_below": "未达标学校数",
    "shortfall": "该学段部分缺口合计", "school_shortfall": "全校需补充合计（设施每校计一次，教师按学段）",
    "unit_zh": "单位", "cost_wan": "所需经费（万元，按全校需补充）", "cost_basis": "成本依据",
    "source_row": "原始表行号", "source_file": "原始文件",
    # scorecard items
    "area": "方面代码", "area_zh": "方面", "no": "序号", "code": "代码", "name": "项目", "op": "比较", "source": "数据来源",
    "applies": "存在此情况",
    # plan progress
    "item_no": "序号", "item": "项目", "category": "类别", "metric": "度量", "target": "目标", "direction": "方向",
    "unit": "单位", "stated": "计划已注明", "actual": "实际", "gap": "差距", "status": "状态代码", "status_zh": "状态",
    "note": "说明", "target_year": "目标年", "years_used": "依据年份", "projected": "趋势值", "low": "区间下限",
    "high": "区间上限", "outlook": "预计代码", "outlook_zh": "预计",
    # causes
    "indicator_zh": "指标名称", "within": "城乡组内（占差异系数平方）", "between": "城乡组间（占差异系数平方）",
    "theil": "泰尔指数", "gini": "基尼系数", "mcloone": "麦克伦指数", "p5": "第5百分位", "p95": "第95百分位",
    "restricted_range": "限定极差", "top_school_id": "贡献最大学校标识码", "top_school": "贡献最大的学校",
    "top_share": "贡献份额", "direction_zh": "方向", "loo_cv": "去掉该校后的差异系数",
}

# How the gap tables count (缺口口径), shown wherever they are: workbook, briefing, text report.
GAP_BASIS_ZH = ("“该学段部分缺口”是学校该学段部分自身达到标准所缺的数量。一贯制学校、完全中学的网络多媒体教室数、"
                "教学仪器设备值、体育运动场馆面积、教学及辅助用房面积按拆分比例分给各学段（《县域义务教育优质均衡发展督导评估"
                "有关事项说明》（五）），学校新增的设施只有拆分比例那一部分计入该学段，因此“全校需补充”= 各学段部分缺口 ÷ "
                "拆分比例中的较大者（教室取整），才能使各学段部分都达到标准；单一学段学校两者相同。教师按学段统计，不拆分。"
                "经费按全校需补充计算，每所学校只计一次（计入需求较大的学段）。")


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
    names, kinds = _indicator_names(), _indicator_kinds()
    renamed = {}
    for col in out.columns:
        for prefix, label in PREFIX_ZH:
            if col.startswith(prefix) and col not in HEADERS_ZH:
                code = col[len(prefix):]
                if isinstance(label, dict):
                    label = label[kinds.get(code, "section")]
                renamed[col] = label + names.get(code, code)
                break
    renamed.update({c: n for c, n in _wide_headers(out.columns).items() if c not in HEADERS_ZH})
    return out.rename(columns={**HEADERS_ZH, **renamed})


# Column prefixes of the parts table.  A mixed school's facilities are split between its parts (national
# 有关事项说明（五）), so its shortfall has two views: the part's own (该学段部分缺口) and what the whole school must
# add (全校需补充); teachers are per section (本学段需补充).  Costs follow what must be added, once per school.
PREFIX_ZH = (
    ("value_", "指标值："), ("meets_", "达标："), ("shortfall_", "该学段部分缺口："),
    ("school_shortfall_", {"facility": "全校需补充：", "section": "本学段需补充："}),
    ("cost_", {"facility": "经费（万元，全校计一次）：", "section": "经费（万元）："}),
    ("standard_", "标准："), ("ratio_", "达标程度："), ("numerator_", "分子："),
    ("cv2_share_", "占差异系数平方的份额："))

# The school-level guarantee checks, one row per school (``guarantee.parquet``): ``<check>_<field>`` columns.
_CHECK_FIELDS_ZH = {"value": "实际值", "limit": "标准限值", "passes": "达标", "basis": "依据与说明",
                    "band": "最大班额段"}


def _wide_headers(columns) -> dict[str, str]:
    """Chinese headers of the columns ``zh`` has no fixed name for: the guarantee checks of the one-row-per-school
    table (``class_size_primary_passes`` → 小学最大班额：达标) and the scorecard verdicts (``overall``,
    ``area_<area>``)."""
    from ..evaluation.guarantee import CHECKS
    from ..rules.scorecard_form import AREAS, form

    out = {}
    for col in columns:
        check, _, field = str(col).rpartition("_")
        if check in CHECKS and field in _CHECK_FIELDS_ZH:
            name, stage = CHECKS[check]
            out[col] = f"{STAGE_ZH.get(stage, '')}{name}：{_CHECK_FIELDS_ZH[field]}"
        elif col == "overall":
            out[col] = "总体结论（达到）"
        elif str(col).startswith("area_") and str(col)[5:] in AREAS:
            out[col] = f"{form()['areas'][str(col)[5:]]}（达到）"
    return out


def _indicator_names() -> dict[str, str]:
    """Indicator code → Chinese name, over every registered standard."""
    return {i.code: i.name_zh for code in standard_codes() for i in load_standard(code).indicators}


# --- text for people: citations, file names, county rules, time ---------------------------------------------
_FILE_NAMES = [
    (re.compile(r"county_indicators_(\d{4})\.(?:csv|xlsx)"), r"\1年县级指标表"),
    (re.compile(r"schools_(\d{4})\.(?:xlsx|csv)"), r"\1年学校数据表"),
    (re.compile(r"\bplan\.csv\b"), "推进计划表"),
    (re.compile(r"junyun_lib\.sample\s*生成[，,]\s*"), ""),
]


def for_people(text) -> str:
    """A source or location string as a page shows it: seed references as document titles and numbers
    (:func:`junyun_lib.rules.documents.cite`), the standard file names as what they hold (``schools_2024.xlsx`` →
    2024年学校数据表, ``county_indicators_2024.csv`` → 2024年县级指标表), and no module names.

    >>> for_people("合成示例数据（junyun_lib.sample 生成，数值虚构）（county_indicators_2024.csv 第25行）")
    '合成示例数据（数值虚构）（2024年县级指标表 第25行）'
    """
    out = cite(text)
    for pattern, repl in _FILE_NAMES:
        out = pattern.sub(repl, out)
    return out


_TITLE_NUMBER = re.compile(r"^(?P<title>.+?)（(?P<number>[^（）]*〔\d{4}〕\d+号)）$")


def standard_title(standard) -> str:
    """The standard as a document citation: 《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）."""
    name = str(standard.name_zh)
    m = _TITLE_NUMBER.match(name)
    return f"《{m.group('title')}》（{m.group('number')}）" if m else name


_OVERRIDE = re.compile(r"^(?P<body>.*?)(?:（(?P<source>.*)）)?$")
_OVERRIDE_KEYS = {
    "cv_limit.comparison": lambda v: f"各指标差异系数须{OP_ZH.get(v, v)}限值",
    "cv_limit.primary": lambda v: f"小学差异系数限值 {float(v):.2f}",
    "cv_limit.junior": lambda v: f"初中差异系数限值 {float(v):.2f}",
    "composite_limit.comparison": lambda v: f"综合差异系数须{OP_ZH.get(v, v)}限值",
    "composite_limit.primary": lambda v: f"小学综合差异系数限值 {float(v):.2f}",
    "composite_limit.junior": lambda v: f"初中综合差异系数限值 {float(v):.2f}",
    "school_rule.min_meeting": lambda v: f"每校至少 {int(float(v))} 项指标达标",
    "school_rule.floor_ratio": lambda v: f"其余指标不低于标准的 {float(v):.0%}",
}


def override_text(line: str) -> str:
    """A county's stricter reading of the standard (``Standard.overrides_applied``: ``cv_limit.comparison = <（seed
    000 …）``) in words, with its source cited.

    >>> override_text("cv_limit.comparison = <（seed 000 二(二)1(5)：小学小于0.50）")
    '各指标差异系数须小于限值（《进贤县（2021-2030）年义务教育优质均衡发展推进计划》（进府办发〔2021〕61号）二（二）1（5）：小学小于0.50）'
    """
    m = _OVERRIDE.match(str(line).strip())
    parts = []
    for item in m.group("body").split(";"):
        key, _, value = (s.strip() for s in item.partition("="))
        describe = _OVERRIDE_KEYS.get(key)
        parts.append(describe(value) if describe else "评估标准的一项县区规定")
    source = m.group("source")
    return "；".join(parts) + (f"（{for_people(source)}）" if source else "")


def beijing_now() -> str:
    """The time now in Beijing, as a page states it: 2025-03-01 14:05 北京时间 (Asia/Shanghai, UTC+8 all year)."""
    from datetime import datetime, timedelta, timezone

    return datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M 北京时间")


def count_text(value, unit: str = "") -> str:
    """A count as an integer with its unit (never "47.0"); "—" when missing.

    >>> count_text(47.0, "人"), count_text(float("nan"), "所"), count_text(1234)
    ('47 人', '—', '1,234')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "—"
    text = f"{int(round(float(value))):,}"
    return f"{text} {unit}" if unit else text


# short names of the indicators, for narrow headers (the index page); the full name is given beside them
SHORT_NAMES = {
    "teachers_above_degree": "高学历教师", "key_teachers": "骨干教师", "pe_art_teachers": "体艺教师",
    "teaching_aux_area": "教学辅助用房", "sports_area": "体育场馆", "equipment_value": "仪器设备",
    "multimedia_classrooms": "多媒体教室", "computers": "计算机", "books": "图书", "teacher_ratio": "师生比",
    "mid_title_teachers": "中级职称以上教师",
}


def short_name(code: str, name: str | None = None) -> str:
    """A short Chinese name of an indicator for a narrow header (its full name when there is none)."""
    return SHORT_NAMES.get(code, name or code)


def css_string(text: str) -> str:
    r"""``text`` for a CSS string in double quotes inside a ``<style>`` element: backslash, quote, ``<`` (no
    ``</style>``) and line breaks escaped.

    >>> print(css_string('a"b</style>'))
    a\"b\3c /style>
    """
    out = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return re.sub(r"[\r\n\f]+", " ", out)


def _indicator_kinds() -> dict[str, str]:
    """Indicator code → ``"facility"`` (split for mixed schools) or ``"section"`` (teachers, per section)."""
    return {i.code: i.numerator_kind for code in standard_codes() for i in load_standard(code).indicators}
