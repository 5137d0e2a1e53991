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


def index_html(table: pd.DataFrame, year: int, links: dict, failed: list[dict], synthetic: bool,
               indicator_names: dict, balance: str = "优质均衡") -> str:
    """The batch index page: the cross-county table with links, failed runs listed with their reasons (the
    located problems, one per line), all text escaped; only relative links (a briefing page beside it).
    ``balance`` names the evaluation in the title (优质均衡, 基本均衡; "优质均衡、基本均衡" for a mixed year)."""
    def e(x):
        return html.escape("" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x))

    head = ["县区"] + [c for c in table.columns if c not in ("县区", "年度")]
    label = {c: c for c in head}
    for c in head:
        if "·" in c:
            stage, code = c.split("·", 1)
            label[c] = f"{stage}·{indicator_names.get(code, code)}"
    body = []
    for row in table.to_dict("records"):
        name = e(row["县区"])
        link = links.get(row["县区"])
        cell = f'<a href="{e(link)}">{name}</a>' if link and not _NOT_RELATIVE.match(str(link)) else name
        tds = [cell] + [f"<td>{e(row[c])}</td>" for c in head[1:]]
        body.append("<tr><td>" + tds[0] + "</td>" + "".join(tds[1:]) + "</tr>")
    # the reason keeps its lines (head, then one located problem per line: file, row, column, value)
    fails = "".join(f'<li><span class="county">{e(f["county"])}</span>：'
                    f'<div class="reason">{e(str(f.get("error") or "").strip())}</div></li>' for f in failed)
    notice = f'<p class="synthetic">{e(SYNTHETIC_LABEL)}</p>' if synthetic else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{year}年 县域义务教育{e(balance)} 资源配置评估总览</title>
<style>
@page {{ size: A4 landscape; margin: 12mm; }}
body {{ font-family: system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif;
       margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; font-size: 12px; }} th, td {{ border: 1px solid #bbb; padding: 3px 6px; }}
th {{ background: #eef; }} td {{ white-space: nowrap; }} tr {{ page-break-inside: avoid; }} .synthetic {{ color: #a00; font-weight: bold; }}
.failed {{ color: #a00; }} .failed li {{ margin-bottom: 0.6em; }} .failed .county {{ font-weight: bold; }}
.failed .reason {{ white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; color: #222; margin-top: 0.2em; }}
</style></head><body>
<h1>{year}年 县域义务教育{e(balance)}发展 资源配置评估总览</h1>
{notice}
<table><thead><tr>{"".join(f"<th>{e(label[c])}</th>" for c in head)}</tr></thead>
<tbody>{"".join(body)}</tbody></table>
<h2>运行失败</h2>
{f'<ul class="failed">{fails}</ul>' if fails else "<p>无</p>"}
<p>junyun {e(__version__)}；差异系数显示 3 位小数，按未经四舍五入的数值判定。</p>
</body></html>
"""
