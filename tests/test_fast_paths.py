"""The shortcuts taken for national-size speed give what the plain pandas and numpy calls give.

Each shortcut is checked against the obvious way of doing the same thing (Hypothesis draws the inputs,
including the awkward values: missing categories, ties, −0.0, infinities).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings, strategies as st

from junyun_lib.columns import as_text
from junyun_lib.evaluation.causes import _group_then_value_order

_NAMES = st.sampled_from(["城区", "镇区", "乡村", "小学", "a", "", "1", "1.0"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), _NAMES), max_size=40), st.booleans())
def test_a_categorical_as_text_equals_astype_str(values, unused_category):
    column = pd.Series(pd.Categorical(values), index=np.arange(len(values)) * 3 + 1, name="urban_rural")
    if unused_category:
        column = column.cat.add_categories(["未用"])
    pd.testing.assert_series_equal(as_text(column), column.astype(str), check_exact=True)


def test_a_text_column_as_text_is_astype_str():
    column = pd.Series(["小学", None, "初中"], dtype=object)
    pd.testing.assert_series_equal(as_text(column), column.astype(str))


_VALUES = st.one_of(st.sampled_from([0.0, -0.0, 1.0, 2.5, np.inf, -np.inf]),
                    st.floats(allow_nan=False, width=64))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), _VALUES), max_size=60))
def test_group_then_value_order_equals_lexsort(pairs):
    groups = np.array([g for g, _ in pairs], dtype=np.int64)
    values = np.array([v for _, v in pairs], dtype=float)
    np.testing.assert_array_equal(_group_then_value_order(groups, values), np.lexsort((values, groups)))


# ------------------------------------------------------------------------------ numbers parsed by column
_CELL_TEXT = st.one_of(
    st.text(alphabet="0123456789.", max_size=8),          # the plain cells, and the near misses ("1.2.3", ".")
    st.lists(st.sampled_from(["0", "1", "7", "9", ".", ",", "-", "+", "e", " ", "１", "．", "a", "N/A", "\u3000",
                              "1e999"]), max_size=6).map("".join))


@settings(max_examples=300, deadline=None)
@given(st.lists(_CELL_TEXT, min_size=1, max_size=30), st.integers(0, 1500), st.sampled_from(["", "12", "3.25"]))
def test_a_text_column_parses_as_each_cell_would(cells_, padding, filler):
    """The reader parses a column of text with pyarrow (plain digits and plain decimals without a regular
    expression, the rest by the full rules); each cell must read exactly as :func:`cells.parse_number` reads
    it alone — value, blank, error and warning.  ``padding`` plain cells make the column long enough (over
    1,000 rows) for the split between plain and other cells."""
    from junyun_lib.io import cells

    values = [filler] * padding + cells_
    column = cells.parse_column(pa.array(values, type=pa.large_string()))
    one_by_one = cells._cells(values)
    np.testing.assert_array_equal(column.values, one_by_one.values)      # NaN where NaN, else the same float
    np.testing.assert_array_equal(column.blank, one_by_one.blank)
    assert column.errors == one_by_one.errors
    assert column.warnings == one_by_one.warnings


# ------------------------------------------------------------------------------ few-valued text columns
_TYPE_CELLS = st.sampled_from(["小学", " 小学", "小学　", "初级中学", "教学点", "ＸＹ", "小学校", "", "  ", "#N/A",
                               "#VALUE!", "九年一贯制学校", "Ａ"])


@settings(max_examples=150, deadline=None)
@given(st.lists(_TYPE_CELLS, min_size=1, max_size=12), st.integers(0, 200),
       st.sampled_from(["school_type", "county", "urban_rural", "ownership"]))
def test_a_few_valued_text_column_reads_as_row_by_row(cells_, repeat, field):
    """A column of few distinct cells is read once per distinct cell (``CellChecker.text``); the values and every
    problem (code, row, message, the cell quoted) must be those of reading it row by row."""
    from junyun_lib.io import reader
    from junyun_lib.rules import schema

    column = pd.Series(cells_ * (repeat + 1), dtype="str")          # as the CSV reader holds text
    raw = reader._RawSheet("学校.csv", "", ["学校类型"], pd.DataFrame({0: column}), np.arange(len(column)) + 2)
    col = schema.by_field()[field]
    fast, plain = reader.CellChecker(raw), reader.CellChecker(raw)
    got, expected = fast.text(column, col, 0), plain._text_of_rows(column, col, 0)
    # the same readings; from distinct cells categorical, as the finished table holds them (categories sorted as
    # astype sorts them)
    few = len(set(cells_)) * 8 <= len(column)
    assert isinstance(got.dtype, pd.CategoricalDtype) == few
    pd.testing.assert_series_equal(got, expected.astype("category") if few else expected, check_exact=True)
    assert fast.problems == plain.problems


# ------------------------------------------------------------------------------ number columns in range
_NUMBERS = st.one_of(st.sampled_from([0.0, -0.0, 1.0, 2.5, -1.0, 1949.0, 2010.0, 2027.0, 2100.0, 2101.0, 1e7, 1e19,
                                      np.nan]), st.floats(-10, 1e9, allow_nan=False))


@settings(max_examples=300, deadline=None)
@given(st.lists(_NUMBERS, min_size=1, max_size=30),
       st.sampled_from(["students_primary", "teaching_aux_area_m2", "equipment_value_yuan", "year", "built_year",
                        "computers", "books", "migrant_students"]))
def test_a_number_column_within_range_draws_what_the_full_checks_draw(values, field):
    """A number column whose values all lie in range (found with two reductions) skips the checks one by one;
    the values and problems must be those of the full checks, for columns in range and out of it."""
    from junyun_lib.io import reader
    from junyun_lib.rules import schema

    column = pd.Series(values, dtype=float)
    raw = reader._RawSheet("学校.csv", "", ["列"], pd.DataFrame({0: column}), np.arange(len(column)) + 2)
    col = schema.by_field()[field]
    fast, full = reader.CellChecker(raw), reader.CellChecker(raw)
    got = fast.number(column.copy(), col, 0)
    original = reader._within
    try:
        reader._within = lambda *args, **kwargs: False
        expected = full.number(column.copy(), col, 0)
    finally:
        reader._within = original
    pd.testing.assert_series_equal(got, expected, check_exact=True)
    assert fast.problems == full.problems


# ------------------------------------------------------------------------------ cause shares first
@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["城区", "镇区", "乡村"]), st.integers(1, 900),
                          st.one_of(st.sampled_from([0.0, -0.0, 1.0, 2.5, 2.5, 7.0]),
                                    st.floats(0, 1e6, allow_nan=False))), min_size=2, max_size=40),
       st.booleans())
def test_cause_shares_handed_over_first_are_those_of_every_measure(rows, missing):
    """The shares ``causes_by_group`` hands to ``shares_ready`` before the other measures (no sort by value: each
    group's smallest and largest value taken in group order) are exactly those of the full computation, and the
    other measures are as without them."""
    from junyun_lib.evaluation.causes import causes_by_group

    parts = pd.DataFrame({"county": [f"县{g // 2}" for g, *_ in rows], "year": 2024,
                          "part": ["primary" if g % 2 else "junior" for g, *_ in rows],
                          "urban_rural": pd.Categorical([u for _, u, _, _ in rows]),
                          "students": [s for _, _, s, _ in rows],
                          "value_a": [v for *_, v in rows], "value_b": [v * 3 + 1 for *_, v in rows]})
    if missing:         # a part without a value (its group may be left with none); others keep theirs
        parts.loc[0, "value_b"] = np.nan
    full = causes_by_group(parts, ["a", "b"], ranking=False)
    early = []
    again = causes_by_group(parts, ["a", "b"], ranking=False, shares_ready=early.append)
    np.testing.assert_array_equal(early[0]["group"], full["group"])
    for code in ("a", "b"):
        assert list(early[0][code]) == ["share"]
        np.testing.assert_array_equal(early[0][code]["share"], full[code]["share"])
        for name, value in full[code].items():
            np.testing.assert_array_equal(again[code][name], value)
