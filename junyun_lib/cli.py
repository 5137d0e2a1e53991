"""Command line (命令行): ``junyun template | county-template | ingest | import | evaluate | plan | run | batch |
sample``.

Exit status: 0 success, 2 bad input (every problem listed, located, nothing written), 1 other failure.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__, rules
from .problems import ValidationError


def _cmd_template(args) -> int:
    from .template import write_template

    path = write_template(args.path, overwrite=args.force)
    print(f"已写出模板 (template written): {path}")
    return 0


def _cmd_ingest(args) -> int:
    from .processed import ingest

    for path in ingest(args.files, data_dir=args.data_dir):
        print(f"已写出 (written): {path}")
    return 0


def _evaluate_and_write(files, args):
    from .evaluate import evaluate, write_json
    from .processed import open_table
    from .report import summary_text, write_excel

    table = open_table(files, county=args.county, year=args.year)
    evaluation = evaluate(table, args.standard, costs=args.costs, data_dir=args.data_dir)
    for result in evaluation.results():
        print(summary_text(result))
        print()
    outputs = []
    if args.json:
        outputs.append(write_json(evaluation, args.json))
    if args.excel:
        outputs.append(write_excel(evaluation, args.excel))
    return evaluation, outputs


def _cmd_evaluate(args) -> int:
    _, outputs = _evaluate_and_write(args.files, args)
    for path in outputs:
        print(f"已写出 (written): {path}")
    return 0


def _cmd_run(args) -> int:
    """The main job on everything under data/raw: ingest, then evaluate every county-year into outputs/."""
    from .processed import ingest

    data_dir = Path(args.data_dir or rules.default_data_dir())
    raw = sorted(p for ext in ("xlsx", "csv") for p in (data_dir / "raw").glob(f"*/schools_*.{ext}"))
    if not raw:
        print(f"{data_dir / 'raw'} 下没有 schools_*.xlsx/csv (no raw school files found)", file=sys.stderr)
        return 1
    written = ingest(raw, data_dir=data_dir)
    print(f"已校验并写出 {len(written)} 个处理后文件 (validated and wrote {len(written)} processed files)")
    out = Path(args.out)
    for path in written:
        slug, year = path.parent.name, int(path.stem)
        ns = argparse.Namespace(county=None, year=None, standard=args.standard, costs=args.costs,
                                data_dir=data_dir, json=out / str(year) / f"{slug}-evaluation.json",
                                excel=out / str(year) / f"{slug}-evaluation.xlsx")
        _, outputs = _evaluate_and_write([path], ns)
        for p in outputs:
            print(f"已写出 (written): {p}")
    _write_plans(data_dir, out, args.standard)
    if args.no_briefings:
        return 0
    batch = argparse.Namespace(data_dir=data_dir, years=None, counties=None, all=True, standard=args.standard,
                               workers=args.workers, scheduler=None, out=args.out)
    status = _cmd_batch(batch)
    print(f"\n简报与总览已生成，请用浏览器打开 (open in a browser): {out.resolve()}/<年度>/index.html")
    return status


def _cmd_batch(args) -> int:
    """Briefing packs for every county-year: executed notebooks, HTML pages, index, manifest."""
    from .batch import run_batch, tasks_for, write_index, write_manifest

    data_dir = Path(args.data_dir or rules.default_data_dir())
    years = set(args.years) if args.years else None
    counties = None if args.all or not args.counties else set(args.counties)
    tasks = tasks_for(data_dir, args.out, counties=counties, years=years, standard=args.standard)
    if not tasks:
        print("没有可运行的县区年度：请先运行 junyun ingest (nothing to run; ingest first)", file=sys.stderr)
        return 1
    rows = run_batch(tasks, workers=args.workers, scheduler=args.scheduler)
    manifest = write_manifest(rows, args.out)
    for page in write_index(rows, data_dir, args.out, args.standard):
        print(f"总览 (index): {page}")
    print(f"运行记录 (manifest): {manifest}")
    failed = [r for r in rows if r["status"] != "ok"]
    for r in failed:
        print(f"失败 (failed): {r['county']} {r['year']}: {r['error']}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_county_template(args) -> int:
    from .county_table import write_county_template

    path = Path(args.path)
    if path.exists() and not args.force:
        raise FileExistsError(f"文件已存在，未覆盖：{path}（加 --force 覆盖） (file exists; use --force)")
    print(f"已写出县级指标表模板 (county-level template written): {write_county_template(path, args.year)}")
    return 0


def _cmd_plan(args) -> int:
    """Progress of one county against its plan: a Chinese summary, and JSON with --json."""
    from .plan_report import summary_text, write_json
    from .progress import county_progress

    data_dir = Path(args.data_dir or rules.default_data_dir())
    cfg = rules.county_config(args.county, data_dir)
    name = cfg.name
    if not cfg.path:   # a slug given instead of the name
        by_slug = {c.slug: c for c in rules.county_configs(data_dir).values()}
        name = by_slug[args.county].name if args.county in by_slug else args.county
    progress = county_progress(name, data_dir, args.standard, as_of=args.year)
    if progress is None:
        print(f"{name} 没有规划文件 data/raw/<县>/plan.csv (no plan.csv for {name})", file=sys.stderr)
        return 1
    if not any((data_dir / "processed" / progress.plan.slug).glob("*.parquet")):
        print(f"提示：{name} 尚无处理后的学校数据，学校层面的项目显示为无数据；请先运行 junyun ingest "
              f"(no processed school data yet: school-level items show no data)", file=sys.stderr)
    print(summary_text(progress, args.year))
    if args.json:
        print(f"已写出 (written): {write_json(progress, args.json)}")
    return 0


def _write_plans(data_dir: Path, out: Path, standard: str) -> None:
    from .plan_report import write_json
    from .progress import county_progress

    for cfg in rules.county_configs(data_dir).values():
        progress = county_progress(cfg.name, data_dir, standard)
        if progress is not None:
            print(f"已写出 (written): {write_json(progress, out / 'plans' / f'{cfg.slug}-plan.json')}")


def _cmd_import(args) -> int:
    """Statistics exports → canonical school table + import report; nothing written on error."""
    from .importer import import_exports, read_campus_map, write_canonical, write_report

    campus_map = read_campus_map(args.campus_map) if args.campus_map else None
    result = import_exports(args.exports, args.year, args.county, args.mapping, campus_map)
    out = Path(args.out)
    report = Path(args.report) if args.report else out.with_name(f"{out.stem}-导入报告.xlsx")
    print(f"已写出标准学校数据表 (canonical table written): {write_canonical(result, out)}（{len(result.table)} 所学校）")
    print(f"已写出导入报告 (import report written): {write_report(result, report)}：合并 {len(result.merges)} 处，"
          f"删除 {len(result.dropped)} 行，警告 {len(result.warnings)} 条")
    return 0


def _cmd_sample(args) -> int:
    from .sample import write_county_samples, write_samples

    for path in write_samples(Path(args.out)) + write_county_samples(Path(args.out)):
        print(f"已写出合成示例数据 (synthetic sample written): {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="junyun", description="均衡 junyun：县域义务教育优质均衡发展督导评估工作台")
    p.add_argument("--version", action="version", version=f"junyun {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("template", help="写出空白学校数据模板 (write an empty school-table template)")
    t.add_argument("path")
    t.add_argument("--force", action="store_true", help="覆盖已有文件 (overwrite)")
    t.set_defaults(func=_cmd_template)

    i = sub.add_parser("ingest", help="校验原始数据并写出 data/processed (validate raw files, write parquet)")
    i.add_argument("files", nargs="+")
    i.add_argument("--data-dir", default=None, help="数据目录，默认 ./data 或 $JUNYUN_DATA")
    i.set_defaults(func=_cmd_ingest)

    def evaluation_options(q):
        q.add_argument("--standard", default="quality-2017", choices=rules.standard_codes())
        q.add_argument("--costs", default=None, help="单位成本表 CSV (unit-cost file), 默认为内置示例成本")
        q.add_argument("--data-dir", default=None, help="数据目录（县区配置所在），默认 ./data 或 $JUNYUN_DATA")

    e = sub.add_parser("evaluate", help="资源配置评估 (evaluate resource allocation)")
    e.add_argument("files", nargs="+", help=".xlsx / .csv 原始文件或 .parquet 处理后文件")
    e.add_argument("--county", default=None)
    e.add_argument("--year", type=int, default=None)
    e.add_argument("--json", default=None, help="写出 JSON 结果 (machine-readable results)")
    e.add_argument("--excel", default=None, help="写出 Excel 结果工作簿 (workbook for county offices)")
    evaluation_options(e)
    e.set_defaults(func=_cmd_evaluate)

    ct = sub.add_parser("county-template", help="写出空白县级指标表 (write an empty county-level indicator table)")
    ct.add_argument("path", help="…/county_indicators_<年度>.csv 或 .xlsx")
    ct.add_argument("--year", type=int, default=None)
    ct.add_argument("--force", action="store_true", help="覆盖已有文件 (overwrite)")
    ct.set_defaults(func=_cmd_county_template)

    pl = sub.add_parser("plan", help="对照县域推进计划的年度进度 (progress against the county plan)")
    pl.add_argument("county", help="县区名称或简称 (name or slug)")
    pl.add_argument("--year", type=int, default=None, help="截至年度，默认最新有数据的年度 (as of; default latest)")
    pl.add_argument("--json", default=None, help="写出 JSON：各项目各年度的目标、实际、差距、状态与预测")
    pl.add_argument("--standard", default="quality-2017", choices=rules.standard_codes())
    pl.add_argument("--data-dir", default=None, help="数据目录，默认 ./data 或 $JUNYUN_DATA")
    pl.set_defaults(func=_cmd_plan)

    im = sub.add_parser("import", help="从教育事业统计导出表生成标准学校数据表 (import statistics exports)")
    im.add_argument("exports", nargs="+", help="一个县区的各学段导出表 .xlsx（小学、初中）")
    im.add_argument("--year", type=int, required=True)
    im.add_argument("--county", required=True)
    im.add_argument("--out", required=True, help="标准学校数据表 .xlsx")
    im.add_argument("--mapping", default="stats-2021", help="映射：stats-2021（教基表式）、stats-2020（基础基表式）或自己的 .toml")
    im.add_argument("--campus-map", default=None, help="不计校数校区对应表 CSV：校区标识码,所属学校标识码")
    im.add_argument("--report", default=None, help="导入报告 .xlsx（默认：<out>-导入报告.xlsx）")
    im.set_defaults(func=_cmd_import)

    r = sub.add_parser("run", help="主流程：校验全部原始数据并评估到 outputs/ (main job)")
    r.add_argument("--out", default="outputs")
    r.add_argument("--workers", type=int, default=None, help="简报工作进程数 (briefing workers; default one per core)")
    r.add_argument("--no-briefings", action="store_true", help="只评估，不生成 HTML 简报 (skip the briefing packs)")
    evaluation_options(r)
    r.set_defaults(func=_cmd_run)

    b = sub.add_parser("batch", help="批量生成县区简报 HTML、总览页与运行记录 (briefing packs for every county-year)")
    b.add_argument("--counties", nargs="*", default=None, help="县区名称或简称 (names or slugs)")
    b.add_argument("--all", action="store_true", help="全部县区 (every county; the default)")
    b.add_argument("--years", nargs="*", type=int, default=None)
    b.add_argument("--workers", type=int, default=None, help="工作进程数，默认每核一个 (default: one per core)")
    b.add_argument("--scheduler", default=None, help="dask.distributed 调度器地址 (run on a dask cluster)")
    b.add_argument("--out", default="outputs")
    evaluation_options(b)
    b.set_defaults(func=_cmd_batch)

    s = sub.add_parser("sample", help="重新生成合成示例数据 (regenerate the synthetic sample data)")
    s.add_argument("--out", default="data/raw")
    s.set_defaults(func=_cmd_sample)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValidationError as exc:
        print(exc.report(), file=sys.stderr)
        return 2
    except FileExistsError as exc:
        print(str(exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
