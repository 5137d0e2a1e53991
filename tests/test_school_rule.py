"""The per-school rule "至少6项指标达到上述要求，余项不能低于要求的85%" and shortfalls, at their boundaries.

The base school is ``meeting_primary``: 500 小学 students meeting all 7 primary standards (see tests/_build.py).
Each case changes one or two quantities; the resulting values are worked out in the comments.  The rule is
per school part, so every case is a school of its own in one county that is evaluated once.
"""
from __future__ import annotations

import pytest

from _build import INDICATORS, meeting_junior, meeting_primary, part, run, school

PER_100 = {"teachers_above_degree", "key_teachers", "pe_art_teachers", "multimedia_classrooms"}


def ample(school_id: str, stage: str, students: int, **changes) -> dict:
    """A school of ``students`` whose 7 indicators are all well above both stages' standards, then ``changes``:
    6 above-degree, 2 key and 2 PE/art teachers per 100 students (+1), 6 m² and 11 m² per student, 2600 元 per
    student, 3 multimedia rooms per 100 students (+1)."""
    teachers = dict(teachers_above_degree=students * 6 // 100 + 1, key_teachers=students * 2 // 100 + 1,
                    pe_art_teachers=students * 2 // 100 + 1)
    values = {f"{k}_{stage}": v for k, v in teachers.items()}
    values.update(teaching_aux_area_m2=6 * students, sports_area_m2=11 * students,
                  equipment_value_yuan=2600 * students, multimedia_classrooms=students * 3 // 100 + 1)
    values.update(changes)
    kind, counts = ("小学", {"primary": students}) if stage == "primary" else ("初级中学", {"junior": students})
    return school(school_id, kind, **counts, **values)


# ------------------------------------------------------------------------------------------------ cases
RULE_CASES = [
    # all 7 meet (4.2, 1.0, 1.0, 5.0, 8.0, 2200, 2.4)
    ("all-7", {}, 7, True),
    # equipment 850 000/500 = 1700 元 = 0.85·2000 exactly → 6 meet, 7th at 85% → pass
    ("equipment-exactly-85%", {"equipment_value_yuan": 850_000}, 6, True),
    # equipment 849 999/500 = 1699.998 元 < 1700 → fail
    ("equipment-just-below-85%", {"equipment_value_yuan": 849_999}, 6, False),
    # teaching area 1912.5/500 = 3.825 m² = 0.85·4.5 exactly → pass; 1912.4/500 = 3.8248 → fail
    ("teaching-area-exactly-85%", {"teaching_aux_area_m2": 1912.5}, 6, True),
    ("teaching-area-just-below-85%", {"teaching_aux_area_m2": 1912.4}, 6, False),
    # sports 3187.5/500 = 6.375 m² = 0.85·7.5 exactly → pass; 3187.4/500 = 6.3748 → fail
    ("sports-exactly-85%", {"sports_area_m2": 3187.5}, 6, True),
    ("sports-just-below-85%", {"sports_area_m2": 3187.4}, 6, False),
    # above-degree teachers 20·100/500 = 4.0 ≥ 0.85·4.2 = 3.57 → 6 meet → pass
    ("6-meet-7th-95%", {"teachers_above_degree_primary": 20}, 6, True),
    # 6 meet, 7th far below: no key teacher (0 < 0.85) → fail
    ("6-meet-7th-zero", {"key_teachers_primary": 0}, 6, False),
    # 5 meet: equipment 1700 (85%) and multimedia 11·100/500 = 2.2 (95.7% of 2.3) → fail although both ≥ 85%
    ("5-meet-rest-above-85%", {"equipment_value_yuan": 850_000, "multimedia_classrooms": 11}, 5, False),
    # 5 meet: two teacher indicators slightly short (4.0 of 4.2; 4·100/500 = 0.8 of 0.9)
    ("5-meet-teachers", {"teachers_above_degree_primary": 20, "pe_art_teachers_primary": 4}, 5, False),
]

JUNIOR_RULE_CASES = [
    # junior equipment 1 062 500/500 = 2125 元 = 0.85·2500 exactly → 6 meet → pass; 1 062 499 → fail
    ("junior-equipment-exactly-85%", {"equipment_value_yuan": 1_062_500}, 6, True),
    ("junior-equipment-just-below-85%", {"equipment_value_yuan": 1_062_499}, 6, False),
    # junior above-degree teachers 23·100/500 = 4.6 ≥ 0.85·5.3 = 4.505 → pass
    ("junior-teachers-87%", {"teachers_above_degree_junior": 23}, 6, True),
    # 22·100/500 = 4.4 < 4.505 → fail
    ("junior-teachers-83%", {"teachers_above_degree_junior": 22}, 6, False),
]

AT_STANDARD_CASES = [
    # (stage, indicator, column, quantity, students): quantity·scale/students equals the standard exactly
    ("primary", "teachers_above_degree", "teachers_above_degree_primary", 21, 500),   # 21·100/500 = 4.2
    ("junior", "teachers_above_degree", "teachers_above_degree_junior", 53, 1000),    # 53·100/1000 = 5.3
    ("primary", "multimedia_classrooms", "multimedia_classrooms", 23, 1000),          # 23·100/1000 = 2.3
    ("junior", "multimedia_classrooms", "multimedia_classrooms", 12, 500),            # 12·100/500 = 2.4
    ("primary", "pe_art_teachers", "pe_art_teachers_primary", 9, 1000),               # 9·100/1000 = 0.9
    ("junior", "key_teachers", "key_teachers_junior", 3, 300),                        # 3·100/300 = 1.0
    ("primary", "teaching_aux_area", "teaching_aux_area_m2", 2250, 500),              # 2250/500 = 4.5
    ("junior", "sports_area", "sports_area_m2", 5100, 500),                           # 5100/500 = 10.2
    ("primary", "equipment_value", "equipment_value_yuan", 1_000_000, 500),           # 1 000 000/500 = 2000
]

TEACHER_SHORTFALL_CASES = [
    # (students, above-degree teachers, shortfall in whole teachers)
    (500, 20, 1),    # needs 4.2·500/100 = 21 → 1
    (150, 5, 2),     # needs 4.2·150/100 = 6.3 → 1.3 short → 2 whole teachers
    (500, 21, 0),    # exactly enough
    (1000, 30, 12),  # needs 42 → 12
    (250, 10, 1),    # needs 10.5 → 0.5 short → 1
]

SHORTFALL_UNIT_CASES = [
    # teaching area 2000 m² for 500 students; needs 4.5·500 = 2250 → 250 m² (continuous)
    ("area-250", {"teaching_aux_area_m2": 2000}, "teaching_aux_area", 250.0),
    # 2249.5 m² → 0.5 m² short, not rounded up to 1
    ("area-0.5", {"teaching_aux_area_m2": 2249.5}, "teaching_aux_area", 0.5),
    # sports 3700.3 m²; needs 7.5·500 = 3750 → 49.7 m²
    ("sports-49.7", {"sports_area_m2": 3700.3}, "sports_area", 49.7),
    # equipment 850 000 元; needs 2000·500 = 1 000 000 → 150 000 元
    ("equipment-150000", {"equipment_value_yuan": 850_000}, "equipment_value", 150_000.0),
    # multimedia 11 rooms; needs 2.3·500/100 = 11.5 → 0.5 → 1 whole room
    ("multimedia-1", {"multimedia_classrooms": 11}, "multimedia_classrooms", 1.0),
    # key teachers 3; needs 1.0·500/100 = 5 → 2
    ("key-2", {"key_teachers_primary": 3}, "key_teachers", 2.0),
]


def _at_standard_id(case) -> str:
    stage, code, _, quantity, students = case
    return f"{stage}-{code}-{quantity}-of-{students}"


ROWS = (
    [meeting_primary(f"rule/{name}", **changes) for name, changes, _, _ in RULE_CASES]
    + [meeting_junior(f"rule/{name}", **changes) for name, changes, _, _ in JUNIOR_RULE_CASES]
    + [ample(f"at/{_at_standard_id(c)}", c[0], c[4], **{c[2]: c[3]}) for c in AT_STANDARD_CASES]
    + [ample(f"teachers/{n}-{t}", "primary", n, teachers_above_degree_primary=t) for n, t, _ in TEACHER_SHORTFALL_CASES]
    + [meeting_primary(f"unit/{name}", **changes) for name, changes, _, _ in SHORTFALL_UNIT_CASES]
    # 300 junior students need 5.3·300/100 = 15.9 teachers; 14 → 1.9 short → 2
    + [ample("teachers/junior-300-14", "junior", 300, teachers_above_degree_junior=14)]
)


@pytest.fixture(scope="module")
def ev(tmp_path_factory):
    return run(ROWS, tmp_path_factory.mktemp("no_county_config"))


# ------------------------------------------------------------------------------------------------ tests
@pytest.mark.parametrize("name, changes, n_meeting, passes", RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_six_of_seven_and_85_percent_primary(ev, name, changes, n_meeting, passes):
    row = part(ev, f"rule/{name}", "primary")
    assert row["n_meeting"] == n_meeting
    assert bool(row["passes_school_rule"]) is passes


@pytest.mark.parametrize("name, changes, n_meeting, passes", JUNIOR_RULE_CASES,
                         ids=[c[0] for c in JUNIOR_RULE_CASES])
def test_six_of_seven_and_85_percent_junior(ev, name, changes, n_meeting, passes):
    row = part(ev, f"rule/{name}", "junior")
    assert row["n_meeting"] == n_meeting
    assert bool(row["passes_school_rule"]) is passes


def test_failing_parts_counted_in_stage(ev):
    # primary parts failing the rule: the failing RULE_CASES, plus
    #   teacher cases: 5·100/150 = 3.33 and 30·100/1000 = 3.0, both < 0.85·4.2 = 3.57 → 2 (the others give 4.0, 4.2)
    #   unit cases: key 3·100/500 = 0.6 < 0.85 → 1 (area 4.0 and 4.499, sports 7.4006, equipment 1700, rooms 2.2
    #   are each the only short one and ≥ 85%)
    #   at-standard cases: none
    failing = sum(1 for _, _, _, passes in RULE_CASES if not passes) + 2 + 1
    # junior: the failing JUNIOR_RULE_CASES; the 300-student school has 14·100/300 = 4.67 ≥ 4.505 → passes
    junior_failing = sum(1 for _, _, _, passes in JUNIOR_RULE_CASES if not passes)
    stages = ev.stages.set_index("stage")
    assert stages.loc["primary", "schools_failing_rule"] == failing == 9
    assert stages.loc["junior", "schools_failing_rule"] == junior_failing == 2
    assert not bool(stages.loc["primary", "passes"]) and not bool(stages.loc["junior", "passes"])


@pytest.mark.parametrize("case", AT_STANDARD_CASES, ids=[_at_standard_id(c) for c in AT_STANDARD_CASES])
def test_value_exactly_at_standard_meets(ev, case):
    stage, code, column, quantity, students = case
    row = part(ev, f"at/{_at_standard_id(case)}", stage)
    scale = 100 if code in PER_100 else 1
    assert row[f"value_{code}"] == pytest.approx(quantity * scale / students, rel=1e-15)
    assert bool(row[f"meets_{code}"]) is True
    assert row["n_meeting"] == 7
    assert row[f"shortfall_{code}"] == 0


@pytest.mark.parametrize("students, teachers, shortfall", TEACHER_SHORTFALL_CASES,
                         ids=[f"{n}-students-{t}-teachers" for n, t, _ in TEACHER_SHORTFALL_CASES])
def test_teacher_shortfall_in_whole_teachers(ev, students, teachers, shortfall):
    row = part(ev, f"teachers/{students}-{teachers}", "primary")
    assert row["shortfall_teachers_above_degree"] == shortfall
    assert float(row["shortfall_teachers_above_degree"]).is_integer()


def test_junior_teacher_shortfall(ev):
    # 300 junior students need 5.3·300/100 = 15.9 → 16 teachers; 14 → 1.9 short → 2
    assert part(ev, "teachers/junior-300-14", "junior")["shortfall_teachers_above_degree"] == 2


@pytest.mark.parametrize("name, changes, code, shortfall", SHORTFALL_UNIT_CASES,
                         ids=[c[0] for c in SHORTFALL_UNIT_CASES])
def test_shortfall_units(ev, name, changes, code, shortfall):
    row = part(ev, f"unit/{name}", "primary")
    assert row[f"shortfall_{code}"] == pytest.approx(shortfall, rel=1e-9)
    for other in INDICATORS:
        if other != code:
            assert row[f"shortfall_{other}"] == 0, other
