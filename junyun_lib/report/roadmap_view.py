"""The roadmap for people (达标路线图的呈现): what a briefing and the roadmap notebook show of a roadmap.

Everything here reads the roadmap's JSON document (:func:`junyun_lib.report.roadmap_report.roadmap_json`: the
file ``junyun run`` writes as the county's official roadmap, or a what-if of ``junyun roadmap``), field by field
with ``.get``, so a file written by an earlier version still shows what it holds:

* :func:`pass_year_text`, :func:`costs_text` — the first year the county passes, the two costs (the least cost to
  pass by the target year; what meeting the plan's interim targets adds) each with what its certificate proves;
* :func:`spend_chart` — the yearly spend (a bar per year, the years the county passes marked);
* :func:`top_actions` — per year the actions that cost most: school, what, how much, cost, reason;
* :func:`years_table`, :func:`missed_targets_table`, :func:`schedule_table`, :func:`cvs_table`,
  :func:`targets_table`, :func:`projects_table`, :func:`notes_markdown` — the notebook's tables.

Formatted for people (面向读者的格式): years without thousands separators ("2025", never "2,025"), limits to their
own decimals (0.45, not 0.5), comparisons as symbols ("≥ 100", never ">= 100"), codes in words (效果未注明, 达标必需),
money in 万元 to one decimal.  Every cell is a string, so a table shows exactly this however it is drawn.  Text
returned as Markdown has every data string through :func:`~junyun_lib.report.plan_report.md_text`; tables hold
raw strings (escaped once where they are drawn).
"""
from __future__ import annotations

import math
import re
from types import SimpleNamespace

import pandas as pd

from ..io.projects import EFFECTS
from ..rules import OP_SYMBOL
from ..rules.schema import STAGE_ZH
from .labels import format_cv, short_name
from .plan_report import md_text

#: actions a year lists in the briefing (the rest are in the roadmap workbook's sheet of that year)
TOP_ACTIONS = 5
#: reasons of a purchase, move or project in words (the JSON's ``reason``; ``reason_zh`` is used when present)
REASON_ZH = {"pass_required": "达标必需", "annual_target": "年度目标", "project": "项目已列",
             # the codes of files written before the reasons were split (target_year: bought for the target year)
             "target_year": "达标必需", "school_rule": "达标必需", "cv": "达标必需", "exchange": "教师交流（不计成本）",
             "naive": "补足到标准"}
ACTION_ZH = {"purchase": "新增", "move": "教师交流", "project": "已列项目"}
STATUS_ZH = {"optimal": "已求得最优解", "gap": "在求解时限内求得", "heuristic": "启发式方案", "infeasible": "无可行方案",
             "time_limit": "在求解时限内求得"}
PASS_COLOR, SPEND_COLOR = "#59A14F", "#4C78A8"


# ------------------------------------------------------------------------------------------- numbers
def finite_number(value) -> float | None:
    """A finite number, or None (missing, null, NaN, text): what a roadmap JSON field holds, read safely."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def wan(value) -> str:
    """An amount in 万元 to one decimal with its unit: ``1,360.9 万元``; "—" when missing."""
    v = finite_number(value)
    return "—" if v is None else f"{v:,.1f} 万元"


def year_text(value) -> str:
    """A year as written in Chinese documents: ``2025`` (never ``2,025``); "—" when missing."""
    v = finite_number(value)
    return "—" if v is None else str(int(round(v)))


def plain(value, decimals: int = 3) -> str:
    """A number with at most ``decimals`` decimals and no trailing zeros: 0.45, 95, 1,234.5; "—" when missing."""
    v = finite_number(value)
    if v is None:
        return "—"
    text = f"{v:,.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{v:,.0f}"
    return "0" if text in ("-0", "") else text


def limit_text(limit, comparison=None) -> str:
    """A CV limit as the standards write it: its comparison as a symbol and two decimals (``≤ 0.45``, ``< 0.50``)."""
    v = finite_number(limit)
    if v is None:
        return "—"
    op = OP_SYMBOL.get(str(comparison), "") if comparison else ""
    return f"{op} {v:.2f}".strip()


def gap_text(gap) -> str:
    """The gap (plan − bound) / bound as a percentage: 20.1%, 0.42%, "不足 0.01%"."""
    g = finite_number(gap)
    if g is None:
        return "—"
    pct = g * 100
    if pct >= 10:
        return f"{pct:.1f}%"
    if pct >= 0.01:
        return f"{pct:.2f}%"
    return "0%" if pct <= 0 else "不足 0.01%"


_MARGIN = re.compile(r"限值×\(1−([0-9.eE+\-⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)\)")


def in_words(text) -> str:
    """A sentence from the solver's certificate or method with its notation in words: ``限值×(1−1e-06)`` →
    "比限值低 0.0001%" (the margin kept below every limit against rounding)."""
    def margin(match) -> str:
        raw = match.group(1).translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")).replace("10-", "1e-")
        m = finite_number(raw)
        return "比限值低 " + (f"{m * 100:.6g}%" if m is not None else "一个很小的余量") + "（为数值误差留出的余量）"
    return _MARGIN.sub(margin, str(text or ""))


# --------------------------------------------------------------------------------------------- text
def first_pass_year(doc: dict) -> int | None:
    """The first year the county passes under the roadmap: ``first_pass_year``, or for an older file the first
    year of its years table from which every year passes."""
    if "first_pass_year" in doc:
        return int(doc["first_pass_year"]) if finite_number(doc["first_pass_year"]) is not None else None
    rows = sorted(doc.get("years_table") or [], key=lambda r: r.get("year", 0))
    first = None
    for r in rows:
        if r.get("passes") is True:
            first = first if first is not None else r.get("year")
        else:
            first = None
    return int(first) if first is not None else None


def pass_year_text(doc: dict) -> str:
    """When the county passes (Markdown): the first passing year, or that it cannot pass by the target year and
    the earliest year it can, with that plan's cost, and the yearly budget the target year would need."""
    target = year_text(doc.get("target_year"))
    first = first_pass_year(doc)
    if doc.get("feasible"):
        if first is None:
            return f"按路线图，{target}年达标。"
        return f"按路线图，**{first}年起达标**（目标年度 {target} 年）。"
    text = f"**在给定预算内无法于{target}年达标**"
    reason = doc.get("infeasible_reason_zh")
    text += f"：{md_text(reason)}" if reason else ""
    earliest = doc.get("earliest") or {}
    year = earliest.get("year", doc.get("earliest_year"))
    if finite_number(year) is not None:
        cost = earliest.get("total_cost_wan")
        text += f"；按此预算最早 **{year_text(year)}年** 达标" + (f"，该方案新增投入约 {wan(cost)}" if
                                                            finite_number(cost) is not None else "")
        if earliest.get("schedule"):
            text += "（下表列出该方案的措施）"
    if finite_number(doc.get("budget_needed_wan")) is not None:
        text += f"；要在{target}年达标，每年预算至少约 {wan(doc['budget_needed_wan'])}"
    return text + "。"


def certificate_text(part: dict | None) -> str:
    """What a cost's certificate proves, in words: proven least, or the proven lower bound and the gap
    (plan − bound) / bound, or that there is no bound."""
    if not part:
        return ""
    if part.get("proven_least"):
        return "已证明为最低成本"
    bound = finite_number(part.get("lower_bound_wan"))
    if bound is not None:
        gap = gap_text(part.get("gap"))
        return f"理论最低成本不低于 {wan(bound)}，本方案至多高出 {gap}，未证明为最低"
    status = STATUS_ZH.get(str(part.get("status") or ""), "")
    return f"{status}，没有下界，无法说明与最低成本的差距" if status else "没有下界，无法说明与最低成本的差距"


def costs_text(doc: dict) -> str:
    """The two costs with their certificates (Markdown): the least cost to pass by the target year (hard
    requirements only) and what meeting the plan's interim targets adds; the targets the plan misses.  A file
    without them (an earlier version) shows its one total and its certificate."""
    target = year_text(doc.get("target_year"))
    passing, full = doc.get("pass_cost"), doc.get("with_targets")
    if not passing:
        total = doc.get("total_cost_wan")
        cert = (doc.get("certificate") or {}).get("text_zh", "")
        return f"按路线图新增投入约 **{wan(total)}**。{md_text(in_words(cert))}".strip()
    parts = []
    if finite_number(passing.get("cost_wan")) is not None:
        parts.append(f"{target}年达标的最低成本（只计达标的硬性要求）**{wan(passing['cost_wan'])}**"
                     f"（{certificate_text(passing)}）")
    else:
        parts.append(f"在给定条件下没有{target}年达标的方案")
    if full and finite_number(full.get("cost_wan")) is not None:
        add = finite_number(doc.get("targets_add_wan"))
        if add is None and finite_number(passing.get("cost_wan")) is not None:
            add = float(full["cost_wan"]) - float(passing["cost_wan"])
        extra = "" if add is None else "，与只求达标的成本相同" if add < 0.05 else f"，比只求达标多 {wan(add)}"
        parts.append(f"同时尽量达到推进计划各年度目标的方案 **{wan(full['cost_wan'])}**{extra}"
                     f"（{certificate_text(full)}）；路线图按此方案安排")
    missed = doc.get("missed_targets") or []
    if missed:
        parts.append(f"仍有 **{len(missed)} 项**年度目标未能达到（下方表格列出各项的目标与预计实际）")
    elif full and doc.get("targets"):
        parts.append("推进计划中路线图可安排的年度目标均能达到")
    return "；".join(parts) + "。"


def _origin_text(doc: dict) -> str:
    name = doc.get("scenario")
    return f"（此为分析人员保存为正式路线图的分析情景「{md_text(name)}」。）" if name else ""


def summary_markdown(doc: dict, data_year: int | None = None, label: bool = False) -> str:
    """The roadmap in a short paragraph (Markdown): span, pass year, the two costs, the comparison with lifting
    every school to the standard now, the projects' budgets; ``data_year`` (a briefing's year) noted when the
    roadmap starts from another year; with ``label``, the synthetic-data label of sample data under it (a
    briefing has it in its headline already)."""
    start, target = year_text(doc.get("start_year")), year_text(doc.get("target_year"))
    county = md_text(doc.get("county") or "")
    text = f"**{county}达标路线图**（{start}年数据 → {target}年）：{pass_year_text(doc)}{costs_text(doc)}"
    naive = finite_number(doc.get("naive_cost_wan"))
    projects = finite_number(doc.get("project_budget_wan"))
    extra = []
    if naive is not None:
        extra.append(f"现在逐校补足到标准约 {wan(naive)}")
    if doc.get("projects") and projects is not None:
        extra.append(f"县里已列项目预算 {wan(projects)}（另计）")
    if extra:
        text += "对比：" + "，".join(extra) + "。"
    text += _origin_text(doc)
    if data_year is not None and finite_number(doc.get("start_year")) is not None and int(doc["start_year"]) != data_year:
        text += f"（路线图以{start}年数据为起点，不是本简报的{data_year}年。）"
    if label and doc.get("synthetic"):
        text += f"\n\n> **{md_text(doc['synthetic'])}**"
    return text


# -------------------------------------------------------------------------------------------- chart
def spend_chart(doc: dict):
    """各年度新增投入: a bar per year of the roadmap (万元, the amount above it), the years in which the county passes
    shaded and marked under the year; the synthetic-data label under it when the data are synthetic.  None when
    the roadmap has no years table."""
    from . import charts
    from matplotlib.patches import Patch

    rows = sorted(doc.get("years_table") or [], key=lambda r: r.get("year", 0))
    if not rows:
        return None
    passes = [r.get("passes") is True for r in rows]
    years = [year_text(r.get("year")) + ("\n达标" if p else "") for r, p in zip(rows, passes)]
    spend = [finite_number(r.get("spend_wan")) or 0.0 for r in rows]
    fig = charts.new_figure(charts.FIGURE_WIDTH, 3.6, fixed=True)
    grid, legend_ax = charts.panel_grid(fig, 1, 1, 0.25, margins=charts.Margins(left=0.9, right=0.2, top=0.55,
                                                                               bottom=0.6))
    ax = grid[0, 0]
    x = list(range(len(years)))
    for xi, p in zip(x, passes):
        if p:           # a year the county passes: shaded, whether or not it spends
            ax.axvspan(xi - 0.5, xi + 0.5, color=PASS_COLOR, alpha=0.15, linewidth=0)
    ax.bar(x, spend, color=SPEND_COLOR, width=0.6)
    top = max(spend) if max(spend) > 0 else 1.0
    for xi, v in zip(x, spend):
        ax.text(xi, v + top * 0.02, f"{v:,.1f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, years, fontsize=9)
    ax.set_xlim(-0.5, len(x) - 0.5)
    ax.set_ylim(0, top * 1.18)
    ax.set_ylabel("新增投入（万元）", fontsize=9)
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="x", visible=False)
    charts.legend_row(legend_ax, [Patch(color=SPEND_COLOR, label="当年新增投入"),
                               Patch(color=PASS_COLOR, alpha=0.15, label="全县达标的年度（按正式口径重新评估）")],
                   ncol=2, fontsize=8)
    charts.figure_title(fig, f"{charts.literal(doc.get('county', ''))} 达标路线图：各年度新增投入（万元）", fontsize=11)
    charts.figure_footer(fig, SimpleNamespace(synthetic=bool(doc.get("synthetic"))))
    return fig


# ------------------------------------------------------------------------------------------- tables
def _stage(stage) -> str:
    return STAGE_ZH.get(str(stage), "全校") if stage else "全校"


def school_names(result) -> dict[str, str]:
    """School id → name of an evaluated county-year (its school parts), for naming the schools a teacher move
    comes from (the roadmap's rows name only the school they are about)."""
    if result is None or getattr(result, "parts", None) is None or "school_name" not in result.parts:
        return {}
    parts = result.parts
    return {str(i): str(n) for i, n in zip(parts["school_id"], parts["school_name"]) if isinstance(n, str) and n}


def _names(schedule: list[dict], names: dict | None = None) -> dict[str, str]:
    out = dict(names or {})
    out.update({str(r["school_id"]): str(r["school_name"]) for r in schedule
                if r.get("school_id") and isinstance(r.get("school_name"), str) and r["school_name"]})
    return out


def _school(names: dict, school_id) -> str:
    sid = str(school_id or "")
    return names.get(sid) or (f"学校（标识码 {sid}）" if sid else "—")


def _effect_zh(code) -> str:
    if code == "not_stated":
        return "效果未注明"
    effect = EFFECTS.get(str(code))
    return effect.name_zh.split("（")[0] if effect is not None else str(code or "")


def _reason(row: dict) -> str:
    return str(row.get("reason_zh") or REASON_ZH.get(str(row.get("reason") or ""), row.get("reason") or "—"))


def _amount(row: dict) -> str:
    v = finite_number(row.get("amount"))
    if v is None:
        return "—"
    unit = row.get("unit_zh") or ""
    if not unit and row.get("action") == "project":           # a project's amount is in its effect's unit
        effect = EFFECTS.get(str(row.get("indicator") or ""))
        unit = effect.unit_zh if effect is not None else ""
    return f"{plain(v, 0 if float(v).is_integer() else 2)} {unit}".strip()


def _action_row(row: dict, names: dict) -> dict:
    action = str(row.get("action") or "")
    what = short_name(str(row.get("indicator") or ""), row.get("name_zh") or "")
    school = row.get("school_name") if isinstance(row.get("school_name"), str) and row.get("school_name") \
        else _school(names, row.get("school_id"))
    if action == "move":
        subject = row.get("subject_zh") or what
        source = row.get("from_school_name") or _school(names, row.get("from_school_id"))
        what = f"教师交流（{subject}）：从{source}调入"
        if row.get("to_school_id"):
            school = row.get("to_school_name") or _school(names, row.get("to_school_id"))
    elif action == "project":
        what = f"已列项目：{row.get('name_zh') or _effect_zh(row.get('indicator'))}"
    else:
        what = f"新增{what}"
    return {"年度": year_text(row.get("year")), "学校": school, "学段": _stage(row.get("stage")), "措施": what,
            "数量": _amount(row), "经费（万元）": plain(row.get("cost_wan"), 1) if action == "purchase" else "—",
            "依据": _reason(row)}


def top_actions(doc: dict, per_year: int = TOP_ACTIONS, names: dict | None = None) -> pd.DataFrame:
    """Per year the ``per_year`` actions that cost most (purchases first by cost, then moves and projects):
    年度, 学校, 学段, 措施, 数量, 经费（万元）, 依据; a note (``attrs["more"]``) says how many more there are and where the
    full list is.  ``names``: school id → name (:func:`school_names`) for the schools teachers move from.

    A roadmap that cannot pass by its target year shows the actions of the plan that passes earliest (the one
    :func:`pass_year_text` names), when the document holds it."""
    earliest = doc.get("earliest") or {}
    schedule = (earliest.get("schedule") if not doc.get("feasible") and earliest.get("schedule") else
                doc.get("schedule")) or []
    columns = ["年度", "学校", "学段", "措施", "数量", "经费（万元）", "依据"]
    if not schedule:
        return pd.DataFrame(columns=columns)
    names = _names(schedule, names)
    order = {"purchase": 0, "move": 1, "project": 2}
    rows, left = [], 0
    for year in sorted({r.get("year") for r in schedule if r.get("year") is not None}):
        mine = [r for r in schedule if r.get("year") == year]
        mine.sort(key=lambda r: (order.get(r.get("action"), 3), -(finite_number(r.get("cost_wan")) or 0.0),
                                 -(finite_number(r.get("amount")) or 0.0)))
        rows += [_action_row(r, names) for r in mine[:per_year]]
        left += max(len(mine) - per_year, 0)
    out = pd.DataFrame(rows, columns=columns)
    if left:
        out.attrs["more"] = (f"以上为每年经费最多的前 {per_year} 项措施；另有 {left} 项，逐校、逐年的完整清单见路线图工作簿的"
                             "“各校措施”工作表。")
    return out


def schedule_table(doc: dict, names: dict | None = None) -> pd.DataFrame:
    """Every action of the roadmap (措施明细), in words; ``names`` as for :func:`top_actions`."""
    schedule = doc.get("schedule") or []
    names = _names(schedule, names)
    return pd.DataFrame([_action_row(r, names) for r in schedule],
                        columns=["年度", "学校", "学段", "措施", "数量", "经费（万元）", "依据"])


def years_table(doc: dict) -> pd.DataFrame:
    """The roadmap year by year: spend, cumulative spend, teacher moves, CVs beyond their limit, school parts
    failing the rule, whether the county passes (all re-evaluated)."""
    rows = sorted(doc.get("years_table") or [], key=lambda r: r.get("year", 0))
    if not rows:
        return pd.DataFrame()
    total, out = 0.0, []
    for r in rows:
        total += finite_number(r.get("spend_wan")) or 0.0
        out.append({"年度": year_text(r.get("year")), "新增投入（万元）": plain(r.get("spend_wan"), 1),
                    "累计投入（万元）": plain(total, 1),
                    "交流教师（人次）": plain(r.get("teachers_moved"), 0),
                    "超限的差异系数（个）": plain(r.get("cvs_beyond_limit"), 0),
                    "未达校级规则的学段（个）": plain(r.get("parts_failing_rule"), 0),
                    "状态": {True: "达标", False: "未达标"}.get(r.get("passes"), "—")})
    return pd.DataFrame(out)


def _target_value(value, metric=None, limit: bool = False) -> str:
    """A plan target (``limit``) or an actual value: a CV limit to two decimals as the plans write it (0.45),
    an actual CV as every CV is shown (:func:`~junyun_lib.report.labels.format_cv`), other values as they are."""
    v = finite_number(value)
    if metric == "max_cv" and v is not None:
        return f"{v:.2f}" if limit else format_cv(v)
    return plain(value)


def missed_targets_table(doc: dict) -> pd.DataFrame | None:
    """The plan's interim targets the chosen plan misses (未达到的年度目标), or None when it misses none."""
    missed = doc.get("missed_targets") or []
    if not missed:
        return None
    return pd.DataFrame([{"年度": year_text(m.get("year")), "目标项目": str(m.get("item_zh") or m.get("item") or ""),
                          "目标": _op_value(m.get("direction"), m.get("target"), m.get("metric")),
                          "预计实际": _target_value(m.get("actual"), m.get("metric"))} for m in missed])


def _op_value(direction, value, metric=None) -> str:
    shown = _target_value(value, metric, limit=True)
    op = OP_SYMBOL.get(str(direction), "") if direction else ""
    return f"{op} {shown}".strip() if shown != "—" else shown


def cvs_table(doc: dict) -> pd.DataFrame:
    """Every year's CVs (re-evaluated) against their limits: a row per stage and indicator, the limit as the
    standards write it (``≤ 0.45``), years as columns (the data year marked 现状)."""
    cvs = doc.get("cvs") or []
    if not cvs:
        return pd.DataFrame()
    c = pd.DataFrame(cvs)
    c["col"] = [f"{year_text(y)}年（现状）" if b == "data" else f"{year_text(y)}年" for y, b in zip(c["year"], c["basis"])]
    c["学段"] = c["stage"].map(_stage)
    c["限值"] = [limit_text(lim, op) for lim, op in zip(c["cv_limit"], c.get("cv_comparison", [None] * len(c)))]
    c["shown"] = [format_cv(finite_number(v), finite_number(lim)) for v, lim in zip(c["cv"], c["cv_limit"])]
    wide = c.pivot_table(index=["学段", "name_zh", "限值"], columns="col", values="shown", aggfunc="first",
                         sort=False).reset_index()
    wide.columns.name = None
    return wide.rename(columns={"name_zh": "指标"})


def targets_table(doc: dict) -> pd.DataFrame:
    """The plan's annual targets the roadmap steers for, with the re-evaluated actual: ``≥ 100``, never ``>= 100``."""
    targets = doc.get("targets") or []
    columns = ["年度", "序号", "项目", "学段", "目标", "预计实际", "是否达到"]
    if not targets:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame([{
        "年度": year_text(t.get("year")), "序号": plain(t.get("item_no"), 0), "项目": str(t.get("item") or ""),
        "学段": STAGE_ZH.get(str(t.get("stage")), "全部"),
        "目标": _op_value(t.get("direction"), t.get("target"), t.get("metric")),
        "预计实际": _target_value(t.get("actual"), t.get("metric")),
        "是否达到": {True: "达到", False: "未达到"}.get(t.get("met"), "无数据")} for t in targets], columns=columns)


def projects_table(doc: dict) -> pd.DataFrame:
    """How each of the county's projects enters the roadmap, effects in words (效果未注明, never ``not_stated``)."""
    projects = doc.get("projects") or []
    columns = ["序号", "项目", "学校", "效果", "数量", "完成年份", "预算（万元）", "在路线图中"]
    if not projects:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame([{
        "序号": plain(p.get("project_no"), 0), "项目": str(p.get("project") or ""), "学校": str(p.get("school_name") or ""),
        "效果": _effect_zh(p.get("effect")),
        "数量": "—" if p.get("effect") == "not_stated" else plain(p.get("amount"), 2),
        "完成年份": year_text(p.get("completion_year")), "预算（万元）": plain(p.get("budget_wan"), 1),
        "在路线图中": str(p.get("status") or "")} for p in projects], columns=columns)


def notes_markdown(doc: dict) -> str:
    """The method, the two certificates and the roadmap's assumptions (a Markdown list), notation in words."""
    items = [doc.get("method_zh") or ""]
    for label, key in (("达标最低成本", "pass_cost"), ("含年度目标的方案", "with_targets")):
        part = doc.get(key)
        if part:
            items.append(f"{label}：{wan(part.get('cost_wan'))}，{certificate_text(part)}")
    if not doc.get("pass_cost"):
        items.append((doc.get("certificate") or {}).get("text_zh", ""))
    items += list(doc.get("notes_zh") or [])
    if doc.get("move_problems"):
        items.append("交流安排未通过规则检查：" + "；".join(str(p) for p in doc["move_problems"]))
    return "\n".join(f"- {md_text(in_words(x))}" for x in items if x)


__all__ = ["summary_markdown", "pass_year_text", "costs_text", "certificate_text", "spend_chart", "top_actions",
           "schedule_table", "years_table", "missed_targets_table", "cvs_table", "targets_table", "projects_table",
           "notes_markdown", "first_pass_year", "school_names", "in_words", "year_text", "wan", "plain", "limit_text", "gap_text",
           "finite_number"]
