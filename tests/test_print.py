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


def test_index_fits_landscape_a4(printed):
    _, index = printed
    width, height = page_size_mm(index)
    assert width > height and (width, height) == pytest.approx((297, 210), abs=1)
    first = pages(index)[0]
    # the last columns (初中 indicators and the file links) are on the page, not cut off at the right
    assert "石城县" in first and "多媒体教室" in first and "Word" in first and "Excel" in first
    assert "第 1 页，共" in first and "合成示例数据" in first
