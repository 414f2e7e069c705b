"""Issue 23 toolkit: HEAT summary measures against the technical notes' formulas on hand-computed
values and against medres's Theil/CV on real NBS figures; the HEAT Plus upload file against the
template's rules; spatial weights, Moran's I and LISA against esda on the same weights and by hand;
plan-target projections on worked series and real NBS figures."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from medres import heat, inequality, spatial, targets
from medres.validation import InputError

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"

# --- real figures from the seeds (NBS exports) ---------------------------------------------------


def nbs(name: str, column: str) -> pd.DataFrame:
    frame = pd.read_csv(SEEDS / "nbs" / f"{name}.csv", dtype={"region_code": str})
    return frame[["year", "region_code", column]]


@pytest.fixture(scope="module")
def beds() -> pd.DataFrame:
    """Beds per 1,000 year-end residents per province and year, straight from the seeds."""
    frame = nbs("nbs_beds", "beds_10k").merge(nbs("nbs_population", "yearend_population_10k"),
                                              on=["year", "region_code"])
    frame = frame.merge(nbs("nbs_gdp_per_capita", "gdp_per_capita_yuan"), on=["year", "region_code"])
    frame["beds_per_1000"] = frame["beds_10k"] * 1000 / frame["yearend_population_10k"]
    frame["population"] = frame["yearend_population_10k"] * 10000
    return frame.sort_values(["year", "region_code"], ignore_index=True)


# --- HEAT: hand-computed worked example ----------------------------------------------------------
# Three subgroups a, b, c with estimates 2, 4, 6 and populations 1, 2, 1: p = (.25, .5, .25),
# μ = Σ p y = 4, y/μ = (.5, 1, 1.5).
IDS, Y, P = ["a", "b", "c"], [2.0, 4.0, 6.0], [1.0, 2.0, 1.0]

WORKED = {
    "D": 4.0, "R": 3.0,                                # 6 − 2, 6 / 2 (highest vs lowest)
    "BGV": 2.0,                                        # .25·4 + .5·0 + .25·4
    "BGSD": math.sqrt(2.0), "COV": math.sqrt(2.0) / 4 * 100,
    "MDMU": 4 / 3,                                     # (2 + 0 + 2) / 3
    "MDMW": 1.0,                                       # .25·2 + .25·2
    "MDBU": 2.0,                                       # (4 + 2 + 0) / 3, best = 6
    "MDBW": 2.0,                                       # .25·4 + .5·2
    "MDRU": 2.0,                                       # reference a (2): (0 + 2 + 4) / 3
    "MDRW": 2.0,                                       # .5·2 + .25·4
    "IDISU": 100 / 3, "IDISW": 25.0,
    "TI": 1000 * (0.125 * math.log(0.5) + 0.375 * math.log(1.5)),   # 65.406...
    "MLD": 1000 * (0.25 * -math.log(0.5) + 0.25 * -math.log(1.5)),  # 71.920...
    "PAR": 0.0, "PAF": 0.0,                            # reference a is below μ: no improvement
}


def test_non_ordered_measures_equal_the_hand_computed_values():
    got = heat.non_ordered_measures(IDS, Y, P, reference="a")
    assert set(got) == set(heat.NON_ORDERED_MEASURES)
    for measure, value in WORKED.items():
        assert got[measure] == pytest.approx(value, rel=1e-12), measure
    assert got["TI"] == pytest.approx(65.40602, abs=1e-5)
    assert got["MLD"] == pytest.approx(71.92052, abs=1e-5)


def test_reference_and_impact_rules():
    best = heat.non_ordered_measures(IDS, Y, P)               # no reference: PAR from the best
    assert best["PAR"] == pytest.approx(2.0) and best["PAF"] == pytest.approx(50.0)
    assert math.isnan(best["MDRU"]) and math.isnan(best["MDRW"])
    signed = heat.non_ordered_measures(IDS, Y, P, reference="a", clip_impact=False)
    assert signed["PAR"] == pytest.approx(-2.0) and signed["PAF"] == pytest.approx(-50.0)
    pair = heat.non_ordered_measures(IDS, Y, P, reference="b", simple_pair="reference")
    assert pair["D"] == pytest.approx(2.0) and pair["R"] == pytest.approx(2.0)   # 4 − 2, 4 / 2
    adverse = heat.non_ordered_measures(IDS, Y, P, favourable=False)
    assert adverse["MDBU"] == pytest.approx(2.0)                                 # best = 2
    assert adverse["PAR"] == pytest.approx(-2.0)                                 # 2 − 4
    with pytest.raises(InputError, match="reference subgroup 'x'"):
        heat.non_ordered_measures(IDS, Y, P, reference="x")


def test_ordered_measures_on_the_worked_example():
    # Ranked a < b < c: X = (.125, .5, .875); ACI = Σ p (2X − 1) y = −.375 + 0 + 1.125 = .75.
    assert list(heat.relative_rank(P)) == pytest.approx([0.125, 0.5, 0.875])
    linear = heat.ordered_measures(IDS, Y, P, [1, 2, 3], scale=1000, sii_model="linear")
    assert linear["ACI"] == pytest.approx(0.75) and linear["RCI"] == pytest.approx(18.75)
    # The points lie on y = 4/3 + 16/3 X: v0 = 4/3, v1 = 20/3.
    assert linear["SII"] == pytest.approx(16 / 3) and linear["RII"] == pytest.approx(5.0)
    # Reversing the ordering mirrors the ranks: ACI changes sign.
    assert heat.ordered_measures(IDS, Y, P, [3, 2, 1], scale=1000)["ACI"] == pytest.approx(-0.75)


@pytest.mark.parametrize("model", ["poisson", "logit"])
def test_sii_glms_solve_their_score_equations(model, beds):
    """Independent check of the fitted GLM: at the MLE the score equations hold (canonical link):
    Σ w (obs − fit) = 0 and Σ w X (obs − fit) = 0, with v(X) rebuilt from v0 and v1 alone."""
    year = beds[beds["year"] == 2020].sort_values("gdp_per_capita_yuan")
    y, w = year["beds_per_1000"].to_numpy(), year["population"].to_numpy()
    got = heat.ordered_measures(year["region_code"], y, w, year["gdp_per_capita_yuan"], scale=1000,
                                sii_model=model)
    x = heat.relative_rank(w)
    v0, v1 = got["SII"] / (got["RII"] - 1), got["SII"] * got["RII"] / (got["RII"] - 1)
    if model == "poisson":
        fit = v0 * (v1 / v0) ** x                     # log link: ln v linear in X
    else:
        logit = lambda v: math.log(v / (1000 - v))    # noqa: E731
        a, b = logit(v0), logit(v1) - logit(v0)
        fit = 1000 / (1 + np.exp(-(a + b * x)))
    resid = w * (y - fit)
    assert abs(resid.sum()) / (w * y).sum() < 1e-8
    assert abs((x * resid).sum()) / (w * y).sum() < 1e-8
    # Beds fall with GRP rank in 2020 (richer provinces have fewer beds per person): RII < 1.
    assert got["RII"] == pytest.approx(0.8084, abs=5e-4) if model == "poisson" else got["RII"] < 1


def test_heat_ti_mld_cov_equal_the_inequality_lens_on_real_nbs_figures(beds):
    year = beds[beds["year"] == 2020]
    got = heat.non_ordered_measures(year["region_code"], year["beds_per_1000"], year["population"])
    theil = inequality.theil(year, "region_code", "beds_10k", "yearend_population_10k").components
    total = theil.set_index("index")["value"]
    assert got["TI"] == pytest.approx(1000 * total["theil_t"], rel=1e-12)
    assert got["MLD"] == pytest.approx(1000 * total["theil_l"], rel=1e-12)
    cv = inequality.coefficient_of_variation(year["beds_per_1000"], year["yearend_population_10k"])
    assert got["COV"] == pytest.approx(100 * cv, rel=1e-12)
    # Measured values (NBS 2020): μ = 6.454 beds per 1,000 (910.07万 beds / 141,011万 people).
    assert heat.setting_average(year["beds_per_1000"], year["population"]) == pytest.approx(6.4541, abs=1e-4)
    assert got["TI"] == pytest.approx(10.743, abs=1e-3) and got["MLD"] == pytest.approx(11.254, abs=1e-3)
    assert got["COV"] == pytest.approx(14.397, abs=1e-3)
    assert got["D"] == pytest.approx(3.514, abs=1e-3)


def test_heat_panel_rows_and_grain(beds):
    frame = beds.assign(level="province", indicator="beds_per_1000", unit_code=beds["region_code"],
                        estimate=beds["beds_per_1000"], favourable=True, scale=1000.0,
                        order_value=beds["gdp_per_capita_yuan"])
    panel = heat.heat_panel(frame, references={"province": "110000"})
    assert sorted(panel["year"].unique()) == list(range(2016, 2025))
    assert len(panel) == 9 * 21 and not panel.duplicated(["year", "level", "indicator", "measure"]).any()
    assert set(panel["reference_subgroup"]) == {"110000"}


# --- HEAT Plus upload file -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def upload(beds) -> pd.DataFrame:
    frame = beds.assign(level="province", indicator="beds_per_1000", unit_code=beds["region_code"],
                        estimate=beds["beds_per_1000"], favourable=True, scale=1000.0,
                        order_value=beds["gdp_per_capita_yuan"])
    names = pd.read_csv(SEEDS / "reference" / "ref_provinces.csv", dtype={"region_code": str})
    return heat.heat_plus_rows(
        frame, setting="China", iso3="CHN", sources={"province": "NBS"},
        indicator_names={"beds_per_1000": "Beds per 1,000 people"}, dimension="Province",
        ordered_dimension="Province ranked by GRP per capita", references={"province": "110000"},
        unit_names=dict(zip(names["region_code"], names["province_en"])))


def test_upload_file_follows_the_template(upload):
    assert list(upload.columns) == [
        "setting", "date", "source", "indicator_abbr", "indicator_name", "dimension", "subgroup",
        "estimate", "se", "ci_lb", "ci_ub", "population", "note", "setting_average", "iso3",
        "favourable_indicator", "indicator_scale", "ordered_dimension", "subgroup_order",
        "reference_subgroup"]
    assert heat.heat_plus_problems(upload) == []
    assert len(upload) == 9 * 31 * 2
    province = upload[upload["dimension"] == "Province"]
    assert (province.groupby("date")["reference_subgroup"].sum() == 1).all()
    assert set(province.loc[province["reference_subgroup"] == 1, "subgroup"]) == {"Beijing"}
    assert (province["subgroup_order"] == 0).all() and (province["ordered_dimension"] == 0).all()
    ranked = upload[(upload["dimension"] != "Province") & (upload["date"] == 2020)]
    assert sorted(ranked["subgroup_order"]) == list(range(1, 32))
    assert (ranked["reference_subgroup"] == 0).all()
    lowest = ranked[ranked["subgroup_order"] == 1].iloc[0]
    assert lowest["subgroup"] == "Rank 01 (lowest)" and lowest["note"] == "Gansu"   # 37,218 yuan
    beijing = province[(province["date"] == 2020) & (province["subgroup"] == "Beijing")].iloc[0]
    # 12.70万 beds over 21,890 thousand people
    assert beijing["estimate"] == pytest.approx(127000 / 21890, rel=1e-12)
    assert beijing["population"] == 21_890_000 and beijing["indicator_scale"] == 1000


def test_upload_rules_catch_broken_files(upload):
    two_refs = upload.copy()
    two_refs.loc[two_refs["subgroup"] == "Tianjin", "reference_subgroup"] = 1
    assert "there must be only one reference subgroup when ordered_dimension = 0" in heat.heat_plus_problems(two_refs)
    gap = upload.copy()
    gap.loc[gap["subgroup"] == "Rank 02", "subgroup_order"] = 40
    assert any("subgroup_order" in p for p in heat.heat_plus_problems(gap))
    names = upload.copy()
    names.loc[0, "subgroup_order"] = 3
    assert "subgroup_order: must be 0 when ordered_dimension = 0" in heat.heat_plus_problems(names)
    assert heat.heat_plus_problems(upload.drop(columns=["note"]))[0].startswith("columns must be exactly")
    negative = upload.copy()
    negative.loc[0, "estimate"] = -1.0
    assert "estimate: must be a number greater than or equal to zero" in heat.heat_plus_problems(negative)


def test_formula_like_text_is_escaped(upload):
    assert heat.escape_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert [heat.escape_cell(v) for v in ("+1", "-1", "@SUM(A1)", "Beijing")] == ["'+1", "'-1", "'@SUM(A1)", "Beijing"]
    assert heat.escape_cell(-1.5) == -1.5
    hostile = upload.head(2).copy()
    hostile["subgroup"] = ["=1+1", "-cmd"]
    text = heat.heat_plus_csv(hostile)
    assert ",'=1+1," in text and ",'-cmd," in text
    assert text.splitlines()[0] == ",".join(heat.HEAT_PLUS_COLUMNS)


# --- spatial ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def neighbours() -> pd.DataFrame:
    return spatial.province_neighbours()


def test_queen_neighbour_counts(neighbours):
    lists = neighbours.groupby("region_code")["neighbour_code"].apply(set)
    assert lists["110000"] == {"120000", "130000"}                                    # Beijing: Tianjin, Hebei
    assert len(lists["130000"]) == 7                                                  # Hebei
    assert len(lists["150000"]) == 8 and len(lists["610000"]) == 8                    # Inner Mongolia, Shaanxi
    assert lists["650000"] == {"540000", "630000", "620000"}                          # Xinjiang
    assert lists["460000"] == {"440000"}                                              # Hainan: island rule
    assert set(neighbours.loc[neighbours["region_code"] == "460000", "link"]) == {"island_rule"}
    assert len(neighbours) == 2 * 68 + 2                                              # 68 land adjacencies
    no_link = spatial.province_neighbours(island_links=())
    with pytest.raises(InputError, match=r"\['460000'\] have no neighbour"):
        spatial.weights_from_neighbours(no_link, sorted(lists.index))


def test_moran_equals_esda_and_the_formula(neighbours, beds):
    from esda.moran import Moran, Moran_Local

    year = beds[beds["year"] == 2020].sort_values("region_code")
    y = year["beds_per_1000"].to_numpy()
    w = spatial.weights_from_neighbours(neighbours, year["region_code"].tolist())
    got = spatial.global_moran(y, w, permutations=999, seed=7)
    np.random.seed(7)
    ref = Moran(y, w, transformation="r", permutations=999)
    assert got["moran_i"] == ref.I and got["p_permutation"] == ref.p_sim and got["z_normal"] == ref.z_norm
    full = w.full()[0]
    z = y - y.mean()
    n = len(y)
    assert got["moran_i"] == pytest.approx(n / full.sum() * z @ full @ z / (z @ z), rel=1e-12)
    assert got["expected_i"] == pytest.approx(-1 / (n - 1))
    assert got["moran_i"] == pytest.approx(0.347, abs=1e-3)                          # NBS 2020 beds

    local = spatial.local_moran(y, w, permutations=999, seed=7, alpha=0.05, fdr=True)
    ref_local = Moran_Local(y, w, transformation="r", permutations=999, seed=7, n_jobs=1)
    assert np.allclose(local["local_i"], ref_local.Is) and np.array_equal(local["p_permutation"], ref_local.p_sim)
    zs = z / y.std()
    lag = full @ zs
    assert np.allclose(local["local_i"], (n - 1) * zs * lag / (zs @ zs))
    quadrant = np.where(zs > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3))
    assert np.array_equal(local["quadrant"], quadrant)
    from esda import fdr
    threshold = fdr(ref_local.p_sim, 0.05)
    assert (local["is_significant"] == (local["p_permutation"] <= threshold)).all()
    labels = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
    expected = [labels[q] if s else "Not significant" for q, s in zip(quadrant, local["is_significant"])]
    assert local["cluster"].tolist() == expected
    unadjusted = spatial.local_moran(y, w, permutations=999, seed=7, alpha=0.05, fdr=False)
    assert unadjusted["is_significant"].sum() >= local["is_significant"].sum()


# --- plan targets ----------------------------------------------------------------------------------


def test_projection_on_worked_series():
    years = [2016, 2017, 2018, 2019, 2020]
    exact = targets.project_attainment(years, [4.0, 4.5, 5.0, 5.5, 6.0], 7.0)
    assert exact["status"] == "projected" and exact["slope_per_year"] == pytest.approx(0.5)
    assert exact["projected_year"] == 2022 and exact["gap"] == pytest.approx(-1.0)   # 6 + .5·2 = 7
    reached = targets.project_attainment(years, [4.0, 4.5, 6.1, 5.9, 6.2], 6.0)
    assert reached["status"] == "reached" and reached["first_year_at_target"] == 2018
    falling = targets.project_attainment(years, [6.0, 5.8, 5.7, 5.5, 5.4], 6.0)
    assert falling["status"] == "not_on_track" and falling["projected_year"] is None
    noisy = targets.project_attainment(years, [4.0, 4.7, 4.9, 5.6, 5.8], 7.0, interval=0.95)
    b, a = np.polyfit(years, [4.0, 4.7, 4.9, 5.6, 5.8], 1)
    assert noisy["slope_per_year"] == pytest.approx(b)
    assert noisy["projected_year"] == math.ceil((7.0 - a) / b)
    assert noisy["projected_year_early"] <= noisy["projected_year"] <= noisy["projected_year_late"]
    from scipy import stats
    resid = np.array([4.0, 4.7, 4.9, 5.6, 5.8]) - (a + b * np.array(years))
    se = math.sqrt(resid @ resid / 3 / ((np.array(years) - 2018) ** 2).sum())
    assert noisy["slope_high"] == pytest.approx(b + stats.t.ppf(0.975, 3) * se)


def test_bed_target_on_real_nbs_figures(beds):
    """The 2015-2020 plan's 6 beds per 1,000: the provinces below it in 2024 (NBS)."""
    plan = pd.read_csv(SEEDS / "reference" / "plan_targets.csv")
    target = plan.loc[plan["target_id"] == "nmhssp_2020_beds"].iloc[0]
    assert target["value"] == 6 and target["medres_column"] == "beds_per_1000"
    assert plan["medres_column"].isna().sum() == 4                                    # not evaluable
    per_capita = beds.rename(columns={"beds_per_1000": "beds_per_1000"})
    panel = targets.projection_panel(per_capita, plan.rename(columns={"value": "target_value"}),
                                     {"trend_years": 5, "interval": 0.95, "horizon": 2050})
    below = set(panel.loc[panel["status"] != "reached", "region_code"])
    assert below == {"120000", "350000", "440000", "460000", "540000"}  # Tianjin, Fujian, Guangdong, Hainan, Tibet
    assert len(panel) == 31 and (panel["latest_year"] == 2024).all()
    hainan = panel.set_index("region_code").loc["460000"]
    assert hainan["status"] == "not_on_track" and hainan["slope_per_year"] < 0


def test_permutation_inference_is_reproducible(neighbours, beds):
    """esda draws from NumPy's global generator, seeded before each statistic: the same seed gives
    the same pseudo p-values, whatever was drawn before."""
    year = beds[beds["year"] == 2020].sort_values("region_code")
    y = year["beds_per_1000"].to_numpy()
    w = spatial.weights_from_neighbours(neighbours, year["region_code"].tolist())
    first = (spatial.global_moran(y, w, 999, 11)["p_permutation"],
             spatial.local_moran(y, w, 999, 11)["p_permutation"].tolist())
    np.random.default_rng(0)  # unrelated draws in between
    spatial.global_moran(y, w, 99, 12)
    again = (spatial.global_moran(y, w, 999, 11)["p_permutation"],
             spatial.local_moran(y, w, 999, 11)["p_permutation"].tolist())
    assert first == again


def test_only_the_spatial_lens_uses_numpys_global_generator():
    """dbt runs Python models in threads of one process; the global generator is safe to seed
    only while one model draws from it: the spatial lens (one model, int_spatial_results). Every
    other method takes its own generator (numpy.random.default_rng)."""
    pattern = re.compile(r"np\.random\.(seed|permutation|rand|randn|randint|choice|shuffle)\b")
    users = sorted(path.name for path in (ROOT / "src" / "medres").glob("*.py")
                   if pattern.search(path.read_text(encoding="utf-8")))
    assert users == ["spatial.py"]
    models = sorted(path.stem for path in (ROOT / "models").rglob("*.py")
                    if "medres.spatial" in path.read_text(encoding="utf-8")
                    and ("local_moran" in path.read_text(encoding="utf-8")
                         or "spatial_panel" in path.read_text(encoding="utf-8")))
    assert models == ["int_spatial_results"]


def test_one_year_panels_get_no_trend(beds):
    """Under the census population basis the panel is 2020 only: no trend, status too_few_years."""
    plan = pd.read_csv(SEEDS / "reference" / "plan_targets.csv").rename(columns={"value": "target_value"})
    panel = targets.projection_panel(beds[beds["year"] == 2020], plan,
                                     {"trend_years": 5, "interval": 0.95, "horizon": 2050})
    assert len(panel) == 31 and panel["slope_per_year"].isna().all()
    assert (panel["status"] == "too_few_years").sum() == 10 and (panel["status"] == "reached").sum() == 21
    with pytest.raises(InputError, match="at least 3 years"):
        targets.project_attainment([2019, 2020], [5.0, 5.5], 6.0)


def test_export_frame_of_both_levels_passes_the_template_rules(beds):
    """medres.heat_export.export_frame on the 2020 provinces and cities (seed values): three
    dimensions, one reference subgroup each, and a CSV of the template's 20 columns."""
    import csv
    import io

    from medres.heat_export import export_frame

    names = pd.read_csv(SEEDS / "reference" / "ref_provinces.csv", dtype={"region_code": str})
    province = beds[beds["year"] == 2020].merge(names[["region_code", "province_en"]], on="region_code")
    provinces = pd.DataFrame({
        "year": 2020, "level": "province", "indicator": "beds_per_1000",
        "indicator_name": "Beds in medical and health institutions per 1,000 people",
        "unit_code": province["region_code"], "unit_name": province["province_en"],
        "estimate": province["beds_per_1000"], "population": province["population"],
        "favourable": True, "scale": 1000.0, "gdp_per_capita_yuan": province["gdp_per_capita_yuan"]})
    city = pd.read_csv(SEEDS / "city" / "city_health_resources.csv", dtype={"city_code": str})
    city = city[(city["year"] == 2020) & (city["population_10k"] > 0) & (city["beds"] > 0)]
    cities = pd.DataFrame({
        "year": 2020, "level": "city", "indicator": "beds_per_1000",
        "indicator_name": "Beds per 1,000 people (city yearbook)", "unit_code": city["city_code"],
        "unit_name": city["city_zh"], "estimate": city["beds"] / (city["population_10k"] * 10),
        "population": city["population_10k"] * 10000, "favourable": True, "scale": 1000.0,
        "gdp_per_capita_yuan": np.nan})
    frame = export_frame(pd.concat([provinces, cities], ignore_index=True), "110000")
    assert heat.heat_plus_problems(frame) == []
    assert set(frame["dimension"]) == {"Province", "Province ranked by GRP per capita", "Prefecture-level city"}
    refs = frame[frame["reference_subgroup"] == 1].set_index("dimension")["subgroup"]
    assert refs.to_dict() == {"Province": "Beijing", "Prefecture-level city": "北京市 (110000)"}
    assert frame.loc[frame["dimension"] == "Prefecture-level city", "indicator_abbr"].unique().tolist() == [
        "beds_per_1000_city"]
    rows = list(csv.reader(io.StringIO(heat.heat_plus_csv(frame))))
    assert rows[0] == list(heat.HEAT_PLUS_COLUMNS) and all(len(r) == 20 for r in rows)
    assert len(rows) == 1 + 2 * 31 + len(cities)
