"""First view of the explorer in headless Chromium: prints figures, asserts nothing.

``.venv/bin/python bench/explorer_first_view.py [--published published] [--repeat 7]``

Builds the explorer from the published marts (``medres.explorer.build``) into a temporary
directory (removed afterwards; the project's reports/ is not touched), then opens
``index.html`` from disk ``--repeat`` times, each in a fresh browser context (no cache), in
Debian's Chromium driven by Playwright as the browser tests launch it. For each load it records:

* ``first view``: ``window.medresExplorer.firstViewMs``, the page's ``performance.now()`` when the
  first render (map coloured, panels drawn) has finished, measured from the navigation start;
* ``load event``: ``loadEventEnd`` of the navigation timing;
* ``wall``: the time the driver waited from ``goto`` until the page said it was ready.

The budget of issue #24 is a first view under 2 s on this machine (2 shared cores) and at most
about 10 MB for the whole explorer; the medians and maxima are printed next to it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from medres import explorer  # noqa: E402

CHROMIUM = os.environ.get("MEDRES_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,1000",
]
BUDGET_MS = 2000
BUDGET_BYTES = 10_000_000


def measure(index: Path, repeat: int) -> list[dict[str, float]]:
    from playwright.sync_api import sync_playwright

    runs = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for _ in range(repeat):
                context = browser.new_context(viewport={"width": 1280, "height": 1000})
                page = context.new_page()
                start = time.perf_counter()
                page.goto(index.as_uri(), wait_until="commit")
                page.wait_for_function("() => window.medresExplorer && window.medresExplorer.ready",
                                       polling=10)
                wall = (time.perf_counter() - start) * 1000
                page.wait_for_load_state("load")
                first_view = page.evaluate("window.medresExplorer.firstViewMs")
                load = page.evaluate(
                    "performance.getEntriesByType('navigation')[0].loadEventEnd")
                runs.append({"first view": first_view, "load event": load, "wall": wall})
                context.close()
        finally:
            browser.close()
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=ROOT / "published")
    parser.add_argument("--repeat", type=int, default=7)
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="medres-explorer-bench-") as tmp:
        out = Path(tmp) / "explorer"
        started = time.perf_counter()
        index = explorer.build(arguments.published, out,
                               ROOT / "assets" / "geo" / "china_provinces.geojson")
        build_s = time.perf_counter() - started
        sizes = {p.name: p.stat().st_size for p in sorted(out.iterdir())}
        runs = measure(index, arguments.repeat)
    total = sum(sizes.values())
    print(f"explorer build: {build_s:.2f} s; size {total / 1e6:.2f} MB "
          f"(budget {BUDGET_BYTES / 1e6:.0f} MB): "
          + ", ".join(f"{name} {size / 1e3:.0f} kB" for name, size in sizes.items()))
    print(f"first view in headless Chromium, {len(runs)} fresh loads from disk "
          f"(budget {BUDGET_MS} ms):")
    for key in ("first view", "load event", "wall"):
        values = [run[key] for run in runs]
        print(f"  {key:<11} median {statistics.median(values):7.0f} ms   "
              f"min {min(values):7.0f} ms   max {max(values):7.0f} ms")
    median = statistics.median(run["first view"] for run in runs)
    verdict = "within" if median < BUDGET_MS and total <= BUDGET_BYTES else "OVER"
    print(f"medres explorer: first view {median:.0f} ms (median), {total / 1e6:.2f} MB: "
          f"{verdict} the budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
