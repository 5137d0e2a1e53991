"""What junyun made (junyun 生成的文件): folders it may write into, and the files it may replace there.

A command never removes or replaces a file it did not make.  It knows its own by a small marker file that it
writes into every folder it fills, the way Spark and Hadoop mark a finished output folder with ``_SUCCESS``:

* the **outputs folder** (``--out``, briefings, manifest, roadmaps …) carries ``_junyun_outputs.json``.  junyun
  writes into an outputs folder that is new, empty (a ``.gitkeep`` aside), marked, or holds a manifest junyun
  wrote (folders made before the marker existed); any other folder is refused, naming the files in the way.
* a **results folder** (``junyun evaluate --results DIR``) carries ``_junyun_results.json``, which lists the
  tables it holds and whether the set is complete.  A new run replaces only the files the marker lists;
  a file the marker does not list is in the way and the command stops, naming it.  The new tables are
  written to a hidden staging folder first and moved into place together, the marker saying "incomplete"
  for the moment of the move, so an interrupted run never leaves a set that looks complete.

Examples
--------
>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> def write_all(names):
...     return lambda stage: [(stage / n).write_text(n, encoding="utf-8") for n in names]
>>> [p.name for p in write_owned_files(root / "t", ["a.txt", "b.txt"], write_all(["a.txt", "b.txt"]))]
['a.txt', 'b.txt']
>>> _ = write_owned_files(root / "t", ["a.txt"], write_all(["a.txt"]))      # b.txt was junyun's: removed
>>> sorted(p.name for p in (root / "t").iterdir())
['_junyun_results.json', 'a.txt']
>>> (root / "t" / "notes.txt").write_text("mine", encoding="utf-8") and None
>>> write_owned_files(root / "t", ["a.txt"], write_all(["a.txt"]))
Traceback (most recent call last):
...
junyun_lib.problems.PathRefused: 路径不被接受...
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Callable

from ..problems import OutputError, PathRefused, Problem
from . import atomic

RESULTS_MARKER = "_junyun_results.json"
OUTPUTS_MARKER = "_junyun_outputs.json"
MANIFEST = "manifest.json"
#: entries any folder may hold that are nobody's data: a placeholder git keeps, desktop litter
_IGNORED = {".gitkeep", ".DS_Store", "Thumbs.db", "desktop.ini"}
_LISTED = 8          # files in the way named in a message (then how many more)


def _junk(entry: Path) -> bool:
    """An entry that holds nobody's data: a placeholder, or a hidden temporary/lock junyun leaves."""
    name = entry.name
    return name in _IGNORED or (name.startswith(".") and (name.endswith(".tmp") or name.endswith(".lock")))


def _read_marker(path: Path, kind: str) -> dict | None:
    """The marker at ``path`` when it is junyun's marker of ``kind``; else None."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(doc, dict) and doc.get("generator") == "junyun" and doc.get("kind") == kind:
        return doc
    return None


def _is_junyun_manifest(path: Path) -> bool:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and isinstance(doc.get("runs"), list) and \
        isinstance(doc.get("generator"), dict) and doc["generator"].get("package") == "junyun"


def _in_the_way(folder: Path, names, what: str, whose_zh: str = "不是 junyun 生成的",
                whose_en: str = "junyun did not make") -> PathRefused:
    names = sorted(names)
    listed = "、".join(names[:_LISTED]) + (f" 等 {len(names)} 项" if len(names) > _LISTED else "")
    return PathRefused([Problem(
        "error", "folder_not_ours",
        f"{what}中已有{whose_zh}文件或文件夹：{listed}；junyun 不会覆盖或删除它们。请指定一个新的或空的文件夹",
        f"the folder holds files {whose_en} ({', '.join(names[:_LISTED])}"
        + (f" and {len(names) - _LISTED} more" if len(names) > _LISTED else "")
        + "); junyun never replaces or removes them: name a new or empty folder", file=str(folder))])


def _not_a_folder(folder: Path, what: str) -> PathRefused:
    return PathRefused([Problem("error", "not_a_folder", f"{what}应为文件夹，但这里已有同名文件；该文件未被改动",
                                "a file of that name exists where a folder is wanted; it was left unchanged",
                                file=str(folder))])


def _write_marker(path: Path, doc: dict) -> None:
    atomic.write_text(path, json.dumps({"generator": "junyun", **doc}, ensure_ascii=False, indent=1))


# --------------------------------------------------------------------------------------- outputs folder
def outputs_folder_problem(folder) -> PathRefused | None:
    """Why junyun may not write into the outputs folder ``folder`` (a :class:`PathRefused`), or None."""
    folder = Path(folder)
    if not folder.exists():
        return None
    if not folder.is_dir():
        return _not_a_folder(folder, "输出目录")
    if _read_marker(folder / OUTPUTS_MARKER, "outputs") is not None or _is_junyun_manifest(folder / MANIFEST):
        return None
    foreign = [e.name for e in folder.iterdir() if not _junk(e)]
    return _in_the_way(folder, foreign, "输出目录") if foreign else None


def claim_outputs_folder(folder) -> Path:
    """Make ``folder`` junyun's outputs folder (creating it and its marker), or raise :class:`PathRefused`
    when it holds files junyun did not make.  Idempotent."""
    folder = Path(folder)
    problem = outputs_folder_problem(folder)
    if problem is not None:
        raise problem
    marker = folder / OUTPUTS_MARKER
    if not marker.is_file():
        _write_marker(marker, {"kind": "outputs", "about": "junyun 输出目录：junyun 只替换它自己写出的文件 "
                               "(junyun's outputs folder; junyun replaces only files it wrote)"})
    return folder


# --------------------------------------------------------------------------------------- results folder
def owned_files(folder) -> set[str] | None:
    """The files a results folder's marker lists as junyun's; None when the folder has no junyun marker."""
    doc = _read_marker(Path(folder) / RESULTS_MARKER, "results")
    if doc is None:
        return None
    files = doc.get("files")
    # only plain names of this folder: a hand-edited marker can never point junyun at another file
    return {f for f in files if isinstance(f, str) and f not in ("", ".", "..") and "/" not in f and "\\" not in f} \
        if isinstance(files, list) else set()


def results_folder_problem(folder, names=(), what: str = "结果目录") -> PathRefused | None:
    """Why junyun may not write the files ``names`` into the results folder ``folder``, or None: every entry
    there must be junyun's (listed by its marker) or nobody's; ``names`` must not be folders."""
    folder = Path(folder)
    if not folder.exists():
        return None
    if not folder.is_dir():
        return _not_a_folder(folder, what)
    own = owned_files(folder) or set()
    foreign = [e.name for e in folder.iterdir()
               if not _junk(e) and e.name != RESULTS_MARKER and not (e.name in own and e.is_file())]
    foreign += [n for n in names if (folder / n).is_dir() and n not in foreign]
    return _in_the_way(folder, foreign, what, "不属于 junyun 上次写出的结果表的", "that are not junyun's earlier "
                       "results tables") if foreign else None


def write_owned_files(folder, names, write_all: Callable[[Path], object], what: str = "结果目录") -> list[Path]:
    """Write the files ``names`` into ``folder`` as junyun's results (see the module text): ``write_all(stage)``
    writes each of them into the staging folder ``stage`` (in whatever order or threads it likes).

    Files junyun wrote there before and does not write now are removed (they belong to the old set); nothing
    else in the folder is touched.  Raises :class:`PathRefused` before writing anything when the folder holds
    something junyun did not make."""
    folder = Path(folder)
    new = [str(n) for n in names]
    problem = results_folder_problem(folder, new, what)
    if problem is not None:
        raise problem
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(folder, exc) from None
    old = owned_files(folder) or set()
    stage = folder / f".junyun-staging.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    marker = folder / RESULTS_MARKER
    try:
        stage.mkdir()
        write_all(stage)
        # for the moment of the move the set is marked incomplete, and every file either set holds is listed
        _write_marker(marker, {"kind": "results", "complete": False, "files": sorted(old | set(new))})
        for name in new:
            os.replace(stage / name, folder / name)
        for name in sorted(old - set(new)):
            (folder / name).unlink(missing_ok=True)
        _write_marker(marker, {"kind": "results", "complete": True, "files": sorted(new)})
    except OSError as exc:
        raise OutputError(folder, exc) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return [folder / name for name in new]


def results_complete(folder) -> bool:
    """True when ``folder`` holds a complete set of junyun results (its marker says so)."""
    doc = _read_marker(Path(folder) / RESULTS_MARKER, "results")
    return bool(doc and doc.get("complete") is True)


__all__ = ["RESULTS_MARKER", "OUTPUTS_MARKER", "outputs_folder_problem", "claim_outputs_folder", "owned_files",
           "results_folder_problem", "write_owned_files", "results_complete"]
