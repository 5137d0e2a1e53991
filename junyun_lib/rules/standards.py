"""Standards (评估标准), scope and splitting rules — loaded from the data files of this folder.

Rules are data: every threshold lives in ``junyun_lib/rules/*.toml`` with the document and clause it comes
from; a county's overrides live in its ``county.toml`` (:mod:`junyun_lib.rules.counties`) and are merged in
by :func:`load_standard`.  This module only reads them.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import lru_cache

from . import rule_files


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
    balance_zh: str = ""                  # 优质均衡 / 基本均衡: what people call the evaluation
    coverage_zh: str = ""                 # what the standard covers and leaves out, said in the outputs

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    @property
    def judged_by_composite(self) -> bool:
        """True when the composite CV alone decides a stage (basic balance, 基本均衡)."""
        return tuple(self.stage_pass_requires) == ("composite_cv",)

    @property
    def has_school_standards(self) -> bool:
        return all(i.standard is not None for i in self.indicators)

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)


def standard_codes() -> list[str]:
    """Registered standards: every rules/*.toml that declares a ``code``."""
    return sorted(standard_files())


@lru_cache(maxsize=1)
def standard_files() -> dict[str, str]:
    """Standard code → its rule file (标准文件) among the shipped TOML files."""
    out = {}
    for name in rule_files.names():
        data = rule_files.toml(name)
        if "code" in data and "indicators" in data:
            out[data["code"]] = name
    return out


def _deep_merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_standard(code: str = "quality-2017", county=None) -> Standard:
    """Load a standard by code, with the county's overrides (if any) merged in.

    Parameters
    ----------
    code : str
        A registered standard (:func:`standard_codes`): ``"quality-2017"`` (优质均衡, 教督〔2017〕6号) or
        ``"basic-2012"`` (基本均衡, 教督〔2012〕3号).
    county : CountyConfig, optional
        Its ``overrides[code]`` table is merged over the standard (e.g. 进贤县's strict "<" CV limit).

    Examples
    --------
    >>> std = load_standard("quality-2017")
    >>> std.cv_limit["primary"], std.cv_limit["junior"], std.cv_limit["comparison"]
    (0.5, 0.45, '<=')
    >>> len(std.codes), len(load_standard("basic-2012").codes)
    (7, 8)
    """
    overrides = county.overrides.get(code) if county is not None else None
    return _load_standard(code, json.dumps(overrides, sort_keys=True, ensure_ascii=False) if overrides else "")


@lru_cache(maxsize=256)
def _load_standard(code: str, overrides_json: str) -> Standard:
    """Counties with the same overrides share one (immutable) Standard."""
    files = standard_files()
    if code not in files:
        raise KeyError(f"未知的评估标准「{code}」，可选：{', '.join(sorted(files))} (unknown standard)")
    data = rule_files.toml(files[code])
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
        balance_zh=data.get("balance_zh", ""), coverage_zh=data.get("coverage_zh", ""),
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
    return rule_files.toml("scope.toml")


@lru_cache(maxsize=1)
def data_check_rules() -> dict:
    """Thresholds of the data warnings (可疑数据提示)."""
    return rule_files.toml("data_checks.toml")


@lru_cache(maxsize=1)
def split_weights() -> dict:
    """Weights for splitting mixed schools (一贯制、完全中学拆分), seed 002 附件2 (五)."""
    return rule_files.toml("splitting.toml")


def default_unit_costs_text() -> str:
    return rule_files.text("unit_costs.csv")
