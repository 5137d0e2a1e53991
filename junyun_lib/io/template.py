"""Blank school-table template (学校基础数据表填报模板) for analysts to fill in.

``write_template(path)`` writes an .xlsx workbook built entirely from the column schema
(``rules/school_columns.csv`` via :mod:`junyun_lib.schema`), so the template can never drift from the
columns junyun reads:

* ``学校数据`` – one header row with the canonical Chinese headers in schema order (bold, frozen, coloured by
  whether the column is required), a comment on every header giving the English alias and unit, and data
  validation on rows 2..5000: drop-down lists for category columns, whole numbers ≥ 0 for counts,
  decimals ≥ 0 for numbers, years 1949–2100.
* ``填写说明`` – filling notes (Chinese with English gloss), a colour legend and one row per column.
* ``_lists`` – hidden; holds allowed values for any drop-down list whose inline formula would exceed
  Excel's 255-character limit (or whose values contain a comma or a double quote).
"""
from __future__ import annotations

import os
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..rules.schema import Column, columns
from .atomic import atomic_path

DATA_SHEET = "学校数据"
GUIDE_SHEET = "填写说明"
LISTS_SHEET = "_lists"
FIRST_DATA_ROW = 2
LAST_DATA_ROW = 5000
YEAR_MIN, YEAR_MAX = 1949, 2100
LIST_FORMULA_LIMIT = 255      # Excel rejects inline list sources longer than this
PROMPT_LIMIT = 255            # Excel limit for validation prompt / error text
TITLE_LIMIT = 32              # Excel limit for validation prompt / error titles

KIND_ZH = {"text": "文本", "year": "年份", "category": "类别", "count": "整数计数", "number": "数值"}
REQUIRED_ZH = {"required": "必填", "either": "必填（或改填班额分段班数）", "optional": "选填", "basic": "仅基本均衡标准需要"}
REQUIRED_EN = {"required": "required", "either": "required (or the class-size band counts instead)",
               "optional": "optional", "basic": "basic-balance standard only"}
STAGE_LABEL_ZH = {"primary": "小学", "junior": "初中", "senior": "高中", "": "全校"}
FILLS = {
    "required": PatternFill("solid", fgColor="FCE4D6"),   # light orange
    "either": PatternFill("solid", fgColor="FCE4D6"),     # as required: one of the two must be filled
    "optional": PatternFill("solid", fgColor="E2EFDA"),   # light green
    "basic": PatternFill("solid", fgColor="DDEBF7"),      # light blue
}
LEGEND = (
    ("required", "必填：所有学校都必须填写（不适用的学段列可留空，按 0 计）",
     "Required for every school (stage columns that do not apply may be blank = 0)"),
    ("either", "最大班额：有最大班额的请填写；统计表只给出各班额段班数时可留空，改填该学段的班额分段班数",
     "Largest class: fill it in if known; if the census forms give only class-size bands, leave it blank and "
     "fill in the stage's band counts"),
    ("optional", "选填：有则填写，用于评估例外情形（班额分段班数：统计表教基2106/2107、基础基212/213）和按年级递进的在校生数"
     "预测（分年级在校生数：教基3112/3115）；音乐、美术专用教室留空即无数据（不按 0 计，政府保障程度第3项显示为无数据），没有此类"
     "教室请填 0",
     "Optional; used for evaluation exceptions (class-size band counts: forms 教基2106/2107, 基础基212/213) and the "
     "cohort projection of enrolment (grade counts: 教基3112/3115); music and art rooms left blank are no data "
     "(never 0: guarantee item 3 shows no data), enter 0 where there are none"),
    ("basic", "仅基本均衡标准需要：仅评估基本均衡时填写", "Needed only by the basic-balance standard"),
)
NOTES = (
    ("每行填写一所学校或一个独立校区一个统计年度的数据。",
     "One row per school or independent campus per statistics year."),
    ("不适用的学段列（如小学的初中列）及随迁子女数可留空，留空按 0 计。",
     "Stage columns that do not apply (and migrant students) may be left blank; blank = 0."),
    ("校舍面积、场馆面积、仪器设备值、功能教室等设施数量一律填写全校数；九年一贯制、完全中学等混合学校由 junyun "
     "按学段自动拆分，请勿手工拆分。",
     "Facility quantities are whole-school values; junyun splits mixed schools by stage - do not split by hand."),
    ("教学仪器设备值单位为元；统计表为万元时请乘以 10000。",
     "Equipment value is in yuan (元); multiply by 10000 if the census form gives 万元."),
    ("教学及辅助用房面积常用口径：教学及辅助用房 − 室内体育用房。",
     "Teaching/auxiliary room area: teaching and auxiliary rooms minus indoor sports rooms."),
    ("体育运动场馆面积常用口径：运动场地面积 + 室内体育用房。",
     "Sports area: sports ground area plus indoor sports rooms."),
    ("体育艺术专任教师数 = 体育 + 艺术；统计表中“艺术”是音乐、美术的小计，请勿将艺术、音乐、美术三项相加。",
     "Art teachers = music + fine-art subtotal; count PE + art, never add art, music and fine art together."),
    ("分年级在校生数（一年级 … 九年级，统计表教基3112、3115；初中的一、二、三年级填七、八、九年级）选填：填写时该学段各年级之和"
     "须等于该学段在校生数；全县各校都填且有相邻两年数据时，在校生数按年级递进预测，否则按阻尼线性趋势预测。",
     "Grade counts (一年级 … 九年级, forms 3112/3115; junior grades 1-3 go in 七、八、九年级) are optional; when "
     "given they must add up to the stage's students. With them for every school and two consecutive years, "
     "enrolment is projected by cohort, otherwise by the damped trend."),
    ("表头可用本表的规范中文表头，也可用英文别名（如 school_type）。",
     "English aliases (e.g. school_type) are accepted as headers too."),
)
GUIDE_HEADERS = ("表头", "英文别名", "类型", "是否必填", "学段", "单位", "允许值", "含义", "Meaning")
GUIDE_WIDTHS = (26, 30, 10, 18, 8, 9, 44, 56, 56)

BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")


def write_template(path: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Write the empty school-table template to ``path`` and return it as a Path.

    Refuses (FileExistsError) to replace an existing file unless ``overwrite=True``; creates parent folders.
    """
    out = Path(path)
    if out.suffix.lower() != ".xlsx":
        raise ValueError(f"模板文件须为 .xlsx：{out} (template must be an .xlsx file)")
    if out.is_dir():
        raise IsADirectoryError(f"路径是文件夹，不是文件：{out} (path is a folder, not a file)")
    if out.exists() and not overwrite:
        raise FileExistsError(
            f"文件已存在，未覆盖：{out}；如需覆盖请传入 overwrite=True "
            f"(file already exists, not overwritten; pass overwrite=True to replace it)"
        )
    with atomic_path(out) as tmp:
        build_workbook().save(tmp)
    return out


def build_workbook() -> Workbook:
    """Build the template workbook in memory (sheets 学校数据, 填写说明 and, if needed, hidden _lists)."""
    cols = columns()
    wb = Workbook()
    data = wb.active
    data.title = DATA_SHEET
    guide = wb.create_sheet(GUIDE_SHEET)
    _write_data_headers(data, cols)
    _add_validations(wb, data, cols)
    _write_guide(guide, cols)
    wb.active = 0
    return wb


# ---------------------------------------------------------------- sheet 1: 学校数据

def _write_data_headers(ws: Worksheet, cols: tuple[Column, ...]) -> None:
    """Header row: canonical Chinese headers, bold, coloured by requirement, with an alias/unit comment."""
    for i, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=i, value=col.header_zh)
        cell.font = BOLD
        cell.fill = FILLS.get(col.required, FILLS["optional"])
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = _header_comment(col)
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = _column_width(col)
        if col.kind == "text":
            ws.column_dimensions[letter].number_format = "@"   # keep leading zeros in identifiers
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"


def _header_comment(col: Column) -> Comment:
    lines = [
        f"英文别名 English alias: {col.field}",
        f"单位 Unit: {col.unit or '—'}",
        f"{REQUIRED_ZH.get(col.required, col.required)} ({REQUIRED_EN.get(col.required, col.required)})",
        f"{col.meaning_zh} / {col.meaning_en}",
    ]
    comment = Comment("\n".join(lines), "junyun")
    comment.width, comment.height = 300, 130
    return comment


def _display_width(text: str) -> int:
    """Approximate Excel width: CJK and full-width characters count double."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _column_width(col: Column) -> float:
    widest = max([_display_width(col.header_zh)] + [_display_width(v) for v in col.allowed])
    return float(min(max(widest + 4, 10), 40))


def _add_validations(wb: Workbook, ws: Worksheet, cols: tuple[Column, ...]) -> None:
    """One data validation per non-text column over rows FIRST_DATA_ROW..LAST_DATA_ROW."""
    for i, col in enumerate(cols, start=1):
        dv = _validation_for(wb, col)
        if dv is None:
            continue
        letter = get_column_letter(i)
        dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_DATA_ROW}")
        ws.add_data_validation(dv)


def _validation_for(wb: Workbook, col: Column) -> DataValidation | None:
    unit = f"，单位：{col.unit}" if col.unit else ""
    unit_en = f", unit {col.unit}" if col.unit else ""
    blank = "；不适用可留空（按 0 计）" if col.blank_means_zero else ""
    blank_en = "; leave blank if not applicable (= 0)" if col.blank_means_zero else ""
    if col.kind == "category" and col.allowed:
        shown = "/".join(col.allowed)
        return _make_dv(
            "list", _list_formula(wb, col), None, None, col,
            _clip(f"请从下拉列表选择：{shown}", " (choose from the list)"),
            _clip(f"只能填写下拉列表中的值：{shown}", " (value must be one of the listed options)"),
        )
    if col.kind == "count":
        return _make_dv(
            "whole", "0", None, "greaterThanOrEqual", col,
            f"请填写不小于 0 的整数{unit}{blank} (whole number ≥ 0{unit_en}{blank_en})",
            "必须是不小于 0 的整数 (must be a whole number ≥ 0)",
        )
    if col.kind == "number":
        return _make_dv(
            "decimal", "0", None, "greaterThanOrEqual", col,
            f"请填写不小于 0 的数值{unit}{blank} (number ≥ 0{unit_en}{blank_en})",
            "必须是不小于 0 的数值 (must be a number ≥ 0)",
        )
    if col.kind == "year":
        return _make_dv(
            "whole", str(YEAR_MIN), str(YEAR_MAX), "between", col,
            f"请填写 {YEAR_MIN}–{YEAR_MAX} 之间的四位年份 (four-digit year, {YEAR_MIN}–{YEAR_MAX})",
            f"年份必须是 {YEAR_MIN}–{YEAR_MAX} 之间的整数 (year must be a whole number {YEAR_MIN}–{YEAR_MAX})",
        )
    return None


def _make_dv(kind: str, formula1: str, formula2: str | None, operator: str | None, col: Column,
             prompt: str, error: str) -> DataValidation:
    dv = DataValidation(type=kind, formula1=formula1, formula2=formula2, operator=operator, allow_blank=True)
    dv.showDropDown = False          # counter-intuitively, False means "show the in-cell arrow"
    dv.showInputMessage = True
    dv.showErrorMessage = True
    dv.errorStyle = "stop"
    dv.promptTitle = col.header_zh[:TITLE_LIMIT]
    dv.prompt = prompt[:PROMPT_LIMIT]
    dv.errorTitle = f"{col.header_zh}：输入有误"[:TITLE_LIMIT]
    dv.error = error[:PROMPT_LIMIT]
    return dv


def _clip(zh: str, gloss: str, limit: int = PROMPT_LIMIT) -> str:
    """Join Chinese text and English gloss, shortening the Chinese part with '…' to fit ``limit``."""
    room = limit - len(gloss)
    if len(zh) > room:
        zh = zh[: room - 1] + "…"
    return zh + gloss


def _list_formula(wb: Workbook, col: Column) -> str:
    """Inline ``"a,b,c"`` source if it fits Excel's limit, else a range on the hidden _lists sheet."""
    inline = '"' + ",".join(col.allowed) + '"'
    if len(inline) <= LIST_FORMULA_LIMIT and not any("," in v or '"' in v for v in col.allowed):
        return inline
    if LISTS_SHEET in wb.sheetnames:
        lists = wb[LISTS_SHEET]
    else:
        lists = wb.create_sheet(LISTS_SHEET)
        lists.sheet_state = "hidden"
    col_idx = 1 if lists.max_column == 1 and lists["A1"].value is None else lists.max_column + 1
    lists.cell(row=1, column=col_idx, value=col.field)
    for r, value in enumerate(col.allowed, start=2):
        lists.cell(row=r, column=col_idx, value=value)
    letter = get_column_letter(col_idx)
    return f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(col.allowed) + 1}"


# ---------------------------------------------------------------- sheet 2: 填写说明

def _write_guide(ws: Worksheet, cols: tuple[Column, ...]) -> None:
    """Notes and colour legend on top, then the column table (one row per schema column)."""
    ws.cell(row=1, column=1, value="填写说明 (How to fill in the template)").font = Font(bold=True, size=14)
    row = 2
    for n, (zh, en) in enumerate(NOTES, start=1):
        ws.cell(row=row, column=1, value=f"{n}. {zh} ({en})")
        row += 1
    row += 1
    ws.cell(row=row, column=1, value="颜色说明 (Colour legend)").font = BOLD
    row += 1
    for key, zh, en in LEGEND:
        swatch = ws.cell(row=row, column=1, value=REQUIRED_ZH[key])
        swatch.fill, swatch.border, swatch.font = FILLS[key], BOX, BOLD
        ws.cell(row=row, column=2, value=f"{zh} ({en})")
        row += 1
    _write_guide_table(ws, cols, row + 1)
    for i, width in enumerate(GUIDE_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _write_guide_table(ws: Worksheet, cols: tuple[Column, ...], top: int) -> None:
    for j, title in enumerate(GUIDE_HEADERS, start=1):
        cell = ws.cell(row=top, column=j, value=title)
        cell.font, cell.fill, cell.border = BOLD, HEADER_FILL, BOX
    for r, col in enumerate(cols, start=top + 1):
        values = (
            col.header_zh, col.field, KIND_ZH.get(col.kind, col.kind),
            REQUIRED_ZH.get(col.required, col.required), STAGE_LABEL_ZH.get(col.stage, col.stage),
            col.unit, "、".join(col.allowed), col.meaning_zh, col.meaning_en,
        )
        for j, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=j, value=value or None)
            cell.border, cell.alignment = BOX, WRAP_TOP
        ws.cell(row=r, column=4).fill = FILLS.get(col.required, FILLS["optional"])
