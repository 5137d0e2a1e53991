"""Start-up: what a command or the package loads before it does anything (issue 26).

``junyun --help`` and argument errors must not wait for pandas or matplotlib, and ``import junyun_lib`` with
its workspace must not load matplotlib until a chart or a briefing is made.  Checked in fresh interpreters by
what ends up in ``sys.modules``, not by timing.
"""
import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "numpy", "matplotlib", "pyarrow", "papermill", "nbconvert", "docx", "openpyxl", "seaborn", "scipy")


def loaded_after(code: str) -> set[str]:
    """The heavy modules a fresh interpreter has loaded after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_command_line_loads_nothing_heavy():
    assert loaded_after("import junyun_lib.cli") == set()


@pytest.mark.parametrize("argv", [["--help"], ["batch", "--help"], ["evaluate", "--help"], ["--version"]])
def test_help_loads_nothing_heavy(argv):
    code = ("from junyun_lib.cli import main\n"
            "import contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n"
            f"        main({argv!r})\n"
            "    except SystemExit:\n"
            "        pass")
    assert loaded_after(code) == set()


def test_bad_arguments_are_refused_before_anything_heavy_loads():
    code = ("from junyun_lib.cli import main\n"
            "import contextlib, io\n"
            "with contextlib.redirect_stderr(io.StringIO()):\n"
            "    try:\n"
            "        main(['evaluate', 'x.csv', '--standard', 'no-such-standard'])\n"
            "    except SystemExit as exc:\n"
            "        assert exc.code == 2")
    assert loaded_after(code) == set()


def test_the_workspace_does_not_load_matplotlib():
    loaded = loaded_after("import junyun_lib\njunyun_lib.Workspace")
    assert "matplotlib" not in loaded and "seaborn" not in loaded
    code = "import junyun_lib\njunyun_lib.Workspace\nimport sys\nassert 'junyun_lib.report.charts' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_standard_choices_are_the_registered_standards():
    """``--standard`` offers what ``standard_codes()`` finds in the rules' TOML files (one implementation)."""
    from junyun_lib.cli import build_parser
    from junyun_lib.rules.standards import standard_codes

    parser = build_parser()
    batch = parser._subparsers._group_actions[0].choices["batch"]
    choices = next(a.choices for a in batch._actions if a.dest == "standard")
    assert list(choices) == standard_codes() == ["basic-2012", "quality-2017"]


def test_the_rules_names_are_loaded_on_first_use():
    code = ("import sys\nfrom junyun_lib.rules import standard_codes\n"
            "assert 'junyun_lib.rules.comparison' not in sys.modules\n"
            "from junyun_lib.rules import compare\n"
            "assert bool(compare(0.5, 0.5, '<=')) and 'numpy' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
    import junyun_lib.rules as rules

    assert set(rules.__all__) <= set(dir(rules))
    with pytest.raises(AttributeError):
        rules.no_such_rule  # noqa: B018
