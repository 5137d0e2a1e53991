"""Briefing content: headline, CV table, escaping of data strings, footer with the synthetic label."""
import dataclasses
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from _build import ingest
from junyun_lib.problems import ValidationError
from junyun_lib.report import briefing
from junyun_lib.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("data")
    (d / "raw" / "jinxian").mkdir(parents=True)
    shutil.copy(REPO / "data/raw/jinxian/county.toml", d / "raw/jinxian/county.toml")
    book = openpyxl.load_workbook(REPO / "data/raw/jinxian/schools_2024.xlsx")   # keeps the 数据说明 sheet
    sheet = book["学校数据"]
    header = [c.value for c in sheet[1]]
    type_col, name_col = header.index("学校类型") + 1, header.index("学校名称") + 1
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, type_col).value == "小学")
    sheet.cell(row, name_col).value = "<script>alert(1)</script>"   # would run as script if not escaped
    path = d / "raw/jinxian/schools_2024.xlsx"
    book.save(path)
    ingest([path], data_dir=d)
    return d


@pytest.fixture(scope="module")
def b(data_dir):
    return Workspace(data_dir).briefing("进贤县", 2024)


def test_headline_names_the_county_and_each_stage(b):
    text = briefing.headline(b)
    assert text.startswith("# 进贤县 2024年")
    assert "**小学**" in text and "**初中**" in text


def test_cv_table_shows_every_indicator_to_three_decimals(b):
    t = briefing.cv_table(b)
    assert list(t["指标"])[:7] == [i.name_zh for i in b.result.standard.indicators]
    inds = b.result.indicators
    for stage, zh in (("primary", "小学"), ("junior", "初中")):
        cvs = inds[inds["stage"] == stage]["cv"].tolist()
        assert list(t[f"{zh}差异系数"])[:7] == [f"{v:.3f}" for v in cvs] or all(
            abs(float(a) - v) < 5e-4 for a, v in zip(list(t[f"{zh}差异系数"])[:7], cvs))
        verdicts = ["✓ 达标" if ok else "✗ 未达标" for ok in inds[inds["stage"] == stage]["cv_pass"]]
        assert list(t[f"{zh}结论"])[:7] == verdicts


def test_data_strings_are_escaped_in_tables(b):
    html = briefing.table(pd.DataFrame({"学校": ["<script>alert(1)</script>"]})).data
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_school_named_script_is_escaped_wherever_it_appears(b):
    for frame in (briefing.failing_schools(b), briefing.guarantee_failures(b), briefing.excluded_table(b)):
        html = briefing.table(frame).data
        assert "<script>alert" not in html


def test_footer_labels_synthetic_data_and_names_the_standard(b):
    text = briefing.footer(b)
    # the synthetic label is shown once, under the title (issue 28 item 3), not again in the footer
    assert "合成示例数据" not in text and "合成示例数据" in briefing.headline(b)
    assert "《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）" in text
    assert "进贤县 2024 年义务教育学校基础数据" in text and "北京时间" in text
    # no file, standard code, override key or UTC: 进贤县's "<" in words, with its document
    for jargon in ("schools_2024.xlsx", "quality-2017", "cv_limit", "UTC", "seed"):
        assert jargon not in text
    assert "县区规则：各指标差异系数须小于限值（《进贤县（2021\\-2030）年义务教育优质均衡发展推进计划》" in text


def test_history_holds_the_years_with_data(b):
    assert sorted(b.history) == [2024]


def test_missing_year_is_a_clear_error(data_dir):
    with pytest.raises(ValidationError, match="junyun ingest"):
        Workspace(data_dir).briefing("进贤县", 2019)


def test_index_page_escapes_data_strings():
    from junyun_lib.report.overview import index_html

    table = pd.DataFrame([{"县区": "<script>alert(1)</script>", "年度": 2024, "小学结论": "达标"}])
    page = index_html(table, 2024, {"<script>alert(1)</script>": "x.html"},
                      [{"county": "<b>坏县</b>", "error": "ValueError: <img src=x>"}], True, {})
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x>" not in page and "<b>坏县</b>" not in page
    assert "合成示例数据" in page and 'lang="zh-CN"' in page


def test_school_rule_text_states_the_seed_rule(b):
    # seed 002 附件1 二(一): 每所学校至少6项指标达到上述要求，余项不能低于要求的85% — cited as the national rule
    text = briefing.school_rule_text(b)
    assert "至少 6 项" in text and "其余 1 项" in text and "85%" in text
    assert "《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）资源配置" in text and "seed" not in text


def test_long_lists_show_ten_rows_and_say_how_many_more(b):
    full = briefing.failing_schools(b, top=None)
    shown = briefing.failing_schools(b)
    assert len(full) == 17 and len(shown) == 10             # 15 primary + 2 junior parts fail the school rule
    assert shown.attrs["more"] == "以上为前 10 所；另有 7 所，完整名单见评估结果（Excel）“未达校级规则学校”工作表。"
    assert list(shown["所需经费（万元）"]) == list(full["所需经费（万元）"].head(10))     # costliest first
    html = briefing.table(shown).data
    assert "另有 7 所" in html and '<td class="num">' in html and '<td class="short">' in html


def test_table_cells_are_classed_for_alignment():
    frame = pd.DataFrame({"学校": ["甲小学"], "在校生（人）": ["1,408"], "缺口": ["一段很长的文字说明，超过八个字"],
                          "经费（万元）": [709.8], "结论": ["未达到"]})
    assert briefing.column_kinds(frame) == {"学校": "short", "在校生（人）": "num", "缺口": "text",
                                            "经费（万元）": "num", "结论": "short"}


def test_scorecard_counts_say_what_they_count(b):
    table = briefing.scorecard_table(b)
    row = table[table["评估内容"].str.startswith("每所小学至少6项")].iloc[0]
    assert row["实际"] == "未达标学校 15 所" and row["标准"] == "0 所"
    assert not table["数据来源"].str.contains("seed|junyun_lib|\\.csv", regex=True).any()


def test_trend_is_a_chart_with_several_years_and_a_sentence_with_one(b):
    from IPython.display import Image, Markdown

    earlier = dataclasses.replace(b.result, year=2023, indicators=b.result.indicators.assign(year=2023))
    two = dataclasses.replace(b, history={2023: earlier, 2024: b.result})
    assert isinstance(briefing.trend(two), Image)
    shown = briefing.trend(b)                       # the fixture holds 2024 only
    assert isinstance(shown, Markdown) and "仅有 2024 年一年的数据" in shown.data
