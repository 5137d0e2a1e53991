"""Batch briefings (批量生成简报): the briefing notebook for every county-year, in parallel.

Each task executes the packaged briefing notebook (``junyun_lib.notebooks/10_county_briefing.ipynb``)
through papermill's Python API in a worker (:mod:`junyun_lib.runner.executors`), keeps the executed
notebook, and converts it to a self-contained HTML page in the same worker.  The notebook hands back the
county-year's index row as a hidden output, so the index needs no second evaluation.  Beside the page the
worker writes the Word copy (``<slug>.docx``, :mod:`junyun_lib.report.word`, the page's own chart images) and
the 评估结果（Excel） (``<slug>.xlsx``, the county-year's one workbook, also written by ``junyun run``), from the
county-year's briefing evaluated once more in the worker; the index and the page link them.

What a run promises:

* every file (executed notebook, page, index row, index, manifest) is written to a temporary file and
  renamed into place, so no file ever looks complete when it is not;
* a county that fails never stops the others; its executed notebook (with the error) is kept, its old page
  and index row are removed, the manifest and the index say why, and the command ends non-zero;
* the manifest keeps one row per county-year across runs (merged under a lock, so concurrent runs do not
  lose each other's rows), plus a record of every batch (started, finished or interrupted);
* Ctrl-C (or SIGTERM) stops every worker and kernel, records the batch as interrupted, and rebuilds the
  index pages from what finished.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import time
import warnings
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..io import atomic
from ..problems import JunyunError, OutputError, Problem, RecordUnreadable
from ..report.briefing import EXCEL, INDEX_MIME, workbook_sheets
from ..report.charts import cjk_family
from ..report.html_export import notebook_to_html
from ..report.overview import history_html, index_html
from ..report.word import briefing_docx, notebook_images
from ..version import __version__
from ..workspace import Workspace, notebooks_dir
from . import kernel
from .executors import get_executor

CELL_TIMEOUT = 600  # seconds a briefing cell may take before its county is marked failed (never hang the batch)
INDEX_EVERY = 5.0   # seconds between rebuilds of a year's index page while a batch runs (and once at the end)
BRIEFING = "10_county_briefing.ipynb"


def briefing_notebook() -> Path:
    """The packaged briefing notebook (package data ``junyun_lib/notebooks/``; in a checkout: ``notebooks/``)."""
    return notebooks_dir() / BRIEFING


@dataclass(frozen=True)
class Task:
    """One county-year to brief (一个县区年度的简报任务).  Plain strings: it travels to worker processes."""

    county: str
    slug: str
    year: int
    standard: str
    data_dir: str
    out_dir: str
    notebook: str
    copies: bool = True      # also write the Word copy and the workbook (a briefing notebook's task)
    batch: str = ""          # the batch it belongs to (set by run_batch): a worker reuses its workspace within one

    def workspace(self) -> Workspace:
        return Workspace(self.data_dir, self.out_dir)


_WORKER_WORKSPACE: dict = {}


def _task_workspace(task: Task) -> Workspace:
    """The task's workspace, kept in this worker process for the next task of the same batch and county: the
    county's years are then read and evaluated once per worker rather than once per year.  A batch treats its
    inputs as fixed (each row records the input's checksum); a new batch or county starts afresh, so a
    long-lived worker (dask) never holds more than one county."""
    if not task.batch:
        return task.workspace()
    key = (task.batch, task.data_dir, task.out_dir, task.slug)
    if _WORKER_WORKSPACE.get("key") != key:
        _WORKER_WORKSPACE.clear()
        _WORKER_WORKSPACE.update(key=key, workspace=task.workspace())
    return _WORKER_WORKSPACE["workspace"]


def tasks_for(ws: Workspace, counties=None, years=None, standard: str = "quality-2017",
              notebook: Path | None = None, copies: bool = True) -> list[Task]:
    """Every processed county-year of the workspace (optionally only some counties, by name or slug, and
    some years); ``copies=False`` writes the pages only (no Word copy, no workbook)."""
    notebook = str(notebook or briefing_notebook())
    out = []
    for cy in ws.county_years():
        if counties and cy.county not in counties and cy.slug not in counties:
            continue
        if years and cy.year not in years:
            continue
        out.append(Task(cy.county, cy.slug, cy.year, standard, str(ws.data_dir), str(ws.outputs_dir), notebook,
                        copies))
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


# ------------------------------------------------------------------------------------------- one task
def run_task(task: Task, warm: bool = False) -> dict:
    """Execute one briefing and export it; never raises — failures are reported in the returned row.

    ``warm`` reuses this process's kernel (local worker processes); otherwise papermill starts a fresh one.
    """
    import papermill

    start = time.perf_counter()
    ws = _task_workspace(task)
    html_path = ws.briefing_path(task.slug, task.year)
    docx_path, xlsx_path = html_path.with_suffix(".docx"), ws.workbook_path(task.slug, task.year)
    nb_path = ws.executed_notebook_path(task.slug, task.year)
    row_path = ws.index_row_path(task.slug, task.year)
    source = ws.processed_path(task.slug, task.year)
    row = {"county": task.county, "slug": task.slug, "year": task.year, "standard": task.standard, "status": "ok",
           "error": "", "input": str(source), "input_sha256": _sha256(source), "version": __version__,
           "html": "", "docx": "", "xlsx": "", "notebook": str(nb_path), "finished": ""}
    tmp_nb, lock = None, None
    try:
        nb_path.parent.mkdir(parents=True, exist_ok=True)
        tmp_nb = atomic.temporary_name(nb_path)
        extra = {}
        lock = kernel.worker_lock() if warm else None        # dask workers: one briefing per kernel at once
        if lock is not None:
            lock.acquire()
        if warm:
            km, kc = kernel.warm_kernel()
            extra = {"km": km, "kernel_client": kc, "engine_name": "junyun-warm"}
            row["kernel_pid"] = getattr(getattr(km, "provisioner", None), "process", None) and \
                km.provisioner.process.pid
        # request_save_on_cell_execute=False: papermill otherwise rewrites (and re-validates) the whole
        # notebook, charts included, before and after every cell; it writes it once at the end (also on
        # error) — to a temporary name, renamed below
        with warnings.catch_warnings():   # the temporary name does not end in .ipynb, by design
            warnings.filterwarnings("ignore", message="The specified file .* does not end in one of")
            nb = papermill.execute_notebook(
                task.notebook, str(tmp_nb), kernel_name="python3", progress_bar=False, log_output=False,
                request_save_on_cell_execute=False, execution_timeout=CELL_TIMEOUT, **extra,
                parameters={"county": task.county, "year": task.year, "standard": task.standard,
                            "data_dir": task.data_dir, "output_dir": task.out_dir})
        os.replace(tmp_nb, nb_path)
        files = [("Word 副本", docx_path.name), (EXCEL, xlsx_path.name)] if task.copies else None
        atomic.write_text(html_path, notebook_to_html(nb, title=f"{task.county} {task.year}年 评估简报", files=files))
        index_row = _index_row(nb)
        if index_row is not None:
            atomic.write_text(row_path, json.dumps(index_row, ensure_ascii=False))
        row["html"] = str(html_path)
        if task.copies:
            # the Word copy and the workbook from the briefing the notebook handed back: the results and charts
            # the page shows, not a second evaluation; a kernel that is gone (warm=False) or a notebook that
            # hands none back leaves the worker to evaluate the county-year itself
            b = kernel.handed_back(extra["kernel_client"]) if warm else None
            if b is None:
                b = ws.briefing(task.county, task.year, task.standard)
            atomic.write_bytes(docx_path, briefing_docx(b, notebook_images(nb)))
            row["docx"] = str(docx_path)
            ws.write_workbook(xlsx_path, workbook_sheets(b))
            row["xlsx"] = str(xlsx_path)
    except Exception as exc:  # a failing county must not stop the others
        if isinstance(exc, OSError) and exc.filename:  # e.g. an unwritable outputs folder: say where
            exc = OutputError(exc.filename, exc)
        if tmp_nb is not None and tmp_nb.exists():
            try:
                os.replace(tmp_nb, nb_path)           # keep the failed notebook, with its error
            except OSError:
                tmp_nb.unlink(missing_ok=True)
        row["status"] = "failed"
        row["error"] = describe(exc)
        for stale in (html_path, row_path, docx_path, xlsx_path):   # yesterday's page must not look like today's
            try:
                stale.unlink(missing_ok=True)
            except OSError:
                pass
    finally:
        if lock is not None:
            lock.release()
    row["seconds"] = round(time.perf_counter() - start, 3)
    row["finished"] = _now()
    return row


def prepare_worker() -> None:
    """Ready a worker process before its first briefing (预热): start its kernel, which imports junyun, pandas and
    matplotlib and loads the Chinese font as it starts (:data:`~junyun_lib.runner.kernel.PRELOAD_CODE`), and
    meanwhile do here what a worker's first task would otherwise pay for once — papermill and the notebook
    validator, the HTML exporter with its templates compiled, python-docx's document template, openpyxl — so a
    worker's first county costs what the others do."""
    kernel.preload()
    import nbformat
    import openpyxl  # noqa: F401 — the workbook's writer
    import papermill  # noqa: F401
    from docx import Document

    nbformat.validate(nbformat.v4.new_notebook())       # builds and keeps the schema validator
    notebook_to_html(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 预热")]), title="预热")
    Document()


def _index_row(nb) -> dict | None:
    """The index row the briefing notebook displayed (None for a notebook that shows none)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if INDEX_MIME in data:
                return dict(data[INDEX_MIME])
    return None


def describe(exc: BaseException, limit: int = 8) -> str:
    """A failure in a few lines: the located problems of a junyun error (also when raised inside the
    notebook), else the exception's first line."""
    if isinstance(exc, JunyunError):
        text = exc.report()
    else:
        ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
        if ename in ("ValidationError", "PathRefused", "OutputError") and evalue:
            text = str(evalue)
        else:
            text = f"{ename}: {evalue}" if ename else f"{type(exc).__name__}: {exc}"
            text = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    if len(lines) > limit + 1:
        lines = lines[:limit + 1] + [f"  … 另有 {len(lines) - limit - 1} 处 (and {len(lines) - limit - 1} more)"]
    return "\n".join(lines)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# ------------------------------------------------------------------------------------------ manifest
def _not_finite(token: str):
    raise ValueError(f"非有限数值 {token}（JSON 不允许） / the non-finite number {token} (not JSON)")


def _manifest_problem(data: bytes) -> tuple[str, str, int | None] | None:
    """What is wrong with the manifest's bytes ``data`` — (Chinese, English, line) — or None when it reads."""
    try:
        doc = json.loads(data.decode("utf-8-sig"), parse_constant=_not_finite)
    except UnicodeDecodeError as exc:
        return (f"不是 UTF-8 文本（第 {exc.start + 1} 个字节）", f"not UTF-8 text (byte {exc.start + 1})", None)
    except json.JSONDecodeError as exc:
        text = data.decode("utf-8-sig").rstrip()
        if exc.pos >= len(text) or exc.msg.startswith("Unterminated string"):   # the file ends mid-document
            line = text.count("\n") + 1
            return (f"内容不完整，在第 {line} 行截断（JSON 未结束）", f"cut short: it ends at line {line} mid-document "
                    "(incomplete JSON)", line)
        return (f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）",
                f"invalid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", exc.lineno)
    except ValueError as exc:
        zh, _, en = str(exc).partition(" / ")
        return f"含{zh}", f"holds {en}", None
    if not isinstance(doc, dict):
        return (f"顶层应为对象（{{\"runs\": [...]}}），实为 {type(doc).__name__}",
                f"the top level should be an object ({{\"runs\": [...]}}), not {type(doc).__name__}", None)
    for key, required in (("runs", True), ("batches", False)):
        value = doc.get(key)
        if value is None and not required:
            continue
        if not isinstance(value, list):
            return (f"「{key}」应为列表，实为 {type(value).__name__}",
                    f'"{key}" should be a list, not {type(value).__name__}', None)
        bad = next((i for i, item in enumerate(value) if not isinstance(item, dict)), None)
        if bad is not None:
            return (f"「{key}」第 {bad + 1} 项应为对象，实为 {type(value[bad]).__name__}",
                    f'item {bad + 1} of "{key}" should be an object, not {type(value[bad]).__name__}', None)
    for i, run in enumerate(doc["runs"]):
        year = run.get("year")
        if not isinstance(run.get("slug"), str) or isinstance(year, bool) or not isinstance(year, int):
            return (f"「runs」第 {i + 1} 项缺少县区简称（slug）或年度（year，整数）",
                    f'item {i + 1} of "runs" lacks its slug or its year (a whole number)', None)
    return None


def _read_manifest(ws: Workspace) -> dict:
    """The manifest (``{"runs": [...], "batches": [...]}``; none yet: empty).  One that cannot be read — not JSON,
    cut short, the wrong shape, NaN — is never replaced: a copy is kept beside it (``manifest.json.bak``, or
    ``.1.bak`` … never over an earlier one) and :class:`~junyun_lib.problems.RecordUnreadable` names it."""
    path = ws.manifest_path
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {"runs": [], "batches": []}
    except OSError as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise RecordUnreadable([Problem(
            "error", "manifest_unreadable", f"运行记录无法读取（{reason}）；请检查该文件的权限后重新运行",
            f"the run record cannot be read ({reason}); check the file's permissions and run again",
            file=str(path))]) from None
    wrong = _manifest_problem(data)
    if wrong is None:
        doc = json.loads(data.decode("utf-8-sig"))
        doc.setdefault("batches", [])
        return doc
    zh, en, line = wrong
    try:
        kept = atomic.backup(path, data)
        copy_zh, copy_en = f"原样副本已存为 {kept}", f"a copy is kept as {kept}"
    except OutputError as exc:
        copy_zh, copy_en = f"无法另存副本（{exc.problems[0].message_zh}）", "no copy could be kept beside it"
    raise RecordUnreadable([Problem(
        "error", "manifest_unreadable",
        f"运行记录（manifest）{zh}；文件未被改动，{copy_zh}。请修复该文件，或将其移走（下次运行从空记录开始）后重新运行",
        f"the run record (manifest) is unreadable: {en}; the file was left unchanged and {copy_en}. Repair it, or "
        "move it away (the next run then starts an empty record), and run again", file=str(path), row=line)])


def check_manifest(ws: Workspace) -> None:
    """Raise :class:`~junyun_lib.problems.RecordUnreadable` (keeping a copy) when the manifest cannot be read:
    a run checks it before it writes anything, so it never stops halfway over it."""
    _read_manifest(ws)


def update_manifest(ws: Workspace, rows=(), batch: dict | None = None) -> Path:
    """Merge task rows (by county-year) and a batch record (by id) into ``manifest.json``, under a lock."""
    with atomic.locked(ws.manifest_path):
        doc = _read_manifest(ws)
        runs = {(r.get("slug"), r.get("year")): r for r in doc["runs"]}
        for r in rows:
            runs[(r["slug"], r["year"])] = r
        batches = [b for b in doc["batches"] if batch is None or b.get("id") != batch["id"]]
        if batch is not None:
            batches.append(batch)
        doc = {"generator": {"package": "junyun", "version": __version__},
               "runs": sorted(runs.values(), key=lambda r: (int(r.get("year") or 0), str(r.get("slug")))),
               "batches": batches}
        return atomic.write_text(ws.manifest_path, json.dumps(_finite(doc), ensure_ascii=False, indent=1))


def _finite(value):
    """``value`` with every non-finite number (NaN, ∞) as null: the manifest stays JSON that it can read back."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def manifest_runs(ws: Workspace) -> list[dict]:
    """The manifest's rows (one per county-year ever briefed into these outputs)."""
    return _read_manifest(ws)["runs"]


# --------------------------------------------------------------------------------------------- index
def _index_docs(ws: Workspace):
    """A reader of the briefings' index rows, each file read once (the index and the multi-year pages share it):
    ``read(slug, year)`` → the row's document, or None when it is missing or unreadable."""
    cache: dict = {}

    def read(slug: str, year: int) -> dict | None:
        if (slug, year) not in cache:
            try:
                cache[(slug, year)] = json.loads(ws.index_row_path(slug, year).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                cache[(slug, year)] = None
        return cache[(slug, year)]
    return read


def write_history_pages(ws: Workspace, slugs, runs: list[dict] | None = None, read=None) -> list[Path]:
    """``<outputs>/history/<slug>.html`` for each county of ``slugs``: every year the manifest holds for it with
    an index row, side by side (:func:`~junyun_lib.report.overview.history_html`); failed years named.  A county
    with no such year has no page (an old one is removed, so no index links to yesterday's numbers)."""
    runs = manifest_runs(ws) if runs is None else runs
    read = read or _index_docs(ws)
    pages = []
    for slug in sorted(set(slugs)):
        own = [r for r in runs if r.get("slug") == slug]
        docs, failed = [], []
        for r in own:
            year = int(r.get("year", 0))
            doc = read(slug, year) if r.get("status") == "ok" else None
            if doc is not None:
                docs.append(doc)
            else:
                failed.append(year)
        page = ws.history_page_path(slug)
        if not docs:
            page.unlink(missing_ok=True)
            continue
        county = str(docs[-1]["county"])
        links = {int(d["year"]): ws.briefing_link(slug, d["year"]) for d in docs
                 if ws.briefing_path(slug, d["year"]).is_file()}
        index_links = {int(d["year"]): f"../{int(d['year'])}/{ws.index_path(d['year']).name}" for d in docs}
        region = ws.region(county)
        # the page is a function of these inputs alone: when they are what the page was made from, it stays
        # (its trend chart costs a quarter of a second; the index is rebuilt over every county of a national batch)
        mark = _inputs_mark([__version__, county, docs, list(region), sorted(links.items()), sorted(failed),
                             sorted(index_links.items())])
        if not _made_from(page, mark):
            html = history_html(county, docs, region=region, links=links, failed_years=failed,
                                index_links=index_links)
            atomic.write_text(page, html[:html.rstrip().rindex("</html>")] + mark)
        pages.append(page)
    return pages


def _inputs_mark(inputs: list) -> str:
    """The end of a page made from ``inputs``: a comment with a digest of them as JSON, then ``</html>``."""
    digest = hashlib.sha256(json.dumps(inputs, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))
    return f"<!-- junyun inputs {digest.hexdigest()} -->\n</html>\n"


def _made_from(page: Path, mark: str) -> bool:
    """Whether ``page`` exists and ends with ``mark`` (read from its end only: the page holds a chart)."""
    try:
        with open(page, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            tail = len(mark.encode("utf-8"))
            if size < tail:
                return False
            f.seek(size - tail)
            return f.read() == mark.encode("utf-8")
    except OSError:
        return False


def write_index(ws: Workspace, years, counties=None) -> list[Path]:
    """``<outputs>/<year>/index.html`` for each year: every county-year the manifest holds for it (this run's
    and earlier runs'), built from the briefings' index rows, grouped by province and city as the counties'
    configurations state them; failed ones listed with the reason.

    First the multi-year page of each county of these years (``counties``, slugs, limits it to those: the
    rebuilds while a batch runs), so every link of an index page leads to a page."""
    runs = manifest_runs(ws)
    read = _index_docs(ws)
    years = sorted(set(int(y) for y in years))
    in_years = {r.get("slug") for r in runs if int(r.get("year", 0)) in years}
    write_history_pages(ws, in_years if counties is None else in_years & set(counties), runs, read)
    pages = []
    for year in years:
        year_runs = [r for r in runs if int(r.get("year", 0)) == year]
        rows, links, failed, names, synthetic, limits, over, balances = [], {}, [], {}, [], {}, {}, []
        regions, history = {}, {}
        for r in year_runs:
            doc = read(r["slug"], year) if r.get("status") == "ok" else None
            if doc is None:
                failed.append({"county": r.get("county", r.get("slug")),
                               "error": r.get("error") or "简报记录缺失，请重新运行 (briefing record missing; run again)"})
                continue
            row = dict(doc["row"])
            row["评估结论"], row["推进计划"] = doc.get("overall", "—"), doc.get("plan", "—")
            rows.append(row)
            names.update(doc.get("indicator_names", {}))
            synthetic.append(bool(doc.get("synthetic")))
            page = ws.briefing_path(r["slug"], year)
            links[doc["county"]] = {label: path.name for label, path in
                                    (("网页", page), ("Word", page.with_suffix(".docx")),
                                     (EXCEL, ws.workbook_path(r["slug"], year))) if path.is_file()}
            for stage, text in doc.get("limits", {}).items():
                limits.setdefault(stage, {}).setdefault(text, []).append(doc["county"])
            over[doc["county"]] = doc.get("over", [])
            balances.append(str(doc.get("balance") or "优质均衡"))   # rows from an earlier version name none
            regions[doc["county"]] = ws.region(doc["county"])         # from county.toml, never from the row
            if ws.history_page_path(r["slug"]).is_file():
                history[doc["county"]] = ws.history_link(r["slug"])
        table = pd.DataFrame(rows)
        if len(table):
            first = ["县区", "年度", "评估结论", "推进计划"]
            table = table[first + [c for c in table.columns if c not in first]]
        else:
            table = pd.DataFrame(columns=["县区", "年度"])
        page = ws.index_path(year)
        balance = "、".join(sorted(set(balances), key=balances.index)) or "优质均衡"
        atomic.write_text(page, index_html(table, year, links, failed, bool(synthetic) and all(synthetic), names,
                                           limits=_limit_texts(limits), over=over, balance=balance,
                                           regions=regions, history=history))
        pages.append(page)
    return pages


def _limit_texts(seen: dict) -> dict:
    """Stage → the CV limit most counties have, and each county with another one: "≤ 0.50；进贤县 < 0.50"."""
    out = {}
    for stage, by_text in seen.items():
        common = max(by_text, key=lambda t: len(by_text[t]))
        others = [f"{c} {t}" for t, counties in by_text.items() if t != common for c in counties]
        out[stage] = "；".join([common] + others)
    return out


# ------------------------------------------------------------------------------------------ the batch
def run_batch(ws: Workspace, tasks: list[Task], workers: int | None = None, scheduler: str | None = None,
              show_progress: bool = True, executor: str | None = None, errors: list | None = None) -> list[dict]:
    """Run every task (rows come back in task order), keeping the manifest and the index pages current.

    ``executor`` is a registered executor (``local`` by default, ``dask`` when ``scheduler`` is given).
    A manifest or index that cannot be written (an unwritable outputs folder) does not stop the tasks —
    each of them reports its own located failure — and is added to ``errors`` (an
    :class:`~junyun_lib.problems.OutputError`).  On Ctrl-C the workers are stopped, the batch is recorded as
    interrupted, the index is rebuilt from what finished, and :class:`KeyboardInterrupt` propagates.
    """
    errors = errors if errors is not None else []

    def record(action, *args) -> None:
        try:
            action(*args)
        except OutputError as exc:
            if not any(e.path == exc.path for e in errors):
                errors.append(exc)

    from tqdm.auto import tqdm

    name = executor or ("dask" if scheduler else "local")
    runner = get_executor(name, **({"address": scheduler} if name == "dask" else {"workers": workers}))
    batch = {"id": f"{_now()}-{os.getpid()}", "started": _now(), "finished": "", "status": "running",
             "executor": name, "tasks": len(tasks), "ok": 0, "failed": 0}
    # junyun's own folder, or refused (PathRefused) before any worker starts; an unwritable one is reported
    # like the manifest, and each county then says where it could not write
    record(ws.claim_outputs)
    check_manifest(ws)    # an unreadable manifest stops the batch here, before any worker starts (copy kept)
    tasks = [replace(t, batch=batch["id"]) for t in tasks]
    years = {t.year for t in tasks}
    for year in years:
        atomic.sweep(ws.year_dir(year))
        atomic.sweep(ws.notebook_dir(year))
    atomic.sweep(ws.history_dir)
    record(update_manifest, ws, (), batch)
    cjk_family()       # build the Chinese chart font once, here, before the workers need it
    rows: list[dict] = []
    bar = tqdm(total=len(tasks), desc="简报 briefings", unit="县", disable=not show_progress)
    stale: set[int] = set()
    stale_counties: set[str] = set()
    last_index = [time.monotonic()]

    def on_result(row: dict) -> None:
        rows.append(row)
        batch["ok" if row["status"] == "ok" else "failed"] += 1
        record(update_manifest, ws, [row], batch)
        # the index follows the pages as they come (a killed batch still leaves an index of what finished),
        # rebuilt at most every few seconds so a national batch does not spend its time on it
        stale.add(row["year"])
        stale_counties.add(row["slug"])
        if time.monotonic() - last_index[0] >= INDEX_EVERY:
            record(write_index, ws, sorted(stale), set(stale_counties))
            stale.clear()
            stale_counties.clear()
            last_index[0] = time.monotonic()
        bar.update(1)
        bar.set_postfix_str(f"{row['county']} {row['year']} {row['status']}")

    try:
        runner.run(tasks, run_task, on_result, prepare=prepare_worker)
        batch["status"] = "finished"
    except BaseException:
        batch["status"] = "interrupted"
        raise
    finally:
        bar.close()
        batch["finished"] = _now()
        record(update_manifest, ws, (), batch)
        record(write_index, ws, years)
    order = {(t.slug, t.year): i for i, t in enumerate(tasks)}
    return sorted(rows, key=lambda r: order[(r["slug"], r["year"])])


def task_dicts(tasks: list[Task]) -> list[dict]:
    return [asdict(t) for t in tasks]


__all__ = ["Task", "tasks_for", "run_task", "run_batch", "write_index", "write_history_pages", "update_manifest",
           "manifest_runs", "check_manifest", "briefing_notebook", "describe", "OutputError"]
