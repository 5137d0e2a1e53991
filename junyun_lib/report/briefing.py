"""Content of a county briefing for leaders (县域评估简报): headline, tables and footer, Chinese-first.

Notebooks call these functions; each returns something a notebook cell can display (Markdown text or a
DataFrame with Chinese headers).  Each string is escaped exactly once, for where it goes:

* into Markdown, every string from the data (county, school and file names, rule sources, county rules,
  veto names) goes through :func:`md_text` (file names: :func:`md_code`), so ``<script>…</script>``,
  ``[点我](javascript:…)``, ``![x](http://…)``, a bare ``http://…`` or ``$…$`` all show as plain text;
* DataFrames hold the raw strings and are escaped once, by :func:`table` (``to_html(escape=True)``), by pandas
  in a notebook, or not at all in a workbook (where :func:`junyun_lib.io.workbook.protect_formulas` keeps a
  name from being a formula).
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from ..evaluation.causes import indicator_causes
from ..evaluation.evaluate import CountyResult
from ..evaluation.scorecard import Scorecard
from ..planning.cheapest import PathPlan
from ..planning.progress import PlanProgress
from ..rules import OP_ZH
from ..rules.schema import STAGE_ZH, STAGES
from ..rules.scorecard_form import form
from ..synthetic import SYNTHETIC_LABEL
from ..version import __version__
from .charts import cv_trend_chart, image
from .labels import GAP_BASIS_ZH, format_cv
from .overview import summary_table
from .plan_report import behind_text, md_code, md_text, year_table
from .scorecard_view import OVERALL_ZH, PASS_ZH, form_table


@dataclass
class Briefing:
    """One county-year with the years before it (当年结果与历年趋势)."""

    result: CountyResult
    history: dict[int, CountyResult] = field(default_factory=dict)   # every year with data, this one included
    sources: list[str] = field(default_factory=list)
    plan: "PlanProgress | None" = None     # progress against the county's plan as of this year, if it has one
    path: "PathPlan | None" = None         # the cheapest path to pass (None: the standard sets no school values)
    card: "Scorecard | None" = None        # the full evaluation form (quality-2017 only)

    @property
    def synthetic(self) -> bool:
        return self.result.synthetic


def _e(text) -> str:
    """HTML-escaped text, for HTML this module writes itself (not for Markdown: use :func:`md_text`)."""
    return html.escape(str(text), quote=False)


def headline(b: Briefing) -> str:
    """The verdict in two or three sentences (Markdown)."""
    r = b.result
    parts = []
    for stage in STAGES:
        row = r.stages[r.stages["stage"] == stage].iloc[0]
        if int(row["schools_in_scope"]) == 0:
            parts.append(f"**{STAGE_ZH[stage]}**：无纳入评估的学校。")
            continue
        inds = r.indicators[r.indicators["stage"] == stage]
        failing = [f"{md_text(_name(r, c))}（{format_cv(cv, lim)}）" for c, cv, lim, ok in
                   zip(inds["indicator"], inds["cv"], inds["cv_limit"], inds["cv_pass"]) if not bool(ok)]
        verdict = "**达标**" if bool(row["passes"]) else "**未达标**"
        text = f"**{STAGE_ZH[stage]}**资源配置{verdict}：综合差异系数 {format_cv(row['composite_cv'])}"
        text += f"；差异系数超限的指标：{'、'.join(failing)}" if failing else "；7项指标差异系数均在限值内"
        n_fail = row.get("schools_failing_rule")
        if n_fail is not None and not pd.isna(n_fail):
            text += f"；{int(n_fail)} 所学校未达到校级规则（共 {int(row['schools_in_scope'])} 所）。"
        parts.append(text)
    title = f"# {md_text(r.county)} {r.year}年 义务教育优质均衡发展 资源配置评估简报"
    label = f"\n\n> **{SYNTHETIC_LABEL}**" if b.synthetic else ""
    return title + label + "\n\n" + "\n\n".join(parts)


def _name(r: CountyResult, code: str) -> str:
    return r.standard.indicator(code).name_zh


def cv_table(b: Briefing) -> pd.DataFrame:
    """差异系数表: 7 indicators × stage (CV, limit, verdict) and the composite, CVs shown to 3 decimals."""
    r = b.result
    rows = []
    for code in r.standard.codes:
        row = {"指标": _name(r, code)}
        for stage in STAGES:
            ind = r.indicators[(r.indicators["stage"] == stage) & (r.indicators["indicator"] == code)]
            if ind.empty:
                row[f"{STAGE_ZH[stage]}差异系数"], row[f"{STAGE_ZH[stage]}结论"] = "—", "—"
                continue
            ind = ind.iloc[0]
            row[f"{STAGE_ZH[stage]}差异系数"] = format_cv(ind["cv"], ind["cv_limit"])
            row[f"{STAGE_ZH[stage]}结论"] = _mark(ind["cv_pass"])
        rows.append(row)
    composite = {"指标": "综合差异系数（7项平均）"}
    for stage in STAGES:
        st = r.stages[r.stages["stage"] == stage].iloc[0]
        composite[f"{STAGE_ZH[stage]}差异系数"] = format_cv(st["composite_cv"])
        composite[f"{STAGE_ZH[stage]}结论"] = "（参考）"
    rows.append(composite)
    return pd.DataFrame(rows)


def cv_limits_text(b: Briefing) -> str:
    lim = b.result.standard.cv_limit or {}
    if not lim:
        return ""
    op = OP_ZH.get(lim["comparison"], lim["comparison"])
    return (f"限值：小学{op} {lim['primary']:.2f}，初中{op} {lim['junior']:.2f}（{md_text(lim.get('source', ''))}）。"
            "差异系数按未经四舍五入的数值计算，显示 3 位小数。")


def school_rule_text(b: Briefing) -> str:
    """The per-school rule in words, from the standard (校级规则说明)."""
    rule = b.result.standard.school_rule
    if not rule:
        return "本标准不设校级达标规则。"
    others = len(b.result.standard.codes) - int(rule["min_meeting"])
    return (f"校级规则：至少 {rule['min_meeting']} 项指标达到标准，其余 {others} 项不低于标准的 "
            f"{rule['floor_ratio']:.0%}（{md_text(rule.get('source', ''))}）。缺口按达到标准所需补充的教师、面积、设备、教室计算，"
            "经费按可修改的单位成本估算（万元）。" + GAP_BASIS_ZH)


def _mark(ok) -> str:
    if ok is None or ok is pd.NA or (isinstance(ok, float) and np.isnan(ok)):
        return "—"
    return "✓ 达标" if bool(ok) else "✗ 未达标"


def failing_schools(b: Briefing) -> pd.DataFrame:
    """Schools failing the per-school rule, with what they lack in real units and the cost (万元).

    A facility of a mixed school shows both views: what the part itself lacks (本学段部分缺) and what the
    whole school must add for every part to meet the standard (全校需补充, :mod:`junyun_lib.evaluation.gaps`).
    The cost is counted once per school, so a mixed school's facility cost sits on one of its parts.
    """
    r = b.result
    parts = r.parts[~r.parts["passes_school_rule"].astype(bool)] if "passes_school_rule" in r.parts else r.parts[:0]
    rows = []
    for p in parts.to_dict("records"):
        lacks = [_lack(r, c, p) for c in r.standard.codes if p[f"shortfall_{c}"] > 0]
        rows.append({"学校": p["school_name"], "学段": STAGE_ZH[p["part"]], "在校生": int(p["students"]),
                     "达标项数": f"{int(p['n_meeting'])}/7", "缺口": "；".join(lacks),
                     FAILING_COST: round(float(p["cost_total"]), 1)})
    out = pd.DataFrame(rows, columns=["学校", "学段", "在校生", "达标项数", "缺口", FAILING_COST])
    return out.sort_values(FAILING_COST, ascending=False).reset_index(drop=True)


FAILING_COST = "所需经费（万元，设施每校计一次）"


def _lack(r: CountyResult, code: str, p: dict) -> str:
    """One lack of a failing part in words: the part's own need, and for a split facility the whole school's."""
    ind = r.standard.indicator(code)
    if ind.numerator_kind == "facility" and p["share"] < 1:
        return (f"{ind.name_zh} 本学段部分缺 {_qty(p[f'shortfall_{code}'], ind)}，"
                f"全校需补充 {_qty(p[f'school_shortfall_{code}'], ind)}")
    return f"{ind.name_zh} 缺 {_qty(p[f'shortfall_{code}'], ind)}"


def _qty(value: float, indicator) -> str:
    unit = indicator.shortfall_unit_zh
    return f"{int(round(value))} {unit}" if indicator.shortfall_integer else f"{value:,.1f} {unit}"


def gap_totals(b: Briefing) -> pd.DataFrame:
    """缺口合计: per stage and indicator, parts below standard, the part view (该学段部分缺口), what must be added
    (全校需补充: facilities for the whole school, each school once; teachers per section) and its cost."""
    g = b.result.gaps
    g = g[g["schools_below"] > 0]
    return pd.DataFrame({"学段": g["stage"].map(STAGE_ZH), "指标": g["name_zh"], "未达标学校数": g["schools_below"],
                         "该学段部分缺口": [f"{v:,.1f} {u}" for v, u in zip(g["shortfall"], g["unit_zh"])],
                         "全校需补充（每校计一次）": [f"{v:,.1f} {u}" for v, u in zip(g["school_shortfall"], g["unit_zh"])],
                         "所需经费（万元）": g["cost_wan"].round(1)}).reset_index(drop=True)


def guarantee_failures(b: Briefing) -> pd.DataFrame:
    """School-level guarantee checks that fail (校额、班额、音乐美术专用教室)."""
    g = b.result.guarantee
    g = g[g["passes"].fillna(True) == False]  # noqa: E712  (NA = not applicable)
    return pd.DataFrame({"学校": g["school_name"], "项目": g["check_zh"], "实际": g["value"], "标准": g["limit"],
                         "依据": g["basis"]}).reset_index(drop=True)


def excluded_table(b: Briefing) -> pd.DataFrame:
    e = b.result.excluded
    return pd.DataFrame({"学校": e["school_name"], "类型": e["school_type"], "原因": e["reason"]}).reset_index(drop=True)


def warnings_table(b: Briefing) -> pd.DataFrame:
    return problems_table(b.result.warnings)


def problems_table(problems) -> pd.DataFrame:
    """Located data problems as a table (位置、值、提示)."""
    return pd.DataFrame([{"位置": p.location(), "值": p.value, "提示": p.message_zh} for p in problems],
                        columns=["位置", "值", "提示"])


def scorecard_text(b: Briefing) -> str:
    """The overall verdict of the evaluation form and each area's (Markdown), for the top of the briefing."""
    card = b.card
    if card is None:
        return "评估表仅适用于优质均衡标准（quality-2017）。"
    overall = {True: "**达到**县域义务教育优质均衡发展评估标准", False: "**未达到**评估标准",
               None: "**尚不能判定**（部分项目无数据，无数据的项目不视为达标）"}[card.overall]
    areas = "；".join(f"{md_text(form()['areas'][a])}{PASS_ZH[v]}" for a, v in card.areas.items())
    vetoes = card.vetoes[card.vetoes["applies"] == True]  # noqa: E712 — None means no data
    veto = f"；**不予认定事项**：{'、'.join(md_text(n) for n in vetoes['name'])}" if len(vetoes) else ""
    pre = card.prerequisite.get("passes")
    pre_text = {True: "申报条件（前三年综合差异系数）满足", False: "申报条件（前三年综合差异系数）**不满足**",
                None: "申报条件（前三年综合差异系数）无法判断（缺少年份数据）"}[pre]
    return f"**评估结论**：{overall}。{areas}{veto}。{pre_text}。"


def scorecard_table(b: Briefing) -> pd.DataFrame:
    """The items not passing (未达到 or 无数据), area by area, with value, standard and evidence."""
    if b.card is None:
        return pd.DataFrame()
    table = form_table(b.card)
    keep = table["结论"].isin(["未达到", "无数据", "不予认定"]) | (table["序号"] == "")
    table = table[keep].reset_index(drop=True)       # raw text: table() escapes it, once
    return table[["评估内容", "序号", "实际", "标准", "结论", "数据来源"]]


def causes_table(b: Briefing, top: int = 3) -> pd.DataFrame:
    """差距成因: for every indicator whose CV is beyond its limit — the 城乡 between-group share of CV² and
    the schools contributing most to it (share of CV², below/above the mean)."""
    r = b.result
    failing = r.indicators[~r.indicators["cv_pass"].fillna(True).astype(bool)]
    rows = []
    for ind in failing.itertuples(index=False):
        c = indicator_causes(r, ind.stage, ind.indicator)
        between = c.by_group.between / c.by_group.cv2 if c.by_group.cv2 else float("nan")
        schools = "；".join(f"{s.school_name}（{s.share:.0%}，{'低于' if s.direction == 'below' else '高于'}均值）"
                           for s in c.contributions.head(top).itertuples())
        rows.append({"学段": STAGE_ZH[ind.stage], "指标": _name(r, ind.indicator), "差异系数": format_cv(ind.cv, ind.cv_limit),
                     "城乡差距占比": "—" if pd.isna(between) else f"{between:.0%}",
                     f"贡献最大的{top}所学校（占差异系数平方的份额）": schools})
    return pd.DataFrame(rows)


def cheapest_text(b: Briefing) -> str:
    """最低成本达标方案 in two sentences (Markdown)."""
    p = b.path
    if p is None:
        return "本标准未规定学校层面的标准值，不测算达标方案。"
    if p.additions.empty:
        return "各学校均达到校级规则、各项差异系数均在限值内，无需补充。"
    verdict = "按正式口径重新评估：**全部达标**" if p.verified else "按正式口径重新评估：**仍有未达标项**（见附表）"
    saving = f"，比逐校补足到标准（约 {p.naive_cost:,.1f} 万元）少 {p.naive_cost - p.total_cost:,.1f} 万元" \
        if p.naive_cost > p.total_cost else ""
    schools = p.additions["school_id"].nunique()
    return (f"**最低成本达标方案**：在 {schools} 所学校补充教师、校舍、场地、设备或教室，约 **{p.total_cost:,.1f} 万元**{saving}；"
            f"{verdict}。单位成本为示例值（`junyun_lib/rules/unit_costs.csv`，可按本地标准修改）；"
            f"逐校明细与交互调整见 `notebooks/30_gap_explorer.ipynb`。")


def cheapest_table(b: Briefing) -> pd.DataFrame:
    """The cheapest path by indicator: amount to add, schools, cost (万元)."""
    p = b.path
    if p is None or p.additions.empty:
        return pd.DataFrame()
    g = p.additions.groupby(["indicator", "name_zh", "unit_zh"], sort=False).agg(
        amount=("amount", "sum"), schools=("school_id", "nunique"), cost=("cost_wan", "sum")).reset_index()
    return pd.DataFrame({"指标": g["name_zh"], "补充数量": [f"{a:,.0f} {u}" for a, u in zip(g["amount"], g["unit_zh"])],
                         "涉及学校": g["schools"], "经费（万元）": g["cost"].round(1)})


def plan_text(b: Briefing) -> str:
    """规划进度: counts by status this year and the items to watch (Markdown)."""
    if b.plan is None:
        return "本县区未提供推进计划（`data/raw/<县>/plan.csv`），无年度进度对照。"
    s = b.plan.summary(b.result.year)
    c = s["counts"]
    total = sum(c.values())
    if not total:
        return f"推进计划未设{b.result.year}年的目标。"
    text = (f"对照推进计划（{total} 项设有{b.result.year}年目标或记录）：**超前 {c['ahead']} 项、按计划 {c['on_track']} 项、"
            f"落后 {c['behind']} 项**、无数据 {c['no_data']} 项。")
    if s["projected_to_miss"]:
        text += f"到目标年未达成或按趋势预计无法达成的项目 {len(s['projected_to_miss'])} 项（见下表“目标年预计”）。"
    return text


def plan_table(b: Briefing) -> pd.DataFrame:
    """The plan items behind this year or projected to miss their target year (Chinese headers)."""
    if b.plan is None:
        return pd.DataFrame()
    s = b.plan.summary(b.result.year)
    table = year_table(b.plan, b.result.year)
    watch = set(s["behind"]) | set(s["projected_to_miss"])
    return table[table["序号"].isin(watch)].reset_index(drop=True)


def footer(b: Briefing) -> str:
    """数据来源、标准版本、软件版本、生成时间 (Markdown)."""
    std = b.result.standard
    files = "、".join(md_code(Path(s).name) for s in b.sources)
    lines = [f"- 数据来源：{files}（{md_text(b.result.county)}，统计年度 {b.result.year}）",
             f"- 评估标准：{md_text(std.name_zh)}（{std.code}）"]
    lines += [f"- 县区规则：{md_text(o)}" for o in std.overrides_applied]
    lines += [f"- 生成：junyun {__version__}，{datetime.now(timezone.utc).astimezone().strftime('%Y-%m-%d %H:%M %Z')}"]
    if b.synthetic:
        lines.append(f"- **{SYNTHETIC_LABEL}**")
    return "\n".join(lines)


def trend(b: Briefing):
    """The CV trend chart when the county has two or more years; one year has no trend to show."""
    if len(b.history) < 2:
        return markdown(f"仅有 {b.result.year} 年一年的数据，尚无历年变化；各指标差异系数见第一节。")
    return image(cv_trend_chart(b.history, b.result.county))


def index_summary(b: Briefing) -> dict:
    """What the batch index shows for this county-year: 评估结论, 推进计划 and its row of the cross-county
    table (:func:`junyun_lib.report.overview.summary_table`), with the indicators' Chinese names."""
    overall = "—" if b.card is None else OVERALL_ZH[b.card.overall]
    plan = (behind_text(b.plan, b.result.year) if b.plan is not None else None) or "—"
    row = summary_table(b.result).to_dict("records")[0]
    names = {i.code: i.name_zh for i in b.result.standard.indicators}
    return {"county": b.result.county, "year": b.result.year, "overall": overall, "plan": plan, "row": row,
            "indicator_names": names, "synthetic": bool(b.synthetic)}


INDEX_MIME = "application/vnd.junyun.index+json"


def index_output(b: Briefing):
    """The index row of this briefing as a notebook output the page does not show (a private MIME type):
    the batch reads it from the executed notebook to build the index without evaluating again."""
    from IPython.display import display

    display({INDEX_MIME: index_summary(b)}, raw=True)


def show(*items) -> None:
    """Display several items of one section in one cell (fewer cells: less per-cell work in a batch)."""
    from IPython.display import display

    for item in items:
        if item is not None:
            display(item)


def markdown(text: str):
    """A Markdown display object for text built by this module (every data string in it already went
    through :func:`md_text`); never pass it raw data."""
    from IPython.display import Markdown

    return Markdown(text)


def table(frame: pd.DataFrame, empty: str = "无"):
    """A table for the page: Chinese headers, no index, every cell HTML-escaped, no row truncation."""
    from IPython.display import HTML

    if frame.empty:
        return HTML(f"<p>{_e(empty)}</p>")
    return HTML(frame.to_html(index=False, escape=True, border=0, classes="junyun-table", na_rep="—"))
