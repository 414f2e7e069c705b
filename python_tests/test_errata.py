"""medres.errata: the study's inconsistencies as data, from the printed tables alone (plus the
2020 population of the seeds), and the grade agreement with Table 11 on constructed marts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from study_seeds import read_study_seed

from medres import errata, study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return study.load_study_tables(read_study_seed)


@pytest.fixture(scope="module")
def population_2020() -> pd.Series:
    population = pd.read_csv(ROOT / "seeds" / "nbs" / "nbs_population.csv", dtype={"region_code": str})
    names = pd.read_csv(ROOT / "seeds" / "reference" / "ref_provinces.csv", dtype={"region_code": str})
    merged = population[population["year"] == 2020].merge(names, on="region_code")
    return merged.set_index("province_en")["yearend_population_10k"]


@pytest.fixture(scope="module")
def items(tables, population_2020) -> list[errata.Erratum]:
    return errata.errata(tables, population_2020)


def test_every_erratum_has_a_title_and_text(items):
    assert len(items) == 12
    assert all(item.title and item.text for item in items)
    assert [item.evidence.table_id for item in items if item.evidence] == ["errata-table8-rsr",
                                                                           "errata-ocr"]


def test_printed_rsr_evidence_flags_the_rows_whose_ranks_give_another_rsr(items, tables):
    first = items[0]
    assert "Beijing's printed ranks 7, 6, 31, 28 give 72/124 = 0.58, printed 0.64" in first.text
    rows = first.evidence.rows.set_index("Province")
    assert len(rows) == 31
    beijing = rows.loc["Beijing"]
    assert (beijing["Printed ranks"], beijing["Σ"]) == ("7, 6, 31, 28", 72)
    assert beijing["Σ/124"] == pytest.approx(72 / 124) and bool(beijing["differs"])
    recomputed = tables["table8"][study.PRINTED_RANK_COLUMNS].sum(axis=1) / 124
    expected = int(((recomputed.round(2) - tables["table8"]["printed_rsr"]).abs() > 0.005).sum())
    assert int(rows["differs"].sum()) == expected
    assert f"{expected} of 31 printed RSR values differ" in first.text
    assert first.evidence.flag_column == "Σ/124"


def test_rank_columns_r4_and_table9(items):
    by_title = {item.title: item.text for item in items}
    rankings = by_title["Table 8: the printed rank columns are not valid rankings"]
    assert "repeated ranks 7 (2×), 19 (2×)" in rankings and "missing ranks 30, 31" in rankings
    r4 = by_title["Table 8: the printed R4 ranks do not rank the study's own R4 values"]
    assert "for 30 of 31 provinces" in r4 and "Beijing, the highest (13,766.8 yuan)" in r4
    assert "R = √0.957 = 0.978" in by_title["R = 0.990 in the text vs R² = 0.957 in Table 9"]


def test_expenditure_unit_uses_the_population(items, population_2020):
    text = next(item.text for item in items if item.title.startswith("'Total health expenses"))
    total = 13766.8 * population_2020["Beijing"] * 1e4 / 1e9
    assert f"a total of {total:,.1f} billion yuan, not 13,766.8 billion" in text
    assert "557.48 billion" in text and "5,574.83" in text and "12,098.65" in text


def test_ocr_evidence_lists_each_repair(items, tables):
    ocr = next(item for item in items if item.title == "OCR-broken digits").evidence
    assert len(ocr.rows) == tables["totals"]["ocr_repair"].notna().sum() == 8
    assert list(ocr.rows.columns) == ocr.columns == ["Table", "Province", "Printed (OCR)", "Read as"]


def test_printed_r4_mismatch_and_rank_ties(tables):
    r4 = errata.printed_r4_mismatch(tables)
    assert int(r4["differs"].sum()) == 30
    assert (r4.loc["Beijing", "printed"], r4.loc["Beijing", "own"]) == (28, 31.0)
    ties = errata.printed_rank_ties(tables, "r1_rank")
    assert ties[7] == ["Beijing", "Hainan"]
    assert all(len(provinces) > 1 for provinces in ties.values())


def printed_as_marts(tables) -> tuple[pd.DataFrame, pd.DataFrame]:
    """fct_province_rsr and fct_province_indicator_ranks rows that repeat Tables 8 and 11."""
    table8 = tables["table8"]
    province_rsr = tables["table11"][["province_en", "grade"]].merge(
        table8.rename(columns={"province": "province_en", "printed_rsr": "rsr"})[["province_en", "rsr"]])
    ranks = table8.melt(id_vars="province", value_vars=study.PRINTED_RANK_COLUMNS,
                        var_name="indicator", value_name="indicator_rank")
    ranks = ranks.rename(columns={"province": "province_en"})
    ranks["indicator"] = ranks["indicator"].str.removesuffix("_rank")
    return province_rsr, ranks


def test_grade_agreement_of_marts_that_repeat_the_study(tables):
    province_rsr, ranks = printed_as_marts(tables)
    result = errata.grade_agreement(tables, province_rsr, ranks)
    assert (result.agree, result.total, len(result.differences)) == (31, 31, 0)
    assert "Beijing" in result.printed_rsr_inconsistent


def test_grade_agreement_names_the_changed_grade_and_rank(tables):
    province_rsr, ranks = printed_as_marts(tables)
    province_rsr.loc[province_rsr["province_en"] == "Beijing", "grade"] = 2
    ranks.loc[(ranks["province_en"] == "Beijing") & (ranks["indicator"] == "r4"), "indicator_rank"] = 31
    result = errata.grade_agreement(tables, province_rsr, ranks)
    assert (result.agree, result.total) == (30, 31)
    row = result.differences.iloc[0]
    assert (row["province_en"], row["printed_grade"], row["medres_grade"], row["ranks_differ"]) == (
        "Beijing", 1, 2, "R4")
    assert row["printed_rank_rsr"] == pytest.approx(72 / 124)
    assert result.differing_by_rank() == {"R1": 0, "R2": 0, "R3": 0, "R4": 1}
    assert result.differing_with_inconsistent_rsr == 1
