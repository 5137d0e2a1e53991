"""The data folder read (数据目录): which counties and county-years it holds, and their files read once.

A :class:`DataFolder` is a folder layout (:class:`junyun_lib.layout.Layout`) that reads: the counties'
configurations (``county.toml``, a broken one kept aside), the county-years with processed data, the slug of a
county new to junyun, its school rows (raw files loaded by :meth:`DataFolder.load_raw`, else its processed
files), its county-level tables, plan and projects.  What it read is kept under a value key — the county — with
the fingerprint of the files it came from (:func:`junyun_lib.layout.fingerprint`), so a file changed on disk is
read again (:func:`keep`).  It evaluates nothing: :class:`junyun_lib.workspace.Workspace` builds on it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..layout import Layout, fingerprint
from ..problems import Problem, ValidationError
from ..rules import CountyConfig
from ..rules.counties import new_county_hint, unconfigured_county
from . import atomic
from .budgets import read_budget_file
from .county_config import read_county_configs
from .county_table import CountyValues, read_county_tables
from .plan_file import Plan, read_plan
from .processed import processed_county, read_processed, write_processed
from .projects import Projects, read_enrolment_overrides, read_projects
from .reader import SchoolTable, read_schools


def keep(cache: dict, key, stamp, make):
    """``make()`` kept in ``cache`` under the value ``key`` (a county; a county, year and standard …) and made
    again when ``stamp`` — the fingerprint of the files it was made from — is no longer the one it was made with."""
    hit = cache.get(key)
    if hit is None or hit[0] != stamp:
        cache[key] = (stamp, make())
    return cache[key][1]


def no_processed_data(name: str, year=None) -> ValidationError:
    """The located error for a county (or county-year) without processed data: run ``junyun ingest``."""
    when, where = ("", {}) if year is None else (f"{int(year)}", {"year": int(year)})
    return ValidationError([Problem("error", "no_processed_data", f"没有{name}{when and when + '年'}的处理后数据：请先运行 "
                                    "junyun ingest（或 make run）", f"no processed data for {name}{when and ' ' + when}; "
                                    "run junyun ingest first", county=name, **where)])


@dataclass(frozen=True)
class CountyYear:
    """One county-year with processed data (一个有处理后数据的县区年度)."""

    county: str
    slug: str
    year: int
    path: Path


class DataFolder(Layout):
    """The counties, county-years and input files of a data folder, each read once (数据目录)."""

    def __init__(self, data_dir=None, outputs_dir=None):
        super().__init__(data_dir, outputs_dir)
        self._configs: dict[str, CountyConfig] | None = None
        self._config_errors: dict[str, ValidationError] = {}
        self._county_years: list | None = None
        self._index = None                          # :meth:`_processed_index`
        self._raw_slugs: dict[str, str] = {}        # the slug :meth:`load_raw` chose for each county
        # county → (fingerprint of the files read, what was read)
        self._tables, self._county_values, self._plans, self._projects = {}, {}, {}, {}
        self.read_warnings: list[Problem] = []     # warnings of the last raw read, for the command to show

    def _loaded(self, name: str) -> SchoolTable | None:
        """A county's rows :meth:`load_raw` keeps in memory, if any."""
        hit = self._tables.get(name)
        return hit[1] if hit is not None and hit[0][:1] == ("loaded",) else None

    def rows_fingerprint(self, county: str) -> tuple:
        """The fingerprint of a county's school rows: of the raw files :meth:`load_raw` read, else of its
        processed files — what everything computed from them is kept with."""
        name = self.config(county).name
        if self._loaded(name) is not None:
            return self._tables[name][0]
        return fingerprint(self.processed_files(self.config(name).slug))

    # ---------------------------------------------------------------------------------------- counties
    def counties(self) -> dict[str, CountyConfig]:
        """Configured counties by name; a broken ``county.toml`` is kept aside (:meth:`config_error`)."""
        if self._configs is None:
            self._configs, self._config_errors = read_county_configs(self.county_config_files())
        return self._configs

    def config_error(self, slug: str) -> ValidationError | None:
        """The problems of a county folder's ``county.toml``, if it could not be read."""
        self.counties()
        return self._config_errors.get(slug)

    def config(self, county: str) -> CountyConfig:
        """A county's configuration by name or slug; national rules for a county without one."""
        configs = self.counties()
        found = configs.get(county) or next((c for c in configs.values() if c.slug == county), None)
        if found is not None:
            return found
        if county in self._config_errors:
            raise self._config_errors[county]
        if county in self._raw_slugs:     # loaded by load_raw, not yet written: the slug write_processed will use
            return CountyConfig(name=county, slug=self._raw_slugs[county])
        return unconfigured_county(county, *self._processed_index(), self._taken_slugs)

    def _processed_index(self) -> tuple[dict[str, list[str]], dict[str, str]]:
        """({county name: its processed folders' slugs}, {slug: county name}), built once per listing."""
        if self._index is None:
            years, names = self.county_years(), {}
            for cy in years:
                if cy.slug not in names.setdefault(cy.county, []):
                    names[cy.county].append(cy.slug)
            self._index = (names, {cy.slug: cy.county for cy in years})
        return self._index

    def _taken_slugs(self) -> set[str]:
        """The slugs counties use: configured, a broken ``county.toml``'s folder, processed folders."""
        configs = self.counties()
        return {c.slug for c in configs.values()} | set(self._config_errors) | set(self._processed_index()[1])

    def slug_for_new_county(self, county: str, folder=None) -> str:
        """The slug a county without a ``county.toml`` gets: its processed folder's; else the name of ``folder``
        (its raw folder) when that is ``<data>/raw/<slug>/`` with a slug no other county uses; else the pinyin."""
        cfg = self.config(county)
        if cfg.configured or self.processed_folder(cfg.slug).is_dir() or folder is None:
            return cfg.slug
        slug = self.raw_folder_slug(folder)
        return slug if slug is not None and slug not in self._taken_slugs() else cfg.slug

    def new_county_file(self, table_path, county: str) -> tuple[str, Path | None, str]:
        """Where ``junyun import`` may write a new county's ``county.toml``: ``(slug, path or None, why not)`` —
        only beside the table, in ``<data>/raw/<slug>/`` of no other county, never over a ``county.toml``."""
        configs = self.counties()
        if county in configs:
            return configs[county].slug, None, ""
        slug = self.slug_for_new_county(county)
        hint, folder = new_county_hint(county, slug), self.raw_folder_slug(Path(table_path).expanduser().resolve().parent)
        if folder is None:
            return slug, None, hint
        owner = self._processed_index()[1].get(folder)
        if self.county_config_file(folder).exists() or folder in self._config_errors or \
                folder in {c.slug for c in configs.values()} or owner not in (None, county):
            other, where = f"「{owner}」" if owner not in (None, county) else "另一县区", self.county_folder(folder)
            return slug, None, (f"文件夹 {where} 已属于{other}（已有 county.toml 或处理后数据），未新建县区配置；" + hint
                                + f" (the folder {where} belongs to another county: no county.toml written)")
        return folder, self.county_config_file(folder), ""

    def region(self, county: str) -> tuple[str, str]:
        """(province, city) as a county's ``county.toml`` states them; ``""`` where it does not (never guessed)."""
        cfg = self.counties().get(county)
        return (cfg.province.strip(), cfg.city.strip()) if cfg is not None else ("", "")

    def configs_for(self, names) -> dict[str, CountyConfig]:
        """``{name: its configuration}`` (:meth:`config`) of the counties ``names``."""
        return {name: self.config(name) for name in names}

    # -------------------------------------------------------------------------------------- school rows
    def county_years(self) -> list[CountyYear]:
        """Every county-year with processed data, by slug and year."""
        if self._county_years is None:
            if not self.processed_dir.is_dir():
                return []
            by_slug = {c.slug: c.name for c in self.counties().values()}
            self._county_years = [CountyYear(by_slug.get(slug) or processed_county(path) or slug, slug, year, path)
                                  for slug, year, path in self.all_processed_files()]
        return list(self._county_years)

    def years(self, county: str) -> list[int]:
        """The years with data of a county (name or slug): loaded in memory, else processed."""
        cfg = self.config(county)
        if self._loaded(cfg.name) is not None:
            return sorted(int(y) for y in self._loaded(cfg.name).frame["year"].unique())
        return [int(p.stem) for p in self.processed_files(cfg.slug)]

    def load_raw(self, files) -> dict[str, str]:
        """Read and validate raw school tables (wherever they are) and keep them in memory, nothing written;
        later calls for these counties use them.  Returns ``{county name: slug}``."""
        paths = [self.input_path(f, "原始数据文件") for f in files]
        table, problems, slugs = read_schools(paths), [], {}
        self.read_warnings = list(table.warnings)
        for county in table.frame["county"].unique():
            try:
                slugs[str(county)] = self._slug_for_rows(county, table)
            except ValidationError as exc:
                problems += exc.problems
        if problems:
            raise ValidationError(problems)
        for county in slugs:
            rows = table.frame["county"] == county
            self._tables[county] = (("loaded", fingerprint(paths)), SchoolTable(
                table.frame[rows].reset_index(drop=True),
                [w for w in table.warnings if w.county in ("", county)], list(table.sources), table.synthetic))
            self._raw_slugs[county] = slugs[county]     # a new county's slug may be its raw folder's name
        return slugs

    def write_processed(self, county: str) -> list[Path]:
        """Write the processed files of a county loaded by :meth:`load_raw`, one per year, atomically."""
        table, slug = self._tables[county][1], self._raw_slugs.get(county) or self.config(county).slug
        written = []
        for year, frame in table.frame.groupby("year", sort=True):
            atomic.sweep(self.processed_folder(slug))
            written.append(write_processed(frame.reset_index(drop=True), self.processed_path(slug, year),
                                           synthetic=table.synthetic))
        self._county_years = self._index = None
        return written

    def ingest(self, files) -> list[Path]:
        """Validate raw school tables and write one processed file per county-year (``junyun ingest``), to the
        data folder; nothing unless every file validates, each file atomically.  Returns the paths."""
        written = []
        for county in self.load_raw(files):
            written += self.write_processed(county)
            del self._tables[county]            # later reads see every processed year, not just these files
        return written

    def _slug_for_rows(self, county: str, table: SchoolTable) -> str:
        """The slug a county's rows are stored under; a broken ``county.toml`` where they came from is an error."""
        if county in self.counties():
            return self.counties()[county].slug
        folders = {Path(str(f)).parent for f in table.frame.loc[table.frame["county"] == county, "source_file"]}
        for folder in folders:
            if folder.name in self._config_errors:
                raise self._config_errors[folder.name]
        return self.slug_for_new_county(county, folders.pop() if len(folders) == 1 else None)

    def table(self, county: str, years=None) -> SchoolTable:
        """The school rows of a county (all years, or ``years``): those :meth:`load_raw` loaded, else its
        processed files — read once, again when they change."""
        cfg = self.config(county)

        def read():
            paths = self.processed_files(cfg.slug)
            if not paths:
                raise no_processed_data(cfg.name)
            return read_processed(paths)
        table = keep(self._tables, cfg.name, self.rows_fingerprint(cfg.name), read)
        if years is None:
            return table
        rows = table.frame["year"].isin([int(y) for y in years])
        return SchoolTable(table.frame[rows].reset_index(drop=True),
                           [w for w in table.warnings if w.year is None or w.year in years], table.sources,
                           table.synthetic)

    # ------------------------------------------------------------------------- county tables and plans
    def county_values(self, county: str) -> dict[int, CountyValues]:
        """Every year's county-level table of a configured county, checked (all files' problems together)."""
        cfg = self.config(county)
        files = self.county_table_files(cfg.slug) if cfg.configured else []
        return keep(self._county_values, cfg.name, fingerprint(p for _, p in files),
                            lambda: read_county_tables(files, cfg.name))

    def _county_file(self, cache: dict, county: str, where, read):
        cfg = self.config(county)
        path = where(cfg.slug)
        return keep(cache, cfg.name, fingerprint([path]), lambda: read(path, county=cfg.name, slug=cfg.slug)
                            if cfg.configured and path.is_file() else None)

    def plan(self, county: str) -> Plan | None:
        """The county's plan (``plan.csv``), or None when it has none."""
        return self._county_file(self._plans, county, self.plan_file, read_plan)

    def projects(self, county: str) -> Projects | None:
        """The county's funded projects (``projects.csv``, :func:`junyun_lib.io.projects.read_projects`), or None."""
        return self._county_file(self._projects, county, self.projects_file, read_projects)

    def enrolment_overrides(self, county: str) -> pd.DataFrame | None:
        """The analyst's enrolment overrides (``enrolment_overrides.csv``), or None."""
        cfg = self.config(county)
        path = self.overrides_file(cfg.slug)
        return read_enrolment_overrides(path, county=cfg.name) if cfg.configured and path.is_file() else None

    def budget_file(self, path) -> dict[int, float]:
        """Yearly budgets (万元) from a CSV, wherever it is (``junyun roadmap --budget-file``)."""
        return read_budget_file(self.input_path(path, "预算文件"))


__all__ = ["DataFolder", "CountyYear", "keep", "no_processed_data"]
