"""School-level checks of government guarantee (政府保障程度的校级指标) that the school table supports.

Seed 002 附件1 二(二) items 3–5 with the exceptions of 附件3 (六)(七); thresholds come from the standard's
``[guarantee.*]`` tables:

* 校额 school size: compulsory-stage students (小学 + 初中) ≤ the type's limit (2000; 2500 for 九年/十二年一贯制).
  Schools built in 2010 or earlier, or with more than 50% migrant children (随迁子女 / all students), are held
  to 2400 / 3000.
* 班额 class size: largest class ≤ 45 (primary), ≤ 50 (junior).
* 音乐、美术专用教室: at least one room of each per 12 classes (rooms ≥ ceil(classes / 12)); the smallest room
  ≥ 96 m² (music) / 90 m² (art); 73 / 67 m² for schools built in 2016 or earlier; 54 m² (primary) / 61 m²
  (a school with junior students) for rural (乡村) schools whose largest class is under 30.  When several
  exceptions apply the most lenient holds.  The area check is not applicable when there is no room.

Checks cover the schools in resource-allocation scope.  Each row says which limit applied and why.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .rules import Standard, compare

COLUMNS = ["county", "year", "school_id", "school_name", "school_type", "check", "check_zh", "stage",
           "value", "limit", "passes", "basis"]


def guarantee_checks(frame: pd.DataFrame, standard: Standard) -> pd.DataFrame:
    """Long table: one row per school and check (``passes`` is NA where a check does not apply)."""
    g = standard.guarantee
    if not g or frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    parts = []
    if "school_size" in g:
        parts.append(_school_size(frame, g["school_size"]))
    if "class_size" in g:
        parts.append(_class_size(frame, g["class_size"]))
    if "special_rooms" in g:
        parts.extend(_special_rooms(frame, g["special_rooms"]))
    out = pd.concat([p for p in parts if not p.empty], ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    out["passes"] = out["passes"].astype("boolean")
    return out.sort_values(["county", "year", "school_id", "check"], kind="stable").reset_index(drop=True)


def _base(frame: pd.DataFrame, check: str, check_zh: str, stage: str, value, limit, passes, basis) -> pd.DataFrame:
    out = frame[["county", "year", "school_id", "school_name", "school_type"]].copy()
    out["check"], out["check_zh"], out["stage"] = check, check_zh, stage
    out["value"] = np.asarray(value, dtype=float)
    out["limit"] = np.asarray(limit, dtype=float)
    out["passes"] = pd.array(passes, dtype="boolean")
    out["basis"] = np.asarray(basis, dtype=object)
    return out[COLUMNS]


def _school_size(frame: pd.DataFrame, rule: dict) -> pd.DataFrame:
    students = frame["students_primary"] + frame["students_junior"]
    total = frame["students_primary"] + frame["students_junior"] + frame["students_senior"]
    old = frame["built_year"].le(rule["exception_built_year_max"]) if "built_year" in frame else False
    migrant = (frame["migrant_students"] / total.where(total > 0)) if "migrant_students" in frame else None
    many_migrants = migrant.gt(rule["exception_migrant_share_over"]) if migrant is not None else False
    exception = old | many_migrants
    normal = frame["school_type"].map(rule["limit"]).astype(float)
    limit = np.where(exception, frame["school_type"].map(rule["exception_limit"]).astype(float), normal)
    basis = np.where(old, f"{rule['exception_built_year_max']}年及以前建成，按放宽标准评估（附件3(七)）",
                     np.where(many_migrants, "随迁子女占比超过50%，按放宽标准评估（附件3(七)）", "标准限额"))
    sub = ~np.isnan(limit)
    return _base(frame[sub], "school_size", "校额（义务教育阶段在校生）", "", students[sub], limit[sub],
                 compare(students[sub], limit[sub], "<="), basis[sub])


def _class_size(frame: pd.DataFrame, rule: dict) -> pd.DataFrame:
    out = []
    for stage, limit in rule["limit"].items():
        has = frame[f"students_{stage}"] > 0
        sub = frame[has]
        value = sub[f"max_class_{stage}"]
        out.append(_base(sub, f"class_size_{stage}", "最大班额", stage, value, np.full(len(sub), float(limit)),
                         compare(value, limit, "<="), np.full(len(sub), "标准限额", dtype=object)))
    return pd.concat(out, ignore_index=True)


def _room_area_limit(frame: pd.DataFrame, rule: dict, kind: str) -> tuple[np.ndarray, np.ndarray]:
    base = float(rule[f"{kind}_min_area_m2"])
    limit = np.full(len(frame), base)
    basis = np.full(len(frame), "标准面积", dtype=object)
    if "built_year" in frame:
        old = frame["built_year"].le(rule["old_built_year_max"]).to_numpy()
        old_limit = float(rule[f"old_{kind}_min_area_m2"])
        take = old & (old_limit < limit)
        limit = np.where(take, old_limit, limit)
        basis = np.where(take, f"{rule['old_built_year_max']}年及以前规划建成（附件3(六)）", basis)
    largest = np.maximum(frame["max_class_primary"], frame["max_class_junior"]).to_numpy()
    small_rural = (frame["urban_rural"] == "乡村").to_numpy() & (largest < rule["small_rural_max_class_below"])
    small_limit = np.where(frame["students_junior"].to_numpy() > 0, rule["small_rural_min_area_m2"]["junior"],
                           rule["small_rural_min_area_m2"]["primary"]).astype(float)
    take = small_rural & (small_limit < limit)
    limit = np.where(take, small_limit, limit)
    basis = np.where(take, "最大班额低于30人的农村小规模学校（附件3(六)）", basis)
    return limit, basis


def _special_rooms(frame: pd.DataFrame, rule: dict) -> list[pd.DataFrame]:
    classes = frame["classes_primary"] + frame["classes_junior"]
    required = np.ceil(classes / rule["classes_per_room"])
    out = []
    for kind, zh in (("music", "音乐"), ("art", "美术")):
        rooms = frame[f"{kind}_rooms"]
        basis = np.array([f"{int(c)}个班，每{rule['classes_per_room']}个班1间，需{int(r)}间"
                          for c, r in zip(classes, required)], dtype=object)
        out.append(_base(frame, f"{kind}_rooms", f"{zh}专用教室数", "", rooms, required,
                         compare(rooms, required, ">="), basis))
        limit, why = _room_area_limit(frame, rule, kind)
        area = frame[f"{kind}_room_min_area_m2"]
        applies = (rooms > 0).to_numpy()
        passes = np.where(applies, compare(area, limit, ">="), None)
        why = np.where(applies, why, f"无{zh}专用教室，面积不适用")
        out.append(_base(frame, f"{kind}_room_area", f"{zh}专用教室最小面积", "", area, limit, passes, why))
    return out
