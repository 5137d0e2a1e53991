"""The workspace (工作区): the data folder read (:mod:`junyun_lib.io.datafolder`, itself a folder layout,
:mod:`junyun_lib.layout`) with what is computed from it kept.

Evaluations, results and scorecards are kept under value keys — (county, year, standard) — with the fingerprint
of the files they came from (:func:`~junyun_lib.layout.fingerprint`), so a file changed on disk is read again.
Every other method is a short recipe: the domain assembly is pure functions in :mod:`junyun_lib.evaluation`,
:mod:`junyun_lib.planning` and :mod:`junyun_lib.report`.  The command line, the notebooks, the batch and the
explorer go through it.  Every file is written through :mod:`junyun_lib.io.atomic`; junyun writes into an
outputs folder only when it is new, empty or its own (:meth:`Workspace.claim_outputs`,
:mod:`junyun_lib.io.ownership`).  An error in any year a result depends on is raised, never "no data".
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .evaluation.causes import causes_table
from .evaluation.evaluate import CountyResult, Evaluation, evaluate
from .evaluation.scorecard import NO_BASIC_COLUMNS, Scorecard, prerequisite, prerequisite_years
from .evaluation.scorecards import county_scorecard, with_county_scorecards
from .io import atomic
from .io.costs import load_unit_costs
from .io.datafolder import CountyYear, DataFolder, keep, no_processed_data
from .io.ownership import RESULTS_MARKER, claim_outputs_folder, outputs_folder_problem, results_folder_problem
from .io.processed import read_processed, read_table
from .io.workbook import write_workbook
from .layout import checkout_dir, default_data_dir, default_outputs_dir, fingerprint, notebook_folders, notebooks_dir, \
    scenario_slug
from .memory import give_back
from .planning.cheapest import PathPlan
from .planning.optimiser import optimal_path
from .planning.progress import PlanProgress, plan_progress, window_end_before_targets
from .planning.roadmap import Roadmap, build_roadmap, roadmap_input_problems
from .problems import JunyunError, Problem, ValidationError
from .report.jsonvalues import dumps
from .rules.scorecard_form import applies_to, form

if TYPE_CHECKING:   # the briefing brings matplotlib (report.charts): loaded by Workspace.briefing, when one is made
    from .report.briefing import Briefing

QUALITY = "quality-2017"


class Workspace(DataFolder):
    """A data folder and an outputs folder, with every county-year's results computed once (工作区).

    Parameters
    ----------
    data_dir, outputs_dir : path, optional
        The data folder (``raw/`` and ``processed/`` inside; default ``$JUNYUN_DATA`` or ``./data``) and the
        outputs folder (default ``$JUNYUN_OUTPUTS`` or ``./outputs``).
    costs : path, optional
        A unit-cost CSV, wherever it is (default: the package's illustrative costs).

    Examples
    --------
    >>> import tempfile
    >>> ws = Workspace(tempfile.mkdtemp())
    >>> ws.processed_path("jinxian", 2024).relative_to(ws.data_dir).as_posix(), ws.county_years()
    ('processed/jinxian/2024.parquet', [])
    """

    def __init__(self, data_dir=None, outputs_dir=None, *, costs=None):
        super().__init__(data_dir, outputs_dir)
        self.costs = load_unit_costs(self.input_path(costs, "单位成本表")) if costs is not None else None
        # value key → (fingerprint of the files read, value): evaluations by (county, standard, kind), results
        # and scorecards by (county, year, standard)
        self._evaluations, self._results, self._cards = {}, {}, {}
        self._outputs_claimed = False

    def __repr__(self) -> str:
        return f"Workspace(data_dir={str(self.data_dir)!r}, outputs_dir={str(self.outputs_dir)!r})"

    # ------------------------------------------------------------------------- the outputs folder's owner
    def output_folder(self, path, what: str = "结果目录", inputs=()) -> Path:
        """:meth:`Layout.output_folder`, and junyun replaces only the tables it wrote there before
        (:func:`junyun_lib.io.ownership.results_folder_problem`)."""
        resolved = super().output_folder(path, what, inputs, probe=RESULTS_MARKER)
        problem = results_folder_problem(resolved, what=what)
        if problem is not None:
            raise problem
        return resolved

    def outputs_problem(self):
        """Why junyun may not write into its outputs folder, or None: its place (:meth:`outputs_place_problem`),
        and it must be new, empty or junyun's own (:mod:`junyun_lib.io.ownership`)."""
        return self.outputs_place_problem() or outputs_folder_problem(self.outputs_dir)

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

    # ------------------------------------------------------------------------------------- evaluations
    def evaluation(self, county: str | None = None, standard: str = QUALITY) -> Evaluation:
        """Every processed year of ``county`` (or of every county, when None) evaluated together, once."""
        if county is not None:
            name = self.config(county).name
            stamp = self.rows_fingerprint(name)
            stamps = {name: stamp}
        else:
            years = self.county_years()
            if not years:
                raise ValidationError([Problem("error", "no_processed_data", f"{self.processed_dir} 下没有处理后数据："
                                               "请先运行 junyun ingest（或 make run）",
                                               "no processed data; run junyun ingest first")])
            name, stamp, stamps = "", fingerprint(cy.path for cy in years), {}
            for cy, entry in zip(years, stamp):        # each county's part of the fingerprint
                stamps[cy.county] = stamps.get(cy.county, ()) + (entry,)

        def make():
            table = self.table(name) if name else read_processed([cy.path for cy in years])
            ev = evaluate(table, standard, costs=self.costs, counties=self.configs_for(table.frame["county"].unique()))
            for c, y in ev.county_years():     # each county-year's result; the whole country's leaves a county's own
                if name or (c, y, standard) not in self._results:
                    self._results[(c, y, standard)] = (stamps.get(c), ev.county(c, y))
            return ev
        return keep(self._evaluations, (name, standard, "*"), stamp, make)

    def evaluate(self, county: str, year: int, standard: str = QUALITY) -> CountyResult:
        """One county-year's results (from the cache after the first call); a county-year without processed
        data is a located error that says to run ``junyun ingest``."""
        name = self.config(county).name
        key, stamp = (name, int(year), standard), self.rows_fingerprint(name)
        if key not in self._results or self._results[key][0] != stamp:
            ev = self.evaluation(name, standard)
            if (name, int(year)) not in ev.county_years():
                raise no_processed_data(name, year)
            if key not in self._results or self._results[key][0] != stamp:
                self._results[key] = (stamp, ev.county(name, int(year)))
        return self._results[key][1]

    def history(self, county: str, standard: str = QUALITY) -> dict[int, CountyResult]:
        """``{year: CountyResult}`` for every processed year of a county."""
        name = self.config(county).name
        return {y: self.evaluate(c, y, standard) for c, y in self.evaluation(name, standard).county_years() if c == name}

    def evaluate_files(self, files, county: str | None = None, year: int | None = None,
                       standard: str = QUALITY) -> Evaluation:
        """Raw or processed files wherever they are, evaluated together (``junyun evaluate``)."""
        table = read_table([self.input_path(f, "评估文件") for f in files], county=county, year=year)
        self.read_warnings, rows = list(table.warnings), len(table.frame)
        give_back(rows)         # the reader's temporaries: a national file's peak is the evaluation's, not both
        evaluation = evaluate(table, standard, costs=self.costs, counties=self.configs_for(table.frame["county"].unique()))
        give_back(rows)
        return evaluation

    def roadmap(self, county: str, target_year: int | None = None, budget=None, *, standard: str = QUALITY,
                start_year: int | None = None, **options) -> Roadmap:
        """The year-by-year roadmap to pass by the target year (达标路线图, :mod:`junyun_lib.planning.roadmap`) from
        the county's projects, overrides and plan; every input problem raised at once (a file that cannot be read
        with :func:`~junyun_lib.planning.roadmap.roadmap_input_problems`), its warnings in ``read_warnings``."""
        cfg = self.config(county)
        ev = self.evaluation(cfg.name, standard)
        if cfg.name not in {c for c, _ in ev.county_years()}:
            raise no_processed_data(cfg.name)
        problems, inputs = [], {}
        for key, read in (("projects", self.projects), ("overrides", self.enrolment_overrides)):
            try:
                inputs[key] = read(cfg.name)
            except ValidationError as exc:
                problems += exc.problems
        if problems:
            raise ValidationError(problems + [p for p in roadmap_input_problems(
                ev, cfg.name, target_year=target_year, budget=budget, costs=self.costs, start_year=start_year,
                **inputs) if p.severity == "error"])
        rm = build_roadmap(ev, cfg.name, target_year=target_year, budget=budget, plan=self.plan(cfg.name),
                           costs=self.costs, start_year=start_year, **inputs, **options)
        self.read_warnings = list(rm.warnings)
        return rm

    def stored_roadmap(self, county: str) -> dict | None:
        """The county's official roadmap (:meth:`roadmap_paths`, never a what-if's), or None."""
        import json

        try:
            return json.loads(self.roadmap_paths(self.config(county).slug)[0].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def progress(self, county: str, as_of: int | None = None, standard: str = QUALITY) -> PlanProgress | None:
        """Progress against the county's plan (规划进度), or None when it has no plan; items aimed past the
        transitional window are projected under the full standards."""
        plan, cfg = self.plan(county), self.config(county)
        if plan is None:
            return None
        results = self.history(cfg.name, standard) if self.years(cfg.name) else {}
        last, full = window_end_before_targets(plan, results), {}
        if last is not None:
            ev = keep(self._evaluations, (cfg.name, standard, "full"), self.rows_fingerprint(cfg.name), lambda: evaluate(
                self.table(cfg.name), standard, costs=self.costs, counties=self.configs_for([cfg.name]),
                transitional=False))
            full = {y: ev.county(c, y) for c, y in ev.county_years()}
        return plan_progress(plan, results, self.county_values(cfg.name), as_of=as_of, full_results_by_year=full,
                             transitional_last_year=last)

    # --------------------------------------------------------------------------------------- scorecard
    def scorecard(self, county: str, year: int) -> Scorecard | None:
        """The full evaluation form of a county-year (quality balance)."""
        return self.scorecard_for(self.evaluate(county, year, QUALITY))

    def scorecard_for(self, result: CountyResult) -> Scorecard | None:
        """The scorecard of an evaluated county-year (:func:`junyun_lib.evaluation.scorecards.county_scorecard`);
        None under a standard the form does not apply to.  Kept under (county, year, standard) and the
        fingerprints of the school rows and county tables when ``result`` is the workspace's own result there."""
        if not applies_to(result.standard.code):
            return None
        key = (result.county, int(result.year), result.standard.code)
        hit = self._results.get(key)
        if hit is None or hit[1] is not result:         # evaluated elsewhere (junyun evaluate's files): not kept
            return self._card(result)
        stamp = (hit[0], fingerprint(p for _, p in self.county_table_files(result.config.slug))
                 if result.config.configured else ())
        return keep(self._cards, key, stamp, lambda: self._card(result))

    def _card(self, result: CountyResult) -> Scorecard | None:
        if not result.config.configured:
            return county_scorecard(result)
        return county_scorecard(result, self.county_values(result.county).get(result.year),
                                self.prerequisite(result.county, result.year))

    def prerequisite(self, county: str, year: int) -> dict:
        """申报条件 for ``year`` (:func:`junyun_lib.evaluation.scorecard.prerequisite`) from the basic-balance
        results of the years before: no data for a year without processed data or without basic-2012's optional
        columns (with that reason); any other problem raised."""
        name = self.config(county).name
        wanted, results, reasons = [y for y in prerequisite_years(year) if y in self.years(name)], {}, {}
        if wanted:
            try:
                history = self.history(name, form()["prerequisite"]["standard"])
                results = {y: history[y] for y in wanted}
            except ValidationError as exc:
                if not all(p.code == "standard_needs_column" for p in exc.problems):
                    raise
                reasons = dict.fromkeys(wanted, NO_BASIC_COLUMNS)
        return prerequisite(results, int(year), reasons)

    # ------------------------------------------------------------------------------ causes and planning
    def causes(self, county: str, year: int, standard: str = QUALITY) -> pd.DataFrame:
        """Cause measures of every stage and indicator (差距成因), one row each."""
        return causes_table(self.evaluate(county, year, standard))

    def cheapest_path(self, county: str, year: int, standard: str = QUALITY, *, solver: bool = True,
                      **options) -> PathPlan:
        """The least-cost additions that pass (最低成本达标方案), verified by re-evaluation: SCIP's plan with its
        certificate (:func:`junyun_lib.planning.optimiser.optimal_path`), or with ``solver=False`` the heuristic
        alone, its certificate saying so (``options`` are ``optimal_path``'s either way)."""
        result = self.evaluate(county, year, standard)
        return optimal_path(self.evaluation(result.county, standard), result.county, result.year, costs=self.costs,
                            use_solver=solver, **options)

    def briefing(self, county: str, year: int, standard: str = QUALITY) -> Briefing:
        """Everything a county briefing shows for a county-year (:func:`junyun_lib.report.briefing.assemble_briefing`)."""
        from .report.briefing import assemble_briefing

        result = self.evaluate(county, year, standard)
        return assemble_briefing(
            result, self.history(result.county, standard), self.evaluation(result.county, standard),
            plan=self.progress(result.county, as_of=result.year, standard=standard), card=self.scorecard_for(result),
            roadmap=self.stored_roadmap(result.county) if standard == QUALITY else None, costs=self.costs)

    def results_tables(self, evaluation: Evaluation) -> dict[str, pd.DataFrame]:
        """The tidy tables of ``evaluation`` (:func:`junyun_lib.report.results.results_tables`), a configured
        county's scorecard rows its exact per-county scorecard (:func:`~.evaluation.scorecards.with_county_scorecards`)."""
        from .report.results import results_tables

        tables = results_tables(evaluation)
        give_back(len(evaluation.parts))
        if "scorecard_items" in tables:
            tables["scorecard_items"], tables["scorecard"] = self._own_scorecards(evaluation)(
                tables["scorecard_items"], tables["scorecard"])
        return tables

    def _own_scorecards(self, evaluation: Evaluation):
        """``(items, overall) -> (items, overall)`` with each configured county's exact per-county scorecard."""
        def put(items: pd.DataFrame, overall: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
            cards = [(c, y, self._card(evaluation.county(c, y))) for c, y in evaluation.county_years()
                     if c in evaluation.counties and evaluation.counties[c].configured]
            return with_county_scorecards(items, overall, cards)
        return put

    def results_written(self, folder, evaluation: Evaluation) -> tuple[dict[str, pd.DataFrame], list[Path]]:
        """:meth:`results_tables` written to ``folder`` as :meth:`write_results` writes them, each table as soon as
        it is built (:func:`junyun_lib.report.results.results_written`): ``(tables, paths)``."""
        from .report.results import results_written

        target = self.output_folder(folder, "结果目录")
        tables, paths = results_written(evaluation, target, scorecards=self._own_scorecards(evaluation))
        give_back(len(evaluation.parts))
        return tables, paths

    # ------------------------------------------------------------------------------------------ writing
    def write_text(self, path, text: str) -> Path:
        """Write text (UTF-8) atomically to ``path`` (checked by :meth:`output_path`)."""
        return atomic.write_text(self.output_path(path), text)

    def write_json(self, path, doc) -> Path:
        """Write a JSON document (valid JSON: no NaN or infinity) atomically to ``path``."""
        return atomic.write_text(self.output_path(path), dumps(doc))

    def write_json_chunks(self, path, chunks) -> Path:
        """Write a JSON document given as pieces of text (:func:`junyun_lib.report.jsonview.evaluation_json_chunks`)
        piece by piece into a temporary file, renamed into place when the last is written."""
        target = self.output_path(path)
        with atomic.atomic_path(target) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(chunks)
        return target

    def write_results(self, folder, evaluation: Evaluation, tables: dict | None = None) -> list[Path]:
        """The tidy Parquet tables of ``evaluation`` (``tables`` when :meth:`results_tables` built them) written to
        ``folder`` (:meth:`output_folder`; junyun replaces only the tables it wrote there before)."""
        from .report.results import write_results

        if tables is None:
            return self.results_written(folder, evaluation)[1]
        target = self.output_folder(folder, "结果目录")
        return write_results(tables, target, standard=evaluation.standard_code, synthetic=evaluation.synthetic)

    def write_workbook(self, path, sheets: dict[str, pd.DataFrame]) -> Path:
        """Write ``{sheet: table}`` to an .xlsx file at ``path``, atomically."""
        return write_workbook(self.output_path(path), sheets)

    def write_large_workbook(self, path, sheets: dict[str, pd.DataFrame]) -> Path:
        """Write ``{sheet: table}`` of any size to an .xlsx file, atomically, streamed (:mod:`junyun_lib.io.bigbook`)."""
        from .io.bigbook import write_big_workbook

        return write_big_workbook(self.output_path(path), sheets)

    def write_roadmap_scenario(self, county: str, scenario: str, doc: dict, sheets: dict | None = None) -> list[Path]:
        """Write a what-if roadmap (分析情景) beside the county's official one (:meth:`scenario_roadmap_paths`): its
        JSON ``doc`` (``"scenario"`` set) and, with ``sheets``, its workbook; never the official roadmap."""
        json_path, excel_path = self.scenario_roadmap_paths(self.config(county).slug, scenario)
        written = [self.write_json(self.managed_path(json_path), {**doc, "scenario": scenario})]
        if sheets is not None:
            written.append(self.write_workbook(self.managed_path(excel_path), sheets))
        return written


__all__ = ["Workspace", "DataFolder", "CountyYear", "scenario_slug", "default_data_dir", "default_outputs_dir", "checkout_dir",
           "notebook_folders", "notebooks_dir", "JunyunError"]
