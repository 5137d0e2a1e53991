"""Scope of resource allocation (资源配置评估范围) and the school parts that enter it.

Seed 002 附件2 (一)(三): all compulsory-education schools, public and private, each independent campus as its
own school; excluded are special-education schools, vocational schools and teaching points (教学点) with
fewer than 50 students.  A mixed school becomes one part per compulsory stage it enrols (附件2 (五)).
Every exclusion is listed with its reason; nothing is dropped silently.
"""
from __future__ import annotations

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
    then the expected stages a mixed school does not enrol (:func:`empty_parts`)."""
    frame = frame[_EXCLUSION_READS]      # only what the table shows: the rows are picked from these columns
    return pd.concat([_excluded_schools(frame), empty_parts(frame, in_scope)], ignore_index=True)


def _out_of_scope(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """(excluded types, teaching points under the minimum, no compulsory pupils, compulsory pupils)."""
    cfg = rules.scope_rules()
    compulsory = frame["students_primary"] + frame["students_junior"]
    by_type = frame["school_type"].isin(cfg["excluded_types"])
    no_pupils = ~by_type & (compulsory <= 0)
    small_point = (frame["school_type"] == cfg["teaching_point_type"]) & (
        frame["students_primary"] < cfg["teaching_point_min_students"]) & ~no_pupils
    return by_type, small_point, no_pupils, compulsory


def _excluded_schools(frame: pd.DataFrame) -> pd.DataFrame:
    by_type, small_point, no_pupils, compulsory = _out_of_scope(frame)
    minimum = rules.scope_rules()["teaching_point_min_students"]
    excluded = [
        _rows(frame[by_type], "", compulsory[by_type], "excluded_type",
              lambda f: f["school_type"].astype(str) + "不参与资源配置评估（有关事项说明（三））",
              "special-education and vocational schools are outside resource allocation"),
        _rows(frame[small_point], "primary", compulsory[small_point], "small_teaching_point",
              lambda f: ("教学点在校生" + f["students_primary"].astype(int).astype(str) +
                         f"人，不足{minimum}人，不参与资源配置评估（有关事项说明（三））；校额、班额仍评估"),
              f"teaching point under {minimum} students (still checked for school and class size)"),
        _rows(frame[no_pupils], "", compulsory[no_pupils], "no_compulsory_students",
              lambda f: pd.Series("本年度无小学、初中在校生，不参与评估", index=f.index),
              "no primary or junior students this year; not evaluated"),
    ]
    return pd.concat(excluded, ignore_index=True)


def guarantee_scope(frame: pd.DataFrame) -> pd.Series:
    """Schools checked for school size, class size and special rooms (“所有小学、初中”, 教督〔2017〕6号 二（二）3–5):
    every compulsory-education school with pupils, teaching points under 50 included — 有关事项说明（三）
    leaves those out "对资源配置评估时" only."""
    cfg = rules.scope_rules()
    compulsory = frame["students_primary"] + frame["students_junior"]
    return ~frame["school_type"].isin(cfg["excluded_types"]) & (compulsory > 0)


def empty_parts(frame: pd.DataFrame, in_scope: pd.Series) -> pd.DataFrame:
    """Expected stages a mixed school does not enrol this year (e.g. a 九年一贯制 with no junior students)."""
    expected = rules.scope_rules()["expected_stages"]
    out = []
    for stage in STAGES:
        types = [t for t, stages in expected.items() if stage in stages]
        none = in_scope & frame["school_type"].isin(types) & (frame[f"students_{stage}"] <= 0)
        out.append(_rows(frame[none], stage, frame.loc[none, f"students_{stage}"], "empty_part",
                         lambda f, s=stage: pd.Series(f"本年度无{STAGE_ZH[s]}在校生，{STAGE_ZH[s]}部不计", index=f.index),
                         f"no {stage} students this year; no {stage} part"))
    return pd.concat(out, ignore_index=True)


def _rows(sub: pd.DataFrame, part: str, students, code: str, reason, reason_en: str) -> pd.DataFrame:
    """``reason`` maps the excluded rows to their Chinese reasons, vectorised."""
    if sub.empty:
        return pd.DataFrame(columns=EXCLUDED_COLUMNS)
    out = sub[["county", "year", "school_id", "school_name", "school_type"]].copy()
    out["school_type"] = as_text(out["school_type"])
    out["part"] = part
    out["students"] = pd.Series(students, index=sub.index).astype("int64")
    out["reason_code"] = code
    out["reason"] = reason(sub).astype(str)
    out["reason_en"] = reason_en
    return out[EXCLUDED_COLUMNS]
