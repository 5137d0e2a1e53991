"""Batch briefings: seconds per county with everything a bureau gets (page, Word copy, workbook), junyun's batch
against the loop an analyst would write.

SYNTHETIC data (合成数据): ``--counties`` counties (20) made from the bundled sample files (the sample counties' 2024
tables under new names 合成县01 … 合成县20).  Prints its figures; asserts nothing.

    .venv/bin/python benchmarks/bench_batch.py [--counties 20] [--workers 2] [--repeat 3] [--naive 3]

What is timed, each ``--repeat`` times (best and median), the two interleaved so that a change of load on a
shared machine falls on both:

* junyun, the whole command in a fresh process: ``junyun batch --all --workers N --data-dir … --out …`` into a new
  outputs folder — interpreter start, imports, the workers and their kernels, every county's executed notebook,
  page, Word copy and 评估结果 workbook, the manifest, the index page and the multi-year pages.  Seconds per
  county = wall time ÷ counties.
* the naive loop (the baseline), per county one after the other, each a fresh process: the ``papermill`` CLI on the
  briefing notebook (``-p county -p year -p data_dir -p output_dir``), then ``jupyter nbconvert --to html
  --no-input`` on the executed notebook, then — for the Word copy and the workbook, which no CLI makes — one
  ``python -c`` with junyun's public functions (``Workspace.briefing`` evaluates the county-year, the Word copy
  takes its charts from the executed notebook, ``workbook_sheets`` + ``Workspace.write_workbook``).  No index page,
  manifest or multi-year page: the loop does less than the batch.  Timed on ``--naive`` counties per repeat
  (their mean is the repeat's figure).
* ratio = naive seconds per county ÷ junyun seconds per county, on the medians (and on the best of each).

Then, labelled as such, the same batch in this process (``run_batch``: imports already made, no interpreter
start), where a warm worker's time goes (papermill's per-cell durations of one executed briefing, the rest of the
task) and a worker's first task.  The load average is printed before and after each part.

National projection (``--national``, 2,850 by default; 0 skips it): the per-county cost in a warm worker (median
task seconds, each worker's first task left out) and the projected wall time for 2,850 counties at N workers,
one core each::

    T(N) = ⌈2,850 ÷ N⌉ × t_county + t_first + t_index

with ``t_first`` the extra of a worker's first task and ``t_index`` the final index page of 2,850 counties (timed
on 2,850 index rows written for the purpose).  ``--scheduler tcp://HOST:8786`` runs the in-process batch on a
dask.distributed cluster instead of the local pool (start it as ``junyun_lib.runner.executors.DaskCluster``
describes).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import load_average, loop_ms  # noqa: E402
from junyun_lib.io.sample import generate  # noqa: E402
from junyun_lib.runner.batch import briefing_notebook, run_batch, tasks_for, write_index  # noqa: E402
from junyun_lib.workspace import Workspace  # noqa: E402

SOURCES = ("jinxian", "xiangning", "shicheng", "shizhu")

# The naive loop's Word copy and workbook: what an analyst would write with junyun's public functions.
COPIES = """\
import sys
import nbformat
from junyun_lib.workspace import Workspace
from junyun_lib.report.briefing import workbook_sheets
from junyun_lib.report.word import briefing_docx, notebook_images
data, out, county, year, executed, docx, xlsx = sys.argv[1:8]
ws = Workspace(data, out)
b = ws.briefing(county, int(year))
with open(docx, "wb") as f:
    f.write(briefing_docx(b, notebook_images(nbformat.read(executed, as_version=4))))
ws.write_workbook(xlsx, workbook_sheets(b))
"""


def build(data: Path, counties: int) -> None:
    files = []
    for i in range(counties):
        slug, name = f"synth{i + 1:02d}", f"合成县{i + 1:02d}"
        frame = generate(SOURCES[i % len(SOURCES)], 2024)
        frame["县区"] = name
        folder = data / "raw" / slug
        folder.mkdir(parents=True)
        (folder / "county.toml").write_text(f'name = "{name}"\nslug = "{slug}"\n', encoding="utf-8")
        frame.to_csv(folder / "schools_2024.csv", index=False, encoding="utf-8")
        files.append(folder / "schools_2024.csv")
    Workspace(data).ingest(files)


def _run(argv: list, **kw) -> None:
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, cwd=tempfile.gettempdir(), **kw)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(map(str, argv))}\n{done.stdout}\n{done.stderr}")


def whole_command(data: Path, out: Path, workers: int, counties: int) -> float:
    """Wall seconds of ``junyun batch --all`` in a fresh process, into a new outputs folder; every county must
    have its page, Word copy and workbook."""
    junyun = Path(sys.executable).parent / "junyun"
    start = time.perf_counter()
    _run([junyun, "batch", "--all", "--workers", workers, "--data-dir", data, "--out", out])
    seconds = time.perf_counter() - start
    for suffix in (".html", ".docx", ".xlsx"):
        made = len(list((out / "2024").glob(f"synth*{suffix}")))
        if made != counties:
            raise SystemExit(f"junyun batch wrote {made} {suffix} files for {counties} counties")
    return seconds


def naive(ws: Workspace, tasks, out: Path) -> list[float]:
    """The analyst's loop, per county: papermill CLI, nbconvert CLI, then a Python process for the Word copy and
    the workbook; files under ``out``."""
    bin_dir = Path(sys.executable).parent
    notebook = briefing_notebook()
    out.mkdir(parents=True, exist_ok=True)
    times = []
    for task in tasks:
        executed = out / f"{task.slug}.ipynb"
        start = time.perf_counter()
        _run([bin_dir / "papermill", notebook, executed, "-p", "county", task.county, "-p", "year", task.year,
              "-p", "data_dir", ws.data_dir, "-p", "output_dir", ws.outputs_dir, "--no-progress-bar"],
             )
        _run([bin_dir / "jupyter", "nbconvert", "--to", "html", "--no-input", executed])
        _run([sys.executable, "-c", COPIES, ws.data_dir, out, task.county, task.year, executed,
              out / f"{task.slug}.docx", out / f"{task.slug}.xlsx"])
        times.append(time.perf_counter() - start)
    return times


def cell_profile(notebook: Path) -> list[tuple[str, float]]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            duration = cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0
            out.append(("".join(cell["source"]).strip().splitlines()[-1][:60], float(duration)))
    return out


def warm_and_first(rows: list[dict], workers: int) -> tuple[list[float], list[float]]:
    """Task seconds of warm workers and of each worker's first task (the ``workers`` largest)."""
    seconds = sorted(r["seconds"] for r in rows if r["status"] == "ok")
    return seconds[:-workers], seconds[-workers:]


def project(ws: Workspace, rows: list[dict], national: int, workers: int) -> None:
    """Per-county cost in a warm worker and the projected time of a national batch at N workers."""
    warm, first = warm_and_first(rows, workers)
    if not warm:
        print("  projection: too few counties for a warm figure (need more than one per worker)")
        return
    t_county = statistics.median(warm)
    t_first = max(statistics.median(first) - t_county, 0.0)
    t_index = index_at_scale(ws, national, rows)
    print(f"  national projection: per county in a warm worker {t_county:.2f} s (median of {len(warm)}); a worker's "
          f"first task +{t_first:.2f} s; index page of {national:,} counties {t_index:.2f} s")
    print(f"  projected wall time for {national:,} counties, one core per worker "
          f"(⌈{national:,} ÷ N⌉ × {t_county:.2f} s + {t_first:.2f} s + {t_index:.2f} s):")
    for n in (2, 8, 32, 64, 128, 256):
        total = -(-national // n) * t_county + t_first + t_index
        print(f"    N = {n:>3}: {total / 60:8.1f} min ({total / 3600:.2f} h)")


def index_at_scale(ws: Workspace, national: int, rows: list[dict]) -> float:
    """Seconds of ``write_index`` for ``national`` counties: the first county's index row copied under
    invented names (合成县0001 …) into a workspace of its own, as a national batch would leave them."""
    from junyun_lib.runner.batch import update_manifest

    first = next(r for r in rows if r["status"] == "ok")
    year = int(first["year"])
    doc = json.loads(ws.index_row_path(first["slug"], year).read_text(encoding="utf-8"))
    big = Workspace(ws.data_dir, ws.outputs_dir.parent / "national")
    runs = []
    for i in range(national):
        name, slug = f"合成县{i + 1:04d}", f"n{i + 1:04d}"
        row = dict(doc, county=name, row=dict(doc["row"], 县区=name))
        path = big.index_row_path(slug, year)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
        runs.append({"county": name, "slug": slug, "year": year, "status": "ok"})
    update_manifest(big, runs, {"id": "national-projection", "status": "finished"})
    start = time.perf_counter()
    write_index(big, [year])
    return time.perf_counter() - start


def _best_median(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counties", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each timing (best and median)")
    ap.add_argument("--naive", type=int, default=3, help="counties the naive loop runs in each repeat")
    ap.add_argument("--scheduler", default=None, help="a dask.distributed scheduler address for the in-process "
                    "batch (default: the local pool)")
    ap.add_argument("--national", type=int, default=2850, help="counties of the projection (0: none)")
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="junyun-bench-batch-"))
    try:
        data = root / "data"
        build(data, args.counties)
        ws = Workspace(data, root / "outputs")
        tasks = tasks_for(ws)
        print(f"junyun batch benchmark — SYNTHETIC data (合成数据), {len(tasks)} counties, {args.workers} workers, "
              f"{os.cpu_count()} CPUs; a plain loop of 10⁶ additions {loop_ms():.0f} ms; best / median of "
              f"{args.repeat}; every county: executed notebook, HTML page, Word copy, 评估结果 workbook")
        ours, theirs, loads = [], [], []
        for r in range(args.repeat):
            before = load_average()
            ours.append(whole_command(data, root / f"whole-{r}", args.workers, len(tasks)) / len(tasks))
            naive_times = naive(ws, tasks[:args.naive], root / f"naive-{r}") if args.naive else []
            if naive_times:
                theirs.append(statistics.mean(naive_times))
            loads.append(f"{before} → {load_average()}")
        print(f"  junyun batch, whole command in a fresh process (page + Word copy + workbook, manifest, index, "
              f"multi-year pages): {_best_median(ours)} s per county ({_best_median([s * len(tasks) for s in ours])} s "
              f"for {len(tasks)} counties)")
        if theirs:
            print(f"  naive loop, per county (papermill CLI + jupyter nbconvert --to html --no-input CLI + python -c "
                  f"Word copy and workbook), {args.naive} counties per repeat: {_best_median(theirs)} s per county")
            print(f"  RATIO naive / junyun per county, all outputs: {statistics.median(theirs) / statistics.median(ours):.1f}× "
                  f"on the medians, {min(theirs) / min(ours):.1f}× on the best (target ≥ 10×)")
        print(f"  load average (1, 5, 15 min) before → after each repeat: {'; '.join(loads)}")
        before = load_average()
        inproc = []
        rows = []
        for r in range(args.repeat):
            start = time.perf_counter()
            # the tasks of this run's own outputs folder (a task carries where it writes)
            inproc_ws = Workspace(data, root / f"inproc-{r}")
            rows = run_batch(inproc_ws, tasks_for(inproc_ws), workers=args.workers, scheduler=args.scheduler,
                             show_progress=False)
            inproc.append((time.perf_counter() - start) / len(tasks))
        ok = sum(r["status"] == "ok" for r in rows)
        warm, first = warm_and_first(rows, args.workers)
        print(f"  in-process (run_batch in this process, imports made; same outputs): {_best_median(inproc)} s per "
              f"county ({ok}/{len(tasks)} ok); task seconds in a worker, last run: median of warm tasks "
              f"{statistics.median(warm) if warm else float('nan'):.2f}, each worker's first "
              f"{', '.join(f'{s:.2f}' for s in first)} (load {before} → {load_average()})")
        for r in rows:
            if r["status"] != "ok":
                print(f"  FAILED {r['county']} {r['year']}: {r['error']}")
        print("  where a warm task's time goes (one executed briefing's cells, papermill durations):")
        task = sorted(rows, key=lambda r: r["seconds"])[len(rows) // 2]
        profile = cell_profile(Path(task["notebook"]))
        for source, seconds in profile:
            print(f"    {seconds:6.2f} s  {source}")
        cells = sum(s for _, s in profile)
        print(f"    {task['seconds'] - cells:6.2f} s  papermill round trips, writing the notebook, HTML page, "
              f"Word copy, workbook (task {task['seconds']:.2f} s − cells {cells:.2f} s)")
        if args.national:
            project(Workspace(data, root / f"inproc-{args.repeat - 1}"), rows, args.national, args.workers)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
