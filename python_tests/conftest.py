"""Shared fixtures of the end-to-end tests: a throw-away copy of the project and its build pipeline.

The end-to-end tests never touch the working tree's warehouse/ or published/ (other engineers build
there): each test module copies the project to a temporary directory and builds the copy with the
tools of the interpreter running pytest (the project's .venv); no new venv is created.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from medres.dbt_environment import dbt_environment

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Build products and environments: never copied, so the copy starts as a fresh checkout would.
NOT_COPIED = shutil.ignore_patterns(
    ".venv", ".git", "target", "logs", "published", "reports", "dbt_packages", "__pycache__",
    ".pytest_cache", "*.egg-info", "*.duckdb", "*.duckdb.wal",
)
# The sequence `make build` runs: each step only when the previous one succeeded.
PIPELINE = {
    "seedcheck": [sys.executable, "-m", "medres.seedcheck"],
    # medres.build: dbt build under the build lock, printing the failing tests' rows.
    "dbt build": [sys.executable, "-m", "medres.build"],
    "publish": [sys.executable, "-m", "medres.publish"],
}
# The steps that take --vars (the seedcheck reads the bands and thresholds from the vars too).
VARS_STEPS = ("seedcheck", "dbt build")


@dataclass(frozen=True)
class BuildResult:
    """Outcome of a pipeline run: the step that failed (None if all passed) and all output."""

    failed_step: str | None
    output: str

    @property
    def ok(self) -> bool:
        return self.failed_step is None


@dataclass(frozen=True)
class ProjectCopy:
    """A copy of the project in a temporary directory, built with its own warehouse."""

    root: Path

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "medres.duckdb"

    def env(self) -> dict[str, str]:
        """Environment of every step, run in ``root``: the copy's profiles, warehouse (profiles.yml's
        default path, so dbt reuses the partial-parse state a built copy carries) and medres source."""
        # The venv installs medres editable from the working tree; the copy's own source
        # (checker, publisher, dbt Python models' imports) must win.
        return {**dbt_environment(self.root), "PYTHONPATH": str(self.root / "src")}

    def build(self, timeout: float = 600, vars: str | None = None, select: str | None = None) -> BuildResult:
        """Run seedcheck, dbt build and publish, stopping at the first failing step.

        ``vars`` (a YAML mapping, as dbt's ``--vars``) reaches the seedcheck and dbt build alike;
        ``select`` (dbt's ``-s``) builds only those nodes and stops after dbt build: not every
        mart was built, so medres.publish would refuse, and published/ stays as it was.
        """
        status, printed = self.seedcheck(vars)
        output = [f"$ seedcheck\n{printed}"]
        if status != 0:
            return BuildResult("seedcheck", "\n".join(output))
        steps = {k: v for k, v in PIPELINE.items() if k != "seedcheck" and (select is None or k != "publish")}
        for step, command in steps.items():
            if vars is not None and step in VARS_STEPS:
                command = [*command, "--vars", vars]
            if select is not None and step == "dbt build":
                command = [*command, "-s", *select.split()]
            completed = subprocess.run(
                command, cwd=self.root, env=self.env(), stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, timeout=timeout,
            )
            output.append(f"$ {step}\n{completed.stdout}")
            if completed.returncode != 0:
                return BuildResult(step, "\n".join(output))
        return BuildResult(None, "\n".join(output))

    def seedcheck(self, vars: str | None = None) -> tuple[int, str]:
        """The pipeline's first step, PIPELINE["seedcheck"], called in this process (exit status,
        output): the same ``main`` in the copy's directory, without starting an interpreter for
        each of the bad-input catalogue's cases (the check only reads the copy's files)."""
        from medres import seedcheck

        printed = io.StringIO()
        with (contextlib.chdir(self.root), contextlib.redirect_stdout(printed),
              contextlib.redirect_stderr(printed)):
            try:
                status = seedcheck.main([] if vars is None else ["--vars", vars])
            except SystemExit as exit:  # argparse: as the process would exit
                status = exit.code if isinstance(exit.code, int) else 1
            except Exception:  # a crash: the traceback the process would print, exit status 1
                traceback.print_exc()
                status = 1
        return status, printed.getvalue()

    def published_digest(self) -> dict[str, str]:
        """sha256 of every file under published/, by relative path."""
        return {
            str(path.relative_to(self.published)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(self.published.rglob("*"))
            if path.is_file()
        }


def copy_project(destination: Path) -> ProjectCopy:
    """Copy the working tree as it is now (other engineers' work in progress included)."""
    shutil.copytree(PROJECT, destination, ignore=NOT_COPIED)
    return ProjectCopy(destination)


def mart_digests(connection: duckdb.DuckDBPyConnection, read_as: tuple[str, str] | None = None) -> dict[str, str]:
    """Content hash of every table of a published database: its rows, sorted, as text.

    Rows are sorted so the hash does not depend on the order a build happened to write them in.
    ``read_as`` (old, new) replaces the text ``old`` by ``new`` in every row before hashing.
    """
    tables = [name for (name,) in connection.execute(
        "select table_name from duckdb_tables() order by table_name").fetchall()]
    return {table: relation_digest(connection, f'"{table}"', read_as) for table in tables}


def relation_digest(connection: duckdb.DuckDBPyConnection, relation: str,
                    read_as: tuple[str, str] | None = None) -> str:
    """Content hash of one table or view: its rows, sorted, as text (``read_as``: mart_digests)."""
    rows = [repr(row) for row in connection.execute(f"select * from {relation}").fetchall()]
    if read_as is not None:
        rows = [row.replace(*read_as) for row in rows]
    return hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()


def _build_a_copy(destination: Path) -> ProjectCopy:
    project = copy_project(destination)
    result = project.build()
    assert result.ok, f"the baseline build of the project copy failed:\n{result.output[-6000:]}"
    return project


#: `make test` sets this after its own `make build` of the working tree (with default settings):
#: the read-only tests then read that build instead of building a copy of their own, and the
#: modules that rebuild or corrupt a build start from a copy of it.
WORKTREE_BUILD = "MEDRES_TEST_READ_WORKTREE_BUILD"


def _worktree_build() -> ProjectCopy | None:
    """The working tree when `make test` has just built it (WORKTREE_BUILD), else None."""
    if os.environ.get(WORKTREE_BUILD) != "1":
        return None
    worktree = ProjectCopy(PROJECT)
    assert (worktree.published / "medres.duckdb").exists(), f"{WORKTREE_BUILD}=1 without a build"
    return worktree


@pytest.fixture(scope="module")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> ProjectCopy:
    """A built and published copy of the project per test module, for modules that rebuild or
    corrupt their copy: under `make test` a copy of the build it has just made (warehouse and
    published/ included), otherwise a copy built here."""
    destination = tmp_path_factory.mktemp("medres") / "project"
    worktree = _worktree_build()
    return _build_a_copy(destination) if worktree is None else clone_built(worktree, destination)


@pytest.fixture(scope="session")
def shared_built_project(tmp_path_factory: pytest.TempPathFactory) -> ProjectCopy:
    """One built and published project for the whole session, for modules that only read it: they
    must not modify it. Under `make test` it is the working tree that `make test` has just built;
    a bare `pytest` builds a copy."""
    worktree = _worktree_build()
    return _build_a_copy(tmp_path_factory.mktemp("medres") / "project") if worktree is None else worktree


@pytest.fixture(scope="session")
def report_render(shared_built_project: ProjectCopy, tmp_path_factory: pytest.TempPathFactory):
    """The report of ``shared_built_project`` (page and figures, medres.report.build) rendered once
    into a temporary directory, for the tests that only read it. Under `make test`'s
    ``--dist loadfile`` the modules of REPORT_GROUP run on one pytest worker, so the session renders
    it once (`make test` has no report step of its own); other xdist modes may render it per worker."""
    from medres import report
    from medres.figures import MissingMartError

    try:
        return report.build(shared_built_project.published, tmp_path_factory.mktemp("report"))
    except MissingMartError as error:
        pytest.fail(f"the report needs the published marts: {error}")


@pytest.fixture(scope="session")
def rendered_report(report_render) -> Path:
    """index.html of the session's report (``report_render``)."""
    return report_render.index


def clone_built(project: ProjectCopy, destination: Path) -> ProjectCopy:
    """A copy of a built project, its warehouse and published/ included, to modify freely."""
    shutil.copytree(project.root, destination, ignore=shutil.ignore_patterns(
        ".venv", ".git", "reports", "logs", "__pycache__", ".pytest_cache", "*.egg-info"))
    return ProjectCopy(destination)


#: What `make test-fast` leaves out: tests that build copies of their own (variants, bad inputs,
#: rebuilds), start a browser or install other DuckDB versions (marker ``slow``), and the tests
#: that read a build's published marts or warehouse (marker ``reads_build``). It keeps one build
#: (whose dbt data and unit tests run inside it) and the unit tests of the package.
REBUILDING_FIXTURES = frozenset({"built_project", "make_build", "ci_build"})
SLOW_MODULES = frozenset({"test_browser", "test_published_compat", "test_vars", "test_explorer"})
#: The test files that cost the most, costliest first, as `make bench-suite` measures them (CPU
#: seconds per file on the 2-core machine, docs/performance.md).
COSTLIEST_FIRST = ("test_variants", "test_bad_inputs", "test_idempotency", "test_expectations", "test_vars",
                   "test_browser", "test_figures", "test_metrics")
#: The modules that read the session's rendered report (``report_render``): one unit of work for
#: pytest-xdist (pytest_xdist_make_scheduler), so one worker renders it once.
REPORT_GROUP = frozenset({"test_report", "test_browser", "test_figures"})


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown when it is not loaded
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`make test`'s ``--dist loadfile`` hands whole files to its workers; the report's readers
    (REPORT_GROUP) go to one worker together. (xdist's ``loadgroup`` would mark them instead, but
    its node-id suffix has no effect under pytest 9, and it would split every other file.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ReportReadersTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return "report readers" if Path(scope).stem in REPORT_GROUP else scope

    return ReportReadersTogether(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        module = getattr(getattr(item, "module", None), "__name__", "")  # doctests have none
        if REBUILDING_FIXTURES & fixtures or module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        if "shared_built_project" in fixtures or item.path.suffix == ".md":
            item.add_marker(pytest.mark.reads_build)
        if {"report_render", "rendered_report"} & fixtures:
            assert item.path.stem in REPORT_GROUP, f"{item.path.name} reads the report: add it to REPORT_GROUP"
    # The costliest files first, then the other slow ones: `make test` hands whole files to its
    # two workers in this order as they free up (--dist loadfile --no-loadscope-reorder; the
    # report's readers as one unit, pytest_xdist_make_scheduler), and starting with the long ones
    # keeps one worker from finishing the suite alone.
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: (COSTLIEST_FIRST.index(item.path.stem) if item.path.stem in COSTLIEST_FIRST
                                 else len(COSTLIEST_FIRST), item.path not in slow_files))
