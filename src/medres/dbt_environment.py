"""The environment for running dbt on a copy of the project (tests, benchmarks).

One place for what every such run needs: the copy's profiles.yml, its own DuckDB warehouse (never
the working tree's, which another build may hold open), and no telemetry or version check (there
is no network).
"""

from __future__ import annotations

import os
from pathlib import Path


def dbt_environment(project: Path, warehouse: Path) -> dict[str, str]:
    """``os.environ`` plus the settings that point dbt at ``project`` and ``warehouse``."""
    return {
        **os.environ,
        "DBT_PROFILES_DIR": str(project),
        "MEDRES_DUCKDB_PATH": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
        "DBT_USE_COLORS": "false",
        "DO_NOT_TRACK": "1",
    }
