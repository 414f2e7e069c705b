"""The one settings reader (medres.settings): values as dbt resolves them, and the slips dbt would
accept silently refused in one line each."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from medres import seedcheck, settings

PROJECT = Path(__file__).resolve().parents[1]


def test_defaults_are_the_project_vars_and_every_setting_is_present():
    resolved = settings.resolve(PROJECT)
    declared = yaml.safe_load((PROJECT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    assert {name: resolved[name] for name in declared} == declared
    assert set(settings.setting_names(PROJECT)) <= set(resolved)
    assert resolved["medres_rsr_grades"] == 5 and resolved["medres_fudan_edition"] is None


def test_vars_replace_whole_vars_as_dbt_does():
    resolved = settings.resolve(PROJECT, "{medres_rsr_grades: 3, medres_cluster_columns: [beds_10k]}")
    assert resolved["medres_rsr_grades"] == 3
    assert resolved["medres_cluster_columns"] == ["beds_10k"]


def test_jinja_in_a_text_value_is_rendered_like_dbts_var(monkeypatch):
    monkeypatch.setenv("MEDRES_TEST_BASIS", "census")
    resolved = settings.resolve(
        PROJECT, """{medres_population_basis: "{{ env_var('MEDRES_TEST_BASIS') }}"}""")
    assert resolved["medres_population_basis"] == "census"


@pytest.mark.parametrize(("overrides", "message"), [
    ("{medres_rsr_grade: 3}", "--vars: 'medres_rsr_grade' is not a medres setting; did you mean "
                              "medres_rsr_grades?"),
    ("{medres_rsr_grades:3}", "'medres_rsr_grades:3' is not a medres setting; did you mean "
                              "medres_rsr_grades? (YAML needs a space after the colon"),
    ("{medres_plausibility_bands: {beds_per_1000: {min: 1, max: 20}}}",
     "--vars medres_plausibility_bands: dbt replaces the whole mapping, so this override would "
     "drop institutions_per_10k, health_personnel_per_1000"),
    ("{medres_year: 2019", "is not valid YAML at column 19"),
    ("[1, 2]", "must be a mapping such as '{medres_rsr_grades: 3}'"),
])
def test_slips_dbt_would_accept_are_named(overrides, message):
    with pytest.raises(settings.SettingsError) as raised:
        settings.resolve(PROJECT, overrides)
    assert len(raised.value.problems) == 1
    assert message in raised.value.problems[0]


def test_every_problem_is_listed_at_once():
    with pytest.raises(settings.SettingsError) as raised:
        settings.resolve(PROJECT, "{medres_rsr_grade: 3, medres_clutser_k: 4}")
    assert [problem.split(";")[1] for problem in raised.value.problems] == [
        " did you mean medres_rsr_grades?", " did you mean medres_cluster_k?"]


def test_the_seed_check_stops_before_dbt_on_a_settings_slip(capsys):
    assert seedcheck.main(["--seeds", str(PROJECT / "seeds"), "--vars", "{medres_rsr_grade: 3}"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "seedcheck: settings: --vars: 'medres_rsr_grade' is not a medres setting; did you mean "
        "medres_rsr_grades?",
        "seedcheck: nothing was built and the published outputs are unchanged",
    ]
