"""Content of a county briefing for leaders (县域评估简报): headline, tables and footer, Chinese-first.

Notebooks call these functions; each returns something a notebook cell can display (Markdown text or a
DataFrame with Chinese headers).  Each string is escaped exactly once, for where it goes:

* into Markdown, every string from the data (county, school and file names, rule sources, county rules,
  veto names) goes through :func:`md_text` (file names: :func:`md_code`), so ``<script>…</script>``,
  ``[点我](javascript:…)``, ``![x](http://…)``, a bare ``http://…`` or ``$…$`` all show as plain text;
* DataFrames hold the raw strings and are escaped once, by :func:`table` (``to_html(escape=True)``), by pandas
  in a notebook, or not at all in a workbook (where :func:`junyun_lib.io.workbook.protect_formulas` keeps a
  name from being a formula).

Everything that depends on the standard is said here, from the standard's data, not in the notebook's
Markdown: under basic balance (basic-2012: 8 indicators, judged by the composite CV alone) there is no
evaluation form, no per-school rule, no school-level guarantee check and no cheapest path, and each section
says so in a sentence instead of showing an empty table.  A function that has nothing to show returns None,
which :func:`show` and :func:`table` skip.  Verdicts read from tables go through
:func:`junyun_lib.evaluation.verdicts.verdict` (``pd.NA`` never reaches an ``if``).
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
from ..evaluation.verdicts import stages_verdict, verdict
from ..planning.cheapest import PathPlan
from ..planning.progress import PlanProgress
from ..rules import OP_ZH, compare
from ..rules.schema import STAGE_ZH, STAGES
from ..rules.scorecard_form import form, not_applicable
from ..synthetic import SYNTHETIC_LABEL
from ..version import __version__
from .charts import cv_trend_chart, image, meets_heatmap
from .labels import format_cv
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
    return title + label + "\n\n" + "\n\n".join(parts)


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
    return (f"限值：小学{op} {lim['primary']:.2f}，初中{op} {lim['junior']:.2f}（{md_text(lim.get('source', ''))}）。"
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
    std = b.result.standard
    if not std.has_school_standards:
        return [markdown(f"{_balance(b.result)}评估不设学校层面的标准值，不逐校判定各项指标是否达标，本节不适用。")]
    intro = ("每行一所至少有一项指标未达标的学校、每列一项指标，颜色表示达标、未达标但不低于下限、低于下限（见图例）。"
             "按达标项数从少到多排列；各项指标均达标的学校不列出。")
    return [markdown(intro)] + [image(meets_heatmap(b.result, stage)) for stage in STAGES]


def school_rule_text(b: Briefing) -> str:
    """The per-school rule in words, from the standard (校级规则说明)."""
    std = b.result.standard
    rule = std.school_rule
    if not rule or not std.has_school_standards:
        return (f"{_balance(b.result)}评估不设学校层面的标准值和校级达标规则，因此不逐校判定达标、不列未达标学校和"
                "补足到标准的缺口。")
    others = len(b.result.standard.codes) - int(rule["min_meeting"])
    return (f"校级规则：至少 {rule['min_meeting']} 项指标达到标准，其余 {others} 项不低于标准的 "
            f"{rule['floor_ratio']:.0%}（{md_text(rule.get('source', ''))}）。缺口按达到标准所需补充的教师、面积、设备、教室计算，"
            "经费按可修改的单位成本估算（万元）。")


def _mark(ok) -> str:
    if ok is None or ok is pd.NA or (isinstance(ok, float) and np.isnan(ok)):
        return "—"
    return "✓ 达标" if bool(ok) else "✗ 未达标"


def failing_schools(b: Briefing) -> pd.DataFrame | None:
    """Schools failing the per-school rule, with what they lack in real units and the cost (万元)."""
    r = b.result
    if not (r.standard.school_rule and r.standard.has_school_standards):
        return None                                # the standard has no per-school rule (basic-2012)
    passes = r.parts["passes_school_rule"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    parts = r.parts[~passes]
    rows = []
    for p in parts.to_dict("records"):
        lacks = [f"{_name(r, c)} 缺 {_qty(p[f'shortfall_{c}'], r.standard.indicator(c))}"
                 for c in r.standard.codes if p[f"shortfall_{c}"] > 0]
        rows.append({"学校": p["school_name"], "学段": STAGE_ZH[p["part"]], "在校生": int(p["students"]),
                     "达标项数": f"{int(p['n_meeting'])}/{len(r.standard.codes)}", "缺口": "；".join(lacks),
                     "所需经费（万元）": round(float(p["cost_total"]), 1)})
    out = pd.DataFrame(rows, columns=["学校", "学段", "在校生", "达标项数", "缺口", "所需经费（万元）"])
    return out.sort_values("所需经费（万元）", ascending=False).reset_index(drop=True)


def _qty(value: float, indicator) -> str:
    unit = indicator.shortfall_unit_zh
    return f"{int(round(value))} {unit}" if indicator.shortfall_integer else f"{value:,.1f} {unit}"


def gap_totals(b: Briefing) -> pd.DataFrame | None:
    """缺口合计: per stage and indicator, schools below standard, total shortfall and cost (None when the
    standard sets no school-level values)."""
    if not b.result.standard.has_school_standards:
        return None
    g = b.result.gaps
    g = g[g["schools_below"] > 0]
    return pd.DataFrame({"学段": g["stage"].map(STAGE_ZH), "指标": g["name_zh"], "未达标学校数": g["schools_below"],
                         "缺口": [f"{v:,.1f} {u}" for v, u in zip(g["shortfall"], g["unit_zh"])],
                         "所需经费（万元）": g["cost_wan"].round(1)}).reset_index(drop=True)


def guarantee_text(b: Briefing) -> str:
    """What the school-level guarantee section shows, or why it shows nothing (basic-2012)."""
    std = b.result.standard
    if not std.guarantee:
        return (f"{_balance(b.result)}评估不含校额、班额、音乐美术专用教室等校级保障项目"
                f"（这些项目属于{md_text(form_document())}的政府保障程度），本节不适用。")
    return "校额、班额、音乐美术专用教室中未达标的项目。"


def form_document() -> str:
    """The quality-balance document the evaluation form restates, as people cite it."""
    return "《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）"


def guarantee_failures(b: Briefing) -> pd.DataFrame | None:
    """School-level guarantee checks that fail (校额、班额、音乐美术专用教室); None when the standard has none."""
    if not b.result.standard.guarantee:
        return None
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
        note = not_applicable(b.result.standard)
        if note:
            coverage = b.result.standard.coverage_zh
            return f"{md_text(note)}。" + (f"{md_text(coverage)}。" if coverage else "")
        return "本县区没有配置文件 county.toml，不生成评估表（县级指标表与县区目标按县区配置读取）。"
    overall = {True: "**达到**县域义务教育优质均衡发展评估标准", False: "**未达到**评估标准",
               None: "**尚不能判定**（部分项目无数据，无数据的项目不视为达标）"}[card.overall]
    areas = "；".join(f"{md_text(form()['areas'][a])}{PASS_ZH[v]}" for a, v in card.areas.items())
    vetoes = card.vetoes[card.vetoes["applies"] == True]  # noqa: E712 — None means no data
    veto = f"；**不予认定事项**：{'、'.join(md_text(n) for n in vetoes['name'])}" if len(vetoes) else ""
    pre = card.prerequisite.get("passes")
    pre_text = {True: "申报条件（前三年综合差异系数）满足", False: "申报条件（前三年综合差异系数）**不满足**",
                None: "申报条件（前三年综合差异系数）无法判断（缺少年份数据）"}[pre]
    intro = ("资源配置、政府保障程度、教育质量、社会认可度四个方面均达到、且没有不予认定事项，才能认定为优质均衡。"
             "下表列出未达到和无数据的项目（无数据不视为达标）；完整评估表见评估结果 Excel 的“评估表”工作表。\n\n")
    return f"{intro}**评估结论**：{overall}。{areas}{veto}。{pre_text}。"


def scorecard_table(b: Briefing) -> pd.DataFrame | None:
    """The items not passing (未达到 or 无数据), area by area, with value, standard and evidence; None when
    there is no scorecard (:func:`scorecard_text` says why)."""
    if b.card is None:
        return None
    table = form_table(b.card)
    keep = table["结论"].isin(["未达到", "无数据", "不予认定"]) | (table["序号"] == "")
    table = table[keep].reset_index(drop=True)       # raw text: table() escapes it, once
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
            f"{verdict}。单位成本为示例值（`junyun_lib/rules/unit_costs.csv`，可按本地标准修改）；"
            f"逐校明细与交互调整见 `notebooks/30_gap_explorer.ipynb`。")


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
    std = b.result.standard
    if not std.has_school_standards:
        text += (f"推进计划中按学校达标率、校级规则度量的项目在{_balance(b.result)}评估下没有学校层面的标准值，显示为无数据；"
                 f"按{md_text(form_document())}度量请用 quality-2017 标准。")
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
    if b.card is not None:
        overall = OVERALL_ZH[b.card.overall]
    elif not_applicable(b.result.standard):     # no form (basic-2012): the stages' verdicts decide
        overall = OVERALL_ZH[stages_verdict(b.result.stages)]
    else:
        overall = "—"
    plan = (behind_text(b.plan, b.result.year) if b.plan is not None else None) or "—"
    row = summary_table(b.result).to_dict("records")[0]
    names = {i.code: i.name_zh for i in b.result.standard.indicators}
    return {"county": b.result.county, "year": b.result.year, "overall": overall, "plan": plan, "row": row,
            "indicator_names": names, "synthetic": bool(b.synthetic), "standard": b.result.standard.code,
            "balance": _balance(b.result)}


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


def table(frame: pd.DataFrame | None, empty: str = "无"):
    """A table for the page: Chinese headers, no index, every cell HTML-escaped, no row truncation; None
    (nothing shown) for None — a section the standard does not have, which its text already says."""
    from IPython.display import HTML

    if frame is None:
        return None
    if frame.empty:
        return HTML(f"<p>{_e(empty)}</p>")
    return HTML(frame.to_html(index=False, escape=True, border=0, classes="junyun-table", na_rep="—"))
