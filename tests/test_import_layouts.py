"""Issue 25: `junyun import` finds the header block in the sheet, matches the forms as printed, reads every sheet,
drops no stage silently and checks units.

One synthetic county (tests/_forms.py: ten schools with a 九年一贯制, a 完全中学, a 十二年一贯制 and a small rural
school, written from the forms' printed labels, not from the mapping) is exported in every printed layout
Hypothesis draws — 0–2 title rows, a unit row or not, the form code as its own header row or in the title's
cell, ASCII or full-width brackets, stray white space, the columns in another order, a 合计 row at the top, the
bottom or none, three stage files or three stage sheets of one workbook — and each import must give the same
school table, whose 14 difference coefficients equal those of the canonical table typed by hand below."""
from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import _forms as fm
from junyun_lib import evaluate
from junyun_lib.io.importer import (_find, header_level, import_exports, load_mapping, match_level, write_report)
from junyun_lib.io.reader import read_schools
from junyun_lib.problems import ValidationError

# The county's canonical table, typed by hand from the forms' values in tests/_forms.py (COUNTY), in junyun's
# columns (rules/school_columns.csv).  Derivations, done by hand:
#   高于规定学历 = 博士研究生 + 硕士研究生 + 本科 + 专科 (小学), 博士研究生 + 硕士研究生 + 本科 (初中)   [教基4155/4156]
#   体育艺术 = 体育与健康 + 艺术 计 (艺术 计 = 音乐 + 美术, not added again)                       [教基4155/4156]
#   教学及辅助用房 = 本学年校舍建筑面积 › 教学及辅助用房 › 计 − 室内体育用房                       [教基5170]
#   体育运动场馆 = 运动场地面积 + 室内体育用房                                                    [教基5176, 5170]
#   教学仪器设备值 (元) = 教学仪器设备资产值 (万元) × 10000                                       [教基5176]
#   随迁子女 = 在校生数 › #随迁子女 of every stage file (小学 + 初中)                               [教基3112/3115]
#   最大班额: the largest class the bands were made from (the import gives the bands instead)
COLUMNS = ["school_id", "school_name", "school_type", "urban_rural", "ownership", "built_year",
           "students_primary", "students_junior", "students_senior", "classes_primary", "classes_junior",
           "max_class_primary", "max_class_junior",
           "teachers_above_degree_primary", "teachers_above_degree_junior", "key_teachers_primary",
           "key_teachers_junior", "pe_art_teachers_primary", "pe_art_teachers_junior",
           "teaching_aux_area_m2", "sports_area_m2", "equipment_value_yuan", "multimedia_classrooms",
           "music_rooms", "music_room_min_area_m2", "art_rooms", "art_room_min_area_m2", "migrant_students"]
HAND = [
    # id, name, type, 城乡 (城乡类型编码), 举办者, 建成年份
    # 在校生 小学 初中 高中, 班数 小学 初中, 最大班额 小学 初中
    # 高于学历 小学 初中, 骨干 小学 初中, 体育艺术 小学 初中
    # 教学及辅助用房, 体育运动场馆, 设备值 元, 多媒体教室, 音乐室 间/最小面积, 美术室 间/最小面积, 随迁子女
    ("3601990101", "合成县实验小学", "小学", "城区", "公办", 1958,               # 111 主城区, 教育部门
     1380, 0, 0, 30, 0, 50, 0,
     75, 0, 12, 0, 13, 0,                                                      # 0+5+60+10; 6 + 7 (4+3)
     6300.0, 10400.0, 3452600.0, 32, 3, 96.0, 3, 92.0, 420),                  # 7200−900; 9500+900; 345.26 万元
    ("3601990102", "合成县育才小学", "小学", "城区", "民办", 2015,               # 112 城乡结合区
     620, 0, 0, 14, 0, 46, 0,
     31, 0, 0, 0, 5, 0,                                                        # 0+1+24+6; 2 + 3
     2800.0, 4500.0, 1184000.0, 15, 1, 80.0, 1, 76.0, 300),                   # 3100−300; 4200+300; 118.4
    ("3601990103", "合成县河西乡中心小学", "小学", "乡村", "公办", 2004,          # 210 乡中心区
     310, 0, 0, 9, 0, 38, 0,
     18, 0, 2, 0, 2, 0,                                                        # 0+0+11+7; 1 + 1
     1600.0, 5200.0, 527000.0, 9, 1, 64.0, 0, 0.0, 8),                        # 1600−0; 5200+0; 52.7
    ("3601990104", "合成县石门村小学", "小学", "乡村", "公办", 1996,             # 220 村庄, 68 pupils
     68, 0, 0, 6, 0, 15, 0,
     7, 0, 0, 0, 0, 0,                                                         # 0+0+3+4; 0 + 0
     480.0, 1600.0, 98000.0, 6, 0, 0.0, 0, 0.0, 0),                           # 9.8 万元
    ("3601990105", "合成县东湖学校", "九年一贯制学校", "镇区", "公办", 2009,      # 121 镇中心区
     720, 590, 0, 16, 12, 47, 52,
     38, 39, 5, 4, 7, 6,                                                       # 0+2+28+8, 1+4+34; 3+4, 3+3
     5400.0, 12500.0, 2683500.0, 28, 2, 90.0, 2, 88.0, 100),                  # 6100−700; 11800+700; 268.35; 60+40
    ("3601990201", "合成县第二中学", "初级中学", "镇区", "公办", 1988,           # 122 镇乡结合区
     0, 1120, 0, 0, 23, 0, 51,
     0, 78, 0, 11, 0, 9,                                                       # 0+8+70; 5 + 4
     6600.0, 16800.0, 3126000.0, 30, 2, 98.0, 2, 95.0, 90),                   # 7800−1200; 15600+1200; 312.6
    ("3601990202", "合成县城关中学", "初级中学", "城区", "公办", 2001,           # 111
     0, 1260, 0, 0, 26, 0, 50,
     0, 88, 0, 15, 0, 12,                                                      # 1+12+75; 6 + 6
     7400.0, 15500.0, 4102500.0, 34, 3, 100.0, 3, 96.0, 380),                 # 8900−1500; 14000+1500; 410.25
    ("3601990203", "合成县第一中学", "完全中学", "城区", "公办", 1952,           # 111; 高中 950 (教基3118)
     0, 1180, 950, 0, 24, 0, 51,
     0, 82, 0, 9, 0, 10,                                                       # 0+10+72; 5 + 5
     13400.0, 30400.0, 8205000.0, 60, 4, 105.0, 4, 100.0, 100),               # 15800−2400; 28000+2400; 820.5
    ("3601990204", "合成县外国语学校", "十二年一贯制学校", "城区", "民办", 2012,   # 112; 高中 430
     840, 540, 430, 18, 12, 48, 46,
     48, 39, 4, 3, 8, 5,                                                       # 0+4+38+6, 0+6+33; 4+4, 3+2
     9200.0, 16000.0, 4689000.0, 42, 2, 96.0, 2, 92.0, 200),                  # 10200−1000; 15000+1000; 468.9; 130+70
    # 合成县高级中学 is only in the 高中 file: not a compulsory school, not imported
]


def hand_table() -> pd.DataFrame:
    frame = pd.DataFrame(HAND, columns=COLUMNS)
    frame.insert(2, "county", fm.COUNTY_NAME)
    frame.insert(3, "year", fm.YEAR)
    return frame


def _import(folder: Path, layout: fm.Layout, **options):
    files = fm.write_county_exports(folder / "exports", layout, **{k: v for k, v in options.items()
                                                                  if k in ("stages", "empty", "relabel", "county")})
    return files, import_exports(files, fm.YEAR, fm.COUNTY_NAME, "stats-2021", supplement=fm.supplement_file(folder))


@functools.lru_cache(maxsize=1)
def reference():
    """The import of the forms' own layout (one title row, code rows, full-width brackets, three files)."""
    with tempfile.TemporaryDirectory() as folder:
        _, result = _import(Path(folder), fm.Layout())
    return result


def _cvs(table) -> pd.Series:
    indicators = evaluate(read_schools(table)).indicators
    return indicators.set_index(["stage", "indicator"])["cv"].astype(float).sort_index()


@functools.lru_cache(maxsize=1)
def hand_cvs() -> pd.Series:
    return _cvs(hand_table())


LAYOUTS = st.builds(fm.Layout, title_rows=st.integers(0, 2), unit_row=st.booleans(), code_row=st.booleans(),
                    ascii_brackets=st.booleans(), spaces=st.booleans(),
                    order_seed=st.none() | st.integers(0, 10 ** 6), one_workbook=st.booleans(),
                    extra_sheets=st.booleans(), summary=st.sampled_from(["bottom", "top", "none"]))


@settings(max_examples=30, deadline=None)
@given(layout=LAYOUTS)
def test_every_printed_layout_imports_the_same_table(layout):
    with tempfile.TemporaryDirectory() as folder:
        _, result = _import(Path(folder), layout)
    pd.testing.assert_frame_equal(result.table, reference().table, check_exact=True)
    assert not result.warnings
    cvs = _cvs(result.table)
    assert len(cvs) == 14 and cvs.notna().all()
    np.testing.assert_allclose(cvs.to_numpy(), hand_cvs().to_numpy(), rtol=1e-12, atol=0)
    sheets = result.sheets[result.sheets["学段"] != "—"]
    assert list(sheets["学段"]) == ["小学", "初中", "高中"]
    assert list(sheets["学校数"]) == [6, 5, 3]           # the 高中 file's 高级中学 is read, then not imported
    total = "一致" if layout.summary != "none" else "没有合计行"
    assert all(str(s).startswith(total) for s in sheets["合计行核对"]), sheets["合计行核对"]
    top = 1 + layout.title_rows + layout.unit_row
    assert list(sheets["表头行"].str.extract(r"第(\d+)–")[0].astype(int)) == [top] * 3


def test_the_import_equals_the_hand_typed_table():
    """Column by column (the CVs of the Hypothesis test follow from these), the bands aside: 最大班额 typed by hand,
    the bands made from it by the forms."""
    got = reference().table.set_index("school_id")
    want = hand_table().set_index("school_id")
    assert list(got.index) == list(want.index)
    for column in want.columns:
        if column.startswith("max_class"):
            assert got[column].isna().all()
        elif not pd.api.types.is_numeric_dtype(want[column]):
            assert list(got[column]) == list(want[column]), column
        else:
            np.testing.assert_allclose(got[column].astype(float), want[column].astype(float), rtol=1e-12,
                                       err_msg=column)
    for stage in ("primary", "junior"):            # every class in a band, each band holding its largest class
        bands = got[[c for c in got.columns if c.startswith("classes_band_") and c.endswith(stage)]].sum(axis=1)
        assert (bands == got[f"classes_{stage}"]).all()


def test_report_shows_the_header_paths_used_and_how_they_matched(tmp_path):
    _, result = _import(tmp_path, fm.Layout(code_row=False))
    columns = result.columns.set_index(["学段", "变量"])
    # printed "初中专任教师" for 专任教师, "#按班额分" for 班额, form code and title in one cell
    assert columns.loc[("junior", "bachelor"), "导出表中的表头"] == \
        "教基4156 中学专任教师分课程、分学历情况 › 初中专任教师 › #按学历分 › 本科"
    assert "包含" in columns.loc[("junior", "bachelor"), "匹配方式"]
    assert "同义词" in columns.loc[("primary", "band_46_50"), "匹配方式"]
    assert "表号" in columns.loc[("primary", "key_primary"), "匹配方式"]
    assert "包含" in columns.loc[("primary", "sports_ground"), "匹配方式"]
    # "#随迁子女" (exact) is taken over "其中：进城务工人员随迁子女" (containment)
    assert columns.loc[("primary", "migrants"), "导出表中的表头"].endswith("在校生数 › #随迁子女")
    assert columns.loc[("primary", "students"), "匹配方式"] == "完全相同"
    path = write_report(result, tmp_path / "report.xlsx")
    assert "匹配方式" in pd.read_excel(path, sheet_name="列映射").columns
    assert list(pd.read_excel(path, sheet_name="学段表")["学段"]) == ["小学", "初中", "高中"]


# ------------------------------------------------------------------------------------------------ matching
MAPPING = load_mapping("stats-2021")


def _levels(*paths):
    return [tuple(header_level(t) for t in p) for p in paths]


def test_containment_is_a_whole_word_run_at_the_end_never_negated():
    def grade(wanted, printed):
        return match_level(header_level(wanted), header_level(printed), MAPPING.synonyms)[0]

    assert grade("专任教师", "初中专任教师") == 1
    assert grade("专任教师", "非专任教师") == 0 and grade("专任教师", "其他专任教师") == 0
    assert grade("专任教师", "专任教师数") == 0            # the head noun is last: 专任教师数 is a count
    assert grade("计", "合计") == 0 and grade("合计", "合计") == 2
    assert grade("高中阶段", "高中阶段以下") == 0
    assert grade("班额", "#按班额分") == 2 and grade("按班额分", "班额") == 2       # synonyms both ways
    assert grade("教基1102", "教基1102续 学校（机构）基本情况续表") == 2
    assert grade("教基1102", "基础基112续表1") == 0 and grade("教基1102", "教基1102续表1") == 0
    assert grade("占地面积及其他办学条件", "教基5176 中小学占地面积及其他办学条件") == 1


def test_exact_match_wins_over_containment_and_two_of_a_rank_are_ambiguous():
    entry = MAPPING.variables["pe"]                           # 专任教师 › 体育与健康
    exact_and_contained = _levels(("初中专任教师", "体育与健康"), ("专任教师", "#按授课课程分", "体育与健康"))
    hits, _ = _find(entry, exact_and_contained, MAPPING)
    assert [(c, g) for c, g, _ in hits] == [(1, 2)]
    two_contained = _levels(("小学专任教师", "体育与健康"), ("初中专任教师", "体育与健康"))
    hits, _ = _find(entry, two_contained, MAPPING)
    assert [(c, g) for c, g, _ in hits] == [(0, 1), (1, 1)]
    # identity columns match exactly: "统计机构编码" is not the school's 机构编码
    hits, alternative = _find(MAPPING.identity["school_id"], _levels(("统计机构编码",), ("学校标识码",)), MAPPING,
                              contain=False)
    assert [c for c, _, _ in hits] == [1] and alternative == 1


def test_two_containment_candidates_are_an_error_listing_both(tmp_path):
    import _exports as ex

    columns = [("机构名称",), ("机构编码",), ("办学类型",), ("城乡类型",), ("在校生数", "合计"),
               ("小学专任教师", "#按授课课程分", "体育与健康"), ("在编专任教师", "#按授课课程分", "体育与健康")]
    path = ex.write_export(tmp_path / "小学.xlsx", columns, [["合成县某校", "3601999999", "小学", "村庄", 100, 3, 2]],
                           "合成县小学基层统计数据", "小学")
    with pytest.raises(ValidationError) as info:
        import_exports([path], fm.YEAR, fm.COUNTY_NAME)
    (p,) = [p for p in info.value.problems if p.code == "ambiguous_header" and p.column == "专任教师 › 体育与健康"]
    assert "F列「小学专任教师 › #按授课课程分 › 体育与健康」" in p.message_zh
    assert "G列「在编专任教师 › #按授课课程分 › 体育与健康」" in p.message_zh and "包含" in p.message_zh
    # the mapping's other paths are missing here: said once, with the rows read as the header
    (missing,) = [p for p in info.value.problems if p.code == "missing_header"]
    assert "第2–4行（表头）" not in missing.message_zh and "第2行（表头）" in missing.message_zh


# ---------------------------------------------------------------------------------------- the header block
def _rewrite(path, edit):
    book = openpyxl.load_workbook(path)
    edit(book)
    book.save(path)


def test_header_found_below_a_numbering_row_and_above_a_top_total(tmp_path):
    layout = fm.Layout(title_rows=2, unit_row=True, summary="top")
    files = fm.write_county_exports(tmp_path / "x", layout)
    top, bottom = fm.header_rows("primary", layout)

    def numbering(book):                        # 栏号 甲 乙 1 2 3 … inserted under the header
        ws = book.worksheets[0]
        ws.insert_rows(bottom + 1)
        for c in range(1, ws.max_column + 1):
            ws.cell(bottom + 1, c, "甲" if c == 1 else ("乙" if c == 2 else c - 2))
    _rewrite(files[0], numbering)
    result = import_exports(files, fm.YEAR, fm.COUNTY_NAME, supplement=fm.supplement_file(tmp_path))
    line = result.sheets.iloc[0]
    assert line["标题行"] == "第1行、第2行、第3行" and line["表头行"].startswith(f"第{top}–{bottom}行")
    assert f"第{bottom + 1}行为栏号" in line["表头行"] and line["数据起始行"] == bottom + 2
    pd.testing.assert_frame_equal(result.table, reference().table)


def test_no_header_block_is_one_error_saying_what_was_read(tmp_path):
    files = fm.write_county_exports(tmp_path / "x", fm.Layout(title_rows=1))

    def rename(book):                           # the name and id columns under texts no mapping knows
        ws = book.worksheets[0]
        for c in range(1, ws.max_column + 1):
            if ws.cell(2, c).value in ("机构名称", "机构编码"):
                ws.cell(2, c).value = {"机构名称": "单位全称", "机构编码": "单位代号"}[ws.cell(2, c).value]
    _rewrite(files[0], rename)
    with pytest.raises(ValidationError) as info:
        import_exports(files, fm.YEAR, fm.COUNTY_NAME, supplement=fm.supplement_file(tmp_path))
    (p,) = info.value.problems
    assert (p.code, p.file, p.sheet) == ("no_header", str(files[0]), "Sheet1")
    assert "第1行（标题）" in p.message_zh and "第2行（表头）" in p.message_zh and "单位全称" in p.message_zh
    assert "机构名称" in p.message_zh and "no header" in p.message_en


# ------------------------------------------------------------------------------------------------ sheets
def test_one_workbook_skips_and_lists_sheets_that_hold_no_stage(tmp_path):
    _, result = _import(tmp_path, fm.Layout(one_workbook=True, extra_sheets=True, title_rows=0))
    pd.testing.assert_frame_equal(result.table, reference().table)
    skipped = result.sheets[result.sheets["学段"] == "—"].set_index("工作表")["学段依据"]
    assert skipped["说明"].startswith("跳过：工作表名含「说明」") and skipped["Sheet3"] == "跳过：空工作表"
    assert "说明" in dict(result.about)["跳过的工作表"]
    assert list(result.sheets.loc[result.sheets["学段"] != "—", "学段依据"]) == \
        ["工作表名「小学」", "工作表名「初中」", "工作表名「高中」"]


def test_a_data_sheet_whose_stage_cannot_be_told_is_a_located_error(tmp_path):
    path = tmp_path / "导出.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "数据"
    for c, text in enumerate(("机构名称", "机构编码", "办学类型", "在校生数"), start=1):
        ws.cell(1, c, text)
    ws.append(["合成县某校", "3601999999", "小学", 100])
    book.save(path)
    with pytest.raises(ValidationError) as info:
        import_exports([path], fm.YEAR, fm.COUNTY_NAME, supplement=fm.supplement_file(tmp_path))
    (p,) = info.value.problems
    assert (p.code, p.file, p.sheet, p.row) == ("unknown_stage", str(path), "数据", 1)
    assert "工作表名「数据」" in p.value and "小学" in p.message_zh


# --------------------------------------------------------------------------------------- no stage dropped
def test_an_empty_junior_export_is_an_error(tmp_path):
    files = fm.write_county_exports(tmp_path / "x", fm.Layout(), empty=("junior",))
    with pytest.raises(ValidationError) as info:
        import_exports(files, fm.YEAR, fm.COUNTY_NAME, supplement=fm.supplement_file(tmp_path))
    found = [p for p in info.value.problems if p.code == "empty_stage"]
    assert len(found) == 1 and found[0].file == str(files[1])
    assert "初中在校生将全部缺失" in found[0].message_zh and "合成县东湖学校" in found[0].message_zh
    assert found[0].row == fm.header_rows("junior", fm.Layout())[1] + 1


def test_a_senior_file_alone_is_an_error(tmp_path):
    files = fm.write_county_exports(tmp_path / "x", fm.Layout(), stages=("senior",))
    with pytest.raises(ValidationError) as info:
        import_exports(files, fm.YEAR, fm.COUNTY_NAME, supplement=fm.supplement_file(tmp_path))
    (p,) = info.value.problems
    assert (p.code, p.file) == ("no_compulsory_rows", str(files[0])) and "高中" in p.message_zh


def test_a_missing_stage_file_that_schools_need_is_an_error_at_each_school(tmp_path):
    files = fm.write_county_exports(tmp_path / "x", fm.Layout(), stages=("primary", "senior"))
    with pytest.raises(ValidationError) as info:
        import_exports(files, fm.YEAR, fm.COUNTY_NAME, supplement=fm.supplement_file(tmp_path))
    found = {(p.code, p.value) for p in info.value.problems}
    # 东湖学校 (九年一贯制) and 外国语学校 (十二年一贯制) in the 小学 file, 第一中学 (完全中学) in the 高中 file
    assert {("missing_stage", "合成县东湖学校"), ("missing_stage", "合成县外国语学校"),
            ("missing_stage", "合成县第一中学")} <= found
    for p in info.value.problems:
        if p.code == "missing_stage":
            assert p.file and p.row and p.school_id and "初中学段表" in p.message_zh
    # no school needs a stage file that is missing: a warning, the import goes on
    primary_only = [s for s in fm.COUNTY if s.type == "小学"]
    files = fm.write_county_exports(tmp_path / "y", fm.Layout(), stages=("primary",), county=primary_only)
    supplement = tmp_path / "y" / "补充.csv"
    supplement.write_text(fm.supplement_file(tmp_path / "y").read_text(encoding="utf-8").split("\n", 1)[0] + "\n" +
                          "\n".join(line for line in fm.supplement_file(tmp_path / "y").read_text(encoding="utf-8")
                                    .splitlines()[1:] if line.split(",")[0] in {s.id for s in primary_only}) + "\n",
                          encoding="utf-8")
    result = import_exports(files, fm.YEAR, fm.COUNTY_NAME, supplement=supplement)
    assert len(result.table) == 4
    assert [w.code for w in result.warnings if w.code == "no_stage_file"] == ["no_stage_file"]


def test_a_total_row_that_disagrees_is_a_located_error(tmp_path):
    layout = fm.Layout(summary="bottom")
    files = fm.write_county_exports(tmp_path / "x", layout)
    column = fm.column_of("primary", layout, "教基3112", "students")
    total_row = fm.header_rows("primary", layout)[1] + len(fm.stage_rows("primary")) + 1

    def tamper(book):
        ws = book.worksheets[0]
        assert ws.cell(total_row, fm.column_of("primary", layout, None, "county")).value == "合计"
        ws.cell(total_row, column).value += 40
    _rewrite(files[0], tamper)
    with pytest.raises(ValidationError) as info:
        import_exports(files, fm.YEAR, fm.COUNTY_NAME, supplement=fm.supplement_file(tmp_path))
    (p,) = info.value.problems
    assert (p.code, p.file, p.row, p.value) == ("total_mismatch", str(files[0]), total_row, "3978")
    assert p.column.endswith("在校生数 › 合计") and "3938" in p.message_zh


# ----------------------------------------------------------------------------------------------- units
def test_a_wan_yuan_slip_is_a_warning_naming_the_likely_unit(tmp_path):
    # 第二中学 typed its equipment in 元 (3126000) into the column printed in 万元: read × 10000
    slipped = [s if s.id != "3601990201" else fm.SchoolForms(
        s.id, s.name, s.type, s.type_code, s.sponsor, s.urban_code, s.urban_name,
        {**s.values, "教基5176": {**s.values["教基5176"], "equipment": 3126000}}, s.supplement) for s in fm.COUNTY]
    _, result = _import(tmp_path, fm.Layout(), county=slipped)
    (w,) = [w for w in result.warnings if w.code == "unit_suspect"]
    assert (w.school_id, w.value, w.file) == ("3601990201", "元", str(tmp_path / "exports" / "合成县2023年初中.xlsx"))
    assert w.column.endswith("教学仪器设备资产值（万元）") and "「元」" in w.message_zh and "万元" in w.message_zh
    assert w.row == fm.header_rows("junior", fm.Layout())[1] + 2      # 第二中学 is the junior file's second school


def test_a_unit_printed_as_yuan_is_used_as_printed(tmp_path):
    # the column printed "(元)" and holding 元: read as printed, the mapping's × 10000 undone — no warning
    in_yuan = [fm.SchoolForms(s.id, s.name, s.type, s.type_code, s.sponsor, s.urban_code, s.urban_name,
                              {**s.values, **({"教基5176": {**s.values["教基5176"],
                                                          "equipment": round(s.values["教基5176"]["equipment"] * 10000)}}
                                              if "教基5176" in s.values else {})},
                              s.supplement) for s in fm.COUNTY]
    relabel = {("教基5176", "equipment"): ("固定资产总值", "教学仪器设备资产值（元）")}
    _, result = _import(tmp_path, fm.Layout(ascii_brackets=True), county=in_yuan, relabel=relabel)
    assert not result.warnings
    pd.testing.assert_series_equal(result.table["equipment_value_yuan"], reference().table["equipment_value_yuan"],
                                   rtol=1e-12)
    used = result.columns.set_index(["学段", "变量"]).loc[("primary", "equipment_wan")]
    assert used["表头单位"] == "元" and "÷10000" in used["换算"]
    # the same 元 figures under the mapping's 万元 (a header printing no unit): warned, naming 元
    relabel = {("教基5176", "equipment"): ("固定资产总值", "教学仪器设备资产值")}
    _, result = _import(tmp_path / "no-unit", fm.Layout(), county=in_yuan, relabel=relabel)
    warned = [w for w in result.warnings if w.code == "unit_suspect"]
    assert len(warned) == 2 and {w.value for w in warned} == {"元"}     # once per compulsory file, at the header
    assert all(w.row == fm.header_rows("primary", fm.Layout())[1] and not w.school_id for w in warned)


def test_synonyms_and_stage_forms_of_a_mapping_are_checked(tmp_path):
    from junyun_lib.rules import rule_files

    text = rule_files.text("imports/stats-2021.toml")
    text = text.replace('"班额" = ["按班额分"]', '"班额" = "按班额分"', 1)
    text = text.replace('primary = ["教基3112", "教基2106", "教基4155"]', 'primary = ["小学分类型学生数"]', 1)
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_mapping(path)
    found = {p.column: p for p in info.value.problems}
    assert set(found) == {"synonyms.班额", "stage_forms.primary"}
    assert all(p.code == "bad_mapping" and p.row and p.file == str(path) for p in found.values())
    assert "表号" in found["stage_forms.primary"].message_zh


# --------------------------------------------------------------- county-wide files and per-school workbooks alike
def _per_school(folder: Path, version: str, layout) -> pd.DataFrame:
    import _school_workbooks as sw

    sw.county_workbooks(folder / "workbooks", version, layout)
    mapping = {"2021": "stats-2021", "2020": "stats-2020"}[version]
    return import_exports([folder / "workbooks"], sw.YEAR, sw.COUNTY_NAME, mapping,
                          supplement=sw.supplement_file(folder)).table


def _sorted(table: pd.DataFrame) -> pd.DataFrame:
    # the per-school forms print 分年级在校生数 (read as the optional grade columns, tests/test_cohort_enrolment.py);
    # the county-wide export of tests/_forms.py has none, so the tables are compared without them
    grades = [c for c in table.columns if c.startswith("students_grade_")]
    return table.drop(columns=grades).sort_values("school_id").reset_index(drop=True)


@settings(max_examples=24, deadline=None)
@given(data=st.data())
def test_every_layout_county_wide_or_per_school_2020_or_2021_gives_one_table(data):
    """The one Hypothesis draw over every layout the issue names: county-wide tables (any printed layout, stage
    files or sheets) or per-school workbooks of the 2020 基础基 or 2021 教基 forms; the imported table is the
    same, and its 14 CVs are those of the hand-typed table."""
    import _school_workbooks as sw

    kind = data.draw(st.sampled_from(["county-wide", "per-school 2021", "per-school 2020"]), label="kind")
    with tempfile.TemporaryDirectory() as folder:
        if kind == "county-wide":
            table = _import(Path(folder), data.draw(LAYOUTS, label="layout"))[1].table
        else:
            table = _per_school(Path(folder), kind[-4:], data.draw(sw.layouts(), label="layout"))
    pd.testing.assert_frame_equal(_sorted(table), _sorted(reference().table), check_exact=True)
    np.testing.assert_allclose(_cvs(table).to_numpy(), hand_cvs().to_numpy(), rtol=1e-12, atol=0)
