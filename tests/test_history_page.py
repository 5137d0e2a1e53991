"""The county's multi-year page explains itself (issue 28 item 6): per year the verdict with its reasons in
words, a CV trend chart, a link to each year's briefing and to that year's index.

Built for the 石城县 sample (2021–2024) the way the batch builds it: each year's briefing gives its index row
(:func:`~junyun_lib.report.briefing.index_summary`), the rows go where a finished run leaves them, and
:func:`~junyun_lib.runner.batch.write_history_pages` writes the page.  Counts are checked against the results'
own tables (parts, guarantee checks), counted here.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from junyun_lib.io import atomic
from junyun_lib.report.briefing import index_summary
from junyun_lib.report.overview import history_html
from junyun_lib.runner.batch import update_manifest, write_history_pages
from junyun_lib.synthetic import SYNTHETIC_LABEL
from junyun_lib.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
SLUG, COUNTY, YEARS = "shicheng", "石城县", (2021, 2022, 2023, 2024)


class Page(HTMLParser):
    """The visible text (no style or script), every table as rows of cell texts, hrefs and image sources."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.text, self.tables, self.hrefs, self.images = [], [], [], []
        self._skip, self._cell, self._row_links = 0, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("style", "script"):
            self._skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a":
            self.hrefs.append(a.get("href"))
            if self._cell is not None:
                self._cell.append(f"[{a.get('href')}]")
        elif tag == "img":
            self.images.append(a)

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def shicheng(tmp_path_factory):
    """(workspace, {year: briefing}, the page's text) for the 石城县 sample's four years."""
    from _build import ingest

    root = tmp_path_factory.mktemp("history")
    data = root / "data"
    shutil.copytree(REPO / "data" / "raw" / SLUG, data / "raw" / SLUG)
    ingest([data / "raw" / SLUG / f"schools_{y}.xlsx" for y in YEARS], data_dir=data)
    ws = Workspace(data, root / "outputs")
    briefings, rows = {}, []
    for year in YEARS:
        b = ws.briefing(COUNTY, year)
        briefings[year] = b
        doc = json.loads(json.dumps(index_summary(b), ensure_ascii=False, allow_nan=False))   # as stored
        atomic.write_text(ws.index_row_path(SLUG, year), json.dumps(doc, ensure_ascii=False))
        atomic.write_text(ws.briefing_path(SLUG, year), "<!DOCTYPE html><html><body>简报</body></html>")
        rows.append({"county": COUNTY, "slug": SLUG, "year": year, "status": "ok", "error": ""})
    update_manifest(ws, rows)
    [page] = write_history_pages(ws, [SLUG])
    if os.environ.get("HISTORY_PAGE_KEEP"):
        shutil.copy(page, os.environ["HISTORY_PAGE_KEEP"])
    return ws, briefings, page.read_text(encoding="utf-8")


def _failing_schools(result) -> int:
    parts = result.parts
    return parts.loc[~parts["passes_school_rule"].astype(bool), "school_id"].nunique()


def _over_limit(result) -> int:
    ind = result.indicators
    return int((ind["cv_pass"].map(lambda v: v is False or v == False)).sum())  # noqa: E712


def _guarantee_items(result) -> int:
    g = result.guarantee
    bad = g[g["passes"].astype("boolean").fillna(True) == False]   # noqa: E712 (NA: not applicable)
    return bad[["check"]].drop_duplicates().shape[0]


def _summary_rows(page: Page) -> dict[int, list[str]]:
    table = next(t for t in page.tables if t and t[0][:4] == ["年度", "评估结论", "各学段结论", "原因"])
    return {int(r[0].rstrip("年")): r for r in table[1:]}


def test_each_year_states_its_reasons_counted_from_the_results(shicheng):
    _, briefings, text = shicheng
    rows = _summary_rows(Page(text))
    assert sorted(rows) == list(YEARS)
    school_rule_only = []
    for year, b in briefings.items():
        reason = rows[year][3]
        failing, over, items = _failing_schools(b.result), _over_limit(b.result), _guarantee_items(b.result)
        if failing:
            assert f"{failing} 所学校未达校级规则" in reason, (year, reason)
        else:
            assert "校级规则" not in reason
        if over:
            assert f"{over} 项差异系数超限" in reason, (year, reason)
        else:
            assert "差异系数超限" not in reason
        if items:
            assert f" {items} 项校级保障未达标" in reason, (year, reason)
        else:
            assert "校级保障" not in reason
        if failing and not over:
            school_rule_only.append(year)
        if rows[year][1] == "未达到":
            assert reason not in ("", "—", "各项均达标")
    # the sample has a year that fails only by the per-school rule (every CV within its limit)
    assert school_rule_only, "石城县 has no year failing by the school rule alone"
    for year in school_rule_only:
        assert "未达标" in rows[year][2] and "差异系数超限" not in rows[year][3]


def test_each_year_links_to_its_briefing_and_index(shicheng):
    ws, _, text = shicheng
    page = Page(text)
    rows = _summary_rows(page)
    for year, row in rows.items():
        assert f"[../{year}/{SLUG}.html]" in row[4] and f"[../{year}/index.html]" in row[4], row
        # the links point where the batch writes the pages
        target = (ws.history_page_path(SLUG).parent / f"../{year}/{SLUG}.html").resolve()
        assert target == ws.briefing_path(SLUG, year).resolve()
        assert (ws.history_page_path(SLUG).parent / f"../{year}/index.html").resolve() == ws.index_path(year).resolve()
    assert f"../{max(YEARS)}/index.html" in page.hrefs[0]          # 返回总览 first
    assert "返回总览" in "".join(page.text)


def test_a_trend_chart_is_embedded(shicheng):
    _, _, text = shicheng
    images = Page(text).images
    assert len(images) == 1
    src = images[0]["src"]
    assert src.startswith("data:image/png;base64,")
    assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert COUNTY in images[0]["alt"] and "差异系数" in images[0]["alt"]


def test_no_codes_in_the_page_text(shicheng):
    _, briefings, text = shicheng
    shown = "".join(Page(text).text)
    codes = {"school_rule", "cv_pass", "passes", "schools_failing_rule", "guarantee", "cv_points", "None",
             "nan", "True", "False"}
    for b in briefings.values():
        codes |= set(b.result.indicators["indicator"].astype(str)) | set(b.result.guarantee["check"].astype(str))
    assert not [c for c in codes if c in shown]
    words = shown.replace(SYNTHETIC_LABEL, "").replace("junyun", "")     # the project's label; the version line
    assert not re.search(r"[A-Za-z_]{4,}", words), re.findall(r"[A-Za-z_]{4,}", words)


def test_one_year_says_why_there_is_no_chart_and_links_are_escaped(shicheng):
    ws, _, _ = shicheng
    doc = json.loads(ws.index_row_path(SLUG, 2024).read_text(encoding="utf-8"))
    page = history_html(COUNTY, [doc], links={2024: '../2024/a"b<c>.html'}, index_links={2024: "javascript:x()"})
    parsed = Page(page)
    assert not parsed.images and "仅有 2024 年一年的数据" in "".join(parsed.text)
    assert '../2024/a"b<c>.html' in parsed.hrefs and 'a"b<c>' not in page
    assert "javascript" not in page


def test_an_unchanged_page_is_not_drawn_again(shicheng, monkeypatch):
    """The index is rebuilt over every county of a batch: a county whose years are what its page was made from
    keeps its page (no second trend chart); one whose years changed gets a new page."""
    from junyun_lib.report import overview
    from junyun_lib.runner.batch import manifest_runs

    ws, _, text = shicheng
    page = ws.history_page_path(SLUG)
    before, stamp = page.read_bytes(), page.stat().st_mtime_ns

    def no_chart(*args, **kwargs):
        raise AssertionError("the trend chart was drawn again for unchanged years")

    monkeypatch.setattr(overview, "history_chart_html", no_chart)
    assert write_history_pages(ws, [SLUG]) == [page]
    assert page.read_bytes() == before and page.stat().st_mtime_ns == stamp
    monkeypatch.undo()

    runs = manifest_runs(ws)
    failed = [*runs, {"county": COUNTY, "slug": SLUG, "year": max(YEARS) + 1, "status": "failed", "error": "x"}]
    write_history_pages(ws, [SLUG], failed)
    assert f"{max(YEARS) + 1}年未能生成简报" in page.read_text(encoding="utf-8")
    write_history_pages(ws, [SLUG], runs)                  # back as it was: the same page as the first time
    assert page.read_bytes() == before
