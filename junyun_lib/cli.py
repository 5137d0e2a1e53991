"""Command line (命令行): ``junyun template | county-template | ingest | import | supplement-template | evaluate |
plan | cheapest | roadmap | run | batch | sample``.

Every command works in a :class:`~junyun_lib.workspace.Workspace` (``--data-dir``, default ``$JUNYUN_DATA``
or ``./data``; outputs folder ``--out``, default ``$JUNYUN_OUTPUTS`` or ``./outputs``), the folders junyun
manages.  A file named on the command line is read from wherever it is and an output is written where it is
named, relative to the current folder — never onto an input, into the data folder's ``raw/`` (the template
and import commands excepted, which make new raw files there) or ``processed/``, or over a folder.  junyun
writes into a results or outputs folder only when it is new, empty or its own, and there replaces only files
it wrote (:mod:`junyun_lib.io.ownership`).

Exit status: 0 success; 2 bad input or a refused path (every problem listed, located; nothing written);
1 a county or briefing that failed, an output that could not be written, or an internal error (one line on
the screen, the traceback in ``<outputs>/logs/``); 130 interrupted (Ctrl-C).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

from .problems import JunyunError, OutputError, PathRefused, Problem
from .rules.standards import standard_codes
from .version import __version__

# Each command imports what it needs when it runs: ``junyun ingest`` need not load papermill and nbconvert.


def _workspace(args, costs: bool = False):
    from .workspace import Workspace

    outputs = getattr(args, "outputs_dir", None) or getattr(args, "out_dir", None)
    return Workspace(args.data_dir, outputs, costs=getattr(args, "costs", None) if costs else None)


def _refuse_existing(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise PathRefused([Problem("error", "exists", "文件已存在，未覆盖（加 --force 覆盖）",
                                   "file exists, not overwritten (use --force)", file=str(path))])


def _cmd_template(args) -> int:
    from .io.template import write_template

    ws = _workspace(args)
    path = ws.output_path(args.path, "模板文件", into_raw=True)
    _refuse_existing(path, args.force)
    if path.suffix.lower() != ".xlsx":
        raise PathRefused([Problem("error", "not_xlsx", "模板文件须为 .xlsx", "the template must be an .xlsx file",
                                   file=str(args.path))])
    print(f"已写出模板 (template written): {write_template(path, overwrite=True)}")
    return 0


def _cmd_county_template(args) -> int:
    from .io.county_table import write_county_template

    ws = _workspace(args)
    path = ws.output_path(args.path, "县级指标表模板", into_raw=True)
    _refuse_existing(path, args.force)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise PathRefused([Problem("error", "not_csv", "县级指标表须为 .csv 或 .xlsx", "must be .csv or .xlsx",
                                   file=str(args.path))])
    print(f"已写出县级指标表模板 (county-level template written): {write_county_template(path, args.year)}")
    return 0


def _show_warnings(ws) -> None:
    from .problems import warnings_report

    report = warnings_report(getattr(ws, "read_warnings", []))
    if report:
        print(report, file=sys.stderr)


def _cmd_ingest(args) -> int:
    ws = _workspace(args)
    written = ws.ingest(args.files)
    _show_warnings(ws)
    for path in written:
        print(f"已写出 (written): {path}")
    return 0


def _cmd_evaluate(args) -> int:
    """Evaluate files: one county's full summary, or — more than one county in the evaluation — the totals and
    one line per county-year that does not pass (:mod:`junyun_lib.report.national`); JSON streamed county-year
    by county-year; the Excel workbook of many counties is the tidy tables, one sheet each."""
    ws = _workspace(args, costs=True)
    inputs = [ws.input_path(f, "评估文件") for f in args.files]
    # every output is checked before anything is computed
    folder = ws.output_folder(args.results, "结果目录", inputs) if args.results else None
    targets = {kind: ws.output_path(path, "结果文件", inputs + ([folder] if folder else []))
               for kind, path in (("json", args.json), ("excel", args.excel)) if path}
    evaluation = ws.evaluate_files(inputs, county=args.county, year=args.year, standard=args.standard)
    _show_warnings(ws)
    many = len(evaluation.counties) > 1
    if many:
        # a national file: per-county objects and texts (40 ms each) would take minutes and print 150,000
        # lines; the summary comes from the tidy tables in one pass
        from .report.national import national_text

        print(national_text(evaluation, {c: ws.region(c) for c in evaluation.counties},
                            " ".join(_quoted(f) for f in args.files)))
    else:
        from .report.text import summary_text

        results = evaluation.results()
        for result in results:
            print(summary_text(result))
            print()
        scorecards = {(r.county, r.year): ws.scorecard_for(r) for r in results} if targets else {}
    # the tidy tables: built once for Excel, Parquet and the scorecards of a many-county JSON (with --results
    # each is written as soon as it is built)
    written_results = ws.results_written(folder, evaluation) if args.results else None
    tables = written_results[0] if written_results else \
        ws.results_tables(evaluation) if many and targets else None
    if "json" in targets:
        from .report.jsonview import evaluation_json_chunks

        if many:
            scorecards = _table_scorecards(ws, evaluation, tables)
        # one line per county-year for many: the same document, encoded ten times faster
        chunks = evaluation_json_chunks(evaluation, scorecards, lines=many)
        print(f"已写出 (written): {ws.write_json_chunks(targets['json'], chunks)}")
    if "excel" in targets:
        if many:
            from .report.excel import tidy_sheets

            written = ws.write_large_workbook(targets["excel"], tidy_sheets(tables, evaluation))
        else:
            from .report.excel import evaluation_sheets

            written = ws.write_workbook(targets["excel"], evaluation_sheets(evaluation, scorecards))
        print(f"已写出 (written): {written}")
    if written_results:
        written = written_results[1]
        print(f"已写出分析用结果表 (tidy results written): {written[0].parent}（{len(written)} 个 Parquet 表）")
    return 0


def _table_scorecards(ws, evaluation, tables):
    """``(county, year) -> scorecard`` for a many-county JSON: a county without a configuration gets its
    scorecard's JSON object from the tidy tables (:func:`junyun_lib.report.scorecard_view.table_scorecards`), a
    configured county its per-county scorecard (its county-level table, vetoes and prerequisite), built as its
    county-year is written."""
    from .evaluation.scorecard import prerequisite
    from .report.scorecard_view import table_scorecards, to_json_dict
    from .rules.scorecard_form import applies_to

    if not applies_to(evaluation.standard_code) or "scorecard_items" not in tables:
        return lambda county, year: None            # basic-2012: no scorecard, its note says why
    configured = {c for c, cfg in evaluation.counties.items() if cfg.configured}
    plain = next(((c, y) for c, y in evaluation.county_years() if c not in configured), None)
    if plain is None:
        return lambda county, year: ws.scorecard_for(evaluation.county(county, year))
    # the vetoes of a county without a configuration (no data) are the same for all: taken from one
    template = to_json_dict(ws.scorecard_for(evaluation.county(*plain)))
    from_tables = table_scorecards(tables["scorecard_items"], tables["scorecard"], template,
                                   lambda year: prerequisite({}, year))

    def scorecards(county, year):
        if county in configured:
            return ws.scorecard_for(evaluation.county(county, year))
        return from_tables(county, year)
    return scorecards


def _quoted(text: str) -> str:
    """A file name as the command line would need it typed again (quoted when it holds a space)."""
    import shlex

    return shlex.quote(str(text))


def _cmd_plan(args) -> int:
    """Progress of one county against its plan: a Chinese summary, and JSON with --json."""
    from .report.plan_report import summary_text as plan_summary
    from .report.plan_report import to_json_dict as plan_json

    ws = _workspace(args)
    target = ws.output_path(args.json, "结果文件") if args.json else None
    cfg = ws.config(args.county)
    progress = ws.progress(cfg.name, as_of=args.year, standard=args.standard)
    if progress is None:
        raise PathRefused([Problem("error", "no_plan", f"{cfg.name} 没有推进计划文件 plan.csv",
                                   f"no plan.csv for {cfg.name}", county=cfg.name)])
    if not ws.years(cfg.name):
        print(f"提示：{cfg.name} 尚无处理后的学校数据，学校层面的项目显示为无数据；请先运行 junyun ingest "
              f"(no processed school data yet: school-level items show no data)", file=sys.stderr)
    print(plan_summary(progress, args.year))
    if target is not None:
        print(f"已写出 (written): {ws.write_json(target, plan_json(progress))}")
    return 0


def _cmd_cheapest(args) -> int:
    """The one-year least-cost plan with its optimality certificate."""
    from .report.roadmap_report import cheapest_json, cheapest_text

    ws = _workspace(args, costs=True)
    target = ws.output_path(args.json, "结果文件") if args.json else None
    cfg = ws.config(args.county)
    year = args.year if args.year is not None else (ws.years(cfg.name) or [None])[-1]
    if year is None:
        raise PathRefused([Problem("error", "no_processed_data", f"没有{cfg.name}的处理后数据：请先运行 junyun ingest",
                                   f"no processed data for {cfg.name}; run junyun ingest first", county=cfg.name)])
    plan = ws.cheapest_path(cfg.name, year, args.standard, solver=not args.no_solver, time_limit=args.time_limit)
    print(cheapest_text(plan))
    if target is not None:
        print(f"已写出 (written): {ws.write_json(target, cheapest_json(plan))}")
    return 0


def _scenario_name(args) -> str:
    """The what-if's name: ``--scenario``, else the options that make it one (``target2027-budget1500``), else
    ``what-if``."""
    if args.scenario is not None:
        return args.scenario
    parts = [f"target{args.target_year}" if args.target_year is not None else "",
             f"budget{args.budget:g}" if args.budget is not None else "",
             f"budgetfile-{Path(args.budget_file).stem}" if args.budget_file else "",
             "no-moves" if args.no_moves else "", "no-solver" if args.no_solver else ""]
    return "-".join(p for p in parts if p) or "what-if"


def _cmd_roadmap(args) -> int:
    """The year-by-year roadmap to pass by the target year: a what-if (分析情景) written beside the county's
    official roadmap, which it replaces only with ``--save``."""
    from .report.roadmap_report import roadmap_json, roadmap_sheets, summary_zh

    ws = _workspace(args, costs=True)
    targets = {kind: ws.output_path(path, "结果文件") for kind, path in (("json", args.json), ("excel", args.excel))
               if path}
    if "excel" in targets and targets["excel"].suffix.lower() != ".xlsx":
        raise PathRefused([Problem("error", "not_xlsx", "路线图工作簿须为 .xlsx", "the workbook must be an .xlsx file",
                                   file=str(args.excel))])
    budget = ws.budget_file(args.budget_file) if args.budget_file else args.budget
    cfg = ws.config(args.county)
    scenario = _scenario_name(args)
    ws.scenario_roadmap_paths(cfg.slug, scenario)                 # a name no file can be made of: refused now
    rm = ws.roadmap(cfg.name, args.target_year, budget, standard=args.standard, time_limit=args.time_limit,
                    use_solver=not args.no_solver, moves=not args.no_moves)
    from .problems import warnings_report

    report = warnings_report(rm.warnings)          # e.g. a new school's id not yet in the data
    if report:
        print(report, file=sys.stderr)
    print(summary_zh(rm))
    if rm.synthetic:
        from .synthetic import SYNTHETIC_LABEL
        print(f"（{SYNTHETIC_LABEL}）")
    doc = roadmap_json(rm)
    doc["scenario"] = scenario
    # a what-if never changes what the briefings show: it goes beside the official roadmap, which only --save
    # replaces (the official one is otherwise made by junyun run, from the county's own settings)
    written = set(ws.write_roadmap_scenario(cfg.name, scenario, doc))
    print(f"已写出分析情景「{scenario}」(what-if written): {next(iter(written))}")
    if args.save:
        official = ws.roadmap_paths(cfg.slug)
        written.add(ws.write_json(ws.managed_path(official[0]), doc))
        ws.write_workbook(ws.managed_path(official[1]), roadmap_sheets(rm))
        print(f"已保存为正式路线图，简报将显示此路线图 (saved as the official roadmap; briefings show it): {official[0]}")
    else:
        print("正式路线图未改变；加 --save 才替换简报所用的正式路线图 (the official roadmap is unchanged; --save "
              "replaces it)")
    if "json" in targets and targets["json"] not in written:
        print(f"已写出 (written): {ws.write_json(targets['json'], doc)}")
    if "excel" in targets:
        print(f"已写出 (written): {ws.write_workbook(targets['excel'], roadmap_sheets(rm))}")
    return 0            # a roadmap that cannot pass within the budget is a result, said in its text


def _nonnegative(text: str) -> float:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        value = -1.0
    if not (value >= 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"应为非负数 (must be a non-negative number): {text}")
    return value


def _exports(ws, names) -> list:
    """The exports named: files, or folders of workbooks (each school's own workbook, a sheet per form, or the
    stage files; junyun_lib.io.school_forms, decision 145) — a folder is read, never written into."""
    return [Path(p).expanduser().resolve() if Path(p).expanduser().is_dir() else ws.input_path(p, "导出表")
            for p in names]


def _cmd_import(args) -> int:
    """Statistics exports → canonical school table + import report; nothing written on error."""
    from .io.county_config import write_new_county_config
    from .io.importer import import_exports, read_campus_map, write_canonical, write_report
    from .io.supplement import note_missing_supplement
    from .problems import ValidationError

    ws = _workspace(args)
    exports = _exports(ws, args.exports)
    campus = ws.input_path(args.campus_map, "校区对应表") if args.campus_map else None
    supplement = ws.input_path(args.supplement, "补充表") if args.supplement else None
    mapping = args.mapping
    if str(mapping).endswith(".toml"):
        mapping = ws.input_path(mapping, "映射文件")
    inputs = exports + [p for p in (campus, supplement) if p] + ([mapping] if isinstance(mapping, Path) else [])
    out = ws.output_path(args.out, "标准学校数据表", inputs, into_raw=True)
    report = ws.output_path(Path(args.report) if args.report else out.with_name(f"{out.stem}-导入报告.xlsx"),
                            "导入报告", inputs + [out], into_raw=True)
    for path in (out, report):
        _refuse_existing(path, args.force)
    if campus and not args.merge_campuses:
        raise PathRefused([Problem("error", "campus_map_without_merge", "校区对应表只在合并校区时使用：请同时加 "
                                   "--merge-campuses（默认每个独立校区单独计，有关指标说明（一））",
                                   "--campus-map is used only with --merge-campuses", file=str(campus))])
    result = import_exports(exports, args.year, args.county, mapping, read_campus_map(campus) if campus else None,
                            merge_campuses=args.merge_campuses, supplement=supplement)
    # without a supplementary table the import goes on: music and art rooms are no data (never 0), and the
    # report and the screen say which item lacks data and how to supply it
    rooms = note_missing_supplement(result, args.county, args.year)
    # a county new to junyun: its slug is its raw folder's name or the pinyin of its name, and in
    # <data>/raw/<slug>/ it gets a minimal county.toml (never overwritten)
    slug, county_file, why = ws.new_county_file(out, args.county)
    print(f"已写出标准学校数据表 (canonical table written): {write_canonical(result, out)}（{len(result.table)} 所学校）")
    made = ""
    if county_file is not None:
        try:
            if write_new_county_config(county_file, args.county, slug, args.year):
                made = str(county_file)
                print(f"已新建县区配置 (county configuration written): {county_file}（县区简称 slug = {slug}；"
                      "可补充省份、地市、推进计划 (add province, city, plan)）")
        except (ValidationError, OutputError) as exc:   # a name county.toml cannot hold, a folder not writable:
            # said, and the import stands (the table is written; the configuration is the analyst's to add)
            print(f"未新建县区配置 (no county configuration written):\n{exc.report()}", file=sys.stderr)
    elif why:
        print(f"提示 (note)：{why}", file=sys.stderr)
    at = next((i for i, (key, _) in enumerate(result.about) if key == "警告"), len(result.about))
    result.about[at:at] = [("县区简称", slug)] + ([("县区配置", f"已新建（最简）：{made}")] if made else [])
    print(f"已写出导入报告 (import report written): {write_report(result, report)}：合并 {len(result.merges)} 处，"
          f"删除 {len(result.dropped)} 行，警告 {len(result.warnings)} 条")
    if rooms is not None:
        print(f"注意 (note)：{rooms.message_zh}\n({rooms.message_en})", file=sys.stderr)
    return 0


def _cmd_supplement_template(args) -> int:
    """The supplementary table for what the statistics forms lack (music and art rooms), optionally pre-filled
    with the schools of the exports."""
    from .io.importer import school_list
    from .io.supplement import write_supplement_template

    ws = _workspace(args)
    exports = _exports(ws, args.exports or [])
    mapping = args.mapping
    if str(mapping).endswith(".toml"):
        mapping = ws.input_path(mapping, "映射文件")
    path = ws.output_path(args.path, "补充表", exports, into_raw=True)
    _refuse_existing(path, args.force)
    if path.suffix.lower() != ".xlsx":
        raise PathRefused([Problem("error", "not_xlsx", "补充表模板须为 .xlsx", "the supplementary table must be .xlsx",
                                   file=str(args.path))])
    schools = school_list(exports, mapping) if exports else None
    written = write_supplement_template(path, schools)
    count = f"，已列出 {len(schools)} 所学校" if schools is not None else ""
    print(f"已写出补充表模板 (supplementary table written): {written}{count}")
    return 0


def _cmd_run(args) -> int:
    """The main job on everything under <data>/raw: check, evaluate, write results and briefings."""
    from .runner.job import run_main_job

    return run_main_job(_workspace(args, costs=True), args.standard, workers=args.workers,
                        briefings=not args.no_briefings)


def _cmd_batch(args) -> int:
    """Briefing packs for every county-year: executed notebooks, HTML pages, index, manifest."""
    from .runner.batch import run_batch, tasks_for

    ws = _workspace(args)
    years = set(args.years) if args.years else None
    counties = None if args.all or not args.counties else set(args.counties)
    tasks = tasks_for(ws, counties=counties, years=years, standard=args.standard, copies=not args.pages_only)
    if not tasks:
        print("没有可运行的县区年度：请先运行 junyun ingest (nothing to run; ingest first)", file=sys.stderr)
        return 1
    errors: list = []
    rows = run_batch(ws, tasks, workers=args.workers, scheduler=args.scheduler, errors=errors)
    written = {e.path for e in errors}
    for year in sorted({r["year"] for r in rows}):
        if str(ws.index_path(year)) not in written:
            print(f"总览 (index): {ws.index_path(year)}")
    if str(ws.manifest_path) not in written:
        print(f"运行记录 (manifest): {ws.manifest_path}")
    failed = [r for r in rows if r["status"] != "ok"]
    for r in failed:
        print(f"失败 (failed): {r['county']} {r['year']}:\n{r['error']}", file=sys.stderr)
    for e in errors:
        print(e.report(), file=sys.stderr)
    return 1 if failed or errors else 0


def _cmd_sample(args) -> int:
    from .io.sample import SAMPLE_COUNTIES, SAMPLE_YEARS, is_sample_file, write_county_sample, write_school_sample
    from .workspace import Workspace

    ws = Workspace.for_raw_folder(args.out) if args.out is not None and args.data_dir is None else \
        Workspace(args.data_dir, args.out_dir)
    if args.out is not None and Path(args.out).expanduser().resolve() != ws.raw_dir:
        raise PathRefused([Problem("error", "not_raw", f"--out 应为数据目录下的原始数据文件夹 {ws.raw_dir}",
                                   f"--out must be the data folder's raw folder {ws.raw_dir}", file=str(args.out))])
    targets = [(slug, year) for slug in SAMPLE_COUNTIES for year in SAMPLE_YEARS]
    # a sample county's folder may hold an analyst's real file by now: only junyun's own samples are replaced
    foreign = [p for slug, year in targets for p in (ws.school_file(slug, year), ws.county_table_file(slug, year))
               if p.exists() and not is_sample_file(p)]
    if foreign:
        raise PathRefused([Problem("error", "not_a_sample", "这个文件不是 junyun 生成的合成示例数据，不会被覆盖；"
                                   "请先移走它，或用 --data-dir 另指定数据目录",
                                   "not a synthetic sample junyun wrote: never overwritten; move it away or name "
                                   "another data folder with --data-dir", file=str(p)) for p in foreign])
    for slug, year in targets:
        for path in (write_school_sample(slug, year, ws.school_file(slug, year)),
                     write_county_sample(slug, year, ws.county_table_file(slug, year))):
            print(f"已写出合成示例数据 (synthetic sample written): {path}")
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数 (must be a positive whole number): {text}")
    return value


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's help in Chinese with English glosses: "用法 (usage)：", the description and the example
    (``epilog``) kept as written, line by line."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "用法 (usage)：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with its help and complaints said in Chinese first (exit status 2, no traceback): the section
    titles and the ``-h/--help`` option in Chinese with English glosses."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数 (arguments)"
        self._optionals.title = "选项 (options)"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="显示本帮助并退出 (show this help and exit)")

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：命令参数有误，请用 --help 查看用法 (bad arguments: {message})\n")


def _example(*lines: str) -> str:
    """A command's help ends with how it is typed (示例)."""
    return "示例 (example)：\n" + "\n".join(f"  {line}" for line in lines)


_STANDARD_HELP = ("评估标准：quality-2017 为优质均衡（教督〔2017〕6号，默认），basic-2012 为基本均衡（教督〔2012〕3号） "
                  "(assessment standard; default quality-2017)")
_DATA_DIR_HELP = "数据目录，默认 ./data 或 $JUNYUN_DATA (data folder)"
_OUTPUTS_HELP = "输出目录，默认 ./outputs 或 $JUNYUN_OUTPUTS (outputs folder)"


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="junyun", description="均衡 junyun：县域义务教育优质均衡发展督导评估工作台 "
                "(county education-balance supervision workbench)",
                epilog=_example("junyun sample            # 生成合成示例数据 (write the synthetic sample)",
                                "junyun run               # 校验、评估并生成简报 (check, evaluate, brief)",
                                "junyun evaluate --help   # 查看某个命令的用法 (help on one command)"))
    p.add_argument("--version", action="version", version=f"junyun {__version__}",
                   help="显示版本号并退出 (show the version and exit)")
    sub = p.add_subparsers(title="命令 (commands)", dest="command", required=True, parser_class=_Parser,
                           metavar="<命令 command>", help="下列命令之一，命令后加 --help 查看其用法 (one of these)")

    def command(name: str, help: str, *example: str):
        return sub.add_parser(name, help=help, description=help, epilog=_example(*example))

    def folders(q, out: bool = True):
        q.add_argument("--data-dir", default=None, help=_DATA_DIR_HELP)
        if out:
            q.add_argument("--out", dest="out_dir", default=None, help=_OUTPUTS_HELP)

    def standard(q):
        q.add_argument("--standard", default="quality-2017", choices=standard_codes(), help=_STANDARD_HELP)

    def evaluation_options(q):
        standard(q)
        q.add_argument("--costs", default=None, help="单位成本表 CSV（任意位置），默认为内置示例成本 (unit costs CSV)")

    t = command("template", "写出空白学校数据模板 (write an empty school-table template)",
                "junyun template data/raw/jinxian/schools_2025.xlsx   # 进贤县 2025 年的空白模板 (blank template)")
    t.add_argument("path", help="模板 .xlsx，写到此文件，如 data/raw/<县区简称>/schools_<年度>.xlsx (template to this file)")
    t.add_argument("--force", action="store_true", help="覆盖已有文件 (overwrite)")
    folders(t)
    t.set_defaults(func=_cmd_template)

    i = command("ingest", "校验原始数据并写出处理后数据 (validate raw files, write parquet)",
                "junyun ingest data/raw/jinxian/schools_2024.xlsx   # 校验并写出处理后数据 (check and store)")
    i.add_argument("files", nargs="+", help="原始数据文件 .xlsx / .csv，一个或多个（任意位置） (raw files, anywhere)")
    folders(i)
    i.set_defaults(func=_cmd_ingest)

    e = command("evaluate", "资源配置评估 (evaluate resource allocation)",
                "junyun evaluate data/raw/jinxian/schools_2024.xlsx --excel 结果.xlsx")
    e.add_argument("files", nargs="+", help=".xlsx / .csv 原始文件或 .parquet 处理后文件（任意位置） (raw or processed files, anywhere)")
    e.add_argument("--county", default=None,
                   help="只评估这个县区（县区名称），文件含多个县区时使用 (only this county)")
    e.add_argument("--year", type=int, default=None,
                   help="只评估这个年度，如 2024，文件含多个年度时使用 (only this year)")
    e.add_argument("--json", default=None, help="写出 JSON 结果到此文件 (machine-readable results to this file)")
    e.add_argument("--excel", default=None, help="写出 Excel 结果工作簿到此文件 (workbook for county offices)")
    e.add_argument("--results", default=None, help="写出分析用 Parquet 结果表到此文件夹：新建、空的或 junyun 写过的文件夹 (tidy tables into this folder)")
    evaluation_options(e)
    folders(e)
    e.set_defaults(func=_cmd_evaluate)

    ct = command("county-template", "写出空白县级指标表 (write an empty county-level indicator table)",
                 "junyun county-template data/raw/jinxian/county_indicators_2025.csv --year 2025   # 进贤县 2025 年 (blank table)")
    ct.add_argument("path", help="县级指标表 .csv 或 .xlsx，写到此文件，如 data/raw/<县区简称>/county_indicators_<年度>.csv "
                    "(table to this file)")
    ct.add_argument("--year", type=int, default=None, help="统计年度，如 2025，须与文件名中的年度一致 (the statistics year; as in the file name)")
    ct.add_argument("--force", action="store_true", help="覆盖已有文件 (overwrite)")
    folders(ct)
    ct.set_defaults(func=_cmd_county_template)

    pl = command("plan", "对照县域推进计划的年度进度 (progress against the county plan)", "junyun plan 进贤县 --year 2024")
    pl.add_argument("county", help="县区名称或简称 (name or slug)")
    pl.add_argument("--year", type=int, default=None, help="截至年度，默认最新有数据的年度 (as of; default latest)")
    pl.add_argument("--json", default=None, help="写出 JSON 到此文件：各项目各年度的目标、实际、差距、状态与预测 (JSON to this file)")
    standard(pl)
    folders(pl)
    pl.set_defaults(func=_cmd_plan)

    ch = command("cheapest", "一年的最低成本达标方案及最优性证明 (one-year least-cost plan with a certificate)",
                 "junyun cheapest 进贤县 --year 2024")
    ch.add_argument("county", help="县区名称或简称 (name or slug)")
    ch.add_argument("--year", type=int, default=None, help="数据年度，默认最新 (data year; default the latest)")
    ch.add_argument("--json", default=None, help="写出 JSON 到此文件（相对路径相对于当前文件夹） (JSON to this file)")
    ch.add_argument("--time-limit", type=_nonnegative, default=20.0, help="求解时限（秒），默认 20 (solver time limit)")
    ch.add_argument("--no-solver", action="store_true", help="只用启发式方法，不用 SCIP (heuristic only)")
    evaluation_options(ch)
    folders(ch)
    ch.set_defaults(func=_cmd_cheapest)

    rm = command("roadmap", "逐年达标路线图 (year-by-year roadmap to pass by the target year)",
                 "junyun roadmap 进贤县 --target-year 2027 --budget 1500")
    rm.add_argument("county", help="县区名称或简称 (name or slug)")
    rm.add_argument("--target-year", type=int, default=None,
                    help="目标年度，默认为县区配置中推进计划的目标年度 (target year; default the plan's)")
    money = rm.add_mutually_exclusive_group()
    money.add_argument("--budget", type=_nonnegative, default=None, help="每年新增投入预算（万元/年） (yearly budget)")
    money.add_argument("--budget-file", default=None, help="逐年预算 CSV（年度,预算（万元）），任意位置 (yearly budgets CSV)")
    rm.add_argument("--json", default=None, help="写出 JSON 到此文件（相对路径相对于当前文件夹） (JSON to this file)")
    rm.add_argument("--excel", default=None, help="写出 Excel 工作簿（每年一张表和汇总） (workbook to this file)")
    rm.add_argument("--time-limit", type=_nonnegative, default=30.0,
                    help="每次求解的时限（秒），默认 30 (solver time limit)")
    rm.add_argument("--no-solver", action="store_true", help="只用启发式方法，不用 SCIP (heuristic only)")
    rm.add_argument("--no-moves", action="store_true", help="不安排教师交流轮岗 (no teacher moves)")
    rm.add_argument("--scenario", default=None,
                    help="分析情景名称：写出 outputs/plans/<简称>-roadmap_<名称>.json，默认由选项组成（如 budget1500），"
                         "无选项时为 what-if (the what-if's name)")
    rm.add_argument("--save", action="store_true",
                    help="同时保存为正式路线图，替换简报所显示的路线图 (also replace the official roadmap the briefings show)")
    evaluation_options(rm)
    folders(rm)
    rm.set_defaults(func=_cmd_roadmap)

    im = command("import", "从教育事业统计导出表生成标准学校数据表 (import statistics exports)",
                 "junyun import 小学.xlsx 初中.xlsx --year 2024 --county 进贤县 --out data/raw/jinxian/schools_2024.xlsx "
                 "--supplement 补充表.xlsx")
    im.add_argument("exports", nargs="+", help="一个县区的各学段导出表 .xlsx（小学、初中、高中），或每校一个工作簿的基层报表"
                    "（一表一个工作表），或存放它们的文件夹；任意位置 (the exports, per-school workbooks, or folders)")
    im.add_argument("--year", type=int, required=True, help="统计年度（必填），如 2024 (the statistics year; required)")
    im.add_argument("--county", required=True, help="县区名称；新县区的简称取自 --out 所在的 raw/<简称>/ 文件夹名，"
                    "否则取县区名称的拼音 (slug: the raw folder's name, else the pinyin of the name)")
    im.add_argument("--out", required=True, help="标准学校数据表 .xlsx，写到此文件 (canonical table to this file)")
    im.add_argument("--mapping", default="stats-2021",
                    help="映射：stats-2021（教基表式）、stats-2020（基础基表式）或自己的 .toml (column mapping)")
    im.add_argument("--supplement", default=None,
                    help="补充表（音乐、美术专用教室等统计表中没有的数据；用 junyun supplement-template 生成）；"
                         "不提供时这些项目为无数据，不按 0 计 (without it music/art rooms are no data)")
    im.add_argument("--merge-campuses", action="store_true",
                    help="将不计校数的校区并入所属学校（默认每个独立校区单独计，有关指标说明（一）） (merge campuses)")
    im.add_argument("--campus-map", default=None,
                    help="与 --merge-campuses 同用：不计校数校区对应表 CSV（校区标识码,所属学校标识码） (campus map CSV)")
    im.add_argument("--report", default=None, help="导入报告 .xlsx（默认：<out>-导入报告.xlsx） (import report)")
    im.add_argument("--force", action="store_true", help="覆盖已有的输出文件 (overwrite existing outputs)")
    im.add_argument("--data-dir", default=None, help=_DATA_DIR_HELP)
    im.add_argument("--outputs-dir", default=None, help=_OUTPUTS_HELP)
    im.set_defaults(func=_cmd_import)

    st = command("supplement-template", "写出补充表模板：音乐、美术专用教室等统计表中没有的数据 (write the supplementary table)",
                 "junyun supplement-template 补充表.xlsx --exports 小学.xlsx 初中.xlsx")
    st.add_argument("path", help="补充表 .xlsx，写到此文件 (supplementary table to this file)")
    st.add_argument("--exports", nargs="*", default=None, help="各学段导出表：据此列出学校标识码和名称 (pre-fill schools)")
    st.add_argument("--mapping", default="stats-2021",
                    help="读导出表用的映射：stats-2021、stats-2020 或自己的 .toml (column mapping)")
    st.add_argument("--force", action="store_true", help="覆盖已有文件 (overwrite)")
    st.add_argument("--data-dir", default=None, help=_DATA_DIR_HELP)
    st.add_argument("--outputs-dir", default=None, help=_OUTPUTS_HELP)
    st.set_defaults(func=_cmd_supplement_template)

    r = command("run", "主流程：校验全部原始数据、评估并生成简报 (main job)", "junyun run", "junyun run --no-briefings")
    r.add_argument("--workers", type=_positive, default=None, help="简报工作进程数 (briefing workers; default one per core)")
    r.add_argument("--no-briefings", action="store_true", help="只评估，不生成 HTML 简报 (skip the briefing packs)")
    evaluation_options(r)
    folders(r)
    r.set_defaults(func=_cmd_run)

    b = command("batch", "批量生成县区简报 HTML、总览页与运行记录 (briefing packs for every county-year)",
                "junyun batch --counties 进贤县 --years 2024")
    b.add_argument("--counties", nargs="*", default=None, help="县区名称或简称 (names or slugs)")
    b.add_argument("--all", action="store_true", help="全部县区 (every county; the default)")
    b.add_argument("--years", nargs="*", type=int, default=None,
                   help="年度，可多个，如 2023 2024；默认全部有数据的年度 (years; default all)")
    b.add_argument("--workers", type=_positive, default=None, help="工作进程数，默认每核一个 (default: one per core)")
    b.add_argument("--scheduler", default=None, help="dask.distributed 调度器地址 (run on a dask cluster)")
    standard(b)
    b.add_argument("--pages-only", action="store_true",
                   help="只生成网页简报，不生成 Word 副本和评估结果（Excel），约快一半 (pages only: no Word copy, no workbook)")
    folders(b)
    b.set_defaults(func=_cmd_batch)

    s = command("sample", "重新生成合成示例数据 (regenerate the synthetic sample data)", "junyun sample")
    s.add_argument("--out", default=None, help="原始数据目录（数据目录下的 raw），默认 ./data/raw (raw data folder)")
    s.add_argument("--data-dir", default=None, help=_DATA_DIR_HELP)
    s.set_defaults(func=_cmd_sample, out_dir=None)
    return p


def _log_internal_error(args) -> Path:
    """Write the traceback of an internal error to the outputs folder's logs (or the temporary folder)."""
    from .workspace import Workspace

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    text = f"junyun {__version__}\n{' '.join(sys.argv)}\n\n{traceback.format_exc()}"
    outputs = getattr(args, "out_dir", None) or getattr(args, "outputs_dir", None)
    folders = [Path(tempfile.gettempdir())]
    try:
        ws = Workspace(getattr(args, "data_dir", None), outputs)
        if ws.outputs_problem() is None:         # never into a folder that is not junyun's
            ws.claim_outputs()
            folders.insert(0, ws.log_dir)
    except Exception:  # noqa: BLE001 — the log goes to the temporary folder instead
        pass
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"junyun-error-{stamp}.log"
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return Path(tempfile.gettempdir())


def main(argv=None) -> int:
    from .runner import skip_slow_iri_check

    skip_slow_iri_check()                   # the junyun command's own process (and the workers it forks)
    parser = build_parser()
    args = parser.parse_args(argv)          # bad arguments: argparse prints usage and exits 2
    try:
        return args.func(args)
    except OutputError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except JunyunError as exc:
        print(exc.report(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断，未完成的文件均未写出 (interrupted; nothing half-written was left)", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (``junyun evaluate … | head``): not an error of junyun's; quiet, as Unix tools are
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        return 141
    except Exception as exc:  # noqa: BLE001 — a genuine bug: one line here, the traceback in the log
        log = _log_internal_error(args)
        print(f"junyun 内部错误 (internal error): {type(exc).__name__}: {exc}；详情见 (details in) {log}",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
