"""Evaluation (评估): from validated school rows to results — no file is read or written here.

* :mod:`~junyun_lib.evaluation.scope` — which schools and parts enter resource allocation, with reasons
* :mod:`~junyun_lib.evaluation.splitting` — shares of mixed schools' facilities per stage
* :mod:`~junyun_lib.evaluation.indicators` — indicator values per school part
* :mod:`~junyun_lib.evaluation.school_rule` — 至少6项达标、余项不低于85%
* :mod:`~junyun_lib.evaluation.guarantee` — school-level checks of 政府保障程度 (校额、班额、专用教室)
* :mod:`~junyun_lib.evaluation.gaps` — shortfalls in real units and their cost
* :mod:`~junyun_lib.evaluation.verdicts` — how a stage's and an area's verdict are made
* :mod:`~junyun_lib.evaluation.evaluate` — all of it, vectorised over every county-year
* :mod:`~junyun_lib.evaluation.causes` — which schools make a CV large
* :mod:`~junyun_lib.evaluation.shares` — shares of schools meeting a check
* :mod:`~junyun_lib.evaluation.scorecard` — the full evaluation form
"""
