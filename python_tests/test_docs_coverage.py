"""Every seed, model, column and singular test is described, so dbt docs and BI comments are whole.

Reads the manifest and the warehouse of a freshly built copy of the project: a column a model
produces but its yml does not describe is caught as well as an empty description.
"""

import json
from pathlib import Path

import duckdb
import yaml


def described_columns(manifest: dict, node: dict) -> set[str]:
    """The columns the node's yml describes. A lens's Python model stacks its outputs
    (medres.panel.stacked_outputs): an output's columns are described once, on the view that
    selects that output (``where output = '...'``), and count for the stacked model."""
    def own(entry: dict) -> set[str]:
        return {name for name, column in entry["columns"].items()
                if column.get("description", "").strip()}

    columns = own(node)
    if node["resource_type"] == "model" and node.get("language") == "python":
        for child in manifest["child_map"].get(node["unique_id"], []):
            if "output = '" in manifest["nodes"].get(child, {}).get("raw_code", ""):
                columns |= own(manifest["nodes"][child])
    return columns


def test_every_node_and_column_is_described(shared_built_project):
    manifest = json.loads((shared_built_project.root / "target" / "manifest.json").read_text())
    warehouse = str(shared_built_project.warehouse)
    undescribed = []
    with duckdb.connect(warehouse, read_only=True) as connection:
        for node in manifest["nodes"].values():
            kind = node["resource_type"]
            # Generic tests are described once, on their macro (tests/generic/_generic_tests.yml).
            if kind == "test" and node.get("test_metadata"):
                continue
            if kind not in ("model", "seed", "test"):
                continue
            if not node.get("description", "").strip():
                undescribed.append(node["name"])
            if kind == "test":
                continue
            built_columns = [name for (name,) in connection.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [node["schema"], node["alias"]],
            ).fetchall()]
            assert built_columns, f"{node['name']} was not built"
            described = described_columns(manifest, node)
            for column in built_columns:
                if column not in described:
                    undescribed.append(f"{node['name']}.{column}")
    project_test_macros = {
        macro["name"]: macro["description"].strip() for macro in manifest["macros"].values()
        if macro["package_name"] == "medres" and macro["name"].startswith("test_")
    }
    used = {
        "test_" + node["test_metadata"]["name"] for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node.get("test_metadata")
    }
    undescribed += sorted(name for name in used & project_test_macros.keys()
                          if not project_test_macros[name])
    assert undescribed == []


def test_column_entries_hold_only_known_keys():
    """A column written as a flow mapping with an unquoted comma in its description
    (``{name: x, description: Sum, 10,000 persons.}``) is cut short and gains a key ``10``: the
    description is silently truncated and dbt cannot read its partial-parse state back."""
    known = {"name", "description", "data_type", "data_tests", "constraints", "meta", "config",
             "quote", "granularity"}
    wrong = []
    for path in sorted(Path(__file__).resolve().parents[1].glob("*/**/*.yml")):
        if ".venv" in path.parts or "target" in path.parts:
            continue
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for section in ("models", "seeds"):
            for entry in document.get(section) or []:
                for column in entry.get("columns") or []:
                    extra = set(column) - known
                    if extra:
                        wrong.append(f"{path.name}: {entry['name']}.{column.get('name')} {sorted(map(str, extra))}")
    assert wrong == []
