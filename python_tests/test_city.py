"""The city lens (medres.city) and its report section (medres.city_report), on synthetic panels.

No build is needed: the marts the section reads are written as Parquet files shaped like the
published ones, from the same functions the dbt Python models call.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from medres import inequality
from medres.city import _city_inequality_panel, within_terms
from medres.city_report import (
    CITY_REPORT_MARTS,
    FIGURE_NAME,
    city_section,
    within_share_table,
)
from medres.figures import Marts, MissingMartError
from medres.validation import InputError

SETTINGS = {"resources": ["beds", "doctors"], "population": "population_10k",
            "levels": ["region_3", "province_code"]}


def panel(seed: int = 7, years: tuple[int, ...] = (2019, 2020)) -> pd.DataFrame:
    """Cities in 2 provinces per region, 3-5 cities per province, for each year."""
    rng = np.random.default_rng(seed)
    rows = []
    for year in years:
        for r, region in enumerate(("East", "Central", "West")):
            for p in range(2):
                province = f"{r + 1}{p + 1}0000"
                for c in range(3 + (r + p) % 3):
                    population = float(rng.uniform(50, 900))
                    rows.append({
                        "year": year, "city_code": f"{r + 1}{p + 1}{c + 1:02d}00",
                        "city_zh": f"城市{r}{p}{c}", "province_code": province,
                        "province_zh": f"省{r}{p}", "region_3": region,
                        "beds": population * rng.uniform(20, 80), "doctors": population * rng.uniform(10, 40),
                        "population_10k": population,
                    })
    return pd.DataFrame(rows)


@pytest.mark.parametrize("form", ["theil_t", "theil_l"])
def test_within_terms_sum_to_the_nested_within_part(form):
    frame = panel().query("year == 2020").reset_index(drop=True)
    nested = inequality.theil_nested(frame, "city_code", "beds", "population_10k",
                                     ["region_3", "province_code"], forms=[form])
    parts = nested.components.set_index("component")["value"]
    terms = within_terms(frame, "city_code", "beds", "population_10k", "province_code", form)
    assert terms["within_term"].sum() == pytest.approx(parts["within"], abs=1e-15)
    # Nested identity: total = between region + between province within region + within province.
    assert parts["between"].sum() + parts["within"] == pytest.approx(parts["total"], abs=1e-15)
    # A city's T term is positive exactly when its share of the province's beds exceeds its share
    # of the province's population.
    if form == "theil_t":
        above = terms["group_resource_share"] > terms["group_population_share"]
        assert ((terms["within_term"] > 0) == above).all()


def test_equal_per_capita_within_provinces_has_no_within_part():
    frame = panel().query("year == 2020").reset_index(drop=True)
    frame["beds"] = frame["population_10k"] * frame["province_code"].str[:2].astype(int)
    terms = within_terms(frame, "city_code", "beds", "population_10k", "province_code")
    assert np.allclose(terms["within_term"], 0, atol=1e-15)


def test_panel_leaves_out_cities_without_value_or_population():
    frame = panel()
    frame.loc[0, "beds"] = np.nan          # a missing cell (2019)
    frame.loc[1, "population_10k"] = 0.0  # 三沙-like: printed 0
    inputs = frame[["year", "city_code", "province_code", "region_3", "beds", "doctors",
                    "population_10k"]]
    result = _city_inequality_panel(inputs, "year", "city_code", SETTINGS)
    gini = result["gini"].set_index(["year", "resource"])["n_units"]
    per_year = frame.groupby("year").size()
    assert gini[(2019, "beds")] == per_year[2019] - 2
    assert gini[(2019, "doctors")] == per_year[2019] - 1
    assert gini[(2020, "beds")] == per_year[2020]
    units = result["theil_units"]
    assert frame.loc[0, "city_code"] not in set(
        units[(units["year"] == 2019) & (units["resource"] == "beds")]["city_code"])


def test_panel_names_a_missing_setting():
    with pytest.raises(InputError, match="levels"):
        _city_inequality_panel(panel(), "year", "city_code",
                               {"resources": ["beds"], "population": "population_10k"})


# --- The report section -----------------------------------------------------------------------


def publish_synthetic(frame: pd.DataFrame, published: Path) -> None:
    """Write the marts the section reads, shaped like the published ones."""
    inputs = frame[["year", "city_code", "province_code", "region_3", "beds", "doctors",
                    "population_10k"]]
    result = _city_inequality_panel(inputs, "year", "city_code", SETTINGS)
    basis = {2019: "yearend_registered_population", 2020: "resident_population"}
    theil = result["theil"].copy()
    theil["part"] = np.select(
        [theil["component"] == "total", theil["component"] == "within",
         theil["level"] == "region_3"],
        ["total", "within_province", "between_region"], "between_province")
    theil = theil.rename(columns={"value": "theil_value"}).assign(
        population_basis=theil["year"].map(basis))
    gini = result["gini"].assign(population_basis=lambda f: f["year"].map(basis))
    units = result["theil_units"].merge(
        theil.loc[theil["part"] == "within_province", ["year", "resource", "theil_form", "theil_value"]],
        on=["year", "resource", "theil_form"])
    units["share_of_within_pct"] = 100 * units["within_term"] / units["theil_value"]
    units["within_rank"] = units.groupby(["year", "resource", "theil_form"])["within_term"].rank(
        ascending=False, method="min").astype(int)
    units = units.merge(frame[["year", "city_code", "city_zh", "province_zh"]], on=["year", "city_code"])
    units = units.rename(columns={"group_resource_share": "province_resource_share",
                                  "group_population_share": "province_population_share"})
    coverage = pd.DataFrame({"year": [2020, 2020], "province_code": ["110000", "120000"],
                             "exclusions": ["城市<b> beds", None]})
    marts = {"fct_city_inequality_theil": theil, "fct_city_inequality_gini": gini,
             "fct_city_inequality_theil_cities": units, "fct_city_province_coverage": coverage}
    (published / "parquet").mkdir(parents=True)
    with duckdb.connect() as connection:
        for name, mart in marts.items():
            connection.register("mart", mart)
            connection.execute(f"copy mart to '{published / 'parquet' / name}.parquet' (format parquet)")
            connection.unregister("mart")


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, int] = {}
        self.images: list[str] = []
        self.scripts = 0
        self._table: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("id")
            self.tables[self._table] = 0
        elif tag == "tr" and self._table:
            self.tables[self._table] += 1
        elif tag == "img":
            self.images.append(attrs["src"])
        elif tag == "script":
            self.scripts += 1


def test_section_reads_the_marts_and_writes_its_figure(tmp_path):
    frame = panel()
    publish_synthetic(frame, tmp_path / "published")
    figures = tmp_path / "figures"
    section = city_section(tmp_path / "published", figures, top=5)

    assert (figures / f"{FIGURE_NAME}.png").stat().st_size > 0
    assert (figures / f"{FIGURE_NAME}.svg").stat().st_size > 0
    parsed = Collect()
    parsed.feed(section)
    # Header row + one row per year; header + 5 top cities; the recurring drivers.
    assert parsed.tables["city-within-share"] == 1 + 2
    assert parsed.tables["city-top-cities"] == 1 + 5
    assert parsed.tables["city-recurring-drivers"] > 1
    assert parsed.images == [f"figures/{FIGURE_NAME}.png"]
    assert parsed.scripts == 0 and "http" not in section
    # Escaped: the exclusion text holds markup characters.
    assert "城市&lt;b&gt; beds" in section and "城市<b>" not in section
    # The within share printed is the mart's.
    table = within_share_table(Marts(tmp_path / "published"))
    assert f"{table['within_province_pct'].iloc[-1]:,.1f}" in html.unescape(section)
    assert table[["between_region_pct", "between_province_pct", "within_province_pct"]].sum(
        axis=1).round(9).eq(100).all()


def test_section_names_missing_marts(tmp_path):
    (tmp_path / "published").mkdir()
    with pytest.raises(MissingMartError) as error:
        city_section(tmp_path / "published", tmp_path / "figures")
    for name in CITY_REPORT_MARTS:
        assert name in str(error.value)
