"""great-expectations gate over the seeds and the published marts.

Every seed CSV (read with pandas, typed by ``column_types`` of ``seeds/_seeds.yml``) and every mart
of the published DuckDB file (read with duckdb into pandas) is validated against its own expectation
suite through great-expectations' pandas path, and GX Data Docs (HTML) are written. GX's SQL path is
not used: its duckdb-engine dialect does not work with duckdb 2.x.

What the suites check, besides the dbt data tests that run inside the build:

* schema: exact ordered column list and the pandas dtype of every column;
* ranges: per-capita indicators within a plausible band (see ``BANDS``), Fudan reputation 0-80 and
  research 0-20, RSR within (0, 1], probits within the bounds the formula allows for n units, grades
  1..``medres_rsr_grades``, cluster numbers 1..k;
* uniqueness of the keys (year + region_code, edition + rank, ...);
* row counts: ``medres_expected_units`` rows per year (read from ``dbt_project.yml``, never
  hard-coded), and the per-year counts the clustering and RSR marts imply;
* cross-column rules, e.g. total_score = reputation + research within 0.0015;
* set membership: region codes of ``ref_provinces`` and the names that go with them.

Rules GX has no built-in pandas expectation for (a tolerance between columns, a count per group)
are expressed as derived ``check__*`` columns added to the frame before validation, each validated by
a built-in expectation, so a failure still names an expectation, a column and the offending values.

A mart of the published file without a suite is an error (a new mart cannot slip through
unvalidated); a suite whose mart is not published is skipped with a note, because marts are added
by other engineers while this gate exists.

Usage: ``python -m medres.expectations [--seeds DIR] [--published DIR] [--docs DIR]``.
Exit status 0 when every expectation passes, 1 when one fails, 2 when a seed or mart has no suite.
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# GX sends usage statistics unless told not to; set before great_expectations is imported.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import duckdb  # noqa: E402
import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402
from great_expectations.data_context.types.base import (  # noqa: E402
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from scipy.stats import norm  # noqa: E402

from medres.rsr import grade_labels  # noqa: E402
from medres.seedcheck import load_seeds  # noqa: E402

PROJECT_FILE = Path("dbt_project.yml")
PUBLISHED_DATABASE = "medres.duckdb"
DERIVED_PREFIX = "check__"

# How each declared type is read into pandas, and the dtype name GX then reports. Seeds are read
# with nullable integers (a CSV cell may be empty); GX names a nullable Int64/Int32 column like the
# numpy one (int64/int32), which is also what duckdb returns for an integer column without nulls.
# (GX's expect_column_values_to_be_in_type_list mis-handles pandas 3 string and nullable dtypes,
# so every column gets expect_column_values_to_be_of_type with one name.)
SEED_READ_DTYPES = {"integer": "Int64", "bigint": "Int64", "double": "float64", "varchar": "str"}
SEED_GX_TYPES = {"integer": "int64", "bigint": "int64", "double": "float64", "varchar": "str"}
MART_GX_TYPES = {
    "INTEGER": "int32",
    "BIGINT": "int64",
    "DOUBLE": "float64",
    "VARCHAR": "str",
    "BOOLEAN": "bool",
}

# Plausible bands for per-capita values, derived from the real 2020 province figures with a wide
# margin (about half the 2020 minimum to 1.5-2 times the 2020 maximum), so a unit error (beds in
# units instead of 10,000, population in persons) or a shifted column fails while a real year does
# not. 2020 ranges: beds 4.48-7.98 per 1,000; institutions 2.37-18.96 per 10,000; health personnel
# 7.97-15.90 per 1,000; expenditure 3,363.5-13,766.8 yuan per person.
BANDS: dict[str, tuple[float, float]] = {
    "beds_per_1000": (2.0, 12.0),
    "institutions_per_10k": (1.0, 30.0),
    "health_workforce_per_1000": (4.0, 25.0),
    "health_expenditure_per_capita_yuan": (1500.0, 25000.0),
}
# Province totals: positive and at most about twice the 2020 maximum (institutions 86,939;
# personnel 102.8 and beds 66.7 (10,000); population 12,624 (10,000); technicians 70.68 (10,000)).
TOTAL_CEILINGS = {
    "institutions": 200_000,
    "health_personnel_10k": 250.0,
    "beds_10k": 150.0,
    "yearend_population_10k": 25_000.0,
    "census_population": 250_000_000,
    "health_technicians_10k": 200.0,
}
# Printed totals are rounded to 3 decimals: total = reputation + research within this tolerance.
SCORE_TOLERANCE = 0.0015
REPUTATION_MAX = 80.0
RESEARCH_MAX = 20.0
# Year-end estimate and census count (two weeks apart) of one province differ by well under 5 %.
POPULATION_RATIO_BAND = (0.95, 1.05)

Derive = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class Settings:
    """Project facts the suites depend on: dbt vars and the province reference."""

    expected_units: int
    study_year: int
    rsr_grades: int
    cluster_k_min: int
    cluster_k_max: int
    cluster_k: int
    fudan_ranking_size: int
    region_codes: list[str]
    region_names: list[tuple[str, str]]
    hospitals: list[str]


@dataclass
class Suite:
    """Expectations for one seed or mart, and the derived check columns they need."""

    name: str
    expectations: list[gxe.Expectation]
    derive: list[Derive] = field(default_factory=list)


@dataclass(frozen=True)
class Failure:
    """One failed expectation, in the terms a reader needs to find the bad data."""

    suite: str
    expectation: str
    column: str | None
    detail: str

    def __str__(self) -> str:
        where = f" column {self.column!r}" if self.column else ""
        return f"FAIL {self.suite}: {self.expectation}{where}: {self.detail}"


# --- Reading the inputs -----------------------------------------------------------------------


def load_settings(seeds: Path, project_file: Path = PROJECT_FILE) -> Settings:
    """Read the dbt vars from ``dbt_project.yml`` and the reference sets from the seeds."""
    variables = yaml.safe_load(project_file.read_text(encoding="utf-8"))["vars"]
    provinces = pd.read_csv(seeds / "reference" / "ref_provinces.csv", dtype=str)
    hospitals = pd.read_csv(seeds / "fudan" / "fudan_hospital_provinces.csv", dtype=str)
    return Settings(
        expected_units=int(variables["medres_expected_units"]),
        study_year=int(variables["medres_year"]),
        rsr_grades=int(variables["medres_rsr_grades"]),
        cluster_k_min=int(variables["medres_cluster_k_min"]),
        cluster_k_max=int(variables["medres_cluster_k_max"]),
        cluster_k=int(variables["medres_cluster_k"]),
        fudan_ranking_size=int(variables["medres_fudan_ranking_size"]),
        region_codes=sorted(provinces["region_code"].str.strip().unique()),
        region_names=sorted(
            set(zip(provinces["region_code"].str.strip(), provinces["province_zh"].str.strip()))
        ),
        hospitals=sorted(hospitals["hospital_zh"].str.strip().unique()),
    )


def seed_types(seeds: Path) -> dict[str, dict[str, str]]:
    """Column types per seed as declared in the seeds' YAML, in declaration order.

    Parsed by the seed checker, so both gates read the declarations the same way.
    """
    declared, _ = load_seeds(seeds)
    return {name: seed.column_types for name, seed in declared.items()}


def read_seeds(seeds: Path, types: dict[str, dict[str, str]]) -> dict[str, pd.DataFrame]:
    """Every seed CSV under ``seeds`` as a frame typed by its ``column_types`` (:func:`seed_types`)."""
    frames: dict[str, pd.DataFrame] = {}
    for path in sorted(seeds.rglob("*.csv")):
        declared = types.get(path.stem, {})
        dtype = {column: SEED_READ_DTYPES[kind] for column, kind in declared.items()}
        try:
            frames[path.stem] = pd.read_csv(path, dtype=dtype, keep_default_na=True)
        except (ValueError, TypeError) as error:
            raise ValueError(f"seed {path}: cannot be read with its declared types: {error}") from error
    return frames


def read_marts(published: Path) -> dict[str, pd.DataFrame]:
    """Every table of the published DuckDB file as a pandas frame."""
    database = published / PUBLISHED_DATABASE
    if not database.exists():
        raise FileNotFoundError(f"{database} does not exist: build and publish the marts first")
    with duckdb.connect(str(database), read_only=True) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() order by table_name"
            ).fetchall()
        ]
        return {table: connection.execute(f'select * from "{table}"').df() for table in tables}


# --- Building blocks of the suites ------------------------------------------------------------


def schema(columns: dict[str, str]) -> list[gxe.Expectation]:
    """Exact ordered column list, and each column's pandas dtype as GX names it."""
    expectations: list[gxe.Expectation] = [
        gxe.ExpectTableColumnsToMatchOrderedList(column_list=list(columns))
    ]
    for column, dtype in columns.items():
        expectations.append(gxe.ExpectColumnValuesToBeOfType(column=column, type_=dtype))
    return expectations


def seed_schema(declared: dict[str, str]) -> list[gxe.Expectation]:
    """Schema expectations of a seed from its ``column_types``."""
    return schema({column: SEED_GX_TYPES[kind] for column, kind in declared.items()})


def mart_schema(columns: dict[str, str]) -> list[gxe.Expectation]:
    """Schema expectations of a mart from its DuckDB column types (the dbt contract)."""
    return schema({column: MART_GX_TYPES[kind] for column, kind in columns.items()})


def not_null(*columns: str) -> list[gxe.Expectation]:
    return [gxe.ExpectColumnValuesToNotBeNull(column=column) for column in columns]


def between(column: str, low: float | None, high: float | None, *, strict_low: bool = False
            ) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeBetween(
        column=column, min_value=low, max_value=high, strict_min=strict_low
    )


def unique(*columns: str) -> gxe.Expectation:
    if len(columns) == 1:
        return gxe.ExpectColumnValuesToBeUnique(column=columns[0])
    return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(columns))


def in_set(column: str, values: Iterable[Any]) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(values))


def check_name(rule: str) -> str:
    return DERIVED_PREFIX + rule


def rows_per_group(group: str, expected: int, rule: str = "rows_per_year"
                   ) -> tuple[Derive, gxe.Expectation]:
    """Each value of ``group`` has exactly ``expected`` rows (a count per group, on every row)."""
    column = check_name(rule)

    def derive(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(**{column: frame.groupby(group)[group].transform("size")})

    return derive, between(column, expected, expected)


def sum_per_group(group: str, summed: str, expected: int, rule: str
                  ) -> tuple[Derive, gxe.Expectation]:
    """The sum of ``summed`` within each value of ``group`` equals ``expected``."""
    column = check_name(rule)

    def derive(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(**{column: frame.groupby(group)[summed].transform("sum")})

    return derive, between(column, expected, expected)


def difference(rule: str, left: str, right: list[str], tolerance: float
               ) -> tuple[Derive, gxe.Expectation]:
    """``left`` equals the sum of ``right`` within ``tolerance`` (nulls are not checked)."""
    column = check_name(rule)

    def derive(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(**{column: frame[left] - frame[right].sum(axis=1, min_count=len(right))})

    return derive, between(column, -tolerance, tolerance)


def ratio(rule: str, numerator: str, denominator: str, scale: float, band: tuple[float, float]
          ) -> tuple[Derive, gxe.Expectation]:
    """``numerator / (denominator * scale)`` within ``band``."""
    column = check_name(rule)

    def derive(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(**{column: frame[numerator] / (frame[denominator] * scale)})

    return derive, between(column, *band)


def suite(name: str, *parts: gxe.Expectation | list[gxe.Expectation] | tuple[Derive, gxe.Expectation]
          ) -> Suite:
    """Assemble a suite from expectations, lists of them and (derive, expectation) checks.

    The ordered-column expectation is extended with the derived check columns, which are appended
    to the frame in the order the checks are given.
    """
    expectations: list[gxe.Expectation] = []
    derive: list[Derive] = []
    checks: list[str] = []
    for part in parts:
        if isinstance(part, tuple):
            derive.append(part[0])
            expectations.append(part[1])
            checks.append(part[1].column)
        elif isinstance(part, list):
            expectations.extend(part)
        else:
            expectations.append(part)
    for expectation in expectations:
        if isinstance(expectation, gxe.ExpectTableColumnsToMatchOrderedList):
            expectation.column_list = [*expectation.column_list, *checks]
    return Suite(name, expectations, derive)


def region_code_format(column: str) -> gxe.Expectation:
    """Six digits, the first not zero: the shape of a GB/T 2260 administrative division code."""
    return gxe.ExpectColumnValuesToMatchRegex(column=column, regex=r"^[1-9]\d{5}$")


def region_checks(settings: Settings, column: str = "region_code") -> list[gxe.Expectation]:
    """The code is one of ``ref_provinces`` and looks like a GB/T 2260 code."""
    return [
        in_set(column, settings.region_codes),
        region_code_format(column),
    ]


def names_match_codes(settings: Settings, name: str = "province_zh") -> gxe.Expectation:
    """Each (region_code, Chinese name) pair is one of the reference's."""
    return gxe.ExpectColumnPairValuesToBeInSet(
        column_A="region_code", column_B=name, value_pairs_set=settings.region_names
    )


def probit_bounds(units: int) -> tuple[float, float]:
    """Smallest and largest probit 5 + Φ⁻¹(p) for n units: p ≥ 1/n, p ≤ 1 − 1/(4n)."""
    return 5 + float(norm.ppf(1 / units)) - 1e-9, 5 + float(norm.ppf(1 - 1 / (4 * units))) + 1e-9


# --- The suites -------------------------------------------------------------------------------


def seed_suites(settings: Settings, types: dict[str, dict[str, str]]) -> dict[str, Suite]:
    """One suite per seed."""
    n = settings.expected_units
    study_year = gxe.ExpectColumnDistinctValuesToContainSet(column="year", value_set=[settings.study_year])
    suites = [
        suite(
            "ref_provinces",
            seed_schema(types["ref_provinces"]),
            not_null(*types["ref_provinces"]),
            unique("year", "region_code"),
            unique("year", "province_zh"),
            unique("year", "province_en"),
            region_code_format("region_code"),
            in_set("region_3", ["East", "Central", "West"]),
            in_set("region_4", ["East", "Central", "West", "Northeast"]),
            study_year,
            rows_per_group("year", n),
        ),
        suite(
            "yearbook_health_resources",
            seed_schema(types["yearbook_health_resources"]),
            not_null(*types["yearbook_health_resources"]),
            unique("year", "region_code"),
            region_checks(settings),
            names_match_codes(settings),
            between("institutions", 1, TOTAL_CEILINGS["institutions"]),
            between("health_personnel_10k", 0, TOTAL_CEILINGS["health_personnel_10k"], strict_low=True),
            between("beds_10k", 0, TOTAL_CEILINGS["beds_10k"], strict_low=True),
            between("health_expenditure_per_capita_yuan", *BANDS["health_expenditure_per_capita_yuan"]),
            study_year,
            rows_per_group("year", n),
        ),
        suite(
            "yearbook_population",
            seed_schema(types["yearbook_population"]),
            not_null(*types["yearbook_population"]),
            unique("year", "region_code"),
            region_checks(settings),
            names_match_codes(settings),
            between("yearend_population_10k", 0, TOTAL_CEILINGS["yearend_population_10k"], strict_low=True),
            between("census_population", 1, TOTAL_CEILINGS["census_population"]),
            study_year,
            rows_per_group("year", n),
            ratio("census_over_yearend", "census_population", "yearend_population_10k", 10_000,
                  POPULATION_RATIO_BAND),
        ),
        suite(
            # Incomplete by design (see SOURCES.md): no row count, only what each row must satisfy.
            "yearbook_health_technicians",
            seed_schema(types["yearbook_health_technicians"]),
            not_null(*types["yearbook_health_technicians"]),
            unique("year", "region_code", "series"),
            region_checks(settings),
            names_match_codes(settings),
            between("health_technicians_10k", 0, TOTAL_CEILINGS["health_technicians_10k"], strict_low=True),
            gxe.ExpectColumnValuesToMatchRegex(column="source_url", regex=r"^https?://"),
        ),
        suite(
            "fudan_hospital_rankings",
            seed_schema(types["fudan_hospital_rankings"]),
            not_null("edition", "rank", "hospital_zh", "source"),
            unique("edition", "rank"),
            unique("edition", "hospital_zh"),
            between("rank", 1, settings.fudan_ranking_size),
            between("reputation_score", 0, REPUTATION_MAX),
            between("research_score", 0, RESEARCH_MAX),
            between("total_score", 0, REPUTATION_MAX + RESEARCH_MAX),
            in_set("hospital_zh", settings.hospitals),
            difference("total_minus_components", "total_score",
                       ["reputation_score", "research_score"], SCORE_TOLERANCE),
        ),
        suite(
            "fudan_hospital_provinces",
            seed_schema(types["fudan_hospital_provinces"]),
            not_null(*types["fudan_hospital_provinces"]),
            unique("hospital_zh"),
            region_checks(settings),
            names_match_codes(settings),
        ),
    ]
    return {s.name: s for s in suites}


def mart_suites(settings: Settings) -> dict[str, Suite]:
    """One suite per mart; the column types are the marts' dbt contracts."""
    n = settings.expected_units
    k_count = settings.cluster_k_max - settings.cluster_k_min + 1
    grades = settings.rsr_grades
    low_probit, high_probit = probit_bounds(n)
    suites = [
        suite(
            "dim_provinces",
            mart_schema({"year": "INTEGER", "region_code": "VARCHAR", "province_zh": "VARCHAR",
                         "province_full_zh": "VARCHAR", "province_en": "VARCHAR",
                         "region_3": "VARCHAR", "region_4": "VARCHAR"}),
            not_null("year", "region_code", "province_zh", "province_en", "region_3", "region_4"),
            unique("year", "region_code"),
            region_checks(settings),
            names_match_codes(settings),
            in_set("region_3", ["East", "Central", "West"]),
            in_set("region_4", ["East", "Central", "West", "Northeast"]),
            rows_per_group("year", n),
        ),
        suite(
            "fct_province_per_capita",
            mart_schema({"year": "INTEGER", "region_code": "VARCHAR", "province_zh": "VARCHAR",
                         "province_en": "VARCHAR", "population_basis": "VARCHAR",
                         "population_10k": "DOUBLE", "beds_per_1000": "DOUBLE",
                         "institutions_per_10k": "DOUBLE", "health_workforce_per_1000": "DOUBLE",
                         "health_workforce_measure": "VARCHAR",
                         "health_technicians_series": "VARCHAR",
                         "health_expenditure_per_capita_yuan": "DOUBLE"}),
            not_null("year", "region_code", "province_zh", "population_10k", *BANDS),
            unique("year", "region_code"),
            region_checks(settings),
            names_match_codes(settings),
            in_set("population_basis", ["yearend", "census"]),
            in_set("health_workforce_measure",
                   ["health_technicians_per_1000", "health_personnel_per_1000"]),
            between("population_10k", 0, TOTAL_CEILINGS["yearend_population_10k"], strict_low=True),
            [between(column, *band) for column, band in BANDS.items()],
            rows_per_group("year", n),
        ),
        suite(
            "fct_province_rsr",
            mart_schema({"year": "INTEGER", "region_code": "VARCHAR", "province_zh": "VARCHAR",
                         "province_en": "VARCHAR",
                         **{f"r{i}_value": "DOUBLE" for i in range(1, 5)},
                         **{f"r{i}_rank": "DOUBLE" for i in range(1, 5)},
                         "rsr": "DOUBLE", "wrsr": "DOUBLE", "frequency": "INTEGER",
                         "cumulative_frequency": "INTEGER", "average_rank": "DOUBLE",
                         "percentile": "DOUBLE", "probit": "DOUBLE", "rsr_fitted": "DOUBLE",
                         "grade": "INTEGER", "grade_label": "VARCHAR", "position": "BIGINT"}),
            not_null("year", "region_code", "rsr", "wrsr", "probit", "rsr_fitted", "grade",
                     "grade_label", "position"),
            unique("year", "region_code"),
            region_checks(settings),
            [between(f"r{i}_rank", 1, n) for i in range(1, 5)],
            between("rsr", 0, 1, strict_low=True),
            between("wrsr", 0, 1, strict_low=True),
            between("percentile", 0, 1, strict_low=True),
            between("probit", low_probit, high_probit),
            between("grade", 1, grades),
            in_set("grade_label", grade_labels(grades)),
            between("frequency", 1, n),
            between("cumulative_frequency", 1, n),
            between("average_rank", 1, n),
            between("position", 1, n),
            rows_per_group("year", n),
        ),
        suite(
            "fct_rsr_regression",
            mart_schema({"year": "INTEGER", "fit_rows": "VARCHAR", "used_for_grading": "BOOLEAN",
                         "intercept": "DOUBLE", "slope": "DOUBLE", "intercept_se": "DOUBLE",
                         "slope_se": "DOUBLE", "intercept_t": "DOUBLE", "slope_t": "DOUBLE",
                         "intercept_p": "DOUBLE", "slope_p": "DOUBLE", "r_squared": "DOUBLE",
                         "adj_r_squared": "DOUBLE", "f_statistic": "DOUBLE",
                         "f_p_value": "DOUBLE", "n_points": "INTEGER"}),
            not_null("year", "fit_rows", "used_for_grading", "intercept", "slope", "slope_p"),
            unique("year", "fit_rows"),
            in_set("fit_rows", ["all", "distinct"]),
            # RSR grows with the probit by construction: a non-positive slope is a broken fit.
            between("slope", 0, None, strict_low=True),
            between("slope_se", 0, None),
            between("r_squared", 0, 1),
            [between(column, 0, 1) for column in ("intercept_p", "slope_p", "f_p_value")],
            between("n_points", 3, n),
            sum_per_group("year", "used_for_grading", 1, "graded_variants_per_year"),
            rows_per_group("year", 2),
        ),
        suite(
            "fct_rsr_grade_thresholds",
            mart_schema({"year": "INTEGER", "grade": "INTEGER", "grade_label": "VARCHAR",
                         "percentile_lower": "DOUBLE", "probit_lower": "DOUBLE",
                         "rsr_lower": "DOUBLE"}),
            not_null("year", "grade", "grade_label", "percentile_lower"),
            unique("year", "grade"),
            between("grade", 1, grades),
            in_set("grade_label", grade_labels(grades)),
            between("percentile_lower", 0, 100),
            between("probit_lower", 0, 10),
            between("rsr_lower", 0, 1),
            rows_per_group("year", grades),
        ),
        suite(
            "fct_province_clusters",
            mart_schema({"year": "INTEGER", "region_code": "VARCHAR", "province_zh": "VARCHAR",
                         "province_en": "VARCHAR", "k": "INTEGER", "cluster": "INTEGER",
                         "is_chosen_k": "BOOLEAN"}),
            not_null("year", "region_code", "k", "cluster", "is_chosen_k"),
            unique("year", "region_code", "k"),
            region_checks(settings),
            between("k", settings.cluster_k_min, settings.cluster_k_max),
            between("cluster", 1, settings.cluster_k_max),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="k", column_B="cluster", or_equal=True),
            rows_per_group("year", n * k_count),
        ),
        suite(
            "fct_cluster_agglomeration",
            mart_schema({"year": "INTEGER", "stage": "INTEGER", "cluster_1": "INTEGER",
                         "cluster_2": "INTEGER", "cluster_1_region_code": "VARCHAR",
                         "cluster_2_region_code": "VARCHAR", "coefficient": "DOUBLE",
                         "cluster_1_first_stage": "INTEGER", "cluster_2_first_stage": "INTEGER",
                         "next_stage": "INTEGER", "rescaled_distance": "DOUBLE"}),
            not_null("year", "stage", "cluster_1", "cluster_2", "coefficient", "rescaled_distance"),
            unique("year", "stage"),
            between("stage", 1, n - 1),
            between("cluster_1", 1, n),
            between("cluster_2", 1, n),
            # SPSS names a merge by its two lowest case numbers, the kept cluster first.
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="cluster_2", column_B="cluster_1"),
            region_checks(settings, "cluster_1_region_code"),
            region_checks(settings, "cluster_2_region_code"),
            between("cluster_1_first_stage", 0, n - 2),
            between("cluster_2_first_stage", 0, n - 2),
            between("next_stage", 0, n - 1),
            between("rescaled_distance", 0, 25),
            rows_per_group("year", n - 1),
        ),
        suite(
            "fct_cluster_dendrogram_leaves",
            mart_schema({"year": "INTEGER", "leaf_position": "INTEGER", "region_code": "VARCHAR",
                         "province_en": "VARCHAR", "case_number": "INTEGER"}),
            not_null("year", "leaf_position", "region_code", "case_number"),
            unique("year", "leaf_position"),
            unique("year", "region_code"),
            unique("year", "case_number"),
            region_checks(settings),
            between("leaf_position", 1, n),
            between("case_number", 1, n),
            rows_per_group("year", n),
        ),
        suite(
            "fct_cluster_diagnostics",
            mart_schema({"year": "INTEGER", "k": "INTEGER", "coefficient_at_cut": "DOUBLE",
                         "coefficient_jump": "DOUBLE", "silhouette": "DOUBLE",
                         "cophenetic_correlation": "DOUBLE"}),
            not_null("year", "k", "coefficient_at_cut", "silhouette", "cophenetic_correlation"),
            unique("year", "k"),
            between("k", settings.cluster_k_min, settings.cluster_k_max),
            between("silhouette", -1, 1),
            between("cophenetic_correlation", -1, 1),
            rows_per_group("year", k_count),
        ),
        suite(
            "fct_cluster_profiles",
            mart_schema({"year": "INTEGER", "k": "INTEGER", "cluster": "INTEGER",
                         "member_count": "INTEGER", "members_en": "VARCHAR",
                         "members_zh": "VARCHAR", "mean_institutions": "DOUBLE",
                         "mean_health_personnel_10k": "DOUBLE", "mean_beds_10k": "DOUBLE",
                         "mean_health_expenditure_per_capita_yuan": "DOUBLE"}),
            not_null("year", "k", "cluster", "member_count", "members_en", "members_zh"),
            unique("year", "cluster"),
            in_set("k", [settings.cluster_k]),
            between("cluster", 1, settings.cluster_k),
            between("member_count", 1, n),
            [between(column, 0, None, strict_low=True)
             for column in ("mean_institutions", "mean_health_personnel_10k", "mean_beds_10k",
                            "mean_health_expenditure_per_capita_yuan")],
            # Every unit is in exactly one cluster of the chosen solution.
            sum_per_group("year", "member_count", n, "members_per_year"),
            rows_per_group("year", settings.cluster_k),
        ),
        suite(
            "fct_province_quality_scores",
            mart_schema({"edition": "INTEGER", "region_code": "VARCHAR", "province_zh": "VARCHAR",
                         "province_en": "VARCHAR", "hospital_count": "INTEGER",
                         "reputation_sum": "DOUBLE", "research_sum": "DOUBLE",
                         "total_score": "DOUBLE", "share_of_national_total": "DOUBLE",
                         "quality_rank": "INTEGER", "is_default_edition": "BOOLEAN"}),
            not_null("edition", "region_code", "hospital_count", "reputation_sum", "research_sum",
                     "total_score", "quality_rank", "is_default_edition"),
            unique("edition", "region_code"),
            region_checks(settings),
            names_match_codes(settings),
            between("hospital_count", 0, settings.fudan_ranking_size),
            between("reputation_sum", 0, REPUTATION_MAX * settings.fudan_ranking_size),
            between("research_sum", 0, RESEARCH_MAX * settings.fudan_ranking_size),
            between("share_of_national_total", 0, 1),
            between("quality_rank", 1, n),
            difference("total_minus_components", "total_score", ["reputation_sum", "research_sum"],
                       SCORE_TOLERANCE),
            # Only complete editions are scored: all ranked hospitals are located in a province.
            sum_per_group("edition", "hospital_count", settings.fudan_ranking_size,
                          "hospitals_per_edition"),
            rows_per_group("edition", n, "rows_per_edition"),
        ),
    ]
    return {s.name: s for s in suites}


# --- Running them through GX ------------------------------------------------------------------


def _context(docs: Path | None) -> gx.data_context.AbstractDataContext:
    """An in-memory GX context (nothing written but the Data Docs site, no analytics)."""
    sites: dict[str, Any] = {}
    if docs is not None:
        sites["local_site"] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(docs.resolve())},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites=sites,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def _describe(suite_name: str, result: Any) -> Failure:
    """Turn one failed GX expectation result into a Failure naming column and values."""
    config = result.expectation_config
    kwargs = config.kwargs
    if "column" in kwargs:
        column = kwargs["column"]
    elif "column_A" in kwargs:
        column = f"{kwargs['column_A']}, {kwargs['column_B']}"
    elif config.type == "expect_compound_columns_to_be_unique":
        column = ", ".join(kwargs["column_list"])
    else:
        column = None
    info = result.exception_info or {}
    if info.get("raised_exception"):
        detail = f"raised {info.get('exception_message')}"
    else:
        outcome = result.result or {}
        if "partial_unexpected_list" in outcome:
            detail = (f"{outcome.get('unexpected_count')} unexpected value(s), e.g. "
                      f"{outcome['partial_unexpected_list'][:10]}")
        else:
            detail = f"observed {outcome.get('observed_value')!r}"
        bounds = {key: kwargs[key] for key in ("min_value", "max_value", "value", "type_",
                                               "column_list") if key in kwargs}
        if "value_set" in kwargs and len(kwargs["value_set"]) <= 10:
            bounds["value_set"] = kwargs["value_set"]
        if bounds:
            detail += f" (expected {bounds})"
    return Failure(suite_name, config.type, column, detail)


class Gate:
    """The suites registered in one GX context; validates frames by suite name.

    Creating a GX context and registering suites costs far more than validating a small frame, so
    one Gate serves a whole run (or a whole pytest session).
    """

    def __init__(self, suites: dict[str, Suite], docs: Path | None = None) -> None:
        self.suites = suites
        self.docs = docs
        self.context = _context(docs)
        self._source = self.context.data_sources.add_pandas("medres")
        self._definitions: dict[str, gx.ValidationDefinition] = {}

    def _definition(self, name: str) -> gx.ValidationDefinition:
        if name not in self._definitions:
            asset = self._source.add_dataframe_asset(name)
            batch = asset.add_batch_definition_whole_dataframe(name)
            expectation_suite = self.context.suites.add(
                # Copies: GX binds an expectation to one suite, and suites share building blocks.
                gx.ExpectationSuite(
                    name=name, expectations=[copy.copy(e) for e in self.suites[name].expectations]
                )
            )
            self._definitions[name] = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch, suite=expectation_suite)
            )
        return self._definitions[name]

    def validate(self, name: str, frame: pd.DataFrame) -> list[Failure]:
        """Validate ``frame`` with suite ``name``; return the failed expectations."""
        for derive in self.suites[name].derive:
            frame = derive(frame)
        result = self._definition(name).run(
            batch_parameters={"dataframe": frame}, result_format="SUMMARY"
        )
        return [_describe(name, r) for r in result.results if not r.success]

    def build_docs(self) -> None:
        """Write the Data Docs site of every validation run so far."""
        if self.docs is not None:
            self.context.build_data_docs()


def missing_suites(frames: dict[str, pd.DataFrame], suites: dict[str, Suite]) -> list[str]:
    """Frames (seeds or marts) that no suite covers, sorted."""
    return sorted(set(frames) - set(suites))


def _reset_docs(docs: Path) -> None:
    """Remove a previous GX site so pages of suites or runs that no longer exist do not linger.

    Only a directory that looks like a GX site is removed: a mistyped --docs must not wipe an
    unrelated directory.
    """
    if (docs / "index.html").exists() and (docs / "static").is_dir():
        shutil.rmtree(docs)
    docs.mkdir(parents=True, exist_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=Path("seeds"))
    parser.add_argument("--published", type=Path, default=Path("published"))
    parser.add_argument("--docs", type=Path, default=Path("reports/gx"))
    parser.add_argument("--project", type=Path, default=PROJECT_FILE,
                        help="dbt_project.yml whose vars the suites use")
    arguments = parser.parse_args(argv)
    # GX logs every validation at INFO/WARNING through its own loggers; the report below suffices.
    logging.getLogger("great_expectations").setLevel(logging.ERROR)

    settings = load_settings(arguments.seeds, arguments.project)
    types = seed_types(arguments.seeds)
    seeds = read_seeds(arguments.seeds, types)
    marts = read_marts(arguments.published)
    published_suites = mart_suites(settings)
    suites = {**seed_suites(settings, types), **published_suites}

    unsuited = missing_suites({**seeds, **marts}, suites)
    if unsuited:
        print(f"medres.expectations: no expectation suite for {', '.join(unsuited)}: add one to "
              "src/medres/expectations.py before publishing it", file=sys.stderr)
        return 2
    for name in sorted(set(published_suites) - set(marts)):
        print(f"medres.expectations: note: mart {name} is not in {arguments.published}; its suite is skipped")

    _reset_docs(arguments.docs)
    gate = Gate(suites, arguments.docs)
    failures: list[Failure] = []
    for name, frame in {**seeds, **marts}.items():
        found = gate.validate(name, frame)
        count = len(suites[name].expectations)
        print(f"{'ok  ' if not found else 'FAIL'} {name}: {count - len(found)}/{count} expectations")
        failures.extend(found)
    gate.build_docs()
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"medres.expectations: {len(seeds)} seeds and {len(marts)} marts validated, "
          f"{len(failures)} failed expectation(s); Data Docs in {arguments.docs}/index.html")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
