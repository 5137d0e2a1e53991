"""Splitting mixed schools (seed 002 附件2 (五)): shares worked out by hand from the weights 1 : 1.1 : 1.32."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from junyun_lib.evaluation.splitting import split_shares, stage_shares

REL = 1e-12


@pytest.mark.parametrize("school_type, students, expected", [
    # 九年一贯制 A=600, B=400 (1 : 1.1): denominator 600 + 1.1·400 = 1040
    ("九年一贯制学校", (600, 400, 0), {"primary": 600 / 1040, "junior": 440 / 1040, "senior": 0.0}),
    # 完全中学 B=800, C=1000 (1 : 1.2): denominator 800 + 1.2·1000 = 2000 → junior 0.4
    ("完全中学", (0, 800, 1000), {"primary": 0.0, "junior": 0.4, "senior": 1200 / 2000}),
    # 十二年一贯制 A=300, B=200, C=100 (1 : 1.1 : 1.32): denominator 300 + 220 + 132 = 652
    ("十二年一贯制学校", (300, 200, 100), {"primary": 300 / 652, "junior": 220 / 652, "senior": 132 / 652}),
    # 十二年一贯制 A=1000, B=500, C=250: 1000 + 550 + 330 = 1880
    ("十二年一贯制学校", (1000, 500, 250), {"primary": 1000 / 1880, "junior": 550 / 1880, "senior": 330 / 1880}),
    # 初级中学 with an attached primary class (初中附设小学班), split like 九年一贯制: 100 + 1.1·500 = 650
    ("初级中学", (100, 500, 0), {"primary": 100 / 650, "junior": 550 / 650, "senior": 0.0}),
    ("初级中学", (0, 500, 0), {"primary": 0.0, "junior": 1.0, "senior": 0.0}),
    ("小学", (480, 0, 0), {"primary": 1.0, "junior": 0.0, "senior": 0.0}),
    ("教学点", (50, 0, 0), {"primary": 1.0, "junior": 0.0, "senior": 0.0}),
], ids=["nine-year", "complete-middle", "twelve-year", "twelve-year-2", "junior-with-primary", "junior-only",
        "primary", "teaching-point"])
def test_split_shares_by_hand(school_type, students, expected):
    got = split_shares(school_type, *students)
    assert set(got) == {"primary", "junior", "senior"}
    for stage, share in expected.items():
        assert got[stage] == pytest.approx(share, rel=REL, abs=1e-15), stage


def test_nine_year_shares_use_the_weighted_formula_not_head_counts():
    # a plain head-count split would give primary 600/1000 = 0.6; the rule gives 600/1040 ≈ 0.5769
    got = split_shares("九年一贯制学校", 600, 400)
    assert got["primary"] != pytest.approx(0.6, rel=1e-3)
    assert got["junior"] / got["primary"] == pytest.approx(1.1 * 400 / 600, rel=REL)


def test_complete_middle_school_junior_share_uses_1_2():
    # B=800, C=1000: 800/(800+1200) = 0.4, not 800/1800
    assert split_shares("完全中学", 0, 800, 1000)["junior"] == pytest.approx(0.4, rel=REL)


@pytest.mark.parametrize("seed", range(20))
def test_compulsory_shares_never_exceed_one(seed):
    rng = np.random.default_rng(seed)
    for school_type in ("九年一贯制学校", "十二年一贯制学校", "完全中学", "初级中学", "小学"):
        a = int(rng.integers(0, 3000)) if school_type != "完全中学" else 0
        b = int(rng.integers(0, 3000)) if school_type != "小学" else 0
        c = int(rng.integers(0, 3000)) if school_type in ("十二年一贯制学校", "完全中学") else 0
        got = split_shares(school_type, a, b, c)
        assert 0.0 <= got["primary"] <= 1.0 and 0.0 <= got["junior"] <= 1.0
        assert got["primary"] + got["junior"] <= 1.0 + 1e-12
        if a + b + c > 0:
            assert got["primary"] + got["junior"] + got["senior"] == pytest.approx(1.0, rel=REL)


def test_school_without_students_gets_zero_shares_without_error():
    assert split_shares("九年一贯制学校", 0, 0) == {"primary": 0.0, "junior": 0.0, "senior": 0.0}


def test_vectorised_shares_equal_single_school_shares():
    frame = pd.DataFrame({
        "school_type": ["九年一贯制学校", "完全中学", "十二年一贯制学校", "小学"],
        "students_primary": [600, 0, 300, 480], "students_junior": [400, 800, 200, 0],
        "students_senior": [0, 1000, 100, 0]})
    shares = stage_shares(frame)
    expected = [(600 / 1040, 440 / 1040), (0.0, 0.4), (300 / 652, 220 / 652), (1.0, 0.0)]
    for i, (primary, junior) in enumerate(expected):
        assert shares["share_primary"].iat[i] == pytest.approx(primary, rel=REL, abs=1e-15)
        assert shares["share_junior"].iat[i] == pytest.approx(junior, rel=REL, abs=1e-15)
