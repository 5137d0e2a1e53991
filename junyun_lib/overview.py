"""Cross-county overview (县区总览): one row per county-year with verdicts and the 14 CVs.

Used by the overview notebook and by the batch index page.
"""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from . import __version__
from .evaluate import Evaluation, evaluate
from .processed import open_table
from .report import SYNTHETIC_LABEL, format_cv
from .schema import STAGE_ZH


def load_processed(data_dir="data", standard: str = "quality-2017") -> Evaluation:
    """Evaluate every processed county-year under ``data_dir/processed``."""
    paths = sorted((Path(data_dir) / "processed").glob("*/*.parquet"))
    if not paths:
        raise FileNotFoundError(f"{data_dir}/processed 下没有数据，请先运行 junyun ingest (no processed data; run ingest)")
    return evaluate(open_table(paths), standard, data_dir=data_dir)


def summary_table(evaluation: Evaluation) -> pd.DataFrame:
    """Per county-year: verdict per stage, composite, the 7 CVs per stage (3 decimals), schools failing."""
    codes = next(iter(evaluation.standards.values())).codes if evaluation.standards else []
    cv = evaluation.indicators.pivot_table(index=["county", "year"], columns=["stage", "indicator"], values="cv",
                                           aggfunc="first", observed=True)
    rows = []
    for st in evaluation.stages.itertuples():
        rows.append(((st.county, int(st.year)), st.stage, st))
    out = {}
    for key, stage, st in rows:
        row = out.setdefault(key, {"县区": key[0], "年度": key[1]})
        zh = STAGE_ZH[stage]
        has = int(st.schools_in_scope) > 0
        row[f"{zh}结论"] = ("达标" if bool(st.passes) else "未达标") if has else "—"
        row[f"{zh}综合差异系数"] = format_cv(st.composite_cv) if has else "—"
        row[f"{zh}未达校级规则学校数"] = int(st.schools_failing_rule) if has and pd.notna(st.schools_failing_rule) else None
        for code in codes:
            value = cv.loc[key, (stage, code)] if key in cv.index and (stage, code) in cv.columns else float("nan")
            row[f"{zh}·{code}"] = format_cv(value)
    return pd.DataFrame(list(out.values()))


def plan_column(evaluation: Evaluation, data_dir, standard: str = "quality-2017") -> dict:
    """``{(county, year): "落后 n / m 项"}`` for counties with a plan (推进计划进度); m counts the items with
    a target or a record that year, n those behind."""
    from .plan_report import behind_text
    from .progress import county_progress

    out = {}
    for county in sorted({c for c, _ in evaluation.county_years()}):
        results = {y: evaluation.county(c, y) for c, y in evaluation.county_years() if c == county}
        progress = county_progress(county, data_dir, standard, results_by_year=results)
        if progress is None:
            continue
        for year in results:
            text = behind_text(progress, year)
            if text:
                out[(county, year)] = text
    return out


def overall_column(evaluation: Evaluation, data_dir) -> dict:
    """``{(county, year): 达到 / 未达到 / 无法判定}``: the scorecard's overall verdict (评估结论)."""
    from .scorecard import OVERALL_ZH, county_scorecard

    return {(c, y): OVERALL_ZH[county_scorecard(evaluation.county(c, y), data_dir).overall]
            for c, y in evaluation.county_years()}


def index_html(table: pd.DataFrame, year: int, links: dict, failed: list[dict], synthetic: bool,
               indicator_names: dict) -> str:
    """The batch index page: the cross-county table with links, failed runs listed, all text escaped."""
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
        cell = f'<a href="{e(link)}">{name}</a>' if link else name
        tds = [cell] + [f"<td>{e(row[c])}</td>" for c in head[1:]]
        body.append("<tr><td>" + tds[0] + "</td>" + "".join(tds[1:]) + "</tr>")
    fails = "".join(f"<li>{e(f['county'])}：{e(f['error'])}</li>" for f in failed)
    notice = f'<p class="synthetic">{e(SYNTHETIC_LABEL)}</p>' if synthetic else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{year}年 县域义务教育优质均衡 资源配置评估总览</title>
<style>
@page {{ size: A4 landscape; margin: 12mm; }}
body {{ font-family: system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif;
       margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; font-size: 12px; }} th, td {{ border: 1px solid #bbb; padding: 3px 6px; }}
th {{ background: #eef; }} td {{ white-space: nowrap; }} tr {{ page-break-inside: avoid; }} .synthetic {{ color: #a00; font-weight: bold; }}
.failed {{ color: #a00; }}
</style></head><body>
<h1>{year}年 县域义务教育优质均衡发展 资源配置评估总览</h1>
{notice}
<table><thead><tr>{"".join(f"<th>{e(label[c])}</th>" for c in head)}</tr></thead>
<tbody>{"".join(body)}</tbody></table>
<h2>运行失败</h2>
{f'<ul class="failed">{fails}</ul>' if fails else "<p>无</p>"}
<p>junyun {e(__version__)}；差异系数显示 3 位小数，按未经四舍五入的数值判定。</p>
</body></html>
"""
