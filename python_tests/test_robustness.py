"""Tests of medres.robustness: permutation test against PySAL inequality's TheilDSim (its published
worked example) and against exact enumeration, jackknife against PySAL's Gini and Theil, and the
RSR grade variants against medres.rsr.evaluate."""

from __future__ import annotations

from itertools import permutations

import libpysal
import numpy as np
import pandas as pd
import pytest
from inequality.gini import Gini
from inequality.theil import Theil, TheilD, TheilDSim

from medres import rsr
from medres.robustness import (
    grade_variants_panel,
    inequality_jackknife,
    rsr_grade_variants,
    theil_between_permutation,
)
from medres.validation import InputError

MEXICO_YEARS = [f"pcgdp{decade}" for decade in range(1940, 2010, 10)]


@pytest.fixture(scope="module")
def mexico() -> pd.DataFrame:
    """PySAL's example data: per-capita GDP of the 32 Mexican states, regions 'hanson98'."""
    table = libpysal.io.open(libpysal.examples.get_path("mexico.csv"))
    frame = pd.DataFrame({year: table.by_col[year] for year in MEXICO_YEARS})
    frame.insert(0, "state", range(len(frame)))
    frame["region"] = np.asarray(table.by_col("hanson98")).astype(int)
    frame["equal_weight"] = 1.0
    return frame


# --- permutation test ---------------------------------------------------------------------------


def test_permutation_p_values_reproduce_pysal_worked_example(mexico: pd.DataFrame) -> None:
    # inequality.theil.TheilDSim's docstring: numpy.random.seed(10); TheilDSim(y, regimes, 999)
    # .bg_pvalue = [0.4, 0.344, 0.001, 0.001, 0.034, 0.072, 0.032]. With equal weights our Theil T
    # is PySAL's; drawing the permutations from the same legacy stream gives the same p-values.
    printed = [0.4, 0.344, 0.001, 0.001, 0.034, 0.072, 0.032]
    np.random.seed(10)
    pysal = TheilDSim(mexico[MEXICO_YEARS].to_numpy(), mexico["region"].to_numpy(), 999)
    np.testing.assert_allclose(pysal.bg_pvalue, printed)
    for position, year in enumerate(MEXICO_YEARS):
        ours = theil_between_permutation(
            mexico, "state", year, "equal_weight", "region", forms=["theil_t"], permutations=999,
            random_state=np.random.RandomState(10),
        ).iloc[0]
        assert ours.p_value == pytest.approx(printed[position], abs=1e-12)
        assert ours["between"] == pytest.approx(pysal.bg[0, position], rel=1e-9)  # row 0: observed
        assert ours.total == pytest.approx(pysal.T[position], rel=1e-9)
        assert ours.between_share == pytest.approx(ours["between"] / ours.total)


def test_permutation_null_matches_pysal_distribution(mexico: pd.DataFrame) -> None:
    # Independent streams: the p-values agree within Monte Carlo error (B = 4,999: sd <= 0.007).
    np.random.seed(3)
    pysal = TheilDSim(mexico["pcgdp1980"].to_numpy(), mexico["region"].to_numpy(), 4999)
    ours = theil_between_permutation(mexico, "state", "pcgdp1980", "equal_weight", "region",
                                     forms=["theil_t"], permutations=4999, random_state=11).iloc[0]
    assert ours.p_value == pytest.approx(float(pysal.bg_pvalue[0]), abs=0.02)
    assert ours.null_mean_share == pytest.approx(float(np.mean(pysal.bg[1:] / pysal.T)), rel=0.05)


SMALL = pd.DataFrame({
    "unit": list("abcdef"),
    "beds": [30.0, 28.0, 40.0, 8.0, 12.0, 5.0],
    "population": [5.0, 4.0, 6.0, 7.0, 9.0, 3.0],
    "region": ["east", "east", "east", "west", "west", "west"],
})


@pytest.mark.parametrize("form", ["theil_t", "theil_l"])
def test_permutation_p_value_converges_to_exact_enumeration(form: str) -> None:
    # Exact permutation distribution: all 720 reassignments of the six units to the labels.
    y = SMALL["beds"].to_numpy() / SMALL["beds"].sum()
    p = SMALL["population"].to_numpy() / SMALL["population"].sum()
    east = SMALL["region"].to_numpy() == "east"

    def between(order: tuple[int, ...]) -> float:
        a, b = (y, p) if form == "theil_t" else (p, y)
        a, b = a[list(order)], b[list(order)]
        groups = [(a[east].sum(), b[east].sum()), (a[~east].sum(), b[~east].sum())]
        return sum(ga * np.log(ga / gb) for ga, gb in groups)

    observed = between(tuple(range(6)))
    exact = np.mean([between(order) >= observed - 1e-12 for order in permutations(range(6))])
    result = theil_between_permutation(SMALL, "unit", "beds", "population", "region", forms=[form],
                                       permutations=20000, random_state=5).iloc[0]
    assert result["between"] == pytest.approx(observed, rel=1e-12)
    assert result.p_value == pytest.approx(exact, abs=0.01)  # MC sd ~ 0.0035
    # The observed split {a, b, c | d, e, f} is the most unequal of the 10 splits (each split is
    # 72 of the 720 orders): the smallest p an exact test can give.
    assert exact == pytest.approx(0.1)


def test_permutation_is_reproducible_and_p_is_never_zero() -> None:
    first = theil_between_permutation(SMALL, "unit", "beds", "population", "region",
                                      permutations=99, random_state=1)
    again = theil_between_permutation(SMALL, "unit", "beds", "population", "region",
                                      permutations=99, random_state=1)
    pd.testing.assert_frame_equal(first, again)
    assert (first["p_value"] >= 1 / 100).all()
    with pytest.raises(InputError, match="permutations"):
        theil_between_permutation(SMALL, "unit", "beds", "population", "region", permutations=0)


# --- jackknife ------------------------------------------------------------------------------------


def test_jackknife_matches_pysal_gini_and_theil(mexico: pd.DataFrame) -> None:
    # Equal weights: our Gini is the mean-difference Gini (PySAL Gini) and Theil T is PySAL Theil.
    frame = mexico.assign(area=1.0)
    result = inequality_jackknife(frame, "state", "pcgdp2000", "equal_weight", "area")
    result = result.set_index("measure")
    values = frame["pcgdp2000"].to_numpy()
    keep = [np.arange(len(values)) != i for i in range(len(values))]
    for measure, reference in (("gini_population", lambda x: Gini(x).g),
                               ("theil_t", lambda x: float(Theil(x).T))):
        leave_one_out = np.array([reference(values[k]) for k in keep])
        row = result.loc[measure]
        assert row.value == pytest.approx(reference(values), rel=1e-9)
        assert row.jackknife_min == pytest.approx(leave_one_out.min(), rel=1e-9)
        assert row.jackknife_max == pytest.approx(leave_one_out.max(), rel=1e-9)
        top = int(np.argmax(np.abs(leave_one_out - reference(values))))
        assert row.most_influential_unit == frame["state"].iloc[top]
        assert row.value_without_most_influential == pytest.approx(leave_one_out[top], rel=1e-9)
    # Land area equal to population here: the two Ginis coincide.
    assert result.loc["gini_land_area", "value"] == pytest.approx(result.loc["gini_population", "value"])
    # Pinned: Mexico 2000, Gini 0.2581 (Theil T 0.1066, PySAL's docstring value for 2000);
    # without Distrito Federal (row 8) it falls to 0.2337, the largest move.
    assert result.loc["gini_population", "value"] == pytest.approx(0.258113, abs=1e-6)
    assert result.loc["theil_t", "value"] == pytest.approx(0.10660832, abs=1e-8)
    assert result.loc["gini_population", "most_influential_unit"] == 8
    assert result.loc["gini_population", "jackknife_min"] == pytest.approx(0.233687, abs=1e-6)


def test_theil_between_of_pysal_equals_ours(mexico: pd.DataFrame) -> None:
    pysal = TheilD(mexico["pcgdp1960"].to_numpy(), mexico["region"].to_numpy())
    ours = theil_between_permutation(mexico, "state", "pcgdp1960", "equal_weight", "region",
                                     forms=["theil_t"], permutations=99).iloc[0]
    assert ours["between"] == pytest.approx(float(pysal.bg[0]), rel=1e-9)
    assert ours.total - ours["between"] == pytest.approx(float(pysal.wg[0]), rel=1e-9)


# --- RSR grade variants ---------------------------------------------------------------------------

TEXTBOOK = pd.DataFrame({
    "region": list("ABCDEFGHIJ"),
    "antenatal_rate": [99.54, 96.52, 99.36, 92.83, 91.71, 95.35, 96.09, 99.27, 94.76, 84.80],
    "maternal_mortality": [60.27, 59.67, 43.91, 58.99, 35.40, 44.71, 49.81, 31.69, 22.91, 81.49],
    "perinatal_mortality": [16.15, 20.10, 15.60, 17.04, 15.01, 13.93, 17.43, 13.89, 19.87, 23.63],
    # An alternative measure of antenatal care (made up for the variant): the same order but C, H.
    "antenatal_visits": [9.9, 9.6, 9.1, 9.2, 9.1, 9.5, 9.6, 9.95, 9.4, 8.4],
})
SETTINGS = {
    "indicators": [
        {"name": "x1", "column": "antenatal_rate", "direction": "positive", "weight": 2},
        {"name": "x2", "column": "maternal_mortality", "direction": "negative", "weight": 1},
        {"name": "x3", "column": "perinatal_mortality", "direction": "negative", "weight": 1},
    ],
    "weighting": "configured", "grades": 3, "fit_rows": "all", "grade_on": "fitted", "alpha": 0.05,
}


def _reference_grades(frame: pd.DataFrame, columns: dict[str, str], **options) -> pd.Series:
    values = frame[["region"]].assign(**{name: frame[column] for name, column in columns.items()})
    chosen = [i for i in SETTINGS["indicators"] if i["name"] in columns]
    arguments = {"grades": 3, "fit_rows": "all", "grade_on": "fitted", **options}
    weights = arguments.pop("weights", {i["name"]: i["weight"] for i in chosen})
    result = rsr.evaluate(
        values, "region", positive=[i["name"] for i in chosen if i["direction"] == "positive"],
        negative=[i["name"] for i in chosen if i["direction"] == "negative"], weights=weights,
        force=True, **arguments)
    return result.units.set_index("region")["grade"]


def test_grade_variants_are_the_method_rerun() -> None:
    variants = rsr_grade_variants(TEXTBOOK, "region", SETTINGS,
                                  {"antenatal_rate": "antenatal_visits", "not_read": "antenatal_rate"})
    columns = {i["name"]: i["column"] for i in SETTINGS["indicators"]}
    grades = variants.pivot(index="region", columns="variant", values="grade")
    expected = {
        "default": _reference_grades(TEXTBOOK, columns),
        "weighting=entropy": _reference_grades(TEXTBOOK, columns, weights="entropy"),
        "fit_rows=distinct": _reference_grades(TEXTBOOK, columns, fit_rows="distinct"),
        "grade_on=raw": _reference_grades(TEXTBOOK, columns, grade_on="raw"),
        "x1=antenatal_visits": _reference_grades(TEXTBOOK, {**columns, "x1": "antenatal_visits"}),
        "without x2": _reference_grades(TEXTBOOK, {k: v for k, v in columns.items() if k != "x2"}),
        "without J": _reference_grades(TEXTBOOK[TEXTBOOK["region"] != "J"], columns),
    }
    for variant, reference in expected.items():
        pd.testing.assert_series_equal(grades[variant].dropna().astype(int), reference,
                                       check_names=False)
    # 1 default + 3 method + 1 column + 3 indicators left out + 10 units left out = 18 variants;
    # each left-out unit has no row for its own variant.
    assert variants["variant"].nunique() == 18
    assert len(variants) == 8 * 10 + 10 * 9
    assert np.isnan(grades.loc["J", "without J"])
    assert (variants["agrees"] == (variants["grade"] == variants["default_grade"])).all()


def test_grade_variant_shares_on_the_textbook_example() -> None:
    variants = rsr_grade_variants(TEXTBOOK, "region", SETTINGS, {"antenatal_rate": "antenatal_visits"})
    others = variants[variants["variant_family"] != "default"]
    share = others.groupby("region")["agrees"].mean()
    # Default grades (3 grades, weights 2:1:1): the method rerun, pinned.
    default = variants[variants["variant"] == "default"].set_index("region")["grade"]
    assert default.to_dict() == _reference_grades(
        TEXTBOOK, {i["name"]: i["column"] for i in SETTINGS["indicators"]}).to_dict()
    # J (worst on every indicator) keeps its grade under every variant; the robust share of the
    # others is below 1 for at least one unit: the check can fail.
    assert share["J"] == 1.0
    assert share.min() < 1.0


def test_grade_variants_panel_reads_the_alternatives_list() -> None:
    panel = TEXTBOOK.assign(year=2020)
    settings = {**SETTINGS,
                "alternative_columns": [{"column": "antenatal_rate", "alternative": "antenatal_visits"}]}
    variants = grade_variants_panel(panel, "year", "region", settings)
    assert variants.columns[0] == "year"
    assert "x1=antenatal_visits" in set(variants["variant"])
    with pytest.raises(InputError, match="unknown alternative column"):
        grade_variants_panel(panel, "year", "region",
                             {**settings, "alternative_columns": [{"column": "antenatal_rate",
                                                                   "alternative": "nope"}]})
