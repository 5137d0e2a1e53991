"""One synthetic county's statistics forms (教育事业统计基层报表, 2021 教基 forms) and a writer of its county-wide
exports in every printed layout, for the import tests of issue 25 (tests/test_import_layouts.py).

Everything here is invented (合成示例数据, 数值虚构): the county 合成县, statistics year 2023, ten schools.  What is
real is the printed wording of the forms, taken from the research on the public material (docs/import.md S1–S7;
the research notes of issue 25), **not** from junyun's mapping files — the point of the tests is that the
importer, through the bundled mapping, reads the forms as printed:

* FORMS — each form's code, title, groups and items as printed, with the source of the wording;
* EXPORT_COLUMNS — the identity and flag columns of the statistics system's school export (S4: 机构名称,
  机构编码, 办学类型, 办学类型编码, 举办者类型, 城乡分组, 城乡类型, 城乡类型编码, 统计三级, 是否计校数, 是否上年撤销,
  是否本年新增);
* COUNTY — the ten schools, :class:`SchoolForms`: identity, and per form the value of every item, as the school
  filled the form in; kept apart from any layout so that other writers (per-school workbooks of the 2021 教基
  and 2020 基础基 forms) can print the same county;
* :class:`Layout` and :func:`write_county_exports` — the county-wide export ("宽表", one row per school, one
  column per form item under merged multi-row headers) in a printed layout: 0–2 title rows, a unit row or not,
  the form code as a header row of its own or in the form's title cell, full-width or ASCII brackets, stray
  white space, the columns in another order, a 合计 row at the bottom, the top or none, the stages as three files
  or as three sheets of one workbook (with a 说明 sheet and an empty sheet).

How the county-wide export flattens a form into column paths is shown by no public material beyond the paths
the analyst script of S3 looks for; the writer puts the form (code, title) above its groups and the column
label above the row item (在校生数 › 合计, 教学班数 › #按班额分 › 46-50人), as S3 does.  Titles of 教基2106, 2107,
4156, 5170 and 5176 are not public: they are written after the 2020 forms' titles (基础基212 "小学教学班数、班额
情况", 基础基512 "中小学校舍情况", 基础基522 "中小学占地面积及其他办学条件") and marked below.

Public names
    COUNTY, YEAR, COUNTY_NAME, FORMS, FORMS_BY_CODE, EXPORT_COLUMNS, STAGE_FORMS, SchoolForms, Form, Item, Layout
    write_county_exports(folder, layout, county=, stages=, empty=, relabel=) -> [Path]
                                                        the exports of a layout (3 files, or 1 workbook)
    column_of(stage, layout, code, key), header_rows(stage, layout)   where the writer put a column, the header
    supplement_file(folder) -> Path                     the analyst's supplementary table (rooms, 建成年份)
    stage_rows(stage) -> [SchoolForms]                  the schools a stage's export lists, in its order
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

COUNTY_NAME = "合成县"
YEAR = 2023
STAGE_ZH = {"primary": "小学", "junior": "初中", "senior": "高中"}

BANDS = ("25人及以下", "26-30人", "31-35人", "36-40人", "41-45人", "46-50人", "51-55人", "56-60人", "61-65人",
         "66人及以上")
_BAND_EDGES = ((0, 25), (26, 30), (31, 35), (36, 40), (41, 45), (46, 50), (51, 55), (56, 60), (61, 65), (66, 10 ** 6))


# ------------------------------------------------------------------------------------------------ the forms
@dataclass(frozen=True)
class Item:
    """One column of a form as the county-wide export prints it: its labels below the form's title (group
    labels, then the item), full-width brackets as on the forms, and the key of its value in SchoolForms."""

    key: str
    labels: tuple


@dataclass(frozen=True)
class Form:
    """A statistics form (统计报表): code (表号), title (表名) and items as printed; ``source`` says where the
    wording comes from."""

    code: str
    title: str
    items: tuple
    source: str


def _items(*pairs) -> tuple:
    return tuple(Item(key, tuple(labels)) for key, labels in pairs)


def _class_items() -> tuple:
    # 教学班数 总计 and the class-size bands (班额): per-school rows 5, 6 … of 教基2106/2107 (lexcel C5, C6…); band
    # labels as on 基础基213 (S5); "#按班额分" as the export prints a subset group (cf. "#按学历分", S3)
    return _items(("classes", ("教学班数", "合计")),
                  *((f"band_{i}", ("教学班数", "#按班额分", label)) for i, label in enumerate(BANDS)))


def _student_items(senior: bool = False) -> tuple:
    # columns 招生数 / 在校生数 and the rows 总计, #女, #随迁子女 (06), #进城务工人员随迁子女 (09) of 教基3112/3115
    # (PHP2 in the research); printed here "其中：女", "#随迁子女", "其中：进城务工人员随迁子女" (issue 25)
    items = [("enrolled", ("招生数", "合计")), ("students", ("在校生数", "合计")), ("female", ("在校生数", "其中：女"))]
    if not senior:
        items += [("migrants", ("在校生数", "#随迁子女")), ("migrant_workers", ("在校生数", "其中：进城务工人员随迁子女"))]
    return _items(*items)


def _teacher_items(group: str) -> tuple:
    # 教基4155/4156 rows 博士研究生 … 高中阶段以下 (PHP2 $education_arr) and the subject columns 语文, 数学, 体育与健康,
    # 艺术 (音乐, 美术) (PHP2); the groups "#按学历分", "#按授课课程分" and 艺术 › 计 as S3 searches for them
    degrees = ("博士研究生", "硕士研究生", "本科", "专科", "高中阶段", "高中阶段以下")
    keys = ("doctor", "master", "bachelor", "college", "high_school", "below")
    return _items(("teachers", (group, "合计")),
                  *((k, (group, "#按学历分", d)) for k, d in zip(keys, degrees)),
                  ("chinese", (group, "#按授课课程分", "语文")), ("maths", (group, "#按授课课程分", "数学")),
                  ("pe", (group, "#按授课课程分", "体育与健康")), ("art", (group, "#按授课课程分", "艺术", "计")),
                  ("music", (group, "#按授课课程分", "艺术", "音乐")), ("fine_art", (group, "#按授课课程分", "艺术", "美术")))


FORMS = (
    Form("教基1102续", "学校（机构）基本情况续表",
         _items(("key_primary", ("县级以上骨干教师（小学）",)), ("key_junior", ("县级以上骨干教师（初中）",)),
                ("key_senior", ("县级以上骨干教师（高中）",))),
         "issue 25 (group cell \"教基1102续 学校（机构）基本情况续表\"); items: S3 \"教基1102 › 县级以上骨干教师(小学)\", "
         "per-school 1102续 D12/D13 (lexcel bs1102Import)"),
    Form("教基2106", "小学教学班数、班额情况", _class_items(),
         "title assumed after 基础基212 (S1 目录); rows per lexcel JJP2106 C5, C6…; band labels S5"),
    Form("教基2107", "初中教学班数、班额情况", _class_items(),
         "title assumed after 基础基212/213; rows per lexcel JJJ2107 C5, C6…; band labels S5"),
    Form("教基3112", "小学分类型学生数", _student_items(), "title and rows: PHP2, HTML2 (research 1.3)"),
    Form("教基3115", "初中分类型学生数", _student_items(), "title and rows: PHP2, HTML2"),
    Form("教基3118", "普通高中分类型学生数", _student_items(senior=True), "title and rows: PHP2, HTML2"),
    Form("教基4155", "专任教师分课程、分学历情况", _teacher_items("专任教师"), "title: HTML2; rows and columns: PHP2, S3"),
    Form("教基4156", "中学专任教师分课程、分学历情况", _teacher_items("初中专任教师"),
         "title assumed (中学 form, rows 初中 / 高中); the 初中 file prints its group \"初中专任教师\" (issue 25)"),
    Form("教基5170", "中小学校舍情况",
         _items(("building_total", ("本学年校舍建筑面积（平方米）", "合计")),
                ("teaching_aux", ("本学年校舍建筑面积（平方米）", "一、教学及辅助用房", "计")),
                ("indoor_sports", ("本学年校舍建筑面积（平方米）", "一、教学及辅助用房", "其中：室内体育用房")),
                ("office", ("本学年校舍建筑面积（平方米）", "二、行政办公用房", "计"))),
         "title assumed after 基础基512; 本学年校舍建筑面积 › 教学及辅助用房 › 计 / 室内体育用房: S3; rows MOE21"),
    Form("教基5176", "中小学占地面积及其他办学条件",
         _items(("land", ("占地面积（平方米）", "计")), ("green", ("占地面积（平方米）", "其中", "绿化用地面积")),
                ("sports_ground", ("占地面积（平方米）", "其中", "运动场地面积")), ("books", ("图书（册）",)),
                ("multimedia", ("网络多媒体教室（间）",)), ("assets", ("固定资产总值", "合计（万元）")),
                ("equipment", ("固定资产总值", "教学仪器设备资产值（万元）"))),
         "title after 基础基522 and issue 25 (\"教基5176 中小学占地面积及其他办学条件\"); items: S3, S1 基础基521, CAMPUS"),
)
FORMS_BY_CODE = {f.code: f for f in FORMS}
#: the forms each stage's export prints (whole-school forms 1102续, 5170, 5176 in both compulsory files)
STAGE_FORMS = {"primary": ("教基3112", "教基2106", "教基4155", "教基1102续", "教基5170", "教基5176"),
               "junior": ("教基3115", "教基2107", "教基4156", "教基1102续", "教基5170", "教基5176"),
               "senior": ("教基3118",)}
#: the school export's own columns (S4), and the SchoolForms attribute each shows
EXPORT_COLUMNS = (("机构名称", "name"), ("机构编码", "id"), ("办学类型", "type"), ("办学类型编码", "type_code"),
                  ("举办者类型", "sponsor"), ("城乡分组", "urban_group"), ("城乡类型", "urban_name"),
                  ("城乡类型编码", "urban_code"), ("统计三级", "county"), ("是否计校数", "counted"),
                  ("是否上年撤销", "closed"), ("是否本年新增", "new"))


# ----------------------------------------------------------------------------------------------- the county
@dataclass(frozen=True)
class SchoolForms:
    """One school as its forms show it: identity, and ``values[form code][item key]`` for every form it fills."""

    id: str
    name: str
    type: str
    type_code: str
    sponsor: str
    urban_code: str
    urban_name: str
    values: dict
    supplement: dict = field(default_factory=dict)   # what no form has: rooms and their areas, 建成年份
    counted: int = 1
    closed: int = 0
    new: int = 0
    county: str = COUNTY_NAME

    @property
    def urban_group(self) -> str:
        return "乡村" if self.urban_code.startswith("2") else ("镇区" if self.urban_code.startswith("12") else "城区")

    def stages(self) -> tuple:
        return tuple(s for s in STAGE_ZH if STAGE_FORMS[s][0] in self.values)


def _bands(students: int, classes: int, largest: int) -> dict:
    """Classes per band: one class of ``largest`` pupils, the others as even as possible."""
    sizes = [largest]
    if classes > 1:
        base, extra = divmod(students - largest, classes - 1)
        sizes += [base + 1] * extra + [base] * (classes - 1 - extra)
    assert sum(sizes) == students and max(sizes) == largest, (students, classes, largest)
    counts = {f"band_{i}": 0 for i in range(len(BANDS))}
    for size in sizes:
        counts[f"band_{next(i for i, (lo, hi) in enumerate(_BAND_EDGES) if lo <= size <= hi)}"] += 1
    return counts


def _students(enrolled, students, female, migrants=None, workers=None) -> dict:
    out = dict(enrolled=enrolled, students=students, female=female)
    if migrants is not None:
        out.update(migrants=migrants, migrant_workers=workers)
    return out


def _classes(students: int, classes: int, largest: int) -> dict:
    return dict(classes=classes, **_bands(students, classes, largest))


def _teachers(teachers, doctor, master, bachelor, college, high_school, below, chinese, maths, pe, music, fine_art):
    return dict(teachers=teachers, doctor=doctor, master=master, bachelor=bachelor, college=college,
                high_school=high_school, below=below, chinese=chinese, maths=maths, pe=pe, art=music + fine_art,
                music=music, fine_art=fine_art)


def _keys(primary=0, junior=0, senior=0) -> dict:
    return dict(key_primary=primary, key_junior=junior, key_senior=senior)


def _building(total, teaching_aux, indoor_sports, office) -> dict:
    return dict(building_total=total, teaching_aux=teaching_aux, indoor_sports=indoor_sports, office=office)


def _land(land, green, sports_ground, books, multimedia, assets, equipment) -> dict:
    return dict(land=land, green=green, sports_ground=sports_ground, books=books, multimedia=multimedia,
                assets=assets, equipment=equipment)


def _rooms(music, music_area, art, art_area, built) -> dict:
    return dict(music_rooms=music, music_room_min_area_m2=music_area, art_rooms=art, art_room_min_area_m2=art_area,
                built_year=built)


COUNTY = [
    SchoolForms("3601990101", "合成县实验小学", "小学", "211", "教育部门", "111", "主城区", {
        "教基3112": _students(230, 1380, 650, 420, 380), "教基2106": _classes(1380, 30, 50),
        "教基4155": _teachers(78, 0, 5, 60, 10, 3, 0, 25, 18, 6, 4, 3), "教基1102续": _keys(primary=12),
        "教基5170": _building(9800, 7200, 900, 1500),
        "教基5176": _land(26000, 6000, 9500, 52000, 32, 1450.6, 345.26)},
        _rooms(3, 96, 3, 92, 1958)),
    SchoolForms("3601990102", "合成县育才小学", "小学", "211", "民办", "112", "城乡结合区", {
        "教基3112": _students(110, 620, 290, 300, 280), "教基2106": _classes(620, 14, 46),
        "教基4155": _teachers(32, 0, 1, 24, 6, 1, 0, 10, 8, 2, 2, 1), "教基1102续": _keys(),
        "教基5170": _building(4300, 3100, 300, 600),
        "教基5176": _land(9000, 2000, 4200, 18000, 15, 480.0, 118.4)},
        _rooms(1, 80, 1, 76, 2015), new=1),
    SchoolForms("3601990103", "合成县河西乡中心小学", "小学", "211", "教育部门", "210", "乡中心区", {
        "教基3112": _students(50, 310, 150, 8, 5), "教基2106": _classes(310, 9, 38),
        "教基4155": _teachers(20, 0, 0, 11, 7, 2, 0, 7, 6, 1, 1, 0), "教基1102续": _keys(primary=2),
        "教基5170": _building(2200, 1600, 0, 300),
        "教基5176": _land(12000, 3000, 5200, 9000, 9, 96.5, 52.7)},
        _rooms(1, 64, 0, 0, 2004)),
    # a small rural school (乡村小规模学校): 68 pupils
    SchoolForms("3601990104", "合成县石门村小学", "小学", "211", "教育部门", "220", "村庄", {
        "教基3112": _students(10, 68, 30, 0, 0), "教基2106": _classes(68, 6, 15),
        "教基4155": _teachers(8, 0, 0, 3, 4, 1, 0, 3, 3, 0, 0, 0), "教基1102续": _keys(),
        "教基5170": _building(620, 480, 0, 60),
        "教基5176": _land(3500, 800, 1600, 2000, 6, 21.3, 9.8)},
        _rooms(0, 0, 0, 0, 1996)),
    SchoolForms("3601990105", "合成县东湖学校", "九年一贯制学校", "312", "教育部门", "121", "镇中心区", {
        "教基3112": _students(120, 720, 340, 60, 50), "教基2106": _classes(720, 16, 47),
        "教基4155": _teachers(40, 0, 2, 28, 8, 2, 0, 12, 10, 3, 2, 2),
        "教基3115": _students(200, 590, 280, 40, 35), "教基2107": _classes(590, 12, 52),
        "教基4156": _teachers(45, 1, 4, 34, 6, 0, 0, 8, 8, 3, 2, 1), "教基1102续": _keys(primary=5, junior=4),
        "教基5170": _building(8800, 6100, 700, 1200),
        "教基5176": _land(30000, 7000, 11800, 40000, 28, 980.4, 268.35)},
        _rooms(2, 90, 2, 88, 2009)),
    SchoolForms("3601990201", "合成县第二中学", "初级中学", "311", "教育部门", "122", "镇乡结合区", {
        "教基3115": _students(380, 1120, 530, 90, 80), "教基2107": _classes(1120, 23, 51),
        "教基4156": _teachers(88, 0, 8, 70, 10, 0, 0, 14, 14, 5, 2, 2), "教基1102续": _keys(junior=11),
        "教基5170": _building(11200, 7800, 1200, 1800),
        "教基5176": _land(42000, 9000, 15600, 60000, 30, 1320.0, 312.6)},
        _rooms(2, 98, 2, 95, 1988)),
    SchoolForms("3601990202", "合成县城关中学", "初级中学", "311", "教育部门", "111", "主城区", {
        "教基3115": _students(420, 1260, 600, 380, 360), "教基2107": _classes(1260, 26, 50),
        "教基4156": _teachers(96, 1, 12, 75, 8, 0, 0, 15, 15, 6, 3, 3), "教基1102续": _keys(junior=15),
        "教基5170": _building(12500, 8900, 1500, 2000),
        "教基5176": _land(36000, 8000, 14000, 70000, 34, 1650.75, 410.25)},
        _rooms(3, 100, 3, 96, 2001)),
    # 完全中学: the 初中 file and the 高中 file (950 senior pupils)
    SchoolForms("3601990203", "合成县第一中学", "完全中学", "341", "教育部门", "111", "主城区", {
        "教基3115": _students(400, 1180, 560, 100, 90), "教基2107": _classes(1180, 24, 51),
        "教基4156": _teachers(90, 0, 10, 72, 8, 0, 0, 14, 14, 5, 3, 2),
        "教基3118": _students(320, 950, 480), "教基1102续": _keys(junior=9, senior=14),
        "教基5170": _building(24000, 15800, 2400, 3200),
        "教基5176": _land(80000, 18000, 28000, 150000, 60, 3800.0, 820.5)},
        _rooms(4, 105, 4, 100, 1952)),
    # 十二年一贯制 (民办): all three files
    SchoolForms("3601990204", "合成县外国语学校", "十二年一贯制学校", "345", "民办", "112", "城乡结合区", {
        "教基3112": _students(140, 840, 400, 130, 120), "教基2106": _classes(840, 18, 48),
        "教基4155": _teachers(50, 0, 4, 38, 6, 2, 0, 14, 12, 4, 2, 2),
        "教基3115": _students(180, 540, 260, 70, 60), "教基2107": _classes(540, 12, 46),
        "教基4156": _teachers(42, 0, 6, 33, 3, 0, 0, 7, 7, 3, 1, 1),
        "教基3118": _students(150, 430, 220), "教基1102续": _keys(primary=4, junior=3, senior=5),
        "教基5170": _building(14000, 10200, 1000, 1500),
        "教基5176": _land(50000, 11000, 15000, 90000, 42, 2100.8, 468.9)},
        _rooms(2, 96, 2, 92, 2012)),
    # 高级中学: only in the 高中 file, not a compulsory school
    SchoolForms("3601990301", "合成县高级中学", "高级中学", "342", "教育部门", "111", "主城区", {
        "教基3118": _students(600, 1780, 900)}),
]
COUNTY_BY_ID = {s.id: s for s in COUNTY}


def stage_rows(stage: str, county: list | None = None) -> list[SchoolForms]:
    """The schools a stage's export lists, in the export's order (the county's order)."""
    return [s for s in (COUNTY if county is None else county) if stage in s.stages()]


# ---------------------------------------------------------------------------------------------- the layouts
@dataclass(frozen=True)
class Layout:
    """How a county-wide export is printed (表式的印刷差异)."""

    title_rows: int = 1            # 0–2 title rows above the header
    unit_row: bool = False         # a unit row "单位：人" under the titles
    code_row: bool = True          # the form code as a header row of its own (else in the title's group cell)
    ascii_brackets: bool = False   # (万元) instead of （万元）, : instead of ：
    spaces: bool = False           # stray white space and line breaks in header texts
    order_seed: int | None = None  # None: the forms' order; else columns and groups shuffled with this seed
    one_workbook: bool = False     # the three stages as sheets of one workbook (else three files)
    extra_sheets: bool = False     # with one workbook: a 说明 sheet first and an empty sheet last
    summary: str = "bottom"        # where the 合计 row stands: "bottom", "top" or "none"


def _printed(text: str, layout: Layout) -> str:
    if layout.ascii_brackets:
        text = text.replace("（", "(").replace("）", ")").replace("：", ":")
    if layout.spaces and len(text) > 2:
        # a full-width space inside, a line break before a bracket, a trailing space: as cells are typed
        text = text[0] + "\u3000" + text[1:]
        text = text.replace("(", "\n(").replace("（", "\n（") + " "
    return text


def _columns(stage: str, layout: Layout, relabel: dict | None = None) -> list[tuple[tuple, tuple]]:
    """``[(header path as printed, (form code | None, key))]`` of a stage's export, in the layout's order;
    ``relabel`` prints other labels for some items: ``{(form code, item key): labels}``."""
    identity = [((label,), (None, key)) for label, key in EXPORT_COLUMNS]
    blocks = [identity]
    for code in STAGE_FORMS[stage]:
        form = FORMS_BY_CODE[code]
        top = (code, form.title) if layout.code_row else (f"{code} {form.title}",)
        blocks.append([(top + (relabel or {}).get((code, item.key), item.labels), (code, item.key))
                       for item in form.items])
    if layout.order_seed is not None:
        rng = random.Random(f"{layout.order_seed}-{stage}")
        rng.shuffle(blocks)
        below_form = 2 if layout.code_row else 1     # the form's code and title head every column of its block
        blocks = [_shuffled(block, 0 if block is identity else below_form, rng) for block in blocks]
    return [(tuple(_printed(t, layout) for t in path), ref) for block in blocks for path, ref in block]


def _shuffled(columns: list, level: int, rng: random.Random) -> list:
    """The columns with the groups below ``level`` shuffled at every level; a group's columns stay together."""
    groups: dict = {}
    for path, ref in columns:
        key = path[level] if level < len(path) else None
        groups.setdefault(key, []).append((path, ref))
    order = list(groups)
    rng.shuffle(order)
    out = []
    for key in order:
        members = groups[key]
        out += members if key is None or len(members) == 1 else _shuffled(members, level + 1, rng)
    return out


def _value(school: SchoolForms, ref: tuple):
    code, key = ref
    if code is None:
        return school.county if key == "county" else getattr(school, key)
    return school.values[code][key]


def column_of(stage: str, layout: Layout, code: str | None, key: str) -> int:
    """The column (1-based) of a form item (``code`` None: an export column such as ``id``) in a stage's export."""
    return 1 + [ref for _, ref in _columns(stage, layout)].index((code, key))


def header_rows(stage: str, layout: Layout) -> tuple[int, int]:
    """The first and last row of a stage's header block as the writer puts it."""
    top = 1 + layout.title_rows + layout.unit_row
    return top, top + max(len(p) for p, _ in _columns(stage, layout)) - 1


def _write_sheet(ws, stage: str, layout: Layout, county: list, empty: bool = False, relabel: dict | None = None):
    """One stage's export on ``ws``: title rows, unit row, the merged header block, a row per school, the 合计 row
    (``empty``: the header alone)."""
    columns = _columns(stage, layout, relabel)
    paths = [p for p, _ in columns]
    n, depth = len(paths), max(len(p) for p in paths)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    row = 1
    titles = [f"{COUNTY_NAME}{YEAR}年{STAGE_ZH[stage]}基层统计数据（合成示例数据，数值虚构）",
              "教育事业统计基层报表 县级汇总导出"][:layout.title_rows]
    for text in titles:
        ws.cell(row, 1, text).font = Font(bold=True, size=14 if row == 1 else 11)
        ws.cell(row, 1).alignment = centre
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=n)
        row += 1
    if layout.unit_row:
        ws.cell(row, n, _printed("单位：人", Layout(ascii_brackets=layout.ascii_brackets)))
        row += 1
    top = row
    for level in range(depth):
        j = 0
        while j < n:
            p = paths[j]
            if len(p) <= level:              # inside the downward merge of a shorter path
                j += 1
                continue
            ends = len(p) == level + 1
            k = j
            while k + 1 < n and len(paths[k + 1]) > level and paths[k + 1][:level + 1] == p[:level + 1] and \
                    (len(paths[k + 1]) == level + 1) == ends:
                k += 1
            cell = ws.cell(top + level, j + 1, p[level])
            cell.alignment, cell.font = centre, Font(bold=True)
            last = top + depth - 1 if ends else top + level
            if k > j or last > top + level:
                ws.merge_cells(start_row=top + level, start_column=j + 1, end_row=last, end_column=k + 1)
            j = k + 1
    schools = [] if empty else stage_rows(stage, county)
    rows = [[_value(s, ref) for _, ref in columns] for s in schools]
    if layout.summary != "none" and schools:
        total = []
        for _, (code, key) in columns:
            if code is None:
                total.append("合计" if key == "county" else None)
            else:
                total.append(round(sum(s.values[code][key] for s in schools), 2))
        rows = [total] + rows if layout.summary == "top" else rows + [total]
    for i, values in enumerate(rows):
        for j, v in enumerate(values):
            cell = ws.cell(top + depth + i, j + 1, v)
            if isinstance(v, str):
                cell.number_format = "@"


def _sheet_name(stage: str) -> str:
    return STAGE_ZH[stage]


def write_county_exports(folder, layout: Layout = Layout(), *, county: list | None = None,
                         stages=("primary", "junior", "senior"), empty=(), relabel: dict | None = None) -> list[Path]:
    """The county-wide export of ``stages`` in ``layout``: one file each (``<县><年>年<学段>.xlsx``, sheet Sheet1)
    or one workbook (``<县><年>年基层统计数据.xlsx``, sheets 小学, 初中, 高中).  ``county``: other schools than
    COUNTY; ``empty``: stages written with their header and no school row; ``relabel``: see :func:`_columns`."""
    county = COUNTY if county is None else county
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if layout.one_workbook:
        book = openpyxl.Workbook()
        first = book.active
        if layout.extra_sheets:
            first.title = "说明"
            first.cell(1, 1, "本工作簿由教育事业统计系统导出（合成示例数据，数值虚构）。各工作表为各学段学校的基层统计数据。")
            first.cell(2, 1, "注：金额单位为万元，面积单位为平方米。")
        else:
            book.remove(first)
        for stage in stages:
            _write_sheet(book.create_sheet(_sheet_name(stage)), stage, layout, county, stage in empty, relabel)
        if layout.extra_sheets:
            book.create_sheet("Sheet3")
        path = folder / f"{COUNTY_NAME}{YEAR}年基层统计数据.xlsx"
        book.save(path)
        return [path]
    out = []
    for stage in stages:
        book = openpyxl.Workbook()
        book.active.title = "Sheet1"
        _write_sheet(book.active, stage, layout, county, stage in empty, relabel)
        path = folder / f"{COUNTY_NAME}{YEAR}年{STAGE_ZH[stage]}.xlsx"
        book.save(path)
        out.append(path)
    return out


SUPPLEMENT_HEADERS = ["学校标识码", "学校名称", "音乐专用教室数", "音乐专用教室最小面积", "美术专用教室数", "美术专用教室最小面积",
                      "建成年份"]


def supplement_file(folder, name: str = "补充数据.csv", schools=None) -> Path:
    """The analyst's supplementary table (CSV): rooms and 建成年份 of every compulsory school (of ``schools``,
    default the whole county)."""
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(SUPPLEMENT_HEADERS)
        for s in COUNTY if schools is None else schools:
            if s.supplement:
                r = s.supplement
                writer.writerow([s.id, s.name, r["music_rooms"], r["music_room_min_area_m2"], r["art_rooms"],
                                 r["art_room_min_area_m2"], r["built_year"]])
    return path
