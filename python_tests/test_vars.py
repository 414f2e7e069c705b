"""The medres_* vars are checked before any model runs (macros/medres_vars.sql, called from
on-run-start and also rendered when dbt parses the project): a wrong var is one line naming the var,
its value and what is allowed - no Python traceback, no silent coercion.

Each case runs `dbt parse --vars ...` on the working tree with its own target and log directories
(nothing of the working tree is written, no warehouse is opened). The cases run concurrently in one
module fixture, so the module costs a few dbt parses of wall time rather than one per case.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from medres.dbt_environment import dbt_environment

PROJECT = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).parent / "dbt"
# Vars that are not medres settings with a spec: the lead turns the national totals into a seed.
NOT_SPECIFIED = {"medres_national_totals"}

# --vars override -> the lines expected, one per wrong var.
# (The defaults pass in every build, and the variant builds of test_variants set valid values of
# these vars, their bounds among them.)
CASES = {
    # Several wrong vars: every one is named, each on its own line, in one run.
    "several wrong vars": (
        '{medres_rsr_alpha: "abc", medres_rsr_grades: 11, medres_year: 2020.5, medres_cluster_k: 9, '
        'medres_rsr_force: "yes"}',
        ["var medres_year is 2020.5; it must be an integer from 1949 to 2100",
         "var medres_rsr_grades is 11; it must be an integer from 3 to 10",
         "var medres_rsr_alpha is 'abc'; it must be a number greater than 0 and less than 1",
         "var medres_rsr_force is 'yes'; it must be true or false",
         "var medres_cluster_k is 9; it must be an integer from medres_cluster_k_min (2) to "
         "medres_cluster_k_max (8)"]),
    # Vars whose value models also render into SQL: the same line, whichever is parsed first
    # (medres_fudan_edition: abc is a case of test_bad_inputs, through the whole build).
    "basis misspelt": ("{medres_population_basis: Census}",
                       ["var medres_population_basis is 'Census'; it must be one of 'yearend', 'census'"]),
    "indicator direction": ("{medres_rsr_indicators: [{name: r1, column: beds_per_1000, direction: up}]}",
                            ["var medres_rsr_indicators[0].direction is 'up'; it must be one of "
                             "'positive', 'negative'"]),
    # The same column under two names would be ranked and counted twice.
    "indicator column twice": (
        "{medres_rsr_indicators: [{name: r1, column: beds_per_1000, direction: positive}, "
        "{name: r9, column: beds_per_1000, direction: positive}]}",
        ["var medres_rsr_indicators lists column 'beds_per_1000' twice; each column may appear once"]),
}


def _parse(name: str, override: str, scratch: Path) -> tuple[int, str]:
    directory = scratch / re.sub(r"\W+", "_", name)
    env = dbt_environment(PROJECT, directory / "unused.duckdb")
    completed = subprocess.run(
        [str(DBT), "parse", "--vars", override, "--target-path", str(directory / "target"),
         "--log-path", str(directory / "logs")],
        cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300,
    )
    return completed.returncode, completed.stdout


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    scratch = tmp_path_factory.mktemp("vars")
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(_parse, name, override, scratch)
                   for name, (override, _) in CASES.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_var_is_checked_up_front(parsed: dict[str, tuple[int, str]], name: str) -> None:
    returncode, output = parsed[name]
    expected = CASES[name][1]
    var_lines = [line.strip() for line in output.splitlines() if line.strip().startswith("var medres_")]
    assert var_lines == expected, output[-3000:]
    assert returncode == 2, output[-3000:]
    assert "Traceback" not in output


def _spec() -> dict[str, dict]:
    text = (PROJECT / "macros" / "medres_vars.sql").read_text(encoding="utf-8")
    match = re.search(r"\{%- set spec_yaml -%\}\n(.*?)\{%- endset -%\}", text, flags=re.S)
    assert match, "the spec block of macros/medres_vars.sql was not found"
    return yaml.safe_load(match.group(1))


def test_every_project_var_has_a_spec() -> None:
    project_vars = yaml.safe_load((PROJECT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    assert set(_spec()) == set(project_vars) - NOT_SPECIFIED


def test_the_check_runs_before_any_model() -> None:
    project = yaml.safe_load((PROJECT / "dbt_project.yml").read_text(encoding="utf-8"))
    assert "{{ check_medres_vars() }}" in project["on-run-start"]


def test_no_jinja_coercion_of_vars() -> None:
    # `| int` turned medres_fudan_edition: abc into 0; the spec check replaces every coercion.
    coercion = re.compile(r"\|\s*(int|float)\b")
    offenders = [str(path.relative_to(PROJECT)) for folder in ("models", "macros", "tests")
                 for path in (PROJECT / folder).rglob("*.sql") if coercion.search(path.read_text("utf-8"))]
    assert offenders == []
