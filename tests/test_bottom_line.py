"""Page 1 is the bottom line (issue 28, item 3): title, overall verdict, each stage's verdict, then what it costs to
pass and by when against lifting every school to the standard, before the first section; the synthetic-data label
once in the page; no heading ends a printed page (the print stylesheet keeps headings with what follows)."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from junyun_lib.report import briefing
from junyun_lib.report.html_export import template_basedir
from junyun_lib.synthetic import SYNTHETIC_LABEL
from junyun_lib.workspace import Workspace
from test_pages import _Text

COUNTIES = {"jinxian": "进贤县", "shicheng": "石城县"}
YEAR = 2024


def _money(v: float) -> str:
    return f"{v:,.1f} 万元"


@pytest.fixture(scope="module")
def ws(sample_pages):
    root = sample_pages.parents[1]
    return Workspace(root / "data", root / "outputs")


def _expected_costs(ws, sample_pages, slug, name):
    """(least cost, school-by-school cost) read here: the official roadmap JSON if the batch wrote one, else the
    one-year cheapest path."""
    plan = sample_pages.parent / "plans" / f"{slug}-roadmap.json"
    b = ws.briefing(name, YEAR)
    if plan.is_file():
        doc = json.loads(plan.read_text(encoding="utf-8"))
        return doc["pass_cost"]["cost_wan"], doc.get("naive_cost_wan", b.path.naive_cost)
    if b.roadmap is not None:
        return b.roadmap["pass_cost"]["cost_wan"], b.roadmap["naive_cost_wan"]
    return b.path.total_cost, b.path.naive_cost


@pytest.mark.parametrize("slug", sorted(COUNTIES))
def test_page_one_gives_the_bottom_line_in_order(ws, sample_pages, slug):
    name = COUNTIES[slug]
    text = _Text((sample_pages / f"{slug}.html").read_text(encoding="utf-8")).text
    least, naive = _expected_costs(ws, sample_pages, slug, name)
    title = text.index(f"{name} {YEAR}年 义务教育优质均衡发展 资源配置评估简报")
    overall = text.index("总体结论")
    stages = [text.index("小学资源配置"), text.index("初中资源配置")]
    cost = text.index("达标所需")
    first_section = text.index(briefing.SECTIONS[0].title)
    assert title < overall < min(stages) and max(stages) < cost < first_section
    cost_para = text[cost:text.index("\n", cost)]
    assert _money(least) in cost_para and f"逐校补足到标准约 {_money(naive)}" in cost_para
    assert text.count(SYNTHETIC_LABEL) == 1


@pytest.mark.parametrize("feasible", [True, False])
def test_cost_line_uses_the_official_roadmap(ws, feasible):
    b = ws.briefing("进贤县", YEAR)
    doc = {"county": "进贤县", "start_year": 2024, "target_year": 2027, "feasible": feasible,
           "first_pass_year": 2026 if feasible else None, "pass_cost": {"cost_wan": 1234.56},
           "naive_cost_wan": 9876.5}
    text = briefing.headline(dataclasses.replace(b, roadmap=doc))
    line = next(p for p in text.split("\n\n") if p.startswith("**达标所需**"))
    assert "1,234.6 万元" in line and "逐校补足到标准约 9,876.5 万元" in line
    assert ("2026年起达标" in line) if feasible else ("无法于2027年达标" in line)
    assert text.index("总体结论") < text.index("小学") < text.index("达标所需")


def test_print_stylesheet_keeps_headings_with_their_first_block():
    css = (template_basedir() / "junyun_offline" / "junyun.css").read_text(encoding="utf-8")
    printing = css[css.index("@media print"):]
    rule = re.search(r"h1,\s*h2,\s*h3[^{]*\{[^}]*\}", printing).group(0)
    assert "break-after: avoid" in rule and "page-break-after: avoid" in rule
    after = re.search(r"h2 \+ \*[^{]*\{[^}]*\}", printing).group(0)
    assert "break-before: avoid" in after
