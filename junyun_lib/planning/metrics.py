"""Measuring a plan item (计划项目的度量): the actual value of a metric for one county-year.

The metric kinds, their units and arguments are rules (:mod:`junyun_lib.rules.plan_metrics`); this module
holds one measuring function per kind, a registry with the same keys (a test checks they match).  A metric
with nothing to measure returns ``None`` (no data), never 0.
"""
from __future__ import annotations

from typing import Callable

from ..evaluation.shares import NO_DATA, Measurement, guarantee_share, indicator_share, school_rule_share
from ..rules.plan_metrics import is_lower_better, parse


def _indicator_share(result, county_values, code, stage):
    return indicator_share(result, code, stage)


def _guarantee_share(result, county_values, item, stage):
    return guarantee_share(result, item)


def _school_rule_share(result, county_values, arg, stage):
    return school_rule_share(result, stage)


def _max_cv(result, county_values, arg, stage):
    ind = result.indicators[result.indicators["stage"] == stage]
    cvs = ind["cv"].astype(float)
    if cvs.isna().all():
        return NO_DATA
    worst = ind.loc[cvs.idxmax()]
    return Measurement(float(cvs.max()), f"最大者：{result.standard.indicator(worst['indicator']).name_zh}")


def _composite_cv(result, county_values, arg, stage):
    row = result.stages[result.stages["stage"] == stage]
    if row.empty or row["composite_cv"].isna().iloc[0]:
        return NO_DATA
    return Measurement(float(row["composite_cv"].iloc[0]), f"{len(result.standard.codes)}项指标差异系数的平均")


def _county_value(result, county_values, code, stage):
    if county_values is None:
        return Measurement(None, "无县级指标表")
    value = county_values.get(code)
    return NO_DATA if value is None else Measurement(value, county_values.evidence(code))


#: metric kind → function(result, county_values, argument, stage) → Measurement
MEASURES: dict[str, Callable] = {
    "indicator_share": _indicator_share,
    "guarantee_share": _guarantee_share,
    "school_rule_share": _school_rule_share,
    "max_cv": _max_cv,
    "composite_cv": _composite_cv,
    "county": _county_value,
}


def measure(metric: str, stage: str, result, county_values=None) -> Measurement:
    """The actual value of ``metric`` for one county-year (``result`` may be None: no school data)."""
    kind, arg = parse(metric)
    if result is None and kind != "county":
        return Measurement(None, "该年度无学校数据")
    return MEASURES[kind](result, county_values, arg, stage)


__all__ = ["Measurement", "MEASURES", "measure", "is_lower_better"]
