"""Teacher exchange (教师交流轮岗, 县管校聘): moving existing teachers between schools before hiring.

A move is a transfer of ``count`` full-time teachers of one ``stage`` from ``from_school_id`` to
``to_school_id`` in ``year`` (the year of the school rows it changes).  The census counts people, so a moved
person leaves every count they are in at the sending school and joins the same counts at the receiving one:

* every moved person is a full-time teacher — ``teachers_<stage>`` moves with every move when the table has
  that column;
* ``kind`` names what else the person is, joined by ``+``: ``key_teachers`` (县级以上骨干教师),
  ``pe_art_teachers`` (体育艺术专任教师), ``teachers_above_degree`` (高于规定学历), and ``mid_title_teachers``
  (中级职称, basic balance) — e.g. ``key_teachers+teachers_above_degree`` is a key teacher who holds the
  required degree.  Nothing beyond what the kind names is assumed: a ``key_teachers`` move does not change
  ``teachers_above_degree``.

The limits are data (``junyun_lib/rules/exchange.toml``, each with its source): which kinds may move per
stage, at most N teachers sent and N received per school and year, public ordinary schools only, and the
sending school keeps at least the standard of every indicator it sends a teacher of.

* :func:`exchange_rules` — the rules as a dict;
* :func:`apply_moves` — the school rows after the moves (vectorised; counts conserved by construction);
* :func:`check_moves` — every broken rule as a located :class:`~junyun_lib.problems.Problem`;
* :func:`move_effects` — each move's effect on the CVs and the per-school rule, all moves evaluated in one
  call of :func:`junyun_lib.evaluation.evaluate.evaluate`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..evaluation.evaluate import evaluate
from ..io.reader import SchoolTable
from ..problems import Problem
from ..rules import CountyConfig, Standard, rule_files, compare, load_standard

MOVE_COLUMNS = ("year", "kind", "stage", "from_school_id", "to_school_id", "count")
STAGES = ("primary", "junior")


def exchange_rules() -> dict:
    """The exchange rules (``rules/exchange.toml``): ``kinds`` per stage, ``limits``, ``eligibility``,
    ``counting``, ``county_targets``, each with its ``source`` (a fresh copy).

    Examples
    --------
    >>> r = exchange_rules()
    >>> r["kinds"]["primary"], r["limits"]["max_out_per_school_per_year"]
    (['key_teachers', 'pe_art_teachers', 'teachers_above_degree'], 3)
    """
    return rule_files.toml("exchange.toml")


def kind_columns(kind: str, stage: str, rules: dict | None = None) -> list[str]:
    """The per-section columns one moved person of ``kind`` leaves and joins (``teachers_<stage>`` first).

    Raises ValueError for a kind the rules do not allow in ``stage``.

    Examples
    --------
    >>> kind_columns("key_teachers+teachers_above_degree", "junior")
    ['teachers_junior', 'key_teachers_junior', 'teachers_above_degree_junior']
    """
    rules = rules or exchange_rules()
    parts = [p.strip() for p in str(kind).split("+")]
    levers = rules["kinds"].get(stage)
    if levers is None:
        raise ValueError(f"学段「{stage}」不能交流（可用：{'、'.join(STAGES)}） (stage {stage!r} cannot move)")
    allowed = set(levers) | set(rules["kinds"].get("also", []))
    unknown = [p for p in parts if p not in allowed]
    if unknown or not any(p in levers for p in parts) or len(set(parts)) != len(parts):
        raise ValueError(f"交流教师类别「{kind}」不可用：须含 {'、'.join(levers)} 之一，可附加 "
                         f"{'、'.join(rules['kinds'].get('also', []))}，用 + 连接、不重复 (kind {kind!r} not allowed)")
    return [f"{c}_{stage}" for c in rules["counting"]["always_moves"]] + [f"{p}_{stage}" for p in parts]


# ------------------------------------------------------------------------------------------ apply
def _deltas(moves: pd.DataFrame, columns_present, rules: dict, keys: list[str]) -> pd.DataFrame:
    """Long table of changes: keys + school_id, column, delta (−count at the sender, +count at the receiver)."""
    rows = []
    for m in moves.to_dict("records"):
        for column in kind_columns(m["kind"], m["stage"], rules):
            if column not in columns_present:
                continue                                 # e.g. teachers_<stage> in a table without it
            base = {k: m[k] for k in keys}
            rows.append({**base, "school_id": str(m["from_school_id"]), "column": column, "delta": -int(m["count"])})
            rows.append({**base, "school_id": str(m["to_school_id"]), "column": column, "delta": int(m["count"])})
    return pd.DataFrame(rows, columns=[*keys, "school_id", "column", "delta"])


def _keys(frame: pd.DataFrame, moves: pd.DataFrame) -> list[str]:
    if "county" in moves.columns:
        return ["county", "year"]
    if frame.groupby(["year", "school_id"]).size().gt(1).any():
        raise ValueError("学校数据含多个县区且学校标识码重复：调动表须有 county 列 (several counties share school ids: "
                         "give the moves a county column)")
    return ["year"]


def apply_moves(frame: pd.DataFrame, moves: pd.DataFrame) -> pd.DataFrame:
    """The school rows after ``moves`` (a copy; rows of other years and schools unchanged).

    Parameters
    ----------
    frame : pandas.DataFrame
        School rows (``Workspace.table(county).frame``), one or more years.
    moves : pandas.DataFrame
        ``year, kind, stage, from_school_id, to_school_id, count`` (and ``county`` when the frame holds
        several counties whose school ids repeat).  Not checked against the rules — see :func:`check_moves`.

    Every moved person leaves and joins the same columns, so each column's county total is unchanged:

    .. math:: \\sum_i c_{i,k}^{\\text{after}} = \\sum_i c_{i,k}^{\\text{before}} \\quad \\text{for every column } k

    Examples
    --------
    >>> rows = pd.DataFrame({"county": "示例县", "year": 2024, "school_id": ["A", "B"],
    ...                      "key_teachers_primary": [5, 1], "teachers_above_degree_primary": [20, 8],
    ...                      "teachers_primary": [30, 10]})
    >>> moves = pd.DataFrame({"year": [2024], "kind": ["key_teachers+teachers_above_degree"],
    ...                       "stage": ["primary"], "from_school_id": ["A"], "to_school_id": ["B"], "count": [2]})
    >>> apply_moves(rows, moves)[["key_teachers_primary", "teachers_above_degree_primary",
    ...                           "teachers_primary"]].values.tolist()
    [[3, 18, 28], [3, 10, 12]]
    """
    out = frame.copy()
    if moves is None or not len(moves):
        return out
    missing = [c for c in MOVE_COLUMNS if c not in moves.columns]
    if missing:
        raise ValueError(f"调动表缺少列：{missing} (moves lack columns {missing})")
    keys = _keys(frame, moves)
    moves = moves.assign(year=moves["year"].astype(int))
    deltas = _deltas(moves, set(frame.columns), exchange_rules(), keys)
    if not len(deltas):
        return out
    total = deltas.groupby([*keys, "school_id", "column"], sort=False)["delta"].sum().unstack("column", fill_value=0)
    index = pd.MultiIndex.from_frame(pd.DataFrame({**{k: frame[k] for k in keys},
                                                   "school_id": frame["school_id"].astype(str)}))
    unknown = total.index.difference(index)
    if len(unknown):
        raise ValueError(f"调动涉及学校数据中没有的学校：{list(unknown)} (moves name schools not in the rows)")
    aligned = total.reindex(index, fill_value=0)
    for column in total.columns:
        values = out[column].to_numpy()
        change = aligned[column].to_numpy()
        out[column] = (values + change).astype(values.dtype) if np.issubdtype(values.dtype, np.number) else \
            pd.to_numeric(out[column]) + change
    return out


# ------------------------------------------------------------------------------------------ check
def check_moves(frame: pd.DataFrame, moves: pd.DataFrame, standard: Standard | str | None = None,
                rules: dict | None = None) -> list[Problem]:
    """Every broken rule of ``moves`` on ``frame``, as located problems (empty when all moves are allowed).

    Checks, each against ``rules/exchange.toml`` and the ``standard`` (default quality-2017):

    * the columns; a whole, positive ``count``; a kind allowed in the stage (:func:`kind_columns`);
    * both schools in the rows of that year, in the same county, different, public (公办), not a special-
      education or vocational school; the receiving school enrols the stage;
    * at most ``max_out_per_school_per_year`` teachers sent and ``max_in_per_school_per_year`` received by
      a school in a year (summed over its moves);
    * no count falls below 0 after the year's moves (a school sends only teachers it has);
    * the sending school keeps at least the standard of every indicator it sends a teacher of, after all the
      year's moves: ``count × scale / students ≥ standard`` (per section, as the evaluation reads teachers);
    * every column's county total is the same after the moves (conservation).

    ``row`` in a problem is the move's ``row`` column when it has one, else its position (1 = first move).
    Warnings (not errors): a receiving school outside resource allocation (a teaching point under 50
    pupils), where the move changes no CV.

    Examples
    --------
    >>> rows = pd.DataFrame({"county": "示例县", "year": 2024, "school_id": ["A", "B"], "school_name": ["甲", "乙"],
    ...                      "school_type": "小学", "ownership": "公办", "students_primary": [500, 400],
    ...                      "students_junior": 0, "key_teachers_primary": [6, 2]})
    >>> moves = pd.DataFrame({"year": [2024], "kind": ["key_teachers"], "stage": ["primary"],
    ...                       "from_school_id": ["A"], "to_school_id": ["B"], "count": [2]})
    >>> [p.code for p in check_moves(rows, moves)]     # A: 4 key teachers for 500 pupils = 0.8 < 1.0
    ['sender_below_standard']
    >>> check_moves(rows, moves.assign(count=1))
    []
    """
    rules = rules or exchange_rules()
    std = standard if isinstance(standard, Standard) else load_standard(standard or "quality-2017")
    missing = [c for c in MOVE_COLUMNS if c not in moves.columns]
    if missing:
        return [Problem("error", "missing_column", f"调动表缺少必需的列「{c}」", f"moves lack the column {c!r}",
                        column=c) for c in missing]
    problems: list[Problem] = []
    moves = moves.reset_index(drop=True)
    row_of = (moves["row"].astype(int).tolist() if "row" in moves.columns else list(range(1, len(moves) + 1)))
    frame = frame.assign(school_id=frame["school_id"].astype(str), county=frame["county"].astype(str))
    by_year_school = {(int(y), s): r for y, s, r in zip(frame["year"], frame["school_id"], frame.to_dict("records"))}
    eligibility = rules["eligibility"]
    valid = []
    for i, m in enumerate(moves.to_dict("records")):
        def bad(code, zh, en, column="", value="", severity="error", school_id="", county="", year=None):
            problems.append(Problem(severity, code, zh, en, row=row_of[i], column=column, value=str(value),
                                    school_id=school_id, county=county, year=year))
        ok = True
        year = _int(m["year"])
        count = _int(m["count"])
        if year is None:
            bad("bad_year", "年度应为整数", "year must be a whole number", "year", m["year"])
            ok = False
        if count is None or count < 1:
            bad("bad_count", "调动人数应为正整数", "count must be a positive whole number", "count", m["count"])
            ok = False
        try:
            kind_columns(m["kind"], str(m["stage"]), rules)
        except ValueError as exc:
            bad("bad_kind", str(exc).split(" (")[0], f"kind {m['kind']!r} is not allowed in stage {m['stage']!r}",
                "kind", m["kind"])
            ok = False
        src, dst = str(m["from_school_id"]), str(m["to_school_id"])
        if src == dst:
            bad("same_school", "调出学校与调入学校相同", "the sending and receiving school are the same",
                "to_school_id", dst)
            ok = False
        schools = {}
        for role, sid, column in (("调出", src, "from_school_id"), ("调入", dst, "to_school_id")):
            if year is None:
                break                                   # reported above; no year to look the school up in
            r = by_year_school.get((year, sid))
            if r is None:
                bad("unknown_school", f"{year}年学校数据中没有该{role}学校", f"no such school in the {year} rows",
                    column, sid, year=year)
                ok = False
                continue
            schools[role] = r
            where = {"school_id": sid, "county": str(r["county"]), "year": year}
            if "ownership" in r and r["ownership"] not in eligibility["ownership"]:
                bad("not_eligible", f"{role}学校为{r['ownership']}学校：教师交流轮岗限于{'、'.join(eligibility['ownership'])}学校",
                    "rotation is between public schools only", column, sid, **where)
                ok = False
            if "school_type" in r and r["school_type"] in eligibility["excluded_school_types"]:
                bad("not_eligible", f"{role}学校为{r['school_type']}，不参与资源配置评估，不作交流调动",
                    "special-education and vocational schools take no part in these moves", column, sid, **where)
                ok = False
        if len(schools) == 2:
            if schools["调出"]["county"] != schools["调入"]["county"]:
                bad("other_county", "调出、调入学校不在同一县区", "the two schools are in different counties",
                    "to_school_id", dst, year=year)
                ok = False
            stage = str(m["stage"])
            students = schools["调入"].get(f"students_{stage}", 0)
            if stage in STAGES and not (students or 0) > 0:
                bad("no_stage", f"调入学校没有{_STAGE_ZH.get(stage, stage)}在校生", f"the receiving school has no "
                    f"{stage} students", "to_school_id", dst, school_id=dst, year=year)
                ok = False
            elif stage in STAGES and schools["调入"].get("school_type") == "教学点" and students < 50:
                bad("out_of_scope", "调入学校为不足50人的教学点，不参与资源配置评估：此次调动不改变差异系数",
                    "the receiving school is a teaching point under 50 pupils, outside resource allocation: the "
                    "move changes no CV", "to_school_id", dst, severity="warning", school_id=dst, year=year)
        if ok:
            valid.append(i)
    if len(valid) < len(moves):
        return problems
    moves = moves.assign(year=moves["year"].astype(int), count=moves["count"].astype(int),
                         from_school_id=moves["from_school_id"].astype(str),
                         to_school_id=moves["to_school_id"].astype(str), _row=row_of)
    county_of = {(int(y), s): c for y, s, c in zip(frame["year"], frame["school_id"], frame["county"])}
    moves["county"] = [county_of[(y, s)] for y, s in zip(moves["year"], moves["from_school_id"])]
    limits = rules["limits"]
    for role, column, limit_key, zh in (("from", "from_school_id", "max_out_per_school_per_year", "调出"),
                                        ("to", "to_school_id", "max_in_per_school_per_year", "调入")):
        limit = int(limits[limit_key])
        totals = moves.groupby(["county", "year", column])["count"].sum()
        for (county, year, sid), n in totals[totals > limit].items():
            rows = moves.loc[(moves["year"] == year) & (moves[column] == sid), "_row"].tolist()
            problems.append(Problem("error", "too_many_moves", f"{year}年该校{zh}{n}人，超过每校每年{limit}人的上限"
                                    f"（调动第{'、'.join(map(str, rows))}行）", f"{n} teachers {'sent' if role == 'from' else 'received'} "
                                    f"in {year}, above the limit of {limit} per school and year", row=rows[0],
                                    column=column, value=sid, school_id=sid, county=county, year=int(year)))
    after = apply_moves(frame, moves.drop(columns=["_row"]))
    problems += _negative_counts(frame, after, moves, rules)
    if limits.get("sender_keeps_standard", True):
        problems += _senders_below_standard(after, moves, std, rules)
    problems += _conservation(frame, after, moves, rules)
    return problems


_STAGE_ZH = {"primary": "小学", "junior": "初中"}


def _int(value) -> int | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return int(f) if np.isfinite(f) and f == int(f) else None


def _moved_columns(moves: pd.DataFrame, rules: dict) -> list[str]:
    return sorted({c for k, s in zip(moves["kind"], moves["stage"]) for c in kind_columns(k, s, rules)})


def _negative_counts(before: pd.DataFrame, after: pd.DataFrame, moves: pd.DataFrame, rules: dict) -> list[Problem]:
    """Sending schools left with fewer than 0 of a count they sent (they sent teachers they do not have)."""
    columns = [c for c in _moved_columns(moves, rules) if c in after.columns]
    values = after[columns].apply(pd.to_numeric).to_numpy(dtype=float)
    out = []
    for idx, j in zip(*np.nonzero(values < 0)):
        r = after.iloc[idx]
        year, sid = int(r["year"]), str(r["school_id"])
        rows = moves.loc[(moves["year"] == year) & (moves["from_school_id"] == sid), "_row"].tolist()
        out.append(Problem("error", "not_enough_teachers", f"调出后该校此项教师数为 {values[idx, j]:g}：该校只有 "
                           f"{before.iloc[idx][columns[j]]:g} 人（调动第{'、'.join(map(str, rows))}行）",
                           f"the school has only {before.iloc[idx][columns[j]]:g}; after the moves {values[idx, j]:g}",
                           row=rows[0] if rows else None, column=columns[j], value=f"{values[idx, j]:g}",
                           school_id=sid, county=str(r["county"]), year=year))
    return out


def _senders_below_standard(after: pd.DataFrame, moves: pd.DataFrame, std: Standard, rules: dict) -> list[Problem]:
    """Sending schools whose value of an indicator they sent a teacher of ends below its standard."""
    out = []
    codes = set(std.codes)
    index = {(int(y), s): i for i, (y, s) in enumerate(zip(after["year"], after["school_id"].astype(str)))}
    sent = {}
    for m in moves.to_dict("records"):
        for part in str(m["kind"]).split("+"):
            part = part.strip()
            if part in codes:
                sent.setdefault((m["year"], m["from_school_id"], m["stage"], part), []).append(m["_row"])
    for (year, sid, stage, code), rows in sent.items():
        ind = std.indicator(code)
        if ind.standard is None or stage not in ind.standard:
            continue
        r = after.iloc[index[(year, sid)]]
        students = float(r[f"students_{stage}"])
        value = float(r[ind.numerator_column(stage)]) * ind.scale / students if students > 0 else np.nan
        if students > 0 and not bool(compare(value, ind.standard[stage], ">=")):
            out.append(Problem(
                "error", "sender_below_standard",
                f"调出后该校{_STAGE_ZH.get(stage, stage)}「{ind.name_zh}」为 {value:.3f}，低于标准 {ind.standard[stage]:g}：调出学校"
                f"须保持达标（调动第{'、'.join(map(str, rows))}行）",
                f"after the moves the sending school's {code} ({stage}) is {value:.3f}, below the standard "
                f"{ind.standard[stage]:g}; a sending school keeps its standard", row=rows[0],
                column=ind.numerator_column(stage), value=f"{value:.3f}", school_id=sid, county=str(r["county"]),
                year=int(year)))
    return out


def _conservation(before: pd.DataFrame, after: pd.DataFrame, moves: pd.DataFrame, rules: dict) -> list[Problem]:
    """Every moved column's county-year total is the same after the moves."""
    columns = [c for c in _moved_columns(moves, rules) if c in before.columns]
    keys = ["county", "year"]
    a = before[columns].apply(pd.to_numeric).groupby([before[k] for k in keys], observed=True).sum()
    b = after[columns].apply(pd.to_numeric).groupby([after[k] for k in keys], observed=True).sum()
    changed = a.ne(b.reindex(a.index))
    return [Problem("error", "not_conserved", "调动前后全县该项教师总数不一致", f"the county total of {column} changed",
                    column=column, county=str(county), year=int(year))
            for (county, year), row in changed.iterrows() for column in columns if row[column]]


# ------------------------------------------------------------------------------------------ effects
def move_effects(frame: pd.DataFrame, moves: pd.DataFrame, standard: Standard | str = "quality-2017",
                 counties: dict[str, CountyConfig] | None = None) -> pd.DataFrame:
    """Each move's effect, alone, on its county-year: the CVs of its stage and the per-school rule.

    The rows of each move's county-year are copied, the move applied, and every copy is evaluated together
    with the unchanged county-years in **one** call of :func:`~junyun_lib.evaluation.evaluate.evaluate`
    (each copy is a separate county-year to it), so M moves cost about one evaluation.

    Parameters
    ----------
    frame : pandas.DataFrame
        School rows (``Workspace.table(county).frame``).
    moves : pandas.DataFrame
        As for :func:`apply_moves`.  Not checked against the rules — run :func:`check_moves` first.
    standard : Standard or str
        The standard (its code is what :func:`evaluate` is given; a county's overrides come from
        ``counties``).
    counties : dict of str to CountyConfig, optional
        Configurations by county name, as for :func:`evaluate` (e.g. 进贤县's strict "<").

    Returns
    -------
    pandas.DataFrame
        One row per move: ``move`` (its position), ``county``, ``year``, ``stage``, ``kind``,
        ``from_school_id``, ``to_school_id``, ``count``; per indicator ``cv_before_<code>``,
        ``cv_after_<code>``, ``cv_change_<code>``; ``cv_limit``, ``max_cv_before/after``,
        ``composite_cv_before/after``, ``cvs_failing_before/after``; ``from_passes_rule_before/after``,
        ``to_passes_rule_before/after`` (the two schools' parts in the stage; None where the school has no
        part in scope); ``schools_failing_rule_before/after``; ``stage_passes_before/after``.

    Examples
    --------
    >>> from junyun_lib.evaluation.evaluate import _example_school
    >>> from junyun_lib.io.reader import read_schools
    >>> rows = read_schools(pd.DataFrame([_example_school("A", 600, 30), _example_school("B", 400, 2)])).frame
    >>> moves = pd.DataFrame({"year": [2024], "kind": ["key_teachers"], "stage": ["primary"],
    ...                       "from_school_id": ["A"], "to_school_id": ["B"], "count": [3]})
    >>> e = move_effects(rows, moves).iloc[0]
    >>> round(float(e["cv_before_key_teachers"]), 4), round(float(e["cv_after_key_teachers"]), 4)
    (0.6889, 0.4976)
    >>> bool(e["to_passes_rule_before"]), bool(e["to_passes_rule_after"])   # B: 0.5 → 1.25 key teachers per 100
    (False, True)
    """
    code = standard.code if isinstance(standard, Standard) else standard
    counties = counties or {}
    std = load_standard(code)
    moves = moves.reset_index(drop=True).assign(year=lambda m: m["year"].astype(int),
                                                from_school_id=lambda m: m["from_school_id"].astype(str),
                                                to_school_id=lambda m: m["to_school_id"].astype(str))
    frame = _with_locations(frame.assign(school_id=frame["school_id"].astype(str), county=frame["county"].astype(str)))
    _keys(frame, moves)                         # several counties sharing school ids need a county column
    if "county" not in moves.columns:
        county_of = {(int(y), s): c for y, s, c in zip(frame["year"], frame["school_id"], frame["county"])}
        missing = [(y, s) for y, s in zip(moves["year"], moves["from_school_id"]) if (y, s) not in county_of]
        if missing:
            raise ValueError(f"调动涉及学校数据中没有的学校：{missing} (moves name schools not in the rows)")
        moves["county"] = [county_of[(y, s)] for y, s in zip(moves["year"], moves["from_school_id"])]
    pairs = moves[["county", "year"]].drop_duplicates()
    base = frame.merge(pairs, on=["county", "year"])
    # one copy of the move's county-year per move, labelled as its own county
    labels = [f"{c}〔调动{i + 1}〕" for i, c in enumerate(moves["county"])]
    copies = moves[["county", "year"]].assign(label=labels, move=np.arange(len(moves)))
    scenario = base.merge(copies, on=["county", "year"])
    scenario = scenario.assign(county=scenario["label"]).drop(columns=["label", "move"])
    scenario = apply_moves(scenario, moves.assign(county=labels))
    stacked = pd.concat([base, scenario], ignore_index=True)
    configs = {c: counties.get(c) or CountyConfig.national(c) for c in base["county"].unique()}
    configs.update({label: configs[c] for label, c in zip(labels, moves["county"])})
    result = evaluate(SchoolTable(stacked), code, counties=configs)
    return _effects_table(result, moves, labels, std)


def _with_locations(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows built by hand get the location columns the evaluation carries along."""
    extra = {}
    if "source_file" not in frame.columns:
        extra["source_file"] = ""
    if "source_sheet" not in frame.columns:
        extra["source_sheet"] = ""
    if "source_row" not in frame.columns:
        extra["source_row"] = np.arange(2, len(frame) + 2)
    return frame.assign(**extra) if extra else frame


def _effects_table(result, moves: pd.DataFrame, labels: list[str], std: Standard) -> pd.DataFrame:
    """The before/after columns of every move, read from one evaluation by index (vectorised)."""
    ind = result.indicators
    stage_keys = ["county", "year", "stage"]
    cv = ind.pivot_table(index=stage_keys, columns="indicator", values="cv", aggfunc="first", observed=True)
    by_stage = ind.groupby(stage_keys, observed=True).agg(max_cv=("cv", "max"), cv_limit=("cv_limit", "first"),
                                                          cvs_failing=("cv_pass", lambda x: int((~x.astype(bool)).sum())))
    stages = result.stages.set_index(stage_keys)[["composite_cv", "schools_failing_rule", "passes"]]
    parts = result.parts.set_index(["county", "year", "part", "school_id"])["passes_school_rule"]
    out = moves[["county", "year", "stage", "kind", "from_school_id", "to_school_id", "count"]].copy()
    out.insert(0, "move", np.arange(len(moves)))
    out["count"] = out["count"].astype(int)
    columns = {}
    for when, county in (("before", moves["county"].to_numpy()), ("after", np.asarray(labels, dtype=object))):
        key = pd.MultiIndex.from_arrays([county, moves["year"].to_numpy(), moves["stage"].to_numpy()],
                                        names=stage_keys)
        values = cv.reindex(key)
        for c in std.codes:
            columns[f"cv_{when}_{c}"] = values[c].to_numpy(dtype=float) if c in values.columns else \
                np.full(len(moves), np.nan)
        summary = by_stage.reindex(key)
        if when == "before":
            columns["cv_limit"] = summary["cv_limit"].to_numpy(dtype=float)
        columns[f"max_cv_{when}"] = summary["max_cv"].to_numpy(dtype=float)
        columns[f"cvs_failing_{when}"] = summary["cvs_failing"].fillna(0).to_numpy(dtype=int)
        stage_rows = stages.reindex(key)
        columns[f"composite_cv_{when}"] = stage_rows["composite_cv"].to_numpy(dtype=float)
        columns[f"schools_failing_rule_{when}"] = stage_rows["schools_failing_rule"].fillna(0).to_numpy(dtype=int)
        columns[f"stage_passes_{when}"] = [None if pd.isna(v) else bool(v) for v in stage_rows["passes"]]
        for role in ("from", "to"):
            pkey = pd.MultiIndex.from_arrays([county, moves["year"].to_numpy(), moves["stage"].to_numpy(),
                                              moves[f"{role}_school_id"].to_numpy()])
            columns[f"{role}_passes_rule_{when}"] = [None if pd.isna(v) else bool(v) for v in parts.reindex(pkey)]
    for c in std.codes:
        columns[f"cv_change_{c}"] = columns[f"cv_after_{c}"] - columns[f"cv_before_{c}"]
    order = [*[f"cv_{w}_{c}" for c in std.codes for w in ("before", "after", "change")], "cv_limit",
             "max_cv_before", "max_cv_after", "composite_cv_before", "composite_cv_after", "cvs_failing_before",
             "cvs_failing_after", "from_passes_rule_before", "from_passes_rule_after", "to_passes_rule_before",
             "to_passes_rule_after", "schools_failing_rule_before", "schools_failing_rule_after",
             "stage_passes_before", "stage_passes_after"]
    return pd.concat([out.reset_index(drop=True), pd.DataFrame({k: columns[k] for k in order})], axis=1)
