"""People-facing output of an evaluation: a Chinese text summary and an Excel workbook (评估结果输出).

Tables keep English names in code; here they get Chinese headers.  CVs are shown to 3 decimals; where the
rounded figure equals the limit but the verdict needs more digits to be understood, 4 decimals are shown.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .evaluate import CountyResult, Evaluation
from .rules import OP_ZH
from .schema import STAGE_ZH

SYNTHETIC_LABEL = "合成示例数据（synthetic sample data）：数字均为虚构，不代表任何真实学校或县区"

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
    if cv is None or (isinstance(cv, float) and np.isnan(cv)):
        return "—"
    text = f"{cv:.3f}"
    if limit is not None and not np.isnan(limit) and text == f"{limit:.3f}" and cv != limit:
        text = f"{cv:.4f}"
    return text


def _verdict(ok) -> str:
    if ok is None or ok is pd.NA or (isinstance(ok, float) and np.isnan(ok)):
        return "无结论"
    return "达标" if bool(ok) else "未达标"


def summary_text(result: CountyResult) -> str:
    """A short Chinese summary of one county-year (县区年度评估摘要)."""
    std = result.standard
    lines = [f"{result.county} {result.year}年 资源配置评估 —— 标准：{std.name_zh}（{std.code}）"]
    if result.synthetic:
        lines.append(f"【{SYNTHETIC_LABEL}】")
    for note in std.overrides_applied:
        lines.append(f"县区规则：{note}")
    names = {i.code: i.name_zh for i in std.indicators}
    for stage in ("primary", "junior"):
        row = result.stages[result.stages["stage"] == stage]
        if row.empty or int(row.iloc[0]["schools_in_scope"]) == 0:
            lines.append(f"\n{STAGE_ZH[stage]}：无纳入评估的学校")
            continue
        row = row.iloc[0]
        lines.append(f"\n{STAGE_ZH[stage]}：纳入评估 {int(row['schools_in_scope'])} 所（在校生 {int(row['students']):,} 人），"
                     f"综合差异系数 {format_cv(row['composite_cv'])}，结论：{_verdict(row['passes'])}")
        inds = result.indicators[result.indicators["stage"] == stage]
        for r in inds.itertuples():
            limit = "" if np.isnan(r.cv_limit) else f"（限值{OP_ZH.get(r.cv_comparison, '')}{r.cv_limit:.2f}，{_verdict(r.cv_pass)}）"
            meeting = "" if r.schools_meeting is pd.NA else f"，达标学校 {int(r.schools_meeting)}/{int(r.n)}"
            lines.append(f"  {names[r.indicator]}：均值 {r.mean:.2f}，差异系数 {format_cv(r.cv, r.cv_limit)}{limit}{meeting}")
        if std.school_rule and std.has_school_standards:
            failing = result.parts[(result.parts["part"] == stage) & ~result.parts["passes_school_rule"].astype(bool)]
            if len(failing):
                shown = "、".join(failing["school_name"].head(8))
                more = f" 等{len(failing)}所" if len(failing) > 8 else ""
                rule = std.school_rule
                lines.append(f"  未达到“至少{rule['min_meeting']}项达标、余项不低于{rule['floor_ratio']:.0%}”的学校："
                             f"{len(failing)} 所（{shown}{more}）")
    lines += _guarantee_lines(result) + _gap_lines(result)
    lines.append(f"\n排除在资源配置评估之外：{len(result.excluded)} 项（学校或学段，原因见结果表“排除学校”）")
    lines += _warning_lines(result.warnings)
    lines.append(f"junyun {__version__}")
    return "\n".join(lines)


def _warning_lines(warnings, shown: int = 10) -> list[str]:
    if not warnings:
        return ["数据警告：无"]
    out = [f"数据警告：{len(warnings)} 条（可能有误但不阻止计算，请核实）"]
    out += [f"  - {w}" for w in warnings[:shown]]
    if len(warnings) > shown:
        out.append(f"  … 其余 {len(warnings) - shown} 条见结果工作簿“数据警告”表")
    return out


def _guarantee_lines(result: CountyResult) -> list[str]:
    g = result.guarantee
    if g.empty:
        return []
    failing = g[g["passes"].fillna(True) == False]  # noqa: E712  (NA = not applicable)
    out = ["\n政府保障程度（校级项目）："]
    for check_zh, sub in failing.groupby("check_zh", sort=False):
        out.append(f"  {check_zh} 不达标：{sub['school_id'].nunique()} 所")
    if failing.empty:
        out.append("  校额、班额、音乐美术专用教室均达标")
    return out


def _gap_lines(result: CountyResult) -> list[str]:
    gaps = result.gaps
    if gaps.empty or gaps["schools_below"].sum() == 0:
        return []
    out = ["\n达到标准所需补充（按学校部分合计）："]
    for r in gaps[gaps["schools_below"] > 0].itertuples():
        out.append(f"  {STAGE_ZH[r.stage]} {r.name_zh}：{r.schools_below} 所未达标，缺口 {r.shortfall:,.1f} {r.unit_zh}，"
                   f"约 {r.cost_wan:,.1f} 万元")
    out.append(f"  合计约 {gaps['cost_wan'].sum():,.1f} 万元（单位成本见成本表，可按本地标准修改）")
    return out


def _zh(frame: pd.DataFrame) -> pd.DataFrame:
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


def write_excel(evaluation: Evaluation, path) -> Path:
    """One workbook for county offices: one sheet per result table, Chinese headers (评估结果工作簿)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    about = [("生成工具", f"junyun {__version__}"), ("评估标准", evaluation.standard_code)]
    if evaluation.synthetic:
        about.insert(0, ("数据性质", SYNTHETIC_LABEL))
    for name, std in evaluation.standards.items():
        about.append((f"{name} 标准", f"{std.name_zh}；" + "；".join(std.overrides_applied)))
    warnings = pd.DataFrame([w.to_dict() for w in evaluation.warnings]) if evaluation.warnings else \
        pd.DataFrame(columns=["file", "sheet", "row", "column", "value", "message_zh", "message_en"])
    sheets = {
        "说明": pd.DataFrame(about, columns=["项目", "内容"]),
        "学段结论": _zh(evaluation.stages), "差异系数": _zh(evaluation.indicators),
        "学校指标": _zh(evaluation.parts.drop(columns=[c for c in evaluation.parts if c.startswith("numerator_")])),
        "排除学校": _zh(evaluation.excluded), "保障指标": _zh(evaluation.guarantee), "缺口与经费": _zh(evaluation.gaps),
        "数据警告": warnings.rename(columns={"file": "文件", "sheet": "工作表", "row": "行号", "column": "列",
                                          "value": "值", "message_zh": "说明", "message_en": "Message"}),
    }
    forms = _evaluation_forms(evaluation)
    if forms is not None:
        sheets = {"说明": sheets.pop("说明"), "评估表": forms, **sheets}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for i, col in enumerate(frame.columns, start=1):
                sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(max(len(str(col)) * 2 + 2, 10), 40)
    return path


def _evaluation_forms(evaluation: Evaluation) -> pd.DataFrame | None:
    """The evaluation form (评估表) of every county-year with a county configuration, area by area."""
    from .scorecard import county_scorecard, form_table

    blocks = []
    for county, year in evaluation.county_years():
        cfg = evaluation.counties.get(county)
        if cfg is None or cfg.path is None:
            continue
        table = form_table(county_scorecard(evaluation.county(county, year), cfg.data_dir))
        table.insert(0, "县区年度", f"{county} {year}年")
        blocks.append(table)
    return pd.concat(blocks, ignore_index=True) if blocks else None
