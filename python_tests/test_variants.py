"""The variant matrix: the project builds, passes its data tests and publishes under non-default
settings, and the marts agree with the Python package called directly on the marts' own inputs.

Two builds, in one fresh copy with a fresh warehouse (about 40 s each on 2 cores):

``make`` — the user's path, ``make build VARS='{...}'`` in the copy (default target ``prod``):
    3 grades, the distinct-RSR fit, ward linkage, k = 3, Fudan edition 2020. Its configured
    weights tie some provinces' RSR, so the distinct fit (26 points in 2020) is another line than
    the all-rows fit (31): grading on the wrong one would move every fitted RSR. (The ci build's
    entropy weights tie nothing, so there the two fits are the same line and prove nothing.)
    Then ``make report VARS=...`` states the settings and replaces each comparison with the study
    whose settings differ by a note naming them, and ``make report`` with other VARS is refused
    naming the setting.
``ci`` — in the same copy and warehouse, ``dbt build --target ci``: the census population basis
    (only 2020 has a census count, so the panel is one year; ``medres_year: 2020``), its schemas
    ci_raw … ci_marts beside prod's raw … marts, neither overwriting the other; and in the same
    build a custom method: 3 RSR indicators under new names with one negative, entropy weights,
    the distinct-RSR fit, 10 grades, complete linkage, k = 8 (the largest), alpha 0.1 and forced
    grading. The method runs per year by the same code
    in every year, so its one census year proves it; the make build checks two years.

Per variant, the published ``dim_build_settings`` records the settings; a year's RSR, WRSR, fitted
RSR, grades and cut-offs equal :func:`medres.rsr.evaluate` on the indicator values read from
``fct_province_indicator_ranks``; the chosen-k memberships equal :func:`medres.cluster.hierarchical`
on the clustering's input (``int_province_resource_totals`` in the copy's warehouse).
"""

from __future__ import annotations

import html
import json
import math
import re
import subprocess

import duckdb
import pandas as pd
import pytest
from conftest import BIN, PIPELINE, ProjectCopy, copy_project
from report_tables import parse_tables

from medres import cluster, rsr
from medres.report import NO_BOUND

MAKE_VARS = {
    "medres_rsr_grades": 3,
    "medres_rsr_fit_rows": "distinct",
    "medres_cluster_linkage": "ward",
    "medres_cluster_k": 3,
    "medres_fudan_edition": 2020,
}
#: What the report's notes name for the clustering comparisons (tables 1 and 2-6) of MAKE_VARS.
CLUSTER_NOTES = ('medres_cluster_linkage = "ward" (the study: "average")', "medres_cluster_k = 3 (the study: 5)")
# The census basis (one year, 2020) and, in the same build, a custom method: 3 indicators under
# new names with one negative, entropy weights, the distinct-RSR fit, 10 grades, complete linkage.
CI_VARS = {
    "medres_population_basis": "census",
    "medres_year": 2020,
    "medres_rsr_indicators": [
        {"name": "beds", "column": "beds_per_1000", "direction": "positive", "weight": 2},
        {"name": "workforce", "column": "health_workforce_per_1000", "direction": "positive"},
        # Not a real "smaller is better" indicator: a negative direction the build must honour.
        {"name": "institutions_neg", "column": "institutions_per_10k", "direction": "negative"},
    ],
    "medres_rsr_weighting": "entropy",
    "medres_rsr_fit_rows": "distinct",
    "medres_rsr_grades": 10,
    "medres_cluster_linkage": "complete",
    # The bounds of three more settings (test_vars parses only wrong values).
    "medres_cluster_k": 8,
    "medres_rsr_alpha": 0.1,
    "medres_rsr_force": True,
}


def as_vars(settings: dict) -> str:
    """--vars text (JSON is YAML)."""
    return json.dumps(settings)


def run(command: list[str], project: ProjectCopy, timeout: float = 900) -> subprocess.CompletedProcess:
    # A `make test VARS=...` running this module must not hand its VARS to the copy's make.
    env = {key: value for key, value in project.env().items()
           if key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MEDRES_VARS")}
    return subprocess.run(command, cwd=project.root, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False)


def make(project: ProjectCopy, target: str, variables: dict | None) -> subprocess.CompletedProcess:
    """`make <target> VARS=...` in the copy with the running interpreter's environment: BIN points
    at it and `-o venv` skips the venv step (the copy has no .venv of its own)."""
    command = ["make", "--no-print-directory", "-o", "venv", target, f"BIN={BIN}"]
    if variables is not None:
        command.append(f"VARS={as_vars(variables)}")
    return run(command, project)


def settings_of(connection: duckdb.DuckDBPyConnection, table: str = "dim_build_settings") -> dict:
    return {name: json.loads(value)
            for name, value in connection.execute(f"select * from {table}").fetchall()}


def published(project: ProjectCopy, directory: str = "published") -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(project.root / directory / "medres.duckdb"), read_only=True)


@pytest.fixture(scope="module")
def make_build(tmp_path_factory: pytest.TempPathFactory) -> ProjectCopy:
    project = copy_project(tmp_path_factory.mktemp("variants") / "project")
    built = make(project, "build", MAKE_VARS)
    assert built.returncode == 0, f"make build VARS=... failed:\n{built.stdout[-6000:]}"
    for step in ("1/3 checking the seed CSVs", "2/3 dbt build", "3/3 then publishing"):
        assert f"medres: {step}" in built.stdout
    return project


@pytest.fixture(scope="module")
def ci_build(make_build: ProjectCopy) -> ProjectCopy:
    """The census variant, built with --target ci into the make build's warehouse."""
    project = make_build
    before = project.published_digest()
    steps = {
        "seedcheck": [*PIPELINE["seedcheck"], "--vars", as_vars(CI_VARS)],
        "dbt build": [*PIPELINE["dbt build"], "--target", "ci", "--vars", as_vars(CI_VARS)],
        "publish": [*PIPELINE["publish"], "--schema", "ci_marts", "--out", "published-ci"],
    }
    for step, command in steps.items():
        completed = run(command, project)
        assert completed.returncode == 0, f"ci variant, {step} failed:\n{completed.stdout[-6000:]}"
    assert project.published_digest() == before, "the ci build changed prod's published/"
    return project


# --- Checks against the Python package ----------------------------------------------------------

def check_rsr_year(connection: duckdb.DuckDBPyConnection, year: int, settings: dict) -> None:
    """The mart's RSR evaluation of ``year`` equals medres.rsr.evaluate on the mart's values."""
    values = connection.execute(
        "select region_code, indicator, direction, weight, indicator_value "
        "from fct_province_indicator_ranks where year = ? order by region_code, indicator",
        [year]).df()
    assert not values.empty, f"no indicator values for {year}"
    wide = values.pivot(index="region_code", columns="indicator", values="indicator_value")
    wide = wide.reset_index().rename_axis(columns=None)
    directions = values.drop_duplicates("indicator").set_index("indicator")["direction"]
    configured = {i["name"]: i for i in settings["medres_rsr_indicators"]}
    assert set(directions.index) <= set(configured), directions.index.tolist()
    for name, direction in directions.items():
        assert direction == configured[name]["direction"], name
    weights = ("entropy" if settings["medres_rsr_weighting"] == "entropy" else
               {name: float(configured[name].get("weight", 1)) for name in directions.index})
    result = rsr.evaluate(
        wide, "region_code",
        positive=[n for n, d in directions.items() if d == "positive"],
        negative=[n for n, d in directions.items() if d == "negative"],
        weights=weights, grades=settings["medres_rsr_grades"],
        fit_rows=settings["medres_rsr_fit_rows"], grade_on=settings["medres_rsr_grade_on"],
        alpha=settings["medres_rsr_alpha"], force=True)
    expected = result.units.set_index("region_code").sort_index()
    mart = connection.execute(
        "select region_code, indicator_set, rsr, wrsr, rsr_fitted, grade "
        "from fct_province_rsr where year = ? order by region_code", [year]).df().set_index("region_code")
    assert mart.index.tolist() == expected.index.tolist()
    assert set(mart["indicator_set"].iloc[0].split(",")) == set(directions.index)
    for column in ("rsr", "wrsr", "rsr_fitted"):
        assert (mart[column] - expected[column]).abs().max() < 1e-9, (year, column)
    assert mart["grade"].astype(int).tolist() == expected["grade"].astype(int).tolist(), year

    thresholds = connection.execute(
        "select grade, probit_lower, rsr_lower from fct_rsr_grade_thresholds where year = ? "
        "order by grade", [year]).df()
    assert thresholds["grade"].tolist() == list(range(1, settings["medres_rsr_grades"] + 1))
    assert thresholds["rsr_lower"].iloc[-1] is None or pd.isna(thresholds["rsr_lower"].iloc[-1])
    api = result.thresholds
    assert api["rsr_lower"].isna().tolist() == thresholds["rsr_lower"].isna().tolist()
    both = thresholds["rsr_lower"].notna()
    assert (thresholds.loc[both, "rsr_lower"] - api.loc[both, "rsr_lower"]).abs().max() < 1e-9

    fit = connection.execute(
        "select intercept, slope from fct_rsr_regression where year = ? and fit_rows = ? "
        "and used_for_grading", [year, settings["medres_rsr_fit_rows"]]).fetchone()
    assert fit is not None, (year, "the configured fit is not the one used for grading")
    assert math.isclose(fit[0], result.regression.loc[0, "intercept"], abs_tol=1e-9)
    assert math.isclose(fit[1], result.regression.loc[0, "slope"], abs_tol=1e-9)


def check_clusters(project: ProjectCopy, connection: duckdb.DuckDBPyConnection, year: int,
                   settings: dict, schema: str = "intermediate") -> None:
    """The chosen-k memberships of ``year`` equal medres.cluster.hierarchical on the input."""
    with duckdb.connect(str(project.root / "warehouse" / "medres.duckdb"), read_only=True) as warehouse:
        totals = warehouse.execute(
            f"select * from {schema}.int_province_resource_totals where year = ? "
            "order by region_code", [year]).df()
    columns = [c for c in settings["medres_cluster_columns"] if totals[c].notna().any()]
    result = cluster.hierarchical(
        totals.reset_index(drop=True), "region_code", columns,
        standardize=settings["medres_cluster_standardize"], linkage=settings["medres_cluster_linkage"],
        metric=settings["medres_cluster_metric"],
        k_range=(settings["medres_cluster_k_min"], settings["medres_cluster_k_max"]))
    k = settings["medres_cluster_k"]
    expected = (result.memberships.query("k == @k").set_index("id")["cluster"].sort_index())
    mart = connection.execute(
        "select region_code, cluster from fct_province_clusters where year = ? and is_chosen_k "
        "order by region_code", [year]).df().set_index("region_code")["cluster"]
    assert mart.index.tolist() == expected.index.tolist()
    assert mart.astype(int).tolist() == expected.astype(int).tolist(), (year, k)
    assert mart.nunique() == k


# --- make build VARS=... (prod target) --------------------------------------------------------

def test_make_build_records_the_settings(make_build: ProjectCopy) -> None:
    with published(make_build) as connection:
        settings = settings_of(connection)
        for name, value in MAKE_VARS.items():
            assert settings[name] == value, name
        assert settings["medres_rsr_weighting"] == "configured"  # the rest are the defaults
        years = [y for (y,) in connection.execute("select year from dim_years order by year").fetchall()]
        assert len(years) > 1
        defaults = connection.execute(
            "select distinct edition from fct_province_quality_scores where is_default_edition"
        ).fetchall()
        assert defaults == [(2020,)]
        for year in (2020, years[-1]):
            check_rsr_year(connection, year, settings)
            check_clusters(make_build, connection, year, settings)
        assert connection.execute(
            "select count(distinct grade) from fct_province_rsr where year = 2020").fetchone()[0] <= 3
        # Not vacuous: tied RSR values make the distinct fit another line than the all-rows fit.
        fits = dict(connection.execute(
            "select fit_rows, (n_points, slope) from fct_rsr_regression where year = 2020").fetchall())
        assert fits["distinct"][0] < fits["all"][0] == 31
        assert abs(fits["distinct"][1] - fits["all"][1]) > 1e-4


@pytest.fixture(scope="module")
def make_report(make_build: ProjectCopy) -> tuple[str, str]:
    """`make report VARS=...` in the make build's copy: its page and its RSR probit figure (SVG)."""
    report = make(make_build, "report", MAKE_VARS)
    assert report.returncode == 0, report.stdout[-4000:]
    reports = make_build.root / "reports"
    return ((reports / "index.html").read_text(encoding="utf-8"),
            (reports / "figures" / "rsr_probit.svg").read_text(encoding="utf-8"))


def test_non_study_settings_replace_their_comparisons_with_a_note(make_report: tuple[str, str]) -> None:
    page, probit_svg = make_report
    tables = parse_tables(page)
    rows = {r[0][0]: r for r in tables.tables["build-settings"]}
    assert rows["medres_rsr_grades"][1][0] == "3" and rows["medres_rsr_grades"][3][0] == "no"
    fit_note = ('medres_rsr_fit_rows = "distinct" (the study: "all")',)
    grades_note = (*fit_note, "medres_rsr_grades = 3 (the study: 5)")
    # comparison: (the settings its note names, the tables the note replaces)
    differing = {"table-1": (CLUSTER_NOTES, ("table-1",)),
                 "tables-2-6": (CLUSTER_NOTES, ("tables-2-6-profiles", "tables-2-6-rows")),
                 "table-9": (fit_note, ("table-9",)),
                 "table-10": (grades_note, ("table-10",)),
                 "table-11": (grades_note, ("table-11",))}
    for comparison, (named, replaced) in differing.items():
        for table_id in replaced:
            assert table_id not in tables.tables, table_id
        note = page[page.index(f'id="note-{comparison}"'):]
        note = html.unescape(note[:note.index("</p>")])
        for setting in named:
            assert setting in note, (comparison, setting)
        # Only the settings the comparison depends on are named: the clustering comparisons do
        # not depend on the number of grades, nor the grade comparisons on the clustering.
        assert (sorted(re.findall(r"(medres_\w+) = ", note))
                == sorted(setting.split(" = ")[0] for setting in named)), (comparison, note)
    agreement = page[page.index('id="note-grade-agreement"'):]
    agreement = html.unescape(agreement[:agreement.index("</p>")])
    for setting in grades_note:
        assert setting in agreement, setting
    assert "grades agree with the study" not in page
    assert "table-11-grades" not in tables.tables and "table-11-differences" not in tables.tables
    # The comparison whose settings are the study's is still made.
    assert "table-8" in tables.tables
    assert len(tables.tables["grade-thresholds"]) == 3
    assert [c[0] for c in tables.tables["grade-thresholds"][-1][3:]] == [NO_BOUND] * 2
    assert "medres_rsr_grades=3" in probit_svg and "grade 3" in probit_svg


def test_make_report_states_the_settings_and_refuses_others(make_build: ProjectCopy,
                                                            make_report: tuple[str, str]) -> None:
    assert "medres_rsr_grades = 3" in make_report[0]
    # Other settings than the published build's: refused before anything is rendered.
    (make_build.root / "reports" / "index.html").unlink()
    refused = make(make_build, "report", {**MAKE_VARS, "medres_rsr_grades": 5})
    assert refused.returncode != 0
    assert "medres_rsr_grades = 3 (wanted: 5)" in refused.stdout
    assert "make build VARS=" in refused.stdout
    assert not (make_build.root / "reports" / "index.html").exists()


# --- --target ci in the same warehouse: census basis ----------------------------------------------

def test_targets_side_by_side(ci_build: ProjectCopy) -> None:
    with duckdb.connect(str(ci_build.root / "warehouse" / "medres.duckdb"), read_only=True) as warehouse:
        schemas = {s for (s,) in warehouse.execute("select schema_name from duckdb_schemas()").fetchall()}
        layers = ("raw", "staging", "intermediate", "marts")
        assert set(layers) <= schemas and {f"ci_{layer}" for layer in layers} <= schemas, schemas
        prod = settings_of(warehouse, "marts.dim_build_settings")
        ci = settings_of(warehouse, "ci_marts.dim_build_settings")
        prod_years = warehouse.execute("select count(*) from marts.dim_years").fetchone()[0]
    assert prod["medres_rsr_grades"] == 3 and prod["medres_population_basis"] == "yearend"
    assert ci["medres_rsr_grades"] == 10 and ci["medres_population_basis"] == "census"
    assert prod_years > 1


def test_census_basis_is_one_year(ci_build: ProjectCopy) -> None:
    with published(ci_build, "published-ci") as connection:
        settings = settings_of(connection)
        assert settings["medres_population_basis"] == "census"
        assert connection.execute("select year, population_basis from dim_years").fetchall() == [
            (2020, "census")]
        per_capita = connection.execute(
            "select region_code, beds_per_1000, population_10k from fct_province_per_capita "
            "where year = 2020 order by region_code").df().set_index("region_code")
        # settings holds CI_VARS's custom method too: these two checks are its agreement with the
        # package (test_custom_indicators_entropy_distinct_ten_grades checks the rest).
        check_rsr_year(connection, 2020, settings)
        check_clusters(ci_build, connection, 2020, settings, schema="ci_intermediate")
    seeds = ci_build.root / "seeds"
    census = pd.read_csv(seeds / "census" / "census_population.csv", dtype={"region_code": str})
    beds = pd.read_csv(seeds / "nbs" / "nbs_beds.csv", dtype={"region_code": str})
    census = census.query("year == 2020").set_index("region_code")["census_population"]
    beds = beds.query("year == 2020").set_index("region_code")["beds_10k"]
    expected = (beds * 1000 / (census / 10000)).sort_index()
    assert (per_capita["beds_per_1000"] - expected).abs().max() < 1e-9


# --- in the ci build: 3 indicators, one negative, entropy, distinct fit, 10 grades, complete linkage

def test_custom_indicators_entropy_distinct_ten_grades(ci_build: ProjectCopy) -> None:
    with published(ci_build, "published-ci") as connection:
        settings = settings_of(connection)
        for name, value in CI_VARS.items():
            assert settings[name] == value, name
        assert connection.execute(
            "select distinct indicator from fct_province_indicator_ranks order by 1").fetchall() == [
            ("beds",), ("institutions_neg",), ("workforce",)]
        evaluations = dict(connection.execute(
            "select year, weighting from fct_rsr_evaluations").fetchall())
        assert evaluations == {2020: "entropy"}
        grades = connection.execute(
            "select count(*) from fct_rsr_grade_thresholds where year = 2020").fetchone()[0]
        assert grades == 10
        # A negative indicator ranks descending: the most institutions per 10,000 ranks 1.
        top = connection.execute(
            "select indicator_rank from fct_province_indicator_ranks where year = 2020 and "
            "indicator = 'institutions_neg' order by indicator_value desc limit 1").fetchone()[0]
        assert top == 1
