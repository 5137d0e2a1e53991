"""Running briefings (批量运行): the briefing notebook per county-year on warm kernels, behind a registry of
executors (local worker processes, dask.distributed), and the main job.

* :mod:`~junyun_lib.runner.kernel` — warm kernels and the ``junyun-warm`` papermill engine
* :mod:`~junyun_lib.runner.executors` — ``local`` and ``dask`` executors
* :mod:`~junyun_lib.runner.batch` — tasks, the manifest, the index pages
* :mod:`~junyun_lib.runner.job` — ``junyun run``: every county, then the batch
"""
