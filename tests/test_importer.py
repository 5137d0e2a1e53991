"""Import from statistics exports (junyun import): synthetic exports built to the 2021 and 2020 layouts
(tests/_exports.py) must give the canonical table typed by hand in `expected_canonical()`, and the core
evaluation of the import must equal that of the typed table, number by number."""
from __future__ import annotations

import hashlib

import numpy as np
import openpyxl
import pandas as pd
import pytest

import _exports as ex
from junyun_lib.cli import main
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.io.importer import import_exports, write_canonical
from junyun_lib.problems import ValidationError
from junyun_lib.io.reader import read_schools

NUMERIC = ["students_primary", "students_junior", "students_senior", "classes_primary", "classes_junior",
           "max_class_primary", "max_class_junior", "teachers_above_degree_primary", "teachers_above_degree_junior",
           "key_teachers_primary", "key_teachers_junior", "pe_art_teachers_primary", "pe_art_teachers_junior",
           "teaching_aux_area_m2", "sports_area_m2", "equipment_value_yuan", "multimedia_classrooms", "music_rooms",
           "music_room_min_area_m2", "art_rooms", "art_room_min_area_m2", "migrant_students"]
TEXT = ["school_id", "school_name", "county", "school_type", "urban_rural", "ownership"]


def _import(tmp_path, layout=ex.LAYOUT_2021, mapping="stats-2021"):
    return import_exports(ex.export_files(tmp_path, layout), ex.YEAR, ex.COUNTY, mapping)


def _assert_same_table(got: pd.DataFrame, want: pd.DataFrame):
    got = got.sort_values("school_id").reset_index(drop=True)
    want = want.sort_values("school_id").reset_index(drop=True)
    assert list(got["school_id"]) == list(want["school_id"])
    for col in TEXT:
        assert list(got[col].astype(str)) == list(want[col].astype(str)), col
    for col in NUMERIC:
        assert np.allclose(got[col].astype(float), want[col].astype(float), rtol=1e-12, atol=1e-6), col
    assert list(got["year"].astype(int)) == list(want["year"].astype(int))
    assert list(got["built_year"].astype(float)) == list(want["built_year"].astype(float))


def test_2021_export_gives_the_typed_canonical_table(tmp_path):
    result = _import(tmp_path)
    _assert_same_table(result.table, ex.expected_canonical())
    assert result.synthetic


@pytest.mark.parametrize("layout, mapping", [(ex.LAYOUT_2021_REORDERED, "stats-2021"), (ex.LAYOUT_2020, "stats-2020")],
                         ids=["reordered", "2020-forms"])
def test_other_layouts_import_to_the_same_result(tmp_path, layout, mapping):
    _assert_same_table(_import(tmp_path, layout, mapping).table, ex.expected_canonical())


def test_core_evaluation_of_the_import_equals_the_typed_table(tmp_path):
    path = write_canonical(_import(tmp_path), tmp_path / "imported.xlsx")
    imported = read_schools(path)
    assert imported.synthetic
    typed = read_schools(ex.expected_canonical())
    a, b = evaluate(imported), evaluate(typed)
    key = ["county", "year", "stage", "indicator"]
    ia, ib = a.indicators.sort_values(key).reset_index(drop=True), b.indicators.sort_values(key).reset_index(drop=True)
    assert len(ia) == 14
    for col in ("mean", "sd", "cv"):
        assert np.allclose(ia[col].astype(float), ib[col].astype(float), rtol=1e-12, equal_nan=True), col
    assert list(ia["cv_pass"]) == list(ib["cv_pass"])
    pa = a.parts.sort_values(["school_id", "part"]).reset_index(drop=True)
    pb = b.parts.sort_values(["school_id", "part"]).reset_index(drop=True)
    values = [c for c in pa.columns if c.startswith("value_")]
    assert np.allclose(pa[values].astype(float), pb[values].astype(float), rtol=1e-12)
    assert list(pa["passes_school_rule"]) == list(pb["passes_school_rule"])
    assert a.stages["composite_cv"].astype(float).round(12).tolist() == \
        b.stages["composite_cv"].astype(float).round(12).tolist()


def test_report_lists_every_merge_derivation_and_dropped_row(tmp_path):
    result = _import(tmp_path)
    merges = result.merges
    campus = merges[merges["类型"] == "不计校数校区并入所属学校"]
    assert list(campus["学校标识码"]) == [ex.PARENT_ID] and ex.CAMPUS_ID in campus["说明"].iloc[0]
    nine = merges[merges["类型"] == "一贯制学校合并各学段表"]
    assert list(nine["学校标识码"]) == [ex.NINE_YEAR_ID]
    assert list(result.dropped["学校标识码"]) == [ex.CLOSED_ID]
    assert "上年撤销" in result.dropped["原因"].iloc[0]
    formulas = dict(zip(result.derivations["标准列"] + "/" + result.derivations["学段"], result.derivations["公式"]))
    assert formulas["teaching_aux_area_m2/全校（一贯制学校只取一次）"] == "teaching_aux_total - indoor_sports"
    assert formulas["sports_area_m2/全校（一贯制学校只取一次）"] == "sports_ground + indoor_sports"
    assert formulas["equipment_value_yuan/全校（一贯制学校只取一次）"] == "equipment_wan * 10000"
    assert formulas["teachers_above_degree_primary/primary"] == "doctor + master + bachelor + college"
    assert formulas["teachers_above_degree_junior/junior"] == "doctor + master + bachelor"
    assert formulas["pe_art_teachers_primary/primary"] == "pe + art"
    # every header used is listed with the column it was found in, e.g. 艺术 › 计 (not 音乐/美术)
    art = result.columns[(result.columns["变量"] == "art") & (result.columns["学段"] == "primary")]
    assert art["导出表中的表头"].iloc[0].endswith("艺术 › 计")


def _hash(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.xlsx"))}


def test_missing_header_path_fails_naming_it_and_writes_nothing(tmp_path):
    files = ex.export_files(tmp_path / "in", ex.MISSING_PATH_LAYOUT)
    before = _hash(tmp_path / "in")
    out = tmp_path / "out" / "schools.xlsx"
    code = main(["import", *map(str, files), "--year", str(ex.YEAR), "--county", ex.COUNTY, "--out", str(out),
                 "--data-dir", str(tmp_path), "--outputs-dir", str(tmp_path / "out")])
    assert code == 2 and not out.parent.exists()
    assert _hash(tmp_path / "in") == before                       # exports only read
    with pytest.raises(ValidationError) as info:
        import_exports(files, ex.YEAR, ex.COUNTY)
    (p,) = info.value.problems
    assert p.code == "missing_header" and p.column == " › ".join(ex.MISSING_PATH)
    assert p.file == str(files[0]) and "室内体育用房" in p.message_zh


def test_ambiguous_header_path_lists_the_candidates(tmp_path):
    files = ex.export_files(tmp_path, ex.AMBIGUOUS_LAYOUT)
    with pytest.raises(ValidationError) as info:
        import_exports(files, ex.YEAR, ex.COUNTY)
    (p,) = info.value.problems
    assert p.code == "ambiguous_header" and p.column == " › ".join(ex.AMBIGUOUS_PATH)
    assert "在校生数 › 合计」" in p.message_zh and "在校生数 › 合计 › 其中：女" in p.message_zh


def test_cli_writes_table_and_report(tmp_path):
    files = ex.export_files(tmp_path / "data" / "exports", ex.LAYOUT_2021)
    out = tmp_path / "data" / "raw" / "testxian" / "schools_2023.xlsx"       # where junyun ingest finds it
    assert main(["import", *map(str, files), "--year", str(ex.YEAR), "--county", ex.COUNTY, "--out", str(out),
                 "--data-dir", str(tmp_path / "data")]) == 0
    report = openpyxl.load_workbook(out.with_name("schools_2023-导入报告.xlsx"), read_only=True)
    assert report.sheetnames == ["说明", "列映射", "派生计算", "合并记录", "删除记录", "警告"]
    assert any("合成示例数据" in str(c) for row in report["说明"].iter_rows(values_only=True) for c in row)
    table = read_schools(out)
    assert len(table.frame) == len(ex.expected_canonical()) and table.synthetic


def test_campus_map_overrides_the_name_rule(tmp_path):
    # the map names the rural school as the campus's parent instead of the name rule's 实验小学
    files = ex.export_files(tmp_path, ex.LAYOUT_2021)
    result = import_exports(files, ex.YEAR, ex.COUNTY, campus_map={ex.CAMPUS_ID: ex.RURAL_ID})
    want = ex.expected_canonical().set_index("school_id")
    got = result.table.set_index("school_id")
    campus_students = float(want.loc[ex.PARENT_ID, "students_primary"]) - float(got.loc[ex.PARENT_ID, "students_primary"])
    assert campus_students > 0
    assert float(got.loc[ex.RURAL_ID, "students_primary"]) == float(want.loc[ex.RURAL_ID, "students_primary"]) + campus_students
