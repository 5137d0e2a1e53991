"""Property: whatever an analyst types into a number cell, ``junyun evaluate`` either reads exactly that
number or rejects the file with a located error — never a traceback, never a changed number.

Hypothesis writes random cell values (numbers, null markers, separators, full-width digits, huge and tiny
magnitudes, text) into one cell of a valid school table, as .xlsx (numbers as numeric cells, text as text)
or .csv, and compares junyun's answer with an oracle written here, apart from junyun's own parser, from the
rules the analyst is told: blank is blank; null markers are not numbers; a comma only as thousands grouping;
full-width characters read as half-width; plain decimal or scientific notation; non-negative; finite and
within the column's plausible limit (``rules/data_checks.toml``).
"""
from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
try:
    import tomllib
except ModuleNotFoundError:          # Python 3.10
    import tomli as tomllib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _badinput_helpers import ZH, base_table
from junyun_lib.cli import main
from junyun_lib.io.reader import read_schools

REPO = Path(__file__).resolve().parents[1]
FIELD = "teaching_aux_area_m2"              # a required number column with no cross-row rule but warnings
HEADER = ZH[FIELD]
NULLS = {"#N/A", "N/A", "NA", "NAN", "NULL", "NONE", "NIL", "-", "--", "—", "——", "–", "/", "\\", "#NULL!",
         "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!"}


def _limit() -> float:
    """The column's error limit, read from the rule files as an analyst would."""
    rows = list(csv.DictReader(io.StringIO((REPO / "junyun_lib/rules/school_columns.csv").read_text("utf-8"))))
    group = next(r for r in rows if r["field"] == FIELD).get("limit", "")
    limits = tomllib.loads((REPO / "junyun_lib/rules/data_checks.toml").read_text("utf-8")).get("limits", {})
    return float(limits[group]["error"]) if group in limits else math.inf


LIMIT = _limit()


def oracle(value) -> float | None:
    """The number the analyst typed, or None when junyun must reject the cell."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = Decimal(value) if isinstance(value, int) else (Decimal(repr(value)) if math.isfinite(value) else None)
    else:
        text = unicodedata.normalize("NFKC", value).strip()
        if not text or text.upper() in NULLS:
            return None                            # blank in a required column, or a null marker
        if "," in text:
            if not re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", text):
                return None
            text = text.replace(",", "")
        if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    if number is None or number < 0 or number > Decimal(str(LIMIT)) or not math.isfinite(float(number)):
        return None
    return float(number)


def _stored(path: Path) -> float:
    """The number the workbook holds in the typed cell, read back with openpyxl (not with junyun)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        sheet = book[book.sheetnames[0]]
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    header = next(i for i, r in enumerate(rows) if HEADER in r)
    return rows[header + 1][rows[header].index(HEADER)]


TOKENS = ["#N/A", "NaN", "NULL", "N/A", "-", "—", "/", "", " ", "abc", "1,234", "12,345,678", "3000,5", "1,23",
          "１２３", "１２３．５", "1e19", "1e308", "1e999", "inf", "-5", "+7", ".5", "5.", "0x10", "1_000",
          "１，２３４", " 3000.5 ", "3 000", "3000.5.1", "1e-300", "2E3", "00012", "nan", "None", "TRUE"]
numbers = st.one_of(st.integers(min_value=-10, max_value=10**20),
                    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e12),
                    st.floats(min_value=1e-320, max_value=1e-3), st.sampled_from([math.inf, 1e308, 0.0]))
texts = st.one_of(st.sampled_from(TOKENS), numbers.map(str),
                  st.builds(lambda a, b: f"{a},{b:03d}", st.integers(1, 999), st.integers(0, 999)),
                  st.text(alphabet="0123456789０１２３４５６７８９,.，．-+e ", min_size=1, max_size=9),
                  st.text(max_size=6))


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(value=st.one_of(numbers, texts), fmt=st.sampled_from(["xlsx", "csv"]))
def test_a_typed_value_is_read_exactly_or_rejected_with_its_location(value, fmt, tmp_path_factory):
    root = tmp_path_factory.mktemp("typed")
    folder = root / "data" / "raw" / "x"
    folder.mkdir(parents=True)
    table = base_table().set(0, FIELD, value)
    if fmt == "csv":
        path = table.to_csv(folder / "schools_2023.csv", encoding="utf-8")
    else:
        path = table.to_xlsx(folder / "schools_2023.xlsx")
    typed = value if fmt == "xlsx" else ("" if value is None else str(value))
    if fmt == "xlsx" and isinstance(value, float) and math.isfinite(value):
        typed = _stored(path)    # the number in the file: openpyxl writes 16 significant digits, as Excel keeps
    want = oracle(typed)
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()) as err:
        status = main(["evaluate", str(path), "--data-dir", str(root / "data"), "--out", str(root / "out")])
    message = err.getvalue()
    assert "Traceback" not in message and status in (0, 2), (status, message)
    if status == 0:
        assert want is not None, f"accepted {typed!r}, which the rules reject"
        got = float(read_schools(path).frame[FIELD].iloc[0])
        assert got == want, f"typed {typed!r}: read {got!r}, expected {want!r}"
    else:
        assert want is None, f"rejected {typed!r} = {want!r}:\n{message}"
        assert "第2行" in message and f"列「{HEADER}」" in message and path.name in message, message
