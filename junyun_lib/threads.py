"""Two threads for national-size work (全国规模数据的双线程计算).

A national file (about 300,000 school rows) is evaluated on two cores by running independent numpy and
pyarrow work in two threads: both release the GIL on arrays of this size, and threads share the frames
without copying them.  Below :data:`THREADED_ROWS` rows a county's work is done one step after the other,
where starting threads would cost more than it saves.  Either way the results are the same, value for value
(``tests/test_threaded_paths.py``; decision 130).
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")
R = TypeVar("R")
B = TypeVar("B")

THREADED_ROWS = 50_000


def map_in_order(fn: Callable[[T], R], items: Iterable[T], rows: int) -> list[R]:
    """``[fn(item) for item in items]``, two items at a time in threads when ``rows`` ≥ :data:`THREADED_ROWS`.

    >>> map_in_order(abs, [-1, 2, -3], rows=10)
    [1, 2, 3]
    """
    items = list(items)
    if rows < THREADED_ROWS or len(items) < 2:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(fn, items))


def beside(background: Callable[[], B], foreground: Callable[[], R], rows: int) -> tuple[B, R]:
    """``(background(), foreground())``, the first in a second thread while this one runs the second when
    ``rows`` ≥ :data:`THREADED_ROWS`; otherwise the foreground first, then the background.

    >>> beside(lambda: "checks", lambda: "parts", rows=10)
    ('checks', 'parts')
    """
    if rows < THREADED_ROWS:
        front = foreground()
        return background(), front
    with ThreadPoolExecutor(max_workers=1) as pool:
        back = pool.submit(background)
        front = foreground()
        return back.result(), front
