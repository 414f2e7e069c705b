"""Real-browser test: the HTML report and the dbt docs site render in headless Chromium.

Chromium is Debian's package (/usr/bin/chromium, installed by scripts/install_chromium.sh when
absent and the test runs as root), driven by Playwright for Python (sync API; the pip wheel carries
its own driver, and ``executable_path`` points it at Debian's Chromium, since Playwright's browser
downloads are not possible here). Pages are served by ``http.server`` on an ephemeral 127.0.0.1 port.
Everything is generated into pytest temp directories from a temporary build of the project (the
session's shared built copy, never the working tree's published/ or warehouse): the report from its
published marts, the dbt
docs with ``dbt docs generate --target-path <tmp>`` against a copy of the warehouse.

The test asserts on what the browser rendered (tables and their row counts, every image loaded,
no console errors, uncaught exceptions, failed or 4xx/5xx requests) and writes screenshots (to
docs/images/ under `make browser-test`).
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from chromium import TIMEOUT_MS, VIEWPORT, launched_browser, screenshot_directory
from conftest import clone_built
from playwright.sync_api import Browser, ConsoleMessage, Page, Response

from medres import report

ROOT = Path(__file__).resolve().parents[1]
# Screenshots land in a throw-away folder; `make browser-test` points this at docs/images/ to
# refresh the README's pictures, so an ordinary test run never rewrites tracked files.
@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshot_directory(tmp_path_factory)


class WatchedPage:
    """A Playwright page that records every problem the page reports while it is open."""

    def __init__(self, browser: Browser) -> None:
        self.page: Page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
        self.page.set_default_timeout(TIMEOUT_MS)
        self._problems: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self._problems.append(f"exception: {error}"))
        self.page.on("requestfailed", lambda request: self._problems.append(
            f"request failed: {request.failure} {request.url}"))
        self.page.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "assert"):
            self._problems.append(
                f"console {message.type}: {message.text} {message.location.get('url', '')}")

    def _on_response(self, response: Response) -> None:
        if response.status >= 400:
            self._problems.append(f"HTTP {response.status}: {response.url}")

    def goto(self, url: str) -> None:
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.ok, (url, response and response.status)

    def evaluate(self, expression: str):
        return self.page.evaluate(expression)

    def wait_for(self, expression: str, timeout: float = 60) -> None:
        self.page.wait_for_function(expression, timeout=timeout * 1000)

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and failed or 4xx/5xx requests so far."""
        return list(self._problems)

    def screenshot(self, path: Path, clip: dict) -> Path:
        """A PNG of ``clip`` in page coordinates (it may reach below the viewport)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), clip=clip, full_page=True)
        return path

    def close(self) -> None:
        self.page.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
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
def browser():
    yield from launched_browser()


@pytest.fixture()
def page(browser):
    watched = WatchedPage(browser)
    yield watched
    watched.close()


EXPECTED_ROWS = {
    "table-1": 31, "tables-2-6-rows": 31, "table-8": 31, "table-9": 11, "table-10": 5,
    "table-11": 31, "table-11-grades": 5, "errata-table8-rsr": 31, "errata-ocr": 8,
}


def test_report_renders_in_chromium(page, serve, rendered_report, images):
    base = serve(rendered_report.parent)
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
    loaded = page.evaluate(
        "Array.from(document.images).map(i => [i.getAttribute('src'), i.naturalWidth, "
        "i.naturalHeight])"
    )
    assert len(loaded) == len(report.figures.FIGURE_MARTS) == 16  # every figure once
    assert all(width > 0 and height > 0 for _, width, height in loaded), loaded
    # The page leads with the findings: the first section after the title is the summary.
    assert page.evaluate("document.querySelector('main > section').id") == "findings"
    assert page.evaluate("document.querySelector('#findings-summary tbody').rows.length") == 6
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
    page.screenshot(images / "report.png", {"x": 0, "y": 0, "width": 1280, "height": 1500})
    table8_top = page.evaluate(
        "document.getElementById('table-8').getBoundingClientRect().top + window.scrollY"
    )
    page.screenshot(images / "report_table8.png",
                    {"x": 0, "y": max(0, table8_top - 40), "width": 1280, "height": 900})
    shutil.copyfile(rendered_report.parent / "figures" / "map_rsr_grade.png",
                    images / "map_rsr_grade.png")


@pytest.fixture(scope="module")
def dbt_docs(shared_built_project, tmp_path_factory) -> Path:
    """dbt docs of the session's build, generated in a copy of it (dbt opens the warehouse to
    write, which would block the other tests' readers; the copy keeps dbt's parse state, so dbt
    parses only what changed). ``--no-compile``: the pages checked here show the manifest's
    descriptions, columns and lineage and the catalog, not compiled SQL, and compiling the 800
    nodes again took 8 of the 11 CPU s (``make docs`` compiles them)."""
    project = clone_built(shared_built_project, tmp_path_factory.mktemp("dbt-docs") / "project")
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run([str(dbt), "docs", "generate", "--no-compile"], check=False, cwd=project.root,
                            env=project.env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    target = project.root / "target"
    for name in ("index.html", "manifest.json", "catalog.json"):
        assert (target / name).exists(), name
    return target


def test_dbt_docs_render_in_chromium(page, serve, dbt_docs, images):
    manifest = json.loads((dbt_docs / "manifest.json").read_text())
    marts = sorted(n["name"] for n in manifest["nodes"].values()
                   if n["resource_type"] == "model" and n["name"].startswith(("fct_", "dim_")))
    assert "fct_province_rsr" in marts
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
    loaded = page.evaluate("Array.from(document.images).map(i => [i.src, i.naturalWidth])")
    assert all(width > 0 for _, width in loaded), loaded
    # dbt-docs itself requests two un-interpolated template URLs (an Angular img src before
    # compilation and a webpack favicon placeholder) that 404 on any server; nothing else may fail.
    known = ("%7B%7B%20getIcon(", "$%7Brequire('./assets/favicons/favicon.ico')%7D")
    problems = [p for p in page.problems() if not any(k in p for k in known)]
    assert problems == []
    page.screenshot(images / "dbt_docs.png", {"x": 0, "y": 0, "width": 1280, "height": 900})


def test_the_watch_sees_every_kind_of_problem(page, serve, tmp_path):
    """The checks above are only as strong as what WatchedPage records: a page with one problem
    of each kind must report every one of them."""
    (tmp_path / "broken.html").write_text(
        "<!doctype html><title>broken</title><body>"
        "<img src='missing.png'>"
        "<script>console.error('an error on the console');"
        "fetch('http://127.0.0.1:9/unreachable').catch(() => {});"
        "setTimeout(() => { throw new Error('an uncaught exception'); }, 0);</script>"
    )
    page.goto(serve(tmp_path) + "broken.html")
    page.wait_for("document.images[0].complete")
    page.page.wait_for_timeout(500)
    problems = "\n".join(page.problems())
    assert "console error: an error on the console" in problems
    assert "exception: an uncaught exception" in problems
    assert "HTTP 404:" in problems and "missing.png" in problems
    assert "request failed:" in problems and "/unreachable" in problems
    assert page.evaluate("document.images[0].naturalWidth") == 0
