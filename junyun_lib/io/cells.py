"""Reading a cell as a number (单元格数值的读取规则): exactly as typed, or a located reason why not.

One set of rules for every table junyun reads (school tables, county-level tables, plans, unit costs,
statistics exports), so that no number ever changes silently:

* a cell is **blank** only when it is empty or white space;
* **null markers** — ``#N/A``, ``N/A``, ``NA``, ``NaN``, ``NULL``, ``None``, ``-``, ``—``, ``/`` and Excel's error
  values (``#DIV/0!`` …) — are errors in a numeric column, in CSV exactly as in Excel (pandas and pyarrow would
  read them as blank, and a blank stage column counts as 0);
* **full-width** digits, signs and spaces (``１２３``) are read after Unicode NFKC normalisation, with a warning
  that says so;
* a **comma** is accepted only as an unambiguous thousands separator (``1,234,567``); ``3000,5`` is an error —
  it could be 3000.5 or 30005;
* the number itself must be plain decimal or scientific notation (``12``, ``-3.5``, ``2e3``); ``inf``, ``nan``,
  hexadecimal and ``1_000`` are not numbers here, and a value that overflows to infinity is an error;
* in Excel, a boolean (TRUE/FALSE) or a date in a numeric column is an error, and so is a formula whose
  result was never calculated (a file written by a script and never opened in Excel).

:func:`parse_number` applies the rules to one cell; :func:`parse_column` to a whole column (vectorised with
pyarrow for text, so a national CSV of 300,000 rows stays fast).  Both return reasons as (code, Chinese,
English) so each reader can locate them.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..problems import Problem, control_character, control_character_problem

NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER = re.compile(NUMBER)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
NULL_TOKENS = frozenset({"#N/A", "N/A", "NA", "NAN", "NULL", "NONE", "NIL", "-", "--", "—", "——", "–", "/", "\\",
                         "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A!", "#GETTING_DATA"})


@dataclass(frozen=True)
class Reason:
    """Why a cell is not read as it stands: ``code``, Chinese message, English gloss."""

    code: str
    zh: str
    en: str


NULL_TOKEN = lambda text: Reason(  # noqa: E731 — a message that quotes the cell
    "null_token", f"「{text}」是空值标记，不是数字：没有请填 0，不知道请核实后填写实际数值",
    f"{text!r} is a null marker, not a number: enter 0 if there is none, or the actual value")
AMBIGUOUS_COMMA = Reason(
    "ambiguous_comma", "逗号用法有歧义（如 3000,5 可能是 3000.5 或 30005）：千位分隔须每三位一个逗号，小数请用小数点",
    "ambiguous comma (3000,5 could be 3000.5 or 30005): thousands separators come every three digits; use a "
    "decimal point for decimals")
NOT_A_NUMBER = Reason("not_a_number", "不是数字", "not a number")
NON_FINITE = Reason("non_finite", "数值超出可表示的范围（无穷大）", "the value is infinite or too large to represent")
BOOLEAN = Reason("boolean", "是逻辑值（TRUE/FALSE），不是数字", "a logical value (TRUE/FALSE), not a number")
DATE = Reason("date", "是日期或时间，不是数字：请检查单元格格式", "a date or time, not a number; check the cell format")
UNCALCULATED = Reason("uncalculated_formula", "公式没有计算结果（文件由程序写出、未在 Excel 中保存过）：请用 Excel 打开并保存后再导入",
                      "a formula with no calculated value (the file was written by a program and never saved in "
                      "Excel): open it in Excel, save it, and try again")
FULL_WIDTH = Reason("full_width", "含全角字符，已按半角读取", "full-width characters read as their half-width forms")


@dataclass(frozen=True)
class Cell:
    """One parsed cell: ``value`` (float, None when blank or bad), ``error``, ``warning`` (or None)."""

    value: float | None
    error: Reason | None = None
    warning: Reason | None = None

    @property
    def blank(self) -> bool:
        return self.value is None and self.error is None


FORMULA = object()   # a formula cell without a cached value (what the Excel reader hands over)


def parse_number(raw) -> Cell:
    """One cell as a number, by the rules above.

    Examples
    --------
    >>> parse_number("1,234,567").value, parse_number(" 12 ").value, parse_number("").blank
    (1234567.0, 12.0, True)
    >>> parse_number("3000,5").error.code, parse_number("#N/A").error.code, parse_number("1e999").error.code
    ('ambiguous_comma', 'null_token', 'non_finite')
    >>> c = parse_number("１２３")
    >>> c.value, c.warning.code
    (123.0, 'full_width')
    """
    if raw is None:
        return Cell(None)
    if raw is FORMULA:
        return Cell(None, UNCALCULATED)
    if isinstance(raw, bool) or isinstance(raw, np.bool_):
        return Cell(None, BOOLEAN)
    if isinstance(raw, (_dt.date, _dt.time, _dt.timedelta, pd.Timestamp)):
        return Cell(None, DATE)
    if isinstance(raw, (int, np.integer)):
        return Cell(float(raw)) if abs(int(raw)) < 2 ** 63 else Cell(None, NON_FINITE)
    if isinstance(raw, (float, np.floating)):
        value = float(raw)
        if math.isnan(value):
            return Cell(None, NULL_TOKEN("NaN"))
        return Cell(value) if math.isfinite(value) else Cell(None, NON_FINITE)
    return _parse_text(str(raw))


def _parse_text(text: str) -> Cell:
    stripped = text.strip()
    if not stripped:
        return Cell(None)
    normal = unicodedata.normalize("NFKC", stripped).strip()
    warning = FULL_WIDTH if normal != stripped else None
    if normal.upper() in NULL_TOKENS:
        return Cell(None, NULL_TOKEN(stripped))
    if "," in normal:
        if not _GROUPED.fullmatch(normal):
            return Cell(None, AMBIGUOUS_COMMA)
        normal = normal.replace(",", "")
    if not _NUMBER.fullmatch(normal):
        return Cell(None, NOT_A_NUMBER)
    value = float(normal)
    if not math.isfinite(value):
        return Cell(None, NON_FINITE)
    return Cell(value, None, warning)


@dataclass
class Column:
    """A parsed column: ``values`` (float, NaN where blank or bad), ``blank`` mask, and per-row reasons."""

    values: np.ndarray
    blank: np.ndarray
    errors: dict[int, Reason]
    warnings: dict[int, Reason]


def parse_column(series) -> Column:
    """A whole column as numbers (positions are 0-based row positions of ``series``).

    Text is parsed vectorised with pyarrow (a strict regular expression, then a cast); only the cells that
    are not plain numbers go through :func:`parse_number` one by one.  Python objects from Excel are parsed
    cell by cell.
    """
    if isinstance(series, (pa.Array, pa.ChunkedArray)):
        return _parse_arrow(series)
    series = pd.Series(series).reset_index(drop=True)
    if pd.api.types.is_bool_dtype(series):
        return _cells(series.astype(object).tolist())
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float)
        if np.isfinite(values).all():       # the usual column read as numbers: nothing blank, nothing bad
            return Column(values.copy(), np.zeros(len(values), dtype=bool), {}, {})
        blank = np.isnan(values)
        bad = ~np.isfinite(values) & ~blank
        return Column(np.where(bad, np.nan, values), blank, {int(i): NON_FINITE for i in np.flatnonzero(bad)}, {})
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return _parse_arrow(pa.array(series.where(series.notna(), ""), type=pa.string()))
    return _cells(series.tolist())


def _cells(values: list) -> Column:
    n = len(values)
    out, blank = np.full(n, np.nan), np.zeros(n, dtype=bool)
    errors, warnings = {}, {}
    column = Column(out, blank, errors, warnings)
    for i, raw in enumerate(values):
        _put(column, i, parse_number(raw))
    return column


def _put(column: Column, i: int, cell: Cell) -> None:
    """One parsed cell into a column: its value, or blank, or its error; and its warning."""
    if cell.error is not None:
        column.errors[i] = cell.error
    elif cell.value is None:
        column.blank[i] = True
    else:
        column.values[i] = cell.value
        if cell.warning is not None:
            column.warnings[i] = cell.warning


def _parse_arrow(array) -> Column:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    # large_string (pandas' own text storage, what the CSV reader gives) is kept: no copy of the offsets
    text = pa.large_string() if pa.types.is_large_string(array.type) else pa.string()
    array = pc.fill_null(array.cast(text), "")
    # the usual cells — plain ASCII digits (a count), digits with one decimal point (an area), or nothing at
    # all — need no regular expression; the others go through the full rules below (same result, a fraction
    # of the time on a national table)
    empty = pc.equal(pc.binary_length(array), 0)
    digits = pc.ascii_is_decimal(array)
    easy = pc.or_(digits, empty).to_numpy(zero_copy_only=False)
    if not easy.all():
        digits = pc.ascii_is_decimal(pc.replace_substring(array, ".", "", max_replacements=1))
        easy = pc.or_(digits, empty).to_numpy(zero_copy_only=False)
    if easy.all():
        out = pc.cast(pc.if_else(digits, array, pa.scalar(None, text)), pa.float64()) \
            .to_numpy(zero_copy_only=False).astype(float)
        plain = digits.to_numpy(zero_copy_only=False)
        bad = plain & ~np.isfinite(out)              # hundreds of digits overflow to infinity
        out[bad] = np.nan
        return Column(out, ~plain, {int(i): NON_FINITE for i in np.flatnonzero(bad)}, {})
    if easy.any() and len(array) > 1000:
        rest = np.flatnonzero(~easy)
        head = _parse_arrow(pc.if_else(pa.array(easy), array, pa.scalar("", text)))
        tail = _parse_arrow(array.take(pa.array(rest)))
        head.values[rest], head.blank[rest] = tail.values, tail.blank
        head.errors.update({int(rest[i]): r for i, r in tail.errors.items()})
        head.warnings.update({int(rest[i]): r for i, r in tail.warnings.items()})
        return head
    trimmed = pc.utf8_trim_whitespace(array)
    blank = pc.equal(trimmed, "").to_numpy(zero_copy_only=False)
    plain = pc.match_substring_regex(trimmed, f"^{NUMBER}$").to_numpy(zero_copy_only=False)
    values = pc.cast(pc.if_else(pa.array(plain), trimmed, pa.scalar(None, text)), pa.float64())
    out = values.to_numpy(zero_copy_only=False).astype(float)
    errors, warnings = {}, {}
    finite = np.isfinite(out)
    for i in np.flatnonzero(plain & ~finite):
        errors[int(i)] = NON_FINITE
        out[i] = np.nan
    rest = np.flatnonzero(~plain & ~blank)
    if len(rest):
        texts = trimmed.take(pa.array(rest)).to_pylist()
        column = Column(out, blank, errors, warnings)
        for i, text in zip(rest.tolist(), texts):
            _put(column, i, _parse_text(text))
    return Column(out, blank, errors, warnings)


def normalise_text(raw) -> tuple[str, bool]:
    """A text cell as read: NFKC-normalised full-width letters and digits, stripped; and whether that changed
    it (a warning for the reader to give).

    Examples
    --------
    >>> normalise_text("　进贤县第一小学 ")
    ('进贤县第一小学', False)
    >>> normalise_text("ＡＢ１２")
    ('AB12', True)
    """
    text = "" if raw is None else str(raw)
    stripped = text.strip()
    normal = unicodedata.normalize("NFKC", stripped).strip()
    return normal, normal != stripped


def control_character_problems(line, header, row: int, **where) -> list[Problem]:
    """The located errors of a row's text cells that hold a control character (控制字符, U+0000–U+001F,
    U+007F–U+009F; :func:`junyun_lib.problems.control_character`), one per cell; ``header`` names the columns
    by position, ``where`` gives file, sheet …

    Cells are judged as the readers keep them, stripped of the white space around them (a tab or line break
    after a value is dropped, never shown); a character inside the text would reach pages, workbooks and the
    terminal.  Cells that are not text (Excel numbers, dates) have none.

    Examples
    --------
    >>> [(p.code, p.row, p.column, p.value) for p in control_character_problems(["进贤\x07县", "1 "], ["a", "b"], 3)]
    [('control_character', 3, 'a', '进贤\\\\u0007县')]
    """
    out = []
    for position, cell in enumerate(line):
        if isinstance(cell, str) and control_character(cell.strip()) is not None:
            column = str(header[position]).strip() if position < len(header) else ""
            out.append(control_character_problem(cell.strip(), row=row, column=column, **where))
    return out
