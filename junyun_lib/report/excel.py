"""The result workbook for county offices (评估结果工作簿): one sheet per result table, Chinese headers.

This module only builds the tables, with every string as it is in the data; they are written by
:meth:`junyun_lib.workspace.Workspace.write_workbook` (:func:`junyun_lib.io.workbook.write_workbook`), which
stores text that looks like a formula (``=…``, ``+…``, ``-…``, ``@…``) as text.  Do not write them any other way.
"""
from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

import pandas as pd

from ..evaluation.evaluate import Evaluation
from ..rules import OP_ZH
from ..synthetic import SYNTHETIC_LABEL
from ..version import __version__
from .jsonview import scorecard_note
from .labels import GAP_BASIS_ZH, HEADERS_ZH, for_people, format_cv, zh
from .scorecard_view import form_table


def evaluation_sheets(evaluation: Evaluation, scorecards: dict | None = None) -> dict[str, pd.DataFrame]:
    """``{sheet name: table}`` of an evaluation: 说明, 评估表 (when ``scorecards`` ``{(county, year): Scorecard}``
    holds any), then :func:`result_sheets` (学段结论, 差异系数, 学校指标, 不参与评估学校, 保障指标, 缺口与经费,
    数据质量提示).  A county-year's own workbook is :func:`junyun_lib.report.briefing.workbook_sheets`.

    Where a county-year has no scorecard because the form does not apply to its standard (basic-2012), 说明
    says so (评估表: the reason), and so does the coverage of such a standard."""
    about = [*about_rows(evaluation, scorecards), ("生成工具", f"junyun {__version__}")]
    sheets = {"说明": pd.DataFrame(about, columns=["项目", "内容"]), **result_sheets(evaluation)}
    blocks = []
    for (county, year), card in sorted((scorecards or {}).items()):
        if card is None:
            continue
        table = form_table(card)
        if "数据来源" in table:
            table["数据来源"] = [for_people(x) if isinstance(x, str) else x for x in table["数据来源"]]
        table.insert(0, "县区年度", f"{county} {year}年")
        blocks.append(table)
    if blocks:
        sheets = {"说明": sheets.pop("说明"), "评估表": pd.concat(blocks, ignore_index=True), **sheets}
    return sheets


# ---------------------------------------------------------------------------------- many counties at once
#: the tidy tables (junyun_lib.report.results) as the workbook names its sheets, in the order it shows them
TIDY_SHEETS = {"stages": "学段结论", "indicators": "差异系数", "school_parts": "学校指标", "exclusions": "排除学校",
               "guarantee": "保障指标", "gaps": "缺口与经费", "scorecard_items": "评估表项目", "scorecard": "评估表结论"}
TIDY_ABOUT = {
    "stages": "每个县区年度、学段一行：纳入评估学校数、在校生数、综合差异系数、未达校级规则学校数、结论",
    "indicators": "每个县区年度、学段、指标一行：加权均值、差异系数及其限值与结论、达标学校数、城乡组内组间分解、泰尔指数、基尼系数、麦克伦指数",
    "school_parts": "每所学校的每个学段部分一行（一贯制学校、完全中学按学段拆分）：各项指标值、是否达标、校级规则、缺口与经费、对差异系数的贡献",
    "exclusions": "不纳入资源配置评估的学校或学段及原因",
    "guarantee": "每所学校一行：校额、班额、音乐美术专用教室各项的实际值、标准限值、是否达标及依据",
    "gaps": "每个县区年度、学段、指标一行：未达标学校数、缺口、所需经费",
    "scorecard_items": "每个县区年度、评估表项目一行：实际值、标准值、结论（无数据不视为达到）",
    "scorecard": "每个县区年度一行：总体结论和四个方面的结论（无数据则无法判定）",
}
#: data rows of one sheet: Excel's 1,048,576 rows less the header
SHEET_ROWS = 1_048_575


def _pieces(name: str, frame: pd.DataFrame, max_rows: int) -> dict[str, pd.DataFrame]:
    """A table as one sheet, or — longer than ``max_rows`` — as consecutive sheets 学校指标（1）, 学校指标（2）…"""
    if len(frame) <= max_rows:
        return {name: frame}
    count = -(-len(frame) // max_rows)
    return {f"{name}（{k + 1}）": frame.iloc[k * max_rows:(k + 1) * max_rows] for k in range(count)}


def tidy_sheets(tables: dict[str, pd.DataFrame], evaluation: Evaluation, *,
                max_rows: int = SHEET_ROWS) -> dict[str, pd.DataFrame]:
    """The result workbook of many county-years (多县区评估结果工作簿): one sheet per tidy table, Chinese headers.

    ``tables`` are the tidy tables of ``evaluation`` (:meth:`junyun_lib.workspace.Workspace.results_tables`,
    the same that ``--results`` writes as Parquet), so the workbook holds every county-year once, table by
    table — not a set of sheets per county.  Sheets: 说明 (what each sheet holds, the standard, the synthetic
    label), then :data:`TIDY_SHEETS`, then 数据警告.

    A table longer than an Excel sheet (``max_rows`` data rows, :data:`SHEET_ROWS`) is split, in its own
    order, over consecutive sheets named 学校指标（1）, 学校指标（2）…, each with the header row; 说明 says so.
    Written by :meth:`junyun_lib.workspace.Workspace.write_large_workbook` (streamed).
    """
    about = [("生成工具", f"junyun {__version__}"), ("评估标准", next(
        (std.name_zh for std in evaluation.standards.values()), evaluation.standard_code))]
    if evaluation.synthetic:
        about.insert(0, ("数据性质", SYNTHETIC_LABEL))
    about.append(("县区年度", f"{len(evaluation.county_years()):,} 个"))
    stricter = [f"{name}：" + "；".join(std.overrides_applied) for name, std in evaluation.standards.items()
                if std.overrides_applied]
    about += [("县区规则", text) for text in stricter]
    coverage = sorted({std.coverage_zh for std in evaluation.standards.values() if std.coverage_zh})
    about += [("评估范围", text) for text in coverage]
    if "scorecard" in tables:
        about.append(("评估表", "有县区配置（county.toml）和县级指标表的县区按其县级指标填写；其他县区只计算由学校数据决定的"
                               "项目，县级项目为无数据，总体结论不会是“达到”"))
    about.append(("缺口口径", GAP_BASIS_ZH))
    sheets: dict[str, pd.DataFrame] = {}
    for key, sheet in TIDY_SHEETS.items():
        if key not in tables:
            continue
        frame = tables[key]
        if key == "indicators" and "indicator" in frame:
            # the indicator's name beside its code: the table itself keeps codes only
            names = {i.code: i.name_zh for std in evaluation.standards.values() for i in std.indicators}
            frame = frame.copy()
            frame.insert(frame.columns.get_loc("indicator") + 1, "name_zh", frame["indicator"].map(names))
        pieces = _pieces(sheet, zh(frame), max_rows)
        where = "、".join(pieces)
        split = f"；共 {len(frame):,} 行，超过 Excel 每表 {max_rows:,} 行的上限，按原顺序分在 {where} 各表" \
            if len(pieces) > 1 else f"；{len(frame):,} 行"
        about.append((f"表：{sheet}", TIDY_ABOUT[key] + split))
        sheets.update(pieces)
    warnings = pd.DataFrame([w.to_dict() for w in evaluation.warnings]) if evaluation.warnings else \
        pd.DataFrame(columns=["file", "sheet", "row", "column", "value", "message_zh", "message_en"])
    warnings = warnings.rename(columns={"severity": "级别", "code": "问题代码", "file": "文件", "sheet": "工作表",
                                        "row": "行号", "column": "列", "value": "值", "message_zh": "说明",
                                        "message_en": "Message", "school_id": "学校标识码", "county": "县区",
                                        "year": "年度"})
    if "级别" in warnings:
        warnings["级别"] = warnings["级别"].map({"warning": "警告", "error": "错误"}).fillna(warnings["级别"])
    about.append(("表：数据警告", f"可能有误但不阻止计算的数据，请核实；{len(warnings):,} 条"))
    sheets.update(_pieces("数据警告", warnings, max_rows))
    return {"说明": pd.DataFrame(about, columns=["项目", "内容"]), **sheets}


# ---------------------------------------------------------------------------------- tables as people read them
#: what each result sheet of a county-year holds (说明 lists them)
SHEET_ABOUT = {
    "评估表": "评估表的全部项目：实际值、标准值、结论（无数据不视为达到）和数据来源",
    "未达校级规则学校": "未达到校级规则的学校：缺什么、缺多少、所需经费，按经费从多到少",
    "校级保障未达标": "校额、班额、音乐美术专用教室未达标的逐校项目",
    "推进计划": "对照县域推进计划逐项比较本年度目标与实际",
    "远期目标进度": "只有目标年的计划项目：距目标的差距、剩余年数、每年所需进度与近年实际进度",
    "学段结论": "每个学段一行：纳入评估学校数、在校生数、综合差异系数、未达校级规则学校数、结论",
    "差异系数": "每个学段、指标一行：加权均值、差异系数及其限值与结论、达标学校数",
    "学校指标": "每所学校的每个学段部分一行（一贯制学校、完全中学按学段拆分）：各项指标值、是否达标、缺口与经费",
    "不参与评估学校": "不纳入资源配置评估的学校或学段及原因",
    "保障指标": "每所学校的校额、班额、音乐美术专用教室各项：实际值、标准限值、是否达标及依据",
    "缺口与经费": "每个学段、指标一行：未达标学校数、缺口、所需经费",
    "数据质量提示": "可能有误但不阻止计算的数据，请核实",
}

#: the warnings sheet's columns (Problem fields → Chinese), in the order shown; the English gloss last, the
#: code hidden after it
WARNING_COLUMNS = {"county": "县区", "year": "年度", "severity": "级别", "file": "文件", "sheet": "工作表",
                   "row": "行", "column": "列", "school_id": "学校标识码", "school_name": "学校名称", "value": "值",
                   "message_zh": "问题", "message_en": "问题（英文）", "code": "问题代码"}


def file_name(value) -> str:
    """Only the name of a file (no folder of this machine): ``/home/a/data/schools_2024.xlsx`` → ``schools_2024.xlsx``.

    >>> file_name("/tmp/x/schools_2024.xlsx"), file_name(r"C:\\data\\plan.csv"), file_name(None)
    ('schools_2024.xlsx', 'plan.csv', '')
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return PureWindowsPath(str(value)).name if "\\" in str(value) else PurePosixPath(str(value)).name


def warnings_sheet(warnings) -> pd.DataFrame:
    """The data-quality warnings (:class:`junyun_lib.problems.Problem`) as a sheet: Chinese columns (文件, 工作表,
    行, 列, 值, 问题, the English gloss last), the file's name only, the code in a last (hidden) column."""
    frame = pd.DataFrame([w.to_dict() for w in warnings]) if warnings else pd.DataFrame(columns=list(WARNING_COLUMNS))
    frame = frame[[c for c in WARNING_COLUMNS if c in frame]].copy()
    if "file" in frame:
        frame["file"] = [file_name(v) for v in frame["file"]]
    if "severity" in frame:
        frame["severity"] = frame["severity"].map({"warning": "警告", "error": "错误"}).fillna(frame["severity"])
    if "message_zh" in frame:
        frame["message_zh"] = [for_people(v) if isinstance(v, str) else v for v in frame["message_zh"]]
    out = frame.rename(columns=WARNING_COLUMNS)
    out.attrs["kinds"] = {"问题代码": "code", "行": "id", "值": "text", "学校标识码": "text"}
    return out


def result_sheets(evaluation) -> dict[str, pd.DataFrame]:
    """The result tables of an evaluation as people read them, ``{sheet: table}``: 学段结论, 差异系数, 学校指标,
    不参与评估学校, 保障指标, 缺口与经费, 数据质量提示 — Chinese headers, indicators, comparisons and reasons in
    words (codes in a last column the workbook hides), sources cited by document, file names without folders.
    Number formats, 是/否 and widths are the workbook writer's (:func:`junyun_lib.io.workbook.write_workbook`)."""
    names = {i.code: i.name_zh for std in evaluation.standards.values() for i in std.indicators}
    indicators = evaluation.indicators.copy()
    if "indicator" in indicators and "name_zh" not in indicators:
        indicators.insert(indicators.columns.get_loc("indicator") + 1, "name_zh", indicators["indicator"].map(names))
    if "cv_comparison" in indicators:
        indicators["cv_comparison"] = indicators["cv_comparison"].map(lambda v: OP_ZH.get(v, v))
    for col in ("threshold_source",):
        if col in indicators:
            indicators[col] = [for_people(v) if isinstance(v, str) else v for v in indicators[col]]
    cv_sheet = zh(indicators)
    if "cv" in indicators and "cv_limit" in indicators:   # 4 decimals where 3 would hide the verdict (format_cv)
        formats = ["0.0000" if isinstance(cv, float) and not pd.isna(cv) and not pd.isna(lim)
                   and len(format_cv(cv, lim)) > 5 else None for cv, lim in zip(indicators["cv"], indicators["cv_limit"])]
        if any(formats):
            cv_sheet.attrs["cell_formats"] = {HEADERS_ZH["cv"]: formats}
    parts = evaluation.parts.drop(columns=[c for c in evaluation.parts if c.startswith("numerator_")])
    if "source_file" in parts:
        parts = parts.assign(source_file=[file_name(v) for v in parts["source_file"]])
    excluded = evaluation.excluded.drop(columns=[c for c in ("reason_en",) if c in evaluation.excluded])
    if "reason" in excluded:
        excluded = excluded.assign(reason=[for_people(v) if isinstance(v, str) else v for v in excluded["reason"]])
    guarantee = evaluation.guarantee
    if "basis" in guarantee:
        guarantee = guarantee.assign(basis=[for_people(v) if isinstance(v, str) else v for v in guarantee["basis"]])
    gaps = evaluation.gaps
    if "cost_basis" in gaps:
        gaps = gaps.assign(cost_basis=[for_people(v) if isinstance(v, str) else v for v in gaps["cost_basis"]])
    sheets = {"学段结论": zh(evaluation.stages), "差异系数": cv_sheet, "学校指标": zh(parts),
              "不参与评估学校": zh(excluded), "保障指标": zh(guarantee), "缺口与经费": zh(gaps),
              "数据质量提示": warnings_sheet(evaluation.warnings)}
    for frame in sheets.values():      # identifiers are text, whatever they look like
        kinds = frame.attrs.setdefault("kinds", {})
        for col in ("学校标识码", "原始文件"):
            if col in frame:
                kinds.setdefault(col, "text")
    return sheets


def about_rows(evaluation, scorecards: dict | None = None) -> list[tuple[str, str]]:
    """The 说明 rows every result workbook states: the synthetic label (first), the standard by document title
    and number, each county's stricter rules in words, what the standard covers, why a county-year has no
    evaluation form, how gaps are counted."""
    from .labels import override_text, standard_title

    about = []
    if evaluation.synthetic:
        about.append(("数据性质", SYNTHETIC_LABEL))
    titles = sorted({standard_title(std) for std in evaluation.standards.values()})
    about += [("评估标准", t) for t in titles] or [("评估标准", str(evaluation.standard_code))]
    many = len(evaluation.standards) > 1
    for name, std in evaluation.standards.items():
        about += [("县区规则", (f"{name}：" if many else "") + override_text(o)) for o in std.overrides_applied]
    coverage = sorted({std.coverage_zh for std in evaluation.standards.values() if std.coverage_zh})
    about += [("评估范围", text) for text in coverage]
    notes = {}
    for (county, year) in evaluation.county_years():
        if (scorecards or {}).get((county, year)) is None and county in evaluation.standards:
            note = scorecard_note(evaluation.standards[county], evaluation.counties.get(county))
            if note:
                notes.setdefault(note, []).append(f"{county} {year}年")
    about += [("评估表", note if len(notes) == 1 else f"{note}（{'、'.join(which)}）")
              for note, which in notes.items()]
    about.append(("缺口口径", GAP_BASIS_ZH))
    return about
