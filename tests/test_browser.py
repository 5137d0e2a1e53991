"""A briefing page in a real browser: headless Chromium (Debian's ``chromium`` package), network blocked.

Skipped when /usr/bin/chromium is absent.  Two ways in:

* the command line an analyst would use (``chromium --headless --screenshot=…``) for the screenshot;
* the DevTools protocol over ``--remote-debugging-pipe`` (file descriptors 3 and 4, NUL-separated JSON; no
  extra packages) to see what ``--enable-logging=stderr`` cannot: console messages with their level,
  uncaught exceptions, every request the page makes and every load that fails.

The network is blocked twice (``--host-resolver-rules="MAP * ~NOTFOUND"`` and a proxy on the discard
port), so a page that tries to load anything from another host shows failed requests and console
errors; ``test_detector_sees_a_bad_page`` checks that such a page is caught.

No CJK font is needed: Chinese text may draw as boxes in the screenshot (install ``fonts-wqy-microhei``
or ``fonts-noto-cjk`` to see it); the tests check the DOM text, not glyphs.
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from junyun_lib.io.atomic import write_text
from junyun_lib.report.html_export import notebook_to_html
from test_html_export import EVIL, EVIL_ESCAPED, TITLE, briefing_notebook

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"headless Chromium not installed: {CHROMIUM} is missing (Debian: apt-get install chromium)")

WIDTH, HEIGHT = 1240, 1754  # A4 at 150 dpi
TIMEOUT = 60
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
         f"--window-size={WIDTH},{HEIGHT}"]


def _tail(text: str, lines: int = 15) -> str:
    """The end of Chromium's stderr without the D-Bus noise of a container."""
    keep = [line for line in text.splitlines() if "dbus" not in line and "unexpected operator" not in line]
    return "\n".join(keep[-lines:])


def _stop(proc: subprocess.Popen) -> None:
    """End the Chromium started here (its own session, so its renderer and GPU processes go too)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(10)


def screenshot(url: str, png: Path, profile: Path) -> str:
    """``chromium --headless --screenshot``; returns Chromium's stderr."""
    cmd = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}", url]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        _, err = proc.communicate(timeout=TIMEOUT)
    finally:
        _stop(proc)
    assert proc.returncode == 0, f"chromium exited {proc.returncode}:\n{_tail(err)}"
    return err


# --- a minimal DevTools-protocol client over --remote-debugging-pipe ---------------------------------

# Chromium reads commands from fd 3 and writes replies to fd 4.  A tiny Python trampoline puts the pipe
# ends there (dash cannot redirect fds above 9, and Popen cannot choose child fd numbers).
_TRAMPOLINE = ("import os, sys; r, w = int(sys.argv[1]), int(sys.argv[2]); os.dup2(r, 3); os.dup2(w, 4); "
               "os.close(r); os.close(w); os.execv(sys.argv[3], sys.argv[3:])")


def _high_fd(fd: int) -> int:
    """Move fd to 10 or above so the dup2 onto 3 and 4 in the child cannot clobber it."""
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


class DevTools:
    def __init__(self, profile: Path):
        cmd_r, self._cmd_w = map(_high_fd, os.pipe())
        self._out_r, out_w = map(_high_fd, os.pipe())
        self._err = open(profile.parent / f"{profile.name}-stderr.txt", "w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _TRAMPOLINE, str(cmd_r), str(out_w), str(CHROMIUM), *FLAGS,
             f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            pass_fds=(cmd_r, out_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._err,
            start_new_session=True)
        os.close(cmd_r)
        os.close(out_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            if self.proc.poll() is None:
                self.send("Browser.close", timeout=5)
                self.proc.wait(10)
        except Exception:
            pass
        finally:
            _stop(self.proc)
            os.close(self._cmd_w)
            os.close(self._out_r)
            self._err.close()

    def stderr(self) -> str:
        self._err.flush()
        self._err.seek(0)
        return _tail(self._err.read())

    def _next(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self._out_r], [], [], left)
            if ready:
                chunk = os.read(self._out_r, 1 << 20)
                if not chunk:
                    raise EOFError(f"chromium closed the DevTools pipe:\n{self.stderr()}")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = TIMEOUT) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._next(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, event: str, timeout: float = TIMEOUT) -> dict:
        seen = [e for e in self.events if e.get("method") == event]
        if seen:
            return seen[0]
        deadline = time.monotonic() + timeout
        while True:
            msg = self._next(deadline)
            self.events.append(msg)
            if msg.get("method") == event:
                return msg

    def collect(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._next(deadline))
        except TimeoutError:
            pass


@dataclass
class Visit:
    dom: str = ""
    title: str = ""
    images_ok: bool = False
    pdf: bytes = b""
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def visit(url: str, profile: Path, pdf: bool = False) -> Visit:
    """Open url in a fresh headless Chromium and record what happened."""
    v = Visit()
    with DevTools(profile) as dt:
        target = dt.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = dt.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            dt.send(f"{domain}.enable", session=sid)
        dt.send("Emulation.setDeviceMetricsOverride",
                {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}, session=sid)
        dt.events.clear()
        nav = dt.send("Page.navigate", {"url": url}, session=sid)
        assert "errorText" not in nav, nav
        dt.wait_for("Page.loadEventFired")
        dt.collect(0.5)  # late console messages
        evaluate = lambda expr: dt.send("Runtime.evaluate", {"expression": expr, "returnByValue": True},  # noqa: E731
                                        session=sid)["result"]["value"]
        v.dom = evaluate("document.documentElement.outerHTML")
        v.title = evaluate("document.title")
        v.images_ok = evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        if pdf:
            v.pdf = base64.b64decode(dt.send("Page.printToPDF", {"preferCSSPageSize": True,
                                                                  "printBackground": True}, session=sid)["data"])
        for e in dt.events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Network.requestWillBeSent":
                v.requests.append(p["request"]["url"])
            elif method == "Network.loadingFailed":
                v.failed.append(f"{p.get('errorText')} ({p.get('blockedReason') or p.get('type')})")
            elif method == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
                v.errors.append("console.%s: %s" % (p["type"], " ".join(
                    str(a.get("value", a.get("description", ""))) for a in p["args"])))
            elif method == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                v.errors.append("exception: " + d.get("exception", {}).get("description", d.get("text", "")))
            elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
                entry = p["entry"]
                v.errors.append(f"log/{entry['source']}: {entry['text']} {entry.get('url', '')}".strip())
            elif method == "Page.javascriptDialogOpening":
                v.dialogs.append(p.get("message", ""))
    return v


# --- the tests ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def briefing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("briefing") / "进贤县-2024-通报.html"  # Chinese file names are the norm
    return write_text(out, notebook_to_html(briefing_notebook(charts=2)))


def test_screenshot(briefing, tmp_path):
    png = tmp_path / "briefing.png"
    screenshot(briefing.as_uri(), png, tmp_path / "profile")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (WIDTH, HEIGHT)
    assert len(data) > 10_000, f"screenshot only {len(data)} bytes: blank page?"


def test_page_loads_offline_without_errors(briefing, tmp_path):
    v = visit(briefing.as_uri(), tmp_path / "profile", pdf=True)
    assert v.errors == []
    assert v.failed == []
    assert v.dialogs == []  # the escaped <script>alert(1)</script> did not run
    assert v.requests and all(u.startswith(("file:", "data:")) for u in v.requests), v.requests
    assert v.title == TITLE
    assert f"<h1>{TITLE}</h1>" in v.dom
    assert EVIL_ESCAPED in v.dom and EVIL not in v.dom
    assert v.images_ok, "a chart image did not decode"
    # @page { size: A4 } is honoured: 210 × 297 mm = 595.3 × 841.9 pt
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", v.pdf)
    assert boxes, "no page in the PDF"
    for w, h in boxes:
        assert abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5, (w, h)


def test_detector_sees_a_bad_page(tmp_path):
    """The checks above are not vacuous: a page that reaches out and throws is caught, and its loads fail."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>坏页面</title>'
        '<script src="https://cdn.example.com/x.js"></script>'
        '<link rel="stylesheet" href="http://fonts.example.com/f.css"></head>'
        '<body><img src="https://img.example.com/a.png">'
        '<script>console.error("deliberate"); console.log("only a log"); notDefined();</script>'
        "</body></html>", encoding="utf-8")
    v = visit(bad.as_uri(), tmp_path / "profile")
    external = [u for u in v.requests if u.startswith("http")]
    assert sorted(external) == ["http://fonts.example.com/f.css", "https://cdn.example.com/x.js",
                                "https://img.example.com/a.png"]
    assert len(v.failed) == 3  # every external load failed: the network is blocked
    assert any("deliberate" in e for e in v.errors)
    assert not any("only a log" in e for e in v.errors)
    assert any("notDefined" in e for e in v.errors)
    assert sum("Failed to load resource" in e for e in v.errors) == 3
