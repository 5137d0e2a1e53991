"""The evaluate JSON's ``causes`` per stage and indicator: the keys issue 5 fixes, and the national-scale
vectorised computation equal to the per-county functions of junyun_lib.causes (tested on their own in
tests/test_causes.py) for every county, stage and indicator of the sample, evaluated together."""
from __future__ import annotations

import json

import pytest

from _build import configs
from junyun_lib.report.jsonview import causes_json, evaluation_json
from junyun_lib.cli import main
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.io.processed import read_table as open_table

FILES = [f"data/raw/{slug}/schools_2024.xlsx" for slug in ("jinxian", "xiangning", "shicheng", "shizhu")]


@pytest.fixture(scope="module")
def evaluation():
    return evaluate(open_table(FILES), counties=configs("data"))     # 进贤县 has its own standard variant ("<")


def test_json_causes_equal_the_per_county_computation(evaluation):
    doc = evaluation_json(evaluation)
    assert len(doc["results"]) == 4
    for res in doc["results"]:
        result = evaluation.county(res["county"], res["year"])
        for stage in ("primary", "junior"):
            for code, block in res["stages"][stage]["indicators"].items():
                got, want = block["causes"], causes_json(result, stage, code)
                assert set(got) == {"contributions", "by_urban_rural", "theil", "gini", "mcloone"}
                assert set(got["by_urban_rural"]) == {"within", "between"}
                for key in ("theil", "gini", "mcloone"):
                    assert got[key] == pytest.approx(want[key], rel=1e-9, abs=1e-12)
                for key in ("within", "between"):
                    assert got["by_urban_rural"][key] == pytest.approx(want["by_urban_rural"][key], rel=1e-9, abs=1e-15)
                assert got["by_urban_rural"]["within"] + got["by_urban_rural"]["between"] == pytest.approx(
                    block["cv"] ** 2, rel=1e-9)
                shares = {c["school_id"]: (c["share"], c["direction"]) for c in want["contributions"]}
                assert {c["school_id"] for c in got["contributions"]} == set(shares)
                for c in got["contributions"]:
                    assert c["share"] == pytest.approx(shares[c["school_id"]][0], rel=1e-9, abs=1e-15)
                    assert c["direction"] == shares[c["school_id"]][1]
                listed = [c["share"] for c in got["contributions"]]
                assert listed == sorted(listed, reverse=True)            # largest first
                assert sum(listed) == pytest.approx(1.0, rel=1e-12)


def test_cli_json_carries_causes(tmp_path):
    out = tmp_path / "ev.json"
    assert main(["evaluate", FILES[0], "--json", str(out), "--data-dir", "data", "--out", str(tmp_path)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    block = doc["results"][0]["stages"]["primary"]["indicators"]["key_teachers"]
    assert block["causes"]["contributions"][0]["direction"] in ("below", "above")
    assert 0 < block["causes"]["gini"] < 1 and 0 < block["causes"]["mcloone"] <= 1
