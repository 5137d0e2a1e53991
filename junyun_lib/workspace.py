"""The workspace (工作区): the one object that knows the folders, and the only code that builds their paths.

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

It lists counties and years, loads each county-year once and caches its evaluation by (county, year,
standard), and is what the command line, the notebooks, the batch and the explorer go through.  A path a
person names — on the command line or to a public function — is honoured: read from wherever it is, written
where it is named, but never onto an input, into ``raw/`` or ``processed/``, or over a folder
(:meth:`Workspace.input_path`, :meth:`Workspace.output_path`, :meth:`Workspace.output_folder`).  A path built
from data stays in the data or outputs folder: slugs are ``[a-z0-9-]`` (:mod:`junyun_lib.rules.counties`),
and junyun writes into an outputs folder only when it is new, empty or its own
(:meth:`Workspace.claim_outputs`).  Every file is written through :mod:`junyun_lib.io.atomic`.  An error in any year a result depends on is raised as an
error (located), never turned into "no data".
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .evaluation.causes import causes_table
from .evaluation.evaluate import CountyResult, Evaluation, evaluate
from .evaluation.guarantee import transitional_window
from .evaluation.scorecard import Scorecard, prerequisite, scorecard
from .io import atomic
from .io.costs import load_unit_costs
from .io.county_config import read_county_config
from .io.county_table import CountyValues, read_county_values
from .io.ownership import RESULTS_MARKER, claim_outputs_folder, outputs_folder_problem, results_folder_problem
from .io.budgets import read_budget_file
from .io.plan_file import Plan, read_plan
from .io.projects import Projects, read_enrolment_overrides, read_projects
from .memory import give_back
from .io.processed import processed_county, read_processed, read_table, write_processed
from .io.reader import SchoolTable, read_schools
from .io.workbook import write_workbook
from .io.years import COUNTY_TABLE_FILE, SCHOOL_FILE
from .planning.cheapest import PathPlan, cheapest_path
from .planning.optimiser import optimal_path
from .planning.roadmap import Roadmap, build_roadmap
from .planning.progress import PlanProgress, plan_progress
from .problems import JunyunError, PathRefused, Problem, ValidationError
from .report.jsonvalues import dumps
from .rules import CountyConfig, fallback_slug, is_slug
from .rules.scorecard_form import applies_to, form

if TYPE_CHECKING:   # the briefing brings matplotlib (report.charts): loaded by Workspace.briefing, when one is made
    from .report.briefing import Briefing

#: what each file of the layout is called (the names users and their scripts depend on)
RAW, PROCESSED = "raw", "processed"
DATA, OUTPUTS = "data", "outputs"            # the folders of a checkout (notebooks find them, :func:`notebook_folders`)
COUNTY_FILE = "county.toml"
PLAN_FILE = "plan.csv"
PROJECTS_FILE = "projects.csv"
OVERRIDES_FILE = "enrolment_overrides.csv"
# SCHOOL_FILE and COUNTY_TABLE_FILE (schools_<year>.xlsx|csv, county_indicators_<year>.csv|xlsx) come from
# junyun_lib.io.years: the readers compare the year these names state with the rows' 统计年度
QUALITY = "quality-2017"
HISTORY = "history"                          # the folder of the counties' multi-year pages


def default_data_dir() -> Path:
    """The data folder when none is given: ``$JUNYUN_DATA``, else ``./data``."""
    return Path(os.environ.get("JUNYUN_DATA") or "data")


def default_outputs_dir() -> Path:
    """The outputs folder when none is given: ``$JUNYUN_OUTPUTS``, else ``./outputs``."""
    return Path(os.environ.get("JUNYUN_OUTPUTS") or "outputs")


def checkout_dir() -> Path | None:
    """The repository checkout this ``junyun_lib`` was loaded from (the folder holding ``junyun_lib/``,
    ``notebooks/`` and ``pyproject.toml``: a clone, or an editable install), or None for an installed package."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir() and (root / "junyun_lib").is_dir():
        return root
    return None


def notebooks_dir() -> Path:
    """The numbered notebooks: a checkout's ``notebooks/`` folder (a clone, or an editable install), else the
    installed package data ``junyun_lib/notebooks/``.  That folder has no ``__init__.py`` (JupyterLab's file
    list shows only the notebooks), so it is found as a folder, not imported as a package."""
    root = checkout_dir()
    if root is not None:
        return root / "notebooks"
    from importlib import resources

    return Path(str(resources.files("junyun_lib"))) / "notebooks"


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


@dataclass(frozen=True)
class CountyYear:
    """One county-year with processed data (一个有处理后数据的县区年度)."""

    county: str
    slug: str
    year: int
    path: Path


class Workspace:
    """A data folder and an outputs folder, with every county-year's results loaded once (工作区).

    Parameters
    ----------
    data_dir : path, optional
        The data folder (``raw/`` and ``processed/`` inside); default ``$JUNYUN_DATA`` or ``./data``.
    outputs_dir : path, optional
        The outputs folder; default ``$JUNYUN_OUTPUTS`` or ``./outputs``.
    costs : path, optional
        A unit-cost CSV, wherever it is (default: the package's illustrative costs).

    Examples
    --------
    >>> import tempfile
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> ws.processed_path("jinxian", 2024).relative_to(ws.data_dir).as_posix()
    'processed/jinxian/2024.parquet'
    >>> ws.county_years()
    []
    """

    def __init__(self, data_dir=None, outputs_dir=None, *, costs=None):
        self.data_dir = Path(data_dir if data_dir is not None else default_data_dir()).resolve()
        self.outputs_dir = Path(outputs_dir if outputs_dir is not None else default_outputs_dir()).resolve()
        self.costs = load_unit_costs(self.input_path(costs, "单位成本表")) if costs is not None else None
        self._configs: dict[str, CountyConfig] | None = None
        self._config_errors: dict[str, ValidationError] = {}
        self._evaluations: dict = {}
        self._results: dict = {}
        self._county_values: dict = {}
        self._plans: dict = {}
        self._projects: dict = {}
        self._cards: dict = {}
        self._county_years: list | None = None
        self._index = None                        # :meth:`_processed_index`
        self._raw_slugs: dict[str, str] = {}        # the slug :meth:`load_raw` chose for each county
        self._tables: dict[str, SchoolTable] = {}
        self.read_warnings: list[Problem] = []     # warnings of the last raw read, for the command to show
        self._outputs_claimed = False

    @classmethod
    def for_notebook(cls, data_dir=None, outputs_dir=None, *, costs=None) -> "Workspace":
        """The workspace of a notebook: folders from its parameters, else ``$JUNYUN_DATA`` / ``$JUNYUN_OUTPUTS``,
        else the checkout's ``data/`` and ``outputs/`` — never the current folder (:func:`notebook_folders`)."""
        data, outputs = notebook_folders(data_dir, outputs_dir)
        return cls(data, outputs, costs=costs)

    @classmethod
    def for_raw_folder(cls, raw, outputs_dir=None) -> "Workspace":
        """The workspace whose raw folder is ``raw`` (``<data>/raw``)."""
        raw = Path(raw).expanduser().resolve()
        return cls(raw.parent if raw.name == RAW else raw, outputs_dir)

    def __repr__(self) -> str:
        return f"Workspace(data_dir={str(self.data_dir)!r}, outputs_dir={str(self.outputs_dir)!r})"

    # ----------------------------------------------------------------------------------------- layout
    @property
    def raw_dir(self) -> Path:
        return self.data_dir / RAW

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / PROCESSED

    def county_folder(self, slug: str) -> Path:
        return self.raw_dir / _checked_slug(slug)

    def processed_path(self, slug: str, year: int) -> Path:
        return self.processed_dir / _checked_slug(slug) / f"{int(year)}.parquet"

    def school_file(self, slug: str, year: int, suffix: str = ".xlsx") -> Path:
        """Where a county's raw school table of ``year`` goes (``junyun sample``, ``junyun import``)."""
        return self.county_folder(slug) / f"schools_{int(year)}{suffix}"

    def county_table_file(self, slug: str, year: int, suffix: str = ".csv") -> Path:
        return self.county_folder(slug) / f"county_indicators_{int(year)}{suffix}"

    def year_dir(self, year: int) -> Path:
        return self.outputs_dir / str(int(year))

    def evaluation_paths(self, slug: str, year: int) -> tuple[Path, Path]:
        """(JSON, xlsx) results of one county-year: ``<slug>-evaluation.json`` and the county-year's one
        workbook (:meth:`workbook_path`)."""
        return self.year_dir(year) / f"{_checked_slug(slug)}-evaluation.json", self.workbook_path(slug, year)

    def workbook_path(self, slug: str, year: int) -> Path:
        """The county-year's one workbook, 评估结果（Excel）: ``<outputs>/<year>/<slug>.xlsx`` beside its page and
        Word copy, written by ``junyun run`` and by the briefing batch from one sheet builder
        (:func:`junyun_lib.report.briefing.workbook_sheets`)."""
        return self.year_dir(year) / f"{_checked_slug(slug)}.xlsx"

    def plan_json_path(self, slug: str) -> Path:
        return self.outputs_dir / "plans" / f"{_checked_slug(slug)}-plan.json"

    def roadmap_paths(self, slug: str) -> tuple[Path, Path]:
        """(JSON, xlsx) of a county's official roadmap (正式达标路线图: written by ``junyun run``, replaced by
        ``junyun roadmap --save`` only; the briefings show it)."""
        base = self.outputs_dir / "plans" / f"{_checked_slug(slug)}-roadmap"
        return base.with_suffix(".json"), base.with_suffix(".xlsx")

    def scenario_roadmap_paths(self, slug: str, scenario: str) -> tuple[Path, Path]:
        """(JSON, xlsx) of a what-if roadmap (分析情景) named ``scenario``, beside the official one:
        ``<outputs>/plans/<slug>-roadmap_<name>.json|xlsx`` with the name made safe by :func:`scenario_slug`.
        A county slug never holds ``_``, so no scenario file can be another county's official roadmap."""
        base = self.outputs_dir / "plans" / f"{_checked_slug(slug)}-roadmap_{scenario_slug(scenario)}"
        return base.with_name(base.name + ".json"), base.with_name(base.name + ".xlsx")

    def write_roadmap_scenario(self, county: str, scenario: str, doc: dict, sheets: dict | None = None) -> list[Path]:
        """Write a what-if roadmap (分析情景) named ``scenario`` beside the county's official one
        (:meth:`scenario_roadmap_paths`): its JSON ``doc`` (``"scenario"`` set to the name) and, with ``sheets``, its
        workbook.  Never the official roadmap the briefings show (``junyun roadmap --save`` replaces that)."""
        json_path, excel_path = self.scenario_roadmap_paths(self.config(county).slug, scenario)
        written = [self.write_json(self.managed_path(json_path), {**doc, "scenario": scenario})]
        if sheets is not None:
            written.append(self.write_workbook(self.managed_path(excel_path), sheets))
        return written

    def cheapest_path_file(self, slug: str, year: int) -> Path:
        """The one-year least-cost plan's JSON (``junyun cheapest``)."""
        return self.year_dir(year) / f"{_checked_slug(slug)}-cheapest.json"

    def briefing_path(self, slug: str, year: int) -> Path:
        return self.year_dir(year) / f"{_checked_slug(slug)}.html"

    def notebook_dir(self, year: int) -> Path:
        """Where a year's executed notebooks and index rows go."""
        return self.year_dir(year) / "notebooks"

    def executed_notebook_path(self, slug: str, year: int) -> Path:
        return self.notebook_dir(year) / f"{_checked_slug(slug)}.ipynb"

    def index_row_path(self, slug: str, year: int) -> Path:
        return self.notebook_dir(year) / f"{_checked_slug(slug)}.index.json"

    def index_path(self, year: int) -> Path:
        return self.year_dir(year) / "index.html"

    @property
    def history_dir(self) -> Path:
        """The folder of the counties' multi-year pages: its own, not ``<outputs>/<slug>/`` (a slug may be
        ``2024`` or ``plans``)."""
        return self.outputs_dir / HISTORY

    def history_page_path(self, slug: str) -> Path:
        """A county's multi-year page (历年差异系数): every year the batch briefed, side by side."""
        return self.history_dir / f"{_checked_slug(slug)}.html"

    def history_link(self, slug: str) -> str:
        """The multi-year page as a link relative to a year's index page (pages stay movable together)."""
        return f"../{HISTORY}/{_checked_slug(slug)}.html"

    def briefing_link(self, slug: str, year: int) -> str:
        """A year's briefing page as a link relative to the county's multi-year page."""
        return f"../{int(year)}/{_checked_slug(slug)}.html"

    @property
    def manifest_path(self) -> Path:
        return self.outputs_dir / "manifest.json"

    @property
    def log_dir(self) -> Path:
        return self.outputs_dir / "logs"

    def raw_school_files(self) -> list[Path]:
        """Every raw school table ``raw/<slug>/schools_<year>.xlsx|csv``, sorted."""
        if not self.raw_dir.is_dir():
            return []
        return sorted(p for p in self.raw_dir.glob("*/*") if SCHOOL_FILE.match(p.name) and p.is_file())

    # ------------------------------------------------------------------------------------- path checks
    # Two kinds of path (docs/decisions.md, decision 134).  A path a person typed — on the command line, or
    # passed to a public function — is honoured: read from wherever it is, written where it is named
    # (:meth:`input_path`, :meth:`output_path`).  A path junyun builds from data — a slug, a year — stays in
    # the data or outputs folder: the layout methods above build it from a checked slug, and junyun writes its
    # own files into the outputs folder through :meth:`managed_path`, which claims the folder first
    # (:meth:`claim_outputs`, :mod:`junyun_lib.io.ownership`).
    def _inside(self, path: Path, *roots: Path) -> bool:
        return any(path == root or root in path.parents for root in roots)

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
            if resolved == source or source in resolved.parents or _same_file(resolved, source):
                raise PathRefused([Problem("error", "output_onto_input", f"{what}会覆盖输入文件，未写出；请换一个文件名",
                                           "the output would overwrite an input; choose another name",
                                           file=str(path))])
        if self._inside(resolved, self.processed_dir):
            raise PathRefused([Problem("error", "output_in_processed", f"{what}不能写在处理后数据目录 "
                                       f"{self.processed_dir} 内（那里只放 junyun ingest 生成的文件）",
                                       f"outputs are never written inside the processed-data folder "
                                       f"{self.processed_dir}", file=str(path))])
        if not into_raw and self._inside(resolved, self.raw_dir):
            raise PathRefused([Problem("error", "output_in_raw", f"{what}不能写在原始数据目录 {self.raw_dir} 内"
                                       "（原始数据从不改动）；请写到其他位置",
                                       f"outputs are never written inside the raw-data folder {self.raw_dir} "
                                       "(raw data is never edited); write it elsewhere", file=str(path))])
        return resolved

    def output_folder(self, path, what: str = "结果目录", inputs=()) -> Path:
        """A folder a person named for junyun's results (``--results DIR``), resolved against the current folder.

        Refused like :meth:`output_path` (an input or inside one, inside ``raw/`` or ``processed/``), and when
        a file of that name exists.  What the folder already holds is checked when writing: junyun replaces
        only the files it wrote there before (:mod:`junyun_lib.io.ownership`); :meth:`results_problem` says
        beforehand."""
        resolved = Path(path).expanduser().resolve()
        if resolved.exists() and not resolved.is_dir():
            raise PathRefused([Problem("error", "not_a_folder", f"{what}应为文件夹，但这里已有同名文件；该文件未被改动",
                                       "a file of that name exists where a folder is wanted; it was left unchanged",
                                       file=str(path))])
        probe = resolved / RESULTS_MARKER       # the folder's own checks, as for a file written into it
        self.output_path(probe, what, inputs)
        problem = results_folder_problem(resolved, what=what)
        if problem is not None:
            raise problem
        return resolved

    def outputs_problem(self) -> PathRefused | None:
        """Why junyun may not write into its outputs folder, or None: the folder must not lie in the data
        folder's ``raw/`` or ``processed/``, and must be new, empty or junyun's own
        (:mod:`junyun_lib.io.ownership`)."""
        if self._inside(self.outputs_dir, self.raw_dir, self.processed_dir) or self.outputs_dir == self.data_dir:
            return PathRefused([Problem("error", "outputs_in_data", f"输出目录不能是数据目录或位于其原始数据、处理后数据"
                                        f"目录内：{self.outputs_dir}；请用 --out 另指定",
                                        "the outputs folder may not be the data folder or lie inside its raw or "
                                        "processed folder; name another with --out", file=str(self.outputs_dir))])
        return outputs_folder_problem(self.outputs_dir)

    def claim_outputs(self) -> Path:
        """Make the outputs folder junyun's (created, marked) before junyun writes anything of its own into
        it; :class:`PathRefused`, naming the files in the way, when it holds files junyun did not make."""
        if not self._outputs_claimed:
            problem = self.outputs_problem()
            if problem is not None:
                raise problem
            claim_outputs_folder(self.outputs_dir)
            self._outputs_claimed = True
        return self.outputs_dir

    def managed_path(self, path) -> Path:
        """A path junyun built itself (a layout method above, from a checked slug and a year) for writing one of
        its own files: it must lie in the outputs folder, which is claimed first (:meth:`claim_outputs`), so
        junyun never puts its files among someone else's."""
        resolved = Path(path).resolve()
        if not self._inside(resolved, self.outputs_dir):
            raise PathRefused([Problem("error", "outside_outputs", f"由数据生成的路径应在输出目录 {self.outputs_dir} 内",
                                       f"a path built from data must lie inside the outputs folder {self.outputs_dir}",
                                       file=str(path))])
        self.claim_outputs()
        return self.output_path(resolved)

    # ---------------------------------------------------------------------------------------- counties
    def counties(self) -> dict[str, CountyConfig]:
        """Configured counties by name (每个有 county.toml 的县区).  A broken ``county.toml`` is kept aside
        (:meth:`config_error`) so the other counties still work."""
        if self._configs is None:
            configs, errors = {}, {}
            for path in sorted(self.raw_dir.glob(f"*/{COUNTY_FILE}")) if self.raw_dir.is_dir() else []:
                try:
                    cfg = read_county_config(path)
                except ValidationError as exc:
                    errors[path.parent.name] = exc
                    continue
                if cfg.name in configs:
                    errors[path.parent.name] = ValidationError([Problem(
                        "error", "duplicate_county", f"县区名称「{cfg.name}」已由 {configs[cfg.name].source} 使用",
                        f"county name {cfg.name!r} is already used by {configs[cfg.name].source}", file=str(path),
                        column="name", value=cfg.name)])
                    continue
                configs[cfg.name] = cfg
            self._configs, self._config_errors = configs, errors
        return self._configs

    def config_error(self, slug: str) -> ValidationError | None:
        """The problems of a county folder's ``county.toml``, if it could not be read."""
        self.counties()
        return self._config_errors.get(slug)

    def config(self, county: str) -> CountyConfig:
        """A county's configuration by name or slug; national rules for a county without one."""
        configs = self.counties()
        if county in configs:
            return configs[county]
        by_slug = {c.slug: c for c in configs.values()}
        if county in by_slug:
            return by_slug[county]
        if county in self._config_errors:
            raise self._config_errors[county]
        if county in self._raw_slugs:
            # loaded from its raw folder and not yet written (``junyun run`` computes a county's results before
            # its processed files): the slug load_raw chose, which write_processed will use — one slug per run
            return CountyConfig(name=county, slug=self._raw_slugs[county])
        # a county without a configuration keeps the slug of its processed folder (its raw folder's name, or an
        # older junyun's), so its years stay together; else the pinyin of its name, distinct from the others'
        names, slugs = self._processed_index()
        processed = names.get(county, [])
        if len(processed) > 1:                  # e.g. an older junyun's folder beside the new one: the new one
            plain = fallback_slug(county)
            return CountyConfig(name=county, slug=plain if plain in processed else processed[0])
        if processed:
            return CountyConfig(name=county, slug=processed[0])
        if is_slug(county) and county in slugs:   # the slug of an unconfigured county's processed folder
            return CountyConfig(name=slugs[county], slug=county)
        return CountyConfig.unknown(county, self._taken_slugs())

    def _processed_index(self) -> tuple[dict[str, list[str]], dict[str, str]]:
        """({county name: its processed folders' slugs}, {slug: county name}) of :meth:`county_years`, built
        once per listing (:meth:`config` is asked for every county of a national workspace)."""
        years = self.county_years()
        if self._index is None or self._index[0] is not self._county_years:
            names: dict[str, list[str]] = {}
            for cy in years:
                if cy.slug not in names.setdefault(cy.county, []):
                    names[cy.county].append(cy.slug)
            self._index = (self._county_years, names, {cy.slug: cy.county for cy in years})
        return self._index[1], self._index[2]

    def _taken_slugs(self) -> set[str]:
        """The slugs counties already use: configured ones, folders whose ``county.toml`` is broken, processed
        folders.  A county new to junyun gets a slug outside them (:func:`~junyun_lib.rules.counties.fallback_slug`:
        two names with the same pinyin stay apart)."""
        configs = self.counties()
        return {c.slug for c in configs.values()} | set(self._config_errors) | set(self._processed_index()[1])

    def slug_for_new_county(self, county: str, folder=None) -> str:
        """The slug a county without a ``county.toml`` gets (新县区的简称): its processed folder's when it has
        one; else the name of ``folder`` (the raw folder its table lies in) when that is ``<data>/raw/<name>/``,
        ``<name>`` a valid slug no other county uses; else the pinyin of its name (合成县 → ``hechengxian``)."""
        cfg = self.config(county)
        if cfg.configured or (self.processed_dir / cfg.slug).is_dir():
            return cfg.slug
        if folder is not None:
            folder = Path(folder).expanduser().resolve()
            if folder.parent == self.raw_dir and is_slug(folder.name) and folder.name not in self._taken_slugs():
                return folder.name
        return cfg.slug

    def new_county_file(self, table_path, county: str) -> tuple[str, Path | None, str]:
        """Where ``junyun import`` may write a new county's ``county.toml`` (新县区的县区配置), for the school
        table it writes at ``table_path``: ``(slug, path or None, why not)``.

        Only beside the table, only when that folder is ``<data>/raw/<slug>/`` (``<slug>`` a valid slug no other
        county uses, configured or processed), only for a county not configured yet, and only when the folder
        has no ``county.toml`` (never overwritten).  Otherwise ``path`` is None and ``why`` says, in Chinese
        with an English gloss, what the county's slug will be and how to fix it."""
        folder = Path(table_path).expanduser().resolve().parent
        configs = self.counties()
        if county in configs:
            return configs[county].slug, None, ""
        slug = self.slug_for_new_county(county)
        hint = (f"{county} 没有县区配置 county.toml：junyun ingest 将以「{slug}」为县区简称（已有处理后数据的沿用其文件夹名，"
                "否则由县区名称的拼音生成）；"
                f"要固定简称并注明省份、地市，请把导入的表写到数据目录的 raw/{slug}/ 下（junyun import 会在那里新建 "
                f"county.toml），或在表所在的 raw/<简称>/ 文件夹中自建 county.toml（name、slug）"
                f" ({county} has no county.toml: ingest will use the slug {slug!r} (its processed folder's, else the "
                "pinyin of its name); "
                f"write the table under raw/{slug}/ of the data folder to get a county.toml)")
        if folder.parent != self.raw_dir or not is_slug(folder.name):
            return slug, None, hint
        owner = self._processed_index()[1].get(folder.name)
        if (folder / COUNTY_FILE).exists() or folder.name in self._config_errors or folder.name in \
                {c.slug for c in configs.values()} or owner not in (None, county):
            other = f"「{owner}」" if owner not in (None, county) else "另一县区"
            return slug, None, (f"文件夹 {folder} 已属于{other}（已有 county.toml 或处理后数据），未新建县区配置；" + hint
                                + f" (the folder {folder} belongs to another county: no county.toml written)")
        return folder.name, folder / COUNTY_FILE, ""

    def region(self, county: str) -> tuple[str, str]:
        """(province, city) of a county as its ``county.toml`` states them; ``""`` for what it does not state
        and for a county without a configuration (never guessed from the name)."""
        cfg = self.counties().get(county)
        return (cfg.province.strip(), cfg.city.strip()) if cfg is not None else ("", "")

    def _configs_for(self, names) -> dict[str, CountyConfig]:
        return {name: self.config(name) for name in names}

    # -------------------------------------------------------------------------------------- processed
    def county_years(self) -> list[CountyYear]:
        """Every county-year with processed data, by slug and year."""
        if self._county_years is not None:
            return list(self._county_years)
        if not self.processed_dir.is_dir():
            return []
        by_slug = {c.slug: c.name for c in self.counties().values()}
        out = []
        for path in sorted(self.processed_dir.glob("*/*.parquet")):
            slug = path.parent.name
            if path.stem.isdigit() and is_slug(slug):
                name = by_slug.get(slug) or processed_county(path) or slug
                out.append(CountyYear(name, slug, int(path.stem), path))
        self._county_years = out
        return list(out)

    def years(self, county: str) -> list[int]:
        """The years with data of a county (name or slug): loaded in memory, else processed."""
        cfg = self.config(county)
        if cfg.name in self._tables:
            return sorted(int(y) for y in self._tables[cfg.name].frame["year"].unique())
        return [int(p.stem) for p in self._processed_files(cfg.slug)]

    def _processed_files(self, slug: str) -> list[Path]:
        """A county's processed files, by year (without reading any of them)."""
        folder = self.processed_dir / _checked_slug(slug)
        return sorted((p for p in folder.glob("*.parquet") if p.stem.isdigit()), key=lambda p: int(p.stem)) \
            if folder.is_dir() else []

    def load_raw(self, files) -> dict[str, str]:
        """Read and validate raw school tables (wherever they are) and keep them in memory, nothing written;
        later calls for these counties use them.  Returns ``{county name: slug}``."""
        paths = [self.input_path(f, "原始数据文件") for f in files]
        table = read_schools(paths)
        self.read_warnings = list(table.warnings)
        problems, slugs = [], {}
        for county in table.frame["county"].unique():
            try:
                slugs[str(county)] = self._slug_for_rows(county, table)
            except ValidationError as exc:
                problems += exc.problems
        if problems:
            raise ValidationError(problems)
        for county in slugs:
            rows = table.frame["county"] == county
            self._forget(county)
            self._tables[county] = SchoolTable(
                table.frame[rows].reset_index(drop=True),
                [w for w in table.warnings if w.county in ("", county)], list(table.sources), table.synthetic)
            self._raw_slugs[county] = slugs[county]     # a new county's slug may be its raw folder's name
        return slugs

    def write_processed(self, county: str) -> list[Path]:
        """Write the processed files of a county loaded by :meth:`load_raw`, one per year, atomically."""
        table, slug = self._tables[county], self._raw_slugs.get(county) or self.config(county).slug
        written = []
        for year, frame in table.frame.groupby("year", sort=True):
            path = self.processed_path(slug, year)
            atomic.sweep(path.parent)
            written.append(write_processed(frame.reset_index(drop=True), path, synthetic=table.synthetic))
        self._county_years = None
        return written

    def ingest(self, files) -> list[Path]:
        """Validate raw school tables and write one processed file per county-year (``junyun ingest``).

        Files are read wherever they are; the processed files go to the data folder.  Nothing is written
        unless every file validates; each file is written atomically, so two ingests of the same file at once
        both succeed.  Returns the paths.
        """
        slugs = self.load_raw(files)
        written = []
        for county in slugs:
            written += self.write_processed(county)
            del self._tables[county]            # later reads see every processed year, not just these files
        return written

    def _slug_for_rows(self, county: str, table: SchoolTable) -> str:
        """The slug a county's rows are stored under; a broken ``county.toml`` in the folder the rows came
        from is an error for them."""
        configs = self.counties()
        if county in configs:
            return configs[county].slug
        folders = {Path(str(f)).parent for f in table.frame.loc[table.frame["county"] == county, "source_file"]}
        for folder in folders:
            if folder.name in self._config_errors:
                raise self._config_errors[folder.name]
        # a county new to junyun: named after its raw folder when all its files lie in one <data>/raw/<slug>/
        return self.slug_for_new_county(county, folders.pop() if len(folders) == 1 else None)

    def _forget(self, county: str) -> None:
        """Drop what was computed from a county's school rows (they are about to change)."""
        for cache in (self._evaluations, self._results, self._cards):
            for key in [k for k in cache if k[0] in (county, "")]:
                del cache[key]

    def table(self, county: str, years=None) -> SchoolTable:
        """The school rows of a county (all years, or ``years``): those loaded by :meth:`load_raw`, else its
        processed files — read once, then kept."""
        cfg = self.config(county)
        if cfg.name not in self._tables:
            paths = self._processed_files(cfg.slug)
            if not paths:
                raise ValidationError([Problem("error", "no_processed_data", f"没有{cfg.name}的处理后数据：请先运行 "
                                               "junyun ingest（或 make run）", f"no processed data for {cfg.name}; run "
                                               "junyun ingest first", county=cfg.name)])
            self._tables[cfg.name] = read_processed(paths)
        table = self._tables[cfg.name]
        if years is None:
            return table
        keep = table.frame["year"].isin([int(y) for y in years])
        return SchoolTable(table.frame[keep].reset_index(drop=True),
                           [w for w in table.warnings if w.year is None or w.year in years], table.sources,
                           table.synthetic)

    # ------------------------------------------------------------------------------------- evaluations
    def evaluation(self, county: str | None = None, standard: str = QUALITY) -> Evaluation:
        """Every processed year of ``county`` (or of every county, when None) evaluated together, once."""
        key = (county or "", "*", standard)
        if key not in self._evaluations:
            if county is None:
                paths = [cy.path for cy in self.county_years()]
                if not paths:
                    raise ValidationError([Problem("error", "no_processed_data", f"{self.processed_dir} 下没有处理后数据："
                                                   "请先运行 junyun ingest（或 make run）",
                                                   "no processed data; run junyun ingest first")])
                table = read_processed(paths)
            else:
                table = self.table(county)
            names = table.frame["county"].unique()
            ev = evaluate(table, standard, costs=self.costs, counties=self._configs_for(names))
            self._evaluations[key] = ev
            for c, y in ev.county_years():
                self._results.setdefault((c, y, standard), ev.county(c, y))
        return self._evaluations[key]

    def evaluate(self, county: str, year: int, standard: str = QUALITY) -> CountyResult:
        """One county-year's results (from the cache after the first call); a county-year without processed
        data is a located error that says to run ``junyun ingest``."""
        name = self.config(county).name
        if (name, int(year), standard) not in self._results:
            ev = self.evaluation(name, standard)
            if (name, int(year)) not in ev.county_years():
                raise ValidationError([Problem("error", "no_processed_data",
                                               f"没有{name}{year}年的处理后数据：请先运行 junyun ingest",
                                               f"no processed data for {name} {year}; run junyun ingest first",
                                               county=name, year=int(year))])
        return self._results[(name, int(year), standard)]

    def history(self, county: str, standard: str = QUALITY) -> dict[int, CountyResult]:
        """``{year: CountyResult}`` for every processed year of a county."""
        name = self.config(county).name
        ev = self.evaluation(name, standard)
        return {y: self._results[(c, y, standard)] for c, y in ev.county_years() if c == name}

    def evaluate_files(self, files, county: str | None = None, year: int | None = None,
                       standard: str = QUALITY) -> Evaluation:
        """Raw or processed files wherever they are, evaluated together (``junyun evaluate``)."""
        paths = [self.input_path(f, "评估文件") for f in files]
        table = read_table(paths, county=county, year=year)
        self.read_warnings = list(table.warnings)
        rows = len(table.frame)
        give_back(rows)         # the reader's temporaries: a national file's peak is the evaluation's, not both
        evaluation = evaluate(table, standard, costs=self.costs,
                              counties=self._configs_for(table.frame["county"].unique()))
        give_back(rows)
        return evaluation

    # ------------------------------------------------------------------------- county tables and plans
    def county_values(self, county: str) -> dict[int, CountyValues]:
        """Every year's county-level table of a configured county, checked (all files' problems together)."""
        cfg = self.config(county)
        if cfg.name not in self._county_values:
            out, problems = {}, []
            folder = self.county_folder(cfg.slug)
            if cfg.configured and folder.is_dir():
                for path in sorted(folder.iterdir()):
                    m = COUNTY_TABLE_FILE.match(path.name)
                    if not m:
                        continue
                    year = int(m.group(1))
                    if year in out:
                        problems.append(Problem("error", "duplicate_year", f"{year}年有两个县级指标表",
                                                f"two county-level tables for {year}", file=str(path)))
                        continue
                    try:
                        out[year] = read_county_values(path, county=cfg.name, year=year)
                    except ValidationError as exc:
                        problems += exc.problems
            if problems:
                raise ValidationError(problems)
            self._county_values[cfg.name] = out
        return self._county_values[cfg.name]

    def plan(self, county: str) -> Plan | None:
        """The county's plan (``plan.csv``), or None when it has none."""
        cfg = self.config(county)
        if cfg.name not in self._plans:
            path = self.county_folder(cfg.slug) / PLAN_FILE
            self._plans[cfg.name] = read_plan(path, county=cfg.name, slug=cfg.slug) \
                if cfg.configured and path.is_file() else None
        return self._plans[cfg.name]

    def projects(self, county: str) -> Projects | None:
        """The county's funded projects (``projects.csv``, :func:`junyun_lib.io.projects.read_projects`), or None
        when it has none."""
        cfg = self.config(county)
        if cfg.name not in self._projects:
            path = self.county_folder(cfg.slug) / PROJECTS_FILE
            self._projects[cfg.name] = read_projects(path, county=cfg.name, slug=cfg.slug) \
                if cfg.configured and path.is_file() else None
        return self._projects[cfg.name]

    def enrolment_overrides(self, county: str) -> pd.DataFrame | None:
        """The analyst's enrolment overrides (``enrolment_overrides.csv``), or None."""
        cfg = self.config(county)
        path = self.county_folder(cfg.slug) / OVERRIDES_FILE
        return read_enrolment_overrides(path, county=cfg.name) if cfg.configured and path.is_file() else None

    def budget_file(self, path) -> dict[int, float]:
        """Yearly budgets (万元) from a CSV, wherever it is (``junyun roadmap --budget-file``)."""
        return read_budget_file(self.input_path(path, "预算文件"))

    def roadmap(self, county: str, target_year: int | None = None, budget=None, *, standard: str = QUALITY,
                start_year: int | None = None, **options) -> Roadmap:
        """The year-by-year roadmap to pass by the target year (达标路线图; :mod:`junyun_lib.planning.roadmap`):
        the county's projects, enrolment overrides and plan are read from its folder.

        Every problem of the inputs is raised at once (:class:`ValidationError`): the project list's and the
        overrides' own, and the target year, the budget and their school ids against the school table
        (:func:`junyun_lib.planning.roadmap.roadmap_input_problems`).  The roadmap's input warnings are left in
        ``read_warnings`` for the command to show."""
        from .planning.roadmap import roadmap_input_problems

        cfg = self.config(county)
        ev = self.evaluation(cfg.name, standard)
        if cfg.name not in {c for c, _ in ev.county_years()}:
            raise ValidationError([Problem("error", "no_processed_data", f"没有{cfg.name}的处理后数据：请先运行 junyun ingest",
                                           f"no processed data for {cfg.name}; run junyun ingest first",
                                           county=cfg.name)])
        # one pass: a file that cannot be read is reported together with the other inputs' problems
        problems, inputs = [], {}
        for key, read in (("projects", self.projects), ("overrides", self.enrolment_overrides)):
            try:
                inputs[key] = read(cfg.name)
            except ValidationError as exc:
                problems += exc.problems
        if problems:
            problems += [p for p in roadmap_input_problems(
                ev, cfg.name, target_year=target_year, budget=budget, costs=self.costs, start_year=start_year,
                projects=inputs.get("projects"), overrides=inputs.get("overrides")) if p.severity == "error"]
            raise ValidationError(problems)
        rm = build_roadmap(ev, cfg.name, target_year=target_year, budget=budget, projects=inputs["projects"],
                           overrides=inputs["overrides"], plan=self.plan(cfg.name), costs=self.costs,
                           start_year=start_year, **options)
        self.read_warnings = list(rm.warnings)
        return rm

    def stored_roadmap(self, county: str) -> dict | None:
        """The county's official roadmap (正式达标路线图, :meth:`roadmap_paths`: written by ``junyun run`` or
        ``junyun roadmap --save``, never by a what-if), or None."""
        import json

        path = self.roadmap_paths(self.config(county).slug)[0]
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def progress(self, county: str, as_of: int | None = None, standard: str = QUALITY) -> PlanProgress | None:
        """Progress against the county's plan (规划进度), or None when it has no plan."""
        plan = self.plan(county)
        if plan is None:
            return None
        cfg = self.config(county)
        results = self.history(cfg.name, standard) if self.years(cfg.name) else {}
        full, last = {}, None
        if results:
            window = transitional_window(next(iter(results.values())).standard)
            last = window[1] if window else None
            if last is not None and (plan.rows["year"] > last).any():
                # items aimed past the transitional window are projected under the full standards
                key = (cfg.name, "*", standard, "full")
                if key not in self._evaluations:
                    self._evaluations[key] = evaluate(self.table(cfg.name), standard, costs=self.costs,
                                                      counties=self._configs_for([cfg.name]), transitional=False)
                ev = self._evaluations[key]
                full = {y: ev.county(c, y) for c, y in ev.county_years()}
        return plan_progress(plan, results, self.county_values(cfg.name), as_of=as_of,
                             full_results_by_year=full, transitional_last_year=last)

    # --------------------------------------------------------------------------------------- scorecard
    def scorecard(self, county: str, year: int) -> Scorecard | None:
        """The full evaluation form of a county-year (quality balance), with its county-level table and the
        application prerequisite."""
        return self.scorecard_for(self.evaluate(county, year, QUALITY))

    def scorecard_for(self, result: CountyResult) -> Scorecard | None:
        """The scorecard of an evaluated county-year; None — nothing built — under a standard the form does not
        apply to (basic-2012; ``applies_to`` in ``rules/scorecard.toml``).  A county without a configuration
        still gets one: the items the school table decides are computed; the county-level items, the vetoes and
        the prerequisite are no data, so the overall verdict is never a pass."""
        if not applies_to(result.standard.code):
            return None
        key = (result.county, result.year, id(result))
        if key not in self._cards:
            if result.config.configured:
                values = self.county_values(result.county).get(result.year)
                self._cards[key] = scorecard(result, values, self.prerequisite(result.county, result.year))
            else:
                self._cards[key] = scorecard(result, None, prerequisite({}, result.year))
        return self._cards[key]

    def prerequisite(self, county: str, year: int) -> dict:
        """申报条件 for ``year``: the basic-balance composite CVs of the years before (see
        :func:`junyun_lib.evaluation.scorecard.prerequisite`).  A year without processed data is no data;
        a year whose file lacks basic-2012's optional columns is no data with that reason; any other
        problem in a year is raised."""
        spec = form()["prerequisite"]
        name = self.config(county).name
        wanted = [y for y in range(int(year) - int(spec["years"]), int(year)) if y in self.years(name)]
        results, reasons = {}, {}
        if wanted:
            try:
                history = self.history(name, spec["standard"])
                results = {y: history[y] for y in wanted}
            except ValidationError as exc:
                if not all(p.code == "standard_needs_column" for p in exc.problems):
                    raise
                for y in wanted:
                    reasons[y] = "缺少基本均衡评估所需的列（计算机台数、图书册数等），无法计算"
        out = prerequisite(results, int(year))
        for entry in out["years"]:
            if entry["year"] in reasons:
                entry["reason"] = reasons[entry["year"]]
        return out

    # ------------------------------------------------------------------------------ causes and planning
    def causes(self, county: str, year: int, standard: str = QUALITY) -> pd.DataFrame:
        """Cause measures of every stage and indicator (差距成因), one row each."""
        return causes_table(self.evaluate(county, year, standard))

    def cheapest_path(self, county: str, year: int, standard: str = QUALITY, *, solver: bool = True,
                      **options) -> PathPlan:
        """The least-cost additions that pass (最低成本达标方案), verified by re-evaluation: SCIP's plan with its
        certificate (:func:`junyun_lib.planning.optimiser.optimal_path`), or with ``solver=False`` the
        heuristic alone (:func:`junyun_lib.planning.cheapest.cheapest_path`), its certificate saying so.
        ``options`` are those of ``optimal_path`` either way (``time_limit`` is simply unused without SCIP)."""
        result = self.evaluate(county, year, standard)
        ev = self.evaluation(result.county, standard)
        # optimal_path without the solver is the heuristic plus a "heuristic, no bound" certificate: the same
        # options as with it (the heuristic itself takes no time_limit), and a plan that says what it is
        return optimal_path(ev, result.county, result.year, costs=self.costs, use_solver=solver, **options)

    def briefing(self, county: str, year: int, standard: str = QUALITY) -> Briefing:
        """Everything a county briefing shows for a county-year (当年结果、历年趋势、评估表、推进计划、达标方案)."""
        from .report.briefing import Briefing

        result = self.evaluate(county, year, standard)
        history = self.history(result.county, standard)
        ev = self.evaluation(result.county, standard)
        schools = ev.schools
        sources = sorted(set(schools.loc[schools["year"] == result.year, "source_file"].astype(str)))
        std = result.standard
        path = None
        if std.has_school_standards and std.school_rule is not None:
            path = cheapest_path(ev, result.county, result.year, costs=self.costs, verify_naive=False)
        return Briefing(result=result, history=history, sources=sources,
                        plan=self.progress(result.county, as_of=result.year, standard=standard), path=path,
                        card=self.scorecard_for(result),
                        roadmap=self.stored_roadmap(result.county) if standard == QUALITY else None)

    # ------------------------------------------------------------------------------------------ writing
    def write_text(self, path, text: str) -> Path:
        """Write text (UTF-8) atomically to ``path`` (checked by :meth:`output_path`)."""
        return atomic.write_text(self.output_path(path), text)

    def write_json(self, path, doc) -> Path:
        """Write a JSON document (valid JSON: no NaN or infinity) atomically to ``path``."""
        return atomic.write_text(self.output_path(path), dumps(doc))

    def write_json_chunks(self, path, chunks) -> Path:
        """Write a JSON document given as pieces of text (a streamed document,
        :func:`junyun_lib.report.jsonview.evaluation_json_chunks`) to ``path``: piece by piece into a temporary
        file, renamed into place only when the last piece is written — the document is never held whole."""
        target = self.output_path(path)
        with atomic.atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            for chunk in chunks:
                handle.write(chunk)
        return target

    def write_results(self, folder, evaluation: Evaluation, tables: dict | None = None) -> list[Path]:
        """The tidy Parquet tables of ``evaluation`` (:mod:`junyun_lib.report.results`) written to ``folder``
        (a folder a person named, :meth:`output_folder`; junyun replaces only the tables it wrote there
        before, :mod:`junyun_lib.io.ownership`).  ``tables``: those :meth:`results_tables` already built for
        this evaluation (``junyun evaluate`` writes the same tables to Parquet and to Excel), else built here."""
        from .report.results import write_results

        target = self.output_folder(folder, "结果目录")
        tables = tables if tables is not None else self.results_tables(evaluation)
        return write_results(tables, target, standard=evaluation.standard_code, synthetic=evaluation.synthetic)

    def results_tables(self, evaluation: Evaluation) -> dict[str, pd.DataFrame]:
        """The tidy tables of ``evaluation`` (分析用结果表, :func:`junyun_lib.report.results.results_tables`).  The
        scorecard covers every county-year: the school-derived items for all at once; a configured county gets
        its exact per-county scorecard instead (its county-level table, its own items such as staffing ratios,
        the prerequisite)."""
        from .report.results import results_tables

        tables = results_tables(evaluation)
        give_back(len(evaluation.parts))
        if "scorecard_items" in tables:
            tables["scorecard_items"], tables["scorecard"] = self._with_county_tables(
                evaluation, tables["scorecard_items"], tables["scorecard"])
        return tables

    def _with_county_tables(self, evaluation: Evaluation, items: pd.DataFrame, overall: pd.DataFrame):
        from .evaluation.scorecards import ITEM_COLUMNS, OVERALL_COLUMNS

        swaps = []
        for c, y in evaluation.county_years():
            cfg = evaluation.counties.get(c)
            if cfg is None or not cfg.configured:
                continue
            card = scorecard(evaluation.county(c, y), self.county_values(c).get(y), self.prerequisite(c, y))
            rows = card.items.assign(county=str(c), year=int(y))
            rows["passes"] = rows["passes"].astype("boolean")
            top = {"county": str(c), "year": int(y), "overall": card.overall,
                   **{f"area_{a}": v for a, v in card.areas.items()}}
            swaps.append((str(c), int(y), rows[ITEM_COLUMNS], top))
        if not swaps:
            return items, overall
        done = {(c, y) for c, y, _, _ in swaps}
        keep = [(c, int(y)) not in done for c, y in zip(items["county"], items["year"])]
        items = pd.concat([items[keep]] + [r for _, _, r, _ in swaps], ignore_index=True)
        keep = [(c, int(y)) not in done for c, y in zip(overall["county"], overall["year"])]
        tops = pd.DataFrame([t for _, _, _, t in swaps])[OVERALL_COLUMNS]
        for col in OVERALL_COLUMNS[2:]:
            tops[col] = tops[col].astype("boolean")
        overall = pd.concat([overall[keep], tops], ignore_index=True)
        order = ["county", "year"]
        return (items.sort_values(order, kind="stable").reset_index(drop=True),
                overall.sort_values(order, kind="stable").reset_index(drop=True))

    def write_workbook(self, path, sheets: dict[str, pd.DataFrame]) -> Path:
        """Write ``{sheet: table}`` to an .xlsx file at ``path``, atomically."""
        return write_workbook(self.output_path(path), sheets)

    def write_large_workbook(self, path, sheets: dict[str, pd.DataFrame]) -> Path:
        """Write ``{sheet: table}`` of any size to an .xlsx file at ``path``, atomically, streamed
        (:func:`junyun_lib.io.bigbook.write_big_workbook`: the national tables, hundreds of thousands of rows)."""
        from .io.bigbook import write_big_workbook

        return write_big_workbook(self.output_path(path), sheets)


SCENARIO_MAX = 40      # characters of a scenario's name kept in a file name (CJK: 3 bytes each in UTF-8)


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
    import re
    import unicodedata

    text = unicodedata.normalize("NFKC", str(name))
    text = re.sub(r"[^\w-]+", "-", text).lower()
    text = re.sub(r"-{2,}", "-", text).strip("-_")[:SCENARIO_MAX].strip("-_")
    if not text:
        raise PathRefused([Problem("error", "bad_scenario_name", "情景名称须含字母、数字或汉字（用作文件名的一部分）",
                                   "a scenario name must hold letters, digits or Chinese characters (it becomes part "
                                   "of a file name)", column="--scenario", value=str(name))])
    return text


def _checked_slug(slug: str) -> str:
    if not is_slug(slug):
        raise PathRefused([Problem("error", "bad_slug", "县区简称只能由小写字母、数字和连字符组成",
                                   "a slug is lower-case letters, digits and hyphens", value=str(slug))])
    return slug


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


__all__ = ["Workspace", "CountyYear", "scenario_slug", "default_data_dir", "default_outputs_dir", "checkout_dir", "notebook_folders",
           "JunyunError"]
