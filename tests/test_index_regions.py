"""The index grouped by province and city, the national summary, its scale, and each county's multi-year page.

Index rows are written by hand here (what a briefing hands back: ``row``, ``limits``, ``over`` …) into a
temporary workspace, so no notebook runs.  Every expected value — the order of the groups, their counts, which
CV is beyond its limit — is worked out in the test from the numbers it wrote, not read from junyun.  All county
names but the four sample counties are made up (合成).
"""
from __future__ import annotations

import json
import random
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from junyun_lib.io import atomic
from junyun_lib.report.html_export import dangerous_references, external_references
from junyun_lib.report.overview import history_html, index_html
from junyun_lib.rules import fallback_slug
from junyun_lib.runner.batch import update_manifest, write_index
from junyun_lib.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
CODES = ["teachers_above_degree", "key_teachers", "pe_art_teachers", "teaching_aux_area", "sports_area",
         "equipment_value", "multimedia_classrooms"]
NAMES = {"teachers_above_degree": "每百名学生拥有高于规定学历教师数", "key_teachers": "每百名学生拥有县级以上骨干教师数",
         "pe_art_teachers": "每百名学生拥有体育、艺术（美术、音乐）专任教师数", "teaching_aux_area": "生均教学及辅助用房面积",
         "sports_area": "生均体育运动场馆面积", "equipment_value": "生均教学仪器设备值",
         "multimedia_classrooms": "每百名学生拥有网络多媒体教室数"}
LIMIT = {"小学": 0.50, "初中": 0.45}
HOSTILE = "<script>alert(1)</script>县"


def beyond(cv: float, limit: float, comparison: str) -> bool:
    """Not within the limit: "≤" fails above it, "<" fails at it too (the test's own reading)."""
    return cv >= limit if comparison == "<" else cv > limit


def make_doc(county: str, year: int, cvs: dict, comparison: str = "≤", synthetic: bool = True) -> dict:
    """An index row as a briefing writes it: ``cvs`` is stage → 7 CVs (exact at 3 decimals)."""
    row: dict = {"县区": county, "年度": year}
    over = []
    for stage, values in cvs.items():
        bad = [code for code, v in zip(CODES, values) if beyond(v, LIMIT[stage], comparison)]
        over += [f"{stage}·{code}" for code in bad]
        row[f"{stage}结论"] = "未达标" if bad else "达标"
        row[f"{stage}综合差异系数"] = f"{sum(values) / len(values):.3f}"
        row[f"{stage}未达校级规则学校数"] = 3
        row.update({f"{stage}·{code}": f"{v:.3f}" for code, v in zip(CODES, values)})
    return {"county": county, "year": year, "overall": "未达到", "plan": "—", "row": row, "indicator_names": NAMES,
            "synthetic": synthetic, "limits": {s: f"{comparison} {LIMIT[s]:.2f}" for s in cvs}, "over": over,
            "composite_limits": {}, "composite_over": [], "standard": "quality-2017", "balance": "优质均衡"}


def put(ws: Workspace, slug: str, doc: dict) -> dict:
    """Write a county-year's index row and a stand-in page, as a finished run leaves them; its manifest row."""
    atomic.write_text(ws.index_row_path(slug, doc["year"]), json.dumps(doc, ensure_ascii=False))
    atomic.write_text(ws.briefing_path(slug, doc["year"]), "<!DOCTYPE html><html><body>简报</body></html>")
    return {"county": doc["county"], "slug": slug, "year": doc["year"], "status": "ok", "error": ""}


class Tables(HTMLParser):
    """Every table of a page as rows of (cell text, cell class, cell tag), and the ids and hrefs it holds."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tables, self.hrefs, self._cell, self._skip = [], [], None, 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = [tag, a.get("class") or "", []]
        elif tag == "a" and "href" in a:
            self.hrefs.append(a["href"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(("".join(self._cell[2]).strip(), self._cell[1], self._cell[0]))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None and not self._skip:
            self._cell[2].append(data)


def county_table(html: str) -> list[list[tuple]]:
    """The rows of the index's county table (the one with two header rows)."""
    return next(t for t in Tables(html).tables if len(t) > 2 and t[0] and t[0][0][0] == "县区")


def group_rows(html: str) -> list[str]:
    """The text of every group header row of the county table, in order."""
    return [row[0][0] for row in county_table(html)[2:] if len(row) == 1 and row[0][2] == "th"]


# --------------------------------------------------------------------------------------- the samples
SAMPLES = {"jinxian": "进贤县", "shicheng": "石城县", "shizhu": "石柱县", "xiangning": "乡宁县"}
YEAR = 2024


@pytest.fixture()
def sample_outputs(tmp_path):
    """The four sample counties' configurations (their real county.toml) and two made-up counties without
    one; hand-made index rows for 2023 and 2024 (2023: 进贤县 only), one failed run."""
    data = tmp_path / "data"
    for slug in SAMPLES:
        (data / "raw" / slug).mkdir(parents=True)
        shutil.copy(REPO / "data/raw" / slug / "county.toml", data / "raw" / slug / "county.toml")
    ws = Workspace(data, tmp_path / "outputs")
    ok = [0.30, 0.40, 0.20, 0.30, 0.40, 0.20, 0.30]
    bad = [0.30, 0.55, 0.20, 0.30, 0.40, 0.20, 0.30]
    cvs = {"进贤县": ({"小学": ok, "初中": [0.3] * 7}, "<"), "石城县": ({"小学": bad, "初中": [0.3] * 7}, "≤"),
           "石柱县": ({"小学": ok, "初中": bad}, "≤"), "乡宁县": ({"小学": bad, "初中": bad}, "≤"),
           "合成甲县": ({"小学": ok, "初中": [0.3] * 7}, "≤"), HOSTILE: ({"小学": bad, "初中": [0.3] * 7}, "≤")}
    slugs = {**{name: slug for slug, name in SAMPLES.items()}, "合成甲县": fallback_slug("合成甲县"),
             HOSTILE: fallback_slug(HOSTILE)}
    rows = [put(ws, slugs[c], make_doc(c, YEAR, v, comparison=op)) for c, (v, op) in cvs.items()]
    rows.append(put(ws, "jinxian", make_doc("进贤县", 2023, {"小学": bad, "初中": [0.45] * 7}, comparison="<")))
    rows.append({"county": "合成乙县", "slug": fallback_slug("合成乙县"), "year": YEAR, "status": "failed",
                 "error": "ValueError: 合成的失败"})
    update_manifest(ws, rows)
    (index,) = write_index(ws, [YEAR])
    return ws, index.read_text(encoding="utf-8"), slugs


def test_workspace_region_comes_from_county_toml(sample_outputs):
    ws, _, _ = sample_outputs
    assert ws.region("进贤县") == ("江西省", "南昌市") and ws.region("石柱县") == ("重庆市", "")
    assert ws.region("乡宁县") == ("山西省", "临汾市") and ws.region("合成甲县") == ("", "")


def test_sample_counties_are_grouped_by_province_then_city(sample_outputs):
    _, html, _ = sample_outputs
    # national division codes: 山西 14, 江西 36, 重庆 50; cities by text (南 U+5357 before 赣 U+8D63); then
    # the counties without configuration.  Passing counts from the CVs written above (达标 = no CV beyond).
    assert group_rows(html) == [
        "山西省县区 1 个；小学达标 0 个，初中达标 0 个", "临汾市县区 1 个；小学达标 0 个，初中达标 0 个",
        "江西省县区 2 个；小学达标 1 个，初中达标 2 个", "南昌市县区 1 个；小学达标 1 个，初中达标 1 个",
        "赣州市县区 1 个；小学达标 0 个，初中达标 1 个",
        "重庆市县区 1 个；小学达标 1 个，初中达标 0 个",
        "未注明省份县区 2 个；小学达标 1 个，初中达标 2 个"]
    names = [row[0][0] for row in county_table(html)[2:] if len(row) > 1]
    assert names == ["乡宁县", "进贤县", "石城县", "石柱县", HOSTILE, "合成甲县"]   # unconfigured: by text ("<" first)
    # the national summary: one row per province with a link to its group, and the total
    summary = next(t for t in Tables(html).tables if t[0][0][0] == "省份")
    assert [[c[0] for c in r] for r in summary[1:]] == [
        ["山西省", "1", "0", "0"], ["江西省", "2", "1", "2"], ["重庆市", "1", "1", "0"], ["未注明省份", "2", "1", "2"],
        ["合计", "6", "3", "4"]]
    for n in range(4):
        assert f'href="#sheng-{n}"' in html and html.count(f'id="sheng-{n}"') == 1
    assert "另有 1 个县区未能生成简报" in html and "合成乙县" in html.split("运行失败")[1]


def test_index_keeps_its_marks_links_and_headers(sample_outputs):
    ws, html, slugs = sample_outputs
    assert "合成示例数据" in html and '<th rowspan="2">评估结论</th>' in html
    assert "小学（差异系数限值 ≤ 0.50；进贤县 &lt; 0.50）" in html
    rows = {row[0][0]: row for row in county_table(html)[2:] if len(row) > 1}
    # 石城县's 骨干教师 (0.550 > 0.50) is marked, and nothing else of its primary CVs
    marked = [c[0] for c in rows["石城县"] if "over" in c[1]]
    assert marked == ["0.550▲"]
    assert external_references(html) == [] and dangerous_references(html) == []
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    # every county with a finished run links its multi-year page, and the page is there
    for county, slug in slugs.items():
        link = f"../history/{slug}.html"
        assert f'href="{link}"' in html, county
        assert (ws.index_path(YEAR).parent / link).is_file()
    assert fallback_slug("合成乙县") not in html                       # failed: no page, no link
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;县" in html


def test_script_is_inline_and_controls_hidden_without_it(sample_outputs):
    _, html, _ = sample_outputs
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert len(scripts) == 1 and scripts[0][0] == ""                   # inline, no src
    assert "http" not in scripts[0][1] and "import" not in scripts[0][1]
    assert '<div id="tools" class="tools" hidden>' in html              # shown only by the script
    assert ".tools { display: none !important; }" in html and "@page { size: A4 landscape" in html


# ---------------------------------------------------------------------------------- multi-year page
def test_multi_year_page_shows_each_year_as_the_index_rows_say(sample_outputs):
    ws, _, _ = sample_outputs
    page = ws.history_page_path("jinxian").read_text(encoding="utf-8")
    docs = {y: json.loads(ws.index_row_path("jinxian", y).read_text(encoding="utf-8")) for y in (2023, 2024)}
    tables = Tables(page).tables[1:]                                   # after the years' verdicts and reasons
    assert len(tables) == 2                                            # 小学, 初中
    for stage, table in zip(("小学", "初中"), tables):
        header = [c[0] for c in table[0]]
        assert header[:6] == ["年度", "评估标准", "结论", "原因", "差异系数限值", "综合差异系数"]
        assert len(header) == 6 + len(CODES)
        assert [r[0][0] for r in table[1:]] == ["2023年", "2024年"]
        for r, year in zip(table[1:], (2023, 2024)):
            row = docs[year]["row"]
            assert r[2][0] == row[f"{stage}结论"] and r[4][0] == f"各项指标 < {LIMIT[stage]:.2f}"
            assert r[5][0] == row[f"{stage}综合差异系数"]
            for cell, code in zip(r[6:], CODES):
                value = float(row[f"{stage}·{code}"])
                over = beyond(value, LIMIT[stage], "<")                # 进贤县 reads "<": at the limit is beyond
                assert cell[0] == row[f"{stage}·{code}"] + ("▲" if over else ""), (stage, year, code)
                assert ("over" in cell[1]) == over
    # 2023 初中: every CV is exactly 0.450, beyond "< 0.45"
    assert [c[0] for c in tables[1][1][6:]] == ["0.450▲"] * 7
    assert "江西省 南昌市" in page and "合成示例数据" in page
    assert 'href="../2023/jinxian.html"' in page and 'href="../2024/jinxian.html"' in page
    assert dangerous_references(page) == [] and "<script" not in page


def test_multi_year_page_at_the_limit_under_less_or_equal():
    doc = make_doc("合成丙县", 2024, {"小学": [0.50] * 7, "初中": [0.46] * 7})
    page = history_html("合成丙县", [doc])
    _, primary, junior = Tables(page).tables                           # the years' verdicts first
    assert [c[0] for c in primary[1][6:]] == ["0.500"] * 7              # ≤ 0.50: at the limit passes
    assert [c[0] for c in junior[1][6:]] == ["0.460▲"] * 7
    assert "所属：未注明省份" in page


def test_multi_year_page_escapes_a_hostile_name(sample_outputs):
    ws, _, _ = sample_outputs
    page = ws.history_page_path(fallback_slug(HOSTILE)).read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;县 历年资源配置差异系数" in page
    assert "所属：未注明省份" in page


def test_a_county_whose_only_run_failed_has_no_multi_year_page(sample_outputs):
    ws, _, _ = sample_outputs
    assert not ws.history_page_path(fallback_slug("合成乙县")).exists()
    assert sorted(p.name for p in ws.history_dir.iterdir()) == sorted(f"{s}.html" for s in sample_outputs[2].values())


# --------------------------------------------------------------------------------------------- scale
PROVINCES = ["北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
             "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区",
             "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省",
             "宁夏回族自治区", "新疆维吾尔自治区"]


def national(n: int, seed: int = 7):
    """``n`` made-up counties (合成…县) over the 31 provinces, cities 合成…市, random CVs."""
    rng = random.Random(seed)
    rows, regions, over = [], {}, {}
    for i in range(n):
        county = f"合成{i:04d}县"
        regions[county] = (PROVINCES[i % 31], f"合成{i % 31:02d}{(i // 31) % 9}市")
        doc = make_doc(county, YEAR, {s: [round(rng.uniform(0.2, 0.56), 3) for _ in CODES] for s in LIMIT})
        row = dict(doc["row"], 评估结论="未达到", 推进计划="—")
        rows.append(row)
        over[county] = doc["over"]
    table = pd.DataFrame(rows)
    table = table[["县区", "年度", "评估结论", "推进计划"] + [c for c in table.columns
                                                   if c not in ("县区", "年度", "评估结论", "推进计划")]]
    links = {c: {"网页": f"c{i}.html", "Word": f"c{i}.docx"} for i, c in enumerate(table["县区"])}
    history = {c: f"../history/c{i}.html" for i, c in enumerate(table["县区"])}
    return table, regions, over, links, history


def build(n: int) -> tuple[str, float, pd.DataFrame]:
    table, regions, over, links, history = national(n)
    start = time.perf_counter()
    html = index_html(table, YEAR, links, [], True, NAMES, limits={"小学": "≤ 0.50", "初中": "≤ 0.45"},
                      over=over, regions=regions, history=history)
    return html, time.perf_counter() - start, table


def test_index_of_2850_counties():
    html, _, table = build(2850)
    rows = county_table(html)                                          # parsed once: 2.6 MB
    groups = [row[0][0] for row in rows[2:] if len(row) == 1 and row[0][2] == "th"]
    for province in PROVINCES:
        part = table[table["县区"].map(lambda c: PROVINCES[int(c[2:6]) % 31] == province)]
        primary, junior = int((part["小学结论"] == "达标").sum()), int((part["初中结论"] == "达标").sum())
        text = f"{province}县区 {len(part)} 个；小学达标 {primary} 个，初中达标 {junior} 个"
        assert groups.count(text) == 1, text
        assert html.count(f">{province}<span") == 1
    assert len([g for g in groups if g.startswith(tuple(PROVINCES))]) == 31
    assert len(groups) == 31 + 31 * 9                                 # each province and each of its 9 cities
    assert len(rows) == 2 + len(groups) + 2850
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html) and "http" not in html
    assert len(html.encode("utf-8")) < 8 * 1024 * 1024


def test_index_builds_in_time_linear_in_the_counties():
    small = min(build(100)[1] for _ in range(3))
    large = min(build(2850)[1] for _ in range(2))
    assert large <= 60 * small, (large, small)                       # 28.5× the rows


# ------------------------------------------------------------------------------- the notebook's views
def fake_evaluation():
    """An evaluation's tables by hand: 进贤县 (江西省 南昌市, "<"), 石柱县 (重庆市), 合成甲县 (no configuration),
    2023 and 2024; CVs chosen so some sit exactly at the limit."""
    from types import SimpleNamespace

    from junyun_lib.rules import CountyConfig, load_standard

    standard = load_standard("quality-2017")
    counties = {"合成甲县": CountyConfig.unknown("合成甲县"),
                "进贤县": CountyConfig("进贤县", "jinxian", province="江西省", city="南昌市", source="x"),
                "石柱县": CountyConfig("石柱县", "shizhu", province="重庆市", source="x")}
    ops = {"进贤县": "<", "石柱县": "<=", "合成甲县": "<="}
    limit = {"primary": 0.50, "junior": 0.45}
    ind, stages = [], []
    for county in counties:
        for year in (2023, 2024):
            for stage in ("primary", "junior"):
                cvs = [limit[stage] if (year == 2024 and k == 1) else 0.2 + 0.01 * k for k in range(7)]
                for code, cv in zip(CODES, cvs):
                    ind.append({"county": county, "year": year, "stage": stage, "indicator": code, "cv": cv,
                                "cv_limit": limit[stage], "cv_comparison": ops[county],
                                "cv_pass": not beyond(cv, limit[stage], "<" if ops[county] == "<" else "≤")})
                stages.append({"county": county, "year": year, "stage": stage, "schools_in_scope": 10,
                               "students": 1000, "composite_cv": sum(cvs) / 7, "schools_failing_rule": 2,
                               "passes": not (ops[county] == "<" and year == 2024)})
    return SimpleNamespace(indicators=pd.DataFrame(ind), stages=pd.DataFrame(stages), counties=counties,
                           standards={c: standard for c in counties})


def test_overview_view_groups_by_province_and_city():
    from junyun_lib.app import views

    html = views.overview(fake_evaluation()).data
    tables = Tables(html).tables
    assert len(tables) == 3                                            # verdicts, 小学 CVs, 初中 CVs
    for table in tables:
        cells = [r[0][0] for r in table[1:]]
        assert cells == ["江西省（县区 1 个）", "南昌市（县区 1 个）", "进贤县", "进贤县", "重庆市（县区 1 个）", "石柱县",
                         "石柱县", "未注明省份（县区 1 个）", "合成甲县", "合成甲县"]
    assert views.first_county(fake_evaluation()) == "进贤县"


def test_county_years_view_marks_what_is_beyond_the_limit():
    from junyun_lib.app import views

    ev = fake_evaluation()
    for county, strict in (("进贤县", True), ("石柱县", False)):
        tables = views.county_years_tables(ev, county)
        assert list(tables) == ["小学", "初中"]
        for stage, limit in (("小学", 0.50), ("初中", 0.45)):
            table = Tables(tables[stage]).tables[0]
            assert [c[0] for c in table[0]][:4] == ["年度", "结论", "差异系数限值", "综合差异系数"]
            assert [r[0][0] for r in table[1:]] == ["2023", "2024"]
            op = "<" if strict else "≤"
            assert table[2][2][0] == f"各项 {op} {limit:.2f}"
            # 2024's second indicator sits exactly at the limit: beyond it only under "<"
            cell = table[2][5]
            assert cell[0] == f"{limit:.3f}" + ("▲" if strict else "") and ("over" in cell[1]) == strict
            composite = (sum(0.2 + 0.01 * k for k in range(7) if k != 1) + limit) / 7
            assert table[2][3][0] == f"{composite:.3f}"
            assert table[2][1][0] == ("未达标" if strict else "达标")
            assert not [c for r in table[1:2] for c in r if "over" in c[1]]       # 2023: nothing beyond
