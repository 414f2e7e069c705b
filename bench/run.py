"""Benchmarks of the dbt build: prints figures, asserts nothing.

In one run, each in a fresh temporary directory with a fresh DuckDB warehouse (the project's own
warehouse/, published/, target/ and logs/ are never touched):

1. ``floor``: a trivial one-model dbt-duckdb project (``select 1``), the fixed cost of starting dbt,
   parsing and connecting;
2. ``province``: ``dbt build`` of a copy of the whole project (seeds, models, data tests) — the
   provincial panel 2016-2024 and the prefecture-city panel (2000-2020, ~290 cities a year) —,
   with the cost of each Python model and the slowest nodes from ``target/run_results.json``;
3. ``province, no city``: the same build without the city panel (``--exclude`` of every node whose
   name holds ``city`` and of what is built on them, such as the HEAT measures of both levels:
   ``CITY_NODES``). The real city panel is the scale test: the whole build
   over this one is what ~5,000 city-years add (target <= 1.3x, peak <= 0.5 GiB). It replaces the
   synthetic county panel of the first benchmarks, which drew values instead of reading them.

Wall time and peak memory come from ``/usr/bin/time -v`` when present (its maximum resident set
size is that of the largest process of the tree; dbt-duckdb runs models, Python models included,
in threads of one process, so that is the build's peak). Without it, a small Python wrapper reports
``getrusage(RUSAGE_CHILDREN).ru_maxrss``, which means the same.

4. ``same-DAG floor``: a dbt project with the province build's DAG (bench/dag_floor.py, generated
   from the manifest of a parsed copy of the project: the same seeds, models, Python models, data
   tests and exposures, each node doing trivial work), built the same way. ``province`` over it is
   what the project adds on top of dbt's own cost per node; its runs are paired with the province
   runs (adjacent, in alternating order) and the median of the paired ratios is reported.

5. ``province, no tests``: the province build of a copy with every data test removed (``tests/``
   and all ``data_tests:`` entries, so none is parsed or run): what the seeds and models alone
   cost, a lower bound for any version of the project that keeps its models.

Each build is split into phases read from its ``logs/dbt.log``: start-up (interpreter and imports,
before dbt's first log line, plus exit), parse, execution of the nodes, and the rest (artifacts).
Floor and province builds are repeated (``--repeat``, default 5, each on a fresh copy) and their
median reported, because single runs on a shared 2-core machine vary by 10-20 %.

Parsing: ``--parse warm`` (the default) runs ``dbt parse`` in each fresh copy, untimed, before the
timed ``dbt build``, so the build reuses dbt's partial-parse state as a repeated ``make build``
does (the build fails if dbt cannot reuse it); ``--parse cold`` times the full parse of a fresh
checkout. Either way the warehouse and the logs are new for the timed build.

Usage: ``python bench/run.py [--keep] [--repeat N] [--parse warm|cold]`` (``--keep`` leaves the
temporary directories for profiling).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dag_floor

from medres.dbt_environment import dbt_environment

PROJECT = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).parent / "dbt"
TIME = Path("/usr/bin/time")
# What a dbt run needs from the project; the rest (.venv, warehouse, published, ...) is not copied.
PROJECT_PARTS = ["dbt_project.yml", "profiles.yml", "models", "seeds", "macros", "tests", "analyses"]
# Every node of the city panel (seeds, models, their tests): their names all hold "city".
CITY_NODES = ["fqn:*city*+"]
TARGETS = {"project / floor": 1.5, "project / same-DAG floor": 1.20, "province / no city": 1.3,
           "province peak GiB": 0.5}
# The floor runs on the project's own profiles.yml (adapter, warehouse setting, thread count).
TRIVIAL_PROJECT = """name: trivial
version: "1.0"
config-version: 2
profile: medres
model-paths: ["models"]
"""
# Measures a command without /usr/bin/time: wall seconds and peak RSS (KiB) of its process tree.
RUSAGE_WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "wall = time.perf_counter() - start\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(f'wall={wall} maxrss={usage.ru_maxrss} cpu={usage.ru_utime + usage.ru_stime}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@dataclasses.dataclass
class Measurement:
    """One dbt build: wall and CPU (user + system) seconds, peak RSS in MiB, and where its
    run_results.json is."""

    name: str
    wall_s: float
    cpu_s: float
    peak_mib: float
    run_results: Path
    summary: str
    failing: list[str]
    phases: dict[str, float]
    threads: int


def measure(name: str, project: Path, arguments: list[str], parse: str,
            parse_arguments: list[str] | None = None) -> Measurement:
    """Run ``dbt build`` in ``project`` on a fresh warehouse and measure it.

    ``parse="warm"`` first runs ``dbt parse`` (with ``parse_arguments``, e.g. the same ``--vars``),
    untimed, then removes its logs and any warehouse file, so only the build is timed and logged.
    """
    environment = dbt_environment(project, project / "bench.duckdb")
    if parse == "warm":
        parsed = subprocess.run([str(DBT), "parse", *(parse_arguments or [])], cwd=project,
                                env=environment, capture_output=True, text=True, check=False)
        if parsed.returncode != 0:
            sys.stdout.write(parsed.stdout[-6000:])
            raise SystemExit(f"bench: dbt parse of {name} failed (exit {parsed.returncode})")
        shutil.rmtree(project / "logs", ignore_errors=True)
        for warehouse in project.glob("bench.duckdb*"):
            warehouse.unlink()
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
        cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", completed.stderr)[1])
                  for kind in ("User", "System"))
    else:
        found = re.search(r"wall=([\d.]+) maxrss=(\d+) cpu=([\d.]+)", completed.stderr)
        wall, rss, cpu = (float(found[1]), int(found[2]), float(found[3])) if found else (fallback_wall, 0, 0.0)
    summary = next((line for line in completed.stdout.splitlines() if "Done. PASS=" in line), "")
    # A failing data test does not invalidate the timing, but it skips what depends on it: report it.
    failing = [r["unique_id"] for r in json.loads(run_results.read_text(encoding="utf-8"))["results"]
               if r["status"] in ("fail", "error")]
    log = project / "logs/dbt.log"
    log_text = log.read_text(encoding="utf-8")
    # dbt says "Unable to do partial parsing" when the state is stale, and "Failed to load parsed
    # file" when it cannot read it back (e.g. a yml key that is not a string); both mean a full parse.
    if parse == "warm" and any(sign in log_text for sign in (
            "Unable to do partial parsing", "Failed to load parsed file")):
        raise SystemExit(f"bench: the warm build of {name} did not reuse the partial parse ({log})")
    threads = int(re.search(r"\]: Concurrency: (\d+) threads", log_text)[1])
    return Measurement(name, wall, cpu, rss / 1024, run_results, summary.split("Done. ")[-1], failing,
                       build_phases(log_text, wall), threads)


# dbt.log lines that open and close each phase of a build (the first match of each counts;
# "Finished running <count> ..." is the summary line, not a node's "Finished running node ...").
PHASE_MARKS = {
    "dbt start": re.compile(r"\]: Running with dbt="),
    "parse end": re.compile(r"\]: Found \d"),
    "execution start": re.compile(r"\]: Concurrency: "),
    "execution end": re.compile(r"\]: Finished running \d"),
    "dbt end": re.compile(r"\]: Command `dbt build`"),
}
LOG_TIME = re.compile(r"(\d{2}):(\d{2}):(\d{2}\.\d+) \[")


def build_phases(log: str, wall: float) -> dict[str, float]:
    """Seconds of start-up (interpreter, imports, exit), parse, execution and the rest of a build.

    Parse runs from dbt's first log line to "Found ..."; execution from "Concurrency" to "Finished
    running"; start-up is the wall time outside dbt's own first and last log lines.
    """
    marks: dict[str, float] = {}
    for line in log.splitlines():
        for mark, pattern in PHASE_MARKS.items():
            if mark not in marks and pattern.search(line) and (found := LOG_TIME.search(line)):
                marks[mark] = int(found[1]) * 3600 + int(found[2]) * 60 + float(found[3])
    missing = sorted(set(PHASE_MARKS) - set(marks))
    if missing:
        raise SystemExit(f"bench: the build's logs/dbt.log lacks the phase mark(s) {missing}")

    def between(start: str, end: str) -> float:
        # The log holds times of day only: a build running past midnight wraps around.
        return (marks[end] - marks[start]) % 86400

    inside = between("dbt start", "dbt end")
    parse = between("dbt start", "parse end")
    execution = between("execution start", "execution end")
    return {"start-up": wall - inside, "parse": parse, "execution": execution,
            "other": inside - parse - execution}


def median_measurement(runs: list[Measurement]) -> Measurement:
    """The run of median wall time, with the highest peak memory of all runs."""
    middle = sorted(runs, key=lambda run: run.wall_s)[len(runs) // 2]
    return dataclasses.replace(middle, peak_mib=max(run.peak_mib for run in runs))


def copy_project(destination: Path, data_tests: bool = True) -> Path:
    """A copy of the parts of the project dbt reads.

    ``data_tests=False`` leaves out ``tests/`` and every ``data_tests:`` entry of the yml files, so
    dbt neither parses nor runs any data test: the project as if it had none.
    """
    destination.mkdir(parents=True)
    for part in PROJECT_PARTS:
        source = PROJECT / part
        if part == "tests" and not data_tests:
            continue
        if source.is_dir():
            shutil.copytree(source, destination / part)
        elif source.exists():
            shutil.copy2(source, destination / part)
    if not data_tests:
        for properties in [*destination.glob("models/**/*.yml"), *destination.glob("seeds/**/*.yml")]:
            content = yaml.safe_load(properties.read_text(encoding="utf-8"))
            properties.write_text(yaml.safe_dump(without_data_tests(content), allow_unicode=True,
                                                 sort_keys=False), encoding="utf-8")
    return destination


def without_data_tests(content: object) -> object:
    """A parsed properties file with every ``data_tests`` (or legacy ``tests``) key removed."""
    if isinstance(content, dict):
        return {key: without_data_tests(value) for key, value in content.items()
                if key not in ("data_tests", "tests")}
    if isinstance(content, list):
        return [without_data_tests(value) for value in content]
    return content


def trivial_project(destination: Path) -> Path:
    """The floor: one ``select 1`` model on the project's profile (adapter and thread count)."""
    (destination / "models").mkdir(parents=True)
    (destination / "dbt_project.yml").write_text(TRIVIAL_PROJECT, encoding="utf-8")
    shutil.copy2(PROJECT / "profiles.yml", destination / "profiles.yml")
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
          "(node times overlap when dbt runs more than one thread: MEDRES_DBT_THREADS, default 1)")
    print(f"  {measurement.name}: slowest {top} nodes:")
    for unique_id, _language, seconds in timings[:top]:
        print(f"    {seconds:7.2f} s  {unique_id}")


def same_dag_template(work: Path) -> Path:
    """The same-DAG floor project, generated from the manifest of a parsed copy of the project."""
    source = copy_project(work / "same-dag-source")
    parsed = subprocess.run([str(DBT), "parse"], cwd=source, capture_output=True, text=True, check=False,
                            env=dbt_environment(source, source / "bench.duckdb"))
    if parsed.returncode != 0:
        sys.stdout.write(parsed.stdout[-6000:])
        raise SystemExit("bench: dbt parse of the project copy failed")
    manifest = json.loads((source / "target/manifest.json").read_text(encoding="utf-8"))
    return dag_floor.generate(manifest, source, work / "same-dag-template")


def above_twins(project: Measurement, floor: Measurement) -> list[tuple[str, str, float]]:
    """(unique_id, language, execution seconds above its same-DAG twin) of every project node."""
    floor_times = {unique_id: seconds for unique_id, _, seconds in node_timings(floor.run_results)}
    return [(unique_id, language, seconds - floor_times.get(unique_id, 0.0))
            for unique_id, language, seconds in node_timings(project.run_results)]


def print_above_floor(project: Measurement, floor: Measurement, top: int = 10) -> None:
    """Per node, execution time of the project's build minus that of its same-DAG twin."""
    rows = [(unique_id, extra) for unique_id, _, extra in above_twins(project, floor)]
    by_type: dict[str, float] = {}
    for unique_id, extra in rows:
        by_type[unique_id.split(".")[0]] = by_type.get(unique_id.split(".")[0], 0.0) + extra
    print(f"\n  {project.name} above its same-DAG floor (execution time per node, summed over threads): "
          + ", ".join(f"{kind}s {extra:+.2f} s" for kind, extra in sorted(by_type.items())))
    print("  phases above the floor: " + ", ".join(
        f"{phase} {project.phases[phase] - floor.phases[phase]:+.2f} s" for phase in project.phases))
    for unique_id, extra in sorted(rows, key=lambda row: row[1], reverse=True)[:top]:
        print(f"    {extra:+7.2f} s  {unique_id}")


def print_without_python_work(projects: list[Measurement], floors: list[Measurement]) -> None:
    """The paired ratio with each Python model's execution time above its twin taken out of the
    project's wall: what the build would read if the statistics cost nothing. Only with one dbt
    thread, where node times follow each other and so add up to the wall's execution phase."""
    threads = max(run.threads for run in projects)
    if threads != 1:
        print(f"\n  without the Python models' own time: not computed with {threads} dbt threads "
              "(node times overlap); run with MEDRES_DBT_THREADS=1")
        return
    ratios = []
    for project, floor in zip(projects, floors, strict=True):
        python_extra = sum(extra for _, language, extra in above_twins(project, floor) if language == "python")
        ratios.append((project.wall_s - python_extra) / floor.wall_s)
    print(f"\n  project / same-DAG floor with every Python model's time above its twin taken out: "
          f"{statistics.median(ratios):.2f}x (paired runs: "
          + ", ".join(f"{r:.2f}" for r in sorted(ratios)) + ")")


def verdict(value: float, target: float) -> str:
    return "meets" if value <= target else "MISSES"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs of the floor and province builds; the median is reported")
    parser.add_argument("--parse", choices=("warm", "cold"), default="warm",
                        help="warm: dbt parse (untimed) before each timed build; cold: full parse timed")
    arguments = parser.parse_args(argv)
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    work = Path(tempfile.mkdtemp(prefix="medres-bench-"))
    try:
        parse = arguments.parse
        same_dag = same_dag_template(work)
        # Interleaved, so a slow spell of the shared machine does not fall on one build only; the
        # province build and its same-DAG floor run next to each other, in alternating order.
        runs: dict[str, list[Measurement]] = {"floor": [], "province": [], "same-DAG floor": [],
                                              "province, no tests": [], "province, no city": []}
        for run in range(arguments.repeat):
            runs["floor"].append(measure("floor", trivial_project(work / f"trivial-{run}"), [], parse))
            pair = [("province", lambda run=run: copy_project(work / f"province-{run}")),
                    ("same-DAG floor",
                     lambda run=run: shutil.copytree(same_dag, work / f"same-dag-{run}"))]
            for name, make_copy in pair if run % 2 == 0 else reversed(pair):
                runs[name].append(measure(name, make_copy(), [], parse))
            runs["province, no tests"].append(measure(
                "province, no tests", copy_project(work / f"province-no-tests-{run}", data_tests=False), [],
                parse))
            runs["province, no city"].append(measure(
                "province, no city", copy_project(work / f"province-no-city-{run}"),
                ["--exclude", *CITY_NODES], parse))
        floor, province, dag, models_only, no_city = (
            median_measurement(measured) for measured in runs.values())
        paired = sorted(p.wall_s / d.wall_s for p, d in zip(runs["province"], runs["same-DAG floor"]))
        paired_ratio = statistics.median(paired)

        print(f"dbt build, fresh copy and DuckDB warehouse each, {parse} parse "
              f"({'untimed dbt parse before each build' if parse == 'warm' else 'fresh target/'}; "
              f"{'/usr/bin/time -v' if TIME.exists() else 'getrusage'}; floor and province builds: "
              f"median of {arguments.repeat}):")
        print(f"  {'build':<20}{'wall s':>8}{'CPU s':>7}{'peak MiB':>10}{'start-up':>10}{'parse':>7}"
              f"{'execute':>9}{'other':>7}  result")
        for m in (floor, province, dag, models_only, no_city):
            phases = "".join(f"{m.phases[phase]:>{width}.2f}" for phase, width in
                             (("start-up", 10), ("parse", 7), ("execution", 9), ("other", 7)))
            print(f"  {m.name:<20}{m.wall_s:>8.2f}{m.cpu_s:>7.2f}{m.peak_mib:>10.0f}{phases}  {m.summary}")
            for unique_id in m.failing:
                print(f"{'':>42}failed: {unique_id}")
        print("  province walls of each run: "
              + ", ".join(f"{run.wall_s:.2f}" for run in runs["province"])
              + "; same-DAG floor: " + ", ".join(f"{run.wall_s:.2f}" for run in runs["same-DAG floor"])
              + "; floor: " + ", ".join(f"{run.wall_s:.2f}" for run in runs["floor"]))
        project_ratio = province.wall_s / floor.wall_s
        city_ratio = province.wall_s / no_city.wall_s
        peak_gib = province.peak_mib / 1024
        print("\nTargets:")
        print(f"  project / floor wall   {project_ratio:5.2f}x  (target <= {TARGETS['project / floor']}x: "
              f"{verdict(project_ratio, TARGETS['project / floor'])})")
        print(f"  project / same-DAG floor {paired_ratio:5.2f}x  (target <= "
              f"{TARGETS['project / same-DAG floor']}x: {verdict(paired_ratio, TARGETS['project / same-DAG floor'])};"
              f" median of {len(paired)} paired runs: " + ", ".join(f"{ratio:.2f}" for ratio in paired)
              + f"; ratio of the medians {province.wall_s / dag.wall_s:.2f}x; CPU (user + system) "
              f"{province.cpu_s / dag.cpu_s:.2f}x)")
        print(f"  with / without the city panel wall {city_ratio:5.2f}x  (target <= "
              f"{TARGETS['province / no city']}x: {verdict(city_ratio, TARGETS['province / no city'])};"
              f" CPU {province.cpu_s / no_city.cpu_s:.2f}x)")
        print(f"  peak memory with the city panel {peak_gib:5.2f} GiB (target <= "
              f"{TARGETS['province peak GiB']} GiB: {verdict(peak_gib, TARGETS['province peak GiB'])});"
              f" without {no_city.peak_mib:.0f} MiB")
        print(f"  lower bound: province without data tests / floor {models_only.wall_s / floor.wall_s:5.2f}x"
              " (seeds and models alone)")
        print_profile(province)
        print_above_floor(province, dag)
        print_without_python_work(runs["province"], runs["same-DAG floor"])
    finally:
        if arguments.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
