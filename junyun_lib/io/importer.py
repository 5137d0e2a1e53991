"""Import from the education-statistics exports (教育事业统计导出表) into the canonical school table.

A county's "wide" export is one workbook per stage (小学, 初中, 高中), one row per school or independent campus,
under multi-row merged headers.  Columns are found by **header path** (the header texts of a column from the top
header row down, merged cells repeated over the columns they span) through a mapping file — data, versioned by
form year (``junyun_lib/rules/imports/stats-2021.toml`` for the 教基NNNN forms, ``stats-2020.toml`` for
基础基xxx) and editable; each entry cites the form and the row or column it comes from (``source``).

**Header texts as printed.**  Before matching, every header text and every mapping text is normalised
(:func:`normalise_header`): full-width forms read as half-width (（）：＃ → ():#), white space and line breaks
dropped, dashes unified, list and subset prefixes dropped ("一、", "（一）", "1.", "其中：", "#"), unit brackets
dropped ("（平方米）", "(万元)"; the unit is kept and checked against the mapping's ``unit``).  A mapping path
matches a column when its texts appear in the column's path in that order (other levels may sit between); an
entry may list alternatives (``paths``: 机构编码 or 学校标识码), the first that matches is used.  No match (for
an entry that is not ``optional``) or several matches is an error naming the path, the file and the candidates.

Then, in this order (every step listed in the import report):

1. summary rows (合计、总计、小计 in the name, the id or a ``summary_columns`` column) are dropped and listed;
2. rows 是否上年撤销 = 是 / 1 are dropped and listed (flags read as 1/0, 1.0/0.0, 是/否; a numeric 0 is a no,
   never a blank);
3. section quantities (students, classes, class-size bands, teachers…) come from each stage file for its own
   stage; derived quantities use the mapping's formulas (教学及辅助用房 − 室内体育用房, 运动场地面积 + 室内体育用房,
   万元 × 10000, degree sums, 体育与健康 + 艺术小计); whole-school quantities from the 小学 and 初中 files only;
4. the 高中 file (教基3118 / 基础基314) gives ``students_senior`` to the schools of the compulsory files; a
   完全中学 or 十二年一贯制学校 without a row there is an error naming it; schools found only there (高级中学)
   are not imported and are listed;
5. the supplementary table (``--supplement``, :mod:`junyun_lib.io.supplement`) gives what no form has — music
   and art rooms and their smallest areas, 建成年份 where the export lacks it — joined by school id; an id the
   exports do not have is an error at its row;
6. each independent campus is its own unit (有关指标说明（一）"以独立校区为统计单位"); only with
   ``merge_campuses`` are campuses flagged 是否计校数 = 否 / 0 merged into their parent school — from
   ``campus_map`` (campus id → parent id) or the school whose name is the campus name without a trailing
   "（…校区）" (the words are the mapping's ``[campuses] name_suffixes``): counts, bands and areas summed, the
   larger largest class, the smaller smallest room; the choice is recorded in the report;
7. a school found in several stage files (一贯制) is one row: each stage from its file, whole-school quantities
   taken once (from the first file; a different value in another file is a warning).

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

import numpy as np
import pandas as pd

from ..problems import Problem, ValidationError
from ..rules import _files, schema
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
UNIT_WORDS = ("平方米", "m2", "m²", "㎡", "万元", "千元", "元", "人", "人次", "个", "间", "册", "台", "所", "班", "学时",
              "小时", "Mbps")
SUMMARY_WORDS = ("合计", "总计", "小计")


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
        if not _files.exists(name):
            raise ValidationError([Problem("error", "unknown_mapping", f"找不到映射文件「{name_or_path}」，内置的有 "
                                           f"{', '.join(bundled_mappings())}",
                                           f"no mapping {name_or_path!r}; bundled: {bundled_mappings()}")])
        text, where = _files.text(name), f"内置映射 {name_or_path}"
    try:
        d = _files.loads(text)
    except _files.TOMLDecodeError as exc:
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
        tuple(UNIT_WORDS) + tuple(headers.get("units", ())))


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
    entries = {"identity": {}, "variables": {}, "stage_variables": {}, "summary_columns": []}
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
    return [name[:-5] for name in _files.names("imports")]


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
@dataclass
class StageFile:
    """One stage file of an export, its columns matched (一个学段的导出表)."""

    path: Path
    sheet: str
    title: str
    stage: str
    columns: dict            # name → (column index, header path text, column letter, Entry, path used)
    rows: list               # (excel row, {name: raw cell value})
    summary: list = field(default_factory=list)    # column indexes where a summary row may say 合计


def _header_paths(ws) -> tuple[list[tuple[str, ...]], int, str]:
    """Header paths of every column, the first data row and the title (row 1)."""
    merged = list(ws.merged_cells.ranges)
    title = str(ws.cell(1, 1).value or "")
    header_top = 2
    last = header_top
    for rng in merged:                              # the first column's header spans every header row
        if rng.min_row == header_top and rng.min_col == 1:
            last = rng.max_row
    width = ws.max_column
    grid = [[ws.cell(r, c).value for c in range(1, width + 1)] for r in range(header_top, last + 1)]
    for rng in merged:                              # forward-fill merged cells inside the header block
        if rng.max_row < header_top or rng.min_row > last:
            continue
        value = ws.cell(rng.min_row, rng.min_col).value
        for r in range(max(rng.min_row, header_top), min(rng.max_row, last) + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                grid[r - header_top][c - 1] = value
    paths = []
    for c in range(width):
        texts = []
        for r in range(len(grid)):
            t = str(grid[r][c]).strip() if grid[r][c] is not None else ""
            if t and (not texts or texts[-1] != t):
                texts.append(t)
        paths.append(tuple(texts))
    return paths, last + 1, title


def _normal_path(path, units: re.Pattern) -> tuple[str, ...]:
    out = []
    for text in path:
        t = normalise_header(text, units)
        if t and (not out or out[-1] != t):
            out.append(t)
    return tuple(out)


def _matches(wanted: tuple, path: tuple) -> bool:
    it = iter(path)
    return all(any(w == p for p in it) for w in wanted)


def _find(entry: Entry, normal: list, units: re.Pattern) -> tuple[list[int], int]:
    """Columns matching the first alternative that matches anything, and which alternative (-1: none)."""
    for i, alternative in enumerate(entry.paths):
        wanted = _normal_path(alternative, units)
        hits = [c for c, p in enumerate(normal) if wanted and _matches(wanted, p)]
        if hits:
            return hits, i
    return [], -1


def read_stage_file(path, mapping: Mapping, problems: list[Problem], identity_only: bool = False) -> StageFile | None:
    """One stage file, its columns matched; problems are added to ``problems`` (None when it cannot be read)."""
    from openpyxl.utils import get_column_letter

    path = Path(path)
    try:
        ws, formulas = _open_export(path)
    except ValidationError as exc:
        problems.extend(exc.problems)
        return None
    paths, first_data, title = _header_paths(ws)
    units = mapping.unit_pattern
    normal = [_normal_path(p, units) for p in paths]
    stage = next((s for s in STAGE_ORDER if any(w in title for w in mapping.stages.get(s, ()))), None) or \
        next((s for s in STAGE_ORDER if any(w in path.name for w in mapping.stages.get(s, ()))), None)
    where = {"file": str(path), "sheet": ws.title}
    if stage is None:
        words = "、".join(f"“{w}”" for s in STAGE_ORDER for w in mapping.stages.get(s, ())[:1])
        problems.append(Problem("error", "unknown_stage", f"无法判断文件所属学段：标题或文件名中应含{words}",
                                "cannot tell the stage: the title or the file name must name it (小学, 初中, 高中)",
                                row=1, value=title, **where))
        return None
    columns = {}
    needed = _needed_variables(mapping, stage, identity_only)
    for name in needed:
        entry = mapping.entry(stage, name)
        hits, alternative = _find(entry, normal, units)
        if len(hits) == 1:
            c = hits[0]
            columns[name] = (c, SEP.join(paths[c]), get_column_letter(c + 1), entry, SEP.join(entry.paths[alternative]))
            unit = header_unit(paths[c], units)
            if entry.unit and unit and unit != entry.unit:
                problems.append(Problem(
                    "error", "unit_mismatch", f"表头注明的单位是「{unit}」，映射文件按「{entry.unit}」读取（{name}）：请核对"
                    f"导出表，或修改映射文件中的 unit 与公式", f"the header states the unit {unit!r} but the mapping reads "
                    f"{entry.unit!r} ({name})", row=first_data - 1, column=SEP.join(paths[c]), value=unit, **where))
        elif not hits:
            if not entry.optional:
                problems.append(Problem("error", "missing_header", f"找不到表头路径「{entry.shown}」（{name}）",
                                        f"header path {entry.shown!r} ({name}) not found", row=first_data - 1,
                                        column=entry.shown, **where))
        else:
            cands = "；".join(f"{get_column_letter(i + 1)}列「{SEP.join(paths[i])}」" for i in hits)
            shown = SEP.join(entry.paths[alternative])
            problems.append(Problem("error", "ambiguous_header", f"表头路径「{shown}」匹配到多列：{cands}",
                                    f"header path {shown!r} matches several columns: {cands}", row=first_data - 1,
                                    column=shown, **where))
    if stage != "senior" and not identity_only:
        if not any(k in columns for k in ("urban_code", "urban_name")) and \
                any(k in mapping.identity for k in ("urban_code", "urban_name")):
            shown = " 或 ".join(mapping.identity[k].shown for k in ("urban_code", "urban_name") if k in mapping.identity)
            problems.append(Problem("error", "missing_header", f"找不到城乡分类的表头「{shown}」",
                                    f"no urban/rural column ({shown})", row=first_data - 1, column=shown, **where))
    summary = []
    for entry in mapping.summary_columns:
        hits, _ = _find(entry, normal, units)
        summary += hits
    rows = []
    for r in range(first_data, ws.max_row + 1):
        values = {name: ws.cell(r, col[0] + 1).value for name, col in columns.items()}
        extra = [ws.cell(r, c + 1).value for c in summary]
        if all(v is None or str(v).strip() == "" for v in list(values.values()) + extra) and \
                not any((r, col[0] + 1) in formulas for col in columns.values()):
            continue
        for name, col in columns.items():
            if values[name] is None and (r, col[0] + 1) in formulas:
                values[name] = _Formula(formulas[(r, col[0] + 1)])   # a formula never calculated: never a blank
        values["_summary"] = extra
        rows.append((r, values))
    return StageFile(path, ws.title, title, stage, columns, rows, summary)


@dataclass(frozen=True)
class _Formula:
    """A formula cell without a cached value (the file was written by a program, never saved in Excel)."""

    text: str

    def __str__(self) -> str:
        return self.text


def _open_export(path: Path):
    """The first sheet of an export (full reader: merged ranges are needed) and ``{(row, column): formula}`` of
    its formula cells; a missing, truncated or non-.xlsx file is a located :class:`ValidationError`."""
    from openpyxl import load_workbook

    data = read_bytes(path, "导出表")
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
        ws = book.worksheets[0]
        raw = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            formulas = {(c.row, c.column): str(getattr(c.value, "text", c.value))
                        for row in raw.worksheets[0].iter_rows() for c in row if getattr(c, "data_type", "") == "f"}
        finally:
            raw.close()
    except Exception as exc:  # noqa: BLE001 — not a zip, truncated, encrypted, a damaged sheet: all unreadable
        raise ValidationError([Problem(
            "error", "unreadable", "无法作为 Excel 工作簿读取（文件不完整、已损坏，或不是 .xlsx 文件）：请从统计系统重新导出为 .xlsx",
            f"cannot read the file as an Excel workbook (truncated, damaged, or not an .xlsx file: "
            f"{type(exc).__name__}: {exc}); export it again as .xlsx", file=str(path))]) from None
    return ws, formulas


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
    files = [f for f in (read_stage_file(p, mapping, problems) for p in paths) if f is not None]
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
                                        f"{Path(other['file']).name} 第{other['row']}行）", "the school appears twice in "
                                        "the same stage", file=str(f.path), sheet=f.sheet, row=row,
                                        column=f.columns["school_id"][1], value=record["school_id"], county=county,
                                        year=year))
                continue
            seen[key] = record
            records.append(record)
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
                               "说明": f"{Path(r['file']).name} 第{r['row']}行 是否计校数 = 否：按有关指标说明（一）“以独立"
                                     "校区为统计单位”单独评估；如需并入所属学校，请加 --merge-campuses"})
    table = _merge_stages(compulsory, merges, warnings, county, year)
    if "built_year" not in table.columns or table["built_year"].isna().all():
        warnings.append(Problem("warning", "no_built_year", "导出表和补充表都没有建校（建成）年份：2010年、2016年及以前建成"
                                "学校的评估例外无法适用；如需适用，请在补充表中填写「建成年份」",
                                "no year built in the exports or the supplement: the exceptions for schools built "
                                "in 2010/2016 or earlier cannot apply", county=county, year=year))
    synthetic = any(SYNTHETIC_MARK in f.title for f in files)
    columns = pd.DataFrame([{"文件": f.path.name, "学段": f.stage, "变量": name, "映射表头路径": used,
                             "导出表中的表头": header, "列": letter, "来源（表号、行列）": entry.source,
                             "单位": entry.unit}
                            for f in files for name, (_, header, letter, entry, used) in f.columns.items()],
                           columns=["文件", "学段", "变量", "映射表头路径", "导出表中的表头", "列", "来源（表号、行列）", "单位"])
    derivations = pd.DataFrame(
        [{"标准列": col, "表头": schema.field_zh(col) if col in _fields() else col, "学段": stage, "公式": formula}
         for stage, cols in mapping.section.items() for col, formula in cols.items()] +
        [{"标准列": col, "表头": schema.field_zh(col), "学段": "全校（一贯制学校只取一次）", "公式": formula}
         for col, formula in mapping.facility.items()] +
        ([{"标准列": col, "表头": schema.field_zh(col), "学段": "补充表", "公式": f"补充表「{schema.field_zh(col)}」（{supp.file}）"}
          for col in supp.fields] if supp is not None else []))
    kept = sum(1 for r in compulsory if not r["counted"]) if not merge_campuses else 0
    about = [("映射文件", f"{mapping.name}（{mapping.path}）"), ("学校数", len(table)),
             ("各学段导出表", "；".join(f"{STAGE_ZH[f.stage]}：{f.path.name}" for f in files)),
             ("校区处理", "按 --merge-campuses 将不计校数校区并入所属学校（见“合并记录”）" if merge_campuses else
              f"每个独立校区单独计（有关指标说明（一）“以独立校区为统计单位”）；不计校数校区 {kept} 个，未合并"),
             ("补充表", f"{supp.file}（{len(supp.rows)} 所学校）" if supp is not None else "未提供"),
             ("合并", len(merges)), ("删除", len(dropped)), ("警告", len(warnings))]
    if synthetic:
        about.insert(0, ("数据性质", "合成示例数据（导出表为合成示例，数值虚构）"))
    return ImportResult(table, columns, derivations, pd.DataFrame(merges, columns=["类型", "学校标识码", "学校名称", "说明"]),
                        pd.DataFrame(dropped, columns=["学校标识码", "学校名称", "文件", "行", "原因"]), warnings, synthetic,
                        mapping, about)


def _sources_problems(mapping: Mapping, files: list, supp) -> list[Problem]:
    """Every column the school table needs must come from a formula of the mapping or from the supplement."""
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
        dropped.append({"学校标识码": sid, "学校名称": name, "文件": f.path.name, "行": row,
                        "原因": f"汇总行（{label}），不是学校"})
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
        dropped.append({"学校标识码": sid, "学校名称": name, "文件": f.path.name, "行": row,
                        "原因": "是否上年撤销 = 是（上年已撤销）"})
        return None
    if not sid:
        bad("school_id", "学校标识码（机构编码）为空", "the school id is blank", raw.get("school_id"), "blank")
        return None
    if not re.fullmatch(r"\d{10}", sid):
        warnings.append(Problem("warning", "school_id", "学校标识码通常为10位数字", "school identifiers are usually 10 "
                                "digits", column=f.columns["school_id"][1], value=sid, **where))
    variables, ok = {}, True
    for var in sorted(_formula_variables(mapping, f.stage)):
        if var not in f.columns:
            variables[var] = 0.0                    # an optional entry the export does not have (e.g. 博士研究生)
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
        variables[var] = cell.value or 0.0
    record = {"file": str(f.path), "sheet": f.sheet, "row": row, "stage": f.stage, "school_id": sid,
              "school_name": name, "counted": flags.get("counted") is not False, "section": {}, "facility": {},
              "built_year": None}
    if f.stage != "senior":
        record.update(_identity(f, raw, mapping, bad))
        if record.get("school_type") is None or record.get("ownership") is None or record.get("urban_rural") is None:
            ok = False
    if not ok:
        return None
    try:
        record["section"] = {c: evaluate_formula(x, variables) for c, x in mapping.section.get(f.stage, {}).items()}
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
            r["senior_row"] = (s["file"], s["row"])
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
                            "行": s["row"], "原因": "只见于高中学段表：不是义务教育学校（如高级中学），不导入"})


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
                       "说明": f"{r['school_name']}（{r['school_id']}，{Path(r['file']).name} 第{r['row']}行）{how}：人数、"
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
                                            f"{Path(first['file']).name}的值：{'、'.join(schema.field_zh(c) for c in differ)}",
                                            "whole-school values differ between stage files; the first file's kept",
                                            file=other["file"], row=other["row"], value=sid, county=county, year=year))
            merges.append({"类型": "一贯制学校合并各学段表", "学校标识码": sid, "学校名称": first["school_name"],
                           "说明": "；".join(f"{STAGE_ZH[p['stage']]}：{Path(p['file']).name} 第{p['row']}行" for p in parts) +
                                   "；各学段数据取自本学段表，全校面积、设备、教室只取一次"})
        if first.get("senior_row"):
            file, line = first["senior_row"]
            merges.append({"类型": "高中在校生数取自高中学段表", "学校标识码": sid, "学校名称": first["school_name"],
                           "说明": f"高中：{Path(file).name} 第{line}行，高中在校生 {int(row['students_senior'])} 人，用于拆分"})
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
    files = [f for f in (read_stage_file(p, mapping, problems, identity_only=True) for p in paths) if f is not None]
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
    frame = result.table.rename(columns={c.field: c.header_zh for c in schema.columns()})
    notes = [f"由 junyun import 从教育事业统计导出表生成（映射：{result.mapping.name}，{result.mapping.path}）。"]
    if result.synthetic:
        notes.insert(0, "合成示例数据（synthetic sample data）：导出表为合成示例，数值虚构。")
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="学校数据", index=False)
        pd.DataFrame({"说明": notes}).to_excel(writer, sheet_name="数据说明", index=False, header=False)
        for sheet in writer.sheets.values():      # a school named =HYPERLINK(…) stays a name
            protect_formulas(sheet)
    return path


def write_report(result: ImportResult, path) -> Path:
    """The import report (导入报告) as .xlsx: mapping, derivations, merges, dropped rows, warnings."""
    path = Path(path)
    about = list(result.about) or [("映射文件", f"{result.mapping.name}（{result.mapping.path}）"),
                                   ("学校数", len(result.table)), ("合并", len(result.merges)),
                                   ("删除", len(result.dropped)), ("警告", len(result.warnings))]
    warnings = pd.DataFrame([{"位置": p.location(), "值": p.value, "说明": p.message_zh, "Message": p.message_en}
                             for p in result.warnings], columns=["位置", "值", "说明", "Message"])
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        pd.DataFrame(about, columns=["项目", "内容"]).to_excel(writer, sheet_name="说明", index=False)
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
