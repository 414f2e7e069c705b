"""The report's section on the prefecture-city panel: within-province inequality over the years.

:func:`city_section` returns one self-contained HTML ``<section>`` (no script, no external URL,
every value escaped) and writes its figure (PNG and SVG) into a given directory. It reads the
published marts only:

* ``fct_city_inequality_theil`` — the nested Theil decomposition per year (between East / Central
  / West, between provinces within them, within provinces), as contribution percentages;
* ``fct_city_inequality_gini`` — the population-weighted Gini per year;
* ``fct_city_inequality_theil_cities`` — each city's term of the within-province part, for the
  cities that drive it;
* ``fct_city_province_coverage`` — the acknowledged exclusions, named under the table.

The population each year's shares use is the one the yearbook printed (year-end total to 2014,
household-registered 2015–2019, resident 2020); the table states it per row and the figure marks
the breaks, because a change of basis moves the within-province share by itself.

Usage from the report: ``html = city_section(published, out / "figures")`` and insert the string;
the figure links are ``figures/<name>.png`` (``figure_href`` changes the prefix).
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from medres.figures import Marts, _save

CITY_REPORT_MARTS = (
    "fct_city_inequality_theil", "fct_city_inequality_gini", "fct_city_inequality_theil_cities",
    "fct_city_province_coverage",
)
FIGURE_NAME = "city_within_province_share"
PARTS = (
    ("between_region", "Between East / Central / West"),
    ("between_province", "Between provinces within a region"),
    ("within_province", "Within provinces (between cities)"),
)
BASIS_LABELS = {
    "yearend_total_population": "year-end total",
    "yearend_registered_population": "household-registered",
    "resident_population": "resident",
}


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _num(value: object, decimals: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    return f"{float(value):,.{decimals}f}"


def within_share_table(marts: Marts, resource: str = "beds", theil_form: str = "theil_t"
                       ) -> pd.DataFrame:
    """One row per year: population basis, cities measured, the Theil total, the contribution
    (percent) of each nested part and the Gini of ``resource``."""
    theil = marts("fct_city_inequality_theil")
    theil = theil[(theil["resource"] == resource) & (theil["theil_form"] == theil_form)]
    if theil.empty:
        raise ValueError(f"fct_city_inequality_theil has no rows for {resource!r} / {theil_form!r}")
    shares = theil.pivot(index="year", columns="part", values="contribution_pct")
    totals = theil[theil["part"] == "total"].set_index("year")
    gini = marts("fct_city_inequality_gini")
    gini = gini[gini["resource"] == resource].set_index("year")["gini"]
    table = pd.DataFrame({
        "year": shares.index.astype(int),
        "population_basis": totals["population_basis"].reindex(shares.index).to_numpy(),
        "n_units": totals["n_units"].reindex(shares.index).to_numpy(),
        "theil_total": totals["theil_value"].reindex(shares.index).to_numpy(),
        **{f"{part}_pct": shares[part].to_numpy() for part, _ in PARTS},
        "gini": gini.reindex(shares.index).to_numpy(),
    })
    return table.sort_values("year").reset_index(drop=True)


def top_cities(marts: Marts, year: int, resource: str = "beds", theil_form: str = "theil_t",
               top: int = 10) -> pd.DataFrame:
    """The ``top`` cities by their term of the within-province part in ``year``."""
    cities = marts("fct_city_inequality_theil_cities")
    chosen = cities[(cities["year"] == year) & (cities["resource"] == resource)
                    & (cities["theil_form"] == theil_form)]
    return chosen.sort_values(["within_term", "city_code"], ascending=[False, True]).head(top)


def recurring_drivers(marts: Marts, resource: str = "beds", theil_form: str = "theil_t",
                      top: int = 10, listed: int = 10) -> pd.DataFrame:
    """Cities most often among the ``top`` drivers of a year, with the years and their mean share
    of the within-province part in those years."""
    cities = marts("fct_city_inequality_theil_cities")
    chosen = cities[(cities["resource"] == resource) & (cities["theil_form"] == theil_form)
                    & (cities["within_rank"] <= top)]
    summary = (chosen.groupby(["city_code", "city_zh", "province_zh"], as_index=False)
               .agg(years_in_top=("year", "nunique"), first_year=("year", "min"),
                    last_year=("year", "max"), mean_share_of_within_pct=("share_of_within_pct", "mean")))
    return summary.sort_values(["years_in_top", "mean_share_of_within_pct", "city_code"],
                               ascending=[False, False, True]).head(listed).reset_index(drop=True)


def within_share_figure(marts: Marts, out: Path, theil_form: str = "theil_t") -> dict[str, Path]:
    """Stacked contributions of the nested parts (beds) and the within-province share of doctors,
    per year, with the population-basis and bed-definition breaks marked. Returns the files."""
    beds = within_share_table(marts, "beds", theil_form)
    doctors = within_share_table(marts, "doctors", theil_form)
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.stackplot(beds["year"], *[beds[f"{part}_pct"] for part, _ in PARTS],
                 labels=[f"Beds: {label}" for _, label in PARTS],
                 colors=["#c6dbef", "#6baed6", "#08519c"], alpha=0.9)
    ax.plot(doctors["year"], doctors["within_province_pct"], color="#d94801", marker="o",
            markersize=3, label="Doctors: within provinces")
    for year, text in ((2014.5, "population: registered"), (2016.5, "beds: hospitals only"),
                       (2019.5, "population: resident")):
        if beds["year"].min() < year < beds["year"].max():
            ax.axvline(year, color="#444444", linestyle="--", linewidth=0.8)
            ax.text(year - 0.08, 97, text, rotation=90, fontsize=7, ha="right", va="top",
                    color="#222222")
    ax.set_xlim(beds["year"].min(), beds["year"].max())
    ax.set_ylim(0, 100)
    ax.set_ylabel(f"Share of the Theil index ({'T' if theil_form == 'theil_t' else 'L'}), %")
    ax.set_xlabel("Data year")
    ax.set_title("Inequality of beds and doctors across prefecture-level cities: nested Theil parts",
                 fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=7, frameon=False)
    fig.subplots_adjust(bottom=0.24)
    fig.text(0.01, 0.01, "Source: China City Statistical Yearbook (data 2004-2020), medres "
             "marts fct_city_inequality_theil.", fontsize=6, color="#555555")
    return _save(fig, Path(out), FIGURE_NAME)


def _rows(cells: list[list[str]]) -> str:
    return "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in cells)


def _table(table_id: str, caption: str, header: list[str], cells: list[list[str]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    return (f'<table id="{_esc(table_id)}"><caption>{_esc(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{_rows(cells)}</tbody></table>")


def city_section(published: Path | Marts, figures_dir: Path, *, year: int | None = None,
                 resource: str = "beds", theil_form: str = "theil_t", top: int = 10,
                 figure_href: str = "figures/") -> str:
    """The HTML section "Below the provinces" (see the module docstring).

    ``year`` is the year of the top-cities table (default: the latest with data). The figure is
    written to ``figures_dir`` and linked as ``figure_href + <name>.png``.
    """
    marts = published if isinstance(published, Marts) else Marts(Path(published))
    marts.require(CITY_REPORT_MARTS)
    shares = within_share_table(marts, resource, theil_form)
    year = int(shares["year"].max()) if year is None else int(year)
    files = within_share_figure(marts, Path(figures_dir), theil_form)
    drivers = top_cities(marts, year, resource, theil_form, top)
    recurring = recurring_drivers(marts, resource, theil_form, top)
    coverage = marts("fct_city_province_coverage")
    exclusions = coverage[coverage["exclusions"].notna()]

    share_rows = [[
        _esc(int(row.year)), _esc(BASIS_LABELS.get(row.population_basis, row.population_basis)),
        _esc(int(row.n_units)), _num(row.theil_total, 4),
        *[_num(getattr(row, f"{part}_pct"), 1) for part, _ in PARTS], _num(row.gini, 3),
    ] for row in shares.itertuples()]
    driver_rows = [[
        _esc(int(row.within_rank)), _esc(row.city_zh), _esc(row.province_zh),
        _num(100 * row.province_resource_share, 1), _num(100 * row.province_population_share, 1),
        _num(row.within_term, 5), _num(row.share_of_within_pct, 1),
    ] for row in drivers.itertuples()]
    recurring_rows = [[
        _esc(row.city_zh), _esc(row.province_zh), _esc(int(row.years_in_top)),
        _esc(f"{int(row.first_year)}–{int(row.last_year)}"), _num(row.mean_share_of_within_pct, 1),
    ] for row in recurring.itertuples()]

    form = "T" if theil_form == "theil_t" else "L"
    first, last = shares.iloc[0], shares.iloc[-1]
    png, svg = f"{figure_href}{files['png'].name}", f"{figure_href}{files['svg'].name}"
    excluded = "; ".join(f"{int(r.year)} {r.exclusions}" for r in exclusions.itertuples())
    parts = [
        '<section id="city-panel">',
        "<h2>Below the provinces: inequality between cities</h2>",
        (f"<p>Theil {form} of {_esc(resource)} across {int(shares['n_units'].min())}–"
        f"{int(shares['n_units'].max())} prefecture-level cities per year, decomposed exactly into a part between East, Central "
        "and West, a part between the provinces of a region and a part within provinces (between "
        f"the cities of a province). The within-province part is {_num(first.within_province_pct, 1)} % "
        f"of the index in {int(first.year)} and {_num(last.within_province_pct, 1)} % in "
        f"{int(last.year)}. Shares use the population the yearbook printed for the year (column "
        "<em>population</em>): it changes in 2015 and 2020, and the bed definition changes in 2017 "
        "(hospitals only), so a step at those years is partly a change of definition.</p>"),
        _table("city-within-share", f"Nested Theil {form} of {resource}: contribution of each part, %",
               ["Year", "Population", "Cities", f"Theil {form}", "Between regions %",
                "Between provinces %", "Within provinces %", "Gini"], share_rows),
        (f'<figure id="fig-{FIGURE_NAME}"><a href="{_esc(svg)}"><img src="{_esc(png)}" '
        f'alt="Nested Theil parts of beds and doctors across cities per year" loading="eager"></a>'
        f'<figcaption>Contribution of the nested parts to the Theil {form} index of beds (stacked) '
        f'and the within-province share for doctors (line) (<a href="{_esc(svg)}">SVG</a>)'
        "</figcaption></figure>"),
        _table("city-top-cities", f"Cities that drive within-province inequality of {resource}, "
               f"{year} (largest terms of the within-province part)",
               ["Rank", "City", "Province", "Share of province's resource %",
                "Share of province's population %", "Within term", "Share of within part %"],
               driver_rows),
        _table("city-recurring-drivers", f"Cities most often among the top {top} drivers, "
               f"{int(first.year)}–{int(last.year)}",
               ["City", "Province", "Years in top", "First–last", "Mean share of within part %"],
               recurring_rows),
    ]
    if excluded:
        parts.append(f"<p>Printed values left out (seeds/city/city_acknowledged_exceptions.csv): "
                     f"{_esc(excluded)}.</p>")
    parts.append("</section>")
    return "\n".join(parts)
