"""Reading the raw school table (读取学校基础数据表) from .xlsx or .csv (UTF-8, UTF-8 with BOM, UTF-16, GBK).

Headers are matched against the canonical Chinese headers or their English aliases
(``rules/school_columns.csv``).  Every cell is checked in one pass; all problems are collected and raised
together as :class:`~junyun_lib.problems.ValidationError`; suspicious-but-possible values come back as
warnings on the :class:`SchoolTable`.  Raw files are opened read-only and never modified.

No number changes silently.  Numbers are read by the shared rules of :mod:`junyun_lib.io.cells` (a null marker
such as ``#N/A`` or ``NaN`` is an error in CSV exactly as in Excel; ``3000,5`` is ambiguous; full-width digits
are read with a warning), then checked against each column's plausible magnitude (``[limits]`` in
``rules/data_checks.toml``) before any cast.  In a workbook, a merged cell and a formula that was never
calculated are errors at the cell; a sheet that cannot be read is a located error, never a traceback.  A CSV
is decoded by :mod:`junyun_lib.io.textfile`; clean files are parsed by pyarrow as text (no null tokens), any
other file by the exact row reader, which keeps blank lines (row numbers stay the editor's) and reports
ragged rows and unclosed quotes where they are.
"""
from __future__ import annotations

import codecs
import datetime as _dt
import difflib
import math
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..problems import Problem, ValidationError
from ..rules import schema
from ..synthetic import SYNTHETIC_MARK
from ..threads import beside, map_in_order
from . import cells, textfile, years
from .validation import check_rows

SYNTHETIC_SHEET = "数据说明"
DATA_SHEET = "学校数据"
HEADER_SCAN_ROWS = 20
LOCATION_COLUMNS = ["source_file", "source_sheet", "source_row"]
# identifiers and categories are compared, so full-width forms are read as half-width (with a warning);
# school names are kept exactly as written
NORMALISED_FIELDS = ("school_id", "school_type", "urban_rural", "ownership", "county")
#: text columns with a few distinct cells over many rows, read once per distinct cell (``CellChecker.text``)
FEW_VALUED_FIELDS = ("county", "school_type", "urban_rural", "ownership")

MERGED = cells.Reason("merged_cell", "合并单元格：请取消合并并在每一行填写数值",
                      "merged cell: unmerge the cells and fill in a value on every row")
EXCEL_ERRORS = frozenset(t for t in cells.NULL_TOKENS if t.startswith("#"))


@dataclass
class SchoolTable:
    """Validated school rows (学校数据), canonical English field names, one row per school per year.

    ``frame`` also carries ``source_file``, ``source_sheet`` and ``source_row`` (the row as Excel shows it)
    so later steps can locate what they report.  ``synthetic`` is True when the source says it is
    synthetic sample data (合成示例数据).
    """

    frame: pd.DataFrame
    warnings: list[Problem] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    synthetic: bool = False

    def county_years(self) -> list[tuple[str, int]]:
        pairs = self.frame[["county", "year"]].drop_duplicates().sort_values(["county", "year"])
        return [(c, int(y)) for c, y in pairs.itertuples(index=False)]

    def has_columns(self, fields) -> bool:
        return all(f in self.frame.columns for f in fields)


@dataclass(frozen=True)
class _Marked:
    """An Excel cell that cannot be read as it stands (part of a merged area, or a formula never calculated):
    why, and what the analyst sees there."""

    reason: cells.Reason
    shown: str


@dataclass
class _RawSheet:
    file: str
    sheet: str
    headers: list[str]
    frame: pd.DataFrame          # positional columns 0..n-1: text (CSV) or Excel values (xlsx)
    rows: np.ndarray             # row number as Excel (or a text editor) shows it
    synthetic: bool = False
    marked: bool = False         # some cells are _Marked (merged or uncalculated)
    #: a clean CSV's number columns read as numbers by pyarrow (``_csv_arrow``): their positions, and how to
    #: read cells of them again as text (``retext(position, records)``), which only the cells a problem quotes need
    typed: frozenset = frozenset()
    retext: Callable[[int, np.ndarray, np.ndarray], list[str]] | None = None
    kept: np.ndarray | None = None   # records of the file read that are still here (blank rows dropped)

    def shown(self, pos: int, index) -> list[str]:
        """The cells of column ``pos`` at row positions ``index`` as the analyst sees them (for messages)."""
        if pos in self.typed:
            index = np.asarray(index, dtype=np.int64)
            held = self.frame[pos].to_numpy(dtype=float)[index]
            return [_shown(text) for text in self.retext(pos, index if self.kept is None else self.kept[index],
                                                         held)]
        column = self.frame[pos]
        return [_shown(column.iat[int(i)]) for i in index]


def _problem(code, zh, en, **where) -> Problem:
    return Problem("error", code, zh, en, **where)


# ----------------------------------------------------------------------------------------------- loading
def _find_header_row(rows: list[list]) -> int | None:
    keys = {schema.by_field()["school_id"].header_zh, "school_id"}
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if any(_clean_header(v) in keys for v in row):
            return i
    return None


def _clean_header(value) -> str:
    if value is None or isinstance(value, _Marked) or (isinstance(value, float) and np.isnan(value)):
        return ""
    return "".join(str(value).split())  # drops spaces, full-width spaces and line breaks inside headers


def _unreadable_sheet(exc: BaseException, **where) -> Problem:
    return _problem("unreadable_sheet", "工作表无法读取（文件可能已损坏）：请用 Excel 打开、另存为 .xlsx 后再导入",
                    f"the sheet cannot be read (the file may be damaged: {type(exc).__name__}); open it in "
                    "Excel, save it again as .xlsx and retry", **where)


def _load_xlsx(path: Path, display: str, sheet: str | None) -> tuple[_RawSheet | None, list[Problem]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt, encrypted or non-Excel file
        head = path.read_bytes()[:8] if path.is_file() else b""
        if head.startswith(b"\xd0\xcf\x11\xe0"):   # an OLE file: an old .xls, or a password-protected workbook
            return None, [_problem("unreadable", "无法作为 Excel 工作簿打开：可能是旧版 .xls 文件或设置了打开密码；"
                                   "请在 Excel 中取消密码并另存为 .xlsx",
                                   "cannot open as an Excel workbook: an old .xls file or a password-protected "
                                   "workbook; remove the password and save it as .xlsx", file=display)]
        return None, [_problem("unreadable", "无法作为 Excel 工作簿打开", f"cannot open as an Excel workbook: {exc}",
                               file=display)]
    try:
        names = book.sheetnames
        chosen = sheet or (DATA_SHEET if DATA_SHEET in names else names[0])
        if chosen not in names:
            return None, [_problem("no_sheet", f"没有名为「{chosen}」的工作表，现有：{'、'.join(names)}",
                                   f"no sheet named '{chosen}'", file=display)]
        synthetic = _is_synthetic(book, names)
        where = dict(file=display, sheet=chosen)
        try:
            ws = book[chosen]
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()   # a stale <dimension> must not cut rows or columns off
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            member = getattr(ws, "_worksheet_path", None)
        except Exception as exc:  # a damaged sheet inside a valid zip: whatever the XML parser raises
            return None, [_unreadable_sheet(exc, **where)]
    finally:
        book.close()
    try:
        merges, formulas = _sheet_xml_facts(path, chosen, member)
    except Exception as exc:
        return None, [_unreadable_sheet(exc, **where)]
    return _grid_to_raw(rows, display, chosen, synthetic, merges=merges, formulas=formulas)


def _is_synthetic(book, names) -> bool:
    if SYNTHETIC_SHEET not in names:
        return False
    try:
        return any(SYNTHETIC_MARK in str(c) for row in book[SYNTHETIC_SHEET].iter_rows(max_row=5, values_only=True)
                   for c in row if c is not None)
    except Exception:   # an unreadable note sheet only means the data is not marked synthetic
        return False


# ---- what openpyxl's read-only mode does not tell: merged ranges, formulas without a calculated value
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_MERGE_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=\"([A-Za-z0-9:$]+)\"")


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for piece in (PurePosixPath(base).parent / target).parts:
        if piece == "..":
            if parts:
                parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, resolved target) of a package part."""
    p = PurePosixPath(part)
    name = str(p.parent / "_rels" / f"{p.name}.rels") if part else "_rels/.rels"
    if name not in archive.namelist():
        return {}
    root = ET.fromstring(archive.read(name))
    return {r.get("Id"): (r.get("Type", ""), _resolve(part, r.get("Target", "")))
            for r in root.iter() if r.tag.endswith("Relationship")}


def _sheet_member(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding a sheet's XML: the workbook part (normally ``xl/workbook.xml``) names the sheet's
    relationship id, its ``.rels`` the file (normally ``xl/worksheets/sheetN.xml``)."""
    book = next((t for kind, t in _rels(archive, "").values() if kind.endswith("/officeDocument")),
                "xl/workbook.xml")
    root = ET.fromstring(archive.read(book))
    rid = next((s.get(_REL_NS) for s in root.iterfind("{*}sheets/{*}sheet") if s.get("name") == sheet), None)
    target = _rels(archive, book).get(rid)
    return target[1] if target else None


def _sheet_xml_facts(path: Path, sheet: str, member: str | None = None):
    """``(merged ranges, {(row, column): formula})`` of a sheet, read from its XML in the zip.

    The XML is scanned once, in pieces, for ``<mergeCell ref=…>`` and for formula elements; only a sheet with
    formulas is parsed again for the formula cells without a calculated value (typical files pay nothing).
    """
    with zipfile.ZipFile(path) as archive:
        member = _sheet_member(archive, sheet) or member
        if member is None or member not in archive.namelist():
            return [], {}
        merges, has_formula, tail = set(), False, b""
        with archive.open(member) as f:
            while chunk := f.read(1 << 20):
                piece = tail + chunk
                has_formula = has_formula or _FORMULA_TAG.search(piece) is not None
                merges.update(m.decode("ascii") for m in _MERGE_REF.findall(piece))
                tail = piece[-512:]
        formulas = _uncalculated_formulas(archive, member) if has_formula else {}
    return sorted(merges), formulas


def _uncalculated_formulas(archive: zipfile.ZipFile, member: str) -> dict[tuple[int, int], str]:
    """``{(row, column): "=formula"}`` of the formula cells with no calculated value (a file written by a
    program and never saved in Excel).  A formula whose calculated result is empty text (``t="str"`` with an
    empty value) was calculated: it reads as blank, as Excel shows it."""
    from openpyxl.utils.cell import coordinate_to_tuple

    out: dict[tuple[int, int], str] = {}
    row, column = 0, 0
    with archive.open(member) as f:
        for event, el in ET.iterparse(f, events=("start", "end")):
            tag = el.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "row":
                    row = int(el.get("r") or row + 1)
                    column = 0
                continue
            if tag == "c":
                ref = el.get("r")
                if ref:
                    row, column = coordinate_to_tuple(ref)
                else:
                    column += 1
                formula = value = None
                for child in el:
                    name = child.tag.rsplit("}", 1)[-1]
                    if name == "f":
                        formula = child
                    elif name == "v":
                        value = child.text
                if formula is not None and not value and el.get("t") not in ("str", "inlineStr"):
                    out[(row, column)] = f"={formula.text}" if formula.text else "=…"
                el.clear()
            elif tag == "row":
                el.clear()
    return out


def _grid_to_raw(rows: list[list], display: str, sheet: str, synthetic: bool = False, *, merges=(),
                 formulas=None) -> tuple[_RawSheet | None, list[Problem]]:
    where = dict(file=display, sheet=sheet)
    if not any(any(v not in (None, "") for v in r) for r in rows):
        return None, [_problem("empty_sheet", "工作表为空", "the sheet is empty", **where)]
    h = _find_header_row(rows)
    if h is None:
        return None, [_problem("no_header", f"前{HEADER_SCAN_ROWS}行中找不到含「学校标识码」的表头行",
                               "no header row with 学校标识码 / school_id found", **where)]
    headers = [_clean_header(v) for v in rows[h]]
    while headers and headers[-1] == "":
        headers.pop()
    # data to the right of the last header must still be seen (and reported as a column with no header)
    data_width = max((max((i for i, v in enumerate(r) if v not in (None, "")), default=-1) + 1
                      for r in rows[h + 1:]), default=0)
    headers += [""] * max(0, data_width - len(headers))
    width = len(headers)
    body = [list(r[:width]) + [None] * (width - len(r)) for r in rows[h + 1:]]
    first = h + 2                                    # Excel row of body[0]
    marked = _mark(body, rows, first, width, merges, formulas or {})
    frame = pd.DataFrame(body, columns=range(width), dtype=object)
    rownums = np.arange(first, first + len(body))
    return _RawSheet(display, sheet, headers, frame, rownums, synthetic, marked), []


def _mark(body: list[list], rows: list[list], first: int, width: int, merges, formulas) -> bool:
    """Mark the body cells covered by a merged area (all but its top-left cell) and the uncalculated formulas."""
    from openpyxl.utils.cell import range_boundaries

    marked = False
    for (r, c), text in formulas.items():
        if first <= r < first + len(body) and c <= width:
            body[r - first][c - 1] = _Marked(cells.UNCALCULATED, text)
            marked = True
    for ref in merges:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
        except (ValueError, TypeError):
            continue
        top = rows[min_row - 1][min_col - 1] if min_row <= len(rows) and min_col <= len(rows[min_row - 1]) \
            else None
        shown = _shown(top)
        for r in range(max(min_row, first), min(max_row, first + len(body) - 1) + 1):
            for c in range(min_col, min(max_col, width) + 1):
                if (r, c) != (min_row, min_col):
                    body[r - first][c - 1] = _Marked(MERGED, shown)
                    marked = True
    return marked


def _load_csv(path: Path, display: str) -> tuple[_RawSheet | None, list[Problem]]:
    try:
        data = textfile.read_bytes(path)
    except ValidationError as exc:   # missing, unreadable: located by textfile
        return None, exc.problems
    # clean UTF-8 (the usual large file): pyarrow parses the bytes, only the lines above the body are decoded.
    # Whether the whole file is clean UTF-8 is checked while pyarrow parses it (on a national file in a
    # second thread); if it is not, the parse is set aside and the file read as decode_head's None would have it
    head = textfile.head_lines(data, HEADER_SCAN_ROWS + 1)
    if head is not None:
        def parse():
            try:
                return _csv_arrow(head[0], data, head[1], display), None
            except Exception as exc:  # noqa: BLE001 — an error on bytes that are not clean UTF-8 is no error
                return None, exc

        clean, (raw, error) = beside(lambda: textfile.clean_utf8(data), parse, rows=len(data) // _BYTES_PER_ROW)
        if not clean:
            head = None
        elif error is not None:
            raise error
        elif raw is not None:
            return raw, []
    try:
        text, encoding = textfile.decode(data, display)
    except ValidationError as exc:   # not text, undecodable: located by textfile
        return None, exc.problems
    if not text or text.isspace():
        return None, [_problem("empty_sheet", "文件为空", "the file is empty", file=display)]
    if head is None:                 # another encoding (clean UTF-8 had its fast path above)
        raw = _csv_arrow(text, data, encoding, display)
        if raw is not None:
            return raw, []
    try:
        records = textfile.csv_rows(text, display)
    except ValidationError as exc:   # an unclosed quote, at the line where it opened
        return None, exc.problems
    return _csv_records_to_raw(records, display)


_LINE_END = re.compile(r"\r\n|\r|\n")
#: fewer bytes than a school row of the table holds: a file's size over this is at least its rows (for threads)
_BYTES_PER_ROW = 100


def _csv_arrow(text: str, data: bytes, encoding: str, display: str) -> _RawSheet | None:
    """The fast path: pyarrow reads the lines below the header, every cell as text, no null tokens.

    ``text`` is the decoded file, or for UTF-8 at least its first ``HEADER_SCAN_ROWS + 1`` lines
    (:func:`textfile.head_lines`).

    Taken only when it is exact: the lines above the header are one record each, and pyarrow returns one record
    per line below it (it drops blank lines and would join lines at a quoted line break, shifting the row
    numbers we report) with balanced quotes.  Otherwise (or when pyarrow refuses, e.g. a ragged row) ``None``:
    the exact row reader takes over.
    """
    starts = [0]
    for m in _LINE_END.finditer(text):
        starts.append(m.end())
        if len(starts) > HEADER_SCAN_ROWS:
            break
    head_text = text[:starts[HEADER_SCAN_ROWS]] if len(starts) > HEADER_SCAN_ROWS else text
    try:
        head = textfile.csv_rows(head_text, display)
    except ValidationError:
        return None
    if [line for line, _ in head] != list(range(1, len(head) + 1)):
        return None
    h = _find_header_row([cells_ for _, cells_ in head])
    if h is None:
        return None
    headers = [_clean_header(v) for v in head[h][1]]
    body_start = starts[h + 1] if h + 1 < len(starts) else len(text)
    if encoding in ("utf-8", "utf-8-sig"):
        skip = len(text[:body_start].encode("utf-8")) + (len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0)
    else:
        data, skip = text[body_start:].encode("utf-8"), 0
    quotes, lf, cr, crlf = _body_counts(data, skip)
    if quotes % 2:
        return None
    lines = lf + cr - crlf + (0 if len(data) == skip or data.endswith((b"\n", b"\r")) else 1)
    width = len(headers)
    typed: list[int] = []
    retext = None
    if lines == 0:
        frame = pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    else:
        names = [f"c{i}" for i in range(width)]
        body = pa.py_buffer(data).slice(skip)
        # large_string is pandas' own text storage: the frame below wraps the text columns without a copy
        as_text = dict.fromkeys(names, pa.large_string())

        def read(types: dict, columns: list[str] | None = None) -> pa.Table:
            # only an empty cell is null, and only in a number column (text columns are never null)
            return pacsv.read_csv(
                pa.BufferReader(body), read_options=pacsv.ReadOptions(column_names=names),
                convert_options=pacsv.ConvertOptions(column_types=types, include_columns=columns or [],
                                                     null_values=[""], strings_can_be_null=False,
                                                     quoted_strings_can_be_null=False, check_utf8=False))

        table = None
        typed = _number_positions(headers)
        if typed:
            # the number columns read as numbers in the same pass: no text column of every cell, no second
            # parse.  pyarrow takes a cell as a number only when it is plain decimal or scientific notation
            # (or nan / inf, below), which the rules read to the same float (both round correctly); anything
            # else (white space, commas, full-width digits, null markers) fails the read, and every cell is
            # then read as text and judged by the rules, as before
            try:
                table = read({**as_text, **{names[p]: pa.float64() for p in typed}})
            except (pa.ArrowException, ValueError):
                table, typed = None, []
        if table is not None:
            # NaN and infinity come from "nan", "inf" or "1e999", which the rules read otherwise (a null marker,
            # not a number, too large): such a column is read as text and judged by the rules.  A column's sum is
            # finite when every value is (one pass; a sum too large for a float sends a column of finite values
            # the slower, equally exact way)
            odd = [p for p in typed if not math.isfinite(pc.sum(table.column(names[p])).as_py() or 0.0)]
            if odd:
                again = read(as_text, [names[p] for p in odd])
                for p in odd:
                    table = table.set_column(p, names[p], again.column(names[p]))
                typed = [p for p in typed if p not in odd]
        if table is None:
            try:
                table = read(as_text)
            except (pa.ArrowException, ValueError):
                return None
        if table.num_rows != lines:
            return None
        frame = table.to_pandas(split_blocks=True)
        frame.columns = range(width)
        if typed:
            retext = _Retext(body, names, read, lf, cr, crlf)
    first = h + 2
    return _RawSheet(display, "", headers, frame, np.arange(first, first + len(frame)), typed=frozenset(typed),
                     retext=retext)


_COUNT_BLOCK = 1 << 20


def _body_counts(data: bytes, skip: int) -> tuple[int, int, int, int]:
    """(quotes, LF, CR, CR LF pairs) in ``data`` after its first ``skip`` bytes (the body of a CSV).

    Vectorised, a block of :data:`_COUNT_BLOCK` bytes at a time (no temporary as large as the file): about a
    quarter of the time of ``bytes.count`` over a national file, which takes one pass per byte counted.

    >>> _body_counts(b'h\\r\\n"a",1\\r\\nb\\n', 3)
    (2, 2, 1, 1)
    """
    octets = np.frombuffer(data, dtype=np.uint8)[skip:]
    mask = np.empty(min(_COUNT_BLOCK, len(octets)), dtype=bool)
    quotes = lf = cr = crlf = 0
    for start in range(0, len(octets), _COUNT_BLOCK):
        block = octets[start:start + _COUNT_BLOCK + 1]     # one byte more: a CR at the end sees what follows it
        own = block[:_COUNT_BLOCK]
        quotes += int(np.count_nonzero(np.equal(own, 0x22, out=mask[:len(own)])))
        lf += int(np.count_nonzero(np.equal(own, 0x0A, out=mask[:len(own)])))
        returns = np.equal(own, 0x0D, out=mask[:len(own)])
        here = int(np.count_nonzero(returns))
        if here:                                          # CR LF pairs only where there is a CR (rare)
            cr += here
            crlf += int(np.count_nonzero(returns[:len(block) - 1] & (block[1:] == 0x0A)))
    return quotes, lf, cr, crlf


class _Retext:
    """Cells of a CSV's number columns as text again, for the messages that quote them.

    The fast path holds one record per line, so record ``k`` is the ``k``-th line of the body: only the lines
    asked for are read again, by the same pyarrow reader, as text.  Each cell read again must hold the number
    read the first time; if one does not (the records and lines do not match) or the line ends are mixed, the
    whole column is read again as text.
    """

    def __init__(self, body: pa.Buffer, names: list[str], read, lf: int, cr: int, crlf: int):
        self.body, self.names, self.read = body, names, read
        self.end = b"\n" if lf and cr == crlf else b"\r" if cr and not lf else None
        self._starts: np.ndarray | None = None

    def _lines(self, records: np.ndarray) -> bytes | None:
        if self.end is None:
            return None
        if self._starts is None:     # a block of the body at a time: no temporary as large as the file
            octets = np.frombuffer(self.body, dtype=np.uint8)
            block = 1 << 20
            ends = [np.flatnonzero(octets[at:at + block] == ord(self.end)) + (at + 1)
                    for at in range(0, len(octets), block)]
            ends = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
            self._starts = np.concatenate([[0], ends[ends < len(octets)], [len(octets)]]).astype(np.int64)
        if not len(records) or records.max() + 1 >= len(self._starts):
            return None
        return b"".join(self.body[a:b].to_pybytes().rstrip(b"\r\n") + b"\n"
                        for a, b in zip(self._starts[records].tolist(), self._starts[records + 1].tolist()))

    def __call__(self, pos: int, records: np.ndarray, held: np.ndarray) -> list[str]:
        """The cells of column ``pos`` in ``records`` (positions among the body's records) as text; ``held``
        the numbers read from them the first time (NaN where blank)."""
        name = self.names[pos]
        lines = self._lines(records)
        if lines is not None:
            def again(kind):
                return pacsv.read_csv(pa.BufferReader(lines), read_options=pacsv.ReadOptions(column_names=self.names),
                                      convert_options=pacsv.ConvertOptions(
                                          column_types={name: kind}, include_columns=[name], null_values=[""],
                                          strings_can_be_null=False, quoted_strings_can_be_null=False,
                                          check_utf8=False)).column(name)
            try:
                text, numbers = again(pa.large_string()), again(pa.float64())
            except (pa.ArrowException, ValueError):
                text = numbers = None
            if numbers is not None and len(numbers) == len(records) and np.array_equal(
                    numbers.to_numpy(zero_copy_only=False).astype(float), held, equal_nan=True):
                return text.to_pylist()
        column = self.read({n: pa.large_string() for n in self.names}, [name]).column(name)
        return column.take(pa.array(records)).to_pylist()


def _number_positions(headers: list[str]) -> list[int]:
    """Positions of the columns the reader will parse as numbers: a header naming a number column of the
    schema, at its first occurrence (a repeated column is reported, not read)."""
    lookup, fields = schema.header_lookup(), schema.by_field()
    seen, out = set(), []
    for pos, header in enumerate(headers):
        fld = lookup.get(header) if header else None
        if fld is None or fld in seen:
            continue
        seen.add(fld)
        if fields[fld].is_numeric:
            out.append(pos)
    return out


def _csv_records_to_raw(records: list[tuple[int, list[str]]], display: str) -> tuple[_RawSheet | None, list[Problem]]:
    """The exact path: rows from :func:`textfile.csv_rows` (line numbers as an editor shows them, blank lines
    kept).  A row with more filled cells than there are headers is an error at its line (its cells cannot be
    matched to columns, so it is not checked further); a shorter row is padded with blank cells."""
    h = _find_header_row([r for _, r in records])
    if h is None:
        return None, [_problem("no_header", f"前{HEADER_SCAN_ROWS}行中找不到含「学校标识码」的表头行",
                               "no header row with 学校标识码 / school_id found", file=display)]
    headers = [_clean_header(v) for v in records[h][1]]
    width = len(headers)
    body, rownums, problems = [], [], []
    for line, row in records[h + 1:]:
        if len(row) > width:
            filled = len(row)
            while filled > width and not row[filled - 1].strip():
                filled -= 1
            if filled > width:
                extra = ",".join(row[width:filled])
                problems.append(_problem(
                    "ragged_row", f"本行有 {filled} 个单元格，表头只有 {width} 列：请检查是否多了逗号或少了引号",
                    f"this row has {filled} cells but the header has only {width} columns; look for an extra "
                    "comma or a missing quote", file=display, row=line, value=extra))
                continue
            row = row[:width]
        body.append(row + [""] * (width - len(row)))
        rownums.append(line)
    frame = pd.DataFrame(body, columns=range(width), dtype=object) if body else \
        pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    return _RawSheet(display, "", headers, frame, np.asarray(rownums, dtype=np.int64)), problems


def load_sheet(source, sheet: str | None) -> tuple[_RawSheet | None, list[Problem]]:
    """One sheet of a workbook, CSV file or DataFrame as raw text cells (原始单元格) with located problems;
    (None, problems) when it cannot be read."""
    if isinstance(source, pd.DataFrame):
        rows = [list(source.columns)] + source.astype(object).where(source.notna(), None).values.tolist()
        return _grid_to_raw(rows, "<DataFrame>", "")
    path = Path(source)
    display = str(source)
    if not path.exists():
        return None, [_problem("not_found", "文件不存在", "file not found", file=display)]
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _load_xlsx(path, display, sheet)
    if suffix == ".csv":
        return _load_csv(path, display)
    hint = "（旧版 .xls 请在 Excel 中另存为 .xlsx）" if suffix == ".xls" else ""
    return None, [_problem("file_type", f"不支持的文件类型「{suffix}」，应为 .xlsx 或 .csv{hint}",
                           "unsupported file type; expected .xlsx or .csv" +
                           ("; save an .xls file as .xlsx in Excel" if suffix == ".xls" else ""), file=display)]


# ------------------------------------------------------------------------------------------------ headers
def _map_headers(raw: _RawSheet) -> tuple[dict[str, int], list[Problem]]:
    lookup = schema.header_lookup()
    where = dict(file=raw.file, sheet=raw.sheet, row=int(raw.rows[0]) - 1 if len(raw.rows) else None)
    mapping: dict[str, int] = {}
    problems = []
    for pos, header in enumerate(raw.headers):
        if header == "":
            if filled_mask(raw.frame[pos]).any():
                problems.append(_problem("blank_header", f"第{pos + 1}列有数据但没有表头",
                                         f"column {pos + 1} has data but no header", **where))
            continue
        fld = lookup.get(header)
        if fld is None:
            close = difflib.get_close_matches(header, list(lookup), n=1, cutoff=0.6)
            hint = f"，是否应为「{close[0]}」？" if close else ""
            problems.append(_problem("unknown_column", f"未知的列{hint}（可用 `junyun template` 生成标准模板）",
                                     "unknown column" + (f"; did you mean '{close[0]}'?" if close else ""),
                                     column=header, **where))
        elif fld in mapping:
            first = raw.headers[mapping[fld]]
            problems.append(_problem("duplicate_column", f"与「{first}」是同一列，重复出现",
                                     f"duplicate of column '{first}'", column=header, **where))
        else:
            mapping[fld] = pos
    for col in schema.columns():
        if col.required == "required" and col.field not in mapping:
            problems.append(_problem("missing_column", f"缺少必需的列「{col.header_zh}」（英文别名 {col.field}）",
                                     f"required column missing: {col.header_zh} / {col.field}", **where))
        elif col.required == "either" and col.field not in mapping and \
                not any(b in mapping for b in schema.band_columns(col.stage)):
            stage_zh = schema.STAGE_ZH[col.stage]
            problems.append(_problem(
                "missing_column", f"缺少必需的列「{col.header_zh}」（英文别名 {col.field}），或{stage_zh}班额分段班数各列"
                                  f"（如「{schema.field_zh(schema.band_columns(col.stage)[0])}」）",
                f"required column missing: {col.header_zh} / {col.field}, or the {col.stage} class-size band counts",
                **where))
    return mapping, problems


# -------------------------------------------------------------------------------------------------- cells
YEAR_RANGE = (1949, 2100)
_KIND_ZH = {"count": "非负整数", "number": "非负数", "year": "四位年份"}
_KIND_EN = {"count": "a non-negative whole number", "number": "a non-negative number", "year": "a 4-digit year"}


def _shown(value) -> str:
    """A cell as the analyst sees it."""
    if isinstance(value, _Marked):
        return value.shown
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, _dt.datetime) and value.time() == _dt.time():
        return value.date().isoformat()
    return str(value)


def _within(num: np.ndarray, low: float, high: float, whole: bool) -> bool:
    """Whether every value of a parsed column (NaN: blank or bad, left out) lies in ``low .. high`` and, if
    ``whole``, is a whole number: then none of :meth:`CellChecker._value_problems` can arise, found with two
    reductions and one comparison instead of a mask per check (the usual case on a national table)."""
    with np.errstate(invalid="ignore"):
        smallest, largest = np.fmin.reduce(num, initial=np.inf), np.fmax.reduce(num, initial=-np.inf)
    if not (smallest >= low and largest <= high):       # (every cell blank: +inf and −inf, within)
        return False
    return not whole or bool(np.all(np.isnan(num) | (np.trunc(num) == num)))


def _number_text(value: float) -> str:
    """A number read, for messages: ``123``, ``3000.5``, ``5,000,000,000``."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}" if abs(value) >= 10000 else str(int(value))
    return repr(float(value))


def _is_arrow_text(series: pd.Series) -> bool:
    dtype = series.dtype
    return isinstance(dtype, pd.StringDtype) and getattr(dtype, "storage", "") == "pyarrow"


def filled_mask(series: pd.Series) -> np.ndarray:
    """Cells with something in them (not empty, not white space, not the covered part of a merged area)."""
    if _is_arrow_text(series):
        array = pa.array(series)
        return pc.fill_null(pc.greater(pc.binary_length(pc.utf8_trim_whitespace(array)), 0), False) \
            .to_numpy(zero_copy_only=False)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.notna().to_numpy()
    return np.fromiter((v is not None and not (isinstance(v, str) and not v.strip())
                        and not (isinstance(v, float) and np.isnan(v))
                        and not (isinstance(v, _Marked) and v.reason is MERGED) for v in series),
                       dtype=bool, count=len(series))


def _parse_input(series: pd.Series):
    """What :func:`cells.parse_column` reads fastest: the arrow array behind a text column, else the series."""
    return pa.array(series) if _is_arrow_text(series) else series


class CellChecker:
    """Parses one sheet's cells column by column, collecting located problems."""

    def __init__(self, raw: _RawSheet):
        self.raw = raw
        self.problems: list[Problem] = []

    def add(self, code, zh, en, index, pos, severity="error"):
        index = [int(i) for i in index]
        if not index:
            return
        for i, value in zip(index, self.raw.shown(pos, index)):      # the cells as written, for the message
            self.problems.append(Problem(
                severity, code, zh(i) if callable(zh) else zh, en(i) if callable(en) else en, file=self.raw.file,
                sheet=self.raw.sheet, row=int(self.raw.rows[i]), column=self.raw.headers[pos], value=value))

    def marks(self, series: pd.Series, pos: int) -> tuple[pd.Series, np.ndarray]:
        """Report the merged and uncalculated cells of a column; they read as blank from here on."""
        n = len(series)
        if not self.raw.marked:
            return series, np.zeros(n, dtype=bool)
        marked = np.fromiter((isinstance(v, _Marked) for v in series), dtype=bool, count=n)
        for i in np.flatnonzero(marked):
            reason = series.iat[i].reason
            self.add(reason.code, reason.zh, reason.en, [i], pos)
        return series.where(~marked, None), marked

    def text(self, series, col, pos):
        if col.field in FEW_VALUED_FIELDS and _is_arrow_text(series) and not self.raw.marked:
            codes, distinct = pd.factorize(series, use_na_sentinel=False)
            if len(distinct) * 8 <= len(series):
                return self._text_of_distinct(codes, pd.Series(distinct), col, pos)
        return self._text_of_rows(series, col, pos)

    def _text_of_rows(self, series, col, pos):
        series, marked = self.marks(series, pos)
        if _is_arrow_text(series) or pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
            values = series.str.strip().fillna("")            # vectorised; the usual case for CSV and text cells
        else:                                    # numbers typed into text cells (Excel ids): shown as written
            values = series.map(_shown).astype(object).str.strip()
        if col.field in NORMALISED_FIELDS:
            values = self.normalise(values, pos)
        blank = values.eq("").to_numpy() & ~marked
        if col.required == "required":
            self.add("blank", "必填项为空", "required value is blank", np.flatnonzero(blank), pos)
        errors = values.isin(EXCEL_ERRORS).to_numpy()
        if errors.any():
            self.add("null_token", lambda i: cells.NULL_TOKEN(values.iat[i]).zh,
                     lambda i: cells.NULL_TOKEN(values.iat[i]).en, np.flatnonzero(errors), pos)
        if col.allowed:
            bad = ~values.isin(col.allowed).to_numpy() & ~blank & ~marked & ~errors
            self.add("unknown_category", f"不是允许的取值，应为：{' / '.join(col.allowed)}",
                     f"not an allowed value; expected one of {', '.join(col.allowed)}", np.flatnonzero(bad), pos)
        return values

    def _text_of_distinct(self, codes: np.ndarray, distinct: pd.Series, col, pos: int) -> pd.Series:
        """:meth:`text` of a column with few distinct cells (a county, a school type; ``codes`` each row's cell
        among ``distinct``): each distinct cell is read and judged once and every row takes its cell's reading
        and verdicts — the same values and problems, in the same order, as reading row by row
        (``tests/test_fast_paths.py``), for a tenth of the work on a national table.  The column comes back
        categorical, as :func:`_finalise_types` makes it."""
        once = CellChecker(_RawSheet(self.raw.file, self.raw.sheet, self.raw.headers, pd.DataFrame({pos: distinct}),
                                     np.arange(len(distinct))))
        values = once._text_of_rows(distinct, col, pos)
        # each kind of verdict once, in the order first drawn, for every row whose cell drew it (in row order),
        # with that cell's message (a full-width or null-token message quotes the cell's reading)
        drew: dict[str, dict[int, Problem]] = {}
        for p in once.problems:
            drew.setdefault(p.code, {})[p.row] = p
        # the rows as the categorical the finished table holds (``_finalise_types``; categories sorted as
        # ``astype("category")`` sorts them): each row's reading, without a text per row
        readings = values.astype("category")
        expanded = pd.Series(pd.Categorical.from_codes(readings.cat.codes.to_numpy()[codes], dtype=readings.dtype))
        for code, by_cell in drew.items():
            hit = np.zeros(len(distinct), dtype=bool)
            hit[list(by_cell)] = True
            self.add(code, lambda i, c=by_cell: c[codes[i]].message_zh, lambda i, c=by_cell: c[codes[i]].message_en,
                     np.flatnonzero(hit[codes]), pos, severity=next(iter(by_cell.values())).severity)
        return expanded

    def normalise(self, values: pd.Series, pos: int) -> pd.Series:
        """Full-width letters and digits (NFKC, :func:`cells.normalise_text`) read as half-width, with a warning.

        Only the cells that are not plain ASCII can change; each distinct one is normalised once.
        """
        array = pa.array(values, type=pa.string())
        ascii_ = pc.string_is_ascii(array).to_numpy(zero_copy_only=False)
        if ascii_.all():
            return values
        where = np.flatnonzero(~ascii_)
        other = array.take(pa.array(where))
        uniques = pc.unique(other)
        read = [cells.normalise_text(u) for u in uniques.to_pylist()]
        if not any(c for _, c in read):
            return values                        # the usual case: nothing to change
        codes = pc.index_in(other, value_set=uniques).to_numpy(zero_copy_only=False)
        changed = np.array([c for _, c in read], dtype=bool)[codes]
        values = values.astype(object).copy()
        new = np.array([t for t, _ in read], dtype=object)[codes]
        values.iloc[where[changed]] = new[changed]
        self.add("full_width", lambda i: f"{cells.FULL_WIDTH.zh}为「{values.iat[i]}」",
                 lambda i: f"{cells.FULL_WIDTH.en}: '{values.iat[i]}'", where[changed], pos, severity="warning")
        return values

    def _value_problems(self, num: np.ndarray, col, pos: int, limit, expect_zh: str, expect_en: str) -> None:
        """The sign, range, whole-number and year problems of a parsed column (``num``: NaN where blank or bad;
        a value out of range becomes NaN)."""
        ok = ~np.isnan(num)
        done = ~ok
        negative = ok & (num < 0)
        self.add("negative", f"不能为负数，应为{expect_zh}", f"negative; expected {expect_en}",
                 np.flatnonzero(negative), pos)
        done |= negative
        if limit is not None:                    # before any cast: 1e19 must never become an int64
            over = ~done & (num > limit.error)
            unit = col.unit or ""
            self.add("out_of_range",
                     f"超出合理范围：一所学校的{col.header_zh}不应超过 {_number_text(limit.error)}{unit}，"
                     "请检查是否多打了数字、填了合计或单位有误",
                     f"out of range: more than {_number_text(limit.error)} is not plausible for one school; check "
                     "for extra digits, a total, or a wrong unit", np.flatnonzero(over), pos)
            done |= over
            num[over] = np.nan                   # reported once: no cross-column check builds on it
            large = ~done & (num > limit.warn)
            self.add("unusually_large", f"数值异常大（超过 {_number_text(limit.warn)}{unit}），请核实",
                     f"unusually large (above {_number_text(limit.warn)}); please check", np.flatnonzero(large), pos,
                     severity="warning")
        if col.kind in ("count", "year"):
            frac = ~done & (np.trunc(num) != num)
            self.add("fractional", f"应为整数（{expect_zh}）", f"not a whole number; expected {expect_en}",
                     np.flatnonzero(frac), pos)
            done |= frac
        if col.kind == "year":
            if col.field == years.STATISTICS_YEAR_FIELD:
                # the statistics year is read only from 2010 to next year (Beijing time): a 2100 is a typo,
                # never a year to evaluate; the year a school was built keeps the wider range
                low, high = years.statistics_year_range()
                zh = f"年份应在{low}–{high}之间（统计年度不早于{low}年、不晚于北京时间当前年份的下一年）"
                en = f"year outside {low}-{high} (a statistics year is {low} or later and at most next year, " \
                     "Beijing time)"
            else:
                low, high = YEAR_RANGE
                zh, en = f"年份应在{low}–{high}之间", f"year outside {low}-{high}"
            out = ~done & ((num < low) | (num > high))
            self.add("year_range", zh, en, np.flatnonzero(out), pos)

    def number(self, series, col, pos, parsed: cells.Column | None = None):
        series, marked = self.marks(series, pos)
        if parsed is None:
            parsed = cells.parse_column(_parse_input(series))
        num = parsed.values                      # a fresh array of floats, NaN where blank or bad
        expect_zh, expect_en = _KIND_ZH[col.kind], _KIND_EN[col.kind]
        for i, reason in parsed.errors.items():
            if reason.code == cells.NOT_A_NUMBER.code:
                zh, en = f"不是数字，应为{expect_zh}", f"not a number; expected {expect_en}"
            else:
                zh, en = reason.zh, reason.en
            self.add(reason.code, zh, en, [i], pos)
        for i, reason in parsed.warnings.items():
            self.add(reason.code, f"{reason.zh}：读作 {_number_text(num[i])}",
                     f"{reason.en}: read as {_number_text(num[i])}", [i], pos, severity="warning")
        # the range within which no value draws a problem (nor a warning)
        limit = schema.limits().get(col.field)
        low, high = (years.statistics_year_range() if col.field == years.STATISTICS_YEAR_FIELD else YEAR_RANGE) \
            if col.kind == "year" else (0.0, np.inf)
        if limit is not None:
            high = min(high, limit.warn, limit.error)
        if not _within(num, low, high, whole=col.kind in ("count", "year")):
            self._value_problems(num, col, pos, limit, expect_zh, expect_en)
        blank = parsed.blank & ~marked
        if col.blank_means_zero:
            num[blank] = 0.0
        elif col.required == "required":
            self.add("blank", f"必填项为空，应为{expect_zh}（没有请填0）",
                     f"required value is blank; expected {expect_en} (enter 0 if none)", np.flatnonzero(blank), pos)
        return pd.Series(num, copy=False)


def _parse(raw: _RawSheet, mapping: dict[str, int]) -> tuple[pd.DataFrame, list[Problem]]:
    checker = CellChecker(raw)
    fields = schema.by_field()
    parsed: dict[str, cells.Column] = {}
    if not raw.marked:
        # a sheet without marked cells: the number columns held as text are parsed first (by pyarrow, two at a
        # time on a national sheet); the checks and their problems below stay in column order.  A CSV's
        # columns read as numbers need no parsing
        numeric = [(fld, pos) for fld, pos in mapping.items() if fields[fld].is_numeric and pos not in raw.typed]
        parsed = dict(zip([fld for fld, _ in numeric], map_in_order(
            lambda item: cells.parse_column(_parse_input(raw.frame[item[1]].reset_index(drop=True))), numeric,
            rows=len(raw.frame))))
    # the text columns are checked in a second thread on a national sheet (pyarrow string kernels, beside the
    # numpy checks of the number columns), each column with its own list of problems, merged below in column
    # order as one pass would give them.  They read a frame of their own: the number columns' loop drops
    # columns from the sheet's frame as it goes
    text_fields = [(fld, pos) for fld, pos in mapping.items() if not fields[fld].is_numeric]
    text_raw = replace(raw, frame=pd.DataFrame({pos: raw.frame[pos] for _, pos in text_fields}, copy=False))

    def check_text() -> dict:
        checked = {}
        for fld, pos in text_fields:
            own = CellChecker(text_raw)
            checked[fld] = own.text(text_raw.frame[pos].reset_index(drop=True), fields[fld], pos), own.problems
        return checked

    def check_numbers() -> dict:
        checked = {}
        for fld, pos in mapping.items():
            col = fields[fld]
            if not col.is_numeric:
                continue
            own = CellChecker(raw)
            series = raw.frame[pos].reset_index(drop=True)
            checked[fld] = own.number(series, col, pos, parsed.pop(fld, None)), own.problems
            if pos in raw.typed:
                # read as numbers: its cells are now checked (and are read again as text only for a message),
                # so the sheet's copy goes — a national file is not held twice
                del series
                del raw.frame[pos]
        return checked

    texts, numbers = beside(check_text, check_numbers, rows=len(raw.frame))
    data = {}
    for fld in mapping:
        data[fld], found = texts[fld] if fld in texts else numbers[fld]
        checker.problems += found
    del text_raw, texts, numbers
    n = len(raw.rows)
    frame = pd.DataFrame(data, copy=False)      # no consolidation copy of a national table
    # one text per sheet: categorical from the start (as the finished table holds them), not a text per row
    frame["source_file"] = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [raw.file])
    frame["source_sheet"] = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [raw.sheet])
    frame["source_row"] = raw.rows.astype("int64")
    return frame, checker.problems


def drop_blank_rows(raw: _RawSheet) -> _RawSheet:
    """Rows with nothing but empty or whitespace cells are skipped (their numbers are kept by the others).

    Column by column, only the rows not yet known to hold something are looked at: on a full table that is
    one column."""
    undecided = np.arange(len(raw.frame))
    for column in raw.frame.columns:
        if not len(undecided):
            break
        series = raw.frame[column]
        if len(undecided) < len(series):
            series = series.iloc[undecided]
        undecided = undecided[~filled_mask(series)]
    if not len(undecided):
        return raw
    keep = np.ones(len(raw.frame), dtype=bool)
    keep[undecided] = False
    return _RawSheet(raw.file, raw.sheet, raw.headers, raw.frame[keep].reset_index(drop=True), raw.rows[keep],
                     raw.synthetic, raw.marked, typed=raw.typed, retext=raw.retext,
                     kept=np.flatnonzero(keep) if raw.kept is None else raw.kept[keep])


# ------------------------------------------------------------------------------------------------- public
def read_schools(sources, *, county: str | None = None, year: int | None = None,
                 sheet: str | None = None) -> SchoolTable:
    """Read and validate one or more raw school tables (学校基础数据表).

    ``sources`` is a path, a DataFrame, or a list of them.  ``county``/``year`` select one county-year;
    asking for one that is not in the data is an error.  The statistics year (统计年度) must agree wherever it is
    stated — a file's name (``schools_2024.xlsx``), its 统计年度 column and ``year`` (``--year``) — and lie
    within 2010 .. next year (:mod:`junyun_lib.io.years`).  Raises :class:`ValidationError` listing every
    problem; returns a :class:`SchoolTable` otherwise.
    """
    if isinstance(sources, (str, Path, pd.DataFrame)):
        sources = [sources]
    names = [str(s) if not isinstance(s, pd.DataFrame) else "<DataFrame>" for s in sources]
    asked_out_of_range = years.asked_range_problems(year, file=", ".join(names))
    frames, problems, synthetic, written = [], list(asked_out_of_range), [], {}
    for source in sources:
        raw, found = load_sheet(source, sheet)
        problems += found
        if not isinstance(source, pd.DataFrame) and Path(source).exists():
            problems += years.name_range_problems(source)   # a missing file is reported as missing only
        if raw is None:
            continue
        raw = drop_blank_rows(raw)
        mapping, found = _map_headers(raw)
        problems += found
        if raw.frame.empty:
            if not any(p.code == "ragged_row" for p in problems if p.file == raw.file):
                problems.append(_problem("no_rows", "表头下没有数据行", "no data rows below the header",
                                         file=raw.file, sheet=raw.sheet))
            continue
        if any(p.code == "missing_column" for p in found):
            continue  # cell checks on a sheet with missing columns would only repeat the same cause
        frame, found = _parse(raw, mapping)
        problems += found
        # the file name's year, the 统计年度 column and --year, compared in the same pass as the cells
        problems += years.rows_disagree(frame["year"], frame["source_row"], file=raw.file, sheet=raw.sheet,
                                        header=raw.headers[mapping["year"]], asked=year)
        frames.append(frame)
        written[frame["source_file"].iat[0]] = {fld: raw.headers[pos] for fld, pos in mapping.items()}
        synthetic.append(raw.synthetic)
        raw = None          # the cells as read (and a CSV's bytes) are not needed past here: let them go
    if not frames:
        raise ValidationError(problems)
    frame = _largest_class_where_no_pupils(pd.concat(frames, ignore_index=True))
    frames.clear()      # only ``frame`` holds the columns from here (so a column replaced below is freed)
    frame, found = _rooms_no_data(frame, written)
    problems += found
    # row checks run on the rows whose cells all parsed, so one pass reports both kinds of problem (a value out
    # of range did parse: it is a finite number, and the row's consistency is worth reporting with it)
    # … except a largest class out of range: it is set aside (blank), and "no largest class" would repeat it
    either = {(file, header) for file, headers in written.items()
              for fld, header in headers.items() if schema.by_field()[fld].required == "either"}
    bad_cells = {(p.file, p.row) for p in problems
                 if p.severity == "error" and p.row is not None and
                 (p.code != "out_of_range" or (p.file, p.column) in either)}
    clean = frame
    if bad_cells:
        located = pd.Series(list(zip(frame["source_file"], frame["source_row"])), index=frame.index)
        clean = frame[~located.isin(bad_cells)]
    problems += check_rows(clean.reset_index(drop=True), written)
    del clean
    selection = select_problems(frame, county, year, file=", ".join(names))
    # "--year not in the data" is said once: by the range error, or by each file's disagreement (which names it)
    disagreeing = {p.file for p in problems if p.code == "year_disagrees"}
    if asked_out_of_range or set(written) <= disagreeing:
        selection = [p for p in selection if p.code != "year_not_found"]
    problems += selection
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ValidationError(problems)
    if county is not None:
        frame = frame[frame["county"] == county]
    if year is not None:
        frame = frame[frame["year"] == year]
    frame = frame.reset_index(drop=True)
    frame = _finalise_types(frame)      # casts in place: the float columns it replaces are freed as it goes
    warnings = [p for p in problems if p.severity == "warning"]
    return SchoolTable(frame, warnings, names, synthetic=bool(synthetic) and all(synthetic))


def _largest_class_where_no_pupils(frame: pd.DataFrame) -> pd.DataFrame:
    """最大班额 of a stage the school does not enrol is 0; elsewhere a blank stays unknown (bands may decide).
    A table that gives only the bands gets the column, unknown where the stage has pupils."""
    for col in schema.columns():
        if col.required != "either":
            continue
        students = frame.get(f"students_{col.stage}")
        no_pupils = ~(students > 0) if students is not None else np.ones(len(frame), dtype=bool)
        values = frame[col.field] if col.field in frame.columns else pd.Series(np.nan, index=frame.index)
        frame[col.field] = values.where(~(no_pupils & values.isna()), 0.0)
    return frame


#: 音乐、美术专用教室: in no statistics form, so a table imported without the supplementary table has none
ROOM_FIELDS = ("music_rooms", "music_room_min_area_m2", "art_rooms", "art_room_min_area_m2")


def _rooms_no_data(frame: pd.DataFrame, written: dict) -> tuple[pd.DataFrame, list[Problem]]:
    """Music and art rooms left out or blank are no data (无数据), never 0: the columns are kept blank (NaN), so
    the special-room checks are undetermined and 政府保障程度 3 shows 无数据; one warning per file says how many
    schools and how to supply them.  A blank area beside a count is the row checks' business."""
    problems = []
    for col in ROOM_FIELDS:
        if col not in frame.columns:
            frame[col] = np.nan
    blank = frame[["music_rooms", "art_rooms"]].isna().any(axis=1)
    for file, rows in frame[blank].groupby("source_file", sort=False, observed=True):
        headers = written.get(file, {})
        absent = [schema.field_zh(c) for c in ("music_rooms", "art_rooms") if c not in headers]
        what = f"没有「{'」「'.join(absent)}」列" if absent else "音乐或美术专用教室数为空"
        problems.append(Problem(
            "warning", "rooms_no_data", f"{what}（{len(rows)} 所学校）：音乐、美术专用教室无数据（不按 0 计），政府保障程度第3项"
            "（每12个班级配备音乐、美术专用教室）将显示为无数据；没有此类教室的学校请填 0。教育事业统计表中没有这些数据："
            "导入时用 junyun supplement-template 生成补充表填写，再以 junyun import --supplement 导入",
            f"music/art rooms missing for {len(rows)} school(s): no data (never 0); guarantee item 3 shows no "
            "data. Enter 0 where a school has none; on import supply them with `junyun supplement-template` and "
            "--supplement", file=file, sheet=str(rows["source_sheet"].iat[0]),
            column="、".join(headers.get(c, schema.field_zh(c)) for c in ("music_rooms", "art_rooms")),
            value=f"{len(rows)} 所"))
    return frame, problems


def select_problems(frame: pd.DataFrame, county: str | None, year: int | None, file: str = "") -> list[Problem]:
    problems = []
    found_counties = sorted(frame["county"].unique())
    found_years = sorted(int(y) for y in frame["year"].dropna().unique())
    if county is not None and county not in found_counties:
        problems.append(_problem("county_not_found", f"数据中没有县区「{county}」，现有：{'、'.join(found_counties)}",
                                 f"county '{county}' not in the data", column=schema.field_zh("county"), file=file))
    if year is not None and year not in found_years:
        problems.append(_problem("year_not_found", f"数据中没有{year}年度，现有：{'、'.join(map(str, found_years))}",
                                 f"year {year} not in the data", column=schema.field_zh("year"), file=file))
    return problems


def _finalise_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts without blanks become int64 (their range was checked, so the cast is exact); columns in schema
    order; rows stay in file order."""
    for col in schema.columns():
        if col.field in frame.columns and col.kind in ("count", "year") and frame[col.field].notna().all() and (
                col.kind == "year" or col.field in schema.limits() or frame[col.field].abs().max() < 2 ** 53):
            frame[col.field] = frame[col.field].astype("int64")
    # few distinct values: categorical columns make grouping, filtering and mapping cheap at national scale
    for fld in (*FEW_VALUED_FIELDS, "source_file", "source_sheet"):
        frame[fld] = frame[fld].astype("category")
    order = [c.field for c in schema.columns() if c.field in frame.columns] + LOCATION_COLUMNS
    return frame[order]


def require_single(table: SchoolTable) -> tuple[str, int]:
    """The one county-year of a table, or a clear error when it holds several (一次只能分析一个县区年度)."""
    pairs = table.county_years()
    if len(pairs) != 1:
        listed = "、".join(f"{c}{y}年" for c, y in pairs)
        raise ValidationError([_problem(
            "several_county_years", f"数据包含多个县区或年度（{listed}），请用 --county / --year 指定一个",
            "the data holds several counties or years; choose one with --county / --year",
            file=", ".join(table.sources))])
    return pairs[0]
