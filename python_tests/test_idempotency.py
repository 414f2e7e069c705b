"""Rebuilding is safe: the same seeds give the same marts, a build killed half-way leaves the
published outputs whole, and a BI tool reading published/medres.duckdb neither blocks a build nor
sees it half-done.

All builds run in a copy of a built project (module-scoped fixture ``built_project``: under
`make test` a copy of the build it has just made, so "the same marts" compares that build with the
copy's rebuild; a bare pytest builds the copy first). Two builds: the rebuild after a killed build,
and the reader test's build with a changed seed. The tests run in file order; the reader test,
which changes a seed, comes last and restores it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import duckdb
from conftest import PIPELINE, ProjectCopy, mart_digests

KILL_AFTER_SECONDS = 2.0


def published_marts(project: ProjectCopy) -> dict[str, str]:
    with duckdb.connect(str(project.published / "medres.duckdb"), read_only=True) as connection:
        return mart_digests(connection)


def parquet_bytes(project: ProjectCopy) -> dict[str, str]:
    return {name: digest for name, digest in project.published_digest().items()
            if name.endswith(".parquet")}


def test_killed_build_leaves_published_whole_and_the_next_build_is_identical(
        built_project: ProjectCopy) -> None:
    files_before = built_project.published_digest()
    marts_before = published_marts(built_project)
    assert "dim_provinces" in marts_before and "fct_province_rsr" in marts_before
    assert len(parquet_bytes(built_project)) == len(marts_before)
    # A new session makes dbt the leader of its own process group, so SIGKILL reaches its threads'
    # helper processes too, as when a CI job is cancelled or a laptop loses power.
    build = subprocess.Popen(
        PIPELINE["dbt build"], cwd=built_project.root, env=built_project.env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    time.sleep(KILL_AFTER_SECONDS)
    os.killpg(build.pid, signal.SIGKILL)
    assert build.wait(timeout=30) == -signal.SIGKILL, "dbt finished before it could be killed"

    assert built_project.published_digest() == files_before
    assert published_marts(built_project) == marts_before  # readable, every mart present
    with duckdb.connect(str(built_project.published / "medres.duckdb"), read_only=True) as published:
        for mart in marts_before:
            parquet = built_project.published / "parquet" / f"{mart}.parquet"
            assert (published.execute(f"select count(*) from '{parquet}'").fetchall()
                    == published.execute(f'select count(*) from "{mart}"').fetchall())

    # The half-written warehouse does not poison the next build, and the same seeds give the same
    # marts: rows are published in key order, so the Parquet files are byte-identical, and
    # medres.duckdb is kept when its content is unchanged (two DuckDB writes of the same tables
    # differ in a few dozen bytes), so every published file is.
    result = built_project.build()
    assert result.ok, result.output[-4000:]
    assert published_marts(built_project) == marts_before
    assert built_project.published_digest() == files_before


def test_open_reader_neither_blocks_nor_sees_a_new_build(built_project: ProjectCopy) -> None:
    seed = built_project.root / "seeds" / "reference" / "ref_provinces.csv"
    good = seed.read_bytes()
    reader = duckdb.connect(str(built_project.published / "medres.duckdb"), read_only=True)
    try:
        before = mart_digests(reader)
        # A valid change, so the new build's data is distinguishable from the old.
        seed.write_bytes(good.replace(b",Tibet,", b",Xizang,"))
        result = built_project.build(timeout=300)
        assert result.ok, result.output[-4000:]
        # The open reader still sees the complete old version ...
        assert mart_digests(reader) == before
        assert reader.execute(
            "select province_en from dim_provinces where region_code = '540000'").fetchone() == ("Tibet",)
    finally:
        reader.close()
        seed.write_bytes(good)
    # ... and a new reader sees the new one.
    with duckdb.connect(str(built_project.published / "medres.duckdb"), read_only=True) as fresh:
        assert fresh.execute(
            "select province_en from dim_provinces where region_code = '540000'").fetchone() == ("Xizang",)
