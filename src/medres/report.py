"""The HTML report: what the published marts show first, then the three lenses, the study's
tables beside medres's values and its errata, and the settings and provenance last.

``python -m medres.report --published published --out reports`` draws the figures
(:mod:`medres.figures`) into ``<out>/figures/`` and writes ``<out>/index.html``. It reads the
published marts only (:data:`MARTS_READ`), the study's printed tables included (the marts of
:data:`medres.study.STUDY_TABLES`, loaded by :func:`medres.study.load_study_tables`). The page
is static and self-contained apart from its own figure files: no script, no CDN, no web font, so
it works offline.

The HTML comes from the Jinja2 templates in ``templates/report/`` (autoescaped): ``page.html.j2``
lays out the page, ``macros.html.j2`` renders the building blocks of this module (:class:`Table`
of :class:`Cell`, :class:`Figure`, :class:`SettingsNote`, :class:`Comparison`) and
``sections/<anchor>.html.j2`` renders one section. Python code here only computes values.

Adding a section:

1. write a function ``def my_section(context: Context) -> dict`` returning what the section
   shows (numbers, :class:`Table`, :class:`Figure`, :class:`Comparison` objects);
2. write its template ``templates/report/sections/<anchor>.html.j2``: it receives that dict as
   ``data`` (``{% import "macros.html.j2" as m %}`` then ``{{ m.table(data.my_table) }}``);
3. add ``Section("<anchor>", "Title", my_section)`` to :data:`SECTIONS` where it belongs.

Every comparison cell whose medres value differs from the printed value (compared at the printed
precision, :func:`medres.study.differs`) gets the CSS class ``diff`` and a visible mark ``≠``;
every such row gets ``has-diff``. A study table is compared only when the settings it depends on
(:data:`medres.study.COMPARISON_SETTINGS`) are the study's (:func:`medres.study.study_settings`);
otherwise a note naming the settings that differ replaces it.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from medres import errata, figures
from medres.figures import Marts, MissingMartError
from medres.publish import write_atomically
from medres.study import (
    COMPARISON_SETTINGS,
    STUDY,
    STUDY_TABLES,
    STUDY_YEAR,
    TOTAL_COLUMNS,
    differs,
    load_study_tables,
    printed_rank_rsr,
    study_settings,
)

TEMPLATES = Path(__file__).resolve().parent / "templates" / "report"
DIFF_MARK = "≠"
#: How a missing lower cut-off (the worst grade's; null in the marts) is shown.
NO_BOUND = "none (−∞)"
#: A setting absent from dim_build_settings (a build older than the mart).
UNRECORDED = object()
#: The marts the report's own sections read (the figures' are figures.FIGURE_MARTS).
REPORT_MARTS = (
    *STUDY_TABLES.values(),
    "dim_build_settings", "dim_province_names", "dim_years", "fct_area_per_capita",
    "fct_province_per_capita", "fct_province_indicator_ranks",
    "fct_rsr_evaluations", "fct_cluster_profile_means", "fct_province_rsr", "fct_rsr_regression",
    "fct_rsr_grade_thresholds", "fct_province_clusters", "fct_cluster_agglomeration",
    "fct_cluster_dendrogram_leaves", "fct_cluster_profiles", "fct_cluster_diagnostics",
    "fct_province_quality_scores", "fct_inequality_gini", "fct_inequality_theil",
    "fct_inequality_theil_groups", "fct_province_agglomeration", "fct_indicator_dispersion",
    "fct_city_inequality_theil", "fct_city_inequality_gini", "fct_city_inequality_theil_cities",
    "fct_city_province_coverage", "fct_inequality_theil_permutation", "fct_inequality_jackknife",
    "fct_rsr_grade_robustness", "fct_rsr_fit_diagnostics", "fct_heat_measures", "fct_spatial_moran",
    "fct_spatial_lisa", "fct_plan_targets", "fct_target_projections",
)
#: Every mart the report reads, its figures' included: the depends_on of the exposure
#: medres_report (models/marts/_exposures.yml; python_tests/test_lineage.py keeps the three equal,
#: and every mart name in this module and medres.figures inside this set).
MARTS_READ = tuple(sorted({*REPORT_MARTS, *(name for names in figures.FIGURE_MARTS.values()
                                             for name in names)}))


def fmt(value: object, decimals: int | None = None) -> str:
    """Number formatting for tables and text (the templates' ``number`` filter); '–' if missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if decimals is None:
            return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.1f}"
        return f"{value:,.{decimals}f}"
    return str(value)


def signed(value: object, decimals: int) -> str:
    """A change with its sign (+0.12, −0.03); '–' if missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{abs(value):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return f"±{text}"
    return f"+{text}" if value > 0 else f"−{text}"


# --- Building blocks (rendered by templates/report/macros.html.j2) ------------------------------


@dataclass
class Cell:
    text: str
    diff: bool = False
    css: str = ""
    title: str = ""

    @property
    def classes(self) -> str:
        return " ".join(c for c in (self.css, "diff" if self.diff else "") if c)


def cell(value: object, decimals: int | None = None, **kwargs) -> Cell:
    return Cell(fmt(value, decimals), **kwargs)


@dataclass
class Table:
    table_id: str
    caption: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""

    @property
    def diff_count(self) -> int:
        return sum(1 for row in self.rows for c in row if c.diff)


@dataclass(frozen=True)
class Figure:
    name: str
    caption: str
    png: str
    svg: str


@dataclass(frozen=True)
class SettingsNote:
    """Why a comparison with the study is not made: ``differences`` names each setting whose
    built value is not the study's."""

    note_id: str
    comparison: str
    what: str
    differences: str


@dataclass(frozen=True)
class Comparison:
    """A comparison with printed tables: the tables, or the note saying why it is not made."""

    note: SettingsNote | None
    tables: list[Table]


def evidence_table(evidence: errata.Evidence) -> Table:
    """An erratum's evidence as a table (its flagged cells marked ≠)."""
    table = Table(evidence.table_id, evidence.caption, list(evidence.columns))
    for row in evidence.rows.to_dict("records"):
        flagged = bool(row[evidence.flag_source]) if evidence.flag_source else False
        table.rows.append([cell(row[column], evidence.decimals.get(column),
                                diff=flagged and column == evidence.flag_column)
                           for column in evidence.columns])
    return table


# --- Context ------------------------------------------------------------------------------------


@dataclass
class Context:
    """What the sections read: the marts, the study's printed tables and settings, the report year
    (the lens figures and tables) and the study's year (every comparison with the printed tables)."""

    marts: Marts
    study_tables: dict[str, pd.DataFrame]
    study_settings: dict[str, object]
    year: int
    figures: dict[str, figures.FigureResult]
    study_year: int = STUDY_YEAR

    @property
    def settings(self) -> dict[str, object]:
        """The settings the marts were built with (dim_build_settings), parsed from JSON."""
        return figures.build_settings(self.marts)

    @property
    def years(self) -> list[int]:
        """The years of the panel (dim_years)."""
        return sorted(int(y) for y in self.marts("dim_years")["year"])

    def differing_settings(self, comparison: str) -> list[tuple[str, object, object]]:
        """(setting, built value, study value) for each setting ``comparison`` depends on whose
        built value is not the study's; a setting the build did not record counts as differing."""
        built = self.settings
        return [(name, built.get(name, UNRECORDED), self.study_settings[name])
                for name in COMPARISON_SETTINGS[comparison]
                if built.get(name, UNRECORDED) != self.study_settings[name]]

    def settings_note(self, comparison: str, what: str,
                      note_id: str | None = None) -> SettingsNote | None:
        """The note replacing a comparison whose settings differ from the study's (None if none
        do); its id is ``note-<comparison>`` unless ``note_id`` is given."""
        differing = self.differing_settings(comparison)
        if not differing:
            return None
        differences = "; ".join(
            f"{name} = {'not recorded' if built is UNRECORDED else figures.format_setting(built)}"
            f" (the study: {figures.format_setting(study)})" for name, built, study in differing)
        return SettingsNote(note_id or f"note-{comparison}", comparison, what, differences)

    def comparison(self, comparison: str, what: str,
                   tables: Callable[[], list[Table]]) -> Comparison:
        """The comparison's tables, or the note naming the settings that differ."""
        note = self.settings_note(comparison, what)
        return Comparison(note, [] if note else tables())

    def figure(self, name: str, caption: str) -> Figure:
        files = self.figures[name].files
        return Figure(name, caption, f"figures/{files['png'].name}", f"figures/{files['svg'].name}")


# --- Comparisons with the study's printed tables -----------------------------------------------


def table1(context: Context) -> Table:
    clusters = figures.chosen_clusters(context.marts("fct_province_clusters"), context.study_year)
    ours = dict(zip(clusters["province_en"], clusters["cluster"].astype(int)))
    study = context.study_tables["table1"]
    table = Table(
        "table-1", "Table 1 — cluster groups: printed group, its medres number, medres cluster",
        ["Province", "Study group (printed)", "= medres cluster", "medres cluster"],
        note="medres numbers clusters 1 = lowest mean standardised level: study group 5 = "
             "medres 3, study 3 = medres 4, study 4 = medres 5; groups 1 and 2 are the same.",
    )
    for row in study.sort_values(["study_group", "province_en"]).itertuples(index=False):
        mine = ours.get(row.province_en)
        table.rows.append([
            Cell(row.province_en), cell(int(row.study_group)), cell(int(row.medres_cluster)),
            cell(mine, diff=mine != int(row.medres_cluster)),
        ])
    return table


def chosen_profiles(context: Context, year: int) -> pd.DataFrame:
    """The year's ``fct_cluster_profiles`` rows with one ``mean_<column>`` per clustered column
    (``fct_cluster_profile_means``)."""
    profiles = figures.for_year(context.marts("fct_cluster_profiles"), year)
    means = figures.for_year(context.marts("fct_cluster_profile_means"), year).pivot(
        index="cluster", columns="indicator_column", values="mean_value")
    return profiles.join(means.add_prefix("mean_"), on="cluster")


def workforce_measure(context: Context) -> str:
    """What R3 counts this year: ``fct_province_per_capita.health_workforce_measure``."""
    per_capita = figures.for_year(context.marts("fct_province_per_capita"), context.year)
    return str(per_capita["health_workforce_measure"].iloc[0])


def tables2_6(context: Context) -> tuple[Table, Table]:
    totals = context.study_tables["totals"]
    group_map = context.study_tables["table1"].groupby("study_group")["medres_cluster"].first().to_dict()
    profiles = chosen_profiles(context, context.study_year).set_index("cluster")
    profile_table = Table(
        "tables-2-6-profiles",
        "Tables 2–6 — group profiles: mean of the printed rows vs medres fct_cluster_profiles",
        ["Study table", "Study group", "medres cluster", "Statistic", "Printed tables", "medres"],
        note="The study prints no means in Tables 2–6; 'Printed tables' is the mean of the "
             "printed (OCR-repaired) rows of the table. Compared at one decimal more than printed.",
    )
    for group, rows in totals.groupby("study_group"):
        cluster = int(group_map[group])
        table_no = int(rows["study_table"].iloc[0])
        mine = profiles.loc[cluster] if cluster in profiles.index else None
        members = None if mine is None else int(mine["member_count"])
        profile_table.rows.append([
            cell(table_no), cell(int(group)), cell(cluster), Cell("members"),
            cell(len(rows)), cell(members, diff=members != len(rows)),
        ])
        for column, label, decimals in TOTAL_COLUMNS:
            printed = float(rows[column].mean())
            ours = None if mine is None else mine.get(f"mean_{column}")
            profile_table.rows.append([
                cell(table_no), cell(int(group)), cell(cluster), Cell(f"mean {label}"),
                cell(printed, decimals + 1),
                cell(ours, decimals + 1, diff=ours is None or differs(printed, ours, decimals + 1)),
            ])
    clusters = figures.chosen_clusters(context.marts("fct_province_clusters"), context.study_year)
    cluster_of = dict(zip(clusters["province_en"], clusters["cluster"].astype(int)))
    rows_table = Table(
        "tables-2-6-rows", "Tables 2–6 — printed rows (OCR repairs marked ✎) and medres cluster",
        ["Study table", "Province", *[label for _, label, _ in TOTAL_COLUMNS],
         "Study group", "medres cluster"],
        note="The study's column header 'Total health expenses (Billion)' is wrong: the values "
             "are per-capita yuan (see Errata). ✎ = value repaired from the OCR text.",
    )
    for row in totals.itertuples(index=False):
        repair = row.ocr_repair if isinstance(row.ocr_repair, str) else ""
        cells = [cell(int(row.study_table)), Cell(row.province_en,
                 css="ocr" if repair.startswith("province") else "", title=repair)]
        for column, _, decimals in TOTAL_COLUMNS:
            repaired = repair.startswith(column)
            cells.append(Cell(fmt(getattr(row, column), decimals) + (" ✎" if repaired else ""),
                              css="ocr" if repaired else "", title=repair if repaired else ""))
        expected = int(group_map[row.study_group])
        mine = cluster_of.get(row.province_en)
        cells += [cell(int(row.study_group)), cell(mine, diff=mine != expected,
                                                   title=f"study group = medres cluster {expected}")]
        rows_table.rows.append(cells)
    return profile_table, rows_table


def table8(context: Context) -> Table:
    study = context.study_tables["table8"]
    units = figures.for_year(context.marts("fct_province_rsr"), context.study_year)
    ranks = figures.for_year(context.marts("fct_province_indicator_ranks"), context.study_year).pivot(
        index="province_en", columns="indicator", values="indicator_rank")
    units = units.set_index("province_en").join(ranks.add_suffix("_rank"))
    table = Table(
        "table-8", "Table 8 — ranks R1–R4 and RSR: printed vs medres",
        ["Province", "R1 printed", "R1 medres", "R2 printed", "R2 medres", "R3 printed",
         "R3 medres", "R4 printed", "R4 medres", "RSR printed", "Σ printed ranks / 124",
         "RSR medres"],
        note="'Σ printed ranks / 124' recomputes the RSR from the printed ranks: it does not give "
             "the printed RSR (see Errata). medres ranks are average ranks of its own values.",
    )
    for row, recomputed in zip(study.itertuples(index=False), printed_rank_rsr(study)):
        mine = units.loc[row.province] if row.province in units.index else None
        cells = [Cell(row.province)]
        for i in range(1, 5):
            printed = getattr(row, f"r{i}_rank")
            ours = None if mine is None else mine.get(f"r{i}_rank")
            cells += [cell(int(printed)), cell(ours, 1, diff=ours is None or differs(printed, ours, 1))]
        ours = None if mine is None else float(mine["rsr"])
        cells += [
            cell(row.printed_rsr, 2),
            cell(recomputed, 2, diff=differs(row.printed_rsr, recomputed, 2),
                 title="recomputed from the printed ranks; differs from the printed RSR"),
            cell(ours, 3, diff=ours is None or differs(row.printed_rsr, ours, 2)),
        ]
        table.rows.append(cells)
    return table


def table9(context: Context) -> Table:
    fit = figures.grading_fit(context.marts("fct_rsr_regression"), context.study_year)
    ours = {
        "intercept": fit["intercept"], "intercept_se": fit["intercept_se"],
        "intercept_t": fit["intercept_t"], "slope": fit["slope"], "slope_se": fit["slope_se"],
        "slope_beta": math.sqrt(fit["r_squared"]), "slope_t": fit["slope_t"],
        "r_squared": fit["r_squared"], "adj_r_squared": fit["adj_r_squared"],
        "f_statistic": fit["f_statistic"], "r_text": math.sqrt(fit["r_squared"]),
    }
    table = Table(
        "table-9", f"Table 9 — regression RSR = a + b·probit: printed vs medres (fit_rows = "
                   f"{fit['fit_rows']}, n = {int(fit['n_points'])})",
        ["Statistic", "Where printed", "Printed", "medres"],
        note="medres's standardised Beta of a one-predictor regression is r = √R².",
    )
    for row in context.study_tables["table9"].itertuples(index=False):
        text = str(row.printed_value)
        decimals = len(text.split(".")[1]) if "." in text else 0
        mine = ours.get(row.statistic)
        table.rows.append([
            Cell(row.statistic), Cell(row.source), Cell(text),
            cell(mine, decimals, diff=mine is None or differs(row.printed_value, mine, decimals)),
        ])
    return table


def table10(context: Context) -> Table:
    ours = figures.for_year(context.marts("fct_rsr_grade_thresholds"), context.study_year)
    ours = ours.set_index("grade")
    table = Table(
        "table-10", "Table 10 — grade cut-offs (lower bounds): printed vs medres",
        ["Grade", "Label", "Percentile printed", "Percentile medres", "Probit printed",
         "Probit medres", "Fitted RSR printed", "Fitted RSR medres"],
        note=f"The worst grade has no lower bound ({NO_BOUND}): every RSR below the next grade's "
             "cut-off falls in it; the study leaves those cells empty.",
    )
    for row in context.study_tables["table10"].itertuples(index=False):
        mine = ours.loc[row.grade] if row.grade in ours.index else None
        cells = [cell(int(row.grade)), Cell(row.grade_label)]
        for column, decimals in (("percentile_lower", 3), ("probit_lower", 1), ("rsr_lower", 4)):
            printed = getattr(row, column)
            value = None if mine is None else float(mine[column])
            if pd.isna(printed):
                # The worst grade has no lower bound: the study prints nothing, the marts hold
                # null (0 for the percentile).
                cells += [Cell(NO_BOUND), Cell(NO_BOUND if value is None or math.isnan(value)
                                               else fmt(value, decimals))]
                continue
            cells += [cell(printed, decimals),
                      cell(value, decimals, diff=value is None or differs(printed, value, decimals))]
        table.rows.append(cells)
    return table


def table11(context: Context) -> tuple[Table, Table]:
    units = figures.for_year(context.marts("fct_province_rsr"), context.study_year)
    grade_of = {p: int(g) for p, g in zip(units["province_en"], units["grade"]) if pd.notna(g)}
    study = context.study_tables["table11"]
    by_province = Table(
        "table-11", "Table 11 — grade of each province: printed vs medres",
        ["Province", "Grade printed", "Label printed", "Grade medres", "medres position"],
    )
    position = dict(zip(units["province_en"], units["position"]))
    for row in study.sort_values(["grade", "province_en"]).itertuples(index=False):
        mine = grade_of.get(row.province_en)
        by_province.rows.append([
            Cell(row.province_en), cell(int(row.grade)), Cell(row.grade_label),
            cell(mine, diff=mine != int(row.grade)), cell(position.get(row.province_en)),
        ])
    by_grade = Table(
        "table-11-grades", "Table 11 — provinces per grade: printed vs medres",
        ["Grade", "Label", "Printed (n)", "Printed provinces", "medres (n)", "medres provinces"],
    )
    labels = study.groupby("grade")["grade_label"].first()
    for grade, label in labels.items():
        printed = sorted(study.loc[study["grade"] == grade, "province_en"])
        mine = sorted(p for p, g in grade_of.items() if g == grade)
        by_grade.rows.append([
            cell(int(grade)), Cell(label), cell(len(printed)), Cell(", ".join(printed)),
            cell(len(mine), diff=len(mine) != len(printed)),
            Cell(", ".join(mine), diff=mine != printed),
        ])
    return by_province, by_grade


# --- Lenses of the report year -------------------------------------------------------------------


def cluster_profiles_table(context: Context) -> Table:
    profiles = chosen_profiles(context, context.year).sort_values("cluster")
    k = int(profiles["k"].iloc[0])
    means = [c for c in profiles.columns if c.startswith("mean_")]
    table = Table("cluster-profiles",
                  f"medres cluster profiles ({context.year}, k = {k}, fct_cluster_profiles and "
                  "fct_cluster_profile_means)",
                  ["Cluster", "Members (n)", "Members", *means])
    for row in profiles.to_dict("records"):
        table.rows.append([cell(int(row["cluster"])), cell(int(row["member_count"])),
                           Cell(row["members_en"])] + [cell(row[c], 2) for c in means])
    return table


def diagnostics_table(context: Context) -> Table:
    diagnostics = figures.for_year(context.marts("fct_cluster_diagnostics"), context.year)
    columns = [c for c in diagnostics.columns if c != "year"]
    table = Table("cluster-diagnostics", "Cluster diagnostics per k (fct_cluster_diagnostics)",
                  columns,
                  note="Silhouette: mean width on Euclidean distances of the Z scores (a metric; "
                       "the squared distances the tree is built on are not one). Cophenetic "
                       "correlation: between those squared distances and the tree's merge "
                       "heights on the same scale (scipy.cluster.hierarchy.cophenet).")
    for row in diagnostics.sort_values("k").itertuples(index=False):
        table.rows.append([cell(getattr(row, c), None if c not in ("silhouette",
                           "cophenetic_correlation", "coefficient_at_cut", "coefficient_jump")
                           else 3) for c in columns])
    return table


def quality_table(context: Context) -> tuple[Table, int, dict[int, int]]:
    quality = context.marts("fct_province_quality_scores")
    edition = figures.default_quality_edition(quality)
    rows = quality[quality["edition"] == edition].sort_values(["quality_rank", "province_en"])
    table = Table(
        "quality-scores", f"Quality scores by province, Fudan top-100 edition {edition} "
                          "(fct_province_quality_scores, default edition)",
        ["Rank", "Province", "Hospitals", "Reputation", "Research", "Total score", "Share"],
    )
    for row in rows.itertuples(index=False):
        table.rows.append([
            cell(int(row.quality_rank)), Cell(row.province_en), cell(int(row.hospital_count)),
            cell(row.reputation_sum, 3), cell(row.research_sum, 3), cell(row.total_score, 3),
            Cell(f"{100 * row.share_of_national_total:.1f} %"),
        ])
    with_hospitals = {
        int(e): int((g["hospital_count"] > 0).sum()) for e, g in quality.groupby("edition")
    }
    return table, edition, with_hospitals


@dataclass
class GradeAgreement:
    """How medres's grades of the study year compare with the study's Table 11."""

    agree: int
    total: int
    #: One row per disagreeing province: province, printed grade, medres grade, printed RSR,
    #: Σ printed ranks / (m·n), medres RSR, indicators whose medres rank differs from the printed.
    differences: pd.DataFrame
    #: Provinces (of all) whose printed RSR differs from their printed ranks' RSR at 2 decimals.
    printed_rsr_inconsistent: set[str]


def thresholds_table(context: Context) -> Table:
    """medres's grade cut-offs of the report year (the lens; Table 10 compares the study year)."""
    rows = figures.for_year(context.marts("fct_rsr_grade_thresholds"), context.year)
    table = Table("grade-thresholds",
                  f"medres grade cut-offs, {context.year} (fct_rsr_grade_thresholds; lower bounds)",
                  ["Grade", "Label", "Percentile ≥", "Probit ≥", "Fitted RSR ≥"],
                  note=f"{NO_BOUND}: the worst grade has no lower bound (null in the marts).")
    for row in rows.sort_values("grade").itertuples(index=False):
        table.rows.append([cell(int(row.grade)), Cell(row.grade_label),
                           cell(row.percentile_lower, 3),
                           Cell(NO_BOUND) if pd.isna(row.probit_lower) else cell(row.probit_lower, 2),
                           Cell(NO_BOUND) if pd.isna(row.rsr_lower) else cell(row.rsr_lower, 4)])
    return table


def settings_table(context: Context) -> Table:
    """Every setting the marts were built with, beside the study's where it has one."""
    table = Table("build-settings", "Settings the published marts were built with "
                                    "(dim_build_settings)",
                  ["Setting", "Built with", "The study's", "Same as the study"],
                  note="Comparisons with the study's tables are made only where every setting "
                       "the table depends on is the study's.")
    for name, value in context.settings.items():
        study = context.study_settings.get(name, UNRECORDED)
        same = "–" if study is UNRECORDED else ("yes" if value == study else "no")
        table.rows.append([Cell(name), Cell(figures.format_setting(value)),
                           Cell("–" if study is UNRECORDED else figures.format_setting(study)),
                           Cell(same, css="setting-differs" if same == "no" else "")])
    return table


# --- Change over time --------------------------------------------------------------------------


def trend_per_capita_table(context: Context) -> Table:
    trend = figures.regional_per_capita(context.marts)
    years = sorted(trend["year"].unique())
    table = Table("trend-per-capita",
                  "Per-capita indicators by year: Σ numerator / Σ population of the 31 provinces "
                  "and of each region_3 region (fct_area_per_capita)",
                  ["Indicator", "Area", *[str(y) for y in years]],
                  note="Ratios of sums, not means of the provincial ratios (R4: Σ total health "
                       "expenditure / Σ population of the provinces with a value). '–' = no "
                       "sourced value that year (R4 is sourced for 2020 only).")
    for column, label in figures.PER_CAPITA_COLUMNS:
        rows = trend[trend["indicator_column"] == column]
        decimals = 0 if column == "health_expenditure_per_capita_yuan" else 2
        for area in (figures.NATIONAL, *figures.REGIONS_3):
            values = dict(zip(rows.loc[rows["area"] == area, "year"],
                              rows.loc[rows["area"] == area, "value"]))
            table.rows.append([Cell(label), Cell(area),
                               *[cell(values.get(y), decimals) for y in years]])
    return table


def trend_grades_table(context: Context) -> Table:
    matrix, evaluations = figures.grade_matrix(context.marts)
    sets = dict(zip(evaluations["year"].astype(int), evaluations["indicator_set"]))
    status = dict(zip(evaluations["year"].astype(int), evaluations["grading_status"]))
    regions = figures.province_regions(context.marts).set_index("province_en")["region_3"]
    table = Table("trend-rsr-grades",
                  "RSR grade of each province by year (1 = best; fct_province_rsr)",
                  ["Province", "Region", *[f"{y} ({figures.indicator_set_label(sets.get(y, ''))})"
                                           for y in matrix.columns], "Grade changes"],
                  note="Column heads give the year's indicator set: r1–r3 in every year but "
                       "2020, when r4 (per-capita health expenditure, sourced for 2020 only) is "
                       "ranked too, so 2020 grades are not on the same footing as the others. A "
                       "grade is a position in that year's distribution, not an absolute level. "
                       "'–' = grading refused for the year (fct_rsr_evaluations).")
    for province, row in matrix.iterrows():
        cells = [Cell(province), Cell(regions.get(province, ""))]
        previous, changes = None, 0
        for year, grade in row.items():
            if pd.isna(grade) or status.get(year) != "graded":
                cells.append(Cell("–", css="grade-none"))
                continue
            grade = int(grade)
            changes += previous is not None and grade != previous
            previous = grade
            cells.append(Cell(str(grade), css=f"grade grade-{grade}",
                              title=f"{province} {year}: grade {grade}"))
        cells.append(cell(changes))
        table.rows.append(cells)
    return table


def cluster_changes(context: Context) -> tuple[pd.DataFrame, int, dict[int, str]]:
    """Provinces × years of the cluster at the chosen k, only the provinces whose cluster is not
    the same in every year; the number of provinces that keep one cluster; the clustered columns
    of each year (fct_cluster_diagnostics)."""
    clusters = context.marts("fct_province_clusters")
    chosen = clusters[clusters["is_chosen_k"].astype(bool)]
    matrix = chosen.pivot(index="province_en", columns="year", values="cluster")
    matrix.columns = [int(c) for c in matrix.columns]
    moving = matrix[matrix.nunique(axis=1) > 1]
    diagnostics = context.marts("fct_cluster_diagnostics")
    columns = diagnostics.drop_duplicates("year").set_index("year")["cluster_columns"]
    return moving, len(matrix) - len(moving), {int(y): str(c) for y, c in columns.items()}


def trend_quality_table(context: Context) -> Table:
    quality = context.marts("fct_province_quality_scores")
    editions = sorted(int(e) for e in quality["edition"].unique())
    score = quality.pivot(index="province_en", columns="edition", values="total_score")
    rank = quality.pivot(index="province_en", columns="edition", values="quality_rank")
    count = quality.pivot(index="province_en", columns="edition", values="hospital_count")
    order = score.sort_values(editions[-1], ascending=False).index
    headers = ["Province"]
    for e in editions:
        headers += [f"{e} hospitals", f"{e} score", f"{e} rank"]
    table = Table("trend-quality", "Quality scores by Fudan edition (fct_province_quality_scores, "
                                   f"editions {', '.join(map(str, editions))})", headers,
                  note="Rank within the edition, 1 = highest; provinces without a top-100 "
                       "hospital share the last rank.")
    for province in order:
        cells = [Cell(province)]
        for e in editions:
            cells += [cell(int(count.loc[province, e])), cell(score.loc[province, e], 1),
                      cell(int(rank.loc[province, e]))]
        table.rows.append(cells)
    return table


# --- Errata ------------------------------------------------------------------------------------


def trend_clusters(context: Context) -> dict:
    """Provinces whose cluster changes across years, and what the clustered columns were."""
    moving, stable, columns = cluster_changes(context)
    k = context.settings.get("medres_cluster_k")
    years = sorted(columns)
    table = Table("trend-clusters",
                  f"Provinces whose cluster (k = {k}) is not the same in every year "
                  "(fct_province_clusters, is_chosen_k)",
                  ["Province", *[str(y) for y in years], "Years in modal cluster"])
    for province, row in moving.iterrows():
        modal = row.mode().iloc[0]
        table.rows.append([Cell(province)] + [
            Cell(fmt(int(row[y])) if y in row and pd.notna(row[y]) else "–",
                 css="changed" if y in row and pd.notna(row[y]) and row[y] != modal else "")
            for y in years] + [Cell(f"{int((row == modal).sum())} of {int(row.notna().sum())}")])
    columns_by_year: dict[str, list[int]] = {}
    for year, value in columns.items():
        columns_by_year.setdefault(value, []).append(year)
    return {"stable": stable, "moving": len(moving), "provinces": stable + len(moving),
            "columns_by_year": columns_by_year, "table": table}


HEADLINE_RESOURCE = "health_technicians_10k"


def resource_label(resource: str) -> str:
    return figures.RESOURCE_LABELS.get(resource, resource)


def gini_table(context: Context) -> Table:
    gini = figures.for_year(context.marts("fct_inequality_gini"), context.year).pivot(
        index="resource", columns="weight_basis", values="gini")
    table = Table("inequality-gini", f"Gini coefficients, {context.year} (fct_inequality_gini)",
                  ["Resource", "against population", "against land area"],
                  note="0 = every province has the same share of the resource as of the weight; "
                       "1 = one province has it all.")
    for resource, row in gini.iterrows():
        table.rows.append([Cell(resource_label(resource)), cell(row["population"], 3),
                           cell(row["land_area"], 3)])
    return table


def theil_table(context: Context) -> Table:
    theil = context.marts("fct_inequality_theil")
    theil = theil[theil["theil_form"] == "theil_t"].pivot_table(
        index=["resource", "grouping", "year"], columns="component",
        values=["theil_value", "contribution_pct"])
    table = Table("inequality-theil", "Theil T and its between-region share by year "
                                      "(fct_inequality_theil; theil_l in the mart)",
                  ["Resource", "Regions", "Year", "Theil T", "between", "within",
                   "between share (%)"],
                  note="between + within = total exactly (a data test proves it for every row).")
    for (resource, grouping, year), row in theil.iterrows():
        table.rows.append([Cell(resource_label(resource)), Cell(grouping), Cell(str(int(year))),
                           cell(row[("theil_value", "total")], 5),
                           cell(row[("theil_value", "between")], 5),
                           cell(row[("theil_value", "within")], 5),
                           cell(row[("contribution_pct", "between")], 1)])
    return table


def region_shares_table(context: Context) -> Table:
    groups = figures.for_year(context.marts("fct_inequality_theil_groups"), context.year)
    groups = groups[(groups["theil_form"] == "theil_t") & (groups["grouping"] == "region_3")]
    table = Table("inequality-regions", f"Shares of the resources and of the population by region, "
                                        f"{context.year} (fct_inequality_theil_groups)",
                  ["Region", "Resource", "Share of the resource (%)",
                   "Share of the population (%)", "Ratio"])
    for row in groups.sort_values(["region_group", "resource"]).itertuples(index=False):
        table.rows.append([Cell(row.region_group), Cell(resource_label(row.resource)),
                           cell(100 * row.resource_share, 1), cell(100 * row.population_share, 1),
                           cell(row.resource_share / row.population_share, 3)])
    return table


def dispersion_table(context: Context) -> Table:
    rows = context.marts("fct_indicator_dispersion")
    table = Table("inequality-cv", "Coefficient of variation of the per-capita indicators by year "
                                   "(fct_indicator_dispersion)",
                  ["Year", "Indicator", "Mean of provinces", "CV", "Population-weighted CV"])
    for row in rows.sort_values(["indicator", "year"]).itertuples(index=False):
        table.rows.append([Cell(str(int(row.year))), Cell(row.indicator), cell(row.mean_value, 2),
                           cell(row.cv, 3), cell(row.weighted_cv, 3)])
    return table


def grade_validity_table(context: Context) -> Table:
    rows = context.marts("fct_rsr_evaluations").sort_values("year")
    table = Table("grade-validity", "Consistency check, holds by construction: WRSR across the "
                                    "grades (fct_rsr_evaluations)",
                  ["Year", "Indicator set", "Grading", "Test", "Statistic", "p", "Why this test"],
                  note="Not evidence that the grades are valid: the grades are intervals of the "
                       "fitted RSR, an increasing function of the WRSR, so the WRSR must differ "
                       "between them and the test cannot fail (one-way ANOVA when every grade has "
                       "two or more provinces and the Brown-Forsythe and normality checks pass; "
                       "otherwise Kruskal-Wallis). Whether a grade is robust is in the grade "
                       "robustness table.")
    for row in rows.itertuples(index=False):
        table.rows.append([Cell(str(int(row.year))), Cell(row.indicator_set), Cell(row.grading_status),
                           Cell(row.grade_validity_test or "–"), cell(row.grade_validity_statistic, 2),
                           cell(row.grade_validity_p, 6), Cell(row.grade_validity_reason or "–")])
    return table


# --- Robustness: checks that can fail -----------------------------------------------------------


def permutation_table(context: Context) -> Table:
    """Between-region shares of Theil T and L in the report year with their permutation p."""
    rows = figures.for_year(context.marts("fct_inequality_theil_permutation"), context.year)
    permutations = int(rows["permutations"].iloc[0])
    table = Table("inequality-permutation",
                  f"Are the regional gaps larger than chance? {context.year} "
                  "(fct_inequality_theil_permutation)",
                  ["Resource", "Regions", "Theil", "Between share (%)", "Chance: mean (%)",
                   "Chance: 95th pct (%)", "p"],
                  note=f"Provinces reassigned to the regions at random, region sizes kept, "
                       f"{permutations:,} times; p = share of reassignments whose between share "
                       "reaches the observed one (observed counted in). Each row is its own test.")
    for row in rows.sort_values(["resource", "grouping", "theil_form"]).itertuples(index=False):
        table.rows.append([Cell(resource_label(row.resource)), Cell(row.grouping),
                           Cell("T" if row.theil_form == "theil_t" else "L"),
                           cell(100 * row.between_share, 1), cell(100 * row.null_mean_share, 1),
                           cell(100 * row.null_p95_share, 1), cell(row.p_value, 3)])
    return table


def jackknife_table(context: Context) -> Table:
    """Leave-one-province-out ranges of the Gini and Theil indices in the report year."""
    rows = figures.for_year(context.marts("fct_inequality_jackknife"), context.year)
    table = Table("inequality-jackknife",
                  f"Leave-one-province-out ranges, {context.year} (fct_inequality_jackknife)",
                  ["Resource", "Index", "All provinces", "Range without one", "Moved most by",
                   "Without it"])
    for row in rows.sort_values(["resource", "measure"]).itertuples(index=False):
        table.rows.append([Cell(resource_label(row.resource)), Cell(row.measure),
                           cell(row.index_value, 4),
                           Cell(f"{row.jackknife_min:.4f} – {row.jackknife_max:.4f}"),
                           Cell(row.most_influential_province_en),
                           cell(row.value_without_most_influential, 4)])
    return table


def fit_diagnostics_table(context: Context) -> Table:
    """Diagnostics of the RSR-on-probit line that can fail, per year (the graded fit variant)."""
    rows = context.marts("fct_rsr_fit_diagnostics")
    rows = rows[rows["used_for_grading"]].sort_values("year")
    slope = context.marts("fct_rsr_regression")
    slope = slope[slope["used_for_grading"]].set_index("year")["slope_p"]
    table = Table("rsr-fit-diagnostics", "How well does the line RSR = a + b·probit fit? "
                                         "(fct_rsr_fit_diagnostics)",
                  ["Year", "Slope p (gate)", "R²", "Curvature p", "Runs (expected)", "Runs p",
                   "Distinct WRSR / provinces", "Largest tie"],
                  note="The slope's p-value, the grading gate, cannot fail: the probit is a "
                       "function of the rank of the value regressed on it. Curvature: the probit² "
                       "term of a quadratic fit (RESET); runs: Wald-Wolfowitz test of the "
                       "residual signs in probit order. Small p = the straight line misses a curve.")
    for row in rows.itertuples(index=False):
        table.rows.append([Cell(str(int(row.year))), Cell(f"{slope[row.year]:.1e}"),
                           cell(row.r_squared, 3), Cell(f"{row.curvature_p:.1e}"),
                           Cell(f"{int(row.runs)} ({row.runs_expected:.1f})"),
                           Cell(f"{row.runs_p:.1e}"),
                           Cell(f"{int(row.n_distinct)} / {int(row.n_units)}"),
                           cell(int(row.largest_tie))])
    return table


def fragile_grades_table(context: Context) -> Table:
    """Provinces whose report-year RSR grade is fragile (fct_rsr_grade_robustness)."""
    rows = figures.for_year(context.marts("fct_rsr_grade_robustness"), context.year)
    fragile = rows[~rows["is_robust"].astype(bool)].sort_values("agree_share")
    threshold = context.settings.get("medres_rsr_robust_share")
    table = Table("rsr-fragile-grades",
                  f"Provinces whose {context.year} RSR grade is fragile: {len(fragile)} of "
                  f"{len(rows)} (fct_rsr_grade_robustness)",
                  ["Province", "Grade", "Variants agreeing", "method", "R3 measure",
                   "indicator left out", "province left out", "Grades seen"],
                  note=f"Each province graded again under every variant: the other weighting, "
                       f"fit_rows and grade_on; R3 as health personnel; each indicator left out; "
                       f"each other province left out. Fragile: fewer than {fmt(threshold)} "
                       "of the variants give the configured grade; the columns give the share "
                       "agreeing per family of variants.")
    for row in fragile.itertuples(index=False):
        table.rows.append([
            Cell(row.province_en), cell(int(row.default_grade)),
            Cell(f"{int(row.n_agree)} / {int(row.n_variants)}"),
            cell(row.agree_share_method, 2), cell(row.agree_share_indicator_column, 2),
            cell(row.agree_share_leave_one_indicator_out, 2),
            cell(row.agree_share_leave_one_unit_out, 2),
            Cell(f"{int(row.best_grade_seen)}–{int(row.worst_grade_seen)}")])
    return table


def robustness_findings(context: Context) -> dict:
    """Which regional gaps are larger than chance and which grades are robust, from the marts
    (rendered as the paragraph ``robustness-findings`` of the inequality section)."""
    y = context.year
    permutation = figures.for_year(context.marts("fct_inequality_theil_permutation"), y)
    t_rows = permutation[(permutation["theil_form"] == "theil_t")
                         & (permutation["grouping"] == "region_3")].set_index("resource")
    gaps = [{"label": resource_label(r), "share_pct": 100 * row.between_share, "p": row.p_value,
             "larger": bool(row.is_larger_than_chance)} for r, row in t_rows.iterrows()]
    robustness = figures.for_year(context.marts("fct_rsr_grade_robustness"), y)
    fragile = robustness[~robustness["is_robust"].astype(bool)].sort_values("agree_share")
    diagnostics = context.marts("fct_rsr_fit_diagnostics")
    graded = diagnostics[diagnostics["used_for_grading"]]
    rsr_alpha = context.settings.get("medres_rsr_alpha")
    curved = graded[graded["curvature_p"] < rsr_alpha]
    clustered = figures.for_year(context.marts("fct_cluster_diagnostics"), y).set_index("k")
    return {
        "year": y, "alpha": context.settings.get("medres_inequality_alpha"),
        "larger": [g for g in gaps if g["larger"]],
        "chance": [g for g in gaps if not g["larger"]],
        "robust": len(robustness) - len(fragile), "graded_provinces": len(robustness),
        "robust_share": context.settings.get("medres_rsr_robust_share"),
        "fragile": [{"province": r.province_en, "agree_share": r.agree_share}
                    for r in fragile.itertuples()],
        "rsr_alpha": rsr_alpha, "curved_years": len(curved), "graded_years": len(graded),
        "silhouettes": [{"k": int(k), "silhouette": row.silhouette}
                        for k, row in clustered.iterrows()],
    }


def inequality_findings(context: Context) -> dict:
    """The study's "more in the east" in numbers, for the report year and the panel's span."""
    y = context.year
    gini = context.marts("fct_inequality_gini").set_index(["year", "resource", "weight_basis"])["gini"]
    theil = context.marts("fct_inequality_theil")
    between = theil[(theil["theil_form"] == "theil_t") & (theil["grouping"] == "region_3")
                    & (theil["component"] == "between")].set_index(["year", "resource"])
    groups = figures.for_year(context.marts("fct_inequality_theil_groups"), y)
    east = groups[(groups["theil_form"] == "theil_t") & (groups["grouping"] == "region_3")
                  & (groups["region_group"] == "East")].set_index("resource")
    agglomeration = figures.for_year(context.marts("fct_province_agglomeration"), y)
    headline = agglomeration[agglomeration["resource"] == HEADLINE_RESOURCE]
    years = sorted(int(v) for v in gini.index.get_level_values("year").unique())
    first, last = years[0], years[-1]
    r = HEADLINE_RESOURCE

    def than_people(resource: str) -> str:
        share, people = east.loc[resource, "resource_share"], east.loc[resource, "population_share"]
        return "more than" if share > people else "less than" if share < people else "the same as"

    return {
        "year": y, "label": resource_label(r), "first": first, "last": last,
        "east_share": 100 * east.loc[r, "resource_share"],
        "east_population_share": 100 * east.loc[r, "population_share"],
        "than_people": than_people(r),
        "east_beds_share": 100 * east.loc["beds_10k", "resource_share"],
        "beds_than_people": than_people("beds_10k"),
        "gini_population": gini[(y, r, "population")], "gini_beds": gini[(y, "beds_10k", "population")],
        "between_pct": between.loc[(y, r), "contribution_pct"],
        "between_beds_pct": between.loc[(y, "beds_10k"), "contribution_pct"],
        "gini_land": gini[(y, r, "land_area")],
        "hrad_pad_min": headline["hrad_pad_ratio"].min(), "hrad_pad_max": headline["hrad_pad_ratio"].max(),
        "above_population_share": int((headline["hrad_pad_ratio"] > 1).sum()),
        "provinces": len(headline),
        "gini_first": gini[(first, r, "population")], "gini_last": gini[(last, r, "population")],
    }


CITY_RESOURCE, CITY_THEIL_FORM, CITY_TOP = "beds", "theil_t", 10


def city_share_table(shares: pd.DataFrame) -> Table:
    form = "T" if CITY_THEIL_FORM == "theil_t" else "L"
    table = Table("city-within-share",
                  f"Nested Theil {form} of {CITY_RESOURCE} across cities: contribution of each part, %",
                  ["Year", "Population", "Cities", f"Theil {form}", "Between regions %",
                   "Between provinces %", "Within provinces %", "Gini"])
    for row in shares.itertuples():
        table.rows.append([
            Cell(str(int(row.year))), Cell(figures.CITY_POPULATION_BASES.get(row.population_basis,
                                                                       row.population_basis)),
            cell(int(row.n_units)), cell(row.theil_total, 4),
            *[cell(getattr(row, f"{part}_pct"), 1) for part, _ in figures.CITY_THEIL_PARTS],
            cell(row.gini, 3)])
    return table


def city_top_table(context: Context, year: int) -> Table:
    drivers = figures.top_cities(context.marts, year, CITY_RESOURCE, CITY_THEIL_FORM, CITY_TOP)
    table = Table("city-top-cities", f"Cities that drive within-province inequality of "
                                     f"{CITY_RESOURCE}, {year} (largest terms of the within-province part)",
                  ["Rank", "City", "Province", "Share of province's resource %",
                   "Share of province's population %", "Within term", "Share of within part %"])
    for row in drivers.itertuples():
        table.rows.append([cell(int(row.within_rank)), Cell(row.city_zh), Cell(row.province_zh),
                           cell(100 * row.province_resource_share, 1),
                           cell(100 * row.province_population_share, 1), cell(row.within_term, 5),
                           cell(row.share_of_within_pct, 1)])
    return table


def city_recurring_table(context: Context, first: int, last: int) -> Table:
    recurring = figures.recurring_drivers(context.marts, CITY_RESOURCE, CITY_THEIL_FORM, CITY_TOP)
    table = Table("city-recurring-drivers",
                  f"Cities most often among the top {CITY_TOP} drivers, {first}–{last}",
                  ["City", "Province", "Years in top", "First–last", "Mean share of within part %"])
    for row in recurring.itertuples():
        table.rows.append([Cell(row.city_zh), Cell(row.province_zh), cell(int(row.years_in_top)),
                           Cell(f"{int(row.first_year)}–{int(row.last_year)}"),
                           cell(row.mean_share_of_within_pct, 1)])
    return table


# --- Findings -----------------------------------------------------------------------------------

#: The findings summary's rows: national per-capita indicators (fct_province_per_capita columns)
#: and the resources whose Gini against population it states.
FINDINGS_PER_CAPITA = ("beds_per_1000", "institutions_per_10k", "health_workforce_per_1000")
FINDINGS_GINI_RESOURCES = ("health_technicians_10k", "beds_10k")


def findings_values(context: Context) -> list[tuple[str, dict[int, float], int]]:
    """(result, value by year, decimals) of every row of the findings summary, from the marts:
    national per-capita indicators (Σ numerator / Σ population), Gini against population and the
    between-region share of the Theil T of health technicians."""
    rows = []
    per_capita = figures.regional_per_capita(context.marts)
    national = per_capita[per_capita["area"] == figures.NATIONAL]
    labels = dict(figures.PER_CAPITA_COLUMNS)
    for column in FINDINGS_PER_CAPITA:
        values = national[national["indicator_column"] == column]
        rows.append((labels[column], dict(zip(values["year"].astype(int), values["value"])), 2))
    gini = context.marts("fct_inequality_gini")
    gini = gini[gini["weight_basis"] == "population"]
    for resource in FINDINGS_GINI_RESOURCES:
        values = gini[gini["resource"] == resource]
        rows.append((f"Gini of {resource_label(resource)} against population",
                     dict(zip(values["year"].astype(int), values["gini"])), 3))
    theil = context.marts("fct_inequality_theil")
    between = theil[(theil["theil_form"] == "theil_t") & (theil["grouping"] == "region_3")
                    & (theil["component"] == "between") & (theil["resource"] == HEADLINE_RESOURCE)]
    rows.append((f"Share of the Theil T of {resource_label(HEADLINE_RESOURCE)} between East, "
                 "Central and West (%)",
                 dict(zip(between["year"].astype(int), between["contribution_pct"])), 1))
    return rows


def change_cell(values: dict[int, float], year: int, since: int, decimals: int) -> Cell:
    """The change of ``values`` from ``since`` to ``year``, signed; '–' if either is missing."""
    if since not in values or year not in values:
        return Cell("–")
    return Cell(signed(values[year] - values[since], decimals))


def findings_section(context: Context) -> dict:
    year, years = context.year, context.years
    earlier = [y for y in years if y < year]
    previous = earlier[-1] if earlier else None
    start = years[0]
    compared = [y for y in dict.fromkeys((previous, start)) if y is not None and y != year]
    summary = Table("findings-summary", f"Key results, {year}",
                    ["Result", str(year), *[h for y in compared for h in (str(y), f"Change since {y}")]],
                    note="Change = the report year's value minus the earlier year's.")
    for label, values, decimals in findings_values(context):
        row = [Cell(label), cell(values.get(year), decimals)]
        for earlier_year in compared:
            row += [cell(values.get(earlier_year), decimals),
                    change_cell(values, year, earlier_year, decimals)]
        summary.rows.append(row)
    grade_changes = None
    if previous is not None:
        matrix, evaluations = figures.grade_matrix(context.marts)
        graded = set(evaluations.loc[evaluations["grading_status"] == "graded", "year"].astype(int))
        if {previous, year} <= graded:
            pair = matrix[[previous, year]].dropna()
            indicator_sets = dict(zip(evaluations["year"].astype(int), evaluations["indicator_set"]))
            grade_changes = {"previous": previous, "compared": len(pair),
                             "changed": int((pair[previous] != pair[year]).sum()),
                             "same_indicators": indicator_sets[previous] == indicator_sets[year],
                             "indicators": figures.indicator_set_label(indicator_sets[year]),
                             "previous_indicators": figures.indicator_set_label(
                                 indicator_sets[previous])}
    agreement = None
    if not context.differing_settings("table-11"):
        result = study_grade_agreement(context)
        agreement = {"study_year": context.study_year, "agree": result.agree, "total": result.total}
    return {"year": year, "previous": previous, "start": start, "summary": summary,
            "grade_changes": grade_changes, "agreement": agreement,
            "errata_count": len(study_errata(context))}


# --- Sections -----------------------------------------------------------------------------------


def study_grade_agreement(context: Context) -> errata.GradeAgreement:
    """medres's grades of the study year against Table 11."""
    year = context.study_year
    return errata.grade_agreement(
        context.study_tables, figures.for_year(context.marts("fct_province_rsr"), year),
        figures.for_year(context.marts("fct_province_indicator_ranks"), year))


def study_errata(context: Context) -> list[errata.Erratum]:
    per_capita = figures.for_year(context.marts("fct_province_per_capita"), context.study_year)
    return errata.errata(context.study_tables,
                         per_capita.set_index("province_en")["population_10k"])


def grade_results(context: Context) -> dict:
    """The Results paragraph of the per-capita section: how many of the study year's grades
    agree with Table 11 and why the others differ (computed, not written in)."""
    note = context.settings_note("table-11", "Grade agreement with Table 11",
                                 note_id="note-grade-agreement")
    if note:
        return {"note": note}
    agreement = study_grade_agreement(context)
    per_capita = figures.for_year(context.marts("fct_province_per_capita"), context.study_year)
    per_capita = per_capita.set_index("province_en")
    r4 = errata.printed_r4_mismatch(context.study_tables)
    table = Table("table-11-differences",
                  f"Provinces whose {context.study_year} grade differs from Table 11",
                  ["Province", "Grade printed", "Grade medres", "RSR printed",
                   "Σ printed ranks / 124", "RSR medres", "medres rank ≠ printed"])
    for row in agreement.differences.itertuples(index=False):
        table.rows.append([Cell(row.province_en), cell(row.printed_grade), cell(row.medres_grade),
                           cell(row.printed_rsr, 2), cell(row.printed_rank_rsr, 2),
                           cell(row.medres_rsr, 3), Cell(row.ranks_differ or "none")])
    return {
        "note": None, "agreement": agreement, "differing": len(agreement.differences),
        "printed_rows": len(context.study_tables["table8"]), "by_rank": agreement.differing_by_rank(),
        "r4_differ": int(r4["differs"].sum()), "r4_total": len(r4),
        "beijing_r4": r4.loc["Beijing"].to_dict(),
        "r1_ties": [(rank, [(p, per_capita["beds_per_1000"].get(p, math.nan)) for p in provinces])
                    for rank, provinces in errata.printed_rank_ties(context.study_tables,
                                                                    "r1_rank").items()],
        "measure": str(per_capita.loc["Beijing", "health_workforce_measure"]),
        "beijing_workforce": per_capita.loc["Beijing", "health_workforce_per_1000"],
        "table": table,
    }


def totals_section(context: Context) -> dict:
    y = context.year
    return {
        "study_year": context.study_year,
        "dendrogram": context.figure("dendrogram", f"Dendrogram, distances rescaled to 0–25, cut "
                                                   f"at the chosen k ({y}); cf. the study's Fig. 2"),
        "map": context.figure("map_cluster_group", f"Cluster group by province ({y})"),
        "table1": context.comparison("table-1", "Table 1", lambda: [table1(context)]),
        "profiles": cluster_profiles_table(context),
        "tables2_6": context.comparison("tables-2-6", "Tables 2–6", lambda: list(tables2_6(context))),
        "diagnostics": diagnostics_table(context),
    }


def per_capita_section(context: Context) -> dict:
    y = context.year
    measure = workforce_measure(context)
    evaluation = figures.for_year(context.marts("fct_rsr_evaluations"), y).iloc[0]
    return {
        "year": y, "study_year": context.study_year, "measure": measure,
        "r3_text": ("health personnel per 1,000 people (the year has no complete technician series)"
                    if measure == "health_personnel_per_1000"
                    else "health technicians per 1,000 people"),
        "indicator_set": figures.indicator_set_label(evaluation["indicator_set"]),
        "fit": figures.grading_fit(context.marts("fct_rsr_regression"), y),
        "results": grade_results(context),
        "indicators": context.figure("per_capita_indicators",
                                     f"R1–R4 per province, each sorted ({y})"),
        "probit": context.figure("rsr_probit", f"RSR against probit with the fitted line and grade "
                                               f"cut-offs ({y}); cf. the study's Fig. 3"),
        "map": context.figure("map_rsr_grade", f"RSR grade by province ({y}); cf. the study's Fig. 4"),
        "thresholds": thresholds_table(context),
        "comparisons": [
            context.comparison("table-8", "Table 8", lambda: [table8(context)]),
            context.comparison("table-9", "Table 9", lambda: [table9(context)]),
            context.comparison("table-10", "Table 10", lambda: [table10(context)]),
            context.comparison("table-11", "Table 11", lambda: list(table11(context))),
        ],
    }


def quality_section(context: Context) -> dict:
    scores, edition, with_hospitals = quality_table(context)

    def claims() -> list[Table]:
        claim = Table("quality-claims", "The study's statements on the top 100 vs medres",
                      ["Statement (study text)", "Printed", "medres (edition 2020)"])
        study_edition = with_hospitals.get(2020)
        if study_edition is not None:
            claim.rows.append([Cell("provinces with a top-100 hospital"), cell(19),
                               cell(study_edition, diff=study_edition != 19)])
        return [claim] if claim.rows else []

    return {
        "edition": edition,
        "map": context.figure("map_quality_score",
                              f"Quality score by province, edition {edition}; cf. the study's Fig. 5"),
        "claims": context.comparison("quality-claims", "The top-100 statements", claims),
        "scores": scores,
    }


def trend_section(context: Context) -> dict:
    editions = sorted(int(e) for e in context.marts("fct_province_quality_scores")["edition"].unique())
    return {
        "first": context.years[0], "last": context.years[-1],
        "per_capita_figure": context.figure(
            "trend_per_capita", "Per-capita indicators by year, 31 provinces and the three regions "
                                "(Σ numerator / Σ population)"),
        "per_capita": trend_per_capita_table(context),
        "grades_figure": context.figure(
            "trend_rsr_grades", "RSR grade by province and year; column heads give the indicator set"),
        "grades": trend_grades_table(context),
        "clusters": trend_clusters(context),
        "quality_figure": context.figure(
            "trend_quality_scores",
            f"Quality score by province, Fudan editions {', '.join(map(str, editions))}"),
        "quality": trend_quality_table(context),
    }


def inequality_section(context: Context) -> dict:
    return {
        "findings": inequality_findings(context),
        "lorenz": context.figure("lorenz_curves", f"Lorenz curves against population and against "
                                                  f"land area ({context.year})"),
        "gini": gini_table(context),
        "regions": region_shares_table(context),
        "theil_figure": context.figure("theil_over_years", "Theil T by year, split into "
                                                           "between-region and within-region parts"),
        "theil": theil_table(context),
        "agglomeration": context.figure("agglomeration", f"Agglomeration degree of health "
                                                         f"technicians ({context.year})"),
        "dispersion": dispersion_table(context),
        "robustness": robustness_findings(context),
        "permutation": permutation_table(context),
        "gini_figure": context.figure("gini_over_years", "Gini against population by year with its "
                                                         "leave-one-province-out range"),
        "jackknife": jackknife_table(context),
        "fit_diagnostics": fit_diagnostics_table(context),
        "fragile_grades": fragile_grades_table(context),
        "grade_validity": grade_validity_table(context),
    }


def city_section(context: Context) -> dict:
    shares = figures.within_share_table(context.marts, CITY_RESOURCE, CITY_THEIL_FORM)
    first, last = shares.iloc[0], shares.iloc[-1]
    coverage = context.marts("fct_city_province_coverage")
    exclusions = coverage[coverage["exclusions"].notna()]
    form = "T" if CITY_THEIL_FORM == "theil_t" else "L"
    return {
        "form": form, "resource": CITY_RESOURCE,
        "cities_min": int(shares["n_units"].min()), "cities_max": int(shares["n_units"].max()),
        "first": int(first.year), "last": int(last.year),
        "first_within_pct": first.within_province_pct, "last_within_pct": last.within_province_pct,
        "shares": city_share_table(shares),
        "figure": context.figure(figures.CITY_FIGURE,
                                 f"Contribution of the nested parts to the Theil {form} index of beds "
                                 "(stacked) and the within-province share for doctors (line)"),
        "top": city_top_table(context, int(last.year)),
        "recurring": city_recurring_table(context, int(first.year), int(last.year)),
        "excluded": "; ".join(f"{int(r.year)} {r.exclusions}" for r in exclusions.itertuples()),
    }


# --- Toolkit (issue 23): HEAT summary measures, spatial autocorrelation, plan targets ----------

HEAT_TABLE_MEASURES = ("D", "R", "BGSD", "COV", "MDMW", "IDISW", "TI", "MLD", "PAR", "PAF",
                       "ACI", "RCI", "SII", "RII")


def province_names(context: Context) -> pd.Series:
    """province_en by region_code (dim_province_names: the latest name of each code)."""
    return context.marts("dim_province_names").set_index("region_code")["province_en"]


def heat_table(context: Context) -> Table:
    heat = context.marts("fct_heat_measures")
    rows = heat[(heat["level"] == "province") & (heat["year"] == context.year)]
    indicators = [i for i in figures.TOOLKIT_INDICATORS if (rows["indicator"] == i).any()]
    table = Table("heat-measures", f"HEAT summary measures between provinces, {context.year} "
                                   "(fct_heat_measures)",
                  ["Measure", *[figures.TOOLKIT_INDICATORS[i] for i in indicators]],
                  note="μ = population-weighted average (national ratio of sums); TI/MLD = Theil "
                       "T/L × 1000; COV, IDISW, PAF, RCI in %; ordered measures rank provinces by "
                       "per-capita gross regional product (NBS). PAR/PAF are 0 when the reference "
                       "province (Beijing) is below μ. Definitions: docs/toolkit.md.")
    for measure in HEAT_TABLE_MEASURES:
        values = rows[rows["measure"] == measure].set_index("indicator")["measure_value"]
        table.rows.append([Cell(measure), *[cell(values.get(i), 3) for i in indicators]])
    return table


def moran_table(context: Context) -> Table:
    moran = context.marts("fct_spatial_moran")
    table = Table("spatial-moran", "Global Moran's I of the per-capita indicators by year "
                                   "(fct_spatial_moran; queen contiguity, row-standardised)",
                  ["Year", "Indicator", "Moran's I", "E[I]", "z (normal)", "pseudo p"])
    for row in moran.sort_values(["indicator", "year"]).itertuples(index=False):
        table.rows.append([Cell(str(int(row.year))), Cell(row.indicator), cell(row.moran_i, 3),
                           cell(row.expected_i, 3), cell(row.z_normal, 2), cell(row.p_permutation, 3)])
    return table


def lisa_table(context: Context) -> Table:
    lisa = context.marts("fct_spatial_lisa")
    clusters = lisa[(lisa["year"] == context.year) & (lisa["cluster"] != "Not significant")]
    table = Table("spatial-lisa", f"Provinces in a significant LISA cluster, {context.year} "
                                  "(fct_spatial_lisa, FDR-controlled)",
                  ["Indicator", "Province", "Cluster", "Local I", "pseudo p"],
                  note="No province is listed when no local statistic passes the "
                       "false-discovery-rate bound.")
    names = province_names(context)
    for row in clusters.sort_values(["indicator", "region_code"]).itertuples(index=False):
        table.rows.append([Cell(row.indicator), Cell(names.get(row.region_code, row.region_code)),
                           Cell(row.cluster), cell(row.local_i, 3), cell(row.p_permutation, 3)])
    return table


def plan_targets_table(context: Context) -> Table:
    targets = context.marts("fct_plan_targets")
    table = Table("plan-targets",
                  "National plan targets (fct_plan_targets; sources in seeds/SOURCES.md)",
                  ["Target", "Plan", "Due", "Value", "Unit", "Evaluable"])
    for row in targets.sort_values(["target_year", "target_id"]).itertuples(index=False):
        table.rows.append([Cell(row.indicator), Cell(row.document), Cell(str(int(row.target_year))),
                           cell(row.target_value, 2), Cell(row.unit),
                           Cell("yes" if row.is_evaluable
                                else "no: medres does not hold the indicator")])
    return table


def projected_year(value: object) -> str:
    """A projected year, or '—' when the line does not reach the target by the horizon."""
    return "—" if pd.isna(value) else str(int(value))


def target_projections_table(context: Context) -> Table:
    projections = context.marts("fct_target_projections")
    names = province_names(context)
    table = Table("target-projections",
                  "Provinces below an evaluable target in their latest year, and when the recent "
                  "linear pace reaches it (fct_target_projections)",
                  ["Province", "Target", "Latest year", "Value", "Gap", "Slope / year",
                   "Projected year", "Interval"],
                  note="OLS line over the last years (var medres_target_trend_years); the interval "
                       "is the years the confidence band of the line reaches the target (— = not by "
                       "the horizon). A reading of the recent pace, not a forecast.")
    below = projections[projections["status"] != "reached"].sort_values(["target_id", "gap"])
    for row in below.itertuples(index=False):
        table.rows.append([
            Cell(names.get(row.region_code, row.region_code)), Cell(row.target_id),
            Cell(str(int(row.latest_year))), cell(row.latest_value, 2), cell(row.gap, 2),
            cell(row.slope_per_year, 3),
            Cell(projected_year(row.projected_year) if row.status == "projected" else row.status),
            Cell(f"{projected_year(row.projected_year_early)}–"
                 f"{projected_year(row.projected_year_late)}"),
        ])
    return table


def heat_section(context: Context) -> dict:
    return {
        "figure": context.figure("heat_measures", "HEAT summary measures of the provinces by year"),
        "measures": heat_table(context),
    }


def spatial_section(context: Context) -> dict:
    return {
        "figure": context.figure("map_lisa_clusters",
                                 f"LISA clusters of beds per 1,000 people ({context.year})"),
        "moran": moran_table(context),
        "lisa": lisa_table(context),
    }


def targets_section(context: Context) -> dict:
    projections = context.marts("fct_target_projections")
    return {
        "plans": plan_targets_table(context),
        "reached": int((projections["status"] == "reached").sum()),
        "pairs": len(projections),
        "projections": target_projections_table(context),
    }


def errata_section(context: Context) -> dict:
    return {"errata": [{"title": e.title, "text": e.text,
                        "evidence": evidence_table(e.evidence) if e.evidence else None}
                       for e in study_errata(context)]}


def settings_section(context: Context) -> dict:
    return {"settings": settings_table(context), "study": STUDY,
            "year": context.year, "first": context.years[0], "last": context.years[-1]}


# --- Page ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One section of the page: its anchor (also the name of its template,
    ``sections/<anchor>.html.j2``), heading and the function computing what it shows."""

    anchor: str
    title: str
    build: Callable[[Context], dict]

    @property
    def template(self) -> str:
        return f"sections/{self.anchor}.html.j2"


#: The report's sections in page order: what was found first, settings and provenance last.
SECTIONS: list[Section] = [
    Section("findings", "What the marts show", findings_section),
    Section("totals", "Totals: clustering of the four total indicators (Tables 1–6, Fig. 2)",
            totals_section),
    Section("per-capita", "Per capita: rank-sum ratio (RSR) (Tables 8–11, Figs. 3–4)",
            per_capita_section),
    Section("quality", "Quality: Fudan top-100 hospitals (Fig. 5)", quality_section),
    Section("change-over-time", "Change over time", trend_section),
    Section("inequality", "Inequality: Gini, Theil, agglomeration (beyond the study)",
            inequality_section),
    Section("city-panel", "Below the provinces: inequality between cities", city_section),
    Section("heat", "HEAT summary measures of inequality (WHO HEAT)", heat_section),
    Section("spatial", "Spatial autocorrelation: Moran's I and LISA clusters", spatial_section),
    Section("targets", "National plan targets: gaps and projected attainment", targets_section),
    Section("errata", "Errata: inconsistencies in the study", errata_section),
    Section("settings", "Settings and provenance", settings_section),
]


def tables_in(value: object) -> list[Table]:
    """Every :class:`Table` in a section's data (nested in dicts, lists and comparisons)."""
    if isinstance(value, Table):
        return [value]
    if isinstance(value, Comparison):
        return list(value.tables)
    if isinstance(value, dict):
        return [t for v in value.values() for t in tables_in(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in tables_in(v)]
    return []


def grade_colours(context: Context) -> list[dict]:
    """Each grade's cell background in the figures' palette (the darker half in white text)."""
    from matplotlib.colors import to_hex

    grades = sorted(int(g) for g in context.marts("fct_rsr_grade_thresholds")["grade"].unique())
    palette = figures.grade_palette(grades)
    dark = set(grades[: max(1, len(grades) // 2)])
    return [{"grade": g, "colour": to_hex(palette[g]), "dark": g in dark} for g in grades]


def template_environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["number"] = fmt
    environment.filters["plain"] = lambda value: f"{value:g}"
    environment.globals["DIFF_MARK"] = DIFF_MARK
    return environment


def render(context: Context) -> str:
    sections = [{"anchor": s.anchor, "title": s.title, "template": s.template,
                 "data": s.build(context)} for s in SECTIONS]
    comparison_differences = sum(t.diff_count for s in sections if s["anchor"] != "errata"
                                 for t in tables_in(s["data"]))
    return template_environment().get_template("page.html.j2").render(
        year=context.year, sections=sections, comparison_differences=comparison_differences,
        grade_colours=grade_colours(context), geo_credit=figures.GEO_CREDIT)


@dataclass(frozen=True)
class Rendered:
    """What :func:`build` wrote: the page and the figures it drew (by name)."""

    index: Path
    figures: dict[str, figures.FigureResult]


def build(published: Path, out: Path, year: int | None = None,
          project_dir: Path | None = None) -> Rendered:
    """Draw the figures into ``out/figures`` and write ``out/index.html``; return both.
    ``project_dir``: where dbt_project.yml (the study's settings) is; defaults to the project
    directory (figures.project_file)."""
    marts = Marts(published)
    marts.require(MARTS_READ)
    tables = load_study_tables(marts)
    if project_dir is None:
        project_dir = figures.project_file(Path("dbt_project.yml"), "--project-dir").parent
    if year is None:
        year = figures.report_year(marts("dim_years"))
    drawn = {r.name: r for r in figures.generate(marts, out / "figures", year)}
    page = render(Context(marts, tables, study_settings(project_dir), year, drawn))
    out.mkdir(parents=True, exist_ok=True)
    index = write_atomically(out / "index.html", lambda staged: staged.write_text(page, encoding="utf-8"))
    return Rendered(index, drawn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=Path("published"))
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--project-dir", type=Path, default=None,
                        help="the project directory whose dbt_project.yml holds the study's settings "
                             "(default: $MEDRES_PROJECT_DIR, else the current directory)")
    arguments = parser.parse_args(argv)
    # The report year is the build's var medres_year (dim_years.is_report_year): one way to set it.
    try:
        target = build(arguments.published, arguments.out, project_dir=arguments.project_dir).index
    except (MissingMartError, FileNotFoundError) as error:
        print(f"medres.report: {error}", file=sys.stderr)
        return 2
    print(f"medres: report written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
