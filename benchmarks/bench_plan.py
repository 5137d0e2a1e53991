"""Plan tracking: how long progress against a plan takes (进贤县 sample: 29 items × 10 years, 4 years of data).

SYNTHETIC data (合成数据): the bundled sample.  Prints its figures; asserts nothing.

    .venv/bin/python benchmarks/bench_plan.py [--repeat 5]

* read + check plan.csv (290 rows) and the 4 county-level tables;
* metrics, statuses and projections given the evaluated years (what a briefing adds per county);
* end to end as ``junyun plan`` does it (evaluate the processed years too).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import timed  # noqa: E402
from junyun_lib.county_table import load_county_values  # noqa: E402
from junyun_lib.evaluate import evaluate  # noqa: E402
from junyun_lib.plan import load_plan  # noqa: E402
from junyun_lib.processed import ingest, open_table  # noqa: E402
from junyun_lib.progress import county_progress, plan_progress  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    data = REPO / "data"
    paths = sorted((data / "processed" / "jinxian").glob("*.parquet"))
    if not paths:
        paths = ingest(sorted((data / "raw" / "jinxian").glob("schools_*.xlsx")), data_dir=data)
    evaluation = evaluate(open_table(paths), "quality-2017", data_dir=data)
    results = {y: evaluation.county(c, y) for c, y in evaluation.county_years()}
    plan, values = load_plan(data, "jinxian", "进贤县"), load_county_values(data, "jinxian", "进贤县")
    figures = {
        "read + check plan.csv and 4 county-level tables": lambda: (load_plan(data, "jinxian", "进贤县"),
                                                                    load_county_values(data, "jinxian", "进贤县")),
        "metrics + statuses + projections (results given)": lambda: plan_progress(plan, results, values),
        "end to end (junyun plan: evaluate 4 years too)": lambda: county_progress("进贤县", data),
    }
    print(f"plan tracking benchmark — SYNTHETIC data (合成数据), 进贤县: {len(plan.rows)} plan rows, "
          f"{len(results)} years, best / median of {args.repeat}")
    for label, fn in figures.items():
        best, median, _ = timed(fn, args.repeat)
        print(f"  {label}: {best * 1000:.0f} ms / {median * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
