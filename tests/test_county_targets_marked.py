"""A county plan's target says whose it is (issue 28 item 4): on the scorecard (评估表) of the page, the Word
copy and the workbook, a row whose threshold is the county's and differs from the national one reads
"≥ 97.0%（县定目标；国家标准 ≥ 95.0%）"; a county's own item without a national counterpart (县1, staffing
ratios) reads "…（县定目标）"; every other row shows the threshold alone.

National thresholds are read here from ``junyun_lib/rules/scorecard.toml`` and 进贤县's targets from
``data/raw/jinxian/county.toml``, both with a TOML parser, not through the code under test.  The set of items
进贤县 makes stricter is also typed from seed 000 二(二): 巩固率 97% (national 95%), 残疾儿童少年入学率 97%
(95%), 名额分配 70% (50%), 随迁子女 95% (85%), 初中就近划片入学 100% (95%); its 小学就近划片入学 100% equals the
national 100% and is not marked.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:                                   # Python 3.10
    import tomli as tomllib

from junyun_lib.report import briefing
from junyun_lib.report.scorecard_view import form_table
from junyun_lib.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
FORM = tomllib.loads((REPO / "junyun_lib/rules/scorecard.toml").read_text(encoding="utf-8"))
TARGETS = tomllib.loads((REPO / "data/raw/jinxian/county.toml").read_text(encoding="utf-8"))["county_targets"]
ITEMS = {item["code"]: item for item in FORM["items"]}
STRICTER = {"junior_retention": (97, 95), "disabled_enrolment": (97, 95), "quota_allocation_ratio": (70, 50),
            "migrant_public_ratio": (95, 85), "nearby_enrolment_junior": (100, 95)}   # seed 000 vs seed 002
OWN = {code for code, item in ITEMS.items() if "requires" in item}                # 县1: no national item


def county_threshold(code: str) -> float | None:
    """进贤县's threshold of an item from its county.toml (× the form's scale), None when it sets none."""
    item = ITEMS[code]
    key = item.get("override")
    if key is None or key not in TARGETS:
        return None
    return float(TARGETS[key]["value"]) * float(item.get("override_scale", 1))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """进贤县 and 石柱县 (no county targets) from the committed raw files, school files ingested."""
    data = tmp_path_factory.mktemp("targets") / "data"
    for slug in ("jinxian", "shizhu"):
        raw = data / "raw" / slug
        shutil.copytree(REPO / "data" / "raw" / slug, raw)
        Workspace(data).ingest(sorted(raw.glob("schools_*.xlsx")))
    return data


def standards_by_item(card, table) -> dict[str, str]:
    """{item code: its 标准 text} from the laid-out form, each item found by its number and wording."""
    out = {}
    for r in card.items.to_dict("records"):
        hit = table[(table["序号"] == r["no"]) & (table["评估内容"] == r["name"])]
        assert len(hit) == 1, r["code"]
        out[r["code"]] = hit["标准"].iloc[0]
    return out


def test_the_typed_targets_agree_with_the_files():
    differ = {code for code in ITEMS if county_threshold(code) is not None
              and county_threshold(code) != float(ITEMS[code]["standard"])}
    assert differ == set(STRICTER)
    for code, (county, national) in STRICTER.items():
        assert (county_threshold(code), float(ITEMS[code]["standard"])) == (county, national)
    assert county_threshold("nearby_enrolment_primary") == float(ITEMS["nearby_enrolment_primary"]["standard"])


def test_jinxian_rows_say_whose_target(data_dir):
    card = Workspace(data_dir).scorecard("进贤县", 2024)
    texts = standards_by_item(card, form_table(card))
    marked = set()
    for r in card.items.to_dict("records"):
        code, text = r["code"], texts[r["code"]]
        if code in OWN:
            assert text == "≥ 100.0%（县定目标）", text
            assert "国家标准" not in text
            continue
        if "standard" not in ITEMS[code]:                         # CV limits, school rule: the standard's own
            assert "县定目标" not in text and "国家标准" not in text, (code, text)
            continue
        national = float(ITEMS[code]["standard"])
        if r["standard"] is not None and float(r["standard"]) != national:
            marked.add(code)
            assert float(r["standard"]) == county_threshold(code)
            assert text == f"≥ {county_threshold(code):.1f}%（县定目标；国家标准 ≥ {national:.1f}%）", (code, text)
        else:
            assert "县定目标" not in text and "国家标准" not in text, (code, text)
    assert marked == set(STRICTER)
    assert texts["junior_retention"] == "≥ 97.0%（县定目标；国家标准 ≥ 95.0%）"
    assert texts["nearby_enrolment_primary"] == "≥ 100.0%"          # the county restates the national 100%


def test_the_mark_reaches_the_page_and_the_workbook(data_dir):
    b = Workspace(data_dir).briefing("进贤县", 2024)
    expected = "≥ 95.0%（县定目标；国家标准 ≥ 85.0%）"               # 随迁子女: 93% fails the county's 95%
    name = ITEMS["migrant_public_ratio"]["name_zh"]
    page = briefing.scorecard_table(b)
    assert page.loc[page["评估内容"] == name, "标准"].tolist() == [expected]
    sheet = briefing.workbook_sheets(b)["评估表"]
    assert sheet.loc[sheet["评估内容"] == name, "标准"].tolist() == [expected]


def test_national_thresholds_are_not_marked(data_dir):
    card = Workspace(data_dir).scorecard("石柱县", 2023)
    texts = standards_by_item(card, form_table(card))
    assert not OWN & set(texts)                                     # no county staffing row without targets
    for code, text in texts.items():
        assert "县定目标" not in text and "国家标准" not in text, (code, text)
    for code in STRICTER:
        assert texts[code] == f"≥ {float(ITEMS[code]['standard']):.1f}%"
