"""Settings files checked on load (issue 24, parts 3 and 6): ``county.toml`` against its format
(``junyun_lib/rules/county_config.toml``), and control characters and bad numbers in the small settings tables
(unit costs, budgets, plan, county-level table).

Every test asserts the located problem: file, key path (or row and column), value, the Chinese message and
its English gloss.  National values are typed here from the seed texts, never read from the rule files or the
code's output:

* seed 002 附件1 二(一) (restating 教督〔2017〕6号): "所有指标校际差异系数，小学均小于或等于0.50，初中均小于或等于0.45";
  "每所学校至少6项指标达到上述要求，余项不能低于要求的85%" — 7 indicators;
* seed 002 附件1 二(二)4: "所有小学、初中规模不超过2000人"; 二(三)1 "全县初中三年巩固率达到95%以上";
* 有关指标说明（六）（七） "近三年评估中": 2023–2025 (docs/decisions.md, decision 58), so the national last year is 2025.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from _problems import raised as errors
from junyun_lib.io.budgets import read_budget_file
from junyun_lib.io.costs import load_unit_costs
from junyun_lib.io.county_config import read_county_config
from junyun_lib.io.county_table import read_county_values
from junyun_lib.io.plan_file import read_plan
from junyun_lib.problems import ValidationError
from junyun_lib.rules import county_schema, load_standard, standard_codes
from junyun_lib.rules.scorecard_form import form

REPO = Path(__file__).resolve().parents[1]
SLUG = "ceshixian"
HEAD = f'name = "测试县"\nslug = "{SLUG}"\nplan = "测试县推进计划"\n'

# national values, from the seed text (module docstring)
CV_PRIMARY, CV_JUNIOR = 0.50, 0.45
SCHOOL_SIZE_PRIMARY = 2000
RETENTION_PERCENT = 95
MIN_MEETING, INDICATORS, FLOOR = 6, 7, 0.85
TRANSITIONAL_LAST_YEAR = 2025
NATIONAL_CV_CITATION = "教督〔2017〕6号"          # the national document the CV clause is cited by


def write_config(tmp_path: Path, body: str, head: str = HEAD) -> Path:
    folder = tmp_path / "data" / "raw" / SLUG
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "county.toml"
    path.write_text(head + body, encoding="utf-8")
    return path


def problems(tmp_path: Path, body: str, head: str = HEAD) -> list:
    path = write_config(tmp_path, body, head)
    with pytest.raises(ValidationError) as info:
        read_county_config(path)
    for p in info.value.problems:
        assert p.file == str(path) and p.severity == "error"
        assert p.message_zh and p.message_en
        assert "seed" not in p.message_zh.lower() and "seed" not in p.message_en.lower()   # cited by title
    return info.value.problems


def one(tmp_path: Path, body: str, head: str = HEAD):
    found = problems(tmp_path, body, head)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def loads(tmp_path: Path, body: str, head: str = HEAD):
    return read_county_config(write_config(tmp_path, body, head))


def g(x) -> str:
    """A number as a message shows it: as a file would write it (0.50 → 0.5)."""
    return f"{x:g}"


# ------------------------------------------------------------------------------------ the sample counties
def test_the_sample_counties_still_load():
    configs = {p.parent.name: read_county_config(p) for p in sorted((REPO / "data/raw").glob("*/county.toml"))}
    assert sorted(configs) == ["jinxian", "shicheng", "shizhu", "xiangning"]
    # 进贤县: "小学小于0.50，初中小于0.45" (seed 000 二(二)1(5)); 乡宁县: "公办小学、初中全部就近划片入学" (seed 002)
    assert load_standard("quality-2017", configs["jinxian"]).cv_limit["comparison"] == "<"
    assert configs["xiangning"].county_targets["nearby_enrolment_junior_min"]["value"] == 1.00
    assert configs["jinxian"].county_targets["staff_student_ratio_primary"]["value"] == 19


def test_the_format_knows_every_target_the_scorecard_reads():
    """Every ``override`` and county-own ``targets`` key of rules/scorecard.toml is in the format, and the
    format lists no target nothing reads."""
    read = set()
    for item in form()["items"]:
        read |= {item["override"]} if "override" in item else set()
        read |= set(item.get("targets", {}).values())
    assert set(county_schema.schema()["county_targets"]) == read


# ---------------------------------------------------------------------------- CV limits: stricter only
def test_cv_limits_exactly_at_the_national_limits_are_accepted(tmp_path):
    cfg = loads(tmp_path, f'[overrides.quality-2017.cv_limit]\nprimary = {CV_PRIMARY:.2f}\njunior = {CV_JUNIOR:.2f}\n'
                          'source = "测试县方案 二(一)"\n')
    limit = load_standard("quality-2017", cfg).cv_limit
    assert (limit["primary"], limit["junior"]) == (CV_PRIMARY, CV_JUNIOR)


@pytest.mark.parametrize("value", ["0.5000001", "0.9"])
def test_a_cv_limit_looser_than_the_national_one_is_refused(tmp_path, value):
    p = one(tmp_path, f'[overrides.quality-2017.cv_limit]\nprimary = {value}\nsource = "测试县方案 第三条"\n')
    assert (p.code, p.column, p.value) == ("looser_than_national", "overrides.quality-2017.cv_limit.primary", value)
    assert "只能从严" in p.message_zh and "不能放宽" in p.message_zh
    assert f"国家标准为 {g(CV_PRIMARY)}" in p.message_zh and f"本文件为 {value}" in p.message_zh
    # the national clause by its document, and the county's own document
    assert NATIONAL_CV_CITATION in p.message_zh and "小学均小于或等于0.50" in p.message_zh
    assert "测试县方案 第三条" in p.message_zh
    assert "stricter, never looser" in p.message_en and f"national {g(CV_PRIMARY)}" in p.message_en


def test_a_stricter_cv_limit_is_accepted(tmp_path):
    cfg = loads(tmp_path, '[overrides.quality-2017.cv_limit]\njunior = 0.40\nsource = "测试县方案"\n')
    assert load_standard("quality-2017", cfg).cv_limit["junior"] == 0.40


def test_without_its_own_source_the_county_document_is_its_plan(tmp_path):
    found = problems(tmp_path, "[overrides.quality-2017.cv_limit]\nprimary = 0.6\n")
    by_column = {p.column: p for p in found}
    assert by_column["overrides.quality-2017.cv_limit.source"].code == "missing_source"
    assert "出处" in by_column["overrides.quality-2017.cv_limit.source"].message_zh
    assert "测试县推进计划" in by_column["overrides.quality-2017.cv_limit.primary"].message_zh


# ---------------------------------------------------------------------------------------- comparisons
@pytest.mark.parametrize("written", ["<", "<="])
def test_a_comparison_may_stay_or_become_strict(tmp_path, written):
    """National "小于或等于" (<=): a county may write "<" (进贤县's 小于) or keep "<="."""
    cfg = loads(tmp_path, f'[overrides.quality-2017.cv_limit]\ncomparison = "{written}"\nsource = "测试县方案"\n')
    assert load_standard("quality-2017", cfg).cv_limit["comparison"] == written


def test_a_comparison_never_becomes_looser(tmp_path, monkeypatch):
    """Under a national "<" (none of today's standards has one) a county's "<=" is refused."""
    national = county_schema.national_rules("quality-2017")
    strict = {**national, "cv_limit": {**national["cv_limit"], "comparison": "<"}}
    monkeypatch.setattr(county_schema, "national_rules", lambda code: strict)
    p = one(tmp_path, '[overrides.quality-2017.cv_limit]\ncomparison = "<="\nsource = "测试县方案"\n')
    assert (p.code, p.column, p.value) == ("looser_than_national", "overrides.quality-2017.cv_limit.comparison", "<=")
    assert "不能放宽" in p.message_zh and NATIONAL_CV_CITATION in p.message_zh and "never looser" in p.message_en


def test_a_comparison_is_one_of_the_two(tmp_path):
    p = one(tmp_path, '[overrides.quality-2017.cv_limit]\ncomparison = ">"\nsource = "测试县方案"\n')
    assert (p.code, p.column, p.value) == ("bad_comparison", "overrides.quality-2017.cv_limit.comparison", ">")
    assert '"<="' in p.message_zh and '"<"' in p.message_zh and "must be" in p.message_en


# ------------------------------------------------------------------------------------ numbers and types
@pytest.mark.parametrize("written", ["nan", "inf", "-inf", "+nan"])
def test_nan_and_inf_are_refused(tmp_path, written):
    p = one(tmp_path, f'[overrides.quality-2017.cv_limit]\nprimary = {written}\nsource = "测试县方案"\n')
    assert (p.code, p.column) == ("non_finite", "overrides.quality-2017.cv_limit.primary")
    assert p.value.lstrip("+-") == written.lstrip("+-")
    assert "nan 或 inf" in p.message_zh and "finite" in p.message_en


def test_a_boolean_is_not_a_number(tmp_path):
    p = one(tmp_path, '[overrides.quality-2017.cv_limit]\nprimary = true\nsource = "测试县方案"\n')
    assert (p.code, p.column, p.value) == ("not_a_number", "overrides.quality-2017.cv_limit.primary", "true")
    assert "逻辑值" in p.message_zh and "boolean" in p.message_en


def test_a_non_numeric_transitional_year_is_refused(tmp_path):
    p = one(tmp_path, '[overrides.quality-2017.guarantee.transitional]\nlast_year = "abc"\nsource = "测试县方案"\n')
    assert (p.code, p.column, p.value) == ("not_a_number",
                                           "overrides.quality-2017.guarantee.transitional.last_year", "abc")
    assert "过渡期末年" in p.message_zh and "整数" in p.message_zh and "whole number" in p.message_en


def test_a_transitional_year_must_be_whole(tmp_path):
    p = one(tmp_path, '[overrides.quality-2017.guarantee.transitional]\nlast_year = 2024.5\nsource = "测试县方案"\n')
    assert (p.code, p.value) == ("not_an_integer", "2024.5")


def test_the_transitional_window_may_only_shorten(tmp_path):
    later = TRANSITIONAL_LAST_YEAR + 1
    p = one(tmp_path, f'[overrides.quality-2017.guarantee.transitional]\nlast_year = {later}\nsource = "测试县方案"\n')
    assert (p.code, p.column, p.value) == ("looser_than_national",
                                           "overrides.quality-2017.guarantee.transitional.last_year", str(later))
    assert f"国家标准为 {TRANSITIONAL_LAST_YEAR}" in p.message_zh and "有关指标说明" in p.message_zh
    earlier = TRANSITIONAL_LAST_YEAR - 1
    cfg = loads(tmp_path, f'[overrides.quality-2017.guarantee.transitional]\nlast_year = {earlier}\n'
                          'source = "测试县方案"\n')
    assert load_standard("quality-2017", cfg).guarantee["transitional"]["last_year"] == earlier


@pytest.mark.parametrize("body,column,value,code,zh", [
    (f"min_meeting = {INDICATORS + 1}", "min_meeting", str(INDICATORS + 1), "out_of_range", f"0–{INDICATORS}"),
    (f"min_meeting = {MIN_MEETING - 1}", "min_meeting", str(MIN_MEETING - 1), "looser_than_national",
     f"国家标准为 {MIN_MEETING}"),
    ("floor_ratio = 1.1", "floor_ratio", "1.1", "out_of_range", "0–1"),
    ("floor_ratio = 0.8", "floor_ratio", "0.8", "looser_than_national", f"国家标准为 {g(FLOOR)}"),
])
def test_the_school_rule_may_only_be_raised_within_its_range(tmp_path, body, column, value, code, zh):
    p = one(tmp_path, f'[overrides.quality-2017.school_rule]\n{body}\nsource = "测试县方案"\n')
    assert (p.code, p.column, p.value) == (code, f"overrides.quality-2017.school_rule.{column}", value)
    assert zh in p.message_zh


def test_the_whole_school_rule_may_be_asked(tmp_path):
    cfg = loads(tmp_path, f'[overrides.quality-2017.school_rule]\nmin_meeting = {INDICATORS}\nfloor_ratio = 1\n'
                          'source = "测试县方案"\n')
    assert load_standard("quality-2017", cfg).school_rule["min_meeting"] == INDICATORS


def test_school_size_limits_by_type(tmp_path):
    found = problems(tmp_path, f'[overrides.quality-2017.guarantee.school_size]\n'
                               f'limit = {{ "小学" = {SCHOOL_SIZE_PRIMARY + 1}, "初中" = 1500 }}\nsource = "测试县方案"\n')
    by_column = {p.column: p for p in found}
    looser = by_column["overrides.quality-2017.guarantee.school_size.limit.小学"]
    assert looser.code == "looser_than_national" and looser.value == str(SCHOOL_SIZE_PRIMARY + 1)
    assert f"国家标准为 {SCHOOL_SIZE_PRIMARY}" in looser.message_zh and "政府保障程度 第4项" in looser.message_zh
    unknown = by_column["overrides.quality-2017.guarantee.school_size.limit.初中"]
    assert unknown.code == "unknown_key" and "「初级中学」" in unknown.message_zh and "'初级中学'" in unknown.message_en
    cfg = loads(tmp_path, '[overrides.quality-2017.guarantee.school_size]\nlimit = { "小学" = 1800 }\n'
                          'source = "测试县方案"\n')
    limit = load_standard("quality-2017", cfg).guarantee["school_size"]["limit"]
    assert limit["小学"] == 1800 and limit["初级中学"] == SCHOOL_SIZE_PRIMARY     # the others stay national


# ------------------------------------------------------------------------------------ what may not change
@pytest.mark.parametrize("body,key", [("indicators = []", "indicators"), ('code = "basic-2012"', "code"),
                                      ('stage_pass_requires = ["school_rule"]', "stage_pass_requires")])
def test_what_a_county_may_not_change(tmp_path, body, key):
    p = one(tmp_path, f"[overrides.quality-2017]\n{body}\n")
    assert (p.code, p.column) == ("not_changeable", f"overrides.quality-2017.{key}")
    assert "不能由县区更改" in p.message_zh and "cv_limit" in p.message_zh
    assert "not a county's to change" in p.message_en


# ---------------------------------------------------------------------------------- unknown keys, typos
def test_a_misspelt_top_level_key(tmp_path):
    p = one(tmp_path, "plan_taget_year = 2030\n")
    assert (p.code, p.column) == ("unknown_key", "plan_taget_year")
    assert "是否为「plan_target_year」" in p.message_zh and "did you mean 'plan_target_year'" in p.message_en


def test_a_misspelt_standard_code(tmp_path):
    assert "quality-2017" in standard_codes()
    p = one(tmp_path, '[overrides.quality-2071.cv_limit]\nprimary = 0.4\nsource = "测试县方案"\n')
    assert (p.code, p.column) == ("unknown_key", "overrides.quality-2071")
    assert "评估标准" in p.message_zh and "是否为「quality-2017」" in p.message_zh
    assert "did you mean 'quality-2017'" in p.message_en


@pytest.mark.parametrize("body,column,meant", [
    ('[overrides.quality-2017.cv_limit]\nprimery = 0.4\nsource = "测试县方案"\n',
     "overrides.quality-2017.cv_limit.primery", "primary"),
    ('[overrides.quality-2017.cv_limt]\nprimary = 0.4\nsource = "测试县方案"\n', "overrides.quality-2017.cv_limt",
     "cv_limit"),
    ('[county_targets]\njunior_retension_min = { value = 0.97, source = "测试县方案" }\n',
     "county_targets.junior_retension_min", "junior_retention_min"),
    ('[county_targets]\njunior_retention_min = { valeu = 0.97, value = 0.97, source = "测试县方案" }\n',
     "county_targets.junior_retention_min.valeu", "value"),
])
def test_a_misspelt_key_inside(tmp_path, body, column, meant):
    p = one(tmp_path, body)
    assert (p.code, p.column) == ("unknown_key", column)
    assert f"是否为「{meant}」" in p.message_zh and f"did you mean {meant!r}" in p.message_en


def test_a_key_of_another_standard(tmp_path):
    """basic-2012 (教督〔2012〕3号) judges the composite CV: it has no cv_limit to change."""
    p = one(tmp_path, '[overrides.basic-2012.cv_limit]\nprimary = 0.4\nsource = "测试县方案"\n')
    assert (p.code, p.column) == ("unknown_key", "overrides.basic-2012.cv_limit")
    assert "是否为「composite_limit」" in p.message_zh


# ---------------------------------------------------------------------------------------- county targets
def test_a_county_target_at_or_above_the_national_threshold(tmp_path):
    at = loads(tmp_path, f'[county_targets]\njunior_retention_min = {{ value = {RETENTION_PERCENT / 100}, '
                         'source = "测试县方案" }\n')
    assert at.county_targets["junior_retention_min"]["value"] == 0.95
    assert loads(tmp_path, '[county_targets]\njunior_retention_min = { value = 0.97, source = "测试县方案" }\n')


def test_a_county_target_below_the_national_threshold_is_refused(tmp_path):
    p = one(tmp_path, '[county_targets]\njunior_retention_min = { value = 0.94, source = "测试县方案 第五条" }\n')
    assert (p.code, p.column, p.value) == ("looser_than_national", "county_targets.junior_retention_min.value", "0.94")
    assert f"国家标准为 {g(RETENTION_PERCENT / 100)}" in p.message_zh and "初中三年巩固率" in p.message_zh
    assert "教育质量 第1项" in p.message_zh and NATIONAL_CV_CITATION in p.message_zh
    assert "测试县方案 第五条" in p.message_zh and "never looser" in p.message_en


@pytest.mark.parametrize("value", ["97", "1.2", "-0.1"])
def test_a_county_target_is_a_share(tmp_path, value):
    p = one(tmp_path, f'[county_targets]\njunior_retention_min = {{ value = {value}, source = "测试县方案" }}\n')
    assert (p.code, p.column, p.value) == ("out_of_range", "county_targets.junior_retention_min.value", value)
    assert "0–1" in p.message_zh and "0.97" in p.message_zh and "within 0–1" in p.message_en


def test_a_county_target_names_its_source(tmp_path):
    found = problems(tmp_path, '[county_targets]\njunior_retention_min = { value = 0.97 }\n'
                               'staff_student_ratio_primary = 19\n')
    assert {(p.code, p.column) for p in found} == {
        ("missing_source", "county_targets.junior_retention_min.source"),
        ("county_config", "county_targets.staff_student_ratio_primary")}
    assert all("source" in p.message_zh for p in found)


def test_a_staffing_ratio_in_its_plausible_range(tmp_path):
    """进贤县 1:19 (seed 000 二(二)2(7)); 1.9 is a slip of the decimal point."""
    p = one(tmp_path, '[county_targets]\nstaff_student_ratio_primary = { value = 1.9, source = "测试县方案" }\n')
    assert (p.code, p.column, p.value) == ("out_of_range", "county_targets.staff_student_ratio_primary.value", "1.9")


# ------------------------------------------------------------------------------------ control characters
@pytest.mark.parametrize("key,escape", [("name", "\\u0007"), ("plan", "\\n"), ("province", "\\u001b[31m"),
                                        ("city", "\\t"), ("plan", "\\u0085"), ("name", "\\u007f")])
def test_control_characters_in_names_and_texts(tmp_path, key, escape):
    head = f'slug = "{SLUG}"\n' + "".join(f'{k} = "{"测试" + (escape if k == key else "")}县"\n'
                                           for k in ("name", "province", "city", "plan"))
    p = one(tmp_path, "", head=head)
    code = f"U+{ord(escape.encode().decode('unicode_escape')[0]):04X}"
    assert (p.code, p.column) == ("control_character", key)
    assert p.value.startswith("测试\\u00") and p.value.endswith("县")     # shown, never sent to the terminal
    assert code in p.message_zh and "控制字符" in p.message_zh and "control character" in p.message_en


def test_control_characters_in_sources_and_keys(tmp_path):
    found = problems(tmp_path, '[overrides.quality-2017.cv_limit]\ncomparison = "<"\nsource = "方案\\u0007"\n'
                               '[county_targets]\njunior_retention_min = { value = 0.97, source = "方\\r案" }\n'
                               '"bad\\u0007key" = 1\n', head=HEAD)
    located = {(p.code, p.column) for p in found}
    assert located == {("control_character", "overrides.quality-2017.cv_limit.source"),
                       ("control_character", "county_targets.junior_retention_min.source"),
                       ("unknown_key", "county_targets.bad\\u0007key")}


def test_a_raw_control_byte_in_the_file(tmp_path):
    path = write_config(tmp_path, "")
    path.write_bytes(f'name = "测试县"\nslug = "{SLUG}"\nplan = "测试'.encode() + b"\x07" + '县"\n'.encode())
    with pytest.raises(ValidationError) as info:
        read_county_config(path)
    (p,) = info.value.problems
    assert (p.code, p.file, p.row) == ("control_character", str(path), 3)
    assert "U+0007" in p.message_zh and "\\u0007" in p.value and "control character" in p.message_en


# ------------------------------------------------------------------------------------------ one pass
def test_all_problems_in_one_pass(tmp_path):
    found = problems(tmp_path, 'plan_taget_year = 2030\n[overrides.quality-2017]\nindicators = []\n'
                               '[overrides.quality-2017.cv_limit]\nprimary = 0.9\nsource = "测试县方案"\n')
    assert sorted(p.column for p in found) == ["overrides.quality-2017.cv_limit.primary",
                                               "overrides.quality-2017.indicators", "plan_taget_year"]


def test_the_command_line_refuses_a_broken_county_toml(tmp_path):
    """The real command, in a fresh process started from a temporary folder: exit 2, the located problem, no
    traceback, nothing written."""
    data = tmp_path / "data"
    folder = data / "raw" / "xiangning"
    folder.mkdir(parents=True)
    shutil.copy(REPO / "data/raw/xiangning/schools_2024.xlsx", folder / "schools_2024.xlsx")
    (folder / "county.toml").write_text('name = "乡宁县"\nslug = "xiangning"\n[overrides.quality-2017.cv_limit]\n'
                                        'primary = 0.9\nsource = "测试"\n', encoding="utf-8")
    before = {p.relative_to(tmp_path): hashlib.sha256(p.read_bytes()).hexdigest()
              for p in tmp_path.rglob("*") if p.is_file()}
    run = subprocess.run([sys.executable, "-m", "junyun_lib.cli", "ingest", str(folder / "schools_2024.xlsx"),
                          "--data-dir", str(data), "--out", str(tmp_path / "out")],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert "county.toml" in run.stderr and "overrides.quality-2017.cv_limit.primary" in run.stderr
    assert "0.9" in run.stderr and "不能放宽" in run.stderr and "never looser" in run.stderr
    after = {p.relative_to(tmp_path): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before and not (tmp_path / "out").exists()


# ======================================================================= the other small settings files
COSTS_HEADER = "indicator,unit_zh,cost_wan_per_unit,basis_zh,basis_en"


def csv_file(path: Path, *lines: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path


@pytest.mark.parametrize("cell,column", [("按本地标准\u0085估算", "basis_zh"), ('"两行\n说明"', "basis_en"),
                                         ("人\u007f", "unit_zh")])
def test_unit_costs_refuse_a_control_character(tmp_path, cell, column):
    cells = {"unit_zh": "人", "basis_zh": "估算", "basis_en": "estimate", column: cell}
    path = csv_file(tmp_path / "costs.csv", COSTS_HEADER,
                    f"key_teachers,{cells['unit_zh']},2,{cells['basis_zh']},{cells['basis_en']}")
    (p,) = errors(lambda: load_unit_costs(path))
    assert (p.code, p.file, p.row, p.column) == ("control_character", str(path), 2, column)
    assert "\\u00" in p.value and "控制字符" in p.message_zh and "control character" in p.message_en


def test_a_raw_control_byte_in_a_csv_is_located(tmp_path):
    path = tmp_path / "costs.csv"
    path.write_bytes(f"{COSTS_HEADER}\nkey_teachers,人,2,估".encode() + b"\x07" + "算,x\n".encode())
    (p,) = errors(lambda: load_unit_costs(path))
    assert (p.code, p.file, p.row) == ("control_character", str(path), 2)
    assert "U+0007" in p.message_zh and "\\u0007" in p.value


@pytest.mark.parametrize("cost,code,zh,en", [("-1", "negative", "不能为负数", "negative"),
                                             ("inf", "not_a_number", "不是数字", "not a number"),
                                             ("1e999", "non_finite", "无穷大", "infinite"),
                                             ("nan", "null_token", "空值标记", "null marker"),
                                             ("两万", "not_a_number", "不是数字", "not a number")])
def test_unit_costs_refuse_bad_numbers(tmp_path, cost, code, zh, en):
    path = csv_file(tmp_path / "costs.csv", COSTS_HEADER, f"key_teachers,人,{cost},估算,x")
    (p,) = errors(lambda: load_unit_costs(path))
    assert (p.code, p.file, p.row, p.column, p.value) == (code, str(path), 2, "cost_wan_per_unit", cost)
    assert zh in p.message_zh and en in p.message_en


@pytest.mark.parametrize("budget,code,zh,en", [("-800", "negative", "不能为负数", "negative"),
                                               ("inf", "not_a_number", "不是数字", "not a number"),
                                               ("1e999", "non_finite", "无穷大", "infinite"),
                                               ("NaN", "null_token", "空值标记", "null marker"),
                                               ("八百", "not_a_number", "不是数字", "not a number")])
def test_budgets_refuse_bad_numbers(tmp_path, budget, code, zh, en):
    path = csv_file(tmp_path / "budget.csv", "年度,预算（万元）", "2025,800", f"2026,{budget}")
    (p,) = errors(lambda: read_budget_file(path))
    assert (p.code, p.file, p.row, p.column, p.value) == (code, str(path), 3, "预算（万元）", budget)
    assert zh in p.message_zh and en in p.message_en


def test_budgets_refuse_a_control_character(tmp_path):
    path = csv_file(tmp_path / "budget.csv", "年度,预算（万元）", "2025,8\u008500")
    (p,) = errors(lambda: read_budget_file(path))
    assert (p.code, p.file, p.row, p.column, p.value) == ("control_character", str(path), 2, "预算（万元）",
                                                          "8\\u008500")


PLAN_HEADER = "item_no,item,category,year,target,direction,unit,metric,stage,stated,source,note"


@pytest.mark.parametrize("cell,column", [("骨干教师\u009b达标", "item"), ('"测试\n方案"', "source")])
def test_plans_refuse_a_control_character(tmp_path, cell, column):
    row = {"item": "骨干教师达标", "source": "测试方案", column: cell}
    path = csv_file(tmp_path / "plan.csv", PLAN_HEADER,
                    f"1,{row['item']},资源配置,2023,65,>=,%,indicator_share:key_teachers,all,yes,{row['source']},")
    (p,) = errors(lambda: read_plan(path))
    assert (p.code, p.file, p.row, p.column) == ("control_character", str(path), 2, column)
    assert "控制字符" in p.message_zh and "control character" in p.message_en


CT_HEADER = "指标代码,指标名称,数值,单位,来源,说明"


def test_county_tables_refuse_a_control_character_in_csv(tmp_path):
    path = csv_file(tmp_path / "county_indicators_2024.csv", CT_HEADER, "junior_retention,,96,%,教育\u0085局,")
    (p,) = errors(lambda: read_county_values(path))
    assert (p.code, p.file, p.row, p.column, p.value) == ("control_character", str(path), 2, "来源", "教育\\u0085局")


def test_county_tables_refuse_a_control_character_in_xlsx(tmp_path):
    """An Excel cell with a line break inside (Alt+Enter) and one with a C1 character (U+009B, the escape
    that starts a terminal command): each located by sheet, row and header."""
    path = tmp_path / "county_indicators_2024.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "县级指标"
    for row in (["指标代码", "数值", "单位", "来源", "说明"], ["junior_retention", 96, "%", "教育局\n统计科", ""],
                ["teacher_certification", 100, "%", "教育局", "已核\u009b实"]):
        ws.append(row)
    wb.save(path)
    found = errors(lambda: read_county_values(path))
    assert {(p.code, p.sheet, p.row, p.column, p.value) for p in found} == {
        ("control_character", "县级指标", 2, "来源", "教育局\\u000a统计科"),
        ("control_character", "县级指标", 3, "说明", "已核\\u009b实")}
