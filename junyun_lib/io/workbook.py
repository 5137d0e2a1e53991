"""Writing result workbooks (结果工作簿): one sheet per table, header row frozen with an autofilter, numbers
formatted by the kind of column (CV 0.000, money #,##0.0, counts #,##0), 是/否 for true/false, codes in hidden last
columns, columns fitted to their content (CJK counted two) with wrap, atomically.

Text from the data is never a formula: a cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is stored as text and marked so (Excel's quote prefix), following the OWASP guidance on
formula injection — a school named ``=HYPERLINK(…)`` stays a name, and the workbook reads back exactly.

The sheets are streamed (openpyxl's write-only mode), one row after another, with the cells pandas'
``to_excel`` would write (a missing value an empty cell, ±infinity the text ``inf``/``-inf``, numbers as numbers,
anything else as its text): about three times quicker than ``to_excel`` and a second pass over every cell, which a batch
of briefings pays once per county.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def protect_formulas(sheet) -> int:
    """Store every text cell of an openpyxl worksheet that could be read as a formula as text; returns how many.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> ws["A1"] = '=HYPERLINK("http://x","y")'
    >>> ws["A2"] = "进贤县第一小学"
    >>> protect_formulas(ws), ws["A1"].data_type, ws["A1"].value
    (1, 's', '=HYPERLINK("http://x","y")')
    """
    changed = 0
    for row in sheet.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
                cell.quotePrefix = True
                changed += 1
    return changed


def write_workbook(path, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write ``{sheet name: table}`` to an .xlsx file at ``path`` (atomically); returns the path.

    Each table's columns are its header row (bold, wrapped, frozen, with an autofilter over the table), its rows
    follow without the index.  How a column is shown follows its kind (:func:`column_kinds`: the table's
    ``attrs["kinds"]`` or, failing that, its header and values): 是/否 for true/false, a number format per kind
    (:data:`KIND_FORMATS`: CV ``0.000``, money ``#,##0.0``, counts ``#,##0``…), codes (``…代码``) moved to the end
    and hidden.  A column is as wide as its longest cell (CJK characters count two), up to
    :data:`MAX_WIDTH`; longer text wraps.  ``attrs["cell_formats"]`` (``{column: [format per row]}``) overrides
    the format of single cells (a CV shown to 4 decimals where 3 would hide its verdict).  Text that could be
    read as a formula is stored as text (:data:`FORMULA_STARTS`).

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> path = Path(tempfile.mkdtemp()) / "结果.xlsx"
    >>> _ = write_workbook(path, {"学校": pd.DataFrame({"学校": ["=1+1", None], "在校生": [500, float("nan")]})})
    >>> [[c.value for c in row] for row in openpyxl.load_workbook(path)["学校"].iter_rows()]
    [['学校', '在校生'], ['=1+1', 500], [None, None]]
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    path = Path(path)
    header_style = (Font(bold=True), Alignment(wrap_text=True, vertical="center"))
    wrap = Alignment(wrap_text=True, vertical="top")
    with atomic_path(path) as tmp:
        book = Workbook(write_only=True)
        for name, frame in sheets.items():
            sheet = book.create_sheet(title=name)
            given = dict(frame.attrs.get("kinds") or {})
            every = [(j, col, given.get(col) or _kind(str(col), frame.iloc[:, j])) for j, col in enumerate(frame.columns)]
            every = [t for t in every if t[2] != "code"] + [t for t in every if t[2] == "code"]   # codes last
            order = [col for _, col, _ in every]
            cell_formats = dict(frame.attrs.get("cell_formats") or {})
            columns = [_shown(_values(frame.iloc[:, j]), kind) for j, _, kind in every]
            layout = []                                   # (number format, wraps, per-cell formats) per column
            for i, ((_, col, kind), values) in enumerate(zip(every, columns), start=1):
                fmt = KIND_FORMATS.get(kind)
                content = max((_shown_width(v, fmt) for v in values), default=0)
                width = min(max(content, min(text_width(col), HEADER_WIDTH), MIN_WIDTH) + 2, MAX_WIDTH)
                dim = sheet.column_dimensions[get_column_letter(i)]   # before the rows in a streamed sheet
                dim.width = width
                if kind == "code":
                    dim.hidden = True
                layout.append((fmt, content + 2 > MAX_WIDTH, cell_formats.get(col)))
            if len(order):
                sheet.freeze_panes = "A2"
                sheet.auto_filter.ref = f"A1:{get_column_letter(len(order))}{len(frame) + 1}"
            sheet.append([_cell(sheet, str(col), *header_style) for col in order])
            for r, row in enumerate(zip(*columns)):
                cells = []
                for v, (fmt, wraps, per_cell) in zip(row, layout):
                    if per_cell is not None and per_cell[r]:
                        fmt = per_cell[r]
                    if (fmt and isinstance(v, (int, float)) and not isinstance(v, bool)) or \
                            (wraps and isinstance(v, str)) or (isinstance(v, str) and v.startswith(FORMULA_STARTS)):
                        cell = _cell(sheet, v, None, wrap if wraps else None)
                        if fmt and isinstance(v, (int, float)) and not isinstance(v, bool):
                            cell.number_format = fmt
                        cells.append(cell)
                    else:
                        cells.append(v)
                sheet.append(cells)
        book.save(tmp)
    return path


# ----------------------------------------------------------------------------------- how columns are shown
#: number format of each kind of column (``None``: as it is)
KIND_FORMATS = {"cv": "0.000", "money": "#,##0.0", "count": "#,##0", "number": "#,##0.0#", "percent": "0.0%",
                "id": "0", "yesno": None, "text": None, "code": None}
MIN_WIDTH, HEADER_WIDTH, MAX_WIDTH = 6, 16, 60   # characters (CJK: two); a longer header wraps
_ID_HEADERS = {"年度", "年", "序号", "行", "行号", "原始表行号", "分组序号", "目标年", "完成年份", "年份"}
_CV_WORDS = ("差异系数", "泰尔指数", "基尼系数", "麦克伦指数")
_PERCENT_WORDS = ("份额", "拆分比例", "达标程度", "占差异系数平方")
_MONEY_WORDS = ("万元", "经费", "（元）", "预算")
_COUNTED = re.compile(r"(?:指标数|学校数|项数|项|个数|（个）|（项）)$")   # how many CVs…: a count, not a CV


def column_kinds(frame: pd.DataFrame) -> dict:
    """``{column: kind}`` of a table (a key of :data:`KIND_FORMATS`): ``frame.attrs["kinds"]`` where it names the
    column, otherwise from the header and the values — ``code`` (a header with 代码), ``yesno`` (true/false
    values), ``id`` (年度, 序号, 行号…), ``percent`` (份额, 拆分比例, 达标程度), ``cv`` (差异系数 and the inequality
    indices), ``money`` (万元, 经费, 元), ``count`` (whole numbers), ``number`` (other numbers), ``text``.

    >>> column_kinds(pd.DataFrame({"指标代码": ["cv"], "差异系数": [0.3], "在校生数": [500.0], "达标": [True]}))
    {'指标代码': 'code', '差异系数': 'cv', '在校生数': 'count', '达标': 'yesno'}
    """
    given = dict(frame.attrs.get("kinds") or {})
    out = {}
    for j, col in enumerate(frame.columns):
        out[col] = given[col] if col in given else _kind(str(col), frame.iloc[:, j])
    return out


def _kind(header: str, column: pd.Series) -> str:
    if "代码" in header:
        return "code"
    values = column.dropna()
    if column.dtype.kind == "b" or (len(values) and all(isinstance(v, (bool, np.bool_)) for v in values)):
        return "yesno"
    if column.dtype.kind not in "iuf":
        numbers = pd.to_numeric(values, errors="coerce") if len(values) else values
        if not len(values) or numbers.isna().any() or any(isinstance(v, str) for v in values):
            return "text"
        column = numbers
    if header in _ID_HEADERS or header.endswith("年度"):
        return "id"
    if any(w in header for w in _PERCENT_WORDS):
        return "percent"
    if any(w in header for w in _CV_WORDS) and not _COUNTED.search(header):
        return "cv"
    if any(w in header for w in _MONEY_WORDS):
        return "money"
    finite = column.to_numpy(dtype=float)
    finite = finite[np.isfinite(finite)]
    if column.dtype.kind in "iu" or (len(finite) and bool(np.all(finite == np.round(finite)))):
        return "count"
    return "number"


def _shown(values: list, kind: str) -> list:
    """Cell values as a kind of column shows them: 是/否 for true/false (in any column), whole numbers of a count
    as integers."""
    if kind == "yesno" or any(isinstance(v, (bool, np.bool_)) for v in values):
        return [("是" if v else "否") if isinstance(v, (bool, np.bool_)) else v for v in values]
    if kind in ("count", "id"):
        return [int(v) if isinstance(v, float) and math.isfinite(v) and v == round(v) else v for v in values]
    return values


def text_width(text, wide: str = "WF") -> int:
    """How many character widths ``text`` takes in a cell: CJK characters (East Asian width ``wide``: wide and
    full-width; add ``A`` to count ambiguous ones such as ≤ and — as a Chinese font draws them) count two.

    >>> text_width("学校abc"), text_width(""), text_width("≤ 5"), text_width("≤ 5", wide="WFA")
    (7, 0, 3, 4)
    """
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in wide else 1 for ch in str(text))


def _shown_width(value, fmt) -> int:
    """The width of a cell as Excel shows it under ``fmt`` (roughly: digits, separators and decimals)."""
    if value is None or value == "":
        return 0
    if isinstance(value, str):
        return max(text_width(line) for line in value.splitlines()) if value else 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return 4
        if fmt in ("0.000",):
            return len(f"{value:.3f}")
        if fmt == "#,##0.0":
            return len(f"{value:,.1f}")
        if fmt == "#,##0":
            return len(f"{value:,.0f}")
        if fmt == "0.0%":
            return len(f"{value:.1%}")
        if fmt == "0":
            return len(f"{value:.0f}")
        return len(f"{value:,.2f}")
    return len(str(value))


def _cell(sheet, value, font=None, alignment=None):
    """A cell holding ``value`` as it is given: text that starts like a formula stays text (quote prefix)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value if isinstance(value, str) else _plain(value))
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _values(column: pd.Series) -> list:
    """A column's cells as plain Python values, as ``to_excel`` writes them: ``""`` for missing (an empty cell that
    is there, so a row of missing values is kept), numbers as
    ``int``/``float`` (±infinity as the text ``inf``/``-inf``), ``bool``, dates and times, everything else as text."""
    kind = column.dtype.kind
    if kind in "iu":
        return column.tolist()
    if kind == "f":
        values = column.to_numpy(dtype=float)
        if np.isfinite(values).all():
            return values.tolist()
    return [_plain(v) for v in column.astype(object).tolist()]


def _plain(value):
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return ""
        return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value
    if isinstance(value, pd.Timedelta):
        value = value.to_pytimedelta()
    if isinstance(value, _dt.timedelta):
        return value.total_seconds() / 86400        # days, as to_excel writes a duration
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):                 # a list or an array in a cell: its text
        pass
    return str(value)
