"""Writing result workbooks (结果工作簿): one sheet per table, header row frozen, columns sized, atomically.

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

    Each table's columns are its header row (frozen), its rows follow without the index; a column is as wide as
    its header needs (10 to 40 characters).  Text that could be read as a formula is stored as text
    (:data:`FORMULA_STARTS`).

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> path = Path(tempfile.mkdtemp()) / "结果.xlsx"
    >>> _ = write_workbook(path, {"学校": pd.DataFrame({"学校": ["=1+1", None], "在校生": [500, float("nan")]})})
    >>> [[c.value for c in row] for row in openpyxl.load_workbook(path)["学校"].iter_rows()]
    [['学校', '在校生'], ['=1+1', 500], [None, None]]
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    path = Path(path)
    with atomic_path(path) as tmp:
        book = Workbook(write_only=True)
        for name, frame in sheets.items():
            sheet = book.create_sheet(title=name)
            sheet.freeze_panes = "A2"
            for i, col in enumerate(frame.columns, start=1):   # widths go before the rows in a streamed sheet
                sheet.column_dimensions[get_column_letter(i)].width = min(max(len(str(col)) * 2 + 2, 10), 40)
            sheet.append([_cell(sheet, col) for col in frame.columns])
            columns = [_values(frame.iloc[:, j]) for j in range(frame.shape[1])]
            for row in zip(*columns):
                sheet.append([_cell(sheet, v) if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
                              for v in row])
        book.save(tmp)
    return path


def _cell(sheet, value):
    """A cell holding ``value`` as it is given: text that starts like a formula stays text (quote prefix)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value if isinstance(value, str) else _plain(value))
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
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
