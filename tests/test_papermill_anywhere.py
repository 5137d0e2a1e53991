"""The briefing notebook runs under plain papermill from any folder, and a hand run writes nothing.

``papermill notebooks/10_county_briefing.ipynb out.ipynb -p county 石城县 -p year 2023`` is run through
papermill's Python API with the current folder (the test process's and the kernel's) set to an empty temporary
folder, once with ``$JUNYUN_DATA`` naming a data copy and once with no folder given at all: then the data
folder is the ``data/`` of the checkout the kernel imported ``junyun_lib`` from — here a temporary copy of
this checkout, so the repository's own ``data/`` is neither needed nor touched.  Each run costs one kernel and
one full briefing.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from _build import ingest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = Path("notebooks") / "10_county_briefing.ipynb"
COUNTY, YEAR = "石城县", 2023


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """A data folder with 石城县's raw files and its 2023 school table ingested."""
    data = tmp_path_factory.mktemp("anywhere") / "data"
    folder = data / "raw" / "shicheng"
    folder.mkdir(parents=True)
    for name in ("county.toml", "plan.csv", f"county_indicators_{YEAR}.csv", f"schools_{YEAR}.xlsx"):
        shutil.copy(REPO / "data/raw/shicheng" / name, folder / name)
    ingest([folder / f"schools_{YEAR}.xlsx"], data)
    return data


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")} if folder.exists() else set()


def _run(notebook: Path, cwd: Path, monkeypatch) -> dict:
    """``papermill NOTEBOOK out.ipynb -p county 石城县 -p year 2023`` run in ``cwd``; the executed notebook."""
    import papermill

    monkeypatch.chdir(cwd)                     # "out.ipynb" and the kernel's folder: both the temporary one
    papermill.execute_notebook(str(notebook), "out.ipynb", parameters={"county": COUNTY, "year": YEAR},
                               kernel_name="python3", progress_bar=False, cwd=str(cwd), execution_timeout=600)
    nb = json.loads((cwd / "out.ipynb").read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors
    text = "".join("".join(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    assert COUNTY in text and str(YEAR) in text
    return nb


def test_from_another_folder_with_junyun_data(data, tmp_path, monkeypatch):
    elsewhere, outputs = tmp_path / "elsewhere", tmp_path / "outputs"
    elsewhere.mkdir()
    monkeypatch.setenv("JUNYUN_DATA", str(data))
    monkeypatch.setenv("JUNYUN_OUTPUTS", str(outputs))
    before = _files(data)
    _run(REPO / NOTEBOOK, elsewhere, monkeypatch)
    # a hand run writes nothing: no outputs folder, nothing new in the data folder or the current folder
    assert not outputs.exists() and _files(data) == before and _files(elsewhere) == {"out.ipynb"}


def test_from_another_folder_with_the_checkouts_data(data, tmp_path, monkeypatch):
    """No ``data_dir``, no ``$JUNYUN_DATA``: the checkout's ``data/``, whatever the current folder."""
    checkout, elsewhere = tmp_path / "checkout", tmp_path / "elsewhere"
    shutil.copytree(REPO / "junyun_lib", checkout / "junyun_lib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "notebooks", checkout / "notebooks", ignore=shutil.ignore_patterns("__pycache__", ".*"))
    shutil.copy(REPO / "pyproject.toml", checkout / "pyproject.toml")
    shutil.copytree(data, checkout / "data")
    elsewhere.mkdir()
    (elsewhere / "data").mkdir()                 # a "data" folder here must not be taken
    monkeypatch.delenv("JUNYUN_DATA", raising=False)
    monkeypatch.delenv("JUNYUN_OUTPUTS", raising=False)
    # the kernel imports junyun_lib from the copy (ahead of an editable install of this checkout)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(checkout), os.environ.get("PYTHONPATH")])))
    before = _files(checkout / "data")
    nb = _run(checkout / NOTEBOOK, elsewhere, monkeypatch)
    assert nb["metadata"]["papermill"]["parameters"] == {"county": COUNTY, "year": YEAR}
    assert not (checkout / "outputs").exists() and _files(checkout / "data") == before
    assert _files(elsewhere) == {"out.ipynb", "data"}


def test_notebook_folders_resolution(tmp_path, monkeypatch):
    """Parameters first, then the environment, then the checkout — never the current folder."""
    import junyun_lib
    from junyun_lib.workspace import Workspace, checkout_dir, notebook_folders

    if Path(junyun_lib.__file__).resolve().parent != REPO / "junyun_lib":
        pytest.skip("junyun_lib is not imported from this checkout")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JUNYUN_DATA", raising=False)
    monkeypatch.delenv("JUNYUN_OUTPUTS", raising=False)
    root = checkout_dir()
    assert root == REPO
    assert notebook_folders() == (REPO / "data", REPO / "outputs")
    monkeypatch.setenv("JUNYUN_DATA", str(tmp_path / "d"))
    assert notebook_folders() == (tmp_path / "d", tmp_path / "outputs")
    monkeypatch.setenv("JUNYUN_OUTPUTS", str(tmp_path / "o"))
    assert notebook_folders() == (tmp_path / "d", tmp_path / "o")
    assert notebook_folders(tmp_path / "x" / "data", tmp_path / "y") == (tmp_path / "x" / "data", tmp_path / "y")
    ws = Workspace.for_notebook(tmp_path / "x" / "data")
    assert (ws.data_dir, ws.outputs_dir) == (tmp_path / "x" / "data", tmp_path / "o")
    assert ws.outputs_file("a/b.xlsx") == tmp_path / "o" / "a" / "b.xlsx"
