"""Tests for the blank school-table template (junyun_lib.template)."""
from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from junyun_lib.io import template
from junyun_lib.rules import schema
from junyun_lib.io.template import write_template

RANGE_RE = re.compile(r"^'?(?P<sheet>[^'!]+)'?!\$?(?P<c1>[A-Z]+)\$?(?P<r1>\d+):\$?(?P<c2>[A-Z]+)\$?(?P<r2>\d+)$")


@pytest.fixture()
def book(tmp_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(write_template(tmp_path / "template.xlsx"))


def _validation(wb: openpyxl.Workbook, col: schema.Column):
    """The data validation covering this column's data rows on sheet 1 (None if there is none)."""
    ws = wb[template.DATA_SHEET]
    letter = get_column_letter(schema.columns().index(col) + 1)
    target = f"{letter}2:{letter}{template.LAST_DATA_ROW}"
    hits = [dv for dv in ws.data_validations.dataValidation if target in str(dv.sqref).split()]
    assert len(hits) <= 1, f"{col.header_zh}: more than one validation"
    return hits[0] if hits else None


def _list_values(wb: openpyxl.Workbook, formula: str) -> list[str]:
    """Resolve a list-validation source: inline "a,b,c" or a range on another sheet."""
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    m = RANGE_RE.match(formula)
    assert m, f"unrecognised list formula {formula!r}"
    assert m["c1"] == m["c2"], "list range should be a single column"
    ws = wb[m["sheet"]]
    return [ws[f"{m['c1']}{r}"].value for r in range(int(m["r1"]), int(m["r2"]) + 1)]


def _by_header(header: str) -> schema.Column:
    return next(c for c in schema.columns() if c.header_zh == header)


def test_headers_equal_schema_exactly(book):
    ws = book[template.DATA_SHEET]
    assert book.sheetnames[:2] == [template.DATA_SHEET, template.GUIDE_SHEET]
    headers = [c.value for c in ws[1]]
    assert headers == [c.header_zh for c in schema.columns()]
    assert ws.freeze_panes == "A2"
    assert all(c.font.bold for c in ws[1])


def test_header_comments_and_required_colours(book):
    ws = book[template.DATA_SHEET]
    fills = {}
    for cell, col in zip(ws[1], schema.columns()):
        assert cell.comment is not None and col.field in cell.comment.text
        if col.unit:
            assert col.unit in cell.comment.text
        fills.setdefault(col.required, set()).add(cell.fill.fgColor.rgb)
    assert all(len(v) == 1 for v in fills.values())
    assert fills["required"] != fills["optional"]
    assert fills["required"] != fills["basic"]


def test_every_category_column_has_schema_list(book):
    cats = [c for c in schema.columns() if c.kind == "category"]
    assert cats
    for col in cats:
        dv = _validation(book, col)
        assert dv is not None and dv.type == "list", col.header_zh
        assert _list_values(book, dv.formula1) == list(col.allowed)
        assert "请从下拉列表选择" in dv.prompt and "(choose from the list)" in dv.prompt
        assert dv.error and dv.showErrorMessage


@pytest.mark.parametrize("header, expected", [
    ("学校类型", ["小学", "初级中学", "九年一贯制学校", "十二年一贯制学校", "完全中学", "教学点",
              "特殊教育学校", "职业学校"]),
    ("城乡分类", ["城区", "镇区", "乡村"]),
    ("办学性质", ["公办", "民办"]),
])
def test_category_values_literal(book, header, expected):
    dv = _validation(book, _by_header(header))
    assert _list_values(book, dv.formula1) == expected


def test_long_lists_go_to_hidden_sheet(tmp_path, monkeypatch):
    monkeypatch.setattr(template, "LIST_FORMULA_LIMIT", 5)
    wb = openpyxl.load_workbook(write_template(tmp_path / "long.xlsx"))
    assert wb[template.LISTS_SHEET].sheet_state == "hidden"
    assert wb.active.title == template.DATA_SHEET
    for col in (c for c in schema.columns() if c.kind == "category"):
        dv = _validation(wb, col)
        assert template.LISTS_SHEET in dv.formula1
        assert _list_values(wb, dv.formula1) == list(col.allowed)


def test_short_lists_need_no_hidden_sheet(book):
    assert template.LISTS_SHEET not in book.sheetnames


@pytest.mark.parametrize("kind, dv_type, operator, formula1, formula2", [
    ("count", "whole", "greaterThanOrEqual", "0", None),
    ("number", "decimal", "greaterThanOrEqual", "0", None),
    ("year", "whole", "between", "1949", "2100"),
])
def test_numeric_validations(book, kind, dv_type, operator, formula1, formula2):
    cols = [c for c in schema.columns() if c.kind == kind]
    assert cols
    for col in cols:
        dv = _validation(book, col)
        assert dv is not None, col.header_zh
        assert (dv.type, dv.operator, dv.formula1, dv.formula2) == (dv_type, operator, formula1, formula2)
        assert dv.allow_blank and dv.prompt and dv.error
        assert re.search(r"[\u4e00-\u9fff]", dv.prompt) and re.search(r"\([A-Za-z]", dv.prompt)


def test_text_columns_have_no_validation(book):
    for col in (c for c in schema.columns() if c.kind == "text"):
        assert _validation(book, col) is None


def test_guide_has_one_row_per_column(book):
    ws = book[template.GUIDE_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r[0] == "表头")
    assert list(rows[top][:9]) == ["表头", "英文别名", "类型", "是否必填", "学段", "单位", "允许值", "含义", "Meaning"]
    table = [r for r in rows[top + 1:] if r[0] is not None]
    cols = schema.columns()
    assert len(table) == len(cols)
    for r, col in zip(table, cols):
        assert (r[0], r[1]) == (col.header_zh, col.field)
        assert r[2] in {"文本", "年份", "类别", "整数计数", "数值"}
        assert r[3] in {"必填", "必填（或改填班额分段班数）", "选填", "仅基本均衡标准需要"}
        assert r[4] in {"小学", "初中", "高中", "全校"}
        assert r[7] and r[8]
    notes = " ".join(str(r[0]) for r in rows[:top] if r[0])
    for phrase in ("独立校区", "留空", "全校", "10000", "室内体育用房", "音乐", "英文别名"):
        assert phrase in notes


def test_refuses_to_overwrite(tmp_path):
    target = tmp_path / "nested" / "dir" / "template.xlsx"
    assert write_template(target) == target and target.exists()
    with pytest.raises(FileExistsError, match="已存在.*already exists"):
        write_template(target)
    target.write_bytes(b"not a workbook")
    write_template(target, overwrite=True)
    assert openpyxl.load_workbook(target).sheetnames[0] == template.DATA_SHEET


def test_pandas_round_trip(tmp_path):
    path = write_template(tmp_path / "rt.xlsx")
    df = pd.read_excel(path, sheet_name=0)
    assert len(df) == 0
    assert list(df.columns) == [c.header_zh for c in schema.columns()]
    assert all(h in schema.header_lookup() for h in df.columns)
