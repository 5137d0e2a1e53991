"""The scorecard of every county-year at once (全部县区的评估表), for provincial and national runs.

:func:`junyun_lib.evaluation.scorecard.scorecard` builds one county-year's scorecard (35 ms); a national file
has thousands.  Here the items that the school table decides are computed for all county-years together,
vectorised over the evaluation's tables, with the same rules:

* 资源配置 — ``cv_<stage>``: every indicator's CV within its limit (value: the worst failing CV, else the
  largest); ``school_rule_<stage>``: the number of school parts failing the per-school rule must be 0;
* 校额、班额、音乐美术专用教室 — the share of schools meeting every applicable check, against the item's
  standard (100%);
* every item of the county-level table — **no data** (never a pass) unless a county's values are given;
* a county's own items (``requires`` in the form, e.g. 进贤县's staffing ratios) are not here: a configured
  county gets its per-county scorecard from the workspace.

An area fails if any item fails, is undetermined if none fails but one has no data; overall fails if an area
fails, else is undetermined (no veto has data without a county-level table).  Counties whose county-level
table exists get their exact per-county scorecard from the workspace instead (same columns).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..columns import picked_text
from ..rules import compare
from ..rules.plan_metrics import GUARANTEE_ITEMS
from ..rules.scorecard_form import AREAS, form
from .scorecard import item_name, item_threshold, prerequisite, scorecard

ITEM_COLUMNS = ["county", "year", "area", "area_zh", "no", "code", "name", "value", "standard", "op", "passes",
                "source", "basis"]
OVERALL_COLUMNS = ["county", "year", "overall"] + [f"area_{a}" for a in AREAS]


def _keys(evaluation) -> pd.DataFrame:
    return pd.DataFrame(evaluation.county_years(), columns=["county", "year"])


def _index(keys: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([keys["county"].astype(str).to_numpy(dtype=object), keys["year"].to_numpy()])


def _verdicts(passes: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Verdicts as floats: 1 pass, 0 fail, NaN no data (turned into a nullable boolean once, at the end)."""
    return np.where(present, np.asarray(passes, dtype=float), np.nan)


def _key_positions(county: pd.Series, year, index: pd.MultiIndex) -> np.ndarray:
    """Each row's position in ``index`` (:func:`_index` of the county-years; −1 where its county-year is not
    there), without turning hundreds of thousands of county names into strings: only the distinct (county,
    year) pairs are looked up."""
    if not isinstance(county.dtype, pd.CategoricalDtype):
        county = county.astype("category")
    codes = county.cat.codes.to_numpy().astype(np.int64)
    years = np.asarray(year, dtype=np.int64)
    span = int(years.max()) + 1 if len(years) else 1
    pairs, inverse = np.unique(codes * span + years, return_inverse=True)
    names = county.cat.categories.astype(str).to_numpy(dtype=object)
    wanted = pd.MultiIndex.from_arrays([names[pairs // span], pairs % span])
    at = index.get_indexer(wanted).astype(np.int64)
    return at[inverse].reshape(-1)


def _resource_cv(evaluation, index: pd.MultiIndex, stage: str) -> dict:
    n = len(index)
    ind = evaluation.indicators
    ind = ind[ind["stage"] == stage]
    if ind.empty:
        return {"value": np.full(n, np.nan), "standard": np.full(n, np.nan), "op": np.full(n, "", dtype=object),
                "passes": np.full(n, np.nan), "source": np.full(n, "该学段无纳入评估的学校", dtype=object)}
    fail = ~ind["cv_pass"].fillna(False).to_numpy(dtype=bool)
    cv = ind["cv"].to_numpy(dtype=float)
    cv_or_inf = np.where(np.isnan(cv), np.inf, cv)
    distinct = {id(std): std for std in evaluation.standards.values()}.values()   # one per override set
    names = {code: std.indicator(code).name_zh for std in distinct for code in std.codes}
    position = _key_positions(ind["county"], ind["year"], index)
    # the worst failing indicator when any fails, else the largest CV (an incomputable CV counts as the worst;
    # ties: the first in indicator order, as the per-county scorecard): sort by county-year, failing first,
    # largest first, then row order, and take each county-year's first row
    order = np.lexsort((np.arange(len(ind)), -cv_or_inf, ~fail, position))
    order = order[position[order] >= 0]
    first = order[np.unique(position[order], return_index=True)[1]]
    worst = np.full(n, -1, dtype=np.int64)
    worst[position[first]] = first
    present = worst >= 0
    pick = np.where(present, worst, 0)
    failing = present & fail[pick]
    value = np.where(present, cv[pick], np.nan)
    limit = np.where(present, ind["cv_limit"].to_numpy(dtype=float)[pick], np.nan)
    # the text columns taken through their few distinct values (not a Python string per indicator row)
    op = np.where(present, _picked(ind["cv_comparison"], pick), "").astype(object)
    names = np.where(present, _picked(ind["indicator"], pick, names), "").astype(object)
    source = np.where(failing, "超限的差异系数：", "最大的差异系数：").astype(object) + names + "（学校基础数据）"
    incomputable = present & np.isnan(value)
    source[incomputable] = names[incomputable] + "的差异系数无法计算（均值为0，学校基础数据）"
    source[~present] = "该学段无纳入评估的学校"
    return {"value": value, "standard": limit, "op": op, "passes": _verdicts(~failing, present), "source": source}


def _picked(column: pd.Series, rows: np.ndarray, mapping: dict | None = None) -> np.ndarray:
    """``column.to_numpy(dtype=object)[rows]`` (or ``column.map(mapping)``'s), each distinct value made a
    Python object (and looked up) once."""
    codes, distinct = pd.factorize(column, use_na_sentinel=False)
    values = [mapping.get(v, np.nan) for v in distinct] if mapping is not None else list(distinct)
    return np.array(values + [None], dtype=object)[:-1][codes[rows]]


def _resource_rule(evaluation, index: pd.MultiIndex, stage: str) -> dict:
    n = len(index)
    st = evaluation.stages
    st = st[st["stage"] == stage]
    position = _key_positions(st["county"], st["year"], index)
    found = position >= 0
    schools, failing = np.zeros(n), np.full(n, np.nan)
    schools[position[found]] = st["schools_in_scope"].to_numpy(dtype=float)[found]
    failing[position[found]] = pd.to_numeric(st["schools_failing_rule"], errors="coerce").to_numpy(dtype=float)[found]
    present = schools > 0
    zh = "小学" if stage == "primary" else "初中"
    return {"value": np.where(present, failing, np.nan), "standard": np.where(present, 0.0, np.nan),
            "op": np.where(present, "<=", "").astype(object), "passes": _verdicts(failing == 0, present),
            "source": np.where(present, f"未达到校级规则的{zh}学段数（学校基础数据）", "该学段无纳入评估的学校").astype(object)}


def _census(evaluation, keys: pd.DataFrame, item: str, position: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(share in % of schools meeting every applicable check of a guarantee item, source), per county-year;
    ``position``: each school's row in ``keys`` (:func:`_key_positions`)."""
    wide = evaluation.guarantee_wide
    columns = [f"{c}_passes" for c in GUARANTEE_ITEMS[item] if f"{c}_passes" in wide]
    n = len(keys)
    if wide.empty or not columns:
        return np.full(n, np.nan), np.full(n, "无学校数据", dtype=object)
    # as :func:`.shares.guarantee_share`: a check that applies (it has a limit) but is undetermined (班额分段
    # 跨越限额; music and art rooms without data) leaves its school out of the share unless another check fails.
    # One check (1 pass, 0 fail, NaN undetermined) at a time: reductions across a few columns of a national
    # table are many times slower than these whole-column operations
    rows = len(wide)
    undetermined, fails, none = np.zeros(rows, dtype=bool), np.zeros(rows, dtype=bool), np.ones(rows, dtype=bool)
    for c in columns:
        check = wide[c].to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(check)
        undetermined |= missing & wide[c[:-len("_passes")] + "_limit"].notna().to_numpy()
        fails |= check == 0
        none &= missing
    open_ = undetermined & ~fails
    applicable = ~none & ~open_
    passes = ~fails & applicable          # every check that has a verdict passes
    found = position >= 0
    total = np.bincount(position[found], weights=applicable[found], minlength=n)
    ok = np.bincount(position[found], weights=passes[found], minlength=n)
    unknown = np.bincount(position[found], weights=open_[found], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(total > 0, 100.0 * ok / total, np.nan)
    source = np.array([(f"{int(a)}/{int(b)} 所学校达标（学校基础数据）" + (f"（另有 {int(u)} 所无法判定）" if u else ""))
                       if b > 0 else (f"无数据：{int(u)} 所学校无法判定" if u else "无学校数据")
                       for a, b, u in zip(ok, total, unknown)], dtype=object)
    return value, source


def scorecard_tables(evaluation) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(items, overall)`` for every county-year of ``evaluation`` (quality balance), school-derived items
    computed, county-level items no data.

    ``items``: one row per county-year and item (:data:`ITEM_COLUMNS`, ``passes`` a nullable boolean: NA =
    no data).  ``overall``: one row per county-year with ``overall`` and each area's verdict (NA =
    undetermined).  Built column by column with numpy and turned into one DataFrame at the end.
    """
    spec = form()
    keys = _keys(evaluation)
    index = _index(keys)         # the county-years looked up by every item (built once)
    n = len(keys)
    counties = keys["county"].astype(str).to_numpy(dtype=object)
    distinct = pd.unique(counties)
    cols: dict[str, list] = {c: [] for c in ITEM_COLUMNS}
    # a county's own items (``requires``, e.g. 进贤县's staffing ratios) are left to its per-county scorecard
    national = [item for item in spec["items"] if "requires" not in item]
    school_position = None
    # the configurations that set thresholds: one for every county without its own county_targets (None), and
    # each county's own; ``config_of_row`` numbers each county-year's
    configs, number = [None], {None: 0}
    for c in distinct:
        cfg = evaluation.counties.get(c)
        if getattr(cfg, "county_targets", None) and c not in number:
            number[c] = len(configs)
            configs.append(cfg)
    config_of_row = np.array([number.get(c, 0) for c in counties], dtype=np.int64)
    for item in national:
        kind, _, arg = item["input"].partition(":")
        # the text columns of an item: one text for every county-year, or one each (coded by _coded_blocks)
        name = item["name_zh"]
        if kind == "resource":
            check, stage = arg.rsplit("_", 1)
            got = (_resource_cv if check == "cv" else _resource_rule)(evaluation, index, stage)
            basis = item["source"]
            # the wording follows the comparison in force (a county's "<" reads 小于)
            ops = got["op"].copy()
            empty = ops == ""
            ops[empty] = [(evaluation.standards[c].cv_limit or {}).get("comparison", "") for c in counties[empty]]
            # one name per comparison in force (a handful), the same object on every row that uses it
            named = {op: item_name(item, op) for op in pd.unique(ops)}
            name = np.array([named[op] for op in ops], dtype=object)
        else:
            # each county's threshold (its county_targets may replace the national one)
            thresholds = [item_threshold(item, cfg) for cfg in configs]
            standard = np.array([t for t, _ in thresholds], dtype=float)[config_of_row]
            basis = thresholds[0][1] if len(configs) == 1 else np.array([b for _, b in thresholds],
                                                                          dtype=object)[config_of_row]
            if kind == "census":
                if school_position is None:     # each school's county-year, found once for the census items
                    wide = evaluation.guarantee_wide
                    school_position = _key_positions(wide["county"], wide["year"], index) if len(wide) else \
                        np.zeros(0, dtype=np.int64)
                value, source = _census(evaluation, keys, arg, school_position)
            else:
                value, source = np.full(n, np.nan), "无县级指标表"
            op = item.get("op", ">=")
            got = {"value": value, "standard": standard, "op": op, "source": source,
                   "passes": _verdicts(np.asarray(compare(value, standard, op), dtype=bool), ~np.isnan(value))}
        got["basis"] = basis
        for c in ("value", "standard", "op", "passes", "source", "basis"):
            cols[c].append(got[c])
        cols["name"].append(name)
    k = len(national)
    # item-major blocks → county-year-major rows, items in form order
    order = np.arange(n * k).reshape(k, n).T.ravel()
    item_of_row, county_year_of_row = np.tile(np.arange(k), n), np.repeat(np.arange(n), k)
    data = {c: np.concatenate(v)[order] if v else np.array([]) for c, v in cols.items()
            if c not in _TEXT_BLOCKS}
    passes = data.pop("passes").astype(float)
    data["no"] = picked_text([it["no"] for it in national], item_of_row)
    data["year"] = keys["year"].to_numpy()[county_year_of_row]
    # text columns repeat a few values over tens of thousands of rows: categoricals (Parquet dictionaries).
    # A column fixed per item or per county-year is coded from its k or n values; the others block by block.
    def coded(values, at) -> pd.Categorical:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        return pd.Categorical.from_codes(codes[at] if len(at) else codes[:0], pd.Index(uniques, dtype=object))

    data["area"] = coded([it["area"] for it in national], item_of_row)
    data["area_zh"] = coded([spec["areas"][it["area"]] for it in national], item_of_row)
    data["code"] = coded([it["code"] for it in national], item_of_row)
    data["county"] = coded(counties, county_year_of_row)
    for c in _TEXT_BLOCKS:
        data[c] = _coded_blocks(cols[c], n, order)
    items = pd.DataFrame(data)
    items["passes"] = pd.arrays.BooleanArray(passes == 1.0, np.isnan(passes))
    items = items[ITEM_COLUMNS]
    return items, _overall(items, keys, passes, k)


_TEXT_BLOCKS = ("name", "op", "source", "basis")


def _coded_blocks(blocks: list, n: int, order: np.ndarray) -> pd.Categorical:
    """The categorical of a text column given item by item (each block one text for all ``n`` county-years, or an
    array of ``n`` texts), its rows taken in ``order``: equal to ``pd.factorize`` of the rows (categories in
    order of first appearance), but each text of a whole block coded once, and only the arrays hashed, block
    by block (hashing 100,000 Python strings holds the interpreter the second thread needs)."""
    vocabulary: dict = {}
    codes = np.empty(len(blocks) * n, dtype=np.int64)
    for i, block in enumerate(blocks):
        if isinstance(block, str):
            codes[i * n:(i + 1) * n] = vocabulary.setdefault(block, len(vocabulary))
        else:
            local, uniques = pd.factorize(np.asarray(block, dtype=object))
            mapped = np.array([vocabulary.setdefault(u, len(vocabulary)) for u in uniques] + [-1], dtype=np.int64)
            codes[i * n:(i + 1) * n] = mapped[local]          # (−1, missing, stays −1)
    codes = codes[order]
    # categories in order of first appearance (first positions among the rows with a text: the same order)
    present, first = np.unique(codes[codes >= 0], return_index=True)
    by_first = present[np.argsort(first)]
    rank = np.full(len(vocabulary) + 1, -1, dtype=np.int64)
    rank[by_first] = np.arange(len(by_first))
    names = np.array(list(vocabulary), dtype=object)
    return pd.Categorical.from_codes(rank[codes], pd.Index(names[by_first], dtype=object))


def _overall(items: pd.DataFrame, keys: pd.DataFrame, passes: np.ndarray, k: int) -> pd.DataFrame:
    """Area verdicts (False if any item fails, NA if none fails but one has no data) and the overall verdict;
    without a county-level table no veto has data, so overall is never a pass."""
    n = len(keys)
    p = passes.reshape(n, k)
    areas = items["area"].to_numpy()[:k]
    out = {"county": keys["county"].astype(str).to_numpy(dtype=object), "year": keys["year"].to_numpy()}
    any_fail = np.zeros(n, dtype=bool)
    for a in AREAS:
        block = p[:, areas == a]
        fail = (block == 0.0).any(axis=1)
        unknown = np.isnan(block).any(axis=1)
        any_fail |= fail
        out[f"area_{a}"] = pd.arrays.BooleanArray(~fail & ~unknown, ~fail & unknown)
    out["overall"] = pd.arrays.BooleanArray(np.zeros(n, dtype=bool), ~any_fail)   # vetoes have no data
    return pd.DataFrame(out)[OVERALL_COLUMNS]


# ------------------------------------------------------------------------------------- one county-year
def county_scorecard(result, county_values=None, prerequisite_of_year: dict | None = None):
    """The scorecard of one evaluated county-year (:func:`junyun_lib.evaluation.scorecard.scorecard`): a
    configured county's with its county-level table ``county_values`` and its application prerequisite; a
    county without a configuration still gets one — the items the school table decides are computed, the
    county-level items, the vetoes and the prerequisite are no data, so the overall verdict is never a pass.
    None under a standard the form does not apply to (basic-2012)."""
    if result.config.configured:
        return scorecard(result, county_values, prerequisite_of_year)
    return scorecard(result, None, prerequisite({}, result.year))


def with_county_scorecards(items: pd.DataFrame, overall: pd.DataFrame, cards) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tables of :func:`scorecard_tables` with the rows of each county-year in ``cards`` (``[(county, year,
    Scorecard)]``: the configured counties' exact per-county scorecards) put in place of the school-derived
    ones, sorted by county and year."""
    swaps = []
    for c, y, card in cards:
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
