"""Shortfalls of mixed schools in whole-school terms (一贯制学校、完全中学的缺口按全校计), worked out by hand.

The national 有关事项说明（五） splits a mixed school's four facility quantities between its parts, so a facility
the school adds reaches a part only in proportion to the part's share.  A part ``d`` short therefore needs
``d ÷ share`` at school level, and the school must add the larger of its parts' figures (whole rooms rounded up
once) for every part to meet the standard.  Teachers are reported per section and are not split.

Schools (测试县 2023), shares from the weights 1 : 1.1 (九年一贯制) and 1 : 1.2 (完全中学):

=====  ==============  ===========  ===============================  ===========================================
id     type            students      shares                           what is short
=====  ==============  ===========  ===============================  ===========================================
P1     小学             500          1                                area 250 m², 2 classrooms (plain school)
M1     九年一贯制学校    500 / 400    500/940 = 25/47, 440/940 = 22/47  junior area; junior key teachers
M2     九年一贯制学校    600 / 200    600/820 = 30/41, 220/820 = 11/41  sports area in both parts (max wins)
M3     九年一贯制学校    400 / 400    400/840 = 10/21, 440/840 = 11/21  classrooms in both parts (whole rooms)
F1     完全中学          500 / 500s   500/(500 + 1.2·500) = 5/11        junior equipment
=====  ==============  ===========  ===============================  ===========================================

Every other quantity meets its standard (each is checked in a comment at the row).  Unit costs are the default
table's: 教学及辅助用房 0.3 万元/m², 运动场馆 0.05 万元/m², 设备 0.0001 万元/元, 多媒体教室 5 万元/间, 骨干教师 2 万元/人.
Expectations are exact fractions, computed here from the rules, never read from junyun's output.
"""
from __future__ import annotations

import json
from fractions import Fraction as F

import pytest

from _build import COUNTY, INDICATORS, YEAR, part, run, school
from junyun_lib.evaluation.gaps import whole_school_shortfalls
from junyun_lib.planning.cheapest import cheapest_path
from junyun_lib.report import briefing
from junyun_lib.report.jsonview import evaluation_json
from junyun_lib.report.labels import zh
from junyun_lib.report.text import summary_text

REL = 1e-9
COST = {"teaching_aux_area": F(3, 10), "sports_area": F(1, 20), "equipment_value": F(1, 10000),
        "multimedia_classrooms": F(5), "key_teachers": F(2), "teachers_above_degree": F(12), "pe_art_teachers": F(12)}

ROWS = [
    # P1: teachers 21·100/500 = 4.2, 5·100/500 = 1.0, 1.0 (≥ 0.9); sports 4000/500 = 8.0 ≥ 7.5; equipment 2200 ≥ 2000.
    # Short: area 2000/500 = 4.0 < 4.5 → 4.5·500 − 2000 = 250 m²; rooms 10·100/500 = 2.0 < 2.3 → 11.5 − 10 = 1.5 → 2.
    school("P1", "小学", primary=500,
           teachers_above_degree_primary=21, key_teachers_primary=5, pe_art_teachers_primary=5,
           teaching_aux_area_m2=2000, sports_area_m2=4000, equipment_value_yuan=1_100_000, multimedia_classrooms=10),
    # M1 (shares 25/47, 22/47): primary teachers 4.2, 1.0, 1.0; junior 22·100/400 = 5.5 ≥ 5.3, PE 1.0 ≥ 0.9.
    # area 4700: primary 2500/500 = 5.0 ≥ 4.5; junior 4700·22/47 = 2200 → 5.5 < 5.8, short 2320 − 2200 = 120 m².
    # sports 9400: 5000/500 = 10 ≥ 7.5, 4400/400 = 11 ≥ 10.2; equipment 2 350 000: 1 250 000/500 = 2500 ≥ 2000,
    # 1 100 000/400 = 2750 ≥ 2500; rooms 24: 24·25/47·100/500 = 2.55 ≥ 2.3, 24·22/47·100/400 = 2.81 ≥ 2.4.
    # Short: junior key teachers 2·100/400 = 0.5 < 1.0 → 4 − 2 = 2 teachers.
    school("M1", "九年一贯制学校", primary=500, junior=400,
           teachers_above_degree_primary=21, key_teachers_primary=5, pe_art_teachers_primary=5,
           teachers_above_degree_junior=22, key_teachers_junior=2, pe_art_teachers_junior=4,
           teaching_aux_area_m2=4700, sports_area_m2=9400, equipment_value_yuan=2_350_000, multimedia_classrooms=24),
    # M2 (shares 30/41, 11/41): primary teachers 26·100/600 = 4.33, 1.0, 1.0; junior 11·100/200 = 5.5, 1.0, 1.0.
    # area 4510: 3300/600 = 5.5, 1210/200 = 6.05; equipment 2 050 000: 1 500 000/600 = 2500, 550 000/200 = 2750;
    # rooms 20: 20·30/41·100/600 = 2.44 ≥ 2.3, 20·11/41·100/200 = 2.68 ≥ 2.4.
    # Short: sports 4100: primary 3000 → 7.5·600 − 3000 = 1500 m²; junior 1100 → 10.2·200 − 1100 = 940 m².
    school("M2", "九年一贯制学校", primary=600, junior=200,
           teachers_above_degree_primary=26, key_teachers_primary=6, pe_art_teachers_primary=6,
           teachers_above_degree_junior=11, key_teachers_junior=2, pe_art_teachers_junior=2,
           teaching_aux_area_m2=4510, sports_area_m2=4100, equipment_value_yuan=2_050_000, multimedia_classrooms=20),
    # M3 (shares 10/21, 11/21): teachers 17·100/400 = 4.25, 1.0, 1.0; junior 22·100/400 = 5.5, 1.0, 1.0.
    # area 4620: 2200/400 = 5.5, 2420/400 = 6.05; sports 8400: 4000/400 = 10, 4400/400 = 11;
    # equipment 2 100 000: 1 000 000/400 = 2500, 1 100 000/400 = 2750.
    # Short: rooms 17: primary 170/21 < 2.3·400/100 = 9.2, junior 187/21 < 2.4·400/100 = 9.6.
    school("M3", "九年一贯制学校", primary=400, junior=400,
           teachers_above_degree_primary=17, key_teachers_primary=4, pe_art_teachers_primary=4,
           teachers_above_degree_junior=22, key_teachers_junior=4, pe_art_teachers_junior=4,
           teaching_aux_area_m2=4620, sports_area_m2=8400, equipment_value_yuan=2_100_000, multimedia_classrooms=17),
    # F1 (junior share 5/11): teachers 27·100/500 = 5.4, 1.0, 1.0; area 6600·5/11 = 3000 → 6.0 ≥ 5.8;
    # sports 12100·5/11 = 5500 → 11 ≥ 10.2; rooms 27·5/11·100/500 = 2.45 ≥ 2.4.
    # Short: equipment 2 200 000·5/11 = 1 000 000 → 2000 < 2500, 2500·500 − 1 000 000 = 250 000 元.
    school("F1", "完全中学", junior=500, senior=500,
           teachers_above_degree_junior=27, key_teachers_junior=5, pe_art_teachers_junior=5,
           teaching_aux_area_m2=6600, sports_area_m2=12100, equipment_value_yuan=2_200_000, multimedia_classrooms=27),
]

SHARE = {("P1", "primary"): F(1), ("M1", "primary"): F(25, 47), ("M1", "junior"): F(22, 47),
         ("M2", "primary"): F(30, 41), ("M2", "junior"): F(11, 41), ("M3", "primary"): F(10, 21),
         ("M3", "junior"): F(11, 21), ("F1", "junior"): F(5, 11)}

# M1 junior area: 120 m² ÷ 22/47 = 5640/22 = 2820/11 m² (≈ 256.36) for the school.
M1_AREA = F(120) / F(22, 47)
# M2 sports: primary 1500 ÷ 30/41 = 2050; junior 940 ÷ 11/41 = 38540/11 (≈ 3503.64): the junior figure wins.
M2_SPORTS_PRIMARY, M2_SPORTS_JUNIOR = F(1500) / F(30, 41), F(940) / F(11, 41)
# M3 rooms: primary needs 9.2 − 170/21 = 23.2/21 of its share, i.e. 23.2/21 ÷ 10/21 = 2.32 rooms for the school;
# junior 9.6 − 187/21 = 14.6/21, i.e. 14.6/11 ≈ 1.33.  ⌈2.32⌉ = 3 rooms: the primary part then gets 30/21 ≈ 1.43
# ≥ 1.10 and the junior part 33/21 ≈ 1.57 ≥ 0.70; 2 rooms give the primary part only 20/21 ≈ 0.95 < 1.10.
M3_NEED = {"primary": F(92, 10) - F(170, 21), "junior": F(96, 10) - F(187, 21)}
M3_ROOMS = 3
# F1 equipment: 250 000 元 ÷ 5/11 = 550 000 元.
F1_EQUIPMENT = F(250_000) / F(5, 11)


@pytest.fixture(scope="module")
def ev():
    return run(ROWS, None)


def test_shares_by_hand(ev):
    for (sid, stage), share in SHARE.items():
        assert part(ev, sid, stage)["share"] == pytest.approx(float(share), rel=1e-12)


def test_junior_part_short_of_area_needs_more_at_school_level(ev):
    junior, primary = part(ev, "M1", "junior"), part(ev, "M1", "primary")
    assert junior["shortfall_teaching_aux_area"] == pytest.approx(120, rel=REL)            # the part's own view
    assert junior["school_shortfall_teaching_aux_area"] == pytest.approx(float(M1_AREA), rel=REL)
    assert float(M1_AREA) == pytest.approx(256.3636363636, rel=1e-10)
    # the whole-school figure is the school's, shown on both parts; the primary part itself lacks nothing
    assert primary["shortfall_teaching_aux_area"] == 0
    assert primary["school_shortfall_teaching_aux_area"] == pytest.approx(float(M1_AREA), rel=REL)
    # adding it brings the junior part exactly to the standard: 2200 + 2820/11 · 22/47 = 2320 = 5.8 · 400
    assert F(2200) + M1_AREA * SHARE[("M1", "junior")] == F(58, 10) * 400


def test_cost_is_whole_school_amount_times_unit_cost_once(ev):
    junior, primary = part(ev, "M1", "junior"), part(ev, "M1", "primary")
    expected = float(M1_AREA * COST["teaching_aux_area"])                   # 2820/11 · 0.3 = 846/11 万元
    assert expected == pytest.approx(76.9090909, rel=1e-8)
    assert junior["cost_teaching_aux_area"] == pytest.approx(expected, rel=REL)
    assert primary["cost_teaching_aux_area"] == 0                            # counted once, not per part
    assert junior["cost_total"] == pytest.approx(expected + 2 * float(COST["key_teachers"]), rel=REL)


def test_both_parts_short_the_larger_whole_school_figure_wins(ev):
    primary, junior = part(ev, "M2", "primary"), part(ev, "M2", "junior")
    assert primary["shortfall_sports_area"] == pytest.approx(1500, rel=REL)
    assert junior["shortfall_sports_area"] == pytest.approx(940, rel=REL)
    assert M2_SPORTS_PRIMARY == 2050 and M2_SPORTS_JUNIOR == F(38540, 11)
    for p in (primary, junior):
        assert p["school_shortfall_sports_area"] == pytest.approx(float(M2_SPORTS_JUNIOR), rel=REL)
    # neither the sum of the parts' own needs (2440) nor the sum of their school figures (≈ 5553.6) is right
    assert 1500 + 940 < M2_SPORTS_JUNIOR < M2_SPORTS_PRIMARY + M2_SPORTS_JUNIOR
    # with 38540/11 m² the primary part gets 38540/11 · 30/41 ≈ 2563.6 ≥ 1500 and the junior part exactly 940
    assert M2_SPORTS_JUNIOR * SHARE[("M2", "primary")] >= 1500
    assert M2_SPORTS_JUNIOR * SHARE[("M2", "junior")] == 940
    cost = float(M2_SPORTS_JUNIOR * COST["sports_area"])                     # 1927/11 万元, on the deciding part
    assert junior["cost_sports_area"] == pytest.approx(cost, rel=REL) and primary["cost_sports_area"] == 0


def test_classrooms_are_whole_rooms_rounded_once_at_school_level(ev):
    primary, junior = part(ev, "M3", "primary"), part(ev, "M3", "junior")
    # the parts' own needs, in whole rooms: ⌈23.2/21⌉ = ⌈1.105⌉ = 2 and ⌈14.6/21⌉ = ⌈0.695⌉ = 1
    assert primary["shortfall_multimedia_classrooms"] == 2 and junior["shortfall_multimedia_classrooms"] == 1
    at_school = {s: M3_NEED[s] / SHARE[("M3", s)] for s in M3_NEED}
    assert at_school == {"primary": F(232, 100), "junior": F(146, 110)}
    assert -(-max(at_school.values()).numerator // max(at_school.values()).denominator) == M3_ROOMS
    for p in (primary, junior):
        assert p["school_shortfall_multimedia_classrooms"] == M3_ROOMS
    # rounding each part first would ask for ⌈2 ÷ 10/21⌉ = ⌈4.2⌉ = 5 rooms: too many
    assert primary["cost_multimedia_classrooms"] == M3_ROOMS * 5 and junior["cost_multimedia_classrooms"] == 0


def test_senior_share_of_a_complete_middle_school(ev):
    junior = part(ev, "F1", "junior")
    assert junior["shortfall_equipment_value"] == pytest.approx(250_000, rel=REL)
    assert junior["school_shortfall_equipment_value"] == pytest.approx(float(F1_EQUIPMENT), rel=REL) == 550_000
    assert junior["cost_equipment_value"] == pytest.approx(55.0, rel=REL)      # 550 000 元 · 0.0001


def test_plain_primary_school_whole_school_equals_part(ev):
    p = part(ev, "P1", "primary")
    assert p["shortfall_teaching_aux_area"] == pytest.approx(250, rel=REL)
    assert p["shortfall_multimedia_classrooms"] == 2
    for code in INDICATORS:
        assert p[f"school_shortfall_{code}"] == p[f"shortfall_{code}"], code
    assert p["cost_teaching_aux_area"] == pytest.approx(75.0, rel=REL)        # 250 · 0.3
    assert p["cost_multimedia_classrooms"] == 10                             # 2 · 5


def test_teachers_stay_per_section(ev):
    junior, primary = part(ev, "M1", "junior"), part(ev, "M1", "primary")
    assert junior["shortfall_key_teachers"] == junior["school_shortfall_key_teachers"] == 2
    assert primary["shortfall_key_teachers"] == primary["school_shortfall_key_teachers"] == 0
    assert junior["cost_key_teachers"] == 4                                  # 2 teachers · 2 万元


# ---------------------------------------------------------------------------------------------- county totals
# (stage, indicator) → (parts below, part view, whole-school view counted once, cost in 万元)
GAPS = {
    ("primary", "teaching_aux_area"): (1, F(250), F(250), F(250) * COST["teaching_aux_area"]),
    ("junior", "teaching_aux_area"): (1, F(120), M1_AREA, M1_AREA * COST["teaching_aux_area"]),
    # M2's school figure is decided by its junior part, so it is counted under junior only
    ("primary", "sports_area"): (1, F(1500), F(0), F(0)),
    ("junior", "sports_area"): (1, F(940), M2_SPORTS_JUNIOR, M2_SPORTS_JUNIOR * COST["sports_area"]),
    ("junior", "equipment_value"): (1, F(250_000), F1_EQUIPMENT, F1_EQUIPMENT * COST["equipment_value"]),
    # P1 2 rooms + M3 3 rooms (decided by M3's primary part); part view 2 + 2
    ("primary", "multimedia_classrooms"): (2, F(4), F(5), F(5) * COST["multimedia_classrooms"]),
    ("junior", "multimedia_classrooms"): (1, F(1), F(0), F(0)),
    ("junior", "key_teachers"): (1, F(2), F(2), F(2) * COST["key_teachers"]),
}


def test_gap_summary_by_hand(ev):
    g = ev.gaps.set_index(["stage", "indicator"])
    for stage in ("primary", "junior"):
        for code in INDICATORS:
            below, part_view, whole, cost = GAPS.get((stage, code), (0, F(0), F(0), F(0)))
            row = g.loc[(stage, code)]
            assert row["schools_below"] == below, (stage, code)
            assert row["shortfall"] == pytest.approx(float(part_view), rel=REL, abs=1e-9), (stage, code)
            assert row["school_shortfall"] == pytest.approx(float(whole), rel=REL, abs=1e-9), (stage, code)
            assert row["cost_wan"] == pytest.approx(float(cost), rel=REL, abs=1e-9), (stage, code)


def test_county_total_counts_each_school_once(ev):
    total = sum(cost for *_, cost in GAPS.values())
    # 75 + 846/11 + 1927/11 + 55 + 25 + 4 = 159 + 2773/11 万元
    assert total == 159 + F(2773, 11)
    assert ev.gaps["cost_wan"].sum() == pytest.approx(float(total), rel=REL)
    assert ev.parts["cost_total"].sum() == pytest.approx(float(total), rel=REL)
    # the part-only costing (every part's own need × unit cost) would have said 287 万元
    part_only = (F(370) * COST["teaching_aux_area"] + F(2440) * COST["sports_area"]
                 + F(250_000) * COST["equipment_value"] + F(5) * COST["multimedia_classrooms"]
                 + F(2) * COST["key_teachers"])
    assert part_only == 287 and total > part_only


def test_naive_plan_buys_the_whole_school_figures(ev):
    """The cheapest-path module's naive plan (every part to the standard, facilities per school) buys the same."""
    plan = cheapest_path(ev, COUNTY, YEAR, verify_naive=False)
    naive = plan.naive_additions.set_index(["school_id", "indicator"])["amount"]
    assert naive[("M1", "teaching_aux_area")] == pytest.approx(float(M1_AREA), rel=REL)
    assert naive[("M2", "sports_area")] == pytest.approx(float(M2_SPORTS_JUNIOR), rel=REL)
    assert naive[("M3", "multimedia_classrooms")] == M3_ROOMS
    assert naive[("F1", "equipment_value")] == pytest.approx(float(F1_EQUIPMENT), rel=REL)
    assert plan.naive_cost == pytest.approx(ev.gaps["cost_wan"].sum(), rel=REL)


@pytest.mark.parametrize("with_group", [False, True])
def test_whole_school_view_is_vectorised_over_many_schools(with_group):
    """Adjacent split parts of different years or schools never share a whole-school figure."""
    import pandas as pd

    class Area:
        code, scale, numerator_kind, shortfall_integer = "a", 1, "facility", False

    p = pd.DataFrame({"county": ["县"] * 5, "year": [2023, 2023, 2024, 2024, 2024],
                      "school_id": ["S", "S", "S", "T", "U"], "students": [100] * 5,
                      "share": [0.5, 0.5, 0.5, 0.25, 1.0], "numerator_a": [300.0, 500.0, 300.0, 500.0, 450.0],
                      "standard_a": [5.0, 6.0, 5.0, 6.0, 5.0], "meets_a": [False] * 5})
    if with_group:                           # county-year × 2 + stage, as build_parts numbers them
        p["group"] = [0, 1, 2, 3, 2]
    r = whole_school_shortfalls(p, Area)
    # own needs 500 − 300, 600 − 500, 500 − 300, 600 − 500, 500 − 450
    assert r["part"].tolist() == [200.0, 100.0, 200.0, 100.0, 50.0]
    # 2023 S: 200 ÷ 0.5 = 400 and 100 ÷ 0.5 = 200 → 400 on both; 2024 S: 200 ÷ 0.5; T: 100 ÷ 0.25; U whole: 50
    assert r["school"].tolist() == [400.0, 400.0, 400.0, 400.0, 50.0]
    assert r["counted"].tolist() == [True, False, True, True, True]


# ---------------------------------------------------------------------------------------------- what people see
def test_json_keeps_english_keys_with_both_views(ev):
    js = evaluation_json(ev.county())
    m1 = next(s for s in js["schools"] if (s["school_id"], s["part"]) == ("M1", "junior"))
    assert m1["shortfall"]["teaching_aux_area"] == pytest.approx(120, rel=REL)
    assert m1["school_shortfall"]["teaching_aux_area"] == pytest.approx(float(M1_AREA), rel=REL)
    gap = next(g for g in js["gaps"] if (g["stage"], g["indicator"]) == ("junior", "sports_area"))
    assert set(gap) == {"stage", "indicator", "name_zh", "schools_below", "shortfall", "school_shortfall",
                        "unit_zh", "cost_wan"}
    assert gap["school_shortfall"] == pytest.approx(float(M2_SPORTS_JUNIOR), rel=REL)
    json.dumps(js, allow_nan=False)


def test_chinese_tables_say_which_view_they_show(ev):
    headers = list(zh(ev.parts).columns)
    assert "该学段部分缺口：生均教学及辅助用房面积" in headers
    assert "全校需补充：生均教学及辅助用房面积" in headers
    assert "本学段需补充：每百名学生拥有县级以上骨干教师数" in headers
    gaps = list(zh(ev.gaps).columns)
    assert "该学段部分缺口合计" in gaps and any(h.startswith("全校需补充合计") for h in gaps)
    text = summary_text(ev.county())
    assert "初中 生均教学及辅助用房面积：1 所未达标，该学段部分缺口 120.0 平方米，全校需补充 256.4 平方米" in text
    assert "每校计一次" in text
    b = briefing.Briefing(result=ev.county())
    totals = briefing.gap_totals(b)
    assert {"该学段部分缺口", "全校需补充（每校计一次）"} <= set(totals.columns)
    failing = briefing.failing_schools(b)
    m2 = failing[failing["学校"].str.startswith("M2") & (failing["学段"] == "初中")].iloc[0]
    assert "生均体育运动场馆面积 本学段部分缺 940.0 平方米，全校需补充 3,503.6 平方米" in m2["缺口"]
    p1 = failing[failing["学校"].str.startswith("P1")].iloc[0]
    assert "生均教学及辅助用房面积 缺 250.0 平方米" in p1["缺口"]
