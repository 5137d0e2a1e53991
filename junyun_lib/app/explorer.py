"""The interactive gap-cause explorer (差距成因交互探索) for JupyterLab.

:func:`explorer_app` wires ipywidgets to a :class:`~junyun_lib.planning.scenario.Scenario` of one county-year
loaded through a :class:`~junyun_lib.workspace.Workspace`; ``notebooks/30_gap_explorer.ipynb`` only calls it.

The folders are the notebook's (:meth:`~junyun_lib.workspace.Workspace.for_notebook`: the parameters, else
``$JUNYUN_DATA`` / ``$JUNYUN_OUTPUTS``, else the checkout's ``data/`` and ``outputs/``), never the folder the
kernel happens to run in.  The export box names a file inside the outputs folder; the full path it will be
written to is shown under it, and that is where it goes.  What cannot be done (no school chosen, a negative
amount, a path outside the outputs folder) is said in the widget, in red; nothing fails silently.

Layout: the schools are listed by their share of CV² for the chosen stage and indicator, largest first, by name
(the id only where two schools share a name); the amount box has the indicator's unit beside it; the chart is
shown at its own size and aspect ratio beside (or, on a narrow page, under) the contribution table.
"""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ..evaluation.causes import indicator_causes
from ..planning.scenario import Scenario
from ..problems import JunyunError, PathRefused
from ..report.charts import LiveDistribution
from ..rules.schema import STAGE_ZH
from ..workspace import Workspace

DEFAULT_EXPORT = "scenario.xlsx"


# ---------------------------------------------------------------------------------------------- widgets
class ExplorerApp:
    """The widget explorer (交互探索): choose county, year, stage, indicator; see the schools ranked by their
    contribution to the CV, the distribution with the standard line; add resources to a school and see its
    own rule status before and after, or apply the cheapest path (asking first whether to keep additions
    typed by hand); see CV, rules and cost update; export the scenario.  ``widget`` is the view, ``message``
    says what the last action did or why it could not be done."""

    def __init__(self, data_dir=None, county: str | None = None, year: int | None = None,
                 standard: str = "quality-2017", costs=None, outputs_dir=None):
        import ipywidgets as w

        self.workspace = Workspace.for_notebook(data_dir, outputs_dir, costs=costs)
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
        # the schools, largest contribution to the CV first (:func:`school_options`)
        self.school_box = w.Dropdown(description="学校", layout=w.Layout(width="24em"))
        self.amount_box = w.FloatText(value=1.0, description="补充数量", layout=w.Layout(width="14em"))
        self.amount_unit = w.Label()                  # the unit of the amount, beside the box (amount_unit)
        self.add_button = w.Button(description="添加")
        self.cheapest_button = w.Button(description="应用最低成本方案", layout=w.Layout(width="auto"))
        self.clear_button = w.Button(description="清空")
        # asked when the cheapest path would meet additions typed by hand
        self.merge_button = w.Button(description="保留手工补充，在其基础上测算", button_style="primary",
                                     layout=w.Layout(width="auto"))
        self.replace_button = w.Button(description="放弃手工补充，改用最低成本方案", button_style="warning",
                                       layout=w.Layout(width="auto"))
        self.cancel_button = w.Button(description="取消")
        self.question = w.HTML()
        self.ask_box = w.VBox([self.question, w.HBox([self.merge_button, self.replace_button, self.cancel_button])],
                              layout=w.Layout(display="none"))
        self.path_box = w.Text(value=DEFAULT_EXPORT, description="导出到", placeholder="输出目录中的文件名，如 scenario.xlsx")
        self.target = w.HTML()
        self.export_button = w.Button(description="导出 Excel")
        self.message = w.HTML()
        self.status = w.HTML()
        self.school_status = w.HTML()
        self.ranking = w.HTML(layout=w.Layout(flex="0 0 auto", min_width="24em"))
        # the chart at its own size and aspect ratio: not stretched to the height of the ranking beside it
        self.chart = w.Image(format="png", layout=chart_layout(w))
        # what the chart and the school list were made for: (the scenario's number, stage[, indicator])
        self._live, self._live_key, self._options_key, self._serial = None, None, None, 0
        self.tables = w.HTML()
        self.widget = w.VBox([
            w.HBox([self.county_box, self.year_box, self.stage_box, self.indicator_box]),
            self.status, w.HBox([self.ranking, self.chart], layout=w.Layout(**ROW_LAYOUT)),
            w.HBox([self.school_box, self.amount_box, self.amount_unit, self.add_button],
                   layout=w.Layout(align_items="center")), self.school_status,
            w.HBox([self.cheapest_button, self.clear_button]), self.ask_box,
            w.HBox([self.path_box, self.export_button]), self.target, self.message, self.tables])
        for box in (self.county_box, self.year_box):
            box.observe(self._on_county, names="value")
        for box in (self.stage_box, self.indicator_box):
            box.observe(lambda change: self.refresh(), names="value")
        self.school_box.observe(lambda change: self._show_school(), names="value")
        self.path_box.observe(lambda change: self._show_target(), names="value")
        self.add_button.on_click(lambda _: self._add())
        self.cheapest_button.on_click(lambda _: self._cheapest())
        self.merge_button.on_click(lambda _: self._apply_cheapest(keep=True))
        self.replace_button.on_click(lambda _: self._apply_cheapest(keep=False))
        self.cancel_button.on_click(lambda _: self._ask(False))
        self.clear_button.on_click(lambda _: self._clear())
        self.export_button.on_click(lambda _: self.export())
        self._show_target()
        self._on_county(None)

    # ----------------------------------------------------------------------------------------- messages
    def _say(self, text: str, error: bool = False) -> None:
        colour = "#b00020" if error else "#1b5e20"
        self.message.value = f'<span style="color:{colour}">{html.escape(text)}</span>' if text else ""

    def _ask(self, show: bool, question: str = "") -> None:
        self.question.value = html.escape(question)
        self.ask_box.layout.display = "" if show else "none"

    # ---------------------------------------------------------------------------------------- the views
    def _on_county(self, change) -> None:
        years = sorted(y for c, y in self.evaluation.county_years() if c == self.county_box.value)
        if self.year_box.value not in years:
            self.year_box.options, self.year_box.value = years, years[-1]
            return                                           # the year change calls back here
        self.scenario = Scenario(self.evaluation, self.county_box.value, self.year_box.value, self.costs)
        self._serial += 1
        std = self.scenario.before.standard
        current = self.indicator_box.value
        self.indicator_box.options = [(i.name_zh, i.code) for i in std.indicators]
        self.indicator_box.value = current if current in std.codes else std.codes[0]
        self._ask(False)
        self._say("")
        self.refresh()

    def refresh(self) -> None:
        if not hasattr(self, "scenario") or self.indicator_box.value is None:
            return
        stage, code = self.stage_box.value, self.indicator_box.value
        result = self.scenario.result
        causes = indicator_causes(result, stage, code)
        ind = self.scenario.before.standard.indicator(code)
        self.amount_unit.value = amount_unit(ind)
        # the order is the contribution when the stage or indicator was chosen; an edit does not reshuffle it
        if self._options_key != (self._serial, stage, code):
            parts = result.parts[result.parts["part"] == stage]
            chosen = self.school_box.value
            options = school_options(parts, causes.contributions)
            self.school_box.options = options
            if chosen in {v for _, v in options}:
                self.school_box.value = chosen
            self._options_key = (self._serial, stage, code)
        self.ranking.value = ranking_html(causes, ind)
        self.status.value = f"<b>{html.escape(self.scenario.summary())}</b>"
        self.tables.value = self.scenario.cv_table().to_html(index=False, escape=True)
        self._show_school()
        self._show_chart(result, stage, code)

    def _show_chart(self, result, stage: str, code: str) -> None:
        """The distribution chart: after an edit only the moved marks are drawn again (LiveDistribution)."""
        key = (self._serial, stage, code)
        if self._live is not None and self._live_key == key:
            self._live.update(result)
        else:
            self._live, self._live_key = LiveDistribution(result, stage, code), key
        self.chart.value = self._live.png()

    def _show_school(self) -> None:
        """The selected school's indicators met and per-school rule, before the additions and now."""
        school = self.school_box.value
        if not hasattr(self, "scenario") or school is None:
            self.school_status.value = ""
            return
        status = self.scenario.school_status(school)
        name = dict((v, k) for k, v in self.school_box.options).get(school, school)
        self.school_status.value = (f"<b>所选学校：{html.escape(str(name))}</b>"
                                    + status.to_html(index=False, escape=True))

    def _show_target(self) -> None:
        """Under the export box: the full path the export will write (or why it cannot)."""
        try:
            path = self._export_path()
        except (JunyunError, ValueError) as exc:
            self.target.value = f'<span style="color:#b00020">{html.escape(_text(exc))}</span>'
            return
        self.target.value = f"将导出到：<code>{html.escape(str(path))}</code>"

    def _export_path(self) -> Path:
        name = self.path_box.value.strip()
        if not name:
            raise ValueError("请填写导出的文件名，如 scenario.xlsx")
        if not name.lower().endswith(".xlsx"):
            raise ValueError("导出的文件名应以 .xlsx 结尾")
        try:
            return self.workspace.outputs_file(name, "导出的情景")
        except PathRefused as exc:
            raise ValueError("；".join(p.message_zh for p in exc.problems) + f"：{name}") from exc

    # ------------------------------------------------------------------------------------------ actions
    def _add(self) -> None:
        school, amount = self.school_box.value, self.amount_box.value
        if school is None:
            self._say("请先选择学校（No school selected）", error=True)
            return
        if amount is None or pd.isna(amount) or amount <= 0:
            self._say(f"补充数量应大于 0（amount must be positive）：{amount}", error=True)
            return
        try:
            self.scenario.add(school, self.indicator_box.value, amount, stage=self.stage_box.value)
        except (KeyError, ValueError) as exc:
            self._say(_text(exc), error=True)
            return
        ind = self.scenario.before.standard.indicator(self.indicator_box.value)
        self._say(f"已添加：{self.scenario.additions['school_name'].iloc[-1]} {ind.name_zh} "
                  f"{amount:g} {ind.shortfall_unit_zh}")
        self.refresh()

    def _cheapest(self) -> None:
        manual = self.scenario.manual_count
        if manual:
            self._ask(True, f"已有 {manual} 项手工补充。最低成本方案可以在保留这些补充的基础上测算，"
                            "也可以替换它们：")
            self._say("")
            return
        self._apply_cheapest(keep=False)

    def _apply_cheapest(self, keep: bool) -> None:
        self._ask(False)
        try:
            plan = self.scenario.apply_cheapest_path(keep=keep)
        except ValueError as exc:                     # a standard without school-level values
            self._say(_text(exc), error=True)
            return
        kept = f"保留 {self.scenario.manual_count} 项手工补充，" if keep else ""
        self._say(f"已应用最低成本方案：{kept}新增 {len(plan.additions)} 项，经费 {plan.total_cost:,.1f} 万元"
                  + ("" if plan.verified else "（重新评估仍未全部达标）"))
        self.refresh()

    def _clear(self) -> None:
        self._ask(False)
        self.scenario.clear()
        self._say("已清空全部补充")
        self.refresh()

    def export(self) -> Path | None:
        """Write the scenario to the path shown under the export box; returns it (None when refused)."""
        try:
            path = self.workspace.write_workbook(self._export_path(), self.scenario.sheets())
        except (JunyunError, ValueError, OSError) as exc:
            self._say(f"未导出：{_text(exc)}", error=True)
            return None
        self._say(f"已导出：{path}")
        return path


def chart_layout(w):
    """The chart's layout: its own height (``auto``), at the top of the row (``flex-start``), never wider than
    the page (``max_width``) and scaled with its aspect ratio kept (``object_fit``)."""
    return w.Layout(height="auto", width="auto", max_width="100%", align_self="flex-start", object_fit="contain",
                    flex="0 1 auto")


#: the row of the ranking and the chart: each at its own height, the chart below the ranking when narrow
ROW_LAYOUT = {"align_items": "flex-start", "flex_flow": "row wrap"}

_RANK_STYLE = ("<style>.junyun-rank{border-collapse:collapse;font-size:13px;margin:0.3em 1.5em 0.5em 0}"
               ".junyun-rank th,.junyun-rank td{border-bottom:1px solid #ddd;padding:3px 8px;white-space:nowrap}"
               ".junyun-rank th{text-align:center;background:#f6f7fa}.junyun-rank td{text-align:right}"
               ".junyun-rank td.text{text-align:left}</style>")


def amount_unit(ind) -> str:
    """The unit of an amount added to a school for indicator ``ind``: its shortfall unit (人, 平方米, 元), else the
    numerator of its unit (平方米/生 → 平方米)."""
    return ind.shortfall_unit_zh or str(ind.unit_zh).split("/")[0]


def school_options(parts: pd.DataFrame, contributions: pd.DataFrame) -> list[tuple[str, str]]:
    """The school list of the explorer: (label, school id), largest share of CV² first (``contributions``, from
    :func:`~junyun_lib.evaluation.causes.indicator_causes`), then the schools without a value for the
    indicator by name.  The label is the school's name; the id is added only when two schools of the list
    share a name."""
    ids = [str(i) for i in parts["school_id"]]
    names = dict(zip(ids, (str(n) for n in parts["school_name"])))
    share = {str(i): s for i, s in zip(contributions["school_id"], contributions["share"])}

    def key(i):
        s = share.get(i)
        known = s is not None and not pd.isna(s)
        return (not known, -float(s) if known else 0.0, names[i], i)

    ranked = sorted(ids, key=key)
    count = pd.Series(list(names.values())).value_counts()
    return [(names[i] if count[names[i]] == 1 else f"{names[i]}（{i}）", i) for i in ranked]


def ranking_html(causes, ind, top: int = 15) -> str:
    """The contribution table beside the chart: the ``top`` schools by share of CV², each with its value (in the
    indicator's unit), share and side of the mean; every text escaped."""
    table = causes.contributions.head(top)
    side = {"below": "低于均值", "above": "高于均值"}
    rows = "".join(f'<tr><td class="text">{html.escape(str(r.school_name))}</td><td>{r.value:,.2f}</td>'
                   f'<td>{r.share:.1%}</td><td class="text">{side.get(r.direction, "等于均值")}</td></tr>'
                   for r in table.itertuples())
    return (f"{_RANK_STYLE}<b>各校对差异系数的贡献（差异系数 {causes.cv:.3f}）</b>"
            f'<table class="junyun-rank"><thead><tr><th>学校</th><th>{html.escape(ind.name_zh)}<br>'
            f"（{html.escape(ind.unit_zh)}）</th><th>贡献份额</th><th>与均值比较</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
            f'<div style="font-size:12px">贡献份额：该校在差异系数平方中所占的比例；列出前 {min(top, len(causes.contributions))} 所。</div>')


def _text(exc: BaseException) -> str:
    """An error as one message for the widget (located problems in Chinese, else the exception's text)."""
    if isinstance(exc, JunyunError):
        return "；".join(f"{p.message_zh}" + (f"（{p.file}）" if p.file else "") for p in exc.problems)
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)


def explorer_app(data_dir=None, county: str | None = None, year: int | None = None,
                 standard: str = "quality-2017", costs=None, outputs_dir=None):
    """The explorer's widget for a notebook cell (see :class:`ExplorerApp`)."""
    return ExplorerApp(data_dir, county, year, standard, costs, outputs_dir).widget
