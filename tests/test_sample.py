"""The bundled sample data: synthetic, labelled so, reproducible from its generator, and valid."""
from pathlib import Path

import openpyxl
import pytest

from junyun_lib.io.reader import read_schools
from junyun_lib.cli import main
from junyun_lib.io.sample import DISCLAIMER

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"
SLUGS = ["jinxian", "xiangning", "shicheng", "shizhu"]
YEARS = [2021, 2022, 2023, 2024]


def test_committed_samples_are_what_the_generator_makes(tmp_path):
    assert main(["sample", "--data-dir", str(tmp_path / "data")]) == 0
    written = sorted((tmp_path / "data" / "raw").glob("*/schools_*.xlsx"))
    assert len(written) == 16
    for path in written:
        committed = RAW / path.parent.name / path.name
        # cell by cell, not byte by byte: openpyxl serialises the same workbook differently with and without
        # lxml (python-docx brings it), and the bytes are not what the sample promises
        assert _cells(committed) == _cells(path), f"{committed} differs from the generator's output"
    for path in sorted((tmp_path / "data" / "raw").glob("*/*.csv")):
        committed = RAW / path.parent.name / path.name
        assert committed.read_bytes() == path.read_bytes(), f"{committed} differs from the generator's output"


def _cells(path: Path) -> dict:
    """Every sheet's cells (value and number format), by sheet name."""
    book = openpyxl.load_workbook(path)
    return {ws.title: [[(c.value, c.number_format) for c in row] for row in ws.iter_rows()] for ws in book}


@pytest.mark.parametrize("slug", SLUGS)
def test_every_sample_file_validates_and_is_labelled_synthetic(slug):
    for year in YEARS:
        path = RAW / slug / f"schools_{year}.xlsx"
        book = openpyxl.load_workbook(path, read_only=True)
        assert book["数据说明"]["A1"].value == DISCLAIMER
        table = read_schools(path)
        assert table.synthetic is True
        assert [y for _, y in table.county_years()] == [year]


def test_sample_covers_the_cases_the_rules_name():
    table = read_schools(RAW / "jinxian" / "schools_2024.xlsx")
    f = table.frame
    assert set(f["school_type"]) == {"小学", "初级中学", "九年一贯制学校", "十二年一贯制学校", "完全中学", "教学点",
                                     "特殊教育学校", "职业学校"}
    points = f[f["school_type"] == "教学点"]["students_primary"]
    assert {49, 50} <= set(points)
    assert (points < 49).any() and (points > 50).any()
    assert {"民办", "公办"} == set(f["ownership"]) and {"城区", "镇区", "乡村"} == set(f["urban_rural"])
    assert (f["students_primary"] + f["students_junior"] > 2000).any()
