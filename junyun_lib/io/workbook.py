"""Writing result workbooks (结果工作簿): one sheet per table, header row frozen, columns sized, atomically."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .atomic import atomic_path


def write_workbook(path, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write ``{sheet name: table}`` to an .xlsx file at ``path`` (atomically); returns the path."""
    path = Path(path)
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for i, col in enumerate(frame.columns, start=1):
                sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(max(len(str(col)) * 2 + 2, 10), 40)
    return path
