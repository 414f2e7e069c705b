"""Figures are drawn from the published marts: files exist, SVGs parse, maps draw 31 provinces."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from conftest import ProjectCopy

from medres import figures

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def published(shared_built_project: ProjectCopy) -> Path:
    """The marts of a temporary build (conftest), never the working tree's published/."""
    return shared_built_project.published


@pytest.fixture(scope="module")
def drawn(report_render) -> tuple[Path, dict[str, figures.FigureResult]]:
    """The figures the session's report drew (medres.report.build calls figures.generate on the
    same published marts), and what each drawing returned."""
    return report_render.index.parent / "figures", report_render.figures


def test_every_figure_is_written_as_png_and_svg(drawn):
    out, results = drawn
    assert set(results) == set(figures.FIGURE_MARTS)
    for name in figures.FIGURE_MARTS:
        png, svg = out / f"{name}.png", out / f"{name}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
        assert png.stat().st_size > 10_000
        root = ET.parse(svg).getroot()  # raises on malformed XML
        assert root.tag == f"{SVG}svg"
    assert not list(out.glob(".*")), "no staged temporary files left"


@pytest.mark.parametrize("name", ["map_rsr_grade", "map_quality_score", "map_cluster_group"])
def test_maps_draw_31_provinces_with_credit(drawn, name):
    out, results = drawn
    assert results[name].provinces_drawn == 31
    root = ET.parse(out / f"{name}.svg").getroot()
    ids = {g.get("id") for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("province-")}
    assert len(ids) == 31
    assert "province-110000" in ids and "province-650000" in ids
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "DataV.GeoAtlas" in text  # the boundary credit line
    assert "Beijing" in text and "Xinjiang" in text  # English labels, no CJK needed


def test_dendrogram_labels_every_leaf_and_marks_the_cut(drawn, published):
    out, results = drawn
    root = ET.parse(out / "dendrogram.svg").getroot()
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    marts = figures.Marts(published)
    leaves = marts("fct_cluster_dendrogram_leaves")
    year = figures.report_year(marts("dim_years"))  # the year the figures are drawn for
    assert "Dendrogram of the totals clustering, 2020" in text  # default medres_year
    for name in leaves.loc[leaves["year"] == year, "province_en"]:
        assert name in text, name
    assert "Rescaled distance" in text and "25" in text
    assert any("cut at rescaled distance" in n for n in results["dendrogram"].notes)
    assert "cut: k = " in text


def test_rsr_and_bar_figures_carry_their_content(drawn):
    out, _ = drawn
    rsr = " ".join(ET.parse(out / "rsr_probit.svg").getroot().itertext())
    assert "Probit" in rsr and "fit: RSR =" in rsr and "grade 1" in rsr
    bars = " ".join(ET.parse(out / "per_capita_indicators.svg").getroot().itertext())
    for label in ("R1 beds per 1,000", "R2 institutions", "R3 health technicians per 1,000",
                  "R4 health expenditure"):
        assert label in bars
    assert "health personnel" not in bars


def svg_text(out: Path, name: str) -> str:
    return " ".join("".join(t.itertext()) for t in ET.parse(out / f"{name}.svg").getroot().iter(f"{SVG}text"))


def test_figures_state_their_build_settings(drawn):
    out, _ = drawn
    for name, settings in figures.FIGURE_SETTINGS.items():
        text = svg_text(out, name)
        assert "Settings:" in text, name
        for setting in settings:
            assert f"{setting}=" in text, (name, setting)
    assert 'medres_cluster_linkage="average"' in svg_text(out, "dendrogram")
    assert "medres_rsr_grades=5" in svg_text(out, "rsr_probit")
    assert "grade 5 (Low) has no lower bound" in svg_text(out, "rsr_probit")


def overlapping(boxes: dict[str, tuple[float, float, float, float]]) -> list[tuple[str, str]]:
    names = list(boxes)
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ax0, ay0, ax1, ay1 = boxes[a]
            bx0, by0, bx1, by1 = boxes[b]
            if ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1:
                pairs.append((a, b))
    return pairs


def test_rsr_probit_labels_do_not_overlap(drawn):
    _, results = drawn
    boxes = results["rsr_probit"].label_boxes
    assert len(boxes) == 31 and "Beijing" in boxes
    assert overlapping(boxes) == []
    # Yunnan and Hebei share RSR 0.435 (one point): their labels are still apart.
    assert boxes["Yunnan"] != boxes["Hebei"]


def test_place_labels_separates_coincident_points():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=150)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    points = [(5.0, 5.0)] * 8 + [(5.2, 5.1)] * 4
    labels = [f"Province {i}" for i in range(len(points))]
    boxes = figures.place_labels(ax, points, labels)
    extents = {label: tuple(box.extents) for label, box in zip(labels, boxes)}
    assert overlapping(extents) == []
    # The naive placement (every label at the same offset) overlaps: the check is not vacuous.
    naive = [ax.annotate(label, p, xytext=(4, 0), textcoords="offset points", fontsize=5.5)
             for label, p in zip(labels, points)]
    renderer = fig.canvas.get_renderer()
    assert overlapping({t.get_text(): tuple(t.get_window_extent(renderer).extents) for t in naive})
    plt.close(fig)


def test_trend_figures_carry_years_regions_and_indicator_sets(drawn):
    out, _ = drawn
    trend = svg_text(out, "trend_per_capita")
    for label in ("31 provinces", "East", "Central", "West", "2016", "2024",
                  "R1 beds per 1,000", "R3 health technicians per 1,000", "R4 only for 2020"):
        assert label in trend, label
    grades = svg_text(out, "trend_rsr_grades")
    assert grades.count("r1–r4") == 1 and grades.count("r1–r3") == 8
    assert "Beijing" in grades and "Xinjiang" in grades
    quality = svg_text(out, "trend_quality_scores")
    assert "edition 2020" in quality and "edition 2021" in quality and "Beijing" in quality


def test_regional_per_capita_is_the_area_mart(published):
    """The trend figure and table draw fct_area_per_capita's ratios of sums, not a recomputation."""
    marts = figures.Marts(published)
    trend = figures.regional_per_capita(marts).set_index(["year", "area", "indicator_column"])
    national_beds = trend.loc[(2020, figures.NATIONAL, "beds_per_1000")]
    # The 2020 communiqué's 9.101 million beds (seeds/reference/national_totals.csv) over the 31
    # provinces' 1,410.13 million people: 6.454 per 1,000 (the provinces' seed beds sum within its
    # tolerance). The mean of the 31 provincial ratios is 6.469: a ratio of sums, not a mean.
    assert national_beds["value"] == pytest.approx(9101 * 1000 / 1410130, abs=5e-4)
    assert national_beds["value"] == pytest.approx(6.4541, abs=1e-4)
    assert national_beds["provinces"] == 31
    assert trend.loc[(2020, "East", "beds_per_1000"), "value"] == pytest.approx(5.7461, abs=1e-4)
    assert trend.loc[(2020, "East", "beds_per_1000"), "provinces"] == 11
    assert trend.loc[(2020, figures.NATIONAL, "health_expenditure_per_capita_yuan"),
                     "value"] == pytest.approx(4622.88, abs=0.01)
    assert (2016, figures.NATIONAL, "health_expenditure_per_capita_yuan") not in trend.index
    areas = marts("fct_area_per_capita")
    assert set(trend.index.get_level_values("area")) == {figures.NATIONAL, *figures.REGIONS_3}
    # R1-R3 for every national and region_3 row of the mart, R4 for the four rows of 2020.
    assert len(trend) == len(areas[areas["division"].isin(["national", "region_3"])]) * 3 + 4


def test_missing_mart_is_named(tmp_path, published):
    partial = tmp_path / "published"
    (partial / "parquet").mkdir(parents=True)
    for name in ("fct_province_rsr", "fct_rsr_regression", "fct_rsr_grade_thresholds"):
        shutil.copy(published / "parquet" / f"{name}.parquet", partial / "parquet")
    with pytest.raises(figures.MissingMartError, match="fct_cluster_agglomeration"):
        figures.generate(figures.Marts(partial), tmp_path / "out")
    assert figures.main(["--published", str(partial), "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "out").exists(), "nothing is drawn when a mart is missing"


def test_geojson_has_31_provinces_as_paths():
    provinces = figures.load_provinces()
    assert len(provinces) == 31
    assert len({p.code for p in provinces}) == 31
    for province in provinces:
        lon, lat = province.label
        assert province.path.contains_point((lon, lat)) or province.code in {"130000", "620000"}


def test_project_files_are_found_in_the_project_directory_not_the_package(tmp_path, monkeypatch):
    """The boundaries are a project file: an installed package finds them through the current
    directory or MEDRES_PROJECT_DIR, and says so when they are not there."""
    from medres import figures

    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(figures.PROJECT_DIR_VARIABLE, raising=False)
    with pytest.raises(FileNotFoundError, match="set MEDRES_PROJECT_DIR to it, or pass --geojson"):
        figures.load_provinces()
    monkeypatch.setenv(figures.PROJECT_DIR_VARIABLE, str(root))
    assert len(figures.load_provinces()) == 31
