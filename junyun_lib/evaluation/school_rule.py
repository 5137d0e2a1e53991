"""The per-school rule of resource allocation (校级达标规则).

"每所学校至少6项指标达到上述要求，余项不能低于要求的85%" (seed 002 附件1 二(一); 教督〔2017〕6号):
a school part passes when at least ``min_meeting`` (6) of the 7 indicators reach their standard
(value ≥ standard) and every indicator reaches ``floor_ratio`` (85%) of its standard.  Exactly 85% passes.
Both numbers come from the standard's ``[school_rule]`` table.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .indicators import standard_values
from ..rules import Standard, compare


def apply_school_rule(parts: pd.DataFrame, standard: Standard) -> pd.DataFrame:
    """Adds ``standard_<code>``, ``meets_<code>``, ``ratio_<code>``, ``n_meeting`` and ``passes_school_rule``."""
    if not standard.has_school_standards or standard.school_rule is None:
        parts["n_meeting"] = pd.NA
        parts["passes_school_rule"] = pd.NA
        return parts
    floor = float(standard.school_rule["floor_ratio"])
    above_floor = np.ones(len(parts), dtype=bool)
    n_meeting = np.zeros(len(parts), dtype=int)
    for code in standard.codes:
        target = standard_values(parts, standard, code)
        value = parts[f"value_{code}"]
        meets = compare(value, target, ">=")
        parts[f"standard_{code}"] = target
        parts[f"meets_{code}"] = meets
        parts[f"ratio_{code}"] = value / target
        n_meeting += meets
        above_floor &= compare(value, target * floor, ">=")
    parts["n_meeting"] = n_meeting
    parts["passes_school_rule"] = (n_meeting >= int(standard.school_rule["min_meeting"])) & above_floor
    return parts
