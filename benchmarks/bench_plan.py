"""Plan tracking: how long progress against a plan takes (进贤县 sample: 29 items × 10 years, 4 years of data).

SYNTHETIC data (合成数据): the bundled sample.  Prints its figures; asserts nothing.

    .venv/bin/python benchmarks/bench_plan.py [--repeat 5]

* read + check plan.csv (290 rows) and the 4 county-level tables;
* metrics, statuses and projections given the evaluated years (what a briefing adds per county);
* end to end as ``junyun plan`` does it (evaluate the processed years too).

Uses the repository's ``data/processed/jinxian`` when it exists (``make run`` or ``junyun ingest``);
otherwise ingests ``data/raw/jinxian`` into a temporary data folder (the repository is not written).  The
reading and end-to-end figures use a fresh ``Workspace`` per run, since a workspace caches what it has read
and evaluated.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import timed  # noqa: E402
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
    data, scratch = REPO / "data", None
    paths = sorted((data / "processed" / "jinxian").glob("*.parquet"))
    if not paths:                          # ingest into a scratch copy: the repository's data/ stays as it is
        scratch = Path(tempfile.mkdtemp(prefix="junyun-bench-plan-"))
        data = scratch / "data"
        shutil.copytree(REPO / "data" / "raw" / "jinxian", data / "raw" / "jinxian")
        paths = Workspace(data).ingest(sorted((data / "raw" / "jinxian").glob("schools_*.xlsx")))
    try:
        ws = Workspace(data)
        evaluation = evaluate(read_table(paths), "quality-2017", counties=ws.counties())
        results = {y: evaluation.county(c, y) for c, y in evaluation.county_years()}
        plan, values = ws.plan(COUNTY), ws.county_values(COUNTY)
        figures = {
            "read + check plan.csv and 4 county-level tables": lambda: _plan_and_values(data),
            "metrics + statuses + projections (results given)": lambda: plan_progress(plan, results, values),
            "end to end (junyun plan: evaluate 4 years too)":
                lambda: Workspace(data).progress(COUNTY, standard="quality-2017"),
        }
        print(f"plan tracking benchmark — SYNTHETIC data (合成数据), {COUNTY}: {len(plan.rows)} plan rows, "
              f"{len(results)} years, best / median of {args.repeat}")
        for label, fn in figures.items():
            best, median, _ = timed(fn, args.repeat)
            print(f"  {label}: {best * 1000:.0f} ms / {median * 1000:.0f} ms")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0

if __name__ == "__main__":
    sys.exit(main())
