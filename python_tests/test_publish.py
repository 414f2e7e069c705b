"""Publishing copies the marts atomically and leaves the previous outputs intact on failure."""

import hashlib
import os
from pathlib import Path

import duckdb
import pytest

from medres.publish import publish


def make_warehouse(path: Path, rows: list[tuple[int, str]]) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.fct_example (year integer, region_code varchar)")
        connection.execute("comment on column marts.fct_example.year is 'Statistical year.'")
        connection.executemany("insert into marts.fct_example values (?, ?)", rows)
        connection.execute("create schema staging")
        connection.execute("create table staging.not_published as select 1 as x")
    return path


def digest(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_publishes_marts_only_with_comments(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb", [(2020, "110000"), (2020, "120000")])
    out = tmp_path / "published"
    assert publish(warehouse, out) == ["fct_example"]
    with duckdb.connect(str(out / "medres.duckdb"), read_only=True) as reader:
        assert reader.execute("select count(*) from fct_example").fetchone() == (2,)
        assert reader.execute(
            "select comment from duckdb_columns() where table_name = 'fct_example' "
            "and column_name = 'year'"
        ).fetchone() == ("Statistical year.",)
        assert reader.execute(
            "select count(*) from duckdb_tables() where table_name = 'not_published'"
        ).fetchone() == (0,)
    parquet = out / "parquet" / "fct_example.parquet"
    assert duckdb.sql(f"select count(*) from '{parquet}'").fetchall() == [(2,)]
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == [
        "fct_example.parquet",
        "medres.duckdb",
    ]


def test_an_open_reader_keeps_its_version_and_does_not_block(tmp_path):
    out = tmp_path / "published"
    publish(make_warehouse(tmp_path / "old.duckdb", [(2020, "110000")]), out)
    reader = duckdb.connect(str(out / "medres.duckdb"), read_only=True)
    try:
        publish(make_warehouse(tmp_path / "new.duckdb", [(2020, "a"), (2020, "b")]), out)
        # The open reader still sees the complete previous version ...
        assert reader.execute("select count(*) from fct_example").fetchone() == (1,)
    finally:
        reader.close()
    # ... and a new reader sees the complete new one.
    with duckdb.connect(str(out / "medres.duckdb"), read_only=True) as fresh:
        assert fresh.execute("select count(*) from fct_example").fetchone() == (2,)


def test_failure_leaves_previous_outputs_byte_identical(tmp_path):
    out = tmp_path / "published"
    publish(make_warehouse(tmp_path / "good.duckdb", [(2020, "110000")]), out)
    before = digest(out)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(RuntimeError, match="no tables in schema 'marts'"):
        publish(empty, out)
    with pytest.raises(FileNotFoundError, match="run `make build` first"):
        publish(tmp_path / "missing.duckdb", out)
    assert digest(out) == before


def test_dropped_mart_does_not_linger(tmp_path):
    out = tmp_path / "published"
    publish(make_warehouse(tmp_path / "w.duckdb", [(2020, "x")]), out)
    stale = out / "parquet" / "fct_removed.parquet"
    stale.write_bytes(b"old")
    publish(tmp_path / "w.duckdb", out)
    assert not stale.exists()
    assert not [p for p in os.listdir(out) if p.endswith(".tmp")]
