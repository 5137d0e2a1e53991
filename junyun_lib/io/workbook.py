"""Writing result workbooks (结果工作簿): one sheet per table, header row frozen, columns sized, atomically.

Text from the data is never a formula: a cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is stored as text and marked so (Excel's quote prefix), following the OWASP guidance on
formula injection — a school named ``=HYPERLINK(…)`` stays a name, and the workbook reads back exactly.
"""
from __future__ import annotations

from pathlib import Path

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
    """Write ``{sheet name: table}`` to an .xlsx file at ``path`` (atomically); returns the path."""
    path = Path(path)
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            protect_formulas(sheet)
            sheet.freeze_panes = "A2"
            for i, col in enumerate(frame.columns, start=1):
                sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(max(len(str(col)) * 2 + 2, 10), 40)
    return path
