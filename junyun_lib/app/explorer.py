"""The interactive gap-cause explorer (差距成因交互探索) for JupyterLab.

:func:`explorer_app` wires ipywidgets to a :class:`~junyun_lib.planning.scenario.Scenario` of one county-year
loaded through a :class:`~junyun_lib.workspace.Workspace`; ``notebooks/30_gap_explorer.ipynb`` only calls it.
"""
from __future__ import annotations

import html
from pathlib import Path

from ..evaluation.causes import indicator_causes
from ..planning.scenario import Scenario
from ..report.charts import distribution_chart, show
from ..rules.schema import STAGE_ZH
from ..workspace import Workspace


# ---------------------------------------------------------------------------------------------- widgets
class ExplorerApp:
    """The widget explorer (交互探索): choose county, year, stage, indicator; see the schools ranked by their
    contribution to the CV, the distribution with the standard line; add resources or apply the cheapest
    path and see CV, the school's rule and the cost update; export the scenario.  ``widget`` is the view."""

    def __init__(self, data_dir=None, county: str | None = None, year: int | None = None,
                 standard: str = "quality-2017", costs=None, outputs_dir=None):
        import ipywidgets as w

        self.workspace = Workspace(data_dir, outputs_dir, costs=costs)
        self.evaluation = self.workspace.evaluation(None, standard)
        self.costs = self.workspace.costs
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
        self.path_box = w.Text(value=str(self.workspace.outputs_dir / "scenario.xlsx"), description="导出到")
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
        path = self.workspace.write_workbook(self.path_box.value, self.scenario.sheets())
        self.status.value += f"<br>已导出：{html.escape(str(path))}"
        return path


def explorer_app(data_dir=None, county: str | None = None, year: int | None = None,
                 standard: str = "quality-2017", costs=None, outputs_dir=None):
    """The explorer's widget for a notebook cell (see :class:`ExplorerApp`)."""
    return ExplorerApp(data_dir, county, year, standard, costs, outputs_dir).widget
