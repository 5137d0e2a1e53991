"""``junyun evaluate`` on a file of many counties (issue 26): a summary and one line per county that does not
pass, not 50 lines per county; ``--county`` still gives the full text; the Excel workbook is the tidy tables;
the JSON is streamed county by county and is the same document as before.

The 50-county file is built here from the four sample counties (renamed, each a different subset of its
schools) plus one county of identical schools that passes; the failing lines are checked against difference
coefficients recomputed with numpy from the school parts written by ``--results``.
"""
from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from _build import configs
from junyun_lib.cli import main
from junyun_lib.evaluation.evaluate import _example_school, evaluate
from junyun_lib.io.bigbook import write_big_workbook
from junyun_lib.io.processed import read_table
from junyun_lib.report.excel import TIDY_SHEETS, tidy_sheets
from junyun_lib.report.jsonvalues import dumps
from junyun_lib.report.jsonview import evaluation_json, evaluation_json_chunks
from junyun_lib.report.labels import SHORT_NAMES
from junyun_lib.report.national import national_text
from junyun_lib.report.text import summary_text
from junyun_lib.rules.schema import STAGE_ZH
from junyun_lib.synthetic import SYNTHETIC_LABEL, SYNTHETIC_MARK
from junyun_lib.workspace import Workspace
from test_user_paths import junyun_command, ok, run

REPO = Path(__file__).resolve().parents[1]
BASES = ("jinxian", "xiangning", "shicheng", "shizhu")
YEAR = 2024
PASSING = "达标示范县"
LIMITS = {"primary": 0.50, "junior": 0.45}
#: counties given a county.toml with a province (the others have none: 未注明省份)
PROVINCES = {"测试县01": ("江西省", "南昌市"), "测试县02": ("江西省", "赣州市"), "测试县05": ("重庆市", "")}


def _counties(n_sample: int = 49) -> pd.DataFrame:
    """``n_sample`` counties cut from the sample files (each its own subset of schools, ids made unique) and
    one county of identical schools that passes."""
    base = {slug: pd.read_excel(REPO / "data" / "raw" / slug / f"schools_{YEAR}.xlsx", sheet_name="学校数据",
                                dtype={"学校标识码": str}) for slug in BASES}
    frames = []
    for k in range(n_sample):
        frame = base[BASES[k % 4]].copy()
        keep = (np.arange(len(frame)) + k // 4) % (2 + k % 5) != 1 if k >= 4 else np.ones(len(frame), dtype=bool)
        frame = frame[keep].copy()
        frame["县区"] = f"测试县{k + 1:02d}"
        frame["学校标识码"] = [f"{k + 10:02d}{i[2:]}" for i in frame["学校标识码"]]
        frames.append(frame)
    good = pd.DataFrame([_example_school(f"99{i:08d}", 600, 30) for i in range(6)])
    good["县区"], good["统计年度"], good["小学专任教师数"] = PASSING, YEAR, 40
    good["计算机台数"], good["图书册数"], good["小学中级及以上职称教师数"] = 80, 20000, 20   # basic balance's
    frames.append(good)
    return pd.concat(frames, ignore_index=True)


def _write_xlsx(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="学校数据", index=False)
        pd.DataFrame({f"{SYNTHETIC_MARK}：测试用，数值虚构": []}).to_excel(writer, sheet_name="数据说明", index=False)
    return path


def _data_dir(root: Path) -> Path:
    data = root / "data"
    for k, (county, (province, city)) in enumerate(PROVINCES.items()):
        folder = data / "raw" / f"ceshi{k}"
        folder.mkdir(parents=True)
        (folder / "county.toml").write_text(f'name = "{county}"\nslug = "ceshi{k}"\nprovince = "{province}"\n'
                                            f'city = "{city}"\n', encoding="utf-8")
    return data


def _cli(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in argv])
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """The 50-county file evaluated through the real command, from a folder outside the repository."""
    root = tmp_path_factory.mktemp("national") / "全国 汇总"
    root.mkdir()
    assert REPO not in root.parents
    frame = _counties()
    path = _write_xlsx(frame, root / "下载" / "全国 学校.xlsx")
    _data_dir(root)
    done = run(["evaluate", "下载/全国 学校.xlsx", "--json", "out/r.json", "--excel", "out/r.xlsx", "--results",
                "out/tables", "--data-dir", "data", "--out", "out"], cwd=root)
    stdout = ok(done)
    tables = {n: pq.read_table(root / "out" / "tables" / f"{n}.parquet").to_pandas() for n in TIDY_SHEETS}
    return {"root": root, "path": path, "frame": frame, "stdout": stdout, "tables": tables}


def _expected(tables) -> dict:
    """{(county, stage): failing items} recomputed from the school parts: each indicator's CV (numpy, school
    size as weight, population weights) over its limit, and the parts below the per-school rule."""
    parts = tables["school_parts"]
    codes = [c[len("value_"):] for c in parts if c.startswith("value_")]
    out = {}
    for (county, stage), g in parts.groupby(["county", "part"], observed=True):
        w = g["students"].to_numpy(dtype=float)
        items = set()
        for code in codes:
            x = g[f"value_{code}"].to_numpy(dtype=float)
            mean = np.sum(w * x) / w.sum()
            cv = np.sqrt(np.sum(w / w.sum() * (x - mean) ** 2)) / mean
            if not cv <= LIMITS[stage] * (1 + 1e-9):
                items.add((SHORT_NAMES[code], f"{cv:.3f}"))
        failing_rule = int((~g["passes_school_rule"].astype(bool)).sum())
        if failing_rule:
            items.add(("未达校级规则", str(failing_rule)))
        out[(str(county), str(stage))] = items
    return out


def _said(line: str) -> dict:
    """{stage: items} as a county line states them."""
    _, _, body = line.partition("年：")
    out = {}
    for segment in body.split(" ｜ "):
        stage_zh, _, text = segment.partition("：")
        stage = {v: k for k, v in STAGE_ZH.items()}[stage_zh]
        items = set()
        for item in text.split("；"):
            m = re.fullmatch(r"(.+?)差异系数 ([0-9.]+) > ([0-9.]+)", item)
            if m:
                items.add((m.group(1), f"{float(m.group(2)):.3f}"))
                continue
            m = re.fullmatch(r"未达校级规则 ([0-9,]+) 所", item)
            assert m, f"an item the test does not know: {item!r}"
            items.add(("未达校级规则", m.group(1).replace(",", "")))
        out[stage] = items
    return out


def test_one_line_per_failing_county_plus_the_summary(national):
    lines = national["stdout"].rstrip("\n").splitlines()
    counties = sorted(set(national["frame"]["县区"]))
    assert len(counties) == 50
    named = {c: [ln for ln in lines if re.search(rf"(^|\s){c} {YEAR}年：", ln)] for c in counties}
    assert all(len(v) <= 1 for v in named.values()), {c: v for c, v in named.items() if len(v) > 1}
    assert named[PASSING] == []                                     # a county that passes has no line
    failing = [c for c, v in named.items() if v]
    summary = [ln for ln in lines if not any(ln in v for v in named.values())]
    # the summary: header, totals by year and by province (3 provinces stated + 未注明省份), hint, trailer
    assert len(summary) <= 30, summary
    assert len(lines) == len(failing) + len(summary) <= len(counties) + 30
    text = national["stdout"]
    assert SYNTHETIC_LABEL in text and "县区 50 个" in text
    assert "江西省：县区 2 个" in text and "重庆市：县区 1 个" in text and "未注明省份：县区 47 个" in text
    assert f"资源配置达标（各学段均达标）1 个，未达标 {len(failing)} 个" in text
    assert "--county 县区名称" in text
    # Chinese for a bureau leader: no codes, no English words, no floats for counts
    for code in ("key_teachers", "quality-2017", "None", "nan", "True", "False", "primary", "junior"):
        assert code not in text
    assert not re.search(r"\d+\.0 (所|个|人)", text)
    # lines of counties with a province come first, in the order of the national division codes
    order = [c for ln in lines for c in counties if re.search(rf"(^|\s){c} {YEAR}年：", ln)]
    assert order[:2] == ["测试县01", "测试县02"] and order[2] == "测试县05"


def test_failing_lines_name_exactly_what_fails(national):
    expected = _expected(national["tables"])
    lines = national["stdout"].splitlines()
    checked = 0
    for county in sorted(set(national["frame"]["县区"])):
        line = next((ln for ln in lines if re.search(rf"(^|\s){county} {YEAR}年：", ln)), None)
        wanted = {stage: items for (c, stage), items in expected.items() if c == county and items}
        if line is None:
            assert not wanted, f"{county} fails {wanted} but has no line"
            continue
        assert _said(line) == wanted, line
        checked += 1
    assert checked >= 40


def test_composite_and_stricter_rules_are_named(three):
    """Basic balance judges by the composite coefficient, a county's own limit (小于, a stricter composite)
    applies to it alone: the items are those of the county-year's own stage table."""
    from junyun_lib.report.national import failing_items
    from junyun_lib.rules import CountyConfig

    path, _ = three
    strict = {"测试县02": CountyConfig(name="测试县02", overrides={"basic-2012": {"composite_limit": {
        "primary": 0.20, "junior": 0.20, "comparison": "<", "source": "测试"}}}, source="county.toml")}
    ev = evaluate(read_table([path]), "basic-2012", counties=strict)
    items = {(c, s): t for c, _, s, t in failing_items(ev).itertuples(index=False)}
    assert {c for c, _ in items} == {"测试县02"}              # the national 0.65 / 0.55 pass the others
    for stage in ("primary", "junior"):
        row = ev.county("测试县02", YEAR).stages.set_index("stage").loc[stage]
        assert items[("测试县02", stage)] == [f"综合差异系数 {row['composite_cv']:.3f} ≥ 0.20"]
    text = national_text(ev, {}, "三县.xlsx")
    assert "综合差异系数限值：小学 0.65、初中 0.55" in text and "县区规则：1 个县区" in text
    assert re.search(r"测试县02 2024年：小学：综合差异系数 0\.\d{3} ≥ 0\.20 ｜ 初中：综合差异系数", text)


def test_county_option_gives_the_full_summary(national, tmp_path):
    county = "测试县07"
    status, out, err = _cli(["evaluate", national["path"], "--county", county, "--data-dir", tmp_path / "d",
                             "--out", tmp_path / "o"])
    assert status == 0, err
    result = Workspace(tmp_path / "d").evaluate_files([national["path"]], county=county).county(county, YEAR)
    assert out == summary_text(result) + "\n\n"


def test_no_per_county_text_for_many_counties(national, tmp_path, monkeypatch):
    """The many-county path never builds per-county results or their texts (40 ms each)."""
    from junyun_lib.evaluation import evaluate as module
    from junyun_lib.report import text

    def refuse(*_, **__):
        raise AssertionError("per-county summary built for a many-county file")

    monkeypatch.setattr(module.Evaluation, "results", refuse)
    monkeypatch.setattr(text, "summary_text", refuse)
    status, out, err = _cli(["evaluate", national["path"], "--data-dir", tmp_path / "d", "--out", tmp_path / "o"])
    assert status == 0, err
    assert "资源配置评估汇总：50 个县区" in out


def test_excel_workbook_holds_the_tidy_tables(national):
    book = openpyxl.load_workbook(national["root"] / "out" / "r.xlsx", read_only=True)
    assert book.sheetnames == ["说明", *TIDY_SHEETS.values(), "数据警告"]
    for key, sheet in TIDY_SHEETS.items():
        rows = list(book[sheet].iter_rows(values_only=True))
        header, body = rows[0], rows[1:]
        assert len(body) == len(national["tables"][key]), sheet
        # Chinese headers throughout (the English message column of the warnings aside)
        assert all(re.search(r"[\u4e00-\u9fff]", str(h)) for h in header), (sheet, header)
    stages = pd.read_excel(national["root"] / "out" / "r.xlsx", sheet_name="学段结论")
    t = national["tables"]["stages"]
    assert stages["县区"].tolist() == t["county"].astype(str).tolist()
    assert stages["学段"].tolist() == [STAGE_ZH[s] for s in t["stage"]]
    np.testing.assert_array_equal(stages["综合差异系数"].to_numpy(dtype=float), t["composite_cv"].to_numpy(dtype=float))
    about = dict(list(book["说明"].iter_rows(values_only=True))[1:])
    assert about["数据性质"] == SYNTHETIC_LABEL


def test_a_table_longer_than_a_sheet_is_split(national, tmp_path):
    """Past Excel's row limit a table goes on over consecutive sheets 学校指标（1）, （2）…, said in 说明; here
    with a limit of 1,000 rows instead of 1,048,575 (the same code)."""
    ev = evaluate(read_table([national["path"]]))
    tables = Workspace(tmp_path / "d").results_tables(ev)
    sheets = tidy_sheets(tables, ev, max_rows=1000)
    n = len(tables["school_parts"])
    pieces = [name for name in sheets if name.startswith("学校指标")]
    assert pieces == [f"学校指标（{k + 1}）" for k in range(-(-n // 1000))]
    assert sum(len(sheets[p]) for p in pieces) == n
    note = dict(sheets["说明"].itertuples(index=False))["表：学校指标"]
    assert f"共 {n:,} 行" in note and "学校指标（1）" in note
    path = write_big_workbook(tmp_path / "split.xlsx", {p: sheets[p] for p in pieces[:2]})
    back = pd.read_excel(path, sheet_name=None)
    assert list(back) == pieces[:2] and len(back[pieces[1]]) == min(1000, n - 1000)
    assert back[pieces[1]]["学校标识码"].astype(str).tolist() == sheets[pieces[1]]["学校标识码"].astype(str).tolist()


def test_a_sheet_over_the_limit_is_refused_before_writing(tmp_path, monkeypatch):
    from junyun_lib.io import bigbook

    monkeypatch.setattr(bigbook, "MAX_ROWS", 3)                 # header + 2 rows
    with pytest.raises(ValueError, match="上限"):
        bigbook.write_big_workbook(tmp_path / "no.xlsx", {"太长": pd.DataFrame({"a": np.zeros(3)})})
    assert not list(tmp_path.iterdir())


def test_big_workbook_reads_back_exactly(tmp_path):
    """Numbers to the last bit, booleans, missing values, text that looks like a formula (stored as text with
    the quote prefix), characters XML cannot hold dropped."""
    frame = pd.DataFrame({
        "数": [0.1, 1 / 3, 1e-7, 123456789.125, np.nan, -0.0],
        "整数": pd.array([1, None, 3, 4, 5, 6], dtype="Int64"),
        "达标": pd.array([True, False, None, True, False, True], dtype="boolean"),
        "名称": ["=HYPERLINK(\"http://x\",\"y\")", "a<b & c>d", None, "+1", "控制\x01字符", " 前后空格 "],
        "学段": pd.Categorical(["小学", "初中", None, "小学", "小学", "初中"]),
        "混合": [47, "46-50人", None, 3.5, "x", 1],
    })
    path = write_big_workbook(tmp_path / "t.xlsx", {"表": frame}, block_rows=4)
    sheet = openpyxl.load_workbook(path)["表"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == list(frame.columns)
    assert [r[0] for r in rows[1:]] == [0.1, 1 / 3, 1e-7, 123456789.125, None, 0]
    assert [r[1] for r in rows[1:]] == [1, None, 3, 4, 5, 6]
    assert [r[2] for r in rows[1:]] == [True, False, None, True, False, True]
    assert [r[3] for r in rows[1:]] == ['=HYPERLINK("http://x","y")', "a<b & c>d", None, "+1", "控制字符", " 前后空格 "]
    assert sheet["D2"].data_type == "s" and sheet["D2"].quotePrefix and sheet["D5"].quotePrefix
    assert not sheet["D3"].quotePrefix
    assert [r[4] for r in rows[1:]] == ["小学", "初中", None, "小学", "小学", "初中"]
    assert [r[5] for r in rows[1:]] == [47, "46-50人", None, 3.5, "x", 1]
    assert sheet.freeze_panes == "A2"


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """Two sample counties and the passing one (no junior school: its junior scorecard items have no data)."""
    root = tmp_path_factory.mktemp("three")
    return _write_xlsx(_counties(2), root / "三县.xlsx"), root


def test_streamed_json_is_the_document_of_before(three, tmp_path):
    path, _ = three
    data = tmp_path / "d"
    status, out, err = _cli(["evaluate", path, "--json", tmp_path / "r.json", "--data-dir", data, "--out", tmp_path / "o"])
    assert status == 0, err
    assert "资源配置评估汇总：3 个县区" in out
    streamed = (tmp_path / "r.json").read_text(encoding="utf-8")
    # the document as it was written before streaming: every county's scorecard built per county first (the
    # command now takes them from the tidy tables), dumped at once
    ws = Workspace(data)
    ev = ws.evaluate_files([path])
    cards = {(r.county, r.year): ws.scorecard_for(r) for r in ev.results()}
    before = dumps(evaluation_json(ev, cards))
    assert json.loads(streamed) == json.loads(before)
    assert len(json.loads(streamed)["results"]) == 3
    # one line per county-year for many counties, between the document's 8 lines of its own
    assert len(streamed.splitlines()) == 3 + 8
    # in batches of a few school parts (many batches), the same text, byte for byte, indented as before
    assert "".join(evaluation_json_chunks(ev, cards, batch_rows=7)) == before


def test_streamed_json_with_county_rules_and_causes(tmp_path):
    """The four sample counties (进贤县 with its own stricter rule) in small batches: the same document."""
    files = [REPO / "data" / "raw" / slug / f"schools_{YEAR}.xlsx" for slug in BASES]
    ev = evaluate(read_table(files), counties=configs(REPO / "data"))
    for batch in (1, 50, 10 ** 9):
        assert "".join(evaluation_json_chunks(ev, batch_rows=batch)) == dumps(evaluation_json(ev))


def test_real_command_prints_the_summary_from_outside(national):
    """The real ``junyun`` command (a fresh process) was run from a folder outside the repository."""
    assert Path(junyun_command()[0]).exists() or junyun_command()[0].endswith("python")
    assert (national["root"] / "out" / "r.json").is_file()
    doc = json.loads((national["root"] / "out" / "r.json").read_text(encoding="utf-8"),
                     parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert len(doc["results"]) == 50 and doc["results"][0]["synthetic"] is True
    assert national["stdout"].count("已写出") == 3
