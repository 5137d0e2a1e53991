"""The raw school table (学校基础数据表): its columns, as data.

One row per school or independent campus (独立校区) per statistics year, from the national education census
(全国教育事业统计). The column list lives in ``rules/school_columns.csv``: canonical Chinese header, English
alias, kind, whether it is required, the stage it belongs to, unit, allowed values and meaning.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from . import _files

STAGES = ("primary", "junior")
STAGE_ZH = {"primary": "小学", "junior": "初中", "senior": "高中"}


@dataclass(frozen=True)
class Column:
    """One column of the school table (学校基础数据表的一列)."""

    field: str          # English alias, also the name used in code and processed files
    header_zh: str      # canonical Chinese header (规范中文表头)
    kind: str           # text | year | category | count | number
    required: str       # required | optional | basic (needed only by the basic-balance standard)
    stage: str          # primary | junior | senior | "" (whole school)
    unit: str
    allowed: tuple[str, ...]
    meaning_zh: str
    meaning_en: str

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("count", "number", "year")

    @property
    def blank_means_zero(self) -> bool:
        """Stage columns that do not apply to a school may be left blank (= 0)."""
        return bool(self.stage) or self.field in ("migrant_students",)


@lru_cache(maxsize=1)
def columns() -> tuple[Column, ...]:
    """All columns in template order."""
    text = _files.text("school_columns.csv")
    rows = csv.DictReader(text.splitlines())
    return tuple(
        Column(
            field=r["field"], header_zh=r["header_zh"], kind=r["kind"], required=r["required"],
            stage=r["stage"], unit=r["unit"],
            allowed=tuple(a for a in r["allowed"].split("|") if a),
            meaning_zh=r["meaning_zh"], meaning_en=r["meaning_en"],
        )
        for r in rows
    )


@lru_cache(maxsize=1)
def by_field() -> dict[str, Column]:
    return {c.field: c for c in columns()}


@lru_cache(maxsize=1)
def header_lookup() -> dict[str, str]:
    """Accepted header text (Chinese canonical or English alias) -> field."""
    out: dict[str, str] = {}
    for c in columns():
        out[c.header_zh] = c.field
        out[c.field] = c.field
    return out


def field_zh(field: str) -> str:
    """Chinese header of a field, for messages."""
    col = by_field().get(field)
    return col.header_zh if col else field
