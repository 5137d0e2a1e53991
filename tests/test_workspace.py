"""The way in for analysts: one Workspace that lists counties and years, evaluates each county-year once,
and hands out tidy tables with English columns and Chinese headers one call away."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import junyun_lib as jy
from _build import ingest
from junyun_lib.problems import PathRefused

REPO = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    data = tmp_path_factory.mktemp("ws") / "data"
    folder = data / "raw" / "jinxian"
    folder.mkdir(parents=True)
    for name in ("county.toml", "plan.csv", "schools_2023.xlsx", "schools_2024.xlsx", "county_indicators_2023.csv",
                 "county_indicators_2024.csv"):
        shutil.copy(REPO / "data/raw/jinxian" / name, folder / name)
    ingest(sorted(folder.glob("schools_*.xlsx")), data)
    return jy.Workspace(data, data.parent / "outputs")


def test_lists_counties_and_years(ws):
    assert set(ws.counties()) == {"进贤县"}
    assert [(cy.county, cy.slug, cy.year) for cy in ws.county_years()] == [("进贤县", "jinxian", 2023),
                                                                         ("进贤县", "jinxian", 2024)]
    assert ws.years("进贤县") == ws.years("jinxian") == [2023, 2024]


def test_a_county_year_is_evaluated_once_and_cached(ws):
    first = ws.evaluate("进贤县", 2024)
    assert ws.evaluate("jinxian", 2024) is first
    assert ws.history("进贤县")[2024] is first
    assert first.standard.cv_limit["comparison"] == "<"          # 进贤县's own reading (county.toml)


@pytest.mark.parametrize("table", ["indicators", "stages", "parts", "excluded", "causes", "scorecard", "progress"])
def test_tidy_tables_have_english_columns_and_chinese_headers_one_call_away(ws, table):
    frame = {
        "indicators": lambda: ws.evaluate("进贤县", 2024).indicators,
        "stages": lambda: ws.evaluate("进贤县", 2024).stages,
        "parts": lambda: ws.evaluate("进贤县", 2024).parts,
        "excluded": lambda: ws.evaluate("进贤县", 2024).excluded,
        "causes": lambda: ws.causes("进贤县", 2024),
        "scorecard": lambda: ws.scorecard("进贤县", 2024).items,
        "progress": lambda: ws.progress("进贤县").table,
    }[table]()
    assert len(frame) and all(re.fullmatch(r"[a-z0-9_]+", c) for c in frame.columns), list(frame.columns)
    shown = jy.zh(frame)
    english = [c for c in shown.columns if not CJK.search(str(c))]
    assert english == [], f"columns without a Chinese header: {english}"


def test_chinese_headers_name_the_indicator_not_its_code(ws):
    shown = jy.zh(ws.evaluate("进贤县", 2024).parts)
    assert "指标值：每百名学生拥有县级以上骨干教师数" in shown.columns
    assert "学段" in shown.columns and set(shown["学段"]) <= {"小学", "初中"}


def test_typed_paths_are_honoured_but_never_into_raw_data_or_over_a_folder(ws, tmp_path):
    elsewhere = tmp_path / "下载 文件" / "x.xlsx"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"")
    assert ws.input_path(elsewhere) == elsewhere.resolve()
    assert ws.output_path(tmp_path / "分析" / "x.json") == (tmp_path / "分析" / "x.json").resolve()
    with pytest.raises(PathRefused, match="原始数据目录"):
        ws.output_path(ws.data_dir / "raw" / "jinxian" / "x.json")
    with pytest.raises(PathRefused, match="处理后数据目录"):
        ws.output_path(ws.data_dir / "processed" / "x.json")
    with pytest.raises(PathRefused, match="文件夹"):
        ws.output_path(tmp_path)
    assert ws.output_path(ws.outputs_dir / "2024" / "x.json") == ws.outputs_dir / "2024" / "x.json"


def test_what_is_kept_is_keyed_on_values_and_read_again_when_a_file_changes(tmp_path):
    """Results and scorecards are kept under (county, year, standard) and the fingerprint of the files read —
    never under an object's ``id`` — so a processed file changed on disk is evaluated again, and a result the
    workspace did not evaluate gets its own scorecard (issue 29)."""
    import os

    from junyun_lib.workspace import Workspace

    source = (REPO / "junyun_lib" / "workspace.py").read_text(encoding="utf-8")
    assert "id(" not in source
    data = tmp_path / "data"
    folder = data / "raw" / "jinxian"
    folder.mkdir(parents=True)
    for name in ("county.toml", "schools_2024.xlsx", "county_indicators_2024.csv"):
        shutil.copy(REPO / "data/raw/jinxian" / name, folder / name)
    ingest([folder / "schools_2024.xlsx"], data)
    ws = Workspace(data, tmp_path / "outputs")
    first, card = ws.evaluate("进贤县", 2024), ws.scorecard("进贤县", 2024)
    assert ws.evaluate("jinxian", 2024) is first and ws.scorecard("jinxian", 2024) is card
    elsewhere = ws.evaluate_files([ws.processed_path("jinxian", 2024)]).county("进贤县", 2024)
    assert ws.scorecard_for(elsewhere) is not card and ws.scorecard_for(elsewhere).overall == card.overall
    processed = ws.processed_path("jinxian", 2024)
    stat = processed.stat()
    os.utime(processed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10 ** 9))
    again = ws.evaluate("进贤县", 2024)
    assert again is not first and ws.evaluate("进贤县", 2024) is again
    assert ws.scorecard("进贤县", 2024) is not card
