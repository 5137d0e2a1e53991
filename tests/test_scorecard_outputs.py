"""The scorecard in the outputs: the evaluate JSON, the Excel workbook (评估表 laid out area by area) and the
briefing; verdicts checked against the synthetic sample's own values typed here (junyun_lib/sample.py)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from junyun_lib.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """进贤县 raw files (school tables 2021–2024, county tables, county.toml) ingested in a fresh data dir."""
    data = tmp_path_factory.mktemp("card") / "data"
    raw = data / "raw" / "jinxian"
    raw.mkdir(parents=True)
    for path in (REPO / "data/raw/jinxian").iterdir():
        shutil.copy(path, raw / path.name)
    assert main(["ingest", *map(str, sorted(raw.glob("schools_*.xlsx"))), "--data-dir", str(data)]) == 0
    return data


def test_json_and_excel_carry_the_scorecard(data_dir, tmp_path):
    out_json, out_xlsx = tmp_path / "ev.json", tmp_path / "ev.xlsx"
    assert main(["evaluate", str(data_dir / "processed/jinxian/2024.parquet"), "--json", str(out_json),
                 "--excel", str(out_xlsx), "--data-dir", str(data_dir), "--out", str(tmp_path)]) == 0
    card = json.loads(out_json.read_text(encoding="utf-8"))["results"][0]["scorecard"]
    assert set(card) == {"areas", "vetoes", "overall", "prerequisite"}
    assert set(card["areas"]) == {"resource_allocation", "government_guarantee", "education_quality",
                                  "social_recognition"}
    items = {i["code"]: i for a in card["areas"].values() for i in a["items"]}
    # 进贤县 2024 (synthetic): migrants 93% against its own 95% (seed 000 二(二)2(12)) → fails;
    # special-school funds exactly 6000 元 and rotation exactly 10% → pass (不低于)
    assert items["migrant_public_ratio"]["value"] == 93 and items["migrant_public_ratio"]["standard"] == 95
    assert items["migrant_public_ratio"]["passes"] is False
    assert items["special_school_funding_yuan"]["passes"] is True and items["rotation_ratio"]["passes"] is True
    assert card["areas"]["social_recognition"]["passes"] is True          # 88% ≥ 85%
    assert card["overall"] is False
    assert [v["applies"] for v in card["vetoes"]] == [False] * 6
    # prerequisite: 2021–2023 ingested, basic-2012 composites of the sample are well under 0.60 / 0.50
    assert [y["year"] for y in card["prerequisite"]["years"]] == [2021, 2022, 2023]
    assert card["prerequisite"]["passes"] is True
    book = openpyxl.load_workbook(out_xlsx, read_only=True)
    assert book.sheetnames[:2] == ["说明", "评估表"]
    first_col = [row[1] for row in book["评估表"].iter_rows(min_row=2, values_only=True)]
    for header in ("资源配置：未达到", "政府保障程度：未达到", "教育质量：未达到", "社会认可度：达到", "不予认定事项",
                   "总体结论：未达到"):
        assert header in first_col


def test_scorecard_section_in_the_briefing(data_dir):
    from junyun_lib.report import briefing
    from junyun_lib.workspace import Workspace

    b = Workspace(data_dir).briefing("进贤县", 2024)
    text = briefing.scorecard_text(b)
    assert "**未达到**评估标准" in text and "社会认可度达到" in text
    table = briefing.scorecard_table(b)
    assert "符合条件的随迁子女在公办学校和政府购买服务的民办学校就读的比例不低于85%" in set(table["评估内容"])
    assert set(table["结论"]) <= {"未达到", "无数据", "不予认定", ""}
