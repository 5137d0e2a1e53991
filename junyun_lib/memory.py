"""Memory given back between the steps of a national run (全国规模数据的内存回收).

Reading and evaluating a national file frees hundreds of megabytes of temporaries: the C library's allocator
and pyarrow's pool keep them for reuse, and the next step, whose arrays are of other sizes, asks the system
for more.  At 3,000,000 school rows that difference is a gigabyte of peak memory.  Handing the freed memory
back between steps (``malloc_trim`` on glibc, pyarrow's ``release_unused``) keeps the peak to what is alive;
it takes milliseconds and changes no value.  Below :data:`~junyun_lib.threads.THREADED_ROWS` rows there is
nothing worth handing back.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools

from .threads import THREADED_ROWS


@functools.lru_cache(maxsize=1)
def _trim():
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, Windows, musl)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def give_back(rows: int) -> None:
    """Return freed memory to the system after a step over ``rows`` rows (no-op for small tables).

    >>> give_back(10)   # a county: nothing to do
    """
    if rows < THREADED_ROWS:
        return
    # no gc.collect(): the arrays are freed as their last reference goes, and a full collection over a national
    # evaluation's objects costs 60 ms
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except Exception:  # noqa: BLE001 — an allocator without the call: nothing to give back
        pass
    trim = _trim()
    if trim is not None:
        trim(0)
