"""The Word copy of a briefing (简报 Word 版): the same sections, tables and charts as the page, editable.

County offices edit and forward briefings as Word documents.  :func:`briefing_docx` builds one from the same
:class:`~junyun_lib.report.briefing.Briefing` and the same section functions as the page
(:data:`~junyun_lib.report.briefing.SECTIONS`, :func:`~junyun_lib.report.briefing.section_blocks`): the headline,
then each section's heading and what the page shows under it, in its words: the introduction for the standard
in force (:func:`~junyun_lib.report.briefing.section_intro`; where the page shows no table, its sentence saying
why), text, tables (columns fitted to their content within the text width, numbers right-aligned, the header row
repeated on each page, the note of rows left out under a shortened list) and charts (PNG from the chart
functions, or the page's own PNGs when given), then the footer.

The document is A4 portrait (margins 20 mm / 18 mm), its text in SimSun (宋体) and headings in SimHei (黑体) for
East Asian characters (``w:eastAsia``, what Word on a Chinese Windows has; other programs substitute a CJK
font such as Noto Sans SC), Latin text in Arial; language zh-CN; page numbers in the footer and, for sample
data, the synthetic-data label in the header of every page.
"""
from __future__ import annotations

import html
import io
import re
import weakref
from xml.sax.saxutils import escape

import matplotlib.pyplot as plt
import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Emu, Mm, Pt, RGBColor

from ..io.workbook import text_width
from ..synthetic import SYNTHETIC_LABEL
from . import briefing as _b
from .charts import figure_to_png_bytes

BODY_FONT = "SimSun"       # 宋体
HEADING_FONT = "SimHei"    # 黑体
LATIN_FONT = "Arial"
WIDTH_CM = 17.0            # text width of A4 with 20 mm margins


# --------------------------------------------------------------------------------------------- fonts
def _fonts(element, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Declare the fonts of a style's or run's properties: Latin and East Asian (w:rFonts w:eastAsia)."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _setup(doc) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.size = Pt(10.5)                      # 五号
    _fonts(normal.element, BODY_FONT)
    for name, size in (("Title", 18), ("Heading 1", 16), ("Heading 2", 14), ("Heading 3", 12)):
        style = styles[name]
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        _fonts(style.element, HEADING_FONT)
    for name in ("List Bullet", "Intense Quote", "Quote"):
        if name in [s.name for s in styles]:
            _fonts(styles[name].element, BODY_FONT)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(18)


def _page_number(paragraph) -> None:
    """"第 N 页，共 M 页" with Word fields (updated when the document opens or prints)."""
    def field(code: str) -> None:
        run = paragraph.add_run()
        begin, text, separate, end = (OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar"),
                                      OxmlElement("w:fldChar"))
        begin.set(qn("w:fldCharType"), "begin")
        text.set(qn("xml:space"), "preserve")
        text.text = f" {code} "
        separate.set(qn("w:fldCharType"), "separate")
        shown = OxmlElement("w:t")          # the value shown until the field is updated
        shown.text = "1"
        end.set(qn("w:fldCharType"), "end")
        run._r.extend([begin, text, separate, shown, end])

    paragraph.add_run("第 ")
    field("PAGE")
    paragraph.add_run(" 页，共 ")
    field("NUMPAGES")
    paragraph.add_run(" 页")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _header_footer(doc, synthetic: bool) -> None:
    section = doc.sections[0]
    _page_number(section.footer.paragraphs[0])
    if synthetic:
        p = section.header.paragraphs[0]
        run = p.add_run(SYNTHETIC_LABEL)
        run.bold = True
        run.font.size = Pt(8.5)
        run.font.color.rgb = RGBColor(0xAA, 0, 0)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER


# ------------------------------------------------------------------------------------------- styles
# python-docx finds a style by name by searching every style of the document, twice (the name, then whether it
# is the default), each time a paragraph, heading or table is given one: a quarter of a briefing's Word copy.
# Each document's style ids are looked up once here and set directly.
_STYLE_IDS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _style_id(doc, name: str) -> str:
    """The id of the style called ``name`` in ``doc`` ("Heading 1" → "Heading1"), looked up once per document."""
    ids = _STYLE_IDS.setdefault(doc.part, {})
    if name not in ids:
        ids[name] = doc.styles[name].style_id
    return ids[name]


def _styled_paragraph(doc, style: str | None = None):
    """A new paragraph at the end of ``doc`` in ``style`` (a style name), as ``doc.add_paragraph(style=…)``."""
    p = doc.add_paragraph()
    if style:
        p._p.style = _style_id(doc, style)
    return p


def _heading(doc, text: str, level: int):
    """A heading, as ``doc.add_heading(text, level)``: level 0 is the title."""
    p = _styled_paragraph(doc, "Title" if level == 0 else f"Heading {level}")
    if text:
        p.add_run(text)
    return p


# ------------------------------------------------------------------------------------------ markdown
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def _runs(text: str) -> list[tuple[str, bool]]:
    """Markdown inline text as (text, bold) runs: ``**`` toggles bold, backslash escapes and HTML entities
    (what :func:`~junyun_lib.report.plan_report.md_text` writes) are undone."""
    out, bold, buf, i = [], False, [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and _ESCAPED.match(text, i):
            buf.append(text[i + 1])
            i += 2
        elif text.startswith("**", i):
            if buf:
                out.append((html.unescape("".join(buf)), bold))
                buf = []
            bold = not bold
            i += 2
        elif text[i] == "`":                                   # a code span: its text as it is
            end = text.find("`", i + 1)
            end = len(text) if end < 0 else end
            buf.append(text[i + 1:end].strip())
            i = end + 1
        else:
            buf.append(text[i])
            i += 1
    if buf:
        out.append((html.unescape("".join(buf)), bold))
    return out


def _paragraph(doc, text: str, style: str | None = None):
    p = _styled_paragraph(doc, style)
    for chunk, bold in _runs(text):
        run = p.add_run(chunk)
        run.bold = bold or None
    return p


def add_markdown(doc, text: str) -> None:
    """The Markdown the briefing functions write (headings, quotes, lists, bold) as Word paragraphs."""
    for block in re.split(r"\n\s*\n", text.strip()):
        for line in block.splitlines():
            line = line.rstrip()
            if not line:
                continue
            if line.startswith("# "):
                heading = _heading(doc, "", 0)
                for chunk, _ in _runs(line[2:]):
                    heading.add_run(chunk)
            elif line.startswith("## "):
                _heading(doc, "".join(c for c, _ in _runs(line[3:])), 1)
            elif line.startswith("> "):
                p = _paragraph(doc, line[2:])
                for run in p.runs:
                    run.font.color.rgb = RGBColor(0xAA, 0, 0)
            elif line.startswith("- "):
                _paragraph(doc, line[2:], style="List Bullet")
            elif line.strip() == "---":
                continue
            else:
                _paragraph(doc, line)


# -------------------------------------------------------------------------------------------- tables
CELL_PT = 9               # the size of a table's text (pt)
CHAR_TWIPS = CELL_PT * 20  # a full-width (CJK) character of 9 pt text, in twips; a Latin one counts half
CELL_PADDING = 2 * 108     # Word's default left and right cell margins (0.19 cm each), in twips
MIN_CHARS = 2              # the narrowest column holds two CJK characters (序号, 学段)
TEXT_MIN_CHARS = 6         # a wrapping text column is not squeezed below six characters a line


def text_units(text: str) -> float:
    """The width of the longest line of ``text`` in full-width characters: a CJK (East Asian wide, full-width or
    ambiguous: ≤, —, ✓) character counts 1, any other (Latin letters, digits, ASCII punctuation) ½."""
    return max((text_width(line, wide="WFA") / 2 for line in str(text).splitlines() or [""]), default=0.0)


def _twips(units: float) -> int:
    """A column holding ``units`` full-width characters a line: the text, half a character of slack (Latin
    glyphs are a little wider than half a CJK one) and the cell's margins."""
    return int(round((units + 0.5) * CHAR_TWIPS)) + CELL_PADDING


def column_widths(frame: pd.DataFrame, total: int, kinds: dict | None = None) -> list[int]:
    """Each column's width (twips) for a table of ``frame`` within ``total`` twips (the page's text width).

    Every column is first as wide as its longest cell (header included; :func:`text_units`).  When they do not
    all fit, the header of a column of numbers or short text (the page's ``num`` and ``short`` columns,
    :func:`~junyun_lib.report.briefing.column_kinds`) may take two lines; then the columns that fit within an even
    share of the room keep their width and the others share what is left in proportion to their longest cell,
    each no narrower than its minimum: numbers and short text stay on one line, wrapping text keeps
    :data:`TEXT_MIN_CHARS`, and no column holds fewer than :data:`MIN_CHARS`.  Only if even the minimums do not
    fit are all columns scaled down alike.
    """
    kinds = kinds or _b.column_kinds(frame)
    natural, compact, minimum = [], [], []
    for col in frame.columns:
        body = max((text_units(_b.cell_text(v)) for v in frame[col].tolist()), default=0.0)
        head = text_units(str(col))
        nat = max(body, head, MIN_CHARS)
        one_line = kinds[col] in ("num", "short")
        low = max(body, MIN_CHARS) if one_line else min(nat, TEXT_MIN_CHARS)
        natural.append(_twips(nat))
        compact.append(_twips(max(body, -(-head // 2), MIN_CHARS) if one_line else nat))
        minimum.append(_twips(min(low, nat)))
    if sum(natural) <= total:
        return natural
    return _fit(compact, minimum, total)


def _fit(natural: list[int], minimum: list[int], total: int) -> list[int]:
    """Widths within ``total``: see :func:`column_widths`."""
    n = len(natural)
    if sum(natural) <= total:
        return list(natural)
    if sum(minimum) >= total:
        return [m * total // sum(minimum) for m in minimum]
    width: dict[int, int] = {}
    free = list(range(n))
    while True:                     # the columns within an even share of the room keep their natural width
        room = total - sum(width.values())
        fits = [i for i in free if natural[i] * len(free) <= room]
        if not fits or len(fits) == len(free):
            break
        for i in fits:
            width[i] = natural[i]
        free = [i for i in free if i not in width]
    while free:                     # the others in proportion to their natural width, none below its minimum
        room = total - sum(width.values())
        weight = sum(natural[i] for i in free)
        share = {i: room * natural[i] // weight for i in free}
        short = [i for i in free if share[i] < minimum[i]]
        if not short:
            width.update(share)
            break
        for i in short:
            width[i] = minimum[i]
        free = [i for i in free if i not in width]
    out = [width[i] for i in range(n)]
    if sum(out) > total:            # the short columns left too little room for the others' minimums
        out = [w * total // sum(out) for w in out]
    return out


def add_table(doc, frame: pd.DataFrame, empty: str = "无") -> None:
    """A briefing table: header row shaded and repeated on each page (``w:tblHeader``), numbers right-aligned
    (the page's :func:`~junyun_lib.report.briefing.column_kinds`), columns fitted to their content
    (:func:`column_widths`), the note of rows left out under it.

    The table is written as one piece of WordprocessingML — what python-docx's ``add_table``, ``add_row`` and
    ``add_run`` make, cell by cell, in a tenth of the time: "Table Grid", centred, 9 pt text, the header bold on
    ``E8EAF6``.  Autofit is off (``w:tblLayout w:type="fixed"``) and each column's width is set on the grid
    column and on every cell of it, so Word keeps the widths instead of sharing the page evenly.
    """
    if frame.empty:
        doc.add_paragraph(empty)
        return
    kinds = _b.column_kinds(frame)
    right = [kinds[c] == "num" for c in frame.columns]
    widths = column_widths(frame, Emu(doc._block_width).twips, kinds)
    header = "".join(_cell_xml(str(col), w, r, header=True) for col, w, r in zip(frame.columns, widths, right))
    body = "".join("<w:tr>" + "".join(_cell_xml(_b.cell_text(v), w, r) for v, w, r in zip(values, widths, right))
                   + "</w:tr>" for values in frame.itertuples(index=False, name=None))
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    doc.element.body._insert_tbl(parse_xml(
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{_style_id(doc, "Table Grid")}"/>'
        f'<w:tblW w:type="dxa" w:w="{sum(widths)}"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
        '<w:tblLook w:firstColumn="1" w:firstRow="1" '
        'w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr>'
        f'<w:tblGrid>{grid}</w:tblGrid><w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>{header}</w:tr>'
        f'{body}</w:tbl>'))
    more = frame.attrs.get("more")
    if more:
        p = doc.add_paragraph()
        run = p.add_run(more)
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0x61, 0x61, 0x61)


def _cell_xml(text: str, width: int, right: bool, header: bool = False) -> str:
    """One table cell: its width, the header's shading, right alignment for numbers, a 9 pt run (bold in the
    header) holding ``text`` as python-docx writes a run's text (tabs and line breaks as their own elements)."""
    shade = '<w:shd w:val="clear" w:color="auto" w:fill="E8EAF6"/>' if header else ""
    align = '<w:pPr><w:jc w:val="right"/></w:pPr>' if right else ""
    bold = "<w:b/>" if header else ""
    return (f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>{shade}</w:tcPr><w:p>{align}'
            f'<w:r><w:rPr>{bold}<w:sz w:val="18"/></w:rPr>{_text_xml(text)}</w:r></w:p></w:tc>')


_RUN_BREAKS = re.compile(r"([\t\r\n])")


def _text_xml(text: str) -> str:
    """A run's text as python-docx's ``run.text = …`` writes it: ``<w:t>`` pieces (space-preserving when they
    start or end with white space), ``<w:tab/>`` for a tab, ``<w:br/>`` for each line break character."""
    out = []
    for piece in _RUN_BREAKS.split(text):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            out.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if piece != piece.strip() else ""
            out.append(f"<w:t{space}>{escape(piece)}</w:t>")
    return "".join(out)


def add_chart(doc, png: bytes) -> None:
    doc.add_picture(io.BytesIO(png), width=Cm(WIDTH_CM))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


# --------------------------------------------------------------------------------------- the document
def briefing_docx(b, images: dict | None = None) -> bytes:
    """The Word copy of a briefing as .docx bytes.

    ``images`` (optional): section heading → the PNG charts the page shows under it, in order
    (:func:`notebook_images`), used instead of drawing the charts again; a section without them draws its own.
    """
    images = images or {}
    doc = Document()
    _setup(doc)
    _header_footer(doc, b.synthetic)
    doc.core_properties.title = f"{b.result.county} {b.result.year}年 评估简报"
    doc.core_properties.language = "zh-CN"
    add_markdown(doc, _b.headline(b))
    for section in _b.SECTIONS:
        _heading(doc, section.title, 1)      # its introduction is the first block (briefing.section_intro)
        given = list(images.get(section.title, []))
        for block in _b.section_blocks(b, section.key):
            kind = block[0]
            if kind == "md":
                if block[1]:
                    add_markdown(doc, block[1])
            elif kind == "table":
                if block[1] is not None:       # None: a section the standard does not have (its text says so)
                    add_table(doc, block[1], block[2])
            elif kind == "chart":
                if given:
                    add_chart(doc, given.pop(0))
                else:
                    fig = block[1]()
                    try:
                        add_chart(doc, figure_to_png_bytes(fig))
                    finally:
                        plt.close(fig)
    doc.add_paragraph()
    add_markdown(doc, _b.footer(b))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)


def notebook_images(nb) -> dict[str, list[bytes]]:
    """The PNG charts of an executed briefing notebook by the section heading they appear under."""
    import base64

    out: dict[str, list[bytes]] = {}
    current = None
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            found = _HEADING.findall(source)
            if found:
                current = found[-1]
            continue
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png and current:
                png = "".join(png) if isinstance(png, list) else png
                out.setdefault(current, []).append(base64.b64decode(png))
    return out


__all__ = ["briefing_docx", "notebook_images", "add_markdown", "add_table", "column_widths", "BODY_FONT",
           "HEADING_FONT"]
