"""Preflight check of the seed CSVs, run before dbt so bad input never reaches the warehouse.

Usage: ``python -m medres.seedcheck [--seeds DIR]`` (default ``seeds``). Exit status 0 when every
seed passes (warnings may be printed), 1 when at least one error was found. Every problem is printed
on one line that names the file, the row and the column, for example::

    seeds/nbs/nbs_population.csv, row 4 (year 2016, region_code 130000), column yearend_population_10k: '-3' is not > 0

**Row numbers are those a spreadsheet shows: the header is row 1, the first data row is row 2.**
(A cell with a line break inside quotes still counts as one row, as in a spreadsheet.) The text in
parentheses repeats the row's key (the seed's first ``unique_key``) so the row can be found by
content too. Warnings are printed with the prefix ``warning:`` and do not fail the check.

Where the rules come from
-------------------------
Every ``*.yml`` under the seeds directory is read (with PyYAML). For each seed:

* ``config.column_types`` is the header: the CSV must have exactly these columns (missing, extra,
  misnamed and duplicated columns are errors; the same columns in another order only a warning,
  since dbt loads by name), and each cell must parse as its type: ``integer`` (32-bit),
  ``bigint`` (64-bit), ``double`` (a plain decimal number) or ``varchar``. Numbers must be written
  in full, in ASCII, without spaces or thousands separators: exponent notation (``1.38E+04``, what
  a spreadsheet shows for a number wider than its cell) is rejected with "write the number in
  full", because the digits it hides (13766.8 became 13800) are lost.
* ``meta:`` of a column (rules on that column's cells):

  ``required``          default **true**: an empty cell is an error; ``required: false`` allows it
                        (later rules then skip the empty cell).
  ``min`` / ``max``     inclusive bounds of a number.
  ``min_exclusive`` / ``max_exclusive``  exclusive bounds (``min_exclusive: 0`` = positive).
  ``pattern``           ``{regex: ..., means: ...}``: the whole cell must match ``regex`` (ASCII
                        classes: ``\\d`` is 0-9 only); ``means`` is how the message describes it.
  ``accepted_values``   list of the allowed texts.
  ``unique``            true: no two rows may hold the same value.
  ``references``        ``{seed: S, column: C}``: the value must occur in column C of seed S.
  ``matches_reference`` ``{seed: S, key: K, column: C}``: the value must equal column C (default:
                        this column's name) of the row of seed S whose K equals this row's K -
                        e.g. a province name must be the name ref_provinces gives its code.
  ``equals_sum_of``     ``{columns: [A, B], tolerance: T}``: |value - (A + B)| <= T (skipped when
                        a cell involved is empty).
  ``prefix_matches``    ``{digits: N, column: C}``: the first N characters of the value equal those
                        of column C of the same row (a city's GB/T 2260 code starts with its
                        province's two digits). With ``{digits: N, seed: S, from: F, key: K,
                        append: X, column: C}`` the other code is looked up instead: column C of
                        the row of seed S whose K equals this row's F followed by X (a hospital's
                        province code against the code of its city, 北京 + 市 in city_name_codes).

* ``meta:`` of the seed (rules across rows and files):

  ``unique_key``        list of columns whose combination must be unique, or a list of such lists.
  ``complete``          ``{group_by: G, column: C, seed: S}``: every group of rows with the same G
                        (e.g. each year) must hold every distinct C of seed S (e.g. every province
                        of ref_provinces). No count is hard-coded: the reference seed decides.
  ``plausible_ratios``  list of ``{numerator: N, denominator: D, denominator_seed: S, join: [..],
                        scale: X, min: a, max: b, unit: text, hint: text}``: N / D * X must lie in
                        [a, b]. Without ``denominator_seed`` D is in the same row; with it, D comes
                        from the row of S with the same ``join`` columns. Catches unit slips such as
                        beds entered in beds instead of 10,000 beds (the ratio jumps 10,000-fold).
                        N and D may be any two numeric series (technicians per personnel, too).
                        ``numerator``, ``denominator``, ``min``, ``max`` and ``unit`` are required.
  ``relation``          list of ``{left: A, op: OP, right: B, right_seed: S, join: [..], hint: text}``:
                        A OP B must hold, OP one of ``<``, ``<=``, ``>``, ``>=``, ``=`` (e.g.
                        technicians <= personnel). B comes from the same row, or with
                        ``right_seed`` from the row of S with the same ``join`` columns (rows
                        without a partner are skipped: ``complete`` reports them).
  ``year_over_year``    list of ``{column: C, key: [K..], order_by: Y, max_ratio: R,
                        acknowledged: {seed: S}}``: where the row of the same key for Y - 1 exists
                        (Y is an integer column; a gap year is not compared), the larger of the two
                        values of C divided by the smaller must be at most 1 + R. The change is
                        judged symmetrically: with R = 0.5 a rise to 1.5 times and a fall to 1/1.5
                        (-33 %) are the largest allowed; a change to, from or across zero is always
                        reported. A lost decimal point (x10) or a swapped pair of series stops the
                        build. A real change is accepted when seed S holds a row with Y, the key
                        columns and ``column`` = C (S needs these columns, plus any others such as
                        reason and source; if S has a column ``seed``, it must name this seed). The
                        message spells out the row to add. Without ``acknowledged`` nothing can be
                        accepted. If S cannot be read, the rule is skipped.
                        ``acknowledged: {seed: S, column: V, each: cell}`` names the column of S
                        that holds the series (default ``column``) and makes each row of S
                        acknowledge a printed cell rather than a change: both comparisons with
                        that cell (from the year before, to the year after) are skipped, so one
                        row accepts a one-year spike.
  ``plausible_ratios`` also takes ``acknowledged: {seed: S, key: [K..], column: V}``: a ratio is
                        accepted when S holds a row with this row's K values and V = the numerator.
  ``holds_var``         ``{column: C, var: V}``: the value of the project's var V (``--vars``
                        applied) is one of the values of C: e.g. ``medres_year`` must be a year the
                        panel has, said before dbt starts.
  ``years_match``       ``{column: Y, seed: S, mode: equal|subset}``: the distinct values of Y (the
                        years) are those of seed S (``equal``, default) or a subset of them
                        (``subset``: a series published for some years only).
  ``one_row_per_identity``  ``{column: C, seed: S, key: K, identity: I, within: [G..], means: text}``:
                        C is mapped through seed S (its column K) to an identity I; two rows of one
                        group G with the same identity are an error naming both rows (one hospital
                        listed twice in an edition, under its old and its new name).
  ``all_or_none``       ``{group_by: G, columns: [..], hint: text}``: within each group of rows with
                        the same G, each of the columns is either filled in every row or empty in
                        every row (a blank score in an edition whose other rows carry scores).
  ``may_be_empty``      true: a header without data rows is accepted (e.g. a seed of acknowledged
                        changes that lists none yet). Default false.
  (``plausible_ratios``, ``relation`` and ``year_over_year`` also accept a single mapping.)

Numbers that live in the project's settings
-------------------------------------------
A plausibility band or a year-over-year threshold is one number used by several layers (this
check and the dbt tests), so it is written once, as a dbt var in
``dbt_project.yml``, and the YAML names it instead of repeating it:

  ``plausible_ratios: {band: B, ...}``  takes ``min`` / ``max`` from ``medres_plausibility_bands[B]``;
  ``year_over_year`` without ``max_ratio`` takes it from ``medres_year_over_year_max_change[C]``;
  a column's ``band: B`` takes ``min`` / ``max`` from ``medres_plausibility_bands[B]``.

The vars are read from the ``dbt_project.yml`` beside the seeds directory, with ``--vars`` applied
on top exactly like dbt's (``--vars '{medres_plausibility_bands: {...}}'``), so one override
reaches the seed check and the build alike.

An unknown rule name, or an unknown key inside a seed rule, is itself an error (a misspelt rule
would otherwise silently check nothing). Rules live in the YAML only; this module hard-codes no
seed, column or province count. Every declared seed gets its rules, reference seeds included.

Messages that say what to fix, bounded
--------------------------------------
* A file that cannot be parsed gets one message naming the likely cause: a stray or unbalanced
  quote (at the row where the quote opens; the rest of the file is not checked, since its rows are
  misaligned), a comma at the end of every line (an unnamed empty column), full-width commas ``，``
  (U+FF0C) used as separators, a row with too many or too few cells.
* Rules that compare a file with others - its own ``complete``, ``plausible_ratios``,
  ``relation``, ``year_over_year``, ``equals_sum_of`` and the rules of other seeds that refer to it
  - run only when every row of the file was read into the header's columns; otherwise they would
  report follow-on errors (rows "missing" because a quote swallowed them). The summary says which
  files were not read completely.
* At most ``MAX_PROBLEMS_PER_RULE`` (20) problems are printed per file and rule (a column's type
  check, a unique key, a ratio, ...); one more line counts the rest. The total is in the summary.

Decisions
---------
* **Full-width characters are rejected, not normalised.** The checker never rewrites a seed: the
  CSVs are the copied source of record (seeds/SOURCES.md), and dbt loads the file as it is, so
  normalising here would pass data that still breaks joins ('１１0000' never equals '110000').
  Full-width digits and letters (U+FF10-U+FF5A) are errors in every text cell; in number cells
  any full-width character is. Full-width punctuation such as （） stays allowed in text, since
  Chinese names are written with it; keys made of it (region codes) are held to ``pattern``.
* **Spaces around a text cell are a warning** (soft): staging trims them with ``trim()`` on every
  adapter, so joins still work; the checker compares trimmed text. Any other whitespace - tab, line
  break, non-breaking space, full-width space U+3000, zero-width space - is an error, because
  ``trim()`` does not remove it on every adapter. Spaces inside or around a number are errors.
* Other warnings (soft): the header's columns in another order than ``column_types``, and a CSV
  in the seeds directory that no YAML declares (it is not checked).
* A file that is empty, not UTF-8, has a quote error or a wrong header gets no row checks (they
  would only repeat the first problem), and rules of other seeds that refer to it are skipped.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from medres import settings

INTEGER_RANGES = {"integer": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
NUMERIC_TYPES = {"integer", "bigint", "double"}
KNOWN_TYPES = NUMERIC_TYPES | {"varchar"}
INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
DOUBLE_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# 1.38E+04: what a spreadsheet writes for a number too wide for its cell. Rejected in every number
# column, since the digits the spreadsheet hid (13766.8 -> 1.38E+04 -> 13800) are gone for good.
EXPONENT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+")

COLUMN_RULES = {
    "required", "min", "max", "min_exclusive", "max_exclusive", "pattern", "accepted_values",
    "unique", "references", "matches_reference", "equals_sum_of", "prefix_matches",
}
SEED_RULES = {
    "unique_key", "complete", "plausible_ratios", "relation", "year_over_year", "may_be_empty",
    "one_row_per_identity", "years_match", "holds_var", "all_or_none",
}
# Keys of the seed rules that take a mapping per check: (allowed, required).
RULE_KEYS = {
    "plausible_ratios": ({"numerator", "denominator", "denominator_seed", "join", "scale", "min",
                          "max", "band", "unit", "hint", "acknowledged"},
                         {"numerator", "denominator", "min", "max", "unit"}),
    "relation": ({"left", "op", "right", "right_seed", "join", "hint"}, {"left", "op", "right"}),
    "years_match": ({"column", "seed", "mode"}, {"column", "seed"}),
    "holds_var": ({"column", "var", "value"}, {"column", "var"}),
    "one_row_per_identity": ({"column", "seed", "key", "identity", "within", "means"},
                             {"column", "seed", "key", "identity", "within"}),
    "year_over_year": ({"column", "key", "order_by", "max_ratio", "acknowledged"},
                       {"column", "key", "order_by", "max_ratio"}),
    "all_or_none": ({"group_by", "columns", "hint"}, {"group_by", "columns"}),
}
BOUNDS = {  # rule -> (comparison that must hold, how a violation is worded)
    "min": (lambda value, bound: value >= bound, ">="),
    "max": (lambda value, bound: value <= bound, "<="),
    "min_exclusive": (lambda value, bound: value > bound, ">"),
    "max_exclusive": (lambda value, bound: value < bound, "<"),
}
# Whitespace that trim() does not reliably remove, named as a data steward would recognise it.
ODD_WHITESPACE = {
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a line break",
    "\u00a0": "a non-breaking space (U+00A0)",
    "\u3000": "a full-width space (U+3000)",
    "\u200b": "a zero-width space (U+200B)",
    "\ufeff": "a byte-order mark (U+FEFF)",
}


@dataclass(frozen=True)
class Problem:
    """One finding. ``row`` is the spreadsheet row (header = 1), None for file or group findings."""

    file: str
    row: int | None
    label: str
    columns: tuple[str, ...]
    message: str
    soft: bool = False
    rule: str = ""  # which check found it: the output is bounded per (file, rule)
    hidden: int = 0  # > 0: this line stands for that many problems not printed (see ``bounded``)

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" ({self.label})" if self.label else "")
        if self.row is None:
            where = self.label
        text = f"{self.file}, {where}" if where else self.file
        if self.columns:
            noun = "column" if len(self.columns) == 1 else "columns"
            text += f", {noun} {', '.join(self.columns)}"
        return _escaped(f"{'warning: ' if self.soft else ''}{text}: {self.message}")


@dataclass
class Row:
    """A data row: cell texts (surrounding ASCII spaces removed) and typed values.

    ``values`` holds None for empty cells and for cells already reported as wrong, so later rules
    neither crash on them nor report the same cell twice.
    """

    number: int
    texts: dict[str, str]
    values: dict[str, Any]


@dataclass
class Seed:
    """A seed as declared in YAML, and its rows once read."""

    name: str
    yml: str
    column_types: dict[str, str]
    column_rules: dict[str, dict[str, Any]]
    rules: dict[str, Any]
    path: Path | None = None
    rows: list[Row] = field(default_factory=list)
    loaded: bool = False  # True once the file read cleanly: other seeds' rules may rely on it

    @property
    def unique_keys(self) -> list[list[str]]:
        key = self.rules.get("unique_key") or []
        return [key] if key and isinstance(key[0], str) else key

    @property
    def file(self) -> str:
        return str(self.path)

    def label(self, row: Row) -> str:
        """The row's first unique key, e.g. 'year 2020, region_code 130000'."""
        keys = self.unique_keys
        return ", ".join(f"{c} {row.texts.get(c, '')}" for c in keys[0]) if keys else ""

    def problem(self, row: Row, column: str | Iterable[str], message: str, soft: bool = False,
                rule: str = "") -> Problem:
        columns = (column,) if isinstance(column, str) else tuple(column)
        return Problem(self.file, row.number, self.label(row), columns, message, soft, rule)


# Control characters a terminal does not show (NUL above all) are printed escaped, as \x00, so a
# message never hides the character it is about; tab and line breaks keep their names (ODD_WHITESPACE).
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _escaped(text: str) -> str:
    return UNPRINTABLE.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def _quote(text: str) -> str:
    return f"'{text}'"


def _number(value: float) -> str:
    """A computed number without float noise (94.23600000000001 -> 94.236)."""
    return f"{value:.6g}"


# --- the rule specification -------------------------------------------------------------------


BANDS_VAR = "medres_plausibility_bands"
YEAR_OVER_YEAR_VAR = "medres_year_over_year_max_change"


def project_vars(seeds_dir: Path, overrides: str | None = None) -> dict[str, Any]:
    """The settings of the project owning ``seeds_dir`` (its parent directory) as dbt will resolve
    them with ``--vars overrides`` (:func:`medres.settings.resolve`); none for seeds outside a
    project (the rules that take a setting then say it is missing)."""
    project = seeds_dir.resolve().parent
    if not (project / "dbt_project.yml").exists():
        return {}
    return settings.resolve(project, overrides)


def _resolve_settings(rules: dict[str, Any], variables: dict[str, Any]) -> list[str]:
    """Fill the numbers a seed's rules take from the project's vars (see "Numbers that live in the
    project's settings"); return what cannot be resolved."""
    found = []
    for ratio in _rule_list(rules.get("plausible_ratios")):
        if isinstance(ratio, dict) and "band" in ratio:
            band = (variables.get(BANDS_VAR) or {}).get(ratio["band"])
            if not isinstance(band, dict) or not {"min", "max"} <= set(band):
                found.append(f"plausible_ratios: band {ratio['band']!r} is not in var {BANDS_VAR} "
                             "(with min and max)")
            else:
                ratio.setdefault("min", band["min"])
                ratio.setdefault("max", band["max"])
    for held in _rule_list(rules.get("holds_var")):
        if isinstance(held, dict) and "var" in held:
            held["value"] = variables.get(held["var"])
    for change in _rule_list(rules.get("year_over_year")):
        if isinstance(change, dict) and "max_ratio" not in change:
            limit = (variables.get(YEAR_OVER_YEAR_VAR) or {}).get(change.get("column"))
            if limit is None:
                found.append(f"year_over_year: no max_ratio, and var {YEAR_OVER_YEAR_VAR} has none "
                             f"for column {change.get('column')!r}")
            else:
                change["max_ratio"] = limit
    return found


def _resolve_band(meta: dict[str, Any], variables: dict[str, Any]) -> list[str]:
    """A column's ``band: B`` becomes ``min`` / ``max`` from ``medres_plausibility_bands[B]``."""
    if "band" not in meta:
        return []
    name = meta.pop("band")
    band = (variables.get(BANDS_VAR) or {}).get(name)
    if not isinstance(band, dict) or not {"min", "max"} <= set(band):
        return [f"band {name!r} is not in var {BANDS_VAR} (with min and max)"]
    meta.setdefault("min", band["min"])
    meta.setdefault("max", band["max"])
    return []


def load_seeds(seeds_dir: Path, variables: dict[str, Any] | None = None
               ) -> tuple[dict[str, Seed], list[Problem]]:
    """Read every seed declaration under ``seeds_dir`` and validate its rules; numbers the rules
    take from the project's vars come from ``variables`` (default: :func:`project_vars`)."""
    variables = project_vars(seeds_dir) if variables is None else variables
    seeds: dict[str, Seed] = {}
    unresolved: list[Problem] = []
    for yml in sorted([*seeds_dir.rglob("*.yml"), *seeds_dir.rglob("*.yaml")]):
        document = yaml.load(yml.read_text(encoding="utf-8"), Loader=settings.SAFE_LOADER) or {}
        for entry in document.get("seeds") or []:
            config = entry.get("config") or {}
            # dbt merges seed-level meta from both places; so do we.
            rules = {**(config.get("meta") or {}), **(entry.get("meta") or {})}
            column_rules = {
                column["name"]: {**((column.get("config") or {}).get("meta") or {}),
                                 **(column.get("meta") or {})}
                for column in entry.get("columns") or []
            }
            unresolved += [Problem(str(yml), None, f"seed {entry['name']}", (), message)
                           for message in _resolve_settings(rules, variables)]
            for column, meta in column_rules.items():
                unresolved += [Problem(str(yml), None, f"seed {entry['name']}, column {column}", (),
                                       message) for message in _resolve_band(meta, variables)]
            seeds[entry["name"]] = Seed(
                entry["name"], str(yml), dict(config.get("column_types") or {}), column_rules, rules
            )
    problems = unresolved + [p for seed in seeds.values() for p in _validate_rules(seed, seeds)]
    csv_files = {path.stem: path for path in sorted(seeds_dir.rglob("*.csv"))}
    for seed in seeds.values():
        seed.path = csv_files.pop(seed.name, None)
        if seed.path is None:
            problems.append(Problem(seed.yml, None, f"seed {seed.name}", (),
                                    f"no file {seed.name}.csv under {seeds_dir}"))
    for path in csv_files.values():
        problems.append(Problem(str(path), None, "whole file", (),
                                "no seeds YAML declares this file, so it is not checked", soft=True))
    return seeds, problems


def _validate_rules(seed: Seed, seeds: dict[str, Seed]) -> list[Problem]:
    """Rule errors in the YAML itself: a typo must not silently switch a check off."""
    found: list[str] = []
    if not seed.column_types:
        found.append("declares no config.column_types, so its header cannot be checked")
    for column, column_type in seed.column_types.items():
        if column_type not in KNOWN_TYPES:
            found.append(f"column {column}: type {column_type!r} is not one of {sorted(KNOWN_TYPES)}")

    def need_seed(where: str, name: Any, columns: Iterable[str]) -> None:
        if name not in seeds:
            found.append(f"{where}: refers to seed {name!r}, which no YAML declares")
            return
        for column in columns:
            if column not in seeds[name].column_types:
                found.append(f"{where}: seed {name} has no column {column!r}")

    for column, rules in seed.column_rules.items():
        where = f"column {column}"
        if rules and column not in seed.column_types:
            found.append(f"{where}: has rules but is not in config.column_types")
        numeric_rules = sorted((set(BOUNDS) | {"equals_sum_of"}) & set(rules))
        if numeric_rules and seed.column_types.get(column) not in NUMERIC_TYPES:
            found.append(f"{where}: {', '.join(numeric_rules)} apply only to numeric columns")
        for unknown in sorted(set(rules) - COLUMN_RULES):
            found.append(f"{where}: unknown rule {unknown!r} (known: {', '.join(sorted(COLUMN_RULES))})")
        if "references" in rules:
            need_seed(where, rules["references"].get("seed"), [rules["references"].get("column")])
        if "matches_reference" in rules:
            rule = rules["matches_reference"]
            need_seed(where, rule.get("seed"), [rule.get("key"), rule.get("column", column)])
        if "equals_sum_of" in rules:
            need_seed(where, seed.name, rules["equals_sum_of"].get("columns", []))
        if "prefix_matches" in rules:
            rule = rules["prefix_matches"]
            lookup = {"seed", "from", "key", "column"}
            if not isinstance(rule, dict) or not isinstance(rule.get("digits"), int) \
                    or "column" not in rule or set(rule) - {"digits", "append", *lookup} \
                    or ("seed" in rule and not lookup <= set(rule)):
                found.append(f"{where}: prefix_matches must be {{digits: N, column: C}} or {{digits: "
                             f"N, seed: S, from: F, key: K, append: X, column: C}}, got {rule!r}")
            elif "seed" in rule:
                need_seed(where, seed.name, [rule["from"]])
                need_seed(where, rule["seed"], [rule["key"], rule["column"]])
            else:
                need_seed(where, seed.name, [rule["column"]])
    for unknown in sorted(set(seed.rules) - SEED_RULES):
        found.append(f"unknown seed rule {unknown!r} (known: {', '.join(sorted(SEED_RULES))})")
    for key in seed.unique_keys:
        need_seed("unique_key", seed.name, key)
    if not isinstance(seed.rules.get("may_be_empty", False), bool):
        found.append(f"may_be_empty must be true or false, got {seed.rules['may_be_empty']!r}")
    if "complete" in seed.rules:
        rule = seed.rules["complete"]
        need_seed("complete", seed.name, [rule.get("group_by"), rule.get("column")])
        need_seed("complete", rule.get("seed"), [rule.get("column")])
    def need_numeric(where: str, name: str, column: Any) -> None:
        if name in seeds and column in seeds[name].column_types and \
                seeds[name].column_types[column] not in NUMERIC_TYPES:
            found.append(f"{where}: column {column} of seed {name} is not numeric")

    for name, (allowed, required) in RULE_KEYS.items():
        for rule in _rule_list(seed.rules.get(name)):
            if not isinstance(rule, dict):
                found.append(f"{name}: each entry must be a mapping, got {rule!r}")
                continue
            for unknown in sorted(set(rule) - allowed):
                found.append(f"{name}: unknown key {unknown!r} (known: {', '.join(sorted(allowed))})")
            for missing in sorted(required - set(rule)):
                found.append(f"{name}: key {missing!r} is required")
            join = rule.get("join") or []
            if not isinstance(join, list):
                found.append(f"{name}: join must be a list of columns")
                join = []
            if name == "plausible_ratios":
                other = rule.get("denominator_seed", seed.name)
                if other != seed.name and not join:
                    found.append(f"{name}: denominator_seed needs join (the columns matching the rows)")
                need_seed(name, seed.name, [rule.get("numerator"), *join])
                need_seed(name, other, [rule.get("denominator"), *join])
                if "acknowledged" in rule:
                    ack = rule["acknowledged"]
                    if not isinstance(ack, dict) or set(ack) != {"seed", "key", "column"} \
                            or not isinstance(ack.get("key"), list):
                        found.append(f"{name}: acknowledged must be {{seed: S, key: [..], column: V}}, "
                                     f"got {ack!r}")
                    else:
                        need_seed(f"{name} acknowledged", seed.name, ack["key"])
                        need_seed(f"{name} acknowledged", ack["seed"], [*ack["key"], ack["column"]])
            elif name == "relation":
                other = rule.get("right_seed", seed.name)
                if other != seed.name and not join:
                    found.append(f"{name}: right_seed needs join (the columns matching the rows)")
                if rule.get("op") not in RELATIONS:
                    found.append(f"{name}: op {rule.get('op')!r} is not one of {', '.join(RELATIONS)}")
                need_seed(name, seed.name, [rule.get("left"), *join])
                need_seed(name, other, [rule.get("right"), *join])
                need_numeric(name, seed.name, rule.get("left"))
                need_numeric(name, other, rule.get("right"))
            elif name == "holds_var":
                need_seed(name, seed.name, [rule.get("column")])
            elif name == "years_match":
                need_seed(name, seed.name, [rule.get("column")])
                need_seed(name, rule.get("seed"), [rule.get("column")])
                if rule.get("mode", "equal") not in ("equal", "subset"):
                    found.append(f"{name}: mode must be 'equal' or 'subset', got {rule.get('mode')!r}")
            elif name == "one_row_per_identity":
                need_seed(name, seed.name, [rule.get("column"), *(rule.get("within") or [])])
                need_seed(name, rule.get("seed"), [rule.get("key"), rule.get("identity")])
            elif name == "year_over_year":
                key = rule.get("key") or []
                if not isinstance(key, list):
                    found.append(f"{name}: key must be a list of columns")
                    key = []
                need_seed(name, seed.name, [rule.get("column"), rule.get("order_by"), *key])
                need_numeric(name, seed.name, rule.get("column"))
                if seed.column_types.get(rule.get("order_by")) in {"double", "varchar"}:
                    found.append(f"{name}: order_by column {rule.get('order_by')} must be an "
                                 "integer column (the previous period is the value minus 1)")
                limit = rule.get("max_ratio")
                if "max_ratio" in rule and (isinstance(limit, bool) or not isinstance(limit, (int, float))
                                            or limit <= 0):
                    found.append(f"{name}: max_ratio must be a number > 0, got {limit!r}")
                if "acknowledged" in rule:
                    ack = rule["acknowledged"]
                    if not isinstance(ack, dict) or "seed" not in ack \
                            or set(ack) - {"seed", "column", "each"} \
                            or ack.get("each", "change") not in ("change", "cell"):
                        found.append(f"{name}: acknowledged must be {{seed: S, column: V, each: "
                                     f"change|cell}} (column and each optional), got {ack!r}")
                    else:
                        need_seed(f"{name} acknowledged", ack["seed"],
                                  [rule.get("order_by"), *key, ack.get("column", "column")])
            elif name == "all_or_none":
                columns = rule.get("columns") or []
                if not isinstance(columns, list):
                    found.append(f"{name}: columns must be a list of columns")
                    columns = []
                need_seed(name, seed.name, [rule.get("group_by"), *columns])
    return [Problem(seed.yml, None, f"seed {seed.name}", (), message) for message in found]


def _rule_list(value: Any) -> list[Any]:
    """A seed rule given as one mapping or a list of them."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# --- reading one file ---------------------------------------------------------------------------


def read_seed(seed: Seed) -> list[Problem]:
    """Read the CSV: encoding, quotes, header, row shape and every cell's own rules.

    ``seed.loaded`` becomes True only when every row could be read into the header's columns:
    rules that compare this file with others (its own and other seeds') rely on complete rows, and
    on a half-read file they would only report follow-on errors.
    """
    assert seed.path is not None
    expected = list(seed.column_types)
    data = seed.path.read_bytes()
    try:
        # dbt skips a UTF-8 byte-order mark (Excel's "CSV UTF-8" writes one), so we accept it too.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return [Problem(seed.file, line, "", (),
                        f"the file is not UTF-8 (byte 0x{data[error.start]:02x} cannot be read; "
                        "GBK/GB18030 from Excel?): save it as 'CSV UTF-8'", rule="encoding")]
    if "\x00" in text:
        # NUL bytes are never text: a UTF-16 export (every other byte NUL) or a binary file. One
        # message, with the line shown escaped, instead of a header "mismatch" that looks equal.
        line_number = text[: text.index("\x00")].count("\n") + 1
        line = text.splitlines()[line_number - 1]
        return [Problem(seed.file, line_number, "", (),
                        f"the file contains {text.count(chr(0))} NUL byte(s) (\\x00), first on this "
                        f"line: {_quote(line[:40])}; saved as UTF-16 ('Unicode text') or by a binary "
                        "tool? Save it as 'CSV UTF-8'", rule="encoding")]
    if not text.strip():
        return [Problem(seed.file, 1, "header", (),
                        f"the file is empty; expected the header {','.join(expected)} and data rows",
                        rule="header")]
    records, quote_problem = _parse(seed, text)
    if quote_problem is not None:
        return [quote_problem]  # rows after a quote error are misaligned: nothing else is reliable
    header_problems = _check_header(seed, records[0], expected)
    if any(not p.soft for p in header_problems):
        return header_problems
    problems = header_problems
    if len(records) == 1:
        if seed.rules.get("may_be_empty"):
            seed.loaded = True
            return problems
        return [*problems, Problem(seed.file, 1, "header", (), "the file has a header but no data rows",
                                   rule="header")]

    complete = True
    unique_seen: dict[str, dict[str, int]] = defaultdict(dict)
    for number, record in enumerate(records[1:], start=2):
        if not record:
            problems.append(Problem(seed.file, number, "", (), "the row is blank: delete it",
                                    rule="blank row"))
            continue
        if len(record) != len(records[0]):
            problems.append(_shape_problem(seed, number, record, records[0]))
            complete = False
            continue
        raw = dict(zip(records[0], record))
        row = Row(number, {c: raw[c].strip(" ") for c in expected}, {})
        seed.rows.append(row)
        for column in expected:
            problems.extend(_check_cell(seed, row, column, raw[column]))
            rules = seed.column_rules.get(column, {})
            if rules.get("unique") and row.values[column] is not None:
                first = unique_seen[column].setdefault(row.texts[column], number)
                if first != number:
                    problems.append(seed.problem(
                        row, column, f"{_quote(row.texts[column])} is also in row {first}; "
                        "each value must occur only once", rule=f"{column}: unique"))
    problems.extend(_check_unique_keys(seed))
    seed.loaded = complete
    return problems


def _parse(seed: Seed, text: str) -> tuple[list[list[str]], Problem | None]:
    """The CSV records, or the first quote error as one problem at the row where it starts.

    A stray quote at the start of a cell opens a quoted cell that swallows the following lines up
    to the next quote anywhere in the file; reported cell by cell, that is hundreds of follow-on
    errors (rows missing, rows too short) about this file and the files that refer to it. So the
    parse stops at the first such quote and reports only it.
    """
    lines = re.split(r"\r\n|\r|\n", text)  # the line ends the csv module counts
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        first_line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return records, None
        except csv.Error as error:
            return records, _quote_problem(seed, len(records) + 1, first_line, reader.line_num,
                                           lines, records, str(error))
        # A quoted cell that runs over a line break and then over commas has swallowed rows.
        if reader.line_num > first_line and any("\n" in cell and "," in cell.split("\n", 1)[1]
                                                for cell in record):
            return records, _quote_problem(seed, len(records) + 1, first_line, reader.line_num,
                                           lines, records, "runaway")
        records.append(record)


def _quote_problem(seed: Seed, row: int, first_line: int, last_line: int, lines: list[str],
                   records: list[list[str]], error: str) -> Problem:
    """One message naming the row, the line and the cell of the quote that broke the parse."""
    header = records[0] if records else list(seed.column_types)
    line = lines[first_line - 1] if first_line <= len(lines) else ""
    # The quote that opens a cell: the first '"' at the start of a cell of the row's first line.
    opening = next((i for i, ch in enumerate(line) if ch == '"' and (i == 0 or line[i - 1] == ",")), None)
    columns: tuple[str, ...] = ()
    if opening is not None:
        position = line.count(",", 0, opening)
        columns = (header[position],) if position < len(header) else ()
    where = f"line {first_line}" if last_line <= first_line else f"lines {first_line}-{last_line}"
    if "expected after" in error and last_line <= first_line:
        message = ("a quoted cell is followed by more text before the next comma (a stray quote?): "
                   "delete the quote, or quote the whole cell and double any quote inside it "
                   '("like ""this""")')
    elif "end of data" in error:
        message = (f"a quote opens a cell on line {first_line} and is never closed, so the rest of "
                   f"the file would be read as one cell (a stray quote?): delete it or close it")
    else:
        message = (f"a quote opens a cell on line {first_line} and the next quote is on line "
                   f"{last_line}, so {where} would be read as one cell (a stray quote?): delete it "
                   "or close it in the same line")
    label = "header" if row == 1 else ""
    return Problem(seed.file, row, label, columns, f"{message}; the rest of the file was not "
                                                   "checked", rule="quote")


FULL_WIDTH_COMMA = "\uff0c"


def _shape_problem(seed: Seed, number: int, record: list[str], header: list[str]) -> Problem:
    """A row with the wrong number of cells, with the likely cause when it can be told."""
    got, want = len(record), len(header)
    cells = f"{got} cell{'s' if got != 1 else ''}"
    text = ",".join(record)
    if got == want + 1 and record[-1] == "":
        message = ("the row ends with a comma, which adds an empty cell after the last column "
                   f"{header[-1]}: delete the comma at the end of the line")
    elif FULL_WIDTH_COMMA in text and got < want:
        message = (f"the row has {cells} but the header has {want}: it contains full-width "
                   f"commas '{FULL_WIDTH_COMMA}' (U+FF0C), which do not separate cells; type ASCII "
                   "commas ',' between the cells")
    else:
        message = (f"the row has {cells} but the header has {want} (a missing or extra comma, "
                   "or an unquoted comma inside a cell?)")
    return Problem(seed.file, number, "", (), f"{message}; the rules that compare this file with "
                                              "others were skipped", rule="row shape")


def _check_header(seed: Seed, header: list[str], expected: list[str]) -> list[Problem]:
    def problem(column: str, message: str, soft: bool = False) -> Problem:
        return Problem(seed.file, 1, "header", (column,) if column else (), message, soft, "header")

    if any(FULL_WIDTH_COMMA in cell for cell in header):
        return [problem("", f"the header is separated by full-width commas '{FULL_WIDTH_COMMA}' "
                            "(U+FF0C), which do not separate cells: replace every "
                            f"'{FULL_WIDTH_COMMA}' between cells with an ASCII comma ',' "
                            f"(expected: {','.join(expected)})")]
    if len(header) > 1 and header[-1] == "" and header[:-1] == expected:
        return [problem("", "the header ends with a comma, which adds an unnamed empty column: "
                            "delete the comma at the end of every line (a trailing comma, e.g. "
                            "from a spreadsheet export with an empty last column)")]
    found: list[Problem] = []
    for position, cell in enumerate(header, start=1):
        if cell == "":
            found.append(problem("", f"header cell {position} is empty (an unnamed column; an extra "
                                     "comma?)"))
    named = [cell for cell in header if cell != ""]
    for column in sorted({c for c in named if named.count(c) > 1}):
        found.append(problem(column, "appears more than once in the header"))
    missing = [c for c in expected if c not in named]
    extra = [c for c in named if c not in expected]
    # Same position, wrong name: most likely a misspelt or renamed column; say so.
    for position, (got, want) in enumerate(zip(header, expected), start=1):
        if got in extra and want in missing:
            found.append(problem(want, f"header cell {position} reads {_quote(got)}, expected "
                                       f"{_quote(want)} (misspelt or renamed?)"))
            extra.remove(got)
            missing.remove(want)
    for column in missing:
        found.append(problem(column, f"missing from the header (expected: {','.join(expected)})"))
    for column in extra:
        found.append(problem(column, f"not declared in {seed.yml} (column_types of seed "
                                     f"{seed.name}); remove it or declare it"))
    if not found and header != expected:
        found.append(problem(", ".join(expected), "the columns are in another order than in "
                                                  f"{seed.yml}; dbt loads them by name", soft=True))
    return found


def _check_cell(seed: Seed, row: Row, column: str, raw: str) -> list[Problem]:
    """Check one cell against its type and column rules; store its typed value in ``row``."""
    row.values[column] = None
    column_type = seed.column_types[column]
    rules = seed.column_rules.get(column, {})
    text = row.texts[column]

    def bad(rule: str, message: str, soft: bool = False) -> Problem:
        return seed.problem(row, column, message, soft, rule=f"{column}: {rule}")

    numeric = column_type in NUMERIC_TYPES
    # Printable ASCII (most cells) holds neither odd whitespace nor full-width characters: the
    # character scans below are skipped for it, which halves the check of a 90,000-cell project.
    plain = raw.isascii() and raw.isprintable()
    odd = None if plain else next(
        (ch for ch in raw if ch in ODD_WHITESPACE or (ch.isspace() and ch != " ")), None)
    if odd is not None:
        name = ODD_WHITESPACE.get(odd, f"the invisible character U+{ord(odd):04X}")
        return [bad("whitespace", f"{_quote(raw)} contains {name}: delete it")]
    wide = None if plain else next(
        (ch for ch in raw if 0xFF01 <= ord(ch) <= 0xFF5E and (numeric or ch.isalnum())), None)
    if wide is not None:
        return [bad("full-width", f"{_quote(raw)} contains the full-width character {_quote(wide)}: "
                                  f"type the ASCII {_quote(chr(ord(wide) - 0xFEE0))} "
                                  "(full-width characters look alike but never match in joins)")]
    found: list[Problem] = []
    if text != raw:
        if numeric:
            return [bad("spaces", f"{_quote(raw)} has spaces around the number: remove them")]
        found.append(bad("spaces", f"{_quote(raw)} has spaces around the text; staging trims them, "
                                   "but remove them from the file", soft=True))
    if text == "":
        if rules.get("required", True):
            found.append(bad("required", "the cell is empty; a value is required"))
        return found

    value: Any = text
    if numeric and EXPONENT_TEXT.fullmatch(text):
        return [*found, bad("type", f"{_quote(text)} is in exponent notation: write the number in "
                                    "full (a spreadsheet shows long numbers as 1.38E+04 and the "
                                    "digits it hides are lost)")]
    if column_type in INTEGER_RANGES:
        if not INTEGER_TEXT.fullmatch(text):
            return [*found, bad("type", f"{_quote(text)} is not a whole number{_number_hint(text)}")]
        value = int(text)
        low, high = INTEGER_RANGES[column_type]
        if not low <= value <= high:
            return [*found, bad("type", f"{_quote(text)} is too large for a {column_type} column")]
    elif column_type == "double":
        if not DOUBLE_TEXT.fullmatch(text):
            return [*found, bad("type", f"{_quote(text)} is not a number{_number_hint(text)}")]
        value = float(text)

    for rule, (holds, wording) in BOUNDS.items():
        if rule in rules and not holds(value, rules[rule]):
            return [*found, bad(rule, f"{_quote(text)} is not {wording} {rules[rule]}")]
    if "pattern" in rules and not re.fullmatch(rules["pattern"]["regex"], text, flags=re.ASCII):
        return [*found, bad("pattern", f"{_quote(text)} is not "
                                       f"{rules['pattern'].get('means', rules['pattern']['regex'])}")]
    if "accepted_values" in rules and text not in [str(v) for v in rules["accepted_values"]]:
        return [*found, bad("accepted_values", f"{_quote(text)} is not one of "
                                               f"{', '.join(map(str, rules['accepted_values']))}")]
    row.values[column] = value
    return found


def _number_hint(text: str) -> str:
    if "," in text:
        return " (use a dot for decimals and no thousands separators)"
    if "%" in text:
        return " (write the number without %)"
    if '"' in text:
        return " (a stray quote?)"
    return ""


def _check_unique_keys(seed: Seed) -> list[Problem]:
    found: list[Problem] = []
    for key in seed.unique_keys:
        seen: dict[tuple[str, ...], int] = {}
        for row in seed.rows:
            if any(row.values[c] is None for c in key):
                continue
            combination = tuple(row.texts[c] for c in key)
            first = seen.setdefault(combination, row.number)
            if first != row.number:
                shown = ", ".join(f"{c} {v}" for c, v in zip(key, combination))
                found.append(seed.problem(row, key, f"{shown} is also in row {first}; each "
                                                    "combination must occur only once",
                                          rule=f"unique_key {', '.join(key)}"))
    return found


# --- rules across rows and files ------------------------------------------------------------------


def check_cross(seed: Seed, seeds: dict[str, Seed]) -> list[Problem]:
    """Rules that look at other rows or other seeds; skipped where the other seed did not load."""
    found: list[Problem] = []
    for column, rules in seed.column_rules.items():
        if "references" in rules:
            found.extend(_check_references(seed, column, rules["references"], seeds))
        if "matches_reference" in rules:
            found.extend(_check_matches_reference(seed, column, rules["matches_reference"], seeds))
        if "equals_sum_of" in rules:
            found.extend(_check_sum(seed, column, rules["equals_sum_of"]))
        if "prefix_matches" in rules:
            found.extend(_check_prefix(seed, column, rules["prefix_matches"], seeds))
    if "complete" in seed.rules:
        found.extend(_check_complete(seed, seed.rules["complete"], seeds))
    for relation in _rule_list(seed.rules.get("relation")):
        found.extend(_check_relation(seed, relation, seeds))
    for ratio in _rule_list(seed.rules.get("plausible_ratios")):
        found.extend(_check_ratio(seed, ratio, seeds))
    for change in _rule_list(seed.rules.get("year_over_year")):
        found.extend(_check_year_over_year(seed, change, seeds))
    for held in _rule_list(seed.rules.get("holds_var")):
        found.extend(_check_holds_var(seed, held))
    for years in _rule_list(seed.rules.get("years_match")):
        found.extend(_check_years_match(seed, years, seeds))
    for identity in _rule_list(seed.rules.get("one_row_per_identity")):
        found.extend(_check_one_row_per_identity(seed, identity, seeds))
    for together in _rule_list(seed.rules.get("all_or_none")):
        found.extend(_check_all_or_none(seed, together))
    return found


def _check_prefix(seed: Seed, column: str, rule: dict[str, Any], seeds: dict[str, Seed]) -> list[Problem]:
    """The first ``digits`` characters of a code against those of another code of the same unit:
    a GB/T 2260 code's first two digits are its province's."""
    digits, other_column = rule["digits"], rule["column"]
    other = seeds[rule["seed"]] if "seed" in rule else seed
    if not other.loaded:
        return []
    lookup = _first_rows(other, rule["key"]) if "seed" in rule else {}
    found = []
    for row in seed.rows:
        if row.values[column] is None:
            continue
        if "seed" in rule:
            if row.values[rule["from"]] is None:
                continue
            name = row.texts[rule["from"]] + rule.get("append", "")
            partner = lookup.get(name)
            if partner is None:
                found.append(seed.problem(
                    row, (column, rule["from"]),
                    f"{rule['from']} {_quote(row.texts[rule['from']])}: {_quote(name)} is not a "
                    f"{rule['key']} of {other.file}, so {column} cannot be checked against it",
                    rule=f"{column}: prefix_matches"))
                continue
            where = (f"{rule['from']} {row.texts[rule['from']]}, which {other.file} row "
                     f"{partner.number} codes {partner.texts[other_column]} ({rule['key']} {name})")
        else:
            partner = row
            where = f"{other_column} {row.texts[other_column]}"
        if partner.values[other_column] is None:
            continue
        code, expected = row.texts[column], partner.texts[other_column]
        if code[:digits] != expected[:digits]:
            found.append(seed.problem(
                row, (column, other_column if partner is row else rule["from"]),
                f"{_quote(code)} starts with {code[:digits]}, but {where} starts with "
                f"{expected[:digits]}; the first {digits} digits of a GB/T 2260 code are its "
                "province's (a code or a province typed for another?)",
                rule=f"{column}: prefix_matches"))
    return found


def _check_all_or_none(seed: Seed, rule: dict[str, Any]) -> list[Problem]:
    """Within a group (an edition), a column is filled in every row or in none: one blank among
    filled cells is a lost value, which would silently make the group incomplete."""
    group_by = rule["group_by"]
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in seed.rows:
        groups[row.texts[group_by]].append(row)
    found = []
    for group, rows in groups.items():
        for column in rule["columns"]:
            filled = [row for row in rows if row.texts[column] != ""]
            if not filled or len(filled) == len(rows):
                continue
            hint = f"; {rule['hint']}" if "hint" in rule else ""
            for row in rows:
                if row.texts[column] == "":
                    found.append(seed.problem(
                        row, column, f"the cell is empty, but {len(filled)} of the {len(rows)} rows "
                                     f"of {group_by} {group} have a {column}: fill it in{hint}",
                        rule=f"all_or_none {column}"))
    return found


def _check_holds_var(seed: Seed, rule: dict[str, Any]) -> list[Problem]:
    """The value of a var (resolved into the rule as ``value``) is one of the column's values:
    e.g. the year the report leads with must be a year the panel has, said before dbt starts."""
    column, name = rule["column"], rule["var"]
    value = rule.get("value")
    held = sorted({row.texts[column].strip() for row in seed.rows if row.values[column] is not None})
    if value is None or str(value) in held:
        return []
    listed = ", ".join(held) if len(held) <= 12 else f"{held[0]} ... {held[-1]}"
    return [Problem(seed.file, None, f"column {column}", (),
                    f"var {name} is {value!r}, which is not a {column} of this file; "
                    f"the {column}s it has: {listed}", rule="holds_var")]


def _check_years_match(seed: Seed, rule: dict[str, Any], seeds: dict[str, Seed]) -> list[Problem]:
    """The periods (e.g. years) of this seed and of another: the same set (``mode: equal``) or
    only periods the other has (``subset``). A year added to one series and not to the others
    would otherwise drop out of the panel silently."""
    other = seeds[rule["seed"]]
    if not other.loaded:
        return []
    column = rule["column"]
    mine = {row.texts[column].strip() for row in seed.rows if row.values[column] is not None}
    theirs = {row.texts[column].strip() for row in other.rows if row.values[column] is not None}
    found = []
    for value in sorted(mine - theirs):
        row = next(r for r in seed.rows if r.texts[column].strip() == value)
        found.append(seed.problem(row, column, f"{column} {value} is not in {other.file}; every "
                                  f"{column} of this file must be there too",
                                  rule="years_match"))
    if rule.get("mode", "equal") == "equal":
        for value in sorted(theirs - mine):
            found.append(Problem(seed.file, None, f"column {column}", (),
                                 f"no row for {column} {value}, which {other.file} has; every "
                                 f"series of the panel needs the same {column}s",
                                 rule="years_match"))
    return found


def _check_one_row_per_identity(seed: Seed, rule: dict[str, Any], seeds: dict[str, Seed]
                                ) -> list[Problem]:
    """Two rows of one group (e.g. an edition) whose names resolve to the same identity: the same
    hospital listed twice, under its old and its new name."""
    names = seeds[rule["seed"]]
    if not names.loaded:
        return []
    identity_of = {row.texts[rule["key"]].strip(): row.texts[rule["identity"]].strip()
                   for row in names.rows}
    column, within = rule["column"], rule["within"]
    first: dict[tuple[str, ...], Row] = {}
    found = []
    for row in seed.rows:
        identity = identity_of.get(row.texts[column].strip())
        if identity is None:  # an unknown name is reported by `references`
            continue
        group = tuple(row.texts[c] for c in within)
        earlier = first.setdefault((*group, identity), row)
        if earlier is not row:
            what = rule.get("means", rule["identity"])
            found.append(seed.problem(
                row, column,
                f"{row.texts[column]!r} and row {earlier.number} {earlier.texts[column]!r} are the "
                f"same {what} ({identity} in {names.file}); "
                f"{', '.join(f'{c} {v}' for c, v in zip(within, group))} lists it twice",
                rule="one_row_per_identity"))
    return found


def _first_rows(seed: Seed, column: str) -> dict[str, Row]:
    """Valid value of ``column`` -> the first row holding it."""
    index: dict[str, Row] = {}
    for row in seed.rows:
        if row.values[column] is not None:
            index.setdefault(row.texts[column], row)
    return index


def _check_references(seed: Seed, column: str, rule: dict[str, str], seeds: dict[str, Seed]) -> list[Problem]:
    other = seeds[rule["seed"]]
    if not other.loaded:
        return []
    known = _first_rows(other, rule["column"])
    return [
        seed.problem(row, column, f"{_quote(row.texts[column])} is not a {rule['column']} listed in "
                                  f"{other.file}", rule=f"{column}: references")
        for row in seed.rows
        if row.values[column] is not None and row.texts[column] not in known
    ]


def _check_matches_reference(seed: Seed, column: str, rule: dict[str, str],
                             seeds: dict[str, Seed]) -> list[Problem]:
    other = seeds[rule["seed"]]
    if not other.loaded:
        return []
    key, other_column = rule["key"], rule.get("column", column)
    by_key = _first_rows(other, key)
    found = []
    for row in seed.rows:
        reference = by_key.get(row.texts[key]) if row.values[key] is not None else None
        # An unknown key is reported by `references`; an invalid name cell was reported already.
        if reference is None or row.values[column] is None:
            continue
        if row.texts[column] != reference.texts[other_column]:
            found.append(seed.problem(
                row, column, f"{_quote(row.texts[column])} does not match {key} {row.texts[key]}, "
                             f"which {other.file} row {reference.number} names "
                             f"{_quote(reference.texts[other_column])}",
                rule=f"{column}: matches_reference"))
    return found


def _check_sum(seed: Seed, column: str, rule: dict[str, Any]) -> list[Problem]:
    parts, tolerance = rule["columns"], rule.get("tolerance", 0)
    found = []
    for row in seed.rows:
        values = [row.values[c] for c in [column, *parts]]
        if any(v is None for v in values):
            continue
        expected = sum(values[1:])
        # Rounded so a difference of exactly the tolerance is not failed by float noise.
        if round(abs(values[0] - expected), 9) > tolerance:
            found.append(seed.problem(
                row, column, f"{_quote(row.texts[column])} differs from {' + '.join(parts)} = "
                             f"{_number(expected)} by {_number(abs(values[0] - expected))} "
                             f"(more than the allowed {tolerance})", rule=f"{column}: equals_sum_of"))
    return found


def _check_complete(seed: Seed, rule: dict[str, str], seeds: dict[str, Seed]) -> list[Problem]:
    other = seeds[rule["seed"]]
    if not other.loaded:
        return []
    group_by, column = rule["group_by"], rule["column"]
    wanted = _first_rows(other, column)
    groups: dict[str, set[str]] = defaultdict(set)
    for row in seed.rows:
        if row.values[group_by] is not None:
            groups[row.texts[group_by]].add(row.texts[column])
    found = []
    for group, present in groups.items():
        for value, reference in wanted.items():
            if value not in present:
                cells = ",".join(reference.texts.values())
                found.append(Problem(
                    seed.file, None, f"{group_by} {group}", (column,),
                    f"no row for {value}; {other.file} row {reference.number} ({cells}) lists it, "
                    f"and every {group_by} needs a row for each", rule="complete"))
    return found


def _check_ratio(seed: Seed, ratio: dict[str, Any], seeds: dict[str, Seed]) -> list[Problem]:
    other = seeds[ratio.get("denominator_seed", seed.name)]
    if not other.loaded:
        return []
    numerator, denominator, join = ratio["numerator"], ratio["denominator"], ratio.get("join", [])
    lookup = _rows_by(other, join)
    ack = ratio.get("acknowledged")
    if ack is not None and not seeds[ack["seed"]].loaded:
        return []  # which ratios are acknowledged cannot be told
    accepted = set() if ack is None else {
        tuple(row.texts[c] for c in ack["key"]) for row in seeds[ack["seed"]].rows
        if row.texts[ack["column"]] == numerator}
    found = []
    for row in seed.rows:
        partner = row if other is seed else lookup.get(tuple(row.texts[c] for c in join))
        # A missing partner row is reported by `complete`; invalid cells were reported already.
        if partner is None or row.values[numerator] is None or not partner.values[denominator]:
            continue
        value = row.values[numerator] / partner.values[denominator] * ratio.get("scale", 1)
        if ack is not None and tuple(row.texts[c] for c in ack["key"]) in accepted:
            continue
        if not ratio["min"] <= value <= ratio["max"]:
            source = "" if partner is row else f" ({other.file} row {partner.number})"
            hint = f"; {ratio['hint']}" if "hint" in ratio else ""
            if ack is not None:
                cells = ", ".join(f"{c} {row.texts[c]}" for c in ack["key"])
                hint += (f". If the value is printed so, add a row for {cells}, {ack['column']} "
                         f"{numerator} with the evidence to {seeds[ack['seed']].file}")
            found.append(seed.problem(
                row, numerator,
                f"{numerator} {row.texts[numerator]} / {denominator} {partner.texts[denominator]}"
                f"{source} gives {_number(value)} {ratio['unit']}, outside the plausible range "
                f"{ratio['min']} to {ratio['max']}{hint}",
                rule=f"plausible_ratios {numerator}/{denominator}"))
    return found


def _rows_by(seed: Seed, columns: list[str]) -> dict[tuple[str, ...], Row]:
    """Rows of ``seed`` by the texts of ``columns`` (first row wins; duplicates are reported by
    ``unique_key``). Rows with an invalid cell in ``columns`` are left out."""
    index: dict[tuple[str, ...], Row] = {}
    for row in seed.rows:
        if all(row.values[c] is not None for c in columns):
            index.setdefault(tuple(row.texts[c] for c in columns), row)
    return index


RELATIONS = {  # op -> (comparison that must hold, how a violation is worded)
    "<": (lambda left, right: left < right, "<"),
    "<=": (lambda left, right: left <= right, "<="),
    ">": (lambda left, right: left > right, ">"),
    ">=": (lambda left, right: left >= right, ">="),
    "=": (lambda left, right: left == right, "="),
}


def _check_relation(seed: Seed, rule: dict[str, Any], seeds: dict[str, Seed]) -> list[Problem]:
    other = seeds[rule.get("right_seed", seed.name)]
    if not other.loaded:
        return []
    left, right, join = rule["left"], rule["right"], rule.get("join", [])
    holds, wording = RELATIONS[rule["op"]]
    lookup = _rows_by(other, join)
    found = []
    for row in seed.rows:
        partner = row if other is seed else lookup.get(tuple(row.texts[c] for c in join))
        # A missing partner row is reported by `complete`; invalid cells were reported already.
        if partner is None or row.values[left] is None or partner.values[right] is None:
            continue
        if not holds(row.values[left], partner.values[right]):
            source = "" if partner is row else f" ({other.file} row {partner.number})"
            hint = f"; {rule['hint']}" if "hint" in rule else ""
            found.append(seed.problem(
                row, left, f"{left} {row.texts[left]} is not {wording} {right} "
                           f"{partner.texts[right]}{source}{hint}",
                rule=f"relation {left} {wording} {right}"))
    return found


def _change_ratio(value: float, previous: float) -> float:
    """The larger of two values over the smaller: 2.0 for a doubling and for a halving alike.
    Infinite when they differ and one is zero or they have opposite signs."""
    if value == previous:
        return 1.0
    if value * previous <= 0:
        return float("inf")
    return max(value / previous, previous / value)


def _check_year_over_year(seed: Seed, rule: dict[str, Any], seeds: dict[str, Seed]) -> list[Problem]:
    acknowledged = seeds[rule["acknowledged"]["seed"]] if "acknowledged" in rule else None
    if acknowledged is not None and not acknowledged.loaded:
        return []  # which changes are acknowledged cannot be told
    column, key, order_by, limit = rule["column"], rule["key"], rule["order_by"], rule["max_ratio"]
    series = rule.get("acknowledged", {}).get("column", "column")
    per_cell = rule.get("acknowledged", {}).get("each") == "cell"
    # Acknowledged changes (or cells): (year, key..., column) of the acknowledgement seed's rows,
    # restricted to this seed when the acknowledgement seed has a column `seed`.
    accepted: set[tuple[str, ...]] = set()
    if acknowledged is not None:
        for ack in acknowledged.rows:
            if "seed" in acknowledged.column_types and ack.texts["seed"] != seed.name:
                continue
            accepted.add(tuple(ack.texts[c] for c in [order_by, *key, series]))
    by_key = {(row.values[order_by], tuple(row.texts[c] for c in key)): row for row in reversed(seed.rows)
              if row.values[order_by] is not None and all(row.values[c] is not None for c in key)}
    found = []
    for (period, key_texts), row in sorted(by_key.items(), key=lambda item: item[1].number):
        previous = by_key.get((period - 1, key_texts))
        if previous is None or row.values[column] is None or previous.values[column] is None:
            continue
        ratio = _change_ratio(row.values[column], previous.values[column])
        # Rounded so a change of exactly the threshold is not failed by float noise.
        if round(ratio, 9) <= 1 + limit or (str(period), *key_texts, column) in accepted:
            continue
        if per_cell and (str(period - 1), *key_texts, column) in accepted:
            continue
        before = f"{previous.texts[column]} in {order_by} {period - 1} (row {previous.number})"
        if ratio == float("inf"):
            change = f"follows {before}: a change to, from or across zero"
        elif row.values[column] > previous.values[column]:
            change = f"is {_number(ratio)} times {before}"
        else:
            change = f"is 1/{_number(ratio)} of {before}"
        message = (f"{row.texts[column]} in {order_by} {period} {change}; a change by more than a "
                   f"factor of {_number(1 + limit)} either way (max_ratio {limit}) is taken for a "
                   "typing slip")
        if acknowledged is not None:
            cells = {order_by: str(period), **dict(zip(key, key_texts)), series: column,
                     "seed": seed.name}
            new_row = ",".join(cells.get(c, f"<{c}>") for c in acknowledged.column_types)
            what = "the value is printed so" if per_cell else "the change is real"
            message += (f". If {what}, add the row {new_row} to {acknowledged.file}")
        found.append(seed.problem(row, column, message, rule=f"year_over_year {column}"))
    return found


# --- bounding the output ------------------------------------------------------------------------------

# At most this many problems are printed per file and rule (e.g. per column's type check, per
# unique key); the rest are counted in one line. A file with 31,000 duplicated rows must not
# print megabytes: the first few rows show the cause.
MAX_PROBLEMS_PER_RULE = 20


def bounded(problems: list[Problem], limit: int = MAX_PROBLEMS_PER_RULE) -> list[Problem]:
    """``problems`` with at most ``limit`` per (file, rule, soft); each group cut short ends with
    one line counting the rest (its ``hidden`` holds that count)."""
    kept: list[Problem] = []
    counts: dict[tuple[str, str, bool], int] = defaultdict(int)
    last: dict[tuple[str, str, bool], Problem] = {}
    for problem in problems:
        group = (problem.file, problem.rule or problem.message, problem.soft)
        counts[group] += 1
        if counts[group] <= limit:
            kept.append(problem)
            last[group] = problem
    result: list[Problem] = []
    summaries = {id(last[group]): group for group, count in counts.items() if count > limit}
    for problem in kept:
        result.append(problem)
        group = summaries.get(id(problem))
        if group is not None:
            file, rule, soft = group
            rest = counts[group] - limit
            kind = "warning" if soft else "error"
            result.append(Problem(
                file, None, "", (),
                f"{rest} more {kind}{'s' if rest > 1 else ''} like the {limit} above ({rule}) not "
                "printed; fix those and run the check again", soft, rule, hidden=rest))
    return result


# --- entry points -------------------------------------------------------------------------------------


def check(seeds_dir: Path, limit: int | None = MAX_PROBLEMS_PER_RULE,
          variables: dict[str, Any] | None = None) -> list[Problem]:
    """Every problem (errors and warnings) of the seeds under ``seeds_dir``, by file and row; at
    most ``limit`` per file and rule (None: all)."""
    return _check(seeds_dir, limit, variables)[0]


def _check(seeds_dir: Path, limit: int | None, variables: dict[str, Any] | None = None
           ) -> tuple[list[Problem], list[str]]:
    """The problems and the files that could not be read completely (their rules were skipped)."""
    seeds, problems = load_seeds(seeds_dir, variables)
    if any(not p.soft for p in problems):
        return problems, []  # the rules themselves are broken: checking with them would mislead
    for seed in seeds.values():
        problems.extend(read_seed(seed))
    for seed in seeds.values():
        if seed.loaded:
            problems.extend(check_cross(seed, seeds))
    problems.sort(key=lambda p: (p.file, p.row or 0))
    unread = [seed.file for seed in seeds.values() if not seed.loaded]
    return (problems if limit is None else bounded(problems, limit)), unread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=Path("seeds"),
                        help="directory holding the seed CSVs and their YAML (default: seeds)")
    parser.add_argument("--vars", default=None,
                        help="var overrides as a YAML mapping, as dbt's --vars (bands, thresholds)")
    arguments = parser.parse_args(argv)
    if not arguments.seeds.is_dir():
        print(f"seedcheck: {arguments.seeds} is not a directory")
        return 1
    try:
        variables = project_vars(arguments.seeds, arguments.vars)
    except settings.SettingsError as error:
        for problem in error.problems:
            print(f"seedcheck: settings: {problem}")
        print("seedcheck: nothing was built and the published outputs are unchanged")
        return 1
    problems, unread = _check(arguments.seeds, MAX_PROBLEMS_PER_RULE, variables)
    for problem in problems:
        print(problem)
    errors = sum(p.hidden or 1 for p in problems if not p.soft)
    warnings = sum(p.hidden or 1 for p in problems if p.soft)
    if errors:
        if unread:
            print(f"seedcheck: {', '.join(unread)} could not be read completely; the rules that "
                  "compare them with other files were skipped and run once they read cleanly.")
        print(f"seedcheck: {errors} error(s), {warnings} warning(s) in {arguments.seeds}; "
              "nothing was built and the published outputs are unchanged. Fix the rows above and "
              "build again.")
        return 1
    print(f"seedcheck: the seeds in {arguments.seeds} passed ({warnings} warning(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
