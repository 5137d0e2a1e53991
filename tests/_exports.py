"""Fixture builder for the importer tests: synthetic county "wide" exports of the education statistics system
laid out like the real forms (教基NNNN from 2021, 基础基xxx in 2020), the analyst's supplementary table, and the
canonical school table the importer should make of them.

Everything here is invented (合成示例数据, 数值虚构): one county ``合成县``, statistics year 2023 (the 2020 layout
is used with the same year so that both layouts give the same table).  What is real is the layout, as far as
public material shows it (docs/import.md lists the sources):

* identity columns as the system's school export names them (机构名称, 机构编码, 办学类型, 举办者类型, 城乡分组,
  城乡类型, 城乡类型编码, 统计三级 = the county's name, 是否计校数 / 是否上年撤销 / 是否本年新增 stored as 1/0);
* the header paths the public analyst script for the 2021 wide export searches for (在校生数 › 合计,
  专任教师 › #按学历分 › 硕士研究生 / 本科 / 专科, 专任教师 › #按授课课程分 › 体育与健康 / 艺术 › 计,
  教基1102 › 县级以上骨干教师(小学), 本学年校舍建筑面积 › 教学及辅助用房 › 计 / 室内体育用房,
  占地面积及其他办学条件 › 占地面积（平方米） › 其中 › 运动场地面积, 固定资产总值 › 教学仪器设备资产值(万元),
  网络多媒体教室), and summary rows 合计 in the 统计三级 column;
* the 2020 texts of the per-school forms (基础基112 "县级及以上骨干教师（小学）", 研究生毕业 / 本科毕业 / 专科毕业,
  基础基512 rows "一、教学及辅助用房" … "体育馆" under 校舍建筑面积 › 合计, 基础基522 占地面积（平方米） › 其中 ›
  运动场地面积, 固定资产总值 › 其中：教学仪器设备资产值);
* class-size bands 25人及以下 … 66人及以上 (教基2106/2107, 基础基212/213 with its 合计 / 初中 / 高中 columns);
* a 高中 file (教基3118 / 基础基314 普通高中学生数) for the 完全中学 and the 十二年一贯制学校.

How the wide export flattens the per-school forms into column paths (the order of form, row item and column
levels, e.g. 教学班数 › 班额 › 46-50人 › 初中 › 计) is not shown by any public material: the fixtures follow the
bundled mappings, which the analyst edits when a real export differs.

Public names
    COUNTY, YEAR, SYNTHETIC_MARK
    LAYOUT_2021, LAYOUT_2021_REORDERED, LAYOUT_2021_PRINTED (printed variants: 一、 其中： （） whitespace —),
    LAYOUT_2020, MISSING_PATH_LAYOUT / MISSING_PATH, AMBIGUOUS_LAYOUT / AMBIGUOUS_PATH
        a layout is ``{"version": "2021" | "2020", "primary": [path, ...], "junior": [...], "senior": [...]}``;
        a path is a tuple of header texts, top to bottom
    write_export(path, columns, rows, title, sheet)   one workbook laid out like the statistics form
    export_rows(stage, columns, version)              the synthetic rows of one stage file
    export_files(tmp_dir, layout, stages)             the stage files of a layout → [primary, junior, senior]
    supplement_file(tmp_dir, ids=None, extra=())      the analyst's supplementary table (CSV) → Path
    import_files(tmp_dir, layout)                     (export_files(...), supplement_file(...))
    expected_canonical(merged=False)                  the canonical table (typed: 最大班额, no bands)
    expected_bands(merged=False)                      {school_id: {band column: classes}} the import should give
    PARENT_ID, CAMPUS_ID, RURAL_ID, PRIVATE_ID, NINE_YEAR_ID, CLOSED_ID, JUNIOR_ID, COMPLETE_ID, TWELVE_ID,
    SENIOR_ONLY_ID, SUMMARY_ROWS

Workbook layout (what a reader must undo)
    row 1      the title, merged across all columns; it names the stage (小学 / 初中 / 高中) and holds
               合成示例数据.  File names hold no stage word.
    rows 2..   header rows, as many as the longest path; shorter paths merged downwards, equal neighbours
               merged across.
    then       one row per school, in the order of _FILE_ORDER, and a summary row (合计 / 小计 / 总计).

Rules the expected tables follow (for the importer's authors to confirm)
    1. Summary rows and rows 是否上年撤销 = 1 / 是 (合成县北山村小学) are dropped and listed.
    2. 是否本年新增 = 1 is only a flag (合成县育才小学 is kept).
    3. By default a campus (是否计校数 = 0 / 否: 合成县实验小学（南校区）) is its own unit with its own id
       (有关指标说明（一）).  Merged on request (expected_canonical(merged=True)): counts, bands and areas summed,
       the larger largest class (55), the smaller smallest room among units that have one.
    4. A school in several stage files (东湖学校 九年一贯制; 外国语学校 十二年一贯制 in all three) is one row:
       each stage from its file, whole-school values once, migrant_students summed, key teachers per stage from
       the stage's own file (教基1102 repeats the whole school's figures in every file).
    5. students_senior comes from the 高中 file (第一中学 完全中学 900, 外国语学校 450); 合成县高级中学 is only
       there and is not imported.
    6. Derivations: teaching_aux = 教学及辅助用房 − 室内体育用房 (2020: 体育馆); sports = 运动场地面积 + 室内体育用房;
       equipment = 万元 × 10000; above degree = 博士 + 硕士 + 本科 + 专科 (小学) / 博士 + 硕士 + 本科 (初中), 2020:
       研究生毕业 + 本科毕业 (+ 专科毕业); pe_art = 体育与健康 + 艺术›计.
    7. Music and art rooms, their smallest areas and 建成年份 come from the supplementary table only.
    8. The bands are generated from (students, classes, largest class): one class of exactly the largest size,
       the others as even as possible — so the band of the largest class always holds the typed 最大班额.
"""
from __future__ import annotations

import csv
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

PARENT_ID = "2136990101"      # 合成县实验小学 (urban 111)
RURAL_ID = "2136990102"       # 合成县河西乡中心小学 (rural 220)
PRIVATE_ID = "2136990103"     # 合成县育才小学 (民办, urban 112, new this year)
NINE_YEAR_ID = "2136990104"   # 合成县东湖学校 (九年一贯制, town 123), primary + junior files
CLOSED_ID = "2136990105"      # 合成县北山村小学 (是否上年撤销 = 1), dropped
CAMPUS_ID = "2136990106"      # 合成县实验小学（南校区） (是否计校数 = 0): its own unit unless merged
JUNIOR_ID = "2136990201"      # 合成县第二中学 (初级中学, town 121)
COMPLETE_ID = "2136990202"    # 合成县第一中学 (完全中学, urban 111), junior + senior files
TWELVE_ID = "2136990203"      # 合成县外国语学校 (十二年一贯制, 民办, urban 112), all three files
SENIOR_ONLY_ID = "2136990301"  # 合成县高级中学: only in the senior file, not imported
BANDS = schema.class_bands()

# ------------------------------------------------------------------------------------------ values
def _school(name, sid, kind, kind_code, sponsor, code, urban_name, counted=1, closed=0, new=0):
    group = "乡村" if code.startswith("2") else ("镇区" if code.startswith("12") else "城区")
    return dict(name=name, id=sid, type=kind, type_code=kind_code, sponsor=sponsor, urban_code=code,
                urban_name=urban_name, urban_group=group, county=COUNTY, counted=counted, closed=closed, new=new)


def _facility(teaching_aux, indoor, sports_ground, equipment_wan, multimedia):
    return dict(teaching_aux_total=teaching_aux, indoor_sports=indoor, sports_ground=sports_ground,
                equipment_wan=equipment_wan, multimedia=multimedia, building_total=round(teaching_aux * 1.45, 1),
                office=round(teaching_aux * 0.2, 1), land=round(sports_ground * 2.5, 1),
                green=round(sports_ground * 0.6, 1), assets_wan=round(equipment_wan * 4.5, 2),
                frame=round(teaching_aux * 0.9, 1))


def _section(students, migrants, classes, largest, doctor, master, bachelor, college, below, pe, music, fine, *,
             key_primary, key_junior, female):
    return dict(students=students, migrants=migrants, classes=classes, max_class=largest, doctor=doctor,
                master=master, graduate=doctor + master, bachelor=bachelor, college=college, below=below,
                below_high=0, pe=pe, music=music, fine=fine, art=music + fine, key_primary=key_primary,
                key_junior=key_junior, female=female, staff=doctor + master + bachelor + college + below + 4,
                teachers=doctor + master + bachelor + college + below)


def _senior(students, classes, largest, female):
    return dict(students=students, classes=classes, max_class=largest, female=female)


def band_counts(students: int, classes: int, largest: int) -> list[int]:
    """Classes per band (schema.class_bands() order): one class of ``largest`` pupils, the rest as even as
    possible.  0 classes: all zero."""
    counts = [0] * len(BANDS)
    if classes <= 0:
        return counts
    rest, others = students - largest, classes - 1
    sizes = [largest]
    if others:
        base, extra = divmod(rest, others)
        sizes += [base + 1] * extra + [base] * (others - extra)
    assert sum(sizes) == students and max(sizes) == largest, (students, classes, largest)
    for size in sizes:
        counts[next(i for i, b in enumerate(BANDS) if b.contains(size))] += 1
    return counts


# (identity, facility, {stage: section}, supplement)
_RAW = [
    (_school("合成县东湖学校", NINE_YEAR_ID, "九年一贯制学校", "312", "教育部门", "123", "特殊区域"),
     _facility(5420, 640, 10800, 256.09, 26),
     {"primary": _section(760, 95, 17, 48, 0, 3, 30, 10, 1, 3, 2, 2, key_primary=6, key_junior=4, female=352),
      "junior": _section(610, 70, 13, 50, 1, 5, 33, 4, 0, 3, 1, 1, key_primary=6, key_junior=4, female=289)},
     dict(music_rooms=2, music_room_min_area_m2=75.5, art_rooms=2, art_room_min_area_m2=80, built_year=2009)),
    (_school("合成县河西乡中心小学", RURAL_ID, "小学", "211", "教育部门", "220", "村庄"),
     _facility(1380, 0, 4800, 38.60, 8),
     {"primary": _section(236, 12, 8, 35, 0, 0, 9, 8, 2, 1, 1, 0, key_primary=1, key_junior=0, female=110)},
     dict(music_rooms=1, music_room_min_area_m2=62, art_rooms=0, art_room_min_area_m2=0, built_year=2003)),
    # campus (是否计校数 = 0), listed before its parent; a bigger largest class, a smaller music room, no art room
    (_school("合成县实验小学（南校区）", CAMPUS_ID, "小学", "211", "教育部门", "111", "主城区", counted=0),
     _facility(1960, 0, 3600, 68.35, 9),
     {"primary": _section(380, 150, 9, 55, 0, 1, 18, 4, 0, 2, 1, 1, key_primary=2, key_junior=0, female=181)},
     dict(music_rooms=1, music_room_min_area_m2=78, art_rooms=0, art_room_min_area_m2=0, built_year=2019)),
    # closed last year (是否上年撤销 = 1): no pupils, buildings still listed; dropped
    (_school("合成县北山村小学", CLOSED_ID, "小学", "211", "教育部门", "210", "乡中心区", closed=1),
     _facility(620, 0, 1500, 3.20, 0),
     {"primary": _section(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, key_primary=0, key_junior=0, female=0)},
     None),
    (_school("合成县实验小学", PARENT_ID, "小学", "211", "教育部门", "111", "主城区"),
     _facility(6850.5, 820, 9200, 312.48, 30),
     {"primary": _section(1320, 410, 28, 52, 0, 6, 58, 9, 1, 6, 4, 3, key_primary=11, key_junior=0, female=618)},
     dict(music_rooms=2, music_room_min_area_m2=86.5, art_rooms=2, art_room_min_area_m2=84, built_year=1985)),
    (_school("合成县育才小学", PRIVATE_ID, "小学", "211", "民办", "112", "城乡结合区", new=1),
     _facility(2980, 360, 3900, 105.75, 14),
     {"primary": _section(540, 260, 12, 46, 0, 2, 24, 5, 0, 2, 1, 1, key_primary=0, key_junior=0, female=251)},
     dict(music_rooms=1, music_room_min_area_m2=70, art_rooms=1, art_room_min_area_m2=72, built_year=2022)),
    (_school("合成县第二中学", JUNIOR_ID, "初级中学", "311", "教育部门", "121", "镇中心区"),
     _facility(7640, 1150, 12500, 298.70, 28),
     {"junior": _section(1180, 140, 24, 53, 0, 9, 66, 7, 0, 5, 2, 2, key_primary=0, key_junior=12, female=553)},
     dict(music_rooms=2, music_room_min_area_m2=88, art_rooms=2, art_room_min_area_m2=86, built_year=1998)),
    # 完全中学: junior file + senior file (900 senior pupils): facilities split 1 : 1.2
    (_school("合成县第一中学", COMPLETE_ID, "完全中学", "341", "教育部门", "111", "主城区"),
     _facility(12800, 1500, 21000, 620.50, 52),
     {"junior": _section(1200, 90, 26, 49, 0, 12, 80, 5, 0, 6, 3, 2, key_primary=0, key_junior=10, female=590),
      "senior": _senior(900, 18, 52, female=470)},
     dict(music_rooms=3, music_room_min_area_m2=98, art_rooms=3, art_room_min_area_m2=92, built_year=1978)),
    # 十二年一贯制 (民办): all three files (450 senior pupils): facilities split 1 : 1.1 : 1.32
    (_school("合成县外国语学校", TWELVE_ID, "十二年一贯制学校", "345", "民办", "112", "城乡结合区"),
     _facility(9800, 900, 14500, 455.80, 40),
     {"primary": _section(820, 120, 18, 47, 0, 4, 40, 8, 1, 4, 2, 2, key_primary=5, key_junior=4, female=401),
      "junior": _section(540, 60, 12, 48, 0, 6, 35, 3, 0, 3, 1, 1, key_primary=5, key_junior=4, female=262),
      "senior": _senior(450, 10, 46, female=230)},
     dict(music_rooms=2, music_room_min_area_m2=90, art_rooms=2, art_room_min_area_m2=88, built_year=2012)),
    (_school("合成县高级中学", SENIOR_ONLY_ID, "高级中学", "342", "教育部门", "111", "主城区"),
     None, {"senior": _senior(1500, 30, 55, female=760)}, None),
]
_FILE_ORDER = {"primary": [NINE_YEAR_ID, RURAL_ID, CAMPUS_ID, CLOSED_ID, PARENT_ID, PRIVATE_ID, TWELVE_ID],
               "junior": [JUNIOR_ID, NINE_YEAR_ID, COMPLETE_ID, TWELVE_ID],
               "senior": [COMPLETE_ID, SENIOR_ONLY_ID, TWELVE_ID]}
#: where each layout puts a summary row: (stage, label, where the label is written)
SUMMARY_ROWS = {"2021": ("primary", "合计", "county"), "2020": ("junior", "小计", "name")}
_SENIOR_SUMMARY = {"2021": ("总计", "name"), "2020": ("合计", "county")}

# ------------------------------------------------------------------------------------------ layouts
_BAND_KEYS = [f"band_{b.key}" for b in BANDS]
_IDENTITY_2021 = [
    (("机构名称",), "name"), (("机构编码",), "id"), (("办学类型",), "type"), (("办学类型编码",), "type_code"),
    (("举办者类型",), "sponsor"), (("城乡分组",), "urban_group"), (("城乡类型",), "urban_name"),
    (("城乡类型编码",), "urban_code"), (("统计三级",), "county"), (("是否计校数",), "counted"),
    (("是否上年撤销",), "closed"), (("是否本年新增",), "new"),
]
_STUDENTS_2021 = [(("在校生数", "合计"), "students"), (("在校生数", "其中：女"), "female"),
                  (("在校生数", "#随迁子女"), "migrants")]
_CLASSES_2021 = [(("教学班数", "合计"), "classes")] + \
    [(("教学班数", "班额", b.label), k) for b, k in zip(BANDS, _BAND_KEYS)]
_TEACHERS_2021 = [
    (("教职工数", "合计"), "staff"), (("专任教师", "合计"), "teachers"),
    (("专任教师", "#按学历分", "博士研究生"), "doctor"), (("专任教师", "#按学历分", "硕士研究生"), "master"),
    (("专任教师", "#按学历分", "本科"), "bachelor"), (("专任教师", "#按学历分", "专科"), "college"),
    (("专任教师", "#按学历分", "高中阶段及以下"), "below"),
    (("专任教师", "#按授课课程分", "体育与健康"), "pe"), (("专任教师", "#按授课课程分", "艺术", "计"), "art"),
    (("专任教师", "#按授课课程分", "艺术", "音乐"), "music"), (("专任教师", "#按授课课程分", "艺术", "美术"), "fine"),
    (("教基1102", "县级以上骨干教师(小学)"), "key_primary"), (("教基1102", "县级以上骨干教师(初中)"), "key_junior"),
]
_FACILITY_2021 = [
    (("本学年校舍建筑面积", "合计"), "building_total"),
    (("本学年校舍建筑面积", "教学及辅助用房", "计"), "teaching_aux_total"),
    (("本学年校舍建筑面积", "教学及辅助用房", "室内体育用房"), "indoor_sports"),
    (("本学年校舍建筑面积", "行政办公用房"), "office"),
    (("占地面积及其他办学条件", "占地面积（平方米）", "计"), "land"),
    (("占地面积及其他办学条件", "占地面积（平方米）", "其中", "绿化用地面积"), "green"),
    (("占地面积及其他办学条件", "占地面积（平方米）", "其中", "运动场地面积"), "sports_ground"),
    (("占地面积及其他办学条件", "网络多媒体教室（间）"), "multimedia"),
    (("固定资产总值", "合计（万元）"), "assets_wan"),
    (("固定资产总值", "教学仪器设备资产值(万元)"), "equipment_wan"),
]
_SENIOR_2021 = [p for p in _IDENTITY_2021 if p[1] not in ("type_code", "urban_group", "new")] + \
    [(("在校生数", "合计"), "students"), (("在校生数", "其中：女"), "female")]

_IDENTITY_2020 = [
    (("学校名称",), "name"), (("学校标识码",), "id"), (("办学类型",), "type"), (("举办者",), "sponsor"),
    (("学校（机构）所在地城乡类型",), "urban_name"), (("所在地区划三级",), "county"), (("是否计校数",), "counted"),
    (("是否上年撤销",), "closed"), (("是否本年新增",), "new"),
]
_STUDENTS_2020 = [(("在校生数", "合计"), "students"), (("在校生数", "其中：女"), "female"),
                  (("在校生数", "其中：随迁子女"), "migrants")]
_CLASSES_2020_PRIMARY = [(("教学班数", "总计", "合计"), "classes")] + \
    [(("教学班数", "班额", b.label, "合计"), k) for b, k in zip(BANDS, _BAND_KEYS)]
# 基础基213: columns 合计 / 初中 计 / 高中 计 for every row (总计 and each band)
_CLASSES_2020_JUNIOR = [(("教学班数", "总计", "合计"), "all:classes"), (("教学班数", "总计", "初中", "计"), "classes"),
                        (("教学班数", "总计", "高中", "计"), "senior:classes")] + \
    [path for b, k in zip(BANDS, _BAND_KEYS) for path in
     ((("教学班数", "班额", b.label, "合计"), f"all:{k}"), (("教学班数", "班额", b.label, "初中", "计"), k),
      (("教学班数", "班额", b.label, "高中", "计"), f"senior:{k}"))]
_TEACHERS_2020 = [
    (("教职工数", "合计"), "staff"), (("专任教师", "合计"), "teachers"),
    (("专任教师", "#按学历分", "研究生毕业"), "graduate"), (("专任教师", "#按学历分", "本科毕业"), "bachelor"),
    (("专任教师", "#按学历分", "专科毕业"), "college"), (("专任教师", "#按学历分", "高中阶段毕业"), "below"),
    (("专任教师", "#按学历分", "高中阶段毕业以下"), "below_high"),
    (("专任教师", "#按授课课程分", "体育与健康"), "pe"), (("专任教师", "#按授课课程分", "艺术", "计"), "art"),
    (("专任教师", "#按授课课程分", "艺术", "音乐"), "music"), (("专任教师", "#按授课课程分", "艺术", "美术"), "fine"),
    (("基础基112", "县级及以上骨干教师（小学）"), "key_primary"), (("基础基112", "县级及以上骨干教师（初中）"), "key_junior"),
]
_FACILITY_2020 = [
    (("校舍建筑面积（平方米）", "一、教学及辅助用房", "合计"), "teaching_aux_total"),
    (("校舍建筑面积（平方米）", "一、教学及辅助用房", "框架结构"), "frame"),
    (("校舍建筑面积（平方米）", "体育馆", "合计"), "indoor_sports"),
    (("校舍建筑面积（平方米）", "二、行政办公用房", "合计"), "office"),
    (("占地面积（平方米）", "计"), "land"), (("占地面积（平方米）", "其中", "绿化用地面积"), "green"),
    (("占地面积（平方米）", "其中", "运动场地面积"), "sports_ground"),
    (("固定资产总值（万元）", "计"), "assets_wan"), (("固定资产总值（万元）", "其中：教学仪器设备资产值"), "equipment_wan"),
    (("网络多媒体教室（间）",), "multimedia"),
]
_SENIOR_2020 = [p for p in _IDENTITY_2020 if p[1] != "new"] + [(("在校生数", "合计"), "students"),
                                                               (("在校生数", "其中：女"), "female")]


def _columns(pairs) -> list[tuple]:
    return [p for p, _ in pairs]


_KEYS = {"2021": dict(_IDENTITY_2021 + _STUDENTS_2021 + _CLASSES_2021 + _TEACHERS_2021 + _FACILITY_2021 + _SENIOR_2021),
         "2020": dict(_IDENTITY_2020 + _STUDENTS_2020 + _CLASSES_2020_PRIMARY + _CLASSES_2020_JUNIOR + _TEACHERS_2020
                      + _FACILITY_2020 + _SENIOR_2020)}

_COMPULSORY_2021 = _columns(_IDENTITY_2021 + _STUDENTS_2021 + _CLASSES_2021 + _TEACHERS_2021 + _FACILITY_2021)
LAYOUT_2021 = {"version": "2021", "primary": _COMPULSORY_2021, "junior": _COMPULSORY_2021,
               "senior": _columns(_SENIOR_2021)}
# the junior file with the blocks in another order: paths, not positions, decide (the name stays the first
# column: its merged cell spans the header rows, which is how a reader finds where the data begin)
LAYOUT_2021_REORDERED = {**LAYOUT_2021, "junior": _columns(_IDENTITY_2021[:1] + _FACILITY_2021 + _TEACHERS_2021
                                                            + _IDENTITY_2021[:0:-1] + _CLASSES_2021[::-1]
                                                            + _STUDENTS_2021)}
LAYOUT_2020 = {"version": "2020",
               "primary": _columns(_IDENTITY_2020 + _STUDENTS_2020 + _CLASSES_2020_PRIMARY + _TEACHERS_2020
                                   + _FACILITY_2020),
               "junior": _columns(_IDENTITY_2020 + _STUDENTS_2020 + _CLASSES_2020_JUNIOR + _TEACHERS_2020
                                  + _FACILITY_2020),
               "senior": _columns(_SENIOR_2020)}

# printed variants of the 2021 texts: list prefixes, 其中：, full-width parentheses and units, white space, dashes
_PRINTED = {"在校生数": "在 校 生 数", "教学及辅助用房": "一、教学及辅助用房", "室内体育用房": "其中：室内体育用房",
            "运动场地面积": "其中：运动场地面积", "县级以上骨干教师(小学)": "县级以上骨干教师（小学）",
            "县级以上骨干教师(初中)": "县级以上骨干教师（初中）", "教学仪器设备资产值(万元)": "其中：教学仪器设备资产值（万元）",
            "46-50人": "46—50人", "艺术": "二、艺术", "本学年校舍建筑面积": "本学年校舍建筑面积\n（平方米）"}


def _printed(path: tuple) -> tuple:
    path = tuple(_PRINTED.get(t, t) for t in path)
    return tuple(t for i, t in enumerate(path) if not (t == "其中" and i + 1 < len(path)
                                                      and path[i + 1].startswith("其中：")))


LAYOUT_2021_PRINTED = {"version": "2021", **{s: [_printed(p) for p in LAYOUT_2021[s]]
                                               for s in ("primary", "junior", "senior")}}
_KEYS["2021"].update({_printed(p): k for p, k in list(_KEYS["2021"].items())})

# 2021 without 室内体育用房 in the primary file (the junior file keeps it)
MISSING_PATH = ("本学年校舍建筑面积", "教学及辅助用房", "室内体育用房")
MISSING_PATH_LAYOUT = {**LAYOUT_2021, "primary": [p for p in LAYOUT_2021["primary"] if p != MISSING_PATH]}
# 2021 with a second column under 在校生数 › 合计 in the primary file: the path matches twice
AMBIGUOUS_PATH = ("在校生数", "合计")
_AMBIGUOUS_EXTRA = ("在校生数", "合计", "其中：女")
_KEYS["2021"][_AMBIGUOUS_EXTRA] = "female"
_i = LAYOUT_2021["primary"].index(AMBIGUOUS_PATH)
AMBIGUOUS_LAYOUT = {**LAYOUT_2021, "primary": LAYOUT_2021["primary"][:_i + 1] + [_AMBIGUOUS_EXTRA]
                    + LAYOUT_2021["primary"][_i + 1:]}

_TITLES = {
    "2021": {"primary": "合成县2023年小学基层统计数据（教基1001、1102、2106、3112、4155、5170、5176）合成示例数据，数值虚构",
             "junior": "合成县2023年初中基层统计数据（教基1001、1102、2107、3115、4156、5170、5176）合成示例数据，数值虚构",
             "senior": "合成县2023年高中基层统计数据（教基1001、3118 普通高中学生数）合成示例数据，数值虚构"},
    "2020": {"primary": "合成县小学基层统计数据（基础基111、112、212、312、423、512、522）合成示例数据，数值虚构",
             "junior": "合成县初中基层统计数据（基础基111、112、213、313、424、512、522）合成示例数据，数值虚构",
             "senior": "合成县高中基层统计数据（基础基111、314 普通高中学生数）合成示例数据，数值虚构"},
}
SHEETS = {"primary": "小学基层数据", "junior": "初中基层数据", "senior": "高中基层数据"}


# ------------------------------------------------------------------------------------------ writing
def _paths(columns) -> list[tuple]:
    paths = [tuple(c) if isinstance(c, (tuple, list)) else (c,) for c in columns]
    if len(set(paths)) != len(paths):
        raise ValueError("duplicate header path in columns")
    for p in paths:
        if not p or any(a == b for a, b in zip(p, p[1:])):
            raise ValueError(f"header path {p!r} is empty or repeats a text at consecutive levels")
    return paths


def write_export(path, columns, rows, title: str, sheet: str | None = None) -> Path:
    """Write one sheet laid out like the statistics form (see the module doc) and return its path.

    ``columns``: header paths (tuples of texts, top to bottom; a bare string is a one-level path).
    ``rows``: one per school, either a sequence of values in column order or a mapping path -> value.
    """
    path = Path(path)
    paths = _paths(columns)
    n, depth = len(paths), max(len(p) for p in paths)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = (sheet or re.split(r"\s", title, maxsplit=1)[0])[:31] or "Sheet1"
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
            elif isinstance(v, float) and "万元" in "".join(paths[j]):
                cell.number_format = "0.00"
    for j, p in enumerate(paths):
        ws.column_dimensions[get_column_letter(j + 1)].width = max(8, 2.2 * max(len(t) for t in p))
    ws.freeze_panes = ws.cell(first_data, 2)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _key(path: tuple, version: str) -> str:
    try:
        return _KEYS[version][tuple(path)]
    except KeyError:
        raise KeyError(f"no synthetic value for header path {path!r} ({version})") from None


def _flag(value: int, version: str, key: str):
    """2021: numbers (1/0) for 是否计校数 / 是否上年撤销, text "1.0"/"0.0" for 是否本年新增; 2020: 是/否."""
    if version == "2020":
        return "是" if value else "否"
    return f"{float(value):.1f}" if key == "new" else int(value)


def _values(school_id: str, stage: str, version: str) -> dict:
    ident, facility, sections, _ = _BY_ID[school_id]
    section = sections[stage]
    values = {**ident, **(facility or {}), **section}
    for key in ("counted", "closed", "new"):
        values[key] = _flag(ident[key], version, key)
    counts = band_counts(section["students"], section["classes"], section["max_class"])
    values.update({k: c for k, c in zip(_BAND_KEYS, counts)})
    # 基础基213 (初中 file, 2020): 合计 = 初中 + 高中 columns; 基础基212 (小学): 合计 is the school's own
    # (the 合计 path is the same in both files, so one key serves both)
    if version == "2020":
        senior = sections.get("senior") if stage == "junior" else None
        senior = senior or {"students": 0, "classes": 0, "max_class": 0}
        s_counts = band_counts(senior["students"], senior["classes"], senior["max_class"])
        values["senior:classes"], values["all:classes"] = senior["classes"], section["classes"] + senior["classes"]
        for k, a, b in zip(_BAND_KEYS, counts, s_counts):
            values[f"senior:{k}"], values[f"all:{k}"] = b, a + b
    return values


def _summary(stage: str, keys: list, version: str, label: str, where: str) -> list:
    """A summary row: sums of the numbers of the stage's rows, the label in the name or the county column."""
    rows = [_values(s, stage, version) for s in _FILE_ORDER[stage]]
    out = []
    for k in keys:
        numbers = [r[k] for r in rows if isinstance(r.get(k), (int, float)) and not isinstance(r.get(k), bool)]
        if k == where:
            out.append(label)
        elif k in ("name", "id", "type", "type_code", "sponsor", "urban_code", "urban_name", "urban_group", "county",
                   "counted", "closed", "new"):
            out.append(None)
        else:
            out.append(round(sum(numbers), 2) if numbers else None)
    return out


def export_rows(stage: str, columns, version: str = "2021") -> list[list]:
    """The rows of the ``stage`` ("primary" / "junior" / "senior") file for ``columns``, in file order, with the
    layout's summary row."""
    keys = [_key(p, version) for p in _paths(columns)]
    out = [[_values(s, stage, version)[k] for k in keys] for s in _FILE_ORDER[stage]]
    summary_stage, label, where = SUMMARY_ROWS[version]
    if stage == summary_stage:
        out.insert(len(out) - 2 if version == "2020" else len(out), _summary(stage, keys, version, label, where))
    if stage == "senior":
        label, where = _SENIOR_SUMMARY[version]
        out.append(_summary(stage, keys, version, label, where))
    return out


def export_files(tmp_dir, layout: dict = LAYOUT_2021, stages=("primary", "junior", "senior")) -> list[Path]:
    """Write the stage files of ``layout`` into ``tmp_dir``; return them in the order of ``stages``."""
    tmp_dir = Path(tmp_dir)
    version = layout["version"]
    out = []
    for n, stage in enumerate(stages, start=1):
        code = "教基" if version == "2021" else "基础基"
        out.append(write_export(tmp_dir / f"{COUNTY}{YEAR}_{code}_{n}.xlsx", layout[stage],
                                export_rows(stage, layout[stage], version), _TITLES[version][stage], SHEETS[stage]))
    return out


SUPPLEMENT_HEADERS = ["学校标识码", "学校名称", "音乐专用教室数", "音乐专用教室最小面积", "美术专用教室数", "美术专用教室最小面积",
                      "建成年份"]


def supplement_file(tmp_dir, ids=None, extra=(), name: str = "补充数据.csv", encoding: str = "utf-8") -> Path:
    """The analyst's supplementary table (CSV): a row per imported school or campus (``ids``: only these), plus
    ``extra`` rows (lists of cells)."""
    path = Path(tmp_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [SUPPLEMENT_HEADERS]
    for ident, _, _, supp in _RAW:
        if supp is None or (ids is not None and ident["id"] not in ids):
            continue
        rows.append([ident["id"], ident["name"], supp["music_rooms"], supp["music_room_min_area_m2"],
                     supp["art_rooms"], supp["art_room_min_area_m2"], supp["built_year"]])
    rows += [list(r) for r in extra]
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def import_files(tmp_dir, layout: dict = LAYOUT_2021) -> tuple[list[Path], Path]:
    """The stage files and the supplementary table of a layout."""
    return export_files(tmp_dir, layout), supplement_file(tmp_dir)


# ------------------------------------------------------------------------------------------ expected
_BY_ID = {ident["id"]: (ident, facility, sections, supp) for ident, facility, sections, supp in _RAW}


def expected_canonical(merged: bool = False) -> pd.DataFrame:
    """The canonical school table the importer should make of the exports (any layout above except
    MISSING_PATH_LAYOUT / AMBIGUOUS_LAYOUT, which must fail), typed by hand with 最大班额 (the importer gives the
    class-size bands instead: expected_bands).  ``merged``: the campus merged into its parent
    (--merge-campuses).  Every derivation is written out in its comment.  Sorted by school_id."""
    common = dict(county=COUNTY, year=YEAR, students_senior=0)
    no_primary = dict(students_primary=0, classes_primary=0, max_class_primary=0,
                      teachers_above_degree_primary=0, key_teachers_primary=0, pe_art_teachers_primary=0)
    no_junior = dict(students_junior=0, classes_junior=0, max_class_junior=0,
                     teachers_above_degree_junior=0, key_teachers_junior=0, pe_art_teachers_junior=0)
    parent = dict(common, **no_junior,
                  school_id=PARENT_ID, school_name="合成县实验小学", school_type="小学",
                  urban_rural="城区",                      # 城乡类型编码 111 (主城区)
                  ownership="公办",                        # 举办者 教育部门
                  built_year=1985,                         # 补充表
                  students_primary=1320, classes_primary=28, max_class_primary=52,
                  teachers_above_degree_primary=73,        # 0 + 6 + 58 + 9 (2020: 研究生 6 + 本科 58 + 专科 9)
                  key_teachers_primary=11,
                  pe_art_teachers_primary=13,              # 6 + 艺术计 7 (音乐 4 + 美术 3, not re-added)
                  teaching_aux_area_m2=6030.5,             # 6850.5 − 820
                  sports_area_m2=10020.0,                  # 9200 + 820
                  equipment_value_yuan=3124800.0,          # 312.48 万元 × 10000
                  multimedia_classrooms=30,
                  music_rooms=2, music_room_min_area_m2=86.5, art_rooms=2, art_room_min_area_m2=84.0,   # 补充表
                  migrant_students=410)
    campus = dict(common, **no_junior,
                  school_id=CAMPUS_ID, school_name="合成县实验小学（南校区）", school_type="小学",
                  urban_rural="城区", ownership="公办", built_year=2019,
                  students_primary=380, classes_primary=9, max_class_primary=55,
                  teachers_above_degree_primary=23,        # 0 + 1 + 18 + 4
                  key_teachers_primary=2, pe_art_teachers_primary=4,   # 2 + 艺术计 2
                  teaching_aux_area_m2=1960.0, sports_area_m2=3600.0,
                  equipment_value_yuan=683500.0,           # 68.35 万元 × 10000
                  multimedia_classrooms=9,
                  music_rooms=1, music_room_min_area_m2=78.0, art_rooms=0, art_room_min_area_m2=0.0,
                  migrant_students=150)
    if merged:
        parent.update(students_primary=1700,           # 1320 + 380
                      classes_primary=37,               # 28 + 9
                      max_class_primary=55,             # max(52, 55)
                      teachers_above_degree_primary=96,  # 73 + 23
                      key_teachers_primary=13,          # 11 + 2
                      pe_art_teachers_primary=17,       # 13 + 4
                      teaching_aux_area_m2=7990.5,      # 6030.5 + 1960
                      sports_area_m2=13620.0,           # 10020 + 3600
                      equipment_value_yuan=3808300.0,   # (312.48 + 68.35) × 10000
                      multimedia_classrooms=39,         # 30 + 9
                      music_rooms=3,                    # 2 + 1
                      music_room_min_area_m2=78.0,      # min(86.5, 78)
                      art_rooms=2,                      # 2 + 0
                      art_room_min_area_m2=84.0,        # the campus has no art room: the parent's 84
                      migrant_students=560)             # 410 + 150
    rows = [parent] + ([] if merged else [campus]) + [
        dict(common, **no_junior,
             school_id=RURAL_ID, school_name="合成县河西乡中心小学", school_type="小学",
             urban_rural="乡村",                      # 220 (村庄)
             ownership="公办", built_year=2003,
             students_primary=236, classes_primary=8, max_class_primary=35,
             teachers_above_degree_primary=17,        # 0 + 0 + 9 + 8 (高中阶段及以下 2 ignored)
             key_teachers_primary=1, pe_art_teachers_primary=2,
             teaching_aux_area_m2=1380.0, sports_area_m2=4800.0, equipment_value_yuan=386000.0,
             multimedia_classrooms=8,
             music_rooms=1, music_room_min_area_m2=62.0, art_rooms=0, art_room_min_area_m2=0.0,
             migrant_students=12),
        dict(common, **no_junior,
             school_id=PRIVATE_ID, school_name="合成县育才小学", school_type="小学",
             urban_rural="城区",                      # 112 (城乡结合区)
             ownership="民办", built_year=2022,
             students_primary=540, classes_primary=12, max_class_primary=46,
             teachers_above_degree_primary=31,        # 0 + 2 + 24 + 5
             key_teachers_primary=0, pe_art_teachers_primary=4,
             teaching_aux_area_m2=2620.0, sports_area_m2=4260.0, equipment_value_yuan=1057500.0,
             multimedia_classrooms=14,
             music_rooms=1, music_room_min_area_m2=70.0, art_rooms=1, art_room_min_area_m2=72.0,
             migrant_students=260),
        dict(common,
             school_id=NINE_YEAR_ID, school_name="合成县东湖学校", school_type="九年一贯制学校",
             urban_rural="镇区",                      # 123 (特殊区域)
             ownership="公办", built_year=2009,
             students_primary=760, classes_primary=17, max_class_primary=48,
             teachers_above_degree_primary=43,        # primary file: 0 + 3 + 30 + 10
             key_teachers_primary=6,                  # primary file's 小学 column (NOT 6 + 6)
             pe_art_teachers_primary=7,               # 3 + 艺术计 4
             students_junior=610, classes_junior=13, max_class_junior=50,
             teachers_above_degree_junior=39,         # junior file: 1 + 5 + 33 (专科 4 not counted)
             key_teachers_junior=4, pe_art_teachers_junior=5,
             teaching_aux_area_m2=4780.0, sports_area_m2=11440.0, equipment_value_yuan=2560900.0,
             multimedia_classrooms=26,
             music_rooms=2, music_room_min_area_m2=75.5, art_rooms=2, art_room_min_area_m2=80.0,
             migrant_students=165),                   # 95 + 70
        dict(common, **no_primary,
             school_id=JUNIOR_ID, school_name="合成县第二中学", school_type="初级中学",
             urban_rural="镇区",                      # 121 (镇中心区)
             ownership="公办", built_year=1998,
             students_junior=1180, classes_junior=24, max_class_junior=53,
             teachers_above_degree_junior=75,         # 0 + 9 + 66
             key_teachers_junior=12, pe_art_teachers_junior=9,
             teaching_aux_area_m2=6490.0, sports_area_m2=13650.0, equipment_value_yuan=2987000.0,
             multimedia_classrooms=28,
             music_rooms=2, music_room_min_area_m2=88.0, art_rooms=2, art_room_min_area_m2=86.0,
             migrant_students=140),
        dict(common, **no_primary,
             school_id=COMPLETE_ID, school_name="合成县第一中学", school_type="完全中学",
             urban_rural="城区", ownership="公办", built_year=1978,
             students_junior=1200, classes_junior=26, max_class_junior=49,
             students_senior=900,                     # 高中 file (教基3118 / 基础基314)
             teachers_above_degree_junior=92,         # 0 + 12 + 80
             key_teachers_junior=10, pe_art_teachers_junior=11,   # 6 + 艺术计 5
             teaching_aux_area_m2=11300.0,            # 12800 − 1500 (whole school; split 1 : 1.2 by the core)
             sports_area_m2=22500.0,                  # 21000 + 1500
             equipment_value_yuan=6205000.0,          # 620.50 × 10000
             multimedia_classrooms=52,
             music_rooms=3, music_room_min_area_m2=98.0, art_rooms=3, art_room_min_area_m2=92.0,
             migrant_students=90),
        dict(common,
             school_id=TWELVE_ID, school_name="合成县外国语学校", school_type="十二年一贯制学校",
             urban_rural="城区", ownership="民办", built_year=2012,
             students_primary=820, classes_primary=18, max_class_primary=47,
             teachers_above_degree_primary=52,        # 0 + 4 + 40 + 8
             key_teachers_primary=5, pe_art_teachers_primary=8,   # 4 + 艺术计 4
             students_junior=540, classes_junior=12, max_class_junior=48,
             teachers_above_degree_junior=41,         # 0 + 6 + 35
             key_teachers_junior=4, pe_art_teachers_junior=5,     # 3 + 艺术计 2
             students_senior=450,                     # 高中 file
             teaching_aux_area_m2=8900.0,             # 9800 − 900 (split 1 : 1.1 : 1.32 by the core)
             sports_area_m2=15400.0,                  # 14500 + 900
             equipment_value_yuan=4558000.0,          # 455.80 × 10000
             multimedia_classrooms=40,
             music_rooms=2, music_room_min_area_m2=90.0, art_rooms=2, art_room_min_area_m2=88.0,
             migrant_students=180),                   # 120 + 60
        # 合成县北山村小学 (closed) and 合成县高级中学 (only in the 高中 file) have no row
    ]
    # the rooms are optional in the school table (blank = no data) but the supplementary table gives them here
    fields = [c for c in schema.columns() if c.needed or c.field in (
        "built_year", "migrant_students", "music_rooms", "music_room_min_area_m2", "art_rooms", "art_room_min_area_m2")]
    frame = pd.DataFrame(rows)[[c.field for c in fields]]
    for c in fields:
        if c.kind in ("count", "year"):
            frame[c.field] = frame[c.field].astype("int64")
        elif c.kind == "number":
            frame[c.field] = frame[c.field].astype("float64")
    return frame.sort_values("school_id").reset_index(drop=True)


def expected_bands(merged: bool = False) -> dict:
    """``{school_id: {band column: classes}}`` the import should give (only non-zero counts)."""
    out: dict = {}
    for ident, _, sections, _ in _RAW:
        if ident["id"] in (CLOSED_ID, SENIOR_ONLY_ID):
            continue
        target = PARENT_ID if merged and ident["id"] == CAMPUS_ID else ident["id"]
        for stage in ("primary", "junior"):
            if stage not in sections:
                continue
            s = sections[stage]
            for b, c in zip(BANDS, band_counts(s["students"], s["classes"], s["max_class"])):
                if c:
                    col = b.column(stage)
                    out.setdefault(target, {})[col] = out.get(target, {}).get(col, 0) + c
    return out
