"""The result workbook for county offices (评估结果工作簿): one sheet per result table, Chinese headers.

This module only builds the tables, with every string as it is in the data; they are written by
:meth:`junyun_lib.workspace.Workspace.write_workbook` (:func:`junyun_lib.io.workbook.write_workbook`), which
stores text that looks like a formula (``=…``, ``+…``, ``-…``, ``@…``) as text.  Do not write them any other way.
"""
from __future__ import annotations

import pandas as pd

from ..evaluation.evaluate import Evaluation
from ..synthetic import SYNTHETIC_LABEL
from ..version import __version__
from .jsonview import scorecard_note
from .labels import GAP_BASIS_ZH, zh
from .scorecard_view import form_table


def evaluation_sheets(evaluation: Evaluation, scorecards: dict | None = None) -> dict[str, pd.DataFrame]:
    """``{sheet name: table}`` of an evaluation: 说明, 评估表 (when ``scorecards`` ``{(county, year): Scorecard}``
    holds any), 学段结论, 差异系数, 学校指标, 排除学校, 保障指标, 缺口与经费, 数据警告.

    Where a county-year has no scorecard because the form does not apply to its standard (basic-2012), 说明
    says so (评估表: the reason), and so does the coverage of such a standard."""
    about = [("生成工具", f"junyun {__version__}"), ("评估标准", evaluation.standard_code), ("缺口口径", GAP_BASIS_ZH)]
    if evaluation.synthetic:
        about.insert(0, ("数据性质", SYNTHETIC_LABEL))
    for name, std in evaluation.standards.items():
        about.append((f"{name} 标准", f"{std.name_zh}；" + "；".join(std.overrides_applied)))
    notes = {}
    for (county, year) in evaluation.county_years():
        if (scorecards or {}).get((county, year)) is None and county in evaluation.standards:
            note = scorecard_note(evaluation.standards[county], evaluation.counties.get(county))
            if note:
                notes.setdefault(note, []).append(f"{county} {year}年")
    coverage = sorted({std.coverage_zh for std in evaluation.standards.values() if std.coverage_zh})
    about += [("评估范围", text) for text in coverage]
    about += [("评估表", note if len(notes) == 1 else f"{note}（{'、'.join(which)}）") for note, which in notes.items()]
    warnings = pd.DataFrame([w.to_dict() for w in evaluation.warnings]) if evaluation.warnings else \
        pd.DataFrame(columns=["file", "sheet", "row", "column", "value", "message_zh", "message_en"])
    sheets = {
        "说明": pd.DataFrame(about, columns=["项目", "内容"]),
        "学段结论": zh(evaluation.stages), "差异系数": zh(evaluation.indicators),
        "学校指标": zh(evaluation.parts.drop(columns=[c for c in evaluation.parts if c.startswith("numerator_")])),
        "排除学校": zh(evaluation.excluded), "保障指标": zh(evaluation.guarantee), "缺口与经费": zh(evaluation.gaps),
        "数据警告": warnings.rename(columns={"file": "文件", "sheet": "工作表", "row": "行号", "column": "列",
                                          "value": "值", "message_zh": "说明", "message_en": "Message"}),
    }
    blocks = []
    for (county, year), card in sorted((scorecards or {}).items()):
        if card is None:
            continue
        table = form_table(card)
        table.insert(0, "县区年度", f"{county} {year}年")
        blocks.append(table)
    if blocks:
        sheets = {"说明": sheets.pop("说明"), "评估表": pd.concat(blocks, ignore_index=True), **sheets}
    return sheets
