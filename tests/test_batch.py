"""Batch briefings: two sample counties and one broken county, through the CLI, and the dask path."""
import json
import re
import shutil
from pathlib import Path

import pytest

from _build import ingest
from junyun_lib.cli import main
from junyun_lib.report.html_export import external_references
from junyun_lib.runner.batch import run_batch, tasks_for
from junyun_lib.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
MB = 1024 * 1024


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    data = root / "data"
    for slug in ("jinxian", "xiangning"):
        (data / "raw" / slug).mkdir(parents=True)
        shutil.copy(REPO / "data/raw" / slug / "county.toml", data / "raw" / slug / "county.toml")
        shutil.copy(REPO / "data/raw" / slug / "schools_2024.xlsx", data / "raw" / slug / "schools_2024.xlsx")
        for extra in ("plan.csv", "county_indicators_2024.csv"):
            shutil.copy(REPO / "data/raw" / slug / extra, data / "raw" / slug / extra)
        ingest([data / "raw" / slug / "schools_2024.xlsx"], data_dir=data)
    broken = data / "processed" / "broken" / "2024.parquet"      # a county whose input cannot be read
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"this is not a parquet file")
    out = root / "outputs"
    code = main(["batch", "--all", "--years", "2024", "--workers", "2", "--data-dir", str(data), "--out", str(out)])
    return code, out


def test_exit_status_is_nonzero_when_a_county_fails(batch_run):
    code, _ = batch_run
    assert code != 0


@pytest.mark.parametrize("slug, name", [("jinxian", "进贤县"), ("xiangning", "乡宁县")])
def test_briefing_pages_are_self_contained(batch_run, slug, name):
    _, out = batch_run
    page = out / "2024" / f"{slug}.html"
    html = page.read_text(encoding="utf-8")
    assert name in html
    assert "差异系数" in html and "综合差异系数" in html and "每百名学生拥有县级以上骨干教师数" in html
    assert "briefing.load" not in html and "import " not in html, "no code cells in the page"
    assert external_references(html) == []
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert page.stat().st_size <= MB
    assert "合成示例数据" in html
    # every chart is an embedded PNG whose alt text is its Chinese title; with one year of data (2024 only
    # here) the trend is a sentence, not a one-point chart
    alts = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,', html)
    assert len(alts) == html.count("<img") == 3
    assert "仅有 2024 年一年的数据，尚无历年变化" in html
    assert f"{name} 2024年 各指标学校达标程度（每点一所学校）" in alts
    assert "No description" not in html


def test_index_columns_come_from_the_briefings(batch_run):
    _, out = batch_run
    doc = json.loads((out / "2024" / "notebooks" / "jinxian.index.json").read_text(encoding="utf-8"))
    assert {k: doc[k] for k in ("county", "year", "overall", "plan")} == \
        {"county": "进贤县", "year": 2024, "overall": "未达到", "plan": "落后 7 / 29 项"}
    assert doc["row"]["县区"] == "进贤县" and doc["row"]["年度"] == 2024 and doc["synthetic"] is True
    index = (out / "2024" / "index.html").read_text(encoding="utf-8")
    assert '<td class="text">未达到</td>' in index and '<th rowspan="2">评估结论</th>' in index


def test_plan_section_in_the_briefing_and_the_index(batch_run):
    _, out = batch_run
    page = (out / "2024" / "jinxian.html").read_text(encoding="utf-8")
    assert "七、推进计划年度进度" in page and "评估表：四个方面与不予认定事项" in page
    # seed 000 item 23 初中三年巩固率: 2024 target 97%, synthetic county table 96.8% → behind
    assert "初中三年巩固率" in page and "≥ 97.0%" in page and "96.8%" in page
    index = (out / "2024" / "index.html").read_text(encoding="utf-8")
    assert '<th rowspan="2">推进计划</th>' in index
    # 2024: items 7, 9, 13, 17, 19, 23, 29 behind out of 29 (see tests/test_plan_progress.py and the CLI)
    assert "落后 7 / 29 项" in index


def test_broken_county_is_failed_in_manifest_and_index(batch_run):
    _, out = batch_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    by_slug = {r["slug"]: r for r in manifest["runs"]}
    assert by_slug["broken"]["status"] == "failed" and by_slug["broken"]["error"]
    assert by_slug["jinxian"]["status"] == "ok" and len(by_slug["jinxian"]["input_sha256"]) == 64
    assert all(r["version"] and r["seconds"] > 0 for r in manifest["runs"])
    index = (out / "2024" / "index.html").read_text(encoding="utf-8")
    assert 'href="jinxian.html"' in index and 'href="xiangning.html"' in index
    # the Word copy and the workbook beside each page, linked from the index; none for the broken county
    for slug in ("jinxian", "xiangning"):
        assert f'href="{slug}.docx"' in index and f'href="{slug}.xlsx"' in index
        assert (out / "2024" / f"{slug}.docx").is_file() and (out / "2024" / f"{slug}.xlsx").is_file()
        assert by_slug[slug]["docx"].endswith(f"{slug}.docx")
    assert not (out / "2024" / "broken.docx").exists()
    assert "broken" in index.split("运行失败")[1]
    assert external_references(index) == []
    assert (out / "2024" / "notebooks" / "broken.ipynb").exists(), "the failed notebook is kept"


def test_no_missing_glyph_warnings_in_executed_notebooks(batch_run):
    _, out = batch_run
    for path in (out / "2024" / "notebooks").glob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        text = json.dumps([c.get("outputs", []) for c in nb["cells"]], ensure_ascii=False)
        assert "Glyph" not in text and "missing from font" not in text, path.name


def test_dask_local_cluster_reuses_one_warm_kernel_per_worker(tmp_path):
    """Two worker processes, four notebooks: each worker starts one kernel and keeps it (the warm-kernel
    plugin), so at most two kernels serve the four pages.  A one-cell notebook stands in for the briefing
    (the briefing itself is the local executor's tests' business): this test is about the scheduler."""
    distributed = pytest.importorskip("distributed")
    from junyun_lib.runner.batch import Task

    notebook = _notebook(tmp_path / "tiny.ipynb", "county")
    (tmp_path / "data").mkdir()
    ws = Workspace(tmp_path / "data", tmp_path / "out")
    tasks = [Task(slug, slug, 2024, "quality-2017", str(ws.data_dir), str(ws.outputs_dir), str(notebook),
                  copies=False) for slug in ("a", "b", "c", "d")]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        rows = run_batch(ws, tasks, scheduler=cluster.scheduler_address, show_progress=False)
    assert [r["status"] for r in rows] == ["ok"] * 4, [r["error"] for r in rows]
    kernels = [r["kernel_pid"] for r in rows]
    assert all(kernels) and len(set(kernels)) <= 2 < len(kernels)
    assert all((tmp_path / "out" / "2024" / f"{slug}.html").exists() for slug in "abcd")


def test_warm_kernel_does_not_carry_one_county_into_the_next(batch_run, tmp_path):
    """One worker briefs two counties in the same kernel; each page shows only its own county."""
    _, out = batch_run
    ws = Workspace(out.parent / "data", tmp_path / "out")
    tasks = tasks_for(ws, counties={"进贤县", "乡宁县"}, years={2024}, copies=False)   # the pages are the point
    rows = run_batch(ws, tasks, workers=1, show_progress=False)
    assert [r["status"] for r in rows] == ["ok", "ok"]
    jinxian = (tmp_path / "out/2024/jinxian.html").read_text(encoding="utf-8")
    xiangning = (tmp_path / "out/2024/xiangning.html").read_text(encoding="utf-8")
    assert "进贤县 2024年" in jinxian and "乡宁县" not in jinxian
    assert "乡宁县 2024年" in xiangning and "进贤县" not in xiangning


def _notebook(path: Path, *sources: str) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('county = "x"\nyear = 0\nstandard = ""\ndata_dir = ""\noutput_dir = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params] + [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _pairs_in_one_worker(first: str, second: str, root: str) -> list[list[dict]]:
    """Two briefings in one worker process's warm kernel (as the local executor runs them), first with the
    namespace reset, then — in a new kernel — with the reset switched off."""
    from junyun_lib.runner import batch, kernel

    def task(nb, slug):
        return batch.Task(slug, slug, 2024, "quality-2017", root, str(Path(root) / "out"), nb, copies=False)

    pairs = []
    for reset in (True, False):
        if not reset:
            kernel.stop_kernel()
            kernel.RESET_CODE = "pass"
        pairs.append([batch.run_task(task(first, "jiaxian"), warm=True),
                      batch.run_task(task(second, "yixian"), warm=True)])
    kernel.stop_kernel()
    return pairs


def test_warm_kernel_forgets_names_and_outputs_between_briefings(tmp_path):
    """In one worker's kernel, the second notebook sees nothing the first defined or returned; with the reset
    switched off the same pair fails (so the check can fail).  The pairs run in a worker process of their own,
    so the kernels and their event loop never touch the test process."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    first = _notebook(tmp_path / "a.ipynb", "secret = county", "secret")          # a name and an Out entry
    second = _notebook(tmp_path / "b.ipynb", 'assert "secret" not in globals(), "name leaked"\n'
                                             'assert not Out and _ == "", "output leaked"')
    # spawn: a fresh interpreter, not a fork of a test process that has run threads (dask) before
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        with_reset, without = pool.submit(_pairs_in_one_worker, str(first), str(second), str(tmp_path)).result()
    assert with_reset[0]["status"] == "ok", with_reset[0]["error"]
    assert with_reset[1]["status"] == "ok", with_reset[1]["error"]
    assert without[0]["status"] == "ok", without[0]["error"]
    assert without[1]["status"] == "failed" and "leaked" in without[1]["error"]

def _copies_in_a_worker(data: str, out: str, warm: bool) -> tuple[dict, int]:
    """One briefing with its Word copy and workbook, run as a worker runs it, counting the evaluations of a
    briefing in this (the worker's) process."""
    from junyun_lib.runner import batch, kernel

    calls = []
    evaluate_again = Workspace.briefing

    def counted(self, *args, **kwargs):
        calls.append(args)
        return evaluate_again(self, *args, **kwargs)

    Workspace.briefing = counted
    try:
        ws = Workspace(data, out)
        ws.claim_outputs()
        task = batch.tasks_for(ws, counties={"乡宁县"}, years={2024})[0]
        row = batch.run_task(task, warm=warm)
    finally:
        kernel.stop_kernel()
    return row, len(calls)


@pytest.mark.parametrize("warm", [True, False])
def test_the_copies_come_from_the_briefing_the_notebook_handed_back(batch_run, tmp_path, warm):
    """On a warm kernel the Word copy and the workbook are made from the Briefing the notebook computed, handed
    back by the kernel: the worker evaluates nothing.  Without a kernel to ask (a fresh one per briefing, gone
    when the notebook ends) the worker evaluates the county-year itself; the copies are the same either way."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import openpyxl
    from docx import Document

    _, out = batch_run
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        row, evaluations = pool.submit(_copies_in_a_worker, str(out.parent / "data"), str(tmp_path / "out"),
                                       warm).result()
    assert row["status"] == "ok", row["error"]
    assert evaluations == (0 if warm else 1)
    text = "\n".join(p.text for p in Document(row["docx"]).paragraphs)
    assert "乡宁县 2024年" in text and "合成示例数据" in text
    assert "未达校级规则学校" in openpyxl.load_workbook(row["xlsx"], read_only=True).sheetnames


def test_a_notebook_hands_back_its_briefing_once(batch_run, tmp_path):
    """index_output keeps the briefing it shows; hand_back writes it once and forgets it, and the kernel
    reset (forget_handed_back) leaves nothing for the next county."""
    import pickle

    from junyun_lib.report import briefing

    _, out = batch_run
    b = Workspace(out.parent / "data", tmp_path / "out").briefing("乡宁县", 2024)
    assert not briefing.hand_back(tmp_path / "none.pickle") and not (tmp_path / "none.pickle").exists()
    briefing.index_output(b)
    assert briefing.hand_back(tmp_path / "b.pickle")
    back = pickle.loads((tmp_path / "b.pickle").read_bytes())
    assert back.result.county == "乡宁县" and back.result.indicators.equals(b.result.indicators)
    assert not briefing.hand_back(tmp_path / "again.pickle")
    briefing.index_output(b)
    briefing.forget_handed_back()
    assert not briefing.hand_back(tmp_path / "forgotten.pickle")
