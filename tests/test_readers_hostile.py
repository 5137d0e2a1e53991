"""Hostile files for every reader but the school table's (恶意或杂乱的输入文件): county-level tables, plans, unit
costs, statistics exports (with their campus maps and mappings), county.toml — and a county whose every school
is out of scope.

Each test builds its bad file in tmp_path and checks the ValidationError's problems (code, file, row as a text
editor or Excel shows it, header as written, value as the analyst sees it, a Chinese message and an English
gloss), and, where a command reads the file, the command line: exit status 2, stderr with the location in
both languages and no traceback, nothing written anywhere under tmp_path and every input byte unchanged.
Expected values are typed by hand.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import _exports as ex
from _badinput_helpers import COUNTY, YEAR, base_table
from _files import tree
from _problems import located
from junyun_lib.cli import main
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.io.costs import load_unit_costs
from junyun_lib.io.county_config import read_county_config
from junyun_lib.io.county_table import read_county_values
from junyun_lib.io.importer import (import_exports, load_mapping, read_campus_map, write_canonical,
                                    write_report)
from junyun_lib.io.plan_file import read_plan
from junyun_lib.io.reader import read_schools
from junyun_lib.problems import ValidationError
from junyun_lib.report.jsonview import evaluation_json
from junyun_lib.report.text import summary_text
from junyun_lib.rules import CountyConfig

SLUG = "ceshixian"                                  # the test county's folder; its county.toml names 测试县
CT_HEADER = "指标代码,指标名称,数值,单位,来源,说明"
PLAN_HEADER = "item_no,item,category,year,target,direction,unit,metric,stage,stated,source,note"
GOOD_PLAN_ROW = "1,骨干教师达标,资源配置,2023,65,>=,%,indicator_share:key_teachers,all,yes,测试,"
COSTS_HEADER = "indicator,unit_zh,cost_wan_per_unit,basis_zh,basis_en"
HYPERLINK = '=HYPERLINK("http://x?d="&B2,"x")'


# ------------------------------------------------------------------------------------------------- helpers
def county_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "raw" / SLUG
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "county.toml").write_text(f'name = "{COUNTY}"\nslug = "{SLUG}"\n', encoding="utf-8")
    return folder


def dirs(tmp_path: Path) -> list[str]:
    return ["--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "out")]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def errors(call) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call()
    return info.value


def by_row(problems) -> dict:
    return {p.row: p for p in problems}


def bilingual(p) -> None:
    assert p.severity == "error"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in p.message_zh), p.message_zh
    assert sum(ch.isascii() and ch.isalpha() for ch in p.message_en) >= 5, p.message_en


def cli_rejects(tmp_path: Path, argv: list[str], capsys, *, file: str, row: int | None = None, column: str = "",
                value: str = "", zh: str = "", en: str = "") -> str:
    """The command exits 2 and says where, in Chinese and English, with no traceback; nothing is written and
    every input is unchanged.  Returns stderr."""
    before = tree(tmp_path)
    capsys.readouterr()
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 2, err + out
    assert "Traceback" not in err + out
    assert file in err, err
    if row is not None:
        assert f"第{row}行" in err, err
    if column:
        assert f"列「{column}」" in err, err
    if value:
        assert f"值「{value}」" in err, err
    assert zh in err and en.lower() in err.lower(), err
    assert "输入数据有" in err and "nothing written" in err, err           # the head, in both languages
    assert tree(tmp_path) == before, "a file was written or an input changed"
    return err


def plan_argv(tmp_path: Path) -> list[str]:
    return ["plan", COUNTY, "--json", str(tmp_path / "out" / "plan.json"), *dirs(tmp_path)]


# ================================================================================= 1. county-level tables
def test_county_table_gbk_and_utf16_csv_are_read(tmp_path):
    rows = ["junior_retention,初中三年巩固率,96.5,%,县教育局统计科,",
            "layout_reasonable,学校布局合理,是,是否,规划股,",
            "monitoring_level,质量监测等级,Ⅱ级,级,监测中心,",
            "special_school_funding_yuan,特教生均经费,\"6,000\",元,财务股,千位分隔"]
    for encoding in ("gbk", "utf-16"):
        path = write(tmp_path / encoding / "county_indicators_2023.csv", "\n".join([CT_HEADER, *rows]) + "\n",
                     encoding)
        cv = read_county_values(path, county=COUNTY)
        assert cv.get("junior_retention") == 96.5
        assert cv.get("layout_reasonable") == 1.0                      # 是 = 1
        assert cv.get("monitoring_level") == 2.0                       # Ⅱ级 = 2
        assert cv.get("special_school_funding_yuan") == 6000.0         # an unambiguous thousands separator
        assert cv.table["source"].iloc[0] == "县教育局统计科"


def test_county_table_yes_no_and_levels_still_work(tmp_path):
    path = write(tmp_path / "county_indicators_2024.csv", "\n".join([
        CT_HEADER,
        "layout_reasonable,,是,是否,x,", "four_unified_met,,否,是否,x,", "teacher_pay_met,,yes,是否,x,",
        "staffing_allocated,,无,是否,x,", "monitoring_level,,Ⅳ,级,x,"]) + "\n")
    cv = read_county_values(path)
    assert {c: cv.get(c) for c in ("layout_reasonable", "four_unified_met", "teacher_pay_met", "staffing_allocated",
                                   "monitoring_level")} == {
        "layout_reasonable": 1.0, "four_unified_met": 0.0, "teacher_pay_met": 1.0, "staffing_allocated": 0.0,
        "monitoring_level": 4.0}
    path = write(tmp_path / "county_indicators_2023.csv", "\n".join([
        CT_HEADER, "layout_reasonable,,也许,是否,x,", "monitoring_level,,Ⅴ级,级,x,", "ict_fluent,,2,是否,x,"]) + "\n")
    exc = errors(lambda: read_county_values(path))
    assert located(exc.problems) == {("not_a_number", 2, "数值", "也许"), ("not_a_number", 3, "数值", "Ⅴ级"),
                                     ("not_a_number", 4, "数值", "2")}
    rows = by_row(exc.problems)
    assert "是或否" in rows[2].message_zh and "yes/no" in rows[2].message_en
    assert "Ⅰ/Ⅱ/Ⅲ/Ⅳ" in rows[3].message_zh


def test_county_table_numbers_follow_the_cell_rules(tmp_path, capsys):
    """3000,5 was read as 30005 (commas stripped blindly); NaN, inf and 1e999 were not all refused; a line with
    a comma too many shifted its values.  Now each is an error, all in one pass."""
    folder = county_folder(tmp_path)
    write(folder / "plan.csv", f"{PLAN_HEADER}\n{GOOD_PLAN_ROW}\n")
    path = write(folder / "county_indicators_2023.csv", "\n".join([
        CT_HEADER,
        'special_school_funding_yuan,,"3000,5",元,财务股,',       # 2 ambiguous comma (30005 is in range!)
        "junior_retention,,NaN,%,教育局,",                        # 3 a null marker
        "disabled_enrolment,,inf,%,残联,",                        # 4 not a number
        "teacher_certification,,1e999,%,人事股,",                  # 5 overflows to infinity
        "teacher_training,,96,5,%,人事股,",                        # 6 a comma too many: 7 cells for 6
        "staffing,,100,%",                                       # 7 too few cells
        "",                                                      # 8 blank line: kept in the numbering
        "ict_use,,95.5,%,电教站,"]) + "\n")                         # 9 fine
    before = path.read_bytes()
    exc = errors(lambda: read_county_values(path, county=COUNTY))
    assert located(exc.problems) == {
        ("ambiguous_comma", 2, "数值", "3000,5"),
        ("null_token", 3, "数值", "NaN"),
        ("not_a_number", 4, "数值", "inf"),
        ("non_finite", 5, "数值", "1e999"),
        ("ragged_row", 6, "", "teacher_training,,96,5,%,人事股,"),
        ("ragged_row", 7, "", "staffing,,100,%"),
    }
    rows = by_row(exc.problems)
    for p in exc.problems:
        bilingual(p)
        assert p.file == str(path) and p.year == 2023 and p.county == COUNTY and p.sheet == ""
    assert "逗号" in rows[2].message_zh and "ambiguous comma" in rows[2].message_en
    assert "空值标记" in rows[3].message_zh and "留空" in rows[3].message_zh and "null marker" in rows[3].message_en
    assert "数字" in rows[4].message_zh and "number" in rows[4].message_en
    assert "无穷大" in rows[5].message_zh and "infinite" in rows[5].message_en
    assert "7 个单元格" in rows[6].message_zh and "6" in rows[6].message_zh and "7 cells" in rows[6].message_en
    assert "4 个单元格" in rows[7].message_zh and "4 cells" in rows[7].message_en
    assert path.read_bytes() == before
    cli_rejects(tmp_path, plan_argv(tmp_path), capsys, file="county_indicators_2023.csv", row=2, column="数值",
                value="3000,5", zh="逗号用法有歧义", en="ambiguous comma")


@pytest.mark.parametrize("damage", ["not-a-zip", "broken-sheet", "truncated"])
def test_county_table_corrupt_xlsx(tmp_path, capsys, damage):
    folder = county_folder(tmp_path)
    write(folder / "plan.csv", f"{PLAN_HEADER}\n{GOOD_PLAN_ROW}\n")
    path = folder / "county_indicators_2023.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["指标代码", "数值", "单位"])
    book.active.append(["junior_retention", 96, "%"])
    buffer = io.BytesIO()
    book.save(buffer)
    good = buffer.getvalue()
    if damage == "not-a-zip":
        path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    elif damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    else:                                              # a valid zip whose sheet is not XML
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                broken = info.filename == "xl/worksheets/sheet1.xml"
                dst.writestr(info, b"<worksheet><sheetData><row" if broken else src.read(info.filename))
        path.write_bytes(out.getvalue())
    (p,) = errors(lambda: read_county_values(path)).problems
    assert (p.code, p.file, p.row) == ("unreadable", str(path), None)
    assert "无法作为 Excel 工作簿读取" in p.message_zh and "cannot read the file as an Excel workbook" in p.message_en
    bilingual(p)
    cli_rejects(tmp_path, plan_argv(tmp_path), capsys, file="county_indicators_2023.xlsx",
                zh="无法作为 Excel 工作簿读取", en="cannot read the file as an Excel workbook")


def test_county_table_xlsx_formula_boolean_date_and_cells_beyond_the_header(tmp_path, capsys):
    folder = county_folder(tmp_path)
    write(folder / "plan.csv", f"{PLAN_HEADER}\n{GOOD_PLAN_ROW}\n")
    path = folder / "county_indicators_2023.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "县级指标"
    ws.append(["指标代码", "数值", "单位"])
    ws.append(["junior_retention", "=95+1", "%"])        # 2 a formula never calculated (written by a program)
    ws.append(["teacher_certification", True, "%"])      # 3 a boolean in a % item
    ws.append(["teacher_training", dt.date(2023, 9, 1), "%"])   # 4 a date
    ws.append(["staffing", 100, "%", "备注"])              # 5 a cell right of the last header
    ws.append(["layout_reasonable", True, "是否"])         # 6 TRUE for a yes/no item: fine (= 1)
    ws.append(["ict_use", 0.955, "%"])                   # 7 0.955 shown as 95.5%: fine
    ws["B7"].number_format = "0.0%"
    book.save(path)
    exc = errors(lambda: read_county_values(path))
    assert located(exc.problems) == {
        ("uncalculated_formula", 2, "数值", "=95+1"),
        ("boolean", 3, "数值", "TRUE"),
        ("date", 4, "数值", "2023-09-01 00:00:00"),
        ("ragged_row", 5, "", "备注"),
    }
    assert all(p.sheet == "县级指标" for p in exc.problems)
    rows = by_row(exc.problems)
    assert "公式没有计算结果" in rows[2].message_zh and "formula with no calculated value" in rows[2].message_en
    assert "表头右侧" in rows[5].message_zh and "no header" in rows[5].message_en
    for p in exc.problems:
        bilingual(p)
    cli_rejects(tmp_path, plan_argv(tmp_path), capsys, file="county_indicators_2023.xlsx", row=2, column="数值",
                value="=95+1", zh="公式没有计算结果", en="formula with no calculated value")
    # the two fine rows alone are read as the analyst sees them
    for r in (5, 4, 3, 2):
        ws.delete_rows(r)
    book.save(path)
    cv = read_county_values(path)
    assert cv.get("layout_reasonable") == 1.0
    assert cv.get("ict_use") == pytest.approx(95.5)


def test_county_table_full_width_digits_read_with_a_warning(tmp_path):
    path = write(tmp_path / "county_indicators_2023.csv", f"{CT_HEADER}\njunior_retention,,９６．５,%,x,\n")
    cv = read_county_values(path)
    assert cv.get("junior_retention") == 96.5
    (w,) = cv.warnings
    assert (w.severity, w.code, w.row, w.column, w.value) == ("warning", "full_width", 2, "数值", "９６．５")


def test_county_table_not_text_and_missing(tmp_path):
    path = tmp_path / "county_indicators_2023.csv"
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    path.write_bytes(buffer.getvalue())                  # an Excel file renamed .csv
    (p,) = errors(lambda: read_county_values(path)).problems
    assert (p.code, p.file) == ("not_text", str(path)) and "不是文本文件" in p.message_zh
    (p,) = errors(lambda: read_county_values(tmp_path / "county_indicators_2024.csv")).problems
    assert p.code == "not_found" and "不存在" in p.message_zh and "not found" in p.message_en


# =========================================================================================== 2. plans
def test_plan_gbk_is_read(tmp_path):
    path = write(tmp_path / SLUG / "plan.csv", "\n".join([
        PLAN_HEADER, GOOD_PLAN_ROW,
        "2,综合差异系数,资源配置,2023,0.45,<=,系数,composite_cv,primary,yes,进府办发〔2021〕61号 二(二),说明"]) + "\n",
        "gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    plan = read_plan(path, county=COUNTY)
    assert list(plan.rows["item"]) == ["骨干教师达标", "综合差异系数"]
    assert list(plan.rows["target"]) == [65.0, 0.45]
    assert plan.rows["source"].iloc[1] == "进府办发〔2021〕61号 二(二)"


def test_plan_targets_follow_the_cell_rules_and_unit_ranges(tmp_path, capsys):
    folder = county_folder(tmp_path)
    path = write(folder / "plan.csv", "\n".join([
        PLAN_HEADER,
        "1,x,c,2021,1e999,>=,%,indicator_share:key_teachers,all,yes,src,",        # 2 overflows
        "1,x,c,2022,inf,>=,%,indicator_share:key_teachers,all,yes,src,",          # 3 not a number
        "1,x,c,2023,nan,>=,%,indicator_share:key_teachers,all,yes,src,",          # 4 a null marker
        "1,x,c,2024,150,>=,%,indicator_share:key_teachers,all,yes,src,",          # 5 over 100 %
        "1,x,c,2025,-0.5,>=,%,indicator_share:key_teachers,all,yes,src,",         # 6 under 0 %
        "2,y,c,2021,5.5,<=,系数,max_cv,primary,yes,src,",                          # 7 over 5
        "2,y,c,2022,\"0,45\",<=,系数,max_cv,primary,yes,src,",                       # 8 decimal comma
        "2,y,c,2023,0.45,<=,系数,max_cv,primary,yes,src,说明,多一格",                 # 9 a cell too many
        "",                                                                      # 10 blank: counted
        "1,x,c,2026,100,>=,%,indicator_share:key_teachers,all,yes,src,",          # 11 100 %: fine
        "2,y,c,2024,5,<=,系数,max_cv,primary,yes,src,",                             # 12 5: fine
        "2,y,c,2025,0,<=,系数,max_cv,primary,yes,src,"]) + "\n", "gbk")             # 13 0: fine
    exc = errors(lambda: read_plan(path, county=COUNTY))
    assert located(exc.problems) == {
        ("non_finite", 2, "target", "1e999"),
        ("not_a_number", 3, "target", "inf"),
        ("null_token", 4, "target", "nan"),
        ("out_of_range", 5, "target", "150"),
        ("out_of_range", 6, "target", "-0.5"),
        ("out_of_range", 7, "target", "5.5"),
        ("ambiguous_comma", 8, "target", "0,45"),
        ("ragged_row", 9, "", "2,y,c,2023,0.45,<=,系数,max_cv,primary,yes,src,说明,多一格"),
    }
    rows = by_row(exc.problems)
    for p in exc.problems:
        bilingual(p)
        assert p.file == str(path) and p.county == COUNTY
    assert "0–100" in rows[5].message_zh and "0–100" in rows[5].message_en and "%" in rows[5].message_en
    assert "0–5" in rows[7].message_zh and "系数" in rows[7].message_zh and "0–5" in rows[7].message_en
    assert "无穷大" in rows[2].message_zh and "infinite" in rows[2].message_en
    assert "13 个单元格" in rows[9].message_zh and "12" in rows[9].message_en
    cli_rejects(tmp_path, plan_argv(tmp_path), capsys, file="plan.csv", row=5, column="target", value="150",
                zh="目标应在 0–100 之间", en="within 0–100")


def test_plan_unbalanced_quote_is_located_where_it_opens(tmp_path, capsys):
    folder = county_folder(tmp_path)
    write(folder / "plan.csv", "\n".join([
        PLAN_HEADER, GOOD_PLAN_ROW,
        '1,"骨干教师,资源配置,2024,70,>=,%,indicator_share:key_teachers,all,yes,测试,',     # line 3 opens a quote
        "1,骨干教师,资源配置,2025,75,>=,%,indicator_share:key_teachers,all,yes,测试,"]) + "\n")
    (p,) = errors(lambda: read_plan(folder / "plan.csv")).problems
    assert (p.code, p.row, p.file) == ("bad_quote", 3, str(folder / "plan.csv"))
    assert "引号" in p.message_zh and "quote" in p.message_en
    cli_rejects(tmp_path, plan_argv(tmp_path), capsys, file="plan.csv", row=3, zh="引号没有闭合", en="quote")


def test_plan_gbk_bad_target_through_the_cli(tmp_path, capsys):
    folder = county_folder(tmp_path)
    write(folder / "plan.csv", "\n".join([
        PLAN_HEADER, GOOD_PLAN_ROW,
        "1,骨干教师达标,资源配置,2024,很多,>=,%,indicator_share:key_teachers,all,yes,测试,"]) + "\n", "gbk")
    cli_rejects(tmp_path, plan_argv(tmp_path), capsys, file="plan.csv", row=3, column="target", value="很多",
                zh="目标不是数字", en="not a number")


# ====================================================================================== 3. unit costs
def test_costs_gbk_accepted_and_every_standard_code_known(tmp_path):
    path = write(tmp_path / "costs.csv", "\n".join([
        COSTS_HEADER,
        "key_teachers,人,2.5,按本县骨干教师培养经费估算,local estimate",
        "computers,台,0.45,按每台4500元估算,4500 yuan each",                # a basic-2012 indicator
        'equipment_value,元,0.0001,"1元 = 0.0001万元",at value']) + "\n", "gbk")
    costs = load_unit_costs(path)
    assert dict(zip(costs["indicator"], costs["cost_wan_per_unit"])) == {
        "key_teachers": 2.5, "computers": 0.45, "equipment_value": 0.0001}
    assert costs["basis_zh"].iloc[0] == "按本县骨干教师培养经费估算"


def test_costs_bad_rows_all_located(tmp_path, capsys):
    folder = county_folder(tmp_path)
    school = base_table().to_xlsx(folder / f"schools_{YEAR}.xlsx")
    path = write(folder / "costs.csv", "\n".join([
        COSTS_HEADER,
        "key_teachers,人,inf,示例,example",                   # 2 not a number
        "pe_art_teachers,人,1e999,示例,example",               # 3 overflows
        "sports_area,平方米,-1,示例,example",                   # 4 negative
        "key_teacher,人,2,示例,example",                       # 5 unknown (near miss)
        "teaching_aux_area,平方米,0,3,示例,example",             # 6 unquoted decimal comma: a cell too many
        "multimedia_classrooms,间,#N/A,示例,example",          # 7 a null marker
        "teachers_above_degree,人,,示例,example",              # 8 blank
        "key_teachers,人,3,示例,example",                      # 9 duplicate of row 2
        "equipment_value,元,0.0001,示例,example"]) + "\n")      # 10 fine
    exc = errors(lambda: load_unit_costs(path))
    assert located(exc.problems) == {
        ("not_a_number", 2, "cost_wan_per_unit", "inf"),
        ("non_finite", 3, "cost_wan_per_unit", "1e999"),
        ("negative", 4, "cost_wan_per_unit", "-1"),
        ("unknown_indicator", 5, "indicator", "key_teacher"),
        ("ragged_row", 6, "", "teaching_aux_area,平方米,0,3,示例,example"),
        ("null_token", 7, "cost_wan_per_unit", "#N/A"),
        ("blank", 8, "cost_wan_per_unit", ""),
        ("duplicate_indicator", 9, "indicator", "key_teachers"),
    }
    rows = by_row(exc.problems)
    for p in exc.problems:
        bilingual(p)
        assert p.file == str(path)
    assert "是否为「key_teachers」" in rows[5].message_zh and "did you mean 'key_teachers'" in rows[5].message_en
    assert "负数" in rows[4].message_zh and "negative" in rows[4].message_en
    assert "第2行" in rows[9].message_zh and "row 2" in rows[9].message_en
    argv = ["evaluate", str(school), "--costs", str(path), "--json", str(tmp_path / "out" / "r.json"), *dirs(tmp_path)]
    cli_rejects(tmp_path, argv, capsys, file="costs.csv", row=4, column="cost_wan_per_unit", value="-1",
                zh="单位成本不能为负数", en="cannot be negative")


def test_costs_missing_file(tmp_path, capsys):
    folder = county_folder(tmp_path)
    school = base_table().to_xlsx(folder / f"schools_{YEAR}.xlsx")
    (p,) = errors(lambda: load_unit_costs(folder / "no-such-costs.csv")).problems
    assert (p.code, p.file) == ("not_found", str(folder / "no-such-costs.csv"))
    bilingual(p)
    argv = ["evaluate", str(school), "--costs", str(folder / "no-such-costs.csv"), *dirs(tmp_path)]
    cli_rejects(tmp_path, argv, capsys, file="no-such-costs.csv", zh="不存在", en="not found")


# =================================================================================== 4. statistics exports
def export_folder(tmp_path: Path) -> tuple[Path, list[Path]]:
    """The 2021-layout stage files (小学, 初中, 高中) and, next to them, the supplementary table."""
    folder = county_folder(tmp_path)
    files, _ = ex.import_files(folder / "exports", ex.LAYOUT_2021)
    return folder, files


def supplement_of(files) -> Path:
    return Path(files[0]).parent / "补充数据.csv"


def import_argv(tmp_path: Path, files, *extra: str) -> list[str]:
    out = tmp_path / "data" / "raw" / SLUG / "schools_2023.xlsx"
    return ["import", *map(str, files), "--supplement", str(supplement_of(files)), "--year", str(ex.YEAR),
            "--county", ex.COUNTY, "--out", str(out), "--data-dir", str(tmp_path / "data"),
            "--outputs-dir", str(tmp_path / "out"), *extra]


def import_all(files):
    return import_exports(files, ex.YEAR, ex.COUNTY, supplement=supplement_of(files))


def test_import_missing_truncated_and_non_xlsx_exports(tmp_path, capsys):
    folder, files = export_folder(tmp_path)
    truncated = folder / "exports" / "truncated.xlsx"
    truncated.write_bytes(files[1].read_bytes()[:300])
    csv_named_xlsx = folder / "exports" / "csv.xlsx"
    csv_named_xlsx.write_text("学校名称,学校标识码\n甲,1\n", encoding="utf-8")
    missing = folder / "exports" / "no-such-export.xlsx"
    exc = errors(lambda: import_exports([files[0], missing, truncated, csv_named_xlsx], ex.YEAR, ex.COUNTY))
    assert {(p.code, Path(p.file).name) for p in exc.problems} == {
        ("not_found", "no-such-export.xlsx"), ("unreadable", "truncated.xlsx"), ("unreadable", "csv.xlsx")}
    for p in exc.problems:
        bilingual(p)
    unreadable = next(p for p in exc.problems if p.code == "unreadable")
    assert "无法作为 Excel 工作簿读取" in unreadable.message_zh and "Excel workbook" in unreadable.message_en
    cli_rejects(tmp_path, import_argv(tmp_path, [files[0], truncated]), capsys, file="truncated.xlsx",
                zh="无法作为 Excel 工作簿读取", en="cannot read the file as an Excel workbook")
    cli_rejects(tmp_path, import_argv(tmp_path, [files[0], csv_named_xlsx]), capsys, file="csv.xlsx",
                zh="无法作为 Excel 工作簿读取", en="not an .xlsx file")
    cli_rejects(tmp_path, import_argv(tmp_path, [files[0], missing]), capsys, file="no-such-export.xlsx",
                zh="不存在", en="not found")


def _column_of(ws, *texts) -> int:
    """The column whose header cells (rows 2–5, merged cells read at their top-left) hold ``texts``."""
    for c in range(1, ws.max_column + 1):
        path = []
        for r in range(2, 6):
            for rng in ws.merged_cells.ranges:
                if rng.min_row <= r <= rng.max_row and rng.min_col <= c <= rng.max_col:
                    value = ws.cell(rng.min_row, rng.min_col).value
                    break
            else:
                value = ws.cell(r, c).value
            if value is not None and (not path or path[-1] != value):
                path.append(value)
        if tuple(path) == texts:
            return c
    raise KeyError(texts)


def _row_of(ws, school_id: str) -> int:
    col = _column_of(ws, "机构编码")
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, col).value == school_id)


def edit_export(path: Path, edits: dict) -> None:
    """``{(school id, header path): value}`` written into an export; text stays text (never a formula) unless it
    is given as ("formula", text)."""
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    for (school_id, header), value in edits.items():
        cell = ws.cell(_row_of(ws, school_id), _column_of(ws, *header))
        if isinstance(value, tuple):
            cell.value = value[1]                       # a formula (no cached value: written by a program)
        else:
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
    book.save(path)


def test_import_numbers_follow_the_cell_rules_but_blank_is_zero(tmp_path, capsys):
    folder, files = export_folder(tmp_path)
    primary = files[0]
    row = {school: _row_of(openpyxl.load_workbook(primary).worksheets[0], school)
           for school in (ex.RURAL_ID, ex.PRIVATE_ID)}
    edit_export(primary, {
        (ex.RURAL_ID, ("在校生数", "合计")): "#N/A",
        (ex.RURAL_ID, ("教学班数", "合计")): "3000,5",
        (ex.RURAL_ID, ("专任教师", "#按学历分", "本科")): "inf",
        (ex.PRIVATE_ID, ("占地面积及其他办学条件", "网络多媒体教室（间）")): ("formula", "=10+4"),
        (ex.PRIVATE_ID, ("在校生数", "#随迁子女")): "1,234",        # a thousands separator: accepted
    })
    before = primary.read_bytes()
    exc = errors(lambda: import_all(files))
    assert located(exc.problems) == {
        ("null_token", row[ex.RURAL_ID], "在校生数 › 合计", "#N/A"),
        ("ambiguous_comma", row[ex.RURAL_ID], "教学班数 › 合计", "3000,5"),
        ("not_a_number", row[ex.RURAL_ID], "专任教师 › #按学历分 › 本科", "inf"),
        ("uncalculated_formula", row[ex.PRIVATE_ID], "占地面积及其他办学条件 › 网络多媒体教室（间）", "=10+4"),
    }
    for p in exc.problems:
        bilingual(p)
        assert p.file == str(primary) and p.sheet == "小学基层数据"
    assert primary.read_bytes() == before
    cli_rejects(tmp_path, import_argv(tmp_path, files), capsys, file=primary.name,
                row=row[ex.RURAL_ID], column="教学班数 › 合计", value="3000,5", zh="逗号用法有歧义", en="ambiguous comma")


def test_import_blank_statistics_cell_stays_zero(tmp_path):
    _, files = export_folder(tmp_path)
    edit_export(files[0], {(ex.RURAL_ID, ("在校生数", "#随迁子女")): None,
                           (ex.PRIVATE_ID, ("在校生数", "#随迁子女")): "1,234"})
    table = import_all(files).table.set_index("school_id")
    assert table.loc[ex.RURAL_ID, "migrant_students"] == 0          # was 12; blank = 0 by the export's convention
    assert table.loc[ex.PRIVATE_ID, "migrant_students"] == 1234     # was 260


def test_campus_map_problems(tmp_path, capsys):
    _, files = export_folder(tmp_path)
    campus = files[0].parent / "campus.csv"
    argv = import_argv(tmp_path, files, "--merge-campuses", "--campus-map", str(campus))
    # missing
    (p,) = errors(lambda: read_campus_map(campus)).problems
    assert (p.code, p.file) == ("not_found", str(campus)) and "不存在" in p.message_zh
    cli_rejects(tmp_path, argv, capsys, file="campus.csv", zh="不存在", en="not found")
    # one column
    write(campus, f"校区标识码\n{ex.CAMPUS_ID}\n")
    (p,) = errors(lambda: read_campus_map(campus)).problems
    assert (p.code, p.row, p.value) == ("missing_column", 1, "校区标识码")
    assert "两列" in p.message_zh and "two columns" in p.message_en
    cli_rejects(tmp_path, argv, capsys, file="campus.csv", row=1, zh="两列", en="two columns")
    # blank ids, a short line, two parents
    write(campus, "\n".join(["校区标识码,所属学校标识码", f",{ex.PARENT_ID}", f"{ex.CAMPUS_ID},", "", f"{ex.CAMPUS_ID}",
                             f"{ex.CAMPUS_ID},{ex.PARENT_ID}", f"{ex.CAMPUS_ID},{ex.RURAL_ID}"]) + "\n")
    exc = errors(lambda: read_campus_map(campus))
    assert located(exc.problems) == {("blank", 2, "校区标识码", ""), ("blank", 3, "所属学校标识码", ""),
                                     ("ragged_row", 5, "", ex.CAMPUS_ID),
                                     ("duplicate", 7, "校区标识码", ex.CAMPUS_ID)}
    for p in exc.problems:
        bilingual(p)
    cli_rejects(tmp_path, argv, capsys, file="campus.csv", row=2, column="校区标识码", zh="标识码为空", en="blank")


def test_campus_map_gbk_is_read_and_used(tmp_path):
    _, files = export_folder(tmp_path)
    campus = write(files[0].parent / "campus.csv", f"校区标识码,所属学校标识码\n{ex.CAMPUS_ID},{ex.RURAL_ID}\n", "gbk")
    with pytest.raises(UnicodeDecodeError):
        campus.read_bytes().decode("utf-8")
    assert read_campus_map(campus) == {ex.CAMPUS_ID: ex.RURAL_ID}


def test_mapping_toml_syntax_error_and_missing_tables(tmp_path, capsys):
    _, files = export_folder(tmp_path)
    mine = files[0].parent / "mine.toml"
    argv = import_argv(tmp_path, files, "--mapping", str(mine))
    write(mine, 'name = "mine"\nversion = "1"\nstages = { primary = ["小学" }\n')
    (p,) = errors(lambda: load_mapping(mine)).problems
    assert (p.code, p.file, p.row) == ("toml_syntax", str(mine), 3)
    assert "TOML" in p.message_zh and "not valid TOML" in p.message_en
    cli_rejects(tmp_path, argv, capsys, file="mine.toml", row=3, zh="映射文件格式错误", en="not valid TOML")

    write(mine, 'name = "mine"\nversion = "1"\n[stages]\nprimary = ["小学"]\n[codes]\n[flags]\nyes = ["是"]\nno = ["否"]\n')
    exc = errors(lambda: load_mapping(mine))
    assert {(p.code, p.column) for p in exc.problems} == {
        ("missing_key", key) for key in ("identity", "variables", "section", "facility")}
    for p in exc.problems:
        bilingual(p)
        assert p.file == str(mine) and f"「{p.column}」" in p.message_zh and repr(p.column) in p.message_en
    cli_rejects(tmp_path, argv, capsys, file="mine.toml", column="identity", zh="映射文件缺少「identity」",
                en="lacks 'identity'")

    # a copy of the bundled mapping with a formula naming a variable it does not define
    from junyun_lib.rules import rule_files
    text = rule_files.text("imports/stats-2021.toml").replace('sports_area_m2 = "sports_ground + indoor_sports"',
                                                          'sports_area_m2 = "sports_grund + indoor_sports"')
    write(mine, text)
    line = text[:text.index("sports_grund")].count("\n") + 1
    (p,) = errors(lambda: load_mapping(mine)).problems
    assert (p.column, p.value) == ("facility.sports_area_m2", "sports_grund + indoor_sports")
    assert "sports_grund" in p.message_zh and "sports_grund" in p.message_en and p.row == line


def test_import_writes_hostile_names_as_text(tmp_path):
    _, files = export_folder(tmp_path)
    for path in files[:2]:                               # the nine-year school is in both files
        edit_export(path, {(ex.NINE_YEAR_ID, ("机构名称",)): HYPERLINK})
    result = import_all(files)
    assert result.table.set_index("school_id").loc[ex.NINE_YEAR_ID, "school_name"] == HYPERLINK
    out = tmp_path / "out"
    canonical = write_canonical(result, out / "schools.xlsx")
    report = write_report(result, out / "report.xlsx")
    for path in (canonical, report):
        cells = [c for ws in openpyxl.load_workbook(path).worksheets for row in ws.iter_rows() for c in row]
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        assert any(c.value == HYPERLINK for c in cells)   # the name itself (the report: in 合并记录)
    back = read_schools(canonical).frame.set_index("school_id")
    assert back.loc[ex.NINE_YEAR_ID, "school_name"] == HYPERLINK


# ======================================================================================== 5. county.toml
@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8-sig"])
def test_county_toml_in_other_encodings(tmp_path, encoding):
    path = write(tmp_path / "data" / "raw" / "jinxian" / "county.toml",
                 'name = "进贤县"\nslug = "jinxian"\nprovince = "江西省"\n', encoding)
    cfg = read_county_config(path)
    assert (cfg.name, cfg.slug, cfg.province, cfg.source) == ("进贤县", "jinxian", "江西省", str(path))


@pytest.mark.parametrize("content, code, zh, en", [
    (b"PK\x03\x04\x14\x00\x00\x00binary", "not_text", "不是文本文件", "not a text file"),
    (b'name = "\xff\xfe\x81"\n', "encoding", "编码", "cannot decode"),
    ('name = "测试县"\nslug = \n'.encode(), "toml_syntax", "TOML", "not valid TOML"),
], ids=["binary", "undecodable", "toml-syntax"])
def test_county_toml_unreadable(tmp_path, capsys, content, code, zh, en):
    folder = county_folder(tmp_path)
    (folder / "county.toml").write_bytes(content)
    school = base_table().to_xlsx(folder / f"schools_{YEAR}.xlsx")
    (p,) = errors(lambda: read_county_config(folder / "county.toml")).problems
    assert (p.code, p.file) == (code, str(folder / "county.toml"))
    assert zh in p.message_zh and en in p.message_en
    bilingual(p)
    cli_rejects(tmp_path, ["ingest", str(school), *dirs(tmp_path)], capsys, file="county.toml", zh=zh, en=en)
    cli_rejects(tmp_path, ["plan", SLUG, *dirs(tmp_path)], capsys, file="county.toml", zh=zh, en=en)


# ================================================================== 6. a county with no school in scope
def _special_only(county: str = COUNTY) -> pd.DataFrame:
    table = base_table(county=county)
    for i in range(4):
        table.set(i, "school_type", "特殊教育学校")
    return pd.DataFrame(table.rows, columns=table.headers)


def _teaching_points_only(county: str = COUNTY) -> pd.DataFrame:
    table = base_table(county=county)
    row = table.rows[0]                                     # the 小学, made into small teaching points
    table.rows = []
    for i, students in enumerate((12, 30, 49)):
        r = list(row)
        table.rows.append(r)
        table.set(i, "school_id", f"36010001{i:02d}").set(i, "school_name", f"示例教学点{i}")
        table.set(i, "school_type", "教学点").set(i, "students_primary", students).set(i, "classes_primary", 1)
        table.set(i, "max_class_primary", students).set(i, "teachers_primary", 2)
        for col in ("teachers_above_degree_primary", "mid_title_teachers_primary"):
            table.set(i, col, 1)
        for col in ("key_teachers_primary", "pe_art_teachers_primary", "migrant_students"):
            table.set(i, col, 0)
    return pd.DataFrame(table.rows, columns=table.headers)


def _assert_nothing_in_scope(result, n_excluded: int, reason: str):
    stages = result.stages.set_index("stage")
    assert list(stages.index) == ["primary", "junior"]
    assert stages["schools_in_scope"].tolist() == [0, 0] and stages["students"].tolist() == [0, 0]
    assert stages["composite_cv"].isna().all()
    assert stages["passes"].isna().all()                    # no verdict: nothing to judge
    assert len(result.indicators) == 0 and len(result.parts) == 0 and len(result.gaps) == 0
    assert len(result.excluded) == n_excluded
    assert result.excluded["reason"].str.contains(reason).all()


@pytest.mark.parametrize("standard", ["quality-2017", "basic-2012"])
def test_every_school_special_education(standard):
    evaluation = evaluate(_special_only(), standard)
    result = evaluation.county(COUNTY, YEAR)
    _assert_nothing_in_scope(result, 4, "特殊教育学校")
    assert sorted(result.excluded["school_id"]) == ["3601000001", "3601000002", "3601000003", "3601000004"]
    text = summary_text(result)
    assert text.count("无纳入评估的学校") == 2 and "排除在资源配置评估之外：4 项" in text
    (doc,) = json.loads(json.dumps(evaluation_json(evaluation)))["results"]
    assert doc["stages"]["primary"]["schools_in_scope"] == 0 and doc["stages"]["junior"]["passes"] is None
    assert doc["stages"]["primary"]["composite_cv"] is None and doc["stages"]["primary"]["indicators"] == {}
    assert len(doc["excluded"]) == 4 and doc["schools"] == []


def test_every_school_a_teaching_point_under_50():
    result = evaluate(_teaching_points_only()).county(COUNTY, YEAR)
    _assert_nothing_in_scope(result, 3, "不足50人")
    assert sorted(result.excluded["students"].tolist()) == [12, 30, 49]


@pytest.mark.parametrize("own_standard", [False, True], ids=["same-standard", "stricter-county"])
def test_one_county_of_several_with_no_school_in_scope(own_standard):
    other = "对照县"
    frame = pd.concat([_special_only(), pd.DataFrame(base_table(county=other).rows,
                                                     columns=base_table().headers)], ignore_index=True)
    counties = None
    if own_standard:                                       # a different effective standard: evaluated apart
        counties = {COUNTY: CountyConfig(name=COUNTY, slug=SLUG, source="county.toml", overrides={
            "quality-2017": {"cv_limit": {"comparison": "<", "source": "test"}}})}
    evaluation = evaluate(frame, counties=counties)
    assert sorted(evaluation.county_years()) == sorted([(COUNTY, YEAR), (other, YEAR)])
    _assert_nothing_in_scope(evaluation.county(COUNTY, YEAR), 4, "特殊教育学校")
    alone = evaluate(pd.DataFrame(base_table(county=other).rows, columns=base_table().headers)).county(other, YEAR)
    mixed = evaluation.county(other, YEAR)
    for name in ("stages", "indicators", "gaps"):         # county is categorical: its categories differ
        pd.testing.assert_frame_equal(getattr(mixed, name).astype({"county": str}),
                                      getattr(alone, name).astype({"county": str}))
    assert mixed.stages["schools_in_scope"].tolist() == [2, 3]     # 小学, 一贯制 / 初中, 一贯制, 完全中学
    summary_text(evaluation.county(COUNTY, YEAR))
    docs = {d["county"]: d for d in json.loads(json.dumps(evaluation_json(evaluation)))["results"]}
    assert docs[COUNTY]["stages"]["primary"]["passes"] is None and len(docs[other]["schools"]) > 0


def test_cli_evaluates_a_county_with_no_school_in_scope(tmp_path, capsys):
    folder = county_folder(tmp_path)
    table = base_table()
    for i in range(4):
        table.set(i, "school_type", "特殊教育学校")
    school = table.to_xlsx(folder / f"schools_{YEAR}.xlsx")
    capsys.readouterr()
    status = main(["evaluate", str(school), "--json", str(tmp_path / "out" / "r.json"), "--excel",
                   str(tmp_path / "out" / "r.xlsx"), *dirs(tmp_path)])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "Traceback" not in out + err and "无纳入评估的学校" in out
    (doc,) = json.loads((tmp_path / "out" / "r.json").read_text(encoding="utf-8"))["results"]
    assert len(doc["excluded"]) == 4 and doc["stages"]["primary"]["schools_in_scope"] == 0
    assert (tmp_path / "out" / "r.xlsx").is_file()


# ------------------------------------------------------------------ the quick test for control characters
def test_the_quick_byte_test_never_clears_text_the_exact_check_rejects():
    """``textfile._may_be_garbled_utf8`` lets a UTF-8 file skip the regular expression over its whole text;
    it may send clean text to the exact check, but never clears text that holds a control character or a
    non-character (each one tried alone and among Chinese text, tabs and line ends)."""
    from hypothesis import given, settings, strategies as st

    from junyun_lib.io import textfile

    flagged = [chr(c) for c in [*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0xfffe, 0xffff,
                                *range(0xfdd0, 0xfdf0)]]
    for ch in flagged:
        assert textfile._may_be_garbled_utf8(f"县,年度\r\n进贤{ch}县,2024\n".encode("utf-8"))
    assert not textfile._may_be_garbled_utf8("县,年度\r\n进贤县\t,2024\n".encode("utf-8"))   # clean: cleared

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=st.sampled_from(["县", "a", "1", ",", "\t", "\n", "\r", "\ufdcf", "\ufdf0", "﷼",
                                              "\uffef", *flagged]), max_size=40), st.sampled_from([1, 2, 3, 5, 1 << 20]))
    def check(text, block):
        # blocks of a few bytes put every character across a block's end somewhere
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(textfile, "_BLOCK", block)
            if textfile._GARBLED.search(text):
                assert textfile._may_be_garbled_utf8(text.encode("utf-8"))

    check()
    assert textfile.decode("县,年度\r\n进贤县\t,2024\n".encode("utf-8"), "a.csv")[1] == "utf-8"


def test_decoding_only_the_head_agrees_with_decoding_the_whole_file():
    """``textfile.decode_head`` (a national CSV's lines above the body, the rest only validated) answers only
    when :func:`textfile.decode` would read the bytes as UTF-8, and then gives the same first lines: on any
    bytes — valid or broken UTF-8, GBK, byte-order marks, control characters, NUL bytes, zip signatures."""
    from hypothesis import given, settings, strategies as st

    from junyun_lib.io import textfile

    def whole(data):
        try:
            return textfile.decode(data, "a.csv")
        except ValidationError:
            return None

    def first_lines(text, n):
        lines = text.splitlines(keepends=True)   # also splits at \v, \f, \x1c…: only used on clean text
        return "".join(lines[:n])

    pieces = st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"PK\x03\x04", b"\x00",
                              "县,年度".encode("utf-8"), "县,年度".encode("gbk"), b"\r\n", b"\r", b"\n", b",",
                              b"\xed\xa0\x80", b"\xc0\x80", b"\xe4\xb8", b"\xef\xbf\xbe", b"\x07", b"\t", b"a"])

    @settings(max_examples=500, deadline=None)
    @given(st.lists(pieces, max_size=12), st.integers(1, 4))
    def check(chunks, n):
        data = b"".join(chunks)
        head = textfile.decode_head(data, n)
        full = whole(data)
        if head is None:
            return
        assert full is not None and full[1] == head[1], (data, head, full)
        assert head[0] == first_lines(full[0], n), (data, head, full)

    check()
    # the usual file is answered, with its line ends kept; GBK and UTF-16 are left to decode()
    text = "县,年度\r\n进贤县,2024\n南昌县,2024\r"
    assert textfile.decode_head(text.encode("utf-8"), 2) == ("县,年度\r\n进贤县,2024\n", "utf-8")
    assert textfile.decode_head(b"\xef\xbb\xbf" + text.encode("utf-8"), 9) == (text, "utf-8-sig")
    assert textfile.decode_head(text.encode("gbk"), 2) is None
    assert textfile.decode_head(text.encode("utf-16"), 2) is None
