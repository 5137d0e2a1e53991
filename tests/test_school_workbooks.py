"""Per-school workbooks (每校一个工作簿的基层报表): a county's schools, one workbook each and a sheet per form, in the
2021 (教基) and 2020 (基础基) series, written from the forms' printed labels by tests/_school_workbooks.py in many
layouts (Hypothesis: cover and contents sheets, sheet names 教基1001 / 1001 / 教基1001_小学, the 2020 export's
heading letters and row numbers, title and unit rows, the 甲 乙 row, full- or half-width brackets, white space in
labels, unrelated rows in between, numbers stored as text), must import to one and the same table — the table
typed here by hand in junyun's canonical columns — with the same 14 difference coefficients; a missing form
sheet, a label not found and a value that is not a number are located errors; ``junyun import <folder>`` works
through the real command line."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import _school_workbooks as sw
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.io import school_forms as sf
from junyun_lib.io.importer import import_exports, load_mapping, school_list, write_canonical
from junyun_lib.io.reader import read_schools
from junyun_lib.problems import ValidationError

REPO = Path(__file__).resolve().parents[1]
MAPPING = {"2021": "stats-2021", "2020": "stats-2020"}

# The county's canonical table (tests/_forms.py COUNTY), typed by hand from its forms' values in junyun's
# canonical columns, each derivation as the mapping's formulas make it: 高于规定学历 = 博士 + 硕士 + 本科 (+ 专科 for
# 小学; 2020: 研究生毕业 + 本科毕业 (+ 专科毕业)), 体育艺术 = 体育与健康 + 艺术 计, 教学及辅助用房 − 室内体育用房 (2020:
# 体育馆), 运动场地面积 + 室内体育用房, 万元 × 10000, 随迁子女 = row #随迁子女 of each stage (not 进城务工人员随迁子女);
# the class-size bands as the class forms count them (最大班额 blank); rooms and year built from the supplementary
# table.  合成县高级中学 (senior pupils only) is not imported.
TYPED = [
    dict(school_id="3601990101", school_name="合成县实验小学", school_type="小学", urban_rural="城区", ownership="公办",
         built_year=1958, students_primary=1380, classes_primary=30, bands_primary={"41_45": 4, "46_50": 26},
         teachers_above_degree_primary=75,          # 0 + 5 + 60 + 10
         key_teachers_primary=12, pe_art_teachers_primary=13,     # 6 + (4 + 3)
         teaching_aux_area_m2=6300.0,               # 7200 − 900
         sports_area_m2=10400.0,                    # 9500 + 900
         equipment_value_yuan=3452600.0,            # 345.26 万元
         multimedia_classrooms=32, music_rooms=3, music_room_min_area_m2=96.0, art_rooms=3, art_room_min_area_m2=92.0,
         migrant_students=420),
    dict(school_id="3601990102", school_name="合成县育才小学", school_type="小学", urban_rural="城区", ownership="民办",
         built_year=2015, students_primary=620, classes_primary=14, bands_primary={"41_45": 13, "46_50": 1},
         teachers_above_degree_primary=31,          # 0 + 1 + 24 + 6
         key_teachers_primary=0, pe_art_teachers_primary=5,       # 2 + (2 + 1)
         teaching_aux_area_m2=2800.0, sports_area_m2=4500.0,      # 3100 − 300; 4200 + 300
         equipment_value_yuan=1184000.0, multimedia_classrooms=15, music_rooms=1, music_room_min_area_m2=80.0,
         art_rooms=1, art_room_min_area_m2=76.0, migrant_students=300),
    dict(school_id="3601990103", school_name="合成县河西乡中心小学", school_type="小学", urban_rural="乡村",
         ownership="公办", built_year=2004, students_primary=310, classes_primary=9,
         bands_primary={"31_35": 8, "36_40": 1},
         teachers_above_degree_primary=18,          # 0 + 0 + 11 + 7
         key_teachers_primary=2, pe_art_teachers_primary=2,       # 1 + (1 + 0)
         teaching_aux_area_m2=1600.0, sports_area_m2=5200.0,      # no 室内体育用房
         equipment_value_yuan=527000.0, multimedia_classrooms=9, music_rooms=1, music_room_min_area_m2=64.0,
         art_rooms=0, art_room_min_area_m2=0.0, migrant_students=8),
    dict(school_id="3601990104", school_name="合成县石门村小学", school_type="小学", urban_rural="乡村",
         ownership="公办", built_year=1996, students_primary=68, classes_primary=6, bands_primary={"le25": 6},
         teachers_above_degree_primary=7,           # 0 + 0 + 3 + 4
         key_teachers_primary=0, pe_art_teachers_primary=0,
         teaching_aux_area_m2=480.0, sports_area_m2=1600.0, equipment_value_yuan=98000.0, multimedia_classrooms=6,
         music_rooms=0, music_room_min_area_m2=0.0, art_rooms=0, art_room_min_area_m2=0.0, migrant_students=0),
    dict(school_id="3601990105", school_name="合成县东湖学校", school_type="九年一贯制学校", urban_rural="镇区",
         ownership="公办", built_year=2009, students_primary=720, classes_primary=16,
         bands_primary={"41_45": 15, "46_50": 1},
         teachers_above_degree_primary=38,          # 教基4155: 0 + 2 + 28 + 8
         key_teachers_primary=5, pe_art_teachers_primary=7,       # 3 + (2 + 2)
         students_junior=590, classes_junior=12, bands_junior={"46_50": 11, "51_55": 1},
         teachers_above_degree_junior=39,           # 教基4156 初中: 1 + 4 + 34 (专科 6 not counted)
         key_teachers_junior=4, pe_art_teachers_junior=6,         # 3 + (2 + 1)
         teaching_aux_area_m2=5400.0, sports_area_m2=12500.0,     # 6100 − 700; 11800 + 700 (once per school)
         equipment_value_yuan=2683500.0, multimedia_classrooms=28, music_rooms=2, music_room_min_area_m2=90.0,
         art_rooms=2, art_room_min_area_m2=88.0, migrant_students=100),         # 60 + 40
    dict(school_id="3601990201", school_name="合成县第二中学", school_type="初级中学", urban_rural="镇区",
         ownership="公办", built_year=1988, students_junior=1120, classes_junior=23,
         bands_junior={"46_50": 22, "51_55": 1},
         teachers_above_degree_junior=78,           # 0 + 8 + 70
         key_teachers_junior=11, pe_art_teachers_junior=9,        # 5 + (2 + 2)
         teaching_aux_area_m2=6600.0, sports_area_m2=16800.0,     # 7800 − 1200; 15600 + 1200
         equipment_value_yuan=3126000.0, multimedia_classrooms=30, music_rooms=2, music_room_min_area_m2=98.0,
         art_rooms=2, art_room_min_area_m2=95.0, migrant_students=90),
    dict(school_id="3601990202", school_name="合成县城关中学", school_type="初级中学", urban_rural="城区",
         ownership="公办", built_year=2001, students_junior=1260, classes_junior=26, bands_junior={"46_50": 26},
         teachers_above_degree_junior=88,           # 1 + 12 + 75
         key_teachers_junior=15, pe_art_teachers_junior=12,       # 6 + (3 + 3)
         teaching_aux_area_m2=7400.0, sports_area_m2=15500.0,     # 8900 − 1500; 14000 + 1500
         equipment_value_yuan=4102500.0, multimedia_classrooms=34, music_rooms=3, music_room_min_area_m2=100.0,
         art_rooms=3, art_room_min_area_m2=96.0, migrant_students=380),
    dict(school_id="3601990203", school_name="合成县第一中学", school_type="完全中学", urban_rural="城区",
         ownership="公办", built_year=1952, students_junior=1180, classes_junior=24,
         bands_junior={"46_50": 23, "51_55": 1}, students_senior=950,      # 教基3118 / 基础基314
         teachers_above_degree_junior=82,           # 0 + 10 + 72
         key_teachers_junior=9, pe_art_teachers_junior=10,        # 5 + (3 + 2)
         teaching_aux_area_m2=13400.0, sports_area_m2=30400.0,    # 15800 − 2400; 28000 + 2400
         equipment_value_yuan=8205000.0, multimedia_classrooms=60, music_rooms=4, music_room_min_area_m2=105.0,
         art_rooms=4, art_room_min_area_m2=100.0, migrant_students=100),
    dict(school_id="3601990204", school_name="合成县外国语学校", school_type="十二年一贯制学校", urban_rural="城区",
         ownership="民办", built_year=2012, students_primary=840, classes_primary=18, bands_primary={"46_50": 18},
         teachers_above_degree_primary=48,          # 0 + 4 + 38 + 6
         key_teachers_primary=4, pe_art_teachers_primary=8,       # 4 + (2 + 2)
         students_junior=540, classes_junior=12, bands_junior={"41_45": 11, "46_50": 1},
         teachers_above_degree_junior=39,           # 0 + 6 + 33
         key_teachers_junior=3, pe_art_teachers_junior=5,         # 3 + (1 + 1)
         students_senior=430,
         teaching_aux_area_m2=9200.0, sports_area_m2=16000.0,     # 10200 − 1000; 15000 + 1000
         equipment_value_yuan=4689000.0, multimedia_classrooms=42, music_rooms=2, music_room_min_area_m2=96.0,
         art_rooms=2, art_room_min_area_m2=92.0, migrant_students=200),         # 130 + 70
]
BANDS = ("le25", "26_30", "31_35", "36_40", "41_45", "46_50", "51_55", "56_60", "61_65", "ge66")
STAGE_COLUMNS = ("students", "classes", "teachers_above_degree", "key_teachers", "pe_art_teachers")


def typed_table() -> pd.DataFrame:
    """TYPED as the canonical table: every stage column a school lacks is 0, every band it lacks 0."""
    rows = []
    for typed in TYPED:
        row = {k: v for k, v in typed.items() if not k.startswith("bands_")}
        row.update(county=sw.COUNTY_NAME, year=sw.YEAR, students_senior=typed.get("students_senior", 0))
        for stage in ("primary", "junior"):
            for col in STAGE_COLUMNS:
                row.setdefault(f"{col}_{stage}", 0)
            row[f"max_class_{stage}"] = np.nan
            for band in BANDS:
                row[f"classes_band_{band}_{stage}"] = typed.get(f"bands_{stage}", {}).get(band, 0)
        rows.append(row)
    return pd.DataFrame(rows).sort_values("school_id").reset_index(drop=True)


def _import(folder: Path, version: str, supplement: Path | None = None):
    supplement = supplement or sw.supplement_file(folder.parent, name=f"补充数据_{folder.name}.csv")
    return import_exports([folder], sw.YEAR, sw.COUNTY_NAME, MAPPING[version], supplement=supplement)


def _assert_typed(table: pd.DataFrame, want: pd.DataFrame | None = None) -> None:
    want = typed_table() if want is None else want.sort_values("school_id").reset_index(drop=True)
    got = table.sort_values("school_id").reset_index(drop=True)
    assert list(got["school_id"]) == list(want["school_id"])
    for col in (c for c in want.columns if not c.startswith("source_")):      # where the reader read each row
        if not pd.api.types.is_numeric_dtype(want[col]):
            assert list(got[col].astype(str)) == list(want[col].astype(str)), col
        else:
            assert np.allclose(got[col].astype(float), want[col].astype(float), rtol=1e-12, atol=0, equal_nan=True), col


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    """Each series imported from the plainest layout (the table every other layout must give, value for value)."""
    out = {}
    for version in MAPPING:
        folder = tmp_path_factory.mktemp(f"plain{version}") / "workbooks"
        sw.county_workbooks(folder, version)
        out[version] = _import(folder, version)
    return out


@pytest.mark.parametrize("version", list(MAPPING))
def test_the_plain_layout_gives_the_typed_table_and_its_14_cvs(reference, version, tmp_path):
    result = reference[version]
    _assert_typed(result.table)
    assert result.synthetic
    dropped = result.dropped.set_index("学校标识码")
    assert list(dropped.index) == ["3601990301"] and "高中" in dropped.loc["3601990301", "原因"]   # 高级中学: listed
    # where every value was read: the form's sheet and the cell, with the labels as printed
    col = result.columns[(result.columns["变量"] == "students") & (result.columns["学段"] == "primary")].iloc[0]
    form = "教基3112" if version == "2021" else "基础基312"
    assert col["导出表中的表头"].startswith(f"{form} › 行「总计」 › 列「在校生数") and col["列"].startswith(f"{form}!")
    assert "lexcel" in col["来源（表号、行列）"]
    # the core evaluation of the import equals that of the typed table: the 14 CVs, number for number
    imported = evaluate(read_schools(write_canonical(result, tmp_path / f"schools_{sw.YEAR}.xlsx")))
    typed = evaluate(read_schools(typed_table()))
    key = ["county", "year", "stage", "indicator"]
    a = imported.indicators.sort_values(key).reset_index(drop=True)
    b = typed.indicators.sort_values(key).reset_index(drop=True)
    assert len(a) == 14
    for c in ("mean", "sd", "cv"):
        assert np.allclose(a[c].astype(float), b[c].astype(float), rtol=1e-12, equal_nan=True), c
    assert list(a["cv_pass"]) == list(b["cv_pass"])


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(layout=sw.layouts())
@pytest.mark.parametrize("version", list(MAPPING))
def test_every_layout_imports_the_same_table(reference, version, layout):
    with tempfile.TemporaryDirectory(prefix="junyun-schools-") as tmp:
        folder = Path(tmp) / "workbooks"
        sw.county_workbooks(folder, version, layout)
        result = _import(folder, version)
    pd.testing.assert_frame_equal(result.table, reference[version].table)
    _assert_typed(result.table)


# ----------------------------------------------------------------------------------------------- located errors
def _one_problem(folder: Path, version: str):
    with pytest.raises(ValidationError) as info:
        _import(folder, version)
    problems = info.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def _workbook(folder: Path, school_id: str) -> Path:
    return next(folder.glob(f"{school_id}_*.xlsx"))


def test_a_missing_form_sheet_is_a_located_error(tmp_path):
    folder = tmp_path / "workbooks"
    sw.county_workbooks(folder, "2021")
    path = _workbook(folder, "3601990105")                  # 东湖学校, 九年一贯制: needs 教基4155 for its 小学
    book = openpyxl.load_workbook(path)
    del book["教基4155"]
    book.save(path)
    p = _one_problem(folder, "2021")
    assert (p.code, p.file, p.sheet) == ("missing_form", str(path), "教基4155")
    assert "教基4155" in p.message_zh and "九年一贯制学校" in p.message_zh and "小学" in p.message_zh
    assert "missing" in p.message_en


def test_a_label_not_found_is_one_error_naming_form_row_and_column(tmp_path):
    folder = tmp_path / "workbooks"
    sw.county_workbooks(folder, "2020", sw.Layout(headings=True))
    path = _workbook(folder, "3601990101")                  # 实验小学: 基础基423's 体育与健康 printed as 体育
    book = openpyxl.load_workbook(path)
    ws = book["基础基423"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "体育与健康")
    cell.value = "体育"
    book.save(path)
    p = _one_problem(folder, "2020")
    assert (p.code, p.file, p.sheet) == ("label_not_found", str(path), "基础基423")
    assert "基础基423" in p.message_zh and "体育与健康" in p.message_zh and "总计" in p.message_zh
    assert "体育与健康" in p.column and "总计" in p.column and "not found" in p.message_en


def test_a_value_that_is_not_a_number_is_located_at_its_cell(tmp_path):
    folder = tmp_path / "workbooks"
    sw.county_workbooks(folder, "2021", sw.Layout(title_rows=False, numbering_row=False))
    path = _workbook(folder, "3601990203")                  # 第一中学: 教基3115 在校生数 at 总计 written as text
    book = openpyxl.load_workbook(path)
    ws = book["教基3115"]
    column = next(c.column for c in ws[1] if c.value == "在校生数")
    row = next(c.row for c in ws["A"] if c.value == "总计")
    ws.cell(row, column).value = "一千二百"
    book.save(path)
    p = _one_problem(folder, "2021")
    cell = f"{openpyxl.utils.get_column_letter(column)}{row}"
    assert (p.code, p.file, p.sheet, p.row, p.value) == ("not_a_number", str(path), "教基3115", row, "一千二百")
    assert p.column == f"教基3115 › 行「总计」 › 列「在校生数」（{cell}）"
    assert "数字" in p.message_zh and "number" in p.message_en


def test_a_unit_stated_on_the_form_is_converted_or_refused(tmp_path):
    folder = tmp_path / "workbooks"
    (path,) = sw.county_workbooks(folder, "2021", schools=sw.SCHOOLS[:1])       # 实验小学: 345.26 万元 of equipment
    supplement = sw.supplement_file(tmp_path, sw.SCHOOLS[:1])
    book = openpyxl.load_workbook(path)
    ws = book["教基5176"]                                    # the item's 计量单位 says 元, its value in 元
    row = next(c.row for c in ws["A"] if c.value == "其中：教学仪器设备资产值")
    ws.cell(row, 3).value, ws.cell(row, 4).value = "元", 3452600
    book.save(path)
    result = import_exports([folder], sw.YEAR, sw.COUNTY_NAME, "stats-2021", supplement=supplement)
    assert result.table["equipment_value_yuan"].tolist() == [3452600.0]
    used = result.columns[result.columns["变量"] == "equipment_wan"].iloc[0]
    assert used["表头单位"] == "元" and "÷10000" in used["换算"]
    book["教基5170"].cell(2, 1).value = "教基5170    单位：人"             # an area stated in 人: refused
    book.save(path)
    with pytest.raises(ValidationError) as info:
        import_exports([folder], sw.YEAR, sw.COUNTY_NAME, "stats-2021", supplement=supplement)
    assert {(p.code, p.sheet, p.value) for p in info.value.problems} == {("unit_mismatch", "教基5170", "人")}
    assert len(info.value.problems) == 2                    # 教学及辅助用房 and 室内体育用房, each at its cell


def test_a_workbook_of_another_series_or_type_says_so(tmp_path):
    folder = tmp_path / "workbooks"
    sw.county_workbooks(folder, "2020", schools=sw.SCHOOLS[1:2])
    with pytest.raises(ValidationError) as info:            # 基础基 sheets read with the 2021 mapping
        _import(folder, "2021")
    (p,) = info.value.problems
    assert p.code == "missing_form" and p.sheet == "教基1001" and "stats-2020" in p.message_zh
    kindergarten = dataclasses.replace(sw.SCHOOLS[0], id="3601990901", name="合成县幼儿园", type="幼儿园",
                                       type_code="111")
    other = tmp_path / "kindergarten"
    sw.county_workbooks(other, "2021", schools=[kindergarten])
    with pytest.raises(ValidationError) as info:
        _import(other, "2021")
    (p,) = info.value.problems
    assert (p.code, p.value, p.sheet) == ("type_not_imported", "幼儿园", "教基1001") and "移出" in p.message_zh


def test_per_school_workbooks_are_told_from_county_exports(tmp_path):
    import _forms as fm

    assert sf.workbook_kind(["封面", "目录", "基础基111", "基础基112"]) == "school"
    assert sf.workbook_kind(["1001", "1102续", "3112"]) == "school"
    assert sf.workbook_kind(["Sheet1"]) == sf.workbook_kind(["说明", "小学", "初中", "高中"]) == \
        sf.workbook_kind(["2023"]) == "wide"
    wide = fm.write_county_exports(tmp_path / "wide", stages=("primary",))     # the same county, county-wide
    folder = tmp_path / "workbooks"
    nine_year, rural = sw.county_workbooks(folder, "2021", schools=[sw.SCHOOLS[4], sw.SCHOOLS[2]])
    problems: list = []
    county, files = sf.split_exports([*wide, folder], load_mapping("stats-2021"), problems)
    assert not problems and county == wide
    # a folder is read in name order; a 九年一贯制学校 is a 小学 and a 初中 record
    assert [(f.path, f.stage) for f in files] == [(rural, "primary"), (nine_year, "primary"), (nine_year, "junior")]
    # the supplementary template's school list reads the workbooks too (the 高级中学 is not listed)
    listed = school_list([sw.county_workbooks(tmp_path / "all", "2021")[0].parent])
    assert sorted(listed["school_id"]) == sorted(s.id for s in sw.SCHOOLS if s.type != "高级中学")


def test_two_processes_read_what_one_reads(tmp_path, monkeypatch):
    paths = sw.county_workbooks(tmp_path / "workbooks", "2020", sw.Layout(headings=True))
    spec = sf.forms_spec(load_mapping("stats-2020"))
    one = sf.read_school_workbooks(paths, spec, workers=1)
    monkeypatch.setattr(sf, "PARALLEL_WORKBOOKS", 2)        # a county's few hundred, here ten
    assert sf.read_school_workbooks(paths, spec, workers=2) == one
    assert len(one[0]) == 14 and not one[1]       # 10 schools: 九年一贯制, 完全中学 two stages, 十二年一贯制 three


def test_junyun_import_of_a_folder_through_the_command_line(tmp_path):
    folder = tmp_path / "县里各校基层报表"
    sw.county_workbooks(folder, "2020", sw.Layout(cover=True, contents=True, headings=True, text_numbers=True))
    supplement = sw.supplement_file(tmp_path)
    out = tmp_path / "out" / f"schools_{sw.YEAR}.xlsx"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    run = subprocess.run([sys.executable, "-m", "junyun_lib.cli", "import", str(folder), "--mapping", "stats-2020",
                          "--supplement", str(supplement), "--year", str(sw.YEAR), "--county", sw.COUNTY_NAME,
                          "--out", str(out), "--data-dir", str(tmp_path / "data"), "--outputs-dir",
                          str(tmp_path / "out")], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "9 所学校" in run.stdout
    table = read_schools(out)                               # as `junyun ingest` reads it
    assert table.synthetic
    _assert_typed(table.frame, read_schools(typed_table()).frame)
