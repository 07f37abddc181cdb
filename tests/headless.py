"""A headless Chromium driven over the DevTools protocol, for the docs site's browser test;
a headless Firefox that reports by posting to the local server.

The protocol runs over a pipe (``--remote-debugging-pipe``: JSON messages ending in NUL on
file descriptors 3 and 4), so the test needs no driver package and opens no port. Every
request the page makes is recorded, and the browser is started so that none can leave the
machine: names resolve to nothing but localhost and everything else goes to a proxy on a
closed local port.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

BLOCK_NETWORK = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
                 "--proxy-server=http://127.0.0.1:9"]  # loopback bypasses a proxy


def chromium() -> str | None:
    """The Chromium program on PATH, if any (Debian's package is ``chromium``)."""
    return next(filter(None, map(shutil.which, ["chromium", "chromium-browser",
                                                 "google-chrome"])), None)


def firefox() -> str | None:
    """The Firefox program on PATH, if any (Debian's package is ``firefox-esr``)."""
    return next(filter(None, map(shutil.which, ["firefox-esr", "firefox"])), None)


@contextlib.contextmanager
def serve(directory: Path, posted: list | None = None):
    """``directory`` over HTTP on 127.0.0.1 (a free port): yields the base URL.  The body of
    each POST request is appended to ``posted`` (how a page reports to a test)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.posted = posted if posted is not None else []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        self.server.posted.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(204)
        self.end_headers()


# Firefox's preferences: no first-run pages, updates or telemetry, and every request that is
# not to localhost sent to a closed local port.
_FIREFOX_PREFS = {
    "network.proxy.type": 1, "network.proxy.http": "127.0.0.1", "network.proxy.http_port": 9,
    "network.proxy.ssl": "127.0.0.1", "network.proxy.ssl_port": 9,
    "network.proxy.allow_hijacking_localhost": False, "network.dns.disableIPv6": True,
    "app.update.disabledForTesting": True, "browser.shell.checkDefaultBrowser": False,
    "datareporting.policy.dataSubmissionEnabled": False, "toolkit.telemetry.enabled": False,
    "browser.startup.homepage_override.mstone": "ignore", "browser.aboutwelcome.enabled": False,
}


def firefox_report(program: str, url: str, posted: list, width: int = 800, height: int = 1000,
                   timeout: float = 120) -> bytes:
    """Open ``url`` in a headless Firefox and wait for the page's first POST to the server
    that serves it (``serve(..., posted)``): its body."""
    profile = Path(tempfile.mkdtemp(prefix="firefox-profile-"))
    (profile / "user.js").write_text("".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n"
                                             for k, v in _FIREFOX_PREFS.items()))
    proc = subprocess.Popen([program, "--headless", "--no-remote", "--profile", str(profile),
                             f"--window-size={width},{height}", url],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while not posted:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise TimeoutError(f"Firefox did not report from {url}")
            time.sleep(0.2)
        return posted[0]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


class Browser:
    """One headless Chromium and one page in it: navigate, evaluate, press keys, screenshot."""

    def __init__(self, program: str, width: int = 1280, height: int = 900, timeout: float = 60):
        self.timeout, self.requests, self._id = timeout, [], 0
        to_chrome, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome = os.pipe()
        self._profile = tempfile.mkdtemp(prefix="chromium-profile-")

        def pipes_as_3_and_4():
            os.dup2(to_chrome, 3)
            os.dup2(from_chrome, 4)

        self.proc = subprocess.Popen(
            [program, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", "--disable-sync",
             "--disable-component-update", "--mute-audio", "--hide-scrollbars",
             f"--user-data-dir={self._profile}", f"--window-size={width},{height}",
             "--remote-debugging-pipe", *BLOCK_NETWORK, "about:blank"],
            pass_fds=(3, 4), preexec_fn=pipes_as_3_and_4,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome)
        os.close(from_chrome)
        self._buffer = b""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width,
                  height=height, deviceScaleFactor=1, mobile=False)

    # -- the protocol
    def _send(self, message: dict) -> None:
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        found = json.loads(message)
        if found.get("method") == "Network.requestWillBeSent":
            self.requests.append(found["params"]["request"]["url"])
        return found

    def call(self, method: str, session: bool = False, **params) -> dict:
        """Send one command and wait for its answer (events meanwhile only record requests)."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self._send(message)
        deadline = time.monotonic() + self.timeout
        while True:
            found = self._receive(deadline)
            if found.get("id") == self._id:
                if "error" in found:
                    raise RuntimeError(f"{method}: {found['error']}")
                return found.get("result", {})

    # -- what a test does
    def open(self, url: str) -> None:
        """Load ``url`` and wait until it is complete (images and scripts done)."""
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + self.timeout
        while self.evaluate(f"location.href !== {json.dumps(url)} "
                            "|| document.readyState !== 'complete'"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not finish loading")
            time.sleep(0.1)

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (awaited if a promise)."""
        result = self.call("Runtime.evaluate", session=True, expression=expression,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def press(self, key: str, code: str, key_code: int) -> None:
        """A real key press (down and up) to the focused element, as a keyboard sends it."""
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", session=True, type=kind, key=key, code=code,
                      windowsVirtualKeyCode=key_code)

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        """A PNG of the page (all of it by default) at ``path``."""
        shot = self.call("Page.captureScreenshot", session=True, format="png",
                         captureBeyondViewport=full_page)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._send({"id": 0, "method": "Browser.close"})
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self._profile, ignore_errors=True)
