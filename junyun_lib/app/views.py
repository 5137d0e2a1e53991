"""What the analyst notebooks show (笔记本中的表格与图), so that the notebooks hold only narrative, parameters
and one call per cell.

* :func:`overview` — the cross-county overview of ``notebooks/00_overview.ipynb``: verdicts, then one CV table
  per stage with short Chinese indicator headers that fit a notebook's width, values over the limit marked.
* ``plan_*`` — the sections of ``notebooks/20_plan_progress.ipynb``: the plan's own item numbers in every
  table (no pandas index), and for a county without a plan one sentence instead of an error.
"""
from __future__ import annotations

import html

import pandas as pd

from ..report import briefing, charts, plan_report
from ..report.labels import format_cv
from ..rules import OP_SYMBOL
from ..rules.schema import STAGE_ZH, STAGES

#: short column headers of the indicators (the full names, 每百名学生拥有……, are in the standard files and
#: make a table wider than a notebook); an indicator not listed here shows its full name
SHORT_ZH = {
    "teachers_above_degree": "高于规定学历教师", "key_teachers": "县级以上骨干教师", "pe_art_teachers": "体育艺术专任教师",
    "teaching_aux_area": "教学及辅助用房", "sports_area": "体育运动场馆", "equipment_value": "教学仪器设备值",
    "multimedia_classrooms": "网络多媒体教室", "computers": "计算机台数", "books": "图书册数",
    "teacher_ratio": "师生比", "mid_title_teachers": "中级以上职称教师",
}

_STYLE = ("<style>.junyun-overview{border-collapse:collapse;font-size:13px;margin:0.3em 0 1em 0}"
          ".junyun-overview th,.junyun-overview td{border-bottom:1px solid #ddd;padding:3px 6px}"
          ".junyun-overview th{white-space:nowrap;text-align:center;vertical-align:bottom}"
          ".junyun-overview td{white-space:nowrap;text-align:right}"
          ".junyun-overview td.text{text-align:left}"
          ".junyun-overview td.over{color:#b00020;font-weight:bold}</style>")


def _table(header: list[str], rows: list[list[tuple[str, str]]]) -> str:
    """An HTML table: ``header`` texts; each cell a (text, class) pair; every text escaped here."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td class="{c}">{html.escape(t)}</td>' for t, c in row) + "</tr>"
                   for row in rows)
    return f'<table class="junyun-overview"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def overview(evaluation):
    """The overview of every county-year of an evaluation, for a notebook (an HTML display object).

    First a verdict table (县区, 年度, and per stage 结论, 综合差异系数, 未达校级规则学校数), then per stage the
    CV of every indicator, one row per county-year, under short Chinese headers; a CV over its limit (the
    county's own reading of the limit) is red and bold, and the limits are stated under the table.
    """
    from IPython.display import HTML

    stages, ind = evaluation.stages, evaluation.indicators
    if stages.empty:
        return HTML("<p>没有可显示的县区年度。</p>")
    keys = stages[["county", "year"]].drop_duplicates().sort_values(["county", "year"]).itertuples(index=False)
    keys = [(str(c), int(y)) for c, y in keys]
    st = stages.assign(county=stages["county"].astype(str), year=stages["year"].astype(int)) \
        .set_index(["county", "year", "stage"])
    header = ["县区", "年度"]
    for stage in STAGES:
        header += [f"{STAGE_ZH[stage]}结论", f"{STAGE_ZH[stage]}综合差异系数", f"{STAGE_ZH[stage]}未达校级规则学校数"]
    rows = []
    for county, year in keys:
        row = [(county, "text"), (str(year), "")]
        for stage in STAGES:
            s = st.loc[(county, year, stage)] if (county, year, stage) in st.index else None
            if s is None or not s["schools_in_scope"] > 0:
                row += [("—", "text"), ("—", ""), ("—", "")]
                continue
            failing = s.get("schools_failing_rule")
            row += [("达标" if not pd.isna(s["passes"]) and bool(s["passes"]) else "未达标", "text"),
                    (format_cv(float(s["composite_cv"])), ""),
                    ("—" if failing is None or pd.isna(failing) else str(int(failing)), "")]
        rows.append(row)
    parts = [_STYLE, _table(header, rows)]
    names = {i.code: i.name_zh for std in evaluation.standards.values() for i in std.indicators}
    for stage in STAGES:
        sub = ind[ind["stage"] == stage]
        if sub.empty:
            continue
        codes = list(pd.unique(sub["indicator"]))
        cell = sub.assign(county=sub["county"].astype(str), year=sub["year"].astype(int)) \
            .set_index(["county", "year", "indicator"])
        rows = []
        for county, year in keys:
            row = [(county, "text"), (str(year), "")]
            for code in codes:
                if (county, year, code) not in cell.index:
                    row.append(("—", ""))
                    continue
                r = cell.loc[(county, year, code)]
                over = not pd.isna(r["cv"]) and not bool(r["cv_pass"])
                row.append((format_cv(float(r["cv"]), float(r["cv_limit"])), "over" if over else ""))
            rows.append(row)
        by_limit = sub.assign(county=sub["county"].astype(str)).groupby(["cv_comparison", "cv_limit"], sort=True)["county"]
        limit_text = "；".join(f"{OP_SYMBOL.get(c, c)} {float(v):.2f}（{'、'.join(sorted(set(who)))}）"
                               for (c, v), who in by_limit)
        full = "；".join(f"{SHORT_ZH.get(c, names.get(c, c))}：{names.get(c, c)}" for c in codes
                        if SHORT_ZH.get(c) and names.get(c) and SHORT_ZH[c] != names[c])
        parts.append(f"<h4>{STAGE_ZH[stage]}各项指标差异系数</h4>")
        parts.append(_table(["县区", "年度"] + [SHORT_ZH.get(c, names.get(c, c)) for c in codes], rows))
        parts.append(f"<p style='font-size:12px'>差异系数限值：{html.escape(limit_text)}。红色粗体为超过限值。"
                     + (f"指标全称：{html.escape(full)}。" if full else "") + "</p>")
    return HTML("".join(parts))


# ------------------------------------------------------------------------------------------ plan pages
def plan_summary(progress, county: str):
    """The plan's summary (Markdown), or one sentence when the county has no plan."""
    if progress is None:
        return briefing.markdown(f"**{plan_report.md_text(county)}没有推进计划**：数据目录中该县区的文件夹里没有 plan.csv"
                                 "（推进计划，每个项目每年一行），因此没有可对照的年度目标；本笔记本以下各节不显示内容。"
                                 "录入计划的格式见 README 第 7 步。")
    return plan_report.summary_markdown(progress)


def plan_status_chart(progress) -> None:
    """Items by status, year by year (nothing for a county without a plan)."""
    if progress is not None:
        charts.show(charts.plan_status_chart(progress))


def plan_items_chart(progress) -> None:
    """Every item's actual values against its targets (nothing for a county without a plan)."""
    if progress is not None:
        charts.show(charts.plan_items_chart(progress))


def plan_year_table(progress, year: int | None = None):
    """The latest (or ``year``'s) status of every item, numbered as in the plan; no pandas index."""
    if progress is None:
        return None
    return briefing.table(plan_report.year_table(progress, year), empty="该年度没有计划项目")


def plan_projection_table(progress):
    """The projection of every item to its target year, numbered as in the plan; no pandas index."""
    if progress is None:
        return None
    return briefing.table(plan_report.projection_table(progress), empty="没有可预测的项目")
