"""The scorecard: how long ``junyun evaluate`` of one county-year takes with its evaluation form (SYNTHETIC sample
data, 合成数据).

    .venv/bin/python benchmarks/bench_scorecard.py [--repeat 3] [--counties jinxian shizhu]

The sample's raw files are copied into a temporary data folder and ingested there (every year, as
``junyun ingest`` does; the repository's ``data/`` is only read).  Per sample county (2024):

* **whole command** — as a user types it, in a fresh process (the venv's ``junyun`` script; working folder a
  temporary folder outside the repository), after one untimed warm-up run: ``junyun evaluate
  <tmp>/data/processed/<slug>/2024.parquet --data-dir <tmp>/data --out <tmp>/outputs`` (the evaluation and its
  summary text, no scorecard), and the same ``--json <tmp>/work/<slug>-2024.json``, which adds the scorecard (the
  command builds it only for a file it writes: the county-level table, the application prerequisite — the three
  earlier years evaluated under basic-2012 — and the form) and writes the JSON.  ``--repeat`` times each, best and
  median wall seconds and peak RSS (MB), each beside its start-up baseline timed the same way, run for run: a
  fresh Python that only imports the modules the command loads (benchmarks/_timing.py ``whole_command``);
* **in-process** (this process, second lines) — the form alone from an evaluated result and its county-level
  table, and ``Workspace(data).scorecard_for(result)`` with the county table read and the prerequisite (a fresh
  ``Workspace`` per run, since a workspace caches its evaluations).

The load average is printed before and after (2 shared cores: a busy machine slows every line).  Prints its
figures; asserts nothing.
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

from _timing import SAMPLE_SLUGS as SLUGS  # noqa: E402
from _timing import load_average, loop_ms, timed, whole_command, whole_command_lines  # noqa: E402
from junyun_lib.evaluation.evaluate import evaluate  # noqa: E402
from junyun_lib.evaluation.scorecard import scorecard  # noqa: E402
from junyun_lib.io.processed import read_table  # noqa: E402
from junyun_lib.workspace import Workspace  # noqa: E402

YEAR = 2024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--counties", nargs="+", choices=SLUGS, default=list(SLUGS), metavar="SLUG",
                    help=f"sample counties to time (default all: {' '.join(SLUGS)})")
    args = ap.parse_args(argv)
    print(f"scorecard benchmark — SYNTHETIC data (合成数据), {YEAR}; {os.cpu_count()} CPUs; load average "
          f"{load_average()} before; a loop of 10⁶ additions {loop_ms():.0f} ms; best / median of {args.repeat}")
    scratch = Path(tempfile.mkdtemp(prefix="junyun-bench-card-"))
    data, work, outputs = scratch / "data", scratch / "work", scratch / "outputs"
    work.mkdir()
    try:
        for slug in SLUGS:           # the files must lie inside the data folder to be ingested
            shutil.copytree(REPO / "data" / "raw" / slug, data / "raw" / slug)
            Workspace(data).ingest(sorted((data / "raw" / slug).glob("schools_*.xlsx")))
        ws = Workspace(data)
        print("  whole command: junyun evaluate <tmp>/data/processed/<slug>/2024.parquet --data-dir <tmp>/data "
              "--out <tmp>/outputs [--json <tmp>/work/<slug>-2024.json] (working folder <tmp>/work)")
        for slug in args.counties:
            processed = data / "processed" / slug / f"{YEAR}.parquet"
            ev = evaluate(read_table(processed), counties=ws.counties())
            r = ev.county()
            values = ws.county_values(r.county)[YEAR]
            plain = ["evaluate", processed, "--data-dir", data, "--out", outputs]
            with_card = plain + ["--json", work / f"{slug}-{YEAR}.json"]
            print(f"  {r.county}:")
            for label, command in ((f"junyun evaluate {slug}/{YEAR}.parquet (no scorecard)", plain),
                                   (f"junyun evaluate {slug}/{YEAR}.parquet --json (with the scorecard)", with_card)):
                for line in whole_command_lines(label, whole_command(command, work, args.repeat, scratch)):
                    print(line)
            form = timed(lambda: scorecard(r, values, {}), args.repeat)[:2]
            full = timed(lambda: Workspace(data).scorecard_for(r), args.repeat)[:2]
            card = ws.scorecard_for(r)
            print(f"    in-process, the form alone: {form[0] * 1000:.0f} / {form[1] * 1000:.0f} ms; in-process, with "
                  f"county table read and prerequisite (3 years under basic-2012): {full[0]:.2f} / {full[1]:.2f} s; "
                  f"overall {card.overall}, prerequisite {card.prerequisite['passes']}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"  load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
