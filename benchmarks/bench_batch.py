"""Batch briefings: seconds per county, junyun's batch against the loop an analyst would write.

SYNTHETIC data (合成数据): 20 counties made from the bundled sample files (the sample counties' 2024 tables
under new names 合成县01 … 合成县20).  Prints its figures; asserts nothing.

    .venv/bin/python benchmarks/bench_batch.py [--counties 20] [--naive 3] [--workers 2]

* junyun: ``run_batch`` (papermill's Python API in worker processes, HTML exported in the worker; it also
  writes the manifest and the index page), for all counties; seconds per county = wall time / counties.
  The index page is timed again on its own (``write_index``) to show its share.
* naive loop: per county, the papermill CLI then ``jupyter nbconvert --to html --no-input`` CLI, one after
  the other, on the same briefing notebook (``briefing_notebook()``), timed on ``--naive`` counties (the
  per-county figure is their mean).  Its executed notebooks and pages go to ``<outputs>/naive/``.

Everything lives in one temporary workspace: ``<tmp>/data`` (raw files and processed tables; the raw files are
written there before ``Workspace.ingest``, which only takes files inside the data folder) and ``<tmp>/outputs``.
* where the time goes: per-cell durations that papermill records in the executed notebooks.
* national projection: the per-county cost in a warm worker (median task seconds, each kernel's first task
  left out) and the projected wall time for 2,850 counties at N workers, one core each::

      T(N) = ⌈2,850 ÷ N⌉ × t_county + t_first + t_index

  with ``t_first`` the extra of a kernel's first task (start, imports) and ``t_index`` the final index page of
  2,850 counties (timed here on 2,850 index rows written for the purpose: ``write_index`` reads every county's
  row and builds the page; during a batch it is rebuilt at most every 5 s in the parent, beside the workers).
  ``--scheduler tcp://HOST:8786`` runs the batch on a dask.distributed cluster instead of the local pool
  (start it as ``junyun_lib.runner.executors.DaskCluster`` describes), so t_county is measured there.
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

from _timing import loop_ms  # noqa: E402
from junyun_lib.io.sample import generate  # noqa: E402
from junyun_lib.runner.batch import briefing_notebook, run_batch, tasks_for, write_index  # noqa: E402
from junyun_lib.workspace import Workspace  # noqa: E402

SOURCES = ("jinxian", "xiangning", "shicheng", "shizhu")


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


def naive(ws: Workspace, tasks) -> list[float]:
    """The analyst's loop: papermill CLI, then nbconvert CLI, per county; files under <outputs>/naive/."""
    bin_dir = Path(sys.executable).parent
    notebook = briefing_notebook()
    out = ws.outputs_dir / "naive"
    out.mkdir(parents=True, exist_ok=True)
    times = []
    for task in tasks:
        executed = out / f"{task.slug}.ipynb"
        start = time.perf_counter()
        subprocess.run([str(bin_dir / "papermill"), str(notebook), str(executed), "-p", "county", task.county,
                        "-p", "year", str(task.year), "-p", "data_dir", str(ws.data_dir),
                        "-p", "output_dir", str(ws.outputs_dir), "--no-progress-bar"],
                       check=True, capture_output=True, cwd=notebook.parent)
        subprocess.run([str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                       check=True, capture_output=True)
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


def project(ws: Workspace, rows: list[dict], national: int, workers: int) -> None:
    """Per-county cost in a warm worker and the projected time of a national batch at N workers."""
    seconds = sorted(r["seconds"] for r in rows if r["status"] == "ok")
    if len(seconds) <= workers:
        print("  projection: too few counties for a warm figure (need more than one per worker)")
        return
    # each kernel's first task carries its start and imports: the largest ``workers`` figures
    warm, first = seconds[:-workers], seconds[-workers:]
    t_county = statistics.median(warm)
    t_first = max(statistics.median(first) - t_county, 0.0)
    t_index = index_at_scale(ws, national, rows)
    print(f"  per county in a warm worker: {t_county:.2f} s (median of {len(warm)}); a kernel's first task "
          f"+{t_first:.2f} s; index page of {national:,} counties {t_index:.2f} s")
    print(f"  projected wall time for {national:,} counties, one core per worker "
          f"(⌈{national:,} ÷ N⌉ × {t_county:.2f} s + {t_first:.2f} s + {t_index:.2f} s):")
    for n in (2, 8, 32, 64, 128, 256):
        total = -(-national // n) * t_county + t_first + t_index
        print(f"    N = {n:>3}: {total / 60:8.1f} min ({total / 3600:.2f} h)")


def index_at_scale(ws: Workspace, national: int, rows: list[dict]) -> float:
    """Seconds of ``write_index`` for ``national`` counties: the first county's index row copied under
    invented names (合成县0001 …) into a workspace of its own, as a national batch would leave them."""
    import json as _json

    from junyun_lib.runner.batch import update_manifest

    first = next(r for r in rows if r["status"] == "ok")
    year = int(first["year"])
    doc = _json.loads(ws.index_row_path(first["slug"], year).read_text(encoding="utf-8"))
    big = Workspace(ws.data_dir, ws.outputs_dir / "national")
    runs = []
    for i in range(national):
        name, slug = f"合成县{i + 1:04d}", f"n{i + 1:04d}"
        row = dict(doc, county=name, row=dict(doc["row"], 县区=name))
        path = big.index_row_path(slug, year)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_json.dumps(row, ensure_ascii=False), encoding="utf-8")
        runs.append({"county": name, "slug": slug, "year": year, "status": "ok"})
    update_manifest(big, runs, {"id": "national-projection", "status": "finished"})
    start = time.perf_counter()
    write_index(big, [year])
    return time.perf_counter() - start


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counties", type=int, default=20)
    ap.add_argument("--naive", type=int, default=3, help="counties timed with the CLI loop")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--scheduler", default=None, help="a dask.distributed scheduler address (default: local pool)")
    ap.add_argument("--national", type=int, default=2850, help="counties of the projection (default 2,850)")
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="junyun-bench-batch-"))
    try:
        data, out = root / "data", root / "outputs"
        build(data, args.counties)
        ws = Workspace(data, out)
        tasks = tasks_for(ws)
        start = time.perf_counter()
        rows = run_batch(ws, tasks, workers=args.workers, scheduler=args.scheduler,
                         show_progress=False)   # manifest and index included
        ours = time.perf_counter() - start
        index_start = time.perf_counter()
        write_index(ws, sorted({t.year for t in tasks}))        # the index page again, alone, for its share
        index_seconds = time.perf_counter() - index_start
        ok = sum(r["status"] == "ok" for r in rows)
        naive_times = naive(ws, tasks[:args.naive])
        per_ours = ours / len(tasks)
        print(f"junyun batch benchmark — SYNTHETIC data (合成数据), {len(tasks)} counties, {args.workers} workers, "
              f"{os.cpu_count()} CPUs; a plain loop of 10⁶ additions {loop_ms():.0f} ms")
        print(f"  junyun batch (papermill API in workers + in-process HTML + index): {ours:.1f} s in all, "
              f"{per_ours:.2f} s per county ({ok}/{len(tasks)} ok); per-task seconds in the worker: "
              f"median {statistics.median(r['seconds'] for r in rows):.2f}, first of each worker "
              f"{', '.join(f'{r:.2f}' for r in sorted(r['seconds'] for r in rows)[-args.workers:])}; "
              f"index page {index_seconds:.2f} s (included in the total; timed again alone)")
        for r in rows:
            if r["status"] != "ok":
                print(f"  FAILED {r['county']} {r['year']}: {r['error']}")
        if naive_times:
            per_naive = statistics.mean(naive_times)
            print(f"  naive loop (papermill CLI + jupyter nbconvert CLI), {len(naive_times)} counties: "
                  f"{', '.join(f'{t:.2f}' for t in naive_times)} s → {per_naive:.2f} s per county")
            print(f"  ratio naive / junyun per county: {per_naive / per_ours:.1f}× (target ≥ 10×)")
        print("  where a worker's time goes (cells of one executed briefing, papermill durations):")
        for source, seconds in cell_profile(Path(rows[0]["notebook"])):
            print(f"    {seconds:6.2f} s  {source}")
        total_cells = sum(s for _, s in cell_profile(Path(rows[0]["notebook"])))
        print(f"    {rows[0]['seconds'] - total_cells:6.2f} s  kernel start, imports, shutdown, HTML export "
              f"(task {rows[0]['seconds']:.2f} s − cells {total_cells:.2f} s)")
        project(ws, rows, args.national, args.workers)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
