"""The explorer (medres.explorer, issue #24): its numbers against the published marts, and the page
driven in headless Chromium, opened from disk and from a local static server.

The explorer is built from a temporary build of the project (the session's shared built copy, as in
test_browser.py; never the working tree's published/ or warehouse) into a temporary directory that
is removed afterwards. The expected values are read from that build's published/medres.duckdb
directly, independently of medres.explorer.

Chromium is Debian's, launched by Playwright exactly as test_browser.py does (``executable_path``,
the same flags). Any request that is not to a ``file://`` URL (or to the local static server, in
the served variant) is aborted and fails the test, as do console errors and uncaught exceptions.
Screenshots go to ``$MEDRES_SCREENSHOT_DIR`` when it is set (``make browser-test`` sets it to
docs/images/), else to a temporary directory that is removed.
"""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import math
import re
import tempfile
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from chromium import TIMEOUT_MS, VIEWPORT, launched_browser, screenshot_directory

from medres import explorer
from medres.figures import Marts

ROOT = Path(__file__).resolve().parents[1]
HUBEI, GUANGDONG, BEIJING = "420000", "440000", "110000"
LOCAL_SCHEMES = ("file:", "blob:", "data:")


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(shared_built_project) -> Path:
    return shared_built_project.published


@pytest.fixture(scope="module")
def built_explorer(published):
    """The explorer of the temporary build, in a temporary directory removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="medres-explorer-") as tmp:
        out = Path(tmp) / "explorer"
        explorer.build(published, out, ROOT / "assets" / "geo" / "china_provinces.geojson")
        yield out


@pytest.fixture(scope="module")
def marts(published):
    """Query the published DuckDB file of the build (read-only)."""
    connection = duckdb.connect(str(published / "medres.duckdb"), read_only=True)

    def query(sql: str, *parameters) -> pd.DataFrame:
        return connection.execute(sql, list(parameters)).df()

    yield query
    connection.close()


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshot_directory(tmp_path_factory)


@pytest.fixture(scope="module")
def browser():
    yield from launched_browser()


class GuardedPage:
    """A page whose every request is recorded; requests outside ``allowed`` prefixes are aborted.
    Console errors, uncaught exceptions and failed requests are recorded as problems."""

    def __init__(self, browser, allowed: tuple[str, ...]) -> None:
        self.context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1,
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.allowed = allowed
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: message.type in ("error", "assert") and
                     self.problems.append(f"console {message.type}: {message.text}"))
        self.page.on("pageerror", lambda error: self.problems.append(f"exception: {error}"))
        self.page.on("requestfailed", lambda request: self.problems.append(
            f"request failed: {request.failure} {request.url}"))
        self.context.route(re.compile(r"^(https?|wss?|ftp):"), self._route)

    def _route(self, route) -> None:
        if route.request.url.startswith(self.allowed):
            route.continue_()
        else:
            route.abort()

    def outside(self) -> list[str]:
        return [url for url in self.requests
                if not url.startswith(LOCAL_SCHEMES + self.allowed)]

    def open(self, url: str) -> None:
        self.page.goto(url, wait_until="load")
        self.page.wait_for_function("() => window.medresExplorer && window.medresExplorer.ready")

    def text(self, selector: str) -> str:
        return self.page.inner_text(selector)

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def guarded(browser):
    pages = []

    def open_page(allowed: tuple[str, ...] = ()) -> GuardedPage:
        page = GuardedPage(browser, allowed)
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.close()


# --- Expected values, from the marts ------------------------------------------------------------


def en_number(value: float, decimals: int) -> str:
    """As the page formats numbers (toLocaleString('en-US'))."""
    return f"{value:,.{decimals}f}"


def per_capita(marts, year: int, code: str, column: str) -> float:
    return float(marts(f"select {column} from fct_province_per_capita where year = ? and "
                       "region_code = ?", year, code).iloc[0, 0])


def descending_rank(marts, year: int, code: str, column: str) -> int:
    frame = marts(f"select region_code, {column} as v from fct_province_per_capita where year = ? "
                  "and v is not null", year)
    value = frame.loc[frame["region_code"] == code, "v"].iloc[0]
    return int((frame["v"] > value).sum()) + 1


# --- Without a browser ----------------------------------------------------------------------------


def test_explorer_files_are_local_and_small(built_explorer):
    files = sorted(p.name for p in built_explorer.iterdir())
    assert files == ["data.js", "explorer.css", "explorer.js", "index.html"]
    assert explorer.size_bytes(built_explorer) <= 10_000_000
    html = (built_explorer / "index.html").read_text(encoding="utf-8")
    # Every src/href is a file beside index.html (or a fragment); no CSS import or url().
    references = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert sorted(set(references)) == ["#controls", "data.js", "explorer.css", "explorer.js"]
    css = (built_explorer / "explorer.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
    script = (built_explorer / "explorer.js").read_text(encoding="utf-8")
    assert not re.search(r"\b(fetch|XMLHttpRequest|import\s*\(|WebSocket|EventSource)\b", script)
    assert len(re.findall(r'<path id="province-\d{6}"', html)) == 31


def test_national_line_is_the_ratio_of_sums(published, marts):
    """The trend's national value is Σ numerator / Σ population, which is the population-weighted
    mean that fct_indicator_dispersion publishes (not the unweighted mean of the provinces)."""
    national = explorer.national_ratio_of_sums(Marts(published))
    published_means = marts("select year, indicator, weighted_mean, mean_value "
                            "from fct_indicator_dispersion")
    merged = national.merge(published_means, left_on=["year", "indicator_column"],
                            right_on=["year", "indicator"])
    assert len(merged) >= 9 * 3
    assert (merged["value"] - merged["weighted_mean"]).abs().max() < 1e-9
    assert (merged["value"] - merged["mean_value"]).abs().max() > 1e-3  # not a mean of ratios


def test_the_map_shows_the_published_theil_contributions(published):
    """The explorer's Theil T contribution of a province is the mart's, not a value of its own."""
    data = explorer.explorer_data(Marts(published))
    units = Marts(published)("fct_inequality_theil_units")
    beds = units[(units["theil_form"] == "theil_t") & (units["resource"] == "beds_10k")]
    indicator = next(i for i in data["indicators"] if i["id"] == "theil_beds_10k")
    year = int(beds["year"].max())
    expected = beds[beds["year"] == year].set_index("region_code")["contribution_pct"]
    codes = [province["code"] for province in data["provinces"]]
    shown = dict(zip(codes, indicator["values"][str(year)]["v"]))
    assert len(expected) == 31
    for code, value in expected.items():
        assert shown[code] == pytest.approx(value, rel=1e-6), code


def test_build_needs_the_marts_only():
    """A missing mart is reported by name (the explorer reads published/, nothing else)."""
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "published"
        empty.mkdir()
        code = explorer.main(["--published", str(empty), "--out", str(Path(tmp) / "out")])
        assert code == 2
        assert not (Path(tmp) / "out" / "index.html").exists()


# --- In the browser -------------------------------------------------------------------------------


def test_explorer_in_chromium_from_disk(guarded, built_explorer, marts, images):
    page = guarded()
    page.open((built_explorer / "index.html").as_uri())
    p = page.page
    assert p.locator("#map path.province").count() == 31
    fills = p.eval_on_selector_all("#map path.province", "ps => ps.map(x => x.getAttribute('fill'))")
    assert all(fill and fill.startswith(("rgb", "#")) for fill in fills)

    # The keyboard alone: from a fresh page, the controls come first in the tab order.
    order = []
    for _ in range(8):
        p.keyboard.press("Tab")
        order.append(p.evaluate("document.activeElement.id || document.activeElement.tagName"))
    assert order == ["A", "indicator", "year-prev", "year", "year-next", "province",
                     "download-map", f"province-{BEIJING}"], order

    # Year and indicator change the value shown for a province to the mart's value.
    p.select_option("#year", "2018")
    p.select_option("#indicator", "r3")
    p.click(f"#province-{HUBEI}")
    assert p.input_value("#province") == HUBEI
    expected = per_capita(marts, 2018, HUBEI, "health_workforce_per_1000")
    assert page.text("#province-value") == en_number(expected, 2)
    shown = float(p.get_attribute(f"#province-{HUBEI}", "data-value"))
    assert math.isclose(shown, expected, rel_tol=1e-7)
    rank = descending_rank(marts, 2018, HUBEI, "health_workforce_per_1000")
    assert f"Rank {rank} of 31" in page.text("#province-summary")
    national = marts("select weighted_mean from fct_indicator_dispersion where year = 2018 and "
                     "indicator = 'health_workforce_per_1000'").iloc[0, 0]
    assert en_number(national, 2) in page.text("#province-summary")

    p.select_option("#year", "2023")
    expected = per_capita(marts, 2023, HUBEI, "health_workforce_per_1000")
    assert page.text("#province-value") == en_number(expected, 2)
    p.select_option("#indicator", "r1")
    expected = per_capita(marts, 2023, HUBEI, "beds_per_1000")
    assert page.text("#province-value") == en_number(expected, 2)

    grade = marts("select grade, grade_label, position from fct_province_rsr where year = 2022 and "
                  "region_code = ?", HUBEI).iloc[0]
    p.select_option("#year", "2022")
    p.select_option("#indicator", "rsr_grade")
    assert page.text("#province-value") == str(int(grade["grade"]))
    assert f"Rank {int(grade['position'])} of 31" in page.text("#province-summary")

    quality = marts("select total_score from fct_province_quality_scores where edition = 2019 and "
                    "region_code = ?", HUBEI).iloc[0, 0]
    p.select_option("#year", "2019")
    p.select_option("#indicator", "quality")
    assert page.text("#province-value") == en_number(quality, 1)

    # The year buttons step through every year of the panel.
    years = [int(y) for y in marts("select year from dim_years order by year")["year"]]
    p.select_option("#year", str(years[0]))
    assert p.is_disabled("#year-prev")
    seen = [int(p.input_value("#year"))]
    while not p.is_disabled("#year-next"):
        p.click("#year-next")
        seen.append(int(p.input_value("#year")))
    assert seen == years

    # Clicking a province shows its cities (the nearest city year: the city panel ends earlier).
    p.select_option("#indicator", "r1")
    p.select_option("#year", "2020")
    p.click(f"#province-{GUANGDONG}")
    cities = marts("select city_zh from fct_city_per_capita where year = 2020 and "
                   "province_code = ?", GUANGDONG)["city_zh"]
    shown_cities = p.eval_on_selector_all("#cities tbody tr th", "cs => cs.map(c => c.textContent)")
    assert len(cities) > 10 and sorted(shown_cities) == sorted(cities)
    assert page.text("#province-title").startswith("Guangdong 广东")
    p.select_option("#year", "2024")
    assert "year 2020 (the nearest city year to 2024)" in page.text("#cities-note")
    assert p.locator("#cities tbody tr").count() == len(cities)

    # Hover: value, rank and grade of the province under the pointer.
    p.select_option("#year", "2020")
    p.hover(f"#province-{BEIJING}")
    tooltip = page.text("#tooltip")
    beds = per_capita(marts, 2020, BEIJING, "beds_per_1000")
    beijing_grade = marts("select grade from fct_province_rsr where year = 2020 and "
                          "region_code = ?", BEIJING).iloc[0, 0]
    assert "Beijing 北京" in tooltip and en_number(beds, 2) in tooltip
    assert f"Rank: {descending_rank(marts, 2020, BEIJING, 'beds_per_1000')} of 31" in tooltip
    assert f"RSR grade: {int(beijing_grade)}" in tooltip

    # The map as a table, by rank.
    p.click("#ranking-details summary")
    assert p.locator("#ranking tbody tr").count() == 31
    top = marts("select province_en, province_zh from fct_province_per_capita where year = 2020 "
                "order by beds_per_1000 desc limit 1").iloc[0]
    first = p.eval_on_selector("#ranking tbody tr", "r => Array.from(r.cells).map(c => c.textContent)")
    assert first[:2] == ["1", f"{top['province_en']} {top['province_zh']}"], first

    # A province is a button: Enter on the focused province selects it; every select is labelled.
    p.focus(f"#province-{BEIJING}")
    p.keyboard.press("Enter")
    assert p.input_value("#province") == BEIJING
    labels = p.eval_on_selector_all(
        "select", "ss => ss.map(s => !!(s.labels && s.labels.length))")
    assert labels and all(labels)

    # Lorenz curve and Theil decomposition of the chosen year.
    p.select_option("#resource", "beds_10k")
    p.select_option("#theil-form", "theil_t")
    p.select_option("#grouping", "region_3")
    total = marts("select theil_value from fct_inequality_theil where year = 2020 and resource = "
                  "'beds_10k' and theil_form = 'theil_t' and grouping = 'region_3' and "
                  "component = 'total'").iloc[0, 0]
    assert f"Theil T of beds, 2020: {en_number(total, 4)}" in page.text("#theil-summary")
    groups = marts("select count(*) from fct_inequality_theil_groups where year = 2020 and "
                   "resource = 'beds_10k' and theil_form = 'theil_t' and grouping = 'region_3'")
    assert p.locator("#theil-groups tbody tr").count() == groups.iloc[0, 0]
    gini = marts("select gini from fct_inequality_gini where year = 2020 and resource = "
                 "'beds_10k' and weight_basis = 'population'").iloc[0, 0]
    assert f"Gini {en_number(gini, 3)}" in page.text("#lorenz-caption")
    assert p.locator("#lorenz path").count() == 2

    # The current view as CSV, with the mart's values; formula-like text is escaped.
    with p.expect_download() as download:
        p.click("#download-map")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 31 and download.value.suggested_filename == "medres_r1_2020.csv"
    beijing_row = next(r for r in rows if r["region_code"] == BEIJING)
    assert math.isclose(float(beijing_row["value"]), beds, rel_tol=1e-7)
    assert beijing_row["province_zh"] == "北京" and beijing_row["rsr_grade"] == str(int(beijing_grade))
    with p.expect_download() as download:
        p.click("#download-cities")
    city_rows = list(csv.DictReader(io.StringIO(
        Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(city_rows) == 1 and city_rows[0]["province_en"] == "Beijing"
    escaped = p.evaluate("['=SUM(A1)', '+1', '-2', '@x', '\\tx', 'a,\"b\"', 'Hubei', -1.5, null]"
                         ".map(window.medresExplorer.csvCell)")
    assert escaped == ["'=SUM(A1)", "'+1", "'-2", "'@x", "'\tx", '"a,""b"""', "Hubei", "-1.5", ""]

    # The view is in the URL fragment: reopening it restores the view.
    fragment = p.evaluate("location.hash")
    assert f"province={BEIJING}" in fragment and "year=2020" in fragment

    assert page.outside() == []
    assert page.problems == []

    # Screenshots (docs/images/ under `make browser-test`).
    p.select_option("#indicator", "r1")
    p.click(f"#province-{HUBEI}")
    p.click("#ranking-details summary")  # closed again
    p.mouse.move(0, 0)
    images.mkdir(parents=True, exist_ok=True)
    p.screenshot(path=str(images / "explorer.png"), clip={"x": 0, "y": 0, "width": 1280,
                                                           "height": 900})
    assert (images / "explorer.png").stat().st_size > 10_000


def test_explorer_opened_with_a_fragment_and_served_by_a_static_server(guarded, built_explorer,
                                                                       marts):
    handler = functools.partial(_QuietHandler, directory=str(built_explorer))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        page = guarded(allowed=(base,))
        page.open(base + f"index.html#indicator=r2&year=2017&province={HUBEI}")
        expected = per_capita(marts, 2017, HUBEI, "institutions_per_10k")
        assert page.text("#province-value") == en_number(expected, 2)
        assert page.page.input_value("#indicator") == "r2"
        # The page itself forbids any other origin (its Content-Security-Policy).
        policy = page.page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
        assert "default-src 'self'" in policy and "connect-src 'none'" in policy
        first_view = page.page.evaluate("window.medresExplorer.firstViewMs")
        assert first_view > 0
        assert page.requests and all(url.startswith(base) for url in page.requests)
        assert page.outside() == [] and page.problems == []
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def test_data_file_is_json_the_page_can_read(built_explorer):
    text = (built_explorer / "data.js").read_text(encoding="utf-8")
    prefix = "window.MEDRES_EXPLORER_DATA = "
    assert text.startswith(prefix)
    data = json.loads(text[len(prefix):].rstrip().rstrip(";"))
    assert len(data["provinces"]) == 31
    assert data["years"] == list(range(data["years"][0], data["years"][-1] + 1))
    assert {i["id"] for i in data["indicators"]} >= {"r1", "r2", "r3", "r4", "rsr_grade", "quality"}
