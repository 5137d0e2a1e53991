"""Yearly budgets for the roadmap (路线图年度预算): ``year,budget_wan`` per line (``年度,预算（万元）``).

The file is read like every CSV junyun reads (:mod:`junyun_lib.io.textfile`: UTF-8, GBK, UTF-16; rows as a
text editor numbers them) and its numbers like every number (:func:`junyun_lib.io.cells.parse_number`).
Every problem is located and reported at once: a missing column, a year that is not a whole number in
1990–2100 or appears twice, a budget that is blank, not a number, infinite or negative, a cell holding a
control character.  A year the
roadmap needs beyond the file's last year gets the last year's budget (said in the roadmap).
"""
from __future__ import annotations

from pathlib import Path

from ..problems import Problem, ValidationError
from . import cells
from .textfile import csv_rows, read_text

ALIASES = {"year": "year", "年度": "year", "budget_wan": "budget_wan", "预算（万元）": "budget_wan",
           "预算(万元)": "budget_wan", "预算": "budget_wan"}


def read_budget_file(path) -> dict[int, float]:
    """``{year: 万元}`` from a budget CSV; raises :class:`ValidationError` listing every problem.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "budget.csv"
    >>> _ = p.write_text("年度,预算（万元）\\n2025,800\\n2026,1,200\\n", encoding="utf-8")
    >>> read_budget_file(p)
    Traceback (most recent call last):
    ...
    junyun_lib.problems.ValidationError: 输入数据有 1 处错误...
    >>> _ = p.write_text("年度,预算（万元）\\n2025,800\\n2026,\\"1,200\\"\\n", encoding="utf-8")
    >>> read_budget_file(p)
    {2025: 800.0, 2026: 1200.0}
    """
    display = str(path)
    lines = csv_rows(read_text(path, "预算文件"), display)
    where = {"file": display}
    first = next((i for i, (_, c) in enumerate(lines) if any(x.strip() for x in c)), None)
    if first is None:
        raise ValidationError([Problem("error", "empty", "预算文件为空", "the budget file is empty", **where)])
    header_row, header = lines[first][0], [h.strip() for h in lines[first][1]]
    position = {}
    for i, h in enumerate(header):
        key = ALIASES.get(h) or ALIASES.get(h.lower())
        if key and key not in position:
            position[key] = i
    problems = [Problem("error", "missing_column", f"缺少列「{zh}」（{c}）", f"missing column {c}", row=header_row,
                        **where) for c, zh in (("year", "年度"), ("budget_wan", "预算（万元）")) if c not in position]
    if problems:
        raise ValidationError(problems)
    out, seen = {}, {}
    for row_no, line in lines[first + 1:]:
        if not any(x.strip() for x in line):
            continue
        if len(line) != len(header):
            problems.append(Problem("error", "ragged_row", f"本行有 {len(line)} 个单元格，表头行有 {len(header)} 个：可能多了或少了"
                                    "逗号（含逗号的数字请用英文双引号括起）", f"this line has {len(line)} cells, the header "
                                    f"{len(header)}", row=row_no, value=",".join(line), **where))
            continue
        hidden = cells.control_character_problems(line, header, row_no, **where)
        if hidden:                                   # an invisible character is no year and no budget
            problems += hidden
            continue
        raw_year, raw_budget = line[position["year"]].strip(), line[position["budget_wan"]]
        year = cells.parse_number(raw_year)
        if year.error is not None or year.value is None or year.value != int(year.value) \
                or not 1990 <= year.value <= 2100:
            problems.append(Problem("error", "bad_year", "年度应为 1990–2100 之间的整数", "the year must be a whole "
                                    "number in 1990–2100", row=row_no, column="年度", value=raw_year, **where))
            continue
        y = int(year.value)
        if y in seen:
            problems.append(Problem("error", "duplicate_year", f"年度重复（第{seen[y]}行已出现）",
                                    f"duplicate year (already on row {seen[y]})", row=row_no, column="年度",
                                    value=raw_year, **where))
            continue
        seen[y] = row_no
        budget = cells.parse_number(raw_budget)
        if budget.error is not None:
            problems.append(Problem("error", budget.error.code, f"预算{budget.error.zh}", f"budget: {budget.error.en}",
                                    row=row_no, column="预算（万元）", value=raw_budget.strip(), **where))
        elif budget.value is None:
            problems.append(Problem("error", "blank", "预算为空：应为非负数（万元）", "the budget is blank", row=row_no,
                                    column="预算（万元）", **where))
        elif budget.value < 0:
            problems.append(Problem("error", "negative", "预算不能为负数", "a budget cannot be negative", row=row_no,
                                    column="预算（万元）", value=raw_budget.strip(), **where))
        else:
            out[y] = float(budget.value)
    if problems:
        raise ValidationError(problems)
    return dict(sorted(out.items()))
