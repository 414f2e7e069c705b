"""Benchmarks of the dbt build: prints figures, asserts nothing.

In one run, each in a fresh temporary directory with a fresh DuckDB warehouse (the project's own
warehouse/, published/, target/ and logs/ are never touched):

1. ``floor``: a trivial one-model dbt-duckdb project (``select 1``), the fixed cost of starting dbt,
   parsing and connecting;
2. ``province``: ``dbt build`` of a copy of the whole project (seeds, models, data tests), with
   the cost of each Python model and the slowest nodes from ``target/run_results.json``;
3. ``county``: the same build on synthetic county-level seeds (bench/generate_counties.py: 2,851
   units x 2011-2020) with ``medres_expected_units=2851`` and ``medres_national_totals`` set to the
   synthetic study-year sums; tests that compare the unchanged (province-level) Fudan seeds with
   the county reference cannot hold there and are excluded (``COUNTY_EXCLUDES``).

Wall time and peak memory come from ``/usr/bin/time -v`` when present (its maximum resident set
size is that of the largest process of the tree; dbt-duckdb runs models, Python models included,
in threads of one process, so that is the build's peak). Without it, a small Python wrapper reports
``getrusage(RUSAGE_CHILDREN).ru_maxrss``, which means the same.

Usage: ``python bench/run.py [--keep]`` (``--keep`` leaves the temporary directories for profiling).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_counties import UNITS, generate  # noqa: E402

from medres.dbt_environment import dbt_environment  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).parent / "dbt"
TIME = Path("/usr/bin/time")
# What a dbt run needs from the project; the rest (.venv, warehouse, published, ...) is not copied.
PROJECT_PARTS = ["dbt_project.yml", "profiles.yml", "models", "seeds", "macros", "tests", "analyses"]
# The Fudan seeds stay province-level in the county scenario: their region codes are not county
# codes, so the hospital-province relationship/name tests and the quality-lens tests (which need
# every ranked hospital located in a unit; with none located the shares are 0/0) are excluded there.
COUNTY_EXCLUDES = [
    "fct_province_quality_scores,test_type:generic",
    "stg_fudan__hospital_provinces,test_type:generic",
    "relationships_int_hospital_rankings_located_region_code__region_code__ref_int_region_names_",
    "assert_hospital_scores_add_up",
    "assert_quality_default_edition",
    "assert_quality_shares_sum_to_one",
]
TARGETS = {"project / floor": 1.5, "county / province": 2.0, "county peak GiB": 1.0}
TRIVIAL_PROJECT = """name: trivial
version: "1.0"
config-version: 2
profile: trivial
model-paths: ["models"]
"""
TRIVIAL_PROFILE = """trivial:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('MEDRES_DUCKDB_PATH') }}"
      threads: 2
"""
# Measures a command without /usr/bin/time: wall seconds and peak RSS (KiB) of its process tree.
RUSAGE_WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "wall = time.perf_counter() - start\n"
    "print(f'wall={wall} maxrss={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@dataclass
class Measurement:
    """One dbt build: wall seconds, peak RSS in MiB, and where its run_results.json is."""

    name: str
    wall_s: float
    peak_mib: float
    run_results: Path
    summary: str
    failing: list[str]


def measure(name: str, project: Path, arguments: list[str]) -> Measurement:
    """Run ``dbt build`` in ``project`` on a fresh warehouse and measure it."""
    environment = dbt_environment(project, project / "bench.duckdb")
    command = [str(DBT), "build", *arguments]
    if TIME.exists():
        command = [str(TIME), "-v", *command]
    else:
        command = [sys.executable, "-c", RUSAGE_WRAPPER, *command]
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=project, env=environment, capture_output=True, text=True)
    fallback_wall = time.perf_counter() - started
    run_results = project / "target/run_results.json"
    if not run_results.exists():
        sys.stdout.write(completed.stdout[-6000:])
        raise SystemExit(f"bench: dbt build of {name} did not run (exit {completed.returncode})")
    if TIME.exists():
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", completed.stderr)[1])
        clock = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", completed.stderr)
        wall = int(clock[1] or 0) * 3600 + int(clock[2]) * 60 + float(clock[3])
    else:
        found = re.search(r"wall=([\d.]+) maxrss=(\d+)", completed.stderr)
        wall, rss = (float(found[1]), int(found[2])) if found else (fallback_wall, 0)
    summary = next((line for line in completed.stdout.splitlines() if "Done. PASS=" in line), "")
    # A failing data test does not invalidate the timing, but it skips what depends on it: report it.
    failing = [r["unique_id"] for r in json.loads(run_results.read_text(encoding="utf-8"))["results"]
               if r["status"] in ("fail", "error")]
    return Measurement(name, wall, rss / 1024, run_results, summary.split("Done. ")[-1], failing)


def copy_project(destination: Path) -> Path:
    """A copy of the parts of the project dbt reads."""
    destination.mkdir(parents=True)
    for part in PROJECT_PARTS:
        source = PROJECT / part
        if source.is_dir():
            shutil.copytree(source, destination / part)
        elif source.exists():
            shutil.copy2(source, destination / part)
    return destination


def trivial_project(destination: Path) -> Path:
    """The floor: one ``select 1`` model, same adapter and thread count as the project."""
    (destination / "models").mkdir(parents=True)
    (destination / "dbt_project.yml").write_text(TRIVIAL_PROJECT, encoding="utf-8")
    (destination / "profiles.yml").write_text(TRIVIAL_PROFILE, encoding="utf-8")
    (destination / "models/one.sql").write_text("select 1 as one\n", encoding="utf-8")
    return destination


def node_timings(run_results: Path) -> list[tuple[str, str, float]]:
    """(unique_id, language, execution seconds) of every node of a run, slowest first."""
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    manifest = json.loads((run_results.parent / "manifest.json").read_text(encoding="utf-8"))
    rows = []
    for result in results:
        node = manifest["nodes"].get(result["unique_id"], {})
        rows.append((result["unique_id"], node.get("language", "-"), float(result["execution_time"])))
    return sorted(rows, key=lambda row: row[2], reverse=True)


def print_profile(measurement: Measurement, top: int = 8) -> None:
    """Python model costs and the slowest nodes of a build."""
    timings = node_timings(measurement.run_results)
    python = [row for row in timings if row[1] == "python"]
    print(f"\n  {measurement.name}: Python models ({len(python)}, "
          f"{sum(row[2] for row in python):.2f} s in total, execution time):")
    for unique_id, _, seconds in python:
        print(f"    {seconds:7.2f} s  {unique_id.split('.')[-1]}")
    sql_total = sum(row[2] for row in timings if row[1] == "sql" and row[0].startswith("model."))
    tests = [row for row in timings if row[0].startswith("test.")]
    seeds = [row for row in timings if row[0].startswith("seed.")]
    print(f"  {measurement.name}: SQL models {sql_total:.2f} s, {len(tests)} tests "
          f"{sum(r[2] for r in tests):.2f} s, {len(seeds)} seeds {sum(r[2] for r in seeds):.2f} s "
          "(node times overlap: 2 threads)")
    print(f"  {measurement.name}: slowest {top} nodes:")
    for unique_id, language, seconds in timings[:top]:
        print(f"    {seconds:7.2f} s  {unique_id}")


def verdict(value: float, target: float) -> str:
    return "meets" if value <= target else "MISSES"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    arguments = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="medres-bench-"))
    try:
        floor = measure("floor", trivial_project(work / "trivial"), [])
        province = measure("province", copy_project(work / "province"), [])

        county_project = copy_project(work / "county")
        started = time.perf_counter()
        totals = generate(PROJECT, county_project / "seeds")
        generation_s = time.perf_counter() - started
        national = {name: {"expected": value, "tolerance": 0.0 if name == "institutions" else 0.005}
                    for name, value in totals.items()}
        # Technicians are empty in the county seeds; the test allows that, but the var must exist.
        national["health_technicians_10k"] = {"expected": 0, "tolerance": 0.0}
        county_vars = {"medres_expected_units": UNITS, "medres_year": 2020,
                       "medres_national_totals": national}
        county = measure("county", county_project,
                         ["--vars", json.dumps(county_vars), "--exclude", *COUNTY_EXCLUDES])

        print(f"dbt build, fresh DuckDB warehouse each ({'/usr/bin/time -v' if TIME.exists() else 'getrusage'}):")
        print(f"  {'build':<10}{'wall s':>9}{'peak MiB':>10}  result")
        for m in (floor, province, county):
            print(f"  {m.name:<10}{m.wall_s:>9.2f}{m.peak_mib:>10.0f}  {m.summary}")
            for unique_id in m.failing:
                print(f"{'':>31}failed: {unique_id}")
        print(f"  (county seeds generated in {generation_s:.1f} s, not included; "
              f"{UNITS} units x 10 years; national totals 2020 {totals})")
        project_ratio = province.wall_s / floor.wall_s
        county_ratio = county.wall_s / province.wall_s
        county_peak_gib = county.peak_mib / 1024
        print("\nTargets:")
        print(f"  project / floor wall   {project_ratio:5.2f}x  (target <= {TARGETS['project / floor']}x: "
              f"{verdict(project_ratio, TARGETS['project / floor'])})")
        print(f"  county / province wall {county_ratio:5.2f}x  (target <= {TARGETS['county / province']}x: "
              f"{verdict(county_ratio, TARGETS['county / province'])})")
        print(f"  county peak memory     {county_peak_gib:5.2f} GiB (target <= "
              f"{TARGETS['county peak GiB']} GiB: {verdict(county_peak_gib, TARGETS['county peak GiB'])});"
              f" province peak {province.peak_mib:.0f} MiB, {county.peak_mib / province.peak_mib:.2f}x")
        print_profile(province)
        print_profile(county)
    finally:
        if arguments.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
