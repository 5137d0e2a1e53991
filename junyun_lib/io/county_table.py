"""County-level indicators (县级指标表): values that the school census does not hold.

Plans and the evaluation form name county-level items — 初中三年巩固率, 残疾儿童少年入学率, 专任教师持证上岗,
教师交流轮岗, 社会认可度 … — whose values come from other offices.  The analyst enters them in one small table
per county and year, ``data/raw/<slug>/county_indicators_<year>.csv`` (or ``.xlsx``), one row per indicator:

=========  ==========  ==================================================================================
column     Chinese     content
=========  ==========  ==================================================================================
code       指标代码     a code from ``junyun_lib/rules/county_indicators.csv`` (the list, with units and ranges)
name       指标名称     optional, for the reader; the code decides
value      数值         the value in the indicator's unit; blank = no data (never read as 0)
unit       单位         optional; when given it must be the indicator's unit
source     来源         where the number comes from (office, document); shown as evidence
note       说明         optional free text
=========  ==========  ==================================================================================

``junyun county-template PATH`` writes the table with every code listed and the values blank.  Checks
are as strict as the school table's: every problem in one pass, located by file, row as Excel or a text
editor shows it, header and value, in Chinese with an English gloss; nothing is read when one is found.
A CSV may be UTF-8 (with or without BOM), GBK or UTF-16 (:mod:`junyun_lib.io.textfile`); a line whose cells
do not line up with the header is an error (a comma too many or too few would shift the values).  Values
follow :mod:`junyun_lib.io.cells` (``3000,5``, ``NaN``, ``inf``, ``1e999``, TRUE/FALSE, dates and formulas
never calculated are errors; ``1,234`` is 1234), besides 是/否 for yes/no items and Ⅰ–Ⅳ for levels.  A
cell holding a control character inside its text (a line break typed with Alt+Enter, a tab, a C1 character
such as U+0085) is an error (:func:`junyun_lib.io.cells.control_character_problems`).  A damaged workbook is a located error.
A ``source`` containing "合成示例数据" marks the table as synthetic.
"""
from __future__ import annotations

import difflib
import io
import itertools
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..problems import Problem, ValidationError
from ..rules.county_indicators import definitions
from ..synthetic import SYNTHETIC_MARK
from . import cells, years
from .atomic import atomic_path, write_bytes
from .textfile import csv_rows, decode, read_bytes

#: canonical column -> accepted headers (Chinese first)
HEADERS = {
    "code": ("指标代码", "code"),
    "name": ("指标名称", "指标名称（仅供参考）", "name"),      # read but not used: the code decides
    "value": ("数值", "value"),
    "unit": ("单位", "unit"),
    "source": ("来源", "source"),
    "note": ("说明", "note"),
}
REQUIRED = ("code", "value")


@dataclass
class CountyValues:
    """One county-year's county-level values (县级指标值)."""

    county: str
    year: int
    table: pd.DataFrame          # code, name_zh, value, unit, source, note, file, row
    synthetic: bool = False
    warnings: list[Problem] = field(default_factory=list)

    def _row(self, code: str) -> dict | None:
        index = self.__dict__.get("_index")
        if index is None or index[0] is not self.table:      # built once per table (codes are unique)
            index = (self.table, {r["code"]: r for r in self.table.to_dict("records")})
            self.__dict__["_index"] = index
        return index[1].get(code)

    def get(self, code: str) -> float | None:
        """The value of ``code``, or None when the table has no value for it (no data)."""
        row = self._row(code)
        return None if row is None or pd.isna(row["value"]) else float(row["value"])

    def evidence(self, code: str) -> str:
        row = self._row(code)
        if row is None:
            return ""
        return f"{row['source'] or '未注明来源'}（{Path(row['file']).name} 第{row['row']}行）"


@dataclass(frozen=True)
class _XlsxCell:
    """A non-text Excel cell: ``raw`` as read (a number, a boolean, a date, or :data:`cells.FORMULA`) and
    ``shown``, the text the analyst sees (a formula's text for a formula never calculated)."""

    raw: object
    shown: str

    def __str__(self) -> str:
        return self.shown


def _read_lines(path: Path) -> tuple[str, list[tuple[int, list]]]:
    """``(sheet, [(row as Excel or a text editor shows it, cells)])`` of the raw file, every line
    kept.  CSV cells are text; Excel cells are text or :class:`_XlsxCell`.  A file that cannot be read at all
    (missing, not text, not a workbook, a damaged sheet) raises a located :class:`ValidationError`."""
    data = read_bytes(path, "县级指标表")
    if path.suffix.lower() == ".xlsx":
        return _xlsx_lines(data, str(path))
    text, _ = decode(data, str(path))
    return "", csv_rows(text, str(path))


def _xlsx_lines(data: bytes, file: str) -> tuple[str, list[tuple[int, list]]]:
    from openpyxl import load_workbook

    try:
        # twice: the cached values (what Excel shows) and the formulas, to tell a formula never calculated
        # (no cached value) from an empty cell
        values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            sheet = values.worksheets[0].title
            lines = [(r, [_xlsx_cell(v, f) for v, f in itertools.zip_longest(vrow, frow)])
                     for r, (vrow, frow) in enumerate(zip(values.worksheets[0].iter_rows(),
                                                          formulas.worksheets[0].iter_rows()), start=1)]
        finally:
            values.close()
            formulas.close()
    except Exception as exc:  # noqa: BLE001 — not a zip, a damaged sheet, an encrypted file …: all unreadable
        raise ValidationError([Problem(
            "error", "unreadable", "无法作为 Excel 工作簿读取（文件损坏，或不是 .xlsx 文件）：请在 Excel 中打开后另存为 .xlsx 或 CSV",
            f"cannot read the file as an Excel workbook (damaged, or not an .xlsx file: {type(exc).__name__}: "
            f"{exc}); open it in Excel and save it again as .xlsx or CSV", file=file)]) from None
    return sheet, lines


def _xlsx_cell(value_cell, formula_cell):
    value = getattr(value_cell, "value", None)
    if value is None:
        if getattr(formula_cell, "data_type", None) == "f":          # a formula whose result was never saved
            formula = getattr(formula_cell, "value", None)
            return _XlsxCell(cells.FORMULA, str(getattr(formula, "text", formula) or "="))
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return _XlsxCell(value, "TRUE" if value else "FALSE")
    # a cell typed as 96.8% holds 0.968: read what the analyst sees
    if isinstance(value, (int, float)) and "%" in (getattr(value_cell, "number_format", "") or ""):
        shown = round(value * 100, 10)
        return _XlsxCell(shown, f"{shown:.10g}%")
    return _XlsxCell(value, str(value))


def _blank(cell) -> bool:
    return isinstance(cell, str) and not cell.strip()


YES = {"是", "yes", "y", "true", "1", "有"}
NO = {"否", "no", "n", "false", "0", "无"}
LEVELS = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "I": 1, "II": 2, "III": 3, "IV": 4}


def _number(cell, unit: str) -> cells.Cell:
    """A value cell in the indicator's unit: 是/否 for yes/no items, Ⅰ–Ⅳ for levels, ``96.5%`` for percentages,
    otherwise a number by the rules of :mod:`junyun_lib.io.cells` (``3000,5``, ``NaN``, ``inf`` are errors).

    Examples
    --------
    >>> _number("是", "是否").value, _number("Ⅱ级", "级").value, _number("96.5%", "%").value
    (1.0, 2.0, 96.5)
    >>> _number("3000,5", "元").error.code, _number("NaN", "%").error.code, _number("1e999", "%").error.code
    ('ambiguous_comma', 'null_token', 'non_finite')
    """
    if isinstance(cell, _XlsxCell):          # a number, boolean, date or formula as Excel holds it
        if unit == "是否" and isinstance(cell.raw, bool):
            return cells.Cell(float(cell.raw))
        return cells.parse_number(cell.raw)
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    if unit == "是否":            # yes/no items: 是 = 1, 否 = 0
        low = text.lower()
        return cells.Cell(1.0) if low in YES else cells.Cell(0.0) if low in NO else cells.Cell(None, cells.NOT_A_NUMBER)
    if unit == "级":
        level = text.removesuffix("级").strip()
        if level.upper() in LEVELS:
            return cells.Cell(float(LEVELS[level.upper()]))
    if unit == "%" and text.endswith("%"):
        return cells.parse_number(str(cell).strip()[:-1])
    return cells.parse_number(cell)


def read_county_values(path, county: str = "", year: int | None = None) -> CountyValues:
    """Read and check one county-level table; raises :class:`ValidationError` listing every problem.

    The table's year is ``year`` or, without it, the year in the file name (``county_indicators_2024.csv``);
    when both are given they must agree, and the year must lie within 2010 .. next year
    (:mod:`junyun_lib.io.years`; 统计年度).
    """
    path = Path(path)
    named = years.name_year(path)
    year_problems = _year_problems(path, year, "指定的年度", "the year given", county=county)
    if year is None:
        year = named
    sheet, lines = _read_lines(path)
    defs = definitions()
    problems: list[Problem] = []
    where = {"file": str(path), "sheet": sheet, "county": county, "year": year}
    first = next((i for i, (_, c) in enumerate(lines) if not all(_blank(x) for x in c)), None)
    header_row = lines[first][0] if first is not None else 1
    header = [str(h).strip() for h in (lines[first][1] if first is not None else [])]
    written_width = len(header)                      # a CSV line must have as many cells as the header line
    while header and not header[-1]:
        header.pop()                                 # empty cells right of the last header
    width = len(header)
    body = lines[first + 1:] if first is not None else []

    header_of: dict[str, tuple[int, str]] = {}       # canonical column -> (position, header as written)
    repeated = set()
    for pos, written in enumerate(header):
        key = next((k for k, names in HEADERS.items() if written.lower() in {n.lower() for n in names}), None)
        if written in header[:pos]:                  # the same header again: reported once, the first one read
            if written not in repeated:
                repeated.add(written)
                problems.append(Problem("error", "duplicate_column", "列名重复", "duplicate column",
                                        row=header_row, column=written, **where))
        elif key is None:
            problems.append(Problem("error", "unknown_column", f"未知列名，应为 {'、'.join(h[0] for h in HEADERS.values())}",
                                    f"unknown column; expected one of {', '.join(h[1] for h in HEADERS.values())}",
                                    row=header_row, column=written, value=written, **where))
        elif key in header_of:
            problems.append(Problem("error", "duplicate_column", "列名重复", "duplicate column", row=header_row,
                                    column=written, **where))
        else:
            header_of[key] = (pos, written)
    for key in REQUIRED:
        if key not in header_of:
            problems.append(Problem("error", "missing_column", f"缺少必需的列「{HEADERS[key][0]}」",
                                    f"required column {HEADERS[key][1]!r} is missing", row=header_row, **where))
    if year is None:
        problems.append(Problem("error", "no_year", "无法从文件名确定年度，文件名应为 county_indicators_<年度>.csv",
                                "cannot tell the year; name the file county_indicators_<year>.csv", **where))
    if any(p.severity == "error" for p in problems):
        raise ValidationError(year_problems + problems)
    # a year problem does not stop the rows being checked: every problem of the file is reported at once
    problems += year_problems

    rows, seen, warnings = [], {}, []
    for row_no, line in body:
        if all(_blank(c) for c in line):
            continue                                   # an empty line
        if (len(line) != written_width) if not sheet else any(not _blank(c) for c in line[width:]):
            problems.append(_ragged(row_no, line, width if sheet else written_width, bool(sheet), where))
            continue
        hidden = cells.control_character_problems(line[:width], header, row_no, **where)
        if hidden:                                   # sources and notes are shown as evidence on the pages
            problems += hidden
            continue
        raw = {k: (line[pos] if pos < len(line) else "") for k, (pos, _) in header_of.items()}
        cell = {k: str(v).strip() for k, v in raw.items()}
        col = header_of["code"][1]
        code = cell.get("code", "")
        if not code:
            problems.append(Problem("error", "missing_code", "指标代码为空", "indicator code is blank",
                                    row=row_no, column=col, **where))
            continue
        if code not in defs:
            close = difflib.get_close_matches(code, list(defs), n=1)
            hint = f"；是否为「{close[0]}」？" if close else "；可用代码见 junyun county-template 生成的模板"
            problems.append(Problem("error", "unknown_code", f"未知的指标代码{hint}",
                                    f"unknown indicator code{f' (did you mean {close[0]!r}?)' if close else ''}",
                                    row=row_no, column=col, value=code, **where))
            continue
        if code in seen:
            problems.append(Problem("error", "duplicate_code", f"指标代码重复（第{seen[code]}行已出现）",
                                    f"duplicate indicator code (already on row {seen[code]})",
                                    row=row_no, column=col, value=code, **where))
            continue
        seen[code] = row_no
        d = defs[code]
        unit = cell.get("unit", "").replace("％", "%")
        if unit and unit != d.unit:
            problems.append(Problem("error", "wrong_unit", f"单位应为「{d.unit}」", f"unit must be {d.unit!r}",
                                    row=row_no, column=header_of["unit"][1], value=cell["unit"], **where))
        text = cell.get("value", "")
        value = None
        if text:
            vcol = header_of["value"][1]
            parsed = _number(raw["value"], d.unit)
            if parsed.error is not None:
                zh, en = _number_message(parsed.error, d, text)
                problems.append(Problem("error", parsed.error.code, zh, en, row=row_no, column=vcol, value=text,
                                        **where))
                continue
            value = parsed.value
            if parsed.warning is not None:
                warnings.append(Problem("warning", parsed.warning.code, parsed.warning.zh, parsed.warning.en,
                                        row=row_no, column=vcol, value=text, **where))
            if value is not None and not d.min <= value <= d.max:
                problems.append(Problem("error", "out_of_range",
                                        f"{d.name_zh}应在 {d.min:g}–{d.max:g}{d.unit} 之间",
                                        f"{code} must be within {d.min:g}–{d.max:g} {d.unit}", row=row_no,
                                        column=vcol, value=text, **where))
                continue
        rows.append({"code": code, "name_zh": d.name_zh, "value": value, "unit": d.unit,
                     "source": cell.get("source", ""), "note": cell.get("note", ""), "file": str(path),
                     "row": row_no})
    if problems:
        raise ValidationError(problems + warnings)
    table = pd.DataFrame(rows, columns=["code", "name_zh", "value", "unit", "source", "note", "file", "row"])
    table["value"] = table["value"].astype(float)
    synthetic = bool(table["source"].str.contains(SYNTHETIC_MARK).any() or
                     table["note"].str.contains(SYNTHETIC_MARK).any())
    return CountyValues(county=county, year=int(year), table=table, synthetic=synthetic, warnings=warnings)


def read_county_tables(files, county: str = "") -> dict[int, CountyValues]:
    """``{year: CountyValues}`` of a county's county-level tables, ``files`` being ``[(year, path)]``; every
    file's problems, and two tables of one year, raised together (:class:`ValidationError`)."""
    out, problems = {}, []
    for year, path in files:
        if year in out:
            problems.append(Problem("error", "duplicate_year", f"{year}年有两个县级指标表",
                                    f"two county-level tables for {year}", file=str(path)))
            continue
        try:
            out[year] = read_county_values(path, county=county, year=year)
        except ValidationError as exc:
            problems += exc.problems
    if problems:
        raise ValidationError(problems)
    return out


def _year_problems(path: Path, year: int | None, stated_zh: str, stated_en: str, **where) -> list[Problem]:
    """The year of a county-level table — its file name's, and ``year`` when given — in range and agreeing
    (统计年度).  A year out of range is said once: the workspace passes the name's own year."""
    named = years.name_year(path)
    problems = years.name_range_problems(path, year=named, **where)
    if year is not None and year != named:
        problems += years.asked_range_problems(year, stated_zh=stated_zh, stated_en=stated_en, file=str(path),
                                               **where)
    return problems + years.names_disagree(path, year, stated_zh=stated_zh, stated_en=stated_en, **where)


def _ragged(row_no: int, line: list, width: int, excel: bool, where: dict) -> Problem:
    """A row whose cells do not line up with the header: a CSV line with a comma too many or too few, or an
    Excel row with content right of the last header (which would otherwise be dropped)."""
    shown = ",".join(str(c) for c in line) if not excel else \
        "、".join(str(c) for c in line[width:] if not _blank(c))
    if excel:
        return Problem("error", "ragged_row", f"表头右侧（第{width}列之后）还有内容，没有对应的列名",
                       f"cells right of the last header (column {width}) have no header", row=row_no,
                       value=shown, **where)
    return Problem("error", "ragged_row",
                   f"本行有 {len(line)} 个单元格，表头行有 {width} 个：可能多了或少了逗号（含逗号的内容请用英文双引号括起，"
                   "小数请用小数点）",
                   f"this line has {len(line)} cells but the header line has {width}: a comma too many or too "
                   "few? (put text holding a comma in double quotes; use a decimal point for decimals)",
                   row=row_no, value=shown, **where)


def _number_message(reason: cells.Reason, d, text: str) -> tuple[str, str]:
    """The Chinese message and English gloss of a value that is not read, for indicator ``d``."""
    if reason.code == "not_a_number":
        expected = {"是否": "是或否", "级": "1–4 或 Ⅰ/Ⅱ/Ⅲ/Ⅳ"}.get(d.unit, f"数字（单位 {d.unit}）")
        return (f"数值应为{expected}（{d.name_zh}）",
                f"value must be {'yes/no' if d.unit == '是否' else 'a number'} ({d.unit})")
    if reason.code == "null_token":
        return (f"「{text}」是空值标记，不是数字：没有数据请留空（留空即“无数据”），有数据请填写实际数值（{d.name_zh}）",
                f"{text!r} is a null marker, not a number: leave the cell blank for no data, or enter the value "
                f"({d.code})")
    return f"{reason.zh}（{d.name_zh}）", f"{reason.en} ({d.code})"


def write_county_template(path, year: int | None = None) -> Path:
    """An empty county-level table with every indicator code, its name and unit (CSV or .xlsx).

    ``year`` (``--year``) and the year in the file name must agree and lie within 2010 .. next year
    (统计年度; :mod:`junyun_lib.io.years`); otherwise nothing is written (:class:`ValidationError`).
    """
    path = Path(path)
    problems = _year_problems(path, year, years.ASKED_ZH, years.ASKED_EN)
    if problems:
        raise ValidationError(problems)
    rows = [{"指标代码": d.code, "指标名称（仅供参考）": d.name_zh, "数值": "", "单位": d.unit,
             "来源": "", "说明": d.description} for d in definitions().values()]
    frame = pd.DataFrame(rows)
    if path.suffix.lower() == ".xlsx":
        with atomic_path(path) as tmp:
            frame.to_excel(tmp, index=False, sheet_name=f"县级指标{year or ''}", engine="openpyxl")
        return path
    return write_bytes(path, frame.to_csv(index=False).encode("utf-8-sig"))
