"""Enrolment ahead: the damped-trend projection, worked by hand with exact fractions, and overrides."""
from __future__ import annotations

from fractions import Fraction as F

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from junyun_lib.planning.enrolment import COLUMNS, project_enrolment, read_enrolment_overrides
from junyun_lib.problems import ValidationError

PHI = F(4, 5)


def rows(series: dict, stage="primary", county="示例县", school="A") -> pd.DataFrame:
    """School rows of one school: {year: students of ``stage``}."""
    out = pd.DataFrame({"county": county, "school_id": school, "year": list(series),
                        "students_primary": 0, "students_junior": 0, "students_senior": 0})
    out[f"students_{stage}"] = list(series.values())
    return out


def steps(h: int, phi=PHI) -> F:
    return sum(phi ** k for k in range(1, h + 1))


def half_even(x: F) -> int:
    return round(x)          # Python rounds a Fraction half to even


def test_three_year_school_by_hand():
    """100, 110, 130 in 2022–2024: OLS slope 15, changes 10 and 20, damping 0.8."""
    got = project_enrolment(rows({2022: 100, 2023: 110, 2024: 130}), [2025, 2026, 2027]).set_index("year")
    for year in (2025, 2026, 2027):
        d = steps(year - 2024)
        assert got.at[year, "students"] == half_even(130 + 15 * d)
        assert got.at[year, "low"] == half_even(130 + 10 * d)
        assert got.at[year, "high"] == half_even(130 + 20 * d)
        assert got.at[year, "method"] == "damped_trend"
    assert got.loc[2025, ["students", "low", "high"]].tolist() == [142, 138, 146]
    assert got.loc[2027, ["students", "low", "high"]].tolist() == [159, 150, 169]   # D = 1.952


def test_unequal_years_use_the_least_squares_slope_and_per_year_changes():
    """100 (2021), 120 (2023), 125 (2024): slope = Sxy/Sxx = 40 / (14/3) = 60/7; changes 10/yr and 5/yr."""
    got = project_enrolment(rows({2021: 100, 2023: 120, 2024: 125}), [2025]).iloc[0]
    slope = F(60, 7)
    assert got["students"] == half_even(125 + slope * PHI) == 132
    assert (got["low"], got["high"]) == (half_even(125 + 5 * PHI), half_even(125 + 10 * PHI)) == (129, 133)


def test_two_years_range_from_no_change_to_the_same_pace_and_half_to_even():
    # φ = 0.5, one year ahead: D = 1/2.  93 → 100: 100 + 3.5 = 103.5 → 104; 95 → 100: 102.5 → 102
    a = project_enrolment(rows({2023: 93, 2024: 100}), [2025], phi=0.5).iloc[0]
    assert (a["students"], a["low"], a["high"]) == (104, 100, 104)
    b = project_enrolment(rows({2023: 95, 2024: 100}), [2025], phi=0.5).iloc[0]
    assert (b["students"], b["low"], b["high"]) == (102, 100, 102)
    falling = project_enrolment(rows({2023: 100, 2024: 90}), [2025]).iloc[0]      # −10 → [90 − 8, 90]
    assert (falling["students"], falling["low"], falling["high"]) == (82, 82, 90)


def test_one_year_is_flat_with_a_stated_range():
    got = project_enrolment(rows({2024: 200}), [2025, 2026]).set_index("year")
    assert got.loc[2025, ["students", "low", "high"]].tolist() == [200, 180, 220]
    assert got.loc[2026, ["students", "low", "high"]].tolist() == [200, 160, 240]
    assert set(got["method"]) == {"flat"}


def test_never_negative():
    got = project_enrolment(rows({2022: 60, 2023: 30, 2024: 5}), [2025, 2030]).set_index("year")
    assert (got[["students", "low", "high"]] >= 0).all().all()
    assert 5 - 25 * steps(6) < 0                                  # even the slowest decline ends below 0
    assert got.loc[2030, ["students", "low", "high"]].tolist() == [0, 0, 0]


def test_observed_years_closed_schools_and_empty_stages():
    frame = pd.concat([rows({2023: 100, 2024: 110}, school="A"), rows({2023: 50}, school="closed"),
                       rows({2023: 0, 2024: 0}, stage="junior", school="B").assign(students_primary=[40, 44])],
                      ignore_index=True)
    got = project_enrolment(frame, [2024, 2025])
    assert list(got.columns) == COLUMNS
    assert set(got["school_id"]) == {"A", "B"}                   # the closed school is not projected
    assert set(got["stage"]) == {"primary"}                      # B has no junior students in any year
    observed = got[got["year"] == 2024].set_index("school_id")
    assert observed["students"].to_dict() == {"A": 110, "B": 44} and set(observed["method"]) == {"observed"}
    with pytest.raises(ValueError, match="2022"):
        project_enrolment(frame, [2022])


def test_counties_project_from_their_own_latest_year():
    frame = pd.concat([rows({2023: 100, 2024: 110}, county="甲县"), rows({2022: 100, 2023: 90}, county="乙县")],
                      ignore_index=True)
    got = project_enrolment(frame, [2024, 2025]).set_index(["county", "year"])
    assert got.at[("甲县", 2025), "students"] == 118                # 110 + 10·0.8
    assert got.at[("乙县", 2024), "students"] == 82                 # 90 − 10·0.8
    assert got.at[("乙县", 2025), "students"] == half_even(90 - 10 * steps(2))


def test_overrides_replace_and_add(tmp_path):
    path = tmp_path / "enrolment_overrides.csv"
    path.write_text("school_id,year,stage,students,source,note\n"
                    "A,2025,primary,300,新区入学预测,\n"
                    "A,2024,primary,999,错误：已有数据的年度,\n"
                    "NEW,2026,junior,450,新建学校招生计划,城南中小学\n", encoding="utf-8")
    overrides = read_enrolment_overrides(path)
    got = project_enrolment(rows({2023: 100, 2024: 110}), [2024, 2025, 2026], overrides)
    by = got.set_index(["school_id", "year"])
    assert by.loc[("A", 2025), ["students", "low", "high", "method", "source"]].tolist() == \
        [300, 300, 300, "override", "新区入学预测"]
    assert by.at[("A", 2024), "students"] == 110 and by.at[("A", 2024), "method"] == "observed"
    assert by.at[("A", 2026), "method"] == "damped_trend"
    assert by.loc[("NEW", 2026), ["stage", "students", "county"]].tolist() == ["junior", 450, "示例县"]
    skipped = got.attrs["overrides_not_applied"]
    assert skipped[["school_id", "year"]].values.tolist() == [["A", 2024]]


def test_bad_override_file_is_located(tmp_path):
    path = tmp_path / "enrolment_overrides.csv"
    path.write_text("学校标识码,年度,学段,在校生数,来源\n"
                    "A,2025,primary,12.5,计划\n"
                    ",20x5,kindergarten,#N/A,\n"
                    "B,2025,junior,100,计划\n"
                    "B,2025,junior,120,计划\n", encoding="gbk")
    with pytest.raises(ValidationError) as info:
        read_enrolment_overrides(path)
    found = {(p.code, p.row, p.column) for p in info.value.problems}
    assert found == {("out_of_range", 2, "在校生数"), ("blank", 3, "学校标识码"), ("bad_year", 3, "年度"),
                     ("bad_stage", 3, "学段"), ("null_token", 3, "在校生数"), ("blank", 3, "来源"),
                     ("duplicate", 5, "学校标识码")}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 3000), min_size=1, max_size=5), st.integers(1, 8))
def test_range_contains_the_projection(counts, ahead):
    assume(any(counts))                  # a school with no pupils in any year gets no row
    years = {2020 + i: c for i, c in enumerate(counts)}
    last = max(years)
    got = project_enrolment(rows(years), [last + ahead]).iloc[0]
    assert 0 <= got["low"] <= got["students"] <= got["high"]
