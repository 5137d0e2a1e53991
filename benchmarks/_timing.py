"""Shared by the benchmark scripts: best and median wall time of a call in this process (:func:`timed`), and of
a command in a fresh process with its peak memory (:func:`fresh_process`), beside its start-up baseline (a fresh
process that only imports what the command imports: :func:`command_modules`, :func:`baseline_argv`)."""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


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


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages as text ("n/a" where the system has none): printed beside a
    figure taken on a shared machine, where other work slows every line."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


# ------------------------------------------------------------------------------------------------------------
# The command a user types, in a fresh process
# ------------------------------------------------------------------------------------------------------------
# A child's peak resident memory comes from os.wait4's ru_maxrss, but not that of a child of this process: a
# child started from a large process carries the parent's peak over exec (Linux keeps the old memory's high-water
# mark; measured here: a 600 MB parent gave ``python -c pass`` a "peak" of 611 MB).  So this process starts (Popen)
# a small launcher, ``python -S`` (about 10 MB: the floor of every figure), which forks and execs the command,
# waits for it with os.wait4 and writes the command's wall seconds (its own clock around fork … wait4, without
# the launcher's start-up) and ru_maxrss.  bench_national.py's _fresh does the same (or uses GNU time).
_LAUNCHER = (
    "import os, sys, time\n"
    "out, argv = sys.argv[1], sys.argv[2:]\n"
    "start = time.perf_counter()\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    try:\n"
    "        os.execvp(argv[0], argv)\n"
    "    finally:\n"
    "        os._exit(127)\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "wall = time.perf_counter() - start\n"
    "with open(out, 'w') as f:\n"
    "    f.write(repr(wall) + ' ' + str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n")


def _rss_mb(maxrss: int) -> float:
    """ru_maxrss in MB: KiB on Linux, bytes on macOS."""
    return maxrss / 2 ** 20 if sys.platform == "darwin" else maxrss / 1024.0


def fresh_process(argv: list, cwd, repeat: int, *, env: dict | None = None, output=None) -> list[tuple[float, float]]:
    """Run ``argv`` ``repeat`` times, each in a fresh process with ``cwd`` as its folder: ``[(wall seconds, peak
    RSS MB), …]``.  Every run must succeed (else RuntimeError with the end of its stderr).  The command's stdout
    and stderr go to files, not pipes (nothing to drain while waiting); with ``output`` the last run's stdout is
    kept there."""
    if sys.platform == "win32":
        raise RuntimeError("fresh_process needs os.fork and os.wait4 (Linux, macOS)")
    argv = [str(a) for a in argv]
    runs = []
    with tempfile.TemporaryDirectory(prefix="junyun-bench-run-") as tmp:
        report, out, err = (Path(tmp) / name for name in ("usage", "stdout", "stderr"))
        for _ in range(repeat):
            with open(out, "wb") as sink, open(err, "wb") as errors:
                launcher = subprocess.Popen([sys.executable, "-S", "-c", _LAUNCHER, str(report), *argv], cwd=cwd,
                                            env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=errors)
                _, status, _ = os.wait4(launcher.pid, 0)
                launcher.returncode = os.waitstatus_to_exitcode(status)   # reaped here: Popen must not wait again
            if launcher.returncode != 0:
                tail = err.read_bytes().decode(errors="replace")[-2000:]
                raise RuntimeError(f"failed ({launcher.returncode}): {' '.join(argv)}\n{tail}")
            wall, maxrss = report.read_text().split()
            runs.append((float(wall), _rss_mb(int(maxrss))))
        if output is not None:
            shutil.copyfile(out, output)
    return runs


def summarise(runs: list[tuple[float, float]]) -> tuple[float, float, float]:
    """(best seconds, median seconds, largest peak MB) of :func:`fresh_process`'s runs."""
    walls = [w for w, _ in runs]
    return min(walls), statistics.median(walls), max(p for _, p in runs)


def fresh_line(runs: list[tuple[float, float]]) -> str:
    """"best 1.23 s, median 1.25 s, peak 150 MB" of :func:`fresh_process`'s runs."""
    best, median, peak = summarise(runs)
    return f"best {best:.2f} s, median {median:.2f} s, peak {peak:.0f} MB"


def junyun_command() -> list[str]:
    """The ``junyun`` command as a user types it: the script installed beside this Python (the venv's)."""
    script = Path(sys.executable).parent / "junyun"
    if script.exists():
        return [str(script)]
    found = shutil.which("junyun")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from junyun_lib.cli import main; sys.exit(main())"]


# The command run once through junyun_lib.cli.main, as the ``junyun`` script runs it, then the modules it loaded
# beyond those of a bare interpreter, in the order loaded, written as JSON to argv[1].
_PROBE = (
    "import sys\n"
    "bare = set(sys.modules)\n"
    "out, argv = sys.argv[1], sys.argv[2:]\n"
    "from junyun_lib.cli import main\n"
    "code = main(argv)\n"
    "import json\n"
    "with open(out, 'w') as f:\n"
    "    json.dump([m for m in list(sys.modules) if m not in bare], f)\n"
    "sys.exit(code)\n")


def command_modules(args: list, cwd, *, env: dict | None = None) -> list[str]:
    """Run ``junyun <args>`` once in a fresh process (untimed: a warm-up, the files it reads now in the page
    cache) and return the modules it loaded beyond a bare interpreter's, in the order loaded: what
    :func:`baseline_argv` imports.  The run must succeed."""
    with tempfile.TemporaryDirectory(prefix="junyun-bench-probe-") as tmp:
        report = Path(tmp) / "modules.json"
        done = subprocess.run([sys.executable, "-c", _PROBE, str(report), *map(str, args)], cwd=cwd, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True)
        if done.returncode != 0:
            tail = done.stderr.decode(errors="replace")[-2000:]
            raise RuntimeError(f"failed ({done.returncode}): junyun {' '.join(map(str, args))}\n{tail}")
        return json.loads(report.read_text())


def baseline_argv(modules: list[str], folder) -> list[str]:
    """The start-up baseline of a command: a fresh Python that imports ``modules`` (:func:`command_modules`) in
    order and does nothing else.  Written as a script in ``folder`` (the list can exceed one argument's limit);
    a name that cannot be imported alone (an alias another module put into sys.modules) is skipped."""
    script = Path(folder) / "baseline_imports.py"
    script.write_text("import importlib\n"
                      f"for name in {modules!r}:\n"
                      "    try:\n"
                      "        importlib.import_module(name)\n"
                      "    except Exception:\n"
                      "        pass\n", encoding="utf-8")
    return [sys.executable, str(script)]


def junyun_modules(modules: list[str]) -> int:
    """How many of ``modules`` are junyun's own."""
    return sum(m == "junyun_lib" or m.startswith("junyun_lib.") for m in modules)


def whole_command(args: list, cwd, repeat: int, folder, *, env: dict | None = None) -> dict:
    """``junyun <args>`` as a user types it, in fresh processes with ``cwd`` as their folder: one untimed run
    (:func:`command_modules`: the modules it loads, and a warm-up), then ``repeat`` rounds of the command and its
    start-up baseline (:func:`baseline_argv`, script written to ``folder``), one after the other so that a change
    in the machine's load falls on both.  ``{"runs", "baseline", "modules"}``; runs as :func:`fresh_process`'s."""
    modules = command_modules(args, cwd, env=env)
    command, baseline = junyun_command() + [str(a) for a in args], baseline_argv(modules, folder)
    runs, base = [], []
    for _ in range(repeat):
        runs += fresh_process(command, cwd, 1, env=env)
        base += fresh_process(baseline, cwd, 1, env=env)
    return {"runs": runs, "baseline": base, "modules": modules}


def whole_command_lines(label: str, measured: dict, indent: str = "    ") -> list[str]:
    """Two printed lines of :func:`whole_command`: the command, and its start-up baseline with its share."""
    runs, base, modules = measured["runs"], measured["baseline"], measured["modules"]
    share = summarise(base)[1] / summarise(runs)[1]
    return [f"{indent}{label}, whole command in a fresh process: {fresh_line(runs)}",
            f"{indent}  start-up baseline (fresh Python importing the {len(modules)} modules the command loads, "
            f"{junyun_modules(modules)} of them junyun_lib's; nothing read): {fresh_line(base)} — {share:.0%} of "
            f"the command's median"]
