"""Content of a county briefing for leaders (县域评估简报): headline, tables and footer, Chinese-first.

Notebooks call these functions; each returns something a notebook cell can display (Markdown text or a
DataFrame with Chinese headers).  Each string is escaped exactly once, for where it goes:

* into Markdown, every string from the data (county, school and file names, rule sources, county rules,
  veto names) goes through :func:`md_text` (file names: :func:`md_code`), so ``<script>…</script>``,
  ``[点我](javascript:…)``, ``![x](http://…)``, a bare ``http://…`` or ``$…$`` all show as plain text;
* DataFrames hold the raw strings and are escaped once, by :func:`table` (every cell through ``html.escape``), by
  pandas in a notebook, or not at all in a workbook (where :func:`junyun_lib.io.workbook.protect_formulas` keeps
  a name from being a formula).

What a leader reads (页面面向领导): sources are cited by document title and number (:func:`for_people`), never a
file or module name; counts are integers with their unit; a long list shows its first :data:`TOP` rows and says
how many more the Excel result holds (``frame.attrs["more"]``, shown by :func:`table` and the Word copy);
times are Beijing time.  :data:`SECTIONS` lists the briefing's sections with their headings (the briefing
notebook's headings match it: ``tests/test_word.py``), :func:`section_intro` the sentence under each heading for
the standard in force and what the section shows (the notebook calls the same functions), and
:func:`section_blocks` what each shows, so the Word copy (:mod:`junyun_lib.report.word`) holds the same
sections, in the same words, as the page.

Everything that depends on the standard is said here, from the standard's data, not in the notebook's
Markdown: under basic balance (basic-2012: 8 indicators, judged by the composite CV alone) there is no
evaluation form, no per-school rule, no school-level guarantee check and no cheapest path, and each section
says so in a sentence instead of showing an empty table.  A function that has nothing to show returns None,
which :func:`show` and :func:`table` skip.  Verdicts read from tables go through
:func:`junyun_lib.evaluation.verdicts.verdict` (``pd.NA`` never reaches an ``if``).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..evaluation.causes import indicator_causes
from ..evaluation.evaluate import CountyResult
from ..evaluation.guarantee import transitional_window, value_as_number
from ..evaluation.scorecard import Scorecard
from ..evaluation.verdicts import stages_verdict, verdict
from ..planning.cheapest import PathPlan, cheapest_path
from ..planning.progress import PlanProgress
from ..rules import OP_SYMBOL, OP_ZH, compare
from ..rules.schema import STAGE_ZH, STAGES
from ..rules.scorecard_form import form, not_applicable
from ..synthetic import SYNTHETIC_LABEL
from ..version import __version__
from .charts import attainment_chart, cv_trend_chart, image, meets_heatmap
from .labels import GAP_BASIS_ZH, beijing_now, count_text, for_people, format_cv, override_text, standard_title
from .overview import history_facts, summary_table
from .plan_report import md_code, md_text, pace_table, status_text, watch_table, year_table  # noqa: F401 (md_code: API)
from .roadmap_view import (finite_number, first_pass_year, missed_targets_table, school_names, spend_chart,
                           summary_markdown, top_actions, wan, year_text, years_table)
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
    roadmap: "dict | None" = None          # the county's official roadmap JSON (Workspace.stored_roadmap)

    @property
    def synthetic(self) -> bool:
        return self.result.synthetic


def assemble_briefing(result: CountyResult, history: dict, evaluation, *, plan=None, card=None, roadmap=None,
                      costs=None) -> Briefing:
    """The briefing of one county-year from what was loaded: its result, every year's (``history``), the
    county's ``evaluation`` (the source files of the year; the cheapest path to pass when the standard sets
    school values, :func:`junyun_lib.planning.cheapest.cheapest_path`), plan progress, scorecard and the
    official roadmap JSON."""
    schools = evaluation.schools
    sources = sorted(set(schools.loc[schools["year"] == result.year, "source_file"].astype(str)))
    path = None
    if result.standard.has_school_standards and result.standard.school_rule is not None:
        path = cheapest_path(evaluation, result.county, result.year, costs=costs, verify_naive=False)
    return Briefing(result=result, history=history, sources=sources, plan=plan, path=path, card=card,
                    roadmap=roadmap)


def _e(text) -> str:
    """HTML-escaped text, for HTML this module writes itself (not for Markdown: use :func:`md_text`)."""
    return html.escape(str(text), quote=False)


TOP = 10          # rows of a long list shown in the page; the Excel result holds them all
EXCEL = "评估结果（Excel）"   # how a page and the index name the county-year's one workbook (<slug>.xlsx beside it)


def _more(frame: pd.DataFrame, total: int, what: str, sheet: str, top: int | None) -> pd.DataFrame:
    """The first ``top`` rows of ``frame`` (all with ``top=None``), with a note of how many more there are."""
    if top is None or total <= top:
        return frame.reset_index(drop=True)
    shown = frame.head(top).reset_index(drop=True)
    shown.attrs["more"] = f"以上为前 {top} {what}；另有 {total - top} {what}，完整名单见{EXCEL}“{sheet}”工作表。"
    return shown


def headline(b: Briefing) -> str:
    """Page 1, the bottom line (Markdown): the title, the synthetic-data label (once in the page), the overall
    verdict, each stage's verdict, then what it costs to pass and by when (:func:`cost_line`)."""
    r = b.result
    std = r.standard
    parts = []
    for stage in STAGES:
        row = r.stages[r.stages["stage"] == stage].iloc[0]
        if int(row["schools_in_scope"]) == 0:
            parts.append(f"**{STAGE_ZH[stage]}**：无纳入评估的学校。")
            continue
        verdict_zh = {True: "**达标**", False: "**未达标**", None: "**无结论**"}[verdict(row["passes"])]
        text = f"**{STAGE_ZH[stage]}**资源配置{verdict_zh}：{_composite_sentence(r, row)}"
        if not std.judged_by_composite:
            inds = r.indicators[r.indicators["stage"] == stage]
            failing = [f"{md_text(_name(r, c))}（{format_cv(cv, lim)}）" for c, cv, lim, ok in
                       zip(inds["indicator"], inds["cv"], inds["cv_limit"], inds["cv_pass"]) if verdict(ok) is not True]
            text += f"；差异系数超限的指标：{'、'.join(failing)}" if failing else \
                f"；{len(std.codes)}项指标差异系数均在限值内"
        n_fail = row.get("schools_failing_rule")
        if n_fail is not None and not pd.isna(n_fail):
            text += f"；{int(n_fail)} 所学校未达到校级规则（共 {int(row['schools_in_scope'])} 所）。"
        else:
            text += "。"
        parts.append(text)
    title = f"# {md_text(r.county)} {r.year}年 义务教育{_balance(r)}发展 资源配置评估简报"
    label = f"\n\n> **{SYNTHETIC_LABEL}**" if b.synthetic else ""
    cost = cost_line(b)
    return (title + label + "\n\n" + overall_line(b) + "\n\n" + "\n\n".join(parts)
            + (f"\n\n{cost}" if cost else ""))


def overall_verdict(b: Briefing) -> str:
    """评估结论 in words (达到 / 未达到 / 无法判定…): the evaluation form's overall verdict, or where the standard has
    no form (basic-2012) the stages' verdicts; "—" when neither applies."""
    if b.card is not None:
        return OVERALL_ZH[b.card.overall]
    if not_applicable(b.result.standard):
        return OVERALL_ZH[stages_verdict(b.result.stages)]
    return "—"


def overall_line(b: Briefing) -> str:
    """The overall verdict as the first line under the title (Markdown), with what it rests on."""
    balance = _balance(b.result)
    if b.card is not None:
        v, basis = b.card.overall, "（资源配置、政府保障程度、教育质量、社会认可度四个方面及不予认定事项）"
    elif not_applicable(b.result.standard):
        v, basis = stages_verdict(b.result.stages), "（按小学、初中各学段的评估结论）"
    else:
        return "**总体结论**：—"
    words = {True: f"达到{balance}发展要求", False: f"未达到{balance}发展要求", None: "无法判定（有无数据项）"}[v]
    return f"**总体结论：{words}**{basis}"


def cost_line(b: Briefing) -> str:
    """What it costs to pass and by when, against lifting every school to the standard (Markdown, one paragraph):
    from the county's official roadmap when there is one (its least cost to pass and first passing year), else
    the one-year cheapest path; "" when neither was computed (a standard without school values)."""
    rm, p = b.roadmap, b.path
    naive = finite_number((rm or {}).get("naive_cost_wan"))
    if naive is None and p is not None:
        naive = finite_number(p.naive_cost)
    versus = f"；逐校补足到标准约 {wan(naive)}" if naive is not None else ""
    if rm is not None:
        cost = finite_number((rm.get("pass_cost") or {}).get("cost_wan"))
        target = year_text(rm.get("target_year"))
        if rm.get("feasible"):
            first = first_pass_year(rm)
            when = f"按达标路线图 **{first}年起达标**（目标年度 {target} 年）" if first is not None else \
                f"按达标路线图 {target} 年达标"
        else:
            when = f"按达标路线图，**在给定预算内无法于{target}年达标**"
        money = f"，达标的最低成本约 **{wan(cost)}**" if cost is not None else ""
        return f"**达标所需**：{when}{money}{versus}。详见第六节。"
    if p is None:
        return ""
    if p.additions.empty:
        return "**达标所需**：各学校均达到校级规则、各项差异系数均在限值内，无需补充。"
    return (f"**达标所需**：本年度一次补足的最低成本约 **{wan(p.total_cost)}**{versus}；"
            "尚未制定达标路线图，达标年度未测算。详见第六节。")


def _balance(r: CountyResult) -> str:
    return r.standard.balance_zh or "均衡"


def _composite_sentence(r: CountyResult, row) -> str:
    """综合差异系数 of a stage row; where the standard judges by it, with its limit (basic-2012)."""
    text = f"综合差异系数 {format_cv(row['composite_cv'])}"
    lim = r.standard.composite_limit
    if lim:
        text += (f"（{len(r.standard.codes)}项指标差异系数的平均，限值：{OP_ZH.get(lim['comparison'], lim['comparison'])} "
                 f"{lim[row['stage']]:.2f}）")
        if pd.isna(row["composite_cv"]):
            text += "，有指标的差异系数无法计算（全县均值为0），综合差异系数无定义，不视为达标"
    return text


def _name(r: CountyResult, code: str) -> str:
    return r.standard.indicator(code).name_zh


def cv_table(b: Briefing) -> pd.DataFrame:
    """差异系数表: each indicator × stage (CV, limit, verdict) and the composite, CVs shown to 3 decimals."""
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
    composite = {"指标": f"综合差异系数（{len(r.standard.codes)}项平均）"}
    lim = r.standard.composite_limit
    for stage in STAGES:
        st = r.stages[r.stages["stage"] == stage].iloc[0]
        composite[f"{STAGE_ZH[stage]}差异系数"] = format_cv(st["composite_cv"], lim[stage] if lim else None)
        if int(st["schools_in_scope"]) == 0:
            composite[f"{STAGE_ZH[stage]}结论"] = "—"
        elif lim:                                  # the composite decides the stage (basic-2012)
            composite[f"{STAGE_ZH[stage]}结论"] = _mark(st["composite_pass"] if "composite_pass" in st else st["passes"])
        else:
            composite[f"{STAGE_ZH[stage]}结论"] = "（参考）"
    rows.append(composite)
    return pd.DataFrame(rows)


def cv_intro(b: Briefing) -> str:
    """What the CV table shows, from the standard: how many indicators and what is compared with a limit."""
    std = b.result.standard
    text = f"{len(std.codes)} 项资源配置指标按学校在校生数加权计算差异系数"
    if std.judged_by_composite:
        return text + f"；{_balance(b.result)}评估不对单项指标设限值，以各项差异系数的平均（综合差异系数）与限值比较。"
    return text + "，并与评估限值比较；综合差异系数（各项平均）列出供参考。"


def cv_limits_text(b: Briefing) -> str:
    std = b.result.standard
    lim = std.cv_limit or {}
    comp = std.composite_limit or {}
    if not lim and comp:
        op = OP_ZH.get(comp["comparison"], comp["comparison"])
        return (f"限值（综合差异系数）：小学{op} {comp['primary']:.2f}，初中{op} {comp['junior']:.2f}"
                f"（{md_text(std.document)}）。差异系数按未经四舍五入的数值计算，显示 3 位小数。")
    if not lim:
        return ""
    op = OP_ZH.get(lim["comparison"], lim["comparison"])
    return (f"限值：小学{op} {lim['primary']:.2f}，初中{op} {lim['junior']:.2f}（{md_text(for_people(lim.get('source', '')))}）。"
            "差异系数按未经四舍五入的数值计算，显示 3 位小数。")


def attainment_intro(b: Briefing) -> str:
    """How to read the attainment chart (各指标的学校分布), from the standard."""
    std = b.result.standard
    if std.has_school_standards:
        return ("每个点是一所学校（一贯制学校按学段拆分），横轴为学校实际值占标准值的比例：实线为标准值（100%），"
                "虚线为校级规则的下限（见图例）；右侧数字为达标学校数/学校数。")
    return (f"每个点是一所学校（一贯制学校按学段拆分）。{_balance(b.result)}评估不设学校层面的标准值，横轴为学校实际值占"
            "全县该学段加权均值的比例，实线为全县均值（100%）；点越分散，差异系数越大。")


def school_heatmaps(b: Briefing) -> list:
    """学校达标情况: the reading note and a school × indicator chart per stage; under a standard without
    school-level values (basic-2012) one sentence saying there is nothing to show."""
    if not b.result.standard.has_school_standards:
        return [markdown(heatmap_intro(b))]
    return [markdown(heatmap_intro(b))] + [image(meets_heatmap(b.result, stage)) for stage in STAGES]


def heatmap_intro(b: Briefing) -> str:
    """How to read the school × indicator charts, or (no school-level values: basic-2012) why there are none."""
    if not b.result.standard.has_school_standards:
        return f"{_balance(b.result)}评估不设学校层面的标准值，不逐校判定各项指标是否达标，本节不适用。"
    return ("每行一所至少有一项指标未达标的学校、每列一项指标，颜色表示达标、未达标但不低于下限、低于下限（见图例）。"
            "按达标项数从少到多排列；各项指标均达标的学校不列出。")


def school_rule_text(b: Briefing) -> str:
    """The per-school rule in words, from the standard (校级规则说明)."""
    std = b.result.standard
    rule = std.school_rule
    if not rule or not std.has_school_standards:
        return (f"{_balance(b.result)}评估不设学校层面的标准值和校级达标规则，因此不逐校判定达标、不列未达标学校和"
                "补足到标准的缺口。")
    others = len(b.result.standard.codes) - int(rule["min_meeting"])
    return (f"校级规则：至少 {rule['min_meeting']} 项指标达到标准，其余 {others} 项不低于标准的 "
            f"{rule['floor_ratio']:.0%}（{md_text(for_people(rule.get('source', '')))}）。缺口按达到标准所需补充的教师、"
            "面积、设备、教室计算，经费按可修改的单位成本估算（万元）。" + GAP_BASIS_ZH)


def _mark(ok) -> str:
    if ok is None or ok is pd.NA or (isinstance(ok, float) and np.isnan(ok)):
        return "—"
    return "✓ 达标" if bool(ok) else "✗ 未达标"


def _wan(value) -> str:
    """An amount in 万元, one decimal with thousands separators (a money column, not a count)."""
    return "—" if value is None or pd.isna(value) else f"{float(value):,.1f}"


def failing_schools(b: Briefing, top: int | None = TOP, *, numbers: bool = False) -> pd.DataFrame | None:
    """Schools failing the per-school rule, costliest first, with what they lack in real units and the cost
    (万元); the first ``top`` (``None``: all, as the workbook holds them).  ``numbers``: students and cost as
    numbers (the workbook's, which formats them) instead of the page's text.

    A facility of a mixed school shows both views: what the part itself lacks (本学段部分缺) and what the
    whole school must add for every part to meet the standard (全校需补充, :mod:`junyun_lib.evaluation.gaps`).
    The cost is counted once per school, so a mixed school's facility cost sits on one of its parts.
    """
    r = b.result
    if not (r.standard.school_rule and r.standard.has_school_standards):
        return None                                # the standard has no per-school rule (basic-2012)
    passes = r.parts["passes_school_rule"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    parts = r.parts[~passes]
    parts = parts.sort_values("cost_total", ascending=False, kind="stable")
    n = len(r.standard.codes)
    rows = []
    for p in parts.to_dict("records"):
        lacks = [_lack(r, c, p) for c in r.standard.codes if p[f"shortfall_{c}"] > 0]
        rows.append({"学校": p["school_name"], "学段": STAGE_ZH[p["part"]],
                     "在校生（人）": int(p["students"]) if numbers else count_text(p["students"]),
                     "达标项数": f"{int(p['n_meeting'])}/{n}", "缺口": "；".join(lacks),
                     "所需经费（万元）": float(p["cost_total"]) if numbers else _wan(p["cost_total"])})
    out = pd.DataFrame(rows, columns=["学校", "学段", "在校生（人）", "达标项数", "缺口", "所需经费（万元）"])
    if numbers:
        out.attrs["kinds"] = {"在校生（人）": "count", "所需经费（万元）": "money"}
    return _more(out, len(out), "所", "未达校级规则学校", top)


def _lack(r: CountyResult, code: str, p: dict) -> str:
    """One lack of a failing part in words: the part's own need, and for a split facility the whole school's."""
    ind = r.standard.indicator(code)
    if ind.numerator_kind == "facility" and p["share"] < 1:
        return (f"{ind.name_zh} 本学段部分缺 {_qty(p[f'shortfall_{code}'], ind)}，"
                f"全校需补充 {_qty(p[f'school_shortfall_{code}'], ind)}")
    return f"{ind.name_zh} 缺 {_qty(p[f'shortfall_{code}'], ind)}"


def _qty(value: float, indicator) -> str:
    unit = indicator.shortfall_unit_zh
    if indicator.shortfall_integer or unit == "元":
        return f"{int(round(value)):,} {unit}"
    return f"{value:,.1f} {unit}"


def gap_totals(b: Briefing) -> pd.DataFrame | None:
    """缺口合计: per stage and indicator, parts below standard, the part view (该学段部分缺口), what must be added
    (全校需补充: facilities for the whole school, each school once; teachers per section) and its cost."""
    if not b.result.standard.has_school_standards:
        return None                                # no school-level values (basic-2012)
    g = b.result.gaps
    g = g[g["schools_below"] > 0]
    codes = {i.code: i for i in b.result.standard.indicators}
    qty = lambda v, u, c: _qty(v, codes[c]) if c in codes else f"{v:,.1f} {u}"     # noqa: E731
    return pd.DataFrame({"学段": g["stage"].map(STAGE_ZH), "指标": g["name_zh"],
                         "未达标学校（所）": [count_text(v) for v in g["schools_below"]],
                         "该学段部分缺口": [qty(v, u, c) for v, u, c in zip(g["shortfall"], g["unit_zh"], g["indicator"])],
                         "全校需补充（每校计一次）": [qty(v, u, c) for v, u, c in
                                              zip(g["school_shortfall"], g["unit_zh"], g["indicator"])],
                         "所需经费（万元）": [_wan(v) for v in g["cost_wan"]]}).reset_index(drop=True)


def guarantee_text(b: Briefing) -> str:
    """What the school-level guarantee section shows, or why it shows nothing (basic-2012); "" when it shows no
    table because nothing fails but not everything is decided (:func:`exceptions_text` then says what)."""
    std = b.result.standard
    if not std.guarantee:
        return (f"{_balance(b.result)}评估不含校额、班额、音乐美术专用教室等校级保障项目"
                f"（这些项目属于{md_text(form_document())}的政府保障程度），本节不适用。")
    if _guarantee_rows(b).empty and _undetermined(b).any():      # guarantee_failures shows no table
        return ""
    return "校额、班额、音乐美术专用教室中未达标的项目。"


def form_document() -> str:
    """The quality-balance document the evaluation form restates, as people cite it."""
    return "《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）"


# guarantee checks: the unit of the value and its limit, by the end of the check's code
_GUARANTEE_UNITS = (("room_area", "平方米"), ("rooms", "间"), ("class_size", "人"), ("school_size", "人"))


def _guarantee_unit(check: str) -> str:
    return next((u for end, u in _GUARANTEE_UNITS if check.endswith(end) or check.startswith(end)), "")


def _guarantee_value(value, check: str) -> str:
    if isinstance(value, str):          # a class size known only as its band ("46-50人"): never a number
        return f"班额{value}"
    unit = _guarantee_unit(check)
    if value is None or pd.isna(value):
        return "—"
    if unit == "平方米":
        return f"{float(value):,.1f} {unit}"
    return count_text(value, unit)


def _guarantee_rows(b: Briefing) -> pd.DataFrame:
    g = b.result.guarantee
    return g[g["passes"].fillna(True) == False]  # noqa: E712  (NA = not applicable)


def guarantee_failures(b: Briefing, examples: int = 3) -> pd.DataFrame | None:
    """School-level guarantee checks that fail (校额、班额、音乐美术专用教室), one row per check: how many schools,
    the standard and the schools furthest from it; every failing school is in the workbook.  None when the
    standard has no such checks (basic-2012)."""
    if not b.result.standard.guarantee:
        return None
    g = _guarantee_rows(b)
    if g.empty and _undetermined(b).any():
        return None       # nothing fails but not everything is decided: exceptions_text says so, never "均达标"
    rows = []
    for (check, check_zh), sub in g.groupby(["check", "check_zh"], sort=False):
        # a band-based class size ("51-55人") is placed by its band's lower edge, never parsed as a number
        over = value_as_number(sub["value"]) - sub["limit"].astype(float).to_numpy()
        worst = sub.assign(_off=np.abs(over)).sort_values("_off", ascending=False, kind="stable")
        names = [f"{name}（{_guarantee_value(v, check)}）" for name, v in
                 zip(worst["school_name"].head(examples), worst["value"].head(examples))]
        more = f" 等 {sub['school_id'].nunique()} 所" if sub["school_id"].nunique() > examples else ""
        limits = sorted(set(sub["limit"].astype(float)))
        if check.endswith("rooms"):                  # the number of rooms follows the number of classes
            standard = "每12个班至少 1 间"
        elif len(limits) == 1:
            standard = _guarantee_value(limits[0], check)
        else:
            standard = f"{_guarantee_value(limits[0], check)}—{_guarantee_value(limits[-1], check)}（按学校情况）"
        stage = next((f"（{zh}）" for key, zh in STAGE_ZH.items() if check.endswith(f"_{key}")), "")
        rows.append({"项目": check_zh + stage, "未达标学校（所）": count_text(sub["school_id"].nunique()), "标准": standard,
                     "差距最大的学校（实际）": "、".join(names) + more})
    out = pd.DataFrame(rows, columns=["项目", "未达标学校（所）", "标准", "差距最大的学校（实际）"])
    if len(g):
        out.attrs["more"] = f"逐校明细（{len(g)} 项）见{EXCEL}“校级保障未达标”工作表。"
    return out


def guarantee_details(b: Briefing) -> pd.DataFrame:
    """Every failing school-level guarantee check, one row per school and check (the workbook's list)."""
    g = _guarantee_rows(b)
    return pd.DataFrame({"学校": g["school_name"], "项目": g["check_zh"],
                         "实际": [_guarantee_value(v, c) for v, c in zip(g["value"], g["check"])],
                         "标准": [_guarantee_value(v, c) for v, c in zip(g["limit"], g["check"])],
                         "依据": [for_people(x) for x in g["basis"]]}).reset_index(drop=True)


def _undetermined(b: Briefing) -> pd.Series:
    """Checks that apply (they have a limit) but cannot be decided: music and art rooms without data, a
    class-size band across the limit."""
    g = b.result.guarantee
    return g["passes"].isna() & g["limit"].notna() if len(g) else pd.Series(False, index=g.index)


def undetermined_text(b: Briefing) -> str:
    """What the school-level checks could not decide, by reason, as Markdown (empty when everything is decided).

    No data is never a pass: these checks are left out of the failures and of the shares, and the scorecard
    shows the item as 无数据."""
    g = b.result.guarantee
    if g.empty or not b.result.standard.guarantee:
        return ""
    open_ = g[_undetermined(b)]
    lines = []
    for basis, sub in open_.groupby(open_["basis"].astype(str), sort=False):
        checks = "、".join(dict.fromkeys(sub["check_zh"]))
        lines.append(f"{md_text(checks)}：{count_text(sub['school_id'].nunique(), '所')}学校无法判定——{md_text(for_people(basis))}。")
    if not lines:
        return ""
    head = "" if (g["passes"].fillna(True) == False).any() else "没有判定为未达标的项目，但以下项目无法判定（不视为达标）："  # noqa: E712
    return head + " ".join(lines)


def exceptions_text(b: Briefing) -> str:
    """Which schools were held to the transitional exceptions (有关指标说明（六）（七）), and until when; then what
    could not be decided (:func:`undetermined_text`)."""
    g = b.result.guarantee
    if not b.result.standard.guarantee:
        return None                              # no school-level checks (basic-2012): guarantee_text says so
    if g.empty or "basis" not in g:
        return ""
    open_ = undetermined_text(b)
    open_ = f"\n\n{open_}" if open_ else ""
    relaxed = g[g["basis"].astype(str).str.contains("过渡期", regex=False)]
    window = transitional_window(b.result.standard)
    until = f"（过渡期至 {window[1]} 年统计数据）" if window else ""
    if relaxed.empty:
        return f"本年度没有学校按过渡期放宽标准评估{until}。{open_}"
    schools = relaxed["school_id"].nunique()
    return (f"{schools} 所学校的校额或音乐、美术专用教室面积按过渡期放宽标准评估（《县域义务教育优质均衡发展督导评估"
            f"有关指标说明》（六）（七）“近三年评估中”）{until}；过渡期后须达到完整标准。{open_}")


def excluded_table(b: Briefing, top: int | None = TOP) -> pd.DataFrame:
    e = b.result.excluded
    out = pd.DataFrame({"学校": e["school_name"], "类型": e["school_type"],
                        "原因": [for_people(x) for x in e["reason"]]}).reset_index(drop=True)
    return _more(out, len(out), "所", "不参与评估学校", top)


def warnings_table(b: Briefing, top: int | None = TOP) -> pd.DataFrame:
    out = problems_table(b.result.warnings)
    return _more(out, len(out), "条", "数据质量提示", top)


def problems_table(problems) -> pd.DataFrame:
    """Located data problems as a table (位置、值、提示), locations named as people know the files."""
    return pd.DataFrame([{"位置": problem_place(p), "值": p.value, "提示": p.message_zh} for p in problems],
                        columns=["位置", "值", "提示"])


def problem_place(p) -> str:
    """Where a problem is, as people know the files, with the school its row holds (raw text: the table
    escapes it): "2024年学校数据表 第58行（某某小学） 列「在校生数」"."""
    from dataclasses import replace
    from pathlib import PurePath

    p = replace(p, file=PurePath(p.file).name if p.file else "")      # the file's name, never the machine's path
    name = str(getattr(p, "school_name", "") or "").strip()
    if not name or p.row is None:
        return for_people(p.location())
    column = f" 列「{p.column}」" if p.column else ""
    return f"{for_people(replace(p, column='').location())}（{name}）{column}"


def scorecard_text(b: Briefing) -> str:
    """The overall verdict of the evaluation form and each area's (Markdown), for the top of the briefing."""
    card = b.card
    if card is None:
        note = not_applicable(b.result.standard)
        if note:
            coverage = b.result.standard.coverage_zh
            return f"{md_text(note)}。" + (f"{md_text(coverage)}。" if coverage else "")
        return "本县区没有县区配置，评估表未生成。"
    overall = {True: "**达到**县域义务教育优质均衡发展评估标准", False: "**未达到**评估标准",
               None: "**尚不能判定**（部分项目无数据，无数据的项目不视为达标）"}[card.overall]
    areas = "；".join(f"{md_text(form()['areas'][a])}{PASS_ZH[v]}" for a, v in card.areas.items())
    vetoes = card.vetoes[card.vetoes["applies"] == True]  # noqa: E712 — None means no data
    veto = f"；**不予认定事项**：{'、'.join(md_text(n) for n in vetoes['name'])}" if len(vetoes) else ""
    pre = card.prerequisite.get("passes")
    pre_text = {True: "申报条件（前三年综合差异系数）满足", False: "申报条件（前三年综合差异系数）**不满足**",
                None: "申报条件（前三年综合差异系数）无法判断（缺少年份数据）"}[pre]
    intro = ("资源配置、政府保障程度、教育质量、社会认可度四个方面均达到、且没有不予认定事项，才能认定为优质均衡。"
             "下表列出未达到和无数据的项目（无数据不视为达标）；完整评估表见评估结果（Excel）的“评估表”工作表。\n\n")
    return f"{intro}**评估结论**：{overall}。{areas}{veto}。{pre_text}。"


def scorecard_table(b: Briefing) -> pd.DataFrame | None:
    """The items not passing (未达到 or 无数据), area by area, with value, standard and evidence; None when
    there is no scorecard (:func:`scorecard_text` says why)."""
    if b.card is None:
        return None
    table = form_table(b.card)
    keep = table["结论"].isin(["未达到", "无数据", "不予认定"]) | (table["序号"] == "")
    table = table[keep].reset_index(drop=True)       # raw text: table() escapes it, once
    # an area heading or the closing lines without an item under them say nothing here
    heading = table["序号"] == ""
    useful = ~heading | heading.shift(-1, fill_value=True).eq(False)
    table = table[useful | table["评估内容"].str.startswith("总体结论")].reset_index(drop=True)
    table["数据来源"] = [for_people(x) for x in table["数据来源"]]
    return table[["评估内容", "序号", "实际", "标准", "结论", "数据来源"]]


def _causes_rows(b: Briefing) -> pd.DataFrame:
    """The indicator rows whose causes are shown: each CV beyond its limit (quality-2017); under a standard
    judged by the composite (basic-2012), in each stage failing its composite limit, the indicators whose CV
    exceeds that limit (they lift the mean above it)."""
    r = b.result
    inds = r.indicators
    if not r.standard.judged_by_composite:
        ok = inds["cv_pass"].astype("boolean").fillna(True).to_numpy(dtype=bool)
        return inds[~ok]
    lim = r.standard.composite_limit or {}
    failing_stages = [row["stage"] for row in r.stages.to_dict("records")
                      if int(row["schools_in_scope"]) > 0 and verdict(row["passes"]) is False]
    if not lim or not failing_stages:
        return inds[:0]
    limit = inds["stage"].map({s: lim[s] for s in STAGES}).astype(float)
    cv = inds["cv"].astype(float)
    pick = inds["stage"].isin(failing_stages) & (cv.isna() | ~compare(cv.fillna(0), limit, lim["comparison"]))
    return inds[pick.to_numpy(dtype=bool)].sort_values(["stage", "cv"], ascending=[True, False])


def causes_intro(b: Briefing) -> str:
    """What the causes table shows, from the standard, or why it is empty."""
    std = b.result.standard
    shares = "每所学校对差异系数平方的贡献份额（合计 100%），以及城区、镇区、乡村之间的差距所占比例。"
    if std.judged_by_composite:
        if _causes_rows(b).empty:
            return "各学段综合差异系数均在限值内，无需分析差距成因。"
        return ("综合差异系数超限的学段中，差异系数高于该限值的指标由哪些学校造成：" + shares)
    if _causes_rows(b).empty:
        return "各项差异系数均在限值内。"
    return "差异系数超限的指标由哪些学校造成：" + shares


def causes_table(b: Briefing, top: int = 3) -> pd.DataFrame | None:
    """差距成因: for every indicator whose CV is beyond its limit (basic-2012: beyond the composite limit, in a
    stage that fails) — the 城乡 between-group share of CV² and the schools contributing most to it (share of
    CV², below/above the mean); None when there is none (:func:`causes_intro` says so)."""
    r = b.result
    failing = _causes_rows(b)
    if failing.empty:
        return None
    comp = r.standard.composite_limit or {}
    rows = []
    for ind in failing.itertuples(index=False):
        limit = comp.get(ind.stage) if r.standard.judged_by_composite else ind.cv_limit
        if pd.isna(ind.cv):
            rows.append({"学段": STAGE_ZH[ind.stage], "指标": _name(r, ind.indicator), "差异系数": format_cv(ind.cv),
                         "城乡差距占比": "—", f"贡献最大的{top}所学校（占差异系数平方的份额）": "全县均值为0，差异系数无定义"})
            continue
        c = indicator_causes(r, ind.stage, ind.indicator)
        between = c.by_group.between / c.by_group.cv2 if c.by_group.cv2 else float("nan")
        schools = "；".join(f"{s.school_name}（{s.share:.0%}，{'低于' if s.direction == 'below' else '高于'}均值）"
                           for s in c.contributions.head(top).itertuples())
        rows.append({"学段": STAGE_ZH[ind.stage], "指标": _name(r, ind.indicator), "差异系数": format_cv(ind.cv, limit),
                     "城乡差距占比": "—" if pd.isna(between) else f"{between:.0%}",
                     f"贡献最大的{top}所学校（占差异系数平方的份额）": schools})
    return pd.DataFrame(rows)


def cheapest_text(b: Briefing) -> str:
    """最低成本达标方案 in two sentences (Markdown)."""
    p = b.path
    if p is None:
        return (f"{_balance(b.result)}评估不设学校层面的标准值和校级规则，不测算最低成本达标方案。"
                if not b.result.standard.has_school_standards else "本标准不设校级规则，不测算最低成本达标方案。")
    if p.additions.empty:
        return "各学校均达到校级规则、各项差异系数均在限值内，无需补充。"
    verdict = "按正式口径重新评估：**全部达标**" if p.verified else "按正式口径重新评估：**仍有未达标项**（见附表）"
    saving = f"，比逐校补足到标准（约 {p.naive_cost:,.1f} 万元）少 {p.naive_cost - p.total_cost:,.1f} 万元" \
        if p.naive_cost > p.total_cost else ""
    schools = p.additions["school_id"].nunique()
    return (f"**最低成本达标方案**：在 {schools} 所学校补充教师、校舍、场地、设备或教室，约 **{p.total_cost:,.1f} 万元**{saving}；"
            f"{verdict}。单位成本为示例值，可按本地标准修改；逐校明细可在“差距与达标方案”分析笔记本中交互调整。")


def cheapest_table(b: Briefing) -> pd.DataFrame | None:
    """The cheapest path by indicator: amount to add, schools, cost (万元); None when none was computed."""
    p = b.path
    if p is None:
        return None
    if p.additions.empty:
        return pd.DataFrame()
    g = p.additions.groupby(["indicator", "name_zh", "unit_zh"], sort=False).agg(
        amount=("amount", "sum"), schools=("school_id", "nunique"), cost=("cost_wan", "sum")).reset_index()
    return pd.DataFrame({"指标": g["name_zh"], "补充数量": [f"{a:,.0f} {u}" for a, u in zip(g["amount"], g["unit_zh"])],
                         "涉及学校（所）": [count_text(v) for v in g["schools"]],
                         "经费（万元）": [_wan(v) for v in g["cost"]]})


def roadmap_text(b: Briefing) -> str:
    """达标路线图 in a short paragraph (Markdown), from the county's official roadmap (``junyun run`` writes it for a
    county with a target year; :mod:`junyun_lib.report.roadmap_view`): the first year it passes or why it cannot,
    the two costs with what their certificates prove, the comparison with lifting every school now."""
    rm = b.roadmap
    county = md_text(b.result.county)
    if rm is None:
        config = getattr(b.result, "config", None)
        if config is not None and getattr(config, "plan_target_year", None) is None:
            return f"{county}未设定推进计划的目标年度，未制定达标路线图。"
        return (f"尚未生成{county}的达标路线图（按预测在校生数、县里已列项目、教师交流和最低成本补充，"
                "逐年安排到目标年度达标；由分析人员在工作台生成）。")
    return summary_markdown(rm, b.result.year) + " 逐校、逐年的全部措施见路线图工作簿。"


def roadmap_table(b: Briefing) -> pd.DataFrame:
    """The roadmap year by year: spend, cumulative spend, teacher moves, CVs beyond their limit, parts failing the
    rule, whether the county passes (years as written, "2025")."""
    return pd.DataFrame() if b.roadmap is None else years_table(b.roadmap)


def roadmap_actions(b: Briefing) -> pd.DataFrame | None:
    """The roadmap's top actions per year (school, what, how much, cost, reason); when it cannot pass by the
    target year, those of the plan that passes earliest (its text names that year); None without a roadmap."""
    return None if b.roadmap is None else top_actions(b.roadmap, names=school_names(b.result))


def roadmap_missed(b: Briefing) -> pd.DataFrame | None:
    """The plan's interim targets the roadmap misses; None when it misses none (or there is no roadmap)."""
    return None if b.roadmap is None else missed_targets_table(b.roadmap)


def roadmap_blocks(b: Briefing) -> list[tuple]:
    """The roadmap part of section 六, as :func:`section_blocks` gives it: text, the yearly spend chart, the top
    actions per year, the targets missed, the years table."""
    blocks: list[tuple] = [("md", roadmap_text(b))]
    if b.roadmap is None:
        return blocks
    if b.roadmap.get("years_table"):
        blocks.append(("chart", lambda: spend_chart(b.roadmap)))
    blocks += [("table", roadmap_actions(b), "路线图无需新增措施"), ("table", roadmap_missed(b), "无"),
               ("table", roadmap_table(b), "无")]
    return blocks


def roadmap_items(b: Briefing) -> list:
    """The roadmap part of section 六 as display objects, for the briefing notebook (the same blocks as the Word
    copy, :func:`roadmap_blocks`)."""
    items = []
    for block in roadmap_blocks(b):
        if block[0] == "md":
            items.append(markdown(block[1]))
        elif block[0] == "chart":
            items.append(image(block[1]()))
        else:
            items.append(table(block[1], block[2]))
    return items


def plan_text(b: Briefing) -> str:
    """规划进度 (Markdown): this year's targets by status; for the items whose target lies ahead, how many the
    recent pace reaches; the items past their target year.  "没有落后" is said only when nothing is behind,
    off pace or overdue."""
    if b.plan is None:
        return "本县区未提供推进计划，无年度进度对照。"
    year = b.result.year
    s = b.plan.summary(year)
    c = s["counts"]
    total = sum(c.values())
    texts = []
    if total:
        texts.append(f"对照推进计划（{total} 项设有{year}年目标或记录）：**超前 {c['ahead']} 项、按计划 {c['on_track']} 项、"
                     f"落后 {c['behind']} 项**、无数据 {c['no_data']} 项。")
    if s["pace_items"]:
        p = s["pace"]
        years = "、".join(str(y) for y in s["target_years"])
        lead = "" if total else f"推进计划未设{year}年的年度目标；"
        texts.append(f"{lead}{len(s['pace_items'])} 项以{years}年为目标年，按{year}年实际与近年进度测算："
                     f"已达到目标值 {p['reached']} 项，按当前进度可按期达成 {p['on_pace']} 项，"
                     f"**按当前进度无法按期达成 {p['off_pace']} 项**"
                     + (f"，仅一年数据无法判断 {p['no_pace']} 项" if p["no_pace"] else "")
                     + (f"，无数据 {p['no_data']} 项" if p["no_data"] else "") + "。")
    if s["overdue"]:
        texts.append(f"目标年已过仍未达成的项目 **{len(s['overdue'])} 项**。")
    if not texts:
        return f"推进计划未设{year}年及以后的目标。"
    miss = [i for i in s["projected_to_miss"]]
    if miss:
        texts.append(f"按历年趋势预计到目标年无法达成或已未达成的项目 {len(miss)} 项（见下表“说明”）。")
    if not (s["behind"] or s["off_pace"] or s["overdue"] or miss):
        texts.append("没有落后、进度不足或预计无法达成的项目。")
    if not b.result.standard.has_school_standards:
        texts.append(f"推进计划中按学校达标率、校级规则度量的项目在{_balance(b.result)}评估下没有学校层面的标准值，显示为无数据；"
                     f"按{md_text(form_document())}度量请用 quality-2017 标准。")
    return "".join(texts)


def plan_table(b: Briefing, top: int | None = TOP) -> pd.DataFrame | None:
    """The plan items that need attention this year: behind its target, off the pace needed for a later target,
    past the target year, or projected to miss (Chinese headers); the first ``top``; None without a plan
    (:func:`plan_text` says so)."""
    if b.plan is None:
        return None
    out = watch_table(b.plan, b.result.year)
    return _more(out, len(out), "项", "推进计划", top)


def footer(b: Briefing) -> str:
    """数据来源、评估标准、县区规则、生成时间 (Markdown), in words: no file or module names, Beijing time."""
    std = b.result.standard
    files = len(b.sources)
    lines = [f"- 数据来源：{md_text(b.result.county)} {b.result.year} 年义务教育学校基础数据（学校数据表"
             + (f" {files} 份" if files > 1 else "") + "）；县级指标与推进计划按本县区提供的表格",
             f"- 评估标准：{md_text(standard_title(std))}"]
    lines += [f"- 县区规则：{md_text(override_text(o))}" for o in std.overrides_applied]
    lines += [f"- 生成：junyun {__version__}，{beijing_now()}"]
    # the synthetic-data label is in the headline (once in the page) and in the top margin of every printed page
    return "\n".join(lines)


def trend(b: Briefing):
    """The CV trend chart when the county has two or more years; one year has no trend to show."""
    if len(b.history) < 2:
        return markdown(trend_text(b))
    return image(cv_trend_chart(b.history, b.result.county))


def trend_text(b: Briefing) -> str:
    return f"仅有 {b.result.year} 年一年的数据，尚无历年变化；各指标差异系数见第一节。"


# ----------------------------------------------------------------------------------------- the sections
@dataclass(frozen=True)
class Section:
    """One section of the briefing: its key and heading.  What it says under the heading depends on the standard
    and on what the section has to show, so it is not part of the section: :func:`section_intro`."""

    key: str
    title: str


SECTIONS = (
    Section("scorecard", "评估表：四个方面与不予认定事项"),
    Section("cv", "一、差异系数（校际均衡）"),
    Section("distribution", "二、各指标的学校分布"),
    Section("heatmap", "三、学校达标情况"),
    Section("trend", "四、历年差异系数变化"),
    Section("schools", "五、未达到校级规则的学校及缺口"),
    Section("causes", "六、差距成因、最低成本达标方案与达标路线图"),
    Section("plan", "七、推进计划年度进度"),
    Section("guarantee", "八、政府保障程度（校级项目）"),
    Section("excluded", "九、不参与资源配置评估的学校"),
    Section("warnings", "十、数据质量提示"),
)


def plan_intro(b: Briefing) -> str:
    """What the plan section compares and lists; "" without a plan (:func:`plan_text` says so, no table follows)."""
    if b.plan is None:
        return ""
    return ("对照县域推进计划逐项比较本年度目标与实际；只有目标年的项目，比较距目标的差距、剩余年数、每年所需进度与近年实际进度。"
            "下表列出落后、进度不足、逾期未达成或按趋势预计无法达成的项目。")


def warnings_intro(b: Briefing) -> str:
    """The sentence above the data hints; "" when there are none (the section then shows only "无")."""
    return "以下数值可能有误但不影响计算，请核实。" if len(b.result.warnings) else ""


# the sentence under each section's heading, by section: the page (the briefing notebook calls these functions)
# and the Word copy (through section_blocks) take it from here.  The scorecard's is part of scorecard_text; the
# per-school rule (school_rule_text) opens section 五.
_INTROS = {"cv": cv_intro, "distribution": attainment_intro, "heatmap": heatmap_intro, "causes": causes_intro,
           "plan": plan_intro, "guarantee": guarantee_text, "warnings": warnings_intro}


def section_intro(b: Briefing, key: str) -> str:
    """The sentence under a section's heading (Markdown), for the standard in force and what the section shows:
    where the section shows no table it is the sentence saying why, never an introduction to a missing table;
    "" for none."""
    if key not in {s.key for s in SECTIONS}:
        raise KeyError(key)
    intro = _INTROS.get(key)
    return (intro(b) or "") if intro else ""


def section_blocks(b: Briefing, key: str) -> list[tuple]:
    """What a section shows under its heading, in order, as ``("md", text)``, ``("table", frame, empty text)`` or
    ``("chart", make_figure)`` (a function returning a matplotlib figure, called only by whoever draws it) — the
    same calls the briefing notebook makes, its introduction (:func:`section_intro`) first, for the Word copy.
    A table of None is one the page does not show (its text says why)."""
    r = b.result
    return [("md", section_intro(b, key)), *_section_body(b, r, key)]


def _section_body(b: Briefing, r: CountyResult, key: str) -> list[tuple]:
    if key == "scorecard":
        return [("md", scorecard_text(b)), ("table", scorecard_table(b), "全部项目达到要求")]
    if key == "cv":
        return [("table", cv_table(b), "无"), ("md", cv_limits_text(b))]
    if key == "distribution":
        return [("chart", lambda: attainment_chart(r))]
    if key == "heatmap":
        if not r.standard.has_school_standards:
            return []                                # heatmap_intro says why (basic-2012)
        return [("chart", lambda: meets_heatmap(r, "primary")), ("chart", lambda: meets_heatmap(r, "junior"))]
    if key == "trend":
        if len(b.history) < 2:
            return [("md", trend_text(b))]
        return [("chart", lambda: cv_trend_chart(b.history, r.county))]
    if key == "schools":
        return [("md", school_rule_text(b)), ("table", failing_schools(b), "所有学校均达到校级规则"),
                ("table", gap_totals(b), "无缺口")]
    if key == "causes":
        return [("table", causes_table(b), "各项差异系数均在限值内"), ("md", cheapest_text(b)),
                ("table", cheapest_table(b), "无需补充"), *roadmap_blocks(b)]
    if key == "plan":
        return [("md", plan_text(b)), ("table", plan_table(b), "没有落后或预计无法达成的项目")]
    if key == "guarantee":
        return [("md", exceptions_text(b)),
                ("table", guarantee_failures(b), "校额、班额、音乐美术专用教室均达标")]
    if key == "excluded":
        return [("table", excluded_table(b), "无")]
    if key == "warnings":
        return [("table", warnings_table(b), "无")]
    raise KeyError(key)


def workbook_sheets(b: Briefing) -> dict[str, pd.DataFrame]:
    """The county-year's one workbook, 评估结果（Excel） (``<slug>.xlsx`` beside the page; written by the batch and
    by ``junyun run``): 说明 (the synthetic label, county, year, standard by document, county rules in words, what
    each sheet holds), the full evaluation form, the whole of every list the page shortens, plan progress and
    the result tables (:func:`junyun_lib.report.excel.result_sheets`) — Chinese throughout, codes only in hidden
    last columns, numbers as numbers (the workbook writer gives formats, 是/否, widths and filters, and keeps
    formula-like names as text)."""
    from .excel import SHEET_ABOUT, about_rows, result_sheets

    r = b.result
    one = _one_year(r)
    results = result_sheets(one)
    listed: dict = {}
    if b.card is not None:
        card = form_table(b.card)
        card["数据来源"] = [for_people(x) for x in card["数据来源"]]
        listed["评估表"] = card
    listed["学段结论"], listed["差异系数"] = results.pop("学段结论"), results.pop("差异系数")
    listed["未达校级规则学校"] = failing_schools(b, top=None, numbers=True)
    listed["缺口与经费"] = results.pop("缺口与经费")
    listed["学校指标"] = results.pop("学校指标")
    listed["校级保障未达标"] = guarantee_details(b)
    listed["保障指标"] = results.pop("保障指标")
    if b.plan is not None:
        listed["推进计划"] = year_table(b.plan, r.year)
        pace = pace_table(b.plan, r.year)
        if len(pace):
            listed["远期目标进度"] = pace
    listed.update(results)                              # 不参与评估学校, 数据质量提示
    sheets = {name: frame for name, frame in listed.items() if frame is not None}   # basic-2012: no such lists
    about = about_rows(one, {(r.county, r.year): b.card})
    first = 1 if about and about[0][0] == "数据性质" else 0       # the synthetic label stays the first row
    about[first:first] = [("县区", r.county), ("年度", f"{r.year}年")]
    about.append(("生成", f"junyun {__version__}，{beijing_now()}"))
    about += [(f"表：{name}", SHEET_ABOUT[name]) for name in sheets if name in SHEET_ABOUT]
    return {"说明": pd.DataFrame(about, columns=["项目", "内容"]), **sheets}


def _one_year(result: CountyResult):
    """The county-year as an :class:`~junyun_lib.evaluation.evaluate.Evaluation`-like object for the sheets."""
    from types import SimpleNamespace

    return SimpleNamespace(standard_code=result.standard.code, synthetic=result.synthetic,
                           county_years=lambda: [(result.county, result.year)],
                           counties={result.county: result.config},
                           standards={result.county: result.standard}, warnings=list(result.warnings),
                           stages=result.stages, indicators=result.indicators, parts=result.parts,
                           excluded=result.excluded, guarantee=result.guarantee, gaps=result.gaps)


def index_summary(b: Briefing) -> dict:
    """What the batch index shows for this county-year: 评估结论, 推进计划 (:func:`status_text`), its row of the
    cross-county table (:func:`junyun_lib.report.overview.summary_table`), the indicators' Chinese names, the
    CV limit of each stage and the CVs beyond it, and where the standard sets one (basic-2012) the composite's
    limit per stage (``composite_limits``) and the stages whose composite is beyond it (``composite_over``)."""
    overall = overall_verdict(b)          # no form (basic-2012): the stages' verdicts decide
    plan = (status_text(b.plan, b.result.year) if b.plan is not None else None) or "—"
    row = summary_table(b.result).to_dict("records")[0]
    names = {i.code: i.name_zh for i in b.result.standard.indicators}
    ind = b.result.indicators
    limits = {}
    for stage in STAGES:
        part = ind[ind["stage"] == stage]
        if len(part) and not part["cv_limit"].isna().all():
            op = OP_SYMBOL.get(part["cv_comparison"].iloc[0], part["cv_comparison"].iloc[0])
            limits[STAGE_ZH[stage]] = f"{op} {float(part['cv_limit'].iloc[0]):.2f}"
    over = [f"{STAGE_ZH[s]}·{c}" for s, c, ok in zip(ind["stage"], ind["indicator"], ind["cv_pass"])
            if ok is not None and not pd.isna(ok) and not bool(ok)]
    # the composite's own limit (basic-2012 judges a stage on it), for the county's multi-year page
    composite_limits, composite_over = {}, []
    lim = b.result.standard.composite_limit
    if lim and "composite_limit" in b.result.stages:
        op = OP_SYMBOL.get(lim["comparison"], lim["comparison"])
        for s in b.result.stages.itertuples(index=False):
            if s.schools_in_scope > 0 and not pd.isna(s.composite_limit):
                composite_limits[STAGE_ZH[s.stage]] = f"{op} {float(s.composite_limit):.2f}"
                if not pd.isna(s.composite_pass) and not bool(s.composite_pass):
                    composite_over.append(STAGE_ZH[s.stage])
    return {"county": b.result.county, "year": b.result.year, "overall": overall, "plan": plan, "row": row,
            "indicator_names": names, "synthetic": bool(b.synthetic), "limits": limits, "over": over,
            "composite_limits": composite_limits, "composite_over": composite_over,
            "standard": b.result.standard.code, "balance": _balance(b.result),
            **history_facts(b.result)}      # the reasons and CVs the county's multi-year page shows


INDEX_MIME = "application/vnd.junyun.index+json"


def index_output(b: Briefing):
    """The index row of this briefing as a notebook output the page does not show (a private MIME type):
    the batch reads it from the executed notebook to build the index without evaluating again.

    The briefing itself is kept in this process as the one the notebook hands back (交回的简报): the batch then
    asks the kernel for it (:func:`hand_back`) and builds the Word copy and the workbook from the very results
    the page shows, without evaluating the county-year again.  Run by hand, nothing more happens."""
    from IPython.display import display

    display({INDEX_MIME: index_summary(b)}, raw=True)
    _HANDED["briefing"] = b


# the briefing whose index row this process showed last (:func:`index_output`); one at a time, so a kernel
# holds no more than the county it briefs, and the batch's reset forgets it before the next county
_HANDED: dict = {}


def hand_back(path) -> bool:
    """Write the briefing the notebook handed back (:func:`index_output`) to ``path`` as a pickle and forget
    it; False when there is none (a notebook that shows no index row, or one that failed before it).

    Parameters
    ----------
    path : str or os.PathLike
        A file the batch worker made for it, private to the worker (交回简报的临时文件); the worker reads it
        back at once and removes it.  Pickle: the worker and its kernel run the same junyun from the same
        environment, and the file never leaves the machine.
    """
    import pickle

    b = _HANDED.pop("briefing", None)
    if b is None:
        return False
    with open(path, "wb") as f:
        pickle.dump(b, f, protocol=pickle.HIGHEST_PROTOCOL)
    return True


def forget_handed_back() -> None:
    """Forget the briefing :func:`index_output` kept (the batch's kernel reset: counties never leak)."""
    _HANDED.clear()


def show(*items) -> None:
    """Display several items of one section in one cell (fewer cells: less per-cell work in a batch)."""
    from IPython.display import display

    for item in items:
        if item is not None:
            display(item)


def markdown(text: str | None):
    """A Markdown display object for text built by this module (every data string in it already went
    through :func:`md_text`); never pass it raw data.  None or empty text shows nothing."""
    from IPython.display import Markdown

    return Markdown(text) if text else None


# a cell that is a number, maybe with a sign, a comparison, a unit or a fraction: right-aligned, never wrapped
_NUMERIC = re.compile(r"^(?:[≥≤<>]\s*)?[-+]?\d[\d,]*(?:\.\d+)?(?:/\d+)?\s*(?:%|人|所|间|项|元|万元|平方米|m²)?$|^—$")
SHORT = 8          # a text column whose cells are all at most this long is kept on one line


def column_kinds(frame: pd.DataFrame) -> dict[str, str]:
    """Each column's kind for layout: ``num`` (numbers: right-aligned, one line), ``short`` (short text: left,
    one line) or ``text`` (left, wraps, with a minimum width)."""
    kinds = {}
    for col in frame.columns:
        values = [v for v in frame[col].tolist() if not (v is None or (isinstance(v, float) and np.isnan(v)))]
        texts = [cell_text(v) for v in values]
        if values and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) or _NUMERIC.match(t)
                          for v, t in zip(values, texts)) and any(t != "—" for t in texts):
            kinds[col] = "num"
        elif max((len(t) for t in texts), default=0) <= SHORT:
            kinds[col] = "short"
        else:
            kinds[col] = "text"
    return kinds


def cell_text(value) -> str:
    """A cell as shown: integers with thousands separators, other numbers as given, "—" for nothing."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "是" if value else "否"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"
    return str(value)


def table_html(frame: pd.DataFrame) -> str:
    """The table as HTML: every cell escaped once, each column classed by :func:`column_kinds` (``num``: right,
    ``short``: one line, ``text``: wraps), the note of rows left out (``frame.attrs["more"]``) under it."""
    kinds = column_kinds(frame)
    head = "".join(f'<th class="{kinds[c]}">{_e(c)}</th>' for c in frame.columns)
    body = "".join("<tr>" + "".join(f'<td class="{kinds[c]}">{_e(cell_text(v))}</td>' for c, v in zip(frame.columns, row))
                   + "</tr>" for row in frame.itertuples(index=False, name=None))
    more = frame.attrs.get("more")
    note = f'<p class="junyun-more">{_e(more)}</p>' if more else ""
    return f'<table class="junyun-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}'


def table(frame: pd.DataFrame | None, empty: str = "无"):
    """A table for the page: Chinese headers, no index, every cell HTML-escaped, numbers right-aligned and text
    left-aligned (:func:`table_html`); ``empty`` when there are no rows; None (nothing shown) for None — a section
    the standard does not have, which its text already says."""
    from IPython.display import HTML

    if frame is None:
        return None
    if frame.empty:
        return HTML(f"<p>{_e(empty)}</p>")
    return HTML(table_html(frame))
