"""What-if scenarios (情景测算): additions to one county-year's schools, re-evaluated by the core evaluation.

:class:`Scenario` holds additions to one county-year's schools (whole teachers of a section, m², 元, rooms —
the raw table's own terms) and evaluates the raw rows plus the additions, so every CV, school verdict and cost it shows is the
official computation.  An addition re-evaluates only the school it touches and the CVs it changes
(:class:`~junyun_lib.evaluation.incremental.IncrementalCounty`, tested equal to the full re-evaluation);
the cheapest path and a standard without school-level values re-evaluate the county-year in full.  The
widget explorer (:mod:`junyun_lib.app.explorer`) drives one.
"""
from __future__ import annotations

import pandas as pd

from ..evaluation.evaluate import evaluate
from ..evaluation.incremental import IncrementalCounty
from ..io.costs import load_unit_costs
from ..io.reader import SchoolTable
from ..rules.schema import STAGE_ZH, field_zh
from ..synthetic import SYNTHETIC_LABEL
from ..version import __version__
from .cheapest import METHOD_ZH, apply_additions, cheapest_path, evaluate_with_additions

ADDITION_COLUMNS = ["school_id", "school_name", "stage", "indicator", "name_zh", "column", "amount", "unit_zh",
                    "cost_wan", "reason"]
#: why an addition is there, as the exported workbook says it
REASON_ZH = {"manual": "手工补充", "school_rule": "达到校级规则", "cv": "差异系数达到限值", "naive": "逐校补足到标准"}


class Scenario:
    """A what-if on one county-year (情景测算)."""

    def __init__(self, evaluation, county: str | None = None, year: int | None = None, costs=None):
        self.evaluation = evaluation
        self.before = evaluation.county(county, year)
        self.county, self.year = self.before.county, self.before.year
        self.costs = costs if isinstance(costs, pd.DataFrame) else load_unit_costs(costs)
        self.unit_cost = dict(zip(self.costs["indicator"], self.costs["cost_wan_per_unit"].astype(float)))
        self.additions = pd.DataFrame(columns=ADDITION_COLUMNS)
        schools = evaluation.schools
        self._incremental = IncrementalCounty(
            self.before, schools[(schools["county"] == self.county) & (schools["year"] == self.year)], self.costs)
        self._result = self.before

    def _set_result(self, result) -> None:
        """The scenario's result, and the incremental state that follows it."""
        self._result = result
        self._incremental.reset(result)

    # ------------------------------------------------------------------------------------------- edits
    def add(self, school_id: str, indicator: str, amount: float, stage: str | None = None) -> None:
        """Add ``amount`` (teachers, rooms, m² or 元) of ``indicator`` to a school; ``stage`` says which
        section gets teachers (needed only when the school has both)."""
        ind = self.before.standard.indicator(indicator)
        parts = self.before.parts[self.before.parts["school_id"].astype(str) == str(school_id)]
        if parts.empty:
            raise KeyError(f"{self.county}{self.year}年没有学校 {school_id} (no such school in scope)")
        if amount < 0:
            raise ValueError(f"补充数量不能为负 (amount must not be negative): {amount}")
        if ind.numerator_kind == "section":
            stages = list(parts["part"])
            stage = stage or (stages[0] if len(stages) == 1 else None)
            if stage not in stages:
                raise ValueError(f"请指定学段 {stages} (name the section: {stages})")
        else:
            stage = ""
        column = ind.numerator_column(stage or parts["part"].iloc[0])
        row = {"school_id": str(school_id), "school_name": parts["school_name"].iloc[0], "stage": stage,
               "indicator": indicator, "name_zh": ind.name_zh, "column": column, "amount": float(amount),
               "unit_zh": ind.shortfall_unit_zh, "cost_wan": float(amount) * self.unit_cost.get(indicator, float("nan")),
               "reason": "manual"}
        self.additions = pd.concat([self.additions, pd.DataFrame([row])], ignore_index=True)
        if self._result is not None and self._incremental.handles(column):
            self._result = self._incremental.update(self.additions, str(school_id), column)
        else:                                          # evaluated in full when next asked for
            self._result = None

    @property
    def manual_count(self) -> int:
        """How many additions were typed by hand (not from the cheapest path)."""
        return int((self.additions["reason"] == "manual").sum()) if len(self.additions) else 0

    def apply_cheapest_path(self, keep: bool = False):
        """The cheapest path to pass (:mod:`junyun_lib.planning.cheapest`); returns the plan.

        ``keep=False`` replaces the additions by the plan.  ``keep=True`` keeps the additions made so far and
        adds the cheapest path computed on top of them (the schools as they are with those additions), so
        the scenario passes and nothing typed by hand is lost.
        """
        base = self.additions if keep and len(self.additions) else None
        source = self.evaluation if base is None else self._evaluation_with(base)
        plan = cheapest_path(source, self.county, self.year, costs=self.costs, verify_naive=False)
        found = plan.additions[ADDITION_COLUMNS]
        self.additions = found.copy() if base is None else pd.concat([base, found], ignore_index=True)
        self._set_result(plan.after)
        return plan

    def _evaluation_with(self, additions: pd.DataFrame):
        """This county-year's evaluation (one county-year) on the raw rows plus ``additions``."""
        schools = self.evaluation.schools
        frame = schools[(schools["county"] == self.county) & (schools["year"] == self.year)]
        table = SchoolTable(frame=apply_additions(frame, additions).reset_index(drop=True),
                            synthetic=self.evaluation.synthetic)
        cfg = self.evaluation.counties.get(self.county)
        return evaluate(table, self.evaluation.standard_code,
                        counties={self.county: cfg} if cfg is not None else None)

    def clear(self) -> None:
        self.additions = pd.DataFrame(columns=ADDITION_COLUMNS)
        self._set_result(self.before)

    # ---------------------------------------------------------------------------------------- results
    @property
    def result(self):
        """The county-year re-evaluated with the additions."""
        if self._result is None:
            self._set_result(evaluate_with_additions(self.evaluation, self.county, self.year, self.additions))
        return self._result

    @property
    def cost(self) -> float:
        return float(pd.to_numeric(self.additions["cost_wan"]).sum()) if len(self.additions) else 0.0

    def cv_table(self) -> pd.DataFrame:
        """Per stage and indicator: CV before and now, the limit, whether it passes now (Chinese headers)."""
        names = {i.code: i.name_zh for i in self.before.standard.indicators}
        now = self.result.indicators.set_index(["stage", "indicator"])
        rows = []
        for r in self.before.indicators.itertuples(index=False):
            n = now.loc[(r.stage, r.indicator)]
            rows.append({"学段": STAGE_ZH[r.stage], "指标": names[r.indicator], "原差异系数": round(float(r.cv), 3),
                         "现差异系数": round(float(n["cv"]), 3), "限值": r.cv_limit,
                         "现在": "达标" if bool(n["cv_pass"]) else "超限"})
        return pd.DataFrame(rows)

    def school_status(self, school_id: str) -> pd.DataFrame:
        """A school's parts before and now: indicators met and the per-school rule."""
        def pick(result):
            parts = result.parts
            return parts[parts["school_id"].astype(str) == str(school_id)].set_index("part")

        before, now = pick(self.before), pick(self.result)
        return pd.DataFrame({
            "学段": [STAGE_ZH[p] for p in before.index],
            "原达标项数": before["n_meeting"].astype(int).to_list(),
            "现达标项数": now.loc[before.index, "n_meeting"].astype(int).to_list(),
            "原校级规则": [_rule_zh(v) for v in before["passes_school_rule"]],
            "现校级规则": [_rule_zh(v) for v in now.loc[before.index, "passes_school_rule"]],
        })

    def summary(self) -> str:
        r = self.result
        failing_cv = int((~r.indicators["cv_pass"].astype(bool)).sum())
        failing_parts = int((~r.parts["passes_school_rule"].fillna(False).astype(bool)).sum())
        return (f"{self.county} {self.year}年 情景：补充 {len(self.additions)} 项，经费 {self.cost:,.1f} 万元；"
                f"超限的差异系数 {failing_cv} 个，未达到校级规则的学段 {failing_parts} 个"
                + (f"（{SYNTHETIC_LABEL}）" if self.before.synthetic else ""))

    def sheets(self) -> dict[str, pd.DataFrame]:
        """The scenario as workbook sheets: 说明, 补充方案, 差异系数, 学校 — Chinese headers and values (学段 小学/初中,
        达到/未达到, the reason of each addition, the raw column by its template header), school names as they
        are in the data.

        Write them with :meth:`junyun_lib.workspace.Workspace.write_workbook` (which goes through
        :func:`junyun_lib.io.workbook.write_workbook`): a name such as ``=HYPERLINK(…)`` is then stored as text,
        never as a formula; do not write these tables to Excel any other way.
        """
        about = [("县区", self.county), ("年度", self.year), ("补充项数", len(self.additions)),
                 ("其中手工补充", self.manual_count), ("补充经费（万元）", round(self.cost, 2)), ("方法", METHOD_ZH),
                 ("单位成本", "示例值，请按本地标准修改（junyun 可另行指定单位成本表）"), ("生成工具", f"junyun {__version__}")]
        if self.before.synthetic:
            about.insert(0, ("数据性质", SYNTHETIC_LABEL))
        a = self.additions
        adds = pd.DataFrame({
            "学校标识码": a["school_id"].astype(str), "学校名称": a["school_name"].astype(str),
            "学段": a["stage"].map(lambda s: STAGE_ZH.get(s, "全校")), "指标": a["name_zh"],
            "补充数量": pd.to_numeric(a["amount"]), "单位": a["unit_zh"], "经费（万元）": pd.to_numeric(a["cost_wan"]),
            "依据": a["reason"].map(lambda r: REASON_ZH.get(r, r)),
            "原始数据列": a["column"].map(field_zh)})
        before = self.before.parts.set_index(["school_id", "part"])
        now = self.result.parts
        keys = pd.MultiIndex.from_frame(now[["school_id", "part"]])
        schools = pd.DataFrame({
            "学校标识码": now["school_id"].astype(str).to_numpy(), "学校名称": now["school_name"].astype(str).to_numpy(),
            "学段": now["part"].map(STAGE_ZH).to_numpy(), "在校生": now["students"].astype(int).to_numpy(),
            "原达标项数": before["n_meeting"].reindex(keys).astype(int).to_numpy(),
            "现达标项数": now["n_meeting"].astype(int).to_numpy(),
            "原校级规则": [_rule_zh(v) for v in before["passes_school_rule"].reindex(keys)],
            "现校级规则": [_rule_zh(v) for v in now["passes_school_rule"]]})
        return {"说明": pd.DataFrame(about, columns=["项目", "内容"]), "补充方案": adds, "差异系数": self.cv_table(),
                "学校": schools}


def _rule_zh(value) -> str:
    """达到 / 未达到 for a part's per-school rule ("—" when it has none)."""
    return "—" if pd.isna(value) else ("达到" if bool(value) else "未达到")
