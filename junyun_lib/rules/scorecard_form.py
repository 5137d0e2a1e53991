"""The evaluation form of quality balance (优质均衡督导评估表) as data: ``scorecard.toml``.

Areas (资源配置, 政府保障程度, 教育质量, 社会认可度), their items with thresholds, the vetoes (不予认定事项) and
the application prerequisite, each naming 《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号） and the
clause.  An item's ``input`` says where its value comes from: ``resource:<check>`` (the evaluation),
``census:<item>`` (share of schools meeting a school-level check) or ``county:<code>`` (the county-level table).

The form belongs to the standards listed in its ``applies_to`` (quality-2017); under any other standard
(basic-2012) there is no scorecard, and :func:`not_applicable` says why, in Chinese, for every output.
"""
from __future__ import annotations

import functools

from . import rule_files

AREAS = ("resource_allocation", "government_guarantee", "education_quality", "social_recognition")


@functools.lru_cache(maxsize=1)
def form() -> dict:
    """The evaluation form, parsed (shared: do not modify).

    Examples
    --------
    >>> f = form()
    >>> tuple(f["areas"]) == AREAS, f["prerequisite"]["years"]
    (True, 3)
    """
    return rule_files.toml("scorecard.toml")


def applies_to(standard: str) -> bool:
    """Whether the evaluation form belongs to the standard with this code (``applies_to`` in the form).

    Examples
    --------
    >>> applies_to("quality-2017"), applies_to("basic-2012")
    (True, False)
    """
    return str(standard) in form()["applies_to"]


def not_applicable(standard) -> str | None:
    """Why a county-year evaluated under ``standard`` (a code or a :class:`~junyun_lib.rules.Standard`) has no
    scorecard, in Chinese; None when the form applies to it.

    Examples
    --------
    >>> not_applicable("basic-2012")
    '评估表仅适用于县域义务教育优质均衡发展督导评估（教督〔2017〕6号）；基本均衡评估不含此表'
    >>> not_applicable("quality-2017") is None
    True
    """
    from .standards import load_standard

    code = getattr(standard, "code", standard)
    if applies_to(code):
        return None
    balance = getattr(standard, "balance_zh", "") or load_standard(code).balance_zh or str(code)
    return form()["not_applicable_zh"].format(balance_zh=balance)
