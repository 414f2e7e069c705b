"""Rebuilding is safe: a build killed while it writes the warehouse is no harm to the next build,
which gives the same marts from the same data, and a BI tool reading published/medres.duckdb
neither blocks that build nor sees it half-done.

One rebuild, in a copy of a built project (module-scoped fixture ``built_project``: under
`make test` a copy of the build it has just made; a bare pytest builds the copy first). First a
``dbt build`` is killed (SIGKILL) once DuckDB's write-ahead log shows it writing the warehouse. The
rebuild then runs with a reader holding the published file open and one valid change of the data
(Tibet's English name, ``Tibet`` -> ``Tibet (Xizang)`` in ref_provinces): the old reader must keep
the complete old version, a new reader must see the new one, exactly the marts that named Tibet
(the study's transcribed tables aside) must change, and every mart must hold the same rows as before
once that one name is mapped back (the same data give the same marts), the Parquet files of the
marts without the name byte for byte. The killed command never publishes, so published/ staying as
it was holds by construction there; that a failed publish leaves the previous files whole, and that
the publisher keeps ``medres.duckdb`` when a rebuild changed nothing, is tested without a build in
test_publish.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import duckdb
from conftest import PIPELINE, ProjectCopy, mart_digests

#: How long to wait for the killed build to start writing the warehouse.
WRITE_TIMEOUT_SECONDS = 120
# The new name sorts where the old one does (after Tianjin, before Xinjiang): marts that list
# provinces in name order (fct_cluster_profiles) keep their order, so mapping it back is exact.
OLD_NAME, NEW_NAME = "Tibet", "Tibet (Xizang)"


def published_marts(project: ProjectCopy, read_as: tuple[str, str] | None = None) -> dict[str, str]:
    with duckdb.connect(str(project.published / "medres.duckdb"), read_only=True) as connection:
        return mart_digests(connection, read_as)


def marts_naming(project: ProjectCopy, text: str) -> set[str]:
    """The published marts with ``text`` in some row."""
    with duckdb.connect(str(project.published / "medres.duckdb"), read_only=True) as connection:
        tables = [name for (name,) in connection.execute("select table_name from duckdb_tables()").fetchall()]
        return {table for table in tables
                if any(text in repr(row) for row in connection.execute(f'select * from "{table}"').fetchall())}


def parquet_bytes(project: ProjectCopy) -> dict[str, str]:
    return {name.removesuffix(".parquet").removeprefix("parquet/"): digest
            for name, digest in project.published_digest().items() if name.endswith(".parquet")}


def province_name(connection: duckdb.DuckDBPyConnection) -> tuple[str]:
    return connection.execute(
        "select province_en from dim_provinces where region_code = '540000'").fetchone()


def test_killed_build_then_a_rebuild_under_an_open_reader(built_project: ProjectCopy) -> None:
    files_before = built_project.published_digest()
    marts_before = published_marts(built_project)
    parquet_before = parquet_bytes(built_project)
    assert "dim_provinces" in marts_before and "fct_province_rsr" in marts_before
    assert parquet_before.keys() == marts_before.keys()

    # A new session makes dbt the leader of its own process group, so SIGKILL reaches its threads'
    # helper processes too, as when a CI job is cancelled or a laptop loses power.
    naming_old = marts_naming(built_project, OLD_NAME)
    build = subprocess.Popen(
        PIPELINE["dbt build"], cwd=built_project.root, env=built_project.env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    # Killed while it writes: DuckDB's write-ahead log beside the warehouse holds writes not yet
    # checkpointed into the file.
    wal = built_project.root / "warehouse" / "medres.duckdb.wal"
    deadline = time.monotonic() + WRITE_TIMEOUT_SECONDS
    while not wal.exists() and build.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(build.pid, signal.SIGKILL)
    assert build.wait(timeout=30) == -signal.SIGKILL, "dbt finished before it could be killed"
    assert wal.exists(), "the build was killed before it wrote the warehouse"

    # True by construction (the killed command does not publish), kept as a guard of the wiring.
    assert built_project.published_digest() == files_before
    assert published_marts(built_project) == marts_before  # readable, every mart present
    with duckdb.connect(str(built_project.published / "medres.duckdb"), read_only=True) as published:
        for mart in marts_before:
            parquet = built_project.published / "parquet" / f"{mart}.parquet"
            assert (published.execute(f"select count(*) from '{parquet}'").fetchall()
                    == published.execute(f'select count(*) from "{mart}"').fetchall())

    seed = built_project.root / "seeds" / "reference" / "ref_provinces.csv"
    good = seed.read_bytes()
    assert good.count(f",{OLD_NAME},".encode()) == 1 and NEW_NAME.encode() not in good
    reader = duckdb.connect(str(built_project.published / "medres.duckdb"), read_only=True)
    try:
        seed.write_bytes(good.replace(f",{OLD_NAME},".encode(), f",{NEW_NAME},".encode()))
        result = built_project.build(timeout=300)
        assert result.ok, result.output[-4000:]  # the open reader did not block the build
        # The open reader still sees the complete old version ...
        assert mart_digests(reader) == marts_before
        assert province_name(reader) == (OLD_NAME,)
    finally:
        reader.close()
        seed.write_bytes(good)
    # ... and a new reader sees the new one.
    with duckdb.connect(str(built_project.published / "medres.duckdb"), read_only=True) as fresh:
        assert province_name(fresh) == (NEW_NAME,)

    # The half-written warehouse did not poison the rebuild, and the same data give the same marts:
    # with the one name mapped back, every mart holds the rows it held before.
    marts_after = published_marts(built_project)
    renamed = {mart for mart in marts_before if marts_after[mart] != marts_before[mart]}
    # Exactly the marts that named Tibet changed (none kept a stale name): all but the study's
    # printed tables, which transcribe the name as the study printed it.
    assert "dim_provinces" in renamed
    assert renamed == {mart for mart in naming_old if not mart.startswith("study_")}
    assert published_marts(built_project, read_as=(NEW_NAME, OLD_NAME)) == marts_before
    # Rows are published in key order, so a mart without the name has byte-identical Parquet.
    parquet_after = parquet_bytes(built_project)
    assert {mart: parquet_after[mart] for mart in marts_before.keys() - renamed} == \
        {mart: parquet_before[mart] for mart in marts_before.keys() - renamed}
