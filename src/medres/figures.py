"""Figures of the three lenses, drawn from the published marts only (matplotlib, Agg, no network).

``python -m medres.figures --published published --out reports/figures`` reads
``<published>/parquet/<mart>.parquet`` (falling back to the table of the same name in
``<published>/medres.duckdb``) and writes each figure as PNG and SVG:

* ``dendrogram`` — SPSS-style dendrogram of the totals clustering (the study's Fig. 2): distances
  rescaled to 0–25, leaves labelled with English province names and coloured by cluster, the cut
  for the chosen k drawn; built from ``fct_cluster_agglomeration`` and
  ``fct_cluster_dendrogram_leaves`` (+ ``fct_province_clusters`` for the colours);
* ``rsr_probit`` — RSR against probit with the fitted line and the grade cut-offs (Fig. 3);
* ``map_rsr_grade`` (Fig. 4), ``map_quality_score`` (Fig. 5), ``map_cluster_group`` — choropleths
  on ``assets/geo/china_provinces.geojson``, polygons drawn with matplotlib ``PathPatch``;
* ``per_capita_indicators`` — R1–R4 per province, each panel sorted;
* change over time (every year of the panel): ``trend_per_capita`` — the per-capita indicators
  by year, nationally and by region (ratios of sums: Σ numerator / Σ population);
  ``trend_rsr_grades`` — heat-table of each province's RSR grade by year, with the year's
  indicator set; ``trend_quality_scores`` — quality scores by Fudan edition.

Each figure states the build settings it depends on (``dim_build_settings``) in its credit line.
Province labels of ``rsr_probit`` are placed so that no two overlap (:func:`place_labels`).

All labels are English, so no CJK font is needed. Every province patch in the SVG maps carries the
id ``province-<region_code>``. A missing mart stops the run with a message naming it.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import duckdb
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from medres.publish import write_atomically

#: The project file the figures read besides the marts (the province boundaries) belongs to the
#: project, not to the installed package: it is found in the project directory, the current
#: directory or the one this variable names.
PROJECT_DIR_VARIABLE = "MEDRES_PROJECT_DIR"
GEOJSON = Path("assets") / "geo" / "china_provinces.geojson"


def project_file(relative: Path, option: str) -> Path:
    """``relative`` in the project directory (``$MEDRES_PROJECT_DIR``, else the current directory);
    a missing file is an error saying where it was looked for and how to point elsewhere."""
    path = Path(os.environ.get(PROJECT_DIR_VARIABLE) or Path.cwd()) / relative
    if not path.exists():
        raise FileNotFoundError(
            f"{path} does not exist: run from the medres project directory, set "
            f"{PROJECT_DIR_VARIABLE} to it, or pass {option}")
    return path
GEO_CREDIT = (
    "Boundaries: DataV.GeoAtlas (Alibaba Cloud), data from AutoNavi/Amap, via "
    "github.com/lqb-zh/geojson-chinadata; simplified, illustrative only, not a standard map. "
    "Taiwan, Hong Kong, Macao and the South China Sea islands are not drawn."
)

#: The marts each figure reads.
FIGURE_MARTS: dict[str, tuple[str, ...]] = {
    "dendrogram": (
        "fct_cluster_agglomeration",
        "fct_cluster_dendrogram_leaves",
        "fct_province_clusters",
        "dim_build_settings",
    ),
    "rsr_probit": ("fct_province_rsr", "fct_rsr_regression", "fct_rsr_grade_thresholds",
                   "dim_build_settings"),
    "map_rsr_grade": ("fct_province_rsr", "fct_rsr_grade_thresholds", "dim_build_settings"),
    "map_quality_score": ("fct_province_quality_scores", "dim_build_settings"),
    "map_cluster_group": ("fct_province_clusters", "dim_build_settings"),
    "per_capita_indicators": ("fct_province_per_capita", "dim_years", "dim_build_settings"),
    "trend_per_capita": ("fct_area_per_capita", "dim_build_settings"),
    "trend_rsr_grades": ("fct_province_rsr", "fct_rsr_evaluations", "fct_rsr_grade_thresholds",
                         "dim_province_names", "dim_build_settings"),
    "trend_quality_scores": ("fct_province_quality_scores", "dim_build_settings"),
    "lorenz_curves": ("fct_lorenz_curves", "fct_inequality_gini", "dim_build_settings"),
    "theil_over_years": ("fct_inequality_theil", "fct_inequality_jackknife", "dim_build_settings"),
    "gini_over_years": ("fct_inequality_jackknife", "dim_build_settings"),
    "agglomeration": ("fct_province_agglomeration", "dim_province_names", "dim_build_settings"),
    "city_within_province_share": ("fct_city_inequality_theil", "fct_city_inequality_gini"),
    "heat_measures": ("fct_heat_measures", "dim_build_settings"),
    "map_lisa_clusters": ("fct_spatial_lisa", "fct_spatial_moran", "dim_build_settings"),
}
#: The build settings (dbt vars) each figure depends on; its credit line states their values.
FIGURE_SETTINGS: dict[str, tuple[str, ...]] = {
    "dendrogram": ("medres_cluster_columns", "medres_cluster_standardize",
                   "medres_cluster_linkage", "medres_cluster_metric", "medres_cluster_k"),
    "map_cluster_group": ("medres_cluster_columns", "medres_cluster_standardize",
                          "medres_cluster_linkage", "medres_cluster_metric", "medres_cluster_k"),
    "rsr_probit": ("medres_population_basis", "medres_rsr_weighting", "medres_rsr_grades",
                   "medres_rsr_fit_rows", "medres_rsr_grade_on"),
    "map_rsr_grade": ("medres_population_basis", "medres_rsr_weighting", "medres_rsr_grades",
                      "medres_rsr_fit_rows", "medres_rsr_grade_on"),
    "trend_rsr_grades": ("medres_population_basis", "medres_rsr_weighting", "medres_rsr_grades",
                         "medres_rsr_fit_rows", "medres_rsr_grade_on"),
    "per_capita_indicators": ("medres_population_basis",),
    "trend_per_capita": ("medres_population_basis",),
    "map_quality_score": ("medres_fudan_edition", "medres_fudan_ranking_size"),
    "trend_quality_scores": ("medres_fudan_ranking_size",),
    "lorenz_curves": ("medres_population_basis",),
    "theil_over_years": ("medres_population_basis", "medres_inequality_groupings"),
    "gini_over_years": ("medres_population_basis",),
    "agglomeration": ("medres_population_basis",),
    "heat_measures": ("medres_population_basis", "medres_heat_sii_model"),
    "map_lisa_clusters": ("medres_spatial_island_links", "medres_spatial_permutations",
                          "medres_spatial_seed", "medres_spatial_alpha", "medres_spatial_fdr"),
}
#: Labels of the inequality lens's resources (var medres_inequality_resources).
RESOURCE_LABELS = {
    "health_technicians_10k": "health technicians",
    "beds_10k": "beds",
    "institutions": "institutions",
    "health_personnel_10k": "health personnel",
    "health_expenditure_10k_yuan": "total health expenditure",
}
#: Resources of the inequality figures (a resource not in the marts is skipped).
INEQUALITY_RESOURCES = tuple(
    (resource, RESOURCE_LABELS[resource])
    for resource in ("health_technicians_10k", "beds_10k", "institutions"))
#: The per-capita indicators: column, short label, numerator unit per person of the ratio.
PER_CAPITA_COLUMNS = (
    ("beds_per_1000", "R1 beds per 1,000 people"),
    ("institutions_per_10k", "R2 institutions per 10,000 people"),
    ("health_workforce_per_1000", "R3 health technicians per 1,000 people"),
    ("health_expenditure_per_capita_yuan", "R4 health expenditure per capita (yuan)"),
)
NATIONAL = "31 provinces"
REGIONS_3 = ("East", "Central", "West")
FORMATS = ("png", "svg")
DPI = 150  # of the PNG files


class MissingMartError(RuntimeError):
    """A mart the figures or the report need is not in the published directory."""


# --- Reading the published marts ---------------------------------------------------------------


class Marts:
    """Lazy, cached reader of the published marts (Parquet first, then the DuckDB file)."""

    def __init__(self, published: Path) -> None:
        self.published = Path(published)
        self._cache: dict[str, pd.DataFrame] = {}

    def __call__(self, name: str) -> pd.DataFrame:
        return self._cached(name).copy()

    def _cached(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            self._cache[name] = self._read(name)
        return self._cache[name]

    def _read(self, name: str) -> pd.DataFrame:
        parquet = self.published / "parquet" / f"{name}.parquet"
        if parquet.exists():
            with duckdb.connect() as connection:
                return connection.execute(
                    "select * from read_parquet(?)", [str(parquet)]
                ).df()
        database = self.published / "medres.duckdb"
        if database.exists():
            with duckdb.connect(str(database), read_only=True) as connection:
                found = connection.execute(
                    "select count(*) from duckdb_tables() where table_name = ?", [name]
                ).fetchone()[0]
                if found:
                    return connection.execute(f'select * from "{name}"').df()
        raise MissingMartError(
            f"mart {name!r} is missing: neither {parquet} nor a table {name!r} in {database} "
            "exists. Build and publish the marts first (dbt build, then python -m medres.publish)."
        )

    def require(self, names: tuple[str, ...] | list[str]) -> None:
        """Raise :class:`MissingMartError` naming every missing mart of ``names``."""
        missing = []
        for name in names:
            try:
                self._cached(name)
            except MissingMartError:
                missing.append(name)
        if missing:
            raise MissingMartError(
                f"missing published mart(s): {', '.join(missing)} (looked in "
                f"{self.published}/parquet/ and {self.published}/medres.duckdb). Build and publish "
                "the marts first (dbt build, then python -m medres.publish)."
            )


def report_year(years: pd.DataFrame) -> int:
    """The year ``dim_years`` flags as the report year (var medres_year)."""
    flagged = years.loc[years["is_report_year"].astype(bool), "year"]
    if len(flagged) != 1:
        raise MissingMartError(f"dim_years flags {len(flagged)} report years; expected exactly one")
    return int(flagged.iloc[0])


def for_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    return frame[frame["year"] == year].reset_index(drop=True)


def default_quality_edition(quality: pd.DataFrame) -> int:
    flagged = quality.loc[quality["is_default_edition"].astype(bool), "edition"].unique()
    if len(flagged):
        return int(flagged[0])
    return int(quality["edition"].max())


def chosen_clusters(clusters: pd.DataFrame, year: int) -> pd.DataFrame:
    rows = clusters[(clusters["year"] == year) & clusters["is_chosen_k"].astype(bool)]
    return rows.reset_index(drop=True)


def grading_fit(regression: pd.DataFrame, year: int) -> pd.Series:
    """The year's row of ``fct_rsr_regression`` whose fit the grades come from."""
    rows = for_year(regression, year)
    return rows[rows["used_for_grading"].astype(bool)].iloc[0]


def build_settings(marts: Marts) -> dict[str, object]:
    """The settings the published marts were built with (``dim_build_settings``), parsed."""
    rows = marts("dim_build_settings")
    return {str(k): json.loads(v) for k, v in zip(rows["setting"], rows["value_json"])}


def format_setting(value: object) -> str:
    """A setting's value as short text: lists of indicators by name, other values as JSON."""
    if isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
        return "[" + ", ".join(
            f"{v['name']}={v.get('column')}" + ("" if v.get("direction", "positive") == "positive"
                                                else "(negative)")
            + ("" if v.get("weight", 1) == 1 else f"×{v['weight']}") for v in value) + "]"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def settings_line(marts: Marts, figure: str) -> str:
    """'Settings: name=value; …' for the build settings ``figure`` depends on."""
    settings = build_settings(marts)
    names = FIGURE_SETTINGS.get(figure, ())
    if not names:
        return ""
    return "Settings: " + "; ".join(
        f"{name}={format_setting(settings[name]) if name in settings else 'unrecorded'}"
        for name in names) + "."


def province_regions(marts: Marts) -> pd.DataFrame:
    """region_code → province_zh, province_en, region_3, region_4 (``dim_province_names``: one row
    per code, from the most recent code list)."""
    return marts("dim_province_names")


def regional_per_capita(marts: Marts) -> pd.DataFrame:
    """Per-capita indicators by year for the 31 provinces together (:data:`NATIONAL`) and for each
    region_3, as ``fct_area_per_capita`` holds them (ratios of sums: Σ numerator / Σ population,
    not means of provincial ratios). Long: year, area, indicator_column, value, provinces (how
    many had a value); an indicator without a value in a year has no row."""
    areas = marts("fct_area_per_capita")
    areas = areas[areas["division"].isin(["national", "region_3"])].assign(
        area=lambda frame: frame["area"].where(frame["division"] != "national", NATIONAL))
    rows = []
    for column, _ in PER_CAPITA_COLUMNS:
        provinces = ("provinces_with_health_expenditure"
                     if column == "health_expenditure_per_capita_yuan" else "provinces")
        valid = areas[areas[column].notna()]
        rows.append(pd.DataFrame({"year": valid["year"].astype(int), "area": valid["area"],
                                  "indicator_column": column, "value": valid[column],
                                  "provinces": valid[provinces].astype(int)}))
    return pd.concat(rows, ignore_index=True)


def indicator_set_label(indicator_set: str) -> str:
    """'r1,r2,r3' → 'r1–r3' for consecutive rN, else the names joined by ', '."""
    names = [n.strip() for n in str(indicator_set).split(",") if n.strip()]
    numbers = [int(n[1:]) if n[:1] == "r" and n[1:].isdigit() else None for n in names]
    if len(names) > 2 and None not in numbers and numbers == list(range(numbers[0],
                                                                        numbers[0] + len(names))):
        return f"{names[0]}–{names[-1]}"
    return ", ".join(names)


def grade_matrix(marts: Marts) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Provinces × years of RSR grades (NaN where a year's grading was refused), provinces ordered
    by region_3 (East, Central, West) then mean grade, and the per-year evaluations (year,
    indicator_set, grading_status)."""
    units = marts("fct_province_rsr").merge(
        province_regions(marts)[["region_code", "region_3"]], on="region_code", how="left")
    matrix = units.pivot(index="province_en", columns="year", values="grade").astype(float)
    region = units.drop_duplicates("province_en").set_index("province_en")["region_3"]
    order = pd.DataFrame({"region": region.reindex(matrix.index).map(
        {r: i for i, r in enumerate(REGIONS_3)}).fillna(len(REGIONS_3)),
        "mean": matrix.mean(axis=1)}, index=matrix.index)
    matrix = matrix.loc[order.sort_values(["region", "mean"]).index]
    matrix.columns = [int(c) for c in matrix.columns]
    evaluations = marts("fct_rsr_evaluations").sort_values("year").reset_index(drop=True)
    return matrix, evaluations


# --- Label placement ---------------------------------------------------------------------------

#: Candidate offsets (points) of a label from its point, nearest first: right, left, then further
#: up and down on both sides.
_LABEL_OFFSETS: tuple[tuple[float, float, str], ...] = tuple(
    [(4.0, 0.0, "left"), (-4.0, 0.0, "right")]
    + [(dx, sign * step * 3.5, ha) for step in range(1, 13) for sign in (1, -1)
       for dx, ha in ((4.0 + 2.0 * step, "left"), (-4.0 - 2.0 * step, "right"))]
)


def place_labels(ax: plt.Axes, points: list[tuple[float, float]], labels: list[str],
                 fontsize: float = 5.5, obstacles: list | None = None,
                 marker_radius: float = 2.5) -> list:
    """Annotate each point with its label so that no two labels' boxes intersect, nor a label and
    another point's marker, ``obstacles`` (display-space Bboxes) or the axes edge when avoidable.

    Greedy: labels are placed one at a time (points sorted by x, then y), each at the first
    candidate offset of :data:`_LABEL_OFFSETS` that is free; a label moved away from its point
    gets a thin leader line. Call it after the axes limits are final. Returns the display-space
    Bbox of each label's text (in ``labels`` order). Labels carry no arrow (a leader is a
    separate line), so an annotation's window extent is its text's.
    """
    from matplotlib.transforms import Bbox

    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    ax.set_xlim(ax.get_xlim())
    ax.set_ylim(ax.get_ylim())
    frame = ax.get_window_extent(renderer)
    radius = marker_radius * fig.dpi / 72
    display = ax.transData.transform(np.asarray(points, dtype=float))
    markers = [Bbox.from_bounds(x - radius, y - radius, 2 * radius, 2 * radius) for x, y in display]
    taken = list(obstacles or [])
    boxes: list = [None] * len(points)
    order = sorted(range(len(points)), key=lambda i: (points[i][0], points[i][1]))
    pad = 1.0 * fig.dpi / 72

    def free(box, own: int) -> bool:
        if box.x0 < frame.x0 or box.x1 > frame.x1 or box.y0 < frame.y0 or box.y1 > frame.y1:
            return False
        padded = box.padded(pad)
        return (not any(padded.overlaps(other) for other in taken)
                and not any(padded.overlaps(m) for j, m in enumerate(markers) if j != own))

    for i in order:
        chosen = None
        for dx, dy, ha in _LABEL_OFFSETS:
            text = ax.annotate(labels[i], points[i], xytext=(dx, dy), textcoords="offset points",
                               ha=ha, va="center", fontsize=fontsize, color="#333333")
            box = text.get_window_extent(renderer)
            if free(box, i):
                chosen = (text, box, dy != 0.0)
                break
            text.remove()
        if chosen is None:  # crowded beyond every candidate: the nearest one, overlapping
            dx, dy, ha = _LABEL_OFFSETS[0]
            text = ax.annotate(labels[i], points[i], xytext=(dx, dy), textcoords="offset points",
                               ha=ha, va="center", fontsize=fontsize, color="#333333")
            chosen = (text, text.get_window_extent(renderer), False)
        text, box, moved = chosen
        if moved:
            anchor_x = box.x0 if text.get_horizontalalignment() == "left" else box.x1
            inverse = ax.transData.inverted()
            ax.plot(*zip(points[i], inverse.transform((anchor_x, (box.y0 + box.y1) / 2))),
                    color="#aaaaaa", linewidth=0.4, zorder=2)
        taken.append(box)
        boxes[i] = box
    return boxes


# --- Geometry ----------------------------------------------------------------------------------


@dataclass
class Province:
    code: str
    label: tuple[float, float]
    path: MplPath


def _ring_path(ring: list[list[float]]) -> tuple[np.ndarray, list[int]]:
    vertices = np.asarray(ring, dtype=float)[:, :2]
    codes = [MplPath.LINETO] * len(vertices)
    codes[0] = MplPath.MOVETO
    codes[-1] = MplPath.CLOSEPOLY
    return vertices, codes


def load_provinces(geojson: Path | None = None) -> list[Province]:
    """Provinces of the GeoJSON (default: the project's ``assets/geo``) as one compound matplotlib
    path each (holes included)."""
    geojson = project_file(GEOJSON, "--geojson") if geojson is None else geojson
    data = json.loads(Path(geojson).read_text(encoding="utf-8"))
    provinces = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]]
            if geometry["type"] == "Polygon"
            else geometry["coordinates"]
        )
        vertices, codes = [], []
        for polygon in polygons:
            for ring in polygon:
                ring_vertices, ring_codes = _ring_path(ring)
                vertices.append(ring_vertices)
                codes.extend(ring_codes)
        properties = feature["properties"]
        provinces.append(
            Province(
                code=str(properties["province_code"]),
                label=(float(properties["label_lon"]), float(properties["label_lat"])),
                path=MplPath(np.concatenate(vertices), codes),
            )
        )
    return provinces


# --- Figure helpers ----------------------------------------------------------------------------


@dataclass
class FigureResult:
    name: str
    title: str
    files: dict[str, Path]
    provinces_drawn: int | None = None
    notes: list[str] = field(default_factory=list)
    #: Display-space boxes (x0, y0, x1, y1) of point labels placed by :func:`place_labels`.
    label_boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)


def _save(fig: plt.Figure, out: Path, name: str) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    # The tight bounding box ("tight", padded as savefig pads it) laid out once for both formats:
    # savefig(bbox_inches="tight") lays the figure out again for each format it writes.
    fig.set_dpi(DPI)
    fig.draw_without_rendering()
    tight = fig.get_tightbbox().padded(plt.rcParams["savefig.pad_inches"])
    files = {}
    for fmt in FORMATS:
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        save = functools.partial(fig.savefig, format=fmt, dpi=DPI, bbox_inches=tight, metadata=metadata)
        files[fmt] = write_atomically(out / f"{name}.{fmt}", save)
    plt.close(fig)
    return files


def _credit(fig: plt.Figure, text: str) -> None:
    fig.text(0.01, 0.005, text, fontsize=6, color="#555555", ha="left", va="bottom", wrap=True)


def _sequential_colors(cmap_name: str, count: int, low: float = 0.25, high: float = 0.95) -> list:
    cmap = plt.get_cmap(cmap_name)
    if count == 1:
        return [cmap(high)]
    return [cmap(low + (high - low) * i / (count - 1)) for i in range(count)]


def grade_palette(grades: list[int]) -> dict[int, object]:
    """One colour per grade, darkest for grade 1 (the best); shared by the RSR figures."""
    return dict(zip(grades, _sequential_colors("YlGnBu_r", len(grades), 0.1, 0.85)))


def draw_choropleth(
    ax: plt.Axes,
    provinces: list[Province],
    colors: dict[str, object],
    labels: dict[str, str] | None = None,
    missing_color: str = "#dddddd",
) -> int:
    """Draw every province as a PathPatch filled with ``colors[code]``; return how many."""
    drawn = 0
    for province in provinces:
        patch = PathPatch(
            province.path,
            facecolor=colors.get(province.code, missing_color),
            edgecolor="white",
            linewidth=0.4,
        )
        patch.set_gid(f"province-{province.code}")
        ax.add_patch(patch)
        drawn += 1
        if labels is not None and province.code in labels:
            ax.annotate(
                labels[province.code],
                province.label,
                fontsize=5,
                ha="center",
                va="center",
                color="#111111",
            )
    ax.set_xlim(73, 135.5)
    ax.set_ylim(17.5, 54)
    ax.set_aspect(1 / math.cos(math.radians(36)))
    ax.set_axis_off()
    return drawn


def _map_figure(title: str) -> tuple[plt.Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(8.5, 6.6))
    ax.set_title(title, fontsize=11)
    return fig, ax


# --- The figures -------------------------------------------------------------------------------


def dendrogram_figure(marts: Marts, year: int, out: Path) -> FigureResult:
    schedule = for_year(marts("fct_cluster_agglomeration"), year).sort_values("stage")
    leaves = for_year(marts("fct_cluster_dendrogram_leaves"), year).sort_values("leaf_position")
    clusters = chosen_clusters(marts("fct_province_clusters"), year)
    if schedule.empty or leaves.empty:
        raise MissingMartError(f"no clustering rows for year {year} in the cluster marts")
    n = len(leaves)
    k = int(clusters["k"].iloc[0]) if not clusters.empty else None
    cluster_of = dict(zip(clusters["region_code"], clusters["cluster"]))

    # y of each leaf: first drawn at the top, as SPSS does.
    node_y = {int(c): float(n + 1 - p) for c, p in zip(leaves["case_number"], leaves["leaf_position"])}
    node_x = {case: 0.0 for case in node_y}
    fig, ax = plt.subplots(figsize=(8.5, 0.28 * n + 1.6))
    for row in schedule.itertuples(index=False):
        c1, c2, d = int(row.cluster_1), int(row.cluster_2), float(row.rescaled_distance)
        y1, y2 = node_y[c1], node_y[c2]
        ax.plot([node_x[c1], d], [y1, y1], color="#333333", linewidth=0.9)
        ax.plot([node_x[c2], d], [y2, y2], color="#333333", linewidth=0.9)
        ax.plot([d, d], [y1, y2], color="#333333", linewidth=0.9)
        # SPSS keeps the smaller case number (cluster_1) for the merged cluster.
        node_y[c1], node_x[c1] = (y1 + y2) / 2, d
        del node_y[c2], node_x[c2]

    palette = _sequential_colors("viridis", max(cluster_of.values(), default=1), 0.0, 0.85)
    tick_labels, tick_colors = [], []
    for row in leaves.itertuples(index=False):
        cluster = cluster_of.get(row.region_code)
        tick_labels.append(f"{row.province_en}  ({row.case_number})")
        tick_colors.append(palette[int(cluster) - 1] if cluster is not None else "#000000")
    ax.set_yticks([n + 1 - p for p in leaves["leaf_position"]], tick_labels, fontsize=8)
    for tick, color in zip(ax.get_yticklabels(), tick_colors):
        tick.set_color(color)

    notes = []
    if k is not None and 1 < k <= n:
        distances = schedule["rescaled_distance"].to_numpy(dtype=float)
        below, above = distances[n - k - 1], distances[n - k]
        cut = (below + above) / 2
        ax.axvline(cut, color="#c0392b", linestyle="--", linewidth=1.2)
        ax.text(cut, n + 0.6, f" cut: k = {k}", color="#c0392b", fontsize=8, va="bottom")
        notes.append(f"cut at rescaled distance {cut:.2f} for k = {k}")
        handles = [
            Patch(color=palette[c - 1], label=f"cluster {c}") for c in range(1, len(palette) + 1)
        ]
        ax.legend(handles=handles, loc="lower right", fontsize=7, title="medres cluster",
                  title_fontsize=7, frameon=True)
    ax.set_xlim(0, 25.5)
    ax.set_ylim(0.4, n + 1.4)
    ax.set_xticks(range(0, 26, 5))
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xlabel("Rescaled distance cluster combine (0–25)", fontsize=9)
    for side in ("right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(
        f"Dendrogram of the totals clustering, {year} (between-groups average linkage)",
        fontsize=10, pad=28,
    )
    _credit(fig, "Source: medres marts fct_cluster_agglomeration, fct_cluster_dendrogram_leaves, "
                 "fct_province_clusters. Labels: province (SPSS case number); colour = cluster "
                 "at the chosen k (1 = lowest mean standardised level). "
                 + settings_line(marts, "dendrogram"))
    return FigureResult("dendrogram", "Dendrogram (study Fig. 2)", _save(fig, out, "dendrogram"),
                        notes=notes)


def rsr_probit_figure(marts: Marts, year: int, out: Path) -> FigureResult:
    units = for_year(marts("fct_province_rsr"), year)
    regression = grading_fit(marts("fct_rsr_regression"), year)
    thresholds = for_year(marts("fct_rsr_grade_thresholds"), year).sort_values("grade")
    grades = thresholds["grade"].astype(int).tolist()
    palette = grade_palette(grades)

    fig, ax = plt.subplots(figsize=(8.5, 6.4), dpi=150)
    for grade in grades:
        rows = units[units["grade"] == grade]
        label = thresholds.loc[thresholds["grade"] == grade, "grade_label"].iloc[0]
        ax.scatter(rows["probit"], rows["wrsr"], color=palette[grade], s=28, zorder=3,
                   label=f"grade {grade} ({label})")
    ungraded = units[units["grade"].isna()]
    if not ungraded.empty:
        ax.scatter(ungraded["probit"], ungraded["wrsr"], color="#999999", s=28, zorder=3,
                   label="not graded (regression not significant)")
    xs = np.linspace(min(units["probit"].min(), 3.0) - 0.2, max(units["probit"].max(), 7.0) + 0.2)
    ax.plot(xs, regression["intercept"] + regression["slope"] * xs, color="#c0392b", linewidth=1.2,
            label=f"fit: RSR = {regression['intercept']:.3f} + {regression['slope']:.3f}·probit "
                  f"(R² = {regression['r_squared']:.3f})")
    ax.set_xlim(xs[0], xs[-1])
    low = min(units["wrsr"].min(), float(regression["intercept"] + regression["slope"] * xs[0]))
    high = max(units["wrsr"].max(), float(regression["intercept"] + regression["slope"] * xs[-1]))
    ax.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
    for row in thresholds.dropna(subset=["probit_lower"]).itertuples(index=False):
        ax.axvline(row.probit_lower, color="#999999", linestyle=":", linewidth=0.9)
        ax.axhline(row.rsr_lower, color="#999999", linestyle="--", linewidth=0.7)
        ax.text(row.probit_lower, ax.get_ylim()[1], f" {row.probit_lower:g}", fontsize=6,
                color="#666666", va="top")
        ax.text(xs[0], row.rsr_lower, f"{row.rsr_lower:.3f} ", fontsize=6, color="#666666",
                va="bottom")
    lowest = thresholds.iloc[-1]
    ax.set_xlabel("Probit")
    ax.set_ylabel("RSR (weighted; equal weights = RSR)")
    ax.set_title(f"RSR against probit with the fitted line and grade cut-offs, {year}", fontsize=10)
    legend = ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.2)
    renderer = fig.canvas.get_renderer()
    obstacles = [legend.get_window_extent(renderer)] + [t.get_window_extent(renderer)
                                                        for t in ax.texts]
    boxes = place_labels(ax, list(zip(units["probit"], units["wrsr"])),
                         units["province_en"].tolist(), fontsize=5.5, obstacles=obstacles)
    _credit(fig, "Source: medres marts fct_province_rsr, fct_rsr_regression (fit used for "
                 "grading), fct_rsr_grade_thresholds. Dotted: probit cut-offs; dashed: fitted-RSR "
                 f"cut-offs; grade {int(lowest['grade'])} ({lowest['grade_label']}) has no lower "
                 f"bound. {settings_line(marts, 'rsr_probit')}")
    return FigureResult("rsr_probit", "RSR against probit (study Fig. 3)",
                        _save(fig, out, "rsr_probit"),
                        label_boxes={name: tuple(box.extents) for name, box in
                                     zip(units["province_en"], boxes)})


def map_rsr_grade_figure(marts: Marts, year: int, out: Path, provinces: list[Province]
                         ) -> FigureResult:
    units = for_year(marts("fct_province_rsr"), year)
    thresholds = for_year(marts("fct_rsr_grade_thresholds"), year).sort_values("grade")
    grades = thresholds["grade"].astype(int).tolist()
    palette = grade_palette(grades)
    colors = {code: palette[int(g)] for code, g in zip(units["region_code"], units["grade"])
              if pd.notna(g)}
    labels = {code: f"{name}\n{int(g) if pd.notna(g) else '–'}" for code, name, g in
              zip(units["region_code"], units["province_en"], units["grade"])}
    fig, ax = _map_figure(f"Per-capita medical resources: RSR grade by province, {year}")
    drawn = draw_choropleth(ax, provinces, colors, labels)
    counts = units["grade"].value_counts()
    handles = [
        Patch(color=palette[g], label=f"grade {g} {label} ({counts.get(g, 0)})")
        for g, label in zip(grades, thresholds["grade_label"])
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=7, title="RSR grade (1 = best)",
              title_fontsize=7)
    _credit(fig, f"Data: medres fct_province_rsr ({year}). {settings_line(marts, 'map_rsr_grade')} "
                 f"{GEO_CREDIT}")
    return FigureResult("map_rsr_grade", "Map: RSR grade (study Fig. 4)",
                        _save(fig, out, "map_rsr_grade"), provinces_drawn=drawn)


def map_quality_score_figure(marts: Marts, out: Path, provinces: list[Province]) -> FigureResult:
    quality = marts("fct_province_quality_scores")
    edition = default_quality_edition(quality)
    rows = quality[quality["edition"] == edition]
    scores = dict(zip(rows["region_code"], rows["total_score"].astype(float)))
    maximum = max(scores.values(), default=1.0) or 1.0
    cmap = plt.get_cmap("OrRd")
    norm = Normalize(vmin=0, vmax=maximum)
    colors = {code: ("#eeeeee" if score == 0 else cmap(0.15 + 0.85 * norm(score)))
              for code, score in scores.items()}
    labels = {code: (f"{name}\n{score:.0f}" if score else name) for code, name, score in
              zip(rows["region_code"], rows["province_en"], rows["total_score"])}
    fig, ax = _map_figure(
        f"High-quality medical resources: Fudan top-100 score by province, edition {edition}"
    )
    drawn = draw_choropleth(ax, provinces, colors, labels)
    mappable = plt.cm.ScalarMappable(
        cmap=ListedColormap([cmap(0.15 + 0.85 * i / 255) for i in range(256)]), norm=norm
    )
    bar = fig.colorbar(mappable, ax=ax, shrink=0.6, pad=0.01)
    bar.set_label("reputation + research score (grey = no top-100 hospital)", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    zero = sum(1 for s in scores.values() if s == 0)
    _credit(fig, f"Data: medres fct_province_quality_scores (edition {edition}); {zero} provinces "
                 f"score 0. {settings_line(marts, 'map_quality_score')} {GEO_CREDIT}")
    return FigureResult("map_quality_score", "Map: quality score (study Fig. 5)",
                        _save(fig, out, "map_quality_score"), provinces_drawn=drawn)


def map_cluster_group_figure(marts: Marts, year: int, out: Path, provinces: list[Province]
                             ) -> FigureResult:
    clusters = chosen_clusters(marts("fct_province_clusters"), year)
    k = int(clusters["k"].iloc[0])
    palette = _sequential_colors("viridis", k, 0.0, 0.85)
    colors = {code: palette[int(c) - 1] for code, c in
              zip(clusters["region_code"], clusters["cluster"])}
    labels = {code: f"{name}\n{c}" for code, name, c in
              zip(clusters["region_code"], clusters["province_en"], clusters["cluster"])}
    fig, ax = _map_figure(f"Total medical resources: cluster group by province, {year} (k = {k})")
    drawn = draw_choropleth(ax, provinces, colors, labels)
    counts = clusters["cluster"].value_counts()
    handles = [Patch(color=palette[c - 1], label=f"cluster {c} ({counts.get(c, 0)})")
               for c in range(1, k + 1)]
    ax.legend(handles=handles, loc="lower left", fontsize=7,
              title="cluster (1 = lowest level)", title_fontsize=7)
    _credit(fig, f"Data: medres fct_province_clusters ({year}, chosen k). "
                 f"{settings_line(marts, 'map_cluster_group')} {GEO_CREDIT}")
    return FigureResult("map_cluster_group", "Map: cluster group",
                        _save(fig, out, "map_cluster_group"), provinces_drawn=drawn)


def per_capita_figure(marts: Marts, year: int, out: Path) -> FigureResult:
    rows = for_year(marts("fct_province_per_capita"), year)
    measure = str(rows["health_workforce_measure"].iloc[0])
    r3 = ("R3 health personnel per 1,000 (no complete technician series)"
          if measure == "health_personnel_per_1000" else "R3 health technicians per 1,000")
    panels = [
        ("beds_per_1000", "R1 beds per 1,000 people"),
        ("institutions_per_10k", "R2 institutions per 10,000 people"),
        ("health_workforce_per_1000", r3),
        ("health_expenditure_per_capita_yuan", "R4 health expenditure per capita (yuan)"),
    ]
    # A year without a sourced series (R4 outside 2020) gets no empty panel.
    panels = [(column, title) for column, title in panels if rows[column].notna().any()]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.75 * len(panels), 8.2), squeeze=False)
    for ax, (column, title) in zip(axes[0], panels):
        ordered = rows.sort_values(column)
        ax.barh(ordered["province_en"], ordered[column], color="#4c72b0")
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_ylim(-0.6, len(ordered) - 0.4)
        ax.grid(axis="x", alpha=0.25)
    fig.suptitle(f"Per-capita indicators by province, {year} (sorted)", fontsize=11)
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    _credit(fig, f"Source: medres fct_province_per_capita ({year}; population basis "
                 f"{rows['population_basis'].iloc[0]}; R3 = {measure}). "
                 + settings_line(marts, "per_capita_indicators"))
    return FigureResult("per_capita_indicators", "Per-capita indicators R1–R4",
                        _save(fig, out, "per_capita_indicators"))


TREND_COLORS = {NATIONAL: "#111111", "East": "#1f77b4", "Central": "#ff7f0e", "West": "#2ca02c"}


def trend_per_capita_figure(marts: Marts, out: Path) -> FigureResult:
    """Per-capita indicators by year, 31 provinces together and by region_3 (ratios of sums)."""
    trend = regional_per_capita(marts)
    years_of = trend.groupby("indicator_column")["year"].nunique()
    # An indicator sourced for one year only (R4: 2020) is no line; the report's table has it.
    panels = [(c, t) for c, t in PER_CAPITA_COLUMNS if years_of.get(c, 0) > 1]
    single = [(c, t) for c, t in PER_CAPITA_COLUMNS if years_of.get(c, 0) == 1]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4.4), squeeze=False)
    for ax, (column, title) in zip(axes[0], panels):
        rows = trend[trend["indicator_column"] == column]
        for area, color in TREND_COLORS.items():
            line = rows[rows["area"] == area].sort_values("year")
            ax.plot(line["year"], line["value"], marker="o", markersize=3, color=color,
                    linewidth=2.2 if area == NATIONAL else 1.2, label=area)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_xticks(sorted(rows["year"].unique()))
        ax.tick_params(axis="x", rotation=45)
        ax.grid(alpha=0.25)
    axes[0][0].legend(fontsize=7, title="Σ numerator / Σ population", title_fontsize=7)
    fig.suptitle("Per-capita indicators by year: 31 provinces and the three regions", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    only = "; ".join(
        f"{t.split(' ')[0]} only for {int(trend.loc[trend['indicator_column'] == c, 'year'].iloc[0])}"
        for c, t in single)
    _credit(fig, "Source: medres fct_area_per_capita (national and region_3 rows). Each "
                 "value is a ratio of sums (e.g. Σ beds / Σ population), not a mean of provincial "
                 f"ratios. {only + '. ' if only else ''}{settings_line(marts, 'trend_per_capita')}")
    return FigureResult("trend_per_capita", "Per-capita indicators by year",
                        _save(fig, out, "trend_per_capita"))


def trend_rsr_grades_figure(marts: Marts, out: Path) -> FigureResult:
    """Heat-table: RSR grade of each province (rows, by region) by year (columns)."""
    matrix, evaluations = grade_matrix(marts)
    thresholds = marts("fct_rsr_grade_thresholds")
    grades = sorted(int(g) for g in thresholds["grade"].unique())
    palette = grade_palette(grades)
    cmap = ListedColormap([palette[g] for g in grades]).with_extremes(bad="#dddddd")
    values = np.ma.masked_invalid(matrix.to_numpy(dtype=float))
    fig, ax = plt.subplots(figsize=(1.0 + 0.62 * matrix.shape[1] + 1.6, 0.24 * len(matrix) + 1.9))
    ax.imshow(values, cmap=cmap, vmin=grades[0] - 0.5, vmax=grades[-1] + 0.5, aspect="auto")
    dark = set(grades[: max(1, len(grades) // 2)])
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            grade = matrix.iat[i, j]
            ax.text(j, i, "–" if np.isnan(grade) else f"{int(grade)}", ha="center", va="center",
                    fontsize=7, color="white" if not np.isnan(grade) and int(grade) in dark
                    else "#111111")
    sets = dict(zip(evaluations["year"].astype(int), evaluations["indicator_set"]))
    ax.set_xticks(range(matrix.shape[1]),
                  [f"{y}\n{indicator_set_label(sets.get(y, ''))}" for y in matrix.columns],
                  fontsize=7)
    ax.xaxis.tick_top()
    ax.set_yticks(range(matrix.shape[0]), matrix.index, fontsize=7)
    regions = province_regions(marts).set_index("province_en")["region_3"].reindex(matrix.index)
    boundaries = [i for i in range(1, len(regions)) if regions.iloc[i] != regions.iloc[i - 1]]
    for b in boundaries:
        ax.axhline(b - 0.5, color="white", linewidth=2.5)
    for start, end in zip([0, *boundaries], [*boundaries, len(regions)]):
        ax.text(matrix.shape[1] - 0.4, (start + end - 1) / 2, f" {regions.iloc[start]}",
                fontsize=8, va="center", ha="left", rotation=-90)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.tick_params(length=0)
    labels = thresholds.drop_duplicates("grade").set_index("grade")["grade_label"]
    handles = [Patch(color=palette[g], label=f"{g} {labels.get(g, '')}") for g in grades]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.06, 1.0), fontsize=7,
              title="grade (1 = best)", title_fontsize=7, frameon=False)
    ax.set_title("RSR grade of each province by year (grade within the year's distribution)",
                 fontsize=10, pad=30)
    _credit(fig, "Source: medres fct_province_rsr, fct_rsr_evaluations. Column heads: the year's "
                 "indicator set (r4, per-capita health expenditure, is sourced for 2020 only). "
                 f"– = grading refused. {settings_line(marts, 'trend_rsr_grades')}")
    return FigureResult("trend_rsr_grades", "RSR grade by province and year",
                        _save(fig, out, "trend_rsr_grades"))


def trend_quality_scores_figure(marts: Marts, out: Path) -> FigureResult:
    """Quality score of each province with a top-100 hospital, one bar per Fudan edition."""
    quality = marts("fct_province_quality_scores")
    editions = sorted(int(e) for e in quality["edition"].unique())
    scores = quality.pivot(index="province_en", columns="edition", values="total_score")
    scores = scores[(scores > 0).any(axis=1)].sort_values(editions[-1])
    fig, ax = plt.subplots(figsize=(8.5, 0.32 * len(scores) + 1.8))
    height = 0.8 / len(editions)
    colors = _sequential_colors("OrRd", len(editions), 0.45, 0.9)
    for i, edition in enumerate(editions):
        ax.barh(np.arange(len(scores)) + (i - (len(editions) - 1) / 2) * height,
                scores[edition].fillna(0), height=height, color=colors[i],
                label=f"edition {edition}")
    ax.set_yticks(range(len(scores)), scores.index, fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_ylim(-0.6, len(scores) - 0.4)
    ax.set_xlabel("reputation + research score of the province's top-100 hospitals", fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(axis="x", alpha=0.25)
    zero = int((~(quality.pivot(index="province_en", columns="edition",
                                values="total_score") > 0).any(axis=1)).sum())
    ax.set_title("High-quality medical resources by Fudan edition "
                 f"({', '.join(map(str, editions))})", fontsize=10)
    _credit(fig, f"Source: medres fct_province_quality_scores, every edition it holds; {zero} "
                 "provinces have no top-100 hospital in any edition and are not drawn. "
                 + settings_line(marts, "trend_quality_scores"))
    return FigureResult("trend_quality_scores", "Quality scores by Fudan edition",
                        _save(fig, out, "trend_quality_scores"))


def lorenz_figure(marts: Marts, year: int, out: Path) -> FigureResult:
    """Lorenz curves of the resources in ``year``, against population and against land area."""
    curves = for_year(marts("fct_lorenz_curves"), year)
    gini = for_year(marts("fct_inequality_gini"), year).set_index(["resource", "weight_basis"])["gini"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.8))
    for ax, (basis, label) in zip(axes, (("population", "population"), ("land_area", "land area"))):
        ax.plot([0, 1], [0, 1], color="#999999", linewidth=1, linestyle="--", label="equality")
        for resource, name in INEQUALITY_RESOURCES:
            rows = curves[(curves["resource"] == resource) & (curves["weight_basis"] == basis)]
            if rows.empty:
                continue
            rows = rows.sort_values("point")
            ax.plot(rows["cumulative_weight_share"], rows["cumulative_resource_share"], linewidth=1.6,
                    label=f"{name} (Gini {gini[(resource, basis)]:.3f})")
        ax.set_title(f"Against {label}, {year}", fontsize=10)
        ax.set_xlabel(f"cumulative share of {label} (provinces by resource per unit)", fontsize=8)
        ax.set_ylabel("cumulative share of the resource", fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.25)
    fig.suptitle("Lorenz curves of health resources across the 31 provinces", fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    _credit(fig, "Source: medres fct_lorenz_curves, fct_inequality_gini (land area: NBS 2008 "
                 f"survey). {settings_line(marts, 'lorenz_curves')}")
    return FigureResult("lorenz_curves", "Lorenz curves", _save(fig, out, "lorenz_curves"))


def theil_over_years_figure(marts: Marts, out: Path, grouping: str = "region_3") -> FigureResult:
    """Theil T of each resource by year, split into its between-region and within-region parts."""
    theil = marts("fct_inequality_theil")
    theil = theil[(theil["theil_form"] == "theil_t") & (theil["grouping"] == grouping)]
    jackknife = marts("fct_inequality_jackknife")
    jackknife = jackknife[jackknife["measure"] == "theil_t"].set_index(["resource", "year"])
    panels = [(r, n) for r, n in INEQUALITY_RESOURCES if (theil["resource"] == r).any()]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels), 4.2), squeeze=False)
    for ax, (resource, name) in zip(axes[0], panels):
        parts = theil[theil["resource"] == resource].pivot(
            index="year", columns="component", values="theil_value").sort_index()
        years = parts.index.astype(int)
        ax.bar(years, parts["between"], color="#c44e52", label="between regions")
        ax.bar(years, parts["within"], bottom=parts["between"], color="#8da0cb",
               label="within regions")
        band = jackknife.loc[resource].reindex(parts.index)
        ax.errorbar(years, parts["total"], yerr=[parts["total"] - band["jackknife_min"],
                                                 band["jackknife_max"] - parts["total"]],
                    fmt="none", ecolor="black", elinewidth=0.8, capsize=2,
                    label="range leaving one province out")
        ax.set_title(f"Theil T of {name}", fontsize=9)
        ax.set_xticks(list(years))
        ax.tick_params(labelsize=7)
        ax.tick_params(axis="x", rotation=45)
        ax.grid(axis="y", alpha=0.25)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"Theil T by year: between and within the regions ({grouping})", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 0.94))
    _credit(fig, "Source: medres fct_inequality_theil (theil_t = Σ yᵢ ln(yᵢ/pᵢ)); between + within "
                 "= total exactly; bars: fct_inequality_jackknife. "
                 f"{settings_line(marts, 'theil_over_years')}")
    return FigureResult("theil_over_years", "Theil T by year", _save(fig, out, "theil_over_years"))


def gini_over_years_figure(marts: Marts, out: Path) -> FigureResult:
    """Gini against population of each resource by year, with the band of its values when one
    province is left out (fct_inequality_jackknife)."""
    gini = marts("fct_inequality_jackknife")
    gini = gini[gini["measure"] == "gini_population"]
    panels = [(r, n) for r, n in INEQUALITY_RESOURCES if (gini["resource"] == r).any()]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels), 4.0), squeeze=False)
    for ax, (resource, name) in zip(axes[0], panels):
        rows = gini[gini["resource"] == resource].sort_values("year")
        years = rows["year"].astype(int)
        ax.fill_between(years, rows["jackknife_min"], rows["jackknife_max"], color="#8da0cb",
                        alpha=0.45, label="range leaving one province out")
        ax.plot(years, rows["index_value"], color="#1f3b73", marker="o", markersize=3,
                label="all provinces")
        ax.set_title(f"Gini of {name} against population", fontsize=9)
        ax.set_xticks(list(years))
        ax.tick_params(labelsize=7)
        ax.tick_params(axis="x", rotation=45)
        ax.grid(axis="y", alpha=0.25)
    axes[0][0].legend(fontsize=7)
    fig.suptitle("Gini by year and how much one province moves it", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 0.94))
    _credit(fig, "Source: medres fct_inequality_jackknife (Gini by the trapezoid rule over the "
                 f"Lorenz curve). {settings_line(marts, 'gini_over_years')}")
    return FigureResult("gini_over_years", "Gini by year with leave-one-out range",
                        _save(fig, out, "gini_over_years"))


def agglomeration_figure(marts: Marts, year: int, out: Path,
                         resource: str = "health_technicians_10k") -> FigureResult:
    """HRAD and PAD of one resource per province in ``year``, and their ratio, by region."""
    rows = for_year(marts("fct_province_agglomeration"), year)
    rows = rows[rows["resource"] == resource].merge(
        province_regions(marts)[["region_code", "region_3"]], on="region_code")
    rows = rows.sort_values("hrad_pad_ratio")
    colors = [TREND_COLORS[region] for region in rows["region_3"]]
    fig, axes = plt.subplots(1, 2, figsize=(11, 7.4))
    axes[0].barh(rows["province_en"], rows["hrad_pad_ratio"], color=colors)
    axes[0].axvline(1, color="#333333", linewidth=1)
    axes[0].set_title("HRAD / PAD (> 1: more of the resource than of the people)", fontsize=9)
    axes[1].scatter(rows["pad"], rows["hrad"], c=colors, s=18)
    limit = float(max(rows["pad"].max(), rows["hrad"].max())) * 1.05
    axes[1].plot([0, limit], [0, limit], color="#999999", linestyle="--", linewidth=1)
    axes[1].set_xscale("log")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("PAD (population share / land-area share)", fontsize=8)
    axes[1].set_ylabel("HRAD (resource share / land-area share)", fontsize=8)
    axes[1].set_title("Agglomeration of the resource against that of the population", fontsize=9)
    for ax in axes:
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.25)
    handles = [plt.Line2D([], [], marker="s", linestyle="", color=c, label=r)
               for r, c in TREND_COLORS.items() if r in REGIONS_3]
    axes[1].legend(handles=handles, fontsize=7, title="region_3", title_fontsize=7)
    name = dict(INEQUALITY_RESOURCES).get(resource, resource)
    fig.suptitle(f"Agglomeration degree of {name} by province, {year}", fontsize=11)
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    _credit(fig, f"Source: medres fct_province_agglomeration. {settings_line(marts, 'agglomeration')}")
    return FigureResult("agglomeration", "Agglomeration degree", _save(fig, out, "agglomeration"))


# --- The prefecture-city panel ------------------------------------------------------------------

#: The city figure (the within-province share of inequality over the years).
CITY_FIGURE = "city_within_province_share"
CITY_THEIL_PARTS = (
    ("between_region", "Between East / Central / West"),
    ("between_province", "Between provinces within a region"),
    ("within_province", "Within provinces (between cities)"),
)
CITY_POPULATION_BASES = {
    "yearend_total_population": "year-end total",
    "yearend_registered_population": "household-registered",
    "resident_population": "resident",
}


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
        **{f"{part}_pct": shares[part].to_numpy() for part, _ in CITY_THEIL_PARTS},
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


def city_within_share_figure(marts: Marts, out: Path, theil_form: str = "theil_t") -> FigureResult:
    """Stacked contributions of the nested parts (beds) and the within-province share of doctors,
    per year, with the population-basis and bed-definition breaks marked."""
    beds = within_share_table(marts, "beds", theil_form)
    doctors = within_share_table(marts, "doctors", theil_form)
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.stackplot(beds["year"], *[beds[f"{part}_pct"] for part, _ in CITY_THEIL_PARTS],
                 labels=[f"Beds: {label}" for _, label in CITY_THEIL_PARTS],
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
    fig.text(0.01, 0.01, "Source: China City Statistical Yearbook (data 2000-2020), medres "
             "marts fct_city_inequality_theil.", fontsize=6, color="#555555")
    return FigureResult(CITY_FIGURE, "City panel: nested Theil parts", _save(fig, Path(out), CITY_FIGURE))


# --- Toolkit (issue 23): HEAT summary measures and LISA clusters --------------------------------

#: Indicators of the HEAT and spatial figures, with their labels.
TOOLKIT_INDICATORS = {
    "beds_per_1000": "beds per 1,000",
    "institutions_per_10k": "institutions per 10,000",
    "health_workforce_per_1000": "health workforce per 1,000",
}
LISA_COLORS = {"High-High": "#d7191c", "Low-Low": "#2c7bb6", "High-Low": "#fdae61",
               "Low-High": "#abd9e9", "Not significant": "#eeeeee"}


def heat_measures_figure(marts: Marts, out: Path) -> FigureResult:
    """Three HEAT summary measures of the provinces by year: COV (weighted, relative), TI
    (Theil T x 1000) and RII (ordered by per-capita gross regional product)."""
    heat = marts("fct_heat_measures")
    heat = heat[heat["level"] == "province"]
    measures = [("COV", "COV (BGSD / μ × 100)"), ("TI", "Theil index × 1000 (TI)"),
                ("RII", "RII (provinces ranked by GRP per capita)")]
    fig, axes = plt.subplots(1, 3, figsize=(12.5, 4.0), squeeze=False)
    for ax, (measure, title) in zip(axes[0], measures):
        for indicator, label in TOOLKIT_INDICATORS.items():
            rows = heat[(heat["measure"] == measure) & (heat["indicator"] == indicator)].sort_values("year")
            if not rows.empty:
                ax.plot(rows["year"], rows["measure_value"], marker="o", markersize=3, label=label)
        if measure == "RII":
            ax.axhline(1, color="#777777", linewidth=0.8, linestyle="--")
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.25)
    axes[0][0].legend(fontsize=7)
    fig.suptitle("HEAT summary measures of inequality between provinces", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 0.93))
    _credit(fig, "Source: medres fct_heat_measures (WHO HEAT technical notes v6.0). "
                 f"{settings_line(marts, 'heat_measures')}")
    return FigureResult("heat_measures", "HEAT summary measures", _save(fig, out, "heat_measures"))


def map_lisa_clusters_figure(marts: Marts, year: int, out: Path, provinces: list[Province],
                             indicator: str = "beds_per_1000") -> FigureResult:
    """Map of the local Moran (LISA) clusters of one indicator in ``year``."""
    lisa = marts("fct_spatial_lisa")
    rows = lisa[(lisa["year"] == year) & (lisa["indicator"] == indicator)]
    moran = marts("fct_spatial_moran")
    glob = moran[(moran["year"] == year) & (moran["indicator"] == indicator)]
    colors = {r.region_code: LISA_COLORS[r.cluster] for r in rows.itertuples()}
    label = TOOLKIT_INDICATORS.get(indicator, indicator)
    fig, ax = _map_figure(f"LISA clusters of {label} people, {year}")
    drawn = draw_choropleth(ax, provinces, colors)
    # Provinces whose local p-value passes alpha but not the FDR bound: hatched, with their quadrant.
    alpha = float(build_settings(marts).get("medres_spatial_alpha", 0.05))
    raw = rows[(rows["p_permutation"] <= alpha) & ~rows["is_significant"]]
    quadrant_names = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
    for province in provinces:
        hit = raw[raw["region_code"] == province.code]
        if not hit.empty:
            ax.add_patch(PathPatch(province.path, facecolor="none", edgecolor="#555555",
                                   hatch="////", linewidth=0.3))
            ax.annotate(quadrant_names[int(hit["quadrant"].iloc[0])], province.label, fontsize=6,
                        ha="center", va="center", color="#111111")
    counts = rows["cluster"].value_counts()
    handles = [Patch(facecolor=color, edgecolor="#999999", label=f"{name} ({int(counts.get(name, 0))})")
               for name, color in LISA_COLORS.items()]
    handles.append(Patch(facecolor="none", edgecolor="#555555", hatch="////",
                         label=f"p ≤ {alpha:g} before FDR control ({len(raw)}; quadrant labelled)"))
    ax.legend(handles=handles, loc="lower left", fontsize=7, frameon=False)
    if not glob.empty:
        g = glob.iloc[0]
        ax.text(0.99, 0.02, f"Global Moran's I = {g.moran_i:.3f} (pseudo p = {g.p_permutation:.3f})",
                transform=ax.transAxes, ha="right", fontsize=7)
    _credit(fig, "Source: medres fct_spatial_lisa (esda.Moran_Local, queen contiguity, Hainan linked "
                 "to Guangdong). Boundaries: DataV.GeoAtlas via lqb-zh/geojson-chinadata, illustrative. "
                 f"{settings_line(marts, 'map_lisa_clusters')}")
    return FigureResult("map_lisa_clusters", "LISA cluster map", _save(fig, out, "map_lisa_clusters"),
                        provinces_drawn=drawn)


def generate(marts: Marts, out: Path, year: int | None = None,
             geojson: Path | None = None) -> list[FigureResult]:
    """Draw every figure from the published ``marts`` into ``out``; return what was drawn.

    Takes the reader rather than a path so a caller that also reads the marts (the report) shares
    its cache instead of reading every mart twice.
    """
    marts.require(sorted({m for names in FIGURE_MARTS.values() for m in names}))
    if year is None:
        year = report_year(marts("dim_years"))
    provinces = load_provinces(geojson)
    plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "medres",
                         "font.family": "DejaVu Sans"})
    return [
        dendrogram_figure(marts, year, out),
        rsr_probit_figure(marts, year, out),
        map_rsr_grade_figure(marts, year, out, provinces),
        map_quality_score_figure(marts, out, provinces),
        map_cluster_group_figure(marts, year, out, provinces),
        per_capita_figure(marts, year, out),
        trend_per_capita_figure(marts, out),
        trend_rsr_grades_figure(marts, out),
        trend_quality_scores_figure(marts, out),
        lorenz_figure(marts, year, out),
        theil_over_years_figure(marts, out),
        gini_over_years_figure(marts, out),
        agglomeration_figure(marts, year, out),
        city_within_share_figure(marts, out),
        heat_measures_figure(marts, out),
        map_lisa_clusters_figure(marts, year, out, provinces),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=Path("published"))
    parser.add_argument("--out", type=Path, default=Path("reports/figures"))
    parser.add_argument("--geojson", type=Path, default=None,
                        help=f"province boundaries (default: {GEOJSON} of the project directory)")
    arguments = parser.parse_args(argv)
    try:
        # The year is the build's var medres_year (dim_years.is_report_year): one way to set it.
        results = generate(Marts(arguments.published), arguments.out, geojson=arguments.geojson)
    except (MissingMartError, FileNotFoundError) as error:
        print(f"medres.figures: {error}", file=sys.stderr)
        return 2
    for result in results:
        print(f"medres: {result.name}: " + ", ".join(str(p) for p in result.files.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
