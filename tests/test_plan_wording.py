"""Plan progress in plain words (issue 28 item 5): the transition note only where a transitional exception
applies, a range of one value shown once, the stage label from the item, each forecast with its target, data
hints that name the school.

Every expected sentence is worked out by hand in the comments from the values typed here.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from _build import COUNTY, meeting_primary, school
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.io.county_table import CountyValues
from junyun_lib.io.plan_file import Plan
from junyun_lib.io.reader import read_schools
from junyun_lib.planning.progress import plan_progress
from junyun_lib.report import briefing, plan_report
from junyun_lib.report.plan_report import fmt_range, stage_label

COLUMNS = ["item_no", "item", "category", "year", "target", "direction", "unit", "metric", "stage", "stated",
           "source", "note"]


def _plan(rows) -> Plan:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["target"] = frame["target"].astype(float)
    return Plan(county=COUNTY, slug="test", path=Path("plan.csv"), rows=frame)


def _values(year: int, values: dict) -> CountyValues:
    table = pd.DataFrame([{"code": code, "name_zh": code, "value": v, "unit": "%", "source": "县教育局", "note": "",
                           "file": f"county_indicators_{year}.csv", "row": i + 2}
                          for i, (code, v) in enumerate(values.items())])
    return CountyValues(county=COUNTY, year=year, table=table)


def _item(no, name, metric, targets, stage="all"):
    """Rows of one county-level item: ``targets`` {year: target}."""
    return [(no, name, "政府保障程度", y, t, ">=", "%", metric, stage, True, "测试", "") for y, t in targets.items()]


# County-level values, 2021–2023 (as_of 2023), every target year 2026 (3 years after the last value):
#   1 加强教师培训   80, 84, 90; targets 2023 ≥ 90, 2026 ≥ 100. Changes 4 and 6 a year: 90 + 3×4 = 102 and
#     90 + 3×6 = 108, both clipped to 100 → the range is one value, "100.0%"; even the low end reaches 100 →
#     预计达成. 2023: 90 reaches 90 (exactly on it), the stricter 100 not yet → 按计划.
#   2 初中三年巩固率 95.0, 95.5, 96.0; targets 2023 ≥ 97, 2026 ≥ 99. Both changes 0.5 → 96 + 1.5 = 97.5 at
#     either end, "97.5%"; below 99 → 预计无法达成. 2023: 96.0 < 97 → 落后, the label 初中 from the item's name.
#   3 开展教师交流轮岗 40, 50, 52; targets 2023 ≥ 50, 2026 ≥ 95. Changes 10 and 2: 52 + 3×2 = 58 and
#     52 + 3×10 = 82 → "58.0%–82.0%", below 95 → 预计无法达成, although 2023 is 按计划 (52 ≥ 50).
#   4 公办小学、初中就近划片入学 100 every year; target 2026 ≥ 100 → "100.0%", 预计达成; names both stages.
COUNTY_ROWS = (_item(1, "加强教师培训", "county:teacher_training", {2023: 90, 2026: 100})
               + _item(2, "初中三年巩固率", "county:junior_retention", {2023: 97, 2026: 99})
               + _item(3, "开展教师交流轮岗", "county:teacher_rotation", {2023: 50, 2026: 95})
               + _item(4, "公办小学、初中就近划片入学", "county:nearby_enrolment", {2026: 100}))
COUNTY_VALUES = {2021: {"teacher_training": 80, "junior_retention": 95.0, "teacher_rotation": 40, "nearby_enrolment": 100},
                 2022: {"teacher_training": 84, "junior_retention": 95.5, "teacher_rotation": 50, "nearby_enrolment": 100},
                 2023: {"teacher_training": 90, "junior_retention": 96.0, "teacher_rotation": 52, "nearby_enrolment": 100}}


@pytest.fixture(scope="module")
def county_progress():
    values = {y: _values(y, v) for y, v in COUNTY_VALUES.items()}
    # a full-standards evaluation is passed, and the window ends before 2026: county-level items are not
    # changed by the transitional exceptions, so none of them carries the note
    return plan_progress(_plan(COUNTY_ROWS), {}, values, full_results_by_year={y: None for y in values},
                         transitional_last_year=2025)


def test_each_forecast_states_its_target_and_a_one_value_range_once(county_progress):
    table = plan_report.year_table(county_progress, 2023).set_index("序号")
    assert table.loc[1, "目标年预计"] == "2026年目标 ≥ 100.0%，预计 100.0%（预计达成）"
    assert table.loc[2, "目标年预计"] == "2026年目标 ≥ 99.0%，预计 97.5%（预计无法达成）"
    assert table.loc[3, "目标年预计"] == "2026年目标 ≥ 95.0%，预计 58.0%–82.0%（预计无法达成）"
    assert table.loc[3, "进度"] == "按计划"
    assert list(table["学段"]) == ["全县", "初中", "全县"]
    # item 4 has no 2023 target: it is a pace row, labelled from its name as well
    assert plan_report.pace_table(county_progress, 2023)[["序号", "学段"]].values.tolist() == [[4, "小学和初中"]]
    assert not any("过渡期" in text for text in table["目标年预计"])
    assert list(county_progress.projections["full_standards"]) == [False] * 4
    proj = plan_report.projection_table(county_progress).set_index("序号")
    assert list(proj["区间"]) == ["100.0%", "97.5%", "58.0%–82.0%", "100.0%"]


def test_the_watch_table_and_the_summary_say_the_same(county_progress):
    watch = plan_report.watch_table(county_progress, 2023)
    # item 2 behind (96.0 < 97), item 3 on track this year but projected to miss 95 in 2026
    assert watch.to_dict("records") == [
        {"序号": 2, "项目": "初中三年巩固率", "学段": "初中", "目标": "2023年 ≥ 97.0%", "实际": "96.0%", "进度": "落后",
         "说明": "2026年目标 ≥ 99.0%，预计 97.5%（预计无法达成）"},
        {"序号": 3, "项目": "开展教师交流轮岗", "学段": "全县", "目标": "2023年 ≥ 50.0%", "实际": "52.0%", "进度": "按计划",
         "说明": "2026年目标 ≥ 95.0%，预计 58.0%–82.0%（预计无法达成）"}]
    lines = plan_report.summary_text(county_progress, 2023).splitlines()
    assert "  2. 初中三年巩固率（初中）：目标 ≥ 97.0%，实际 96.0%" in lines
    assert "  2. 初中三年巩固率：2026年目标 ≥ 99.0%，预计 97.5%（预计无法达成）" in lines
    assert "  3. 开展教师交流轮岗：2026年目标 ≥ 95.0%，预计 58.0%–82.0%（预计无法达成）" in lines


# A pace row (no target this year, a later one) and a past target take their stage label from the item too.
def test_pace_and_overdue_rows_use_the_item_stage_label():
    rows = (_item(1, "初中三年巩固率", "county:junior_retention", {2022: 99})
            + _item(2, "加强教师培训", "county:teacher_training", {2025: 100}))
    values = {y: _values(y, {"junior_retention": 96.0, "teacher_training": 90}) for y in (2022, 2023)}
    watch = plan_report.watch_table(plan_progress(_plan(rows), {}, values), 2023).set_index("序号")
    assert watch.loc[1, "学段"] == "初中" and watch.loc[1, "进度"] == "逾期未达成"
    assert watch.loc[2, "学段"] == "全县" and watch.loc[2, "进度"] == "按当前进度无法按期达成"
    assert list(plan_report.pace_table(plan_progress(_plan(rows), {}, values), 2023)["学段"]) == ["全县"]


@pytest.mark.parametrize("item, stage, metric, label", [
    ("初中三年巩固率", "all", "county:junior_retention", "初中"),
    ("全县小学巩固率达到100%", "primary", "county:primary_retention", "小学"),
    ("加强教师培训", "all", "county:teacher_training", "全县"),
    ("中小学体育艺术教师配备", "all", "county:x", "小学和初中"),        # 中小学 names both, not 小学 alone
    ("公办小学、初中就近划片入学", "all", "county:nearby_enrolment", "小学和初中"),
    ("小学音乐教室", "all", "guarantee_share:special_rooms", "小学和初中"),   # measured over both stages
    ("所有指标校际差异系数", "junior", "max_cv", "初中"),
])
def test_stage_label(item, stage, metric, label):
    assert stage_label(item, stage, metric) == label


@pytest.mark.parametrize("low, high, unit, text", [
    (100.0, 100.0, "%", "100.0%"),
    (99.96, 100.0, "%", "100.0%"),          # 99.96 reads 100.0%: the same value, shown once
    (99.94, 100.0, "%", "99.9%–100.0%"),
    (0.4521, 0.4524, "系数", "0.452"),
    (0.4521, 0.4526, "系数", "0.452–0.453"),
])
def test_fmt_range(low, high, unit, text):
    assert fmt_range(low, high, unit) == text


# ----------------------------------------------------------------- the transition note, where it applies
def test_the_transition_note_only_for_the_items_the_exceptions_change():
    """One old 小学 (built 2005) of 2300 pupils, 2023 and 2024: in the window (to 2025) its size is held to
    2400 (有关指标说明（七）) and passes; under the full standard (2000) it fails → 校额 100% relaxed, 0% full.
    58 classes of at most 40 (ceil(2300/40) = 58, ceil(2300/58) = 40 ≤ 45) → 班额 100% either way.
    Targets for 2027, after the window: 校额 is projected from the full-standard values, 0% both years →
    "0.0%", 预计无法达成, with the note; 班额 from 100% both years → "100.0%", 预计达成, without it."""
    rows = [school("O", "小学", primary=2300, built_year=2005, year=y) for y in (2023, 2024)]
    table = read_schools(pd.DataFrame(rows))
    relaxed, closed = evaluate(table), evaluate(table, transitional=False)
    by_year = lambda ev: {y: ev.county(c, y) for c, y in ev.county_years()}   # noqa: E731
    plan = _plan([(1, "校额达标", "政府保障程度", 2027, 100, ">=", "%", "guarantee_share:school_size", "all", True, "测试", ""),
                  (2, "班额达标", "政府保障程度", 2027, 100, ">=", "%", "guarantee_share:class_size", "all", True, "测试", "")])
    progress = plan_progress(plan, by_year(relaxed), {}, full_results_by_year=by_year(closed),
                             transitional_last_year=2025)
    proj = plan_report.projection_table(progress).set_index("序号")
    assert list(proj["区间"]) == ["0.0%", "100.0%"]
    lines = plan_report.summary_text(progress, 2024).splitlines()
    assert "  1. 校额达标：2027年目标 ≥ 100.0%，预计 0.0%（预计无法达成，按过渡期结束后的完整标准测算）" in lines
    assert not any(line.startswith("  2.") for line in lines)          # 班额 is not projected to miss
    assert plan_report._outlook_text(progress.projections.set_index("item_no"), 2) == \
        "2027年目标 ≥ 100.0%，预计 100.0%（预计达成）"


# --------------------------------------------------------------------------- data hints name the school
def test_data_hints_name_the_school(tmp_path):
    """P2 has no networked multimedia classroom: a warning on row 3 (header row 1, P1 on row 2); the place
    shows the file as people know it (no folder of this machine) and the school the row holds."""
    path = tmp_path / "schools_2023.xlsx"
    pd.DataFrame([meeting_primary("P1"), meeting_primary("P2", multimedia_classrooms=0)]).to_excel(path, index=False)
    warnings = [w for w in read_schools(path).warnings if w.code == "zero_multimedia" or w.row == 3]
    assert len(warnings) == 1 and warnings[0].school_name == "P2小学"
    table = briefing.problems_table(warnings)
    assert table.to_dict("records") == [{
        "位置": "2023年学校数据表 工作表「Sheet1」 第3行（P2小学） 列「multimedia_classrooms」", "值": "0",
        "提示": "网络多媒体教室数为0，请核实"}]
    assert str(tmp_path) not in table.iloc[0]["位置"]
    # a warning without a school (a county-level row) keeps its place as it was
    assert briefing.problem_place(replace(warnings[0], school_name="")) == \
        "2023年学校数据表 工作表「Sheet1」 第3行 列「multimedia_classrooms」"
