"""County plans as data (县域推进计划): a county's ``plan.csv``, one row per item and year.

Columns (UTF-8 CSV, header row first):

==========  ====================================================================================
item_no     the item's number in the plan (integer)
item        the item as the plan words it
category    the plan's category (指标类别) as the source places it
year        the year the target is for
target      the target in ``unit`` (65 for 65%, 0.50 for a difference coefficient); blank when not stated
direction   ``>=`` (达到、以上), ``<`` (小于、低于) or ``<=`` (不超过、小于或等于)
unit        ``%`` or ``系数``
metric      what measures it — see :mod:`junyun_lib.rules.plan_metrics` (e.g. ``indicator_share:key_teachers``)
stage       ``primary``, ``junior`` or ``all``
stated      ``yes``, or ``no`` when the source gives no target for that year (never guessed)
source      document and clause
note        free text (decisions on defective source rows live here and in ``plan_notes.md``)
==========  ====================================================================================

:func:`read_plan` checks every row and reports all problems at once, located by file, row, column and value.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..problems import Problem, ValidationError
from ..rules import plan_metrics

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
    text = path.read_bytes().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))     # blank lines kept so row numbers match the editor
    header = [h.strip() for h in (lines[0] if lines else [])]
    frame = pd.DataFrame([(r + [""] * len(header))[:len(header)] for r in lines[1:]], columns=header, dtype=str)
    where = {"file": str(path), "county": county}
    problems = [Problem("error", "missing_column", f"缺少必需的列「{c}」", f"required column {c!r} is missing",
                        row=1, **where) for c in REQUIRED if c not in frame.columns]
    if problems:
        raise ValidationError(problems)
    for c in COLUMNS:
        if c not in frame.columns:
            frame[c] = ""
    out, seen = [], {}
    for i, r in enumerate(frame.to_dict("records")):
        row_no = i + 2
        cell = {k: str(v).strip() for k, v in r.items()}
        if not any(cell.values()):
            continue                                     # a blank line

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
            target = _float(cell["target"])
            if target is None:
                bad("target", "已注明的年度目标应为数字", "a stated target must be a number")
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
        raise ValidationError(problems)
    rows = pd.DataFrame(out)
    rows["target"] = rows["target"].astype(float)
    for c in ("item_no", "year"):
        rows[c] = rows[c].astype(int)
    rows = rows.sort_values(["item_no", "year"], kind="stable").reset_index(drop=True)
    return Plan(county=county, slug=slug or path.parent.name, path=path, rows=rows)


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value else None
