"""A county's configuration (县区配置): name, slug, plan and its overrides of the national rules.

Each configured county has a ``county.toml`` beside its raw data (the workspace knows where); this module
turns its text into a :class:`CountyConfig` and checks it against the file's format
(:mod:`junyun_lib.rules.county_schema`, kept as data in ``county_config.toml``): every problem at once, located
(file, line, key, value) and reported in Chinese with an English gloss — unknown keys with a did-you-mean,
types, finite numbers, ranges, control characters, and a county's changes of a national standard, which may
only make it stricter.  The slug names the county's folders and output files, so it is restricted to
``[a-z0-9-]`` — it can never name a path outside the data or outputs folders.  A county new to junyun (no
``county.toml``) gets a slug a person can read: the pinyin of its name (:func:`fallback_slug`, ``合成县`` →
``hechengxian``), never a hash unless the name holds nothing that can be romanised.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..problems import Problem, ValidationError
from . import rule_files
from .county_schema import SLUG, check_county_data, is_slug

__all__ = ["SLUG", "CountyConfig", "fallback_slug", "is_slug", "parse_county_config", "pinyin_slug",
           "unconfigured_county", "new_county_hint"]


@dataclass(frozen=True)
class CountyConfig:
    """A county's configuration (县区配置).

    ``source`` is the file it was read from ("" for a county without one: national rules apply).
    """

    name: str
    slug: str = ""
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
    def unknown(cls, name: str, taken=()) -> "CountyConfig":
        """A county with no ``county.toml``: national rules, a slug made from its name (:func:`fallback_slug`),
        distinct from the slugs in ``taken`` (those other counties use)."""
        return cls(name=name, slug=fallback_slug(name, taken))

    @classmethod
    def national(cls, name: str) -> "CountyConfig":
        """National rules for a county evaluated from rows without a configuration
        (:func:`junyun_lib.evaluation.evaluate.evaluate`): no slug — evaluating names no folder or file; the
        workspace does (:meth:`junyun_lib.workspace.Workspace.config`), and a path is never built from ``""``
        (refused).  Romanising thousands of names that no path needs would cost half a second nationally."""
        return cls(name=name)


#: the longest slug made from a name (a folder and file name; 60 letters is a very long county name)
SLUG_MAX = 60


def _digest(name: str, digits: int) -> str:
    return hashlib.sha256(name.strip().encode("utf-8")).hexdigest()[:digits]


def pinyin_slug(name: str) -> str:
    """The pinyin of a county name as a slug (县区名称的拼音): syllables joined, tone marks dropped, ü as ``v``,
    Latin letters and digits kept (lower case), everything else dropped; ``""`` when nothing is left.

    Examples
    --------
    >>> pinyin_slug("合成县"), pinyin_slug("重庆市渝中区"), pinyin_slug("A县 <1>")
    ('hechengxian', 'chongqingshiyuzhongqu', 'axian1')
    """
    from pypinyin import Style, lazy_pinyin

    # errors="default" keeps what is not Chinese as written (Latin letters, digits), filtered below
    text = "".join(lazy_pinyin(name.strip(), style=Style.NORMAL, errors="default", v_to_u=False))
    return re.sub(r"[^a-z0-9]", "", text.lower())


def fallback_slug(name: str, taken=()) -> str:
    """A stable slug for a county without a configuration (未配置县区的简称), readable and always ``[a-z0-9-]``.

    The pinyin of the name (:func:`pinyin_slug`: ``合成县`` → ``hechengxian``), so folders and output files
    carry a name people recognise; the display name itself never becomes a file name, whatever characters it
    holds.  Where that slug is in ``taken`` (another county's: two names may share their pinyin, 合成县 and
    和成县), or is longer than :data:`SLUG_MAX`, six hex digits of the name's hash are appended, so both
    stay distinguishable and each keeps its own slug whichever is seen first.  Only a name with nothing
    to romanise gets ``county-`` and 10 hex digits of its hash.

    Examples
    --------
    >>> fallback_slug("合成县"), fallback_slug("和成县", taken={"hechengxian"})
    ('hechengxian', 'hechengxian-5c9568')
    >>> fallback_slug("测试县") == fallback_slug("测试县") and is_slug(fallback_slug('a/b <c>'))
    True
    >>> fallback_slug("《》")
    'county-8d65ee0665'
    """
    base = pinyin_slug(name)
    if not base:
        return "county-" + _digest(name, 10)
    if base in taken or len(base) > SLUG_MAX:
        return f"{base[:SLUG_MAX]}-{_digest(name, 6)}"
    return base


def unconfigured_county(county: str, processed: dict, owners: dict, taken=tuple) -> "CountyConfig":
    """The configuration of a county without a ``county.toml`` (national rules), asked for by name or slug.

    It keeps the slug of its processed folder (its raw folder's name, or an older junyun's), so its years stay
    together: ``processed`` is ``{county name: its processed folders' slugs}`` — of two, the one its name's
    pinyin gives, else the first.  A valid slug in ``owners`` (``{slug: county name}`` of the processed
    folders) names that folder's county.  Else the pinyin of its name, outside ``taken`` (:func:`fallback_slug`;
    a function giving the slugs other counties use, called only then).
    """
    slugs = processed.get(county, [])
    if len(slugs) > 1:                  # e.g. an older junyun's folder beside the new one: the new one
        plain = fallback_slug(county)
        return CountyConfig(name=county, slug=plain if plain in slugs else slugs[0])
    if slugs:
        return CountyConfig(name=county, slug=slugs[0])
    if is_slug(county) and county in owners:
        return CountyConfig(name=owners[county], slug=county)
    return CountyConfig.unknown(county, taken())


def new_county_hint(county: str, slug: str) -> str:
    """What ``junyun import`` says when it writes no ``county.toml`` for a county new to junyun (Chinese, with
    an English gloss): the slug ingest will use, and how to fix the slug and state the province and city."""
    return (f"{county} 没有县区配置 county.toml：junyun ingest 将以「{slug}」为县区简称（已有处理后数据的沿用其文件夹名，"
            "否则由县区名称的拼音生成）；"
            f"要固定简称并注明省份、地市，请把导入的表写到数据目录的 raw/{slug}/ 下（junyun import 会在那里新建 "
            f"county.toml），或在表所在的 raw/<简称>/ 文件夹中自建 county.toml（name、slug）"
            f" ({county} has no county.toml: ingest will use the slug {slug!r} (its processed folder's, else the "
            "pinyin of its name); "
            f"write the table under raw/{slug}/ of the data folder to get a county.toml)")


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
        data = rule_files.loads(text)
    except rule_files.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise ValidationError([_problem(file, f"配置文件格式错误（TOML）：{exc}", f"not valid TOML: {exc}",
                                        row=int(line.group(1)) if line else None, code="toml_syntax")]) from None
    problems = check_county_data(data, file, folder)
    if problems:
        raise ValidationError(problems)
    name, slug, target = data["name"], data.get("slug", folder), data.get("plan_target_year")
    return CountyConfig(name=name.strip(), slug=slug, province=str(data.get("province", "")),
                        city=str(data.get("city", "")), plan=str(data.get("plan", "")), plan_target_year=target,
                        overrides=data.get("overrides", {}), county_targets=data.get("county_targets", {}),
                        source=file)
