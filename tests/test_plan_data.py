"""Checks the transcribed county plans (data/raw/<county>/plan.csv) against the seed texts.

Expected values below are typed from the seeds in ../shared/seeds/ (000 进贤县, 002 乡宁县, 003 石城县,
004 石柱县). The CSVs are read with the csv module only; nothing from junyun_lib is imported.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from _seeds import seed_text

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
COUNTIES = ["jinxian", "shizhu", "xiangning", "shicheng"]
COLUMNS = ["item_no", "item", "category", "year", "target", "direction", "unit", "metric", "stage", "stated",
           "source", "note"]

INDICATOR_CODES = ["teachers_above_degree", "key_teachers", "pe_art_teachers", "teaching_aux_area", "sports_area",
                   "equipment_value", "multimedia_classrooms"]
GUARANTEE_ITEMS = ["school_size", "class_size", "special_rooms"]
COUNTY_CODES = ["education_priority", "layout_plan", "four_unified", "rural_school_funding",
                "special_school_funding", "teacher_pay", "teacher_training", "staffing", "teacher_rotation",
                "teacher_certification", "nearby_enrolment", "quota_allocation", "junior_retention",
                "disabled_enrolment", "training_funding", "full_curriculum", "quality_monitoring", "informatization",
                "ict_use", "social_recognition",
                # national items' codes used by 乡宁县 and 石柱县 (issue 13), and 石柱县's 小学巩固率 (seed 004 三(四)2)
                "nearby_enrolment_primary", "nearby_enrolment_junior", "primary_retention"]
METRIC_RE = re.compile(
    r"^(?:indicator_share:(?:{})|guarantee_share:(?:{})|school_rule_share|max_cv|composite_cv|county:(?:{}))$".format(
        "|".join(INDICATOR_CODES), "|".join(GUARANTEE_ITEMS), "|".join(COUNTY_CODES)))
CATEGORIES = {"资源配置", "政府保障程度", "教育质量", "社会认可度", "教育信息化"}


def load(slug: str) -> list[dict[str, str]]:
    path = RAW / slug / "plan.csv"
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path} must be UTF-8 without BOM"
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS, reader.fieldnames
        rows = list(reader)
    for r in rows:
        assert None not in r and all(v is not None for v in r.values()), f"ragged row in {path}: {r}"
    return rows


def cell(rows, item_no: int, year: int, stage: str | None = None) -> dict[str, str]:
    hits = [r for r in rows if int(r["item_no"]) == item_no and int(r["year"]) == year
            and (stage is None or r["stage"] == stage)]
    assert len(hits) == 1, f"expected one row for item {item_no}, year {year}, stage {stage}: {hits}"
    return hits[0]


def find(rows, metric: str, stage: str, year: int) -> dict[str, str]:
    hits = [r for r in rows if r["metric"] == metric and r["stage"] == stage and int(r["year"]) == year]
    assert len(hits) == 1, f"expected one row for {metric} {stage} {year}: {hits}"
    return hits[0]


@pytest.fixture(scope="module")
def jinxian():
    return load("jinxian")


# ---------------------------------------------------------------- every file: schema and grammar

@pytest.mark.parametrize("slug", COUNTIES)
def test_schema_and_grammar(slug):
    rows = load(slug)
    assert rows, slug
    seen = set()
    for r in rows:
        where = f"{slug} item {r['item_no']} year {r['year']}"
        assert re.fullmatch(r"[1-9]\d*", r["item_no"]), where
        assert re.fullmatch(r"20\d\d", r["year"]), where
        assert r["item"].strip() and not re.match(r"^\d+\.", r["item"]), where
        assert r["category"] in CATEGORIES, where
        assert METRIC_RE.fullmatch(r["metric"]), f"{where}: bad metric {r['metric']!r}"
        assert r["stage"] in {"primary", "junior", "all"}, where
        assert r["direction"] in {">=", "<", "<="}, where
        assert r["stated"] in {"yes", "no"}, where
        assert r["source"].strip().startswith("seed 00"), f"{where}: missing source"
        # target empty iff stated == no
        assert (r["target"] == "") == (r["stated"] == "no"), where
        if r["target"]:
            float(r["target"])
        # units: percentages for shares, 系数 for difference coefficients
        if r["metric"] in {"max_cv", "composite_cv"}:
            assert r["unit"] == "系数", where
            assert r["direction"] in {"<", "<="}, where
            if r["target"]:
                assert 0 < float(r["target"]) < 1, where
        else:
            assert r["unit"] == "%", where
            if r["target"]:
                assert 0 < float(r["target"]) <= 100, where
        key = (int(r["item_no"]), int(r["year"]))
        assert key not in seen, f"duplicate (item_no, year) {key} in {slug}"
        seen.add(key)
    # one item_no means one (item, metric, stage)
    per_item = {}
    for r in rows:
        per_item.setdefault(int(r["item_no"]), set()).add((r["item"], r["metric"], r["stage"]))
    assert all(len(v) == 1 for v in per_item.values()), per_item
    assert sorted(per_item) == list(range(1, len(per_item) + 1))


def test_metric_grammar_rejects_bad_strings():
    for bad in ["indicator_share:teachers", "county:foo", "max_cv:primary", "guarantee_share:", "composite_cv ",
                "indicator_share:key_teachers:x"]:
        assert not METRIC_RE.fullmatch(bad), bad
    for good in ["indicator_share:key_teachers", "guarantee_share:class_size", "school_rule_share", "max_cv",
                 "composite_cv", "county:social_recognition"]:
        assert METRIC_RE.fullmatch(good), good


# ---------------------------------------------------------------- 进贤县 (seed 000)

# (item_no, year) -> target, typed from seed 000 三、年度推进计划
JINXIAN_CELLS = {
    (1, 2021): 65, (1, 2028): 100, (1, 2030): 100,
    (2, 2021): 60, (2, 2029): 100,
    (3, 2029): 90,
    (4, 2021): 77.5, (4, 2023): 82.5, (4, 2029): 97.5,
    (5, 2025): 90,
    (6, 2024): 96,
    (9, 2021): 82, (9, 2029): 98,
    (11, 2021): 25, (11, 2028): 90,
    (12, 2022): 85, (12, 2023): 87, (12, 2029): 97,
    (13, 2021): 84,
    (17, 2021): 88, (17, 2023): 95,
    (19, 2024): 95,
    (20, 2021): 97, (20, 2023): 99,
    (23, 2021): 94, (23, 2025): 98, (23, 2030): 99,
    (24, 2021): 95, (24, 2024): 96, (24, 2026): 97, (24, 2029): 98, (24, 2030): 98,
    (28, 2022): 85,
    (29, 2024): 98.5, (29, 2030): 100,
}


def test_jinxian_cells(jinxian):
    assert len(JINXIAN_CELLS) >= 12
    for (item_no, year), expected in JINXIAN_CELLS.items():
        r = cell(jinxian, item_no, year)
        assert r["stated"] == "yes", (item_no, year)
        assert float(r["target"]) == expected, f"item {item_no} {year}: {r['target']} != {expected}"


def test_jinxian_shape(jinxian):
    assert len(jinxian) == 290
    keys = {(int(r["item_no"]), int(r["year"])) for r in jinxian}
    assert keys == {(i, y) for i in range(1, 30) for y in range(2021, 2031)}
    for r in jinxian:
        assert r["source"] == f"seed 000 三、年度推进计划 第{r['item_no']}项"
        assert r["direction"] == ">=" and r["unit"] == "%" and r["stage"] == "all"


def test_jinxian_items_metrics_categories(jinxian):
    expected = {
        1: ("教师高于规定学历人数", "indicator_share:teachers_above_degree", "资源配置"),
        4: ("生均教学及辅助用房面积", "indicator_share:teaching_aux_area", "资源配置"),
        6: ("生均教学仪器设备值", "indicator_share:equipment_value", "政府保障程度"),
        7: ("网络多媒体教室数", "indicator_share:multimedia_classrooms", "政府保障程度"),
        11: ("小学、初中音乐、美术专用教室配备", "guarantee_share:special_rooms", "政府保障程度"),
        12: ("小学、初中校额", "guarantee_share:school_size", "政府保障程度"),
        13: ("小学、初中班额", "guarantee_share:class_size", "政府保障程度"),
        16: ("落实教师待遇", "county:teacher_pay", "政府保障程度"),
        23: ("初中三年巩固率", "county:junior_retention", "政府保障程度"),
        24: ("残疾儿童少年入学率", "county:disabled_enrolment", "政府保障程度"),
        25: ("保障教师培训经费", "county:training_funding", "教育质量"),
        27: ("开展国家义务教育质量监测", "county:quality_monitoring", "教育质量"),
        28: ("学校管理、教学与教研信息化", "county:informatization", "教育信息化"),
        29: ("教师熟练运用信息化手段组织教学，设施设备利用率高", "county:ict_use", "教育信息化"),
    }
    for item_no, (item, metric, category) in expected.items():
        for r in (r for r in jinxian if int(r["item_no"]) == item_no):
            assert (r["item"], r["metric"], r["category"]) == (item, metric, category), r
    cats = {}
    for r in jinxian:
        cats.setdefault(r["category"], set()).add(int(r["item_no"]))
    assert cats == {"资源配置": set(range(1, 6)), "政府保障程度": set(range(6, 25)), "教育质量": {25, 26, 27},
                    "教育信息化": {28, 29}}


def test_jinxian_decision_items_2_to_15(jinxian):
    for item_no in range(2, 16):
        r = cell(jinxian, item_no, 2030)
        assert r["stated"] == "no" and r["target"] == "", item_no
        assert "2030" in r["note"] and "no 2030 value" in r["note"], r["note"]
        for year in range(2021, 2030):
            r = cell(jinxian, item_no, year)
            assert r["stated"] == "yes" and r["target"] != "", (item_no, year)
    # item 1 has all 10 values
    assert all(cell(jinxian, 1, y)["stated"] == "yes" for y in range(2021, 2031))


def test_jinxian_decision_items_16_to_29(jinxian):
    for item_no in range(16, 30):
        for year in range(2021, 2031):
            r = cell(jinxian, item_no, year)
            assert r["stated"] == "yes" and r["target"] != "", (item_no, year)
            assert "12 values" in r["note"] and "ignored" in r["note"], r["note"]
    assert "(99%, 99%)" in cell(jinxian, 23, 2021)["note"]
    assert "(98%, 98%)" in cell(jinxian, 24, 2021)["note"]
    assert "(100%, 100%)" in cell(jinxian, 29, 2030)["note"]


def test_jinxian_notes_file():
    text = (RAW / "jinxian" / "plan_notes.md").read_text(encoding="utf-8")
    for phrase in ["左对齐", "总体目标", "77.5", "97.5", "90%", "12", "9", "stated=no"]:
        assert phrase in text, phrase


def _seed_table():
    table = {}
    for line in seed_text("000").split("\n"):
        cells = line.split("\t")
        m = re.match(r"(\d+)\.\s*(.+)$", cells[1].strip()) if len(cells) > 2 else None
        if m:
            vals = [float(c.strip()[:-1]) for c in cells[2:] if c.strip()]
            table[int(m.group(1))] = (m.group(2).strip(), vals)
    return table


def test_jinxian_matches_seed_text_everywhere(jinxian):
    """Re-reads seed 000's table and checks all 290 cells under the documented decision."""
    table = _seed_table()
    counts = {i: len(v) for i, (_, v) in table.items()}
    assert counts == {**{1: 10}, **{i: 9 for i in range(2, 16)}, **{i: 12 for i in range(16, 30)}}
    for item_no, (item, vals) in table.items():
        for k, year in enumerate(range(2021, 2031)):
            r = cell(jinxian, item_no, year)
            assert r["item"] == item
            if k < len(vals):
                assert float(r["target"]) == vals[k], (item_no, year)
            else:
                assert r["target"] == "" and r["stated"] == "no", (item_no, year)


# ---------------------------------------------------------------- 石柱县 (seed 004)

def test_shizhu_milestones():
    rows = load("shizhu")
    expected = [  # (metric, stage, year, direction, target) typed from seed 004 四、年度目标 and 二、工作目标
        ("indicator_share:key_teachers", "all", 2022, ">=", 100),
        ("indicator_share:pe_art_teachers", "all", 2022, ">=", 100),
        ("indicator_share:equipment_value", "all", 2022, ">=", 85),
        ("indicator_share:equipment_value", "all", 2023, ">=", 90),
        ("indicator_share:equipment_value", "all", 2024, ">=", 100),
        ("indicator_share:teaching_aux_area", "primary", 2023, ">=", 95),
        ("indicator_share:sports_area", "primary", 2023, ">=", 95),
        ("indicator_share:teaching_aux_area", "junior", 2023, ">=", 85),
        ("indicator_share:sports_area", "junior", 2023, ">=", 85),
        ("indicator_share:teaching_aux_area", "primary", 2024, ">=", 95),
        ("indicator_share:teaching_aux_area", "junior", 2024, ">=", 95),
        ("indicator_share:sports_area", "junior", 2024, ">=", 95),
        ("indicator_share:teaching_aux_area", "primary", 2025, ">=", 100),
        ("indicator_share:teaching_aux_area", "junior", 2025, ">=", 100),
        ("indicator_share:sports_area", "primary", 2025, ">=", 100),
        ("indicator_share:sports_area", "junior", 2025, ">=", 100),
        ("guarantee_share:special_rooms", "all", 2024, ">=", 92),
        ("guarantee_share:special_rooms", "all", 2025, ">=", 100),
        ("composite_cv", "primary", 2029, "<", 0.50),
        ("composite_cv", "junior", 2029, "<", 0.45),
        ("county:social_recognition", "all", 2029, ">=", 85),
        # 三(四)2 小学巩固率达到100%，初中三年巩固率达到95%以上; 三(四)1 就近划片入学比例分别达100%、95%以上;
        # 三(五)3 残疾儿童少年义务教育入学率达到 95%以上 — year-less, entered for 2029 like 社会认可度 (issue 13)
        ("county:primary_retention", "primary", 2029, ">=", 100),
        ("county:junior_retention", "junior", 2029, ">=", 95),
        ("county:nearby_enrolment_primary", "primary", 2029, ">=", 100),
        ("county:nearby_enrolment_junior", "junior", 2029, ">=", 95),
        ("county:disabled_enrolment", "all", 2029, ">=", 95),
    ]
    for metric, stage, year, direction, target in expected:
        r = find(rows, metric, stage, year)
        assert r["stated"] == "yes"
        assert r["direction"] == direction, (metric, stage, year)
        assert float(r["target"]) == target, (metric, stage, year, r["target"])
        assert r["source"].startswith("seed 004 "), r["source"]
    # no stated=no rows for 石柱县; the equipment milestone is not stated for 2025
    assert all(r["stated"] == "yes" for r in rows)
    assert not [r for r in rows if r["metric"] == "indicator_share:equipment_value" and r["year"] == "2025"]
    # teaching area and sports area are separate items, one item_no per (item, stage)
    aux = {(r["metric"], r["stage"]): r["item_no"] for r in rows if r["metric"].endswith(("teaching_aux_area",
                                                                                            "sports_area"))}
    assert len(aux) == 4 and len(set(aux.values())) == 4


# ---------------------------------------------------------------- 乡宁县 (seed 002), 石城县 (seed 003)

@pytest.mark.parametrize("slug,year", [("xiangning", 2024), ("shicheng", 2025)])
def test_target_year_items(slug, year):
    rows = load(slug)
    required = [  # (metric, stage, direction, target)
        ("school_rule_share", "all", ">=", 100),
        ("max_cv", "primary", "<=", 0.50),
        ("max_cv", "junior", "<=", 0.45),
        ("guarantee_share:school_size", "all", ">=", 100),
        ("guarantee_share:class_size", "all", ">=", 100),
        ("guarantee_share:special_rooms", "all", ">=", 100),
    ]
    for metric, stage, direction, target in required:
        r = find(rows, metric, stage, year)
        assert r["stated"] == "yes" and r["direction"] == direction, (slug, metric, stage)
        assert float(r["target"]) == target, (slug, metric, stage, r["target"])
    assert {int(r["year"]) for r in rows} == {year}, f"{slug}: only target-year rows expected"


def test_xiangning_all_public_schools_enrol_nearby():
    """seed 002 三、主要任务(二)9 "公办小学、初中全部就近划片入学": 100% for both stages in the target year."""
    rows = load("xiangning")
    for metric, stage in (("county:nearby_enrolment_primary", "primary"), ("county:nearby_enrolment_junior", "junior")):
        r = find(rows, metric, stage, 2024)
        assert float(r["target"]) == 100 and r["direction"] == ">=" and r["stated"] == "yes"
        assert r["source"].startswith("seed 002 三、主要任务(二)9")


@pytest.mark.parametrize("slug,seed", [("xiangning", "002"), ("shizhu", "004")])
def test_quoted_clauses_are_in_the_seed(slug, seed):
    """Every 原文“…” quoted in a note of the rows added in issue 13 is verbatim in the seed."""
    text = seed_text(seed)
    quotes = {q for r in load(slug) for q in re.findall(r"原文“([^”]+)”", r["note"])}
    assert quotes
    for q in quotes:
        assert q in text, q


def test_shicheng_extra_dated_target():
    rows = load("shicheng")
    r = find(rows, "county:informatization", "all", 2025)
    assert float(r["target"]) == 100 and r["source"] == "seed 003 二(三)"
    assert "全覆盖" in r["item"]
