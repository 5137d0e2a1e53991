"""What may measure a plan item (计划项目的度量): the metric kinds, their units and arguments.

A plan row's ``metric`` is ``kind`` or ``kind:argument``:

=========================  ======================================================================  ======
metric                     actual value for a county-year                                           unit
=========================  ======================================================================  ======
``indicator_share:<code>`` share of school parts in scope whose ``<code>`` meets its standard          %
``guarantee_share:<item>`` share of schools in scope meeting a school-level guarantee item            %
                           (``school_size`` 校额, ``class_size`` 班额, ``special_rooms`` 音乐美术专用教室)
``school_rule_share``      share of school parts passing the per-school rule                          %
``max_cv``                 the largest indicator difference coefficient of the stage                 系数
``composite_cv``           the stage's composite difference coefficient (综合差异系数)                  系数
``county:<code>``          the value in the county-level table                                      its unit
=========================  ======================================================================  ======

This module checks a metric's spelling, argument, unit and stage (so a plan file is validated where it is
read); :mod:`junyun_lib.planning.metrics` measures them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .county_indicators import definitions
from .standards import load_standard

#: school-level guarantee items a plan may track → the evaluation's checks that make them up
GUARANTEE_ITEMS = {
    "school_size": ("school_size",),
    "class_size": ("class_size_primary", "class_size_junior"),
    "special_rooms": ("music_rooms", "music_room_area", "art_rooms", "art_room_area"),
}


@dataclass(frozen=True)
class MetricSpec:
    """One kind of metric: its unit (None: the county indicator's own), allowed arguments, stages."""

    unit: str | None
    arguments: Callable[[], set] | None       # None = takes no argument
    stages: tuple = ("primary", "junior", "all")


METRIC_KINDS: dict[str, MetricSpec] = {
    "indicator_share": MetricSpec("%", lambda: set(load_standard("quality-2017").codes)),
    "guarantee_share": MetricSpec("%", lambda: set(GUARANTEE_ITEMS)),
    "school_rule_share": MetricSpec("%", None),
    "max_cv": MetricSpec("系数", None, ("primary", "junior")),
    "composite_cv": MetricSpec("系数", None, ("primary", "junior")),
    "county": MetricSpec(None, lambda: set(definitions())),
}


def parse(metric: str) -> tuple[str, str | None]:
    """``"kind:arg"`` → ``("kind", "arg")``; ``"kind"`` → ``("kind", None)``.

    Examples
    --------
    >>> parse("indicator_share:key_teachers"), parse("max_cv")
    (('indicator_share', 'key_teachers'), ('max_cv', None))
    """
    kind, _, arg = metric.partition(":")
    return kind, (arg or None)


def check_metric(metric: str, unit: str, stage: str | None = None) -> tuple[str, str] | None:
    """None if ``metric`` is valid with ``unit`` (and ``stage``); else (Chinese, English) saying what is wrong.

    Examples
    --------
    >>> check_metric("max_cv", "系数", "primary") is None
    True
    >>> check_metric("max_cv", "%")[1]
    "unit of max_cv must be '系数'"
    """
    kind, arg = parse(metric)
    spec = METRIC_KINDS.get(kind)
    if spec is None:
        return (f"未知的度量「{kind}」，应为 {'、'.join(METRIC_KINDS)} 之一",
                f"unknown metric kind; expected one of {list(METRIC_KINDS)}")
    if spec.arguments is None and arg is not None:
        return (f"度量 {kind} 不带参数", f"metric {kind} takes no argument")
    if spec.arguments is not None and arg not in spec.arguments():
        return (f"度量 {kind} 的参数应为 {'、'.join(sorted(spec.arguments()))} 之一",
                f"metric {kind} needs one of {sorted(spec.arguments())}")
    expected = spec.unit if spec.unit is not None else definitions()[arg].unit
    if unit != expected:
        return (f"度量 {metric} 的单位应为「{expected}」", f"unit of {metric} must be {expected!r}")
    if stage is not None and stage not in spec.stages:
        return (f"度量 {kind} 的学段应为 {'、'.join(spec.stages)} 之一", f"{kind} needs stage in {spec.stages}")
    return None


def is_lower_better(direction: str) -> bool:
    """True for "<" and "<=" targets (a coefficient that must stay under a limit)."""
    return direction in ("<", "<=")
