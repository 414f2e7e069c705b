"""The bad-input catalogue: each way a seed (or a var) can be wrong stops the build with a message
naming the file, the row and the column, and leaves the last good published outputs byte for byte as
they were.

A module-scoped fixture gives a built and published copy of the project. Each case corrupts one
seed of that copy (two for a swap of values between series), runs the pipeline `make build` runs
(seedcheck, dbt build, publish; a case with ``vars`` passes them to the seedcheck and to dbt as
``--vars``) and checks the outcome. Afterwards every file is restored, and so are the warehouse
and dbt's run results if dbt wrote them (a failed build leaves its corrupted seed behind), so each
case starts from the good build. The seedcheck stops almost every case before dbt starts, so a
case costs about a second; the cases only dbt catches are marked ``caught_by="dbt build"`` and build
the subgraph that catches them (``select``: the seed and the models its failing test checks, or the
model reading a var and the model that checks it), a few seconds each. The wrong-var cases need no
select: dbt's on-run-start check stops them before any node runs. Cases only dbt catches that change
different seeds and set no vars run together, in one dbt build of their selections, and so do such
accepted cases (``batches``); each still asserts its own messages.

A few cases are accepted (``caught_by=None``): the seed check passes, and dbt builds the changed
seed, its staging model and the tests on both, which must pass, and the staging model must hold the
same rows as before. That proves the whole build unchanged without building it: the staging model
is the only model reading its seed (it types and renames the seed's columns), so the same staged
rows are the same input to every model downstream, and the build is deterministic
(test_idempotency), so it would build the same marts. The acknowledged change adds a row to
acknowledged_changes, which no model reads: only the seed check's year-over-year rule and dbt's
cross-province tests do, so the marts cannot change, and its select runs those tests.

Under `make test` the copy is a copy of the build `make test` has just made (conftest). A selected
build does not publish (conftest.ProjectCopy.build stops after dbt), and every case checks that
published/ is byte for byte as it was.

Row numbers in the expected messages are spreadsheet rows: the header is row 1. The NBS panel seeds
hold one row per (year, province), sorted by year and code: 2016 is rows 2-32, 2020 rows 126-156.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import BuildResult, ProjectCopy, relation_digest

POPULATION = "seeds/nbs/nbs_population.csv"
BEDS = "seeds/nbs/nbs_beds.csv"
INSTITUTIONS = "seeds/nbs/nbs_institutions.csv"
PERSONNEL = "seeds/nbs/nbs_health_personnel.csv"
TECHNICIANS = "seeds/nbs/nbs_health_technicians.csv"
CENSUS = "seeds/census/census_population.csv"
EXPENDITURE = "seeds/yearbook/yearbook_health_expenditure.csv"
PROVINCES = "seeds/reference/ref_provinces.csv"
ACKNOWLEDGED = "seeds/reference/acknowledged_changes.csv"
RANKINGS = "seeds/fudan/fudan_hospital_rankings.csv"
HOSPITALS = "seeds/fudan/fudan_hospitals.csv"
ALIASES = "seeds/fudan/fudan_hospital_aliases.csv"
CITIES = "seeds/city/city_health_resources.csv"
CITY_NAMES = "seeds/city/city_name_codes.csv"
CITY_EXCEPTIONS = "seeds/city/city_acknowledged_exceptions.csv"
LAND_AREA = "seeds/reference/ref_land_area.csv"

# The year-over-year thresholds of dbt_project.yml with beds lowered to 17.4 %: the largest real
# change of 2016-2024 (Hainan's beds, 4.98 -> 5.85 in 2020, +17.5 %) then exceeds it. A --vars
# override replaces the whole mapping, so every series is listed.
LOWER_BEDS_THRESHOLD = ("{medres_year_over_year_max_change: {institutions: 0.22, health_personnel_10k: 0.22, "
                        "health_technicians_10k: 0.22, beds_10k: 0.174, yearend_population_10k: 0.06, beds: 2.0, "
                        "doctors: 2.0}}")


def replace(old: str, new: str) -> Callable[[str], str]:
    """Corruption replacing the one occurrence of ``old`` (which must be unique in the file)."""
    def corrupt(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} must occur exactly once in the seed"
        return text.replace(old, new)
    return corrupt


def edit_lines(change: Callable[[list[str]], list[str]]) -> Callable[[str], str]:
    """Corruption editing the list of lines (header first)."""
    return lambda text: "".join(change(text.splitlines(keepends=True)))


def drop_rows(*prefixes: str) -> Callable[[str], str]:
    """Corruption deleting every data row that starts with one of ``prefixes`` (at least one)."""
    def change(lines: list[str]) -> list[str]:
        kept = [line for line in lines if not line.startswith(prefixes)]
        assert len(kept) < len(lines), f"no row starts with {prefixes}"
        return kept
    return edit_lines(change)


def stale_year(source: int, target: int) -> Callable[[str], str]:
    """Corruption giving every row of year ``target`` the value of the same province in ``source``
    (last year's column pasted over this year's)."""
    def change(lines: list[str]) -> list[str]:
        old = {line.split(",")[1]: line.rsplit(",", 1)[1] for line in lines if line.startswith(f"{source},")}
        return [line.rsplit(",", 1)[0] + "," + old[line.split(",")[1]] if line.startswith(f"{target},")
                else line for line in lines]
    return edit_lines(change)


def unchanged(text: str) -> str:
    return text


@dataclass(frozen=True)
class Case:
    name: str
    seed: str | None  # None: no seed is changed (a case of --vars only)
    corrupt: Callable[[str], str]
    expected: tuple[str, ...]  # exact substrings of the combined output: file, row and column
    caught_by: str | None = "seedcheck"  # the step that stops the build; None: the build passes
    encoding: str = "utf-8"
    also: tuple[tuple[str, Callable[[str], str]], ...] = ()  # further (seed, corruption) pairs
    vars: str | None = None  # --vars of the seedcheck and of dbt build
    max_output_bytes: int | None = None  # the whole output of the pipeline stays below this
    # dbt build -s: for a dbt-caught case the changed seed and the models its failing test checks
    # (or the model reading a var and the model that checks it), for an accepted case the changed
    # seed and its staging model, not the whole project (the catalogue stays fast); None builds
    # everything.
    select: str | None = None

    def __post_init__(self) -> None:
        if self.caught_by is None and self.select is None:
            raise ValueError(f"accepted case {self.name!r} needs select: its seed and staging model")

    @property
    def corruptions(self) -> tuple[tuple[str, Callable[[str], str]], ...]:
        first = () if self.seed is None else ((self.seed, self.corrupt),)
        return (*first, *self.also)


CASES = [
    # --- The file as a whole: encoding, header, shape. ---
    Case("empty file", POPULATION, lambda text: "",
         (f"{POPULATION}, row 1 (header): the file is empty",
          "expected the header year,region_code,province_zh,yearend_population_10k")),
    Case("header row missing", POPULATION, edit_lines(lambda lines: lines[1:]),
         (f"{POPULATION}, row 1 (header), column year: header cell 1 reads '2016', expected 'year'",)),
    Case("misnamed column", BEDS, replace("beds_10k", "beds"),
         (f"{BEDS}, row 1 (header), column beds_10k: header cell 4 reads 'beds', expected 'beds_10k'",)),
    Case("missing column", CENSUS,
         edit_lines(lambda lines: [line.rsplit(",", 1)[0] + "\n" for line in lines]),
         (f"{CENSUS}, row 1 (header), column census_population: missing from the header",)),
    Case("extra column", POPULATION,
         edit_lines(lambda lines: [line.rstrip("\n") + (",note\n" if i == 0 else ",x\n")
                                   for i, line in enumerate(lines)]),
         (f"{POPULATION}, row 1 (header), column note: not declared in seeds/_seeds.yml",)),
    Case("not UTF-8 (saved as GBK)", POPULATION, unchanged, (f"{POPULATION}, row 2: the file is not UTF-8",),
         encoding="gbk"),
    Case("unquoted comma splits a row", POPULATION, replace("2020,110000,北京,", "2020,110000,北京,市,"),
         (f"{POPULATION}, row 126: the row has 5 cells but the header has 4",)),
    Case("blank row", POPULATION, edit_lines(lambda lines: [*lines[:5], "\n", *lines[5:]]),
         (f"{POPULATION}, row 6: the row is blank",)),
    Case("trailing comma on every line", BEDS,
         edit_lines(lambda lines: [line.rstrip("\n") + ",\n" for line in lines]),
         (f"{BEDS}, row 1 (header): the header ends with a comma, which adds an unnamed empty column: "
          "delete the comma at the end of every line",)),
    # One error, not hundreds about the rows the quote swallowed (or about the files that refer to it).
    Case("one stray quote", BEDS, replace("2020,120000,天津,6.83", '2020,120000,"天津,6.83'),
         (f"{BEDS}, row 127, column province_zh: a quote opens a cell on line 127 and is never closed, "
          "so the rest of the file would be read as one cell (a stray quote?): delete it or close it",
          "seedcheck: 1 error(s)")),
    Case("full-width commas as separators", BEDS, lambda text: text.replace(",", "，"),
         (f"{BEDS}, row 1 (header): the header is separated by full-width commas '，' (U+FF0C), which do "
          "not separate cells: replace every '，' between cells with an ASCII comma ','",)),
    # Bounded: 20 lines per file and rule, then one line counting the rest (31,000 lines of errors
    # would be about 6 MB; any count above 20 proves the bound, and the check reads each of these
    # rows at about 30 µs, so 31,000 rather than 310,000 saves 9 CPU s of the suite).
    Case("31,000 duplicate rows", POPULATION, edit_lines(lambda lines: lines + [lines[1]] * 31_000),
         (f"{POPULATION}, row 281 (year 2016, region_code 110000), columns year, region_code: year 2016, "
          "region_code 110000 is also in row 2",
          f"{POPULATION}: 30980 more errors like the 20 above (unique_key year, region_code) not printed",
          "seedcheck: 31000 error(s)"),
         max_output_bytes=50_000),

    # --- One cell. ---
    Case("non-numeric cell", BEDS, replace("2020,110000,北京,12.70", "2020,110000,北京,n/a"),
         (f"{BEDS}, row 126 (year 2020, region_code 110000), column beds_10k: 'n/a' is not a number",)),
    Case("decimal comma", BEDS, replace("2020,110000,北京,12.70", '2020,110000,北京,"12,70"'),
         (f"{BEDS}, row 126 (year 2020, region_code 110000), column beds_10k: '12,70' is not a number "
          "(use a dot for decimals and no thousands separators)",)),
    Case("exponent notation (1.38E+04)", EXPENDITURE, replace("13766.8", "1.38E+04"),
         (f"{EXPENDITURE}, row 2 (year 2020, region_code 110000), column health_expenditure_per_capita_yuan: "
          "'1.38E+04' is in exponent notation: write the number in full",)),
    Case("empty cell", INSTITUTIONS, replace("2020,120000,天津,5838", "2020,120000,天津,"),
         (f"{INSTITUTIONS}, row 127 (year 2020, region_code 120000), column institutions: the cell is empty",)),
    Case("negative count", INSTITUTIONS, replace("2020,130000,河北,86939", "2020,130000,河北,-86939"),
         (f"{INSTITUTIONS}, row 128 (year 2020, region_code 130000), column institutions: '-86939' is not > 0",)),
    Case("zero population", POPULATION, replace("2020,140000,山西,3490", "2020,140000,山西,0"),
         (f"{POPULATION}, row 129 (year 2020, region_code 140000), column yearend_population_10k: '0' is not > 0",)),
    Case("negative population", POPULATION, replace("2020,130000,河北,7464", "2020,130000,河北,-3"),
         (f"{POPULATION}, row 128 (year 2020, region_code 130000), column yearend_population_10k: '-3' is not > 0",)),
    Case("full-width digits in a code", POPULATION, replace("2020,110000,", "2020,１１0000,"),
         (f"{POPULATION}, row 126 (year 2020, region_code １１0000), column region_code: '１１0000' contains "
          "the full-width character '１': type the ASCII '1'",)),
    Case("full-width space in a name", POPULATION, replace("2020,110000,北京,", "2020,110000,北京\u3000,"),
         (f"{POPULATION}, row 126 (year 2020, region_code 110000), column province_zh: "
          "'北京\u3000' contains a full-width space (U+3000)",)),
    Case("tab in a code", BEDS, replace("2020,110000,", "2020,110000\t,"),
         (f"{BEDS}, row 126 (year 2020, region_code 110000\t), column region_code: '110000\t' contains a tab",)),

    # --- Keys and references. ---
    Case("duplicate province", POPULATION, edit_lines(lambda lines: [*lines, lines[3]]),
         (f"{POPULATION}, row 281 (year 2016, region_code 130000), columns year, region_code: "
          "year 2016, region_code 130000 is also in row 4",)),
    Case("missing province (every year)", BEDS, drop_rows(*(f"{year},130000," for year in range(2016, 2025))),
         (f"{BEDS}, year 2016, column region_code: no row for 130000; "
          f"{PROVINCES} row 4 (2020,130000,河北,",
          f"{BEDS}, year 2024, column region_code: no row for 130000")),
    Case("missing year for one province", BEDS, drop_rows("2018,130000,"),
         (f"{BEDS}, year 2018, column region_code: no row for 130000; {PROVINCES} row 4 (2020,130000,河北,",)),
    Case("year in one series, absent in another", TECHNICIANS, drop_rows("2024,"),
         (f"{TECHNICIANS}, column year: no row for year 2024, which {POPULATION} has; every series of "
          "the panel needs the same years",)),
    # The export's 2020 column pasted twice: every 2020 row twice (bounded to 20 lines + a count).
    Case("duplicated year column", BEDS,
         edit_lines(lambda lines: lines + [line for line in lines if line.startswith("2020,")]),
         (f"{BEDS}, row 281 (year 2020, region_code 110000), columns year, region_code: year 2020, "
          "region_code 110000 is also in row 126",
          f"{BEDS}: 11 more errors like the 20 above (unique_key year, region_code) not printed")),
    # ref_provinces is one code-list vintage; the year rule names the cause before the duplicates.
    Case("second year in ref_provinces", PROVINCES,
         edit_lines(lambda lines: lines + [line.replace("2020,", "2021,", 1) for line in lines[1:]]),
         (f"{PROVINCES}, row 33 (year 2021, region_code 110000), column year: '2021' is not one of 2020",
          f"{PROVINCES}, row 33 (year 2021, region_code 110000), column province_zh: '北京' is also in row 2")),
    Case("unknown province code", POPULATION, replace("2020,650000,", "2020,660000,"),
         (f"{POPULATION}, row 156 (year 2020, region_code 660000), column region_code: '660000' is not a "
          f"region_code listed in {PROVINCES}",)),
    Case("name not matching its code", BEDS, replace("2020,130000,河北,", "2020,130000,河南,"),
         (f"{BEDS}, row 128 (year 2020, region_code 130000), column province_zh: '河南' does not "
          f"match region_code 130000, which {PROVINCES} row 4 names '河北'",)),

    # --- Plausibility: units, slips, swaps (values that pass every single-cell rule). ---
    Case("beds in beds instead of 10,000 beds", BEDS,
         replace("2020,110000,北京,12.70", "2020,110000,北京,127000"),
         (f"{BEDS}, row 126 (year 2020, region_code 110000), column beds_10k: beds_10k 127000 / "
          f"yearend_population_10k 2189 ({POPULATION} row 126) gives 58017.4 beds per 1,000 people, "
          "outside the plausible range 2.5 to 13",)),
    Case("population in persons instead of 10,000", POPULATION,
         replace("2020,110000,北京,2189", "2020,110000,北京,21893095"),
         (f"{CENSUS}, row 2 (year 2020, region_code 110000), column census_population: "
          "census_population 21893095 / yearend_population_10k 21893095",
          f"{BEDS}, row 126 (year 2020, region_code 110000), column beds_10k: beds_10k 12.70 / "
          f"yearend_population_10k 21893095 ({POPULATION} row 126) gives 0.000580092 beds per 1,000 people")),
    Case("technicians in persons instead of 10,000", TECHNICIANS,
         replace("2020,110000,北京,27.61", "2020,110000,北京,276100"),
         (f"{TECHNICIANS}, row 126 (year 2020, region_code 110000), column health_technicians_10k: "
          f"health_technicians_10k 276100 / yearend_population_10k 2189 ({POPULATION} row 126) gives 126131 "
          "health technicians per 1,000 people, outside the plausible range 3 to 22; health_technicians_10k "
          "is in 10,000 persons (27.61 means 276,100 persons)",
          f"{TECHNICIANS}, row 126 (year 2020, region_code 110000), column health_technicians_10k: "
          "health_technicians_10k 276100 is not <= health_personnel_10k 34.81")),
    Case("lost decimal point in expenditure (Hebei 3872.4 -> 38724)", EXPENDITURE,
         replace("2020,130000,河北,3872.4", "2020,130000,河北,38724"),
         (f"{EXPENDITURE}, row 4 (year 2020, region_code 130000), column health_expenditure_per_capita_yuan: "
          "'38724' is not <= 25000",)),
    Case("Qinghai 2020 personnel and beds swapped", PERSONNEL,
         replace("2020,630000,青海,6.43", "2020,630000,青海,4.13"),
         (f"{PERSONNEL}, row 154 (year 2020, region_code 630000), column health_personnel_10k: "
          f"health_personnel_10k 4.13 / beds_10k 6.43 ({BEDS} row 154) gives 0.642302 health personnel "
          "per bed, outside the plausible range 0.9 to 3.6",
          f"{TECHNICIANS}, row 154 (year 2020, region_code 630000), column health_technicians_10k: "
          "health_technicians_10k 4.89 is not <= health_personnel_10k 4.13",
          f"{BEDS}, row 154 (year 2020, region_code 630000), column beds_10k: 6.43 in year 2020 is 1.55314 "
          "times 4.14 in year 2019 (row 123)",
          f"{PERSONNEL}, row 154 (year 2020, region_code 630000), column health_personnel_10k: 4.13 in "
          "year 2020 is 1/1.50121 of 6.2 in year 2019 (row 123)"),
         also=((BEDS, replace("2020,630000,青海,4.13", "2020,630000,青海,6.43")),)),
    Case("transposed digits (Tianjin 2020 beds 6.83 -> 8.63)", BEDS,
         replace("2020,120000,天津,6.83", "2020,120000,天津,8.63"),
         (f"{BEDS}, row 127 (year 2020, region_code 120000), column beds_10k: 8.63 in year 2020 is 1.26354 "
          "times 6.83 in year 2019 (row 96); a change by more than a factor of 1.22 either way (max_ratio "
          "0.22) is taken for a typing slip. If the change is real, add the row "
          f"2020,120000,beds_10k,<reason>,<source> to {ACKNOWLEDGED}",)),
    Case("real change beyond a lowered threshold, not acknowledged", BEDS, unchanged,
         (f"{BEDS}, row 146 (year 2020, region_code 460000), column beds_10k: 5.85 in year 2020 is 1.1747 "
          "times 4.98 in year 2019 (row 115); a change by more than a factor of 1.174 either way "
          "(max_ratio 0.174) is taken for a typing slip. If the change is real, add the row "
          f"2020,460000,beds_10k,<reason>,<source> to {ACKNOWLEDGED}",),
         vars=LOWER_BEDS_THRESHOLD),

    # --- Fudan ranking. ---
    Case("hospital not in the alias list", RANKINGS,
         replace("2021,5,复旦大学附属中山医院,", "2021,5,复旦大学附属中山医院东院,"),
         (f"{RANKINGS}, row 706 (edition 2021, rank 5), column hospital_zh: '复旦大学附属中山医院东院' is "
          f"not a hospital_zh listed in {ALIASES}",)),
    Case("hospital mapped to an unknown province", HOSPITALS,
         replace(",中国人民解放军总医院,北京,110000,", ",中国人民解放军总医院,北京,190000,"),
         (f"{HOSPITALS}, row 27 (hospital_id h_3cfd7279c0), column region_code: '190000' is not a "
          f"region_code listed in {PROVINCES}",)),
    Case("duplicate rank within an edition", RANKINGS,
         replace("2020,3,中国人民解放军总医院,", "2020,2,中国人民解放军总医院,"),
         (f"{RANKINGS}, row 604 (edition 2020, rank 2), columns edition, rank: edition 2020, rank 2 is "
          "also in row 603",)),
    Case("one hospital twice in an edition (old and new name)", RANKINGS,
         replace("2021,59,天津医科大学总医院,", "2021,59,南京军区南京总医院,"),
         (f"{RANKINGS}, row 760 (edition 2021, rank 59), column hospital_zh: '南京军区南京总医院' and row 759 "
          f"'中国人民解放军东部战区总医院' are the same hospital (h_3d6078f899 in {ALIASES}); edition 2021 "
          "lists it twice",)),
    Case("reputation above 80", RANKINGS, replace("2019,1,中国医学科学院北京协和医院,80.000,14.236,94.236,",
                                                  "2019,1,中国医学科学院北京协和医院,80.100,14.236,94.336,"),
         (f"{RANKINGS}, row 502 (edition 2019, rank 1), column reputation_score: '80.100' is not <= 80",)),
    Case("research above 20", RANKINGS, replace("2019,2,四川大学华西医院,64.259,20.000,84.259,",
                                                "2019,2,四川大学华西医院,64.259,20.500,84.759,"),
         (f"{RANKINGS}, row 503 (edition 2019, rank 2), column research_score: '20.500' is not <= 20",)),
    Case("total is not reputation + research", RANKINGS, replace("59.938,12.042,71.980,", "59.938,12.042,71.990,"),
         (f"{RANKINGS}, row 504 (edition 2019, rank 3), column total_score: '71.990' differs from "
          "reputation_score + research_score = 71.98 by 0.01 (more than the allowed 0.0015)",)),

    # --- City panel. ---
    Case("city name not the one its code stands for (苏州 for 苏州市)", CITIES,
         replace("2015,320500,320000,苏州市,", "2015,320500,320000,苏州,"),
         (f"{CITIES}, row 4327 (year 2015, city_code 320500), column city_zh: '苏州' does not match "
          f"city_code 320500, which {CITY_NAMES} row 86 names '苏州市'",)),
    Case("city code outside its province", CITIES,
         replace("2015,320500,320000,苏州市,", "2015,320500,330000,苏州市,"),
         (f"{CITIES}, row 4327 (year 2015, city_code 320500), columns city_code, province_code: '320500' "
          "starts with 32, but province_code 330000 starts with 33; the first 2 digits of a GB/T 2260 "
          "code are its province's",)),
    Case("city beds with an extra digit (扬州 2018 17119 -> 171190)", CITIES,
         replace("2018,321000,320000,扬州市,17119,", "2018,321000,320000,扬州市,171190,"),
         (f"{CITIES}, row 5218 (year 2018, city_code 321000), column beds: beds 171190 / population_10k "
          "459 gives 37.2963 beds per 1,000 people, outside the plausible range 0.4 to 20",
          f"{CITIES}, row 5218 (year 2018, city_code 321000), column beds: 171190 in year 2018 is 10.5283 "
          "times 16260 in year 2017 (row 4920); a change by more than a factor of 3 either way",
          f"add the row 2018,321000,<city_zh>,beds,<source_cell>,<printed_value>,<action>,<reason> to "
          f"{CITY_EXCEPTIONS}")),
    Case("city doctors with a lost digit (扬州 2019 12557 -> 1255)", CITIES,
         replace("2019,321000,320000,扬州市,17788,12557,", "2019,321000,320000,扬州市,17788,1255,"),
         (f"{CITIES}, row 5515 (year 2019, city_code 321000), column doctors: 1255 in year 2019 is "
          "1/8.93147 of 11209 in year 2018 (row 5218)",)),

    # --- Fudan identities and completeness. ---
    Case("hospital assigned to another province (华西 to 重庆)", HOSPITALS,
         replace(",四川大学华西医院,成都,510000,四川", ",四川大学华西医院,成都,500000,重庆"),
         (f"{HOSPITALS}, row 94 (hospital_id h_b81d6bf8bf), columns region_code, city_zh: '500000' starts "
          f"with 50, but city_zh 成都, which {CITY_NAMES} row",
          "codes 510100 (city_zh 成都市) starts with 51")),
    Case("blank total score in a complete edition", RANKINGS,
         replace("2018,7,空军军医大学西京医院,28.380,9.712,38.092,", "2018,7,空军军医大学西京医院,28.380,9.712,,"),
         (f"{RANKINGS}, row 408 (edition 2018, rank 7), column total_score: the cell is empty, but 99 of "
          "the 100 rows of edition 2018 have a total_score: fill it in; an edition with a blank score is "
          "no longer complete",)),

    # --- Encodings. ---
    Case("NUL byte in a cell", INSTITUTIONS, replace("2020,130000,河北,86939", "2020,130000,河北,869\x0039"),
         (f"{INSTITUTIONS}, row 128: the file contains 1 NUL byte(s) (\\x00), first on this line: "
          "'2020,130000,河北,869\\x0039'; saved as UTF-16",)),

    # --- Only dbt sees these. ---
    # Each value passes its own year-over-year threshold (-12.6 %, +14.4 %), but against the other
    # 29 provinces' changes that year both stand out (robust z 6.9 and 8.5).
    Case("two provinces' beds swapped (山东 and 广东 2021)", BEDS,
         lambda text: replace("2021,440000,广东,58.90", "2021,440000,广东,67.39")(
             replace("2021,370000,山东,67.39", "2021,370000,山东,58.90")(text)),
         ("models/staging/nbs/_nbs__models.yml, test change_consistent_across_units on stg_nbs__beds.beds_10k",
          "year 2021, region_code 370000, series beds_10k, previous_value 64.69, value 58.9, change_pct -9",
          "year 2021, region_code 440000, series beds_10k, previous_value 56.48, value 67.39, change_pct 19.3"),
         caught_by="dbt build", select="nbs_beds stg_nbs__beds"),
    Case("stale copy: 2022 technicians pasted as 2023", TECHNICIANS, stale_year(2022, 2023),
         ("models/staging/nbs/_nbs__models.yml, test not_repeated_from_previous_year on "
          "stg_nbs__health_technicians.health_technicians_10k",
          "(31 failing rows)", "row 1: year 2023, region_code 110000, series health_technicians_10k",
          "repeats_in_year 31, repeats_allowed 0", "21 more failing rows like the 10 above not printed"),
         caught_by="dbt build", select="nbs_health_technicians stg_nbs__health_technicians"),
    Case("land area typo (山西 1567.1 -> 1657.1)", LAND_AREA,
         replace("140000,山西,2008,1567.1,", "140000,山西,2008,1657.1,"),
         ("test sum_matches_national_total on stg_reference__land_area.land_area_10k_ha",
          "row 1: year 2008, province_sum 95159.3, national_total 95069.3"),
         caught_by="dbt build", select="ref_land_area stg_reference__land_area"),
    Case("province in another region (江西 East)", PROVINCES,
         replace("2020,360000,江西,江西省,Jiangxi,Central,Central", "2020,360000,江西,江西省,Jiangxi,Central,East"),
         ("tests/assert_regions_match_official_division.sql, test assert_regions_match_official_division",
          "row 1: division region_4, region_code 360000, province_zh 江西, region East, expected Central, "
          "problem region differs from the official division"),
         caught_by="dbt build", select="ref_provinces stg_reference__provinces"),
    # Every row is plausible on its own; only dbt's national cross-check (2020 institutions must sum
    # to exactly 1,022,922: tolerance 0 in seeds/reference/national_totals.csv) sees the typo.
    Case("institutions off by one", INSTITUTIONS, replace("2020,110000,北京,10599", "2020,110000,北京,10598"),
         ("Failure in test sum_matches_national_total_stg_nbs__institutions_institutions",
          "models/staging/nbs/_nbs__models.yml"),
         caught_by="dbt build", select="nbs_institutions stg_nbs__institutions"),
    Case("wrong var: medres_rsr_alpha 'abc'", None, unchanged,
         ("var medres_rsr_alpha is 'abc'; it must be a number greater than 0 and less than 1",),
         caught_by="dbt build", vars='{medres_rsr_alpha: "abc"}'),
    Case("wrong var: medres_fudan_edition abc", None, unchanged,
         ("var medres_fudan_edition is 'abc'; it must be an integer from 2009 to 2100, or null",),
         caught_by="dbt build", vars="{medres_fudan_edition: abc}"),
    Case("a year with no data (medres_year 2031)", None, unchanged,
         ("seeds/nbs/nbs_population.csv, column year: var medres_year is 2031, which is not a year "
          "of this file; the years it has: 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024",),
         vars="{medres_year: 2031}"),
    # The census basis exists for 2020 only: a year of the panel without a census count is caught
    # when the years of the basis are known, in the build.
    Case("a year without data on the census basis", None, unchanged,
         ("var medres_year = 2021: there is no data for that year (population basis 'census'); "
          "years with data: 2020",),
         caught_by="dbt build", vars="{medres_population_basis: census, medres_year: 2021}",
         # int_province_per_capita is the only ancestor of dim_years reading the basis (its parents
         # are the same on either basis and stay as built), so it is rebuilt on the census basis.
         select="int_province_per_capita dim_years"),

    # --- Accepted: the build passes and publishes the same data. ---
    Case("CRLF line endings", POPULATION, lambda text: text.replace("\n", "\r\n"),
         ("seedcheck: the seeds in seeds passed (0 warning(s))", "Completed successfully"),
         caught_by=None, select="nbs_population stg_nbs__population"),
    Case("byte-order mark (Excel's CSV UTF-8)", BEDS, unchanged,
         ("seedcheck: the seeds in seeds passed (0 warning(s))", "Completed successfully"),
         caught_by=None, encoding="utf-8-sig", select="nbs_beds stg_nbs__beds"),
    # The seed check's year-over-year rule and dbt's cross-province test on beds both read the
    # acknowledgement; the staged beds must come out unchanged.
    Case("real change beyond a lowered threshold, acknowledged", ACKNOWLEDGED,
         lambda text: text + "2020,460000,beds_10k,Hainan's beds rose from 4.98 to 5.85 (10 000 beds) in "
                             "2020 (+17.5 %),NBS Annual by Province: beds in health care institutions\n",
         ("seedcheck: the seeds in seeds passed (0 warning(s))", "Completed successfully"),
         caught_by=None, vars=LOWER_BEDS_THRESHOLD, select="acknowledged_changes nbs_beds stg_nbs__beds"),
]


# The files of a build that a later dbt build overwrites: the warehouse, the run results that
# prove it to the publish step (test_an_unwritable_published_directory publishes this copy's build)
# and dbt's partial-parse state (a case with other vars parses everything again and would leave
# the next case to parse everything too).
BUILD_STATE = ("warehouse/medres.duckdb", "target/run_results.json", "target/partial_parse.msgpack")


@pytest.fixture(scope="module")
def good_build(built_project: ProjectCopy, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the build's BUILD_STATE, taken before any case runs (with mtimes, to see a write)."""
    saved = tmp_path_factory.mktemp("good-build")
    for path in BUILD_STATE:
        (saved / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built_project.root / path, saved / path)
    return saved


def restore_build(project: ProjectCopy, saved: Path) -> None:
    """Copy the good build's files back where the case's dbt build wrote them: a failed build leaves
    its corrupted seed in the warehouse (and the staging views reading it), and the next case would
    start from that, not from the good build."""
    for path in BUILD_STATE:
        if (project.root / path).stat().st_mtime_ns != (saved / path).stat().st_mtime_ns:
            shutil.copy2(saved / path, project.root / path)


def staged_data(project: ProjectCopy, select: str) -> dict[str, str]:
    """Content hash of each model named in ``select`` (dbt's -s), read from the copy's warehouse."""
    manifest = json.loads((project.root / "target" / "manifest.json").read_text(encoding="utf-8"))
    names = set(select.split())
    relations = {node["name"]: f'"{node["schema"]}"."{node["alias"]}"' for node in manifest["nodes"].values()
                 if node["resource_type"] == "model" and node["name"] in names}
    assert relations, f"no model among {sorted(names)}"
    with duckdb.connect(str(project.root / "warehouse" / "medres.duckdb"), read_only=True) as connection:
        return {name: relation_digest(connection, relation) for name, relation in relations.items()}


def batches(cases: list[Case]) -> dict[str, tuple[Case, ...]]:
    """The cases each case runs with, by name. A case the seed check stops, or one with vars, runs
    alone; the others (only dbt catches them, or they are accepted) run with the earlier ones of the
    same outcome whose seeds differ: one dbt start, parse and build of their selections together
    instead of one each (about 5 CPU s apiece). Each case's own messages name its seed, its test and
    its rows, so a case cannot pass on another's failure."""
    def can_share(case: Case) -> bool:  # dbt runs it on a selection, without vars of its own
        return case.caught_by != "seedcheck" and case.vars is None and case.select is not None

    groups: list[list[Case]] = []
    for case in cases:
        seeds = {seed for seed, _ in case.corruptions}
        shared = None
        if can_share(case):
            shared = next((group for group in groups
                           if can_share(group[0]) and group[0].caught_by == case.caught_by
                           and not seeds & {seed for member in group for seed, _ in member.corruptions}),
                          None)
        if shared is None:
            groups.append([case])
        else:
            shared.append(case)
    return {case.name: tuple(group) for group in groups for case in group}


BATCHES = batches(CASES)


@dataclass(frozen=True)
class BatchRun:
    """One run of the pipeline with every corruption of a batch applied."""

    result: BuildResult
    published_before: dict[str, str]
    staged_before: dict[str, str] | None  # accepted cases: the selected models' rows, before
    staged_after: dict[str, str] | None  # ... and after


@pytest.fixture(scope="module")
def run_batch(built_project: ProjectCopy, good_build: Path) -> Callable[[tuple[Case, ...]], BatchRun]:
    """Runs a batch once (the first of its cases to be tested) and returns its outcome."""
    runs: dict[tuple[str, ...], BatchRun] = {}

    def run(batch: tuple[Case, ...]) -> BatchRun:
        key = tuple(case.name for case in batch)
        if key not in runs:
            runs[key] = run_once(built_project, good_build, batch)
        return runs[key]

    return run


def run_once(project: ProjectCopy, good_build: Path, batch: tuple[Case, ...]) -> BatchRun:
    first = batch[0]
    select = " ".join(dict.fromkeys(name for case in batch if case.select for name in case.select.split()))
    published_before = project.published_digest()
    assert "medres.duckdb" in published_before
    # An accepted case builds its seed and staging model only: the same staged rows prove the
    # same build (module docstring).
    staged_before = staged_data(project, select) if first.caught_by is None else None
    corruptions = [(seed, corrupt, case.encoding if seed == case.seed else "utf-8")
                   for case in batch for seed, corrupt in case.corruptions]
    good = {seed: (project.root / seed).read_bytes() for seed, _, _ in corruptions}
    try:
        for seed, corrupt, encoding in corruptions:
            (project.root / seed).write_bytes(corrupt(good[seed].decode("utf-8")).encode(encoding))
        result = project.build(vars=first.vars, select=select or None)
        staged_after = staged_data(project, select) if first.caught_by is None else None
    finally:
        for seed, content in good.items():
            (project.root / seed).write_bytes(content)
        restore_build(project, good_build)
    return BatchRun(result, published_before, staged_before, staged_after)


def test_cases_share_a_run_only_when_their_seeds_differ() -> None:
    """Not vacuous: the dbt cases do share runs, and no run changes one seed twice."""
    runs = set(BATCHES.values())
    assert any(len(batch) > 1 for batch in runs)
    for batch in runs:
        assert len(batch) == 1 or all(case.select for case in batch), [case.name for case in batch]
        seeds = [seed for case in batch for seed, _ in case.corruptions]
        assert len(seeds) == len(set(seeds)), [case.name for case in batch]
        assert len({(case.caught_by, case.vars) for case in batch}) == 1


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_seed_fails_the_build_and_keeps_published(built_project: ProjectCopy, run_batch, case: Case) -> None:
    run = run_batch(BATCHES[case.name])
    result = run.result
    assert result.failed_step == case.caught_by, result.output[-4000:]
    assert "Traceback" not in result.output, result.output[-4000:]
    for expected in case.expected:
        assert expected in result.output, f"missing {expected!r} in:\n{result.output[-4000:]}"
    # A wrong var is named on its own line, and no other var with it.
    var_lines = {line.strip() for line in result.output.splitlines() if line.strip().startswith("var medres_")}
    assert var_lines == {line for line in case.expected if line.startswith("var medres_")}, result.output[-4000:]
    if case.max_output_bytes is not None:
        assert len(result.output.encode()) < case.max_output_bytes, result.output[-4000:]
    assert built_project.published_digest() == run.published_before
    if case.caught_by is None:
        models = case.select.split()
        assert {m: run.staged_after[m] for m in models if m in run.staged_after} == \
            {m: run.staged_before[m] for m in models if m in run.staged_before}
        assert any(m in run.staged_before for m in models), case.select


# --- The environment: one line naming cause and fix, nothing published. ---

def _run(project: ProjectCopy, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=project.root, env=project.env(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)


def test_a_second_build_refuses_while_one_runs(built_project: ProjectCopy) -> None:
    published_before = built_project.published_digest()
    lock = built_project.root / "warehouse" / ".medres-build.lock"
    with lock.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        handle.truncate(0)  # the baseline build left its own pid in the file
        handle.write("pid 4242")
        handle.flush()
        result = _run(built_project, "medres.build", "--publish")
    assert result.returncode == 1
    assert result.stdout == (f"medres.build: another build is running (pid 4242 holds {lock}); wait for it "
                             "to finish and build again. Nothing was built; published/ is unchanged.\n")
    assert built_project.published_digest() == published_before


def test_a_warehouse_held_by_another_process(built_project: ProjectCopy) -> None:
    published_before = built_project.published_digest()
    with duckdb.connect(str(built_project.root / "warehouse" / "medres.duckdb")):
        result = _run(built_project, "medres.build", "--publish", "-s", "ref_provinces")
    assert result.returncode != 0
    assert (f"medres.build: the warehouse {built_project.root / 'warehouse' / 'medres.duckdb'} is held by "
            f"another process (PID {os.getpid()}: ") in result.stdout, result.stdout[-3000:]
    assert "close it (or wait for it) and build again. published/ is unchanged." in result.stdout
    assert built_project.published_digest() == published_before


@pytest.mark.parametrize("threads", ["abc", "0"])
def test_a_wrong_thread_count(built_project: ProjectCopy, threads: str) -> None:
    """MEDRES_DBT_THREADS (profiles.yml): named with its value before dbt starts a thread."""
    published_before = built_project.published_digest()
    result = subprocess.run([sys.executable, "-m", "medres.build", "--publish"], cwd=built_project.root,
                            env={**built_project.env(), "MEDRES_DBT_THREADS": threads},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert result.returncode != 0
    assert (f"'MEDRES_DBT_THREADS is {threads}: it must be a whole number of at least 1' is not of "
            "type 'integer'") in result.stdout, result.stdout[-3000:]
    assert "Traceback" not in result.stdout and len(result.stdout) < 1000, result.stdout
    assert built_project.published_digest() == published_before


def test_an_unwritable_published_directory(built_project: ProjectCopy, tmp_path: Path) -> None:
    # Root ignores permission bits, so the unwritable directory is a path under a regular file.
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    result = _run(built_project, "medres.publish", "--out", str(blocked / "published"))
    assert result.returncode == 1
    assert result.stdout.startswith(f"medres.publish: cannot write {blocked / 'published'}"), result.stdout
    assert "(Not a directory); make " in result.stdout and "writable" in result.stdout
