"""Indicator values per school part (分学段的校级指标值).

For each school part in scope and each indicator of the standard::

    value = numerator × scale / students_of_the_part

where the numerator is the section's own teacher count (小学部/初中部 teachers are reported per section) or,
for the facility quantities, the whole-school quantity × the part's share (see :mod:`junyun_lib.splitting`).
``scale`` is 100 for "每百名学生" indicators.  The product is formed before the division so that integer
inputs hit a standard exactly when they should (21 teachers × 100 / 500 students = 4.2).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..columns import picked_text
from ..rules import Standard
from ..rules.schema import STAGES
from .splitting import stage_shares, stage_weight

PART_INFO = ["school_name", "school_type", "urban_rural", "ownership"]


def build_parts(frame: pd.DataFrame, in_scope: pd.Series, standard: Standard, county_year: np.ndarray) -> pd.DataFrame:
    """One row per school part in scope, with ``students``, ``share``, ``numerator_<code>`` and ``value_<code>``.

    ``county_year`` holds each school's county-year code; a part's ``group`` is county_year × 2 + stage index
    (0 primary, 1 junior), the key every per-stage total is computed on.  Parts follow the schools' order,
    primary before junior within a school.
    """
    shares = stage_shares(frame)
    # the parts in their final order (school, then stage), each column taken once from the schools' rows
    has = [(in_scope & (frame[f"students_{stage}"] > 0) & (stage_weight(frame["school_type"], stage) > 0)).to_numpy()
           for stage in STAGES]
    position = np.concatenate([np.flatnonzero(h) * len(STAGES) + i for i, h in enumerate(has)])
    position.sort(kind="stable")
    school, stage_index = position // len(STAGES), position % len(STAGES)

    def by_stage(column_of_stage) -> np.ndarray:
        """The value of each part's own stage column (e.g. ``students_primary`` for a primary part): the stage
        columns side by side, school by school, so ``position`` (school × stages + stage) picks it in one go."""
        return np.column_stack([np.asarray(column_of_stage(stage)) for stage in STAGES]).ravel()[position]

    data = {c: frame[c].take(school).reset_index(drop=True) for c in ("county", "year", "school_id")}
    data["part"] = picked_text(STAGES, stage_index)
    for column in PART_INFO:
        data[column] = frame[column].take(school).reset_index(drop=True)
    students = by_stage(lambda stage: frame[f"students_{stage}"].to_numpy()).astype("int64")
    share = by_stage(lambda stage: shares[f"share_{stage}"].to_numpy())
    data["students"], data["share"] = students, share
    for ind in standard.indicators:
        quantity = by_stage(lambda stage: frame[ind.numerator_column(stage)].to_numpy(dtype=float))
        numerator = quantity if ind.numerator_kind == "section" else quantity * share
        data[f"numerator_{ind.code}"] = numerator
        data[f"value_{ind.code}"] = numerator * ind.scale / students
    data["source_row"] = frame["source_row"].take(school).reset_index(drop=True)
    data["source_file"] = frame["source_file"].take(school).reset_index(drop=True)
    data["group"] = county_year[school] * 2 + stage_index
    return pd.DataFrame(data, copy=False)


def standard_values(parts: pd.DataFrame, standard: Standard, code: str) -> np.ndarray:
    """The standard of indicator ``code`` for each part's stage (NaN where the standard sets none)."""
    values = standard.indicator(code).standard or {}
    by_stage = np.array([values.get(stage, np.nan) for stage in STAGES], dtype=float)
    return by_stage[parts["group"].to_numpy() % len(STAGES)]
