"""Gaps in real units and their cost (差距测算：缺口与所需经费).

For a school part below the standard of indicator k::

    shortfall = standard × students / scale − numerator

in the indicator's own unit: whole teachers and whole classrooms (rounded up), m² and 元 (continuous).
It is what the part itself needs to reach the standard (for a split mixed school, the part's own share).
Unit costs in 万元 come from the unit-cost table (:mod:`junyun_lib.io.costs`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..rules import REL_TOL, Standard


def add_shortfalls(parts: pd.DataFrame, standard: Standard, costs: pd.DataFrame) -> pd.DataFrame:
    """Adds ``shortfall_<code>`` (indicator unit) and ``cost_<code>`` (万元) to the parts table."""
    if not standard.has_school_standards:
        return parts
    unit_cost = dict(zip(costs["indicator"], costs["cost_wan_per_unit"]))
    total_cost = np.zeros(len(parts))
    for ind in standard.indicators:
        needed = parts[f"standard_{ind.code}"] * parts["students"] / ind.scale - parts[f"numerator_{ind.code}"]
        short = np.where(parts[f"meets_{ind.code}"], 0.0, np.maximum(needed, 0.0))
        if ind.shortfall_integer:
            short = np.ceil(short - REL_TOL * np.maximum(needed.abs(), 1.0))
        parts[f"shortfall_{ind.code}"] = np.maximum(short, 0.0)
        parts[f"cost_{ind.code}"] = parts[f"shortfall_{ind.code}"] * unit_cost.get(ind.code, np.nan)
        total_cost = total_cost + parts[f"cost_{ind.code}"].fillna(0.0).to_numpy()
    parts["cost_total"] = total_cost
    return parts


def gap_summary(parts: pd.DataFrame, standard: Standard, costs: pd.DataFrame, stage_keys: pd.DataFrame) -> pd.DataFrame:
    """County totals per stage and indicator: parts below standard, total shortfall, cost (万元).

    ``stage_keys`` lists (county, year, stage) for each group code of ``parts["group"]``.
    """
    columns = ["county", "year", "stage", "indicator", "name_zh", "schools_below", "shortfall", "unit_zh",
               "cost_wan", "cost_basis"]
    if not standard.has_school_standards:
        return pd.DataFrame(columns=columns)
    basis = dict(zip(costs["indicator"], costs["basis_zh"])) if "basis_zh" in costs else {}
    codes, n = parts["group"].to_numpy(), len(stage_keys)
    present = np.bincount(codes, minlength=n) > 0
    rows = []
    for ind in standard.indicators:
        block = stage_keys[present].copy()
        block["indicator"], block["name_zh"] = ind.code, ind.name_zh
        below = ~parts[f"meets_{ind.code}"].to_numpy(dtype=bool)
        block["schools_below"] = np.bincount(codes, weights=below, minlength=n)[present].astype("int64")
        block["shortfall"] = np.bincount(codes, weights=parts[f"shortfall_{ind.code}"].to_numpy(), minlength=n)[present]
        block["unit_zh"] = ind.shortfall_unit_zh
        block["cost_wan"] = np.bincount(codes, weights=parts[f"cost_{ind.code}"].fillna(0).to_numpy(),
                                        minlength=n)[present]
        block["cost_basis"] = basis.get(ind.code, "")
        block["_order"] = np.flatnonzero(present)
        rows.append(block)
    out = pd.concat(rows, ignore_index=True)
    order = np.argsort(out["_order"].to_numpy(), kind="stable")
    return out.iloc[order].drop(columns="_order")[columns].reset_index(drop=True)
