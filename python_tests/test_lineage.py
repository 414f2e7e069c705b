"""Lineage that is true: each exposure depends on exactly the marts its consumer reads.

The marts a consumer reads are recorded while it runs on the published marts of a freshly built
copy of the project (a reader that notes every mart asked for; the up-front ``require`` of the
declared list does not count). They must equal the consumer's declared list (report.MARTS_READ,
explorer.EXPLORER_MARTS), which the consumer checks before it starts, and its exposure's
depends_on in the manifest.
"""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import pytest
from conftest import ProjectCopy

from medres import explorer, figures, report

#: The names of the marts read through RecordingMarts since the last clear().
RECORDED: set[str] = set()


class RecordingMarts(figures.Marts):
    """A mart reader that records the name of every mart read (not those only required)."""

    def __call__(self, name: str):
        RECORDED.add(name)
        return super().__call__(name)


@pytest.fixture(scope="module")
def manifest(shared_built_project: ProjectCopy) -> dict:
    return json.loads((shared_built_project.root / "target" / "manifest.json").read_text())


def exposure_parents(manifest: dict, name: str) -> set[str]:
    exposure = manifest["exposures"][f"exposure.medres.{name}"]
    return {manifest["nodes"][uid]["name"] for uid in exposure["depends_on"]["nodes"]}


def names_without_drawing(fig, out, name: str) -> dict:
    """figures._save without the drawing (the session's report render draws them): the figure's
    data is read all the same, and rendering 16 figures twice took 9 of this module's 13 CPU s."""
    plt.close(fig)
    return {fmt: out / f"{name}.{fmt}" for fmt in figures.FORMATS}


def marts_read(module, run) -> set[str]:
    RECORDED.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "Marts", RecordingMarts)
        patch.setattr(figures, "_save", names_without_drawing)
        run()
    return set(RECORDED)


def test_report_exposure_lists_every_mart_the_report_reads(manifest, shared_built_project,
                                                           tmp_path):
    read = marts_read(report, lambda: report.build(shared_built_project.published, tmp_path))
    assert read == set(report.MARTS_READ)
    assert exposure_parents(manifest, "medres_report") == read
    # The study's printed tables are marts too (seeds/study/, published by models/marts/study/).
    assert set(report.STUDY_TABLES.values()) <= read


def test_explorer_exposure_lists_every_mart_the_explorer_reads(manifest, shared_built_project,
                                                               tmp_path):
    read = marts_read(explorer, lambda: explorer.build(shared_built_project.published, tmp_path))
    assert read == set(explorer.EXPLORER_MARTS)
    assert exposure_parents(manifest, "medres_explorer") == read
    assert {"dim_province_names", "fct_area_per_capita"} <= read


def test_the_recorder_ignores_marts_only_required(shared_built_project):
    """Not vacuous: requiring a mart does not count as reading it."""
    marts = RecordingMarts(shared_built_project.published)
    RECORDED.clear()
    marts.require(["fct_city_rsr"])
    marts("dim_years")
    assert RECORDED == {"dim_years"}
