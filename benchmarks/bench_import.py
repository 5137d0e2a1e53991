"""Import from statistics exports: seconds for a county-sized export (SYNTHETIC, 合成数据).

    .venv/bin/python benchmarks/bench_import.py [--copies 60] [--repeat 3]

Builds the synthetic 2021-layout exports of tests/_exports.py (stage files 小学, 初中, 高中 with merged
multi-row headers, a summary row, the supplementary table) and a larger set with every school copied
``--copies`` times under new identifiers and names (60 copies ≈ 840 rows); times ``import_exports`` (read with
merged headers, normalise and match header paths, derive, join the 高中 file and the supplementary table, merge)
and writing the canonical table and the report.  Prints its figures; asserts nothing.
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


def scaled_files(folder: Path, copies: int) -> tuple[list[Path], Path]:
    """Every school row copied ``copies`` times (new ids and names); the supplementary table likewise."""
    out = []
    for n, stage in enumerate(("primary", "junior", "senior"), start=1):
        columns = ex.LAYOUT_2021[stage]
        id_col, name_col = columns.index(("机构编码",)), columns.index(("机构名称",))
        rows = []
        for k in range(copies):
            for row in ex.export_rows(stage, columns, "2021"):
                row = list(row)
                if not row[id_col]:
                    continue                                 # the summary row is written once, below
                row[id_col] = f"{int(row[id_col]) + k * 1000:010d}"
                row[name_col] = f"{row[name_col].replace('合成县', f'合成县{k:02d}')}"
                rows.append(row)
        out.append(ex.write_export(folder / f"scaled_{n}.xlsx", columns, rows, ex._TITLES["2021"][stage],
                                   ex.SHEETS[stage]))
    base = ex.supplement_file(folder / "base")
    lines = base.read_text(encoding="utf-8").splitlines()
    copied = [lines[0]] + [f"{int(line.split(',')[0]) + k * 1000:010d}," + line.split(",", 1)[1]
                           for k in range(copies) for line in lines[1:]]
    supplement = folder / "scaled_补充数据.csv"
    supplement.write_text("\n".join(copied) + "\n", encoding="utf-8")
    return out, supplement


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--copies", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="junyun-bench-import-"))
    try:
        small = ex.import_files(folder / "small")
        big = scaled_files(folder, args.copies)
        print(f"import benchmark — SYNTHETIC data (合成数据), 2021 layout, best / median of {args.repeat}")
        for label, (files, supplement) in (("fixture (3 stage files)", small), (f"{args.copies} copies", big)):
            best, median, result = timed(lambda: import_exports(files, ex.YEAR, ex.COUNTY, supplement=supplement),
                                         args.repeat)
            w_best, w_median, _ = timed(lambda: (write_canonical(result, folder / "out.xlsx"),
                                                 write_report(result, folder / "report.xlsx")), args.repeat)
            rows = sum(len(ex.export_rows(s, ex.LAYOUT_2021[s])) for s in ("primary", "junior", "senior")) * \
                (1 if files is small[0] else args.copies)
            print(f"  {label}: ~{rows} export rows → {len(result.table)} schools, {len(result.merges)} merges; "
                  f"import {best:.2f} / {median:.2f} s; write table + report {w_best:.2f} / {w_median:.2f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
