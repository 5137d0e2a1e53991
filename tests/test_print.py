"""Printing on A4 (打印): a briefing and the index printed by headless Chromium, read back with pdftotext.

Every page of a printed briefing carries its page number and, for sample data, the synthetic-data label; the
first page is not left half empty; the index prints on landscape A4 with every column on the page.
Skipped where Chromium or poppler-utils is not installed.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


REPO = Path(__file__).resolve().parents[1]
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(not (CHROMIUM and shutil.which("pdftotext") and shutil.which("pdfinfo")),
                                reason="needs Chromium and poppler-utils (pdftotext, pdfinfo)")


def _fonts_conf(folder: Path) -> Path:
    """A fontconfig file adding the Chinese font junyun's charts use (machines without a system CJK font would
    print every Chinese character as the same empty box, which pdftotext cannot read back)."""
    from junyun_lib.report.charts import font_file

    conf = folder / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include>
<dir>{Path(font_file()).parent}</dir><cachedir>{folder / "cache"}</cachedir></fontconfig>""", encoding="utf-8")
    return conf


def print_pdf(page: Path, pdf: Path) -> Path:
    """``page`` printed to ``pdf`` as a reader's browser prints it (no browser header or footer of its own)."""
    import os

    with tempfile.TemporaryDirectory() as profile:
        env = {**os.environ, "FONTCONFIG_FILE": str(_fonts_conf(Path(profile)))}
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}/p",
                        "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
                       check=True, capture_output=True, timeout=300, env=env)
    return pdf


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return [p for p in text.split("\f") if p.strip()]


def page_size_mm(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    return w * 25.4 / 72, h * 25.4 / 72


@pytest.fixture(scope="module")
def printed(sample_pages, tmp_path_factory):
    """石城县's 2024 briefing and the index (tests/conftest.py: the sample batch, built once per session),
    printed to PDF."""
    root = tmp_path_factory.mktemp("print")
    return (print_pdf(sample_pages / "shicheng.html", root / "briefing.pdf"),
            print_pdf(sample_pages / "index.html", root / "index.pdf"))


def test_every_page_has_its_number_and_the_synthetic_label(printed):
    briefing, _ = printed
    texts = pages(briefing)
    assert len(texts) >= 3
    assert page_size_mm(briefing) == pytest.approx((210, 297), abs=1)
    for n, text in enumerate(texts, start=1):
        assert f"第 {n} 页，共 {len(texts)} 页" in text, f"page {n} has no page number"
        assert "合成示例数据" in text, f"page {n} has no synthetic-data label"


def test_first_page_is_not_half_empty(printed):
    """The scorecard table starts on page 1 under its heading instead of moving whole to page 2."""
    first = pages(printed[0])[0]
    assert "评估表：四个方面与不予认定事项" in first and "资源配置：未达到" in first
    lines = [line for line in first.splitlines() if line.strip()]
    assert len(lines) >= 35, f"page 1 holds only {len(lines)} lines"


def test_headings_are_not_left_at_the_foot_of_a_page(printed):
    for text in pages(printed[0]):
        body = [line.strip() for line in text.splitlines() if line.strip() and "页，共" not in line]
        assert not re.match(r"^[一二三四五六七八九十]+、", body[-1]), f"heading at the foot of a page: {body[-1]}"


def _headings(page: Path) -> set[str]:
    """The text of every heading (h1–h4) of an HTML page, read with the standard library's parser."""
    from html.parser import HTMLParser

    class Headings(HTMLParser):
        def __init__(self):
            super().__init__()
            self.depth, self.found, self.text = 0, set(), []

        def handle_starttag(self, tag, attrs):
            if tag in ("h1", "h2", "h3", "h4"):
                self.depth, self.text = self.depth + 1, []

        def handle_endtag(self, tag):
            if tag in ("h1", "h2", "h3", "h4") and self.depth:
                self.depth -= 1
                heading = re.sub(r"\s+", " ", "".join(self.text)).strip().rstrip("¶").strip()
                if heading:
                    self.found.add(heading)

        def handle_data(self, data):
            if self.depth:
                self.text.append(data)

    parser = Headings()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


@pytest.fixture(scope="module")
def printed_counties(sample_pages, tmp_path_factory):
    """进贤县's and 石城县's 2024 briefings printed to A4 PDF, with the headings of each page."""
    root = tmp_path_factory.mktemp("print-counties")
    return {slug: (print_pdf(sample_pages / f"{slug}.html", root / f"{slug}.pdf"),
                   _headings(sample_pages / f"{slug}.html")) for slug in ("jinxian", "shicheng")}


@pytest.mark.parametrize("slug", ["jinxian", "shicheng"])
def test_page_one_holds_the_verdict_and_the_cost_line(printed_counties, slug):
    """Issue 28, item 3: the bottom line is on the first printed page — the overall verdict and what it costs to
    pass (least cost beside school-by-school), before any section."""
    pdf, _ = printed_counties[slug]
    assert page_size_mm(pdf) == pytest.approx((210, 297), abs=1)
    first = re.sub(r"\s+", "", pages(pdf)[0])
    assert "总体结论" in first and "达标所需" in first and "逐校补足到标准约" in first
    assert first.index("总体结论") < first.index("达标所需")


def _squeeze(text: str) -> str:
    """Text as compared here: compatibility forms folded (PDF fonts map 示 to the radical ⽰) and no white space."""
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _part_of(line: str, text: str) -> bool:
    """Whether a printed line is part of ``text``; a character of the CJK radicals supplement (⻅ for 见, ⻚ for
    页: how some PDF fonts name them, with no Unicode mapping back) matches any character."""
    pattern = "".join("." if "\u2e80" <= c <= "\u2eff" else re.escape(c) for c in line)
    return re.search(pattern, text) is not None


def _introductions(page: Path) -> dict[str, str]:
    """Heading → its introduction: the paragraph right after it, when more of its section follows (a chart, a
    table, more text).  A section that is one paragraph has none: that paragraph is its content."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    blocks = soup.find_all(["h1", "h2", "h3", "h4", "p", "table", "img", "li"])
    out = {}
    for i, block in enumerate(blocks[:-2]):
        if block.name in ("h1", "h2", "h3", "h4") and blocks[i + 1].name == "p" \
                and blocks[i + 2].name not in ("h1", "h2", "h3", "h4"):
            out[_squeeze(block.get_text()).rstrip("¶")] = _squeeze(blocks[i + 1].get_text())
    return out


@pytest.mark.parametrize("slug", ["jinxian", "shicheng"])
def test_no_printed_page_ends_with_a_heading(sample_pages, printed_counties, slug):
    """Issue 28, item 3: a heading is kept with the first block of its section.  On every page but the last, below
    the page's last heading there is a chart or text beyond the section's introduction — never the heading alone,
    nor the heading and its introduction with the chart on the next page (read with pdfplumber: the position of
    every line of text and every image)."""
    import logging

    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)   # fonts without a bounding box: harmless notes
    pdf, headings = printed_counties[slug]
    headings = {_squeeze(h) for h in headings}
    intros = _introductions(sample_pages / f"{slug}.html")
    with pdfplumber.open(pdf) as doc:
        assert len(doc.pages) >= 2
        for n, page in enumerate(doc.pages[:-1], start=1):
            lines = [(line["top"], _squeeze(line["text"])) for line in page.extract_text_lines()]
            # the footer's page number (its 页 may come back as the radical ⻚) and the label at the head
            lines = [(top, text) for top, text in lines
                     if text and not re.fullmatch(r"第\d+\S[,，]共\d+\S", text) and "合成示例数据" not in text]
            found = [(top, text) for top, text in lines if text in headings]
            if not found:
                continue
            top, heading = found[-1]
            below = [text for t, text in lines if t > top + 1]
            charts = [image for image in page.images if image["top"] > top]
            intro = intros.get(heading, "")
            content = [text for text in below if not (intro and _part_of(text, intro))]
            assert charts or content, (f"{slug}: page {n} ends with the heading 「{heading}」"
                                       + ("and its introduction" if below else ""))
