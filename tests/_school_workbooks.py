"""Fixture writer for per-school workbooks (学校基层统计报表：一所学校一个工作簿，每张表一个工作表), 2021 (教基) and
2020 (基础基), for the fixed synthetic county of tests/_forms.py.

The generator's input is the forms as printed — FORMS_2021 / FORMS_2020 below: each form's code, title, unit,
the header texts of its label columns (甲, 乙), its column labels (top to bottom) and its row labels (group to
item), from the research on the public material (docs/import.md, "Per-school workbooks": the real 2020
workbook of alexLeezh/lexcel for 基础基111/112/211/311/4211/511/521, lexcel's readers and a public form generator
for the 2021 forms; the rest inferred) — and the county's values per school and form (tests/_forms.py COUNTY,
the same county its county-wide exports print), placed at the printed row and column labels by
``form_values``.  The mapping files (rules/imports/*.toml) are never read here: the importer's
``[school_forms]`` table has to find these cells by the same labels independently.

Everything is invented (合成示例数据, 数值虚构): county 合成县, statistics year 2023 (the 2020 forms too, so that
both series give the same table).  Items the county's forms do not hold (高中 teachers and classes, the
2020 213 合计) are filled with unrelated numbers, like every cell junyun does not read.

Public names
    COUNTY_NAME, YEAR, SCHOOLS (tests/_forms.py COUNTY), FORMS_2021, FORMS_2020, Form, Layout, layouts() (a
    Hypothesis strategy), form_values(school, version), forms_for(school, version), sheet_name(code, version,
    layout, school), write_school_workbook(path, school, version, layout), county_workbooks(folder, version,
    layout, schools=SCHOOLS) → [Path], supplement_file(folder, schools=SCHOOLS) → Path
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

import _forms as fm

COUNTY_NAME = fm.COUNTY_NAME
YEAR = fm.YEAR
SYNTHETIC_NOTE = "注：合成示例数据，数值虚构"
BAND_LABELS = fm.BANDS
#: the county: ten schools with their forms' values (a 九年一贯制, a 完全中学, a 十二年一贯制, a 68-pupil village
#: school, a 高级中学 whose workbook holds senior forms only)
SCHOOLS = tuple(fm.COUNTY)


# ------------------------------------------------------------------------------------------------- the forms
@dataclass(frozen=True)
class Form:
    """A form as printed (基层报表表式): ``columns`` are (labels top to bottom, key), ``rows`` (labels from the group
    to the item, key); a key is what :func:`form_values` places there, None an item junyun does not read."""

    code: str
    title: str
    unit: str                 # the unit row's "单位：…" ("" where units are per row or per column)
    labels: tuple             # header texts of the 甲 (row label) and 乙 (编号 / 代码) columns
    columns: tuple = ()
    rows: tuple = ()
    kind: str = "table"       # "table"; "list" (a vertical item list: text allowed, other items blank);
                              # "blocks" (基础基111: labels above their values)
    stages: tuple = ()        # the school stages that file it (() = every school)
    row_units: dict = field(default_factory=dict)   # a 计量单位 column after 乙: label → unit


def _rows(*labels, keys=None):
    """Rows from labels (a text, or a tuple group → item); ``keys`` by the label tuple or by the item's text."""
    keys, out = keys or {}, []
    for lab in labels:
        lab = (lab,) if isinstance(lab, str) else tuple(lab)
        out.append((lab, keys.get(lab, keys.get(lab[-1]) if len(lab) == 1 else None)))
    return tuple(out)


_BAND_KEYS = {b: f"band{i}" for i, b in enumerate(BAND_LABELS)}
_GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级")

# 2021 (教基): column A 指标名称 (甲), B 代码 (乙), values from C (lexcel reads 教基1001 C4 / C27, 1102续 D12 / D13,
# 2106 C5…C9, 2107 C5…C10, 3112 I6, 3115 / 3118 E6, 4155 C9…C12 and L6 …, 5170 F10 / F17, 5176 D7 / D17 / D19)
_A = ("指标名称", "代码")
_IDENTITY_ROWS = _rows(
    "学校（机构）标识码", "学校（机构）名称", "学校（机构）英文名称", "学校（机构）地址", "学校（机构）所在地城乡类型",
    ("学校（机构）所在地城乡类型", "名称"), ("学校（机构）所在地城乡类型", "代码"), "学校（机构）属地管理教育行政部门",
    ("学校（机构）属地管理教育行政部门", "名称"), ("学校（机构）属地管理教育行政部门", "代码"), "学校（机构）办学类型",
    ("学校（机构）办学类型", "名称"), ("学校（机构）办学类型", "代码"), "学校（机构）举办者", ("学校（机构）举办者", "名称"),
    ("学校（机构）举办者", "代码"), "邮政编码", "办公电话", "校园网域名",
    keys={"学校（机构）标识码": "id", "学校（机构）名称": "name", "学校（机构）地址": "address",
          ("学校（机构）所在地城乡类型", "名称"): "urban_name", ("学校（机构）所在地城乡类型", "代码"): "urban_code",
          ("学校（机构）属地管理教育行政部门", "名称"): "authority", ("学校（机构）办学类型", "名称"): "type_name",
          ("学校（机构）办学类型", "代码"): "type_code", ("学校（机构）举办者", "名称"): "sponsor",
          ("学校（机构）举办者", "代码"): "sponsor_code"})
_TEACHER_COLUMNS_2021 = ((("道德与法治",), None), (("语文",), "chinese"), (("数学",), "maths"), (("外语", "英语"), None),
                         (("外语", "其他外语"), None))
_ARTS = ((("体育与健康",), "pe"), (("艺术", "计"), "art"), (("艺术", "音乐"), "music"), (("艺术", "美术"), "fine"))
_DEGREES_2021 = ("博士研究生", "doctor"), ("硕士研究生", "master"), ("本科", "bachelor"), ("专科", "college"), \
    ("高中阶段", "high"), ("高中阶段以下", "below")
_DEGREES_2020 = ("研究生毕业", "graduate"), ("本科毕业", "bachelor"), ("专科毕业", "college"), \
    ("高中阶段毕业", "high"), ("高中阶段毕业以下", "below")


def _secondary_rows(degrees, female: str):
    """中学 teacher rows: 总计, then a 初中 and a 高中 group, each with its own degree rows."""
    rows = [(("总计",), None)]
    for group, word in (("junior", "初中"), ("senior", "高中")):
        rows += [((word,), f"{group}:total"), ((female,), None), (("#少数民族" if female.startswith("#") else "少数民族",),
                                                                    None)]
        rows += [((label,), f"{group}:{key}") for label, key in degrees]
    return tuple(rows)


FORMS_2021 = (
    Form("1001", "学校（机构）基本情况", "", _A, ((("内容",), "value"),), _IDENTITY_ROWS, kind="list"),
    Form("1102续", "学校（机构）基本情况续表", "", _A, ((("内容",), "value"),), _rows(
        "乡镇中心学校", "体育运动场（馆）面积是否达标", "接入互联网出口带宽", "上学年体检学生数",
        "县级以上骨干教师（小学）", "县级以上骨干教师（初中）", "县级以上骨干教师（高中）", "安全保卫人员", "心理健康教育教师",
        "其中：专职", "政府购买学位数", "其中：用于进城务工人员随迁子女的学位数",
        keys={"县级以上骨干教师（小学）": "key_primary", "县级以上骨干教师（初中）": "key_junior"}), kind="list",
        row_units={"接入互联网出口带宽": "Mbps", "上学年体检学生数": "人", "县级以上骨干教师（小学）": "人",
                   "县级以上骨干教师（初中）": "人", "县级以上骨干教师（高中）": "人", "安全保卫人员": "人",
                   "心理健康教育教师": "人", "其中：专职": "人", "政府购买学位数": "个", "其中：用于进城务工人员随迁子女的学位数": "个"}),
    Form("2106", "小学教学班数、班额情况", "个", _A, ((("合计",), "all"),) + tuple(((g,), None) for g in _GRADES),
         _rows("总计", *BAND_LABELS, keys={"总计": "classes", **_BAND_KEYS}), stages=("primary",)),
    Form("2107", "初中教学班数、班额情况", "个", _A, ((("合计",), "all"),) + tuple(((g,), None) for g in _GRADES[:4]),
         _rows("总计", *BAND_LABELS, keys={"总计": "classes", **_BAND_KEYS}), stages=("junior",)),
    Form("3112", "小学分类型学生数", "人", _A, (
        (("毕业生数",), None), (("招生数",), "enrolled"), (("其中：接受学前教育年限", "未接受过"), None),
        (("其中：接受学前教育年限", "一年"), None), (("其中：接受学前教育年限", "两年"), None),
        (("其中：接受学前教育年限", "三年"), None), (("在校生数",), "students"), (("其中：女",), None)) + tuple(
        (("分年级在校生数", g), f"grade{k}") for k, g in enumerate(_GRADES, 1)) + ((("预计毕业生数",), None),), _rows(
        "总计", "#女", "#少数民族", "#复式班", "#寄宿生", "#随迁子女", "外省迁入", "本省外县迁入", "#进城务工人员随迁子女",
        "外省迁入", "本省外县迁入", "#农村留守儿童", keys={"总计": "students", "#女": "female", "#随迁子女": "migrants",
                                  "#进城务工人员随迁子女": "migrant_workers"}),
        stages=("primary",)),
    Form("3115", "初中分类型学生数", "人", _A, (
        (("毕业生数",), None), (("招生数",), "enrolled"), (("在校生数",), "students"), (("其中：女",), None)) + tuple(
        (("分年级在校生数", g), f"grade{k}") for k, g in enumerate(_GRADES[:4], 1)) + ((("预计毕业生数",), None),), _rows(
        "总计", "#女", "#少数民族", "#寄宿生", "#随迁子女", "外省迁入", "本省外县迁入", "#进城务工人员随迁子女", "外省迁入",
        "本省外县迁入", "#农村留守儿童", keys={"总计": "students", "#女": "female", "#随迁子女": "migrants",
                                  "#进城务工人员随迁子女": "migrant_workers"}),
        stages=("junior",)),
    Form("3118", "普通高中分类型学生数", "人", _A, (
        (("毕业生数",), None), (("招生数",), "enrolled"), (("在校生数",), "students"), (("其中：女",), None)) + tuple(
        (("分年级在校生数", g), None) for g in _GRADES[:3]) + ((("预计毕业生数",), None),),
        _rows("总计", "#女", "#少数民族", "#寄宿生", "#随迁子女", "#进城务工人员随迁子女", keys={"总计": "students", "#女": "female"}),
        stages=("senior",)),
    Form("4155", "小学专任教师分课程、分学历情况", "人", _A, ((("合计",), "all"), (("其中：女",), None)) +
         _TEACHER_COLUMNS_2021 + ((("科学",), None), (("信息科技",), None)) + _ARTS +
         ((("劳动",), None), (("综合实践活动",), None), (("其他",), None), (("本学年不授课",), None)),
         _rows("总计", "#女", "#少数民族", *(d for d, _ in _DEGREES_2021), keys={"总计": "total", **dict(_DEGREES_2021)}),
         stages=("primary",)),
    Form("4156", "中学专任教师分课程、分学历情况", "人", _A, ((("合计",), "all"), (("其中：女",), None)) +
         _TEACHER_COLUMNS_2021 + tuple(((t,), None) for t in ("历史", "地理", "物理", "化学", "生物学", "信息科技")) +
         _ARTS + ((("劳动",), None), (("综合实践活动",), None), (("其他",), None)),
         _secondary_rows(_DEGREES_2021, "#女"), stages=("junior", "senior")),
    Form("5170", "校舍情况", "平方米", _A, (
        (("上学年初报表校舍建筑面积",), None), (("本学年增加校舍建筑面积",), None), (("本学年减少校舍建筑面积",), None),
        (("本学年校舍建筑面积",), "area"), (("其中：危房面积",), None), (("其中：被外单位借用",), None)),
        _rows("总计", "一、教学及辅助用房", "教室", "专用教室", "理化生实验室", "其他", "公共教学用房", "图书阅览室", "室内体育用房",
              "心理辅导室", "其他", "二、行政办公用房", "教师办公室", "三、生活用房", "学生宿舍", "学生食堂", "四、其他用房",
              keys={"一、教学及辅助用房": "teaching_aux", "室内体育用房": "indoor"}), stages=("primary", "junior")),
    Form("5176", "占地面积及其他办学条件", "", _A, ((("内容",), "value"),), _rows(
        "占地面积", "其中：绿化用地面积", "其中：运动场地面积", "室外运动场地面积（不含屋顶）", "图书", "其中：本年新增",
        "数字资源量", "计算机数", "其中：教学用计算机", "平板电脑", "网络多媒体教室", "固定资产总值", "其中：教学仪器设备资产值",
        "其中：信息化设备资产值", keys={"其中：运动场地面积": "sports_ground", "网络多媒体教室": "multimedia",
                                 "其中：教学仪器设备资产值": "equipment_wan"}), kind="list", stages=("primary", "junior"),
        row_units={"占地面积": "平方米", "其中：绿化用地面积": "平方米", "其中：运动场地面积": "平方米",
                   "室外运动场地面积（不含屋顶）": "平方米", "图书": "册", "其中：本年新增": "册", "数字资源量": "GB",
                   "计算机数": "台", "其中：教学用计算机": "台", "平板电脑": "台", "网络多媒体教室": "间", "固定资产总值": "万元",
                   "其中：教学仪器设备资产值": "万元", "其中：信息化设备资产值": "万元"}),
)

_STUDENT_ROWS_2020 = _rows("总计", "女", "少数民族", "其中：随迁子女", "其中：进城务工人员随迁子女", "其中：农村留守儿童",
                           keys={"总计": "students", "女": "female", "其中：随迁子女": "migrants",
                                 "其中：进城务工人员随迁子女": "migrant_workers"})


def _class_rows(other: str) -> tuple:
    """基础基212 / 213 rows: 总计, a 其中 row, then the bands in a 班额 group (its label beside them)."""
    return ((("总计",), "classes"), ((other,), None)) + tuple((("班额", b), _BAND_KEYS[b]) for b in BAND_LABELS)


# 2020 (基础基), as the real 2020 workbook prints its forms: 111 labels above their values (名称 / 代码 rows, 续 rows,
# 学校（机构）举办者 printed again in the 附设班 block); 112 项目 | 编号 | 内容 | 单位 | 备注; tables with a blank 甲
# header, 编号, 甲 乙 1 2 … under the header; 511/512 labels over two columns with 其中 groups
_B = ("", "编号")
_SUBJECT_KEYS = {"语文": "chinese", "数学": "maths"}
FORMS_2020 = (
    Form("111", "基础教育学校（机构）统计调查表", "", (), kind="blocks"),
    Form("112", "学校（机构）基本情况", "", ("项目", "编号"), ((("内容",), "value"), (("单位",), "unit"), (("备注",), "note")),
         _rows("乡镇中心幼儿园", "乡镇中心小学", "附属学校（园）", "体育运动场（馆）面积是否达标", "数学自然实验仪器是否达标（小学）",
               "接入互联网出口带宽", "上学年体检学生数", "县级及以上骨干教师（小学）", "县级及以上骨干教师（初中）",
               "县级及以上骨干教师（高中）", "安全保卫人员", "心理健康教育教师", "其中：专职", "校园足球场", "政府购买学位数",
               "其中：用于进城务工人员随迁子女的学位数",
               keys={"县级及以上骨干教师（小学）": "key_primary", "县级及以上骨干教师（初中）": "key_junior"}), kind="list"),
    Form("212", "小学教学班数、班额情况", "个", _B, ((("合计",), "all"),) + tuple(((g,), None) for g in _GRADES),
         _class_rows("其中：复式班"), stages=("primary",)),
    Form("213", "中学教学班数、班额情况", "个", _B, ((("合计",), "both"), (("初中", "计"), "junior")) + tuple(
        (("初中", g), None) for g in _GRADES[:4]) + ((("高中", "计"), "senior"),) + tuple(
        (("高中", g), None) for g in _GRADES[:3]),
        _class_rows("其中：四年制初中"), stages=("junior", "senior")),
    Form("312", "小学学生数", "人", _B, (
        (("毕业生数",), None), (("招生数", "计"), "enrolled"), (("招生数", "其中：女"), None),
        (("在校生数", "合计"), "students"), (("在校生数", "其中：女"), None)) + tuple(
        (("在校生数", g), f"grade{k}") for k, g in enumerate(_GRADES, 1)) + ((("预计毕业生数",), None),),
        _STUDENT_ROWS_2020, stages=("primary",)),
    Form("313", "初中学生数", "人", _B, (
        (("毕业生数",), None), (("招生数", "计"), "enrolled"), (("招生数", "其中：女"), None),
        (("在校生数", "合计"), "students"), (("在校生数", "其中：女"), None)) + tuple(
        (("在校生数", g), f"grade{k}") for k, g in enumerate(_GRADES[:4], 1)) + ((("预计毕业生数",), None),),
        _STUDENT_ROWS_2020, stages=("junior",)),
    Form("314", "普通高中学生数", "人", _B, (
        (("毕业生数",), None), (("招生数", "计"), "enrolled"), (("在校生数", "合计"), "students"), (("在校生数", "其中：女"), None))
        + tuple((("在校生数", g), None) for g in _GRADES[:3]) + ((("预计毕业生数",), None),),
        _rows("总计", "女", "少数民族", keys={"总计": "students", "女": "female"}), stages=("senior",)),
    Form("423", "小学专任教师分课程、分学历", "人", _B, ((("合计",), "all"), (("其中：女",), None)) + tuple(
        ((t,), _SUBJECT_KEYS.get(t)) for t in ("品德与生活（社会）", "语文", "数学", "科学", "外语", "信息技术")) + _ARTS +
        ((("综合实践活动",), None), (("其他",), None)),
        _rows("总计", "女", "少数民族", *(d for d, _ in _DEGREES_2020), keys={"总计": "total", **dict(_DEGREES_2020)}),
        stages=("primary",)),
    Form("424", "中学专任教师分课程、分学历", "人", _B, ((("合计",), "all"), (("其中：女",), None)) + tuple(
        ((t,), _SUBJECT_KEYS.get(t)) for t in ("思想品德", "语文", "数学", "外语", "历史", "地理", "物理", "化学", "生物",
                                              "信息技术")) +
        _ARTS + ((("其他",), None),), _secondary_rows(_DEGREES_2020, "女"), stages=("junior", "senior")),
    Form("512", "中小学校舍情况", "平方米", _B, (
        (("校舍建筑面积", "合计"), "area"), (("校舍建筑面积", "框架结构"), None), (("校舍建筑面积", "砖混结构"), None),
        (("校舍建筑面积", "砖木结构"), None), (("校舍建筑面积", "土木结构"), None), (("校舍建筑面积中：租借面积", "计"), None),
        (("校舍建筑面积中：租借面积", "租借公办的基础教育学校的校舍建筑面积"), None)),
        _rows("总     计", ("其中", "危房"), ("其中", "当年新增校舍"), "一、教学及辅助用房", "教室", "实验室", "图书室", "微机室",
              "语音室", "体育馆", "二、行政办公用房", "其中：教师办公室", "三、生活用房", "其中：学生宿舍", "其中：食堂", "四、其他用房",
              keys={"一、教学及辅助用房": "teaching_aux", "体育馆": "indoor"}), stages=("primary", "junior")),
    Form("522", "中小学占地面积及其他办学条件", "", _B, (
        (("占地面积（平方米）", "计"), None), (("占地面积（平方米）", "其中", "绿化用地面积"), None),
        (("占地面积（平方米）", "其中", "运动场地面积"), "sports_ground"), (("图书（册）",), None), (("计算机（台）", "计"), None),
        (("计算机（台）", "其中：教学用计算机"), None), (("教室（间）", "计"), None), (("教室（间）", "其中：网络多媒体教室"), "multimedia"),
        (("固定资产总值（万元）", "计"), None), (("固定资产总值（万元）", "其中：教学仪器设备资产值"), "equipment_wan")),
        _rows("总   计", keys={"总   计": "total"}), stages=("primary", "junior")),
)
FORMS = {"2021": FORMS_2021, "2020": FORMS_2020}
PREFIX = {"2021": "教基", "2020": "基础基"}
_BASIC = ("1001", "1102续", "111", "112")


def forms_for(school: fm.SchoolForms, version: str) -> list[Form]:
    """The forms a school files: the identity and basic-information forms, and the forms of its stages."""
    return [f for f in FORMS[version] if f.code in _BASIC or set(school.stages()) & set(f.stages)]


def sponsor_code(school: fm.SchoolForms) -> str:
    return "999" if school.sponsor == "民办" else "811"


def grade_split(students: int, grades: int) -> list[int]:
    """The stage's pupils over its grades (一年级 …): equal shares, the remainder to the lowest grades.

    >>> grade_split(620, 6)
    [104, 104, 103, 103, 103, 103]
    """
    share, rest = divmod(int(students), grades)
    return [share + (1 if k < rest else 0) for k in range(grades)]


def form_values(school: fm.SchoolForms, version: str) -> dict:
    """``{form code: {(row key, column key): value}}`` — the school's values (tests/_forms.py, per 教基 form and
    item) at the keys of the printed labels (FORMS); every other cell of a table holds an unrelated number, of a
    list nothing or an unrelated number."""
    s, v, out = school, school.values, {}
    out["1001"] = {(k, "value"): x for k, x in (
        ("id", s.id), ("name", s.name), ("address", f"{COUNTY_NAME}{s.name[3:5]}路1号"), ("urban_name", s.urban_name),
        ("urban_code", s.urban_code), ("authority", f"{COUNTY_NAME}教育局"), ("type_name", s.type),
        ("type_code", s.type_code), ("sponsor", s.sponsor), ("sponsor_code", sponsor_code(s)))}
    keys = v.get("教基1102续", {})
    out["1102续"] = {(k, "value"): keys[k] for k in ("key_primary", "key_junior") if k in keys}
    out["112"] = {**out["1102续"], ("key_primary", "unit"): "人", ("key_junior", "unit"): "人",
                  ("key_primary", "note"): "小学", ("key_junior", "note"): "初中"}
    if "教基5170" in v:
        b, land = v["教基5170"], v["教基5176"]
        out["5170"] = out["512"] = {("teaching_aux", "area"): b["teaching_aux"], ("indoor", "area"): b["indoor_sports"]}
        out["5176"] = {("sports_ground", "value"): land["sports_ground"], ("multimedia", "value"): land["multimedia"],
                       ("equipment_wan", "value"): land["equipment"]}
        out["522"] = {("total", "sports_ground"): land["sports_ground"], ("total", "multimedia"): land["multimedia"],
                      ("total", "equipment_wan"): land["equipment"]}
    for code21, code20, column in (("教基2106", "212", "all"), ("教基2107", "213", "junior")):
        if code21 in v:
            c = v[code21]
            cells = {("classes", column): c["classes"], **{(f"band{i}", column): c[f"band_{i}"] for i in range(10)}}
            out[code21[2:]] = {(row, "all"): x for (row, _), x in cells.items()}
            out[code20] = cells
    for code21, code20 in (("教基3112", "312"), ("教基3115", "313"), ("教基3118", "314")):
        if code21 in v:
            st = v[code21]
            cells = {("students", "students"): st["students"], ("female", "students"): st["female"],
                     ("students", "enrolled"): st["enrolled"]}
            if code21 != "教基3118":        # 分年级在校生数 of the 总计 row, adding up to the students (四年级: 0)
                cells.update({("students", f"grade{k}"): n for k, n in
                              enumerate(grade_split(st["students"], 6 if code21 == "教基3112" else 3) + [0], 1)})
            if "migrants" in st:
                cells.update({("migrants", "students"): st["migrants"],
                              ("migrant_workers", "students"): st["migrant_workers"]})
            out[code21[2:]] = out[code20] = cells
    for code21, code20, group in (("教基4155", "423", ""), ("教基4156", "424", "junior:")):
        if code21 in v:
            out[code21[2:]] = _teachers(v[code21], group, _DEGREES_2021)
            out[code20] = _teachers(v[code21], group, _DEGREES_2020)
    return out


def _teachers(t: dict, group: str, degrees) -> dict:
    """A teacher form's cells: degree rows × 合计, and the total (or 初中) row × 合计 and the subjects."""
    counts = {"doctor": t["doctor"], "master": t["master"], "graduate": t["doctor"] + t["master"],
              "bachelor": t["bachelor"], "college": t["college"], "high": t["high_school"], "below": t["below"]}
    cells = {(f"{group}{key}", "all"): counts[key] for _, key in degrees}
    cells.update({(f"{group}total", column): t[item] for column, item in (
        ("all", "teachers"), ("pe", "pe"), ("art", "art"), ("music", "music"), ("fine", "fine_art"),
        ("chinese", "chinese"), ("maths", "maths"))})
    return cells


# ------------------------------------------------------------------------------------------------ layouts
@dataclass(frozen=True)
class Layout:
    """How a workbook is laid out beyond the forms' labels (what the reader must not depend on)."""

    cover: bool = False           # a 封面 sheet
    contents: bool = False        # a 目录 sheet listing the forms
    sheet_names: str = "prefixed"  # 教基1001 / bare 1001 / suffixed 教基1001_九年一贯制学校
    headings: bool = False        # the 2020 export's row-1 column letters and column-A row numbers
    title_rows: bool = True       # the form's title row and its form-code / unit row
    numbering_row: bool = True    # the 甲 乙 1 2 … row under the header
    half_width: bool = False      # brackets and colons printed half-width ( ) : instead of （ ）：
    spaces: bool = False          # extra white space inside labels ("总  计", "在 校 生 数")
    extra_rows: int = 0           # rows of unrelated items inserted between the form's rows
    text_numbers: bool = False    # numbers stored as text, as the real 2020 workbook stores them
    seed: int = 0                 # the unrelated numbers, where extra rows go, the sheets' order


def layouts():
    """A Hypothesis strategy over :class:`Layout`."""
    from hypothesis import strategies as st

    return st.builds(Layout, cover=st.booleans(), contents=st.booleans(),
                     sheet_names=st.sampled_from(["prefixed", "bare", "suffixed"]), headings=st.booleans(),
                     title_rows=st.booleans(), numbering_row=st.booleans(), half_width=st.booleans(),
                     spaces=st.booleans(), extra_rows=st.integers(0, 3), text_numbers=st.booleans(),
                     seed=st.integers(0, 2**16))


def sheet_name(code: str, version: str, layout: Layout, school: fm.SchoolForms) -> str:
    if layout.sheet_names == "bare":
        return code
    if layout.sheet_names == "suffixed":
        return f"{PREFIX[version]}{code}_{school.type}"[:31]
    return f"{PREFIX[version]}{code}"


class _Printer:
    """A label as the layout prints it."""

    def __init__(self, layout: Layout, rng: random.Random):
        self.layout, self.rng = layout, rng

    def __call__(self, text: str) -> str:
        if not text:
            return text
        if self.layout.half_width:
            text = text.replace("（", "(").replace("）", ")").replace("：", ":")
        else:
            text = text.replace("(", "（").replace(")", "）").replace(":", "：")
        if self.layout.spaces and len(text) >= 2 and self.rng.random() < 0.6:
            i = self.rng.randrange(1, len(text))
            text = text[:i] + self.rng.choice(["  ", " ", "\u3000", "\n"]) + text[i:]
            if self.rng.random() < 0.3:
                text = " " + text + " "
        return text


class _Sheet:
    """Writes cells at an offset (the heading row and column) and merges."""

    def __init__(self, ws, layout: Layout):
        self.ws, self.layout = ws, layout
        self.dr = self.dc = 1 if layout.headings else 0
        self.width = 0
        self.height = 0

    def put(self, r: int, c: int, value, number: bool = False):
        if number and self.layout.text_numbers and isinstance(value, (int, float)):
            value = f"{value:g}" if isinstance(value, float) else str(value)
        self.ws.cell(r + self.dr, c + self.dc, value)
        self.width, self.height = max(self.width, c), max(self.height, r)

    def merge(self, r1, c1, r2, c2):
        if (r1, c1) != (r2, c2):
            self.ws.merge_cells(start_row=r1 + self.dr, start_column=c1 + self.dc, end_row=r2 + self.dr,
                                end_column=c2 + self.dc)

    def finish(self):
        if self.layout.headings:                   # what the 2020 export prints around every form
            for c in range(1, self.width + 2):
                self.ws.cell(1, c, get_column_letter(c))
            for r in range(1, self.height + 1):
                self.ws.cell(r + 1, 1, r)


def _distractor(rng: random.Random):
    return rng.choice([rng.randint(0, 999), rng.randint(1000, 99999), round(rng.uniform(0, 500), 2)])


def _table(sheet: _Sheet, form: Form, values: dict, version: str, pr: _Printer, rng: random.Random):
    """A form as a table: title and form-code / unit rows, the header (merged, multi-level), the 甲 乙 1 2 … row,
    the rows (a group's label beside its rows where the form prints two label columns), values, unrelated
    numbers elsewhere (nothing in a list's other items' text cells)."""
    layout, r = sheet.layout, 1
    if layout.title_rows:
        sheet.put(r, 1, pr(form.title))
        sheet.put(r + 1, 1, f"{PREFIX[version]}{form.code}{' ' * 40}{pr('单位：' + form.unit)}")
        r += 2
    label_cols = 2 if version == "2020" and any(len(labels) > 1 for labels, _ in form.rows) else 1
    unit_col = label_cols + 2 if form.row_units else None       # 计量单位 after 乙
    first = label_cols + 2 + (1 if unit_col else 0)
    columns = list(form.columns)
    depth = max(len(path) for path, _ in columns)
    top = r
    fixed = [(1, form.labels[0]), (label_cols + 1, form.labels[1])] + ([(unit_col, "计量单位")] if unit_col else [])
    for c, text in fixed:                            # 甲, 乙 (and 计量单位) head every header row
        sheet.put(top, c, pr(text) if text else None)
        sheet.merge(top, c, top + depth - 1, label_cols if c == 1 else c)
    for level in range(depth):
        j = 0
        while j < len(columns):
            path = columns[j][0]
            if len(path) <= level:
                j += 1
                continue
            k = j
            while k + 1 < len(columns) and columns[k + 1][0][:level + 1] == path[:level + 1] and \
                    len(columns[k + 1][0]) > level:
                k += 1
            sheet.put(top + level, first + j, pr(path[level]))
            sheet.merge(top + level, first + j, top + depth - 1 if len(path) == level + 1 else top + level, first + k)
            j = k + 1
    r = top + depth
    if layout.numbering_row:
        sheet.put(r, 1, "甲")
        sheet.merge(r, 1, r, label_cols)
        sheet.put(r, label_cols + 1, "乙")
        if unit_col:
            sheet.put(r, unit_col, "丙")
        for j in range(len(columns)):
            sheet.put(r, first + j, str(j + 1))
        r += 1
    rows = list(form.rows)
    for _ in range(layout.extra_rows):         # unrelated items, never inside a group printed beside its rows
        at = rng.randrange(0, len(rows) + 1)
        if 0 < at < len(rows) and len(rows[at][0]) > 1 and len(rows[at - 1][0]) > 1:
            continue
        rows.insert(at, ((f"附加统计项目{rng.randint(1, 99)}",), None))
    for i, (labels, key) in enumerate(rows):
        if label_cols == 1 or len(labels) == 1:
            sheet.put(r, 1, pr(labels[-1]))
            sheet.merge(r, 1, r, label_cols)
        else:
            if i == 0 or rows[i - 1][0][:-1] != labels[:-1]:          # the group's label, beside all its rows
                span = next((n for n, (lab, _) in enumerate(rows[i:]) if lab[:-1] != labels[:-1]), len(rows) - i)
                sheet.put(r, 1, pr(labels[0]))
                sheet.merge(r, 1, r + span - 1, 1)
            sheet.put(r, 2, pr(labels[-1]))
        sheet.put(r, label_cols + 1, f"{i + 1:02d}")
        if unit_col:
            unit = form.row_units.get(labels[-1], "")
            if unit:
                sheet.put(r, unit_col, unit)
        for j, (_, ckey) in enumerate(columns):
            if key is not None and (key, ckey) in values:
                value = values[(key, ckey)]
            elif form.kind == "list" and (form.code == "1001" or ckey != "value"):
                value = None                         # other items' text and notes: left blank
            else:
                value = _distractor(rng)
            if value is not None:
                sheet.put(r, first + j, value, number=True)
        r += 1
    if form.code == "1001":
        sheet.put(r + 1, 1, SYNTHETIC_NOTE)


def _blocks_111(sheet: _Sheet, school: fm.SchoolForms, pr: _Printer):
    """基础基111 as the real 2020 workbook prints it: labels above their values, 名称 / 代码 rows, 续 rows, and the
    附设班 block that prints 学校（机构）举办者 again."""
    r = 1
    if sheet.layout.title_rows:
        sheet.put(r, 1, pr("基础教育学校（机构）统计调查表"))
        sheet.merge(r, 1, r, 10)
        sheet.put(r + 1, 1, "（2023 /2024 学年初）")
        sheet.merge(r + 1, 1, r + 1, 10)
        r += 2
    sheet.put(r, 1, "基础基111")
    sheet.merge(r, 1, r, 10)
    r += 1
    for c1, c2, label, value in ((1, 2, "学校标识码", school.id), (3, 6, "学校（机构）名称（章）", school.name),
                                 (7, 10, "学校（机构）英文名称", "hechengxian school")):
        sheet.put(r, c1, pr(label))
        sheet.merge(r, c1, r, c2)
        sheet.put(r + 1, c1, value, number=True)
        sheet.merge(r + 1, c1, r + 1, c2)
    sheet.put(r + 2, 1, "续")
    r += 3

    def block(heads, rows):
        """Labels in ``heads`` [(column, last column, text)], then 名称 / 代码 rows [(word, {column: value})]."""
        nonlocal r
        for c1, c2, text in heads:
            sheet.put(r, c1, pr(text))
            sheet.merge(r, c1, r, c2)
        for i, (word, cells) in enumerate(rows, start=1):
            sheet.put(r + i, 1, pr(word))
            if 2 not in cells:
                sheet.merge(r + i, 1, r + i, 2)
            for c, value in cells.items():
                sheet.put(r + i, c, value)
        sheet.put(r + len(rows) + 1, 1, "续")
        r += len(rows) + 2

    block([(3, 5, "学校（机构）地址"), (6, 6, "学校（机构）所在地城乡类型"), (7, 10, "学校（机构）属地管理教育行政部门")],
          [("名称", {3: f"{COUNTY_NAME}{school.name[3:5]}路1号", 6: school.urban_name, 7: f"{COUNTY_NAME}教育局"}),
           ("代码", {3: "360000123204", 6: school.urban_code, 7: "360000000000"})])
    block([(3, 3, "学校（机构）办学类型"), (4, 5, "学校（机构）举办者"), (6, 6, "学校（机构）性质类别"), (7, 8, "规定年制")],
          [("名称", {3: school.type, 4: school.sponsor, 6: "*", 7: "小学", 8: "6"}),
           ("代码", {3: school.type_code, 4: sponsor_code(school), 6: "*", 7: "初中", 8: "3"})])
    block([(1, 1, "邮政编码"), (3, 3, "办公电话")], [])
    block([(3, 3, "学校（机构）举办者"), (4, 5, "学校（机构）属地管理教育行政部门"), (6, 6, "学校（机构）地址")],
          [("名称", {2: "附设幼儿班", 3: "*"}), ("代码", {2: "119", 3: "*"}), ("名称", {2: "附设小学班", 3: "*"}),
           ("代码", {2: "219", 3: "*"})])
    sheet.put(r + 1, 1, SYNTHETIC_NOTE)


def _cover(ws, version: str):
    ws.cell(3, 3, "基  础 教 育 基 层 统 计 调 查 表" if version == "2020" else "教育统计基层报表")
    ws.cell(4, 3, "（2023 /2024 学年初）")
    ws.cell(6, 7, "制表机关：教      育      部")
    ws.cell(8, 3, SYNTHETIC_NOTE)


def _contents(ws, forms: list, version: str):
    ws.cell(4, 3, "目录")
    for i, f in enumerate(forms, start=5):
        ws.cell(i, 3, "全国")
        ws.cell(i, 4, f"{PREFIX[version]}{f.code}")
        ws.cell(i, 5, f.title)


def write_school_workbook(path, school: fm.SchoolForms, version: str, layout: Layout = Layout()) -> Path:
    """One school's workbook of the ``version`` forms ("2021" 教基 / "2020" 基础基), laid out as ``layout``."""
    rng = random.Random(f"{layout.seed}-{school.id}-{version}")
    pr = _Printer(layout, rng)
    values = form_values(school, version)
    forms = forms_for(school, version)
    book = openpyxl.Workbook()
    book.remove(book.active)
    order = list(forms)
    rng.shuffle(order)
    if layout.cover:
        _cover(book.create_sheet("封面"), version)
    if layout.contents:
        _contents(book.create_sheet("目录"), FORMS[version], version)
    for form in order:
        ws = book.create_sheet(sheet_name(form.code, version, layout, school))
        sheet = _Sheet(ws, layout)
        if form.kind == "blocks":
            _blocks_111(sheet, school, pr)
        else:
            _table(sheet, form, values.get(form.code, {}), version, pr, rng)
        sheet.finish()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def county_workbooks(folder, version: str, layout: Layout = Layout(), schools=SCHOOLS) -> list[Path]:
    """The county's workbooks, one per school, in ``folder``: "<标识码>_<学校名称>.xlsx"."""
    folder = Path(folder)
    return [write_school_workbook(folder / f"{s.id}_{s.name}.xlsx", s, version, layout) for s in schools]


SUPPLEMENT_HEADERS = fm.SUPPLEMENT_HEADERS


def supplement_file(folder, schools=SCHOOLS, name: str = "补充数据.csv") -> Path:
    """The analyst's supplementary table (CSV) for the county's schools (music and art rooms, year built)."""
    return fm.supplement_file(folder, name, schools)


