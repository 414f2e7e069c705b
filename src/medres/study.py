"""The study medres reproduces: its citation and data year, its settings and its printed tables.

* :data:`COMPARISON_SETTINGS` names, for each comparison with a printed table, the settings (dbt
  vars) the printed values depend on. The study's values of those settings are the defaults of
  ``dbt_project.yml`` (its ``vars:``; "defaults are the study's choices"), the one place they are
  written: :func:`study_settings` reads them from there.
* :func:`load_study_tables` is the one function that loads the study's printed tables: the
  transcriptions in ``seeds/study/`` (provenance and OCR repairs in ``seeds/SOURCES.md``), which
  dbt publishes as the marts :data:`STUDY_TABLES`; everything else receives its result.
* :func:`differs` is the comparison rule: a value differs from a printed one when it does not
  round to it at the printed precision.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from medres import rsr, settings

STUDY = ("Yao, Yu, Zhang: Whether the Distribution of Medical Resources among Provinces is "
         "Balanced, Int. J. Frontiers in Medicine 5(5), 2023 (data year 2020)")
#: The data year of the study: its printed tables are compared with medres's values of this year.
STUDY_YEAR = 2020
#: The printed tables: key → the published mart holding its transcription.
STUDY_TABLES = {
    "table1": "study_2020_table1_groups",
    "totals": "study_2020_tables2_6_totals",
    "table8": "study_2020_table8_rsr_ranks",
    "table9": "study_2020_table9_regression",
    "table10": "study_2020_table10_thresholds",
    "table11": "study_2020_table11_grades",
}
#: Tables 2–6's columns: column, label, printed decimals.
TOTAL_COLUMNS = [
    ("institutions", "Institutions", 0),
    ("health_personnel_10k", "Health personnel (10k)", 1),
    ("beds_10k", "Beds (10k)", 1),
    ("health_expenditure_per_capita_yuan", "Health expenditure per capita (yuan)", 1),
]
#: The study's Table 8 rank columns R1–R4.
PRINTED_RANK_COLUMNS = [f"r{i}_rank" for i in range(1, 5)]

_CLUSTERING = ("medres_cluster_columns", "medres_cluster_standardize", "medres_cluster_linkage",
               "medres_cluster_metric", "medres_cluster_k")
_RANKS = ("medres_population_basis", "medres_rsr_indicators")
_FIT = (*_RANKS, "medres_rsr_weighting", "medres_rsr_fit_rows")
#: The settings each comparison with a printed table depends on.
COMPARISON_SETTINGS: dict[str, tuple[str, ...]] = {
    "table-1": _CLUSTERING,
    "tables-2-6": _CLUSTERING,
    "table-8": _RANKS,
    "table-9": _FIT,
    "table-10": (*_FIT, "medres_rsr_grades"),
    "table-11": (*_FIT, "medres_rsr_grades", "medres_rsr_grade_on", "medres_rsr_alpha",
                 "medres_rsr_force"),
    "quality-claims": ("medres_fudan_ranking_size",),
}


def study_settings(project_dir: Path) -> dict[str, object]:
    """The study's value of every setting a comparison depends on: the project's default (the
    ``vars:`` of ``project_dir/dbt_project.yml``), in the order of :data:`COMPARISON_SETTINGS`."""
    defaults = settings.resolve(project_dir)
    names = dict.fromkeys(name for names in COMPARISON_SETTINGS.values() for name in names)
    return {name: defaults[name] for name in names}


def load_study_tables(marts: Callable[[str], pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The study's printed tables, keyed as :data:`STUDY_TABLES`, in their printed row order, from
    the published marts (``marts(name)`` returns one, as :class:`medres.figures.Marts` does). The
    one loader: the report and the errata only see its result."""
    return {key: marts(name).sort_values("printed_row").reset_index(drop=True)
            for key, name in STUDY_TABLES.items()}


def printed_rank_rsr(table8: pd.DataFrame) -> pd.Series:
    """RSR of each row of the study's Table 8 recomputed from its printed ranks R1–R4."""
    return rsr.rank_sum_ratio(table8[PRINTED_RANK_COLUMNS])


def differs(printed: object, ours: object, decimals: int) -> bool:
    """True when ``ours`` rounded to the printed precision is not the printed value."""
    if printed is None or ours is None:
        return printed is not ours
    try:
        printed_number, our_number = float(printed), float(ours)
    except (TypeError, ValueError):
        return str(printed) != str(ours)
    if math.isnan(printed_number) or math.isnan(our_number):
        return math.isnan(printed_number) != math.isnan(our_number)
    return abs(round(our_number, decimals) - round(printed_number, decimals)) > 10 ** (-decimals) / 2
