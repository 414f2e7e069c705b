"""Figures are drawn from the published marts: files exist, SVGs parse, maps draw 31 provinces."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ProjectCopy
from medres import figures

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def published(shared_built_project: ProjectCopy) -> Path:
    """The marts of a temporary build (conftest), never the working tree's published/."""
    return shared_built_project.published


@pytest.fixture(scope="module")
def drawn(tmp_path_factory, published) -> tuple[Path, dict[str, figures.FigureResult]]:
    out = tmp_path_factory.mktemp("figures")
    try:
        results = figures.generate(figures.Marts(published), out)
    except figures.MissingMartError as error:
        pytest.fail(f"figures need the published marts (dbt build, then medres.publish): {error}")
    return out, {r.name: r for r in results}


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
    for label in ("R1 beds per 1,000", "R2 institutions", "R3", "R4 health expenditure"):
        assert label in bars


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
