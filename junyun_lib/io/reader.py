"""Reading the raw school table (读取学校基础数据表) from .xlsx or .csv (UTF-8, UTF-8 with BOM, GBK).

Headers are matched against the canonical Chinese headers or their English aliases
(``rules/school_columns.csv``).  Every cell is checked in one pass; all problems are collected and raised
together as :class:`~junyun_lib.problems.ValidationError`; suspicious-but-possible values come back as
warnings on the :class:`SchoolTable`.  Raw files are opened read-only and never modified.
"""
from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..problems import Problem, ValidationError
from ..rules import schema
from ..synthetic import SYNTHETIC_MARK
from .validation import check_rows

SYNTHETIC_SHEET = "数据说明"
DATA_SHEET = "学校数据"
HEADER_SCAN_ROWS = 20
LOCATION_COLUMNS = ["source_file", "source_sheet", "source_row"]


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


@dataclass
class _RawSheet:
    file: str
    sheet: str
    headers: list[str]
    frame: pd.DataFrame          # positional columns 0..n-1
    rows: np.ndarray             # row number as Excel shows it
    synthetic: bool = False


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
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return "".join(str(value).split())  # drops spaces, full-width spaces and line breaks inside headers


def _load_xlsx(path: Path, display: str, sheet: str | None) -> tuple[_RawSheet | None, list[Problem]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or non-Excel file
        return None, [_problem("unreadable", "无法作为 Excel 工作簿打开", f"cannot open as an Excel workbook: {exc}",
                               file=display)]
    try:
        names = book.sheetnames
        synthetic = SYNTHETIC_SHEET in names and any(
            SYNTHETIC_MARK in str(c) for row in book[SYNTHETIC_SHEET].iter_rows(max_row=5, values_only=True)
            for c in row if c is not None)
        chosen = sheet or (DATA_SHEET if DATA_SHEET in names else names[0])
        if chosen not in names:
            return None, [_problem("no_sheet", f"没有名为「{chosen}」的工作表，现有：{'、'.join(names)}",
                                   f"no sheet named '{chosen}'", file=display)]
        rows = [list(r) for r in book[chosen].iter_rows(values_only=True)]
    finally:
        book.close()
    return _grid_to_raw(rows, display, chosen, synthetic)


def _grid_to_raw(rows: list[list], display: str, sheet: str, synthetic: bool = False):
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
    body = [list(r[:len(headers)]) + [None] * (len(headers) - len(r)) for r in rows[h + 1:]]
    frame = pd.DataFrame(body, columns=range(len(headers)), dtype=object)
    rownums = np.arange(h + 2, h + 2 + len(body))
    return _RawSheet(display, sheet, headers, frame, rownums, synthetic), []


ENCODINGS = ("utf-8", "gb18030")   # gb18030 is a superset of GBK


def _encoding(data: bytes) -> str | None:
    """UTF-8 (with or without BOM) or GBK, judged on the whole file."""
    for enc in ENCODINGS:
        try:
            data.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    return None


def _load_csv(path: Path, display: str) -> tuple[_RawSheet | None, list[Problem]]:
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    enc = _encoding(data)
    if enc is None:
        return None, [_problem("encoding", "无法识别文件编码，应为 UTF-8 或 GBK",
                               "cannot decode the file; expected UTF-8 or GBK", file=display)]
    if not data.strip():
        return None, [_problem("empty_sheet", "文件为空", "the file is empty", file=display)]
    if enc != "utf-8":
        data = data.decode(enc).encode("utf-8")
    first_lines = b"\n".join(data.split(b"\n", HEADER_SCAN_ROWS)[:HEADER_SCAN_ROWS]).decode("utf-8")
    head = list(csv.reader(io.StringIO(first_lines)))
    h = _find_header_row(head)
    if h is None:
        return None, [_problem("no_header", f"前{HEADER_SCAN_ROWS}行中找不到含「学校标识码」的表头行",
                               "no header row with 学校标识码 / school_id found", file=display)]
    headers = [_clean_header(v) for v in head[h]]
    text_columns = {i for i, name in enumerate(headers)
                    if schema.header_lookup().get(name) in {c.field for c in schema.columns() if not c.is_numeric}}
    frame = _parse_csv_body(data, h + 1, len(headers), text_columns)
    rownums = np.arange(h + 2, h + 2 + len(frame))
    return _RawSheet(display, "", headers, frame, rownums), []


def _parse_csv_body(data: bytes, skip: int, width: int, text_columns: set[int]) -> pd.DataFrame:
    """The data lines below the header (UTF-8 bytes), positional columns; text columns stay text.

    pyarrow's multi-threaded reader is used when every line is a record (it drops empty lines, which would
    shift the row numbers we report); otherwise pandas' reader with blank lines kept.
    """
    body = data.split(b"\n", skip)[-1] if skip else data
    if re.search(rb"\n[ \t]*\r?\n", body) is None and not body.startswith((b"\n", b"\r\n")):
        try:
            return _parse_csv_arrow(data, skip, width, text_columns)
        except (pa.ArrowInvalid, ValueError):
            pass  # ragged lines and the like: pandas' reader reports them row by row below
    return pd.read_csv(io.BytesIO(data), header=None, skiprows=skip, dtype={i: str for i in text_columns},
                       skip_blank_lines=False, names=range(width), index_col=False, encoding="utf-8")


def _parse_csv_arrow(data: bytes, skip: int, width: int, text_columns: set[int]) -> pd.DataFrame:
    names = [f"c{i}" for i in range(width)]
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(skip_rows=skip, column_names=names),
        convert_options=pacsv.ConvertOptions(column_types={names[i]: pa.string() for i in text_columns},
                                             strings_can_be_null=True))
    frame = table.to_pandas()
    frame.columns = range(width)
    return frame


def _load(source, sheet: str | None) -> tuple[_RawSheet | None, list[Problem]]:
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
    return None, [_problem("file_type", f"不支持的文件类型「{suffix}」，应为 .xlsx 或 .csv",
                           "unsupported file type; expected .xlsx or .csv", file=display)]


# ------------------------------------------------------------------------------------------------ headers
def _map_headers(raw: _RawSheet) -> tuple[dict[str, int], list[Problem]]:
    lookup = schema.header_lookup()
    where = dict(file=raw.file, sheet=raw.sheet, row=int(raw.rows[0]) - 1 if len(raw.rows) else None)
    mapping: dict[str, int] = {}
    problems = []
    for pos, header in enumerate(raw.headers):
        if header == "":
            if raw.frame[pos].notna().any():
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
    return mapping, problems


# -------------------------------------------------------------------------------------------------- cells
YEAR_RANGE = (1949, 2100)
_KIND_ZH = {"count": "非负整数", "number": "非负数", "year": "四位年份"}
_KIND_EN = {"count": "a non-negative whole number", "number": "a non-negative number", "year": "a 4-digit year"}


def _shown(value) -> str:
    """A cell as the analyst sees it."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _blank_mask(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series):
        return series.isna()
    return series.isna() | series.astype(str).str.strip().eq("")


def _to_number(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(numbers, blank, not_a_number) — thousands separators are tolerated."""
    blank = _blank_mask(series)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype(float), blank, pd.Series(False, index=series.index)
    text = series.astype(str).str.strip().str.replace(",", "", regex=False).str.replace("，", "", regex=False)
    num = pd.to_numeric(text.where(~blank), errors="coerce").astype(float)
    return num, blank, num.isna() & ~blank


class _CellChecker:
    """Parses one sheet's cells column by column, collecting located problems."""

    def __init__(self, raw: _RawSheet):
        self.raw = raw
        self.problems: list[Problem] = []

    def add(self, code, zh, en, index, header, severity="error"):
        for i in index:
            self.problems.append(Problem(severity, code, zh, en, file=self.raw.file, sheet=self.raw.sheet,
                                         row=int(self.raw.rows[i]), column=header,
                                         value=_shown(self.raw.frame.iat[i, self.raw.headers.index(header)])))

    def text(self, series, col, header):
        if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
            values = series.str.strip()          # vectorised; the usual case for CSV and text cells
        else:                                    # numbers typed into text cells (Excel ids): shown as written
            values = series.map(_shown).astype(object).str.strip()
        blank = values.isna() | values.eq("")
        if col.required == "required":
            self.add("blank", "必填项为空", "required value is blank", np.flatnonzero(blank), header)
        if col.allowed:
            bad = ~values.isin(col.allowed) & ~blank
            self.add("unknown_category", f"不是允许的取值，应为：{' / '.join(col.allowed)}",
                     f"not an allowed value; expected one of {', '.join(col.allowed)}", np.flatnonzero(bad), header)
        return values.where(~blank, "")

    def number(self, series, col, header):
        num, blank, bad = _to_number(series)
        expect_zh, expect_en = _KIND_ZH[col.kind], _KIND_EN[col.kind]
        self.add("not_a_number", f"不是数字，应为{expect_zh}", f"not a number; expected {expect_en}",
                 np.flatnonzero(bad), header)
        self.add("negative", f"不能为负数，应为{expect_zh}", f"negative; expected {expect_en}",
                 np.flatnonzero(num < 0), header)
        if col.kind in ("count", "year"):
            frac = num.notna() & (num % 1 != 0)
            self.add("fractional", f"应为整数（{expect_zh}）", f"not a whole number; expected {expect_en}",
                     np.flatnonzero(frac), header)
        if col.kind == "year":
            out = num.notna() & ((num < YEAR_RANGE[0]) | (num > YEAR_RANGE[1]))
            self.add("year_range", f"年份应在{YEAR_RANGE[0]}–{YEAR_RANGE[1]}之间",
                     f"year outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}", np.flatnonzero(out), header)
        if col.blank_means_zero:
            num = num.where(~blank, 0.0)
        elif col.required == "required":
            self.add("blank", f"必填项为空，应为{expect_zh}（没有请填0）",
                     f"required value is blank; expected {expect_en} (enter 0 if none)", np.flatnonzero(blank), header)
        return num


def _parse(raw: _RawSheet, mapping: dict[str, int]) -> tuple[pd.DataFrame, list[Problem]]:
    checker = _CellChecker(raw)
    data = {}
    for fld, pos in mapping.items():
        col = schema.by_field()[fld]
        series = raw.frame[pos].reset_index(drop=True)
        header = raw.headers[pos]
        data[fld] = checker.number(series, col, header) if col.is_numeric else checker.text(series, col, header)
    frame = pd.DataFrame(data)
    frame["source_file"] = raw.file
    frame["source_sheet"] = raw.sheet
    frame["source_row"] = raw.rows.astype("int64")
    return frame, checker.problems


def _drop_blank_rows(raw: _RawSheet) -> _RawSheet:
    """Rows with nothing but empty or whitespace cells are skipped (their numbers are kept by the others)."""
    filled = raw.frame.notna().to_numpy().copy()
    for i, column in enumerate(raw.frame.columns):
        series = raw.frame[column]
        if not pd.api.types.is_numeric_dtype(series) and filled[:, i].any():
            filled[:, i] &= ~_blank_mask(series).to_numpy()
    keep = filled.any(axis=1)
    if keep.all():
        return raw
    return _RawSheet(raw.file, raw.sheet, raw.headers, raw.frame[keep].reset_index(drop=True), raw.rows[keep],
                     raw.synthetic)


# ------------------------------------------------------------------------------------------------- public
def read_schools(sources, *, county: str | None = None, year: int | None = None,
                 sheet: str | None = None) -> SchoolTable:
    """Read and validate one or more raw school tables (学校基础数据表).

    ``sources`` is a path, a DataFrame, or a list of them.  ``county``/``year`` select one county-year;
    asking for one that is not in the data is an error.  Raises :class:`ValidationError` listing every
    problem; returns a :class:`SchoolTable` otherwise.
    """
    if isinstance(sources, (str, Path, pd.DataFrame)):
        sources = [sources]
    frames, problems, synthetic, written = [], [], [], {}
    for source in sources:
        raw, found = _load(source, sheet)
        problems += found
        if raw is None:
            continue
        raw = _drop_blank_rows(raw)
        mapping, found = _map_headers(raw)
        problems += found
        if raw.frame.empty:
            problems.append(_problem("no_rows", "表头下没有数据行", "no data rows below the header",
                                     file=raw.file, sheet=raw.sheet))
            continue
        if any(p.code == "missing_column" for p in found):
            continue  # cell checks on a sheet with missing columns would only repeat the same cause
        frame, found = _parse(raw, mapping)
        problems += found
        frames.append(frame)
        written[frame["source_file"].iat[0]] = {fld: raw.headers[pos] for fld, pos in mapping.items()}
        synthetic.append(raw.synthetic)
    if not frames:
        raise ValidationError(problems)
    frame = pd.concat(frames, ignore_index=True)
    names = [str(s) if not isinstance(s, pd.DataFrame) else "<DataFrame>" for s in sources]
    # row checks run on the rows whose cells all parsed, so one pass reports both kinds of problem
    bad_cells = {(p.file, p.row) for p in problems if p.severity == "error" and p.row is not None}
    clean = frame
    if bad_cells:
        located = pd.Series(list(zip(frame["source_file"], frame["source_row"])), index=frame.index)
        clean = frame[~located.isin(bad_cells)]
    problems += check_rows(clean.reset_index(drop=True), written)
    problems += select_problems(frame, county, year, file=", ".join(names))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ValidationError(problems)
    if county is not None:
        frame = frame[frame["county"] == county]
    if year is not None:
        frame = frame[frame["year"] == year]
    frame = _finalise_types(frame.reset_index(drop=True))
    warnings = [p for p in problems if p.severity == "warning"]
    return SchoolTable(frame, warnings, names, synthetic=bool(synthetic) and all(synthetic))


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
    """Counts without blanks become int64; columns in schema order; rows stay in file order."""
    for col in schema.columns():
        if col.field in frame.columns and col.kind in ("count", "year") and frame[col.field].notna().all():
            frame[col.field] = frame[col.field].astype("int64")
    # few distinct values: categorical columns make grouping, filtering and mapping cheap at national scale
    for fld in ("county", "school_type", "urban_rural", "ownership", "source_file", "source_sheet"):
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
