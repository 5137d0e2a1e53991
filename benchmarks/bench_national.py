"""National-scale benchmark of junyun (全国规模性能基准) on SYNTHETIC data (合成数据).

Builds once (cached under ``benchmarks/_data/``, git-ignored) a national-scale school table: about 2,850
invented counties (合成县0001 …), one statistics year, about 300,000 school rows with every school type in
realistic proportions and values that pass the reader's validation.  Nothing in it describes a real school.

Then times, in this one process, with ``time.perf_counter`` (each measurement repeated, best and median
reported):

(a) read + validate   ``read_schools(csv)``
(b) evaluate          ``evaluate(table, "quality-2017", counties=...)`` — every county at once (vectorised)
(c) end-to-end        (a) then (b)
(d) JSON view         ``evaluation_json(evaluation)`` (``junyun_lib.report.jsonview``)
(e) cross-county table ``summary_table(evaluation)`` (``junyun_lib.report.overview``), target ≤ 0.5 s
(f) Parquet results, end to end: read, validate, evaluate, build every tidy table (scorecard of every county
    included) and write them (``junyun_lib.report.results``), target ≤ 2 s; printed with the ratio to the JSON
    path (the same read and evaluation, then ``evaluation_json`` and writing it)

plus the peak memory of one end-to-end run (measured in a fresh child process, so that building the data
and earlier runs do not count), and a baseline: a plain per-county loop (``evaluate`` on each county's rows
alone) timed on a random sample of counties and extrapolated linearly to all counties.

    python benchmarks/bench_national.py                      # 300,000 rows, 2,850 counties
    python benchmarks/bench_national.py --quick              # 20,000-row smoke run
    python benchmarks/bench_national.py --profile            # also cProfile one end-to-end run

No assertions: the script reports figures and PASS/MISS against the target; it never fails on them.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

from junyun_lib.evaluation.evaluate import evaluate  # noqa: E402
from junyun_lib.io.reader import SchoolTable, read_schools  # noqa: E402
from junyun_lib.report.jsonview import evaluation_json  # noqa: E402
from junyun_lib.report.jsonvalues import dumps  # noqa: E402
from junyun_lib.report.overview import summary_table  # noqa: E402
from junyun_lib.report.results import results_tables, write_results  # noqa: E402
from junyun_lib.rules import schema  # noqa: E402
from junyun_lib.workspace import Workspace  # noqa: E402

DATA_CACHE = HERE / "_data"
STANDARD = "quality-2017"
STAT_YEAR = 2023
TARGET_SECONDS = 3.0
TARGET_TEXT = "end-to-end ≤ 3 s on a 2-core machine"
TABLE_TARGET_SECONDS = 0.5
TABLE_TARGET_TEXT = "(e) cross-county table ≤ 0.5 s"
RESULTS_TARGET_SECONDS = 2.0
RESULTS_TARGET_TEXT = "(f) Parquet results end to end ≤ 2 s"
ISSUE_E2E_SECONDS = 1.2        # (c) as issue 17 measured it on the machine its ≤ 2 s target was set on
GENERATOR_VERSION = 2          # bump when the generator changes, so cached files are rebuilt
MIN_COUNTY_ROWS, MAX_COUNTY_ROWS = 20, 300

# ------------------------------------------------------------------------------------------------------
# Synthetic national table
# ------------------------------------------------------------------------------------------------------
# Share of school rows by type (roughly the national census mix: many 小学 and 教学点, fewer 初中 and
# 一贯制, a few 完全中学, special-education and vocational schools).
TYPE_MIX = {
    "小学": 0.52, "教学点": 0.19, "初级中学": 0.14, "九年一贯制学校": 0.09, "十二年一贯制学校": 0.006,
    "完全中学": 0.03, "特殊教育学校": 0.007, "职业学校": 0.017,
}
TYPES = list(TYPE_MIX)
PLACES = ("城区", "镇区", "乡村")
# share of each type in 城区 / 镇区 / 乡村 (as junyun_lib.io.sample)
PLACE_MIX = {
    "小学": (0.14, 0.30, 0.56), "教学点": (0.0, 0.0, 1.0), "初级中学": (0.18, 0.52, 0.30),
    "九年一贯制学校": (0.08, 0.42, 0.50), "十二年一贯制学校": (1.0, 0.0, 0.0), "完全中学": (0.4, 0.6, 0.0),
    "特殊教育学校": (1.0, 0.0, 0.0), "职业学校": (1.0, 0.0, 0.0),
}
PRIVATE_SHARE = 0.06           # 民办 among 小学 / 初级中学 / 九年一贯制 (never 乡村)
# per-section teacher quantities: (primary, junior) reference per 100 students, log spread,
# multipliers for 城区 / 镇区 / 乡村
TEACHER_SUBSETS = {
    "teachers_above_degree": ((4.4, 5.5), 0.25, (1.05, 1.0, 0.93)),
    "key_teachers": ((1.0, 1.0), 0.50, (1.45, 1.05, 0.60)),
    "pe_art_teachers": ((0.95, 0.95), 0.45, (1.25, 1.0, 0.75)),
    "mid_title_teachers": ((50 / 17, 50 / 12), 0.25, (0.95, 1.0, 1.05)),
}
TEACHERS_PER_100 = (100 / 17, 100 / 12)          # full-time teachers per 100 students, primary / junior
TEACHERS_PER_CLASS = (1.3, 2.4)
# whole-school facilities: (primary, junior) reference per student (or per 100 with scale 100), log spread,
# place multipliers, rounding (decimals; None = whole count)
FACILITIES = {
    "teaching_aux_area_m2": ((4.6, 5.9), 1, 0.28, (0.88, 0.96, 1.12), 1),
    "sports_area_m2": ((7.8, 10.5), 1, 0.35, (0.62, 0.95, 1.28), 1),
    "equipment_value_yuan": ((2100, 2600), 1, 0.22, (1.08, 1.0, 0.94), -2),
    "multimedia_classrooms": ((2.4, 2.5), 100, 0.30, (0.92, 1.0, 1.08), None),
    "computers": ((12.5, 13.5), 100, 0.30, (1.05, 1.0, 0.95), None),
    "books": ((28.0, 35.0), 1, 0.30, (1.0, 1.0, 0.95), None),
}
SPECIAL_SCHOOL_FACTOR = 2.5    # special-education schools need far more space and staff per student


def _draw(rng, n, median, sigma, low, high, scale=1.0):
    """Vectorised clip(round(median · scale · lognormal(sigma)), low, high)."""
    return np.clip(np.rint(np.asarray(median) * scale * np.exp(rng.normal(0.0, 1.0, n) * sigma)),
                   low, high).astype(np.int64)


def _county_sizes(rng, rows: int, counties: int) -> np.ndarray:
    """Rows per county between MIN_COUNTY_ROWS and MAX_COUNTY_ROWS summing exactly to ``rows``."""
    if not MIN_COUNTY_ROWS * counties <= rows <= MAX_COUNTY_ROWS * counties:
        raise SystemExit(f"--rows {rows} cannot be split into {counties} counties of "
                         f"{MIN_COUNTY_ROWS}–{MAX_COUNTY_ROWS} rows; change --rows or --counties")
    raw = rng.lognormal(0.0, 0.55, counties)
    sizes = np.clip(np.rint(raw / raw.mean() * rows / counties), MIN_COUNTY_ROWS, MAX_COUNTY_ROWS).astype(np.int64)
    while (diff := rows - int(sizes.sum())) != 0:   # settle the rounding and clipping, one row at a time
        room = sizes < MAX_COUNTY_ROWS if diff > 0 else sizes > MIN_COUNTY_ROWS
        pick = rng.choice(np.flatnonzero(room), size=min(abs(diff), int(room.sum())), replace=False)
        sizes[pick] += 1 if diff > 0 else -1
    return sizes


def build_table(rows: int, counties: int, seed: int, warn_share: float) -> pa.Table:
    """The synthetic national table (canonical Chinese headers, schema order), numpy-vectorised."""
    rng = np.random.default_rng(seed)
    sizes = _county_sizes(rng, rows, counties)
    county = np.repeat(np.arange(counties), sizes)
    n = len(county)
    # county character: overall resource level, spread and enrolment scale (so verdicts differ by county)
    c_level = rng.lognormal(-0.04, 0.08, counties)
    c_spread = rng.uniform(0.8, 1.4, counties)
    c_size = rng.lognormal(0.0, 0.2, counties)
    level, spread, size = c_level[county], c_spread[county], c_size[county]

    type_idx = rng.choice(len(TYPES), size=n, p=np.array(list(TYPE_MIX.values())) / sum(TYPE_MIX.values()))
    is_t = {t: type_idx == k for k, t in enumerate(TYPES)}
    place = np.zeros(n, dtype=np.int64)
    for t, mix in PLACE_MIX.items():
        m = is_t[t]
        place[m] = rng.choice(3, size=int(m.sum()), p=np.asarray(mix) / sum(mix))
    private = (is_t["小学"] | is_t["初级中学"] | is_t["九年一贯制学校"]) & (rng.random(n) < PRIVATE_SHARE)
    place[private & (place == 2)] = 1                       # no private village schools
    urban, town = (place == 0), (place == 1)

    # ---- students by stage (as junyun_lib.io.sample._base_enrolment, with a county size factor)
    p = np.zeros(n, dtype=np.int64)
    j = np.zeros(n, dtype=np.int64)
    s = np.zeros(n, dtype=np.int64)
    by = lambda values: np.asarray(values, dtype=float)[place]
    m = is_t["小学"]
    p[m] = _draw(rng, m.sum(), by((1450, 650, 170))[m], by((0.25, 0.5, 0.6))[m], by((700, 150, 55))[m],
                 by((2600, 1950, 1950))[m], size[m])
    m = is_t["教学点"]
    p[m] = _draw(rng, m.sum(), 42, 0.55, 8, 130, size[m])
    m = is_t["初级中学"]
    j[m] = _draw(rng, m.sum(), by((1350, 750, 280))[m], 0.35, by((700, 220, 90))[m], by((2600, 1950, 1950))[m],
                 size[m])
    m = is_t["九年一贯制学校"]
    p[m] = _draw(rng, m.sum(), by((1000, 550, 260))[m], 0.5, 60, 1400, size[m])
    j[m] = np.maximum(40, np.rint(p[m] * rng.uniform(0.4, 0.8, m.sum()))).astype(np.int64)
    m = is_t["十二年一贯制学校"]
    p[m] = _draw(rng, m.sum(), 750, 0.2, 400, 1200, size[m])
    j[m] = _draw(rng, m.sum(), 620, 0.2, 300, 1000, size[m])
    s[m] = _draw(rng, m.sum(), 950, 0.2, 500, 1500, size[m])
    m = is_t["完全中学"]
    j[m] = _draw(rng, m.sum(), 850, 0.35, 300, 1600, size[m])
    s[m] = np.clip(np.rint(j[m] * rng.uniform(0.8, 1.6, m.sum())), 200, 2100).astype(np.int64)
    m = is_t["特殊教育学校"]
    p[m] = rng.integers(35, 90, m.sum())
    j[m] = rng.integers(15, 45, m.sum())
    m = is_t["职业学校"]
    s[m] = _draw(rng, m.sum(), 2400, 0.25, 1200, 4000, size[m])

    # ---- classes and the largest class: classes ≥ 1 when students > 0; ceil(students/classes) ≤ largest ≤ students
    class_size = np.select([is_t["教学点"], is_t["特殊教育学校"], urban, town],
                           [rng.uniform(8, 18, n), rng.uniform(8, 12, n), rng.uniform(40, 52, n),
                            rng.uniform(35, 48, n)], rng.uniform(22, 38, n))
    stage_cols: dict[str, np.ndarray] = {"students_primary": p, "students_junior": j, "students_senior": s}
    for stage, st in (("primary", p), ("junior", j)):
        classes = np.where(st > 0, np.maximum(1, np.ceil(st / class_size)), 0).astype(np.int64)
        average = np.ceil(st / np.maximum(classes, 1)).astype(np.int64)
        largest = np.where(st > 0, np.minimum(st, average + rng.integers(0, 7, n)), 0)
        stage_cols[f"classes_{stage}"], stage_cols[f"max_class_{stage}"] = classes, largest

    # ---- teachers per section; subsets never exceed the section's full-time teachers
    shared = rng.normal(size=n)                                  # how well-staffed the school is
    special = np.where(is_t["特殊教育学校"], SPECIAL_SCHOOL_FACTOR, 1.0)
    for k, (stage, st) in enumerate((("primary", p), ("junior", j))):
        per_class = np.where(is_t["教学点"], 1.5, TEACHERS_PER_CLASS[k])
        teachers = np.maximum(np.ceil(stage_cols[f"classes_{stage}"] * per_class),
                              np.rint(st * TEACHERS_PER_100[k] / 100 * special * np.exp(0.2 * rng.normal(size=n))))
        teachers = np.where(st > 0, teachers, 0).astype(np.int64)
        stage_cols[f"teachers_{stage}"] = teachers
        for stem, (ref, sigma, place_eff) in TEACHER_SUBSETS.items():
            z = (0.5 * shared + 0.85 * rng.normal(size=n)) * sigma * spread
            expected = st * ref[k] / 100 * level * special * by(place_eff) * np.exp(z - z.var() / 2)
            expected = expected * np.where(private, 0.5 if stem == "key_teachers" else 1.0, 1.0)
            stage_cols[f"{stem}_{stage}"] = np.minimum(teachers, rng.poisson(expected)).astype(np.int64)

    # ---- whole-school facilities, in proportion to stage-weighted students (senior as 1.2 junior)
    facilities: dict[str, np.ndarray] = {}
    for fld, (ref, scale, sigma, place_eff, decimals) in FACILITIES.items():
        amount_ref = (p * ref[0] + j * ref[1] + s * ref[1] * 1.2) / scale
        z = (0.5 * shared + 0.85 * rng.normal(size=n)) * sigma * spread
        mult = np.clip(level * by(place_eff) * special * np.exp(z - z.var() / 2), 0.2, 5.0)
        amount = amount_ref * mult
        facilities[fld] = (np.maximum(1, np.rint(amount)).astype(np.int64) if decimals is None
                           else np.maximum(10.0 ** -decimals, np.round(amount, decimals)))
    in_scope = ~(is_t["特殊教育学校"] | is_t["职业学校"])
    no_mm = in_scope & (rng.random(n) < warn_share)              # deliberate warnings (网络多媒体教室数为0)
    facilities["multimedia_classrooms"] = np.where(no_mm, 0, facilities["multimedia_classrooms"])

    # ---- music / art rooms: about one per 12 classes, sometimes one short or one over; area only with rooms
    need = np.ceil((stage_cols["classes_primary"] + stage_cols["classes_junior"]) / 12).astype(np.int64)
    rooms: dict[str, np.ndarray] = {}
    for kind, (low, high) in (("music", (55, 125)), ("art", (50, 115))):
        r = need + rng.choice([-1, 0, 1], size=n, p=[0.15, 0.75, 0.10])
        r = np.where(is_t["特殊教育学校"] | is_t["职业学校"], 1, np.maximum(r, 0))
        rooms[f"{kind}_rooms"] = r
        rooms[f"{kind}_room_min_area_m2"] = np.where(r > 0, np.round(rng.uniform(low, high, n), 1), 0.0)

    built_low = np.where(is_t["教学点"], 1958, by((1952, 1956, 1962)))
    built_high = np.where(is_t["教学点"], 2005, by((2019, 2020, 2016)))
    built = rng.integers(built_low.astype(np.int64), built_high.astype(np.int64) + 1)
    migrant_share = np.select([urban, town], [rng.uniform(0.12, 0.42, n), rng.uniform(0.03, 0.15, n)],
                              rng.uniform(0.0, 0.03, n))
    migrant = np.rint((p + j) * migrant_share).astype(np.int64)

    # ---- identifiers and names (Arrow string kernels: a Python loop over 300,000 rows would dominate)
    starts = np.cumsum(sizes) - sizes
    seq = np.arange(n) - np.repeat(starts, sizes) + 1                   # 1, 2, … within the county
    step = rng.integers(1, 4, n)
    csum = np.cumsum(step)
    code = csum - np.repeat(csum[starts] - step[starts], sizes)         # increasing, < 10000 within a county
    county_names = pa.array([f"合成县{k + 1:04d}" for k in range(counties)]).take(pa.array(county))
    school_id = pc.cast(pa.array((900_000 + county + 1) * 10_000 + code), pa.string())
    type_names = pa.array(TYPES).take(pa.array(type_idx))
    school_name = pc.binary_join_element_wise(
        county_names, type_names, pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), 3, "0"), "")

    # stage columns that do not apply to a school are blank in about half the files, 0 in the others
    blank_unused = rng.random(n) < 0.5
    applies = {"primary": p > 0, "junior": j > 0, "senior": s > 0}
    data: dict[str, pa.Array] = {
        "school_id": school_id, "school_name": school_name, "county": county_names,
        "year": pa.array(np.full(n, STAT_YEAR)), "school_type": type_names,
        "urban_rural": pa.array(PLACES).take(pa.array(place)),
        "ownership": pa.array(["公办", "民办"]).take(pa.array(private.astype(np.int64))),
        "built_year": pa.array(built),
    }
    for col in schema.columns():
        f = col.field
        if f in data or f.startswith("classes_band_"):     # the national table gives 最大班额, not the bands
            continue
        if f in stage_cols:
            data[f] = pa.array(stage_cols[f], mask=~applies[col.stage] & blank_unused)
        elif f in facilities:
            data[f] = pa.array(facilities[f])
        elif f in rooms:
            data[f] = pa.array(rooms[f])
        elif f == "migrant_students":
            data[f] = pa.array(migrant)
        else:
            raise KeyError(f"the generator has no values for column {f}")
    return pa.table({c.header_zh: data[c.field] for c in schema.columns() if c.field in data})


def national_csv(rows: int, counties: int, seed: int, warn_share: float, rebuild: bool) -> tuple[Path, float | None]:
    """The cached CSV for these parameters (built when missing); returns (path, build seconds or None)."""
    name = f"national_r{rows}_c{counties}_s{seed}_w{warn_share:g}_v{GENERATOR_VERSION}.csv"
    path = DATA_CACHE / name
    if path.exists() and not rebuild:
        return path, None
    DATA_CACHE.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    table = build_table(rows, counties, seed, warn_share)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:   # unquoted header and cells, as a census export or Excel would write them
        out.write((",".join(table.column_names) + "\n").encode("utf-8"))
        pcsv.write_csv(table, out, pcsv.WriteOptions(include_header=False, quoting_style="none"))
    tmp.replace(path)
    return path, time.perf_counter() - start


# ------------------------------------------------------------------------------------------------------
# Measurements
# ------------------------------------------------------------------------------------------------------
def _timed(fn, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def _county_configs(data_dir: Path) -> dict:
    """The county configurations of a data folder, by name (none of the synthetic counties has one)."""
    return Workspace(data_dir).counties()


def _end_to_end(csv: Path, counties: dict):
    return evaluate(read_schools(csv), STANDARD, counties=counties)


def _peak_rss_mb() -> float:
    """High-water mark of this process's resident memory (MB).

    Linux: VmHWM from /proc/self/status, which starts afresh at exec (ru_maxrss does not: a child started
    with fork+exec inherits the parent's figure).  Elsewhere: ru_maxrss (KiB on Linux, bytes on macOS).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2 ** 20 if sys.platform == "darwin" else rss / 1024.0


def _memory_child(csv: Path, data_dir: Path) -> None:
    """Run in a fresh process: peak RSS of one end-to-end run, then a tracemalloc peak of another."""
    before = _peak_rss_mb()
    start = time.perf_counter()
    counties = _county_configs(data_dir)      # a one-shot run reads the configurations too
    result = _end_to_end(csv, counties)
    first_run = time.perf_counter() - start
    peak = _peak_rss_mb()
    del result
    gc.collect()
    tracemalloc.start()
    result = _end_to_end(csv, counties)
    traced = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    print(json.dumps({"rss_after_imports_mb": before, "peak_rss_mb": peak, "tracemalloc_peak_mb": traced,
                      "first_run_s": first_run}))


def _measure_memory(csv: Path, data_dir: Path) -> dict:
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--memory-child", str(csv),
                          "--data-dir", str(data_dir)], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        return {}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _baseline_loop(table: SchoolTable, sample: int, seed: int, counties: dict) -> dict:
    """A plain per-county loop: evaluate each sampled county's rows alone, from the already-read table."""
    names = np.array(sorted(table.frame["county"].unique()), dtype=object)
    pick = names if sample >= len(names) else np.random.default_rng(seed).choice(names, size=sample, replace=False)
    frame = table.frame
    gc.collect()
    start = time.perf_counter()
    for name in pick:
        sub = frame[frame["county"] == name].reset_index(drop=True)
        one = SchoolTable(sub, [w for w in table.warnings if w.county == name], table.sources, table.synthetic)
        evaluate(one, STANDARD, counties=counties)
    seconds = time.perf_counter() - start
    return {"sampled": len(pick), "total": len(names), "seconds": seconds,
            "extrapolated": seconds * len(names) / len(pick)}


def _profile(fn, what: str, top: int) -> None:
    gc.collect()
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    views = (("cumulative", (top,), "all functions"), ("tottime", (top,), "all functions"),
             ("cumulative", ("junyun_lib", top), "junyun_lib functions only"))
    for order, restrict, label in views:
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats(order).print_stats(*restrict)
        print(f"\n---- cProfile of {what}: top {top} by {order}, {label} ----")
        print("\n".join(line for line in buffer.getvalue().splitlines()[4:] if line.strip()))


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{cores} CPU(s) ({cpu}); Python {platform.python_version()}, pandas {pd.__version__}, "
            f"numpy {np.__version__}, pyarrow {pa.__version__}")


def _revision() -> str:
    """The checkout being measured: commit, and whether junyun_lib has uncommitted changes."""
    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "junyun_lib"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"{REPO} (not a git checkout)"
    return f"{REPO} at {head}" + (" + uncommitted changes in junyun_lib" if dirty else "")


def _sanity(evaluation) -> str:
    ind, st = evaluation.indicators, evaluation.stages
    cv_ok = ind["cv_pass"].astype(bool).mean() if len(ind) else float("nan")
    stages_ok = st["passes"].fillna(False).astype(bool).mean() if len(st) else float("nan")
    return (f"school parts {len(evaluation.parts):,}, excluded rows {len(evaluation.excluded):,}, "
            f"warnings {len(evaluation.warnings):,}; CVs within limit {cv_ok:.0%}, "
            f"county-stages passing {stages_ok:.0%}, median composite CV "
            f"{st['composite_cv'].median():.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=300_000, help="school rows in all (default 300000)")
    ap.add_argument("--counties", type=int, default=2_850, help="counties (default 2850)")
    ap.add_argument("--quick", action="store_true", help="20,000-row smoke run (190 counties, 50 sampled)")
    ap.add_argument("--seed", type=int, default=20230901)
    ap.add_argument("--warn-share", type=float, default=0.002,
                    help="share of in-scope schools given 0 multimedia classrooms, a validation warning (default 0.002)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (default 3)")
    ap.add_argument("--baseline-sample", type=int, default=200, help="counties timed in the per-county loop")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--skip-json", action="store_true",
                    help="leave out (d) and (f'), the JSON view and path (minutes at national size on a slow machine)")
    ap.add_argument("--profile", action="store_true", help="cProfile one end-to-end run (top --profile-top)")
    ap.add_argument("--profile-json", action="store_true", help="cProfile one evaluation_json() as well")
    ap.add_argument("--profile-top", type=int, default=25)
    ap.add_argument("--profile-only", action="store_true",
                    help="skip the timings: only build/load the data and profile (with --profile/--profile-json)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the cached CSV")
    ap.add_argument("--data-dir", type=Path, default=REPO / "data",
                    help="county configurations (default: the repository's data/; synthetic counties have none)")
    ap.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    sys.stdout.reconfigure(line_buffering=True)   # long runs: show each line as it comes
    if args.memory_child:
        _memory_child(args.memory_child, args.data_dir)
        return 0
    if args.quick:
        args.rows, args.counties = 20_000, 190
        args.baseline_sample = min(args.baseline_sample, 50)

    csv, built = national_csv(args.rows, args.counties, args.seed, args.warn_share, args.rebuild)
    size_mb = csv.stat().st_size / 2 ** 20
    print("junyun national benchmark — SYNTHETIC data (合成数据), standard", STANDARD)
    print("machine:", _machine())
    print("code:", _revision())
    print(f"data: {csv.relative_to(REPO)} ({size_mb:.1f} MB, UTF-8); "
          + (f"built in {built:.1f} s" if built is not None else "cached"))

    configs = _county_configs(args.data_dir)    # read once, as a Workspace does
    if args.profile_only:
        if args.profile:
            _profile(lambda: _end_to_end(csv, configs), "one end-to-end run", args.profile_top)
        if args.profile_json:
            evaluation = _end_to_end(csv, configs)
            _profile(lambda: evaluation_json(evaluation), "one evaluation_json(evaluation)", args.profile_top)
        return 0
    def progress(label, times):
        print(f"  {label:<40} best {min(times):8.3f} s   median {statistics.median(times):8.3f} s   "
              f"runs {', '.join(f'{t:.3f}' for t in times)}")

    read_t, table = _timed(lambda: read_schools(csv), args.repeat)
    rows, counties = len(table.frame), table.frame["county"].nunique()
    print(f"rows {rows:,}, counties {counties:,}, county-years {len(table.county_years()):,}")
    progress("(a) read + validate", read_t)
    eval_t, evaluation = _timed(lambda: evaluate(table, STANDARD, counties=configs), args.repeat)
    progress("(b) evaluate, all counties at once", eval_t)
    print("  sanity:", _sanity(evaluation))
    e2e_t, _ = _timed(lambda: _end_to_end(csv, configs), args.repeat)
    progress("(c) end-to-end (a)+(b)", e2e_t)
    json_t = []
    if not args.skip_json:
        json_t, _ = _timed(lambda: evaluation_json(evaluation), args.repeat)
        progress("(d) evaluation_json(evaluation)", json_t)
    table_t, overview = _timed(lambda: summary_table(evaluation), args.repeat)
    progress("(e) cross-county table summary_table()", table_t)
    print(f"  cross-county table: {len(overview):,} county-years × {overview.shape[1]} columns")
    out_dir = Path(tempfile.mkdtemp(prefix="junyun-bench-"))

    def parquet_path():
        ev = _end_to_end(csv, configs)
        write_results(results_tables(ev), out_dir / "tables", standard=STANDARD, synthetic=True)

    def json_path():
        ev = _end_to_end(csv, configs)
        (out_dir / "r.json").write_text(dumps(evaluation_json(ev)), encoding="utf-8")

    parquet_t, _ = _timed(parquet_path, args.repeat)
    progress("(f) Parquet results end to end", parquet_t)
    json_path_t = []
    if not args.skip_json:
        json_path_t, _ = _timed(json_path, args.repeat)
        progress("(f') JSON results end to end", json_path_t)
    sizes = {p.name: p.stat().st_size for p in (out_dir / "tables").iterdir()}
    print(f"  Parquet tables: {sum(sizes.values()) / 1e6:.1f} MB in {len(sizes)} files"
          + ("" if args.skip_json else f"; JSON {(out_dir / 'r.json').stat().st_size / 1e6:.1f} MB"))
    shutil.rmtree(out_dir, ignore_errors=True)
    memory = {} if args.skip_memory else _measure_memory(csv, args.data_dir)
    if memory:
        print(f"  peak memory of one end-to-end run (fresh process): {memory['peak_rss_mb']:.0f} MB peak RSS, "
              f"{memory['peak_rss_mb'] - memory['rss_after_imports_mb']:.0f} MB above the "
              f"{memory['rss_after_imports_mb']:.0f} MB after imports; tracemalloc peak "
              f"{memory['tracemalloc_peak_mb']:.0f} MB (Python and numpy allocations; Arrow buffers are not traced)")
        print(f"  the same run's time (first end-to-end run in a fresh process, as a one-shot CLI call would "
              f"do it): {memory['first_run_s']:.3f} s")
    base = None if args.skip_baseline else _baseline_loop(table, args.baseline_sample, args.seed, configs)
    if base:
        how = ("all counties, no extrapolation" if base["sampled"] == base["total"] else
               f"{base['sampled']} randomly sampled counties took {base['seconds']:.2f} s, "
               f"EXTRAPOLATED linearly to all {base['total']:,}")
        print(f"  baseline per-county loop: {base['extrapolated']:.1f} s ({how})")

    # ---- summary table
    med = statistics.median
    verdict = "PASS" if med(e2e_t) <= TARGET_SECONDS else "MISS"
    table_verdict = "PASS" if med(table_t) <= TABLE_TARGET_SECONDS else "MISS"
    print(f"\nsummary: {rows:,} rows, {counties:,} counties, quality-2017, {args.repeat} runs each")
    print(f"  {'measure':<46}{'best':>10}{'median':>10}")
    for label, times in (("(a) read + validate, s", read_t), ("(b) evaluate (vectorised), s", eval_t),
                         ("(c) end-to-end (a)+(b), s", e2e_t), ("(d) evaluation_json, s", json_t),
                         ("(e) cross-county table (summary_table), s", table_t),
                         ("(f) Parquet results end to end, s", parquet_t),
                         ("(f') JSON results end to end, s", json_path_t)):
        if not times:
            continue
        print(f"  {label:<46}{min(times):>10.3f}{med(times):>10.3f}")
    if memory:
        print(f"  {'(c) first run in a fresh process, s (one run)':<46}{memory['first_run_s']:>10.3f}")
        print(f"  {'peak RSS end-to-end, MB (above imports)':<46}{memory['peak_rss_mb']:>10.0f}"
              f"{memory['peak_rss_mb'] - memory['rss_after_imports_mb']:>10.0f}")
    if base:
        note = "" if base["sampled"] == base["total"] else f" (extrapolated from {base['sampled']})"
        print(f"  {'per-county loop evaluate, s' + note:<46}{base['extrapolated']:>10.1f}")
        print(f"  {'ratio loop / vectorised evaluate (best)':<46}{base['extrapolated'] / min(eval_t):>9.1f}×")
    print(f"  target: {TARGET_TEXT}: median {med(e2e_t):.2f} s (best {min(e2e_t):.2f} s) → {verdict}")
    print(f"  target: {TABLE_TARGET_TEXT}: median {med(table_t):.3f} s (best {min(table_t):.3f} s) → {table_verdict}")
    results_verdict = "PASS" if med(parquet_t) <= RESULTS_TARGET_SECONDS else "MISS"
    print(f"  target: {RESULTS_TARGET_TEXT}: median {med(parquet_t):.2f} s (best {min(parquet_t):.2f} s) → "
          f"{results_verdict}" + (f"; JSON path / Parquet path = {med(json_path_t) / med(parquet_t):.1f}×"
                                  if json_path_t else " (JSON path not run: --skip-json)"))
    # this machine against the one the target was set on: the issue measured (c) at 1.2 s there; the same
    # ratio (f)/(c) at that speed is a projection, printed as one, never as the measurement
    projected = med(parquet_t) / med(e2e_t) * ISSUE_E2E_SECONDS
    print(f"  (f) / (c) = {med(parquet_t) / med(e2e_t):.2f}: building and writing the tables adds "
          f"{med(parquet_t) / med(e2e_t) - 1:.0%} to reading, validating and evaluating")
    speed = med(e2e_t) / ISSUE_E2E_SECONDS
    pace = f"{speed:.1f}× slower" if speed >= 1 else f"{1 / speed:.1f}× faster"
    print(f"  projection, not a measurement: where (c) takes {ISSUE_E2E_SECONDS} s (issue 17's machine; here "
          f"{med(e2e_t):.2f} s, {pace}), (f) would take about "
          f"{projected:.2f} s → {'within' if projected <= RESULTS_TARGET_SECONDS else 'over'} the "
          f"{RESULTS_TARGET_SECONDS:g} s target")
    if args.rows != 300_000 or args.counties != 2_850:
        print("  (the targets are stated for 300,000 rows and 2,850 counties; this run has a different size)")
    if args.profile:
        _profile(lambda: _end_to_end(csv, configs), "one end-to-end run", args.profile_top)
    if args.profile_json:
        _profile(lambda: evaluation_json(evaluation), "one evaluation_json(evaluation)", args.profile_top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
