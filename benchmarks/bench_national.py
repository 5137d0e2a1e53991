"""National-scale benchmark of junyun (全国规模性能基准) on SYNTHETIC data (合成数据).

Builds once (cached under ``benchmarks/_data/``, git-ignored) a national-scale school table: about 2,850
invented counties (合成县0001 …), one statistics year, about 300,000 school rows with every school type in
realistic proportions and values that pass the reader's validation.  Nothing in it describes a real school.

Then measures, side by side in one run:

* the whole command ``junyun evaluate <csv> --results DIR`` in a fresh process, as analysts run it (wall time
  and the process's peak resident memory, from GNU time or an equivalent launcher), ``--repeat`` times, and
  ``junyun --help`` (start-up as a user first meets it), at least 5 times;
* ``benchmarks/baseline_pandas.py``, a plain vectorised pandas script (``read_csv`` and ``groupby``) computing
  the same 7 × 2 difference coefficients per county-year, in a fresh process, with a check that its CVs equal
  those the command wrote (1e-9 relative), so that the comparison is a fair one;
* in this process, with ``time.perf_counter`` (best and median of ``--repeat``):

  (a) read + validate   ``read_schools(csv)``
  (b) evaluate          ``evaluate(table, "quality-2017", counties=...)`` — every county at once (vectorised)
  (c) end to end        (a) then (b)
  (d) JSON view         ``evaluation_json(evaluation)`` (only with ``--json-view``: minutes)
  (e) cross-county table ``summary_table(evaluation)`` (``junyun_lib.report.overview``), target ≤ 0.5 s
  (f) Parquet results, end to end: read, validate, evaluate, build every tidy table (scorecard of every county
      included) and write them, each as soon as it is built, as the command does
      (``junyun_lib.report.results.results_written``); (f') the same with the JSON view instead;

* the peak memory of (c) in a fresh child process, a per-county loop (``evaluate`` on each county's rows
  alone, on a sample of counties, extrapolated), the load average before and after;
* the scaling line: the whole command and the pandas script at a tenth of the rows and counties (30,000 /
  285) and, with ``--scale-large``, ten times as many (3,000,000 / 28,500), to show linear growth.

    python benchmarks/bench_national.py                      # 300,000 rows, 2,850 counties
    python benchmarks/bench_national.py --scale-large        # and the 3,000,000-row line (minutes, GBs)
    python benchmarks/bench_national.py --quick              # 20,000-row smoke run
    python benchmarks/bench_national.py --profile            # also cProfile one end-to-end run

No assertions: the script reports figures and PASS/MISS against the targets; it never fails on them.  The
machine may be shared: judge by ratios within one run, and read the load average printed with them.
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
from junyun_lib.report.results import results_written  # noqa: E402
from junyun_lib.rules import schema  # noqa: E402
from junyun_lib.workspace import Workspace  # noqa: E402

from _timing import _LAUNCHER, junyun_command, loop_ms  # noqa: E402

DATA_CACHE = HERE / "_data"
STANDARD = "quality-2017"
STAT_YEAR = 2023
# issue 26, on a 2-core machine at low load, 300,000 rows and 2,850 counties
E2E_TARGET_SECONDS = 1.0
E2E_TARGET_TEXT = "(c) read + validate + evaluate ≤ 1.0 s in-process"
RESULTS_TARGET_SECONDS = 1.5
RESULTS_TARGET_TEXT = "(f) Parquet results end to end ≤ 1.5 s in-process"
MEMORY_TARGET_MB = 1024
MEMORY_TARGET_TEXT = "whole command peak memory ≤ 1 GB"
LARGE_MEMORY_TARGET_MB = 6 * 1024
LARGE_MEMORY_TARGET_TEXT = "whole command peak memory ≤ 6 GB at ten times the rows"
COMMAND_TARGET_SECONDS = 5.0
COMMAND_TARGET_TEXT = "whole command `junyun evaluate CSV --results DIR` ≤ 5 s wall, start-up included"
HELP_TARGET_SECONDS = 0.3
HELP_TARGET_TEXT = "`junyun --help` ≤ 0.3 s wall in a fresh process"
TABLE_TARGET_SECONDS = 0.5
TABLE_TARGET_TEXT = "(e) cross-county table ≤ 0.5 s"
CV_REL_TOL = 1e-9              # the pandas baseline's CVs must equal junyun's this closely
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
        if f in data or f.startswith(("classes_band_", "students_grade_")):
            continue    # the national table gives 最大班额, not the bands, and no grade counts (optional columns)
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
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")   # two runs building at once never share it
    with open(tmp, "wb") as out:   # unquoted header and cells, as a census export or Excel would write them
        out.write((",".join(table.column_names) + "\n").encode("utf-8"))
        pcsv.write_csv(table, out, pcsv.WriteOptions(include_header=False, quoting_style="none"))
    tmp.replace(path)
    return path, time.perf_counter() - start


# ------------------------------------------------------------------------------------------------------
# Measurements in this process
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
    """Run in a fresh process: peak RSS of one end-to-end run (c), then a tracemalloc peak of another."""
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


# ------------------------------------------------------------------------------------------------------
# Measurements in fresh processes: the whole command, and the pandas baseline script
# ------------------------------------------------------------------------------------------------------
# A child's peak resident memory: GNU time (/usr/bin/time) forks and execs the command and reports what the
# kernel accounts for that child (%M, KiB).  Where there is no GNU time, this small launcher does the same
# with os.fork and os.wait4.  Not the parent's own getrusage(RUSAGE_CHILDREN): a child started from a large
# process may carry that process's figure (fork copies its accounting until exec), and RUSAGE_CHILDREN is the
# largest over every child waited for, not this one's.
# (the launcher is _timing's, shared with the other benchmarks)


def _gnu_time() -> str | None:
    path = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if path is None:
        return None
    try:
        probe = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if "GNU" in (probe.stdout + probe.stderr) else None


def _fresh(argv: list[str], cwd: Path, stdout: Path) -> dict:
    """Run ``argv`` once in a fresh process: wall seconds (this process's clock around it) and the child's
    peak RSS in MB."""
    report = cwd / ".junyun-bench-usage"
    timer = _gnu_time()
    wrapped = ([timer, "-f", "%e %M", "-o", str(report), *argv] if timer
               else [sys.executable, "-S", "-c", _LAUNCHER, str(report), *argv])
    with open(stdout, "wb") as sink:
        start = time.perf_counter()
        done = subprocess.run(wrapped, cwd=cwd, stdout=sink, stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr.decode(errors='replace')[-2000:]}")
    fields = report.read_text().split()
    report.unlink()
    return {"wall_s": wall, "peak_mb": float(fields[-1]) / 1024.0, "stderr_lines": done.stderr.count(b"\n"),
            "stdout_bytes": stdout.stat().st_size}


def _junyun() -> list[str]:
    """The ``junyun`` command as an analyst runs it (the script installed beside this Python)."""
    return junyun_command()


def _help_runs(repeat: int, work: Path) -> list[dict]:
    """``junyun --help`` in a fresh process, ``repeat`` times: start-up as a user first meets it."""
    return [_fresh([*_junyun(), "--help"], work, work / "help-output.txt") for _ in range(repeat)]


def _whole_command(csv: Path, data_dir: Path, repeat: int, work: Path, extra: tuple = ()) -> dict:
    """``junyun evaluate <csv> --results DIR`` in a fresh process, ``repeat`` times, each into a new folder;
    the last run's folder is kept (``results``) for the check of the baseline's CVs."""
    runs = []
    for k in range(repeat):
        folder = work / f"results-{len(list(work.glob('results-*')))}"
        argv = [*_junyun(), "evaluate", str(csv), "--results", str(folder), "--data-dir", str(data_dir),
                "--out", str(work / "outputs")]
        extras = []
        for option in extra:              # ("--json", name): a file in the work folder
            extras += [option, str(work / f"{len(runs)}-{k}.{option.strip('-')}")]
        runs.append(_fresh(argv + extras, work, work / "command-output.txt"))
    return {"runs": runs, "results": folder}


def _baseline_script(csv: Path, repeat: int, work: Path) -> dict:
    """``benchmarks/baseline_pandas.py <csv>`` in a fresh process, ``repeat`` times; the CVs of the last run."""
    runs, facts = [], []
    out = work / "baseline-cvs.csv"
    for _ in range(repeat):
        runs.append(_fresh([sys.executable, str(HERE / "baseline_pandas.py"), str(csv), "--out", str(out)], work,
                           work / "baseline-output.txt"))
        facts.append(json.loads((work / "baseline-output.txt").read_text().strip().splitlines()[-1]))
    return {"runs": runs, "facts": facts, "cvs": out}


def _same_cvs(results: Path, baseline_cvs: Path) -> dict:
    """The baseline's CVs against those the command wrote (``indicators.parquet``): the same county-year-stage-
    indicator rows, NaN in the same places, and the largest relative difference."""
    ours = pd.read_parquet(results / "indicators.parquet", columns=["county", "year", "stage", "indicator", "cv"])
    ours["county"] = ours["county"].astype(str)
    theirs = pd.read_csv(baseline_cvs, dtype={"county": str})
    keys = ["county", "year", "stage", "indicator"]
    both = ours.merge(theirs, on=keys, how="outer", suffixes=("_junyun", "_pandas"), indicator=True)
    matched = both["_merge"] == "both"
    a, b = both.loc[matched, "cv_junyun"].to_numpy(float), both.loc[matched, "cv_pandas"].to_numpy(float)
    nan_agree = bool((np.isnan(a) == np.isnan(b)).all())
    finite = ~np.isnan(a) & ~np.isnan(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(a[finite] - b[finite]) / np.maximum(np.abs(a[finite]), np.finfo(float).tiny)
    worst = float(rel.max()) if rel.size else 0.0
    return {"cvs": int(matched.sum()), "only_one_side": int((~matched).sum()), "nan_agree": nan_agree,
            "max_rel": worst, "equal": bool(matched.all() and nan_agree and worst <= CV_REL_TOL)}


# ------------------------------------------------------------------------------------------------------
# Reporting
# ------------------------------------------------------------------------------------------------------
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


def _load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def _sanity(evaluation) -> str:
    ind, st = evaluation.indicators, evaluation.stages
    cv_ok = ind["cv_pass"].astype(bool).mean() if len(ind) else float("nan")
    stages_ok = st["passes"].fillna(False).astype(bool).mean() if len(st) else float("nan")
    return (f"school parts {len(evaluation.parts):,}, excluded rows {len(evaluation.excluded):,}, "
            f"warnings {len(evaluation.warnings):,}; CVs within limit {cv_ok:.0%}, "
            f"county-stages passing {stages_ok:.0%}, median composite CV "
            f"{st['composite_cv'].median():.3f}")


def _line(label: str, times: list[float], peaks: list[float] | None = None) -> str:
    med = statistics.median
    peak = f"{max(peaks):>9,.0f}{med(peaks):>9,.0f}" if peaks else f"{'':>9}{'':>9}"
    return (f"  {label:<52}{len(times):>4}{min(times):>9.3f}{med(times):>9.3f}{peak}   "
            f"runs {', '.join(f'{t:.2f}' for t in times)}")


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _scale_line(rows: int, counties: int, command: dict, baseline: dict | None) -> dict:
    walls = [r["wall_s"] for r in command["runs"]]
    peaks = [r["peak_mb"] for r in command["runs"]]
    line = {"rows": rows, "counties": counties, "best": min(walls), "median": statistics.median(walls),
            "peak": max(peaks)}
    if baseline:
        line["baseline_median"] = statistics.median(r["wall_s"] for r in baseline["runs"])
        line["baseline_peak"] = max(r["peak_mb"] for r in baseline["runs"])
    return line


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
    ap.add_argument("--skip-loop", action="store_true", help="leave out the per-county loop")
    ap.add_argument("--skip-memory", action="store_true", help="leave out the in-process peak of (c)")
    ap.add_argument("--json-view", action="store_true",
                    help="also time (d) evaluation_json and (f') the JSON path in process (minutes at national size)")
    ap.add_argument("--command-json", action="store_true",
                    help="also time the whole command with --json FILE beside --results")
    ap.add_argument("--skip-scale", action="store_true", help="leave out the scaling line")
    ap.add_argument("--scale-large", action="store_true",
                    help="the scaling line includes 3,000,000 rows / 28,500 counties (about 500 MB of CSV; "
                         "minutes and several GB of memory)")
    ap.add_argument("--scale-repeat", type=int, default=1,
                    help="fresh-process runs of the 3,000,000-row size in the scaling line (default 1)")
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

    load_before = _load()
    csv, built = national_csv(args.rows, args.counties, args.seed, args.warn_share, args.rebuild)
    size_mb = csv.stat().st_size / 2 ** 20
    print("junyun national benchmark — SYNTHETIC data (合成数据), standard", STANDARD)
    print("machine:", _machine())
    print("code:", _revision())
    print(f"data: {csv.relative_to(REPO)} ({size_mb:.1f} MB, UTF-8); "
          + (f"built in {built:.1f} s" if built is not None else "cached"))
    print(f"load average before: {load_before}; a loop of 10⁶ additions: {loop_ms():.0f} ms")

    configs = _county_configs(args.data_dir)    # read once, as a Workspace does
    if args.profile_only:
        if args.profile:
            _profile(lambda: _end_to_end(csv, configs), "one end-to-end run", args.profile_top)
        if args.profile_json:
            evaluation = _end_to_end(csv, configs)
            _profile(lambda: evaluation_json(evaluation), "one evaluation_json(evaluation)", args.profile_top)
        return 0

    def progress(label, times):
        print(f"  {label:<48} best {min(times):8.3f} s   median {statistics.median(times):8.3f} s   "
              f"runs {', '.join(f'{t:.3f}' for t in times)}")

    work = Path(tempfile.mkdtemp(prefix="junyun-bench-"))
    try:
        # ---- fresh processes first: the command as analysts run it, and the pandas script beside it
        print(f"\nfresh processes ({args.repeat} runs each): {' '.join(Path(a).name for a in _junyun())} evaluate "
              f"{csv.name} --results DIR, and benchmarks/baseline_pandas.py {csv.name}")
        command = _whole_command(csv, args.data_dir, args.repeat, work)
        progress("whole command `junyun evaluate CSV --results DIR`", [r["wall_s"] for r in command["runs"]])
        printed = command["runs"][-1]
        peaks = ", ".join(f"{r['peak_mb']:,.0f}" for r in command["runs"])
        print(f"    peak RSS {peaks} MB; it printed "
              f"{printed['stdout_bytes'] / 1e3:,.0f} kB and {printed['stderr_lines']} lines of warnings")
        help_runs = _help_runs(max(args.repeat, 5), work)
        progress("`junyun --help`", [r["wall_s"] for r in help_runs])
        command_json = None
        if args.command_json:
            command_json = _whole_command(csv, args.data_dir, args.repeat, work, extra=("--json",))
            progress("whole command with --json FILE as well", [r["wall_s"] for r in command_json["runs"]])
        baseline = _baseline_script(csv, args.repeat, work)
        progress("pandas baseline script (read_csv + groupby CVs)", [r["wall_s"] for r in baseline["runs"]])
        facts = baseline["facts"]
        print(f"    inside the script: read_csv {statistics.median(f['read_s'] for f in facts):.3f} s, "
              f"CVs {statistics.median(f['compute_s'] for f in facts):.3f} s (medians); peak RSS "
              + ", ".join(f"{r['peak_mb']:,.0f}" for r in baseline["runs"]) + " MB")
        same = _same_cvs(command["results"], baseline["cvs"])
        print(f"    its CVs against the command's indicators.parquet: {same['cvs']:,} CVs, "
              f"{same['only_one_side']} on one side only, NaN in the same places: {same['nan_agree']}, "
              f"largest relative difference {same['max_rel']:.1e} → "
              + ("equal (≤ 1e-9 relative)" if same["equal"] else "NOT EQUAL: the baseline computes something else"))

        # ---- in this process
        print("\nin this process (one Python process, the data read again in every run):")
        read_t, table = _timed(lambda: read_schools(csv), args.repeat)
        rows, counties = len(table.frame), table.frame["county"].nunique()
        print(f"  rows {rows:,}, counties {counties:,}, county-years {len(table.county_years()):,}")
        progress("(a) read + validate", read_t)
        eval_t, evaluation = _timed(lambda: evaluate(table, STANDARD, counties=configs), args.repeat)
        progress("(b) evaluate, all counties at once", eval_t)
        print("    sanity:", _sanity(evaluation))
        del table
        e2e_t, _ = _timed(lambda: _end_to_end(csv, configs), args.repeat)
        progress("(c) read + validate + evaluate", e2e_t)
        json_t = []
        if args.json_view:
            json_t, _ = _timed(lambda: evaluation_json(evaluation), args.repeat)
            progress("(d) evaluation_json(evaluation)", json_t)
        table_t, overview = _timed(lambda: summary_table(evaluation), args.repeat)
        progress("(e) cross-county table summary_table()", table_t)
        print(f"    cross-county table: {len(overview):,} county-years × {overview.shape[1]} columns")
        del evaluation, overview

        def parquet_path():
            ev = _end_to_end(csv, configs)
            results_written(ev, work / "tables")      # as the command builds and writes them

        def json_path():
            ev = _end_to_end(csv, configs)
            (work / "r.json").write_text(dumps(evaluation_json(ev)), encoding="utf-8")

        parquet_t, _ = _timed(parquet_path, args.repeat)
        progress("(f) Parquet results: (c), every table, written", parquet_t)
        json_path_t = []
        if args.json_view:
            json_path_t, _ = _timed(json_path, args.repeat)
            progress("(f') JSON results: (c), the JSON view, written", json_path_t)
        sizes = {p.name: p.stat().st_size for p in (work / "tables").iterdir()}
        print(f"    Parquet tables: {sum(sizes.values()) / 1e6:.1f} MB in {len(sizes)} files"
              + (f"; JSON {(work / 'r.json').stat().st_size / 1e6:.1f} MB" if args.json_view else ""))
        memory = {} if args.skip_memory else _measure_memory(csv, args.data_dir)
        if memory:
            print(f"    (c) in a fresh process: {memory['peak_rss_mb']:,.0f} MB peak RSS "
                  f"({memory['peak_rss_mb'] - memory['rss_after_imports_mb']:,.0f} MB above the "
                  f"{memory['rss_after_imports_mb']:.0f} MB after imports), first run {memory['first_run_s']:.3f} s; "
                  f"tracemalloc peak {memory['tracemalloc_peak_mb']:,.0f} MB (Python and numpy only)")
        loop = None
        if not args.skip_loop:
            table = read_schools(csv)
            loop = _baseline_loop(table, args.baseline_sample, args.seed, configs)
            del table
            how = ("all counties, no extrapolation" if loop["sampled"] == loop["total"] else
                   f"{loop['sampled']} randomly sampled counties took {loop['seconds']:.2f} s, "
                   f"EXTRAPOLATED linearly to all {loop['total']:,}")
            print(f"  per-county loop of evaluate(): {loop['extrapolated']:.1f} s ({how})")

        # ---- the scaling line: the whole command (and the pandas script) at ten times fewer and more rows
        scale = []
        if not args.skip_scale:
            print("\nscaling (fresh processes; the same generator, ten times fewer and more rows and counties):")
            sizes_ = [(args.rows // 10, args.counties // 10, args.repeat)]
            sizes_.append((args.rows, args.counties, 0))
            if args.scale_large:
                sizes_.append((args.rows * 10, args.counties * 10, args.scale_repeat))
            for n_rows, n_counties, runs in sizes_:
                if runs == 0:
                    scale.append(_scale_line(n_rows, n_counties, command, baseline))
                    continue
                scaled_csv, _ = national_csv(n_rows, n_counties, args.seed, args.warn_share, args.rebuild)
                scaled = _whole_command(scaled_csv, args.data_dir, runs, work)
                scaled_base = _baseline_script(scaled_csv, runs, work)
                scale.append(_scale_line(n_rows, n_counties, scaled, scaled_base))
                print(f"  {n_rows:>9,} rows: whole command {scale[-1]['median']:.2f} s, peak {scale[-1]['peak']:,.0f} MB;"
                      f" pandas baseline {scale[-1]['baseline_median']:.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_after = _load()

    # ---- summary, side by side
    med = statistics.median
    print(f"\nsummary: {rows:,} rows, {counties:,} counties, {STANDARD}, {args.repeat} runs each; load average "
          f"before {load_before}, after {load_after}")
    print(f"  {'measure':<52}{'runs':>4}{'best s':>9}{'median s':>9}{'peak MB':>9}{'med MB':>9}")
    command_walls = [r["wall_s"] for r in command["runs"]]
    command_peaks = [r["peak_mb"] for r in command["runs"]]
    print(_line("whole command, fresh process", command_walls, command_peaks))
    print(_line("`junyun --help`, fresh process", [r["wall_s"] for r in help_runs], [r["peak_mb"] for r in help_runs]))
    if command_json:
        print(_line("whole command with --json, fresh process", [r["wall_s"] for r in command_json["runs"]],
                    [r["peak_mb"] for r in command_json["runs"]]))
    base_walls = [r["wall_s"] for r in baseline["runs"]]
    print(_line("pandas baseline script, fresh process", base_walls, [r["peak_mb"] for r in baseline["runs"]]))
    c_peak = [memory["peak_rss_mb"]] if memory else None
    for label, times, peaks in (("(a) read + validate, in-process", read_t, None),
                                ("(b) evaluate, in-process", eval_t, None),
                                ("(c) read + validate + evaluate, in-process", e2e_t, c_peak),
                                ("(d) evaluation_json, in-process", json_t, None),
                                ("(e) cross-county table, in-process", table_t, None),
                                ("(f) Parquet results end to end, in-process", parquet_t, None),
                                ("(f') JSON results end to end, in-process", json_path_t, None)):
        if times:
            print(_line(label, times, peaks))
    print(f"  whole command ÷ pandas baseline (medians): {med(command_walls) / med(base_walls):.1f}×; "
          f"(c) in-process ÷ pandas baseline: {med(e2e_t) / med(base_walls):.2f}×; baseline CVs equal junyun's: "
          f"{'yes' if same['equal'] else 'NO'} ({same['cvs']:,} CVs, largest relative difference {same['max_rel']:.1e})")
    if loop:
        note = "" if loop["sampled"] == loop["total"] else f", extrapolated from {loop['sampled']} counties"
        print(f"  per-county loop of evaluate(): {loop['extrapolated']:.1f} s{note}; "
              f"{loop['extrapolated'] / min(eval_t):.0f}× the vectorised evaluate (best)")
    if scale:
        print("  scaling of the whole command (fresh process; medians; growth against the row above):")
        print(f"    {'rows':>10}{'counties':>10}{'runs':>6}{'best s':>9}{'median s':>10}{'peak MB':>10}"
              f"{'µs/row':>8}{'kB/row':>8}{'pandas s':>10}{'pandas MB':>11}   growth (time, memory) for ×rows")
        previous = None
        for line in scale:
            runs = args.repeat if line["rows"] != args.rows * 10 else args.scale_repeat
            growth = ""
            if previous:
                factor = line["rows"] / previous["rows"]
                growth = (f"×{line['median'] / previous['median']:.1f} time, ×{line['peak'] / previous['peak']:.1f} "
                          f"memory (marginal {(line['peak'] - previous['peak']) * 1024 / (line['rows'] - previous['rows']):.2f} "
                          f"kB/row) for ×{factor:.0f} rows")
            print(f"    {line['rows']:>10,}{line['counties']:>10,}{runs:>6}{line['best']:>9.2f}{line['median']:>10.2f}"
                  f"{line['peak']:>10,.0f}{line['median'] * 1e6 / line['rows']:>8.1f}"
                  f"{line['peak'] * 1024 / line['rows']:>8.2f}{line.get('baseline_median', float('nan')):>10.2f}"
                  f"{line.get('baseline_peak', float('nan')):>11,.0f}   {growth}")
            previous = line
    print(f"  target: {COMMAND_TARGET_TEXT}: median {med(command_walls):.2f} s (best {min(command_walls):.2f} s) → "
          f"{_verdict(med(command_walls) <= COMMAND_TARGET_SECONDS)}")
    help_walls = [r["wall_s"] for r in help_runs]
    print(f"  target: {HELP_TARGET_TEXT}: median {med(help_walls):.3f} s (best {min(help_walls):.3f} s, "
          f"{len(help_walls)} runs) → {_verdict(med(help_walls) <= HELP_TARGET_SECONDS)}")
    print(f"  target: {E2E_TARGET_TEXT}: median {med(e2e_t):.2f} s (best {min(e2e_t):.2f} s) → "
          f"{_verdict(med(e2e_t) <= E2E_TARGET_SECONDS)}")
    print(f"  target: {RESULTS_TARGET_TEXT}: median {med(parquet_t):.2f} s (best {min(parquet_t):.2f} s) → "
          f"{_verdict(med(parquet_t) <= RESULTS_TARGET_SECONDS)}")
    print(f"  target: {MEMORY_TARGET_TEXT}: largest peak {max(command_peaks):,.0f} MB → "
          f"{_verdict(max(command_peaks) <= MEMORY_TARGET_MB)}")
    large = [line for line in scale if line["rows"] >= 10 * args.rows]
    if large:
        print(f"  target: {LARGE_MEMORY_TARGET_TEXT}: peak {large[0]['peak']:,.0f} MB → "
              f"{_verdict(large[0]['peak'] <= LARGE_MEMORY_TARGET_MB)}")
    print(f"  target: {TABLE_TARGET_TEXT}: median {med(table_t):.3f} s (best {min(table_t):.3f} s) → "
          f"{_verdict(med(table_t) <= TABLE_TARGET_SECONDS)}")
    if args.rows != 300_000 or args.counties != 2_850:
        print("  (the targets are stated for 300,000 rows and 2,850 counties; this run has a different size)")
    if args.profile:
        _profile(lambda: _end_to_end(csv, configs), "one end-to-end run", args.profile_top)
    if args.profile_json:
        _profile(lambda: evaluation_json(_end_to_end(csv, configs)), "one evaluation_json(evaluation)",
                 args.profile_top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
