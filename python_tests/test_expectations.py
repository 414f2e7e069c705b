"""The great-expectations gate: passes on the real seeds and marts, fails on corrupted ones, and
takes every setting and band from the one place it lives.

The marts come from a copy of the project built and published in a temporary directory (the
``shared_built_project`` fixture of conftest), so the tests never read or write the project's
warehouse/ or published/. One GX context (a Gate) serves the frame-level tests that use the build's
settings; tests that change a setting build a small Gate of the one suite they need.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from medres import expectations
from medres.expectations import (
    MART_SUITES,
    Failure,
    Gate,
    Settings,
    SettingsError,
    contract_columns,
    load_settings,
    load_vars,
    mart_suites,
    missing_suites,
    seed_suites,
)

PROJECT = Path(__file__).resolve().parents[1]
SEEDS = PROJECT / "seeds"
PROJECT_FILE = PROJECT / "dbt_project.yml"


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
def build_vars(marts) -> dict:
    """The settings the published build recorded in dim_build_settings."""
    return load_vars(build_settings=marts["dim_build_settings"])


@pytest.fixture(scope="module")
def contracts() -> dict[str, list[str]]:
    return contract_columns(PROJECT / "models")


@pytest.fixture(scope="module")
def gate(build_vars, contracts) -> Gate:
    settings = load_settings(SEEDS, build_vars)
    return Gate({**seed_suites(load_settings(SEEDS, load_vars(project_file=PROJECT_FILE))),
                 **mart_suites(settings, contracts)})


def settings_with(overrides: str) -> Settings:
    """Settings of dbt_project.yml with a ``--vars`` YAML override, as the seed suites read them."""
    return load_settings(SEEDS, load_vars(project_file=PROJECT_FILE, overrides=overrides))


def mart_gate(settings: Settings, name: str) -> Gate:
    """A Gate of the one mart suite ``name`` under ``settings``."""
    return Gate({name: mart_suites(settings)[name]})


def failed(failures: list[Failure], expectation: str, column: str | None) -> Failure:
    """The failure of ``expectation`` on ``column``; fails the test when there is none."""
    for failure in failures:
        if failure.expectation == expectation and failure.column == column:
            return failure
    raise AssertionError(f"no {expectation} failure on {column!r}; got: {[str(f) for f in failures]}")


def between_failure(failures: list[Failure], column: str) -> Failure:
    return failed(failures, "expect_column_values_to_be_between", column)


def project_bands() -> dict:
    return yaml.safe_load(PROJECT_FILE.read_text(encoding="utf-8"))["vars"]["medres_plausibility_bands"]


# --- coverage and the real data -----------------------------------------------------------------


def test_every_seed_and_published_mart_has_a_suite(gate, seeds, marts):
    # Every seed the YAML declares is read, and the panel's seeds and marts are among them.
    assert set(seeds) == set(expectations.seed_types(SEEDS))
    assert {"nbs_population", "nbs_health_technicians", "national_totals", "ref_land_area",
            "fudan_hospital_aliases"} <= set(seeds)
    assert {"dim_build_settings", "fct_province_indicator_ranks", "fct_inequality_theil"} <= set(marts)
    assert missing_suites({**seeds, **marts}, gate.suites) == []


def test_real_seeds_pass(gate, seeds):
    for name, frame in seeds.items():
        assert gate.validate(name, frame) == [], name


def test_real_marts_pass(gate, marts):
    assert marts, "the build published no marts"
    for name, frame in marts.items():
        assert gate.validate(name, frame) == [], name


# --- settings: from the build, or from dbt_project.yml with --vars --------------------------------


def test_build_settings_carry_the_project_vars(build_vars):
    project = yaml.safe_load(PROJECT_FILE.read_text(encoding="utf-8"))["vars"]
    assert build_vars == {name: project[name] for name in build_vars}
    assert {"medres_plausibility_bands", "medres_year", "medres_rsr_grades"} <= set(build_vars)


def test_vars_override_replaces_whole_vars_like_dbt():
    variables = load_vars(project_file=PROJECT_FILE,
                          overrides="{medres_rsr_grades: 3, medres_cluster_k: 4}")
    assert variables["medres_rsr_grades"] == 3 and variables["medres_cluster_k"] == 4
    assert variables["medres_year"] == 2020
    for bad in ("[1, 2]", "{unclosed: "):
        with pytest.raises(SettingsError, match="--vars"):
            load_vars(project_file=PROJECT_FILE, overrides=bad)


def test_a_band_changed_through_vars_changes_the_verdict(marts):
    """The per-capita ranges are medres_plausibility_bands, read at run time: narrowing one band
    with a --vars override makes the real mart fail on exactly that column, naming values above
    the new maximum; the project's band passes them."""
    frame = marts["fct_province_per_capita"]
    bands = project_bands()
    assert mart_gate(settings_with(""), "fct_province_per_capita").validate(
        "fct_province_per_capita", frame) == []

    narrowed = {**bands, "beds_per_1000": {"min": bands["beds_per_1000"]["min"], "max": 6.0}}
    override = yaml.safe_dump({"medres_plausibility_bands": narrowed}, default_flow_style=True)
    failures = mart_gate(settings_with(override), "fct_province_per_capita").validate(
        "fct_province_per_capita", frame)
    failure = between_failure(failures, "beds_per_1000")
    assert len(failures) == 1
    above = (frame["beds_per_1000"] > 6.0).sum()
    assert above > 0 and f"{above} unexpected" in failure.detail
    assert "'max_value': 6.0" in failure.detail


def test_the_suite_bands_are_the_var(build_vars):
    """Every range on a per-capita column is a band of the var, none a literal."""
    settings = load_settings(SEEDS, build_vars)
    bands = build_vars["medres_plausibility_bands"]
    ranges = {
        e.column.removeprefix("check__"): (e.min_value, e.max_value)
        for e in mart_suites(settings)["fct_province_per_capita"].expectations
        if e.expectation_type == "expect_column_values_to_be_between" and e.column.removeprefix(
            "check__") in bands
    }
    assert set(ranges) == {"beds_per_1000", "institutions_per_10k", "health_technicians_per_1000",
                           "health_personnel_per_1000", "health_expenditure_per_capita_yuan"}
    for name, (low, high) in ranges.items():
        assert (low, high) == (bands[name]["min"], bands[name]["max"]), name
    assert not hasattr(expectations, "BANDS") and not hasattr(expectations, "POPULATION_RATIO_BAND")


def test_per_capita_value_outside_its_band_fails_naming_column_and_value(gate, marts):
    frame = marts["fct_province_per_capita"].copy()
    band = project_bands()["health_expenditure_per_capita_yuan"]
    # Issue 15: Hebei's 3872.4 typed without its decimal point.
    row = frame.index[(frame["year"] == 2020) & (frame["region_code"] == "130000")][0]
    frame.loc[row, "health_expenditure_per_capita_yuan"] = 38724.0
    failure = between_failure(gate.validate("fct_province_per_capita", frame),
                              "health_expenditure_per_capita_yuan")
    assert "1 unexpected value(s), e.g. [38724.0]" in failure.detail
    assert f"'max_value': {float(band['max'])}" in failure.detail


def test_workforce_is_banded_by_what_it_counts(gate, marts):
    frame = marts["fct_province_per_capita"].copy()
    technicians = project_bands()["health_technicians_per_1000"]
    row = frame.index[frame["health_workforce_measure"] == "health_technicians_per_1000"][0]
    frame.loc[row, "health_workforce_per_1000"] = technicians["max"] + 1
    failure = between_failure(gate.validate("fct_province_per_capita", frame),
                              "check__health_technicians_per_1000")
    assert f"[{float(technicians['max'] + 1)}]" in failure.detail


def test_mart_suites_use_the_settings_the_build_recorded(published, tmp_path, capsys):
    """A build with --vars '{medres_rsr_grades: 3}' is validated with 3 grades: the published
    dim_build_settings says 3 while dbt_project.yml says 5, so the 5-grade thresholds fail."""
    copy = tmp_path / "published"
    shutil.copytree(published, copy)
    with duckdb.connect(str(copy / "medres.duckdb")) as connection:
        connection.execute("update dim_build_settings set value_json = '3' "
                           "where setting = 'medres_rsr_grades'")
    assert expectations.main(["--seeds", str(SEEDS), "--published", str(copy), "--docs",
                              str(tmp_path / "gx"), "--project", str(PROJECT_FILE)]) == 1
    error = capsys.readouterr().err
    assert ("FAIL fct_rsr_grade_thresholds: expect_column_values_to_be_between column "
            "'check__rows_per_year'") in error and "'max_value': 3.0" in error
    assert "FAIL fct_province_rsr: expect_column_values_to_be_between column 'grade'" in error


def test_grades_and_labels_follow_the_grades_setting(marts):
    frame = marts["fct_rsr_grade_thresholds"]
    failures = mart_gate(settings_with("{medres_rsr_grades: 3}"), "fct_rsr_grade_thresholds"
                         ).validate("fct_rsr_grade_thresholds", frame)
    pairs = failed(failures, "expect_column_pair_values_to_be_in_set", "grade, grade_label")
    assert "(4, 'Lower')" in pairs.detail  # plain values, not np.int32(4)


def test_units_per_year_follow_the_reference_list(seeds):
    assert settings_with("").units == len(seeds["ref_provinces"]) == 31


def test_missing_or_old_settings_are_named(marts):
    settings = load_settings(SEEDS, {"medres_rsr_grades": 5})
    with pytest.raises(SettingsError, match="setting medres_year is missing"):
        mart_suites(settings)
    with pytest.raises(SettingsError, match=r"medres_plausibility_bands\.beds_per_1000"):
        load_settings(SEEDS, {**load_vars(project_file=PROJECT_FILE),
                              "medres_plausibility_bands": {"beds_per_1000": 5}}).band("beds_per_1000")


# --- the schema guard comes from the contracts ------------------------------------------------


def test_column_lists_come_from_the_contracts(contracts, build_vars, marts):
    suites = mart_suites(load_settings(SEEDS, build_vars), contracts)
    assert set(MART_SUITES) <= set(contracts)
    for name, frame in marts.items():
        ordered = suites[name].expectations[0]
        assert ordered.expectation_type == "expect_table_columns_to_match_ordered_list"
        assert ordered.column_list[: len(contracts[name])] == contracts[name] == list(frame.columns)
    assert "r1_value" not in contracts["fct_province_rsr"]


def test_a_dropped_column_fails(gate, marts):
    frame = marts["fct_province_rsr"].drop(columns=["position"])
    failed(gate.validate("fct_province_rsr", frame), "expect_table_columns_to_match_ordered_list", None)


# --- the panel promises -----------------------------------------------------------------------


def test_duplicate_region_in_a_year_fails(gate, seeds):
    frame = seeds["nbs_beds"]
    frame = pd.concat([frame, frame.iloc[[4]]], ignore_index=True)
    failures = gate.validate("nbs_beds", frame)
    failed(failures, "expect_compound_columns_to_be_unique", "year, region_code")
    assert "32" in between_failure(failures, "check__rows_per_year").detail


def test_missing_province_in_one_year_fails(gate, seeds):
    frame = seeds["nbs_population"]
    frame = frame.drop(frame.index[frame["year"] == 2018][0])
    failure = between_failure(gate.validate("nbs_population", frame), "check__rows_per_year")
    assert "30 unexpected" in failure.detail


def test_names_are_unique_per_year_not_across_years(gate, marts):
    frame = marts["dim_provinces"]
    later = frame.assign(year=frame["year"] + 1)
    assert gate.validate("dim_provinces", pd.concat([frame, later], ignore_index=True)) == []
    twice = frame.copy()
    twice.loc[1, "province_en"] = twice.loc[0, "province_en"]
    failed(gate.validate("dim_provinces", twice), "expect_compound_columns_to_be_unique",
           "year, province_en")


def test_unknown_region_code_fails(gate, marts):
    frame = marts["dim_provinces"].copy()
    frame.loc[0, "region_code"] = "990000"
    failure = failed(gate.validate("dim_provinces", frame), "expect_column_values_to_be_in_set",
                     "region_code")
    assert "990000" in failure.detail


# --- cross-column rules -----------------------------------------------------------------------


def test_grade_label_not_the_grades_fails(gate, marts):
    frame = marts["fct_province_rsr"].copy()
    row = frame.index[frame["grade"] == 1][0]
    frame.loc[row, "grade_label"] = "Low"
    failure = failed(gate.validate("fct_province_rsr", frame),
                     "expect_column_pair_values_to_be_in_set", "grade, grade_label")
    assert "[(1, 'Low')]" in failure.detail


def test_cluster_above_k_and_wrong_chosen_k_fail(gate, marts):
    frame = marts["fct_province_clusters"].copy()
    row = frame.index[frame["k"] == 2][0]
    frame.loc[row, "cluster"] = 3
    frame.loc[row, "is_chosen_k"] = True
    failures = gate.validate("fct_province_clusters", frame)
    failed(failures, "expect_column_pair_values_a_to_be_greater_than_b", "k, cluster")
    assert "(2, True)" in failed(failures, "expect_column_pair_values_to_be_in_set",
                                 "k, is_chosen_k").detail


def test_grading_against_alpha_is_checked(gate, marts):
    frame = marts["fct_rsr_evaluations"].copy()
    assert (frame["slope_p"] < frame["alpha"]).all()
    frame.loc[0, "grading_status"] = "refused_not_significant"
    failure = failed(gate.validate("fct_rsr_evaluations", frame),
                     "expect_column_values_to_be_in_set", "check__grading_follows_alpha")
    assert "1 unexpected" in failure.detail


def test_profile_member_names_match_counts(gate, marts):
    frame = marts["fct_cluster_profiles"].copy()
    frame.loc[0, "members_en"] = frame.loc[0, "members_en"] + ", Atlantis"
    failure = between_failure(gate.validate("fct_cluster_profiles", frame),
                              "check__names_minus_member_count")
    assert "[1]" in failure.detail


def test_cluster_columns_outside_the_setting_fail(gate, marts):
    frame = marts["fct_cluster_diagnostics"].copy()
    frame.loc[0, "cluster_columns"] += ",doctors_10k"
    failure = failed(gate.validate("fct_cluster_diagnostics", frame),
                     "expect_column_values_to_be_in_set", "check__cluster_columns_outside_setting")
    assert "['doctors_10k']" in failure.detail


def test_quality_total_not_the_sum_of_its_parts_fails(gate, marts):
    frame = marts["fct_province_quality_scores"].copy()
    frame.loc[3, "total_score"] += 0.01
    failures = gate.validate("fct_province_quality_scores", frame)
    assert len(failures) == 1
    between_failure(failures, "check__total_minus_components")


# --- the command line -------------------------------------------------------------------------


def arguments(published: Path, tmp_path: Path, *extra: str) -> list[str]:
    return ["--seeds", str(SEEDS), "--published", str(published), "--docs", str(tmp_path / "gx"),
            "--project", str(PROJECT_FILE), *extra]


def test_cli_passes_and_writes_data_docs(published, tmp_path, capsys):
    assert expectations.main(arguments(published, tmp_path)) == 0
    assert (tmp_path / "gx" / "index.html").exists()
    output = capsys.readouterr().out
    published_marts = duckdb.connect(str(published / "medres.duckdb"), read_only=True).execute(
        "select count(*) from duckdb_tables()").fetchone()[0]
    seeds_declared = len(expectations.seed_types(SEEDS))
    assert f"{seeds_declared} seeds and {published_marts} marts validated, 0 failed expectation(s)" in output


def test_cli_vars_reach_the_seed_suites_only(published, tmp_path, capsys):
    assert expectations.main(arguments(published, tmp_path, "--vars", "{medres_rsr_grades: 3}")) == 0
    captured = capsys.readouterr()
    # The mart suites keep the build's 5 grades (fct_rsr_grade_thresholds passes with 5).
    assert "note: --vars medres_rsr_grades = 3 (published build: 5)" in captured.out
    assert "FAIL fct_rsr_grade_thresholds" not in captured.err


def test_cli_fails_on_a_corrupted_mart_and_on_a_mart_without_suite(published, tmp_path, capsys,
                                                                    monkeypatch):
    corrupted = tmp_path / "published"
    shutil.copytree(published, corrupted)
    with duckdb.connect(str(corrupted / "medres.duckdb")) as connection:
        connection.execute("update fct_province_quality_scores set reputation_sum = -1 "
                           "where region_code = '110000'")
    assert expectations.main(arguments(corrupted, tmp_path)) == 1
    error = capsys.readouterr().err
    assert "FAIL fct_province_quality_scores: expect_column_values_to_be_between column " \
           "'reputation_sum'" in error and "-1.0" in error

    with duckdb.connect(str(corrupted / "medres.duckdb")) as connection:
        connection.execute("update fct_province_quality_scores set reputation_sum = total_score - research_sum")
        connection.execute("create table fct_new as select 2020 as year, '110000' as region_code")
    assert expectations.main(arguments(corrupted, tmp_path)) == 2
    assert "no expectation suite for fct_new" in capsys.readouterr().err

    # A suite for a new mart is a registered function returning its parts.
    monkeypatch.setitem(MART_SUITES, "fct_new", lambda s: [
        expectations.unique("year", "region_code"), expectations.region_checks(s)])
    assert expectations.main(arguments(corrupted, tmp_path)) == 0


def test_cli_without_build_settings_stops(published, tmp_path, capsys):
    old = tmp_path / "published"
    shutil.copytree(published, old)
    with duckdb.connect(str(old / "medres.duckdb")) as connection:
        connection.execute("drop table dim_build_settings")
    assert expectations.main(arguments(old, tmp_path)) == 2
    assert "has no dim_build_settings" in capsys.readouterr().err
