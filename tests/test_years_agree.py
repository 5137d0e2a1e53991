"""Years agree (统计年度一致, issue 24 part 5): the statistics year in a file's name, in its 统计年度 column and in
``--year`` must agree, and lie within 2010 .. next year (Beijing time), or the command stops with a located error
(exit 2, nothing written).

The user's report: a raw ``schools_2023.xlsx`` holding 2024's rows silently replaced the processed 2024 table on
``junyun ingest``, and a statistics year of 2100 was ingested.

Inputs are copies of the synthetic sample files in ``data/raw/jinxian/`` — renamed, or with their 统计年度 cells
edited with openpyxl — never made by the code under test.  Next year is computed here from the clock in
Beijing, as the rule says.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pytest

import _exports as ex
from _files import sha256
from _problems import raised as problems_of
from junyun_lib.cli import main
from junyun_lib.io.county_table import read_county_values, write_county_template
from junyun_lib.io.importer import import_exports
from junyun_lib.io.processed import read_processed, read_table
from junyun_lib.io.reader import read_schools
from junyun_lib.problems import ValidationError
from junyun_lib.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "raw" / "jinxian"
SAMPLE_YEAR = 2024                       # the year of the sample's rows and of its file name
COUNTY, SLUG = "进贤县", "jinxian"
HEADER, SHEET = "统计年度", "学校数据"


def next_year() -> int:
    return datetime.now(ZoneInfo("Asia/Shanghai")).year + 1


def boundaries():
    """(year, accepted): the first year read, the one before, next year, the one after."""
    last = next_year()
    return [(2010, True), (2009, False), (last, True), (last + 1, False)]


# ------------------------------------------------------------------------------------------------- inputs
def school_copy(folder: Path, name: str, year: int | None = None, rows: tuple[int, ...] = ()) -> Path:
    """The sample's 2024 school table copied to ``folder/name``; with ``year``, the 统计年度 cell of the given
    Excel ``rows`` (all rows when none are given) set to it, and a year built later than it brought back to it
    (a table of 2010 cannot list a school built in 2015)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    shutil.copy(SAMPLE / f"schools_{SAMPLE_YEAR}.xlsx", path)
    if year is None:
        return path
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET]
    header = [c.value for c in sheet[1]]
    year_col, built_col = header.index(HEADER) + 1, header.index("建成年份") + 1
    for row in rows or range(2, sheet.max_row + 1):
        sheet.cell(row, year_col).value = year
        built = sheet.cell(row, built_col)
        if isinstance(built.value, (int, float)) and built.value > year:
            built.value = year
    book.save(path)
    return path


def county_copy(folder: Path, name: str) -> Path:
    """The sample's 2024 county-level table copied to ``folder/name``."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE / f"county_indicators_{SAMPLE_YEAR}.csv", folder / name)
    return folder / name


def county_folder(tmp_path: Path) -> Path:
    """``<tmp>/data/raw/jinxian`` holding the county's configuration (so rows land under the slug jinxian)."""
    folder = tmp_path / "data" / "raw" / SLUG
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE / "county.toml", folder / "county.toml")
    return folder


def codes(problems) -> list[str]:
    return [p.code for p in problems]


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """The real command line in its own process, from a folder outside the repository."""
    env = {k: v for k, v in os.environ.items() if k not in ("JUNYUN_DATA", "JUNYUN_OUTPUTS")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "junyun_lib.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=600)


def cli(capsys, *args) -> tuple[int, str]:
    capsys.readouterr()
    status = main(list(map(str, args)))
    return status, capsys.readouterr().err


# ------------------------------------------------------------------------------ file name against the column
def test_ingest_refuses_a_file_named_for_another_year(tmp_path):
    """The user's report: schools_2023.xlsx holding 2024's rows must not replace the processed 2024 table."""
    assert REPO not in tmp_path.parents
    folder = county_folder(tmp_path)
    data, out = tmp_path / "data", tmp_path / "outputs"
    good = school_copy(folder, "schools_2024.xlsx")
    done = run_cli(["ingest", str(good), "--data-dir", str(data), "--out", str(out)], tmp_path)
    assert done.returncode == 0, done.stderr
    processed = data / "processed" / SLUG / "2024.parquet"
    before = sha256(processed)

    misnamed = school_copy(folder, "schools_2023.xlsx")             # 2024's rows under 2023's name
    for files in ([misnamed], [good, misnamed]):                   # alone, and with a good file: nothing written
        done = run_cli(["ingest", *map(str, files), "--data-dir", str(data), "--out", str(out)], tmp_path)
        assert done.returncode == 2, done.stderr
        err = done.stderr
        assert "Traceback" not in err
        assert "schools_2023.xlsx" in err and f"工作表「{SHEET}」" in err and "第2行" in err
        assert f"列「{HEADER}」" in err and "值「2024」" in err
        assert "文件名中的统计年度为 2023" in err and "全部" in err and "为 2024" in err
        assert "the file name says 2023" in err and "2024" in err and "statistics years disagree" in err
        assert sorted(p.name for p in (data / "processed").rglob("*") if p.is_file()) == ["2024.parquet"]
        assert sha256(processed) == before


def test_first_disagreeing_row_and_count_with_the_other_problems(tmp_path):
    """Rows of another year inside a named file: the first one and how many, in the same pass as a bad cell."""
    path = school_copy(tmp_path, "schools_2024.xlsx", year=2023, rows=(5, 9))
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET]
    header = [c.value for c in sheet[1]]
    sheet.cell(7, header.index("小学在校生数") + 1).value = "约三百"
    book.save(path)
    problems = problems_of(read_schools, path)
    (year,) = [p for p in problems if p.code == "year_disagrees"]
    assert (year.file, year.sheet, year.row, year.column, year.value) == (str(path), SHEET, 5, HEADER, "2023")
    assert "文件名中的统计年度为 2024" in year.message_zh and "不一致的共 2 行" in year.message_zh
    assert "2023 共 2 行（第5行起）" in year.message_zh
    assert "2 row(s) disagree, the first on row 5" in year.message_en
    assert any(p.code == "not_a_number" and p.row == 7 and p.column == "小学在校生数" for p in problems), codes(problems)


def test_a_name_without_a_year_has_nothing_to_compare(tmp_path):
    path = school_copy(tmp_path, "schools.xlsx", year=2022, rows=(2, 3))
    assert [y for _, y in read_schools(path).county_years()] == [2022, 2024]


# --------------------------------------------------------------------------------------- --year against both
def test_evaluate_year_disagrees_with_the_column(tmp_path, capsys):
    folder = county_folder(tmp_path)
    path = school_copy(folder, "schools_2024.xlsx")
    json_out = tmp_path / "out" / "r.json"
    status, err = cli(capsys, "evaluate", path, "--year", 2023, "--json", json_out, "--data-dir", tmp_path / "data",
                      "--out", tmp_path / "out")
    assert status == 2, err
    assert "schools_2024.xlsx" in err and f"列「{HEADER}」" in err and "第2行" in err
    assert "指定的年度（--year）为 2023" in err and "--year is 2023" in err and "数据中没有 2023 年度" in err
    assert "文件名中的统计年度为 2024" in err and "为 2024" in err
    assert not json_out.exists()
    # a file whose name states no year: --year still has to be in its column
    nameless = school_copy(folder, "schools.xlsx")
    status, err = cli(capsys, "evaluate", nameless, "--year", 2023, "--data-dir", tmp_path / "data",
                      "--out", tmp_path / "out")
    assert status == 2 and "2023" in err and "现有：2024" in err


def test_all_three_disagree(tmp_path, capsys):
    folder = county_folder(tmp_path)
    path = school_copy(folder, "schools_2023.xlsx")                 # name 2023, rows 2024, --year 2022
    (p,) = problems_of(read_schools, path, year=2022)
    assert (p.code, p.row, p.column, p.value, p.sheet) == ("year_disagrees", 2, HEADER, "2024", SHEET)
    for text in ("文件名中的统计年度为 2023", "全部", "为 2024", "指定的年度（--year）为 2022", "数据中没有 2022 年度"):
        assert text in p.message_zh, p.message_zh
    for text in ("the file name says 2023", "holds 2024", "--year is 2022"):
        assert text in p.message_en, p.message_en
    status, err = cli(capsys, "evaluate", path, "--year", 2022, "--data-dir", tmp_path / "data",
                      "--out", tmp_path / "out")
    assert status == 2 and "2023" in err and "2024" in err and "2022" in err and "schools_2023.xlsx" in err


def test_matching_year_selects_as_before(tmp_path):
    path = school_copy(tmp_path, "schools_2024.xlsx")
    assert read_schools(path, year=2024).county_years() == [(COUNTY, 2024)]


# --------------------------------------------------------------------------------------------- the range
@pytest.mark.parametrize("year,accepted", boundaries(), ids=["2010", "2009", "next-year", "next-year+1"])
def test_school_table_statistics_year_range(tmp_path, year, accepted):
    path = school_copy(tmp_path, "schools.xlsx", year=year)
    if accepted:
        assert read_schools(path).county_years() == [(COUNTY, year)]
        return
    problems = problems_of(read_schools, path)
    assert set(codes(problems)) == {"year_range"}
    assert {p.column for p in problems} == {HEADER} and {p.value for p in problems} == {str(year)}
    assert len(problems) == 178                                     # every row, located
    assert f"2010–{next_year()}" in problems[0].message_zh and "Beijing" in problems[0].message_en


def test_built_year_keeps_its_own_range(tmp_path):
    """Only the statistics year is 2010 .. next year: a school built in 1950 is still read."""
    path = school_copy(tmp_path, "schools_2024.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book[SHEET]
    sheet.cell(2, [c.value for c in sheet[1]].index("建成年份") + 1).value = 1950
    book.save(path)
    assert int(read_schools(path).frame["built_year"].iat[0]) == 1950


def test_ingest_refuses_2100(tmp_path, capsys):
    folder = county_folder(tmp_path)
    path = school_copy(folder, "schools.xlsx", year=2100)
    status, err = cli(capsys, "ingest", path, "--data-dir", tmp_path / "data", "--out", tmp_path / "outputs")
    assert status == 2 and "值「2100」" in err and f"列「{HEADER}」" in err
    assert not (tmp_path / "data" / "processed").exists()


@pytest.mark.parametrize("year,accepted", boundaries(), ids=["2010", "2009", "next-year", "next-year+1"])
def test_file_name_year_range(tmp_path, year, accepted):
    if accepted:                                                   # name and rows of that year
        path = school_copy(tmp_path, f"schools_{year}.xlsx", year=year)
        assert read_schools(path).county_years() == [(COUNTY, year)]
        return
    path = school_copy(tmp_path, f"schools_{year}.xlsx")            # only the name is out of range
    (p,) = problems_of(read_schools, path)                          # said once: not compared with the rows
    assert (p.code, p.file, p.value) == ("file_name_year_range", str(path), str(year))
    assert f"2010–{next_year()}" in p.message_zh and "file name" in p.message_en


@pytest.mark.parametrize("year,accepted", boundaries(), ids=["2010", "2009", "next-year", "next-year+1"])
def test_year_option_range(tmp_path, year, accepted):
    if accepted:
        path = school_copy(tmp_path, "schools.xlsx", year=year)
        assert read_schools(path, year=year).county_years() == [(COUNTY, year)]
        return
    path = school_copy(tmp_path, "schools.xlsx")
    (p,) = problems_of(read_schools, path, year=year)               # not also "not in the data"
    assert (p.code, p.value) == ("year_option_range", str(year))
    assert "--year" in p.message_zh and f"2010–{next_year()}" in p.message_zh


def test_evaluate_year_option_out_of_range(tmp_path, capsys):
    folder = county_folder(tmp_path)
    path = school_copy(folder, "schools_2024.xlsx")
    status, err = cli(capsys, "evaluate", path, "--year", next_year() + 1, "--data-dir", tmp_path / "data",
                      "--out", tmp_path / "out")
    assert status == 2 and "超出范围" in err and "out of range" in err and str(next_year() + 1) in err


# ---------------------------------------------------------------------------------------- county-level table
@pytest.mark.parametrize("year,accepted", boundaries(), ids=["2010", "2009", "next-year", "next-year+1"])
def test_county_table_year_range(tmp_path, year, accepted):
    path = county_copy(tmp_path, f"county_indicators_{year}.csv")
    nameless = county_copy(tmp_path, "县级指标.csv")
    if accepted:
        assert read_county_values(path).year == year
        assert read_county_values(nameless, year=year).year == year
        return
    (p,) = problems_of(read_county_values, path)
    assert (p.code, p.file, p.value) == ("file_name_year_range", str(path), str(year))
    (p,) = problems_of(read_county_values, nameless, year=year)
    assert (p.code, p.value) == ("year_option_range", str(year))


def test_county_table_through_the_workspace_says_it_once(tmp_path):
    folder = county_folder(tmp_path)
    county_copy(folder, "county_indicators_2009.csv")
    (p,) = problems_of(Workspace(tmp_path / "data", tmp_path / "outputs").county_values, COUNTY)
    assert p.code == "file_name_year_range" and p.value == "2009"


def test_county_table_year_disagrees_with_its_name(tmp_path):
    path = county_copy(tmp_path, "county_indicators_2024.csv")
    (p,) = problems_of(read_county_values, path, year=2023)
    assert p.code == "year_disagrees" and p.file == str(path)
    assert "文件名中的统计年度为 2024" in p.message_zh and "2023" in p.message_zh
    assert "the file name says 2024" in p.message_en and "2023" in p.message_en


@pytest.mark.parametrize("year,accepted", boundaries(), ids=["2010", "2009", "next-year", "next-year+1"])
def test_county_template_year_range(tmp_path, capsys, year, accepted):
    path = tmp_path / "data" / "raw" / SLUG / f"county_indicators_{year}.csv"
    status, err = cli(capsys, "county-template", path, "--year", year, "--data-dir", tmp_path / "data",
                      "--out", tmp_path / "out")
    assert (status == 0) == accepted, err
    assert path.exists() == accepted
    if not accepted:
        assert "超出范围" in err and str(year) in err


def test_county_template_year_disagrees_with_its_name(tmp_path, capsys):
    path = tmp_path / "data" / "raw" / SLUG / "county_indicators_2024.csv"
    status, err = cli(capsys, "county-template", path, "--year", 2023, "--data-dir", tmp_path / "data",
                      "--out", tmp_path / "out")
    assert status == 2 and not path.exists()
    assert "文件名中的统计年度为 2024" in err and "--year）为 2023" in err
    with pytest.raises(ValidationError):
        write_county_template(tmp_path / "county_indicators_2024.xlsx", year=2023)
    assert not (tmp_path / "county_indicators_2024.xlsx").exists()


# ------------------------------------------------------------------------------------------------ import
def test_import_year_disagrees_with_the_output_name(tmp_path, capsys):
    files, supplement = ex.import_files(tmp_path / "data" / "exports", ex.LAYOUT_2021)
    out = tmp_path / "data" / "raw" / "testxian" / f"schools_{ex.YEAR + 1}.xlsx"
    status, err = cli(capsys, "import", *files, "--supplement", supplement, "--year", ex.YEAR, "--county", ex.COUNTY,
                      "--out", out, "--data-dir", tmp_path / "data")
    assert status == 2, err
    assert f"文件名中的统计年度为 {ex.YEAR + 1}" in err and str(ex.YEAR) in err and "--year" in err
    assert not out.exists() and not list(out.parent.glob("*"))


@pytest.mark.parametrize("year", [2009, "next+1"])
def test_import_year_out_of_range(tmp_path, capsys, year):
    year = next_year() + 1 if year == "next+1" else year
    files, supplement = ex.import_files(tmp_path / "data" / "exports", ex.LAYOUT_2021)
    problems = problems_of(import_exports, files, year, ex.COUNTY, supplement=supplement)
    assert codes(problems) == ["year_option_range"]
    out = tmp_path / "data" / "raw" / "testxian" / "schools.xlsx"
    status, err = cli(capsys, "import", *files, "--supplement", supplement, "--year", year, "--county", ex.COUNTY,
                      "--out", out, "--data-dir", tmp_path / "data")
    assert status == 2 and "超出范围" in err and not out.exists()


# --------------------------------------------------------------------------------------------- processed
@pytest.fixture
def processed_2024(tmp_path) -> Path:
    folder = county_folder(tmp_path)
    school_copy(folder, "schools_2024.xlsx")
    assert main(["ingest", str(folder / "schools_2024.xlsx"), "--data-dir", str(tmp_path / "data")]) == 0
    return tmp_path / "data" / "processed" / SLUG / "2024.parquet"


def test_processed_file_named_for_another_year(tmp_path, processed_2024, capsys):
    renamed = processed_2024.with_name("2023.parquet")
    shutil.copy(processed_2024, renamed)
    (p,) = problems_of(read_processed, renamed)
    assert (p.code, p.file, p.column, p.value) == ("year_disagrees", str(renamed), HEADER, "2024")
    assert "文件名中的统计年度为 2023" in p.message_zh and "为 2024" in p.message_zh
    assert "schools_2024.xlsx 第2行" in p.message_zh                  # where the first such row came from
    with pytest.raises(ValidationError):
        Workspace(tmp_path / "data", tmp_path / "outputs").table(COUNTY)
    status, err = cli(capsys, "evaluate", renamed, "--data-dir", tmp_path / "data", "--out", tmp_path / "out")
    assert status == 2 and "2023.parquet" in err and "2024" in err


def test_processed_file_against_year_option(processed_2024):
    (p,) = problems_of(read_table, processed_2024, year=2023)
    assert p.code == "year_disagrees" and "--year）为 2023" in p.message_zh and "not in the data" in p.message_en
    assert read_table(processed_2024, year=2024).county_years() == [(COUNTY, 2024)]


def test_processed_file_name_out_of_range(processed_2024):
    renamed = processed_2024.with_name("2009.parquet")
    shutil.copy(processed_2024, renamed)
    (p,) = problems_of(read_processed, renamed)
    assert (p.code, p.value) == ("file_name_year_range", "2009")


def test_processed_rows_out_of_range(processed_2024):
    """A processed file written before the rule (rows of 2100) is refused when read, not evaluated."""
    frame = pd.read_parquet(processed_2024).assign(year=2100)
    old = processed_2024.with_name("old.parquet")                   # a name without a year: only the rows
    frame.to_parquet(old)
    (p,) = problems_of(read_processed, old)
    assert (p.code, p.column, p.value) == ("year_range", HEADER, "2100")
    assert "178 行超出范围" in p.message_zh and "schools_2024.xlsx 第2行" in p.message_zh
