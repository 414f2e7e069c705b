"""The HTML report: the three lenses, the study's tables beside medres's values, and errata.

``python -m medres.report --published published --out reports`` draws the figures
(:mod:`medres.figures`) into ``<out>/figures/`` and writes ``<out>/index.html``. It reads the
published marts only (:data:`MARTS_READ`), the study's printed tables included (the marts
:data:`STUDY_TABLES`, published from the seeds in ``seeds/study/``). The page is static and
self-contained apart from its own figure files: no script, no CDN, no web font, so it works
offline. Every value is HTML-escaped.

Every comparison cell whose medres value differs from the printed value (compared at the printed
precision) gets the CSS class ``diff`` and a visible mark ``≠``; every such row gets ``has-diff``.

The report states the settings the marts were built with (``dim_build_settings``) and compares a
study table only when the settings that table depends on (:data:`COMPARISON_SETTINGS`) are the
study's (:data:`STUDY_SETTINGS`); otherwise the table is replaced by a note naming the settings
that differ. Each section is one function of :data:`SECTIONS` (id, title, function).
"""

from __future__ import annotations

import argparse
import html
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from medres import figures, rsr
from medres.figures import Marts, MissingMartError
from medres.publish import write_atomically

STUDY = ("Yao, Yu, Zhang: Whether the Distribution of Medical Resources among Provinces is "
         "Balanced, Int. J. Frontiers in Medicine 5(5), 2023 (data year 2020)")
#: The data year of the study: its printed tables are compared with medres's values of this year.
STUDY_YEAR = 2020
DIFF_MARK = "≠"
#: How a missing lower cut-off (the worst grade's; null in the marts) is shown.
NO_BOUND = "none (−∞)"
TOTAL_COLUMNS = [
    ("institutions", "Institutions", 0),
    ("health_personnel_10k", "Health personnel (10k)", 1),
    ("beds_10k", "Beds (10k)", 1),
    ("health_expenditure_per_capita_yuan", "Health expenditure per capita (yuan)", 1),
]
#: The study's choices: the default value of each dbt var (dbt_project.yml; a test keeps them
#: equal). A comparison with a printed table is only made when the build used these values.
STUDY_SETTINGS: dict[str, object] = {
    "medres_population_basis": "yearend",
    "medres_rsr_indicators": [
        {"name": "r1", "column": "beds_per_1000", "direction": "positive", "weight": 1},
        {"name": "r2", "column": "institutions_per_10k", "direction": "positive", "weight": 1},
        {"name": "r3", "column": "health_workforce_per_1000", "direction": "positive", "weight": 1},
        {"name": "r4", "column": "health_expenditure_per_capita_yuan", "direction": "positive",
         "weight": 1},
    ],
    "medres_rsr_weighting": "configured",
    "medres_rsr_grades": 5,
    "medres_rsr_fit_rows": "all",
    "medres_rsr_grade_on": "fitted",
    "medres_rsr_alpha": 0.05,
    "medres_rsr_force": False,
    "medres_cluster_columns": ["institutions", "health_personnel_10k", "beds_10k",
                               "health_expenditure_per_capita_yuan"],
    "medres_cluster_standardize": "z",
    "medres_cluster_linkage": "average",
    "medres_cluster_metric": "sqeuclidean",
    "medres_cluster_k": 5,
    "medres_fudan_ranking_size": 100,
}
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
#: A setting absent from dim_build_settings (a build older than the mart).
UNRECORDED = object()
#: The study's printed tables as the report's sections name them, and the marts that publish them
#: (seeds/study/, provenance in seeds/SOURCES.md).
STUDY_TABLES = {
    "table1": "study_2020_table1_groups",
    "totals": "study_2020_tables2_6_totals",
    "table8": "study_2020_table8_rsr_ranks",
    "table9": "study_2020_table9_regression",
    "table10": "study_2020_table10_thresholds",
    "table11": "study_2020_table11_grades",
}
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
    "fct_rsr_grade_robustness", "fct_rsr_fit_diagnostics",
)
#: Every mart the report reads, its figures' included: the depends_on of the exposure
#: medres_report (models/marts/_exposures.yml; python_tests/test_lineage.py keeps the three equal,
#: and every mart name in this module and medres.figures inside this set).
MARTS_READ = tuple(sorted({*REPORT_MARTS, *(name for names in figures.FIGURE_MARTS.values()
                                             for name in names)}))


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def fmt(value: object, decimals: int | None = None) -> str:
    """Number formatting for the tables; '' for missing."""
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


def differs(printed: object, ours: object, decimals: int) -> bool:
    """True when ``ours`` rounded to the printed precision is not the printed value."""
    if printed is None or ours is None:
        return printed is not ours
    try:
        p, o = float(printed), float(ours)
    except (TypeError, ValueError):
        return str(printed) != str(ours)
    if math.isnan(p) or math.isnan(o):
        return math.isnan(p) != math.isnan(o)
    return abs(round(o, decimals) - round(p, decimals)) > 10 ** (-decimals) / 2


# --- HTML building -----------------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    diff: bool = False
    css: str = ""
    title: str = ""

    def render(self, tag: str = "td") -> str:
        classes = " ".join(c for c in (self.css, "diff" if self.diff else "") if c)
        attributes = f' class="{esc(classes)}"' if classes else ""
        if self.diff:
            attributes += ' data-diff="1"'
        if self.title or self.diff:
            attributes += f' title="{esc(self.title or "differs from the printed value")}"'
        mark = f' <span class="flag" aria-label="differs">{DIFF_MARK}</span>' if self.diff else ""
        return f"<{tag}{attributes}>{esc(self.text)}{mark}</{tag}>"


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

    def render(self) -> str:
        head = "".join(f"<th scope=\"col\">{esc(h)}</th>" for h in self.headers)
        body = []
        for row in self.rows:
            css = ' class="has-diff"' if any(c.diff for c in row) else ""
            body.append(f"<tr{css}>" + "".join(c.render() for c in row) + "</tr>")
        note = f'<p class="note">{esc(self.note)}</p>' if self.note else ""
        diffs = self.diff_count
        summary = (f'<p class="diff-summary">{diffs} value(s) differ from the printed ones '
                   f'(marked {DIFF_MARK}).</p>' if diffs else "")
        return (
            f'<div class="table-wrap"><table id="{esc(self.table_id)}" '
            f'data-rows="{len(self.rows)}"><caption>{esc(self.caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
            f"{summary}{note}"
        )


# --- The study's printed tables ------------------------------------------------------------------


def load_study_tables(marts: Marts) -> dict[str, pd.DataFrame]:
    """The study's printed tables (:data:`STUDY_TABLES`) in their printed row order."""
    return {key: marts(name).sort_values("printed_row").reset_index(drop=True)
            for key, name in STUDY_TABLES.items()}


# --- Sections ----------------------------------------------------------------------------------


@dataclass
class Context:
    """What the sections read: the marts, the study's printed tables, the report year (the lens
    figures and tables) and the study's year (every comparison with the printed tables)."""

    marts: Marts
    ref: dict[str, pd.DataFrame]
    year: int
    figures: dict[str, figures.FigureResult]
    study_year: int = STUDY_YEAR

    @property
    def settings(self) -> dict[str, object]:
        """The settings the marts were built with (dim_build_settings), parsed from JSON."""
        return figures.build_settings(self.marts)

    def differing_settings(self, comparison: str) -> list[tuple[str, object, object]]:
        """(setting, built value, study value) for each setting ``comparison`` depends on whose
        built value is not the study's; a setting the build did not record counts as differing."""
        built = self.settings
        return [(name, built.get(name, UNRECORDED), STUDY_SETTINGS[name])
                for name in COMPARISON_SETTINGS[comparison]
                if built.get(name, UNRECORDED) != STUDY_SETTINGS[name]]


def settings_note(context: Context, comparison: str, what: str, note_id: str | None = None) -> str:
    """HTML note replacing a comparison whose settings differ from the study's ('' if none do);
    its id is ``note-<comparison>`` unless ``note_id`` is given."""
    differing = context.differing_settings(comparison)
    if not differing:
        return ""
    text = "; ".join(
        f"{name} = {'not recorded' if built is UNRECORDED else figures.format_setting(built)}"
        f" (the study: {figures.format_setting(study)})" for name, built, study in differing)
    return (f'<p class="settings-note" id="{esc(note_id or "note-" + comparison)}" '
            f'data-comparison="{esc(comparison)}">{esc(what)} not compared with the study: the marts were built '
            f"with {esc(text)}, so the printed values are not what these settings would "
            "reproduce.</p>")


def figure_html(context: Context, name: str, caption: str) -> str:
    result = context.figures[name]
    png = f"figures/{result.files['png'].name}"
    svg = f"figures/{result.files['svg'].name}"
    return (
        f'<figure id="fig-{esc(name)}"><a href="{esc(svg)}"><img src="{esc(png)}" '
        f'alt="{esc(caption)}" loading="eager"></a><figcaption>{esc(caption)} '
        f'(<a href="{esc(svg)}">SVG</a>)</figcaption></figure>'
    )


def table1(context: Context) -> Table:
    clusters = figures.chosen_clusters(context.marts("fct_province_clusters"), context.study_year)
    ours = dict(zip(clusters["province_en"], clusters["cluster"].astype(int)))
    study = context.ref["table1"]
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


#: The study's Table 8 rank columns R1–R4.
PRINTED_RANK_COLUMNS = [f"r{i}_rank" for i in range(1, 5)]


def printed_rank_rsr(table8: pd.DataFrame) -> pd.Series:
    """RSR of each row of the study's Table 8 recomputed from its printed ranks R1–R4."""
    return rsr.rank_sum_ratio(table8[PRINTED_RANK_COLUMNS])


def tables2_6(context: Context) -> tuple[Table, Table]:
    totals = context.ref["totals"]
    group_map = context.ref["table1"].groupby("study_group")["medres_cluster"].first().to_dict()
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
    study = context.ref["table8"]
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
    for row in context.ref["table9"].itertuples(index=False):
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
    for row in context.ref["table10"].itertuples(index=False):
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
    study = context.ref["table11"]
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


def grade_agreement(context: Context) -> GradeAgreement:
    units = figures.for_year(context.marts("fct_province_rsr"), context.study_year)
    grade_of = {p: int(g) for p, g in zip(units["province_en"], units["grade"]) if pd.notna(g)}
    rsr_of = dict(zip(units["province_en"], units["rsr"]))
    ranks = figures.for_year(context.marts("fct_province_indicator_ranks"), context.study_year)
    ranks = ranks.pivot(index="province_en", columns="indicator", values="indicator_rank")
    t8 = context.ref["table8"].set_index("province")
    recomputed = printed_rank_rsr(context.ref["table8"]).set_axis(t8.index)
    inconsistent = {p for p in t8.index if differs(t8.loc[p, "printed_rsr"], recomputed[p], 2)}
    study = context.ref["table11"]
    rows = []
    for row in study.itertuples(index=False):
        mine = grade_of.get(row.province_en)
        if mine == int(row.grade):
            continue
        changed = [f"R{i}" for i in range(1, 5)
                   if row.province_en in ranks.index and f"r{i}" in ranks.columns
                   and differs(t8.loc[row.province_en, f"r{i}_rank"],
                               ranks.loc[row.province_en, f"r{i}"], 1)]
        rows.append({"province_en": row.province_en, "printed_grade": int(row.grade),
                     "medres_grade": mine, "printed_rsr": t8.loc[row.province_en, "printed_rsr"],
                     "printed_rank_rsr": recomputed[row.province_en],
                     "medres_rsr": rsr_of.get(row.province_en),
                     "ranks_differ": ", ".join(changed)})
    differences = pd.DataFrame(rows, columns=["province_en", "printed_grade", "medres_grade",
                                              "printed_rsr", "printed_rank_rsr", "medres_rsr",
                                              "ranks_differ"])
    return GradeAgreement(len(study) - len(differences), len(study), differences, inconsistent)


def printed_r4_mismatch(context: Context) -> pd.DataFrame:
    """Per province of Table 8: the printed R4 rank, the average rank of the study's own
    per-capita expenditure (Tables 2–6) and whether they differ."""
    totals = context.ref["totals"].set_index("province_en")["health_expenditure_per_capita_yuan"]
    t8 = context.ref["table8"].set_index("province")
    own = totals.rank(method="average").reindex(t8.index)
    return pd.DataFrame({"value": totals.reindex(t8.index), "printed": t8["r4_rank"],
                         "own": own, "differs": own != t8["r4_rank"]})


def grade_results(context: Context) -> str:
    """The Results paragraph of the per-capita section: how many of the study year's grades
    agree with Table 11 and why the others differ (computed, not written in)."""
    if context.differing_settings("table-11"):
        return settings_note(context, "table-11", "Grade agreement with Table 11",
                             note_id="note-grade-agreement")
    result = grade_agreement(context)
    diff = result.differences
    n_diff = len(diff)
    from_rsr = int(diff["province_en"].isin(result.printed_rsr_inconsistent).sum())
    by_rank = {f"R{i}": int(diff["ranks_differ"].str.contains(f"R{i}").sum()) for i in range(1, 5)}
    per_capita = figures.for_year(context.marts("fct_province_per_capita"), context.study_year)
    beijing = per_capita.set_index("province_en").loc["Beijing"]
    measure = str(beijing["health_workforce_measure"])
    t8 = context.ref["table8"]
    r1_counts = t8["r1_rank"].value_counts()
    r1_value = dict(zip(per_capita["province_en"], per_capita["beds_per_1000"]))
    r1_ties = "; ".join(
        f"rank {int(rank)}: " + " and ".join(
            f"{p} {r1_value.get(p, math.nan):.2f}" for p in t8.loc[t8["r1_rank"] == rank, "province"])
        for rank, count in sorted(r1_counts.items()) if count > 1)
    r4 = printed_r4_mismatch(context)
    beijing_r4 = r4.loc["Beijing"]
    text = (
        f"<p id=\"grade-agreement\"><strong>Results.</strong> {result.agree} of "
        f"{result.total} {context.study_year} grades agree with the study's Table 11 "
        f"({n_diff} differ). Why the others differ: "
        f"(1) the study graded its printed RSR column, which does not follow from its own ranks "
        f"(Errata): {len(result.printed_rsr_inconsistent)} of {len(t8)} printed RSR values differ "
        f"from Σ printed ranks / (4·{len(t8)}) at two decimals ({from_rsr} of the {n_diff} "
        f"differing provinces among them); "
        f"(2) the printed R4 ranks do not rank the study's own per-capita expenditure of Tables "
        f"2–6, the Yearbook values medres uses too: {int(r4['differs'].sum())} of {len(r4)} "
        f"differ (Beijing, the highest at {beijing_r4['value']:,.1f} yuan, is printed rank "
        f"{int(beijing_r4['printed'])}, not {beijing_r4['own']:g}); "
        f"(3) rounding ties: the study ranks values rounded to one decimal, medres the unrounded "
        f"ones (printed R1 repeats {esc(r1_ties)} per 1,000); "
        f"(4) R3 is now the official health-technician series (<code>{esc(measure)}</code>), "
        f"e.g. Beijing {beijing['health_workforce_per_1000']:.2f} per 1,000, the study's "
        "quoted \"12.6\"; the study prints no R3 values, only ranks. Among the differing "
        "provinces, medres's rank differs from the printed one in " + ", ".join(
            f"{k} for {v}" for k, v in by_rank.items()) + " (the table below).</p>")
    table = Table("table-11-differences",
                  f"Provinces whose {context.study_year} grade differs from Table 11",
                  ["Province", "Grade printed", "Grade medres", "RSR printed",
                   "Σ printed ranks / 124", "RSR medres", "medres rank ≠ printed"])
    for row in diff.itertuples(index=False):
        table.rows.append([Cell(row.province_en), cell(row.printed_grade), cell(row.medres_grade),
                           cell(row.printed_rsr, 2), cell(row.printed_rank_rsr, 2),
                           cell(row.medres_rsr, 3), Cell(row.ranks_differ or "none")])
    return text + table.render()


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
        study = STUDY_SETTINGS.get(name, UNRECORDED)
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


def grade_css(context: Context) -> str:
    """Background of each grade's cells in the figures' palette (dark grades in white text)."""
    from matplotlib.colors import to_hex

    grades = sorted(int(g) for g in context.marts("fct_rsr_grade_thresholds")["grade"].unique())
    palette = figures.grade_palette(grades)
    dark = set(grades[: max(1, len(grades) // 2)])
    return "".join(
        f"td.grade-{g}{{background:{to_hex(palette[g])};text-align:center"
        f"{';color:#fff' if g in dark else ''}}}" for g in grades
    ) + "td.grade-none{background:#ddd;text-align:center}"


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


def trend_clusters_table(context: Context) -> tuple[Table, str]:
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
    by_columns: dict[str, list[int]] = {}
    for year, value in columns.items():
        by_columns.setdefault(value, []).append(year)
    clustered = "; ".join(f"{', '.join(map(str, ys))}: {c}" for c, ys in by_columns.items())
    text = (f"<p>{stable} of {stable + len(moving)} provinces are in the same cluster in every year; "
            f"{len(moving)} change at least once (cells outside the province's most frequent "
            "cluster are marked). Clusters are numbered within each year by mean standardised "
            "level (1 = lowest), so a number means the same rank of group, not the same group "
            "or the same level, across years: compare numbers only loosely. The clustered columns "
            f"also differ by year ({esc(clustered)}), which alone moves groups in the year with "
            "an extra column.</p>")
    return table, text


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


def errata(context: Context) -> list[tuple[str, str, Table | None]]:
    """(title, evidence text, optional evidence table) for each inconsistency of the study."""
    items: list[tuple[str, str, Table | None]] = []
    t8 = context.ref["table8"]
    n = len(t8)
    ranks = PRINTED_RANK_COLUMNS
    recomputed = printed_rank_rsr(t8)
    evidence = Table("errata-table8-rsr", "Table 8: printed RSR vs Σ printed ranks / (4·31)",
                     ["Province", "Printed ranks", "Σ", "Σ/124", "Printed RSR"])
    mismatches = 0
    for row, value in zip(t8.itertuples(index=False), recomputed):
        bad = differs(row.printed_rsr, value, 2)
        mismatches += bad
        total = int(sum(getattr(row, r) for r in ranks))
        evidence.rows.append([Cell(row.province), Cell(", ".join(str(getattr(row, r))
                              for r in ranks)), cell(total), cell(value, 2, diff=bad),
                              cell(row.printed_rsr, 2)])
    beijing = t8.set_index("province").loc["Beijing"]
    b_sum = int(beijing[ranks].sum())
    items.append((
        "Table 8: the printed RSR does not follow from the printed ranks",
        f"RSR = Σ ranks / (m·n) with m = 4 indicators and n = {n} provinces. Beijing's printed "
        f"ranks {', '.join(str(int(beijing[r])) for r in ranks)} give {b_sum}/{4 * n} = "
        f"{b_sum / (4 * n):.2f}, printed {beijing['printed_rsr']:.2f}. {mismatches} of {n} "
        "printed RSR values differ from the recomputed value at two decimals. Tables 9–11 follow "
        "the printed RSR column, not the ranks.",
        evidence,
    ))
    rank_lines = []
    expected_sum = n * (n + 1) // 2
    for i, column in enumerate(ranks, start=1):
        values = t8[column].astype(int)
        counts = values.value_counts()
        repeated = sorted(int(v) for v, c in counts.items() if c > 1)
        repeats = ", ".join(f"{v} ({int(counts[v])}×)" for v in repeated) or "none"
        absent = sorted(set(range(1, n + 1)) - set(values)) or "none"
        rank_lines.append(
            f"R{i}: sum {int(values.sum())} (a ranking of {n} sums to {expected_sum}); repeated "
            f"ranks {repeats}; missing ranks {absent if absent == 'none' else ', '.join(map(str, absent))}."
        )
    items.append((
        "Table 8: the printed rank columns are not valid rankings",
        "The study says tied values get average ranks, so each column should be a permutation "
        "of 1–31 (or contain averaged ties summing to the same total). " + " ".join(rank_lines),
        None,
    ))
    r4 = printed_r4_mismatch(context)
    worst = r4.assign(gap=(r4["own"] - r4["printed"]).abs()).sort_values("gap").iloc[-1]
    items.append((
        "Table 8: the printed R4 ranks do not rank the study's own R4 values",
        f"R4 is per-capita health expenditure, printed per province in Tables 2–6. Ranking those "
        f"values (average ranks) gives a different rank than the printed R4 for "
        f"{int(r4['differs'].sum())} of {len(r4)} provinces; e.g. Beijing, the highest "
        f"({r4.loc['Beijing', 'value']:,.1f} yuan), is printed rank "
        f"{int(r4.loc['Beijing', 'printed'])}, and {worst.name} ({worst['value']:,.1f} yuan, rank "
        f"{worst['own']:g}) is printed rank {int(worst['printed'])}.",
        None,
    ))
    # Table 11 vs Table 10 (graded on the printed RSR) and the text.
    t10 = context.ref["table10"].dropna(subset=["rsr_lower"]).sort_values("grade")
    t11 = dict(zip(context.ref["table11"]["province_en"], context.ref["table11"]["grade"]))
    lines = []
    raw_grades = rsr.assign_grades(t8["printed_rsr"], [*t10["rsr_lower"], -math.inf])
    for row, raw_grade in zip(t8.itertuples(index=False), raw_grades):
        if raw_grade != t11.get(row.province):
            lines.append(f"{row.province}: printed RSR {row.printed_rsr:.2f} falls in grade "
                         f"{raw_grade} by Table 10's fitted-RSR cut-offs, Table 11 says grade "
                         f"{t11.get(row.province)}")
    same = t8[t8["printed_rsr"] == t8.set_index("province").loc["Qinghai", "printed_rsr"]]
    items.append((
        "Table 11 against Table 10 and Table 8",
        "; ".join(lines) + ". (Grading the fitted, not the observed, RSR explains such cases.) "
        f"{' and '.join(same['province'])} share the printed RSR "
        f"{same['printed_rsr'].iloc[0]:.2f} but Table 11 puts Qinghai in grade {t11['Qinghai']} "
        f"and Jilin in grade {t11['Jilin']}, so the unrounded RSR used for grading are not the "
        "printed ones.",
        None,
    ))
    items.append((
        "The text's grade numbering contradicts Table 11",
        "Table 11 lists Inner Mongolia, Shaanxi, Jilin, Heilongjiang, Shanghai, Sichuan and Hunan "
        "as grade 2 ('Higher'), but the text calls them 'the fourth level'. The map text inverts "
        "the grades: it says 'the fifth and fourth grade provinces … with relatively high per "
        "capita medical resources' (Table 11: grade 5 = Low, grade 4 = Lower), that central "
        "provinces are 'in the second grade except Hunan Province, which is in the fourth grade' "
        "(Table 11: central provinces are grade 3, Hunan grade 2), and that Guangdong is "
        "'separately classified in the first level' (Table 11: grade 5, the only province there).",
        None,
    ))
    t9 = dict(zip(context.ref["table9"]["statistic"],
                  context.ref["table9"]["printed_value"].astype(float)))
    items.append((
        "R = 0.990 in the text vs R² = 0.957 in Table 9",
        f"The text reports R = {t9['r_text']:.3f}, but Table 9's R² = {t9['r_squared']:.3f} "
        f"gives R = √{t9['r_squared']:.3f} = {math.sqrt(t9['r_squared']):.3f}, which is Table 9's "
        f"standardised Beta {t9['slope_beta']:.3f}; 0.990² = {0.99 ** 2:.3f}. (F = t² is "
        f"consistent: {t9['slope_t']:.3f}² = {t9['slope_t'] ** 2:.1f} vs F {t9['f_statistic']:.3f}.)",
        None,
    ))
    totals = context.ref["totals"]
    means = totals.groupby("study_group")["health_expenditure_per_capita_yuan"].mean()
    beijing_yuan = float(totals.set_index("province_en").loc["Beijing",
                                                            "health_expenditure_per_capita_yuan"])
    per_capita = figures.for_year(context.marts("fct_province_per_capita"), context.study_year)
    population = dict(zip(per_capita["province_en"], per_capita["population_10k"]))
    beijing_total = beijing_yuan * population.get("Beijing", float("nan")) * 1e4 / 1e9
    items.append((
        "'Total health expenses (Billion)' holds per-capita yuan; the text's billions are yuan",
        f"Tables 2–6 head the column 'Total health expenses (Billion)', but its values are "
        f"per-capita total health expenditure in yuan: Beijing {beijing_yuan:,.1f}, and the "
        "study's own section 4 says the 'per capita health expenditure' of Beijing and Shanghai "
        f"'has exceeded 10000 yuan' (Table 6: {beijing_yuan:,.1f} and "
        f"{float(totals.set_index('province_en').loc['Shanghai', 'health_expenditure_per_capita_yuan']):,.1f}). "
        f"Times Beijing's {population.get('Beijing', float('nan')):,.0f} × 10,000 residents it "
        f"is a total of {beijing_total:,.1f} billion yuan, not {beijing_yuan:,.1f} billion. The "
        f"text then reads the column as totals: group 3's 'average total health expenditure … "
        f"557.48 billion yuan' is the mean per-capita value {means[3]:,.2f} yuan with the decimal "
        f"point moved, and group 5's '1.2 trillion yuan' is the per-capita mean {means[5]:,.2f} "
        f"yuan. The group 1 text ('around 5000 yuan'; mean {means[1]:,.1f}) uses the right unit.",
        None,
    ))
    repairs = totals[totals["ocr_repair"].notna()]
    ocr = Table("errata-ocr", "OCR-broken values in Tables 2–6 (as repaired in the seeds)",
                ["Table", "Province", "Printed (OCR)", "Read as"])
    for row in repairs.itertuples(index=False):
        column, _, printed = row.ocr_repair.partition(" printed ")
        value = row.province_en if column == "province" else fmt(getattr(row, column), 1)
        ocr.rows.append([cell(int(row.study_table)), Cell(row.province_en),
                         Cell(f"{column}: {printed}"), Cell(value)])
    group4 = totals[totals["study_group"] == 4]
    items.append((
        "OCR-broken digits",
        "The text of the study has lost decimal points (and once gained a space) in Tables 2–6; "
        "each repair is the only reading consistent with the one-decimal column. The text "
        f"confirms one: group 4's average beds '585000' is the mean with Hebei = 44.2 "
        f"({group4['beds_10k'].mean() * 1e4:,.0f}), not 442. Also 'Chonggqing' / 'Chongging' "
        "for Chongqing and garbled significance marks in Table 9.",
        ocr,
    ))
    group = totals.groupby("study_group")
    g3_inst, g4_inst = group["institutions"].mean()[3], group["institutions"].mean()[4]
    items.append((
        "Group 3 text: 'more than 77000' institutions is group 4's mean",
        f"Table 4 (Jiangsu, Zhejiang, Guangdong) averages {g3_inst:,.0f} institutions; "
        f"'more than 77000' is the mean of Table 5 (group 4, {g4_inst:,.0f}).",
        None,
    ))
    g2 = group.get_group(2)
    spend = g2["health_expenditure_per_capita_yuan"]
    items.append((
        "Group 2 text: expenditure 'around 3000 to 4000'",
        f"The text's group 2 averages of institutions ('less than 30000'), personnel (367000) "
        f"and beds (263000) agree with Table 3 ({g2['institutions'].mean():,.0f}, "
        f"{g2['health_personnel_10k'].mean() * 1e4:,.0f}, {g2['beds_10k'].mean() * 1e4:,.0f}), "
        f"but its expenditure 'around 3000 to 4000' does not: Table 3 averages {spend.mean():,.1f} "
        f"yuan per capita, {int((spend > 4000).sum())} of its {len(spend)} provinces are above "
        f"4,000 (range {spend.min():,.1f}–{spend.max():,.1f}).",
        None,
    ))
    leaders = {label: totals.loc[totals[column].idxmax()] for column, label, _ in TOTAL_COLUMNS[:3]}
    gd = totals.set_index("province_en").loc["Guangdong"]
    items.append((
        "Conclusion (4): Guangdong does not rank first in every total",
        "The conclusion says 'Guangdong ranks first in the total amount of various medical "
        "resources'. By Tables 2–6: " + "; ".join(
            f"{label}: {row.province_en} {fmt(row[column], d)} vs Guangdong {fmt(gd[column], d)}"
            for (column, label, d), row in zip(TOTAL_COLUMNS[:3], leaders.values())) + ".",
        None,
    ))
    t11_table = context.ref["table11"]
    liaoning = int(t11_table.set_index("province_en").loc["Liaoning", "grade"])
    items.append((
        "Abstract and conclusion (3): 'the three northeastern provinces' are not all high",
        f"They name the three northeastern provinces among the high per-capita provinces, but "
        f"Table 11 puts Liaoning in grade {liaoning} (Secondary), below Jilin and Heilongjiang "
        "(grade 2).",
        None,
    ))
    return items


# --- Page --------------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;
color:#1d2329;background:#fafafa;line-height:1.45}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 1.2rem}
header{padding-top:1.2rem}h1{font-size:1.6rem;margin:.4rem 0}h2{border-bottom:2px solid #ccd;
padding-bottom:.2rem;margin-top:2.2rem}h3{margin-top:1.6rem}
nav ul{columns:2;padding-left:1.2rem}figure{margin:1rem 0;background:#fff;border:1px solid #dde;
padding:.6rem}figure img{max-width:100%;height:auto;display:block;margin:0 auto}
figcaption{font-size:.85rem;color:#444;margin-top:.3rem}
.table-wrap{overflow-x:auto}table{border-collapse:collapse;margin:.8rem 0;background:#fff;
font-size:.82rem}caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #d4d7de;padding:.2rem .45rem;text-align:right;vertical-align:top}
th{background:#eef0f5}td:first-child,th:first-child{text-align:left}
tr.has-diff{background:#fff8e6}td.diff{background:#fde2e1;color:#8a1c12;font-weight:600}
.flag{color:#c0392b;font-weight:700}td.ocr{background:#e8f1ff}
.note,.diff-summary{font-size:.82rem;color:#444;margin:.2rem 0 .8rem}
.diff-summary{color:#8a1c12}.errata li{margin-bottom:1rem}.legend span{padding:0 .4rem}
footer{font-size:.8rem;color:#555;padding-bottom:2rem;margin-top:2rem}
.settings-note{background:#eef3fb;border-left:4px solid #5b7db1;padding:.4rem .6rem;
font-size:.88rem}td.setting-differs{background:#eef3fb;font-weight:600}
td.changed{background:#fff1c9;font-weight:600}
"""


def comparison(context: Context, key: str, what: str, render_tables) -> str:
    """The rendered comparison tables, or the note naming the settings that differ."""
    return settings_note(context, key, what) or "".join(t.render() for t in render_tables())


def settings_section(context: Context) -> str:
    return ("<p>The marts record the dbt vars they were built with; the report and the figures "
            "state them, and each comparison with a printed table of the study is made only when "
            "the settings it depends on are the study's.</p>" + settings_table(context).render())


def totals_section(context: Context) -> str:
    y = context.year
    parts = ["<p>Institutions, health personnel, beds and per-capita health expenditure per "
             "province, Z-scored and clustered SPSS-style (squared Euclidean distance, "
             "between-groups average linkage). Cluster 1 = lowest mean standardised level. "
             f"The comparison with the study's Tables 1–6 uses {context.study_year}.</p>",
             figure_html(context, "dendrogram",
                         f"Dendrogram, distances rescaled to 0–25, cut at the chosen k ({y}); "
                         "cf. the study's Fig. 2"),
             figure_html(context, "map_cluster_group", f"Cluster group by province ({y})"),
             comparison(context, "table-1", "Table 1", lambda: [table1(context)]),
             cluster_profiles_table(context).render(),
             comparison(context, "tables-2-6", "Tables 2–6", lambda: list(tables2_6(context))),
             diagnostics_table(context).render()]
    return "".join(parts)


def per_capita_section(context: Context) -> str:
    y = context.year
    measure = workforce_measure(context)
    fit = figures.grading_fit(context.marts("fct_rsr_regression"), y)
    evaluation = figures.for_year(context.marts("fct_rsr_evaluations"), y).iloc[0]
    r3_text = ("health personnel per 1,000 people (the year has no complete technician series)"
               if measure == "health_personnel_per_1000" else "health technicians per 1,000 people")
    parts = [
        f"<p>R1 beds per 1,000 people, R2 institutions per 10,000, R3 {esc(r3_text)} "
        f"(fct_province_per_capita.health_workforce_measure = <code>{esc(measure)}</code>), "
        f"R4 per-capita health expenditure (sourced for 2020 only). Indicator set of {y}: "
        f"{esc(figures.indicator_set_label(evaluation['indicator_set']))}. medres's regression "
        f"({y}): RSR = {esc(fmt(fit['intercept'], 3))} + {esc(fmt(fit['slope'], 3))}·probit, "
        f"R² = {esc(fmt(fit['r_squared'], 3))}. The comparison with the study's Tables 8–11 "
        f"uses {context.study_year}.</p>",
        grade_results(context),
        figure_html(context, "per_capita_indicators", f"R1–R4 per province, each sorted ({y})"),
        figure_html(context, "rsr_probit",
                    f"RSR against probit with the fitted line and grade cut-offs ({y}); cf. the "
                    "study's Fig. 3"),
        figure_html(context, "map_rsr_grade", f"RSR grade by province ({y}); cf. the study's Fig. 4"),
        thresholds_table(context).render(),
        comparison(context, "table-8", "Table 8", lambda: [table8(context)]),
        comparison(context, "table-9", "Table 9", lambda: [table9(context)]),
        comparison(context, "table-10", "Table 10", lambda: [table10(context)]),
        comparison(context, "table-11", "Table 11", lambda: list(table11(context))),
    ]
    return "".join(parts)


def quality_section(context: Context) -> str:
    quality, edition, with_hospitals = quality_table(context)
    parts = [f"<p>Score of a province = reputation + research score of its hospitals in the "
             f"Fudan top 100 (zero where it has none). Map and table: edition {esc(edition)} "
             f"(the default edition; the study used 2020).</p>",
             figure_html(context, "map_quality_score",
                         f"Quality score by province, edition {edition}; cf. the study's Fig. 5")]

    def claims() -> list[Table]:
        claim = Table("quality-claims", "The study's statements on the top 100 vs medres",
                      ["Statement (study text)", "Printed", "medres (edition 2020)"])
        study_edition = with_hospitals.get(2020)
        if study_edition is not None:
            claim.rows.append([Cell("provinces with a top-100 hospital"), cell(19),
                               cell(study_edition, diff=study_edition != 19)])
        return [claim] if claim.rows else []

    parts += [comparison(context, "quality-claims", "The top-100 statements", claims),
              quality.render()]
    return "".join(parts)


def trend_section(context: Context) -> str:
    years = sorted(context.marts("dim_years")["year"].astype(int))
    clusters_table, clusters_text = trend_clusters_table(context)
    editions = sorted(int(e) for e in context.marts("fct_province_quality_scores")["edition"].unique())
    return "".join([
        f"<p>Every year of the panel ({years[0]}–{years[-1]}), from the published marts. The "
        "comparison with the study above stays on 2020.</p>",
        '<h3 id="trend-per-capita-heading">Per-capita indicators by year</h3>',
        figure_html(context, "trend_per_capita",
                    "Per-capita indicators by year, 31 provinces and the three regions "
                    "(Σ numerator / Σ population)"),
        trend_per_capita_table(context).render(),
        '<h3 id="trend-grades-heading">RSR grade of each province by year</h3>',
        figure_html(context, "trend_rsr_grades",
                    "RSR grade by province and year; column heads give the indicator set"),
        trend_grades_table(context).render(),
        '<h3 id="trend-clusters-heading">Cluster membership across years</h3>',
        clusters_text, clusters_table.render(),
        '<h3 id="trend-quality-heading">Quality scores by Fudan edition</h3>',
        figure_html(context, "trend_quality_scores",
                    f"Quality score by province, Fudan editions {', '.join(map(str, editions))}"),
        trend_quality_table(context).render(),
    ])


# --- Inequality ------------------------------------------------------------------------------

#: The resource the inequality section states its headline numbers for (R3's numerator).
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
                           Cell(row.most_influential_province_en), cell(row.value_without_most_influential, 4)])
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
                       f"each other province left out. Fragile: fewer than {esc(fmt(threshold))} "
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


def robustness_findings(context: Context) -> str:
    """Which regional gaps are larger than chance and which grades are robust, from the marts."""
    y = context.year
    permutation = figures.for_year(context.marts("fct_inequality_theil_permutation"), y)
    alpha = context.settings.get("medres_inequality_alpha")
    t_rows = permutation[(permutation["theil_form"] == "theil_t")
                         & (permutation["grouping"] == "region_3")].set_index("resource")
    larger = [f"{resource_label(r)} ({100 * row.between_share:.1f} %, p = {row.p_value:.3f})"
              for r, row in t_rows.iterrows() if row.is_larger_than_chance]
    chance = [f"{resource_label(r)} ({100 * row.between_share:.1f} %, p = {row.p_value:.2f})"
              for r, row in t_rows.iterrows() if not row.is_larger_than_chance]
    robustness = figures.for_year(context.marts("fct_rsr_grade_robustness"), y)
    fragile = robustness[~robustness["is_robust"].astype(bool)].sort_values("agree_share")
    fragile_list = ", ".join(f"{r.province_en} ({r.agree_share:.2f})" for r in fragile.itertuples())
    diagnostics = context.marts("fct_rsr_fit_diagnostics")
    graded = diagnostics[diagnostics["used_for_grading"]]
    rsr_alpha = context.settings.get("medres_rsr_alpha")
    curved = graded[graded["curvature_p"] < rsr_alpha]
    clustered = figures.for_year(context.marts("fct_cluster_diagnostics"), y).set_index("k")
    return (
        f"<p id=\"robustness-findings\"><strong>Checks that can fail ({y}).</strong> "
        f"Between the three regions, the Theil T share is larger than under random "
        f"reassignments of the provinces (p &lt; {esc(fmt(alpha))}) for "
        f"{esc('; '.join(larger) or 'no resource')}; it is within chance for "
        f"{esc('; '.join(chance) or 'no resource')}. "
        f"{len(robustness) - len(fragile)} of {len(robustness)} RSR grades are robust (at least "
        f"{esc(fmt(context.settings.get('medres_rsr_robust_share')))} of the method's variants "
        f"agree); fragile: {esc(fragile_list or 'none')}. "
        f"The RSR-on-probit line shows significant curvature (p &lt; {esc(fmt(rsr_alpha))}) in "
        f"{len(curved)} of {len(graded)} years, although its slope passes the significance gate "
        f"in every year (that gate cannot fail). Cluster silhouette width (Euclidean): "
        + ", ".join(f"k = {int(k)} {row.silhouette:.3f}" for k, row in clustered.iterrows())
        + ".</p>"
    )


def inequality_findings(context: Context) -> str:
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
    label = resource_label(r)

    def than_people(resource: str) -> str:
        share, people = east.loc[resource, "resource_share"], east.loc[resource, "population_share"]
        return "more than" if share > people else "less than" if share < people else "the same as"

    return (
        f"<p>The study says medical resources are \"more in the east and less in the west\" "
        f"without measuring it. Measured ({y}): the East (yearbook division) holds "
        f"{100 * east.loc[r, 'resource_share']:.1f} % of the country's {label} and "
        f"{100 * east.loc[r, 'population_share']:.1f} % of its people ({than_people(r)} its share "
        f"of the people), and {100 * east.loc['beds_10k', 'resource_share']:.1f} % of the beds "
        f"({than_people('beds_10k')} its share of the people). Per person the "
        f"distribution is close to equal: the Gini coefficient of {label} against population is "
        f"{gini[(y, r, 'population')]:.3f} (beds {gini[(y, 'beds_10k', 'population')]:.3f}), and "
        f"the differences between the three regions make up only "
        f"{between.loc[(y, r), 'contribution_pct']:.1f} % of the Theil index of {label} (beds "
        f"{between.loc[(y, 'beds_10k'), 'contribution_pct']:.1f} %); the rest lies between "
        f"provinces of the same region. Per square kilometre it is very unequal: the Gini against "
        f"land area is {gini[(y, r, 'land_area')]:.3f}, because people are concentrated in the "
        f"east. So \"more in the east\" holds for resources per unit of land, which follow the "
        f"population (HRAD / PAD is between {headline['hrad_pad_ratio'].min():.2f} and "
        f"{headline['hrad_pad_ratio'].max():.2f} for {label}; {int((headline['hrad_pad_ratio'] > 1).sum())} "
        f"of {len(headline)} provinces have more than their population share), not per person. "
        f"Over {first}–{last} the Gini of {label} against population went from "
        f"{gini[(first, r, 'population')]:.3f} to {gini[(last, r, 'population')]:.3f}.</p>"
    )


def inequality_section(context: Context) -> str:
    return "".join([
        inequality_findings(context),
        figure_html(context, "lorenz_curves",
                    f"Lorenz curves against population and against land area ({context.year})"),
        gini_table(context).render(),
        region_shares_table(context).render(),
        figure_html(context, "theil_over_years",
                    "Theil T by year, split into between-region and within-region parts"),
        theil_table(context).render(),
        figure_html(context, "agglomeration",
                    f"Agglomeration degree of health technicians ({context.year})"),
        dispersion_table(context).render(),
        robustness_findings(context),
        permutation_table(context).render(),
        figure_html(context, "gini_over_years",
                    "Gini against population by year with its leave-one-province-out range"),
        jackknife_table(context).render(),
        fit_diagnostics_table(context).render(),
        fragile_grades_table(context).render(),
        grade_validity_table(context).render(),
    ])


# --- Below the provinces ------------------------------------------------------------------------

#: The city lens's resource and index the section leads with, and how many top cities it lists.
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


def city_section(context: Context) -> str:
    shares = figures.within_share_table(context.marts, CITY_RESOURCE, CITY_THEIL_FORM)
    first, last = shares.iloc[0], shares.iloc[-1]
    coverage = context.marts("fct_city_province_coverage")
    exclusions = coverage[coverage["exclusions"].notna()]
    excluded = "; ".join(f"{int(r.year)} {r.exclusions}" for r in exclusions.itertuples())
    form = "T" if CITY_THEIL_FORM == "theil_t" else "L"
    return "".join([
        f"<p>Theil {form} of {esc(CITY_RESOURCE)} across {int(shares['n_units'].min())}–"
        f"{int(shares['n_units'].max())} prefecture-level cities per year, decomposed exactly into "
        "a part between East, Central and West, a part between the provinces of a region and a "
        "part within provinces (between the cities of a province). The within-province part is "
        f"{fmt(first.within_province_pct, 1)} % of the index in {int(first.year)} and "
        f"{fmt(last.within_province_pct, 1)} % in {int(last.year)}. Shares use the population "
        "the yearbook printed for the year (column Population): it changes in 2015 and 2020, and "
        "the bed definition changes in 2017 (hospitals only), so a step at those years is partly "
        "a change of definition.</p>",
        city_share_table(shares).render(),
        figure_html(context, figures.CITY_FIGURE,
                    f"Contribution of the nested parts to the Theil {form} index of beds (stacked) "
                    "and the within-province share for doctors (line)"),
        city_top_table(context, int(last.year)).render(),
        city_recurring_table(context, int(first.year), int(last.year)).render(),
        (f"<p>Printed values left out (seeds/city/city_acknowledged_exceptions.csv): "
         f"{esc(excluded)}.</p>" if excluded else ""),
    ])


def errata_section(context: Context) -> str:
    parts = ['<ol class="errata">']
    for title, text, evidence in errata(context):
        parts.append(f"<li><strong>{esc(title)}.</strong> {esc(text)}"
                     f"{evidence.render() if evidence is not None else ''}</li>")
    parts.append("</ol>")
    return "".join(parts)


#: The report's sections in page order: (anchor id, heading, function of the context → HTML).
#: A new section is one function and one entry here.
SECTIONS: list[tuple[str, str, object]] = [
    ("settings", "Build settings", settings_section),
    ("totals", "Totals: clustering of the four total indicators (Tables 1–6, Fig. 2)",
     totals_section),
    ("per-capita", "Per capita: rank-sum ratio (RSR) (Tables 8–11, Figs. 3–4)", per_capita_section),
    ("quality", "Quality: Fudan top-100 hospitals (Fig. 5)", quality_section),
    ("change-over-time", "Change over time", trend_section),
    ("inequality", "Inequality: Gini, Theil, agglomeration (beyond the study)", inequality_section),
    ("city-panel", "Below the provinces: inequality between cities", city_section),
    ("errata", "Errata: inconsistencies in the study", errata_section),
]


def render(context: Context) -> str:
    y = context.year
    sections = [(anchor, title, function(context)) for anchor, title, function in SECTIONS]
    total_diffs = sum(html_text.count('data-diff="1"') for anchor, _, html_text in sections
                      if anchor != "errata")
    nav = "".join(f'<li><a href="#{esc(anchor)}">{i}. {esc(title)}</a></li>'
                  for i, (anchor, title, _) in enumerate(sections, start=1))
    parts = [f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>medres — medical resources of China's 31 provinces, {esc(y)}</title>
<link rel="icon" href="data:,">
<style>{CSS}{grade_css(context)}</style></head><body>
<header><h1>medres — medical resources of China's 31 provinces, {esc(y)}</h1>
<p>A reproduction of the method of one study of 2020 data ({esc(STUDY)}) from the official figures,
with medres's results beside the printed ones, and the change over every year of the panel.
Generated from the published marts (<code>published/</code>) by <code>python -m medres.report</code>.
All figures use English province names.</p>
<p class="legend">Legend: <span class="flag">{DIFF_MARK}</span> and a red cell = medres differs
from the printed value at the printed precision ({esc(total_diffs)} such cells in the study's
tables below); ✎ / blue cell = value repaired from the OCR text of the study.</p>
<nav><ul>{nav}</ul></nav></header><main>"""]
    for i, (anchor, title, html_text) in enumerate(sections, start=1):
        parts.append(f'<section id="{esc(anchor)}"><h2>{i}. {esc(title)}</h2>{html_text}</section>')
    parts.append("</main>")
    parts.append(f"<footer><p>Sources: seeds/SOURCES.md (NBS provincial series, China Health "
                 f"Statistics Yearbook 2021, Fudan rankings; the study's tables as transcribed in "
                 f"seeds/study/). {esc(figures.GEO_CREDIT)}</p></footer></body></html>")
    return "\n".join(parts)


def build(published: Path, out: Path, year: int | None = None) -> Path:
    """Draw the figures into ``out/figures`` and write ``out/index.html``; return its path."""
    marts = Marts(published)
    marts.require(MARTS_READ)
    if year is None:
        year = figures.report_year(marts("dim_years"))
    results = figures.generate(marts, out / "figures", year)
    context = Context(marts, load_study_tables(marts), year, {r.name: r for r in results})
    page = render(context)
    out.mkdir(parents=True, exist_ok=True)
    return write_atomically(out / "index.html", lambda staged: staged.write_text(page, encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=Path("published"))
    parser.add_argument("--out", type=Path, default=Path("reports"))
    arguments = parser.parse_args(argv)
    # The report year is the build's var medres_year (dim_years.is_report_year): one way to set it.
    try:
        target = build(arguments.published, arguments.out)
    except (MissingMartError, FileNotFoundError) as error:
        print(f"medres.report: {error}", file=sys.stderr)
        return 2
    print(f"medres: report written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
