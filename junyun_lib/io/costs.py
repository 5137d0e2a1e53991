"""Unit costs (单位成本表): 万元 per teacher, m², 元 or classroom, from an editable CSV.

The package's ``rules/unit_costs.csv`` holds illustrative figures, each with its basis; a county passes its
own file (``--costs``).  Columns: ``indicator``, ``unit_zh``, ``cost_wan_per_unit``, ``basis_zh``, ``basis_en``.
"""
from __future__ import annotations

import functools
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..problems import Problem, ValidationError
from ..rules.standards import default_unit_costs_text

COST_COLUMNS = ["indicator", "unit_zh", "cost_wan_per_unit", "basis_zh", "basis_en"]
DEFAULT_NAME = "内置示例单位成本"


def load_unit_costs(path: str | Path | None = None) -> pd.DataFrame:
    """The unit-cost table: ``indicator`` → ``cost_wan_per_unit`` (万元 per unit of shortfall).

    ``path`` is a CSV file (UTF-8, with or without BOM); None gives the package's illustrative costs.
    Raises :class:`ValidationError` listing every bad row.

    Examples
    --------
    >>> costs = load_unit_costs()
    >>> sorted(costs.columns) == sorted(COST_COLUMNS)
    True
    """
    if path is None:
        return default_unit_costs().copy()
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ValidationError([Problem("error", "not_found", "单位成本文件不存在", "unit-cost file not found",
                                       file=str(path))]) from None
    except UnicodeDecodeError:
        raise ValidationError([Problem("error", "encoding", "单位成本文件应为 UTF-8 编码的 CSV",
                                       "the unit-cost file must be UTF-8 CSV", file=str(path))]) from None
    return _parse(text, str(path))


@functools.lru_cache(maxsize=1)
def default_unit_costs() -> pd.DataFrame:
    """The package's illustrative unit costs (shared: copy before changing)."""
    return _parse(default_unit_costs_text(), DEFAULT_NAME)


def _parse(text: str, display: str) -> pd.DataFrame:
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    problems = [Problem("error", "missing_column", f"缺少列「{c}」", f"missing column {c}", file=display, row=1)
                for c in ("indicator", "cost_wan_per_unit") if c not in table.columns]
    if not problems:
        cost = pd.to_numeric(table["cost_wan_per_unit"], errors="coerce")
        for i in np.flatnonzero(cost.isna() | (cost < 0) | ~np.isfinite(cost.fillna(0))):
            problems.append(Problem("error", "bad_cost", "单位成本应为非负数（万元）", "unit cost must be a non-negative number",
                                    file=display, row=int(i) + 2, column="cost_wan_per_unit",
                                    value=table["cost_wan_per_unit"].iat[i]))
        table["cost_wan_per_unit"] = cost
    if problems:
        raise ValidationError(problems)
    return table
