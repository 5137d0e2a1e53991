"""What measures a plan item (计划项目的度量): a registry of metric kinds.

A plan row's ``metric`` is ``kind`` or ``kind:argument``:

=========================  ======================================================================  ======
metric                     actual value for a county-year                                           unit
=========================  ======================================================================  ======
``indicator_share:<code>`` share of school parts in scope whose ``<code>`` meets its standard          %
                           (达标率; denominator: parts with a value; a 一贯制 school counts once per
                           stage it has)
``guarantee_share:<item>`` share of schools in scope meeting a school-level guarantee item:          %
                           ``school_size`` (校额), ``class_size`` (班额, every stage the school has),
                           ``special_rooms`` (音乐、美术专用教室: rooms and areas); checks that do not
                           apply to a school are left out of it, a school with none left out
``school_rule_share``      share of school parts passing the per-school rule (至少6项达标、余项不低于85%)   %
``max_cv``                 the largest indicator difference coefficient of the stage                 系数
``composite_cv``           the stage's composite difference coefficient (综合差异系数)                  系数
``county:<code>``          the value in the county-level table (:mod:`junyun_lib.county_table`)       its unit
=========================  ======================================================================  ======

``stage`` ``all`` pools primary and junior parts (shares) — for coefficients it is not allowed.  A metric
with nothing to measure returns ``None`` (no data), never 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd


@dataclass(frozen=True)
class Measurement:
    """An actual value and how it was obtained (实际值与依据)."""

    value: float | None
    basis: str = ""


NO_DATA = Measurement(None, "无数据")


def _parts(result, stage: str) -> pd.DataFrame:
    parts = result.parts
    return parts if stage == "all" else parts[parts["part"] == stage]


def _share(passes: pd.Series, what: str) -> Measurement:
    passes = passes.dropna()
    if passes.empty:
        return Measurement(None, f"无{what}")
    n_pass, n = int(passes.astype(bool).sum()), int(len(passes))
    return Measurement(100.0 * n_pass / n, f"{n_pass}/{n} {what}")


def indicator_share(result, county_values, code: str, stage: str) -> Measurement:
    parts = _parts(result, stage)
    if f"meets_{code}" not in parts:
        return NO_DATA
    has_value = parts[f"value_{code}"].notna()
    return _share(parts.loc[has_value, f"meets_{code}"].astype("boolean"), "个学段达标")


GUARANTEE_CHECKS = {
    "school_size": ("school_size",),
    "class_size": ("class_size_primary", "class_size_junior"),
    "special_rooms": ("music_rooms", "music_room_area", "art_rooms", "art_room_area"),
}


def guarantee_share(result, county_values, item: str, stage: str) -> Measurement:
    wide = result.guarantee_wide
    columns = [f"{c}_passes" for c in GUARANTEE_CHECKS[item] if f"{c}_passes" in wide]
    if wide.empty or not columns:
        return NO_DATA
    checks = wide[columns].astype("boolean")
    applicable = checks.notna().any(axis=1)
    passes = checks.fillna(True).all(axis=1)[applicable]       # a check that does not apply is no failure
    return _share(passes, "所学校达标")


def school_rule_share(result, county_values, arg, stage: str) -> Measurement:
    parts = _parts(result, stage)
    if "passes_school_rule" not in parts:
        return NO_DATA
    return _share(parts["passes_school_rule"].astype("boolean"), "个学段达到校级规则")


def max_cv(result, county_values, arg, stage: str) -> Measurement:
    ind = result.indicators[result.indicators["stage"] == stage]
    cvs = ind["cv"].astype(float)
    if cvs.isna().all():
        return NO_DATA
    worst = ind.loc[cvs.idxmax()]
    return Measurement(float(cvs.max()), f"最大者：{result.standard.indicator(worst['indicator']).name_zh}")


def composite_cv(result, county_values, arg, stage: str) -> Measurement:
    row = result.stages[result.stages["stage"] == stage]
    if row.empty or pd.isna(row["composite_cv"].iloc[0]):
        return NO_DATA
    return Measurement(float(row["composite_cv"].iloc[0]), "7项指标差异系数的平均")


def county_value(result, county_values, code: str, stage: str) -> Measurement:
    if county_values is None:
        return Measurement(None, "无县级指标表")
    value = county_values.get(code)
    return NO_DATA if value is None else Measurement(value, county_values.evidence(code))


@dataclass(frozen=True)
class MetricKind:
    measure: Callable
    unit: str | None               # None: the unit of the county-level indicator
    arguments: Callable[[], set] | None   # allowed arguments; None = takes no argument
    stages: tuple = ("primary", "junior", "all")


def _indicator_codes() -> set:
    from .rules import load_standard

    return set(load_standard("quality-2017").codes)


def _county_codes() -> set:
    from .county_table import definitions

    return set(definitions())


#: the registry: metric kind -> how to measure it
METRICS: dict[str, MetricKind] = {
    "indicator_share": MetricKind(indicator_share, "%", _indicator_codes),
    "guarantee_share": MetricKind(guarantee_share, "%", lambda: set(GUARANTEE_CHECKS)),
    "school_rule_share": MetricKind(school_rule_share, "%", None),
    "max_cv": MetricKind(max_cv, "系数", None, ("primary", "junior")),
    "composite_cv": MetricKind(composite_cv, "系数", None, ("primary", "junior")),
    "county": MetricKind(county_value, None, _county_codes),
}


def parse(metric: str) -> tuple[str, str | None]:
    kind, _, arg = metric.partition(":")
    return kind, (arg or None)


def check_metric(metric: str, unit: str, stage: str | None = None) -> tuple[str, str] | None:
    """None if ``metric`` is valid with ``unit``; else (Chinese, English) saying what is wrong."""
    kind, arg = parse(metric)
    spec = METRICS.get(kind)
    if spec is None:
        return (f"未知的度量「{kind}」，应为 {'、'.join(METRICS)} 之一", f"unknown metric kind; expected one of {list(METRICS)}")
    if spec.arguments is None and arg is not None:
        return (f"度量 {kind} 不带参数", f"metric {kind} takes no argument")
    if spec.arguments is not None and arg not in spec.arguments():
        return (f"度量 {kind} 的参数应为 {'、'.join(sorted(spec.arguments()))} 之一",
                f"metric {kind} needs one of {sorted(spec.arguments())}")
    expected = spec.unit
    if expected is None:
        from .county_table import definitions

        expected = definitions()[arg].unit
    if unit != expected:
        return (f"度量 {metric} 的单位应为「{expected}」", f"unit of {metric} must be {expected!r}")
    if stage is not None and stage not in spec.stages:
        return (f"度量 {kind} 的学段应为 {'、'.join(spec.stages)} 之一", f"{kind} needs stage in {spec.stages}")
    return None


def measure(metric: str, stage: str, result, county_values=None) -> Measurement:
    """The actual value of ``metric`` for one county-year (``result`` may be None: no school data)."""
    kind, arg = parse(metric)
    spec = METRICS[kind]
    if result is None and kind != "county":
        return Measurement(None, "该年度无学校数据")
    return spec.measure(result, county_values, arg, stage)


def is_lower_better(direction: str) -> bool:
    return direction in ("<", "<=")


__all__ = ["Measurement", "METRICS", "measure", "check_metric", "parse", "is_lower_better"]
