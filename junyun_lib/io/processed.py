"""Processed data (处理后数据): validated school tables stored as Parquet, one file per county-year.

Data flows one way: raw files (never edited) → processed files → results.  Writing is deterministic — the
same input gives a byte-identical file (rows sorted, fixed schema and compression, no timestamps) — and
atomic (:mod:`junyun_lib.io.atomic`): two ingests of the same file at once each write a whole file.  Where the
files live is the workspace's business (:mod:`junyun_lib.workspace`); this module reads and writes the paths
it is given.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..problems import Problem, ValidationError
from ..version import __version__
from . import years
from .atomic import atomic_path
from .reader import SchoolTable, read_schools, select_problems
from .validation import check_rows

META_KEY = b"junyun"


def write_processed(frame: pd.DataFrame, path, synthetic: bool) -> Path:
    """Write one county-year's validated rows to ``path`` (Parquet, zstd), atomically; returns the path."""
    path = Path(path)
    # the file name alone, so the same input read from another folder gives the same bytes
    frame = frame.assign(source_file=frame["source_file"].map(lambda f: Path(f).name))
    arrow = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    meta = dict(arrow.schema.metadata or {})
    counties = sorted(str(c) for c in frame["county"].unique())
    meta[META_KEY] = json.dumps({"synthetic": synthetic, "version": __version__, "county": "、".join(counties)},
                                sort_keys=True, ensure_ascii=False).encode()
    arrow = arrow.replace_schema_metadata(meta)
    with atomic_path(path) as tmp:
        pq.write_table(arrow, tmp, compression="zstd", write_statistics=False)
    return path


def processed_county(path) -> str | None:
    """The county name a processed file was written for (from its metadata; None if unreadable)."""
    try:
        meta = pq.read_schema(path).metadata or {}
        return json.loads(meta.get(META_KEY, b"{}")).get("county") or None
    except (OSError, ValueError, pa.ArrowException):
        return None


def read_processed(paths, *, year: int | None = None) -> SchoolTable:
    """Load processed files back as a :class:`SchoolTable` (warnings recomputed from the rows).

    A file that is missing or is not a Parquet file written by junyun is a located error, and so is a
    statistics year (统计年度) out of 2010 .. next year or disagreeing between the file's name
    (``2024.parquet``), its rows and ``year`` (``--year``, compared only; :func:`read_table` selects).
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    frames, synthetic, problems = [], [], list(years.asked_range_problems(year))
    for p in paths:
        try:
            arrow = pq.read_table(p)
        except (OSError, pa.ArrowException) as exc:
            problems.append(Problem("error", "not_parquet", "无法读取处理后数据文件，请重新运行 junyun ingest",
                                    f"cannot read the processed file ({type(exc).__name__}); run junyun ingest "
                                    "again", file=str(p)))
            continue
        meta = json.loads((arrow.schema.metadata or {}).get(META_KEY, b"{}"))
        synthetic.append(bool(meta.get("synthetic")))
        frame = arrow.to_pandas()
        problems += _year_problems(frame, str(p), year)
        frames.append(frame)
    if problems:
        raise ValidationError(problems)
    frame = pd.concat(frames, ignore_index=True)
    warnings = [p for p in check_rows(frame) if p.severity == "warning"]
    return SchoolTable(frame, warnings, [str(p) for p in paths], synthetic=bool(synthetic) and all(synthetic))


def _year_problems(frame: pd.DataFrame, file: str, asked: int | None) -> list[Problem]:
    """A processed file's statistics years: its name's and its rows' in range, and agreeing with each other and
    with ``asked``.  A processed file has no rows of its own to point at: a problem says which raw file and
    row the first offending row came from."""
    values = pd.to_numeric(frame["year"], errors="coerce").to_numpy(dtype=float)

    def origin(i: int) -> tuple[str, str]:
        source, row = frame["source_file"].iat[i], frame["source_row"].iat[i]
        return f"首行来自 {source} 第{row}行", f"the first from {source} row {row}"

    problems = years.name_range_problems(file)
    first, last = years.statistics_year_range()
    out = np.flatnonzero(~((values >= first) & (values <= last)))
    if len(out):
        zh, en = years.range_text()
        o_zh, o_en = origin(int(out[0]))
        problems.append(Problem("error", "year_range", f"{zh}；有 {len(out)} 行超出范围（{o_zh}）：请改正原始数据后"
                                "重新运行 junyun ingest", f"{en}; {len(out)} row(s) out of range ({o_en}): "
                                "correct the raw data and run junyun ingest again", file=file,
                                column=years.STATISTICS_YEAR_ZH, value=str(frame["year"].iat[int(out[0])])))
    return problems + years.rows_disagree(values, None, file=file, header=years.STATISTICS_YEAR_ZH, asked=asked,
                                          origin=origin)


def read_table(paths, county: str | None = None, year: int | None = None) -> SchoolTable:
    """Raw (.xlsx/.csv) or processed (.parquet) files, optionally narrowed to one county and/or year."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not (paths and all(str(p).endswith(".parquet") for p in paths)):
        return read_schools(paths, county=county, year=year)
    table = read_processed(paths, year=year)
    problems = select_problems(table.frame, county, year, file=", ".join(map(str, paths)))
    if problems:
        raise ValidationError(problems)
    keep = pd.Series(True, index=table.frame.index)
    if county is not None:
        keep &= table.frame["county"] == county
    if year is not None:
        keep &= table.frame["year"] == year
    table.frame = table.frame[keep].reset_index(drop=True)
    table.warnings = [w for w in table.warnings if (county is None or w.county == county)
                      and (year is None or w.year == year)]
    return table
