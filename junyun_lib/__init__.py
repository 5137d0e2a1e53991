"""junyun (均衡): county compulsory-education balance evaluation (义务教育优质均衡发展督导评估).

The way in for analysts::

    import junyun_lib as jy
    ws = jy.Workspace("data")                  # the data folder (raw/, processed/) and ./outputs
    r = ws.evaluate("进贤县", 2024)            # one county-year, evaluated once and cached
    r.indicators                               # CVs per stage and indicator (English columns)
    jy.zh(r.indicators)                        # the same with Chinese headers
    r.parts, r.excluded                        # school parts with their values and verdicts; exclusions
    ws.causes("进贤县", 2024)                  # which schools make each CV large
    ws.scorecard("进贤县", 2024).items         # the full evaluation form
    ws.progress("进贤县").table                # progress against the county plan

Layers, lowest first (each imports only from those below it): ``rules`` (standards and plans as data),
:mod:`~junyun_lib.layout` (the only code that knows the folders), ``measures`` (the CV and inequality
measures), ``io`` (every file read or written), ``evaluation``, ``planning``, ``report``, then
:mod:`~junyun_lib.workspace` (what is computed, kept), ``runner``
(batch briefings), ``app`` (the explorer) and :mod:`~junyun_lib.cli`.  See ``docs/architecture.md``.
"""
from .version import __version__

# Importing the package changes nothing in the process (no sys.modules entries beyond its own modules, no
# settings): the speed-up junyun wants in its own processes is made there
# (:func:`junyun_lib.runner.skip_slow_iri_check`, called by the junyun command).

# The public names and where they live.  They are loaded on first use (PEP 562), so that importing one layer
# (``junyun_lib.rules`` in a worker, say) does not load pandas, matplotlib and papermill behind it.
_PUBLIC = {
    "Workspace": "junyun_lib.workspace",
    "evaluate": "junyun_lib.evaluation.evaluate",
    "Evaluation": "junyun_lib.evaluation.evaluate",
    "CountyResult": "junyun_lib.evaluation.evaluate",
    "read_table": "junyun_lib.io.processed",
    "weighted_cv": "junyun_lib.measures.cv",
    "split_shares": "junyun_lib.evaluation.splitting",
    "zh": "junyun_lib.report.labels",
    "Problem": "junyun_lib.problems",
    "ValidationError": "junyun_lib.problems",
    "JunyunError": "junyun_lib.problems",
}
__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name: str):
    if name in _PUBLIC:
        import importlib

        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'junyun_lib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
