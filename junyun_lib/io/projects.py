"""A county's funded projects as data (项目清单): ``projects.csv``, one row per project and effect on a school.

County plans list the projects they fund — 石城县's 工作清单 of 21 projects (101,934 万元), 石柱县's 重大项目规划表 —
with contents, budgets and deadlines, and sometimes what they do to a named school (a new school with its
places, a new teaching building at a named school).  This table records exactly that and no more: where the
source names no school or states no quantity, the effect is ``not_stated`` and the note says what the text
does say.  Nothing is guessed.

Columns (CSV in UTF-8, UTF-8 with BOM, GBK or UTF-16 — see :mod:`junyun_lib.io.textfile`; the English names
below or the Chinese headers in brackets; lines starting with ``#`` above the header row are comments):

===============  ==================  =====================================================================
column           Chinese header      content
===============  ==================  =====================================================================
project_no       序号                the project's number in the source list (a positive integer)
project          项目名称            the project as the source names it (a merged cell is filled down)
subproject       子项目名称          optional: the sub-project (子项目) where the source has one
content          项目内容            the content as the source words it
budget_wan       资金概算（万元）    the budget in 万元, ≥ 0, on the project's **first row only**
start_year       开始年份            optional: first year of a period (``2023-2025`` → 2023); blank = one year
completion_year  完成年份            the deadline year (完成时限 / 建设期限; the last year of a period)
source           来源                document and clause (title and number, as people read it); an effect
                                     row may cite its own clause, blank = the first row's
effect           效果                one of :data:`EFFECTS` (``not_stated`` when the source states none)
school_id        学校标识码          the school affected, when the school table has it; a new school's may be
                                     blank: it is then ``new-<project_no>`` (:func:`new_school_id`)
school_name      学校名称            the school as the source names it
stage            学段                ``primary``, ``junior``, ``all`` (both) or blank
amount           数量                the effect in the unit of :data:`EFFECTS` (places 学位 for ``new_school`` and
                                     ``add_places``); blank for ``not_stated``
from_school_id   转出学校标识码      ``move_students``: the school the students leave; ``new_school`` and
                                     ``add_places``: the schools whose pupils the places take (生源学校),
                                     separated by ``;`` — without ``move_students`` rows to it, a school
                                     with places fills them from these schools (``planning.roadmap``)
note             说明                free text: what the source says when it states no effect, decisions
===============  ==================  =====================================================================

A project with several effects (two schools, places and m²) has several rows with the same ``project_no``.
The first row (in file order) carries the budget; later rows leave ``budget_wan`` blank — a value there is
an error, so a budget is never counted twice — and may leave the project's other columns blank (they are
taken from the first row) or repeat them unchanged.  In :attr:`Projects.rows` the later rows' ``budget_wan``
is NaN, so ``rows["budget_wan"].sum()`` is the total; :attr:`Projects.projects` has one row per project.
``rows["target_id"]`` is the school each row acts on (:func:`target_ids`): its ``school_id``, a new school's
synthetic id, or — for a row giving only a ``school_name`` — the new school of the list with that name.

A new school (``new_school``) is its places, its stage and the schools whose pupils it takes.  Until issue 27 the
template told users to leave a new school's id blank while the roadmap counted only new schools with an id and
``move_students`` rows; now a blank id is :func:`new_school_id` and the schools listed in ``from_school_id`` give
the pupils, so a new school written as the template says is counted.  ``move_students`` rows into a school with
places may not move more than its places (学位是上限) — an error at the row that goes beyond.  An effect must
complete by :data:`PLAN_YEAR_LAST`.

:func:`read_projects` checks every row and reports all problems at once, located by file, row (as a text
editor shows it), header as written and value, in Chinese with an English gloss.  Numbers follow
:mod:`junyun_lib.io.cells` (``3000,5``, ``NaN``, ``inf`` are errors; ``1,234`` is 1234; full-width digits
are read with a warning).  :func:`write_projects_template` writes an empty file whose comment lines explain
the columns; :func:`link_problems` checks the school ids against a county's school rows.

Planning inputs are checked against the data they refer to: an amount beyond the plausible magnitude of the
school-table column it adds to (``rules/data_checks.toml`` ``[limits]``, :func:`amount_limit`) is an error,
above its ``warn`` a warning; a cell holding a control character is an error at its cell.

:func:`read_enrolment_overrides` reads the other forward-looking input, an analyst's enrolment overrides
(``enrolment_overrides.csv``), with the same strictness; :mod:`junyun_lib.planning.enrolment` applies them.
It lives here because planning reads no files (``docs/architecture.md``).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..problems import Problem, ValidationError, control_character, control_character_problem, visible
from ..rules import schema
from . import cells
from .atomic import write_bytes
from .textfile import csv_rows, decode, ragged_row, read_bytes

COLUMNS = ("project_no", "project", "subproject", "content", "budget_wan", "start_year", "completion_year",
           "source", "effect", "school_id", "school_name", "stage", "amount", "from_school_id", "note")
REQUIRED = ("project_no", "project", "budget_wan", "completion_year", "source", "effect")
#: canonical column -> Chinese header (also accepted as the header)
HEADERS_ZH = {
    "project_no": "序号", "project": "项目名称", "subproject": "子项目名称", "content": "项目内容",
    "budget_wan": "资金概算（万元）", "start_year": "开始年份", "completion_year": "完成年份", "source": "来源",
    "effect": "效果", "school_id": "学校标识码", "school_name": "学校名称", "stage": "学段", "amount": "数量",
    "from_school_id": "转出学校标识码", "note": "说明",
}
#: columns a project's later rows take from its first row when blank (and must not contradict)
PROJECT_FIELDS = ("project", "subproject", "content", "start_year", "completion_year")
STAGES = ("primary", "junior", "all", "")
YEAR_MIN, YEAR_MAX = 1990, 2100


@dataclass(frozen=True)
class Effect:
    """What one row of the table does to a school (效果): its unit, whether the amount is whole, what it needs,
    and the school-table columns (学校基础数据表的列) its amount adds to.

    ``adds_to`` names the columns of ``rules/school_columns.csv`` the amount is added to; a stage-dependent
    effect names both stage columns and its row's ``stage`` picks one (:meth:`columns_for`).  Their plausible
    magnitudes (``[limits]`` of ``rules/data_checks.toml``) bound the amount, on the same scale as the school
    table's own checks.  ``creates_school``: the effect brings a school into being, so its ``school_id`` may be
    one the school table does not hold yet (left blank, :func:`new_school_id` gives it one).  ``takes_pupils``:
    the amount is places (学位, the most pupils it takes) and ``from_school_id`` lists the schools whose pupils
    the places take (生源学校).
    """

    code: str
    name_zh: str
    name_en: str
    unit_zh: str
    integer: bool
    stages: tuple[str, ...]          # allowed stages
    needs_school: bool               # a school_id or school_name is required
    adds_to: tuple[str, ...] = ()
    creates_school: bool = False
    #: the amount is places (学位) and ``from_school_id`` may list the schools whose pupils it takes (生源学校)
    takes_pupils: bool = False

    def columns_for(self, stage: str) -> tuple[str, ...]:
        """The school-table columns the amount of a row with ``stage`` adds to.

        Examples
        --------
        >>> EFFECTS["hire_teachers"].columns_for("junior"), EFFECTS["new_school"].columns_for("all")
        (('teachers_junior',), ('students_primary', 'students_junior'))
        """
        own = tuple(c for c in self.adds_to if c.endswith(f"_{stage}")) if stage in ("primary", "junior") else ()
        return own or self.adds_to


_ANY = STAGES
_BY_STAGE = ("primary", "junior")
EFFECTS: dict[str, Effect] = {e.code: e for e in (
    Effect("new_school", "新建学校（新增学位；转出学校标识码列填生源学校，用“;”分隔）",
           "a new school: its places; from_school_id lists the schools whose pupils it takes, separated by ';'",
           "个学位", True, _ANY, True, adds_to=("students_primary", "students_junior"), creates_school=True,
           takes_pupils=True),
    Effect("add_places", "已有学校扩建增加学位（转出学校标识码列填生源学校，用“;”分隔）",
           "places added to an existing school; from_school_id lists the schools whose pupils they take",
           "个学位", True, _ANY, True, adds_to=("students_primary", "students_junior"), takes_pupils=True),
    Effect("move_students", "学生转入本校（转出学校填转出学校标识码）", "students moved from from_school_id to this school",
           "人", True, _BY_STAGE, True, adds_to=("students_primary", "students_junior")),
    Effect("add_area_m2", "增加教学及辅助用房面积", "teaching and auxiliary room area added", "平方米", False, _ANY,
           True, adds_to=("teaching_aux_area_m2",)),
    Effect("add_sports_m2", "增加体育运动场馆面积", "sports ground and hall area added", "平方米", False, _ANY, True,
           adds_to=("sports_area_m2",)),
    Effect("add_equipment_yuan", "增加教学仪器设备值", "teaching equipment value added", "元", False, _ANY, True,
           adds_to=("equipment_value_yuan",)),
    Effect("add_classrooms", "增加网络多媒体教室", "networked multimedia classrooms added", "间", True, _ANY, True,
           adds_to=("multimedia_classrooms",)),
    Effect("add_rooms_music", "增加音乐专用教室", "music rooms added", "间", True, _ANY, True, adds_to=("music_rooms",)),
    Effect("add_rooms_art", "增加美术专用教室", "art rooms added", "间", True, _ANY, True, adds_to=("art_rooms",)),
    Effect("hire_teachers", "招聘专任教师", "full-time teachers hired", "人", True, _BY_STAGE, True,
           adds_to=("teachers_primary", "teachers_junior")),
    # the three teacher indicators of resource allocation (资源配置 1–3): a project that trains or hires teachers of
    # a named kind for a named school adds to that indicator's numerator; hire_teachers counts only 专任教师数
    Effect("add_teachers_degree", "增加高于规定学历教师", "teachers above the required degree added", "人", True,
           _BY_STAGE, True, adds_to=("teachers_above_degree_primary", "teachers_above_degree_junior")),
    Effect("add_teachers_key", "增加县级以上骨干教师", "county-level-or-above key teachers added", "人", True,
           _BY_STAGE, True, adds_to=("key_teachers_primary", "key_teachers_junior")),
    Effect("add_teachers_pe_art", "增加体育艺术专任教师", "PE and art (music, fine art) teachers added", "人", True,
           _BY_STAGE, True, adds_to=("pe_art_teachers_primary", "pe_art_teachers_junior")),
    Effect("not_stated", "对学校的效果未注明", "the source states no effect on a school", "", False, _ANY, False),
)}

_TOTAL_WORDS = ("合计", "总计", "小计", "total")
# identifiers, codes and years are compared, so full-width forms are read as half-width (with a warning)
_NORMALISED = ("project_no", "start_year", "completion_year", "effect", "school_id", "stage", "from_school_id")
#: the last completion year an effect may have: 2035 is the horizon of 《中国教育现代化2035》, the furthest any county
#: plan looks and the last target year of a roadmap (``planning.roadmap.TARGET_YEAR_LAST``, the same year); an
#: effect completing later could never enter a roadmap, so it is a typing error
PLAN_YEAR_LAST = 2035
#: a new school left without a 学校标识码 is given ``new-<project_no>`` (``new-<project_no>-<n>`` for the n-th new
#: school of the same project, n ≥ 2): stable while the list keeps its numbers, and never a census id (those are
#: 10 digits), so it cannot collide with a school of the table
NEW_SCHOOL_PREFIX = "new-"
_FEEDER_SEPARATORS = re.compile(r"[;；、,，\s]+")


def feeder_ids(text) -> list[str]:
    """The school ids of a ``from_school_id`` cell (生源学校): one id, or several separated by ``;``, ``；``, ``、``,
    commas or spaces; blanks dropped, order kept, each once.

    Examples
    --------
    >>> feeder_ids("2136330239；2136330665; 2136330239"), feeder_ids(""), feeder_ids(None)
    (['2136330239', '2136330665'], [], [])
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return []
    return list(dict.fromkeys(x for x in _FEEDER_SEPARATORS.split(str(text).strip()) if x))


def new_school_id(project_no: int, n: int = 1) -> str:
    """The stable synthetic id (学校标识码) of the ``n``-th new school of project ``project_no`` whose row leaves
    the id blank (see :data:`NEW_SCHOOL_PREFIX`).

    >>> new_school_id(9), new_school_id(9, 2)
    ('new-9', 'new-9-2')
    """
    return f"{NEW_SCHOOL_PREFIX}{int(project_no)}" + (f"-{int(n)}" if n > 1 else "")


def target_ids(rows: pd.DataFrame) -> pd.Series:
    """The school each row of a project list acts on (效果所作用的学校), as an id:

    * the row's ``school_id`` when it gives one;
    * a ``new_school`` row without one: :func:`new_school_id` (the n-th such row of its project, in row order);
    * any other row without one whose ``school_name`` is the name of a new school of the list: that new school's
      id (so ``move_students`` or ``add_area_m2`` rows may name the new school instead of repeating an id);
    * otherwise blank (a school the source names but the school table does not hold: nothing is computed).

    Examples
    --------
    >>> rows = pd.DataFrame({"project_no": [7, 7, 8, 9], "effect": ["new_school", "new_school", "add_area_m2",
    ...                      "add_area_m2"], "school_id": ["", "", "", "A"], "school_name": ["城南", "城北", "城北", ""]})
    >>> target_ids(rows).tolist()
    ['new-7', 'new-7-2', 'new-7-2', 'A']
    """
    if not len(rows):
        return pd.Series([], dtype=object, index=rows.index)
    given = rows["school_id"].fillna("").astype(str).str.strip()
    out = given.copy()
    counts: dict[int, int] = {}
    by_name: dict[str, str] = {}
    # a table built by hand may lack a column: its row numbers stand in for project numbers, names are blank
    numbers = rows["project_no"] if "project_no" in rows else pd.Series(range(1, len(rows) + 1), index=rows.index)
    names = rows["school_name"].fillna("") if "school_name" in rows else pd.Series("", index=rows.index)
    for i, (no, effect, name) in enumerate(zip(numbers, rows["effect"], names)):
        e = EFFECTS.get(str(effect))
        if e is None or not e.creates_school:
            continue
        if not given.iloc[i]:
            counts[int(no)] = counts.get(int(no), 0) + 1
            out.iloc[i] = new_school_id(int(no), counts[int(no)])
        if str(name).strip():
            by_name.setdefault(str(name).strip(), out.iloc[i])
    for i, (effect, name) in enumerate(zip(rows["effect"], names)):
        e = EFFECTS.get(str(effect))
        if not out.iloc[i] and e is not None and e.code != "not_stated" and str(name).strip() in by_name:
            out.iloc[i] = by_name[str(name).strip()]
    return out


@dataclass
class Projects:
    """A county's project list (项目清单), checked: one row per project and effect."""

    county: str
    slug: str
    path: Path
    rows: pd.DataFrame        # COLUMNS + row + target_id; project_no/…/start_year int, budget_wan/amount float
    warnings: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)    # column -> header as written, for later problems

    @property
    def projects(self) -> pd.DataFrame:
        """One row per project: number, names, content, budget, years, source, number of effect rows, and
        whether any row states an effect."""
        first = self.rows.groupby("project_no", sort=True).first()
        out = first[["project", "subproject", "content", "start_year", "completion_year", "source"]].copy()
        out["budget_wan"] = self.rows.groupby("project_no", sort=True)["budget_wan"].sum()
        out["effect_rows"] = self.rows.groupby("project_no", sort=True).size()
        out["effect_stated"] = (self.rows["effect"] != "not_stated").groupby(self.rows["project_no"]).any()
        return out.reset_index()

    @property
    def total_budget_wan(self) -> float:
        return float(self.rows["budget_wan"].sum())

    def by_year(self) -> pd.Series:
        """Budget (万元) by completion year."""
        return self.projects.groupby("completion_year")["budget_wan"].sum()


def read_projects(path, county: str = "", slug: str = "") -> Projects:
    """Read and check a project list; raises :class:`ValidationError` listing every problem.

    Parameters
    ----------
    path : path
        The ``projects.csv`` file.
    county, slug : str
        The county's name and slug, for problems and the result (slug default: the folder's name).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "projects.csv"
    >>> _ = p.write_text("project_no,project,budget_wan,completion_year,source,effect,school_name,stage,amount\\n"
    ...                  "1,新建学校,10000,2024,方案附件2,new_school,城南中小学,all,2000\\n", encoding="utf-8")
    >>> r = read_projects(p)
    >>> r.total_budget_wan, r.rows[["amount", "start_year", "completion_year"]].values.tolist()
    (10000.0, [[2000.0, 2024.0, 2024.0]])
    >>> _ = p.write_text("project_no,project,budget_wan,completion_year,source,effect\\n"
    ...                  "1,新建学校,-5,2024,方案附件2,new_scool\\n", encoding="utf-8")
    >>> read_projects(p)
    Traceback (most recent call last):
    ...
    junyun_lib.problems.ValidationError: 输入数据有 2 处错误...
    """
    path = Path(path)
    text = _blank_comments(_read_table_text(path, "项目清单文件"))
    lines = csv_rows(text, str(path))
    where = {"file": str(path), "county": county}
    first = next((i for i, (_, c) in enumerate(lines) if any(x.strip() for x in c)), None)
    header_row = lines[first][0] if first is not None else 1
    header, problems = _control_problems(lines[first][1] if first is not None else [], [], header_row, where)
    header = [h.strip() for h in header]
    body = lines[first + 1:] if first is not None else []
    position: dict[str, int] = {}
    written: dict[str, str] = {}                       # canonical -> header as written
    aliases = {**{c: c for c in COLUMNS}, **{zh: c for c, zh in HEADERS_ZH.items()},
               "资金概算(万元)": "budget_wan", "资金概算": "budget_wan"}
    for pos, h in enumerate(header):
        key = aliases.get(h) or aliases.get(h.lower())
        if not h:
            continue
        if key is None:
            close = difflib.get_close_matches(h, list(aliases), n=1)
            hint = f"；是否为「{close[0]}」？" if close else ""
            problems.append(Problem("error", "unknown_column", f"未知列名{hint}（可用：{'、'.join(COLUMNS)}）",
                                    f"unknown column{f' (did you mean {close[0]!r}?)' if close else ''}; known: "
                                    f"{', '.join(COLUMNS)}", row=header_row, column=h, value=h, **where))
        elif key in position:
            problems.append(Problem("error", "duplicate_column", "列名重复", "duplicate column", row=header_row,
                                    column=h, value=h, **where))
        else:
            position[key], written[key] = pos, h
    for c in REQUIRED:
        if c not in position:
            problems.append(Problem("error", "missing_column", f"缺少必需的列「{c}」（{HEADERS_ZH[c]}）",
                                    f"required column {c!r} is missing", row=header_row, **where))
    if problems:
        raise ValidationError(problems)

    out, warnings = [], []
    firsts: dict[int, dict] = {}                      # project_no -> its first row (as read)
    for row_no, line in body:
        if not any(x.strip() for x in line):
            continue
        line, hidden = _control_problems(line, header, row_no, where)
        problems += hidden
        if len(line) != len(header):
            problems.append(ragged_row(line, len(header), row_no, **where))
            continue
        raw = {c: (line[position[c]] if c in position else "") for c in COLUMNS}
        cell = {}
        for c, v in raw.items():
            text_value, changed = cells.normalise_text(v) if c in _NORMALISED else (v.strip(), False)
            cell[c] = text_value
            if changed:
                warnings.append(Problem("warning", "full_width", cells.FULL_WIDTH.zh, cells.FULL_WIDTH.en,
                                        row=row_no, column=written.get(c, c), value=v.strip(), **where))

        def bad(column, zh, en, code="bad_value", severity="error"):
            problems.append(Problem(severity, code, zh, en, row=row_no, column=written.get(column, column),
                                    value=cell.get(column, ""), **where))

        project_no = _whole(cell["project_no"])
        if project_no is None or project_no < 1:
            if cell["project_no"].lower() in _TOTAL_WORDS:
                bad("project_no", "合计行不要填入（合计由程序计算）", "leave out the total row (junyun adds it up)",
                    code="total_row")
            else:
                bad("project_no", "序号应为正整数", "project_no must be a positive whole number")
            continue
        head = firsts.get(project_no)
        own_years = bool(cell["start_year"] or cell["completion_year"])
        if head is None:
            head = firsts[project_no] = {**cell, "row": row_no}
        else:                                                       # a later row of the same project
            for c in PROJECT_FIELDS:
                if cell[c] and cell[c] != head[c]:
                    bad(c, f"与该项目第一行（第{head['row']}行）不一致：同一项目的后续行此列留空或与第一行相同",
                        f"differs from the project's first row (row {head['row']}): leave it blank on later rows "
                        "or repeat it unchanged", code="conflict")
                cell[c] = cell[c] or head[c]
            cell["source"] = cell["source"] or head["source"]      # an effect row may cite its own clause
            if cell["budget_wan"]:
                bad("budget_wan", f"资金概算只填在该项目的第一行（第{head['row']}行），后续行留空，以免重复计算",
                    f"the budget goes on the project's first row only (row {head['row']}); leave it blank on later "
                    "rows so it is never counted twice", code="budget_repeated")

        budget = np.nan
        if head["row"] == row_no:
            budget = _number(cell, "budget_wan", "资金概算", "budget", bad, warnings, row_no, written, where,
                             required=True)
            if not cell["project"]:
                bad("project", "项目名称为空", "project name is blank", code="blank")
            if not cell["source"]:
                bad("source", "每个项目都要注明来源文件和条款", "every project needs its source document and clause",
                    code="blank")
        if head["row"] == row_no or own_years:
            completion = _year(cell, "completion_year", "完成年份", bad, required=True)
            start = _year(cell, "start_year", "开始年份", bad, required=False)
            if start is None and completion is not None and not cell["start_year"]:
                start = completion
            if start is not None and completion is not None and start > completion:
                bad("start_year", f"开始年份晚于完成年份（{completion}）", f"start year after the completion year "
                    f"({completion})", code="out_of_range")
            head.setdefault("years", (start, completion))
        else:                                   # years taken from the first row (its problems reported there)
            start, completion = head.get("years", (None, None))

        effect = EFFECTS.get(cell["effect"])
        amount = np.nan
        if effect is None:
            close = difflib.get_close_matches(cell["effect"], list(EFFECTS), n=1)
            hint = f"；是否为「{close[0]}」？" if close else ""
            bad("effect", f"未知的效果{hint}（可用：{'、'.join(EFFECTS)}）",
                f"unknown effect{f' (did you mean {close[0]!r}?)' if close else ''}; known: {', '.join(EFFECTS)}",
                code="unknown_effect")
        else:
            if cell["stage"] not in effect.stages:
                allowed = "、".join(s or "留空" for s in effect.stages)
                bad("stage", f"效果「{effect.code}」的学段应为：{allowed}",
                    f"stage for {effect.code} must be one of {[s for s in effect.stages]}", code="bad_stage")
            if effect.code == "not_stated":
                if cell["amount"]:
                    bad("amount", "效果未注明（not_stated）时数量应留空，不得推测",
                        "an effect marked not_stated leaves amount blank (never guessed)", code="amount_not_stated")
                if not cell["note"]:
                    bad("note", "效果未注明时，请在说明中写明原文所述（原文未写明对哪所学校、多少数量）",
                        "with effect not_stated, the note says what the source does say", code="blank")
            else:
                value = _number(cell, "amount", "数量", "amount", bad, warnings, row_no, written, where,
                                required=True)
                if not np.isnan(value):
                    if value <= 0:
                        bad("amount", f"数量应大于 0（单位：{effect.unit_zh}）", f"amount must be above 0 "
                            f"({effect.unit_zh})", code="out_of_range")
                    elif effect.integer and value != int(value):
                        bad("amount", f"数量应为整数（单位：{effect.unit_zh}）", f"amount must be a whole number "
                            f"({effect.unit_zh})", code="not_whole")
                    else:
                        amount = _checked_amount(value, effect, cell["stage"], bad, warnings, row_no, written,
                                                 where, cell["amount"])
                if effect.needs_school and not (cell["school_id"] or cell["school_name"]):
                    bad("school_id", f"效果「{effect.code}」须注明学校（学校标识码或学校名称）",
                        f"effect {effect.code} needs a school (school_id or school_name)", code="no_school")
            if effect.code == "move_students":
                if not cell["from_school_id"]:
                    bad("from_school_id", "学生转入须注明转出学校的标识码", "move_students needs from_school_id",
                        code="blank")
                elif len(feeder_ids(cell["from_school_id"])) > 1:
                    bad("from_school_id", "学生转入（move_students）每行只填一所转出学校；多所学校请分行填写各自人数",
                        "move_students takes one school per row; give each school its own row and number",
                        code="several_schools")
                elif cell["from_school_id"] == cell["school_id"]:
                    bad("from_school_id", "转出学校与转入学校相同", "from_school_id is the receiving school itself",
                        code="same_school")
            elif effect.takes_pupils:
                if cell["school_id"] and cell["school_id"] in feeder_ids(cell["from_school_id"]):
                    bad("from_school_id", "生源学校中含有本校自身", "the schools whose pupils it takes include the "
                        "school itself", code="same_school")
            elif cell["from_school_id"]:
                bad("from_school_id", "转出学校标识码只用于 move_students（转出学校）和 new_school、add_places（生源学校）",
                    "from_school_id is for move_students (the school pupils leave) and new_school, add_places (the "
                    "schools whose pupils the places take) only", code="not_applicable")
            if effect.code != "not_stated" and completion is not None and completion > PLAN_YEAR_LAST:
                bad("completion_year", f"有效果的项目完成年份不应晚于 {PLAN_YEAR_LAST} 年（路线图最远到 {PLAN_YEAR_LAST} 年，"
                    "更晚的效果永远不会计入；请检查年份）", f"a project with an effect must complete by {PLAN_YEAR_LAST} "
                    f"(no roadmap reaches further, so a later effect would never count; check the year)",
                    code="out_of_range")
        out.append({**cell, "project_no": project_no, "budget_wan": budget, "start_year": start,
                    "completion_year": completion, "amount": amount, "row": row_no})
    problems += _places_problems(out, written, where)
    if problems:
        raise ValidationError(problems + warnings)
    rows = pd.DataFrame(out, columns=[*COLUMNS, "row"])
    rows["budget_wan"] = rows["budget_wan"].astype(float)
    rows["amount"] = rows["amount"].astype(float)
    for c in ("project_no", "start_year", "completion_year", "row"):
        rows[c] = rows[c].astype(int)
    rows = rows.sort_values(["project_no", "row"], kind="stable").reset_index(drop=True)
    rows["target_id"] = target_ids(rows)       # the school each row acts on (a new school's synthetic id)
    return Projects(county=county, slug=slug or path.parent.name, path=path, rows=rows, warnings=warnings,
                    headers=written)


def _places_problems(out: list[dict], written: dict, where: dict) -> list[Problem]:
    """Students moved (``move_students``) into a new school (``new_school``): more than its places in all (学位是
    上限), or of a stage it has no places for, is an error at the move row that goes beyond.  An existing school
    takes any number (its capacity is not in the school table, so an extension's places bound nothing)."""
    usable = [r for r in out if r["effect"] in EFFECTS]
    if not usable:
        return []
    frame = pd.DataFrame({"project_no": [r["project_no"] for r in usable], "effect": [r["effect"] for r in usable],
                          "school_id": [r["school_id"] for r in usable],
                          "school_name": [r["school_name"] for r in usable]})
    ids = target_ids(frame).tolist()
    places: dict[str, list] = {}                     # school -> [places, stages, row]
    for r, sid in zip(usable, ids):
        # a new school's places are all it has; an extension's are added to a capacity the table does not give
        if EFFECTS[r["effect"]].creates_school and sid and not np.isnan(r["amount"]):
            got = places.setdefault(sid, [0.0, set(), r["row"]])
            got[0] += r["amount"]
            got[1] |= {"primary", "junior"} if r["stage"] in ("all", "") else {r["stage"]}
    problems, moved = [], {}
    for r, sid in zip(usable, ids):
        if r["effect"] != "move_students" or sid not in places or np.isnan(r["amount"]):
            continue
        cap, stages, row = places[sid]

        def bad(column, zh, en, code, r=r):
            problems.append(Problem("error", code, zh, en, row=r["row"], column=written.get(column, column),
                                    value=str(r[column] if column != "amount" else _number_text(r["amount"])),
                                    **where))

        if r["stage"] not in stages:
            bad("stage", f"转入学校（第{row}行）的学位没有这个学段", f"the receiving school (row {row}) has no places "
                "for this stage", "stage_without_places")
            continue                                 # not counted against the places as well
        moved[sid] = moved.get(sid, 0.0) + r["amount"]
        if moved[sid] > cap:
            bad("amount", f"转入学生累计 {_number_text(moved[sid])} 人，超过转入学校的学位 {_number_text(cap)} 个（第{row}行）："
                "学位是上限", f"{_number_text(moved[sid])} pupils moved in all, more than the receiving school's "
                f"{_number_text(cap)} places (row {row}): places are the cap", "beyond_places")
    return problems


def _blank_comments(text: str) -> str:
    """Comment lines (``#``) above the header row become blank lines, so row numbers stay the editor's.

    Examples
    --------
    >>> _blank_comments("# a, b\\n\\n# c\\nx,y\\n# not a comment here\\n")
    '\\n\\n\\nx,y\\n# not a comment here\\n'
    """
    lines = text.split("\n")
    for i, line in enumerate(lines):
        stripped = line.strip().lstrip("\ufeff")
        if stripped.startswith("#"):
            lines[i] = ""
        elif stripped:
            break
    return "\n".join(lines)


#: what may pad a cell and is dropped, as every reader drops it; any other control character (控制字符, C0,
#: DEL, C1 — :func:`junyun_lib.problems.control_character`) is refused wherever it stands in a cell, even at
#: its end where ``str.strip`` would silently remove it
_CELL_PADDING = " \t\r\n"
_NONCHARACTER = re.compile("[\ufffe\uffff\ufdd0-\ufdef]")


def _read_table_text(path: Path, what: str) -> str:
    """The text of a planning table (项目清单、在校生数修正), as :func:`junyun_lib.io.textfile.decode` reads it —
    except that a file that is valid UTF-8 (or GB18030) and is refused only for a control character is read as
    it is: :func:`_control_problems` then reports each one at its cell (row, column, value), not at its line
    with no column.  Any other decoding problem stands.
    """
    data = read_bytes(path, what)
    try:
        return decode(data, str(path))[0]
    except ValidationError as exc:
        if not {p.code for p in exc.problems} <= {"encoding", "control_character"}:
            raise
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if not _NONCHARACTER.search(text):
                return text
        raise


def _control_problems(line: list[str], header: list[str], row_no: int, where: dict) -> tuple[list, list]:
    """``(line, problems)``: a located error for every cell of ``line`` holding a control character
    (:func:`junyun_lib.problems.control_character_problem`, the wording every reader uses), and the line with
    those cells made :func:`~junyun_lib.problems.visible`, so that no later message prints the character.

    >>> line, found = _control_problems(["A\\x07", " x\\t"], ["id", "n"], 2, {"file": "p.csv"})
    >>> line, [(p.row, p.column, p.value) for p in found]
    (['A\\\\u0007', ' x\\t'], [(2, 'id', 'A\\\\u0007')])
    """
    clean, problems = [], []
    for position, cell in enumerate(line):
        kept = cell.strip(_CELL_PADDING)
        if control_character(kept) is not None:
            column = header[position] if position < len(header) else ""
            problems.append(control_character_problem(kept, row=row_no, column=column, **where))
            cell = visible(kept)
        clean.append(cell)
    return clean, problems


def amount_limit(effect: Effect, stage: str) -> schema.Limit | None:
    """The plausible magnitude (合理量级) of an effect's amount: the limits (``rules/data_checks.toml``
    ``[limits]``) of the school-table columns it adds to, summed over them — a new school of both stages may
    hold up to a primary and a junior school's worth of places, one stage's only up to that stage's.  None for
    an effect that adds to no column (``not_stated``).

    Examples
    --------
    >>> amount_limit(EFFECTS["add_area_m2"], "") == schema.limits()["teaching_aux_area_m2"]
    True
    >>> amount_limit(EFFECTS["new_school"], "all").error == 2 * schema.limits()["students_primary"].error
    True
    """
    columns = effect.columns_for(stage)
    if not columns:
        return None
    found = [schema.limits()[c] for c in columns]
    return schema.Limit("+".join(dict.fromkeys(x.group for x in found)), sum(x.warn for x in found),
                        sum(x.error for x in found))


def _checked_amount(value: float, effect: Effect, stage: str, bad, warnings: list, row_no: int, written: dict,
                    where: dict, raw: str) -> float:
    """``value`` against :func:`amount_limit`: above ``error`` a located error (and NaN), above ``warn`` a
    warning — the scale and the wording of the school table's own checks (:mod:`junyun_lib.io.reader`)."""
    limit = amount_limit(effect, stage)
    if limit is None:
        return value
    columns = effect.columns_for(stage)
    names_zh = "、".join(schema.field_zh(c) for c in columns)
    unit = effect.unit_zh
    if value > limit.error:
        bad("amount", f"超出合理范围：一所学校的{names_zh}不应增加 {_number_text(limit.error)}{unit}以上"
            f"（data_checks.toml [limits.{limit.group}]），请检查是否多打了数字、填了合计或单位有误",
            f"out of range: more than {_number_text(limit.error)} ({effect.name_en}) is not plausible for one "
            f"school's {', '.join(columns)}; check for extra digits, a total, or a wrong unit", code="out_of_range")
        return np.nan
    if value > limit.warn:
        warnings.append(Problem("warning", "unusually_large", f"数值异常大（一所学校的{names_zh}增加超过 "
                                f"{_number_text(limit.warn)}{unit}），请核实", f"unusually large (above "
                                f"{_number_text(limit.warn)} for one school's {', '.join(columns)}); please check",
                                row=row_no, column=written.get("amount", "amount"), value=raw, **where))
    return value


def _number_text(value: float) -> str:
    """A limit for messages, as the school table's checks write it: ``300``, ``3,000,000``, ``200,000,000``."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}" if abs(value) >= 10000 else str(int(value))
    return repr(float(value))


def _whole(text: str) -> int | None:
    parsed = cells.parse_number(text)
    if parsed.error is not None or parsed.value is None or parsed.value != int(parsed.value):
        return None
    return int(parsed.value)


def _year(cell: dict, column: str, zh: str, bad, required: bool) -> int | None:
    text = cell[column]
    if not text:
        if required:
            bad(column, f"{zh}为空：应为四位年份", f"{column} is blank; it must be a four-digit year", code="blank")
        return None
    year = _whole(text)
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        bad(column, f"{zh}应为 {YEAR_MIN}–{YEAR_MAX} 之间的四位年份（时段请分别填开始年份和完成年份）",
            f"{column} must be a four-digit year within {YEAR_MIN}–{YEAR_MAX} (for a period fill start_year and "
            "completion_year)", code="out_of_range" if year is not None else "bad_year")
        return None
    return year


def _number(cell, column, zh, en, bad, warnings, row_no, written, where, required) -> float:
    """A number cell (budget or amount): NaN when blank or bad (bad ones reported through ``bad``)."""
    parsed = cells.parse_number(cell[column])
    if parsed.error is not None:
        reason = parsed.error
        z, e = (reason.zh, reason.en) if reason.code == "null_token" else (f"{zh}{reason.zh}", f"{en}: {reason.en}")
        bad(column, z, e, code=reason.code)
        return np.nan
    if parsed.value is None:
        if required:
            bad(column, f"{zh}为空：应为数字（没有请填 0）" if column == "budget_wan" else f"{zh}为空：应为数字",
                f"{en} is blank; it must be a number", code="blank")
        return np.nan
    if parsed.warning is not None:
        warnings.append(Problem("warning", parsed.warning.code, parsed.warning.zh, parsed.warning.en, row=row_no,
                                column=written.get(column, column), value=cell[column], **where))
    if column == "budget_wan" and parsed.value < 0:
        bad(column, "资金概算不能为负数（万元）", "a budget cannot be negative (10,000 yuan)", code="negative")
        return np.nan
    return float(parsed.value)


def link_problems(projects: Projects, schools: pd.DataFrame, data_year: int | None = None) -> list[Problem]:
    """The school ids of ``projects`` checked against a county's school rows (学校标识码核对): ``school_id``,
    ``school_name`` — the rows of the data year the plan starts from (``data_year``).

    * an effect that changes an existing school (adds area, teachers, equipment, moves students …) on a
      ``school_id`` the school table does not hold is an error — unless a ``new_school`` row of the list
      gives that id, then it must not complete before that school does; a ``from_school_id`` likewise;
    * a ``new_school`` row's ``school_id`` the table does not hold is a warning (a new school may be given its
      id before it opens); one the table already holds, completing after ``data_year``, is a warning too (its
      places are not counted again);
    * a ``new_school`` or ``add_places`` row's schools whose pupils it takes (``from_school_id``, 生源学校) must
      each be in the table (or a new school of the list built in time): an unknown one is an error, one per id;
    * a new school without an id is known by :func:`new_school_id`, and rows naming it (``school_name``) act on
      it (:func:`target_ids`);
    * an effect completing before ``data_year`` is a warning: it is taken to be in the data already and is not
      applied again;
    * a ``not_stated`` row's unknown ``school_id`` is a warning (it changes nothing);
    * a ``school_id`` whose ``school_name`` differs from the school table's is a warning.

    Problems are located by file, row and the header as written (:attr:`Projects.headers`).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "projects.csv"
    >>> _ = p.write_text("project_no,project,budget_wan,completion_year,source,effect,school_id,amount,"
    ...                  "stage,from_school_id\\n1,分流,0,2024,方案,move_students,A,30,primary,Z\\n"
    ...                  "2,扩建,5,2024,方案,add_area_m2,Q,100,,\\n", encoding="utf-8")
    >>> schools = pd.DataFrame({"school_id": ["A"], "school_name": ["甲小学"]})
    >>> [(x.severity, x.column, x.value) for x in link_problems(read_projects(p), schools)]
    [('error', 'from_school_id', 'Z'), ('error', 'school_id', 'Q')]
    """
    names = schools.drop_duplicates("school_id", keep="last").set_index("school_id")["school_name"] \
        .astype(str).to_dict() if len(schools) else {}
    names = {str(k): v for k, v in names.items()}
    headers = getattr(projects, "headers", None) or {}
    where = {"file": str(projects.path), "county": projects.county}
    table = f"学校数据（{data_year}年）" if data_year is not None else "学校数据"
    table_en = f"the school table ({data_year})" if data_year is not None else "the school table"
    records = projects.rows.to_dict("records")
    for r, target in zip(records, target_ids(projects.rows).tolist() if len(projects.rows) else []):
        r["target"] = target
    # a new school's id (given on its new_school row, or new-<project_no>) is known to the list's other rows from
    # its completion on
    created: dict[str, dict] = {}
    for r in records:
        effect = EFFECTS.get(r["effect"])
        if effect is not None and effect.creates_school and r["target"] and r["target"] not in names:
            known = created.get(r["target"])
            if known is None or int(r["completion_year"]) < int(known["completion_year"]):
                created[r["target"]] = r
    out: list[Problem] = []

    def problem(severity, code, r, column, zh, en, value=None):
        out.append(Problem(severity, code, zh, en, row=int(r["row"]), column=headers.get(column, column),
                           value=str(r[column]) if value is None else value, **where))

    def existing(r, column, what_zh, what_en, sid=None):
        """An id an effect changes: in the school table, or a new school of the list built in time."""
        sid = r[column] if sid is None else sid
        if sid in names:
            return
        new = created.get(sid)
        if new is None and EFFECTS[r["effect"]].takes_pupils and column == "from_school_id":
            problem("error", "unknown_feeder", r, column,
                    f"{table}中没有生源学校「{sid}」：新增学位从所列生源学校接收学生，每所生源学校须在学校数据中",
                    f"{table_en} has no school {sid!r}: the places take pupils from the schools listed, and each "
                    "of them must be in the school table", value=sid)
        elif new is None:
            problem("error", "unknown_school", r, column,
                    f"{table}中没有这个{what_zh}：效果「{r['effect']}」作用于已有学校（新建学校须另有一行 new_school "
                    "写明此标识码）", f"{table_en} has no school with this {what_en}: {r['effect']} changes an "
                    "existing school (a new school needs its own new_school row with this id)", value=sid)
        elif int(new["completion_year"]) > int(r["completion_year"]):
            problem("error", "school_not_yet_built", r, column,
                    f"此学校是第{int(new['row'])}行的新建学校，{int(new['completion_year'])}年才建成，晚于本行的完成年份 "
                    f"{int(r['completion_year'])}", f"this is the new school of row {int(new['row'])}, completed in "
                    f"{int(new['completion_year'])}, after this row's completion year {int(r['completion_year'])}")

    for r in records:
        effect = EFFECTS[r["effect"]]
        sid = r["school_id"]
        if sid and effect.creates_school:
            if sid not in names:
                problem("warning", "unknown_school", r, "school_id",
                        f"{table}中没有这个学校标识码：按新建学校计入（请核实标识码）",
                        f"{table_en} has no school with this id: counted as a new school (check the id)")
            elif data_year is not None and int(r["completion_year"]) > data_year:
                problem("warning", "already_in_data", r, "school_id",
                        f"{table}中已有此学校：新建学校的学位不再计入测算（扩建请用 move_students 等效果）",
                        f"{table_en} already holds this school: the new school's places are not counted (for an "
                        "extension use move_students or another effect)")
        elif sid and effect.code == "not_stated" and sid not in names:
            problem("warning", "unknown_school", r, "school_id", f"{table}中没有这个学校标识码（效果未注明，不影响测算）",
                    f"{table_en} has no school with this id (no effect stated: nothing is computed from it)")
        elif sid:
            existing(r, "school_id", "学校标识码", "school_id")
        elif not sid and r["target"] and effect.code != "not_stated" and not effect.creates_school:
            existing(r, "school_name", "学校", "school", sid=r["target"])   # names a new school of the list
        for feeder in feeder_ids(r["from_school_id"]):
            existing(r, "from_school_id", "转出学校标识码", "from_school_id", sid=feeder)
        if effect.code != "not_stated" and data_year is not None and int(r["completion_year"]) < data_year:
            problem("warning", "completed_before_data", r, "completion_year",
                    f"完成年份早于{table}：视为已反映在数据中，此效果不再计入",
                    f"completed before {table_en}: taken to be in the data already, the effect is not applied again")
        if sid in names and r["school_name"] and names[sid] != r["school_name"]:
            problem("warning", "name_mismatch", r, "school_name", f"学校名称与{table}中的「{names[sid]}」不同",
                    f"school name differs from {table_en}'s {names[sid]!r}")
    return out


def override_link_problems(overrides: pd.DataFrame, schools: pd.DataFrame, county: str = "",
                           data_year: int | None = None) -> list[Problem]:
    """Enrolment overrides (:func:`read_enrolment_overrides`) checked against a county's school rows (the data
    year the projection starts from): an override for a school the rows do not hold, or for another county,
    would never be applied — a located error each (file, row, header as written, value).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "enrolment_overrides.csv"
    >>> _ = p.write_text("学校标识码,年度,学段,在校生数,来源\\nA,2026,primary,0,撤并通知\\nZ,2026,primary,5,x\\n",
    ...                  encoding="utf-8")
    >>> [(x.row, x.column, x.value) for x in override_link_problems(read_enrolment_overrides(p),
    ...                                                              pd.DataFrame({"school_id": ["A"]}))]
    [(3, '学校标识码', 'Z')]
    """
    ids = set(schools["school_id"].astype(str)) if len(schools) else set()
    headers = overrides.attrs.get("headers", {})
    table = f"学校数据（{data_year}年）" if data_year is not None else "学校数据"
    table_en = f"the school table ({data_year})" if data_year is not None else "the school table"
    out = []
    for r in overrides.to_dict("records"):
        where = {"file": str(r.get("file", "")), "row": int(r["row"]), "county": county}
        if str(r["school_id"]) not in ids:
            out.append(Problem("error", "unknown_school",
                               f"{table}中没有这个学校标识码：此修正不会被使用（新建学校的在校生数由项目清单中转入的学生决定）",
                               f"{table_en} has no school with this id: the override would never be used (a new "
                               "school's students are those the project list moves to it)",
                               column=headers.get("school_id", "school_id"), value=str(r["school_id"]), **where))
        other = str(r.get("county") or "")
        if county and other and other != county:
            out.append(Problem("error", "other_county", f"县区与本文件所属的「{county}」不同：此修正不会被使用",
                               f"a county other than this file's {county!r}: the override would never be used",
                               column=headers.get("county", "county"), value=other, **where))
    return out


TEMPLATE_NOTES = (
    "项目清单填写说明 (projects.csv: how to fill it in). 以 # 开头的行是说明，读取时跳过 (lines starting with # are "
    "comments).",
    "每行是一个项目对一所学校的一项效果；同一项目有多项效果时用同一序号写多行 (one row per project and effect; a "
    "project with several effects has several rows with the same project_no).",
    "资金概算只填在该项目的第一行，后续行留空；项目名称等列在后续行可留空 (the budget goes on the first row only; later "
    "rows may leave the project columns blank).",
    "原文没有写明对哪所学校、多少数量时，效果填 not_stated，数量留空，说明中写原文所述；不得推测 (when the source states "
    "no school or no quantity: effect not_stated, amount blank, the note says what the source says; never "
    "guess).",
    "学校标识码只在学校数据中有该校时填写；新建学校可留空并填学校名称，程序按序号给它标识码 new-序号（如 new-7）；其他行"
    "填同一学校名称即作用于该新建学校 (school_id only when the school table has the school; a new school may leave it "
    "blank and give school_name: it is then known as new-<project_no>, e.g. new-7, and rows naming it act on it).",
    "新建学校（new_school）或扩建增加学位（add_places）：数量填学位数，学段填 primary、junior 或 all，转出学校标识码填生源"
    "学校（其学生转入的学校），多所用“;”分隔；另有 move_students 行写明各校转入人数时按其计入（转入新建学校的"
    "合计不得超过其学位），否则按各生源学校在校生比例转入、至学位满为止 (new_school / add_places: amount = places, "
    "stage, and in from_school_id the schools whose pupils it takes, separated by ';'; move_students rows to it "
    "give the numbers (a new school: at most its places in all); without them the places are filled from those "
    "schools in proportion to their pupils).",
    "有效果的项目完成年份不晚于 2035 年；在数据年度及以前完成的视为已反映在数据中 (an effect completes by 2035; one "
    "completed by the data year is taken to be in the data already).",
    "时段（如 2023-2025）填开始年份 2023、完成年份 2025；单一年份只填完成年份 (a period: start_year and "
    "completion_year; one year: completion_year only).",
    "来源写文件标题、文号和条款，如 《石城县推进义务教育优质均衡发展实施方案》 附件2 序号7 (source: the document's title, "
    "number and clause).",
)


def template_text() -> str:
    """The text of an empty ``projects.csv``: comment lines explaining every column and effect, then the
    header row.  It reads back as a valid table with no projects.

    Examples
    --------
    >>> text = template_text()
    >>> text.splitlines()[-1] == ",".join(COLUMNS) and "not_stated" in text
    True
    """
    lines = [f"# {n}" for n in TEMPLATE_NOTES]
    lines.append("# 列 (columns):")
    meaning = {
        "project_no": "序号，正整数 (number in the source list)", "project": "项目名称 (project)",
        "subproject": "子项目名称，可空 (sub-project; optional)", "content": "项目内容 (content as worded)",
        "budget_wan": "资金概算，万元，≥0，只填第一行 (budget in 10,000 yuan; first row only)",
        "start_year": "开始年份，可空 (first year of a period; optional)",
        "completion_year": "完成年份 (deadline year)", "source": "来源：文件和条款 (document and clause)",
        "effect": "效果代码，见下 (effect code; see below)", "school_id": "学校标识码，可空 (school id; optional)",
        "school_name": "学校名称 (school as named in the source)",
        "stage": "学段：primary、junior、all 或留空 (stage)", "amount": "数量，单位见下 (amount; unit below)",
        "from_school_id": "move_students 填转出学校；new_school、add_places 填生源学校，多所用“;”分隔 (move_students: "
                          "the school pupils leave; new_school, add_places: the schools whose pupils it takes)",
        "note": "说明 (note)",
    }
    for c in COLUMNS:
        lines.append(f"#   {c}（{HEADERS_ZH[c]}）：{meaning[c]}")
    lines.append("# 效果代码 (effect codes):")
    for e in EFFECTS.values():
        unit = f"，数量单位：{e.unit_zh}" if e.unit_zh else "，数量留空"
        lines.append(f"#   {e.code}：{e.name_zh}{unit} ({e.name_en})")
    lines.append(",".join(COLUMNS))
    return "\n".join(lines) + "\n"


def write_projects_template(path, overwrite: bool = False) -> Path:
    """Write an empty ``projects.csv`` (UTF-8 with BOM, so Excel shows the Chinese) whose comment lines
    explain the columns; refuses to replace an existing file unless ``overwrite``.  Returns the path.

    Examples
    --------
    >>> import tempfile
    >>> p = write_projects_template(Path(tempfile.mkdtemp()) / "projects.csv")
    >>> len(read_projects(p).rows)
    0
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"文件已存在，未覆盖：{path} (file already exists, not overwritten)")
    return write_bytes(path, template_text().encode("utf-8-sig"))


# ------------------------------------------------------------------------------ enrolment overrides
OVERRIDE_COLUMNS = ("school_id", "year", "stage", "students", "source", "county", "note")
OVERRIDE_REQUIRED = ("school_id", "year", "stage", "students", "source")
OVERRIDE_HEADERS_ZH = {"school_id": "学校标识码", "year": "年度", "stage": "学段", "students": "在校生数",
                       "source": "来源", "county": "县区", "note": "说明"}
OVERRIDE_STAGES = ("primary", "junior", "senior")


def read_enrolment_overrides(path, county: str = "") -> pd.DataFrame:
    """An analyst's enrolment overrides (在校生数预测修正): ``data/raw/<slug>/enrolment_overrides.csv``, one row
    per school, year and stage, replacing the projection of :func:`junyun_lib.planning.enrolment.project_enrolment`.

    Columns (English or Chinese headers): ``school_id`` (学校标识码), ``year`` (年度, 1990–2100), ``stage``
    (学段: ``primary``, ``junior`` or ``senior``), ``students`` (在校生数, a whole number ≥ 0), ``source``
    (来源: who says so — an enrolment plan, a school closure notice …; required), and optionally ``county``
    (县区) and ``note`` (说明).  The same school, year and stage twice is an error.  Every problem is located
    and reported at once (:class:`ValidationError`).  Lines starting with ``#`` above the header are comments.

    Returns a DataFrame with those columns plus ``file`` and ``row`` (``year`` int, ``students`` int);
    ``attrs["headers"]`` maps each column to its header as written.  :func:`override_link_problems` checks the
    school ids against the school table.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "enrolment_overrides.csv"
    >>> _ = p.write_text("school_id,year,stage,students,source\\nA,2026,primary,0,撤并通知\\n", encoding="utf-8")
    >>> read_enrolment_overrides(p)[["school_id", "year", "stage", "students"]].values.tolist()
    [['A', 2026, 'primary', 0]]
    >>> _ = p.write_text("school_id,year,stage,students,source\\nA,2026,kindergarten,-3,\\n", encoding="utf-8")
    >>> read_enrolment_overrides(p)
    Traceback (most recent call last):
    ...
    junyun_lib.problems.ValidationError: 输入数据有 3 处错误...
    """
    path = Path(path)
    lines = csv_rows(_blank_comments(_read_table_text(path, "在校生数修正文件")), str(path))
    where = {"file": str(path), "county": county}
    first = next((i for i, (_, c) in enumerate(lines) if any(x.strip() for x in c)), None)
    header_row = lines[first][0] if first is not None else 1
    header, problems = _control_problems(lines[first][1] if first is not None else [], [], header_row, where)
    header = [h.strip() for h in header]
    aliases = {**{c: c for c in OVERRIDE_COLUMNS}, **{zh: c for c, zh in OVERRIDE_HEADERS_ZH.items()}}
    position, written = {}, {}
    for pos, h in enumerate(header):
        key = aliases.get(h) or aliases.get(h.lower())
        if not h:
            continue
        if key is None:
            problems.append(Problem("error", "unknown_column", f"未知列名（可用：{'、'.join(OVERRIDE_COLUMNS)}）",
                                    f"unknown column; known: {', '.join(OVERRIDE_COLUMNS)}", row=header_row,
                                    column=h, value=h, **where))
        elif key in position:
            problems.append(Problem("error", "duplicate_column", "列名重复", "duplicate column", row=header_row,
                                    column=h, value=h, **where))
        else:
            position[key], written[key] = pos, h
    for c in OVERRIDE_REQUIRED:
        if c not in position:
            problems.append(Problem("error", "missing_column", f"缺少必需的列「{c}」（{OVERRIDE_HEADERS_ZH[c]}）",
                                    f"required column {c!r} is missing", row=header_row, **where))
    if problems:
        raise ValidationError(problems)
    out, seen, warnings = [], {}, []
    for row_no, line in lines[first + 1:]:
        if not any(x.strip() for x in line):
            continue
        line, hidden = _control_problems(line, header, row_no, where)
        problems += hidden
        if len(line) != len(header):
            problems.append(ragged_row(line, len(header), row_no, **where))
            continue
        cell = {}
        for c in OVERRIDE_COLUMNS:
            raw = line[position[c]] if c in position else ""
            cell[c], changed = cells.normalise_text(raw) if c in ("school_id", "stage", "county") else \
                (raw.strip(), False)
            if changed:
                warnings.append(Problem("warning", "full_width", cells.FULL_WIDTH.zh, cells.FULL_WIDTH.en,
                                        row=row_no, column=written.get(c, c), value=raw.strip(), **where))

        def bad(column, zh, en, code="bad_value"):
            problems.append(Problem("error", code, zh, en, row=row_no, column=written.get(column, column),
                                    value=cell.get(column, ""), **where))

        if not cell["school_id"]:
            bad("school_id", "学校标识码为空", "school_id is blank", code="blank")
        year = _year(cell, "year", "年度", bad, required=True)
        if cell["stage"] not in OVERRIDE_STAGES:
            bad("stage", "学段应为 primary、junior 或 senior", "stage must be primary, junior or senior",
                code="bad_stage")
        students = None
        parsed = cells.parse_number(cell["students"])
        if parsed.error is not None:
            bad("students", parsed.error.zh if parsed.error.code == "null_token" else f"在校生数{parsed.error.zh}",
                f"students: {parsed.error.en}", code=parsed.error.code)
        elif parsed.value is None:
            bad("students", "在校生数为空：应为不小于 0 的整数", "students is blank; it must be a whole number ≥ 0",
                code="blank")
        elif parsed.value < 0 or parsed.value != int(parsed.value):
            bad("students", "在校生数应为不小于 0 的整数", "students must be a whole number ≥ 0", code="out_of_range")
        else:
            students = int(parsed.value)
            if parsed.warning is not None:
                warnings.append(Problem("warning", parsed.warning.code, parsed.warning.zh, parsed.warning.en,
                                        row=row_no, column=written["students"], value=cell["students"], **where))
        if not cell["source"]:
            bad("source", "每行都要注明依据（来源）", "every row needs its source", code="blank")
        key = (cell["county"], cell["school_id"], year, cell["stage"])
        if cell["school_id"] and year is not None and key in seen:
            bad("school_id", f"同一学校、年度、学段重复（第{seen[key]}行已出现）",
                f"the same school, year and stage twice (already on row {seen[key]})", code="duplicate")
        seen.setdefault(key, row_no)
        out.append({**cell, "year": year, "students": students, "file": str(path), "row": row_no})
    if problems:
        raise ValidationError(problems + warnings)
    table = pd.DataFrame(out, columns=[*OVERRIDE_COLUMNS, "file", "row"])
    for c in ("year", "students", "row"):
        table[c] = table[c].astype(int)
    table.attrs["warnings"] = warnings
    table.attrs["headers"] = written            # header as written, for problems found later (override_link_problems)
    return table
