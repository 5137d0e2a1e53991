"""The roadmap's two costs, each with its own certificate, honest verification and the reason of every action
(issue 27, items 1–3), on a small synthetic county where an interim plan target costs extra.

The county is the seven-school county of test_roadmap (S, T, U fail; least cost to pass 12 + 2·2 + 2·5 = 26 万元
in whole units of 12, 2, 2, 5, 5) plus V, a 500-pupil primary school that passes the per-school rule with 6 of 7
indicators but whose sports area is 3,600 m² (7.2 m² per pupil, 96% of 7.5).  The plan's only target: in 2024
every primary school meets the sports-area standard (indicator_share 100%).  Meeting it needs 3,750 − 3,600 =
150 m² at V, 150 × 0.05 = 7.5 万元 at the default unit cost (rules/unit_costs.csv), and nothing else: so the
least cost to pass is 26 万元 (checked by brute force with test_optimiser's own rule and CV code), the plan with
the target 33.5 万元, and the 150 m² are 年度目标 while every other purchase is 达标必需.
"""
from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from _build import meeting_primary, run
from junyun_lib.planning import optimiser
from junyun_lib.planning.optimiser import Certificate, cost_certificate, relative_gap
from junyun_lib.planning.roadmap import build_roadmap
from junyun_lib.report import roadmap_report
from test_optimiser import _passes
from test_roadmap import _brute_schedule, _small_county, _two_years

pytestmark = pytest.mark.skipif(not optimiser.solver_available(), reason="PySCIPOpt not installed")

SPORTS_M2 = 3750 - 3600                 # V's shortfall against 7.5 m² × 500 pupils
SPORTS_COST = SPORTS_M2 * 0.05          # 万元 at 0.05 万元 per m²
PASS_COST = 12 + 2 * 2 + 2 * 5         # S +1 PE/art teacher, T +2 key teachers, U +2 classrooms


def _rows() -> list[dict]:
    return _small_county() + [meeting_primary("V", sports_area_m2=3600)]


def _plan(year: int = 2024) -> SimpleNamespace:
    """A plan with one stated target: every primary school meets the sports-area standard in ``year``."""
    rows = pd.DataFrame([{"item_no": 7, "item": "小学生均体育运动场馆面积达标学校比例", "year": year, "stage": "primary",
                          "metric": "indicator_share:sports_area", "direction": ">=", "target": 100.0,
                          "stated": True}])
    return SimpleNamespace(rows=rows)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    rows = _rows()
    return rows, run(_two_years(rows), tmp_path_factory.mktemp("costs"))


def test_the_hand_figures_hold_by_brute_force():
    rows = _rows()
    # V passes the rule as it stands, and the least cost to pass in one year is still 26 万元
    assert _passes([meeting_primary("V", sports_area_m2=3600), meeting_primary("P1")])
    assert _brute_schedule(rows, 1, np.inf) == pytest.approx(PASS_COST)
    assert SPORTS_COST == pytest.approx(7.5)


def test_two_costs_each_with_its_own_certificate(county):
    rows, ev = county
    rm = build_roadmap(ev, target_year=2025, plan=_plan(), moves=False, time_limit=120)
    assert rm.feasible and rm.verified and rm.has_targets
    p, w = rm.pass_certificate, rm.targets_certificate
    # the least cost to pass: hard requirements only, against brute force
    assert p.primal_bound == pytest.approx(_brute_schedule(rows, 1, np.inf)) == pytest.approx(PASS_COST)
    # the schedule meets the 2024 target too: +7.5 万元, reported without the penalty term
    assert w.primal_bound == pytest.approx(PASS_COST + SPORTS_COST) == pytest.approx(rm.total_cost)
    assert rm.targets_add == pytest.approx(SPORTS_COST)
    for cert in (p, w):
        assert cert.dual_bound is not None and cert.dual_bound <= cert.primal_bound + 1e-9
        # 0 within the solver's tolerance and the tie-break of 10⁻⁶ per year of early spending
        assert cert.proven_least and 0 <= cert.gap <= optimiser.GAP_TOLERANCE + cert.allowance
        assert cert.allowance <= 1e-6 + 1e-12
        assert "证明为最低成本" in cert.text_zh()
    assert p.primal_bound <= w.primal_bound
    assert rm.missed_targets() == []
    text = roadmap_report.summary_zh(rm)
    assert "按期达标的最低成本" in text and "26.0 万元" in text and "33.5 万元" in text and "多 7.5 万元" in text
    assert "全县自 2024 年起达标" in text and rm.first_pass_year == 2024
    assert "各校措施" in text                      # where the full list is
    doc = json.loads(json.dumps(roadmap_report.roadmap_json(rm), ensure_ascii=False, allow_nan=False))
    assert doc["pass_cost"]["cost_wan"] == pytest.approx(PASS_COST)
    assert doc["with_targets"]["cost_wan"] == pytest.approx(PASS_COST + SPORTS_COST)
    assert doc["targets_add_wan"] == pytest.approx(SPORTS_COST) and doc["missed_targets"] == []
    assert set(doc["pass_cost"]) == {"cost_wan", "lower_bound_wan", "gap", "proven_least", "status", "text_zh"}
    assert doc["first_pass_year"] == 2024 and [r["passes"] for r in doc["years_table"]] == [True, True]


def test_every_purchase_carries_its_reason(county):
    _, ev = county
    rm = build_roadmap(ev, target_year=2025, plan=_plan(), moves=False, time_limit=120)
    buys = rm.schedule[rm.schedule["action"] == "purchase"].set_index(["school_id", "indicator"])
    # only for the interim target: V's 150 m² of sports area, bought in 2024 (the target's year)
    v = buys.loc[("V", "sports_area")]
    assert v["reason"] == "annual_target" and v["reason_zh"] == "年度目标" and int(v["year"]) == 2024
    assert v["amount"] == pytest.approx(SPORTS_M2, rel=1e-6) and v["cost_wan"] == pytest.approx(SPORTS_COST, rel=1e-6)
    # needed to pass: everything else, the hard-only plan's 12 + 2 + 2 + 5 + 5
    needed = buys.drop(index=("V", "sports_area"))
    assert set(needed["reason"]) == {"pass_required"} and set(needed["reason_zh"]) == {"达标必需"}
    assert needed["cost_wan"].sum() == pytest.approx(PASS_COST)
    assert {(s, c): a for (s, c), a in needed["amount"].items()} == {
        ("S", "pe_art_teachers"): 1, ("T", "key_teachers"): 2, ("U", "multimedia_classrooms"): 2}
    sheets = roadmap_report.roadmap_sheets(rm)
    actions = sheets["各校措施"]
    assert set(actions["依据"]) == {"达标必需", "年度目标"}
    assert actions["学校标识码"].tolist() == sorted(actions["学校标识码"].tolist())


def test_a_row_beyond_the_pass_plan_is_split_at_what_passing_needs():
    from junyun_lib.planning.roadmap import MOVE_COLUMNS, _with_reasons

    adds = pd.DataFrame([{"school_id": "U", "school_name": "U", "stage": "", "indicator": "multimedia_classrooms",
                          "name_zh": "网络多媒体教室", "column": "multimedia_classrooms", "amount": 3.0, "unit_zh": "间",
                          "cost_wan": 15.0, "reason": "pass_required"}])
    moves = pd.DataFrame([{"year": 2024, "kind": "key_teachers", "stage": "primary", "from_school_id": "A",
                           "to_school_id": "B", "count": 3}], columns=MOVE_COLUMNS)
    pass_buys = {2024: {("F", "U", "multimedia_classrooms"): 2.0}}
    pass_moves = {2024: {("B", "primary", "key_teachers"): 1, ("A", "primary", "key_teachers"): -1}}
    out, moved = _with_reasons({2024: adds}, moves, pass_buys, pass_moves)
    rows = out[2024]
    assert rows["reason"].tolist() == ["pass_required", "annual_target"]
    assert rows["amount"].tolist() == [2.0, 1.0] and rows["cost_wan"].tolist() == [10.0, 5.0]
    assert moved["reason"].tolist() == ["pass_required", "annual_target"] and moved["count"].tolist() == [1, 2]


def test_a_budgeted_run_lists_every_target_it_misses(county):
    rows, ev = county
    # 15 万元 a year: 30 in all, 26 to pass leaves 4 < 7.5 for the target, which must be missed
    rm = build_roadmap(ev, target_year=2025, budget=15, plan=_plan(), moves=False, time_limit=120)
    assert rm.feasible and rm.verified
    assert (rm.years_table["spend_wan"] <= 15 + 1e-6).all()
    assert rm.pass_cost == pytest.approx(_brute_schedule(rows, 2, 15)) == pytest.approx(PASS_COST)
    w = rm.targets_certificate
    assert w.primal_bound == pytest.approx(PASS_COST)
    # the bound is on the cost alone: never the penalty-inflated objective, never above the plan
    assert w.dual_bound is not None and w.dual_bound <= w.primal_bound + 1e-9
    missed = rm.missed_targets()
    assert [(m["year"], m["target"]) for m in missed] == [(2024, 100.0)]
    assert missed[0]["actual"] == pytest.approx(7 / 8 * 100)         # V alone of 8 schools below the standard
    assert "未达到的年度目标 1 项" in roadmap_report.summary_zh(rm)
    doc = roadmap_report.roadmap_json(rm)
    assert doc["missed_targets"][0]["item_zh"].startswith("小学生均体育运动场馆面积达标学校比例")
    assert set(doc["missed_targets"][0]) >= {"year", "item_zh", "target", "actual"}


def test_an_infeasible_budget_gives_the_earliest_year_with_its_plan(county):
    rows, ev = county
    # 12 万元 a year cannot reach 26 by 2025 (24 in all); by 2026 it can (brute force in test_roadmap's county)
    assert _brute_schedule(rows, 2, 12) == np.inf and _brute_schedule(rows, 3, 12) == pytest.approx(PASS_COST)
    rm = build_roadmap(ev, target_year=2025, budget=12, moves=False, time_limit=120)
    assert not rm.feasible and not rm.verified            # no schedule reaches 2025: nothing to verify
    assert rm.schedule[rm.schedule["action"] == "purchase"].empty
    e = rm.earliest
    assert e is not None and e.year == rm.earliest_year == 2026 and e.verified
    assert e.total_cost == pytest.approx(PASS_COST)
    assert (e.years_table["spend_wan"] <= 12 + 1e-6).all() and e.years_table["passes"].iloc[-1]
    # the earliest plan's purchases, applied here to the raw rows, pass (test_optimiser's own rule and CVs)
    trial = [dict(r) for r in rows]
    by_id = {r["school_id"]: r for r in trial}
    for r in e.schedule[e.schedule["action"] == "purchase"].itertuples(index=False):
        by_id[r.school_id][r.column] = by_id[r.school_id].get(r.column, 0) + r.amount
    assert _passes(trial)
    assert rm.budget_needed == pytest.approx(14.0)       # 12 | 2 + 5 + 5 + 2 … split in two years: 14 at best
    doc = json.loads(json.dumps(roadmap_report.roadmap_json(rm), ensure_ascii=False, allow_nan=False))
    assert doc["feasible"] is False and doc["verified"] is False
    assert doc["earliest"]["year"] == 2026 and doc["earliest"]["verified"] is True
    assert doc["earliest"]["total_cost_wan"] == pytest.approx(PASS_COST) and doc["earliest"]["schedule"]
    assert doc["budget_needed_wan"] == pytest.approx(14.0)
    assert "最早可于 2026 年达标" in roadmap_report.summary_zh(rm)
    assert "最早达标方案" in roadmap_report.roadmap_sheets(rm)


def test_the_gap_is_against_the_bound():
    # 进贤县 with tightened limits: a plan 20.1% above its bound read "16.72%" when divided by the plan
    assert relative_gap(120.1, 100.0) == pytest.approx(0.201)
    cert = cost_certificate(Certificate("gap", None, None, None, 1.0, 1e-6, "SCIP", 10), 120.1, 100.0)
    assert cert.status == "gap" and not cert.proven_least
    assert "与理论下界相差不超过 20.1%" in cert.text_zh() and "证明为最低成本" not in cert.text_zh()
    # at the bound within the tolerance: proven; just beyond it: not
    at = cost_certificate(None, 100.0 * (1 + optimiser.GAP_TOLERANCE), 100.0)
    beyond = cost_certificate(None, 100.0 * (1 + 2 * optimiser.GAP_TOLERANCE), 100.0)
    assert at.proven_least and "证明为最低成本" in at.text_zh()
    assert not beyond.proven_least and "证明为最低成本" not in beyond.text_zh()
    # a bound above the plan (the solver's tolerance) is clamped to the plan; no bound: no gap, no claim
    assert cost_certificate(None, 50.0, 50.000001).dual_bound == 50.0
    none = cost_certificate(None, 50.0, None)
    assert none.gap is None and not none.proven_least and none.status == "heuristic"
    assert math.isclose(cost_certificate(None, 0.0, 0.0).gap, 0.0)
