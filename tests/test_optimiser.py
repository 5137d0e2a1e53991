"""The optimiser with a certificate: brute force on small counties with a mixed school (both exemption choices,
shared classrooms), the heuristic's fixed bugs, SCIP's proven optimum on the sample counties, the reported gap,
the fallback, the margin at strict limits and ``junyun cheapest``.

Brute force computes the split shares, values, the per-school rule and the CVs with code written here (the
formulas of DOMAIN.md), not with junyun's; costs are the default unit costs (rules/unit_costs.csv): 骨干教师 2,
体育艺术教师 and 高于规定学历教师 12, 网络多媒体教室 5 万元 each.
"""
from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from _build import JINXIAN_DATA, configs, ingest, meeting_junior, meeting_primary, run, school
from junyun_lib.cli import main
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.io.processed import read_table as open_table
from junyun_lib.io.reader import SchoolTable
from junyun_lib.planning import optimiser
from junyun_lib.planning.cheapest import apply_additions, cheapest_path
from junyun_lib.planning.optimiser import Certificate, optimal_path

pytestmark = pytest.mark.skipif(not optimiser.solver_available(), reason="PySCIPOpt not installed")

REPO = Path(__file__).resolve().parents[1]
COST = {"key_teachers": 2.0, "pe_art_teachers": 12.0, "teachers_above_degree": 12.0, "multimedia_classrooms": 5.0}
STANDARD = {"primary": {"teachers_above_degree": 4.2, "key_teachers": 1.0, "pe_art_teachers": 0.9,
                        "teaching_aux_area": 4.5, "sports_area": 7.5, "equipment_value": 2000,
                        "multimedia_classrooms": 2.3},
            "junior": {"teachers_above_degree": 5.3, "key_teachers": 1.0, "pe_art_teachers": 0.9,
                       "teaching_aux_area": 5.8, "sports_area": 10.2, "equipment_value": 2500,
                       "multimedia_classrooms": 2.4}}
SCALE = {"teachers_above_degree": 100, "key_teachers": 100, "pe_art_teachers": 100, "teaching_aux_area": 1,
         "sports_area": 1, "equipment_value": 1, "multimedia_classrooms": 100}
FACILITY = {"teaching_aux_area": "teaching_aux_area_m2", "sports_area": "sports_area_m2",
            "equipment_value": "equipment_value_yuan", "multimedia_classrooms": "multimedia_classrooms"}
LIMIT = {"primary": 0.50, "junior": 0.45}


# ------------------------------------------------------------------------------ independent brute force
def _parts(rows: list[dict]) -> list[dict]:
    """School parts with their values, by the national rules written out (九年一贯制 1 : 1.1)."""
    out = []
    for r in rows:
        a, b = r.get("students_primary", 0), r.get("students_junior", 0)
        weights = {"primary": a, "junior": 1.1 * b} if r["school_type"] == "九年一贯制学校" else \
            {"primary": a} if r["school_type"] == "小学" else {"junior": b}
        total = sum(weights.values())
        for stage, w in weights.items():
            n = a if stage == "primary" else b
            if n <= 0:
                continue
            share = w / total
            values = {}
            for code, scale in SCALE.items():
                quantity = r.get(FACILITY[code], 0) * share if code in FACILITY else r.get(f"{code}_{stage}", 0)
                values[code] = quantity * scale / n
            out.append({"stage": stage, "students": n, "values": values})
    return out


def _passes(rows: list[dict]) -> bool:
    parts = _parts(rows)
    for p in parts:
        std = STANDARD[p["stage"]]
        meets = sum(p["values"][c] >= std[c] * (1 - 1e-9) for c in std)
        if meets < 6 or any(p["values"][c] < 0.85 * std[c] * (1 - 1e-9) for c in std):
            return False
    for stage in ("primary", "junior"):
        group = [p for p in parts if p["stage"] == stage]
        if len(group) < 2:
            continue
        w = np.array([p["students"] for p in group], dtype=float)
        w = w / w.sum()
        for code in SCALE:
            x = np.array([p["values"][code] for p in group])
            mean = (w * x).sum()
            if mean <= 0 or np.sqrt((w * (x - mean) ** 2).sum()) / mean > LIMIT[stage] * (1 + 1e-9):
                return False
    return True


def _brute(rows: list[dict], choices: dict) -> tuple[float, dict]:
    """Least cost over every combination of whole additions: ``choices`` maps (school index, column, code) to
    the range of amounts tried."""
    keys = list(choices)
    best, best_combo = np.inf, None
    for combo in itertools.product(*(choices[k] for k in keys)):
        cost = sum(n * COST[k[2]] for k, n in zip(keys, combo))
        if cost >= best - 1e-9:
            continue
        trial = [dict(r) for r in rows]
        for (i, column, _), n in zip(keys, combo):
            trial[i][column] = trial[i].get(column, 0) + n
        if _passes(trial):
            best, best_combo = cost, dict(zip(keys, combo))
    return best, best_combo


# ------------------------------------------------------------------------- mixed school, shared rooms
def _mixed_rows(classrooms: int, pe_primary: int, key_primary: int) -> list[dict]:
    """A 九年一贯制 school (1000 primary, 300 junior; shares 1000/1330 and 330/1330) with two shortfalls per
    part — primary: multimedia classrooms and PE/art or key teachers; junior: classrooms and teachers above
    the degree (15 for 300 pupils: 5.0 of 5.3) — and four single-stage schools meeting every standard."""
    mixed = school("M", "九年一贯制学校", primary=1000, junior=300,
                   teachers_above_degree_primary=42, key_teachers_primary=key_primary,
                   pe_art_teachers_primary=pe_primary, teachers_above_degree_junior=15, key_teachers_junior=3,
                   pe_art_teachers_junior=3, teaching_aux_area_m2=7800, sports_area_m2=14000,
                   equipment_value_yuan=3_100_000, multimedia_classrooms=classrooms)
    return [mixed, meeting_primary("P1"), meeting_primary("P2", key_teachers_primary=6), meeting_junior("J1"),
            meeting_junior("J2", pe_art_teachers_junior=6)]


MIXED_CHOICES = {(0, "multimedia_classrooms", "multimedia_classrooms"): range(0, 6),
                 (0, "pe_art_teachers_primary", "pe_art_teachers"): range(0, 3),
                 (0, "key_teachers_primary", "key_teachers"): range(0, 3),
                 (0, "teachers_above_degree_junior", "teachers_above_degree"): range(0, 3)}


@pytest.mark.parametrize("scenario, rows, exempt", [
    # 28 rooms: primary 2.105 per 100 (91.5%), junior 2.316 (96.5%); primary PE/art 8 of 9 (0.8, 88.9%).
    # Alone, primary would fix PE/art (12) and junior its classrooms (+2, 10): 22.  Jointly 31 rooms (+3, 15)
    # fix both parts' classrooms: the primary part's exempt indicator is PE/art, a teacher indicator.
    ("shared rooms fix both parts", _mixed_rows(28, 8, 10), {"primary": "pe_art_teachers"}),
    # key teachers 9 of 10 (+1 costs 2): primary fixes its key teachers and leaves its classrooms exempt
    # (a facility); junior fixes its classrooms (+2 rooms, 10): 12 < 15.
    ("primary exempts its classrooms", _mixed_rows(28, 9, 9), {"primary": "multimedia_classrooms"}),
])
def test_mixed_school_matches_brute_force(tmp_path, scenario, rows, exempt):
    best, combo = _brute(rows, MIXED_CHOICES)
    assert np.isfinite(best)
    ev = run(rows, tmp_path)
    plan = optimal_path(ev, time_limit=120)
    assert plan.certificate.status == "optimal" and plan.certificate.gap == 0
    assert plan.total_cost == pytest.approx(best)
    assert plan.verified
    # the heuristic now chooses the exempt indicators of both parts jointly with the shared rooms
    assert cheapest_path(ev).total_cost == pytest.approx(best)
    # the classrooms are one school-level purchase that reaches both parts
    rooms = plan.additions[plan.additions["indicator"] == "multimedia_classrooms"]
    assert (rooms["stage"] == "").all() and len(rooms) <= 1
    after = plan.after.parts[plan.after.parts["school_id"] == "M"].set_index("part")
    for stage, code in exempt.items():
        assert not bool(after.loc[stage, f"meets_{code}"]), (scenario, after.loc[stage])
        assert int(after.loc[stage, "n_meeting"]) == 6


def test_cv_step_runs_on_the_whole_teachers_bought(tmp_path):
    # PE/art teachers of five 500-pupil primary schools: S has 3 (0.6, under the 85% floor), the others 4, 7, 8,
    # 14.  The rule lifts S to the floor 0.765 (3.825 teachers): one whole teacher, 4 → CV 0.4954 ≤ 0.50.  On the
    # fractional 3.825 the CV would be 0.5022 and a second round would buy more; on the teacher bought it passes.
    rows = [meeting_primary("S", pe_art_teachers_primary=3)] + \
        [meeting_primary(f"O{n}", pe_art_teachers_primary=n) for n in (4, 7, 8, 14)]
    choices = {(i, "pe_art_teachers_primary", "pe_art_teachers"): range(0, 3) for i in range(5)}
    best, _ = _brute(rows, choices)
    assert best == pytest.approx(12.0)
    ev = run(rows, tmp_path)
    assert cheapest_path(ev).total_cost == pytest.approx(best)
    plan = optimal_path(ev, time_limit=60)
    assert plan.total_cost == pytest.approx(best) and plan.certificate.gap == 0 and plan.verified


# --------------------------------------------------------------------------------- the sample counties
@pytest.mark.parametrize("slug", ["xiangning", "shicheng", "shizhu", "jinxian"])
def test_sample_county_plan_is_the_proven_optimum(slug):
    evaluation = evaluate(open_table(REPO / f"data/raw/{slug}/schools_2024.xlsx"), counties=configs(REPO / "data"))
    plan = optimal_path(evaluation, time_limit=600)
    cert = plan.certificate
    assert cert.status == "optimal", cert
    assert cert.gap == 0 and "相差 0%" in cert.text_zh()
    assert cert.dual_bound == pytest.approx(plan.total_cost, rel=1e-6)
    assert plan.total_cost <= plan.heuristic_cost + 1e-6 and plan.total_cost <= plan.naive_cost
    (county, year), = evaluation.county_years()
    schools = apply_additions(evaluation.schools, plan.additions)
    after = evaluate(SchoolTable(frame=schools, synthetic=True), counties=configs(REPO / "data")).county(county, year)
    assert after.indicators["cv_pass"].astype(bool).all()
    assert after.parts["passes_school_rule"].astype(bool).all()
    whole = plan.additions["indicator"].isin(["teachers_above_degree", "key_teachers", "pe_art_teachers",
                                              "multimedia_classrooms"])
    assert np.allclose(plan.additions.loc[whole, "amount"], np.round(plan.additions.loc[whole, "amount"]))


# ------------------------------------------------------------------------------------- certificates
def test_certificate_texts():
    optimal = Certificate("optimal", 0.0, 100.0, 100.0, 1.0, 1e-6, "SCIP", 20)
    assert "相差 0%" in optimal.text_zh() and optimal.proven_optimal
    within = Certificate("gap", 0.0027, 99.73, 100.0, 20.0, 1e-6, "SCIP", 20)
    assert "不超过 0.3%" in within.text_zh() and not within.proven_optimal
    fallback = Certificate("heuristic", None, None, None, 0.0, 1e-6, "SCIP", 20, reason="未安装 PySCIPOpt")
    assert "无最优性界" in fallback.text_zh() and "PySCIPOpt" in fallback.text_zh()
    assert json.dumps(within.to_dict(), ensure_ascii=False)


def test_without_the_solver_the_heuristic_stands(tmp_path, monkeypatch):
    rows = [meeting_primary("S", pe_art_teachers_primary=3)] + \
        [meeting_primary(f"O{n}", pe_art_teachers_primary=n) for n in (4, 7, 8, 14)]
    ev = run(rows, tmp_path)
    monkeypatch.setattr(optimiser, "solver_available", lambda: False)
    plan = optimal_path(ev)
    assert plan.certificate.status == "heuristic" and plan.certificate.gap is None
    assert "PySCIPOpt" in plan.certificate.reason and plan.verified
    assert plan.total_cost == pytest.approx(cheapest_path(ev).total_cost)


def test_strict_limit_keeps_its_stated_margin(tmp_path):
    # 进贤县 reads the CV limit as "< 0.50" (county.toml).  Sports area 4000, 4000, 12000 m² for 500 pupils:
    # 8, 8, 24 m² → CV 0.566; the continuous optimum sits on the limit, so the plan keeps limit × (1 − 1e-6).
    rows = [meeting_primary(f"S{i}", sports_area_m2=a, county="进贤县") for i, a in enumerate((4000, 4000, 12000))]
    ev = run(rows, JINXIAN_DATA)
    plan = optimal_path(ev, time_limit=60)
    # the margin said in words for a leader: 1e-6 of the limit is 0.0001%
    assert plan.certificate.margin == 1e-6 and "比限值低 0.0001%" in plan.certificate.text_zh()
    assert "1e-06" not in plan.certificate.text_zh()
    cv = plan.cvs.set_index(["stage", "indicator"]).loc[("primary", "sports_area"), "cv_after"]
    assert cv < 0.50 * (1 - 1e-6) * (1 + 1e-7) and plan.verified
    assert cv > 0.50 * (1 - 1e-5)               # and no more than needed


def test_cli_cheapest_writes_a_certified_plan(tmp_path):
    data = tmp_path / "data"
    (data / "raw" / "xiangning").mkdir(parents=True)
    shutil.copy(REPO / "data/raw/xiangning/county.toml", data / "raw/xiangning/county.toml")
    ingest([REPO / "data/raw/xiangning/schools_2024.xlsx"], data_dir=data)
    out = tmp_path / "outputs"
    code = main(["cheapest", "乡宁县", "--year", "2024", "--json", str(out / "c.json"), "--data-dir", str(data), "--out", str(out),
                 "--time-limit", "300"])
    assert code == 0
    doc = json.loads((out / "c.json").read_text(encoding="utf-8"))
    assert doc["verified"] and doc["certificate"]["status"] == "optimal" and doc["certificate"]["gap"] == 0
    assert doc["total_cost_wan"] <= doc["naive_cost_wan"] and doc["additions"]
    assert "合成示例数据" in doc["synthetic"]
