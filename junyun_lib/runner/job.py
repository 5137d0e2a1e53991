"""The main job (主流程, ``junyun run`` / ``make run``): every county under the data folder, one at a time.

For each county folder: read and check everything it has — ``county.toml``, the school tables of every
year, the county-level tables, the plan, the projects and enrolment overrides — and compute its results in
memory; only then write its processed files, its results (JSON and Excel per year), its plan progress and,
for a county whose ``county.toml`` sets a target year (``plan_target_year``), its official roadmap (正式达标路线图,
``<outputs>/plans/<slug>-roadmap.json|xlsx``: what the briefings show; ``junyun roadmap`` writes what-ifs beside
it).  A county with bad input is reported (every problem located) and skipped, with nothing written for it;
the others go on.  Then the briefing batch runs for the counties that succeeded.  The exit status is non-zero
when any county failed.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field

from ..problems import JunyunError, Problem, ValidationError
from ..planning.optimiser import solver_available
from ..report.briefing import Briefing, workbook_sheets
from ..report.jsonview import evaluation_json
from ..report.plan_report import to_json_dict as plan_json
from ..workspace import Workspace
from .batch import check_manifest, run_batch, tasks_for


@dataclass
class CountyOutcome:
    """What the main job did for one county folder."""

    slug: str
    county: str = ""
    written: list = field(default_factory=list)
    error: JunyunError | None = None


#: the solver's time limit (seconds, per solve) of an official roadmap in the main job: the sample counties are
#: solved to their proven optimum well within it, and a large county stops there with its certificate saying
#: how far from the optimum it may be — ``junyun roadmap --time-limit`` gives more
ROADMAP_TIME_LIMIT = 10.0
QUALITY = "quality-2017"       # the roadmap plans for the quality-balance standards (the briefings show it there)


def official_roadmap(ws: Workspace, county: str, standard: str, notes: list) -> dict:
    """The county's official roadmap (正式达标路线图) as ``{path: document}`` (JSON and workbook), or ``{}``.

    Made for a county whose ``county.toml`` sets ``plan_target_year`` not before its latest data year, under
    the quality-balance standards, from the county's own inputs (projects, enrolment overrides, plan), without
    a budget; its input problems are raised (:class:`ValidationError`) like every other input's.  Why a county
    with a target year gets none, and the roadmap's input warnings, are appended to ``notes``."""
    from ..problems import warnings_report
    from ..report.roadmap_report import roadmap_json, roadmap_sheets

    cfg = ws.config(county)
    target, years = cfg.plan_target_year, ws.years(county)
    if target is None or not years:
        return {}
    if standard != QUALITY:
        notes.append(f"{cfg.name}：达标路线图按优质均衡标准制定，本次按其他标准评估，未生成 (the roadmap plans for "
                     f"quality-2017: none made under {standard})")
        return {}
    if int(target) < max(years):
        notes.append(f"{cfg.name}：规划目标年 {int(target)} 年早于最新数据年度 {max(years)} 年，未生成达标路线图 "
                     f"(the plan's target year is before the latest data year: no roadmap)")
        return {}
    rm = ws.roadmap(county, standard=standard, time_limit=ROADMAP_TIME_LIMIT, use_solver=solver_available())
    if rm.warnings:
        notes.append(warnings_report(rm.warnings))
    doc = roadmap_json(rm)
    doc["scenario"] = None                  # the official roadmap: the county's own settings, no what-if
    json_path, excel_path = ws.roadmap_paths(cfg.slug)
    return {json_path: ("json", doc), excel_path: ("xlsx", roadmap_sheets(rm))}


def county_outputs(ws: Workspace, county: str, standard: str, notes: list | None = None, *,
                   workbooks: bool = True) -> dict:
    """``{path: document}`` of a county's results (JSON and the one workbook per year, plan JSON, the official roadmap),
    computed in memory; why a county with a target year gets no roadmap, and the roadmap's input warnings, are
    appended to ``notes``.  ``workbooks=False`` leaves the workbooks to the briefing batch, which writes the same
    file from the briefing it has just made."""
    cfg = ws.config(county)
    out = {}
    for year in ws.years(county):
        result = ws.evaluate(county, year, standard)
        card = ws.scorecard_for(result)
        json_path, excel_path = ws.evaluation_paths(cfg.slug, year)
        ev = ws.evaluation(county, standard)
        single = ev.select(county, year)
        out[json_path] = ("json", evaluation_json(single, {(result.county, year): card}))
        if workbooks:      # the county-year's one workbook (<slug>.xlsx, 评估结果（Excel）), as the batch writes it
            plan = ws.progress(county, as_of=result.year, standard=standard)
            out[excel_path] = ("xlsx", workbook_sheets(Briefing(result=result, plan=plan, card=card)))
    progress = ws.progress(county, standard=standard)
    if progress is not None:
        out[ws.plan_json_path(cfg.slug)] = ("json", plan_json(progress))
    out.update(official_roadmap(ws, county, standard, notes if notes is not None else []))
    return out


def run_counties(ws: Workspace, standard: str, echo=print, *, workbooks: bool = True) -> list[CountyOutcome]:
    """Check, compute and write every county folder's results; one county's bad input never stops another.
    ``workbooks=False``: the briefing batch that follows writes the workbooks (:func:`county_outputs`)."""
    by_folder = defaultdict(list)
    for path in ws.raw_school_files():
        by_folder[path.parent.name].append(path)
    outcomes = []
    for slug, files in sorted(by_folder.items()):
        outcome = CountyOutcome(slug)
        try:
            error = ws.config_error(slug)
            if error is not None:
                raise error
            names = ws.load_raw(files)
            for county in names:
                outcome.county = county
                ws.county_values(county)
                ws.plan(county)
                notes: list = []
                documents = county_outputs(ws, county, standard, notes, workbooks=workbooks)
                for note in notes:
                    echo(note if note.startswith("提示") else f"提示 (note)：{note}", file=sys.stderr)
                outcome.written += ws.write_processed(county)
                for path, (kind, doc) in documents.items():
                    path = ws.managed_path(path)
                    outcome.written.append(ws.write_json(path, doc) if kind == "json" else
                                           ws.write_workbook(path, doc))
        except JunyunError as exc:
            outcome.error = exc
        outcomes.append(outcome)
        label = outcome.county or slug
        if outcome.error is None:
            echo(f"{label}：已校验并写出 {len(outcome.written)} 个文件 (validated; wrote {len(outcome.written)} files)")
        else:
            echo(f"{label}：输入有误，已跳过，本县区未写出任何文件 (bad input; skipped, nothing written for it)\n"
                 f"{outcome.error.report()}", file=sys.stderr)
    return outcomes


def run_main_job(ws: Workspace, standard: str = "quality-2017", workers: int | None = None,
                 briefings: bool = True, echo=print) -> int:
    """``junyun run``: every county's results, then the briefing batch; returns the exit status."""
    if not ws.raw_school_files():
        raise ValidationError([Problem("error", "no_raw_files", f"{ws.raw_dir} 下没有 <县区简称>/schools_<年度>.xlsx 或 .csv",
                                       "no raw school files found (raw/<slug>/schools_<year>.xlsx|csv)",
                                       file=str(ws.raw_dir))])
    ws.claim_outputs()           # refused before anything is written when the outputs folder is not junyun's
    if briefings:
        check_manifest(ws)       # an unreadable manifest stops the job before anything is written (copy kept)
    outcomes = run_counties(ws, standard, echo, workbooks=not briefings)
    failed = [o for o in outcomes if o.error is not None]
    status = 1 if failed else 0
    if briefings:
        good = {o.county for o in outcomes if o.error is None}
        tasks = [t for t in tasks_for(ws, standard=standard) if t.county in good]
        errors: list = []
        rows = run_batch(ws, tasks, workers=workers, errors=errors) if tasks else []
        for e in errors:
            echo(e.report(), file=sys.stderr)
            status = 1
        for r in rows:
            if r["status"] != "ok":
                echo(f"简报失败 (briefing failed): {r['county']} {r['year']}:\n{r['error']}", file=sys.stderr)
                status = 1
        if rows and not errors:
            echo(f"\n简报与总览已生成，请用浏览器打开 (open in a browser): {ws.index_path(max(r['year'] for r in rows))}")
    if failed:
        echo(f"\n{len(failed)} 个县区输入有误、已跳过 ({len(failed)} county folder(s) skipped for bad input): "
             + "、".join(o.county or o.slug for o in failed), file=sys.stderr)
    return status
