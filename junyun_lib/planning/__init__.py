"""Planning (规划): where a county stands against its plan, and what it takes to pass.

* :mod:`~junyun_lib.planning.metrics` — the actual value of a plan item
* :mod:`~junyun_lib.planning.progress` — status per item and year, projections to the target year
* :mod:`~junyun_lib.planning.cheapest` — the least-cost additions that pass
* :mod:`~junyun_lib.planning.scenario` — what-if additions, re-evaluated
"""
