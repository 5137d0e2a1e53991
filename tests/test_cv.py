"""The difference coefficient (差异系数) against independent computations.

Reference: X̄ = Σ P_i·X_i / P, S = sqrt(Σ (P_i/P)·(X_i − X̄)²), CV = S / X̄ (DOMAIN.md; seed 002 附件2 (四)).
The independent implementation is statsmodels' ``DescrStatsW(x, weights=p, ddof=0)`` (population weights).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.weightstats import DescrStatsW

from junyun_lib.measures.cv import weighted_cv, weighted_cv_groups
from junyun_lib.report.jsonview import evaluation_json

from _build import COUNTY, indicator, meeting_primary, run

REL = 1e-12


def _reference(x, p) -> tuple[float, float, float]:
    d = DescrStatsW(np.asarray(x, dtype=float), weights=np.asarray(p, dtype=float), ddof=0)
    return float(d.mean), float(d.std), float(d.std / d.mean)


def _random_county(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 201))
    students = rng.integers(50, 3000, size=n)
    values = rng.gamma(shape=rng.uniform(1.0, 20.0), scale=rng.uniform(0.1, 500.0), size=n)
    return values, students


@pytest.mark.parametrize("seed", range(60))
def test_weighted_cv_matches_statsmodels_on_random_counties(seed):
    values, students = _random_county(seed)
    mean, sd, cv = _reference(values, students)
    got = weighted_cv(values, students)
    assert got.mean == pytest.approx(mean, rel=REL)
    assert got.sd == pytest.approx(sd, rel=1e-10)
    assert got.cv == pytest.approx(cv, rel=1e-10)
    assert got.n == len(values)
    assert got.students == students.sum()


def test_weighted_cv_equal_weights_hand_example():
    # values 1 and 3, 100 students each: X̄ = (100·1 + 100·3)/200 = 2; S = sqrt(½·1² + ½·1²) = 1; CV = 1/2
    got = weighted_cv([1, 3], [100, 100])
    assert (got.mean, got.sd, got.cv) == (2.0, 1.0, 0.5)


def test_weighted_cv_unequal_weights_hand_example():
    # values 1 and 4 with 100 and 200 students: P = 300
    # X̄ = (100·1 + 200·4)/300 = 900/300 = 3
    # S² = (1/3)·(1−3)² + (2/3)·(4−3)² = 4/3 + 2/3 = 2  →  S = √2
    # CV = √2 / 3 = 0.4714…
    got = weighted_cv([1, 4], [100, 200])
    assert got.mean == pytest.approx(3.0, rel=REL)
    assert got.sd == pytest.approx(math.sqrt(2), rel=REL)
    assert got.cv == pytest.approx(math.sqrt(2) / 3, rel=REL)


def test_weighted_cv_is_not_the_unweighted_cv_when_sizes_differ():
    # unweighted: mean (1+4)/2 = 2.5, population sd 1.5, CV 0.6; weighted (above): √2/3 ≈ 0.471
    values, students = [1, 4], [100, 200]
    unweighted = np.std(values) / np.mean(values)
    assert unweighted == pytest.approx(0.6, rel=REL)
    assert weighted_cv(values, students).cv != pytest.approx(unweighted, rel=1e-3)
    # nor the sample (n−1) version
    assert weighted_cv(values, students).cv != pytest.approx(np.std(values, ddof=1) / np.mean(values), rel=1e-3)


def test_weighted_cv_scales_with_weights_not_with_counts():
    # doubling every school's size leaves the CV unchanged; it is not a frequency-weighted sample CV
    values, students = _random_county(99)
    assert weighted_cv(values, students * 2).cv == pytest.approx(weighted_cv(values, students).cv, rel=REL)


def test_weighted_cv_groups_equals_weighted_cv_per_group():
    rng = np.random.default_rng(7)
    n = 400
    keys = pd.DataFrame({"county": rng.choice(["甲县", "乙县", "丙县"], n), "year": rng.choice([2022, 2023], n),
                         "stage": rng.choice(["primary", "junior"], n)})
    values = pd.DataFrame({"a": rng.gamma(4.0, 2.0, n), "b": rng.uniform(100, 5000, n)})
    students = pd.Series(rng.integers(30, 2500, n))
    table = weighted_cv_groups(values, students, keys)
    assert len(table) == 2 * keys.drop_duplicates().shape[0]
    for (county, year, stage), idx in keys.groupby(["county", "year", "stage"]).groups.items():
        for column in values.columns:
            row = table[(table["county"] == county) & (table["year"] == year) & (table["stage"] == stage)
                        & (table["indicator"] == column)]
            assert len(row) == 1
            row = row.iloc[0]
            single = weighted_cv(values.loc[idx, column], students.loc[idx])
            mean, sd, cv = _reference(values.loc[idx, column], students.loc[idx])
            assert row["cv"] == pytest.approx(single.cv, rel=REL)
            assert row["mean"] == pytest.approx(mean, rel=REL)
            assert row["sd"] == pytest.approx(sd, rel=1e-10)
            assert row["cv"] == pytest.approx(cv, rel=1e-10)
            assert row["n"] == len(idx)
            assert row["students"] == students.loc[idx].sum()


def test_weighted_cv_groups_with_array_labels():
    # groups given as a plain array: group "x" = {1, 3} equal weights → 0.5; group "y" = {1, 4} weights 1:2 → √2/3
    values = pd.DataFrame({"v": [1.0, 3.0, 1.0, 4.0]})
    table = weighted_cv_groups(values, pd.Series([10, 10, 100, 200]), np.array(["x", "x", "y", "y"]))
    by_group = dict(zip(table["group"], table["cv"]))
    assert by_group["x"] == pytest.approx(0.5, rel=REL)
    assert by_group["y"] == pytest.approx(math.sqrt(2) / 3, rel=REL)


@pytest.mark.parametrize("values, students", [([0, 0, 0], [100, 200, 300]), ([-2, 2, 0], [100, 100, 7])],
                         ids=["all-zero", "mean-zero"])
def test_weighted_cv_mean_zero_is_nan_without_exception(values, students):
    # all zero: X̄ = 0, S = 0; −2/2 with equal sizes and a 0: X̄ = (−200 + 200 + 0)/207 = 0
    got = weighted_cv(values, students)
    assert got.mean == 0.0
    assert math.isnan(got.cv)


def test_weighted_cv_mean_exactly_zero_hand_example():
    # −1 and 1 with equal weights: X̄ = 0 exactly, S = 1, CV undefined
    got = weighted_cv([-1, 1], [50, 50])
    assert got.mean == 0.0 and got.sd == 1.0
    assert math.isnan(got.cv)


def test_evaluation_reports_undefined_cv_as_nan_and_failing(tmp_path):
    # two 小学 with no key teachers at all: X̄ = 0 for key_teachers → CV undefined, never a pass, with a warning
    rows = [meeting_primary("P1", key_teachers_primary=0), meeting_primary("P2", key_teachers_primary=0)]
    ev = run(rows, tmp_path)
    row = indicator(ev, "primary", "key_teachers")
    assert row["mean"] == 0.0
    assert math.isnan(row["cv"])
    assert not bool(row["cv_pass"])
    assert any(w.code == "cv_undefined" and "key_teachers" in w.message_en for w in ev.warnings)
    js = evaluation_json(ev.county(COUNTY, 2023))
    assert js["stages"]["primary"]["indicators"]["key_teachers"]["cv"] is None


def test_composite_is_undefined_when_an_indicator_cv_is_undefined(tmp_path):
    """综合差异系数 = simple mean of ALL the indicator CVs; one undefined CV makes it undefined.

    Under basic-2012 the composite alone decides the stage; dropping the undefined CV (here books, all zero) and
    averaging the other 7 reports a composite of 8 indicators that is really a mean of 7, and a pass.
    """
    extra = dict(computers=50, books=0, teachers_primary=30, mid_title_teachers_primary=10, teachers_junior=0,
                 mid_title_teachers_junior=0)
    rows = [meeting_primary("P1", **extra), meeting_primary("P2", sports_area_m2=5000, **extra)]
    ev = run(rows, tmp_path, standard="basic-2012")
    assert math.isnan(indicator(ev, "primary", "books")["cv"])
    stage = ev.stages[ev.stages["stage"] == "primary"].iloc[0]
    assert math.isnan(stage["composite_cv"]), f"composite of 8 CVs with one undefined reported as {stage['composite_cv']}"
    assert stage["passes"] is not True and not bool(stage["passes"])
