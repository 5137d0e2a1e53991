"""Command help in Chinese with English glosses, every option described, an example per command; the terminal
summary of ``junyun evaluate`` says a county's stricter rules in words (issue 28, item 8)."""
import argparse
import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

from junyun_lib.cli import build_parser, main

REPO = Path(__file__).resolve().parents[1]
JINXIAN = REPO / "data" / "raw" / "jinxian"

# argparse's own English, which must not stand alone in the help
ENGLISH_ONLY = ("positional arguments", "optional arguments", "show this help message", "show program's version")


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The commands as the parser itself lists them (not a hand-written list)."""
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(actions) == 1
    return dict(actions[0].choices)


COMMANDS = sorted(_subparsers(build_parser()))


def _help(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    return out.getvalue()


def test_the_commands_are_found_from_the_parser():
    # every command named in the module's docstring is a subcommand of the parser
    import junyun_lib.cli as cli

    named = re.search(r"``junyun ([^`]+)``", cli.__doc__).group(1)
    assert {n.strip() for n in named.split("|")} <= set(COMMANDS)
    assert len(COMMANDS) >= 12


@pytest.mark.parametrize("argv", [["--help"], ["-h"]] + [[c, "--help"] for c in COMMANDS])
def test_help_is_chinese_with_english_glosses(argv):
    text = _help(argv)
    for english in ENGLISH_ONLY:
        assert english not in text, english
    # no English-only section heading or usage prefix at the start of a line
    lines = text.splitlines()
    assert not any(line.startswith(("usage:", "options:", "Options:")) for line in lines)
    assert "usage:" not in text and "options:" not in text
    assert lines[0].startswith("用法 (usage)：junyun")
    assert "选项 (options)" in text and "显示本帮助并退出 (show this help and exit)" in text
    assert "示例 (example)：" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_and_argument_has_a_help_text(command):
    sub = _subparsers(build_parser())[command]
    for action in sub._actions:
        assert action.help and action.help.strip(), f"{command}: {action.option_strings or action.dest}"
        assert action.help is not argparse.SUPPRESS
        # Chinese first: every help text holds Chinese characters
        assert re.search(r"[\u4e00-\u9fff]", action.help), f"{command}: {action.option_strings or action.dest}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_ends_with_an_example_of_itself(command):
    text = _help([command, "--help"])
    example = text[text.index("示例 (example)："):]
    # the example comes last and shows the command being typed
    assert f"junyun {command}" in example
    assert text.rstrip().endswith(example.rstrip())


def test_the_top_level_help_lists_every_command_and_the_version_option():
    text = _help(["--help"])
    for command in COMMANDS:
        assert re.search(rf"^\s+{re.escape(command)}\b", text, re.M), command
    assert "--version" in text and "显示版本号并退出" in text
    assert "命令 (commands)" in text


def test_options_without_a_help_before_now_are_described():
    parser = build_parser()
    subs = _subparsers(parser)

    def help_of(command, dest):
        return next(a.help for a in subs[command]._actions if a.dest == dest)

    assert "评估标准" in help_of("evaluate", "standard")
    assert "县区" in help_of("evaluate", "county")
    assert "年度" in help_of("evaluate", "year")
    assert "年度" in help_of("ingest", "files") or "文件" in help_of("ingest", "files")
    assert "年度" in help_of("import", "year") and "年度" in help_of("batch", "years")


def test_bad_arguments_still_exit_2_with_a_chinese_usage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["evaluate"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法 (usage)：junyun evaluate") and "命令参数有误" in err and "usage:" not in err


def test_the_version_is_still_printed():
    from junyun_lib.version import __version__

    assert _help(["--version"]).strip() == f"junyun {__version__}"


def test_the_evaluate_summary_says_county_rules_in_words(tmp_path, capsys):
    """进贤县's county.toml makes every CV strictly less than its limit: the summary says so in words, with the
    limits and the plan cited by title, and shows no configuration key."""
    data = tmp_path / "data"
    (data / "raw" / "jinxian").mkdir(parents=True)
    shutil.copy(JINXIAN / "county.toml", data / "raw" / "jinxian" / "county.toml")
    status = main(["evaluate", str(JINXIAN / "schools_2024.xlsx"), "--data-dir", str(data),
                   "--out", str(tmp_path / "outputs")])
    assert status == 0
    out = capsys.readouterr().out
    assert "cv_limit" not in out and "comparison" not in out and " = <" not in out and "seed 000" not in out
    rule = next(line for line in out.splitlines() if line.startswith("本县规定："))
    # the county's rule, read here from its own file: "<" is 小于, the national limits 0.50 / 0.45 stay
    try:
        import tomllib
    except ModuleNotFoundError:          # Python 3.10
        import tomli as tomllib

    cfg = tomllib.loads((JINXIAN / "county.toml").read_text(encoding="utf-8"))
    assert cfg["overrides"]["quality-2017"]["cv_limit"]["comparison"] == "<"
    assert "差异系数须小于限值" in rule and "小于或等于" not in rule
    assert "小学 0.50" in rule and "初中 0.45" in rule
    assert "《进贤县（2021-2030）年义务教育优质均衡发展推进计划》" in rule and "进府办发〔2021〕61号" in rule
