"""The format of ``county.toml`` (县区配置文件格式) and its checks: one pass, every problem located.

The format is data, ``county_config.toml`` in this folder: the top-level keys with their types, the
``[county_targets]`` a county may set with their plausible ranges, and what of a national standard a county
may change in ``[overrides.<standard code>]`` and in which direction that is stricter.  :func:`check_county_data`
applies it to a parsed ``county.toml`` and returns every problem at once, each located by file, key path as
written (``overrides.quality-2017.cv_limit.primary``) and value, in Chinese with an English gloss:

* a key that is not in the format — at the top, in ``[county_targets]``, a standard code, a key of a
  standard's table, a school type or stage — is an error with a did-you-mean (``difflib``);
* a key a standard has but a county may not change (``indicators``, ``code``, ``stage_pass_requires`` …) is
  an error that says so;
* a county target, and a table of an override that changes a value, names its ``source`` (the county's
  document and clause);
* numbers must be numbers (a boolean is not one), finite (``nan``, ``inf`` are not), whole where they count
  or name a year, and within the plausible range;
* **stricter, never looser** (只能从严、不能放宽): a limit (``max``) may only be lowered, a floor (``min``)
  only raised, a comparison ``<=`` only made ``<``, a county target only raised above the national threshold
  of the scorecard item that names it; a looser value is an error citing the national clause (the ``source``
  of the standard's table, or of the scorecard item) and the county's own document (the ``source`` of the
  override, else the ``plan``), by title and number (:func:`junyun_lib.rules.documents.cite`);
* no string anywhere holds a control character (:func:`junyun_lib.problems.control_character`).

The slug rule (:data:`SLUG`, :func:`is_slug`) lives here too, as the format's rule for the ``slug`` key.
"""
from __future__ import annotations

import difflib
import math
import re
from functools import lru_cache

from ..problems import Problem, control_character, control_character_problem, visible
from . import rule_files
from .documents import cite
from .scorecard_form import form
from .standards import standard_files, standard_codes

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
SCHEMA_FILE = "county_config.toml"
#: a comparison and how strict it is: "<" (小于) is stricter than "<=" (小于或等于)
STRICTNESS = {"<=": 0, "<": 1}


def is_slug(text) -> bool:
    """True for a valid slug: lower-case ASCII letters, digits and hyphens, not starting with a hyphen.

    Examples
    --------
    >>> is_slug("jinxian"), is_slug("../x"), is_slug("/var/x"), is_slug("Jin Xian")
    (True, False, False, False)
    """
    return isinstance(text, str) and SLUG.fullmatch(text) is not None


@lru_cache(maxsize=1)
def schema() -> dict:
    """``county_config.toml``, parsed (shared: do not modify).

    >>> sorted(schema()["top"])[:3], "junior_retention_min" in schema()["county_targets"]
    (['city', 'county_targets', 'name'], True)
    """
    return rule_files.toml(SCHEMA_FILE)


@lru_cache(maxsize=None)
def national_rules(code: str) -> dict:
    """The national standard's rule file as written (``quality-2017.toml`` …), without any county's changes."""
    return rule_files.toml(standard_files()[code])


@lru_cache(maxsize=1)
def national_targets() -> dict:
    """``{county_targets key: the scorecard item whose override names it}`` (``rules/scorecard.toml``)."""
    return {item["override"]: item for item in form()["items"] if "override" in item}


def _number_text(value) -> str:
    """A number as written in the file (0.5, 2026): Python's shortest form, never rounded."""
    return str(value)


def _did_you_mean(key, known) -> tuple[str, str]:
    """The Chinese and English tail of an unknown-key message: the closest known key, and the list."""
    known = [str(k) for k in known]
    close = difflib.get_close_matches(str(key), known, n=1)
    listed = "、".join(known) if known else "（无）"
    zh = (f"；是否为「{close[0]}」？" if close else "") + f"（可用：{listed}）"
    en = (f" (did you mean {close[0]!r}?)" if close else "") + f"; known: {', '.join(known) or 'none'}"
    return zh, en


class _Checker:
    """Collects the problems of one parsed ``county.toml``; at most one problem per key path."""

    def __init__(self, data: dict, file: str):
        self.data, self.file = data, file
        self.problems: list[Problem] = []
        self.reported: set[str] = set()

    # ----------------------------------------------------------------------------------------- reporting
    def add(self, path: str, zh: str, en: str, value=None, code: str = "county_config") -> None:
        if path in self.reported:
            return
        self.reported.add(path)
        shown = "" if value is None else visible(value if isinstance(value, str) else _number_text(value))
        self.problems.append(Problem("error", code, zh, en, file=self.file, column=visible(path), value=shown))

    def unknown(self, path: str, key, known, what_zh: str, what_en: str) -> None:
        zh, en = _did_you_mean(key, known)
        self.add(path, f"未知的{what_zh}「{visible(key)}」{zh}", f"unknown {what_en} {visible(key)!r}{en}",
                 code="unknown_key")

    # --------------------------------------------------------------------------------------------- checks
    def control_characters(self, value, path: str) -> None:
        """Every string of the file, at any depth, free of control characters."""
        if isinstance(value, str):
            if control_character(value) is not None and path not in self.reported:
                self.reported.add(path)
                self.problems.append(control_character_problem(value, file=self.file, column=visible(path)))
        elif isinstance(value, dict):
            for key, sub in value.items():
                self.control_characters(sub, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                self.control_characters(sub, f"{path}[{i}]")

    def number(self, path: str, value, spec: dict, name_zh: str) -> bool:
        """A finite number (not a boolean), whole where ``spec`` says ``integer``, within ``spec["range"]``."""
        integer = bool(spec.get("integer"))
        kind_zh, kind_en = ("整数", "a whole number") if integer else ("数字", "a number")
        if isinstance(value, bool):
            self.add(path, f"{name_zh}应为{kind_zh}，不能是逻辑值 true/false", f"must be {kind_en}, not a boolean",
                     str(value).lower(), code="not_a_number")
            return False
        if not isinstance(value, (int, float)):
            self.add(path, f"{name_zh}应为{kind_zh}（不加引号）", f"must be {kind_en} (without quotes)",
                     value if isinstance(value, str) else repr(value), code="not_a_number")
            return False
        if not math.isfinite(value):
            self.add(path, f"{name_zh}应为有限的数值，不能是 nan 或 inf", "must be a finite number, not nan or inf",
                     value, code="non_finite")
            return False
        if integer and not isinstance(value, int):
            self.add(path, f"{name_zh}应为整数", "must be a whole number", value, code="not_an_integer")
            return False
        low, high = spec.get("range", (-math.inf, math.inf))
        if not low <= value <= high:
            unit = f"（{spec['unit_zh']}）" if spec.get("unit_zh") else ""
            self.add(path, f"{name_zh}应在 {low:g}–{high:g} 之间{unit}", f"must be within {low:g}–{high:g}", value,
                     code="out_of_range")
            return False
        return True

    def text(self, path: str, value, name_zh: str, required: bool = False) -> bool:
        if not isinstance(value, str):
            self.add(path, f"{name_zh}应为文字（加英文双引号）", "must be text (in double quotes)",
                     None if value is None else repr(value), code="not_text")
            return False
        if required and not value.strip():
            self.add(path, f"{name_zh}不能为空", "must not be empty", value, code="empty")
            return False
        return True

    def looser(self, path: str, name_zh: str, value, national, national_source: str, county_source: str,
               direction_zh: str, direction_en: str) -> None:
        basis = cite(national_source) or "国家标准"
        own = cite(county_source) if county_source else "未注明（请在该表中写 source，注明县区文件和条款）"
        self.add(path, f"县区只能从严执行、不能放宽国家标准：{name_zh}国家标准为 {_number_text(national)}，本文件为 "
                       f"{_number_text(value)}，{direction_zh}（国家依据：{basis}；县区依据：{own}）",
                 f"a county may make the national standard stricter, never looser: {_number_text(value)} is "
                 f"{direction_en} the national {_number_text(national)} (national rule: {basis}; county document: "
                 f"{own})", value, code="looser_than_national")

    # ------------------------------------------------------------------------------------------ top level
    def top(self, folder: str | None) -> None:
        spec = schema()["top"]
        for key, value in self.data.items():
            if key not in spec:
                self.unknown(str(key), key, spec, "键", "key")
        for key, rule in spec.items():
            value = self.data.get(key)
            if rule.get("required") and (not isinstance(value, str) or not value.strip()):
                self.add(key, f"缺少{rule['name_zh']} {key}（应为文字）", f"{key} is missing or not text",
                         "" if value is None else str(value))
        slug = self.data.get("slug", folder)
        if not is_slug(slug):
            self.add("slug", "简称 slug 只能由小写字母、数字和连字符组成（如 jinxian），不能含路径",
                     "slug must be lower-case letters, digits and hyphens (e.g. jinxian), never a path",
                     "" if slug is None else str(slug), code="bad_slug")
        elif folder is not None and slug != folder:
            self.add("slug", f"简称 slug 应与所在文件夹名「{folder}」一致", f"slug must equal the folder name {folder!r}",
                     slug, code="bad_slug")
        for key, rule in spec.items():
            if key not in self.data or rule.get("required") or rule["type"] == "slug":
                continue
            value = self.data[key]
            if rule["type"] == "text":
                self.text(key, value, f"{rule['name_zh']} {key} ")
            elif rule["type"] == "year":
                self.number(key, value, {**rule, "integer": True}, f"{rule['name_zh']} {key} ")
            elif rule["type"] == "table" and not isinstance(value, dict):
                self.add(key, f"{key} 应为表（[{key}]）", f"{key} must be a table", repr(value), code="not_a_table")

    # ------------------------------------------------------------------------------------- county targets
    def county_targets(self) -> None:
        targets = self.data.get("county_targets")
        if not isinstance(targets, dict):
            return
        known = schema()["county_targets"]
        for key, entry in targets.items():
            path = f"county_targets.{key}"
            if key not in known:
                self.unknown(path, key, known, "县区目标", "county target")
                continue
            rule = known[key]
            if not isinstance(entry, dict):
                self.add(path, "县区目标应写成 { value = 数字, source = \"出处\" }",
                         "a county target must be { value = number, source = \"...\" }", repr(entry))
                continue
            for inner in entry:
                if inner not in ("value", "source"):
                    self.unknown(f"{path}.{inner}", inner, ("value", "source"), "键", "key")
            if "source" not in entry:
                self.add(f"{path}.source", f"县区目标须注明出处 source（县区文件和条款）：{rule['name_zh']}",
                         "a county target needs its source (document and clause)", code="missing_source")
            else:
                self.text(f"{path}.source", entry["source"], "出处 source ", required=True)
            if "value" not in entry:
                self.add(f"{path}.value", "县区目标应写成 { value = 数字, source = \"出处\" }",
                         "a county target must be { value = number, source = \"...\" }", code="missing_value")
                continue
            value = entry["value"]
            if not self.number(f"{path}.value", value, rule, rule["name_zh"]):
                continue
            item = national_targets().get(key)
            if item is None:
                continue                    # a county's own rule (staffing): no national threshold
            scale = float(item.get("override_scale", 1))
            national = float(item["standard"]) / scale
            op = item["op"]
            if (op in (">=", ">") and value < national) or (op in ("<=", "<") and value > national):
                lower = op in (">=", ">")
                self.looser(f"{path}.value", rule["name_zh"], value, _as_written(national),
                            f"{item['source']}：{item['name_zh']}", str(entry.get("source", "")) or
                            str(self.data.get("plan", "")), "低于国家标准" if lower else "高于国家标准",
                            "below" if lower else "above")

    # ------------------------------------------------------------------------------------------ overrides
    def overrides(self) -> None:
        overrides = self.data.get("overrides")
        if not isinstance(overrides, dict):
            return
        codes = standard_codes()
        for code, block in overrides.items():
            path = f"overrides.{code}"
            if code not in codes:
                self.unknown(path, code, codes, "评估标准代码", "standard code")
                continue
            if not isinstance(block, dict):
                self.add(path, f"{path} 应为表（[{path}.…]）", f"{path} must be a table", repr(block),
                         code="not_a_table")
                continue
            plan = self.data.get("plan", "")
            self.block(path, block, schema()["overrides"], national_rules(code), "",
                       plan if isinstance(plan, str) else "")

    def block(self, path: str, given: dict, spec: dict, national: dict, national_source: str,
              county_source: str) -> None:
        """One table of an override against the format (``spec``) and the national table it changes."""
        if isinstance(national.get("source"), str):
            national_source = national["source"]
        if isinstance(given.get("source"), str) and given["source"].strip():
            county_source = given["source"]
        changeable = [k for k in spec if k in national]
        # a table that changes a national value names the county's document for it, as every rule names its
        # source; a table without a source of its own in the format (guarantee) only holds tables
        if "source" in spec and "source" not in given and any(k != "source" for k in given):
            self.add(f"{path}.source", "县区更改国家标准须注明出处 source（县区文件和条款）",
                     "a county's change of the national standard needs its source (document and clause)",
                     code="missing_source")
        for key, value in given.items():
            sub = f"{path}.{key}"
            if key not in national:
                self.unknown(sub, key, changeable, "键", "key")
                continue
            if key not in spec:
                listed = "、".join(changeable) or "（无）"
                self.add(sub, f"「{key}」不能由县区更改：县区只能从严更改以下项目：{listed}",
                         f"{key!r} is not a county's to change; a county may only make stricter: "
                         f"{', '.join(changeable) or 'nothing here'}", None if isinstance(value, (dict, list))
                         else value, code="not_changeable")
                continue
            rule = spec[key]
            if "kind" not in rule:                      # a nested table (guarantee → school_size …)
                if not isinstance(value, dict):
                    self.add(sub, f"{sub} 应为表（[{sub}]）", f"{sub} must be a table", repr(value),
                             code="not_a_table")
                else:
                    self.block(sub, value, rule, national[key], national_source, county_source)
                continue
            self.leaf(sub, value, rule, national[key], national_source, county_source)

    def leaf(self, path: str, value, rule: dict, national, national_source: str, county_source: str) -> None:
        kind, name_zh = rule["kind"], rule.get("name_zh", path)
        if kind == "source":
            self.text(path, value, f"{name_zh} ", required=True)
            return
        if kind == "comparison":
            if value not in STRICTNESS:
                self.add(path, f"{name_zh}应为 \"<=\" 或 \"<\"", "must be \"<=\" or \"<\"",
                         value if isinstance(value, str) else repr(value), code="bad_comparison")
            elif STRICTNESS[value] < STRICTNESS.get(national, 0):
                self.looser(path, name_zh, value, national, national_source, county_source, "宽于国家标准",
                            "looser than")
            return
        if rule.get("each"):
            if not isinstance(value, dict):
                self.add(path, f"{name_zh}应为表，如 {{ {next(iter(national))} = … }}",
                         f"must be a table like {{ {next(iter(national))} = ... }}", repr(value), code="not_a_table")
                return
            for key, sub in value.items():
                if key not in national:
                    self.unknown(f"{path}.{key}", key, national, "键", "key")
                else:
                    self._bound(f"{path}.{key}", sub, rule, national[key], f"{name_zh}（{key}）", national_source,
                                county_source)
            return
        self._bound(path, value, rule, national, name_zh, national_source, county_source)

    def _bound(self, path, value, rule, national, name_zh, national_source, county_source) -> None:
        if not self.number(path, value, rule, name_zh):
            return
        if rule["kind"] == "max" and value > national:
            self.looser(path, name_zh, value, national, national_source, county_source, "高于国家标准，放宽了要求",
                        "above (looser than)")
        elif rule["kind"] == "min" and value < national:
            self.looser(path, name_zh, value, national, national_source, county_source, "低于国家标准，放宽了要求",
                        "below (looser than)")


def _as_written(value: float):
    """95.0 / 100 → 0.95 as a file would say it (a whole float as an int: 1 for 1.0)."""
    rounded = round(value, 12)
    return int(rounded) if rounded == int(rounded) else rounded


def check_county_data(data: dict, file: str, folder: str | None = None) -> list[Problem]:
    """Every problem of a parsed ``county.toml`` (see the module docstring); ``[]`` for a good file.

    ``folder`` is the name of the folder the file lives in: the slug must equal it.

    Examples
    --------
    >>> check_county_data({"name": "甲县", "slug": "jiaxian"}, "county.toml")
    []
    >>> [p.column for p in check_county_data({"name": "甲县", "slug": "jiaxian", "plan_taget_year": 2030},
    ...                                      "county.toml")]
    ['plan_taget_year']
    >>> (p,) = check_county_data({"name": "甲县", "slug": "jiaxian",
    ...                           "overrides": {"quality-2017": {"cv_limit": {"primary": 0.9, "source": "某县方案"}}}},
    ...                          "county.toml")
    >>> p.code, p.column, p.value
    ('looser_than_national', 'overrides.quality-2017.cv_limit.primary', '0.9')
    """
    checker = _Checker(data, file)
    checker.control_characters(data, "")
    checker.top(folder)
    checker.county_targets()
    checker.overrides()
    return checker.problems


__all__ = ["SCHEMA_FILE", "SLUG", "STRICTNESS", "check_county_data", "is_slug", "national_rules",
           "national_targets", "schema"]
