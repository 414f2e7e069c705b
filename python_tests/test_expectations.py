"""The great-expectations gate passes on the real seeds and marts and fails on corrupted ones.

The marts come from a copy of the project built and published in a temporary directory (the
``shared_built_project`` fixture of conftest), so the tests never read or write the project's warehouse/
or published/. One GX context (a Gate) serves every frame-level test of the module.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from medres import expectations
from medres.expectations import Failure, Gate, mart_suites, missing_suites, seed_suites

PROJECT = Path(__file__).resolve().parents[1]
SEEDS = PROJECT / "seeds"


@pytest.fixture(scope="module")
def published(shared_built_project) -> Path:
    """The marts of a fresh build of a copy of the project (conftest), published in that copy."""
    return shared_built_project.published


@pytest.fixture(scope="module")
def seeds() -> dict[str, pd.DataFrame]:
    return expectations.read_seeds(SEEDS, expectations.seed_types(SEEDS))


@pytest.fixture(scope="module")
def marts(published: Path) -> dict[str, pd.DataFrame]:
    return expectations.read_marts(published)


@pytest.fixture(scope="module")
def gate() -> Gate:
    settings = expectations.load_settings(SEEDS, PROJECT / "dbt_project.yml")
    suites = {**seed_suites(settings, expectations.seed_types(SEEDS)), **mart_suites(settings)}
    return Gate(suites)


def failed(failures: list[Failure], expectation: str, column: str) -> Failure:
    """The failure of ``expectation`` on ``column``; fails the test when there is none."""
    for failure in failures:
        if failure.expectation == expectation and failure.column == column:
            return failure
    raise AssertionError(f"no {expectation} failure on {column!r}; got: {[str(f) for f in failures]}")


def test_every_seed_and_published_mart_has_a_suite(gate, seeds, marts):
    assert set(seeds) == {
        "ref_provinces", "yearbook_health_resources", "yearbook_population",
        "yearbook_health_technicians", "fudan_hospital_rankings", "fudan_hospital_provinces",
    }
    assert missing_suites({**seeds, **marts}, gate.suites) == []


def test_real_seeds_pass(gate, seeds):
    for name, frame in seeds.items():
        assert gate.validate(name, frame) == [], name


def test_real_marts_pass(gate, marts):
    assert marts, "the build published no marts"
    for name, frame in marts.items():
        assert gate.validate(name, frame) == [], name


def test_reputation_above_80_fails(gate, seeds):
    frame = seeds["fudan_hospital_rankings"].copy()
    frame.loc[0, "reputation_score"] = 85.0
    failures = gate.validate("fudan_hospital_rankings", frame)
    assert "85.0" in failed(failures, "expect_column_values_to_be_between", "reputation_score").detail


def test_total_score_not_the_sum_of_its_parts_fails(gate, seeds):
    frame = seeds["fudan_hospital_rankings"].copy()
    frame.loc[3, "total_score"] += 0.01
    failure = failed(failures := gate.validate("fudan_hospital_rankings", frame),
                     "expect_column_values_to_be_between", "check__total_minus_components")
    assert len(failures) == 1 and "1 unexpected" in failure.detail


def test_duplicate_region_fails(gate, seeds):
    frame = seeds["yearbook_health_resources"]
    frame = pd.concat([frame, frame.iloc[[4]]], ignore_index=True)
    failures = gate.validate("yearbook_health_resources", frame)
    failed(failures, "expect_compound_columns_to_be_unique", "year, region_code")
    assert "32" in failed(failures, "expect_column_values_to_be_between", "check__rows_per_year").detail


def test_missing_province_fails(gate, seeds):
    frame = seeds["yearbook_population"].iloc[1:]
    failure = failed(gate.validate("yearbook_population", frame),
                     "expect_column_values_to_be_between", "check__rows_per_year")
    assert "30 unexpected" in failure.detail and "30" in failure.detail


def test_unknown_region_code_fails(gate, marts):
    frame = marts["dim_provinces"].copy()
    frame.loc[0, "region_code"] = "990000"
    failure = failed(gate.validate("dim_provinces", frame),
                     "expect_column_values_to_be_in_set", "region_code")
    assert "990000" in failure.detail


def test_beds_outside_the_plausible_band_fail(gate, marts):
    frame = marts["fct_province_per_capita"].copy()
    # Beds left in units instead of 10,000: per-capita values 10,000 times too large.
    frame["beds_per_1000"] *= 10_000
    failure = failed(gate.validate("fct_province_per_capita", frame),
                     "expect_column_values_to_be_between", "beds_per_1000")
    assert "31 unexpected" in failure.detail


def test_rsr_and_grade_out_of_range_fail(gate, marts):
    frame = marts["fct_province_rsr"].copy()
    frame.loc[0, "rsr"] = 0.0
    frame.loc[1, "grade"] = 6
    failures = gate.validate("fct_province_rsr", frame)
    failed(failures, "expect_column_values_to_be_between", "rsr")
    assert "6" in failed(failures, "expect_column_values_to_be_between", "grade").detail


def test_cluster_above_k_fails(gate, marts):
    frame = marts["fct_province_clusters"].copy()
    row = frame.index[frame["k"] == 2][0]
    frame.loc[row, "cluster"] = 3
    failed(gate.validate("fct_province_clusters", frame),
           "expect_column_pair_values_a_to_be_greater_than_b", "k, cluster")


def test_wrong_column_type_fails(gate, seeds):
    frame = seeds["ref_provinces"].assign(year=seeds["ref_provinces"]["year"].astype("float64"))
    failure = failed(gate.validate("ref_provinces", frame),
                     "expect_column_values_to_be_of_type", "year")
    assert "float64" in failure.detail


def test_cli_passes_and_writes_data_docs(published, tmp_path, capsys):
    docs = tmp_path / "gx"
    assert expectations.main(
        ["--seeds", str(SEEDS), "--published", str(published), "--docs", str(docs),
         "--project", str(PROJECT / "dbt_project.yml")]
    ) == 0
    assert (docs / "index.html").exists()
    assert "0 failed expectation(s)" in capsys.readouterr().out


def test_cli_fails_on_a_corrupted_mart_and_on_a_mart_without_suite(published, tmp_path, capsys):
    corrupted = tmp_path / "published"
    shutil.copytree(published, corrupted)
    arguments = ["--seeds", str(SEEDS), "--published", str(corrupted), "--docs",
                 str(tmp_path / "gx"), "--project", str(PROJECT / "dbt_project.yml")]
    with duckdb.connect(str(corrupted / "medres.duckdb")) as connection:
        connection.execute("update fct_province_quality_scores set reputation_sum = -1 "
                           "where region_code = '110000'")
    assert expectations.main(arguments) == 1
    error = capsys.readouterr().err
    assert "FAIL fct_province_quality_scores: expect_column_values_to_be_between column " \
           "'reputation_sum'" in error and "-1.0" in error

    with duckdb.connect(str(corrupted / "medres.duckdb")) as connection:
        connection.execute("create table fct_unvalidated as select 1 as x")
    assert expectations.main(arguments) == 2
    assert "no expectation suite for fct_unvalidated" in capsys.readouterr().err
