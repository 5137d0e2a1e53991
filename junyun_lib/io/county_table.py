"""County-level indicators (县级指标表): values that the school census does not hold.

Plans and the evaluation form name county-level items — 初中三年巩固率, 残疾儿童少年入学率, 专任教师持证上岗,
教师交流轮岗, 社会认可度 … — whose values come from other offices.  The analyst enters them in one small table
per county and year, ``data/raw/<slug>/county_indicators_<year>.csv`` (or ``.xlsx``), one row per indicator:

=========  ==========  ==================================================================================
column     Chinese     content
=========  ==========  ==================================================================================
code       指标代码     a code from ``junyun_lib/rules/county_indicators.csv`` (the list, with units and ranges)
name       指标名称     optional, for the reader; the code decides
value      数值         the value in the indicator's unit; blank = no data (never read as 0)
unit       单位         optional; when given it must be the indicator's unit
source     来源         where the number comes from (office, document); shown as evidence
note       说明         optional free text
=========  ==========  ==================================================================================

``junyun county-template PATH`` writes the table with every code listed and the values blank.  Checks
are as strict as the school table's: every problem in one pass, located by file, row as Excel or a text
editor shows it, header and value, in Chinese with an English gloss; nothing is read when one is found.
A ``source`` containing "合成示例数据" marks the table as synthetic.
"""
from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..problems import Problem, ValidationError
from ..rules.county_indicators import definitions
from ..synthetic import SYNTHETIC_MARK
from .atomic import atomic_path, write_bytes

#: canonical column -> accepted headers (Chinese first)
HEADERS = {
    "code": ("指标代码", "code"),
    "name": ("指标名称", "指标名称（仅供参考）", "name"),      # read but not used: the code decides
    "value": ("数值", "value"),
    "unit": ("单位", "unit"),
    "source": ("来源", "source"),
    "note": ("说明", "note"),
}
REQUIRED = ("code", "value")
_YEAR_IN_NAME = re.compile(r"county_indicators_(\d{4})\.(csv|xlsx)$", re.IGNORECASE)


@dataclass
class CountyValues:
    """One county-year's county-level values (县级指标值)."""

    county: str
    year: int
    table: pd.DataFrame          # code, name_zh, value, unit, source, note, file, row
    synthetic: bool = False
    warnings: list[Problem] = field(default_factory=list)

    def _row(self, code: str) -> dict | None:
        index = self.__dict__.get("_index")
        if index is None or index[0] is not self.table:      # built once per table (codes are unique)
            index = (self.table, {r["code"]: r for r in self.table.to_dict("records")})
            self.__dict__["_index"] = index
        return index[1].get(code)

    def get(self, code: str) -> float | None:
        """The value of ``code``, or None when the table has no value for it (no data)."""
        row = self._row(code)
        return None if row is None or pd.isna(row["value"]) else float(row["value"])

    def evidence(self, code: str) -> str:
        row = self._row(code)
        if row is None:
            return ""
        return f"{row['source'] or '未注明来源'}（{Path(row['file']).name} 第{row['row']}行）"


def _read_frame(path: Path) -> tuple[pd.DataFrame, int]:
    """The raw cells as text, headers exactly as written (duplicates kept), one row per file line (blank
    lines included, so row numbers match the editor), and the row number of the first data row."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            lines = [[_xlsx_text(c) for c in row] for row in book.worksheets[0].iter_rows()]
        finally:
            book.close()
    else:
        data = path.read_bytes()
        for encoding in ("utf-8-sig", "gbk"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError([Problem("error", "encoding", "文件编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV",
                                           "cannot decode the file; save it as UTF-8 or GBK CSV", file=str(path))])
        lines = list(csv.reader(io.StringIO(text)))
    header = [h.strip() for h in (lines[0] if lines else [])]
    width = len(header)
    body = [(row + [""] * width)[:width] for row in lines[1:]]
    return pd.DataFrame(body, columns=range(width)).rename(columns=dict(enumerate(header))) \
        if body else pd.DataFrame(columns=header), 2


def _xlsx_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    # a cell typed as 96.8% holds 0.968: read what the analyst sees
    if isinstance(value, (int, float)) and "%" in (cell.number_format or ""):
        return repr(round(value * 100, 10))
    return str(value)


YES = {"是", "yes", "y", "true", "1", "有"}
NO = {"否", "no", "n", "false", "0", "无"}
LEVELS = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "I": 1, "II": 2, "III": 3, "IV": 4}


def _number(text: str, unit: str) -> float | None:
    text = text.strip().replace(",", "").replace("，", "")
    if unit == "是否":            # yes/no items: 是 = 1, 否 = 0
        low = text.lower()
        return 1.0 if low in YES else 0.0 if low in NO else None
    if unit == "级":
        text = text.removesuffix("级").strip()
        if text.upper() in LEVELS or text in LEVELS:
            return float(LEVELS.get(text, LEVELS.get(text.upper())))
    if unit == "%" and text.endswith(("%", "％")):
        text = text[:-1].strip()
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value else None    # NaN is not a number here


def read_county_values(path, county: str = "", year: int | None = None) -> CountyValues:
    """Read and check one county-level table; raises :class:`ValidationError` listing every problem."""
    path = Path(path)
    if year is None:
        match = _YEAR_IN_NAME.search(path.name)
        year = int(match.group(1)) if match else None
    frame, first_row = _read_frame(path)
    defs = definitions()
    problems: list[Problem] = []
    where = {"file": str(path), "county": county, "year": year}

    header_of: dict[str, str] = {}
    if frame.columns.duplicated().any():     # keep the first of each repeated header for reading the rows
        for written in frame.columns[frame.columns.duplicated()].unique():
            problems.append(Problem("error", "duplicate_column", "列名重复", "duplicate column", row=1,
                                    column=str(written), **where))
        frame = frame.loc[:, ~frame.columns.duplicated()]
    for written in frame.columns:
        key = next((k for k, names in HEADERS.items() if str(written).strip().lower() in
                    {n.lower() for n in names}), None)
        if key is None:
            problems.append(Problem("error", "unknown_column", f"未知列名，应为 {'、'.join(h[0] for h in HEADERS.values())}",
                                    f"unknown column; expected one of {', '.join(h[1] for h in HEADERS.values())}",
                                    row=1, column=str(written), value=str(written), **where))
        elif key in header_of:
            problems.append(Problem("error", "duplicate_column", "列名重复", "duplicate column", row=1,
                                    column=str(written), **where))
        else:
            header_of[key] = written
    for key in REQUIRED:
        if key not in header_of:
            problems.append(Problem("error", "missing_column", f"缺少必需的列「{HEADERS[key][0]}」",
                                    f"required column {HEADERS[key][1]!r} is missing", row=1, **where))
    if year is None:
        problems.append(Problem("error", "no_year", "无法从文件名确定年度，文件名应为 county_indicators_<年度>.csv",
                                "cannot tell the year; name the file county_indicators_<year>.csv", **where))
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems)

    rows, seen = [], {}
    for i, cells in enumerate(frame.to_dict("records")):
        row_no = first_row + i
        cell = {k: str(cells.get(h, "")).strip() for k, h in header_of.items()}
        if not any(cell.values()):
            continue                                   # an empty line
        code = cell.get("code", "")
        col = header_of["code"]
        if not code:
            problems.append(Problem("error", "missing_code", "指标代码为空", "indicator code is blank",
                                    row=row_no, column=col, **where))
            continue
        if code not in defs:
            close = difflib.get_close_matches(code, list(defs), n=1)
            hint = f"；是否为「{close[0]}」？" if close else "；可用代码见 junyun county-template 生成的模板"
            problems.append(Problem("error", "unknown_code", f"未知的指标代码{hint}",
                                    f"unknown indicator code{f' (did you mean {close[0]!r}?)' if close else ''}",
                                    row=row_no, column=col, value=code, **where))
            continue
        if code in seen:
            problems.append(Problem("error", "duplicate_code", f"指标代码重复（第{seen[code]}行已出现）",
                                    f"duplicate indicator code (already on row {seen[code]})",
                                    row=row_no, column=col, value=code, **where))
            continue
        seen[code] = row_no
        d = defs[code]
        unit = cell.get("unit", "").replace("％", "%")
        if unit and unit != d.unit:
            problems.append(Problem("error", "wrong_unit", f"单位应为「{d.unit}」", f"unit must be {d.unit!r}",
                                    row=row_no, column=header_of["unit"], value=cell["unit"], **where))
        text = cell.get("value", "")
        value = None
        if text:
            value = _number(text, d.unit)
            if value is None:
                expected = {"是否": "是或否", "级": "1–4 或 Ⅰ/Ⅱ/Ⅲ/Ⅳ"}.get(d.unit, f"数字（单位 {d.unit}）")
                problems.append(Problem("error", "not_a_number", f"数值应为{expected}（{d.name_zh}）",
                                        f"value must be {'yes/no' if d.unit == '是否' else 'a number'} ({d.unit})",
                                        row=row_no,
                                        column=header_of["value"], value=text, **where))
                continue
            if not d.min <= value <= d.max:
                problems.append(Problem("error", "out_of_range",
                                        f"{d.name_zh}应在 {d.min:g}–{d.max:g}{d.unit} 之间",
                                        f"{code} must be within {d.min:g}–{d.max:g} {d.unit}", row=row_no,
                                        column=header_of["value"], value=text, **where))
                continue
        rows.append({"code": code, "name_zh": d.name_zh, "value": value, "unit": d.unit,
                     "source": cell.get("source", ""), "note": cell.get("note", ""), "file": str(path),
                     "row": row_no})
    if problems:
        raise ValidationError(problems)
    table = pd.DataFrame(rows, columns=["code", "name_zh", "value", "unit", "source", "note", "file", "row"])
    table["value"] = table["value"].astype(float)
    synthetic = bool(table["source"].str.contains(SYNTHETIC_MARK).any() or
                     table["note"].str.contains(SYNTHETIC_MARK).any())
    return CountyValues(county=county, year=int(year), table=table, synthetic=synthetic)


def write_county_template(path, year: int | None = None) -> Path:
    """An empty county-level table with every indicator code, its name and unit (CSV or .xlsx)."""
    path = Path(path)
    rows = [{"指标代码": d.code, "指标名称（仅供参考）": d.name_zh, "数值": "", "单位": d.unit,
             "来源": "", "说明": d.description} for d in definitions().values()]
    frame = pd.DataFrame(rows)
    if path.suffix.lower() == ".xlsx":
        with atomic_path(path) as tmp:
            frame.to_excel(tmp, index=False, sheet_name=f"县级指标{year or ''}", engine="openpyxl")
        return path
    return write_bytes(path, frame.to_csv(index=False).encode("utf-8-sig"))
