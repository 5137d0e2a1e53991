"""The tests run from any checkout on any machine: no test names a path of this one.

Every string literal of ``tests/*.py`` (f-string parts and bytes included; docstrings are prose, not paths) is
searched for an absolute path under the folders of a particular machine — the work, home and temporary folders
of a POSIX machine, or a Windows drive — and each is named ``file:line``.  Files a test needs are found from
the repository (``Path(__file__).resolve().parents[1]``), temporary folders come from ``tmp_path`` or
:mod:`tempfile`, and the shared seeds from ``tests/_seeds.py``.  A literal that only *looks* like such a path —
a pattern that detects them, hostile input meant to be refused — is allowed below, each with its reason.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from _source import docstring_ids

TESTS = Path(__file__).resolve().parent

#: an absolute path of one machine: /work/…, /home/…, /tmp/… (not inside a longer relative path such as
#: ``outputs/tmp/``), or a Windows drive (C:\…, C:/…)
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|home|tmp)(?:/|$)|(?<![A-Za-z0-9])[A-Za-z]:[\\/]")

#: (file, the module-level name the literal is assigned to) → why it is allowed
ALLOWED = {
    ("test_county_workbook.py", "MACHINE_PATH"):
        "the pattern that checks a written workbook names no machine path: it matches such paths, it is none",
}


def machine_paths(source: str, name: str = "<source>") -> list[tuple[int, str]]:
    """(line, literal) of each string literal in ``source`` that holds a machine's absolute path."""
    tree = ast.parse(source)
    skip = docstring_ids(tree)
    for node in tree.body:                       # literals of an allowed module-level name
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and (name, t.id) in ALLOWED
                                                for t in node.targets):
            skip.update(id(inner) for inner in ast.walk(node.value))
    literals = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):      # an f-string as one text, each {…} standing for a name
            if id(node) in skip:
                continue
            skip.update(id(part) for part in node.values)
            literals.append((node.lineno, "".join(part.value if isinstance(part, ast.Constant) else "x"
                                                  for part in node.values)))
        elif isinstance(node, ast.Constant) and id(node) not in skip and isinstance(node.value, (str, bytes)):
            literals.append((node.lineno, node.value if isinstance(node.value, str) else
                             node.value.decode("latin-1")))
    return sorted((line, text) for line, text in literals if MACHINE_PATH.search(text))


def test_no_test_names_a_path_of_this_machine():
    found = [f"tests/{path.name}:{line}: {text!r}" for path in sorted(TESTS.glob("*.py"))
             for line, text in machine_paths(path.read_text(encoding="utf-8"), path.name)]
    assert not found, ("absolute paths of one machine in the tests (find files from the repository, tmp_path or "
                       "tests/_seeds.py; or allow a literal in ALLOWED with the reason):\n" + "\n".join(found))


def test_every_allowance_is_still_needed():
    """An allowance whose literal is gone is removed, so the list stays the few it has to be."""
    for (name, variable), reason in ALLOWED.items():
        assert reason
        tree = ast.parse((TESTS / name).read_text(encoding="utf-8"))
        values = [node.value for node in tree.body if isinstance(node, ast.Assign)
                  and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets)]
        assert values, f"{name}: {variable} is no longer there; remove it from ALLOWED"
        texts = [n.value for value in values for n in ast.walk(value) if isinstance(n, ast.Constant)
                 and isinstance(n.value, str)]
        assert any(MACHINE_PATH.search(t) for t in texts), f"{name}: {variable} needs no allowance; remove it"


def test_the_search_finds_what_it_is_for():
    root, drive = "/" + "work", "C" + ":"
    source = "\n".join([
        '"""A docstring may say /' + 'tmp/ in prose."""',
        f'SEEDS = "{root}/shared/seeds"',
        f'x = f"{{base}}/{"home"}/me"',          # inside a longer path: not absolute
        'y = "outputs/' + 'tmp/page.html"',     # relative
        f'z = r"{drive}\\Users\\me"',
        f'w = b"/{"tmp"}/x.bin"',
        f'v = f"cd {{d}} && ls {drive}/data"',
        'u = "http://example.org/home/"',
    ])
    assert [line for line, _ in machine_paths(source)] == [2, 5, 6, 7]
