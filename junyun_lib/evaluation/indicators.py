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

from ..rules import Standard
from ..rules.schema import STAGES
from .splitting import stage_shares, stage_weight

PART_INFO = ["school_name", "school_type", "urban_rural", "ownership"]
STAGE_STUDENTS = [f"students_{s}" for s in STAGES]


def build_parts(frame: pd.DataFrame, in_scope: pd.Series, standard: Standard, county_year: np.ndarray) -> pd.DataFrame:
    """One row per school part in scope, with ``students``, ``share``, ``numerator_<code>`` and ``value_<code>``.

    ``county_year`` holds each school's county-year code; a part's ``group`` is county_year × 2 + stage index
    (0 primary, 1 junior), the key every per-stage total is computed on.  Parts follow the schools' order,
    primary before junior within a school.
    """
    shares = stage_shares(frame)
    needed = {ind.numerator_column(stage) for ind in standard.indicators for stage in STAGES}
    frame = frame[["county", "year", "school_id", *PART_INFO, *STAGE_STUDENTS, *sorted(needed),
                   "source_row", "source_file"]]
    pieces = []
    for stage_index, stage in enumerate(STAGES):
        has = (in_scope & (frame[f"students_{stage}"] > 0) & (stage_weight(frame["school_type"], stage) > 0)).to_numpy()
        sub = frame[has]
        part = sub[["county", "year", "school_id"]].copy()
        part["part"] = stage
        for column in PART_INFO:
            part[column] = sub[column]
        part["students"] = sub[f"students_{stage}"].astype("int64")
        part["share"] = shares[f"share_{stage}"].to_numpy()[has]
        for ind in standard.indicators:
            quantity = sub[ind.numerator_column(stage)].to_numpy(dtype=float)
            numerator = quantity if ind.numerator_kind == "section" else quantity * part["share"].to_numpy()
            part[f"numerator_{ind.code}"] = numerator
            part[f"value_{ind.code}"] = numerator * ind.scale / part["students"].to_numpy()
        part["source_row"] = sub["source_row"]
        part["source_file"] = sub["source_file"]
        part["group"] = county_year[has] * 2 + stage_index
        part["_position"] = np.flatnonzero(has) * 2 + stage_index
        pieces.append(part)
    parts = pd.concat(pieces, ignore_index=True)
    order = np.argsort(parts["_position"].to_numpy(), kind="stable")
    return parts.iloc[order].drop(columns="_position").reset_index(drop=True)


def standard_values(parts: pd.DataFrame, standard: Standard, code: str) -> np.ndarray:
    """The standard of indicator ``code`` for each part's stage (NaN where the standard sets none)."""
    values = standard.indicator(code).standard or {}
    by_stage = np.array([values.get(stage, np.nan) for stage in STAGES], dtype=float)
    return by_stage[parts["group"].to_numpy() % len(STAGES)]
