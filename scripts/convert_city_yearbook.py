#!/usr/bin/env python3
"""Convert the China City Statistical Yearbook (中国城市统计年鉴) Excel copies to the city seeds.

Source (the Excel files are read from a git mirror and never committed to medres):

    repository : https://github.com/NNroc/MpoxPredict
    commit     : 4ddf84ea12165a8db828828522f5a70e165aa595 (the folder was deleted in a later commit)
    folder     : data/中国城市统计年鉴2001—2021年/
    files      : 中国城市统计年鉴_YYYY年/…/地级市（及以上城市）统计资料（YYYY年）.xlsx, editions 2001-2021

Each edition YYYY holds the data of year YYYY-1 (its title reads 中国<YYYY-1>年地级以上城市数据; the
converter checks that). seeds/SOURCES.md ("city/") documents the files, the header texts per
edition and every transformation; this docstring is the short form.

What the script does, per edition (one worksheet per file):

1. finds the body: the first row whose column-A label is 城市合计 or starts with 北京; the rows above
   are the header. Header cells are read with merged ranges resolved to their top-left text.
2. finds three whole-city (全市; 地区 in the 2002 edition) columns by their item header text:
   beds (医院、卫生院床位数 / 医院床位数, 张), doctors (医生数 / 医生数(执业医师+执业助理医师) /
   执业(助理)医师数, 人) and population (年末总人口 / 年末户籍人口 / 常住人口, 万人). Exactly one
   column must match each, or the script stops. The header text decides the definition columns
   bed_series, doctor_series and population_basis, so a definition change shows in every row.
3. reads the column-A labels. A label is normalised only by removing white space, a leading
   numbering such as "3." (2009 edition), and reading 巿 (U+5DFF) as 市. Then:
   城市合计 is the printed all-city total; the full name of a province (ref_provinces) is a
   province heading (a subtotal row in the older editions); any other label must be a row of
   seeds/city/city_name_codes.csv whose name_printed equals it and whose edition range covers the
   edition - that row gives the city code (or, with rule province_heading, marks a misprinted
   province heading; with rule not_yet_city, marks a roster row of a unit that was not yet a city
   in that edition: left out and listed, and the script stops if it has a population printed).
   A label that matches nothing stops the script, naming edition and cell.
4. copies the three values as printed. Empty cells stay empty. A text cell that is not a plain
   number stops the script unless seeds/city/city_cell_repairs.csv names that edition and cell
   (with the printed text, the value and the reason).
5. checks and stops on: two labels of one edition mapped to the same code; a city listed under
   the heading of another province (the four municipalities stand outside the headings).
6. leaves out a city row with none of the three values (printed but empty), and names it;
7. reports (does not stop): city sums against the printed all-city total and province subtotals.

Output: seeds/city/city_health_resources.csv, one row per (year, city_code), sorted, written
byte-identically for the same input. The province is the first two digits of the city code.

Usage:
    python scripts/convert_city_yearbook.py /work/.mirror/NNroc+MpoxPredict/repo \
        [--commit SHA] [--editions 2001-2021] [--seeds seeds] [--census-git DIR] [--report FILE]

``--census-git`` (a mirror of github.com/leiii/census, MIT) additionally verifies every code of
the mapping seed against the census county lists (2020 for current units, 2010 for dissolved ones).
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

YEARBOOK_COMMIT = "4ddf84ea12165a8db828828522f5a70e165aa595"
YEARBOOK_FOLDER = "data/中国城市统计年鉴2001—2021年/"
FILE_PATTERN = re.compile(r"地级市（及以上城市）统计资料（(\d{4})年）\.xlsx$")
# Every edition of the folder. The Excel copies of editions 2001-2004 carry a fixed roster of later
# cities; the rows of units that were not yet cities are mapped with rule not_yet_city and left out
# (seeds/SOURCES.md, city/ "Editions 2001-2004").
DEFAULT_EDITIONS = "2001-2021"
CENSUS_COMMIT = "0ba0f1efae092f4aa6569ef38e53b3bb4d2f0087"
CENSUS_2020 = "data/census/census_county_2020_v1.xlsx"
CENSUS_2010 = "data/census/census_county_2010_v1.xlsx"

OUTPUT_COLUMNS = [
    "year", "city_code", "province_code", "city_zh", "beds", "doctors", "population_10k",
    "bed_series", "doctor_series", "population_basis", "source_file", "source_cells",
]
MAPPING_COLUMNS = [
    "name_printed", "first_edition", "last_edition", "city_code", "city_zh", "rule", "note",
]
MAPPING_RULES = {
    "same_name", "municipality", "renamed", "misprint", "seat_name", "dissolved",
    "province_heading", "not_yet_city",
}
REPAIR_COLUMNS = ["edition", "cell", "printed", "value", "reason"]

# Item header (normalised: no white space, ASCII brackets) -> definition column value.
BED_SERIES = [
    (re.compile(r"^医院[、.]?卫生院床位数"), "hospitals_and_health_centres"),
    (re.compile(r"^医院床位数"), "hospitals"),
]
DOCTOR_SERIES = [
    (re.compile(r"^医生数\(执业医师\+执业助理医师\)"), "licensed_and_assistant_doctors"),
    (re.compile(r"^执业\(助理\)医师数"), "licensed_and_assistant_doctors"),
    (re.compile(r"^医生数"), "doctors"),
]
POPULATION_BASIS = [
    (re.compile(r"^年末总人口"), "yearend_total_population"),
    (re.compile(r"^年末户籍人口"), "yearend_registered_population"),
    (re.compile(r"^常住人口"), "resident_population"),
]
WHOLE_CITY = re.compile(r"^(全市|地区$)")
DISTRICTS = re.compile(r"^(市辖区|市区$)")
TITLE = re.compile(r"中国(\d{4})年地级以上城市数据")
NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


class ConversionError(Exception):
    """The input cannot be converted without a decision recorded in a seed."""


def norm_label(value) -> str:
    text = re.sub(r"\s+", "", str(value or "")).replace("巿", "市")
    return re.sub(r"^[0-9]+[.．、]", "", text)


def norm_header(value) -> str:
    text = re.sub(r"\s+", "", str(value or "")).replace("巿", "市")
    return text.replace("（", "(").replace("）", ")").replace(">", ")")


def show_header(value) -> str:
    return re.sub(r"\s+", " ", str(value or "")).strip()


# ---------------------------------------------------------------- input files

def git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(git_dir), "-c", "core.quotepath=off", *args],
        check=True, capture_output=True,
    ).stdout


def list_editions(git_dir: Path, commit: str) -> dict[int, tuple[str, str]]:
    """edition -> (path, blob sha) of the prefecture-level file."""
    out = git(git_dir, "ls-tree", "-r", "-z", commit, "--", YEARBOOK_FOLDER).decode()
    editions = {}
    for entry in filter(None, out.split("\0")):
        meta, path = entry.split("\t", 1)
        match = FILE_PATTERN.search(path)
        if match:
            edition = int(match.group(1))
            if edition in editions:
                raise ConversionError(f"two prefecture-level files for edition {edition}")
            editions[edition] = (path, meta.split()[2])
    return editions


# ---------------------------------------------------------------- seeds

@dataclass(frozen=True)
class NameRule:
    name_printed: str
    first_edition: int
    last_edition: int
    city_code: str
    city_zh: str
    rule: str
    line: int


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_mapping(path: Path) -> list[NameRule]:
    rows = read_csv(path)
    rules = []
    for line, row in enumerate(rows, start=2):
        if list(row) != MAPPING_COLUMNS:
            raise ConversionError(f"{path}: header must be {','.join(MAPPING_COLUMNS)}")
        if row["rule"] not in MAPPING_RULES:
            raise ConversionError(f"{path}, row {line}: unknown rule {row['rule']!r}")
        rules.append(NameRule(row["name_printed"], int(row["first_edition"]),
                              int(row["last_edition"]), row["city_code"], row["city_zh"],
                              row["rule"], line))
    for a in rules:  # one printed name may not mean two things in one edition
        for b in rules:
            if a.line < b.line and a.name_printed == b.name_printed and not (
                    a.last_edition < b.first_edition or b.last_edition < a.first_edition):
                raise ConversionError(f"{path}: rows {a.line} and {b.line} overlap for {a.name_printed}")
    return rules


def load_repairs(path: Path) -> dict[tuple[int, str], dict[str, str]]:
    if not path.exists():
        return {}
    return {(int(row["edition"]), row["cell"]): row for row in read_csv(path)}


# ---------------------------------------------------------------- one edition

@dataclass
class Column:
    index: int
    header: str          # item header as printed (white space collapsed)
    definition: str


@dataclass
class Edition:
    edition: int
    year: int
    sheet: str
    file_name: str
    columns: dict[str, Column]
    rows: list[dict[str, str]]
    checks: list[str]


def header_texts(ws, first_body_row: int) -> dict[int, list[str]]:
    merged = {}
    for rng in ws.merged_cells.ranges:
        top_left = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, min(rng.max_row, first_body_row - 1) + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                merged[(r, c)] = top_left
    texts = {}
    for c in range(1, ws.max_column + 1):
        cells = []
        for r in range(1, first_body_row):
            value = merged.get((r, c), ws.cell(r, c).value)
            if value is not None and str(value).strip() and value not in cells:
                cells.append(value)
        texts[c] = cells
    return texts


def find_column(texts: dict[int, list], patterns, what: str, edition: int) -> Column:
    found = []
    for c, cells in texts.items():
        normed = [norm_header(v) for v in cells]
        if not any(WHOLE_CITY.match(n) for n in normed):
            continue
        for value, n in zip(cells, normed):
            hit = next((definition for pattern, definition in patterns if pattern.match(n)), None)
            if hit:
                found.append(Column(c, show_header(value), hit))
                break
    if len(found) != 1:
        letters = [get_column_letter(col.index) for col in found]
        raise ConversionError(f"edition {edition}: {len(found)} whole-city columns for {what} {letters}")
    return found[0]


def parse_value(cell, edition: int, ref: str, repairs) -> str:
    """The cell as printed, as canonical number text; '' when empty."""
    repair = repairs.get((edition, ref))
    value = cell.value
    if repair is not None:
        if str(value) != repair["printed"]:
            raise ConversionError(
                f"edition {edition}, {ref}: repair expects {repair['printed']!r}, cell holds {value!r}")
        return repair["value"]
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, bool):
        raise ConversionError(f"edition {edition}, {ref}: boolean cell {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    if NUMBER.fullmatch(text):
        return text.rstrip("0").rstrip(".") if "." in text else text
    raise ConversionError(
        f"edition {edition}, {ref}: {value!r} is not a number; add a row to "
        "seeds/city/city_cell_repairs.csv (edition, cell, printed, value, reason) if the printed "
        "text can be read unambiguously")


def convert_edition(edition: int, path: str, blob: bytes, mapping: list[NameRule],
                    headings: dict[str, str], repairs) -> Edition:
    wb = openpyxl.load_workbook(io.BytesIO(blob), data_only=True)
    if len(wb.worksheets) != 1:
        raise ConversionError(f"edition {edition}: expected one worksheet, found {wb.sheetnames}")
    ws = wb.worksheets[0]
    labels = {r: norm_label(ws.cell(r, 1).value) for r in range(1, ws.max_row + 1)}
    first = next((r for r, a in labels.items() if a == "城市合计" or a.startswith("北京")), None)
    if first is None:
        raise ConversionError(f"edition {edition}: no row 城市合计 or 北京 in column A")
    title_years = {int(m.group(1)) for r in range(1, first)
                   for m in [TITLE.search(re.sub(r"\s+", "", str(ws.cell(r, 1).value or "")))] if m}
    if title_years != {edition - 1}:
        raise ConversionError(f"edition {edition}: title years {title_years}, expected {edition - 1}")
    texts = header_texts(ws, first)
    columns = {
        "beds": find_column(texts, BED_SERIES, "beds", edition),
        "doctors": find_column(texts, DOCTOR_SERIES, "doctors", edition),
        "population_10k": find_column(texts, POPULATION_BASIS, "population", edition),
    }
    file_name = path.rsplit("/", 1)[-1]
    rows, unmatched, seen, bad_cells, empty, not_yet_city = [], [], {}, [], [], []
    total_row = None
    heading = None            # (province code, row) of the current province heading
    subtotals = []            # (province code, row)
    for r in range(first, ws.max_row + 1):
        label = labels[r]
        refs = {k: f"{get_column_letter(col.index)}{r}" for k, col in columns.items()}
        if not label:
            if any(ws.cell(r, col.index).value not in (None, "") for col in columns.values()):
                raise ConversionError(f"edition {edition}, {ws.title}!A{r}: values without a label")
            continue
        if label == "城市合计":
            total_row = r
            continue
        if label in headings:
            heading = (headings[label], r)
            subtotals.append(heading)
            continue
        rule = next((m for m in mapping if m.name_printed == label
                     and m.first_edition <= edition <= m.last_edition), None)
        if rule is None:
            unmatched.append(f"{ws.title}!A{r} {label!r}")
            continue
        if rule.rule == "province_heading":
            heading = (rule.city_code, r)
            subtotals.append(heading)
            continue
        if rule.rule == "not_yet_city":
            # A roster row of a unit that is not yet a city in this edition: its evidence (no
            # population printed) is checked; whatever health values stand in it are listed.
            printed = {k: ws.cell(r, col.index).value for k, col in columns.items()}
            if printed["population_10k"] not in (None, ""):
                raise ConversionError(
                    f"edition {edition}, {ws.title}!A{r} {label!r}: mapped not_yet_city but a "
                    f"population is printed ({printed['population_10k']!r})")
            held = [f"{k} {refs[k]}={v}" for k, v in printed.items() if v not in (None, "")]
            not_yet_city.append(f"{ws.title}!A{r} {rule.city_zh}"
                                + (f" (holds {', '.join(held)})" if held else ""))
            continue
        code = rule.city_code
        if code in seen:
            raise ConversionError(f"edition {edition}: A{seen[code]} and A{r} both map to {code}")
        seen[code] = r
        province = code[:2] + "0000"
        if not code.endswith("0000") and (heading is None or heading[0] != province):
            raise ConversionError(
                f"edition {edition}, {ws.title}!A{r} {label!r} -> {code}: listed under the "
                f"heading of {heading[0] if heading else 'no province'}")
        values = {}
        for k, col in columns.items():
            try:
                values[k] = parse_value(ws.cell(r, col.index), edition, f"{ws.title}!{refs[k]}", repairs)
            except ConversionError as error:
                bad_cells.append(str(error))
        if not any(values.values()):
            empty.append(f"{ws.title}!A{r} {rule.city_zh}")
            continue
        rows.append({
            "year": str(edition - 1), "city_code": code, "province_code": province,
            "city_zh": rule.city_zh, **values,
            "bed_series": columns["beds"].definition,
            "doctor_series": columns["doctors"].definition,
            "population_basis": columns["population_10k"].definition,
            "source_file": file_name,
            "source_cells": f"{ws.title}!A{r},{refs['beds']},{refs['doctors']},{refs['population_10k']}",
        })
    if unmatched:
        raise ConversionError(
            f"edition {edition} (data year {edition - 1}): {len(unmatched)} label(s) match no row of "
            "seeds/city/city_name_codes.csv: " + "; ".join(unmatched))
    if bad_cells:
        raise ConversionError("\n".join(bad_cells))
    checks = sum_checks(ws, edition, columns, rows, total_row, subtotals, repairs)
    if empty:
        checks.append(f"rows without any of the three values (left out): {'; '.join(empty)}")
    if not_yet_city:
        checks.append(f"rows of units not yet cities (left out): {'; '.join(not_yet_city)}")
    return Edition(edition, edition - 1, ws.title, file_name, columns, rows, checks)


def sum_checks(ws, edition, columns, rows, total_row, subtotals, repairs) -> list[str]:
    """City sums against the printed all-city total and province subtotals (report only)."""
    lines = []

    def printed(r, key):
        try:
            text = parse_value(ws.cell(r, columns[key].index), edition, "", {})
        except ConversionError:
            return None
        return float(text) if text else None

    for key in columns:
        values = [(row["province_code"], float(row[key])) for row in rows if row[key]]
        if total_row is not None:
            target = printed(total_row, key)
            got = sum(v for _, v in values)
            if target:
                lines.append(f"{key}: cities sum {got:.2f} vs printed 城市合计 {target:.2f} "
                             f"(ratio {got / target:.4f})")
        off = []
        for province, r in subtotals:
            target = printed(r, key)
            if not target:
                continue
            got = sum(v for p, v in values if p == province)
            if abs(got - target) > max(0.5, 0.0005 * target):
                off.append(f"{province} A{r}: {got:.2f} vs {target:.2f}")
        checked = sum(1 for _, r in subtotals if printed(r, key))
        if checked:
            lines.append(f"{key}: {checked} printed province subtotals, {len(off)} differ"
                         + (": " + "; ".join(off) if off else ""))
    return lines


# ---------------------------------------------------------------- census verification

def verify_codes(mapping: list[NameRule], census_git: Path) -> list[str]:
    def load(path, code_col, name_col, prov_col=None):
        wb = openpyxl.load_workbook(io.BytesIO(git(census_git, "show", f"{CENSUS_COMMIT}:{path}")),
                                    read_only=True)
        out = defaultdict(set)
        for row in list(wb.worksheets[0].iter_rows(values_only=True))[1:]:
            code = str(row[code_col] or "")
            if not re.fullmatch(r"[1-9][0-9]{5}", code):
                continue
            name = re.sub(r"\s+", "", str(row[name_col]))
            if prov_col is not None and str(row[prov_col]) == name:   # municipality
                out[code[:2] + "0000"].add(name)
            else:
                out[code[:4] + "00"].add(name)
        return out

    c2020 = load(CENSUS_2020, 0, 2, 1)       # 区划代码, 省, 市 columns
    c2010 = {}
    wb = openpyxl.load_workbook(io.BytesIO(git(census_git, "show", f"{CENSUS_COMMIT}:{CENSUS_2010}")),
                                read_only=True)
    for row in list(wb.worksheets[0].iter_rows(values_only=True))[1:]:
        code = str(row[1] or "")
        if re.fullmatch(r"[1-9][0-9]{3}00", code):
            c2010.setdefault(code, set()).add(re.sub(r"\s+", "", str(row[0])))
    problems = []
    for m in mapping:
        if m.rule == "province_heading":
            continue
        book = c2010 if m.rule == "dissolved" else c2020
        if m.city_zh not in book.get(m.city_code, set()):
            problems.append(f"city_name_codes row {m.line}: {m.city_code} {m.city_zh} not in the "
                            f"{'2010' if m.rule == 'dissolved' else '2020'} census list "
                            f"(it has {sorted(book.get(m.city_code, []))})")
        if m.rule == "same_name" and m.name_printed != m.city_zh:
            problems.append(f"city_name_codes row {m.line}: same_name but {m.name_printed} != {m.city_zh}")
    return problems


# ---------------------------------------------------------------- main

def parse_editions(text: str) -> range:
    first, _, last = text.partition("-")
    return range(int(first), int(last or first) + 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("git_dir", type=Path, help="git directory of a NNroc/MpoxPredict mirror")
    parser.add_argument("--commit", default=YEARBOOK_COMMIT)
    parser.add_argument("--editions", default=DEFAULT_EDITIONS, type=parse_editions,
                        help="first-last edition (default %(default)s)")
    parser.add_argument("--seeds", default=Path("seeds"), type=Path)
    parser.add_argument("--census-git", type=Path, help="git directory of a leiii/census mirror")
    parser.add_argument("--report", type=Path, help="also write the header and check report here")
    args = parser.parse_args(argv)

    city_dir = args.seeds / "city"
    mapping = load_mapping(city_dir / "city_name_codes.csv")
    repairs = load_repairs(city_dir / "city_cell_repairs.csv")
    provinces = read_csv(args.seeds / "reference" / "ref_provinces.csv")
    headings = {p["province_full_zh"]: p["region_code"] for p in provinces
                if p["province_full_zh"] not in {"北京市", "天津市", "上海市", "重庆市"}}
    report = []
    if args.census_git:
        problems = verify_codes(mapping, args.census_git)
        if problems:
            raise ConversionError("mapping codes not confirmed by the census lists:\n  " + "\n  ".join(problems))
        report.append(f"census check: all {len(mapping)} mapping rows confirmed "
                      f"(leiii/census {CENSUS_COMMIT[:8]})")

    files = list_editions(args.git_dir, args.commit)
    missing = [e for e in args.editions if e not in files]
    if missing:
        raise ConversionError(f"no prefecture-level file for edition(s) {missing}")
    rows = []
    for edition in args.editions:
        path, sha = files[edition]
        result = convert_edition(edition, path, git(args.git_dir, "cat-file", "blob", sha),
                                 mapping, headings, repairs)
        rows.extend(result.rows)
        report.append(f"edition {edition} (data {result.year}) {result.file_name} blob {sha} "
                      f"sheet {result.sheet}: {len(result.rows)} cities")
        for key, col in result.columns.items():
            report.append(f"  {key}: column {get_column_letter(col.index)} "
                          f"[{col.definition}] {col.header}")
        report.extend(f"  check {line}" for line in result.checks)

    rows.sort(key=lambda row: (int(row["year"]), row["city_code"]))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=OUTPUT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    target = city_dir / "city_health_resources.csv"
    target.write_bytes(out.getvalue().encode("utf-8"))
    report.append(f"wrote {target}: {len(rows)} rows")
    text = "\n".join(report) + "\n"
    if args.report:
        args.report.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ConversionError as error:
        sys.exit(f"convert_city_yearbook: {error}")
