"""Teacher exchange (教师交流轮岗): moves conserve the county's teachers, never push a sending school below its
standard, respect the limits as data, and their CV effect equals an independent re-computation
(statsmodels' weighted statistics on the moved counts)."""
from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.weightstats import DescrStatsW

from junyun_lib.io.reader import read_schools
from junyun_lib.planning.exchange import apply_moves, check_moves, exchange_rules, kind_columns, move_effects
from junyun_lib.rules import load_standard

STD = load_standard("quality-2017")
TEACHER_COLUMNS = [f"{kind}_{stage}" for stage in ("primary", "junior") for kind in
                   ("teachers", "key_teachers", "pe_art_teachers", "teachers_above_degree", "mid_title_teachers")]


def school(sid, students, key, *, above=None, pe=None, junior=0, junior_key=0, school_type="小学",
           ownership="公办", teachers=None, **extra):
    """One school row with English headers (read_schools accepts them); every facility at its standard."""
    classes = -(-students // 40)
    jclasses = -(-junior // 45)
    row = dict(school_id=sid, school_name=f"学校{sid}", county="测试县", year=2024, school_type=school_type,
               urban_rural="乡村", ownership=ownership, students_primary=students, students_junior=junior,
               students_senior=0, classes_primary=classes, classes_junior=jclasses,
               max_class_primary=40 if students else 0, max_class_junior=45 if junior else 0,
               teachers_above_degree_primary=students // 20 if above is None else above,
               teachers_above_degree_junior=junior // 15, key_teachers_primary=key, key_teachers_junior=junior_key,
               pe_art_teachers_primary=students // 100 if pe is None else pe, pe_art_teachers_junior=junior // 90,
               teaching_aux_area_m2=students * 5 + junior * 6, sports_area_m2=students * 8 + junior * 11,
               equipment_value_yuan=students * 2500 + junior * 3000,
               multimedia_classrooms=classes + jclasses, music_rooms=1, music_room_min_area_m2=96, art_rooms=1,
               art_room_min_area_m2=90, computers=10, books=1000,
               teachers_primary=(students // 15 if teachers is None else teachers), teachers_junior=junior // 12,
               mid_title_teachers_primary=students // 40, mid_title_teachers_junior=junior // 40)
    row.update(extra)
    return row


def county(*schools) -> pd.DataFrame:
    return read_schools(pd.DataFrame(list(schools))).frame


def move(src, dst, count=1, kind="key_teachers", stage="primary", year=2024) -> dict:
    return dict(year=year, kind=kind, stage=stage, from_school_id=src, to_school_id=dst, count=count)


def moves(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


@pytest.fixture(scope="module")
def toy():
    # A 500 pupils 8 key (1.6 per 100), B 300 / 1, C 200 / 1, D 400 / 6, E 100 / 0
    return county(school("A", 500, 8), school("B", 300, 1), school("C", 200, 1), school("D", 400, 6),
                  school("E", 100, 0))


# ---------------------------------------------------------------------------------------------- rules
def test_rules_are_data_with_sources():
    rules = exchange_rules()
    for table in ("counting", "kinds", "limits", "eligibility", "county_targets"):
        assert rules[table]["source"], table
    assert "进府办发〔2021〕61号" in rules["source"] and "石柱府办发〔2021〕32号" in rules["source"]
    assert "seed" not in str(rules).lower().replace("seeds", "")
    assert rules["county_targets"]["jinxian_item_19"]["2021"] == 80
    assert kind_columns("pe_art_teachers", "primary") == ["teachers_primary", "pe_art_teachers_primary"]
    for bad in ("key_teachers", "mid_title_teachers", "key_teachers+key_teachers", "principals"):
        stage = "senior" if bad == "key_teachers" else "primary"
        with pytest.raises(ValueError):
            kind_columns(bad, stage)


# ---------------------------------------------------------------------------------------------- apply
def test_a_person_moves_in_every_count_the_kind_names(toy):
    after = apply_moves(toy, moves(move("A", "B", 2, kind="key_teachers+teachers_above_degree")))
    a, b = (after.set_index("school_id").loc[s] for s in ("A", "B"))
    before = toy.set_index("school_id")
    assert (a["key_teachers_primary"], b["key_teachers_primary"]) == (6, 3)
    assert (a["teachers_above_degree_primary"], b["teachers_above_degree_primary"]) == \
        (before.at["A", "teachers_above_degree_primary"] - 2, before.at["B", "teachers_above_degree_primary"] + 2)
    assert (a["teachers_primary"], b["teachers_primary"]) == \
        (before.at["A", "teachers_primary"] - 2, before.at["B", "teachers_primary"] + 2)
    # a plain key_teachers move leaves teachers_above_degree alone
    plain = apply_moves(toy, moves(move("A", "B", 2))).set_index("school_id")
    assert (plain["teachers_above_degree_primary"] == before["teachers_above_degree_primary"]).all()
    assert toy.set_index("school_id").at["A", "key_teachers_primary"] == 8          # the input is not changed


def test_apply_refuses_schools_it_does_not_have(toy):
    with pytest.raises(ValueError, match="Z"):
        apply_moves(toy, moves(move("A", "Z")))


# ---------------------------------------------------------------------------------------------- check
def codes(frame, *rows):
    return sorted((p.code, p.row) for p in check_moves(frame, moves(*rows), STD) if p.severity == "error")


def test_sender_keeps_its_standard_exactly_at_the_limit():
    frame = county(school("A", 500, 6), school("B", 300, 1))
    assert codes(frame, move("A", "B", 1)) == []                 # 5 × 100 / 500 = 1.0 = the standard: kept
    assert codes(frame, move("A", "B", 2)) == [("sender_below_standard", 1)]
    # two moves of one year are judged together
    assert codes(frame, move("A", "B", 1), move("A", "B", 1)) == [("sender_below_standard", 1)]


def test_limits_per_school_and_year(toy):
    limit = exchange_rules()["limits"]["max_out_per_school_per_year"]
    out = [move("A", dst, 1, kind=k) for dst, k in (("B", "key_teachers"), ("C", "key_teachers"),
                                                    ("E", "key_teachers"), ("B", "teachers_above_degree"))]
    assert sum(m["count"] for m in out) == limit + 1
    found = {p.code: p for p in check_moves(toy, moves(*out), STD)}
    assert "too_many_moves" in found and found["too_many_moves"].school_id == "A"
    into = [move(src, "E", 1, kind="teachers_above_degree") for src in ("A", "B", "C", "D")]
    assert ("too_many_moves", 1) in codes(toy, *into)


def test_each_broken_rule_is_located():
    frame = county(school("A", 500, 8), school("B", 300, 1), school("P", 300, 3, ownership="民办"),
                   school("S", 60, 2, school_type="特殊教育学校"), school("J", 0, 0, junior=300, junior_key=5,
                                                                      school_type="初级中学"),
                   school("T", 40, 0, school_type="教学点"), school("Q", 300, 3, pe=1))
    assert codes(frame, move("A", "A")) == [("same_school", 1)]
    assert codes(frame, move("A", "Z")) == [("unknown_school", 1)]
    assert codes(frame, move("A", "B", 0)) == [("bad_count", 1)]
    assert codes(frame, move("A", "B", kind="principals")) == [("bad_kind", 1)]
    assert codes(frame, move("A", "B", stage="senior")) == [("bad_kind", 1)]
    assert codes(frame, move("P", "B")) == [("not_eligible", 1)]
    assert codes(frame, move("A", "S")) == [("not_eligible", 1)]
    assert codes(frame, move("A", "J")) == [("no_stage", 1)]       # J has no primary pupils
    assert codes(frame, move("A", "B", year=2023)) == [("unknown_school", 1), ("unknown_school", 1)]
    # a teaching point under 50 pupils is outside resource allocation: allowed, with a warning
    warned = check_moves(frame, moves(move("A", "T")), STD)
    assert [(p.severity, p.code) for p in warned] == [("warning", "out_of_scope")]
    # a school sends only teachers it has
    found = {(p.code, p.school_id, p.value) for p in check_moves(frame, moves(move("Q", "A", 2, kind="pe_art_teachers")),
                                                              STD)}
    assert found == {("not_enough_teachers", "Q", "-1"), ("sender_below_standard", "Q", "-0.333")}
    # rows given by the moves table are the rows reported
    table = moves(move("A", "B"), move("A", "A")).assign(row=[7, 8])
    assert [(p.code, p.row) for p in check_moves(frame, table, STD)] == [("same_school", 8)]


def totals(frame) -> pd.Series:
    return frame[TEACHER_COLUMNS].sum()


@st.composite
def county_and_moves(draw):
    n = draw(st.integers(2, 5))
    rows = []
    for i in range(n):
        students = draw(st.integers(60, 900))
        rows.append(school(f"S{i}", students, draw(st.integers(0, 15)), above=draw(st.integers(0, 60)),
                           pe=draw(st.integers(0, 12)), teachers=draw(st.integers(60, 90))))
    kinds = st.sampled_from(["key_teachers", "pe_art_teachers", "teachers_above_degree",
                             "key_teachers+teachers_above_degree", "pe_art_teachers+mid_title_teachers"])
    ids = st.sampled_from([f"S{i}" for i in range(n)])
    raw = draw(st.lists(st.tuples(ids, ids, st.integers(1, 3), kinds), min_size=1, max_size=5))
    return rows, [move(a, b, c, kind=k) for a, b, c, k in raw if a != b]


@settings(max_examples=25, deadline=None)
@given(county_and_moves())
def test_moves_conserve_teachers_and_keep_senders_at_standard(case):
    rows, listed = case
    frame = pd.DataFrame(rows)              # plain rows (no reading needed): the property is about the moves
    table = moves(*listed) if listed else pd.DataFrame(columns=["year", "kind", "stage", "from_school_id",
                                                                "to_school_id", "count"])
    after = apply_moves(frame, table)
    pd.testing.assert_series_equal(totals(after), totals(frame))          # conserved, whatever the rules say
    problems = [p for p in check_moves(frame, table, STD) if p.severity == "error"]
    if problems or not listed:
        return
    a = after.set_index("school_id")
    assert (a[TEACHER_COLUMNS] >= 0).all().all()
    for m in listed:                                   # an allowed move never leaves a sender below standard
        for code in m["kind"].split("+"):
            if code in STD.codes:
                value = F(int(a.at[m["from_school_id"], f"{code}_primary"]) * 100,
                          int(a.at[m["from_school_id"], "students_primary"]))
                assert value >= F(str(STD.indicator(code).standard["primary"])), (m, value)


# -------------------------------------------------------------------------------------------- effects
def weighted_cv(values, weights) -> float:
    stats = DescrStatsW(np.asarray(values, dtype=float), weights=np.asarray(weights, dtype=float), ddof=0)
    return float(stats.std / stats.mean)


def test_cv_effect_equals_an_independent_recomputation(toy):
    listed = moves(move("A", "E", 2), move("D", "C", 1, kind="key_teachers+teachers_above_degree"))
    effects = move_effects(toy, listed, STD).set_index("move")
    base = toy.set_index("school_id")
    students = base["students_primary"]
    assert effects.at[0, "cv_before_key_teachers"] == pytest.approx(
        weighted_cv(base["key_teachers_primary"] * 100 / students, students), rel=1e-12)
    for i, m in enumerate(listed.to_dict("records")):                 # each move alone, from the same start
        moved = base.copy()
        for column in ("key_teachers_primary", *(["teachers_above_degree_primary"] if "+" in m["kind"] else [])):
            moved.at[m["from_school_id"], column] -= m["count"]
            moved.at[m["to_school_id"], column] += m["count"]
        for code in ("key_teachers", "teachers_above_degree"):
            expected = weighted_cv(moved[f"{code}_primary"] * 100 / students, students)
            assert effects.at[i, f"cv_after_{code}"] == pytest.approx(expected, rel=1e-12), (i, code)
    assert effects.at[0, "cv_change_teachers_above_degree"] == 0
    assert effects.at[0, "cv_change_pe_art_teachers"] == 0
    # E (100 pupils, no key teacher: 0 of 1.0, below 85% too) passes the per-school rule once it has 2
    assert (effects.at[0, "to_passes_rule_before"], effects.at[0, "to_passes_rule_after"]) == (False, True)
    assert effects.at[0, "schools_failing_rule_after"] == effects.at[0, "schools_failing_rule_before"] - 1
    assert effects.at[0, "cv_limit"] == 0.5


def test_junior_sections_of_mixed_schools_use_their_own_teachers():
    """A 九年一贯制 school's junior section: teachers are per section (not split), pupils are the junior ones."""
    frame = county(school("A", 500, 8), school("M", 400, 4, junior=300, junior_key=6, school_type="九年一贯制学校"),
                   school("J", 0, 0, junior=450, junior_key=2, school_type="初级中学"))
    effects = move_effects(frame, moves(move("M", "J", 2, stage="junior")), "quality-2017").iloc[0]
    junior = frame.set_index("school_id").loc[["M", "J"]]
    keys = junior["key_teachers_junior"].to_numpy() + np.array([-2, 2])
    pupils = junior["students_junior"].to_numpy()
    assert effects["cv_after_key_teachers"] == pytest.approx(weighted_cv(keys * 100 / pupils, pupils), rel=1e-12)
    assert effects["cv_before_key_teachers"] == pytest.approx(
        weighted_cv(junior["key_teachers_junior"] * 100 / pupils, pupils), rel=1e-12)
    assert effects["stage"] == "junior" and effects["cv_limit"] == 0.45


def test_many_moves_in_one_evaluation(toy):
    """Effects are per move, each from the same start, whatever the other moves listed."""
    pairs = (("A", "B"), ("A", "C"), ("D", "E"), ("D", "B"), ("A", "E"), ("D", "C"))
    together = move_effects(toy, moves(*[move(src, dst) for src, dst in pairs]))
    base = toy.set_index("school_id")
    students = base["students_primary"]
    for i, (src, dst) in enumerate(pairs):
        keys = base["key_teachers_primary"].copy()
        keys[src] -= 1
        keys[dst] += 1
        assert together.at[i, "cv_after_key_teachers"] == pytest.approx(weighted_cv(keys * 100 / students, students),
                                                                         rel=1e-12)
    assert together["cv_before_key_teachers"].nunique() == 1
