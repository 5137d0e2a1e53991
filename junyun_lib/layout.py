"""The folder layout (目录布局): where every file lives, and the only code that builds those paths.

A workspace is a data folder and an outputs folder::

    <data>/raw/<slug>/county.toml                   the county's configuration (县区配置)
    <data>/raw/<slug>/schools_<year>.xlsx|csv        raw school tables (never edited)
    <data>/raw/<slug>/county_indicators_<year>.csv   county-level tables (县级指标表)
    <data>/raw/<slug>/plan.csv                       the county's plan (推进计划)
    <data>/raw/<slug>/projects.csv                   the county's funded projects (项目清单)
    <data>/raw/<slug>/enrolment_overrides.csv        the analyst's enrolment overrides (在校生数预测修正)
    <data>/processed/<slug>/<year>.parquet           validated school tables (build product)
    <outputs>/<year>/<slug>-evaluation.json          results (JSON)
    <outputs>/<year>/<slug>.xlsx                     the county-year's one workbook (评估结果（Excel）)
    <outputs>/<year>/<slug>.html, index.html         briefing pages and the cross-county index
    <outputs>/<year>/notebooks/<slug>.ipynb|.index.json   executed notebooks and the index rows
    <outputs>/history/<slug>.html                    a county's years side by side (历年差异系数)
    <outputs>/plans/<slug>-plan.json                 plan progress
    <outputs>/plans/<slug>-roadmap.json|xlsx         the official roadmap to the target year (正式达标路线图;
                                                     ``junyun run``, or ``junyun roadmap --save``)
    <outputs>/plans/<slug>-roadmap_<scenario>.json|xlsx   a what-if roadmap (分析情景, ``junyun roadmap``)
    <outputs>/<year>/<slug>-cheapest.json            the one-year least-cost plan (最低成本达标方案)
    <outputs>/manifest.json, logs/                   run records and error logs
    <outputs>/_junyun_outputs.json                   junyun's mark on its outputs folder (:mod:`.io.ownership`)

Two kinds of path (docs/decisions.md, decision 134).  A path a person names — on the command line or to a
public function — is honoured: read from wherever it is, written where it is named, but never onto an input,
into ``raw/`` or ``processed/``, or over a folder (:meth:`Layout.input_path`, :meth:`Layout.output_path`,
:meth:`Layout.output_folder`).  A path built from data stays in the data or outputs folder: slugs are
``[a-z0-9-]`` (:mod:`junyun_lib.rules.counties`), checked here, and junyun writes its own files through
:meth:`Layout.managed_path`.  A layout reads no file and writes none: marking the outputs folder as junyun's
(:mod:`junyun_lib.io.ownership`) is the workspace's (:meth:`junyun_lib.workspace.Workspace.claim_outputs`).
This module depends on :mod:`junyun_lib.rules` and :mod:`junyun_lib.problems` only.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from .problems import PathRefused, Problem, ValidationError
from .rules import is_slug

#: what each file of the layout is called (the names users and their scripts depend on)
RAW, PROCESSED = "raw", "processed"
DATA, OUTPUTS = "data", "outputs"            # the folders of a checkout (notebooks find them, :func:`notebook_folders`)
COUNTY_FILE = "county.toml"
PLAN_FILE = "plan.csv"
PROJECTS_FILE = "projects.csv"
OVERRIDES_FILE = "enrolment_overrides.csv"
HISTORY = "history"                          # the folder of the counties' multi-year pages
PLANS, LOGS, NOTEBOOKS, MANIFEST = "plans", "logs", "notebooks", "manifest.json"
#: the names of the files that state their year (:mod:`junyun_lib.io.years` compares them with the rows')
SCHOOL_FILE = re.compile(r"^schools_(\d{4})\.(xlsx|csv)$", re.IGNORECASE)
COUNTY_TABLE_FILE = re.compile(r"^county_indicators_(\d{4})\.(csv|xlsx)$", re.IGNORECASE)
PROCESSED_FILE = re.compile(r"^(\d{4})\.parquet$", re.IGNORECASE)
SCENARIO_MAX = 40      # characters of a scenario's name kept in a file name (CJK: 3 bytes each in UTF-8)


def default_data_dir() -> Path:
    """The data folder when none is given: ``$JUNYUN_DATA``, else ``./data``."""
    return Path(os.environ.get("JUNYUN_DATA") or DATA)


def default_outputs_dir() -> Path:
    """The outputs folder when none is given: ``$JUNYUN_OUTPUTS``, else ``./outputs``."""
    return Path(os.environ.get("JUNYUN_OUTPUTS") or OUTPUTS)


def checkout_dir() -> Path | None:
    """The repository checkout this ``junyun_lib`` was loaded from (the folder holding ``junyun_lib/``,
    ``notebooks/`` and ``pyproject.toml``: a clone, or an editable install), or None for an installed package."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / NOTEBOOKS).is_dir() and (root / "junyun_lib").is_dir():
        return root
    return None


def notebooks_dir() -> Path:
    """The numbered notebooks: a checkout's ``notebooks/`` folder (a clone, or an editable install), else the
    installed package data ``junyun_lib/notebooks/``.  That folder has no ``__init__.py`` (JupyterLab's file
    list shows only the notebooks), so it is found as a folder, not imported as a package."""
    root = checkout_dir()
    if root is not None:
        return root / NOTEBOOKS
    from importlib import resources

    return Path(str(resources.files("junyun_lib"))) / NOTEBOOKS


def notebook_folders(data_dir=None, outputs_dir=None) -> tuple[Path, Path]:
    """The data and outputs folders of a notebook, whatever folder it runs in (JupyterLab, ``papermill`` from
    anywhere, the batch).

    Data: ``data_dir`` when given, else ``$JUNYUN_DATA``, else the ``data`` folder of the checkout this package
    was loaded from (:func:`checkout_dir`) — never the current folder.  Outputs: ``outputs_dir``, else
    ``$JUNYUN_OUTPUTS``, else ``outputs`` next to the data folder (the checkout's ``outputs/``).  An installed
    package outside a checkout needs ``data_dir`` or ``$JUNYUN_DATA``: a located error says so.
    """
    data = data_dir if data_dir not in (None, "") else os.environ.get("JUNYUN_DATA")
    if not data:
        root = checkout_dir()
        if root is None:
            raise PathRefused([Problem("error", "no_data_dir", "找不到数据目录：请在笔记本的参数单元格中设置 data_dir，"
                                       "或设置环境变量 JUNYUN_DATA",
                                       "no data folder: set data_dir in the notebook's parameters cell, or "
                                       "the environment variable JUNYUN_DATA")])
        data = root / DATA
    data = Path(data).expanduser().resolve()
    outputs = outputs_dir if outputs_dir not in (None, "") else os.environ.get("JUNYUN_OUTPUTS")
    outputs = Path(outputs).expanduser().resolve() if outputs else data.parent / OUTPUTS
    return data, outputs


def scenario_slug(name) -> str:
    """A what-if's name (情景名称, typed by a person) as a safe part of a file name: NFKC-normalised, letters
    (汉字 included), digits, ``-`` and ``_`` kept, every other run of characters (spaces, dots, slashes, ``..``,
    control characters) one ``-``, ASCII lower-cased (folders that ignore case hold one file per name), at most
    :data:`SCENARIO_MAX` characters.  :class:`PathRefused` when nothing usable is left.

    Examples
    --------
    >>> scenario_slug("预算 1500/年"), scenario_slug("../../etc/passwd"), scenario_slug("Budget_A")
    ('预算-1500-年', 'etc-passwd', 'budget_a')
    """
    import unicodedata

    text = unicodedata.normalize("NFKC", str(name))
    text = re.sub(r"[^\w-]+", "-", text).lower()
    text = re.sub(r"-{2,}", "-", text).strip("-_")[:SCENARIO_MAX].strip("-_")
    if not text:
        raise PathRefused([Problem("error", "bad_scenario_name", "情景名称须含字母、数字或汉字（用作文件名的一部分）",
                                   "a scenario name must hold letters, digits or Chinese characters (it becomes part "
                                   "of a file name)", column="--scenario", value=str(name))])
    return text


def checked_slug(slug: str) -> str:
    """``slug`` when it is a valid slug (``[a-z0-9-]``), else :class:`PathRefused`: the only way a name from the
    data becomes part of a path."""
    if not is_slug(slug):
        raise PathRefused([Problem("error", "bad_slug", "县区简称只能由小写字母、数字和连字符组成",
                                   "a slug is lower-case letters, digits and hyphens", value=str(slug))])
    return slug


def same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` both exist and are one file (a link, another spelling of the path)."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def fingerprint(paths) -> tuple:
    """``((path, size, mtime_ns), ...)`` of files — what a cache of what was read from them is keyed on, so a
    file changed on disk is read again (a missing file: ``(path, None, None)``)."""
    out = []
    for p in paths:
        try:
            st = os.stat(p)
            out.append((str(p), st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((str(p), None, None))
    return tuple(out)


def inside(path: Path, *roots: Path) -> bool:
    """Whether ``path`` is one of ``roots`` or lies inside one."""
    return any(path == root or root in path.parents for root in roots)


class Layout:
    """A data folder and an outputs folder, and where each file lives in them (目录布局).

    Examples
    --------
    >>> import tempfile
    >>> layout = Layout(tempfile.mkdtemp())
    >>> layout.processed_path("jinxian", 2024).relative_to(layout.data_dir).as_posix()
    'processed/jinxian/2024.parquet'
    """

    def __init__(self, data_dir=None, outputs_dir=None):
        self.data_dir = Path(data_dir if data_dir is not None else default_data_dir()).resolve()
        self.outputs_dir = Path(outputs_dir if outputs_dir is not None else default_outputs_dir()).resolve()

    @classmethod
    def for_notebook(cls, data_dir=None, outputs_dir=None, **options):
        """The folders of a notebook: from its parameters, else ``$JUNYUN_DATA`` / ``$JUNYUN_OUTPUTS``, else the
        checkout's ``data/`` and ``outputs/`` — never the current folder (:func:`notebook_folders`)."""
        data, outputs = notebook_folders(data_dir, outputs_dir)
        return cls(data, outputs, **options)

    @classmethod
    def for_raw_folder(cls, raw, outputs_dir=None, **options):
        """The layout whose raw folder is ``raw`` (``<data>/raw``)."""
        raw = Path(raw).expanduser().resolve()
        return cls(raw.parent if raw.name == RAW else raw, outputs_dir, **options)

    # ------------------------------------------------------------------------------------- data folder
    @property
    def raw_dir(self) -> Path:
        return self.data_dir / RAW

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / PROCESSED

    def county_folder(self, slug: str) -> Path:
        return self.raw_dir / checked_slug(slug)

    def county_config_file(self, slug: str) -> Path:
        """A county's ``county.toml``."""
        return self.county_folder(slug) / COUNTY_FILE

    def county_config_files(self) -> list[Path]:
        """Every ``raw/<folder>/county.toml``, sorted."""
        return sorted(self.raw_dir.glob(f"*/{COUNTY_FILE}")) if self.raw_dir.is_dir() else []

    def plan_file(self, slug: str) -> Path:
        return self.county_folder(slug) / PLAN_FILE

    def projects_file(self, slug: str) -> Path:
        return self.county_folder(slug) / PROJECTS_FILE

    def overrides_file(self, slug: str) -> Path:
        return self.county_folder(slug) / OVERRIDES_FILE

    def processed_path(self, slug: str, year: int) -> Path:
        return self.processed_dir / checked_slug(slug) / f"{int(year)}.parquet"

    def processed_folder(self, slug: str) -> Path:
        return self.processed_dir / checked_slug(slug)

    def processed_files(self, slug: str) -> list[Path]:
        """A county's processed files, by year (without reading any of them)."""
        folder = self.processed_folder(slug)
        return sorted((p for p in folder.glob("*.parquet") if p.stem.isdigit()), key=lambda p: int(p.stem)) \
            if folder.is_dir() else []

    def all_processed_files(self) -> list[tuple[str, int, Path]]:
        """``(slug, year, path)`` of every processed file, sorted by path."""
        if not self.processed_dir.is_dir():
            return []
        return [(p.parent.name, int(p.stem), p) for p in sorted(self.processed_dir.glob("*/*.parquet"))
                if p.stem.isdigit() and is_slug(p.parent.name)]

    def school_file(self, slug: str, year: int, suffix: str = ".xlsx") -> Path:
        """Where a county's raw school table of ``year`` goes (``junyun sample``, ``junyun import``)."""
        return self.county_folder(slug) / f"schools_{int(year)}{suffix}"

    def county_table_file(self, slug: str, year: int, suffix: str = ".csv") -> Path:
        return self.county_folder(slug) / f"county_indicators_{int(year)}{suffix}"

    def county_table_files(self, slug: str) -> list[tuple[int, Path]]:
        """``(year, path)`` of a county's county-level tables (``county_indicators_<year>.csv|xlsx``), by name."""
        folder = self.county_folder(slug)
        if not folder.is_dir():
            return []
        return [(int(m.group(1)), p) for p in sorted(folder.iterdir()) if (m := COUNTY_TABLE_FILE.match(p.name))]

    def raw_school_files(self) -> list[Path]:
        """Every raw school table ``raw/<slug>/schools_<year>.xlsx|csv``, sorted."""
        if not self.raw_dir.is_dir():
            return []
        return sorted(p for p in self.raw_dir.glob("*/*") if SCHOOL_FILE.match(p.name) and p.is_file())

    def raw_folder_slug(self, folder) -> str | None:
        """``<slug>`` when ``folder`` is a raw county folder ``<data>/raw/<slug>/`` (a valid slug), else None."""
        folder = Path(folder).expanduser().resolve()
        return folder.name if folder.parent == self.raw_dir and is_slug(folder.name) else None

    # ---------------------------------------------------------------------------------- outputs folder
    def year_dir(self, year: int) -> Path:
        return self.outputs_dir / str(int(year))

    def evaluation_paths(self, slug: str, year: int) -> tuple[Path, Path]:
        """(JSON, xlsx) results of one county-year: ``<slug>-evaluation.json`` and the county-year's one
        workbook (:meth:`workbook_path`)."""
        return self.year_dir(year) / f"{checked_slug(slug)}-evaluation.json", self.workbook_path(slug, year)

    def workbook_path(self, slug: str, year: int) -> Path:
        """The county-year's one workbook, 评估结果（Excel）: ``<outputs>/<year>/<slug>.xlsx`` beside its page and
        Word copy, written by ``junyun run`` and by the briefing batch from one sheet builder
        (:func:`junyun_lib.report.briefing.workbook_sheets`)."""
        return self.year_dir(year) / f"{checked_slug(slug)}.xlsx"

    @property
    def plans_dir(self) -> Path:
        return self.outputs_dir / PLANS

    def plan_json_path(self, slug: str) -> Path:
        return self.plans_dir / f"{checked_slug(slug)}-plan.json"

    def roadmap_paths(self, slug: str) -> tuple[Path, Path]:
        """(JSON, xlsx) of a county's official roadmap (正式达标路线图: written by ``junyun run``, replaced by
        ``junyun roadmap --save`` only; the briefings show it)."""
        base = self.plans_dir / f"{checked_slug(slug)}-roadmap"
        return base.with_suffix(".json"), base.with_suffix(".xlsx")

    def scenario_roadmap_paths(self, slug: str, scenario: str) -> tuple[Path, Path]:
        """(JSON, xlsx) of a what-if roadmap (分析情景) named ``scenario``, beside the official one:
        ``<outputs>/plans/<slug>-roadmap_<name>.json|xlsx`` with the name made safe by :func:`scenario_slug`.
        A county slug never holds ``_``, so no scenario file can be another county's official roadmap."""
        base = self.plans_dir / f"{checked_slug(slug)}-roadmap_{scenario_slug(scenario)}"
        return base.with_name(base.name + ".json"), base.with_name(base.name + ".xlsx")

    def cheapest_path_file(self, slug: str, year: int) -> Path:
        """The one-year least-cost plan's JSON (``junyun cheapest``)."""
        return self.year_dir(year) / f"{checked_slug(slug)}-cheapest.json"

    def briefing_path(self, slug: str, year: int) -> Path:
        return self.year_dir(year) / f"{checked_slug(slug)}.html"

    def notebook_dir(self, year: int) -> Path:
        """Where a year's executed notebooks and index rows go."""
        return self.year_dir(year) / NOTEBOOKS

    def executed_notebook_path(self, slug: str, year: int) -> Path:
        return self.notebook_dir(year) / f"{checked_slug(slug)}.ipynb"

    def index_row_path(self, slug: str, year: int) -> Path:
        return self.notebook_dir(year) / f"{checked_slug(slug)}.index.json"

    def index_path(self, year: int) -> Path:
        return self.year_dir(year) / "index.html"

    @property
    def history_dir(self) -> Path:
        """The folder of the counties' multi-year pages: its own, not ``<outputs>/<slug>/`` (a slug may be
        ``2024`` or ``plans``)."""
        return self.outputs_dir / HISTORY

    def history_page_path(self, slug: str) -> Path:
        """A county's multi-year page (历年差异系数): every year the batch briefed, side by side."""
        return self.history_dir / f"{checked_slug(slug)}.html"

    def history_link(self, slug: str) -> str:
        """The multi-year page as a link relative to a year's index page (pages stay movable together)."""
        return f"../{HISTORY}/{checked_slug(slug)}.html"

    def briefing_link(self, slug: str, year: int) -> str:
        """A year's briefing page as a link relative to the county's multi-year page."""
        return f"../{int(year)}/{checked_slug(slug)}.html"

    @property
    def manifest_path(self) -> Path:
        return self.outputs_dir / MANIFEST

    @property
    def log_dir(self) -> Path:
        return self.outputs_dir / LOGS

    # ------------------------------------------------------------------------------------- path checks
    def input_path(self, path, what: str = "输入文件") -> Path:
        """A file a person named for reading, resolved against the current folder: read from wherever it is.
        It must exist and be a file (else a located :class:`ValidationError`)."""
        resolved = Path(path).expanduser().resolve()
        if resolved.is_dir():
            raise ValidationError([Problem("error", "is_a_folder", f"{what}是一个文件夹，应为文件",
                                           "a folder was named where a file is wanted", file=str(path))])
        if not resolved.is_file():
            raise ValidationError([Problem("error", "not_found", f"{what}不存在", "file not found", file=str(path))])
        return resolved

    def outputs_file(self, path, what: str = "输出文件") -> Path:
        """A file name typed in the explorer's export box: a relative one is taken inside the outputs folder
        (a notebook's current folder is ``notebooks/``, not where anyone looks for results), an absolute one
        is honoured.  Checked like every output (:meth:`output_path`)."""
        path = Path(str(path).strip()).expanduser()
        return self.output_path(path if path.is_absolute() else self.outputs_dir / path, what)

    def output_path(self, path, what: str = "输出文件", inputs=(), *, into_raw: bool = False) -> Path:
        """A file a person named for writing, resolved against the current folder: written where it is named.

        Refused (:class:`PathRefused`, nothing written): a folder (an output never replaces one); one of the
        command's ``inputs`` or a path inside one; a path in the data folder's ``processed/`` (junyun's own
        build products, written by ``junyun ingest`` alone); a path in the raw data folder ``raw/``, unless
        ``into_raw`` (the template and import commands, which make new raw files there)."""
        resolved = Path(path).expanduser().resolve()
        if resolved.is_dir():
            raise PathRefused([Problem("error", "output_is_folder", f"{what}指向一个已有的文件夹，文件夹不会被替换；"
                                       "请写出包括文件名的路径",
                                       "the output names an existing folder, which is never replaced; name a file",
                                       file=str(path))])
        for source in inputs:
            source = Path(source).expanduser().resolve()
            if resolved == source or source in resolved.parents or same_file(resolved, source):
                raise PathRefused([Problem("error", "output_onto_input", f"{what}会覆盖输入文件，未写出；请换一个文件名",
                                           "the output would overwrite an input; choose another name",
                                           file=str(path))])
        if inside(resolved, self.processed_dir):
            raise PathRefused([Problem("error", "output_in_processed", f"{what}不能写在处理后数据目录 "
                                       f"{self.processed_dir} 内（那里只放 junyun ingest 生成的文件）",
                                       f"outputs are never written inside the processed-data folder "
                                       f"{self.processed_dir}", file=str(path))])
        if not into_raw and inside(resolved, self.raw_dir):
            raise PathRefused([Problem("error", "output_in_raw", f"{what}不能写在原始数据目录 {self.raw_dir} 内"
                                       "（原始数据从不改动）；请写到其他位置",
                                       f"outputs are never written inside the raw-data folder {self.raw_dir} "
                                       "(raw data is never edited); write it elsewhere", file=str(path))])
        return resolved

    def output_folder(self, path, what: str = "结果目录", inputs=(), *, probe: str = ".junyun-probe") -> Path:
        """A folder a person named for junyun's results (``--results DIR``), resolved against the current folder:
        refused like :meth:`output_path` (an input or inside one, inside ``raw/`` or ``processed/``, checked for
        a file ``probe`` written into it), and when a file of that name exists.  What the folder holds is the
        workspace's to check (:meth:`junyun_lib.workspace.Workspace.output_folder`)."""
        resolved = Path(path).expanduser().resolve()
        if resolved.exists() and not resolved.is_dir():
            raise PathRefused([Problem("error", "not_a_folder", f"{what}应为文件夹，但这里已有同名文件；该文件未被改动",
                                       "a file of that name exists where a folder is wanted; it was left unchanged",
                                       file=str(path))])
        self.output_path(resolved / probe, what, inputs)
        return resolved

    def outputs_place_problem(self) -> PathRefused | None:
        """Why the outputs folder is in the wrong place, or None: it may not be the data folder or lie in its
        ``raw/`` or ``processed/``."""
        if inside(self.outputs_dir, self.raw_dir, self.processed_dir) or self.outputs_dir == self.data_dir:
            return PathRefused([Problem("error", "outputs_in_data", f"输出目录不能是数据目录或位于其原始数据、处理后数据"
                                        f"目录内：{self.outputs_dir}；请用 --out 另指定",
                                        "the outputs folder may not be the data folder or lie inside its raw or "
                                        "processed folder; name another with --out", file=str(self.outputs_dir))])
        return None

    def claim_outputs(self) -> Path:
        """The outputs folder, when junyun may write its own files into it; a layout checks its place only
        (the workspace also makes it junyun's, :meth:`junyun_lib.workspace.Workspace.claim_outputs`)."""
        problem = self.outputs_place_problem()
        if problem is not None:
            raise problem
        return self.outputs_dir

    def managed_path(self, path) -> Path:
        """A path junyun built itself (a layout method above, from a checked slug and a year) for writing one of
        its own files: it must lie in the outputs folder, which is claimed first (:meth:`claim_outputs`), so
        junyun never puts its files among someone else's."""
        resolved = Path(path).resolve()
        if not inside(resolved, self.outputs_dir):
            raise PathRefused([Problem("error", "outside_outputs", f"由数据生成的路径应在输出目录 {self.outputs_dir} 内",
                                       f"a path built from data must lie inside the outputs folder {self.outputs_dir}",
                                       file=str(path))])
        self.claim_outputs()
        return self.output_path(resolved)


__all__ = ["Layout", "scenario_slug", "checked_slug", "same_file", "fingerprint", "inside", "default_data_dir",
           "default_outputs_dir", "checkout_dir", "notebooks_dir", "notebook_folders", "RAW", "PROCESSED",
           "COUNTY_FILE", "PLAN_FILE", "PROJECTS_FILE", "OVERRIDES_FILE", "HISTORY", "SCHOOL_FILE",
           "COUNTY_TABLE_FILE", "PROCESSED_FILE", "SCENARIO_MAX"]
