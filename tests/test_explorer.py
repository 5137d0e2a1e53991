"""The what-if scenario and the widget explorer: every number is the core evaluation's on raw rows plus the
additions (recomputed here from the raw table), costs are amount × the unit cost typed from the cost file."""
from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from statsmodels.stats.weightstats import DescrStatsW

from _notebook_run import run_notebook
from junyun_lib.evaluation.evaluate import evaluate
from _build import configs, ingest
from junyun_lib.app.explorer import ExplorerApp
from junyun_lib.io.processed import read_table as open_table
from junyun_lib.io.workbook import write_workbook
from junyun_lib.planning.scenario import Scenario
from junyun_lib.io.reader import SchoolTable

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data/raw/xiangning/schools_2024.xlsx"


@pytest.fixture(scope="module")
def evaluation():
    return evaluate(open_table(SAMPLE), counties=configs(REPO / "data"))


def test_adding_teachers_re_evaluates_like_editing_the_raw_table(evaluation):
    s = Scenario(evaluation)
    parts = s.before.parts
    school = parts[parts["part"] == "primary"].sort_values("value_key_teachers").iloc[0]
    s.add(school["school_id"], "key_teachers", 3)
    # independently: the same three teachers written into the raw rows, then the core evaluation
    frame = evaluation.schools.copy()
    hit = frame["school_id"] == school["school_id"]
    frame.loc[hit, "key_teachers_primary"] = frame.loc[hit, "key_teachers_primary"] + 3
    want = evaluate(SchoolTable(frame=frame, synthetic=True), counties=configs(REPO / "data")).county()
    got = s.result.indicators.set_index(["stage", "indicator"])["cv"]
    for r in want.indicators.itertuples():
        assert got[(r.stage, r.indicator)] == pytest.approx(r.cv, rel=1e-12)
    assert s.cost == pytest.approx(3 * 2.0)               # 骨干教师 2 万元 each (rules/unit_costs.csv)
    status = s.school_status(school["school_id"])
    assert status["现达标项数"].iloc[0] >= status["原达标项数"].iloc[0]
    assert "补充 1 项" in s.summary() and "合成示例数据" in s.summary()
    with pytest.raises(ValueError):
        s.add(school["school_id"], "key_teachers", -1)
    with pytest.raises(KeyError):
        s.add("no-such-school", "key_teachers", 1)


def test_cheapest_path_in_a_scenario_passes_and_exports(evaluation, tmp_path):
    s = Scenario(evaluation)
    plan = s.apply_cheapest_path()
    assert plan.verified and s.cost == pytest.approx(plan.total_cost)
    assert (s.cv_table()["现在"] == "达标").all()
    path = write_workbook(tmp_path / "scenario.xlsx", s.sheets())
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["说明", "补充方案", "差异系数", "学校"]
    assert book["补充方案"].max_row - 1 == len(s.additions)
    assert any("合成示例数据" in str(c.value) for row in book["说明"].iter_rows() for c in row)
    s.clear()
    assert s.cost == 0 and s.result is s.before


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data = tmp_path_factory.mktemp("explorer") / "data"
    (data / "raw" / "xiangning").mkdir(parents=True)
    shutil.copy(REPO / "data/raw/xiangning/county.toml", data / "raw/xiangning/county.toml")
    ingest([SAMPLE], data_dir=data)
    return data


def _words(markup: str) -> str:
    """The text of an HTML widget, tags dropped and white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def _shown(frame) -> str:
    """A small table as its words: headers, then the rows."""
    return " ".join([*map(str, frame.columns), *(str(v) for row in frame.itertuples(index=False) for v in row)])


def test_widget_app_wires_the_scenario(data_dir, tmp_path):
    app = ExplorerApp(data_dir, outputs_dir=tmp_path)
    assert app.county_box.value == "乡宁县" and app.year_box.value == 2024
    app.stage_box.value = "junior"
    app.indicator_box.value = "sports_area"
    # the CV shown, recomputed here with statsmodels' weighted statistics (population sd / mean)
    junior = app.scenario.before.parts[app.scenario.before.parts["part"] == "junior"]
    d = DescrStatsW(junior["value_sports_area"].astype(float), weights=junior["students"].astype(float), ddof=0)
    assert "对差异系数的贡献" in app.ranking.value and f"差异系数 {d.std / d.mean:.3f}" in app.ranking.value
    failing = junior[~junior["passes_school_rule"].astype(bool)].sort_values("n_meeting").iloc[0]
    app.school_box.value = str(failing["school_id"])
    # the chosen school's own rule, before and now
    assert "所选学校" in app.school_status.value and html.escape(failing["school_name"]) in app.school_status.value
    assert _shown(app.scenario.school_status(failing["school_id"])) in _words(app.school_status.value)
    assert "未达到 未达到" in _words(app.school_status.value)
    app.amount_box.value = 500.0
    app.add_button.click()
    assert len(app.scenario.additions) == 1 and app.scenario.additions["amount"].iloc[0] == 500.0
    assert "经费 25.0 万元" in app.status.value                 # 500 m² × 0.05 万元
    assert "已添加" in app.message.value and app.school_box.value == str(failing["school_id"])
    # the cheapest path asks before it touches additions typed by hand; "replace" drops them
    app.cheapest_button.click()
    assert app.ask_box.layout.display != "none" and "已有 1 项手工补充" in app.question.value
    assert len(app.scenario.additions) == 1
    app.replace_button.click()
    assert app.ask_box.layout.display == "none" and app.scenario.manual_count == 0
    assert "超限的差异系数 0 个" in app.status.value and "未达到校级规则的学段 0 个" in app.status.value
    assert _shown(app.scenario.school_status(failing["school_id"])) in _words(app.school_status.value)
    assert "未达到 达到" in _words(app.school_status.value)
    # export: the box names a file in the outputs folder, the full path is shown, and that is where it goes
    assert app.path_box.value == "scenario.xlsx" and str(tmp_path / "scenario.xlsx") in app.target.value
    app.path_box.value = "情景/s.xlsx"
    assert str(tmp_path / "情景" / "s.xlsx") in app.target.value
    app.export_button.click()
    assert (tmp_path / "情景" / "s.xlsx").is_file() and f"已导出：{tmp_path / '情景' / 's.xlsx'}" in app.message.value


def test_widget_says_what_it_cannot_do(data_dir, tmp_path, monkeypatch):
    """No school, a negative or zero amount, a path into the raw data: said in red, nothing changed; a relative
    export path never lands in the current folder, a full one is honoured."""
    out, elsewhere = tmp_path / "out", tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    app = ExplorerApp(data_dir, outputs_dir=out)
    red = "color:#b00020"
    app.school_box.value = None
    app.add_button.click()
    assert red in app.message.value and "请先选择学校" in app.message.value and app.scenario.additions.empty
    app.school_box.value = app.school_box.options[0][1]
    for amount in (-1.0, 0.0):
        app.amount_box.value = amount
        app.add_button.click()
        assert red in app.message.value and "补充数量应大于 0" in app.message.value and app.scenario.additions.empty
    raw = Path(app.workspace.raw_dir)
    before = sorted(raw.rglob("*"))
    for bad in (str(raw / "s.xlsx"), "", "s.csv"):         # raw data is never written; a name must be .xlsx
        app.path_box.value = bad
        assert red in app.target.value
        assert app.export() is None and red in app.message.value and "未导出" in app.message.value
    assert sorted(raw.rglob("*")) == before and not out.exists()
    app.path_box.value = "outputs/s.xlsx"                  # relative: inside the outputs folder, not the cwd
    assert app.export() == out / "outputs" / "s.xlsx" and list(elsewhere.iterdir()) == []
    app.path_box.value = str(tmp_path / "分析 结果" / "s.xlsx")   # a full path a person typed: honoured
    assert app.export() == tmp_path / "分析 结果" / "s.xlsx"


def test_cheapest_path_keeps_manual_additions_and_the_workbook_is_chinese(data_dir, tmp_path):
    app = ExplorerApp(data_dir, outputs_dir=tmp_path)
    app.indicator_box.value = "key_teachers"
    school = app.school_box.options[0][1]
    app.school_box.value = school
    app.amount_box.value = 2.0
    app.add_button.click()
    app.cheapest_button.click()
    app.cancel_button.click()                                # asked, then nothing changed
    assert app.ask_box.layout.display == "none" and len(app.scenario.additions) == 1
    app.cheapest_button.click()
    app.merge_button.click()
    adds = app.scenario.additions
    manual = adds[adds["reason"] == "manual"]
    assert len(manual) == 1 and manual["school_id"].iloc[0] == school and manual["amount"].iloc[0] == 2.0
    assert len(adds) > 1 and "保留 1 项手工补充" in app.message.value
    assert "超限的差异系数 0 个" in app.status.value and "未达到校级规则的学段 0 个" in app.status.value
    path = app.export()
    book = openpyxl.load_workbook(path)
    cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [v for v in cells if isinstance(v, bool) or v in ("primary", "junior", "manual", "school_rule", "cv",
                                                                  "True", "False", "key_teachers")]
    reasons = {row[7].value for row in book["补充方案"].iter_rows(min_row=2)}
    assert "手工补充" in reasons and reasons <= {"手工补充", "达到校级规则", "差异系数达到限值"}
    assert {row[2].value for row in book["学校"].iter_rows(min_row=2)} <= {"小学", "初中"}
    assert {row[7].value for row in book["学校"].iter_rows(min_row=2)} == {"达到"}


def test_explorer_notebook_runs(data_dir, tmp_path):
    outputs = run_notebook(REPO / "notebooks/30_gap_explorer.ipynb", tmp_path / "explorer.ipynb",
                           {"data_dir": str(data_dir)})
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
