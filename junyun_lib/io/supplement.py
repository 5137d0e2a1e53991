"""The supplementary table (补充数据表): what the statistics forms do not have, kept by the analyst.

No form of the education statistics (教基 2021+, 基础基 2020) holds the number of music and art rooms or the
area of the smallest of them, which the guarantee check 政府保障程度 3 needs (seed 002 附件1 二(二)3: 每12个班
级配备音乐、美术专用教室1间以上，音乐≥96㎡、美术≥90㎡).  The analyst keeps them in this table, one row per school
or independent campus, joined to the exports by 学校标识码 in ``junyun import --supplement``:

* ``学校标识码`` (required) — the id of the school or campus as in the exports (机构编码);
* ``学校名称`` (optional) — for the analyst's reference; not used;
* ``音乐专用教室数``, ``音乐专用教室最小面积``, ``美术专用教室数``, ``美术专用教室最小面积`` (required; 0 and 0
  where a school has no such room);
* ``建成年份`` (optional) — the year the school was planned and built, for the 2010/2016 exceptions, where the
  export has no 建校年份;
* ``小学最大班额``, ``初中最大班额`` (optional) — for analysts who know the largest class (the forms give only
  the class-size bands).

The table itself is optional: without it the import goes on and the rooms are no data (无数据, never 0), and
:func:`note_missing_supplement` says so in the import report and on the screen (decision 144).

``write_supplement_template`` writes the empty (or pre-filled) table; ``read_supplement`` reads it with the
rules of every other table (:mod:`junyun_lib.io.reader`: .xlsx or .csv in UTF-8/GBK, each problem located).
An id that appears twice, an unknown or missing column, rooms without an area and an area without rooms are
errors.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..problems import Problem, ValidationError
from ..rules import schema
from .atomic import atomic_path

SHEET = "补充数据"
GUIDE_SHEET = "填写说明"
#: the columns, in order: (field, required in the supplement)
FIELDS = (("school_id", True), ("school_name", False), ("music_rooms", True), ("music_room_min_area_m2", True),
          ("art_rooms", True), ("art_room_min_area_m2", True), ("built_year", False), ("max_class_primary", False),
          ("max_class_junior", False))
VALUE_FIELDS = tuple(f for f, _ in FIELDS if f not in ("school_id", "school_name"))


@dataclass
class Supplement:
    """A read supplementary table: ``rows`` (id → {field: value}, only the columns the file has) and where each
    id is written (file, sheet, row, header)."""

    file: str
    rows: dict
    located: dict
    fields: tuple = ()
    warnings: list = field(default_factory=list)


def _column(fld: str, required: bool) -> schema.Column:
    col = schema.by_field()[fld]
    return dataclasses.replace(col, required="required" if required else ("either" if col.required == "either"
                                                                          else "optional"))


def read_supplement(path) -> Supplement:
    """Read and check a supplementary table (.xlsx or .csv); raises :class:`ValidationError` with every problem."""
    from .reader import CellChecker, drop_blank_rows, filled_mask, load_sheet

    raw, problems = load_sheet(path, None)
    if raw is None:
        raise ValidationError(problems)
    raw = drop_blank_rows(raw)
    where = dict(file=raw.file, sheet=raw.sheet, row=int(raw.rows[0]) - 1 if len(raw.rows) else None)
    lookup = {}
    for fld, _ in FIELDS:
        col = schema.by_field()[fld]
        lookup[col.header_zh] = lookup[fld] = fld
    mapping: dict[str, int] = {}
    for pos, header in enumerate(raw.headers):
        if header == "":
            if filled_mask(raw.frame[pos]).any():
                problems.append(Problem("error", "blank_header", f"第{pos + 1}列有数据但没有表头",
                                        f"column {pos + 1} has data but no header", **where))
            continue
        fld = lookup.get(header)
        if fld is None:
            problems.append(Problem("error", "unknown_column", "补充表中未知的列：可用的列为 " +
                                    "、".join(schema.field_zh(f) for f, _ in FIELDS) +
                                    "（可用 junyun supplement-template 生成）", "unknown column in the supplementary "
                                    "table", column=header, **where))
        elif fld in mapping:
            problems.append(Problem("error", "duplicate_column", f"与「{raw.headers[mapping[fld]]}」是同一列，重复出现",
                                    "duplicate column", column=header, **where))
        else:
            mapping[fld] = pos
    for fld, required in FIELDS:
        if required and fld not in mapping:
            problems.append(Problem("error", "missing_column", f"补充表缺少必需的列「{schema.field_zh(fld)}」",
                                    f"the supplementary table lacks the column {schema.field_zh(fld)} / {fld}",
                                    **where))
    if problems:
        raise ValidationError(problems)
    if raw.frame.empty:
        raise ValidationError([Problem("error", "no_rows", "补充表表头下没有数据行", "no data rows below the header",
                                       file=raw.file, sheet=raw.sheet)])
    checker = CellChecker(raw)
    data = {}
    for fld, required in FIELDS:
        if fld not in mapping:
            continue
        col = _column(fld, required)
        series = raw.frame[mapping[fld]].reset_index(drop=True)
        data[fld] = checker.number(series, col, mapping[fld]) if col.is_numeric else \
            checker.text(series, col, mapping[fld])
    problems = list(checker.problems)
    frame = pd.DataFrame(data)
    rows, located, first = {}, {}, {}
    id_header = raw.headers[mapping["school_id"]]
    for i, sid in enumerate(frame["school_id"].astype(str)):
        line = int(raw.rows[i])
        if not sid:
            continue
        if sid in first:
            problems.append(Problem("error", "duplicate_id", f"学校标识码在补充表中重复（另见第{first[sid]}行）",
                                    f"the school id appears twice in the supplementary table (also row {first[sid]})",
                                    file=raw.file, sheet=raw.sheet, row=line, column=id_header, value=sid))
            continue
        first[sid] = line
        values = {f: float(frame.at[i, f]) for f in VALUE_FIELDS if f in frame.columns}
        for kind, zh in (("music", "音乐"), ("art", "美术")):
            rooms, area = values[f"{kind}_rooms"], values[f"{kind}_room_min_area_m2"]
            if np.isnan(rooms) or np.isnan(area):
                continue                               # already reported by the cell rules
            if rooms > 0 and not area > 0:
                problems.append(Problem("error", "room_without_area", f"有{zh}专用教室但最小面积为0或空",
                                        f"{kind} rooms without their area", file=raw.file, sheet=raw.sheet, row=line,
                                        column=raw.headers[mapping[f'{kind}_room_min_area_m2']], value=_text(area),
                                        school_id=sid))
            if rooms <= 0 and area > 0:
                problems.append(Problem("error", "area_without_room", f"{zh}专用教室数为0，却填了面积",
                                        f"{kind} room area but no {kind} rooms", file=raw.file, sheet=raw.sheet,
                                        row=line, column=raw.headers[mapping[f'{kind}_room_min_area_m2']],
                                        value=_text(area), school_id=sid))
        rows[sid] = values
        located[sid] = (raw.file, raw.sheet, line, id_header)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ValidationError(problems)
    fields = tuple(f for f in VALUE_FIELDS if f in frame.columns)
    return Supplement(str(path), rows, located, fields, [p for p in problems if p.severity == "warning"])


def _text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


NOTES = (
    ("每行填写一所学校或一个独立校区（与导出表中的学校标识码一致；每个独立校区有自己的标识码）。",
     "One row per school or independent campus, with its id as in the exports."),
    ("音乐、美术专用教室数及面积最小一间的使用面积：教育事业统计各表中都没有这些数据，只能由本表提供；没有此类教室填 0 和 0。",
     "Music and art rooms and the smallest room's area are in no statistics form; enter 0 and 0 if none."),
    ("建成年份：导出表中没有建校年份时填写，用于2010年、2016年及以前建成学校的评估例外（有关指标说明（六）（七））。",
     "Year built: where the exports lack it; used for the exceptions of schools built in 2010/2016 or earlier."),
    ("小学/初中最大班额：选填。统计表只给出各班额段的班数，已知最大班额的可填写，用于核对。",
     "Largest class: optional; the forms give only class-size bands."),
    ("导入：junyun import 各学段导出表 --supplement 本表 --year 年度 --county 县区。",
     "Use: junyun import <stage files> --supplement <this file> --year Y --county C."),
)


def write_supplement_template(path, schools: pd.DataFrame | None = None) -> Path:
    """The supplementary table to fill in (.xlsx); ``schools`` (``school_id``, ``school_name``) pre-fills the rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    out = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    fill = {True: PatternFill("solid", fgColor="FCE4D6"), False: PatternFill("solid", fgColor="E2EFDA")}
    for i, (fld, required) in enumerate(FIELDS, start=1):
        col = schema.by_field()[fld]
        cell = ws.cell(1, i, col.header_zh)
        cell.font, cell.fill = Font(bold=True), fill[required]
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = 22 if fld in ("school_id", "school_name") else 16
        if col.kind == "text":
            ws.column_dimensions[letter].number_format = "@"
        elif col.kind in ("count", "year"):
            rule = DataValidation(type="whole", operator="between", formula1="1949" if col.kind == "year" else "0",
                                  formula2="2100" if col.kind == "year" else "100000", allow_blank=True)
            rule.add(f"{letter}2:{letter}5000")
            ws.add_data_validation(rule)
        else:
            rule = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
            rule.add(f"{letter}2:{letter}5000")
            ws.add_data_validation(rule)
    if schools is not None:
        for r, (sid, name) in enumerate(zip(schools["school_id"], schools["school_name"]), start=2):
            ws.cell(r, 1, str(sid)).number_format = "@"
            ws.cell(r, 2, str(name)).number_format = "@"
    ws.freeze_panes = "A2"
    guide = wb.create_sheet(GUIDE_SHEET)
    guide.cell(1, 1, "补充数据表填写说明 (how to fill in the supplementary table)").font = Font(bold=True)
    for r, (zh, en) in enumerate(NOTES, start=2):
        guide.cell(r, 1, f"{zh} ({en})")
    row = len(NOTES) + 3
    for c, text in enumerate(("列", "英文别名", "是否必填", "单位", "含义"), start=1):
        guide.cell(row, c, text).font = Font(bold=True)
    for fld, required in FIELDS:
        row += 1
        col = schema.by_field()[fld]
        for c, text in enumerate((col.header_zh, fld, "必填" if required else "选填", col.unit, col.meaning_zh), start=1):
            guide.cell(row, c, text)
    guide.column_dimensions["A"].width = 60
    guide.column_dimensions["E"].width = 60
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return out


#: what the supplementary table alone gives, and the evaluation item that needs it (政府保障程度 3)
ROOM_FIELDS = ("music_rooms", "music_room_min_area_m2", "art_rooms", "art_room_min_area_m2")
ROOMS_ITEM_ZH = "政府保障程度第3项（每12个班级配备音乐、美术专用教室1间以上，面积达标）"


def rooms_no_data(table: pd.DataFrame) -> int:
    """How many schools of an imported table have no music or art room data (the columns absent or blank)."""
    if not len(table):
        return 0
    blank = np.zeros(len(table), dtype=bool)
    for fld in ROOM_FIELDS:
        blank |= table[fld].isna().to_numpy() if fld in table else True
    return int(blank.sum())


def note_missing_supplement(result, county: str = "", year: int | None = None) -> Problem | None:
    """Without a supplementary table the import goes on and the rooms are no data (无数据, never 0): add one
    warning saying which items lack data and how to supply them to the import report (``result.warnings``
    and its 说明 sheet, ``result.about``), and return it for the screen; None when every school has them."""
    missing = rooms_no_data(result.table)
    if not missing:
        return None
    names = "、".join(schema.field_zh(f) for f in ROOM_FIELDS)
    problem = Problem(
        "warning", "rooms_no_data",
        f"{missing} 所学校没有音乐、美术专用教室数据（{names}：教育事业统计表中没有，只能由补充表提供）：这些列留空，"
        f"即无数据，不按 0 计；评估表中{ROOMS_ITEM_ZH}显示为无数据，总体结论为“无法判定”；差异系数不受影响。补充方法："
        "junyun supplement-template 补充表.xlsx --exports 各学段导出表 生成补充表，填写后重新运行 junyun import … "
        "--supplement 补充表.xlsx --force",
        f"{missing} school(s) have no music/art room data (no statistics form has it; only the supplementary "
        "table): left blank = no data, never 0; guarantee item 3 shows no data and the overall verdict is "
        "undetermined; the CVs are unaffected. Write the table with `junyun supplement-template PATH --exports "
        "…`, fill it in and import again with --supplement PATH --force",
        column=names, value=f"{missing} 所", county=county, year=year)
    result.warnings.append(problem)
    about = [(k, v) for k, v in result.about if k != "警告"]
    about = [(k, f"{v}：音乐、美术专用教室无数据" if k == "补充表" else v) for k, v in about]
    about += [("无数据的项目", f"{ROOMS_ITEM_ZH}：{missing} 所学校无音乐、美术专用教室数据"),
              ("如何补充", "junyun supplement-template 补充表.xlsx --exports 各学段导出表；填写后 junyun import … "
                         "--supplement 补充表.xlsx --force"),
              ("警告", len(result.warnings))]
    result.about[:] = about
    return problem
