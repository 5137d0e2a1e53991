"""A county new to junyun (issue 25 items 6 and 8): its slug is its raw folder's name or the pinyin of its name,
never a hash; ``junyun import`` writes a minimal ``county.toml`` into ``<data>/raw/<slug>/`` (never over one); an
import without the supplementary table goes on with music and art rooms as no data (无数据, never 0) and says
so; and the whole chain — import, ingest, ``junyun batch`` through the real command in another process — works
on the class-size bands the exports give, the briefing showing the band-based verdict in Chinese.

Every expected slug is typed by hand from the pinyin of the name."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import _exports as ex
from junyun_lib.cli import main
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.io.county_config import read_county_config
from junyun_lib.io.reader import read_schools
from junyun_lib.problems import ValidationError
from junyun_lib.rules import fallback_slug, is_slug, schema
from junyun_lib.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
ROOMS = ["music_rooms", "music_room_min_area_m2", "art_rooms", "art_room_min_area_m2"]


def _csv(path: Path, frame: pd.DataFrame) -> Path:
    """A canonical school table as CSV with its Chinese headers (what ``junyun ingest`` reads)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.rename(columns={c.field: c.header_zh for c in schema.columns()}).to_csv(path, index=False)
    return path


def _import(tmp_path: Path, out: Path, *, supplement: bool, data: Path, extra=()) -> int:
    files = ex.export_files(tmp_path / "exports", ex.LAYOUT_2021)
    argv = ["import", *map(str, files), "--year", str(ex.YEAR), "--county", ex.COUNTY, "--out", str(out),
            "--data-dir", str(data), *extra]
    if supplement:
        argv += ["--supplement", str(ex.supplement_file(tmp_path / "exports"))]
    return main(argv)


# ------------------------------------------------------------------------------------------------ slugs
def test_the_slug_of_a_new_county_is_the_pinyin_of_its_name():
    assert fallback_slug("合成县") == "hechengxian"
    assert fallback_slug("乡宁县") == "xiangningxian"
    assert fallback_slug("重庆市渝中区") == "chongqingshiyuzhongqu"      # 重庆: chong, not zhong
    assert fallback_slug("绿春县") == "lvchunxian"                      # ü as v
    assert fallback_slug(" 合成县 ") == "hechengxian"
    # two names with the same pinyin stay apart: the second gets the name's hash digits, stably
    other = fallback_slug("和成县", taken={"hechengxian"})
    assert re.fullmatch(r"hechengxian-[0-9a-f]{6}", other) and other == fallback_slug("和成县", {"hechengxian"})
    assert fallback_slug("合成县", taken={"hechengxian"}) != other
    # only a name with nothing to romanise gets a hash; every slug is [a-z0-9-]
    assert fallback_slug("《》").startswith("county-")
    for name in ("合成县", "<script>x</script>县", "../../县", "A 县", "《》", "县" * 80):
        assert is_slug(fallback_slug(name)) and len(fallback_slug(name)) <= 70


def test_homophone_counties_get_distinguishable_slugs_in_one_workspace(tmp_path):
    table = ex.expected_canonical()
    outside = tmp_path / "下载"
    first = _csv(outside / "a" / "schools_2023.csv", table)
    second = _csv(outside / "b" / "schools_2023.csv", table.assign(county="和成县"))
    data = tmp_path / "data"
    assert main(["ingest", str(first), "--data-dir", str(data)]) == 0
    assert main(["ingest", str(second), "--data-dir", str(data)]) == 0
    ws = Workspace(data)
    a, b = ws.config("合成县"), ws.config("和成县")
    assert a.slug == "hechengxian" and re.fullmatch(r"hechengxian-[0-9a-f]{6}", b.slug)
    assert {cy.county: cy.slug for cy in ws.county_years()} == {"合成县": a.slug, "和成县": b.slug}
    assert ws.years("合成县") == [2023] and ws.years("和成县") == [2023]
    # the first county's data is its own (the second never wrote over it)
    assert set(pd.read_parquet(ws.processed_path(a.slug, 2023))["county"]) == {"合成县"}


def test_the_raw_folder_name_is_the_slug_when_it_is_one(tmp_path):
    data = tmp_path / "data"
    table = ex.expected_canonical()
    path = _csv(data / "raw" / "hecheng" / "schools_2023.csv", table)          # no county.toml
    assert main(["ingest", str(path), "--data-dir", str(data)]) == 0
    ws = Workspace(data)
    assert ws.config("合成县").slug == "hecheng" and ws.config("hecheng").name == "合成县"
    assert ws.years("合成县") == [2023] and ws.evaluate("合成县", 2023).year == 2023
    # a folder whose name is not a slug: the pinyin
    path = _csv(data / "raw" / "和成县" / "schools_2023.csv", table.assign(county="和成县"))
    assert main(["ingest", str(path), "--data-dir", str(data)]) == 0
    assert Workspace(data).config("和成县").slug == "hechengxian"


def test_one_slug_per_county_in_one_main_job(tmp_path):
    """``junyun run`` computes a new county's results before it writes its processed files: the evaluation
    files, the processed folder and the briefing all carry the raw folder's name, never the pinyin beside it."""
    from junyun_lib.runner.job import run_counties

    data = tmp_path / "data"
    _csv(data / "raw" / "hecheng" / "schools_2023.csv", ex.expected_canonical())          # no county.toml
    ws = Workspace(data, tmp_path / "outputs")
    ws.claim_outputs()
    [outcome] = run_counties(ws, "quality-2017", echo=lambda *a, **k: None)
    assert outcome.error is None
    written = {p.relative_to(tmp_path).as_posix() for p in outcome.written}
    assert {"data/processed/hecheng/2023.parquet", "outputs/2023/hecheng-evaluation.json",
            "outputs/2023/hecheng.xlsx"} <= written
    assert not any("hechengxian" in p for p in written)
    assert ws.config("合成县").slug == "hecheng"


# ------------------------------------------------------------------------------------------ county.toml
def test_import_writes_a_minimal_county_toml_once(tmp_path, capsys):
    data = tmp_path / "data"
    out = data / "raw" / "hechengxian" / "schools_2023.xlsx"
    assert _import(tmp_path, out, supplement=True, data=data) == 0
    said = capsys.readouterr()
    toml = out.with_name("county.toml")
    assert "county.toml" in said.out and str(toml) in said.out and "hechengxian" in said.out
    text = toml.read_text(encoding="utf-8")
    assert "2023" in text                                          # the statistics year, as a comment
    cfg = read_county_config(toml)                                 # valid against the county.toml schema
    assert (cfg.name, cfg.slug, cfg.province) == ("合成县", "hechengxian", "")
    # the report says which slug and which configuration
    about = pd.read_excel(out.with_name("schools_2023-导入报告.xlsx"), sheet_name="说明")
    about = dict(zip(about["项目"], about["内容"].astype(str)))
    assert about["县区简称"] == "hechengxian" and str(toml) in about["县区配置"]
    # the analyst edits it; a second import never overwrites it, and says nothing about making one
    edited = text.replace('# province = ""', 'province = "合成省"')
    toml.write_text(edited, encoding="utf-8")
    assert _import(tmp_path, out, supplement=True, data=data, extra=["--force"]) == 0
    said = capsys.readouterr()
    assert toml.read_text(encoding="utf-8") == edited and "已新建县区配置" not in said.out
    ws = Workspace(data)
    assert ws.config("合成县").configured and ws.region("合成县") == ("合成省", "")


def test_import_names_the_county_after_its_raw_folder(tmp_path, capsys):
    data = tmp_path / "data"
    out = data / "raw" / "hecheng" / "schools_2023.xlsx"
    assert _import(tmp_path, out, supplement=True, data=data) == 0
    capsys.readouterr()
    assert read_county_config(out.with_name("county.toml")).slug == "hecheng"
    assert main(["ingest", str(out), "--data-dir", str(data)]) == 0
    assert (data / "processed" / "hecheng" / "2023.parquet").is_file()


def test_import_outside_the_raw_folder_writes_no_county_toml_and_says_how(tmp_path, capsys):
    data = tmp_path / "data"
    elsewhere = tmp_path / "导入结果" / "schools_2023.xlsx"
    assert _import(tmp_path, elsewhere, supplement=True, data=data) == 0
    said = capsys.readouterr()
    assert not list(tmp_path.rglob("county.toml"))
    assert "county.toml" in said.err and "hechengxian" in said.err      # the slug ingest will use, and the fix
    # a folder of another county is never given a second configuration
    other = data / "raw" / "jinxian"
    other.mkdir(parents=True)
    (other / "county.toml").write_text('name = "进贤县"\nslug = "jinxian"\n', encoding="utf-8")
    assert _import(tmp_path, other / "schools_2023.xlsx", supplement=True, data=data) == 0
    said = capsys.readouterr()
    assert (other / "county.toml").read_text(encoding="utf-8") == 'name = "进贤县"\nslug = "jinxian"\n'
    assert "jinxian" in said.err and "hechengxian" in said.err


# ----------------------------------------------------------------------------------- without a supplement
def _ingested(tmp_path: Path, supplement: bool) -> Workspace:
    data = tmp_path / ("with" if supplement else "without") / "data"
    out = data / "raw" / "hechengxian" / "schools_2023.xlsx"
    assert _import(tmp_path / ("with" if supplement else "without"), out, supplement=supplement, data=data) == 0
    assert main(["ingest", str(out), "--data-dir", str(data)]) == 0
    return Workspace(data, data.parent / "outputs")


def test_import_without_supplement_goes_on_and_says_what_lacks_data(tmp_path, capsys):
    data = tmp_path / "data"
    out = data / "raw" / "hechengxian" / "schools_2023.xlsx"
    assert _import(tmp_path, out, supplement=False, data=data) == 0
    said = capsys.readouterr()
    # the screen: which item lacks data and how to supply it
    assert "音乐" in said.err and "无数据" in said.err and "政府保障程度第3项" in said.err
    assert "supplement-template" in said.err and "--supplement" in said.err
    # the report: its 说明 and 警告 sheets
    report = out.with_name("schools_2023-导入报告.xlsx")
    about = pd.read_excel(report, sheet_name="说明")
    about = dict(zip(about["项目"], about["内容"].astype(str)))
    assert "政府保障程度第3项" in about["无数据的项目"] and "supplement-template" in about["如何补充"]
    warnings = pd.read_excel(report, sheet_name="警告")
    assert warnings["说明"].str.contains("音乐、美术专用教室").any()
    assert int(about["警告"]) == len(warnings)
    # the canonical table: the room columns are there, blank — never 0
    book = openpyxl.load_workbook(out, read_only=True)
    rows = list(book["学校数据"].iter_rows(values_only=True))
    for header in ("音乐专用教室数", "音乐专用教室最小面积", "美术专用教室数", "美术专用教室最小面积"):
        column = rows[0].index(header)
        assert all(r[column] is None for r in rows[1:]), header
    notes = " ".join(str(r[0]) for r in book["数据说明"].iter_rows(values_only=True))
    assert "无数据" in notes
    # ingest reads them as no data, with a warning; the processed rows hold NaN, not 0
    assert main(["ingest", str(out), "--data-dir", str(data)]) == 0
    said = capsys.readouterr()
    assert "音乐" in said.err and "无数据" in said.err
    frame = pd.read_parquet(data / "processed" / "hechengxian" / "2023.parquet")
    assert frame[ROOMS].isna().all().all()


def test_without_supplement_the_room_item_is_no_data_and_the_cvs_are_unchanged(tmp_path):
    without, with_ = _ingested(tmp_path, False), _ingested(tmp_path, True)
    a, b = without.evaluate(ex.COUNTY, ex.YEAR), with_.evaluate(ex.COUNTY, ex.YEAR)
    key = ["stage", "indicator"]
    ia, ib = a.indicators.sort_values(key).reset_index(drop=True), b.indicators.sort_values(key).reset_index(drop=True)
    assert len(ia) == 14
    for col in ("mean", "sd", "cv"):
        assert np.allclose(ia[col].astype(float), ib[col].astype(float), rtol=1e-12), col
    assert a.stages["composite_cv"].tolist() == pytest.approx(b.stages["composite_cv"].tolist(), rel=1e-12)
    # the special-room checks: limit kept, verdict open (NA), with the reason; never a failure of "0 rooms"
    rooms = a.guarantee[a.guarantee["check"].isin(["music_rooms", "art_rooms", "music_room_area", "art_room_area"])]
    assert len(rooms) == 4 * len(a.parts["school_id"].unique())
    assert rooms["passes"].isna().all() and rooms["limit"].notna().all()
    assert rooms["basis"].astype(str).str.contains("补充表").all()
    # the other checks (school size, class size) are the same as with the supplement
    other = ["school_size", "class_size_primary", "class_size_junior"]
    ga = a.guarantee[a.guarantee["check"].isin(other)].reset_index(drop=True)
    gb = b.guarantee[b.guarantee["check"].isin(other)].reset_index(drop=True)
    assert ga["passes"].astype("boolean").tolist() == gb["passes"].astype("boolean").tolist()
    # the scorecard: item 3 is 无数据 (no value, no verdict), says why; the overall verdict is never a pass
    card = without.scorecard(ex.COUNTY, ex.YEAR)
    item = card.items.set_index("code").loc["special_rooms"]
    assert pd.isna(item["value"]) and pd.isna(item["passes"])
    assert item["source"].startswith("无数据") and "补充表" in item["source"]
    assert card.areas["government_guarantee"] is not True and card.overall is not True
    known = with_.scorecard(ex.COUNTY, ex.YEAR).items.set_index("code").loc["special_rooms"]
    assert pd.notna(known["value"]) and pd.notna(known["passes"])
    # the summary text says the checks could not be decided, never that they all pass
    from junyun_lib.report.text import summary_text
    text = summary_text(a)
    assert "无法判定" in text and "音乐专用教室数" in text and "均达标" not in text


def test_without_supplement_json_and_workbook_hold_no_data_not_nan(tmp_path):
    ws = _ingested(tmp_path, False)
    parquet = ws.processed_path("hechengxian", ex.YEAR)
    out = tmp_path / "结果"
    assert main(["evaluate", str(parquet), "--json", str(out / "r.json"), "--excel", str(out / "r.xlsx"),
                 "--data-dir", str(ws.data_dir), "--out", str(tmp_path / "outputs")]) == 0

    def refuse(constant):
        raise ValueError(f"{constant} in the JSON")

    doc = json.loads((out / "r.json").read_text(encoding="utf-8"), parse_constant=refuse)
    (result,) = doc["results"]
    items = {i["code"]: i for area in result["scorecard"]["areas"].values() for i in area["items"]}
    assert items["special_rooms"]["value"] is None and items["special_rooms"]["passes"] is None
    assert "无数据" in items["special_rooms"]["source"]
    assert not [f for f in result["guarantee_failures"] if "room" in f["check"]]      # undecided is no failure
    book = openpyxl.load_workbook(out / "r.xlsx", read_only=True)
    form = [[c for c in row if c is not None] for row in book["评估表"].iter_rows(values_only=True)]
    assert any("音乐、美术专用教室" in str(r) and "无数据" in str(r) for r in form)


def test_a_blank_room_count_is_never_zero(tmp_path):
    """A typed table: a blank count is no data; an area beside a blank count is a located error."""
    table = ex.expected_canonical()
    table.loc[0, "music_rooms"] = np.nan
    evaluation = evaluate(read_schools(table.assign(music_room_min_area_m2=table["music_room_min_area_m2"].where(
        table.index != 0))))
    g = evaluation.guarantee.set_index(["school_id", "check"])
    sid = table.loc[0, "school_id"]
    assert pd.isna(g.loc[(sid, "music_rooms"), "passes"]) and pd.isna(g.loc[(sid, "music_room_area"), "passes"])
    assert bool(g.loc[(sid, "art_rooms"), "passes"]) in (True, False)      # the art rooms are still decided
    with pytest.raises(ValidationError) as info:
        read_schools(_csv(tmp_path / "schools_2023.csv", table))           # count blank, area 86.5
    (p,) = [p for p in info.value.problems if p.severity == "error"]
    assert (p.code, p.column, p.school_id) == ("area_without_count", "音乐专用教室数", sid)


# ----------------------------------------------------------------------------------------- batch, end to end
def test_batch_on_an_imported_county_through_the_real_command(tmp_path):
    """Import (class sizes as bands only, no 最大班额), ingest, then ``junyun batch`` in a fresh process from a
    folder outside the repository: exit 0, the page shows the band-based class-size verdict in Chinese, and
    the Word copy and the workbook are written."""
    place = tmp_path / "工作 目录"
    data = place / "data"
    out = data / "raw" / "hechengxian" / "schools_2023.xlsx"
    assert _import(place, out, supplement=True, data=data) == 0
    assert main(["ingest", str(out), "--data-dir", str(data)]) == 0
    assert REPO not in place.parents
    done = subprocess.run([sys.executable, "-m", "junyun_lib.cli", "batch", "--counties", ex.COUNTY, "--years",
                           str(ex.YEAR), "--workers", "1", "--data-dir", "data", "--out", "outputs"],
                          cwd=place, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    page = place / "outputs" / str(ex.YEAR) / "hechengxian.html"
    assert page.is_file() and page.with_suffix(".docx").is_file() and page.with_suffix(".xlsx").is_file()
    text = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))
    # 合成县第二中学: its largest junior class is in the 51-55 band, above the limit of 50 (decided from bands)
    assert "最大班额（初中）" in text and "合成县第二中学（班额51-55人）" in text
    assert "最大班额（小学）" in text and "班额46-50人" in text
    book = openpyxl.load_workbook(page.with_suffix(".xlsx"), read_only=True)
    details = [[c for c in row] for row in book["校级保障未达标"].iter_rows(values_only=True)]
    assert ["合成县第二中学", "最大班额", "班额51-55人", "50 人"] in [r[:4] for r in details]
    assert any("按班额分段班数判定" in str(r[4]) for r in details)
