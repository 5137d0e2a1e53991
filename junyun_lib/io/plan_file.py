"""County plans as data (县域推进计划): a county's ``plan.csv``, one row per item and year.

Columns (CSV in UTF-8, UTF-8 with BOM, GBK or UTF-16 — see :mod:`junyun_lib.io.textfile` — header row first):

==========  ====================================================================================
item_no     the item's number in the plan (integer)
item        the item as the plan words it
category    the plan's category (指标类别) as the source places it
year        the year the target is for
target      the target in ``unit`` (65 for 65%, 0.50 for a difference coefficient); blank when not stated.
            Read by :func:`junyun_lib.io.cells.parse_number` (``1e999``, ``inf``, ``nan``, ``3000,5`` are
            errors); a ``%`` target lies in 0–100, a ``系数`` target in 0–5, a county-level item's target in
            its indicator's range
direction   ``>=`` (达到、以上), ``<`` (小于、低于) or ``<=`` (不超过、小于或等于)
unit        ``%`` or ``系数``
metric      what measures it — see :mod:`junyun_lib.rules.plan_metrics` (e.g. ``indicator_share:key_teachers``)
stage       ``primary``, ``junior`` or ``all``
stated      ``yes``, or ``no`` when the source gives no target for that year (never guessed)
source      document and clause
note        free text (decisions on defective source rows live here and in ``plan_notes.md``)
==========  ====================================================================================

:func:`read_plan` checks every row and reports all problems at once, located by file, row (as a text editor
shows it, blank lines counted), column and value; a line whose cells do not line up with the header, an
unclosed quote and a cell holding a control character (:func:`junyun_lib.io.cells.control_character_problems`)
are located too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..problems import Problem, ValidationError
from ..rules import plan_metrics
from ..rules.county_indicators import definitions
from . import cells
from .textfile import csv_rows, ragged_row, read_text

COLUMNS = ("item_no", "item", "category", "year", "target", "direction", "unit", "metric", "stage", "stated",
           "source", "note")
REQUIRED = ("item_no", "item", "year", "target", "direction", "unit", "metric", "stage", "stated", "source")
DIRECTIONS = (">=", ">", "<", "<=")
STAGES = ("primary", "junior", "all")
STATED = ("yes", "no")


@dataclass
class Plan:
    """A county's plan (推进计划): the item-year rows, checked."""

    county: str
    slug: str
    path: Path
    rows: pd.DataFrame        # COLUMNS, target float (NaN when not stated), year/item_no int, stated bool
    warnings: list[Problem] = field(default_factory=list)    # e.g. full-width digits read as half-width

    @property
    def items(self) -> pd.DataFrame:
        """One row per item: number, wording, metric, stage, unit, direction, first and last stated year."""
        stated = self.rows[self.rows["stated"]]
        keys = ["item_no", "item", "category", "metric", "stage", "unit", "direction"]
        first = self.rows.groupby("item_no", sort=True)[keys].first()
        span = stated.groupby("item_no")["year"].agg(first_year="min", last_year="max")
        return first.drop(columns="item_no", errors="ignore").join(span).reset_index()

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.rows["year"].unique())


def read_plan(path, county: str = "", slug: str = "") -> Plan:
    """Read and check a plan file; raises :class:`ValidationError` listing every problem."""
    path = Path(path)
    lines = csv_rows(read_text(path, "推进计划文件"), str(path))     # blank lines kept: rows as in an editor
    first = next((i for i, (_, c) in enumerate(lines) if any(x.strip() for x in c)), None)
    header_row = lines[first][0] if first is not None else 1
    header = [h.strip() for h in (lines[first][1] if first is not None else [])]
    body = lines[first + 1:] if first is not None else []
    where = {"file": str(path), "county": county}
    problems = [Problem("error", "missing_column", f"缺少必需的列「{c}」", f"required column {c!r} is missing",
                        row=header_row, **where) for c in REQUIRED if c not in header]
    if problems:
        raise ValidationError(problems)
    position = {}
    for i, h in enumerate(header):
        position.setdefault(h, i)
    out, seen, warnings = [], {}, []
    for row_no, line in body:
        if not any(x.strip() for x in line):
            continue                                     # a blank line
        if len(line) != len(header):
            problems.append(ragged_row(line, len(header), row_no, **where))
            continue
        hidden = cells.control_character_problems(line, header, row_no, **where)
        if hidden:                                   # item wording and sources reach the plan pages
            problems += hidden
            continue
        cell = {c: (line[position[c]].strip() if c in position else "") for c in COLUMNS}

        def bad(column, zh, en, code="bad_value"):
            problems.append(Problem("error", code, zh, en, row=row_no, column=column, value=cell.get(column, ""),
                                    **where))

        item_no, year = _int(cell["item_no"]), _int(cell["year"])
        if item_no is None:
            bad("item_no", "项目序号应为整数", "item_no must be an integer")
        if year is None or not 1990 <= (year or 0) <= 2100:
            bad("year", "年度应为四位整数", "year must be a four-digit integer")
        if cell["direction"] not in DIRECTIONS:
            bad("direction", f"方向应为 {' '.join(DIRECTIONS)} 之一", f"direction must be one of {DIRECTIONS}")
        if cell["stage"] not in STAGES:
            bad("stage", "学段应为 primary、junior 或 all", "stage must be primary, junior or all")
        if cell["stated"] not in STATED:
            bad("stated", "stated 应为 yes 或 no", "stated must be yes or no")
        if not cell["source"]:
            bad("source", "每行都要注明来源文件和条款", "every row needs its source document and clause")
        problem = plan_metrics.check_metric(cell["metric"], cell["unit"],
                                            cell["stage"] if cell["stage"] in STAGES else None)
        if problem:
            bad("metric", *problem)
        target = None
        if cell["stated"] == "yes":
            parsed = cells.parse_number(cell["target"])
            target = parsed.value
            if parsed.error is not None:
                reason = parsed.error
                zh, en = (reason.zh, reason.en) if reason.code == "null_token" else \
                    (f"目标{reason.zh}", f"target: {reason.en}")
                bad("target", zh, en, code=reason.code)
            elif target is None:
                bad("target", "已注明的年度目标应为数字", "a stated target must be a number")
            else:
                if parsed.warning is not None:
                    warnings.append(Problem("warning", parsed.warning.code, parsed.warning.zh, parsed.warning.en,
                                            row=row_no, column="target", value=cell["target"], **where))
                low, high = _target_range(cell["unit"], cell["metric"])
                if problem is None and not low <= target <= high:    # (a wrong unit is reported above)
                    bad("target", f"单位为「{cell['unit']}」的目标应在 {low:g}–{high:g} 之间",
                        f"a target in {cell['unit']!r} must be within {low:g}–{high:g}", code="out_of_range")
        elif cell["stated"] == "no" and cell["target"]:
            bad("target", "未注明的年度（stated=no）目标应留空，不得推测",
                "a year marked not stated (stated=no) must leave target blank, never guessed")
        key = (item_no, year)
        if item_no is not None and year is not None:
            if key in seen:
                bad("year", f"同一项目同一年度重复（第{seen[key]}行已出现）",
                    f"duplicate item and year (already on row {seen[key]})", code="duplicate")
            seen.setdefault(key, row_no)
        out.append({**cell, "item_no": item_no, "year": year, "target": target,
                    "stated": cell["stated"] == "yes", "row": row_no})
    if problems:
        raise ValidationError(problems + warnings)
    rows = pd.DataFrame(out, columns=[*COLUMNS, "row"])
    rows["target"] = rows["target"].astype(float)
    for c in ("item_no", "year"):
        rows[c] = rows[c].astype(int)
    rows = rows.sort_values(["item_no", "year"], kind="stable").reset_index(drop=True)
    return Plan(county=county, slug=slug or path.parent.name, path=path, rows=rows, warnings=warnings)


#: the range of a target by unit (``%`` a share, ``系数`` a difference coefficient)
TARGET_RANGES = {"%": (0.0, 100.0), "系数": (0.0, 5.0)}


def _target_range(unit: str, metric: str) -> tuple[float, float]:
    """Where a target of ``unit`` may lie: 0–100 for %, 0–5 for 系数, a county-level item's own range for its
    unit (元, 是否, 级); any finite number otherwise (the metric check reports a wrong unit).

    Examples
    --------
    >>> _target_range("%", "indicator_share:key_teachers"), _target_range("系数", "max_cv")
    ((0.0, 100.0), (0.0, 5.0))
    >>> _target_range("级", "county:monitoring_level")
    (1.0, 4.0)
    """
    if unit in TARGET_RANGES:
        return TARGET_RANGES[unit]
    kind, arg = plan_metrics.parse(metric)
    d = definitions().get(arg) if kind == "county" else None
    if d is not None and d.unit == unit:
        return d.min, d.max
    return -float("inf"), float("inf")


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
