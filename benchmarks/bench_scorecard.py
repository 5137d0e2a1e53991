"""The scorecard: how long one county-year's evaluation form takes (SYNTHETIC sample data, 合成数据).

    .venv/bin/python benchmarks/bench_scorecard.py [--repeat 3]

Per sample county (2024): the form from an evaluated result and its county-level table, and with the
application prerequisite (evaluating the three earlier years under basic-2012, which dominates; a fresh
``Workspace`` per run, since a workspace caches its evaluations).  Copies the sample's raw files into a
temporary data folder and ingests them there.  Prints its figures; asserts nothing.
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

from _timing import SAMPLE_SLUGS as SLUGS, timed  # noqa: E402
from junyun_lib.evaluation.evaluate import evaluate  # noqa: E402
from junyun_lib.evaluation.scorecard import scorecard  # noqa: E402
from junyun_lib.io.processed import read_table  # noqa: E402
from junyun_lib.workspace import Workspace  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    data = Path(tempfile.mkdtemp(prefix="junyun-bench-card-")) / "data"
    try:
        for slug in SLUGS:           # the files must lie inside the data folder to be ingested
            shutil.copytree(REPO / "data" / "raw" / slug, data / "raw" / slug)
            Workspace(data).ingest(sorted((data / "raw" / slug).glob("schools_*.xlsx")))
        ws = Workspace(data)
        print(f"scorecard benchmark — SYNTHETIC data (合成数据), 2024, best / median of {args.repeat}")
        for slug in SLUGS:
            ev = evaluate(read_table(data / "processed" / slug / "2024.parquet"), counties=ws.counties())
            r = ev.county()
            values = ws.county_values(r.county)[2024]
            form = timed(lambda: scorecard(r, values, {}), args.repeat)[:2]
            full = timed(lambda: Workspace(data).scorecard_for(r), args.repeat)[:2]
            card = ws.scorecard_for(r)
            print(f"  {r.county}: form {form[0] * 1000:.0f} / {form[1] * 1000:.0f} ms; with county table read and "
                  f"prerequisite (3 years under basic-2012) {full[0]:.2f} / {full[1]:.2f} s; overall {card.overall}, "
                  f"prerequisite {card.prerequisite['passes']}")
    finally:
        shutil.rmtree(data.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
