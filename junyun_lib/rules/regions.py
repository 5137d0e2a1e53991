"""Provinces and the order of counties by region (按省份、地市排列县区).

A county's province and city come from its ``county.toml`` (:class:`~junyun_lib.rules.counties.CountyConfig`)
and from nowhere else: a county without them is listed under :data:`UNSTATED_PROVINCE`, never guessed from
its name.  Provinces follow the order of the national division codes (GB/T 2260, ``provinces.csv``), the
order of national statistical tables; a name not in that list comes after them, and the unstated group last.
"""
from __future__ import annotations

import csv
import io
from functools import lru_cache

from . import rule_files

#: the group of counties whose configuration names no province (or that have no configuration)
UNSTATED_PROVINCE = "未注明省份"


@lru_cache(maxsize=1)
def province_codes() -> dict[str, int]:
    """Province name → its division code, under the full name (江西省) and the short one (江西)."""
    out: dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(rule_files.text("provinces.csv"))):
        out[row["name"]] = out[row["short_name"]] = int(row["code"])
    return out


def region_key(province: str, city: str, county: str) -> tuple:
    """The sort key of a county: province (division-code order; unknown names after them by text; unstated
    last), then counties with no city, then cities and counties by text.

    Examples
    --------
    >>> rows = [("", "", "甲县"), ("重庆市", "", "石柱县"), ("江西省", "赣州市", "石城县"), ("江西省", "南昌市", "进贤县")]
    >>> [c for _, _, c in sorted(rows, key=lambda r: region_key(*r))]
    ['进贤县', '石城县', '石柱县', '甲县']
    """
    province, city = (province or "").strip(), (city or "").strip()
    code = province_codes().get(province)
    rank = 2 if not province or province == UNSTATED_PROVINCE else 0 if code is not None else 1
    return rank, code or 0, province, bool(city), city, str(county)


__all__ = ["UNSTATED_PROVINCE", "province_codes", "region_key"]
