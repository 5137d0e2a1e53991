"""Indicator values per school part (分学段的校级指标值).

For each school part in scope and each indicator of the standard::

    value = numerator × scale / students_of_the_part

where the numerator is the section's own teacher count (小学部/初中部 teachers are reported per section) or,
for the facility quantities, the whole-school quantity × the part's share (see :mod:`junyun_lib.splitting`).
``scale`` is 100 for "每百名学生" indicators.  The product is formed before the division so that integer
inputs hit a standard exactly when they should (21 teachers × 100 / 500 students = 4.2).
"""
from __future__ import annotations

import pandas as pd

from .rules import Standard
from .schema import STAGES
from .splitting import stage_shares, stage_weight

PART_KEYS = ["county", "year", "school_id", "part"]
PART_INFO = ["school_name", "school_type", "urban_rural", "ownership"]


def build_parts(frame: pd.DataFrame, in_scope: pd.Series, standard: Standard) -> pd.DataFrame:
    """One row per school part in scope, with ``students``, ``share``, ``numerator_<code>`` and ``value_<code>``."""
    shares = stage_shares(frame)
    pieces = []
    for stage in STAGES:
        has = in_scope & (frame[f"students_{stage}"] > 0) & (stage_weight(frame["school_type"], stage) > 0)
        sub = frame[has]
        part = sub[["county", "year", "school_id"] + PART_INFO].copy()
        part.insert(3, "part", stage)
        part["students"] = sub[f"students_{stage}"].astype("int64")
        part["share"] = shares.loc[has, f"share_{stage}"]
        for ind in standard.indicators:
            quantity = sub[ind.numerator_column(stage)].astype(float)
            numerator = quantity if ind.numerator_kind == "section" else quantity * part["share"]
            part[f"numerator_{ind.code}"] = numerator
            part[f"value_{ind.code}"] = numerator * ind.scale / part["students"]
        part["source_row"] = sub["source_row"]
        part["source_file"] = sub["source_file"]
        pieces.append(part)
    parts = pd.concat(pieces, ignore_index=True)
    return parts.sort_values(PART_KEYS, kind="stable").reset_index(drop=True)


def standard_values(parts: pd.DataFrame, standard: Standard, code: str) -> pd.Series:
    """The standard of indicator ``code`` for each part's stage (NaN where the standard sets none)."""
    values = standard.indicator(code).standard or {}
    return parts["part"].map(values).astype(float)
