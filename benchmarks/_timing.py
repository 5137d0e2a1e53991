"""Shared by the benchmark scripts: best and median wall time of a call."""
from __future__ import annotations

import statistics
import time


def timed(fn, repeat: int):
    """(best seconds, median seconds, the last call's value) over ``repeat`` calls of ``fn``."""
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), value


SAMPLE_SLUGS = ("jinxian", "xiangning", "shicheng", "shizhu")   # the bundled synthetic sample counties


def loop_ms() -> float:
    """A plain Python loop of 10⁶ additions, in ms: how fast this machine is (and how busy), so that figures
    taken on different machines can be compared."""
    start = time.perf_counter()
    total = 0
    for i in range(10**6):
        total += i
    return (time.perf_counter() - start) * 1000
