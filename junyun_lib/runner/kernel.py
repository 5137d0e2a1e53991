"""Warm kernels (常驻内核): one Jupyter kernel per worker process, reused for every briefing it runs.

Imports (pandas, matplotlib, junyun_lib) and kernel start-up are then paid once per worker, not once per
county; the namespace is reset before every briefing so counties cannot leak into each other.  The
``junyun-warm`` papermill engine runs a notebook on such a kernel and its client.

The kernel runs in its own session (jupyter_client's launcher), so a Ctrl-C in the terminal never reaches
it, and it polls its parent once a second (ipykernel's parent poller), so it exits when its worker does —
however the worker ends.  :func:`stop_kernel` ends it at once.
"""
from __future__ import annotations

import contextlib
import os
import signal

from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger as engine_logger
from papermill.utils import merge_kwargs, remove_args

# Seconds for a new kernel to answer.  It answers once it has preloaded (PRELOAD_CODE), which on a fresh machine
# may build the Chinese font (about 30 s) while another worker does the same: allow for it.
READY_TIMEOUT = 300
RESET_TIMEOUT = 60     # a ready kernel resets at once; a lost reply is retried on a new kernel (warm_kernel)

_WARM: dict = {}   # per worker process: one kernel kept alive between briefings


def worker_lock(create: bool = False):
    """The lock that lets one briefing at a time use this worker process's warm kernel (内核锁): None when the
    process has none; ``create`` sets one up first (a dask worker's plugin does, when the worker starts)."""
    if create:
        import threading

        return _WARM.setdefault("lock", threading.Lock())
    return _WARM.get("lock")

# Forget the previous briefing: every name it defined, and the output cache (Out, _, __, ___).  IPython's
# ``%reset -f`` does this too but runs two full garbage collections, 0.3 s with pandas and matplotlib
# loaded; the memory is freed by reference counting all the same.
RESET_CODE = """\
_junyun_ip = get_ipython()
for _junyun_name in [k for k in _junyun_ip.user_ns if k not in _junyun_ip.user_ns_hidden]:
    if not _junyun_name.startswith("_junyun_"):
        del _junyun_ip.user_ns[_junyun_name]
_junyun_ip.user_ns["_oh"].clear()
_junyun_ip.displayhook._ = _junyun_ip.displayhook.__ = _junyun_ip.displayhook.___ = ""
_junyun_ip.user_ns.update({"_": "", "__": "", "___": ""})
globals().pop("_junyun_name", None)
del _junyun_ip
if "junyun_lib.report.briefing" in __import__("sys").modules:   # and the briefing the last notebook handed back
    __import__("sys").modules["junyun_lib.report.briefing"].forget_handed_back()
"""

# What every briefing imports first, and the Chinese font loaded by drawing one character (charts.warm_up):
# run by a new kernel as it starts (IPython's exec_lines, before it answers) while its worker makes its own
# imports, so a worker's first county pays for neither.  One line that binds no name in the notebook's namespace.
PRELOAD_CODE = ('__import__("junyun_lib.workspace"); __import__("junyun_lib.report.briefing"); '
                '__import__("junyun_lib.report.charts", fromlist=["warm_up"]).warm_up()')

# Ask the kernel for the briefing its notebook handed back (report.briefing.index_output), as a pickle in a
# file of the worker's own (binds no name in the notebook's namespace)
HAND_BACK_CODE = """\
if not __import__("junyun_lib.report.briefing", fromlist=["hand_back"]).hand_back({path!r}):
    raise LookupError("no briefing handed back")
"""
HAND_BACK_TIMEOUT = 120   # seconds to pickle one county-year's briefing (well under one on a slow machine)


def start_kernel() -> None:
    """Start this worker's kernel unless it runs already, and return at once: the kernel preloads as it starts
    (:data:`PRELOAD_CODE`) while the caller goes on; :func:`warm_kernel` waits for it."""
    from multiprocessing import util

    from jupyter_client.manager import AsyncKernelManager

    km = _WARM.get("km")
    if km is not None and run_sync(km.is_alive)():
        return
    kc = _WARM.pop("kc", None)
    if kc is not None:
        kc.stop_channels()
    km = AsyncKernelManager(kernel_name="python3")
    # the kernel's own warnings (e.g. "running over TCP without encryption" on a local socket) are noise on an
    # analyst's terminal; errors still show
    run_sync(km.start_kernel)(extra_arguments=["--IPKernelApp.log_level=ERROR",
                                               f"--IPKernelApp.exec_lines={PRELOAD_CODE}"])
    util.Finalize(km, run_sync(km.shutdown_kernel), kwargs={"now": True}, exitpriority=10)
    _WARM["km"] = km


def warm_kernel(retry: bool = True):
    """This worker's kernel and its client, started once; the namespace is reset before every briefing.

    A ready kernel resets in milliseconds: no reply within :data:`RESET_TIMEOUT` means a lost message or a stuck
    kernel, so the worker drops it and starts a new one, once (a second failure is the county's located error).
    """
    km = _WARM.get("km")
    if km is None or not run_sync(km.is_alive)():
        start_kernel()
        km = _WARM["km"]
    kc = _WARM.get("kc")
    if kc is None:
        kc = km.client()
        kc.allow_stdin = False       # as papermill's own client: input() in a notebook fails, never hangs
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=READY_TIMEOUT)
        _WARM["kc"] = kc
    try:
        reply = run_sync(_reset)(kc)
    except TimeoutError:
        if not retry:
            raise
        _drop_kernel()
        return warm_kernel(retry=False)
    if reply["content"].get("status") != "ok":
        raise RuntimeError(f"内核重置失败 (kernel reset failed): {reply['content'].get('evalue', '')}")
    return km, kc


def _drop_kernel() -> None:
    """Shut this worker's kernel down and forget it and its client (:func:`warm_kernel` starts a new one)."""
    km, kc = _WARM.pop("km", None), _WARM.pop("kc", None)
    if kc is not None:
        kc.stop_channels()
    if km is not None:
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 — a kernel that is gone already
            pass


async def _reset(kc) -> dict:
    # the reply comes on the shell channel; nothing waits on IOPub
    return await kc.execute(RESET_CODE, silent=True, store_history=False, reply=True, timeout=RESET_TIMEOUT)


def preload() -> None:
    """Start the kernel and let it import junyun and set up the fonts, without waiting for it (a kernel
    preloads as it starts: :func:`start_kernel`)."""
    start_kernel()


def handed_back(kc):
    """The :class:`~junyun_lib.report.briefing.Briefing` the notebook just run on this kernel handed back
    (交回的简报), or None when it handed none back or it could not travel (the caller then evaluates again).

    The kernel pickles it into a file in a folder private to this worker process (mode 0700), read and
    removed here at once: the Word copy and the workbook are then made from the results the page shows,
    without evaluating the county-year a second time in the worker.
    """
    import pickle
    import tempfile

    folder = _WARM.get("handback")
    if folder is None or not os.path.isdir(folder):
        folder = tempfile.mkdtemp(prefix="junyun-handback-")
        _WARM["handback"] = folder
        from multiprocessing import util

        util.Finalize(None, _remove_folder, args=(folder,), exitpriority=5)
    path = os.path.join(folder, "briefing.pickle")
    try:
        reply = run_sync(_hand_back)(kc, path)
        if reply["content"].get("status") != "ok":
            return None
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:  # noqa: BLE001 — the copies are made from a second evaluation instead
        return None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


async def _hand_back(kc, path: str) -> dict:
    return await kc.execute(HAND_BACK_CODE.format(path=path), silent=True, store_history=False, reply=True,
                            timeout=HAND_BACK_TIMEOUT)


def _remove_folder(folder: str) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def stop_kernel() -> None:
    """End this worker's kernel now (its whole process group: the kernel runs in its own session)."""
    km = _WARM.pop("km", None)
    _WARM.pop("kc", None)
    folder = _WARM.pop("handback", None)
    if folder:
        _remove_folder(folder)
    process = getattr(getattr(km, "provisioner", None), "process", None)
    pid = getattr(process, "pid", None)
    if pid:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            process.wait(timeout=5)


class WarmKernelEngine(NBClientEngine):
    """papermill engine (执行引擎) that runs a notebook on an already started kernel *and* client.

    Registered with papermill as ``junyun-warm``; ``execute_notebook(..., engine_name="junyun-warm",
    km=km, kernel_client=kc)``.  Same arguments as papermill's default ``nbclient`` engine otherwise.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, kernel_client=None, **kwargs):
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        client = PapermillNotebookClient(nb_man, **merge_kwargs(
            kwargs, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
            log=engine_logger, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file))
        client.kc = kernel_client     # nbclient starts (and waits for) a new client only when this is None
        return client.execute()


papermill_engines.register("junyun-warm", WarmKernelEngine)
