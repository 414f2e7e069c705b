"""A static, offline explorer of the published marts for policy readers (issue #24).

``python -m medres.explorer --published published --out reports/explorer`` (``make explorer``;
also part of ``make report``) reads the published marts only (``<published>/parquet/`` first, then
``<published>/medres.duckdb``, through :class:`medres.figures.Marts`) and the province boundaries
(``assets/geo/china_provinces.geojson``), and writes four files:

* ``index.html`` — rendered from the Jinja2 template ``templates/explorer/index.html.j2``; the map
  is inline SVG whose paths are projected here (the same equirectangular projection with a
  cos 36° aspect as :func:`medres.figures.draw_choropleth`);
* ``data.js`` — every value the page shows, as one JSON object assigned to
  ``window.MEDRES_EXPLORER_DATA`` (a ``<script src>``, because browsers refuse ``fetch`` of a
  ``file://`` JSON file);
* ``explorer.js`` and ``explorer.css`` — copied from ``templates/explorer/``.

No charting library, CDN, web font or network request: opening ``index.html`` from disk works
(see docs/explorer.md for why no library). Derived numbers, all from the marts:

* the national line of the trend chart is the ratio of sums Σ numerator / Σ population of
  ``fct_area_per_capita`` (:func:`medres.figures.regional_per_capita`), not a mean of provincial
  ratios;
* a province's contribution to the Theil T index of a resource is its term sᵢ ln(sᵢ/pᵢ) as a
  percentage of the index, ``contribution_pct`` of ``fct_inequality_theil_units`` (Theil T), as
  published;
* a city's contribution to within-province inequality is ``share_of_within_pct`` of
  ``fct_city_inequality_theil_cities`` (Theil T), as published; the province panel adds up its
  cities' shares.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from pathlib import Path

import jinja2
import pandas as pd
from matplotlib import colormaps

from medres.figures import (
    GEO_CREDIT,
    GEOJSON,
    NATIONAL,
    PER_CAPITA_COLUMNS,
    RESOURCE_LABELS,
    Marts,
    MissingMartError,
    build_settings,
    default_quality_edition,
    project_file,
    province_regions,
    regional_per_capita,
    report_year,
)
from medres.publish import write_atomically

TEMPLATES = Path(__file__).resolve().parent / "templates" / "explorer"
STATIC_FILES = ("explorer.js", "explorer.css")
#: The marts the explorer reads: the depends_on of the exposure medres_explorer
#: (models/marts/_exposures.yml; python_tests/test_lineage.py keeps them equal).
EXPLORER_MARTS = (
    "dim_province_names", "dim_years", "dim_build_settings", "fct_area_per_capita",
    "fct_province_per_capita", "fct_province_rsr", "fct_province_quality_scores", "fct_inequality_theil_units",
    "fct_inequality_theil", "fct_inequality_theil_groups", "fct_lorenz_curves",
    "fct_inequality_gini", "fct_city_per_capita", "fct_city_inequality_theil_cities",
)
#: Resources whose per-province Theil T contribution is a map indicator.
CONTRIBUTION_RESOURCES = ("beds_10k", "health_technicians_10k", "institutions")
#: The resource of the Lorenz and Theil panels that goes with each per-capita indicator.
INDICATOR_RESOURCE = {
    "beds_per_1000": "beds_10k",
    "institutions_per_10k": "institutions",
    "health_workforce_per_1000": "health_technicians_10k",
    "health_expenditure_per_capita_yuan": "health_expenditure_10k_yuan",
}
#: Map projection: x = (lon − 73) · cos 36° · SCALE, y = (54 − lat) · SCALE (figures' extent).
LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = 73.0, 135.5, 17.5, 54.0
SCALE = 13.0
ASPECT = math.cos(math.radians(36))
#: Colour-blind-safe scales (matplotlib's viridis for values, cividis for grades).
CONTINUOUS_MAP = "viridis"
GRADE_MAP = "cividis"


def _number(value: object, digits: int = 8) -> float | None:
    """A JSON-safe float rounded to ``digits`` significant digits (None for NaN / missing)."""
    if value is None or pd.isna(value):
        return None
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return 0.0 if value == 0 else None
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def _hex(rgba) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgba[:3])


def color_stops(name: str, count: int) -> list[str]:
    """``count`` evenly spaced colours of a matplotlib colormap, as #rrggbb."""
    cmap = colormaps[name]
    return [_hex(cmap(i / (count - 1))) for i in range(count)]


# --- The map ------------------------------------------------------------------------------------


def _project(lon: float, lat: float) -> tuple[float, float]:
    return (lon - LON_MIN) * ASPECT * SCALE, (LAT_MAX - lat) * SCALE


def _ring_d(ring: list[list[float]]) -> str:
    points = [_project(lon, lat) for lon, lat, *_ in ring]
    if len(points) > 1 and points[0] == points[-1]:
        points = points[:-1]
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z"


def map_shapes(geojson: Path | None = None) -> dict:
    """Province outlines as SVG path data in the explorer's projection, with the view box."""
    geojson = project_file(GEOJSON, "--geojson") if geojson is None else geojson
    data = json.loads(Path(geojson).read_text(encoding="utf-8"))
    shapes = []
    for feature in data["features"]:
        geometry, properties = feature["geometry"], feature["properties"]
        polygons = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
                    else geometry["coordinates"])
        label_x, label_y = _project(float(properties["label_lon"]), float(properties["label_lat"]))
        shapes.append({
            "code": str(properties["province_code"]),
            "d": "".join(_ring_d(ring) for polygon in polygons for ring in polygon),
            "label_x": round(label_x, 1), "label_y": round(label_y, 1),
        })
    width, height = _project(LON_MAX, LAT_MIN)
    return {"shapes": sorted(shapes, key=lambda s: s["code"]),
            "width": round(width), "height": round(height)}


# --- The data -----------------------------------------------------------------------------------


def _descending_ranks(values: pd.Series) -> pd.Series:
    """1 = largest; ties share the smaller rank; missing values get no rank."""
    return values.rank(ascending=False, method="min")


def _by_year(frame: pd.DataFrame, codes: list[str], value: str, rank: str | None,
             years: list[int], year_column: str = "year") -> dict:
    """{year: {"v": [value per province in ``codes`` order], "r": [rank …]}} for ``years``."""
    out = {}
    for year in years:
        rows = frame[frame[year_column] == year].set_index("region_code")
        if rows.empty:
            continue
        values = rows[value].reindex(codes)
        ranks = (rows[rank] if rank else _descending_ranks(rows[value])).reindex(codes)
        out[str(year)] = {"v": [_number(v) for v in values],
                          "r": [None if pd.isna(r) else int(r) for r in ranks]}
    return out


def national_ratio_of_sums(marts: Marts) -> pd.DataFrame:
    """The 31 provinces' per-capita indicators by year as Σ numerator / Σ population.
    Columns: year, indicator_column, value."""
    regional = regional_per_capita(marts)
    return regional[regional["area"] == NATIONAL][["year", "indicator_column", "value"]]


def city_rows(marts: Marts) -> pd.DataFrame:
    """Cities by year with beds and doctors per 1,000, the city's share of its province's beds and
    its contribution to the within-province part of the city-level Theil T, for beds and for
    doctors (``share_of_within_pct`` of ``fct_city_inequality_theil_cities``: the city's term as a
    percentage of the within-province component; the terms of all cities add up to 100)."""
    cities = marts("fct_city_per_capita")[
        ["year", "city_code", "city_zh", "province_code", "beds_per_1000", "doctors_per_1000"]]
    theil = marts("fct_city_inequality_theil_cities")
    theil = theil[theil["theil_form"] == "theil_t"]
    wide = theil.pivot_table(index=["year", "city_code"], columns="resource",
                             values=["share_of_within_pct", "province_resource_share"])
    wide.columns = [f"{value}_{resource}" for value, resource in wide.columns]
    return cities.merge(wide.reset_index(), on=["year", "city_code"], how="left")


def explorer_data(marts: Marts) -> dict:
    """Everything the page shows, JSON-ready."""
    marts.require(EXPLORER_MARTS)
    provinces = province_regions(marts).sort_values("region_code").reset_index(drop=True)
    codes = provinces["region_code"].astype(str).tolist()
    years = sorted(int(y) for y in marts("dim_years")["year"])

    per_capita = marts("fct_province_per_capita")
    rsr = marts("fct_province_rsr")
    quality = marts("fct_province_quality_scores").rename(columns={"edition": "year"})
    contributions = marts("fct_inequality_theil_units")
    contributions = contributions[contributions["theil_form"] == "theil_t"]
    national = national_ratio_of_sums(marts)

    indicators = []

    def add(key, label, short, unit, decimals, kind, values, national_values=None,
            resource=None, note=""):
        indicators.append({
            "id": key, "label": label, "short": short, "unit": unit, "decimals": decimals,
            "kind": kind, "resource": resource, "note": note, "values": values,
            "national": national_values or {},
        })

    ids = ("r1", "r2", "r3", "r4")
    for key, (column, label) in zip(ids, PER_CAPITA_COLUMNS):
        rows = national[national["indicator_column"] == column]
        add(key, label, label, "yuan" if "yuan" in label else "",
            0 if column.endswith("_yuan") else 2, "continuous",
            _by_year(per_capita, codes, column, None, years),
            {str(int(y)): _number(v) for y, v in zip(rows["year"], rows["value"])},
            INDICATOR_RESOURCE[column])
    add("rsr_grade", "RSR grade (1 = best)", "RSR grade", "", 0, "grade",
        _by_year(rsr, codes, "grade", "position", years),
        note="Rank: position by RSR (1 = highest).")
    add("wrsr", "Weighted rank-sum ratio (WRSR)", "WRSR", "", 3, "continuous",
        _by_year(rsr, codes, "wrsr", "position", years), resource="beds_10k")
    editions = sorted(int(e) for e in quality["year"].unique())
    add("quality", "Quality score (Fudan top-100 hospitals: reputation + research)",
        "Quality score", "", 1, "continuous",
        _by_year(quality, codes, "total_score", "quality_rank", years),
        note=f"Fudan editions {', '.join(map(str, editions))}; a year without an edition has no "
             f"value (default edition {default_quality_edition(quality.rename(columns={'year': 'edition'}))}).")
    for resource in CONTRIBUTION_RESOURCES:
        rows = contributions[contributions["resource"] == resource]
        if rows.empty:
            continue
        add(f"theil_{resource}", f"Contribution to the Theil T of {RESOURCE_LABELS[resource]} (%)",
            f"Theil T contribution, {RESOURCE_LABELS[resource]}", "%", 2, "continuous",
            _by_year(rows, codes, "contribution_pct", None, years), resource=resource,
            note="Province term sᵢ ln(sᵢ/pᵢ) as % of the national Theil T (negative: less of the "
                 "resource than of the population).")

    grades = _by_year(rsr, codes, "grade", None, years)
    grade_labels = (rsr.drop_duplicates("grade").sort_values("grade")
                    .set_index("grade")["grade_label"])
    grade_labels = {str(int(g)): str(label) for g, label in grade_labels.items()}

    lorenz_rows = marts("fct_lorenz_curves")
    lorenz: dict = {}
    for (resource, year, basis), rows in lorenz_rows.groupby(["resource", "year", "weight_basis"]):
        rows = rows.sort_values("point")
        lorenz.setdefault(resource, {}).setdefault(str(int(year)), {})[basis] = [
            [_number(x, 4), _number(y, 4), None if pd.isna(p) else str(p)]
            for x, y, p in zip(rows["cumulative_weight_share"], rows["cumulative_resource_share"],
                               rows["province_en"])]
    gini: dict = {}
    for row in marts("fct_inequality_gini").itertuples():
        gini.setdefault(row.resource, {}).setdefault(str(int(row.year)), {})[row.weight_basis] = \
            _number(row.gini, 4)

    theil: dict = {}
    for row in marts("fct_inequality_theil").itertuples():
        entry = (theil.setdefault(row.resource, {}).setdefault(str(int(row.year)), {})
                 .setdefault(row.theil_form, {}).setdefault(row.grouping, {"groups": []}))
        entry[row.component] = [_number(row.theil_value, 4), _number(row.contribution_pct, 4)]
    for row in marts("fct_inequality_theil_groups").sort_values("region_group").itertuples():
        entry = theil[row.resource][str(int(row.year))][row.theil_form][row.grouping]
        entry["groups"].append([row.region_group, int(row.n_units), _number(row.resource_share, 4),
                                _number(row.population_share, 4), _number(row.between_term, 4),
                                _number(row.within_contribution_pct, 4)])

    cities = city_rows(marts)
    city_years = sorted(int(y) for y in cities["year"].unique())
    city_data: dict = {}
    for (province, year), rows in cities.sort_values(
            ["province_code", "year", "beds_per_1000"], ascending=[True, True, False]).groupby(
            ["province_code", "year"], sort=False):
        city_data.setdefault(str(province), {})[str(int(year))] = [
            [str(r.city_zh), _number(r.beds_per_1000, 4), _number(r.doctors_per_1000, 4),
             _number(getattr(r, "province_resource_share_beds", None), 4),
             _number(getattr(r, "share_of_within_pct_beds", None), 4),
             _number(getattr(r, "share_of_within_pct_doctors", None), 4)]
            for r in rows.itertuples()]

    settings = build_settings(marts)
    return {
        "years": years,
        "report_year": report_year(marts("dim_years")),
        "provinces": [
            {"code": str(r.region_code), "en": str(r.province_en), "zh": str(r.province_zh),
             "region3": str(r.region_3), "region4": str(r.region_4)}
            for r in provinces.itertuples()],
        "indicators": indicators,
        "grades": grades,
        "grade_labels": grade_labels,
        "lorenz": lorenz,
        "gini": gini,
        "theil": theil,
        "resources": {r: RESOURCE_LABELS.get(r, r) for r in sorted(theil)},
        "groupings": sorted({g for r in theil.values() for y in r.values() for f in y.values()
                             for g in f}),
        "cities": city_data,
        "city_years": city_years,
        "colors": {"continuous": color_stops(CONTINUOUS_MAP, 9),
                   "grades": color_stops(GRADE_MAP, max(2, len(grade_labels)))},
        "settings": {k: settings[k] for k in ("medres_population_basis", "medres_rsr_grades",
                                              "medres_year") if k in settings},
    }


# --- Writing ------------------------------------------------------------------------------------


def render_index(data: dict, shapes: dict) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    names = {p["code"]: p for p in data["provinces"]}
    shapes = {**shapes, "shapes": [{**s, **names[s["code"]]} for s in shapes["shapes"]
                                   if s["code"] in names]}
    return environment.get_template("index.html.j2").render(
        data=data, map=shapes, geo_credit=GEO_CREDIT)


def build(published: Path, out: Path, geojson: Path | None = None) -> Path:
    """Write the explorer into ``out``; return the path of its index.html."""
    marts = Marts(published)
    data = explorer_data(marts)
    shapes = map_shapes(geojson)
    out.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # "</" cannot close the script element (the file is a script, but stay safe if inlined).
    payload = payload.replace("</", "<\\/")
    write_atomically(out / "data.js", lambda p: p.write_text(
        f"window.MEDRES_EXPLORER_DATA = {payload};\n", encoding="utf-8"))
    for name in STATIC_FILES:
        write_atomically(out / name, lambda p, name=name: shutil.copyfile(TEMPLATES / name, p))
    html = render_index(data, shapes)
    return write_atomically(out / "index.html", lambda p: p.write_text(html, encoding="utf-8"))


def size_bytes(out: Path) -> int:
    return sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=Path("published"))
    parser.add_argument("--out", type=Path, default=Path("reports/explorer"))
    parser.add_argument("--geojson", type=Path, default=None,
                        help=f"province boundaries (default: {GEOJSON} of the project directory)")
    arguments = parser.parse_args(argv)
    try:
        index = build(arguments.published, arguments.out, arguments.geojson)
    except (MissingMartError, FileNotFoundError) as error:
        print(f"medres.explorer: {error}", file=sys.stderr)
        return 2
    print(f"medres: explorer written to {index} ({size_bytes(arguments.out) / 1e6:.2f} MB); "
          f"open it in any browser (offline, no server needed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
