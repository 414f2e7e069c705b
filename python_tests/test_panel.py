import json
from pathlib import Path

import pandas as pd
import pytest

from medres.cluster import hierarchical
from medres.panel import cluster_panel, grading_panel, scored_units, settings_from_json, stacked_outputs
from medres.rsr import evaluate
from medres.validation import InputError

SETTINGS = {
    "indicators": [
        {"name": "a", "direction": "positive", "weight": 1},
        {"name": "b", "direction": "negative", "weight": 3},
    ],
    "weighting": "configured",
    "grades": 3,
    "fit_rows": "all",
    "grade_on": "fitted",
    "alpha": 0.05,
    "force": False,
}


def two_year_panel() -> pd.DataFrame:
    year_one = pd.DataFrame(
        {"unit": list("pqrstu"), "a_value": [1, 2, 3, 4, 5, 6], "b_value": [6, 5, 4, 3, 2, 1]}
    )
    year_two = year_one.assign(a_value=[6, 5, 4, 3, 2, 1], b_value=[1, 2, 3, 4, 5, 6])
    return pd.concat([year_one.assign(year=2020), year_two.assign(year=2021)], ignore_index=True)


def rsr_panel(frame: pd.DataFrame, group: str, unit: str, settings: dict) -> dict[str, pd.DataFrame]:
    """The city lens's path: scores (scored_units) then their grading (grading_panel)."""
    values = frame.rename(columns=lambda column: column.removesuffix("_value"))
    scores = scored_units(values, group, unit, settings["indicators"], settings["weighting"])
    outputs = grading_panel(scores, group, unit, settings)
    outputs["scores"] = scores
    return outputs


def test_each_year_is_evaluated_on_its_own_rows():
    outputs = rsr_panel(two_year_panel(), "year", "unit", SETTINGS)
    units = outputs["units"].set_index(["year", "unit"])
    # Both indicators agree, so the best unit has every top rank: RSR = 1 — u in 2020, p in 2021.
    assert units.loc[(2020, "u"), "rsr"] == 1.0
    assert units.loc[(2021, "p"), "rsr"] == 1.0
    assert units.loc[(2020, "p"), "rsr"] == pytest.approx(1 / 6)
    # Same as calling the package directly on one year, with the configured weights 1:3.
    direct = evaluate(
        two_year_panel().query("year == 2020").rename(columns={"a_value": "a", "b_value": "b"}),
        "unit", positive=["a"], negative=["b"], weights={"a": 1, "b": 3}, grades=3,
    )
    assert units.loc[2020, "wrsr"].tolist() == pytest.approx(direct.units["wrsr"].tolist())
    assert list(outputs["units"].columns[:2]) == ["year", "unit"]


def test_regression_reports_both_fit_variants_and_flags_the_configured_one():
    regression = rsr_panel(two_year_panel(), "year", "unit", SETTINGS)["regression"]
    assert sorted(regression["fit_rows"].unique()) == ["all", "distinct"]
    assert regression.groupby("year")["used_for_grading"].sum().tolist() == [1, 1]
    assert regression.loc[regression["used_for_grading"], "fit_rows"].unique().tolist() == ["all"]


def test_error_names_the_group():
    panel = two_year_panel()
    # Every unit alike in 2021: all RSR equal, so there is no line to fit.
    panel.loc[panel["year"] == 2021, ["a_value", "b_value"]] = 1
    with pytest.raises(InputError, match=r"year = 2021: fit_regression .* 2 different probits"):
        rsr_panel(panel, "year", "unit", SETTINGS)


def test_a_unit_missing_an_indicator_is_left_out_of_the_scores():
    panel = two_year_panel()
    panel.loc[(panel["year"] == 2021) & (panel["unit"] == "q"), "a_value"] = None
    scores = rsr_panel(panel, "year", "unit", SETTINGS)["scores"]
    assert scores.groupby("year")["unit"].count().to_dict() == {2020: 6, 2021: 5}


def test_grading_needs_the_scores_and_every_setting():
    scores = rsr_panel(two_year_panel(), "year", "unit", SETTINGS)["scores"]
    with pytest.raises(InputError, match=r"lack \['force'\]"):
        grading_panel(scores, "year", "unit", {k: v for k, v in SETTINGS.items() if k != "force"})
    with pytest.raises(InputError, match="lack the column 'wrsr'"):
        grading_panel(scores.drop(columns="wrsr"), "year", "unit", SETTINGS)


def test_unknown_weighting_is_rejected():
    with pytest.raises(InputError, match="weighting must be 'configured' or 'entropy'"):
        rsr_panel(two_year_panel(), "year", "unit", {**SETTINGS, "weighting": "pca"})


def test_settings_from_json():
    assert settings_from_json(json.dumps(SETTINGS), "rsr_settings") == SETTINGS
    with pytest.raises(InputError, match="'rsr_settings' is missing"):
        settings_from_json(None, "rsr_settings")
    with pytest.raises(InputError, match="not valid JSON"):
        settings_from_json("{grades: 5", "rsr_settings")
    with pytest.raises(InputError, match="must be a JSON object"):
        settings_from_json("[1, 2]", "rsr_settings")


# --- cluster_panel ---------------------------------------------------------------------------

CLUSTER_COLUMNS = ["institutions", "health_personnel_10k", "beds_10k",
                   "health_expenditure_per_capita_yuan"]
CLUSTER_SETTINGS = {"columns": CLUSTER_COLUMNS, "standardize": "z", "linkage": "average",
                    "metric": "sqeuclidean", "k_min": 2, "k_max": 8, "k": 5}


@pytest.fixture(scope="module")
def provinces() -> pd.DataFrame:
    return pd.read_csv(Path(__file__).parent / "data" / "cluster_health_resources_2020.csv")


def two_year_provinces(provinces: pd.DataFrame) -> pd.DataFrame:
    # 2021 = 2020 with every institution count doubled except Beijing's: a different tree.
    later = provinces.assign(institutions=provinces["institutions"] * 2)
    later.loc[later["province_en"] == "Beijing", "institutions"] = 10599
    return pd.concat([provinces.assign(year=2020), later.assign(year=2021)], ignore_index=True)


def test_cluster_panel_equals_hierarchical_per_year(provinces):
    panel = two_year_provinces(provinces)
    out = cluster_panel(panel, "year", "province_en", CLUSTER_SETTINGS)
    for year in (2020, 2021):
        rows = panel[panel["year"] == year].sort_values("province_en").reset_index(drop=True)
        direct = hierarchical(rows, "province_en", CLUSTER_COLUMNS, k_range=(2, 8))
        members = out["memberships"].query("year == @year")
        assert members[["province_en", "k", "cluster"]].values.tolist() == (
            direct.memberships[["id", "k", "cluster"]].values.tolist()
        )
        schedule = out["schedule"].query("year == @year")
        assert schedule["coefficient"].tolist() == pytest.approx(
            direct.schedule["coefficient"].tolist())
        assert schedule["rescaled_distance"].tolist() == pytest.approx(
            direct.dendrogram.merges["rescaled_distance"].tolist())
    assert list(out["memberships"].columns) == [
        "year", "province_en", "case_number", "k", "cluster", "is_chosen_k"]
    assert len(out["memberships"]) == 2 * 31 * 7
    assert out["memberships"].groupby("year")["is_chosen_k"].sum().tolist() == [31, 31]
    assert (out["memberships"].query("is_chosen_k")["k"] == 5).all()


def test_cluster_panel_numbers_cases_by_sorted_id_whatever_the_row_order(provinces):
    panel = provinces.assign(year=2020)
    shuffled = panel.sample(frac=1, random_state=3)
    first = cluster_panel(panel, "year", "province_en", CLUSTER_SETTINGS)
    second = cluster_panel(shuffled, "year", "province_en", CLUSTER_SETTINGS)
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])
    # Case 1 = alphabetically first id; the schedule names each case's id.
    schedule = first["schedule"]
    names = sorted(provinces["province_en"])
    for row in schedule.itertuples():
        assert row.cluster_1_province_en == names[row.cluster_1 - 1]
        assert row.cluster_2_province_en == names[row.cluster_2 - 1]
    assert len(schedule) == 30 and schedule["stage"].tolist() == list(range(1, 31))


def test_cluster_panel_study_groups_and_outputs(provinces):
    out = cluster_panel(provinces.assign(year=2020), "year", "province_en", CLUSTER_SETTINGS)
    chosen = out["memberships"].query("is_chosen_k")
    groups = {c: set(g["province_en"]) for c, g in chosen.groupby("cluster")}
    assert groups[5] == {"Shandong", "Henan", "Sichuan", "Hebei", "Hunan"}
    assert groups[3] == {"Beijing", "Shanghai"}
    leaves = out["leaves"]
    assert sorted(leaves["leaf_position"]) == list(range(1, 32))
    assert sorted(leaves["case_number"]) == list(range(1, 32))
    diagnostics = out["diagnostics"].set_index("k")
    assert list(diagnostics.index) == list(range(2, 9))
    assert diagnostics.loc[5, "coefficient_at_cut"] == pytest.approx(2.743589, abs=1e-6)
    assert diagnostics.loc[5, "coefficient_jump"] == pytest.approx(4.292487 - 2.743589, abs=1e-6)
    assert diagnostics["is_chosen_k"].tolist() == [k == 5 for k in range(2, 9)]
    rescaled = out["schedule"]["rescaled_distance"]
    assert rescaled.min() == 0.0 and rescaled.max() == 25.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"k": 9}, r"chosen k = 9 lies outside .* 2\.\.8"),
        ({"k_min": "2"}, "'k_min' must be an integer"),
        ({"columns": "beds_10k"}, "'columns' must be a non-empty list"),
        ({"linkage": "wards"}, "unknown linkage 'wards'"),
        ({"k_max": 31}, r"year = 2020: k_range \(2, 31\) outside 2\.\.30"),
    ],
)
def test_cluster_panel_rejects_bad_settings(provinces, change, message):
    with pytest.raises(InputError, match=message):
        cluster_panel(provinces.assign(year=2020), "year", "province_en",
                      {**CLUSTER_SETTINGS, **change})


def test_cluster_panel_missing_setting_is_named(provinces):
    settings = {k: v for k, v in CLUSTER_SETTINGS.items() if k != "metric"}
    with pytest.raises(InputError, match=r"lack \['metric'\]"):
        cluster_panel(provinces.assign(year=2020), "year", "province_en", settings)


def test_rescaled_distances_stay_on_the_0_to_25_axis():
    import numpy as np

    from medres.cluster import rescale_distances

    # Heights for which 25·(h − low)/(high − low), multiplied first, misses 25 by one ulp.
    heights = np.array([0.1, 0.7, 2.9000000000000004, 2.9])
    rescaled = rescale_distances(heights)
    assert rescaled.min() == 0.0 and rescaled.max() == 25.0


# --- panel years: indicator sets and refused years -----------------------------------------------


def uneven_panel() -> pd.DataFrame:
    """2020: 12 units whose two indicators agree (a steep, significant fit); 2021: 4 units."""
    big = pd.DataFrame({"unit": [f"u{i:02d}" for i in range(12)], "a_value": range(12),
                        "b_value": range(12, 0, -1)}).assign(year=2020)
    small = pd.DataFrame({"unit": ["p", "q", "r", "s"], "a_value": [1, 3, 2, 4],
                          "b_value": [2, 1, 4, 3]}).assign(year=2021)
    return pd.concat([big, small], ignore_index=True)


def test_a_year_whose_regression_is_not_significant_is_refused_and_the_others_graded():
    panel = uneven_panel()
    slopes = {year: evaluate(rows.rename(columns={"a_value": "a", "b_value": "b"}), "unit",
                             positive=["a"], negative=["b"], weights={"a": 1, "b": 3}, grades=3,
                             force=True
                             ).regression.loc[0, "slope_p"]
              for year, rows in panel.groupby("year")}
    alpha = (slopes[2020] + slopes[2021]) / 2  # between the two years' p-values
    assert slopes[2020] < alpha <= slopes[2021]
    outputs = rsr_panel(panel, "year", "unit", {**SETTINGS, "alpha": alpha})
    status = outputs["evaluations"].set_index("year")
    assert status.loc[2020, "grading_status"] == "graded"
    assert status.loc[2021, "grading_status"] == "refused_not_significant"
    assert status.loc[2021, "slope_p"] == pytest.approx(slopes[2021])
    units = outputs["units"].set_index("year")
    assert units.loc[2020, "grade"].notna().all()
    assert units.loc[2021, "grade"].isna().all() and units.loc[2021, "rsr"].notna().all()
    assert set(outputs["thresholds"]["year"]) == {2020}
    assert set(outputs["regression"]["year"]) == {2020, 2021}


def test_grade_validity_is_reported_for_graded_years():
    evaluations = rsr_panel(uneven_panel(), "year", "unit", SETTINGS)["evaluations"]
    row = evaluations.set_index("year").loc[2020]
    assert row["grade_validity_test"] in ("anova", "kruskal_wallis")
    assert 0 <= row["grade_validity_p"] < 0.05


# --- inequality_panel --------------------------------------------------------------------------

INEQUALITY_SETTINGS = {"resources": ["beds", "doctors"], "per_capita_indicators": ["beds_pc"],
                       "population": "people", "area": "area", "groupings": ["region"]}


def inequality_frame() -> pd.DataFrame:
    one = pd.DataFrame({"unit": list("abcd"), "region": ["E", "E", "W", "W"],
                        "beds": [10.0, 20.0, 30.0, 60.0], "doctors": [5.0, 5.0, 8.0, 9.0],
                        "people": [10.0, 10.0, 20.0, 20.0], "area": [1.0, 2.0, 3.0, 4.0]})
    one["beds_pc"] = one["beds"] / one["people"]
    two = one.assign(doctors=None)
    return pd.concat([one.assign(year=2020), two.assign(year=2021)], ignore_index=True)


def test_inequality_panel_equals_the_package_per_year_and_skips_missing_resources():
    from medres import inequality
    from medres.panel import inequality_panel

    out = inequality_panel(inequality_frame(), "year", "unit", INEQUALITY_SETTINGS)
    gini = out["gini"].set_index(["year", "resource", "weight_basis"])["gini"]
    year_one = inequality_frame().query("year == 2020")
    assert gini[(2020, "beds", "population")] == pytest.approx(
        inequality.gini(year_one, "unit", "beds", "people"), abs=1e-15)
    assert gini[(2020, "doctors", "land_area")] == pytest.approx(
        inequality.gini(year_one, "unit", "doctors", "area"), abs=1e-15)
    assert (2021, "doctors", "population") not in gini.index  # no doctors in 2021
    theil = out["theil"].query("year == 2020 and resource == 'beds' and theil_form == 'theil_t'")
    parts = theil.set_index("component")["value"]
    assert parts["between"] + parts["within"] == pytest.approx(parts["total"], abs=1e-15)
    hrad = out["agglomeration"].query("year == 2020 and resource == 'beds'").set_index("unit")["hrad"]
    assert hrad["d"] == pytest.approx((60 / 120) / (4 / 10))


# --- stacked_outputs -----------------------------------------------------------------------------


def test_stacked_outputs_keep_each_outputs_rows_columns_and_types():
    outputs = rsr_panel(two_year_panel(), "year", "unit", SETTINGS)
    table = stacked_outputs({name: outputs[name] for name in ("units", "thresholds")}).to_pandas()
    units = table[table["output"] == "units"]
    assert units["output_row"].tolist() == list(range(1, len(outputs["units"]) + 1))
    restored = units[list(outputs["units"].columns)].reset_index(drop=True)
    pd.testing.assert_frame_equal(restored, outputs["units"], check_dtype=False)
    # Columns of one output are null in the other's rows; integers stay integers.
    thresholds = table[table["output"] == "thresholds"]
    assert thresholds["rsr_fitted"].isna().all() and units["percentile_lower"].isna().all()
    assert str(table["grade"].dtype) in ("Int64", "int64")
