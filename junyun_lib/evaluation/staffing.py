"""Teacher staffing against a county's own staffing ratios (县定编制标准师生比), where a county sets them.

进贤县 (seed 000 二(二)2(7)): "城乡小学教职工编制标准统一为师生比 1:19，初中统一为 1:13.5，其中：乡村教学点班师比为
1:1.5".  The ratios live in the county's ``[county_targets]`` (``data/raw/<slug>/county.toml``); the national
standard has no such item, so counties without them get no staffing row.

What the school census allows, and what it does not (docs/decisions.md, decision 64):

* The census has **专任教师** (full-time teachers, ``teachers_primary`` / ``teachers_junior``, optional columns)
  per section, not 教职工 (all staff) and not 编制 (the posts allotted).  The check is made on 专任教师:
  a section meets 1:19 when ``students / 专任教师 ≤ 19`` (初中 13.5).  As 专任教师 ≤ 教职工, a section that meets
  the ratio on 专任教师 alone meets it on 教职工 too; a section that does not meet it may still be staffed to the
  ratio once non-teaching staff are counted — the row says "按专任教师计".  Whether the county has *allotted*
  the posts (编制) is not in the census at all: that is the county-level yes/no item 10 (staffing_allocated).
* 乡村教学点 (``school_type`` 教学点 in a 乡村 area) are held to the class ratio instead: 专任教师 ≥ 1.5 × 班数.
  Every teaching point is checked — also those under 50 students that resource allocation leaves out (the
  clause names them).  A teaching point outside 乡村 is held to the student ratio like any primary school.
* Special-education and vocational schools are not checked (the clause is about 小学、初中).
* A table without the 专任教师数 columns is **no data**, never a pass.  The reader reads a blank cell of a stage
  column as 0 (``schema.Column.blank_means_zero``), and a section with students cannot have no full-time teacher,
  so 0 专任教师 with students is no data too (the evidence counts such sections), never a computed failure.

:func:`staffing_sections` keeps the counts (one row per school section) in the evaluation; the county's limits
are applied by :func:`staffing_check` when the scorecard is made, so a result carries the counts whatever
county configuration it is later read under.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..columns import as_text
from ..rules import compare, scope_rules
from ..rules.schema import STAGE_ZH

KEYS = ["county", "year", "school_id", "school_name", "school_type"]
COLUMNS = KEYS + ["urban_rural", "stage", "students", "classes", "teachers"]
RURAL = "乡村"
#: what each kind of county target checks: (label, comparison of the section's value with the target)
KINDS = {
    "primary": ("小学", "<="),                 # students per full-time teacher ≤ 19
    "junior": ("初中", "<="),                  # ≤ 13.5
    "rural_teaching_point": ("乡村教学点", ">="),   # full-time teachers per class ≥ 1.5
}


def staffing_sections(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per compulsory section of every school but the excluded types: students, classes and 专任教师
    (NaN where the column is absent or the cell blank)."""
    cfg = scope_rules()
    in_scope = ~frame["school_type"].isin(cfg["excluded_types"]).to_numpy()
    pieces = []
    for stage in ("primary", "junior"):
        # only the rows and columns the sections need: a national table has some 40 columns
        rows = np.flatnonzero(in_scope & (frame[f"students_{stage}"] > 0).to_numpy())
        column = f"teachers_{stage}"
        sub = frame[KEYS + ["urban_rural", f"students_{stage}", f"classes_{stage}"]
                    + ([column] if column in frame else [])].take(rows)
        # the columns gathered and made one frame (setting them one by one copies each)
        piece = {key: sub[key] for key in KEYS}
        piece["school_type"] = as_text(sub["school_type"])
        piece["urban_rural"] = as_text(sub["urban_rural"])
        piece["stage"] = pd.Series(stage, index=sub.index)
        piece["students"] = sub[f"students_{stage}"].astype(float)
        piece["classes"] = sub[f"classes_{stage}"].astype(float)
        piece["teachers"] = sub[column].astype(float) if column in sub else pd.Series(np.nan, index=sub.index)
        pieces.append(pd.DataFrame(piece, copy=False))
    out = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=COLUMNS)
    return out[COLUMNS].reset_index(drop=True)


def kind_of(sections: pd.DataFrame, targets: dict) -> np.ndarray:
    """Which target each section answers to: a 乡村 teaching point to the class ratio when the county sets
    one, any other section to its stage's student ratio."""
    rural_point = ((sections["school_type"] == scope_rules()["teaching_point_type"])
                   & (sections["urban_rural"] == RURAL)).to_numpy()
    kind = sections["stage"].to_numpy(dtype=object).copy()
    if "rural_teaching_point" in targets:
        kind[rural_point] = "rural_teaching_point"
    return kind


def staffing_check(sections: pd.DataFrame, targets: dict) -> pd.DataFrame:
    """The sections a county's targets apply to, with ``kind``, ``value``, ``limit`` and ``passes``.

    ``targets`` maps a kind (``primary``, ``junior``, ``rural_teaching_point``) to its number (19, 13.5, 1.5).
    ``value`` is students per 专任教师 or, for 乡村教学点, 专任教师 per class; ``value`` is NaN and ``passes``
    NA where the 专任教师数 is missing or 0 (blank reads as 0).

    Examples
    --------
    >>> s = pd.DataFrame({"county": "甲县", "year": 2024, "school_id": ["A", "B", "C"], "school_name": "",
    ...     "school_type": ["小学", "小学", "教学点"], "urban_rural": ["城区", "城区", "乡村"],
    ...     "stage": "primary", "students": [190.0, 1901.0, 30.0], "classes": [5.0, 40.0, 3.0],
    ...     "teachers": [10.0, 100.0, 4.0]})
    >>> staffing_check(s, {"primary": 19, "rural_teaching_point": 1.5})[["value", "passes"]].to_dict("list")
    {'value': [19.0, 19.01, 1.3333333333333333], 'passes': [True, False, False]}
    """
    kind = kind_of(sections, targets)
    keep = np.isin(kind, list(targets))
    out = sections[keep].reset_index(drop=True).copy()
    out["kind"] = kind[keep]
    teachers, students, classes = (out[c].to_numpy(dtype=float) for c in ("teachers", "students", "classes"))
    point = (out["kind"] == "rural_teaching_point").to_numpy()
    known = teachers > 0                      # NaN (no column) and 0 (a blank cell) are no data
    with np.errstate(divide="ignore", invalid="ignore"):
        per_teacher = students / teachers
        per_class = np.where(classes > 0, teachers / classes, np.nan)
    out["value"] = np.where(known, np.where(point, per_class, per_teacher), np.nan)
    out["limit"] = np.array([float(targets[k]) for k in out["kind"]], dtype=float)
    ops = np.array([KINDS[k][1] for k in out["kind"]], dtype=object)
    value, limit = out["value"].to_numpy(dtype=float), out["limit"].to_numpy(dtype=float)
    passes = np.where(ops == ">=", compare(value, limit, ">="), compare(value, limit, "<="))
    out["passes"] = pd.arrays.BooleanArray(passes.astype(bool), np.isnan(value))
    return out


def summary(checked: pd.DataFrame) -> tuple[float | None, bool | None, str]:
    """(share of sections meeting their ratio in %, verdict, evidence) of :func:`staffing_check`'s table.

    The verdict is False if any section fails, None (no data) if none fails but a section lacks its
    专任教师数 or nothing was checked, True only when every section passes.
    """
    if checked.empty:
        return None, None, "无应检查的学校（学校基础数据）"
    known = checked[checked["passes"].notna()]
    missing = len(checked) - len(known)
    failing = known[~known["passes"].astype(bool)]
    parts = []
    for kind, (label, _) in KINDS.items():
        k = known[known["kind"] == kind]
        n_all = int((checked["kind"] == kind).sum())
        if n_all:
            parts.append(f"{label} {int(k['passes'].astype(bool).sum())}/{len(k)}")
    text = f"按专任教师计达标的学段：{'，'.join(parts)}"
    if missing:
        text += f"；{missing} 个学段缺少专任教师数或为0（无数据）"
    if len(failing):
        worst = failing.head(3)
        shown = "、".join(f"{r.school_name}（{STAGE_ZH.get(r.stage, '')}，{_value_text(r.kind, r.value)}）"
                         for r in worst.itertuples())
        text += f"；未达到：{shown}{' 等' if len(failing) > 3 else ''}"
    text += "（学校基础数据）"
    value = 100.0 * (len(known) - len(failing)) / len(known) if len(known) else None
    verdict = False if len(failing) else (None if missing else True)
    return value, verdict, text


def _value_text(kind: str, value: float) -> str:
    if kind == "rural_teaching_point":
        return f"每班{value:.2f}名专任教师"
    return f"师生比1:{value:.2f}"
