"""The official roadmap and what-ifs (issue 27, items 6–7).

* ``junyun run`` builds the roadmap of every county whose ``county.toml`` sets a target year and writes it as
  the official roadmap (``<outputs>/plans/<slug>-roadmap.json|xlsx``); every briefing page and Word copy of such
  a county shows it in section 六: the first passing year (or that it cannot pass), the two costs, a yearly
  spend chart and the top actions per year;
* ``junyun roadmap`` writes a named what-if beside it and replaces the official one only with ``--save``;
  a scenario name is data from a person and stays a plain file name inside ``<outputs>/plans``;
* notebook 40 runs under plain papermill from the repository root and from any other folder, and what it shows
  is formatted for people (years without separators, limits to their decimals, no raw codes).

The main job runs once for the module, as the real command from a folder outside the repository, on a copy of
the sample data (two years of the four sample counties).  Expected values are computed here from the JSON the
job wrote or by hand, never taken from the functions that format them.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import docx
import pytest

from _glyphs import no_glyph_problems
from junyun_lib.planning import optimiser
from junyun_lib.report import briefing, roadmap_view
from junyun_lib.report.charts import SYNTHETIC_NOTE, figure_to_png_bytes, set_style
from junyun_lib.workspace import Workspace, scenario_slug
from junyun_lib.problems import PathRefused
from test_user_paths import ok, run

REPO = Path(__file__).resolve().parents[1]
COUNTIES = {"jinxian": "进贤县", "shicheng": "石城县", "shizhu": "石柱县", "xiangning": "乡宁县"}
YEARS = (2023, 2024)
SECTION = "六、差距成因、最低成本达标方案与达标路线图"
NEXT_SECTION = "七、推进计划年度进度"
#: what a page must never show of a roadmap: raw codes and notation (issue 27: not_stated, ">= 100", 1e-06)
RAW = ("not_stated", "pass_required", "annual_target", ">=", "<=", "1e-06", "限值×", "None", "nan")

solver = pytest.mark.skipif(not optimiser.solver_available(), reason="PySCIPOpt not installed")


def _year_separators(text: str) -> list[str]:
    """Years written with a thousands separator: a table cell (HTML, or a line of Word text) that is "2,024", or
    "2,024年" — not an amount ("2,030 平方米", "12,024 元", "2,024.5")."""
    return re.findall(r"(?:^|>)\s*2,0[1-4]\d\s*(?:$|<)|(?<![\d,.])2,0[1-4]\d\s*年", text, re.M)


# ------------------------------------------------------------------------------------------ the main job
@pytest.fixture(scope="module")
def job(tmp_path_factory) -> SimpleNamespace:
    """``junyun run`` from a folder outside the repository on a copy of the sample data (2023 and 2024)."""
    root = tmp_path_factory.mktemp("official") / "分析 工作"
    for slug in COUNTIES:
        folder = root / "data" / "raw" / slug
        folder.mkdir(parents=True)
        source = REPO / "data" / "raw" / slug
        for path in source.iterdir():
            if not re.search(r"_(\d{4})\.", path.name) or any(f"_{y}." in path.name for y in YEARS):
                shutil.copy(path, folder / path.name)
    assert REPO not in root.parents
    started = time.perf_counter()
    done = run(["run", "--workers", "2"], cwd=root, timeout=1200)
    seconds = time.perf_counter() - started
    out = ok(done)
    outputs = root / "outputs"
    docs = {slug: json.loads((outputs / "plans" / f"{slug}-roadmap.json").read_text(encoding="utf-8"))
            for slug in COUNTIES}
    return SimpleNamespace(root=root, data=root / "data", outputs=outputs, docs=docs, stdout=out, seconds=seconds,
                           stderr=done.stderr)


def _page_text(path: Path) -> str:
    """The visible text of a briefing page (tags dropped, entities undone)."""
    import html as _html

    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return _html.unescape(re.sub(r"<[^>]+>", " ", text))


def _section(text: str) -> str:
    start = text.rindex(SECTION)          # the heading (a table of contents, if any, comes first)
    return text[start:text.index(NEXT_SECTION, start)]


def _docx_text(path: Path) -> str:
    document = docx.Document(io.BytesIO(path.read_bytes()))
    body = document.element.body
    return "\n".join(node.text or "" for node in body.iter() if node.tag.endswith("}t"))


def _expected_first_pass(doc: dict) -> int | None:
    """The first year from which every later year of the years table passes (computed here)."""
    first = None
    for row in sorted(doc["years_table"], key=lambda r: r["year"]):
        first = (first or row["year"]) if row["passes"] else None
    return first


def _must_show(doc: dict) -> list[str]:
    """What section 六 must hold for a roadmap document, written out here from its numbers."""
    shown = [f"{doc['start_year']}年数据 → {doc['target_year']}年"]
    if doc["feasible"]:
        first = doc.get("first_pass_year", _expected_first_pass(doc))
        shown.append(f"{first}年起达标" if first is not None else f"{doc['target_year']}年达标")
    else:
        shown.append(f"无法于{doc['target_year']}年达标")
    if doc.get("pass_cost") and doc["pass_cost"].get("cost_wan") is not None:
        shown.append(f"{doc['pass_cost']['cost_wan']:,.1f} 万元")
        if doc.get("with_targets") and doc["with_targets"].get("cost_wan") is not None:
            shown.append(f"{doc['with_targets']['cost_wan']:,.1f} 万元")
    else:
        shown.append(f"{doc['total_cost_wan']:,.1f} 万元")
    return shown


@solver
def test_the_main_job_writes_every_official_roadmap(job):
    print(f"\njunyun run (4 counties × {len(YEARS)} years, roadmaps and briefings): {job.seconds:.1f} s")
    for slug, county in COUNTIES.items():
        doc = job.docs[slug]
        assert doc["county"] == county and doc["scenario"] is None
        # the target year is the county's own (county.toml), and no budget was given
        target = int(re.search(r"plan_target_year\s*=\s*(\d+)",
                               (REPO / "data/raw" / slug / "county.toml").read_text(encoding="utf-8")).group(1))
        assert doc["target_year"] == target and doc["start_year"] == max(YEARS) and doc["budgets_wan"] == {}
        assert doc["feasible"] and doc["verified"] and "合成示例数据" in doc["synthetic"]
        assert (job.outputs / "plans" / f"{slug}-roadmap.xlsx").is_file()
        if "first_pass_year" in doc:
            assert doc["first_pass_year"] == _expected_first_pass(doc)
        assert not list((job.outputs / "plans").glob(f"{slug}-roadmap_*"))      # no what-if from the main job


@solver
def test_every_page_and_word_copy_shows_the_roadmap(job):
    for slug, county in COUNTIES.items():
        doc = job.docs[slug]
        expected = _must_show(doc)
        for year in YEARS:
            page = job.outputs / str(year) / f"{slug}.html"
            raw = page.read_text(encoding="utf-8")
            for what, text in (("page", _section(_page_text(page))),
                               ("Word", _section(_docx_text(page.with_suffix(".docx"))))):
                missing = [s for s in expected if s not in text]
                assert not missing, (slug, year, what, missing)
                assert "尚未生成" not in text and "达标路线图" in text, (slug, year, what)
                assert not [r for r in RAW if r in text], (slug, year, what, [r for r in RAW if r in text])
                if year != doc["start_year"]:
                    assert f"路线图以{doc['start_year']}年数据为起点" in text
            # years in the page's cells and the Word copy's cells without separators
            html_section = re.sub(r'src="data:[^"]*"', "", _section(raw))
            for text in (html_section, _section(_docx_text(page.with_suffix(".docx")))):
                assert not _year_separators(text), (slug, year, _year_separators(text))
            # the page shows the spend chart in section 六 (an image after its heading, before 七)
            assert "<img" in html_section, (slug, year)


@solver
def test_the_word_copy_has_the_spend_chart(job):
    for slug in COUNTIES:
        document = docx.Document(io.BytesIO((job.outputs / "2024" / f"{slug}.docx").read_bytes()))
        blocks = list(document.element.body.iterchildren())
        texts = ["".join(t.text or "" for t in b.iter() if t.tag.endswith("}t")) for b in blocks]
        start = max(i for i, t in enumerate(texts) if t == SECTION)
        end = next(i for i, t in enumerate(texts) if i > start and t == NEXT_SECTION)
        pictures = sum(1 for b in blocks[start:end] for node in b.iter() if node.tag.endswith("}blip"))
        assert pictures == 1, slug


@solver
def test_top_actions_match_the_schedule(job):
    """The briefing's actions of each year are that year's costliest purchases, with their cost and reason."""
    for slug in COUNTIES:
        doc = job.docs[slug]
        table = roadmap_view.top_actions(doc)
        for year in sorted({r["year"] for r in doc["schedule"]}):
            buys = sorted((r for r in doc["schedule"] if r["year"] == year and r["action"] == "purchase"),
                          key=lambda r: -r["cost_wan"])[:roadmap_view.TOP_ACTIONS]
            shown = table[table["年度"] == str(year)]
            assert len(shown) == min(roadmap_view.TOP_ACTIONS, sum(r["year"] == year for r in doc["schedule"]))
            costs = [float(c.replace(",", "")) for c in shown["经费（万元）"] if c != "—"]
            assert costs == pytest.approx([round(r["cost_wan"], 1) for r in buys], abs=0.051)
            assert set(shown["依据"]) <= {"达标必需", "年度目标", "项目已列", "教师交流（不计成本）"}


@pytest.mark.parametrize("target, note", [("2023", "规划目标年 2023 年早于最新数据年度 2024 年"), (None, "")])
def test_no_official_roadmap_without_a_target_year_ahead(target, note, tmp_path, capsys):
    """A target year before the data (the plan's deadline has passed) or none at all: the county's results are
    written, no roadmap, and the first case says why."""
    from junyun_lib.cli import main

    folder = tmp_path / "data" / "raw" / "xiangning"
    folder.mkdir(parents=True)
    for name in ("plan.csv", "county_indicators_2024.csv", "schools_2024.xlsx"):
        shutil.copy(REPO / "data/raw/xiangning" / name, folder / name)
    config = (REPO / "data/raw/xiangning/county.toml").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^plan_target_year\s*=.*$", f"plan_target_year = {target}" if target else "", config)
    (folder / "county.toml").write_text(config, encoding="utf-8")
    out = tmp_path / "outputs"
    assert main(["run", "--no-briefings", "--data-dir", str(tmp_path / "data"), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert (out / "2024" / "xiangning-evaluation.json").is_file()
    assert not list(out.rglob("*roadmap*"))
    assert (note in err) if note else ("路线图" not in err)


# ------------------------------------------------------------------------------------------- what-ifs
def _official(outputs: Path, slug: str) -> tuple[bytes, bytes]:
    plans = outputs / "plans"
    return (plans / f"{slug}-roadmap.json").read_bytes(), (plans / f"{slug}-roadmap.xlsx").read_bytes()


@solver
def test_a_what_if_leaves_the_official_roadmap_unchanged(job):
    before = _official(job.outputs, "xiangning")
    files = {p.name for p in (job.outputs / "plans").iterdir()}
    out = ok(run(["roadmap", "乡宁县", "--scenario", "x", "--budget", "50", "--time-limit", "60"], cwd=job.root))
    assert "正式路线图未改变" in out
    assert _official(job.outputs, "xiangning") == before              # byte for byte, JSON and workbook
    scenario = job.outputs / "plans" / "xiangning-roadmap_x.json"
    doc = json.loads(scenario.read_text(encoding="utf-8"))
    assert doc["scenario"] == "x" and set(doc["budgets_wan"].values()) == {50.0}
    assert {p.name for p in (job.outputs / "plans").iterdir()} - files == {"xiangning-roadmap_x.json"}
    # a name from a person: kept inside outputs/plans whatever it holds
    ok(run(["roadmap", "乡宁县", "--scenario", "../../逃逸 方案/..", "--time-limit", "60"], cwd=job.root))
    assert (job.outputs / "plans" / "xiangning-roadmap_逃逸-方案.json").is_file()
    assert _official(job.outputs, "xiangning") == before
    refused = run(["roadmap", "乡宁县", "--scenario", "../..", "--time-limit", "60"], cwd=job.root)
    assert refused.returncode == 2 and "情景名称" in refused.stderr
    # without --scenario the name says what the options were
    ok(run(["roadmap", "乡宁县", "--no-moves", "--time-limit", "60"], cwd=job.root))
    assert (job.outputs / "plans" / "xiangning-roadmap_no-moves.json").is_file()
    assert _official(job.outputs, "xiangning") == before


@solver
def test_save_replaces_the_official_roadmap(job, tmp_path):
    outputs = tmp_path / "outputs"
    shutil.copytree(job.outputs, outputs)
    before = _official(outputs, "shicheng")
    out = ok(run(["roadmap", "石城县", "--scenario", "预算 三千", "--budget", "3000", "--save", "--time-limit", "60",
                  "--data-dir", job.data, "--out", outputs], cwd=tmp_path))
    assert "已保存为正式路线图" in out
    official = json.loads((outputs / "plans" / "shicheng-roadmap.json").read_text(encoding="utf-8"))
    what_if = json.loads((outputs / "plans" / "shicheng-roadmap_预算-三千.json").read_text(encoding="utf-8"))
    assert official == what_if and official["scenario"] == "预算 三千"
    assert set(official["budgets_wan"].values()) == {3000.0}
    after = _official(outputs, "shicheng")
    assert after[0] != before[0] and after[1] != before[1]
    # the briefing now says it shows a saved what-if
    b = SimpleNamespace(result=SimpleNamespace(county="石城县", year=2024), roadmap=official)
    assert "分析情景「预算 三千」" in briefing.roadmap_text(b)


def test_scenario_names_stay_plain_file_names(tmp_path):
    ws = Workspace(tmp_path / "data", tmp_path / "outputs")
    plans = (tmp_path / "outputs" / "plans").resolve()
    for name, expected in (("x", "x"), ("预算 1500/年", "预算-1500-年"), ("../../etc/passwd", "etc-passwd"),
                           ("A\\B:C*?", "a-b-c"), ("Ｂｕｄｇｅｔ", "budget"), ("a" * 100, "a" * 40),
                           ("情景\n二", "情景-二")):
        assert scenario_slug(name) == expected
        json_path, excel_path = ws.scenario_roadmap_paths("shicheng", name)
        assert json_path.resolve().parent == plans and excel_path.resolve().parent == plans
        assert json_path.name == f"shicheng-roadmap_{expected}.json" and excel_path.suffix == ".xlsx"
    for name in ("", "..", "/", " - _ ", "***"):
        with pytest.raises(PathRefused):
            scenario_slug(name)


# ------------------------------------------------------------------------------ what the section shows
def _doc(**extra) -> dict:
    doc = {"county": "示例县", "start_year": 2024, "target_year": 2026, "feasible": True, "verified": True,
           "total_cost_wan": 1360.9, "naive_cost_wan": 2400.0, "synthetic": "合成示例数据",
           "certificate": {"text_zh": "已由 SCIP 证明为最低成本（与理论最低成本相差 0%；差异系数按限值×(1−1e-06)掌握）。"},
           "years_table": [{"year": 2025, "spend_wan": 2024.5, "passes": False},
                           {"year": 2026, "spend_wan": 0.0, "passes": True}],
           "schedule": []}
    doc.update(extra)
    return doc


def test_an_older_file_still_renders():
    doc = _doc()
    text = roadmap_view.summary_markdown(doc, 2024)
    # first passing year from the years table: 2025 fails, 2026 passes
    assert "2026年起达标" in text and "1,360.9 万元" in text
    # the certificate's notation in words (Markdown escapes the "." and "%")
    assert "1e-06" not in text and "限值×" not in text and "比限值低 0\\.0001\\%" in text
    assert roadmap_view.years_table(doc)["年度"].tolist() == ["2025", "2026"]


def test_the_two_costs_and_their_certificates():
    # plan 819.6 against a proven bound of 800: gap (819.6 − 800) / 800 = 2.45 %, not proven least
    doc = _doc(first_pass_year=2025,
               pass_cost={"cost_wan": 819.6, "lower_bound_wan": 800.0, "gap": (819.6 - 800.0) / 800.0,
                          "proven_least": False, "status": "gap"},
               with_targets={"cost_wan": 1360.9, "lower_bound_wan": 1360.9, "gap": 0.0, "proven_least": True,
                             "status": "optimal"},
               targets_add_wan=1360.9 - 819.6,
               missed_targets=[{"year": 2025, "item_zh": "设备达标学校比例", "target": 85, "actual": 80.5,
                                "direction": ">="}])
    text = roadmap_view.costs_text(doc)
    assert "819.6 万元" in text and "理论最低成本不低于 800.0 万元，本方案至多高出 2.45%，未证明为最低" in text
    assert "1,360.9 万元" in text and "比只求达标多 541.3 万元" in text and "已证明为最低成本" in text
    assert "1 项" in text
    assert "2025年起达标" in roadmap_view.pass_year_text(doc)
    missed = roadmap_view.missed_targets_table(doc)
    assert missed.iloc[0].tolist() == ["2025", "设备达标学校比例", "≥ 85", "80.5"]
    # infeasible: the earliest year with its plan's cost and the budget the target year needs
    late = _doc(feasible=False, infeasible_reason_zh="预算不足", earliest={"year": 2028, "total_cost_wan": 900.0},
                budget_needed_wan=450.3)
    text = roadmap_view.pass_year_text(late)
    assert "无法于2026年达标" in text and "最早 **2028年**" in text and "900.0 万元" in text and "450.3 万元" in text


@pytest.mark.parametrize("gap, shown", [(0.0, "0%"), (0.00009, "不足 0.01%"), (0.0001, "0.01%"),
                                        (0.0999, "9.99%"), (0.1, "10.0%"), (0.201, "20.1%"), (None, "—")])
def test_gap_is_shown_as_a_percentage_of_the_bound(gap, shown):
    assert roadmap_view.gap_text(gap) == shown


def test_numbers_for_people():
    assert roadmap_view.year_text(2025.0) == "2025" and roadmap_view.year_text(None) == "—"
    assert roadmap_view.limit_text(0.45, "<=") == "≤ 0.45" and roadmap_view.limit_text(0.5, "<") == "< 0.50"
    assert roadmap_view.plain(0.45) == "0.45" and roadmap_view.plain(100.0) == "100"
    assert roadmap_view.plain(1234.5, 1) == "1,234.5" and roadmap_view.plain(float("nan")) == "—"
    projects = roadmap_view.projects_table({"projects": [
        {"project_no": 3, "project": "某校改扩建", "school_name": None, "effect": "not_stated", "amount": None,
         "completion_year": 2025, "budget_wan": 1200.0, "status": "效果未注明"}]})
    assert projects.iloc[0].tolist() == ["3", "某校改扩建", "", "效果未注明", "—", "2025", "1,200", "效果未注明"]
    targets = roadmap_view.targets_table({"targets": [
        {"year": 2025, "item_no": 7, "item": "达标学校比例", "stage": "primary", "direction": ">=", "target": 100.0,
         "actual": 95.238, "met": False, "metric": "indicator_share"}]})
    assert targets.iloc[0].tolist() == ["2025", "7", "达标学校比例", "小学", "≥ 100", "95.238", "未达到"]


def test_top_actions_per_year_in_words():
    schedule = [{"year": 2025, "action": "purchase", "school_id": f"S{i}", "school_name": f"第{i}小学",
                 "stage": "primary", "indicator": "equipment_value", "name_zh": "生均教学仪器设备值", "amount": 1000.0 * i,
                 "unit_zh": "元", "cost_wan": 0.1 * i, "reason": "pass_required"} for i in range(1, 8)]
    schedule += [{"year": 2026, "action": "move", "school_id": "S2", "school_name": "第2小学", "stage": "primary",
                  "indicator": "key_teachers", "name_zh": "每百名学生拥有县级以上骨干教师数", "amount": 2.0, "unit_zh": "人",
                  "cost_wan": 0.0, "reason": "exchange", "from_school_id": "S1", "to_school_id": "S2"},
                 {"year": 2026, "action": "purchase", "school_id": "S3", "school_name": "第3小学", "stage": "primary",
                  "indicator": "multimedia_classrooms", "name_zh": "每百名学生拥有网络多媒体教室数", "amount": 2.0,
                  "unit_zh": "间", "cost_wan": 12.0, "reason": "annual_target", "reason_zh": "年度目标"}]
    table = roadmap_view.top_actions({"schedule": schedule}, per_year=5)
    assert table["年度"].tolist() == ["2025"] * 5 + ["2026"] * 2
    assert table["学校"].tolist()[:5] == ["第7小学", "第6小学", "第5小学", "第4小学", "第3小学"]   # costliest first
    assert table["经费（万元）"].tolist()[:2] == ["0.7", "0.6"] and table["数量"].iloc[0] == "7,000 元"
    assert set(table["依据"].iloc[:5]) == {"达标必需"}
    assert table.iloc[5].tolist()[1:] == ["第3小学", "小学", "新增多媒体教室", "2 间", "12", "年度目标"]
    assert table.iloc[6]["学校"] == "第2小学" and table.iloc[6]["措施"] == "教师交流（骨干教师）：从第1小学调入"
    assert "另有 2 项" in table.attrs["more"]


def test_an_infeasible_roadmap_lists_the_earliest_plans_actions():
    buy = {"action": "purchase", "school_id": "S1", "school_name": "第1小学", "stage": "primary",
           "indicator": "sports_area", "name_zh": "生均体育运动场馆面积", "amount": 120.0, "unit_zh": "平方米",
           "cost_wan": 36.0, "reason": "pass_required"}
    doc = _doc(feasible=False, schedule=[dict(buy, year=2025, cost_wan=10.0)],
               earliest={"year": 2028, "total_cost_wan": 36.0, "schedule": [dict(buy, year=2028)]})
    table = roadmap_view.top_actions(doc)
    assert table["年度"].tolist() == ["2028"] and table["经费（万元）"].tolist() == ["36"]
    assert "下表列出该方案的措施" in roadmap_view.pass_year_text(doc)
    # a feasible roadmap lists its own
    assert roadmap_view.top_actions(dict(doc, feasible=True))["年度"].tolist() == ["2025"]


def test_names_from_data_stay_text():
    doc = _doc(county="[点我](javascript:alert(1))", scenario="<b>情景</b> $x$", infeasible_reason_zh="<script>",
               feasible=False)
    text = roadmap_view.summary_markdown(doc, 2024)
    assert "](javascript:" not in text and "<b>" not in text and "<script>" not in text and "$x$" not in text
    assert "分析情景「&lt;b&gt;情景&lt;\\/b&gt; &#36;x&#36;」" in text
    fig = roadmap_view.spend_chart(_doc(county="县$x^2$"))
    assert r"县\$x^2\$" in fig._suptitle.get_text()                 # every $ escaped: no mathtext from a name


def test_the_spend_chart_is_labelled_and_has_every_glyph():
    set_style()
    doc = _doc()
    with no_glyph_problems():
        fig = roadmap_view.spend_chart(doc)
        png = figure_to_png_bytes(fig)
    assert png.startswith(b"\x89PNG")
    texts = [t.get_text() for t in fig.texts] + [fig._supxlabel.get_text() if fig._supxlabel else ""]
    assert any(SYNTHETIC_NOTE in t for t in texts)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["2025", "2026\n达标"]                     # 2025 fails, 2026 passes (the years table)
    assert roadmap_view.spend_chart(_doc(years_table=[])) is None


def test_the_briefing_blocks_of_section_six():
    config = SimpleNamespace(plan_target_year=None)
    b = SimpleNamespace(result=SimpleNamespace(county="示例县", year=2024, config=config), roadmap=None)
    assert briefing.roadmap_text(b) == "示例县未设定推进计划的目标年度，未制定达标路线图。"
    assert [k[0] for k in briefing.roadmap_blocks(b)] == ["md"]
    b.roadmap = _doc()
    assert [k[0] for k in briefing.roadmap_blocks(b)] == ["md", "chart", "table", "table", "table"]


# --------------------------------------------------------------------------------------- notebook 40
@pytest.fixture(scope="module")
def notebook_data(tmp_path_factory) -> Path:
    """石城县's 2023 and 2024 tables ingested (what the notebook's default county needs)."""
    from _build import ingest

    data = tmp_path_factory.mktemp("nb40") / "data"
    folder = data / "raw" / "shicheng"
    shutil.copytree(REPO / "data/raw/shicheng", folder)
    for path in folder.glob("schools_*.xlsx"):
        if not any(str(y) in path.name for y in YEARS):
            path.unlink()
    for path in folder.glob("county_indicators_*"):
        if not any(str(y) in path.name for y in YEARS):
            path.unlink()
    ingest(sorted(folder.glob("schools_*.xlsx")), data)
    return data


def _papermill(notebook: str, cwd: Path, out: Path, monkeypatch) -> str:
    """``papermill <notebook> <out>`` with no parameters, run in ``cwd``; the text of every output."""
    import papermill

    monkeypatch.chdir(cwd)
    papermill.execute_notebook(notebook, str(out), kernel_name="python3", progress_bar=False, cwd=str(cwd),
                               execution_timeout=600)
    nb = json.loads(out.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors
    assert not [o for o in outputs if o.get("name") == "stderr" and "glyph" in "".join(o.get("text", "")).lower()]
    texts = []
    for o in outputs:
        data = o.get("data", {})
        for kind in ("text/markdown", "text/html", "text/plain"):
            value = data.get(kind, "")
            texts.append("".join(value) if isinstance(value, list) else value)
        texts.append("".join(o.get("text", "")))
    return "\n".join(texts)


@solver
@pytest.mark.parametrize("where", ["repository root", "another folder"])
def test_notebook_40_runs_with_plain_papermill(where, notebook_data, tmp_path, monkeypatch):
    import html as _html

    monkeypatch.setenv("JUNYUN_DATA", str(notebook_data))
    monkeypatch.setenv("JUNYUN_OUTPUTS", str(tmp_path / "outputs"))
    if where == "repository root":
        text = _papermill("notebooks/40_roadmap.ipynb", REPO, tmp_path / "out.ipynb", monkeypatch)
    else:
        elsewhere = tmp_path / "别处 文件夹"
        elsewhere.mkdir()
        text = _papermill(str(REPO / "notebooks/40_roadmap.ipynb"), elsewhere, tmp_path / "out.ipynb", monkeypatch)
    text = _html.unescape(text)
    assert "石城县达标路线图" in text and "新增投入（万元）" in text and "措施" in text
    assert not _year_separators(text), _year_separators(text)[:5]
    assert not [r for r in ("not_stated", ">=", "<=", "1e-06", "限值×", "annual_target", "pass_required")
                if r in text]
    # the junior limit of quality balance is 0.45 (教督〔2017〕6号), shown to its own decimals
    assert re.search(r"[≤<] 0\.45", text) and not re.search(r"[≤<] 0\.5(?!0)", text)
    assert not (tmp_path / "outputs").exists()        # a hand run writes nothing
