"""Standards as data, county overrides, and the basic-balance standard (basic-2012)."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _build import configs
from _build import configs as configs_of
from junyun_lib.io.county_config import read_county_config
from junyun_lib import rules
from junyun_lib.rules import schema
from junyun_lib.evaluation.evaluate import evaluate
from junyun_lib.problems import ValidationError
from junyun_lib.io.reader import read_schools

REPO = Path(__file__).resolve().parents[1]


def test_registered_standards():
    assert rules.standard_codes() == ["basic-2012", "quality-2017"]


@pytest.mark.parametrize("code", ["quality-2017", "basic-2012"])
def test_every_threshold_names_its_source(code):
    std = rules.load_standard(code)
    assert std.document
    for ind in std.indicators:
        assert "seed" in ind.source, ind.code
    for block in (std.cv_limit, std.composite_limit, std.school_rule, *std.guarantee.values()):
        if block:
            assert block.get("source"), block


def test_quality_2017_values_typed_from_seed_002():
    std = rules.load_standard("quality-2017")
    typed = {  # seed 002 附件1 二(一) 1–7, primary / junior
        "teachers_above_degree": (4.2, 5.3), "key_teachers": (1.0, 1.0), "pe_art_teachers": (0.9, 0.9),
        "teaching_aux_area": (4.5, 5.8), "sports_area": (7.5, 10.2), "equipment_value": (2000, 2500),
        "multimedia_classrooms": (2.3, 2.4),
    }
    assert {i.code: (i.standard["primary"], i.standard["junior"]) for i in std.indicators} == typed
    assert (std.cv_limit["primary"], std.cv_limit["junior"], std.cv_limit["comparison"]) == (0.50, 0.45, "<=")
    assert (std.school_rule["min_meeting"], std.school_rule["floor_ratio"]) == (6, 0.85)


def test_jinxian_override_is_strict_less_than():
    cfg = read_county_config(REPO / "data" / "raw" / "jinxian" / "county.toml")
    std = rules.load_standard("quality-2017", cfg)
    assert std.cv_limit["comparison"] == "<"
    assert std.cv_limit["primary"] == 0.50            # the limit itself is unchanged
    assert any("seed 000" in line for line in std.overrides_applied)
    assert rules.load_standard("quality-2017").cv_limit["comparison"] == "<="


def test_county_configs_of_the_samples():
    configs = configs_of(REPO / "data")
    assert set(configs) == {"进贤县", "乡宁县", "石城县", "石柱县"}
    assert configs["进贤县"].plan_target_year == 2030 and configs["进贤县"].slug == "jinxian"


# ------------------------------------------------------------------------------------- basic-2012
def _basic_county(a: float, b: float, books_b: float | None = None):
    """Two primary schools of 100 students each whose basic-balance quantities stand in the ratio a : b.

    With equal weights, every indicator has mean (a+b)/2·k, sd |a−b|/2·k, so CV = |a−b| / (a+b).
    """
    rows = []
    for sid, q in (("A", a), ("B", b)):
        r = {c.field: 0 for c in schema.columns()}
        r.update(school_id=sid, school_name=f"学校{sid}", county="基本县", year=2012, school_type="小学",
                 urban_rural="城区", ownership="公办", built_year=2000, students_primary=100, classes_primary=4,
                 max_class_primary=25, key_teachers_primary=1, pe_art_teachers_primary=1, music_rooms=1,
                 music_room_min_area_m2=96, art_rooms=1, art_room_min_area_m2=90, multimedia_classrooms=3,
                 teachers_primary=q, teachers_above_degree_primary=q, mid_title_teachers_primary=q,
                 teaching_aux_area_m2=10 * q, sports_area_m2=20 * q, equipment_value_yuan=1000 * q,
                 computers=q, books=100 * q)
        rows.append(r)
    if books_b is not None:
        rows[1]["books"] = books_b
    return pd.DataFrame(rows)


def test_basic_2012_composite_exactly_at_limit_passes(tmp_path):
    # 35 : 165 → every CV = 130 / 200 = 0.65, composite = 0.65 = the primary limit (小于或等于 → passes)
    ev = evaluate(read_schools(_basic_county(35, 165)), "basic-2012", counties=configs(tmp_path))
    primary = ev.stages[ev.stages["stage"] == "primary"].iloc[0]
    assert list(ev.indicators["cv"]) == pytest.approx([0.65] * 8, abs=1e-12)
    assert primary["composite_cv"] == pytest.approx(0.65, abs=1e-12)
    assert bool(primary["passes"]) is True
    assert np.isnan(ev.indicators["cv_limit"]).all()   # basic balance judges the composite only


def test_basic_2012_composite_just_above_limit_fails(tmp_path):
    # books 3500 : 16600 → CV_books = 131/201 ≈ 0.65174; composite = (7·0.65 + 0.65174)/8 > 0.65
    ev = evaluate(read_schools(_basic_county(35, 165, books_b=16600)), "basic-2012", counties=configs(tmp_path))
    primary = ev.stages[ev.stages["stage"] == "primary"].iloc[0]
    assert primary["composite_cv"] == pytest.approx((7 * 0.65 + 131 / 201) / 8, abs=1e-12)
    assert bool(primary["passes"]) is False


def test_basic_2012_without_its_columns_says_which(tmp_path):
    frame = _basic_county(35, 165).drop(columns=["books", "computers"])
    with pytest.raises(ValidationError) as err:
        evaluate(read_schools(frame), "basic-2012", counties=configs(tmp_path))
    text = str(err.value)
    assert "图书册数" in text and "计算机台数" in text and "basic-2012" in text
