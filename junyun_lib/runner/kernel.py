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

READY_TIMEOUT = 60       # seconds for a new kernel to answer
# The first reset waits for the preload (the kernel runs requests in order), which on a fresh machine may
# build the Chinese font (about 30 s) while another worker does the same: allow for it.
RESET_TIMEOUT = 300

_WARM: dict = {}   # per worker process: one kernel kept alive between briefings

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
"""

# What every briefing imports first; loaded by a new worker's kernel while the worker loads nbconvert.
PRELOAD_CODE = "import junyun_lib, junyun_lib.report.briefing, junyun_lib.report.charts\n" \
               "junyun_lib.report.charts.set_style()"


def warm_kernel():
    """This worker's kernel and its client, started once; the namespace is reset before every briefing."""
    from multiprocessing import util

    from jupyter_client.manager import AsyncKernelManager

    km, kc = _WARM.get("km"), _WARM.get("kc")
    if km is None or not run_sync(km.is_alive)():
        if kc is not None:
            kc.stop_channels()
        km = AsyncKernelManager(kernel_name="python3")
        # the kernel's own warnings (e.g. "running over TCP without encryption" on a local socket) are noise
        # on an analyst's terminal; errors still show
        run_sync(km.start_kernel)(extra_arguments=["--IPKernelApp.log_level=ERROR"])
        util.Finalize(km, run_sync(km.shutdown_kernel), kwargs={"now": True}, exitpriority=10)
        kc = km.client()
        kc.allow_stdin = False       # as papermill's own client: input() in a notebook fails, never hangs
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=READY_TIMEOUT)
        _WARM.update(km=km, kc=kc)
    reply = run_sync(_reset)(kc)
    if reply["content"].get("status") != "ok":
        raise RuntimeError(f"内核重置失败 (kernel reset failed): {reply['content'].get('evalue', '')}")
    return km, kc


async def _reset(kc) -> dict:
    # the reply comes on the shell channel; nothing waits on IOPub
    return await kc.execute(RESET_CODE, silent=True, store_history=False, reply=True, timeout=RESET_TIMEOUT)


def preload() -> None:
    """Start the kernel and let it import junyun and set up the fonts, without waiting for it."""
    _, kc = warm_kernel()
    kc.execute(PRELOAD_CODE, silent=True, store_history=False)


def stop_kernel() -> None:
    """End this worker's kernel now (its whole process group: the kernel runs in its own session)."""
    km = _WARM.pop("km", None)
    _WARM.pop("kc", None)
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
