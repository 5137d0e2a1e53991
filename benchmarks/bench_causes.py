"""Gap causes and the cheapest path: how long they take per county (SYNTHETIC sample data, 合成数据).

    .venv/bin/python benchmarks/bench_causes.py [--repeat 3]

Per sample county (2024): the decomposition of all 14 CVs (contributions, leave-one-out, 城乡 within/between,
Theil, Gini, McLoone, P95−P5) one indicator at a time as the explorer does it; the cheapest path (model, both
steps, one re-evaluation as in a briefing) and with the naive plan re-evaluated too; and the plan cost
against the naive plan.  Prints its figures; asserts nothing.  The national JSON (causes for every county,
vectorised) is timed by bench_national.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import SAMPLE_SLUGS as SLUGS, timed  # noqa: E402
from junyun_lib.evaluation.causes import indicator_causes  # noqa: E402
from junyun_lib.evaluation.evaluate import evaluate  # noqa: E402
from junyun_lib.io.processed import read_table  # noqa: E402
from junyun_lib.planning.cheapest import cheapest_path  # noqa: E402
from junyun_lib.workspace import Workspace  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    counties = Workspace(REPO / "data").counties()      # the sample counties' configurations (overrides)
    print(f"gap causes benchmark — SYNTHETIC data (合成数据), 2024, best / median of {args.repeat}")
    for slug in SLUGS:
        ev = evaluate(read_table(REPO / "data" / "raw" / slug / "schools_2024.xlsx"), counties=counties)
        r = ev.county()
        codes = r.standard.codes
        parts = len(r.parts)
        dec = timed(lambda: [indicator_causes(r, s, c) for s in ("primary", "junior") for c in codes],
                          args.repeat)
        brief = timed(lambda: cheapest_path(ev, verify_naive=False), args.repeat)
        full = timed(lambda: cheapest_path(ev), args.repeat)
        plan = full[2]
        print(f"  {r.county} ({parts} school parts): 14 decompositions {dec[0]:.2f} / {dec[1]:.2f} s; cheapest path "
              f"{brief[0]:.2f} / {brief[1]:.2f} s (with naive re-evaluated {full[0]:.2f} / {full[1]:.2f} s); "
              f"plan {plan.total_cost:,.1f} 万元 vs naive {plan.naive_cost:,.1f} 万元 "
              f"({plan.total_cost / plan.naive_cost:.0%}); verified {plan.verified}; "
              f"{len(plan.additions)} additions in {plan.additions['school_id'].nunique()} schools")
    return 0


if __name__ == "__main__":
    sys.exit(main())
