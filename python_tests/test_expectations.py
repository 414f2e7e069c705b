"""The great-expectations gate: passes on a real published build, catches every way the published
copy can break its promises (corrupted in a temporary copy), and derives every expectation from
dbt's manifest (the one-home property: no rule of the gate is written in the gate).

The build is the session's ``shared_built_project`` (conftest): built and published once, never
modified; each test that corrupts copies its published/ to a temporary directory.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from medres import expectations
from medres.expectations import CATALOG, COPIES, Failure, contracted_marts, run

MODULE = Path(expectations.__file__)


@pytest.fixture(scope="module")
def build(shared_built_project):
    return shared_built_project


@pytest.fixture(scope="module")
def manifest(build) -> dict:
    return json.loads((build.root / "target" / "manifest.json").read_text(encoding="utf-8"))


def published_copy(build, tmp_path: Path) -> Path:
    copy = tmp_path / "published"
    shutil.copytree(build.published, copy)
    return copy


def gate(build, published: Path, manifest: Path | None = None, warehouse: bool = True):
    return run(published, manifest or build.root / "target" / "manifest.json",
               build.root / "warehouse" / "medres.duckdb" if warehouse else None)


def failures_of(failures, suite: str) -> dict[tuple[str, str | None], str]:
    return {(f.expectation, f.column): f.detail for f in failures if f.suite == suite}


def cli(build, published: Path, tmp_path: Path, *extra: str) -> int:
    return expectations.main([
        "--published", str(published), "--manifest", str(build.root / "target" / "manifest.json"),
        "--warehouse", str(build.root / "warehouse" / "medres.duckdb"),
        "--docs", str(tmp_path / "gx"), "--project", str(build.root / "dbt_project.yml"), *extra])


# --- the real build -------------------------------------------------------------------------------


def test_real_build_passes_and_writes_data_docs(build, manifest, tmp_path, capsys):
    assert cli(build, build.published, tmp_path) == 0
    assert (tmp_path / "gx" / "index.html").exists()
    output = capsys.readouterr().out
    marts = contracted_marts(manifest)
    with duckdb.connect(str(build.published / "medres.duckdb"), read_only=True) as connection:
        published = {name for (name,) in connection.execute(
            "select table_name from duckdb_tables()").fetchall()}
    assert published == set(marts)
    assert f"{len(marts)} marts validated" in output and "0 failed expectation(s)" in output
    assert f"ok   {CATALOG}: 4/4 expectations" in output and f"ok   {COPIES}: 3/3" in output


# --- one home: every expectation comes from the manifest ------------------------------------------


def test_the_gate_writes_no_rule_of_its_own(manifest):
    """No mart, column, band or value set is written in the module: its string constants are
    messages, SQL and file names, none of them a name the manifest declares."""
    declared = {name for mart in contracted_marts(manifest).values()
                for name in (mart.name, *mart.columns)}
    constants = {node.value for node in ast.walk(ast.parse(MODULE.read_text(encoding="utf-8")))
                 if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert not constants & declared
    assert len(MODULE.read_text(encoding="utf-8").splitlines()) < 450


def test_the_suites_are_the_manifest(manifest):
    marts = contracted_marts(manifest)
    rsr = marts["fct_province_rsr"]
    assert rsr.keys == [["year", "region_code"]] and rsr.not_null == ["year", "region_code"]
    assert list(rsr.columns)[:3] == ["year", "region_code", "province_zh"]
    suites = expectations.suites(marts, {t: t and t.upper() for t in
                                         ("integer", "varchar", "double", "boolean", "bigint", "date")},
                                 warehouse=True)
    ordered, unique, *not_null = suites["fct_province_rsr"]
    assert ordered.column_list == list(rsr.columns)
    assert unique.column_list == ["year", "region_code"]
    assert [e.column for e in not_null] == ["year", "region_code"]
    types = dict(suites[CATALOG][1].value_pairs_set)
    assert types["fct_province_rsr.position"] == "BIGINT" and types["dim_years.is_report_year"] == "BOOLEAN"


def test_a_changed_contract_changes_the_verdict(build, manifest, tmp_path):
    """Declare a new column and another type in (a copy of) the manifest, as a changed contract
    would after `dbt parse`: the unchanged published copy now fails on exactly those."""
    changed = json.loads(json.dumps(manifest))
    node = changed["nodes"]["model.medres.fct_province_per_capita"]
    node["columns"]["beds_per_10k"] = {**node["columns"]["beds_per_1000"], "name": "beds_per_10k"}
    node["columns"]["population_10k"]["data_type"] = "bigint"
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(changed), encoding="utf-8")
    _, failures = gate(build, build.published, path, warehouse=False)
    catalog = failures_of(failures, CATALOG)
    assert "missing ['fct_province_per_capita.beds_per_10k']" in catalog[
        ("expect_column_distinct_values_to_equal_set", "object")]
    assert "('fct_province_per_capita.population_10k', 'DOUBLE')" in catalog[
        ("expect_column_pair_values_to_be_in_set", "object, data_type")]
    assert ("expect_table_columns_to_match_ordered_list", None) in failures_of(
        failures, "fct_province_per_capita")


# --- a corrupted copy: every promise fails, naming the mart and the values --------------------------


def printed_failures(error: str) -> list[Failure]:
    """The FAIL lines the CLI prints to stderr, read back (the inverse of ``Failure.__str__``)."""
    failures = []
    for line in error.splitlines():
        match = re.fullmatch(r"FAIL (\S+): (\S+)(?: column '([^']*)')?: (.*)", line)
        if match:
            failures.append(Failure(*match.groups()))
    return failures


def test_corrupted_copy_fails_naming_each_break(build, tmp_path, capsys):
    published = published_copy(build, tmp_path)
    parquet = published / "parquet"
    with duckdb.connect(str(published / "medres.duckdb")) as db:
        # A value changed in the DuckDB file only (Issue 15's lost decimal point).
        db.execute("update fct_province_per_capita set health_expenditure_per_capita_yuan = 38724 "
                   "where year = 2020 and region_code = '130000'")
        db.execute("update fct_province_quality_scores set reputation_sum = -1 "
                   "where region_code = '110000'")
        # A duplicated key row and a null in a not_null column.
        db.execute("insert into fct_province_rsr select * from fct_province_rsr limit 1")
        db.execute("update fct_rsr_regression set year = null where fit_rows = 'all' and year = 2020")
        # Another type, a lost comment, a dropped mart, an unexpected table.
        db.execute("alter table fct_indicator_dispersion alter column cv type varchar")
        db.execute("comment on column dim_provinces.region_4 is null")
        db.execute("drop table fct_city_clusters")
        db.execute("create table scratch as select 1 as x")
        db.execute(f"copy (from dim_years where year <> 2016) to '{parquet / 'dim_years.parquet'}'")
    (parquet / "fct_lorenz_curves.parquet").unlink()

    # Through the CLI `make validate` runs: exit status 1 and one FAIL line per failure, each read
    # back (none unread, as many as the summary counts).
    assert cli(build, published, tmp_path) == 1
    printed = capsys.readouterr()
    failures = printed_failures(printed.err)
    assert len(failures) == sum(line.startswith("FAIL ") for line in printed.err.splitlines())
    assert f", {len(failures)} failed expectation(s);" in printed.out
    catalog = failures_of(failures, CATALOG)
    assert catalog[("expect_column_distinct_values_to_equal_set", "object")].startswith(
        "missing ['fct_city_clusters', 'fct_city_clusters.")
    assert "not expected ['scratch', 'scratch.x']" in catalog[
        ("expect_column_distinct_values_to_equal_set", "object")]
    assert "('fct_indicator_dispersion.cv', 'VARCHAR')" in catalog[
        ("expect_column_pair_values_to_be_in_set", "object, data_type")]
    assert "('fct_lorenz_curves', nan)" in catalog[
        ("expect_column_pair_values_to_be_in_set", "object, parquet_type")]
    assert "('dim_provinces.region_4', " in catalog[
        ("expect_column_pair_values_to_be_in_set", "object, comment")]

    copies = failures_of(failures, COPIES)
    parquet_differs = copies[("expect_column_values_to_be_null", "parquet_differs")]
    for mart in ("dim_years", "fct_lorenz_curves", "fct_province_per_capita", "fct_province_rsr",
                 "fct_rsr_regression"):
        assert f"'{mart}'" in parquet_differs
    warehouse_differs = copies[("expect_column_values_to_be_null", "warehouse_differs")]
    for mart in ("fct_province_per_capita", "fct_province_quality_scores", "fct_province_rsr",
                 "fct_rsr_regression", "scratch"):
        assert f"'{mart}'" in warehouse_differs
    assert "'dim_years'" not in warehouse_differs and "'fct_lorenz_curves'" not in warehouse_differs
    assert "missing ['fct_city_clusters']" in copies[("expect_column_distinct_values_to_equal_set",
                                                     "mart")]

    assert "2 unexpected value(s), e.g. [{'year': 2016, 'region_code': '110000'}" in failures_of(
        failures, "fct_province_rsr")[("expect_compound_columns_to_be_unique", None)]
    assert "1 unexpected" in failures_of(failures, "fct_rsr_regression")[
        ("expect_column_values_to_not_be_null", "year")]
    # The untouched marts pass every expectation of their own suite.
    assert not failures_of(failures, "fct_inequality_gini")


def test_cli_exit_status_without_a_published_copy(build, tmp_path, capsys):
    assert cli(build, tmp_path / "nowhere", tmp_path) == 2
    assert "does not exist: build and publish the marts first" in capsys.readouterr().err


def test_vars_check_the_settings_the_copy_was_built_with(build, tmp_path, capsys):
    # A previous run's Data Docs: a refused run must not leave them looking current.
    (tmp_path / "gx" / "static").mkdir(parents=True)
    (tmp_path / "gx" / "index.html").write_text("an earlier, green validation", encoding="utf-8")
    assert cli(build, build.published, tmp_path, "--warehouse", "none",
               "--vars", "{medres_rsr_grades: 3}") == 1
    refused = capsys.readouterr()
    assert "FAIL settings: published with medres_rsr_grades = 5 (wanted: 3)" in refused.err
    assert "refused, nothing validated" in refused.err and "expectations" not in refused.out
    assert not (tmp_path / "gx" / "index.html").exists()  # no suite ran, no Data Docs left
    assert cli(build, build.published, tmp_path, "--warehouse", "none", "--vars", "{medres_rsr_gradez: 3}") == 2
    assert "did you mean medres_rsr_grades" in capsys.readouterr().err

    # A published file that is not a DuckDB database: exit 2 naming it, no traceback.
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "medres.duckdb").write_bytes(b"not a database")
    assert cli(build, broken, tmp_path, "--warehouse", "none", "--vars", "{medres_rsr_grades: 3}") == 2
    assert f"the settings of {broken}/medres.duckdb cannot be read" in capsys.readouterr().err
