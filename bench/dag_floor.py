"""A dbt project with the same DAG as a parsed project, each node doing trivial work.

``generate(manifest, project, destination)`` writes, from a project's ``target/manifest.json``, a
project that dbt builds into the same graph: the same seeds (the same CSV files, with the same seed
config), the same models under the same names and paths (SQL models as SQL models, Python models as
Python models, same materialization and schema) and the same data tests (singular tests under the
same file names, generic tests declared with the same test name, arguments and attachment, so dbt
derives the same node names). Every node does trivial work: a model is ``select 1 as x`` with a
``-- depends_on:`` comment holding the ``ref()``/``source()`` calls of the original (Python models
call ``dbt.ref()`` and return ``session.sql("select 1 as x")``), and every test returns zero rows
without reading anything (the project's generic tests, dbt's built-in ones included, are replaced
by trivial ones of the same name).

What the original adds on top of dbt's own cost per node is left out: SQL and Python work,
descriptions and docs blocks, ``persist_docs``, contracts, hooks, exposures and the project's
macros. The seeds stay the same files: they are the study's input, not the project's work, and
loading them is dbt's seed cost for that input (one-row CSVs would charge the input's size to the
project). The project name, profile (adapter, threads) and vars are the original's (test arguments
may use vars, e.g. ``expected: "{{ var('...') }}"``).

Driven by the manifest only (no node name is written here), so it follows the project as it
grows. Hooks (``on-run-start`` / ``on-run-end``, dbt's operation nodes) become as many ``select 1``
statements; unit tests become a unit test of the same name on the same model, with an empty input
for each of its parents and the trivial model's one expected row. Not supported (an error says
so): package (namespaced) generic tests, snapshots.

Usage: ``python bench/dag_floor.py MANIFEST PROJECT DESTINATION``.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import yaml

# Test config worth keeping: what changes how dbt runs a test, not what the test checks.
TEST_CONFIG_KEPT = ("severity", "where", "store_failures", "limit", "warn_if", "error_if", "fail_calc")
TEST_CONFIG_DEFAULTS = {"severity": "ERROR", "where": None, "store_failures": None, "limit": None,
                        "warn_if": "!= 0", "error_if": "!= 0", "fail_calc": "count(*)"}
# Model and seed config that shapes dbt's own work for a node (materialization, relation naming,
# seed loading); everything else (persist_docs, contract, docs, meta, hooks, ...) is the project's.
MODEL_CONFIG_KEPT = ("materialized", "schema", "database", "alias")
SEED_CONFIG_KEPT = ("schema", "database", "alias", "column_types", "quote_columns", "delimiter")
TRIVIAL_TEST = """{{% test {name}(model) %}}
{{#- A trivial stand-in for the project's test of the same name: zero rows, reads nothing. -#}}
{{%- do kwargs -%}}
{depends_on}select 1 as x where false
{{% endtest %}}
"""


class UnsupportedManifest(ValueError):
    """The manifest holds something the generator cannot reproduce faithfully."""


def generate(manifest: dict, project: Path, destination: Path) -> Path:
    """Write the same-DAG project of ``manifest`` (parsed from ``project``) into ``destination``."""
    name = manifest["metadata"]["project_name"]
    nodes = [node for node in manifest["nodes"].values() if node["package_name"] == name]
    unsupported = sorted({node["resource_type"] for node in nodes}
                         - {"seed", "model", "test", "operation"})
    if unsupported:
        raise UnsupportedManifest(f"dag_floor: cannot reproduce {unsupported} nodes")
    destination.mkdir(parents=True)
    original = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))
    dbt_project = {
        "name": name,
        "version": "1.0",
        "config-version": 2,
        "profile": original["profile"],
        "model-paths": ["models"], "seed-paths": ["seeds"], "test-paths": ["tests"],
        "macro-paths": ["macros"],
        "vars": original.get("vars", {}),
    }
    for hook in ("on-run-start", "on-run-end"):
        statements = original.get(hook) or []
        if statements:
            dbt_project[hook] = ["select 1"] * len(statements if isinstance(statements, list) else [statements])
    write(destination / "dbt_project.yml", yaml.safe_dump(dbt_project, allow_unicode=True, sort_keys=False))
    shutil.copy2(project / "profiles.yml", destination / "profiles.yml")

    properties: dict[str, list[dict]] = {"models": [], "seeds": []}
    nodes_by_name = {node["name"]: node for node in nodes if node["resource_type"] == "model"}
    entries: dict[str, dict] = {}  # unique_id -> its properties entry
    for node in sorted(nodes, key=lambda node: node["unique_id"]):
        path = destination / node["original_file_path"]
        if node["resource_type"] == "seed":
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(project / node["original_file_path"], path)
            entry = {"name": node["name"], "config": kept(node["config"], SEED_CONFIG_KEPT)}
            properties["seeds"].append(entry)
            entries[node["unique_id"]] = entry
        elif node["resource_type"] == "model":
            write(path, trivial_model(node))
            entry = {"name": node["name"], "config": kept(node["config"], MODEL_CONFIG_KEPT)}
            properties["models"].append(entry)
            entries[node["unique_id"]] = entry

    generic_tests: dict[str, list[set[str]]] = defaultdict(list)  # name -> refs of each instance
    for node in sorted(nodes, key=lambda node: node["unique_id"]):
        if node["resource_type"] != "test":
            continue
        metadata = node.get("test_metadata")
        if not metadata:  # singular: same file name, the same ref()s, zero rows
            write(destination / node["original_file_path"],
                  depends_on_comment(node) + "select 1 as x where false\n")
            continue
        if metadata.get("namespace"):
            raise UnsupportedManifest(f"dag_floor: package test {metadata['namespace']}.{metadata['name']}")
        attached = manifest["nodes"].get(node["attached_node"], {}).get("name")
        in_arguments = json.dumps(metadata["kwargs"])
        generic_tests[metadata["name"]].append(
            {call_text(ref) for ref in node.get("refs", [])
             if ref["name"] != attached and f"'{ref['name']}'" not in in_arguments})
        arguments = {key: value for key, value in metadata["kwargs"].items()
                     if key not in ("model", "column_name")}
        test: dict = {"arguments": arguments} if arguments else {}
        if not node["name"].startswith(f"{metadata['name']}_"):  # a test given its own name
            test["name"] = node["name"]
        config = {key: node["config"].get(key) for key in TEST_CONFIG_KEPT
                  if node["config"].get(key) != TEST_CONFIG_DEFAULTS[key]}
        if config:
            test["config"] = config
        entry = entries.get(node["attached_node"])
        if entry is None:
            raise UnsupportedManifest(f"dag_floor: {node['unique_id']} is attached to {node['attached_node']}")
        if node.get("column_name"):
            columns = entry.setdefault("columns", [])
            column = next((c for c in columns if c["name"] == node["column_name"]), None)
            if column is None:
                column = {"name": node["column_name"]}
                columns.append(column)
            target = column
        else:
            target = entry
        target.setdefault("data_tests", []).append({metadata["name"]: test} if test else metadata["name"])

    for test_name, instances in sorted(generic_tests.items()):
        # The ref()s the test's own macro makes (the same in every instance), so the edges stay.
        own = sorted(set.intersection(*instances))
        depends_on = "".join(f"-- depends_on: {{{{ {call} }}}}\n" for call in own)
        write(destination / "macros" / f"test_{test_name}.sql",
              TRIVIAL_TEST.format(name=test_name, depends_on=depends_on))
    (destination / "macros").mkdir(exist_ok=True)
    # Exposures are no-op nodes of ``dbt build``: same names, types and ref()s.
    properties["exposures"] = [
        {"name": exposure["name"], "type": exposure["type"],
         "owner": {key: value for key, value in exposure["owner"].items() if value},
         "depends_on": [call_text(ref) for ref in exposure.get("refs", [])]}
        for exposure in sorted(manifest.get("exposures", {}).values(), key=lambda e: e["unique_id"])
        if exposure["package_name"] == name]
    # Unit tests: same name and model; each parent given with no rows; the trivial model's one row.
    properties["unit_tests"] = [
        {"name": test["name"], "model": test["model"],
         "given": [{"input": call_text(ref), "rows": []}
                   for ref in {ref["name"]: ref for ref in nodes_by_name[test["model"]].get("refs", [])}.values()],
         "expect": {"rows": [{"x": 1}]}}
        for test in sorted(manifest.get("unit_tests", {}).values(), key=lambda t: t["unique_id"])
        if test["package_name"] == name]
    write(destination / "models" / "_dag_floor.yml",
          yaml.safe_dump({"version": 2, **{k: v for k, v in properties.items() if v}},
                         allow_unicode=True, sort_keys=False))
    return destination


def kept(config: dict, keys: tuple[str, ...]) -> dict:
    return {key: config[key] for key in keys if config.get(key) not in (None, {}, [])}


def depends_on_comment(node: dict) -> str:
    """The ``ref()`` and ``source()`` calls of a node, as dbt's ``-- depends_on:`` comment lines."""
    calls = [call_text(ref) for ref in node.get("refs", [])]
    calls.extend(f"source({source!r}, {table!r})" for source, table in node.get("sources", []))
    return "".join(f"-- depends_on: {{{{ {call} }}}}\n" for call in dict.fromkeys(calls))


def call_text(ref: dict) -> str:
    """``ref(...)`` as the original called it (a manifest ``refs`` entry)."""
    arguments = [ref["package"], ref["name"]] if ref.get("package") else [ref["name"]]
    call = "ref(" + ", ".join(repr(argument) for argument in arguments)
    return call + (f", v={ref['version']!r})" if ref.get("version") is not None else ")")


def trivial_model(node: dict) -> str:
    if node["language"] == "sql":
        return depends_on_comment(node) + "select 1 as x\n"
    if node.get("sources"):
        raise UnsupportedManifest(f"dag_floor: Python model {node['name']} reads a source")
    refs = "".join(f"    dbt.ref({ref['name']!r})\n" for ref in
                   {ref["name"]: ref for ref in node.get("refs", [])}.values())
    return f"def model(dbt, session):\n{refs}    return session.sql(\"select 1 as x\")\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def edges(manifest: dict) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(resource type, name) of every node and exposure -> those of the nodes it depends on."""
    nodes = {**manifest["nodes"], **manifest.get("exposures", {})}
    key = {unique_id: (node["resource_type"], node["name"]) for unique_id, node in nodes.items()}
    result: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for unique_id, node in nodes.items():
        result[key[unique_id]] = {key.get(parent, ("other", parent))
                                  for parent in node["depends_on"].get("nodes", [])}
    return dict(result)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    generate(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")), Path(sys.argv[2]), Path(sys.argv[3]))
