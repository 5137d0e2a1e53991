"""Plan progress for people and programs (规划进度的输出): Chinese summary, tables, JSON.

Also home of :func:`md_text` and :func:`md_code`, the escaping of data strings for Markdown that this module
and :mod:`junyun_lib.report.briefing` share (briefing imports this module, so the helpers live here).
"""
from __future__ import annotations

import math
import re

import pandas as pd

from ..planning.progress import METHOD, OUTLOOK_ZH, PlanProgress
from ..rules import OP_SYMBOL
from ..synthetic import SYNTHETIC_LABEL
from ..version import __version__
from .jsonvalues import json_number as _num

STAGE_ZH = {"primary": "小学", "junior": "初中", "all": "小学和初中"}


def stage_label(item, stage: str, metric: str = "") -> str:
    """The 学段 of a plan item as people read it.

    An item measured per stage (``primary``/``junior``) or over the school parts of both (``all``) says so; a
    county-level item (``county:…``) holds one value for the county, so its label comes from the item's own
    words: the stage it names (初中三年巩固率 → 初中), both when it names both, else 全县.  "中小学" names both.

    >>> stage_label("初中三年巩固率", "all", "county:junior_retention"), stage_label("加强教师培训", "all", "county:x")
    ('初中', '全县')
    >>> stage_label("骨干教师", "all", "indicator_share:key_teachers"), stage_label("x", "primary", "county:x")
    ('小学和初中', '小学')
    """
    if stage != "all" or not str(metric).startswith("county:"):
        return STAGE_ZH.get(stage, str(stage))
    text = str(item).replace("中小学", "小学初中")
    named = [zh for zh in ("小学", "初中") if zh in text]
    return STAGE_ZH["all"] if len(named) == 2 else (named[0] if named else "全县")


# --- data strings in Markdown -----------------------------------------------------------------------
# HTML's three, and what nbconvert's math pass ($…$, \(…\), \begin{…}) and autolinks (http://, javascript:,
# mailto:) need: as entities, which no Markdown or math rule reads but the page shows as the character.
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "$": "&#36;", "\\": "&#92;", ":": "&#58;"}
# every other ASCII punctuation character: CommonMark lets each be backslash-escaped (a literal character)
_MD_PUNCTUATION = frozenset("!\"#%'()*+,-./;=?@[]^_`{|}~")
# line breaks (a new block: heading, list, table …) and tabs (an indented code block) become one space
_MD_BREAKS = re.compile(r"[\r\n\t\v\f\x1c-\x1e\x85\u2028\u2029]+")


def md_text(value) -> str:
    r"""``value`` as inert Markdown text: it shows exactly as written and is never markup, a link, an image,
    an autolink, math or HTML.

    ``& < >`` are HTML-escaped; ``$``, ``\`` and ``:`` become entities (no math for nbconvert to find, no
    ``http://`` or ``javascript:`` for an autolink); every other ASCII punctuation character is
    backslash-escaped; line breaks and tabs become spaces (no new block) and white space at the ends is
    dropped (``** 名称**`` would not be bold).  Use it for every string from the
    data (county, school and file names, plan items, county rules, veto names) that goes into Markdown.

    >>> print(md_text("[点我](javascript:alert(1))"))
    \[点我\]\(javascript&#58;alert\(1\)\)
    >>> print(md_text("<b>$x$</b> http://evil.example"))
    &lt;b&gt;&#36;x&#36;&lt;\/b&gt; http&#58;\/\/evil\.example
    >>> md_text("进贤县第一小学")
    '进贤县第一小学'
    """
    text = _MD_BREAKS.sub(" ", str(value)).strip()
    return "".join(_MD_ENTITIES.get(ch) or ("\\" + ch if ch in _MD_PUNCTUATION else ch) for ch in text)


def md_code(value) -> str:
    r"""``value`` as a Markdown code span, for file names: shown literally in the code font, as inert as
    :func:`md_text` (no Markdown, link or HTML is read inside a code span).  A value with ``$`` or ``\``,
    which nbconvert's math pass reads even there, goes through :func:`md_text` instead.

    >>> print(md_code("schools_2024.xlsx"), md_code("a`b"), md_code("学校$.xlsx"))
    ` schools_2024.xlsx ` `` a`b `` 学校&#36;\.xlsx
    """
    text = _MD_BREAKS.sub(" ", str(value)).strip()
    if not text:
        return ""
    if "$" in text or "\\" in text:
        return md_text(text)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def fmt(value, unit: str) -> str:
    """A value as people read it: 96.5%, 0.452; "—" when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.3f}" if unit == "系数" else f"{value:.1f}%"


def _target_text(target, direction: str, unit: str) -> str:
    return f"{OP_SYMBOL.get(direction, direction)} {fmt(target, unit)}"


def fmt_range(low, high, unit: str) -> str:
    """A projected range: "22.7%–25.6%"; one value when both ends read the same ("100.0%"); "—" when missing.

    >>> fmt_range(22.71, 25.62, "%"), fmt_range(100.0, 99.99, "%"), fmt_range(0.4521, 0.4519, "系数")
    ('22.7%–25.6%', '100.0%', '0.452')
    """
    a, b = fmt(low, unit), fmt(high, unit)
    return a if a == b else f"{a}–{b}"


def summary_text(progress: PlanProgress, year: int | None = None) -> str:
    """A few lines in Chinese: counts by status, items behind, items projected to miss."""
    s = progress.summary(year)
    year = s["year"]
    head = f"{progress.county} 规划进度（{progress.plan.path.name}）"
    if progress.synthetic:
        head += f"　【{SYNTHETIC_LABEL}】"
    if year is None:
        return head + "\n尚无可用于对照的数据。"
    c = s["counts"]
    total = sum(c.values())
    lines = [head, f"{year}年：计划 {total} 项中，超前 {c['ahead']} 项、按计划 {c['on_track']} 项、落后 {c['behind']} 项、"
                   f"无数据 {c['no_data']} 项、未设年度目标 {c['no_target']} 项。"]
    rows = progress.year(year).set_index("item_no")
    proj = progress.projections.set_index("item_no") if len(progress.projections) else None
    lines += _listing("落后的项目：", s["behind"], rows, lambda r: (
        f"（{stage_label(r['item'], r['stage'], r['metric'])}）：目标 {_target_text(r['target'], r['direction'], r['unit'])}，实际 {fmt(r['actual'], r['unit'])}"))
    lines += _listing("到目标年未达成、或按趋势预计无法达成的项目：", s["projected_to_miss"], proj, lambda p: (
        f"：{int(p['target_year'])}年{_projection_text(p)}"))
    if not s["projected_to_miss"] and proj is not None:
        lines.append("按趋势，没有预计到目标年无法达成的项目。")
    return "\n".join(lines)


def _listing(title: str, numbers: list, table, describe) -> list[str]:
    """A heading and one line per item number: "  7. 网络多媒体教室数<describe(row)>"."""
    if not numbers:
        return []
    return [title] + [f"  {i}. {table.loc[i]['item']}{describe(table.loc[i])}" for i in numbers]


def to_json_dict(progress: PlanProgress) -> dict:
    """Per item and year: target, actual, gap, status; per item: the projection; and the summary."""
    proj = {int(p["item_no"]): p for p in progress.projections.to_dict("records")}
    items = []
    for item_no, grp in progress.table.groupby("item_no", sort=True):
        first = grp.iloc[0]
        p = proj.get(int(item_no))
        items.append({
            "item_no": int(item_no), "item": first["item"], "category": first["category"],
            "metric": first["metric"], "stage": first["stage"], "unit": first["unit"],
            "direction": first["direction"], "source": first["source"],
            "years": [{"year": int(r["year"]), "target": _num(r["target"]), "stated": bool(r["stated"]),
                       "actual": _num(r["actual"]), "gap": _num(r["gap"]), "status": r["status"],
                       "basis": r["basis"]} for r in grp.to_dict("records")],
            "projection": None if p is None else {
                "target_year": int(p["target_year"]), "target": float(p["target"]),
                "years_used": [int(y) for y in p["years_used"]], "projected": _num(p["projected"]),
                "low": _num(p["low"]), "high": _num(p["high"]), "outlook": p["outlook"],
                "full_standards": bool(p.get("full_standards", False))},
        })
    return {"county": progress.county, "slug": progress.plan.slug, "plan_file": str(progress.plan.path),
            "as_of": progress.as_of, "synthetic": progress.synthetic, "method": METHOD,
            "items": items, "summary": progress.summary(),
            "generator": {"package": "junyun", "version": __version__}}


def behind_text(progress: PlanProgress, year: int) -> str | None:
    """"落后 n / m 项" for the batch index: m items with a target or a record in ``year``, n behind."""
    counts = progress.summary(year)["counts"]
    total = sum(counts.values())
    return f"落后 {counts['behind']} / {total} 项" if total else None


def year_table(progress: PlanProgress, year: int | None = None, only=None) -> pd.DataFrame:
    """One row per item for ``year`` with Chinese headers (``only``: statuses to keep)."""
    year = progress.as_of if year is None else year
    rows = progress.year(year) if year is not None else progress.table.iloc[0:0]
    if only:
        rows = rows[rows["status"].isin(only)]
    proj = progress.projections.set_index("item_no") if len(progress.projections) else pd.DataFrame()
    out = pd.DataFrame({
        "序号": rows["item_no"].astype(int),
        "项目": rows["item"].astype(str).to_list(),     # raw: the destination (HTML table, workbook) escapes
        "学段": [stage_label(i, s, m) for i, s, m in zip(rows["item"], rows["stage"], rows["metric"])],
        f"{year}年目标": [_target_text(t, d, u) if not pd.isna(t) else "未设" for t, d, u in
                         zip(rows["target"], rows["direction"], rows["unit"])],
        "实际": [fmt(a, u) for a, u in zip(rows["actual"], rows["unit"])],
        "进度": rows["status_zh"],
        "目标年预计": [_outlook_text(proj, i) for i in rows["item_no"]],
    })
    return out.reset_index(drop=True)


def _outlook_text(proj: pd.DataFrame, item_no) -> str:
    if proj.empty or item_no not in proj.index:
        return "—"
    p = proj.loc[item_no]
    if p["outlook"] == "insufficient":
        return OUTLOOK_ZH["insufficient"]
    return f"{int(p['target_year'])}年{_projection_text(p)}"


def _projection_text(p) -> str:
    """The target and what the trend says of it: "目标 ≥ 95.0%，预计 89.5%–97.0%（预计无法达成）" (one value when
    the range's ends read the same), or "目标 ≥ 95.0%，实际 34.7%（未达成）" once the target year has data; the
    note "按过渡期结束后的完整标准测算" only for an item projected under the full standards (the transitional
    exceptions of 有关指标说明（六）（七） change it and end before its target year)."""
    target = f"目标 {_target_text(p['target'], p['direction'], p['unit'])}，"
    if p["outlook"] in ("met", "missed"):
        return f"{target}实际 {fmt(p['projected'], p['unit'])}（{p['outlook_zh']}）"
    full = "，按过渡期结束后的完整标准测算" if bool(p.get("full_standards", False)) else ""
    return f"{target}预计 {fmt_range(p['low'], p['high'], p['unit'])}（{p['outlook_zh']}{full}）"


def summary_markdown(progress: PlanProgress, year: int | None = None):
    """:func:`summary_text` as Markdown for a notebook: one paragraph per line, the first in bold; every line
    is plain text (county, plan file and item names among it), so each is made inert with :func:`md_text`."""
    from IPython.display import Markdown

    lines = [md_text(line.strip()) for line in summary_text(progress, year).splitlines()]
    return Markdown("\n\n".join(f"**{line}**" if i == 0 else line for i, line in enumerate(lines)))


def projection_table(progress: PlanProgress) -> pd.DataFrame:
    """One row per item: target year and target, years used, projected value, range, outlook (Chinese)."""
    p = progress.projections
    if p.empty:
        return pd.DataFrame(columns=["序号", "项目", "目标年", "目标", "依据年份", "趋势值", "区间", "预计"])
    return pd.DataFrame({
        "序号": p["item_no"].astype(int),
        "项目": p["item"].astype(str).to_list(),
        "目标年": p["target_year"].astype(int),
        "目标": [_target_text(t, d, u) for t, d, u in zip(p["target"], p["direction"], p["unit"])],
        "依据年份": [("、".join(str(y) for y in ys) or "—") for ys in p["years_used"]],
        "趋势值": [fmt(v, u) for v, u in zip(p["projected"], p["unit"])],
        "区间": [("—" if pd.isna(lo) else fmt_range(lo, hi, u)) for lo, hi, u in zip(p["low"], p["high"], p["unit"])],
        "预计": p["outlook_zh"],
    })


# --- honest status: this year's targets, the pace to later targets, targets past due ------------------------
def _amount(value, unit: str) -> str:
    """A difference as people read it: 35.5 个百分点, 0.078."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{abs(value):.3f}" if unit == "系数" else f"{abs(value):.1f} 个百分点"


def _verb(direction: str, value: float) -> str:
    """提升 / 下降 for an improvement of ``value`` (positive = better) in an item of ``direction``."""
    lower = direction in ("<", "<=")
    better = value >= 0
    return ("下降" if better else "上升") if lower else ("提升" if better else "下降")


def pace_text(row) -> str:
    """One item's pace in words: distance, years left, the pace needed against the recent pace."""
    unit, direction = row["unit"], row["direction"]
    if row["pace"] == "no_data":
        return f"{int(row['year'])}年无数据，无法测算进度"
    if row["pace"] == "reached":
        return f"{int(row['year'])}年已达到{int(row['target_year'])}年目标，须保持"
    years = int(row["years_left"])
    text = (f"距目标还差 {_amount(row['distance'], unit)}，剩 {years} 年，每年需{_verb(direction, 1)} "
            f"{_amount(row['needed'], unit)}")
    if row["pace"] == "no_pace":
        return text + "；仅一年数据，尚无近年进度可比"
    recent = float(row["recent"])
    span = f"{int(row['recent_from'])}—{int(row['year'])}年"
    if abs(recent) < 5e-4 if unit == "系数" else abs(recent) < 0.05:
        return text + f"；{span}基本没有变化"
    return text + f"；{span}平均每年{_verb(direction, recent)} {_amount(recent, unit)}"


def status_text(progress: PlanProgress, year: int) -> str | None:
    """The plan's state in one line, for the batch index: this year's targets (落后 n / m 项), the items whose
    target lies ahead (按当前进度无法按期达成 k 项) and the items past their target year (逾期未达成 j 项)."""
    s = progress.summary(year)
    parts = []
    total = sum(s["counts"].values())
    if total:
        parts.append(f"落后 {s['counts']['behind']} / {total} 项")
    if s["pace_items"]:
        years = "、".join(str(y) for y in s["target_years"])
        n, k = len(s["pace_items"]), len(s["off_pace"])
        unknown, missing = s["pace"]["no_pace"], s["pace"]["no_data"]
        head = f"{years}年目标 {n} 项" if len(s["target_years"]) == 1 else f"远期目标 {n} 项"
        tail = [f"按当前进度无法按期达成 {k} 项"] if k else []
        tail += [f"{unknown} 项未达到、尚无近年进度可比"] if unknown else []
        tail += [f"{missing} 项无数据"] if missing else []
        parts.append(head + "：" + ("，".join(tail) if tail else "按当前进度可达成或已达到"))
    if s["overdue"]:
        parts.append(f"逾期未达成 {len(s['overdue'])} 项")
    return "；".join(parts) or None


def watch_table(progress: PlanProgress, year: int) -> pd.DataFrame:
    """The items that need attention in ``year``, one row each (Chinese headers, raw item text): behind this
    year's target, projected to miss the target year, off the pace needed for a later target, past their
    target year and still short of it, or without the data to say.  Columns: 序号, 项目, 学段, 目标, 实际, 进度, 说明."""
    s = progress.summary(year)
    proj = progress.projections.set_index("item_no") if len(progress.projections) else pd.DataFrame()
    rows = []
    this_year = progress.year(year).set_index("item_no")
    for item_no in sorted(set(s["behind"]) | (set(s["projected_to_miss"]) & set(this_year.index))):
        r = this_year.loc[item_no]
        rows.append({"序号": int(item_no), "项目": str(r["item"]), "学段": stage_label(r["item"], r["stage"], r["metric"]),
                     "目标": f"{year}年 {_target_text(r['target'], r['direction'], r['unit'])}",
                     "实际": fmt(r["actual"], r["unit"]), "进度": r["status_zh"],
                     "说明": _outlook_text(proj, item_no)})
    pace = progress.pace(year)
    for r in pace.to_dict("records"):
        if r["pace"] in ("reached", "on_pace"):
            continue
        rows.append({"序号": int(r["item_no"]), "项目": str(r["item"]), "学段": stage_label(r["item"], r["stage"], r["metric"]),
                     "目标": f"{int(r['target_year'])}年 {_target_text(r['target'], r['direction'], r['unit'])}",
                     "实际": fmt(r["actual"], r["unit"]), "进度": r["pace_zh"], "说明": pace_text(r)})
    late = progress.late(year)
    for r in late.to_dict("records"):
        if r["pace"] == "kept":
            continue
        rows.append({"序号": int(r["item_no"]), "项目": str(r["item"]), "学段": stage_label(r["item"], r["stage"], r["metric"]),
                     "目标": f"{int(r['target_year'])}年 {_target_text(r['target'], r['direction'], r['unit'])}",
                     "实际": fmt(r["actual"], r["unit"]), "进度": r["pace_zh"],
                     "说明": "" if r["pace"] == "no_data" else
                     f"目标年已过，仍差 {_amount(r['distance'], r['unit'])}"})
    out = pd.DataFrame(rows, columns=["序号", "项目", "学段", "目标", "实际", "进度", "说明"])
    return out.sort_values("序号", kind="stable").reset_index(drop=True)


def pace_table(progress: PlanProgress, year: int) -> pd.DataFrame:
    """Every item without a target in ``year`` but with a later one: value, target, distance, years left, pace
    needed and recent pace (Chinese headers) — the whole list, for workbooks and the plan notebook."""
    p = progress.pace(year)
    return pd.DataFrame({
        "序号": p["item_no"].astype(int).to_list(), "项目": p["item"].astype(str).to_list(),
        "学段": [stage_label(i, s, m) for i, s, m in zip(p["item"], p["stage"], p["metric"])],
        "目标": [f"{int(y)}年 {_target_text(t, d, u)}" for y, t, d, u in
               zip(p["target_year"], p["target"], p["direction"], p["unit"])],
        f"{year}年实际": [fmt(a, u) for a, u in zip(p["actual"], p["unit"])],
        "进度": p["pace_zh"].to_list(), "说明": [pace_text(r) for r in p.to_dict("records")]},
        columns=["序号", "项目", "学段", "目标", f"{year}年实际", "进度", "说明"])
