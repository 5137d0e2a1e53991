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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..evaluation.causes import causes_by_group
from ..evaluation.scorecards import scorecard_tables
from ..io.ownership import write_owned_files
from ..rules.scorecard_form import applies_to
from .. import threads
from ..threads import beside, map_in_order
from ..version import __version__

TABLE_NAMES = ("stages", "indicators", "school_parts", "exclusions", "guarantee", "gaps", "scorecard_items",
               "scorecard")
_KEY_COLUMNS = ("county", "year", "stage", "indicator", "school_id", "part", "code")
_PART_KEYS = ["county", "year", "school_id", "school_name", "school_type", "urban_rural", "ownership", "part",
              "students", "share"]


def results_tables(evaluation, *, scorecard: bool = True) -> dict[str, pd.DataFrame]:
    """The tidy tables of an :class:`~junyun_lib.evaluation.evaluate.Evaluation` (see the module docstring).

    The scorecard tables are built only under quality balance (教督〔2017〕6号), for all county-years at
    once (:func:`junyun_lib.evaluation.scorecards.scorecard_tables`).  Large tables keep their categorical
    columns (written as Parquet dictionaries: small and fast); nothing is copied more than once.
    """
    if not (scorecard and applies_to(evaluation.standard_code)):
        return _evaluation_tables(evaluation)
    # on a national file the scorecards are built in a second thread while the cause measures are computed
    (items, overall), tables = beside(lambda: scorecard_tables(evaluation), lambda: _evaluation_tables(evaluation),
                                      rows=len(evaluation.parts))
    return {**tables, "scorecard_items": items, "scorecard": overall}


def _evaluation_tables(evaluation) -> dict[str, pd.DataFrame]:
    """Every table but the scorecards: the evaluation's own, and the school parts and indicators with their
    cause measures."""
    tables = {**_own_tables(evaluation), **_cause_tables(evaluation)}
    return {name: tables[name] for name in TABLE_NAMES if name in tables}


def _own_tables(evaluation) -> dict[str, pd.DataFrame]:
    """The tables the evaluation holds as they are (stages, exclusions, guarantee, gaps)."""
    return {"stages": evaluation.stages.reset_index(drop=True),
            "exclusions": evaluation.excluded.reset_index(drop=True),
            "guarantee": evaluation.guarantee_wide.reset_index(drop=True),
            "gaps": evaluation.gaps.reset_index(drop=True)}


def _cause_tables(evaluation) -> dict[str, pd.DataFrame]:
    """The indicators and school parts with their cause measures (:func:`causes_by_group`)."""
    causes = _causes(evaluation)
    return {"indicators": _indicators_table(evaluation, causes), "school_parts": _school_parts_table(evaluation, causes)}


def _codes(evaluation) -> list[str]:
    return list(next(iter(evaluation.standards.values())).codes) if evaluation.standards else []


def _causes(evaluation, shares_ready=None) -> dict | None:
    """:func:`causes_by_group` of the evaluation's parts (``None`` without parts or indicators; then
    ``shares_ready`` is called with ``None``)."""
    codes = _codes(evaluation)
    if not (len(evaluation.parts) and codes):
        if shares_ready is not None:
            shares_ready(None)
        return None
    return causes_by_group(evaluation.parts, codes, ranking=False, shares_ready=shares_ready)


def _school_parts_table(evaluation, causes: dict | None) -> pd.DataFrame:
    """The school parts with each part's share of its group's CV² (``causes``: at least the shares)."""
    codes = _codes(evaluation)
    parts = evaluation.parts
    keep = [c for c in _PART_KEYS if c in parts] + [f"{k}_{c}" for c in codes for k in ("value", "meets")
                                                     if f"{k}_{c}" in parts]
    keep += [c for c in ("n_meeting", "passes_school_rule") if c in parts]
    keep += [f"{k}_{c}" for c in codes for k in ("shortfall", "cost") if f"{k}_{c}" in parts]
    keep += [c for c in ("cost_total", "source_file", "source_row") if c in parts]
    # each column as it is held (numpy, categorical, text): no conversion, one copy at most
    columns = {c: _as_held(parts[c]) for c in keep}
    if causes is not None:
        for code in codes:
            columns[f"cv2_share_{code}"] = causes[code]["share"]
    return pd.DataFrame(columns, copy=False)


def _indicators_table(evaluation, causes: dict | None) -> pd.DataFrame:
    """The indicator rows with their groups' cause measures (``causes``: every measure)."""
    codes = _codes(evaluation)
    indicators = evaluation.indicators.reset_index(drop=True)
    if causes is not None:
        # the group measures (groups = county, year, stage in sorted order), matched to the indicator rows
        at = _group_positions(evaluation.parts, causes["group"], len(causes[codes[0]]["within"]), indicators)
        found = at >= 0
        at = np.where(found, at, 0)
        # each indicator's rows found once (not once per measure: a comparison of 40,000 texts each time)
        rows_of = {code: np.flatnonzero(found & (indicators["indicator"] == code).to_numpy()) for code in codes}
        for name in ("within", "between", "theil", "gini", "mcloone"):
            values = np.full(len(indicators), np.nan)
            for code, rows in rows_of.items():
                values[rows] = np.asarray(causes[code][name])[at[rows]]
            indicators[name] = values
    return indicators


def _group_positions(parts: pd.DataFrame, group: np.ndarray, n: int, indicators: pd.DataFrame) -> np.ndarray:
    """Each indicator row's group in :func:`~junyun_lib.evaluation.causes.causes_by_group` (−1 where none).

    The groups' keys (county, year, stage) are read from one part of each (``group`` numbers the parts already,
    and every part of a group has its key), so the parts are not grouped a second time.  Keys are matched by
    value, each distinct value once (the indicator rows come from the same school table, so their values are
    of the same kinds): the indicator rows are matched on integer codes."""
    first = np.empty(n, dtype=np.int64)
    first[group] = np.arange(len(group))        # some part of each group (every group has one)
    key, wanted = np.zeros(n, dtype=np.int64), np.zeros(len(indicators), dtype=np.int64)
    absent = np.zeros(len(indicators), dtype=bool)
    for own, theirs in (("county", "county"), ("year", "year"), ("part", "stage")):
        codes, names = pd.factorize(parts[own].iloc[first])
        found, distinct = pd.factorize(indicators[theirs], use_na_sentinel=False)
        at = pd.Index(names).get_indexer(distinct)[found]
        absent |= at < 0
        key, wanted = key * (len(names) + 1) + codes, wanted * (len(names) + 1) + at
    position = pd.Index(key).get_indexer(wanted).astype(np.int64)
    position[absent] = -1
    return position


def _as_held(series: pd.Series):
    """A column's values without conversion: Python-object text stays object (pandas would otherwise turn
    it into its string type, only for pyarrow to convert it again when writing)."""
    if series.dtype == object:
        return pd.Series(series.to_numpy(), dtype=object, copy=False)
    return series.array if isinstance(series.dtype, pd.api.extensions.ExtensionDtype) else series.to_numpy()


def _arrow(frame: pd.DataFrame, meta: dict) -> pa.Table:
    # no copy: Python-object columns (text, None, NaN for missing) convert with NaN as null
    table = pa.Table.from_pandas(frame, preserve_index=False)
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[b"junyun"] = json.dumps(meta, ensure_ascii=False).encode("utf-8")
    return table.replace_schema_metadata(schema_meta)


def write_results(tables: dict[str, pd.DataFrame], folder, *, standard: str, synthetic: bool) -> list[Path]:
    """Write each table as ``<folder>/<name>.parquet`` (creating the folder) and return the paths.

    The folder keeps junyun's marker of what it wrote (:mod:`junyun_lib.io.ownership`): tables of an earlier
    run are replaced, a file junyun did not write is never touched (the write is refused, naming it), and an
    interrupted run leaves a set marked incomplete, never one that looks finished."""
    folder = Path(folder)
    names = [f"{name}.parquet" for name in tables]

    def write_all(stage: Path) -> None:
        write = _table_writer(stage, standard, synthetic)
        # the two largest tables (school parts, guarantee) take most of the time: on a national file they are
        # written two at a time (pyarrow encodes and compresses without holding the GIL)
        order = sorted(tables, key=lambda n: -len(tables[n]))
        map_in_order(lambda name: write(name, tables[name]), order,
                     rows=max((len(t) for t in tables.values()), default=0))

    return write_owned_files(folder, names, write_all, "结果目录")


def _table_writer(stage: Path, standard: str, synthetic: bool):
    """``write(name, frame)``: one table as ``<stage>/<name>.parquet``."""
    meta = {"package": "junyun", "version": __version__, "standard": standard, "synthetic": bool(synthetic)}

    def write(name: str, frame: pd.DataFrame) -> None:
        table = _arrow(frame, {**meta, "table": name})
        # dictionary pages for text only (trying them on every number column costs more than it saves);
        # snappy, Parquet's usual codec; min/max statistics on the key columns that readers filter by; values
        # encoded 65,536 at a time, not 1,024 (the same pages' data, a tenth less time on a national table)
        text = [f.name for f in table.schema if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type)
                or pa.types.is_large_string(f.type)]
        keys = [c for c in table.column_names if c in _KEY_COLUMNS]
        pq.write_table(table, stage / f"{name}.parquet", compression="snappy", use_dictionary=text,
                       write_statistics=keys or False, write_batch_size=65_536)

    return write


def results_written(evaluation, folder, *, scorecards=None) -> tuple[dict[str, pd.DataFrame], list[Path]]:
    """``results_tables(evaluation)`` written as :func:`write_results` writes them, each table as soon as it is
    built: ``(tables, paths)``.

    The same tables and files as the two calls one after the other.  On a national file the evaluation's own
    tables are written and the scorecards built in two threads while this one computes the cause measures,
    then writes the school parts: the Parquet encoding (which does not hold the GIL) fills the time the
    table building leaves the second core idle.  ``scorecards``, if given, takes and returns the scorecard
    tables ``(items, overall)`` before they are written (the workspace puts a configured county's own
    scorecard in)."""
    quality = applies_to(evaluation.standard_code)       # the standard has an evaluation form
    own = _own_tables(evaluation)
    order = [name for name in TABLE_NAMES if quality or not name.startswith("scorecard")]
    built: dict[str, pd.DataFrame] = dict(own)

    def cards() -> tuple[pd.DataFrame, pd.DataFrame]:
        items, overall = scorecard_tables(evaluation)
        return scorecards(items, overall) if scorecards is not None else (items, overall)

    def write_all(stage: Path) -> None:
        write = _table_writer(stage, evaluation.standard_code, evaluation.synthetic)
        if len(evaluation.parts) < threads.THREADED_ROWS:          # a county: one step after the other
            built.update(_cause_tables(evaluation))
            if quality:
                built["scorecard_items"], built["scorecard"] = cards()
            for name in order:
                write(name, built[name])
            return
        # this thread computes the cause measures (two threads of its own), each part's share of CV² first: a
        # third thread writes the school parts with them while the other measures are computed.  A second
        # lane builds the scorecards and writes the evaluation's own tables
        with ThreadPoolExecutor(max_workers=1) as lane, ThreadPoolExecutor(max_workers=1) as parts_lane:
            made = lane.submit(cards) if quality else None
            written = [lane.submit(write, name, own[name]) for name in sorted(own, key=lambda n: -len(own[n]))]
            if made is not None:
                def write_cards() -> None:
                    built["scorecard_items"], built["scorecard"] = made.result()
                    for name in ("scorecard_items", "scorecard"):
                        write(name, built[name])
                written.append(lane.submit(write_cards))

            def parts_ready(shares) -> None:
                built["school_parts"] = _school_parts_table(evaluation, shares)
                written.append(parts_lane.submit(write, "school_parts", built["school_parts"]))

            built["indicators"] = _indicators_table(evaluation, _causes(evaluation, shares_ready=parts_ready))
            write("indicators", built["indicators"])
            for done in written:
                done.result()

    paths = write_owned_files(Path(folder), [f"{name}.parquet" for name in order], write_all, "结果目录")
    return {name: built[name] for name in order}, paths
