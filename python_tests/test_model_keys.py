"""A key on every model: a uniqueness test on its grain whose every column is also not null.

Reads the manifest of a freshly built copy of the project (``shared_built_project``). A grain is
the column of a ``unique`` test or the columns of a ``unique_combination`` test (the project's
multi-column key test, tests/generic); a key column is not null by a ``not_null`` test or by a
``not_null`` / ``primary_key`` constraint of an enforced contract (DuckDB enforces both when it
creates the table). A contracted mart also declares its grain as its ``primary_key`` constraint.
No model is exempt.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from conftest import ProjectCopy


@pytest.fixture(scope="module")
def manifest(shared_built_project: ProjectCopy) -> dict:
    return json.loads((shared_built_project.root / "target" / "manifest.json").read_text())


def models(manifest: dict) -> dict[str, dict]:
    return {uid: node for uid, node in manifest["nodes"].items()
            if node["resource_type"] == "model"}


def generic_tests(manifest: dict) -> dict[str, list[tuple[str, dict, str | None]]]:
    """(test name, its kwargs, its column) of each generic data test, by the model it tests."""
    tests: dict[str, list[tuple[str, dict, str | None]]] = defaultdict(list)
    for node in manifest["nodes"].values():
        metadata = node.get("test_metadata")
        if node["resource_type"] == "test" and metadata and node.get("attached_node"):
            tests[node["attached_node"]].append(
                (metadata["name"], metadata.get("kwargs") or {}, node.get("column_name")))
    return tests


def grains_with_a_uniqueness_test(tests: list[tuple[str, dict, str | None]]
                                  ) -> list[tuple[str, ...]]:
    grains = []
    for name, kwargs, column in tests:
        if name == "unique":
            grains.append((column,))
        elif name == "unique_combination":
            grains.append(tuple(kwargs["columns"]))
    return grains


def primary_keys(model: dict) -> list[tuple[str, ...]]:
    keys = [tuple(c["columns"]) for c in model.get("constraints", []) if c["type"] == "primary_key"]
    keys += [(name,) for name, column in model["columns"].items()
             for c in column.get("constraints", []) if c["type"] == "primary_key"]
    return keys


def not_null_columns(model: dict, tests: list[tuple[str, dict, str | None]]) -> set[str]:
    columns = {column for name, _, column in tests if name == "not_null"}
    if model["config"].get("contract", {}).get("enforced"):
        columns |= {name for name, column in model["columns"].items()
                    if any(c["type"] in ("not_null", "primary_key")
                           for c in column.get("constraints", []))}
        columns |= {name for key in primary_keys(model) for name in key}
    return columns


def keyless(manifest: dict) -> list[str]:
    """Models without a uniqueness test on a grain whose columns are all not null."""
    tests = generic_tests(manifest)
    missing = []
    for uid, model in sorted(models(manifest).items()):
        model_tests = tests[uid]
        not_null = not_null_columns(model, model_tests)
        grains = grains_with_a_uniqueness_test(model_tests)
        if not any(set(grain) <= not_null for grain in grains):
            missing.append(f"{model['original_file_path']}: grains {grains}, "
                           f"not null {sorted(not_null)}")
    return missing


def test_every_model_has_a_tested_not_null_key(manifest):
    assert keyless(manifest) == []


def test_a_one_column_key_uses_dbts_unique_test(manifest):
    one_column = [f"{uid}: {kwargs['columns']}" for uid, tests in generic_tests(manifest).items()
                  for name, kwargs, _ in tests
                  if name == "unique_combination" and len(kwargs["columns"]) == 1]
    assert one_column == []


def test_every_contracted_model_declares_its_tested_grain_as_primary_key(manifest):
    tests = generic_tests(manifest)
    wrong = []
    for uid, model in sorted(models(manifest).items()):
        if not model["config"].get("contract", {}).get("enforced"):
            continue
        keys = primary_keys(model)
        grains = grains_with_a_uniqueness_test(tests[uid])
        if len(keys) != 1 or keys[0] not in grains:
            wrong.append(f"{model['name']}: primary key {keys}, tested grains {grains}")
    assert wrong == []


def test_the_key_check_finds_a_model_without_one(manifest):
    """Not vacuous: a copy of the manifest with one model's uniqueness tests removed fails."""
    copy = json.loads(json.dumps(manifest))
    target = "model.medres.int_province_per_capita"
    copy["nodes"] = {uid: node for uid, node in copy["nodes"].items()
                     if node.get("attached_node") != target
                     or node["test_metadata"]["name"] not in ("unique", "unique_combination")}
    assert [line.split(":")[0] for line in keyless(copy)] == [
        "models/intermediate/int_province_per_capita.sql"]
