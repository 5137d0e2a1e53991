"""The roadmap and the one-year least-cost plan as text, JSON and workbook sheets (达标路线图与最低成本方案输出).

* :func:`roadmap_json` / :func:`cheapest_json` — machine-readable documents (valid JSON through
  :func:`junyun_lib.report.jsonvalues.dumps`), Chinese labels next to the English keys;
* :func:`roadmap_sheets` — the workbook: 汇总 (summary), one sheet per year (that year's actions and the
  county's state after them, re-evaluated), 各校措施 (every action by school and year, with its reason),
  最早达标方案 (when the target year cannot be reached within the budget), 差异系数 (every year), 计划目标, 项目,
  在校生预测, 说明.  Write it with
  :meth:`junyun_lib.workspace.Workspace.write_workbook` (formulas in names are stored as text);
* :func:`cheapest_text` — the one-year plan for the command line.
* :func:`summary_zh` — a roadmap in plain Chinese text (the command line, the JSON's ``summary_zh``), with
  :func:`costs_zh` and :func:`actions_zh`.

Documents are cited by title and number; the synthetic-data label goes wherever the data are synthetic.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..planning.roadmap import REASON_ZH as ROADMAP_REASON_ZH
from ..rules.schema import STAGE_ZH
from ..synthetic import SYNTHETIC_LABEL
from ..version import __version__
from .jsonvalues import json_number
from .labels import format_cv

ACTION_ZH = {"purchase": "新增补充", "move": "教师交流", "project": "已列项目"}
#: reasons of the one-year plan's additions, and of a roadmap's actions (达标必需 / 年度目标 / 项目已列,
#: :data:`junyun_lib.planning.roadmap.REASON_ZH`)
REASON_ZH = {"school_rule": "校级规则", "cv": "差异系数", "naive": "补足到标准", "exchange": "交流轮岗（零成本）",
             **ROADMAP_REASON_ZH}
STATUS_ZH = {"optimal": "已证明最优", "gap": "在时限内求得（有最优性差距）", "heuristic": "启发式方案（无最优性界）",
             "infeasible": "不可行"}


def _stage(stage) -> str:
    return STAGE_ZH.get(stage, "全校") if stage else "全校"


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for row in frame.to_dict("records"):
        clean = {}
        for k, v in row.items():
            if isinstance(v, (np.integer,)):
                v = int(v)
            elif isinstance(v, (np.floating, float)):
                v = json_number(v)
            elif isinstance(v, np.bool_):
                v = bool(v)
            elif v is pd.NA:
                v = None
            clean[k] = v
        out.append(clean)
    return out


# ------------------------------------------------------------------------------------ roadmap as text
def summary_zh(rm, top: int = 5) -> str:
    """A roadmap (:class:`~junyun_lib.planning.roadmap.Roadmap`) in plain Chinese text (路线图文字说明, the command
    line and the JSON's ``summary_zh``): the first passing year, both costs with their certificates, the targets
    missed, spend per year with the ``top`` largest actions of each year, and where the full list is."""
    span = f"{rm.years[0]}—{rm.years[-1]}年" if len(rm.years) > 1 else f"{rm.years[0]}年"
    lines = [f"{rm.county} 达标路线图（{rm.start_year}年数据 → {rm.target_year}年达标，安排 {span}）"]
    if rm.feasible:
        lines.append(f"按此路线图，{rm.target_year}年各项差异系数均在限值内、所有学校达到校级规则（已按正式口径逐年重新评估核验）。"
                     + (f"全县自 {rm.first_pass_year} 年起达标。" if rm.first_pass_year else ""))
    else:
        lines.append(f"在给定预算内无法于{rm.target_year}年达标：{rm.infeasible_reason}")
        if rm.earliest is not None:
            e = rm.earliest
            lines.append(f"按此预算最早可于 {e.year} 年达标：该方案新增投入 {e.total_cost:,.1f} 万元，"
                         + ("已按正式口径逐年重新评估核验" if e.verified else "重新评估核验未通过")
                         + "（逐年措施见工作簿“最早达标方案”表和 JSON 文件）。")
            lines.append(f"{e.year}年达标方案逐年安排（每年按经费列出最大的 {top} 项措施）：")
            lines += actions_zh(e.schedule, e.years_table, top)
        elif rm.earliest_year:
            lines.append(f"按此预算最早可于 {rm.earliest_year} 年达标。")
        if rm.budget_needed is not None:
            lines.append(f"要在{rm.target_year}年达标，每年预算至少约 {rm.budget_needed:,.1f} 万元。")
    lines += costs_zh(rm)
    moves = int(rm.schedule.loc[rm.schedule["action"] == "move", "amount"].sum()) if len(rm.schedule) else 0
    lines.append(("目标年度没有可行方案，本路线图未安排新增投入" if not rm.verified and not len(rm.schedule) else
                  f"本路线图新增投入合计 {rm.total_cost:,.1f} 万元；教师交流 {moves} 人次（不计成本）") + "；"
                 f"对比：现在逐校补足到标准约 {rm.naive_cost:,.1f} 万元" + (
                     f"（按{rm.target_year}年预测在校生约 {rm.naive_target_cost:,.1f} 万元）"
                     if rm.target_year > rm.start_year else "") + "，" + (
                     f"县里已列项目预算 {rm.project_budget:,.1f} 万元（其中本期内完成 "
                     f"{rm.project_budget_horizon:,.1f} 万元，另计）。" if len(rm.projects)
                     else "本县区未提供已列项目清单。"))
    if rm.verified or len(rm.schedule):
        lines.append("逐年安排（每年按经费列出最大的 %d 项措施）：" % top)
        lines += actions_zh(rm.schedule, rm.years_table, top)
        lines.append("完整的逐校、逐年措施清单（数量、经费、依据）见路线图工作簿的“各校措施”表和 JSON 文件。")
    return "\n".join(lines)


def costs_zh(rm) -> list[str]:
    """The two costs with their certificates, and the targets missed (Chinese lines)."""
    lines = []
    p, w = rm.pass_certificate, rm.targets_certificate
    if p is not None and p.primal_bound is not None:
        label = "按期达标的最低成本" if p.dual_bound is not None else "按期达标的成本（启发式，未证明为最低）"
        lines.append(f"一、{label}（只计硬性要求：{rm.target_year}年各项差异系数在限值内、每所学校达到校级规则）："
                     f"{p.primal_bound:,.1f} 万元。{p.text_zh()}")
    elif p is not None:
        bound = f"不计预算时按期达标至少需 {p.dual_bound:,.1f} 万元（求解器下界）。" if p.dual_bound is not None else ""
        lines.append(f"一、在给定预算内没有按期达标的方案。{bound}")
        return lines
    if not rm.has_targets:
        lines.append("二、推进计划未给出路线图可测算的年度资源配置目标，路线图即按期达标的最低成本方案。")
    elif w is not None and w.primal_bound is not None:
        add = max(rm.targets_add or 0.0, 0.0)
        extra = f"比只求按期达标多 {add:,.1f} 万元，多出部分只为年度目标" if add >= 0.05 else "与只求按期达标的成本相同"
        lines.append(f"二、同时尽量达到推进计划的年度目标：{w.primal_bound:,.1f} 万元（不含未达目标的罚分），{extra}。"
                     + ("在达到同样年度目标的方案中，" if w.dual_bound is not None else "") + w.text_zh())
    missed = rm.missed_targets()
    if missed:
        lines.append(f"本路线图未达到的年度目标 {len(missed)} 项：" + "；".join(
            f"{m['year']}年 {m['item_zh']}（目标 {target_text(m)}，预计 {actual_text(m)}）" for m in missed) + "。")
    elif rm.has_targets and rm.verified:
        lines.append("推进计划的年度目标全部达到（按正式口径重新评估）。")
    return lines


def actions_zh(schedule: pd.DataFrame, years_table: pd.DataFrame, top: int = 5) -> list[str]:
    """A schedule year by year (Chinese lines): spend, whether the county passes, the ``top`` largest purchases by
    cost with their reason, and the largest teacher moves."""
    lines = []
    s = schedule
    for row in years_table.itertuples(index=False):
        y = int(row.year)
        lines.append(f"  {y}年：新增投入 {row.spend_wan:,.1f} 万元，" + ("全县达标" if row.passes else "全县尚未达标"))
        buys = s[(s["year"] == y) & (s["action"] == "purchase")].sort_values("cost_wan", ascending=False,
                                                                            kind="stable")
        for r in buys.head(top).itertuples(index=False):
            lines.append(f"    · {r.school_name} {_stage(r.stage)} {r.name_zh} +{_amount(r.amount)} {r.unit_zh}，"
                         f"{r.cost_wan:,.1f} 万元（{r.reason_zh}）")
        if len(buys) > top:
            lines.append(f"    · 另有 {len(buys) - top} 项，合计 {buys['cost_wan'].iloc[top:].sum():,.1f} 万元")
        moved = s[(s["year"] == y) & (s["action"] == "move")]
        if len(moved):
            shown = moved.sort_values("amount", ascending=False, kind="stable").head(top)
            rest = int(moved["amount"].sum() - shown["amount"].sum())
            lines.append(f"    · 教师交流 {int(moved['amount'].sum())} 人次：" + "；".join(
                f"{r.from_school_name or r.from_school_id} → {r.school_name} "
                f"{r.name_zh} {int(r.amount)} 人（{r.reason_zh}）" for r in shown.itertuples(index=False))
                + (f"；另有 {rest} 人次" if rest else ""))
    return lines


DIRECTION_ZH = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


def target_text(missed: dict) -> str:
    """A missed target as people read it: "≥ 100%" for a share of schools, "≤ 0.450" for a coefficient."""
    share = missed.get("kind") != "max_cv"
    value = f"{missed['target']:g}%" if share else f"{missed['target']:.3f}"
    return f"{DIRECTION_ZH.get(missed['direction'], missed['direction'])} {value}"


def actual_text(missed: dict) -> str:
    if missed["actual"] is None:
        return "无数据"
    return f"{missed['actual']:.1f}%" if missed.get("kind") != "max_cv" else f"{missed['actual']:.3f}"


def _amount(value) -> str:
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"


# ------------------------------------------------------------------------------------------ cheapest
def cheapest_json(plan) -> dict:
    """The one-year plan (``junyun cheapest --json``)."""
    cert = plan.certificate.to_dict() if plan.certificate is not None else None
    doc = {
        "county": plan.county, "year": plan.year, "total_cost_wan": json_number(plan.total_cost),
        "naive_cost_wan": json_number(plan.naive_cost), "heuristic_cost_wan": json_number(plan.heuristic_cost),
        "verified": bool(plan.verified), "failing_parts_before": plan.failing_parts_before,
        "failing_parts_after": plan.failing_parts_after, "certificate": cert, "method_zh": plan.method,
        "additions": _records(plan.additions), "cvs": _records(plan.cvs),
        "generated_by": f"junyun {__version__}",
    }
    if plan.after is not None and getattr(plan.after, "synthetic", False):
        doc["synthetic"] = SYNTHETIC_LABEL
    return doc


def cheapest_text(plan) -> str:
    """The one-year plan in a few lines of Chinese (the command line)."""
    lines = [f"{plan.county} {plan.year}年 最低成本达标方案"]
    if plan.after is not None and getattr(plan.after, "synthetic", False):
        lines.append(f"（{SYNTHETIC_LABEL}）")
    if plan.additions.empty:
        lines.append("各学校均达到校级规则、各项差异系数均在限值内，无需补充。")
    else:
        lines.append(f"补充 {len(plan.additions)} 项、涉及 {plan.additions['school_id'].nunique()} 所学校，合计 "
                     f"{plan.total_cost:,.1f} 万元（逐校补足到标准约 {plan.naive_cost:,.1f} 万元"
                     + (f"，启发式方案 {plan.heuristic_cost:,.1f} 万元" if plan.heuristic_cost is not None else "") + "）。")
        by = plan.additions.groupby(["name_zh", "unit_zh"], sort=False).agg(amount=("amount", "sum"),
                                                                           schools=("school_id", "nunique"),
                                                                           cost=("cost_wan", "sum")).reset_index()
        for r in by.itertuples(index=False):
            amount = f"{r.amount:,.0f}" if float(r.amount).is_integer() else f"{r.amount:,.1f}"
            lines.append(f"  · {r.name_zh}：{amount} {r.unit_zh}，{r.schools} 所学校，{r.cost:,.1f} 万元")
    lines.append("按正式口径重新评估：" + ("全部达标（已核验）" if plan.verified else "仍有未达标项"))
    if plan.certificate is not None:
        lines.append(plan.certificate.text_zh())
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- roadmap
def _cost_doc(cert) -> dict | None:
    """A cost with its certificate (``pass_cost`` / ``with_targets``): cost, lower bound, gap against the bound,
    proven least, status, sentence.  Numbers through :func:`json_number` (no NaN or infinity)."""
    if cert is None:
        return None
    doc = cert.cost_dict()
    for key in ("cost_wan", "lower_bound_wan", "gap"):
        doc[key] = json_number(doc[key])
    return doc


def roadmap_json(rm) -> dict:
    """The roadmap as a JSON document (``junyun roadmap --json``; the briefings read it).

    Besides the schedule and tables: ``pass_cost`` (the least cost to pass by the target year, hard requirements
    only) and ``with_targets`` (the schedule, which also meets the plan's interim targets where possible; cost
    without the penalty term), each ``{cost_wan, lower_bound_wan, gap, proven_least, status, text_zh}`` with
    ``gap`` = (plan − bound) / bound; ``targets_add_wan``; ``missed_targets``; ``first_pass_year``; ``feasible``,
    ``verified``; ``earliest`` ``{year, total_cost_wan, verified, first_pass_year, schedule, years_table,
    pass_cost, with_targets}`` or null; ``budget_needed_wan``.  Schedule rows carry ``reason`` and
    ``reason_zh``; years-table rows ``passes``."""
    cvs = rm.cvs[rm.cvs["basis"] == "roadmap"].copy()
    cvs["cv"] = cvs["cv"].astype(float)
    worst = (cvs.assign(ratio=cvs["cv"] / cvs["cv_limit"]).sort_values("ratio", ascending=False)
             .groupby("year", sort=True).head(1))
    earliest = None
    if rm.earliest is not None:
        e = rm.earliest
        earliest = {"year": int(e.year), "years": [int(y) for y in e.years], "total_cost_wan": json_number(e.total_cost),
                    "verified": bool(e.verified), "first_pass_year": e.first_pass_year,
                    "pass_cost": _cost_doc(e.pass_certificate), "with_targets": _cost_doc(e.targets_certificate),
                    "schedule": _records(e.schedule), "years_table": _records(e.years_table)}
    doc = {
        "county": rm.county, "start_year": rm.start_year, "target_year": rm.target_year, "years": list(rm.years),
        "feasible": bool(rm.feasible), "verified": bool(rm.verified), "first_pass_year": rm.first_pass_year,
        "total_cost_wan": json_number(rm.total_cost),
        "pass_cost": _cost_doc(rm.pass_certificate), "with_targets": _cost_doc(rm.targets_certificate),
        "targets_add_wan": json_number(rm.targets_add), "has_targets": bool(rm.has_targets),
        "missed_targets": [{k: json_number(v) if isinstance(v, float) else v for k, v in m.items()}
                           for m in rm.missed_targets()],
        "naive_cost_wan": json_number(rm.naive_cost), "naive_target_cost_wan": json_number(rm.naive_target_cost),
        "project_budget_wan": json_number(rm.project_budget),
        "project_budget_horizon_wan": json_number(rm.project_budget_horizon),
        "budgets_wan": {str(k): json_number(v) for k, v in rm.budgets.items()},
        "earliest_year": rm.earliest_year, "earliest": earliest, "budget_needed_wan": json_number(rm.budget_needed),
        "infeasible_reason_zh": rm.infeasible_reason, "certificate": rm.certificate.to_dict(),
        "summary_zh": summary_zh(rm), "method_zh": rm.method, "notes_zh": list(rm.notes),
        "years_table": _records(rm.years_table), "schedule": _records(rm.schedule), "cvs": _records(rm.cvs),
        "worst_cv_by_year": _records(worst[["year", "stage", "indicator", "name_zh", "cv", "cv_limit", "cv_pass"]]),
        "targets": _records(rm.targets), "projects": _records(rm.projects),
        "move_problems": [p.message_zh for p in rm.move_problems],
        "generated_by": f"junyun {__version__}",
    }
    if rm.synthetic:
        doc["synthetic"] = SYNTHETIC_LABEL
    return doc


def summary_markdown(rm) -> str:
    """The roadmap's summary as Markdown (every data string escaped once, by :func:`md_text`)."""
    from .plan_report import md_text

    lines = summary_zh(rm).split("\n")
    out = [f"**{md_text(lines[0])}**", *[md_text(x) for x in lines[1:]]]
    if rm.synthetic:
        out.append(f"> **{md_text(SYNTHETIC_LABEL)}**")
    return "\n\n".join(out)


def notes_markdown(rm) -> str:
    """The method, the optimality bound and the roadmap's assumptions (Markdown list)."""
    from .plan_report import md_text

    items = [rm.method, rm.certificate.text_zh(), *rm.notes]
    if rm.move_problems:
        items.append("交流安排未通过规则检查：" + "；".join(p.message_zh for p in rm.move_problems))
    return "\n".join(f"- {md_text(x)}" for x in items)


SCHEDULE_ZH_COLUMNS = ["年度", "措施", "学校标识码", "学校名称", "学段", "指标", "数量", "单位", "经费（万元）",
                       "调出学校标识码", "调出学校", "依据"]


def schedule_zh(schedule: pd.DataFrame) -> pd.DataFrame:
    """The schedule with Chinese headers (one row per action; 依据 达标必需 / 年度目标 / 项目已列)."""
    if schedule is None or not len(schedule):
        return pd.DataFrame(columns=SCHEDULE_ZH_COLUMNS)
    s = schedule
    amount = [f"{a:,.0f}" if float(a).is_integer() else f"{a:,.2f}" for a in s["amount"].astype(float)]
    origin = s["from_school_name"].fillna("") if "from_school_name" in s else pd.Series([""] * len(s), index=s.index)
    return pd.DataFrame({
        "年度": s["year"].astype(int), "措施": s["action"].map(ACTION_ZH), "学校标识码": s["school_id"],
        "学校名称": s["school_name"], "学段": s["stage"].map(_stage), "指标": s["name_zh"], "数量": amount,
        "单位": s["unit_zh"], "经费（万元）": s["cost_wan"].astype(float).round(2),
        "调出学校标识码": s["from_school_id"].fillna(""), "调出学校": origin,
        "依据": s["reason"].map(lambda r: REASON_ZH.get(r, r)),
    })[SCHEDULE_ZH_COLUMNS]


def actions_by_school_zh(schedule: pd.DataFrame) -> pd.DataFrame:
    """各校措施: every purchase, teacher move and project of the schedule, by school and year, with its reason
    (a move is listed at the receiving school, its sending school beside it)."""
    table = schedule_zh(schedule)
    if not len(table):
        return table
    return table.sort_values(["学校标识码", "年度", "措施", "指标"], kind="stable").reset_index(drop=True)


def years_zh(table: pd.DataFrame) -> pd.DataFrame:
    """The per-year table with Chinese headers."""
    t = table
    return pd.DataFrame({
        "年度": t["year"].astype(int), "新增投入（万元）": t["spend_wan"].round(1),
        "预算（万元）": t["budget_wan"].map(lambda v: "—" if pd.isna(v) else f"{v:,.1f}"),
        "累计投入（万元）": t["cumulative_wan"].round(1), "交流教师（人次）": t["teachers_moved"],
        "超限的差异系数（个）": t["cvs_beyond_limit"], "未达校级规则的学段（个）": t["parts_failing_rule"],
        "在校生（预测）": t["students"], "是否达标": t["passes"].map({True: "达标", False: "未达标"}),
        "当年完成的已列项目预算（万元）": t["project_budget_wan"].round(1),
    })


def cvs_zh(cvs: pd.DataFrame) -> pd.DataFrame:
    """Every year's CVs (re-evaluated) against their limits, one row per stage and indicator, years as columns."""
    if not len(cvs):
        return pd.DataFrame()
    c = cvs.copy()
    c["year"] = [f"{y}（现状）" if basis == "data" else str(y) for y, basis in zip(c["year"], c["basis"])]
    c["学段"] = c["stage"].map(STAGE_ZH)
    c["shown"] = [format_cv(v, lim) for v, lim in zip(c["cv"], c["cv_limit"])]
    wide = c.pivot_table(index=["学段", "name_zh", "cv_limit"], columns="year", values="shown", aggfunc="first",
                         sort=False).reset_index()
    wide.columns = ["学段", "指标", "限值", *[f"{y}年" if str(y).isdigit() else str(y).replace("（", "年（")
                                         for y in wide.columns[3:]]]
    return wide


def targets_zh(targets: pd.DataFrame) -> pd.DataFrame:
    if not len(targets):
        return pd.DataFrame(columns=["年度", "序号", "项目", "学段", "目标", "预计实际", "是否达到"])
    t = targets
    return pd.DataFrame({
        "年度": t["year"], "序号": t["item_no"], "项目": t["item"], "学段": t["stage"].map(lambda s: STAGE_ZH.get(s, "全部")),
        "目标": [f"{d} {v:g}" for d, v in zip(t["direction"], t["target"])],
        "预计实际": t["actual"].map(lambda v: "—" if v is None or pd.isna(v) else f"{v:.3f}" if v < 2 else f"{v:.1f}"),
        "是否达到": t["met"].map({True: "达到", False: "未达到"}).fillna("无数据"),
    })


def projects_zh(projects: pd.DataFrame) -> pd.DataFrame:
    if not len(projects):
        return pd.DataFrame(columns=["序号", "项目", "学校", "效果", "数量", "完成年份", "预算（万元）", "在路线图中"])
    p = projects
    return pd.DataFrame({
        "序号": p["project_no"], "项目": p["project"], "学校": p["school_name"].fillna(""), "效果": p["effect"],
        "数量": p["amount"], "完成年份": p["completion_year"], "预算（万元）": p["budget_wan"], "在路线图中": p["status"],
    })


def _cost_rows(rm) -> list[tuple]:
    """The 说明 sheet's rows of the two costs, their certificates and the targets missed."""
    p, w = rm.pass_certificate, rm.targets_certificate
    rows = [("按期达标的最低成本（万元，只计硬性要求）", "—" if p is None or p.primal_bound is None else round(p.primal_bound, 2)),
            ("按期达标最低成本的最优性", p.text_zh() if p is not None else "—")]
    if rm.has_targets and w is not None:
        rows += [("兼顾年度目标的成本（万元，不含罚分）", "—" if w.primal_bound is None else round(w.primal_bound, 2)),
                 ("兼顾年度目标成本的最优性", w.text_zh()),
                 ("年度目标增加的成本（万元）", "—" if rm.targets_add is None else round(rm.targets_add, 2))]
    missed = rm.missed_targets()
    rows.append(("未达到的年度目标", "；".join(f"{m['year']}年 {m['item_zh']}（目标 {target_text(m)}，预计 {actual_text(m)}）"
                                             for m in missed) if missed else "无"))
    return rows


def roadmap_sheets(rm) -> dict[str, pd.DataFrame]:
    """The workbook: 汇总, one sheet per year, 差异系数, 计划目标, 项目, 在校生预测, 说明."""
    sheets = {"汇总": years_zh(rm.years_table)}
    schedule = schedule_zh(rm.schedule)
    for y in rm.years:
        rows = schedule[schedule["年度"] == y]
        r = rm.results[y]
        state = pd.DataFrame({
            "年度": [y], "措施": ["（当年措施后的状态，按正式口径重新评估）"],
            "学校名称": [f"超限的差异系数 {int((~r.indicators['cv_pass'].fillna(False).astype(bool)).sum())} 个；"
                     f"未达校级规则的学段 {int((~r.parts['passes_school_rule'].fillna(False).astype(bool)).sum())} 个"]})
        sheets[f"{y}年"] = pd.concat([rows, state], ignore_index=True)[schedule.columns] if len(rows) else \
            state.reindex(columns=schedule.columns)
    sheets["各校措施"] = actions_by_school_zh(rm.schedule)
    if rm.earliest is not None:
        sheets["最早达标方案"] = actions_by_school_zh(rm.earliest.schedule)
    sheets["差异系数"] = cvs_zh(rm.cvs)
    sheets["计划目标"] = targets_zh(rm.targets)
    sheets["项目"] = projects_zh(rm.projects)
    if len(rm.enrolment):
        e = rm.enrolment
        sheets["在校生预测"] = pd.DataFrame({"学校标识码": e["school_id"], "年度": e["year"], "学段": e["stage"].map(
            lambda s: STAGE_ZH.get(s, "高中")), "在校生": e["students"], "下限": e["low"], "上限": e["high"],
            "方法": e["method"]})
    about = [("县区", rm.county), ("数据年度", rm.start_year), ("目标年度", rm.target_year),
             ("结论", "目标年度达标（已核验）" if rm.feasible else f"无法按期达标：{rm.infeasible_reason}"),
             ("全县首个达标年度", rm.first_pass_year if rm.first_pass_year is not None else "—"),
             ("新增投入合计（万元）", round(rm.total_cost, 2)),
             *_cost_rows(rm),
             ("现在逐校补足到标准（万元）", round(rm.naive_cost, 2)),
             (f"按{rm.target_year}年预测在校生逐校补足到标准（万元）", round(rm.naive_target_cost, 2)),
             ("县里已列项目预算（万元）", round(rm.project_budget, 2)), ("最优性", rm.certificate.text_zh()),
             ("方法", rm.method)]
    if rm.earliest_year:
        about.append(("按此预算最早达标年度", rm.earliest_year))
    if rm.earliest is not None:
        about.append(("最早达标方案新增投入（万元）", round(rm.earliest.total_cost, 2)))
        about.append(("最早达标方案核验", "已按正式口径逐年重新评估核验" if rm.earliest.verified else "重新评估核验未通过"))
    if rm.budget_needed is not None:
        about.append(("按期达标所需年度预算（万元）", rm.budget_needed))
    about += [("说明", n) for n in rm.notes]
    about.append(("生成工具", f"junyun {__version__}"))
    if rm.synthetic:
        about.insert(0, ("数据性质", SYNTHETIC_LABEL))
    sheets["说明"] = pd.DataFrame(about, columns=["项目", "内容"])
    return sheets
