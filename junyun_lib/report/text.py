"""The Chinese text summary of an evaluated county-year (县区年度评估摘要), as ``junyun evaluate`` prints it."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..evaluation.evaluate import CountyResult
from ..evaluation.verdicts import verdict
from ..rules import OP_ZH
from ..rules.schema import STAGE_ZH
from ..rules.scorecard_form import not_applicable
from ..synthetic import SYNTHETIC_LABEL
from ..version import __version__
from .labels import GAP_BASIS_ZH, format_cv, override_text


def _verdict(ok) -> str:
    return {True: "达标", False: "未达标", None: "无结论"}[verdict(ok)]


def _override_line(note: str, std) -> str:
    """A county's stricter rule in words (本县规定：各指标差异系数须小于限值（小学 0.50、初中 0.45）), its source
    cited by the document's title and number — never the raw ``cv_limit.comparison = <`` of the configuration."""
    text = override_text(note)
    limits = {"cv_limit": std.cv_limit, "composite_limit": std.composite_limit}
    values = [f"{name} {limit[stage]:.2f}" for key, limit in limits.items() if limit and note.startswith(f"{key}.")
              for stage, name in (("primary", "小学"), ("junior", "初中")) if stage in limit]
    if values:
        body, sep, rest = text.partition("（")
        text = f"{body}（{'、'.join(values)}）" + (f"；依据：{rest[:-1]}" if sep else "")
    return f"本县规定：{text}"


def _composite_text(row, std) -> str:
    """综合差异系数 with its limit where the standard judges by it (basic-2012)."""
    text = f"综合差异系数 {format_cv(row['composite_cv'])}"
    lim = std.composite_limit
    if lim:
        text += f"（限值：{OP_ZH.get(lim['comparison'], '')}{lim[row['stage']]:.2f}）"
        if pd.isna(row["composite_cv"]):
            text += "（有指标的差异系数无法计算，综合差异系数无定义，不视为达标）"
    return text


def summary_text(result: CountyResult) -> str:
    """A short Chinese summary of one county-year (县区年度评估摘要)."""
    std = result.standard
    lines = [f"{result.county} {result.year}年 资源配置评估 —— 标准：{std.name_zh}（{std.code}）"]
    if result.synthetic:
        lines.append(f"【{SYNTHETIC_LABEL}】")
    lines += [_override_line(note, std) for note in std.overrides_applied]
    names = {i.code: i.name_zh for i in std.indicators}
    for stage in ("primary", "junior"):
        row = result.stages[result.stages["stage"] == stage]
        if row.empty or int(row.iloc[0]["schools_in_scope"]) == 0:
            lines.append(f"\n{STAGE_ZH[stage]}：无纳入评估的学校")
            continue
        row = row.iloc[0]
        lines.append(f"\n{STAGE_ZH[stage]}：纳入评估 {int(row['schools_in_scope'])} 所（在校生 {int(row['students']):,} 人），"
                     f"{_composite_text(row, std)}，结论：{_verdict(row['passes'])}")
        inds = result.indicators[result.indicators["stage"] == stage]
        for r in inds.itertuples():
            limit = "" if np.isnan(r.cv_limit) else f"（限值{OP_ZH.get(r.cv_comparison, '')}{r.cv_limit:.2f}，{_verdict(r.cv_pass)}）"
            meeting = "" if r.schools_meeting is pd.NA else f"，达标学校 {int(r.schools_meeting)}/{int(r.n)}"
            lines.append(f"  {names[r.indicator]}：均值 {r.mean:.2f}，差异系数 {format_cv(r.cv, r.cv_limit)}{limit}{meeting}")
        if std.school_rule and std.has_school_standards:
            passes = result.parts["passes_school_rule"].astype("boolean").fillna(True).to_numpy(dtype=bool)
            failing = result.parts[(result.parts["part"] == stage).to_numpy() & ~passes]
            if len(failing):
                shown = "、".join(failing["school_name"].head(8))
                more = f" 等{len(failing)}所" if len(failing) > 8 else ""
                rule = std.school_rule
                lines.append(f"  未达到“至少{rule['min_meeting']}项达标、余项不低于{rule['floor_ratio']:.0%}”的学校："
                             f"{len(failing)} 所（{shown}{more}）")
    if std.coverage_zh:
        lines.append(f"\n说明：{std.coverage_zh}。")
    note = not_applicable(std)
    if note:
        lines.append(f"{note}。")
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
    # NA with a limit: the check applies but cannot be decided (no room data, a band across the limit)
    open_ = g[g["passes"].isna() & g["limit"].notna()]
    out = ["\n政府保障程度（校级项目）："]
    for check_zh, sub in failing.groupby("check_zh", sort=False):
        out.append(f"  {check_zh} 不达标：{sub['school_id'].nunique()} 所")
    for basis, sub in open_.groupby(open_["basis"].astype(str), sort=False):
        checks = "、".join(dict.fromkeys(sub["check_zh"]))
        out.append(f"  {checks} 无法判定：{sub['school_id'].nunique()} 所（{basis}）")
    if failing.empty and open_.empty:
        out.append("  校额、班额、音乐美术专用教室均达标")
    return out


def _gap_lines(result: CountyResult) -> list[str]:
    gaps = result.gaps
    if gaps.empty or gaps["schools_below"].sum() == 0:
        return []
    out = ["\n达到标准所需补充（设施按全校计、每校计一次，教师按学段计）："]
    kinds = {i.code: i.numerator_kind for i in result.standard.indicators}
    for r in gaps[gaps["schools_below"] > 0].itertuples():
        if kinds.get(r.indicator) == "facility":
            need = (f"该学段部分缺口 {r.shortfall:,.1f} {r.unit_zh}，全校需补充 {r.school_shortfall:,.1f} {r.unit_zh}")
        else:
            need = f"缺口 {r.shortfall:,.1f} {r.unit_zh}"
        out.append(f"  {STAGE_ZH[r.stage]} {r.name_zh}：{r.schools_below} 所未达标，{need}，约 {r.cost_wan:,.1f} 万元")
    out.append(f"  合计约 {gaps['cost_wan'].sum():,.1f} 万元（单位成本见成本表，可按本地标准修改）")
    out.append(f"  说明：{GAP_BASIS_ZH}")
    return out
