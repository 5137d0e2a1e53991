"""The machine-readable results (评估结果 JSON): fixed keys that other tools read.

    {"results": [ {"county", "year", "standard", "stages": {"primary": stage, "junior": stage},
                   "schools": [school], "excluded": [...], "warnings": [...], ...} ]}
    stage  = {"schools_in_scope", "students", "composite_cv", "passes", "indicators": {CODE: {"mean", "sd",
              "cv", "cv_limit", "cv_pass", "standard", "schools_meeting",
              "causes": {"contributions": [{"school_id", "share", "direction"}], "by_urban_rural": {"within",
                         "between"}, "theil", "gini", "mcloone"}}}}
    school = {"school_id", "part", "school_name", "students", "values", "meets", "passes_school_rule",
              "shortfall", "school_shortfall"}
    gap    = {"stage", "indicator", "name_zh", "schools_below", "shortfall", "school_shortfall", "unit_zh",
              "cost_wan"}

``shortfall`` is each part's own need (in its split share of a mixed school's facilities); ``school_shortfall``
is what must be added: for a facility the whole school's figure (the larger of its parts' need ÷ share), for
teachers the section's own need.  ``cost_wan`` is costed on ``school_shortfall``, each school once.

Values are unrounded; NaN and NA become null.  Tables are turned into Python lists column by column once,
then handed out per county-year, so a national file costs one pass rather than one pass per county.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from ..evaluation.causes import causes_by_group, indicator_causes
from ..evaluation.guarantee import CHECKS
from ..rules.schema import STAGES
from ..rules.scorecard_form import not_applicable
from ..version import __version__
from .jsonvalues import json_number, stream_dumps
from .scorecard_view import to_json_dict as scorecard_json


def column(frame: pd.DataFrame, name: str) -> list:
    """A column as a Python list, NaN/NA → None, numpy scalars → Python scalars."""
    if name not in frame:
        return [None] * len(frame)
    s = frame[name]
    if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object or pd.api.types.is_string_dtype(s):
        return [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v
                for v in s.astype(object).tolist()]
    if isinstance(s.dtype, (pd.BooleanDtype, pd.Int64Dtype)):
        return s.astype(object).where(s.notna(), None).tolist()
    values = s.to_numpy()
    if values.dtype.kind == "f":
        return [None if v != v else v for v in values.tolist()]
    return values.tolist()


def _matrix(frame: pd.DataFrame, prefix: str, codes: list[str], kind=float) -> list[list]:
    if not codes or f"{prefix}{codes[0]}" not in frame:
        return [[] for _ in range(len(frame))]
    m = frame[[f"{prefix}{c}" for c in codes]].to_numpy(dtype=kind)
    rows = m.tolist()
    if kind is float and np.isnan(m).any():
        rows = [[None if v != v else v for v in r] for r in rows]
    return rows


def _schools(parts: pd.DataFrame, codes: list[str], with_standards: bool) -> list[dict]:
    ids, stage, names = column(parts, "school_id"), column(parts, "part"), column(parts, "school_name")
    students, rule = column(parts, "students"), column(parts, "passes_school_rule")
    values = _matrix(parts, "value_", codes)
    meets = _matrix(parts, "meets_", codes, bool) if with_standards else None
    short = _matrix(parts, "shortfall_", codes) if with_standards else None
    whole = _matrix(parts, "school_shortfall_", codes) if with_standards else None
    return [{"school_id": ids[i], "part": stage[i], "school_name": names[i], "students": int(students[i]),
             "values": dict(zip(codes, values[i])),
             "meets": dict(zip(codes, meets[i])) if with_standards else {},
             "passes_school_rule": rule[i],
             "shortfall": dict(zip(codes, short[i])) if with_standards else {},
             "school_shortfall": dict(zip(codes, whole[i])) if with_standards else {}}
            for i in range(len(parts))]


IND_KEYS = ["mean", "sd", "cv", "cv_limit", "cv_pass", "standard", "schools_meeting"]
STAGE_COLUMNS = ["stage", "schools_in_scope", "students", "composite_cv", "passes", "schools_failing_rule"]


def _stages(stage_cols: dict, stage_rows, ind_cols: dict, ind_rows, causes=None) -> dict[str, dict]:
    """Stage blocks of one county-year, from whole-table column lists and this county-year's row positions;
    ``causes(stage, code)`` gives each indicator's ``causes`` object."""
    by_stage: dict[str, dict] = defaultdict(dict)
    for i in ind_rows:
        stage, code = ind_cols["stage"][i], ind_cols["indicator"][i]
        by_stage[stage][code] = {c: ind_cols[c][i] for c in IND_KEYS}
        if causes is not None:
            by_stage[stage][code]["causes"] = causes(stage, code)
    out = {s: {"schools_in_scope": 0, "students": 0, "composite_cv": None, "passes": None, "indicators": {}}
           for s in STAGES}
    for i in stage_rows:
        c = {k: v[i] for k, v in stage_cols.items()}
        out[c["stage"]] = {"schools_in_scope": int(c["schools_in_scope"]), "students": int(c["students"]),
                           "composite_cv": c["composite_cv"], "passes": c["passes"],
                           "schools_failing_rule": c["schools_failing_rule"],
                           "indicators": by_stage.get(c["stage"], {})}
    return out


def _guarantee_failures(wide: pd.DataFrame) -> list[tuple[int, dict]]:
    """(row position, object) for each failing school-level guarantee check.  The full table of every check
    is in the Excel export and ``Evaluation.guarantee``; JSON keeps what needs action."""
    out: list[tuple[int, dict]] = []
    ids, names = column(wide, "school_id"), column(wide, "school_name")
    for check, (check_zh, stage) in CHECKS.items():
        if f"{check}_passes" not in wide:
            continue
        failing = np.flatnonzero(wide[f"{check}_passes"].fillna(True).to_numpy(dtype=bool) == False)  # noqa: E712
        value = wide[f"{check}_value"].to_numpy()[failing].tolist()
        if f"{check}_band" in wide:                   # the largest class known only as its band ("46-50人")
            bands = wide[f"{check}_band"].to_numpy(dtype=object)[failing].tolist()
            value = [b if b is not None and not (isinstance(b, float) and np.isnan(b)) else v
                     for v, b in zip(value, bands)]
        limit = wide[f"{check}_limit"].to_numpy()[failing].tolist()
        basis = column(wide.iloc[failing], f"{check}_basis")
        for j, i in enumerate(failing.tolist()):
            out.append((i, {"school_id": ids[i], "school_name": names[i], "check": check, "check_zh": check_zh,
                            "stage": stage or None, "value": value[j], "limit": limit[j], "basis": basis[j]}))
    out.sort(key=lambda pair: pair[0])
    return out


def _causes(parts: pd.DataFrame, codes: list[str]):
    """``causes(key, stage, code)`` for every county-year of ``parts``: the contributions of each school part
    (largest share first), the 城乡 within/between split, Theil, Gini and McLoone (:mod:`junyun_lib.causes`).
    The measures are computed once for every group; each group's slice becomes Python lists only when its
    object is built, so a streamed document never holds every school's contributions at once."""
    measures = causes_by_group(parts, codes)
    group = measures["group"]
    number = {(c, int(y), s): int(g) for c, y, s, g in
              zip(column(parts, "county"), column(parts, "year"), column(parts, "part"), group.tolist())}
    ids = np.asarray([str(i) for i in column(parts, "school_id")], dtype=object)
    n = int(group.max()) + 1 if len(group) else 0
    per_code = {}
    for code in codes:
        m = measures[code]
        order = m["order"]
        bounds = np.searchsorted(group[order], np.arange(n + 1)).tolist()
        per_code[code] = (ids[order], np.asarray(m["share"])[order], np.asarray(m["direction"])[order], bounds,
                          {k: [json_number(v) for v in m[k].tolist()] for k in ("within", "between", "theil", "gini",
                                                                           "mcloone")})

    def build(key, stage, code):
        g = number.get((key[0], key[1], stage))
        if g is None:
            return None
        sid, share, direction, bounds, per_group = per_code[code]
        a, b = bounds[g], bounds[g + 1]
        return {"contributions": [{"school_id": i, "share": v, "direction": d}
                                  for i, v, d in zip(sid[a:b].tolist(), share[a:b].tolist(), direction[a:b].tolist())
                                  if v == v],
                "by_urban_rural": {"within": per_group["within"][g], "between": per_group["between"][g]},
                "theil": per_group["theil"][g], "gini": per_group["gini"][g], "mcloone": per_group["mcloone"][g]}
    return build


def _records(frame: pd.DataFrame, names: list[str]) -> list[dict]:
    cols = [column(frame, n) for n in names]
    return [dict(zip(names, row)) for row in zip(*cols)]


def _batches(keys: list, rows_of: dict, batch_rows: int | None) -> list[list]:
    """``keys`` in consecutive batches of about ``batch_rows`` school parts (one batch when None)."""
    if batch_rows is None:
        return [list(keys)] if keys else []
    out, batch, size = [], [], 0
    for key in keys:
        batch.append(key)
        size += len(rows_of.get(key, ()))
        if size >= batch_rows:
            out.append(batch)
            batch, size = [], 0
    if batch:
        out.append(batch)
    return out


def iter_results(source, keys: list[tuple[str, int]], standards: dict, row_index,
                 batch_rows: int | None = None) -> Iterator[dict]:
    """One result object per county-year of ``source`` (an Evaluation or a CountyResult), in ``keys`` order.

    ``row_index(table_name)`` gives, per (county, year), the row positions of that table.  The county-years are
    taken in batches of about ``batch_rows`` school parts (all at once when None): each batch's rows are
    turned into Python objects column by column, in one pass, and handed out per county-year — so a national
    file costs one pass over its tables, and a streamed document (:func:`evaluation_json_chunks`) holds one
    batch at a time, never the whole document.
    """
    first = standards[keys[0][0]] if keys else None     # indicator codes are the standard's, same for all
    builders = {
        "excluded": lambda t: [dict(r, part=r["part"] or None)
                               for r in _records(t, ["school_id", "school_name", "part", "reason"])],
        "gaps": lambda t: _records(t, ["stage", "indicator", "name_zh", "schools_below", "shortfall",
                                       "school_shortfall", "unit_zh", "cost_wan"]),
    }
    if first is not None:
        builders["parts"] = lambda t: _schools(t, first.codes, first.has_school_standards)
    located: dict = defaultdict(list)
    for w in source.warnings:
        located[(w.county, w.year)].append(str(w))
    general = located.get(("", None), [])   # warnings about a whole file, not one county-year
    stage_rows, indicator_rows = row_index("stages"), row_index("indicators")
    stage_cols = {c: column(source.stages, c) for c in STAGE_COLUMNS}
    ind_cols = {c: column(source.indicators, c) for c in ["stage", "indicator", *IND_KEYS]}
    causes = _causes(source.parts, first.codes) if first is not None and len(source.parts) else None
    empty = np.array([], dtype=int)

    def rows_of(name: str, batch: list) -> tuple[np.ndarray, np.ndarray]:
        """The batch's rows of a table, and where each county-year's rows end among them."""
        index = row_index(name)
        pieces = [np.asarray(index.get(key, empty), dtype=int) for key in batch]
        ends = np.cumsum([len(p) for p in pieces])
        return (np.concatenate(pieces) if pieces else empty), ends

    def take(table: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
        # the whole table in its own order (one batch of every county-year): no copy
        if len(rows) == len(table) and np.array_equal(rows, np.arange(len(table))):
            return table
        return table.iloc[rows]

    for batch in _batches(list(keys), row_index("parts"), batch_rows):
        per_key: dict[str, list] = {}
        for name, build in builders.items():
            rows, ends = rows_of(name, batch)
            items = build(take(getattr(source, name), rows)) if len(rows) else []
            per_key[name] = [items[a:b] for a, b in zip(np.concatenate([[0], ends[:-1]]).tolist(), ends.tolist())]
        rows, ends = rows_of("guarantee_wide", batch)
        guarantee: list[list] = [[] for _ in batch]
        if len(rows):
            for position, row in _guarantee_failures(take(source.guarantee_wide, rows)):
                guarantee[int(np.searchsorted(ends, position, side="right"))].append(row)
        for k, key in enumerate(batch):
            county, year = key
            std = standards[county]
            yield {
                "county": county, "year": year, "standard": std.code, "synthetic": bool(source.synthetic),
                "stages": _stages(stage_cols, stage_rows.get(key, []), ind_cols, indicator_rows.get(key, []),
                                  (lambda stage, code, key=key: causes(key, stage, code)) if causes else None),
                "schools": per_key["parts"][k] if "parts" in per_key else [],
                "excluded": per_key["excluded"][k], "guarantee_failures": guarantee[k],
                "gaps": per_key["gaps"][k],
                "warnings": general + located.get(key, []), "overrides": list(std.overrides_applied),
            }


def results(source, keys: list[tuple[str, int]], standards: dict, row_index) -> list[dict]:
    """One result object per county-year of ``source``, all at once (:func:`iter_results` in one batch)."""
    return list(iter_results(source, keys, standards, row_index))


def causes_json(result, stage: str, code: str) -> dict:
    """The ``causes`` object of one stage and indicator of a county-year (same shape as in the results file).

    ``{"contributions": [{"school_id", "share", "direction"}, …] (largest share first),
    "by_urban_rural": {"within", "between"}, "theil", "gini", "mcloone"}``; NaN becomes ``None``.
    """
    c = indicator_causes(result, stage, code, group_by="urban_rural")
    return {
        "contributions": [{"school_id": str(s), "share": json_number(sh), "direction": str(d)}
                          for s, sh, d in c.contributions[["school_id", "share", "direction"]]
                          .itertuples(index=False)],
        "by_urban_rural": {"within": json_number(c.by_group.within), "between": json_number(c.by_group.between)},
        "theil": json_number(c.theil), "gini": json_number(c.gini), "mcloone": json_number(c.mcloone)}


def scorecard_note(standard, config=None) -> str | None:
    """Why a county-year has no scorecard (评估表), in Chinese: the form does not apply to ``standard``
    (:func:`~junyun_lib.rules.scorecard_form.not_applicable`), or the county has no configuration; None when
    neither holds."""
    note = not_applicable(standard)
    if note is None and config is not None and not getattr(config, "configured", True):
        # every county gets a scorecard (decision 68); this is said only where none was built for it
        note = "评估表未随本结果生成；没有县区配置（county.toml）的县区，县级项目均为无数据"
    return note


def _finish(res: dict, scorecards, standards: dict, configs: dict) -> dict:
    """Add a result object's ``scorecard`` and ``scorecard_note``."""
    key = (res["county"], res["year"])
    card = scorecards(*key) if callable(scorecards) else scorecards.get(key)
    # a scorecard's JSON object may come ready-made (scorecard_view.table_scorecards: from the tidy tables)
    res["scorecard"] = None if card is None else card if isinstance(card, dict) else scorecard_json(card)
    res["scorecard_note"] = None if card is not None else scorecard_note(standards[res["county"]],
                                                                        configs.get(res["county"]))
    return res


def _source_keys(source):
    if hasattr(source, "county_years"):
        return source.county_years(), source.standards, source.counties
    return [(source.county, source.year)], {source.county: source.standard}, {source.county: source.config}


def generator() -> dict:
    """The ``generator`` object of a results document."""
    return {"package": "junyun", "version": __version__}


def evaluation_json(source, scorecards: dict | Callable | None = None) -> dict:
    """The results document of an Evaluation (every county-year) or of one CountyResult (its object only).

    ``scorecards`` maps (county, year) to that county-year's :class:`~junyun_lib.evaluation.scorecard.Scorecard`
    (or None), or is a function ``(county, year) -> Scorecard | None``; each result object gets ``"scorecard"``
    (null where there is none) and ``"scorecard_note"``: why there is none, in Chinese (the form does not apply
    to the standard — basic-2012 — or the county has no ``county.toml``), else null.  For many county-years
    write the same document with :func:`evaluation_json_chunks`, which never holds all of it.
    """
    scorecards = scorecards or {}
    keys, standards, configs = _source_keys(source)
    out = [_finish(res, scorecards, standards, configs) for res in results(source, keys, standards, source._row_index)]
    if not hasattr(source, "county_years"):
        return out[0]
    return {"results": out, "generator": generator()}


#: school parts per batch of a streamed document: large enough for one vectorised pass to pay, small enough
#: that a batch's Python objects stay a few tens of MB
STREAM_BATCH_ROWS = 20_000


def evaluation_json_chunks(evaluation, scorecards: dict | Callable | None = None, *,
                           batch_rows: int = STREAM_BATCH_ROWS, lines: bool = False) -> Iterator[str]:
    """The results document of an Evaluation as pieces of text, county-year by county-year (流式写出).

    Joined, the pieces are exactly ``dumps(evaluation_json(evaluation, scorecards))``
    (:func:`junyun_lib.report.jsonvalues.dumps`: valid JSON, no NaN or infinity), but only one batch of
    county-years (:data:`STREAM_BATCH_ROWS` school parts) is ever held as Python objects, and a scorecard
    given as a function is built only when its county-year is written (it may return the scorecard's JSON
    object itself).  With ``lines`` each county-year's object is one line (ten times faster to encode; the
    same document to any JSON reader).  Write them with
    :meth:`junyun_lib.workspace.Workspace.write_json_chunks` (atomic: the file appears only when complete).
    """
    scorecards = scorecards or {}
    keys, standards, configs = _source_keys(evaluation)
    objects = (_finish(res, scorecards, standards, configs)
               for res in iter_results(evaluation, keys, standards, evaluation._row_index, batch_rows))
    return stream_dumps("results", objects, {"generator": generator()}, lines=lines)
