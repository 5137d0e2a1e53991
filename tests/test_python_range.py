"""The declared Python range is true: ``requires-python = ">=3.10"`` (pyproject.toml).

No Python 3.10 interpreter is on the build machine, so the code is checked statically: every ``.py`` of the
package, the tests, the benchmarks and the code cells of the shipped notebooks is parsed with the 3.10 grammar
(``except*`` and other 3.11 syntax fail there), and searched for the standard-library names that appeared in
3.11 or later.  ``tomllib`` (3.11) may only be imported where a fallback covers 3.10: inside
``try: … except ModuleNotFoundError/ImportError`` or under ``if sys.version_info >= (3, 11)``; the package reads
TOML through ``junyun_lib.rules.rule_files`` (``tomli`` on 3.10), which pyproject.toml installs there.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from junyun_lib.rules.rule_files import loads as toml_loads

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("junyun_lib", "tests", "benchmarks", "notebooks")

#: module → names added in Python 3.11 or later (What's New in Python 3.11 / 3.12 / 3.13)
NEW_NAMES = {
    "datetime": {"UTC"},
    "typing": {"Self", "LiteralString", "Never", "NotRequired", "Required", "assert_never", "assert_type",
               "reveal_type", "dataclass_transform", "TypeVarTuple", "Unpack", "get_overloads", "clear_overloads",
               "override", "TypeAliasType", "ReadOnly", "TypeIs", "get_protocol_members", "is_protocol"},
    "enum": {"StrEnum", "ReprEnum", "EnumCheck", "FlagBoundary", "verify", "member", "nonmember", "global_enum",
             "property", "show_flag_values", "EnumType"},
    "asyncio": {"TaskGroup", "timeout", "timeout_at", "Timeout", "Runner", "Barrier", "BrokenBarrierError"},
    "contextlib": {"chdir"},
    "hashlib": {"file_digest"},
    "itertools": {"batched"},
    "operator": {"call"},
    "locale": {"getencoding"},
    "re": {"NOFLAG"},
    "math": {"cbrt", "exp2", "sumprod", "fma"},
    "sys": {"exception", "last_exc", "monitoring", "activate_stack_trampoline"},
    "logging": {"getLevelNamesMapping", "getHandlerByName", "getHandlerNames"},
    "inspect": {"markcoroutinefunction", "getasyncgenstate", "getasyncgenlocals"},
    "statistics": {"kde", "kde_random"},
    "copy": {"replace"},
}
NEW_MODULES = {"tomllib", "wsgiref.types"}
NEW_BUILTINS = {"ExceptionGroup", "BaseExceptionGroup"}
NEW_METHODS = {"add_note"}                         # BaseException.add_note (3.11)
#: (callable name, keyword) pairs added in 3.11+
NEW_KEYWORDS = {("catch_warnings", "action"), ("ProcessPoolExecutor", "max_tasks_per_child"),
                ("glob", "include_hidden"), ("iglob", "include_hidden"), ("rmtree", "onexc"),
                ("NamedTemporaryFile", "delete_on_close"), ("TemporaryDirectory", "delete"),
                ("fmean", "weights"), ("relative_to", "walk_up")}
FALLBACK_ERRORS = {"ModuleNotFoundError", "ImportError"}


def sources() -> list[tuple[str, str]]:
    """(where, code) of every .py file and every notebook code cell (IPython magics blanked)."""
    out = []
    for folder in FOLDERS:
        for path in sorted((REPO / folder).rglob("*.py")):
            out.append((str(path.relative_to(REPO)), path.read_text(encoding="utf-8")))
        for path in sorted((REPO / folder).rglob("*.ipynb")):
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
            for i, cell in enumerate(cells):
                if cell.get("cell_type") == "code":
                    code = "".join(cell.get("source", []))
                    code = re.sub(r"(?m)^\s*[%!].*$", "", code)
                    out.append((f"{path.relative_to(REPO)} cell {i}", code))
    return out


def _guarded(node: ast.AST, parents: dict) -> bool:
    """True when ``node`` sits in a try whose handlers catch a missing module, or under a version test."""
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.Try) and child in parent.body:
            for handler in parent.handlers:
                caught = handler.type
                names = {n.id for n in ast.walk(caught) if isinstance(n, ast.Name)} if caught is not None else {"*"}
                if names & FALLBACK_ERRORS or "*" in names:
                    return True
        if isinstance(parent, ast.If) and "version_info" in ast.unparse(parent.test):
            return True
        child, parent = parent, parents.get(parent)
    return False


def problems_in(code: str, where: str) -> list[str]:
    """What in ``code`` needs Python 3.11 or later (a list of readable findings, empty when none)."""
    try:
        tree = ast.parse(code, feature_version=(3, 10))
    except SyntaxError as exc:
        return [f"{where}:{exc.lineno}: not Python 3.10 syntax: {exc.msg}"]
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        line = f"{where}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in NEW_MODULES and not _guarded(node, parents):
                    found.append(f"{line}: import {alias.name} without a 3.10 fallback")
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module in NEW_MODULES and not _guarded(node, parents):
                found.append(f"{line}: from {node.module} import … without a 3.10 fallback")
            for alias in node.names:
                if alias.name in NEW_NAMES.get(node.module, ()) and not _guarded(node, parents):
                    found.append(f"{line}: from {node.module} import {alias.name} (Python 3.11+)")
        elif isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.attr in NEW_NAMES.get(node.value.id, ()) \
                    and not _guarded(node, parents):
                found.append(f"{line}: {node.value.id}.{node.attr} (Python 3.11+)")
            if node.attr in NEW_METHODS:
                found.append(f"{line}: .{node.attr}() (Python 3.11+)")
        elif isinstance(node, ast.Name) and node.id in NEW_BUILTINS and not _guarded(node, parents):
            found.append(f"{line}: {node.id} (Python 3.11+)")
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            for kw in node.keywords:
                if (name, kw.arg) in NEW_KEYWORDS:
                    found.append(f"{line}: {name}({kw.arg}=…) (Python 3.11+)")
    return found


SOURCES = sources()


def test_the_sources_are_found():
    where = {w.split(" cell ")[0] for w, _ in SOURCES}
    assert "junyun_lib/rules/rule_files.py" in where and "tests/test_architecture.py" in where
    assert any(w.endswith(".ipynb") for w in where)


def test_nothing_needs_python_311():
    found = [p for where, code in SOURCES for p in problems_in(code, where)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("code,expected", [
    ("import tomllib", "import tomllib"),
    ("from tomllib import loads", "from tomllib import"),
    ("try:\n    import tomllib\nexcept KeyError:\n    pass", "import tomllib"),
    ("from datetime import UTC", "datetime import UTC"),
    ("import datetime\nx = datetime.UTC", "datetime.UTC"),
    ("from typing import Self", "typing import Self"),
    ("from enum import StrEnum", "enum import StrEnum"),
    ("try:\n    pass\nexcept* ValueError:\n    pass", "3.10 syntax"),
    ("raise ExceptionGroup('x', [])", "ExceptionGroup"),
    ("e = ValueError()\ne.add_note('x')", "add_note"),
    ("import warnings\nwarnings.catch_warnings(action='ignore')", "catch_warnings(action"),
    ("import contextlib\ncontextlib.chdir('.')", "contextlib.chdir"),
    ("import itertools\nitertools.batched([], 2)", "itertools.batched"),
])
def test_the_checker_finds_each_kind(code, expected):
    found = problems_in(code, "x.py")
    assert any(expected in f for f in found), found


@pytest.mark.parametrize("code", [
    "try:\n    import tomllib\nexcept ModuleNotFoundError:\n    import tomli as tomllib",
    "import sys\nif sys.version_info >= (3, 11):\n    import tomllib\nelse:\n    import tomli as tomllib",
    "try:\n    import tomllib\nexcept ImportError:\n    tomllib = None",
    "from datetime import timezone\nUTC = timezone.utc",
    "import os\nos.chdir('.')",
])
def test_the_checker_accepts_fallbacks(code):
    assert problems_in(code, "x.py") == []


def test_tomli_is_installed_where_tomllib_is_missing():
    project = toml_loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.10"
    deps = [d.replace(" ", "").replace('"', "'") for d in project["dependencies"]]
    assert any(d.startswith("tomli>=") and d.endswith(";python_version<'3.11'") for d in deps), deps
    # the conda file pins 3.11, which has tomllib; it installs the package (and so its markers) with pip
    env = (REPO / "environment.yml").read_text(encoding="utf-8")
    assert re.search(r"python=3\.1[1-9]", env) or "tomli" in env
