"""CPU seconds of the test suite per test file: prints figures, asserts nothing.

On the 2-core machine `make test` is bound by the CPU work of its parts, not by waiting (its two
pytest workers keep both cores busy most of the time; a third one only added CPU time), so its
wall time follows the CPU seconds each file costs.
This runs pytest as `make test` runs its last part (the files that build copies or read a build,
with the pytest-xdist options `make bench-suite` passes from the Makefile's PYTEST_PARALLEL) plus
the unit tests, with a plugin that charges each
test's CPU time (user + system of the worker and of the processes it waited for: dbt builds, seed
checks, Chromium, MetricFlow) to its file; module fixtures are charged to the file whose first test
sets them up. It prints one line per file, the total, and the wall time of the run.

It reads the working tree's build, as `make test` does: run ``make build`` first (with
default settings). Usage: ``make bench-suite``, or ``python bench/suite_cpu.py [pytest arguments]``
(then give the xdist options yourself, e.g. ``-n 2 --dist loadfile``).
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Where each worker writes its per-file CPU seconds (set by main for the pytest it starts).
OUT_DIR = "MEDRES_SUITE_CPU_DIR"


def cpu_seconds() -> float:
    """User + system seconds of this process and of the children it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class CpuPerFile:
    """pytest plugin: CPU seconds of each test (setup, call, teardown), summed per file."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):
        started = cpu_seconds()
        yield
        self.seconds[item.location[0]] += cpu_seconds() - started

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        out = Path(os.environ[OUT_DIR]) / f"{worker}.json"
        out.write_text(json.dumps(self.seconds), encoding="utf-8")


def pytest_configure(config: pytest.Config) -> None:
    """Loaded with ``-p suite_cpu`` (main and every worker): register the recorder."""
    if os.environ.get(OUT_DIR):
        config.pluginmanager.register(CpuPerFile(), "medres-suite-cpu")


def main(argv: list[str] | None = None) -> int:
    pytest_arguments = sys.argv[1:] if argv is None else argv
    workers = next((value for flag, value in itertools.pairwise(pytest_arguments)
                    if flag in ("-n", "--numprocesses")), "the given")
    if not (ROOT / "published" / "medres.duckdb").exists():
        print("bench/suite_cpu.py: published/ is missing: run `make build` first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="medres-suite-cpu-") as out:
        env = {**os.environ, OUT_DIR: out, "MEDRES_TEST_READ_WORKTREE_BUILD": "1",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "bench"), os.environ.get("PYTHONPATH")]))}
        command = [sys.executable, "-m", "pytest", "-p", "suite_cpu", "-q", "-p", "no:cacheprovider",
                   *pytest_arguments]
        started, cpu_before = time.monotonic(), cpu_seconds()
        completed = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        wall, cpu = time.monotonic() - started, cpu_seconds() - cpu_before
        per_file: Counter[str] = Counter()
        for path in Path(out).glob("*.json"):
            per_file.update(json.loads(path.read_text(encoding="utf-8")))
    print(f"{'CPU s':>7}  test file")
    for name, seconds in per_file.most_common():
        print(f"{seconds:7.1f}  {name}")
    print(f"{sum(per_file.values()):7.1f}  in tests, {cpu:.1f} CPU s in the whole pytest run "
          f"({workers} worker(s), {wall:.1f} s wall, {cpu / wall:.2f} cores busy on average); "
          f"pytest exit status {completed.returncode}")
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main())
