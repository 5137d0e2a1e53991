"""Plausible magnitudes (合理量级) of the school table, exactly at and just beyond the limits in the rule files.

The limits are read here from ``rules/data_checks.toml`` and ``rules/school_columns.csv`` with the standard
library, apart from junyun's own loader: at ``warn`` no warning, just above it a warning; at ``error`` a
warning only, just above it an error that names the cell.  Counts are checked before any integer cast.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:          # Python 3.10
    import tomli as tomllib

from _badinput_helpers import ZH, base_table
from junyun_lib.io.reader import read_schools
from junyun_lib.problems import ValidationError

REPO = Path(__file__).resolve().parents[1]
LIMITS = tomllib.loads((REPO / "junyun_lib/rules/data_checks.toml").read_text("utf-8"))["limits"]
GROUP = {r["field"]: r["limit"] for r in
         csv.DictReader(io.StringIO((REPO / "junyun_lib/rules/school_columns.csv").read_text("utf-8")))}

CASES = [("computers", 0), ("teaching_aux_area_m2", 0), ("equipment_value_yuan", 0), ("books", 1)]


def _read(tmp_path: Path, field: str, row: int, value):
    path = base_table().set(row, field, value).to_xlsx(tmp_path / "schools_2023.xlsx")
    return read_schools(path)


def _large(table, field):
    return [w for w in table.warnings if w.code == "unusually_large" and w.column == ZH[field]]


@pytest.mark.parametrize("field,row", CASES)
def test_at_the_warning_limit_no_warning_just_above_a_warning(tmp_path, field, row):
    warn = LIMITS[GROUP[field]]["warn"]
    assert _large(_read(tmp_path, field, row, warn), field) == []
    above = _large(_read(tmp_path, field, row, warn + 1), field)
    assert len(above) == 1 and above[0].row == row + 2


@pytest.mark.parametrize("field,row", CASES)
def test_at_the_error_limit_accepted_just_above_rejected_with_its_cell(tmp_path, field, row):
    error = LIMITS[GROUP[field]]["error"]
    table = _read(tmp_path, field, row, error)
    assert float(table.frame[field].iloc[row]) == error          # read exactly as typed
    assert len(_large(table, field)) == 1
    with pytest.raises(ValidationError) as exc:
        _read(tmp_path, field, row, error + 1)
    [p] = exc.value.problems
    assert (p.code, p.row, p.column) == ("out_of_range", row + 2, ZH[field])
    assert "超出合理范围" in p.message_zh and "out of range" in p.message_en


def test_a_count_beyond_int64_is_rejected_not_wrapped(tmp_path):
    with pytest.raises(ValidationError) as exc:
        _read(tmp_path, "students_primary", 0, 1e19)
    assert [p.code for p in exc.value.problems] == ["out_of_range"]
