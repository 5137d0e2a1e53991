"""A county's configuration (县区配置): name, slug, plan and its overrides of the national rules.

Each configured county has a ``county.toml`` beside its raw data (the workspace knows where); this module
turns its text into a :class:`CountyConfig` and checks it: every problem is located (file, line, key, value)
and reported in Chinese with an English gloss.  The slug names the county's folders and output files, so it
is restricted to ``[a-z0-9-]`` — it can never name a path outside the data or outputs folders.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..problems import Problem, ValidationError
from . import _files

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class CountyConfig:
    """A county's configuration (县区配置).

    ``source`` is the file it was read from ("" for a county without one: national rules apply).
    """

    name: str
    slug: str
    province: str = ""
    city: str = ""
    plan: str = ""
    plan_target_year: int | None = None
    overrides: dict = field(default_factory=dict)
    county_targets: dict = field(default_factory=dict)
    source: str = ""

    @property
    def configured(self) -> bool:
        """True when the county has a ``county.toml`` (its overrides, plan and county tables apply)."""
        return bool(self.source)

    @classmethod
    def unknown(cls, name: str) -> "CountyConfig":
        """A county with no ``county.toml``: national rules, a slug made from its name (:func:`fallback_slug`)."""
        return cls(name=name, slug=fallback_slug(name))


def is_slug(text) -> bool:
    """True for a valid slug: lower-case ASCII letters, digits and hyphens, not starting with a hyphen.

    Examples
    --------
    >>> is_slug("jinxian"), is_slug("../x"), is_slug("/var/x"), is_slug("Jin Xian")
    (True, False, False, False)
    """
    return isinstance(text, str) and SLUG.fullmatch(text) is not None


def fallback_slug(name: str) -> str:
    """A stable slug for a county without a configuration: ``county-`` and 10 hex digits of its name's hash.

    The display name never becomes a file name, whatever characters it holds.

    Examples
    --------
    >>> fallback_slug("测试县") == fallback_slug("测试县") and is_slug(fallback_slug('a/b <c>'))
    True
    """
    return "county-" + hashlib.sha256(name.strip().encode("utf-8")).hexdigest()[:10]


def _problem(file: str, zh: str, en: str, *, row=None, column="", value="", code="county_config") -> Problem:
    return Problem("error", code, zh, en, file=file, row=row, column=column, value=value)


def parse_county_config(text: str, file: str, folder: str | None = None) -> CountyConfig:
    """A :class:`CountyConfig` from the text of a ``county.toml``; raises :class:`ValidationError`.

    ``folder`` is the name of the folder the file lives in: the slug must equal it, so the raw and
    processed folders of a county are always the same name.

    Examples
    --------
    >>> cfg = parse_county_config('name = "甲县"\\nslug = "jiaxian"', "county.toml", "jiaxian")
    >>> cfg.name, cfg.slug, cfg.configured
    ('甲县', 'jiaxian', True)
    >>> parse_county_config('name = "甲县"\\nslug = "../x"', "county.toml")
    Traceback (most recent call last):
    ...
    junyun_lib.problems.ValidationError: 输入数据有 1 处错误...
    """
    try:
        data = _files.loads(text)
    except _files.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise ValidationError([_problem(file, f"配置文件格式错误（TOML）：{exc}", f"not valid TOML: {exc}",
                                        row=int(line.group(1)) if line else None, code="toml_syntax")]) from None
    problems = []
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(_problem(file, "缺少县区名称 name（应为文字）", "name is missing or not text", column="name",
                                 value="" if name is None else str(name)))
    slug = data.get("slug", folder)
    if not is_slug(slug):
        problems.append(_problem(file, "简称 slug 只能由小写字母、数字和连字符组成（如 jinxian），不能含路径",
                                 "slug must be lower-case letters, digits and hyphens (e.g. jinxian), never a path",
                                 column="slug", value="" if slug is None else str(slug), code="bad_slug"))
    elif folder is not None and slug != folder:
        problems.append(_problem(file, f"简称 slug 应与所在文件夹名「{folder}」一致",
                                 f"slug must equal the folder name {folder!r}", column="slug", value=slug,
                                 code="bad_slug"))
    target = data.get("plan_target_year")
    if target is not None and (not isinstance(target, int) or isinstance(target, bool) or not 1990 <= target <= 2100):
        problems.append(_problem(file, "规划目标年 plan_target_year 应为四位年份", "plan_target_year must be a year",
                                 column="plan_target_year", value=str(target)))
    for key in ("overrides", "county_targets"):
        if not isinstance(data.get(key, {}), dict):
            problems.append(_problem(file, f"{key} 应为表（[{key}]）", f"{key} must be a table", column=key))
    for key, spec in (data.get("county_targets") or {}).items() if isinstance(data.get("county_targets"), dict) else []:
        value = spec.get("value") if isinstance(spec, dict) else None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
            problems.append(_problem(file, "县区目标应写成 { value = 数字, source = \"出处\" }",
                                     "a county target must be { value = number, source = \"...\" }",
                                     column=f"county_targets.{key}", value=str(spec)))
    if problems:
        raise ValidationError(problems)
    return CountyConfig(name=name.strip(), slug=slug, province=str(data.get("province", "")),
                        city=str(data.get("city", "")), plan=str(data.get("plan", "")), plan_target_year=target,
                        overrides=data.get("overrides", {}), county_targets=data.get("county_targets", {}),
                        source=file)
