"""What-if scenarios and the interactive gap-cause explorer (差距成因探索与情景测算).

:class:`Scenario` holds additions to one county-year's schools (whole teachers of a section, m², 元,
rooms — the raw table's own terms) and re-runs the core evaluation on the raw rows plus the additions, so
every CV, school verdict and cost it shows is the official computation.  :func:`explorer_app` wires
ipywidgets to a scenario for JupyterLab (``notebooks/30_gap_explorer.ipynb``); the notebook only calls it.
"""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from . import __version__
from .cheapest import METHOD_ZH, cheapest_path, evaluate_with_additions
from .gaps import load_unit_costs
from .report import SYNTHETIC_LABEL
from .schema import STAGE_ZH

ADDITION_COLUMNS = ["school_id", "school_name", "stage", "indicator", "name_zh", "column", "amount", "unit_zh",
                    "cost_wan", "reason"]


class Scenario:
    """A what-if on one county-year (情景测算)."""

    def __init__(self, evaluation, county: str | None = None, year: int | None = None, costs=None):
        self.evaluation = evaluation
        self.before = evaluation.county(county, year)
        self.county, self.year = self.before.county, self.before.year
        self.costs = costs if isinstance(costs, pd.DataFrame) else load_unit_costs(costs)
        self.unit_cost = dict(zip(self.costs["indicator"], self.costs["cost_wan_per_unit"].astype(float)))
        self.additions = pd.DataFrame(columns=ADDITION_COLUMNS)
        self._result = self.before

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
        self._result = None

    def apply_cheapest_path(self):
        """Replace the additions by the cheapest path to pass (:mod:`junyun_lib.cheapest`); returns the plan."""
        plan = cheapest_path(self.evaluation, self.county, self.year, costs=self.costs, verify_naive=False)
        self.additions = plan.additions[ADDITION_COLUMNS].copy()
        self._result = plan.after
        return plan

    def clear(self) -> None:
        self.additions = pd.DataFrame(columns=ADDITION_COLUMNS)
        self._result = self.before

    # ---------------------------------------------------------------------------------------- results
    @property
    def result(self):
        """The county-year re-evaluated with the additions."""
        if self._result is None:
            self._result = evaluate_with_additions(self.evaluation, self.county, self.year, self.additions)
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
            "原校级规则": ["达到" if bool(v) else "未达到" for v in before["passes_school_rule"]],
            "现校级规则": ["达到" if bool(v) else "未达到" for v in now.loc[before.index, "passes_school_rule"]],
        })

    def summary(self) -> str:
        r = self.result
        failing_cv = int((~r.indicators["cv_pass"].astype(bool)).sum())
        failing_parts = int((~r.parts["passes_school_rule"].fillna(False).astype(bool)).sum())
        return (f"{self.county} {self.year}年 情景：补充 {len(self.additions)} 项，经费 {self.cost:,.1f} 万元；"
                f"超限的差异系数 {failing_cv} 个，未达到校级规则的学段 {failing_parts} 个"
                + (f"（{SYNTHETIC_LABEL}）" if self.before.synthetic else ""))

    def to_excel(self, path) -> Path:
        """The scenario as a workbook: 说明, 补充方案, 差异系数, 学校."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        about = [("县区", self.county), ("年度", self.year), ("补充经费（万元）", round(self.cost, 2)),
                 ("方法", METHOD_ZH), ("单位成本", "junyun_lib/rules/unit_costs.csv 或 --costs 指定的文件（示例值，请按本地标准修改）"),
                 ("生成工具", f"junyun {__version__}")]
        if self.before.synthetic:
            about.insert(0, ("数据性质", SYNTHETIC_LABEL))
        adds = self.additions.rename(columns={
            "school_id": "学校标识码", "school_name": "学校名称", "stage": "学段", "indicator": "指标代码",
            "name_zh": "指标", "column": "原始数据列", "amount": "补充数量", "unit_zh": "单位", "cost_wan": "经费（万元）",
            "reason": "依据"})
        adds["学段"] = adds["学段"].map(lambda s: STAGE_ZH.get(s, "全校"))
        parts = self.result.parts[["school_id", "school_name", "part", "students", "n_meeting", "passes_school_rule"]]
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            pd.DataFrame(about, columns=["项目", "内容"]).to_excel(writer, sheet_name="说明", index=False)
            adds.to_excel(writer, sheet_name="补充方案", index=False)
            self.cv_table().to_excel(writer, sheet_name="差异系数", index=False)
            parts.rename(columns={"school_id": "学校标识码", "school_name": "学校名称", "part": "学段", "students": "在校生",
                                  "n_meeting": "达标项数", "passes_school_rule": "达到校级规则"}).to_excel(
                writer, sheet_name="学校", index=False)
        return path


# ---------------------------------------------------------------------------------------------- widgets
class ExplorerApp:
    """The widget explorer (交互探索): choose county, year, stage, indicator; see the schools ranked by their
    contribution to the CV, the distribution with the standard line; add resources or apply the cheapest
    path and see CV, the school's rule and the cost update; export the scenario.  ``widget`` is the view."""

    def __init__(self, data_dir="data", county: str | None = None, year: int | None = None,
                 standard: str = "quality-2017", costs=None):
        import ipywidgets as w

        from .overview import load_processed

        self.evaluation = load_processed(data_dir, standard)
        self.costs = costs
        pairs = self.evaluation.county_years()
        counties = sorted({c for c, _ in pairs})
        county = county or counties[0]
        years = sorted(y for c, y in pairs if c == county)
        self.county_box = w.Dropdown(options=counties, value=county, description="县区")
        self.year_box = w.Dropdown(options=years, value=year or years[-1], description="年度")
        self.stage_box = w.Dropdown(options=[(STAGE_ZH[s], s) for s in ("primary", "junior")], value="primary",
                                    description="学段")
        self.indicator_box = w.Dropdown(description="指标")
        self.school_box = w.Dropdown(description="学校")
        self.amount_box = w.FloatText(value=1.0, description="补充数量")
        self.add_button = w.Button(description="添加")
        self.cheapest_button = w.Button(description="应用最低成本方案")
        self.clear_button = w.Button(description="清空")
        self.path_box = w.Text(value="outputs/scenario.xlsx", description="导出到")
        self.export_button = w.Button(description="导出 Excel")
        self.status = w.HTML()
        self.ranking = w.HTML()
        self.chart = w.Output()
        self.tables = w.HTML()
        self.widget = w.VBox([
            w.HBox([self.county_box, self.year_box, self.stage_box, self.indicator_box]),
            self.status, w.HBox([self.ranking, self.chart]),
            w.HBox([self.school_box, self.amount_box, self.add_button]),
            w.HBox([self.cheapest_button, self.clear_button, self.path_box, self.export_button]), self.tables])
        for box in (self.county_box, self.year_box):
            box.observe(self._on_county, names="value")
        for box in (self.stage_box, self.indicator_box):
            box.observe(lambda change: self.refresh(), names="value")
        self.add_button.on_click(lambda _: self._add())
        self.cheapest_button.on_click(lambda _: self._cheapest())
        self.clear_button.on_click(lambda _: self._clear())
        self.export_button.on_click(lambda _: self.export())
        self._on_county(None)

    def _on_county(self, change) -> None:
        years = sorted(y for c, y in self.evaluation.county_years() if c == self.county_box.value)
        if self.year_box.value not in years:
            self.year_box.options, self.year_box.value = years, years[-1]
            return                                           # the year change calls back here
        self.scenario = Scenario(self.evaluation, self.county_box.value, self.year_box.value, self.costs)
        std = self.scenario.before.standard
        current = self.indicator_box.value
        self.indicator_box.options = [(i.name_zh, i.code) for i in std.indicators]
        self.indicator_box.value = current if current in std.codes else std.codes[0]
        self.refresh()

    def refresh(self) -> None:
        from .causes import indicator_causes
        from .plotting import distribution_chart, show

        if not hasattr(self, "scenario") or self.indicator_box.value is None:
            return
        stage, code = self.stage_box.value, self.indicator_box.value
        result = self.scenario.result
        parts = result.parts[result.parts["part"] == stage]
        self.school_box.options = [(f"{n}（{i}）", str(i)) for i, n in zip(parts["school_id"], parts["school_name"])]
        causes = indicator_causes(result, stage, code)
        top = causes.contributions.head(15)
        rows = "".join(f"<tr><td>{html.escape(str(r.school_name))}</td><td>{r.share:.1%}</td>"
                       f"<td>{'低于' if r.direction == 'below' else '高于'}均值</td></tr>" for r in top.itertuples())
        self.ranking.value = (f"<b>对差异系数的贡献（差异系数 {causes.cv:.3f}）</b><table><tr><th>学校</th><th>份额</th>"
                              f"<th>方向</th></tr>{rows}</table>")
        self.status.value = f"<b>{html.escape(self.scenario.summary())}</b>"
        self.tables.value = self.scenario.cv_table().to_html(index=False)
        self.chart.clear_output(wait=True)
        with self.chart:
            show(distribution_chart(result, stage, code))

    def _add(self) -> None:
        self.scenario.add(self.school_box.value, self.indicator_box.value, self.amount_box.value,
                          stage=self.stage_box.value)
        self.refresh()

    def _cheapest(self) -> None:
        self.scenario.apply_cheapest_path()
        self.refresh()

    def _clear(self) -> None:
        self.scenario.clear()
        self.refresh()

    def export(self) -> Path:
        path = self.scenario.to_excel(self.path_box.value)
        self.status.value += f"<br>已导出：{html.escape(str(path))}"
        return path


def explorer_app(data_dir="data", county: str | None = None, year: int | None = None,
                 standard: str = "quality-2017", costs=None):
    """The explorer's widget for a notebook cell (see :class:`ExplorerApp`)."""
    return ExplorerApp(data_dir, county, year, standard, costs).widget
