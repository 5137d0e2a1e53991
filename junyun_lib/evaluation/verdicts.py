"""Verdicts (结论): how a stage's verdict and an area's verdict are made from their parts — in one place.

A stage (小学 or 初中) of a county-year passes when every requirement its standard lists in
``stage_pass_requires`` holds (:data:`STAGE_REQUIREMENTS`); a stage with no school part in scope has no
verdict.  Items with no data are never a pass: :func:`all_of` is False if any part fails, None (undetermined)
if none fails but one is unknown, True only when every part passes.

Tables hold verdicts as pandas' nullable booleans, so a verdict read from a table may be ``pd.NA`` (no
verdict), whose truth value raises.  Code that branches on a verdict reads it through :func:`verdict` first
(True / False / None), never ``bool(...)`` or ``if`` on the cell.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: requirement a standard may list in ``stage_pass_requires`` → its test on the stage table
STAGE_REQUIREMENTS = {
    "each_cv": lambda st: st["cv_failing"].to_numpy() == 0,                # 所有指标差异系数达标
    "school_rule": lambda st: st["schools_failing_rule"].to_numpy() == 0,  # 每所学校达到校级规则
    "composite_cv": lambda st: st["composite_pass"].to_numpy(dtype=bool),  # 综合差异系数达标
}


def stage_verdicts(stages: pd.DataFrame, requirements, present: np.ndarray) -> pd.arrays.BooleanArray:
    """The verdict of every stage row: all ``requirements`` hold; NA where the stage has no school part."""
    passes = np.ones(len(stages), dtype=bool)
    for requirement in requirements:
        passes &= STAGE_REQUIREMENTS[requirement](stages)
    verdict = pd.array(passes, dtype="boolean")
    verdict[~present] = pd.NA
    return verdict


def all_of(values) -> bool | None:
    """Combine verdicts where no data never passes: False if any is False, None if any is None, else True.

    Examples
    --------
    >>> all_of([True, True]), all_of([True, None]), all_of([None, False]), all_of([])
    (True, None, False, True)
    """
    values = list(values)
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def verdict(value) -> bool | None:
    """A verdict read from a table as True, False or None (None for ``pd.NA``, NaN, None: no verdict).

    Examples
    --------
    >>> verdict(pd.NA), verdict(np.bool_(True)), verdict(float("nan")), verdict(False)
    (None, True, None, False)
    """
    if value is None or value is pd.NA:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return bool(value)


def stages_verdict(stages: pd.DataFrame) -> bool | None:
    """The resource-allocation verdict of one county-year from its stage table: every stage with a school
    part in scope passes (:func:`all_of`); None when no stage has one.

    Examples
    --------
    >>> st = pd.DataFrame({"schools_in_scope": [3, 0], "passes": pd.array([True, pd.NA], dtype="boolean")})
    >>> stages_verdict(st), stages_verdict(st.assign(schools_in_scope=[0, 0]))
    (True, None)
    """
    present = pd.to_numeric(stages["schools_in_scope"], errors="coerce").fillna(0).to_numpy() > 0
    values = [verdict(v) for v in stages.loc[present, "passes"].tolist()]
    return all_of(values) if values else None
