"""Charts of an evaluation with Chinese labels (图表), for notebooks and HTML briefings.

Every chart function returns a :class:`matplotlib.figure.Figure` made without pyplot (so nothing is shown
twice in a notebook and nothing piles up in pyplot's figure list); show it with :func:`show`, or turn it into
bytes with :func:`figure_to_png_bytes` / :func:`figure_to_svg`.  Figures are at most 7.2 inches wide, so
they fit an A4 page.  The charts only draw what the result tables already hold (``cv``, ``cv_pass``,
``cv_limit``, ``value_<code>``, ``meets_<code>``, ``standard_<code>``, ``n_meeting``, ``passes_school_rule``);
they compute no verdict of their own.

Chinese text needs a font with CJK glyphs; matplotlib's default (DejaVu Sans) has none and draws boxes.
:func:`set_style` picks one, in this order:

1. a Simplified-Chinese font matplotlib already knows (system fonts: Microsoft YaHei, PingFang SC,
   Hiragino Sans GB, Heiti SC, Noto Sans CJK SC, Source Han Sans SC, WenQuanYi …);
2. otherwise Noto Sans SC (SIL Open Font License 1.1) from the PyPI package ``justmytype-intl-cjk``.  The
   package ships it as a variable font whose default instance is *Thin*, and matplotlib cannot choose a
   weight of a variable font, so junyun makes a static Regular (weight 400) instance of it with fontTools
   once per machine (about 30 s) and keeps it in matplotlib's cache folder
   (``matplotlib.get_cachedir()/junyun-fonts``).

The chart functions apply the font by themselves (font settings only) if it is not in effect, so a chart
made after ``seaborn.set_theme()`` still shows Chinese.

matplotlib reads text between two ``$`` as mathtext: a school named ``$x^2$`` would render as math and one
named ``学校$`` or ``a$b$c$`` could stop the chart.  Every string from the data or the rules (county,
school, indicator and plan item names, units) goes into a chart through :func:`literal`, which escapes
each ``$``; the text then shows exactly as written.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import warnings
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager, ft2font
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..planning.progress import STATUS_ZH
from ..rules import OP_ZH, compare
from ..rules.schema import STAGE_ZH, STAGES

log = logging.getLogger(__name__)

__all__ = ["set_style", "literal", "cv_chart", "distribution_chart", "distributions_grid", "meets_heatmap",
           "cv_trend_chart", "roadmap_cv_chart", "attainment_chart", "plan_status_chart", "plan_items_chart", "figure_to_png_bytes", "figure_to_svg", "show", "image", "FIGURE_WIDTH"]

FIGURE_WIDTH = 7.2          # inches: fits the text width of an A4 page (≤ 7.5)
DEFAULT_DPI = 110

# System fonts that render Simplified Chinese, best first (names as matplotlib's font manager reports them).
SYSTEM_CJK_FAMILIES = (
    "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "Noto Sans CJK SC", "Source Han Sans SC",
    "Source Han Sans CN", "Noto Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "SimHei", "SimSun",
)
# Fonts shipped in PyPI packages: (distribution, import name, folder in the package, file pattern).
PIP_FONTS = (
    ("justmytype-intl-cjk", "justmytype_intl_cjk", "fonts/ofl/notosanssc", "NotoSansSC*.ttf"),
)
PIP_HINT = "pip install justmytype-intl-cjk"
PROBE = "差异系数达标学校"     # a font is accepted only if it has glyphs for all of these

COLORS = {
    "ok": "#4C78A8",          # bars within the limit
    "fail": "#D62728",        # bars beyond the limit, failing schools
    "limit": "#333333",
    "meets": "#59A14F",       # 达标
    "near": "#F2B447",        # 未达标但不低于85%
    "below": "#D62728",       # 低于85%
    "nodata": "#D9D9D9",
}
SYNTHETIC_NOTE = "合成示例数据：数字均为虚构"

# matplotlib 3.10 replaced boxplot's ``vert`` by ``orientation`` (``vert`` warns from 3.11)
_HORIZONTAL = ({"orientation": "horizontal"} if tuple(int(x) for x in matplotlib.__version__.split(".")[:2]) >= (3, 10)
               else {"vert": False})
_FAMILY: str | None = None  # the family chosen by the first call (cached: registration is done once)


# ------------------------------------------------------------------------------------------------- style
# seaborn 0.13's ``set_theme(context, style="whitegrid", palette="deep")`` written out as matplotlib settings:
# importing seaborn costs about 2 s (it loads scipy.stats) in every process that draws a chart — each batch
# kernel and each notebook — for settings that are plain values.  tests/test_plotting.py checks them against
# seaborn's own, so they cannot drift apart unnoticed.
_WHITEGRID = {
    "figure.facecolor": "white", "axes.labelcolor": ".15", "xtick.direction": "out", "ytick.direction": "out",
    "xtick.color": ".15", "ytick.color": ".15", "axes.axisbelow": True, "grid.linestyle": "-", "text.color": ".15",
    "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True, "image.cmap": "rocket",
    "xtick.top": False, "ytick.right": False, "axes.grid": True, "axes.facecolor": "white", "axes.edgecolor": ".8",
    "grid.color": ".8", "axes.spines.left": True, "axes.spines.bottom": True, "axes.spines.right": True,
    "axes.spines.top": True, "xtick.bottom": False, "ytick.left": False,
}
_NOTEBOOK = {      # seaborn's "notebook" context; the other contexts scale every value (_CONTEXTS)
    "axes.linewidth": 1.25, "grid.linewidth": 1, "lines.linewidth": 1.5, "lines.markersize": 6,
    "patch.linewidth": 1, "xtick.major.width": 1.25, "ytick.major.width": 1.25, "xtick.minor.width": 1,
    "ytick.minor.width": 1, "xtick.major.size": 6, "ytick.major.size": 6, "xtick.minor.size": 4,
    "ytick.minor.size": 4, "font.size": 12, "axes.labelsize": 12, "axes.titlesize": 12, "xtick.labelsize": 11,
    "ytick.labelsize": 11, "legend.fontsize": 11, "legend.title_fontsize": 12,
}
_CONTEXTS = {"paper": 0.8, "notebook": 1.0, "talk": 1.5, "poster": 2.0}
_DEEP = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd")
_DEEP_CODES = {"b": 0, "g": 2, "r": 3, "m": 4, "y": 8, "c": 9}    # seaborn's colour codes: "b" is deep blue …


def theme_rc(context: str = "notebook") -> dict:
    """seaborn's whitegrid theme with the deep palette for ``context`` as matplotlib settings (what
    ``seaborn.set_theme(context, "whitegrid")`` sets, without importing seaborn).

    Raises ``ValueError`` for a context other than ``paper``, ``notebook``, ``talk`` or ``poster``.
    """
    from cycler import cycler

    if context not in _CONTEXTS:
        raise ValueError(f"context must be in {', '.join(_CONTEXTS)}")
    rc = {key: value * _CONTEXTS[context] for key, value in _NOTEBOOK.items()}
    rc.update(_WHITEGRID)
    if "rocket" not in matplotlib.colormaps:       # seaborn registers its colour maps when it is imported
        del rc["image.cmap"]
    rc["axes.prop_cycle"] = cycler(color=[matplotlib.colors.to_rgb(c) for c in _DEEP])
    return rc


def set_style(context: str = "notebook") -> str:
    """Set the plotting style (seaborn's ``whitegrid`` with the ``deep`` palette) with a font that renders
    Chinese; returns its family.

    ``context`` is seaborn's (``paper``, ``notebook``, ``talk``, ``poster``).  Sets every value seaborn's
    ``set_theme`` would (:func:`theme_rc`, colour codes included) without importing seaborn, so call it after
    any ``seaborn.set_theme()`` of your own.
    """
    family = cjk_family()
    rc = theme_rc(context)
    rc.update(_font_rc(family))
    rc.update({"figure.dpi": DEFAULT_DPI, "savefig.dpi": DEFAULT_DPI, "savefig.bbox": None,
               "figure.figsize": (FIGURE_WIDTH, 4.0)})
    matplotlib.rcParams.update(rc)
    codes = matplotlib.colors.colorConverter.colors
    for code, index in _DEEP_CODES.items():
        codes[code] = matplotlib.colors.to_rgb(_DEEP[index])
    codes["k"] = (0.1, 0.1, 0.1)
    return family


# ------------------------------------------------------------------------------------------------- fonts

def warm_up() -> None:
    """Set the style and draw one small chart with Chinese text to PNG, once: what a process's first chart
    otherwise pays for (the Chinese font's file parsed, Agg and Pillow set up).  A batch worker's kernel calls
    it before its first briefing (预热), while the worker does its own imports."""
    set_style()
    fig = new_figure(1.0, 0.5, fixed=True)      # a bare Figure (no pyplot): nothing to close
    fig.text(0.5, 0.5, "均衡 0.50", ha="center")
    figure_to_png_bytes(fig)


def cjk_family() -> str:
    """The family name of a font with Chinese glyphs, registering a pip-installed one if needed (cached).

    Returns ``"DejaVu Sans"`` with a warning if there is none (Chinese then shows as boxes).
    """
    global _FAMILY
    if _FAMILY is None:
        _FAMILY = _system_family() or _pip_family()
        if _FAMILY is None:
            warnings.warn(f"找不到能显示中文的字体，图表中的中文会显示为方框；请运行 {PIP_HINT} "
                          f"(no font with Chinese glyphs found; run {PIP_HINT})", stacklevel=2)
            _FAMILY = "DejaVu Sans"    # warn once per process
    return _FAMILY


def font_file(family: str | None = None) -> str:
    """Path of the font file matplotlib uses for ``family`` (default: :func:`cjk_family`)."""
    family = family or cjk_family()
    return str(font_manager.fontManager.findfont(font_manager.FontProperties(family=family),
                                                 fallback_to_default=False))


def has_glyphs(path, text: str, face_index: int = 0) -> bool:
    """True if the font file has a glyph for every character of ``text``."""
    try:
        font = ft2font.FT2Font(str(path), face_index=face_index) if face_index else ft2font.FT2Font(str(path))
    except Exception:  # unreadable file or an old matplotlib without face_index
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in text if not ch.isspace())


def _font_rc(family: str) -> dict:
    return {"font.family": [family, "sans-serif"],
            "font.sans-serif": [family, "DejaVu Sans", "sans-serif"],
            "axes.unicode_minus": False}


def _weight(entry) -> int:
    w = entry.weight
    if isinstance(w, (int, float)):
        return int(w)
    return font_manager.weight_dict.get(str(w).lower(), 400)


def _system_family() -> str | None:
    entries = font_manager.fontManager.ttflist
    for family in SYSTEM_CJK_FAMILIES:
        for e in entries:
            # a regular face (not a variable font's Thin default, not Bold) with the glyphs we need
            if e.name == family and e.style == "normal" and 300 <= _weight(e) <= 500 \
                    and has_glyphs(e.fname, PROBE, getattr(e, "face_index", 0)):
                return family
    return None


def _pip_family() -> str | None:
    for dist, module, folder, pattern in PIP_FONTS:
        try:
            base = Path(str(resources.files(module))) / folder
        except ModuleNotFoundError:
            continue
        for src in sorted(base.glob(pattern)):
            try:
                candidates = [_static_regular(src, dist), src]
            except Exception as exc:  # noqa: BLE001 — a font problem must not stop a chart
                log.warning("could not make a Regular instance of %s (%s); using the font as shipped", src, exc)
                candidates = [src]
            for path in candidates:          # the shipped (variable, Thin) font if the instance is unusable
                if has_glyphs(path, PROBE):
                    font_manager.fontManager.addfont(str(path))
                    return ft2font.FT2Font(str(path)).family_name
    return None


def _static_regular(src: Path, dist: str) -> Path:
    """A static weight-400 instance of a variable font, made once and kept in matplotlib's cache folder."""
    from fontTools.ttLib import TTFont

    try:
        version = metadata.version(dist)
    except metadata.PackageNotFoundError:
        version = "0"
    key = hashlib.sha1(f"{dist}|{version}|{src.name}|{src.stat().st_size}".encode()).hexdigest()[:12]
    cache_dir = Path(matplotlib.get_cachedir()) / "junyun-fonts"
    target = cache_dir / f"{re.sub(r'[^A-Za-z0-9]+', '', src.stem)}-Regular-{key}.ttf"
    if target.is_file() and target.stat().st_size > 0:
        return target
    font = TTFont(str(src), recalcBBoxes=False)
    if "fvar" not in font:
        return src
    from fontTools.varLib import instancer

    log.info("正在生成 %s 的常规字重（仅首次，约半分钟） (making a Regular instance of %s, once)", src.name, src.name)
    # weight 400 (within the axis range); every other axis at its default
    location = {a.axisTag: (min(max(400.0, a.minValue), a.maxValue) if a.axisTag == "wght" else a.defaultValue)
                for a in font["fvar"].axes}
    try:
        static = instancer.instantiateVariableFont(font, location, updateFontNames=True)
    except ValueError:  # no STAT table to rename from: keep the names
        static = instancer.instantiateVariableFont(TTFont(str(src), recalcBBoxes=False), location)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    static.save(str(tmp))
    os.replace(tmp, target)    # atomic: a concurrent process sees the old state or the whole file
    return target


def _ensure_font() -> None:
    """Put the CJK font first if the current settings would not use it (keeps the rest of the style)."""
    family = cjk_family()
    fam = matplotlib.rcParams["font.family"]
    first = fam[0] if isinstance(fam, (list, tuple)) and fam else fam
    if first == family or (first in ("sans-serif", "sans serif")
                           and list(matplotlib.rcParams["font.sans-serif"])[:1] == [family]):
        if not matplotlib.rcParams["axes.unicode_minus"]:
            return
    matplotlib.rcParams.update(_font_rc(family))


# ------------------------------------------------------------------------------------------------ output
def figure_to_png_bytes(fig: Figure, dpi: int = DEFAULT_DPI, palette: bool = True) -> bytes:
    """The figure as PNG bytes (no timestamp or software tag, so the same chart gives the same bytes).

    With ``palette`` the image is reduced to 256 colours without dithering: charts are flat colours, and
    this keeps a briefing with several charts well under 1 MB.
    """
    buf = io.BytesIO()
    if not palette:
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None}, facecolor="white")
        return buf.getvalue()
    from PIL import Image

    # raw RGBA straight into Pillow: one PNG encode instead of encode → decode → encode
    fig.savefig(buf, format="rgba", dpi=dpi, facecolor="white")
    pixels = len(buf.getbuffer()) // 4
    # Agg truncates width × dpi to whole pixels; allow for the float landing just under an integer
    width = next(w for w in (int(fig.get_figwidth() * dpi), round(fig.get_figwidth() * dpi)) if pixels % w == 0)
    return _rgba_png(buf.getbuffer(), width, pixels // width)


def _rgba_png(rgba, width: int, height: int) -> bytes:
    """RGBA pixels as a 256-colour PNG (see :func:`figure_to_png_bytes`)."""
    from PIL import Image

    image = Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1).convert("RGB")
    # fast octree: ten times quicker than median cut, and flat chart colours survive it unchanged
    reduced = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    reduced.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def figure_to_svg(fig: Figure) -> str:
    """The figure as SVG text, glyphs drawn as paths (the reader needs no Chinese font)."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "junyun"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, facecolor="white")
    return buf.getvalue()


def show(fig: Figure, dpi: int = DEFAULT_DPI) -> None:
    """Display the figure in a notebook as a PNG (what the HTML briefing embeds), with its title as the
    image's alternative text (for screen readers and when images are blocked)."""
    from IPython.display import display

    display(image(fig, dpi=dpi))


def image(fig: Figure, dpi: int = DEFAULT_DPI):
    """The figure as an IPython PNG image object with its title as alt text (what :func:`show` displays)."""
    from IPython.display import Image

    title = fig._suptitle.get_text() if fig._suptitle is not None else ""
    alt = _shown(title or next((t.get_text() for t in fig.texts if t.get_text()), "图表"))
    return Image(data=figure_to_png_bytes(fig, dpi=dpi), format="png", metadata={"alt": alt})


# ----------------------------------------------------------------------------------------------- helpers
def literal(text) -> str:
    r"""``text`` as matplotlib shows it literally, never as mathtext: each ``$`` escaped as ``\$``.

    With every ``$`` escaped, matplotlib counts no unescaped dollar (so no math) and shows each ``\$`` as
    ``$`` — the exact text, backslashes included.  Apply it last (after wrapping or cutting).

    >>> print(literal(r"$\alpha$ 学校$"))
    \$\alpha\$ 学校\$
    """
    return str(text).replace("$", r"\$")


def _shown(text: str) -> str:
    """What a chart shows for a text made with :func:`literal` (for the image's alt text)."""
    return text.replace(r"\$", "$")


@dataclass(frozen=True)
class Margins:
    """Fixed margins of a chart in inches (页边距), for charts laid out without a layout engine.

    Constrained layout measures every tick label twice per save, which was a third of a chart's
    rendering time in the batch; the briefing charts have fixed font sizes, so their margins are known.
    ``left``/``right``/``top`` surround the grid of panels; ``bottom`` is the room under it for tick
    labels and the axis label, above the legend row; ``wspace``/``hspace`` are the gaps between panels.
    """

    left: float
    right: float = 0.15
    top: float = 0.7
    bottom: float = 0.5
    wspace: float = 0.3
    hspace: float = 0.5


FOOTER_HEIGHT = 0.22   # inches kept under the legend for the notes (supxlabel)


def new_figure(width: float, height: float, fixed: bool = False) -> Figure:
    """A bare figure (图) with the Chinese font, at most :data:`FIGURE_WIDTH` wide (``fixed``: no layout engine)."""
    _ensure_font()
    return Figure(figsize=(min(width, FIGURE_WIDTH), height), layout=None if fixed else "constrained")


def panel_grid(fig: Figure, nrows: int, ncols: int, legend_height: float, sharey: bool = False,
               margins: Margins | None = None):
    """An ``nrows × ncols`` grid of axes and, under it, a row for the legend (``legend_height`` inches).

    The legend lives in its own row so that the notes under the figure (``supxlabel``) never overlap it.
    With ``margins`` (and a figure made with ``fixed=True``) the grid is placed at those margins;
    otherwise constrained layout places it.
    """
    width, height = fig.get_size_inches()
    if margins is None:
        body = max(height - legend_height - 0.8, 0.5)
        gs = fig.add_gridspec(nrows + 1, ncols, height_ratios=[body / nrows] * nrows + [legend_height])
    else:
        m = margins
        bottom = FOOTER_HEIGHT + legend_height + m.bottom
        panel_w = (width - m.left - m.right - (ncols - 1) * m.wspace) / ncols
        panel_h = (height - m.top - bottom - (nrows - 1) * m.hspace) / nrows
        gs = fig.add_gridspec(nrows, ncols, left=m.left / width, right=1 - m.right / width,
                              bottom=bottom / height, top=1 - m.top / height,
                              wspace=m.wspace / panel_w, hspace=m.hspace / panel_h)
    axes = np.empty((nrows, ncols), dtype=object)
    for i in range(nrows):
        for j in range(ncols):
            share = axes[i, 0] if (sharey and j) else None
            axes[i, j] = fig.add_subplot(gs[i, j], sharey=share)
            if share is not None:
                axes[i, j].tick_params(labelleft=False)
    if margins is None:
        legend_ax = fig.add_subplot(gs[nrows, :])
    else:
        legend_ax = fig.add_axes((margins.left / width, FOOTER_HEIGHT / height,
                                  1 - (margins.left + margins.right) / width, legend_height / height))
    legend_ax.set_axis_off()
    return axes, legend_ax


def figure_title(fig: Figure, text: str, fontsize: float = 12) -> None:
    """The figure title, 0.08 in below the top edge whatever the layout."""
    if fig.get_layout_engine() is None:
        fig.suptitle(text, fontsize=fontsize, y=1 - 0.08 / fig.get_figheight(), va="top")
    else:
        fig.suptitle(text, fontsize=fontsize)


def legend_row(ax, handles, ncol: int, fontsize: float = 7.5, labels=None) -> None:
    """The legend (图例) drawn in its own row ``ax`` (:func:`panel_grid`), ``ncol`` entries a line."""
    labels = labels if labels is not None else [h.get_label() for h in handles]
    ax.legend(handles=handles, labels=labels, loc="center", ncol=ncol, fontsize=fontsize, frameon=False,
              handlelength=1.5, columnspacing=1.0, borderaxespad=0)


def _wrap(text: str, width: int) -> str:
    """Break Chinese text into lines of at most about ``width`` characters, of even length, never
    starting a line with closing punctuation."""
    text = str(text)
    width = -(-len(text) // -(-len(text) // max(width, 1))) if text else width   # balance the lines
    lines, line = [], ""
    for ch in text:
        if len(line) >= width and ch not in "）)、，。：；」』》":
            lines.append(line)
            line = ""
        line += ch
    return "\n".join(lines + [line])


def _truncate(text: str, width: int) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _indicator_names(standard) -> dict[str, str]:
    return {i.code: i.name_zh for i in standard.indicators}


def figure_footer(fig: Figure, result, *notes: str) -> None:
    """Notes under the figure (and the synthetic-data label), in space the layout keeps for them."""
    notes = [n for n in notes if n]
    if getattr(result, "synthetic", False):
        notes.append(SYNTHETIC_NOTE)
    if notes:
        fig.supxlabel("　".join(notes), x=0.995, ha="right", fontsize=7, color="#666666")


def _stage_parts(result, stage: str) -> pd.DataFrame:
    if stage not in STAGES:
        raise ValueError(f"学段应为 {STAGES} 之一 (stage must be one of {STAGES}): {stage!r}")
    return result.parts[result.parts["part"] == stage].reset_index(drop=True)


def _fmt(v: float) -> str:
    if v is None or pd.isna(v):
        return "—"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"


OP_SYMBOL = {"<=": "≤", "<": "<", ">=": "≥", ">": ">"}


def _limit_label(limit: float, comparison: str | None) -> str:
    op = OP_ZH.get(comparison or "", "")
    return f"限值：{op} {limit:.2f}" if op else f"限值 {limit:.2f}"


# ---------------------------------------------------------------------------------------------- CV chart
def cv_chart(result) -> Figure:
    """差异系数图: one panel per stage, a bar per indicator's CV, the limit as a dashed line.

    Bars whose ``cv_pass`` is False are red; every bar is labelled with its CV to 3 decimals.  The panel
    title gives the stage's composite CV (综合差异系数) and, where the standard sets one, its limit.
    """
    names = _indicator_names(result.standard)
    codes = list(names)
    fig = new_figure(FIGURE_WIDTH, 1.5 + 0.48 * len(codes), fixed=True)
    grid, legend_ax = panel_grid(fig, 1, len(STAGES), 0.25, sharey=True,
                              margins=Margins(left=1.35, top=0.9, bottom=0.5, wspace=0.25))
    axes = grid[0]
    y = np.arange(len(codes))
    any_limit = False
    for ax, stage in zip(axes, STAGES):
        ind = result.indicators[result.indicators["stage"] == stage].set_index("indicator")
        ind = ind.reindex(codes)
        cvs = ind["cv"].astype(float).to_numpy()
        passes = ind["cv_pass"].to_numpy(dtype=object)
        colors = [COLORS["fail"] if (p is not None and not pd.isna(p) and not bool(p)) else COLORS["ok"]
                  for p in passes]
        ax.barh(y, np.nan_to_num(cvs), color=colors, height=0.62)
        limits = ind["cv_limit"].astype(float).dropna().unique()
        top = np.nanmax(np.concatenate([cvs[~np.isnan(cvs)], limits, [0.1]]))
        any_limit |= len(limits) > 0
        for lim in limits:
            ax.axvline(lim, color=COLORS["limit"], linestyle="--", linewidth=1.2)
            comparison = ind["cv_comparison"].dropna().iloc[0] if "cv_comparison" in ind else None
            ax.text(lim - top * 0.02, -0.72, _limit_label(lim, comparison), ha="right", va="center", fontsize=8,
                    color=COLORS["limit"])
        for yi, cv in zip(y, cvs):
            ax.text((0 if np.isnan(cv) else cv) + top * 0.015, yi, "—" if np.isnan(cv) else f"{cv:.3f}",
                    va="center", ha="left", fontsize=8)
        ax.set_xlim(0, top * 1.22)
        ax.set_ylim(len(codes) - 0.5, -1.0)
        stage_row = result.stages[result.stages["stage"] == stage]
        ax.set_title(_stage_title(result, stage, stage_row), fontsize=9.5)
        ax.set_xlabel("差异系数", fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="y", visible=False)
    axes[0].set_yticks(y, [literal(_wrap(names[c], 11)) for c in codes], fontsize=8)
    if any_limit:
        handles = [Patch(color=COLORS["ok"], label="在限值内"), Patch(color=COLORS["fail"], label="超过限值"),
                   Line2D([], [], color=COLORS["limit"], linestyle="--", label="限值")]
    else:
        handles = [Patch(color=COLORS["ok"], label="差异系数（本标准不对单项指标设限值）")]
    legend_row(legend_ax, handles, ncol=len(handles), fontsize=8)
    figure_title(fig, f"{literal(result.county)} {result.year}年 各指标校际差异系数")
    figure_footer(fig, result)
    return fig


def _stage_title(result, stage: str, stage_row: pd.DataFrame) -> str:
    if not len(stage_row):
        return STAGE_ZH[stage]
    row = stage_row.iloc[0]
    title = f"{STAGE_ZH[stage]}（{int(row['schools_in_scope'])} 所学校）"
    composite = row.get("composite_cv")
    if composite is not None and not pd.isna(composite):
        title += f"\n综合差异系数 {composite:.3f}"
        limit = row.get("composite_limit")
        op = (result.standard.composite_limit or {}).get("comparison", "")
        if limit is not None and not pd.isna(limit):
            title += f"（限值 {OP_SYMBOL.get(op, op)} {float(limit):.2f}）"
    return title


# -------------------------------------------------------------------------------------- distributions
def _status(parts: pd.DataFrame, code: str, floor: float | None) -> np.ndarray:
    """Per school part: 'meets', 'near' (below but ≥ floor × standard), 'below', or 'nodata'."""
    value = parts[f"value_{code}"].astype(float).to_numpy()
    out = np.full(len(parts), "nodata", dtype=object)
    if f"meets_{code}" not in parts:
        out[~np.isnan(value)] = "value"
        return out
    meets = parts[f"meets_{code}"].fillna(False).to_numpy(dtype=bool)
    target = parts[f"standard_{code}"].astype(float).to_numpy()
    above_floor = compare(value, target * floor, ">=") if floor is not None else np.zeros(len(parts), bool)
    out[~np.isnan(value)] = "below"
    out[~np.isnan(value) & above_floor] = "near"
    out[meets] = "meets"
    return out


def _stage_standard(standard, code: str, stage: str) -> float | None:
    values = standard.indicator(code).standard
    if not values or values.get(stage) is None:
        return None
    return float(values[stage])


def _draw_distribution(ax, result, stage: str, code: str, parts: pd.DataFrame, title_wrap: int = 40):
    """One indicator's panel: the standard and floor lines, labels, and the marks of :func:`_distribution_marks`;
    returns (lines, marks), for :class:`LiveDistribution` to move them."""
    ind = result.standard.indicator(code)
    floor = (result.standard.school_rule or {}).get("floor_ratio")
    floor = float(floor) if floor is not None else None
    std = _stage_standard(result.standard, code, stage)
    lines = []
    if std is not None:
        lines.append(ax.axvline(std, color=COLORS["limit"], linewidth=1.2, zorder=4))
        if floor is not None:
            lines.append(ax.axvline(std * floor, color=COLORS["limit"], linewidth=1.0, linestyle="--", zorder=4))
    ax.set_xlim(*_distribution_xlim(result, stage, code, parts))
    ax.set_yticks([])
    ax.set_ylim(-0.45, 0.72)       # room at the top for the standard and the count
    ax.set_title(literal(_wrap(ind.name_zh, title_wrap)), fontsize=9)
    ax.set_xlabel(literal(ind.unit_zh), fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    return lines, _distribution_marks(ax, result, stage, code, parts)


def _distribution_xlim(result, stage: str, code: str, parts: pd.DataFrame) -> tuple[float, float]:
    """The x range of a distribution panel: every value, the standard and the floor, with a little room."""
    floor = (result.standard.school_rule or {}).get("floor_ratio")
    values = parts[f"value_{code}"].astype(float).to_numpy()
    std = _stage_standard(result.standard, code, stage)
    marks = list(values[~np.isnan(values)]) + ([std] if std is not None else []) + \
        ([std * float(floor)] if std is not None and floor is not None else [])
    if not marks:
        return (0.0, 1.0)
    lo, hi = min(marks), max(marks)
    pad = (hi - lo) * 0.04 or abs(hi) * 0.1 or 1.0
    return (lo - pad, hi + pad)


def _distribution_marks(ax, result, stage: str, code: str, parts: pd.DataFrame) -> list:
    """What an edit moves on a distribution panel: the box, a point per school part coloured by status (the
    same jitter for the same part order) and the count of parts meeting the standard; the artists drawn."""
    floor = (result.standard.school_rule or {}).get("floor_ratio")
    floor = float(floor) if floor is not None else None
    values = parts[f"value_{code}"].astype(float).to_numpy()
    status = _status(parts, code, floor)
    ok = ~np.isnan(values)
    artists = []
    if ok.any():
        box = ax.boxplot(values[ok], **_HORIZONTAL, positions=[0], widths=0.5, showfliers=False, patch_artist=True,
                         boxprops={"facecolor": "#EEEEEE", "edgecolor": "#777777"},
                         medianprops={"color": "#444444"}, whiskerprops={"color": "#777777"},
                         capprops={"color": "#777777"})
        artists += [a for group in box.values() for a in group]
    jitter = np.random.default_rng(0).uniform(-0.22, 0.22, len(values))
    colors = {"meets": COLORS["meets"], "near": COLORS["near"], "below": COLORS["below"], "value": COLORS["ok"]}
    for key, color in colors.items():
        sel = status == key
        if sel.any():
            artists.append(ax.scatter(values[sel], jitter[sel], s=12, color=color, alpha=0.8, linewidths=0,
                                      zorder=3))
    std = _stage_standard(result.standard, code, stage)
    if std is not None:
        n_meet = int((status == "meets").sum())
        artists.append(ax.text(0.99, 0.97, f"标准 {_fmt(std)}，达标 {n_meet}/{int(ok.sum())}",
                               transform=ax.transAxes, ha="right", va="top", fontsize=7, color="#333333"))
    return artists


def _floor_text(standard) -> str:
    """The per-school floor as people read it, from the standard (e.g. "85%")."""
    return f"{(standard.school_rule or {}).get('floor_ratio', 0.85):.0%}"


def _status_handles(standard, standard_label: str = "标准值") -> list:
    """Legend entries for school points coloured by status, the standard line and the floor line."""
    floor = _floor_text(standard)
    return [Line2D([], [], marker="o", linestyle="", color=COLORS["meets"], label="达标"),
            Line2D([], [], marker="o", linestyle="", color=COLORS["near"], label=f"未达标，不低于{floor}"),
            Line2D([], [], marker="o", linestyle="", color=COLORS["below"], label=f"低于标准的{floor}"),
            Line2D([], [], color=COLORS["limit"], label=standard_label),
            Line2D([], [], color=COLORS["limit"], linestyle="--", label=f"标准值的{floor}")]


def _distribution_legend(ax, result) -> None:
    if result.standard.has_school_standards:
        handles = _status_handles(result.standard)
    else:
        handles = [Line2D([], [], marker="o", linestyle="", color=COLORS["ok"], label="学校")]
    legend_row(ax, handles, ncol=len(handles))


def distribution_chart(result, stage: str, indicator_code: str) -> Figure:
    """One indicator's school values in one stage: box plot and a point per school part, standard (solid)
    and 85% of it (dashed); title = the indicator's Chinese name."""
    return _distribution_figure(result, stage, indicator_code)[0]


def _distribution_figure(result, stage: str, indicator_code: str):
    """:func:`distribution_chart`'s figure, its panel, the standard lines and the marks an edit moves."""
    parts = _stage_parts(result, stage)
    fig = new_figure(FIGURE_WIDTH, 2.8)
    grid, legend_ax = panel_grid(fig, 1, 1, 0.2)
    ax = grid[0, 0]
    lines, marks = _draw_distribution(ax, result, stage, indicator_code, parts)
    ax.set_yticks([])                               # one row of schools: the box's position (0) means nothing
    ax.set_title(f"{literal(result.standard.indicator(indicator_code).name_zh)}（{STAGE_ZH[stage]}，{len(parts)} 所学校）",
                 fontsize=11)
    _distribution_legend(legend_ax, result)
    figure_footer(fig, result)
    return fig, ax, lines, marks


class LiveDistribution:
    """:func:`distribution_chart` kept alive for the explorer (交互图): an edit moves only the points, the box
    and the count.

    The figure is drawn in full once; its still parts (axes, ticks, lines, title, legend, notes) are kept as
    a picture, and :meth:`update` draws only the moved marks over it (blitting).  When an edit changes the x
    range (a value beyond it, or the extreme value moved), the figure is laid out and drawn in full again.  :meth:`png` gives the image
    shown (the same pixels as drawing the figure afresh, tested in ``tests/test_incremental.py``).
    """

    def __init__(self, result, stage: str, indicator_code: str, dpi: int = DEFAULT_DPI):
        self.stage, self.code, self.dpi = stage, indicator_code, dpi
        self.full_draws = 0
        self._build(result)

    def _build(self, result) -> None:
        """Lay out and draw the whole figure, and keep its still parts as a picture."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        # the standard lines lie over the points: drawn again after them, in the order a full draw uses
        self.fig, self.ax, self.lines, self.marks = _distribution_figure(result, self.stage, self.code)
        self.fig.set_dpi(self.dpi)
        self.fig.set_facecolor("white")
        self.canvas = FigureCanvasAgg(self.fig)
        for artist in self._moving():
            artist.set_animated(True)               # left out of the kept picture
        self.canvas.draw()
        self.fig.set_layout_engine("none")          # positions stay as laid out, so the picture stays valid
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        self._blit()
        self.full_draws += 1

    def _moving(self) -> list:
        """The marks and the lines over them, in drawing order (z-order, then creation)."""
        return sorted(self.marks + self.lines, key=lambda a: a.get_zorder())

    def _blit(self) -> None:
        self.canvas.restore_region(self._background)
        for artist in self._moving():
            self.ax.draw_artist(artist)

    def update(self, result) -> None:
        """Show ``result``'s values of the same stage and indicator."""
        parts = _stage_parts(result, self.stage)
        if tuple(self.ax.get_xlim()) != _distribution_xlim(result, self.stage, self.code, parts):
            self._build(result)                     # new ticks: lay the figure out again
            return
        for artist in self.marks:
            artist.remove()
        self.marks = _distribution_marks(self.ax, result, self.stage, self.code, parts)
        for artist in self.marks:
            artist.set_animated(True)
        self._blit()

    def png(self) -> bytes:
        """The chart as PNG bytes (the same encoding as :func:`figure_to_png_bytes`)."""
        buffer = self.canvas.buffer_rgba()
        return _rgba_png(bytes(buffer), buffer.shape[1], buffer.shape[0])


def distributions_grid(result, stage: str) -> Figure:
    """Small multiples of :func:`distribution_chart` for every indicator of the standard."""
    parts = _stage_parts(result, stage)
    codes = result.standard.codes
    ncols = 2
    nrows = -(-len(codes) // ncols)
    fig = new_figure(FIGURE_WIDTH, 0.9 + 1.75 * nrows)
    grid, legend_ax = panel_grid(fig, nrows, ncols, 0.2)
    axes = grid.ravel()
    for ax, code in zip(axes, codes):
        _draw_distribution(ax, result, stage, code, parts, title_wrap=19)
    for ax in axes[len(codes):]:
        ax.set_axis_off()
    fig.suptitle(f"{literal(result.county)} {result.year}年 {STAGE_ZH[stage]}各指标学校分布（{len(parts)} 所学校）",
                 fontsize=12)
    _distribution_legend(legend_ax, result)
    figure_footer(fig, result)
    return fig


def attainment_chart(result, cap: float = 2.5) -> Figure:
    """各指标达标程度: every school part's value as a share of its standard (``ratio_<code>`` = 实际值 ÷
    标准值), a row per indicator and a panel per stage, the standard (100%) solid and the school rule's floor
    (85%) dashed; each row ends with "达标 n/N".

    One chart for all indicators and both stages on a common scale, so a reader sees at a glance which
    resource falls short in how many schools.  Shares above ``cap`` (250%) are drawn at the right edge as ▸.
    With a standard that sets no school-level values (basic-2012) the scale is the stage's
    enrolment-weighted mean instead (X_i ÷ X̄, the quantity the difference coefficient measures).
    """
    names = _indicator_names(result.standard)
    codes = list(names)
    by_standard = result.standard.has_school_standards
    floor = (result.standard.school_rule or {}).get("floor_ratio") if by_standard else None
    floor = float(floor) if floor is not None else None
    fig = new_figure(FIGURE_WIDTH, 1.5 + 0.42 * len(codes), fixed=True)
    grid, legend_ax = panel_grid(fig, 1, len(STAGES), 0.2, sharey=True,
                              margins=Margins(left=1.35, right=0.45, top=0.65, bottom=0.5, wspace=0.55))
    rng = np.random.default_rng(0)
    colors = {"meets": COLORS["meets"], "near": COLORS["near"], "below": COLORS["below"], "value": COLORS["ok"]}
    for ax, stage in zip(grid[0], STAGES):
        parts = _stage_parts(result, stage)
        means = result.indicators[result.indicators["stage"] == stage].set_index("indicator")["mean"]
        xs, ys, keys = [], [], []
        for row, code in enumerate(codes):
            if by_standard:
                share = parts[f"ratio_{code}"].astype(float).to_numpy()
            else:
                mean = float(means.get(code, np.nan))
                share = parts[f"value_{code}"].astype(float).to_numpy() / mean if mean else np.full(len(parts), np.nan)
            status = _status(parts, code, floor)
            ok = ~np.isnan(share)
            xs.append(share[ok])
            ys.append(row + rng.uniform(-0.28, 0.28, int(ok.sum())))
            keys.append(status[ok])
            if by_standard:
                ax.text(1.0, row, f" {int((status == 'meets').sum())}/{int(ok.sum())}", transform=ax.get_yaxis_transform(),
                        ha="left", va="center", fontsize=7.5, clip_on=False)
        x, y, key = (np.concatenate(a) if a else np.array([]) for a in (xs, ys, keys))
        clipped = x > cap
        for name, color in colors.items():
            sel = (key == name) & ~clipped
            if sel.any():
                ax.scatter(x[sel], y[sel], s=10, color=color, alpha=0.8, linewidths=0, zorder=3)
            sel = (key == name) & clipped
            if sel.any():
                ax.scatter(np.full(int(sel.sum()), cap), y[sel], s=14, color=color, marker=">", linewidths=0, zorder=3)
        ax.axvline(1.0, color=COLORS["limit"], linewidth=1.2, zorder=4)
        if floor is not None:
            ax.axvline(floor, color=COLORS["limit"], linewidth=1.0, linestyle="--", zorder=4)
        ax.set_xlim(0, cap * 1.03)
        ax.set_ylim(len(codes) - 0.5, -0.5)
        ticks = np.arange(0, cap + 1e-9, 0.5)
        ax.set_xticks(ticks, [f"{t:.0%}" for t in ticks], fontsize=8)
        ax.set_xlabel("实际值占标准值的比例" if by_standard else "实际值占全县均值的比例", fontsize=8.5)
        ax.set_title(f"{STAGE_ZH[stage]}（{len(parts)} 所学校）", fontsize=9.5)
        ax.grid(axis="y", visible=False)
    grid[0][0].set_yticks(np.arange(len(codes)), [literal(_wrap(names[c], 11)) for c in codes], fontsize=8)
    if by_standard:
        handles = _status_handles(result.standard, "标准值（100%）") + [
            Line2D([], [], marker=">", linestyle="", color="#777777", label=f"超过{cap:.0%}")]
    else:
        handles = [Line2D([], [], marker="o", linestyle="", color=COLORS["ok"], label="学校"),
                   Line2D([], [], color=COLORS["limit"], label="全县均值（100%）"),
                   Line2D([], [], marker=">", linestyle="", color="#777777", label=f"超过{cap:.0%}")]
    legend_row(legend_ax, handles, ncol=len(handles), fontsize=7)
    what = "各指标学校达标程度" if by_standard else "各指标学校实际值相对全县均值"
    figure_title(fig, f"{literal(result.county)} {result.year}年 {what}（每点一所学校）")
    figure_footer(fig, result, "右侧数字：达标学校数/学校数" if by_standard else "")
    return fig


# ------------------------------------------------------------------------------------------------ heatmap
_STATUS_CODE = {"nodata": 0, "below": 1, "near": 2, "meets": 3}


def meets_heatmap(result, stage: str, max_schools: int = 60, name_width: int = 12,
                  all_schools: bool = False) -> Figure:
    """School × indicator grid: 达标 / 未达标但不低于85% / 低于85%.

    Rows are the school parts of ``stage`` that miss at least one indicator (every part with
    ``all_schools``), sorted by the number of indicators met (fewest first, then the failing school rule
    first); at most ``max_schools`` rows, with a note saying how many were left out and why.  School
    names longer than ``name_width`` characters are cut; names of schools failing the school rule are red.
    With a standard that sets no school-level values (basic-2012) the figure says so instead.
    """
    parts = _stage_parts(result, stage)
    std = result.standard
    if not std.has_school_standards or "n_meeting" not in parts or parts["n_meeting"].isna().all():
        fig = new_figure(FIGURE_WIDTH, 1.2)
        fig.text(0.5, 0.5, f"{literal(std.name_zh)}未规定学校层面的标准值，无达标情况图", ha="center", va="center",
                 fontsize=10, wrap=True)
        return fig
    floor = float((std.school_rule or {}).get("floor_ratio", np.nan))
    floor = None if np.isnan(floor) else floor
    codes = std.codes
    order = parts.assign(_fail=~parts["passes_school_rule"].fillna(False).astype(bool),
                         _n=parts["n_meeting"].astype(float))
    order = order.sort_values(["_n", "_fail", "school_name"], ascending=[True, False, True], kind="stable")
    candidates = order if all_schools else order[~(order["_n"] >= len(codes))]   # NaN counts stay in
    if len(parts) and not len(candidates):
        fig = new_figure(FIGURE_WIDTH, 1.0)
        fig.text(0.5, 0.55, f"{literal(result.county)} {result.year}年 {STAGE_ZH[stage]}全部 {len(parts)} 所学校"
                 f"{len(codes)} 项指标均达标", ha="center", va="center", fontsize=11)
        figure_footer(fig, result)
        return fig
    shown = candidates.head(max_schools)
    grid = np.array([[_STATUS_CODE[s] for s in _status(shown, c, floor)] for c in codes]).T
    n = len(shown)
    name_size = 6.5 if n > 30 else 8
    fig = new_figure(FIGURE_WIDTH, 1.6 + 0.13 * max(n, 8), fixed=True)
    panel, legend_ax = panel_grid(fig, 1, 1, 0.2, margins=Margins(left=name_width * name_size / 72 + 0.2,
                                                               top=0.95, bottom=0.1))
    ax = panel[0, 0]
    cmap = ListedColormap([COLORS["nodata"], COLORS["below"], COLORS["near"], COLORS["meets"]])
    if n:
        ax.pcolormesh(grid, cmap=cmap, vmin=-0.5, vmax=3.5, edgecolors="white", linewidth=0.6)
    ax.set_xlim(0, len(codes))
    ax.set_ylim(max(n, 1), 0)
    names = _indicator_names(std)
    ax.xaxis.tick_top()
    ax.set_xticks(np.arange(len(codes)) + 0.5, [literal(_wrap(names[c], 7)) for c in codes], fontsize=7)
    ax.set_yticks(np.arange(n) + 0.5, [literal(_truncate(s, name_width)) for s in shown["school_name"]],
                  fontsize=name_size)
    for label, passes in zip(ax.get_yticklabels(), shown["passes_school_rule"].fillna(False).astype(bool)):
        if not passes:
            label.set_color(COLORS["fail"])
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    title = f"{literal(result.county)} {result.year}年 {STAGE_ZH[stage]}学校各指标达标情况"
    figure_title(fig, title)
    floor_text = _floor_text(result.standard)
    handles = [Patch(color=COLORS["meets"], label="达标"), Patch(color=COLORS["near"], label=f"未达标，不低于{floor_text}"),
               Patch(color=COLORS["below"], label=f"低于标准的{floor_text}"),
               Line2D([], [], linestyle="", marker="s", color=COLORS["fail"], label="红色校名：未达到校级规则")]
    if (grid == 0).any():
        handles.insert(3, Patch(color=COLORS["nodata"], label="无数据"))
    legend_row(legend_ax, handles, ncol=len(handles), fontsize=7)
    if not len(parts):
        ax.text(len(codes) / 2, 0.5, "无纳入评估的学校", ha="center", va="center", fontsize=10)
    notes = []
    if len(candidates) > n:
        notes.append(f"仅显示达标项数最少的 {n} 所学校（共 {len(parts)} 所）")
    if len(parts) > len(candidates):
        notes.append(f"另有 {len(parts) - len(candidates)} 所学校各项指标均达标，未列出")
    figure_footer(fig, result, *notes)
    return fig


# -------------------------------------------------------------------------------------------------- trend
def _trend_inputs(source, county: str | None):
    """(indicators table of one county over its years, its standard) from an Evaluation, a dict
    {year: CountyResult}, or an iterable of CountyResults."""
    if hasattr(source, "standards") and hasattr(source, "county_years"):       # Evaluation
        names = sorted({c for c, _ in source.county_years()})
        if county is None:
            if len(names) != 1:
                raise ValueError(f"请指定县区 (name the county): {names}")
            county = names[0]
        table = source.indicators[source.indicators["county"] == county]
        if county not in source.standards or table.empty:
            raise KeyError(f"评估结果中没有{county} (no results for {county})")
        return county, table, source.standards[county]
    results = list(source.values()) if isinstance(source, dict) else list(source)
    if county is not None:
        results = [r for r in results if r.county == county]
    if not results:
        raise KeyError(f"没有{county or ''}的评估结果 (no results for {county})")
    if len({r.county for r in results}) != 1:
        raise ValueError(f"请指定县区 (name the county): {sorted({r.county for r in results})}")
    latest = max(results, key=lambda r: r.year)
    return latest.county, pd.concat([r.indicators for r in results], ignore_index=True), latest.standard


def cv_trend_chart(evaluation_or_results_by_year, county: str | None = None) -> Figure:
    """差异系数历年变化: a line per indicator over the years present, one panel per stage, the limit dashed.

    Accepts an :class:`~junyun_lib.evaluate.Evaluation`, a dict ``{year: CountyResult}`` or a list of
    CountyResults.  Points beyond the limit (``cv_pass`` False) are ringed in red.
    """
    county, table, standard = _trend_inputs(evaluation_or_results_by_year, county)
    names = _indicator_names(standard)
    years = sorted(int(y) for y in table["year"].unique())
    fig = new_figure(FIGURE_WIDTH, 5.4, fixed=True)
    grid, legend_ax = panel_grid(fig, 1, len(STAGES), 0.75, sharey=True,
                              margins=Margins(left=0.7, top=0.65, bottom=0.5, wspace=0.25))
    axes = grid[0]
    palette = matplotlib.colormaps["tab10"].colors
    handles, limit_text = [], []
    for ax, stage in zip(axes, STAGES):
        st = table[table["stage"] == stage]
        for i, code in enumerate(names):
            rows = st[st["indicator"] == code].sort_values("year")
            if rows.empty:
                continue
            (line,) = ax.plot(rows["year"].astype(int), rows["cv"].astype(float), marker="o", markersize=4,
                              linewidth=1.5, color=palette[i % len(palette)], label=names[code])
            if stage == STAGES[0]:
                handles.append(line)
            bad = rows[rows["cv_pass"].map(lambda v: v is not None and not pd.isna(v) and not bool(v))]
            ax.scatter(bad["year"].astype(int), bad["cv"].astype(float), s=70, facecolors="none",
                       edgecolors=COLORS["fail"], linewidths=1.3, zorder=5)
        limits = st.groupby("year")["cv_limit"].first().astype(float).dropna()
        if len(limits) and limits.nunique() == 1:
            pad = 0.6 if len(years) == 1 else 0.3
            ax.hlines(limits.iloc[0], years[0] - pad, years[-1] + pad, color=COLORS["limit"], linestyle="--",
                      linewidth=1.2)
        elif len(limits):
            ax.plot(limits.index.astype(int), limits.to_numpy(), color=COLORS["limit"], linestyle="--",
                    linewidth=1.2, drawstyle="steps-mid")
        if len(limits):
            comparison = st["cv_comparison"].dropna()
            op = OP_ZH.get(comparison.iloc[-1], "") if len(comparison) else ""
            limit_text.append(f"{STAGE_ZH[stage]}{op} {limits.iloc[-1]:.2f}")
        ax.set_title(STAGE_ZH[stage], fontsize=10)
        ax.set_xticks(years, [str(y) for y in years], fontsize=8)
        if len(years) == 1:
            ax.set_xlim(years[0] - 0.6, years[0] + 0.6)
        else:
            ax.set_xlim(years[0] - 0.3, years[-1] + 0.3)
        ax.set_xlabel("年度", fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel("差异系数", fontsize=9)
    limit_label = f"限值（{'，'.join(limit_text)}）" if limit_text else "限值"
    handles += [Line2D([], [], color=COLORS["limit"], linestyle="--", label=limit_label),
                Line2D([], [], linestyle="", marker="o", markerfacecolor="none", markeredgecolor=COLORS["fail"],
                       markersize=8, label="超过限值")]
    legend_row(legend_ax, handles, labels=[literal(_wrap(h.get_label(), 18)) if h.get_label() in names.values()
                                        else h.get_label() for h in handles], ncol=3, fontsize=7)
    span = f"{years[0]}–{years[-1]}年" if len(years) > 1 else f"{years[0]}年"
    figure_title(fig, f"{literal(county)} {span} 各指标差异系数变化")
    figure_footer(fig, evaluation_or_results_by_year if hasattr(evaluation_or_results_by_year, "synthetic")
                    else _first(evaluation_or_results_by_year))
    return fig


def roadmap_cv_chart(roadmap) -> Figure:
    """达标路线图的差异系数: per stage, each indicator's CV year by year under the roadmap (re-evaluated on
    projected enrolment, projects, moves and additions), the data year first (hollow point, dotted), the limit
    dashed, the plan's annual targets for the largest CV (max_cv) as steps, points beyond the limit ringed red.

    ``roadmap`` is a :class:`~junyun_lib.planning.roadmap.Roadmap` (its ``cvs`` and ``targets``).
    """
    table = roadmap.cvs.copy()
    targets = roadmap.targets
    names = dict(zip(table["indicator"], table["name_zh"]))
    years = sorted({int(y) for y in table["year"]})
    fig = new_figure(FIGURE_WIDTH, 5.6, fixed=True)
    grid, legend_ax = panel_grid(fig, 1, len(STAGES), 0.8, sharey=True,
                              margins=Margins(left=0.7, top=0.65, bottom=0.55, wspace=0.25))
    axes = grid[0]
    palette = matplotlib.colormaps["tab10"].colors
    handles, limit_text = [], []
    same_year = roadmap.start_year == roadmap.years[0]
    for ax, stage in zip(axes, STAGES):
        st = table[table["stage"] == stage]
        for i, code in enumerate(names):
            rows = st[st["indicator"] == code].sort_values("year")
            if rows.empty:
                continue
            color = palette[i % len(palette)]
            data = rows[rows["basis"] == "data"]
            plan = rows[rows["basis"] == "roadmap"]
            x_data = data["year"].astype(float) - (0.15 if same_year else 0.0)
            (line,) = ax.plot(plan["year"].astype(int), plan["cv"].astype(float), marker="o", markersize=4,
                              linewidth=1.5, color=color, label=names[code])
            ax.scatter(x_data, data["cv"].astype(float), s=22, facecolors="none", edgecolors=[color], zorder=4)
            if len(data) and len(plan):
                ax.plot([float(x_data.iloc[0]), int(plan["year"].iloc[0])],
                        [float(data["cv"].iloc[0]), float(plan["cv"].iloc[0])], color=color, linestyle=":",
                        linewidth=1.0)
            if stage == STAGES[0]:
                handles.append(line)
            bad = plan[plan["cv_pass"].map(lambda v: v is not None and not pd.isna(v) and not bool(v))]
            ax.scatter(bad["year"].astype(int), bad["cv"].astype(float), s=70, facecolors="none",
                       edgecolors=COLORS["fail"], linewidths=1.3, zorder=5)
        limits = st["cv_limit"].astype(float).dropna()
        if len(limits):
            ax.hlines(limits.iloc[0], years[0] - 0.4, years[-1] + 0.4, color=COLORS["limit"], linestyle="--",
                      linewidth=1.2)
            comparison = st["cv_comparison"].dropna()
            op = OP_ZH.get(comparison.iloc[-1], "") if len(comparison) else ""
            limit_text.append(f"{STAGE_ZH[stage]}{op} {limits.iloc[0]:.2f}")
        if len(targets):
            t = targets[(targets["metric"] == "max_cv") & (targets["stage"] == stage)].sort_values("year")
            if len(t):
                ax.step(t["year"].astype(int), t["target"].astype(float), where="mid", color="#8E44AD",
                        linewidth=1.0, linestyle="-.")
        ax.set_title(STAGE_ZH[stage], fontsize=10)
        ax.set_xticks(years, [str(y) for y in years], fontsize=8)
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        ax.set_xlabel("年度", fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel("差异系数", fontsize=9)
    handles += [Line2D([], [], color=COLORS["limit"], linestyle="--",
                       label=f"限值（{'，'.join(limit_text)}）" if limit_text else "限值"),
                Line2D([], [], linestyle="", marker="o", markerfacecolor="none", markeredgecolor="#555555",
                       label=f"{roadmap.start_year}年现状（数据）"),
                Line2D([], [], linestyle="", marker="o", markerfacecolor="none", markeredgecolor=COLORS["fail"],
                       markersize=8, label="超过限值")]
    if len(targets) and (targets["metric"] == "max_cv").any():
        handles.append(Line2D([], [], color="#8E44AD", linestyle="-.", label="推进计划年度目标（最大差异系数）"))
    legend_row(legend_ax, handles, labels=[literal(_wrap(h.get_label(), 18)) if h.get_label() in names.values()
                                        else h.get_label() for h in handles], ncol=3, fontsize=7)
    figure_title(fig, f"{literal(roadmap.county)} 达标路线图：各年度差异系数（{roadmap.target_year}年达标）")
    figure_footer(fig, roadmap, "各年度按预测在校生数、已列项目、教师交流和新增补充重新评估")
    return fig


def _first(source):
    items = list(source.values()) if isinstance(source, dict) else list(source)
    return items[0] if items else None


# ------------------------------------------------------------------------------------------------ plans
PLAN_STATUS_COLORS = {"ahead": "#2E7D32", "on_track": "#8BC34A", "behind": COLORS["fail"], "no_data": "#BDBDBD",
                      "no_target": "#EEEEEE"}


def plan_status_chart(progress) -> Figure:
    """规划进度总览: for each plan year with data, how many items are ahead, on track, behind or without data
    (a stacked bar per year).  Reads ``progress.table`` (:class:`junyun_lib.progress.PlanProgress`)."""
    table = progress.table
    years = sorted(int(y) for y in table.loc[table["actual"].notna(), "year"].unique()) or \
        sorted(int(y) for y in table["year"].unique())[:1]
    counts = {s: [int(((table["year"] == y) & (table["status"] == s)).sum()) for y in years] for s in STATUS_ZH}
    fig = new_figure(FIGURE_WIDTH, 1.3 + 0.42 * max(len(years), 2), fixed=True)
    grid, legend_ax = panel_grid(fig, 1, 1, 0.2, margins=Margins(left=0.7, right=0.3, top=0.5, bottom=0.45))
    ax = grid[0, 0]
    y = np.arange(len(years))
    left = np.zeros(len(years))
    for status, label in STATUS_ZH.items():
        widths = np.array(counts[status], dtype=float)
        ax.barh(y, widths, left=left, color=PLAN_STATUS_COLORS[status], height=0.6, label=label,
                edgecolor="white", linewidth=0.5)
        for yi, (x0, w) in enumerate(zip(left, widths)):
            if w:
                ax.text(x0 + w / 2, yi, str(int(w)), ha="center", va="center", fontsize=8,
                        color="white" if status in ("ahead", "behind") else "#222222")
        left += widths
    ax.set_yticks(y, [f"{yr}年" for yr in years], fontsize=9)
    ax.set_ylim(len(years) - 0.5, -0.5)
    ax.set_xlim(0, max(left.max(), 1))
    ax.set_xlabel("计划项目数", fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="y", visible=False)
    handles = [Patch(color=PLAN_STATUS_COLORS[s], label=z) for s, z in STATUS_ZH.items()]
    legend_row(legend_ax, handles, ncol=len(handles), fontsize=8)
    figure_title(fig, f"{literal(progress.county)} 推进计划各年度进度（{len(progress.plan.items)} 项）")
    figure_footer(fig, progress)
    return fig


def plan_items_chart(progress, items=None, ncols: int = 4) -> Figure:
    """Actual against plan, one small panel per item (规划项目实际与目标): stated targets as a dashed step
    line, actual values as a solid line, years behind plan ringed in red; the panel of an item behind in the
    latest year with data has a red title.  ``items``: item numbers to show (default all, at most 32)."""
    table = progress.table
    numbers = list(items) if items is not None else sorted(int(i) for i in table["item_no"].unique())
    numbers = numbers[:32]
    nrows = max(1, -(-len(numbers) // ncols))
    fig = new_figure(FIGURE_WIDTH, min(10.4, 0.95 + 1.28 * nrows), fixed=True)
    grid, legend_ax = panel_grid(fig, nrows, ncols, 0.2, margins=Margins(left=0.45, right=0.1, top=0.62,
                                                                     bottom=0.25, wspace=0.35, hspace=0.62))
    latest = progress.as_of
    for ax, number in zip(grid.ravel(), numbers):
        rows = table[table["item_no"] == number].sort_values("year")
        first = rows.iloc[0]
        stated = rows[rows["stated"]]
        ax.step(stated["year"], stated["target"], where="mid", color=COLORS["limit"], linestyle="--",
                linewidth=1.0)
        seen = rows[rows["actual"].notna()]
        ax.plot(seen["year"], seen["actual"], color=COLORS["ok"], marker="o", markersize=3, linewidth=1.3)
        late = seen[seen["status"] == "behind"]
        ax.scatter(late["year"], late["actual"], s=28, facecolors="none", edgecolors=COLORS["fail"],
                   linewidths=1.0, zorder=5)
        behind_now = bool(((rows["year"] == latest) & (rows["status"] == "behind")).any())
        ax.set_title(literal(_wrap(f"{number}. {first['item']}", 14)), fontsize=6.5,
                     color=COLORS["fail"] if behind_now else "#222222")
        years = rows["year"].astype(int)
        ax.set_xlim(years.min() - 0.5, years.max() + 0.5)
        ax.set_xticks([years.min(), years.max()], [str(years.min()), str(years.max())], fontsize=6)
        ax.tick_params(axis="y", labelsize=6, pad=1)
        if first["unit"] == "%":
            values = pd.concat([rows["target"], rows["actual"]]).dropna()
            ax.set_ylim(max(0.0, min(values.min(), 100) - 5) if len(values) else 0, 102)
    for ax in grid.ravel()[len(numbers):]:
        ax.set_axis_off()
    handles = [Line2D([], [], color=COLORS["limit"], linestyle="--", label="年度目标"),
               Line2D([], [], color=COLORS["ok"], marker="o", markersize=3, label="实际"),
               Line2D([], [], linestyle="", marker="o", markerfacecolor="none", markeredgecolor=COLORS["fail"],
                      label="落后于当年目标"),
               Line2D([], [], linestyle="", marker="s", color=COLORS["fail"], label="红色标题：最新年度落后")]
    legend_row(legend_ax, handles, ncol=len(handles), fontsize=7)
    figure_title(fig, f"{literal(progress.county)} 推进计划：各项目实际与年度目标", fontsize=11)
    figure_footer(fig, progress)
    return fig
