"""A small county worked out by hand: scope, splitting, indicator values, CVs, composite, verdicts, JSON.

Schools (测试县 2023):

=====  ============  ====================  ==================================================
id     type          students A/B/C        role in the test
=====  ============  ====================  ==================================================
S1     小学           500 / – / –           plain primary school
S2     九年一贯制学校  600 / 400 / –         split 600 : 1.1·400 → 600/1040, 440/1040
S3     完全中学        – / 800 / 1000        split 800 : 1.2·1000 → junior 800/2000 = 0.4
S4     十二年一贯制学校 300 / 200 / 100       split 300 : 220 : 132 → 300/652, 220/652
S5     教学点          30                   excluded (< 50)
S6     教学点          49                   excluded (< 50)
S7     教学点          50                   in scope (exactly 50)
S8     特殊教育学校     20 / 10               excluded (special education)
=====  ============  ====================  ==================================================

Facility quantities were chosen so that the split values come out round; the expected value of every part is
written out below with its arithmetic.  CVs are then recomputed with statsmodels' DescrStatsW(ddof=0).
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from statsmodels.stats.weightstats import DescrStatsW

from _build import COUNTY, INDICATORS, YEAR, indicator, part, run, school
from junyun_lib.report.jsonview import evaluation_json

REL = 1e-12

ROWS = [
    school("S1", "小学", primary=500,
           teachers_above_degree_primary=25, key_teachers_primary=6, pe_art_teachers_primary=5,
           teaching_aux_area_m2=2600, sports_area_m2=4000, equipment_value_yuan=1_100_000, multimedia_classrooms=12),
    school("S2", "九年一贯制学校", primary=600, junior=400,
           teachers_above_degree_primary=30, key_teachers_primary=6, pe_art_teachers_primary=6,
           teachers_above_degree_junior=24, key_teachers_junior=4, pe_art_teachers_junior=4,
           teaching_aux_area_m2=5720, sports_area_m2=9360, equipment_value_yuan=2_392_000, multimedia_classrooms=26),
    school("S3", "完全中学", junior=800, senior=1000,
           teachers_above_degree_junior=48, key_teachers_junior=0, pe_art_teachers_junior=8,
           teaching_aux_area_m2=12000, sports_area_m2=22000, equipment_value_yuan=5_400_000, multimedia_classrooms=54),
    school("S4", "十二年一贯制学校", primary=300, junior=200, senior=100,
           teachers_above_degree_primary=15, key_teachers_primary=3, pe_art_teachers_primary=3,
           teachers_above_degree_junior=12, key_teachers_junior=2, pe_art_teachers_junior=2,
           teaching_aux_area_m2=3260, sports_area_m2=5216, equipment_value_yuan=1_467_000, multimedia_classrooms=16),
    school("S5", "教学点", primary=30, urban_rural="乡村"),
    school("S6", "教学点", primary=49, urban_rural="乡村"),
    school("S7", "教学点", primary=50, urban_rural="乡村",
           teachers_above_degree_primary=3, key_teachers_primary=1, pe_art_teachers_primary=1,
           teaching_aux_area_m2=250, sports_area_m2=400, equipment_value_yuan=110_000, multimedia_classrooms=2),
    school("S8", "特殊教育学校", primary=20, junior=10),
]

# students of each part in scope
STUDENTS = {("S1", "primary"): 500, ("S2", "primary"): 600, ("S4", "primary"): 300, ("S7", "primary"): 50,
            ("S2", "junior"): 400, ("S3", "junior"): 800, ("S4", "junior"): 200}

# Expected indicator values, in INDICATORS order:
# (teachers_above_degree, key_teachers, pe_art_teachers, teaching_aux_area, sports_area, equipment_value, multimedia)
# Teachers are per section, never split: value = teachers × 100 / section students.
# Facilities: value = quantity × share × scale / part students.
EXPECTED = {
    # S1 小学, share 1: 25·100/500, 6·100/500, 5·100/500, 2600/500, 4000/500, 1 100 000/500, 12·100/500
    ("S1", "primary"): (5.0, 1.2, 1.0, 5.2, 8.0, 2200.0, 2.4),
    # S2 primary, share 600/1040: 30·100/600, 6·100/600, 6·100/600,
    #   5720·(600/1040)/600 = 5720/1040 = 5.5, 9360/1040 = 9.0, 2 392 000/1040 = 2300, 26·100/1040 = 2.5
    ("S2", "primary"): (5.0, 1.0, 1.0, 5720 * 600 / 1040 / 600, 9360 * 600 / 1040 / 600,
                        2_392_000 * 600 / 1040 / 600, 26 * 600 / 1040 * 100 / 600),
    # S2 junior, share 440/1040: 24·100/400, 4·100/400, 4·100/400,
    #   5720·(440/1040)/400 = 6.05, 9360·440/1040/400 = 9.9, 2 392 000·440/1040/400 = 2530, 26·440/1040·100/400 = 2.75
    ("S2", "junior"): (6.0, 1.0, 1.0, 5720 * 440 / 1040 / 400, 9360 * 440 / 1040 / 400,
                       2_392_000 * 440 / 1040 / 400, 26 * 440 / 1040 * 100 / 400),
    # S3 junior, share 800/(800+1.2·1000) = 0.4: 48·100/800, 0, 8·100/800,
    #   12000·0.4/800 = 6.0, 22000·0.4/800 = 11.0, 5 400 000·0.4/800 = 2700, 54·0.4·100/800 = 2.7
    ("S3", "junior"): (6.0, 0.0, 1.0, 6.0, 11.0, 2700.0, 2.7),
    # S4 primary, share 300/652: 15·100/300, 3·100/300, 3·100/300,
    #   3260/652 = 5.0, 5216/652 = 8.0, 1 467 000/652 = 2250, 16·100/652 = 2.4539…
    ("S4", "primary"): (5.0, 1.0, 1.0, 5.0, 8.0, 2250.0, 1600 / 652),
    # S4 junior, share 220/652: 12·100/200, 2·100/200, 2·100/200,
    #   3260·220/652/200 = 5.5, 5216·220/652/200 = 8.8, 1 467 000·220/652/200 = 2475, 16·220/652·100/200 = 2.6993…
    ("S4", "junior"): (6.0, 1.0, 1.0, 5.5, 8.8, 2475.0, 16 * 220 / 652 * 100 / 200),
    # S7 教学点 of exactly 50: 3·100/50, 1·100/50, 1·100/50, 250/50, 400/50, 110 000/50, 2·100/50
    ("S7", "primary"): (6.0, 2.0, 2.0, 5.0, 8.0, 2200.0, 4.0),
}

STANDARD = {"primary": (4.2, 1.0, 0.9, 4.5, 7.5, 2000, 2.3), "junior": (5.3, 1.0, 0.9, 5.8, 10.2, 2500, 2.4)}
CV_LIMIT = {"primary": 0.50, "junior": 0.45}


def _parts_of(stage):
    return [key for key in EXPECTED if key[1] == stage]


def _hand_cv(stage: str, k: int) -> tuple[float, float, float]:
    keys = _parts_of(stage)
    x = np.array([EXPECTED[key][k] for key in keys])
    p = np.array([STUDENTS[key] for key in keys], dtype=float)
    d = DescrStatsW(x, weights=p, ddof=0)
    return float(d.mean), float(d.std), float(d.std / d.mean)


def _hand_school_rule(key) -> bool:
    """6 of 7 at or above standard, and every one at least 85% of it (written out independently)."""
    values, std = np.array(EXPECTED[key]), np.array(STANDARD[key[1]], dtype=float)
    meets = values >= std * (1 - 1e-12)
    return int(meets.sum()) >= 6 and bool(np.all(values >= 0.85 * std * (1 - 1e-12)))


@pytest.fixture(scope="module")
def ev(tmp_path_factory):
    return run(ROWS, tmp_path_factory.mktemp("no_county_config"))


@pytest.fixture(scope="module")
def js(ev):
    return evaluation_json(ev.county(COUNTY, YEAR))


# --------------------------------------------------------------------------------------------------- scope
def test_excluded_are_special_school_and_teaching_points_under_50(ev):
    excluded = ev.excluded.set_index("school_id")
    assert sorted(excluded.index) == ["S5", "S6", "S8"]
    assert "特殊教育" in excluded.loc["S8", "reason"]
    for sid, n in (("S5", 30), ("S6", 49)):
        assert "50人" in excluded.loc[sid, "reason"]
        assert f"{n}人" in excluded.loc[sid, "reason"]
        assert excluded.loc[sid, "reason_code"] == "small_teaching_point"


def test_teaching_point_of_exactly_50_is_in_scope(ev):
    assert "S7" not in set(ev.excluded["school_id"])
    assert part(ev, "S7", "primary")["students"] == 50


def test_number_of_parts_and_students_per_stage(ev):
    parts = ev.parts
    assert sorted(parts.loc[parts["part"] == "primary", "school_id"]) == ["S1", "S2", "S4", "S7"]
    assert sorted(parts.loc[parts["part"] == "junior", "school_id"]) == ["S2", "S3", "S4"]
    stages = ev.stages.set_index("stage")
    assert stages.loc["primary", "schools_in_scope"] == 4
    assert stages.loc["junior", "schools_in_scope"] == 3
    assert stages.loc["primary", "students"] == 500 + 600 + 300 + 50
    assert stages.loc["junior", "students"] == 400 + 800 + 200


def test_guarantee_checks_cover_every_compulsory_school_with_pupils(ev):
    """Teaching points under 50 (S5, S6) are left out of resource allocation only (有关事项说明（三）
    "对资源配置评估时"); school size, class size and rooms are checked for them too."""
    assert set(ev.guarantee["school_id"]) == {"S1", "S2", "S3", "S4", "S5", "S6", "S7"}


# --------------------------------------------------------------------------------------------- part values
@pytest.mark.parametrize("key", list(EXPECTED), ids=[f"{s}-{p}" for s, p in EXPECTED])
def test_part_values_by_hand(ev, key):
    row = part(ev, *key)
    assert row["students"] == STUDENTS[key]
    for code, expected in zip(INDICATORS, EXPECTED[key]):
        assert row[f"value_{code}"] == pytest.approx(expected, rel=REL, abs=1e-12), code


@pytest.mark.parametrize("key, share", [
    (("S2", "primary"), 600 / (600 + 1.1 * 400)), (("S2", "junior"), 1.1 * 400 / (600 + 1.1 * 400)),
    (("S3", "junior"), 800 / (800 + 1.2 * 1000)),
    (("S4", "primary"), 300 / (300 + 1.1 * 200 + 1.32 * 100)), (("S4", "junior"), 1.1 * 200 / 652),
    (("S1", "primary"), 1.0), (("S7", "primary"), 1.0)])
def test_part_shares(ev, key, share):
    assert part(ev, *key)["share"] == pytest.approx(share, rel=REL)


def test_teachers_are_per_section_not_split(ev):
    # S2 reports 30 primary and 24 junior above-degree teachers: 30·100/600 = 5.0 and 24·100/400 = 6.0.
    # Splitting them by share would give 30·(600/1040)·100/600 ≈ 2.88 instead.
    assert part(ev, "S2", "primary")["value_teachers_above_degree"] == pytest.approx(5.0, rel=REL)
    assert part(ev, "S2", "junior")["value_teachers_above_degree"] == pytest.approx(6.0, rel=REL)
    assert part(ev, "S4", "junior")["value_key_teachers"] == pytest.approx(2 * 100 / 200, rel=REL)


@pytest.mark.parametrize("key, code, expected", [
    # S4 junior teaching area: 5.8·200 − 3260·220/652 = 1160 − 1100 = 60 m²
    (("S4", "junior"), "teaching_aux_area", 60.0),
    # S4 junior sports area: 10.2·200 − 5216·220/652 = 2040 − 1760 = 280 m²
    (("S4", "junior"), "sports_area", 280.0),
    # S4 junior equipment: 2500·200 − 1 467 000·220/652 = 500 000 − 495 000 = 5000 元
    (("S4", "junior"), "equipment_value", 5000.0),
    # S2 junior sports: 10.2·400 − 9360·440/1040 = 4080 − 3960 = 120 m²
    (("S2", "junior"), "sports_area", 120.0),
    # S3 key teachers: 1.0·800/100 − 0 = 8 teachers
    (("S3", "junior"), "key_teachers", 8.0),
    (("S1", "primary"), "sports_area", 0.0),
])
def test_shortfall_of_split_parts(ev, key, code, expected):
    assert part(ev, *key)[f"shortfall_{code}"] == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("key, code, expected", [
    # what the whole school must add = the part's need ÷ its share (the other part of S2 and S4 lacks nothing)
    # S4 junior (share 220/652): 60·652/220 = 1956/11 m², 280·652/220 = 9128/11 m², 5000·652/220 = 163000/11 元
    (("S4", "junior"), "teaching_aux_area", 1956 / 11), (("S4", "primary"), "teaching_aux_area", 1956 / 11),
    (("S4", "junior"), "sports_area", 9128 / 11), (("S4", "junior"), "equipment_value", 163000 / 11),
    # S2 junior sports (share 440/1040): 120·1040/440 = 3120/11 m²
    (("S2", "junior"), "sports_area", 3120 / 11), (("S2", "primary"), "sports_area", 3120 / 11),
    # teachers are not split: S3's 8 key teachers stay 8
    (("S3", "junior"), "key_teachers", 8.0),
])
def test_whole_school_shortfall_of_split_parts(ev, key, code, expected):
    assert part(ev, *key)[f"school_shortfall_{code}"] == pytest.approx(expected, rel=1e-9, abs=1e-9)


# ------------------------------------------------------------------------------------------------- CVs
@pytest.mark.parametrize("stage", ["primary", "junior"])
@pytest.mark.parametrize("k, code", list(enumerate(INDICATORS)))
def test_cv_per_indicator_and_stage(ev, stage, k, code):
    mean, sd, cv = _hand_cv(stage, k)
    row = indicator(ev, stage, code)
    assert row["mean"] == pytest.approx(mean, rel=1e-12)
    assert row["sd"] == pytest.approx(sd, rel=1e-9, abs=1e-12)
    assert row["cv"] == pytest.approx(cv, rel=1e-9, abs=1e-12)
    assert row["cv_limit"] == CV_LIMIT[stage]
    assert bool(row["cv_pass"]) == (cv <= CV_LIMIT[stage])
    assert row["n"] == len(_parts_of(stage))
    meeting = sum(EXPECTED[key][k] >= STANDARD[stage][k] * (1 - 1e-12) for key in _parts_of(stage))
    assert row["schools_meeting"] == meeting


def test_weighted_mean_equals_county_totals(ev):
    # X̄ = county total / county students: primary teaching area = (2600 + 5720·600/1040 + 3260·300/652 + 250)
    #   / (500 + 600 + 300 + 50) = (2600 + 3300 + 1500 + 250)/1450 = 7650/1450
    assert indicator(ev, "primary", "teaching_aux_area")["mean"] == pytest.approx(7650 / 1450, rel=REL)
    # junior key teachers = (4 + 0 + 2)·100/(400 + 800 + 200) = 600/1400
    assert indicator(ev, "junior", "key_teachers")["mean"] == pytest.approx(600 / 1400, rel=REL)


@pytest.mark.parametrize("stage", ["primary", "junior"])
def test_composite_is_mean_of_the_seven_cvs(ev, stage):
    cvs = [_hand_cv(stage, k)[2] for k in range(7)]
    composite = sum(cvs) / 7
    got = ev.stages.set_index("stage").loc[stage, "composite_cv"]
    assert got == pytest.approx(composite, rel=1e-9)


def test_stage_verdicts(ev):
    verdict = {}
    for stage in ("primary", "junior"):
        cv_ok = all(_hand_cv(stage, k)[2] <= CV_LIMIT[stage] for k in range(7))
        failing = [key for key in _parts_of(stage) if not _hand_school_rule(key)]
        verdict[stage] = cv_ok and not failing
        stages = ev.stages.set_index("stage")
        assert stages.loc[stage, "schools_failing_rule"] == len(failing)
        assert bool(stages.loc[stage, "passes"]) == verdict[stage]
    # the design: every primary part meets all 7 and every CV is small; in junior S3 has no key teacher
    # (0 < 85% of 1.0) and S4 junior misses teaching area, sports area and equipment, and the key-teacher
    # CV is far above 0.45
    assert verdict == {"primary": True, "junior": False}
    parts = ev.parts.set_index(["school_id", "part"])
    assert not parts.loc[("S3", "junior"), "passes_school_rule"]
    assert not parts.loc[("S4", "junior"), "passes_school_rule"]
    assert parts.loc[("S2", "junior"), "passes_school_rule"]   # 6 meet, sports 9.9/10.2 ≈ 97% ≥ 85%
    assert parts.loc[("S2", "junior"), "n_meeting"] == 6


# ------------------------------------------------------------------------------------------------- JSON
RESULT_KEYS = {"county", "year", "standard", "stages", "schools", "excluded", "warnings"}
STAGE_KEYS = {"schools_in_scope", "students", "composite_cv", "passes", "indicators"}
INDICATOR_KEYS = {"mean", "sd", "cv", "cv_limit", "cv_pass", "standard", "schools_meeting", "causes"}
SCHOOL_KEYS = {"school_id", "part", "school_name", "students", "values", "meets", "passes_school_rule", "shortfall",
               "school_shortfall"}


def test_json_keys(js):
    assert RESULT_KEYS <= set(js), f"missing {RESULT_KEYS - set(js)}"
    assert (js["county"], js["year"], js["standard"]) == (COUNTY, YEAR, "quality-2017")
    assert set(js["stages"]) == {"primary", "junior"}
    for stage in js["stages"].values():
        assert STAGE_KEYS <= set(stage), f"missing {STAGE_KEYS - set(stage)}"
        assert list(stage["indicators"]) == INDICATORS
        for ind in stage["indicators"].values():
            assert set(ind) == INDICATOR_KEYS
    assert len(js["schools"]) == len(EXPECTED)
    for s in js["schools"]:
        assert set(s) == SCHOOL_KEYS
        assert set(s["values"]) == set(INDICATORS) == set(s["meets"]) == set(s["shortfall"]) == set(s["school_shortfall"])


def test_json_numbers_match_hand_computation(js):
    for stage in ("primary", "junior"):
        st = js["stages"][stage]
        assert st["schools_in_scope"] == len(_parts_of(stage))
        cvs = []
        for k, code in enumerate(INDICATORS):
            mean, sd, cv = _hand_cv(stage, k)
            cvs.append(cv)
            assert st["indicators"][code]["mean"] == pytest.approx(mean, rel=1e-12)
            assert st["indicators"][code]["cv"] == pytest.approx(cv, rel=1e-9, abs=1e-12)
            assert st["indicators"][code]["standard"] == STANDARD[stage][k]
        assert st["composite_cv"] == pytest.approx(sum(cvs) / 7, rel=1e-9)
    assert js["stages"]["primary"]["passes"] is True and js["stages"]["junior"]["passes"] is False
    for s in js["schools"]:
        for code, expected in zip(INDICATORS, EXPECTED[(s["school_id"], s["part"])]):
            assert s["values"][code] == pytest.approx(expected, rel=REL, abs=1e-12)
    assert sorted(e["school_id"] for e in js["excluded"]) == ["S5", "S6", "S8"]
    assert isinstance(js["warnings"], list)
    assert "NaN" not in json.dumps(js, ensure_ascii=False, allow_nan=True)   # serialisable, no NaN left


# ------------------------------------------------------------------------------------ CV limit boundary
@pytest.mark.parametrize("comparison, expected", [("<=", True), ("<", False)])
def test_compare_at_the_limit(comparison, expected):
    from junyun_lib.rules import compare
    assert bool(compare(0.5, 0.5, comparison)) is expected
    assert bool(compare(0.45, 0.45, comparison)) is expected


def _boundary_rows(stage: str, county: str):
    from _build import meeting_junior, meeting_primary
    if stage == "primary":
        # 500 students each, sports area 4000 m² and 12000 m²: values 8 and 24 (both ≥ 7.5)
        # X̄ = (8 + 24)/2 = 16, S = sqrt(½·8² + ½·8²) = 8, CV = 8/16 = 0.50 exactly; other indicators equal (CV 0)
        return [meeting_primary("P1", county=county, sports_area_m2=4000),
                meeting_primary("P2", county=county, sports_area_m2=12000)]
    # junior: 500 students each, sports 5500 and 14500 m²: values 11 and 29 (both ≥ 10.2)
    # X̄ = 20, S = 9, CV = 9/20 = 0.45 exactly
    return [meeting_junior("J1", county=county, sports_area_m2=5500),
            meeting_junior("J2", county=county, sports_area_m2=14500)]


@pytest.mark.parametrize("stage, limit", [("primary", 0.50), ("junior", 0.45)])
def test_cv_exactly_at_limit_passes_national_standard(tmp_path, stage, limit):
    ev = run(_boundary_rows(stage, COUNTY), tmp_path)
    row = indicator(ev, stage, "sports_area")
    assert row["cv"] == pytest.approx(limit, rel=1e-15)
    assert row["cv_comparison"] == "<="
    assert bool(row["cv_pass"]) is True
    assert bool(ev.stages.set_index("stage").loc[stage, "passes"]) is True


@pytest.mark.parametrize("stage, limit", [("primary", 0.50), ("junior", 0.45)])
def test_cv_exactly_at_limit_fails_in_jinxian_strict_less_than(stage, limit):
    from _build import JINXIAN_DATA
    ev = run(_boundary_rows(stage, "进贤县"), JINXIAN_DATA)
    row = indicator(ev, stage, "sports_area", county="进贤县")
    assert row["cv"] == pytest.approx(limit, rel=1e-15)
    assert row["cv_comparison"] == "<"
    assert bool(row["cv_pass"]) is False
    assert bool(ev.stages.set_index("stage").loc[stage, "passes"]) is False


# ------------------------------------------------------------------------- several county-years at once
def test_counties_and_years_evaluated_together_keep_their_own_numbers_and_rules():
    """测试县 2022 + 2023 (same schools; 2022 with S1's sports ground halved) and 进贤县 evaluated in one call:
    each county-year gets its own hand-computed CVs, and only 进贤县 uses the strict "<"."""
    from _build import JINXIAN_DATA
    rows_2022 = [dict(r, year=2022) for r in ROWS]
    rows_2022[0]["sports_area_m2"] = 2000          # S1 2022: 2000/500 = 4.0 instead of 8.0
    ev = run(ROWS + rows_2022 + _boundary_rows("primary", "进贤县"), JINXIAN_DATA)
    t = ev.indicators
    for k, code in enumerate(INDICATORS):
        got = t[(t["county"] == COUNTY) & (t["year"] == YEAR) & (t["stage"] == "primary") & (t["indicator"] == code)]
        assert got["cv"].iat[0] == pytest.approx(_hand_cv("primary", k)[2], rel=1e-9, abs=1e-12)
    # 2022 primary sports area: values 4.0, 9.0, 8.0, 8.0 with 500, 600, 300, 50 students
    d = DescrStatsW(np.array([4.0, 9.0, 8.0, 8.0]), weights=np.array([500.0, 600, 300, 50]), ddof=0)
    got = t[(t["county"] == COUNTY) & (t["year"] == 2022) & (t["stage"] == "primary") & (t["indicator"] == "sports_area")]
    assert got["cv"].iat[0] == pytest.approx(d.std / d.mean, rel=1e-9)
    assert set(t.loc[t["county"] == COUNTY, "cv_comparison"]) == {"<="}
    jx = t[(t["county"] == "进贤县") & (t["indicator"] == "sports_area")].iloc[0]
    assert jx["cv"] == pytest.approx(0.5, rel=1e-15) and jx["cv_comparison"] == "<" and not bool(jx["cv_pass"])
