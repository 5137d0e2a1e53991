"""Scope of resource allocation (资源配置评估范围) and the school parts that enter it.

Seed 002 附件2 (一)(三): all compulsory-education schools, public and private, each independent campus as its
own school; excluded are special-education schools, vocational schools and teaching points (教学点) with
fewer than 50 students.  A mixed school becomes one part per compulsory stage it enrols (附件2 (五)).
Every exclusion is listed with its reason; nothing is dropped silently.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import rules
from ..columns import as_text
from ..rules.schema import STAGE_ZH, STAGES

EXCLUDED_COLUMNS = ["county", "year", "school_id", "school_name", "school_type", "part", "students",
                    "reason_code", "reason", "reason_en"]
_EXCLUSION_READS = ["county", "year", "school_id", "school_name", "school_type", *(f"students_{s}" for s in STAGES)]


def in_scope_mask(frame: pd.DataFrame) -> pd.Series:
    """Which schools are in resource-allocation scope (进入资源配置评估的学校).

    Out of scope: special-education and vocational schools, teaching points under 50 pupils (有关事项说明
    （三）), and schools with no compulsory-education pupils this year (nothing per pupil can be computed);
    :func:`excluded_table` lists them with their reasons.
    """
    by_type, small_point, no_pupils, _ = _out_of_scope(frame)
    return ~(by_type | small_point | no_pupils)


def excluded_table(frame: pd.DataFrame, in_scope: pd.Series) -> pd.DataFrame:
    """Every school or part left out, with its reason: the schools out of scope (:func:`in_scope_mask`),
    then the expected stages a mixed school does not enrol (:func:`empty_parts`).

    Every column holds Python objects (text and whole numbers), whatever kinds of exclusion the data has."""
    frame = frame[_EXCLUSION_READS]      # only what the table shows: the rows are picked from these columns
    return _assemble([*_excluded_schools(frame), *_empty_part_pieces(frame, in_scope)], frame)


def _out_of_scope(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """(excluded types, teaching points under the minimum, no compulsory pupils, compulsory pupils)."""
    cfg = rules.scope_rules()
    compulsory = frame["students_primary"] + frame["students_junior"]
    by_type = frame["school_type"].isin(cfg["excluded_types"])
    no_pupils = ~by_type & (compulsory <= 0)
    small_point = (frame["school_type"] == cfg["teaching_point_type"]) & (
        frame["students_primary"] < cfg["teaching_point_min_students"]) & ~no_pupils
    return by_type, small_point, no_pupils, compulsory


def _excluded_schools(frame: pd.DataFrame) -> list[_Piece]:
    by_type, small_point, no_pupils, compulsory = _out_of_scope(frame)
    minimum = rules.scope_rules()["teaching_point_min_students"]
    compulsory = compulsory.to_numpy()
    rows = np.flatnonzero(by_type.to_numpy())
    by_type_reason = (as_text(frame["school_type"].iloc[rows]) + "不参与资源配置评估（有关事项说明（三））").to_numpy(dtype=object)
    points = np.flatnonzero(small_point.to_numpy())
    point_pupils = frame["students_primary"].to_numpy()[points].astype(int)
    return [
        _Piece(rows, "", compulsory[rows], "excluded_type", by_type_reason,
               "special-education and vocational schools are outside resource allocation"),
        _Piece(points, "primary", compulsory[points], "small_teaching_point",
               _small_point_reasons(point_pupils, minimum),
               f"teaching point under {minimum} students (still checked for school and class size)"),
        _Piece(np.flatnonzero(no_pupils.to_numpy()), "", compulsory[no_pupils.to_numpy()], "no_compulsory_students",
               "本年度无小学、初中在校生，不参与评估", "no primary or junior students this year; not evaluated"),
    ]


def _small_point_reasons(pupils: np.ndarray, minimum: int) -> np.ndarray:
    """The reason of each teaching point under the minimum, one text per number of pupils (fewer than 50
    distinct), the same object on every row that has it."""
    counts, at = np.unique(pupils, return_inverse=True)
    texts = np.array([f"教学点在校生{n}人，不足{minimum}人，不参与资源配置评估（有关事项说明（三））；校额、班额仍评估"
                      for n in counts.tolist()], dtype=object)
    return texts[at.reshape(-1)] if len(pupils) else np.array([], dtype=object)


def guarantee_scope(frame: pd.DataFrame) -> pd.Series:
    """Schools checked for school size, class size and special rooms (“所有小学、初中”, 教督〔2017〕6号 二（二）3–5):
    every compulsory-education school with pupils, teaching points under 50 included — 有关事项说明（三）
    leaves those out "对资源配置评估时" only."""
    cfg = rules.scope_rules()
    compulsory = frame["students_primary"] + frame["students_junior"]
    return ~frame["school_type"].isin(cfg["excluded_types"]) & (compulsory > 0)


def empty_parts(frame: pd.DataFrame, in_scope: pd.Series) -> pd.DataFrame:
    """Expected stages a mixed school does not enrol this year (e.g. a 九年一贯制 with no junior students)."""
    return _assemble(_empty_part_pieces(frame, in_scope), frame)


def _empty_part_pieces(frame: pd.DataFrame, in_scope: pd.Series) -> list[_Piece]:
    expected = rules.scope_rules()["expected_stages"]
    out = []
    for stage in STAGES:
        types = [t for t, stages in expected.items() if stage in stages]
        none = (in_scope & frame["school_type"].isin(types) & (frame[f"students_{stage}"] <= 0)).to_numpy()
        out.append(_Piece(np.flatnonzero(none), stage, frame[f"students_{stage}"].to_numpy()[none], "empty_part",
                          f"本年度无{STAGE_ZH[stage]}在校生，{STAGE_ZH[stage]}部不计",
                          f"no {stage} students this year; no {stage} part"))
    return out


@dataclass
class _Piece:
    """Rows of the school table left out for one reason: their positions, the part, the pupils counted, the
    reason's code, its Chinese text (one for all, or one per row) and its English gloss."""

    rows: np.ndarray
    part: str
    students: np.ndarray
    code: str
    reason: str | np.ndarray
    reason_en: str


def _assemble(pieces: list[_Piece], frame: pd.DataFrame) -> pd.DataFrame:
    """The pieces one after the other, as one table of Python objects.

    Columns are built as object arrays directly: a text shared by many rows (the county, the reason) is one
    object referred to from each row, where converting a categorical or text column row by row made a
    string per row (a national file has some 40,000 exclusions)."""
    rows = np.concatenate([p.rows for p in pieces]).astype(np.int64)
    sizes = [len(p.rows) for p in pieces]

    def constant(values: list) -> np.ndarray:        # one value per piece, the same object on each of its rows
        return np.repeat(np.array(values, dtype=object), sizes)

    def shared(series: pd.Series) -> np.ndarray:
        picked = series.iloc[rows]
        if isinstance(series.dtype, pd.CategoricalDtype):
            names = np.asarray(series.cat.categories.astype(object), dtype=object)
            codes = picked.cat.codes.to_numpy()
            out = np.empty(len(codes), dtype=object)
            out[codes >= 0] = names[codes[codes >= 0]]
            out[codes < 0] = np.nan
            return out
        return picked.to_numpy(dtype=object)

    def constant_of(value, n: int) -> np.ndarray:
        return np.repeat(np.array([value], dtype=object), n)

    years = frame["year"].to_numpy()[rows]
    distinct, at = np.unique(years, return_inverse=True)
    data = {
        "county": shared(frame["county"]),
        "year": distinct.astype(object)[at.reshape(-1)],            # one object per distinct year
        "school_id": shared(frame["school_id"]),
        "school_name": shared(frame["school_name"]),
        "school_type": shared(frame["school_type"]),
        "part": constant([p.part for p in pieces]),
        "students": np.concatenate([np.asarray(p.students) for p in pieces]).astype("int64").astype(object),
        "reason_code": constant([p.code for p in pieces]),
        "reason": np.concatenate([p.reason if isinstance(p.reason, np.ndarray) else constant_of(p.reason, len(p.rows))
                                  for p in pieces]),
        "reason_en": constant([p.reason_en for p in pieces]),
    }
    return pd.DataFrame({c: pd.Series(v, dtype=object, copy=False) for c, v in data.items()})[EXCLUDED_COLUMNS]
