"""The explorer's edit: how long from "添加" to the updated chart for a 300-school county, IN-PROCESS (SYNTHETIC
data, 合成数据).

    .venv/bin/python benchmarks/bench_explorer.py [--edits 20]

Every figure is in-process: the explorer is an ipywidgets page in a notebook kernel, not a command, so there is
no command to time in a fresh process; an edit runs inside the kernel that already holds the county, which this
process stands in for (the modules imported and the county evaluated before the timing starts).  The printed
lines say "in-process"; the load average is printed before and after (2 shared cores: a busy machine slows
every line).

The county is 合成县300: the 进贤县, 石柱县 and 乡宁县 samples' 2024 rows as one county (365 school rows, 314
schools in scope with 345 school parts).  Each edit adds a random amount of a random indicator to a random school part,
as the explorer's 添加 button does, and is timed both ways:

* **incremental** (today's explorer): ``Scenario.add`` re-evaluates the school and the CVs it changes
  (``IncrementalCounty``); the chart moves its marks (``LiveDistribution.update``) and is encoded as PNG;
* **full** (the explorer before issue 17): the county-year re-evaluated from its raw rows plus the additions
  (``evaluate_with_additions``); the chart built afresh and encoded (``distribution_chart`` + PNG).

"Computing" is the evaluation alone; "until the chart" adds what the explorer shows after an edit (the
ranking of contributions, the CV table, the chart).  Every incremental result is checked equal to the full
one (all tables, exactly) while timing.  Prints median and best per edit; asserts nothing.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _timing import load_average, loop_ms  # noqa: E402
from junyun_lib.io.sample import generate  # noqa: E402
from junyun_lib.evaluation.causes import indicator_causes  # noqa: E402
from junyun_lib.evaluation.evaluate import evaluate  # noqa: E402
from junyun_lib.planning.cheapest import evaluate_with_additions  # noqa: E402
from junyun_lib.planning.scenario import Scenario  # noqa: E402
from junyun_lib.report import charts  # noqa: E402

TABLES = ("parts", "indicators", "stages", "gaps")
BIG = "合成县300"


def county_of_300() -> pd.DataFrame:
    """314 schools in scope: three samples' 2024 rows as one county (synthetic; school ids stay unique)."""
    pieces = []
    for slug in ("jinxian", "shizhu", "xiangning"):
        frame = generate(slug, 2024)
        frame["县区"] = BIG
        pieces.append(frame)
    return pd.concat(pieces, ignore_index=True)


def _clock(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _shown(scenario, result, stage, code) -> None:
    """What the explorer recomputes for the page after an edit, besides the chart."""
    indicator_causes(result, stage, code)
    scenario.summary()
    scenario.cv_table().to_html(index=False, escape=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edits", type=int, default=20, help="random edits (default 20)")
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args(argv)
    load_before = load_average()
    charts.set_style()
    evaluation = evaluate(county_of_300())
    scenario = Scenario(evaluation, BIG, 2024)
    parts = scenario.before.parts
    schools = parts["school_id"].nunique()
    print(f"explorer edit benchmark — SYNTHETIC data (合成数据): {BIG} 2024, {schools} schools, {len(parts)} school "
          f"parts; {args.edits} random edits; machine {platform.machine()}, {__import__('os').cpu_count()} CPUs, "
          f"Python {platform.python_version()}; a plain loop of 10⁶ additions {loop_ms():.0f} ms; load average "
          f"{load_before} before; every figure in-process (an explorer edit, in this process: no command)")
    rng = np.random.default_rng(args.seed)
    stage, code = "primary", "key_teachers"
    live = charts.LiveDistribution(scenario.before, stage, code)
    times = {k: [] for k in ("inc_compute", "inc_total", "full_compute", "full_total")}
    for _ in range(args.edits):
        part = parts.iloc[rng.integers(len(parts))]
        ind = scenario.before.standard.indicators[rng.integers(len(scenario.before.standard.indicators))]
        amount = float(rng.integers(1, 4)) if ind.shortfall_unit_zh in ("人", "间") else round(rng.uniform(10, 5000), 2)
        start = time.perf_counter()
        scenario.add(part["school_id"], ind.code, amount, stage=part["part"])
        result = scenario.result
        times["inc_compute"].append(time.perf_counter() - start)
        _shown(scenario, result, stage, code)
        live.update(result)
        live.png()
        times["inc_total"].append(time.perf_counter() - start)
        full_compute, full = _clock(lambda: evaluate_with_additions(evaluation, BIG, 2024, scenario.additions))
        shown, _ = _clock(lambda: _shown(scenario, full, stage, code))
        chart, _ = _clock(lambda: charts.figure_to_png_bytes(charts.distribution_chart(full, stage, code)))
        times["full_compute"].append(full_compute)
        times["full_total"].append(full_compute + shown + chart)
        for name in TABLES:
            pd.testing.assert_frame_equal(getattr(result, name), getattr(full, name), check_exact=True)

    def ms(key):
        return f"{statistics.median(times[key]) * 1000:7.1f} ms (best {min(times[key]) * 1000:6.1f})"

    print(f"  in-process, computing     incremental {ms('inc_compute')}   full {ms('full_compute')}   "
          f"ratio {statistics.median(times['full_compute']) / statistics.median(times['inc_compute']):.1f}×")
    print(f"  in-process, until chart   incremental {ms('inc_total')}   full {ms('full_total')}   "
          f"ratio {statistics.median(times['full_total']) / statistics.median(times['inc_total']):.1f}×")
    print(f"  chart laid out again {live.full_draws - 1} of {args.edits} times (an edit beyond the x range); "
          f"every incremental result equal to the full re-evaluation")
    print("  target: computing ≤ 50 ms per edit for a 300-school county (in-process)")
    print(f"  load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
