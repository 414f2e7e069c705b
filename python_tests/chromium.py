"""The one launch of Debian's Chromium for the browser tests (report, dbt docs, explorer) and the
explorer's benchmark: the binary, its flags and the fixtures' shared parts.

Playwright adds its own automation flags (headless, the DevTools pipe, a fresh profile); these
keep Chromium from reaching for the network (this machine has none) and fix the window size.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("MEDRES_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,1000",
]
VIEWPORT = {"width": 1280, "height": 1000}
TIMEOUT_MS = 60_000


def ensure_chromium() -> Path:
    """The Chromium binary, installed by scripts/install_chromium.sh if missing (else a skip that
    says so loudly)."""
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


def launched_browser():
    """A Playwright Chromium for one test module (a generator fixture body)."""
    from playwright.sync_api import sync_playwright

    binary = ensure_chromium()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(binary), args=FLAGS,
                                              timeout=TIMEOUT_MS)
        try:
            yield instance
        finally:
            instance.close()


def screenshot_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docs/images/ for `make browser-test` (MEDRES_SCREENSHOT_DIR), else a pytest temporary
    directory, which pytest removes (no folder is left in the system temp)."""
    chosen = os.environ.get("MEDRES_SCREENSHOT_DIR")
    return Path(chosen) if chosen else tmp_path_factory.mktemp("screens")
