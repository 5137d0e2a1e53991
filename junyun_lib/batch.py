"""Batch briefings (批量生成简报): the briefing notebook for every county-year, in parallel.

Each task executes ``notebooks/10_county_briefing.ipynb`` through papermill's Python API in a worker
process (papermill's ``cwd=`` is not thread-safe, so processes, not threads), keeps the executed notebook,
and converts it to a self-contained HTML page in the same worker.  A county that fails never stops the
others: its executed notebook (with the error) is kept and its manifest row says why.  Executors are a
registry: local worker processes, or a ``dask.distributed`` scheduler for users who outgrow one machine.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from . import __version__, rules

BRIEFING_NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "10_county_briefing.ipynb"


@dataclass(frozen=True)
class Task:
    """One county-year to brief (一个县区年度的简报任务)."""

    county: str
    slug: str
    year: int
    standard: str
    data_dir: str
    out_dir: str
    notebook: str

    @property
    def html_path(self) -> Path:
        return Path(self.out_dir) / str(self.year) / f"{self.slug}.html"

    @property
    def executed_path(self) -> Path:
        return Path(self.out_dir) / str(self.year) / "notebooks" / f"{self.slug}.ipynb"

    @property
    def input_path(self) -> Path:
        return Path(self.data_dir) / "processed" / self.slug / f"{self.year}.parquet"


def tasks_for(data_dir, out_dir, counties=None, years=None, standard="quality-2017",
              notebook=BRIEFING_NOTEBOOK) -> list[Task]:
    """Every processed county-year under ``data_dir/processed`` (optionally only some counties/years)."""
    data_dir = Path(data_dir)
    by_slug = {cfg.slug: cfg for cfg in rules.county_configs(data_dir).values()}
    out = []
    for path in sorted((data_dir / "processed").glob("*/*.parquet")):
        slug, year = path.parent.name, int(path.stem)
        name = by_slug[slug].name if slug in by_slug else slug
        if counties and name not in counties and slug not in counties:
            continue
        if years and year not in years:
            continue
        out.append(Task(name, slug, year, standard, str(data_dir), str(out_dir), str(notebook)))
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


_WARM: dict = {}   # per worker process: one kernel kept alive between briefings


def _warm_kernel():
    """This worker's kernel, started once; namespace reset before every briefing so counties cannot leak.

    Imports (pandas, matplotlib, junyun_lib) and kernel start-up are then paid once per worker, not once per
    county.  The kernel is shut down when the worker process exits.
    """
    from multiprocessing import util

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = _WARM.get("km")
    if km is None or not run_sync(km.is_alive)():
        km = AsyncKernelManager(kernel_name="python3")
        run_sync(km.start_kernel)()
        util.Finalize(km, run_sync(km.shutdown_kernel), kwargs={"now": True}, exitpriority=10)
        _WARM["km"] = km
    kc = km.client()
    kc.start_channels()
    try:
        run_sync(kc.wait_for_ready)(timeout=60)
        run_sync(kc.execute_interactive)("%reset -f", timeout=60)
    finally:
        kc.stop_channels()
    return km


def run_task(task: Task, warm: bool = False) -> dict:
    """Execute one briefing and export it; never raises — failures are reported in the returned row.

    ``warm`` reuses this process's kernel (local worker processes); otherwise papermill starts a fresh one.
    """
    import papermill

    from .html_export import write_html

    start = time.perf_counter()
    task.executed_path.parent.mkdir(parents=True, exist_ok=True)
    row = {"county": task.county, "slug": task.slug, "year": task.year, "status": "ok", "error": "",
           "input": str(task.input_path), "input_sha256": _sha256(task.input_path), "version": __version__,
           "html": "", "notebook": str(task.executed_path)}
    try:
        extra = {"km": _warm_kernel()} if warm else {}
        papermill.execute_notebook(
            task.notebook, str(task.executed_path), kernel_name="python3", progress_bar=False, log_output=False,
            **extra,
            parameters={"county": task.county, "year": task.year, "standard": task.standard,
                        "data_dir": str(Path(task.data_dir).resolve()), "output_dir": str(Path(task.out_dir).resolve())})
        write_html(task.executed_path, task.html_path, title=f"{task.county} {task.year}年 评估简报")
        row["html"] = str(task.html_path)
    except Exception as exc:  # a failing county must not stop the others
        row["status"] = "failed"
        row["error"] = _first_line(exc)
    row["seconds"] = round(time.perf_counter() - start, 3)
    return row


def _first_line(exc: Exception) -> str:
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    text = f"{ename}: {evalue}" if ename else f"{type(exc).__name__}: {exc}"
    return next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)


# --------------------------------------------------------------------------------------------- executors
def _local(tasks: list[Task], workers: int, progress) -> list[dict]:
    rows = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_task, t, True) for t in tasks]
        for future in as_completed(futures):
            rows.append(future.result())
            progress(rows[-1])
    return rows


def _dask(tasks: list[Task], address: str, progress) -> list[dict]:
    from distributed import Client, as_completed as dask_completed

    rows = []
    with Client(address) as client:
        futures = client.map(run_task, tasks, pure=False)
        for future in dask_completed(futures):
            rows.append(future.result())
            progress(rows[-1])
    return rows


def run_batch(tasks: list[Task], workers: int | None = None, scheduler: str | None = None,
              show_progress: bool = True) -> list[dict]:
    """Run every task; rows come back in task order."""
    from tqdm.auto import tqdm

    bar = tqdm(total=len(tasks), desc="简报 briefings", unit="县", disable=not show_progress)

    def progress(row):
        bar.update(1)
        bar.set_postfix_str(f"{row['county']} {row['year']} {row['status']}")

    try:
        if scheduler:
            rows = _dask(tasks, scheduler, progress)
        else:
            rows = _local(tasks, workers or os.cpu_count() or 1, progress)
    finally:
        bar.close()
    order = {(t.slug, t.year): i for i, t in enumerate(tasks)}
    return sorted(rows, key=lambda r: order[(r["slug"], r["year"])])


def write_manifest(rows: list[dict], out_dir) -> Path:
    """``manifest.json``: one row per county-year with status, seconds, input hash and package version."""
    path = Path(out_dir) / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"generator": {"package": "junyun", "version": __version__}, "runs": rows}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def task_dicts(tasks: list[Task]) -> list[dict]:
    return [asdict(t) for t in tasks]


def write_index(rows: list[dict], data_dir, out_dir, standard: str = "quality-2017") -> list[Path]:
    """``outputs/<year>/index.html`` for each year: the cross-county table, links, failed runs."""
    from .evaluate import evaluate
    from .overview import index_html, summary_table
    from .processed import open_table

    ok = [r["input"] for r in rows if r["status"] == "ok"]
    if ok:   # the runs that worked, evaluated together; a broken input cannot break the index
        evaluation = evaluate(open_table(ok), standard, data_dir=data_dir)
        table, synthetic = summary_table(evaluation), evaluation.synthetic
        names = {i.code: i.name_zh for std in evaluation.standards.values() for i in std.indicators}
    else:
        table, synthetic, names = pd.DataFrame(columns=["县区", "年度"]), False, {}
    pages = []
    for year in sorted({r["year"] for r in rows}):
        year_rows = [r for r in rows if r["year"] == year]
        links = {r["county"]: Path(r["html"]).name for r in year_rows if r["status"] == "ok"}
        failed = [r for r in year_rows if r["status"] != "ok"]
        sub = table[(table["年度"] == year) & table["县区"].isin([r["county"] for r in year_rows])]
        page = Path(out_dir) / str(year) / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(index_html(sub, year, links, failed, synthetic, names), encoding="utf-8")
        pages.append(page)
    return pages
