"""The cheapest path to pass: brute force on small counties, and re-evaluation on every sample county.

Brute force checks the rule and the CV with code written here (statsmodels' weighted statistics for the CV),
not with junyun's, and searches every combination of whole teachers in a box; costs are the default unit
costs (骨干教师 2 万元, 体育艺术教师 12 万元 each; rules/unit_costs.csv).
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.weightstats import DescrStatsW

from _build import COUNTY, configs, meeting_primary, run
from junyun_lib.planning.cheapest import apply_additions, cheapest_path
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.io.processed import read_table as open_table
from junyun_lib.io.reader import SchoolTable

KEY_COST, PE_ART_COST = 2.0, 12.0


def weighted_cv(values, students) -> float:
    d = DescrStatsW(np.asarray(values, dtype=float), weights=np.asarray(students, dtype=float), ddof=0)
    return d.std / d.mean


def test_cv_only_matches_brute_force(tmp_path):
    # three 500-student primary schools meeting every standard; key teachers 5, 5, 20 → values 1, 1, 4 per 100:
    # mean 2, sd √2, CV 0.707 > 0.50; the rule holds everywhere, so only the CV needs key teachers
    keys = [5, 5, 20]
    rows = [meeting_primary(f"P{i}", key_teachers_primary=k) for i, k in enumerate(keys)]
    ev = run(rows, tmp_path)
    plan = cheapest_path(ev)
    best = min(sum(add) for add in itertools.product(range(16), repeat=3)
               if weighted_cv([(k + a) * 100 / 500 for k, a in zip(keys, add)], [500] * 3) <= 0.50)
    assert plan.total_cost == pytest.approx(best * KEY_COST)
    assert plan.verified and set(plan.additions["indicator"]) == {"key_teachers"}
    assert best < 16


def _rule_ok(values: dict, standard: dict) -> bool:
    """至少6项达到标准、余项不低于85% — written out for the test."""
    meets = sum(values[k] >= standard[k] - 1e-12 for k in standard)
    floor = all(values[k] >= 0.85 * standard[k] - 1e-12 for k in standard)
    return meets >= 6 and floor


PRIMARY_STANDARD = {"teachers_above_degree": 4.2, "key_teachers": 1.0, "pe_art_teachers": 0.9,
                    "teaching_aux_area": 4.5, "sports_area": 7.5, "equipment_value": 2000,
                    "multimedia_classrooms": 2.3}


def test_rule_only_matches_brute_force(tmp_path):
    # A: key 4 → 0.8 (< 0.85 floor) and PE/art 4 → 0.8 (< 0.9, ≥ 0.765): cheapest is +1 key teacher (2 万)
    #    (PE/art then stays exempt at 0.8), not +1 key and +1 PE/art, nor +1 PE/art alone (key still < 85%)
    # B: key 3 → 0.6 and PE/art 5 → 1.0: must lift key to ≥ 0.85 (≥ 4.25 → 5 teachers, +2) since only one
    #    indicator may be below standard and it must still reach 85%
    # C, D meet everything (keeps the CVs within their limits)
    cases = {"A": (4, 4), "B": (3, 5), "C": (5, 5), "D": (6, 5)}
    rows = [meeting_primary(s, key_teachers_primary=k, pe_art_teachers_primary=p) for s, (k, p) in cases.items()]
    ev = run(rows, tmp_path)
    plan = cheapest_path(ev)
    best = {}
    for school, (k, p) in cases.items():
        options = []
        for dk, dp in itertools.product(range(4), range(4)):
            values = dict(PRIMARY_STANDARD)          # the other five meet exactly as built (see _build)
            values["teachers_above_degree"], values["teaching_aux_area"] = 4.2, 5.0
            values["key_teachers"], values["pe_art_teachers"] = (k + dk) / 5, (p + dp) / 5
            if _rule_ok(values, PRIMARY_STANDARD):
                options.append(dk * KEY_COST + dp * PE_ART_COST)
        best[school] = min(options)
    assert best == {"A": 2.0, "B": 4.0, "C": 0.0, "D": 0.0}
    assert plan.total_cost == pytest.approx(sum(best.values()))
    assert plan.verified and plan.failing_parts_before == 2 and plan.failing_parts_after == 0
    assert plan.total_cost <= plan.naive_cost       # naive: A +1 key +1 PE/art, B +2 key → 18 万
    assert plan.naive_cost == pytest.approx(3 * KEY_COST + PE_ART_COST)


def test_continuous_area_is_no_dearer_than_a_fine_grid(tmp_path):
    # sports area (8 m²/student standard 7.5): 4000, 4000 and 12000 m² for 500 students each → 8, 8, 24:
    # CV = 0.566 > 0.50; cost 0.05 万元 per m².  A 25 m² grid search gives an upper bound on the optimum;
    # water-filling must be no dearer than it (and within one grid step per school of the grid's best)
    areas = [4000, 4000, 12000]
    rows = [meeting_primary(f"S{i}", sports_area_m2=a) for i, a in enumerate(areas)]
    ev = run(rows, tmp_path)
    plan = cheapest_path(ev)
    step = 25.0
    grid = [a * step for a in range(0, 161)]
    best = min(x + y for x, y in itertools.product(grid, grid)
               if weighted_cv([(areas[0] + x) / 500, (areas[1] + y) / 500, areas[2] / 500], [500] * 3) <= 0.50)
    assert plan.total_cost <= best * 0.05 + 1e-9
    assert plan.total_cost >= (best - 2 * step) * 0.05
    assert plan.verified


@pytest.mark.parametrize("slug", ["jinxian", "xiangning", "shicheng", "shizhu"])
def test_every_sample_county_passes_after_the_plan_and_costs_no_more_than_naive(slug):
    evaluation = evaluate(open_table(f"data/raw/{slug}/schools_2024.xlsx"), counties=configs("data"))
    plan = cheapest_path(evaluation)
    (county, year), = evaluation.county_years()
    # independently: apply the additions to the raw rows and run the core evaluation again
    schools = apply_additions(evaluation.schools, plan.additions)
    after = evaluate(SchoolTable(frame=schools, synthetic=True), counties=configs("data")).county(county, year)
    assert after.indicators["cv_pass"].astype(bool).all()
    assert after.parts["passes_school_rule"].astype(bool).all()
    assert plan.verified
    assert plan.total_cost <= plan.naive_cost
    # the raw amounts are whole teachers and rooms, never negative
    whole = plan.additions["indicator"].isin(["teachers_above_degree", "key_teachers", "pe_art_teachers",
                                              "multimedia_classrooms"])
    amounts = plan.additions["amount"]
    assert (amounts > 0).all() and np.allclose(amounts[whole], np.round(amounts[whole]))
    # the evaluation's own raw table is untouched
    assert not evaluation.schools.equals(schools) and len(evaluation.schools) == len(schools)


def test_apply_additions_adds_to_the_right_school_and_column():
    schools = pd.DataFrame({"school_id": ["1", "2"], "key_teachers_primary": [3, 4], "sports_area_m2": [10.0, 20.0]})
    adds = pd.DataFrame({"school_id": ["2", "2", "1"], "column": ["key_teachers_primary", "sports_area_m2",
                                                                  "sports_area_m2"], "amount": [2.0, 5.5, 1.0]})
    out = apply_additions(schools, adds)
    assert out["key_teachers_primary"].tolist() == [3, 6] and out["sports_area_m2"].tolist() == [11.0, 25.5]
    assert schools["key_teachers_primary"].tolist() == [3, 4]


def test_county_passing_already_needs_nothing(tmp_path):
    ev = run([meeting_primary("P1"), meeting_primary("P2")], tmp_path)
    plan = cheapest_path(ev, COUNTY)
    assert plan.additions.empty and plan.total_cost == 0 and plan.verified
