"""Counties' own rules, each read from its clause (issue 13 item 8).

Expectations are typed here from the seed texts, never read from ``county.toml`` or ``scorecard.toml``:

* 乡宁县 (seed 002 三、主要任务(二)9): "公办小学、初中全部就近划片入学" — nearby enrolment 100% for junior too,
  where the national item (附件1 二(二)13) asks 95%以上: 96% fails, 100% passes.
* 石柱县 (seed 004): 三(四)2 "确保全县小学巩固率达到100%，初中三年巩固率达到95%以上"; 三(四)1 "公办小学、初中就近划片
  入学比例分别达100%、95%以上"; 三(五)3 "保障残疾儿童少年义务教育入学率达到 95%以上" — in its plan, year 2029 like
  its 社会认可度 target (二、工作目标 "到2029年 … 全部达到评估标准").
* 进贤县 (seed 000 二(二)2(7)): "城乡小学教职工编制标准统一为师生比 1:19，初中统一为 1:13.5，其中：乡村教学点班师比为
  1:1.5" — checked on 专任教师 per school section.  By hand: 190 students / 10 teachers = 19 (passes, "1:19" is
  reached exactly); 1901 / 100 = 19.01 (fails); 135 / 10 = 13.5 (passes); 1351 / 100 = 13.51 (fails); a rural
  teaching point with 2 classes and 3 teachers has 1.5 per class (passes), with 3 classes and 4 teachers 1.33
  (fails).
* 进贤县 (seed 000 二(二)1(5)): "所有指标校际差异系数，小学小于 0.50，初中小于 0.45" — its scorecard rows read 小于.
"""
from __future__ import annotations

import csv
import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from _build import COUNTY, JINXIAN_DATA, YEAR, meeting_junior, meeting_primary, run, school
from junyun_lib.evaluation import scorecard as sc
from junyun_lib.evaluation.staffing import staffing_check, staffing_sections
from junyun_lib.io.county_table import CountyValues
from junyun_lib.io.plan_file import read_plan
from junyun_lib.report import scorecard_view as view
from junyun_lib.rules.county_indicators import definitions
from junyun_lib.workspace import Workspace

RAW = JINXIAN_DATA / "raw"
ROOMS = dict(music_rooms=2, music_room_min_area_m2=100, art_rooms=2, art_room_min_area_m2=100)


def county_values(changes: dict | None = None) -> CountyValues:
    """Every county-level code at 100 (yes/no at 1, vetoes at 0), then ``changes``."""
    values = {"special_school_funding_yuan": 6500.0}          # 附件1 二(二)7: 不低于6000元
    for code, d in definitions().items():
        if code in values:
            continue
        values[code] = 0.0 if code.startswith("veto_") else (1.0 if d.unit == "是否" else d.max if d.unit == "级"
                                                            else 0.10 if d.unit == "系数" else 100.0)
    values.update(changes or {})
    rows = [{"code": c, "name_zh": definitions()[c].name_zh, "value": float(v), "unit": definitions()[c].unit,
             "source": "测试数据", "note": "", "file": f"county_indicators_{YEAR}.csv", "row": i + 2}
            for i, (c, v) in enumerate(values.items())]
    return CountyValues(county=COUNTY, year=YEAR, table=pd.DataFrame(rows))


def item(card, code):
    hits = [r for r in card.items.to_dict("records") if r["code"] == code]
    assert len(hits) == 1, (code, len(hits))
    return hits[0]


def config(name: str):
    return Workspace(JINXIAN_DATA).config(name)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Two primaries and two junior schools meeting everything; 专任教师 27 and 38 for 500 students."""
    rows = [meeting_primary("P1", teachers_primary=27, **ROOMS), meeting_primary("P2", teachers_primary=27, **ROOMS),
            meeting_junior("J1", teachers_junior=38, **ROOMS), meeting_junior("J2", teachers_junior=38, **ROOMS)]
    return run(rows, tmp_path_factory.mktemp("county_rules")).county(COUNTY, YEAR)


# ------------------------------------------------------------------------------------------ 乡宁县
@pytest.mark.parametrize("value,passes", [(96, False), (99.9, False), (100, True)])
def test_xiangning_junior_nearby_enrolment_is_100(small, value, passes):
    result = dataclasses.replace(small, config=config("乡宁县"))
    card = sc.scorecard(result, county_values({"nearby_enrolment_junior": value}))
    row = item(card, "nearby_enrolment_junior")
    assert row["standard"] == pytest.approx(100)
    assert row["passes"] is passes
    assert "seed 002 三、主要任务(二)9" in row["basis"]
    assert card.areas["government_guarantee"] is passes
    # nationally 96% is enough (附件1 二(二)13: 95%以上)
    assert item(sc.scorecard(small, county_values({"nearby_enrolment_junior": value})),
                "nearby_enrolment_junior")["passes"] is True


def test_xiangning_plan_carries_the_rule():
    plan = read_plan(RAW / "xiangning" / "plan.csv", county="乡宁县")
    rows = plan.rows.set_index("metric")
    for metric, stage in (("county:nearby_enrolment_primary", "primary"), ("county:nearby_enrolment_junior", "junior")):
        r = rows.loc[metric]
        assert (r["year"], r["target"], r["direction"], r["stage"]) == (2024, 100.0, ">=", stage)
        assert r["source"].startswith("seed 002 三、主要任务(二)9")
        assert "公办小学、初中全部就近划片入学" in r["note"]


# ------------------------------------------------------------------------------------------ 石柱县
SHIZHU_NEW = [  # (metric, stage, target, clause)
    ("county:primary_retention", "primary", 100, "seed 004 三、重点任务(四)2"),
    ("county:junior_retention", "junior", 95, "seed 004 三、重点任务(四)2"),
    ("county:nearby_enrolment_primary", "primary", 100, "seed 004 三、重点任务(四)1"),
    ("county:nearby_enrolment_junior", "junior", 95, "seed 004 三、重点任务(四)1"),
    ("county:disabled_enrolment", "all", 95, "seed 004 三、重点任务(五)3"),
]


def test_shizhu_plan_has_the_three_targets():
    plan = read_plan(RAW / "shizhu" / "plan.csv", county="石柱县")
    social = plan.rows[plan.rows["metric"] == "county:social_recognition"].iloc[0]
    for metric, stage, target, clause in SHIZHU_NEW:
        hits = plan.rows[plan.rows["metric"] == metric]
        assert len(hits) == 1, metric
        r = hits.iloc[0]
        assert (r["stage"], r["target"], r["direction"], r["unit"], r["stated"]) == (stage, target, ">=", "%", True)
        assert r["year"] == social["year"] == 2029             # entered as the year-less 社会认可度 target was
        assert r["source"] == clause
        assert "原文“" in r["note"] and "2029" in r["note"]
    with open(RAW / "shizhu" / "plan.csv", encoding="utf-8", newline="") as f:
        notes = " ".join(r["note"] for r in csv.DictReader(f))
    for quote in ("确保全县小学巩固率达到100%，初中三年巩固率达到95%以上", "公办小学、初中就近划片入学比例分别达100%、95%以上",
                  "保障残疾儿童少年义务教育入学率达到 95%以上"):
        assert quote in notes, quote


def test_primary_retention_is_a_county_indicator():
    d = definitions()["primary_retention"]
    assert (d.name_zh, d.unit, d.min, d.max) == ("小学巩固率", "%", 0.0, 100.0)


# ------------------------------------------------------------------------------------------ 进贤县 staffing
JINXIAN_RATIOS = {"primary": 19, "junior": 13.5, "rural_teaching_point": 1.5}     # seed 000 二(二)2(7)


def _sections(rows) -> pd.DataFrame:
    from junyun_lib.io.reader import read_schools

    return staffing_sections(read_schools(pd.DataFrame(rows)).frame)


BOUNDARY = [
    # (row, kind, value, passes)
    (school("A", "小学", primary=190, teachers_primary=10), "primary", 19.0, True),
    (school("B", "小学", primary=1901, teachers_primary=100), "primary", 19.01, False),
    (school("C", "初级中学", junior=135, teachers_junior=10), "junior", 13.5, True),
    (school("D", "初级中学", junior=1351, teachers_junior=100), "junior", 13.51, False),
    (school("E", "教学点", primary=30, urban_rural="乡村", classes_primary=2, max_class_primary=15,
            teachers_primary=3), "rural_teaching_point", 1.5, True),
    (school("F", "教学点", primary=30, urban_rural="乡村", classes_primary=3, max_class_primary=10,
            teachers_primary=4), "rural_teaching_point", 4 / 3, False),
    (school("G", "小学", primary=100, teachers_primary=0), "primary", math.nan, None),   # blank reads as 0: no data
]


@pytest.mark.parametrize("row,kind,value,passes", BOUNDARY, ids=[b[0]["school_id"] for b in BOUNDARY])
def test_staffing_ratio_at_the_boundary(row, kind, value, passes):
    out = staffing_check(_sections([row]), JINXIAN_RATIOS)
    assert len(out) == 1
    r = out.iloc[0]
    assert r["kind"] == kind
    if passes is None:
        assert math.isnan(r["value"]) and pd.isna(r["passes"])
    else:
        assert r["value"] == pytest.approx(value)
        assert bool(r["passes"]) is passes


def test_small_teaching_points_are_checked_and_special_schools_are_not():
    rows = [school("E", "教学点", primary=30, urban_rural="乡村", classes_primary=2, max_class_primary=15,
                   teachers_primary=3),
            school("S", "特殊教育学校", primary=40, teachers_primary=1)]
    out = staffing_check(_sections(rows), JINXIAN_RATIOS)
    assert list(out["school_id"]) == ["E"]                 # 30 < 50 students: out of resource scope, yet checked


def test_a_nine_year_school_is_checked_per_section():
    rows = [school("N", "九年一贯制学校", primary=380, junior=270, teachers_primary=20, teachers_junior=19)]
    out = staffing_check(_sections(rows), JINXIAN_RATIOS).set_index("stage")
    assert out.loc["primary", "value"] == pytest.approx(19.0) and bool(out.loc["primary", "passes"])
    assert out.loc["junior", "value"] == pytest.approx(270 / 19)   # 14.2 > 13.5
    assert not bool(out.loc["junior", "passes"])


def _staffing_card(tmp_path, extra_rows, county="进贤县"):
    rows = [meeting_primary("P1", teachers_primary=27, **ROOMS), meeting_junior("J1", teachers_junior=38, **ROOMS),
            *extra_rows]
    result = run(rows, tmp_path).county(COUNTY, YEAR)
    return sc.scorecard(dataclasses.replace(result, config=config(county)), county_values())


@pytest.mark.parametrize("students,passes", [(1900, True), (1901, False)])
def test_jinxian_scorecard_staffing_row(tmp_path, students, passes):
    """A 小学 with 100 专任教师: 1900 students = 1:19 passes, 1901 = 1:19.01 fails."""
    card = _staffing_card(tmp_path, [meeting_primary("P2", students=students, teachers_primary=100, **ROOMS)])
    row = item(card, "staffing_ratio")
    assert row["area"] == "government_guarantee"
    assert row["passes"] is passes
    assert row["value"] == pytest.approx(100.0 if passes else 200 / 3)    # 3 sections, 2 meet
    assert row["standard"] == pytest.approx(100)
    assert "1:19" in row["name"] and "1:13.5" in row["name"] and "1:1.5" in row["name"]
    assert "按专任教师计" in row["name"]
    assert "seed 000 二(二)2(7)" in row["basis"]
    if not passes:
        assert "P2" in row["source"] and "1:19.01" in row["source"]
        assert card.areas["government_guarantee"] is False


def test_jinxian_staffing_without_teacher_counts_is_no_data(tmp_path):
    """The 专任教师 columns are optional: without them the row is 无数据 and the area cannot pass."""
    rows = [meeting_primary("P1", **ROOMS), meeting_junior("J1", **ROOMS)]
    result = run(rows, tmp_path).county(COUNTY, YEAR)
    card = sc.scorecard(dataclasses.replace(result, config=config("进贤县")), county_values())
    row = item(card, "staffing_ratio")
    assert row["passes"] is None and (row["value"] is None or math.isnan(row["value"]))
    assert "缺少专任教师数" in row["source"]
    assert card.areas["government_guarantee"] is None and card.overall is not True
    table = view.form_table(card)
    shown = table[table["序号"] == "县1"].iloc[0]
    assert (shown["实际"], shown["结论"]) == ("无数据", "无数据")


def test_one_blank_teacher_count_is_no_data_but_a_failure_still_fails(tmp_path):
    """A blank 小学专任教师数 reads as 0 (stage columns: blank = 0); a school with students and no teacher is
    no data, not a failure — but another school's failure still fails the row."""
    blank = meeting_primary("P2", teachers_primary=np.nan, teachers_above_degree_primary=0, key_teachers_primary=0,
                            pe_art_teachers_primary=0, **ROOMS)
    card = _staffing_card(tmp_path / "a", [blank])
    assert item(card, "staffing_ratio")["passes"] is None
    failing = meeting_primary("P3", teachers_primary=25, **ROOMS)            # 500 / 25 = 20 > 19
    card = _staffing_card(tmp_path / "b", [blank, failing])
    assert item(card, "staffing_ratio")["passes"] is False


def test_counties_without_staffing_ratios_have_no_staffing_row(small):
    for name in ("乡宁县", "石柱县"):
        card = sc.scorecard(dataclasses.replace(small, config=config(name)), county_values())
        assert "staffing_ratio" not in set(card.items["code"])
    assert "staffing_ratio" not in set(sc.scorecard(small, county_values()).items["code"])


# ------------------------------------------------------------------------------------------ CV wording
def test_jinxian_cv_rows_read_xiaoyu():
    """The county's own schools evaluated under its configuration (the strict "<" is applied at evaluation)."""
    rows = [meeting_primary("P1", county="进贤县", teachers_primary=27, **ROOMS),
            meeting_junior("J1", county="进贤县", teachers_junior=38, **ROOMS)]
    result = run(rows, JINXIAN_DATA).county("进贤县", YEAR)
    card = sc.scorecard(result, county_values())
    for code in ("cv_primary", "cv_junior"):
        row = item(card, code)
        assert row["op"] == "<"
        assert "小于" in row["name"] and "不超过" not in row["name"]
    table = view.form_table(card)
    cv_rows = table[table["评估内容"].str.contains("差异系数")]
    assert len(cv_rows) == 2 and not cv_rows["评估内容"].str.contains("不超过").any()
    assert cv_rows["标准"].str.startswith("<").all()


def test_national_cv_rows_read_buchaoguo(small):
    card = sc.scorecard(small, county_values())
    for code in ("cv_primary", "cv_junior"):
        row = item(card, code)
        assert row["op"] == "<=" and "不超过" in row["name"]
