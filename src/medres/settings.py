"""The medres settings (the dbt vars ``medres_*``) as dbt resolves them: the one reader.

Every Python entry point that needs the settings of a build it is about to start (the seed check,
the published-settings check of report, figures and the great-expectations gate) calls
:func:`resolve`; what a finished build used is its published ``dim_build_settings``. dbt resolves a
var as: the project's ``vars:`` in ``dbt_project.yml``, each replaced whole by ``--vars`` (parsed
by dbt's own parser), and a text value holding Jinja rendered (``{{ env_var('X') }}``) with dbt's
base context. :func:`resolve` does the same with dbt's functions, so the values agree.

It also refuses, one line each, what dbt would silently accept: a ``medres_*`` key that is no
setting (a misspelling, or ``{medres_rsr_grades:3}`` without a space, which YAML reads as one
key), with the closest setting's name; and a ``--vars`` mapping that gives only some fields of a
mapping setting, because dbt replaces the whole mapping and the missing fields would vanish.
The values themselves are checked by dbt against the spec in ``macros/medres_vars.sql`` (its
on-run-start hook), the one home of what each setting may hold; :func:`setting_names` reads the
names from there.

Usage: ``python -m medres.settings [--project-dir .] [--vars '{...}']`` prints the resolved
settings as JSON, or the problems (exit status 2).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from medres.validation import InputError

#: YAML's safe subset, parsed by libyaml when PyYAML has it (the pure-Python parser took a fifth of
#: the seed check's time).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PREFIX = "medres_"
SPEC_FILE = Path("macros") / "medres_vars.sql"
_SPEC_BLOCK = re.compile(r"\{%- set spec_yaml -%\}\n(.*?)\{%- endset -%\}", flags=re.S)


class SettingsError(InputError):
    """Settings dbt would accept but that cannot be what the user meant; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def setting_spec(project_dir: Path = Path(".")) -> dict[str, dict[str, Any]]:
    """The spec of every setting, from the macro that dbt checks the vars with."""
    path = project_dir / SPEC_FILE
    match = _SPEC_BLOCK.search(path.read_text(encoding="utf-8"))
    if not match:
        raise InputError(f"{path}: the spec block (set spec_yaml ... endset) was not found")
    return yaml.safe_load(match.group(1))


def setting_names(project_dir: Path = Path(".")) -> list[str]:
    """The names of the settings, in the spec's order."""
    return list(setting_spec(project_dir))


def parse_cli_vars(text: str | None) -> dict[str, Any]:
    """A ``--vars`` argument, parsed by dbt's own parser (YAML or JSON mapping)."""
    if not text or not text.strip():
        return {}
    # dbt's parser logs and raises a bare "Runtime Error" on bad YAML: say where it is instead.
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" at column {where.column + 1}" if where else ""
        raise SettingsError([f"--vars {text!r} is not valid YAML{at}: "
                             f"{getattr(error, 'problem', None) or error}"]) from error
    if not isinstance(loaded, dict):
        raise SettingsError([f"--vars {text!r} must be a mapping such as '{{medres_rsr_grades: 3}}'"])
    from dbt.config.utils import parse_cli_vars as dbt_parse_cli_vars

    parsed = dbt_parse_cli_vars(text)
    return dict(parsed)


def project_vars(project_dir: Path = Path(".")) -> dict[str, Any]:
    """The ``vars:`` of ``dbt_project.yml`` (project-level ones, as dbt reads them)."""
    path = project_dir / "dbt_project.yml"
    project = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
    return dict(project.get("vars") or {})


def resolve(project_dir: Path = Path("."), overrides: str | None = None) -> dict[str, Any]:
    """Every var's value as dbt will use it in a build with ``--vars overrides`` (the settings
    of the spec first, a setting the project does not declare as null, as dbt's var() default).

    Raises :class:`SettingsError` listing every unknown ``medres_*`` key and every partial
    override of a mapping setting.
    """
    spec = setting_spec(project_dir)
    defaults = project_vars(project_dir)
    given = parse_cli_vars(overrides)
    problems = [
        *_unknown_keys(defaults, spec, "dbt_project.yml vars"),
        *_unknown_keys(given, spec, "--vars"),
        *_partial_mappings(given, defaults, spec),
    ]
    if problems:
        raise SettingsError(problems)
    merged = {**{name: None for name in spec}, **defaults, **given}
    return {name: _rendered(value, merged) for name, value in merged.items()}


def _unknown_keys(variables: dict[str, Any], spec: dict[str, Any], where: str) -> list[str]:
    problems = []
    for key in variables:
        if not str(key).startswith(PREFIX) or key in spec:
            continue
        close = difflib.get_close_matches(str(key), spec, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else "; see the settings in dbt_project.yml"
        if ":" in str(key):
            hint += " (YAML needs a space after the colon: 'name: value')"
        problems.append(f"{where}: {key!r} is not a medres setting{hint}")
    return problems


def _partial_mappings(given: dict[str, Any], defaults: dict[str, Any],
                      spec: dict[str, Any]) -> list[str]:
    """dbt replaces a mapping var whole: an override naming only some fields would drop the rest."""
    problems = []
    for name, value in given.items():
        rule, default = spec.get(name) or {}, defaults.get(name)
        if rule.get("type") != "mapping" or not isinstance(value, dict) or not isinstance(default, dict):
            continue
        missing = [field for field in default if field not in value]
        if missing:
            problems.append(
                f"--vars {name}: dbt replaces the whole mapping, so this override would drop "
                f"{', '.join(missing)}; give every field (the defaults are in dbt_project.yml)")
    return problems


def _rendered(value: Any, variables: dict[str, Any]) -> Any:
    """A text value holding Jinja, rendered as dbt's var() renders it (other values as they are)."""
    if not isinstance(value, str) or ("{{" not in value and "{%" not in value):
        return value
    from dbt.clients.jinja import get_rendered
    from dbt.context.base import generate_base_context
    from dbt_common.context import set_invocation_context

    set_invocation_context(dict(os.environ))
    return get_rendered(value, generate_base_context(variables))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project-dir", type=Path, default=Path("."))
    parser.add_argument("--vars", default=None, help="as dbt's --vars (a YAML mapping)")
    arguments = parser.parse_args(argv)
    try:
        settings = resolve(arguments.project_dir, arguments.vars)
    except SettingsError as error:
        for problem in error.problems:
            print(f"medres settings: {problem}", file=sys.stderr)
        return 2
    print(json.dumps(settings, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
