"""Publishing copies the marts atomically, only after a proven successful dbt build, in key order
(byte-stable Parquet), and leaves the previous outputs intact on failure or refusal."""

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
from conftest import PIPELINE, ProjectCopy, clone_built

from medres.publish import (
    CLOSE_GRACE_SECONDS,
    PUBLISHED_STORAGE_VERSION,
    UnverifiedBuildError,
    plain_text,
    publish,
)


def make_warehouse(path: Path, rows: list[tuple[int, str]]) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.fct_example (year integer, region_code varchar)")
        connection.execute("comment on column marts.fct_example.year is 'Statistical year.'")
        connection.executemany("insert into marts.fct_example values (?, ?)", rows)
        connection.execute("create schema staging")
        connection.execute("create table staging.not_published as select 1 as x")
    return path


def _iso(moment: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment % 1 * 1e6):06d}Z"


def record_build(warehouse: Path, marts: tuple[str, ...] = ("fct_example",),
                 statuses: dict[str, str] | None = None, which: str = "build") -> Path:
    """A dbt run_results.json next to ``warehouse`` recording a build that just wrote it: a seed,
    the given marts and a test, each ``success``/``pass`` unless ``statuses`` says otherwise."""
    modified = warehouse.stat().st_mtime
    nodes = {"seed.medres.ref_provinces": ("success", '"medres"."main"."ref_provinces"')}
    for mart in marts:
        nodes[f"model.medres.{mart}"] = ("success", f'"medres"."marts"."{mart}"')
    nodes["test.medres.not_null_fct_example_year.1a2b3c"] = ("pass", None)
    nodes["exposure.medres.bi_dashboard"] = ("no-op", None)
    results = []
    for unique_id, (status, relation) in nodes.items():
        status = (statuses or {}).get(unique_id, status)
        message = "Failure in test: Got 1 result" if status in ("error", "fail") else None
        results.append({"unique_id": unique_id, "status": status, "message": message,
                        "relation_name": relation})
    document = {
        "metadata": {"generated_at": _iso(modified + 0.2),
                     "invocation_started_at": _iso(modified - 5),
                     "invocation_id": "00000000-0000-0000-0000-000000000000"},
        "results": results,
        "elapsed_time": 5.0,
        "args": {"which": which, "invocation_command": f"dbt {which}"},
    }
    path = warehouse.with_name("run_results.json")
    path.write_text(json.dumps(document))
    return path


def publish_built(warehouse: Path, out: Path) -> list[str]:
    return publish(warehouse, out, record_build(warehouse))


def digest(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_publishes_marts_only_with_comments(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb", [(2020, "110000"), (2020, "120000")])
    out = tmp_path / "published"
    assert publish_built(warehouse, out) == ["fct_example"]
    with duckdb.connect(str(out / "medres.duckdb"), read_only=True) as reader:
        assert reader.execute("select count(*) from fct_example").fetchone() == (2,)
        assert reader.execute(
            "select comment from duckdb_columns() where table_name = 'fct_example' "
            "and column_name = 'year'"
        ).fetchone() == ("Statistical year.",)
        assert reader.execute(
            "select count(*) from duckdb_tables() where table_name = 'not_published'"
        ).fetchone() == (0,)
        # Written in the older storage format BI clients read (python_tests/test_published_compat.py
        # opens it with old DuckDB releases); DuckDB tags a v1.1.0 file as "v1.0.0+".
        tag = reader.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = 'medres'"
        ).fetchone()[0]
        assert tag == "v1.0.0+", (PUBLISHED_STORAGE_VERSION, tag)
    parquet = out / "parquet" / "fct_example.parquet"
    assert duckdb.sql(f"select count(*) from '{parquet}'").fetchall() == [(2,)]
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == [
        "fct_example.parquet",
        "medres.duckdb",
    ]


def test_an_open_reader_keeps_its_version_and_does_not_block(tmp_path):
    out = tmp_path / "published"
    publish_built(make_warehouse(tmp_path / "old.duckdb", [(2020, "110000")]), out)
    reader = duckdb.connect(str(out / "medres.duckdb"), read_only=True)
    try:
        publish_built(make_warehouse(tmp_path / "new.duckdb", [(2020, "a"), (2020, "b")]), out)
        # The open reader still sees the complete previous version ...
        assert reader.execute("select count(*) from fct_example").fetchone() == (1,)
    finally:
        reader.close()
    # ... and a new reader sees the complete new one.
    with duckdb.connect(str(out / "medres.duckdb"), read_only=True) as fresh:
        assert fresh.execute("select count(*) from fct_example").fetchone() == (2,)


def test_failure_leaves_previous_outputs_byte_identical(tmp_path):
    out = tmp_path / "published"
    publish_built(make_warehouse(tmp_path / "good.duckdb", [(2020, "110000")]), out)
    before = digest(out)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(RuntimeError, match="no tables in schema 'marts'"):
        publish_built(empty, out)
    with pytest.raises(FileNotFoundError, match="run `make build` first"):
        publish(tmp_path / "missing.duckdb", out, tmp_path / "run_results.json")
    assert digest(out) == before


def test_dropped_mart_does_not_linger(tmp_path):
    out = tmp_path / "published"
    publish_built(make_warehouse(tmp_path / "w.duckdb", [(2020, "x")]), out)
    stale = out / "parquet" / "fct_removed.parquet"
    stale.write_bytes(b"old")
    publish_built(tmp_path / "w.duckdb", out)
    assert not stale.exists()
    assert not [p for p in os.listdir(out) if p.endswith(".tmp")]


# --- Byte-stable output ---------------------------------------------------------------------------

ROWS = [(2020 + i % 3, f"{110000 + 10000 * (i % 31)}") for i in range(200)]


def test_same_warehouse_publishes_byte_identical_parquet(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb", ROWS)
    first, second = tmp_path / "first", tmp_path / "second"
    publish_built(warehouse, first)
    publish_built(warehouse, second)
    assert digest(first / "parquet") == digest(second / "parquet")


def test_an_unchanged_publish_keeps_the_duckdb_file_and_a_changed_one_replaces_it(tmp_path):
    out = tmp_path / "published"
    publish_built(make_warehouse(tmp_path / "a.duckdb", ROWS), out)
    before = digest(out)
    # The same data built again, in another row order: nothing a reader can see changed.
    publish_built(make_warehouse(tmp_path / "b.duckdb", list(reversed(ROWS))), out)
    assert digest(out) == before
    publish_built(make_warehouse(tmp_path / "c.duckdb", ROWS[1:]), out)
    assert digest(out)["medres.duckdb"] != before["medres.duckdb"]
    with duckdb.connect(str(out / "medres.duckdb"), read_only=True) as reader:
        assert reader.execute("select * from fct_example").fetchall() == sorted(ROWS[1:])


def test_row_order_of_the_build_does_not_change_the_bytes(tmp_path):
    """Tied or unordered rows (a threaded build's order) are published in one order: all columns."""
    first, second = tmp_path / "first", tmp_path / "second"
    publish_built(make_warehouse(tmp_path / "a.duckdb", ROWS), first)
    publish_built(make_warehouse(tmp_path / "b.duckdb", list(reversed(ROWS))), second)
    assert digest(first / "parquet") == digest(second / "parquet")
    with duckdb.connect(str(second / "medres.duckdb"), read_only=True) as reader:
        assert reader.execute("select * from fct_example").fetchall() == sorted(ROWS)


# --- Publishing proves the build ------------------------------------------------------------------

@pytest.fixture()
def published_once(tmp_path) -> tuple[Path, Path, dict[str, str]]:
    """A warehouse, its published outputs and their digest, to check a refusal changes nothing."""
    warehouse = make_warehouse(tmp_path / "w.duckdb", [(2020, "110000")])
    out = tmp_path / "published"
    publish_built(warehouse, out)
    return warehouse, out, digest(out)


def refused(warehouse: Path, out: Path, run_results: Path, before: dict[str, str]) -> str:
    with pytest.raises(UnverifiedBuildError) as error:
        publish(warehouse, out, run_results)
    assert digest(out) == before
    return str(error.value)


def test_refuses_after_a_failed_build(published_once):
    warehouse, out, before = published_once
    run_results = record_build(
        warehouse, statuses={"test.medres.not_null_fct_example_year.1a2b3c": "error"})
    message = refused(warehouse, out, run_results, before)
    assert "did not succeed: 1 of 4 nodes are not success/pass/warn" in message
    assert "test.medres.not_null_fct_example_year.1a2b3c: error (Failure in test" in message


@pytest.mark.parametrize("status", ["fail", "skipped", "partial success"])
def test_refuses_failed_tests_and_skipped_nodes(published_once, status):
    warehouse, out, before = published_once
    node = "model.medres.fct_example"
    message = refused(warehouse, out, record_build(warehouse, statuses={node: status}), before)
    assert f"{node}: {status}" in message


def test_warn_is_publishable(published_once):
    warehouse, out, _ = published_once
    run_results = record_build(
        warehouse, statuses={"test.medres.not_null_fct_example_year.1a2b3c": "warn"})
    assert publish(warehouse, out, run_results) == ["fct_example"]


def test_refuses_without_run_results_or_after_another_command(published_once, tmp_path):
    warehouse, out, before = published_once
    assert "no dbt run results at" in refused(warehouse, out, tmp_path / "nope.json", before)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{}")
    assert "is not a dbt run_results.json" in refused(warehouse, out, garbage, before)
    message = refused(warehouse, out, record_build(warehouse, which="run"), before)
    assert "was `dbt run`, not a `dbt build`" in message


def test_refuses_a_build_that_did_not_build_every_mart(published_once):
    warehouse, out, before = published_once
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create table marts.fct_leftover as select 1 as x")
    message = refused(warehouse, out, record_build(warehouse), before)
    assert "did not build marts.fct_leftover" in message


def test_refuses_a_warehouse_written_after_the_build(published_once):
    """A later dbt command, or a build killed before it wrote its run results, changed the file."""
    warehouse, out, before = published_once
    run_results = record_build(warehouse)
    later = warehouse.stat().st_mtime + CLOSE_GRACE_SECONDS + 60
    os.utime(warehouse, (later, later))
    message = refused(warehouse, out, run_results, before)
    assert "after the dbt build recorded in" in message


def test_refuses_the_results_of_another_warehouse(published_once):
    warehouse, out, before = published_once
    run_results = record_build(warehouse)
    earlier = warehouse.stat().st_mtime - 3600
    os.utime(warehouse, (earlier, earlier))
    message = refused(warehouse, out, run_results, before)
    assert "those results are of another warehouse" in message


def test_refuses_while_the_warehouse_has_a_write_ahead_log(published_once):
    warehouse, out, before = published_once
    run_results = record_build(warehouse)
    warehouse.with_name(warehouse.name + ".wal").write_bytes(b"")
    assert "a dbt command is writing the warehouse now" in refused(
        warehouse, out, run_results, before)


def test_make_publish_after_a_failed_dbt_build_refuses(
        shared_built_project: ProjectCopy, tmp_path):
    """End to end: `dbt build` fails on one node (the others selected build), then publishing by
    hand, as `make publish` does, refuses naming that node and leaves published/ byte-identical."""
    project = clone_built(shared_built_project, tmp_path / "project")
    before = project.published_digest()
    (project.root / "models" / "zz_broken.sql").write_text(
        "select * from a_table_that_does_not_exist\n")
    dbt = subprocess.run([*PIPELINE["dbt build"], "-s", "zz_broken", "ref_provinces", "stg_reference__provinces"],
                         check=False, cwd=project.root, env=project.env(),
                         capture_output=True, text=True, timeout=600)
    assert dbt.returncode != 0, dbt.stdout[-3000:]
    publish_step = subprocess.run(PIPELINE["publish"], check=False, cwd=project.root, env=project.env(),
                                  capture_output=True, text=True, timeout=600)
    assert publish_step.returncode == 1, publish_step.stdout + publish_step.stderr
    assert "medres.publish: refused, published/ is unchanged" in publish_step.stderr
    assert "model.medres.zz_broken: error (Runtime Error in model zz_broken" in publish_step.stderr
    assert "a_table_that_does_not_exist does not exist" in publish_step.stderr  # dbt's cause too
    assert project.published_digest() == before


def test_plain_text_removes_markdown():
    markdown = (
        "**Rank-sum ratio** for `n` units, see [the docs](https://example.org):\n\n"
        "| indicator | formula |\n|---|---|\n| R1 *beds* | beds × 1,000 / population |\n\n"
        "1. Rank each indicator;\n   ties get the average rank.\n2. Sum.\n\n"
        "    total = a * b\n\n* a bullet\n"
    )
    assert plain_text(markdown) == (
        "Rank-sum ratio for n units, see the docs:\n\n"
        "indicator: formula\nR1 beds: beds × 1,000 / population\n\n"
        "1. Rank each indicator; ties get the average rank.\n2. Sum.\n\n"
        "total = a * b\n\n- a bullet"
    )
    assert plain_text("Statistical year.") == "Statistical year."
    assert plain_text(None) is None


def test_publishes_the_marts_of_another_schema(tmp_path):
    """A build of a non-default target (marts in e.g. dev_marts) publishes with schema=."""
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema dev_marts")
        connection.execute("create table dev_marts.fct_example as select 2020 as year")
        connection.execute("comment on table dev_marts.fct_example is '**Dev** build'")
    run_results = record_build(warehouse)
    document = json.loads(run_results.read_text())
    for result in document["results"]:
        if result["unique_id"] == "model.medres.fct_example":
            result["relation_name"] = '"medres"."dev_marts"."fct_example"'
    run_results.write_text(json.dumps(document))
    os.utime(warehouse, (warehouse.stat().st_mtime,) * 2)
    with pytest.raises(RuntimeError, match="no tables in schema 'marts'"):
        publish(warehouse, tmp_path / "prod", run_results)
    assert publish(warehouse, tmp_path / "dev", run_results, schema="dev_marts") == ["fct_example"]
    with duckdb.connect(str(tmp_path / "dev" / "medres.duckdb"), read_only=True) as reader:
        assert reader.execute("select comment from duckdb_tables()").fetchone() == ("Dev build",)


def test_published_comments_are_plain_text_and_each_method_is_told_once(
        shared_built_project: ProjectCopy):
    """BI tools show comments as plain text: no Markdown in any table or column comment of the
    published file, and a method's long description (a dbt docs block) is on one table only; the
    others point to it."""
    with duckdb.connect(str(shared_built_project.published / "medres.duckdb"),
                        read_only=True) as reader:
        tables = dict(reader.execute("select table_name, comment from duckdb_tables()").fetchall())
        columns = reader.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where comment is not null").fetchall()
    comments = [*tables.values(), *(comment for _, _, comment in columns)]
    assert all(tables.values()), [name for name, comment in tables.items() if not comment]
    for comment in comments:
        for markdown in ("**", "`", "|---", "| --- |", "](", "{{", "{%"):
            assert markdown not in comment, (markdown, comment[:300])
    # Paragraphs of the method texts are long; none may appear on two tables.
    seen: dict[str, str] = {}
    for table, comment in sorted(tables.items()):
        for paragraph in comment.split("\n\n"):
            if len(paragraph) > 150:
                assert paragraph not in seen, (
                    f"{table} repeats a paragraph of {seen.get(paragraph)}: {paragraph[:120]}")
                seen[paragraph] = table
    assert "The method is in the description of fct_province_clusters." in (
        tables["fct_cluster_diagnostics"])
    assert "Q-type hierarchical clustering, SPSS style" in tables["fct_province_clusters"]


def test_pandas_reads_the_parquet_copy(shared_built_project: ProjectCopy):
    """BI-minded users read published/parquet/ with pandas: a Parquet engine (pyarrow) is in the
    project's environment, and every file reads with the warehouse's row count."""
    import pandas as pd

    files = sorted((shared_built_project.published / "parquet").glob("*.parquet"))
    assert files
    with duckdb.connect(str(shared_built_project.published / "medres.duckdb"),
                        read_only=True) as reader:
        for path in files:
            frame = pd.read_parquet(path)
            count = reader.execute(f'select count(*) from "{path.stem}"').fetchone()[0]
            assert len(frame) == count and len(frame.columns) > 0, path.name
    rsr = pd.read_parquet(shared_built_project.published / "parquet" / "fct_province_rsr.parquet")
    assert {"year", "region_code", "rsr", "grade"} <= set(rsr.columns)
