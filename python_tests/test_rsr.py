"""Tests of medres.rsr against published RSR results, hand-checked examples and properties."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from medres.rsr import (
    OPTIMAL_GRADING_PROBITS,
    RegressionNotSignificant,
    RSRResult,
    assign_grades,
    entropy_weights,
    evaluate,
    fit_regression,
    grade_cutoffs,
    probit_table,
    rank_indicators,
    rank_sum_ratio,
)
from medres.validation import InputError

DATA = Path(__file__).parent / "data"

# --- The study's printed results -------------------------------------------------------------
# Study: /work/shared/reference/paper_2020_medical_resources.txt, section 4.
# Table 8 prints ranks R1..R4 and RSR (2 decimals) for the 31 provinces; the four indicators are
# all positive. Table 9 prints the regression RSR = -0.148 + 0.097·Probit (SE 0.02 / 0.004,
# t -7.49 / 25.397, R² 0.957, adjusted R² 0.955, F 645.031). Table 10 prints the 5-grade
# cut-offs: percentiles 96.407 / 72.575 / 27.425 / 3.593, probits 6.8 / 5.6 / 4.4 / 3.2, fitted RSR
# 0.5109 / 0.3946 / 0.2784 / 0.1621. Table 11 prints the grade of every province.
TABLE_9 = {"intercept": -0.148, "slope": 0.097, "intercept_se": 0.02, "slope_se": 0.004,
           "r_squared": 0.957, "adj_r_squared": 0.955, "f_statistic": 645.031}
TABLE_10_RSR_LOWER = [0.5109, 0.3946, 0.2784, 0.1621]
TABLE_11_GRADES = {
    1: ["Beijing", "Qinghai"],
    2: ["Inner Mongolia", "Shaanxi", "Jilin", "Heilongjiang", "Shanghai", "Sichuan", "Hunan"],
    3: ["Hubei", "Gansu", "Tibet", "Yunnan", "Guizhou", "Chongqing", "Henan", "Shandong",
        "Zhejiang", "Jiangsu", "Liaoning", "Shanxi", "Hebei", "Xinjiang"],
    4: ["Tianjin", "Guangxi", "Hainan", "Jiangxi", "Fujian", "Anhui", "Ningxia"],
    5: ["Guangdong"],
}


@pytest.fixture(scope="module")
def table8() -> pd.DataFrame:
    """Table 8 as printed (transcribed from the paper text; OCR "Chongging" = Chongqing)."""
    return pd.read_csv(DATA / "rsr_study_table8.csv")


@pytest.fixture(scope="module")
def study_result(table8: pd.DataFrame) -> RSRResult:
    # The study prints no raw indicator values and its printed ranks do not give its printed
    # RSR (see the Table 8 test), so the printed RSR column is the graded value here and enters
    # the method at the probit step.
    units = table8[["province", "printed_rsr"]].rename(columns={"printed_rsr": "wrsr"})
    distribution = probit_table(units["wrsr"]).set_index("rsr")
    units["probit"] = units["wrsr"].map(distribution["probit"])
    regression = fit_regression(units, "all")
    return units, regression


def test_study_table9_regression_is_reproduced_from_printed_rsr(study_result) -> None:
    """fit_rows="all" on the printed (2-decimal) RSR reproduces Table 9 to its printed precision,
    except that intercept and R² are off by a few thousandths: the study regressed unrounded RSR
    (which cannot be recovered: see the Table 8 test), so the printed RSR carry rounding error of
    up to ±0.005 each."""
    _, regression = study_result
    fit = regression.loc[0]
    assert fit["n_points"] == 31
    assert round(fit["slope"], 3) == TABLE_9["slope"]
    assert round(fit["slope_se"], 3) == TABLE_9["slope_se"]
    assert round(fit["intercept_se"], 2) == TABLE_9["intercept_se"]
    assert fit["intercept"] == pytest.approx(TABLE_9["intercept"], abs=0.003)
    assert fit["r_squared"] == pytest.approx(TABLE_9["r_squared"], abs=0.01)
    assert fit["adj_r_squared"] == pytest.approx(TABLE_9["adj_r_squared"], abs=0.01)
    assert fit["slope_p"] < 0.001 and fit["intercept_p"] < 0.001  # Table 9: 0.000***


def test_study_used_one_point_per_unit_not_per_distinct_value(study_result) -> None:
    """The textbook's one-point-per-distinct-value fit gives slope 0.101, not Table 9's 0.097:
    the study (like SPSSAU) fitted one point per province."""
    units, regression_all = study_result
    regression_distinct = fit_regression(units, "distinct")
    assert regression_distinct.loc[0, "n_points"] == units["wrsr"].nunique() == 20
    assert round(regression_distinct.loc[0, "slope"], 3) == 0.101
    error_all = abs(regression_all.loc[0, "slope"] - TABLE_9["slope"])
    error_distinct = abs(regression_distinct.loc[0, "slope"] - TABLE_9["slope"])
    assert error_all < error_distinct


def test_study_table10_thresholds(study_result) -> None:
    _, regression = study_result
    cutoffs = grade_cutoffs(5)
    assert cutoffs["percentile_lower"].round(3).tolist()[:4] == [96.407, 72.575, 27.425, 3.593]
    assert cutoffs["probit_lower"].tolist()[:4] == [6.8, 5.6, 4.4, 3.2]
    intercept, slope = regression.loc[0, ["intercept", "slope"]]
    fitted_cutoffs = intercept + slope * cutoffs["probit_lower"].to_numpy()[:4]
    np.testing.assert_allclose(fitted_cutoffs, TABLE_10_RSR_LOWER, atol=0.001)


def test_study_table11_grades_except_the_rounded_tie(study_result) -> None:
    """Grading the fitted RSR reproduces Table 11 for 30 of 31 provinces. Qinghai and Jilin both
    print RSR 0.46 yet Table 11 puts Qinghai in grade 1 and Jilin in grade 2, so their unrounded
    RSR differed; from the printed values they tie and both land in grade 2. (Ningxia, printed
    0.29 > the 0.2784 cut-off, is grade 4 in Table 11: the study graded fitted, not raw, RSR.)"""
    units, regression = study_result
    intercept, slope = regression.loc[0, ["intercept", "slope"]]
    thresholds = grade_cutoffs(5)
    rsr_lower = np.r_[intercept + slope * thresholds["probit_lower"].to_numpy()[:4], -np.inf]
    fitted = intercept + slope * units["probit"]
    graded = dict(zip(units["province"], assign_grades(fitted, rsr_lower)))
    printed = {p: g for g, provinces in TABLE_11_GRADES.items() for p in provinces}
    assert sorted(printed) == sorted(graded)
    mismatches = {p: (printed[p], graded[p]) for p in printed if printed[p] != graded[p]}
    assert mismatches == {"Qinghai": (1, 2)}
    assert graded["Ningxia"] == 4 and units.set_index("province").loc["Ningxia", "wrsr"] > 0.2784


def test_study_table8_printed_rsr_does_not_follow_from_printed_ranks(table8: pd.DataFrame) -> None:
    """Finding: Table 8's RSR column is not Σ ranks / (4·31) of its own rank columns.

    Beijing's printed ranks 7, 6, 31, 28 give 72/124 = 0.58, printed 0.64; Guangdong's 1, 4, 24,
    3 give 32/124 = 0.26, printed 0.12; Qinghai's give 97/124 = 0.78, printed 0.46. Only Anhui
    comes within 0.02. The rank columns are not valid rankings either: R1 repeats ranks 7 and 19
    and lacks 30 and 31, R4 gives rank 11 to four provinces and lacks 29-31, so R1 and R4 do not
    sum to 31·32/2 = 496 (R2 and R3 do). The printed RSR column, not the ranks, is what Tables 9-11
    follow (see the tests above), so the ranks must have been mis-transcribed or mis-typeset.
    """
    rank_columns = ["r1_rank", "r2_rank", "r3_rank", "r4_rank"]
    recomputed = table8[rank_columns].sum(axis=1) / (4 * 31)
    by_province = dict(zip(table8["province"], recomputed.round(2)))
    printed = dict(zip(table8["province"], table8["printed_rsr"]))
    assert (by_province["Beijing"], printed["Beijing"]) == (0.58, 0.64)
    assert (by_province["Guangdong"], printed["Guangdong"]) == (0.26, 0.12)
    assert (by_province["Qinghai"], printed["Qinghai"]) == (0.78, 0.46)
    matching = [p for p in printed if abs(by_province[p] - printed[p]) <= 0.02]
    assert matching == ["Anhui"]
    assert table8[rank_columns].sum().tolist() == [461, 496, 496, 439]


# --- Textbook data: Sun Zhenqiu & Xu Yongyong, Medical Statistics, 4th ed., 2014, p. 419 ------
# Ten regions A-J, antenatal examination rate (positive), maternal mortality and perinatal
# mortality (negative). The data and the citation are as given in the R package easyRSR
# (github.com/chuiqin/RSR, R/easyRSR.R, @references and @examples). The book's printed result
# tables were not available in the reference corpus, so the expected values below are derived by
# hand from the data (integer ranks, exact fractions) and the regression is checked against
# statsmodels, not against the printed page.
TEXTBOOK = pd.DataFrame(
    {
        "region": list("ABCDEFGHIJ"),
        "antenatal_rate": [99.54, 96.52, 99.36, 92.83, 91.71, 95.35, 96.09, 99.27, 94.76, 84.80],
        "maternal_mortality": [60.27, 59.67, 43.91, 58.99, 35.40, 44.71, 49.81, 31.69, 22.91, 81.49],
        "perinatal_mortality": [16.15, 20.10, 15.60, 17.04, 15.01, 13.93, 17.43, 13.89, 19.87, 23.63],
    }
)
TEXTBOOK_ARGS = dict(
    id_column="region",
    positive=["antenatal_rate"],
    negative=["maternal_mortality", "perinatal_mortality"],
)


@pytest.fixture(scope="module")
def textbook_result() -> RSRResult:
    return evaluate(TEXTBOOK, **TEXTBOOK_ARGS, grades=3)


def test_textbook_ranks_and_rsr(textbook_result: RSRResult) -> None:
    units = textbook_result.units.set_index("region")
    # Hand ranking: antenatal ascending; mortalities descending (highest mortality = rank 1).
    assert units["antenatal_rate_rank"].tolist() == [10, 7, 9, 3, 2, 5, 6, 8, 4, 1]
    assert units["maternal_mortality_rank"].tolist() == [2, 3, 7, 4, 8, 6, 5, 9, 10, 1]
    assert units["perinatal_mortality_rank"].tolist() == [6, 2, 7, 5, 8, 9, 4, 10, 3, 1]
    rank_sums = [18, 12, 23, 12, 18, 20, 15, 27, 17, 3]
    np.testing.assert_allclose(units["rsr"], np.array(rank_sums) / 30)
    assert (units["wrsr"] == units["rsr"]).all()


def test_textbook_probit_table(textbook_result: RSRResult) -> None:
    units = textbook_result.units.set_index("region")
    # RSR 0.4 (B, D) occupy positions 2-3: average rank 2.5, p = 0.25; likewise 0.6 (A, E) at 6-7.
    assert units.loc[["B", "D"], "average_rank"].tolist() == [2.5, 2.5]
    assert units.loc[["A", "E"], "percentile"].tolist() == [0.65, 0.65]
    assert units.loc["J", "percentile"] == 0.1
    assert units.loc["H", "percentile"] == 1 - 1 / 40  # the largest value's corrected p
    assert units.loc["I", "probit"] == 5.0  # position 5 of 10: p = 0.5
    # probit = 5 + Φ⁻¹(p); 3.7184 and 6.9600 are the normal quantiles of 0.1 and 0.975.
    assert round(units.loc["J", "probit"], 4) == 3.7184
    assert round(units.loc["H", "probit"], 4) == 6.9600


def test_textbook_regression_matches_statsmodels(textbook_result: RSRResult) -> None:
    units = textbook_result.units
    for fit_rows in ("all", "distinct"):
        points = units if fit_rows == "all" else units.drop_duplicates("wrsr")
        reference = sm.OLS(points["wrsr"], sm.add_constant(points["probit"])).fit()
        ours = fit_regression(units, fit_rows).loc[0]
        np.testing.assert_allclose(
            [ours.intercept, ours.slope, ours.intercept_se, ours.slope_se, ours.intercept_t,
             ours.slope_t, ours.intercept_p, ours.slope_p, ours.r_squared, ours.adj_r_squared,
             ours.f_statistic, ours.f_p_value],
            [*reference.params, *reference.bse, *reference.tvalues, *reference.pvalues,
             reference.rsquared, reference.rsquared_adj, reference.fvalue, reference.f_pvalue],
            rtol=1e-10,
        )
        assert ours.n_points == len(points)
    # Pinned (equal to statsmodels above), for readers comparing with the book's tabulation.
    distinct = fit_regression(units, "distinct").loc[0]
    assert (round(distinct.intercept, 4), round(distinct.slope, 4)) == (-0.6085, 0.2217)


# --- Fit variants, ties, negative indicators --------------------------------------------------
def test_fit_variants_differ_on_tied_data_and_agree_without_ties() -> None:
    tied = fit_regression(pd.DataFrame({"wrsr": [0.1, 0.4, 0.4, 0.6, 0.9],
                                        "probit": [3.7, 4.6, 4.6, 5.5, 6.9]}), "all")
    collapsed = fit_regression(pd.DataFrame({"wrsr": [0.1, 0.4, 0.6, 0.9],
                                             "probit": [3.7, 4.6, 5.5, 6.9]}), "distinct")
    distinct = fit_regression(pd.DataFrame({"wrsr": [0.1, 0.4, 0.4, 0.6, 0.9],
                                            "probit": [3.7, 4.6, 4.6, 5.5, 6.9]}), "distinct")
    assert tied.loc[0, "n_points"] == 5 and distinct.loc[0, "n_points"] == 4
    assert distinct.loc[0, "slope"] == pytest.approx(collapsed.loc[0, "slope"])
    assert tied.loc[0, "slope"] != pytest.approx(distinct.loc[0, "slope"])
    untied = pd.DataFrame({"wrsr": [0.1, 0.4, 0.6, 0.9], "probit": [3.7, 4.6, 5.5, 6.9]})
    pd.testing.assert_frame_equal(
        fit_regression(untied, "all").drop(columns="fit_rows"),
        fit_regression(untied, "distinct").drop(columns="fit_rows"),
    )


def test_ties_get_average_ranks_and_negative_indicators_rank_descending() -> None:
    frame = pd.DataFrame({"id": list("abcde"), "good": [5, 1, 3, 3, 9], "bad": [5, 1, 3, 3, 9]})
    ranks = rank_indicators(frame, "id", positive=["good"], negative=["bad"])
    assert ranks["good_rank"].tolist() == [4.0, 1.0, 2.5, 2.5, 5.0]
    assert ranks["bad_rank"].tolist() == [2.0, 5.0, 3.5, 3.5, 1.0]
    assert ranks.columns.tolist() == ["id", "good_rank", "bad_rank"]


def test_rank_sum_ratio_formula() -> None:
    ranks = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [3.0, 1.0, 2.0]})
    np.testing.assert_allclose(rank_sum_ratio(ranks), [4 / 6, 3 / 6, 5 / 6])
    # Weights 3:1 normalise to 0.75 / 0.25; WRSR = Σ w R / n.
    weighted = rank_sum_ratio(ranks, {"x": 3, "y": 1})
    np.testing.assert_allclose(weighted, [(0.75 * 1 + 0.25 * 3) / 3, (1.5 + 0.25) / 3,
                                          (2.25 + 0.5) / 3])


# --- Weights -----------------------------------------------------------------------------------
SMALL = pd.DataFrame({"id": ["p", "q", "r", "s"], "a": [1.0, 2.0, 3.0, 4.0],
                      "b": [10.0, 40.0, 30.0, 20.0], "c": [4.0, 3.0, 1.0, 2.0]})


def test_dict_weights_are_normalised_and_give_wrsr() -> None:
    result = evaluate(SMALL, "id", positive=["a", "b"], negative=["c"],
                      weights={"a": 2, "b": 1, "c": 1}, grades=3, force=True)
    assert result.weighting == "custom"
    assert result.weights.to_dict() == {"a": 0.5, "b": 0.25, "c": 0.25}
    units = result.units.set_index("id")
    # Ranks: a = 1..4; b = 1,4,3,2; c (negative: 4 → 1) = 1,2,4,3.
    expected = {"p": (0.5 * 1 + 0.25 * 1 + 0.25 * 1) / 4,
                "q": (0.5 * 2 + 0.25 * 4 + 0.25 * 2) / 4,
                "r": (0.5 * 3 + 0.25 * 3 + 0.25 * 4) / 4,
                "s": (0.5 * 4 + 0.25 * 2 + 0.25 * 3) / 4}
    for unit, value in expected.items():
        assert units.loc[unit, "wrsr"] == pytest.approx(value)
    np.testing.assert_allclose(units["rsr"], [3 / 12, 8 / 12, 10 / 12, 9 / 12])


def test_equal_dict_weights_give_wrsr_equal_to_rsr() -> None:
    result = evaluate(SMALL, "id", positive=["a", "b"], negative=["c"],
                      weights={"a": 1, "b": 1, "c": 1}, grades=3, force=True)
    np.testing.assert_allclose(result.units["wrsr"], result.units["rsr"], rtol=1e-12)


def test_entropy_weights_hand_example() -> None:
    # x1 = 1, 2, 3 → x' = 0, ½, 1 → p = 0, ⅓, ⅔ → e1 = (⅓ln3 + ⅔ln(3/2)) / ln3.
    # x2 = 1, 1, 4 → x' = 0, 0, 1 → p = 0, 0, 1 → e2 = 0 (all weight on one unit).
    # x3 (negative) = 5, 4, 2 → x' = 0, ⅓, 1 → p = 0, ¼, ¾ → e3 = (¼ln4 + ¾ln(4/3)) / ln3.
    frame = pd.DataFrame({"x1": [1.0, 2.0, 3.0], "x2": [1.0, 1.0, 4.0], "x3": [5.0, 4.0, 2.0]})
    e1 = (math.log(3) / 3 + 2 / 3 * math.log(1.5)) / math.log(3)
    e3 = (math.log(4) / 4 + 0.75 * math.log(4 / 3)) / math.log(3)
    divergence = np.array([1 - e1, 1.0, 1 - e3])
    weights = entropy_weights(frame, positive=["x1", "x2"], negative=["x3"])
    np.testing.assert_allclose(weights.to_numpy(), divergence / divergence.sum())
    assert weights.index.tolist() == ["x1", "x2", "x3"]
    assert weights.sum() == pytest.approx(1.0)
    assert round(weights["x1"], 4) == 0.2204  # e1 = 0.57938, e3 = 0.51186: 0.42062 / 1.90876


def test_entropy_weights_through_evaluate() -> None:
    result = evaluate(SMALL, "id", positive=["a", "b"], negative=["c"], weights="entropy",
                      grades=3, force=True)
    assert result.weighting == "entropy"
    pd.testing.assert_series_equal(result.weights, entropy_weights(SMALL, ["a", "b"], ["c"]))


def test_entropy_weights_reject_a_constant_indicator() -> None:
    frame = SMALL.assign(b=7.0)
    with pytest.raises(InputError, match=r"constant indicator\(s\) \['b'\]"):
        evaluate(frame, "id", positive=["a", "b"], negative=["c"], weights="entropy")


# --- Properties --------------------------------------------------------------------------------
RNG_FRAME = pd.DataFrame(
    {
        "id": [f"u{i}" for i in range(12)],
        "a": np.random.default_rng(1).normal(size=12).round(1),
        "b": np.random.default_rng(2).integers(0, 5, size=12).astype(float),  # many ties
        "c": np.random.default_rng(3).exponential(size=12),
    }
)


def test_rsr_invariant_under_strictly_increasing_transform() -> None:
    base = evaluate(RNG_FRAME, "id", ["a", "b"], ["c"], force=True).units
    transformed_frame = RNG_FRAME.assign(
        a=np.exp(RNG_FRAME["a"]) * 3 + 1, c=np.log(RNG_FRAME["c"])
    )
    transformed = evaluate(transformed_frame, "id", ["a", "b"], ["c"], force=True).units
    pd.testing.assert_series_equal(base["rsr"], transformed["rsr"])
    pd.testing.assert_series_equal(base["grade"], transformed["grade"])


def test_rsr_bounds_and_rank_sums() -> None:
    units = evaluate(RNG_FRAME, "id", ["a", "b"], ["c"], force=True).units
    n = len(units)
    assert units["rsr"].between(1 / n, 1).all()
    for column in ("a_rank", "b_rank", "c_rank"):
        assert units[column].sum() == n * (n + 1) / 2
    assert units["cumulative_frequency"].max() == n


def test_last_percentile_correction() -> None:
    table = probit_table([0.2, 0.5, 0.5, 0.9])
    assert table["percentile"].tolist() == [0.25, 0.625, 1 - 1 / 16]
    assert table["probit"].iloc[-1] == pytest.approx(5 + stats.norm.ppf(15 / 16))
    assert np.isfinite(table["probit"]).all()


# --- Grading -----------------------------------------------------------------------------------
def test_grading_table_percentiles() -> None:
    assert set(OPTIMAL_GRADING_PROBITS) == set(range(3, 11))
    for grades, probits in OPTIMAL_GRADING_PROBITS.items():
        assert len(probits) == grades - 1 and list(probits) == sorted(probits)
    # Percentiles quoted with the source table (easyRSR / Sun & Xu) for the rows that differ
    # from variants in circulation.
    assert grade_cutoffs(7)["percentile_lower"].round(3).tolist()[:6] == [
        98.382, 89.973, 67.003, 33.360, 10.027, 1.618]
    assert grade_cutoffs(8)["percentile_lower"].round(3).tolist()[:7] == [
        98.778, 93.319, 77.337, 50.0, 22.663, 6.681, 1.222]
    assert grade_cutoffs(10)["percentile_lower"].round(3).tolist()[:9] == [
        99.18, 96.407, 88.493, 72.575, 50.0, 27.425, 11.507, 3.593, 0.82]
    worst = grade_cutoffs(4).iloc[-1]
    # No lower bound: null, as in the mart fct_rsr_grade_thresholds (not -inf, not a sentinel).
    assert (worst.grade, worst.percentile_lower) == (4, 0.0) and math.isnan(worst.probit_lower)
    assert grade_cutoffs(5)["grade_label"].tolist() == [
        "High", "Higher", "Secondary", "Lower", "Low"]
    assert grade_cutoffs(3)["grade_label"].tolist() == ["High", "Secondary", "Low"]
    assert grade_cutoffs(4)["grade_label"].tolist() == ["Grade 1", "Grade 2", "Grade 3", "Grade 4"]


def test_value_on_a_cutoff_belongs_to_the_better_grade() -> None:
    bounds = [0.6, 0.4, -math.inf]
    values = [0.6, 0.5999999, 0.4, 0.39, 0.0, 0.9]
    assert assign_grades(values, bounds).tolist() == [1, 2, 2, 3, 3, 1]
    # The worst grade's bound as grade_thresholds returns it (null) means the same.
    assert assign_grades(values, [0.6, 0.4, math.nan]).tolist() == [1, 2, 2, 3, 3, 1]


def test_boundary_rule_in_evaluate() -> None:
    """Region I of the textbook has p = 0.5, probit exactly 5, the 4-grade cut-off between grades
    2 and 3; its fitted RSR equals that cut-off and it must be in grade 2."""
    result = evaluate(TEXTBOOK, **TEXTBOOK_ARGS, grades=4)
    region_i = result.units.set_index("region").loc["I"]
    cutoff = result.thresholds.set_index("grade").loc[2, "rsr_lower"]
    assert region_i["probit"] == 5.0 and region_i["rsr_fitted"] == cutoff
    assert region_i["grade"] == 2


def test_grade_on_raw_uses_observed_rsr(textbook_result: RSRResult) -> None:
    raw = evaluate(TEXTBOOK, **TEXTBOOK_ARGS, grades=3, grade_on="raw")
    lower = raw.thresholds["rsr_lower"].to_numpy()
    expected = assign_grades(raw.units["wrsr"], lower)
    assert raw.units["grade"].tolist() == expected.tolist()
    fitted = textbook_result.units
    expected_fitted = assign_grades(fitted["rsr_fitted"], textbook_result.thresholds["rsr_lower"])
    assert fitted["grade"].tolist() == expected_fitted.tolist()


def test_result_shapes(textbook_result: RSRResult) -> None:
    units = textbook_result.units
    assert units["region"].tolist() == list("ABCDEFGHIJ")  # input order kept
    assert units.columns.tolist() == [
        "region", "antenatal_rate_rank", "maternal_mortality_rank", "perinatal_mortality_rank",
        "rsr", "wrsr", "frequency", "cumulative_frequency", "average_rank", "percentile",
        "probit", "rsr_fitted", "grade", "grade_label"]
    assert textbook_result.regression.columns.tolist() == [
        "fit_rows", "intercept", "slope", "intercept_se", "slope_se", "intercept_t", "slope_t",
        "intercept_p", "slope_p", "r_squared", "adj_r_squared", "f_statistic", "f_p_value",
        "n_points"]
    assert textbook_result.thresholds.columns.tolist() == [
        "grade", "grade_label", "percentile_lower", "probit_lower", "rsr_lower"]
    assert math.isnan(textbook_result.thresholds["rsr_lower"].iloc[-1])
    assert textbook_result.thresholds["rsr_lower"].iloc[:-1].notna().all()
    assert (textbook_result.fit_rows, textbook_result.grade_on, textbook_result.grades) == (
        "all", "fitted", 3)
    with pytest.raises(AttributeError):
        textbook_result.grades = 5  # frozen


# --- Significance refusal ----------------------------------------------------------------------
def test_refuses_to_grade_when_slope_not_significant() -> None:
    # Four units whose two indicators disagree: rank sums 3, 6, 6, 5 give a slope p of 0.066
    # on two residual degrees of freedom.
    frame = pd.DataFrame({"id": list("wxyz"), "a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 4.0, 3.0, 1.0]})
    not_significant = r"slope p = [0-9.e-]+ >= alpha = 0\.05"
    with pytest.raises(RegressionNotSignificant, match=not_significant) as error:
        evaluate(frame, "id", positive=["a", "b"], grades=3)
    assert round(error.value.slope_p, 3) == 0.066 and error.value.alpha == 0.05
    assert isinstance(error.value, InputError)
    forced = evaluate(frame, "id", positive=["a", "b"], grades=3, force=True)
    assert forced.force and forced.regression.loc[0, "slope_p"] >= 0.05
    assert forced.units["grade"].notna().all()


# --- Bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(frame=SMALL.assign(a=[1.0, None, 3.0, 4.0])),
         r"column 'a': missing value for unit 'q'"),
        (dict(frame=SMALL.head(2)), r"at least 3 units"),
        (dict(positive=["a", "zzz"]), r"unknown column\(s\) \['zzz'\]"),
        (dict(frame=SMALL.assign(b=["1", "2", "three", "4"])),
         r"column 'b': non-numeric value 'three' for unit 'r'"),
        (dict(negative=["c", "a"]), r"\['a'\] listed as both positive and negative"),
        (dict(positive=[], negative=[]), r"no indicators given"),
        (dict(grades=2), r"grades must be an integer from 3 to 10, got 2"),
        (dict(grades=11), r"grades must be an integer from 3 to 10, got 11"),
        (dict(fit_rows="unique"), r"fit_rows must be one of \['all', 'distinct'\], got 'unique'"),
        (dict(grade_on="observed"), r"grade_on must be one of \['fitted', 'raw'\], got 'observed'"),
        (dict(alpha=1.5), r"alpha must be a number strictly between 0 and 1, got 1.5"),
        (dict(weights={"a": 1, "b": 1}), r"missing \['c'\]"),
        (dict(weights={"a": 1, "b": 1, "c": 1, "d": 1}), r"unknown \['d'\]"),
        (dict(weights={"a": 1, "b": -1, "c": 1}), r"bad weight for \['b'\]"),
        (dict(weights={"a": 0, "b": 0, "c": 0}), r"sum to more than 0"),
        (dict(weights="pca"), r"weights must be None, a mapping or 'entropy', got 'pca'"),
        (dict(positive="a"), r"positive must be a list of column names, got the string 'a'"),
    ],
)
def test_bad_input_names_the_culprit(change: dict, message: str) -> None:
    arguments = dict(frame=SMALL, id_column="id", positive=["a", "b"], negative=["c"], force=True)
    arguments.update(change)
    with pytest.raises(InputError, match=message):
        evaluate(**arguments)


def test_constant_rsr_cannot_be_fitted() -> None:
    frame = pd.DataFrame({"id": list("abc"), "a": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0]})
    with pytest.raises(InputError, match="2 different probits"):
        evaluate(frame, "id", positive=["a", "b"], force=True)


# --- Published worked example: mathmodels-book (GitHub user zhjx19), chapter 秩和比法 ------------
# Source: the online book "mathmodels-book" by zhjx19, chapter 秩和比法 (rank-sum ratio), section
# 案例：孕产妇保健评价 / 重现经典案例结果, https://zhjx19.github.io/mathmodels-book/rank-sum-ratio.html,
# as stored in github.com/zhjx19/mathmodels-book: input data from rank-sum-ratio.qmd (commit
# a469584939af94bd8f8ec29146eeebc939befe43), printed output from the rendered
# docs/rank-sum-ratio.html (commit 056226c7624d7c9987ef39062347d39c2843c9bb). It is the Sun & Xu
# textbook data set above (10 regions; antenatal examination rate positive, maternal and
# perinatal mortality negative, which the book turns positive by taking reciprocals: same ranks)
# run through R's mathmodels::rank_sum_ratio (integer ranks, R's rank() = average ranks for ties,
# equal weights). The page prints the input, the rank table, a result table per unit (RSR, average
# rank barR, frequency f, cumulative frequency sumf, barR/n, Probit, fitted RSR) and summary() of
# lm(RSR ~ Probit) fitted on ONE ROW PER DISTINCT RSR VALUE (rank_sum_ratio() regresses its
# summarised table, R/rank_sum_ratio.R in github.com/zhjx19/mathmodels, commit 1da56865f16f): our
# fit_rows="distinct". It prints no grades. python_tests/data/rsr_example_mathmodels_book.csv holds
# the input and the printed per-unit values, as printed (strings keep the printed precision).
BOOK_ARGS = dict(id_column="region", positive=["antenatal_rate"],
                 negative=["maternal_mortality", "perinatal_mortality"])
# summary(res$reg) as printed on the page.
BOOK_REGRESSION = {"intercept": "-0.60855", "slope": "0.22169", "intercept_se": "0.12516",
                   "slope_se": "0.02329", "intercept_t": "-4.862", "slope_t": "9.520",
                   "intercept_p": "0.00282", "slope_p": "7.66e-05", "r_squared": "0.9379",
                   "adj_r_squared": "0.9276", "f_statistic": "90.63", "f_p_value": "7.662e-05"}
BOOK_RESIDUAL_QUANTILES = ["-0.115792", "-0.023458", "-0.001329", "0.051288", "0.066768"]
BOOK_RESIDUAL_SE = "0.0653"  # "on 6 degrees of freedom": 8 distinct RSR values − 2


def _printed_tolerance(printed: str) -> float:
    """Half a unit in the last printed decimal of ``printed`` ("7.66e-05" → 0.005e-05)."""
    mantissa, _, exponent = printed.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (-decimals + (int(exponent) if exponent else 0)) + 1e-12


def _tibble_tolerance(printed: str) -> float:
    """A tibble prints 3 significant digits and drops trailing zeros, so a printed value is
    within half a unit of its 3rd significant digit ("5" stands for 5.00, "0.1" for 0.100)."""
    value = abs(float(printed))
    return 0.5 * 10.0 ** (math.floor(math.log10(value)) - 2) + 1e-12


def _assert_printed(value: float, printed: str, tolerance) -> None:
    assert abs(value - float(printed)) <= tolerance(printed), (value, printed)


@pytest.fixture(scope="module")
def book_example() -> pd.DataFrame:
    return pd.read_csv(DATA / "rsr_example_mathmodels_book.csv", dtype=str)


@pytest.fixture(scope="module")
def book_result(book_example: pd.DataFrame) -> RSRResult:
    columns = ["antenatal_rate", "maternal_mortality", "perinatal_mortality"]
    frame = book_example[["region", *columns]].astype(dict.fromkeys(columns, float))
    return evaluate(frame, **BOOK_ARGS, grades=3, fit_rows="distinct")


def test_book_input_is_the_textbook_data(book_example: pd.DataFrame) -> None:
    """The book's input equals the Sun & Xu data transcribed from easyRSR above: two independent
    transcriptions of the same published table agree."""
    numeric = {c: float for c in TEXTBOOK.columns if c != "region"}
    pd.testing.assert_frame_equal(book_example[list(TEXTBOOK.columns)].astype(numeric), TEXTBOOK)


def test_book_rank_table(book_example: pd.DataFrame, book_result: RSRResult) -> None:
    units = book_result.units
    for ours, printed in [("antenatal_rate_rank", "rank_x1"),
                          ("maternal_mortality_rank", "rank_x2"),
                          ("perinatal_mortality_rank", "rank_x3")]:
        assert units[ours].tolist() == book_example[printed].astype(float).tolist()


def test_book_result_table_per_unit(book_example: pd.DataFrame, book_result: RSRResult) -> None:
    """RSR, average rank, f, cumulative f, percentile (with the last one set to 1 − 1/(4n) =
    0.975), probit and the fitted RSR of every unit match the printed table to its 3 significant
    digits. The fitted RSR only matches the distinct-value fit (see the next tests)."""
    units = book_result.units
    assert units["region"].tolist() == book_example["region"].tolist()
    assert units["frequency"].tolist() == book_example["f"].astype(int).tolist()
    assert units["cumulative_frequency"].tolist() == book_example["sumf"].astype(int).tolist()
    for ours, printed in [("wrsr", "rsr"), ("average_rank", "barR"), ("percentile", "barRn"),
                          ("probit", "probit"), ("rsr_fitted", "rsrfit")]:
        for value, text in zip(units[ours], book_example[printed]):
            _assert_printed(value, text, _tibble_tolerance)


def test_book_regression_summary(book_result: RSRResult) -> None:
    """Every number of the printed summary(lm(RSR ~ Probit)) is reproduced to its printed
    precision by fit_rows="distinct": coefficients, standard errors, t, p, R², adjusted R², F, its
    p, the residual standard error on 6 df and the five residual quantiles (R's summary uses
    quantile type 7 = numpy's default linear interpolation)."""
    fit = book_result.regression.loc[0]
    assert fit["fit_rows"] == "distinct" and fit["n_points"] == 8
    for column, printed in BOOK_REGRESSION.items():
        _assert_printed(float(fit[column]), printed, _printed_tolerance)
    points = book_result.units.drop_duplicates("wrsr")
    residuals = points["wrsr"] - (fit["intercept"] + fit["slope"] * points["probit"])
    for value, printed in zip(np.quantile(residuals, [0, 0.25, 0.5, 0.75, 1]),
                              BOOK_RESIDUAL_QUANTILES):
        _assert_printed(value, printed, _printed_tolerance)
    residual_se = math.sqrt((residuals**2).sum() / (fit["n_points"] - 2))
    _assert_printed(residual_se, BOOK_RESIDUAL_SE, _printed_tolerance)


def test_book_used_distinct_rows_not_one_point_per_unit(book_example: pd.DataFrame) -> None:
    """The default fit_rows="all" (the study's and SPSSAU's one point per unit; two RSR values are
    tied here) gives RSR = −0.5780 + 0.2170·Probit, not the book's −0.60855 + 0.22169, and misses
    the printed fitted RSR (e.g. unit J: 0.229 vs printed 0.216). The book's tabulation is the
    textbook's one point per distinct RSR value."""
    per_unit = evaluate(TEXTBOOK, **BOOK_ARGS, grades=3)  # fit_rows="all"
    fit = per_unit.regression.loc[0]
    assert (round(fit["intercept"], 4), round(fit["slope"], 4)) == (-0.5780, 0.2170)
    assert abs(fit["intercept"] - float(BOOK_REGRESSION["intercept"])) > 0.01
    unit_j = per_unit.units.set_index("region").loc["J", "rsr_fitted"]
    printed_j = book_example.set_index("region").loc["J", "rsrfit"]
    assert abs(unit_j - float(printed_j)) > _tibble_tolerance(printed_j)


def test_book_entropy_weights_differ_only_by_the_books_shifted_normalisation() -> None:
    """The same page prints entropy weights 0.2945205 / 0.3631078 / 0.3423717 for the raw data
    (entropy_weight(df[-1], c("+","-","-"))). Ours are 0.2945 / 0.3634 / 0.3421: equal to 3
    decimals, not beyond, because mathmodels' entropy_weight (R/entropy_weight.R, commit
    3e92d3d55418) min-max rescales each indicator to [0.002, 0.996] instead of [0, 1] (so that no
    p_ij is 0). Redoing our formula with that rescaling gives the printed weights to 1e-6, which
    confirms the difference is that documented variant, not an error in either implementation."""
    printed = np.array([0.2945205, 0.3631078, 0.3423717])
    columns = ["antenatal_rate", "maternal_mortality", "perinatal_mortality"]
    ours = entropy_weights(TEXTBOOK, positive=columns[:1], negative=columns[1:]).to_numpy()
    np.testing.assert_allclose(ours, printed, atol=5e-4)
    assert np.abs(ours - printed).max() > 1e-4
    values = TEXTBOOK[columns].to_numpy(dtype=float)
    spread = values.max(axis=0) - values.min(axis=0)
    unit = np.column_stack([(values[:, 0] - values[:, 0].min()) / spread[0],
                            (values[:, 1:].max(axis=0) - values[:, 1:]) / spread[1:]])
    shifted = 0.002 + (0.996 - 0.002) * unit
    shares = shifted / shifted.sum(axis=0)
    divergence = 1 + (shares * np.log(shares)).sum(axis=0) / math.log(len(values))
    np.testing.assert_allclose(divergence / divergence.sum(), printed, atol=1e-6)


# --- Published worked example: mathmodels package reference, rank_sum_ratio() @examples ----------
# github.com/zhjx19/mathmodels, docs/reference/rank_sum_ratio.md (pkgdown-rendered example output),
# commit 757a8748181c9f1596555deac6428d34c29b211b: three units A, B, C, X1 = 10, 20, 15,
# X2 = 5, 10, 8 (both positive), weights 0.4 / 0.6. Printed: ranks A 1 1, B 3 3, C 2 2; RSR
# (weighted, Σ w R / n with Σ w = 1) A 0.333, C 0.667, B 1; barR/n 0.333, 0.667, 0.917 (= 1 −
# 1/12); Probit 4.57, 5.43, 6.38; RSRfit 0.339, 0.656, 1.01; coefficients −1.3389 and 0.3673.
def test_package_reference_weighted_example() -> None:
    frame = pd.DataFrame({"ID": ["A", "B", "C"], "X1": [10.0, 20.0, 15.0], "X2": [5.0, 10.0, 8.0]})
    result = evaluate(frame, "ID", positive=["X1", "X2"], weights={"X1": 0.4, "X2": 0.6},
                      grades=3, fit_rows="distinct")
    units = result.units.set_index("ID")
    assert units["X1_rank"].tolist() == [1, 3, 2] and units["X2_rank"].tolist() == [1, 3, 2]
    printed = {"A": ("0.333", "0.333", "4.57", "0.339"), "B": ("1", "0.917", "6.38", "1.01"),
               "C": ("0.667", "0.667", "5.43", "0.656")}
    for unit, texts in printed.items():
        for column, text in zip(["wrsr", "percentile", "probit", "rsr_fitted"], texts):
            _assert_printed(units.loc[unit, column], text, _tibble_tolerance)
    fit = result.regression.loc[0]
    _assert_printed(fit["intercept"], "-1.3389", _printed_tolerance)
    _assert_printed(fit["slope"], "0.3673", _printed_tolerance)


# --- Fit diagnostics that can fail (issue 21) -------------------------------------------------


@pytest.mark.parametrize("fit_rows", ["all", "distinct"])
def test_fit_diagnostics_match_statsmodels(study_result, fit_rows: str) -> None:
    from statsmodels.sandbox.stats.runs import runstest_1samp
    from statsmodels.stats.diagnostic import linear_reset

    from medres.rsr import fit_diagnostics

    units, _ = study_result
    ours = fit_diagnostics(units, fit_rows).loc[0]
    points = (units if fit_rows == "all" else units.drop_duplicates("wrsr")).sort_values(
        ["probit", "wrsr"], kind="stable")
    line = sm.OLS(points["wrsr"], sm.add_constant(points["probit"])).fit()
    reset = linear_reset(line, power=2, test_type="fitted", use_f=True)
    assert ours.curvature_t**2 == pytest.approx(float(reset.fvalue), rel=1e-9)
    assert ours.curvature_p == pytest.approx(float(reset.pvalue), rel=1e-9)
    quadratic = sm.OLS(points["wrsr"], np.column_stack(
        [np.ones(len(points)), points["probit"], points["probit"] ** 2])).fit()
    assert ours.curvature_coefficient == pytest.approx(quadratic.params.iloc[2], rel=1e-9)
    z, p = runstest_1samp(line.resid.to_numpy(), cutoff=0, correction=False)
    assert (ours.runs_z, ours.runs_p) == (pytest.approx(z, rel=1e-12), pytest.approx(p, rel=1e-12))
    assert ours.r_squared == pytest.approx(line.rsquared, rel=1e-12)
    assert ours.residual_se == pytest.approx(math.sqrt(line.scale), rel=1e-12)


def test_fit_diagnostics_on_the_study_table8(study_result) -> None:
    from medres.rsr import fit_diagnostics

    units, regression = study_result
    # The significance gate cannot close: slope p ~ 1e-21 on the study's own printed RSR.
    assert regression.loc[0, "slope_p"] < 1e-15
    diagnostics = fit_diagnostics(units, "all").loc[0]
    # 31 provinces, 20 distinct printed RSR values (rounded to 2 decimals); 19 provinces share
    # theirs, up to 4 at one value (table8["printed_rsr"].value_counts()).
    assert (diagnostics.n_units, diagnostics.n_distinct) == (31, 20)
    assert (diagnostics.n_tied_units, diagnostics.largest_tie) == (19, 4)
    assert diagnostics.r_squared == pytest.approx(0.962770, abs=1e-6)
    # No curvature term is needed (p 0.56), but the residual signs come in 8 runs where 15.7 are
    # expected (p 0.003): the tied points sit in same-sign stretches off the line.
    assert diagnostics.curvature_p == pytest.approx(0.560455, abs=1e-6)
    assert diagnostics.runs == 8
    assert diagnostics.runs_p == pytest.approx(0.002943, abs=1e-6)


def test_fit_diagnostics_detect_a_curve() -> None:
    from medres.rsr import fit_diagnostics

    # RSR = probit² on a symmetric probit grid: a perfect curve the straight line misses.
    probit = np.linspace(3.0, 7.0, 21)
    units = pd.DataFrame({"probit": probit, "wrsr": (probit - 2.0) ** 2 / 25})
    diagnostics = fit_diagnostics(units).loc[0]
    assert diagnostics.curvature_p < 1e-10
    assert diagnostics.runs == 3  # + … + / − … − / + … +
    assert diagnostics.runs_p < 0.01
