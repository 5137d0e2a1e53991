"""The gap explorer's layout (issue 28 item 7): the schools listed by their contribution to the CV (largest
first, recomputed here with numpy from the raw parts), named by name with the id only for a shared name; the
amount box with its unit beside it; the chart at its own size, not stretched to the ranking's height; the
ranking a legible table; and no ``__init__.py`` in ``notebooks/`` (JupyterLab lists it)."""
from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _build import ingest
from junyun_lib.app.explorer import ExplorerApp, school_options

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data/raw/xiangning/schools_2024.xlsx"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data = tmp_path_factory.mktemp("layout") / "data"
    (data / "raw" / "xiangning").mkdir(parents=True)
    shutil.copy(REPO / "data/raw/xiangning/county.toml", data / "raw/xiangning/county.toml")
    ingest([SAMPLE], data_dir=data)
    return ExplorerApp(data, outputs_dir=tmp_path_factory.mktemp("out"))


def _shares(parts: pd.DataFrame, code: str) -> pd.Series:
    """Each school's share of CV², from the definition: (P_i/P)(X_i/X̄ − 1)² over its sum, X̄ weighted by
    students (schools without a value left out)."""
    kept = parts[parts[f"value_{code}"].notna()]
    x = kept[f"value_{code}"].to_numpy(dtype=float)
    p = kept["students"].to_numpy(dtype=float)
    mean = np.sum(p * x) / np.sum(p)
    term = p / p.sum() * (x / mean - 1.0) ** 2
    return pd.Series(term / term.sum(), index=kept["school_id"].astype(str).to_numpy())


@pytest.mark.parametrize("stage, code", [("primary", "teachers_above_degree"), ("junior", "sports_area"),
                                         ("primary", "equipment_value")])
def test_schools_are_listed_by_contribution_largest_first(app, stage, code):
    app.stage_box.value, app.indicator_box.value = stage, code
    parts = app.scenario.result.parts
    parts = parts[parts["part"] == stage]
    share = _shares(parts, code)
    ids = [v for _, v in app.school_box.options]
    assert sorted(ids) == sorted(parts["school_id"].astype(str))
    shown = share.reindex(ids[:len(share)]).to_numpy()
    assert np.all(np.diff(shown) <= 1e-15), "the list is in decreasing order of the share of CV²"
    assert ids[0] == share.idxmax()
    assert np.allclose(np.sort(shown)[::-1], np.sort(share.to_numpy())[::-1], rtol=1e-9)


def test_labels_are_names_with_the_id_only_for_a_shared_name(app):
    app.stage_box.value, app.indicator_box.value = "primary", "key_teachers"
    parts = app.scenario.result.parts
    parts = parts[parts["part"] == "primary"]
    names = dict(zip(parts["school_id"].astype(str), parts["school_name"].astype(str)))
    for label, school in app.school_box.options:
        assert label == names[school], "a name held by one school is shown alone"
    # two schools of one name: each gets its id, the others stay plain
    frame = pd.DataFrame({"school_id": ["a1", "b2", "c3"], "school_name": ["城关小学", "城关小学", "河口小学"]})
    contributions = pd.DataFrame({"school_id": ["c3", "b2", "a1"], "share": [0.5, 0.3, 0.2]})
    assert school_options(frame, contributions) == [("河口小学", "c3"), ("城关小学（b2）", "b2"),
                                                    ("城关小学（a1）", "a1")]
    # a school without a value for the indicator comes last
    assert school_options(frame, contributions[contributions["school_id"] != "a1"])[-1] == ("城关小学（a1）", "a1")


def test_the_amount_has_its_unit_beside_it(app):
    units = {"key_teachers": "人", "sports_area": "平方米", "equipment_value": "元", "multimedia_classrooms": "间"}
    row = next(box for box in app.widget.children if app.amount_box in getattr(box, "children", ()))
    for code, unit in units.items():
        app.indicator_box.value = code
        assert app.amount_unit.value == unit
        kids = list(row.children)
        assert kids.index(app.amount_unit) == kids.index(app.amount_box) + 1, "the unit stands beside the box"
    assert app.amount_box.description == "补充数量"


def test_the_chart_keeps_its_own_size_and_the_ranking_is_a_table(app):
    app.stage_box.value, app.indicator_box.value = "primary", "teachers_above_degree"
    row = next(box for box in app.widget.children if app.chart in getattr(box, "children", ()))
    assert app.ranking in row.children
    assert row.layout.align_items == "flex-start", "the row does not stretch its children to one height"
    assert app.chart.layout.align_self == "flex-start" and app.chart.layout.height in (None, "auto")
    assert app.chart.layout.object_fit == "contain"
    # the PNG's own size: width and height read from its header, wider than tall (a one-row strip)
    png = app.chart.value
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 2 * height > 0
    assert app.chart.width in ("", None) and app.chart.height in ("", None), "no size forced on the image"
    # the ranking: a styled table with headers in Chinese, the unit of the values, and the shares
    markup = app.ranking.value
    assert 'class="junyun-rank"' in markup and "white-space:nowrap" in markup
    headers = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", markup)]
    assert headers[0] == "学校" and "（人/百名学生）" in headers[1] and headers[2:] == ["贡献份额", "与均值比较"]
    parts = app.scenario.result.parts
    share = _shares(parts[parts["part"] == "primary"], "teachers_above_degree")
    assert f"{share.max():.1%}" in markup
    assert not re.search(r"\b(below|above|share|school_name)\b", re.sub(r"<[^>]+>", " ", markup.split("</style>")[-1]))


def test_no_init_file_in_the_notebooks_folder():
    assert not (REPO / "notebooks" / "__init__.py").exists()
    from junyun_lib.runner.batch import briefing_notebook

    assert briefing_notebook() == REPO / "notebooks" / "10_county_briefing.ipynb"
