"""Unit tests of medres.seedcheck on small seed directories written to temporary files."""

from __future__ import annotations

from pathlib import Path

import pytest

from medres.seedcheck import check, main

PROJECT_SEEDS = Path(__file__).resolve().parents[1] / "seeds"

# A reference seed and a data seed using every rule of the vocabulary.
RULES_YML = """
seeds:
  - name: ref
    meta: {unique_key: [code]}
    config:
      column_types: {code: varchar, name: varchar}
    columns:
      - name: code
        meta: {pattern: {regex: '[0-9]{2}', means: a two-digit code}}
      - name: name
        meta: {unique: true}
  - name: facts
    meta:
      unique_key: [year, code]
      complete: {group_by: year, column: code, seed: ref}
      plausible_ratios:
        - {numerator: beds, denominator: people, scale: 1000, min: 2, max: 16,
           unit: 'beds per 1,000 people', hint: beds are in beds}
    config:
      column_types: {year: integer, code: varchar, name: varchar, beds: double,
                     people: bigint, part_a: double, part_b: double, total: double, kind: varchar}
    columns:
      - name: year
        meta: {min: 1949}
      - name: code
        meta: {references: {seed: ref, column: code}}
      - name: name
        meta: {matches_reference: {seed: ref, key: code}}
      - name: beds
        meta: {min_exclusive: 0}
      - name: part_a
        meta: {required: false, max: 80}
      - name: part_b
        meta: {required: false}
      - name: total
        meta: {required: false, equals_sum_of: {columns: [part_a, part_b], tolerance: 0.0015}}
      - name: kind
        meta: {accepted_values: [East, West]}
"""
REF_CSV = "code,name\n11,北京\n12,天津\n"
FACTS_HEADER = "year,code,name,beds,people,part_a,part_b,total,kind\n"
FACTS_ROWS = ["2020,11,北京,12.7,2189,80,14.236,94.236,East\n",
              "2020,12,天津,6.8,1387,,,,West\n"]


def write_seeds(directory: Path, facts: str | bytes | None = None, ref: str = REF_CSV,
                yml: str = RULES_YML) -> Path:
    """A seeds directory with the rules above; ``facts`` replaces the good facts.csv."""
    directory.mkdir(exist_ok=True)
    (directory / "_seeds.yml").write_text(yml, encoding="utf-8")
    (directory / "ref.csv").write_text(ref, encoding="utf-8")
    if facts is None:
        facts = FACTS_HEADER + "".join(FACTS_ROWS)
    data = facts.encode("utf-8") if isinstance(facts, str) else facts
    (directory / "facts.csv").write_bytes(data)
    return directory


def facts_with(*rows: str) -> str:
    return FACTS_HEADER + "".join(rows)


def lines(seeds: Path, soft: bool | None = False) -> list[str]:
    """The problems as printed, without the directory prefix; errors only by default."""
    return [str(p).replace(f"{seeds}/", "") for p in check(seeds) if soft is None or p.soft == soft]


def test_good_seeds_pass(tmp_path: Path) -> None:
    assert check(write_seeds(tmp_path)) == []


def test_the_project_seeds_pass_without_warnings() -> None:
    assert [str(p) for p in check(PROJECT_SEEDS)] == []


# --- files and headers -----------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path, facts="\n")
    assert lines(seeds) == [
        "facts.csv, row 1 (header): the file is empty; expected the header "
        "year,code,name,beds,people,part_a,part_b,total,kind and data rows"]


def test_header_without_rows(tmp_path: Path) -> None:
    assert lines(write_seeds(tmp_path, facts=FACTS_HEADER)) == [
        "facts.csv, row 1 (header): the file has a header but no data rows"]


def test_misnamed_missing_extra_and_repeated_columns(tmp_path: Path) -> None:
    header = "year,code,nam,beds,people,part_a,part_b,total,total,note\n"
    found = lines(write_seeds(tmp_path, facts=header + "2020,11,北京,1,1,1,1,1,1,x\n"))
    assert found == [
        "facts.csv, row 1 (header), column total: appears more than once in the header",
        "facts.csv, row 1 (header), column name: header cell 3 reads 'nam', expected 'name' "
        "(misspelt or renamed?)",
        "facts.csv, row 1 (header), column kind: missing from the header (expected: "
        "year,code,name,beds,people,part_a,part_b,total,kind)",
        "facts.csv, row 1 (header), column note: not declared in _seeds.yml "
        "(column_types of seed facts); remove it or declare it",
    ]


def test_missing_column(tmp_path: Path) -> None:
    header = FACTS_HEADER.replace(",kind", "")
    found = lines(write_seeds(tmp_path, facts=header + "2020,11,北京,12.7,2189,80,14.236,94.236\n"))
    assert found == ["facts.csv, row 1 (header), column kind: missing from the header (expected: "
                     "year,code,name,beds,people,part_a,part_b,total,kind)"]


def test_reordered_columns_are_only_a_warning(tmp_path: Path) -> None:
    ref = "name,code\n北京,11\n天津,12\n"
    seeds = write_seeds(tmp_path, ref=ref)
    assert lines(seeds) == []
    assert lines(seeds, soft=True) == [
        "warning: ref.csv, row 1 (header), column code, name: the columns are in another order "
        "than in _seeds.yml; dbt loads them by name"]


def test_broken_header_skips_rules_that_depend_on_the_file(tmp_path: Path) -> None:
    # facts refers to ref; ref's header error must not flood facts with "unknown code" errors.
    found = lines(write_seeds(tmp_path, ref="cod,name\n11,北京\n12,天津\n"))
    assert found == ["ref.csv, row 1 (header), column code: header cell 1 reads 'cod', expected "
                     "'code' (misspelt or renamed?)"]


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    facts = b"\xef\xbb\xbf" + (FACTS_HEADER + "".join(FACTS_ROWS)).encode()
    assert check(write_seeds(tmp_path, facts=facts)) == []


def test_not_utf8(tmp_path: Path) -> None:
    facts = (FACTS_HEADER + "".join(FACTS_ROWS)).encode("gb18030")
    assert lines(write_seeds(tmp_path, facts=facts)) == [
        "facts.csv, row 2: the file is not UTF-8 (byte 0xb1 cannot be read; GBK/GB18030 from "
        "Excel?): save it as 'CSV UTF-8'"]


def test_row_shape(tmp_path: Path) -> None:
    found = lines(write_seeds(tmp_path, facts=facts_with(
        FACTS_ROWS[0], "\n", "2020,12,天津,6,8,1387,,,,West\n")))
    assert found == [
        # The malformed row is not read, so its province counts as missing.
        "facts.csv, year 2020, column code: no row for 12; ref.csv row 3 (12,天津) lists it, and "
        "every year needs a row for each",
        "facts.csv, row 3: the row is blank: delete it",
        "facts.csv, row 4: the row has 10 cells but the header has 9 (a missing or extra comma, "
        "or an unquoted comma inside a cell?)",
    ]


def test_quoted_line_break_is_one_spreadsheet_row(tmp_path: Path) -> None:
    ref = 'code,name\n11,"北\n京"\n1x,天津\n'
    found = [p for p in check(write_seeds(tmp_path, ref=ref)) if p.file.endswith("ref.csv")]
    assert [(p.row, p.columns) for p in found] == [(2, ("name",)), (3, ("code",))]


def test_undeclared_csv_is_a_warning(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path)
    (seeds / "extra.csv").write_text("a\n1\n", encoding="utf-8")
    assert lines(seeds, soft=None) == [
        "warning: extra.csv, whole file: no seeds YAML declares this file, so it is not checked"]


# --- cells ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "column", "message"), [
    ("year=", "year", "the cell is empty; a value is required"),
    ("year=20.5", "year", "'20.5' is not a whole number"),
    ("year=1900", "year", "'1900' is not >= 1949"),
    ("year=99999999999", "year", "'99999999999' is too large for a integer column"),
    ("beds=n/a", "beds", "'n/a' is not a number"),
    ("beds=nan", "beds", "'nan' is not a number"),
    ('beds="12,7"', "beds", "'12,7' is not a number (use a dot for decimals and no thousands separators)"),
    ("beds=5%", "beds", "'5%' is not a number (write the number without %)"),
    ("beds=-1.5", "beds", "'-1.5' is not > 0"),
    ("beds=0", "beds", "'0' is not > 0"),
    ("beds= 12.7", "beds", "' 12.7' has spaces around the number: remove them"),
    ("beds=１2.7", "beds", "'１2.7' contains the full-width character '１': type the ASCII '1' "
                          "(full-width characters look alike but never match in joins)"),
    ("beds=12．7", "beds", "'12．7' contains the full-width character '．': type the ASCII '.' "
                          "(full-width characters look alike but never match in joins)"),
    ("people=1e3", "people", "'1e3' is not a whole number"),
    ("part_a=80.1", "part_a", "'80.1' is not <= 80"),
    ("kind=Eest", "kind", "'Eest' is not one of East, West"),
    ("name=北京\t", "name", "'北京\t' contains a tab: delete it"),
    ("name=北京\u00a0", "name", "'北京\u00a0' contains a non-breaking space (U+00A0): delete it"),
    ("name=北\u3000京", "name", "'北\u3000京' contains a full-width space (U+3000): delete it"),
    ("name=\u200b北京", "name", "'\u200b北京' contains a zero-width space (U+200B): delete it"),
])
def test_cell_errors(tmp_path: Path, cell: str, column: str, message: str) -> None:
    name, value = cell.split("=", 1)
    cells = dict(zip(FACTS_HEADER.strip().split(","), FACTS_ROWS[0].strip().split(",")))
    cells[name] = value
    found = lines(write_seeds(tmp_path, facts=facts_with(",".join(cells.values()) + "\n",
                                                        FACTS_ROWS[1])))
    label = f"year {cells['year']}, code 11"
    assert f"facts.csv, row 2 ({label}), column {column}: {message}" in found
    # One problem per bad cell: later rules skip a cell already reported.
    assert len([line for line in found if f"column {column}:" in line]) == 1


def test_full_width_digits_in_a_code_are_rejected_not_normalised(tmp_path: Path) -> None:
    found = lines(write_seeds(tmp_path, facts=facts_with(
        FACTS_ROWS[0].replace(",11,", ",１1,"), FACTS_ROWS[1])))
    assert found[0] == (
        "facts.csv, year 2020, column code: no row for 11; ref.csv row 2 (11,北京) lists it, and "
        "every year needs a row for each")
    assert found[1].startswith("facts.csv, row 2 (year 2020, code １1), column code: '１1' contains "
                               "the full-width character '１'")


def test_spaces_around_text_are_a_warning_and_compared_trimmed(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path, facts=facts_with(
        FACTS_ROWS[0].replace(",11,北京,", ", 11 , 北京 ,"), FACTS_ROWS[1]))
    assert lines(seeds) == []  # the code and name still match ref once trimmed, as in staging
    assert lines(seeds, soft=True) == [
        "warning: facts.csv, row 2 (year 2020, code 11), column code: ' 11 ' has spaces around "
        "the text; staging trims them, but remove them from the file",
        "warning: facts.csv, row 2 (year 2020, code 11), column name: ' 北京 ' has spaces around "
        "the text; staging trims them, but remove them from the file",
    ]


def test_full_width_punctuation_is_allowed_in_names(tmp_path: Path) -> None:
    ref = "code,name\n11,北京（市）\n12,天津\n"
    facts = facts_with(FACTS_ROWS[0].replace("北京", "北京（市）"), FACTS_ROWS[1])
    assert lines(write_seeds(tmp_path, facts=facts, ref=ref)) == []


def test_pattern_and_unique(tmp_path: Path) -> None:
    found = lines(write_seeds(tmp_path, ref="code,name\n11,北京\n12,北京\n123,天津\n"))
    assert "ref.csv, row 3 (code 12), column name: '北京' is also in row 2; each value must occur only once" in found
    assert "ref.csv, row 4 (code 123), column code: '123' is not a two-digit code" in found


# --- rules across rows and files ----------------------------------------------------------------------------


def test_duplicate_key(tmp_path: Path) -> None:
    found = lines(write_seeds(tmp_path, facts=facts_with(*FACTS_ROWS, FACTS_ROWS[0])))
    assert found == ["facts.csv, row 4 (year 2020, code 11), columns year, code: year 2020, code 11 "
                     "is also in row 2; each combination must occur only once"]


def test_unknown_code_and_name_not_matching_code(tmp_path: Path) -> None:
    found = lines(write_seeds(tmp_path, facts=facts_with(
        FACTS_ROWS[0].replace(",11,", ",13,"), FACTS_ROWS[1].replace("天津", "北京"))))
    assert found == [
        "facts.csv, year 2020, column code: no row for 11; ref.csv row 2 (11,北京) lists it, and "
        "every year needs a row for each",
        "facts.csv, row 2 (year 2020, code 13), column code: '13' is not a code listed in "
        "ref.csv",
        "facts.csv, row 3 (year 2020, code 12), column name: '北京' does not match code 12, which "
        "ref.csv row 3 names '天津'",
    ]


def test_every_year_needs_every_reference_unit(tmp_path: Path) -> None:
    # The expected units come from the reference seed: adding a unit there makes it required.
    seeds = write_seeds(tmp_path, ref=REF_CSV + "13,河北\n", facts=facts_with(
        *FACTS_ROWS, FACTS_ROWS[0].replace("2020,", "2021,"),
        "2020,13,河北,44.2,7464,,,,East\n"))
    assert lines(seeds) == [
        "facts.csv, year 2021, column code: no row for 12; ref.csv row 3 (12,天津) lists it, and "
        "every year needs a row for each",
        "facts.csv, year 2021, column code: no row for 13; ref.csv row 4 (13,河北) lists it, and "
        "every year needs a row for each",
    ]


def test_sum_within_tolerance(tmp_path: Path) -> None:
    at_limit = FACTS_ROWS[0].replace("94.236", "94.2375")
    beyond = FACTS_ROWS[0].replace("2020,11", "2021,11").replace("94.236", "94.238")
    found = lines(write_seeds(tmp_path, ref="code,name\n11,北京\n", facts=facts_with(at_limit, beyond)))
    assert found == ["facts.csv, row 3 (year 2021, code 11), column total: '94.238' differs from "
                     "part_a + part_b = 94.236 by 0.002 (more than the allowed 0.0015)"]


def test_plausible_ratio_catches_unit_slips(tmp_path: Path) -> None:
    found = lines(write_seeds(tmp_path, facts=facts_with(
        FACTS_ROWS[0].replace(",12.7,", ",127000,"), FACTS_ROWS[1])))
    assert found == ["facts.csv, row 2 (year 2020, code 11), column beds: beds 127000 / people 2189 "
                     "gives 58017.4 beds per 1,000 people, outside the plausible range 2 to 16; "
                     "beds are in beds"]


def test_plausible_ratio_across_files(tmp_path: Path) -> None:
    yml = RULES_YML.replace(
        "        - {numerator: beds, denominator: people, scale: 1000, min: 2, max: 16,",
        "        - {numerator: beds, denominator: size, denominator_seed: ref, join: [code], "
        "scale: 1, min: 2, max: 16,",
    ).replace("column_types: {code: varchar, name: varchar}",
              "column_types: {code: varchar, name: varchar, size: double}")
    ref = "code,name,size\n11,北京,1\n12,天津,0.1\n"
    assert lines(write_seeds(tmp_path, yml=yml, ref=ref)) == [
        "facts.csv, row 3 (year 2020, code 12), column beds: beds 6.8 / size 0.1 (ref.csv "
        "row 3) gives 68 beds per 1,000 people, outside the plausible range 2 to 16; beds are in beds"]


# --- the rules themselves -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "message"), [
    (("{min_exclusive: 0}", "{min_exclusiv: 0}"), "column beds: unknown rule 'min_exclusiv'"),
    (("seed: ref, column: code}", "seed: refs, column: code}"),
     "column code: refers to seed 'refs', which no YAML declares"),
    (("{accepted_values: [East, West]}", "{accepted_values: [East, West], max: 3}"),
     "column kind: max apply only to numeric columns"),
    (("beds: double,", "beds: float,"), "column beds: type 'float' is not one of"),
    (("unique_key: [year, code]", "unique_key: [year, code]\n      unique: [year]"),
     "unknown seed rule 'unique'"),
])
def test_rule_errors_are_reported_before_any_check(tmp_path: Path, change: tuple[str, str],
                                                   message: str) -> None:
    old, new = change
    assert old in RULES_YML
    seeds = write_seeds(tmp_path, yml=RULES_YML.replace(old, new, 1), facts="")
    found = lines(seeds)
    # Only rule errors: the empty facts.csv is not checked with broken rules.
    assert all(line.startswith("_seeds.yml, seed facts: ") for line in found)
    assert any(message in line for line in found), found


def test_declared_seed_without_a_file(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path)
    (seeds / "facts.csv").unlink()
    assert lines(seeds) == [f"_seeds.yml, seed facts: no file facts.csv under {tmp_path}"]


# --- command line ------------------------------------------------------------------------------------------


def test_main_lists_every_error_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds = write_seeds(tmp_path, facts=facts_with(
        FACTS_ROWS[0].replace(",12.7,", ",-1,"), FACTS_ROWS[1].replace(",6.8,", ",x,")))
    assert main(["--seeds", str(seeds)]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        f"{seeds}/facts.csv, row 2 (year 2020, code 11), column beds: '-1' is not > 0",
        f"{seeds}/facts.csv, row 3 (year 2020, code 12), column beds: 'x' is not a number",
        f"seedcheck: 2 error(s), 0 warning(s) in {seeds}; nothing was built and the published "
        "outputs are unchanged. Fix the rows above and build again.",
    ]


def test_main_passes_with_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds = write_seeds(tmp_path, ref=REF_CSV.replace("北京", "北京 "))
    assert main(["--seeds", str(seeds)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("warning: ")
    assert printed[-1] == f"seedcheck: the seeds in {seeds} passed (1 warning(s))"


def test_main_without_a_seeds_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--seeds", str(tmp_path / "nowhere")]) == 1
    assert "is not a directory" in capsys.readouterr().out
