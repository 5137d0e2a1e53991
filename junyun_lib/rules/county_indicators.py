"""The county-level indicators (县级指标): codes, names, units and ranges (``county_indicators.csv``).

Plans and the evaluation form name county-level items — 初中三年巩固率, 残疾儿童少年入学率, 专任教师持证上岗 … —
whose values the school census does not hold.  This file lists every code an analyst may enter in a county's
county-level table, with its unit (``%``, ``元``, ``是否`` for yes/no, ``级`` for levels Ⅰ–Ⅳ, ``系数``), the
range a value must lie in and the document it comes from.
"""
from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass

from . import rule_files


@dataclass(frozen=True)
class IndicatorDef:
    """One county-level indicator (县级指标) from the rules file."""

    code: str
    name_zh: str
    unit: str
    min: float
    max: float
    description: str
    source: str


@functools.lru_cache(maxsize=1)
def definitions() -> dict[str, IndicatorDef]:
    """Every county-level indicator, keyed by code.

    Examples
    --------
    >>> d = definitions()["junior_retention"]
    >>> d.unit, d.min, d.max
    ('%', 0.0, 100.0)
    """
    rows = csv.DictReader(io.StringIO(rule_files.text("county_indicators.csv")))
    return {r["code"]: IndicatorDef(r["code"], r["name_zh"], r["unit"], float(r["min"]), float(r["max"]),
                                    r["description"], r["source"]) for r in rows}


def unit_of(code: str) -> str:
    """The unit of a county-level indicator ("" for a code that is not one)."""
    d = definitions().get(code)
    return d.unit if d else ""
