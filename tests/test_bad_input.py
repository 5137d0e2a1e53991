"""Bad input (错误输入): every kind of bad school table is rejected, every problem is located, nothing is written.

Each test builds a small bad file in tmp_path from the valid four-school base table
(tests/_badinput_helpers.py: a 小学, an 初级中学, a 九年一贯制学校 and a 完全中学), then checks, through
``read_schools`` and through ``junyun ingest``:

* the ValidationError lists the problem with the file name, the sheet (xlsx), the row as Excel shows it
  (header is row 1, so data row i — 0-based — is row i + 2), the header as written, the offending value,
  a Chinese message and an English gloss;
* the CLI exits with status 2 and prints the same on stderr;
* nothing was written under data/processed;
* the input file's bytes are unchanged.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from _badinput_helpers import (COUNTY, YEAR, ZH, Table, assert_rejected, base_table, describe, excel_row, find,
                               processed_files, read_errors, run_ingest, sha256)
from junyun_lib.cli import main
from junyun_lib.problems import ValidationError
from junyun_lib.io.reader import DATA_SHEET, read_schools, require_single

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "raw" / "jinxian" / "schools_2023.xlsx"

# data rows of the base table (0-based) and what they are
PRIMARY, JUNIOR, NINE_YEAR, COMPLETE = 0, 1, 2, 3


def xlsx(tmp_path: Path, table: Table, name: str = "schools_2023.xlsx", **kw) -> Path:
    return table.to_xlsx(tmp_path / name, **kw)


def reject(tmp_path, capsys, table: Table, *, data_row: int, column: str, code: str, value, zh: str, en: str,
           count: int = 1):
    """Write ``table`` as xlsx and check the whole bad-input contract for one problem."""
    path = xlsx(tmp_path, table)
    header = column if column in table.headers else ZH[column]
    return assert_rejected(path, tmp_path, capsys, code=code, row=excel_row(data_row), column=header,
                           value=str(value), zh=zh, en=en, sheet=DATA_SHEET, count=count)


# ------------------------------------------------------------------------------------------------ baseline
@pytest.mark.parametrize("fmt", ["xlsx", "utf-8", "utf-8-sig", "gbk"])
def test_base_table_is_valid_and_ingests(tmp_path, capsys, fmt):
    """The base really is valid (so every rejection below is caused by the one thing each test breaks)."""
    table = base_table()
    path = xlsx(tmp_path, table) if fmt == "xlsx" else table.to_csv(tmp_path / "schools_2023.csv", encoding=fmt)
    read = read_schools(path)
    assert len(read.frame) == 4 and read.warnings == []
    assert read.county_years() == [(COUNTY, YEAR)]
    status, err = run_ingest(path, tmp_path, capsys)
    assert status == 0, err
    assert [p.name for p in processed_files(tmp_path)] == ["2023.parquet"]


# ------------------------------------------------------------------------------------------------- headers
def test_missing_required_column(tmp_path, capsys):
    path = xlsx(tmp_path, base_table().drop("classes_primary"))
    hits = assert_rejected(path, tmp_path, capsys, code="missing_column", row=1, column=None, sheet=DATA_SHEET,
                           zh="缺少必需的列「小学班数」", en="required column missing")
    assert "classes_primary" in hits[0].message_zh and "classes_primary" in hits[0].message_en
    assert hits[0].column in ("", "小学班数")


def test_unknown_column_near_miss_suggests_the_right_header(tmp_path, capsys):
    path = xlsx(tmp_path, base_table().rename("students_primary", "小学在校学生数"))
    assert_rejected(path, tmp_path, capsys, code="unknown_column", row=1, column="小学在校学生数", sheet=DATA_SHEET,
                    zh="是否应为「小学在校生数」", en="did you mean '小学在校生数'")
    # the real column is then missing, and that is reported in the same pass
    err = read_errors(path)
    assert find(err.problems, code="missing_column"), describe(err.problems)
    assert any("小学在校生数" in p.message_zh for p in find(err.problems, code="missing_column"))


def test_unknown_column_without_near_miss(tmp_path, capsys):
    table = base_table().add_column("校长手机号", ["13800000000"] * 4)
    path = xlsx(tmp_path, table)
    hits = assert_rejected(path, tmp_path, capsys, code="unknown_column", row=1, column="校长手机号",
                           sheet=DATA_SHEET, zh="未知的列", en="unknown column")
    assert "是否应为" not in hits[0].message_zh


def test_duplicate_column_chinese_and_alias(tmp_path, capsys):
    table = base_table()
    table.add_column("students_primary", [table.get(i, "students_primary") for i in range(4)])
    path = xlsx(tmp_path, table)
    assert_rejected(path, tmp_path, capsys, code="duplicate_column", row=1, column="students_primary",
                    sheet=DATA_SHEET, zh="与「小学在校生数」是同一列", en="duplicate of column '小学在校生数'")


def _insert_column(table: Table, at: int, header, values) -> Table:
    table.headers.insert(at, header)
    for r, v in zip(table.rows, values):
        r.insert(at, v)
    return table


def test_blank_header_over_data_in_the_middle(tmp_path, capsys):
    table = _insert_column(base_table(), 5, None, [1, 2, 3, 4])   # column F
    path = xlsx(tmp_path, table)
    assert_rejected(path, tmp_path, capsys, code="blank_header", row=1, column="", sheet=DATA_SHEET,
                    zh="第6列有数据但没有表头", en="column 6 has data but no header")


def test_blank_header_over_data_in_the_last_column(tmp_path, capsys):
    """Data in a column right of the last header must not be dropped silently."""
    table = base_table()
    n = len(table.headers)
    table.add_column(None, ["备注一", None, "备注三", None])
    path = xlsx(tmp_path, table)
    assert_rejected(path, tmp_path, capsys, code="blank_header", row=1, column="", sheet=DATA_SHEET,
                    zh=f"第{n + 1}列有数据但没有表头", en=f"column {n + 1} has data but no header")


# ---------------------------------------------------------------------------------------------- categories
@pytest.mark.parametrize("column,value", [
    ("school_type", "中心小学"),
    ("urban_rural", "农村"),
    ("ownership", "私立"),
])
def test_unknown_category(tmp_path, capsys, column, value):
    table = base_table().set(JUNIOR, column, value)
    hits = reject(tmp_path, capsys, table, data_row=JUNIOR, column=column, code="unknown_category", value=value,
                  zh="不是允许的取值", en="not an allowed value")
    assert "应为" in hits[0].message_zh


# ------------------------------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("row,column,value,code,zh,en", [
    (NINE_YEAR, "students_primary", "abc", "not_a_number", "不是数字", "not a number"),
    (JUNIOR, "classes_junior", -5, "negative", "不能为负数", "negative"),
    (PRIMARY, "students_primary", 12.5, "fractional", "应为整数", "not a whole number"),
    (COMPLETE, "key_teachers_junior", 3.5, "fractional", "应为整数", "not a whole number"),
    (PRIMARY, "teaching_aux_area_m2", "约3000", "not_a_number", "不是数字", "not a number"),
    (NINE_YEAR, "sports_area_m2", -120.5, "negative", "不能为负数", "negative"),
], ids=["non-numeric-count", "negative-count", "fractional-students", "fractional-teachers",
        "non-numeric-area", "negative-area"])
def test_bad_number(tmp_path, capsys, row, column, value, code, zh, en):
    table = base_table().set(row, column, value)
    reject(tmp_path, capsys, table, data_row=row, column=column, code=code, value=value, zh=zh, en=en)


def test_blank_required_text(tmp_path, capsys):
    table = base_table().set(NINE_YEAR, "school_id", None)
    reject(tmp_path, capsys, table, data_row=NINE_YEAR, column="school_id", code="blank", value="",
           zh="必填项为空", en="required value is blank")


def test_blank_required_whole_school_number(tmp_path, capsys):
    table = base_table().set(COMPLETE, "teaching_aux_area_m2", None)
    hits = reject(tmp_path, capsys, table, data_row=COMPLETE, column="teaching_aux_area_m2", code="blank", value="",
                  zh="必填项为空", en="required value is blank")
    assert "0" in hits[0].message_zh   # tells the analyst to enter 0 when there is none


@pytest.mark.parametrize("value,code,zh,en", [
    (1900, "year_range", "年份应在", "year outside"),
    (2023.5, "fractional", "应为整数", "not a whole number"),
    ("二〇二三", "not_a_number", "不是数字", "not a number"),
], ids=["out-of-range", "non-integer", "chinese-numerals"])
def test_bad_statistics_year(tmp_path, capsys, value, code, zh, en):
    table = base_table().set(JUNIOR, "year", value)
    reject(tmp_path, capsys, table, data_row=JUNIOR, column="year", code=code, value=value, zh=zh, en=en)


# ------------------------------------------------------------------------------------------ row consistency
def test_duplicate_school_id_reports_both_rows(tmp_path, capsys):
    table = base_table().set(COMPLETE, "school_id", "3601000002")
    path = xlsx(tmp_path, table)
    hits = assert_rejected(path, tmp_path, capsys, code="duplicate_id", row=None, column="学校标识码",
                           value="3601000002", sheet=DATA_SHEET, zh="重复", en="not unique", count=2)
    assert sorted(p.row for p in hits) == [excel_row(JUNIOR), excel_row(COMPLETE)]


def test_same_school_id_in_another_year_is_fine(tmp_path, capsys):
    table = base_table()
    for r in base_table(year=2024).rows:
        table.add_row(r)
    path = xlsx(tmp_path, table, name="schools.xlsx")     # two years: a name with one year would disagree
    assert read_schools(path).county_years() == [(COUNTY, 2023), (COUNTY, 2024)]
    status, err = run_ingest(path, tmp_path, capsys)
    assert status == 0, err
    assert [p.name for p in processed_files(tmp_path)] == ["2023.parquet", "2024.parquet"]


@pytest.mark.parametrize("row,column,value,stage_zh", [
    (PRIMARY, "students_junior", 30, "初中"),
    (COMPLETE, "students_primary", 50, "小学"),
    (NINE_YEAR, "students_senior", 100, "高中"),
], ids=["primary-school-with-junior", "complete-middle-with-primary", "nine-year-with-senior"])
def test_type_cannot_enrol_stage(tmp_path, capsys, row, column, value, stage_zh):
    table = base_table().set(row, column, value)
    school_type = table.get(row, "school_type")
    reject(tmp_path, capsys, table, data_row=row, column=column, code="type_vs_students", value=value,
           zh=f"学校类型为「{school_type}」，不应有{stage_zh}在校生", en="cannot enrol")


def test_zero_students_in_scope_is_a_located_warning_and_the_school_is_excluded(tmp_path):
    """A school with no compulsory pupils (a closed section) is possible: it is read with a located warning and
    left out of the evaluation, listed with its reason (decision 61) — no longer an error that stops the county."""
    from junyun_lib.evaluation.evaluate import evaluate

    table = base_table().set(PRIMARY, "students_primary", 0).set(PRIMARY, "classes_primary", 0)
    table.set(PRIMARY, "max_class_primary", 0).set(PRIMARY, "migrant_students", 0)
    read = read_schools(table.to_xlsx(tmp_path / "schools_2023.xlsx"))
    [w] = [w for w in read.warnings if w.code == "no_students"]
    assert (w.row, w.value) == (PRIMARY + 2, "小学0人、初中0人") and "在校生数均为0" in w.message_zh
    ev = evaluate(read)
    sid = read.frame["school_id"].iloc[PRIMARY]
    assert ev.excluded.set_index("school_id").loc[sid, "reason_code"] == "no_compulsory_students"


def test_students_but_no_classes(tmp_path, capsys):
    table = base_table().set(JUNIOR, "classes_junior", 0)
    reject(tmp_path, capsys, table, data_row=JUNIOR, column="classes_junior", code="no_classes", value=0,
           zh="有初中在校生但班数为0", en="junior students but no classes")


def test_classes_but_no_students(tmp_path, capsys):
    table = base_table().set(NINE_YEAR, "students_junior", 0)
    reject(tmp_path, capsys, table, data_row=NINE_YEAR, column="classes_junior", code="classes_without_students",
           value=5, zh="初中在校生数为0但有班数", en="junior classes but no students")


def test_max_class_larger_than_stage_students(tmp_path, capsys):
    table = base_table().set(NINE_YEAR, "max_class_junior", 250)
    reject(tmp_path, capsys, table, data_row=NINE_YEAR, column="max_class_junior", code="max_class_over_students",
           value=250, zh="最大班额大于该学段在校生数（200人）", en="largest class exceeds")


def test_max_class_smaller_than_average(tmp_path, capsys):
    table = base_table().set(PRIMARY, "max_class_primary", 30)   # 600 students in 14 classes: average 42.9
    reject(tmp_path, capsys, table, data_row=PRIMARY, column="max_class_primary", code="max_class_below_average",
           value=30, zh="最大班额小于平均班额", en="smaller than the average class")


def test_music_rooms_without_area(tmp_path, capsys):
    table = base_table().set(COMPLETE, "music_room_min_area_m2", 0)
    reject(tmp_path, capsys, table, data_row=COMPLETE, column="music_room_min_area_m2", code="room_without_area",
           value=0, zh="有音乐专用教室", en="music rooms reported without their area")


def test_art_room_area_without_rooms(tmp_path, capsys):
    table = base_table().set(JUNIOR, "art_rooms", 0)
    reject(tmp_path, capsys, table, data_row=JUNIOR, column="art_room_min_area_m2", code="area_without_room",
           value=90, zh="美术专用教室数为0，却填了面积", en="art room area given but no art rooms")


def test_built_after_statistics_year(tmp_path, capsys):
    table = base_table().set(NINE_YEAR, "built_year", 2025)
    reject(tmp_path, capsys, table, data_row=NINE_YEAR, column="built_year", code="built_after_year", value=2025,
           zh="建成年份晚于统计年度（2023）", en="built after the statistics year")


def test_migrant_students_more_than_all_students(tmp_path, capsys):
    table = base_table().set(PRIMARY, "migrant_students", 700)
    reject(tmp_path, capsys, table, data_row=PRIMARY, column="migrant_students", code="migrant_over_students",
           value=700, zh="随迁子女数大于全校在校生数", en="more migrant children than students")


def test_teacher_subset_larger_than_total(tmp_path, capsys):
    table = base_table().set(NINE_YEAR, "key_teachers_junior", 25)   # 初中专任教师数 is 18
    reject(tmp_path, capsys, table, data_row=NINE_YEAR, column="key_teachers_junior", code="subset_over_total",
           value=25, zh="大于初中专任教师数（18人）", en="larger than teachers_junior")


# ------------------------------------------------------------------------------------------ where it is found
def test_blank_title_rows_above_header_xlsx(tmp_path, capsys):
    """Two title rows above the header: header is Excel row 3, so the 3rd data row is row 6."""
    table = base_table().set(NINE_YEAR, "students_junior", "二百")
    path = xlsx(tmp_path, table, title_rows=[["测试县2023年义务教育学校基础数据表"], [None]])
    assert_rejected(path, tmp_path, capsys, code="not_a_number", row=6, column="初中在校生数", value="二百",
                    sheet=DATA_SHEET, zh="不是数字", en="not a number")


@pytest.mark.parametrize("padded", [True, False], ids=["excel-export-padded", "short-title-line"])
def test_title_rows_above_header_csv_and_row_errors(tmp_path, capsys, padded):
    """A CSV with a title and a blank line above the header; a row-level error is located the same way.

    Excel pads the title line with commas up to the table's width; a hand-written title line is just one
    field.  Both must be read (or rejected with exit status 2), never crash.
    """
    table = base_table().set(COMPLETE, "max_class_junior", 500)
    n = len(table.headers)
    titles = ([["测试县2023年义务教育学校基础数据表"] + [None] * (n - 1), [None] * n] if padded
              else [["测试县2023年义务教育学校基础数据表"], []])
    path = table.to_csv(tmp_path / "schools_2023.csv", encoding="utf-8-sig", title_rows=titles)
    # 500 is beyond the plausible class size (rules/data_checks.toml [limits.class_size] error = 300): that one
    # located error, and no second message built on the implausible value
    assert_rejected(path, tmp_path, capsys, code="out_of_range", row=7, column="初中最大班额", value="500",
                    zh="超出合理范围", en="out of range")


def test_blank_row_inside_the_data_keeps_excel_row_numbers(tmp_path, capsys):
    table = base_table()
    table.rows.insert(2, [None] * len(table.headers))          # Excel row 4 left empty
    table.set(4, "ownership", "国有")                             # 完全中学, now Excel row 6
    path = xlsx(tmp_path, table)
    assert_rejected(path, tmp_path, capsys, code="unknown_category", row=6, column="办学性质", value="国有",
                    sheet=DATA_SHEET, zh="不是允许的取值", en="not an allowed value")


def test_english_alias_headers_are_quoted_as_written(tmp_path, capsys):
    table = base_table(aliases=True).set(JUNIOR, "students_junior", "n/a")
    path = xlsx(tmp_path, table)
    assert_rejected(path, tmp_path, capsys, code="null_token", row=3, column="students_junior", value="n/a",
                    sheet=DATA_SHEET, zh="空值标记，不是数字", en="null marker, not a number")


def test_english_alias_headers_in_row_level_errors(tmp_path, capsys):
    table = base_table(aliases=True).set(PRIMARY, "max_class_primary", 20)
    path = xlsx(tmp_path, table)
    assert_rejected(path, tmp_path, capsys, code="max_class_below_average", row=2, column="max_class_primary",
                    value="20", sheet=DATA_SHEET, zh="最大班额小于平均班额", en="smaller than the average class")


def test_bad_value_in_a_copy_of_a_sample_file(tmp_path, capsys):
    """A real-sized sample (copied, never touched in place) with one bad cell is located exactly."""
    before = sha256(SAMPLE)
    path = tmp_path / SAMPLE.name
    shutil.copyfile(SAMPLE, path)
    wb = openpyxl.load_workbook(path)
    ws = wb[DATA_SHEET]
    headers = [c.value for c in ws[1]]
    ws.cell(row=37, column=headers.index("教学仪器设备值") + 1, value="五十万")
    wb.save(path)
    assert_rejected(path, tmp_path, capsys, code="not_a_number", row=37, column="教学仪器设备值", value="五十万",
                    sheet=DATA_SHEET, zh="不是数字", en="not a number")
    assert sha256(SAMPLE) == before


# ------------------------------------------------------------------------------------------------ encodings
@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_csv_bad_value_is_decoded_and_located(tmp_path, capsys, encoding):
    """GBK (and UTF-8) CSV: the Chinese header and the Chinese value come back readable in the message."""
    table = base_table().set(NINE_YEAR, "urban_rural", "城乡结合部")
    path = table.to_csv(tmp_path / "schools_2023.csv", encoding=encoding)
    hits = assert_rejected(path, tmp_path, capsys, code="unknown_category", row=4, column="城乡分类",
                           value="城乡结合部", zh="不是允许的取值", en="not an allowed value")
    assert hits[0].sheet == ""
    assert "城区 / 镇区 / 乡村" in hits[0].message_zh


def test_gbk_csv_numeric_error_under_chinese_header(tmp_path, capsys):
    table = base_table().set(COMPLETE, "equipment_value_yuan", "二百万元")
    path = table.to_csv(tmp_path / "schools_2023.csv", encoding="gbk")
    assert_rejected(path, tmp_path, capsys, code="not_a_number", row=5, column="教学仪器设备值", value="二百万元",
                    zh="不是数字", en="not a number")


def test_undecodable_csv(tmp_path, capsys):
    path = tmp_path / "schools_2023.csv"
    path.write_bytes("学校标识码,学校名称\n".encode("utf-8") + b"\xff\xfe\x80\x80garbage\xff\n")
    hits = assert_rejected(path, tmp_path, capsys, code="encoding", row=None, column=None,
                           zh="无法识别文件编码", en="cannot decode")
    assert "UTF-8" in hits[0].message_zh and "GBK" in hits[0].message_zh


# --------------------------------------------------------------------------------------------- whole files
def test_empty_sheet(tmp_path, capsys):
    wb = openpyxl.Workbook()
    wb.active.title = DATA_SHEET
    path = tmp_path / "schools_2023.xlsx"
    wb.save(path)
    assert_rejected(path, tmp_path, capsys, code="empty_sheet", row=None, column=None, sheet=DATA_SHEET,
                    zh="工作表为空", en="the sheet is empty")


def test_empty_csv(tmp_path, capsys):
    path = tmp_path / "schools_2023.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n")
    assert_rejected(path, tmp_path, capsys, code="empty_sheet", row=None, column=None, zh="为空", en="empty")


def test_header_only_no_rows(tmp_path, capsys):
    table = base_table()
    table.rows = []
    path = xlsx(tmp_path, table)
    assert_rejected(path, tmp_path, capsys, code="no_rows", row=None, column=None, sheet=DATA_SHEET,
                    zh="表头下没有数据行", en="no data rows")


def test_header_row_not_found(tmp_path, capsys):
    table = base_table().rename("school_id", "代码")
    path = xlsx(tmp_path, table, title_rows=[["测试县学校数据"]])
    assert_rejected(path, tmp_path, capsys, code="no_header", row=None, column=None, sheet=DATA_SHEET,
                    zh="找不到含「学校标识码」的表头行", en="no header row")


def test_file_not_found(tmp_path, capsys):
    path = tmp_path / "schools_2099.xlsx"
    err = read_errors(path)
    assert [p.code for p in err.problems] == ["not_found"]
    p = err.problems[0]
    assert Path(p.file).name == path.name and "文件不存在" in p.message_zh and "not found" in p.message_en
    status, stderr = run_ingest(path, tmp_path, capsys)
    assert status == 2 and path.name in stderr and "文件不存在" in stderr
    assert processed_files(tmp_path) == []
    assert not path.exists()


def test_unsupported_extension(tmp_path, capsys):
    path = tmp_path / "schools_2023.txt"
    base_table().to_csv(path)
    hits = assert_rejected(path, tmp_path, capsys, code="file_type", row=None, column=None,
                           zh="不支持的文件类型「.txt」", en="unsupported file type")
    assert ".xlsx" in hits[0].message_zh and ".csv" in hits[0].message_zh


def test_not_really_an_excel_file(tmp_path, capsys):
    path = tmp_path / "schools_2023.xlsx"
    path.write_bytes("学校标识码,学校名称\n1,一小\n".encode("gbk"))
    assert_rejected(path, tmp_path, capsys, code="unreadable", row=None, column=None,
                    zh="无法作为 Excel 工作簿打开", en="cannot open as an Excel workbook")


def test_one_bad_file_among_good_ones_writes_nothing(tmp_path, capsys):
    good = xlsx(tmp_path, base_table(), name="schools_2023.xlsx")
    bad = xlsx(tmp_path, base_table(year=2024).set(JUNIOR, "classes_junior", "十八"), name="schools_2024.xlsx")
    hashes = {p: sha256(p) for p in (good, bad)}
    err = read_errors([good, bad])
    assert [(p.code, Path(p.file).name, p.row, p.column) for p in err.problems] == [
        ("not_a_number", "schools_2024.xlsx", 3, "初中班数")]
    status, stderr = run_ingest_many([good, bad], tmp_path, capsys)
    assert status == 2 and "schools_2024.xlsx" in stderr and "第3行" in stderr
    assert processed_files(tmp_path) == []
    assert {p: sha256(p) for p in (good, bad)} == hashes


def run_ingest_many(paths, data_dir, capsys):
    capsys.readouterr()
    status = main(["ingest", *map(str, paths), "--data-dir", str(data_dir)])
    return status, capsys.readouterr().err


# --------------------------------------------------------------------------------------- all in one pass
def _five_row_table() -> Table:
    table = base_table()
    extra = table.copy_row(PRIMARY)
    table.add_row(extra)
    table.set(4, "school_id", "3601000005").set(4, "school_name", "示例第二小学")
    return table


def test_all_cell_problems_in_one_pass(tmp_path, capsys):
    table = _five_row_table()
    table.set(0, "students_primary", "abc")          # row 2
    table.set(1, "urban_rural", "农村")               # row 3
    table.set(2, "sports_area_m2", -1)               # row 4
    table.set(3, "key_teachers_junior", 2.5)         # row 5
    table.set(4, "school_name", None)                # row 6
    path = xlsx(tmp_path, table)
    before = sha256(path)
    err = read_errors(path)
    got = sorted((p.row, p.column, p.code, p.value) for p in err.problems)
    assert got == [(2, "小学在校生数", "not_a_number", "abc"), (3, "城乡分类", "unknown_category", "农村"),
                   (4, "体育运动场馆面积", "negative", "-1"), (5, "初中县级以上骨干教师数", "fractional", "2.5"),
                   (6, "学校名称", "blank", "")], describe(err.problems)
    status, stderr = run_ingest(path, tmp_path, capsys)
    assert status == 2
    assert "5 处错误" in stderr and all(f"第{r}行" in stderr for r in range(2, 7))
    assert processed_files(tmp_path) == [] and sha256(path) == before


def test_all_row_problems_in_one_pass(tmp_path, capsys):
    table = _five_row_table()
    table.set(0, "built_year", 2030)                 # row 2 built after the year
    table.set(1, "classes_junior", 0)                # row 3 students but no classes
    table.set(2, "students_senior", 40)              # row 4 九年一贯制 with senior students
    table.set(3, "art_rooms", 0)                     # row 5 art area without rooms
    table.set(4, "migrant_students", 601)            # row 6 more migrants than students
    path = xlsx(tmp_path, table)
    err = read_errors(path)
    got = sorted((p.row, p.column, p.code) for p in err.problems)
    assert got == [(2, "建成年份", "built_after_year"), (3, "初中班数", "no_classes"),
                   (4, "高中在校生数", "type_vs_students"), (5, "美术专用教室最小面积", "area_without_room"),
                   (6, "随迁子女数", "migrant_over_students")], describe(err.problems)
    status, stderr = run_ingest(path, tmp_path, capsys)
    assert status == 2 and "5 处错误" in stderr
    assert processed_files(tmp_path) == []


def test_cell_and_row_problems_together_in_one_pass(tmp_path, capsys):
    """Cell errors in some rows must not hide consistency errors in other, well-formed rows."""
    table = _five_row_table()
    table.set(0, "students_primary", "abc")          # row 2 cell error
    table.set(1, "ownership", "私立")                 # row 3 cell error
    table.set(2, "teaching_aux_area_m2", None)       # row 4 cell error
    table.set(3, "school_id", "3601000005")          # rows 5 and 6: duplicate id (row-level)
    table.set(4, "max_class_primary", 10)            # row 6 max class below average (row-level)
    path = xlsx(tmp_path, table)
    err = read_errors(path)
    codes = {(p.row, p.code) for p in err.problems}
    expected = {(2, "not_a_number"), (3, "unknown_category"), (4, "blank"), (5, "duplicate_id"),
                (6, "duplicate_id"), (6, "max_class_below_average")}
    assert expected <= codes, describe(err.problems)


# ------------------------------------------------------------------------------------ selecting county-year
def _two_counties(tmp_path) -> Path:
    table = base_table()
    for r in base_table(county="乙县").rows:
        table.add_row(r)
    return xlsx(tmp_path, table)


def test_county_not_in_file_lists_those_present(tmp_path):
    path = _two_counties(tmp_path)
    err = read_errors(path, county="不存在县")
    hits = find(err.problems, code="county_not_found")
    assert len(hits) == 1, describe(err.problems)
    p = hits[0]
    assert "不存在县" in p.message_zh and "乙县" in p.message_zh and COUNTY in p.message_zh
    assert "not in the data" in p.message_en and p.column == "县区"
    assert Path(p.file).name == path.name, f"the problem does not name the file: {p.file!r}"


def test_year_not_in_file_lists_those_present(tmp_path):
    # a name without a year: --year selects; a named file whose year disagrees is tests/test_years_agree.py's
    path = xlsx(tmp_path, base_table(), name="schools.xlsx")
    err = read_errors(path, year=2019)
    hits = find(err.problems, code="year_not_found")
    assert len(hits) == 1, describe(err.problems)
    p = hits[0]
    assert "2019" in p.message_zh and "现有：2023" in p.message_zh and "not in the data" in p.message_en
    assert p.column == "统计年度"
    assert Path(p.file).name == path.name, f"the problem does not name the file: {p.file!r}"


def test_evaluate_cli_with_a_county_not_in_the_file(tmp_path, capsys):
    path = _two_counties(tmp_path)
    before = sha256(path)
    capsys.readouterr()
    out_json = tmp_path / "out" / "e.json"
    status = main(["evaluate", str(path), "--county", "不存在县", "--json", str(out_json),
                   "--data-dir", str(tmp_path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and "不存在县" in err and "乙县" in err and COUNTY in err
    assert not out_json.exists() and sha256(path) == before


def test_evaluate_cli_of_two_counties(tmp_path, capsys):
    """A two-county file is evaluated county by county (or narrowed with --county), never mixed together."""
    path = _two_counties(tmp_path)
    capsys.readouterr()
    out_json = tmp_path / "out" / "both.json"
    assert main(["evaluate", str(path), "--json", str(out_json), "--data-dir", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    results = json.loads(out_json.read_text(encoding="utf-8"))["results"]
    assert len(results) == 2
    assert f"{COUNTY} 2023年" in capsys.readouterr().out
    one = tmp_path / "out" / "one.json"
    assert main(["evaluate", str(path), "--county", "乙县", "--json", str(one),
                 "--data-dir", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "乙县 2023年" in out and f"{COUNTY} 2023年" not in out
    assert len(json.loads(one.read_text(encoding="utf-8"))["results"]) == 1


def test_evaluate_cli_of_a_bad_file(tmp_path, capsys):
    path = xlsx(tmp_path, base_table().set(JUNIOR, "students_junior", -900))
    capsys.readouterr()
    out_json = tmp_path / "out" / "e.json"
    status = main(["evaluate", str(path), "--json", str(out_json), "--data-dir", str(tmp_path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and "第3行" in err and "列「初中在校生数」" in err and "值「-900」" in err
    assert not out_json.exists()


def test_require_single_raises_for_several_county_years(tmp_path):
    table = base_table()
    for r in base_table(year=2024).rows + base_table(county="乙县").rows:
        table.add_row(r)
    path = xlsx(tmp_path, table, name="schools.xlsx")     # two years: a name with one year would disagree
    read = read_schools(path)
    with pytest.raises(ValidationError) as exc:
        require_single(read)
    p = exc.value.problems[0]
    assert p.code == "several_county_years"
    assert f"{COUNTY}2023年" in p.message_zh and f"{COUNTY}2024年" in p.message_zh and "乙县2023年" in p.message_zh
    assert "--county" in p.message_zh and "several counties or years" in p.message_en
    assert path.name in p.file
    # narrowed to one county-year it is fine
    assert require_single(read_schools(path, county="乙县")) == ("乙县", 2023)
    assert require_single(read_schools(path, county=COUNTY, year=2024)) == (COUNTY, 2024)


# ------------------------------------------------------------------------------------------------ warnings
@pytest.mark.parametrize("row,column,value,code,zh,en", [
    (JUNIOR, "multimedia_classrooms", 0, "zero_multimedia", "网络多媒体教室数为0", "no networked multimedia"),
    (PRIMARY, "sports_area_m2", 65000, "area_per_student_high", "生均面积超过100平方米", "more than 100 m"),
    (NINE_YEAR, "equipment_value_yuan", 120, "equipment_maybe_wan", "生均设备值不足100元", "under 100 yuan"),
], ids=["zero-multimedia", "area-per-student", "equipment-in-wan"])
def test_warning_not_error(tmp_path, capsys, row, column, value, code, zh, en):
    table = base_table().set(row, column, value)
    path = xlsx(tmp_path, table)
    before = sha256(path)
    read = read_schools(path)
    hits = find(read.warnings, code=code)
    assert len(hits) == 1, describe(read.warnings)
    w = hits[0]
    assert w.severity == "warning"
    assert (Path(w.file).name, w.sheet, w.row, w.column, w.value) == (path.name, DATA_SHEET, excel_row(row),
                                                                       ZH[column], str(value))
    assert zh in w.message_zh and en in w.message_en
    assert w.school_id == table.get(row, "school_id") and w.county == COUNTY and w.year == YEAR
    status, err = run_ingest(path, tmp_path, capsys)
    assert status == 0, err
    assert len(processed_files(tmp_path)) == 1 and sha256(path) == before
