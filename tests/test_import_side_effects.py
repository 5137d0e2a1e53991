"""Importing junyun changes nothing in the process beyond loading its own modules and what they import.

Each check runs in fresh interpreters: one imports a junyun module and records ``sys.modules`` (which names, and
which hold ``None`` — an entry that blocks a module, as ``sys.modules["rfc3987_syntax"] = None`` once did),
``sys.path`` and the environment; another imports the same third-party packages directly (the top packages
of the non-junyun modules the first one loaded) and records the same.  junyun adds no module of its own
making and blocks none.  The speed-up it wants in its own processes is made there
(``junyun_lib.runner.skip_slow_iri_check``, called by the ``junyun`` command).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

PROBE = r'''
import json, os, sys
before = set(sys.modules)
for name in json.loads(sys.argv[1]):
    __import__(name)
print(json.dumps({"before": sorted(before), "none": sorted(k for k, v in list(sys.modules.items()) if v is None),
                  "modules": sorted(sys.modules), "path": sys.path, "environ": dict(os.environ)}))
'''


def probe(names: list[str]) -> dict:
    """What a fresh interpreter holds after importing ``names`` (in order)."""
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(names)], capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def third_party_tops(state: dict) -> list[str]:
    """The top packages of the modules ``state``'s import loaded that are neither junyun's nor the standard
    library's, and that are packages one can import (a distribution's top-level name)."""
    from importlib.metadata import packages_distributions

    installed = set(packages_distributions())
    loaded = set(state["modules"]) - set(state["before"])
    return sorted({m.split(".")[0] for m in loaded if not m.startswith("junyun_lib")
                   and m.split(".")[0] not in sys.stdlib_module_names and m.split(".")[0] in installed})


def blocked_by(junyun: dict, bare: dict) -> list[str]:
    """Names ``junyun``'s interpreter holds as ``None`` that the bare one does not."""
    return sorted(set(junyun["none"]) - set(bare["none"]))


@pytest.mark.parametrize("module", ["junyun_lib", "junyun_lib.cli"])
def test_importing_junyun_loads_nothing_the_bare_imports_do_not(module):
    junyun = probe([module])
    tops = third_party_tops(junyun)
    bare = probe(tops)
    ours = {m for m in set(junyun["modules"]) - set(junyun["before"]) if not m.startswith("junyun_lib")
            and m.split(".")[0] not in sys.stdlib_module_names}
    assert ours <= set(bare["modules"]), f"{module} put these in sys.modules: {sorted(ours - set(bare['modules']))}"
    assert not blocked_by(junyun, bare), f"{module} blocks modules: {blocked_by(junyun, bare)}"
    assert junyun["path"] == bare["path"] and junyun["environ"] == bare["environ"]


def test_the_batch_module_blocks_no_module():
    """The heaviest import (nbformat, papermill, nbconvert behind it) blocks nothing either: whatever
    jsonschema imports under junyun it imports without junyun."""
    junyun = probe(["junyun_lib.runner.batch"])
    bare = probe(third_party_tops(junyun))
    assert "nbformat" in third_party_tops(junyun)
    assert not blocked_by(junyun, bare), f"junyun_lib.runner.batch blocks modules: {blocked_by(junyun, bare)}"
    assert ("rfc3987_syntax" in junyun["modules"]) == ("rfc3987_syntax" in bare["modules"])
    assert junyun["environ"] == bare["environ"]


def test_the_junyun_command_keeps_its_speed_up_to_itself():
    """``junyun_lib.cli.main`` (the command's own process) blocks the slow ``rfc3987_syntax`` import, first thing;
    importing the CLI module does not."""
    code = ("import contextlib, io, sys\n"
            "import junyun_lib.cli as cli\n"
            "imported = sys.modules.get('rfc3987_syntax', 'absent')\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
            "    cli.main(['--help'])\n"
            "print(imported, sys.modules.get('rfc3987_syntax', 'absent'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["absent", "None"]
