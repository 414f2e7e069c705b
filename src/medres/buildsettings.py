"""Check that the published marts were built with the settings a command was given.

``make report VARS='{medres_rsr_grades: 3}'`` (and ``make figures`` / ``make validate``) must not
render the marts of an earlier build made with other settings without a word. The published
``dim_build_settings`` records every medres setting (dbt var) the marts were built with; this
module compares it with the settings a build with these ``--vars`` would use
(:func:`medres.settings.resolve`), and exits with status 1 naming every setting that differs and
the command that rebuilds with the wanted settings.

Usage: ``python -m medres.buildsettings [--published DIR] [--project dbt_project.yml]
[--vars '{...}']``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import duckdb

from medres import settings

SETTINGS_MART = "dim_build_settings"


def wanted_settings(project_file: Path, overrides: str | None = None) -> dict[str, Any]:
    """The settings a build of ``project_file``'s project with ``--vars overrides`` would use."""
    return settings.resolve(project_file.parent, overrides)


def published_settings(published: Path) -> dict[str, Any]:
    """The settings recorded in ``published/medres.duckdb``'s dim_build_settings."""
    database = published / "medres.duckdb"
    if not database.exists():
        raise FileNotFoundError(f"{database} does not exist: run `make build` first")
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            f"select setting, value_json from {SETTINGS_MART} order by setting").fetchall()
    return {setting: json.loads(value) for setting, value in rows}


def differences(published: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    """One line per recorded setting whose published value is not the wanted one."""
    return [
        f"{name} = {json.dumps(value)} (wanted: {json.dumps(wanted[name])})"
        for name, value in sorted(published.items())
        if name in wanted and value != wanted[name]
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=Path("published"))
    parser.add_argument("--project", type=Path, default=Path("dbt_project.yml"))
    parser.add_argument("--vars", default=None,
                        help="the settings wanted, as dbt's --vars (a YAML mapping)")
    arguments = parser.parse_args(argv)
    try:
        found = differences(published_settings(arguments.published),
                            wanted_settings(arguments.project, arguments.vars))
    except (FileNotFoundError, settings.SettingsError) as error:
        print(f"medres.buildsettings: {error}", file=sys.stderr)
        return 1
    if found:
        command = "make build" + (f" VARS='{arguments.vars}'" if arguments.vars else "")
        print(f"medres: {arguments.published}/ was built with other settings than these:\n  "
              + "\n  ".join(found) + f"\nrun `{command}` first", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
