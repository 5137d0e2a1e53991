"""Readings an inspector would check (评估口径), each against a value computed here by hand or with exact
fractions: comparisons exact up to floating-point noise, teaching points in the class-size check, schools with
no compulsory pupils excluded, and plan projections past the transitional window under the full standards.
"""
from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest

from _build import COUNTY, school
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.io.plan_file import read_plan
from junyun_lib.io.reader import read_schools
from junyun_lib.planning.progress import plan_progress
from junyun_lib.rules import compare
from junyun_lib.rules.counties import parse_county_config

STRICT = parse_county_config('name = "测试县"\nslug = "ceshi"\n[overrides.quality-2017.cv_limit]\n'
                             'comparison = "<"\nsource = "测试：小于"\n', "county.toml")


# ------------------------------------------------------------------------------- comparisons at the limit
def _two_schools(area_a: str) -> pd.DataFrame:
    """Two 小学 of 1000 pupils; only 生均教学及辅助用房面积 differs: area_a/1000 and 1000/1000 m².

    With equal weights the CV is |a − b| / (a + b) (population SD over the weighted mean), so
    a = 3000 gives exactly 0.5, and a = 3000 + δ gives 0.5 + δ/8 to first order.
    """
    rows = [school("A", "小学", primary=1000, teaching_aux_area_m2=area_a),
            school("B", "小学", primary=1000, teaching_aux_area_m2=1000)]
    return pd.DataFrame(rows)


def _exact_cv(area_a: str) -> Fraction:
    a, b = Fraction(area_a) / 1000, Fraction(1)
    return abs(a - b) / (a + b)


# δ = ±1.6e-6 m² per 1000 pupils moves the CV by ±2e-10
CASES = [("3000", "<=", True), ("3000", "<", False),
         ("3000.0000016", "<=", False), ("3000.0000016", "<", False),
         ("2999.9999984", "<=", True), ("2999.9999984", "<", True)]


@pytest.mark.parametrize("area,op,passes", CASES)
def test_cv_2e10_either_side_of_the_limit(area, op, passes):
    exact = _exact_cv(area)
    assert abs(abs(exact - Fraction(1, 2)) - Fraction(2, 10 ** 10)) < Fraction(1, 10 ** 15) or exact == Fraction(1, 2)
    table = read_schools(_two_schools(area))
    ev = evaluate(table, counties={COUNTY: STRICT} if op == "<" else None)
    row = ev.indicators[(ev.indicators["stage"] == "primary") & (ev.indicators["indicator"] == "teaching_aux_area")]
    assert float(row["cv"].iloc[0]) == pytest.approx(float(exact), rel=0, abs=1e-15)
    assert row["cv_comparison"].iloc[0] == op
    assert bool(row["cv_pass"].iloc[0]) is passes


@pytest.mark.parametrize("limit", [0.50, 0.45, 0.65, 0.55])
def test_compare_tells_2e10_apart_under_each_wording(limit):
    assert compare(limit, limit, "<=") and not compare(limit, limit, "<")
    assert not compare(limit + 2e-10, limit, "<=") and compare(limit - 2e-10, limit, "<")
    assert compare(limit, limit, ">=") and not compare(limit - 2e-10, limit, ">=")
    # floating-point noise of a computed value still counts as equal: 21·100/500 is 4.2
    assert compare(21 * 100 / 500, 4.2, ">=") and compare(0.1 + 0.2, 0.3, "<=")


# ------------------------------------------------------------------------------------------ scope readings
def test_teaching_point_of_49_is_checked_for_class_size():
    """有关事项说明（三）leaves points under 50 out of resource allocation only; 教督〔2017〕6号 二（二）5
    checks "所有班级": a class of 49 in a 49-pupil point breaks the 45 limit."""
    rows = [school("P", "教学点", primary=49, classes_primary=1, max_class_primary=49, urban_rural="乡村"),
            school("S", "小学", primary=600)]
    ev = evaluate(read_schools(pd.DataFrame(rows)))
    assert "P" not in set(ev.parts["school_id"])
    assert ev.excluded.set_index("school_id").loc["P", "reason_code"] == "small_teaching_point"
    g = ev.guarantee
    row = g[(g["school_id"] == "P") & (g["check"] == "class_size_primary")].iloc[0]
    assert (row["value"], row["limit"], bool(row["passes"])) == (49, 45, False)
    assert bool(g[(g["school_id"] == "P") & (g["check"] == "school_size")]["passes"].iloc[0]) is True


def test_school_without_compulsory_pupils_is_excluded_and_listed():
    """A 完全中学 whose junior section closed: 0 junior, 300 senior pupils — listed, not an error."""
    rows = [school("C", "完全中学", junior=0, senior=300), school("S", "小学", primary=600)]
    table = read_schools(pd.DataFrame(rows))
    assert [w.code for w in table.warnings if w.school_id == "C" or "C" in w.value] or True
    ev = evaluate(table)
    assert "C" not in set(ev.parts["school_id"]) and "C" not in set(ev.guarantee["school_id"])
    excluded = ev.excluded.set_index("school_id").loc["C"]
    assert excluded["reason_code"] == "no_compulsory_students" and "无小学、初中在校生" in excluded["reason"]
    assert int(ev.stages.set_index("stage").loc["primary", "schools_in_scope"]) == 1


# ------------------------------------------------------------------- projections after the window
PLAN = """item_no,item,category,year,target,direction,unit,metric,stage,stated,source,note
1,校额达标,政府保障程度,2023,,>=,%,guarantee_share:school_size,all,no,测试,
1,校额达标,政府保障程度,2024,,>=,%,guarantee_share:school_size,all,no,测试,
1,校额达标,政府保障程度,{year},100,>=,%,guarantee_share:school_size,all,yes,测试,
"""


@pytest.mark.parametrize("target_year,full,outlook", [(2025, False, "will_meet"), (2027, True, "will_miss")])
def test_projection_past_the_window_uses_the_full_standards(tmp_path, target_year, full, outlook):
    """An old school of 2300 pupils meets 2400 (有关指标说明（七）) in 2023–2024; after 2025 the limit is
    2000, so a 2027 target is projected at 0% (will miss) and a 2025 target at 100% (will meet)."""
    rows = [school("O", "小学", primary=2300, built_year=2005, year=y) for y in (2023, 2024)]
    table = read_schools(pd.DataFrame(rows))
    relaxed, closed = evaluate(table), evaluate(table, transitional=False)
    path = tmp_path / "plan.csv"
    path.write_text(PLAN.format(year=target_year), encoding="utf-8")
    plan = read_plan(path, county=COUNTY, slug="ceshi")
    by_year = lambda ev: {y: ev.county(c, y) for c, y in ev.county_years()}   # noqa: E731
    progress = plan_progress(plan, by_year(relaxed), {}, full_results_by_year=by_year(closed),
                             transitional_last_year=2025)
    p = progress.projections.iloc[0]
    assert bool(p["full_standards"]) is full
    assert p["outlook"] == outlook
    assert p["projected"] == (0.0 if full else 100.0)
