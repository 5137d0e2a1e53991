"""County-level indicator tables (junyun_lib.county_table) and plan.csv validation (junyun_lib.plan.read_plan).

Every input file here is written by hand in tmp_path; expected values, rows and columns are worked out by hand
(header = row 1, first data row = row 2, as Excel or a text editor shows it).
"""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from _files import sha256 as _sha
from _problems import located as _located, raised as _errors
from junyun_lib.cli import main
from junyun_lib.io.county_table import read_county_values, write_county_template
from junyun_lib.io.plan_file import read_plan
from junyun_lib.problems import ValidationError
from junyun_lib.rules.county_indicators import definitions
from junyun_lib.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
SLUGS = ("jinxian", "xiangning", "shicheng", "shizhu")
YEARS = (2021, 2022, 2023, 2024)
ZH = "指标代码,指标名称,数值,单位,来源,说明"
EN = "code,name,value,unit,source,note"


def load_county_values(data_dir, slug: str, county: str = "") -> dict:
    """Every year's county-level table of a county folder, through the workspace (the folder gets a
    county.toml naming the county, as a configured county has)."""
    folder = Path(data_dir) / "raw" / slug
    if folder.is_dir() and not (folder / "county.toml").exists() and county:
        (folder / "county.toml").write_text(f'name = "{county}"\nslug = "{slug}"\n', encoding="utf-8")
    return Workspace(data_dir).county_values(county or slug)


def load_plan(data_dir, slug: str):
    return Workspace(data_dir).plan(slug)


def _csv(path: Path, *lines: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _xlsx(path: Path, *rows, formats: dict | None = None) -> Path:
    """A one-sheet workbook with ``rows``; ``formats`` maps a cell ("B2") to its number format."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(list(row))
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    wb.save(path)
    return path


# ---------------------------------------------------------------------------------------------------------
# definitions
# ---------------------------------------------------------------------------------------------------------
def test_definitions_list_the_rules_file():
    defs = definitions()
    assert len(defs) == 49           # 20 codes of the plans (issue 4) + 28 of the scorecard (issue 6)
    #                                  + 小学巩固率 of 石柱县's plan (issue 13, seed 004 三(四)2)
    assert defs["primary_retention"].name_zh == "小学巩固率"
    d = defs["junior_retention"]
    assert (d.name_zh, d.unit, d.min, d.max) == ("初中三年巩固率", "%", 0.0, 100.0)
    assert "quality_monitoring" in defs and "disabled_enrolment" in defs
    assert all(d.code == code for code, d in defs.items())


# ---------------------------------------------------------------------------------------------------------
# a good file
# ---------------------------------------------------------------------------------------------------------
def test_good_file_values_blank_and_absent(tmp_path):
    path = _csv(tmp_path / "county_indicators_2024.csv", ZH,
                "junior_retention,初中三年巩固率,96.8,%,县教育局年报,",
                "disabled_enrolment,残疾儿童少年入学率,,%,县残联,暂缺",
                "teacher_certification,专任教师持证上岗,96.5%,%,人事股,",
                "layout_plan,学校规划布局合理,0,%,规划股,",
                "staffing,完善教职工编制,100,,编办,单位留空",
                "teacher_rotation,开展教师交流轮岗, 88.25 ,％,人事股,全角百分号")
    cv = read_county_values(path, county="测试县")
    assert cv.year == 2024 and cv.county == "测试县"
    assert cv.synthetic is False
    assert cv.get("junior_retention") == 96.8 and isinstance(cv.get("junior_retention"), float)
    assert cv.get("disabled_enrolment") is None              # blank = no data, never 0
    assert cv.get("quota_allocation") is None                # not in the file at all
    assert cv.get("teacher_certification") == 96.5           # "96.5%" with unit %
    assert cv.get("layout_plan") == 0.0 and cv.get("layout_plan") is not None
    assert cv.get("staffing") == 100.0
    assert cv.get("teacher_rotation") == 88.25
    assert list(cv.table["row"]) == [2, 3, 4, 5, 6, 7]
    assert list(cv.table["unit"]) == ["%"] * 6
    assert cv.evidence("junior_retention") == "县教育局年报（county_indicators_2024.csv 第2行）"
    assert cv.evidence("quota_allocation") == ""


def test_english_headers_any_case(tmp_path):
    path = _csv(tmp_path / "county_indicators_2023.csv", "Code,NAME, Value ,unit,Source,note",
                "junior_retention,whatever,95.1,%,office,",
                "social_recognition,,85.5,%,survey,")
    cv = read_county_values(path)
    assert cv.year == 2023
    assert cv.get("junior_retention") == 95.1
    assert cv.get("social_recognition") == 85.5
    assert cv.table.loc[cv.table["code"] == "social_recognition", "source"].iloc[0] == "survey"


def test_required_columns_only(tmp_path):
    path = _csv(tmp_path / "county_indicators_2022.csv", "指标代码,数值", "junior_retention,95", "ict_use,")
    cv = read_county_values(path)
    assert cv.get("junior_retention") == 95.0
    assert cv.get("ict_use") is None


def test_gbk_encoded_csv(tmp_path):
    path = _csv(tmp_path / "county_indicators_2024.csv", ZH,
                "junior_retention,初中三年巩固率,97.2,%,县教育局统计科,说明文字",
                "disabled_enrolment,残疾儿童少年入学率,96%,%,县残联,",
                encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")                    # really not UTF-8
    cv = read_county_values(path)
    assert cv.get("junior_retention") == 97.2
    assert cv.get("disabled_enrolment") == 96.0
    assert cv.table["source"].iloc[0] == "县教育局统计科"
    assert cv.table["note"].iloc[0] == "说明文字"


def test_synthetic_mark_in_source_or_note(tmp_path):
    a = _csv(tmp_path / "a" / "county_indicators_2024.csv", ZH, "junior_retention,,96,%,合成示例数据（测试）,")
    b = _csv(tmp_path / "b" / "county_indicators_2024.csv", ZH, "junior_retention,,96,%,教育局,本表为合成示例数据")
    c = _csv(tmp_path / "c" / "county_indicators_2024.csv", ZH, "junior_retention,,96,%,教育局,真实数据")
    assert read_county_values(a).synthetic is True
    assert read_county_values(b).synthetic is True
    assert read_county_values(c).synthetic is False


def test_year_argument_overrides_file_name(tmp_path):
    path = _csv(tmp_path / "县级指标.csv", ZH, "junior_retention,,96,%,x,")
    assert read_county_values(path, year=2022).year == 2022


def test_good_xlsx(tmp_path):
    path = _xlsx(tmp_path / "county_indicators_2024.xlsx",
                 ["指标代码", "指标名称", "数值", "单位", "来源", "说明"],
                 ["junior_retention", "初中三年巩固率", 96.8, "%", "教育局", None],
                 ["disabled_enrolment", "残疾儿童少年入学率", None, "%", "残联", None],
                 ["staffing", None, 100, "%", "编办", None],
                 ["teacher_certification", None, "96.5%", "%", "人事股", None])
    cv = read_county_values(path)
    assert cv.year == 2024
    assert cv.get("junior_retention") == 96.8
    assert cv.get("disabled_enrolment") is None
    assert cv.get("staffing") == 100.0
    assert cv.get("teacher_certification") == 96.5
    assert list(cv.table["row"]) == [2, 3, 4, 5]


# ---------------------------------------------------------------------------------------------------------
# bad input: every problem in one pass
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("header", [ZH, EN], ids=["chinese", "english"])
def test_every_row_problem_in_one_pass(tmp_path, header):
    code_col, value_col, unit_col = (header.split(",")[i] for i in (0, 2, 3))
    path = _csv(tmp_path / "county_indicators_2024.csv", header,
                "junior_retention,初中三年巩固率,96,%,教育局,",        # 2 ok (first of a duplicate)
                "junior_retension,,95,%,教育局,",                      # 3 unknown code, near miss
                "junior_retention,,97,%,教育局,",                      # 4 duplicate of row 2
                "teacher_pay,,abc,%,人事股,",                           # 5 not a number
                "teacher_training,,101,%,人事股,",                      # 6 over 100
                "staffing,,100,%,编办,",                               # 7 exactly 100: fine
                "layout_plan,,0,%,规划股,",                             # 8 exactly 0: fine
                "teacher_rotation,,50,人,人事股,",                      # 9 wrong unit
                ",,80,%,教育局,",                                      # 10 blank code
                "ict_use,,-0.1,%,电教站,",                              # 11 under 0
                "informatization,,100.01,%,电教站,",                    # 12 just over 100
                "social_recognition,,NaN,%,调查,")                      # 13 NaN is not a number
    before = _sha(path)
    problems = _errors(lambda: read_county_values(path, county="测试县"))
    assert _located(problems) == {
        ("unknown_code", 3, code_col, "junior_retension"),
        ("duplicate_code", 4, code_col, "junior_retention"),
        ("not_a_number", 5, value_col, "abc"),
        ("out_of_range", 6, value_col, "101"),
        ("wrong_unit", 9, unit_col, "人"),
        ("missing_code", 10, code_col, ""),
        ("out_of_range", 11, value_col, "-0.1"),
        ("out_of_range", 12, value_col, "100.01"),
        ("null_token", 13, value_col, "NaN"),         # a null marker (io.cells), not read as a number
    }
    assert len(problems) == 9
    for p in problems:
        assert p.severity == "error"
        assert p.message_zh.strip() and p.message_en.strip()
        assert p.file == str(path) and p.year == 2024 and p.county == "测试县"
    by_row = {p.row: p for p in problems}
    assert "junior_retention" in by_row[3].message_zh and "junior_retention" in by_row[3].message_en
    assert "第2行" in by_row[4].message_zh and "row 2" in by_row[4].message_en
    assert "%" in by_row[9].message_zh and "%" in by_row[9].message_en
    assert "0" in by_row[6].message_zh and "100" in by_row[6].message_zh
    assert _sha(path) == before                                 # reading never writes


def test_unknown_code_without_near_miss_points_to_template(tmp_path):
    path = _csv(tmp_path / "county_indicators_2024.csv", ZH, "zzzz_qqqq,,50,%,x,")
    (p,) = _errors(lambda: read_county_values(path))
    assert (p.code, p.row, p.value) == ("unknown_code", 2, "zzzz_qqqq")
    assert "county-template" in p.message_zh
    assert "did you mean" not in p.message_en


def test_unknown_and_missing_columns_on_row_1(tmp_path):
    path = _csv(tmp_path / "county_indicators_2024.csv", "指标代码,数量,单位", "junior_retention,96,%")
    problems = _errors(lambda: read_county_values(path))
    assert {(p.code, p.row, p.column) for p in problems} == {("unknown_column", 1, "数量"),
                                                              ("missing_column", 1, "")}
    missing = next(p for p in problems if p.code == "missing_column")
    assert "数值" in missing.message_zh and "value" in missing.message_en
    unknown = next(p for p in problems if p.code == "unknown_column")
    assert unknown.value == "数量" and unknown.message_zh and unknown.message_en


def test_both_required_columns_missing(tmp_path):
    path = _csv(tmp_path / "county_indicators_2024.csv", "单位,来源", "%,x")
    problems = _errors(lambda: read_county_values(path))
    assert sorted(p.message_zh for p in problems if p.code == "missing_column") == \
        sorted(["缺少必需的列「指标代码」", "缺少必需的列「数值」"])
    assert all(p.row == 1 for p in problems)


def test_duplicate_column_aliases(tmp_path):
    path = _csv(tmp_path / "county_indicators_2024.csv", "指标代码,数值,value", "junior_retention,96,97")
    (p,) = _errors(lambda: read_county_values(path))
    assert (p.code, p.row, p.column) == ("duplicate_column", 1, "value")


@pytest.mark.parametrize("name", ["county_indicators.csv", "county_indicators_24.csv", "县级指标2024.csv"])
def test_file_name_without_year(tmp_path, name):
    path = _csv(tmp_path / name, ZH, "junior_retention,,96,%,x,")
    (p,) = _errors(lambda: read_county_values(path))
    assert p.code == "no_year" and p.file == str(path)
    assert "county_indicators_" in p.message_zh and p.message_en


def test_undecodable_file(tmp_path):
    path = tmp_path / "county_indicators_2024.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\xff" * 10)
    (p,) = _errors(lambda: read_county_values(path))
    assert p.code == "encoding"


def test_xlsx_problem_rows(tmp_path):
    # an empty row 4 is skipped, rows stay as shown
    path = _xlsx(tmp_path / "county_indicators_2024.xlsx", ["code", "value", "unit"], ["junior_retention", 96, "%"],
                 ["teacher_pay", "abc", "%"], [None, None, None], ["staffing", 120, "%"])
    problems = _errors(lambda: read_county_values(path))
    assert _located(problems) == {("not_a_number", 3, "value", "abc"), ("out_of_range", 5, "value", "120")}


def test_csv_blank_line_keeps_editor_row_numbers(tmp_path):
    path = _csv(tmp_path / "county_indicators_2024.csv", "指标代码,数值", "junior_retention,96", "",
                "teacher_pay,abc")
    (p,) = _errors(lambda: read_county_values(path))
    assert (p.code, p.row) == ("not_a_number", 4)              # line 4 in a text editor (and in Excel)


def test_xlsx_percent_formatted_cell_not_misread(tmp_path):
    # B2 holds 0.968 formatted "0.0%": Excel shows 96.8%
    path = _xlsx(tmp_path / "county_indicators_2024.xlsx", ["指标代码", "数值", "单位"], ["junior_retention", 0.968, "%"],
                 formats={"B2": "0.0%"})
    try:
        cv = read_county_values(path)
    except ValidationError:
        return                                                   # reporting it is also acceptable
    assert cv.get("junior_retention") == pytest.approx(96.8)


def test_repeated_identical_header_reported_as_written(tmp_path):
    path = _csv(tmp_path / "county_indicators_2024.csv", "指标代码,数值,数值", "junior_retention,96,97")
    problems = _errors(lambda: read_county_values(path))
    assert [(p.code, p.row, p.column) for p in problems] == [("duplicate_column", 1, "数值")]


# ---------------------------------------------------------------------------------------------------------
# load_county_values
# ---------------------------------------------------------------------------------------------------------
def test_load_reports_problems_of_all_years_together(tmp_path):
    folder = tmp_path / "raw" / "testxian"
    a = _csv(folder / "county_indicators_2023.csv", ZH, "junior_retention,,95,%,x,", "teacher_pay,,九十,%,x,")
    b = _csv(folder / "county_indicators_2024.csv", ZH, "teacher_retention,,95,%,x,")
    hashes = {a: _sha(a), b: _sha(b)}
    problems = _errors(lambda: load_county_values(tmp_path, "testxian", county="测试县"))
    assert {(Path(p.file).name, p.year, p.code, p.row, p.value) for p in problems} == {
        ("county_indicators_2023.csv", 2023, "not_a_number", 3, "九十"),
        ("county_indicators_2024.csv", 2024, "unknown_code", 2, "teacher_retention"),
    }
    assert all(p.county == "测试县" for p in problems)
    assert {path: _sha(path) for path in hashes} == hashes


def test_load_good_years_and_files_unchanged(tmp_path):
    folder = tmp_path / "raw" / "testxian"
    a = _csv(folder / "county_indicators_2023.csv", ZH, "junior_retention,,95.5,%,x,")
    b = _csv(folder / "county_indicators_2024.csv", ZH, "junior_retention,,96.25,%,x,", "ict_use,,,%,x,")
    _csv(folder / "other_2024.csv", "a,b", "1,2")               # not a county-level table: ignored
    hashes = {a: _sha(a), b: _sha(b)}
    out = load_county_values(tmp_path, "testxian", county="测试县")
    assert sorted(out) == [2023, 2024]
    assert out[2023].get("junior_retention") == 95.5 and out[2023].year == 2023
    assert out[2024].get("junior_retention") == 96.25 and out[2024].get("ict_use") is None
    assert out[2024].county == "测试县"
    assert {path: _sha(path) for path in hashes} == hashes
    assert load_county_values(tmp_path, "nosuchxian") == {}


# ---------------------------------------------------------------------------------------------------------
# template round trip and the CLI
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_template_round_trip(tmp_path, suffix):
    path = write_county_template(tmp_path / "sub" / f"county_indicators_2024.{suffix}", year=2024)
    assert path.is_file()
    cv = read_county_values(path)
    defs = definitions()
    assert cv.year == 2024
    assert list(cv.table["code"]) == list(defs)
    assert all(cv.get(code) is None for code in defs)
    assert list(cv.table["unit"]) == [d.unit for d in defs.values()]
    assert list(cv.table["row"]) == list(range(2, 2 + len(defs)))
    assert cv.synthetic is False


def test_cli_county_template_and_no_overwrite(tmp_path, capsys):
    path = tmp_path / "county_indicators_2024.csv"
    folders = ["--data-dir", str(tmp_path / "data"), "--out", str(tmp_path)]
    assert main(["county-template", str(path), *folders]) == 0
    assert path.is_file()
    assert list(read_county_values(path).table["code"]) == list(definitions())
    _csv(path, ZH, "junior_retention,,96.8,%,教育局,已填写")    # the analyst fills it in
    edited = path.read_bytes()
    assert main(["county-template", str(path), *folders]) == 2
    assert path.read_bytes() == edited
    assert "--force" in capsys.readouterr().err
    assert main(["county-template", str(path), "--force", *folders]) == 0
    assert path.read_bytes() != edited


# ---------------------------------------------------------------------------------------------------------
# the committed sample tables
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("slug", SLUGS)
def test_committed_samples_read_cleanly(slug):
    for year in YEARS:
        path = ROOT / "data" / "raw" / slug / f"county_indicators_{year}.csv"
        cv = read_county_values(path)
        assert cv.year == year
        assert cv.synthetic is True
        assert list(cv.table["code"]) == list(definitions())
    loaded = load_county_values(ROOT / "data", slug)
    assert sorted(loaded) == list(YEARS)


def test_write_county_samples_reproduces_committed_files(tmp_path):
    from junyun_lib.io.sample import write_county_sample

    written = [write_county_sample(s, y, tmp_path / s / f"county_indicators_{y}.csv") for s in SLUGS for y in YEARS]
    expected = {f"{s}/county_indicators_{y}.csv" for s in SLUGS for y in YEARS}
    assert {p.relative_to(tmp_path).as_posix() for p in written} == expected
    for rel in sorted(expected):
        assert (tmp_path / rel).read_bytes() == (ROOT / "data" / "raw" / rel).read_bytes(), rel


def test_jinxian_sample_values():
    values = load_county_values(ROOT / "data", "jinxian", county="进贤县")
    assert values[2024].get("junior_retention") == 96.8
    assert values[2024].get("quality_monitoring") is None
    assert values[2021].get("junior_retention") == 93.6
    assert values[2024].get("disabled_enrolment") == 97.1
    assert all(values[y].get("quality_monitoring") is None for y in YEARS)


# ---------------------------------------------------------------------------------------------------------
# plan.csv validation
# ---------------------------------------------------------------------------------------------------------
PLAN_HEADER = "item_no,item,category,year,target,direction,unit,metric,stage,stated,source,note"


def test_plan_every_problem_in_one_pass(tmp_path):
    path = _csv(tmp_path / "plan.csv", PLAN_HEADER,
                "1,教师高于规定学历人数,资源配置,2021,65,>=,%,indicator_share:teachers_above_degree,all,yes,src 1,",  # 2 ok
                "1a,x,c,2021,65,>=,%,indicator_share:key_teachers,all,yes,src,",          # 3 item_no
                "2,x,c,2021,65,=>,%,indicator_share:key_teachers,all,yes,src,",           # 4 direction
                "3,x,c,2021,65,>=,%,indicator_share:key_teachers,middle,yes,src,",        # 5 stage
                "4,x,c,2021,70,>=,%,indicator_share:key_teachers,all,no,src,",            # 6 stated=no with target
                "5,x,c,2021,,>=,%,indicator_share:key_teachers,all,yes,src,",             # 7 stated=yes, blank
                "6,x,c,2021,65,>=,%,teacher_share:key_teachers,all,yes,src,",             # 8 unknown kind
                "7,x,c,2021,65,>=,%,indicator_share:nope,all,yes,src,",                   # 9 unknown argument
                "8,x,c,2021,0.5,<=,系数,max_cv,all,yes,src,",                              # 10 max_cv with all
                "9,x,c,2021,95,>=,系数,county:junior_retention,junior,yes,src,",           # 11 wrong unit
                "1,x,c,2021,66,>=,%,indicator_share:teachers_above_degree,all,yes,src,",  # 12 duplicate of 2
                "10,x,c,2021,65,>=,%,indicator_share:key_teachers,all,yes,,",             # 13 blank source
                "11,x,c,2022,,>=,%,indicator_share:key_teachers,all,no,src,",             # 14 ok: not stated
                "12,x,c,2022,0.45,<=,系数,max_cv,primary,yes,src,",                        # 15 ok
                "13,x,c,2022,95,>=,%,county:junior_retention,junior,yes,src,")            # 16 ok
    problems = _errors(lambda: read_plan(path, county="测试县"))
    assert _located(problems) == {
        ("bad_value", 3, "item_no", "1a"),
        ("bad_value", 4, "direction", "=>"),
        ("bad_value", 5, "stage", "middle"),
        ("bad_value", 6, "target", "70"),
        ("bad_value", 7, "target", ""),
        ("bad_value", 8, "metric", "teacher_share:key_teachers"),
        ("bad_value", 9, "metric", "indicator_share:nope"),
        ("bad_value", 10, "metric", "max_cv"),
        ("bad_value", 11, "metric", "county:junior_retention"),
        ("duplicate", 12, "year", "2021"),
        ("bad_value", 13, "source", ""),
    }
    assert len(problems) == 11
    for p in problems:
        assert p.message_zh.strip() and p.message_en.strip()
        assert p.file == str(path) and p.county == "测试县"
    by_row = {p.row: p for p in problems}
    assert "不得推测" in by_row[6].message_zh and "never guessed" in by_row[6].message_en
    assert "indicator_share" in by_row[8].message_zh                    # lists the known kinds
    assert "primary" in by_row[10].message_en and "junior" in by_row[10].message_en
    assert "%" in by_row[11].message_zh and "%" in by_row[11].message_en
    assert "第2行" in by_row[12].message_zh and "row 2" in by_row[12].message_en


def test_plan_good_rows(tmp_path):
    path = _csv(tmp_path / "demo" / "plan.csv", PLAN_HEADER,
                "2,x,c,2022,,>=,%,indicator_share:key_teachers,all,no,src,",
                "2,x,c,2021,65,>=,%,indicator_share:key_teachers,all,yes,src,",
                "1,y,c,2021,0.5,<=,系数,composite_cv,junior,yes,src,note")
    plan = read_plan(path)
    assert plan.slug == "demo"
    assert list(zip(plan.rows["item_no"], plan.rows["year"])) == [(1, 2021), (2, 2021), (2, 2022)]
    assert plan.rows["target"].iloc[0] == 0.5
    assert plan.rows["target"].isna().tolist() == [False, False, True]
    assert plan.rows["stated"].tolist() == [True, True, False]
    assert plan.years == [2021, 2022]


def test_plan_missing_columns(tmp_path):
    path = _csv(tmp_path / "plan.csv", "item_no,item,year,target", "1,x,2021,65")
    problems = _errors(lambda: read_plan(path))
    assert {p.message_en for p in problems} == {f"required column {c!r} is missing"
                                                for c in ("direction", "unit", "metric", "stage", "stated",
                                                          "source")}
    assert all(p.row == 1 for p in problems)


def test_plan_blank_line_keeps_editor_row_numbers(tmp_path):
    path = _csv(tmp_path / "plan.csv", PLAN_HEADER,
                "1,x,c,2021,65,>=,%,indicator_share:key_teachers,all,yes,src,", "",
                "1,x,c,2022,abc,>=,%,indicator_share:key_teachers,all,yes,src,")
    (p,) = _errors(lambda: read_plan(path))
    assert (p.row, p.column) == (4, "target")


@pytest.mark.parametrize("slug", ["jinxian", "shizhu", "xiangning", "shicheng"])
def test_committed_plans_load(slug):
    plan = load_plan(ROOT / "data", slug)
    assert plan is not None and plan.slug == slug
    assert len(plan.rows) > 0
    assert (plan.rows["source"].str.strip() != "").all()
    if slug == "jinxian":
        assert len(plan.rows) == 290


def test_load_plan_absent_is_none(tmp_path):
    assert load_plan(tmp_path, "nosuchxian") is None
