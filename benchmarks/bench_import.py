"""Import from statistics exports: seconds for a 300-school county (SYNTHETIC, 合成数据), as county-wide stage
files and as per-school workbooks.

    .venv/bin/python benchmarks/bench_import.py [--copies 30] [--repeat 3] [--series 2021|2020]

The county is tests/_forms.py's (ten schools: a 九年一贯制, a 完全中学, a 十二年一贯制, a village school, a 高级中学
…) copied ``--copies`` times under new identifiers and names: 30 copies are 300 schools.  It is written twice —
as the county-wide export (tests/_forms.py: three stage files, merged multi-row headers, a title and a 合计
row) and as one workbook per school (tests/_school_workbooks.py: a sheet per form, with cover and contents
sheets; 300 workbooks) — with the same supplementary table.  For each it times

* the whole command, ``junyun import … --out …`` in a fresh process (interpreter start, imports, reading,
  matching, deriving, joining, writing the table and the report), ``--repeat`` times, best and median wall
  seconds and peak RSS (benchmarks/_timing.py ``fresh_process``), beside its baseline: a fresh process that only
  starts Python and imports what the command imports;
* the same work in this process (``import_exports``, ``write_canonical``, ``write_report``), a second line.

The load average is printed with each figure and at the end (2 shared cores: a busy machine slows every
line).  Targets, on the median of the whole command: county-wide files ≤ 10 s, per-school workbooks ≤ 30 s
(PASS / MISS).  The county itself (one copy) is timed in-process too.  Prints its figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(Path(__file__).resolve().parent)]

import _forms as fm  # noqa: E402
import _school_workbooks as sw  # noqa: E402
from _timing import fresh_process, load_average, loop_ms, summarise, timed  # noqa: E402
from junyun_lib.io.importer import import_exports, write_canonical, write_report  # noqa: E402

TARGETS = {"wide": 10.0, "schools": 30.0}
BASELINE = "import junyun_lib.cli, junyun_lib.io.importer, junyun_lib.io.school_forms, junyun_lib.io.supplement"


def county(copies: int) -> list:
    """tests/_forms.py's schools copied ``copies`` times: ids + 10 000 × k, names 合成县 → 合成县<k>."""
    return [dataclasses.replace(s, id=f"{int(s.id) + k * 10000:010d}", name=s.name.replace("合成县", f"合成县{k:02d}"))
            for k in range(copies) for s in fm.COUNTY]


def fresh(argv: list, repeat: int) -> tuple[float, float, float, str]:
    """Best and median seconds and the peak RSS (MB) of ``argv`` run in a fresh process ``repeat`` times (it must
    succeed; :func:`_timing.fresh_process`), and the load average before the runs."""
    load = load_average()
    try:
        runs = fresh_process(argv, tempfile.gettempdir(), repeat)
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from None
    return (*summarise(runs), load)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=30, help="copies of the county's 10 schools (30: 300 schools)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--series", choices=("2021", "2020"), default="2021", help="form series of the workbooks")
    args = ap.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="junyun-bench-import-"))
    python = [sys.executable]
    try:
        schools = county(args.copies)
        small = fm.write_county_exports(folder / "small"), sw.supplement_file(folder / "small")
        wide = fm.write_county_exports(folder / "wide", county=schools)
        supplement = sw.supplement_file(folder, schools)
        books = sw.county_workbooks(folder / "workbooks", args.series,
                                    sw.Layout(cover=True, contents=True, headings=args.series == "2020"), schools)
        print(f"import benchmark — SYNTHETIC data (合成数据); {os.cpu_count()} CPUs; load average {load_average()} at "
              f"start; a loop of 10⁶ additions {loop_ms():.0f} ms; best / median of {args.repeat}")
        best, median, result = timed(lambda: import_exports(small[0], fm.YEAR, fm.COUNTY_NAME, supplement=small[1]),
                                     args.repeat)
        print(f"  in-process, the county once (3 stage files): {len(result.table)} schools, import "
              f"{best:.2f} / {median:.2f} s")
        b_best, b_median, b_peak, b_load = fresh(python + ["-c", BASELINE], args.repeat)
        print(f"  start-up baseline (fresh process: Python and the command's imports, nothing read): "
              f"{b_best:.2f} / {b_median:.2f} s, peak {b_peak:.0f} MB (load {b_load})")
        cases = (("wide", f"county-wide stage files (3 workbooks, {len(schools)} schools)", wide, "stats-2021"),
                 ("schools", f"per-school workbooks ({len(books)} workbooks, {args.series} forms)", [folder / "workbooks"],
                  f"stats-{args.series}"))
        for key, label, inputs, mapping in cases:
            out = folder / f"out-{key}" / f"schools_{fm.YEAR}.xlsx"
            command = python + ["-m", "junyun_lib.cli", "import", *map(str, inputs), "--mapping", mapping,
                                "--supplement", str(supplement), "--year", str(fm.YEAR), "--county", fm.COUNTY_NAME,
                                "--out", str(out), "--force", "--data-dir", str(folder / "data"),
                                "--outputs-dir", str(out.parent)]
            c_best, c_median, c_peak, c_load = fresh(command, args.repeat)

            def in_process():
                result = import_exports(inputs, fm.YEAR, fm.COUNTY_NAME, mapping, supplement=supplement)
                write_canonical(result, folder / f"in-{key}.xlsx")
                write_report(result, folder / f"in-{key}-report.xlsx")
                return result
            i_best, i_median, result = timed(in_process, args.repeat)
            verdict = "PASS" if c_median <= TARGETS[key] else "MISS"
            print(f"  {label}: {len(result.table)} schools, {len(result.merges)} merges")
            print(f"    junyun import, whole command in a fresh process: {c_best:.2f} / {c_median:.2f} s, peak "
                  f"{c_peak:.0f} MB (baseline {b_median:.2f} s; load {c_load}) — target ≤ {TARGETS[key]:.0f} s "
                  f"(median): {verdict}")
            print(f"    in-process (import_exports + write_canonical + write_report): {i_best:.2f} / "
                  f"{i_median:.2f} s (load {load_average()})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"  load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
