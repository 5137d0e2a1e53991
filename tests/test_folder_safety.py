"""No command removes or replaces what it did not make (issue 24, part 2).

Every output option is pointed at the folders of a populated workspace — ``data/``, ``data/raw/``, the
``outputs/`` of an earlier batch, the current folder, a folder with an analyst's own file — and every byte
that was there before must still be there.  A Hypothesis test then draws an option and a target (a folder
of the workspace, or a new file inside one) and checks the same, plus that an accepted output lies exactly
where it was named.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _files import tree
from junyun_lib.cli import main

REPO = Path(__file__).resolve().parents[1]
SLUG, COUNTY = "xiangning", "乡宁县"
RAW_SCHOOLS = f"data/raw/{SLUG}/schools_2024.xlsx"


@pytest.fixture(scope="module")
def populated(tmp_path_factory) -> Path:
    """A workspace as an analyst's folder looks after some work: raw data, processed data, the outputs of a
    batch, statistics exports, an unrelated folder and an unrelated file."""
    import _exports as ex
    from _build import ingest
    from junyun_lib.runner.batch import run_batch, tasks_for
    from junyun_lib.workspace import Workspace

    root = tmp_path_factory.mktemp("populated") / "工作 区"
    raw = root / "data" / "raw" / SLUG
    raw.mkdir(parents=True)
    for name in ("county.toml", "plan.csv", "county_indicators_2024.csv", "schools_2024.xlsx"):
        shutil.copy(REPO / "data" / "raw" / SLUG / name, raw / name)
    ingest([raw / "schools_2024.xlsx"], root / "data")
    ws = Workspace(root / "data", root / "outputs")
    rows = run_batch(ws, tasks_for(ws, copies=False), workers=1, show_progress=False)
    assert [r["status"] for r in rows] == ["ok"]
    ex.export_files(root / "导出", ex.LAYOUT_2021)
    ex.supplement_file(root / "导出")
    (root / "杂项").mkdir()
    (root / "杂项" / "notes.txt").write_text("分析员自己的笔记 (the analyst's own notes)", encoding="utf-8")
    (root / "readme.txt").write_text("not junyun's", encoding="utf-8")
    return root


@pytest.fixture
def workspace(populated, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the populated workspace, as the current folder."""
    root = tmp_path / "工作 区"
    shutil.copytree(populated, root)
    monkeypatch.chdir(root)
    for name in ("JUNYUN_DATA", "JUNYUN_OUTPUTS"):
        monkeypatch.delenv(name, raising=False)
    return root


def _exports() -> list[str]:
    return sorted(str(p) for p in Path("导出").glob("*.xlsx"))


#: every output option of every command, as ``target -> argv``; the suffix a file target takes ("" = folder)
OPTIONS = {
    "evaluate --json": (lambda t: ["evaluate", RAW_SCHOOLS, "--json", t], ".json"),
    "evaluate --excel": (lambda t: ["evaluate", RAW_SCHOOLS, "--excel", t], ".xlsx"),
    "evaluate --results": (lambda t: ["evaluate", RAW_SCHOOLS, "--results", t], ""),
    "plan --json": (lambda t: ["plan", COUNTY, "--json", t], ".json"),
    "cheapest --json": (lambda t: ["cheapest", COUNTY, "--json", t, "--time-limit", "60"], ".json"),
    "roadmap --json": (lambda t: ["roadmap", COUNTY, "--json", t, "--time-limit", "60"], ".json"),
    "roadmap --excel": (lambda t: ["roadmap", COUNTY, "--excel", t, "--time-limit", "60"], ".xlsx"),
    "import --out": (lambda t: ["import", *_exports(), "--year", "2023", "--county", "合成县", "--supplement",
                                "导出/补充数据.csv", "--out", t], ".xlsx"),
    "import --report": (lambda t: ["import", *_exports(), "--year", "2023", "--county", "合成县", "--supplement",
                                   "导出/补充数据.csv", "--out", "标准表.xlsx", "--report", t], ".xlsx"),
    "template": (lambda t: ["template", t], ".xlsx"),
    "county-template": (lambda t: ["county-template", t, "--year", "2024"], ".csv"),
    "supplement-template": (lambda t: ["supplement-template", t], ".xlsx"),
    "batch --out": (lambda t: ["batch", "--years", "2024", "--workers", "1", "--pages-only", "--out", t], ""),
}
TARGETS = ["data", "data/raw", "outputs", ".", "杂项"]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_an_output_option_pointed_at_a_folder_keeps_every_byte(workspace, capsys, option, target):
    before = tree(workspace)
    status = main(OPTIONS[option][0](target))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    after = tree(workspace)
    lost = {f for f, digest in before.items() if after.get(f) != digest}
    if option == "batch --out" and target == "outputs":
        # junyun's own outputs folder: it may replace its own pages there, and nothing else
        assert status == 0, err
        assert all(f in after and f.startswith("outputs/") for f in lost), lost
        return
    assert status == 2, err
    assert not lost and after == before, "refused with nothing written"
    assert ("文件夹" in err or "目录" in err) and "folder" in err, err


@pytest.mark.parametrize("target", ["data", "data/raw", "outputs", ".", "杂项"])
def test_results_into_a_folder_that_is_not_junyuns_names_what_is_in_the_way(workspace, capsys, target):
    status = main(["evaluate", RAW_SCHOOLS, "--results", target])
    err = capsys.readouterr().err
    assert status == 2
    expected = {"data": "raw", "outputs": "manifest.json", ".": "readme.txt", "杂项": "notes.txt"}.get(target)
    assert expected is None or expected in err, err
    if target == "data/raw":
        assert "原始数据目录" in err and "raw-data folder" in err


def test_results_replace_only_their_own_tables(workspace, capsys):
    assert main(["evaluate", RAW_SCHOOLS, "--results", "表"]) == 0
    first = tree(workspace / "表")
    assert main(["evaluate", RAW_SCHOOLS, "--results", "表"]) == 0     # its own tables: replaced
    assert set(tree(workspace / "表")) == set(first)
    (workspace / "表" / "我的.csv").write_text("a,b\n", encoding="utf-8")
    before = tree(workspace)
    assert main(["evaluate", RAW_SCHOOLS, "--results", "表"]) == 2
    assert "我的.csv" in capsys.readouterr().err and tree(workspace) == before


def test_an_outputs_folder_with_someone_elses_manifest_is_refused_not_rewritten(workspace, capsys):
    foreign = workspace / "别人的输出"
    foreign.mkdir()
    (foreign / "manifest.json").write_text('{"not": "junyun"}', encoding="utf-8")
    status = main(["batch", "--years", "2024", "--workers", "1", "--pages-only", "--out", str(foreign)])
    err = capsys.readouterr().err
    assert status == 2 and "manifest.json" in err and "Traceback" not in err
    assert sorted(p.name for p in foreign.iterdir()) == ["manifest.json"]
    assert (foreign / "manifest.json").read_text(encoding="utf-8") == '{"not": "junyun"}'


# ------------------------------------------------------------------------------------------- Hypothesis
def _folders(root: Path) -> list[str]:
    return sorted({"."} | {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()
                          and ".ipynb" not in p.as_posix()})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_output_option_loses_a_pre_existing_byte(populated, tmp_path_factory, data):
    # the batch is left to the matrix above: its accepted runs execute notebooks (seconds each)
    option = data.draw(st.sampled_from(sorted(o for o in OPTIONS if o != "batch --out")), label="option")
    folder = data.draw(st.sampled_from(_folders(populated)), label="folder")
    build, suffix = OPTIONS[option]
    as_folder = data.draw(st.booleans(), label="the folder itself")
    target = folder if as_folder else f"{folder}/新 输出{suffix or ' 表'}"
    root = tmp_path_factory.mktemp("draw") / "工作 区"
    shutil.copytree(populated, root)
    before = tree(root)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        status = main(build(target))
    finally:
        os.chdir(cwd)
    after = tree(root)
    assert status in (0, 2), (option, target, status)
    assert all(after.get(f) == digest for f, digest in before.items()), (option, target)
    if status == 0:
        assert (root / target).exists(), (option, target)      # written where it was named
    if as_folder and suffix:
        assert status == 2, (option, target)                   # a file output never replaces a folder


def test_sample_never_overwrites_an_analysts_file_in_a_sample_county_folder(tmp_path, capsys):
    data = tmp_path / "data"
    real = data / "raw" / "jinxian" / "schools_2024.xlsx"
    real.parent.mkdir(parents=True)
    shutil.copy(REPO / "tests" / "test_folder_safety.py", real)     # any file that is not junyun's sample
    before = tree(tmp_path)
    assert main(["sample", "--data-dir", str(data)]) == 2
    err = capsys.readouterr().err
    assert str(real) in err and "不是 junyun 生成的合成示例数据" in err and "never overwritten" in err
    assert tree(tmp_path) == before, "nothing written"
