"""Incremental evaluation of explorer edits (增量评估): every table equal to the full re-evaluation of the raw
rows plus the additions, on random edits; the live chart equal to drawing it afresh."""
from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image
from statsmodels.stats.weightstats import DescrStatsW

from _build import configs
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.evaluation.incremental import IncrementalCounty
from junyun_lib.io.processed import read_table
from junyun_lib.io.reader import SchoolTable
from junyun_lib.planning.cheapest import evaluate_with_additions
from junyun_lib.planning.scenario import Scenario
from junyun_lib.report import charts

REPO = Path(__file__).resolve().parents[1]
TABLES = ("parts", "indicators", "stages", "gaps")


@pytest.fixture(scope="module")
def shicheng():
    """石城县 2024 alone: 87 school parts, 19 of them parts of mixed schools (facilities split by share)."""
    return evaluate(read_table(REPO / "data/raw/shicheng/schools_2024.xlsx"), counties=configs(REPO / "data"))


@pytest.fixture(scope="module")
def two_counties():
    """石城县 and 乡宁县 2024 in one evaluation: the county-year's parts carry group codes of the whole run."""
    tables = [read_table(REPO / f"data/raw/{slug}/schools_2024.xlsx").frame for slug in ("xiangning", "shicheng")]
    return evaluate(SchoolTable(frame=pd.concat(tables, ignore_index=True), synthetic=True),
                    counties=configs(REPO / "data"))


def _assert_same(got, want) -> None:
    """Every table of the incremental result equals the full re-evaluation's, exactly (values and dtypes)."""
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), check_exact=True, obj=name)


# an edit: which school part (a fraction of the list), which indicator (position), how much
EDIT = st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 6),
                 st.one_of(st.integers(1, 6).map(float), st.floats(0.01, 20000, allow_nan=False).map(lambda x: round(x, 2))))


def _apply(scenario, edit) -> tuple[str, str]:
    where, k, amount = edit
    parts = scenario.before.parts
    part = parts.iloc[int(where * len(parts))]
    ind = scenario.before.standard.indicators[k]
    # whole teachers and rooms, as the raw table counts them; m² and 元 as typed
    amount = float(max(1, round(amount))) if ind.shortfall_unit_zh in ("人", "间") else amount
    scenario.add(part["school_id"], ind.code, amount, stage=part["part"])
    return str(part["school_id"]), scenario.additions["column"].iloc[-1]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDIT, min_size=1, max_size=3))
def test_random_edits_equal_the_full_re_evaluation(shicheng, edits):
    s = Scenario(shicheng)
    for edit in edits:
        _apply(s, edit)
        _assert_same(s.result, evaluate_with_additions(shicheng, s.county, s.year, s.additions))


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(EDIT, min_size=2, max_size=3))
def test_edits_in_a_run_of_several_counties(two_counties, edits):
    s = Scenario(two_counties, "石城县", 2024)
    for edit in edits:
        _apply(s, edit)
    _assert_same(s.result, evaluate_with_additions(two_counties, s.county, s.year, s.additions))


def test_the_same_school_edited_twice_sums_as_the_raw_table_does(shicheng):
    """Amounts that do not add exactly in binary (0.1 + 0.2) give the same float as the full path, and the CV is
    the weighted statistic computed independently (statsmodels, population weights)."""
    s = Scenario(shicheng)
    mixed = s.before.parts[s.before.parts["share"] < 1].iloc[0]
    for amount in (0.1, 0.2, 1234.57):
        s.add(mixed["school_id"], "sports_area", amount)
    _assert_same(s.result, evaluate_with_additions(shicheng, s.county, s.year, s.additions))
    for stage in ("primary", "junior"):
        parts = s.result.parts[s.result.parts["part"] == stage]
        d = DescrStatsW(parts["value_sports_area"].astype(float), weights=parts["students"].astype(float), ddof=0)
        cv = s.result.indicators.set_index(["stage", "indicator"]).loc[(stage, "sports_area"), "cv"]
        assert cv == pytest.approx(d.std / d.mean, rel=1e-12)


def test_after_the_cheapest_path_edits_stay_incremental(shicheng):
    s = Scenario(shicheng)
    s.apply_cheapest_path()
    part = s.result.parts.iloc[3]
    s.add(part["school_id"], "key_teachers", 2, stage=part["part"])
    assert s._result is not None                       # evaluated incrementally, not left for a full run
    _assert_same(s.result, evaluate_with_additions(shicheng, s.county, s.year, s.additions))
    s.clear()
    s.add(part["school_id"], "equipment_value", 50000.0)
    _assert_same(s.result, evaluate_with_additions(shicheng, s.county, s.year, s.additions))


def test_a_column_no_indicator_reads_is_refused(shicheng):
    s = Scenario(shicheng)
    inc = IncrementalCounty(s.before, shicheng.schools, s.costs)
    assert not inc.handles("music_rooms") and inc.handles("key_teachers_primary")
    with pytest.raises(ValueError):
        inc.update(s.additions, s.before.parts["school_id"].iloc[0], "music_rooms")


def test_basic_balance_is_evaluated_in_full():
    """basic-2012 sets no school-level values: an edit goes to the full re-evaluation (the result is left to it)."""
    table = read_table(REPO / "data/raw/shicheng/schools_2024.xlsx")
    ev = evaluate(table, "basic-2012", counties=configs(REPO / "data"))
    s = Scenario(ev)
    part = s.before.parts.iloc[0]
    s.add(part["school_id"], s.before.standard.codes[0], 1, stage=part["part"])
    assert s._result is None
    _assert_same(s.result, evaluate_with_additions(ev, s.county, s.year, s.additions))


def test_an_edit_costs_a_fraction_of_a_full_re_evaluation(shicheng):
    """Speed as a ratio in one run (no clock limit): the incremental update against the full re-evaluation."""
    s = Scenario(shicheng)
    part = s.before.parts.iloc[10]
    s.add(part["school_id"], "key_teachers", 1, stage=part["part"])
    column = s.additions["column"].iloc[-1]

    def best(fn):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    inc = best(lambda: s._incremental.update(s.additions, part["school_id"], column))
    full = best(lambda: evaluate_with_additions(shicheng, s.county, s.year, s.additions))
    assert inc < 0.5 * full


# ------------------------------------------------------------------------------------------- the chart
def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_the_live_chart_equals_a_chart_drawn_afresh(shicheng):
    s = Scenario(shicheng)
    parts = s.before.parts[s.before.parts["part"] == "primary"]
    low = parts.sort_values("value_key_teachers").iloc[len(parts) // 2]
    live = charts.LiveDistribution(s.before, "primary", "key_teachers")
    s.add(low["school_id"], "key_teachers", 1, stage="primary")     # a middle school: the range stays
    live.update(s.result)
    assert live.full_draws == 1                                         # only the marks were drawn again
    fresh = charts.LiveDistribution(s.result, "primary", "key_teachers")
    assert np.array_equal(_pixels(live.png()), _pixels(fresh.png()))
    # against the briefing's own rendering of the same chart: the same picture (a few anti-aliased pixels
    # where points overlap may blend in another order)
    buffer = io.BytesIO()
    charts.distribution_chart(s.result, "primary", "key_teachers").savefig(
        buffer, format="rgba", dpi=charts.DEFAULT_DPI, facecolor="white")
    shown = np.asarray(live.canvas.buffer_rgba())
    saved = np.frombuffer(buffer.getvalue(), dtype=np.uint8).reshape(shown.shape)
    assert (saved != shown).any(axis=2).sum() <= 20
    top = parts.sort_values("value_key_teachers").iloc[-1]
    s.add(top["school_id"], "key_teachers", 40, stage="primary")    # beyond the range: laid out again
    live.update(s.result)
    assert live.full_draws == 2
    assert np.array_equal(_pixels(live.png()),
                          _pixels(charts.LiveDistribution(s.result, "primary", "key_teachers").png()))
