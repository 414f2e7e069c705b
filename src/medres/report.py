"""The HTML report: the three lenses, the study's tables beside medres's values, and errata.

``python -m medres.report --published published --out reports`` draws the figures
(:mod:`medres.figures`) into ``<out>/figures/`` and writes ``<out>/index.html``. It reads the
published marts only, plus the transcription of the study's printed tables in
``reference/study_2020/`` (see its README). The page is static and self-contained apart from its
own figure files: no script, no CDN, no web font, so it works offline. Every value is HTML-escaped.

Every comparison cell whose medres value differs from the printed value (compared at the printed
precision) gets the CSS class ``diff`` and a visible mark ``≠``; every such row gets ``has-diff``.
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

DEFAULT_REFERENCE = figures.REPO_ROOT / "reference" / "study_2020"
STUDY = "Study (2020): Distribution and difference of medical resources among 31 provinces in China"
#: The data year of the study: its printed tables are compared with medres's values of this year.
STUDY_YEAR = 2020
DIFF_MARK = "≠"
TOTAL_COLUMNS = [
    ("institutions", "Institutions", 0),
    ("health_personnel_10k", "Health personnel (10k)", 1),
    ("beds_10k", "Beds (10k)", 1),
    ("health_expenditure_per_capita_yuan", "Health expenditure per capita (yuan)", 1),
]
REPORT_MARTS = (
    "dim_provinces", "dim_years", "fct_province_per_capita", "fct_province_indicator_ranks",
    "fct_rsr_evaluations", "fct_cluster_profile_means", "fct_province_rsr", "fct_rsr_regression",
    "fct_rsr_grade_thresholds", "fct_province_clusters", "fct_cluster_agglomeration",
    "fct_cluster_dendrogram_leaves", "fct_cluster_profiles", "fct_cluster_diagnostics",
    "fct_province_quality_scores",
)


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


# --- Reference data ----------------------------------------------------------------------------


def load_reference(reference: Path) -> dict[str, pd.DataFrame]:
    files = {
        "table1": "table1_groups.csv",
        "totals": "tables2_6_totals.csv",
        "table8": "table8_rsr_ranks.csv",
        "table9": "table9_regression.csv",
        "table10": "table10_thresholds.csv",
        "table11": "table11_grades.csv",
    }
    missing = [name for name in files.values() if not (reference / name).exists()]
    if missing:
        raise FileNotFoundError(f"study transcription missing in {reference}: {missing}")
    # Table 9 keeps its printed text so that its precision (0.990 has three decimals) survives.
    dtypes = {"table9": {"printed_value": str}}
    return {key: pd.read_csv(reference / name, dtype=dtypes.get(key)) for key, name in files.items()}


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
    )
    for row in context.ref["table10"].itertuples(index=False):
        mine = ours.loc[row.grade] if row.grade in ours.index else None
        cells = [cell(int(row.grade)), Cell(row.grade_label)]
        for column, decimals in (("percentile_lower", 3), ("probit_lower", 1), ("rsr_lower", 4)):
            printed = getattr(row, column)
            value = None if mine is None else float(mine[column])
            if pd.isna(printed):
                cells += [Cell("–"), cell(value, decimals)]
                continue
            cells += [cell(printed, decimals),
                      cell(value, decimals, diff=value is None or differs(printed, value, decimals))]
        table.rows.append(cells)
    return table


def table11(context: Context) -> tuple[Table, Table]:
    units = figures.for_year(context.marts("fct_province_rsr"), context.study_year)
    grade_of = dict(zip(units["province_en"], units["grade"].astype(int)))
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
                  columns)
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
"""


def render(context: Context) -> str:
    parts: list[str] = []
    y = context.year
    t1 = table1(context)
    profile_table, rows_table = tables2_6(context)
    t8, t9, t10 = table8(context), table9(context), table10(context)
    t11, t11_grades = table11(context)
    quality, edition, with_hospitals = quality_table(context)
    measure = workforce_measure(context)
    fit = figures.grading_fit(context.marts("fct_rsr_regression"), y)
    all_tables = [t1, profile_table, rows_table, t8, t9, t10, t11, t11_grades]
    total_diffs = sum(t.diff_count for t in all_tables)

    parts.append(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>medres — medical resources of China's 31 provinces, {esc(y)}</title>
<link rel="icon" href="data:,">
<style>{CSS}</style></head><body>
<header><h1>medres — medical resources of China's 31 provinces, {esc(y)}</h1>
<p>A reproduction of the method of one study of 2020 data ({esc(STUDY)}) from the official figures,
with medres's results beside the printed ones. Generated from the published marts
(<code>published/</code>) by <code>python -m medres.report</code>. All figures use English
province names.</p>
<p class="legend">Legend: <span class="flag">{DIFF_MARK}</span> and a red cell = medres differs
from the printed value at the printed precision ({esc(total_diffs)} such cells in the study's
tables below); ✎ / blue cell = value repaired from the OCR text of the study.</p>
<nav><ul>
<li><a href="#totals">1. Totals: clustering (Tables 1–6, Fig. 2)</a></li>
<li><a href="#per-capita">2. Per capita: RSR (Tables 8–11, Figs. 3–4)</a></li>
<li><a href="#quality">3. Quality: Fudan top 100 (Fig. 5)</a></li>
<li><a href="#errata">4. Errata of the study</a></li>
</ul></nav></header><main>""")

    parts.append('<section id="totals"><h2>1. Totals: clustering of the four total indicators</h2>')
    parts.append("<p>Institutions, health personnel, beds and per-capita health expenditure per "
                 "province, Z-scored and clustered SPSS-style (squared Euclidean distance, "
                 "between-groups average linkage). Cluster 1 = lowest mean standardised level.</p>")
    parts.append(figure_html(context, "dendrogram",
                             f"Dendrogram, distances rescaled to 0–25, cut at the chosen k ({y}); "
                             "cf. the study's Fig. 2"))
    parts.append(figure_html(context, "map_cluster_group", f"Cluster group by province ({y})"))
    parts += [t1.render(), cluster_profiles_table(context).render(), profile_table.render(),
              rows_table.render(), diagnostics_table(context).render(), "</section>"]

    parts.append('<section id="per-capita"><h2>2. Per capita: rank-sum ratio (RSR)</h2>')
    r3_text = ("health personnel per 1,000 people, because no complete series of health "
               "technicians by province was found" if measure == "health_personnel_per_1000"
               else "health technicians per 1,000 people")
    parts.append(f"<p>R1 beds per 1,000 people, R2 institutions per 10,000, R3 {esc(r3_text)} "
                 f"(fct_province_per_capita.health_workforce_measure = <code>{esc(measure)}</code>), "
                 f"R4 per-capita health expenditure. medres's regression: RSR = "
                 f"{esc(fmt(fit['intercept'], 3))} + {esc(fmt(fit['slope'], 3))}·probit, R² = "
                 f"{esc(fmt(fit['r_squared'], 3))}.</p>")
    parts.append(figure_html(context, "per_capita_indicators",
                             f"R1–R4 per province, each sorted ({y})"))
    parts.append(figure_html(context, "rsr_probit",
                             "RSR against probit with the fitted line and grade cut-offs; "
                             "cf. the study's Fig. 3"))
    parts.append(figure_html(context, "map_rsr_grade",
                             f"RSR grade by province ({y}); cf. the study's Fig. 4"))
    parts += [t8.render(), t9.render(), t10.render(), t11.render(), t11_grades.render(),
              "</section>"]

    parts.append('<section id="quality"><h2>3. Quality: Fudan top-100 hospitals</h2>')
    study_edition = with_hospitals.get(2020)
    claim = Table("quality-claims", "The study's statements on the top 100 vs medres",
                  ["Statement (study text)", "Printed", "medres (edition 2020)"])
    if study_edition is not None:
        claim.rows.append([Cell("provinces with a top-100 hospital"), cell(19),
                           cell(study_edition, diff=study_edition != 19)])
    parts.append(f"<p>Score of a province = reputation + research score of its hospitals in the "
                 f"Fudan top 100 (zero where it has none). Map and table: edition {esc(edition)} "
                 f"(the default edition; the study used 2020).</p>")
    parts.append(figure_html(context, "map_quality_score",
                             f"Quality score by province, edition {edition}; cf. the study's Fig. 5"))
    parts += [claim.render() if claim.rows else "", quality.render(), "</section>"]

    parts.append('<section id="errata"><h2>4. Errata: inconsistencies in the study</h2>'
                 '<ol class="errata">')
    for title, text, evidence in errata(context):
        parts.append(f"<li><strong>{esc(title)}.</strong> {esc(text)}"
                     f"{evidence.render() if evidence is not None else ''}</li>")
    parts.append("</ol></section></main>")
    parts.append(f"<footer><p>Sources: seeds/SOURCES.md (China Health Statistics Yearbook 2021, "
                 f"NBS, Fudan rankings); the study's tables as transcribed in "
                 f"reference/study_2020/. {esc(figures.GEO_CREDIT)}</p></footer></body></html>")
    return "\n".join(parts)


def build(published: Path, out: Path, reference: Path = DEFAULT_REFERENCE,
          year: int | None = None) -> Path:
    """Draw the figures into ``out/figures`` and write ``out/index.html``; return its path."""
    marts = Marts(published)
    marts.require(REPORT_MARTS)
    reference_tables = load_reference(reference)
    if year is None:
        year = figures.report_year(marts("dim_years"))
    results = figures.generate(marts, out / "figures", year)
    context = Context(marts, reference_tables, year, {r.name: r for r in results})
    page = render(context)
    out.mkdir(parents=True, exist_ok=True)
    return write_atomically(out / "index.html", lambda staged: staged.write_text(page, encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=Path("published"))
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--year", type=int, default=None)
    arguments = parser.parse_args(argv)
    try:
        target = build(arguments.published, arguments.out, arguments.reference, arguments.year)
    except MissingMartError as error:
        print(f"medres.report: {error}", file=sys.stderr)
        return 2
    print(f"medres: report written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
