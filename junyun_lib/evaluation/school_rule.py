"""The per-school rule of resource allocation (校级达标规则).

"每所学校至少6项指标达到上述要求，余项不能低于要求的85%" (seed 002 附件1 二(一); 教督〔2017〕6号):
a school part passes when at least ``min_meeting`` (6) of the 7 indicators reach their standard
(value ≥ standard) and every indicator reaches ``floor_ratio`` (85%) of its standard.  Exactly 85% passes.
Both numbers come from the standard's ``[school_rule]`` table.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..columns import with_columns
from ..rules import Standard, compare
from .indicators import standard_values


def apply_school_rule(parts: pd.DataFrame, standard: Standard) -> pd.DataFrame:
    """``parts`` with ``standard_<code>``, ``meets_<code>``, ``ratio_<code>``, ``n_meeting`` and
    ``passes_school_rule`` added (a new frame; ``parts`` is left as it was)."""
    if not standard.has_school_standards or standard.school_rule is None:
        return with_columns(parts, {"n_meeting": pd.NA, "passes_school_rule": pd.NA})
    floor = float(standard.school_rule["floor_ratio"])
    above_floor = np.ones(len(parts), dtype=bool)
    n_meeting = np.zeros(len(parts), dtype=int)
    added = {}
    for code in standard.codes:
        target = standard_values(parts, standard, code)
        value = parts[f"value_{code}"]
        meets = compare(value, target, ">=")
        added[f"standard_{code}"] = target
        added[f"meets_{code}"] = meets
        added[f"ratio_{code}"] = value / target
        n_meeting += meets
        above_floor &= compare(value, target * floor, ">=")
    added["n_meeting"] = n_meeting
    added["passes_school_rule"] = (n_meeting >= int(standard.school_rule["min_meeting"])) & above_floor
    return with_columns(parts, added)
