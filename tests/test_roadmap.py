"""The roadmap: the yearly schedule against brute force on small counties (least total cost reaching the target
year, no year over budget), the earliest feasible year and the budget that would reach the target year, teacher
moves as a zero-cost lever, projects as given, every year re-evaluated to what the roadmap reports, the command
line on the sample data, the briefing section and the notebook.

Small counties have two identical data years (2022, 2023), so the enrolment projection is flat and the target
year's schools are the data's; brute force checks the rule and the CVs with code written in test_optimiser.
"""
from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from _build import ingest, meeting_primary, run
from junyun_lib.cli import main
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.io.budgets import read_budget_file
from junyun_lib.io.projects import read_projects
from junyun_lib.io.reader import SchoolTable
from junyun_lib.planning import optimiser
from junyun_lib.planning.cheapest import apply_additions
from junyun_lib.planning.enrolment import project_enrolment
from junyun_lib.planning.exchange import apply_moves, check_moves
from junyun_lib.planning.roadmap import build_roadmap
from junyun_lib.problems import ValidationError
from junyun_lib.report import briefing, roadmap_report
from test_optimiser import COST, _passes

pytestmark = pytest.mark.skipif(not optimiser.solver_available(), reason="PySCIPOpt not installed")

REPO = Path(__file__).resolve().parents[1]


def _two_years(rows: list[dict]) -> list[dict]:
    return [dict(r, year=y) for y in (2022, 2023) for r in rows]


def _small_county() -> list[dict]:
    """Four 500-pupil primary schools meeting every standard and three that do not:
    S — PE/art 3 (0.6, under the 85% floor): +1 teacher (12 万);
    T — key teachers 3 (0.6, under the floor): +2 (2 × 2 万);
    U — classrooms 10 (2.0, 87%) and teachers above the degree 20 (4.0, 95%): one of them must reach the
        standard — +2 classrooms (2 × 5 万) is cheaper than +1 teacher (12 万).
    The least cost to pass is 12 + 4 + 10 = 26 万元, in whole units of 12, 2, 2, 5, 5."""
    return [meeting_primary("S", pe_art_teachers_primary=3), meeting_primary("T", key_teachers_primary=3),
            meeting_primary("U", multimedia_classrooms=10, teachers_above_degree_primary=20),
            meeting_primary("P1"), meeting_primary("P2", key_teachers_primary=6),
            meeting_primary("P3", pe_art_teachers_primary=6), meeting_primary("P4", multimedia_classrooms=13)]


CHOICES = [(0, "pe_art_teachers_primary", "pe_art_teachers", 2), (1, "key_teachers_primary", "key_teachers", 3),
           (2, "multimedia_classrooms", "multimedia_classrooms", 3),
           (2, "teachers_above_degree_primary", "teachers_above_degree", 2)]


def _brute_schedule(rows, years: int, budget: float) -> float:
    """Least total cost of whole additions made over ``years`` years, each year ≤ ``budget``, such that the
    schools pass in the last year (additions count from the year they are made)."""
    per_year = [combo for combo in itertools.product(*(range(n) for *_, n in CHOICES))
                if sum(k * COST[c[2]] for k, c in zip(combo, CHOICES)) <= budget + 1e-9]
    totals = {}
    for plan in itertools.product(per_year, repeat=years):
        total = tuple(sum(x) for x in zip(*plan))
        cost = sum(k * COST[c[2]] for k, c in zip(total, CHOICES))
        totals[total] = min(totals.get(total, np.inf), cost)
    best = np.inf
    for total, cost in totals.items():
        if cost >= best:
            continue
        trial = [dict(r) for r in rows]
        for (i, column, _, _), k in zip(CHOICES, total):
            trial[i][column] = trial[i].get(column, 0) + k
        if _passes(trial):
            best = cost
    return best


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    rows = _small_county()
    return rows, run(_two_years(rows), tmp_path_factory.mktemp("small"))


def test_without_budget_the_roadmap_costs_the_least_cost_to_pass(small):
    rows, ev = small
    rm = build_roadmap(ev, target_year=2025, moves=False, time_limit=120)
    assert rm.years == [2024, 2025] and rm.feasible and rm.verified
    assert rm.total_cost == pytest.approx(_brute_schedule(rows, 1, np.inf)) == pytest.approx(26.0)
    assert rm.certificate.status == "optimal" and rm.certificate.gap == 0
    # among plans of equal cost the earliest: everything in the first year
    assert rm.years_table["spend_wan"].tolist() == pytest.approx([26.0, 0.0])
    assert rm.years_table["passes"].tolist() == [True, True]


def test_a_budget_spreads_the_schedule_at_least_cost_and_never_over(small):
    rows, ev = small
    rm = build_roadmap(ev, target_year=2025, budget=15, moves=False, time_limit=120)
    assert rm.feasible and rm.verified
    assert rm.total_cost == pytest.approx(_brute_schedule(rows, 2, 15)) == pytest.approx(26.0)
    assert (rm.years_table["spend_wan"] <= 15 + 1e-6).all()
    assert rm.years_table["passes"].iloc[-1]


def test_an_infeasible_budget_gives_the_earliest_year_and_the_budget_needed(small):
    rows, ev = small
    assert _brute_schedule(rows, 2, 12) == np.inf          # 2 × 12 < 26: not by 2025
    assert np.isfinite(_brute_schedule(rows, 3, 12))       # 12 | 2 + 2 + 5 | 5 by 2026
    rm = build_roadmap(ev, target_year=2025, budget=12, moves=False, time_limit=120)
    assert not rm.feasible and rm.earliest_year == 2026
    assert "无法于2025年达标" in roadmap_report.summary_zh(rm) and "最早可于 2026 年达标" in roadmap_report.summary_zh(rm)
    # the least uniform budget for 2025: the units 12, 2, 2, 5, 5 split into two years, 14 at best
    assert rm.budget_needed == pytest.approx(14.0)
    assert _brute_schedule(rows, 2, 14) < np.inf and _brute_schedule(rows, 2, 13.9) == np.inf
    assert (rm.years_table["spend_wan"] <= 12 + 1e-6).all()


# -------------------------------------------------------------------------------------- teacher moves
@pytest.fixture(scope="module")
def movers(tmp_path_factory):
    # A has 8 key teachers for 500 pupils (1.6: 3 above its standard of 5), B has 3 (0.6, under the floor):
    # moving 2 from A to B passes B at no cost (buying them costs 2 × 2 万元)
    rows = [meeting_primary("A", key_teachers_primary=8), meeting_primary("B", key_teachers_primary=3),
            meeting_primary("C"), meeting_primary("D", pe_art_teachers_primary=6)]
    return run(_two_years(rows), tmp_path_factory.mktemp("movers"))


def test_teacher_moves_are_the_zero_cost_lever_and_keep_every_rule(movers):
    with_moves = build_roadmap(movers, target_year=2025, time_limit=120)
    without = build_roadmap(movers, target_year=2025, moves=False, time_limit=120)
    assert without.total_cost == pytest.approx(4.0)
    assert with_moves.total_cost == pytest.approx(0.0) and with_moves.feasible and with_moves.verified
    moves = with_moves.schedule[with_moves.schedule["action"] == "move"]
    assert moves["amount"].sum() == 2 and set(moves["from_school_id"]) == {"A"} and set(moves["school_id"]) == {"B"}
    assert with_moves.move_problems == []
    # conserved, and the sender keeps its standard (checked again here on the final year's rows)
    final = _rebuilt(movers, with_moves)[2025]
    base = movers.schools[movers.schools["year"] == 2023]
    assert final["key_teachers_primary"].sum() == base["key_teachers_primary"].sum()
    a = final.set_index("school_id").loc["A"]
    assert a["key_teachers_primary"] * 100 / a["students_primary"] >= 1.0


# -------------------------------------------------------------------- every year re-evaluates as reported
def _rebuilt(ev, rm) -> dict:
    """Each roadmap year's raw rows rebuilt here: the data year's rows, projected students (the enrolment
    module), the purchases and moves of that year and every year before."""
    schools = ev.schools[ev.schools["year"] <= rm.start_year]
    base = schools[schools["year"] == rm.start_year]
    enrolment = project_enrolment(schools, rm.years)
    out = {}
    for y in rm.years:
        frame = base.assign(year=y).reset_index(drop=True)
        e = enrolment[(enrolment["year"] == y) & (enrolment["stage"] == "primary")].set_index("school_id")["students"]
        frame["students_primary"] = frame["school_id"].map(e).fillna(0).astype("int64")
        done = rm.schedule[rm.schedule["year"] <= y]
        frame = apply_additions(frame, done[done["action"] == "purchase"])
        moves = done[done["action"] == "move"]
        if len(moves):
            frame = apply_moves(frame, pd.DataFrame({"year": y, "kind": moves["indicator"], "stage": moves["stage"],
                                                     "from_school_id": moves["from_school_id"],
                                                     "to_school_id": moves["school_id"],
                                                     "count": moves["amount"].astype(int)}))
        out[y] = frame
    return out


def test_each_year_re_evaluates_to_what_the_roadmap_reports(movers, small):
    for ev, options in ((movers, {}), (small[1], {"budget": 15, "moves": False})):
        rm = build_roadmap(ev, target_year=2025, time_limit=120, **options)
        for y, frame in _rebuilt(ev, rm).items():
            again = evaluate(SchoolTable(frame=frame, synthetic=False)).county(None, y)
            reported = rm.cvs[(rm.cvs["year"] == y) & (rm.cvs["basis"] == "roadmap")].set_index(["stage", "indicator"])
            for r in again.indicators.itertuples():
                assert reported.loc[(r.stage, r.indicator), "cv"] == pytest.approx(r.cv, rel=1e-12, abs=1e-15)
            row = rm.years_table.set_index("year").loc[y]
            assert int(row["parts_failing_rule"]) == int((~again.parts["passes_school_rule"].astype(bool)).sum())
            assert int(row["cvs_beyond_limit"]) == int((~again.indicators["cv_pass"].astype(bool)).sum())


# --------------------------------------------------------------------------------------------- projects
def test_projects_count_from_their_completion_year_and_unstated_ones_are_listed(small, tmp_path):
    _, ev = small
    csv = tmp_path / "projects.csv"
    csv.write_text(
        "project_no,project,budget_wan,completion_year,source,effect,school_id,school_name,stage,amount,note\n"
        "1,U校多媒体教室,10,2025,方案附件,add_classrooms,U,U小学,primary,2,\n"
        "2,教师绩效工资,500,2025,方案附件,not_stated,,,,,未写明学校\n", encoding="utf-8")
    projects = read_projects(csv)
    rm = build_roadmap(ev, target_year=2025, moves=False, projects=projects, time_limit=120)
    # U's two classrooms come from the project in 2025, so the roadmap buys the other 16 万 only
    assert rm.total_cost == pytest.approx(16.0) and rm.feasible
    status = dict(zip(rm.projects["project_no"], rm.projects["status"]))
    assert status[1] == "已计入" and "效果未注明" in status[2]
    assert rm.project_budget == pytest.approx(510.0)
    rows = rm.schedule[rm.schedule["action"] == "project"]
    assert rows["year"].tolist() == [2025] and rows["school_id"].tolist() == ["U"]


def test_budget_file_problems_are_located(tmp_path):
    path = tmp_path / "budget.csv"
    path.write_text("年度,预算（万元）\n2025,800\n2025,900\n2026,-1\nx,5\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        read_budget_file(path)
    codes = sorted(p.code for p in err.value.problems)
    assert codes == ["bad_year", "duplicate_year", "negative"]
    assert all(p.row for p in err.value.problems)


# ------------------------------------------------------------------------------- command line, pages
@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    data = tmp_path_factory.mktemp("sample") / "data"
    folder = data / "raw" / "shicheng"
    shutil.copytree(REPO / "data/raw/shicheng", folder)
    ingest(sorted(folder.glob("schools_*.xlsx")), data)
    return data


def test_cli_roadmap_on_the_sample_county(sample, tmp_path):
    out = tmp_path / "outputs"
    code = main(["roadmap", "石城县", "--json", str(out / "out.json"), "--excel", str(out / "plans/shicheng-roadmap.xlsx"),
                 "--data-dir", str(sample), "--out", str(out), "--time-limit", "300", "--save"])
    assert code == 0
    doc = json.loads((out / "out.json").read_text(encoding="utf-8"))
    # with --save the run also leaves the roadmap where the county's briefings look for it (issue 27: a run
    # without it is a what-if written beside the official roadmap, tests/test_official_roadmap.py)
    assert json.loads((out / "plans" / "shicheng-roadmap.json").read_text(encoding="utf-8")) == doc
    assert doc["county"] == "石城县" and doc["target_year"] == 2025 and doc["years"] == [2025]
    assert doc["feasible"] and doc["verified"] and "合成示例数据" in doc["synthetic"]
    assert doc["certificate"]["status"] in ("optimal", "gap")
    assert doc["total_cost_wan"] <= doc["naive_cost_wan"]
    assert doc["project_budget_wan"] == pytest.approx(101934.0)
    assert len(doc["projects"]) == 26 and doc["cvs"] and doc["summary_zh"].startswith("石城县 达标路线图")
    book = openpyxl.load_workbook(out / "plans" / "shicheng-roadmap.xlsx")
    assert book.sheetnames[:2] == ["汇总", "2025年"] and "说明" in book.sheetnames
    # the briefing section reads the JSON junyun roadmap wrote
    b = SimpleNamespace(result=SimpleNamespace(county="石城县", year=2024), roadmap=doc)
    text = briefing.roadmap_text(b)
    assert "达标路线图" in text and "2025年" in text and "万元" in text
    assert list(briefing.roadmap_table(b).columns)[:2] == ["年度", "新增投入（万元）"]
    b.roadmap = None
    text = briefing.roadmap_text(b)
    assert "尚未生成" in text and "junyun" not in text and briefing.roadmap_table(b).empty   # no commands on a page


def test_roadmap_json_is_valid_and_labelled(movers):
    rm = build_roadmap(movers, target_year=2025, time_limit=120)
    doc = roadmap_report.roadmap_json(rm)
    json.loads(json.dumps(doc, ensure_ascii=False, allow_nan=False))
    sheets = roadmap_report.roadmap_sheets(rm)
    assert list(sheets)[:3] == ["汇总", "2024年", "2025年"] and "差异系数" in sheets


def test_roadmap_notebook_runs(sample, tmp_path):
    from _notebook_run import run_notebook

    outputs = run_notebook(REPO / "notebooks/40_roadmap.ipynb", tmp_path / "roadmap.ipynb",
                           {"county": "石城县", "data_dir": str(sample), "output_dir": str(tmp_path / "out"),
                            "time_limit": 120}, cwd=REPO / "notebooks")
    text = "".join("".join(o.get("data", {}).get("text/markdown", "")) + "".join(o.get("data", {}).get("text/html", ""))
                   for o in outputs)
    assert "达标路线图" in text and "新增投入（万元）" in text and "措施" in text
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 1
    assert not [o for o in outputs if o.get("name") == "stderr" and "Glyph" in "".join(o.get("text", ""))]
