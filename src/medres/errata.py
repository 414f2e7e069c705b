"""Errata: the inconsistencies of the study's printed tables and text, and why medres's grades
differ from the printed ones.

Data only, no HTML: :func:`errata` returns one :class:`Erratum` per inconsistency (title, plain
text with the numbers computed from the printed tables, optional evidence table as a DataFrame);
:func:`grade_agreement` compares medres's grades of the study year with Table 11. The study's
tables are what :func:`medres.study.load_study_tables` returns; the report renders the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from medres import rsr
from medres.study import PRINTED_RANK_COLUMNS, TOTAL_COLUMNS, differs, printed_rank_rsr


@dataclass(frozen=True)
class Evidence:
    """A table backing an erratum: ``rows`` shown column by column (numbers with ``decimals``
    where given); where ``flag_column`` is set, its cell is flagged in the rows whose boolean
    ``flag_source`` column is true (that column is not shown)."""

    table_id: str
    caption: str
    rows: pd.DataFrame
    columns: list[str]
    decimals: dict[str, int]
    flag_column: str | None = None
    flag_source: str | None = None


@dataclass(frozen=True)
class Erratum:
    title: str
    text: str
    evidence: Evidence | None = None


def printed_r4_mismatch(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per province of Table 8: the per-capita expenditure of Tables 2–6 (``value``), the printed
    R4 rank (``printed``), the average rank of that value (``own``) and whether they differ."""
    totals = tables["totals"].set_index("province_en")["health_expenditure_per_capita_yuan"]
    table8 = tables["table8"].set_index("province")
    own = totals.rank(method="average").reindex(table8.index)
    return pd.DataFrame({"value": totals.reindex(table8.index), "printed": table8["r4_rank"],
                         "own": own, "differs": own != table8["r4_rank"]})


def printed_rank_ties(tables: dict[str, pd.DataFrame], column: str) -> dict[int, list[str]]:
    """Each rank that Table 8's ``column`` prints for more than one province → those provinces."""
    table8 = tables["table8"]
    counts = table8[column].value_counts()
    return {int(rank): list(table8.loc[table8[column] == rank, "province"])
            for rank, count in sorted(counts.items()) if count > 1}


@dataclass(frozen=True)
class GradeAgreement:
    """How medres's grades of the study year compare with the study's Table 11."""

    agree: int
    total: int
    #: One row per disagreeing province: province_en, printed_grade, medres_grade, printed_rsr,
    #: printed_rank_rsr (Σ printed ranks / (m·n)), medres_rsr, ranks_differ (the indicators whose
    #: medres rank differs from the printed one, "R1, R4").
    differences: pd.DataFrame
    #: Provinces (of all) whose printed RSR differs from their printed ranks' RSR at 2 decimals.
    printed_rsr_inconsistent: set[str]

    @property
    def differing_with_inconsistent_rsr(self) -> int:
        """How many of the disagreeing provinces have a printed RSR its ranks do not give."""
        return int(self.differences["province_en"].isin(self.printed_rsr_inconsistent).sum())

    def differing_by_rank(self) -> dict[str, int]:
        """R1–R4 → how many disagreeing provinces medres ranks differently on that indicator."""
        return {f"R{i}": int(self.differences["ranks_differ"].str.contains(f"R{i}").sum())
                for i in range(1, 5)}


def grade_agreement(tables: dict[str, pd.DataFrame], province_rsr: pd.DataFrame,
                    indicator_ranks: pd.DataFrame) -> GradeAgreement:
    """Compare the study year's ``fct_province_rsr`` and ``fct_province_indicator_ranks`` rows
    with Tables 8 and 11."""
    grade_of = {p: int(g) for p, g in zip(province_rsr["province_en"], province_rsr["grade"])
                if pd.notna(g)}
    rsr_of = dict(zip(province_rsr["province_en"], province_rsr["rsr"]))
    ranks = indicator_ranks.pivot(index="province_en", columns="indicator", values="indicator_rank")
    table8 = tables["table8"].set_index("province")
    recomputed = printed_rank_rsr(tables["table8"]).set_axis(table8.index)
    inconsistent = {p for p in table8.index
                    if differs(table8.loc[p, "printed_rsr"], recomputed[p], 2)}
    study = tables["table11"]
    rows = []
    for row in study.itertuples(index=False):
        mine = grade_of.get(row.province_en)
        if mine == int(row.grade):
            continue
        changed = [f"R{i}" for i in range(1, 5)
                   if row.province_en in ranks.index and f"r{i}" in ranks.columns
                   and differs(table8.loc[row.province_en, f"r{i}_rank"],
                               ranks.loc[row.province_en, f"r{i}"], 1)]
        rows.append({"province_en": row.province_en, "printed_grade": int(row.grade),
                     "medres_grade": mine, "printed_rsr": table8.loc[row.province_en, "printed_rsr"],
                     "printed_rank_rsr": recomputed[row.province_en],
                     "medres_rsr": rsr_of.get(row.province_en),
                     "ranks_differ": ", ".join(changed)})
    differences = pd.DataFrame(rows, columns=["province_en", "printed_grade", "medres_grade",
                                              "printed_rsr", "printed_rank_rsr", "medres_rsr",
                                              "ranks_differ"])
    return GradeAgreement(len(study) - len(differences), len(study), differences, inconsistent)


def errata(tables: dict[str, pd.DataFrame], population_10k: pd.Series) -> list[Erratum]:
    """Every inconsistency of the study, in the order of its tables. ``population_10k``: the study
    year's year-end population by province_en (Tables 2–6 print no population)."""
    return [
        _table8_rsr(tables),
        _table8_rankings(tables),
        _table8_r4(tables),
        _table11_grades(tables),
        Erratum(
            "The text's grade numbering contradicts Table 11",
            "Table 11 lists Inner Mongolia, Shaanxi, Jilin, Heilongjiang, Shanghai, Sichuan and "
            "Hunan as grade 2 ('Higher'), but the text calls them 'the fourth level'. The map text "
            "inverts the grades: it says 'the fifth and fourth grade provinces … with relatively "
            "high per capita medical resources' (Table 11: grade 5 = Low, grade 4 = Lower), that "
            "central provinces are 'in the second grade except Hunan Province, which is in the "
            "fourth grade' (Table 11: central provinces are grade 3, Hunan grade 2), and that "
            "Guangdong is 'separately classified in the first level' (Table 11: grade 5, the only "
            "province there)."),
        _table9_r(tables),
        _expenditure_unit(tables, population_10k),
        _ocr(tables),
        _group3_institutions(tables),
        _group2_expenditure(tables),
        _guangdong_first(tables),
        _northeast(tables),
    ]


def _table8_rsr(tables: dict[str, pd.DataFrame]) -> Erratum:
    table8 = tables["table8"]
    n = len(table8)
    recomputed = printed_rank_rsr(table8)
    rows = pd.DataFrame({
        "Province": table8["province"],
        "Printed ranks": table8[PRINTED_RANK_COLUMNS].astype(int).astype(str).agg(", ".join, axis=1),
        "Σ": table8[PRINTED_RANK_COLUMNS].sum(axis=1).astype(int),
        f"Σ/{4 * n}": recomputed.to_numpy(),
        "Printed RSR": table8["printed_rsr"],
    })
    rows["differs"] = [differs(p, r, 2) for p, r in zip(table8["printed_rsr"], recomputed)]
    beijing = table8.set_index("province").loc["Beijing"]
    beijing_sum = int(beijing[PRINTED_RANK_COLUMNS].sum())
    return Erratum(
        "Table 8: the printed RSR does not follow from the printed ranks",
        f"RSR = Σ ranks / (m·n) with m = 4 indicators and n = {n} provinces. Beijing's printed "
        f"ranks {', '.join(str(int(beijing[r])) for r in PRINTED_RANK_COLUMNS)} give "
        f"{beijing_sum}/{4 * n} = {beijing_sum / (4 * n):.2f}, printed "
        f"{beijing['printed_rsr']:.2f}. {int(rows['differs'].sum())} of {n} printed RSR values "
        "differ from the recomputed value at two decimals. Tables 9–11 follow the printed RSR "
        "column, not the ranks.",
        Evidence("errata-table8-rsr", f"Table 8: printed RSR vs Σ printed ranks / (4·{n})", rows,
                 ["Province", "Printed ranks", "Σ", f"Σ/{4 * n}", "Printed RSR"],
                 {f"Σ/{4 * n}": 2, "Printed RSR": 2}, flag_column=f"Σ/{4 * n}",
                 flag_source="differs"),
    )


def _table8_rankings(tables: dict[str, pd.DataFrame]) -> Erratum:
    table8 = tables["table8"]
    n = len(table8)
    lines = []
    for i, column in enumerate(PRINTED_RANK_COLUMNS, start=1):
        values = table8[column].astype(int)
        counts = values.value_counts()
        repeats = ", ".join(f"{v} ({int(counts[v])}×)"
                            for v in sorted(int(v) for v, c in counts.items() if c > 1)) or "none"
        absent = ", ".join(map(str, sorted(set(range(1, n + 1)) - set(values)))) or "none"
        lines.append(f"R{i}: sum {int(values.sum())} (a ranking of {n} sums to {n * (n + 1) // 2});"
                     f" repeated ranks {repeats}; missing ranks {absent}.")
    return Erratum(
        "Table 8: the printed rank columns are not valid rankings",
        "The study says tied values get average ranks, so each column should be a permutation "
        f"of 1–{n} (or contain averaged ties summing to the same total). " + " ".join(lines))


def _table8_r4(tables: dict[str, pd.DataFrame]) -> Erratum:
    r4 = printed_r4_mismatch(tables)
    worst = r4.assign(gap=(r4["own"] - r4["printed"]).abs()).sort_values("gap").iloc[-1]
    return Erratum(
        "Table 8: the printed R4 ranks do not rank the study's own R4 values",
        f"R4 is per-capita health expenditure, printed per province in Tables 2–6. Ranking those "
        f"values (average ranks) gives a different rank than the printed R4 for "
        f"{int(r4['differs'].sum())} of {len(r4)} provinces; e.g. Beijing, the highest "
        f"({r4.loc['Beijing', 'value']:,.1f} yuan), is printed rank "
        f"{int(r4.loc['Beijing', 'printed'])}, and {worst.name} ({worst['value']:,.1f} yuan, rank "
        f"{worst['own']:g}) is printed rank {int(worst['printed'])}.")


def _table11_grades(tables: dict[str, pd.DataFrame]) -> Erratum:
    """Table 11 against Table 10's cut-offs applied to Table 8's printed RSR, and equal RSRs."""
    table8 = tables["table8"]
    cutoffs = tables["table10"].dropna(subset=["rsr_lower"]).sort_values("grade")
    table11 = dict(zip(tables["table11"]["province_en"], tables["table11"]["grade"]))
    by_cutoffs = rsr.assign_grades(table8["printed_rsr"], [*cutoffs["rsr_lower"], -math.inf])
    lines = [f"{row.province}: printed RSR {row.printed_rsr:.2f} falls in grade {grade} by "
             f"Table 10's fitted-RSR cut-offs, Table 11 says grade {table11.get(row.province)}"
             for row, grade in zip(table8.itertuples(index=False), by_cutoffs)
             if grade != table11.get(row.province)]
    same = table8[table8["printed_rsr"] == table8.set_index("province").loc["Qinghai", "printed_rsr"]]
    return Erratum(
        "Table 11 against Table 10 and Table 8",
        "; ".join(lines) + ". (Grading the fitted, not the observed, RSR explains such cases.) "
        f"{' and '.join(same['province'])} share the printed RSR "
        f"{same['printed_rsr'].iloc[0]:.2f} but Table 11 puts Qinghai in grade {table11['Qinghai']} "
        f"and Jilin in grade {table11['Jilin']}, so the unrounded RSR used for grading are not the "
        "printed ones.")


def _table9_r(tables: dict[str, pd.DataFrame]) -> Erratum:
    table9 = dict(zip(tables["table9"]["statistic"], tables["table9"]["printed_value"].astype(float)))
    r_squared = table9["r_squared"]
    return Erratum(
        f"R = {table9['r_text']:.3f} in the text vs R² = {r_squared:.3f} in Table 9",
        f"The text reports R = {table9['r_text']:.3f}, but Table 9's R² = {r_squared:.3f} gives "
        f"R = √{r_squared:.3f} = {math.sqrt(r_squared):.3f}, which is Table 9's standardised Beta "
        f"{table9['slope_beta']:.3f}; {table9['r_text']:.3f}² = {table9['r_text'] ** 2:.3f}. "
        f"(F = t² is consistent: {table9['slope_t']:.3f}² = {table9['slope_t'] ** 2:.1f} vs F "
        f"{table9['f_statistic']:.3f}.)")


def _expenditure_unit(tables: dict[str, pd.DataFrame], population_10k: pd.Series) -> Erratum:
    totals = tables["totals"].set_index("province_en")
    expenditure = totals["health_expenditure_per_capita_yuan"]
    means = tables["totals"].groupby("study_group")["health_expenditure_per_capita_yuan"].mean()
    beijing_yuan = float(expenditure["Beijing"])
    beijing_population = float(population_10k.get("Beijing", math.nan))
    beijing_total_billion = beijing_yuan * beijing_population * 1e4 / 1e9
    return Erratum(
        "'Total health expenses (Billion)' holds per-capita yuan; the text's billions are yuan",
        f"Tables 2–6 head the column 'Total health expenses (Billion)', but its values are "
        f"per-capita total health expenditure in yuan: Beijing {beijing_yuan:,.1f}, and the "
        "study's own section 4 says the 'per capita health expenditure' of Beijing and Shanghai "
        f"'has exceeded 10000 yuan' (Table 6: {beijing_yuan:,.1f} and "
        f"{float(expenditure['Shanghai']):,.1f}). Times Beijing's {beijing_population:,.0f} × "
        f"10,000 residents it is a total of {beijing_total_billion:,.1f} billion yuan, not "
        f"{beijing_yuan:,.1f} billion. The text then reads the column as totals: group 3's "
        f"'average total health expenditure … 557.48 billion yuan' is the mean per-capita value "
        f"{means[3]:,.2f} yuan with the decimal point moved, and group 5's '1.2 trillion yuan' is "
        f"the per-capita mean {means[5]:,.2f} yuan. The group 1 text ('around 5000 yuan'; mean "
        f"{means[1]:,.1f}) uses the right unit.")


def _ocr(tables: dict[str, pd.DataFrame]) -> Erratum:
    totals = tables["totals"]
    repairs = []
    for row in totals[totals["ocr_repair"].notna()].itertuples(index=False):
        column, _, printed = row.ocr_repair.partition(" printed ")
        read_as = row.province_en if column == "province" else f"{getattr(row, column):,.1f}"
        repairs.append({"Table": int(row.study_table), "Province": row.province_en,
                        "Printed (OCR)": f"{column}: {printed}", "Read as": read_as})
    rows = pd.DataFrame(repairs, columns=["Table", "Province", "Printed (OCR)", "Read as"])
    group4_beds = totals.loc[totals["study_group"] == 4, "beds_10k"].mean()
    return Erratum(
        "OCR-broken digits",
        "The text of the study has lost decimal points (and once gained a space) in Tables 2–6; "
        "each repair is the only reading consistent with the one-decimal column. The text "
        f"confirms one: group 4's average beds '585000' is the mean with Hebei = 44.2 "
        f"({group4_beds * 1e4:,.0f}), not 442. Also 'Chonggqing' / 'Chongging' for Chongqing and "
        "garbled significance marks in Table 9.",
        Evidence("errata-ocr", "OCR-broken values in Tables 2–6 (as repaired in the seeds)", rows,
                 list(rows.columns), {}),
    )


def _group3_institutions(tables: dict[str, pd.DataFrame]) -> Erratum:
    institutions = tables["totals"].groupby("study_group")["institutions"].mean()
    return Erratum(
        "Group 3 text: 'more than 77000' institutions is group 4's mean",
        f"Table 4 (Jiangsu, Zhejiang, Guangdong) averages {institutions[3]:,.0f} institutions; "
        f"'more than 77000' is the mean of Table 5 (group 4, {institutions[4]:,.0f}).")


def _group2_expenditure(tables: dict[str, pd.DataFrame]) -> Erratum:
    group2 = tables["totals"][tables["totals"]["study_group"] == 2]
    spend = group2["health_expenditure_per_capita_yuan"]
    return Erratum(
        "Group 2 text: expenditure 'around 3000 to 4000'",
        f"The text's group 2 averages of institutions ('less than 30000'), personnel (367000) and "
        f"beds (263000) agree with Table 3 ({group2['institutions'].mean():,.0f}, "
        f"{group2['health_personnel_10k'].mean() * 1e4:,.0f}, {group2['beds_10k'].mean() * 1e4:,.0f}),"
        f" but its expenditure 'around 3000 to 4000' does not: Table 3 averages {spend.mean():,.1f}"
        f" yuan per capita, {int((spend > 4000).sum())} of its {len(spend)} provinces are above "
        f"4,000 (range {spend.min():,.1f}–{spend.max():,.1f}).")


def _guangdong_first(tables: dict[str, pd.DataFrame]) -> Erratum:
    totals = tables["totals"]
    guangdong = totals.set_index("province_en").loc["Guangdong"]
    comparisons = []
    for column, label, decimals in TOTAL_COLUMNS[:3]:
        leader = totals.loc[totals[column].idxmax()]
        comparisons.append(f"{label}: {leader['province_en']} {leader[column]:,.{decimals}f} vs "
                           f"Guangdong {guangdong[column]:,.{decimals}f}")
    return Erratum(
        "Conclusion (4): Guangdong does not rank first in every total",
        "The conclusion says 'Guangdong ranks first in the total amount of various medical "
        "resources'. By Tables 2–6: " + "; ".join(comparisons) + ".")


def _northeast(tables: dict[str, pd.DataFrame]) -> Erratum:
    grades = tables["table11"].set_index("province_en")
    return Erratum(
        "Abstract and conclusion (3): 'the three northeastern provinces' are not all high",
        f"They name the three northeastern provinces among the high per-capita provinces, but "
        f"Table 11 puts Liaoning in grade {int(grades.loc['Liaoning', 'grade'])} "
        f"({grades.loc['Liaoning', 'grade_label']}), below Jilin and Heilongjiang (grade "
        f"{int(grades.loc['Jilin', 'grade'])}).")
