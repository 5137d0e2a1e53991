"""The baseline of ``bench_national.py``: the difference coefficients (差异系数) of a national school table
computed the way a competent analyst would with pandas alone — ``pd.read_csv``, vectorised columns and
``groupby`` — without junyun.

It computes exactly the 7 × 2 CVs per county-year that junyun reports under quality balance (教督〔2017〕6号):
the same scope, the same splitting of mixed schools and the same formula (DOMAIN.md), so that
``bench_national.py`` can check that its CVs equal junyun's (1e-9 relative) before it compares the times —
a baseline that computed less would not be a fair one.  It does none of the rest: no validation of the cells
or rows (junyun reports every problem, located), no verdicts, no per-school rule, no gaps, no guarantee checks,
no results tables.

    python benchmarks/baseline_pandas.py national.csv [--out cvs.csv]

Prints one JSON line: rows, county-years, CVs, and the seconds of reading and of computing (measured inside
this process; ``bench_national.py`` also times the whole process).  ``--out`` writes the CVs (county, year,
stage, indicator, cv) as CSV.  The rules are written out here on purpose (not read from junyun): scope
(有关事项说明（三）), stage weights (有关事项说明（五）) and the indicators (教督〔2017〕6号 二（一）).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import pandas as pd

EXCLUDED_TYPES = ("特殊教育学校", "职业学校")
TEACHING_POINT, TEACHING_POINT_MIN = "教学点", 50
# facility share weights per stage (小学 : 初中 : 高中), by school type
WEIGHTS = {
    "小学": (1.0, 0.0, 0.0), "教学点": (1.0, 0.0, 0.0), "初级中学": (1.0, 1.1, 0.0),
    "九年一贯制学校": (1.0, 1.1, 0.0), "完全中学": (0.0, 1.0, 1.2), "十二年一贯制学校": (1.0, 1.1, 1.32),
}
STAGES = {"primary": "小学", "junior": "初中"}
# indicator: (numerator column, its stage prefix is the section's (teachers) or none (whole-school facility), scale)
INDICATORS = {
    "teachers_above_degree": ("高于规定学历教师数", True, 100),
    "key_teachers": ("县级以上骨干教师数", True, 100),
    "pe_art_teachers": ("体育艺术专任教师数", True, 100),
    "teaching_aux_area": ("教学及辅助用房面积", False, 1),
    "sports_area": ("体育运动场馆面积", False, 1),
    "equipment_value": ("教学仪器设备值", False, 1),
    "multimedia_classrooms": ("网络多媒体教室数", False, 100),
}


def cvs(path: str) -> tuple[pd.DataFrame, dict]:
    start = time.perf_counter()
    df = pd.read_csv(path)
    read = time.perf_counter() - start
    students = {s: df[f"{zh}在校生数"].fillna(0).to_numpy(dtype=float) for s, zh in
                (("primary", "小学"), ("junior", "初中"), ("senior", "高中"))}
    school_type = df["学校类型"]
    type_code, types = pd.factorize(school_type)          # the weights looked up once per type, not per row
    w = np.array([WEIGHTS.get(t, (0.0, 0.0, 0.0)) for t in types])[type_code]
    weighted = w * np.column_stack([students["primary"], students["junior"], students["senior"]])
    total = weighted.sum(axis=1)
    compulsory = students["primary"] + students["junior"]
    in_scope = (~school_type.isin(EXCLUDED_TYPES) & (compulsory > 0)
                & ~((school_type == TEACHING_POINT) & (students["primary"] < TEACHING_POINT_MIN))).to_numpy()
    # one integer per county-year (text keys are hashed once, not in every groupby)
    county_code, counties = pd.factorize(df["县区"])
    year_code, years = pd.factorize(df["统计年度"])
    county_year = county_code * len(years) + year_code
    pieces = []
    for k, (stage, zh) in enumerate(STAGES.items()):
        has = in_scope & (students[stage] > 0) & (w[:, k] > 0)
        share = np.where(total > 0, weighted[:, k] / np.where(total > 0, total, 1.0), 0.0)[has]
        p = students[stage][has]
        part = pd.DataFrame({"group": county_year[has] * 2 + k, "p": p})
        for code, (column, section, scale) in INDICATORS.items():
            quantity = df[f"{zh}{column}" if section else column].fillna(0).to_numpy(dtype=float)[has]
            numerator = quantity if section else quantity * share
            part[code] = numerator * scale / p
        pieces.append(part)
    parts = pd.concat(pieces, ignore_index=True)
    codes = list(INDICATORS)
    # X̄ = Σ (P_i/P)·X_i and S² = Σ (P_i/P)·(X_i − X̄)² per county, year and stage; CV = S / X̄
    by_group = parts.groupby("group", sort=True)
    share = parts["p"] / by_group["p"].transform("sum")
    weighted_x = parts[codes].mul(share, axis=0)
    mean = weighted_x.groupby(parts["group"], sort=True).transform("sum")
    dev2 = (parts[codes] - mean).pow(2).mul(share, axis=0)
    mean = weighted_x.groupby(parts["group"], sort=True).sum()
    sd = np.sqrt(dev2.groupby(parts["group"], sort=True).sum())
    cv = (sd / mean).where(mean != 0)
    pair = cv.index.to_numpy() // 2
    names = pd.DataFrame({"county": counties[pair // len(years)], "year": years[pair % len(years)],
                          "stage": np.array(list(STAGES))[cv.index.to_numpy() % 2]})
    result = pd.concat([names.assign(indicator=code, cv=cv[code].to_numpy()) for code in codes], ignore_index=True)
    compute = time.perf_counter() - start - read
    return result, {"rows": len(df), "county_years": int(len(np.unique(county_year))),
                    "cvs": len(result), "read_s": read, "compute_s": compute}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv")
    ap.add_argument("--out", help="write the CVs (county, year, stage, indicator, cv) to this CSV")
    args = ap.parse_args(argv)
    result, facts = cvs(args.csv)
    if args.out:
        result.to_csv(args.out, index=False)
    print(json.dumps(facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
