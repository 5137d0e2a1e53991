"""Notebooks are stored without outputs and hold only narrative, parameters and calls into junyun_lib."""
import ast
import json
import re
from pathlib import Path

import pytest

from _notebook_run import run_notebook

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_numbered_notebooks():
    names = [p.name for p in NOTEBOOKS]
    assert "00_overview.ipynb" in names and "10_county_briefing.ipynb" in names
    assert all(name[:2].isdigit() for name in names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_logic_in_notebooks(path):
    """No function or class definitions, no loops, no comprehensions: logic lives in junyun_lib."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    forbidden = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.While, ast.ListComp,
                 ast.DictComp, ast.SetComp, ast.GeneratorExp, ast.Lambda)
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        bad = [type(node).__name__ for node in ast.walk(tree) if isinstance(node, forbidden)]
        assert not bad, f"{path.name}: {bad} in {''.join(cell['source'])[:80]!r}"
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                assert module.startswith("junyun_lib"), f"{path.name} imports {module}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1


def test_overview_notebook_runs_on_processed_data(tmp_path):
    """The notebook an analyst opens first executes cleanly on ingested data (papermill, real kernel)."""
    import shutil

    from _build import ingest

    repo = Path(__file__).resolve().parents[1]
    data = tmp_path / "data"
    (data / "raw" / "xiangning").mkdir(parents=True)
    shutil.copy(repo / "data/raw/xiangning/county.toml", data / "raw/xiangning/county.toml")
    ingest([repo / "data/raw/xiangning/schools_2024.xlsx"], data_dir=data)
    outputs = run_notebook(repo / "notebooks/00_overview.ipynb", tmp_path / "overview.ipynb", {"data_dir": str(data)})
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "乡宁县" in html and "小学结论" in html
    # Chinese headers short enough for the width: no indicator codes, no 每百名学生拥有… as a header
    headers = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", html)
    assert "高于规定学历教师" in headers and "原因" in headers and "学校名称" in headers
    assert not [h for h in headers if re.search(r"[a-z]_[a-z]", h) or len(h) > 12], headers
    assert "红色粗体为超过限值" in html
    # grouped by the province and city of its county.toml; the multi-year view of the first county (county=None)
    assert "山西省（县区 1 个）" in headers and "临汾市（县区 1 个）" in headers
    assert "乡宁县 历年差异系数" in html and "差异系数限值" in headers
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 1        # the CV trend chart
    assert not (tmp_path / "outputs").exists()                     # a hand run writes nothing


def test_plan_notebook_runs_on_the_sample_county(tmp_path):
    """No data_dir: the checkout's data/, with the kernel in another folder; item numbers are the plan's own."""
    repo = Path(__file__).resolve().parents[1]
    outputs = run_notebook(repo / "notebooks/20_plan_progress.ipynb", tmp_path / "plan.ipynb",
                           {"county": "进贤县"}, cwd=tmp_path)
    markdown = "".join("".join(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    text = markdown + html
    assert "进贤县 规划进度" in text and "落后的项目" in text and "预计" in text
    # no line of the summary is a Markdown list item (which renumbers 7, 9, 13 as 1, 2, 3)
    assert not re.findall(r"(?m)^\s*\d+[.)]\s", markdown)
    # the tables: plan item numbers 1–29 under 序号, no pandas index beside them
    tables = re.findall(r"<table.*?</table>", html, flags=re.S)
    assert len(tables) == 2
    for table in tables:
        assert re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", table)[0] == "序号"
        assert not re.search(r"<th(?:\s[^>]*)?></th>", table) and "junyun-table" in table
    numbers = [int(n) for n in re.findall(r"<tr>\s*<td(?:\s[^>]*)?>(\d+)</td>", tables[1])]
    assert numbers == list(range(1, 30))
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2
    assert not [o for o in outputs if o.get("name") == "stderr" and "Glyph" in "".join(o.get("text", ""))]


def test_plan_notebook_says_when_a_county_has_no_plan(tmp_path):
    """A county without plan.csv: one sentence, and every later cell shows nothing (no AttributeError).  The
    notebook's cells are run here in-process: no kernel needed, as nothing is read but the missing plan."""
    from IPython.display import Markdown

    repo = Path(__file__).resolve().parents[1]
    nb = json.loads((repo / "notebooks/20_plan_progress.ipynb").read_text(encoding="utf-8"))
    namespace: dict = {}
    shown = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "cell", "exec"), namespace)
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            namespace.update(county="无计划县", data_dir=str(tmp_path / "data"))
        if last is not None:
            shown.append(eval(compile(ast.Expression(last.value), "cell", "eval"), namespace))
    assert namespace["p"] is None
    assert isinstance(shown[0], Markdown) and "无计划县没有推进计划" in shown[0].data
    assert shown[1:] == [None, None, None, None]
