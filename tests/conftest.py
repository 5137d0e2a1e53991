"""Fixtures shared by several test modules.

``sample_pages`` — the briefing batch of the four sample counties for 2024 (pages, Word copies, workbooks and
the index), run once per test session however many xdist workers there are: the first worker to ask builds
it under a file lock, the others wait and read the same folder.  Tests only read it.
"""
from __future__ import annotations

import fcntl
import shutil
from pathlib import Path

import pytest

from junyun_lib.runner import skip_slow_iri_check

skip_slow_iri_check()   # the test process is ours: first, before any test module imports nbformat

REPO = Path(__file__).resolve().parents[1]
SAMPLE_COUNTIES = {"jinxian": "进贤县", "shicheng": "石城县", "shizhu": "石柱县", "xiangning": "乡宁县"}
SAMPLE_YEAR = 2024


def _build_sample_pages(root: Path) -> None:
    from _build import ingest, sample_county_folder
    from junyun_lib.runner.batch import run_batch, tasks_for
    from junyun_lib.workspace import Workspace

    data = root / "data"
    for slug in SAMPLE_COUNTIES:
        folder = sample_county_folder(data, slug, SAMPLE_YEAR)
        ingest([folder / f"schools_{SAMPLE_YEAR}.xlsx"], data_dir=data)
    ws = Workspace(data, root / "outputs")
    # this checkout's notebook, whatever is installed
    rows = run_batch(ws, tasks_for(ws, notebook=REPO / "notebooks" / "10_county_briefing.ipynb"), workers=2,
                     show_progress=False)
    assert [r["status"] for r in rows] == ["ok"] * len(SAMPLE_COUNTIES), [r["error"] for r in rows]


@pytest.fixture(scope="session")
def sample_pages(tmp_path_factory, worker_id) -> Path:
    """The 2024 outputs folder of the sample counties' batch (read only)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if worker_id != "master" else base       # one folder for every xdist worker
    root = shared / "sample-pages"
    with open(shared / "sample-pages.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "complete").exists():
            shutil.rmtree(root, ignore_errors=True)
            _build_sample_pages(root)
            (root / "complete").write_text("", encoding="utf-8")
    return root / "outputs" / str(SAMPLE_YEAR)
