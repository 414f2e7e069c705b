"""A plausibility band lives in one place, the var medres_plausibility_bands, and every layer that
checks it reads that place: changing the band there (here through a --vars override, as a user
would) changes the verdict of the seed check, of the dbt data tests and of the
great-expectations gate alike."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import yaml

from medres import expectations, seedcheck

BIN = Path(sys.executable).parent


def narrowed_beds_band(project: Path) -> tuple[str, dict]:
    """A --vars override narrowing the beds band to 6-7 per 1,000 (real values are 3.9-9.0)."""
    bands = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))["vars"][
        "medres_plausibility_bands"]
    narrowed = {**bands, "beds_per_1000": {"min": 6, "max": 7}}
    return yaml.safe_dump({"medres_plausibility_bands": narrowed}, default_flow_style=True), narrowed


def test_one_band_changes_every_layer(shared_built_project, tmp_path):
    project = shared_built_project.root
    override, narrowed = narrowed_beds_band(project)

    # 1. The seed check (before dbt): the beds/population ratio band of nbs_beds.
    assert not [p for p in seedcheck.check(project / "seeds") if not p.soft]
    problems = [str(p) for p in seedcheck.check(
        project / "seeds", variables=seedcheck.project_vars(project / "seeds", override)) if not p.soft]
    assert problems and all("outside the plausible range 6 to 7" in p for p in problems
                            if "beds per 1,000 people" in p)
    assert any("nbs_beds.csv" in p and "beds per 1,000 people" in p for p in problems)

    # 2. The dbt data tests (in the warehouse), into a separate target so the copy stays as built.
    command = [str(BIN / "dbt"), "test", "--select", "int_province_per_capita",
               "--target-path", str(tmp_path / "target")]
    environment = shared_built_project.env()
    assert subprocess.run(command, cwd=project, env=environment, capture_output=True,
                          text=True).returncode == 0
    failed = subprocess.run([*command, "--vars", override], cwd=project, env=environment,
                            capture_output=True, text=True)
    assert failed.returncode == 1
    assert "FAIL" in failed.stdout and "within_plausibility_band_int_province_per_capita_beds_per_1000" \
        in failed.stdout

    # 3. The great-expectations gate (the published marts).
    with duckdb.connect(str(shared_built_project.published / "medres.duckdb"), read_only=True) as db:
        frame = db.execute("select * from fct_province_per_capita").df()
    variables = expectations.load_vars(project_file=project / "dbt_project.yml", overrides=override)
    settings = expectations.load_settings(project / "seeds", variables)
    gate = expectations.Gate({"fct_province_per_capita": expectations.mart_suites(settings)[
        "fct_province_per_capita"]})
    failures = gate.validate("fct_province_per_capita", frame)
    assert [f.column for f in failures] == ["beds_per_1000"]
    assert f"'max_value': {narrowed['beds_per_1000']['max']}" in failures[0].detail
