"""Tidy results for analysts and other tools (分析用结果表): Parquet tables, one concept each.

``junyun evaluate … --results DIR`` writes, for every county-year of the evaluation at once:

==========================  ==============================================================================
``stages.parquet``          county-year × stage: schools in scope, students, composite CV, verdicts
``indicators.parquet``      county-year × stage × indicator: mean, SD, CV, limit, verdict, and the cause
                            measures (urban/rural within and between parts of CV², Theil, Gini, McLoone)
``school_parts.parquet``    school parts: students, split share, the 7 (or 8) values, whether each meets
                            its standard, the per-school rule, shortfalls and costs, each part's share of CV²
``exclusions.parquet``      schools or parts left out, with the reason
``guarantee.parquet``       one row per school: each school-level check (校额、班额、音乐美术专用教室) with
                            its value, limit, verdict and basis
``gaps.parquet``            county-year × stage × indicator: schools below standard, shortfall, cost
``scorecard_items.parquet`` county-year × scorecard item: value, standard, verdict (NA = no data), source
``scorecard.parquet``       county-year: overall verdict and each area's verdict (NA = undetermined)
==========================  ==============================================================================

Column meanings are in ``docs/results.md``.  Values are unrounded; missing values are nulls.  Each file
carries ``junyun`` metadata (version, standard, synthetic) and is written atomically.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..evaluation.causes import causes_by_group
from ..evaluation.scorecards import scorecard_tables
from ..io.atomic import atomic_folder
from ..version import __version__

TABLE_NAMES = ("stages", "indicators", "school_parts", "exclusions", "guarantee", "gaps", "scorecard_items",
               "scorecard")
_PART_KEYS = ["county", "year", "school_id", "school_name", "school_type", "urban_rural", "ownership", "part",
              "students", "share"]


def results_tables(evaluation, *, scorecard: bool = True) -> dict[str, pd.DataFrame]:
    """The tidy tables of an :class:`~junyun_lib.evaluation.evaluate.Evaluation` (see the module docstring).

    The scorecard tables are built only under quality balance (教督〔2017〕6号), for all county-years at
    once (:func:`junyun_lib.evaluation.scorecards.scorecard_tables`).  Large tables keep their categorical
    columns (written as Parquet dictionaries: small and fast); nothing is copied more than once.
    """
    codes = list(next(iter(evaluation.standards.values())).codes) if evaluation.standards else []
    parts = evaluation.parts
    keep = [c for c in _PART_KEYS if c in parts] + [f"{k}_{c}" for c in codes for k in ("value", "meets")
                                                     if f"{k}_{c}" in parts]
    keep += [c for c in ("n_meeting", "passes_school_rule") if c in parts]
    keep += [f"{k}_{c}" for c in codes for k in ("shortfall", "cost") if f"{k}_{c}" in parts]
    keep += [c for c in ("cost_total", "source_file", "source_row") if c in parts]
    columns = {c: parts[c].to_numpy() if not isinstance(parts[c].dtype, pd.CategoricalDtype) else parts[c].array
               for c in keep}
    indicators = evaluation.indicators.reset_index(drop=True)
    if len(parts) and codes:
        causes = causes_by_group(parts, codes, ranking=False)
        for code in codes:
            columns[f"cv2_share_{code}"] = causes[code]["share"]
        # the group measures (groups = county, year, stage in sorted order), matched to the indicator rows
        groups = parts.groupby(["county", "year", "part"], sort=True, observed=True).size().reset_index()
        key = groups["county"].astype(str) + "|" + groups["year"].astype(str) + "|" + groups["part"].astype(str)
        position = pd.Series(np.arange(len(groups)), index=key.to_numpy())
        ind_key = (indicators["county"].astype(str) + "|" + indicators["year"].astype(str) + "|"
                   + indicators["stage"].astype(str))
        at = position.reindex(ind_key.to_numpy()).to_numpy()
        found = ~np.isnan(at)
        at = np.where(found, at, 0).astype(int)
        for name in ("within", "between", "theil", "gini", "mcloone"):
            values = np.full(len(indicators), np.nan)
            for code in codes:
                rows = found & (indicators["indicator"] == code).to_numpy()
                values[rows] = np.asarray(causes[code][name])[at[rows]]
            indicators[name] = values
    tables = {"stages": evaluation.stages.reset_index(drop=True), "indicators": indicators,
              "school_parts": pd.DataFrame(columns), "exclusions": evaluation.excluded.reset_index(drop=True),
              "guarantee": evaluation.guarantee_wide.reset_index(drop=True),
              "gaps": evaluation.gaps.reset_index(drop=True)}
    if scorecard and evaluation.standard_code == "quality-2017":
        items, overall = scorecard_tables(evaluation)
        tables["scorecard_items"], tables["scorecard"] = items, overall
    return tables


def _arrow(frame: pd.DataFrame, meta: dict) -> pa.Table:
    frame = frame.copy()
    for c in frame.columns:      # text columns holding Python objects (None and str) → arrow strings
        if frame[c].dtype == object:
            sample = frame[c].dropna()
            if len(sample) and not all(isinstance(v, str) for v in sample.iloc[:100]):
                frame[c] = frame[c].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                                        else v)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[b"junyun"] = json.dumps(meta, ensure_ascii=False).encode("utf-8")
    return table.replace_schema_metadata(schema_meta)


def write_results(tables: dict[str, pd.DataFrame], folder, *, standard: str, synthetic: bool) -> list[Path]:
    """Write each table as ``<folder>/<name>.parquet``; the folder is replaced as a whole
    (:func:`junyun_lib.io.atomic.atomic_folder`), so an interrupted run leaves the previous set or nothing.
    Returns the paths."""
    folder = Path(folder)
    meta = {"package": "junyun", "version": __version__, "standard": standard, "synthetic": bool(synthetic)}
    with atomic_folder(folder) as tmp:
        for name, frame in tables.items():
            pq.write_table(_arrow(frame, {**meta, "table": name}), tmp / f"{name}.parquet", compression="zstd")
    return [folder / f"{name}.parquet" for name in tables]
