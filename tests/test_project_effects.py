"""Projects enter the model (issue 27, item 4): a project's stated effects change its school's rows from its
completion year on and the roadmap buys only what they leave unmet; a new school is its places, its stage and
the schools whose pupils it takes; every bad row is a located error; 石城县's 21 projects read and change the
roadmap's year frames.

Expected numbers are computed here by hand from the rows the tests build (the 85% floor of the per-school rule,
proportional shares in exact integers), never taken from the code's output.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from _build import meeting_primary, run
from _problems import one
from junyun_lib.io.projects import (COLUMNS, EFFECTS, PLAN_YEAR_LAST, feeder_ids, link_problems, new_school_id,
                                    read_projects, target_ids, template_text)
from junyun_lib.io.reader import read_schools
from junyun_lib.planning import optimiser
from junyun_lib.planning.roadmap import build_roadmap, year_frame
from junyun_lib.problems import ValidationError
from junyun_lib.rules.standards import load_standard

REPO = Path(__file__).resolve().parents[1]
SHICHENG = REPO / "data/raw/shicheng"
HEADER = ",".join(COLUMNS) + "\n"
STANDARD = load_standard()
# the primary standard of 生均教学及辅助用房面积 and the per-school rule's floor for the one indicator below it
AREA_STANDARD, FLOOR = Fraction(45, 10), Fraction(85, 100)


def write(tmp_path, body: str, name: str = "projects.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def line(no, effect, *, school_id="", school_name="", stage="", amount="", from_ids="", year=2025, budget="10",
         note="n") -> str:
    """One row in the order of COLUMNS."""
    cells = [no, f"项目{no}", "", "内容", budget, "", year, "方案 附件2", effect, school_id, school_name, stage, amount,
             from_ids, note]
    return ",".join(str(c) for c in cells) + "\n"


def errors(path) -> list:
    with pytest.raises(ValidationError) as info:
        read_projects(path, county="测试县")
    return [p for p in info.value.problems if p.severity == "error"]


# ------------------------------------------------------------------------------- a project on one school
def _county_with_short_area():
    """Four primary schools meeting every standard and X (500 pupils, 500 m² of teaching rooms: 1.0 m² a pupil,
    22% of 4.5): X meets the other six, so it passes once its area reaches the 85% floor. Two identical data
    years (2022, 2023): the enrolment projection is flat."""
    rows = [meeting_primary(s) for s in ("P1", "P2", "P3", "P4")] + [meeting_primary("X", teaching_aux_area_m2=500)]
    return [dict(r, year=y) for y in (2022, 2023) for r in rows]


@pytest.fixture(scope="module")
def short_area(tmp_path_factory):
    return run(_county_with_short_area(), tmp_path_factory.mktemp("short"))


def _area_bought(rm, school="X") -> float:
    s = rm.schedule
    hit = (s["action"] == "purchase") & (s["school_id"] == school) & (s["column"] == "teaching_aux_area_m2")
    return float(s.loc[hit, "amount"].sum())


@pytest.mark.skipif(not optimiser.solver_available(), reason="PySCIPOpt not installed")
def test_a_project_adding_area_to_a_school_cuts_what_the_roadmap_buys_for_it(short_area, tmp_path):
    # X's shortfall by hand: the floor is 85% × 4.5 m² × 500 pupils = 1,912.5 m²; X has 500 m²
    floor_m2 = FLOOR * AREA_STANDARD * 500
    shortfall = floor_m2 - 500
    assert shortfall == Fraction(2825, 2)                       # 1,412.5 m²
    bare = build_roadmap(short_area, target_year=2025, moves=False, time_limit=120)
    assert _area_bought(bare) == pytest.approx(float(shortfall), rel=1e-5)
    # a project adds 1,000 m² to X in 2025: the roadmap buys 1,000 m² less, and the project is listed
    path = write(tmp_path, line(1, "add_area_m2", school_id="X", amount=1000))
    rm = build_roadmap(short_area, target_year=2025, moves=False, time_limit=120, projects=read_projects(path))
    assert _area_bought(rm) == pytest.approx(float(shortfall - 1000), rel=1e-5)
    assert rm.feasible
    assert dict(zip(rm.projects["project_no"], rm.projects["status"]))[1] == "已计入"
    # the year frames by hand: X has 500 m² in 2024 and 1,500 m² from 2025 on
    base = short_area.schools[short_area.schools["year"] == 2023].reset_index(drop=True)
    for year, expected in ((2024, 500), (2025, 1500), (2026, 1500)):
        frame, _ = year_frame(base, year, 2023, None, read_projects(path).rows, STANDARD)
        assert float(frame.loc[frame["school_id"] == "X", "teaching_aux_area_m2"].iloc[0]) == expected, year
    # 2,000 m² covers the shortfall: nothing is bought for X
    path = write(tmp_path, line(1, "add_area_m2", school_id="X", amount=2000))
    rm = build_roadmap(short_area, target_year=2025, moves=False, time_limit=120, projects=read_projects(path))
    assert _area_bought(rm) == 0 and rm.total_cost == pytest.approx(0, abs=1e-6)


def test_teacher_effects_add_to_the_indicator_of_their_kind(short_area, tmp_path):
    base = short_area.schools[short_area.schools["year"] == 2023].reset_index(drop=True)
    path = write(tmp_path, line(1, "add_teachers_key", school_id="P1", stage="primary", amount=3)
                 + line(2, "add_teachers_pe_art", school_id="P2", stage="primary", amount=2)
                 + line(3, "add_teachers_degree", school_id="P3", stage="primary", amount=4))
    frame, status = year_frame(base, 2025, 2023, None, read_projects(path).rows, STANDARD)
    by = frame.set_index("school_id")
    # meeting_primary: 5 key, 5 PE/art, 21 above-degree teachers
    assert (by.at["P1", "key_teachers_primary"], by.at["P2", "pe_art_teachers_primary"],
            by.at["P3", "teachers_above_degree_primary"]) == (8, 7, 25)
    assert [text for _, text in status] == ["已计入"] * 3


# ----------------------------------------------------------------------------------- a new school
def _two_feeders(tmp_path_factory):
    rows = [meeting_primary("A", students=600), meeting_primary("B", students=200), meeting_primary("P1")]
    return run([dict(r, year=y) for y in (2022, 2023) for r in rows], tmp_path_factory.mktemp("feeders"))


@pytest.fixture(scope="module")
def feeders(tmp_path_factory):
    return _two_feeders(tmp_path_factory)


def _base(ev):
    return ev.schools[ev.schools["year"] == 2023].reset_index(drop=True)


def test_a_new_school_takes_the_moved_pupils_of_two_named_schools(feeders, tmp_path):
    # a new primary school of 300 places, no id (the template's way): 100 pupils from A, 150 from B, by name
    path = write(tmp_path, line(7, "new_school", school_name="城南小学", stage="primary", amount=300, from_ids="A;B")
                 + line(8, "move_students", school_name="城南小学", stage="primary", amount=100, from_ids="A",
                        budget="0")
                 + line(9, "move_students", school_name="城南小学", stage="primary", amount=150, from_ids="B",
                        budget="0"))
    projects = read_projects(path)
    assert projects.rows["target_id"].tolist() == ["new-7", "new-7", "new-7"]
    assert link_problems(projects, _base(feeders), data_year=2023) == []
    before = _base(feeders).set_index("school_id")["students_primary"]
    for year in (2024, 2025, 2026):
        frame, status = year_frame(_base(feeders), year, 2023, None, projects.rows, STANDARD)
        by = frame.set_index("school_id")
        if year < 2025:
            assert "new-7" not in by.index and by.at["A", "students_primary"] == before["A"]
            continue
        assert (by.at["A", "students_primary"], by.at["B", "students_primary"]) == (600 - 100, 200 - 150)
        assert by.at["new-7", "students_primary"] == 250 and by.at["new-7", "school_name"] == "城南小学"
        assert by.at["new-7", "school_type"] == "小学"
        assert int(frame["students_primary"].sum()) == int(before.sum())        # pupils are moved, not made
        texts = dict(status)
        assert texts[0].startswith("已计入（学位 300 个，按所列转入学生 250 人）")
    # the roadmap counts it: its re-evaluated parts hold the new school with its pupils
    rm = build_roadmap(feeders, target_year=2025, moves=False, use_solver=False, projects=projects)
    parts = rm.results[2025].parts
    assert int(parts.loc[parts["school_id"] == "new-7", "students"].sum()) == 250


def test_a_new_school_with_only_its_feeders_fills_its_places_in_proportion(feeders, tmp_path):
    # 400 places from A (600 pupils) and B (200): 400 × 600/800 = 300 and 400 × 200/800 = 100
    path = write(tmp_path, line(7, "new_school", school_name="城南小学", stage="primary", amount=400,
                                from_ids="A；B"))
    frame, status = year_frame(_base(feeders), 2025, 2023, None, read_projects(path).rows, STANDARD)
    by = frame.set_index("school_id")
    assert (by.at["A", "students_primary"], by.at["B", "students_primary"], by.at["new-7", "students_primary"]) \
        == (300, 100, 400)
    assert dict(status)[0].startswith("已计入（学位 400 个，从生源学校转入 400 人）")
    # built to the standard for its 400 pupils: ⌈4.2 × 400 / 100⌉ = 17 above-degree teachers, 4.5 × 400 m²
    assert by.at["new-7", "teachers_above_degree_primary"] == 17
    assert float(by.at["new-7", "teaching_aux_area_m2"]) == pytest.approx(1800)
    # more places than the feeders' pupils: all 800 move, the places are a cap, not a quota
    path = write(tmp_path, line(7, "new_school", school_name="城南小学", stage="primary", amount=1000,
                                from_ids="A;B"))
    frame, _ = year_frame(_base(feeders), 2025, 2023, None, read_projects(path).rows, STANDARD)
    assert frame.set_index("school_id").at["new-7", "students_primary"] == 800
    # three feeders with shares that do not divide: 7 places from 600, 200, 500 (1,300): exact shares 3.23,
    # 1.08, 2.69 → floors 3, 1, 2 (6), the one left to the largest remainder (2.69 → 3)
    shares = [Fraction(7 * n, 1300) for n in (600, 200, 500)]
    assert [int(s) for s in shares] == [3, 1, 2] and max(shares, key=lambda s: s - int(s)) == shares[2]
    path = write(tmp_path, line(7, "new_school", school_name="城南小学", stage="primary", amount=7,
                                from_ids="A;B;P1"))
    frame, _ = year_frame(_base(feeders), 2025, 2023, None, read_projects(path).rows, STANDARD)
    by = frame.set_index("school_id")["students_primary"]
    assert (600 - by["A"], 200 - by["B"], 500 - by["P1"], by["new-7"]) == (3, 1, 3, 7)


def test_a_new_school_stated_area_is_kept_and_the_rest_bought(feeders, tmp_path):
    """A new school with a stated area keeps it (it is not built to the standard there): the roadmap buys the
    rest."""
    path = write(tmp_path, line(7, "new_school", school_name="城南小学", stage="primary", amount=400, from_ids="A;B")
                 + line(8, "add_area_m2", school_name="城南小学", amount=1000, budget="0"))
    frame, status = year_frame(_base(feeders), 2025, 2023, None, read_projects(path).rows, STANDARD)
    assert float(frame.set_index("school_id").at["new-7", "teaching_aux_area_m2"]) == 1000
    assert dict(status)[1] == "已计入"


def test_a_new_school_with_no_pupils_is_listed_not_counted(feeders, tmp_path):
    path = write(tmp_path, line(7, "new_school", school_name="城南小学", stage="primary", amount=400))
    frame, status = year_frame(_base(feeders), 2025, 2023, None, read_projects(path).rows, STANDARD)
    assert "new-7" not in set(frame["school_id"]) and len(frame) == 3
    assert dict(status)[0] == "新建学校未注明生源学校、也无学生转入：学位未计入测算"


def test_synthetic_ids_are_stable_and_rows_naming_a_new_school_act_on_it():
    assert (new_school_id(7), new_school_id(7, 2)) == ("new-7", "new-7-2")
    assert feeder_ids("A; B、C，A") == ["A", "B", "C"]
    rows = pd.DataFrame({"project_no": [3, 3, 4, 5], "effect": ["new_school", "new_school", "add_area_m2",
                                                                 "add_area_m2"],
                         "school_id": ["", "", "", ""], "school_name": ["甲", "乙", "乙", "丙"]})
    assert target_ids(rows).tolist() == ["new-3", "new-3-2", "new-3-2", ""]


# ---------------------------------------------------------------------------------------- bad rows
def test_bad_effect_rows_are_located_errors_in_one_pass(tmp_path):
    body = (line(1, "add_area_m2", school_id="A", amount=-5)                                   # row 2
            + line(2, "add_area_m2", school_id="A", amount=100, year=PLAN_YEAR_LAST + 1)       # row 3
            + line(3, "new_school", school_name="新校", stage="primary", amount=100, from_ids="A")  # row 4
            + line(4, "move_students", school_name="新校", stage="primary", amount=60, from_ids="A", budget="0")
            + line(5, "move_students", school_name="新校", stage="primary", amount=50, from_ids="B", budget="0")
            + line(6, "move_students", school_name="新校", stage="junior", amount=1, from_ids="B", budget="0")
            + line(7, "move_students", school_id="A", stage="primary", amount=5, from_ids="B;C")   # row 8
            + line(8, "add_sports_m2", school_id="A", amount=10, from_ids="B"))                   # row 9
    path = write(tmp_path, body)
    found = errors(path)
    negative = one(found, "out_of_range", row=2)
    assert (negative.file, negative.column, negative.value) == (str(path), "amount", "-5")
    assert "数量应大于 0" in negative.message_zh and "amount must be above 0" in negative.message_en
    late = one(found, "out_of_range", row=3)
    assert (late.column, late.value) == ("completion_year", str(PLAN_YEAR_LAST + 1))
    assert f"不应晚于 {PLAN_YEAR_LAST} 年" in late.message_zh and f"must complete by {PLAN_YEAR_LAST}" in late.message_en
    # 60 + 50 = 110 pupils into 100 places: the row that goes beyond (row 6)
    beyond = one(found, "beyond_places")
    assert (beyond.row, beyond.column, beyond.value) == (6, "amount", "50")
    assert "超过转入学校的学位 100 个（第4行）" in beyond.message_zh and "places are the cap" in beyond.message_en
    stage = one(found, "stage_without_places")
    assert (stage.row, stage.column, stage.value) == (7, "stage", "junior")
    several = one(found, "several_schools")
    assert (several.row, several.column, several.value) == (8, "from_school_id", "B;C")
    misplaced = one(found, "not_applicable")
    assert (misplaced.row, misplaced.column) == (9, "from_school_id")
    assert "生源学校" in misplaced.message_zh and "new_school, add_places" in misplaced.message_en
    assert len(found) == 6
    # the boundary: an effect completing in 2035 is accepted, 100 pupils into 100 places too
    ok = write(tmp_path, line(1, "add_area_m2", school_id="A", amount=100, year=PLAN_YEAR_LAST)
               + line(3, "new_school", school_name="新校", stage="primary", amount=100, from_ids="A")
               + line(4, "move_students", school_name="新校", stage="primary", amount=60, from_ids="A", budget="0")
               + line(5, "move_students", school_name="新校", stage="primary", amount=40, from_ids="B", budget="0"),
               name="ok.csv")
    assert len(read_projects(ok).rows) == 4


def test_unknown_schools_and_feeders_are_located_errors(tmp_path):
    header_zh = "序号,项目名称,资金概算（万元）,完成年份,来源,效果,学校标识码,学校名称,学段,数量,转出学校标识码,说明\n"
    path = tmp_path / "projects.csv"
    path.write_text(header_zh
                    + "1,新建,10,2025,方案,new_school,,新校,all,500,A;Q1;Q2,n\n"      # two unknown feeders
                    + "2,扩建,10,2025,方案,add_area_m2,Z,,,100,,n\n"                    # unknown school
                    + "3,扩建,10,2025,方案,add_places,A,,primary,50,B,n\n"              # fine
                    + "4,旧,10,2023,方案,add_area_m2,A,,,100,,n\n", encoding="utf-8")   # before the data year
    schools = pd.DataFrame({"school_id": ["A", "B"], "school_name": ["甲小学", "乙小学"]})
    found = link_problems(read_projects(path, county="测试县"), schools, data_year=2024)
    feeders = [p for p in found if p.code == "unknown_feeder"]
    assert [(p.severity, p.row, p.column, p.value) for p in feeders] == [
        ("error", 2, "转出学校标识码", "Q1"), ("error", 2, "转出学校标识码", "Q2")]
    assert "学校数据（2024年）中没有生源学校「Q1」" in feeders[0].message_zh
    assert "has no school 'Q1'" in feeders[0].message_en
    unknown = one(found, "unknown_school")
    assert (unknown.severity, unknown.row, unknown.column, unknown.value) == ("error", 3, "学校标识码", "Z")
    old = one(found, "completed_before_data")
    assert (old.severity, old.row, old.column, old.value) == ("warning", 5, "完成年份", "2023")
    assert len(found) == 4


def test_the_template_explains_places_feeders_and_the_new_effects():
    text = template_text()
    for code in ("add_places", "add_teachers_key", "add_teachers_pe_art", "add_teachers_degree"):
        assert code in EFFECTS and f"#   {code}：" in text
    assert "new-序号" in text and "生源学校" in text and "2035" in text
    assert "新建学校留空并填学校名称 (" not in text        # the old advice the roadmap did not follow


# ------------------------------------------------------------------------------------------ 石城县
@pytest.fixture(scope="module")
def shicheng_schools():
    table = read_schools([SHICHENG / "schools_2023.xlsx", SHICHENG / "schools_2024.xlsx"])
    return table.frame


def test_shicheng_projects_read_and_link_without_errors(shicheng_schools):
    projects = read_projects(SHICHENG / "projects.csv", county="石城县")
    assert projects.warnings == []
    for year in (2023, 2024):
        base = shicheng_schools[shicheng_schools["year"] == year]
        assert link_problems(projects, base, data_year=year) == [], year
    new = projects.rows[projects.rows["effect"] == "new_school"].set_index("project_no")
    assert new["target_id"].to_dict() == {7: "new-7", 8: "new-8", 9: "new-9", 10: "new-10"}
    # every feeder is an urban (城区) school of the sample
    urban = set(shicheng_schools.loc[shicheng_schools["urban_rural"] == "城区", "school_id"].astype(str))
    for cell in new["from_school_id"]:
        assert cell and set(feeder_ids(cell)) <= urban


@pytest.mark.parametrize("start,year,opened", [(2024, 2025, {"new-9": 1000}),
                                                (2023, 2024, {"new-7": 2000, "new-8": 1300, "new-10": 2500})])
def test_shicheng_projects_with_stated_places_change_the_year_frames(shicheng_schools, start, year, opened):
    """The four new schools' places are read from the scheme (预计新增学位…人); a project counts from the year
    after the data year. From 2024's data, 新前江小学 (序号9, 2025) opens; from 2023's, 序号7, 8 and 10 (2024)."""
    projects = read_projects(SHICHENG / "projects.csv", county="石城县")
    base = shicheng_schools[shicheng_schools["year"] == start].reset_index(drop=True)
    plain, _ = year_frame(base, year, start, None, None, STANDARD)
    frame, status = year_frame(base, year, start, None, projects.rows, STANDARD)
    pupils = frame.set_index("school_id")[["students_primary", "students_junior"]].fillna(0).sum(axis=1)
    assert {sid: int(pupils[sid]) for sid in opened} == opened           # full: the sample's urban pupils suffice
    for column in ("students_primary", "students_junior"):
        assert int(frame[column].sum()) == int(plain[column].fillna(0).sum())   # moved, not made
    # the pupils come from the listed schools only
    moved = plain.set_index("school_id")[["students_primary", "students_junior"]].fillna(0).sum(axis=1) \
        - pupils.reindex(plain["school_id"]).to_numpy()
    listed = set().union(*(feeder_ids(c) for c in projects.rows.loc[projects.rows["effect"] == "new_school",
                                                                    "from_school_id"]))
    assert set(moved[moved != 0].index) <= listed and int(moved.sum()) == sum(opened.values())
    applied = {int(projects.rows.iloc[i]["project_no"]) for i, text in status if text.startswith("已计入")}
    assert applied == {int(s.split("-")[1]) for s in opened}
    unstated = [text for i, text in status if projects.rows.iloc[i]["effect"] == "not_stated"]
    assert unstated and set(unstated) == {"效果未注明，未计入测算"}
