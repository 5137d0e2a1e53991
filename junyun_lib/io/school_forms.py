"""Per-school workbooks (学校基层统计报表：一所学校一个工作簿，每张基层表一个工作表) → the importer's stage files.

Besides the county "wide" export (one workbook per stage, one row per school), the statistics system hands out
each school's own report: one workbook per school, one sheet per form, named by the form's number —
``教基1001``, ``教基1102续``, ``教基2106`` … ``教基5176`` from 2021, ``基础基111`` … ``基础基522`` in 2020 — with or
without the prefix (``1001``) or with the school type after an underscore (``教基3112_九年一贯制学校``), often
with a ``封面`` (cover) and a ``目录`` (contents) sheet.  ``junyun import`` accepts such workbooks, or a folder
holding them, beside or instead of the wide export (decision 145).

**Items are found by the labels printed on the form, never by cell address.**  The mapping file's table
``[school_forms]`` (``rules/imports/stats-2021.toml``, ``stats-2020.toml``) says for every item which form, which
row labels (甲 column, from the group down) and which column labels (from the top header down) it comes from,
and cites the public source that confirms it (the cell lexcel reads) or says it is inferred.  The value is the
cell where row and column cross:

* labels are compared after normalisation (:func:`label_key`): full-width forms read as half-width, white space
  dropped ("总  计" = "总计"), dashes unified, list and subset prefixes dropped ("一、", "（一）", "1.", "其中：",
  "#"), unit brackets dropped ("占地面积（平方米）" = "占地面积"; the unit is kept and checked);
* a column path matches a label cell whose ancestors above it (merged cells spanning its columns) carry the
  earlier labels in order; a label that matches twice is an error naming both cells (unless the item says
  ``first = true``: 基础基111 prints 学校（机构）举办者 again in its 附设班 block);
* a row path is read top-down, as the form is: each label is the first row so labelled below the previous one
  (the first below the column label), so ``["初中", "本科"]`` is the 本科 row of the 初中 group of 教基4156;
  an empty row path is the cell right under the column label (基础基111's label-above-value blocks);
* everything that is not a label of the item is ignored: cover and contents sheets, title and unit rows, the
  row-1 / column-A letter and number headings of the 2020 export, the numbering row 甲 乙 1 2 …, 编号 columns,
  rows and columns of other items in between.

A workbook is told from a wide export by its sheet names (:func:`workbook_kind`).  A school's stages come from
its 办学类型 (教基1001 / 基础基111, ``[school_forms.type_stages]``) and from the forms it has: a stage its type
does not have is read when the stage's student form is there with pupils (附设班).  Each stage becomes one
:class:`FormStageFile` — the shape of :class:`junyun_lib.io.importer.StageFile` — with one row, so the rest of
the import (identity codes, formulas, the 高中 join, the supplementary table, campuses, the report) is the one
the wide export goes through.  Its ``columns`` entries carry where each value was read (``教基3112 › 行「总计」 ›
列「在校生数」（I6）`` and the cell ``教基3112!I6``), which the import report lists.

Every problem is located — the school's workbook, the form's sheet, the Excel row, the labels as printed and
the value — in Chinese with an English gloss: a form sheet the school needs and does not have, a label not
found (one error naming the form, the row and the column labels searched), a value that is not a number, a
unit other than the mapping's, a school type that is not imported.  Numbers are read by
:func:`junyun_lib.io.cells.parse_number`; a blank cell and the form's ``*`` (不填报) are 0.

The workbooks are read by a small reader of their own (the zip's XML: sheet names, the needed sheets' cells and
merged ranges), not by openpyxl (33 ms a workbook with its full reader, 6 ms so), and from
:data:`PARALLEL_WORKBOOKS` on in two processes: a county's 300 workbooks in 1–2 s on 2 cores (decision 145).
"""
from __future__ import annotations

import ast
import functools
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree

from ..problems import Problem, ValidationError
from ..rules import rule_files
from ..synthetic import SYNTHETIC_MARK
from . import cells
from .textfile import read_bytes, read_text

SEP = " › "
STAGES = ("primary", "junior", "senior")
STAGE_ZH = {"primary": "小学", "junior": "初中", "senior": "高中"}
#: the prefixes of the two form series (2021 起 教基NNNN, 2020 基础基NNN)
PREFIXES = ("教基", "基础基")
#: below this many workbooks one process reads them all; from it on, two (starting processes costs more)
PARALLEL_WORKBOOKS = 48
#: the form's mark for a cell not to be filled (不填报): read as 0, like a blank statistics cell
NOT_FILLED = "*"


# ------------------------------------------------------------------------------------------------- labels
_DASHES = re.compile("[—–~〜～‐‑‒―]")
_PREFIX = re.compile(r"^(?:#+|其中:?|[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\)|\d{1,2}[、.](?!\d)|\(\d{1,2}\))")
#: the same unit words the importer knows; a mapping adds its own ([headers] units)
UNIT_WORDS = ("平方米", "万平方米", "m2", "m²", "㎡", "万元", "千元", "亿元", "元", "人", "人次", "个", "间", "册", "台",
              "所", "班", "学时", "小时", "Mbps")
_SAME_UNIT = {"m2": "平方米", "m²": "平方米", "㎡": "平方米"}
#: units of one kind and their size in the kind's base unit, as the importer converts a header's unit: a value
#: the form states in 元 where the mapping reads 万元 is divided by 10 000 before the formula's × 10 000
UNIT_SIZES = ({"元": 1, "千元": 1000, "万元": 10000, "亿元": 100000000}, {"平方米": 1, "万平方米": 10000})


def unit_scale(printed: str, wanted: str) -> tuple[int, int] | None:
    """``(multiply, divide)`` from the unit the form states to the mapping's; (1, 1) when equal or either is
    unstated; None when they are of different kinds.

    >>> unit_scale("元", "万元"), unit_scale("m2", "平方米"), unit_scale("人", "万元")
    ((1, 10000), (1, 1), None)
    """
    printed, wanted = _SAME_UNIT.get(printed, printed), _SAME_UNIT.get(wanted, wanted)
    if not printed or not wanted or printed == wanted:
        return (1, 1)
    for sizes in UNIT_SIZES:
        if printed in sizes and wanted in sizes:
            a, b = sizes[printed], sizes[wanted]
            return (a // b, 1) if a >= b else (1, b // a)
    return None


def _clean(text) -> str:
    """A cell's text as printed, on one line (Excel's ``_x000D_`` and line breaks read as spaces)."""
    return " ".join(str(text).replace("_x000D_", " ").split())


def _unit_pattern(units) -> re.Pattern:
    words = "|".join(re.escape(u) for u in sorted(set(units), key=len, reverse=True))
    return re.compile(rf"\((?:单位:)?({words})\)")


_UNITS = _unit_pattern(UNIT_WORDS)


@functools.lru_cache(maxsize=1 << 16)
def label_key(text, units: re.Pattern = _UNITS) -> str:
    """A printed label as compared (标签文字的规范化): half-width, no white space, one dash, no list or subset
    prefix, no unit bracket, no trailing colon.

    Examples
    --------
    >>> [label_key(t) for t in ("总  计", "其中：女", "#随迁子女", "一、教学及辅助用房", "（一）体育馆", "占地面积（平方米）")]
    ['总计', '女', '随迁子女', '教学及辅助用房', '体育馆', '占地面积']
    >>> [label_key(t) for t in ("县级及以上骨干教师（小学）", "26—30人", "园    长", "其中", "学校（机构）名称（章）")]
    ['县级及以上骨干教师(小学)', '26-30人', '园长', '', '学校(机构)名称(章)']
    """
    text = "".join(unicodedata.normalize("NFKC", str(text).replace("_x000D_", "")).split())
    text = _DASHES.sub("-", text)
    previous = None
    while previous != text:
        previous = text
        text = _PREFIX.sub("", text)
    return units.sub("", text).rstrip(":")


def bracket_unit(text, units: re.Pattern = _UNITS) -> str:
    """The unit a label states in brackets ("教学仪器设备资产值（万元）" → "万元"), or ""."""
    found = units.findall("".join(unicodedata.normalize("NFKC", str(text)).split()))
    return _SAME_UNIT.get(found[-1], found[-1]) if found else ""


# ---------------------------------------------------------------------------------------- form sheet names
_SHEET = re.compile(r"^(教基|基础基)?(\d{3,4})(续(?:表)?(\d*))?(?:[_\-]([^\d].*))?$")


def form_code(sheet_name: str) -> tuple[str, str, str] | None:
    """``(prefix, form, school type)`` of a form sheet's name, or None for any other sheet.

    "续表" and "续" are the same continuation sheet (教基1102续); "续表1" is another (基础基112续表1, 数据核查).

    Examples
    --------
    >>> form_code("教基1102续"), form_code("教基3112_九年一贯制学校"), form_code("1001"), form_code("基础基112续表1")
    (('教基', '1102续', ''), ('教基', '3112', '九年一贯制学校'), ('', '1001', ''), ('基础基', '112续1', ''))
    >>> form_code("目录"), form_code("封面"), form_code("Sheet1")
    (None, None, None)
    """
    name = "".join(unicodedata.normalize("NFKC", str(sheet_name)).split())
    m = _SHEET.match(name)
    if m is None:
        return None
    prefix, digits, more, number, kind = m.groups()
    return prefix or "", digits + (f"续{number}" if more else ""), kind or ""


def workbook_kind(sheet_names) -> str:
    """"school" for a per-school workbook (a sheet per form), "wide" for anything else (a county export).

    A workbook is per-school when a sheet is named with a form prefix (教基…, 基础基…) or two sheets are named
    by bare form numbers; a county export's one sheet (小学基层数据, Sheet1, even "2023") is never taken for one.

    >>> workbook_kind(["封面", "目录", "基础基111", "基础基112"]), workbook_kind(["1001", "3112"]), workbook_kind(["2023"])
    ('school', 'school', 'wide')
    """
    codes = [form_code(n) for n in sheet_names]
    prefixed = any(c and c[0] for c in codes)
    return "school" if prefixed or sum(1 for c in codes if c) >= 2 else "wide"


# ------------------------------------------------------------------------------------------ the xlsx reader
_REF = re.compile(r"([A-Z]+)(\d+)")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letter(n: int) -> str:
    """1 → A, 28 → AB."""
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


@functools.lru_cache(maxsize=1 << 16)
def _ref(text: str) -> tuple[int, int]:
    """"AB12" → (12, 28); cached: the same few hundred addresses recur in every workbook of a county."""
    m = _REF.match(text)
    return int(m.group(2)), _column_number(m.group(1))


class Unreadable(Exception):
    """The file is not an .xlsx workbook this reader can open."""


class Workbook:
    """What this module needs of an .xlsx (工作簿): its sheet names, and on demand one sheet's cells and merged
    ranges.  A reader of its own — the zip's XML parts with the standard library — because a county's few
    hundred workbooks are read many times faster so than by openpyxl, and only the sheets needed are parsed."""

    def __init__(self, data: bytes, units: re.Pattern = _UNITS):
        self.units = units
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            self.sheets = self._sheet_parts()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ElementTree.ParseError, ValueError,
                OSError, EOFError, RuntimeError) as exc:   # not a zip, truncated, encrypted, a damaged part
            raise Unreadable(f"{type(exc).__name__}: {exc}") from None
        self._strings: list[str] | None = None
        self._parsed: dict[str, Sheet] = {}

    def _xml(self, member: str):
        return ElementTree.fromstring(self._zip.read(member))

    @staticmethod
    def _target(base: str, target: str) -> str:
        if target.startswith("/"):
            return target[1:]
        parts = base.split("/")[:-1] + target.split("/")
        out: list[str] = []
        for p in parts:
            if p == "..":
                if out:
                    out.pop()
            elif p not in ("", "."):
                out.append(p)
        return "/".join(out)

    def _rels(self, part: str) -> dict:
        folder, _, name = part.rpartition("/")
        rels = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
        if rels not in self._zip.namelist():
            return {}
        return {r.get("Id"): (r.get("Type", ""), self._target(part, r.get("Target", "")))
                for r in self._xml(rels) if _local(r.tag) == "Relationship"}

    def _sheet_parts(self) -> dict:
        package = {}
        for r in self._xml("_rels/.rels"):
            if _local(r.tag) == "Relationship":
                package[r.get("Type", "").rpartition("/")[2]] = self._target("", r.get("Target", ""))
        self._book = package.get("officeDocument", "xl/workbook.xml")
        rels = self._rels(self._book)
        self._shared = next((t for kind, t in rels.values() if kind.endswith("/sharedStrings")), None)
        sheets = {}
        for el in self._xml(self._book).iter():
            if _local(el.tag) == "sheet":
                rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
                if rid in rels:
                    sheets[el.get("name", "")] = rels[rid][1]
        return sheets

    def _shared_strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            if self._shared and self._shared in self._zip.namelist():
                for si in self._xml(self._shared):
                    texts = []
                    for part in si:                   # <t>, or rich-text runs <r><t>; never the phonetic <rPh>
                        kind = _local(part.tag)
                        if kind == "t":
                            texts.append(part.text or "")
                        elif kind == "r":
                            texts += [t.text or "" for t in part if _local(t.tag) == "t"]
                    self._strings.append("".join(texts))
        return self._strings

    def sheet(self, name: str) -> "Sheet":
        """One sheet's cells and merged ranges (parsed once)."""
        if name not in self._parsed:
            try:
                self._parsed[name] = self._parse(name, self._xml(self.sheets[name]))
            except (KeyError, ElementTree.ParseError, ValueError, zipfile.BadZipFile, OSError, EOFError) as exc:
                raise Unreadable(f"{type(exc).__name__}: {exc}") from None
        return self._parsed[name]

    def _parse(self, name: str, root) -> "Sheet":
        ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        tags = {"v": ns + "v", "f": ns + "f", "is": ns + "is", "t": ns + "t"}
        values, merges = {}, []
        data = root.find(ns + "sheetData")
        r = 0
        for row in (data if data is not None else ()):
            r = int(row.get("r") or r + 1)
            c = 0
            for cell in row:
                ref = cell.get("r")
                r_, c = _ref(ref) if ref else (r, c + 1)
                value = self._value(cell, tags)
                if value is not None:
                    values[(r_, c)] = value
        for m in root.iter(ns + "mergeCell"):
            a, _, b = (m.get("ref") or "").partition(":")
            if a:
                (r1, c1), (r2, c2) = _ref(a), _ref(b or a)
                merges.append((r1, c1, r2, c2))
        return Sheet(name, values, merges, self.units)

    def _value(self, cell, tags: dict):
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find(tags["is"])
            return "".join(t.text or "" for t in inline.iter(tags["t"])) if inline is not None else None
        v = cell.findtext(tags["v"])
        if v is None:
            # a formula never calculated: never a blank
            return cells.FORMULA if cell.find(tags["f"]) is not None else None
        if kind == "s":
            return self._shared_strings()[int(v)]
        if kind in ("str", "e", "d"):
            return v                                     # a text result, an error value (#N/A), a date
        if kind == "b":
            return v.strip() == "1"
        return int(v) if _INTEGER.fullmatch(v) else float(v)


_INTEGER = re.compile(r"-?\d{1,15}")


@dataclass
class Sheet:
    """A parsed sheet: ``values`` by (row, column), merged ranges, and an index of its labels."""

    name: str
    values: dict
    merges: list
    units: re.Pattern = _UNITS

    def __post_init__(self):
        self.box: dict = {}          # top-left (row, column) of a merged range → (r1, c1, r2, c2)
        self.owner: dict = {}        # every cell of a merged range → its top-left
        for r1, c1, r2, c2 in self.merges:
            self.box[(r1, c1)] = (r1, c1, r2, c2)
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    self.owner[(r, c)] = (r1, c1)
        self.max_column = max((c for _, c in self.values), default=0)
        self.labels: dict = {}
        for (r, c), v in self.values.items():
            if isinstance(v, str):
                key = label_key(v, self.units)
                if key and not key.isdigit():
                    self.labels.setdefault(key, []).append((r, c))
        for cells_ in self.labels.values():
            cells_.sort()
        self._texts = None

    def text_cells(self) -> list:
        """Every text cell with its :meth:`span`, bottom row last first (for the labels above a cell)."""
        if self._texts is None:
            self._texts = sorted(((cell, self.span(cell)) for cell, v in self.values.items() if isinstance(v, str)),
                                 reverse=True)
        return self._texts

    def extent(self, cell) -> tuple[int, int, int, int]:
        """The cell's range: its merged range, or the cell alone."""
        return self.box.get(cell, (cell[0], cell[1], cell[0], cell[1]))

    def span(self, cell) -> tuple[int, int, int, int]:
        """As :meth:`extent`, but a label that is not merged also spans the empty cells to its right (a form
        re-typed without merging its group headers)."""
        if cell in self.box:
            return self.box[cell]
        r, c = cell
        end = c
        while end < self.max_column and (r, end + 1) not in self.values and (r, end + 1) not in self.owner:
            end += 1
        return r, c, r, end

    def value(self, r: int, c: int):
        return self.values.get(self.owner.get((r, c), (r, c)))

    def printed(self, cell) -> str:
        return _clean(self.values.get(cell, ""))


# ------------------------------------------------------------------------------------------ the mapping table
@dataclass(frozen=True)
class FormItem:
    """One item of ``[school_forms]`` (表内项目): its form, row labels and column labels (alternatives each),
    and where it is confirmed.  It has what the importer's report reads of a mapping entry (``source``,
    ``unit``, ``optional``, ``shown``, ``paths``)."""

    name: str
    form: str
    rows: tuple                   # alternatives, each a tuple of labels from the group down (may be empty)
    columns: tuple                # alternatives, each a tuple of labels from the top header down
    source: str = ""
    unit: str = ""
    optional: bool = False
    first: bool = False

    @property
    def paths(self) -> tuple:
        return tuple((self.form, *r, *c) for r in self.rows for c in self.columns)

    @property
    def shown(self) -> str:
        rows = " 或 ".join(f"「{SEP.join(r)}」" for r in self.rows if r) or "（列标签正下方）"
        cols = " 或 ".join(f"「{SEP.join(c)}」" for c in self.columns)
        return f"行{rows}、列{cols}"


@dataclass(frozen=True)
class FormsSpec:
    """The ``[school_forms]`` table of a mapping, with what the import needs of the rest of the mapping."""

    file: str
    prefix: str
    identity_form: str
    titles: dict
    type_stages: dict             # label_key(办学类型 as printed or canonical) → stages
    identity: dict                # name → FormItem
    items: dict                   # name → FormItem (every stage)
    stage_items: dict             # stage → {name → FormItem}
    needed: dict                  # stage → variable names its formulas use
    codes: dict                   # the mapping's [codes.school_type]
    units: tuple = UNIT_WORDS
    stage_evidence: str = "students"

    def item(self, stage: str, name: str) -> FormItem | None:
        return self.stage_items.get(stage, {}).get(name) or self.items.get(name)

    def title(self, form: str) -> str:
        t = self.titles.get(form, "")
        return f"{self.prefix}{form}（{t}）" if t else f"{self.prefix}{form}"

    @functools.cached_property
    def unit_pattern(self) -> re.Pattern:
        return _unit_pattern(self.units)


ITEM_KEYS = ("form", "row", "rows", "column", "columns", "source", "unit", "optional", "first")


def _labels(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _item(name: str, value) -> FormItem | str:
    """A :class:`FormItem` from a mapping value, or why it is not one (Chinese)."""
    if not isinstance(value, dict):
        return "应为表，如 { form = \"3112\", row = [\"总计\"], column = [\"在校生数\"], source = \"…\" }"
    unknown = sorted(set(value) - set(ITEM_KEYS))
    if unknown:
        return f"未知的键：{'、'.join(unknown)}（可用 {', '.join(ITEM_KEYS)}）"
    if not isinstance(value.get("form"), str) or not value["form"].strip():
        return "缺少 form（表号，如 \"3112\"）"
    out = {}
    for one, many in (("row", "rows"), ("column", "columns")):
        if many in value:
            alts = value[many]
            if not isinstance(alts, list) or not alts or not all(_labels(a) for a in alts):
                return f"{many} 应为若干标签路径的列表，如 [[\"在校生数\", \"合计\"], [\"在校生数\"]]"
            out[one] = tuple(tuple(a) for a in alts)
        elif one in value and _labels(value[one]):
            out[one] = (tuple(value[one]),)
        elif one == "row" and "row" not in value:
            return "缺少 row（行标签路径，如 [\"总计\"]；列标签正下方的单元格写 row = []）"
        else:
            return f"缺少 {one}（{'列' if one == 'column' else '行'}标签路径，如 [\"在校生数\"]）"
    if any(not c for c in out["column"]):
        return "column 不能为空：值所在列的列标签（竖排项目表写“内容”等）"
    for key, kind in (("source", str), ("unit", str), ("optional", bool), ("first", bool)):
        if key in value and not isinstance(value[key], kind):
            return f"{key} 的类型不对（应为{'文字' if kind is str else 'true/false'}）"
    return FormItem(name, value["form"].strip(), out["row"], out["column"], value.get("source", ""),
                    value.get("unit", ""), bool(value.get("optional", False)), bool(value.get("first", False)))


def _formula_names(formula: str) -> set:
    return {n.id for n in ast.walk(ast.parse(formula, mode="eval")) if isinstance(n, ast.Name)}


def _mapping_text(mapping) -> tuple[str, str]:
    """The mapping's TOML text and where it is: its file, or the bundled file of the same name and version."""
    path = Path(str(getattr(mapping, "path", "")))
    if path.suffix.lower() == ".toml" and path.is_file():
        return read_text(path, "映射文件"), str(path)
    for name in rule_files.names("imports"):
        d = rule_files.toml(f"imports/{name}")
        if d.get("name") == mapping.name and d.get("version") == mapping.version:
            return rule_files.text(f"imports/{name}"), f"内置映射 {name[:-5]}"
    raise ValidationError([Problem("error", "unknown_mapping", "找不到映射文件的原文，无法读取 [school_forms]",
                                   "the mapping's file cannot be found to read [school_forms]", file=str(path))])


def _line(text: str, key: str) -> int | None:
    """The line where ``key =`` (or the table ``[school_forms…]``) is written, for a located mapping error."""
    m = re.search(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", text, re.MULTILINE) or \
        re.search(r"^\s*\[school_forms", text, re.MULTILINE)
    return text[:m.start()].count("\n") + 1 if m else None


def forms_spec(mapping) -> FormsSpec:
    """The ``[school_forms]`` table of ``mapping`` (an :class:`~junyun_lib.io.importer.Mapping`), checked: every
    item a form, row and column labels; an item for every variable a stage's formulas use.  Raises a located
    :class:`ValidationError`."""
    text, where = _mapping_text(mapping)
    return _spec(text, where, tuple(sorted((s, tuple(sorted(f.items()))) for s, f in mapping.section.items())),
                 tuple(sorted(mapping.facility.items())), tuple(mapping.facility_stages),
                 tuple(sorted(mapping.codes.get("school_type", {}).items())), tuple(mapping.units))


@functools.lru_cache(maxsize=16)
def _spec(text, where, section, facility, facility_stages, codes, units) -> FormsSpec:
    problems = []

    def bad(key, zh, en, value=""):
        problems.append(Problem("error", "bad_mapping", zh, en, file=where, row=_line(text, key.rpartition(".")[2]),
                                column=key, value=str(value)))

    d = rule_files.loads(text).get("school_forms")
    if not isinstance(d, dict):
        raise ValidationError([Problem("error", "missing_key", "映射文件没有 [school_forms] 表：无法读取每校一个工作簿的"
                                       "基层报表（请用内置的 stats-2021 / stats-2020，或照其补上此表）",
                                       "the mapping has no [school_forms] table, so per-school workbooks cannot be "
                                       "read", file=where, column="school_forms")])
    for key in ("prefix", "identity_form"):
        if not isinstance(d.get(key), str) or not d[key].strip():
            bad(f"school_forms.{key}", f"[school_forms] 缺少「{key}」（文字）", f"[school_forms] lacks {key!r}")
    type_stages = {}
    for kind, stages in (d.get("type_stages") or {}).items():
        if not isinstance(stages, list) or not all(s in STAGES for s in stages):
            bad(f"school_forms.type_stages.{kind}", f"学段应为 {'、'.join(STAGES)} 组成的列表",
                f"stages must be a list of {STAGES}", stages)
        else:
            type_stages[label_key(kind)] = tuple(stages)
    if not type_stages:
        bad("school_forms.type_stages", "[school_forms.type_stages] 缺少或为空：办学类型 → 学段",
            "[school_forms.type_stages] is missing or empty")
    tables = {"identity": {}, "items": {}}
    stage_items = {}
    for table in ("identity", "items", *STAGES):
        for name, value in (d.get(table) or {}).items():
            made = _item(name, value)
            if isinstance(made, str):
                bad(f"school_forms.{table}.{name}", made, "not a form item (form, row, column)", value)
            elif table in STAGES:
                stage_items.setdefault(table, {})[name] = made
            else:
                tables[table][name] = made
    for key in ("school_name", "school_id", "school_type", "sponsor"):
        if key not in tables["identity"]:
            bad(f"school_forms.identity.{key}", f"[school_forms.identity] 缺少「{key}」",
                f"[school_forms.identity] lacks {key!r}")
    if not any(k in tables["identity"] for k in ("urban_code", "urban_name")):
        bad("school_forms.identity", "[school_forms.identity] 缺少 urban_code 或 urban_name（城乡类型）",
            "[school_forms.identity] lacks urban_code or urban_name")
    needed = {}
    for stage, formulas in section:
        names = set()
        for _, formula in formulas:
            names |= _formula_names(formula)
        if stage in facility_stages:
            for _, formula in facility:
                names |= _formula_names(formula)
        needed[stage] = tuple(sorted(names))
        for name in sorted(names):
            if not (stage_items.get(stage, {}).get(name) or tables["items"].get(name)):
                bad(f"school_forms.{stage}", f"[school_forms] 没有「{name}」在{STAGE_ZH[stage]}学段的来源（表、行、列）",
                    f"[school_forms] gives no form, row and column for {name!r} in the {stage} stage", name)
    if problems:
        raise ValidationError(problems)
    titles = {str(k): str(v) for k, v in (d.get("titles") or {}).items()}
    return FormsSpec(where, d["prefix"].strip(), d["identity_form"].strip(), titles, type_stages,
                     tables["identity"], tables["items"], stage_items, needed, dict(codes), units,
                     str(d.get("stage_evidence", "students")))


# ------------------------------------------------------------------------------------------------ locating
@dataclass
class Found:
    """Where an item was read: the value cell, the label cells matched, the stated unit."""

    row: int
    column: int
    row_cells: list
    column_cells: list
    rows_used: tuple = ()
    columns_used: tuple = ()


@dataclass
class Miss:
    """Why an item was not found: which labels (``what``: "column", "row" or "ambiguous"), and candidates."""

    what: str
    rows: tuple = ()
    columns: tuple = ()
    level: int = 0
    candidates: list = field(default_factory=list)


def _column_chains(sheet: Sheet, keys: list) -> list:
    """Every label cell of ``keys[-1]`` whose ancestors above carry the earlier keys in order: [[a, …, x]]."""
    def ancestors(cell, wanted):
        if not wanted:
            return []
        r1, c1, _, c2 = sheet.extent(cell)
        for cand in reversed(sheet.labels.get(wanted[-1], ())):      # the nearest above first
            a1, ac1, a2, ac2 = sheet.span(cand)
            if a2 < r1 and ac1 <= c1 and c2 <= ac2:
                rest = ancestors(cand, wanted[:-1])
                if rest is not None:
                    return rest + [cand]
        return None

    out = []
    for cell in sheet.labels.get(keys[-1], ()):
        chain = ancestors(cell, keys[:-1])
        if chain is not None:
            out.append(chain + [cell])
    return out


def _row_chain(sheet: Sheet, keys: list, below: int, value_column: int):
    """The row labels of ``keys`` read top-down from under row ``below``, each left of ``value_column``:
    ``(cells, None)``, or ``(None, level not found)``."""
    chain, previous = [], None
    for level, key in enumerate(keys):
        best = None
        for cand in sheet.labels.get(key, ()):
            r1, c1, _, c2 = sheet.extent(cand)
            if c2 >= value_column:
                continue
            if previous is None:
                ok = r1 > below
            else:
                p1, _, _, pc2 = sheet.extent(previous)
                ok = r1 > p1 or (r1 == p1 and c1 > pc2)    # below the group, or beside its first row (其中 | 危房)
            if ok and (best is None or (r1, c1) < best):
                best = (r1, c1)
        if best is None:
            return None, level
        chain.append(best)
        previous = best
    return chain, None


def locate(sheet: Sheet, item: FormItem, units: re.Pattern = _UNITS) -> Found | Miss:
    """The cell of ``item`` in ``sheet`` by its labels (alternatives in order), or why not."""
    miss = None
    for columns in item.columns:
        chains = _column_chains(sheet, [label_key(t, units) for t in columns])
        if not chains:
            miss = miss or Miss("column", item.rows[0], columns)
            continue
        for rows in item.rows:
            keys = [label_key(t, units) for t in rows]
            hits = []
            for chain in chains:
                _, c1, r2, _ = sheet.extent(chain[-1])
                if keys:
                    row_cells, level = _row_chain(sheet, keys, r2, c1)
                    if row_cells is None:
                        if miss is None or miss.what == "column":
                            miss = Miss("row", rows, columns, level)
                        continue
                    value_row = row_cells[-1][0]
                else:
                    row_cells, value_row = [], r2 + 1
                hits.append(Found(value_row, c1, row_cells, chain, rows, columns))
            if len(hits) > 1 and item.first:
                hits = [min(hits, key=lambda h: h.column_cells[-1])]
            if len(hits) == 1:
                return hits[0]
            if hits:
                return Miss("ambiguous", rows, columns, candidates=hits)
    return miss or Miss("column", item.rows[0], item.columns[0])


def _sub_columns(sheet: Sheet, found: Found) -> list:
    """Labels printed under the matched column label, inside its columns and above the value: the label has
    sub-columns (在校生数 › 合计, #女 …) and the item must say which."""
    r1, c1, r2, c2 = sheet.extent(found.column_cells[-1])
    if c2 == c1:
        return []
    return sorted(cell for cell, v in sheet.values.items() if isinstance(v, str) and r2 < cell[0] < found.row
                  and c1 < cell[1] <= c2 and label_key(v, sheet.units))


def _unit_word(text, words: frozenset) -> str:
    text = "".join(unicodedata.normalize("NFKC", str(text)).split()).strip("()")
    text = _SAME_UNIT.get(text, text)
    return text if text in words else ""


def stated_unit(sheet: Sheet, found: Found, words: frozenset = frozenset(UNIT_WORDS)) -> str:
    """The unit the form states for a value, "" when it states none: a bracket in its row labels, in its
    column's header cells (the matched label and every label above spanning its column), the 单位 / 计量单位
    column on its row (a vertical item list), else the sheet's "单位：…" line above the header."""
    for cell in reversed(found.row_cells):
        unit = bracket_unit(sheet.values.get(cell, ""), sheet.units)
        if unit:
            return unit
    top = found.column_cells[-1]
    above = [cell for cell, (r1, c1, r2, c2) in sheet.text_cells() if cell[0] < top[0] and c1 <= found.column <= c2]
    for cell in [top, *above]:
        unit = bracket_unit(sheet.values[cell], sheet.units)
        if unit:
            return unit
    for key in ("计量单位", "单位"):
        for r, c in sheet.labels.get(key, ()):
            if r < found.row and (found.row, c) in sheet.values:
                unit = _unit_word(sheet.values[(found.row, c)], words)
                if unit:
                    return unit
    first = found.column_cells[0][0]
    for cell, _span in reversed(sheet.text_cells()):        # top down, above the header
        if cell[0] >= first:
            break
        m = _UNIT_LINE.search(unicodedata.normalize("NFKC", sheet.values[cell]))
        if m and _unit_word(m.group(1), words):
            return _unit_word(m.group(1), words)
    return ""


_UNIT_LINE = re.compile(r"单位[:：]\s*(\S+)")


# --------------------------------------------------------------------------------------------- stage files
class FormColumn(NamedTuple):
    """Where one item of a school's workbook was read, shaped as the importer's ``Column`` (匹配到的单元格)."""

    index: int               # 0-based column of the value cell
    header: str              # "教基3112 › 行「总计」 › 列「在校生数」（I6）": the labels as printed and the cell
    letter: str              # "教基3112!I6"
    entry: FormItem
    used: str                # the mapping's labels that matched (form › row labels › column labels)
    how: str = "按表号与行、列标签"
    unit: str = ""           # the unit the form states for it, "" when none
    scale: tuple = (1, 1)    # (multiply, divide): a value in the stated unit → the item's unit


@dataclass
class FormHeader:
    """Shaped as the importer's ``SheetHeader`` for a school's stage file: no header block; its one record sits
    at the stage's pupils (the 总计 row of 教基3112 / 3115 / 3118, 基础基312 / 313 / 314)."""

    top: int
    bottom: int
    first_data: int
    top_rows: list = field(default_factory=list)
    paths: list = field(default_factory=list)
    texts: list = field(default_factory=list)
    numbering_row: int | None = None
    unit: str = ""
    found: bool = True

    @property
    def title(self) -> str:
        return ""

    def shown(self) -> str:
        return f"每校一个工作簿：按表号与行、列标签读取（第{self.top}行为本学段在校生总计）"


@dataclass
class FormStageFile:
    """One stage of one school's workbook (一所学校的一个学段), shaped as the importer's ``StageFile``: one row,
    ``columns[name]`` a :class:`FormColumn`."""

    path: Path
    sheet: str
    title: str
    stage: str
    columns: dict
    rows: list
    summary: list = field(default_factory=list)
    header: FormHeader | None = None
    stage_basis: str = ""
    label: str = ""
    kind: str = "school_workbook"

    def __post_init__(self):
        self.label = self.label or self.path.name


def _shown(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None or value is cells.FORMULA else str(value)


class _School:
    """Reads one workbook: its form sheets and the items asked for; every problem located and added."""

    def __init__(self, path: Path, spec: FormsSpec, problems: list):
        self.path, self.spec, self.problems = path, spec, problems
        self.book: Workbook | None = None
        self.forms: dict = {}                   # form → sheet name
        self.synthetic = False
        self.missing_forms: set = set()

    def error(self, code, zh, en, **where):
        self.problems.append(Problem("error", code, zh, en, file=str(self.path), **where))

    def open(self) -> bool:
        try:
            self.book = Workbook(read_bytes(self.path, "工作簿"), self.spec.unit_pattern)
        except ValidationError as exc:
            self.problems.extend(exc.problems)
            return False
        except Unreadable as exc:
            self.error("unreadable", "无法作为 Excel 工作簿读取（文件不完整、已损坏，或不是 .xlsx 文件）：请从统计系统重新导出为 .xlsx",
                       f"cannot read the file as an Excel workbook ({exc}); export it again as .xlsx")
            return False
        by_form: dict = {}
        for name in self.book.sheets:
            code = form_code(name)
            if code and code[0] in ("", self.spec.prefix):
                by_form.setdefault(code[1], []).append(name)
        for form, names in by_form.items():
            if len(names) > 1:
                self.error("duplicate_form", f"同一张表 {self.spec.title(form)} 有 {len(names)} 个工作表：{'、'.join(names)}："
                           "请只保留一个", f"{len(names)} sheets hold the same form: {', '.join(names)}; keep one",
                           sheet=names[1], value="、".join(names))
            self.forms[form] = names[0]
        return True

    def sheet(self, form: str) -> Sheet | None:
        name = self.forms.get(form)
        if name is None:
            return None
        try:
            sheet = self.book.sheet(name)
        except Unreadable as exc:
            self.error("unreadable", "工作表无法读取（已损坏）", f"the sheet cannot be read ({exc})", sheet=name)
            self.forms.pop(form)
            return None
        if not self.synthetic:
            self.synthetic = any(isinstance(v, str) and SYNTHETIC_MARK in v for v in sheet.values.values())
        return sheet

    def missing_form(self, form: str, why_zh: str, why_en: str) -> None:
        """One error per missing form, naming the sheet it should be and the sheets the workbook has."""
        if form in self.missing_forms:
            return
        self.missing_forms.add(form)
        found = "、".join(self.book.sheets) or "无"
        self.error("missing_form", f"缺少表 {self.spec.title(form)}：{why_zh}（本工作簿的工作表：{found}）",
                   f"the form sheet {self.spec.prefix}{form} is missing: {why_en}", sheet=f"{self.spec.prefix}{form}",
                   value=found)

    def read(self, item: FormItem, *, text: bool = False, quiet: bool = False):
        """``(value, column entry, Found)`` of an item, or None: a problem is added (a label not found only
        when not ``quiet``).  ``text``: the cell as written (identity); else a number (blank and * are 0)."""
        sheet = self.sheet(item.form)
        if sheet is None:
            return None
        found = locate(sheet, item, self.spec.unit_pattern)
        if isinstance(found, Miss):
            if not quiet or found.what == "ambiguous":
                self._miss(sheet, item, found)
            return None
        subs = _sub_columns(sheet, found)
        if subs:
            label = sheet.printed(found.column_cells[-1])
            names = "、".join(sheet.printed(c) for c in subs[:6])
            self.error("ambiguous_label", f"列标签「{label}」下还有分列（{names}）：映射中须写明取哪一列（{item.name}）",
                       f"the column label {label!r} has sub-columns ({names}); the mapping must say which ({item.name})",
                       sheet=sheet.name, row=found.column_cells[-1][0], column=item.shown)
            return None
        rows = SEP.join(sheet.printed(c) for c in found.row_cells)
        cols = SEP.join(sheet.printed(c) for c in found.column_cells)
        cell = f"{column_letter(found.column)}{found.row}"
        where = f"{sheet.name}{SEP}行「{rows}」{SEP}列「{cols}」" if rows else f"{sheet.name}{SEP}列「{cols}」下方"
        unit = stated_unit(sheet, found, frozenset(self.spec.units) | frozenset(_SAME_UNIT.values()))
        scale = unit_scale(unit, item.unit)
        alternative = "" if (found.rows_used, found.columns_used) == (item.rows[0], item.columns[0]) else "（备选标签）"
        entry = FormColumn(found.column - 1, f"{where}（{cell}）", f"{sheet.name}!{cell}", item,
                           SEP.join((self.spec.prefix + item.form, *found.rows_used, *found.columns_used)),
                           f"按表号与行、列标签{alternative}", unit, scale or (1, 1))
        if scale is None:
            self.error("unit_mismatch", f"表上注明的单位是「{unit}」，映射按「{item.unit}」读取（{item.name}），两者不能换算："
                       "请核对本表，或修改映射中的 unit 与公式", f"the form states the unit {unit!r}, which cannot be "
                       f"converted to the mapping's {item.unit!r} ({item.name})", sheet=sheet.name, row=found.row,
                       column=entry.header, value=unit)
            return None
        raw = sheet.value(found.row, found.column)
        if raw is cells.FORMULA:
            reason = cells.UNCALCULATED
            self.error(reason.code, reason.zh, reason.en, sheet=sheet.name, row=found.row, column=entry.header)
            return None
        if text:
            return raw, entry, found
        if isinstance(raw, str) and raw.strip() == NOT_FILLED:
            raw = None                                   # the form's 不填报 mark: none of it here
        parsed = cells.parse_number(raw)
        if parsed.error is not None:
            reason = parsed.error
            zh, en = ("应为数字", "must be a number") if reason.code == "not_a_number" else \
                (f"应为数字：{reason.zh}", f"must be a number: {reason.en}")
            self.error(reason.code, zh, en, sheet=sheet.name, row=found.row, column=entry.header, value=_shown(raw))
            return None
        # a value with a warning (full-width digits) goes on as written, so the import warns quoting the cell
        return (raw if parsed.warning is not None else (parsed.value or 0.0)), entry, found

    def _miss(self, sheet: Sheet, item: FormItem, miss: Miss) -> None:
        form = self.spec.title(item.form)
        rows = " 或 ".join(f"「{SEP.join(r)}」" for r in item.rows if r) or "（列标签正下方）"
        cols = " 或 ".join(f"「{SEP.join(c)}」" for c in item.columns)
        shown = f"行{rows}{SEP}列{cols}"
        if miss.what == "ambiguous":
            cands = "；".join(f"{column_letter(h.column)}{h.row}（列标签在 {column_letter(h.column_cells[-1][1])}"
                             f"{h.column_cells[-1][0]}）" for h in miss.candidates)
            self.error("ambiguous_label", f"{form}中按标签找到多个单元格（{item.name}）：{cands}",
                       f"the labels of {item.name!r} match several cells in {form}: {cands}", sheet=sheet.name,
                       column=shown)
        elif miss.what == "column":
            self.error("label_not_found", f"{form}中找不到列标签「{SEP.join(miss.columns)}」（{item.name}：{shown}）",
                       f"column label {SEP.join(miss.columns)!r} not found in {form} ({item.name}: rows {rows}, "
                       f"columns {cols})", sheet=sheet.name, column=shown)
        else:
            self.error("label_not_found", f"{form}中列标签「{SEP.join(miss.columns)}」下方找不到行标签"
                       f"「{miss.rows[miss.level]}」（{item.name}：{shown}）", f"row label {miss.rows[miss.level]!r} "
                       f"not found under the column label {SEP.join(miss.columns)!r} in {form} ({item.name}: rows "
                       f"{rows}, columns {cols})", sheet=sheet.name, column=shown)


def _stages_of(spec: FormsSpec, type_text) -> tuple | None:
    """The stages a 办学类型 (name as printed, or code) is read for; None: not imported."""
    text = _shown(type_text).strip()
    key = label_key(text)
    if key in spec.type_stages:
        return spec.type_stages[key]
    canonical = spec.codes.get(text) or spec.codes.get(key)
    return spec.type_stages.get(label_key(canonical)) if canonical else None


def read_school_workbook(path, spec: FormsSpec, identity_only: bool = False) -> tuple[list, list]:
    """One school's workbook → ``(stage files, problems)``: a :class:`FormStageFile` per stage the school has,
    none when any problem was found in it."""
    path = Path(path)
    problems: list = []
    school = _School(path, spec, problems)
    if not school.open():
        return [], problems
    if school.sheet(spec.identity_form) is None:
        other = [n for n in school.book.sheets if (form_code(n) or ("",))[0] not in ("", spec.prefix)]
        hint = (f"；工作表名为「{other[0]}」等，似为另一种表式：2020年（基础基）用 --mapping stats-2020，2021年起（教基）"
                "用 stats-2021") if other else ""
        school.missing_form(spec.identity_form, f"学校名称、标识码、办学类型都在此表中{hint}",
                            "the school's name, id and type are on it" +
                            ("; the sheets look like the other form series (--mapping)" if other else ""))
        return [], problems
    identity, columns, where = {}, {}, {}
    for name, item in spec.identity.items():
        got = school.read(item, text=True, quiet=name in ("urban_code", "urban_name"))
        if got is not None:
            identity[name], columns[name], where[name] = got
    if not any(k in columns for k in ("urban_code", "urban_name")):
        for name in ("urban_code", "urban_name"):           # now say where each was looked for
            if name in spec.identity:
                school.read(spec.identity[name], text=True)
    sheet = school.forms.get(spec.identity_form, "")
    for key in ("school_name", "school_id", "school_type"):
        if key in columns and _shown(identity[key]).strip() == "":
            school.error("blank", "为空", "blank", sheet=sheet, row=where[key].row, column=columns[key].header)
    if problems:
        return [], problems
    stages = _stages_of(spec, identity["school_type"])
    kind = _shown(identity["school_type"]).strip()
    if stages is None:
        known = "、".join(k for k in spec.type_stages if not k.isdigit())
        school.error("type_not_imported", f"办学类型「{kind}」不在导入范围（{known}）：幼儿园、特殊教育、职业学校等的工作簿"
                     "不导入，请从导入的文件或文件夹中移出", "this school type is not imported (kindergartens, special "
                     "and vocational schools): leave the workbook out", sheet=sheet, row=where["school_type"].row,
                     column=columns["school_type"].header, value=kind)
        return [], problems
    stages = list(stages)
    for stage in ([] if identity_only else STAGES):          # a stage its type lacks, with pupils: 附设班
        evidence = spec.item(stage, spec.stage_evidence)
        if stage in stages or evidence is None or evidence.form not in school.forms:
            continue
        got = school.read(evidence)
        if got is not None and cells.parse_number(got[0]).value:
            stages.append(stage)
    stages.sort(key=STAGES.index)
    files = []
    for stage in stages:
        raw, stage_columns = {**identity, "_summary": []}, dict(columns)
        # the stage's record sits where its pupils are (教基3112 / 3115 / 3118 总计): the import's 学段表 then
        # counts each stage of a 一贯制 school once; before they are read, at the school's name
        anchor = (sheet, where["school_name"].row)
        for name in ([] if identity_only else spec.needed.get(stage, ())):
            item = spec.item(stage, name)
            if item.form not in school.forms:
                if not item.optional:
                    school.missing_form(item.form, f"{kind}有{STAGE_ZH[stage]}学段，其{item.name}取自此表",
                                        f"the school ({kind}) has a {stage} stage, whose {item.name} comes from it")
                continue
            got = school.read(item, quiet=item.optional)
            if got is not None:                 # not found: a problem was added, or an optional item reads 0
                raw[name], stage_columns[name], found = got
                if name == spec.stage_evidence:
                    anchor = (school.forms[item.form], found.row)
        title = f"{_shown(identity['school_name'])} 基层统计报表（{path.name}，{STAGE_ZH[stage]}）"
        basis = f"办学类型「{kind}」（{sheet}）" if stage in _stages_of(spec, identity["school_type"]) else \
            f"{spec.title(spec.item(stage, spec.stage_evidence).form)} 有在校生（附设班）"
        files.append(FormStageFile(path, anchor[0], title + (f" {SYNTHETIC_MARK}" if school.synthetic else ""), stage,
                                   stage_columns, [(anchor[1], raw)], [], FormHeader(*(anchor[1],) * 3), basis))
    return ([] if problems else files), problems


def _read_chunk(paths: list, spec: FormsSpec, identity_only: bool) -> list:
    return [read_school_workbook(p, spec, identity_only) for p in paths]


def read_school_workbooks(paths, spec: FormsSpec, identity_only: bool = False, workers: int | None = None) -> tuple:
    """Every workbook of ``paths`` → ``(stage files in path order, problems)``; two processes for many
    workbooks (:data:`PARALLEL_WORKBOOKS`) on a machine with two cores or more."""
    paths = list(paths)
    workers = workers or min(2, os.cpu_count() or 1)
    if workers > 1 and len(paths) >= PARALLEL_WORKBOOKS:
        results = _in_processes(paths, spec, identity_only, workers)
    else:
        results = _read_chunk(paths, spec, identity_only)
    files, problems = [], []
    for f, p in results:
        files += f
        problems += p
    return files, problems


def _in_processes(paths: list, spec: FormsSpec, identity_only: bool, workers: int) -> list:
    """The workbooks split into ``workers`` interleaved chunks, read in forked child processes (nothing imported
    again: on 2 cores 300 workbooks take about 60 % of the time of one process), results in path order.  Only
    where the platform forks and this process runs no other Python thread (forking a threaded process may
    deadlock a child); otherwise, and if processes cannot be started, one after the other."""
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return _read_chunk(paths, spec, identity_only)
    chunks = [paths[i::workers] for i in range(workers)]
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_read_chunk, chunks, [spec] * workers, [identity_only] * workers))
    except (OSError, RuntimeError):             # no processes here (a sandbox): one after the other
        return _read_chunk(paths, spec, identity_only)
    out = [None] * len(paths)
    for i, part in enumerate(parts):
        out[i::workers] = part
    return out


# ------------------------------------------------------------------------------------------ the exports named
def _expand(paths, problems: list, exclude=()) -> list[Path]:
    """Files as named; a folder → its .xlsx workbooks (sub-folders included, sorted; Excel's ``~$`` lock files
    and hidden files left out); ``exclude`` (the supplementary table) never counts as an export."""
    skip = {Path(p).resolve() for p in exclude if p is not None and isinstance(p, (str, os.PathLike))}
    out = []
    for p in paths:
        p = Path(p)
        if not p.is_dir():
            out.append(p)
            continue
        found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() == ".xlsx"
                       and not f.name.startswith(("~$", ".")) and f.resolve() not in skip
                       and not any(part.startswith(".") for part in f.relative_to(p).parts))
        if not found:
            problems.append(Problem("error", "empty_folder", "文件夹中没有 .xlsx 工作簿（每校一个工作簿的基层报表，或各学段导出表）",
                                    "the folder holds no .xlsx workbook", file=str(p)))
        out += found
    return out


def _sheet_names(path: Path) -> list | None:
    """The workbook's sheet names (its workbook part only, no sheet parsed); None when it cannot be opened."""
    try:
        return list(Workbook(path.read_bytes()).sheets)
    except (OSError, Unreadable):
        return None


def split_exports(paths, mapping, problems: list, *, identity_only: bool = False, supplement=None) -> tuple:
    """The exports named — files or folders — as ``(county export files, stage files of per-school
    workbooks)``: the first are read by the importer as before; the second come from :func:`read_school_workbook`
    (problems are added to ``problems``).  A workbook is per-school by its sheet names (:func:`workbook_kind`);
    an unreadable one is left to the importer, which says so."""
    wide, schools = [], []
    for p in _expand(paths, problems, exclude=(supplement,)):
        names = _sheet_names(p)
        (schools if names is not None and workbook_kind(names) == "school" else wide).append(p)
    if not schools:
        return wide, []
    try:
        spec = forms_spec(mapping)
    except ValidationError as exc:
        problems.extend(exc.problems)
        return wide, []
    files, found = read_school_workbooks(schools, spec, identity_only)
    problems.extend(found)
    return wide, files
