"""Every case of the hostile-input catalogue (tests/_hostile.py) through the command line an analyst uses:
the exit status, the location and both languages of the message, nothing written and every input byte
unchanged for a rejected file; the value kept or the output inert for the others; never a traceback."""
from __future__ import annotations

import re

import pytest

from _files import tree
from _hostile import CASES
from junyun_lib.cli import main

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_catalogue_is_large_enough():
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case, tmp_path, capsys):
    argv = case.build(tmp_path)
    before = tree(tmp_path)
    try:
        status = main(argv)
    except SystemExit as exc:                     # argparse refuses bad arguments itself (exit 2)
        status = exc.code
    out, err = capsys.readouterr()
    e = case.expect
    assert "Traceback" not in out + err, err
    assert status == e.status, f"exit {status}\nstdout:\n{out}\nstderr:\n{err}"
    if case.kind == "reject":
        assert tree(tmp_path) == before, "a rejected input must write nothing and change no input"
        assert CJK.search(err), err
        assert re.search(r"[A-Za-z]{4,}", err), err             # the English gloss
        for piece in (e.file, e.zh, e.en, e.value):
            assert piece in err, f"{piece!r} missing from:\n{err}"
        if e.sheet:
            assert f"工作表「{e.sheet}」" in err, err
        if e.row is not None:
            assert f"第{e.row}行" in err, err
        if e.column:
            assert f"列「{e.column}」" in err, err
    if e.check is not None:
        assert e.check(tmp_path, out, err)
