"""Row-level consistency checks of the school table (数据一致性校验), after every cell has parsed.

Errors: duplicate ids, a type that cannot enrol a stage (a 小学 with junior students), a school with no
students, classes and class sizes that contradict enrolment (a stage with pupils needs its largest class or its
class-size band counts; band counts must add up to the classes and hold the pupils), grade counts (分年级在校生数), when given, that do not
add up to the stage's students, subsets larger than their totals, rooms without areas.  Warnings: values that are possible but worth a second look (0 multimedia classrooms,
more than 100 m² per student, equipment value that looks like 万元, a largest class outside the highest band
that has classes).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import rules
from ..problems import Problem
from ..rules import schema
from ..threads import beside

STAGE_COLUMNS = {"primary": "students_primary", "junior": "students_junior", "senior": "students_senior"}


class _Rows:
    """Collects problems located by the rows' own source columns."""

    def __init__(self, frame: pd.DataFrame, written: dict[str, dict[str, str]]):
        self.frame = frame
        self.written = written
        self.problems: list[Problem] = []
        self._types = None

    def type_in(self, types) -> np.ndarray:
        """Whether each row's school type (学校类型) is one of ``types``: the column is factorised once and each
        question asked of its few distinct values (a national table asks eight of them)."""
        if self._types is None:
            self._types = pd.factorize(self.frame["school_type"], use_na_sentinel=True)
        codes, names = self._types
        hit = np.append(np.isin(np.asarray(names, dtype=object), list(types)), False)   # code −1: missing
        return hit[codes]

    def header(self, file: str, field: str) -> str:
        return self.written.get(file, {}).get(field, schema.field_zh(field))

    def add(self, mask, field: str, code: str, zh, en, severity="error", value=None):
        """``zh``/``en``/``value`` may be callables of the row (a dict), for messages that quote other cells."""
        picked = np.flatnonzero(np.asarray(mask, dtype=bool))
        if not len(picked):
            return
        for row in self.frame.iloc[picked].reset_index().to_dict("records"):
            shown = row[field] if value is None else value(row)
            if isinstance(shown, float) and shown.is_integer():
                shown = int(shown)
            self.problems.append(Problem(
                severity, code, zh(row) if callable(zh) else zh, en(row) if callable(en) else en,
                file=row["source_file"], sheet=row["source_sheet"], row=int(row["source_row"]),
                column=self.header(row["source_file"], field), value="" if shown is None else str(shown),
                school_id=str(row["school_id"]), county=str(row["county"]),
                year=int(row["year"]) if pd.notna(row["year"]) else None,
                school_name="" if pd.isna(row.get("school_name")) else str(row.get("school_name"))))


def check_rows(frame: pd.DataFrame, written: dict[str, dict[str, str]] | None = None) -> list[Problem]:
    """All row-level problems of a parsed table (errors and warnings), duplicate ids first."""
    duplicates, rows = _Rows(frame, written or {}), _Rows(frame, written or {})
    # on a national table the duplicate-id check (hashing 300,000 ids) runs beside the others
    beside(lambda: _duplicates(duplicates), lambda: _other_checks(rows), rows=len(frame))
    return duplicates.problems + rows.problems


def _other_checks(rows: _Rows) -> None:
    _stages_by_type(rows)
    _classes(rows)
    _grades(rows)
    _subsets(rows)
    _rooms(rows)
    _other(rows)
    _suspicious(rows)


def _duplicates(rows: _Rows) -> None:
    f = rows.frame
    # ids distinct over the whole table cannot repeat within a county-year: the usual file of one year is
    # cleared with one hash of its ids (a file of several years names its schools again and is checked in full)
    if f["school_id"].is_unique:
        return
    # one integer key per (county, year, id): much cheaper than comparing text at national scale
    key = np.zeros(len(f), dtype=np.int64)
    for column in ("county", "year", "school_id"):
        codes, uniques = pd.factorize(f[column])
        key = key * (len(uniques) + 1) + codes + 1
    dup = pd.Series(key, index=f.index).duplicated(keep=False) & f["school_id"].ne("")
    if not dup.any():
        return
    # each occurrence names another one, by file and row: the first other occurrence, and how many more
    others: dict = {}
    places = f.loc[dup, ["source_file", "source_row"]]
    for _, group in pd.Series(key[dup.to_numpy()], index=places.index).groupby(lambda i: key[i], sort=False):
        at = list(group.index)
        for i in at:
            rest = [j for j in at if j != i]
            others[i] = (str(places.at[rest[0], "source_file"]), int(places.at[rest[0], "source_row"]), len(rest) - 1)

    def where_zh(r) -> str:
        file, row, more = others[r["index"]]
        place = f"第{row}行" if file == r["source_file"] else f"文件 {file} 第{row}行"
        return place + (f"等 {more + 1} 处" if more else "")

    def where_en(r) -> str:
        file, row, more = others[r["index"]]
        place = f"row {row}" if file == r["source_file"] else f"{file} row {row}"
        return place + (f" and {more} more" if more else "")

    rows.add(dup, "school_id", "duplicate_id",
             lambda r: f"学校标识码在{r['county']}{int(r['year'])}年度内重复（另见{where_zh(r)}）",
             lambda r: f"school id is not unique within county and year (also at {where_en(r)})")


def _stages_by_type(rows: _Rows) -> None:
    f = rows.frame
    scope = rules.scope_rules()
    allowed = scope["allowed_stages"]
    excluded = set(scope["excluded_types"])
    for stage, column in STAGE_COLUMNS.items():
        if column not in f.columns:
            continue
        ok_types = [t for t, stages in allowed.items() if stage in stages]
        bad = (f[column] > 0).to_numpy() & ~rows.type_in(ok_types)
        zh = lambda r, s=stage: (f"学校类型为「{r['school_type']}」，不应有{schema.STAGE_ZH[s]}在校生"
                                 f"（该类型可有：{'、'.join(schema.STAGE_ZH[x] for x in allowed[r['school_type']])}）")
        en = lambda r, s=stage: f"a {r['school_type']} cannot enrol {s} students"
        in_scope = ~rows.type_in(excluded)
        rows.add(bad & in_scope, column, "type_vs_students", zh, en)
        rows.add(bad & ~in_scope, column, "type_vs_students", zh, en, severity="warning")
    compulsory = f["students_primary"] + f["students_junior"]
    # possible (a 完全中学 whose junior section closed): the school is left out of the evaluation and listed
    # with its reason; a warning, so that a closed school kept by mistake is noticed
    rows.add((compulsory <= 0).to_numpy() & ~rows.type_in(excluded), "students_primary", "no_students",
             "小学、初中在校生数均为0：不参与评估，列入“不参与评估的学校”（已撤销的学校不应列入，请核实）",
             "no primary or junior students: left out of the evaluation and listed as excluded (a closed school "
             "should not be in the table; please check)",
             value=lambda r: f"小学{int(r['students_primary'])}人、初中{int(r['students_junior'])}人",
             severity="warning")


def _classes(rows: _Rows) -> None:
    f = rows.frame
    for stage in schema.STAGES:
        students, classes = f[f"students_{stage}"], f[f"classes_{stage}"]
        largest = f[f"max_class_{stage}"] if f"max_class_{stage}" in f.columns else pd.Series(np.nan, index=f.index)
        zh_stage = schema.STAGE_ZH[stage]
        bands = band_counts(f, stage)
        has_bands = bands.sum(axis=1) > 0 if bands is not None else pd.Series(False, index=f.index)
        rows.add((students > 0) & (classes <= 0), f"classes_{stage}", "no_classes",
                 f"有{zh_stage}在校生但班数为0", f"{stage} students but no classes")
        rows.add((students <= 0) & (classes > 0), f"classes_{stage}", "classes_without_students",
                 f"{zh_stage}在校生数为0但有班数", f"{stage} classes but no students")
        rows.add((students > 0) & ~(largest > 0) & ~has_bands, f"max_class_{stage}", "no_max_class",
                 f"有{zh_stage}在校生但最大班额为0或空，也没有{zh_stage}班额分段班数",
                 f"{stage} students but no largest class size and no class-size band counts")
        rows.add(largest > students, f"max_class_{stage}", "max_class_over_students",
                 lambda r, s=stage: f"最大班额大于该学段在校生数（{int(r[f'students_{s}'])}人）",
                 "largest class exceeds the stage's students")
        too_small = (classes > 0) & (largest > 0) & (largest * classes < students) & (largest <= students)
        rows.add(too_small, f"max_class_{stage}", "max_class_below_average",
                 lambda r, s=stage: (f"最大班额小于平均班额（{int(r[f'students_{s}'])}人÷"
                                     f"{int(r[f'classes_{s}'])}班），不可能"),
                 "largest class is smaller than the average class, which is impossible")
        if bands is not None:
            _bands(rows, stage, bands, has_bands, students, classes, largest)


def band_counts(frame: pd.DataFrame, stage: str) -> pd.DataFrame | None:
    """The class-size band counts of a stage (one column per band of ``rules/class_bands.toml``, absent
    columns 0), or None when the table has none of them."""
    columns = schema.band_columns(stage)
    if not any(c in frame.columns for c in columns):
        return None
    return pd.DataFrame({c: frame[c].fillna(0) if c in frame.columns else 0.0 for c in columns}, index=frame.index)


def _bands(rows: _Rows, stage: str, bands: pd.DataFrame, has_bands, students, classes, largest) -> None:
    """Band counts add up to the classes, hold the stage's pupils, and agree with the largest class if given."""
    defs = schema.class_bands()
    total = bands.sum(axis=1)
    rows.add(has_bands & (total != classes), f"classes_{stage}", "bands_vs_classes",
             lambda r, s=stage: f"{schema.STAGE_ZH[s]}班额分段班数之和（{int(_band_total(r, s))}班）与班数不符",
             "the class-size band counts do not add up to the classes")
    counts = bands.to_numpy(dtype=float)
    low = counts @ np.array([b.low for b in defs], dtype=float)
    edges = np.array([b.high if b.high is not None else np.inf for b in defs], dtype=float)
    high = np.multiply(counts, edges, out=np.zeros_like(counts), where=counts > 0).sum(axis=1)   # 0 × ∞ adds 0
    lo_s, hi_s = pd.Series(low, index=bands.index), pd.Series(high, index=bands.index)
    impossible = has_bands & (total == classes) & ((students < lo_s) | (students > hi_s))
    rows.add(impossible, f"students_{stage}", "bands_vs_students",
             lambda r, s=stage: (f"按{schema.STAGE_ZH[s]}班额分段班数，该学段在校生应在 {int(_band_bound(r, s, 'low'))}"
                                 f"–{_band_high_text(r, s)} 人之间"),
             "the stage's pupils do not fit the class-size band counts")
    top = top_band(bands)
    known = largest > 0
    label_of = {i: b.label for i, b in enumerate(defs)}
    inconsistent = has_bands & known & pd.Series(
        [not (t >= 0 and defs[t].contains(v)) if k else False for t, v, k in zip(top, largest.fillna(0), known)],
        index=bands.index)
    rows.add(inconsistent, f"max_class_{stage}", "max_class_vs_bands",
             lambda r, s=stage: (f"最大班额与{schema.STAGE_ZH[s]}班额分段班数不一致（分段显示最大班在"
                                 f"「{label_of.get(_top_of_row(r, s), '无')}」段）：请核实"),
             "the largest class and the class-size band counts disagree; please check", severity="warning")


def top_band(bands: pd.DataFrame) -> np.ndarray:
    """Index (in ``schema.class_bands()``) of the highest band with a class, -1 where no band has one."""
    counts = bands.to_numpy(dtype=float) > 0
    n = counts.shape[1]
    last = n - 1 - np.argmax(counts[:, ::-1], axis=1)
    return np.where(counts.any(axis=1), last, -1)


def _row_bands(r: dict, stage: str) -> np.ndarray:
    return np.array([float(r.get(c, 0) or 0) if pd.notna(r.get(c, 0)) else 0.0 for c in schema.band_columns(stage)])


def _band_total(r: dict, stage: str) -> float:
    return float(_row_bands(r, stage).sum())


def _band_bound(r: dict, stage: str, which: str) -> float:
    values = [getattr(b, which) for b in schema.class_bands()]
    return float(sum(c * (v if v is not None else np.inf) for c, v in zip(_row_bands(r, stage), values) if c))


def _band_high_text(r: dict, stage: str) -> str:
    high = _band_bound(r, stage, "high")
    return "不限" if not np.isfinite(high) else str(int(high))


def _top_of_row(r: dict, stage: str) -> int:
    counts = _row_bands(r, stage)
    filled = np.flatnonzero(counts > 0)
    return int(filled[-1]) if len(filled) else -1


def grade_counts(frame: pd.DataFrame, stage: str) -> pd.DataFrame | None:
    """The grade counts of a stage (分年级在校生数, one column per grade, absent columns 0), or None when the
    table has none of the stage's grade columns."""
    columns = schema.grade_columns(stage)
    if not any(c in frame.columns for c in columns):
        return None
    return pd.DataFrame({c: frame[c].fillna(0) if c in frame.columns else 0.0 for c in columns}, index=frame.index)


def _grades(rows: _Rows) -> None:
    """A stage's grade counts, when given (any of them above 0), add up to the stage's students: the cohort
    projection (:mod:`junyun_lib.planning.enrolment`) moves the grades on, so a sum that disagrees would change
    the stage's pupils silently.  A row with no grade counts (blank or 0) gives none, and is fine."""
    f = rows.frame
    for stage in schema.STAGES:
        grades = grade_counts(f, stage)
        if grades is None:
            continue
        total = grades.sum(axis=1)
        given = (grades > 0).any(axis=1)
        rows.add(given & (total != f[f"students_{stage}"]), f"students_{stage}", "grades_vs_students",
                 lambda r, s=stage: (f"{schema.STAGE_ZH[s]}各年级在校生数之和（{_grade_sum_text(r, s)}）与"
                                     f"{schema.STAGE_ZH[s]}在校生数不符，应相等"),
                 lambda r, s=stage: (f"the {s} grade counts add up to {int(_grade_total(r, s))}, not to the {s} "
                                     "students; they must be equal"))


def _grade_values(r: dict, stage: str) -> list[tuple[int, float]]:
    return [(g, float(r.get(schema.grade_column(g)) or 0) if pd.notna(r.get(schema.grade_column(g))) else 0.0)
            for g in schema.GRADES[stage]]


def _grade_total(r: dict, stage: str) -> float:
    return sum(v for _, v in _grade_values(r, stage))


def _grade_sum_text(r: dict, stage: str) -> str:
    parts = "+".join(f"{schema.GRADE_ZH[g]}{int(v)}" for g, v in _grade_values(r, stage))
    return f"{parts}={int(_grade_total(r, stage))}人"


def _subsets(rows: _Rows) -> None:
    f = rows.frame
    for stage in schema.STAGES:
        total = f"teachers_{stage}"
        if total not in f.columns:
            continue
        for part in ("teachers_above_degree", "key_teachers", "pe_art_teachers", "mid_title_teachers"):
            column = f"{part}_{stage}"
            if column in f.columns:
                rows.add(f[column] > f[total], column, "subset_over_total",
                         lambda r, t=total: f"大于{schema.field_zh(t)}（{int(r[t])}人）",
                         f"larger than {total}")
        no_students = f[f"students_{stage}"] <= 0
        for part in ("teachers_above_degree", "key_teachers", "pe_art_teachers"):
            rows.add(no_students & (f[f"{part}_{stage}"] > 0), f"{part}_{stage}", "teachers_without_students",
                     f"该校没有{schema.STAGE_ZH[stage]}在校生，却填了{schema.STAGE_ZH[stage]}教师数，将不参与计算",
                     "teachers reported for a stage with no students; ignored", severity="warning")


def _rooms(rows: _Rows) -> None:
    f = rows.frame
    for kind, zh in (("music", "音乐"), ("art", "美术")):
        if f"{kind}_rooms" not in f.columns or f"{kind}_room_min_area_m2" not in f.columns:
            continue                 # no data at all: the special-room checks are undetermined (无数据)
        count, area = f[f"{kind}_rooms"], f[f"{kind}_room_min_area_m2"]
        rows.add((count > 0) & ~(area > 0), f"{kind}_room_min_area_m2", "room_without_area",
                 f"有{zh}专用教室（{zh}专用教室数>0）但最小面积为0或空", f"{kind} rooms reported without their area")
        rows.add((count <= 0) & (area > 0), f"{kind}_room_min_area_m2", "area_without_room",
                 f"{zh}专用教室数为0，却填了面积", f"{kind} room area given but no {kind} rooms")
        # a blank count is no data (never 0); an area beside it says the count was forgotten
        rows.add(count.isna() & area.notna(), f"{kind}_rooms", "area_without_count",
                 f"{zh}专用教室数为空，却填了最小面积：请填写教室数（没有请填 0，面积也填 0）",
                 f"{kind} room area given but the number of {kind} rooms is blank")


def _other(rows: _Rows) -> None:
    f = rows.frame
    if "built_year" in f.columns:
        rows.add(f["built_year"] > f["year"], "built_year", "built_after_year",
                 lambda r: f"建成年份晚于统计年度（{int(r['year'])}）", "built after the statistics year")
    if "migrant_students" in f.columns:
        total = f["students_primary"] + f["students_junior"] + f["students_senior"]
        rows.add(f["migrant_students"] > total, "migrant_students", "migrant_over_students",
                 "随迁子女数大于全校在校生数", "more migrant children than students")


def _suspicious(rows: _Rows) -> None:
    f = rows.frame
    in_scope = ~rows.type_in(rules.scope_rules()["excluded_types"])
    compulsory = (f["students_primary"] + f["students_junior"]).where(lambda s: s > 0)
    rows.add(in_scope & (f["multimedia_classrooms"] == 0), "multimedia_classrooms", "zero_multimedia",
             "网络多媒体教室数为0，请核实", "no networked multimedia classrooms; please check", severity="warning")
    limits = rules.data_check_rules()
    most, least = limits["area_per_student_max_m2"], limits["equipment_per_student_min_yuan"]
    for column in ("teaching_aux_area_m2", "sports_area_m2"):
        per = f[column] / compulsory
        rows.add(in_scope & (per > most), column, "area_per_student_high",
                 lambda r, c=column: (f"生均面积超过{most}平方米（{r[c] / (r['students_primary'] + r['students_junior']):.1f}），"
                                      "请核实单位"),
                 f"more than {most} m² per student; check the unit", severity="warning")
    per_value = f["equipment_value_yuan"] / compulsory
    rows.add(in_scope & (per_value < least) & (f["equipment_value_yuan"] > 0), "equipment_value_yuan",
             "equipment_maybe_wan", f"生均设备值不足{least}元，是否误按万元填报？本列单位为元",
             f"under {least} yuan per student: entered in 万元? this column is in yuan", severity="warning")
