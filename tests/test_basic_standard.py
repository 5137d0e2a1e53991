"""The basic-balance standard (basic-2012, 《县域义务教育均衡发展督导评估暂行办法》（教督〔2012〕3号）) end to end.

8 indicators, judged by the composite CV alone (小学 ≤ 0.65, 初中 ≤ 0.55; seed 001 篇七 三 6).  The evaluation
form (评估表) belongs to quality balance only (``applies_to`` in rules/scorecard.toml): under basic-2012 it is
absent and every output says why.  Checked here: a tiny county whose 8 CVs are computed by hand (statsmodels
DescrStatsW with the students as weights, population standard deviation), the text summary, JSON, workbook
and briefing content of that county, ``junyun evaluate`` on a configured sample county, and one ``junyun batch``
page.
"""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from statsmodels.stats.weightstats import DescrStatsW

from _build import school
from junyun_lib.cli import main
from junyun_lib.evaluation import scorecard as scorecard_module
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.evaluation.verdicts import stages_verdict, verdict
from junyun_lib.io.reader import read_schools
from junyun_lib.report import briefing
from junyun_lib.report.excel import evaluation_sheets
from junyun_lib.report.jsonvalues import dumps
from junyun_lib.report.jsonview import evaluation_json
from junyun_lib.report.overview import summary_table
from junyun_lib.report.text import summary_text
from junyun_lib.rules.scorecard_form import applies_to, not_applicable

REPO = Path(__file__).resolve().parents[1]
SENTENCE = "评估表仅适用于县域义务教育优质均衡发展督导评估（教督〔2017〕6号）；基本均衡评估不含此表"
COUNTY, YEAR = "基本县", 2023

# ----------------------------------------------------------------------------------------- tiny county
# Raw quantities per school: students, full-time teachers, teachers above the required degree, teachers with a
# mid-level or higher title, teaching and auxiliary area (m²), sports area (m²), equipment (元), computers, books.
PRIMARY = {"P1": (300, 18, 15, 9, 1500, 2400, 600_000, 45, 9_000),
           "P2": (500, 25, 22, 10, 2000, 3000, 900_000, 40, 10_000),
           "P3": (200, 16, 10, 8, 1400, 2600, 300_000, 30, 8_000)}
JUNIOR = {"J1": (400, 36, 30, 20, 3200, 6000, 1_200_000, 80, 16_000),
          "J2": (600, 30, 24, 6, 1800, 3000, 600_000, 20, 4_000)}
# indicator code → (position in the tuples above, scale): per 100 students for counts of people and computers
BASIC = {"teaching_aux_area": (4, 1), "sports_area": (5, 1), "equipment_value": (6, 1), "computers": (7, 100),
         "books": (8, 1), "teacher_ratio": (1, 100), "teachers_above_degree": (2, 100), "mid_title_teachers": (3, 100)}


def _rows(stages=("primary", "junior")) -> list[dict]:
    rows = []
    for stage, schools, kind in (("primary", PRIMARY, "小学"), ("junior", JUNIOR, "初级中学")):
        if stage not in stages:
            continue
        for sid, (n, teachers, above, mid, area, sports, equip, computers, books) in schools.items():
            teachers_by_section = {f"{k}_{s}": 0 for k in ("teachers", "teachers_above_degree", "mid_title_teachers")
                                   for s in ("primary", "junior")}
            teachers_by_section.update({f"teachers_{stage}": teachers, f"teachers_above_degree_{stage}": above,
                                        f"mid_title_teachers_{stage}": mid})
            rows.append(school(sid, kind, county=COUNTY, year=YEAR, **{stage: n}, **teachers_by_section,
                               teaching_aux_area_m2=area, sports_area_m2=sports, equipment_value_yuan=equip,
                               computers=computers, books=books))
    return rows


def _hand_cvs(schools: dict) -> dict[str, float]:
    """Each indicator's CV by hand: value = quantity × scale / students, weighted by students, S / X̄."""
    students = np.array([v[0] for v in schools.values()], dtype=float)
    out = {}
    for code, (pos, scale) in BASIC.items():
        values = np.array([v[pos] * scale / v[0] for v in schools.values()])
        d = DescrStatsW(values, weights=students, ddof=0)
        out[code] = d.std / d.mean
    return out


def _evaluate(stages=("primary", "junior")):
    return evaluate(read_schools(pd.DataFrame(_rows(stages))), "basic-2012")


@pytest.fixture(scope="module")
def tiny():
    return _evaluate()


@pytest.fixture(scope="module")
def tiny_result(tiny):
    return tiny.county(COUNTY, YEAR)


@pytest.fixture(scope="module")
def tiny_briefing(tiny_result):
    return briefing.Briefing(result=tiny_result, history={YEAR: tiny_result}, sources=["schools_2023.xlsx"])


def test_hand_computed_composite_and_verdicts(tiny):
    primary, junior = _hand_cvs(PRIMARY), _hand_cvs(JUNIOR)
    # one by pencil: junior computers 80×100/400 = 20 and 20×100/600 = 10/3 per 100 pupils, weights 0.4 / 0.6
    # → mean 8 + 2 = 10, sd = (20 − 10/3)·√(0.4·0.6) = (50/3)·√0.24 → CV = (5/3)·√0.24 ≈ 0.8165
    assert junior["computers"] == pytest.approx(5 / 3 * math.sqrt(0.24), rel=1e-12)
    inds = tiny.indicators.set_index(["stage", "indicator"])
    for stage, hand in (("primary", primary), ("junior", junior)):
        for code, cv in hand.items():
            assert inds.loc[(stage, code), "cv"] == pytest.approx(cv, rel=1e-10), (stage, code)
    assert list(tiny.indicators["indicator"].unique()) == list(BASIC)        # 8 indicators, in the rule's order
    stages = tiny.stages.set_index("stage")
    comp_primary, comp_junior = np.mean(list(primary.values())), np.mean(list(junior.values()))
    assert comp_primary == pytest.approx(0.2247445, abs=1e-6) and comp_junior == pytest.approx(0.5724596, abs=1e-6)
    assert stages.loc["primary", "composite_cv"] == pytest.approx(comp_primary, rel=1e-10)
    assert stages.loc["junior", "composite_cv"] == pytest.approx(comp_junior, rel=1e-10)
    assert verdict(stages.loc["primary", "passes"]) is True        # 0.225 ≤ 0.65
    assert verdict(stages.loc["junior", "passes"]) is False        # 0.572 > 0.55
    assert stages_verdict(tiny.stages) is False


def test_scorecard_applies_to_quality_only(tiny_result):
    assert applies_to("quality-2017") and not applies_to("basic-2012")
    assert not_applicable("basic-2012") == SENTENCE and not_applicable(tiny_result.standard) == SENTENCE
    assert not_applicable("quality-2017") is None
    assert scorecard_module.scorecard(tiny_result) is None


def test_workspace_builds_no_scorecard_under_basic(tmp_path, monkeypatch):
    """Workspace.scorecard_for does not even try to build the form under basic-2012 (a configured county)."""
    from junyun_lib import workspace as ws_module

    raw = tmp_path / "data" / "raw" / "jinxian"
    raw.mkdir(parents=True)
    shutil.copy(REPO / "data/raw/jinxian/county.toml", raw / "county.toml")
    rows = pd.DataFrame(_rows())
    rows["county"] = "进贤县"
    result = evaluate(read_schools(rows), "basic-2012",
                      counties=ws_module.Workspace(tmp_path / "data").counties()).county("进贤县", YEAR)
    assert result.config.configured

    def refuse(*args, **kwargs):
        raise AssertionError("the scorecard was built under basic-2012")

    from junyun_lib.evaluation import scorecards

    monkeypatch.setattr(scorecards, "scorecard", refuse)
    assert ws_module.Workspace(tmp_path / "data").scorecard_for(result) is None


def test_text_summary_under_basic(tiny_result):
    text = summary_text(tiny_result)
    assert "综合差异系数 0.225（限值：小于或等于0.65），结论：达标" in text
    assert "综合差异系数 0.572（限值：小于或等于0.55），结论：未达标" in text
    assert SENTENCE in text and "Traceback" not in text


def test_json_and_workbook_under_basic(tiny, tiny_result):
    for doc in (evaluation_json(tiny, {(COUNTY, YEAR): None}), {"results": [evaluation_json(tiny_result)]}):
        res = json.loads(dumps(doc), parse_constant=_no_constants)["results"][0]
        assert res["standard"] == "basic-2012" and res["scorecard"] is None and res["scorecard_note"] == SENTENCE
        assert res["stages"]["primary"]["passes"] is True and res["stages"]["junior"]["passes"] is False
        assert res["stages"]["junior"]["schools_failing_rule"] is None
        assert len(res["stages"]["junior"]["indicators"]) == 8
    sheets = evaluation_sheets(tiny, {(COUNTY, YEAR): None})
    assert "评估表" not in sheets
    about = dict(zip(sheets["说明"]["项目"], sheets["说明"]["内容"]))
    assert about["评估表"] == SENTENCE and "校际间均衡状况" in about["评估范围"]


def _no_constants(name):
    raise ValueError(f"not valid JSON: {name}")


def test_briefing_content_under_basic(tiny_briefing):
    b = tiny_briefing
    head = briefing.headline(b)
    assert "义务教育基本均衡发展" in head
    assert "**小学**资源配置**达标**：综合差异系数 0.225（8项指标差异系数的平均，限值：小于或等于 0.65）" in head
    assert "**初中**资源配置**未达标**：综合差异系数 0.572" in head
    assert "7项" not in head and "7 项" not in head
    table = briefing.cv_table(b)
    assert len(table) == 9 and table["指标"].iloc[-1] == "综合差异系数（8项平均）"
    assert list(table.iloc[-1][["小学结论", "初中结论"]]) == ["✓ 达标", "✗ 未达标"]
    assert briefing.cv_intro(b).startswith("8 项资源配置指标")
    assert "0.65" in briefing.cv_limits_text(b) and "教督〔2012〕3号" in briefing.cv_limits_text(b)
    assert SENTENCE in briefing.scorecard_text(b) and briefing.scorecard_table(b) is None
    # nothing the standard does not have is shown as an empty table; each section says why instead
    for fn in (briefing.failing_schools, briefing.gap_totals, briefing.guarantee_failures, briefing.cheapest_table):
        assert fn(b) is None, fn.__name__
    assert briefing.table(None) is None
    assert "不设学校层面的标准值和校级达标规则" in briefing.school_rule_text(b)
    assert "不含校额、班额" in briefing.guarantee_text(b)
    assert "不测算最低成本达标方案" in briefing.cheapest_text(b)
    shown = briefing.school_heatmaps(b)
    assert len(shown) == 1 and "本节不适用" in shown[0].data
    # causes: in the failing junior stage, the indicators whose CV is above 0.55 (computers, books, titles)
    causes = briefing.causes_table(b)
    hand = _hand_cvs(JUNIOR)
    above = sorted((c for c in BASIC if hand[c] > 0.55), key=lambda c: -hand[c])
    assert list(causes["学段"]) == ["初中"] * len(above) == ["初中"] * 3
    assert list(causes["指标"]) == [b.result.standard.indicator(c).name_zh for c in above]
    row = briefing.index_summary(b)
    assert row["overall"] == "未达到" and row["balance"] == "基本均衡" and row["standard"] == "basic-2012"
    assert not any("校级规则" in k for k in row["row"])


def test_a_stage_without_schools_has_no_verdict_and_breaks_nothing():
    """Only primary schools: the junior stage's verdict is NA in the tables and never reaches an ``if``."""
    ev = _evaluate(stages=("primary",))
    r = ev.county(COUNTY, YEAR)
    junior = r.stages.set_index("stage").loc["junior"]
    assert junior["passes"] is pd.NA and verdict(junior["passes"]) is None
    assert stages_verdict(r.stages) is True            # decided by the stage that has schools
    assert "初中：无纳入评估的学校" in summary_text(r)
    b = briefing.Briefing(result=r, history={YEAR: r})
    assert "**初中**：无纳入评估的学校。" in briefing.headline(b)
    assert briefing.cv_table(b).iloc[-1]["初中结论"] == "—"
    assert briefing.index_summary(b)["overall"] == "达到"
    res = json.loads(dumps(evaluation_json(ev)), parse_constant=_no_constants)["results"][0]
    assert res["stages"]["junior"]["passes"] is None
    assert list(summary_table(ev)["初中结论"]) == ["—"]


# ------------------------------------------------------------------------------ a configured sample county
@pytest.fixture(scope="module")
def jinxian(tmp_path_factory):
    """进贤县 2024 (county.toml, school table, county-level table, plan) in a fresh data folder, ingested."""
    from _build import sample_county_folder

    root = tmp_path_factory.mktemp("basic")
    raw = sample_county_folder(root / "data", "jinxian", 2024)
    assert main(["ingest", str(raw / "schools_2024.xlsx"), "--data-dir", str(root / "data"),
                 "--out", str(root / "outputs")]) == 0
    return root


def test_evaluate_command_under_basic(jinxian, capsys):
    data, out = jinxian / "data", jinxian / "outputs"
    capsys.readouterr()
    code = main(["evaluate", str(data / "raw/jinxian/schools_2024.xlsx"), "--standard", "basic-2012",
                 "--json", str(out / "x.json"), "--excel", str(out / "x.xlsx"), "--data-dir", str(data),
                 "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert SENTENCE in printed.out and "综合差异系数" in printed.out
    assert "Traceback" not in printed.out + printed.err and "内部错误" not in printed.err
    doc = json.loads((out / "x.json").read_text(encoding="utf-8"), parse_constant=_no_constants)
    res = doc["results"][0]
    assert res["county"] == "进贤县" and res["standard"] == "basic-2012"
    assert res["scorecard"] is None and res["scorecard_note"] == SENTENCE
    assert {s: len(res["stages"][s]["indicators"]) for s in ("primary", "junior")} == {"primary": 8, "junior": 8}
    assert all(isinstance(res["stages"][s]["passes"], bool) for s in ("primary", "junior"))
    book = openpyxl.load_workbook(out / "x.xlsx", read_only=True)
    assert "评估表" not in book.sheetnames
    about = {row[0]: row[1] for row in book["说明"].iter_rows(min_row=2, values_only=True)}
    assert about["评估表"] == SENTENCE


def test_batch_under_basic(jinxian, monkeypatch):
    from junyun_lib.runner import batch

    # this checkout's notebook, also when the environment's junyun_lib.notebooks maps to another checkout
    # (an editable install run from a git worktree with PYTHONPATH)
    monkeypatch.setattr(batch, "briefing_notebook", lambda: REPO / "notebooks" / batch.BRIEFING)
    data, out = jinxian / "data", jinxian / "batch"
    code = main(["batch", "--counties", "jinxian", "--years", "2024", "--workers", "1", "--standard", "basic-2012",
                 "--data-dir", str(data), "--out", str(out)])
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [(r["slug"], r["status"], r["standard"]) for r in manifest["runs"]] == [("jinxian", "ok", "basic-2012")]
    nb = json.loads((out / "2024/notebooks/jinxian.ipynb").read_text(encoding="utf-8"))
    outputs = [o for cell in nb["cells"] for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert not [o for o in outputs if o.get("name") == "stderr" and "Traceback" in "".join(o.get("text", ""))]
    page = (out / "2024/jinxian.html").read_text(encoding="utf-8")
    assert "进贤县 2024年 义务教育基本均衡发展 资源配置评估简报" in page
    assert "8 项资源配置指标" in page and "综合差异系数（8项平均）" in page
    assert "7 项" not in page and "7项" not in page
    assert SENTENCE in page
    for said in ("不设学校层面的标准值和校级达标规则", "不含校额、班额", "不测算最低成本达标方案", "本节不适用"):
        assert said in page, said
    assert "Traceback" not in page and "TypeError" not in page
    index = (out / "2024/index.html").read_text(encoding="utf-8")
    assert "县域义务教育基本均衡发展 资源配置评估总览" in index
    assert '<a href="jinxian.html">' in index and "校级规则" not in index
    assert index.split("运行失败")[1].count("<li") == 0
