"""Turn an NBS "Annual by Province" CSV export into a long-shaped medres seed.

The National Bureau of Statistics database (data.stats.gov.cn, "Annual by Province") exports one
indicator per file: a header naming the database and the indicator, a row of years (newest first),
one row per province (English name) and footer notes. medres keeps such a series as one seed with
one row per (year, province): ``year,region_code,province_zh,<column>``. Next year's figures then
come from re-running this script on the new export, never from re-typing.

    python scripts/nbs_export_to_seed.py EXPORT.csv --column beds_10k --out seeds/nbs/nbs_beds.csv

* Province names are mapped to GB/T 2260 codes through ``seeds/reference/ref_provinces.csv``
  (``province_en``); a name that is not there stops the script.
* Empty cells (the export lists the current year before it has data) are skipped.
* Values are copied as printed (the export's own rounding), never rescaled.
* Rows of the existing seed for years the export does not cover are kept. A year the export does
  cover replaces the seed's rows only when every value is equal, or with ``--accept-revisions``
  (NBS revises series, e.g. 2011-2019 populations after the 2020 census: a revision must be a
  deliberate choice, and the whole year is then taken from the new vintage, never mixed).

The output is sorted by year and code, so the same input always gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[1] / "seeds" / "reference" / "ref_provinces.csv"


class ExportError(ValueError):
    """The export or the seed cannot be converted; the message names the file and line."""


def read_export(path: Path) -> tuple[str, dict[tuple[int, str], str]]:
    """Return the export's indicator line and its values keyed by (year, English province name)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    if not lines or not lines[0] or not lines[0][0].startswith("Database:Annual by Province"):
        raise ExportError(f"{path}, line 1: not an NBS 'Annual by Province' export")
    indicator = next((line[0] for line in lines if line and line[0].startswith("Indicators:")), "")
    header_at = next((i for i, line in enumerate(lines) if line and line[0] == "Region"), None)
    if header_at is None:
        raise ExportError(f"{path}: no 'Region,<years>' header line")
    years = lines[header_at][1:]
    values: dict[tuple[int, str], str] = {}
    for number, line in enumerate(lines[header_at + 1:], start=header_at + 2):
        if not line or ":" in line[0]:  # footer: "Note:...", "Data Sources:..."
            continue
        if len(line) != len(years) + 1:
            raise ExportError(f"{path}, line {number}: {len(line)} cells, header has {len(years) + 1}")
        for year, cell in zip(years, line[1:]):
            if cell.strip():
                values[(int(year), line[0].strip())] = cell.strip()
    return indicator, values


def province_codes(reference: Path = REFERENCE) -> dict[str, tuple[str, str]]:
    """English province name -> (GB/T 2260 code, short Chinese name)."""
    with reference.open(encoding="utf-8-sig", newline="") as handle:
        return {row["province_en"]: (row["region_code"], row["province_zh"]) for row in csv.DictReader(handle)}


def convert(export: Path, column: str, existing: list[dict[str, str]], accept_revisions: bool,
            reference: Path = REFERENCE) -> list[dict[str, str]]:
    """Seed rows: the export's years, plus existing rows of the years it does not cover."""
    _, values = read_export(export)
    codes = province_codes(reference)
    unknown = sorted({name for _, name in values if name not in codes})
    if unknown:
        raise ExportError(f"{export}: province name(s) {unknown} are not in {reference} (province_en)")
    rows = {
        (year, codes[name][0]): {"year": str(year), "region_code": codes[name][0],
                                 "province_zh": codes[name][1], column: value}
        for (year, name), value in values.items()
    }
    covered = {year for year, _ in rows}
    revised = [
        f"{row['year']} {row['region_code']}: seed {row[column]}, export {rows[key][column]}"
        for row in existing
        if (key := (int(row["year"]), row["region_code"])) in rows
        and float(row[column]) != float(rows[key][column])
    ]
    if revised and not accept_revisions:
        raise ExportError(
            f"{export}: the export revises {len(revised)} value(s) of the seed ({'; '.join(revised[:5])}"
            f"{' ...' if len(revised) > 5 else ''}); rerun with --accept-revisions to take the new "
            "vintage for those years, and record it in seeds/SOURCES.md"
        )
    for row in existing:
        if int(row["year"]) not in covered:
            rows[(int(row["year"]), row["region_code"])] = row
    return [rows[key] for key in sorted(rows)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path, help="the NBS CSV export, as downloaded")
    parser.add_argument("--column", required=True, help="value column of the seed, e.g. beds_10k")
    parser.add_argument("--out", type=Path, required=True, help="the seed CSV to write (merged if it exists)")
    parser.add_argument("--accept-revisions", action="store_true",
                        help="take the export's values for years whose seed values differ")
    args = parser.parse_args(argv)
    existing: list[dict[str, str]] = []
    if args.out.exists():
        with args.out.open(encoding="utf-8", newline="") as handle:
            existing = list(csv.DictReader(handle))
    try:
        rows = convert(args.export, args.column, existing, args.accept_revisions)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["year", "region_code", "province_zh", args.column], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{args.out}: {len(rows)} rows, years {rows[0]['year']}-{rows[-1]['year']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
