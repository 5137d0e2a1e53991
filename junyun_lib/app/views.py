"""What the analyst notebooks show (笔记本中的表格与图), so that the notebooks hold only narrative, parameters
and one call per cell.

* :func:`overview` — the cross-county overview of ``notebooks/00_overview.ipynb``: verdicts, then one CV table
  per stage with short Chinese indicator headers that fit a notebook's width, values over the limit marked;
  counties grouped by province and city as their configurations state them.
* :func:`county_years` — one county over the years: per stage its composite and every CV against the limits,
  and the CV trend chart.
* ``plan_*`` — the sections of ``notebooks/20_plan_progress.ipynb``: the plan's own item numbers in every
  table (no pandas index), and for a county without a plan one sentence instead of an error.
"""
from __future__ import annotations

import html

import pandas as pd

from ..evaluation.verdicts import verdict
from ..report import briefing, charts, plan_report
from ..report.labels import format_cv
from ..report.overview import regions_in_order
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
          ".junyun-overview td.over{color:#b00020;font-weight:bold}"
          ".junyun-overview tr.grp th{text-align:left;background:#eef0f6}"
          ".junyun-overview tr.city th{padding-left:1.5em;background:#f6f7fa}</style>")


def _table(header: list[str], rows: list) -> str:
    """An HTML table: ``header`` texts; each row a list of (text, class) cells, or a (group kind, text) pair
    for a group header row across the table (kind ``province`` or ``city``); every text escaped here."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        f'<tr class="grp {row[0]}"><th colspan="{len(header)}">{html.escape(row[1])}</th></tr>'
        if isinstance(row, tuple) else
        "<tr>" + "".join(f'<td class="{c}">{html.escape(t)}</td>' for t, c in row) + "</tr>"
        for row in rows)
    return f'<table class="junyun-overview"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _regions(evaluation) -> dict:
    """County → (province, city) as its configuration states them (none for a county without one)."""
    return {str(name): (cfg.province, cfg.city) for name, cfg in getattr(evaluation, "counties", {}).items()}


def _grouped(keys: list[tuple[str, int]], evaluation, make_row) -> list:
    """Rows of ``make_row(county, year)`` grouped by province, then city, each group under a header row with
    its number of counties (:func:`~junyun_lib.report.overview.regions_in_order`)."""
    by_county: dict[str, list[int]] = {}
    for county, year in keys:
        by_county.setdefault(county, []).append(year)
    ordered = regions_in_order(by_county, _regions(evaluation))
    counts: dict[str, int] = {}
    for province, _, names in ordered:
        counts[province] = counts.get(province, 0) + len(names)
    rows, seen = [], set()
    for province, city, names in ordered:
        if province not in seen:
            seen.add(province)
            rows.append(("province", f"{province}（县区 {counts[province]} 个）"))
        if city:
            rows.append(("city", f"{city}（县区 {len(names)} 个）"))
        rows += [make_row(county, year) for county in names for year in by_county[county]]
    return rows


def first_county(evaluation) -> str | None:
    """The county listed first in the overview (by province, city and name), or None without any."""
    names = [str(c) for c in pd.unique(evaluation.stages["county"].astype(str))] if len(evaluation.stages) else []
    ordered = regions_in_order(names, _regions(evaluation))
    return ordered[0][2][0] if ordered else None


def overview(evaluation):
    """The overview of every county-year of an evaluation, for a notebook (an HTML display object).

    First a verdict table (县区, 年度, and per stage 结论, 综合差异系数, 未达校级规则学校数), then per stage the
    CV of every indicator, one row per county-year, under short Chinese headers; a CV over its limit (the
    county's own reading of the limit) is red and bold, and the limits are stated under the table.  Rows are
    grouped by province, then city (a header row each, with its number of counties), as the counties'
    configurations state them; counties without are under 未注明省份.
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

    def verdict_row(county: str, year: int) -> list:
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
        return row

    parts = [_STYLE, _table(header, _grouped(keys, evaluation, verdict_row))]
    names = {i.code: i.name_zh for std in evaluation.standards.values() for i in std.indicators}
    for stage in STAGES:
        sub = ind[ind["stage"] == stage]
        if sub.empty:
            continue
        codes = list(pd.unique(sub["indicator"]))
        cell = sub.assign(county=sub["county"].astype(str), year=sub["year"].astype(int)) \
            .set_index(["county", "year", "indicator"])

        def cv_row(county: str, year: int, codes=codes, cell=cell) -> list:
            row = [(county, "text"), (str(year), "")]
            for code in codes:
                if (county, year, code) not in cell.index:
                    row.append(("—", ""))
                    continue
                r = cell.loc[(county, year, code)]
                over = not pd.isna(r["cv"]) and not bool(r["cv_pass"])
                row.append((format_cv(float(r["cv"]), float(r["cv_limit"])), "over" if over else ""))
            return row

        rows = _grouped(keys, evaluation, cv_row)
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


def _beyond(flag) -> bool:
    """True when a pass flag says "not passed" (False); NA (no limit, no schools) is not beyond anything."""
    return verdict(flag) is False


def county_years_tables(evaluation, county: str) -> dict[str, str]:
    """Stage (小学/初中) → the HTML table of one county over the years: 年度, 结论, 差异系数限值, 综合差异系数 and
    every indicator's CV (short headers), a value beyond its limit (the county's own reading) ▲ and red."""
    ind = evaluation.indicators.assign(county=evaluation.indicators["county"].astype(str))
    stages = evaluation.stages.assign(county=evaluation.stages["county"].astype(str))
    ind, stages = ind[ind["county"] == county], stages[stages["county"] == county]
    names = {i.code: i.name_zh for std in evaluation.standards.values() for i in std.indicators}
    standard = evaluation.standards.get(county)
    out = {}
    for stage in STAGES:
        sub, st = ind[ind["stage"] == stage], stages[stages["stage"] == stage]
        if st.empty:
            continue
        codes = list(pd.unique(sub["indicator"]))
        header = ["年度", "结论", "差异系数限值", "综合差异系数"] + [SHORT_ZH.get(c, names.get(c, c)) for c in codes]
        rows = []
        for s in st.sort_values("year").to_dict("records"):
            year = int(s["year"])
            cells = sub[sub["year"] == year].set_index("indicator")
            if not s["schools_in_scope"] > 0:
                rows.append([(str(year), "")] + [("—", "text"), ("—", "text"), ("—", "")] + [("—", "")] * len(codes))
                continue
            limits = []
            if len(cells) and not cells["cv_limit"].isna().all():
                first = cells.iloc[0]
                limits.append(f"各项 {OP_SYMBOL.get(first['cv_comparison'], first['cv_comparison'])} "
                              f"{float(first['cv_limit']):.2f}")
            composite_limit = s.get("composite_limit")
            if composite_limit is not None and not pd.isna(composite_limit) and standard and standard.composite_limit:
                comparison = standard.composite_limit["comparison"]
                limits.append(f"综合 {OP_SYMBOL.get(comparison, comparison)} {float(composite_limit):.2f}")
            else:
                composite_limit = None
            composite_over = _beyond(s.get("composite_pass"))
            row = [(str(year), ""),
                   ("达标" if not pd.isna(s["passes"]) and bool(s["passes"]) else "未达标", "text"),
                   ("；".join(limits) or "—", "text"),
                   (format_cv(float(s["composite_cv"]), composite_limit) + ("▲" if composite_over else ""),
                    "over" if composite_over else "")]
            for code in codes:
                if code not in cells.index:
                    row.append(("—", ""))
                    continue
                r = cells.loc[code]
                over = _beyond(r["cv_pass"])
                row.append((format_cv(float(r["cv"]), float(r["cv_limit"])) + ("▲" if over else ""),
                            "over" if over else ""))
            rows.append(row)
        out[STAGE_ZH[stage]] = _table(header, rows)
    return out


def county_years(evaluation, county: str | None = None) -> None:
    """One county over the years, in a notebook: per stage a table (years × composite and every CV, with the
    limits; ▲ and red beyond them), then the CV trend chart (:func:`~junyun_lib.report.charts.cv_trend_chart`).
    ``county`` None: the county listed first in :func:`overview`."""
    from IPython.display import HTML, display

    county = county if county is not None else first_county(evaluation)
    if county is None or str(county) not in set(evaluation.stages["county"].astype(str)):
        display(HTML(f"<p>没有{html.escape(str(county or ''))}的评估数据。</p>"))
        return
    county = str(county)
    tables = county_years_tables(evaluation, county)
    parts = [_STYLE, f"<h4>{html.escape(county)} 历年差异系数</h4>"]
    for stage, table in tables.items():
        parts += [f"<h5>{html.escape(stage)}</h5>", table]
    parts.append("<p style='font-size:12px'>▲ 红色粗体为超过限值（按未经四舍五入的数值判定）。</p>")
    display(HTML("".join(parts)))
    charts.show(charts.cv_trend_chart(evaluation, county))


# ------------------------------------------------------------------------------------------ plan pages
def plan_summary(progress, county: str):
    """The plan's summary (Markdown), or one sentence when the county has no plan."""
    if progress is None:
        return briefing.markdown(f"**{plan_report.md_text(county)}没有推进计划**：数据目录中该县区的文件夹里没有 plan.csv"
                                 "（推进计划，每个项目每年一行），因此没有可对照的年度目标；本笔记本以下各节不显示内容。"
                                 "录入计划的格式见使用指南（docs/guide.md）第 7 节「推进计划进度」。")
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
