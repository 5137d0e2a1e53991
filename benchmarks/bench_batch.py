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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counties", type=int, default=20)
    ap.add_argument("--naive", type=int, default=3, help="counties timed with the CLI loop")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="junyun-bench-batch-"))
    try:
        data, out = root / "data", root / "outputs"
        build(data, args.counties)
        ws = Workspace(data, out)
        tasks = tasks_for(ws)
        start = time.perf_counter()
        rows = run_batch(ws, tasks, workers=args.workers, show_progress=False)   # manifest and index included
        ours = time.perf_counter() - start
        index_start = time.perf_counter()
        write_index(ws, sorted({t.year for t in tasks}))        # the index page again, alone, for its share
        index_seconds = time.perf_counter() - index_start
        ok = sum(r["status"] == "ok" for r in rows)
        naive_times = naive(ws, tasks[:args.naive])
        per_ours = ours / len(tasks)
        print(f"junyun batch benchmark — SYNTHETIC data (合成数据), {len(tasks)} counties, {args.workers} workers, "
              f"{os.cpu_count()} CPUs")
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
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
