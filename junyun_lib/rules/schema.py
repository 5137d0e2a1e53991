"""The raw school table (学校基础数据表): its columns, as data.

One row per school or independent campus (独立校区) per statistics year, from the national education census
(全国教育事业统计). The column list lives in ``rules/school_columns.csv``: canonical Chinese header, English
alias, kind, whether it is required, the stage it belongs to, unit, the group of plausible magnitudes it belongs
to (``limit``: a table of ``[limits]`` in ``rules/data_checks.toml``), allowed values and meaning.

``required`` is ``required``, ``optional``, ``basic`` (only the basic-balance standard needs it) or ``either``:
the largest class of a stage (最大班额), which may be left blank for a school whose class-size band counts
(班额分段班数, ``classes_band_<band>_<stage>``, bands in ``rules/class_bands.toml``) are given instead — the
statistics forms give only the bands.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from . import rule_files

STAGES = ("primary", "junior")
STAGE_ZH = {"primary": "小学", "junior": "初中", "senior": "高中"}


@dataclass(frozen=True)
class Column:
    """One column of the school table (学校基础数据表的一列)."""

    field: str          # English alias, also the name used in code and processed files
    header_zh: str      # canonical Chinese header (规范中文表头)
    kind: str           # text | year | category | count | number
    required: str       # required | optional | basic (basic-balance only) | either (or the class-size bands)
    stage: str          # primary | junior | senior | "" (whole school)
    unit: str
    limit: str          # group in data_checks.toml [limits] ("" for text and years)
    allowed: tuple[str, ...]
    meaning_zh: str
    meaning_en: str

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("count", "number", "year")

    @property
    def needed(self) -> bool:
        """A column every school table must have: ``required``, or ``either`` (unless bands replace it)."""
        return self.required in ("required", "either")

    @property
    def blank_means_zero(self) -> bool:
        """Stage columns that do not apply to a school may be left blank (= 0); a blank largest class stays
        unknown (its bands may decide, or the row checks report it)."""
        return (bool(self.stage) or self.field in ("migrant_students",)) and self.required != "either"


@lru_cache(maxsize=1)
def columns() -> tuple[Column, ...]:
    """All columns in template order."""
    text = rule_files.text("school_columns.csv")
    rows = csv.DictReader(text.splitlines())
    return tuple(
        Column(
            field=r["field"], header_zh=r["header_zh"], kind=r["kind"], required=r["required"],
            stage=r["stage"], unit=r["unit"], limit=r["limit"],
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


@dataclass(frozen=True)
class Limit:
    """A column's plausible magnitude (合理量级): above ``warn`` a warning, above ``error`` an error."""

    group: str
    warn: float
    error: float


@lru_cache(maxsize=1)
def limits() -> dict[str, Limit]:
    """Field -> :class:`Limit`, for every column that names a group of ``[limits]`` in ``data_checks.toml``.

    >>> limits()["students_primary"].group
    'students'
    """
    table = rule_files.toml("data_checks.toml").get("limits", {})
    out = {}
    for c in columns():
        if not c.limit:
            continue
        if c.limit not in table:
            raise ValueError(f"school_columns.csv: column {c.field} names limit group {c.limit!r}, "
                             f"which data_checks.toml [limits] does not define")
        warn, error = float(table[c.limit]["warn"]), float(table[c.limit]["error"])
        if not 0 < warn <= error:
            raise ValueError(f"data_checks.toml [limits.{c.limit}]: need 0 < warn <= error")
        out[c.field] = Limit(c.limit, warn, error)
    return out


def field_zh(field: str) -> str:
    """Chinese header of a field, for messages."""
    col = by_field().get(field)
    return col.header_zh if col else field


@dataclass(frozen=True)
class Band:
    """A class-size band of the class forms (班额分段): ``low``–``high`` pupils (``high`` None: no upper bound)."""

    key: str
    label: str
    low: int
    high: int | None

    def column(self, stage: str) -> str:
        return f"classes_band_{self.key}_{stage}"

    def contains(self, size: float) -> bool:
        return self.low <= size and (self.high is None or size <= self.high)


@lru_cache(maxsize=1)
def class_bands() -> tuple[Band, ...]:
    """The bands of ``rules/class_bands.toml``, smallest first; each must have its two columns in the schema.

    >>> [b.label for b in class_bands()][:2], class_bands()[-1].high is None
    (['25人及以下', '26-30人'], True)
    """
    bands = tuple(Band(str(b["key"]), str(b["label"]), int(b["low"]), int(b["high"]) if "high" in b else None)
                  for b in rule_files.toml("class_bands.toml")["band"])
    fields = by_field()
    for b in bands:
        for stage in STAGES:
            if b.column(stage) not in fields:
                raise ValueError(f"class_bands.toml: band {b.key} has no column {b.column(stage)} "
                                 "in school_columns.csv")
    return bands


#: grades (年级) of each compulsory stage in the school table: 一年级 … 六年级 primary, 七年级 … 九年级 junior (the
#: six-three system; 教基3115 prints the junior grades as its 一年级 … 三年级, read as 七年级 … 九年级)
GRADES = {"primary": (1, 2, 3, 4, 5, 6), "junior": (7, 8, 9)}
GRADE_ZH = {g: f"{'一二三四五六七八九'[g - 1]}年级" for g in range(1, 10)}


def grade_column(grade: int) -> str:
    """``students_grade_<g>``, the optional column of grade ``g`` pupils (g年级在校生数)."""
    return f"students_grade_{grade}"


def grade_columns(stage: str) -> list[str]:
    """The optional grade columns of a stage (分年级在校生数), lowest grade first.

    >>> grade_columns("junior")
    ['students_grade_7', 'students_grade_8', 'students_grade_9']
    """
    return [grade_column(g) for g in GRADES[stage]]


def band_columns(stage: str) -> list[str]:
    """``classes_band_<key>_<stage>`` for every band, smallest first."""
    return [b.column(stage) for b in class_bands()]
