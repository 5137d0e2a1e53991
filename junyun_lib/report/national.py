"""The summary of an evaluation of many counties (多县区评估汇总), as ``junyun evaluate`` prints it.

A national file holds thousands of county-years: the per-county summary (:func:`junyun_lib.report.text.
summary_text`, about 50 lines and 40 ms each) would print 150,000 lines in two minutes that nobody reads.
For more than one county the command prints this instead:

* the totals — county-years, schools, pupils in scope — and how many county-years pass each stage and the
  resource allocation as a whole, by year, then by province when the counties' ``county.toml`` state one;
* one line per county-year that does not pass, naming each failing stage and exactly what fails it: the
  indicators whose difference coefficient (差异系数) is over its limit, the schools below the per-school rule
  (校级规则), or the composite coefficient (basic balance);
* how to get one county's full summary (``--county``).

Everything comes from the evaluation's tidy tables (``stages``, ``indicators``: the frames
:func:`junyun_lib.report.results.results_tables` writes) in one pass over their rows: no per-county result
object is built, so 2,850 county-years take a fraction of a second.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..rules import load_standard
from ..rules.regions import UNSTATED_PROVINCE, region_key
from ..rules.schema import STAGE_ZH, STAGES
from ..synthetic import SYNTHETIC_LABEL
from ..version import __version__
from .labels import format_cv, short_name, standard_title

#: the failing side of each comparison a limit is stated with (a CV "小于或等于 0.50" fails when it is > 0.50)
_FAILS = {"<=": ">", "<": "≥", ">=": "<", ">": "≤"}


def _texts(series: pd.Series) -> list[str]:
    """A text column as a list of str (categorical or Arrow-backed: each distinct value converted once)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        names = [str(c) for c in series.cat.categories]
        return [names[k] if k >= 0 else "" for k in series.cat.codes.tolist()]
    return [str(v) for v in series.astype(object).tolist()]


def _count(n) -> str:
    """A count as people read it: an integer with thousands separators (never "47.0")."""
    return f"{int(n):,}"


def _verdict_columns(stages: pd.DataFrame, keys: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per county-year (rows of ``keys``) and stage: has schools in scope, passes, schools, pupils."""
    index = pd.MultiIndex.from_frame(keys)
    out: dict[str, np.ndarray] = {}
    for stage in STAGES:
        s = stages[stages["stage"] == stage]
        s = s.set_index([s["county"].astype(str).to_numpy(), s["year"].astype(int).to_numpy()]).reindex(index)
        schools = s["schools_in_scope"].fillna(0).to_numpy(dtype=np.int64)
        out[f"has_{stage}"] = schools > 0
        out[f"pass_{stage}"] = s["passes"].astype("boolean").fillna(False).to_numpy(dtype=bool) & (schools > 0)
        out[f"schools_{stage}"] = schools
        out[f"students_{stage}"] = s["students"].fillna(0).to_numpy(dtype=np.int64)
    has = np.column_stack([out[f"has_{s}"] for s in STAGES])
    passes = np.column_stack([out[f"pass_{s}"] for s in STAGES])
    out["determined"] = has.any(axis=1)
    # resource allocation passes when every stage with schools in scope passes (verdicts.stages_verdict)
    out["pass_all"] = out["determined"] & (passes | ~has).all(axis=1)
    return out


def failing_items(evaluation) -> pd.DataFrame:
    """What fails each failing stage of each county-year, as Chinese text (未达标的学段与项目).

    One row per county-year and stage whose verdict is 未达标, with ``items``: the failing requirements of its
    standard (``stage_pass_requires``) in the order the standard lists them — each indicator whose
    difference coefficient fails its limit (``骨干教师差异系数 0.801 > 0.50``; an undefined one
    ``…差异系数无法计算``), the number of school parts below the per-school rule (``未达校级规则 3 所``), the
    composite coefficient over its limit (basic balance).  Built from the ``stages`` and ``indicators`` tables
    in one pass over their rows.

    Returns
    -------
    pandas.DataFrame
        Columns ``county``, ``year``, ``stage``, ``items`` (list of str).
    """
    stages, ind = evaluation.stages, evaluation.indicators
    requires = {name: set(std.stage_pass_requires) for name, std in evaluation.standards.items()}
    failing = stages[stages["passes"].astype("boolean").fillna(True).to_numpy(dtype=bool) == False]  # noqa: E712
    if failing.empty:
        return pd.DataFrame(columns=["county", "year", "stage", "items"])
    counties, years, stage_names = _texts(failing["county"]), failing["year"].to_numpy(int).tolist(), \
        _texts(failing["stage"])
    # the failing indicators of every county-year and stage, in the standard's indicator order
    by_stage: dict[tuple, list[str]] = {}
    if len(ind) and "cv_pass" in ind:
        cv_ok = ind["cv_pass"].astype("boolean")
        bad = ind[(cv_ok.fillna(False).to_numpy(dtype=bool) == False) & cv_ok.notna().to_numpy()]  # noqa: E712
        names = {i.code: short_name(i.code, i.name_zh) for std in {id(s): s for s in
                 evaluation.standards.values()}.values() for i in std.indicators}
        # plain Python lists: iterating pandas' Arrow-backed text row by row costs more than the text itself
        for c, y, s, code, cv, limit, op in zip(_texts(bad["county"]), bad["year"].to_numpy(int).tolist(),
                                                _texts(bad["stage"]), _texts(bad["indicator"]),
                                                bad["cv"].to_numpy(float).tolist(), bad["cv_limit"].to_numpy(float).tolist(),
                                                _texts(bad["cv_comparison"])):
            name = names.get(code, code)
            text = (f"{name}差异系数无法计算（加权均值为0）" if np.isnan(cv) else
                    f"{name}差异系数 {format_cv(cv, limit)} {_FAILS.get(op, '超过')} {limit:.2f}")
            by_stage.setdefault((c, y, s), []).append(text)
    rule = pd.to_numeric(failing["schools_failing_rule"], errors="coerce").fillna(0).to_numpy() \
        if "schools_failing_rule" in failing else np.zeros(len(failing))
    composite = failing["composite_cv"].to_numpy(dtype=float)
    composite_ok = failing["composite_pass"].astype("boolean").fillna(False).to_numpy(dtype=bool) \
        if "composite_pass" in failing else np.ones(len(failing), dtype=bool)
    composite_limit = failing["composite_limit"].to_numpy(dtype=float) if "composite_limit" in failing \
        else np.full(len(failing), np.nan)
    rows = []
    for k, (c, y, s) in enumerate(zip(counties, years, stage_names)):
        need = requires.get(c, set())
        items: list[str] = []
        if "each_cv" in need:
            items += by_stage.get((c, y, s), [])
        if "school_rule" in need and rule[k] > 0:
            items.append(f"未达校级规则 {_count(rule[k])} 所")
        if "composite_cv" in need and not composite_ok[k]:
            op = _FAILS.get(evaluation.standards[c].composite_limit.get("comparison", "<="), "超过")
            items.append("综合差异系数无法计算（有指标的差异系数无定义）" if np.isnan(composite[k]) else
                         f"综合差异系数 {format_cv(composite[k], composite_limit[k])} {op} {composite_limit[k]:.2f}")
        rows.append((c, y, s, items))
    return pd.DataFrame(rows, columns=["county", "year", "stage", "items"])


def _limits_text(evaluation) -> str:
    """The national limits the lines compare with, said once (a county's own stricter rule: in its summary)."""
    std = load_standard(evaluation.standard_code)
    parts = []
    if std.cv_limit:
        parts.append("各指标差异系数限值：" + "、".join(f"{STAGE_ZH[s]} {std.cv_limit[s]:.2f}" for s in STAGES))
    if std.composite_limit:
        parts.append("综合差异系数限值：" + "、".join(f"{STAGE_ZH[s]} {std.composite_limit[s]:.2f}" for s in STAGES))
    if std.school_rule and std.has_school_standards:
        rule = std.school_rule
        parts.append(f"校级规则：每所学校至少 {rule['min_meeting']} 项指标达到标准、其余不低于标准的 "
                     f"{rule['floor_ratio']:.0%}")
    return "；".join(parts)


def _block(label: str, rows: np.ndarray, v: dict, schools: np.ndarray) -> list[str]:
    """The totals of the county-years ``rows`` (a boolean mask): counts, schools, pupils and verdicts."""
    n = int(rows.sum())
    head = (f"{label}：县区 {_count(n)} 个；学校 {_count(schools[rows].sum())} 所，纳入资源配置评估的"
            + "、".join(f"{STAGE_ZH[s]} {_count(v[f'schools_{s}'][rows].sum())} 所" for s in STAGES)
            + "（一贯制学校、完全中学按学段分别计）；纳入评估的在校生"
            + "、".join(f"{STAGE_ZH[s]} {_count(v[f'students_{s}'][rows].sum())} 人" for s in STAGES))
    verdicts = [f"{STAGE_ZH[s]}达标 {_count((v[f'pass_{s}'] & rows).sum())} 个" for s in STAGES]
    none = {s: int((rows & ~v[f"has_{s}"]).sum()) for s in STAGES}
    verdicts += [f"无纳入评估的{STAGE_ZH[s]} {_count(k)} 个" for s, k in none.items() if k]
    passed = int((v["pass_all"] & rows).sum())
    undetermined = int((rows & ~v["determined"]).sum())
    tail = f"资源配置达标（各学段均达标）{_count(passed)} 个，未达标 {_count(n - passed - undetermined)} 个"
    if undetermined:
        tail += f"，无结论（无纳入评估的学校）{_count(undetermined)} 个"
    return [head, "  " + "，".join(verdicts) + "；" + tail]


def national_text(evaluation, regions: dict | None = None, files: str = "<文件>") -> str:
    """The summary of a many-county evaluation (多县区评估汇总) and one line per county-year not passing.

    Parameters
    ----------
    evaluation : Evaluation
        Every county-year evaluated together (:func:`junyun_lib.evaluation.evaluate.evaluate`).
    regions : dict, optional
        ``{county: (province, city)}`` as the counties' ``county.toml`` state them
        (:meth:`junyun_lib.workspace.Workspace.region`); with any province, the totals are also given by
        province and the lines ordered by province and city.  Never guessed from a county's name.
    files : str
        The input files as typed, for the line that says how to see one county's full summary.

    Returns
    -------
    str
        Chinese text: at most one line per county-year, plus the totals.
    """
    regions = {str(k): v for k, v in (regions or {}).items()}
    stages = evaluation.stages
    keys = stages[["county", "year"]].drop_duplicates()
    keys = pd.DataFrame({"county": _texts(keys["county"]), "year": keys["year"].to_numpy(int)})
    v = _verdict_columns(stages, keys)
    # school records per county-year (all rows read, excluded ones included): the size of the file
    sch = evaluation.schools
    # grouped on the columns as held (300,000 rows), the few thousand keys then turned into text
    per = sch.groupby(["county", "year"], sort=False, observed=True).size()
    per.index = pd.MultiIndex.from_arrays([[str(c) for c in per.index.get_level_values(0)],
                                           per.index.get_level_values(1).astype(int)])
    schools = per.reindex(pd.MultiIndex.from_frame(keys)).fillna(0).to_numpy(dtype=np.int64)
    years = sorted(set(keys["year"].tolist()))
    provinces = np.array([(regions.get(c, ("", ""))[0] or "").strip() for c in keys["county"]], dtype=object)
    any_province = bool((provinces != "").any())

    std = load_standard(evaluation.standard_code)         # the national standard: overrides are per county
    year_text = "、".join(f"{y}年" for y in years)
    lines = [f"资源配置评估汇总：{_count(keys['county'].nunique())} 个县区，{year_text}",
             f"评估标准：{standard_title(std)}"]
    if evaluation.synthetic:
        lines.append(f"【{SYNTHETIC_LABEL}】")
    limits = _limits_text(evaluation)
    if limits:
        lines.append(limits)
    stricter = sorted(c for c, s in evaluation.standards.items() if s.overrides_applied)
    if stricter:
        lines.append(f"县区规则：{_count(len(stricter))} 个县区按本县规定执行更严格的要求（{'、'.join(stricter[:5])}"
                     f"{' 等' if len(stricter) > 5 else ''}），其结论按本县规定判定")
    year_of = keys["year"].to_numpy()
    for y in years:
        in_year = year_of == y
        lines.append("")
        lines += _block(f"{y}年 合计", in_year, v, schools)
        if any_province:
            lines.append("按省份：")
            order = sorted({p or UNSTATED_PROVINCE for p in provinces[in_year]},
                           key=lambda p: region_key("" if p == UNSTATED_PROVINCE else p, "", ""))
            for p in order:
                rows = in_year & (provinces == ("" if p == UNSTATED_PROVINCE else p))
                head, verdicts = _block(p, rows, v, schools)
                lines.append(f"  {head}")
                lines.append(f"  {verdicts}")

    # one line per county-year that does not pass (未达标, or no verdict at all)
    items = failing_items(evaluation)
    said = {(c, y, s): "；".join(t) for c, y, s, t in zip(items["county"].tolist(), items["year"].tolist(),
                                                          items["stage"].tolist(), items["items"].tolist())}
    names = keys["county"].tolist()
    order = np.flatnonzero(~v["pass_all"]).tolist()
    if any_province:
        order = sorted(order, key=lambda k: (region_key(*regions.get(names[k], ("", "")), names[k]), year_of[k]))
    has = {s: v[f"has_{s}"].tolist() for s in STAGES}
    passes = {s: v[f"pass_{s}"].tolist() for s in STAGES}
    determined = v["determined"].tolist()
    out = []
    for k in order:
        c, y = names[k], int(year_of[k])
        where = ""
        if any_province:
            province, city = regions.get(c, ("", ""))
            where = f"{(province or '').strip() or UNSTATED_PROVINCE}{(city or '').strip()} "
        if not determined[k]:
            out.append(f"  {where}{c} {y}年：无纳入评估的学校，无结论")
            continue
        stage_texts = [f"{STAGE_ZH[s]}：{said.get((c, y, s)) or '未达标'}" for s in STAGES
                       if has[s][k] and not passes[s][k]]
        out.append(f"  {where}{c} {y}年：" + " ｜ ".join(stage_texts))
    several_years = len(years) > 1
    hint = f"junyun evaluate {files} --county 县区名称" + (" --year 年度" if several_years else "")
    lines.append("")
    if out:
        lines.append(f"未达标的县区（{_count(len(out))} 个县区年度，每个一行：未达标的学段及其未达标项目）：")
        lines += out
    else:
        lines.append("各县区资源配置均达标。")
    lines.append("")
    lines.append(f"某县区的完整摘要（各指标均值与差异系数、校级保障项目、所需补充与经费）：{hint}")
    warnings = len(evaluation.warnings)
    if warnings:
        lines.append(f"数据警告：{_count(warnings)} 条（可能有误但不阻止计算，请核实；全部列在 --excel 工作簿的“数据警告”表）")
    else:
        lines.append("数据警告：无")
    lines.append(f"排除在资源配置评估之外：{_count(len(evaluation.excluded))} 项（学校或学段，原因见结果表“排除学校”）")
    lines.append(f"junyun {__version__}")
    return "\n".join(lines)
