"""Charts (junyun_lib.plotting): Chinese renders as glyphs, not boxes, on a machine with no system CJK font.

matplotlib reports a character its fonts lack with a warning like "Glyph 24046 (\\N{CJK UNIFIED IDEOGRAPH-5DEE})
missing from font(s) DejaVu Sans." and a family it cannot find with a "findfont: Font family … not found"
log record; every render here is watched for both.  The first set_style() on a machine without a system
CJK font makes the Regular instance of the pip-installed Noto Sans SC (about 30 s, once per machine).
"""
from __future__ import annotations

import dataclasses
import re
from importlib import resources
from pathlib import Path

import matplotlib

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib import font_manager, ft2font  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from _glyphs import no_glyph_problems  # noqa: E402
from junyun_lib.report import charts as plotting  # noqa: E402
from junyun_lib.evaluation.evaluate import evaluate  # noqa: E402
from junyun_lib.io.processed import read_table as open_table  # noqa: E402
from junyun_lib.rules.schema import STAGE_ZH  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = [ROOT / "data" / "raw" / "jinxian" / f"schools_{y}.xlsx" for y in range(2021, 2025)]
COUNTY = "进贤县"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _restore_rc():
    with matplotlib.rc_context():
        yield


@pytest.fixture(scope="module")
def evaluation():
    return evaluate(open_table(SAMPLES))


@pytest.fixture(scope="module")
def result(evaluation):
    return evaluation.county(COUNTY, 2024)


def _family_file(family: str) -> str:
    return font_manager.fontManager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)


def _label_chars() -> str:
    """Every character of the indicator names and units of every standard, and the stage names."""
    text = "".join(STAGE_ZH.values()) + "差异系数达标学校0123456789.%㎡m²"
    for path in resources.files("junyun_lib").joinpath("rules").iterdir():
        if path.name.endswith(".toml"):
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            for ind in data.get("indicators", []):
                text += ind.get("name_zh", "") + ind.get("unit_zh", "")
    return "".join(sorted(set(text) - {" "}))


# ------------------------------------------------------------------------------------------------- fonts
def test_set_style_returns_a_family_with_chinese_glyphs():
    family = plotting.set_style()
    assert family != "DejaVu Sans"
    path = _family_file(family)
    font = ft2font.FT2Font(path)
    assert font.get_char_index(ord("差")) != 0
    missing = [ch for ch in _label_chars() if font.get_char_index(ord(ch)) == 0]
    assert not missing, f"{family} ({path}) lacks {missing}"
    rc = matplotlib.rcParams
    assert rc["font.family"][0] == family and rc["font.sans-serif"][0] == family
    assert rc["axes.unicode_minus"] is False


def test_set_style_is_idempotent():
    first = plotting.set_style()
    n_fonts = len(font_manager.fontManager.ttflist)
    assert plotting.set_style("paper") == first
    assert len(font_manager.fontManager.ttflist) == n_fonts


@pytest.mark.parametrize("context", ["paper", "notebook", "talk", "poster"])
def test_set_style_sets_what_seaborn_set_theme_sets(context):
    """set_style writes seaborn's whitegrid theme out instead of importing seaborn (2 s of scipy in every
    kernel): every setting, the palette and the colour codes equal seaborn's own."""
    import matplotlib.colors as mcolors

    family = plotting.set_style(context)
    ours, codes = dict(matplotlib.rcParams), dict(mcolors.colorConverter.colors)
    try:
        matplotlib.rcdefaults()
        rc = plotting._font_rc(family)
        rc.update({"figure.dpi": plotting.DEFAULT_DPI, "savefig.dpi": plotting.DEFAULT_DPI, "savefig.bbox": None,
                   "figure.figsize": (plotting.FIGURE_WIDTH, 4.0)})
        sns.set_theme(context=context, style="whitegrid", font=family, rc=rc)
        theirs = dict(matplotlib.rcParams)
        # seaborn's colour maps exist once seaborn is imported (here it is): then set_style names "rocket" too
        assert {k: (ours[k], v) for k, v in theirs.items() if ours[k] != v and k != "image.cmap"} == {}
        assert {k: v for k, v in mcolors.colorConverter.colors.items() if codes.get(k) != v} == {}
        assert plotting.theme_rc(context)["image.cmap"] == "rocket"
    finally:
        plotting.set_style()
    with pytest.raises(ValueError):
        plotting.theme_rc("huge")


def test_pip_font_is_a_static_regular(monkeypatch):
    """The pip-installed Noto Sans SC works whatever the system has, as a Regular (not Thin) face."""
    monkeypatch.setattr(plotting, "_FAMILY", None)
    monkeypatch.setattr(plotting, "_system_family", lambda: None)
    family = plotting.cjk_family()
    assert family == "Noto Sans SC"
    path = _family_file(family)
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True)
    assert "fvar" not in font            # matplotlib cannot pick a weight of a variable font
    assert font["OS/2"].usWeightClass == 400
    assert ft2font.FT2Font(path).get_char_index(ord("差")) != 0


def test_seaborn_theme_then_set_style_renders_chinese():
    sns.set_theme(style="darkgrid")      # resets the font to Arial/DejaVu Sans
    plotting.set_style()
    fig = Figure(figsize=(4, 2))
    ax = fig.subplots()
    ax.plot([1, 2], [-1, 2])
    ax.set_title("各指标差异系数达标情况")
    ax.set_xlabel("学校")
    with no_glyph_problems():
        plotting.figure_to_png_bytes(fig)


def test_set_style_then_seaborn_plot_renders_chinese():
    plotting.set_style()
    fig = Figure(figsize=(5, 3))
    ax = fig.subplots()
    sns.barplot(x=["小学", "初中", "一贯制学校"], y=[0.31, 0.45, -0.1], hue=["小学", "初中", "一贯制学校"], ax=ax)
    ax.set_title("差异系数（合成示例数据）")
    ax.set_ylabel("生均教学及辅助用房面积（平方米/生）")
    with no_glyph_problems():
        plotting.figure_to_png_bytes(fig)
        plotting.figure_to_svg(fig)


def test_charts_apply_the_font_after_a_later_seaborn_theme(result):
    plotting.set_style()
    sns.set_theme()                      # a user resets the theme after set_style()
    with no_glyph_problems():
        plotting.figure_to_png_bytes(plotting.cv_chart(result))


# ------------------------------------------------------------------------------------------------ charts
def _all_charts(evaluation, result):
    yield "cv_chart", plotting.cv_chart(result)
    for stage in ("primary", "junior"):
        for code in result.standard.codes:
            yield f"distribution_chart {stage} {code}", plotting.distribution_chart(result, stage, code)
        yield f"distributions_grid {stage}", plotting.distributions_grid(result, stage)
        yield f"meets_heatmap {stage}", plotting.meets_heatmap(result, stage)
    yield "attainment_chart", plotting.attainment_chart(result)
    yield "cv_trend_chart", plotting.cv_trend_chart(evaluation, COUNTY)


def test_every_chart_renders_chinese_without_missing_glyphs(evaluation, result):
    plotting.set_style()
    names = []
    with no_glyph_problems():
        for name, fig in _all_charts(evaluation, result):
            assert isinstance(fig, Figure), name
            width, height = fig.get_size_inches()
            assert width <= 7.5, (name, width)
            assert height <= 10.5, (name, height)
            png = plotting.figure_to_png_bytes(fig)
            assert png.startswith(PNG_MAGIC) and len(png) > 5_000, name
            names.append(name)
    assert len(names) == 1 + 2 * (len(result.standard.codes) + 2) + 2


def test_svg_output(result):
    plotting.set_style()
    with no_glyph_problems():
        svg = plotting.figure_to_svg(plotting.cv_chart(result))
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert plotting.figure_to_svg(plotting.cv_chart(result)) == svg   # reproducible


def test_png_is_reproducible(result):
    plotting.set_style()
    a = plotting.figure_to_png_bytes(plotting.distributions_grid(result, "primary"))
    b = plotting.figure_to_png_bytes(plotting.distributions_grid(result, "primary"))
    assert a == b


def test_cv_chart_reads_the_result_table(result):
    fig = plotting.cv_chart(result)
    ax_primary, ax_junior = fig.axes[:2]
    ind = result.indicators
    for ax, stage in ((ax_primary, "primary"), (ax_junior, "junior")):
        rows = ind[ind["stage"] == stage].set_index("indicator").reindex(result.standard.codes)
        bars = ax.patches
        assert [round(b.get_width(), 9) for b in bars] == [round(v, 9) for v in rows["cv"]]
        red = [to_hex(b.get_facecolor()) == to_hex(plotting.COLORS["fail"]) for b in bars]
        assert red == [not bool(p) for p in rows["cv_pass"]]
        texts = {t.get_text() for t in ax.texts}
        assert {f"{cv:.3f}" for cv in rows["cv"]} <= texts
        limit = rows["cv_limit"].iloc[0]
        assert any(np.isclose(line.get_xdata()[0], limit) for line in ax.lines)
    # the sample county fails 骨干教师 in primary (0.523 ≥ 0.50): its bar is red
    assert not bool(ind[(ind["stage"] == "primary") & (ind["indicator"] == "key_teachers")]["cv_pass"].iloc[0])


def test_distribution_chart_title_and_standard_lines(result):
    fig = plotting.distribution_chart(result, "junior", "sports_area")
    ax = fig.axes[0]
    assert ax.get_title().startswith("生均体育运动场馆面积")
    xs = sorted(float(line.get_xdata()[0]) for line in ax.lines if line.get_linestyle() in ("-", "--")
                and len(set(line.get_xdata())) == 1)
    assert any(np.isclose(x, 10.2) for x in xs) and any(np.isclose(x, 10.2 * 0.85) for x in xs)


def test_meets_heatmap_sorts_worst_first_and_notes_truncation(result):
    parts = result.parts[result.parts["part"] == "primary"]
    fig = plotting.meets_heatmap(result, "primary", max_schools=10)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 10
    worst = parts.sort_values("n_meeting", kind="stable")["n_meeting"].head(10).tolist()
    by_name = dict(zip(parts["school_name"], parts["n_meeting"]))
    assert sorted(by_name[name] for name in labels) == sorted(worst)
    assert [by_name[name] for name in labels] == sorted(by_name[name] for name in labels)
    notes = " ".join(t.get_text() for t in fig.texts)
    assert f"仅显示达标项数最少的 10 所学校（共 {len(parts)} 所）" in notes
    # no note when every school fits
    full = plotting.meets_heatmap(result, "junior")
    assert "仅显示" not in " ".join(t.get_text() for t in full.texts)


def test_meets_heatmap_lists_only_schools_missing_an_indicator(result):
    codes = result.standard.codes
    parts = result.parts[result.parts["part"] == "junior"]
    # independently: a part misses an indicator when any meets_<code> is not True
    met_all = parts[[f"meets_{c}" for c in codes]].apply(lambda col: col.map(lambda v: v is True or v == 1))
    missing = parts.loc[~met_all.all(axis=1), "school_name"]
    fig = plotting.meets_heatmap(result, "junior")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert sorted(labels) == sorted(missing) and 0 < len(labels) < len(parts)
    notes = " ".join(t.get_text() for t in fig.texts)
    assert f"另有 {len(parts) - len(missing)} 所学校各项指标均达标，未列出" in notes
    everyone = plotting.meets_heatmap(result, "junior", max_schools=500, all_schools=True)
    assert len(everyone.axes[0].get_yticklabels()) == len(parts)
    assert "未列出" not in " ".join(t.get_text() for t in everyone.texts)


def test_meets_heatmap_when_every_school_meets_everything(result):
    parts = result.parts.copy()
    junior = parts["part"] == "junior"
    for code in result.standard.codes:
        parts.loc[junior, f"meets_{code}"] = True
    parts.loc[junior, "n_meeting"] = len(result.standard.codes)
    parts.loc[junior, "passes_school_rule"] = True
    fig = plotting.meets_heatmap(dataclasses.replace(result, parts=parts), "junior")
    text = " ".join(t.get_text() for t in fig.texts)
    assert f"全部 {int(junior.sum())} 所学校7 项指标均达标" in text
    assert not fig.axes


def test_attainment_chart_places_each_school_at_value_over_standard(result):
    fig = plotting.attainment_chart(result)
    ax_primary, ax_junior = fig.axes[:2]
    codes = result.standard.codes
    cap = 2.5
    for ax, stage in ((ax_primary, "primary"), (ax_junior, "junior")):
        parts = result.parts[result.parts["part"] == stage]
        # independently: value ÷ the stage's standard from the rules file, capped at 250 %
        expected = []
        for row, code in enumerate(codes):
            std = result.standard.indicator(code).standard[stage]
            share = (parts[f"value_{code}"].astype(float) / float(std)).dropna()
            expected += [(min(v, cap), row) for v in share]
        drawn = [(float(x), float(y)) for coll in ax.collections for x, y in coll.get_offsets()]
        assert len(drawn) == len(expected)
        # jitter moves points within ±0.28 of their row; match rows by rounding
        assert sorted((round(x, 9), round(y)) for x, y in drawn) == sorted((round(x, 9), r) for x, r in expected)
        counts = {t.get_text().strip() for t in ax.texts}
        for code in codes:
            n_meet = int(parts[f"meets_{code}"].map(lambda v: v is True or v == 1).sum())
            n = int(parts[f"value_{code}"].notna().sum())
            assert f"{n_meet}/{n}" in counts
        lines = sorted(float(line.get_xdata()[0]) for line in ax.lines)
        assert np.allclose(lines, [0.85, 1.0])


def test_long_school_names_are_cut(result):
    r = result
    parts = r.parts.copy()
    parts.loc[parts.index[0], "school_name"] = "某某县某某镇某某村中心小学第一分校东校区"
    r2 = dataclasses.replace(r, parts=parts)
    fig = plotting.meets_heatmap(r2, parts.loc[parts.index[0], "part"], max_schools=500, all_schools=True)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "某某县某某镇某某村中心…" in labels and max(len(s) for s in labels) <= 12


def test_trend_accepts_evaluation_dict_or_list(evaluation):
    by_year = {y: evaluation.county(COUNTY, y) for c, y in evaluation.county_years() if c == COUNTY}
    assert sorted(by_year) == [2021, 2022, 2023, 2024]
    figs = [plotting.cv_trend_chart(evaluation, COUNTY), plotting.cv_trend_chart(by_year, COUNTY),
            plotting.cv_trend_chart(list(by_year.values()))]
    for fig in figs:
        ax = fig.axes[0]
        series = [line for line in ax.lines if line.get_marker() == "o"]
        assert len(series) == 7
        assert all(list(line.get_xdata()) == [2021, 2022, 2023, 2024] for line in series)
        assert "2021–2024" in fig._suptitle.get_text()
    pngs = [plotting.figure_to_png_bytes(f) for f in figs]
    assert pngs[0] == pngs[1] == pngs[2]


def test_basic_standard_charts(evaluation):
    ev = evaluate(open_table(SAMPLES[-1]), "basic-2012")
    r = ev.county()
    with no_glyph_problems():
        for fig in (plotting.cv_chart(r), plotting.distributions_grid(r, "primary"), plotting.attainment_chart(r),
                    plotting.meets_heatmap(r, "junior"), plotting.cv_trend_chart(ev)):
            plotting.figure_to_png_bytes(fig)
    assert "未规定学校层面的标准值" in " ".join(t.get_text() for t in plotting.meets_heatmap(r, "primary").texts)


def test_show_displays_png(result, monkeypatch):
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    plotting.show(plotting.cv_chart(result))
    assert len(shown) == 1 and shown[0].data.startswith(PNG_MAGIC)


def test_no_chinese_literal_is_missing_from_the_font():
    """Every non-ASCII character written in plotting.py (labels, notes) has a glyph in the chosen font."""
    family = plotting.set_style()
    source = Path(plotting.__file__).read_text(encoding="utf-8")
    literals = "".join(re.findall(r'"([^"\n]*)"', source))
    chars = sorted({ch for ch in literals if ord(ch) > 127})
    font = ft2font.FT2Font(_family_file(family))
    assert [ch for ch in chars if font.get_char_index(ord(ch)) == 0] == []


def test_the_guard_sees_missing_glyphs():
    """Self-check: text forced into DejaVu Sans (no CJK glyphs) is caught by no_glyph_problems()."""
    fig = Figure(figsize=(2, 1))
    fig.text(0.1, 0.5, "差异系数", family="DejaVu Sans")
    with pytest.raises(AssertionError, match="(?i)glyph"):
        with no_glyph_problems():
            plotting.figure_to_png_bytes(fig)
