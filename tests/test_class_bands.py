"""Class-size bands (班额分段): the class forms of the statistics (教基2106/2107, 基础基212/213) give the number of
classes per band, not the largest class.  A school table may give either (最大班额 or the bands of the stage);
the class-size check (每个班级学生数 ≤ 45 / 50, seed 002 附件1 二(二)5) is decided from the bands where the
largest class is blank, exactly: it fails iff a class is in a band above the limit."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _build import run, school
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.io.reader import read_schools
from junyun_lib.problems import ValidationError
from junyun_lib.rules import load_standard, schema


def bands(stage: str, **counts) -> dict:
    """``bands("primary", b41_45=10, b46_50=2)`` → the band columns of a stage (others 0)."""
    out = {c: 0 for c in schema.band_columns(stage)}
    for key, n in counts.items():
        out[f"classes_band_{key[1:]}_{stage}"] = n
    return out


def banded(school_id: str, kind: str = "小学", *, largest=None, **values) -> dict:
    """A row whose primary stage has 12 classes and 500 pupils, given as bands (最大班额 blank unless given)."""
    row = school(school_id, kind, primary=500, classes_primary=12, **values)
    row["max_class_primary"] = largest
    return row


def test_the_bands_are_data_with_the_columns_of_the_school_table():
    labels = [b.label for b in schema.class_bands()]
    assert labels == ["25人及以下", "26-30人", "31-35人", "36-40人", "41-45人", "46-50人", "51-55人", "56-60人",
                      "61-65人", "66人及以上"]
    for stage in ("primary", "junior"):
        for column in schema.band_columns(stage):
            col = schema.by_field()[column]
            assert (col.required, col.stage, col.limit) == ("optional", stage, "classes")
        assert schema.by_field()[f"max_class_{stage}"].required == "either"
    assert schema.by_field()["classes_band_46_50_primary"].header_zh == "小学班额46-50人班数"


def test_a_table_may_give_bands_instead_of_the_largest_class(tmp_path):
    rows = [banded("B1", **bands("primary", b36_40=2, b41_45=10)),                     # all ≤ 45: passes
            banded("B2", **bands("primary", b36_40=2, b41_45=8, b46_50=2)),            # a class of 46-50: fails
            school("M1", "小学", primary=400, classes_primary=10, max_class_primary=40)]  # the largest class
    ev = run(rows, tmp_path)
    g = ev.guarantee.set_index(["school_id", "check"])
    assert (g.loc[("B1", "class_size_primary"), "value"], bool(g.loc[("B1", "class_size_primary"), "passes"])) \
        == ("41-45人", True)
    assert (g.loc[("B2", "class_size_primary"), "value"], bool(g.loc[("B2", "class_size_primary"), "passes"])) \
        == ("46-50人", False)
    assert "班额分段" in g.loc[("B2", "class_size_primary"), "basis"]
    assert (g.loc[("M1", "class_size_primary"), "value"], g.loc[("M1", "class_size_primary"), "basis"]) == (40, "最大班额")
    assert pd.isna(ev.schools.set_index("school_id").loc["B1", "max_class_primary"])   # blank stays unknown


LARGEST = [20, 25, 26, 30, 31, 40, 41, 44, 45, 46, 49, 50, 51, 55, 56, 60, 61, 65, 66, 79]


@pytest.mark.parametrize("limit", [45, 50, 40])
def test_verdict_from_bands_equals_verdict_from_the_largest_class(limit):
    """For every largest class, a school described by its bands and the same school with its 最大班额 get the
    same class-size verdict (12 classes: one of ``largest`` pupils, the others of at most 41), for the national
    limit and for limits on other band edges."""
    from dataclasses import replace

    from junyun_lib.evaluation.guarantee import guarantee_checks

    rows = []
    for largest in LARGEST:
        sizes = [largest] + [min(largest, 41)] * 11
        counts = [0] * len(schema.class_bands())
        for size in sizes:
            counts[next(i for i, b in enumerate(schema.class_bands()) if b.contains(size))] += 1
        rows.append(school(f"B{largest}", "小学", primary=sum(sizes), classes_primary=12, max_class_primary=None,
                           **dict(zip(schema.band_columns("primary"), counts))))
        rows.append(school(f"L{largest}", "小学", primary=sum(sizes), classes_primary=12, max_class_primary=largest))
    table = read_schools(pd.DataFrame(rows))
    standard = load_standard("quality-2017")
    g = dict(standard.guarantee)
    g["class_size"] = {**g["class_size"], "limit": {"primary": limit, "junior": 50}}
    wide = guarantee_checks(table.frame, replace(standard, guarantee=g)).set_index("school_id")
    for largest in LARGEST:
        by_bands, by_largest = wide.loc[f"B{largest}"], wide.loc[f"L{largest}"]
        assert bool(by_bands["class_size_primary_passes"]) == bool(by_largest["class_size_primary_passes"]) == \
            (largest <= limit), largest


def test_a_band_that_straddles_the_limit_is_undetermined_and_not_a_pass(tmp_path):
    from dataclasses import replace

    from junyun_lib.evaluation.guarantee import guarantee_checks
    from junyun_lib.evaluation.shares import guarantee_share

    table = read_schools(pd.DataFrame([banded("S", **bands("primary", b41_45=11, b46_50=1)),
                                       banded("T", **bands("primary", b36_40=12)) | {"students_primary": 460}]))
    standard = load_standard("quality-2017")
    g = dict(standard.guarantee)
    g["class_size"] = {**g["class_size"], "limit": {"primary": 48, "junior": 50}}   # a county limit inside a band
    wide = guarantee_checks(table.frame, replace(standard, guarantee=g)).set_index("school_id")
    assert pd.isna(wide.loc["S", "class_size_primary_passes"]) and wide.loc["S", "class_size_primary_limit"] == 48
    assert bool(wide.loc["T", "class_size_primary_passes"])
    measured = guarantee_share(type("R", (), {"guarantee_wide": wide.reset_index()})(), "class_size")
    assert measured.value == 100.0 and "1 所无法判定" in measured.basis


def test_small_rural_exception_needs_a_largest_class_known_to_be_under_30(tmp_path):
    """附件3(六): 54 m² for rural schools under 100 pupils whose largest class is under 30.  From the bands the
    largest class is known to be under 30 only when no class is above 25 (26-30人 may hold a class of 30)."""
    def rural(school_id, **b):
        row = school(school_id, "小学", primary=96, classes_primary=4, max_class_primary=None, urban_rural="乡村",
                     music_rooms=1, music_room_min_area_m2=60, built_year=2018, **bands("primary", **b))
        return row
    ev = run([rural("R25", ble25=4), rural("R30", ble25=2, b26_30=2)], tmp_path)
    g = ev.guarantee.set_index(["school_id", "check"])
    assert g.loc[("R25", "music_room_area"), "limit"] == 54 and bool(g.loc[("R25", "music_room_area"), "passes"])
    assert g.loc[("R30", "music_room_area"), "limit"] == 96 and not bool(g.loc[("R30", "music_room_area"), "passes"])


def _problems(rows):
    with pytest.raises(ValidationError) as info:
        read_schools(pd.DataFrame(rows))
    return info.value.problems


def test_bands_are_checked_against_classes_and_pupils():
    (p,) = _problems([banded("X", **bands("primary", b41_45=11))])          # 11 classes in bands, 12 in total
    assert (p.code, p.column, p.row) == ("bands_vs_classes", "classes_primary", 2) and "11班" in p.message_zh
    (p,) = _problems([banded("Y", **bands("primary", ble25=12))])           # 12 classes of ≤ 25 cannot hold 500
    assert p.code == "bands_vs_students" and "0–300" in p.message_zh
    (p,) = _problems([banded("Z")])                                           # neither the largest class nor bands
    assert p.code == "no_max_class" and "班额分段" in p.message_zh


def test_largest_class_and_bands_that_disagree_are_a_warning():
    table = read_schools(pd.DataFrame([banded("W", largest=44, **bands("primary", b36_40=2, b41_45=8, b46_50=2))]))
    (w,) = [w for w in table.warnings if w.code == "max_class_vs_bands"]
    assert w.severity == "warning" and "46-50人" in w.message_zh and w.value == "44"
    ev = evaluate(table)
    assert bool(ev.guarantee.set_index("check").loc["class_size_primary", "passes"])   # 最大班额 decides when given


def test_either_column_or_bands_must_be_present():
    row = school("N", "小学", primary=400, classes_primary=10, max_class_primary=40)
    frame = pd.DataFrame([row]).drop(columns=["max_class_primary"])
    problems = _problems([frame.iloc[0].to_dict()])
    assert [p.code for p in problems] == ["missing_column"] and "小学班额分段班数" in problems[0].message_zh
    with_bands = frame.assign(**{**{c: 0 for c in schema.band_columns("primary")}, "classes_band_36_40_primary": 10})
    table = read_schools(with_bands)
    assert np.isnan(table.frame.loc[0, "max_class_primary"])
