"""Planning inputs checked against the data they refer to (issue 24, part 4).

A project list (``projects.csv``) or enrolment overrides (``enrolment_overrides.csv``) naming a school the school
table does not hold, an amount far beyond what one school can have, a target year outside the data year … 2035,
a negative or non-finite budget, a control character in a cell: each is a located problem (file, row as a text
editor shows it, header as written, value, what was expected; Chinese with an English gloss), all of them in one
pass, nothing written; the command line exits 2 without a traceback.  ``junyun cheapest --no-solver`` prints the
heuristic plan.

The limits are read here from ``rules/data_checks.toml`` with ``tomllib`` — not through the code under test —
and each effect's limit group is written out below from the school columns it adds to (school_columns.csv:
areas → ``area``, equipment → ``equipment``, classrooms → ``rooms``, music/art rooms → ``special_rooms``,
teachers → ``teachers``, students → ``students``).
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

import pandas as pd
import pytest

from _build import ingest
from _problems import one
from junyun_lib.io.projects import read_enrolment_overrides, read_projects
from junyun_lib.planning.roadmap import build_roadmap, roadmap_input_problems
from junyun_lib.problems import ValidationError
from junyun_lib.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
LIMITS = tomllib.loads((REPO / "junyun_lib/rules/data_checks.toml").read_text(encoding="utf-8"))["limits"]
SAMPLE_SLUGS = {"shicheng": "石城县", "shizhu": "石柱县"}
# the sample's latest data year and the last target year a roadmap may aim at, from the file names and the issue
LATEST = max(int(p.stem.split("_")[1]) for p in (REPO / "data/raw/shicheng").glob("schools_*.xlsx"))
LAST_TARGET = 2035

PROJECTS_ZH = "序号,项目名称,资金概算（万元）,完成年份,来源,效果,学校标识码,学校名称,学段,数量,转出学校标识码,说明\n"
OVERRIDES_ZH = "学校标识码,年度,学段,在校生数,来源\n"


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Path:
    """The data folder of 石城县 and 石柱县 (the sample), ingested once; tests copy it before changing it."""
    data = tmp_path_factory.mktemp("ingested") / "data"
    for slug in SAMPLE_SLUGS:
        folder = data / "raw" / slug
        shutil.copytree(REPO / "data/raw" / slug, folder)
        ingest(sorted(folder.glob("schools_*.xlsx")), data)
    return data


@pytest.fixture
def data(ingested, tmp_path) -> Path:
    """A private copy of the ingested sample data folder."""
    copy = tmp_path / "data"
    shutil.copytree(ingested, copy)
    return copy


def school_ids(data: Path, county: str = "石城县") -> list[str]:
    frame = Workspace(data, data.parent / "outputs").table(county).frame
    return sorted(frame.loc[frame["year"] == LATEST, "school_id"].astype(str))


def errors_of(call) -> tuple[list, list]:
    """(errors, warnings) of the ValidationError ``call()`` raises."""
    with pytest.raises(ValidationError) as info:
        call()
    return info.value.problems, info.value.warnings


def fast(ws: Workspace, county: str = "石城县", **options):
    """A roadmap without SCIP and teacher moves: the checks are the same, the run is short."""
    return ws.roadmap(county, use_solver=False, moves=False, **options)


# ------------------------------------------------------------------------------- the sample still loads
def test_sample_inputs_load_with_no_new_problems(ingested):
    ws = Workspace(ingested, ingested.parent / "outputs-sample")
    for slug, county in SAMPLE_SLUGS.items():
        projects = ws.projects(county)
        assert projects is not None and projects.warnings == []
        assert roadmap_input_problems(ws.evaluation(county), county, projects=projects) == [], slug


# ------------------------------------------------------------------------- effects on unknown schools
def test_an_effect_on_a_school_the_table_does_not_hold_is_an_error(data):
    existing = school_ids(data)[0]
    path = data / "raw/shicheng/projects.csv"
    path.write_text(PROJECTS_ZH +
                    f"1,扩建,100,2025,方案,add_area_m2,NOPE-1,不存在的小学,,500,,\n"
                    f"2,分流,0,2025,方案,move_students,{existing},,primary,40,NOPE-2,\n"
                    f"3,扩建,100,2025,方案,add_sports_m2,{existing},,,500,,\n", encoding="utf-8")
    errors, _ = errors_of(lambda: fast(Workspace(data, data.parent / "outputs")))
    assert len(errors) == 2                                   # both, in one pass; row 4 is fine
    area = one(errors, "unknown_school", row=2)
    assert (area.file, area.column, area.value) == (str(path), "学校标识码", "NOPE-1")
    assert f"学校数据（{LATEST}年）中没有这个学校标识码" in area.message_zh and "add_area_m2" in area.message_zh
    assert "has no school with this school_id" in area.message_en and "existing school" in area.message_en
    moved = one(errors, "unknown_school", row=3)
    assert (moved.column, moved.value) == ("转出学校标识码", "NOPE-2")
    assert "转出学校标识码" in moved.message_zh and "from_school_id" in moved.message_en
    assert str(area).startswith(f"{path} 第2行 列「学校标识码」 值「NOPE-1」：")


def test_a_new_school_may_have_a_new_id_and_receive_students_once_built(data):
    existing = school_ids(data)[0]
    path = data / "raw/shicheng/projects.csv"
    path.write_text(PROJECTS_ZH +
                    "1,新建学校,1000,2025,方案,new_school,NEW-1,城南小学,primary,600,,\n"
                    f"2,分流,0,2025,方案,move_students,NEW-1,城南小学,primary,40,{existing},\n", encoding="utf-8")
    ws = Workspace(data, data.parent / "outputs")
    rm = fast(ws, target_year=2025)
    warning = one(rm.warnings, "unknown_school")          # a new school's id: a warning only
    assert (warning.severity, warning.row, warning.column, warning.value) == ("warning", 2, "学校标识码", "NEW-1")
    assert "按新建学校计入" in warning.message_zh and "counted as a new school" in warning.message_en
    assert any("NEW-1" in note and "提示" in note for note in rm.notes)
    status = dict(zip(rm.projects["project_no"], rm.projects["status"]))
    assert status[2] == "已计入"
    # students moved into it a year before it is built: an error
    path.write_text(PROJECTS_ZH +
                    "1,新建学校,1000,2026,方案,new_school,NEW-1,城南小学,primary,600,,\n"
                    f"2,分流,0,2025,方案,move_students,NEW-1,城南小学,primary,40,{existing},\n", encoding="utf-8")
    errors, _ = errors_of(lambda: fast(Workspace(data, data.parent / "outputs"), target_year=2026))
    early = one(errors, "school_not_yet_built")
    assert (early.row, early.column, early.value) == (3, "学校标识码", "NEW-1")
    assert "2026年才建成" in early.message_zh and "after this row's completion year 2025" in early.message_en


# ------------------------------------------------------------------------------------ amounts vs limits
# effect, stage, the limit groups of the school columns it adds to, whole units?
EFFECT_GROUPS = [
    ("add_area_m2", "", ["area"], False),
    ("add_sports_m2", "", ["area"], False),
    ("add_equipment_yuan", "", ["equipment"], False),
    ("add_classrooms", "", ["rooms"], True),
    ("add_rooms_music", "", ["special_rooms"], True),
    ("add_rooms_art", "", ["special_rooms"], True),
    ("hire_teachers", "junior", ["teachers"], True),
    ("move_students", "primary", ["students"], True),
    ("new_school", "primary", ["students"], True),
    ("new_school", "all", ["students", "students"], True),     # a primary and a junior school's worth
]


def _text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


@pytest.mark.parametrize("effect,stage,groups,whole", EFFECT_GROUPS,
                         ids=[f"{e}-{s or 'blank'}" for e, s, _, _ in EFFECT_GROUPS])
def test_amounts_at_and_just_beyond_the_data_check_limits(tmp_path, effect, stage, groups, whole):
    warn = sum(LIMITS[g]["warn"] for g in groups)
    error = sum(LIMITS[g]["error"] for g in groups)
    step = 1 if whole else 0.01
    amounts = [warn, warn + step, error, error + step]          # rows 2, 3, 4, 5
    source = "Z" if effect == "move_students" else ""
    body = "".join(f"{n},项目{n},10,2025,方案,{effect},,甲小学,{stage},{_text(a)},{source},\n"
                   for n, a in enumerate(amounts, start=1))
    path = tmp_path / "projects.csv"
    path.write_text(PROJECTS_ZH + body, encoding="utf-8")
    errors, warnings = errors_of(lambda: read_projects(path, county="测试县"))
    # above `error`: an error, and only there
    assert [(p.code, p.row) for p in errors] == [("out_of_range", 5)]
    bad = errors[0]
    assert (bad.file, bad.column, bad.value) == (str(path), "数量", _text(error + step))
    # the limit written as the school table's checks write it (thousands separated from 10,000 on)
    limit_text = f"{int(error):,}" if error >= 10000 else str(int(error))
    assert "超出合理范围" in bad.message_zh and f"不应增加 {limit_text}" in bad.message_zh
    assert "out of range" in bad.message_en and "not plausible for one school" in bad.message_en
    # above `warn` (the error limit itself included): a warning; at `warn` nothing
    large = [p for p in warnings if p.code == "unusually_large"]
    assert [p.row for p in large] == [3, 4]
    assert all(p.column == "数量" and "数值异常大" in p.message_zh and "unusually large" in p.message_en
               for p in large)
    assert large[0].value == _text(warn + step)


def test_a_trillion_square_metres_is_refused(tmp_path):
    path = tmp_path / "projects.csv"
    path.write_text(PROJECTS_ZH + "1,扩建,10,2025,方案,add_area_m2,,甲小学,,1000000000000,,\n", encoding="utf-8")
    errors, _ = errors_of(lambda: read_projects(path))
    bad = one(errors, "out_of_range")
    assert (bad.row, bad.column, bad.value) == (2, "数量", "1000000000000")


# --------------------------------------------------------------------------------- enrolment overrides
def test_an_override_for_an_unknown_school_is_an_error(data):
    known = school_ids(data)[0]
    path = data / "raw/shicheng/enrolment_overrides.csv"
    path.write_text(OVERRIDES_ZH + f"{known},2025,primary,300,入学预测\nGHOST-1,2025,primary,120,招生计划\n",
                    encoding="utf-8")
    errors, _ = errors_of(lambda: fast(Workspace(data, data.parent / "outputs"), target_year=2025))
    ghost = one(errors, "unknown_school")
    assert (ghost.file, ghost.row, ghost.column, ghost.value) == (str(path), 3, "学校标识码", "GHOST-1")
    assert "没有这个学校标识码" in ghost.message_zh and "此修正不会被使用" in ghost.message_zh
    assert "the override would never be used" in ghost.message_en
    assert len(errors) == 1


# --------------------------------------------------------------------------------------------- target year
@pytest.mark.parametrize("year", [LATEST, LAST_TARGET])
def test_target_years_from_the_data_year_to_2035_are_accepted(data, year):
    rm = fast(Workspace(data, data.parent / "outputs"), target_year=year)
    assert rm.target_year == year and rm.years[-1] == year


@pytest.mark.parametrize("year", [LATEST - 1, LAST_TARGET + 1, 1900])
def test_target_years_outside_are_a_located_error(data, year):
    errors, _ = errors_of(lambda: fast(Workspace(data, data.parent / "outputs"), target_year=year))
    bad = one(errors, "target_year_out_of_range")
    assert (bad.column, bad.value) == ("target_year / --target-year", str(year))
    assert f"目标年度应为 {LATEST}—{LAST_TARGET} 年之间的整数年份" in bad.message_zh
    assert f"a whole year from {LATEST}" in bad.message_en and str(LAST_TARGET) in bad.message_en


def test_a_target_year_from_county_toml_is_located_there(data):
    toml = data / "raw/shicheng/county.toml"
    text = toml.read_text(encoding="utf-8")
    assert "plan_target_year" in text
    toml.write_text(re.sub(r"plan_target_year\s*=\s*\d+", "plan_target_year = 2040", text), encoding="utf-8")
    errors, _ = errors_of(lambda: fast(Workspace(data, data.parent / "outputs")))
    bad = one(errors, "target_year_out_of_range")
    assert (Path(bad.file).name, bad.column, bad.value) == ("county.toml", "plan_target_year", "2040")
    assert "county.toml" in bad.message_zh


# ------------------------------------------------------------------------------------------ budget and cost
def test_negative_and_non_finite_budgets_are_refused_through_the_python_api(ingested):
    ws = Workspace(ingested, ingested.parent / "outputs-budget")
    ev = ws.evaluation("石城县")
    for budget, column, value in ((-1.0, "budget", "-1.0"), (math.nan, "budget", "nan"), (math.inf, "budget", "inf"),
                                  ({2025: -5}, "budget[2025]", "-5")):
        errors, _ = errors_of(lambda: build_roadmap(ev, "石城县", target_year=2025, budget=budget, use_solver=False))
        bad = one(errors, "bad_budget")
        assert (bad.column, bad.value) == (column, value)
        assert "预算应为不小于 0 的有限数" in bad.message_zh and "finite number ≥ 0" in bad.message_en
    # every year of a yearly budget at once, and a bad unit cost with them
    costs = pd.DataFrame({"indicator": ["key_teachers"], "cost_wan_per_unit": [-2.0]})
    errors, _ = errors_of(lambda: build_roadmap(ev, "石城县", target_year=2026, budget={2025: math.nan, 2026: -1},
                                                costs=costs, use_solver=False))
    assert sorted((p.code, p.column) for p in errors) == [
        ("bad_budget", "budget[2025]"), ("bad_budget", "budget[2026]"),
        ("bad_cost", "cost_wan_per_unit[key_teachers]")]
    rm = build_roadmap(ev, "石城县", target_year=2025, budget=1e9, use_solver=False, moves=False)
    assert rm.budgets == {2025: 1e9} and rm.feasible


# ------------------------------------------------------------------------------------- control characters
@pytest.mark.parametrize("char", ["\x07", "\x1b", "\x7f", "\x85", "\t"])
def test_a_control_character_in_a_projects_cell_is_refused_at_its_cell(tmp_path, char):
    path = tmp_path / "projects.csv"
    path.write_bytes(("# 说明行 (a comment line: rows stay the editor's)\n" + PROJECTS_ZH +
                      f"1,项目,10,2025,方案,not_stated,,,,,,原文{char}未写明\n").encode("utf-8"))
    errors, _ = errors_of(lambda: read_projects(path))
    assert [p.code for p in errors] == ["control_character"]        # the row is otherwise valid
    bad = errors[0]
    code = f"U+{ord(char):04X}"
    shown = f"原文\\u{ord(char):04x}未写明"                    # the character written out, never itself
    assert (bad.file, bad.row, bad.column, bad.value) == (str(path), 3, "说明", shown)
    assert f"含控制字符 {code}" in bad.message_zh and f"holds the control character {code}" in bad.message_en
    assert char not in str(bad)


def test_a_control_character_at_a_cells_end_is_refused_but_a_tab_there_is_padding(tmp_path):
    path = tmp_path / "projects.csv"
    # str.strip would silently drop U+001F at the end: it is refused; a tab after a value is padding, dropped
    path.write_text(PROJECTS_ZH + "1,项目,10,2025,方案,not_stated,,甲小学\x1f,,,,原文未写明\n", encoding="utf-8")
    errors, _ = errors_of(lambda: read_projects(path))
    assert [(p.code, p.row, p.column, p.value) for p in errors] == [("control_character", 2, "学校名称", "甲小学\\u001f")]
    path.write_text(PROJECTS_ZH + "1,项目,10,2025,方案,not_stated,,甲小学\t,,,,原文未写明\n", encoding="utf-8")
    assert read_projects(path).rows["school_name"].tolist() == ["甲小学"]


def test_a_control_byte_in_a_gbk_overrides_file_is_refused_at_its_cell(tmp_path):
    path = tmp_path / "enrolment_overrides.csv"
    path.write_bytes((OVERRIDES_ZH + "A\x07,2025,primary,10,计划\nB,2025,junior,5,计\x1f划\n").encode("gbk"))
    errors, _ = errors_of(lambda: read_enrolment_overrides(path))
    found = sorted((p.row, p.column, p.value) for p in errors if p.code == "control_character")
    assert found == [(2, "学校标识码", "A\\u0007"), (3, "来源", "计\\u001f划")]
    # a NUL byte is what binary files hold: the whole file is refused as not text (textfile.decode), located
    path.write_bytes((OVERRIDES_ZH + "A,2025,primary,10,计\x00划\n").encode("gbk"))
    errors, _ = errors_of(lambda: read_enrolment_overrides(path))
    assert [(p.code, p.file) for p in errors] == [("not_text", str(path))]


# --------------------------------------------------------------------------------------------- command line
def _files(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def _junyun(args, cwd: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUNYUN_")}
    return subprocess.run([sys.executable, "-m", "junyun_lib.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_cli_reports_every_planning_input_problem_at_once_and_writes_nothing(ingested, tmp_path):
    work = tmp_path / "analyst"                          # a folder outside the repository
    shutil.copytree(ingested, work / "data")
    assert REPO not in work.resolve().parents
    raw = work / "data/raw/shicheng"
    (raw / "projects.csv").write_text(PROJECTS_ZH + "1,扩建,10,2025,方案,add_area_m2,,甲小学,,1000000000000,,\n",
                                      encoding="utf-8")
    (raw / "enrolment_overrides.csv").write_text(OVERRIDES_ZH + "GHOST-1,2025,primary,120,招生计划\n",
                                                 encoding="utf-8")
    before = _files(work)
    done = _junyun(["roadmap", "石城县", "--target-year", "1900", "--json", str(work / "outputs/r.json")], work)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout and "内部错误" not in done.stderr
    assert "输入数据有 3 处错误" in done.stderr and "nothing written" in done.stderr
    assert "projects.csv 第2行 列「数量」 值「1000000000000」：超出合理范围" in done.stderr
    assert "enrolment_overrides.csv 第2行 列「学校标识码」 值「GHOST-1」" in done.stderr
    assert "值「1900」：目标年度应为" in done.stderr
    assert _files(work) == before and not (work / "outputs").exists()


def test_cli_refuses_an_effect_on_an_unknown_school(ingested, tmp_path):
    work = tmp_path / "analyst"
    shutil.copytree(ingested, work / "data")
    (work / "data/raw/shicheng/projects.csv").write_text(
        PROJECTS_ZH + "1,扩建,10,2025,方案,add_area_m2,NOPE-1,,,500,,\n", encoding="utf-8")
    before = _files(work)
    done = _junyun(["roadmap", "石城县", "--no-solver"], work)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "projects.csv 第2行 列「学校标识码」 值「NOPE-1」：学校数据" in done.stderr
    assert "has no school with this school_id" in done.stderr
    assert _files(work) == before and not (work / "outputs").exists()


def test_cli_cheapest_without_the_solver_prints_the_heuristic_plan(ingested, tmp_path):
    work = tmp_path / "analyst"
    shutil.copytree(ingested, work / "data")
    target = work / "outputs" / "cheapest.json"
    done = _junyun(["cheapest", "石城县", "--no-solver", "--json", str(target)], work)
    assert done.returncode == 0, done.stderr
    assert "最低成本达标方案" in done.stdout and "启发式方案，无最优性界（未使用求解器）" in done.stdout
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["county"] == "石城县" and doc["year"] == LATEST and doc["certificate"]["status"] == "heuristic"
    assert doc["verified"]
