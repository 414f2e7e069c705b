"""Lineage that is true: the exposure medres_report depends on exactly the marts the report reads.

The marts the report reads are collected from its code: every string literal in medres.report and
medres.figures that names a published mart of the manifest (the ``marts("…")`` calls, the
FIGURE_MARTS and REPORT_MARTS constants, STUDY_TABLES). They must be medres.report.MARTS_READ,
which the report checks before it starts, and the exposure's depends_on in the manifest of a
freshly built copy of the project.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from conftest import ProjectCopy

from medres import figures, report

SOURCES = (Path(report.__file__), Path(figures.__file__))


@pytest.fixture(scope="module")
def manifest(shared_built_project: ProjectCopy) -> dict:
    return json.loads((shared_built_project.root / "target" / "manifest.json").read_text())


def published_marts(manifest: dict) -> set[str]:
    return {node["name"] for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"]["schema"] == "marts"}


def mart_names_in_code(marts: set[str]) -> set[str]:
    """Mart names written as string literals in the report's and the figures' modules."""
    return {node.value for source in SOURCES
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and node.value in marts}


def exposure_parents(manifest: dict, name: str) -> set[str]:
    exposure = manifest["exposures"][f"exposure.medres.{name}"]
    return {manifest["nodes"][uid]["name"] for uid in exposure["depends_on"]["nodes"]}


def test_report_exposure_lists_every_mart_the_report_reads(manifest):
    marts = published_marts(manifest)
    read = mart_names_in_code(marts)
    assert read == set(report.MARTS_READ)
    assert exposure_parents(manifest, "medres_report") == read
    # The study's printed tables are marts too (seeds/study/, published by models/marts/study/).
    assert set(report.STUDY_TABLES.values()) <= read
    assert len(read) == 33


def test_every_name_the_report_reads_is_a_published_mart(manifest):
    assert set(report.MARTS_READ) <= published_marts(manifest)


def test_the_collector_sees_a_mart_read_outside_the_constants(manifest, tmp_path, monkeypatch):
    """Not vacuous: a new ``marts("…")`` call in the report is found."""
    extra = tmp_path / "report.py"
    extra.write_text('def section(context):\n    return context.marts("fct_city_rsr")\n')
    monkeypatch.setattr("test_lineage.SOURCES", (*SOURCES, extra))
    assert "fct_city_rsr" in mart_names_in_code(published_marts(manifest)) - set(report.MARTS_READ)
