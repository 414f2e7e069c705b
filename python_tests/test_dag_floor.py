"""The same-DAG floor of `make bench` (bench/dag_floor.py) has the project's graph.

It is generated from the manifest of the session's built copy of the project, parsed by dbt
(one `dbt parse`, about 4 s), and its own manifest must hold the same nodes (unique ids, so the
same names and generic-test arguments), the same languages and materializations, and the same
dependency edges, exposures included. The bench's one-model floor runs on the project's profile,
so on the same thread count (MEDRES_DBT_THREADS).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from medres.dbt_environment import dbt_environment

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import dag_floor
import run as bench

DBT = Path(sys.executable).parent / "dbt"


@pytest.fixture(scope="module")
def manifests(shared_built_project, tmp_path_factory):
    """(the project's manifest, the generated floor's manifest after `dbt parse`)."""
    original = json.loads((shared_built_project.root / "target/manifest.json").read_text(encoding="utf-8"))
    floor = dag_floor.generate(original, shared_built_project.root,
                               tmp_path_factory.mktemp("dag-floor") / "project")
    completed = subprocess.run([str(DBT), "parse"], cwd=floor, capture_output=True, text=True, check=False,
                               env=dbt_environment(floor, floor / "floor.duckdb"), timeout=300)
    assert completed.returncode == 0, completed.stdout[-4000:]
    return original, json.loads((floor / "target/manifest.json").read_text(encoding="utf-8"))


def test_same_nodes_and_edges(manifests):
    original, floor = manifests
    assert set(floor["nodes"]) == set(original["nodes"])
    assert set(floor["exposures"]) == set(original["exposures"])
    assert dag_floor.edges(floor) == dag_floor.edges(original)
    assert sum(len(parents) for parents in dag_floor.edges(original).values()) > len(original["nodes"])


def test_same_kind_of_work_per_node(manifests):
    original, floor = manifests
    for unique_id, node in original["nodes"].items():
        copy = floor["nodes"][unique_id]
        assert (copy.get("language"), copy["config"]["materialized"]) == \
            (node.get("language"), node["config"]["materialized"]), unique_id
        assert bool(copy.get("test_metadata")) == bool(node.get("test_metadata")), unique_id


def test_floor_nodes_do_trivial_work(manifests):
    _, floor = manifests
    for node in floor["nodes"].values():
        if node["resource_type"] == "model":
            assert "select 1 as x" in node["raw_code"]
            assert not node["config"]["persist_docs"] and not node["config"]["contract"]["enforced"]
        elif node["resource_type"] == "test" and not node.get("test_metadata"):
            assert node["raw_code"].rstrip().endswith("select 1 as x where false")


def test_package_tests_are_refused(tmp_path):
    manifest = {
        "metadata": {"project_name": "p"},
        "nodes": {"test.p.t": {
            "unique_id": "test.p.t", "package_name": "p", "resource_type": "test", "name": "t",
            "original_file_path": "models/x.yml", "attached_node": "model.p.m",
            "test_metadata": {"name": "expression_is_true", "namespace": "dbt_utils", "kwargs": {}},
            "config": {}, "depends_on": {"nodes": []}}},
    }
    (tmp_path / "src").mkdir()
    (tmp_path / "src/dbt_project.yml").write_text("name: p\nprofile: p\n", encoding="utf-8")
    (tmp_path / "src/profiles.yml").write_text("p: {}\n", encoding="utf-8")
    with pytest.raises(dag_floor.UnsupportedManifest, match=r"dbt_utils\.expression_is_true"):
        dag_floor.generate(manifest, tmp_path / "src", tmp_path / "floor")


def test_trivial_floor_reads_the_thread_count(tmp_path, monkeypatch):
    """The one-model floor runs on the project's profiles.yml, so MEDRES_DBT_THREADS sets its
    threads as it sets the project's (both sides of the bench's ratio on the same threads), and
    the bench reads the count each build ran with from its log."""
    monkeypatch.setenv("MEDRES_DBT_THREADS", "2")
    measured = bench.measure("floor", bench.trivial_project(tmp_path / "trivial"), [], "warm")
    assert measured.summary.startswith("PASS=1 ")
    assert measured.threads == 2
