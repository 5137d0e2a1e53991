"""Fixture builder for the importer tests: synthetic county "wide" exports of the education statistics system
(教育事业统计, 教基NNNN / 基础基xxx forms) and the canonical school table the importer should make of them.

Everything here is invented (合成示例数据, 数值虚构): one county ``合成县``, statistics year 2023.

Public names
    COUNTY, YEAR, SYNTHETIC_MARK                  the county, the year, the word every sheet title carries
    LAYOUT_2021, LAYOUT_2021_REORDERED, LAYOUT_2020
    MISSING_PATH_LAYOUT, MISSING_PATH             2021 without 室内体育用房 in the primary file
    AMBIGUOUS_LAYOUT, AMBIGUOUS_PATH              2021 with two primary-file columns matching 在校生数 › 合计
        a layout is ``{"primary": [path, ...], "junior": [path, ...]}``; a path is a tuple of header texts,
        top to bottom, e.g. ("专任教师", "#按学历分", "本科")
    write_export(path, columns, rows, title)      one workbook laid out like the statistics form
    export_rows(stage, columns)                   the synthetic schools of one stage file, as rows for write_export
    export_files(tmp_dir, layout=LAYOUT_2021)     the primary and the junior file of a layout -> [Path, Path]
    expected_canonical()                          the canonical table the importer should produce
    PARENT_ID, CAMPUS_ID, RURAL_ID, PRIVATE_ID, NINE_YEAR_ID, CLOSED_ID, JUNIOR_ID   the 学校标识码 used

Workbook layout (what a reader must undo)
    row 1      the title, merged across all columns; it names the stage (小学 / 初中) and holds 合成示例数据.
               File names (合成县2023_教基1001.xlsx …) deliberately hold no stage word.
    rows 2..   header rows, as many as the longest path.  A path shorter than that has its last text merged
               downwards to the last header row (学校名称 spans every header row); adjacent cells with the same
               text at the same level and the same parent path are merged across (专任教师 over all its
               columns, #按学历分 over the degree columns …).  Forward-filling every merged range and then
               collapsing vertical repeats (("学校名称",)*4 -> ("学校名称",)) gives back the path exactly; no
               path here repeats a text at two consecutive levels, so the collapse is safe.
    then       one data row per school.  学校标识码 and 统计三级 / 所在地区划三级 are text cells ("2136990101",
               "111"); flags are 是 / 否; 建校年份 a number; counts whole numbers; areas in m² (some with .5);
               教学仪器设备资产值 in 万元 with two decimals.

Merge rules assumed by expected_canonical() — for the importer's authors to confirm or change
    1. A row with 是否上年撤销 = 是 is dropped before anything else (合成县北山村小学 never appears).
    2. 是否本年新增 = 是 is only a flag: the school is kept like any other (合成县育才小学).
    3. A row with 是否计校数 = 否 is a campus of a counted school and is merged into it.  Its parent is the
       counted school of the same stage file whose 学校名称 is the campus name without its trailing
       "（…校区）" / "(…校区)" suffix: "合成县实验小学（南校区）" -> "合成县实验小学".  The campus has its own
       学校标识码, which disappears.  It is NOT found by position: in the primary file the campus row comes
       before its parent.  Merged values:
         - every count and area is summed: students, classes, teacher counts, key and PE/art teachers,
           migrant children, 教学及辅助用房 / 运动场地 / 室内体育用房, equipment, multimedia rooms, music and
           art rooms (summing before or after the derivations below gives the same result);
         - largest class (最大班额): the maximum of the two (here the campus's 55 > the parent's 52);
         - smallest music / art room area (最小面积): the minimum over the units that have such rooms
           (a unit with 0 rooms and area 0 does not count; 0 only if neither has a room);
         - identity (name, id, type, 统计三级, 举办者, 建校年份): the parent's.
    4. A school found in several stage files (same 学校标识码; here the 九年一贯制学校 合成县东湖学校) gives one
       row: primary-section values from the primary file, junior-section values from the junior file,
       whole-school values ([facility]) once (both files hold the same ones here, so "first file" or
       "either file" give the same result), migrant_students summed over the files (95 + 70).  Its 教基1102
       key-teacher columns hold the whole-school numbers in both files (小学 6, 初中 4): key_teachers_primary
       comes from the primary file only and key_teachers_junior from the junior file only — never summed.
    5. county and year are not in any export column: the importer gets them from its caller (here COUNTY,
       YEAR).  students_senior is 0 (no 高中 file among the stage files).
    6. Derivations (from the mapping file): teaching_aux_area_m2 = 教学及辅助用房›计 − 室内体育用房;
       sports_area_m2 = 运动场地面积 + 室内体育用房; equipment_value_yuan = 万元 × 10000;
       teachers_above_degree_primary = 博士 + 硕士 + 本科 + 专科, _junior = 博士 + 硕士 + 本科 (never
       高中阶段及以下); pe_art = 体育与健康 + 艺术›计 (音乐 and 美术 are inside 艺术›计 and are not added
       again).  Ignored columns: 教职工数›合计, 专任教师›合计, 高中阶段及以下, 艺术›音乐 / 美术,
       本学年校舍建筑面积›合计, 绿化用地面积.
Comparing
    expected_canonical() is sorted by school_id and typed: text columns str, counts and years int64, areas and
    equipment float64.  equipment_value_yuan is the exact yuan value; 312.48 * 10000 in floating point is
    3124800.0000000005, so compare numbers with a tolerance (or round to 2 decimals), or sort both frames by
    school_id and use pandas.testing.assert_frame_equal(..., check_exact=False).
"""
from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from junyun_lib.rules import schema

COUNTY = "合成县"
YEAR = 2023
SYNTHETIC_MARK = "合成示例数据"

PARENT_ID = "2136990101"      # 合成县实验小学 (urban 111), gets its 南校区 merged in
RURAL_ID = "2136990102"       # 合成县河西乡中心小学 (rural 220)
PRIVATE_ID = "2136990103"     # 合成县育才小学 (民办, urban 112, new this year)
NINE_YEAR_ID = "2136990104"   # 合成县东湖学校 (九年一贯制, town 123), in both files
CLOSED_ID = "2136990105"      # 合成县北山村小学 (是否上年撤销 = 是), dropped
CAMPUS_ID = "2136990106"      # 合成县实验小学（南校区） (是否计校数 = 否), merged into PARENT_ID
JUNIOR_ID = "2136990201"      # 合成县第二中学 (初级中学, town 121)

# ------------------------------------------------------------------------------------------ columns
# Each 2021 header path with the key of the synthetic value it holds.  Keys not used by the importer
# ("ignored") exist in real exports and must not disturb it.
_IDENTITY_2021 = [
    (("学校名称",), "name"),
    (("学校标识码",), "id"),
    (("办学类型",), "type"),
    (("举办者",), "sponsor"),
    (("统计三级",), "area_code"),
    (("是否计校数",), "counted"),
    (("是否上年撤销",), "closed"),
    (("是否本年新增",), "new"),
    (("建校年份",), "built_year"),
]
_VALUES_2021 = [
    (("在校生数", "合计"), "students"),
    (("在校生数", "其中：随迁子女"), "migrants"),
    (("班级", "班数"), "classes"),
    (("班级", "最大班额"), "max_class"),
    (("教职工数", "合计"), "staff"),                                        # ignored
    (("专任教师", "合计"), "teachers"),                                     # ignored
    (("专任教师", "#按学历分", "博士研究生"), "doctor"),
    (("专任教师", "#按学历分", "硕士研究生"), "master"),
    (("专任教师", "#按学历分", "本科"), "bachelor"),
    (("专任教师", "#按学历分", "专科"), "college"),
    (("专任教师", "#按学历分", "高中阶段及以下"), "below"),                  # ignored
    (("专任教师", "#按授课课程分", "体育与健康"), "pe"),
    (("专任教师", "#按授课课程分", "艺术", "计"), "art"),                    # = 音乐 + 美术
    (("专任教师", "#按授课课程分", "艺术", "音乐"), "art_music"),            # ignored (inside 艺术›计)
    (("专任教师", "#按授课课程分", "艺术", "美术"), "art_fine"),             # ignored (inside 艺术›计)
    (("教基1102", "县级以上骨干教师(小学)"), "key_primary"),
    (("教基1102", "县级以上骨干教师(初中)"), "key_junior"),
    (("本学年校舍建筑面积", "合计"), "building_total"),                     # ignored
    (("本学年校舍建筑面积", "教学及辅助用房", "计"), "teaching_aux_total"),
    (("本学年校舍建筑面积", "教学及辅助用房", "室内体育用房"), "indoor_sports"),
    (("占地面积及其他办学条件", "运动场地面积"), "sports_ground"),
    (("占地面积及其他办学条件", "绿化用地面积"), "green_area"),             # ignored
    (("固定资产总值", "教学仪器设备资产值(万元)"), "equipment_wan"),
    (("网络多媒体教室",), "multimedia"),
    (("专用教室", "音乐", "间数"), "music_rooms"),
    (("专用教室", "音乐", "最小面积"), "music_min_area"),
    (("专用教室", "美术", "间数"), "art_rooms"),
    (("专用教室", "美术", "最小面积"), "art_min_area"),
]
_EXTRA_2021 = [(("在校生数", "合计", "其中：女"), "female")]   # only in AMBIGUOUS_LAYOUT

# 2020 forms (基础基xxx) differ from 2021 in these header texts only (see rules/imports/stats-2020.toml)
_TEXTS_2020 = {"统计三级": "所在地区划三级", "教基1102": "基础基3112", "本学年校舍建筑面积": "本年校舍建筑面积",
               "固定资产总值": "固定资产"}


def _to_2020(path: tuple) -> tuple:
    return tuple(_TEXTS_2020.get(t, t) for t in path)


_KEY = {p: k for p, k in _IDENTITY_2021 + _VALUES_2021 + _EXTRA_2021}
_KEY.update({_to_2020(p): k for p, k in list(_KEY.items())})

_IDS = [p for p, _ in _IDENTITY_2021]
_VALS = [p for p, _ in _VALUES_2021]


def _group(paths: list, top: str) -> list:
    return [p for p in paths if p[0] == top]


# ------------------------------------------------------------------------------------------ layouts
LAYOUT_2021 = {"primary": _IDS + _VALS, "junior": _IDS + _VALS}


def _reordered() -> list:
    """学校名称 first, then the value groups in reverse order, each group's columns reversed, identity columns
    scattered between the groups (never inside one, as a real form keeps a header group together)."""
    ident = dict(zip([p[0] for p in _IDS], _IDS))
    tops = list(dict.fromkeys(p[0] for p in _VALS))[::-1]
    after = {"专用教室": ["是否上年撤销"], "固定资产总值": ["统计三级", "办学类型"], "教基1102": ["学校标识码"],
             "班级": ["是否计校数", "建校年份"], "在校生数": ["举办者", "是否本年新增"]}
    out = [ident["学校名称"]]
    for top in tops:
        out += _group(_VALS, top)[::-1]
        out += [ident[t] for t in after.get(top, [])]
    return out


LAYOUT_2021_REORDERED = {"primary": _reordered(), "junior": _reordered()}


def _layout_2020() -> list:
    """2020 texts; 学校标识码 first, groups in yet another order, 按授课课程分 before 按学历分."""
    ident = dict(zip([p[0] for p in _IDS], _IDS))
    teachers = _group(_VALS, "专任教师")
    teachers = [p for p in teachers if "#按授课课程分" in p] + [p for p in teachers if "#按授课课程分" not in p]
    order = ([ident[t] for t in ("学校标识码", "学校名称", "统计三级", "办学类型", "举办者", "建校年份")]
             + _group(_VALS, "专用教室") + _group(_VALS, "网络多媒体教室") + teachers
             + _group(_VALS, "教基1102") + [ident["是否计校数"]]
             + _group(_VALS, "在校生数") + _group(_VALS, "班级") + _group(_VALS, "教职工数")
             + _group(_VALS, "占地面积及其他办学条件") + _group(_VALS, "本学年校舍建筑面积")
             + _group(_VALS, "固定资产总值") + [ident["是否本年新增"], ident["是否上年撤销"]])
    assert sorted(order) == sorted(_IDS + _VALS)
    return [_to_2020(p) for p in order]


LAYOUT_2020 = {"primary": _layout_2020(), "junior": _layout_2020()}

MISSING_PATH = ("本学年校舍建筑面积", "教学及辅助用房", "室内体育用房")
MISSING_PATH_LAYOUT = {"primary": [p for p in LAYOUT_2021["primary"] if p != MISSING_PATH],
                       "junior": list(LAYOUT_2021["junior"])}

# ("在校生数", "合计") is a subsequence of both ("在校生数", "合计") and ("在校生数", "合计", "其中：女"):
# the spec path students = ["在校生数", "合计"] matches two columns of the primary file.
AMBIGUOUS_PATH = ("在校生数", "合计")


def _ambiguous() -> list:
    cols = list(LAYOUT_2021["primary"])
    i = cols.index(AMBIGUOUS_PATH)
    return cols[:i + 1] + [_EXTRA_2021[0][0]] + cols[i + 1:]


AMBIGUOUS_LAYOUT = {"primary": _ambiguous(), "junior": list(LAYOUT_2021["junior"])}

# ------------------------------------------------------------------------------------------ schools
# Whole-school values ([facility] plus ignored whole-school columns) and per-stage-file section values.
# A school's row in a stage file = identity + facility + that stage's section.


def _section(students, migrants, classes, max_class, doctor, master, bachelor, college, below, pe, music, fine,
             key_primary, key_junior, female):
    teachers = doctor + master + bachelor + college + below
    return dict(students=students, migrants=migrants, classes=classes, max_class=max_class,
                staff=teachers + max(2, teachers // 8), teachers=teachers, doctor=doctor, master=master,
                bachelor=bachelor, college=college, below=below, pe=pe, art=music + fine, art_music=music,
                art_fine=fine, key_primary=key_primary, key_junior=key_junior, female=female)


def _facility(teaching_aux_total, indoor_sports, sports_ground, equipment_wan, multimedia, music_rooms,
              music_min_area, art_rooms, art_min_area, green_area):
    return dict(teaching_aux_total=teaching_aux_total, indoor_sports=indoor_sports, sports_ground=sports_ground,
                equipment_wan=equipment_wan, multimedia=multimedia, music_rooms=music_rooms,
                music_min_area=music_min_area, art_rooms=art_rooms, art_min_area=art_min_area,
                green_area=green_area, building_total=round(teaching_aux_total * 1.35, 1))


def _school(name, id_, type_, sponsor, area_code, built_year, *, counted="是", closed="否", new="否"):
    return dict(name=name, id=id_, type=type_, sponsor=sponsor, area_code=area_code, counted=counted,
                closed=closed, new=new, built_year=built_year)


# The raw schools, in file order.  Each: (identity, facility, {stage: section}).
_RAW = [
    # 九年一贯制学校 in both files: same id and facility values, own section values per file (test 4)
    (_school("合成县东湖学校", NINE_YEAR_ID, "九年一贯制学校", "教育部门", "123", 2009),
     _facility(5420, 640, 10800, 256.09, 26, 2, 75.5, 2, 80, 2600),
     {"primary": _section(760, 95, 17, 48, 0, 3, 30, 10, 1, 3, 2, 2, key_primary=6, key_junior=4, female=352),
      "junior": _section(610, 70, 13, 50, 1, 5, 33, 4, 0, 3, 1, 1, key_primary=6, key_junior=4, female=289)}),
    # rural 小学 (统计三级 220 -> 乡村)
    (_school("合成县河西乡中心小学", RURAL_ID, "小学", "教育部门", "220", 2003),
     _facility(1380, 0, 4800, 38.60, 8, 1, 62, 0, 0, 1200),
     {"primary": _section(236, 12, 8, 35, 0, 0, 9, 8, 2, 1, 1, 0, key_primary=1, key_junior=0, female=110)}),
    # campus (是否计校数 = 否), listed BEFORE its parent; has a bigger largest class, a smaller music room and
    # no art room (its 0 area must not become the merged minimum)
    (_school("合成县实验小学（南校区）", CAMPUS_ID, "小学", "教育部门", "111", 2019, counted="否"),
     _facility(1960, 0, 3600, 68.35, 9, 1, 78, 0, 0, 900),
     {"primary": _section(380, 150, 9, 55, 0, 1, 18, 4, 0, 2, 1, 1, key_primary=2, key_junior=0, female=181)}),
    # closed last year (是否上年撤销 = 是): no pupils any more, buildings still listed; dropped
    (_school("合成县北山村小学", CLOSED_ID, "小学", "教育部门", "210", 1978, closed="是"),
     _facility(620, 0, 1500, 3.20, 0, 0, 0, 0, 0, 300),
     {"primary": _section(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, key_primary=0, key_junior=0, female=0)}),
    # urban 小学 (111 -> 城区), parent of the 南校区
    (_school("合成县实验小学", PARENT_ID, "小学", "教育部门", "111", 1985),
     _facility(6850.5, 820, 9200, 312.48, 30, 2, 86.5, 2, 84, 3100),
     {"primary": _section(1320, 410, 28, 52, 0, 6, 58, 9, 1, 6, 4, 3, key_primary=11, key_junior=0, female=618)}),
    # 民办 小学 (举办者 民办), urban 112, new this year (是否本年新增 = 是: kept)
    (_school("合成县育才小学", PRIVATE_ID, "小学", "民办", "112", 2022, new="是"),
     _facility(2980, 360, 3900, 105.75, 14, 1, 70, 1, 72, 800),
     {"primary": _section(540, 260, 12, 46, 0, 2, 24, 5, 0, 2, 1, 1, key_primary=0, key_junior=0, female=251)}),
    # 初级中学, town (121 -> 镇区); has 专科 teachers that do NOT count for the junior degree indicator
    (_school("合成县第二中学", JUNIOR_ID, "初级中学", "教育部门", "121", 1998),
     _facility(7640, 1150, 12500, 298.70, 28, 2, 88, 2, 86, 4100),
     {"junior": _section(1180, 140, 24, 53, 0, 9, 66, 7, 0, 5, 2, 2, key_primary=0, key_junior=12, female=553)}),
]
# the junior file lists the 初级中学 before the nine-year school
_FILE_ORDER = {"primary": [NINE_YEAR_ID, RURAL_ID, CAMPUS_ID, CLOSED_ID, PARENT_ID, PRIVATE_ID],
               "junior": [JUNIOR_ID, NINE_YEAR_ID]}

_TITLES = {
    "2021": {"primary": ("教基1001 小学基本情况（合成示例数据，数值虚构）", "教基1001"),
             "junior": ("教基2001 初中基本情况（合成示例数据，数值虚构）", "教基2001")},
    "2020": {"primary": ("基础基311 小学基本情况（合成示例数据，数值虚构）", "基础基311"),
             "junior": ("基础基321 初中基本情况（合成示例数据，数值虚构）", "基础基321")},
}


# ------------------------------------------------------------------------------------------ writing
def _paths(columns) -> list[tuple]:
    paths = [tuple(c) if isinstance(c, (tuple, list)) else (c,) for c in columns]
    if len(set(paths)) != len(paths):
        raise ValueError("duplicate header path in columns")
    for p in paths:
        if not p or any(a == b for a, b in zip(p, p[1:])):
            raise ValueError(f"header path {p!r} is empty or repeats a text at consecutive levels")
    return paths


def write_export(path, columns, rows, title: str) -> Path:
    """Write one sheet laid out like the statistics form (see the module doc) and return its path.

    ``columns``: header paths (tuples of texts, top to bottom; a bare string is a one-level path).
    ``rows``: one per school, either a sequence of values in column order or a mapping path -> value.
    """
    path = Path(path)
    paths = _paths(columns)
    n, depth = len(paths), max(len(p) for p in paths)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = re.split(r"\s", title, maxsplit=1)[0][:31] or "Sheet1"
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    ws.cell(1, 1, title).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = centre
    if n > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)

    for level in range(depth):
        row = 2 + level
        j = 0
        while j < n:
            p = paths[j]
            if len(p) <= level:              # inside the downward merge of a shorter path
                j += 1
                continue
            ends = len(p) == level + 1
            key = (p[:level + 1], ends)
            k = j
            while k + 1 < n and len(paths[k + 1]) > level and (paths[k + 1][:level + 1],
                                                               len(paths[k + 1]) == level + 1) == key:
                k += 1
            cell = ws.cell(row, j + 1, p[level])
            cell.alignment = centre
            cell.font = Font(bold=True)
            last_row = 1 + depth if ends else row
            if k > j or last_row > row:
                ws.merge_cells(start_row=row, start_column=j + 1, end_row=last_row, end_column=k + 1)
            j = k + 1

    first_data = 2 + depth
    for i, values in enumerate(rows):
        if isinstance(values, dict):
            values = [values.get(p) for p in paths]
        values = list(values)
        if len(values) != n:
            raise ValueError(f"row {i} has {len(values)} values for {n} columns")
        for j, v in enumerate(values):
            cell = ws.cell(first_data + i, j + 1, v)
            if isinstance(v, str):
                cell.number_format = "@"
            elif isinstance(v, float) and "万元" in paths[j][-1]:
                cell.number_format = "0.00"
    for j, p in enumerate(paths):
        ws.column_dimensions[get_column_letter(j + 1)].width = max(8, 2.2 * max(len(t) for t in p))
    ws.freeze_panes = ws.cell(first_data, 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _key(path: tuple) -> str:
    try:
        return _KEY[tuple(path)]
    except KeyError:
        raise KeyError(f"no synthetic value for header path {path!r}") from None


def export_rows(stage: str, columns) -> list[list]:
    """The rows of the ``stage`` ("primary" / "junior") file for ``columns``, in file order."""
    by_id = {ident["id"]: (ident, facility, sections) for ident, facility, sections in _RAW}
    keys = [_key(p) for p in _paths(columns)]
    out = []
    for school_id in _FILE_ORDER[stage]:
        ident, facility, sections = by_id[school_id]
        values = {**ident, **facility, **sections[stage]}
        out.append([values[k] for k in keys])
    return out


def _version(layout: dict) -> str:
    texts = {t for cols in layout.values() for p in cols for t in (p if isinstance(p, tuple) else (p,))}
    return "2020" if "所在地区划三级" in texts else "2021"


def export_files(tmp_dir, layout: dict = LAYOUT_2021) -> list[Path]:
    """Write the primary and the junior file of ``layout`` into ``tmp_dir``; return [primary, junior]."""
    tmp_dir = Path(tmp_dir)
    titles = _TITLES[_version(layout)]
    out = []
    for stage in ("primary", "junior"):
        title, code = titles[stage]
        out.append(write_export(tmp_dir / f"{COUNTY}{YEAR}_{code}.xlsx", layout[stage],
                                export_rows(stage, layout[stage]), title))
    return out


# ------------------------------------------------------------------------------------------ expected
def expected_canonical() -> pd.DataFrame:
    """The canonical school table the importer should make of export_files(...) (any of the layouts above
    except MISSING_PATH_LAYOUT / AMBIGUOUS_LAYOUT, which must fail).  Values typed by hand; every derivation
    is written out in its comment.  Sorted by school_id."""
    common = dict(county=COUNTY, year=YEAR, students_senior=0)   # county/year from the caller; no 高中 file
    no_primary = dict(students_primary=0, classes_primary=0, max_class_primary=0,
                      teachers_above_degree_primary=0, key_teachers_primary=0, pe_art_teachers_primary=0)
    no_junior = dict(students_junior=0, classes_junior=0, max_class_junior=0,
                     teachers_above_degree_junior=0, key_teachers_junior=0, pe_art_teachers_junior=0)
    rows = [
        # 合成县实验小学 with 合成县实验小学（南校区） (是否计校数 = 否) merged in; the campus's id 2136990106 is gone
        dict(common, **no_junior,
             school_id=PARENT_ID, school_name="合成县实验小学", school_type="小学",
             urban_rural="城区",                      # 统计三级 111
             ownership="公办",                        # 举办者 教育部门
             built_year=1985,                         # the parent's 建校年份 (campus 2019 ignored)
             students_primary=1700,                   # 1320 + 380
             classes_primary=37,                      # 28 + 9
             max_class_primary=55,                    # max(52, 55): the campus's class is the larger
             teachers_above_degree_primary=96,        # (0+6+58+9) + (0+1+18+4) = 73 + 23; 高中阶段及以下 1 ignored
             key_teachers_primary=13,                 # 11 + 2
             pe_art_teachers_primary=17,              # (6 + 艺术计 7) + (2 + 艺术计 2); 音乐/美术 not re-added
             teaching_aux_area_m2=7990.5,             # (6850.5 − 820) + (1960 − 0) = 6030.5 + 1960
             sports_area_m2=13620.0,                  # (9200 + 820) + (3600 + 0) = 10020 + 3600
             equipment_value_yuan=3808300.0,          # (312.48 + 68.35) 万元 × 10000 = 380.83 × 10000
             multimedia_classrooms=39,                # 30 + 9
             music_rooms=3,                           # 2 + 1
             music_room_min_area_m2=78.0,             # min(86.5, 78)
             art_rooms=2,                             # 2 + 0
             art_room_min_area_m2=84.0,               # min over units with art rooms: parent 84 (campus has none)
             migrant_students=560),                   # 410 + 150
        # 合成县河西乡中心小学: rural primary school, no art room
        dict(common, **no_junior,
             school_id=RURAL_ID, school_name="合成县河西乡中心小学", school_type="小学",
             urban_rural="乡村",                      # 统计三级 220
             ownership="公办", built_year=2003,
             students_primary=236, classes_primary=8, max_class_primary=35,
             teachers_above_degree_primary=17,        # 0 + 0 + 9 + 8 (高中阶段及以下 2 ignored)
             key_teachers_primary=1,
             pe_art_teachers_primary=2,               # 1 + 艺术计 1
             teaching_aux_area_m2=1380.0,             # 1380 − 0
             sports_area_m2=4800.0,                   # 4800 + 0
             equipment_value_yuan=386000.0,           # 38.60 万元 × 10000
             multimedia_classrooms=8,
             music_rooms=1, music_room_min_area_m2=62.0, art_rooms=0, art_room_min_area_m2=0.0,
             migrant_students=12),
        # 合成县育才小学: 民办, new this year (kept)
        dict(common, **no_junior,
             school_id=PRIVATE_ID, school_name="合成县育才小学", school_type="小学",
             urban_rural="城区",                      # 统计三级 112
             ownership="民办",                        # 举办者 民办
             built_year=2022,
             students_primary=540, classes_primary=12, max_class_primary=46,
             teachers_above_degree_primary=31,        # 0 + 2 + 24 + 5
             key_teachers_primary=0,
             pe_art_teachers_primary=4,               # 2 + 艺术计 2 (音乐 1 + 美术 1)
             teaching_aux_area_m2=2620.0,             # 2980 − 360
             sports_area_m2=4260.0,                   # 3900 + 360
             equipment_value_yuan=1057500.0,          # 105.75 万元 × 10000
             multimedia_classrooms=14,
             music_rooms=1, music_room_min_area_m2=70.0, art_rooms=1, art_room_min_area_m2=72.0,
             migrant_students=260),
        # 合成县东湖学校: 九年一贯制, one row from both files
        dict(common,
             school_id=NINE_YEAR_ID, school_name="合成县东湖学校", school_type="九年一贯制学校",
             urban_rural="镇区",                      # 统计三级 123
             ownership="公办", built_year=2009,
             students_primary=760,                    # primary file
             classes_primary=17, max_class_primary=48,
             teachers_above_degree_primary=43,        # primary file: 0 + 3 + 30 + 10 (高中阶段及以下 1 ignored)
             key_teachers_primary=6,                  # primary file's 小学 column (NOT 6 + 6 from both files)
             pe_art_teachers_primary=7,               # primary file: 3 + 艺术计 4
             students_junior=610,                     # junior file
             classes_junior=13, max_class_junior=50,
             teachers_above_degree_junior=39,         # junior file: 1 + 5 + 33 (专科 4 not counted for 初中)
             key_teachers_junior=4,                   # junior file's 初中 column (NOT 4 + 4)
             pe_art_teachers_junior=5,                # junior file: 3 + 艺术计 2
             teaching_aux_area_m2=4780.0,             # once: 5420 − 640
             sports_area_m2=11440.0,                  # once: 10800 + 640
             equipment_value_yuan=2560900.0,          # once: 256.09 万元 × 10000
             multimedia_classrooms=26,                # once
             music_rooms=2, music_room_min_area_m2=75.5, art_rooms=2, art_room_min_area_m2=80.0,   # once
             migrant_students=165),                   # 95 (primary file) + 70 (junior file)
        # 合成县第二中学: 初级中学 in town
        dict(common, **no_primary,
             school_id=JUNIOR_ID, school_name="合成县第二中学", school_type="初级中学",
             urban_rural="镇区",                      # 统计三级 121
             ownership="公办", built_year=1998,
             students_junior=1180, classes_junior=24, max_class_junior=53,
             teachers_above_degree_junior=75,         # 0 + 9 + 66 (专科 7 not counted for 初中)
             key_teachers_junior=12,
             pe_art_teachers_junior=9,                # 5 + 艺术计 4
             teaching_aux_area_m2=6490.0,             # 7640 − 1150
             sports_area_m2=13650.0,                  # 12500 + 1150
             equipment_value_yuan=2987000.0,          # 298.70 万元 × 10000
             multimedia_classrooms=28,
             music_rooms=2, music_room_min_area_m2=88.0, art_rooms=2, art_room_min_area_m2=86.0,
             migrant_students=140),
        # 合成县北山村小学 (是否上年撤销 = 是) and 合成县实验小学（南校区） (merged) have no row
    ]
    fields = [c for c in schema.columns() if c.required == "required" or c.field in ("built_year",
                                                                                      "migrant_students")]
    frame = pd.DataFrame(rows)[[c.field for c in fields]]
    for c in fields:
        if c.kind in ("count", "year"):
            frame[c.field] = frame[c.field].astype("int64")
        elif c.kind == "number":
            frame[c.field] = frame[c.field].astype("float64")
    return frame.sort_values("school_id").reset_index(drop=True)
