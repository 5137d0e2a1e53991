"""Plan tracking: how long ``junyun plan`` takes (进贤县 sample: 29 items × 10 years, 4 years of data).

SYNTHETIC data (合成数据): the bundled sample.  Prints its figures; asserts nothing.

    .venv/bin/python benchmarks/bench_plan.py [--repeat 5]

* **whole command** — ``junyun plan 进贤县 --data-dir <tmp>/data --out <tmp>/outputs`` as a user types it, in a
  fresh process (the venv's ``junyun`` script; working folder a temporary folder outside the repository), after
  one untimed warm-up run; ``--repeat`` times, best and median wall seconds and peak RSS (MB), beside its start-up
  baseline timed the same way, run for run: a fresh Python that only imports the modules the command loads
  (benchmarks/_timing.py ``whole_command``);
* **in-process** (this process, second lines) — read + check plan.csv (290 rows) and the 4 county-level tables;
  metrics, statuses and projections given the evaluated years (what a briefing adds per county); end to end as
  ``junyun plan`` does it (``Workspace.progress``: evaluate the processed years too).  A fresh ``Workspace`` per
  run, since a workspace caches what it has read and evaluated.

The data folder is a temporary copy: ``data/raw/jinxian`` copied there and ingested (the repository's ``data/``
is only read).  The load average is printed before and after (2 shared cores: a busy machine slows every line).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import load_average, loop_ms, timed, whole_command, whole_command_lines  # noqa: E402
from junyun_lib.evaluation.evaluate import evaluate  # noqa: E402
from junyun_lib.io.processed import read_table  # noqa: E402
from junyun_lib.planning.progress import plan_progress  # noqa: E402
from junyun_lib.workspace import Workspace  # noqa: E402

COUNTY = "进贤县"


def _plan_and_values(data: Path):
    ws = Workspace(data)                  # fresh: a workspace keeps what it has read
    return ws.plan(COUNTY), ws.county_values(COUNTY)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    print(f"plan tracking benchmark — SYNTHETIC data (合成数据), {COUNTY}; {os.cpu_count()} CPUs; load average "
          f"{load_average()} before; a loop of 10⁶ additions {loop_ms():.0f} ms")
    scratch = Path(tempfile.mkdtemp(prefix="junyun-bench-plan-"))
    try:
        data, work = scratch / "data", scratch / "work"
        work.mkdir()
        # a copy: the repository's data/ stays as it is
        shutil.copytree(REPO / "data" / "raw" / "jinxian", data / "raw" / "jinxian")
        paths = Workspace(data).ingest(sorted((data / "raw" / "jinxian").glob("schools_*.xlsx")))

        command = ["plan", COUNTY, "--data-dir", data, "--out", scratch / "outputs"]
        print(f"  whole command: junyun plan {COUNTY} --data-dir <tmp>/data --out <tmp>/outputs (working folder "
              f"<tmp>/work), best / median of {args.repeat}")
        for line in whole_command_lines(f"junyun plan {COUNTY}", whole_command(command, work, args.repeat, scratch)):
            print(line)

        ws = Workspace(data)
        evaluation = evaluate(read_table(paths), "quality-2017", counties=ws.counties())
        results = {y: evaluation.county(c, y) for c, y in evaluation.county_years()}
        plan, values = ws.plan(COUNTY), ws.county_values(COUNTY)
        figures = {
            "read + check plan.csv and 4 county-level tables": lambda: _plan_and_values(data),
            "metrics + statuses + projections (results given)": lambda: plan_progress(plan, results, values),
            "end to end as junyun plan does it (Workspace.progress: evaluate 4 years too)":
                lambda: Workspace(data).progress(COUNTY, standard="quality-2017"),
        }
        print(f"  in-process (this process, modules already imported): {len(plan.rows)} plan rows, {len(results)} "
              f"years, best / median of {args.repeat}")
        for label, fn in figures.items():
            best, median, _ = timed(fn, args.repeat)
            print(f"    in-process, {label}: {best * 1000:.0f} ms / {median * 1000:.0f} ms")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"  load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
