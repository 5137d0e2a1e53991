"""The Word copy of a briefing (issue 28 item 2): tables fitted to their content, each paragraph once, and each
section in the page's words for the standard in force.

Expectations are computed here, from the page (HTML) and the document itself: character widths are counted with
``unicodedata`` (CJK full, the rest half), text width from the document's own section, numbers recognised by a
pattern of this file — never with ``word.py``'s helpers.
"""
from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import docx
import docx.shared
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

REPO = Path(__file__).resolve().parents[1]
W = qn


# --------------------------------------------------------------------------------------------- the page
class PageSections(HTMLParser):
    """The page's sections by ``<h2>`` heading: the text of each paragraph-like block (``p``, ``li``, ``h1``),
    tables apart as their header row; the footer after ``<hr>`` is left out."""

    BLOCKS = ("p", "li", "h1")

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, dict[str, list]] = {}
        self._current: str | None = None
        self._heading: list[str] | None = None
        self._block: list[str] | None = None
        self._table = 0
        self._cell: list[str] | None = None
        self._skip = 0
        self._done = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "title"):
            self._skip += 1
        elif self._done:
            return
        elif tag == "hr" and self._current:
            self._done = True
        elif tag == "h2":
            self._heading = []
        elif tag == "table":
            self._table += 1
            if self._current:
                self.sections[self._current]["tables"].append([])
        elif tag == "th" and self._table:
            self._cell = []
        elif tag in self.BLOCKS and not self._table:
            self._block = []

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self._skip -= 1
        elif self._done:
            return
        elif tag == "h2" and self._heading is not None:
            self._current = "".join(self._heading).strip()
            self.sections[self._current] = {"paragraphs": [], "tables": []}
            self._heading = None
        elif tag == "table":
            self._table -= 1
        elif tag == "th" and self._cell is not None:
            if self._current:
                self.sections[self._current]["tables"][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag in self.BLOCKS and self._block is not None:
            text = "".join(self._block).strip()
            if text and self._current:
                self.sections[self._current]["paragraphs"].append(text)
            self._block = None

    def handle_data(self, data):
        if self._skip or self._done:
            return
        for part in (self._heading, self._cell, self._block):
            if part is not None:
                part.append(data)


# ------------------------------------------------------------------------------------------ the document
def word_sections(document) -> dict[str, dict[str, list]]:
    """The document's sections by Heading 1: the non-empty paragraphs and tables (header row) under each; the
    footer (after the empty paragraph that ends section 十) left out."""
    sections: dict[str, dict[str, list]] = {}
    current = None
    for child in document.element.body.iterchildren():
        if child.tag == W("w:p"):
            p = Paragraph(child, document)
            if p.style.name == "Heading 1":
                current = p.text
                sections[current] = {"paragraphs": [], "tables": [], "objects": []}
                continue
            if current is None:
                continue
            has_picture = bool(child.findall(".//" + W("w:drawing")))
            if not p.text.strip() and not has_picture:
                current = None              # the empty paragraph before the footer
                continue
            if p.text.strip():
                sections[current]["paragraphs"].append(p.text.strip())
        elif child.tag == W("w:tbl") and current is not None:
            table = Table(child, document)
            sections[current]["tables"].append([c.text for c in table.rows[0].cells])
            sections[current]["objects"].append(table)
    return sections


def units(text: str) -> float:
    """Width in full-width characters of the longest line: East Asian wide/full-width/ambiguous 1, others ½."""
    return max(sum(1 if unicodedata.east_asian_width(c) in "WFA" else 0.5 for c in line)
               for line in (text.splitlines() or [""]))


# a number, maybe with a comparison, a fraction and a unit ("83 人", "3,398 平方米", "5/7", "34.5%")
NUMBER = re.compile(r"^(?:[≥≤<>]\s*)?[-+]?\d[\d,]*(?:\.\d+)?(?:/\d+)?\s*(?:%|m²|[\u4e00-\u9fff]{1,3})?$")


def text_width_twips(document) -> int:
    s = document.sections[0]
    return int((s.page_width - s.left_margin - s.right_margin) / 635)      # EMU → twips


def grid_widths(table: Table) -> list[int]:
    return [int(g.get(W("w:w"))) for g in table._tbl.tblGrid.findall(W("w:gridCol"))]


def cell_texts(table: Table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


# ------------------------------------------------------------------------------------------------ 石城县
@pytest.fixture(scope="module")
def shicheng(sample_pages):
    document = docx.Document(str(sample_pages / "shicheng.docx"))
    page = PageSections((sample_pages / "shicheng.html").read_text(encoding="utf-8")).sections
    return document, page


def test_tables_fitted_to_their_content(shicheng):
    document, _ = shicheng
    limit = text_width_twips(document)
    assert 9500 < limit < 9700                                   # A4 less 20 mm margins: 170 mm
    assert document.tables
    for table in document.tables:
        rows = cell_texts(table)
        widths = grid_widths(table)
        header = rows[0]
        assert len(widths) == len(header)
        # autofit off, and every cell as wide as its column
        layout = table._tbl.tblPr.find(W("w:tblLayout"))
        assert layout is not None and layout.get(W("w:type")) == "fixed", header
        for row in table.rows:
            for cell, width in zip(row.cells, widths):
                tcw = cell._tc.tcPr.find(W("w:tcW"))
                assert tcw.get(W("w:type")) == "dxa" and int(tcw.get(W("w:w"))) == width, header
        assert sum(widths) <= limit, header
        longest = [max(units(r[j]) for r in rows) for j in range(len(header))]
        if len(set(longest)) > 1:
            assert len(set(widths)) > 1, header
        # the widest column holds the longest content
        assert widths[longest.index(max(longest))] == max(widths), (header, widths, longest)
        # a column of at most four characters a cell (序号, 学段, 结论) is narrow: under 2 cm
        for j, n in enumerate(longest):
            if n <= 4:
                assert widths[j] <= 1134, (header[j], widths[j])
                assert widths[j] < max(widths) or len(set(longest)) == 1


def test_gap_column_is_wide_and_the_sequence_column_narrow(shicheng):
    document, _ = shicheng
    failing = next(t for t in document.tables if cell_texts(t)[0][:2] == ["学校", "学段"])
    header = cell_texts(failing)[0]
    widths = dict(zip(header, grid_widths(failing)))
    # the gap column holds at least 20 characters a line (9 pt: 180 twips a character, cell margins 216)
    assert (widths["缺口"] - 216) / 180 >= 20, widths
    assert widths["缺口"] == max(widths.values())
    form = next(t for t in document.tables if "序号" in cell_texts(t)[0] and "评估内容" in cell_texts(t)[0])
    widths = dict(zip(cell_texts(form)[0], grid_widths(form)))
    assert widths["序号"] * 3 < widths["评估内容"], widths


def test_numbers_right_aligned_and_header_repeats(shicheng):
    document, _ = shicheng
    checked = 0
    for table in document.tables:
        rows = cell_texts(table)
        first = table.rows[0]._tr.trPr
        assert first is not None and first.find(W("w:tblHeader")) is not None, rows[0]
        assert all(r._tr.trPr is None or r._tr.trPr.find(W("w:tblHeader")) is None for r in table.rows[1:])
        for j in range(len(rows[0])):
            body = [r[j] for r in rows[1:]]
            numeric = all(NUMBER.match(v) or v == "—" for v in body) and any(v != "—" for v in body)
            for row in table.rows[1:]:
                align = row.cells[j].paragraphs[0].alignment
                if numeric:
                    assert align == WD_ALIGN_PARAGRAPH.RIGHT, (rows[0][j], row.cells[j].text)
                    checked += 1
                elif any(unicodedata.east_asian_width(c) == "W" for c in row.cells[j].text):
                    assert align != WD_ALIGN_PARAGRAPH.RIGHT, (rows[0][j], row.cells[j].text)
    assert checked > 20


def test_each_paragraph_once(shicheng):
    document, _ = shicheng
    texts = [p.text for p in document.paragraphs if p.text.strip()]
    assert not [a for a, b in zip(texts, texts[1:]) if a == b]
    assert len(texts) == len(set(texts)), [t for t in texts if texts.count(t) > 1]
    form = word_sections(document)["评估表：四个方面与不予认定事项"]["paragraphs"]
    assert len(form) == len(set(form)) and sum("才能认定为优质均衡" in p for p in form) == 1


def test_sections_as_on_the_page(shicheng):
    """Each section of the Word copy says what the page says, in order, and shows the same tables."""
    document, page = shicheng
    word = word_sections(document)
    assert list(word) == list(page)
    for title in page:
        assert word[title]["paragraphs"] == page[title]["paragraphs"], title
        assert word[title]["tables"] == page[title]["tables"], title


def test_no_introduction_without_its_content(shicheng):
    document, page = shicheng
    word = word_sections(document)
    cv = next(t for t in word["一、差异系数（校际均衡）"]["objects"])
    verdicts = [row[j] for row in cell_texts(cv)[1:-1] for j, h in enumerate(cell_texts(cv)[0]) if h.endswith("结论")]
    assert verdicts and all(v.startswith("✓") for v in verdicts)       # 石城县: every CV within its limit
    causes = word["六、差距成因、最低成本达标方案与达标路线图"]
    assert not any("超限的指标由哪些学校造成" in p for p in causes["paragraphs"])
    assert not any(any("贡献最大" in h for h in t) for t in causes["tables"])
    assert causes["paragraphs"][0] == page["六、差距成因、最低成本达标方案与达标路线图"]["paragraphs"][0]
    assert "限值内" in causes["paragraphs"][0]
    # an introduction that announces a table ("下表") is followed by one in the same section
    for title, section in word.items():
        if any("下表" in p for p in section["paragraphs"]):
            assert section["tables"], title


# --------------------------------------------------------------------------------------- basic-2012
@pytest.fixture(scope="module")
def basic_copy(tmp_path_factory):
    """进贤县 2024 under basic-2012 through the batch: its page and Word copy."""
    from _build import ingest, sample_county_folder
    from junyun_lib.runner.batch import run_batch, tasks_for
    from junyun_lib.workspace import Workspace

    root = tmp_path_factory.mktemp("basic-word")
    folder = sample_county_folder(root / "data", "jinxian", 2024)
    ingest([folder / "schools_2024.xlsx"], data_dir=root / "data")
    ws = Workspace(root / "data", root / "outputs")
    rows = run_batch(ws, tasks_for(ws, standard="basic-2012", notebook=REPO / "notebooks" / "10_county_briefing.ipynb"),
                     workers=1, show_progress=False)
    assert [r["status"] for r in rows] == ["ok"], rows
    out = root / "outputs" / "2024"
    document = docx.Document(str(out / "jinxian.docx"))
    page = PageSections((out / "jinxian.html").read_text(encoding="utf-8")).sections
    return document, page


# the quality-balance wording of section introductions, which a basic-balance copy must not carry
QUALITY_WORDING = ("才能认定为优质均衡", "实线为标准值（100%）", "虚线为校级规则的下限", "每行一所至少有一项指标未达标的学校",
                   "并与评估限值比较", "差异系数超限的指标由哪些学校造成", "校额、班额、音乐美术专用教室中未达标的项目")


def test_basic_balance_copy_has_basic_balance_introductions(basic_copy):
    document, page = basic_copy
    word = word_sections(document)
    text = "\n".join(p for s in word.values() for p in s["paragraphs"])
    assert document.paragraphs[0].text == "进贤县 2024年 义务教育基本均衡发展 资源配置评估简报"
    for said in QUALITY_WORDING:
        assert said not in text, said
    intro = {title: s["paragraphs"][0] for title, s in word.items() if s["paragraphs"]}
    assert intro["评估表：四个方面与不予认定事项"].startswith("评估表仅适用于县域义务教育优质均衡发展督导评估")
    assert "8 项资源配置指标" in intro["一、差异系数（校际均衡）"] and "综合差异系数" in intro["一、差异系数（校际均衡）"]
    assert "基本均衡评估不设学校层面的标准值" in intro["二、各指标的学校分布"]
    assert "全县该学段加权均值" in intro["二、各指标的学校分布"]
    assert "本节不适用" in intro["三、学校达标情况"]
    assert "基本均衡评估不含校额、班额" in intro["八、政府保障程度（校级项目）"]
    # section 三 shows no chart under basic balance, as the page
    heat = document.element.body
    titles = [p for p in document.paragraphs if p.style.name == "Heading 1"]
    start = next(p for p in titles if p.text == "三、学校达标情况")._p
    end = next(p for p in titles if p.text == "四、历年差异系数变化")._p
    children = list(heat.iterchildren())
    between = children[children.index(start) + 1:children.index(end)]
    assert not [c for c in between if c.findall(".//" + W("w:drawing"))]
    # and every section as on the page
    assert list(word) == list(page)
    for title in page:
        assert word[title]["paragraphs"] == page[title]["paragraphs"], title
        assert word[title]["tables"] == page[title]["tables"], title


# ------------------------------------------------------------------------------------------ edge cases
def _one_table(frame):
    import io

    from junyun_lib.report import word

    doc = docx.Document()
    doc.sections[0].left_margin = doc.sections[0].right_margin = docx.shared.Mm(20)
    word.add_table(doc, frame)
    buf = io.BytesIO()
    doc.save(buf)
    back = docx.Document(io.BytesIO(buf.getvalue()))
    return back, back.tables[0]


def test_many_long_columns_still_fit_the_page():
    import pandas as pd

    frame = pd.DataFrame({f"很长的列标题第{i}列": ["很长的说明文字" * 6] for i in range(12)})
    document, table = _one_table(frame)
    widths = grid_widths(table)
    assert sum(widths) <= text_width_twips(document) and min(widths) > 0


def test_one_long_column_takes_the_room_short_ones_keep_theirs():
    import pandas as pd

    frame = pd.DataFrame({"序号": [1, 2, 3], "学校": ["某某镇中心小学", "某某乡学校", "某某小学"],
                          "说明": ["缺口很大，需要补充教师和校舍" * 8, "短", "中等长度的说明文字"],
                          "金额（万元）": ["1,234.5", "12.0", "3.4"]})
    document, table = _one_table(frame)
    widths = dict(zip(cell_texts(table)[0], grid_widths(table)))
    assert sum(widths.values()) <= text_width_twips(document)
    # 序号 and the school names keep one line (7 CJK characters a line at 9 pt, 180 twips each, plus margins)
    assert widths["序号"] <= 2 * 180 + 216 + 180
    assert widths["学校"] >= 7 * 180 + 216
    assert widths["说明"] == max(widths.values()) and widths["说明"] > text_width_twips(document) / 2
    right = [table.rows[1].cells[j].paragraphs[0].alignment for j in range(4)]
    assert right[0] == right[3] == WD_ALIGN_PARAGRAPH.RIGHT and right[1] != WD_ALIGN_PARAGRAPH.RIGHT
