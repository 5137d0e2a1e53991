"""Planning (规划): where a county stands against its plan, and what it takes to pass.

* :mod:`~junyun_lib.planning.metrics` — the actual value of a plan item
* :mod:`~junyun_lib.planning.progress` — status per item and year, projections to the target year
* :mod:`~junyun_lib.planning.cheapest` — the least-cost additions that pass (the heuristic)
* :mod:`~junyun_lib.planning.optimiser` — the same with a certificate: a mixed-integer SOCP solved by SCIP
* :mod:`~junyun_lib.planning.roadmap` — a year-by-year schedule to pass by the target year
* :mod:`~junyun_lib.planning.enrolment` — students per school in the years ahead
* :mod:`~junyun_lib.planning.exchange` — teacher moves between schools (教师交流轮岗)
* :mod:`~junyun_lib.planning.scenario` — what-if additions, re-evaluated
"""
