"""Batch briefings (批量生成简报): the briefing notebook for every county-year, in parallel.

Each task executes ``notebooks/10_county_briefing.ipynb`` through papermill's Python API in a worker
process (papermill's ``cwd=`` is not thread-safe, so processes, not threads), keeps the executed notebook,
and converts it to a self-contained HTML page in the same worker.  A county that fails never stops the
others: its executed notebook (with the error) is kept and its manifest row says why.  Executors are a
registry: local worker processes, or a ``dask.distributed`` scheduler for users who outgrow one machine.

Local workers keep one kernel each (started by the pool initializer, namespace cleared between counties)
and run notebooks on it through the ``junyun-warm`` papermill engine; timings in docs/benchmarks.md.
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
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger as engine_logger
from papermill.utils import merge_kwargs, remove_args

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


CELL_TIMEOUT = 600  # seconds a briefing cell may take before its county is marked failed (never hang the batch)
_WARM: dict = {}   # per worker process: one kernel kept alive between briefings


def _warm_kernel():
    """This worker's kernel and its client, started once; the namespace is reset before every briefing so
    counties cannot leak into each other.

    Imports (pandas, matplotlib, junyun_lib) and kernel start-up are then paid once per worker, not once per
    county; keeping the client too spares papermill's 0.2 s wait for IOPub to go quiet on a new client.
    The kernel is shut down when the worker process exits.
    """
    from multiprocessing import util

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km, kc = _WARM.get("km"), _WARM.get("kc")
    if km is None or not run_sync(km.is_alive)():
        if kc is not None:
            kc.stop_channels()
        km = AsyncKernelManager(kernel_name="python3")
        run_sync(km.start_kernel)()
        util.Finalize(km, run_sync(km.shutdown_kernel), kwargs={"now": True}, exitpriority=10)
        kc = km.client()
        kc.allow_stdin = False       # as papermill's own client: input() in a notebook fails, never hangs
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=60)
        _WARM.update(km=km, kc=kc)
    reply = run_sync(_reset)(kc)
    if reply["content"].get("status") != "ok":
        raise RuntimeError(f"内核重置失败 (kernel reset failed): {reply['content'].get('evalue', '')}")
    return km, kc


# Forget the previous briefing: every name it defined, and the output cache (Out, _, __, ___).  IPython's
# ``%reset -f`` does this too but runs two full garbage collections, 0.3 s with pandas and matplotlib
# loaded; the memory is freed by reference counting all the same.
RESET_CODE = """\
_junyun_ip = get_ipython()
for _junyun_name in [k for k in _junyun_ip.user_ns if k not in _junyun_ip.user_ns_hidden]:
    if not _junyun_name.startswith("_junyun_"):
        del _junyun_ip.user_ns[_junyun_name]
_junyun_ip.user_ns["_oh"].clear()
_junyun_ip.displayhook._ = _junyun_ip.displayhook.__ = _junyun_ip.displayhook.___ = ""
_junyun_ip.user_ns.update({"_": "", "__": "", "___": ""})
globals().pop("_junyun_name", None)
del _junyun_ip
"""


async def _reset(kc) -> dict:
    # the reply comes on the shell channel; nothing waits on IOPub
    return await kc.execute(RESET_CODE, silent=True, store_history=False, reply=True, timeout=60)


# What every briefing imports first; loaded by a new worker's kernel while the worker loads nbconvert.
PRELOAD_CODE = "import junyun_lib.briefing, junyun_lib.plotting\njunyun_lib.plotting.set_style()"


def _prepare_worker() -> None:
    """Worker-process initializer: start the kernel, let it import junyun and set up the fonts without
    waiting for it, and meanwhile build the HTML exporter here — the two cold starts overlap.

    The first briefing's namespace reset waits for the preload (the kernel runs requests in order) and
    then removes the names it bound.  A failure here is left for the first task to report.
    """
    try:
        _, kc = _warm_kernel()
        kc.execute(PRELOAD_CODE, silent=True, store_history=False)
        from .html_export import exporter

        exporter()
    except Exception:  # noqa: BLE001 — run_task starts again and reports the error in its row
        pass


class WarmKernelEngine(NBClientEngine):
    """papermill engine (执行引擎) that runs a notebook on an already started kernel *and* client.

    Registered with papermill as ``junyun-warm``; ``execute_notebook(..., engine_name="junyun-warm",
    km=km, kernel_client=kc)``.  Same arguments as papermill's default ``nbclient`` engine otherwise.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, kernel_client=None, **kwargs):
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        client = PapermillNotebookClient(nb_man, **merge_kwargs(
            kwargs, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
            log=engine_logger, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file))
        client.kc = kernel_client     # nbclient starts (and waits for) a new client only when this is None
        return client.execute()


papermill_engines.register("junyun-warm", WarmKernelEngine)


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
        extra = {}
        if warm:
            km, kc = _warm_kernel()
            extra = {"km": km, "kernel_client": kc, "engine_name": "junyun-warm"}
        # request_save_on_cell_execute=False: papermill otherwise rewrites (and re-validates) the whole
        # notebook, charts included, before and after every cell; it still writes it once at the end and
        # on error, which is what we keep.
        nb = papermill.execute_notebook(
            task.notebook, str(task.executed_path), kernel_name="python3", progress_bar=False, log_output=False,
            request_save_on_cell_execute=False, execution_timeout=CELL_TIMEOUT, **extra,
            parameters={"county": task.county, "year": task.year, "standard": task.standard,
                        "data_dir": str(Path(task.data_dir).resolve()), "output_dir": str(Path(task.out_dir).resolve())})
        write_html(nb, task.html_path, title=f"{task.county} {task.year}年 评估简报")
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
    with ProcessPoolExecutor(max_workers=workers, initializer=_prepare_worker) as pool:
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


def _index_summaries(rows: list[dict]):
    """(plans, verdicts) from the briefings' ``<slug>.index.json`` files, or (None, None) if one is missing."""
    plans, verdicts = {}, {}
    for r in rows:
        if r["status"] != "ok":
            continue
        path = Path(r["notebook"]).with_suffix(".index.json")
        if not path.is_file():
            return None, None
        doc = json.loads(path.read_text(encoding="utf-8"))
        plans[(doc["county"], int(doc["year"]))] = doc["plan"]
        verdicts[(doc["county"], int(doc["year"]))] = doc["overall"]
    return plans, verdicts


def write_index(rows: list[dict], data_dir, out_dir, standard: str = "quality-2017") -> list[Path]:
    """``outputs/<year>/index.html`` for each year: the cross-county table, links, failed runs."""
    from .evaluate import evaluate
    from .overview import index_html, overall_column, plan_column, summary_table
    from .processed import open_table

    ok = [r["input"] for r in rows if r["status"] == "ok"]
    if ok:   # the runs that worked, evaluated together; a broken input cannot break the index
        evaluation = evaluate(open_table(ok), standard, data_dir=data_dir)
        table, synthetic = summary_table(evaluation), evaluation.synthetic
        plans, verdicts = _index_summaries(rows)       # written by each briefing; recomputed if one is missing
        if plans is None:
            plans = plan_column(evaluation, data_dir, standard)
            verdicts = overall_column(evaluation, data_dir) if standard == "quality-2017" else {}
        table.insert(2, "推进计划", [plans.get((c, int(y)), "—") for c, y in zip(table["县区"], table["年度"])])
        table.insert(2, "评估结论", [verdicts.get((c, int(y)), "—") for c, y in zip(table["县区"], table["年度"])])
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
