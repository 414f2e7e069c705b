"""Every seed, model, column and singular test is described, so dbt docs and BI comments are whole.

Reads the manifest and the warehouse of a freshly built copy of the project: a column a model
produces but its yml does not describe is caught as well as an empty description.
"""

import json

import duckdb


def test_every_node_and_column_is_described(shared_built_project):
    manifest = json.loads((shared_built_project.root / "target" / "manifest.json").read_text())
    warehouse = shared_built_project.env()["MEDRES_DUCKDB_PATH"]
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
            for column in built_columns:
                if not node["columns"].get(column, {}).get("description", "").strip():
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
