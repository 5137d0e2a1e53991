"""Splitting mixed schools into stage parts (一贯制学校、完全中学的拆分).

Only the facility quantities (教学及辅助用房面积, 体育运动场馆面积, 教学仪器设备值, 网络多媒体教室数) are split;
teacher counts are reported per section (小学部/初中部) and are not.  With stage weights w_s from
``rules/splitting.toml`` (seed 002 附件2 (五)) and N_s students of stage s::

    share_s = w_s·N_s / Σ_t w_t·N_t

e.g. 九年一贯制 (1 : 1.1): primary = A / (A + 1.1·B); 完全中学 (1 : 1.2): junior = B / (B + 1.2·C);
十二年一贯制 (1 : 1.1 : 1.32): primary = A / (A + 1.1·B + 1.32·C).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import rules

ALL_STAGES = ("primary", "junior", "senior")


def stage_weight(school_type: pd.Series, stage: str) -> np.ndarray:
    """w_s for each school's type (0 when the type has no such stage)."""
    weights = rules.split_weights()["weights"]
    return rules.lookup(school_type, {t: w.get(stage, 0.0) for t, w in weights.items()}, default=0.0)


def stage_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Each school's share of its facilities per stage (拆分比例): columns ``share_primary`` … ``share_senior``."""
    weighted = {s: stage_weight(frame["school_type"], s) * frame[f"students_{s}"].to_numpy(dtype=float)
                for s in ALL_STAGES}
    denominator = sum(weighted.values())
    safe = np.where(denominator > 0, denominator, 1.0)
    return pd.DataFrame({f"share_{s}": np.where(denominator > 0, w / safe, 0.0) for s, w in weighted.items()},
                        index=frame.index)


def split_shares(school_type: str, students_primary: int = 0, students_junior: int = 0,
                 students_senior: int = 0) -> dict[str, float]:
    """The shares of one school's facilities per stage (拆分比例).

    .. math::

        share_s = \\frac{w_s N_s}{\\sum_t w_t N_t}

    with weights :math:`w` 1 : 1.1 (九年一贯制), 1 : 1.2 (完全中学, junior : senior), 1 : 1.1 : 1.32
    (十二年一贯制).  Source: the national 有关事项说明（五） of 《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）.

    Examples
    --------
    A 九年一贯制 school with 600 primary and 400 junior students: 600 / (600 + 1.1·400) = 600 / 1040.

    >>> s = split_shares("九年一贯制学校", 600, 400)
    >>> round(s["primary"], 6) == round(600 / 1040, 6), round(s["junior"], 6) == round(440 / 1040, 6)
    (True, True)
    >>> split_shares("完全中学", students_junior=500, students_senior=500)["junior"] == 500 / (500 + 1.2 * 500)
    True
    """
    one = pd.DataFrame({"school_type": [school_type], "students_primary": [students_primary],
                        "students_junior": [students_junior], "students_senior": [students_senior]})
    row = stage_shares(one).iloc[0]
    return {s: float(row[f"share_{s}"]) for s in ALL_STAGES}
