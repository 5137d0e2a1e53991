"""Processed data (处理后数据): validated school tables as ``data/processed/<county-slug>/<year>.parquet``.

Data flows one way: ``data/raw`` (never edited) → ``data/processed`` → results.  Writing is deterministic:
the same input gives a byte-identical file (rows sorted, fixed schema and compression, no timestamps).
Nothing is written unless every input file validates.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import __version__, rules
from .reader import SchoolTable, read_schools
from .validation import check_rows

META_KEY = b"junyun"


def processed_path(data_dir: Path, slug: str, year: int) -> Path:
    return Path(data_dir) / "processed" / slug / f"{int(year)}.parquet"


def ingest(sources, data_dir: Path | None = None) -> list[Path]:
    """Validate raw files and write one parquet file per county-year.  Returns the paths written."""
    data_dir = Path(data_dir or rules.default_data_dir())
    table = read_schools(sources)          # raises ValidationError before anything is written
    configs = rules.county_configs(data_dir)
    written = []
    for (county, year), frame in table.frame.groupby(["county", "year"], sort=True):
        cfg = configs.get(county) or rules.CountyConfig.unknown(county)
        path = processed_path(data_dir, cfg.slug, year)
        _write(frame.reset_index(drop=True), path, synthetic=table.synthetic)
        written.append(path)
    return written


def _write(frame: pd.DataFrame, path: Path, synthetic: bool) -> None:
    # the file name alone, so the same input read from another folder gives the same bytes
    frame = frame.assign(source_file=frame["source_file"].map(lambda f: Path(f).name))
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(arrow.schema.metadata or {})
    meta[META_KEY] = json.dumps({"synthetic": synthetic, "version": __version__}, sort_keys=True).encode()
    arrow = arrow.replace_schema_metadata(meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(arrow, tmp, compression="zstd", write_statistics=False)
    tmp.replace(path)


def read_processed(paths) -> SchoolTable:
    """Load processed files back as a :class:`SchoolTable` (warnings recomputed from the rows)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    frames, synthetic = [], []
    for p in paths:
        arrow = pq.read_table(p)
        meta = json.loads((arrow.schema.metadata or {}).get(META_KEY, b"{}"))
        synthetic.append(bool(meta.get("synthetic")))
        frames.append(arrow.to_pandas())
    frame = pd.concat(frames, ignore_index=True)
    warnings = [p for p in check_rows(frame) if p.severity == "warning"]
    return SchoolTable(frame, warnings, [str(p) for p in paths], synthetic=bool(synthetic) and all(synthetic))


def open_table(paths, county: str | None = None, year: int | None = None) -> SchoolTable:
    """Raw (.xlsx/.csv) or processed (.parquet) files, optionally narrowed to one county and/or year."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if paths and all(str(p).endswith(".parquet") for p in paths):
        from .problems import ValidationError
        from .reader import _select

        table = read_processed(paths)
        problems = _select(table.frame, county, year, file=", ".join(map(str, paths)))
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
    return read_schools(paths, county=county, year=year)
