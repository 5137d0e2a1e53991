"""Unit costs (单位成本表): 万元 per teacher, m², 元 or classroom, from an editable CSV.

The package's ``rules/unit_costs.csv`` holds illustrative figures, each with its basis; a county passes its
own file (``--costs``).  Columns: ``indicator``, ``unit_zh``, ``cost_wan_per_unit``, ``basis_zh``, ``basis_en``.

The file is read like every CSV junyun reads (:mod:`junyun_lib.io.textfile`: UTF-8, UTF-8 with BOM, GBK,
UTF-16; rows as a text editor numbers them) and its costs like every number
(:func:`junyun_lib.io.cells.parse_number`).  Every problem is located and reported at once: a missing file,
a line whose cells do not line up with the header, an indicator that no registered standard has, the same
indicator twice, a cost that is blank, not a number, infinite or negative, a cell holding a control character.
"""
from __future__ import annotations

import difflib
import functools
from pathlib import Path

import pandas as pd

from ..problems import Problem, ValidationError
from ..rules.standards import default_unit_costs_text, load_standard, standard_codes
from . import cells
from .textfile import csv_rows, ragged_row, read_text

COST_COLUMNS = ["indicator", "unit_zh", "cost_wan_per_unit", "basis_zh", "basis_en"]
REQUIRED = ("indicator", "cost_wan_per_unit")
DEFAULT_NAME = "内置示例单位成本"


def load_unit_costs(path: str | Path | None = None) -> pd.DataFrame:
    """The unit-cost table: ``indicator`` → ``cost_wan_per_unit`` (万元 per unit of shortfall).

    ``path`` is a CSV file; None gives the package's illustrative costs.  Raises :class:`ValidationError`
    listing every problem.

    Examples
    --------
    >>> costs = load_unit_costs()
    >>> sorted(costs.columns) == sorted(COST_COLUMNS)
    True
    """
    if path is None:
        return default_unit_costs().copy()
    return _parse(read_text(path, "单位成本文件"), str(path))


@functools.lru_cache(maxsize=1)
def default_unit_costs() -> pd.DataFrame:
    """The package's illustrative unit costs (shared: copy before changing)."""
    return _parse(default_unit_costs_text(), DEFAULT_NAME)


@functools.lru_cache(maxsize=1)
def known_indicators() -> tuple[str, ...]:
    """The indicator codes a unit cost may be given for: those of the registered standards.

    Examples
    --------
    >>> "key_teachers" in known_indicators() and "computers" in known_indicators()
    True
    """
    codes = []
    for standard in standard_codes():
        codes += [c for c in load_standard(standard).codes if c not in codes]
    return tuple(codes)


def _parse(text: str, display: str) -> pd.DataFrame:
    """The checked table of a unit-cost CSV's text (``display`` names the file in problems).

    Examples
    --------
    >>> _parse("indicator,cost_wan_per_unit\\nkey_teachers,2\\n", "c.csv")["cost_wan_per_unit"].tolist()
    [2.0]
    >>> _parse("indicator,cost_wan_per_unit\\nkey_teachers,inf\\n", "c.csv")
    Traceback (most recent call last):
    ...
    junyun_lib.problems.ValidationError: 输入数据有 1 处错误...
    """
    lines = csv_rows(text, display)
    first = next((i for i, (_, c) in enumerate(lines) if any(x.strip() for x in c)), None)
    header_row = lines[first][0] if first is not None else 1
    header = [h.strip() for h in (lines[first][1] if first is not None else [])]
    where = {"file": display}
    problems = [Problem("error", "missing_column", f"缺少列「{c}」", f"missing column {c}", row=header_row, **where)
                for c in REQUIRED if c not in header]
    if problems:
        raise ValidationError(problems)
    position = {}
    for i, h in enumerate(header):
        position.setdefault(h, i)
    known = known_indicators()
    rows, seen, warnings = [], {}, []
    for row_no, line in lines[first + 1:]:
        if not any(x.strip() for x in line):
            continue                                         # a blank line
        if len(line) != len(header):
            problems.append(ragged_row(line, len(header), row_no, **where))
            continue
        hidden = cells.control_character_problems(line, header, row_no, **where)
        if hidden:                                   # an invisible character would reach the cost tables
            problems += hidden
            continue
        cell = {c: line[i] for c, i in position.items()}
        indicator = cell["indicator"].strip()
        if indicator not in known:
            close = difflib.get_close_matches(indicator, known, n=1)
            hint = f"；是否为「{close[0]}」？" if close else ""
            problems.append(Problem(
                "error", "unknown_indicator", f"未知的指标代码{hint}（可用：{'、'.join(known)}）",
                f"unknown indicator code{f' (did you mean {close[0]!r}?)' if close else ''}; known: "
                f"{', '.join(known)}", row=row_no, column="indicator", value=cell["indicator"], **where))
        elif indicator in seen:
            problems.append(Problem("error", "duplicate_indicator", f"指标代码重复（第{seen[indicator]}行已出现）",
                                    f"duplicate indicator (already on row {seen[indicator]})", row=row_no,
                                    column="indicator", value=cell["indicator"], **where))
        else:
            seen[indicator] = row_no
        raw = cell["cost_wan_per_unit"]
        parsed = cells.parse_number(raw)
        bad = None
        if parsed.error is not None:
            bad = (parsed.error.code, f"单位成本{parsed.error.zh}" if parsed.error.code != "null_token" else
                   parsed.error.zh, f"unit cost: {parsed.error.en}")
        elif parsed.value is None:
            bad = ("blank", "单位成本为空：应为非负数（万元）", "the unit cost is blank; it must be a non-negative number "
                   "(10,000 yuan)")
        elif parsed.value < 0:
            bad = ("negative", "单位成本不能为负数（万元）", "a unit cost cannot be negative")
        if bad is not None:
            problems.append(Problem("error", bad[0], bad[1], bad[2], row=row_no, column="cost_wan_per_unit",
                                    value=raw.strip(), **where))
            continue
        if parsed.warning is not None:
            warnings.append(Problem("warning", parsed.warning.code, parsed.warning.zh, parsed.warning.en,
                                    row=row_no, column="cost_wan_per_unit", value=raw.strip(), **where))
        rows.append({**{c: cell.get(c, "") for c in COST_COLUMNS}, **{c: v for c, v in cell.items()
                                                                       if c not in COST_COLUMNS},
                     "indicator": indicator, "cost_wan_per_unit": parsed.value})
    if problems:
        raise ValidationError(problems + warnings)
    extra = [h for h in header if h and h not in COST_COLUMNS]
    table = pd.DataFrame(rows, columns=[*COST_COLUMNS, *dict.fromkeys(extra)])
    table["cost_wan_per_unit"] = table["cost_wan_per_unit"].astype(float)
    table.attrs["warnings"] = warnings            # e.g. full-width digits read as half-width
    return table
