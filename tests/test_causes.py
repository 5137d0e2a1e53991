"""Causes of the difference coefficient (junyun_lib.causes) against hand, brute-force and statsmodels values.

References used here, all computed in this file and never taken from the module under test:
* weighted mean / population std (ddof=0) / CV: statsmodels ``DescrStatsW`` (as in test_cv.py);
* CV² = Σ p_i (X_i/X̄ − 1)², shares, Theil, Gini (O(n²) double sum), McLoone: direct numpy evaluation;
* weighted percentiles: the module's definition Q(q) = min{X_(k) : C_k/P ≥ q} brute-forced in exact
  rational arithmetic (fractions.Fraction), and statsmodels ``DescrStatsW.quantile`` where its (SAS)
  definition coincides — everywhere except when q·P equals a cumulative count exactly, where SAS averages
  the two neighbouring values and we take the lower one (shown in the hand case).
"""
from __future__ import annotations

import json
import math
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.weightstats import DescrStatsW

from _build import configs
from junyun_lib.evaluation import causes
from junyun_lib.report.jsonview import causes_json
from junyun_lib.measures.cv import weighted_cv
from junyun_lib.measures.inequality import (contributions, gini, leave_one_out, mcloone, restricted_range, theil_t,
                               weighted_percentile, within_between)

REL = 1e-12
STAGES = ("primary", "junior")


# ------------------------------------------------------------------------------------------- references
def _ref_mean_cv(x, p):
    d = DescrStatsW(np.asarray(x, dtype=float), weights=np.asarray(p, dtype=float), ddof=0)
    return float(d.mean), float(d.std / d.mean)


def _ref_terms(x, p):
    """(P_i/P)(X_i − X̄)² / X̄² per school, X̄ from statsmodels."""
    x, p = np.asarray(x, float), np.asarray(p, float)
    m, _ = _ref_mean_cv(x, p)
    return p / p.sum() * (x - m) ** 2 / m ** 2


def _ref_gini(x, p):
    x, p = np.asarray(x, float), np.asarray(p, float)
    w = p / p.sum()
    return float((w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * (w * x).sum()))


def _ref_theil(x, p):
    x, p = np.asarray(x, float), np.asarray(p, float)
    w = p / p.sum()
    r = x / (w * x).sum()
    safe = np.where(r > 0, r, 1.0)
    return float(np.sum(w * np.where(r > 0, r * np.log(safe), 0.0)))


def _ref_percentile(x, p, q: Fraction):
    """Smallest value whose cumulative student share reaches q, in exact rational arithmetic."""
    total = sum(Fraction(int(v)) for v in p)
    for v in sorted(set(float(a) for a in x)):
        if sum(Fraction(int(w)) for a, w in zip(x, p) if a <= v) >= q * total:
            return v
    raise AssertionError("unreachable")


def _random(seed, n=None, integer_values=False):
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(3, 60))
    students = rng.integers(30, 2500, size=n)
    if integer_values:
        values = rng.integers(0, 8, size=n).astype(float)      # many ties and zeros
    else:
        values = rng.gamma(shape=rng.uniform(1.0, 15.0), scale=rng.uniform(0.1, 300.0), size=n)
    return values, students


# ------------------------------------------------------------------------------------------ sample county
@pytest.fixture(scope="module")
def sample():
    from junyun_lib.evaluation.evaluate import evaluate
    from junyun_lib.io.processed import read_table as open_table
    ev = evaluate(open_table("data/raw/jinxian/schools_2024.xlsx"), "quality-2017", counties=configs("data"))
    return ev.county("进贤县", 2024)


def _stage_arrays(r, stage, code):
    parts = r.parts[r.parts["part"] == stage]
    return parts, parts[f"value_{code}"].to_numpy(float), parts["students"].to_numpy(float)


# -------------------------------------------------------------------------------------------- hand case
def test_hand_case_three_schools():
    # values 2, 4, 6 with 100, 100, 200 students: P = 400, p = ¼, ¼, ½
    # X̄ = ¼·2 + ¼·4 + ½·6 = 0.5 + 1 + 3 = 4.5;  X/X̄ = 4/9, 8/9, 4/3
    # terms p (X/X̄ − 1)² = ¼·25/81, ¼·1/81, ½·9/81 = 6.25/81, 0.25/81, 4.5/81;  CV² = 11/81
    # shares = 6.25/11 = 25/44, 0.25/11 = 1/44, 4.5/11 = 9/22;  directions below, below, above
    x, p = [2, 4, 6], [100, 100, 200]
    c = contributions(x, p, labels=["A", "B", "C"])
    assert list(c["label"]) == ["A", "C", "B"]                   # sorted by share: 25/44 > 18/44 > 1/44
    assert c["share"].tolist() == pytest.approx([25 / 44, 9 / 22, 1 / 44], rel=REL)
    assert list(c["direction"]) == ["below", "above", "below"]
    assert c["value"].tolist() == [2.0, 6.0, 4.0] and c["students"].tolist() == [100.0, 200.0, 100.0]
    assert weighted_cv(x, p).cv ** 2 == pytest.approx(11 / 81, rel=REL)   # the CV² the shares divide

    # Theil: ¼·(4/9)ln(4/9) + ¼·(8/9)ln(8/9) + ½·(4/3)ln(4/3) = (1/9)ln(4/9) + (2/9)ln(8/9) + (2/3)ln(4/3)
    theil = math.log(4 / 9) / 9 + 2 * math.log(8 / 9) / 9 + 2 * math.log(4 / 3) / 3
    assert theil_t(x, p) == pytest.approx(theil, rel=REL)
    assert theil == pytest.approx(0.0755107, abs=1e-7)

    # Gini by the double sum over ordered pairs: |2−4|·¼·¼ + |2−6|·¼·½ + |4−6|·¼·½, twice
    #   = 2·(2/16 + 4/8 + 2/8) = 1.75;  G = 1.75 / (2·4.5) = 7/36
    pairs = sum(pi * pj * abs(xi - xj) for xi, pi in zip(x, [.25, .25, .5]) for xj, pj in zip(x, [.25, .25, .5]))
    assert pairs == pytest.approx(1.75)
    assert gini(x, p) == pytest.approx(7 / 36, rel=REL)

    # cumulative shares ¼, ½, 1: the median is the first value reaching ½ → 4 (SAS/statsmodels would
    # average 4 and 6 here, because ½·P = 200 equals the cumulative count exactly: 5.0)
    assert weighted_percentile(x, p, 0.5) == 4.0
    assert float(DescrStatsW(np.array(x, float), weights=np.array(p, float)).quantile(0.5).iloc[0]) == 5.0
    # McLoone: schools ≤ 4 are the first two: (100·2 + 100·4) / (4·200) = 600/800 = 0.75
    assert mcloone(x, p) == pytest.approx(0.75, rel=REL)
    # P5: share ¼ ≥ 0.05 at value 2;  P95: ½ < 0.95 ≤ 1 at value 6;  range 4
    rr = restricted_range(x, p)
    assert (rr.p5, rr.p95, rr.range) == (2.0, 6.0, 4.0)

    # leave out A: values 4, 6 with 100, 200 → mean 16/3, var = ⅓(4/3)² + ⅔(2/3)² = 16/27 + 8/27 = 8/9
    #   CV = (√8/3)/(16/3) = √8/16.  Leave out B: 2, 6 with 100, 200 → mean 14/3,
    #   var = ⅓(8/3)² + ⅔(4/3)² = 64/27 + 32/27 = 32/9, CV = (√32/3)/(14/3) = √32/14.
    #   Leave out C: 2, 4 equal weights → mean 3, sd 1, CV 1/3.
    loo = leave_one_out(x, p, labels=["A", "B", "C"])
    assert loo["A"] == pytest.approx(math.sqrt(8) / 16, rel=REL)
    assert loo["B"] == pytest.approx(math.sqrt(32) / 14, rel=REL)
    assert loo["C"] == pytest.approx(1 / 3, rel=REL)

    # groups {A, B} and {C}: s = ½, ½; μ = 3, 6; CV_g = 1/3, 0
    #   within = ½·(3/4.5)²·(1/3)² = ½·(4/9)·(1/9) = 2/81;  between = ½(2/3 − 1)² + ½(4/3 − 1)² = 1/9 = 9/81
    wb = within_between(x, p, ["g1", "g1", "g2"])
    assert wb.within == pytest.approx(2 / 81, rel=REL)
    assert wb.between == pytest.approx(9 / 81, rel=REL)
    assert wb.cv2 == pytest.approx(11 / 81, rel=REL)
    g = wb.groups.set_index("group")
    assert g.loc["g1", "mean"] == pytest.approx(3.0) and g.loc["g2", "mean"] == pytest.approx(6.0)
    assert g.loc["g1", "cv"] == pytest.approx(1 / 3) and g.loc["g2", "cv"] == 0.0
    assert g["student_share"].tolist() == [0.5, 0.5]


# ------------------------------------------------------------------------------------- exact identities
@pytest.mark.parametrize("seed", range(25))
def test_shares_sum_to_one_and_match_reference_terms(seed):
    x, p = _random(seed)
    c = contributions(x, p)
    assert c["share"].sum() == pytest.approx(1.0, rel=REL)
    terms = _ref_terms(x, p)
    _, cv = _ref_mean_cv(x, p)
    assert terms.sum() == pytest.approx(cv ** 2, rel=1e-10)        # CV² = Σ p (X/X̄ − 1)²
    got = c.set_index("label")["share"].sort_index().to_numpy()
    assert got == pytest.approx(terms / terms.sum(), rel=1e-10, abs=1e-15)
    assert (np.diff(c["share"].to_numpy()) <= 0).all()              # largest first
    mean, _ = _ref_mean_cv(x, p)
    direction = c.set_index("label")["direction"].sort_index().to_numpy()
    assert (direction == np.where(x < mean, "below", "above")).all()


@pytest.mark.parametrize("seed", range(15))
def test_leave_one_out_matches_statsmodels_for_every_school(seed):
    x, p = _random(seed, n=int(np.random.default_rng(seed).integers(2, 15)))
    loo = leave_one_out(x, p)
    assert list(loo.index) == list(range(len(x)))
    for k in range(len(x)):
        keep = np.arange(len(x)) != k
        assert loo[k] == pytest.approx(_ref_mean_cv(x[keep], p[keep])[1], rel=1e-10)


@pytest.mark.parametrize("seed", range(20))
def test_within_plus_between_is_cv_squared_on_random_groups(seed):
    x, p = _random(seed)
    rng = np.random.default_rng(1000 + seed)
    groups = rng.choice(["城区", "镇区", "乡村"], size=len(x))
    wb = within_between(x, p, groups)
    _, cv = _ref_mean_cv(x, p)
    assert wb.within + wb.between == pytest.approx(cv ** 2, rel=REL)
    assert wb.cv == pytest.approx(cv, rel=1e-10)
    table = wb.groups.set_index("group")
    for g in np.unique(groups):
        m, cvg = _ref_mean_cv(x[groups == g], p[groups == g])
        assert table.loc[g, "mean"] == pytest.approx(m, rel=REL)
        assert table.loc[g, "cv"] == pytest.approx(cvg, rel=1e-10, abs=1e-15)
        assert table.loc[g, "students"] == p[groups == g].sum()


# ------------------------------------------------------------------------------- equity measures, random
@pytest.mark.parametrize("seed", range(20))
def test_theil_and_gini_against_direct_formulas(seed):
    for integer_values in (False, True):                            # continuous, and ties with zeros
        x, p = _random(seed, integer_values=integer_values)
        if (x * p).sum() == 0:
            continue
        assert theil_t(x, p) == pytest.approx(_ref_theil(x, p), rel=1e-10, abs=1e-15)
        assert gini(x, p) == pytest.approx(_ref_gini(x, p), rel=1e-10, abs=1e-15)


@pytest.mark.parametrize("seed", range(20))
def test_percentiles_and_mcloone_match_statsmodels_where_definitions_agree(seed):
    # continuous weights: q·P never equals a cumulative weight, so SAS's averaging rule never applies
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 80))
    x, p = rng.gamma(3.0, 2.0, size=n), rng.uniform(10, 2000, size=n)
    qs = [0.05, 0.25, 0.5, 0.75, 0.95]
    ref = DescrStatsW(x, weights=p).quantile(qs, return_pandas=False)
    assert weighted_percentile(x, p, np.array(qs)) == pytest.approx(ref, rel=REL)
    rr = restricted_range(x, p)
    assert (rr.p5, rr.p95) == pytest.approx((ref[0], ref[-1]), rel=REL)
    assert rr.range == pytest.approx(ref[-1] - ref[0], rel=REL)
    m = ref[2]
    low = x <= m
    assert mcloone(x, p) == pytest.approx((p[low] * x[low]).sum() / (m * p[low].sum()), rel=REL)


@pytest.mark.parametrize("seed", range(20))
def test_percentiles_match_exact_brute_force_with_ties(seed):
    # integer students and tied values: exact ties of q·P with cumulative counts do occur here
    x, p = _random(seed, integer_values=True)
    for q in (Fraction(1, 20), Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), Fraction(19, 20), Fraction(1)):
        assert weighted_percentile(x, p, float(q)) == _ref_percentile(x, p, q)


def test_exact_tie_at_095_uses_lower_value():
    # 19 students at 1, 1 student at 5: cumulative share reaches 0.95 exactly at value 1 → P95 = 1
    # (the lower value at an exact tie; statsmodels/SAS would give (1 + 5)/2 = 3)
    assert weighted_percentile([1, 5], [19, 1], 0.95) == 1.0
    assert float(DescrStatsW(np.array([1.0, 5.0]), weights=np.array([19.0, 1.0])).quantile(0.95).iloc[0]) == 3.0
    assert weighted_percentile([1, 5], [18, 2], 0.95) == 5.0


def test_exact_tie_survives_float_rounding_of_decimal_weights():
    # weights 1.4, 0.4, 1.6, 0.2 (total 3.6): 1.4 + 0.4 = 1.8 is exactly half in decimals, so the median is
    # the second value, 2 — but in floats 1.4 + 0.4 = 1.7999999999999998 < 0.5·3.6 = 1.8
    assert 1.4 + 0.4 < 0.5 * (1.4 + 0.4 + 1.6 + 0.2)
    assert weighted_percentile([1, 2, 3, 4], [1.4, 0.4, 1.6, 0.2], 0.5) == 2.0
    # weights 0.3, 2.5, 0.9, 1.9, 0.4 (total 6.0): 0.3 is exactly 5 %, so P5 is the first value
    assert weighted_percentile([1, 2, 3, 4, 5], [0.3, 2.5, 0.9, 1.9, 0.4], 0.05) == 1.0


# ------------------------------------------------------------------------------------------- edge cases
def test_one_school():
    ref = weighted_cv([3.0], [120])
    assert ref.cv == 0.0                                            # what cv.py gives for one part
    c = contributions([3.0], [120])
    assert c["share"].tolist() == [0.0] and c["direction"].tolist() == ["at"]
    assert math.isnan(leave_one_out([3.0], [120]).iloc[0])
    wb = within_between([3.0], [120], ["城区"])
    assert (wb.within, wb.between) == (0.0, 0.0)
    assert (gini([3.0], [120]), theil_t([3.0], [120]), mcloone([3.0], [120])) == (0.0, 0.0, 1.0)


def test_all_equal_values():
    x, p = [2.7] * 5, [100, 250, 80, 900, 40]
    assert weighted_cv(x, p).cv == pytest.approx(0.0, abs=1e-15)
    # the rounded X̄ = Σ p·2.7 is not exactly 2.7; shares must still be 0, not rounding noise blown up
    c = contributions(x, p)
    assert c["share"].tolist() == [0.0] * 5 and set(c["direction"]) == {"at"}
    assert (gini(x, p), theil_t(x, p), mcloone(x, p)) == (0.0, 0.0, 1.0)
    assert restricted_range(x, p).range == 0.0
    assert within_between(x, p, list("aabbb")).between == pytest.approx(0.0, abs=1e-15)


def test_zero_value_theil_and_gini():
    # values 0, 2, 4 with 1, 1, 2 students: p = ¼, ¼, ½; X̄ = 0 + 0.5 + 2 = 2.5; X/X̄ = 0, 0.8, 1.6
    # Theil = ¼·0 (0·ln0 = 0) + ¼·0.8·ln0.8 + ½·1.6·ln1.6 = 0.2 ln0.8 + 0.8 ln1.6
    x, p = [0.0, 2.0, 4.0], [1, 1, 2]
    assert theil_t(x, p) == pytest.approx(0.2 * math.log(0.8) + 0.8 * math.log(1.6), rel=REL)
    # Gini: ordered pairs 2·(¼·¼·2 + ¼·½·4 + ¼·½·2) = 2·(0.125 + 0.5 + 0.25) = 1.75; / (2·2.5) = 0.35
    assert gini(x, p) == pytest.approx(0.35, rel=REL)
    # median: cumulative ¼, ½ → 2; McLoone = (1·0 + 1·2) / (2·2) = 0.5
    assert mcloone(x, p) == pytest.approx(0.5, rel=REL)
    c = contributions(x, p)
    assert c["share"].sum() == pytest.approx(1.0, rel=REL)


def test_all_zero_values_are_undefined_not_errors():
    x, p = [0.0, 0.0], [10, 20]
    assert math.isnan(theil_t(x, p)) and math.isnan(gini(x, p)) and math.isnan(mcloone(x, p))
    assert contributions(x, p)["share"].isna().all()


def test_nan_values_are_left_out_everywhere():
    x, p = _random(7)
    x_nan = np.insert(x, [0, 5], np.nan)
    p_nan = np.insert(p, [0, 5], [999, 1234])
    labels = [f"s{i}" for i in range(len(x_nan))]
    keep = ~np.isnan(x_nan)
    c = contributions(x_nan, p_nan, labels)
    assert set(c["label"]) == {l for l, k in zip(labels, keep) if k}
    ref = contributions(x, p, [l for l, k in zip(labels, keep) if k])
    pd.testing.assert_frame_equal(c, ref)
    assert leave_one_out(x_nan, p_nan, labels).to_numpy() == pytest.approx(
        leave_one_out(x, p).to_numpy(), rel=REL)
    assert theil_t(x_nan, p_nan) == pytest.approx(_ref_theil(x, p), rel=1e-10)
    assert gini(x_nan, p_nan) == pytest.approx(_ref_gini(x, p), rel=1e-10)
    assert mcloone(x_nan, p_nan) == mcloone(x, p)
    assert restricted_range(x_nan, p_nan) == restricted_range(x, p)
    g = np.array(["a", "b"] * (len(x_nan) // 2) + ["a"] * (len(x_nan) % 2))
    wb = within_between(x_nan, p_nan, g)
    assert wb.within + wb.between == pytest.approx(_ref_mean_cv(x, p)[1] ** 2, rel=REL)


def test_negative_inputs_raise():
    with pytest.raises(ValueError):
        contributions([1.0, -2.0], [10, 10])
    with pytest.raises(ValueError):
        gini([1.0, 2.0], [10, -1])


# ---------------------------------------------------------------------------------------- sample county
def test_sample_identities_for_every_stage_and_indicator(sample):
    r = sample
    official = r.indicators.set_index(["stage", "indicator"])["cv"]
    assert len(official) == 14
    for (stage, code), cv in official.items():
        parts, x, p = _stage_arrays(r, stage, code)
        assert contributions(x, p)["share"].sum() == pytest.approx(1.0, rel=REL)
        wb = within_between(x, p, parts["urban_rural"].astype(str).to_numpy())
        assert wb.within + wb.between == pytest.approx(cv ** 2, rel=REL)
        c = causes.indicator_causes(r, stage, code)
        assert c.cv == pytest.approx(cv, rel=REL)
        assert c.by_group.within + c.by_group.between == pytest.approx(cv ** 2, rel=REL)
        assert c.contributions["share"].sum() == pytest.approx(1.0, rel=REL)
        assert len(c.contributions) == len(parts)
        assert c.gini == pytest.approx(_ref_gini(x, p), rel=1e-10)
        assert c.theil == pytest.approx(_ref_theil(x, p), rel=1e-10)


def test_sample_leave_one_out_and_contribution_rows(sample):
    r = sample
    for stage, code in (("primary", "key_teachers"), ("junior", "sports_area")):
        parts, x, p = _stage_arrays(r, stage, code)
        c = causes.indicator_causes(r, stage, code).contributions
        # the row of each school carries its own value, students and leave-one-out CV
        ids = parts["school_id"].to_numpy()
        for sid in list(c["school_id"].head(3)) + list(c["school_id"].tail(2)):
            keep = ids != sid
            row = c[c["school_id"] == sid].iloc[0]
            assert row["value"] == x[~keep][0] and row["students"] == p[~keep][0]
            assert row["school_name"] == parts.loc[~keep, "school_name"].iloc[0]
            assert row["loo_cv"] == pytest.approx(_ref_mean_cv(x[keep], p[keep])[1], rel=1e-10)
        terms = _ref_terms(x, p)
        assert c["share"].iloc[0] == pytest.approx(terms.max() / terms.sum(), rel=1e-10)
        assert c["school_id"].iloc[0] == ids[np.argmax(terms)]


def test_sample_causes_table(sample):
    r = sample
    t = causes.causes_table(r)
    assert list(zip(t["stage"], t["indicator"])) == list(zip(r.indicators["stage"], r.indicators["indicator"]))
    assert t["cv"].to_numpy() == pytest.approx(r.indicators["cv"].to_numpy(), rel=REL)
    assert (t["within"] + t["between"]).to_numpy() == pytest.approx(r.indicators["cv"].to_numpy() ** 2, rel=REL)
    for row in t.itertuples():
        parts, x, p = _stage_arrays(r, row.stage, row.indicator)
        terms = _ref_terms(x, p)
        assert row.top_share == pytest.approx(terms.max() / terms.sum(), rel=1e-10)
        assert row.top_school == parts["school_name"].iloc[int(np.argmax(terms))]
        q = DescrStatsW(x, weights=p).quantile([0.05, 0.95], return_pandas=False)
        assert row.restricted_range == pytest.approx(q[1] - q[0], rel=REL)


# ------------------------------------------------------------------------------------------------- JSON
def test_causes_json_shape(sample):
    j = causes_json(sample, "primary", "key_teachers")
    assert set(j) == {"contributions", "by_urban_rural", "theil", "gini", "mcloone"}
    assert set(j["by_urban_rural"]) == {"within", "between"}
    assert all(set(c) == {"school_id", "share", "direction"} for c in j["contributions"])
    assert all(type(c["share"]) is float and type(c["school_id"]) is str for c in j["contributions"])
    assert {c["direction"] for c in j["contributions"]} <= {"below", "above", "at"}
    assert math.fsum(c["share"] for c in j["contributions"]) == pytest.approx(1.0, rel=REL)
    assert all(type(j[k]) is float for k in ("theil", "gini", "mcloone"))
    assert type(j["by_urban_rural"]["within"]) is float
    cv = float(sample.indicators.set_index(["stage", "indicator"]).loc[("primary", "key_teachers"), "cv"])
    assert j["by_urban_rural"]["within"] + j["by_urban_rural"]["between"] == pytest.approx(cv ** 2, rel=REL)
    json.dumps(j, allow_nan=False)


def test_causes_json_nan_becomes_none():
    # a stand-in result where every value is 0: X̄ = 0, so Theil, Gini, McLoone and the shares are undefined
    parts = pd.DataFrame({"school_id": ["1", "2"], "part": "primary", "school_name": ["甲", "乙"],
                          "urban_rural": ["城区", "乡村"], "students": [100, 200], "value_x": [0.0, 0.0]})
    fake = SimpleNamespace(parts=parts, standard=SimpleNamespace(codes=["x"]))
    j = causes_json(fake, "primary", "x")
    assert j["theil"] is None and j["gini"] is None and j["mcloone"] is None
    assert [c["share"] for c in j["contributions"]] == [None, None]
    assert j["by_urban_rural"]["within"] is None
    json.dumps(j, allow_nan=False)
