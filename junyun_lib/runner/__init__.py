"""Running briefings (批量运行): the briefing notebook per county-year on warm kernels, behind a registry of
executors (local worker processes, dask.distributed), and the main job.

* :mod:`~junyun_lib.runner.kernel` — warm kernels and the ``junyun-warm`` papermill engine
* :mod:`~junyun_lib.runner.executors` — ``local`` and ``dask`` executors
* :mod:`~junyun_lib.runner.batch` — tasks, the manifest, the index pages
* :mod:`~junyun_lib.runner.job` — ``junyun run``: every county, then the batch
"""
from __future__ import annotations

import sys


def skip_slow_iri_check() -> None:
    """Keep jsonschema (under nbformat) from importing ``rfc3987_syntax``, unless something imported it already —
    for a process junyun owns: the ``junyun`` command (:func:`junyun_lib.cli.main`, first thing; the batch workers
    it forks inherit it), never on import (importing ``junyun_lib`` leaves ``sys.modules`` as it found it:
    tests/test_import_side_effects.py).

    jupyter-events installs it through ``jsonschema[format-nongpl]``; it builds a Lark grammar at import time —
    about 1.6 s here, 9 s on a slow machine — in every process that reads a notebook, only for the "iri"
    format check, and notebooks have no "iri" fields.  A ``None`` in ``sys.modules`` makes
    ``import rfc3987_syntax`` fail at once, which jsonschema takes as "not installed" and skips that check.
    """
    sys.modules.setdefault("rfc3987_syntax", None)
