"""Import from the education-statistics exports (教育事业统计导出表) into the canonical school table.

A county's "wide" export is one workbook per stage (小学, 初中), one row per school, under multi-row merged
headers.  Columns are found by **header path** (the header texts of a column from the top header row down,
merged cells repeated over the columns they span) through a mapping file — data, versioned by form year
(``junyun_lib/rules/imports/stats-2021.toml`` for the 教基NNNN forms, ``stats-2020.toml`` for 基础基xxx) and
editable.  A mapping path matches a column when its texts appear in the column's path in that order (other
levels such as "#按学历分" may sit between); none or several matches is an error naming the path, the file and
the candidates.

Then, in this order (every step listed in the import report):

1. rows 是否上年撤销 = 是 are dropped;
2. section quantities (students, classes, teachers…) come from each stage file for its own stage; derived
   quantities use the mapping's formulas (教学及辅助用房 − 室内体育用房, 运动场地面积 + 室内体育用房,
   万元 × 10000, degree sums, 体育与健康 + 艺术小计);
3. campuses with 是否计校数 = 否 are merged into their parent school — from ``campus_map`` (campus id →
   parent id) or, by default, the school whose name is the campus name without a trailing "（…校区）" /
   "（…分校）" (the words are the mapping's ``[campuses] name_suffixes``): counts and areas are summed,
   the largest class is the larger, the smallest room area the smaller of the rooms that exist;
4. a school found in several stage files (一贯制) is one row: each stage from its file, whole-school facility
   quantities taken once (from the first file; a different value in another file is a warning).

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
import operator
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..problems import Problem, ValidationError
from ..rules import _files, schema
from ..synthetic import SYNTHETIC_MARK
from . import cells
from .atomic import atomic_path
from .textfile import csv_rows, read_bytes, read_text
from .workbook import protect_formulas

SEP = " › "


# ---------------------------------------------------------------------------------------------- mapping
@dataclass(frozen=True)
class Mapping:
    """A mapping file (导入映射): header paths, formulas, code lists."""

    name: str
    version: str
    path: str
    stages: dict
    identity: dict
    variables: dict
    section: dict
    facility: dict
    codes: dict
    flags: dict
    campus_suffixes: tuple = ()

    @property
    def campus_pattern(self) -> re.Pattern:
        """A trailing （…校区） etc., from the mapping's ``[campuses] name_suffixes``."""
        words = "|".join(re.escape(w) for w in self.campus_suffixes) or "(?!)"
        return re.compile(rf"[（(][^（）()]*({words})[）)]$")


MAPPING_TABLES = ("stages", "identity", "variables", "section", "facility", "codes", "flags")
MAPPING_KEYS = ("name", "version", *MAPPING_TABLES)


def load_mapping(name_or_path="stats-2021") -> Mapping:
    """A bundled mapping by name (``stats-2021``, ``stats-2020``) or a mapping file of your own (a path).

    A file of your own is checked: TOML syntax (located by line), every required key (``name``, ``version``,
    ``stages``, ``identity``, ``variables``, ``section``, ``facility``, ``codes``, ``flags``) present and of
    the right kind, every formula valid and naming only variables of the file.  Raises
    :class:`ValidationError`.
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
    _check_mapping(d, text, where)
    return Mapping(d["name"], d["version"], where, d["stages"], d["identity"], d["variables"], d["section"],
                   d["facility"], d["codes"], d["flags"], tuple(d.get("campuses", {}).get("name_suffixes", ())))


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


def _check_mapping(d: dict, text: str, file: str) -> None:
    """Every problem of a parsed mapping, located by key (and line where the key is written)."""
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
    for table in ("stages", "identity", "variables"):
        for key, value in d[table].items():
            if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
                bad(f"{table}.{key}", "应为由文字组成的列表，如 [\"在校生数\", \"合计\"]",
                    'must be a list of texts, e.g. ["在校生数", "合计"]', value)
    for key in ("school_name", "school_id", "school_type"):
        if key not in d["identity"]:
            bad(f"identity.{key}", f"[identity] 缺少「{key}」", f"[identity] lacks {key!r}", code="missing_key")
    for key in ("school_type", "ownership", "urban_rural"):
        if not isinstance(d["codes"].get(key), dict):
            bad(f"codes.{key}", f"缺少代码表 [codes.{key}]", f"the code table [codes.{key}] is missing or not a table",
                code="missing_key")
    for key in ("yes", "no"):
        if not isinstance(d["flags"].get(key), list):
            bad(f"flags.{key}", f"[flags] 缺少列表「{key}」", f"[flags] lacks the list {key!r}", code="missing_key")
    known = set(d["identity"]) | set(d["variables"])
    formulas = [(f"section.{stage}.{col}", f) for stage, cols in d["section"].items()
                for col, f in (cols.items() if isinstance(cols, dict) else [])]
    formulas += [(f"facility.{col}", f) for col, f in d["facility"].items()]
    for stage, cols in d["section"].items():
        if not isinstance(cols, dict):
            bad(f"section.{stage}", f"[section.{stage}] 应为表", f"[section.{stage}] must be a table", cols)
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
    columns: dict            # name → (column index, header path text, column letter)
    rows: list               # (excel row, {name: raw cell value})


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


def _matches(wanted: list[str], path: tuple[str, ...]) -> bool:
    it = iter(path)
    return all(any(w == p for p in it) for w in wanted)


def read_stage_file(path, mapping: Mapping, problems: list[Problem]) -> StageFile | None:
    """One stage file, its columns matched; problems are added to ``problems`` (None when it cannot be read)."""
    from openpyxl.utils import get_column_letter

    path = Path(path)
    try:
        ws, formulas = _open_export(path)
    except ValidationError as exc:
        problems.extend(exc.problems)
        return None
    paths, first_data, title = _header_paths(ws)
    stage = next((s for s, words in mapping.stages.items() if any(w in title for w in words)), None) or \
        next((s for s, words in mapping.stages.items() if any(w in path.name for w in words)), None)
    where = {"file": str(path), "sheet": ws.title}
    if stage is None:
        problems.append(Problem("error", "unknown_stage", "无法判断文件所属学段：标题或文件名中应含“小学”或“初中”",
                                "cannot tell the stage: title or file name must contain 小学 or 初中", row=1,
                                value=title, **where))
        return None
    columns = {}
    wanted = {**mapping.identity, **mapping.variables}
    needed = _needed_variables(mapping, stage)
    for name, want in wanted.items():
        hits = [i for i, p in enumerate(paths) if _matches(list(want), p)]
        shown = SEP.join(want)
        if len(hits) == 1:
            columns[name] = (hits[0], SEP.join(paths[hits[0]]), get_column_letter(hits[0] + 1))
        elif not hits:
            if name in needed or name in ("school_name", "school_id", "school_type"):
                problems.append(Problem("error", "missing_header", f"找不到表头路径「{shown}」（{name}）",
                                        f"header path {shown!r} ({name}) not found", row=first_data - 1,
                                        column=shown, **where))
        else:
            cands = "；".join(f"{get_column_letter(i + 1)}列「{SEP.join(paths[i])}」" for i in hits)
            problems.append(Problem("error", "ambiguous_header", f"表头路径「{shown}」匹配到多列：{cands}",
                                    f"header path {shown!r} matches several columns: {cands}", row=first_data - 1,
                                    column=shown, **where))
    rows = []
    for r in range(first_data, ws.max_row + 1):
        values = {name: ws.cell(r, idx + 1).value for name, (idx, _, _) in columns.items()}
        if all(v is None or str(v).strip() == "" for v in values.values()) and \
                not any((r, idx + 1) in formulas for idx, _, _ in columns.values()):
            continue
        for name, (idx, _, _) in columns.items():
            if values[name] is None and (r, idx + 1) in formulas:
                values[name] = _Formula(formulas[(r, idx + 1)])   # a formula never calculated: never a blank
        rows.append((r, values))
    return StageFile(path, ws.title, title, stage, columns, rows)


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


def _needed_variables(mapping: Mapping, stage: str) -> set:
    names = {"counted", "closed", "sponsor", "area_code"}
    for formula in list(mapping.section.get(stage, {}).values()) + list(mapping.facility.values()):
        names.update(formula_names(formula))
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


def _flag(value, mapping: Mapping) -> bool | None:
    text = "" if value is None else str(value).strip()
    if text in mapping.flags["yes"]:
        return True
    if text in mapping.flags["no"] or text == "":
        return False
    return None


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
    return "" if value is None else str(value)


def _code(value) -> str:
    text = "" if value is None else str(value).strip()
    return text[:-2] if text.endswith(".0") else text


def import_exports(paths, year: int, county: str, mapping="stats-2021", campus_map: dict | None = None) -> ImportResult:
    """Read the stage files of one county's export; raises :class:`ValidationError` listing every problem."""
    mapping = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    problems: list[Problem] = []
    files = [f for f in (read_stage_file(p, mapping, problems) for p in paths) if f is not None]
    if problems:
        raise ValidationError(problems)
    order = {"primary": 0, "junior": 1}
    files.sort(key=lambda f: order.get(f.stage, 9))
    records, dropped, merges, warnings = [], [], [], []
    for f in files:
        for row, raw in f.rows:
            where = {"file": str(f.path), "sheet": f.sheet, "row": row, "county": county, "year": year}

            def bad(name, zh, en, value):
                problems.append(Problem("error", "bad_value", zh, en, column=f.columns[name][1], value=_shown(value),
                                        **where))

            def number_problem(name, reason: cells.Reason, value):
                zh, en = ("应为数字", "must be a number") if reason.code == "not_a_number" else \
                    (f"应为数字：{reason.zh}", f"must be a number: {reason.en}")
                problems.append(Problem("error", reason.code, zh, en, column=f.columns[name][1], value=_shown(value),
                                        **where))

            name = str(raw.get("school_name") or "").strip()
            sid = _code(raw.get("school_id"))
            if _flag(raw.get("closed"), mapping):
                dropped.append({"学校标识码": sid, "学校名称": name, "文件": f.path.name, "行": row,
                                "原因": "是否上年撤销 = 是（上年已撤销）"})
                continue
            variables = {}
            for var in _needed_variables(mapping, f.stage) - {"counted", "closed", "sponsor", "area_code"}:
                if var not in f.columns:
                    continue
                cell = _number(raw.get(var))
                if cell.error is not None:
                    number_problem(var, cell.error, raw.get(var))
                elif cell.warning is not None:
                    warnings.append(Problem("warning", cell.warning.code, cell.warning.zh, cell.warning.en,
                                            column=f.columns[var][1], value=_shown(raw.get(var)), **where))
                variables[var] = cell.value or 0.0
            school_type = mapping.codes["school_type"].get(str(raw.get("school_type") or "").strip())
            if school_type is None:
                bad("school_type", f"办学类型应为 {'、'.join(mapping.codes['school_type'])} 之一",
                    "unknown school type", raw.get("school_type"))
            ownership = mapping.codes["ownership"].get(str(raw.get("sponsor") or "").strip())
            if ownership is None and "sponsor" in f.columns:
                bad("sponsor", f"举办者应为 {'、'.join(mapping.codes['ownership'])} 之一", "unknown sponsor",
                    raw.get("sponsor"))
            urban = mapping.codes["urban_rural"].get(_code(raw.get("area_code")))
            if urban is None and "area_code" in f.columns:
                bad("area_code", "统计三级（城乡分类）代码无法识别", "unknown urban/rural code", raw.get("area_code"))
            if not re.fullmatch(r"\d{10}", sid):
                warnings.append(Problem("warning", "school_id", "学校标识码通常为10位数字", "school identifiers are "
                                        "usually 10 digits", column=f.columns["school_id"][1], value=sid, **where))
            missing = [v for names in (mapping.section.get(f.stage, {}), mapping.facility) for v in
                       {n for formula in names.values() for n in formula_names(formula)} if v not in variables]
            if missing:
                continue                                    # already reported as missing headers
            try:
                section = {col: evaluate_formula(formula, variables) for col, formula in mapping.section[f.stage].items()}
                facility = {col: evaluate_formula(formula, variables) for col, formula in mapping.facility.items()}
            except ZeroDivisionError:          # a mapping formula divides by an item that is 0 for this school
                problems.append(Problem("error", "division_by_zero", "映射公式除以 0：本校的分母项为 0，无法计算",
                                        "a mapping formula divides by zero for this school", **where))
                continue
            built = None
            if "built_year" in f.columns:
                cell = _number(raw.get("built_year"))
                if cell.error is not None:
                    number_problem("built_year", cell.error, raw.get("built_year"))
                built = cell.value
            records.append({"file": f.path.name, "row": row, "stage": f.stage, "school_id": sid, "school_name": name,
                            "school_type": school_type, "ownership": ownership, "urban_rural": urban,
                            # blank 是否计校数 counts; only an explicit 否 marks a campus to merge
                            "counted": str(raw.get("counted") or "").strip() not in mapping.flags["no"],
                            "built_year": int(built) if built else None, "section": section, "facility": facility})
    if problems:
        raise ValidationError(problems + warnings)

    records = _merge_campuses(records, campus_map or {}, mapping.campus_pattern, merges, problems, county, year)
    if problems:
        raise ValidationError(problems + warnings)
    table = _merge_stages(records, merges, warnings, county, year)
    synthetic = any(SYNTHETIC_MARK in f.title for f in files)
    columns = pd.DataFrame([{"文件": f.path.name, "学段": f.stage, "变量": name, "映射表头路径": SEP.join(
        {**mapping.identity, **mapping.variables}[name]), "导出表中的表头": header, "列": letter}
        for f in files for name, (_, header, letter) in f.columns.items()])
    derivations = pd.DataFrame(
        [{"标准列": col, "表头": schema.field_zh(col) if col in _fields() else col, "学段": stage, "公式": formula}
         for stage, cols in mapping.section.items() for col, formula in cols.items()] +
        [{"标准列": col, "表头": schema.field_zh(col), "学段": "全校（一贯制学校只取一次）", "公式": formula}
         for col, formula in mapping.facility.items()])
    return ImportResult(table, columns, derivations, pd.DataFrame(merges, columns=["类型", "学校标识码", "学校名称", "说明"]),
                        pd.DataFrame(dropped, columns=["学校标识码", "学校名称", "文件", "行", "原因"]), warnings, synthetic,
                        mapping)


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
        merges.append({"类型": "不计校数校区并入所属学校", "学校标识码": parent["school_id"],
                       "学校名称": parent["school_name"],
                       "说明": f"{r['school_name']}（{r['school_id']}，{r['file']} 第{r['row']}行）{how}：人数、教师、面积、"
                             f"设备、教室相加，最大班额取较大者，专用教室最小面积取较小者"})
    return out


def _merge_stages(records, merges, warnings, county, year) -> pd.DataFrame:
    by_id: dict = {}
    for r in records:
        by_id.setdefault(r["school_id"], []).append(r)
    rows = []
    for sid, parts in by_id.items():
        first = parts[0]
        row = {c.field: 0 for c in schema.columns() if c.required == "required"}
        row.update(school_id=sid, school_name=first["school_name"], county=county, year=year,
                   school_type=first["school_type"], urban_rural=first["urban_rural"], ownership=first["ownership"],
                   built_year=first["built_year"], students_senior=0, migrant_students=0)
        for p in parts:
            for col, value in p["section"].items():
                row[col] = row.get(col, 0) + value if col == "migrant_students" else value
        row.update(first["facility"])
        if len(parts) > 1:
            for other in parts[1:]:
                differ = [col for col, v in other["facility"].items() if abs(v - first["facility"][col]) > 1e-9]
                if differ:
                    warnings.append(Problem("warning", "facility_differs", f"同一学校在不同学段表中的全校数据不一致，取"
                                            f"{first['file']}的值：{'、'.join(schema.field_zh(c) for c in differ)}",
                                            "whole-school values differ between stage files; the first file's kept",
                                            file=other["file"], row=other["row"], value=sid, county=county, year=year))
            merges.append({"类型": "一贯制学校合并各学段表", "学校标识码": sid, "学校名称": first["school_name"],
                           "说明": "；".join(f"{p['stage']}：{p['file']} 第{p['row']}行" for p in parts) +
                                   "；各学段数据取自本学段表，全校面积、设备、教室只取一次"})
        rows.append(row)
    table = pd.DataFrame(rows)
    ordered = [c.field for c in schema.columns() if c.field in table.columns]
    return table[ordered].sort_values("school_id", kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------------------------- writing
def write_canonical(result: ImportResult, path) -> Path:
    """The canonical school table as .xlsx (Chinese headers, as ``junyun template``), readable by the core."""
    path = Path(path)
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
    about = [("映射文件", f"{result.mapping.name}（{result.mapping.path}）"), ("学校数", len(result.table)),
             ("合并", len(result.merges)), ("删除", len(result.dropped)), ("警告", len(result.warnings))]
    if result.synthetic:
        about.insert(0, ("数据性质", "合成示例数据（导出表为合成示例，数值虚构）"))
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
