#!/usr/bin/env bash
# Install Debian's headless-capable Chromium for the browser test (python_tests/test_browser.py).
# Idempotent: does nothing when /usr/bin/chromium is already there. Needs root (apt-get).
# The test drives it with Playwright for Python (launch(executable_path=...)): Playwright's own
# browser download is never used, and no chromium-driver / Selenium is needed.
set -euo pipefail

CHROMIUM="${MEDRES_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    echo "install_chromium: $CHROMIUM already installed ($("$CHROMIUM" --version 2>/dev/null || echo unknown version))"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        exec sudo -n "$0" "$@"
    fi
    echo "install_chromium: must run as root (apt-get install chromium)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium fonts-dejavu-core
"$CHROMIUM" --version
