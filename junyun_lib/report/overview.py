"""Cross-county overview (县区总览): one row per county-year with verdicts and the CVs, and the batch index page.

:func:`summary_table` works on whole result tables at once (no per-county loop), so a national file of 2,850
county-years takes a fraction of a second; the index page is built from the rows the briefings hand back.
"""
from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from ..rules.schema import STAGE_ZH, STAGES
from ..synthetic import SYNTHETIC_LABEL
from ..version import __version__
from .labels import css_string, short_name


def _cv_text(values: np.ndarray) -> np.ndarray:
    """CVs to 3 decimals, "—" where there is none (vectorised :func:`~junyun_lib.report.labels.format_cv`)."""
    out = np.full(values.shape, "—", dtype=object)
    ok = ~np.isnan(values)
    out[ok] = np.char.mod("%.3f", values[ok])
    return out


def summary_table(source) -> pd.DataFrame:
    """Per county-year: verdict per stage, composite, schools failing the rule, every CV per stage (3 decimals).

    ``source`` is an :class:`~junyun_lib.evaluation.evaluate.Evaluation` or one
    :class:`~junyun_lib.evaluation.evaluate.CountyResult` (anything with ``stages`` and ``indicators``).
    Columns: 县区, 年度, then for 小学 and 初中: 结论, 综合差异系数, 未达校级规则学校数 (only when a standard in
    ``source`` has a per-school rule: not under basic-2012) and ``<学段>·<indicator code>``.  结论 is 达标 /
    未达标 where the stage has schools in scope, else —.
    """
    stages, ind = source.stages, source.indicators
    standards = list(source.standards.values()) if hasattr(source, "standards") else \
        [source.standard] if hasattr(source, "standard") else []
    with_rule = not standards or any(s.school_rule and s.has_school_standards for s in standards)
    keys = stages[["county", "year"]].drop_duplicates().reset_index(drop=True)
    keys["year"] = keys["year"].astype(int)
    out = pd.DataFrame({"县区": keys["county"].astype(str).to_numpy(), "年度": keys["year"].to_numpy()})
    key_index = pd.MultiIndex.from_frame(keys.assign(county=keys["county"].astype(str)))
    codes = list(pd.unique(ind["indicator"])) if len(ind) else []
    cv = ind.assign(county=ind["county"].astype(str), year=ind["year"].astype(int)) \
        .set_index(["county", "year", "stage", "indicator"])["cv"] if len(ind) else pd.Series(dtype=float)
    st = stages.assign(county=stages["county"].astype(str), year=stages["year"].astype(int)) \
        .set_index(["county", "year", "stage"])
    for stage in STAGES:
        zh = STAGE_ZH[stage]
        s = st.xs(stage, level="stage").reindex(key_index)
        has = s["schools_in_scope"].fillna(0).to_numpy() > 0
        passes = s["passes"].astype("boolean")
        verdict = np.where(passes.fillna(False).to_numpy(dtype=bool), "达标", "未达标")
        out[f"{zh}结论"] = np.where(has, verdict, "—")
        out[f"{zh}综合差异系数"] = np.where(has, _cv_text(s["composite_cv"].to_numpy(dtype=float)), "—")
        failing = pd.to_numeric(s["schools_failing_rule"], errors="coerce") if "schools_failing_rule" in s \
            else pd.Series(np.nan, index=s.index)
        if with_rule:
            out[f"{zh}未达校级规则学校数"] = pd.array(np.where(has & failing.notna().to_numpy(),
                                                          failing.fillna(0).to_numpy(), np.nan), dtype="Int64")
        for code in codes:
            values = cv.reindex(pd.MultiIndex.from_arrays([keys["county"].astype(str), keys["year"],
                                                           np.full(len(keys), stage), np.full(len(keys), code)]))
            out[f"{zh}·{code}"] = _cv_text(values.to_numpy(dtype=float))
    return out


# a link that is not a relative path in these outputs: a scheme (javascript:, https:) or another host (//)
_NOT_RELATIVE = re.compile(r"^[\x00-\x20]*(?:[A-Za-z][A-Za-z0-9+.\-]*:|[/\\]{2})")


def _column_groups(head: list[str], indicator_names: dict) -> list[tuple[str, list[str]]]:
    """The index's columns grouped under a first header row: (group label or "", columns)."""
    groups: list[tuple[str, list[str]]] = []
    for c in head:
        stage = next((zh for zh in STAGE_ZH.values() if c.startswith(zh) and c != zh), "")
        if groups and groups[-1][0] == stage and stage:
            groups[-1][1].append(c)
        else:
            groups.append((stage, [c]))
    return groups


def _short_header(c: str, stage: str, indicator_names: dict) -> str:
    """The second header row: the column without its stage, indicators by their short names."""
    rest = c[len(stage):] if stage else c
    if rest.startswith("·"):
        code = rest[1:]
        return short_name(code, indicator_names.get(code, code))
    return {"结论": "结论", "综合差异系数": "综合差异系数", "未达校级规则学校数": "未达校级规则学校（所）"}.get(rest, rest)


def index_html(table: pd.DataFrame, year: int, links: dict, failed: list[dict], synthetic: bool,
               indicator_names: dict, limits: dict | None = None, over: dict | None = None,
               balance: str = "优质均衡") -> str:
    """The batch index page: the cross-county table with links, failed runs listed with their reasons (the
    located problems, one per line), all text escaped; only relative links (files beside it).

    ``links``: county → the briefing page's file name, or ``{"网页": …, "Word": …, "Excel": …}``; ``limits``:
    stage (小学/初中) → the CV limit as shown (``≤ 0.50``), in the stage's header; ``over``: county → the columns
    whose CV is beyond its limit, marked ▲ and in red.  Laid out for landscape A4: two header rows (stage, then
    short indicator names; full names under the table), headers that break only between words.  ``balance``
    names the evaluation in the title (优质均衡, 基本均衡; "优质均衡、基本均衡" for a mixed year)."""
    def e(x):
        return html.escape("" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x))

    limits, over = limits or {}, over or {}
    head = ["县区"] + [c for c in table.columns if c not in ("县区", "年度")]
    groups = _column_groups(head, indicator_names)
    files = any(isinstance(v, dict) for v in links.values())
    top = "".join(f'<th rowspan="2">{e(cols[0])}</th>' if not stage else
                  f'<th colspan="{len(cols)}" class="group">{e(stage)}'
                  + (f'（差异系数限值 {e(limits[stage])}）' if stage in limits else "") + "</th>"
                  for stage, cols in groups)
    if files:
        top += '<th rowspan="2">文件</th>'
    second = "".join(f'<th class="{"cv" if "·" in c else "sub"}">{e(_short_header(c, stage, indicator_names))}</th>'
                     for stage, cols in groups if stage for c in cols)
    body = []
    for row in table.to_dict("records"):
        county = row["县区"]
        name = e(county)
        target = links.get(county)
        page = target.get("网页") if isinstance(target, dict) else target
        cell = f'<a href="{e(page)}">{name}</a>' if page and not _NOT_RELATIVE.match(str(page)) else name
        tds = [f'<td class="name">{cell}</td>']
        marked = set(over.get(county, ()))
        for c in head[1:]:
            value = row.get(c)
            if c in marked:
                tds.append(f'<td class="num over" title="超过限值">{e(value)}▲</td>')
            elif "·" in c or "差异系数" in c or "学校数" in c:
                tds.append(f'<td class="num">{e(value)}</td>')
            else:
                tds.append(f'<td class="text">{e(value)}</td>')
        if files:
            own = target if isinstance(target, dict) else {}
            tds.append('<td class="files">' + " ".join(f'<a href="{e(v)}">{e(k)}</a>' for k, v in own.items()
                                                        if v and not _NOT_RELATIVE.match(str(v))) + "</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    codes = [c.split("·", 1)[1] for c in head if "·" in c]
    legend = "；".join(f"{e(short_name(code, indicator_names.get(code, code)))}＝{e(indicator_names.get(code, code))}"
                      for code in dict.fromkeys(codes))
    # the reason keeps its lines (head, then one located problem per line: file, row, column, value)
    fails = "".join(f'<li><span class="county">{e(f["county"])}</span>：'
                    f'<div class="reason">{e(str(f.get("error") or "").strip())}</div></li>' for f in failed)
    notice = f'<p class="synthetic">{e(SYNTHETIC_LABEL)}</p>' if synthetic else ""
    running = (f'@top-center {{ content: "{css_string(SYNTHETIC_LABEL)}"; font-size: 8pt; font-weight: bold; color: #a00; }}'
               if synthetic else "")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{year}年 县域义务教育{e(balance)} 资源配置评估总览</title>
<style>
@page {{ size: A4 landscape; margin: 12mm 8mm;
        @bottom-center {{ content: "第 " counter(page) " 页，共 " counter(pages) " 页"; font-size: 8pt; color: #555; }}
        {running} }}
body {{ font-family: system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif;
       margin: 1.5em; color: #222; }}
h1 {{ font-size: 1.4em; }}
table {{ border-collapse: collapse; font-size: 12px; }}
th, td {{ border: 1px solid #bbb; padding: 3px 5px; }}
th {{ background: #eef; font-weight: 600; word-break: keep-all; vertical-align: bottom; }}
th.cv {{ min-width: 3.6em; max-width: 5.5em; }} th.sub {{ min-width: 3.6em; max-width: 6em; }} th.group {{ text-align: center; }}
td {{ white-space: nowrap; }} td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.text {{ white-space: normal; min-width: 6em; max-width: 14em; }} td.over {{ color: #b00; font-weight: bold; }}
tr {{ page-break-inside: avoid; break-inside: avoid; }} thead {{ display: table-header-group; }}
.synthetic {{ color: #a00; font-weight: bold; }} .legend {{ font-size: 11px; color: #444; }}
.failed {{ color: #a00; }} .failed li {{ margin-bottom: 0.6em; }} .failed .county {{ font-weight: bold; }}
.failed .reason {{ white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; color: #222; margin-top: 0.2em; }}
@media print {{ body {{ margin: 0; }} table {{ font-size: 9px; }} th, td {{ padding: 2px 3px; }} }}
</style></head><body>
<h1>{year}年 县域义务教育{e(balance)}发展 资源配置评估总览</h1>
{notice}
<table><thead><tr>{top}</tr><tr>{second}</tr></thead>
<tbody>{"".join(body)}</tbody></table>
<p class="legend">▲ 差异系数超过限值（标红）。指标简称：{legend}。</p>
<h2>运行失败</h2>
{f'<ul class="failed">{fails}</ul>' if fails else "<p>无</p>"}
<p>junyun {e(__version__)}；差异系数显示 3 位小数，按未经四舍五入的数值判定。</p>
</body></html>
"""
