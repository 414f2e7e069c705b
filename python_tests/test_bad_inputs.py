"""The bad-input catalogue: each way a seed can be wrong stops the build with a message naming the
file, the row and the column, and leaves the last good published outputs byte for byte as they were.

A module-scoped fixture builds and publishes a copy of the project once. Each case then corrupts ONE
seed of that copy (restored afterwards, so every case starts from the good file), runs the pipeline
`make build` runs (seedcheck, dbt build, publish) and checks the outcome. The seedcheck stops almost
every case before dbt starts, so a case costs about a second; the cases only dbt's data tests catch
are marked ``caught_by="dbt build"`` and take one dbt build each.

Row numbers in the expected messages are spreadsheet rows: the header is row 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from conftest import ProjectCopy

POPULATION = "seeds/yearbook/yearbook_population.csv"
RESOURCES = "seeds/yearbook/yearbook_health_resources.csv"
RANKINGS = "seeds/fudan/fudan_hospital_rankings.csv"
HOSPITALS = "seeds/fudan/fudan_hospital_provinces.csv"


def replace(old: str, new: str) -> Callable[[str], str]:
    """Corruption replacing the one occurrence of ``old`` (which must be unique in the file)."""
    def corrupt(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} must occur exactly once in the seed"
        return text.replace(old, new)
    return corrupt


def edit_lines(change: Callable[[list[str]], list[str]]) -> Callable[[str], str]:
    """Corruption editing the list of lines (header first)."""
    return lambda text: "".join(change(text.splitlines(keepends=True)))


@dataclass(frozen=True)
class Case:
    name: str
    seed: str
    corrupt: Callable[[str], str]
    expected: tuple[str, ...]  # exact substrings of the combined output: file, row and column
    caught_by: str = "seedcheck"
    encoding: str = "utf-8"


CASES = [
    Case("empty file", POPULATION, lambda text: "",
         (f"{POPULATION}, row 1 (header): the file is empty",
          "expected the header year,region_code,province_zh,yearend_population_10k,census_population")),
    Case("header row missing", POPULATION, edit_lines(lambda lines: lines[1:]),
         (f"{POPULATION}, row 1 (header), column year: header cell 1 reads '2020', expected 'year'",)),
    Case("misnamed column", RESOURCES, replace("beds_10k", "beds"),
         (f"{RESOURCES}, row 1 (header), column beds_10k: header cell 6 reads 'beds', "
          "expected 'beds_10k'",)),
    Case("missing column", POPULATION,
         edit_lines(lambda lines: [line.rsplit(",", 1)[0] + "\n" for line in lines]),
         (f"{POPULATION}, row 1 (header), column census_population: missing from the header",)),
    Case("extra column", POPULATION,
         edit_lines(lambda lines: [line.rstrip("\n") + (",note\n" if i == 0 else ",x\n")
                                   for i, line in enumerate(lines)]),
         (f"{POPULATION}, row 1 (header), column note: not declared in seeds/_seeds.yml",)),
    Case("non-numeric cell", RESOURCES, replace("2020,110000,北京,10599,34.8,12.7,", "2020,110000,北京,10599,34.8,n/a,"),
         (f"{RESOURCES}, row 2 (year 2020, region_code 110000), column beds_10k: 'n/a' is not a number",)),
    Case("decimal comma", RESOURCES, replace("2020,110000,北京,10599,34.8,12.7,", '2020,110000,北京,10599,34.8,"12,7",'),
         (f"{RESOURCES}, row 2 (year 2020, region_code 110000), column beds_10k: '12,7' is not a number "
          "(use a dot for decimals and no thousands separators)",)),
    Case("empty cell", RESOURCES, replace("2020,120000,天津,5838,", "2020,120000,天津,,"),
         (f"{RESOURCES}, row 3 (year 2020, region_code 120000), column institutions: the cell is empty",)),
    Case("negative count", RESOURCES, replace("2020,130000,河北,86939,", "2020,130000,河北,-86939,"),
         (f"{RESOURCES}, row 4 (year 2020, region_code 130000), column institutions: '-86939' is not > 0",)),
    Case("zero population", POPULATION, replace("2020,140000,山西,3490,", "2020,140000,山西,0,"),
         (f"{POPULATION}, row 5 (year 2020, region_code 140000), column yearend_population_10k: '0' is not > 0",)),
    Case("negative population", POPULATION, replace("2020,130000,河北,7464,", "2020,130000,河北,-3,"),
         (f"{POPULATION}, row 4 (year 2020, region_code 130000), column yearend_population_10k: '-3' is not > 0",)),
    Case("duplicate province", POPULATION, edit_lines(lambda lines: [*lines, lines[3]]),
         (f"{POPULATION}, row 33 (year 2020, region_code 130000), columns year, region_code: "
          "year 2020, region_code 130000 is also in row 4",)),
    Case("missing province", RESOURCES, edit_lines(lambda lines: lines[:3] + lines[4:]),
         (f"{RESOURCES}, year 2020, column region_code: no row for 130000; "
          "seeds/reference/ref_provinces.csv row 4 (2020,130000,河北,",)),
    Case("unknown province code", POPULATION, replace("2020,650000,", "2020,660000,"),
         (f"{POPULATION}, row 32 (year 2020, region_code 660000), column region_code: '660000' is not a "
          "region_code listed in seeds/reference/ref_provinces.csv",)),
    Case("name not matching its code", RESOURCES, replace("2020,130000,河北,", "2020,130000,河南,"),
         (f"{RESOURCES}, row 4 (year 2020, region_code 130000), column province_zh: '河南' does not "
          "match region_code 130000, which seeds/reference/ref_provinces.csv row 4 names '河北'",)),
    Case("full-width digits in a code", POPULATION, replace("2020,110000,", "2020,１１0000,"),
         (f"{POPULATION}, row 2 (year 2020, region_code １１0000), column region_code: '１１0000' contains "
          "the full-width character '１': type the ASCII '1'",)),
    Case("full-width space in a name", POPULATION, replace(",北京,", ",北京\u3000,"),
         (f"{POPULATION}, row 2 (year 2020, region_code 110000), column province_zh: "
          "'北京\u3000' contains a full-width space (U+3000)",)),
    Case("tab in a code", RESOURCES, replace("2020,110000,", "2020,110000\t,"),
         (f"{RESOURCES}, row 2 (year 2020, region_code 110000\t), column region_code: '110000\t' contains a tab",)),
    Case("beds in beds instead of 10,000 beds", RESOURCES,
         replace("2020,110000,北京,10599,34.8,12.7,", "2020,110000,北京,10599,34.8,127000,"),
         (f"{RESOURCES}, row 2 (year 2020, region_code 110000), column beds_10k: beds_10k 127000 / "
          f"yearend_population_10k 2189 ({POPULATION} row 2) gives 58017.4 beds per 1,000 people, "
          "outside the plausible range 2 to 16",)),
    Case("population in persons instead of 10,000", POPULATION, replace(",2189,", ",21893095,"),
         (f"{POPULATION}, row 2 (year 2020, region_code 110000), column census_population: "
          "census_population 21893095 / yearend_population_10k 21893095 gives 0.0001",
          f"{RESOURCES}, row 2 (year 2020, region_code 110000), column beds_10k: beds_10k 12.7 / "
          "yearend_population_10k 21893095")),
    Case("hospital without a province", RANKINGS, replace("2021,5,复旦大学附属中山医院,", "2021,5,复旦大学附属中山医院东院,"),
         (f"{RANKINGS}, row 127 (edition 2021, rank 5), column hospital_zh: '复旦大学附属中山医院东院' is "
          f"not a hospital_zh listed in {HOSPITALS}",)),
    Case("hospital mapped to an unknown province", HOSPITALS,
         replace("中国人民解放军总医院,北京,110000,", "中国人民解放军总医院,北京,190000,"),
         (f"{HOSPITALS}, row 2 (hospital_zh 中国人民解放军总医院), column region_code: '190000' is not a "
          "region_code listed in seeds/reference/ref_provinces.csv",)),
    Case("duplicate rank within an edition", RANKINGS, replace("2020,3,中国人民解放军总医院,", "2020,2,中国人民解放军总医院,"),
         (f"{RANKINGS}, row 25 (edition 2020, rank 2), columns edition, rank: edition 2020, rank 2 is "
          "also in row 24",)),
    Case("reputation above 80", RANKINGS, replace("2019,1,中国医学科学院北京协和医院,80.000,14.236,94.236,",
                                                  "2019,1,中国医学科学院北京协和医院,80.100,14.236,94.336,"),
         (f"{RANKINGS}, row 2 (edition 2019, rank 1), column reputation_score: '80.100' is not <= 80",)),
    Case("research above 20", RANKINGS, replace("2019,2,四川大学华西医院,64.259,20.000,84.259,",
                                                "2019,2,四川大学华西医院,64.259,20.500,84.759,"),
         (f"{RANKINGS}, row 3 (edition 2019, rank 2), column research_score: '20.500' is not <= 20",)),
    Case("total is not reputation + research", RANKINGS, replace("59.938,12.042,71.980,", "59.938,12.042,71.990,"),
         (f"{RANKINGS}, row 4 (edition 2019, rank 3), column total_score: '71.990' differs from "
          "reputation_score + research_score = 71.98 by 0.01 (more than the allowed 0.0015)",)),
    Case("not UTF-8 (saved as GBK)", POPULATION, lambda text: text, (f"{POPULATION}, row 2: the file is not UTF-8",),
         encoding="gbk"),
    Case("unquoted comma splits a row", POPULATION, replace(",北京,", ",北京,市,"),
         (f"{POPULATION}, row 2: the row has 6 cells but the header has 5",)),
    Case("blank row", POPULATION, edit_lines(lambda lines: lines[:5] + ["\n"] + lines[5:]),
         (f"{POPULATION}, row 6: the row is blank",)),
    # Every row is plausible on its own; only dbt's national cross-check (institutions must sum to
    # exactly 1,022,922) sees the typo.
    Case("institutions off by one", RESOURCES, replace("2020,110000,北京,10599,", "2020,110000,北京,10598,"),
         ("Failure in test sum_matches_national_total_stg_yearbook__health_resources_institutions",
          "models/staging/yearbook/_yearbook__models.yml"),
         caught_by="dbt build"),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_seed_fails_the_build_and_keeps_published(built_project: ProjectCopy, case: Case) -> None:
    published_before = built_project.published_digest()
    assert "medres.duckdb" in published_before
    seed = built_project.root / case.seed
    good = seed.read_bytes()
    try:
        seed.write_bytes(case.corrupt(good.decode("utf-8")).encode(case.encoding))
        result = built_project.build()
    finally:
        seed.write_bytes(good)
    assert result.failed_step == case.caught_by, result.output[-4000:]
    for expected in case.expected:
        assert expected in result.output, f"missing {expected!r} in:\n{result.output[-4000:]}"
    assert built_project.published_digest() == published_before

