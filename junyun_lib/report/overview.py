"""Cross-county overview (县区总览): one row per county-year with verdicts and the CVs, the batch index page and
a county's multi-year page.

:func:`summary_table` works on whole result tables at once (no per-county loop), so a national file of 2,850
county-years takes a fraction of a second; the index page (:func:`index_html`) and the multi-year page
(:func:`history_html`) are built from the rows the briefings hand back.  The index groups counties by
province and city as their ``county.toml`` states them (:func:`regions_in_order`), with a national summary on
top, and stays usable with 2,850 counties: an inline script (no other host) filters and sorts the rows; with
scripts off, or printed, the page is the whole grouped table.
"""
from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from ..rules.regions import UNSTATED_PROVINCE, region_key
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


def _escape(x) -> str:
    return html.escape("" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x))


def _relative(link) -> bool:
    """True for a link to a file of these outputs (no scheme, no other host)."""
    return bool(link) and not _NOT_RELATIVE.match(str(link))


def regions_in_order(counties, regions: dict | None) -> list[tuple[str, str, list[str]]]:
    """The counties grouped by province and city, in the order of :func:`~junyun_lib.rules.regions.region_key`:
    ``[(province, city, [county, …]), …]``; a county ``regions`` does not name (or names no province for) is
    under :data:`~junyun_lib.rules.regions.UNSTATED_PROVINCE`; ``city`` is "" for counties no city is stated for.

    Examples
    --------
    >>> regions_in_order(["石柱县", "甲县", "进贤县"], {"进贤县": ("江西省", "南昌市"), "石柱县": ("重庆市", "")})
    [('江西省', '南昌市', ['进贤县']), ('重庆市', '', ['石柱县']), ('未注明省份', '', ['甲县'])]
    """
    regions = regions or {}
    keyed = []
    for county in dict.fromkeys(str(c) for c in counties):
        province, city = regions.get(county, ("", ""))
        province, city = (province or "").strip() or UNSTATED_PROVINCE, (city or "").strip()
        keyed.append((region_key(province, city, county), province, city, county))
    out: list[tuple[str, str, list[str]]] = []
    for _, province, city, county in sorted(keyed):
        if out and out[-1][0] == province and out[-1][1] == city:
            out[-1][2].append(county)
        else:
            out.append((province, city, [county]))
    return out


_STAGES_ZH = tuple(STAGE_ZH[s] for s in STAGES)     # the stages evaluated (小学, 初中)


def _passing(rows: list[dict]) -> dict[str, int]:
    """Stage (小学/初中) → how many of ``rows`` pass it (结论 达标)."""
    return {zh: sum(1 for r in rows if r.get(f"{zh}结论") == "达标") for zh in _STAGES_ZH}


def _counts_text(rows: list[dict]) -> str:
    passing = _passing(rows)
    return f"县区 {len(rows)} 个；" + "，".join(f"{zh}达标 {n} 个" for zh, n in passing.items())


# The index's script: filter by name and province, sort by a column (numbers as numbers, "—" last), back to the
# grouped order.  Inert until used; the controls it needs are hidden unless it runs, so the page without scripts
# (or printed) is the whole grouped table.  No address of any kind: it loads nothing.
_INDEX_SCRIPT = """
(function () {
  var table = document.getElementById("counties");
  var tools = document.getElementById("tools");
  if (!table || !tools || !table.tBodies.length) { return; }
  var body = table.tBodies[0];
  var original = Array.prototype.slice.call(body.rows);
  var counties = original.filter(function (r) { return !r.classList.contains("grp"); });
  var nameBox = document.getElementById("f-name"), provBox = document.getElementById("f-prov");
  var shownText = document.getElementById("f-count"), reset = document.getElementById("f-reset");
  var sorted = null;
  // column of each sortable header: a header over two rows is one column; a stage's header spans the
  // columns named in the second row
  var heads = [], col = 0, second = table.tHead.rows[1] ? Array.prototype.slice.call(table.tHead.rows[1].cells) : [];
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    if (th.rowSpan > 1) { if (!th.classList.contains("files")) { heads.push([th, col]); } col += 1; }
    else { for (var k = 0; k < th.colSpan; k++) { heads.push([second.shift(), col]); col += 1; } }
  });
  function key(row, c) {
    var cell = row.cells[c];
    var t = cell ? cell.textContent.replace(/\\u25b2/g, "").trim() : "";
    if (t === "" || t === "\\u2014") { return null; }
    var n = /^-?[0-9]+(\\.[0-9]+)?$/.test(t) ? parseFloat(t) : NaN;
    return isNaN(n) ? t : n;
  }
  function compare(a, b, dir) {
    if (a === null || b === null) { return a === null ? (b === null ? 0 : 1) : -1; }   // "—" last, either way
    var na = typeof a === "number", nb = typeof b === "number";
    if (na !== nb) { return na ? -1 : 1; }
    return dir * (na ? a - b : a.localeCompare(b, "zh-CN"));
  }
  function apply() {
    var name = nameBox.value.trim(), prov = provBox.value, shown = 0, groups = {};
    counties.forEach(function (r) {
      var ok = (!prov || r.getAttribute("data-prov") === prov) &&
               (!name || r.cells[0].textContent.indexOf(name) >= 0);
      r.hidden = !ok;
      if (ok) { shown += 1; groups[r.getAttribute("data-grp")] = true; groups["p" + r.getAttribute("data-prov")] = true; }
    });
    original.forEach(function (r) {
      if (r.classList.contains("grp")) { r.hidden = sorted !== null || !groups[r.getAttribute("data-grp")]; }
    });
    shownText.textContent = "显示 " + shown + " 个县区，共 " + counties.length + " 个";
    reset.hidden = sorted === null;
  }
  function mark() {
    heads.forEach(function (h) {
      var on = sorted !== null && sorted.col === h[1];
      h[0].classList.toggle("asc", on && sorted.dir === 1);
      h[0].classList.toggle("desc", on && sorted.dir === -1);
      if (on) { h[0].setAttribute("aria-sort", sorted.dir === 1 ? "ascending" : "descending"); }
      else { h[0].removeAttribute("aria-sort"); }
    });
  }
  function sortBy(c) {
    var dir = sorted !== null && sorted.col === c && sorted.dir === 1 ? -1 : 1;
    sorted = {col: c, dir: dir};
    var keyed = counties.map(function (r, i) { return [key(r, c), i, r]; });
    keyed.sort(function (a, b) { return compare(a[0], b[0], dir) || a[1] - b[1]; });
    keyed.forEach(function (k) { body.appendChild(k[2]); });
    mark(); apply();
  }
  function grouped() {
    sorted = null;
    original.forEach(function (r) { body.appendChild(r); });
    mark(); apply();
  }
  heads.forEach(function (h) {
    h[0].classList.add("sortable");
    h[0].title = "点击按此列排序，再点一次倒序";
    h[0].tabIndex = 0;
    h[0].addEventListener("click", function () { sortBy(h[1]); });
    h[0].addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sortBy(h[1]); }
    });
  });
  nameBox.addEventListener("input", apply);
  provBox.addEventListener("change", apply);
  reset.addEventListener("click", grouped);
  Array.prototype.forEach.call(document.querySelectorAll("a.to-province"), function (a) {
    a.addEventListener("click", function () { nameBox.value = ""; provBox.value = ""; grouped(); });
  });
  tools.hidden = false;
  apply();
})();
"""


def _page_start(title: str, synthetic: bool) -> str:
    """The start of a printable page up to its own styles: A4 landscape, page numbers, the synthetic-data label
    on every printed page, the fonts (``title`` already escaped)."""
    running = (f'@top-center {{ content: "{css_string(SYNTHETIC_LABEL)}"; font-size: 8pt; font-weight: bold; color: #a00; }}'
               if synthetic else "")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{ size: A4 landscape; margin: 12mm 8mm;
        @bottom-center {{ content: "第 " counter(page) " 页，共 " counter(pages) " 页"; font-size: 8pt; color: #555; }}
        {running} }}
body {{ font-family: system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif;
       margin: 1.5em; color: #222; }}"""


def index_html(table: pd.DataFrame, year: int, links: dict, failed: list[dict], synthetic: bool,
               indicator_names: dict, limits: dict | None = None, over: dict | None = None,
               balance: str = "优质均衡", regions: dict | None = None, history: dict | None = None) -> str:
    """The batch index page: a national summary by province, then the cross-county table grouped by province
    and city, with links; failed runs listed with their reasons (the located problems, one per line); all text
    escaped; only relative links (files beside it).

    Parameters
    ----------
    table : DataFrame
        One row per county (县区, 年度, then the columns of :func:`summary_table` and the index's own).
    year : int
        The year of the page.
    links : dict
        County → the briefing page's file name, or ``{"网页": …, "Word": …, "评估结果（Excel）": …}``.
    failed : list of dict
        ``{"county", "error"}`` of each failed run.
    synthetic : bool
        Whether to show the synthetic-data label (on screen and on every printed page).
    indicator_names : dict
        Indicator code → its Chinese name (short names head the columns, full names are under the table).
    limits : dict, optional
        Stage (小学/初中) → the CV limit as shown (``≤ 0.50``), in the stage's header.
    over : dict, optional
        County → the columns whose CV is beyond its limit, marked ▲ and in red.
    balance : str
        Names the evaluation in the title (优质均衡, 基本均衡; "优质均衡、基本均衡" for a mixed year).
    regions : dict, optional
        County → (province, city) as its configuration states them; a county not in it, or with no province,
        is grouped under 未注明省份 (:func:`regions_in_order`).
    history : dict, optional
        County → the relative link of its multi-year page (历年), in the 文件 column.

    Notes
    -----
    Laid out for landscape A4: two header rows (stage, then short indicator names; full names under the table),
    headers that break only between words, a header row per province and per city with its counts.  The
    script's controls are hidden unless it runs and never print.
    """
    e = _escape
    limits, over, history = limits or {}, over or {}, history or {}
    head = ["县区"] + [c for c in table.columns if c not in ("县区", "年度")]
    groups = _column_groups(head, indicator_names)
    files = any(isinstance(v, dict) for v in links.values()) or any(_relative(v) for v in history.values())
    width = len(head) + (1 if files else 0)
    top = "".join(f'<th rowspan="2">{e(cols[0])}</th>' if not stage else
                  f'<th colspan="{len(cols)}" class="group">{e(stage)}'
                  + (f'（差异系数限值 {e(limits[stage])}）' if stage in limits else "") + "</th>"
                  for stage, cols in groups)
    if files:
        top += '<th rowspan="2" class="files">文件</th>'
    second = "".join(f'<th class="{"cv" if "·" in c else "sub"}">{e(_short_header(c, stage, indicator_names))}</th>'
                     for stage, cols in groups if stage for c in cols)

    def county_row(row: dict, province_no: int, group: str) -> str:
        county = row["县区"]
        name = e(county)
        target = links.get(county)
        page = target.get("网页") if isinstance(target, dict) else target
        cell = f'<a href="{e(page)}">{name}</a>' if _relative(page) else name
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
            own = dict(target) if isinstance(target, dict) else {}
            if _relative(history.get(county)):
                own["历年"] = history[county]
            tds.append('<td class="files">' + " ".join(f'<a href="{e(v)}">{e(k)}</a>' for k, v in own.items()
                                                        if _relative(v)) + "</td>")
        return f'<tr data-prov="{province_no}" data-grp="{group}">' + "".join(tds) + "</tr>"

    records = {str(r["县区"]): r for r in table.to_dict("records")}
    ordered = regions_in_order(records, regions)
    provinces = list(dict.fromkeys(province for province, _, _ in ordered))
    by_province = {p: [records[c] for q, _, names in ordered if q == p for c in names] for p in provinces}
    body, cities = [], {}
    for province, city, names in ordered:
        p = provinces.index(province)
        if not cities.get(province):
            cities[province] = 0
            body.append(f'<tr class="grp province" id="sheng-{p}" data-grp="p{p}"><th colspan="{width}" '
                        f'scope="rowgroup">{e(province)}<span class="counts">{e(_counts_text(by_province[province]))}'
                        "</span></th></tr>")
        group = f"p{p}"
        if city:
            cities[province] += 1
            group = f"p{p}c{cities[province]}"
            body.append(f'<tr class="grp city" data-grp="{group}"><th colspan="{width}" scope="rowgroup">'
                        f'{e(city)}<span class="counts">{e(_counts_text([records[c] for c in names]))}</span>'
                        "</th></tr>")
        body += [county_row(records[c], p, group) for c in names]

    stages_zh = list(_STAGES_ZH)
    summary_rows = []
    for p, province in enumerate(provinces):
        rows = by_province[province]
        passing = _passing(rows)
        summary_rows.append(f'<tr><td class="text"><a class="to-province" href="#sheng-{p}">{e(province)}</a></td>'
                            f'<td class="num">{len(rows)}</td>'
                            + "".join(f'<td class="num">{passing[zh]}</td>' for zh in stages_zh) + "</tr>")
    total = _passing(list(records.values()))
    summary = ("<p>无</p>" if not provinces else
               '<table class="summary"><thead><tr><th>省份</th><th>县区数（个）</th>'
               + "".join(f"<th>{e(zh)}达标县区数（个）</th>" for zh in stages_zh) + "</tr></thead><tbody>"
               + "".join(summary_rows) + "</tbody>"
               + f'<tfoot><tr><th>合计</th><td class="num">{len(records)}</td>'
               + "".join(f'<td class="num">{total[zh]}</td>' for zh in stages_zh) + "</tr></tfoot></table>")
    failed_note = (f'<p class="legend">另有 {len(failed)} 个县区未能生成简报，未列入上表，原因列在页末。</p>'
                   if failed else "")
    options = "".join(f'<option value="{p}">{e(province)}</option>' for p, province in enumerate(provinces))
    tools = ('<div id="tools" class="tools" hidden><label>县区名称 <input type="search" id="f-name" '
             'placeholder="输入名称的一部分"></label> <label>省份 <select id="f-prov"><option value="">全部省份'
             f'</option>{options}</select></label> <button type="button" id="f-reset" hidden>恢复按省份分组</button> '
             '<span id="f-count"></span><span class="hint">点击列标题排序，再点一次倒序（“—”总在最后）。</span></div>')
    codes = [c.split("·", 1)[1] for c in head if "·" in c]
    legend = "；".join(f"{e(short_name(code, indicator_names.get(code, code)))}＝{e(indicator_names.get(code, code))}"
                      for code in dict.fromkeys(codes))
    # the reason keeps its lines (head, then one located problem per line: file, row, column, value)
    fails = "".join(f'<li><span class="county">{e(f["county"])}</span>：'
                    f'<div class="reason">{e(str(f.get("error") or "").strip())}</div></li>' for f in failed)
    notice = f'<p class="synthetic">{e(SYNTHETIC_LABEL)}</p>' if synthetic else ""
    return f"""{_page_start(f"{year}年 县域义务教育{e(balance)} 资源配置评估总览", synthetic)}
h1 {{ font-size: 1.4em; }} h2 {{ font-size: 1.15em; }}
table {{ border-collapse: collapse; font-size: 12px; }}
th, td {{ border: 1px solid #bbb; padding: 3px 5px; }}
th {{ background: #eef; font-weight: 600; word-break: keep-all; vertical-align: bottom; }}
th.cv {{ min-width: 3.6em; max-width: 5.5em; }} th.sub {{ min-width: 3.6em; max-width: 6em; }} th.group {{ text-align: center; }}
td {{ white-space: nowrap; }} td.reason {{ white-space: normal; min-width: 14em; max-width: 28em; }}
img.chart {{ max-width: 100%; height: auto; break-inside: avoid; page-break-inside: avoid; }} .note {{ color: #444; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.text {{ white-space: normal; min-width: 6em; max-width: 14em; }} td.over {{ color: #b00; font-weight: bold; }}
tr {{ page-break-inside: avoid; break-inside: avoid; }} thead {{ display: table-header-group; }}
tr.grp th {{ text-align: left; background: #f4f4f8; }} tr.province th {{ background: #dde3f0; font-size: 13px; }}
tr.city th {{ padding-left: 1.5em; font-weight: 600; }} tr.grp .counts {{ font-weight: normal; margin-left: 1.5em; color: #333; }}
tr.province {{ break-after: avoid; page-break-after: avoid; }} tr.city {{ break-after: avoid; page-break-after: avoid; }}
table.summary {{ margin-bottom: 1em; }} table.summary tfoot th, table.summary tfoot td {{ font-weight: 600; background: #f4f4f8; }}
.tools {{ margin: 0.6em 0; font-size: 13px; }} .tools input, .tools select, .tools button {{ font: inherit; margin-right: 0.8em; }}
.tools .hint {{ color: #555; margin-left: 0.8em; }}
th.sortable {{ cursor: pointer; }} th.asc::after {{ content: " ↑"; }} th.desc::after {{ content: " ↓"; }}
.synthetic {{ color: #a00; font-weight: bold; }} .legend {{ font-size: 11px; color: #444; }}
.failed {{ color: #a00; }} .failed li {{ margin-bottom: 0.6em; }} .failed .county {{ font-weight: bold; }}
.failed .reason {{ white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; color: #222; margin-top: 0.2em; }}
@media print {{ body {{ margin: 0; }} table {{ font-size: 9px; }} th, td {{ padding: 2px 3px; }} .tools {{ display: none !important; }}
               th.asc::after, th.desc::after {{ content: ""; }} }}
</style></head><body>
<h1>{year}年 县域义务教育{e(balance)}发展 资源配置评估总览</h1>
{notice}
<h2>各省份汇总</h2>
{summary}
{failed_note}
<h2>各县区</h2>
{tools}
<table id="counties"><thead><tr>{top}</tr><tr>{second}</tr></thead>
<tbody>{"".join(body)}</tbody></table>
<p class="legend">▲ 差异系数超过限值（标红）。指标简称：{legend}。按省份、地市分组，省份和地市取自各县区配置；未配置的县区列在“{e(UNSTATED_PROVINCE)}”之下。</p>
<h2>运行失败</h2>
{f'<ul class="failed">{fails}</ul>' if fails else "<p>无</p>"}
<p>junyun {e(__version__)}；差异系数显示 3 位小数，按未经四舍五入的数值判定。</p>
<script>{_INDEX_SCRIPT}</script>
</body></html>
"""


def _limit_cell(doc: dict, stage: str) -> str:
    """The limits a year's row is judged against: each indicator's CV, and the composite's where the standard
    sets one (basic-2012)."""
    parts = []
    if stage in doc.get("limits", {}):
        parts.append(f"各项指标 {doc['limits'][stage]}")
    if stage in doc.get("composite_limits", {}):
        parts.append(f"综合 {doc['composite_limits'][stage]}")
    return "；".join(parts) or "—"


def history_facts(result) -> dict:
    """What a county's multi-year page needs of a county-year beyond its index row, taken from the
    :class:`~junyun_lib.evaluation.evaluate.CountyResult` when the briefing is made (the batch keeps no result):

    * ``schools_failing_rule`` — schools with a part failing the per-school rule (校级达标规则), each school
      once however many stages it teaches; None when the standard has no such rule (basic-2012);
    * ``guarantee_unmet`` — the school-level guarantee checks some school fails, one entry per check
      (``item``: its Chinese name with the stage where it has one, ``schools``: how many schools);
    * ``cv_points`` — every indicator's CV with its limit and verdict (for the CV trend chart), numbers or None.
    """
    std = result.standard
    failing = None
    parts = getattr(result, "parts", None)
    if std.has_school_standards and std.school_rule and parts is not None and "passes_school_rule" in parts:
        bad = ~parts["passes_school_rule"].astype("boolean").fillna(True).to_numpy(dtype=bool)
        failing = int(parts.loc[bad, "school_id"].nunique())
    unmet = []
    if std.guarantee:
        g = result.guarantee
        bad = g[~g["passes"].astype("boolean").fillna(True).to_numpy(dtype=bool)]    # NA = not applicable
        for (check, check_zh), sub in bad.groupby(["check", "check_zh"], sort=False):
            stage = next((f"（{STAGE_ZH[s]}）" for s in STAGES if str(check).endswith(f"_{s}")), "")
            unmet.append({"item": f"{check_zh}{stage}", "schools": int(sub["school_id"].nunique())})
        unmet.sort(key=lambda u: -u["schools"])          # the most widespread first (named before 等)

    def number(v):
        return None if v is None or pd.isna(v) else float(v)

    def flag(v):
        return None if v is None or pd.isna(v) else bool(v)

    ind = result.indicators
    points = [{"stage": str(s), "indicator": str(c), "cv": number(cv), "cv_limit": number(lim),
               "cv_comparison": None if op is None or pd.isna(op) else str(op), "cv_pass": flag(ok)}
              for s, c, cv, lim, op, ok in zip(ind["stage"], ind["indicator"], ind["cv"],
                                               ind.get("cv_limit", pd.Series(np.nan, index=ind.index)),
                                               ind.get("cv_comparison", pd.Series(None, index=ind.index, dtype=object)),
                                               ind.get("cv_pass", pd.Series(None, index=ind.index, dtype=object)))]
    return {"schools_failing_rule": failing, "guarantee_unmet": unmet, "cv_points": points}


def _count(value) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n


def year_reasons(doc: dict) -> list[str]:
    """Why a year is not passed, in words, from its index row: CVs beyond their limit, schools failing the
    per-school rule, school-level guarantee checks unmet ([] when nothing of these fails)."""
    reasons = []
    over = [k for k in doc.get("over", ()) if "·" in k]
    composite = list(doc.get("composite_over", ()))
    if over:
        by_stage = [f"{zh} {sum(1 for k in over if k.startswith(f'{zh}·'))} 项" for zh in _STAGES_ZH
                    if any(k.startswith(f"{zh}·") for k in over)]
        reasons.append(f"{len(over)} 项差异系数超限（{'，'.join(by_stage)}）")
    if composite:
        reasons.append(f"{'、'.join(composite)}综合差异系数超限")
    failing = _count(doc.get("schools_failing_rule"))
    if failing is None:                      # an index row written before the count was kept: the stages' sum
        counts = [_count(doc["row"].get(f"{zh}未达校级规则学校数")) for zh in _STAGES_ZH]
        failing = sum(n for n in counts if n) if any(n is not None for n in counts) else None
    if failing:
        reasons.append(f"{failing} 所学校未达校级规则")
    unmet = doc.get("guarantee_unmet") or []
    if unmet:
        names = list(dict.fromkeys(str(u["item"]) for u in unmet))
        shown = "、".join(names[:2]) + ("等" if len(names) > 2 else "")
        reasons.append(f"{shown} {len(names)} 项校级保障未达标")
    return reasons


def _reason_cell(doc: dict) -> str:
    """The 原因 of a year's row: the reasons, or what the verdict rests on when none of them applies."""
    reasons = year_reasons(doc)
    overall = str(doc.get("overall") or "—")
    if reasons:
        return "；".join(reasons)
    if overall == "未达到":
        return "评估表其他项目未达标，详见该年度简报"
    if overall.startswith("无法判定"):
        return "部分项目缺少数据，无法判定，详见该年度简报"
    if overall == "达到":
        return "各项均达标"
    return "—"


def _stage_verdicts(doc: dict) -> str:
    parts = [f"{zh}{doc['row'].get(f'{zh}结论')}" for zh in _STAGES_ZH
             if doc["row"].get(f"{zh}结论") not in (None, "—")]
    return "，".join(parts) or "—"


def history_chart_html(county: str, docs: list[dict]) -> str:
    """The CV trend chart (:func:`~junyun_lib.report.charts.cv_trend_chart`, a panel per stage) as an ``<img>``
    with a PNG data URI, or a sentence saying why there is none (one year only, or rows without CVs)."""
    years = sorted({int(d["year"]) for d in docs})
    if len(years) < 2:
        return f'<p class="note">仅有 {years[0] if years else ""} 年一年的数据，尚无历年变化趋势图。</p>'
    with_points = [d for d in docs if d.get("cv_points")]
    if len({int(d["year"]) for d in with_points}) < 2:
        return '<p class="note">各年度简报未记录绘图所需的差异系数，重新生成简报后显示趋势图。</p>'
    import base64
    from types import SimpleNamespace

    from .charts import cv_trend_chart, figure_to_png_bytes

    names: dict = {}
    for d in with_points:
        names.update(d.get("indicator_names", {}))
    codes = list(dict.fromkeys(p["indicator"] for d in with_points for p in d["cv_points"]))
    standard = SimpleNamespace(indicators=[SimpleNamespace(code=c, name_zh=names.get(c, c)) for c in codes])
    results = []
    for d in with_points:
        table = pd.DataFrame(d["cv_points"]).assign(county=county, year=int(d["year"]))
        table["cv"] = pd.to_numeric(table["cv"], errors="coerce")
        table["cv_limit"] = pd.to_numeric(table["cv_limit"], errors="coerce")
        results.append(SimpleNamespace(county=county, year=int(d["year"]), indicators=table, standard=standard,
                                       synthetic=bool(d.get("synthetic"))))
    fig = cv_trend_chart(results, county)
    title = fig._suptitle.get_text().replace(r"\$", "$") if fig._suptitle is not None else "差异系数历年变化"
    data = base64.b64encode(figure_to_png_bytes(fig)).decode("ascii")
    return f'<img class="chart" alt="{_escape(title)}" src="data:image/png;base64,{data}">'


def _stage_reason(doc: dict, zh: str) -> str:
    """Why a stage of a year is not passed: its CVs beyond the limit and its schools failing the rule."""
    if doc["row"].get(f"{zh}结论") != "未达标":
        return "—"
    parts = []
    over = sum(1 for k in doc.get("over", ()) if k.startswith(f"{zh}·"))
    if over:
        parts.append(f"{over} 项差异系数超限")
    if zh in doc.get("composite_over", ()):
        parts.append("综合差异系数超限")
    failing = _count(doc["row"].get(f"{zh}未达校级规则学校数"))
    if failing:
        parts.append(f"{failing} 所学校未达校级规则")
    return "；".join(parts) or "—"


def history_html(county: str, docs: list[dict], *, region: tuple[str, str] = ("", ""),
                 links: dict | None = None, failed_years=(), index_links: dict | None = None) -> str:
    """A county's multi-year page (历年差异系数): per stage, one row per year with the stage's verdict, the
    limits, the composite and every indicator's CV, each beyond its limit marked ▲ and in red.

    Parameters
    ----------
    county : str
        The county's name.
    docs : list of dict
        The index rows the briefings wrote (:func:`~junyun_lib.report.briefing.index_summary`), one per year:
        nothing is evaluated again.
    region : (str, str)
        Province and city as the county's configuration states them ("" where it does not).
    links : dict, optional
        Year → the relative link of that year's briefing page.
    failed_years : iterable of int
        Years whose run failed (named under the tables; they have no row).
    index_links : dict, optional
        Year → the relative link of that year's index page (总览).

    On top, one row per year: the overall verdict, the stages' verdicts, the reasons in words
    (:func:`year_reasons`) and the links to the year's briefing and index; then the CV trend chart
    (:func:`history_chart_html`) and the tables per stage.
    """
    e = _escape
    links = links or {}
    index_links = index_links or {}
    docs = sorted(docs, key=lambda d: int(d["year"]))
    names: dict = {}
    for d in docs:
        names.update(d.get("indicator_names", {}))
    province, city = (region[0] or "").strip(), (region[1] or "").strip()
    where = " ".join(x for x in (province, city) if x) if province else f"{UNSTATED_PROVINCE}" + (f"（{city}）" if city else "")
    sections = []
    for zh in _STAGES_ZH:
        codes = list(dict.fromkeys(k.split("·", 1)[1] for d in docs for k in d["row"] if k.startswith(f"{zh}·")))
        head = ["年度", "评估标准", "结论", "原因", "差异系数限值", "综合差异系数"] + \
               [short_name(c, names.get(c, c)) for c in codes]
        rows = []
        for d in docs:
            row, year = d["row"], int(d["year"])
            over = set(d.get("over", ())) | {f"{s}综合差异系数" for s in d.get("composite_over", ())}
            link = links.get(year)
            year_cell = f'<a href="{e(link)}">{year}年</a>' if _relative(link) else f"{year}年"
            tds = [f'<td class="text">{year_cell}</td>', f'<td class="text">{e(d.get("balance") or "优质均衡")}</td>',
                   f'<td class="text">{e(row.get(f"{zh}结论", "—"))}</td>',
                   f'<td class="text reason">{e(_stage_reason(d, zh))}</td>', f'<td class="text">{e(_limit_cell(d, zh))}</td>']
            for column in [f"{zh}综合差异系数"] + [f"{zh}·{c}" for c in codes]:
                value = row.get(column, "—")
                if column in over:
                    tds.append(f'<td class="num over" title="超过限值">{e(value)}▲</td>')
                else:
                    tds.append(f'<td class="num">{e(value)}</td>')
            rows.append("<tr>" + "".join(tds) + "</tr>")
        sections.append(f'<h2>{e(zh)}</h2><table class="years"><thead><tr>'
                        + "".join(f'<th>{e(h)}</th>' for h in head) + "</tr></thead><tbody>"
                        + "".join(rows) + "</tbody></table>")
    codes = list(dict.fromkeys(k.split("·", 1)[1] for d in docs for k in d["row"] if "·" in k))
    legend = "；".join(f"{e(short_name(c, names.get(c, c)))}＝{e(names.get(c, c))}" for c in codes
                      if short_name(c, names.get(c, c)) != names.get(c, c))
    summary = []
    for d in docs:
        year = int(d["year"])
        link, index = links.get(year), index_links.get(year)
        go = [f'<a href="{e(link)}">{year}年简报</a>' if _relative(link) else "",
              f'<a href="{e(index)}">{year}年总览</a>' if _relative(index) else ""]
        summary.append(f'<tr><td class="text">{year}年</td><td class="text">{e(d.get("overall") or "—")}</td>'
                       f'<td class="text">{e(_stage_verdicts(d))}</td>'
                       f'<td class="text reason">{e(_reason_cell(d))}</td>'
                       f'<td class="text">{"　".join(x for x in go if x) or "—"}</td></tr>')
    summary_table_html = ('<h2>各年度结论与原因</h2><table class="years"><thead><tr>'
                          + "".join(f"<th>{h}</th>" for h in ("年度", "评估结论", "各学段结论", "原因", "查看"))
                          + "</tr></thead><tbody>" + "".join(summary) + "</tbody></table>")
    latest_index = next((index_links.get(int(d["year"])) for d in reversed(docs)
                         if _relative(index_links.get(int(d["year"])))), None)
    back = f'<p class="nav"><a href="{e(latest_index)}">返回总览</a></p>' if latest_index else ""
    chart = f'<h2>差异系数历年变化</h2>{history_chart_html(county, docs)}'
    failed = sorted(set(int(y) for y in failed_years))
    failed_note = (f'<p class="legend">{e("、".join(f"{y}年" for y in failed))}未能生成简报，未列入上表，'
                   "原因见该年度的总览页。</p>" if failed else "")
    synthetic = any(d.get("synthetic") for d in docs)
    notice = f'<p class="synthetic">{e(SYNTHETIC_LABEL)}</p>' if synthetic else ""
    return f"""{_page_start(f"{e(county)} 历年资源配置差异系数", synthetic)}
h1 {{ font-size: 1.4em; }} h2 {{ font-size: 1.15em; break-after: avoid; page-break-after: avoid; }}
table {{ border-collapse: collapse; font-size: 12px; margin-bottom: 0.8em; }}
th, td {{ border: 1px solid #bbb; padding: 3px 5px; }}
th {{ background: #eef; font-weight: 600; word-break: keep-all; vertical-align: bottom; min-width: 3.6em; max-width: 6em; }}
td {{ white-space: nowrap; }} td.reason {{ white-space: normal; min-width: 14em; max-width: 28em; }}
img.chart {{ max-width: 100%; height: auto; break-inside: avoid; page-break-inside: avoid; }} .note {{ color: #444; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.over {{ color: #b00; font-weight: bold; }}
tr {{ page-break-inside: avoid; break-inside: avoid; }} thead {{ display: table-header-group; }}
.synthetic {{ color: #a00; font-weight: bold; }} .legend {{ font-size: 11px; color: #444; }}
@media print {{ body {{ margin: 0; }} table {{ font-size: 10px; }} th, td {{ padding: 2px 3px; }} }}
</style></head><body>
<h1>{e(county)} 历年资源配置差异系数</h1>
{back}
<p>所属：{e(where)}；共 {len(docs)} 个年度。</p>
{notice}
{summary_table_html}
{chart}
{"".join(sections)}
<p class="legend">▲ 差异系数超过限值（标红）。结论为该年度该学段的评估结论。{f"指标简称：{legend}。" if legend else ""}</p>
{failed_note}
<p>junyun {e(__version__)}；差异系数显示 3 位小数，按未经四舍五入的数值判定；各年度数值取自该年度的简报。</p>
</body></html>
"""
