"""Real-browser test: the HTML report and the dbt docs site render in headless Chromium.

Chromium is Debian's package (/usr/bin/chromium, installed by scripts/install_chromium.sh when
absent and the test runs as root). It is driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: commands on fd 3, replies on fd 4, NUL-terminated JSON), so the test
needs no Selenium, chromedriver or Playwright. Pages are served by ``http.server`` on an ephemeral
127.0.0.1 port. Everything is generated into pytest temp directories: the report from the published
marts, the dbt docs with ``dbt docs generate --target-path <tmp>`` against a copy of the warehouse.

The test asserts on what the browser rendered (tables and their row counts, every image loaded,
no console errors or failed requests) and writes screenshots (to docs/images/ under `make browser-test`).
"""

from __future__ import annotations

import base64
import fcntl
import functools
import http.server
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from medres import report
from medres.figures import MissingMartError

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = Path(os.environ.get("MEDRES_PUBLISHED_DIR", ROOT / "published"))
# Screenshots land in a throw-away folder; `make browser-test` points this at docs/images/ to
# refresh the README's pictures, so an ordinary test run never rewrites tracked files.
IMAGES = Path(os.environ.get("MEDRES_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="medres-screens-"))
CHROMIUM = Path(os.environ.get("MEDRES_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--remote-debugging-pipe",
    "--window-size=1280,1000",
]


def ensure_chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    script = ROOT / "scripts" / "install_chromium.sh"
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    if result.returncode != 0 or not CHROMIUM.exists():
        pytest.skip(
            "!!! BROWSER TEST SKIPPED: Chromium is not installed and scripts/install_chromium.sh "
            f"could not install it (exit {result.returncode}): {result.stderr.strip()[-500:]}"
        )
    return CHROMIUM


class Browser:
    """Minimal DevTools-protocol client of one Chromium process over the debugging pipe."""

    def __init__(self, binary: Path, user_data_dir: Path) -> None:
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()

        def child_fds() -> None:  # runs in the child: its fd 3 reads commands, fd 4 writes replies
            read_end = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [str(binary), *FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=child_fds, close_fds=False,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._out = os.fdopen(to_chrome_w, "wb", buffering=0)
        self._in = os.fdopen(from_chrome_r, "rb", buffering=0)
        self._next_id = 0
        self._replies: dict[int, queue.Queue] = {}
        self.events: list[dict] = []
        self._lock = threading.Lock()
        self.stderr_lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _drain_stderr(self) -> None:
        for line in self.process.stderr:
            self.stderr_lines.append(line.decode("utf-8", "replace"))

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = self._in.read(1 << 16)
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        waiter = self._replies.get(message["id"])
                    if waiter is not None:
                        waiter.put(message)
                else:
                    with self._lock:
                        self.events.append(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60) -> dict:
        with self._lock:
            self._next_id += 1
            message_id = self._next_id
            waiter: queue.Queue = queue.Queue()
            self._replies[message_id] = waiter
        message = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._out.write(json.dumps(message).encode() + b"\0")
        try:
            reply = waiter.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no reply to {method} within {timeout} s; chromium stderr: "
                               f"{''.join(self.stderr_lines)[-2000:]}") from None
        if "error" in reply:
            raise RuntimeError(f"{method} failed: {reply['error']}")
        return reply.get("result", {})

    def session_events(self, session: str, method: str | None = None) -> list[dict]:
        with self._lock:
            return [e for e in self.events if e.get("sessionId") == session
                    and (method is None or e["method"] == method)]

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Page:
    def __init__(self, browser: Browser, width: int = 1280, height: int = 1000) -> None:
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}
        )["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def send(self, method: str, params: dict | None = None, timeout: float = 60) -> dict:
        return self.browser.send(method, params, self.session, timeout)

    def goto(self, url: str, timeout: float = 60) -> None:
        before = len(self.browser.session_events(self.session, "Page.loadEventFired"))
        self.send("Page.navigate", {"url": url})
        deadline = time.monotonic() + timeout
        while len(self.browser.session_events(self.session, "Page.loadEventFired")) <= before:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not finish loading in {timeout} s")
            time.sleep(0.05)

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluate failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {expression}")
            time.sleep(0.2)

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions, log errors and failed or 4xx/5xx requests."""
        found = []
        for event in self.browser.session_events(self.session):
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                     for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails']}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                found.append(f"request failed: {params.get('errorText')}")
            elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
                found.append(f"HTTP {params['response']['status']}: {params['response']['url']}")
        return found

    def screenshot(self, path: Path, clip: dict | None = None) -> Path:
        params: dict = {"format": "png"}
        if clip:
            params["clip"] = {**clip, "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - keep pytest output clean
        pass


@pytest.fixture()
def serve():
    servers = []

    def start(directory: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary = ensure_chromium()
    instance = Browser(binary, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture(scope="module")
def generated_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    try:
        return report.build(PUBLISHED, out)
    except MissingMartError as error:
        pytest.fail(f"the report needs the published marts: {error}")


EXPECTED_ROWS = {
    "table-1": 31, "tables-2-6-rows": 31, "table-8": 31, "table-9": 11, "table-10": 5,
    "table-11": 31, "table-11-grades": 5, "errata-table8-rsr": 31, "errata-ocr": 8,
}


def test_report_renders_in_chromium(browser, serve, generated_report):
    page = Page(browser)
    base = serve(generated_report.parent)
    page.goto(base + "index.html")
    page.wait_for("document.readyState === 'complete'")
    page.wait_for("Array.from(document.images).every(i => i.complete)")
    tables = page.evaluate(
        "Object.fromEntries(Array.from(document.querySelectorAll('table[id]')).map(t => "
        "[t.id, t.tBodies[0].rows.length]))"
    )
    for table_id, rows in EXPECTED_ROWS.items():
        assert tables.get(table_id) == rows, (table_id, tables.get(table_id))
    assert tables["quality-scores"] == 31
    images = page.evaluate(
        "Array.from(document.images).map(i => [i.getAttribute('src'), i.naturalWidth, "
        "i.naturalHeight])"
    )
    assert len(images) == len(report.figures.FIGURE_MARTS) == 9  # every figure once
    assert all(width > 0 and height > 0 for _, width, height in images), images
    # The difference flags are rendered and visible: Table 8's Beijing RSR differs.
    beijing = page.evaluate(
        "(() => { const row = Array.from(document.querySelectorAll('#table-8 tbody tr'))"
        ".find(r => r.cells[0].textContent.trim() === 'Beijing');"
        "const c = row.cells[row.cells.length - 1];"
        "return [c.className, c.textContent, getComputedStyle(c).backgroundColor]; })()"
    )
    assert "diff" in beijing[0] and "≠" in beijing[1]
    assert beijing[2] != "rgba(0, 0, 0, 0)"
    errata = page.evaluate("document.querySelectorAll('#errata ol.errata > li').length")
    assert errata >= 10
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    assert page.problems() == []

    height = page.evaluate("document.documentElement.scrollHeight")
    assert height > 3000
    page.screenshot(IMAGES / "report.png", {"x": 0, "y": 0, "width": 1280, "height": 1500})
    table8_top = page.evaluate(
        "document.getElementById('table-8').getBoundingClientRect().top + window.scrollY"
    )
    page.screenshot(IMAGES / "report_table8.png",
                    {"x": 0, "y": max(0, table8_top - 40), "width": 1280, "height": 900})
    shutil.copyfile(generated_report.parent / "figures" / "map_rsr_grade.png",
                    IMAGES / "map_rsr_grade.png")


@pytest.fixture(scope="module")
def dbt_docs(tmp_path_factory) -> Path:
    warehouse = ROOT / "warehouse" / "medres.duckdb"
    if not warehouse.exists():
        pytest.fail("warehouse/medres.duckdb is missing: run the dbt build first")
    tmp = tmp_path_factory.mktemp("dbt-docs")
    copy = tmp / "medres.duckdb"
    shutil.copyfile(warehouse, copy)  # dbt must not lock the shared warehouse
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "MEDRES_DUCKDB_PATH": str(copy),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_VERSION_CHECK": "false",
           "DO_NOT_TRACK": "1"}
    dbt = Path(sys.executable).parent / "dbt"
    target = tmp / "target"
    result = subprocess.run(
        [str(dbt), "docs", "generate", "--target-path", str(target), "--log-path", str(tmp)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for name in ("index.html", "manifest.json", "catalog.json"):
        assert (target / name).exists(), name
    return target


def test_dbt_docs_render_in_chromium(browser, serve, dbt_docs):
    manifest = json.loads((dbt_docs / "manifest.json").read_text())
    marts = sorted(n["name"] for n in manifest["nodes"].values()
                   if n["resource_type"] == "model" and n["name"].startswith(("fct_", "dim_")))
    assert "fct_province_rsr" in marts
    page = Page(browser)
    base = serve(dbt_docs)
    page.goto(base + "index.html#!/model/model.medres.fct_province_rsr")
    page.wait_for("document.readyState === 'complete'")
    # The docs app fetches manifest.json and catalog.json, then renders the model page.
    page.wait_for("document.body.innerText.includes('fct_province_rsr') && "
                  "document.body.innerText.includes('Tables 8 and 11')", timeout=90)
    # The project tree breaks long names over lines: compare without the line breaks.
    text = page.evaluate("document.body.innerText").replace("\n", "")
    for mart in marts:
        assert mart in text, mart  # every mart is in the project tree
    columns = page.evaluate(
        "Array.from(document.querySelectorAll('table')).map(t => t.rows.length)"
    )
    assert columns and max(columns) >= 20  # the column table of fct_province_rsr
    images = page.evaluate("Array.from(document.images).map(i => [i.src, i.naturalWidth])")
    assert all(width > 0 for _, width in images), images
    # dbt-docs itself requests two un-interpolated template URLs (an Angular img src before
    # compilation and a webpack favicon placeholder) that 404 on any server; nothing else may fail.
    known = ("%7B%7B%20getIcon(", "$%7Brequire('./assets/favicons/favicon.ico')%7D")
    problems = [p for p in page.problems() if not any(k in p for k in known)]
    assert problems == []
    page.screenshot(IMAGES / "dbt_docs.png", {"x": 0, "y": 0, "width": 1280, "height": 900})
