"""Where briefing tasks run (执行器): a registry of executors.

* ``local`` — :class:`LocalProcesses`: worker processes on this machine, one warm kernel each
  (papermill's ``cwd=`` is not thread-safe, so processes, not threads).
* ``dask`` — :class:`DaskCluster`: the same tasks on a ``dask.distributed`` scheduler, for users who outgrow
  one machine.

Every executor calls ``on_result(row)`` in the calling process as each task finishes, and stops every task
it started when the caller is interrupted.  Local workers ignore Ctrl-C (the parent handles it), exit when
the parent process ends however it ends (``kill -9`` included: the kernel's death signal on Linux and a
watchdog thread everywhere), and take their kernel with them.
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from abc import ABC, abstractmethod
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable

from . import kernel

EXECUTORS: dict[str, type["Executor"]] = {}


def register(cls):
    """Class decorator: make an executor available by its ``name``."""
    EXECUTORS[cls.name] = cls
    return cls


def get_executor(name: str, **options) -> "Executor":
    """An executor by name (``local``, ``dask``) with its options."""
    if name not in EXECUTORS:
        raise KeyError(f"未知的执行器「{name}」，可选：{', '.join(sorted(EXECUTORS))} (unknown executor)")
    return EXECUTORS[name](**options)


class Executor(ABC):
    """Runs ``fn(task, warm)`` for every task and hands each returned row to ``on_result``.

    ``prepare`` (optional) readies a worker process before its first task (预热: its kernel, its imports);
    an executor whose workers outlive a batch may leave it to the first task.
    """

    name = ""

    @abstractmethod
    def run(self, tasks: list, fn: Callable, on_result: Callable[[dict], None],
            prepare: Callable[[], None] | None = None) -> None:
        ...


@register
class LocalProcesses(Executor):
    """Worker processes on this machine (default one per core), each with a warm kernel."""

    name = "local"

    def __init__(self, workers: int | None = None):
        if workers is not None and workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers

    def run(self, tasks, fn, on_result, prepare=None) -> None:
        if not tasks:
            return
        workers = max(1, min(self.workers or os.cpu_count() or 1, len(tasks)))
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(os.getpid(), prepare))
        futures = [pool.submit(fn, t, True) for t in tasks]
        try:
            for future in as_completed(futures):
                on_result(future.result())
        except BaseException:
            _stop(pool)
            raise
        pool.shutdown(wait=True)


def _stop(pool: ProcessPoolExecutor) -> None:
    """End every worker now (each takes its kernel with it) and wait until they are gone.

    The futures are not cancelled here: the pool's own thread fails them when it sees its workers gone
    (cancelling them as well makes that thread fail with ``InvalidStateError`` and print a traceback)."""
    processes = list(getattr(pool, "_processes", {}).values())
    for p in processes:
        with contextlib.suppress(Exception):
            p.terminate()
    deadline = time.monotonic() + 15
    for p in processes:
        with contextlib.suppress(Exception):
            p.join(max(0.1, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join(5)
    pool.shutdown(wait=True)


def _init_worker(parent: int, prepare: Callable[[], None] | None = None) -> None:
    """Worker-process initializer: follow the parent, then ready the worker (``prepare``: the batch starts
    the kernel, which imports junyun while the worker makes its own imports, so the two cold starts overlap).
    A failure to start is left for the first task to report in its row."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)       # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, _terminated)
    _die_with_parent(parent)
    if prepare is not None:
        try:
            prepare()
        except Exception:  # noqa: BLE001 — run_task starts again and reports the error in its row
            pass


def _terminated(signum, frame) -> None:
    kernel.stop_kernel()
    os._exit(128 + signum)


def _die_with_parent(parent: int) -> None:
    """Exit (and end the kernel) as soon as the parent process is gone."""
    with contextlib.suppress(Exception):         # Linux: the kernel sends SIGTERM when the parent dies
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    if os.getppid() != parent:                   # the parent died before the line above
        _terminated(signal.SIGTERM, None)

    def watch() -> None:                         # everywhere: poll, as ipykernel does for its parent
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                _terminated(signal.SIGTERM, None)

    threading.Thread(target=watch, name="junyun-parent-watch", daemon=True).start()


def warm_kernel_plugin():
    """A ``distributed`` worker plugin (常驻内核插件): each worker process keeps one warm kernel for every
    briefing it runs, as the local worker processes do; the kernel ends with the worker.

    Workers should run one task at a time (``dask worker --nthreads 1``); a lock keeps two threads of one
    worker from sharing the kernel at once all the same.
    """
    from distributed.diagnostics.plugin import WorkerPlugin

    class WarmKernelPlugin(WorkerPlugin):
        name = "junyun-warm-kernel"
        idempotent = True

        def setup(self, worker) -> None:       # the kernel starts with the worker's first briefing
            from . import kernel

            kernel.worker_lock(create=True)

        def teardown(self, worker) -> None:
            from . import kernel

            kernel.stop_kernel()

    return WarmKernelPlugin()


@register
class DaskCluster(Executor):
    """The tasks on a ``dask.distributed`` scheduler; each worker keeps a warm kernel (:func:`warm_kernel_plugin`).

    Start a scheduler and workers on other machines with the same environment and data folder path::

        dask scheduler                                     # on the head machine, port 8786
        dask worker tcp://HEAD:8786 --nthreads 1 --nworkers 2   # on each machine, one per core
        junyun batch --all --scheduler tcp://HEAD:8786
    """

    name = "dask"

    def __init__(self, address: str):
        self.address = address

    def run(self, tasks, fn, on_result, prepare=None) -> None:
        # a dask worker outlives the batch and may serve others: its kernel starts with its first briefing
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(self.address) as client:
            client.register_plugin(warm_kernel_plugin())
            futures = client.map(fn, tasks, [True] * len(tasks), pure=False)
            try:
                for future in dask_completed(futures):
                    on_result(future.result())
            except BaseException:
                client.cancel(futures)
                raise
