"""Import from the education-statistics exports (教育事业统计导出表) into the canonical school table.

A county's "wide" export is one workbook per stage (小学, 初中, 高中), or one workbook with a sheet per stage, one
row per school or independent campus, under multi-row merged headers.  Columns are found by **header path** (the header texts of a column from the top
header row down, merged cells repeated over the columns they span) through a mapping file — data, versioned by
form year (``junyun_lib/rules/imports/stats-2021.toml`` for the 教基NNNN forms, ``stats-2020.toml`` for
基础基xxx) and editable; each entry cites the form and the row or column it comes from (``source``).

**Every sheet, its header block found** (:func:`find_header`).  Every sheet of every workbook is read.  Above
the header block may stand 0–3 title, unit and note rows (a row holding one text, plus texts such as
"单位：人"); the block is the rows from there down to the first row that holds a number (a school's id, a count,
a 合计 row's sums), extended down to the bottom of every merged cell that starts in it (merged cells are read
across and down; at most 6 rows); a
numbering row (栏号 "甲 乙 1 2 3 …") right below it is skipped.  The block must hold the school's name and id
columns (the mapping's ``identity``): otherwise one error names the rows read as title and header and what
they held.  A sheet without those columns that is empty, holds no number or is named 说明, 目录, 封面 … is
skipped and listed in the report; one that looks like stage data (numbers, and a stage in its name or title, or
the workbook's only sheet) is that error.  Each data sheet is a stage file: its stage is told by the sheet
name, else its title rows, else the form codes of its header (``[stage_forms]``: 教基3112 → 小学), else the file
name; naming no stage, or two sources naming different stages, is a located error.

**Header texts as printed** (:func:`match_level`).  Before matching, every header text and every mapping text is
normalised (:func:`normalise_header`): full-width forms read as half-width (（）：＃ → ():#), white space and
line breaks dropped, dashes unified, list and subset prefixes dropped ("一、", "（一）", "1.", "其中：", "#"),
unit brackets dropped ("（平方米）", "(万元)"; the unit is kept, see below).  A mapping path matches a column
when its texts match levels of the column's path in that order (other levels may sit between).  A text
matches a level that equals it, that equals one of its ``[synonyms]`` ("班额" ↔ "按班额分"), that holds it as
a form code (教基1102 in "教基1102续 学校（机构）基本情况续表"), or — for variables, not identity columns — that
ends in it after a qualifier that is not a negation ("初中专任教师" ⊃ 专任教师, "中小学占地面积及其他办学条件"
⊃ 占地面积及其他办学条件, never "非专任教师"; texts of one character match only exactly).  Exact, synonym and
form-code matches rank above such containment: the one column matched exactly is used even when others
contain the text; two candidates of the best rank are an error listing them.  An entry may list alternatives
(``paths``: 机构编码 or 学校标识码): the first that matches exactly is used, else the first that matches by
containment.  No match (for an entry that is not ``optional``) is an error naming the path and the file.

**Units.**  A unit printed in the header ("(元)", "（万元）"), else in a unit row above the block ("单位：元") when
it is of the same kind as the entry's ``unit``, is used as printed: a value in 元 read for an entry in 万元 is
divided by 10 000 before the mapping's formula multiplies it back (元, 千元, 万元, 亿元; 平方米, 万平方米).  A
unit of another kind is an error.  After the import, an equipment value per pupil off by 10⁴ from the
plausible range (``equipment_per_student_min_yuan`` of ``rules/data_checks.toml`` and 10⁴ times it) is a
located warning naming the likely unit.

Then, in this order (every step listed in the import report):

1. summary rows (合计、总计、小计 in the name, the id or a ``summary_columns`` column) are dropped and listed;
2. rows 是否上年撤销 = 是 / 1 are dropped and listed (flags read as 1/0, 1.0/0.0, 是/否; a numeric 0 is a no,
   never a blank);
3. section quantities (students, classes, class-size bands, teachers…) come from each stage file for its own
   stage; derived quantities use the mapping's formulas (教学及辅助用房 − 室内体育用房, 运动场地面积 + 室内体育用房,
   万元 × 10000, degree sums, 体育与健康 + 艺术小计); whole-school quantities from the 小学 and 初中 files only;
4. every sheet's schools and pupils are counted and checked against its 合计 row (the largest summary row; a
   difference is an error there), and the stages are checked complete: only a 高中 file, an empty 小学 or 初中
   file or sheet, a stage missing that a 一贯制 school or a 完全中学 read needs are errors; a stage missing that
   no school needs is a warning (:func:`_sheet_totals`, :func:`_stage_checks`; the report's 学段表);
5. the 高中 file (教基3118 / 基础基314) gives ``students_senior`` to the schools of the compulsory files; a
   完全中学 or 十二年一贯制学校 without a row there is an error naming it; schools found only there (高级中学)
   are not imported and are listed;
6. the supplementary table (``--supplement``, :mod:`junyun_lib.io.supplement`) gives what no form has — music
   and art rooms and their smallest areas, 建成年份 where the export lacks it — joined by school id; an id the
   exports do not have is an error at its row;
7. each independent campus is its own unit (有关指标说明（一）"以独立校区为统计单位"); only with
   ``merge_campuses`` are campuses flagged 是否计校数 = 否 / 0 merged into their parent school — from
   ``campus_map`` (campus id → parent id) or the school whose name is the campus name without a trailing
   "（…校区）" (the words are the mapping's ``[campuses] name_suffixes``): counts, bands and areas summed, the
   larger largest class, the smaller smallest room; the choice is recorded in the report;
8. a school found in several stage files (一贯制) is one row: each stage from its file, whole-school quantities
   taken once (from the first file; a different value in another file is a warning);
9. an equipment value per pupil off by 10⁴ is a warning naming the likely unit (:func:`_unit_plausibility`).

Numbers are read by :func:`junyun_lib.io.cells.parse_number` (``#N/A``, ``3000,5``, ``inf``, a formula never
calculated are errors), except that a blank statistics cell is 0 — the export's convention.  A missing,
truncated or non-.xlsx export, a broken mapping file and a bad campus map are located errors.  Nothing is
written when any problem is found; raw exports are only read.  Text from the exports never becomes a
formula in the workbooks written (:func:`junyun_lib.io.workbook.protect_formulas`).
"""
from __future__ import annotations

import ast
import functools
import io
import math
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..problems import Problem, ValidationError
from ..rules import rule_files, schema
from ..synthetic import SYNTHETIC_MARK
from . import cells, years
from .atomic import atomic_path
from .textfile import csv_rows, read_bytes, read_text
from .workbook import protect_formulas

SEP = " › "
STAGE_ORDER = ("primary", "junior", "senior")
STAGE_ZH = {"primary": "小学", "junior": "初中", "senior": "高中"}
IDENTITY_REQUIRED = ("school_name", "school_id", "school_type", "sponsor")
FLAGS = ("counted", "closed", "new")
#: unit words a bracket may hold after a header text ("占地面积（平方米）"); a mapping may add more
UNIT_WORDS = ("平方米", "万平方米", "m2", "m²", "㎡", "万元", "千元", "亿元", "元", "人", "人次", "个", "间", "册", "台", "所",
              "班", "学时", "小时", "Mbps")
#: units of one kind and their size in the kind's base unit: a unit printed in the header converts to the entry's
UNIT_FAMILIES = ({"元": 1, "千元": 1000, "万元": 10000, "亿元": 100000000},
                 {"平方米": 1, "m2": 1, "m²": 1, "㎡": 1, "万平方米": 10000})
SUMMARY_WORDS = ("合计", "总计", "小计")
#: a qualifier ending in one of these negates the text it stands before ("非专任教师" is not 专任教师)
NEGATIONS = ("非", "不", "无", "未", "除", "其他", "其它", "另", "减")
#: sheets with these words in their name hold no stage data when no school header is found in them
NOT_DATA_SHEETS = ("说明", "目录", "封面", "指标解释", "注释", "附注", "备注", "填表", "填报", "封底")
MAX_TOP_ROWS = 3          # title, subtitle, unit rows above the header block
MAX_HEADER_ROWS = 6


# ------------------------------------------------------------------------------------------ header texts
_DASHES = re.compile("[—–~〜～‐‑‒―]")
_PREFIX = re.compile(r"^(?:#+|其中:?|[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\)|\d{1,2}[、.](?!\d)|\(\d{1,2}\))")


def _nfkc(text) -> str:
    text = "" if text is None else str(text)
    return unicodedata.normalize("NFKC", text.replace("_x000D_", ""))


def _unit_pattern(units) -> re.Pattern:
    words = "|".join(re.escape(u) for u in sorted(set(units), key=len, reverse=True))
    return re.compile(rf"\((?:单位:)?({words})\)")


_UNITS = _unit_pattern(UNIT_WORDS)


def normalise_header(text, units: re.Pattern = _UNITS) -> str:
    """A header text as compared (表头文字的规范化): half-width, no white space, one dash, no list or subset prefix,
    no unit bracket.

    Examples
    --------
    >>> [normalise_header(t) for t in ("一、教学及辅助用房", "其中：随迁子女", "#随迁子女", "县级以上骨干教师（小学）")]
    ['教学及辅助用房', '随迁子女', '随迁子女', '县级以上骨干教师(小学)']
    >>> [normalise_header(t) for t in ("占地面积（平方米）", "在 校 生\\n数", "46—50人", "其中", "（一）体育馆")]
    ['占地面积', '在校生数', '46-50人', '', '体育馆']
    """
    text = "".join(_nfkc(text).split())
    text = _DASHES.sub("-", text)
    previous = None
    while previous != text:
        previous = text
        text = _PREFIX.sub("", text)
    return units.sub("", text)


def header_unit(texts, units: re.Pattern = _UNITS) -> str:
    """The unit a header path states in brackets (the lowest level that states one), or ""."""
    for text in reversed(list(texts)):
        found = units.findall("".join(_nfkc(text).split()))
        if found:
            return found[-1]
    return ""


def unit_scale(printed: str, wanted: str) -> tuple[int, int] | None:
    """``(multiply, divide)`` that turns a value in the ``printed`` unit into the ``wanted`` one (单位换算), (1, 1)
    when they are equal or either is unstated, None when they are of different kinds.

    >>> unit_scale("元", "万元"), unit_scale("万元", "元"), unit_scale("万元", "万元"), unit_scale("人", "万元")
    ((1, 10000), (10000, 1), (1, 1), None)
    """
    if not printed or not wanted or printed == wanted:
        return (1, 1)
    for family in UNIT_FAMILIES:
        if printed in family and wanted in family:
            a, b = family[printed], family[wanted]
            return (a // b, 1) if a >= b else (1, b // a)
    return None


def _family(unit: str) -> int | None:
    return next((i for i, f in enumerate(UNIT_FAMILIES) if unit in f), None)


_FORM_CODE = re.compile(r"[(\[]?(教基|基础基)(\d{3,4})(续表?\d*)?[)\]]?")
_SEPARATORS = ":-、,;/| "


@dataclass(frozen=True)
class Level:
    """One header text as compared (表头层级): normalised, its form codes (表号) and the text without them."""

    text: str
    rest: str
    codes: tuple = ()       # ((教基1102, 续), …)


@functools.lru_cache(maxsize=20000)
def header_level(text, units: re.Pattern = _UNITS) -> Level:
    """A printed header text split into form code and title (表号与表名).

    >>> header_level("教基1102续 学校（机构）基本情况续表")
    Level(text='教基1102续学校(机构)基本情况续表', rest='学校(机构)基本情况续表', codes=(('教基1102', '续'),))
    >>> header_level("#按班额分").text, header_level("教基5176").rest
    ('按班额分', '')
    """
    normal = normalise_header(text, units)
    codes = tuple((m.group(1) + m.group(2), m.group(3) or "") for m in _FORM_CODE.finditer(normal))
    rest = _FORM_CODE.sub("", normal).strip(_SEPARATORS) if codes else normal
    return Level(normal, rest, codes)


def match_level(wanted: Level, printed: Level, synonyms: dict, contain: bool = True) -> tuple[int, str]:
    """How a mapping text matches one printed header level (表头层级的匹配): ``(2, note)`` equal, one of its
    synonyms, or its form code; ``(1, note)`` contained as a whole word-run; ``(0, "")`` no match.  ``note``
    says how when it was not plain equality (for the report's 列映射).

    A form code (教基1102) matches a level printing that code, alone or before its title, with or without
    "续"/"续表" (教基1102续 is the 1102 form's continuation); a numbered 续表1 is another form.  Containment
    (``contain``): the printed text, form code taken out, *ends* in the mapping text (or a synonym of it) after a
    qualifier — Chinese puts qualifiers before the noun they narrow ("初中专任教师", "进城务工人员随迁子女",
    "中小学占地面积及其他办学条件") — unless the qualifier ends in a negation (非、不、无、未、除、其他、另、减:
    "非专任教师"); a text of one character ("计") is never matched by containment ("合计", "小计" hold it).

    >>> syn = {"班额": frozenset({"按班额分"})}
    >>> [match_level(header_level(w), header_level(p), syn)[0] for w, p in [("专任教师", "初中专任教师"),
    ...  ("专任教师", "非专任教师"), ("班额", "#按班额分"), ("教基1102", "教基1102续 学校（机构）基本情况续表"),
    ...  ("计", "合计"), ("高中阶段", "高中阶段以下"), ("随迁子女", "其中：随迁子女")]]
    [1, 0, 2, 2, 0, 0, 2]
    """
    if wanted.codes:
        base, suffix = wanted.codes[0]
        if not any(b == base and (s == suffix or (not suffix and s in ("续", "续表"))) for b, s in printed.codes):
            return 0, ""
        if not wanted.rest:
            return 2, "" if printed.text == wanted.text else f"{wanted.text}→{printed.text}（表号）"
        grade, _ = match_level(Level(wanted.rest, wanted.rest), Level(printed.rest, printed.rest), synonyms, contain)
        return grade, "" if printed.text == wanted.text else f"{wanted.text}→{printed.text}（表号）"
    word = wanted.text
    if printed.text == word:
        return 2, ""
    if printed.rest == word:
        return 2, f"{word}→{printed.text}（表号与表名）"
    others = synonyms.get(word, frozenset())
    if printed.text in others or printed.rest in others:
        return 2, f"{word}≈{printed.text}（同义词）"
    if contain and len(word) >= 2:
        for w in (word, *sorted(others)):
            text = printed.rest
            if len(text) > len(w) and text.endswith(w) and not text[:-len(w)].endswith(NEGATIONS):
                return 1, f"{word}⊂{printed.text}（包含）"
    return 0, ""


def match_path(wanted: tuple, printed: tuple, synonyms: dict, contain: bool = True) -> tuple[int, tuple]:
    """The best match of a mapping path (:class:`Level` s) as an ordered subsequence of a column's header levels:
    ``(grade, notes)``, the grade of its weakest level (2 exact, 1 containment, 0 none)."""
    def best(i: int, j: int) -> tuple[int, tuple]:
        if i == len(wanted):
            return 2, ()
        found = (0, ())
        for k in range(j, len(printed) - (len(wanted) - i) + 1):
            grade, note = match_level(wanted[i], printed[k], synonyms, contain)
            if grade > found[0]:
                rest, notes = best(i + 1, k + 1)
                if min(grade, rest) > found[0]:
                    found = (min(grade, rest), ((note,) if note else ()) + notes)
                    if found[0] == 2:
                        break
        return found
    return best(0, 0)


# ---------------------------------------------------------------------------------------------- mapping
@dataclass(frozen=True)
class Entry:
    """One mapping entry (映射项): alternative header paths, the form and row/column it comes from."""

    name: str
    paths: tuple                  # alternatives, each a tuple of header texts
    source: str = ""
    optional: bool = False
    unit: str = ""

    @property
    def shown(self) -> str:
        return " 或 ".join(SEP.join(p) for p in self.paths)


@dataclass(frozen=True)
class Mapping:
    """A mapping file (导入映射): header paths, formulas, code lists."""

    name: str
    version: str
    path: str
    stages: dict
    identity: dict                # name -> Entry
    variables: dict               # name -> Entry
    stage_variables: dict         # stage -> {name -> Entry}: paths that differ in one stage's file
    section: dict
    facility: dict
    codes: dict
    flags: dict
    campus_suffixes: tuple = ()
    facility_stages: tuple = ("primary", "junior")
    senior_types: tuple = ("完全中学", "十二年一贯制学校")
    summary_words: tuple = SUMMARY_WORDS
    summary_columns: tuple = ()   # Entry: other columns where a summary row says 合计
    units: tuple = UNIT_WORDS
    synonyms: dict = field(default_factory=dict)      # normalised text → the texts it may be printed as
    stage_forms: dict = field(default_factory=dict)   # stage → form codes that only its file holds

    @property
    def campus_pattern(self) -> re.Pattern:
        """A trailing （…校区） etc., from the mapping's ``[campuses] name_suffixes``."""
        words = "|".join(re.escape(w) for w in self.campus_suffixes) or "(?!)"
        return re.compile(rf"[（(][^（）()]*({words})[）)]$")

    @functools.cached_property
    def unit_pattern(self) -> re.Pattern:
        return _unit_pattern(self.units)

    def entry(self, stage: str, name: str) -> Entry:
        return self.stage_variables.get(stage, {}).get(name) or self.identity.get(name) or self.variables[name]

    def known(self) -> set:
        names = set(self.identity) | set(self.variables)
        for extra in self.stage_variables.values():
            names |= set(extra)
        return names


MAPPING_TABLES = ("stages", "identity", "variables", "section", "facility", "codes", "flags")
MAPPING_KEYS = ("name", "version", *MAPPING_TABLES)


def load_mapping(name_or_path="stats-2021") -> Mapping:
    """A bundled mapping by name (``stats-2021``, ``stats-2020``) or a mapping file of your own (a path).

    A file of your own is checked: TOML syntax (located by line), every required key (``name``, ``version``,
    ``stages``, ``identity``, ``variables``, ``section``, ``facility``, ``codes``, ``flags``) present and of
    the right kind, every entry a path (or a table with ``path`` / ``paths``), every formula valid and naming
    only variables of the file.  Raises :class:`ValidationError`.
    """
    path = Path(str(name_or_path))
    if path.suffix.lower() == ".toml":
        text, where = read_text(path, "映射文件"), str(path)
    else:
        name = f"imports/{name_or_path}.toml"
        if not rule_files.exists(name):
            raise ValidationError([Problem("error", "unknown_mapping", f"找不到映射文件「{name_or_path}」，内置的有 "
                                           f"{', '.join(bundled_mappings())}",
                                           f"no mapping {name_or_path!r}; bundled: {bundled_mappings()}")])
        text, where = rule_files.text(name), f"内置映射 {name_or_path}"
    try:
        d = rule_files.loads(text)
    except rule_files.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise ValidationError([Problem("error", "toml_syntax", f"映射文件格式错误（TOML）：{exc}", f"not valid TOML: {exc}",
                                       file=where, row=int(line.group(1)) if line else None)]) from None
    entries = _check_mapping(d, text, where)
    headers = d.get("headers", {}) if isinstance(d.get("headers"), dict) else {}
    return Mapping(
        d["name"], d["version"], where, d["stages"], entries["identity"], entries["variables"],
        entries["stage_variables"], d["section"], d["facility"], d["codes"], d["flags"],
        tuple(d.get("campuses", {}).get("name_suffixes", ())),
        tuple(d.get("facility_stages", ("primary", "junior"))),
        tuple(d.get("senior", {}).get("types", ("完全中学", "十二年一贯制学校"))),
        tuple(headers.get("summary_words", SUMMARY_WORDS)), tuple(entries["summary_columns"]),
        tuple(UNIT_WORDS) + tuple(headers.get("units", ())), entries["synonyms"], entries["stage_forms"])


def _line_of(text: str, key: str) -> int | None:
    """The line where a dotted key (``facility.sports_area_m2``) is written in a TOML text: its own
    ``name =`` line after its table's header, else the table's header (None when neither is found).

    Examples
    --------
    >>> _line_of('name = "m"\\n[facility]\\nx = "a"\\ny = "b"\\n', "facility.y"), _line_of("[stages]\\n", "stages")
    (4, 1)
    """
    parts = key.split(".")
    table = re.compile(rf"^\s*\[\s*{re.escape(parts[0])}\s*[\].]|^\s*{re.escape(parts[0])}\s*=", re.MULTILINE)
    match = table.search(text)
    if match is None:
        return None
    start = match.start()
    if len(parts) > 1:
        own = re.compile(rf"^\s*[\"']?{re.escape(parts[-1])}[\"']?\s*=", re.MULTILINE).search(text, match.end())
        if own is not None:
            start = own.start()
    return text[:start].count("\n") + 1


def _texts(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v.strip() for v in value)


def _entry(name: str, value) -> Entry | str:
    """An :class:`Entry` from a mapping value, or why it is not one (Chinese)."""
    if _texts(value):
        return Entry(name, (tuple(value),))
    if not isinstance(value, dict):
        return "应为由文字组成的列表，如 [\"在校生数\", \"合计\"]，或含 path / paths 的表"
    if "paths" in value:
        paths = value["paths"]
        if not isinstance(paths, list) or not paths or not all(_texts(p) for p in paths):
            return "paths 应为若干表头路径的列表，如 [[\"机构编码\"], [\"学校标识码\"]]"
        paths = tuple(tuple(p) for p in paths)
    elif _texts(value.get("path")):
        paths = (tuple(value["path"]),)
    else:
        return "缺少 path（表头路径，如 [\"在校生数\", \"合计\"]）或 paths（可选的几种路径）"
    for key, kind in (("source", str), ("unit", str), ("optional", bool)):
        if key in value and not isinstance(value[key], kind):
            return f"{key} 的类型不对（应为{'文字' if kind is str else 'true/false'}）"
    unknown = set(value) - {"path", "paths", "source", "unit", "optional"}
    if unknown:
        return f"未知的键：{'、'.join(sorted(unknown))}（可用 path、paths、source、unit、optional）"
    return Entry(name, paths, value.get("source", ""), bool(value.get("optional", False)), value.get("unit", ""))


def _check_mapping(d: dict, text: str, file: str) -> dict:
    """Every problem of a parsed mapping, located by key (and line where the key is written); the entries."""
    problems = []

    def bad(key, zh, en, value="", code="bad_mapping"):
        problems.append(Problem("error", code, zh, en, file=file, row=_line_of(text, key), column=key,
                                value=str(value)))

    for key in MAPPING_KEYS:
        if key not in d:
            problems.append(Problem("error", "missing_key", f"映射文件缺少「{key}」（{'表 [' + key + ']' if key in MAPPING_TABLES else '文字'}）",
                                    f"the mapping lacks {key!r} ({'a table' if key in MAPPING_TABLES else 'text'})",
                                    file=file, column=key))
        elif key in MAPPING_TABLES and not isinstance(d[key], dict):
            bad(key, f"「{key}」应为表（[{key}]）", f"{key} must be a table", d[key])
        elif key not in MAPPING_TABLES and not isinstance(d[key], str):
            bad(key, f"「{key}」应为文字", f"{key} must be text", d[key])
    if problems:
        raise ValidationError(problems)
    entries = {"identity": {}, "variables": {}, "stage_variables": {}, "summary_columns": [], "synonyms": {},
               "stage_forms": {}}
    for stage, words in d["stages"].items():
        if not _texts(words):
            bad(f"stages.{stage}", "应为由文字组成的列表，如 [\"小学\"]", 'must be a list of texts, e.g. ["小学"]', words)
        elif stage not in STAGE_ORDER:
            bad(f"stages.{stage}", f"学段应为 {'、'.join(STAGE_ORDER)} 之一", f"a stage must be one of {STAGE_ORDER}",
                stage)
    tables = [("identity", d["identity"], entries["identity"]), ("variables", d["variables"], entries["variables"])]
    stage_variables = d.get("stage_variables", {})
    if not isinstance(stage_variables, dict):
        bad("stage_variables", "「stage_variables」应为表", "stage_variables must be a table", stage_variables)
        stage_variables = {}
    for stage, table in stage_variables.items():
        if not isinstance(table, dict):
            bad(f"stage_variables.{stage}", f"[stage_variables.{stage}] 应为表", "must be a table", table)
            continue
        tables.append((f"stage_variables.{stage}", table, entries["stage_variables"].setdefault(stage, {})))
    for prefix, table, into in tables:
        for key, value in table.items():
            made = _entry(key, value)
            if isinstance(made, str):
                bad(f"{prefix}.{key}", made, "not a header path entry (a list of texts, or a table with path/paths)",
                    value)
            else:
                into[key] = made
    headers = d.get("headers", {})
    for i, value in enumerate(headers.get("summary_columns", []) if isinstance(headers, dict) else []):
        made = _entry(f"summary_columns[{i}]", value)
        if isinstance(made, str):
            bad("headers.summary_columns", made, "not a header path", value)
        else:
            entries["summary_columns"].append(Entry(made.name, made.paths, made.source, True, made.unit))
    synonyms = d.get("synonyms", {})
    if not isinstance(synonyms, dict):
        bad("synonyms", "「synonyms」应为表（[synonyms]，如 \"班额\" = [\"按班额分\"]）",
            'synonyms must be a table, e.g. "班额" = ["按班额分"]', synonyms)
        synonyms = {}
    for key, value in synonyms.items():
        if not _texts(value) or not normalise_header(key):
            bad(f"synonyms.{key}", "应为由文字组成的列表，如 [\"按班额分\"]", 'must be a list of texts, e.g. ["按班额分"]',
                value)
            continue
        # one group per key, both ways: a mapping may write either text, the header print the other
        group = {normalise_header(key)} | {normalise_header(v) for v in value} - {""}
        for word in group:
            entries["synonyms"][word] = entries["synonyms"].get(word, frozenset()) | frozenset(group - {word})
    stage_forms = d.get("stage_forms", {})
    if not isinstance(stage_forms, dict):
        bad("stage_forms", "「stage_forms」应为表（[stage_forms]，如 primary = [\"教基3112\"]）",
            'stage_forms must be a table, e.g. primary = ["教基3112"]', stage_forms)
        stage_forms = {}
    for stage, codes in stage_forms.items():
        if stage not in STAGE_ORDER:
            bad(f"stage_forms.{stage}", f"学段应为 {'、'.join(STAGE_ORDER)} 之一", f"a stage must be one of {STAGE_ORDER}",
                stage)
        elif not _texts(codes) or not all(_FORM_CODE.fullmatch(normalise_header(c)) for c in codes):
            bad(f"stage_forms.{stage}", "应为表号列表，如 [\"教基3112\", \"教基2106\"]",
                'must be a list of form codes, e.g. ["教基3112", "教基2106"]', codes)
        else:
            entries["stage_forms"][stage] = tuple(normalise_header(c) for c in codes)
    for key in ("school_name", "school_id", "school_type"):
        if key not in d["identity"]:
            bad(f"identity.{key}", f"[identity] 缺少「{key}」", f"[identity] lacks {key!r}", code="missing_key")
    if not any(k in d["identity"] for k in ("urban_code", "urban_name")):
        bad("identity", "[identity] 缺少城乡分类的来源：urban_code（城乡类型编码）或 urban_name（城乡类型）",
            "[identity] lacks urban_code or urban_name", code="missing_key")
    for key in ("school_type", "ownership", "urban_rural"):
        if not isinstance(d["codes"].get(key), dict):
            bad(f"codes.{key}", f"缺少代码表 [codes.{key}]", f"the code table [codes.{key}] is missing or not a table",
                code="missing_key")
    for key in ("yes", "no"):
        if not isinstance(d["flags"].get(key), list):
            bad(f"flags.{key}", f"[flags] 缺少列表「{key}」", f"[flags] lacks the list {key!r}", code="missing_key")
    known = set(d["identity"]) | set(d["variables"]) | {k for t in stage_variables.values() if isinstance(t, dict)
                                                       for k in t}
    formulas = [(f"section.{stage}.{col}", f) for stage, cols in d["section"].items()
                for col, f in (cols.items() if isinstance(cols, dict) else [])]
    formulas += [(f"facility.{col}", f) for col, f in d["facility"].items()]
    fields = {c.field for c in schema.columns()}
    for stage, cols in d["section"].items():
        if not isinstance(cols, dict):
            bad(f"section.{stage}", f"[section.{stage}] 应为表", f"[section.{stage}] must be a table", cols)
            continue
        for col in cols:
            if col not in fields:
                bad(f"section.{stage}.{col}", f"「{col}」不是标准学校数据表的列", f"{col!r} is not a column of the school "
                    "table", col)
    for col in d["facility"]:
        if col not in fields:
            bad(f"facility.{col}", f"「{col}」不是标准学校数据表的列", f"{col!r} is not a column of the school table", col)
    for key, formula in formulas:
        try:
            names = formula_names(formula) if isinstance(formula, str) else None
        except (SyntaxError, ValueError) as exc:
            bad(key, f"公式无效：{exc}", f"invalid formula: {exc}", formula)
            continue
        if names is None:
            bad(key, "公式应为文字，如 \"pe + art\"", 'a formula must be text, e.g. "pe + art"', formula)
            continue
        unknown = [n for n in names if n not in known]
        if unknown:
            bad(key, f"公式中的变量未在 [variables] 中定义：{'、'.join(unknown)}",
                f"the formula uses variables not defined in [variables]: {', '.join(unknown)}", formula)
    if problems:
        raise ValidationError(problems)
    return entries


def bundled_mappings() -> list[str]:
    return [name[:-5] for name in rule_files.names("imports")]


# ------------------------------------------------------------------------------------------- formulas
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


@functools.lru_cache(maxsize=None)
def _compile(formula: str):
    tree = ast.parse(formula, mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.Name, ast.Load, ast.Constant,
                                 *_OPS)):
            raise ValueError(f"公式只允许 + − × ÷、变量名和数字 (only + - * /, names, numbers): {formula}")
    return tree


def evaluate_formula(formula: str, variables: dict) -> float:
    """A mapping formula such as ``teaching_aux_total - indoor_sports`` on one school's variables."""
    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.BinOp):
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp):
            return -ev(node.operand)
        if isinstance(node, ast.Name):
            return variables[node.id]
        return float(node.value)
    return float(ev(_compile(formula)))


def formula_names(formula: str) -> list[str]:
    return [n.id for n in ast.walk(_compile(formula)) if isinstance(n, ast.Name)]


# ----------------------------------------------------------------------------------------- reading files
class Column(NamedTuple):
    """A mapping entry's column in a stage file (匹配到的列)."""

    index: int               # 0-based
    header: str              # the column's header path as printed, levels joined by " › "
    letter: str
    entry: Entry
    used: str                # the mapping path (alternative) that matched
    how: str = "完全相同"     # how it matched: 完全相同, or the synonym / form code / containment notes
    unit: str = ""           # the unit printed for it (header, else the unit row), "" when none
    scale: tuple = (1, 1)    # (multiply, divide): a value in the printed unit → the entry's unit


@dataclass
class SheetHeader:
    """Where a sheet's header block is (表头区域), as :func:`find_header` found it; rows as Excel numbers them."""

    top_rows: list           # [(row, [texts])]: title, unit and note rows above the block
    top: int                 # first and last row of the header block
    bottom: int
    first_data: int          # the first row below the block (a numbering row skipped)
    paths: list              # every column's header path (texts as printed, top to bottom)
    texts: list              # [(row, [texts])]: what the block's rows hold, for messages
    numbering_row: int | None = None
    unit: str = ""           # a unit row's unit ("单位：元" → 元), "" when none
    found: bool = False      # the school's name and id columns were found in the block

    @property
    def title(self) -> str:
        return " ".join(t for _, texts in self.top_rows for t in texts)

    def shown(self) -> str:
        """The rows read as title and header and what they held (for the error that no header was found)."""
        def row(r, texts, kind):
            held = "、".join(f"「{t}」" for t in texts[:8]) + (f" 等 {len(texts)} 项" if len(texts) > 8 else "")
            return f"第{r}行（{kind}）{held or '空'}"
        return "；".join([row(r, t, "标题") for r, t in self.top_rows] + [row(r, t, "表头") for r, t in self.texts])


@dataclass
class StageFile:
    """One stage file or sheet of an export, its columns matched (一个学段的导出表或工作表)."""

    path: Path
    sheet: str
    title: str
    stage: str
    columns: dict            # name → Column
    rows: list               # (excel row, {name: raw cell value})
    summary: list = field(default_factory=list)    # column indexes where a summary row may say 合计
    header: SheetHeader | None = None
    stage_basis: str = ""    # how the stage was told (工作表名「小学」, 标题, 表号 教基3112, 文件名)
    label: str = ""          # the file name, and the sheet when the workbook holds several data sheets

    def __post_init__(self):
        self.label = self.label or self.path.name


_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_META = re.compile(r"^(?:计量单位|单位|填报单位|统计年度|年度|统计时点|制表|制表人|制表机关|填表人|报送日期|日期|表号|批准机关|"
                   r"批准文号|有效期至|数据来源)[:：]")
_UNIT_ROW = re.compile(r"单位[:：]\s*([^\s,，;；]+)")
_SCAN_ROWS = MAX_TOP_ROWS + MAX_HEADER_ROWS + 12     # leading blank rows, a numbering row, some slack


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_number(value) -> bool:
    """A cell holding a number: a number, or text that is one ("9", "1124.5", "1,234") — never a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True
    return isinstance(value, str) and bool(_NUMBER_TEXT.fullmatch(_nfkc(value).strip().replace(",", "")))


def _numbering_row(values) -> bool:
    """A numbering row (栏号): "甲 乙 1 2 3 …" — its numbers run 1 apart from left to right, its texts are short."""
    numbers, texts = [], []
    for v in values:
        if _blank(v):
            continue
        if _is_number(v):
            numbers.append(float(_nfkc(v).strip().replace(",", "")) if isinstance(v, str) else float(v))
        else:
            texts.append(str(v).strip())
    return len(numbers) >= 3 and all(b - a == 1 for a, b in zip(numbers, numbers[1:])) and \
        all(len(t) <= 4 for t in texts)


def _top_grid(ws, rows: int):
    """The first ``rows`` rows as written and with merged cells filled, and each merged cell's extent."""
    width = ws.max_column or 0
    rows = min(rows, ws.max_row or 0)
    raw = [list(r) + [None] * (width - len(r))
           for r in ws.iter_rows(min_row=1, max_row=rows, max_col=width, values_only=True)] if rows and width else []
    filled = [r[:] for r in raw]
    spans = []
    for rng in ws.merged_cells.ranges:
        if rng.min_row > rows or rng.min_col > width:
            continue
        spans.append((rng.min_row - 1, rng.min_col - 1, rng.max_row - 1, min(rng.max_col, width) - 1))
        value = raw[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row - 1, min(rng.max_row, rows)):
            for c in range(rng.min_col - 1, min(rng.max_col, width)):
                filled[r][c] = value
    return raw, filled, spans


def _texts_of(values) -> list[str]:
    """The distinct texts of a row, in order (a merged cell's text once)."""
    out = []
    for v in values:
        t = "" if _blank(v) else " ".join(str(v).split())
        if t and t not in out:
            out.append(t)
    return out


def _identity_words(mapping: Mapping) -> set:
    return {header_level(t, mapping.unit_pattern).text for e in mapping.identity.values() for p in e.paths for t in p}


def _title_like(raw_row, filled_row, spans, r: int, identity: set, units) -> bool:
    """A title, unit or note row above the header block: one text at most, besides notes such as "单位：人" and
    at most two numbers (a year, a date), in a single cell or merged across half the width or more — and no
    identity header."""
    if sum(1 for v in raw_row if _is_number(v)) > 2:
        return False
    texts = []
    for v in filled_row:
        if _blank(v) or _is_number(v):
            continue
        t = str(v).strip()
        if header_level(t, units).text in identity:
            return False
        if not _META.match("".join(_nfkc(t).split())) and t not in texts:
            texts.append(t)
    if len(texts) > 1:
        return False
    if not texts:
        return True
    cells = [c for c, v in enumerate(filled_row) if not _blank(v) and str(v).strip() == texts[0]]
    if len(cells) == 1:
        return True
    width = sum(1 for v in filled_row if not _blank(v)) or 1
    wide = max((c1 - c0 + 1 for r0, c0, r1, c1 in spans if r0 <= r <= r1 and c0 in cells), default=1)
    return wide * 2 >= max(width, len(filled_row) // 2 or 1)


def find_header(ws, mapping: Mapping) -> SheetHeader:
    """The header block of a sheet (表头区域), found from the sheet rather than assumed.

    From the top: blank rows are passed over, then up to ``MAX_TOP_ROWS`` title, unit and note rows
    (:func:`_title_like`); the block starts at the next row and runs down over rows that hold no number, and over
    the full height of every merged cell that starts in it, to at most ``MAX_HEADER_ROWS`` rows; a numbering row
    (栏号) right below it is skipped.  The first row below is the first data row: the first that holds a number —
    a school's id, a count, or a 合计 row's sums.  ``found`` is set when the block holds the mapping's school name
    and school id columns (each matched exactly once); when it does not, the next rows are tried as the block's
    top (a title printed over two cells, a fourth note row), and the first reading is kept for the message.
    """
    raw, filled, spans = _top_grid(ws, _SCAN_ROWS)
    units, identity = mapping.unit_pattern, _identity_words(mapping)
    n = len(raw)

    def data_like(i):
        return any(_is_number(v) for v in raw[i]) or _numbering_row(raw[i])

    def block(top):
        bottom = top
        while True:
            before = bottom
            for r0, _, r1, _ in spans:               # a merged cell starting in the block spans the block
                if top <= r0 <= bottom < r1:
                    bottom = min(r1, top + MAX_HEADER_ROWS - 1, n - 1)
            while bottom + 1 < n and bottom + 1 - top < MAX_HEADER_ROWS and \
                    not all(_blank(v) for v in raw[bottom + 1]) and not data_like(bottom + 1):
                bottom += 1
            if bottom == before:
                return bottom

    def reading(top_rows, top):
        bottom = block(top)
        numbering = bottom + 1 if bottom + 1 < n and _numbering_row(raw[bottom + 1]) else None
        paths = []
        for c in range(len(filled[0]) if filled else 0):
            texts = []
            for r in range(top, bottom + 1):
                v = filled[r][c]
                t = "" if _blank(v) else str(v).strip()
                if t and (not texts or texts[-1] != t):
                    texts.append(t)
            paths.append(tuple(texts))
        unit = ""
        for i in top_rows:
            for t in _texts_of(raw[i]):
                m = _UNIT_ROW.search(_nfkc(t))
                if m and m.group(1) in mapping.units:
                    unit = m.group(1)
        header = SheetHeader([(i + 1, _texts_of(filled[i])) for i in top_rows], top + 1, bottom + 1,
                             (numbering if numbering is not None else bottom) + 2, paths,
                             [(r + 1, _texts_of(filled[r])) for r in range(top, bottom + 1)],
                             numbering + 1 if numbering is not None else None, unit)
        levels = [tuple(header_level(t, units) for t in p) for p in paths]
        header.found = all(_unique_exact(mapping.identity[k], levels, mapping) for k in ("school_id", "school_name")
                           if k in mapping.identity)
        return header

    top_rows, i = [], 0
    while i < n and (all(_blank(v) for v in raw[i]) or
                     (len(top_rows) < MAX_TOP_ROWS and _title_like(raw[i], filled[i], spans, i, identity, units))):
        if not all(_blank(v) for v in raw[i]):
            top_rows.append(i)
        i += 1
    if i >= n:
        return SheetHeader([(r + 1, _texts_of(filled[r])) for r in top_rows], i + 1, i + 1, i + 2, [], [])
    first = reading(top_rows, i)
    if first.found:
        return first
    # another top: the rows the first reading took as title or header, one by one (never a data row)
    nonblank = [r for r in range(n) if not all(_blank(v) for v in raw[r])]
    for top in nonblank[:MAX_TOP_ROWS + 2]:
        if top == i or data_like(top):
            continue
        other = reading([r for r in nonblank if r < top], top)
        if other.found:
            return other
    return first


def _unique_exact(entry: Entry, levels: list, mapping: Mapping) -> bool:
    hits, _ = _find(entry, levels, mapping, contain=False)
    return len(hits) == 1


def _find(entry: Entry, levels: list, mapping: Mapping, contain: bool = True) -> tuple[list, int]:
    """The columns an entry matches, ``[(index, grade, notes)]`` of its alternative that matches best, and which
    alternative (-1: none).  The first alternative with an exact match wins (机构编码 before 学校标识码); failing
    that, the first with a containment match; of its candidates only the exact ones are kept when there are any
    (2 exact, 1 contained: :func:`match_path`)."""
    fallback = None
    for i, alternative in enumerate(entry.paths):
        wanted = tuple(w for w in (header_level(t, mapping.unit_pattern) for t in alternative) if w.text)
        if not wanted:
            continue
        hits = []
        for c, printed in enumerate(levels):
            grade, notes = match_path(wanted, printed, mapping.synonyms, contain)
            if grade:
                hits.append((c, grade, notes))
        exact = [h for h in hits if h[1] == 2]
        if exact:
            return exact, i
        if hits and fallback is None:
            fallback = (hits, i)
    return fallback or ([], -1)


def _stages_named(text: str, mapping: Mapping) -> set:
    """The stages a name or title names by the mapping's ``[stages]`` words ("中小学" names none alone)."""
    text = "".join(_nfkc(text).split()).replace("中小学", "")
    return {s for s in STAGE_ORDER if any(w in text for w in mapping.stages.get(s, ()))}


def _tell_stage(path: Path, sheet: str, header: SheetHeader, mapping: Mapping) -> tuple[str | None, str, list]:
    """The stage of a data sheet: ``(stage, basis, conflicts)``.  Sources in order: the sheet name, the title rows,
    the form codes of the header (``[stage_forms]``), the file name; each counts when it names exactly one stage.
    ``conflicts`` lists the sources (other than the file name) naming a stage other than the one taken."""
    codes = {b for p in header.paths for t in p for b, _ in header_level(t, mapping.unit_pattern).codes}
    by_codes = {s for s, forms in mapping.stage_forms.items() if codes & set(forms)}
    sources = [(f"工作表名「{sheet}」", _stages_named(sheet, mapping)),
               (f"标题「{header.title}」", _stages_named(header.title, mapping)),
               (f"表头中的表号 {'、'.join(sorted(codes & {c for f in mapping.stage_forms.values() for c in f}))}",
                by_codes),
               (f"文件名「{path.name}」", _stages_named(path.stem, mapping))]
    decisive = [(basis, next(iter(named))) for basis, named in sources if len(named) == 1]
    if not decisive:
        return None, "", []
    basis, stage = decisive[0]
    conflicts = [f"{b}：{STAGE_ZH[s]}" for b, s in decisive[1:] if s != stage and not b.startswith("文件名")]
    return stage, basis, conflicts


def _not_data(ws, header: SheetHeader, mapping: Mapping, only: bool) -> str:
    """Why a sheet without a school header is not stage data (跳过的原因), or "" when it looks like stage data:
    numbers, and its name or title names a stage, or it is the workbook's only sheet."""
    if ws.max_row <= 1 and ws.max_column <= 1 and _blank(ws.cell(1, 1).value):
        return "空工作表"
    if getattr(ws, "sheet_state", "visible") != "visible":
        return "隐藏的工作表，没有学校名称、学校标识码表头"
    word = next((w for w in NOT_DATA_SHEETS if w in ws.title), "")
    if word:
        return f"工作表名含「{word}」，没有学校名称、学校标识码表头"
    if not any(_is_number(v) for row in ws.iter_rows(max_row=min(ws.max_row, 500), values_only=True) for v in row):
        return "没有数字，也没有学校名称、学校标识码表头"
    if only or _stages_named(ws.title, mapping) or _stages_named(header.title, mapping):
        return ""
    return "没有学校名称、学校标识码表头，工作表名和标题也不是学段"


def _no_header(header: SheetHeader, mapping: Mapping, where: dict) -> Problem:
    names = " 或 ".join(e.shown for k, e in mapping.identity.items() if k in ("school_name", "school_id"))
    read = header.shown() or "（工作表的前几行都是空的）"
    return Problem("error", "no_header", f"找不到表头：读作标题和表头的行中没有学校名称、学校标识码所在的列（映射文件：{names}）。"
                   f"读到的是：{read}。请核对导出表的表头行，或在映射文件中写上这两列的表头文字",
                   f"no header found: the rows read as title and header hold no school name and school id column "
                   f"({names}); they held: {read}", row=header.top, value=read[:500], **where)


def read_export(path, mapping: Mapping, problems: list[Problem], identity_only: bool = False) -> tuple[list, list]:
    """Every data sheet of one export workbook as a :class:`StageFile` (一个导出工作簿的各学段工作表), and the
    sheets skipped as not stage data (``[{文件, 工作表, 原因}]``); problems are added to ``problems``."""
    path = Path(path)
    try:
        book, formulas = _open_export(path)
    except ValidationError as exc:
        problems.extend(exc.problems)
        return [], []
    found, skipped, before = [], [], len(problems)
    sheets = list(book.worksheets)
    for ws in sheets:
        where = {"file": str(path), "sheet": ws.title}
        header = find_header(ws, mapping)
        if not header.found:
            reason = _not_data(ws, header, mapping, len(sheets) == 1)
            if reason:
                skipped.append({"文件": path.name, "工作表": ws.title, "原因": reason})
            else:
                problems.append(_no_header(header, mapping, where))
            continue
        stage, basis, conflicts = _tell_stage(path, ws.title, header, mapping)
        if stage is None:
            words = "、".join(f"“{w}”" for s in STAGE_ORDER for w in mapping.stages.get(s, ())[:1])
            problems.append(Problem(
                "error", "unknown_stage", f"无法判断工作表所属学段：工作表名、标题行、表头中的表号或文件名中应含{words}"
                f"（只含一个学段）", "cannot tell the stage of the sheet: its name, title rows, form codes or the "
                "file name must name one stage (小学, 初中, 高中)", row=(header.top_rows or [(header.top,)])[0][0],
                value=f"工作表名「{ws.title}」；标题「{header.title}」；文件名「{path.name}」", **where))
            continue
        if conflicts:
            problems.append(Problem(
                "error", "stage_conflict", f"工作表所属学段说法不一：{basis}：{STAGE_ZH[stage]}；{'；'.join(conflicts)}",
                "the sheet name, title and form codes name different stages", row=header.top,
                value=f"{basis}；{'；'.join(conflicts)}", **where))
            continue
        f = _match_sheet(path, ws, header, stage, mapping, problems, identity_only, formulas.get(ws.title, {}))
        f.stage_basis = basis
        found.append(f)
    if len(found) > 1:
        for f in found:
            f.label = f"{path.name}「{f.sheet}」"
    if not found and len(problems) == before:
        shown = "；".join(f"「{s['工作表']}」：{s['原因']}" for s in skipped) or "没有工作表"
        problems.append(Problem("error", "no_data_sheet", f"工作簿中没有学校数据的工作表（{shown}）",
                                f"no sheet of the workbook holds school rows ({shown})", file=str(path), value=shown))
    for s in skipped:
        s["工作表数"] = len(sheets)
    return found, skipped


def read_stage_file(path, mapping: Mapping, problems: list[Problem], identity_only: bool = False) -> StageFile | None:
    """The first data sheet of an export (see :func:`read_export`, which reads them all); None when none."""
    found, _ = read_export(path, mapping, problems, identity_only)
    return found[0] if found else None


def _match_sheet(path: Path, ws, header: SheetHeader, stage: str, mapping: Mapping, problems: list,
                 identity_only: bool, formulas: dict) -> StageFile:
    """A data sheet's columns matched to the mapping's entries, and its rows read."""
    from openpyxl.utils import get_column_letter

    where = {"file": str(path), "sheet": ws.title}
    paths, units = header.paths, mapping.unit_pattern
    levels = [tuple(header_level(t, units) for t in p) for p in paths]
    header_row = header.bottom
    columns, missing = {}, []
    for name in _needed_variables(mapping, stage, identity_only):
        entry = mapping.entry(stage, name)
        hits, alternative = _find(entry, levels, mapping, contain=name not in mapping.identity)
        if len(hits) == 1:
            c, grade, notes = hits[0]
            printed = header_unit(paths[c], units)
            if not printed and entry.unit and _family(header.unit) is not None and \
                    _family(header.unit) == _family(entry.unit):
                printed = header.unit            # the unit row speaks for a column that states none of its own
            scale = unit_scale(printed, entry.unit)
            columns[name] = Column(c, SEP.join(paths[c]), get_column_letter(c + 1), entry,
                                   SEP.join(entry.paths[alternative]), "；".join(notes) or "完全相同", printed,
                                   scale or (1, 1))
            if scale is None:
                problems.append(Problem(
                    "error", "unit_mismatch", f"表头注明的单位是「{printed}」，映射文件按「{entry.unit}」读取（{name}），两者"
                    f"不能换算：请核对导出表，或修改映射文件中的 unit 与公式", f"the header states the unit {printed!r}, "
                    f"which cannot be converted to the mapping's {entry.unit!r} ({name})", row=header_row,
                    column=SEP.join(paths[c]), value=printed, **where))
        elif not hits:
            if not entry.optional:
                missing.append((name, entry))
        else:
            cands = "；".join(f"{get_column_letter(i + 1)}列「{SEP.join(paths[i])}」"
                             f"（{'完全相同' if g == 2 and not n else '；'.join(n) or '包含'}）" for i, g, n in hits)
            shown = SEP.join(entry.paths[alternative])
            problems.append(Problem("error", "ambiguous_header", f"表头路径「{shown}」匹配到多列：{cands}",
                                    f"header path {shown!r} matches several columns: {cands}", row=header_row,
                                    column=shown, **where))
    read = header.shown()
    if len(missing) > 5 and len(missing) * 2 > len(_needed_variables(mapping, stage, identity_only)):
        # most paths missing: the wrong mapping or the wrong rows, said once with what was read
        shown = "；".join(f"「{e.shown}」（{n}）" for n, e in missing)
        problems.append(Problem(
            "error", "missing_header", f"映射文件的表头路径大多找不到（{len(missing)} 项：{shown}）。读作表头的是：{read}。"
            f"请核对映射文件的年份（--mapping stats-2020 / stats-2021）或导出表的表头",
            f"most header paths of the mapping were not found ({len(missing)}); check the mapping's year or the "
            f"export's header rows", row=header_row, value=read[:500], **where))
    else:
        for name, entry in missing:
            problems.append(Problem("error", "missing_header", f"找不到表头路径「{entry.shown}」（{name}）；读作表头的是"
                                    f"第{header.top}–{header.bottom}行", f"header path {entry.shown!r} ({name}) not "
                                    f"found in header rows {header.top}–{header.bottom}", row=header_row,
                                    column=entry.shown, **where))
    if stage != "senior" and not identity_only:
        if not any(k in columns for k in ("urban_code", "urban_name")) and \
                any(k in mapping.identity for k in ("urban_code", "urban_name")):
            shown = " 或 ".join(mapping.identity[k].shown for k in ("urban_code", "urban_name") if k in mapping.identity)
            problems.append(Problem("error", "missing_header", f"找不到城乡分类的表头「{shown}」",
                                    f"no urban/rural column ({shown})", row=header_row, column=shown, **where))
    summary = []
    for entry in mapping.summary_columns:
        hits, _ = _find(entry, levels, mapping, contain=False)
        summary += [h[0] for h in hits]
    rows = []
    for r, cells_ in enumerate(ws.iter_rows(min_row=header.first_data, max_col=ws.max_column, values_only=True),
                               start=header.first_data):
        cells_ = list(cells_)
        values = {name: cells_[col.index] if col.index < len(cells_) else None for name, col in columns.items()}
        extra = [cells_[c] if c < len(cells_) else None for c in summary]
        if all(_blank(v) for v in list(values.values()) + extra) and \
                not any((r, col.index + 1) in formulas for col in columns.values()):
            continue
        for name, col in columns.items():
            if values[name] is None and (r, col.index + 1) in formulas:
                values[name] = _Formula(formulas[(r, col.index + 1)])   # a formula never calculated: never a blank
        values["_summary"] = extra
        rows.append((r, values))
    return StageFile(path, ws.title, header.title, stage, columns, rows, summary, header)


@dataclass(frozen=True)
class _Formula:
    """A formula cell without a cached value (the file was written by a program, never saved in Excel)."""

    text: str

    def __str__(self) -> str:
        return self.text


def _open_export(path: Path):
    """An export workbook (full reader: merged ranges are needed) and, per sheet, ``{(row, column): formula}`` of
    its formula cells; a missing, truncated or non-.xlsx file is a located :class:`ValidationError`."""
    from openpyxl import load_workbook

    data = read_bytes(path, "导出表")
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
        raw = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            formulas = {ws.title: {(c.row, c.column): str(getattr(c.value, "text", c.value))
                                   for row in ws.iter_rows() for c in row if getattr(c, "data_type", "") == "f"}
                        for ws in raw.worksheets}
        finally:
            raw.close()
    except Exception as exc:  # noqa: BLE001 — not a zip, truncated, encrypted, a damaged sheet: all unreadable
        raise ValidationError([Problem(
            "error", "unreadable", "无法作为 Excel 工作簿读取（文件不完整、已损坏，或不是 .xlsx 文件）：请从统计系统重新导出为 .xlsx",
            f"cannot read the file as an Excel workbook (truncated, damaged, or not an .xlsx file: "
            f"{type(exc).__name__}: {exc}); export it again as .xlsx", file=str(path))]) from None
    return book, formulas


def _formula_variables(mapping: Mapping, stage: str) -> set:
    names = set()
    formulas = list(mapping.section.get(stage, {}).values())
    if stage in mapping.facility_stages:
        formulas += list(mapping.facility.values())
    for formula in formulas:
        names.update(formula_names(formula))
    return names


def _needed_variables(mapping: Mapping, stage: str, identity_only: bool = False) -> list[str]:
    """The identity entries and the variables a stage's formulas use (identity first, in mapping order)."""
    names = [k for k in mapping.identity if not identity_only or k in ("school_name", "school_id", "counted",
                                                                       "closed")]
    if not identity_only:
        names += sorted(_formula_variables(mapping, stage) - set(names))
    return names


# -------------------------------------------------------------------------------------------- importing
@dataclass
class ImportResult:
    """The canonical table and the import report (导入结果与报告)."""

    table: pd.DataFrame
    columns: pd.DataFrame        # 列映射: which header fed which variable
    derivations: pd.DataFrame    # 派生计算: canonical column ← formula
    merges: pd.DataFrame         # 合并记录
    dropped: pd.DataFrame        # 删除记录
    warnings: list = field(default_factory=list)
    synthetic: bool = False
    mapping: Mapping | None = None
    about: list = field(default_factory=list)    # (项目, 内容) lines of the report's 说明 sheet
    sheets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SHEET_COLUMNS))   # 学段表


#: the report's 学段表: every sheet of every export, read as a stage or skipped
SHEET_COLUMNS = ["文件", "工作表", "学段", "学段依据", "标题行", "表头行", "数据起始行", "学校数", "在校生数", "合计行核对"]


class _BadFlag(ValueError):
    pass


def parse_flag(value, mapping: Mapping) -> bool | None:
    """A 0/1 flag as the exports store it: ``1``/``0`` (numbers), ``"1.0"``/``"0.0"``, ``是``/``否`` (the
    mapping's ``[flags]``); None when blank.  A numeric 0 is a no, never a blank.  Anything else raises.

    >>> m = load_mapping("stats-2021")
    >>> [parse_flag(v, m) for v in (0, 1, 0.0, "1.0", "是", "否", None, " ")]
    [False, True, False, True, True, False, None, None]
    """
    if value is None or isinstance(value, _Formula):
        if isinstance(value, _Formula):
            raise _BadFlag(str(value))
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
    else:
        text = _nfkc(value).strip()
        if not text:
            return None
        if text in mapping.flags["yes"]:
            return True
        if text in mapping.flags["no"]:
            return False
        try:
            number = float(text)
        except ValueError:
            raise _BadFlag(text) from None
    if number == 1:
        return True
    if number == 0:
        return False
    raise _BadFlag(str(value))


def _number(value) -> cells.Cell:
    """A statistics cell as a number (:func:`cells.parse_number`); a blank cell is 0, the export's convention.

    Examples
    --------
    >>> _number(None).value, _number(" ").value, _number("1,234").value, _number(12.5).value
    (0.0, 0.0, 1234.0, 12.5)
    >>> _number("#N/A").error.code, _number("3000,5").error.code, _number("inf").error.code
    ('null_token', 'ambiguous_comma', 'not_a_number')
    """
    if isinstance(value, _Formula):
        return cells.parse_number(cells.FORMULA)
    cell = cells.parse_number(value)
    return cells.Cell(0.0) if cell.blank else cell        # a blank statistics cell is a zero


def _shown(value) -> str:
    """A cell as the analyst sees it (a formula's text, a blank as "")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _code(value) -> str:
    """An identifier or code cell as text (``2136990101.0`` → ``2136990101``, full-width digits half-width)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _nfkc(value).strip()
    return text[:-2] if re.fullmatch(r"\d+\.0", text) else text


def _summary_label(texts, words) -> str:
    """The word that makes a row a summary row (合计、总计、小计), or ""."""
    pattern = re.compile(rf"^\D{{0,20}}({'|'.join(map(re.escape, words))})[:：]?$")
    for text in texts:
        t = "".join(_nfkc(text).split()) if text is not None else ""
        m = pattern.match(t)
        if m:
            return m.group(1)
    return ""


def import_exports(paths, year: int, county: str, mapping="stats-2021", campus_map: dict | None = None, *,
                   merge_campuses: bool = False, supplement=None) -> ImportResult:
    """Read the stage files of one county's export; raises :class:`ValidationError` listing every problem.

    ``supplement`` is the analyst's supplementary table (a path, or a :class:`~junyun_lib.io.supplement.Supplement`);
    ``merge_campuses`` merges 不计校数 campuses into their parents (``campus_map``: campus id → parent id).
    ``year`` (``--year``) becomes every row's 统计年度: it must lie within 2010 .. next year
    (:mod:`junyun_lib.io.years`).
    """
    from .supplement import Supplement, read_supplement

    mapping = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    # reported with the exports' problems: the year is written into every row, so a wrong one is never imported
    problems: list[Problem] = years.asked_range_problems(year, county=county)
    if campus_map and not merge_campuses:
        problems.append(Problem("error", "campus_map_without_merge", "校区对应表只在合并校区时使用：请同时加 "
                                "--merge-campuses（默认每个独立校区单独计，有关指标说明（一））",
                                "a campus map is used only when merging campuses: add --merge-campuses"))
    from .school_forms import split_exports       # a folder; per-school workbooks, a sheet per form (decision 145)
    (paths, files), skipped = split_exports(paths, mapping, problems, supplement=supplement), []
    for p in paths:                 # every sheet of every workbook: stage files, or stage sheets of one workbook
        found, passed = read_export(p, mapping, problems)
        files += found
        skipped += passed
    supp = None
    if supplement is not None:
        try:
            supp = supplement if isinstance(supplement, Supplement) else read_supplement(supplement)
        except ValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationError(problems)
    problems += _sources_problems(mapping, files, supp)
    if problems:
        raise ValidationError(problems)
    files.sort(key=lambda f: STAGE_ORDER.index(f.stage))
    records, dropped, merges, warnings = [], [], [], []
    seen: dict = {}
    for f in files:
        for row, raw in f.rows:
            record = _record(f, row, raw, mapping, county, year, problems, warnings, dropped)
            if record is None:
                continue
            key = (record["stage"], record["school_id"])
            if key in seen and record["school_id"]:
                other = seen[key]
                problems.append(Problem("error", "duplicate_id", f"同一学校在{STAGE_ZH[f.stage]}学段出现两次（另见文件 "
                                        f"{other['label']} 第{other['row']}行）", "the school appears twice in "
                                        "the same stage", file=str(f.path), sheet=f.sheet, row=row,
                                        column=f.columns["school_id"].header, value=record["school_id"],
                                        county=county, year=year))
                continue
            seen[key] = record
            records.append(record)
    if problems:
        raise ValidationError(problems + warnings)
    # no stage dropped silently: every sheet's schools and pupils counted and checked against its 合计 row, and
    # every stage the read schools need present and not empty
    sheets = [_sheet_totals(f, mapping, records, problems, county, year) for f in files]
    _stage_checks(files, records, mapping, problems, warnings, county, year)
    if problems:
        raise ValidationError(problems + warnings)

    compulsory = [r for r in records if r["stage"] != "senior"]
    senior = [r for r in records if r["stage"] == "senior"]
    _join_senior(compulsory, senior, files, mapping, problems, dropped, county, year)
    closed_ids = {d["学校标识码"] for d in dropped}
    if supp is not None:
        _join_supplement(compulsory, supp, closed_ids, problems, warnings, county, year)
    if problems:
        raise ValidationError(problems + warnings)
    if merge_campuses:
        compulsory = _merge_campuses(compulsory, campus_map or {}, mapping.campus_pattern, merges, problems, county,
                                     year)
        if problems:
            raise ValidationError(problems + warnings)
    else:
        for r in compulsory:
            if not r["counted"]:
                merges.append({"类型": "不计校数校区单独计（未合并）", "学校标识码": r["school_id"], "学校名称": r["school_name"],
                               "说明": f"{r['label']} 第{r['row']}行 是否计校数 = 否：按有关指标说明（一）“以独立"
                                     "校区为统计单位”单独评估；如需并入所属学校，请加 --merge-campuses"})
    table = _merge_stages(compulsory, merges, warnings, county, year)
    _unit_plausibility(table, compulsory, files, mapping, warnings, county, year)
    if "built_year" not in table.columns or table["built_year"].isna().all():
        warnings.append(Problem("warning", "no_built_year", "导出表和补充表都没有建校（建成）年份：2010年、2016年及以前建成"
                                "学校的评估例外无法适用；如需适用，请在补充表中填写「建成年份」",
                                "no year built in the exports or the supplement: the exceptions for schools built "
                                "in 2010/2016 or earlier cannot apply", county=county, year=year))
    synthetic = any(SYNTHETIC_MARK in text for f in files for text in (f.title, f.sheet, f.path.name))
    columns = pd.DataFrame([{"文件": f.path.name, "工作表": f.sheet, "学段": f.stage, "变量": name,
                             "映射表头路径": col.used, "导出表中的表头": col.header, "列": col.letter,
                             "匹配方式": col.how, "来源（表号、行列）": col.entry.source, "单位": col.entry.unit,
                             "表头单位": col.unit, "换算": _scale_shown(col)}
                            for f in files for name, col in f.columns.items()],
                           columns=["文件", "工作表", "学段", "变量", "映射表头路径", "导出表中的表头", "列", "匹配方式",
                                    "来源（表号、行列）", "单位", "表头单位", "换算"])
    derivations = pd.DataFrame(
        [{"标准列": col, "表头": schema.field_zh(col) if col in _fields() else col, "学段": stage, "公式": formula}
         for stage, cols in mapping.section.items() for col, formula in cols.items()] +
        [{"标准列": col, "表头": schema.field_zh(col), "学段": "全校（一贯制学校只取一次）", "公式": formula}
         for col, formula in mapping.facility.items()] +
        ([{"标准列": col, "表头": schema.field_zh(col), "学段": "补充表", "公式": f"补充表「{schema.field_zh(col)}」（{supp.file}）"}
          for col in supp.fields] if supp is not None else []))
    kept = sum(1 for r in compulsory if not r["counted"]) if not merge_campuses else 0
    about = [("映射文件", f"{mapping.name}（{mapping.path}）"), ("学校数", len(table)),
             ("各学段导出表", "；".join(f"{STAGE_ZH[f.stage]}：{f.label}（{s['学校数']} 所学校，在校生 "
                                       f"{_count_shown(s['在校生数'])} 人）" for f, s in zip(files, sheets))),
             ("跳过的工作表", "；".join(f"{s['文件']}「{s['工作表']}」：{s['原因']}" for s in skipped) or "无"),
             ("校区处理", "按 --merge-campuses 将不计校数校区并入所属学校（见“合并记录”）" if merge_campuses else
              f"每个独立校区单独计（有关指标说明（一）“以独立校区为统计单位”）；不计校数校区 {kept} 个，未合并"),
             ("补充表", f"{supp.file}（{len(supp.rows)} 所学校）" if supp is not None else "未提供"),
             ("合并", len(merges)), ("删除", len(dropped)), ("警告", len(warnings))]
    if synthetic:
        about.insert(0, ("数据性质", "合成示例数据（导出表为合成示例，数值虚构）"))
    return ImportResult(table, columns, derivations, pd.DataFrame(merges, columns=["类型", "学校标识码", "学校名称", "说明"]),
                        pd.DataFrame(dropped, columns=["学校标识码", "学校名称", "文件", "工作表", "行", "原因"]), warnings, synthetic,
                        mapping, about, _sheets_table(sheets, skipped))


def _sources_problems(mapping: Mapping, files: list, supp) -> list[Problem]:
    """Every column the school table needs must come from a formula of the mapping or from the supplement.

    Music and art rooms are not needed: no form has them, and without a supplementary table they are no data
    (blank, never 0; :func:`junyun_lib.io.supplement.note_missing_supplement` says which items lack data)."""
    given = set(mapping.facility) | {c for cols in mapping.section.values() for c in cols}
    if supp is not None:
        given |= set(supp.fields)
    stages = {f.stage for f in files}
    missing = []
    for c in schema.columns():
        if c.field in ("school_id", "school_name", "county", "year", "school_type", "urban_rural", "ownership",
                       "students_senior"):
            continue
        if c.required == "required" and c.field not in given:
            missing.append(c)
        elif c.required == "either" and c.stage in stages and c.field not in given and \
                not all(b in given for b in schema.band_columns(c.stage)):
            missing.append(c)
    if not missing:
        return []
    rooms = [c for c in missing if c.field in SUPPLEMENT_FIELDS]
    hint = "：请用 junyun supplement-template 生成补充表，填写后以 --supplement 导入" if rooms else "：请在映射文件中补上"
    names = "、".join(c.header_zh for c in missing)
    return [Problem("error", "no_source", f"导出表（映射文件）中没有、也没有补充表提供：{names}{hint}",
                    f"neither the mapping nor a supplementary table gives: {', '.join(c.field for c in missing)}"
                    + ("; write one with `junyun supplement-template` and pass it with --supplement" if rooms else ""),
                    file=mapping.path, value=names)]


#: what the supplementary table may give (the forms have no music or art room data)
SUPPLEMENT_FIELDS = ("music_rooms", "music_room_min_area_m2", "art_rooms", "art_room_min_area_m2", "built_year",
                     "max_class_primary", "max_class_junior")


def _record(f: StageFile, row: int, raw: dict, mapping: Mapping, county: str, year: int, problems: list,
            warnings: list, dropped: list) -> dict | None:
    """One export row as a record (None when dropped or broken; problems and drops are added)."""
    where = {"file": str(f.path), "sheet": f.sheet, "row": row, "county": county, "year": year}

    def bad(name, zh, en, value, code="bad_value"):
        problems.append(Problem("error", code, zh, en, column=f.columns[name][1], value=_shown(value), **where))

    name = str(raw.get("school_name")).strip() if raw.get("school_name") is not None else ""   # as written
    sid = _code(raw.get("school_id"))
    label = _summary_label([raw.get("school_name"), raw.get("school_id"), *raw.get("_summary", [])],
                           mapping.summary_words)
    if label and not re.fullmatch(r"\d{6,}", sid):
        dropped.append({"学校标识码": sid, "学校名称": name, "文件": f.path.name, "工作表": f.sheet, "行": row,
                        "原因": f"汇总行（{label}），不是学校"})
        return None
    if not sid and _NOTE.match(name) and all(_blank(v) for k, v in raw.items() if k not in ("school_name", "_summary")):
        # a note under the table ("注：…", "填表人：…"): it holds no school
        dropped.append({"学校标识码": "", "学校名称": name, "文件": f.path.name, "工作表": f.sheet, "行": row,
                        "原因": "表下的注释或签名行，不是学校"})
        return None
    flags = {}
    for flag in FLAGS:
        if flag not in f.columns:
            continue
        try:
            flags[flag] = parse_flag(raw.get(flag), mapping)
        except _BadFlag:
            bad(flag, f"应为 1/0 或 {mapping.flags['yes'][0]}/{mapping.flags['no'][0]}",
                "a flag must be 1/0 or 是/否", raw.get(flag))
            return None
    if flags.get("closed"):
        dropped.append({"学校标识码": sid, "学校名称": name, "文件": f.path.name, "工作表": f.sheet, "行": row,
                        "原因": "是否上年撤销 = 是（上年已撤销）"})
        return None
    if not sid:
        bad("school_id", "学校标识码（机构编码）为空", "the school id is blank", raw.get("school_id"), "blank")
        return None
    if not re.fullmatch(r"\d{10}", sid):
        warnings.append(Problem("warning", "school_id", "学校标识码通常为10位数字", "school identifiers are usually 10 "
                                "digits", column=f.columns["school_id"][1], value=sid, **where))
    variables, ok, absent = {}, True, set()
    for var in sorted(_formula_variables(mapping, f.stage)):
        if var not in f.columns:
            variables[var] = 0.0                    # an optional entry the export does not have (e.g. 博士研究生)
            absent.add(var)
            continue
        cell = _number(raw.get(var))
        if cell.error is not None:
            reason = cell.error
            zh, en = ("应为数字", "must be a number") if reason.code == "not_a_number" else \
                (f"应为数字：{reason.zh}", f"must be a number: {reason.en}")
            problems.append(Problem("error", reason.code, zh, en, column=f.columns[var][1], value=_shown(raw.get(var)),
                                    **where))
            ok = False
        elif cell.warning is not None:
            warnings.append(Problem("warning", cell.warning.code, cell.warning.zh, cell.warning.en,
                                    column=f.columns[var][1], value=_shown(raw.get(var)), **where))
        variables[var] = _scaled(cell.value or 0.0, f.columns[var])     # the printed unit → the mapping's
    record = {"file": str(f.path), "sheet": f.sheet, "label": f.label, "row": row, "stage": f.stage,
              "school_id": sid, "school_name": name, "counted": flags.get("counted") is not False, "section": {},
              "facility": {}, "built_year": None}
    if f.stage != "senior":
        record.update(_identity(f, raw, mapping, bad))
        if record.get("school_type") is None or record.get("ownership") is None or record.get("urban_rural") is None:
            ok = False
    elif "school_type" in f.columns:      # a 高中 row's type tells whether its school must be in the 初中 file
        text = _code(raw.get("school_type"))
        record["school_type"] = mapping.codes["school_type"].get(text, text)
    if not ok:
        return None
    try:
        # a column whose formula uses only entries the export does not have (the grade counts 一年级 …) is left
        # out — blank, not 0 — so the table does not claim counts the export never gave
        record["section"] = {c: evaluate_formula(x, variables) for c, x in mapping.section.get(f.stage, {}).items()
                             if not (absent and set(formula_names(x)) <= absent)}
        if f.stage in mapping.facility_stages:
            record["facility"] = {c: evaluate_formula(x, variables) for c, x in mapping.facility.items()}
    except ZeroDivisionError:          # a mapping formula divides by an item that is 0 for this school
        problems.append(Problem("error", "division_by_zero", "映射公式除以 0：本校的分母项为 0，无法计算",
                                "a mapping formula divides by zero for this school", **where))
        return None
    if "built_year" in f.columns:
        cell = _number(raw.get("built_year"))
        if cell.error is not None:
            bad("built_year", "建校年份应为数字", "the year built must be a number", raw.get("built_year"), cell.error.code)
            return None
        record["built_year"] = int(cell.value) if cell.value else None
    return record


def _identity(f: StageFile, raw: dict, mapping: Mapping, bad) -> dict:
    """School type, ownership and urban/rural of a compulsory-stage row, through the mapping's code lists."""
    out = {}
    text = _code(raw.get("school_type"))
    out["school_type"] = mapping.codes["school_type"].get(text)
    if out["school_type"] is None:
        bad("school_type", f"办学类型应为 {'、'.join(mapping.codes['school_type'])} 之一", "unknown school type",
            raw.get("school_type"))
    text = _code(raw.get("sponsor"))
    out["ownership"] = mapping.codes["ownership"].get(text)
    if out["ownership"] is None:
        bad("sponsor", f"举办者应为 {'、'.join(mapping.codes['ownership'])} 之一", "unknown sponsor", raw.get("sponsor"))
    codes = mapping.codes["urban_rural"]
    by_code = codes.get(_code(raw.get("urban_code"))) if "urban_code" in f.columns else None
    by_name = codes.get(_code(raw.get("urban_name"))) if "urban_name" in f.columns else None
    if "urban_code" in f.columns:
        if by_code is None:
            bad("urban_code", "城乡类型编码无法识别：应为统计用城乡划分代码 111、112（城区），121、122、123（镇区），"
                "210、220（乡村）", "unknown urban/rural code (expected 111/112, 121/122/123, 210/220)",
                raw.get("urban_code"))
        elif by_name is not None and by_name != by_code:
            bad("urban_name", f"城乡类型与城乡类型编码不一致（编码为{by_code}）", "the urban/rural name and code disagree",
                raw.get("urban_name"))
            by_code = None
        out["urban_rural"] = by_code
    else:
        if by_name is None:
            bad("urban_name", "城乡类型无法识别：应为主城区、城乡结合区、镇中心区、镇乡结合区、特殊区域、乡中心区、村庄",
                "unknown urban/rural type", raw.get("urban_name"))
        out["urban_rural"] = by_name
    return out


def _join_senior(compulsory, senior, files, mapping: Mapping, problems, dropped, county, year) -> None:
    """高中 file → ``students_senior``; a 完全中学 / 十二年一贯制 without a senior row is an error naming it."""
    by_id = {r["school_id"]: r for r in senior}
    ids = {r["school_id"] for r in compulsory}
    have_senior_file = any(f.stage == "senior" for f in files)
    for r in compulsory:
        s = by_id.get(r["school_id"])
        if s is not None:
            r["section"]["students_senior"] = s["section"].get("students_senior", 0.0)
            r["senior_row"] = (s["label"], s["row"])
        elif r.get("school_type") in mapping.senior_types:
            why = "高中学段表中没有该校" if have_senior_file else "未提供高中学段表（教基3118 / 基础基314 普通高中学生数）"
            problems.append(Problem(
                "error", "no_senior_row", f"{r['school_type']}「{r['school_name']}」：{why}。高中在校生数用于拆分设施指标"
                f"（完全中学 初中:高中 = 1:1.2，十二年一贯制 1:1.1:1.32），请一并导入高中学段表",
                f"{r['school_type']} {r['school_name']!r} has no row in a 高中 (senior) stage file; its senior students "
                "are needed to split its facilities", file=r["file"], sheet=r["sheet"], row=r["row"],
                value=r["school_name"], school_id=r["school_id"], county=county, year=year))
    for s in senior:
        if s["school_id"] not in ids:
            dropped.append({"学校标识码": s["school_id"], "学校名称": s["school_name"], "文件": Path(s["file"]).name,
                            "工作表": s["sheet"], "行": s["row"], "原因": "只见于高中学段表：不是义务教育学校（如高级中学），不导入"})


#: the stages a school of these types has: a 九年一贯制学校 in the 小学 file needs the 初中 file, and so on
TYPE_STAGES = {"九年一贯制学校": ("primary", "junior"), "十二年一贯制学校": ("primary", "junior", "senior"),
               "完全中学": ("junior", "senior")}
_NOTE = re.compile(r"^(?:注|备注|说明|附注|填表|制表|单位负责人|统计负责人|负责人|审核|联系电话|报出日期)")


def _scaled(value: float, column: Column) -> float:
    """A value in the unit printed for its column, in the mapping entry's unit (dividing by a whole number where
    the printed unit is the smaller one, so that the formula's × 10000 gives the value back)."""
    multiply, divide = column.scale
    return value * multiply if divide == 1 else value / divide


def _scale_shown(column: Column) -> str:
    multiply, divide = column.scale
    if (multiply, divide) == (1, 1):
        return ""
    return (f"表头单位「{column.unit}」，映射单位「{column.entry.unit}」：读数" +
            (f"×{multiply}" if divide == 1 else f"÷{divide}") + "后代入公式")


def _count_shown(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _row_value(formula: str, f: StageFile, raw: dict) -> float | None:
    """A mapping formula on one row of a stage file (None when a cell it reads is not a number)."""
    variables = {}
    for var in formula_names(formula):
        if var not in f.columns:
            variables[var] = 0.0
            continue
        cell = _number(raw.get(var))
        if cell.error is not None:
            return None
        variables[var] = _scaled(cell.value or 0.0, f.columns[var])
    try:
        return evaluate_formula(formula, variables)
    except ZeroDivisionError:
        return None


def _sheet_totals(f: StageFile, mapping: Mapping, records: list, problems: list, county: str, year: int) -> dict:
    """One line of the report's 学段表 (各学段导出表的核对): the schools and pupils read from a stage file or sheet,
    checked against its 合计 row when it has one.

    The largest summary row is the sheet's total (others are subtotals, 小计 of a district, and are not checked);
    its pupils must equal the sum of the sheet's school rows — counted with or without the schools closed last
    year, which an export may or may not leave in its total — else a located error at the 合计 row."""
    column = f"students_{f.stage}"
    mine = [r for r in records if r["file"] == str(f.path) and r["sheet"] == f.sheet]
    pupils = sum(r["section"].get(column, 0.0) for r in mine)
    h = f.header
    line = {"文件": f.path.name, "工作表": f.sheet, "学段": STAGE_ZH[f.stage], "学段依据": f.stage_basis,
            "标题行": "、".join(f"第{r}行" for r, _ in h.top_rows) or "无",
            "表头行": f"第{h.top}–{h.bottom}行" + (f"（第{h.numbering_row}行为栏号，跳过）" if h.numbering_row else ""),
            "数据起始行": h.first_data, "学校数": len(mine), "在校生数": pupils, "合计行核对": "没有合计行"}
    formula = mapping.section.get(f.stage, {}).get(column)
    if formula is None:
        return line
    totals, every = [], 0.0
    for row, raw in f.rows:
        label = _summary_label([raw.get("school_name"), raw.get("school_id"), *raw.get("_summary", [])],
                               mapping.summary_words)
        value = _row_value(formula, f, raw)
        if label and not re.fullmatch(r"\d{6,}", _code(raw.get("school_id"))):
            if value is not None:
                totals.append((row, label, value))
        elif value is not None:
            every += value
    if not totals:
        return line
    row, label, total = max(totals, key=lambda t: t[2])
    others = f"；另有 {len(totals) - 1} 个汇总行（小计）未核对" if len(totals) > 1 else ""
    if abs(total - every) <= 0.5 or abs(total - pupils) <= 0.5:
        line["合计行核对"] = f"一致：第{row}行（{label}）在校生 {_count_shown(total)} 人{others}"
        return line
    line["合计行核对"] = f"不一致：第{row}行（{label}）{_count_shown(total)} 人，各校之和 {_count_shown(pupils)} 人"
    var = next((v for v in formula_names(formula) if v in f.columns), None)
    problems.append(Problem(
        "error", "total_mismatch", f"{label}行的{STAGE_ZH[f.stage]}在校生数 {_count_shown(total)} 与本表读到的 {len(mine)} "
        f"所学校之和 {_count_shown(pupils)} 不一致：有学校行被漏读、重复或改动过，请核对导出表",
        f"the {label} (total) row's pupils, {_count_shown(total)}, differ from the sum over the {len(mine)} school "
        f"rows read, {_count_shown(pupils)}: a school row was missed, repeated or changed", file=str(f.path),
        sheet=f.sheet, row=row, column=f.columns[var].header if var else "", value=_count_shown(total), county=county,
        year=year))
    return line


def _sheets_table(sheets: list, skipped: list) -> pd.DataFrame:
    rows = list(sheets) + [{"文件": s["文件"], "工作表": s["工作表"], "学段": "—", "学段依据": f"跳过：{s['原因']}"}
                           for s in skipped]
    return pd.DataFrame(rows, columns=SHEET_COLUMNS, dtype=object)     # counts stay whole; a skipped sheet's blank


def _stage_checks(files: list, records: list, mapping: Mapping, problems: list, warnings: list, county: str,
                  year: int) -> None:
    """No stage dropped silently (各学段齐全): only a 高中 file, an empty 小学 or 初中 file or sheet, and a stage file
    missing while a school read needs it (a 九年一贯制学校 in the 小学 file and no 初中 file; a 完全中学 in the 高中
    file and no 初中 file …) are located errors; a stage file missing that no school needs is a warning, and so is
    a 一贯制 school missing from a stage file that is there.  (A 完全中学 or 十二年一贯制学校 without its 高中 row:
    :func:`_join_senior`.)"""
    given = {s: [f for f in files if f.stage == s] for s in STAGE_ORDER}
    rows = {s: [r for r in records if r["stage"] == s] for s in STAGE_ORDER}

    def at(r, code, zh, en, severity="error"):
        (problems if severity == "error" else warnings).append(Problem(
            severity, code, zh, en, file=r["file"], sheet=r["sheet"], row=r["row"], value=r["school_name"],
            school_id=r["school_id"], county=county, year=year))

    if not rows["primary"] and not rows["junior"]:
        for f in files:
            problems.append(Problem(
                "error", "no_compulsory_rows", f"没有小学、初中学校可导入：本表是{STAGE_ZH[f.stage]}学段表，小学、初中学段表"
                "未提供或没有学校行。高中学段表只用于给完全中学、十二年一贯制学校补上高中在校生数，请一并导入小学、初中学段表",
                "no primary or junior school to import: the 高中 (senior) file only adds senior pupils to the "
                "compulsory schools; pass the 小学 and 初中 files too", file=str(f.path), sheet=f.sheet,
                row=f.header.first_data, county=county, year=year))
        return
    reported = set()
    for stage in ("primary", "junior"):
        ids = {r["school_id"] for r in rows[stage]}
        needers, seen = [], set()
        for r in (r for s in STAGE_ORDER if s != stage for r in rows[s]):
            if stage in TYPE_STAGES.get(r.get("school_type"), ()) and r["school_id"] not in ids | seen:
                needers.append(r)
                seen.add(r["school_id"])
        names = "、".join(f"{r['school_type']}「{r['school_name']}」" for r in needers[:5]) + \
            (f" 等 {len(needers)} 所" if len(needers) > 5 else "")
        if given[stage] and not rows[stage]:
            for f in given[stage]:
                problems.append(Problem(
                    "error", "empty_stage", f"{STAGE_ZH[f.stage]}学段表中没有学校行：本县{STAGE_ZH[f.stage]}在校生将全部缺失"
                    + (f"（{names}的{STAGE_ZH[stage]}部分也在其中）" if needers else "") + "。请重新导出本学段的数据",
                    f"the {STAGE_ZH[f.stage]} stage file holds no school row: every {STAGE_ZH[f.stage]} pupil would be "
                    "missing; export it again", file=str(f.path), sheet=f.sheet, row=f.header.first_data,
                    county=county, year=year))
            reported |= seen
            continue
        for r in needers:
            if not given[stage]:
                at(r, "missing_stage", f"{r['school_type']}「{r['school_name']}」有{STAGE_ZH[stage]}部分，但没有导入"
                   f"{STAGE_ZH[stage]}学段表：其{STAGE_ZH[stage]}在校生、班级和教师都会缺失，请一并导入{STAGE_ZH[stage]}学段表",
                   f"{r['school_type']} {r['school_name']!r} has a {STAGE_ZH[stage]} part but no {STAGE_ZH[stage]} "
                   "stage file was given")
                reported.add(r["school_id"])
            else:
                at(r, "not_in_stage_file", f"{r['school_type']}「{r['school_name']}」不在{STAGE_ZH[stage]}学段表中：如该校"
                   f"有{STAGE_ZH[stage]}在校生，请核对{STAGE_ZH[stage]}学段表", f"{r['school_type']} "
                   f"{r['school_name']!r} is not in the {STAGE_ZH[stage]} stage file", "warning")
        if not given[stage] and not needers:
            warnings.append(Problem(
                "warning", "no_stage_file", f"没有导入{STAGE_ZH[stage]}学段表：只导入了"
                f"{'、'.join(STAGE_ZH[s] for s in ('primary', 'junior') if given[s])}学校；如本县有{STAGE_ZH[stage]}，"
                f"请一并导入", f"no {STAGE_ZH[stage]} stage file was given", county=county, year=year))
    compulsory = {r["school_id"] for r in rows["primary"] + rows["junior"]}
    for r in rows["senior"]:
        if r.get("school_type") in TYPE_STAGES and r["school_id"] not in compulsory | reported:
            at(r, "senior_only_mixed", f"{r['school_type']}「{r['school_name']}」只见于高中学段表，小学、初中学段表中没有"
               f"该校：其义务教育部分会整个缺失，请核对小学、初中学段表", f"{r['school_type']} {r['school_name']!r} is only "
               "in the 高中 (senior) file; its compulsory part would be missing")
    if given["senior"] and not rows["senior"] and \
            not any(r.get("school_type") in mapping.senior_types for r in rows["primary"] + rows["junior"]):
        for f in given["senior"]:
            warnings.append(Problem("warning", "empty_stage", "高中学段表中没有学校行", "the 高中 (senior) stage file "
                                    "holds no school row", file=str(f.path), sheet=f.sheet, row=f.header.first_data,
                                    county=county, year=year))


def _likely_unit(unit: str, larger: bool) -> str:
    """The unit 10⁴ times larger (元 → 万元) or smaller (万元 → 元) than ``unit``, "" when there is none."""
    family = next((f for f in UNIT_FAMILIES if unit in f), None)
    if family is None:
        return ""
    size = family[unit] * 10_000 if larger else family[unit] / 10_000
    return next((u for u, s in family.items() if s == size), "")


def _unit_plausibility(table: pd.DataFrame, compulsory: list, files: list, mapping: Mapping, warnings: list,
                       county: str, year: int) -> None:
    """A 元/万元 slip (单位可能有误): an equipment value per pupil below ``equipment_per_student_min_yuan`` (rules/
    data_checks.toml) that 10⁴ times would bring into range, or above 10⁴ times that limit and brought into range
    by a ten-thousandth, is a warning naming the likely unit of the export's column — once, at the column's header,
    when every school of the sheet is off the same way (the column's unit), else at each school's row (a cell typed
    in the other unit).  Schools take their whole-school values from their first stage file, so each is checked
    where its value was read."""
    from ..rules import data_check_rules

    column = "equipment_value_yuan"
    if column not in table.columns or column not in mapping.facility or table.empty:
        return
    least = float(data_check_rules()["equipment_per_student_min_yuan"])
    most = least * 10_000
    names = formula_names(mapping.facility[column])
    first: dict = {}
    for r in compulsory:
        first.setdefault(r["school_id"], r)
    pupils = table[["students_primary", "students_junior", "students_senior"]].sum(axis=1).astype(float)
    values = table[column].astype(float)

    def off(value, count):
        if count <= 0 or value <= 0:
            return 0
        per = value / count
        if per < least <= per * 10_000 <= most:
            return 10_000
        if per > most >= per / 10_000 >= least:
            return -10_000
        return 0

    for f in files:
        var = next((v for v in names if v in f.columns), None)
        if var is None:
            continue
        col = f.columns[var]
        read = col.unit or col.entry.unit
        how = "表头注明" if col.unit else "映射文件的单位，表头未注明"
        mine = [i for i, sid in enumerate(table["school_id"]) if sid in first and first[sid]["file"] == str(f.path)
                and first[sid]["sheet"] == f.sheet]
        if not mine:
            continue
        factors = {off(float(values.iloc[i]), float(pupils.iloc[i])) for i in mine
                   if values.iloc[i] > 0 and pupils.iloc[i] > 0}
        factor = factors.pop() if len(factors) == 1 else 0
        if factor and len(mine) > 1:          # every school off the same way: the column's unit, said once
            likely = _likely_unit(read, factor > 0) or ("大一万倍的单位" if factor > 0 else "小一万倍的单位")
            per = float(values.iloc[mine].sum()) / float(pupils.iloc[mine].sum())
            warnings.append(Problem(
                "warning", "unit_suspect", f"本表每所学校的生均教学仪器设备值都与合理范围（{least:g}–{most:g} 元）相差约一万倍"
                f"（全表 {per:,.2f} 元）：这一列很可能以「{likely}」为单位，现按「{read}」读取（{how}）。请核对表头单位",
                f"every school's equipment value per pupil is about 10,000 times off the plausible {least:g}–{most:g} "
                f"yuan (sheet: {per:,.2f}): the column is probably in {likely}, read as {read}", file=str(f.path),
                sheet=f.sheet, row=f.header.bottom, column=col.header, value=likely, county=county, year=year))
            continue
        for i in mine:
            factor = off(float(values.iloc[i]), float(pupils.iloc[i]))
            if not factor:
                continue
            r = first[table["school_id"].iloc[i]]
            likely = _likely_unit(read, factor > 0) or ("大一万倍的单位" if factor > 0 else "小一万倍的单位")
            per = float(values.iloc[i]) / float(pupils.iloc[i])
            warnings.append(Problem(
                "warning", "unit_suspect", f"生均教学仪器设备值 {per:,.2f} 元，与合理范围（{least:g}–{most:g} 元）相差约一万倍："
                f"本校这一格很可能以「{likely}」填报，现按「{read}」读取（{how}）。请核对",
                f"equipment value per pupil {per:,.2f} yuan, about 10,000 times off the plausible {least:g}–{most:g}: "
                f"this cell is probably in {likely}, read as {read}", file=r["file"], sheet=r["sheet"], row=r["row"],
                column=col.header, value=likely, school_id=r["school_id"], county=county, year=year))


def _join_supplement(compulsory, supp, closed_ids, problems, warnings, county, year) -> None:
    """The supplementary table's values, by school id, onto every stage record of the school."""
    by_id: dict = {}
    for r in compulsory:
        by_id.setdefault(r["school_id"], []).append(r)
    for sid, values in supp.rows.items():
        file, sheet, row, column = supp.located[sid]
        if sid not in by_id:
            if sid in closed_ids:
                warnings.append(Problem("warning", "supplement_closed", "补充表中的这所学校在导出表中已删除（上年撤销或汇总行），"
                                        "其补充数据未使用", "this school was dropped from the exports (closed last "
                                        "year); its supplementary values are not used", file=file, sheet=sheet, row=row,
                                        column=column, value=sid, county=county, year=year))
            else:
                problems.append(Problem("error", "supplement_unmatched", "补充表中的学校标识码在导出表中找不到：请核对标识码"
                                        "（每个独立校区有自己的标识码）", "the supplement's school id is not in the "
                                        "exports", file=file, sheet=sheet, row=row, column=column, value=sid,
                                        county=county, year=year))
            continue
        for r in by_id[sid]:
            for col, value in values.items():
                if col == "built_year":
                    r["built_year"] = int(value) if value is not None and not math.isnan(value) else r["built_year"]
                elif col.startswith("max_class_"):
                    if value is not None and not math.isnan(value) and r["stage"] == col[len("max_class_"):]:
                        r["section"][col] = float(value)
                elif r["stage"] in ("primary", "junior"):
                    r["facility"][col] = float(value)
    missing = [rs[0] for sid, rs in by_id.items() if sid not in supp.rows]
    for r in missing:
        problems.append(Problem("error", "supplement_missing", f"补充表中没有这所学校（学校标识码 {r['school_id']}）："
                                "音乐、美术专用教室数与最小面积须在补充表中填写（统计表中没有这些数据）",
                                "the school has no row in the supplementary table (music and art rooms come only "
                                "from it)", file=r["file"], sheet=r["sheet"], row=r["row"], value=r["school_name"],
                                school_id=r["school_id"], county=county, year=year))


@functools.lru_cache(maxsize=1)
def _fields() -> set:
    return {c.field for c in schema.columns()}


MAX_COLUMNS = ("max_class_primary", "max_class_junior")
MIN_AREA = {"music_room_min_area_m2": "music_rooms", "art_room_min_area_m2": "art_rooms"}


def _combine(into: dict, extra: dict) -> None:
    """Add a campus's quantities to its parent's (sums; the larger largest class; the smaller smallest room)."""
    for group in ("section", "facility"):
        for col, value in extra[group].items():
            mine = into[group].get(col, 0.0)
            if col in MAX_COLUMNS:
                into[group][col] = max(mine, value)
            elif col in MIN_AREA:
                rooms_mine, rooms_extra = into["facility"].get(MIN_AREA[col], 0), extra["facility"].get(MIN_AREA[col], 0)
                areas = [a for a, n in ((mine, rooms_mine), (value, rooms_extra)) if n > 0]
                into[group][col] = min(areas) if areas else 0.0
            else:
                into[group][col] = mine + value


def _merge_campuses(records, campus_map, suffix: re.Pattern, merges, problems, county, year):
    by_key = {(r["stage"], r["school_id"]): r for r in records if r["counted"]}
    by_name = {}
    for r in records:
        if r["counted"]:
            by_name.setdefault((r["stage"], r["school_name"]), []).append(r)
    out = [r for r in records if r["counted"]]
    for r in (r for r in records if not r["counted"]):
        parent = None
        if r["school_id"] in campus_map:
            parent = by_key.get((r["stage"], str(campus_map[r["school_id"]])))
            how = f"按校区对应表并入 {campus_map[r['school_id']]}"
        else:
            name = suffix.sub("", r["school_name"])
            hits = by_name.get((r["stage"], name), []) if name != r["school_name"] else []
            parent = hits[0] if len(hits) == 1 else None
            how = f"按名称规则（去掉“{r['school_name'][len(name):]}”）并入「{name}」"
        if parent is None:
            problems.append(Problem("error", "campus_parent", "不计校数的校区找不到所属学校：请用 --campus-map 指定"
                                    "（校区标识码,所属学校标识码）", "campus (不计校数) without a parent school; give "
                                    "--campus-map", file=r["file"], row=r["row"], value=r["school_name"],
                                    county=county, year=year))
            continue
        _combine(parent, r)
        merges.append({"类型": "不计校数校区并入所属学校（--merge-campuses）", "学校标识码": parent["school_id"],
                       "学校名称": parent["school_name"],
                       "说明": f"{r['school_name']}（{r['school_id']}，{r['label']} 第{r['row']}行）{how}：人数、"
                             f"班数与班额分段、教师、面积、设备、教室相加，最大班额取较大者，专用教室最小面积取较小者"})
    return out


def _merge_stages(records, merges, warnings, county, year) -> pd.DataFrame:
    by_id: dict = {}
    for r in records:
        by_id.setdefault(r["school_id"], []).append(r)
    rows = []
    for sid, parts in by_id.items():
        first = parts[0]
        row = {c.field: 0 for c in schema.columns() if c.required == "required"}
        row.update({c.field: np.nan for c in schema.columns() if c.required == "either"})
        row.update(school_id=sid, school_name=first["school_name"], county=county, year=year,
                   school_type=first["school_type"], urban_rural=first["urban_rural"], ownership=first["ownership"],
                   built_year=first["built_year"], students_senior=0, migrant_students=0)
        for p in parts:
            for col, value in p["section"].items():
                row[col] = row.get(col, 0) + value if col == "migrant_students" else value
        row.update(first["facility"])
        if len(parts) > 1:
            for other in parts[1:]:
                differ = [col for col, v in other["facility"].items() if col in first["facility"]
                          and abs(v - first["facility"][col]) > 1e-9]
                if differ:
                    warnings.append(Problem("warning", "facility_differs", f"同一学校在不同学段表中的全校数据不一致，取"
                                            f"{first['label']}的值：{'、'.join(schema.field_zh(c) for c in differ)}",
                                            "whole-school values differ between stage files; the first file's kept",
                                            file=other["file"], row=other["row"], value=sid, county=county, year=year))
            merges.append({"类型": "一贯制学校合并各学段表", "学校标识码": sid, "学校名称": first["school_name"],
                           "说明": "；".join(f"{STAGE_ZH[p['stage']]}：{p['label']} 第{p['row']}行" for p in parts) +
                                   "；各学段数据取自本学段表，全校面积、设备、教室只取一次"})
        if first.get("senior_row"):
            file, line = first["senior_row"]
            merges.append({"类型": "高中在校生数取自高中学段表", "学校标识码": sid, "学校名称": first["school_name"],
                           "说明": f"高中：{file} 第{line}行，高中在校生 {int(row['students_senior'])} 人，用于拆分"})
        rows.append(row)
    table = pd.DataFrame(rows)
    for c in schema.columns():                 # a stage the school does not have: its band counts are 0
        if c.field in table.columns and c.field.startswith("classes_band_"):
            table[c.field] = table[c.field].fillna(0.0)
    ordered = [c.field for c in schema.columns() if c.field in table.columns]
    return table[ordered].sort_values("school_id", kind="stable").reset_index(drop=True)


def school_list(paths, mapping="stats-2021") -> pd.DataFrame:
    """学校标识码 and 学校名称 of every school row of the stage files (summary rows and schools closed last year
    left out), in file order, for a pre-filled supplementary table; raises :class:`ValidationError`."""
    mapping = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    problems: list[Problem] = []
    from .school_forms import split_exports       # a folder; per-school workbooks, a sheet per form (decision 145)
    paths, files = split_exports(paths, mapping, problems, identity_only=True)
    files += [f for p in paths for f in read_export(p, mapping, problems, identity_only=True)[0]]
    if problems:
        raise ValidationError(problems)
    out, seen = [], set()
    for f in sorted(files, key=lambda f: STAGE_ORDER.index(f.stage)):
        if f.stage == "senior":
            continue
        for _, raw in f.rows:
            sid, name = _code(raw.get("school_id")), str(raw.get("school_name") or "").strip()
            label = _summary_label([raw.get("school_name"), raw.get("school_id"), *raw.get("_summary", [])],
                                   mapping.summary_words)
            try:
                closed = parse_flag(raw.get("closed"), mapping) if "closed" in f.columns else False
            except _BadFlag:
                closed = False
            if not sid or (label and not re.fullmatch(r"\d{6,}", sid)) or closed or sid in seen:
                continue
            seen.add(sid)
            out.append({"school_id": sid, "school_name": name})
    return pd.DataFrame(out, columns=["school_id", "school_name"])


# ----------------------------------------------------------------------------------------------- writing
def write_canonical(result: ImportResult, path) -> Path:
    """The canonical school table as .xlsx (Chinese headers, as ``junyun template``), readable by the core.

    A file name that states a year (``schools_2023.xlsx``) must state the rows' 统计年度 (``--year``), and lie
    within 2010 .. next year (:mod:`junyun_lib.io.years`): otherwise nothing is written (:class:`ValidationError`),
    so ``junyun ingest`` never meets a 2023 file holding 2024's rows.
    """
    path = Path(path)
    problems = years.name_range_problems(path)
    for year in sorted({int(y) for y in result.table["year"].dropna()}) if "year" in result.table else []:
        problems += years.names_disagree(path, year, stated_zh="导入数据的「统计年度」（--year）",
                                         stated_en="the imported rows' 统计年度 (--year)")
    if problems:
        raise ValidationError(problems)
    from .supplement import ROOM_FIELDS, ROOMS_ITEM_ZH, rooms_no_data

    table = result.table
    # music and art rooms come only from the supplementary table: without it their columns are written blank —
    # no data, never 0 — so the table shows what is missing and junyun ingest reads 无数据
    if any(f not in table.columns for f in ROOM_FIELDS):
        table = table.reindex(columns=[c.field for c in schema.columns()
                                       if c.field in table.columns or c.field in ROOM_FIELDS])
    frame = table.rename(columns={c.field: c.header_zh for c in schema.columns()})
    notes = [f"由 junyun import 从教育事业统计导出表生成（映射：{result.mapping.name}，{result.mapping.path}）。"]
    if rooms_no_data(table):
        notes.append(f"音乐、美术专用教室数及最小面积留空：没有补充表提供，即无数据（不按 0 计），{ROOMS_ITEM_ZH}显示为"
                     "无数据；用 junyun supplement-template 生成补充表，填写后以 junyun import --supplement 重新导入。")
    if result.synthetic:
        notes.insert(0, "合成示例数据（synthetic sample data）：导出表为合成示例，数值虚构。")
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="学校数据", index=False)
        pd.DataFrame({"说明": notes}).to_excel(writer, sheet_name="数据说明", index=False, header=False)
        for sheet in writer.sheets.values():      # a school named =HYPERLINK(…) stays a name
            protect_formulas(sheet)
    return path


def write_report(result: ImportResult, path) -> Path:
    """The import report (导入报告) as .xlsx: 说明, 学段表 (every sheet read or skipped: its stage and why, the rows
    read as title and header, schools and pupils, the 合计 check), 列映射 (each entry's header path as printed and
    how it matched), derivations, merges, dropped rows, warnings."""
    path = Path(path)
    about = list(result.about) or [("映射文件", f"{result.mapping.name}（{result.mapping.path}）"),
                                   ("学校数", len(result.table)), ("合并", len(result.merges)),
                                   ("删除", len(result.dropped)), ("警告", len(result.warnings))]
    warnings = pd.DataFrame([{"位置": p.location(), "值": p.value, "说明": p.message_zh, "Message": p.message_en}
                             for p in result.warnings], columns=["位置", "值", "说明", "Message"])
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        pd.DataFrame(about, columns=["项目", "内容"]).to_excel(writer, sheet_name="说明", index=False)
        result.sheets.to_excel(writer, sheet_name="学段表", index=False)
        result.columns.to_excel(writer, sheet_name="列映射", index=False)
        result.derivations.to_excel(writer, sheet_name="派生计算", index=False)
        result.merges.to_excel(writer, sheet_name="合并记录", index=False)
        result.dropped.to_excel(writer, sheet_name="删除记录", index=False)
        warnings.to_excel(writer, sheet_name="警告", index=False)
        for sheet in writer.sheets.values():      # text from the exports never becomes a formula
            protect_formulas(sheet)
    return path


def read_campus_map(path) -> dict:
    """``campus id → parent id`` from a two-column CSV (校区标识码, 所属学校标识码), header row first.

    Read like every CSV (:mod:`junyun_lib.io.textfile`: UTF-8, GBK …); a missing file, fewer than two columns,
    a line whose cells do not line up with the header, a blank id and a campus given two parents are located
    errors, all reported together.
    """
    file = str(path)
    lines = csv_rows(read_text(path, "校区对应表"), file)
    first = next((i for i, (_, c) in enumerate(lines) if any(x.strip() for x in c)), None)
    header = [h.strip() for h in lines[first][1]] if first is not None else []
    header_row = lines[first][0] if first is not None else 1
    if len(header) < 2:
        raise ValidationError([Problem(
            "error", "missing_column", "校区对应表应有两列：校区标识码,所属学校标识码（首行为表头）",
            "the campus map needs two columns: campus id, parent school id (header row first)", file=file,
            row=header_row, value=",".join(header))])
    problems, out, seen = [], {}, {}
    for row_no, line in lines[first + 1:]:
        if not any(x.strip() for x in line):
            continue
        if len(line) != len(header):
            problems.append(Problem("error", "ragged_row", f"本行有 {len(line)} 个单元格，表头行有 {len(header)} 个",
                                    f"this line has {len(line)} cells but the header line has {len(header)}",
                                    file=file, row=row_no, value=",".join(line)))
            continue
        campus, parent = line[0].strip(), line[1].strip()
        for column, value in ((header[0], campus), (header[1], parent)):
            if not value:
                problems.append(Problem("error", "blank", "标识码为空", "the id is blank", file=file, row=row_no,
                                        column=column))
        if not campus or not parent:
            continue
        if campus in out and out[campus] != parent:
            problems.append(Problem("error", "duplicate", f"同一校区对应了两所学校（第{seen[campus]}行为「{out[campus]}」）",
                                    f"the campus is given two parents (row {seen[campus]}: {out[campus]!r})",
                                    file=file, row=row_no, column=header[0], value=campus))
            continue
        out[campus], seen[campus] = parent, row_no
    if problems:
        raise ValidationError(problems)
    return out
