"""Import from statistics exports (junyun import): synthetic exports laid out like the real 2021 (教基) and 2020
(基础基) forms (tests/_exports.py) — every stage file including 高中, the supplementary table — must give the
canonical table typed by hand in `expected_canonical()`, and the core evaluation of the import must equal that of
the typed table, number by number, with the 完全中学 and 十二年一贯制 parts split by their senior students."""
from __future__ import annotations

import hashlib

import numpy as np
import openpyxl
import pandas as pd
import pytest

import _exports as ex
from junyun_lib.cli import main
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.io.importer import (import_exports, load_mapping, normalise_header, parse_flag, school_list,
                                    write_canonical, write_report)
from junyun_lib.io.reader import read_schools
from junyun_lib.io.supplement import read_supplement
from junyun_lib.problems import ValidationError
from junyun_lib.rules import schema

NUMERIC = ["students_primary", "students_junior", "students_senior", "classes_primary", "classes_junior",
           "teachers_above_degree_primary", "teachers_above_degree_junior",
           "key_teachers_primary", "key_teachers_junior", "pe_art_teachers_primary", "pe_art_teachers_junior",
           "teaching_aux_area_m2", "sports_area_m2", "equipment_value_yuan", "multimedia_classrooms", "music_rooms",
           "music_room_min_area_m2", "art_rooms", "art_room_min_area_m2", "migrant_students"]
TEXT = ["school_id", "school_name", "county", "school_type", "urban_rural", "ownership"]
LAYOUTS = [(ex.LAYOUT_2021, "stats-2021"), (ex.LAYOUT_2021_REORDERED, "stats-2021"),
           (ex.LAYOUT_2021_PRINTED, "stats-2021"), (ex.LAYOUT_2020, "stats-2020")]
LAYOUT_IDS = ["2021-forms", "reordered", "printed-variants", "2020-forms"]


def _import(tmp_path, layout=ex.LAYOUT_2021, mapping="stats-2021", **options):
    files, supplement = ex.import_files(tmp_path, layout)
    return import_exports(files, ex.YEAR, ex.COUNTY, mapping, supplement=supplement, **options)


def _assert_same_table(got: pd.DataFrame, want: pd.DataFrame, bands: dict):
    got = got.sort_values("school_id").reset_index(drop=True)
    want = want.sort_values("school_id").reset_index(drop=True)
    assert list(got["school_id"]) == list(want["school_id"])
    for col in TEXT:
        assert list(got[col].astype(str)) == list(want[col].astype(str)), col
    for col in NUMERIC:
        assert np.allclose(got[col].astype(float), want[col].astype(float), rtol=1e-12, atol=1e-6), col
    assert list(got["year"].astype(int)) == list(want["year"].astype(int))
    assert list(got["built_year"].astype(float)) == list(want["built_year"].astype(float))
    # the forms give class-size bands, never the largest class: 最大班额 stays blank, the bands are the school's
    for stage in ("primary", "junior"):
        assert got[f"max_class_{stage}"].isna().all()
    band_columns = [c for c in got.columns if c.startswith("classes_band_")]
    found = {sid: {c: int(v) for c, v in zip(band_columns, values) if v}
             for sid, values in zip(got["school_id"], got[band_columns].to_numpy())}
    assert {k: v for k, v in found.items() if v} == bands


@pytest.mark.parametrize("layout, mapping", LAYOUTS, ids=LAYOUT_IDS)
def test_every_layout_gives_the_typed_canonical_table(tmp_path, layout, mapping):
    result = _import(tmp_path, layout, mapping)
    _assert_same_table(result.table, ex.expected_canonical(), ex.expected_bands())
    assert result.synthetic


def _evaluations(tmp_path, layout, mapping, merged=False):
    options = {"merge_campuses": True} if merged else {}
    path = write_canonical(_import(tmp_path, layout, mapping, **options), tmp_path / "imported.xlsx")
    imported = read_schools(path)
    assert imported.synthetic
    return evaluate(imported), evaluate(read_schools(ex.expected_canonical(merged)))


@pytest.mark.parametrize("layout, mapping", [LAYOUTS[0], LAYOUTS[3]], ids=["2021-forms", "2020-forms"])
def test_core_evaluation_of_the_import_equals_the_typed_table(tmp_path, layout, mapping):
    a, b = _evaluations(tmp_path, layout, mapping)
    key = ["county", "year", "stage", "indicator"]
    ia, ib = a.indicators.sort_values(key).reset_index(drop=True), b.indicators.sort_values(key).reset_index(drop=True)
    assert len(ia) == 14
    for col in ("mean", "sd", "cv"):
        assert np.allclose(ia[col].astype(float), ib[col].astype(float), rtol=1e-12, equal_nan=True), col
    assert list(ia["cv_pass"]) == list(ib["cv_pass"])
    pa = a.parts.sort_values(["school_id", "part"]).reset_index(drop=True)
    pb = b.parts.sort_values(["school_id", "part"]).reset_index(drop=True)
    values = [c for c in pa.columns if c.startswith("value_")]
    assert np.allclose(pa[values].astype(float), pb[values].astype(float), rtol=1e-12)
    assert list(pa["passes_school_rule"]) == list(pb["passes_school_rule"])
    assert a.stages["composite_cv"].astype(float).round(12).tolist() == \
        b.stages["composite_cv"].astype(float).round(12).tolist()
    # the guarantee checks agree too: 班额 decided from the bands, the rooms from the supplementary table
    ga = a.guarantee_wide.sort_values("school_id").reset_index(drop=True)
    gb = b.guarantee_wide.sort_values("school_id").reset_index(drop=True)
    for col in [c for c in ga.columns if c.endswith("_passes")]:
        assert ga[col].astype("boolean").tolist() == gb[col].astype("boolean").tolist(), col


def test_mixed_schools_are_split_with_their_senior_students(tmp_path):
    """The 完全中学 (1 : 1.2) and the 十二年一贯制学校 (1 : 1.1 : 1.32) parts, computed here independently."""
    evaluation, _ = _evaluations(tmp_path, ex.LAYOUT_2021, "stats-2021")
    parts = evaluation.parts.set_index(["school_id", "part"])
    # 第一中学: 1200 junior, 900 senior pupils; 教学及辅助用房 12800 − 1500 = 11300 m²; equipment 620.50 万元
    share = 1200 / (1200 + 1.2 * 900)
    junior = parts.loc[(ex.COMPLETE_ID, "junior")]
    assert junior["value_teaching_aux_area"] == pytest.approx(11300 * share / 1200, rel=1e-12)
    assert junior["value_equipment_value"] == pytest.approx(6205000 * share / 1200, rel=1e-12)
    assert junior["value_sports_area"] == pytest.approx((21000 + 1500) * share / 1200, rel=1e-12)
    assert junior["value_multimedia_classrooms"] == pytest.approx(52 * share * 100 / 1200, rel=1e-12)
    # 外国语学校: 820 primary, 540 junior, 450 senior; 9800 − 900 = 8900 m²
    weights = 820 + 1.1 * 540 + 1.32 * 450
    primary, junior = parts.loc[(ex.TWELVE_ID, "primary")], parts.loc[(ex.TWELVE_ID, "junior")]
    assert primary["value_teaching_aux_area"] == pytest.approx(8900 * (820 / weights) / 820, rel=1e-12)
    assert junior["value_teaching_aux_area"] == pytest.approx(8900 * (1.1 * 540 / weights) / 540, rel=1e-12)
    assert junior["value_equipment_value"] == pytest.approx(4558000 * (1.1 * 540 / weights) / 540, rel=1e-12)
    # teachers are per section, never split: 0 + 6 + 35 above degree for 540 junior pupils
    assert junior["value_teachers_above_degree"] == pytest.approx(41 * 100 / 540, rel=1e-12)


def test_class_size_verdicts_from_bands_equal_those_from_the_largest_class(tmp_path):
    imported, typed = _evaluations(tmp_path, ex.LAYOUT_2021, "stats-2021")
    ga = imported.guarantee.set_index(["school_id", "check"])
    gb = typed.guarantee.set_index(["school_id", "check"])
    class_checks = [i for i in gb.index if i[1].startswith("class_size")]
    assert len(class_checks) == 10            # 8 schools, two of them with both stages
    for index in class_checks:
        assert bool(ga.loc[index, "passes"]) == bool(gb.loc[index, "passes"]), index
        largest = gb.loc[index, "value"]      # the typed 最大班额; the import shows its band
        band = next(b for b in schema.class_bands() if b.contains(largest))
        assert ga.loc[index, "value"] == band.label
        assert "班额分段" in str(ga.loc[index, "basis"])
    # 育才小学: largest class 46 → "46-50人" fails ≤ 45; 东湖学校 junior 50 → "46-50人" passes ≤ 50
    assert (ga.loc[(ex.PRIVATE_ID, "class_size_primary"), "value"], bool(ga.loc[(ex.PRIVATE_ID, "class_size_primary"),
                                                                           "passes"])) == ("46-50人", False)
    assert (ga.loc[(ex.NINE_YEAR_ID, "class_size_junior"), "value"], bool(ga.loc[(ex.NINE_YEAR_ID, "class_size_junior"),
                                                                            "passes"])) == ("46-50人", True)


def test_campuses_are_kept_apart_by_default_and_merged_on_request(tmp_path):
    apart = _import(tmp_path / "apart")
    assert ex.CAMPUS_ID in set(apart.table["school_id"])
    kept = apart.merges[apart.merges["类型"].str.startswith("不计校数校区单独计")]
    assert list(kept["学校标识码"]) == [ex.CAMPUS_ID] and "--merge-campuses" in kept["说明"].iloc[0]
    assert "以独立校区为统计单位" in dict(apart.about)["校区处理"]
    merged = _import(tmp_path / "merged", merge_campuses=True)
    _assert_same_table(merged.table, ex.expected_canonical(merged=True), ex.expected_bands(merged=True))
    campus = merged.merges[merged.merges["类型"].str.startswith("不计校数校区并入所属学校")]
    assert list(campus["学校标识码"]) == [ex.PARENT_ID] and ex.CAMPUS_ID in campus["说明"].iloc[0]
    assert "--merge-campuses" in dict(merged.about)["校区处理"]
    a, b = _evaluations(tmp_path / "eval", ex.LAYOUT_2020, "stats-2020", merged=True)
    assert np.allclose(a.indicators["cv"].astype(float), b.indicators["cv"].astype(float), rtol=1e-12, equal_nan=True)


def test_numeric_flags_are_read_right(tmp_path):
    mapping = load_mapping("stats-2021")
    assert [parse_flag(v, mapping) for v in (0, 1, 0.0, 1.0, "0", "1", "0.0", "1.0", "是", "否", None, "")] == \
        [False, True, False, True, False, True, False, True, True, False, None, None]
    # in the 2021 fixture 是否计校数 is stored as the number 0 (a campus) or 1, 是否上年撤销 as 1 (closed), 是否本年新增
    # as the text "1.0": the campus is recognised (not read as blank = counted), the closed school dropped
    result = _import(tmp_path / "ok")
    book = openpyxl.load_workbook(ex.export_files(tmp_path / "look", ex.LAYOUT_2021)[0])
    values = [c.value for row in book.worksheets[0].iter_rows() for c in row]
    assert 0 in values and "1.0" in values
    assert list(result.dropped.loc[result.dropped["原因"].str.contains("上年撤销"), "学校标识码"]) == [ex.CLOSED_ID]
    assert ex.PRIVATE_ID in set(result.table["school_id"])              # 是否本年新增 = 1.0: kept
    # a flag that is neither 1/0 nor 是/否 is a located error
    files, supplement = ex.import_files(tmp_path / "bad", ex.LAYOUT_2021)
    _edit(files[0], ex.RURAL_ID, ("是否计校数",), 2)
    with pytest.raises(ValidationError) as info:
        import_exports(files, ex.YEAR, ex.COUNTY, supplement=supplement)
    (p,) = info.value.problems
    assert (p.code, p.column, p.value, p.file) == ("bad_value", "是否计校数", "2", str(files[0]))
    assert "1/0" in p.message_zh


def _edit(path, school_id, header, value):
    """Write ``value`` into the cell of ``school_id``'s row under the one-level ``header``."""
    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == header[0])
    id_col = next(c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value in ("机构编码", "学校标识码"))
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, id_col).value == school_id)
    ws.cell(row, col).value = value
    book.save(path)


def test_printed_header_variants_match():
    assert normalise_header("一、教学及辅助用房") == normalise_header("教学及辅助用房")
    assert normalise_header("其中：运动场地面积") == "运动场地面积"
    assert normalise_header("县级以上骨干教师（小学）") == normalise_header("县级以上骨干教师(小学)")
    assert normalise_header("占地面积（平方米）") == "占地面积"
    assert normalise_header("#随迁子女") == normalise_header("其中：随迁子女") == "随迁子女"
    # the printed layout (一、 其中： full-width parentheses and units, white space, an em dash) imports like the
    # plain one: test_every_layout_gives_the_typed_canonical_table[printed-variants]
    assert ("本学年校舍建筑面积\n（平方米）", "一、教学及辅助用房", "其中：室内体育用房") in ex.LAYOUT_2021_PRINTED["primary"]


def test_a_unit_printed_in_the_header_is_used_as_printed(tmp_path):
    """Changed by design (issue 25 item 7): a header stating 元 for the mapping's 万元 entry is read in 元 (the
    formula's × 10000 undone), no longer refused; the fixture's figures are 万元 ones, so every primary school is now
    10⁴ too poor, and the import says which unit the column is likely in."""
    printed = ("固定资产总值", "教学仪器设备资产值(元)")
    layout = {**ex.LAYOUT_2021, "primary": [printed if p[-1] == "教学仪器设备资产值(万元)" else p
                                            for p in ex.LAYOUT_2021["primary"]]}
    ex._KEYS["2021"][printed] = "equipment_wan"
    files, supplement = ex.import_files(tmp_path, layout)
    result = import_exports(files, ex.YEAR, ex.COUNTY, supplement=supplement)
    got = result.table.set_index("school_id")["equipment_value_yuan"]
    want = ex.expected_canonical().set_index("school_id")["equipment_value_yuan"]
    primary = {ex.NINE_YEAR_ID, ex.RURAL_ID, ex.CAMPUS_ID, ex.PARENT_ID, ex.PRIVATE_ID, ex.TWELVE_ID}
    for sid in want.index:                  # the primary file gives the whole-school values of its schools
        assert got[sid] == pytest.approx(want[sid] / 10000 if sid in primary else want[sid], rel=1e-12), sid
    (warning,) = [w for w in result.warnings if w.code == "unit_suspect"]
    assert (warning.file, warning.value, warning.column) == (str(files[0]), "万元", " › ".join(printed))
    assert "万元" in warning.message_zh and "元" in warning.message_en
    used = result.columns[(result.columns["变量"] == "equipment_wan") & (result.columns["学段"] == "primary")]
    assert list(used["表头单位"]) == ["元"] and "÷10000" in used["换算"].iloc[0]
    # a unit of another kind cannot be converted: still an error
    other = ("固定资产总值", "教学仪器设备资产值(平方米)")
    ex._KEYS["2021"][other] = "equipment_wan"
    layout = {**layout, "primary": [other if p == printed else p for p in layout["primary"]]}
    files, supplement = ex.import_files(tmp_path / "other", layout)
    with pytest.raises(ValidationError) as info:
        import_exports(files, ex.YEAR, ex.COUNTY, supplement=supplement)
    (p,) = info.value.problems
    assert (p.code, p.value, p.file) == ("unit_mismatch", "平方米", str(files[0]))
    assert "万元" in p.message_zh and p.column == " › ".join(other)


def test_summary_rows_are_dropped_and_reported(tmp_path):
    for layout, mapping in (LAYOUTS[0], LAYOUTS[3]):
        result = _import(tmp_path / layout["version"], layout, mapping)
        summary = result.dropped[result.dropped["原因"].str.startswith("汇总行")]
        stage, label, _ = ex.SUMMARY_ROWS[layout["version"]]
        assert any(f"（{label}）" in r for r in summary["原因"]), summary
        assert len(summary) == 2                          # the stage file's and the 高中 file's
        assert summary["行"].notna().all() and summary["文件"].str.endswith(".xlsx").all()
        assert len(result.table) == 8


def test_senior_stage_file(tmp_path):
    # every school found only in the 高中 file (a 高级中学) is listed, not imported
    result = _import(tmp_path / "ok")
    only = result.dropped[result.dropped["学校标识码"] == ex.SENIOR_ONLY_ID]
    assert len(only) == 1 and "高中" in only["原因"].iloc[0]
    senior = result.merges[result.merges["类型"] == "高中在校生数取自高中学段表"]
    assert set(senior["学校标识码"]) == {ex.COMPLETE_ID, ex.TWELVE_ID}
    # without the 高中 file, the 完全中学 and the 十二年一贯制学校 are named in located errors
    files = ex.export_files(tmp_path / "no-senior", ex.LAYOUT_2021, stages=("primary", "junior"))
    supplement = ex.supplement_file(tmp_path / "no-senior")
    with pytest.raises(ValidationError) as info:
        import_exports(files, ex.YEAR, ex.COUNTY, supplement=supplement)
    problems = info.value.problems
    assert {p.code for p in problems} == {"no_senior_row"}
    assert {p.school_id for p in problems} == {ex.COMPLETE_ID, ex.TWELVE_ID}
    for p in problems:
        assert p.file and p.row and p.value in ("合成县第一中学", "合成县外国语学校") and p.value in p.message_zh
        assert "高中学段表" in p.message_zh


def test_supplementary_table_is_joined_by_id(tmp_path):
    files = ex.export_files(tmp_path, ex.LAYOUT_2021)
    # no supplementary table: the import goes on, music and art rooms are no data (absent, never 0);
    # tests/test_new_county.py follows it through the report, the screen and the scorecard
    result = import_exports(files, ex.YEAR, ex.COUNTY)
    assert not {"music_rooms", "art_rooms"} & set(result.table.columns)
    # an id the exports do not have is an error at its row; a school without a row is an error at its export row
    supplement = ex.supplement_file(tmp_path, ids=set(ex._BY_ID) - {ex.RURAL_ID},
                                    extra=[["2136999999", "不存在的学校", 1, 96, 1, 90, 2000]])
    with pytest.raises(ValidationError) as info:
        import_exports(files, ex.YEAR, ex.COUNTY, supplement=supplement)
    found = {p.code: p for p in info.value.problems}
    assert set(found) == {"supplement_unmatched", "supplement_missing"}
    unmatched = found["supplement_unmatched"]
    assert (unmatched.file, unmatched.row, unmatched.column, unmatched.value) == (str(supplement), 9, "学校标识码",
                                                                                 "2136999999")   # 7 rows + header
    missing = found["supplement_missing"]
    assert missing.school_id == ex.RURAL_ID and missing.file == str(files[0]) and missing.row
    # read on its own: GBK, rooms without an area
    bad = ex.supplement_file(tmp_path / "gbk", encoding="gbk",
                             extra=[["2136990999", "某校", 1, 0, 0, 0, ""]])
    with pytest.raises(ValidationError) as info:
        read_supplement(bad)
    (p,) = info.value.problems
    assert (p.code, p.row, p.column) == ("room_without_area", 10, "音乐专用教室最小面积")


def test_report_lists_every_merge_derivation_and_dropped_row(tmp_path):
    result = _import(tmp_path)
    nine = result.merges[result.merges["类型"] == "一贯制学校合并各学段表"]
    assert set(nine["学校标识码"]) == {ex.NINE_YEAR_ID, ex.TWELVE_ID}
    assert ex.CLOSED_ID in list(result.dropped["学校标识码"])
    formulas = dict(zip(result.derivations["标准列"] + "/" + result.derivations["学段"], result.derivations["公式"]))
    assert formulas["teaching_aux_area_m2/全校（一贯制学校只取一次）"] == "teaching_aux_total - indoor_sports"
    assert formulas["sports_area_m2/全校（一贯制学校只取一次）"] == "sports_ground + indoor_sports"
    assert formulas["equipment_value_yuan/全校（一贯制学校只取一次）"] == "equipment_wan * 10000"
    assert formulas["teachers_above_degree_primary/primary"] == "doctor + master + bachelor + college"
    assert formulas["teachers_above_degree_junior/junior"] == "doctor + master + bachelor"
    assert formulas["students_senior/senior"] == "students"
    assert "补充表" in formulas["music_rooms/补充表"]
    # every header used is listed with the column it was found in and the form it comes from
    art = result.columns[(result.columns["变量"] == "art") & (result.columns["学段"] == "primary")]
    assert art["导出表中的表头"].iloc[0].endswith("艺术 › 计")
    assert "教基4155" in art["来源（表号、行列）"].iloc[0]
    key = result.columns[(result.columns["变量"] == "key_primary")]
    assert key["来源（表号、行列）"].str.contains("教基1102").all()


def _hash(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.xlsx"))}


def test_missing_header_path_fails_naming_it_and_writes_nothing(tmp_path):
    files = ex.export_files(tmp_path / "in", ex.MISSING_PATH_LAYOUT)
    supplement = ex.supplement_file(tmp_path / "in")
    before = _hash(tmp_path / "in")
    out = tmp_path / "out" / "schools.xlsx"
    code = main(["import", *map(str, files), "--supplement", str(supplement), "--year", str(ex.YEAR),
                 "--county", ex.COUNTY, "--out", str(out), "--data-dir", str(tmp_path),
                 "--outputs-dir", str(tmp_path / "out")])
    assert code == 2 and not out.parent.exists()
    assert _hash(tmp_path / "in") == before                       # exports only read
    with pytest.raises(ValidationError) as info:
        import_exports(files, ex.YEAR, ex.COUNTY, supplement=supplement)
    (p,) = info.value.problems
    assert p.code == "missing_header" and p.column == " › ".join(ex.MISSING_PATH)
    assert p.file == str(files[0]) and "室内体育用房" in p.message_zh


def test_ambiguous_header_path_lists_the_candidates(tmp_path):
    files, supplement = ex.import_files(tmp_path, ex.AMBIGUOUS_LAYOUT)
    with pytest.raises(ValidationError) as info:
        import_exports(files, ex.YEAR, ex.COUNTY, supplement=supplement)
    (p,) = info.value.problems
    assert p.code == "ambiguous_header" and p.column == " › ".join(ex.AMBIGUOUS_PATH)
    assert "在校生数 › 合计」" in p.message_zh and "在校生数 › 合计 › 其中：女" in p.message_zh


def test_cli_writes_table_and_report(tmp_path, capsys):
    files, supplement = ex.import_files(tmp_path / "data" / "exports", ex.LAYOUT_2021)
    out = tmp_path / "data" / "raw" / "testxian" / "schools_2023.xlsx"       # where junyun ingest finds it
    assert main(["import", *map(str, files), "--supplement", str(supplement), "--year", str(ex.YEAR),
                 "--county", ex.COUNTY, "--out", str(out), "--data-dir", str(tmp_path / "data")]) == 0
    report = openpyxl.load_workbook(out.with_name("schools_2023-导入报告.xlsx"), read_only=True)
    assert report.sheetnames == ["说明", "学段表", "列映射", "派生计算", "合并记录", "删除记录", "警告"]
    about = [c for row in report["说明"].iter_rows(values_only=True) for c in row if c]
    assert any("合成示例数据" in str(c) for c in about) and any("以独立校区为统计单位" in str(c) for c in about)
    table = read_schools(out)
    assert len(table.frame) == len(ex.expected_canonical()) and table.synthetic
    # --campus-map only together with --merge-campuses: exit 2, nothing written
    campus = files[0].parent / "campus.csv"
    campus.write_text(f"校区标识码,所属学校标识码\n{ex.CAMPUS_ID},{ex.RURAL_ID}\n", encoding="utf-8")
    out2 = tmp_path / "data" / "raw" / "testxian" / "schools_2023b.xlsx"
    argv = ["import", *map(str, files), "--supplement", str(supplement), "--campus-map", str(campus), "--year",
            str(ex.YEAR), "--county", ex.COUNTY, "--out", str(out2), "--data-dir", str(tmp_path / "data")]
    capsys.readouterr()
    assert main(argv) == 2 and not out2.exists()
    assert "--merge-campuses" in capsys.readouterr().err
    assert main(argv + ["--merge-campuses"]) == 0 and out2.exists()


def test_campus_map_overrides_the_name_rule(tmp_path):
    # the map names the rural school as the campus's parent instead of the name rule's 实验小学
    files, supplement = ex.import_files(tmp_path, ex.LAYOUT_2021)
    result = import_exports(files, ex.YEAR, ex.COUNTY, campus_map={ex.CAMPUS_ID: ex.RURAL_ID}, merge_campuses=True,
                            supplement=supplement)
    want = ex.expected_canonical().set_index("school_id")
    got = result.table.set_index("school_id")
    assert ex.CAMPUS_ID not in got.index
    assert float(got.loc[ex.PARENT_ID, "students_primary"]) == float(want.loc[ex.PARENT_ID, "students_primary"])
    assert float(got.loc[ex.RURAL_ID, "students_primary"]) == \
        float(want.loc[ex.RURAL_ID, "students_primary"]) + float(want.loc[ex.CAMPUS_ID, "students_primary"])
    # without merge_campuses a campus map is refused
    with pytest.raises(ValidationError) as info:
        import_exports(files, ex.YEAR, ex.COUNTY, campus_map={ex.CAMPUS_ID: ex.RURAL_ID}, supplement=supplement)
    assert [p.code for p in info.value.problems] == ["campus_map_without_merge"]


def test_supplement_template_command_lists_the_schools(tmp_path):
    files = ex.export_files(tmp_path / "data" / "exports", ex.LAYOUT_2020)
    out = tmp_path / "data" / "raw" / "testxian" / "补充数据_2023.xlsx"
    assert main(["supplement-template", str(out), "--exports", *map(str, files), "--mapping", "stats-2020",
                 "--data-dir", str(tmp_path / "data")]) == 0
    book = openpyxl.load_workbook(out)
    ws = book.worksheets[0]
    assert [c.value for c in ws[1]][:6] == ["学校标识码", "学校名称", "音乐专用教室数", "音乐专用教室最小面积", "美术专用教室数",
                                          "美术专用教室最小面积"]
    ids = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    assert set(ids) == set(ex.expected_canonical()["school_id"])     # no closed school, no summary row, no 高中-only
    assert list(school_list(files, "stats-2020")["school_id"]) == ids
    # filled in, it is read back; an unfilled room column is a located error
    with pytest.raises(ValidationError) as info:
        read_supplement(out)
    assert {p.code for p in info.value.problems} == {"blank"}
    assert main(["supplement-template", str(out), "--data-dir", str(tmp_path / "data")]) == 2   # exists: --force


def test_write_report_lists_summary_and_senior_rows(tmp_path):
    result = _import(tmp_path)
    path = write_report(result, tmp_path / "report.xlsx")
    dropped = pd.read_excel(path, sheet_name="删除记录")
    assert dropped["原因"].str.contains("汇总行").sum() == 2
    assert dropped["原因"].str.contains("高中").sum() == 1
    columns = pd.read_excel(path, sheet_name="列映射")
    assert "来源（表号、行列）" in columns.columns
