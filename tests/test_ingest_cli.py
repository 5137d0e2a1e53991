"""Ingest (deterministic parquet, raw files untouched) and the command line end to end."""
import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from _files import sha256 as sha
from junyun_lib.cli import main
from junyun_lib.io.processed import read_processed

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "raw" / "jinxian" / "schools_2024.xlsx"


@pytest.fixture
def data_dir(tmp_path):
    """A data folder with 进贤县's configuration and one sample file copied in."""
    d = tmp_path / "data"
    (d / "raw" / "jinxian").mkdir(parents=True)
    shutil.copy(REPO / "data" / "raw" / "jinxian" / "county.toml", d / "raw" / "jinxian" / "county.toml")
    shutil.copy(SAMPLE, d / "raw" / "jinxian" / "schools_2024.xlsx")
    return d


def test_ingest_is_deterministic_and_leaves_raw_untouched(data_dir, tmp_path):
    raw = data_dir / "raw" / "jinxian" / "schools_2024.xlsx"
    before = sha(raw)
    assert main(["ingest", str(raw), "--data-dir", str(data_dir)]) == 0
    out = data_dir / "processed" / "jinxian" / "2024.parquet"
    first = out.read_bytes()
    assert main(["ingest", str(raw), "--data-dir", str(data_dir)]) == 0
    assert out.read_bytes() == first, "the same input must give a byte-identical file"
    assert sha(raw) == before, "raw files are never modified"
    table = read_processed(out)
    assert table.synthetic is True
    assert set(table.frame["county"]) == {"进贤县"}
    # the processed rows are the raw rows: compare one column independently read with openpyxl
    sheet = openpyxl.load_workbook(raw, read_only=True)["学校数据"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    col = header.index("小学在校生数")
    raw_total = sum(int(r[col] or 0) for r in rows[1:] if r[0] is not None)
    assert int(table.frame["students_primary"].sum()) == raw_total


def test_ingest_writes_one_file_per_county_year(data_dir, tmp_path):
    two = data_dir / "raw" / "jinxian" / "two_years.csv"
    frame = pd.read_excel(SAMPLE, sheet_name="学校数据", dtype={"学校标识码": str})
    other = frame.copy()
    other["统计年度"] = 2023
    pd.concat([frame, other]).to_csv(two, index=False, encoding="utf-8-sig")
    assert main(["ingest", str(two), "--data-dir", str(data_dir)]) == 0
    written = sorted(p.name for p in (data_dir / "processed" / "jinxian").iterdir())
    assert written == ["2023.parquet", "2024.parquet"]


def test_evaluate_cli_writes_json_and_excel(data_dir, tmp_path, capsys):
    out_json, out_xlsx = tmp_path / "r.json", tmp_path / "r.xlsx"
    raw = data_dir / "raw" / "jinxian" / "schools_2024.xlsx"
    code = main(["evaluate", str(raw), "--data-dir", str(data_dir), "--json", str(out_json),
                 "--excel", str(out_xlsx), "--out", str(tmp_path)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "进贤县 2024年" in printed and "合成示例数据" in printed
    doc = json.loads(out_json.read_text(encoding="utf-8"))
    (result,) = doc["results"]
    assert result["county"] == "进贤县" and result["year"] == 2024 and result["standard"] == "quality-2017"
    assert result["synthetic"] is True
    assert set(result["stages"]) == {"primary", "junior"}
    # 进贤县 compares CVs strictly (seed 000 "小于"): every cv_pass must agree with cv < limit
    for stage in result["stages"].values():
        for ind in stage["indicators"].values():
            assert ind["cv_pass"] == (ind["cv"] < ind["cv_limit"])
    # the stage's in-scope count equals the number of school objects of that part
    for stage, block in result["stages"].items():
        assert block["schools_in_scope"] == sum(1 for s in result["schools"] if s["part"] == stage)
        assert block["students"] == sum(s["students"] for s in result["schools"] if s["part"] == stage)
    book = openpyxl.load_workbook(out_xlsx, read_only=True)
    # the sheet names of the county-year's workbook (issue 28 item 1: 不参与评估学校, 数据质量提示 in Chinese columns)
    assert {"说明", "学段结论", "差异系数", "学校指标", "不参与评估学校", "保障指标", "缺口与经费", "数据质量提示"} <= \
        set(book.sheetnames)
    assert "合成示例数据" in str(list(book["说明"].iter_rows(values_only=True)))


def test_evaluate_selects_county_and_year_from_processed(data_dir, tmp_path):
    raw = data_dir / "raw" / "jinxian" / "schools_2024.xlsx"
    assert main(["ingest", str(raw), "--data-dir", str(data_dir)]) == 0
    out = tmp_path / "p.json"
    parquet = data_dir / "processed" / "jinxian" / "2024.parquet"
    assert main(["evaluate", str(parquet), "--county", "进贤县", "--year", "2024", "--data-dir", str(data_dir),
                 "--json", str(out), "--out", str(tmp_path)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["results"][0]["year"] == 2024
    assert main(["evaluate", str(parquet), "--year", "2019", "--data-dir", str(data_dir)]) == 2


def test_template_command_refuses_to_overwrite(tmp_path):
    path = tmp_path / "t.xlsx"
    folders = ["--data-dir", str(tmp_path / "data"), "--out", str(tmp_path)]
    assert main(["template", str(path), *folders]) == 0
    assert main(["template", str(path), *folders]) == 2
    assert main(["template", str(path), "--force", *folders]) == 0


def test_run_main_job_ingests_and_evaluates_everything(data_dir, tmp_path):
    out = tmp_path / "outputs"
    assert main(["run", "--data-dir", str(data_dir), "--out", str(out), "--no-briefings"]) == 0
    assert (data_dir / "processed" / "jinxian" / "2024.parquet").exists()
    doc = json.loads((out / "2024" / "jinxian-evaluation.json").read_text(encoding="utf-8"))
    assert doc["results"][0]["county"] == "进贤县" and doc["results"][0]["synthetic"] is True
    # the county-year's one workbook (issue 28 item 1): <slug>.xlsx, no second -evaluation.xlsx
    assert (out / "2024" / "jinxian.xlsx").exists() and not (out / "2024" / "jinxian-evaluation.xlsx").exists()
