"""`make help` lists every target the Makefile documents, and VARS reaches the build's commands."""

import os
import re
import subprocess
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def make(*arguments: str) -> str:
    # Under `make test VARS=...` the calling make's flags and VARS are in the environment; this
    # make must see only the arguments given here.
    env = {key: value for key, value in os.environ.items()
           if key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MEDRES_VARS")}
    completed = subprocess.run(["make", "--no-print-directory", *arguments], cwd=PROJECT, env=env,
                               capture_output=True, text=True, timeout=60, check=True)
    return completed.stdout


def test_help_lists_every_documented_target() -> None:
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    documented = re.findall(r"^([a-z-]+):[^#\n]*## ", makefile, flags=re.MULTILINE)
    phony = re.search(r"^\.PHONY: (.*)$", makefile, flags=re.MULTILINE).group(1).split()
    assert set(phony) <= set(documented) | {"clean"} and "clean" in documented
    listed = re.findall(r"^  make (\S+) ", make("help"), flags=re.MULTILINE)
    assert listed == documented


def test_vars_reach_seedcheck_and_dbt_build() -> None:
    """A dry run: VARS is handed over through the environment, so quotes need no escaping."""
    commands = make("-n", "-o", "venv", "build", "VARS={medres_rsr_grades: 3}")
    assert 'medres.seedcheck --vars "$MEDRES_VARS"' in commands
    assert 'medres.build --publish --vars "$MEDRES_VARS"' in commands
    plain = make("-n", "-o", "venv", "build")
    assert "--vars" not in plain
    report = make("-n", "-o", "venv", "report", "VARS={medres_rsr_grades: 3}")
    assert 'medres.buildsettings --published published --vars "$MEDRES_VARS"' in report
