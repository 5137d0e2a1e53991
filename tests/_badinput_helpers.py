"""Helpers for tests/test_bad_input.py: a small valid school table built by hand, writers that turn it into
.xlsx / .csv files (UTF-8, UTF-8 with BOM, GBK), and one checker that a bad file is rejected, located and
left untouched.

The base table holds four schools — a 小学, an 初级中学, a 九年一贯制学校 and a 完全中学 — in 测试县 2023.
Every required, optional and basic column is present and every value is consistent, so the base reads with
no error and no warning; each test breaks exactly what it is about.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from _files import sha256
from junyun_lib.rules import schema
from junyun_lib.cli import main
from junyun_lib.problems import Problem, ValidationError
from junyun_lib.io.reader import DATA_SHEET, read_schools

COUNTY = "测试县"
YEAR = 2023

# field -> value per school; None is a blank cell (stage columns that do not apply are left blank = 0)
_SCHOOLS = [
    dict(school_id="3601000001", school_name="示例第一小学", school_type="小学", urban_rural="城区",
         ownership="公办", built_year=2005,
         students_primary=600, classes_primary=14, max_class_primary=45,
         teachers_above_degree_primary=30, key_teachers_primary=6, pe_art_teachers_primary=6,
         teaching_aux_area_m2=3000.5, sports_area_m2=5000, equipment_value_yuan=1500000,
         multimedia_classrooms=14, music_rooms=1, music_room_min_area_m2=96, art_rooms=1, art_room_min_area_m2=90,
         migrant_students=50, computers=100, books=20000, teachers_primary=35, mid_title_teachers_primary=20),
    dict(school_id="3601000002", school_name="示例第一初级中学", school_type="初级中学", urban_rural="镇区",
         ownership="公办", built_year=2010,
         students_junior=900, classes_junior=18, max_class_junior=50,
         teachers_above_degree_junior=60, key_teachers_junior=8, pe_art_teachers_junior=8,
         teaching_aux_area_m2=6000, sports_area_m2=10000, equipment_value_yuan=3000000,
         multimedia_classrooms=20, music_rooms=1, music_room_min_area_m2=96, art_rooms=1, art_room_min_area_m2=90,
         migrant_students=30, computers=150, books=30000, teachers_junior=70, mid_title_teachers_junior=40),
    dict(school_id="3601000003", school_name="示例九年一贯制学校", school_type="九年一贯制学校", urban_rural="乡村",
         ownership="公办", built_year=2016,
         students_primary=300, classes_primary=8, max_class_primary=40,
         students_junior=200, classes_junior=5, max_class_junior=42,
         teachers_above_degree_primary=15, key_teachers_primary=3, pe_art_teachers_primary=3,
         teachers_above_degree_junior=14, key_teachers_junior=2, pe_art_teachers_junior=2,
         teaching_aux_area_m2=2800, sports_area_m2=4000, equipment_value_yuan=1200000,
         multimedia_classrooms=12, music_rooms=1, music_room_min_area_m2=80, art_rooms=1, art_room_min_area_m2=75,
         migrant_students=10, computers=80, books=15000, teachers_primary=20, mid_title_teachers_primary=10,
         teachers_junior=18, mid_title_teachers_junior=9),
    dict(school_id="3601000004", school_name="示例完全中学", school_type="完全中学", urban_rural="城区",
         ownership="民办", built_year=2000,
         students_junior=400, students_senior=300, classes_junior=8, max_class_junior=50,
         teachers_above_degree_junior=30, key_teachers_junior=4, pe_art_teachers_junior=4,
         teaching_aux_area_m2=4000, sports_area_m2=6000, equipment_value_yuan=2000000,
         multimedia_classrooms=16, music_rooms=2, music_room_min_area_m2=96, art_rooms=2, art_room_min_area_m2=90,
         migrant_students=20, computers=120, books=25000, teachers_junior=35, mid_title_teachers_junior=20),
]

FIELDS = [c.field for c in schema.columns()]
ZH = {c.field: c.header_zh for c in schema.columns()}


@dataclass
class Table:
    """A raw table as a grid: written headers and rows of cell values (None = blank cell)."""

    headers: list[str]
    rows: list[list] = field(default_factory=list)

    # ---- editing
    def pos(self, header: str) -> int:
        return self.headers.index(header)

    def set(self, i: int, column: str, value) -> "Table":
        """Set data row ``i`` (0-based), column given by field name or written header."""
        self.rows[i][self._col(column)] = value
        return self

    def get(self, i: int, column: str):
        return self.rows[i][self._col(column)]

    def _col(self, column: str) -> int:
        if column in self.headers:
            return self.headers.index(column)
        if column in ZH and ZH[column] in self.headers:
            return self.headers.index(ZH[column])
        raise KeyError(column)

    def drop(self, column: str) -> "Table":
        p = self._col(column)
        del self.headers[p]
        for r in self.rows:
            del r[p]
        return self

    def rename(self, column: str, new_header) -> "Table":
        self.headers[self._col(column)] = new_header
        return self

    def add_column(self, header, values) -> "Table":
        self.headers.append(header)
        for r, v in zip(self.rows, values):
            r.append(v)
        return self

    def add_row(self, row: list) -> "Table":
        self.rows.append(list(row))
        return self

    def copy_row(self, i: int) -> list:
        return list(self.rows[i])

    # ---- writing
    def to_xlsx(self, path: Path, *, sheet: str = DATA_SHEET, title_rows: list[list] | None = None,
                extra_sheets: dict[str, list[list]] | None = None) -> Path:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = sheet
        for r in (title_rows or []):
            ws.append(r)
        ws.append(self.headers)
        for r in self.rows:
            ws.append(r)
        for row in ws.iter_rows():
            for c in row:       # text that starts with "=" is text, as Excel keeps a value typed as '=…
                if isinstance(c.value, str) and c.value.startswith("="):
                    c.data_type = "s"
        for name, grid in (extra_sheets or {}).items():
            other = wb.create_sheet(name)
            for r in grid:
                other.append(r)
        wb.save(path)
        return path

    def to_csv(self, path: Path, *, encoding: str = "utf-8", title_rows: list[list] | None = None) -> Path:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        for r in (title_rows or []):
            w.writerow(["" if v is None else v for v in r])
        w.writerow(self.headers)
        for r in self.rows:
            w.writerow(["" if v is None else v for v in r])
        path.write_bytes(buf.getvalue().encode(encoding))
        return path


def base_table(*, aliases: bool = False, county: str = COUNTY, year: int = YEAR) -> Table:
    """The valid four-school table, Chinese headers (or the English aliases)."""
    headers = list(FIELDS) if aliases else [ZH[f] for f in FIELDS]
    rows = []
    for school in _SCHOOLS:
        values = dict(school, county=county, year=year)
        rows.append([values.get(f) for f in FIELDS])
    return Table(headers, rows)


def excel_row(i: int, header_row: int = 1) -> int:
    """Row number as Excel shows it of data row ``i`` (0-based) under a header in ``header_row``."""
    return header_row + 1 + i


def processed_files(data_dir: Path) -> list[Path]:
    root = Path(data_dir) / "processed"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def read_errors(path, **kwargs) -> ValidationError:
    """``read_schools`` must raise; return the error."""
    try:
        read_schools(path, **kwargs)
    except ValidationError as exc:
        return exc
    raise AssertionError(f"read_schools({path}) accepted a bad file")


def find(problems: list[Problem], *, code: str | None = None, row: int | None = None,
         column: str | None = None) -> list[Problem]:
    return [p for p in problems if (code is None or p.code == code) and (row is None or p.row == row)
            and (column is None or p.column == column)]


def describe(problems: list[Problem]) -> str:
    return "\n".join(f"  {p.code} row={p.row} col={p.column!r} value={p.value!r} sheet={p.sheet!r} "
                     f"file={p.file!r}: {p.message_zh} | {p.message_en}" for p in problems) or "  (none)"


def run_ingest(path: Path, data_dir: Path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["ingest", str(path), "--data-dir", str(data_dir)])
    return status, capsys.readouterr().err


def assert_rejected(path: Path, tmp_path: Path, capsys, *, code: str, row: int | None, column: str | None,
                    value: str | None = None, zh: str = "", en: str = "", sheet: str | None = None,
                    count: int = 1, read_kwargs: dict | None = None) -> list[Problem]:
    """The whole contract for one bad file.

    ``read_schools`` raises a ValidationError holding ``count`` problem(s) with this code at this row and
    column (header as written), naming the file and sheet, quoting the value, with a Chinese message holding
    ``zh`` and an English gloss holding ``en``; ``junyun ingest`` exits 2 and reports the same on stderr;
    nothing is written under data/processed; the input file's bytes are unchanged.
    """
    path = Path(path)
    before = sha256(path)
    err = read_errors(path, **(read_kwargs or {}))
    hits = find(err.problems, code=code, row=row, column=column)
    assert len(hits) == count, (f"expected {count} problem(s) {code} at row {row} column {column!r}; "
                                f"got:\n{describe(err.problems)}")
    for p in hits:
        assert p.severity == "error"
        assert Path(p.file).name == path.name, p.file
        if sheet is not None:
            assert p.sheet == sheet, p.sheet
        if value is not None:
            assert p.value == value, (p.value, value)
        assert p.message_zh and p.message_en
        assert zh in p.message_zh, (zh, p.message_zh)
        assert en.lower() in p.message_en.lower(), (en, p.message_en)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in p.message_zh), p.message_zh
        assert sum(ch.isascii() and ch.isalpha() for ch in p.message_en) >= 5, p.message_en

    data_dir = tmp_path       # the test folder is the data folder: the bad file lies in it
    status, stderr = run_ingest(path, data_dir, capsys)
    assert status == 2, stderr
    assert path.name in stderr
    if row is not None:
        assert f"第{row}行" in stderr, stderr
    if column:
        assert f"列「{column}」" in stderr, stderr
    if value:
        assert f"值「{value}」" in stderr, stderr
    assert zh in stderr and en.lower() in stderr.lower(), stderr
    assert processed_files(data_dir) == [], processed_files(data_dir)
    assert sha256(path) == before, "the input file was modified"
    return hits
