"""School-level guarantee checks (政府保障程度 附件1 二(二) 3–5, exceptions 附件3 (六)(七)) at their boundaries.

Every case is a school of its own; one county holding all of them is evaluated once.
"""
from __future__ import annotations

import pandas as pd
import pytest

from _build import run, school


def _sized(school_id, school_type, *, primary=0, junior=0, senior=0, **values):
    """A school with 40-per-class classes (from the builder) and one music and one art room of 100 m²."""
    rooms = dict(music_rooms=1, music_room_min_area_m2=100, art_rooms=1, art_room_min_area_m2=100)
    rooms.update(values)
    return school(school_id, school_type, primary=primary, junior=junior, senior=senior, **rooms)


# ------------------------------------------------------------------------------------------ school size
SIZE_CASES = [
    # (id, school type, students A/B/C, extra fields, expected limit, passes)
    ("primary-2000", "小学", (2000, 0, 0), {}, 2000, True),
    ("primary-2001", "小学", (2001, 0, 0), {}, 2000, False),
    ("nine-year-2500", "九年一贯制学校", (1500, 1000, 0), {}, 2500, True),
    ("nine-year-2501", "九年一贯制学校", (1501, 1000, 0), {}, 2500, False),
    # compulsory part only: 1500 + 1000 = 2500, the 600 senior students are not counted
    ("twelve-year-2500+senior", "十二年一贯制学校", (1500, 1000, 600), {}, 2500, True),
    # 完全中学 counts its junior students only: 2000 ≤ 2000 although the school has 3500
    ("complete-middle-2000+senior", "完全中学", (0, 2000, 1500), {}, 2000, True),
    ("junior-2001", "初级中学", (0, 2001, 0), {}, 2000, False),
    # built in 2010 or earlier → 2400 (小学、初中) / 3000 (九年一贯制)
    ("built-2010-2400", "小学", (2400, 0, 0), {"built_year": 2010}, 2400, True),
    ("built-2010-2401", "小学", (2401, 0, 0), {"built_year": 2010}, 2400, False),
    ("built-2011-2000", "小学", (2000, 0, 0), {"built_year": 2011}, 2000, True),
    ("built-2011-2001", "小学", (2001, 0, 0), {"built_year": 2011}, 2000, False),
    ("nine-year-built-2010-3000", "九年一贯制学校", (1800, 1200, 0), {"built_year": 2010}, 3000, True),
    ("nine-year-built-2010-3001", "九年一贯制学校", (1801, 1200, 0), {"built_year": 2010}, 3000, False),
    # migrant children: exactly 50% (1050 of 2100) is not "more than 50%" → normal limit 2000 → fail
    ("migrant-exactly-50%", "小学", (2100, 0, 0), {"migrant_students": 1050}, 2000, False),
    # 1051 of 2100 > 50% → 2400 → pass
    ("migrant-50%+1", "小学", (2100, 0, 0), {"migrant_students": 1051}, 2400, True),
    # share over all students of the school, senior included: 1600 of 3100 > 50% → 3000 for 十二年一贯制
    ("twelve-year-migrant", "十二年一贯制学校", (1600, 1000, 500), {"migrant_students": 1551}, 3000, True),
]

# ------------------------------------------------------------------------------------------ class size
CLASS_CASES = [
    # (id, type, stage, students, classes, largest class, limit, passes); 10 classes so largest·10 ≥ students
    ("primary-45", "小学", "primary", 450, 10, 45, 45, True),
    ("primary-46", "小学", "primary", 450, 10, 46, 45, False),
    ("junior-50", "初级中学", "junior", 500, 10, 50, 50, True),
    ("junior-51", "初级中学", "junior", 500, 10, 51, 50, False),
]

# --------------------------------------------------------------------------------------- room numbers
ROOM_COUNT_CASES = [
    # (id, type, primary classes, junior classes, rooms, required, passes): ceil(classes / 12)
    ("12-classes-1-room", "小学", 12, 0, 1, 1, True),
    ("13-classes-1-room", "小学", 13, 0, 1, 2, False),
    ("13-classes-2-rooms", "小学", 13, 0, 2, 2, True),
    ("24-classes-2-rooms", "小学", 24, 0, 2, 2, True),
    ("25-classes-2-rooms", "小学", 25, 0, 2, 3, False),
    # a 九年一贯制 counts all its classes: 12 + 12 = 24 → 2
    ("nine-year-12+12-1-room", "九年一贯制学校", 12, 12, 1, 2, False),
]

# ---------------------------------------------------------------------------------------- room areas
AREA_CASES = [
    # (id, kind, area, built year, 城乡, type, largest class < 30?, expected limit, passes)
    ("music-96", "music", 96, 2018, "城区", "小学", False, 96, True),
    ("music-95.9", "music", 95.9, 2018, "城区", "小学", False, 96, False),
    ("art-90", "art", 90, 2018, "城区", "小学", False, 90, True),
    ("art-89.9", "art", 89.9, 2018, "城区", "小学", False, 90, False),
    # planned and built in 2016 or earlier → 73 (music) / 67 (art)
    ("music-73-built-2016", "music", 73, 2016, "城区", "小学", False, 73, True),
    ("music-72.9-built-2016", "music", 72.9, 2016, "城区", "小学", False, 73, False),
    ("music-73-built-2017", "music", 73, 2017, "城区", "小学", False, 96, False),
    ("art-67-built-2016", "art", 67, 2016, "城区", "小学", False, 67, True),
    ("art-67-built-2017", "art", 67, 2017, "城区", "小学", False, 90, False),
    # rural (乡村) small school, largest class 29 (< 30) → 54 m² primary
    ("rural-primary-29-music-54", "music", 54, 2018, "乡村", "小学", True, 54, True),
    ("rural-primary-29-music-53.9", "music", 53.9, 2018, "乡村", "小学", True, 54, False),
    ("rural-primary-29-art-54", "art", 54, 2018, "乡村", "小学", True, 54, True),
    # largest class 30 is not "under 30" → full 96 m² → 54 fails
    ("rural-primary-30-music-54", "music", 54, 2018, "乡村", "小学", False, 96, False),
    # a 镇区 school with small classes gets no exception
    ("town-primary-29-music-54", "music", 54, 2018, "镇区", "小学", True, 96, False),
    # rural with junior students, largest class < 30 → 61 m²
    ("rural-junior-29-music-61", "music", 61, 2018, "乡村", "初级中学", True, 61, True),
    ("rural-junior-29-music-60.9", "music", 60.9, 2018, "乡村", "初级中学", True, 61, False),
    ("rural-junior-29-music-54", "music", 54, 2018, "乡村", "初级中学", True, 61, False),
    ("rural-nine-year-29-art-61", "art", 61, 2018, "乡村", "九年一贯制学校", True, 61, True),
    # rural small and built before 2016: the more lenient limit (54 < 73) holds
    ("rural-primary-29-built-2015-music-54", "music", 54, 2015, "乡村", "小学", True, 54, True),
]
# 农村小规模学校 is a rural school of fewer than 100 pupils (有关指标说明（四））: a large rural school with small
# classes gets no exception.  (id, kind, area, pupils, largest class, expected limit, passes)
PUPIL_CASES = [
    ("rural-698-pupils-28", "music", 54, 698, 28, 96, False),
    ("rural-98-pupils-28", "music", 54, 98, 28, 54, True),
    ("rural-99-pupils-29", "art", 54, 99, 29, 54, True),
    ("rural-100-pupils-29", "art", 54, 100, 29, 90, False),
]


def _size_row(case):
    name, kind, (a, b, c), extra, _, _ = case
    return _sized(f"size/{name}", kind, primary=a, junior=b, senior=c, **extra)


def _class_row(case):
    name, kind, stage, students, classes, largest, _, _ = case
    return _sized(f"class/{name}", kind, **{stage: students, f"classes_{stage}": classes,
                                           f"max_class_{stage}": largest})


def _room_count_row(case):
    name, kind, cp, cj, rooms, _, _ = case
    # 40 students in every class
    return _sized(f"rooms/{name}", kind, primary=40 * cp, junior=40 * cj, music_rooms=rooms, art_rooms=rooms)


def _area_row(case):
    name, kind, area, built, urban_rural, school_type, small_class, _, _ = case
    largest = 29 if small_class else 30
    # 96 pupils in all (fewer than 100: small), largest class 29 or 30
    stages = {"小学": {"primary": 96}, "初级中学": {"junior": 96},
              "九年一贯制学校": {"primary": 48, "junior": 48}}[school_type]
    fields = {}
    for stage, n in stages.items():
        fields.update({stage: n, f"classes_{stage}": 4, f"max_class_{stage}": largest})
    fields[f"{kind}_room_min_area_m2"] = area
    return _sized(f"area/{name}", school_type, built_year=built, urban_rural=urban_rural, **fields)


def _pupil_row(case):
    name, kind, area, pupils, largest, _, _ = case
    classes = -(-pupils // largest)
    return _sized(f"pupils/{name}", "小学", urban_rural="乡村", primary=pupils, classes_primary=classes,
                  max_class_primary=largest, **{f"{kind}_room_min_area_m2": area})


ROWS = ([_size_row(c) for c in SIZE_CASES] + [_class_row(c) for c in CLASS_CASES]
        + [_room_count_row(c) for c in ROOM_COUNT_CASES] + [_area_row(c) for c in AREA_CASES]
        + [_pupil_row(c) for c in PUPIL_CASES]
        + [_sized("none/no-rooms", "小学", primary=480, music_rooms=0, music_room_min_area_m2=0)])


@pytest.fixture(scope="module")
def checks(tmp_path_factory):
    ev = run(ROWS, tmp_path_factory.mktemp("no_county_config"))
    return ev.guarantee


def _check(checks, school_id, check):
    hit = checks[(checks["school_id"] == school_id) & (checks["check"] == check)]
    assert len(hit) == 1, f"expected one {check} row for {school_id}, got {len(hit)}"
    return hit.iloc[0]


@pytest.mark.parametrize("case", SIZE_CASES, ids=[c[0] for c in SIZE_CASES])
def test_school_size(checks, case):
    name, _, (a, b, c), _, limit, passes = case
    row = _check(checks, f"size/{name}", "school_size")
    assert row["limit"] == limit
    assert bool(row["passes"]) is passes


def test_school_size_counts_compulsory_students_only(checks):
    assert _check(checks, "size/twelve-year-2500+senior", "school_size")["value"] == 2500
    assert _check(checks, "size/complete-middle-2000+senior", "school_size")["value"] == 2000


def test_school_size_basis_names_the_exception(checks):
    assert "2010" in _check(checks, "size/built-2010-2400", "school_size")["basis"]
    assert "随迁" in _check(checks, "size/migrant-50%+1", "school_size")["basis"]
    assert "随迁" not in _check(checks, "size/migrant-exactly-50%", "school_size")["basis"]


@pytest.mark.parametrize("case", CLASS_CASES, ids=[c[0] for c in CLASS_CASES])
def test_class_size(checks, case):
    name, _, stage, _, _, largest, limit, passes = case
    row = _check(checks, f"class/{name}", f"class_size_{stage}")
    assert (row["value"], row["limit"]) == (largest, limit)
    assert bool(row["passes"]) is passes


@pytest.mark.parametrize("kind", ["music", "art"])
@pytest.mark.parametrize("case", ROOM_COUNT_CASES, ids=[c[0] for c in ROOM_COUNT_CASES])
def test_special_room_count(checks, case, kind):
    name, _, _, _, rooms, required, passes = case
    row = _check(checks, f"rooms/{name}", f"{kind}_rooms")
    assert (row["value"], row["limit"]) == (rooms, required)
    assert bool(row["passes"]) is passes


@pytest.mark.parametrize("case", AREA_CASES, ids=[c[0] for c in AREA_CASES])
def test_special_room_area(checks, case):
    name, kind, area, _, _, _, _, limit, passes = case
    row = _check(checks, f"area/{name}", f"{kind}_room_area")
    assert row["value"] == pytest.approx(area)
    assert row["limit"] == limit
    assert bool(row["passes"]) is passes


def test_room_area_not_applicable_without_a_room(checks):
    row = _check(checks, "none/no-rooms", "music_room_area")
    assert pd.isna(row["passes"])
    assert not bool(_check(checks, "none/no-rooms", "music_rooms")["passes"])   # 12 classes need 1 room


@pytest.mark.parametrize("case", PUPIL_CASES, ids=[c[0] for c in PUPIL_CASES])
def test_small_rural_school_has_fewer_than_100_pupils(checks, case):
    name, kind, _, _, _, limit, passes = case
    row = _check(checks, f"pupils/{name}", f"{kind}_room_area")
    assert (row["limit"], bool(row["passes"])) == (limit, passes)


# ------------------------------------------------------------------------------ the transitional window
# 有关指标说明（六）（七）"近三年评估中 … 认定后三年之内达到规定标准要求": the exceptions hold in the statistics
# years of the window (quality-2017.toml [guarantee.transitional], last_year = 2025), not after it.
WINDOW_ROWS = [
    dict(id="old-2400", built_year=2010, primary=2400, check="school_size", relaxed=2400, full=2000),
    dict(id="old-room-73", built_year=2016, primary=480, music_room_min_area_m2=73, check="music_room_area",
         relaxed=73, full=96),
    dict(id="small-rural-54", built_year=2018, primary=96, urban_rural="乡村", classes_primary=4,
         max_class_primary=29, music_room_min_area_m2=54, check="music_room_area", relaxed=54, full=96),
]


@pytest.fixture(scope="module")
def window_checks(tmp_path_factory):
    rows = []
    for year in (2025, 2026):
        for r in WINDOW_ROWS:
            fields = {k: v for k, v in r.items() if k not in ("id", "check", "relaxed", "full")}
            rows.append(_sized(f"{r['id']}", "小学", year=year, **fields))
    return run(rows, tmp_path_factory.mktemp("window")).guarantee


@pytest.mark.parametrize("r", WINDOW_ROWS, ids=[r["id"] for r in WINDOW_ROWS])
def test_exception_inside_its_window_and_not_after(window_checks, r):
    g = window_checks[(window_checks["school_id"] == r["id"]) & (window_checks["check"] == r["check"])]
    limits = dict(zip(g["year"].astype(int), g["limit"]))
    assert limits == {2025: r["relaxed"], 2026: r["full"]}
    inside = g[g["year"] == 2025].iloc[0]
    assert "过渡期" in inside["basis"]


def test_a_county_may_shorten_the_window(tmp_path):
    """[overrides.quality-2017.guarantee.transitional] in county.toml moves the last year earlier: a county
    may make the standard stricter, never looser (a later last year is refused: tests/test_settings_checks.py).
    Built in 2010, 2400 pupils in 2025: inside the national window (2400 allowed), after the county's (2000)."""
    from junyun_lib.evaluation.evaluate import evaluate
    from junyun_lib.io.reader import read_schools
    from junyun_lib.rules.counties import parse_county_config

    text = ('name = "测试县"\nslug = "ceshi"\n[overrides.quality-2017.guarantee.transitional]\n'
            'last_year = 2024\nsource = "测试：提前一年结束"\n')
    cfg = parse_county_config(text, "county.toml")
    table = read_schools(pd.DataFrame([_sized("old", "小学", year=2025, built_year=2010, primary=2400)]))
    row = evaluate(table).guarantee.query("check == 'school_size'").iloc[0]
    assert row["limit"] == 2400
    ev = evaluate(table, counties={"测试县": cfg})
    row = ev.guarantee[ev.guarantee["check"] == "school_size"].iloc[0]
    assert row["limit"] == 2000 and not row["passes"]
