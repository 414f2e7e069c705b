"""The docs name things that exist: every `make` target, `python -m` module, `medres.*` function,
model, setting and linked file that README.md and docs/*.md quote is checked against the code.
(The docs' Python examples run as doctests: pyproject.toml's --doctest-glob.)"""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

from medres import settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MODEL_PREFIXES = ("stg_", "int_", "fct_", "dim_", "sem_")


def quoted(pattern: str) -> list[tuple[str, str]]:
    """(file, match) for every match of ``pattern`` (multi-line mode) in the docs."""
    return [(path.name, match) for path in DOCS
            for match in re.findall(pattern, path.read_text(encoding="utf-8"), flags=re.M)]


def test_every_make_target_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    named = quoted(r"(?:`|^)make ([a-z][a-z-]+)")
    missing = [(name, target) for name, target in named if target not in targets]
    assert named and missing == []


def test_every_python_module_named_exists():
    named = quoted(r"python3? -m (medres\.[a-z_]+)")
    missing = [(name, module) for name, module in named if importlib.util.find_spec(module) is None]
    assert named and missing == []


def test_every_medres_function_named_exists():
    def resolves(dotted: str) -> bool:
        parts = dotted.split(".")
        for split in range(len(parts), 1, -1):
            module_name = ".".join(parts[:split])
            try:
                if importlib.util.find_spec(module_name) is None:
                    continue
            except ModuleNotFoundError:  # a function's name taken for a submodule
                continue
            target = importlib.import_module(module_name)
            for attribute in parts[split:]:
                if not hasattr(target, attribute):
                    return False
                target = getattr(target, attribute)
            return True
        return False

    named = [(name, dotted) for name, dotted in quoted(r"`(medres\.[a-z_]+(?:\.[A-Za-z_]+)*)")
             if not dotted.startswith("medres.duckdb")]  # the published file, not a module
    missing = sorted({(name, dotted) for name, dotted in named if not resolves(dotted)})
    assert named and missing == []


def test_every_model_named_exists():
    models = {path.stem for path in (ROOT / "models").rglob("*") if path.suffix in (".sql", ".py")}
    seeds = {path.stem for path in (ROOT / "seeds").rglob("*.csv")}
    named = quoted("`((?:" + "|".join(MODEL_PREFIXES) + ")[a-z0-9_]+)`")
    missing = sorted({(name, model) for name, model in named if model not in models | seeds})
    assert named and missing == []


def test_every_setting_named_exists():
    known = set(settings.resolve(ROOT))
    named = quoted(r"`(medres_[a-z0-9_]*[a-z0-9])(?![a-z0-9_*])")  # not a prefix like medres_rsr_*
    missing = sorted({(name, var) for name, var in named if var not in known})
    assert named and missing == []


@pytest.mark.parametrize("path", DOCS, ids=lambda path: path.name)
def test_every_relative_link_resolves(path: Path):
    links = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8"))
    assert [link for link in links if not (path.parent / link).exists()] == []
