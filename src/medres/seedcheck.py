"""Preflight check of the seed CSVs, run before dbt so bad input never reaches the warehouse.

Usage: ``python -m medres.seedcheck [--seeds DIR]`` (default ``seeds``). Exit status 0 when every
seed passes (warnings may be printed), 1 when at least one error was found. Every problem is printed
on one line that names the file, the row and the column, for example::

    seeds/yearbook/yearbook_population.csv, row 4 (year 2020, region_code 130000), column yearend_population_10k: '-3' is not > 0

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
  ``bigint`` (64-bit), ``double`` (a plain decimal number, ``1e3`` allowed) or ``varchar``.
  Numbers must be written in ASCII without spaces or thousands separators.
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

An unknown rule name is itself an error (a misspelt rule would otherwise silently check nothing).
Rules live in the YAML only; this module hard-codes no seed, column or province count.

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
* A file that is empty, not UTF-8, or has a wrong header gets no row checks (they would only
  repeat the header problem), and rules of other seeds that refer to it are skipped.
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

INTEGER_RANGES = {"integer": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
NUMERIC_TYPES = {"integer", "bigint", "double"}
KNOWN_TYPES = NUMERIC_TYPES | {"varchar"}
INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
DOUBLE_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

COLUMN_RULES = {
    "required", "min", "max", "min_exclusive", "max_exclusive", "pattern", "accepted_values",
    "unique", "references", "matches_reference", "equals_sum_of",
}
SEED_RULES = {"unique_key", "complete", "plausible_ratios"}
RATIO_KEYS = {
    "numerator", "denominator", "denominator_seed", "join", "scale", "min", "max", "unit", "hint",
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

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" ({self.label})" if self.label else "")
        if self.row is None:
            where = self.label
        text = f"{self.file}, {where}"
        if self.columns:
            noun = "column" if len(self.columns) == 1 else "columns"
            text += f", {noun} {', '.join(self.columns)}"
        return f"{'warning: ' if self.soft else ''}{text}: {self.message}"


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

    def problem(self, row: Row, column: str | Iterable[str], message: str, soft: bool = False) -> Problem:
        columns = (column,) if isinstance(column, str) else tuple(column)
        return Problem(self.file, row.number, self.label(row), columns, message, soft)


def _quote(text: str) -> str:
    return f"'{text}'"


def _number(value: float) -> str:
    """A computed number without float noise (94.23600000000001 -> 94.236)."""
    return f"{value:.6g}"


# --- the rule specification -------------------------------------------------------------------


def load_seeds(seeds_dir: Path) -> tuple[dict[str, Seed], list[Problem]]:
    """Read every seed declaration under ``seeds_dir`` and validate its rules."""
    seeds: dict[str, Seed] = {}
    for yml in sorted([*seeds_dir.rglob("*.yml"), *seeds_dir.rglob("*.yaml")]):
        document = yaml.safe_load(yml.read_text(encoding="utf-8")) or {}
        for entry in document.get("seeds") or []:
            config = entry.get("config") or {}
            # dbt merges seed-level meta from both places; so do we.
            rules = {**(config.get("meta") or {}), **(entry.get("meta") or {})}
            column_rules = {
                column["name"]: {**((column.get("config") or {}).get("meta") or {}),
                                 **(column.get("meta") or {})}
                for column in entry.get("columns") or []
            }
            seeds[entry["name"]] = Seed(
                entry["name"], str(yml), dict(config.get("column_types") or {}), column_rules, rules
            )
    problems = [p for seed in seeds.values() for p in _validate_rules(seed, seeds)]
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
    for unknown in sorted(set(seed.rules) - SEED_RULES):
        found.append(f"unknown seed rule {unknown!r} (known: {', '.join(sorted(SEED_RULES))})")
    for key in seed.unique_keys:
        need_seed("unique_key", seed.name, key)
    if "complete" in seed.rules:
        rule = seed.rules["complete"]
        need_seed("complete", seed.name, [rule.get("group_by"), rule.get("column")])
        need_seed("complete", rule.get("seed"), [rule.get("column")])
    for ratio in seed.rules.get("plausible_ratios") or []:
        for unknown in sorted(set(ratio) - RATIO_KEYS):
            found.append(f"plausible_ratios: unknown key {unknown!r}")
        other = ratio.get("denominator_seed", seed.name)
        need_seed("plausible_ratios", seed.name, [ratio.get("numerator"), *ratio.get("join", [])])
        need_seed("plausible_ratios", other, [ratio.get("denominator"), *ratio.get("join", [])])
    return [Problem(seed.yml, None, f"seed {seed.name}", (), message) for message in found]


# --- reading one file ---------------------------------------------------------------------------


def read_seed(seed: Seed) -> list[Problem]:
    """Read the CSV: encoding, header, row shape and every cell's own rules."""
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
                        "GBK/GB18030 from Excel?): save it as 'CSV UTF-8'")]
    if not text.strip():
        return [Problem(seed.file, 1, "header", (),
                        f"the file is empty; expected the header {','.join(expected)} and data rows")]
    records = list(csv.reader(io.StringIO(text, newline="")))
    header_problems = _check_header(seed, records[0], expected)
    if any(not p.soft for p in header_problems):
        return header_problems
    problems = header_problems
    if len(records) == 1:
        return [*problems, Problem(seed.file, 1, "header", (), "the file has a header but no data rows")]

    unique_seen: dict[str, dict[str, int]] = defaultdict(dict)
    for number, record in enumerate(records[1:], start=2):
        if not record:
            problems.append(Problem(seed.file, number, "", (), "the row is blank: delete it"))
            continue
        if len(record) != len(records[0]):
            problems.append(Problem(
                seed.file, number, "", (),
                f"the row has {len(record)} cells but the header has {len(records[0])} "
                "(a missing or extra comma, or an unquoted comma inside a cell?)"))
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
                        "each value must occur only once"))
    problems.extend(_check_unique_keys(seed))
    seed.loaded = True
    return problems


def _check_header(seed: Seed, header: list[str], expected: list[str]) -> list[Problem]:
    def problem(column: str, message: str, soft: bool = False) -> Problem:
        return Problem(seed.file, 1, "header", (column,), message, soft)

    found: list[Problem] = []
    for column in sorted({c for c in header if header.count(c) > 1}):
        found.append(problem(column, "appears more than once in the header"))
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
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
    odd = next((ch for ch in raw if ch in ODD_WHITESPACE or (ch.isspace() and ch != " ")), None)
    if odd is not None:
        name = ODD_WHITESPACE.get(odd, f"the invisible character U+{ord(odd):04X}")
        return [seed.problem(row, column, f"{_quote(raw)} contains {name}: delete it")]
    numeric = column_type in NUMERIC_TYPES
    wide = next((ch for ch in raw if 0xFF01 <= ord(ch) <= 0xFF5E and (numeric or ch.isalnum())), None)
    if wide is not None:
        return [seed.problem(row, column, f"{_quote(raw)} contains the full-width character "
                                          f"{_quote(wide)}: type the ASCII {_quote(chr(ord(wide) - 0xFEE0))} "
                                          "(full-width characters look alike but never match in joins)")]
    found: list[Problem] = []
    if text != raw:
        if numeric:
            return [seed.problem(row, column, f"{_quote(raw)} has spaces around the number: remove them")]
        found.append(seed.problem(row, column, f"{_quote(raw)} has spaces around the text; staging "
                                               "trims them, but remove them from the file", soft=True))
    if text == "":
        if rules.get("required", True):
            found.append(seed.problem(row, column, "the cell is empty; a value is required"))
        return found

    value: Any = text
    if column_type in INTEGER_RANGES:
        if not INTEGER_TEXT.fullmatch(text):
            return [*found, seed.problem(row, column, f"{_quote(text)} is not a whole number"
                                                      f"{_number_hint(text)}")]
        value = int(text)
        low, high = INTEGER_RANGES[column_type]
        if not low <= value <= high:
            return [*found, seed.problem(row, column, f"{_quote(text)} is too large for a "
                                                      f"{column_type} column")]
    elif column_type == "double":
        if not DOUBLE_TEXT.fullmatch(text):
            return [*found, seed.problem(row, column, f"{_quote(text)} is not a number{_number_hint(text)}")]
        value = float(text)

    for rule, (holds, wording) in BOUNDS.items():
        if rule in rules and not holds(value, rules[rule]):
            return [*found, seed.problem(row, column, f"{_quote(text)} is not {wording} {rules[rule]}")]
    if "pattern" in rules and not re.fullmatch(rules["pattern"]["regex"], text, flags=re.ASCII):
        return [*found, seed.problem(row, column, f"{_quote(text)} is not "
                                                  f"{rules['pattern'].get('means', rules['pattern']['regex'])}")]
    if "accepted_values" in rules and text not in [str(v) for v in rules["accepted_values"]]:
        return [*found, seed.problem(row, column, f"{_quote(text)} is not one of "
                                                  f"{', '.join(map(str, rules['accepted_values']))}")]
    row.values[column] = value
    return found


def _number_hint(text: str) -> str:
    if "," in text:
        return " (use a dot for decimals and no thousands separators)"
    if "%" in text:
        return " (write the number without %)"
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
                                                    "combination must occur only once"))
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
    if "complete" in seed.rules:
        found.extend(_check_complete(seed, seed.rules["complete"], seeds))
    for ratio in seed.rules.get("plausible_ratios") or []:
        found.extend(_check_ratio(seed, ratio, seeds))
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
                                  f"{other.file}")
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
                             f"{_quote(reference.texts[other_column])}"))
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
                             f"(more than the allowed {tolerance})"))
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
                    f"and every {group_by} needs a row for each"))
    return found


def _check_ratio(seed: Seed, ratio: dict[str, Any], seeds: dict[str, Seed]) -> list[Problem]:
    other = seeds[ratio.get("denominator_seed", seed.name)]
    if not other.loaded:
        return []
    numerator, denominator, join = ratio["numerator"], ratio["denominator"], ratio.get("join", [])
    lookup = {tuple(r.texts[c] for c in join): r for r in other.rows}
    found = []
    for row in seed.rows:
        partner = row if other is seed else lookup.get(tuple(row.texts[c] for c in join))
        # A missing partner row is reported by `complete`; invalid cells were reported already.
        if partner is None or row.values[numerator] is None or not partner.values[denominator]:
            continue
        value = row.values[numerator] / partner.values[denominator] * ratio.get("scale", 1)
        if not ratio["min"] <= value <= ratio["max"]:
            source = "" if partner is row else f" ({other.file} row {partner.number})"
            hint = f"; {ratio['hint']}" if "hint" in ratio else ""
            found.append(seed.problem(
                row, numerator,
                f"{numerator} {row.texts[numerator]} / {denominator} {partner.texts[denominator]}"
                f"{source} gives {_number(value)} {ratio['unit']}, outside the plausible range "
                f"{ratio['min']} to {ratio['max']}{hint}"))
    return found


# --- entry points -------------------------------------------------------------------------------------


def check(seeds_dir: Path) -> list[Problem]:
    """Every problem (errors and warnings) of the seeds under ``seeds_dir``, by file and row."""
    seeds, problems = load_seeds(seeds_dir)
    if any(not p.soft for p in problems):
        return problems  # the rules themselves are broken: checking with them would mislead
    for seed in seeds.values():
        problems.extend(read_seed(seed))
    for seed in seeds.values():
        if seed.loaded:
            problems.extend(check_cross(seed, seeds))
    return sorted(problems, key=lambda p: (p.file, p.row or 0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=Path("seeds"),
                        help="directory holding the seed CSVs and their YAML (default: seeds)")
    arguments = parser.parse_args(argv)
    if not arguments.seeds.is_dir():
        print(f"seedcheck: {arguments.seeds} is not a directory")
        return 1
    problems = check(arguments.seeds)
    errors = [p for p in problems if not p.soft]
    for problem in problems:
        print(problem)
    warnings = len(problems) - len(errors)
    if errors:
        print(f"seedcheck: {len(errors)} error(s), {warnings} warning(s) in {arguments.seeds}; "
              "nothing was built and the published outputs are unchanged. Fix the rows above and "
              "build again.")
        return 1
    print(f"seedcheck: the seeds in {arguments.seeds} passed ({warnings} warning(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
