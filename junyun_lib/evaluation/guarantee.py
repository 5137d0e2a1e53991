"""School-level checks of government guarantee (政府保障程度的校级指标) that the school table supports.

Seed 002 附件1 二(二) items 3–5 with the exceptions of 附件3 (六)(七); thresholds come from the standard's
``[guarantee.*]`` tables:

* 校额 school size: compulsory-stage students (小学 + 初中) ≤ the type's limit (2000; 2500 for 九年/十二年一贯制).
  Schools built in 2010 or earlier, or with more than 50% migrant children (随迁子女 / all students), are held
  to 2400 / 3000.
* 班额 class size: largest class ≤ 45 (primary), ≤ 50 (junior), for each stage the school enrols.  Where the
  largest class is blank and the class-size band counts (班额分段班数 of the class forms 教基2106/2107,
  基础基212/213) are given, the bands decide exactly: the check fails iff a class sits in a band above the
  limit; the value shown is the band of the largest class ("46-50人").  A band that straddles the limit (a
  county limit that is not a band edge) leaves the check undetermined (NA with a limit: no data, not a pass).
* 音乐、美术专用教室: at least one room of each per 12 classes (rooms ≥ ceil(classes / 12)); the smallest room
  ≥ 96 m² (music) / 90 m² (art); 73 / 67 m² for schools built in 2016 or earlier; 54 m² (primary) / 61 m²
  (a school with junior students) for rural small schools (乡村, fewer than 100 compulsory pupils, 有关指标说明
  （四）) whose largest class is under 30 (known from the bands only when the highest band with a class ends
  below 30; otherwise the exception is not applied).  When several exceptions apply the most lenient holds.  The area
  check is not applicable when there is no room.  Rooms left blank (or a table without the columns: an import
  without the supplementary table — no statistics form has them) are no data, never 0: both checks keep their
  limit and are undetermined (passes NA), so 政府保障程度 3 shows 无数据.

The exceptions of 有关指标说明（六）（七） are transitional ("近三年评估中 … 认定后三年之内达到规定标准要求"): they
apply only to the statistics years of the standard's ``[guarantee.transitional]`` window (a county may
override it); other years are held to the full standard.

Checks cover every compulsory-education school (所有小学、初中), teaching points under 50 pupils included: those
are left out of resource allocation only (有关事项说明（三）"对资源配置评估时").  The result is wide (one row per school, columns
``<check>_value``, ``<check>_limit``, ``<check>_passes``, ``<check>_basis``) so a national file stays small;
:func:`long_table` turns it into one row per school and check for people.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..rules import Standard, compare, lookup, schema

KEYS = ["county", "year", "school_id", "school_name", "school_type"]
LONG_COLUMNS = KEYS + ["check", "check_zh", "stage", "value", "limit", "passes", "basis"]
#: check code -> (Chinese name, stage)
CHECKS = {
    "school_size": ("校额（义务教育阶段在校生）", ""),
    "class_size_primary": ("最大班额", "primary"),
    "class_size_junior": ("最大班额", "junior"),
    "music_rooms": ("音乐专用教室数", ""),
    "music_room_area": ("音乐专用教室最小面积", ""),
    "art_rooms": ("美术专用教室数", ""),
    "art_room_area": ("美术专用教室最小面积", ""),
}


def guarantee_checks(frame: pd.DataFrame, standard: Standard, where=None) -> pd.DataFrame:
    """Wide table: one row per school (those of the mask ``where``, default all); ``<check>_passes`` is NA
    where the check does not apply."""
    g = standard.guarantee
    frame = _Schools(frame, where)
    # the columns gathered first and made one frame at the end (setting them one by one copies each)
    out = {key: frame[key] for key in KEYS}
    window = in_transitional_window(frame["year"], standard)
    bands = _Bands(frame)        # class-size bands, read once for the class-size and room checks
    if "school_size" in g:
        _school_size(out, frame, g["school_size"], window)
    if "class_size" in g:
        _class_size(out, frame, g["class_size"], bands)
    if "special_rooms" in g:
        _special_rooms(out, frame, g["special_rooms"], window, bands)
    return pd.DataFrame(out, index=frame.index, copy=False)


class _Schools:
    """The rows of a school table that a mask picks, each column taken when a check first reads it: a national
    table has some 40 columns and the checks read about half, so the other half is never copied.  Reads like
    the DataFrame of those rows with a fresh index (``frame[column]``, ``frame[[columns]]``, ``column in
    frame``, ``len(frame)``, ``frame.index``)."""

    def __init__(self, frame: pd.DataFrame, where=None):
        self._frame = frame
        self._rows = None if where is None else np.flatnonzero(np.asarray(where, dtype=bool))
        self._taken: dict[str, pd.Series] = {}
        self.index = pd.RangeIndex(len(frame) if self._rows is None else len(self._rows))

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, column) -> bool:
        return column in self._frame.columns

    def __getitem__(self, column):
        if isinstance(column, list):
            return pd.DataFrame({c: self[c] for c in column})
        if column not in self._taken:
            series = self._frame[column]
            self._taken[column] = (series if self._rows is None else series.take(self._rows)).reset_index(drop=True)
        return self._taken[column]


def transitional_window(standard: Standard) -> tuple[int, int] | None:
    """``(first_year, last_year)`` of the transitional exceptions (有关指标说明（六）（七）), or None when the
    standard declares no window (the exceptions then hold in every year)."""
    t = standard.guarantee.get("transitional")
    if not t:
        return None
    return int(t.get("first_year", 0)), int(t["last_year"])


def transitional_items(standard: Standard) -> tuple[str, ...]:
    """The school-level guarantee items the transitional exceptions change (``[guarantee.transitional] items``:
    校额 and the music and art room areas, 有关指标说明（六）（七）); none when the standard declares no window.

    >>> from junyun_lib.rules import load_standard
    >>> transitional_items(load_standard("quality-2017"))
    ('school_size', 'special_rooms')
    """
    return tuple((standard.guarantee.get("transitional") or {}).get("items", ()))


def in_transitional_window(years, standard: Standard) -> np.ndarray:
    """Whether each statistics year lies in the window of the transitional exceptions.

    >>> from junyun_lib.rules import load_standard
    >>> in_transitional_window(pd.Series([2024, 2025, 2026]), load_standard("quality-2017")).tolist()
    [True, True, False]
    """
    years = np.asarray(years, dtype=float)
    window = transitional_window(standard)
    if window is None:
        return np.ones(len(years), dtype=bool)
    return (years >= window[0]) & (years <= window[1])


def full_standard(standard: Standard) -> Standard:
    """The standard without its transitional exceptions (the window closed): what holds after it ends, for
    plan projections to a later target year."""
    from dataclasses import replace

    g = dict(standard.guarantee)
    g["transitional"] = {**g.get("transitional", {}), "first_year": 1, "last_year": 0}
    return replace(standard, guarantee=g)


def _put(out: dict, check: str, value, limit, passes, applies=None, basis=None, unknown=None) -> None:
    """Store one check's columns in ``out``; ``basis`` is (codes, texts): which explanation applies to each
    school; ``unknown``: the check applies but cannot be decided (passes NA, limit kept)."""
    n = len(value)
    applies = np.ones(n, dtype=bool) if applies is None else np.asarray(applies, dtype=bool)
    unknown = np.zeros(n, dtype=bool) if unknown is None else np.asarray(unknown, dtype=bool)
    out[f"{check}_value"] = np.where(applies, np.asarray(value, dtype=float), np.nan)
    out[f"{check}_limit"] = np.where(applies, np.asarray(limit, dtype=float), np.nan)
    out[f"{check}_passes"] = pd.arrays.BooleanArray(np.asarray(passes, dtype=bool) & ~unknown, ~applies | unknown)
    if basis is not None:
        codes, texts = basis
        out[f"{check}_basis"] = pd.Categorical.from_codes(np.asarray(codes, dtype=np.int8), categories=texts)


def _school_size(out: dict, frame: pd.DataFrame, rule: dict, window: np.ndarray) -> None:
    students = frame["students_primary"] + frame["students_junior"]
    total = students + frame["students_senior"]
    old = frame["built_year"].le(rule["exception_built_year_max"]).to_numpy() if "built_year" in frame \
        else np.zeros(len(frame), dtype=bool)
    many_migrants = (frame["migrant_students"] / total.where(total > 0)).gt(
        rule["exception_migrant_share_over"]).to_numpy() if "migrant_students" in frame else np.zeros(len(frame), bool)
    old, many_migrants = old & window, many_migrants & window
    normal = lookup(frame["school_type"], rule["limit"])
    relaxed = lookup(frame["school_type"], rule["exception_limit"])
    limit = np.where(old | many_migrants, relaxed, normal)
    texts = ["标准限额", f"{rule['exception_built_year_max']}年及以前建成，过渡期内按放宽标准评估（有关指标说明（七））",
             "随迁子女占比超过50%，过渡期内按放宽标准评估（有关指标说明（七））"]
    basis = np.where(old, 1, np.where(many_migrants, 2, 0))
    _put(out, "school_size", students, limit, compare(students, limit, "<="), ~np.isnan(limit), (basis, texts))


CLASS_SIZE_BASIS = ["最大班额", "按班额分段班数判定（统计表只给出各班额段的班数）",
                    "班额分段跨越限额，无法判定（请填写最大班额）"]


def _class_size(out: dict, frame: pd.DataFrame, rule: dict, bands: "_Bands") -> None:
    edges = schema.class_bands()
    for stage, limit in rule["limit"].items():
        largest = frame[f"max_class_{stage}"].astype(float) if f"max_class_{stage}" in frame \
            else pd.Series(np.nan, index=frame.index)
        counts, top = bands.counts(stage), bands.top(stage)
        by_bands = largest.isna().to_numpy() & (top >= 0)
        # a class in a band wholly above the limit fails; all classes in bands wholly within it pass
        over, within = np.zeros(len(frame), dtype=bool), np.ones(len(frame), dtype=bool)
        for column, band in zip(counts, edges):
            if band.low > limit:
                over |= column > 0
            if not (band.high is not None and band.high <= limit):
                within &= column == 0
        passes = np.where(by_bands, within, compare(largest, limit, "<="))
        unknown = (by_bands & ~over & ~within) | (largest.isna().to_numpy() & (top < 0))
        applies = (frame[f"students_{stage}"] > 0).to_numpy()
        basis = np.where(by_bands, np.where(unknown, 2, 1), 0)
        _put(out, f"class_size_{stage}", largest, np.full(len(frame), float(limit)), passes, applies,
             (basis, CLASS_SIZE_BASIS), unknown & applies)
        labels = np.array([b.label for b in edges] + [None], dtype=object)
        # the band's label where the verdict came from the bands (few schools), None elsewhere: only those rows
        # are touched (a national column of Python objects holds the interpreter while it is built)
        band = np.full(len(frame), None, dtype=object)
        shown = np.flatnonzero(applies & by_bands)
        band[shown] = labels[top[shown]]
        out[f"class_size_{stage}_band"] = pd.Series(band, dtype=object, copy=False)


class _Bands:
    """A stage's classes per band (班额分段班数, one array per band of ``schema.class_bands()``, 0 where the
    column is absent or blank) and the highest band with a class (−1: none), each read once."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self._counts: dict[str, list[np.ndarray]] = {}
        self._top: dict[str, np.ndarray] = {}

    def counts(self, stage: str) -> list[np.ndarray]:
        if stage not in self._counts:
            n = len(self.frame)
            self._counts[stage] = [self.frame[c].fillna(0).to_numpy(dtype=float) if c in self.frame else np.zeros(n)
                                   for c in schema.band_columns(stage)]
        return self._counts[stage]

    def top(self, stage: str) -> np.ndarray:
        if stage not in self._top:
            top = np.full(len(self.frame), -1, dtype=np.int64)
            for i, column in enumerate(self.counts(stage)):     # a later band with a class is higher
                top[column > 0] = i
            self._top[stage] = top
        return self._top[stage]

    def largest_at_most(self, stage: str) -> np.ndarray:
        """The largest class of a stage where known, else the upper edge of its highest band (inf if unbounded
        or unknown); 0 for a stage without classes."""
        frame = self.frame
        largest = frame[f"max_class_{stage}"].astype(float).to_numpy() if f"max_class_{stage}" in frame \
            else np.full(len(frame), np.nan)
        highs = np.array([b.high if b.high is not None else np.inf for b in schema.class_bands()] + [np.inf])
        out = np.where(np.isnan(largest), highs[self.top(stage)], largest)
        no_pupils = ~(frame[f"students_{stage}"].to_numpy(dtype=float) > 0)
        return np.where(no_pupils, 0.0, out)


def _room_area_limit(frame: pd.DataFrame, rule: dict, kind: str, zh: str,
                     window: np.ndarray, largest: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Area limit per school and (codes, texts) saying which exception set it."""
    texts = ["标准面积", f"{rule['old_built_year_max']}年及以前规划建成，过渡期内按放宽标准评估（有关指标说明（六））",
             f"最大班额低于{rule['small_rural_max_class_below']}人的农村小规模学校（不足"
             f"{rule['small_rural_students_below']}人），过渡期内按放宽标准评估（有关指标说明（六））",
             f"无{zh}专用教室，面积不适用"]
    limit = np.full(len(frame), float(rule[f"{kind}_min_area_m2"]))
    basis = np.zeros(len(frame), dtype=np.int8)
    if "built_year" in frame:
        old = frame["built_year"].le(rule["old_built_year_max"]).to_numpy() & window
        old_limit = float(rule[f"old_{kind}_min_area_m2"])
        take = old & (old_limit < limit)
        limit = np.where(take, old_limit, limit)
        basis[take] = 1
    pupils = (frame["students_primary"] + frame["students_junior"]).to_numpy()
    small_rural = (frame["urban_rural"] == rule["small_rural_urban_rural"]).to_numpy() & (
        pupils < rule["small_rural_students_below"]) & (largest < rule["small_rural_max_class_below"]) & window
    small_limit = np.where(frame["students_junior"].to_numpy() > 0, rule["small_rural_min_area_m2"]["junior"],
                           rule["small_rural_min_area_m2"]["primary"]).astype(float)
    take = small_rural & (small_limit < limit)
    limit = np.where(take, small_limit, limit)
    basis[take] = 2
    rooms = _column(frame, f"{kind}_rooms")
    basis[rooms <= 0] = 3
    texts.append(ROOMS_NO_DATA)
    basis[np.isnan(rooms) | np.isnan(_column(frame, f"{kind}_room_min_area_m2"))] = 4
    return limit, (basis, texts)


#: why a special-room check is undetermined (the basis shown beside 无数据; one text for both kinds, so the
#: scorecard says it once)
ROOMS_NO_DATA = ("无音乐、美术专用教室数据（教育事业统计表中没有，须由补充表提供：junyun supplement-template 生成，"
                 "junyun import --supplement 导入）")


def _column(frame, name: str) -> np.ndarray:
    """A numeric column as floats, NaN (no data) throughout when the table does not have it."""
    return frame[name].to_numpy(dtype=float, na_value=np.nan) if name in frame else np.full(len(frame), np.nan)


def _special_rooms(out: dict, frame: pd.DataFrame, rule: dict, window: np.ndarray, bands: _Bands) -> None:
    classes = frame["classes_primary"] + frame["classes_junior"]
    required = np.ceil(classes.to_numpy() / rule["classes_per_room"])
    largest = np.maximum(bands.largest_at_most("primary"), bands.largest_at_most("junior"))
    for kind, zh in (("music", "音乐"), ("art", "美术")):
        rooms = _column(frame, f"{kind}_rooms")
        unknown = np.isnan(rooms)           # no data: the limit stands, the verdict is left open (never 0 rooms)
        count_basis = (unknown.astype(np.int8), [f"每{rule['classes_per_room']}个班至少1间（按义务教育阶段班数）",
                                                 ROOMS_NO_DATA])
        _put(out, f"{kind}_rooms", rooms, required, compare(rooms, required, ">="), basis=count_basis,
             unknown=unknown)
        limit, why = _room_area_limit(frame, rule, kind, zh, window, largest)
        area = _column(frame, f"{kind}_room_min_area_m2")
        # the area counts where there are rooms; where the rooms or the area are unknown it is undetermined
        undetermined = unknown | ((rooms > 0) & np.isnan(area))
        _put(out, f"{kind}_room_area", area, limit, compare(area, limit, ">="), (rooms > 0) | undetermined, why,
             undetermined)


def value_as_number(values) -> np.ndarray:
    """The values of :func:`long_table` as floats for sorting and distances: a class size known only as its band
    ("46-50人") counts as the band's lower edge — the largest class has at least that many pupils — and is
    never parsed as a number; anything else not a number is NaN.

    >>> value_as_number(pd.Series([2100.0, "51-55人", "66人及以上", None], dtype=object)).tolist()
    [2100.0, 51.0, 66.0, nan]
    """
    low = {b.label: float(b.low) for b in schema.class_bands()}
    out = []
    for v in np.asarray(values, dtype=object):
        if isinstance(v, str):
            out.append(low.get(v, np.nan))
        else:
            try:
                out.append(float(v) if v is not None and not pd.isna(v) else np.nan)
            except (TypeError, ValueError):
                out.append(np.nan)
    return np.asarray(out, dtype=float)


def long_table(wide: pd.DataFrame) -> pd.DataFrame:
    """One row per school and check (for reports and JSON); checks that do not apply are kept, passes NA."""
    pieces = []
    for check, (check_zh, stage) in CHECKS.items():
        if f"{check}_value" not in wide:
            continue
        piece = wide[KEYS].copy()
        piece["check"], piece["check_zh"], piece["stage"] = check, check_zh, stage
        piece["value"] = wide[f"{check}_value"].to_numpy()
        piece["limit"] = wide[f"{check}_limit"].to_numpy()
        piece["passes"] = wide[f"{check}_passes"].to_numpy()
        basis = wide.get(f"{check}_basis")
        piece["basis"] = basis.astype(object).to_numpy() if basis is not None else "标准限额"
        band = wide.get(f"{check}_band")
        if band is not None:                          # the largest class known only as its band: shown as "46-50人"
            shown = band.to_numpy(dtype=object)
            piece["value"] = np.where(pd.notna(shown), shown, piece["value"].to_numpy(dtype=object))
        if check.startswith("class_size"):
            piece = piece[~np.isnan(piece["limit"].astype(float))]
        pieces.append(piece)
    if not pieces:
        return pd.DataFrame(columns=LONG_COLUMNS)
    out = pd.concat(pieces, ignore_index=True)
    out["passes"] = out["passes"].astype("boolean")
    return out.sort_values(["county", "year", "school_id", "check"], kind="stable").reset_index(drop=True)
