"""The county-year's one workbook, 评估结果（Excel） (issue 28 item 1): ``<outputs>/<year>/<slug>.xlsx`` beside the
page, written by the batch and by ``junyun run`` from one sheet builder, finished for people.

Each check opens the sample batch's workbook with openpyxl and recomputes what it expects from the cells
themselves: Chinese sheet and column names, indicators and reasons in words with codes only in a hidden last
column, 是/否 instead of TRUE/FALSE, number formats by kind, widths fitted to the longest cell (CJK counted two)
with wrap, an autofilter and a frozen header on every sheet, file names without folders, the synthetic label
in 说明."""
from __future__ import annotations

import re
import unicodedata

import openpyxl
import pandas as pd
import pytest
from conftest import SAMPLE_COUNTIES, SAMPLE_YEAR

from junyun_lib.io.workbook import write_workbook
from junyun_lib.synthetic import SYNTHETIC_LABEL
from junyun_lib.workspace import Workspace

CJK = re.compile(r"[\u4e00-\u9fff]")
IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")          # teachers_above_degree, excluded_type
FILE_NAME = re.compile(r"^[\w.-]+\.(?:xlsx|xls|csv)$")                  # a file's name alone is fine
MACHINE_PATH = re.compile(r"(?:^|[\s（(「])(?:/tmp/|/work/|/home/|/Users/|/var/|[A-Za-z]:\\)|\\\\")
MAX_WIDTH = 60


@pytest.fixture(scope="module")
def path(sample_pages):
    return sample_pages / "jinxian.xlsx"


@pytest.fixture(scope="module")
def book(path):
    return openpyxl.load_workbook(path)


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def hidden_letters(sheet) -> set[str]:
    return {key for key, dim in sheet.column_dimensions.items() if dim.hidden}


def visible_cells(sheet):
    hidden = hidden_letters(sheet)
    for row in sheet.iter_rows():
        for cell in row:
            if cell.column_letter not in hidden:
                yield cell


def headers(sheet) -> list:
    return [c.value for c in next(sheet.iter_rows(max_row=1))]


def column(sheet, header: str) -> list:
    j = headers(sheet).index(header)
    return [row[j] for row in sheet.iter_rows(min_row=2)]


# ------------------------------------------------------------------------------------------ one workbook
def test_one_workbook_per_county_year_linked_from_the_index(sample_pages):
    for slug in SAMPLE_COUNTIES:
        assert (sample_pages / f"{slug}.xlsx").is_file()
    assert not list(sample_pages.rglob("*-evaluation.xlsx"))
    index = (sample_pages / "index.html").read_text(encoding="utf-8")
    for slug in SAMPLE_COUNTIES:
        assert re.search(rf'<a href="{slug}\.xlsx">评估结果（Excel）</a>', index)
        page = (sample_pages / f"{slug}.html").read_text(encoding="utf-8")     # the briefing links it too
        assert page.count(f'<a href="{slug}.xlsx">评估结果（Excel）</a>') == 1


def test_junyun_run_writes_the_same_path(tmp_path):
    ws = Workspace(tmp_path / "data", tmp_path / "outputs")
    json_path, excel_path = ws.evaluation_paths("jinxian", SAMPLE_YEAR)
    assert excel_path == ws.briefing_path("jinxian", SAMPLE_YEAR).with_suffix(".xlsx") == \
        ws.workbook_path("jinxian", SAMPLE_YEAR)
    assert json_path.name == "jinxian-evaluation.json"


# ------------------------------------------------------------------------------------------ words, not codes
def test_sheet_and_column_names_are_chinese(book):
    for sheet in book.worksheets:
        assert CJK.search(sheet.title), sheet.title
        for name in headers(sheet):
            assert isinstance(name, str) and CJK.search(name), (sheet.title, name)


def test_about_sheet_cites_the_standard_and_labels_synthetic_data(book):
    rows = {}
    for key, value in book["说明"].iter_rows(min_row=2, values_only=True):
        rows.setdefault(key, []).append(str(value))
    assert rows["数据性质"] == [SYNTHETIC_LABEL]
    assert next(book["说明"].iter_rows(min_row=2, max_row=2, values_only=True))[0] == "数据性质"
    assert rows["评估标准"] == ["《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）"]
    text = " ".join(v for values in rows.values() for v in values)
    assert "quality-2017" not in text and "seed" not in text and "junyun_lib" not in text
    assert "cv_limit" not in text and "county_indicators" not in text
    assert "各指标差异系数须小于限值" in " ".join(rows["县区规则"])
    assert "《进贤县（2021-2030）年义务教育优质均衡发展推进计划》（进府办发〔2021〕61号）" in " ".join(rows["县区规则"])
    for sheet in book.sheetnames[1:]:            # every sheet is described
        assert f"表：{sheet}" in rows or sheet in ("说明",), sheet


def test_no_code_or_raw_value_in_visible_cells(book):
    found = []
    for sheet in book.worksheets:
        for cell in visible_cells(sheet):
            v = cell.value
            if isinstance(v, bool):
                found.append((sheet.title, cell.coordinate, v))
            elif isinstance(v, str) and not FILE_NAME.match(v):
                if IDENTIFIER.search(v) or v in ("TRUE", "FALSE", "True", "False", "nan", "None", "<", "<=", ">="):
                    found.append((sheet.title, cell.coordinate, v))
    assert found == []


def test_no_path_of_the_machine(book, sample_pages):
    root = str(sample_pages.parents[1])
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert root not in cell.value and not MACHINE_PATH.search(cell.value), \
                        (sheet.title, cell.coordinate, cell.value)
    files = [v for v in column(book["学校指标"], "原始文件") if v.value] + \
        [v for v in column(book["数据质量提示"], "文件") if v.value]
    assert files and all(FILE_NAME.match(c.value) for c in files)


def test_codes_are_in_a_hidden_last_column(book):
    for sheet_name, code, name, example in [("差异系数", "指标代码", "指标", "teachers_above_degree"),
                                            ("缺口与经费", "指标代码", "指标", "teachers_above_degree"),
                                            ("不参与评估学校", "原因代码", "原因", "excluded_type"),
                                            ("保障指标", "检查代码", "检查项目", None),
                                            ("数据质量提示", "问题代码", "问题", "zero_multimedia")]:
        sheet = book[sheet_name]
        head = headers(sheet)
        assert head[-1] == code, (sheet_name, head)
        assert hidden_letters(sheet) == {openpyxl.utils.get_column_letter(len(head))}, sheet_name
        codes = [c.value for c in column(sheet, code)]
        if example:
            assert example in codes, sheet_name
        words = [c.value for c in column(sheet, name)]
        assert all(isinstance(w, str) and CJK.search(w) for w in words), sheet_name
    cv = book["差异系数"]
    pairs = {(c.value, n.value) for c, n in zip(column(cv, "指标代码"), column(cv, "指标"))}
    assert ("teachers_above_degree", "每百名学生拥有高于规定学历教师数") in pairs
    assert set(c.value for c in column(cv, "比较方式")) <= {"小于", "小于或等于", "大于", "大于或等于"}


def test_yes_no_in_words(book):
    for sheet_name, header in [("差异系数", "差异系数达标"), ("学段结论", "结论（达标）"), ("保障指标", "结论（达标）")]:
        values = {c.value for c in column(book[sheet_name], header)}
        assert values and values <= {"是", "否", None}, (sheet_name, values)
    parts = book["学校指标"]
    meets = [h for h in headers(parts) if h.startswith("达标：")]
    assert meets and all({c.value for c in column(parts, h)} <= {"是", "否", None} for h in meets)


def test_warnings_sheet_in_chinese(book):
    sheet = book["数据质量提示"]
    head = headers(sheet)
    for name in ("文件", "工作表", "行", "列", "值", "问题"):
        assert name in head
    assert head.index("问题（英文）") == len(head) - 2        # the English gloss last, before the hidden code
    assert {c.value for c in column(sheet, "级别")} <= {"警告", "错误"}
    assert all(isinstance(c.value, int) and c.number_format == "0" for c in column(sheet, "行"))


# ------------------------------------------------------------------------------------------ how numbers show
def test_number_formats_by_kind(book):
    cv = book["差异系数"]
    cvs, limits = column(cv, "差异系数"), column(cv, "差异系数限值")
    assert cvs
    for c, lim in zip(cvs, limits):
        # 3 decimals, 4 where the 3-decimal figure equals the limit but the verdict needs more digits
        close = f"{c.value:.3f}" == f"{lim.value:.3f}" and c.value != lim.value
        assert c.number_format == ("0.0000" if close else "0.000"), (c.value, lim.value, c.number_format)
        assert lim.number_format == "0.000"
    for c in column(book["学段结论"], "综合差异系数"):
        assert c.number_format == "0.000"
    gaps = book["缺口与经费"]
    money = [h for h in headers(gaps) if "万元" in h]
    assert money and all(c.number_format == "#,##0.0" for h in money for c in column(gaps, h))
    for sheet_name, header in [("差异系数", "在校生数"), ("学段结论", "在校生数"), ("学段结论", "纳入评估学校数"),
                               ("学校指标", "在校生数"), ("缺口与经费", "未达标学校数"),
                               ("未达校级规则学校", "在校生（人）")]:
        cells = column(book[sheet_name], header)
        assert cells and all(type(c.value) is int and c.number_format == "#,##0" for c in cells), (sheet_name, header)
    for c in column(book["未达校级规则学校"], "所需经费（万元）"):
        assert isinstance(c.value, (int, float)) and c.number_format == "#,##0.0"
    for c in column(book["学段结论"], "年度"):
        assert c.value == SAMPLE_YEAR and c.number_format == "0"          # not 2,024
    for c in column(book["学校指标"], "学校标识码"):
        assert isinstance(c.value, str)                                   # an identifier stays text


#: how Excel shows a number under each format the workbook uses (as a Python format spec)
_SHOWN_AS = {"0.000": ".3f", "0.0000": ".4f", "#,##0.0": ",.1f", "#,##0": ",.0f", "0.0%": ".1%", "0": ".0f"}


def shown(cell) -> str:
    """A cell as Excel shows it under its number format (the formats the workbook uses)."""
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, str):
        return max(v.splitlines(), key=width) if v else ""
    spec = _SHOWN_AS.get(cell.number_format)
    if spec is not None:
        return format(v, spec)
    return f"{v:,.2f}" if isinstance(v, float) else str(v)


def test_widths_fit_the_content_with_wrap(book):
    for sheet in book.worksheets:
        letters = [c.column_letter for c in next(sheet.iter_rows(max_row=1))]
        widths = [sheet.column_dimensions[x].width for x in letters]
        if len(letters) > 2:
            assert len(set(widths)) > 1, sheet.title
        for j, (letter, w) in enumerate(zip(letters, widths)):
            cells = [row[j] for row in sheet.iter_rows(min_row=2)]
            longest = max((width(shown(c)) for c in cells), default=0)
            assert w >= min(longest, MAX_WIDTH - 2), (sheet.title, letter, w, longest)
            assert w <= MAX_WIDTH
            if longest > MAX_WIDTH - 2:          # text longer than the widest column wraps
                long = [c for c in cells if isinstance(c.value, str) and width(shown(c)) > MAX_WIDTH - 2]
                assert all(c.alignment.wrap_text for c in long), (sheet.title, letter)
        assert all(c.alignment.wrap_text and c.font.b for c in next(sheet.iter_rows(max_row=1)))


def test_every_sheet_has_a_frozen_header_and_a_filter(book):
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        last = openpyxl.utils.get_column_letter(sheet.max_column)
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", sheet.title


def test_every_workbook_gets_the_formats(tmp_path):
    """The writer, not the county workbook's builder, formats: any table junyun writes is finished the same way."""
    frame = pd.DataFrame({"学校": ["=HYPERLINK(\"x\")", "第一小学"], "差异系数": [0.31234, 0.5],
                          "在校生数": [500.0, 1200.0], "所需经费（万元）": [12.345, 0.0], "达标": [True, False],
                          "指标代码": ["key_teachers", "books"], "年度": [2024, 2024]})
    path = write_workbook(tmp_path / "表.xlsx", {"学校": frame})
    sheet = openpyxl.load_workbook(path)["学校"]
    assert headers(sheet) == ["学校", "差异系数", "在校生数", "所需经费（万元）", "达标", "年度", "指标代码"]
    assert hidden_letters(sheet) == {"G"}
    row = next(sheet.iter_rows(min_row=2, max_row=2))
    assert row[0].value == '=HYPERLINK("x")' and row[0].data_type == "s"          # text, never a formula
    assert (row[1].number_format, row[2].value, row[2].number_format) == ("0.000", 500, "#,##0")
    assert type(row[2].value) is int and row[3].number_format == "#,##0.0" and row[4].value == "是"
    assert (row[5].value, row[5].number_format) == (2024, "0")
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:G3"
