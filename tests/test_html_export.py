"""Tests for the offline HTML briefing pages (junyun_lib.html_export).

The notebooks are built with nbformat and given outputs by hand, so no kernel is needed.
"""
from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from junyun_lib.report import html_export
from junyun_lib.io.atomic import write_text
from junyun_lib.report.html_export import external_references, notebook_to_html

TITLE = "进贤县 2024 年义务教育优质均衡发展评估简报"
BODY_ZH = "本页数据为合成示例数据，学校名称均为虚构。"
EVIL = "<script>alert(1)</script>"
EVIL_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
# Code sources carry markers that must not reach the page (inputs are excluded).
TABLE_SRC = "display(HTML(cv_table.to_html()))  # SRC-MARKER-TABLE"
CHART_SRC = "fig = plot_cv(ev)  # SRC-MARKER-CHART"
ERROR_SRC = "evaluate(missing_table)  # SRC-MARKER-ERROR"
MAX_BYTES = 1_000_000


def png_chart(width_in: float = 6.0, height_in: float = 3.5, dpi: int = 100) -> bytes:
    """A small bar chart as PNG bytes (matplotlib Agg, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width_in, height_in), dpi=dpi)
    ax.bar(["I1", "I2", "I3", "I4", "I5", "I6", "I7"], [0.41, 0.38, 0.52, 0.29, 0.47, 0.33, 0.44])
    ax.axhline(0.50, color="red", linestyle="--")
    ax.set_ylabel("CV")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def briefing_notebook(charts: int = 1) -> nbformat.NotebookNode:
    """An 'executed' briefing notebook: Chinese markdown, a DataFrame table, PNG chart(s), an error."""
    df = pd.DataFrame({"学校名称": ["城关第一小学", EVIL, "石门中学"],
                       "差异系数": [0.412, 0.387, 0.455], "结论": ["达标", "达标", "未达标"]})
    table_html = df.to_html()
    assert EVIL_ESCAPED in table_html and EVIL not in table_html  # pandas escapes: the premise of the test
    png = base64.b64encode(png_chart()).decode("ascii")
    nb = new_notebook(cells=[
        new_markdown_cell(f"# {TITLE}\n\n{BODY_ZH}\n\n## 一、差异系数"),
        new_code_cell(TABLE_SRC, execution_count=1, outputs=[
            new_output("display_data", data={"text/html": table_html, "text/plain": str(df)}),
        ]),
        *[new_code_cell(CHART_SRC, execution_count=2 + i, outputs=[
            new_output("display_data", data={"image/png": png, "text/plain": "<Figure size 600x350 with 1 Axes>"}),
        ]) for i in range(charts)],
        new_code_cell(ERROR_SRC, execution_count=9, outputs=[
            new_output("error", ename="FileNotFoundError", evalue="没有石城县2023年的处理后数据",
                       traceback=["\x1b[0;31mFileNotFoundError\x1b[0m: 没有石城县2023年的处理后数据"]),
        ]),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nb


def body_of(html: str) -> str:
    """The page after </head>: the inlined JupyterLab CSS mentions prompts and data: URIs itself."""
    return html.split("</head>", 1)[1]


@pytest.fixture(scope="module")
def page() -> str:
    return notebook_to_html(briefing_notebook())


# --- the page ---------------------------------------------------------------------------------

def test_no_code_and_no_prompts(page):
    for marker in ("SRC-MARKER-TABLE", "SRC-MARKER-CHART", "SRC-MARKER-ERROR", "to_html()", "plot_cv"):
        assert marker not in page
    body = body_of(page)
    for prompt in ("In [", "In&nbsp;[", "In\xa0[", "Out[", "jp-InputPrompt", "jp-OutputPrompt", "jp-InputArea-editor"):
        assert prompt not in body
    assert "anchor-link" not in body and "¶" not in body  # no ¶ links after headings


def test_outputs_are_shown(page):
    assert "城关第一小学" in page and "石门中学" in page
    assert body_of(page).count('src="data:image/png;base64,') == 1
    assert "没有石城县2023年的处理后数据" in page  # the error output (its text, not its source)


def test_self_contained(page):
    assert external_references(page) == []
    assert "<script src" not in page
    for cdn in ("cdnjs", "jsdelivr", "unpkg", "mathjax", "require.js", "mermaid.esm"):
        assert cdn not in page.lower()


def test_data_is_escaped(page):
    assert EVIL not in page
    assert EVIL_ESCAPED in page


def test_chinese_page_and_a4_print(page):
    assert re.search(r'<html lang="zh-CN"', page)
    assert re.search(r'<meta charset="utf-8"\s*/?>', page, re.IGNORECASE)
    assert f"<title>{TITLE}</title>" in page
    assert BODY_ZH in page
    assert re.search(r"@page\s*\{[^}]*size:\s*A4;[^}]*margin:\s*16mm 14mm", page)
    assert 'content: "第 " counter(page) " 页，共 " counter(pages) " 页"' in page      # page numbers
    assert '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Noto Sans SC"' in page
    assert re.search(r"img,[^{]*\{[^}]*max-width:\s*100%", page)
    assert "break-inside: avoid" in page


def test_running_label_only_for_sample_data():
    """The synthetic-data label goes in the top margin of every printed page when an output shows it."""
    import nbformat

    from junyun_lib.synthetic import SYNTHETIC_LABEL

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", {"text/markdown": f"> **{SYNTHETIC_LABEL}**"})]
    nb.cells = [cell]
    assert "@top-center" in notebook_to_html(nb, title="t")
    cell.outputs = [nbformat.v4.new_output("display_data", {"text/markdown": "真实数据"})]
    assert "@top-center" not in notebook_to_html(nb, title="t")
    assert '"a\\"b\\3c /style>"' in notebook_to_html(nb, title="t", running_label='a"b</style>')


def test_page_size(page):
    size = len(page.encode("utf-8"))
    assert size <= MAX_BYTES, size


def test_page_with_several_charts_stays_under_1mb():
    html = notebook_to_html(briefing_notebook(charts=8))
    assert body_of(html).count('src="data:image/png;base64,') == 8
    assert len(html.encode("utf-8")) <= MAX_BYTES


def test_title_sources(tmp_path: Path):
    nb = briefing_notebook()
    assert "<title>自定标题</title>" in notebook_to_html(nb, title="自定标题")
    nb.metadata["title"] = "元数据标题"
    assert "<title>元数据标题</title>" in notebook_to_html(nb)
    assert nb.metadata["title"] == "元数据标题"  # the caller's notebook is not modified
    plain = new_notebook(cells=[new_markdown_cell("没有一级标题")])
    path = tmp_path / "shicheng-2024.ipynb"
    nbformat.write(plain, path)
    assert "<title>shicheng-2024</title>" in notebook_to_html(path)


def test_write_html_from_path(tmp_path: Path):
    src = tmp_path / "nb" / "briefing.ipynb"
    src.parent.mkdir()
    nbformat.write(briefing_notebook(), src)
    out = write_text(tmp_path / "out" / "进贤县-2024.html", notebook_to_html(src))
    assert out == tmp_path / "out" / "进贤县-2024.html"
    text = out.read_text(encoding="utf-8")
    assert f"<title>{TITLE}</title>" in text and external_references(text) == []


def test_exporter_is_cached_and_configured():
    exp = html_export.exporter()
    assert exp is html_export.exporter()
    assert exp.template_name == "junyun_offline"
    assert exp.exclude_input and exp.exclude_input_prompt and exp.exclude_output_prompt
    assert exp.exclude_anchor_links


def test_template_ships_with_package():
    folder = html_export.template_basedir() / "junyun_offline"
    for name in ("conf.json", "index.html.j2", "junyun.css"):
        assert (folder / name).is_file(), name


def test_independent_of_working_directory(tmp_path, monkeypatch):
    """nbconvert looks for templates in the cwd by default; a stray ./lab folder must not matter."""
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "index.html.j2").write_text("HIJACKED", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    html_export.exporter.cache_clear()
    try:
        html = notebook_to_html(briefing_notebook())
    finally:
        html_export.exporter.cache_clear()
    assert "HIJACKED" not in html and TITLE in html


def _cdn_bait_notebook() -> nbformat.NotebookNode:
    """Everything that makes the stock lab template reach for a CDN: math, mermaid, widget state."""
    nb = new_notebook(cells=[
        new_markdown_cell("# 公式\n\n$$CV = \\sigma / \\mu$$"),
        new_code_cell("x", outputs=[new_output("display_data", data={"text/vnd.mermaid": "graph TD; A-->B"})]),
    ])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "version_major": 2, "version_minor": 0, "state": {}}}
    return nb


def test_cdn_blocks_are_emptied():
    nb = _cdn_bait_notebook()
    stock, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    assert external_references(stock), "premise: the stock lab template loads scripts from CDNs"
    assert external_references(notebook_to_html(nb)) == []


# --- external_references itself ---------------------------------------------------------------

@pytest.mark.parametrize("html, expected", [
    ('<script src="https://cdn.example.com/x.js"></script>', ["https://cdn.example.com/x.js"]),
    ('<link rel="stylesheet" href="//x">', ["//x"]),
    ("<style>body { background: url(http://img.example.com/a.png) }</style>", ["http://img.example.com/a.png"]),
    ("<style>@import 'https://fonts.example.com/f.css';</style>", ["https://fonts.example.com/f.css"]),
    ('<style>@import url("//fonts.example.com/f.css");</style>', ["//fonts.example.com/f.css"]),
    ('<div style="background-image:url(\'https://x.example/b.png\')"></div>', ["https://x.example/b.png"]),
    ('<img src="HTTP://X.EXAMPLE/a.png">', ["HTTP://X.EXAMPLE/a.png"]),
    ('<img src="  https://x.example/a.png ">', ["https://x.example/a.png"]),
    ('<img src="&#104;ttps://x.example/a.png">', ["https://x.example/a.png"]),  # entities decoded
    ('<img srcset="a.png 1x, https://x.example/b.png 2x">', ["https://x.example/b.png"]),
    ('<iframe src="https://x.example/"></iframe>', ["https://x.example/"]),
    ('<a href="https://www.moe.gov.cn/">教育部</a>', ["https://www.moe.gov.cn/"]),
    ('<svg><image xlink:href="https://x.example/i.png"/></svg>', ["https://x.example/i.png"]),
    ('<script type="module">const m = await import("https://cdn.example.com/m.mjs");</script>',
     ["https://cdn.example.com/m.mjs"]),
    ("<img src='\\\\x.example\\a.png'>", ["\\\\x.example\\a.png"]),
    ('<meta http-equiv="refresh" content="0; url=https://x.example/">', ["https://x.example/"]),
])
def test_external_references_catches(html, expected):
    assert external_references(html) == expected


@pytest.mark.parametrize("html", [
    '<img src="data:image/png;base64,iVBORw0KGgo=">',
    "<style>.x { background: url(data:image/svg+xml;base64,PHN2Zz4=) }</style>",
    '<style>.y { background: url("data:image/png;base64,AAAA") }</style>',
    '<a href="#cell-3">跳转</a>',
    '<a href="chart.png">相对路径</a>',
    '<svg xmlns="http://www.w3.org/2000/svg"><use xlink:href="#icon"/></svg>',  # a namespace is not a load
    "<style>/* see https://github.com/jupyterlab */ body { color: red }</style>",  # CSS comment
    "<p>访问 https://www.moe.gov.cn 了解详情</p>",  # text, not a reference
    '<script type="application/json">{"url": "https://x.example/"}</script>',  # data, not code
    '<script>const important = 1; console.log("import");</script>',
    '<script src="local.js"/><p>import("https://x.example/") is only text here</p>',
])
def test_external_references_ignores(html):
    assert external_references(html) == []


def test_external_references_can_skip_links():
    html = '<a href="https://www.moe.gov.cn/">教育部</a><img src="https://x.example/a.png">'
    assert external_references(html, links=False) == ["https://x.example/a.png"]
