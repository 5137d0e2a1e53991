"""Leader-grade pages (领导阅读的页面): every briefing of the sample counties, the index and the Word copies, as the
batch writes them, read the way a bureau leader reads them.

One batch, one year (2024) of each sample county, into a temporary folder.  Every page, the index and every
Word copy must be free of what only a programmer understands: no "seed NNN", no file path or file name, no code
identifier (``snake_case`` words), no UTC time stamp, no count shown as "47.0"; sources are cited by document
title and number (``../shared/DOMAIN.md``), national rules by the national document.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest


REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "10_county_briefing.ipynb"     # this checkout's, whatever is installed
COUNTIES = {"jinxian": "进贤县", "shicheng": "石城县", "shizhu": "石柱县", "xiangning": "乡宁县"}
YEAR = 2024

SEED = re.compile(r"seed", re.IGNORECASE)
FILE_NAME = re.compile(r"[\w\-]+\.(?:py|ipynb|csv|xlsx|xls|toml|parquet|json|html|docx|md)\b", re.IGNORECASE)
PATH = re.compile(r"(?:[A-Za-z_][\w.\-]*/)+[\w.\-]+|[A-Za-z]:\\")
IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")          # snake_case
UTC = re.compile(r"UTC|GMT|\d{2}:\d{2}(?::\d{2})?(?:\+00:00|Z)\b")
COUNT_DOT_ZERO = re.compile(r"\d\.0\s*(?:所|人|间|项|班|名|次|个(?!百分点))")   # "22.0 个百分点" is no count
COUNT_HEADER = re.compile(r"（(?:所|人|间|个|项|班)）$|学校数$")


class _Text(HTMLParser):
    """The visible text of a page and its tables (header, rows of cells)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.parts, self.tables, self._skip, self._cell = [], [], 0, None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "title"):
            self._skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None
        if tag in ("p", "div", "tr", "li", "h1", "h2", "h3", "td", "th", "br"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)
            if self._cell is not None:
                self._cell.append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def offences(text: str) -> list[str]:
    """What a leader's page must not show, each with a little context."""
    found = []
    for name, pattern in (("seed", SEED), ("file name", FILE_NAME), ("path", PATH), ("identifier", IDENTIFIER),
                          ("UTC stamp", UTC), ("count with .0", COUNT_DOT_ZERO)):
        for m in pattern.finditer(text):
            found.append(f"{name}: …{text[max(0, m.start() - 30):m.end() + 30]}…")
    return found


def count_cells(tables: list) -> list[str]:
    """Cells of count columns (header ending in （所）, （人） … or 学校数) that are not whole numbers."""
    bad = []
    for rows in tables:
        if not rows:
            continue
        header = rows[0]
        for row in rows[1:]:
            for head, cell in zip(header, row):
                if COUNT_HEADER.search(head) and cell not in ("—", "") and not re.fullmatch(r"\d[\d,]*", cell):
                    bad.append(f"{head}: {cell}")
    return bad


def docx_text(path: Path) -> tuple[str, list]:
    import docx

    doc = docx.Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    tables = []
    for t in doc.tables:
        rows = [[c.text for c in r.cells] for r in t.rows]
        tables.append(rows)
        parts += ["\t".join(r) for r in rows]
    for section in doc.sections:
        parts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    return "\n".join(parts), tables


@pytest.fixture(scope="module")
def outputs(sample_pages):
    return sample_pages          # tests/conftest.py: the sample counties' 2024 batch, built once per session


@pytest.mark.parametrize("slug", sorted(COUNTIES))
def test_briefing_page_reads_as_a_leader_reads_it(outputs, slug):
    page = _Text((outputs / f"{slug}.html").read_text(encoding="utf-8"))
    assert COUNTIES[slug] in page.text
    assert offences(page.text) == []
    assert count_cells(page.tables) == []
    assert "北京时间" in page.text
    assert "《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）" in page.text


@pytest.mark.parametrize("slug", sorted(COUNTIES))
def test_word_copy_reads_as_the_page_does(outputs, slug):
    text, tables = docx_text(outputs / f"{slug}.docx")
    assert f"{COUNTIES[slug]} {YEAR}年 义务教育优质均衡发展 资源配置评估简报" in text
    assert offences(text) == []
    assert count_cells(tables) == []
    assert "北京时间" in text


def test_index_reads_as_a_leader_reads_it(outputs):
    html = (outputs / "index.html").read_text(encoding="utf-8")
    page = _Text(html)
    assert offences(page.text) == []
    for slug, name in COUNTIES.items():
        assert name in page.text
        assert f'href="{slug}.html"' in html and f'href="{slug}.docx"' in html and f'href="{slug}.xlsx"' in html
    # each stage's limit in its header (进贤县 reads "<"), values over it marked
    assert "小学（差异系数限值 ≤ 0.50；进贤县 < 0.50）" in page.text
    assert "初中（差异系数限值 ≤ 0.45；进贤县 < 0.45）" in page.text
    assert 'class="num over"' in html and "▲" in page.text
    # the plan column says what the briefing says: 石城县 has only 2025 targets (and here one year of data, so
    # no recent pace: the items not reached are counted as such, never "—" or "没有落后")
    row = next(r for t in page.tables for r in t if r and r[0] == "石城县")
    assert any("2025年目标 7 项：5 项未达到、尚无近年进度可比" in cell for cell in row)


def test_index_groups_the_samples_and_links_their_years(outputs):
    html = (outputs / "index.html").read_text(encoding="utf-8")
    text = _Text(html).text
    # provinces in the order of the national division codes: 山西 14, 江西 36, 重庆 50
    assert text.index("山西省") < text.index("江西省") < text.index("重庆市")
    assert "未注明省份" not in text.split("各县区")[0]                    # every sample county is configured
    for slug, name in COUNTIES.items():
        history = outputs.parent / "history" / f"{slug}.html"
        assert f'href="../history/{slug}.html"' in html and history.is_file()
        page = _Text(history.read_text(encoding="utf-8"))
        assert f"{name} 历年资源配置差异系数" in page.text and offences(page.text) == []
        assert "合成示例数据" in page.text and f"{YEAR}年" in page.text


def test_national_rules_cite_the_national_document(outputs):
    """进贤县's briefing cites 教督〔2017〕6号 (and the national explanatory notes), never 乡宁县's scheme, for
    rules that 乡宁县's scheme only quotes."""
    for path in (outputs / "jinxian.html", outputs / "jinxian.docx"):
        text = _Text(path.read_text(encoding="utf-8")).text if path.suffix == ".html" else docx_text(path)[0]
        assert "乡宁" not in text and "乡政办发" not in text
        assert "（教督〔2017〕6号）" in text
        assert "《进贤县（2021-2030）年义务教育优质均衡发展推进计划》（进府办发〔2021〕61号）" in text


def test_long_lists_are_summarised_in_the_page_and_whole_in_the_workbook(outputs):
    import openpyxl

    page = _Text((outputs / "shicheng.html").read_text(encoding="utf-8"))
    assert "另有 47 所，完整名单见评估结果（Excel）“未达校级规则学校”工作表" in page.text   # 57 schools, 10 shown
    book = openpyxl.load_workbook(outputs / "shicheng.xlsx", read_only=True)
    assert sum(1 for _ in book["未达校级规则学校"].iter_rows()) == 57 + 1   # a streamed sheet states no dimension
    assert {"评估表", "校级保障未达标", "推进计划", "远期目标进度"} <= set(book.sheetnames)
