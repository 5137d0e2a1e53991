"""The national-scale paths that use two threads give exactly what the one-at-a-time paths give.

Above ``junyun_lib.threads.THREADED_ROWS`` rows, a sheet's number columns are parsed two at a time and the
duplicate-id check runs beside the other row checks; an evaluation runs its school-level checks and its table
of excluded schools beside the parts and CVs, and the gaps beside the CV tables; the cause measures take two
indicators at a time, and the results' scorecards are built beside the other tables.  Each is checked here
against the same code run one step after the other: the same table, the same problems in the same order, and
bit-for-bit the same values.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _badinput_helpers import ZH, base_table
from junyun_lib.evaluation import causes
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib import threads
from junyun_lib.io.reader import read_schools
from junyun_lib.problems import ValidationError


def _read(path):
    try:
        return read_schools(path), []
    except ValidationError as exc:
        return None, exc.problems


def _large_table():
    """The sample rows repeated, under new ids, to just over ``THREADED_ROWS`` rows; and the rows repeated."""
    table = base_table()
    first = [list(r) for r in table.rows]
    table.rows = []
    for k in range(threads.THREADED_ROWS // len(first) + 1):
        for i, row in enumerate(first):
            row = list(row)
            row[table.pos(ZH["school_id"])] = f"{k:05d}{i:02d}{row[table.pos(ZH['school_id'])]}"
            table.add_row(row)
    return table, first


def test_a_large_sheet_reads_the_same_in_threads_as_column_by_column(tmp_path, monkeypatch):
    table, first = _large_table()
    # a few bad and doubtful cells, far apart, in several number columns
    table.set(7, "students_primary", "12a")
    table.set(30_001, "computers", "-3")
    table.set(44_444, "books", "１２０")
    table.set(len(table.rows) - 1, "teaching_aux_area_m2", "1e999")
    # and row-level problems: a duplicate id (checked beside the other row checks), a junior section without
    # classes
    table.set(40_000, "school_id", table.get(20_000, "school_id"))
    table.set(45_000, "classes_junior", 0).set(45_000, "students_junior", 300)
    path = table.to_csv(tmp_path / "schools_2023.csv")
    threaded = _read(path)
    monkeypatch.setattr(threads, "THREADED_ROWS", 10 ** 9)
    serial = _read(path)
    assert threaded[0] is None and serial[0] is None
    assert [p.__dict__ for p in threaded[1]] == [p.__dict__ for p in serial[1]]
    assert {p.code for p in threaded[1]} >= {"not_a_number", "negative", "non_finite", "duplicate_id"}

    # and a clean large sheet: the same values, exactly
    table.set(7, "students_primary", first[7 % len(first)][table.pos(ZH["students_primary"])])
    table.set(30_001, "computers", 10).set(44_444, "books", 120).set(len(table.rows) - 1, "teaching_aux_area_m2", 900)
    table.set(40_000, "school_id", "unique-40000").set(45_000, "students_junior", 0)
    (tmp_path / "clean").mkdir()
    path = table.to_csv(tmp_path / "clean" / "schools_2023.csv")     # the name's year is the data's (2023)
    serial_ok = _read(path)
    monkeypatch.setattr(threads, "THREADED_ROWS", 1)
    threaded_ok = _read(path)
    assert serial_ok[0] is not None and threaded_ok[0] is not None
    pd.testing.assert_frame_equal(threaded_ok[0].frame, serial_ok[0].frame, check_exact=True)
    assert [w.__dict__ for w in threaded_ok[0].warnings] == [w.__dict__ for w in serial_ok[0].warnings]


@pytest.fixture(scope="module")
def sample_evaluation():
    from pathlib import Path
    paths = sorted((Path(__file__).resolve().parents[1] / "data" / "raw").glob("*/schools_*.xlsx"))
    return evaluate(read_schools(paths))


def test_cause_measures_are_the_same_two_at_a_time(sample_evaluation, monkeypatch):
    parts = sample_evaluation.parts
    codes = list(next(iter(sample_evaluation.standards.values())).codes)
    monkeypatch.setattr(threads, "THREADED_ROWS", 10 ** 9)
    serial = causes.causes_by_group(parts, codes)
    monkeypatch.setattr(threads, "THREADED_ROWS", 1)
    threaded = causes.causes_by_group(parts, codes)
    assert np.array_equal(serial["group"], threaded["group"])
    for code in codes:
        for name, value in serial[code].items():
            other = threaded[code][name]
            if value.dtype == object:
                assert value.tolist() == other.tolist(), (code, name)
            else:
                assert np.array_equal(value, other, equal_nan=True), (code, name)


def test_school_level_checks_beside_the_parts_give_the_same_evaluation(monkeypatch):
    from pathlib import Path
    from junyun_lib.evaluation import evaluate as evaluate_module

    paths = sorted((Path(__file__).resolve().parents[1] / "data" / "raw").glob("*/schools_*.xlsx"))
    table = read_schools(paths)
    monkeypatch.setattr(threads, "THREADED_ROWS", 10 ** 9)
    serial = evaluate(table)
    monkeypatch.setattr(threads, "THREADED_ROWS", 1)
    threaded = evaluate(table)
    for name in evaluate_module.TABLES:
        pd.testing.assert_frame_equal(getattr(threaded, name), getattr(serial, name), check_exact=True)
    assert [w.__dict__ for w in threaded.warnings] == [w.__dict__ for w in serial.warnings]


def test_scorecards_beside_the_other_tables_give_the_same_results(sample_evaluation, monkeypatch):
    from junyun_lib.report.results import results_tables

    monkeypatch.setattr(threads, "THREADED_ROWS", 10 ** 9)
    serial = results_tables(sample_evaluation)
    monkeypatch.setattr(threads, "THREADED_ROWS", 1)
    threaded = results_tables(sample_evaluation)
    assert list(threaded) == list(serial)
    for name, table in serial.items():
        pd.testing.assert_frame_equal(threaded[name], table, check_exact=True)


def test_results_written_as_built_are_the_tables_and_files_of_build_then_write(sample_evaluation, monkeypatch,
                                                                               tmp_path):
    """``results_written`` (each table written as soon as it is built, the building and writing in threads on a
    national file) gives the tables of ``results_tables`` and, table for table, the files of ``write_results``."""
    import pyarrow.parquet as pq

    from junyun_lib.report.results import results_tables, results_written, write_results

    monkeypatch.setattr(threads, "THREADED_ROWS", 10 ** 9)
    serial = results_tables(sample_evaluation)
    paths = write_results(serial, tmp_path / "serial", standard=sample_evaluation.standard_code,
                          synthetic=sample_evaluation.synthetic)
    for rows in (10 ** 9, 1):           # one step after the other, then in threads
        monkeypatch.setattr(threads, "THREADED_ROWS", rows)
        tables, written = results_written(sample_evaluation, tmp_path / f"as-built-{rows}")
        assert list(tables) == list(serial)
        for name, table in serial.items():
            pd.testing.assert_frame_equal(tables[name], table, check_exact=True)
        assert [p.name for p in written] == [p.name for p in paths]
        for mine, theirs in zip(written, paths):
            assert pq.read_table(mine).equals(pq.read_table(theirs)), mine.name
            assert pq.read_schema(mine).metadata == pq.read_schema(theirs).metadata


@pytest.mark.parametrize("bad", [b"\x07", "\ufffe".encode("utf-8"), "进贤".encode("gbk")])
def test_a_large_csv_checked_for_clean_utf8_while_parsed_reads_as_one_step_after_the_other(tmp_path, monkeypatch,
                                                                                          bad):
    """A national CSV is checked for clean UTF-8 while pyarrow parses it: a control character, a Unicode
    non-character or GBK bytes far into the file give the same problems (or reading) as checking first."""
    table, _ = _large_table()
    table.set(45_000, "school_name", "学校MARK")
    path = table.to_csv(tmp_path / "schools_2023.csv")
    path.write_bytes(path.read_bytes().replace(b"MARK", bad))
    assert len(path.read_bytes()) // 100 >= threads.THREADED_ROWS      # the threaded path
    threaded = _read(path)
    monkeypatch.setattr(threads, "THREADED_ROWS", 10 ** 9)
    serial = _read(path)
    assert [p.__dict__ for p in threaded[1]] == [p.__dict__ for p in serial[1]]
    assert (threaded[0] is None) == (serial[0] is None)
    if serial[0] is not None:
        pd.testing.assert_frame_equal(threaded[0].frame, serial[0].frame, check_exact=True)
