"""Tidy Parquet results (分析用结果表) and a scorecard for every county.

The tables written by ``junyun evaluate … --results`` are read back with pyarrow and checked against the
per-county JSON of the same run; the vectorised scorecard of all county-years against the per-county
scorecard; a county file outside any configured folder gets a scorecard whose school-derived items are
computed and whose county-level items are no data, overall never a pass.
"""
from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from junyun_lib.cli import main
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.evaluation.scorecard import scorecard
from junyun_lib.evaluation.scorecards import scorecard_tables
from junyun_lib.io.reader import read_schools
from junyun_lib.report.results import TABLE_NAMES

REPO = Path(__file__).resolve().parents[1]


def _run(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def _strict(text: str):
    def refuse(name):
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """石城县 2024 (configured, with a county-level table) evaluated with --json and --results."""
    root = tmp_path_factory.mktemp("results")
    shutil.copytree(REPO / "data" / "raw" / "shicheng", root / "data" / "raw" / "shicheng")
    src = root / "data" / "raw" / "shicheng" / "schools_2024.xlsx"
    status, out, err = _run(["evaluate", str(src), "--json", str(root / "out" / "r.json"),
                             "--results", str(root / "out" / "tables"), "--data-dir", str(root / "data"),
                             "--out", str(root / "out")])
    assert status == 0, err
    doc = _strict((root / "out" / "r.json").read_text(encoding="utf-8"))
    tables = {n: pq.read_table(root / "out" / "tables" / f"{n}.parquet").to_pandas() for n in TABLE_NAMES}
    return doc["results"][0], tables, root


def test_every_table_is_written_with_its_metadata(run):
    _, _, root = run
    names = sorted(p.name for p in (root / "out" / "tables").iterdir())
    assert names == sorted([f"{n}.parquet" for n in TABLE_NAMES] + ["_junyun_results.json"])
    marker = json.loads((root / "out" / "tables" / "_junyun_results.json").read_text(encoding="utf-8"))
    assert marker["complete"] is True and sorted(marker["files"]) == sorted(f"{n}.parquet" for n in TABLE_NAMES)
    meta = json.loads(pq.read_schema(root / "out" / "tables" / "stages.parquet").metadata[b"junyun"])
    assert meta["standard"] == "quality-2017" and meta["synthetic"] is True


def test_stages_and_indicators_equal_the_json(run):
    res, t, _ = run
    for stage, block in res["stages"].items():
        row = t["stages"][t["stages"]["stage"] == stage].iloc[0]
        assert row["schools_in_scope"] == block["schools_in_scope"]
        assert row["composite_cv"] == pytest.approx(block["composite_cv"], rel=0, abs=0)
        assert bool(row["passes"]) == block["passes"]
        for code, ind in block["indicators"].items():
            r = t["indicators"][(t["indicators"]["stage"] == stage) & (t["indicators"]["indicator"] == code)].iloc[0]
            assert r["cv"] == ind["cv"] and bool(r["cv_pass"]) == ind["cv_pass"]
            assert r["gini"] == pytest.approx(ind["causes"]["gini"], rel=1e-12)
            assert r["between"] == pytest.approx(ind["causes"]["by_urban_rural"]["between"], rel=1e-12)


def test_school_parts_equal_the_json(run):
    res, t, _ = run
    parts = t["school_parts"].set_index(["school_id", "part"])
    assert len(parts) == len(res["schools"])
    for s in res["schools"]:
        row = parts.loc[(s["school_id"], s["part"])]
        for code, v in s["values"].items():
            assert (np.isnan(row[f"value_{code}"]) and v is None) or row[f"value_{code}"] == v
        assert bool(row["passes_school_rule"]) == s["passes_school_rule"]
    # each stage's CV² shares add up to 1
    shares = t["school_parts"].groupby("part")["cv2_share_key_teachers"].sum()
    assert np.allclose(shares.to_numpy(), 1.0)


def test_exclusions_and_scorecard_equal_the_json(run):
    res, t, _ = run
    assert sorted(t["exclusions"]["school_id"]) == sorted(e["school_id"] for e in res["excluded"])
    items = t["scorecard_items"].set_index("code")
    for area in res["scorecard"]["areas"].values():
        for item in area["items"]:
            row = items.loc[item["code"]]
            assert (pd.isna(row["passes"]) and item["passes"] is None) or bool(row["passes"]) == item["passes"]
            assert (pd.isna(row["value"]) and item["value"] is None) or row["value"] == pytest.approx(item["value"])
    overall = t["scorecard"].iloc[0]["overall"]
    assert (pd.isna(overall) and res["scorecard"]["overall"] is None) or bool(overall) == res["scorecard"]["overall"]


def test_vectorised_scorecard_equals_the_per_county_one():
    """Every sample county-year, no county-level table: the same items, values and verdicts."""
    paths = sorted((REPO / "data" / "raw").glob("*/schools_*.xlsx"))
    ev = evaluate(read_schools(paths))
    items, overall = scorecard_tables(ev)
    assert len(overall) == len(ev.county_years()) == 16
    for c, y in ev.county_years():
        card = scorecard(ev.county(c, y), None, {})
        mine = items[(items["county"] == c) & (items["year"] == y)].reset_index(drop=True)
        ref = card.items.reset_index(drop=True)
        assert mine["code"].tolist() == ref["code"].tolist()
        for col in ("value", "standard"):
            a, b = mine[col].to_numpy(dtype=float), pd.to_numeric(ref[col]).to_numpy(dtype=float)
            assert np.array_equal(np.isnan(a), np.isnan(b)) and np.allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=0)
        assert [None if pd.isna(p) else bool(p) for p in mine["passes"]] == ref["passes"].tolist()
        assert mine["source"].tolist() == ref["source"].tolist()
        o = overall[(overall["county"] == c) & (overall["year"] == y)].iloc[0]
        assert (None if pd.isna(o["overall"]) else bool(o["overall"])) == card.overall
        assert {a: (None if pd.isna(o[f"area_{a}"]) else bool(o[f"area_{a}"])) for a in card.areas} == card.areas


def test_unconfigured_county_gets_a_scorecard_never_a_pass(tmp_path):
    """A county file in a folder without county.toml: school-derived items computed, county-level items no
    data, overall not a pass — in the JSON and in the tables."""
    folder = tmp_path / "data" / "raw" / "elsewhere"
    folder.mkdir(parents=True)
    shutil.copy(REPO / "data" / "raw" / "xiangning" / "schools_2024.xlsx", folder / "schools_2024.xlsx")
    status, _, err = _run(["evaluate", str(folder / "schools_2024.xlsx"), "--json", str(tmp_path / "out" / "r.json"),
                           "--results", str(tmp_path / "out" / "t"), "--data-dir", str(tmp_path / "data"),
                           "--out", str(tmp_path / "out")])
    assert status == 0, err
    card = _strict((tmp_path / "out" / "r.json").read_text(encoding="utf-8"))["results"][0]["scorecard"]
    assert card is not None and card["overall"] is not True
    by_code = {i["code"]: i for a in card["areas"].values() for i in a["items"]}
    assert by_code["school_size"]["value"] is not None and by_code["cv_primary"]["passes"] is not None
    assert by_code["junior_retention"]["value"] is None and by_code["junior_retention"]["passes"] is None
    overall = pq.read_table(tmp_path / "out" / "t" / "scorecard.parquet").to_pandas().iloc[0]["overall"]
    assert pd.isna(overall) or not bool(overall)


def test_an_interrupted_results_write_leaves_the_old_set_and_a_foreign_file_stops_it(tmp_path):
    from junyun_lib.io.ownership import results_complete, write_owned_files
    from junyun_lib.problems import PathRefused

    target = tmp_path / "t"
    write_owned_files(target, ["old.parquet"], lambda stage: (stage / "old.parquet").write_bytes(b"1"))

    def interrupted(stage):
        (stage / "new.parquet").write_bytes(b"2")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_owned_files(target, ["new.parquet"], interrupted)
    assert sorted(p.name for p in target.iterdir()) == ["_junyun_results.json", "old.parquet"]
    assert (target / "old.parquet").read_bytes() == b"1" and results_complete(target)
    (target / "mine.csv").write_bytes(b"analyst's own")
    with pytest.raises(PathRefused, match="mine.csv"):
        write_owned_files(target, ["old.parquet"], lambda stage: (stage / "old.parquet").write_bytes(b"3"))
    assert (target / "old.parquet").read_bytes() == b"1" and (target / "mine.csv").read_bytes() == b"analyst's own"
