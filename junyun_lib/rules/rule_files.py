"""The rule files shipped in this folder (规则数据文件): read as package data, TOML parsed the same way on
every supported Python (``tomllib`` from 3.11, the ``tomli`` back-port on 3.10)."""
from __future__ import annotations

import copy
import sys
from functools import lru_cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

TOMLDecodeError = tomllib.TOMLDecodeError


def loads(text: str) -> dict:
    """Parse TOML text (raises :class:`TOMLDecodeError`)."""
    return tomllib.loads(text)


def text(name: str) -> str:
    """The text of a rule file, e.g. ``text("unit_costs.csv")`` or ``text("imports/stats-2021.toml")``."""
    return resources.files("junyun_lib.rules").joinpath(name).read_text(encoding="utf-8")


def exists(name: str) -> bool:
    return resources.files("junyun_lib.rules").joinpath(name).is_file()


def names(folder: str = "", suffix: str = ".toml") -> list[str]:
    """File names in a folder of the rules (``""`` for the top), ending in ``suffix``, sorted."""
    base = resources.files("junyun_lib.rules")
    if folder:
        base = base.joinpath(folder)
    return sorted(entry.name for entry in base.iterdir() if entry.name.endswith(suffix))


def toml(name: str) -> dict:
    """A rule file parsed (a fresh copy: callers may change it)."""
    return copy.deepcopy(_toml_cached(name))


@lru_cache(maxsize=None)
def _toml_cached(name: str) -> dict:
    return loads(text(name))
