"""Plan tracking: each metric kind on a small hand-made county, item status at its boundaries, the projection.

Expected values are worked out by hand in the comments; the weighted CV of two 500-student schools with values
x1, x2 is |x1 − x2| / (x1 + x2) (equal weights: mean (x1+x2)/2, population sd |x1 − x2|/2).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from _build import COUNTY, meeting_junior, meeting_primary, run, school
from junyun_lib.cli import main
from junyun_lib.io.county_table import CountyValues
from junyun_lib.io.plan_file import Plan
from junyun_lib.planning.metrics import measure
from junyun_lib.planning.progress import item_status, plan_progress, project

# 500 students in 13 classes need ceil(13/12) = 2 rooms of each kind
ROOMS = dict(music_rooms=2, music_room_min_area_m2=100, art_rooms=2, art_room_min_area_m2=100)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    rows = [
        meeting_primary("P1", **ROOMS),
        # key teachers 4×100/500 = 0.8 < 1.0 and < 0.85 → misses key_teachers and fails the school rule
        meeting_primary("P2", key_teachers_primary=4, **ROOMS),
        meeting_junior("J1", **ROOMS),
        # equipment 1 062 500 / 500 = 2125 = 0.85 × 2500 exactly → misses equipment, passes the rule;
        # largest class 51 > 50 → fails class size; no art room → fails special rooms
        meeting_junior("J2", equipment_value_yuan=1_062_500, classes_junior=13, max_class_junior=51,
                       music_rooms=2, music_room_min_area_m2=100, art_rooms=0, art_room_min_area_m2=0),
    ]
    return run(rows, tmp_path_factory.mktemp("data")).county(COUNTY, 2023)


@pytest.mark.parametrize("metric, stage, expected", [
    ("indicator_share:key_teachers", "all", 75.0),          # P1 ✓ P2 ✗ J1 ✓ J2 ✓ → 3/4
    ("indicator_share:key_teachers", "primary", 50.0),      # 1/2
    ("indicator_share:key_teachers", "junior", 100.0),      # 2/2
    ("indicator_share:equipment_value", "junior", 50.0),    # J2 at 85% does not meet
    ("indicator_share:sports_area", "all", 100.0),
    ("school_rule_share", "all", 75.0),                     # P2 fails the rule
    ("school_rule_share", "junior", 100.0),                 # J2: 6 meet, 7th exactly at 85%
    ("guarantee_share:class_size", "all", 75.0),            # J2's 51 > 50
    ("guarantee_share:special_rooms", "all", 75.0),         # J2 has no art room
    ("guarantee_share:school_size", "all", 100.0),
    ("max_cv", "primary", 0.2 / 1.8),                       # key teachers 1.0 vs 0.8
    ("max_cv", "junior", 475 / 4725),                       # equipment 2600 vs 2125
    ("composite_cv", "primary", 0.2 / 1.8 / 7),             # the other six CVs are 0
    ("composite_cv", "junior", 475 / 4725 / 7),
])
def test_each_metric_kind_on_a_small_county(result, metric, stage, expected):
    m = measure(metric, stage, result)
    assert m.value == pytest.approx(expected, rel=1e-12)
    assert m.basis


def test_county_metric_reads_the_county_table_and_says_no_data(result):
    table = pd.DataFrame([{"code": "junior_retention", "name_zh": "初中三年巩固率", "value": 96.8, "unit": "%",
                           "source": "县教育局", "note": "", "file": "county_indicators_2023.csv", "row": 2},
                          {"code": "teacher_rotation", "name_zh": "开展教师交流轮岗", "value": float("nan"), "unit": "%",
                           "source": "", "note": "", "file": "county_indicators_2023.csv", "row": 3}])
    values = CountyValues(county=COUNTY, year=2023, table=table)
    assert measure("county:junior_retention", "all", result, values).value == 96.8
    assert measure("county:teacher_rotation", "all", result, values).value is None       # blank → no data
    assert measure("county:disabled_enrolment", "all", result, values).value is None     # absent → no data
    assert measure("county:junior_retention", "all", result, None).value is None         # no table
    assert measure("indicator_share:key_teachers", "all", None, values).value is None    # no school data


# ------------------------------------------------------------------------------------------------ status
@pytest.mark.parametrize("actual, target, direction, later, expected", [
    (80.0, 80.0, ">=", [85.0], "on_track"),          # exactly on target counts as reached
    (79.999, 80.0, ">=", [85.0], "behind"),
    (85.0, 80.0, ">=", [85.0], "ahead"),             # already at next year's stricter target
    (84.999, 80.0, ">=", [85.0], "on_track"),
    (100.0, 100.0, ">=", [100.0, 100.0], "on_track"),  # no stricter target later: cannot be ahead
    (90.0, 80.0, ">=", [80.0, 95.0], "on_track"),    # the first *stricter* later target is 95
    (0.50, 0.50, "<", [], "behind"),                 # strict "小于": exactly the limit is not below it
    (0.4999, 0.50, "<", [], "on_track"),
    (0.45, 0.50, "<=", [0.45], "ahead"),
    (0.46, 0.50, "<=", [0.45], "on_track"),
    (None, 80.0, ">=", [], "no_data"),
    (80.0, None, ">=", [], "no_target"),
])
def test_status_at_the_boundaries(actual, target, direction, later, expected):
    assert item_status(actual, target, direction, later) == expected


# -------------------------------------------------------------------------------------------- projection
def test_projection_with_three_years():
    # values 60, 70, 75 in 2021–2023; OLS slope = Σ(x−x̄)(y−ȳ)/Σ(x−x̄)² = (−1·−8.33 + 0 + 1·6.67)/2 = 7.5,
    # ȳ = 68.333 at 2022 → 2026: 68.333 + 4·7.5 = 98.333; changes 10 and 5 a year → 75 + 3·5 = 90 to 75 + 3·10
    # = 105 → clipped to 100; target 95: the low end 90 misses, the high end reaches → uncertain
    p = project([2021, 2022, 2023], [60, 70, 75], 2026, 95, ">=")
    assert p["projected"] == pytest.approx(68 + 1 / 3 + 30)
    assert (p["low"], p["high"]) == (pytest.approx(90.0), 100.0)
    assert p["outlook"] == "uncertain"
    assert project([2021, 2022, 2023], [60, 70, 75], 2026, 90, ">=")["outlook"] == "will_meet"   # 90 reaches 90
    assert project([2021, 2022, 2023], [60, 70, 75], 2026, 100.01, ">=")["outlook"] == "will_miss"


def test_projection_with_two_years_is_a_range_not_a_point():
    # one change (+4 a year): from "no further change" (80) to "the same pace" (80 + 2·4 = 88)
    p = project([2022, 2023], [76, 80], 2025, 85, ">=")
    assert (p["low"], p["high"]) == (pytest.approx(80.0), pytest.approx(88.0))
    assert p["outlook"] == "uncertain"


def test_projection_of_a_coefficient_that_should_fall():
    # CV 0.60 → 0.55 → 0.52: changes −0.05, −0.03; 2025 (2 years on): 0.52 − 0.10 = 0.42 to 0.52 − 0.06 = 0.46
    p = project([2021, 2022, 2023], [0.60, 0.55, 0.52], 2025, 0.50, "<", unit="系数")
    assert (p["low"], p["high"]) == (pytest.approx(0.42), pytest.approx(0.46))
    assert p["outlook"] == "will_meet"             # even the slower fall ends below 0.50
    assert project([2021, 2022, 2023], [0.60, 0.55, 0.52], 2025, 0.44, "<", unit="系数")["outlook"] == "uncertain"


def test_projection_with_one_year_or_at_the_target_year():
    assert project([2023], [70], 2026, 95, ">=")["outlook"] == "insufficient"
    assert math.isnan(project([2023], [70], 2026, 95, ">=")["projected"])
    assert project([2021, 2026], [70, 96], 2026, 95, ">=")["outlook"] == "met"
    assert project([2021, 2026], [70, 94], 2026, 95, ">=")["outlook"] == "missed"


def _plan(rows) -> Plan:
    cols = ["item_no", "item", "category", "year", "target", "direction", "unit", "metric", "stage", "stated",
            "source", "note"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["target"] = frame["target"].astype(float)
    return Plan(county=COUNTY, slug="test", path=__import__("pathlib").Path("plan.csv"), rows=frame)


def test_progress_table_and_summary(result):
    rows = [
        # item 1: key-teacher share 75% in 2023 (see above) against 70 → next stricter 80 not reached → on track
        (1, "骨干教师", "资源配置", 2023, 70, ">=", "%", "indicator_share:key_teachers", "all", True, "s", ""),
        (1, "骨干教师", "资源配置", 2024, 80, ">=", "%", "indicator_share:key_teachers", "all", True, "s", ""),
        # item 2: school rule share 75% against 80 → behind, gap −5
        (2, "学校达标", "资源配置", 2023, 80, ">=", "%", "school_rule_share", "all", True, "s", ""),
        # item 3: composite CV primary 0.0159 < 0.50 → on track, gap 0.50 − 0.0159
        (3, "综合差异系数", "资源配置", 2023, 0.50, "<", "系数", "composite_cv", "primary", True, "s", ""),
        # item 4: not stated in 2023
        (4, "巩固率", "教育质量", 2023, np.nan, ">=", "%", "county:junior_retention", "all", False, "s", ""),
    ]
    progress = plan_progress(_plan(rows), {2023: result}, {})
    t = progress.table.set_index(["item_no", "year"])
    assert t.loc[(1, 2023), "status"] == "on_track" and t.loc[(1, 2023), "actual"] == pytest.approx(75.0)
    assert t.loc[(1, 2024), "status"] == "no_data"          # after as_of: not measured
    assert t.loc[(2, 2023), "status"] == "behind" and t.loc[(2, 2023), "gap"] == pytest.approx(-5.0)
    assert t.loc[(3, 2023), "gap"] == pytest.approx(0.50 - 0.2 / 1.8 / 7)
    assert t.loc[(4, 2023), "status"] == "no_target"
    s = progress.summary()
    assert s["year"] == 2023 and s["behind"] == [2]
    assert s["counts"] == {"ahead": 0, "on_track": 2, "behind": 1, "no_data": 0, "no_target": 1}


def test_plan_cli_json_for_the_sample_county(tmp_path):
    """进贤县 sample: JSON per item and year; values typed from seed 000 and the synthetic county table."""
    out = tmp_path / "plan.json"
    assert main(["plan", "进贤县", "--json", str(out), "--data-dir", "data", "--out", str(tmp_path)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["synthetic"] is True and doc["as_of"] == 2024
    items = {i["item_no"]: i for i in doc["items"]}
    assert len(items) == 29
    years = {y["year"]: y for y in items[23]["years"]}            # 初中三年巩固率
    assert years[2024]["target"] == 97.0 and years[2024]["actual"] == 96.8
    assert years[2024]["status"] == "behind" and years[2024]["gap"] == pytest.approx(-0.2)
    assert years[2021]["status"] == "behind"                        # 93.6 < 94
    assert years[2030]["actual"] is None and years[2030]["status"] == "no_data"
    assert {y["year"]: y for y in items[20]["years"]}[2021]["status"] == "ahead"   # 98.5 ≥ 2022's 98
    y2030 = {y["year"]: y for y in items[4]["years"]}[2030]
    assert y2030["stated"] is False and y2030["target"] is None and y2030["status"] == "no_target"
    assert items[27]["years"][3]["status"] == "no_data"             # no value in the county table
    assert items[27]["projection"]["outlook"] == "insufficient"
    statuses = {y["status"] for i in items.values() for y in i["years"] if y["year"] == 2024}
    assert {"ahead", "on_track", "behind", "no_data"} <= statuses
    assert 23 in doc["summary"]["behind"]


# ------------------------------------------------------------------- a plan with only a target year
@pytest.fixture(scope="module")
def shicheng(tmp_path_factory):
    """石城县's sample, 2021 and 2024: its plan (seed 003) states only 2025 targets, so 2024 has none."""
    import shutil
    from pathlib import Path

    from _build import ingest
    from junyun_lib.workspace import Workspace

    repo = Path(__file__).resolve().parents[1]
    data = tmp_path_factory.mktemp("shicheng")
    folder = data / "raw" / "shicheng"
    folder.mkdir(parents=True)
    names = ["county.toml", "plan.csv"] + [f"{k}_{y}.{e}" for y in (2021, 2024)
                                           for k, e in (("schools", "xlsx"), ("county_indicators", "csv"))]
    for name in names:
        shutil.copy(repo / "data/raw/shicheng" / name, folder / name)
    ingest([folder / "schools_2021.xlsx", folder / "schools_2024.xlsx"], data_dir=data)
    return Workspace(data)


def test_a_target_year_only_plan_reports_distance_and_pace(shicheng):
    """2024 against the 2025 targets, worked by hand from the sample data.

    The school parts in scope and those passing the school rule, and the guarantee shares (from the
    evaluation, checked first), and 信息化 from the county tables (84.2 in 2021, 86.4 in 2024):

    item 1 school rule share: 2021 1/88, 2024 30/87 (40 of 65 primary and 17 of 22 junior parts fail)
           → distance 100 − 3000/87 = 65.52 points, 1 year left, needs 65.52 a year; recent pace
           (3000/87 − 100/88)/3 = 11.12 a year → 按当前进度无法按期达成
    item 4 school size 87/88 both years → pace 0 < 1.14 needed → 无法按期达成
    item 5 class size 75/88 → 77/88: 0.76 a year < 12.5 needed → 无法按期达成
    item 6 special rooms 17/88 → 55/88: 14.39 a year < 37.5 needed → 无法按期达成
    item 7 信息化 84.2 → 86.4: 0.73 a year < 13.6 needed → 无法按期达成
    items 2, 3 largest CV 0.422 ≤ 0.50 (primary), 0.417 ≤ 0.45 (junior) → 已达到目标值
    """
    r21, r24 = shicheng.evaluate("石城县", 2021), shicheng.evaluate("石城县", 2024)
    passing = {y: (int(r.parts["passes_school_rule"].astype(bool).sum()), len(r.parts)) for y, r in
               ((2021, r21), (2024, r24))}
    assert passing == {2021: (1, 88), 2024: (30, 87)}
    fails = r24.parts[~r24.parts["passes_school_rule"].astype(bool)].groupby("part").size().to_dict()
    assert fails == {"primary": 40, "junior": 17}

    progress = shicheng.progress("石城县", as_of=2024)
    pace = progress.pace(2024).set_index("item_no")
    assert list(pace.index) == [1, 2, 3, 4, 5, 6, 7]
    assert set(pace["target_year"]) == {2025} and set(pace["years_left"]) == {1}
    expected = {   # item: (distance, recent pace per year), in percentage points
        1: (100 - 3000 / 87, (3000 / 87 - 100 / 88) / 3),
        4: (100 - 8700 / 88, 0.0),
        5: (100 - 7700 / 88, (7700 / 88 - 7500 / 88) / 3),
        6: (100 - 5500 / 88, (5500 / 88 - 1700 / 88) / 3),
        7: (100 - 86.4, (86.4 - 84.2) / 3),
    }
    for item, (distance, recent) in expected.items():
        row = pace.loc[item]
        assert row["distance"] == pytest.approx(distance) and row["needed"] == pytest.approx(distance)
        assert row["recent"] == pytest.approx(recent, abs=1e-9) and row["recent_from"] == 2021
        assert row["pace"] == "off_pace" and row["pace_zh"] == "按当前进度无法按期达成"
    assert pace.loc[2, "pace"] == pace.loc[3, "pace"] == "reached"
    s = progress.summary(2024)
    assert s["off_pace"] == [1, 4, 5, 6, 7] and s["pace"]["reached"] == 2 and s["behind"] == []


def test_the_briefing_and_the_index_say_so(shicheng):
    from junyun_lib.report import briefing, plan_report

    b = shicheng.briefing("石城县", 2024)
    text = briefing.plan_text(b)
    assert "推进计划未设2024年的年度目标" in text and "**按当前进度无法按期达成 5 项**" in text
    assert "没有落后" not in text and "计划 0 项" not in text
    table = briefing.plan_table(b)
    assert list(table["序号"]) == [1, 4, 5, 6, 7]
    assert set(table["进度"]) == {"按当前进度无法按期达成"}
    first = table.iloc[0]["说明"]
    assert first == ("距目标还差 65.5 个百分点，剩 1 年，每年需提升 65.5 个百分点；"
                     "2021—2024年平均每年提升 11.1 个百分点")
    assert "基本没有变化" in table.iloc[1]["说明"]                     # item 4: 98.9% both years
    assert plan_report.status_text(b.plan, 2024) == "2025年目标 7 项：按当前进度无法按期达成 5 项"
    assert briefing.index_summary(b)["plan"] == "2025年目标 7 项：按当前进度无法按期达成 5 项"
