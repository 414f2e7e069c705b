"""The dbt Semantic Layer end to end: real `mf query` runs against a built copy of the project,
their answers checked against the marts and the seed CSV files.

The copy is the session's built project (``shared_built_project``) copied once more, so `mf`
(which opens the warehouse through dbt-duckdb and writes logs/) never touches the shared copy or
the working tree. The ratio metrics must give the regional ratios of ``fct_area_per_capita``, the
one place the ratio of sums (Σ resource / Σ population per area and year; a region's value is not
the mean of its provinces' ratios) is computed, and the provincial values of
``fct_province_per_capita``. Queries are batched, one per grouping, each through MetricFlow's own
CLI command in this process.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import re
import signal
import subprocess
from unittest import mock

import duckdb
import pytest
from conftest import BIN, ProjectCopy, clone_built

PER_CAPITA = ["beds_per_1000", "health_technicians_per_1000", "institutions_per_10k",
              "health_expenditure_per_capita"]
#: The column of fct_area_per_capita and fct_province_per_capita each ratio metric equals.
MART_COLUMNS = ["beds_per_1000", "health_workforce_per_1000", "institutions_per_10k",
                "health_expenditure_per_capita_yuan"]


@pytest.fixture(scope="module")
def project(shared_built_project: ProjectCopy, tmp_path_factory) -> ProjectCopy:
    return clone_built(shared_built_project, tmp_path_factory.mktemp("mf") / "project")


@pytest.fixture(scope="module", autouse=True)
def validate_configs(project: ProjectCopy) -> subprocess.CompletedProcess:
    """The `mf` script itself, `mf validate-configs`, run first: the queries below open the copy's
    warehouse in this process, and DuckDB would then refuse it to another one."""
    return subprocess.run([str(BIN / "mf"), "validate-configs"], check=False, cwd=project.root,
                          env=project.env(), capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def warehouse(shared_built_project: ProjectCopy) -> str:
    """The marts to compare with, read from the session's build: `mf` holds its copy's warehouse
    open in this process, and DuckDB refuses a second connection of another kind to one file."""
    return str(shared_built_project.warehouse)


def mf(project: ProjectCopy, *arguments: str) -> str:
    """`mf <arguments>` in the copy, run in this process: MetricFlow's own click command, as the
    `mf` script calls it, without starting an interpreter that imports dbt and MetricFlow for each
    query (2-3 s each; about 0.1 s in process). Returns the output; fails on a non-zero exit."""
    from click.testing import CliRunner
    from dbt_metricflow.cli.main import cli

    # The command configures the root logger (logging.basicConfig(force=True), a file in the
    # copy's logs/) and its own SIGINT/SIGTERM handlers: both are put back for the later tests of
    # this worker.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    signals = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        with contextlib.chdir(project.root), mock.patch.dict(os.environ, project.env(), clear=True):
            result = CliRunner().invoke(cli, list(arguments), catch_exceptions=False)
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
        for number, handler in signals.items():
            signal.signal(number, handler)
    assert result.exit_code == 0, result.output[-4000:]
    return result.output


def mf_query(project: ProjectCopy, metrics: list[str], group_by: list[str],
             where: str | None = None) -> list[dict[str, str]]:
    """Run `mf query` in the copy and return the rows of its --csv output."""
    out = project.root / "target" / f"mf_{len(list(project.root.glob('target/mf_*.csv')))}.csv"
    arguments = ["query", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by),
                 "--csv", str(out), "--quiet"]
    if where:
        arguments += ["--where", where]
    mf(project, *arguments)
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def number(text: str) -> float | None:
    return float(text) if text != "" else None


def by_year_and(rows: list[dict[str, str]], column: str) -> dict[tuple[int, str], dict]:
    """Rows keyed by (year of metric_time__year, value of column)."""
    return {(int(row["metric_time__year"][:4]), row[column]): row for row in rows}


def mart_rows(warehouse: str, sql: str) -> list[tuple]:
    """Rows of ``sql`` on the build's warehouse, opened read-only."""
    with duckdb.connect(warehouse, read_only=True) as connection:
        return connection.execute(sql).fetchall()


@pytest.mark.parametrize("division", ["region_3", "region_4"])
def test_per_capita_metrics_are_the_area_marts_regional_ratios(project, warehouse, division):
    rows = mf_query(project, PER_CAPITA, ["metric_time__year", f"province__{division}"])
    actual = by_year_and(rows, f"province__{division}")
    expected = {(year, area): values for year, area, *values in mart_rows(
        warehouse, f"select year, area, {', '.join(MART_COLUMNS)} from marts.fct_area_per_capita "
                 f"where division = '{division}'")}
    assert set(actual) == set(expected)
    assert {year for year, _ in expected} == set(range(2016, 2025))
    for key, values in expected.items():
        for metric, want in zip(PER_CAPITA, values):
            got = number(actual[key][metric])
            if want is None:
                assert got is None, (key, metric, got)
            else:
                assert got == pytest.approx(want, rel=1e-9), (key, metric)
    # Expenditure exists for 2020 only, in every region.
    assert {year for (year, _), row in actual.items() if row["health_expenditure_per_capita"]} == {2020}


def test_regional_ratios_are_not_means_of_provincial_ratios(warehouse):
    """The point of ratio metrics and of fct_area_per_capita: 2020 East (region_3) beds per 1,000
    is Σ beds / Σ population = 5.746, while its 11 provinces' ratios average 5.808."""
    ((ratio, mean),) = mart_rows(warehouse, """
        select area.beds_per_1000, avg(province.beds_per_1000)
        from marts.fct_area_per_capita as area
        join marts.dim_province_names as names on names.region_3 = area.area
        join marts.fct_province_per_capita as province
            on province.region_code = names.region_code and province.year = area.year
        where area.year = 2020 and area.division = 'region_3' and area.area = 'East'
        group by all""")
    assert ratio == pytest.approx(5.7461, abs=1e-4)
    assert mean == pytest.approx(5.8075, abs=1e-4)


def test_province_values_equal_the_per_capita_mart(project, warehouse):
    rows = mf_query(project, PER_CAPITA, ["metric_time__year", "province"])
    actual = by_year_and(rows, "province")
    mart = mart_rows(warehouse, "select year, region_code, beds_per_1000, "
                                "health_workforce_per_1000, institutions_per_10k, "
                                "health_expenditure_per_capita_yuan "
                                "from marts.fct_province_per_capita")
    assert len(actual) == len(mart) == 9 * 31
    for year, region_code, *values in mart:
        row = actual[(year, region_code)]
        for metric, want in zip(PER_CAPITA, values):
            got = number(row[metric])
            assert (got is None) if want is None else got == pytest.approx(want, rel=1e-9), (
                year, region_code, metric)


def test_national_ratio_and_a_year_filter(project, warehouse):
    """No grouping but the year: one national ratio; a --where on metric_time keeps one year."""
    rows = mf_query(project, ["beds_per_1000", "beds", "population_thousands"],
                    ["metric_time__year"],
                    where="{{ TimeDimension('metric_time', 'year') }} = '2020-01-01'")
    assert len(rows) == 1 and rows[0]["metric_time__year"].startswith("2020")
    seeds = project.root / "seeds"
    with duckdb.connect() as connection:
        beds, population_thousands = connection.execute(f"""
            select sum(cast(b.beds_10k as double)) * 10000,
                   sum(cast(p.yearend_population_10k as double)) * 10
            from read_csv('{seeds}/nbs/nbs_beds.csv', all_varchar = true) as b
            join read_csv('{seeds}/nbs/nbs_population.csv', all_varchar = true) as p
                using (year, region_code)
            where b.year = '2020'""").fetchone()
    assert number(rows[0]["beds"]) == pytest.approx(beds, rel=1e-9)
    assert number(rows[0]["population_thousands"]) == pytest.approx(population_thousands, rel=1e-9)
    ((national,),) = mart_rows(warehouse, "select beds_per_1000 from marts.fct_area_per_capita "
                                        "where year = 2020 and division = 'national'")
    assert number(rows[0]["beds_per_1000"]) == pytest.approx(national, rel=1e-9)
    assert national == pytest.approx(6.4541, abs=1e-4)


def test_quality_metrics_per_edition(project, warehouse):
    rows = mf_query(project, ["provinces_with_top100_hospital", "top100_hospitals",
                              "quality_score", "quality_score_default_edition"],
                    ["metric_time__year"])
    editions = {int(row["metric_time__year"][:4]): row for row in rows}
    # A study finding: in the 2020 edition, 19 provinces have at least one top-100 hospital.
    assert int(editions[2020]["provinces_with_top100_hospital"]) == 19
    assert all(int(row["top100_hospitals"]) == 100 for row in editions.values())
    seeds = project.root / "seeds"
    # Independently of the marts: the 2020 edition's scores straight from the seed.
    ((score_2020,),) = mart_rows(warehouse, f"""
        select sum(cast(reputation_score as double) + cast(research_score as double))
        from read_csv('{seeds}/fudan/fudan_hospital_rankings.csv', all_varchar = true)
        where edition = '2020'""")
    ((default_edition,),) = mart_rows(warehouse, "select distinct edition "
                                                 "from marts.fct_province_quality_scores "
                                                 "where is_default_edition")
    assert number(editions[2020]["quality_score"]) == pytest.approx(score_2020, rel=1e-9)
    assert [year for year, row in editions.items() if row["quality_score_default_edition"]] == [
        default_edition]


def test_inequality_metrics_equal_the_marts(project, warehouse):
    rows = mf_query(project, ["gini_population", "gini_land_area", "theil_t_total",
                              "theil_l_total"], ["metric_time__year", "resource"])
    actual = by_year_and(rows, "resource")
    gini = mart_rows(warehouse, "select year, resource, weight_basis, gini "
                                "from marts.fct_inequality_gini")
    theil = mart_rows(warehouse, "select year, resource, theil_form, grouping, theil_value "
                                 "from marts.fct_inequality_theil where component = 'total'")
    assert gini and theil
    for year, resource, basis, value in gini:
        assert number(actual[(year, resource)][f"gini_{basis}"]) == pytest.approx(value, rel=1e-12)
    for year, resource, form, _grouping, value in theil:
        assert number(actual[(year, resource)][f"{form}_total"]) == pytest.approx(value, rel=1e-12)


def test_semantic_manifest_is_valid(validate_configs):
    """`mf validate-configs`: the semantic manifest and every semantic model against the warehouse."""
    output = validate_configs.stdout + validate_configs.stderr
    assert validate_configs.returncode == 0, output
    counts = re.findall(r"\b(ERRORS|FUTURE_ERRORS|WARNINGS): (\d+)", output)
    assert counts and all(count == "0" for _, count in counts), output
