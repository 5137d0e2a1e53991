"""Enrolment by cohort (按年级递进): grade columns in the school table, and the projection worked by hand.

合成示例数据，数值虚构 (synthetic sample data): the counties here are built in the tests.

The 3-year county 队列县 (2022–2024) has every grade transition at exactly 24/25 = 0.96 — within a school, and
六年级 → 七年级 for the county as a whole — and constant entrants.  Expected values are computed below with
exact fractions from the rule as written in the docs (docs/methods.md), never copied from the code's output.
"""
from __future__ import annotations

from fractions import Fraction as F

import pandas as pd
import pytest

import _forms as fm
import _school_workbooks as sw
from _build import school
from junyun_lib.io.importer import import_exports, write_canonical
from junyun_lib.io.reader import read_schools
from junyun_lib.planning.enrolment import COLUMNS, METHOD_ZH, project_enrolment
from junyun_lib.problems import ValidationError
from junyun_lib.rules import schema

COUNTY = "队列县"
R = F(24, 25)

# grades per school and year: primary 一年级 … 六年级, junior 七年级 … 九年级 (see the module docstring)
PRIMARY = {
    "P1": {2022: [300] * 6, 2023: [300] + [288] * 5, 2024: [300, 288, 277, 277, 277, 277]},
    "P2": {2022: [200] * 6, 2023: [200] + [192] * 5, 2024: [200, 192, 184, 184, 184, 184]},
    "N": {2022: [125] * 6, 2023: [125] + [120] * 5, 2024: [125, 120, 115, 115, 115, 115]},
}
JUNIOR = {
    "N": {2022: [225] * 3, 2023: [216] * 3, 2024: [207] * 3},
    "J1": {2022: [200] * 3, 2023: [192] * 3, 2024: [184, 184, 185]},
    "J2": {2022: [200] * 3, 2023: [192] * 3, 2024: [185, 185, 184]},
}
TYPES = {"P1": "小学", "P2": "小学", "N": "九年一贯制学校", "J1": "初级中学", "J2": "初级中学"}


def county_frame(primary=PRIMARY, junior=JUNIOR, types=TYPES, county=COUNTY, grades=True) -> pd.DataFrame:
    rows = []
    for sid in types:
        for year in sorted({y for part in (primary, junior) for y in part.get(sid, {})}):
            p = primary.get(sid, {}).get(year, [0] * 6)
            j = junior.get(sid, {}).get(year, [0] * 3)
            row = {"county": county, "school_id": sid, "school_type": types[sid], "year": year,
                   "students_primary": sum(p), "students_junior": sum(j), "students_senior": 0}
            if grades:
                row.update({schema.grade_column(g): v for g, v in zip(range(1, 10), p + j)})
            rows.append(row)
    return pd.DataFrame(rows)


def test_the_rates_are_exactly_the_ones_built_in():
    # sums over P1, P2, N: every primary grade 625 (2022) → 600 (2023) → 576 (2024); 七年级 600 → 576 county-wide
    for g in range(1, 6):
        assert F(sum(PRIMARY[s][2023][g] for s in PRIMARY), sum(PRIMARY[s][2022][g - 1] for s in PRIMARY)) == R
        assert F(sum(PRIMARY[s][2024][g] for s in PRIMARY), sum(PRIMARY[s][2023][g - 1] for s in PRIMARY)) == R
    for t in (2022, 2023):
        assert F(sum(JUNIOR[s][t + 1][0] for s in JUNIOR), sum(PRIMARY[s][t][5] for s in PRIMARY)) == R
        for k in (0, 1):
            assert F(sum(JUNIOR[s][t + 1][k + 1] for s in JUNIOR), sum(JUNIOR[s][t][k] for s in JUNIOR)) == R
    rates = project_enrolment(county_frame(), [2025]).attrs["survival_rates"]
    assert rates[["from_grade", "to_grade"]].values.tolist() == [[g, g + 1] for g in range(1, 9)]
    assert rates["rate"].tolist() == pytest.approx([0.96] * 8, abs=1e-12)
    assert rates["low"].tolist() == pytest.approx([0.96] * 8, abs=1e-12)
    assert rates["high"].tolist() == pytest.approx([0.96] * 8, abs=1e-12)
    assert rates["pairs"].tolist() == [2] * 8
    assert rates.set_index("from_grade").at[6, "basis"] == "county"


def expected_grades(last_year=2027) -> dict:
    """The rule by hand, with exact fractions: grade g+1 next year = R × grade g; 一年级 = the constant entrants
    (damped trend of a constant series); 九年一贯制 N keeps its own 六年级; the 六年级 of P1 and P2 go to J1 and J2
    by their share of 七年级 in 2024 (J1 184, J2 185)."""
    state = {s: [F(v) for v in PRIMARY.get(s, {}).get(2024, [0] * 6) + JUNIOR.get(s, {}).get(2024, [0] * 3)]
             for s in TYPES}
    share = {"J1": F(184, 369), "J2": F(185, 369)}
    out = {}
    for year in range(2025, last_year + 1):
        fed = state["P1"][5] + state["P2"][5]
        new = {}
        for s, g in state.items():
            n = [F(0)] * 9
            n[0] = F(PRIMARY[s][2024][0]) if s in PRIMARY else F(0)
            for k in range(1, 6):
                n[k] = R * g[k - 1]
            if s == "N":
                n[6] = R * g[5]
            elif s in share:
                n[6] = share[s] * R * fed
            n[7], n[8] = R * g[6], R * g[7]
            new[s] = n
        state = new
        out[year] = state
    return out


def test_projected_grades_by_hand_with_exact_fractions_and_rounding():
    got = project_enrolment(county_frame(), [2024, 2025, 2026, 2027])
    assert list(got.columns) == COLUMNS
    grades = got.attrs["cohort_grades"]
    want = expected_grades()
    for r in grades.itertuples():
        exact = want[r.year][r.school_id][r.grade - 1]
        assert abs(r.students - exact) < 1e-9, (r.school_id, r.year, r.grade)
        assert r.low == pytest.approx(r.students, abs=1e-9) and r.high == pytest.approx(r.students, abs=1e-9)
    assert len(grades) == 3 * (6 * 3 + 3 * 3)            # 3 years × (P1, P2, N primary; N, J1, J2 junior)
    rows = got.set_index(["school_id", "stage", "year"])
    for year in (2025, 2026, 2027):
        for sid in TYPES:
            for stage, cut in (("primary", slice(0, 6)), ("junior", slice(6, 9))):
                exact = sum(want[year][sid][cut])
                if exact == 0:
                    continue
                tail = exact - exact.numerator // exact.denominator
                assert abs(tail - F(1, 2)) > F(1, 10 ** 6)        # not a tie: float error cannot flip it
                row = rows.loc[(sid, stage, year)]
                assert row["students"] == round(exact) == row["low"] == row["high"]
                assert row["method"] == "cohort"
    # two values written out: P1 primary 2025 = 300 + 288 + 0.96·288 + 3·0.96·277 = 1662.24 → 1662;
    # N's 七年级 2025 = 0.96 × its own 六年级 115 = 110.4 (not its share of the county's primary leavers)
    assert rows.at[("P1", "primary", 2025), "students"] == 1662
    assert want[2025]["N"][6] == F(2760, 25) == F(1104, 10)
    n7 = grades[(grades["school_id"] == "N") & (grades["grade"] == 7) & (grades["year"] == 2025)]["students"]
    assert n7.tolist() == pytest.approx([110.4], abs=1e-9)
    observed = got[got["year"] == 2024].set_index(["school_id", "stage"])
    assert observed.at[("J1", "junior"), "students"] == 553 and set(observed["method"]) == {"observed"}
    assert METHOD_ZH["cohort"] == "按年级递进（队列）"


def test_the_nine_year_school_keeps_its_own_sixth_grade():
    """N's 七年级 comes from its own 六年级 (115 × 0.96); J1 and J2 share P1 and P2's leavers (277 + 184) by
    their 七年级 of 2024 (184 : 185) — not N's, although N has 207 七年级 pupils."""
    g = project_enrolment(county_frame(), [2025]).attrs["cohort_grades"].set_index(
        ["school_id", "grade", "year"])["students"]
    leavers = F(277 + 184)
    assert g[("N", 7, 2025)] == pytest.approx(float(R * 115), abs=1e-9) == pytest.approx(110.4)
    assert g[("J1", 7, 2025)] == pytest.approx(float(F(184, 369) * R * leavers), abs=1e-9)
    assert g[("J2", 7, 2025)] == pytest.approx(float(F(185, 369) * R * leavers), abs=1e-9)
    # all of the county's 六年级 (P1 + P2 + N = 576) arrive in 七年级 × 0.96: none lost, none counted twice
    assert g.xs(7, level="grade").xs(2025, level="year").sum() == pytest.approx(float(R * 576), abs=1e-9)


def test_half_to_even_on_exact_halves():
    """Rates of exactly 1/2 (binary-exact): A's primary 2025 = 3 + 1.5 + 1 + 1 + 0.5 + 0.5 = 7.5 → 8 and
    2026 = 3 + 1.5 + 0.75 + 0.5 + 0.5 + 0.25 = 6.5 → 6 (half to even); B's 2025 = 5 + 2.5 + 1 + 0 + 0.5 + 0.5
    = 9.5 → 10 (its 2024 三年级 is 0)."""
    primary = {"A": {2022: [3] + [4] * 5, 2023: [3] + [2] * 5, 2024: [3, 2, 2, 1, 1, 1]},
               "B": {2022: [5] + [4] * 5, 2023: [5] + [2] * 5, 2024: [5, 2, 0, 1, 1, 1]}}
    frame = county_frame(primary, {}, {"A": "小学", "B": "小学"})
    got = project_enrolment(frame, [2025, 2026]).set_index(["school_id", "year"])
    assert got.attrs["survival_rates"]["rate"].tolist() == [0.5] * 5
    assert got.loc[("A", 2025), ["students", "low", "high", "method"]].tolist() == [8, 8, 8, "cohort"]
    assert got.at[("A", 2026), "students"] == 6
    assert got.at[("B", 2025), "students"] == 10


def test_the_range_takes_the_lowest_and_highest_yearly_rate():
    """One school: 一年级 100 every year; grade g → g+1 at 0.9 (2022→2023) and 1.0 (2023→2024): pooled
    (90 + 100) / 200 = 0.95 for 1→2; for 2→3 … 5→6 (90 + 90) / (100 + 90) = 18/19."""
    primary = {"A": {2022: [100] * 6, 2023: [100] + [90] * 5, 2024: [100, 100, 90, 90, 90, 90]}}
    got = project_enrolment(county_frame(primary, {}, {"A": "小学"}), [2025])
    rates = got.attrs["survival_rates"].set_index("from_grade")
    assert rates.at[1, "rate"] == pytest.approx(0.95) and rates.at[2, "rate"] == pytest.approx(18 / 19)
    assert (rates["low"].tolist(), rates["high"].tolist()) == ([0.9] * 5, [1.0] * 5)
    row = got.iloc[0]
    central = 100 + F(19, 20) * 100 + F(18, 19) * (100 + 90 + 90 + 90)
    low = 100 + F(9, 10) * (100 + 100 + 90 + 90 + 90)
    high = 100 + 1 * (100 + 100 + 90 + 90 + 90)
    assert (row["low"], row["students"], row["high"]) == (round(low), round(central), round(high)) == (523, 546, 570)


def test_an_override_sets_the_entrants_of_its_year():
    """P1's primary 2025 overridden to 1700: the row shows 1700, and its 一年级 is what the pupils moving up
    leave (1700 − 1362.24 = 337.76), carried on to 二年级 in 2026."""
    overrides = pd.DataFrame({"school_id": ["P1"], "year": [2025], "stage": ["primary"], "students": [1700],
                              "source": ["入学预测"]})
    got = project_enrolment(county_frame(), [2025, 2026], overrides)
    rows = got.set_index(["school_id", "stage", "year"])
    assert rows.loc[("P1", "primary", 2025), ["students", "method"]].tolist() == [1700, "override"]
    carried = R * 300 + R * 288 + 3 * R * 277
    grades = got.attrs["cohort_grades"].set_index(["school_id", "grade", "year"])["students"]
    assert grades[("P1", 1, 2025)] == pytest.approx(float(1700 - carried), abs=1e-9)
    assert grades[("P1", 2, 2026)] == pytest.approx(float(R * (1700 - carried)), abs=1e-9)


def test_without_grade_columns_the_trend_is_unchanged():
    """Same expectations as tests/test_enrolment.py: 100, 110, 130 → 142 [138, 146] in 2025, 152 [144, 159]."""
    frame = pd.DataFrame({"county": "示例县", "year": [2022, 2023, 2024], "school_id": "A",
                          "students_primary": [100, 110, 130], "students_junior": 0, "students_senior": 0})
    want = [[2025, 142, 138, 146, "damped_trend"], [2026, 152, 144, 159, "damped_trend"]]
    got = project_enrolment(frame, [2025, 2026])
    assert got[["year", "students", "low", "high", "method"]].values.tolist() == want
    assert len(got.attrs["survival_rates"]) == 0 and got.attrs["cohort_notes"] == []
    # grade columns present but blank (a table from a template nobody filled in): the same
    blank = frame.assign(**{schema.grade_column(g): float("nan") for g in range(1, 10)})
    assert project_enrolment(blank, [2025, 2026])[["year", "students", "low", "high", "method"]].values.tolist() \
        == want
    assert METHOD_ZH["damped_trend"] == "阻尼线性趋势（无分年级数据）"
    # the cohort county without its grade columns: every school on the damped trend
    plain = project_enrolment(county_frame(grades=False), [2025])
    assert set(plain["method"]) == {"damped_trend"}


def test_a_school_without_grades_keeps_the_stage_on_the_trend_and_says_so():
    frame = county_frame()
    frame.loc[(frame["school_id"] == "P2") & (frame["year"] == 2024), schema.grade_columns("primary")] = 0
    got = project_enrolment(frame, [2025])
    assert set(got.loc[got["stage"] == "primary", "method"]) == {"damped_trend"}
    assert set(got.loc[got["stage"] == "junior", "method"]) == {"cohort"}
    assert any("1所学校未填小学分年级在校生数" in n for n in got.attrs["cohort_notes"])


# ------------------------------------------------------------------------------ the school table's columns
def test_grade_columns_are_optional_in_the_schema():
    cols = {c.field: c for c in schema.columns()}
    headers = [cols[schema.grade_column(g)].header_zh for g in range(1, 10)]
    assert headers == [f"{zh}年级在校生数" for zh in "一二三四五六七八九"]
    assert {cols[schema.grade_column(g)].required for g in range(1, 10)} == {"optional"}
    assert [cols[schema.grade_column(g)].stage for g in range(1, 10)] == ["primary"] * 6 + ["junior"] * 3


def _grades(stage, values):
    return {schema.grade_column(g): v for g, v in zip(schema.GRADES[stage], values)}


def test_grades_that_add_up_are_read_and_a_table_without_them_is_fine():
    table = read_schools(pd.DataFrame([school("A", "小学", primary=600, **_grades("primary", [100] * 6)),
                                       school("B", "小学", primary=300)]))        # B gives no grades: fine
    assert table.frame.set_index("school_id").at["A", "students_grade_6"] == 100
    read_schools(pd.DataFrame([school("C", "小学", primary=300)]))                 # no grade column at all


def test_grades_that_do_not_add_up_are_a_located_error(tmp_path):
    rows = [school("A", "小学", primary=600, **_grades("primary", [100] * 6)),                  # 600: fine
            school("B", "小学", primary=600, **_grades("primary", [100, 100, 100, 100, 100, 99])),  # 599
            school("C", "九年一贯制学校", primary=600, junior=300, **_grades("primary", [100] * 6),
                   **_grades("junior", [100, 100, 101]))]                                          # 301
    path = tmp_path / "schools_2023.csv"
    frame = pd.DataFrame(rows).rename(columns={c.field: c.header_zh for c in schema.columns()})
    frame.to_csv(path, index=False, encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        read_schools(path)
    found = [p for p in info.value.problems if p.code == "grades_vs_students"]
    assert [(p.row, p.column, p.value) for p in found] == [(3, "小学在校生数", "600"), (4, "初中在校生数", "300")]
    assert "一年级100+二年级100+三年级100+四年级100+五年级100+六年级99=599人" in found[0].message_zh
    assert "七年级100+八年级100+九年级101=301人" in found[1].message_zh
    assert all(p.file.endswith("schools_2023.csv") and "add up" in p.message_en for p in found)


def test_a_school_table_read_with_grade_columns_projects_by_cohort():
    """The same county through the real reader (every required column, classes consistent): same projection."""
    rows = []
    for r in county_frame().to_dict("records"):
        grades = {schema.grade_column(g): r[schema.grade_column(g)] for g in range(1, 10)}
        rows.append(school(r["school_id"], r["school_type"], primary=r["students_primary"],
                           junior=r["students_junior"], county=COUNTY, year=r["year"], **grades))
    table = read_schools(pd.DataFrame(rows))
    via_reader = project_enrolment(table.frame, [2025, 2026])
    direct = project_enrolment(county_frame(), [2025, 2026])
    assert set(via_reader["method"]) == {"cohort"}
    pd.testing.assert_frame_equal(via_reader, direct, check_dtype=False)


# ------------------------------------------------------------------------------------------------- import
@pytest.mark.parametrize("version, mapping", [("2021", "stats-2021"), ("2020", "stats-2020")])
def test_the_grades_are_imported_from_the_student_forms(tmp_path, version, mapping):
    """Per-school workbooks print 分年级在校生数 on 教基3112 / 3115 (基础基312 / 313): 一年级 … 六年级 and 初中 一年级 …
    三年级 (→ 七年级 … 九年级) are read; the written table passes the grade check."""
    folder = tmp_path / "workbooks"
    sw.county_workbooks(folder, version)
    supplement = sw.supplement_file(tmp_path, name="补充数据.csv")
    result = import_exports([folder], sw.YEAR, sw.COUNTY_NAME, mapping, supplement=supplement)
    table = result.table.set_index("school_id")
    # 合成县实验小学: 1380 pupils → 230 in each grade; 东湖学校 (九年一贯制): 720 = 120 × 6, 初中 590 → 197, 197, 196
    assert [table.at["3601990101", schema.grade_column(g)] for g in range(1, 7)] == [230] * 6
    assert [table.at["3601990105", schema.grade_column(g)] for g in range(7, 10)] == [197, 197, 196]
    assert pd.isna(table.at["3601990101", "students_grade_7"])          # a 小学: no junior grades (blank)
    read_schools(write_canonical(result, tmp_path / f"schools_{sw.YEAR}.xlsx"))      # the sums hold


def test_a_wide_export_without_grade_columns_writes_none(tmp_path):
    """The county-wide export of tests/_forms.py has no grade columns: the optional entries are not found and
    the table gets no grade column — blank, never a column of zeros — and projects by the damped trend."""
    files = fm.write_county_exports(tmp_path / "exports", fm.Layout())
    result = import_exports(files, fm.YEAR, fm.COUNTY_NAME, "stats-2021", supplement=fm.supplement_file(tmp_path))
    assert not [c for c in result.table.columns if c.startswith("students_grade_")]
    assert result.table["students_primary"].sum() > 0
