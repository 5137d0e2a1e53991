"""The evaluation scorecard (优质均衡督导评估表): every item at its threshold, 进贤县's stricter targets, no
data, the vetoes, resource allocation, the prerequisite, the output shapes and the committed sample.

Thresholds are typed here from the texts, never read from ``rules/scorecard.toml``:

* seed 002 附件1 二(二) 政府保障程度 1–15, 二(三) 教育质量 1–9, 二(四)3 社会认可度, 三 不予认定事项,
  一(二) 申报条件 (综合差异系数 不超过 0.60 / 0.50);
* seed 000 二(二) for 进贤县: 巩固率 97%以上 (13), 残疾儿童少年入学率 97%以上 (14), 名额分配 不低于70% (11),
  随迁子女 达到95% (12), 就近划片入学 小学、初中分别达到100% (10).

"以上 / 不低于 / 达到" is ≥ (exactly at the threshold passes); "低于 0.15" is strict (0.15 fails).

One small county passing resource allocation and the school-level checks is evaluated once:
two ``meeting_primary`` and two ``meeting_junior`` schools of 500 students, each with 2 music and 2 art rooms
of 100 m² (500 students → ceil(500/40) = 13 classes → ceil(13/12) = 2 rooms of each; 100 ≥ 96 music, ≥ 90 art;
largest class ceil(500/13) = 39 ≤ 45/50; 500 ≤ 2000 students).  All seven indicators are equal at every
school of a stage, so every CV is 0.  Each school also reports its 专任教师 for 进贤县's own staffing row 县1
(seed 000 二(二)2(7)): 27 in a primary (500/27 = 18.5 ≤ 19), 38 in a junior school (500/38 = 13.2 ≤ 13.5).
"""
from __future__ import annotations

import dataclasses
import json
import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from _build import COUNTY, YEAR, JINXIAN_DATA, meeting_junior, meeting_primary, run
from junyun_lib import rules
from junyun_lib.evaluation import scorecard as sc
from junyun_lib.io.county_table import CountyValues
from junyun_lib.report import scorecard_view as view
from junyun_lib.rules.county_indicators import definitions
from junyun_lib.workspace import Workspace
from junyun_lib.rules import compare

AREAS = ("resource_allocation", "government_guarantee", "education_quality", "social_recognition")
GOV, QUALITY, SOCIAL, RESOURCE = "government_guarantee", "education_quality", "social_recognition", \
    "resource_allocation"
ROOMS = dict(music_rooms=2, music_room_min_area_m2=100, art_rooms=2, art_room_min_area_m2=100)
STAFF_P, STAFF_J = dict(teachers_primary=27), dict(teachers_junior=38)   # 进贤县 1:19 and 1:13.5 met
REPO = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------------------------------ passing values
# Comfortably past every threshold — also 进贤县's stricter ones — so one table serves both.
PASSING = {
    # 政府保障程度 (seed 002 附件1 二(二)); 3 音乐美术专用教室, 4 校额, 5 班额 come from the school census
    "layout_reasonable": 1,               # 1 规划布局合理：是
    "four_unified_met": 1,                # 2 四统一：是
    "small_school_funding_met": 1,        # 6 不足100名学生按100名核定公用经费：是
    "special_school_funding_yuan": 6500,  # 7 ≥ 6000 元
    "teacher_pay_met": 1,                 # 8 教师工资不低于公务员：是
    "training_completion": 100,           # 9 培训完成率 达到100%
    "staffing_allocated": 1,              # 10 统筹分配编制：是
    "rotation_ratio": 12,                 # 11 交流轮岗比例 不低于10%
    "rotation_key_share": 25,             # 11 骨干教师 不低于20%
    "teacher_certification": 100,         # 12 持证上岗率 达到100%
    "nearby_enrolment_primary": 100,      # 13 小学 达到100%
    "nearby_enrolment_junior": 100,       # 13 初中 95%以上 (进贤县 100%)
    "quota_allocation_ratio": 75,         # 14 不低于50% (进贤县 70%)
    "left_behind_care_system": 1,         # 15 留守儿童关爱体系健全：是
    "migrant_public_ratio": 96,           # 15 不低于85% (进贤县 95%)
    # 教育质量 (二(三))
    "junior_retention": 98,               # 1 95%以上 (进贤县 97%)
    "disabled_enrolment": 98,             # 2 95%以上 (进贤县 97%)
    "charter_and_it_management": 1,       # 3 章程与信息化：是
    "training_funds_share": 6,            # 4 不低于5%
    "ict_fluent": 1,                      # 5 是
    "moral_education_good": 1,            # 6 是
    "curriculum_complete": 1,             # 7 是
    "no_excessive_homework": 1,           # 8 是
    "monitoring_level": 3,                # 9 Ⅲ级以上
    "monitoring_difference_rate": 0.10,   # 9 低于0.15
    # 社会认可度 (二(四)3)
    "social_recognition": 90,             # 85%以上
}
VETOES = ["veto_exam_admission", "veto_school_choice", "veto_key_schools", "veto_unfilled_posts",
          "veto_safety_incident", "veto_falsification"]          # 三(一)–(六)
NO_VETO = {v: 0 for v in VETOES}                               # 否

# (area, number in 附件1, code) of every county-table item
COUNTY_ITEMS = [
    (GOV, "1", "layout_reasonable"), (GOV, "2", "four_unified_met"), (GOV, "6", "small_school_funding_met"),
    (GOV, "7", "special_school_funding_yuan"), (GOV, "8", "teacher_pay_met"), (GOV, "9", "training_completion"),
    (GOV, "10", "staffing_allocated"), (GOV, "11a", "rotation_ratio"), (GOV, "11b", "rotation_key_share"),
    (GOV, "12", "teacher_certification"), (GOV, "13a", "nearby_enrolment_primary"),
    (GOV, "13b", "nearby_enrolment_junior"), (GOV, "14", "quota_allocation_ratio"),
    (GOV, "15a", "left_behind_care_system"), (GOV, "15b", "migrant_public_ratio"),
    (QUALITY, "1", "junior_retention"), (QUALITY, "2", "disabled_enrolment"),
    (QUALITY, "3", "charter_and_it_management"), (QUALITY, "4", "training_funds_share"),
    (QUALITY, "5", "ict_fluent"), (QUALITY, "6", "moral_education_good"), (QUALITY, "7", "curriculum_complete"),
    (QUALITY, "8", "no_excessive_homework"), (QUALITY, "9a", "monitoring_level"),
    (QUALITY, "9b", "monitoring_difference_rate"),
    (SOCIAL, "1", "social_recognition"),
]
CENSUS_ITEMS = [(GOV, "3", "special_rooms"), (GOV, "4", "school_size"), (GOV, "5", "class_size")]
RESOURCE_ITEMS = ["cv_primary", "cv_junior", "school_rule_primary", "school_rule_junior"]
AREA_OF = {code: area for area, _, code in COUNTY_ITEMS + CENSUS_ITEMS} | {c: RESOURCE for c in RESOURCE_ITEMS}


def county_values(changes: dict | None = None, drop=(), county: str = COUNTY, year: int = YEAR) -> CountyValues:
    """Every county-level code at a passing value (plan-only codes at 100), ``changes`` applied (None or
    NaN = a blank cell), ``drop`` left out of the table."""
    values = {code: 100.0 for code in definitions()} | PASSING | NO_VETO | (changes or {})
    rows = []
    for i, (code, value) in enumerate(values.items()):
        if code in drop:
            continue
        d = definitions()[code]
        rows.append({"code": code, "name_zh": d.name_zh, "value": np.nan if value is None else float(value),
                     "unit": d.unit, "source": "测试数据", "note": "", "file": f"county_indicators_{year}.csv",
                     "row": i + 2})
    table = pd.DataFrame(rows, columns=["code", "name_zh", "value", "unit", "source", "note", "file", "row"])
    table["value"] = table["value"].astype(float)
    return CountyValues(county=county, year=year, table=table)


def item(card, code: str) -> dict:
    hits = [r for r in card.items.to_dict("records") if r["code"] == code]
    assert len(hits) == 1, f"expected one item {code}, got {len(hits)}"
    return hits[0]


def veto(card, code: str) -> dict:
    hits = [r for r in card.vetoes.to_dict("records") if r["code"] == code]
    assert len(hits) == 1
    return hits[0]


def others_pass(card, area: str) -> bool:
    return all(card.areas[a] is True for a in AREAS if a != area)


@pytest.fixture(scope="module")
def passing(tmp_path_factory):
    """The small county's CountyResult (no county configuration: national thresholds)."""
    rows = [meeting_primary("P1", **ROOMS, **STAFF_P), meeting_primary("P2", **ROOMS, **STAFF_P),
            meeting_junior("J1", **ROOMS, **STAFF_J), meeting_junior("J2", **ROOMS, **STAFF_J)]
    return run(rows, tmp_path_factory.mktemp("scorecard")).county(COUNTY, YEAR)


@pytest.fixture(scope="module")
def jinxian(passing):
    """The same result under 进贤县's configuration (its [county_targets])."""
    cfg = Workspace(JINXIAN_DATA).config("进贤县")
    assert cfg.slug == "jinxian"
    return dataclasses.replace(passing, config=cfg)


# ------------------------------------------------------------------------------ 0. the county passes as built
def test_everything_passing_gives_overall_true(passing):
    card = sc.scorecard(passing, county_values())
    assert card.areas == {a: True for a in AREAS}
    assert all(r["passes"] is True for r in card.items.to_dict("records"))
    assert [v["applies"] for v in card.vetoes.to_dict("records")] == [False] * 6
    assert card.overall is True
    # census items: 4 of 4 schools meet the check = 100%
    for _, _, code in CENSUS_ITEMS:
        assert item(card, code)["value"] == pytest.approx(100.0)


def test_form_covers_every_numbered_item(passing):
    """附件1: 政府保障程度 15 items (3–5 from the census, 11 and 13 in two parts), 教育质量 9 (9 in two parts),
    社会认可度 1, and the 6 vetoes — each once, in its area."""
    card = sc.scorecard(passing, county_values())
    got = {(r["area"], str(r["no"]), r["code"]) for r in card.items.to_dict("records") if r["area"] != RESOURCE}
    assert got == set(COUNTY_ITEMS + CENSUS_ITEMS)
    gov_numbers = {str(no).rstrip("ab") for a, no, _ in got if a == GOV}
    assert gov_numbers == {str(i) for i in range(1, 16)}
    assert {str(no).rstrip("ab") for a, no, _ in got if a == QUALITY} == {str(i) for i in range(1, 10)}
    assert list(card.vetoes["code"]) == VETOES
    assert set(card.items.loc[card.items["area"] == RESOURCE, "code"]) == set(RESOURCE_ITEMS)


# ------------------------------------------------------------------------------------ 1. item boundaries
BOUNDARY = [
    # (code, value, passes) — threshold from seed 002 附件1
    # 政府保障程度 二(二)
    ("layout_reasonable", 1, True), ("layout_reasonable", 0, False),                   # 1 是/否
    ("four_unified_met", 1, True), ("four_unified_met", 0, False),                     # 2 是/否
    ("small_school_funding_met", 1, True), ("small_school_funding_met", 0, False),     # 6 是/否
    ("special_school_funding_yuan", 6000, True),                                       # 7 不低于6000元: 6000 ≥ 6000
    ("special_school_funding_yuan", 5999.99, False),
    ("teacher_pay_met", 1, True), ("teacher_pay_met", 0, False),                       # 8 是/否
    ("training_completion", 100, True), ("training_completion", 99.99, False),         # 9 达到100%
    ("staffing_allocated", 1, True), ("staffing_allocated", 0, False),                 # 10 是/否
    ("rotation_ratio", 10, True), ("rotation_ratio", 9.99, False),                     # 11 不低于10%
    ("rotation_key_share", 20, True), ("rotation_key_share", 19.99, False),            # 11 不低于20%
    ("teacher_certification", 100, True), ("teacher_certification", 99.99, False),     # 12 达到100%
    ("nearby_enrolment_primary", 100, True), ("nearby_enrolment_primary", 99.99, False),  # 13 小学 达到100%
    ("nearby_enrolment_junior", 95, True), ("nearby_enrolment_junior", 94.99, False),  # 13 初中 95%以上
    ("quota_allocation_ratio", 50, True), ("quota_allocation_ratio", 49.99, False),    # 14 不低于50%
    ("left_behind_care_system", 1, True), ("left_behind_care_system", 0, False),       # 15 关爱体系健全：是/否
    ("migrant_public_ratio", 85, True), ("migrant_public_ratio", 84.99, False),        # 15 不低于85%
    # 教育质量 二(三)
    ("junior_retention", 95, True), ("junior_retention", 94.99, False),                # 1 95%以上
    ("disabled_enrolment", 95, True), ("disabled_enrolment", 94.99, False),            # 2 95%以上
    ("charter_and_it_management", 1, True), ("charter_and_it_management", 0, False),   # 3 是/否
    ("training_funds_share", 5, True), ("training_funds_share", 4.99, False),          # 4 不低于5%
    ("ict_fluent", 1, True), ("ict_fluent", 0, False),                                 # 5 是/否
    ("moral_education_good", 1, True), ("moral_education_good", 0, False),             # 6 是/否
    ("curriculum_complete", 1, True), ("curriculum_complete", 0, False),               # 7 是/否
    ("no_excessive_homework", 1, True), ("no_excessive_homework", 0, False),           # 8 是/否
    ("monitoring_level", 3, True), ("monitoring_level", 4, True),                      # 9 Ⅲ级以上: Ⅲ, Ⅳ pass
    ("monitoring_level", 2, False),                                                    #   Ⅱ fails
    ("monitoring_difference_rate", 0.15, False),                                       # 9 低于0.15: strict
    ("monitoring_difference_rate", 0.1499, True),
    # 社会认可度 二(四)3
    ("social_recognition", 85, True), ("social_recognition", 84.99, False),            # 85%以上
]


def test_boundary_cases_cover_every_county_item():
    assert {c for c, _, _ in BOUNDARY} == {c for _, _, c in COUNTY_ITEMS}
    for code in {c for _, _, c in COUNTY_ITEMS}:
        assert {p for c, _, p in BOUNDARY if c == code} == {True, False}, code


@pytest.mark.parametrize("code,value,passes", BOUNDARY, ids=[f"{c}={v}" for c, v, _ in BOUNDARY])
def test_county_item_at_boundary(passing, code, value, passes):
    card = sc.scorecard(passing, county_values({code: value}))
    row = item(card, code)
    assert row["value"] == pytest.approx(value)
    assert row["passes"] is passes
    assert "测试数据" in row["source"] and f"county_indicators_{YEAR}.csv" in row["source"]
    area = AREA_OF[code]
    assert card.areas[area] is passes
    assert others_pass(card, area)
    assert card.overall is passes


# the other items of the table stay passing while one is at its boundary
def test_one_failing_item_leaves_the_others_passing(passing):
    card = sc.scorecard(passing, county_values({"monitoring_difference_rate": 0.15}))
    failing = [r["code"] for r in card.items.to_dict("records") if r["passes"] is not True]
    assert failing == ["monitoring_difference_rate"]


# ---------------------------------------------------------------------------------- 2. 进贤县's targets
JINXIAN_CASES = [
    # (code, value, national passes, 进贤县 passes, 进贤县 threshold) — national: seed 002; 进贤县: seed 000 二(二)
    ("junior_retention", 96.99, True, False, 97),          # (13) 97%以上; national 95%以上
    ("junior_retention", 97, True, True, 97),
    ("disabled_enrolment", 96.99, True, False, 97),        # (14) 97%以上; national 95%以上
    ("disabled_enrolment", 97, True, True, 97),
    ("quota_allocation_ratio", 69.99, True, False, 70),    # (11) 不低于70%; national 50%
    ("quota_allocation_ratio", 70, True, True, 70),
    ("migrant_public_ratio", 94.99, True, False, 95),      # (12) 达到95%; national 85%
    ("migrant_public_ratio", 95, True, True, 95),
    ("nearby_enrolment_primary", 99.99, False, False, 100),  # (10) 100%; national 100% too
    ("nearby_enrolment_primary", 100, True, True, 100),
    ("nearby_enrolment_junior", 99.9, True, False, 100),   # (10) 100%; national 95%以上
    ("nearby_enrolment_junior", 100, True, True, 100),
]


@pytest.mark.parametrize("code,value,national,county,threshold", JINXIAN_CASES,
                         ids=[f"{c}={v}" for c, v, *_ in JINXIAN_CASES])
def test_jinxian_stricter_targets(passing, jinxian, code, value, national, county, threshold):
    values = county_values({code: value})
    nat, jx = item(sc.scorecard(passing, values), code), item(sc.scorecard(jinxian, values), code)
    assert nat["passes"] is national
    assert jx["passes"] is county
    assert jx["standard"] == pytest.approx(threshold)
    assert "seed 000" in jx["basis"]                          # the county rule is named as the basis
    card = sc.scorecard(jinxian, values)
    assert card.areas[AREA_OF[code]] is county and card.overall is county


def test_jinxian_keeps_national_thresholds_elsewhere(passing, jinxian):
    """Items without a 进贤县 target keep the national threshold (e.g. 社会认可度 85%, 轮岗 10%)."""
    for code, value, passes in [("social_recognition", 85, True), ("rotation_ratio", 9.99, False),
                                ("monitoring_difference_rate", 0.15, False)]:
        assert item(sc.scorecard(jinxian, county_values({code: value})), code)["passes"] is passes


# ------------------------------------------------------------------------------------------- 3. no data
NO_DATA_CASES = [(code, how) for _, _, code in COUNTY_ITEMS for how in ("absent", "blank")]


@pytest.mark.parametrize("code,how", NO_DATA_CASES, ids=[f"{c}-{h}" for c, h in NO_DATA_CASES])
def test_no_data_never_passes(passing, code, how):
    values = county_values(drop={code}) if how == "absent" else county_values({code: None})
    card = sc.scorecard(passing, values)
    row = item(card, code)
    assert row["passes"] is None
    assert row["value"] is None or math.isnan(row["value"])
    area = AREA_OF[code]
    assert card.areas[area] is None                  # unknown, not True
    assert others_pass(card, area)
    assert card.overall is None


def test_no_data_does_not_hide_a_failure(passing):
    card = sc.scorecard(passing, county_values({"junior_retention": None, "disabled_enrolment": 94}))
    assert item(card, "junior_retention")["passes"] is None
    assert card.areas[QUALITY] is False and card.overall is False


def test_without_county_table_every_county_item_is_unknown(passing):
    card = sc.scorecard(passing, None)
    rows = {r["code"]: r for r in card.items.to_dict("records")}
    for _, _, code in COUNTY_ITEMS:
        assert rows[code]["passes"] is None, code
    for _, _, code in CENSUS_ITEMS:                  # the school census still answers these
        assert rows[code]["passes"] is True, code
    for code in RESOURCE_ITEMS:
        assert rows[code]["passes"] is True, code
    assert [v["applies"] for v in card.vetoes.to_dict("records")] == [None] * 6
    assert card.areas == {RESOURCE: True, GOV: None, QUALITY: None, SOCIAL: None}
    assert card.overall is None


CENSUS_FAILURES = [
    # (item, the third primary school, why it fails)
    # 3: 500 students = 13 classes need ceil(13/12) = 2 music rooms; 1 is too few
    ("special_rooms", dict(music_rooms=1)),
    # 5: largest class 46 > 45 (13 classes × 46 ≥ 500 students, consistent)
    ("class_size", dict(max_class_primary=46)),
    # 4: 2001 > 2000 students; 51 classes → 5 rooms of each so only the size fails
    ("school_size", dict(students=2001, music_rooms=5, art_rooms=5)),
]


@pytest.mark.parametrize("code,fields", CENSUS_FAILURES, ids=[c for c, _ in CENSUS_FAILURES])
def test_census_item_fails_with_a_failing_school(tmp_path, code, fields):
    fields = ROOMS | fields
    rows = [meeting_primary("P1", **ROOMS), meeting_primary("P2", **ROOMS), meeting_primary("P3", **fields),
            meeting_junior("J1", **ROOMS), meeting_junior("J2", **ROOMS)]
    result = run(rows, tmp_path).county(COUNTY, YEAR)
    card = sc.scorecard(result, county_values())
    row = item(card, code)
    assert row["value"] == pytest.approx(80.0)       # 4 of 5 schools meet the check
    assert row["passes"] is False
    for _, _, other in CENSUS_ITEMS:
        if other != code:
            assert item(card, other)["passes"] is True, other
    assert card.areas[GOV] is False
    assert card.overall is False


# -------------------------------------------------------------------------------------------- 4. vetoes
@pytest.mark.parametrize("code", VETOES)
def test_each_veto_fails_the_county(passing, code):
    card = sc.scorecard(passing, county_values({code: 1}))        # 是
    assert veto(card, code)["applies"] is True
    assert [v["applies"] for v in card.vetoes.to_dict("records") if v["code"] != code] == [False] * 5
    assert card.areas == {a: True for a in AREAS}                 # the areas stay as they are
    assert card.overall is False


def test_all_vetoes_no_gives_overall_true(passing):
    card = sc.scorecard(passing, county_values(NO_VETO))
    assert card.overall is True


@pytest.mark.parametrize("code", VETOES)
@pytest.mark.parametrize("how", ["absent", "blank"])
def test_veto_without_data_gives_overall_unknown(passing, code, how):
    values = county_values(drop={code}) if how == "absent" else county_values({code: None})
    card = sc.scorecard(passing, values)
    assert veto(card, code)["applies"] is None
    assert card.areas == {a: True for a in AREAS}
    assert card.overall is None


def test_a_veto_decides_even_when_another_has_no_data(passing):
    card = sc.scorecard(passing, county_values({"veto_key_schools": 1, "veto_falsification": None}))
    assert card.overall is False


# ----------------------------------------------------------------------------------- 5. resource allocation
def test_primary_cv_over_limit_fails_resource_allocation(tmp_path):
    """Key teachers 5, 5, 20 at three 500-student primaries: 1, 1, 4 per 100 students; equal weights →
    mean 2, sd √((1 + 1 + 4)/3) = √2, CV = √2/2 = 0.707 > 0.50 (附件1 二(一): 小学 ≤ 0.50)."""
    rows = [meeting_primary("P1", **ROOMS), meeting_primary("P2", **ROOMS),
            meeting_primary("P3", key_teachers_primary=20, **ROOMS),
            meeting_junior("J1", **ROOMS), meeting_junior("J2", **ROOMS)]
    result = run(rows, tmp_path).county(COUNTY, YEAR)
    card = sc.scorecard(result, county_values())
    row = item(card, "cv_primary")
    assert row["value"] == pytest.approx(math.sqrt(2) / 2, abs=1e-6)
    assert row["standard"] == pytest.approx(0.50)
    assert row["passes"] is False
    assert item(card, "cv_junior")["passes"] is True
    assert item(card, "school_rule_primary")["passes"] is True     # 4 ≥ 1: every school still meets all 7
    assert card.areas[RESOURCE] is False and others_pass(card, RESOURCE)
    assert card.overall is False


def test_school_failing_the_rule_fails_resource_allocation(tmp_path):
    """P2 has 4 key teachers for 500 students: 0.8 per 100 < 1.0 and 0.8/1.0 = 80% < 85% → fails the
    per-school rule (附件1 二(一): 余项不能低于要求的85%).  CV of 1.0 and 0.8: mean 0.9, sd 0.1, 0.11 ≤ 0.50."""
    rows = [meeting_primary("P1", **ROOMS), meeting_primary("P2", key_teachers_primary=4, **ROOMS),
            meeting_junior("J1", **ROOMS), meeting_junior("J2", **ROOMS)]
    result = run(rows, tmp_path).county(COUNTY, YEAR)
    card = sc.scorecard(result, county_values())
    row = item(card, "school_rule_primary")
    assert row["value"] == pytest.approx(1.0)       # one primary part fails
    assert row["passes"] is False
    assert item(card, "cv_primary")["passes"] is True
    assert item(card, "school_rule_junior")["passes"] is True
    assert card.areas[RESOURCE] is False and others_pass(card, RESOURCE)
    assert card.overall is False


def test_cv_item_value_agrees_with_its_verdict(tmp_path):
    rows = [meeting_primary("P1", key_teachers_primary=0, **ROOMS),
            meeting_primary("P2", key_teachers_primary=0, **ROOMS),
            meeting_junior("J1", **ROOMS), meeting_junior("J2", **ROOMS)]
    result = run(rows, tmp_path).county(COUNTY, YEAR)
    card = sc.scorecard(result, county_values())
    row = item(card, "cv_primary")
    assert row["passes"] is False                   # key teachers' CV is NaN: never passes
    shown_value_passes = row["value"] is not None and not math.isnan(row["value"]) and \
        bool(compare(row["value"], row["standard"], row["op"]))
    assert not shown_value_passes, (row["value"], row["op"], row["standard"], row["source"])


# ------------------------------------------------------------------------------------------ 6. prerequisite
Y = 2024


def basic(primary, junior):
    """Anything with a ``stages`` table (stage, composite_cv) stands for a basic-2012 CountyResult."""
    return SimpleNamespace(stages=pd.DataFrame({"stage": ["primary", "junior"],
                                                "composite_cv": [primary, junior]}))


PREREQ_CASES = [
    # (id, {year: (primary, junior)} for Y−3..Y−1 (absent = no data), passes, per-year passes)
    ("all-within", {2021: (0.40, 0.30), 2022: (0.55, 0.45), 2023: (0.35, 0.25)}, True, [True, True, True]),
    # 不超过 0.60 / 0.50: exactly at the limits passes
    ("exactly-at-limits", {2021: (0.60, 0.50), 2022: (0.60, 0.50), 2023: (0.60, 0.50)}, True,
     [True, True, True]),
    ("primary-0.6001", {2021: (0.40, 0.30), 2022: (0.6001, 0.30), 2023: (0.40, 0.30)}, False,
     [True, False, True]),
    ("junior-0.5001", {2021: (0.40, 0.30), 2022: (0.40, 0.30), 2023: (0.40, 0.5001)}, False,
     [True, True, False]),
    ("one-year-missing", {2021: (0.40, 0.30), 2023: (0.40, 0.30)}, None, [True, None, True]),
    ("missing-and-failing", {2022: (0.40, 0.30), 2023: (0.61, 0.30)}, False, [None, True, False]),
    ("later-year-ignored", {2021: (0.4, 0.3), 2022: (0.4, 0.3), 2023: (0.4, 0.3), 2024: (0.9, 0.9),
                            2020: (0.9, 0.9)}, True, [True, True, True]),
]


@pytest.mark.parametrize("by_year,passes,per_year", [c[1:] for c in PREREQ_CASES],
                         ids=[c[0] for c in PREREQ_CASES])
def test_prerequisite(by_year, passes, per_year):
    out = sc.prerequisite({y: basic(*v) for y, v in by_year.items()}, Y)
    assert out["passes"] is passes
    assert [y["year"] for y in out["years"]] == [2021, 2022, 2023]
    assert [y["passes"] for y in out["years"]] == per_year
    for y in out["years"]:
        if y["year"] in by_year:
            assert (y["composite_primary"], y["composite_junior"]) == pytest.approx(by_year[y["year"]])
        else:
            assert y["composite_primary"] is None and y["composite_junior"] is None
    assert "seed 002" in out["source"]


def test_prerequisite_reaches_the_scorecard(passing):
    pre = sc.prerequisite({y: basic(0.4, 0.3) for y in (2020, 2021, 2022)}, YEAR)
    card = sc.scorecard(passing, county_values(), pre)
    assert card.prerequisite["passes"] is True
    assert view.to_json_dict(card)["prerequisite"]["years"][0]["year"] == 2020


# ------------------------------------------------------------------------------------- 7. output shapes
def test_to_json_dict_shape(passing):
    card = sc.scorecard(passing, county_values({"social_recognition": None, "veto_falsification": None}))
    out = view.to_json_dict(card)
    assert set(out) == {"areas", "vetoes", "overall", "prerequisite"}
    assert set(out["areas"]) == set(AREAS)
    for area, block in out["areas"].items():
        assert {"items", "passes"} <= set(block)
        assert block["passes"] is card.areas[area]
        assert len(block["items"]) == int((card.items["area"] == area).sum())
        for it in block["items"]:
            assert set(it) == {"code", "name", "value", "standard", "op", "passes", "source"}
    assert [v["code"] for v in out["vetoes"]] == VETOES
    assert {"code", "name", "applies", "source"} <= set(out["vetoes"][0])
    social = out["areas"][SOCIAL]["items"][0]
    assert social["value"] is None and social["passes"] is None            # no data → null, not NaN
    assert out["areas"][SOCIAL]["passes"] is None and out["overall"] is None
    json.dumps(out, allow_nan=False)                                        # plain JSON


def test_form_table_layout(passing):
    card = sc.scorecard(passing, county_values())
    table = view.form_table(card)
    headers = table.loc[table["序号"] == "", "评估内容"].tolist()
    assert headers == ["资源配置：达到", "政府保障程度：达到", "教育质量：达到", "社会认可度：达到", "不予认定事项",
                       "总体结论：达到优质均衡"]
    assert table["评估内容"].iloc[-1].startswith("总体结论")
    # one row per item, one per veto, 4 area headers + the vetoes header + the overall line
    assert len(table) == len(card.items) + 6 + 4 + 1 + 1
    start = table.index[table["评估内容"] == "不予认定事项"][0]
    block = table.iloc[start + 1:start + 7]
    assert block["序号"].tolist() == ["1", "2", "3", "4", "5", "6"]
    assert set(block["结论"]) == {"无此情况"}
    row = table[table["评估内容"] == item(card, "monitoring_difference_rate")["name"]].iloc[0]
    assert row["结论"] == "达到" and row["标准"].startswith("<")


def test_form_table_shows_failures_and_no_data(passing):
    card = sc.scorecard(passing, county_values({"veto_key_schools": 1, "junior_retention": None,
                                                "rotation_ratio": 9}))
    table = view.form_table(card)
    assert "政府保障程度：未达到" in table["评估内容"].tolist()
    assert "教育质量：无数据" in table["评估内容"].tolist()
    assert table["评估内容"].iloc[-1] == "总体结论：未达到"
    vrow = table[table["评估内容"] == veto(card, "veto_key_schools")["name"]].iloc[0]
    assert (vrow["实际"], vrow["结论"]) == ("是", "不予认定")


# ---------------------------------------------------------------------------------- 8. committed sample
@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    """A data dir built from the committed raw files alone, as on a clean clone (data/processed is not
    committed): raw/<slug> copied, the school files ingested."""
    data = tmp_path_factory.mktemp("sample_data")
    for slug in ("shizhu", "jinxian"):
        raw = data / "raw" / slug
        shutil.copytree(REPO / "data" / "raw" / slug, raw)
        Workspace(data).ingest(sorted(raw.glob("schools_*.xlsx")))
    return data


def _sample_card(sample_dir, county, year):
    return Workspace(sample_dir).scorecard(county, year)


def test_sample_shizhu_2023_key_school_veto(sample_dir):
    card = _sample_card(sample_dir, "石柱县", 2023)
    assert veto(card, "veto_key_schools")["applies"] is True          # the sample sets 是 in 2023
    assert [veto(card, v)["applies"] for v in VETOES if v != "veto_key_schools"] == [False] * 5
    assert card.overall is False
    assert card.synthetic is True
    assert [y["year"] for y in card.prerequisite["years"]] == [2020, 2021, 2022]


def test_sample_jinxian_2024_migrants_below_county_target(sample_dir):
    card = _sample_card(sample_dir, "进贤县", 2024)
    row = item(card, "migrant_public_ratio")
    assert row["value"] == pytest.approx(93)
    assert row["standard"] == pytest.approx(95)       # seed 000 二(二)2(12): 达到95%
    assert row["passes"] is False                      # although 93 ≥ 85 nationally
    assert card.areas[GOV] is False and card.overall is False
