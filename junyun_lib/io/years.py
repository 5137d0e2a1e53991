"""Statistics years (统计年度): the range a year must lie in, and the places that state it agreeing.

A county-year's statistics year can be stated in three places:

* the file name — ``schools_<year>.xlsx|csv`` and ``county_indicators_<year>.csv|xlsx`` under
  ``raw/<slug>/``, ``<year>.parquet`` under ``processed/<slug>/`` (:data:`SCHOOL_FILE`,
  :data:`COUNTY_TABLE_FILE`, :data:`PROCESSED_FILE`, from :mod:`junyun_lib.layout`, which builds the names);
  a file whose name states no year (``schools.xlsx``, ``县级指标.csv``, a DataFrame) has nothing to compare;
* the rows' 统计年度 column (field ``year``);
* the year asked for: ``--year`` of ``evaluate``, ``import`` and ``county-template`` (``year=`` in Python).

They must agree; where they do not, reading stops with one located error per file naming every place and
its year (:func:`rows_disagree`, :func:`names_disagree`).  A statistics year outside
:data:`FIRST_STATISTICS_YEAR` .. next year — next year by the calendar in Beijing time, read when the check
runs — is an error wherever it is stated, and is not compared further (it is reported once, as out of
range).  The year a school was built (建成年份) keeps its own wider range (``reader.YEAR_RANGE``).

The checks sit in the io layer, where the files are read, so the command line, the notebooks and the
Python API all get them.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from ..layout import COUNTY_TABLE_FILE, PROCESSED_FILE, SCHOOL_FILE
from ..problems import Problem

#: the earliest statistics year read (统计年度下限); the quality-balance evaluation (教督〔2017〕6号) and the
#: basic-balance years before it (教督〔2012〕3号) lie after it (issue 24)
FIRST_STATISTICS_YEAR = 2010
#: the field and the canonical header of the statistics year (``rules/school_columns.csv``)
STATISTICS_YEAR_FIELD, STATISTICS_YEAR_ZH = "year", "统计年度"

#: the names of the files that state their year: SCHOOL_FILE, COUNTY_TABLE_FILE, PROCESSED_FILE (the folder
#: layout's, :mod:`junyun_lib.layout`)
_NAMED = (SCHOOL_FILE, COUNTY_TABLE_FILE, PROCESSED_FILE)

ASKED_ZH, ASKED_EN = "指定的年度（--year）", "--year"


def _beijing():
    """Asia/Shanghai; a fixed UTC+8 where no time-zone database is installed (Windows without ``tzdata``):
    China has kept UTC+8 without daylight saving since 1991, so both give the same date."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Shanghai")
    except Exception:  # noqa: BLE001 — ZoneInfoNotFoundError, or no zoneinfo module at all
        return timezone(timedelta(hours=8), "Asia/Shanghai")


def next_year(now: datetime | None = None) -> int:
    """The calendar year after today in Beijing time (北京时间的下一年): the latest statistics year read.

    Examples
    --------
    >>> next_year(datetime(2024, 12, 31, 16, 0, tzinfo=timezone.utc))   # already 2025-01-01 in Beijing
    2026
    """
    now = now if now is not None else datetime.now(timezone.utc)
    return now.astimezone(_beijing()).year + 1


def statistics_year_range(now: datetime | None = None) -> tuple[int, int]:
    """``(first, last)`` statistics year read (统计年度范围): 2010 .. next year in Beijing time.

    Read each time it is needed, never at import: a kernel left open over New Year accepts the new year.
    """
    return FIRST_STATISTICS_YEAR, next_year(now)


def range_text() -> tuple[str, str]:
    """The rule for messages: Chinese, English."""
    first, last = statistics_year_range()
    return (f"统计年度应在 {first}–{last} 之间（{last} 为北京时间当前年份的下一年）",
            f"a statistics year must lie within {first}-{last} ({last} is next year, Beijing time)")


def in_range(year) -> bool:
    first, last = statistics_year_range()
    return year is not None and first <= year <= last


def name_year(path) -> int | None:
    """The statistics year a file's name states (文件名中的年度), or None when the name states none.

    Examples
    --------
    >>> [name_year(p) for p in ("raw/jx/schools_2023.xlsx", "county_indicators_2024.CSV", "2022.parquet",
    ...                         "schools.xlsx", "schools_2023b.xlsx", "<DataFrame>")]
    [2023, 2024, 2022, None, None, None]
    """
    name = Path(str(path)).name
    for pattern in _NAMED:
        match = pattern.match(name)
        if match:
            return int(match.group(1))
    return None


# ------------------------------------------------------------------------------------------ the range
def name_range_problems(path, **where) -> list[Problem]:
    """The year in a file's name, when it is outside the range (文件名中的年度超出范围)."""
    year = name_year(path)
    if year is None or in_range(year):
        return []
    zh, en = range_text()
    return [Problem("error", "file_name_year_range", f"文件名中的统计年度 {year} 超出范围：{zh}；请改正文件名",
                    f"the statistics year {year} in the file name is out of range: {en}; correct the file name",
                    file=str(path), value=str(year), **where)]


def asked_range_problems(year, *, stated_zh: str = ASKED_ZH, stated_en: str = ASKED_EN, **where) -> list[Problem]:
    """``--year`` (``year=``), when it is outside the range (指定的年度超出范围)."""
    if year is None or in_range(year):
        return []
    zh, en = range_text()
    return [Problem("error", "year_option_range", f"{stated_zh}{year} 超出范围：{zh}",
                    f"{stated_en} {year} is out of range: {en}", value=str(year), **where)]


# --------------------------------------------------------------------------------------- the agreement
def _as_int(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def rows_disagree(years, rows, *, file: str, header: str, asked: int | None = None, sheet: str = "",
                  origin: Callable[[int], tuple[str, str]] | None = None) -> list[Problem]:
    """The file name's year, the rows' 统计年度 and ``asked`` (``--year``) of one file, compared (年度一致性).

    Parameters
    ----------
    years : array of float
        The 统计年度 of each row of the file; NaN where the cell could not be read.
    rows : array of int, or None
        The row of each as Excel (or a text editor) shows it; None for a file without such rows (Parquet).
    file, sheet, header : str
        Where: the file as given, its sheet, the 统计年度 header as written.
    asked : int, optional
        The year asked for (``--year``).
    origin : callable, optional
        ``origin(i) -> (zh, en)`` says where row ``i`` came from, for a file without rows of its own.

    Returns
    -------
    list of Problem
        One ``year_disagrees`` error naming every place and its year, at the first row that disagrees, with
        the number of rows that do; or nothing.  Only a file whose name states a year in range is compared
        (a row of another year in ``schools.xlsx`` is one year among several, which ``--year`` selects);
        years out of range are left out (reported as such by the caller).
    """
    named = name_year(file)
    if not in_range(named):
        return []
    asked = asked if in_range(asked) else None
    years = np.asarray(years, dtype=float)
    first, last = statistics_year_range()
    valid = np.isfinite(years) & (years >= first) & (years <= last)
    # a row disagrees when it differs from any year stated for the whole file (name, --year)
    off = valid & (years != named)
    if asked is not None:
        off |= valid & (years != asked)
    if not off.any() and asked in (None, named):
        return []
    rows = None if rows is None else np.asarray(rows)
    where = np.flatnonzero(off)
    at = int(where[0]) if len(where) else None
    column_zh, column_en = _column_text(years[valid], None if rows is None else rows[valid], header)
    zh = [f"文件名中的统计年度为 {named}", column_zh]
    en = [f"the file name says {named}", column_en]
    if asked is not None:
        zh.append(f"{ASKED_ZH}为 {asked}")
        en.append(f"{ASKED_EN} is {asked}")
    if at is not None:
        zh.append(f"不一致的共 {len(where)} 行" + (f"，首行为第{int(rows[at])}行" if rows is not None else ""))
        en.append(f"{len(where)} row(s) disagree" + (f", the first on row {int(rows[at])}" if rows is not None else ""))
        if origin is not None:
            o_zh, o_en = origin(at)
            zh[-1] += f"（{o_zh}）"
            en[-1] += f" ({o_en})"
    if asked is not None and not (valid & (years == asked)).any():
        zh.append(f"数据中没有 {asked} 年度")
        en.append(f"{ASKED_EN} {asked} is not in the data")
    expected_zh, expected_en = _expected(asked is not None, header)
    return [Problem("error", "year_disagrees", f"统计年度不一致：{'；'.join(zh)}。{expected_zh}",
                    f"statistics years disagree: {'; '.join(en)}. {expected_en}", file=file, sheet=sheet,
                    row=int(rows[at]) if rows is not None and at is not None else None, column=header,
                    value=_as_int(years[at]) if at is not None else str(named))]


def _column_text(years: np.ndarray, rows, header: str) -> tuple[str, str]:
    """What the 统计年度 column holds: each year with its number of rows and first row."""
    if not len(years):
        return f"「{header}」列没有可读的年度", f"the {header} column has no readable year"
    values, first, counts = np.unique(years, return_index=True, return_counts=True)
    if len(values) == 1:
        return (f"「{header}」列全部 {counts[0]} 行为 {_as_int(values[0])}",
                f"the {header} column holds {_as_int(values[0])} on all {counts[0]} row(s)")
    parts_zh, parts_en = [], []
    for value, i, count in sorted(zip(values, first, counts), key=lambda t: t[1]):
        at_zh = f"（第{int(rows[i])}行起）" if rows is not None else ""
        at_en = f" (from row {int(rows[i])})" if rows is not None else ""
        parts_zh.append(f"{_as_int(value)} 共 {count} 行{at_zh}")
        parts_en.append(f"{_as_int(value)} on {count} row(s){at_en}")
    return f"「{header}」列有 {'、'.join(parts_zh)}", f"the {header} column holds {', '.join(parts_en)}"


def _expected(asked: bool, header: str) -> tuple[str, str]:
    if asked:
        return (f"文件名、「{header}」列与 --year 应为同一年度：请核对这是否为该年度的文件，再改正文件名、该列或 --year",
                f"The file name, the {header} column and --year must state the same year: check that the file "
                "is that year's, then correct the name, the column or --year")
    return (f"文件名与「{header}」列应为同一年度：请核对这是否为该年度的文件，再改正文件名或该列",
            f"The file name and the {header} column must state the same year: check that the file is that "
            "year's, then correct the name or the column")


def names_disagree(path, asked: int | None, *, stated_zh: str = ASKED_ZH, stated_en: str = ASKED_EN,
                   **where) -> list[Problem]:
    """The year in a file's name against a year stated elsewhere (``--year``; the year of the rows to write),
    for files without a 统计年度 column of their own (县级指标表) or not yet written.  Years out of range are
    left out (reported as such)."""
    named = name_year(path)
    if not (in_range(named) and in_range(asked)) or named == asked:
        return []
    return [Problem("error", "year_disagrees",
                    f"统计年度不一致：文件名中的统计年度为 {named}，{stated_zh}为 {asked}。两者应为同一年度：请改正文件名或年度",
                    f"statistics years disagree: the file name says {named}, {stated_en} is {asked}. Both must "
                    "state the same year: correct the name or the year", file=str(path), value=str(asked), **where)]
