"""The evaluation form of quality balance (优质均衡督导评估表) as data: ``scorecard.toml``.

Areas (资源配置, 政府保障程度, 教育质量, 社会认可度), their items with thresholds, the vetoes (不予认定事项) and
the application prerequisite, each naming 《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号） and the
clause.  An item's ``input`` says where its value comes from: ``resource:<check>`` (the evaluation),
``census:<item>`` (share of schools meeting a school-level check) or ``county:<code>`` (the county-level table).
"""
from __future__ import annotations

import functools

from . import _files

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
    return _files.toml("scorecard.toml")
