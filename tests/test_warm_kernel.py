"""A batch worker's warm kernel (常驻内核): a reset that gets no reply is tried once more on a new kernel.

A lost reply once held a worker for the whole reset timeout and then failed the county; the worker now starts a
new kernel and resets that one.  Runs a real kernel in this process (about 5–10 s).
"""
from __future__ import annotations

import pytest

from junyun_lib.runner import kernel


@pytest.fixture
def own_kernel():
    saved = dict(kernel._WARM)   # noqa: SLF001 — the test owns this process's kernel state
    kernel._WARM.clear()
    yield
    km, kc = kernel._WARM.get("km"), kernel._WARM.get("kc")
    if kc is not None:
        kc.stop_channels()
    if km is not None:
        from jupyter_core.utils import run_sync

        run_sync(km.shutdown_kernel)(now=True)
    kernel._WARM.clear()
    kernel._WARM.update(saved)


def test_a_reset_without_reply_gets_a_new_kernel(own_kernel, monkeypatch):
    first_km, _ = kernel.warm_kernel()
    first_pid = first_km.provisioner.process.pid
    real, calls = kernel._reset, []

    async def lost_once(kc):
        calls.append(kc)
        if len(calls) == 1:
            raise TimeoutError("Timeout waiting for reply")
        return await real(kc)

    monkeypatch.setattr(kernel, "_reset", lost_once)
    km, kc = kernel.warm_kernel()
    assert len(calls) == 2 and calls[1] is kc
    assert km.provisioner.process.pid != first_pid          # a new kernel, not the silent one
    from jupyter_core.utils import run_sync

    assert run_sync(km.is_alive)() and not run_sync(first_km.is_alive)()
