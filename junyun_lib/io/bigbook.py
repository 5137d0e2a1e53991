"""Writing large workbooks (大工作簿): the national result tables as .xlsx, streamed.

:func:`junyun_lib.io.workbook.write_workbook` goes through openpyxl, which builds every cell as a Python
object: about 14 s per million cells here, six minutes for the 27 million cells of a national evaluation's
tables.  This writer builds each sheet's XML column by column with Arrow's string kernels, a block of rows at
a time, and streams it into the zip file, so the workbook is never held in memory either.

What it writes is a plain SpreadsheetML workbook (ECMA-376): one sheet per table, the header row bold and
frozen, columns sized as the small writer sizes them; numbers as numbers (shortest text that reads back to
the same double), booleans as booleans, missing values as empty cells.  Text is always an inline string,
never a formula; text that a person editing the cell could turn into one (``=…``, ``+…``, ``-…``, ``@…``, a
tab or a carriage return first) is also marked as text with Excel's quote prefix, as the small writer does
(OWASP guidance on formula injection).  Characters XML 1.0 cannot hold (control characters other than tab and
line breaks) are dropped.  A sheet holds at most :data:`MAX_ROWS` rows: a larger table is the caller's to
split (:func:`junyun_lib.report.excel.tidy_sheets`); here it is refused.
"""
from __future__ import annotations

import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import pandas as pd

from .atomic import atomic_path
from .workbook import FORMULA_STARTS

#: rows of an Excel sheet, header included (Excel 2007 and later)
MAX_ROWS = 1_048_576
#: characters of a sheet name, and those it may not hold
MAX_SHEET_NAME = 31
_BAD_SHEET_CHARS = set('[]:*?/\\')
#: rows turned into XML at a time: a block of a 50-column table is a few tens of MB of text
BLOCK_ROWS = 20_000
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_STYLES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
           '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill>'
           '<fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           '</styleSheet>')
_QUOTED, _HEADER = 1, 2          # the cell styles above: quote prefix (text), bold (header)
_NOT_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"


def column_letter(index: int) -> str:
    """Excel's name of the column at 0-based ``index``.

    >>> column_letter(0), column_letter(25), column_letter(26), column_letter(16383)
    ('A', 'Z', 'AA', 'XFD')
    """
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def sheet_name_problem(name: str) -> str | None:
    """Why Excel would refuse ``name`` as a sheet name, or None."""
    if not name or len(name) > MAX_SHEET_NAME:
        return f"工作表名称须为 1 至 {MAX_SHEET_NAME} 个字符：{name!r}"
    if set(name) & _BAD_SHEET_CHARS or name.startswith("'") or name.endswith("'"):
        return f"工作表名称不能含有 []:*?/\\ 或以单引号开头、结尾：{name!r}"
    return None


def _arrow_column(series: pd.Series):
    """A column as an Arrow array and its kind: ``number``, ``bool``, ``text`` or ``mixed`` (an object column of
    numbers and text: each value keeps its own kind, as a pair of arrays)."""
    import pyarrow as pa

    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return pa.array(series.astype("boolean"), from_pandas=True), "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return pa.array(series, from_pandas=True, type=pa.int64()), "number"
    if pd.api.types.is_numeric_dtype(dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        return pa.array(np.where(np.isfinite(values), values, np.nan), from_pandas=True), "number"
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return pa.array(series.astype(str).where(series.notna(), None), type=pa.string()), "text"
    if isinstance(dtype, pd.StringDtype):
        return pa.array(series, from_pandas=True).cast(pa.string()), "text"
    values = series.to_numpy(dtype=object)
    try:                          # text and missing values only (names, codes): converted by Arrow in one call
        return pa.array(values, type=pa.string(), from_pandas=True), "text"
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    missing = pd.isna(values)
    present = values[~missing].tolist()
    if present and all(isinstance(v, (bool, np.bool_)) for v in present):
        return pa.array([None if m else bool(v) for v, m in zip(values.tolist(), missing.tolist())],
                        type=pa.bool_()), "bool"
    numbers = np.array([isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
                        for v in values.tolist()], dtype=bool) & ~missing
    text = pa.array([None if m or n else str(v) for v, m, n in zip(values.tolist(), missing.tolist(),
                                                                   numbers.tolist())], type=pa.string())
    if not numbers.any():
        return text, "text"
    as_number = np.where(numbers, values, np.nan).astype(float)
    return (pa.array(np.where(np.isfinite(as_number), as_number, np.nan), from_pandas=True), text), "mixed"


def _number_cells(pc, ref, values):
    import pyarrow as pa

    return pc.binary_join_element_wise('<c r="', ref, '"><v>', pc.cast(values, pa.string()), "</v></c>", "")


def _text_cells(pc, ref, values):
    import pyarrow as pa

    text = pc.replace_substring_regex(values, _NOT_XML, "")
    for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
        text = pc.replace_substring(text, old, new)
    quoted = pc.starts_with(values, FORMULA_STARTS[0])
    for start in FORMULA_STARTS[1:]:
        quoted = pc.or_(quoted, pc.starts_with(values, start))
    style = pc.if_else(quoted, pa.scalar(f' s="{_QUOTED}"'), pa.scalar(""))
    return pc.binary_join_element_wise('<c r="', ref, '" t="inlineStr"', style,
                                       '><is><t xml:space="preserve">', text, "</t></is></c>", "")


def _cells(pc, ref, column, kind):
    """The XML of one column's cells in a block ("" for a missing value: no cell)."""
    import pyarrow as pa

    if kind == "number":
        cells = _number_cells(pc, ref, column)
    elif kind == "bool":
        v = pc.if_else(column, pa.scalar("1"), pa.scalar("0"))
        cells = pc.binary_join_element_wise('<c r="', ref, '" t="b"><v>', v, "</v></c>", "")
    elif kind == "text":
        cells = _text_cells(pc, ref, column)
    else:                                   # mixed: a number where there is one, else the text
        numbers, text = column
        cells = pc.coalesce(_number_cells(pc, ref, numbers), _text_cells(pc, ref, text))
    return pc.fill_null(cells, "")


def _sheet_parts(frame: pd.DataFrame, block_rows: int):
    """The worksheet's XML: ``(head, [block builders], tail)``; each builder returns one block of rows' XML."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = [str(c) for c in frame.columns]
    letters = [column_letter(i) for i in range(len(columns))]
    widths = "".join(f'<col min="{i}" max="{i}" width="{min(max(len(c) * 2 + 2, 10), 40)}" customWidth="1"/>'
                     for i, c in enumerate(columns, start=1))
    cells = "".join(f'<c r="{letter}1" t="inlineStr" s="{_HEADER}"><is><t xml:space="preserve">{escape(name)}'
                    '</t></is></c>' for letter, name in zip(letters, columns))
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" '
            f'xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            f'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            + (f"<cols>{widths}</cols>" if columns else "") + f'<sheetData><row r="1">{cells}</row>').encode("utf-8")
    arrays: list = []

    def block(start: int, stop: int):
        if not arrays:                 # converted once, by the first block (in the writer's second thread)
            arrays.extend(_arrow_column(frame.iloc[:, i]) for i in range(len(columns)))
        number = pc.cast(pa.array(np.arange(start + 2, stop + 2, dtype=np.int64)), pa.string())
        pieces = ['<row r="', number, '">']
        for letter, (column, kind) in zip(letters, arrays):
            part = tuple(c.slice(start, stop - start) for c in column) if kind == "mixed" else \
                column.slice(start, stop - start)
            pieces.append(_cells(pc, pc.binary_join_element_wise(letter, number, ""), part, kind))
        pieces.append("</row>")
        rows = pc.binary_join_element_wise(*pieces, "")
        if isinstance(rows, pa.ChunkedArray):
            rows = rows.combine_chunks()
        # the rows' text is the string array's data buffer, end to end: handed on without a Python string each
        offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32 if rows.type == pa.string() else np.int64)
        first, last = int(offsets[rows.offset]), int(offsets[rows.offset + len(rows)])
        return memoryview(rows.buffers()[2])[first:last]

    starts = range(0, len(frame), block_rows)
    builders = [lambda a=a: block(a, min(a + block_rows, len(frame))) for a in starts]
    return head, builders, b"</sheetData></worksheet>"


def write_big_workbook(path, sheets: dict[str, pd.DataFrame], *, block_rows: int = BLOCK_ROWS) -> Path:
    """Write ``{sheet name: table}`` to an .xlsx file at ``path`` (atomically, streamed); returns the path.

    Raises ValueError, before anything is written, for a sheet name Excel refuses or a table of more than
    ``MAX_ROWS - 1`` rows (split it first).
    """
    path = Path(path)
    for name, frame in sheets.items():
        problem = sheet_name_problem(name)
        if problem:
            raise ValueError(problem)
        if len(frame) + 1 > MAX_ROWS:
            raise ValueError(f"工作表「{name}」有 {len(frame):,} 行，超过 Excel 每表 {MAX_ROWS - 1:,} 行数据的上限")
        if len(frame.columns) > 16384:
            raise ValueError(f"工作表「{name}」有 {len(frame.columns):,} 列，超过 Excel 每表 16,384 列的上限")
    names = list(sheets)
    types = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, len(names) + 1))
    content_types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
                     'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="'
                     'application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                     'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
                     'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
                     'styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+'
                     f'xml"/>{types}</Types>')
    root_rels = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
                 f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    sheet_list = "".join(f'<sheet name={quoteattr(n)} sheetId="{i}" r:id="rId{i}"/>'
                         for i, n in enumerate(names, start=1))
    workbook = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" '
                f'xmlns:r="{_REL}"><bookViews><workbookView/></bookViews><sheets>{sheet_list}</sheets></workbook>')
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(names) + 1))
    rels += f'<Relationship Id="rId{len(names) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    workbook_rels = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                     f'xmlns="{_PKG_REL}">{rels}</Relationships>')
    with atomic_path(path) as tmp:
        # deflate level 1: the sheets' XML is most of the time at level 6, and compresses almost as well
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book, \
                ThreadPoolExecutor(max_workers=1) as pool:
            book.writestr("[Content_Types].xml", content_types)
            book.writestr("_rels/.rels", root_rels)
            book.writestr("xl/workbook.xml", workbook)
            book.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
            book.writestr("xl/styles.xml", _STYLES)
            for i, name in enumerate(names, start=1):
                frame = sheets[name]
                # ZIP64 only where a sheet may pass 2 GB of XML (about 60 bytes a cell at most): Excel reads
                # it, but a small file is better left in the plain format every reader knows
                large = (len(frame) + 1) * max(len(frame.columns), 1) * 60 > 2 ** 31 - 1
                head, builders, tail = _sheet_parts(frame, block_rows)
                with book.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=large) as handle:
                    handle.write(head)
                    # the next block's XML is built (Arrow, without the GIL) while this one is compressed
                    pending = None
                    for build in builders:
                        future = pool.submit(build)
                        if pending is not None:
                            handle.write(pending.result())
                        pending = future
                    if pending is not None:
                        handle.write(pending.result())
                    handle.write(tail)
    return path
