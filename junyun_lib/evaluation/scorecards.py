"""The scorecard of every county-year at once (全部县区的评估表), for provincial and national runs.

:func:`junyun_lib.evaluation.scorecard.scorecard` builds one county-year's scorecard (35 ms); a national file
has thousands.  Here the items that the school table decides are computed for all county-years together,
vectorised over the evaluation's tables, with the same rules:

* 资源配置 — ``cv_<stage>``: every indicator's CV within its limit (value: the worst failing CV, else the
  largest); ``school_rule_<stage>``: the number of school parts failing the per-school rule must be 0;
* 校额、班额、音乐美术专用教室 — the share of schools meeting every applicable check, against the item's
  standard (100%);
* every item of the county-level table — **no data** (never a pass) unless a county's values are given.

An area fails if any item fails, is undetermined if none fails but one has no data; overall fails if an area
fails, else is undetermined (no veto has data without a county-level table).  Counties whose county-level
table exists get their exact per-county scorecard from the workspace instead (same columns).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..rules import compare
from ..rules.plan_metrics import GUARANTEE_ITEMS
from ..rules.scorecard_form import AREAS, form
from .scorecard import _threshold

ITEM_COLUMNS = ["county", "year", "area", "area_zh", "no", "code", "name", "value", "standard", "op", "passes",
                "source", "basis"]
OVERALL_COLUMNS = ["county", "year", "overall"] + [f"area_{a}" for a in AREAS]


def _keys(evaluation) -> pd.DataFrame:
    return pd.DataFrame(evaluation.county_years(), columns=["county", "year"])


def _resource_cv(evaluation, keys: pd.DataFrame, stage: str) -> pd.DataFrame:
    ind = evaluation.indicators
    ind = ind[ind["stage"] == stage]
    out = keys.copy()
    if ind.empty:
        out["value"], out["standard"], out["op"], out["passes"] = np.nan, np.nan, "", pd.NA
        out["source"] = "该学段无纳入评估的学校"
        return out
    ok = ind["cv_pass"].fillna(False).astype(bool).to_numpy()
    cv = ind["cv"].to_numpy(dtype=float)
    frame = pd.DataFrame({"county": ind["county"].astype(str).to_numpy(), "year": ind["year"].to_numpy(),
                          "fail": ~ok, "cv_or_inf": np.where(np.isnan(cv), np.inf, cv), "cv": cv,
                          "limit": ind["cv_limit"].to_numpy(dtype=float), "op": ind["cv_comparison"].astype(str).to_numpy(),
                          "name": [evaluation.standards[c].indicator(i).name_zh
                                   for c, i in zip(ind["county"].astype(str), ind["indicator"])]})
    # the worst failing indicator when any fails, else the largest CV (an incomputable CV counts as the worst)
    frame["rank"] = np.where(frame["fail"], 1, 0)
    frame = frame.sort_values(["county", "year", "rank", "cv_or_inf"], ascending=[True, True, False, False],
                              kind="stable")
    worst = frame.groupby(["county", "year"], sort=False).head(1)      # ties: the first in indicator order
    any_fail = frame.groupby(["county", "year"])["fail"].any()
    worst = worst.set_index(["county", "year"])
    idx = pd.MultiIndex.from_frame(keys.assign(county=keys["county"].astype(str)))
    w = worst.reindex(idx)
    present = w["cv_or_inf"].notna().to_numpy()
    failing = any_fail.reindex(idx).fillna(False).to_numpy(dtype=bool)
    out["value"] = w["cv"].to_numpy(dtype=float)
    out["standard"] = w["limit"].to_numpy(dtype=float)
    out["op"] = w["op"].fillna("").to_numpy()
    out["passes"] = pd.array(np.where(present, ~failing, False), dtype="boolean")
    out.loc[~present, "passes"] = pd.NA
    label = np.where(failing, "超限", "最大")
    names = w["name"].fillna("").to_numpy()
    source = np.array([f"{lab}的差异系数：{n}（学校基础数据）" for lab, n in zip(label, names)], dtype=object)
    incomputable = present & np.isnan(out["value"].to_numpy())
    source[incomputable] = [f"{n}的差异系数无法计算（均值为0，学校基础数据）" for n in names[incomputable]]
    source[~present] = "该学段无纳入评估的学校"
    out["source"] = source
    return out


def _resource_rule(evaluation, keys: pd.DataFrame, stage: str) -> pd.DataFrame:
    st = evaluation.stages
    st = st[st["stage"] == stage].assign(county=lambda f: f["county"].astype(str)).set_index(["county", "year"])
    idx = pd.MultiIndex.from_frame(keys.assign(county=keys["county"].astype(str)))
    st = st.reindex(idx)
    present = st["schools_in_scope"].fillna(0).to_numpy() > 0
    failing = pd.to_numeric(st["schools_failing_rule"], errors="coerce").to_numpy(dtype=float)
    out = keys.copy()
    out["value"] = np.where(present, failing, np.nan)
    out["standard"] = np.where(present, 0.0, np.nan)
    out["op"] = np.where(present, "<=", "")
    out["passes"] = pd.array(present & (failing == 0), dtype="boolean")
    out.loc[~present, "passes"] = pd.NA
    zh = "小学" if stage == "primary" else "初中"
    out["source"] = np.where(present, f"未达到校级规则的{zh}学段数（学校基础数据）", "该学段无纳入评估的学校")
    return out


def _census(evaluation, keys: pd.DataFrame, item: str) -> pd.DataFrame:
    """Share (%) of schools meeting every applicable check of a guarantee item, per county-year."""
    wide = evaluation.guarantee_wide
    columns = [f"{c}_passes" for c in GUARANTEE_ITEMS[item] if f"{c}_passes" in wide]
    out = keys.copy()
    if wide.empty or not columns:
        out["value"], out["source"] = np.nan, "无学校数据"
        return out
    checks = wide[columns].astype("boolean")
    applicable = checks.notna().any(axis=1).to_numpy()
    passes = checks.fillna(True).all(axis=1).to_numpy() & applicable
    frame = pd.DataFrame({"county": wide["county"].astype(str).to_numpy(), "year": wide["year"].to_numpy(),
                          "n": applicable.astype(int), "ok": passes.astype(int)})
    counts = frame.groupby(["county", "year"])[["n", "ok"]].sum()
    idx = pd.MultiIndex.from_frame(keys.assign(county=keys["county"].astype(str)))
    counts = counts.reindex(idx).fillna(0)
    n, ok = counts["n"].to_numpy(dtype=float), counts["ok"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["value"] = np.where(n > 0, 100.0 * ok / n, np.nan)
    out["source"] = [f"{int(a)}/{int(b)} 所学校达标（学校基础数据）" if b > 0 else "无学校数据" for a, b in zip(ok, n)]
    return out


def scorecard_tables(evaluation) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(items, overall)`` for every county-year of ``evaluation`` (quality balance), school-derived items
    computed, county-level items no data.

    ``items``: one row per county-year and item (:data:`ITEM_COLUMNS`, ``passes`` a nullable boolean: NA =
    no data).  ``overall``: one row per county-year with ``overall`` and each area's verdict (NA =
    undetermined).
    """
    spec = form()
    keys = _keys(evaluation)
    pieces = []
    for item in spec["items"]:
        kind, _, arg = item["input"].partition(":")
        base = {"area": item["area"], "area_zh": spec["areas"][item["area"]], "no": item["no"],
                "code": item["code"], "name": item["name_zh"], "basis": item["source"]}
        if kind == "resource":
            check, stage = arg.rsplit("_", 1)
            piece = (_resource_cv if check == "cv" else _resource_rule)(evaluation, keys, stage)
        else:
            # the threshold of each county (its county_targets may replace the national one)
            thresholds = {c: _threshold(item, evaluation.counties[c]) for c in keys["county"].unique()}
            piece = _census(evaluation, keys, arg) if kind == "census" else \
                keys.assign(value=np.nan, source="无县级指标表")
            piece["standard"] = keys["county"].map(lambda c: thresholds[c][0]).to_numpy(dtype=float)
            piece["op"] = item.get("op", ">=")
            base["basis"] = None
            piece["basis"] = keys["county"].map(lambda c: thresholds[c][1]).to_numpy()
            value = piece["value"].to_numpy(dtype=float)
            verdict = compare(value, piece["standard"].to_numpy(dtype=float), item.get("op", ">="))
            piece["passes"] = pd.array(np.asarray(verdict, dtype=bool), dtype="boolean")
            piece.loc[np.isnan(value), "passes"] = pd.NA
        for k, v in base.items():
            if v is not None:
                piece[k] = v
        pieces.append(piece)
    items = pd.concat(pieces, ignore_index=True)
    items["county"] = items["county"].astype(str)
    order = {c: i for i, c in enumerate(it["code"] for it in spec["items"])}
    items["_order"] = items["code"].map(order)
    items = items.sort_values(["county", "year", "_order"], kind="stable").drop(columns="_order")
    items = items[ITEM_COLUMNS].reset_index(drop=True)
    return items, _overall(items, keys)


def _overall(items: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Area verdicts (False if any item fails, NA if none fails but one has no data) and the overall verdict;
    without a county-level table no veto has data, so overall is never a pass."""
    p = items["passes"]
    frame = pd.DataFrame({"county": items["county"], "year": items["year"], "area": items["area"],
                          "fail": (p == False).fillna(False).astype(bool),          # noqa: E712
                          "unknown": p.isna().to_numpy()})
    g = frame.groupby(["county", "year", "area"], sort=False)[["fail", "unknown"]].any().reset_index()
    g["verdict"] = pd.array(np.where(g["fail"], False, True), dtype="boolean")
    g.loc[~g["fail"] & g["unknown"], "verdict"] = pd.NA
    wide = g.pivot(index=["county", "year"], columns="area", values="verdict")
    out = keys.assign(county=keys["county"].astype(str)).set_index(["county", "year"])
    for a in AREAS:
        out[f"area_{a}"] = wide[a].reindex(out.index).astype("boolean") if a in wide else pd.NA
    any_fail = g.groupby(["county", "year"])["fail"].any().reindex(out.index).fillna(False).to_numpy(dtype=bool)
    out["overall"] = pd.array(np.where(any_fail, False, False), dtype="boolean")
    out.loc[~any_fail, "overall"] = pd.NA            # vetoes have no data: never a pass
    return out.reset_index()[OVERALL_COLUMNS]
