"""great-expectations gate: what the published outputs promise their readers.

Three layers validate the project, each rule in one of them:

* the seed checker (``medres.seedcheck``, rules in ``seeds/_seeds.yml``) says what only a CSV reader
  can say: file, row and cell, formats, references, ranges of single cells, relations between series;
* the dbt data tests (``tests/``, ``models/**/_*.yml``) check the warehouse: contracts (columns and
  types), joins, national totals, SQL against Python, grades against thresholds;
* this gate checks what the user-facing published file (``published/medres.duckdb``) promises: one
  row per province and year (as many per year as ``ref_provinces`` lists, keys unique, names unique per year),
  codes and names of ``ref_provinces``, per-capita values inside ``medres_plausibility_bands``,
  values that follow from the settings the build recorded (grades 1..``medres_rsr_grades`` with
  their labels, clusters 1..k, the chosen k, the graded fit variant, the grading decision against
  ``medres_rsr_alpha``) and cross-column rules (total = reputation + research, member counts).
  The seeds get small suites of the same panel promises, so a bad input is named before a build.

Settings are never copied here. The mart suites read them from the published ``dim_build_settings``
(every ``medres_*`` var the build used, ``--vars`` overrides included); the seed suites, which run
before or without a build, read the vars of ``dbt_project.yml`` with the same ``--vars`` override
dbt takes. Both go through :func:`load_vars`. Column lists are not re-listed either: the one schema
expectation of a mart is its column list read from its dbt contract (``models/marts/*.yml``) at
run time.

Rules GX has no built-in pandas expectation for (a count per group, a rule between columns) are
derived ``check__*`` columns validated by built-in expectations, so a failure still names the
suite, the expectation, the column and the offending values.

Adding a suite for a new mart is a decorated function returning its parts::

    @mart_suite("fct_new_mart")
    def _(s: Settings) -> Parts:
        return [unique("year", "region_code"), region_checks(s), rows_per_group("year", s.units)]

A mart of the published file without a suite is an error (exit 2); a suite whose mart is not
published is skipped with a note.

Usage: ``python -m medres.expectations [--seeds DIR] [--published DIR] [--docs DIR]
[--project dbt_project.yml] [--vars YAML]``. Exit status 0 when every expectation passes, 1 when one
fails, 2 when a seed or mart has no suite or the settings cannot be read.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# GX sends usage statistics unless told not to; set before great_expectations is imported.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import duckdb
import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
import yaml
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from scipy.stats import norm

from medres import inequality, settings
from medres.figures import REGIONS_3
from medres.panel import WEIGHT_BASES
from medres.rsr import grade_labels
from medres.seedcheck import load_seeds

PROJECT_FILE = Path("dbt_project.yml")
PUBLISHED_DATABASE = "medres.duckdb"
SETTINGS_MART = "dim_build_settings"
DERIVED_PREFIX = "check__"

# How each declared seed type is read into pandas (nullable integers: a CSV cell may be empty).
SEED_READ_DTYPES = {"integer": "Int64", "bigint": "Int64", "double": "float64", "varchar": "str"}
# Computed values that must be equal, up to floating-point rounding.
FLOAT_TOLERANCE = 1e-9

Derive = Callable[[pd.DataFrame], pd.DataFrame]
Check = tuple[Derive, gxe.Expectation]
Part = gxe.Expectation | list[Any] | Check  # lists may nest expectations and checks
Parts = list[Part]


class SettingsError(ValueError):
    """The settings the suites depend on are missing or malformed."""


# --- Settings: one loader ---------------------------------------------------------------------


def load_vars(*, project_file: Path | None = None, overrides: str | None = None,
              build_settings: pd.DataFrame | None = None) -> dict[str, Any]:
    """The ``medres_*`` vars: recorded by a build, or declared in the project with overrides.

    ``build_settings`` is the published ``dim_build_settings`` (setting, value_json): the values a
    build actually used, ``--vars`` included. Without it the vars of ``project_file`` are read and
    ``overrides`` (a ``--vars`` YAML mapping) replaces whole vars, as dbt does.
    """
    if build_settings is not None:
        try:
            return {row.setting: json.loads(row.value_json) for row in build_settings.itertuples()}
        except (AttributeError, json.JSONDecodeError) as error:
            raise SettingsError(f"{SETTINGS_MART} cannot be read as (setting, value_json): {error}"
                                ) from error
    if project_file is None:
        raise SettingsError("load_vars needs build_settings or project_file")
    try:
        return settings.resolve(project_file.parent, overrides)
    except settings.SettingsError as error:
        raise SettingsError(str(error)) from error


@dataclass(frozen=True)
class Settings:
    """The vars the suites depend on, and the reference sets of the seeds."""

    vars: Mapping[str, Any]
    region_codes: list[str]
    region_names: list[tuple[str, str]]
    hospitals: list[str]

    def var(self, name: str) -> Any:
        if name not in self.vars:
            raise SettingsError(f"setting {name} is missing (a build older than the gate? rebuild)")
        return self.vars[name]

    @property
    def units(self) -> int:
        """Units per year: the provinces of the reference list (no setting repeats the count)."""
        return len(self.region_codes)

    @property
    def grades(self) -> int:
        return int(self.var("medres_rsr_grades"))

    @property
    def k_range(self) -> range:
        return range(int(self.var("medres_cluster_k_min")), int(self.var("medres_cluster_k_max")) + 1)

    @property
    def k(self) -> int:
        return int(self.var("medres_cluster_k"))

    @property
    def ranking_size(self) -> int:
        return int(self.var("medres_fudan_ranking_size"))

    @property
    def indicators(self) -> list[dict[str, Any]]:
        return list(self.var("medres_rsr_indicators"))

    def band(self, name: str) -> tuple[float, float]:
        """(min, max) of a plausibility band of var ``medres_plausibility_bands``."""
        bands = self.var("medres_plausibility_bands")
        try:
            return float(bands[name]["min"]), float(bands[name]["max"])
        except (KeyError, TypeError, ValueError) as error:
            raise SettingsError(f"medres_plausibility_bands.{name} must be {{min: .., max: ..}}, "
                                f"got {bands.get(name) if isinstance(bands, dict) else bands!r}"
                                ) from error

    @property
    def band_names(self) -> list[str]:
        return list(self.var("medres_plausibility_bands"))


def load_settings(seeds: Path, variables: Mapping[str, Any]) -> Settings:
    """Settings from ``variables`` (:func:`load_vars`) and the reference sets of the seeds."""
    provinces = pd.read_csv(seeds / "reference" / "ref_provinces.csv", dtype=str)
    hospitals = pd.read_csv(seeds / "fudan" / "fudan_hospital_aliases.csv", dtype=str)
    return Settings(
        vars=dict(variables),
        region_codes=sorted(provinces["region_code"].str.strip().unique()),
        region_names=sorted(
            set(zip(provinces["region_code"].str.strip(), provinces["province_zh"].str.strip()))
        ),
        hospitals=sorted(hospitals["hospital_zh"].str.strip().unique()),
    )


def contract_columns(models: Path) -> dict[str, list[str]]:
    """Ordered column names of every model with an enforced contract in the YAML under ``models``."""
    contracts: dict[str, list[str]] = {}
    for path in sorted(models.rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            if ((model.get("config") or {}).get("contract") or {}).get("enforced"):
                contracts[model["name"]] = [column["name"] for column in model.get("columns") or []]
    return contracts


# --- Reading the inputs -----------------------------------------------------------------------


def seed_types(seeds: Path) -> dict[str, dict[str, str]]:
    """Column types per seed as declared in the seeds' YAML (parsed by the seed checker)."""
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


def pairs_in_set(column_a: str, column_b: str, pairs: Iterable[tuple[Any, Any]]) -> gxe.Expectation:
    """Each (column_a, column_b) pair is one of ``pairs`` (rows with both values null are skipped)."""
    return gxe.ExpectColumnPairValuesToBeInSet(
        column_A=column_a, column_B=column_b, value_pairs_set=[tuple(p) for p in pairs]
    )


def check_name(rule: str) -> str:
    return DERIVED_PREFIX + rule


def derived(rule: str, compute: Callable[[pd.DataFrame], Any],
            expectation: Callable[[str], gxe.Expectation]) -> Check:
    """A derived column ``check__<rule>`` = ``compute(frame)``, validated by ``expectation(column)``."""
    column = check_name(rule)
    return (lambda frame: frame.assign(**{column: compute(frame)})), expectation(column)


def rows_per_group(group: str | list[str], expected: int, rule: str | None = None) -> Check:
    """Each value of ``group`` (a column or a list of them) has exactly ``expected`` rows."""
    columns = [group] if isinstance(group, str) else list(group)
    return derived(rule or "rows_per_" + "_".join(columns),
                   lambda frame: frame.groupby(columns)[columns[0]].transform("size"),
                   lambda column: between(column, expected, expected))


def sum_per_group(group: str, summed: str, expected: float, rule: str,
                  tolerance: float = 0.0) -> Check:
    """The sum of ``summed`` within each value of ``group`` equals ``expected`` (± tolerance)."""
    return derived(rule, lambda frame: frame.groupby(group)[summed].transform("sum"),
                   lambda column: between(column, expected - tolerance, expected + tolerance))


def difference(rule: str, left: str, right: list[str], tolerance: float) -> Check:
    """``left`` equals the sum of ``right`` within ``tolerance`` (rows with a null are skipped)."""
    return derived(rule, lambda frame: frame[left] - frame[right].sum(axis=1, min_count=len(right)),
                   lambda column: between(column, -tolerance, tolerance))


def band(settings: Settings, column: str, name: str | None = None) -> gxe.Expectation:
    """``column`` within the plausibility band ``name`` (default: the column's own name)."""
    return between(column, *settings.band(name or column))


def band_where(settings: Settings, column: str, selector: str, name: str) -> Check:
    """Rows whose ``selector`` is ``name``: ``column`` within band ``name``.

    The derived column ``check__<name>`` holds the value on those rows (null elsewhere), so a
    failure names the band and the value.
    """
    return derived(name, lambda frame: frame[column].where(frame[selector] == name),
                   lambda derived_column: between(derived_column, *settings.band(name)))


def region_code_format(column: str) -> gxe.Expectation:
    """Six digits, the first not zero: the shape of a GB/T 2260 administrative division code."""
    return gxe.ExpectColumnValuesToMatchRegex(column=column, regex=r"^[1-9]\d{5}$")


def region_checks(settings: Settings, column: str = "region_code") -> list[gxe.Expectation]:
    """The code is one of ``ref_provinces``."""
    return [in_set(column, settings.region_codes)]


def names_match_codes(settings: Settings, name: str = "province_zh") -> gxe.Expectation:
    """Each (region_code, Chinese name) pair is one of the reference's."""
    return pairs_in_set("region_code", name, settings.region_names)


def province_panel(settings: Settings, *, names: Iterable[str] = ("province_zh",),
                   group: str = "year") -> Parts:
    """One row per province and ``group``: key and names unique per group, codes and names of
    ``ref_provinces``, as many rows per group as it lists."""
    return [
        unique(group, "region_code"),
        *[unique(group, name) for name in names],
        region_checks(settings),
        names_match_codes(settings),
        rows_per_group(group, settings.units),
    ]


def grade_pairs(settings: Settings) -> list[tuple[int, str]]:
    """(grade, label) pairs of ``medres_rsr_grades`` grades."""
    return list(enumerate(grade_labels(settings.grades), start=1))


def probit_bounds(units: int) -> tuple[float, float]:
    """Smallest and largest probit 5 + Φ⁻¹(p) for n units: p ≥ 1/n, p ≤ 1 − 1/(4n)."""
    return 5 + float(norm.ppf(1 / units)) - 1e-9, 5 + float(norm.ppf(1 - 1 / (4 * units))) + 1e-9


def listed_outside(column: str, allowed: Callable[[pd.DataFrame], Iterable[str]]
                   ) -> Callable[[pd.DataFrame], pd.Series]:
    """Per row, the comma-separated names of ``column`` that are not ``allowed`` ('' if none)."""
    def compute(frame: pd.DataFrame) -> pd.Series:
        permitted = set(allowed(frame))
        return frame[column].fillna("").map(
            lambda text: ",".join(n.strip() for n in str(text).split(",")
                                  if n.strip() and n.strip() not in permitted))
    return compute


# --- The suites -------------------------------------------------------------------------------


@dataclass
class Suite:
    """Expectations for one seed or mart, and the derived check columns they need."""

    name: str
    expectations: list[gxe.Expectation]
    derive: list[Derive] = field(default_factory=list)


def suite(name: str, *parts: Part, columns: list[str] | None = None) -> Suite:
    """Assemble a suite from expectations, lists of them and derived checks.

    ``columns`` (a mart's contract) adds the schema guard: the frame's columns are the contract's,
    in order, followed by the derived check columns.
    """
    expectations: list[gxe.Expectation] = []
    derive: list[Derive] = []
    checks: list[str] = []

    def add(part: Part) -> None:
        if isinstance(part, tuple):
            derive.append(part[0])
            expectations.append(part[1])
            checks.append(part[1].column)
        elif isinstance(part, list):
            for item in part:
                add(item)
        else:
            expectations.append(part)

    for part in parts:
        add(part)
    if columns is not None:
        expectations.insert(0, gxe.ExpectTableColumnsToMatchOrderedList(column_list=[*columns, *checks]))
    return Suite(name, expectations, derive)


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


SuiteParts = Callable[[Settings], Parts]
SEED_SUITES: dict[str, SuiteParts] = {}
MART_SUITES: dict[str, SuiteParts] = {}


def seed_suite(name: str) -> Callable[[SuiteParts], SuiteParts]:
    """Register the parts of the suite of seed ``name``."""
    def register(parts: SuiteParts) -> SuiteParts:
        SEED_SUITES[name] = parts
        return parts
    return register


def mart_suite(name: str) -> Callable[[SuiteParts], SuiteParts]:
    """Register the parts of the suite of mart ``name`` (the schema guard is added from its contract)."""
    def register(parts: SuiteParts) -> SuiteParts:
        MART_SUITES[name] = parts
        return parts
    return register


# Seeds: the panel promises an input must keep for the marts to keep theirs (cell rules, formats
# and references are the seed checker's).

for _series in ("nbs_population", "nbs_beds", "nbs_health_technicians", "nbs_health_personnel",
                "nbs_institutions", "census_population"):
    seed_suite(_series)(lambda s: province_panel(s))


@seed_suite("yearbook_health_expenditure")
def _(s: Settings) -> Parts:
    return [province_panel(s), band(s, "health_expenditure_per_capita_yuan")]


@seed_suite("ref_provinces")
def _(s: Settings) -> Parts:
    return [
        unique("year", "region_code"), unique("year", "province_zh"), unique("year", "province_en"),
        region_code_format("region_code"), rows_per_group("year", s.units),
    ]


@seed_suite("national_totals")
def _(s: Settings) -> Parts:
    # The cross-check itself is a dbt test (sum_matches_national_total).
    return [unique("year", "series")]


@seed_suite("fudan_hospital_rankings")
def _(s: Settings) -> Parts:
    return [
        unique("edition", "rank"), unique("edition", "hospital_zh"),
        between("rank", 1, s.ranking_size), in_set("hospital_zh", s.hospitals),
    ]


@seed_suite("fudan_hospitals")
def _(s: Settings) -> Parts:
    return [unique("hospital_id"), unique("hospital_zh"), region_checks(s), names_match_codes(s)]


@seed_suite("fudan_hospital_aliases")
def _(s: Settings) -> Parts:
    return [unique("hospital_zh"), not_null("hospital_id")]


@seed_suite("ref_land_area")
def _(s: Settings) -> Parts:
    return [unique("region_code"), region_checks(s), names_match_codes(s),
            between("land_area_10k_ha", 0, None, strict_low=True), rows_per_group("vintage_year", s.units)]


@seed_suite("acknowledged_changes")
def _(s: Settings) -> Parts:
    return [unique("year", "region_code", "column")]


# Marts: what the published file promises its readers.

@mart_suite(SETTINGS_MART)
def _(s: Settings) -> Parts:
    return [
        unique("setting"),
        gxe.ExpectColumnValuesToMatchRegex(column="setting", regex=r"^medres_"),
        # The settings this gate and the report read must be recorded.
        gxe.ExpectColumnDistinctValuesToContainSet(column="setting", value_set=[
            "medres_year", "medres_plausibility_bands",
            "medres_population_basis", "medres_rsr_indicators", "medres_rsr_grades",
            "medres_rsr_fit_rows", "medres_rsr_alpha", "medres_rsr_force", "medres_rsr_weighting",
            "medres_cluster_columns", "medres_cluster_k_min", "medres_cluster_k_max",
            "medres_cluster_k", "medres_fudan_ranking_size",
        ]),
    ]


@mart_suite("dim_provinces")
def _(s: Settings) -> Parts:
    return [
        province_panel(s, names=("province_zh", "province_en")),
        in_set("region_3", ["East", "Central", "West"]),
        in_set("region_4", ["East", "Central", "West", "Northeast"]),
    ]


@mart_suite("dim_years")
def _(s: Settings) -> Parts:
    report_year = int(s.var("medres_year"))
    return [
        unique("year"),
        between("unit_count", s.units, s.units),
        in_set("population_basis", [s.var("medres_population_basis")]),
        in_set("health_workforce_measure", ["health_technicians_per_1000", "health_personnel_per_1000"]),
        # Exactly one report year, and it is medres_year.
        derived("report_years", lambda f: f["is_report_year"].astype(bool).sum(),
                lambda column: between(column, 1, 1)),
        derived("report_year", lambda f: f["year"].where(f["is_report_year"].astype(bool)),
                lambda column: between(column, report_year, report_year)),
    ]


@mart_suite("fct_province_per_capita")
def _(s: Settings) -> Parts:
    measures = ["health_technicians_per_1000", "health_personnel_per_1000"]
    return [
        province_panel(s),
        not_null("population_10k", "beds_per_1000", "institutions_per_10k",
                 "health_workforce_per_1000", "health_workforce_measure"),
        in_set("population_basis", [s.var("medres_population_basis")]),
        in_set("health_workforce_measure", measures),
        between("population_10k", 0, None, strict_low=True),
        # Every per-capita column with a band of medres_plausibility_bands, and R3 by what it counts.
        [band(s, column) for column in ("beds_per_1000", "institutions_per_10k",
                                        "health_expenditure_per_capita_yuan")],
        [band_where(s, "health_workforce_per_1000", "health_workforce_measure", m) for m in measures],
    ]


@mart_suite("fct_province_indicator_ranks")
def _(s: Settings) -> Parts:
    indicators = s.indicators
    return [
        unique("year", "region_code", "indicator"),
        region_checks(s),
        names_match_codes(s),
        # Name, column and direction as medres_rsr_indicators declares them.
        pairs_in_set("indicator", "indicator_column", [(i["name"], i["column"]) for i in indicators]),
        pairs_in_set("indicator", "direction",
                     [(i["name"], i.get("direction", "positive")) for i in indicators]),
        between("indicator_rank", 1, s.units),
        between("weight", 0, 1, strict_low=True),
        rows_per_group(["year", "indicator"], s.units),
        # The weights of a unit's indicators sum to 1.
        derived("weight_sum", lambda f: f.groupby(["year", "region_code"])["weight"].transform("sum"),
                lambda column: between(column, 1 - FLOAT_TOLERANCE, 1 + FLOAT_TOLERANCE)),
    ]


@mart_suite("fct_province_rsr")
def _(s: Settings) -> Parts:
    n = s.units
    return [
        province_panel(s),
        not_null("indicator_set", "rsr", "wrsr", "probit", "position"),
        between("indicator_count", 1, len(s.indicators)),
        derived("indicators_outside_setting",
                listed_outside("indicator_set", lambda _: [i["name"] for i in s.indicators]),
                lambda column: in_set(column, [""])),
        between("rsr", 0, 1, strict_low=True),
        between("wrsr", 0, 1, strict_low=True),
        between("probit", *probit_bounds(n)),
        between("grade", 1, s.grades),
        pairs_in_set("grade", "grade_label", grade_pairs(s)),
        between("position", 1, n),
    ]


@mart_suite("fct_rsr_evaluations")
def _(s: Settings) -> Parts:
    alpha = float(s.var("medres_rsr_alpha"))
    force = bool(s.var("medres_rsr_force"))
    weighting = ["entropy"] if s.var("medres_rsr_weighting") == "entropy" else ["equal", "custom"]
    return [
        unique("year"),
        between("unit_count", s.units, s.units),
        between("indicator_count", 1, len(s.indicators)),
        in_set("weighting", weighting),
        between("alpha", alpha, alpha),
        # Graded exactly when the slope is significant (or grading is forced).
        derived("grading_follows_alpha",
                lambda f: (f["grading_status"] == "graded") == ((f["slope_p"] < alpha) | force),
                lambda column: in_set(column, [True])),
    ]


@mart_suite("fct_rsr_regression")
def _(s: Settings) -> Parts:
    chosen = s.var("medres_rsr_fit_rows")
    return [
        unique("year", "fit_rows"),
        pairs_in_set("fit_rows", "used_for_grading",
                     [(v, v == chosen) for v in ("all", "distinct")]),
        between("slope", 0, None, strict_low=True),  # RSR grows with the probit by construction
        [between(column, 0, 1) for column in ("intercept_p", "slope_p", "f_p_value", "r_squared")],
        between("n_points", 3, s.units),
        rows_per_group("year", 2),
    ]


@mart_suite("fct_rsr_grade_thresholds")
def _(s: Settings) -> Parts:
    return [
        unique("year", "grade"),
        pairs_in_set("grade", "grade_label", grade_pairs(s)),
        between("percentile_lower", 0, 100),
        rows_per_group("year", s.grades),
    ]


@mart_suite("fct_province_clusters")
def _(s: Settings) -> Parts:
    return [
        unique("year", "region_code", "k"),
        region_checks(s),
        names_match_codes(s),
        pairs_in_set("k", "is_chosen_k", [(k, k == s.k) for k in s.k_range]),
        between("cluster", 1, None),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="k", column_B="cluster", or_equal=True),
        rows_per_group(["year", "k"], s.units),
    ]


@mart_suite("fct_cluster_agglomeration")
def _(s: Settings) -> Parts:
    n = s.units
    return [
        unique("year", "stage"),
        between("stage", 1, n - 1),
        # SPSS names a merge by its two lowest case numbers, the kept cluster first.
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="cluster_2", column_B="cluster_1"),
        region_checks(s, "cluster_1_region_code"),
        region_checks(s, "cluster_2_region_code"),
        rows_per_group("year", n - 1),
    ]


@mart_suite("fct_cluster_dendrogram_leaves")
def _(s: Settings) -> Parts:
    return [
        unique("year", "leaf_position"),
        unique("year", "region_code"),
        region_checks(s),
        between("leaf_position", 1, s.units),
        between("case_number", 1, s.units),
        rows_per_group("year", s.units),
    ]


@mart_suite("fct_cluster_diagnostics")
def _(s: Settings) -> Parts:
    return [
        unique("year", "k"),
        in_set("k", s.k_range),
        between("cophenetic_correlation", -1, 1),
        derived("cluster_columns_outside_setting",
                listed_outside("cluster_columns", lambda _: s.var("medres_cluster_columns")),
                lambda column: in_set(column, [""])),
        rows_per_group("year", len(s.k_range)),
    ]


@mart_suite("fct_cluster_profiles")
def _(s: Settings) -> Parts:
    return [
        unique("year", "cluster"),
        in_set("k", [s.k]),
        between("cluster", 1, s.k),
        # Every unit is in exactly one cluster of the chosen solution, listed by name.
        sum_per_group("year", "member_count", s.units, "members_per_year"),
        derived("names_minus_member_count",
                lambda f: f["members_en"].str.split(", ").str.len() - f["member_count"],
                lambda column: between(column, 0, 0)),
        rows_per_group("year", s.k),
    ]


@mart_suite("fct_cluster_profile_means")
def _(s: Settings) -> Parts:
    return [
        unique("year", "cluster", "indicator_column"),
        in_set("k", [s.k]),
        between("cluster", 1, s.k),
        in_set("indicator_column", s.var("medres_cluster_columns")),
        between("mean_value", 0, None, strict_low=True),
        rows_per_group(["year", "indicator_column"], s.k),
    ]


@mart_suite("fct_province_quality_scores")
def _(s: Settings) -> Parts:
    return [
        province_panel(s, group="edition"),
        between("hospital_count", 0, s.ranking_size),
        between("reputation_sum", 0, None),
        between("research_sum", 0, None),
        difference("total_minus_components", "total_score", ["reputation_sum", "research_sum"],
                   FLOAT_TOLERANCE),
        between("quality_rank", 1, s.units),
    ]


# The inequality lens: what its published numbers promise a reader.

INEQUALITY_WEIGHTS = list(WEIGHT_BASES)
THEIL_FORMS = list(inequality.THEIL_FORMS)


def inequality_resources(s: Settings) -> gxe.Expectation:
    return in_set("resource", s.var("medres_inequality_resources"))


@mart_suite("fct_inequality_gini")
def _(s: Settings) -> Parts:
    return [
        unique("year", "resource", "weight_basis"),
        inequality_resources(s),
        in_set("weight_basis", INEQUALITY_WEIGHTS),
        between("gini", 0, 1),
        rows_per_group(["year", "resource"], len(INEQUALITY_WEIGHTS)),
    ]


@mart_suite("fct_lorenz_curves")
def _(s: Settings) -> Parts:
    return [
        unique("year", "resource", "weight_basis", "point"),
        inequality_resources(s),
        in_set("weight_basis", INEQUALITY_WEIGHTS),
        between("cumulative_weight_share", 0, 1 + FLOAT_TOLERANCE),
        between("cumulative_resource_share", 0, 1 + FLOAT_TOLERANCE),
        # A Lorenz curve never rises above the line of equality.
        derived("lorenz_above_equality",
                lambda f: f["cumulative_resource_share"] - f["cumulative_weight_share"],
                lambda column: between(column, None, FLOAT_TOLERANCE)),
        rows_per_group(["year", "resource", "weight_basis"], s.units + 1),
    ]


@mart_suite("fct_inequality_theil")
def _(s: Settings) -> Parts:
    groupings = s.var("medres_inequality_groupings")
    return [
        unique("year", "resource", "theil_form", "grouping", "component"),
        inequality_resources(s),
        in_set("theil_form", THEIL_FORMS),
        in_set("grouping", groupings),
        in_set("component", ["total", "between", "within"]),
        between("theil_value", -FLOAT_TOLERANCE, None),
        # The parts' contributions sum to 100 % per decomposition (the total row holds 100).
        derived("contributions_sum_to_200",
                lambda f: f.groupby(["year", "resource", "theil_form", "grouping"])[
                    "contribution_pct"].transform("sum"),
                lambda column: between(column, 200 - 1e-6, 200 + 1e-6)),
        rows_per_group(["year", "resource"], 3 * len(THEIL_FORMS) * len(groupings)),
    ]


@mart_suite("fct_inequality_theil_groups")
def _(s: Settings) -> Parts:
    return [
        unique("year", "resource", "theil_form", "grouping", "region_group"),
        inequality_resources(s),
        in_set("theil_form", THEIL_FORMS),
        in_set("region_group", ["East", "Central", "West", "Northeast"]),
        between("resource_share", 0, 1),
        between("population_share", 0, 1),
        between("n_units", 1, s.units),
    ]


@mart_suite("fct_province_agglomeration")
def _(s: Settings) -> Parts:
    return [
        unique("year", "region_code", "resource"),
        region_checks(s),
        inequality_resources(s),
        [between(column, 0, 1) for column in ("resource_share", "population_share", "area_share")],
        [between(column, 0, None, strict_low=True) for column in ("pad", "hrad_pad_ratio")],
        between("hrad", 0, None),
        rows_per_group(["year", "resource"], s.units),
    ]


@mart_suite("fct_indicator_dispersion")
def _(s: Settings) -> Parts:
    return [
        unique("year", "indicator"),
        between("n_units", s.units, s.units),
        between("cv", 0, None),
        between("weighted_cv", 0, None),
        between("mean_value", 0, None, strict_low=True),
    ]


@mart_suite("dim_province_names")
def _(s: Settings) -> Parts:
    return [
        unique("region_code"), unique("province_en"), region_checks(s), names_match_codes(s),
        derived("provinces", len, lambda column: between(column, s.units, s.units)),
        in_set("region_3", list(REGIONS_3)),
        in_set("region_4", ["East", "Central", "West", "Northeast"]),
    ]


@mart_suite("fct_area_per_capita")
def _(s: Settings) -> Parts:
    measures = ["health_technicians_per_1000", "health_personnel_per_1000"]
    national = "national"
    return [
        unique("year", "division", "area"),
        in_set("division", [national, "region_3", "region_4"]),
        not_null("population_10k", "beds_per_1000", "institutions_per_10k",
                 "health_workforce_per_1000", "health_workforce_measure"),
        in_set("population_basis", [s.var("medres_population_basis")]),
        in_set("health_workforce_measure", measures),
        # Every division covers every province of the year once.
        derived("provinces_per_division",
                lambda f: f.groupby(["year", "division"])["provinces"].transform("sum"),
                lambda column: between(column, s.units, s.units)),
        # A ratio of sums is a weighted mean of the provinces' ratios: inside their bands.
        [band(s, column) for column in ("beds_per_1000", "institutions_per_10k",
                                        "health_expenditure_per_capita_yuan")],
        [band_where(s, "health_workforce_per_1000", "health_workforce_measure", m) for m in measures],
    ]


# The study's printed tables (seeds/study/, published unchanged by the study_2020_* marts): their
# printed order and keys; their values are what the study printed, compared by the report.

STUDY_TABLE_KEYS = {
    "study_2020_table1_groups": ("province_en",),
    "study_2020_tables2_6_totals": ("province_en",),
    "study_2020_table8_rsr_ranks": ("province",),
    "study_2020_table9_regression": ("statistic",),
    "study_2020_table10_thresholds": ("grade",),
    "study_2020_table11_grades": ("province_en",),
}


def study_table(key: tuple[str, ...]) -> Parts:
    return [unique("printed_row"), unique(*key), not_null("printed_row", *key)]


for _table, _key in STUDY_TABLE_KEYS.items():
    seed_suite(f"{_table}_transcribed")(lambda s, key=_key: study_table(key))
    mart_suite(_table)(lambda s, key=_key: study_table(key))


# --- The prefecture-city panel (issue 16) ---------------------------------------------------

CITY_POPULATION_BASES = ["yearend_total_population", "yearend_registered_population",
                         "resident_population"]
CITY_RESOURCES = ["beds", "doctors"]


def one_value_per_group(group: str | list[str], column: str, rule: str) -> Check:
    """``column`` has one distinct value within each value of ``group``."""
    columns = [group] if isinstance(group, str) else list(group)
    return derived(rule, lambda frame: frame.groupby(columns)[column].transform("nunique"),
                   lambda derived_column: between(derived_column, 1, 1))


@seed_suite("city_health_resources")
def _(s: Settings) -> Parts:
    return [
        unique("year", "city_code"),
        region_checks(s, "province_code"),
        in_set("population_basis", CITY_POPULATION_BASES),
        one_value_per_group("year", "population_basis", "population_bases_per_year"),
        one_value_per_group("year", "bed_series", "bed_series_per_year"),
    ]


@seed_suite("city_name_codes")
def _(s: Settings) -> Parts:
    return [unique("name_printed", "first_edition"),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="last_edition", column_B="first_edition", or_equal=True)]


@seed_suite("city_cell_repairs")
def _(s: Settings) -> Parts:
    return [unique("edition", "cell"), not_null("reason")]


@seed_suite("city_acknowledged_exceptions")
def _(s: Settings) -> Parts:
    return [unique("year", "city_code", "variable"), in_set("action", ["exclude", "keep"]),
            not_null("source_cell", "printed_value", "reason")]


@seed_suite("city_expected_gaps")
def _(s: Settings) -> Parts:
    return [unique("year", "province_code"), region_checks(s, "province_code"), not_null("reason")]


@mart_suite("fct_city_per_capita")
def _(s: Settings) -> Parts:
    return [
        unique("year", "city_code"),
        region_checks(s, "province_code"),
        in_set("region_3", list(REGIONS_3)),
        in_set("population_basis", CITY_POPULATION_BASES),
        # One population basis per year: the per-capita values of a year are comparable.
        one_value_per_group("year", "population_basis", "population_bases_per_year"),
        between("beds_per_1000", 0, None, strict_low=True),
        between("doctors_per_1000", 0, None, strict_low=True),
        # Per capita only where the population is > 0.
        derived("per_capita_without_population",
                lambda f: (f["beds_per_1000"].notna() | f["doctors_per_1000"].notna())
                & ~(f["population_10k"] > 0),
                lambda column: in_set(column, [False])),
    ]


@mart_suite("fct_city_province_coverage")
def _(s: Settings) -> Parts:
    band_ = s.var("medres_city_beds_ratio_band")
    return [
        unique("year", "province_code"),
        region_checks(s, "province_code"),
        rows_per_group("year", s.units),
        between("beds_ratio", float(band_["min"]), float(band_["max"])),
        # A province-year without a city is a listed gap, and a listed gap has no city.
        derived("coverage_matches_gaps", lambda f: f["is_covered"] != f["is_expected_gap"],
                lambda column: in_set(column, [True])),
        # A printed ratio outside the band comes with an acknowledged exclusion.
        derived("printed_outside_band_unexplained",
                lambda f: ((f["beds_ratio_printed"] < float(band_["min"]))
                           | (f["beds_ratio_printed"] > float(band_["max"])))
                & f["exclusions"].isna(),
                lambda column: in_set(column, [False])),
    ]


@mart_suite("fct_city_rsr")
def _(s: Settings) -> Parts:
    return [
        unique("year", "city_code"),
        region_checks(s, "province_code"),
        not_null("rsr", "wrsr", "probit", "position", "beds_per_1000", "doctors_per_1000"),
        in_set("indicator_set", ["beds_per_1000,doctors_per_1000"]),
        between("rsr", 0, 1, strict_low=True),
        between("wrsr", 0, 1, strict_low=True),
        between("grade", 1, s.grades),
        pairs_in_set("grade", "grade_label", grade_pairs(s)),
        # unit_count is the number of rows of the year.
        derived("unit_count_minus_rows",
                lambda f: f["unit_count"] - f.groupby("year")["year"].transform("size"),
                lambda column: between(column, 0, 0)),
    ]


@mart_suite("fct_city_clusters")
def _(s: Settings) -> Parts:
    return [
        unique("year", "city_code"),
        region_checks(s, "province_code"),
        in_set("k", [s.k]),
        between("cluster", 1, s.k),
    ]


@mart_suite("fct_city_cluster_diagnostics")
def _(s: Settings) -> Parts:
    return [
        unique("year", "k"),
        in_set("k", s.k_range),
        between("silhouette", -1, 1),
        between("cophenetic_correlation", -1, 1),
        in_set("cluster_columns", ["beds_per_1000,doctors_per_1000"]),
        rows_per_group("year", len(s.k_range)),
        derived("chosen_k", lambda f: f["k"].where(f["is_chosen_k"].astype(bool)),
                lambda column: between(column, s.k, s.k)),
    ]


@mart_suite("fct_city_inequality_gini")
def _(s: Settings) -> Parts:
    return [unique("year", "resource"), in_set("resource", CITY_RESOURCES),
            in_set("population_basis", CITY_POPULATION_BASES), between("gini", 0, 1)]


@mart_suite("fct_city_inequality_theil")
def _(s: Settings) -> Parts:
    parts = ["total", "between_region", "between_province", "within_province"]
    return [
        unique("year", "resource", "theil_form", "part"),
        in_set("resource", CITY_RESOURCES),
        in_set("theil_form", THEIL_FORMS),
        in_set("part", parts),
        between("theil_value", 0, None),
        rows_per_group(["year", "resource", "theil_form"], len(parts)),
        # The nested decomposition is exact: the three parts sum to the total.
        derived("parts_minus_total",
                lambda f: f.assign(signed=f["theil_value"].where(f["part"] != "total",
                                                                 -f["theil_value"]))
                .groupby(["year", "resource", "theil_form"])["signed"].transform("sum"),
                lambda column: between(column, -FLOAT_TOLERANCE, FLOAT_TOLERANCE)),
    ]


@mart_suite("fct_city_inequality_theil_cities")
def _(s: Settings) -> Parts:
    return [
        unique("year", "resource", "theil_form", "city_code"),
        region_checks(s, "province_code"),
        in_set("resource", CITY_RESOURCES),
        in_set("theil_form", THEIL_FORMS),
        between("within_rank", 1, None),
        # The cities' shares of the within-province part sum to 100 %.
        derived("share_of_within_sum",
                lambda f: f.groupby(["year", "resource", "theil_form"])["share_of_within_pct"]
                .transform("sum"),
                lambda column: between(column, 100 - 1e-6, 100 + 1e-6)),
    ]


def seed_suites(settings: Settings) -> dict[str, Suite]:
    """One suite per seed."""
    return {name: suite(name, *parts(settings)) for name, parts in SEED_SUITES.items()}


def mart_suites(settings: Settings, contracts: Mapping[str, list[str]] | None = None
                ) -> dict[str, Suite]:
    """One suite per mart; the column list of each is its dbt contract's (when given)."""
    contracts = contracts or {}
    return {name: suite(name, *parts(settings), columns=contracts.get(name))
            for name, parts in MART_SUITES.items()}


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


def _plain(value: Any) -> Any:
    """A value as Python prints it plainly: (2, True), not (np.int32(2), np.True_)."""
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(v) for v in value)
    return value.item() if hasattr(value, "item") and hasattr(value, "dtype") else value


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
                      f"{[_plain(v) for v in outcome['partial_unexpected_list'][:10]]}")
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


def _differences(build: Mapping[str, Any], asked: Mapping[str, Any]) -> list[str]:
    """Vars given with --vars whose value differs from the one the published build recorded."""
    return [f"{name} = {json.dumps(value)} (published build: {json.dumps(build.get(name))})"
            for name, value in asked.items() if build.get(name) != value]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=Path("seeds"))
    parser.add_argument("--published", type=Path, default=Path("published"))
    parser.add_argument("--docs", type=Path, default=Path("reports/gx"))
    parser.add_argument("--project", type=Path, default=PROJECT_FILE,
                        help="dbt_project.yml: its vars drive the seed suites, its models/ the "
                             "marts' contracts")
    parser.add_argument("--vars", default=None,
                        help="YAML mapping overriding vars of the seed suites, as dbt's --vars "
                             "(the mart suites use the settings the published build recorded)")
    arguments = parser.parse_args(argv)
    # GX logs every validation at INFO/WARNING through its own loggers; the report below suffices.
    logging.getLogger("great_expectations").setLevel(logging.ERROR)

    try:
        seeds = read_seeds(arguments.seeds, seed_types(arguments.seeds))
        marts = read_marts(arguments.published)
        if SETTINGS_MART not in marts:
            raise SettingsError(f"{arguments.published / PUBLISHED_DATABASE} has no {SETTINGS_MART}: "
                                "the settings of its build are unknown; rebuild and publish")
        build_vars = load_vars(build_settings=marts[SETTINGS_MART])
        seed_vars = load_vars(project_file=arguments.project, overrides=arguments.vars)
        published_suites = mart_suites(load_settings(arguments.seeds, build_vars),
                                       contract_columns(arguments.project.parent / "models"))
        suites = {**seed_suites(load_settings(arguments.seeds, seed_vars)), **published_suites}
    except SettingsError as error:
        print(f"medres.expectations: {error}", file=sys.stderr)
        return 2
    for difference_ in _differences(build_vars, settings.parse_cli_vars(arguments.vars)):
        print(f"medres.expectations: note: --vars {difference_}; the mart suites use the build's")

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
