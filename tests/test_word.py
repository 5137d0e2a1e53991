"""The Word copy of a briefing (简报 Word 版): opens with python-docx, A4, Chinese fonts declared, the same sections
as the page, the headline, the CV table and the charts."""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm

from _build import ingest
from junyun_lib.report import briefing, word
from junyun_lib.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def b(tmp_path_factory):
    data = tmp_path_factory.mktemp("word")
    folder = data / "raw" / "xiangning"
    folder.mkdir(parents=True)
    for name in ("county.toml", "plan.csv", "county_indicators_2024.csv", "schools_2024.xlsx"):
        shutil.copy(REPO / "data/raw/xiangning" / name, folder / name)
    ingest([folder / "schools_2024.xlsx"], data_dir=data)
    # an outputs folder of its own: the repository's (after `make run`) holds an official roadmap the copy would show
    return Workspace(data, data / "outputs").briefing("乡宁县", 2024)


@pytest.fixture(scope="module")
def document(b):
    return docx.Document(io.BytesIO(word.briefing_docx(b)))


def test_headline_sections_and_footer(b, document):
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "乡宁县 2024年 义务教育优质均衡发展 资源配置评估简报"
    assert any(p.startswith("小学资源配置未达标") for p in paragraphs)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [s.title for s in briefing.SECTIONS]
    assert any("北京时间" in p for p in paragraphs)
    header = document.sections[0].header.paragraphs[0].text
    assert "合成示例数据" in header                          # on every page: the header repeats
    footer = document.sections[0].footer.paragraphs[0]
    fields = [t.text.strip() for t in footer._p.iter(qn("w:instrText"))]
    assert fields == ["PAGE", "NUMPAGES"] and footer.text == "第 1 页，共 1 页"   # Word updates the numbers


def test_cv_table_as_on_the_page(b, document):
    expected = briefing.cv_table(b)
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "指标")
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == list(expected.columns)
    assert rows[1:] == [[str(v) for v in r] for r in expected.itertuples(index=False)]
    # numbers right-aligned, text left
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    assert table.rows[1].cells[1].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert table.rows[1].cells[0].paragraphs[0].alignment in (None, WD_ALIGN_PARAGRAPH.LEFT)


def test_charts_are_pictures(document):
    # one year of data: the distribution chart and the two heat maps (the trend is a sentence)
    pictures = document.inline_shapes
    assert len(pictures) == 3
    blobs = [document.part.related_parts[s._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
             for s in pictures]
    assert all(blob[:8] == b"\x89PNG\r\n\x1a\n" for blob in blobs)


def test_a4_and_chinese_fonts_declared(document):
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == word.BODY_FONT
    heading = document.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    assert heading.get(qn("w:eastAsia")) == word.HEADING_FONT


def test_long_lists_carry_their_note(b, document):
    text = "\n".join(p.text for p in document.paragraphs)
    frame = briefing.failing_schools(b)
    if frame.attrs.get("more"):
        assert frame.attrs["more"] in text


def test_the_notebook_has_the_same_sections():
    """The briefing notebook's headings are :data:`briefing.SECTIONS`, in order (so the Word copy and the page
    hold the same sections)."""
    nb = json.loads((REPO / "notebooks/10_county_briefing.ipynb").read_text(encoding="utf-8"))
    headings = [line[3:].strip() for cell in nb["cells"] if cell["cell_type"] == "markdown"
                for line in "".join(cell["source"]).splitlines() if line.startswith("## ")]
    assert headings == [s.title for s in briefing.SECTIONS]


def test_markdown_runs_undo_the_escaping():
    from junyun_lib.report.plan_report import md_text

    name = "[点我](javascript:alert(1)) <b>$x$</b> 学校_1"
    runs = word._runs(f"**{md_text(name)}**：达标")
    assert runs == [(name, True), ("：达标", False)]
