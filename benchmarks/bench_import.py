"""Import from statistics exports: seconds for a county-sized export (SYNTHETIC, 合成数据).

    .venv/bin/python benchmarks/bench_import.py [--copies 60] [--repeat 3]

Builds the synthetic 2021-layout exports of tests/_exports.py (7 schools in two stage files, merged
multi-row headers) and a larger pair with every school copied ``--copies`` times under new identifiers and
names (60 copies ≈ 420 rows); times ``import_exports`` (read with merged headers, match header paths, derive,
merge) and writing the canonical table and the report.  Prints its figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(Path(__file__).resolve().parent)]

import _exports as ex  # noqa: E402
from _timing import timed  # noqa: E402
from junyun_lib.io.importer import import_exports, write_canonical, write_report  # noqa: E402


def scaled_files(folder: Path, copies: int) -> list[Path]:
    titles = ex._TITLES["2021"]
    ids = [p for p in ex.LAYOUT_2021["primary"] if p == ("学校标识码",)][0]
    out = []
    for stage in ("primary", "junior"):
        columns = ex.LAYOUT_2021[stage]
        id_col, name_col = columns.index(ids), columns.index(("学校名称",))
        rows = []
        for k in range(copies):
            for row in ex.export_rows(stage, columns):
                row = list(row)
                row[id_col] = f"{int(row[id_col]) + k * 1000:010d}"
                row[name_col] = f"{row[name_col].replace('合成县', f'合成县{k:02d}')}"
                rows.append(row)
        title, code = titles[stage]
        out.append(ex.write_export(folder / f"scaled_{code}.xlsx", columns, rows, title))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="junyun-bench-import-"))
    try:
        small = ex.export_files(folder / "small")
        big = scaled_files(folder, args.copies)
        print(f"import benchmark — SYNTHETIC data (合成数据), 2021 layout, best / median of {args.repeat}")
        for label, files in (("fixture (7 rows in 2 files)", small), (f"{args.copies} copies", big)):
            best, median, result = timed(lambda: import_exports(files, ex.YEAR, ex.COUNTY), args.repeat)
            w_best, w_median, _ = timed(lambda: (write_canonical(result, folder / "out.xlsx"),
                                                 write_report(result, folder / "report.xlsx")), args.repeat)
            rows = sum(len(ex.export_rows(s, ex.LAYOUT_2021[s])) for s in ("primary", "junior")) * \
                (1 if files is small else args.copies)
            print(f"  {label}: {rows} export rows → {len(result.table)} schools, {len(result.merges)} merges; "
                  f"import {best:.2f} / {median:.2f} s; write table + report {w_best:.2f} / {w_median:.2f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
