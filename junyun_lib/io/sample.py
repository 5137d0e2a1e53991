"""Synthetic sample census files for four sample counties (合成示例数据).

Everything this module produces is SYNTHETIC: the schools, their 学校标识码, names and every number are
invented by a seeded random generator. They do not describe any real school. The county names (进贤县, 乡宁县,
石城县, 石柱县) are used only because the workbench ships those counties' plans as configuration; school and
place names are made up from syllables.

What the generator aims for (so that the evaluation code has something realistic to chew on):

* one row per school (or campus) and statistics year, with the canonical Chinese headers of
  ``rules/school_columns.csv`` in schema order, including the optional basic-balance columns (but not the
  class-size band columns: the sample gives 最大班额, as a typed template does);
* every school type of the schema, with stage enrolments consistent with the type (a 初级中学 has junior
  students only, a 完全中学 junior and senior, a 职业学校 senior only, ...);
* the same schools, with stable identifiers, in every year; resources (teachers, rooms, equipment) never
  shrink and weak schools catch up, so the difference coefficients (差异系数) fall year on year;
* county means of the seven quality-balance indicators near the national standards, with the usual
  pattern: teacher indicators (key teachers, PE/art teachers) most uneven, equipment value most even,
  crowded town schools short of sports ground, small rural schools without key or PE/art teachers;
* a few deliberately placed cases per county (schools over 2000 students with and without the 2010 /
  migrant-children exception, teaching points with 49 and 50 students, small or missing music/art rooms,
  a school without networked multimedia classrooms, large classes).

How the numbers are made. Each school carries a stable latent standing per resource (standard normal,
partly shared across resources). In the base year 2021 a school's indicator value is
``reference × county level × place effect × exp(sigma × standing)`` (right-skewed: the spread above the
mean is wider than below it), scaled so the enrolment-weighted county mean equals ``reference × county
level`` and capped at a few times the reference. Each later year every school grows a little, and schools
below their (school-specific) target close a county-specific share of the gap. Quantities are indicator value ×
students, rounded with a stable per-school offset, and carried forward as running maxima so that no
resource ever shrinks. The school list is seeded from the county; each year's enrolment noise is seeded
from (county, year) through a SHA-256 hash (not Python's salted ``hash()``), so the output is identical on
every machine and run.
"""
from __future__ import annotations

import hashlib
import io
import math
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from ..rules.county_indicators import definitions
from ..rules.schema import columns
from ..version import __version__
from .atomic import atomic_path, write_bytes

FIRST_YEAR = 2021
SAMPLE_YEARS = (2021, 2022, 2023, 2024)
DATA_SHEET = "学校数据"
NOTES_SHEET = "数据说明"
DISCLAIMER = "合成示例数据（synthetic sample data）：由 junyun_lib.sample 按固定随机种子生成，数字均为虚构，不代表任何真实学校。"

STAGES = ("primary", "junior", "senior")
PLACES = ("城区", "镇区", "乡村")

# ---------------------------------------------------------------------------------------------------------
# County profiles
# ---------------------------------------------------------------------------------------------------------
# school_types: rows per type (including the feature schools below); place_mix: share of 小学 in 城区/镇区/乡村;
# level: 2021 county mean of each indicator relative to its reference (level_by overrides one indicator);
# spread: multiplier on every indicator's school-to-school spread; catch_up: yearly share of a weak school's
# gap to its target that the county closes (catch_up_by overrides one indicator); size: enrolment scale.
SAMPLE_COUNTIES: dict[str, dict] = {
    "jinxian": dict(
        name="进贤县", province="江西省", id_prefix="213601", n_towns=18, size=1.0,
        profile="平原农业大县，学校多；接近达标且逐年改善：到2024年小学差异系数多数低于0.50，"
                "骨干教师约0.52略高于0.50，约一成学校未达到“至少6项达标、余项不低于85%”。",
        school_types={"小学": 109, "教学点": 26, "初级中学": 22, "九年一贯制学校": 13, "十二年一贯制学校": 1,
                      "完全中学": 5, "特殊教育学校": 1, "职业学校": 1},
        n_private=5, place_mix=(0.14, 0.30, 0.56),
        level=1.04, level_by={"key_teachers": 0.95}, spread=1.0, spread_by={"key_teachers": 1.4},
        catch_up=0.45, catch_up_by={"key_teachers": 0.3},
    ),
    "xiangning": dict(
        name="乡宁县", province="山西省", id_prefix="211431", n_towns=10, size=0.75,
        profile="山区小县，学校少而小；离达标较远、改善缓慢：到2024年小学体育艺术教师、"
                "初中体育场馆等差异系数仍超标，资源配置达标的学校极少。",
        school_types={"小学": 33, "教学点": 8, "初级中学": 8, "九年一贯制学校": 6, "完全中学": 2,
                      "特殊教育学校": 1},
        n_private=2, place_mix=(0.12, 0.28, 0.60),
        level=0.88, level_by={"pe_art_teachers": 0.8, "sports_area_m2": 0.85}, spread=1.1, spread_by={},
        catch_up=0.12, catch_up_by={},
    ),
    "shicheng": dict(
        name="石城县", province="江西省", id_prefix="213633", n_towns=11, size=0.85,
        profile="赣南山区县，中等水平：2021年差异系数多在0.45–0.60之间，此后稳步下降"
                "（2024年小学骨干教师约0.45、初中体育艺术教师约0.47，仍在临界附近），资源配置达标学校约三分之一。",
        school_types={"小学": 54, "教学点": 12, "初级中学": 11, "九年一贯制学校": 8, "完全中学": 3,
                      "特殊教育学校": 1},
        n_private=3, place_mix=(0.12, 0.30, 0.58),
        level=0.93, level_by={}, spread=1.1, spread_by={},
        catch_up=0.22, catch_up_by={},
    ),
    "shizhu": dict(
        name="石柱县", province="重庆市", id_prefix="215040", n_towns=24, size=0.85,
        profile="武陵山区少数民族自治县，乡村学校多、差距大：2021年很不均衡（多项差异系数0.6以上），"
                "此后投入大、改善最快，2024年差异系数均已达标，约四分之三的小学资源配置达标。",
        school_types={"小学": 74, "教学点": 22, "初级中学": 17, "九年一贯制学校": 10, "十二年一贯制学校": 1,
                      "完全中学": 4, "特殊教育学校": 1, "职业学校": 1},
        n_private=3, place_mix=(0.10, 0.28, 0.62),
        level=0.86, level_by={"key_teachers": 0.85}, spread=1.25, spread_by={},
        catch_up=0.40, catch_up_by={"key_teachers": 0.3},
    ),
}

for _county in SAMPLE_COUNTIES.values():   # schools over the sample years (a few open or close in between)
    _county["n_schools"] = sum(_county["school_types"].values())

# Deliberately placed schools. Each entry replaces one generic school of the same type. Keys: type, place,
# ownership, students (stage -> base-year count), students_by_year (year -> primary count), built_year,
# migrant_share, no_multimedia, music_area / art_area (smallest room, m²), note (written to 数据说明).
FEATURE_SCHOOLS: dict[str, list[dict]] = {
    "jinxian": [
        dict(type="小学", place="镇区", students={"primary": 2150}, trend=0.01, built_year=2006,
             note="镇区小学超过2000人，但2010年前建成，适用2400人例外"),
        dict(type="小学", place="镇区", students={"primary": 2260}, trend=0.01, built_year=2014,
             note="镇区小学超过2000人，2010年后建成，校额超标"),
        dict(type="小学", place="城区", ownership="民办", students={"primary": 2080}, trend=0.01,
             migrant_share=0.58, built_year=2013, note="民办小学，随迁子女过半，适用2400人例外"),
        dict(type="教学点", place="乡村", students={"primary": 55}, students_by_year={2021: 56, 2022: 53, 2023: 51, 2024: 49},
             note="教学点2024年49人（不足50人，不纳入资源配置评估）"),
        dict(type="教学点", place="乡村", students={"primary": 46}, students_by_year={2021: 46, 2022: 47, 2023: 48, 2024: 50},
             note="教学点2024年恰好50人（纳入资源配置评估）"),
        dict(type="小学", place="乡村", students={"primary": 150}, no_multimedia=True,
             note="乡村小学没有网络多媒体教室"),
        dict(type="初级中学", place="镇区", students={"junior": 900}, built_year=2005, music_area=78.0, art_area=70.0,
             note="2016年前建成，音乐、美术教室小于96/90平方米但不小于73/67平方米"),
        dict(type="小学", place="镇区", students={"primary": 800}, built_year=2018, music_area=86.0, art_area=82.0,
             note="2016年后建成，音乐、美术教室面积不足"),
        dict(type="九年一贯制学校", place="镇区", students={"primary": 1500, "junior": 1050}, built_year=2012,
             note="九年一贯制学校义务教育阶段超过2500人"),
    ],
    "xiangning": [
        dict(type="小学", place="乡村", students={"primary": 90}, no_multimedia=True, note="乡村小学没有网络多媒体教室"),
        dict(type="小学", place="城区", students={"primary": 2120}, built_year=2008, trend=0.01,
             note="城区小学超过2000人，2010年前建成，适用2400人例外"),
        dict(type="初级中学", place="镇区", students={"junior": 600}, built_year=2009, music_area=75.0, art_area=68.0,
             note="2016年前建成，音乐、美术教室面积在例外标准附近"),
    ],
    "shicheng": [
        dict(type="小学", place="乡村", students={"primary": 120}, no_multimedia=True, note="乡村小学没有网络多媒体教室"),
        dict(type="小学", place="镇区", students={"primary": 2050}, built_year=2011, trend=0.01,
             note="镇区小学超过2000人，校额超标"),
    ],
    "shizhu": [
        dict(type="小学", place="乡村", students={"primary": 110}, no_multimedia=True, note="乡村小学没有网络多媒体教室"),
        dict(type="小学", place="城区", students={"primary": 2200}, built_year=2009, trend=0.01,
             note="城区小学超过2000人，2010年前建成，适用2400人例外"),
        dict(type="初级中学", place="城区", students={"junior": 2100}, built_year=2015, trend=0.01,
             note="城区初级中学超过2000人，校额超标"),
        dict(type="教学点", place="乡村", students={"primary": 30}, close_year=2023,
             note="教学点2023年并入中心小学（此后不再出现）"),
        dict(type="小学", place="城区", students={"primary": 900}, open_year=2023, built_year=2023,
             note="2023年新建城区小学"),
    ],
}


# ---------------------------------------------------------------------------------------------------------
# Resources: one entry per quantity in the table, described in indicator space
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Resource:
    """A school resource, modelled as an indicator value (per student or per 100 students)."""

    field: str                   # column (per_section: stem, with _primary / _junior appended)
    per_section: bool            # teacher counts are reported per 小学部 / 初中部; facilities are whole-school
    scale: int                   # 100 for "per 100 students", 1 for "per student"
    reference: tuple[float, float]  # (primary, junior): the quality-2017 standard or a typical value
    sigma: float                 # school-to-school spread (log scale) in the base year
    place_effect: tuple[float, float, float]  # multipliers for 城区, 镇区, 乡村
    growth: float                # yearly growth of every school
    has_standard: bool = True    # quality-2017 indicators: weak schools catch up to a target
    private_effect: float = 1.0  # multiplier for 民办 schools
    most: float = 2.5            # no ordinary school starts above this multiple of the reference


RESOURCES: tuple[Resource, ...] = (
    Resource("teachers", True, 100, (100 / 17, 100 / 12), 0.20, (0.85, 1.0, 1.15), 0.01, has_standard=False),
    Resource("teachers_above_degree", True, 100, (4.2, 5.3), 0.40, (1.05, 1.0, 0.92), 0.025),
    Resource("key_teachers", True, 100, (1.0, 1.0), 0.35, (1.3, 1.0, 0.7), 0.03, private_effect=0.4, most=5.0),
    Resource("pe_art_teachers", True, 100, (0.9, 0.9), 0.38, (1.2, 1.0, 0.75), 0.03),
    Resource("mid_title_teachers", True, 100, (50 / 17, 50 / 12), 0.25, (0.95, 1.0, 1.05), 0.02, has_standard=False),
    Resource("teaching_aux_area_m2", False, 1, (4.5, 5.8), 0.36, (0.85, 0.95, 1.15), 0.01),
    Resource("sports_area_m2", False, 1, (7.5, 10.2), 0.42, (0.6, 0.95, 1.3), 0.01),
    Resource("equipment_value_yuan", False, 1, (2000, 2500), 0.26, (1.08, 1.0, 0.94), 0.05, private_effect=1.1),
    Resource("multimedia_classrooms", False, 100, (2.3, 2.4), 0.45, (0.9, 1.0, 1.1), 0.03),
    Resource("computers", False, 100, (12.5, 13.5), 0.30, (1.05, 1.0, 0.95), 0.04, has_standard=False),
    Resource("books", False, 1, (28.0, 35.0), 0.30, (1.0, 1.0, 0.95), 0.03, has_standard=False),
)
RESOURCE_INDEX = {r.field: k for k, r in enumerate(RESOURCES)}
TEACHERS = RESOURCE_INDEX["teachers"]
# the teacher columns that are subsets of a section's full-time teachers
TEACHER_SUBSETS = ("teachers_above_degree", "key_teachers", "pe_art_teachers", "mid_title_teachers")
# minimum full-time teachers per class (a small school still needs a teacher per class and some subjects)
TEACHERS_PER_CLASS = {"primary": 1.3, "junior": 2.4, "教学点": 1.5}
# facility weight of a senior student relative to a junior one (as in the 完全中学 split, 1 : 1.2)
SENIOR_FACILITY_WEIGHT = 1.2
# well-resourced schools stand further above the mean than poor ones below it (a right-skewed spread that
# catching up does not remove)
UPPER_TAIL = 1.5
# a special-education school needs far more space and staff per student
SPECIAL_SCHOOL_FACTOR = 2.5


# ---------------------------------------------------------------------------------------------------------
# Seeds and names
# ---------------------------------------------------------------------------------------------------------
def stable_seed(*parts: object) -> int:
    """A 63-bit seed from a SHA-256 hash of the parts (stable across runs, unlike ``hash()``)."""
    text = ":".join(str(p) for p in ("junyun.sample", *parts))
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> 1


_FIRST_CHARS = "东西南北青白石松柳桃梅杏龙凤金银清安长新平和兴福华云丰乐永宝高黄红碧翠竹茶枫桂兰泉"
_SECOND_CHARS = "溪塘桥坪岭湾口坝岗冲源港湖田林洲渡埠庄铺垄坑"
_ROAD_SECOND = "阳明园峰江宁安和康泰"
_PRIVATE_WORDS = ("育才", "博文", "启明", "英才", "明德", "致远")
_ORDINALS = "二三四五六七八九十"


def _invented_places(rng: np.random.Generator, n: int, seconds: str, avoid: set[str]) -> list[str]:
    """n distinct two-character invented place names."""
    names: list[str] = []
    while len(names) < n:
        name = str(rng.choice(list(_FIRST_CHARS))) + str(rng.choice(list(seconds)))
        if name not in avoid and name[0] != name[1]:
            avoid.add(name)
            names.append(name)
    return names


def _unique_name(prefix: str, first_suffix: str, suffix: str, used: set[str]) -> str:
    """``prefix + first_suffix``, else ``prefix + 第二 + suffix`` and so on (real schools are named so)."""
    candidates = [prefix + first_suffix] + [f"{prefix}第{o}{suffix}" for o in _ORDINALS]
    for name in candidates:
        if name not in used:
            used.add(name)
            return name
    name = f"{prefix}{first_suffix}{len(used)}"
    used.add(name)
    return name


_NAME_PATTERNS = {  # type -> (first suffix, later suffix)
    "小学": ("小学", "小学"), "教学点": ("教学点", "教学点"), "初级中学": ("中学", "中学"),
    "九年一贯制学校": ("学校", "学校"), "十二年一贯制学校": ("实验学校", "实验学校"), "完全中学": ("中学", "中学"),
    "特殊教育学校": ("启智学校", "启智学校"), "职业学校": ("职业技术学校", "职业技术学校"),
}


def _school_name(kind: str, place: str, ownership: str, town: str, rng: np.random.Generator,
                 roads: list[str], villages: list[str], used: set[str]) -> str:
    first, later = _NAME_PATTERNS[kind]
    if ownership == "民办":
        return _unique_name(str(rng.choice(roads)) + str(rng.choice(_PRIVATE_WORDS)), first, later, used)
    if place == "城区" or kind in ("特殊教育学校", "职业学校", "十二年一贯制学校"):
        prefix = str(rng.choice(roads)) + "路"
    elif place == "乡村" and kind in ("小学", "教学点", "九年一贯制学校"):
        prefix = town + str(rng.choice(villages))
    else:
        prefix = town
    if kind == "小学" and place == "镇区" and prefix + "中心小学" not in used:
        first = "中心小学"
    return _unique_name(prefix, first, later, used)


# ---------------------------------------------------------------------------------------------------------
# The school list (roster): stable for a county across years
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Roster:
    """The schools of one sample county, with their stable latent characteristics."""

    slug: str
    schools: pd.DataFrame               # static attributes, one row per school ever open
    base_students: np.ndarray           # (n, 3) base-year students by stage
    standing: np.ndarray                # (n, n_resources) latent standing, standard normal
    target: np.ndarray                  # (n, n_resources) catch-up target relative to reference
    offset: np.ndarray                  # (n, n_resources) stable rounding offsets in [0, 1)


def _base_enrolment(kind: str, place: str, rng: np.random.Generator, size: float) -> tuple[int, int, int]:
    """Plausible base-year (primary, junior, senior) students for a type and place."""
    def draw(median: float, spread: float, low: int, high: int) -> int:
        return int(np.clip(round(median * size * math.exp(rng.normal(0, spread))), low, high))

    by_place = PLACES.index(place)
    if kind == "小学":
        p = draw((1400, 650, 170)[by_place], (0.25, 0.5, 0.6)[by_place], (700, 150, 55)[by_place], 1700)
        return p, 0, 0
    if kind == "教学点":
        return draw(42, 0.55, 8, 130), 0, 0
    if kind == "初级中学":
        return 0, draw((1300, 750, 280)[by_place], 0.35, (700, 220, 90)[by_place], 1700), 0
    if kind == "九年一贯制学校":
        p = draw((1000, 550, 260)[by_place], 0.5, 60, 1400)
        return p, max(40, round(p * rng.uniform(0.4, 0.8))), 0
    if kind == "十二年一贯制学校":
        return draw(750, 0.2, 400, 1200), draw(620, 0.2, 300, 1000), draw(950, 0.2, 500, 1500)
    if kind == "完全中学":
        j = draw(850, 0.35, 300, 1600)
        return 0, j, int(np.clip(round(j * rng.uniform(0.8, 1.6)), 200, 2100))
    if kind == "特殊教育学校":
        return int(rng.integers(35, 90)), int(rng.integers(15, 45)), 0
    if kind == "职业学校":
        return 0, 0, draw(2400, 0.25, 1200, 4000)
    raise ValueError(kind)


def _schools_to_make(slug: str) -> list[dict]:
    """Specs of every school: the feature schools, then generic ones filling the type counts."""
    county = SAMPLE_COUNTIES[slug]
    features = [dict(f, feature=True) for f in FEATURE_SCHOOLS.get(slug, [])]
    remaining = dict(county["school_types"])
    for f in features:
        remaining[f["type"]] -= 1
    generic = [dict(type=t, feature=False) for t, n in remaining.items() for _ in range(n)]
    return features + generic


def _place_of(spec: dict, county: dict, rng: np.random.Generator) -> str:
    if "place" in spec:
        return spec["place"]
    mix = {"小学": county["place_mix"], "教学点": (0, 0, 1), "初级中学": (0.18, 0.52, 0.30),
           "九年一贯制学校": (0.08, 0.42, 0.50), "完全中学": (0.4, 0.6, 0), "十二年一贯制学校": (1, 0, 0),
           "特殊教育学校": (1, 0, 0), "职业学校": (1, 0, 0)}[spec["type"]]
    return str(rng.choice(PLACES, p=np.asarray(mix) / sum(mix)))


def _built_year(kind: str, place: str, rng: np.random.Generator) -> int:
    if kind == "教学点":
        return int(rng.integers(1958, 2006))
    low, high = {"城区": (1952, 2019), "镇区": (1956, 2020), "乡村": (1962, 2016)}[place]
    return int(rng.integers(low, high + 1))


def _school_rows(slug: str, rng: np.random.Generator) -> tuple[list[dict], np.ndarray]:
    """Static attributes of every school, and base-year students (n, 3)."""
    county = SAMPLE_COUNTIES[slug]
    specs = _schools_to_make(slug)
    specs = [specs[i] for i in rng.permutation(len(specs))]   # identifiers interleave types, as in real files
    avoid: set[str] = set()
    towns = _invented_places(rng, county["n_towns"], _SECOND_CHARS, avoid)
    towns = [t + ("镇" if i < county["n_towns"] * 0.7 else "乡") for i, t in enumerate(towns)]
    roads = _invented_places(rng, 24, _ROAD_SECOND, avoid)
    villages = _invented_places(rng, 120, _SECOND_CHARS, avoid)
    private_slots = set(rng.choice(
        [i for i, s in enumerate(specs) if not s["feature"] and s["type"] in ("小学", "初级中学", "九年一贯制学校")],
        size=county["n_private"] - sum(s.get("ownership") == "民办" for s in specs), replace=False).tolist())
    rows, students, used_names = [], [], set()
    code = int(rng.integers(100, 400))
    for i, spec in enumerate(specs):
        kind = spec["type"]
        place = _place_of(spec, county, rng)
        ownership = spec.get("ownership", "民办" if i in private_slots else "公办")
        if ownership == "民办" and place == "乡村":
            place = "镇区"
        base = _base_enrolment(kind, place, rng, county["size"])
        base = tuple(spec.get("students", {}).get(s, base[k]) for k, s in enumerate(STAGES))
        code += int(rng.integers(1, 40))
        rows.append(dict(
            school_id=f"{county['id_prefix']}{code:04d}",
            school_name=_school_name(kind, place, ownership, str(rng.choice(towns)), rng, roads, villages, used_names),
            school_type=kind, urban_rural=place, ownership=ownership,
            built_year=spec.get("built_year", spec.get("open_year", _built_year(kind, place, rng))),
            open_year=spec.get("open_year", FIRST_YEAR), close_year=spec.get("close_year", 9999),
            trend=spec.get("trend", _enrolment_trend(kind, place, rng)),
            class_size=_typical_class_size(kind, place, rng), largest_extra=int(rng.integers(0, 9)),
            migrant_share=spec.get("migrant_share", _migrant_share(place, rng)),
            blank_unused=bool(rng.random() < 0.5), no_multimedia=spec.get("no_multimedia", False),
            music_area=spec.get("music_area"), art_area=spec.get("art_area"),
            students_by_year=spec.get("students_by_year", {}), note=spec.get("note", ""),
        ))
        students.append(base)
    return rows, np.asarray(students, dtype=float)


def _enrolment_trend(kind: str, place: str, rng: np.random.Generator) -> float:
    """Yearly enrolment change: towns draw pupils from villages."""
    centre = {"城区": 0.03, "镇区": 0.01, "乡村": -0.045}[place] - (0.01 if kind == "教学点" else 0)
    return centre + rng.normal(0, 0.015)


def _typical_class_size(kind: str, place: str, rng: np.random.Generator) -> float:
    if kind == "教学点":
        return rng.uniform(12, 24)
    if kind == "特殊教育学校":
        return rng.uniform(8, 12)
    low, high = {"城区": (40, 50), "镇区": (34, 47), "乡村": (22, 38)}[place]
    return rng.uniform(low, high)


def _migrant_share(place: str, rng: np.random.Generator) -> float:
    low, high = {"城区": (0.12, 0.42), "镇区": (0.03, 0.15), "乡村": (0.0, 0.03)}[place]
    return rng.uniform(low, high)


@lru_cache(maxsize=8)
def roster(slug: str) -> Roster:
    """The (cached) school list of a sample county."""
    if slug not in SAMPLE_COUNTIES:
        raise KeyError(f"unknown sample county {slug!r}; known: {', '.join(SAMPLE_COUNTIES)}")
    rng = np.random.default_rng(stable_seed(slug, "roster"))
    rows, base_students = _school_rows(slug, rng)
    n, m = len(rows), len(RESOURCES)
    # standing: a shared "how well-resourced is this school" factor plus a teacher factor and noise
    shared, teacher_side = rng.normal(size=(n, 1)), rng.normal(size=(n, 1))
    is_teacher = np.array([r.per_section for r in RESOURCES])
    standing = 0.45 * shared + np.where(is_teacher, 0.45, 0.0) * teacher_side + rng.normal(size=(n, m)) * 0.75
    standing = np.clip(standing / standing.std(axis=0, keepdims=True), -2.5, 2.0)
    # most weak schools are lifted to 2–60 % above the reference; a few stubborn ones stay below it
    target = rng.uniform(1.02, 1.6, size=(n, m))
    stubborn = rng.random((n, m)) < 0.03
    target[stubborn] = rng.uniform(0.78, 0.97, size=stubborn.sum())
    return Roster(slug, pd.DataFrame(rows), base_students, standing, target, rng.random((n, m)))


# ---------------------------------------------------------------------------------------------------------
# Indicator levels and quantities by year
# ---------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _base_levels(slug: str) -> np.ndarray:
    """(stage 0/1, n, n_resources) base-year indicator values, scaled to the county level."""
    r, county = roster(slug), SAMPLE_COUNTIES[slug]
    place = r.schools["urban_rural"].map(PLACES.index).to_numpy()
    private = (r.schools["ownership"] == "民办").to_numpy()
    special = (r.schools["school_type"] == "特殊教育学校").to_numpy()
    levels = np.empty((2, len(r.schools), len(RESOURCES)))
    for k, res in enumerate(RESOURCES):
        sigma = res.sigma * county["spread"] * county["spread_by"].get(res.field, 1.0)
        z = r.standing[:, k]
        raw = np.asarray(res.place_effect)[place] * np.exp(sigma * z * np.where(z > 0, UPPER_TAIL, 1.0))
        raw = raw * np.where(private, res.private_effect, 1.0)
        for s in (0, 1):
            weight = r.base_students[:, s] * ~special
            mean = (raw * weight).sum() / weight.sum()
            level = res.reference[s] * county["level"] * county["level_by"].get(res.field, 1.0)
            capped = np.minimum(raw * level / mean, res.most * res.reference[s])
            levels[s, :, k] = capped * np.where(special, SPECIAL_SCHOOL_FACTOR, 1.0)
    return levels


def _levels_in_year(slug: str, year: int) -> np.ndarray:
    """Indicator values in a year: everyone grows, weak schools close part of their gap to their target."""
    r, county = roster(slug), SAMPLE_COUNTIES[slug]
    base, t = _base_levels(slug), year - FIRST_YEAR
    out = np.empty_like(base)
    for k, res in enumerate(RESOURCES):
        grown = base[:, :, k] * (1 + res.growth) ** t
        if not res.has_standard:
            out[:, :, k] = grown
            continue
        rate = county["catch_up_by"].get(res.field, county["catch_up"])
        closed = 1 - (1 - rate) ** t
        for s in (0, 1):
            target = res.reference[s] * r.target[:, k]
            out[s, :, k] = grown[s] + closed * np.maximum(0.0, target - base[s, :, k])
    return out


def _students_in_year(slug: str, year: int) -> np.ndarray:
    """(n, 3) students by stage; the year's random noise is seeded from (county, year)."""
    r = roster(slug)
    rng = np.random.default_rng(stable_seed(slug, year))
    t = year - FIRST_YEAR
    trend = (1 + r.schools["trend"].to_numpy()[:, None]) ** t
    noisy = r.base_students * trend * (1 + rng.normal(0, 0.025, size=r.base_students.shape))
    students = np.where(r.base_students > 0, np.maximum(np.rint(noisy), 5), 0)
    for i, pinned in enumerate(r.schools["students_by_year"]):
        if year in pinned:
            students[i, 0] = pinned[year]
    is_open = ((r.schools["open_year"] <= year) & (year < r.schools["close_year"])).to_numpy()
    return students * is_open[:, None]


def _classes(slug: str, students: np.ndarray, year: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 2) classes and largest class for primary and junior. Big classes shrink year by year."""
    r = roster(slug)
    t = year - FIRST_YEAR
    typical = r.schools["class_size"].to_numpy()
    typical = np.where(typical > 43, np.maximum(43, typical - 2.0 * t), typical)
    extra = r.schools["largest_extra"].to_numpy()     # how much the largest class exceeds the average
    is_point = (r.schools["school_type"] == "教学点").to_numpy()
    classes, largest = np.zeros((len(typical), 2)), np.zeros((len(typical), 2))
    for s, grades in ((0, 6), (1, 3)):
        p = students[:, s]
        grades_taught = np.where(is_point, 3, grades)
        c = np.maximum(np.ceil(p / typical), np.minimum(grades_taught, np.ceil(p / 6)))
        c = np.where(p > 0, c, 0)
        classes[:, s] = c
        largest[:, s] = np.where(p > 0, np.minimum(p, np.ceil(p / np.maximum(c, 1)) + extra), 0)
    return classes, largest


def _whole_number(amount: np.ndarray, offset: np.ndarray, standard_amount: np.ndarray | None) -> np.ndarray:
    """Round with a stable offset; a school whose value meets the standard is not rounded below it."""
    count = np.floor(amount + offset)
    if standard_amount is None:
        return count
    return np.where(amount >= standard_amount, np.maximum(count, np.ceil(standard_amount - 1e-9)), count)


def _stage_counts(slug: str, year: int, students: np.ndarray, classes: np.ndarray) -> dict[str, np.ndarray]:
    """Teacher counts per section: full-time teachers, then the subsets (never more than the total)."""
    r, levels = roster(slug), _levels_in_year(slug, year)
    is_point = (r.schools["school_type"] == "教学点").to_numpy()
    out: dict[str, np.ndarray] = {}
    for s, stage in enumerate(("primary", "junior")):
        p = students[:, s]
        per_class = np.where(is_point, TEACHERS_PER_CLASS["教学点"], TEACHERS_PER_CLASS[stage])
        teachers = _whole_number(levels[s, :, TEACHERS] * p / 100, r.offset[:, TEACHERS], None)
        teachers = np.where(p > 0, np.maximum(teachers, np.ceil(classes[:, s] * per_class)), 0)
        out[f"teachers_{stage}"] = teachers
        for field in TEACHER_SUBSETS:
            k = RESOURCE_INDEX[field]
            standard = RESOURCES[k].reference[s] * p / 100
            count = _whole_number(levels[s, :, k] * p / 100, r.offset[:, k], standard)
            out[f"{field}_{stage}"] = np.minimum(count, teachers)
    return out


def _facility_amounts(slug: str, year: int, students: np.ndarray, classes: np.ndarray) -> dict[str, np.ndarray]:
    """Whole-school facilities: each stage's indicator value × its students (senior weighted like junior).

    Networked multimedia classrooms are ordinary classrooms with equipment, so there are at most about
    1.5 per class (plus a couple of special rooms).
    """
    r, levels = roster(slug), _levels_in_year(slug, year)
    out: dict[str, np.ndarray] = {}
    for k, res in enumerate(RESOURCES):
        if res.per_section:
            continue
        junior_like = students[:, 1] + SENIOR_FACILITY_WEIGHT * students[:, 2]
        amount = (levels[0, :, k] * students[:, 0] + levels[1, :, k] * junior_like) / res.scale
        if res.field in ("multimedia_classrooms", "computers", "books"):
            standard = (res.reference[0] * students[:, 0] + res.reference[1] * junior_like) / res.scale
            amount = _whole_number(amount, r.offset[:, k], standard if res.has_standard else None)
        out[res.field] = amount
    most_rooms = np.ceil(1.5 * (classes.sum(axis=1) + students[:, 2] / 50)) + 2
    out["multimedia_classrooms"] = np.minimum(out["multimedia_classrooms"], most_rooms)
    out["multimedia_classrooms"] = np.where(r.schools["no_multimedia"], 0, out["multimedia_classrooms"])
    return out


@lru_cache(maxsize=8)
def _room_plan(slug: str) -> dict[str, np.ndarray]:
    """Per school and room kind: the year its music/art rooms are complete, and the smallest room's area."""
    r = roster(slug)
    rng = np.random.default_rng(stable_seed(slug, "rooms"))
    n = len(r.schools)
    old = (r.schools["built_year"] <= 2016).to_numpy()
    small_rural = (r.schools["urban_rural"] == "乡村").to_numpy() & (r.schools["class_size"] < 30).to_numpy()
    plan = {}
    for room, new_range, old_range in (("music", (92, 132), (73, 110)), ("art", (86, 125), (67, 104))):
        plan[f"{room}_complete_year"] = rng.integers(FIRST_YEAR - 4, FIRST_YEAR + 6, n)
        plan[f"{room}_none_before"] = rng.random(n) < 0.15      # lacks the room entirely until complete
        area = np.where(old, rng.uniform(*old_range, n), rng.uniform(*new_range, n))
        area = np.where(small_rural, rng.uniform(54, 80, n), area)
        given = r.schools[f"{room}_area"].to_numpy(dtype=float)
        plan[f"{room}_room_min_area_m2"] = np.round(np.where(np.isnan(given), area, given), 1)
    return plan


def _special_rooms(slug: str, classes: np.ndarray, students: np.ndarray, year: int) -> dict[str, np.ndarray]:
    """Music and art rooms: one per 12 classes once complete; before that one short, or none at all."""
    plan = _room_plan(slug)
    total_classes = classes.sum(axis=1) + np.ceil(students[:, 2] / 50)
    needed = np.ceil(total_classes / 12)
    out: dict[str, np.ndarray] = {}
    for room in ("music", "art"):
        short = np.where(plan[f"{room}_none_before"], 0, np.maximum(needed - 1, 0))
        rooms = np.where(year >= plan[f"{room}_complete_year"], needed, short)
        out[f"{room}_rooms"] = np.where(students.sum(axis=1) > 0, rooms, 0)
    return out


GROWING_COLUMNS = (  # quantities carried forward as running maxima: resources never shrink
    [f"{stem}_{stage}" for stem in ("teachers", *TEACHER_SUBSETS) for stage in ("primary", "junior")]
    + [r.field for r in RESOURCES if not r.per_section] + ["music_rooms", "art_rooms"]
)


def _year_quantities(slug: str, year: int) -> dict[str, np.ndarray]:
    """Everything about one year before the running maxima."""
    students = _students_in_year(slug, year)
    classes, largest = _classes(slug, students, year)
    out = {"students": students, "classes": classes, "largest": largest}
    out.update(_stage_counts(slug, year, students, classes))
    out.update(_facility_amounts(slug, year, students, classes))
    out.update(_special_rooms(slug, classes, students, year))
    return out


def _panel(slug: str, year: int) -> dict[str, np.ndarray]:
    """Quantities of ``year`` with resources carried forward from every earlier sample year."""
    current = _year_quantities(slug, FIRST_YEAR)
    for y in range(FIRST_YEAR + 1, year + 1):
        following = _year_quantities(slug, y)
        for column in GROWING_COLUMNS:
            following[column] = np.maximum(following[column], current[column])
        current = following
    return current


# ---------------------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------------------
def _stage_column(values: np.ndarray, applies: np.ndarray, blank: np.ndarray) -> pd.Series:
    """Counts of one stage column; where the stage does not apply: blank (None) or 0 like real files."""
    out = pd.array(np.rint(values).astype("int64"), dtype="Int64")
    out[~applies & blank] = pd.NA
    out[~applies & ~blank] = 0
    return pd.Series(out)


def generate(slug: str, year: int) -> pd.DataFrame:
    """The synthetic school table of one sample county and year (canonical Chinese headers, schema order)."""
    if year < FIRST_YEAR:
        raise ValueError(f"sample data starts in {FIRST_YEAR}, not {year}")
    r = roster(slug)
    q = _panel(slug, year)
    is_open = ((r.schools["open_year"] <= year) & (year < r.schools["close_year"])).to_numpy()
    blank = r.schools["blank_unused"].to_numpy()
    students, classes, largest = q["students"], q["classes"], q["largest"]
    data: dict[str, object] = {
        "school_id": r.schools["school_id"], "school_name": r.schools["school_name"],
        "county": SAMPLE_COUNTIES[slug]["name"], "year": year, "school_type": r.schools["school_type"],
        "urban_rural": r.schools["urban_rural"], "ownership": r.schools["ownership"],
        "built_year": r.schools["built_year"],
    }
    for s, stage in enumerate(STAGES):
        applies = r.base_students[:, s] > 0
        data[f"students_{stage}"] = _stage_column(students[:, s], applies, blank)
        if stage == "senior":
            continue
        data[f"classes_{stage}"] = _stage_column(classes[:, s], applies, blank)
        data[f"max_class_{stage}"] = _stage_column(largest[:, s], applies, blank)
        for stem in ("teachers", *TEACHER_SUBSETS):
            data[f"{stem}_{stage}"] = _stage_column(q[f"{stem}_{stage}"], applies, blank)
    data.update(_facility_columns(slug, q))
    compulsory = students[:, 0] + students[:, 1]
    data["migrant_students"] = pd.array(np.rint(compulsory * r.schools["migrant_share"]).astype("int64"), dtype="Int64")
    frame = pd.DataFrame(data).loc[is_open].reset_index(drop=True)
    # the sample gives 最大班额, as a county that keeps the typed template does: no class-size band columns
    kept = [c for c in columns() if c.field in frame.columns]
    return frame.rename(columns={c.field: c.header_zh for c in kept})[[c.header_zh for c in kept]]


def _facility_columns(slug: str, q: dict[str, np.ndarray]) -> dict[str, object]:
    """Areas (one decimal), equipment (元, to the hundred as from 万元 with two decimals), rooms."""
    areas = _room_plan(slug)
    out: dict[str, object] = {
        "teaching_aux_area_m2": np.round(q["teaching_aux_area_m2"], 1),
        "sports_area_m2": np.round(q["sports_area_m2"], 1),
        "equipment_value_yuan": np.round(q["equipment_value_yuan"], -2),
    }
    for field in ("multimedia_classrooms", "music_rooms", "art_rooms", "computers", "books"):
        out[field] = pd.array(np.rint(q[field]).astype("int64"), dtype="Int64")
    for room in ("music", "art"):
        has = q[f"{room}_rooms"] > 0
        out[f"{room}_room_min_area_m2"] = np.where(has, areas[f"{room}_room_min_area_m2"], 0.0)
    return out


# ---------------------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------------------
def _cell(value: object) -> object:
    """A value openpyxl can write: missing -> None (blank cell), numpy scalars -> Python numbers."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _notes(slug: str, year: int, frame: pd.DataFrame) -> list[str]:
    county = SAMPLE_COUNTIES[slug]
    lines = [
        DISCLAIMER,
        f"县区：{county['name']}（{slug}，{county['province']}）",
        f"统计年度：{year}",
        f"生成程序：junyun_lib.sample.generate('{slug}', {year})，junyun {__version__}",
        f"随机种子：学校名单 {stable_seed(slug, 'roster')}；本年度 {stable_seed(slug, year)}（SHA-256，可复现）",
        f"学校（校区）数：{len(frame)}",
        f"县情设定（生成时的大致目标；差异系数按单设小学、初级中学粗算）：{county['profile']}",
        "空白单元格表示该学段不适用（按 0 处理）；教学仪器设备值单位为元；面积单位为平方米。",
    ]
    r = roster(slug)
    for _, school in r.schools.iterrows():
        if school["note"] and school["school_id"] in set(frame["学校标识码"]):
            lines.append(f"特设情形：{school['school_id']} {school['school_name']}：{school['note']}")
    return lines


def _save_reproducibly(workbook: Workbook, path: Path) -> None:
    """Save with fixed timestamps (document properties and zip entries), so reruns give identical bytes."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    fixed = "2024-01-01T00:00:00Z"
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + fixed.encode(), data)
            entry = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)


def _write_workbook(frame: pd.DataFrame, notes: list[str], path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    for letter, width in (("A", 13), ("B", 24)):
        sheet.column_dimensions[letter].width = width
    about = workbook.create_sheet(NOTES_SHEET)
    for line in notes:
        about.append([line])
    about.column_dimensions["A"].width = 110
    workbook.properties.creator = "junyun_lib.sample"
    with atomic_path(path) as tmp:
        _save_reproducibly(workbook, tmp)


def write_school_sample(slug: str, year: int, path: Path) -> Path:
    """Write the synthetic school table of a sample county and year to ``path`` (same bytes on every run)."""
    frame = generate(slug, int(year))
    _write_workbook(frame, _notes(slug, int(year), frame), Path(path))
    return Path(path)


# ---------------------------------------------------------------------------------------------------------
# County-level tables (县级指标表), synthetic
# ---------------------------------------------------------------------------------------------------------
COUNTY_SOURCE = "合成示例数据（junyun_lib.sample 生成，数值虚构）"
# 进贤县: chosen so that its plan (seed 000 三) shows items ahead, on track, behind and without data;
# quality_monitoring is left out on purpose (no data).  Values for 2021–2024.
JINXIAN_COUNTY_VALUES = {
    "education_priority": (100, 100, 100, 100),
    "layout_plan": (83, 84.5, 85, 87),
    "four_unified": (100, 100, 100, 100),
    "rural_school_funding": (100, 100, 98, 100),
    "special_school_funding": (100, 100, 100, 100),
    "teacher_pay": (100, 100, 100, 100),
    "teacher_training": (90, 93, 96, 98),
    "staffing": (100, 100, 100, 100),
    "teacher_rotation": (82, 88, 91, 93),
    "teacher_certification": (98.5, 99.2, 100, 100),
    "nearby_enrolment": (100, 100, 100, 100),
    "quota_allocation": (100, 100, 100, 100),
    "junior_retention": (93.6, 95.1, 96.3, 96.8),
    "disabled_enrolment": (95.5, 96.2, 96.4, 97.1),
    "training_funding": (100, 100, 100, 100),
    "full_curriculum": (100, 100, 100, 100),
    "informatization": (84, 88, 92, 97),
    "ict_use": (86, 91, 94, 97),
    "social_recognition": (83, 85, 86.5, 88),
}


# The scorecard's county-level items (seed 002 附件1): the same for every sample county and year unless
# SCORECARD_EXCEPTIONS says otherwise, so that each county shows passing, failing and boundary items.
SCORECARD_BASE = {
    "layout_reasonable": "是", "four_unified_met": "是", "small_school_funding_met": "是",
    "special_school_funding_yuan": 6500, "teacher_pay_met": "是", "training_completion": 100, "staffing_allocated": "是",
    "rotation_ratio": 12, "rotation_key_share": 24, "nearby_enrolment_primary": 100, "nearby_enrolment_junior": 96,
    "quota_allocation_ratio": 55, "left_behind_care_system": "是", "migrant_public_ratio": 88, "charter_and_it_management": "是",
    "training_funds_share": 6, "ict_fluent": "是", "moral_education_good": "是", "curriculum_complete": "是",
    "no_excessive_homework": "是", "monitoring_level": "Ⅲ", "monitoring_difference_rate": 0.12,
    "veto_exam_admission": "否", "veto_school_choice": "否", "veto_key_schools": "否", "veto_unfilled_posts": "否",
    "veto_safety_incident": "否", "veto_falsification": "否",
}
SCORECARD_EXCEPTIONS = {
    # 进贤县: exactly at the boundaries in 2024 (6000 元, 10%, 5%), below its own stricter targets
    # (migrants 93 < 95, junior nearby enrolment 96 < 100), quota 72 ≥ 70
    "jinxian": {"all": {"quota_allocation_ratio": 72, "migrant_public_ratio": 93},
                2022: {"small_school_funding_met": "否"},
                2024: {"special_school_funding_yuan": 6000, "rotation_ratio": 10, "training_funds_share": 5}},
    # 乡宁县: difference rate exactly 0.15 is not "低于0.15"; moral education below 良好 in 2024
    "xiangning": {2023: {"monitoring_difference_rate": 0.15}, 2024: {"moral_education_good": "否"}},
    # 石城县: training completion short in 2021–2022; special-school funds below 6000
    "shicheng": {2021: {"training_completion": 97}, 2022: {"training_completion": 99},
                 "all": {"special_school_funding_yuan": 5800}},
    # 石柱县: a veto (重点班) found in 2023; level Ⅱ in 2021
    "shizhu": {2023: {"veto_key_schools": "是"}, 2021: {"monitoring_level": "Ⅱ"}},
}


def county_indicator_frame(slug: str, year: int) -> pd.DataFrame:
    """A synthetic county-level table for a sample county and year (columns as the template)."""

    rows = []
    rng = np.random.default_rng(stable_seed("county-level", slug))
    exceptions = SCORECARD_EXCEPTIONS.get(slug, {})
    scorecard_values = {**SCORECARD_BASE, **exceptions.get("all", {}), **exceptions.get(year, {})}
    for code, d in definitions().items():
        if code in scorecard_values:
            value = scorecard_values[code]
            rows.append({"指标代码": code, "指标名称": d.name_zh,
                         "数值": value if isinstance(value, str) else f"{value:g}",
                         "单位": d.unit, "来源": COUNTY_SOURCE, "说明": ""})
            continue
        if slug == "jinxian":
            values = JINXIAN_COUNTY_VALUES.get(code)
            value = None if values is None else values[year - FIRST_YEAR]
        else:   # a steady climb towards 100 from a county-specific start
            start, pace = rng.uniform(84, 97), rng.uniform(0.5, 2.5)
            value = round(min(100.0, start + pace * (year - FIRST_YEAR)), 1)
        rows.append({"指标代码": code, "指标名称": d.name_zh, "数值": "" if value is None else f"{value:g}",
                     "单位": d.unit, "来源": COUNTY_SOURCE, "说明": ""})
    return pd.DataFrame(rows)


def write_county_sample(slug: str, year: int, path: Path) -> Path:
    """Write the synthetic county-level table of a sample county and year to ``path``."""
    data = county_indicator_frame(slug, int(year)).to_csv(index=False, lineterminator="\n").encode("utf-8")
    return write_bytes(path, data)


def is_sample_file(path) -> bool:
    """True when ``path`` is a synthetic sample file (合成示例数据) that ``junyun sample`` may replace: a school
    workbook whose note sheet carries the synthetic mark, or a county-level CSV whose source says so.  Anything
    else — an analyst's real data put in a sample county's folder — is never overwritten."""
    from ..synthetic import SYNTHETIC_MARK

    path = Path(path)
    try:
        if path.suffix.lower() == ".xlsx":
            from openpyxl import load_workbook

            from .reader import SYNTHETIC_SHEET

            book = load_workbook(path, read_only=True)
            try:
                if SYNTHETIC_SHEET not in book.sheetnames:
                    return False
                return any(SYNTHETIC_MARK in str(c) for row in book[SYNTHETIC_SHEET].iter_rows(max_row=5,
                                                                                           values_only=True)
                           for c in row if c is not None)
            finally:
                book.close()
        return SYNTHETIC_MARK in path.read_text(encoding="utf-8", errors="replace")
    except Exception:  # noqa: BLE001 — unreadable: not a sample file junyun could recognise
        return False
