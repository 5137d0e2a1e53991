"""The roadmap and the optimiser: how long ``junyun roadmap`` of a 300-school county over 6 years takes, and what
the heuristic costs against SCIP's optimum (SYNTHETIC data, 合成数据).  Prints its figures; asserts nothing.

    .venv/bin/python benchmarks/bench_roadmap.py                    # both parts
    .venv/bin/python benchmarks/bench_roadmap.py --part roadmap     # the 300-school roadmap only
    .venv/bin/python benchmarks/bench_roadmap.py --part ratios --quick

* **roadmap** — a 300-school county (the 进贤县 and 石柱县 samples' 2023 and 2024 tables as one county, 307
  schools, 合成县300), roadmap from 2024 to 2030 (six years: projected enrolment, teacher moves, additions),
  no budget, solver time limit ``--time-limit`` (10 s).

  - whole command: the county's two years written as CSV files into a temporary data folder
    (``<tmp>/data/raw/hechengxian300/schools_<year>.csv``, no ``county.toml``) and ingested there, then
    ``junyun roadmap 合成县300 --target-year 2030 --time-limit <limit> --data-dir <tmp>/data --out <tmp>/outputs``
    as a user types it, in a fresh process (the venv's ``junyun`` script; working folder a temporary folder
    outside the repository), after one untimed warm-up run; ``--repeat`` times, best and median wall seconds and
    peak RSS (MB), beside its start-up baseline timed the same way, run for run: a fresh Python that only imports
    the modules the command loads (benchmarks/_timing.py ``whole_command``).  The roadmap's cost the command
    wrote (``<tmp>/outputs/plans/hechengxian300-roadmap.json``) is printed beside the in-process one;
  - in-process (this process): ``build_roadmap`` end to end and the solve's share, the certificate (proven
    optimal, or the gap at the limit), the roadmap's cost against the heuristic schedule it was warm-started
    with and against "lift every school to the standard now".
* **ratios** — the one-year heuristic (:func:`junyun_lib.planning.cheapest.cheapest_path`) against SCIP's plan
  (:func:`junyun_lib.planning.optimiser.optimal_path`): the four sample counties 2021–2024; the same 2024
  tables with limits tightened to 0.30 / 0.27 (where the CV step does real work); synthetic 30-school counties
  with 40% 九年一贯制 schools.  ``--quick``: 2024 only and two synthetic counties.  Its seconds are in-process
  (``optimal_path`` on an evaluated table; no command plans a table outside a data folder).

The load average is printed before and after (2 shared cores: a busy machine slows every line).
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import load_average, loop_ms, whole_command, whole_command_lines  # noqa: E402
from junyun_lib.evaluation.evaluate import evaluate  # noqa: E402
from junyun_lib.io.reader import read_schools  # noqa: E402
from junyun_lib.io.sample import generate  # noqa: E402
from junyun_lib.planning import roadmap as roadmap_module  # noqa: E402
from junyun_lib.planning.optimiser import optimal_path, solver_name  # noqa: E402
from junyun_lib.planning.roadmap import STEERED, build_roadmap  # noqa: E402
from junyun_lib.rules import CountyConfig, schema  # noqa: E402
from junyun_lib.workspace import Workspace  # noqa: E402

SLUGS = ("jinxian", "xiangning", "shicheng", "shizhu")
BIG = "合成县300"
BIG_SLUG = "hechengxian300"       # its raw folder in the whole command's data folder
TARGET = 2030


def _header() -> None:
    import pyscipopt

    print(f"machine: {platform.processor() or platform.machine()}, {__import__('os').cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {solver_name()}, PySCIPOpt {pyscipopt.__version__}; a loop of "
          f"10⁶ additions {loop_ms():.0f} ms; load average {load_average()} before")


# -------------------------------------------------------------------------------------------- roadmap
def big_county() -> pd.DataFrame:
    """307 schools: the 进贤县 and 石柱县 samples' 2023 and 2024 rows as one county (synthetic)."""
    pieces = []
    for slug in ("jinxian", "shizhu"):
        for year in (2023, 2024):
            frame = generate(slug, year)
            frame["县区"] = BIG
            pieces.append(frame)
    frame = pd.concat(pieces, ignore_index=True)
    return frame


def big_plan() -> pd.DataFrame:
    """合成县300's plan: the resource-allocation targets the roadmap steers for (``indicator_share``,
    ``school_rule_share``, ``max_cv``) of the 进贤县 sample plan, 2025–2030, as a plan of its own (synthetic), so
    that the roadmap solves twice — the least cost to pass, and with the plan's interim targets."""
    plan = pd.read_csv(REPO / "data" / "raw" / "jinxian" / "plan.csv", dtype=str, keep_default_na=False)
    steered = plan["metric"].str.split(":").str[0].isin(STEERED) & plan["year"].astype(int).between(2025, TARGET)
    plan = plan[steered].copy()
    plan["source"] = "合成数据：取进贤县示例推进计划的资源配置年度目标 (synthetic: the 进贤县 sample plan's targets)"
    return plan


def write_big_county(data: Path) -> list[Path]:
    """合成县300 as a data folder the command reads: one CSV per year (canonical Chinese headers), a county.toml
    (national rules, target year 2030) and the plan of :func:`big_plan`, in ``<data>/raw/hechengxian300/``,
    ingested there."""
    frame, folder = big_county(), data / "raw" / BIG_SLUG
    folder.mkdir(parents=True)
    (folder / "county.toml").write_text(f'name = "{BIG}"\nslug = "{BIG_SLUG}"\nplan_target_year = {TARGET}\n'
                                        f'plan = "合成县300推进计划（合成数据）"\n', encoding="utf-8")
    big_plan().to_csv(folder / "plan.csv", index=False, encoding="utf-8")
    files = []
    for year, rows in frame.groupby("统计年度", sort=True):
        files.append(folder / f"schools_{year}.csv")
        rows.to_csv(files[-1], index=False, encoding="utf-8")
    return Workspace(data).ingest(files)


def bench_command(data: Path, scratch: Path, time_limit: float, repeat: int) -> float:
    """``junyun roadmap 合成县300 --save`` in fresh processes beside its start-up baseline; prints both certificates
    the command wrote and the target; returns the cost it wrote (万元)."""
    work, outputs = scratch / "work", scratch / "outputs"
    work.mkdir()
    command = ["roadmap", BIG, "--target-year", TARGET, "--time-limit", f"{time_limit:g}", "--save", "--data-dir",
               data, "--out", outputs]
    print(f"\nroadmap: {BIG} (2 data years), 2024 → {TARGET}, its plan's {len(big_plan())} interim target rows, moves on, "
          f"no budget, solver limit {time_limit:g} s per solve")
    print(f"  whole command: junyun roadmap {BIG} --target-year {TARGET} --time-limit {time_limit:g} --save "
          f"--data-dir <tmp>/data --out <tmp>/outputs (working folder <tmp>/work), best / median of {repeat}")
    measured = whole_command(command, work, repeat, scratch)
    for line in whole_command_lines(f"junyun roadmap {BIG}", measured):
        print(line)
    median = statistics.median(w for w, _ in measured["runs"])
    print(f"  target: the whole command ≤ 10 s (300 schools × 6 years, start-up included): median {median:.2f} s → "
          f"{'PASS' if median <= 10 else 'MISS'}")
    doc = json.loads((outputs / "plans" / f"{BIG_SLUG}-roadmap.json").read_text(encoding="utf-8"))
    for key, label in (("pass_cost", "least cost to pass"), ("with_targets", "with the plan's interim targets")):
        cost = doc.get(key) or {}
        print(f"  certificate, {label}: {cost.get('cost_wan', float('nan')):,.1f} 万元, bound "
              f"{cost.get('lower_bound_wan') if cost.get('lower_bound_wan') is not None else '—'}, gap "
              f"{_pct(cost.get('gap'))}, proven least {cost.get('proven_least')} — {cost.get('text_zh', '')}")
    print(f"  first year passing {doc.get('first_pass_year')}; interim targets missed {len(doc.get('missed_targets') or [])}; "
          f"verified {doc.get('verified')}")
    return float(doc["total_cost_wan"])


def bench_roadmap(time_limit: float, repeat: int) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="junyun-bench-roadmap-"))
    try:
        data = scratch / "data"
        write_big_county(data)
        command_cost = bench_command(data, scratch, time_limit, repeat)
        ws = Workspace(data)
        ev, plan = ws.evaluation(BIG), ws.plan(BIG)
        _bench_in_process(ev, plan, time_limit, command_cost)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _bench_in_process(ev, plan, time_limit: float, command_cost: float) -> None:
    schools = ev.schools[ev.schools["year"] == 2024]["school_id"].nunique()
    timings = {}
    original = roadmap_module.solve_states

    def timed_solve(*args, **kwargs):
        start = time.perf_counter()
        out = original(*args, **kwargs)
        timings.setdefault("solves", []).append(time.perf_counter() - start)
        return out

    roadmap_module.solve_states = timed_solve
    try:
        start = time.perf_counter()
        rm = build_roadmap(ev, BIG, target_year=TARGET, time_limit=time_limit, plan=plan)
        total = time.perf_counter() - start
    finally:
        roadmap_module.solve_states = original
    cert = rm.certificate
    solve = sum(timings.get("solves", []))
    warm_cost = _warm_cost(ev, plan, time_limit, moves=True)
    bare_cost = _warm_cost(ev, plan, time_limit, moves=False)
    print(f"  in-process ({schools} schools; build_roadmap, one run): end to end {total:.1f} s, of which the program "
          f"{solve:.1f} s ({len(timings.get('solves', []))} solve(s): building {cert.build_seconds:.1f} s, SCIP "
          f"{cert.seconds:.1f} s); status {cert.status}, gap {_pct(cert.gap)}, dual bound "
          f"{cert.dual_bound if cert.dual_bound is not None else '—'}, nodes {cert.nodes}")
    print(f"  roadmap {rm.total_cost:,.1f} 万元 in-process ({command_cost:,.1f} 万元 by the command); heuristic (greedy "
          f"moves + cheapest path, the warm start) {warm_cost:,.1f} 万元 ({warm_cost / rm.total_cost:.3f}); heuristic "
          f"without moves {bare_cost:,.1f} 万元 "
          f"({bare_cost / rm.total_cost:.3f}); lift every school now {rm.naive_cost:,.1f} 万元 "
          f"(naive / roadmap {rm.naive_cost / rm.total_cost:.3f}), the same on 2030's projected schools "
          f"{rm.naive_target_cost:,.1f} 万元 ({rm.naive_target_cost / rm.total_cost:.3f}); teachers moved "
          f"{int(rm.years_table['teachers_moved'].sum())}; verified {rm.verified}, target year passes {rm.feasible}")
    for label, c in (("least cost to pass", rm.pass_certificate), ("with the plan's interim targets",
                                                                   rm.targets_certificate)):
        print(f"  in-process certificate, {label}: {c.text_zh() if c is not None else '—'}")


def _warm_cost(ev, plan, time_limit, moves: bool) -> float:
    rm = build_roadmap(ev, BIG, target_year=TARGET, time_limit=time_limit, use_solver=False, moves=moves,
                       plan=plan)
    return rm.total_cost


def _pct(gap) -> str:
    return "—" if gap is None else f"{gap:.2%}"


# --------------------------------------------------------------------------------------------- ratios
def tighter(name: str) -> dict:
    return {name: CountyConfig(name=name, slug="tight", overrides={"quality-2017": {"cv_limit": {
        "primary": 0.30, "junior": 0.27, "source": "benchmark: limits tightened to 0.30 / 0.27"}}},
        source="benchmark")}


def mixed_county(seed: int, n: int = 30) -> pd.DataFrame:
    """A synthetic county of ``n`` schools, 40% 九年一贯制, quantities around the standards (×0.55–1.5)."""
    rng = np.random.default_rng(seed)
    required = [c.field for c in schema.columns() if c.required == "required"]
    std = {"primary": (4.2, 1.0, 0.9), "junior": (5.3, 1.0, 0.9)}
    rows = []
    for i in range(n):
        kind = rng.choice(["九年一贯制学校", "小学", "初级中学"], p=[0.4, 0.4, 0.2])
        a = int(rng.integers(150, 1500)) if kind != "初级中学" else 0
        b = int(rng.integers(150, 1200)) if kind != "小学" else 0
        row = {f: 0 for f in required}
        row.update(school_id=f"X{seed}{i:03d}", school_name=f"合成学校{i}", county=f"合成混合县{seed}", year=2024,
                   school_type=kind, urban_rural=rng.choice(["城区", "镇区", "乡村"]), ownership="公办",
                   built_year=2015, students_primary=a, students_junior=b, students_senior=0)
        for stage, count in (("primary", a), ("junior", b)):
            if count <= 0:
                continue
            classes = math.ceil(count / 40)
            row[f"classes_{stage}"], row[f"max_class_{stage}"] = classes, math.ceil(count / classes)
            for stem, s in zip(("teachers_above_degree", "key_teachers", "pe_art_teachers"), std[stage]):
                row[f"{stem}_{stage}"] = int(round(s * count / 100 * rng.uniform(0.55, 1.5)))
        weight = a + 1.1 * b
        row["teaching_aux_area_m2"] = round(5.2 * weight * rng.uniform(0.55, 1.5), 1)
        row["sports_area_m2"] = round(8.8 * weight * rng.uniform(0.55, 1.5), 1)
        row["equipment_value_yuan"] = round(2300 * weight * rng.uniform(0.55, 1.5), -2)
        row["multimedia_classrooms"] = int(round(2.4 * weight / 100 * rng.uniform(0.55, 1.5)))
        row.update(music_rooms=1, music_room_min_area_m2=96, art_rooms=1, art_room_min_area_m2=90)
        rows.append(row)
    return pd.DataFrame(rows)


def bench_ratios(time_limit: float, quick: bool) -> None:
    counties = Workspace(REPO / "data").counties()
    cases = []
    years = (2024,) if quick else (2021, 2022, 2023, 2024)
    for slug in SLUGS:
        for year in years:
            rows = generate(slug, year)
            cases.append((f"{rows['县区'].iloc[0]} {year}", rows, counties))
    for slug in SLUGS:
        rows = generate(slug, 2024)
        cases.append((f"{rows['县区'].iloc[0]} 2024, limits 0.30/0.27", rows, tighter(rows["县区"].iloc[0])))
    for seed in range(2 if quick else 6):
        cases.append((f"合成混合县{seed} (30 schools, 40% 九年一贯制)", mixed_county(seed), {}))
    print(f"\none-year plans: heuristic vs SCIP (limit {time_limit:g} s per solve; seconds of optimal_path in-process)")
    print(f"  {'case':44s} {'heuristic':>11s} {'SCIP':>11s} {'heur/SCIP':>9s} {'status':>8s} {'gap':>7s} "
          f"{'in-process s':>12s}")
    ratios = {}
    for label, rows, cfg in cases:
        ev = evaluate(read_schools(rows), counties=cfg)
        start = time.perf_counter()
        plan = optimal_path(ev, time_limit=time_limit, verify_naive=False)
        seconds = time.perf_counter() - start
        h, o = plan.heuristic_cost, plan.total_cost
        ratio = h / o if o > 0 else 1.0
        group = "sample" if "limits" not in label and "混合" not in label else \
            ("tight" if "limits" in label else "mixed")
        ratios.setdefault(group, []).append(ratio)
        print(f"  {label:44s} {h:11,.1f} {o:11,.1f} {ratio:9.4f} {plan.certificate.status:>8s} "
              f"{_pct(plan.certificate.gap):>7s} {seconds:12.1f}", flush=True)
    for group, values in ratios.items():
        low, high, mid = (max(0.0, x - 1) for x in (min(values), max(values), float(np.median(values))))
        print(f"  {group}: heuristic costs {low:.2%} to {high:.2%} more than the solver's plan "
              f"(median {mid:.2%}, {len(values)} cases)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", choices=["roadmap", "ratios", "both"], default="both")
    ap.add_argument("--time-limit", type=float, default=10.0, help="solver limit of the roadmap (s)")
    ap.add_argument("--ratio-time-limit", type=float, default=120.0, help="solver limit per one-year plan (s)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the whole roadmap command and its baseline")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    print("roadmap / optimiser benchmark — SYNTHETIC data (合成数据)")
    _header()
    if args.part in ("roadmap", "both"):
        bench_roadmap(args.time_limit, args.repeat)
    if args.part in ("ratios", "both"):
        bench_ratios(args.ratio_time_limit, args.quick)
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
