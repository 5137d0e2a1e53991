"""Project lists as data (data/raw/<slug>/projects.csv) and their strict reading.

The expectations for 石城县 are typed from the seed text (../shared/seeds/003_*.txt, 附件2 工作清单: 21 projects,
合计 101934 万元) and 石柱县's from seed 004 (附件 重大项目规划表, 6 projects); the file is also summed with the csv
module alone, so the reader is not checking itself.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from _problems import one
from _seeds import seed_text
from junyun_lib.io.projects import (COLUMNS, EFFECTS, link_problems, read_projects, template_text,
                                    write_projects_template)
from junyun_lib.io.reader import read_schools
from junyun_lib.problems import ValidationError

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"

# 石城县 附件2: 序号 -> (资金概算 万元, 完成时限 first year, last year), typed from the seed
SHICHENG = {1: (3100, 2023, 2025), 2: (25500, 2023, 2025), 3: (54, 2023, 2025), 4: (120, 2025, 2025),
            5: (60, 2025, 2025), 6: (5000, 2025, 2025), 7: (10000, 2024, 2024), 8: (8000, 2024, 2024),
            9: (6000, 2025, 2025), 10: (16000, 2024, 2024), 11: (2600, 2025, 2025), 12: (2100, 2025, 2025),
            13: (1600, 2023, 2023), 14: (1900, 2023, 2023), 15: (2800, 2024, 2024), 16: (1900, 2024, 2024),
            17: (1800, 2024, 2024), 18: (1400, 2025, 2025), 19: (5000, 2025, 2025), 20: (3000, 2025, 2025),
            21: (4000, 2025, 2025)}
# 石柱县 附件: 序号 -> (项目总投资 万元, 建设期限)
SHIZHU = {1: (50080, 2020, 2022), 2: (5000, 2020, 2023), 3: (47175, 2021, 2023), 4: (18968, 2022, 2024),
          5: (10205, 2023, 2025), 6: (18968, 2024, 2026)}


@pytest.fixture(scope="module")
def shicheng():
    return read_projects(RAW / "shicheng" / "projects.csv", county="石城县")


# ------------------------------------------------------------------------------------ 石城县 transcription
def test_shicheng_totals_by_csv_alone():
    """21 projects, 101,934 万元, completion years 2023–2025 — read with the csv module only."""
    with open(RAW / "shicheng" / "projects.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(COLUMNS)
    budgets = {int(r["project_no"]): int(r["budget_wan"]) for r in rows if r["budget_wan"]}
    assert len(budgets) == 21 and sum(budgets.values()) == 101934 == sum(b for b, _, _ in SHICHENG.values())
    assert sum(1 for r in rows if r["budget_wan"]) == 21            # each budget once
    years = {int(r["completion_year"]) for r in rows if r["completion_year"]}
    assert years == {2023, 2024, 2025}


def test_shicheng_each_project_as_the_seed_gives_it(shicheng):
    projects = shicheng.projects.set_index("project_no")
    assert list(projects.index) == list(range(1, 22))
    assert shicheng.total_budget_wan == 101934
    for no, (budget, start, end) in SHICHENG.items():
        assert projects.at[no, "budget_wan"] == budget, no
        assert (projects.at[no, "start_year"], projects.at[no, "completion_year"]) == (start, end), no
    text = seed_text("003")
    合计 = text[text.index("合   计"):]
    assert "101934" in 合计                                     # the seed's own total
    for r in shicheng.projects.itertuples():
        assert r.content and r.content in text, r.project_no    # contents verbatim
        assert r.project in text and r.subproject in text.replace("\n", "")
        assert "seed" not in r.source and r.source.startswith("《石城县推进义务教育优质均衡发展实施方案》")
        assert f"序号{r.project_no}" in r.source


def test_shicheng_effects_only_where_the_seed_states_them(shicheng):
    rows = shicheng.rows
    new = rows[rows["effect"] == "new_school"].set_index("school_name")
    assert new["amount"].to_dict() == {"城南中小学": 2000, "温坊初中": 1300, "新前江小学": 1000,
                                       "东城梅福片新增九年一贯制学校": 2500}
    assert new["stage"].to_dict() == {"城南中小学": "all", "温坊初中": "junior", "新前江小学": "primary",
                                      "东城梅福片新增九年一贯制学校": "all"}
    assert set(rows["effect"]) == {"new_school", "not_stated"}
    quiet = rows[rows["effect"] == "not_stated"]
    assert quiet["amount"].isna().all() and (quiet["note"].str.len() > 0).all()
    # the named schools of 附件2 序号19 and 正文二(五)2 each have a row
    named = set(rows.loc[rows["project_no"].isin([19, 20]), "school_name"])
    assert {"赣江源中小学", "小松中心小学", "高田中心小学", "横江中心小学"} <= named


def test_shicheng_school_ids_only_for_schools_the_sample_has(shicheng):
    """The sample school table is synthetic and has none of the schools the plan names: every id is blank
    and the notes say why."""
    names = set(read_schools(RAW / "shicheng" / "schools_2024.xlsx").frame["school_name"])
    named = set(shicheng.rows["school_name"]) - {""}
    assert named and not named & names
    assert (shicheng.rows["school_id"] == "").all()
    assert shicheng.rows.loc[shicheng.rows["school_name"] != "", "note"].str.contains("学校标识码留空").all()


def test_shizhu_transcription():
    p = read_projects(RAW / "shizhu" / "projects.csv", county="石柱县")
    projects = p.projects.set_index("project_no")
    assert p.total_budget_wan == 150396 == sum(b for b, _, _ in SHIZHU.values())
    for no, (budget, start, end) in SHIZHU.items():
        assert (projects.at[no, "budget_wan"], projects.at[no, "start_year"],
                projects.at[no, "completion_year"]) == (budget, start, end)
    text = seed_text("004")
    assert all(c in text for c in projects["content"])
    new = p.rows[p.rows["effect"] == "new_school"].set_index("project_no")
    assert new["amount"].to_dict() == {5: 1890, 6: 1950}
    assert new["stage"].to_dict() == {5: "primary", 6: ""}        # 城区中学: the stage is not stated


# ------------------------------------------------------------------------------------------- bad files
HEADER = "project_no,project,budget_wan,completion_year,source,effect,school_id,school_name,stage,amount,note\n"


def write(tmp_path, body: str, header: str = HEADER, encoding="utf-8") -> Path:
    path = tmp_path / "projects.csv"
    path.write_bytes((header + body).encode(encoding))
    return path


def problems_of(path) -> list:
    with pytest.raises(ValidationError) as info:
        read_projects(path, county="测试县")
    return info.value.problems


def test_unknown_effect_is_located_with_a_hint(tmp_path):
    path = write(tmp_path, "1,新建,100,2024,方案,new_scool,,城南,all,2000,\n")
    p = one(problems_of(path), "unknown_effect")
    assert (p.file, p.row, p.column, p.value) == (str(path), 2, "effect", "new_scool")
    assert "new_school" in p.message_zh and "did you mean 'new_school'" in p.message_en


def test_negative_budget_and_bad_years_in_one_pass(tmp_path):
    body = ("1,甲,-5,2024,方案,not_stated,,,,,未注明\n"
            "\n"                                                        # a blank line keeps editor rows
            "2,乙,10,1899,方案,not_stated,,,,,未注明\n"
            "3,丙,10,2023-2025,方案,not_stated,,,,,未注明\n"
            "4,丁,1e999,2024,方案,not_stated,,,,,未注明\n")
    found = {(p.code, p.row, p.column) for p in problems_of(write(tmp_path, body))}
    assert found == {("negative", 2, "budget_wan"), ("out_of_range", 4, "completion_year"),
                     ("bad_year", 5, "completion_year"), ("non_finite", 6, "budget_wan")}


def test_missing_columns_are_all_named(tmp_path):
    path = write(tmp_path, "1,甲\n", header="project_no,project\n")
    problems = problems_of(path)
    assert {p.code for p in problems} == {"missing_column"}
    assert {p.message_en.split("'")[1] for p in problems} == {"budget_wan", "completion_year", "source", "effect"}
    assert all(p.row == 1 for p in problems)


def test_gbk_file_with_chinese_headers_reads(tmp_path):
    header = "序号,项目名称,资金概算（万元）,完成年份,来源,效果,学校名称,学段,数量,说明\n"
    path = write(tmp_path, "7,城区新建学校,10000,2024,方案附件2 序号7,new_school,城南中小学,all,2000,\n",
                 header=header, encoding="gbk")
    r = read_projects(path)
    assert r.rows.loc[0, "school_name"] == "城南中小学" and r.rows.loc[0, "amount"] == 2000


def test_undecodable_and_not_text(tmp_path):
    path = tmp_path / "projects.csv"
    path.write_bytes(HEADER.encode() + b"1,\xff\xfe\xfa\xfb,1,2024,x,not_stated,,,,,n\n")
    assert problems_of(path)[0].code == "encoding"
    path.write_bytes(b"PK\x03\x04 an xlsx renamed")
    assert problems_of(path)[0].code == "not_text"


def test_budget_only_on_a_projects_first_row(tmp_path):
    body = ("19,改造,5000,2025,方案,not_stated,,赣江源中小学,,,面积未写明\n"
            "19,,5000,,,not_stated,,小松中心小学,,,面积未写明\n"
            "19,改造,,2025,方案,not_stated,,高田中心小学,,,面积未写明\n")
    p = one(problems_of(write(tmp_path, body)), "budget_repeated")
    assert (p.row, p.column, p.value) == (3, "budget_wan", "5000")
    ok = write(tmp_path, body.replace("19,,5000,", "19,,,"))
    r = read_projects(ok)
    assert r.total_budget_wan == 5000 and r.rows["budget_wan"].isna().sum() == 2
    assert r.projects.loc[0, "effect_rows"] == 3


def test_a_later_row_may_not_contradict_the_first(tmp_path):
    body = ("7,新建,100,2024,方案,not_stated,,,,,n\n"
            "7,改建,,2025,方案,not_stated,,,,,n\n")
    found = {(p.code, p.row, p.column, p.value) for p in problems_of(write(tmp_path, body))}
    assert found == {("conflict", 3, "project", "改建"), ("conflict", 3, "completion_year", "2025")}


def test_amount_rules(tmp_path):
    body = ("1,甲,1,2024,方案,not_stated,,,,30,有数量\n"             # not_stated must leave amount blank
            "2,乙,1,2024,方案,new_school,,城南,all,,\n"               # new_school needs places
            "3,丙,1,2024,方案,new_school,,温坊,junior,12.5,\n"       # places are whole
            "4,丁,1,2024,方案,add_area_m2,,,,300,\n"                 # an effect needs a school
            "5,戊,1,2024,方案,hire_teachers,X,,all,3,\n"             # teachers are hired for a stage
            "6,己,1,2024,方案,not_stated,,,,,\n")                     # not_stated needs a note
    found = {(p.code, p.row, p.column) for p in problems_of(write(tmp_path, body))}
    assert found == {("amount_not_stated", 2, "amount"), ("blank", 3, "amount"), ("not_whole", 4, "amount"),
                     ("no_school", 5, "school_id"), ("bad_stage", 6, "stage"), ("blank", 7, "note")}


def test_move_students_needs_its_sending_school(tmp_path):
    header = HEADER.replace(",note", ",from_school_id,note")
    body = ("1,分流,0,2024,方案,move_students,B,,primary,40,,n\n"
            "2,分流,0,2024,方案,move_students,B,,primary,40,B,n\n"
            "3,扩建,0,2024,方案,add_area_m2,B,,,40,A,n\n")
    found = {(p.code, p.row, p.column) for p in problems_of(write(tmp_path, body, header=header))}
    assert found == {("blank", 2, "from_school_id"), ("same_school", 3, "from_school_id"),
                     ("not_applicable", 4, "from_school_id")}


def test_total_row_ragged_row_and_unknown_column(tmp_path):
    body = "1,甲,1,2024,方案,not_stated,,,,,n\n合计,,1,,,,,,,,\n2,乙,1,2024,方案,not_stated,,,,\n"
    found = {(p.code, p.row) for p in problems_of(write(tmp_path, body))}
    assert found == {("total_row", 3), ("ragged_row", 4)}
    path = write(tmp_path, "1,甲,1,2024,方案,not_stated,n,x\n",
                 header="project_no,project,budget_wan,completion_year,source,effect,note,efect\n")
    p = one(problems_of(path), "unknown_column")
    assert p.column == "efect" and "effect" in p.message_en


def test_full_width_digits_are_read_with_a_warning(tmp_path):
    r = read_projects(write(tmp_path, "1,甲,１２０,２０２５,方案,not_stated,,,,,n\n"))
    assert r.total_budget_wan == 120 and r.rows.loc[0, "completion_year"] == 2025
    assert {(w.code, w.column) for w in r.warnings} == {("full_width", "budget_wan"), ("full_width", "completion_year")}


def test_template_explains_every_column_and_reads_back_empty(tmp_path):
    text = template_text()
    assert all(f"#   {c}（" in text for c in COLUMNS) and all(f"#   {e}：" in text for e in EFFECTS)
    path = write_projects_template(tmp_path / "projects.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert len(read_projects(path).rows) == 0
    with pytest.raises(FileExistsError):
        write_projects_template(path)
    # the template, filled in below its header, reads
    with open(path, "a", encoding="utf-8") as f:
        f.write("1,甲,,,10,,2024,方案,not_stated,,,,,,原文未写明\n")
    assert read_projects(path).total_budget_wan == 10


def test_link_problems(tmp_path):
    header = HEADER.replace(",note", ",from_school_id,note")
    body = ("1,分流,0,2024,方案,move_students,A,乙小学,primary,40,Z,n\n"
            "2,扩建,10,2024,方案,add_area_m2,Q,,,100,,n\n"
            "3,新建,10,2024,方案,new_school,N,新小学,primary,500,,n\n")
    r = read_projects(write(tmp_path, body, header=header))
    import pandas as pd
    schools = pd.DataFrame({"school_id": ["A", "B"], "school_name": ["甲小学", "乙小学"]})
    found = {(p.severity, p.code, p.row, p.column, p.value) for p in link_problems(r, schools)}
    # adding area to a school the table does not hold is an error (issue 24); only a new school's id may be new
    assert found == {("error", "unknown_school", 2, "from_school_id", "Z"),
                     ("warning", "name_mismatch", 2, "school_name", "乙小学"),
                     ("error", "unknown_school", 3, "school_id", "Q"),
                     ("warning", "unknown_school", 4, "school_id", "N")}
