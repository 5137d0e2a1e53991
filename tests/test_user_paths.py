"""Paths as a person types them (issue 24): every command that reads a file or writes an output, run as the
real ``junyun`` command in a fresh process, from a folder outside the repository whose name has a space and
Chinese characters, with relative and absolute paths that have spaces and Chinese characters too.  Each
output must appear exactly where it was named, and nowhere else."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

REPO = Path(__file__).resolve().parents[1]
SLUG, COUNTY = "xiangning", "乡宁县"


def junyun_command() -> list[str]:
    """The installed ``junyun`` entry point beside this Python (what a user types), else the module."""
    script = Path(sys.executable).with_name("junyun")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "junyun_lib.cli"]


def run(args, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("JUNYUN_DATA", "JUNYUN_OUTPUTS")}
    done = subprocess.run([*junyun_command(), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Path:
    """A working folder outside the repository (``分析 工作``), holding the default ``data/`` with one county
    ingested through the command, and a file downloaded elsewhere (``下载 文件/``)."""
    root = tmp_path_factory.mktemp("user") / "分析 工作"
    raw = root / "data" / "raw" / SLUG
    raw.mkdir(parents=True)
    for name in ("county.toml", "plan.csv", "county_indicators_2023.csv", "county_indicators_2024.csv",
                 "schools_2023.xlsx", "schools_2024.xlsx"):
        shutil.copy(REPO / "data" / "raw" / SLUG / name, raw / name)
    downloads = root / "下载 文件"
    downloads.mkdir()
    shutil.copy(REPO / "data" / "raw" / SLUG / "schools_2024.xlsx", downloads / "schools_2024.xlsx")
    assert REPO not in root.parents
    # ingest: a relative path and an absolute one, from the working folder
    ok(run(["ingest", f"data/raw/{SLUG}/schools_2023.xlsx", raw / "schools_2024.xlsx"], cwd=root))
    assert {p.name for p in (root / "data" / "processed" / SLUG).iterdir()} >= {"2023.parquet", "2024.parquet"}
    return root


@pytest.fixture
def fresh(place, tmp_path) -> Path:
    """A sub-folder of the working folder to write into: outputs land nowhere else."""
    folder = place / f"输出 {tmp_path.name}"
    folder.mkdir()
    return folder


def written_only(place: Path, before: set[str], expected: set[str]) -> None:
    """Between ``before`` and now, the working folder gained exactly ``expected`` (outputs/ aside: junyun's)."""
    gained = {f for f in files_under(place) - before if not f.startswith("outputs/")}
    assert gained == expected, gained ^ expected


@pytest.mark.parametrize("style", ["relative", "absolute"])
def test_evaluate_reads_a_file_outside_the_data_folder_and_writes_where_told(place, fresh, style):
    base = Path(fresh.name) if style == "relative" else fresh
    before = files_under(place)
    out = ok(run(["evaluate", "下载 文件/schools_2024.xlsx" if style == "relative" else place / "下载 文件/schools_2024.xlsx",
                  "--json", base / "评估 结果.json", "--excel", base / "工作 簿" / "评估.xlsx",
                  "--results", base / "分析 表"], cwd=place))
    assert "已写出" in out
    tables = {f"{fresh.name}/分析 表/{p.name}" for p in (fresh / "分析 表").iterdir()}
    written_only(place, before, {f"{fresh.name}/评估 结果.json", f"{fresh.name}/工作 簿/评估.xlsx", *tables})
    assert json.loads((fresh / "评估 结果.json").read_text(encoding="utf-8"))["results"][0]["county"] == COUNTY
    assert "_junyun_results.json" in {p.name for p in (fresh / "分析 表").iterdir()}
    assert openpyxl.load_workbook(fresh / "工作 簿" / "评估.xlsx").sheetnames


@pytest.mark.parametrize("style", ["relative", "absolute"])
def test_plan_and_cheapest_write_their_json_where_told(place, fresh, style):
    base = Path(fresh.name) if style == "relative" else fresh
    before = files_under(place)
    ok(run(["plan", COUNTY, "--json", base / "计划 进度.json"], cwd=place))
    ok(run(["cheapest", COUNTY, "--json", base / "最低 成本.json", "--time-limit", "120"], cwd=place))
    written_only(place, before, {f"{fresh.name}/计划 进度.json", f"{fresh.name}/最低 成本.json"})
    assert json.loads((fresh / "最低 成本.json").read_text(encoding="utf-8"))["county"] == COUNTY


def test_roadmap_writes_json_and_workbook_where_told(place, fresh):
    before = files_under(place)
    ok(run(["roadmap", COUNTY, "--json", f"{fresh.name}/路线 图.json", "--excel", fresh / "路线 图.xlsx",
            "--time-limit", "120"], cwd=place))
    written_only(place, before, {f"{fresh.name}/路线 图.json", f"{fresh.name}/路线 图.xlsx"})
    # a what-if in the outputs folder junyun manages; the official roadmap the briefings show is left alone
    assert (place / "outputs" / "plans" / f"{SLUG}-roadmap_what-if.json").is_file()
    assert not (place / "outputs" / "plans" / f"{SLUG}-roadmap.json").exists()


@pytest.mark.parametrize("style", ["relative", "absolute"])
def test_templates_are_written_where_told(place, fresh, style):
    base = Path(fresh.name) if style == "relative" else fresh
    before = files_under(place)
    ok(run(["template", base / "模板" / "学校 数据.xlsx"], cwd=place))
    ok(run(["county-template", base / "县级 指标.csv", "--year", "2024"], cwd=place))
    ok(run(["supplement-template", base / "补充 表.xlsx"], cwd=place))
    written_only(place, before, {f"{fresh.name}/模板/学校 数据.xlsx", f"{fresh.name}/县级 指标.csv",
                                 f"{fresh.name}/补充 表.xlsx"})


def test_import_reads_exports_anywhere_and_writes_table_and_report_where_told(place, fresh):
    import _exports as ex

    exports = ex.export_files(fresh / "导出 文件", ex.LAYOUT_2021)
    supplement = ex.supplement_file(fresh / "导出 文件", name="补充 数据.csv")
    before = files_under(place)
    ok(run(["import", *[Path(fresh.name) / "导出 文件" / p.name for p in exports], "--year", ex.YEAR,
            "--county", ex.COUNTY, "--supplement", supplement, "--out", Path(fresh.name) / "标准 表.xlsx",
            "--report", fresh / "导入 报告.xlsx"], cwd=place))
    written_only(place, before, {f"{fresh.name}/标准 表.xlsx", f"{fresh.name}/导入 报告.xlsx"})
    # the table it wrote is one junyun reads: evaluated from where it lies
    ok(run(["evaluate", Path(fresh.name) / "标准 表.xlsx"], cwd=place))


def test_batch_writes_its_briefings_into_the_named_outputs_folder(place, fresh):
    before = files_under(place)
    target = Path(fresh.name) / "简报 输出"
    ok(run(["batch", "--counties", COUNTY, "--years", "2024", "--workers", "1", "--pages-only", "--out", target],
           cwd=place))
    gained = files_under(place) - before
    assert gained and all(f.startswith(f"{fresh.name}/简报 输出/") for f in gained), gained
    assert (place / target / "2024" / f"{SLUG}.html").is_file() and (place / target / "2024" / "index.html").is_file()
    assert (place / target / "_junyun_outputs.json").is_file()


def test_a_missing_input_is_located_and_nothing_is_written(place, fresh):
    before = files_under(place)
    done = run(["evaluate", "下载 文件/没有 这个.xlsx", "--json", Path(fresh.name) / "r.json"], cwd=place)
    assert done.returncode == 2 and "没有 这个.xlsx" in done.stderr and "file not found" in done.stderr
    assert files_under(place) == before
