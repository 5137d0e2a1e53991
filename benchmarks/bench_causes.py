"""Gap causes and the cheapest path: how long ``junyun cheapest`` takes per county, and the causes and the
heuristic in-process (SYNTHETIC sample data, 合成数据).

    .venv/bin/python benchmarks/bench_causes.py [--repeat 3] [--counties jinxian shizhu]

Per sample county (2024):

* **whole command** — as a user types it, in a fresh process (the venv's ``junyun`` script; working folder a
  temporary folder outside the repository), after one untimed warm-up run: ``junyun cheapest <county> --year 2024
  --data-dir <tmp>/data --out <tmp>/outputs`` (evaluates the county's processed years, then SCIP's plan with its
  certificate, the command's default, solver limit 20 s), and the same with ``--no-solver`` (the heuristic of the
  in-process lines, with its re-evaluation).  The data folder is a temporary copy of the sample's raw files,
  ingested there (every year, as ``junyun ingest`` does; the repository's ``data/`` is only read).  ``--repeat``
  times each, best and median wall seconds and peak RSS (MB), each beside its start-up baseline timed the same
  way, run for run: a fresh Python that only imports the modules the command loads (benchmarks/_timing.py
  ``whole_command``);
* **in-process** (this process, second lines; the 2024 table read from ``data/raw``) — the decomposition of all
  14 CVs (contributions, leave-one-out, 城乡 within/between, Theil, Gini, McLoone, P95−P5) one indicator at a time
  as the explorer does it; the heuristic cheapest path (model, both steps, one re-evaluation as in a briefing)
  and with the naive plan re-evaluated too; and the plan cost against the naive plan.

The load average is printed before and after (2 shared cores: a busy machine slows every line).  Prints its
figures; asserts nothing.  The national JSON (causes for every county, vectorised) is timed by bench_national.py.
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
from junyun_lib.evaluation.causes import indicator_causes  # noqa: E402
from junyun_lib.evaluation.evaluate import evaluate  # noqa: E402
from junyun_lib.io.processed import read_table  # noqa: E402
from junyun_lib.planning.cheapest import cheapest_path  # noqa: E402
from junyun_lib.workspace import Workspace  # noqa: E402

YEAR = 2024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--counties", nargs="+", choices=SLUGS, default=list(SLUGS), metavar="SLUG",
                    help=f"sample counties to time (default all: {' '.join(SLUGS)})")
    args = ap.parse_args(argv)
    counties = Workspace(REPO / "data").counties()      # the sample counties' configurations (overrides)
    print(f"gap causes benchmark — SYNTHETIC data (合成数据), {YEAR}; {os.cpu_count()} CPUs; load average "
          f"{load_average()} before; a loop of 10⁶ additions {loop_ms():.0f} ms; best / median of {args.repeat}")
    scratch = Path(tempfile.mkdtemp(prefix="junyun-bench-causes-"))
    data, work = scratch / "data", scratch / "work"
    work.mkdir()
    try:
        for slug in args.counties:       # the files must lie inside the data folder to be ingested
            shutil.copytree(REPO / "data" / "raw" / slug, data / "raw" / slug)
            Workspace(data).ingest(sorted((data / "raw" / slug).glob("schools_*.xlsx")))
        print(f"  whole command: junyun cheapest <county> --year {YEAR} --data-dir <tmp>/data --out <tmp>/outputs "
              "[--no-solver] (working folder <tmp>/work)")
        for slug in args.counties:
            ev = evaluate(read_table(REPO / "data" / "raw" / slug / f"schools_{YEAR}.xlsx"), counties=counties)
            r = ev.county()
            print(f"  {r.county} ({len(r.parts)} school parts):")
            command = ["cheapest", r.county, "--year", YEAR, "--data-dir", data, "--out", scratch / "outputs"]
            for label, extra in (("junyun cheapest (SCIP, the default)", []),
                                 ("junyun cheapest --no-solver (the heuristic)", ["--no-solver"])):
                for line in whole_command_lines(label, whole_command(command + extra, work, args.repeat, scratch)):
                    print(line)
            codes = r.standard.codes
            dec = timed(lambda: [indicator_causes(r, s, c) for s in ("primary", "junior") for c in codes],
                        args.repeat)
            brief = timed(lambda: cheapest_path(ev, verify_naive=False), args.repeat)
            full = timed(lambda: cheapest_path(ev), args.repeat)
            plan = full[2]
            print(f"    in-process, 14 decompositions: {dec[0]:.2f} / {dec[1]:.2f} s; in-process, cheapest path "
                  f"(heuristic) {brief[0]:.2f} / {brief[1]:.2f} s (with naive re-evaluated {full[0]:.2f} / "
                  f"{full[1]:.2f} s); plan {plan.total_cost:,.1f} 万元 vs naive {plan.naive_cost:,.1f} 万元 "
                  f"({plan.total_cost / plan.naive_cost:.0%}); verified {plan.verified}; "
                  f"{len(plan.additions)} additions in {plan.additions['school_id'].nunique()} schools")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"  load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
