"""Standards, scope and splitting rules, and county configurations — all loaded from data files.

Rules are data: every threshold lives in ``junyun_lib/rules/*.toml`` with the document and clause it comes
from; a county's configuration and its overrides live with its raw data (``data/raw/<slug>/county.toml``).
This module only reads them and offers the one comparison function every verdict uses.
"""
from __future__ import annotations

import copy
import json
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Relative tolerance for "equal to the standard": values computed from integers and areas can land a
#: rounding error away from a threshold (21 teachers for 500 students is 4.2 per 100, give or take 1e-16).
#: 1e-9 is far below anything that shows in a report (CVs are shown to 3 decimals).
REL_TOL = 1e-9

_OPS = {
    "<=": lambda v, lim, tol: v <= lim + tol,
    "<": lambda v, lim, tol: v < lim - tol,
    ">=": lambda v, lim, tol: v >= lim - tol,
    ">": lambda v, lim, tol: v > lim + tol,
}
OP_ZH = {"<=": "小于或等于", "<": "小于", ">=": "达到（大于或等于）", ">": "大于"}


def compare(value, limit, op: str):
    """``value op limit`` with a relative tolerance of :data:`REL_TOL`; works on scalars and arrays.

    NaN never passes a comparison.
    """
    limit_arr = np.asarray(limit, dtype=float)
    tol = REL_TOL * np.abs(limit_arr)
    return _OPS[op](np.asarray(value, dtype=float), limit_arr, tol)


def lookup(series, mapping: dict, default=np.nan) -> np.ndarray:
    """``mapping[value]`` for each value of a (categorical or text) Series, as floats; ``default`` if absent.

    Works on the distinct values only, so it costs the same for 300 or 300,000 schools.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    table = np.array([mapping.get(u, default) for u in uniques] + [default], dtype=float)
    return table[codes]


def _rules_text(name: str) -> str:
    return resources.files("junyun_lib").joinpath(f"rules/{name}").read_text(encoding="utf-8")


def _toml(name: str) -> dict:
    return copy.deepcopy(_toml_cached(name))


@lru_cache(maxsize=None)
def _toml_cached(name: str) -> dict:
    return tomllib.loads(_rules_text(name))


@dataclass(frozen=True)
class Indicator:
    """One indicator of a standard (评估指标), e.g. 每百名学生拥有县级以上骨干教师数.

    value = numerator × scale / students of the school part; ``numerator_kind`` is "section" (a per-stage
    teacher column ``<numerator>_primary``) or "facility" (a whole-school column, split for mixed schools).
    """

    code: str
    name_zh: str
    unit_zh: str
    numerator: str
    numerator_kind: str
    scale: float
    standard: dict | None
    shortfall_unit_zh: str
    shortfall_integer: bool
    source: str

    def numerator_column(self, stage: str) -> str:
        return f"{self.numerator}_{stage}" if self.numerator_kind == "section" else self.numerator


@dataclass(frozen=True)
class Standard:
    """A standard (评估标准) with any county overrides applied."""

    code: str
    name_zh: str
    document: str
    indicators: tuple[Indicator, ...]
    stage_pass_requires: tuple[str, ...]
    cv_limit: dict | None = None          # {"primary": 0.50, "junior": 0.45, "comparison": "<=", "source": ...}
    composite_limit: dict | None = None
    school_rule: dict | None = None       # {"min_meeting": 6, "floor_ratio": 0.85, "source": ...}
    guarantee: dict = field(default_factory=dict)
    overrides_applied: tuple[str, ...] = ()

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    @property
    def has_school_standards(self) -> bool:
        return all(i.standard is not None for i in self.indicators)

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)


def standard_codes() -> list[str]:
    """Registered standards: every rules/*.toml that declares a ``code``."""
    return sorted(_standard_files())


@lru_cache(maxsize=1)
def _standard_files() -> dict[str, str]:
    out = {}
    for entry in resources.files("junyun_lib").joinpath("rules").iterdir():
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            if "code" in data and "indicators" in data:
                out[data["code"]] = entry.name
    return out


def _deep_merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_standard(code: str = "quality-2017", county: "CountyConfig | None" = None) -> Standard:
    """Load a standard by code, with the county's overrides (if any) merged in."""
    overrides = county.overrides.get(code) if county is not None else None
    return _load_standard(code, json.dumps(overrides, sort_keys=True, ensure_ascii=False) if overrides else "")


@lru_cache(maxsize=256)
def _load_standard(code: str, overrides_json: str) -> Standard:
    """Counties with the same overrides share one (immutable) Standard."""
    files = _standard_files()
    if code not in files:
        raise KeyError(f"未知的评估标准「{code}」，可选：{', '.join(sorted(files))} (unknown standard)")
    data = _toml(files[code])
    applied: tuple[str, ...] = ()
    if overrides_json:
        overrides = json.loads(overrides_json)
        data = _deep_merge(data, overrides)
        applied = tuple(_describe_override(overrides))
    indicators = tuple(
        Indicator(
            code=i["code"], name_zh=i["name_zh"], unit_zh=i["unit_zh"], numerator=i["numerator"],
            numerator_kind=i["numerator_kind"], scale=float(i["scale"]), standard=i.get("standard"),
            shortfall_unit_zh=i.get("shortfall_unit_zh", ""), shortfall_integer=bool(i.get("shortfall_integer")),
            source=i["source"],
        )
        for i in data["indicators"]
    )
    return Standard(
        code=data["code"], name_zh=data["name_zh"], document=data["document"], indicators=indicators,
        stage_pass_requires=tuple(data["stage_pass_requires"]), cv_limit=data.get("cv_limit"),
        composite_limit=data.get("composite_limit"), school_rule=data.get("school_rule"),
        guarantee=data.get("guarantee", {}), overrides_applied=applied,
    )


def _describe_override(block: dict, prefix: str = "") -> list[str]:
    """Readable lines for the overrides a county applies, each with its source."""
    out = []
    plain = {k: v for k, v in block.items() if k != "source" and not isinstance(v, dict)}
    if plain:
        text = "; ".join(f"{prefix}{k} = {v}" for k, v in plain.items())
        out.append(f"{text}（{block['source']}）" if "source" in block else text)
    for key, value in block.items():
        if isinstance(value, dict):
            out.extend(_describe_override(value, f"{prefix}{key}."))
    return out


@lru_cache(maxsize=1)
def scope_rules() -> dict:
    """Scope of resource allocation (资源配置评估范围), seed 002 附件2."""
    return _toml("scope.toml")


@lru_cache(maxsize=1)
def data_check_rules() -> dict:
    """Thresholds of the data warnings (可疑数据提示)."""
    return _toml("data_checks.toml")


@lru_cache(maxsize=1)
def split_weights() -> dict:
    """Weights for splitting mixed schools (一贯制、完全中学拆分), seed 002 附件2 (五)."""
    return _toml("splitting.toml")


def default_unit_costs_text() -> str:
    return _rules_text("unit_costs.csv")


# ---------------------------------------------------------------------------------------------- counties
@dataclass(frozen=True)
class CountyConfig:
    """A county's configuration (县区配置), read from ``data/raw/<slug>/county.toml``."""

    name: str
    slug: str
    province: str = ""
    plan: str = ""
    plan_target_year: int | None = None
    overrides: dict = field(default_factory=dict)
    county_targets: dict = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def from_file(cls, path: Path) -> "CountyConfig":
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return cls(
            name=data["name"], slug=data["slug"], province=data.get("province", ""), plan=data.get("plan", ""),
            plan_target_year=data.get("plan_target_year"), overrides=data.get("overrides", {}),
            county_targets=data.get("county_targets", {}), path=Path(path),
        )

    @property
    def data_dir(self) -> Path | None:
        """The data folder this configuration lives in (``<data_dir>/raw/<slug>/county.toml``), or None."""
        return self.path.parents[2] if self.path is not None else None

    @classmethod
    def unknown(cls, name: str) -> "CountyConfig":
        """A county with no county.toml: national rules, folder named after the county."""
        return cls(name=name, slug=_fallback_slug(name))


def _fallback_slug(name: str) -> str:
    bad = '<>:"/\\|?* '
    return "".join("_" if ch in bad else ch for ch in name.strip()) or "county"


def default_data_dir() -> Path:
    """The project's data folder: $JUNYUN_DATA, else ./data."""
    import os

    return Path(os.environ.get("JUNYUN_DATA", "data"))


def county_configs(data_dir: Path | None = None) -> dict[str, CountyConfig]:
    """All county configurations under ``<data_dir>/raw/*/county.toml``, keyed by county name."""
    raw = Path(data_dir or default_data_dir()) / "raw"
    out = {}
    for path in sorted(raw.glob("*/county.toml")):
        cfg = CountyConfig.from_file(path)
        out[cfg.name] = cfg
    return out


def county_config(name: str, data_dir: Path | None = None) -> CountyConfig:
    return county_configs(data_dir).get(name) or CountyConfig.unknown(name)
