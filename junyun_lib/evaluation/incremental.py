"""Incremental evaluation of one county-year (增量评估): an edit re-evaluates only what it touches.

An explorer edit adds an amount to one raw column of one school.  Re-running :func:`~.evaluate.evaluate` on
the county-year (validation, scope, splitting, every part, every CV, gaps, guarantee checks) costs tens of
milliseconds of pandas work for a few hundred schools, nearly all of it on schools the edit did not change.
:class:`IncrementalCounty` keeps the county-year's tables and, for one edit:

1. recomputes the raw quantity of the edited school as :func:`~junyun_lib.planning.cheapest.apply_additions`
   does (the raw value plus the additions summed by :func:`addition_totals`), so the value is the same float;
2. re-evaluates the school's own parts with the core functions (indicator value as in
   :func:`~.indicators.build_parts`, :func:`~.school_rule.apply_school_rule`, :func:`~.gaps.add_shortfalls`);
3. recomputes only the difference coefficients of the indicators whose numerator the edit changed, with the
   one CV function (:func:`~junyun_lib.measures.cv.cv_by_codes`), then the stage rows and their verdicts
   (``stage_table``, :func:`~.verdicts.stage_verdicts`) and the county's gap totals.

Every table it returns is equal to the full re-evaluation of the raw rows plus the additions (tested on random
edits in ``tests/test_incremental.py``).  Edits to a column no indicator of the standard reads (class sizes,
music rooms …) are not incremental: they may change scope or guarantee checks, so they go to the full path.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..measures.cv import cv_by_codes
from ..rules import compare
from ..rules.schema import STAGES
from .evaluate import stage_table
from .gaps import GAP_SUMS, add_shortfalls, counted_shortfall, gap_sums, shortfall_views
from .school_rule import apply_school_rule


def addition_totals(additions: pd.DataFrame) -> dict[tuple[str, str], float]:
    """(raw column, school id) → the amount added, summed as the re-evaluation sums it.

    The one summation of additions: :func:`~junyun_lib.planning.cheapest.apply_additions` adds these totals to
    the raw table and :class:`IncrementalCounty` to one school's raw value, so both give the same float.
    """
    totals: dict[tuple[str, str], float] = {}
    if not len(additions):
        return totals
    for column, rows in additions.groupby("column", sort=True):
        amounts = pd.to_numeric(rows["amount"]).groupby(rows["school_id"].astype(str)).sum()
        totals.update({(column, school): float(v) for school, v in amounts.items()})
    return totals


class IncrementalCounty:
    """One county-year's evaluation kept up to date edit by edit (增量评估).

    Parameters
    ----------
    result : CountyResult
        The county-year as evaluated (``Evaluation.county``); its tables are copied, never changed.
    schools : DataFrame
        The county-year's validated raw rows (what the additions are added to).
    costs : DataFrame
        The unit costs the evaluation used (gaps and costs of the edited school).

    Examples
    --------
    >>> import pandas as pd
    >>> from junyun_lib.evaluation.evaluate import evaluate, _example_school
    >>> from junyun_lib.io.costs import default_unit_costs
    >>> ev = evaluate(pd.DataFrame([_example_school("A", 600, 30), _example_school("B", 400, 10)]))
    >>> inc = IncrementalCounty(ev.county(), ev.schools, default_unit_costs())
    >>> add = pd.DataFrame([{"school_id": "B", "column": "key_teachers_primary", "amount": 10.0}])
    >>> r = inc.update(add, "B", "key_teachers_primary")
    >>> float(r.indicators.set_index("indicator").loc["key_teachers", "cv"])   # both at 5.0 per 100 now
    0.0
    """

    def __init__(self, result, schools: pd.DataFrame, costs: pd.DataFrame):
        self.standard = result.standard
        self.costs = costs
        self._base = result
        self._raw = schools.reset_index(drop=True)
        self._row_of = dict(zip(self._raw["school_id"].astype(str), range(len(self._raw))))
        # the raw column each indicator reads in each stage, and the indicators each raw column feeds
        self._readers: dict[str, list[tuple[int, object]]] = {}
        for k, ind in enumerate(self.standard.indicators):
            for stage in STAGES:
                self._readers.setdefault(ind.numerator_column(stage), []).append((k, ind))
        self.reset(result)

    # ------------------------------------------------------------------------------------------ state
    def reset(self, result) -> None:
        """Start again from ``result`` (a county-year of the same raw rows, e.g. after a full re-evaluation)."""
        parts = result.parts.copy()
        parts["group"] = parts["group"].to_numpy() % len(STAGES)     # one county-year: its stages are 0 and 1
        self.parts = parts.reset_index(drop=True)
        self.indicators = result.indicators.copy().reset_index(drop=True)
        self.stages = result.stages.copy().reset_index(drop=True)
        self.stage_keys = self.stages[["county", "year", "stage"]].copy()     # one row per stage, in order
        self.gaps = result.gaps.copy().reset_index(drop=True)
        self._parts_of: dict[str, list[int]] = {}
        for position, school in enumerate(self.parts["school_id"].astype(str)):
            self._parts_of.setdefault(school, []).append(position)
        # what each part carries of what must be added, per indicator (the gap table's school_shortfall)
        self._counted = {}
        if self.standard.has_school_standards and len(self.parts):
            views = shortfall_views(self.parts, self.standard)
            self._counted = {code: counted_shortfall(view) for code, view in views.items()}
        self._result = result

    def handles(self, column: str) -> bool:
        """Whether an edit of raw ``column`` can be evaluated incrementally (an indicator's numerator)."""
        return column in self._readers and self.standard.has_school_standards

    # ------------------------------------------------------------------------------------------- edit
    def update(self, additions: pd.DataFrame, school_id: str, column: str):
        """The county-year with ``additions`` (all of them), after the additions of ``column`` to school
        ``school_id`` changed; returns a :class:`~.evaluate.CountyResult` like the full re-evaluation's."""
        if not self.handles(column):
            raise ValueError(f"{column} is not an indicator numerator; evaluate the county-year in full")
        school = str(school_id)
        rows = self._parts_of.get(school)
        if rows is None:                              # a school with no part in scope: nothing to recompute
            return self._result
        extra = addition_totals(additions[(additions["column"] == column)
                                          & (additions["school_id"].astype(str) == school)])
        quantity = float(self._raw.at[self._row_of[school], column]) + extra.get((column, school), 0.0)
        std = self.standard
        sub = self.parts.iloc[rows].copy()
        changed: dict[str, None] = {}                 # indicator codes whose numerator moved, in order
        for k, ind in self._readers[column]:
            numerators = sub[f"numerator_{ind.code}"].to_numpy(copy=True)
            values = sub[f"value_{ind.code}"].to_numpy(copy=True)
            for j, (stage, share, students) in enumerate(zip(sub["part"], sub["share"], sub["students"])):
                if ind.numerator_column(stage) != column:
                    continue
                # the same operations, in the same order, as build_parts
                numerators[j] = quantity if ind.numerator_kind == "section" else quantity * float(share)
                values[j] = numerators[j] * ind.scale / float(students)
                changed[ind.code] = None
            sub[f"numerator_{ind.code}"], sub[f"value_{ind.code}"] = numerators, values
        sub = apply_school_rule(sub, std)
        views = shortfall_views(sub, std)
        sub = add_shortfalls(sub, std, self.costs, views)
        names = [f"{prefix}_{code}" for code in changed for prefix in _PER_INDICATOR] + _PER_PART
        parts = self.parts.copy()
        for name in names:
            values = parts[name].to_numpy(copy=True)
            values[rows] = sub[name].to_numpy()
            parts[name] = values
        self.parts = parts
        for code in changed:
            counted = self._counted[code].copy()
            counted[rows] = counted_shortfall(views[code])
            self._counted[code] = counted
        self._recompute(list(changed))
        self._result = self._as_result()
        return self._result

    def _recompute(self, changed: list[str]) -> None:
        """The rows of the changed indicators (both stages) in the indicator and gap tables, then the stages:
        mean, SD, CV and its verdict, schools meeting; parts below, shortfalls and costs."""
        if not changed:
            return
        std, parts, n = self.standard, self.parts, len(STAGES)
        codes = parts["group"].to_numpy(dtype="int64")
        r = cv_by_codes(parts[[f"value_{c}" for c in changed]].to_numpy(dtype=float),
                        parts["students"].to_numpy(dtype=float), codes, n)
        table, gaps = self.indicators.copy(), self.gaps.copy()
        at = {(s, c): i for i, (s, c) in enumerate(zip(table["stage"], table["indicator"]))}
        gap_at = {(s, c): i for i, (s, c) in enumerate(zip(gaps["stage"], gaps["indicator"]))}
        for j, code in enumerate(changed):
            met = np.bincount(codes, weights=parts[f"meets_{code}"].to_numpy(dtype=float), minlength=n)
            sums = gap_sums(parts, code, self._counted[code], n)
            for g, stage in enumerate(STAGES):
                i = at.get((stage, code))
                if i is not None:                      # None: the stage has no part in scope
                    for name in ("mean", "sd", "cv"):
                        table.iat[i, table.columns.get_loc(name)] = r[name][g, j]
                    if std.school_rule:
                        table.iat[i, table.columns.get_loc("schools_meeting")] = int(met[g])
                i = gap_at.get((stage, code))
                if i is not None:
                    for name in GAP_SUMS:
                        gaps.iat[i, gaps.columns.get_loc(name)] = sums[name][g]
        if std.cv_limit:
            table["cv_pass"] = compare(table["cv"], table["cv_limit"], std.cv_limit["comparison"])
        self.indicators, self.gaps = table, gaps
        self.stages = stage_table(parts, table, std, self.stage_keys)

    def _as_result(self):
        base = self._base
        return type(base)(county=base.county, year=base.year, standard=base.standard, config=base.config,
                          parts=self.parts, indicators=self.indicators, stages=self.stages, gaps=self.gaps,
                          excluded=base.excluded, guarantee_wide=base.guarantee_wide, staffing=base.staffing,
                          warnings=base.warnings, synthetic=base.synthetic)


#: the part columns an edit of one indicator's numerator can change
_PER_INDICATOR = ("numerator", "value", "standard", "meets", "ratio", "shortfall", "school_shortfall", "cost")
_PER_PART = ["n_meeting", "passes_school_rule", "cost_total"]
