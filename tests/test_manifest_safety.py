"""An unreadable batch manifest (运行记录) stops ``junyun batch`` and ``junyun run`` with a located error and is
never reset: the file keeps its bytes, a copy is kept beside it (``manifest.json.bak``, then ``.1.bak`` …), and
no worker starts.  Cheap: the run stops before any briefing."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from _build import ingest
from junyun_lib.cli import main
from junyun_lib.io.ownership import claim_outputs_folder
from junyun_lib.runner.batch import update_manifest
from junyun_lib.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]

CORRUPT = {
    "truncated": b'{"generator": {"package": "junyun"}, "runs": [{"slug": "jinxian", "year": 2024, "status": "o',
    "wrong-type": b'{"generator": {"package": "junyun"}, "runs": {"jinxian": 2024}, "batches": []}\n',
    "top-level-list": b'[{"slug": "jinxian", "year": 2024}]\n',
    "nan": b'{"generator": {"package": "junyun"}, "runs": [{"slug": "jinxian", "year": 2024, "seconds": NaN}]}\n',
    "not-utf8": b'{"runs": ["\xb9\xfa"]}',
}
WHAT = {"truncated": "截断", "wrong-type": "runs", "top-level-list": "list", "nan": "NaN", "not-utf8": "UTF-8"}


def raw_county(data: Path, slug: str = "jinxian") -> Path:
    folder = data / "raw" / slug
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("county.toml", "plan.csv", "county_indicators_2024.csv", "schools_2024.xlsx"):
        shutil.copy(REPO / "data/raw" / slug / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("manifest") / "data"
    ingest([raw_county(data) / "schools_2024.xlsx"], data)
    return data


def corrupt_outputs(root: Path, content: bytes) -> Path:
    out = claim_outputs_folder(root / "out")        # junyun's folder (an earlier run's), whose manifest broke
    (out / "manifest.json").write_bytes(content)
    return out


def assert_stopped_and_kept(out: Path, content: bytes, status: int, err: str, what: str) -> None:
    manifest = out / "manifest.json"
    assert status != 0
    assert "Traceback" not in err and "内部错误" not in err
    assert str(manifest) in err and "运行记录" in err and "run record" in err
    assert what in err, err
    assert manifest.read_bytes() == content, "the manifest is never reset"
    assert (out / "manifest.json.bak").read_bytes() == content
    assert str(out / "manifest.json.bak") in err
    assert not [p for p in out.rglob("*") if p.suffix in (".html", ".ipynb", ".docx")], "no briefing started"
    assert not list(out.rglob(".*.tmp"))


@pytest.mark.parametrize("kind", sorted(CORRUPT))
def test_batch_stops_on_an_unreadable_manifest_and_keeps_it(ingested, tmp_path, capsys, kind):
    out = corrupt_outputs(tmp_path, CORRUPT[kind])
    status = main(["batch", "--all", "--workers", "1", "--data-dir", str(ingested), "--out", str(out)])
    assert_stopped_and_kept(out, CORRUPT[kind], status, capsys.readouterr().err, WHAT[kind])


def test_run_stops_before_writing_anything(tmp_path, capsys):
    data = tmp_path / "data"
    raw_county(data)
    content = CORRUPT["truncated"]
    out = corrupt_outputs(tmp_path, content)
    status = main(["run", "--data-dir", str(data), "--out", str(out), "--workers", "1"])
    err = capsys.readouterr().err
    assert_stopped_and_kept(out, content, status, err, "截断")
    assert not (data / "processed").exists() and not (out / "2024").exists(), "stopped before any county"


def test_an_earlier_backup_is_never_overwritten_and_the_same_one_is_reused(ingested, tmp_path, capsys):
    out = corrupt_outputs(tmp_path, CORRUPT["nan"])
    (out / "manifest.json.bak").write_bytes(b"someone's earlier backup")
    argv = ["batch", "--all", "--workers", "1", "--data-dir", str(ingested), "--out", str(out)]
    assert main(argv) != 0 and main(argv) != 0          # twice: one copy, not two
    err = capsys.readouterr().err
    assert (out / "manifest.json.bak").read_bytes() == b"someone's earlier backup"
    assert (out / "manifest.json.1.bak").read_bytes() == CORRUPT["nan"]
    assert not (out / "manifest.json.2.bak").exists()
    assert str(out / "manifest.json.1.bak") in err
    assert (out / "manifest.json").read_bytes() == CORRUPT["nan"]


def test_a_good_manifest_still_merges_and_never_writes_nan(tmp_path):
    ws = Workspace(tmp_path / "data", claim_outputs_folder(tmp_path / "out"))
    update_manifest(ws, [{"slug": "jinxian", "year": 2024, "status": "ok", "seconds": float("nan")}])
    update_manifest(ws, [{"slug": "shizhu", "year": 2024, "status": "ok", "seconds": 1.5}])
    text = ws.manifest_path.read_text(encoding="utf-8")
    assert "NaN" not in text
    doc = json.loads(text)
    assert [(r["slug"], r["seconds"]) for r in doc["runs"]] == [("jinxian", None), ("shizhu", 1.5)]
    assert not list(ws.outputs_dir.glob("*.bak"))
