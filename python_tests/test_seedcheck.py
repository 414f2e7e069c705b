"""Unit tests of medres.seedcheck on small seed directories written to temporary files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from medres.seedcheck import MAX_PROBLEMS_PER_RULE, check, main

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROJECT_SEEDS = PROJECT_ROOT / "seeds"

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
        # The malformed row is not read: the rules comparing the file with others (here: every
        # year has every code of ref) are skipped rather than report its province as missing.
        "facts.csv, row 3: the row is blank: delete it",
        "facts.csv, row 4: the row has 10 cells but the header has 9 (a missing or extra comma, "
        "or an unquoted comma inside a cell?); the rules that compare this file with others were "
        "skipped",
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


# --- the likely cause of a file that cannot be read ------------------------------------------------


def test_trailing_comma_on_every_line_is_one_error(tmp_path: Path) -> None:
    facts = "".join(line.rstrip("\n") + ",\n" for line in facts_with(*FACTS_ROWS).splitlines())
    assert lines(write_seeds(tmp_path, facts=facts)) == [
        "facts.csv, row 1 (header): the header ends with a comma, which adds an unnamed empty "
        "column: delete the comma at the end of every line (a trailing comma, e.g. from a "
        "spreadsheet export with an empty last column)"]


def test_trailing_comma_on_a_data_row(tmp_path: Path) -> None:
    found = lines(write_seeds(tmp_path, facts=facts_with(FACTS_ROWS[0].replace("\n", ",\n"),
                                                         FACTS_ROWS[1])))
    assert found == [
        "facts.csv, row 2: the row ends with a comma, which adds an empty cell after the last "
        "column kind: delete the comma at the end of the line; the rules that compare this file "
        "with others were skipped"]


def test_empty_header_cell(tmp_path: Path) -> None:
    found = lines(write_seeds(tmp_path, ref="code,,name\n11,,北京\n12,,天津\n"))
    assert found == ["ref.csv, row 1 (header): header cell 2 is empty (an unnamed column; an extra "
                     "comma?)"]


def test_full_width_commas_in_the_header(tmp_path: Path) -> None:
    facts = facts_with(*FACTS_ROWS).replace(",", "\uff0c")
    assert lines(write_seeds(tmp_path, facts=facts)) == [
        "facts.csv, row 1 (header): the header is separated by full-width commas '，' (U+FF0C), "
        "which do not separate cells: replace every '，' between cells with an ASCII comma ',' "
        "(expected: year,code,name,beds,people,part_a,part_b,total,kind)"]


def test_full_width_commas_in_a_row(tmp_path: Path) -> None:
    found = lines(write_seeds(tmp_path, facts=facts_with(
        FACTS_ROWS[0], FACTS_ROWS[1].replace(",", "\uff0c", 3))))
    assert found == [
        "facts.csv, row 3: the row has 6 cells but the header has 9: it contains full-width commas "
        "'，' (U+FF0C), which do not separate cells; type ASCII commas ',' between the cells; the "
        "rules that compare this file with others were skipped"]


def test_stray_opening_quote_is_one_error_at_its_row(tmp_path: Path) -> None:
    # The quote opens a cell that would swallow the rest of the file: one error, nothing about
    # the rows it swallowed or about the seeds that refer to this one.
    rows = [f"2020,{code},{name},6.8,1387,,,,West\n" for code, name in [("11", "北京"), ("12", "天津")]]
    ref = "code,name\n11,北京\n12,\"天津\n" + "".join(f"{n},X{n}\n" for n in range(13, 60))
    assert lines(write_seeds(tmp_path, ref=ref, facts=facts_with(*rows))) == [
        "ref.csv, row 3, column name: a quote opens a cell on line 3 and is never closed, so the "
        "rest of the file would be read as one cell (a stray quote?): delete it or close it; the "
        "rest of the file was not checked"]


def test_stray_quote_closed_by_a_later_quote(tmp_path: Path) -> None:
    facts = facts_with(FACTS_ROWS[0].replace(",北京,", ',"北京,'), FACTS_ROWS[1],
                       '2021,12,天津,6.8,1387,,,,"West"\n')
    assert lines(write_seeds(tmp_path, facts=facts)) == [
        "facts.csv, row 2, column name: a quote opens a cell on line 2 and the next quote is on "
        "line 4, so lines 2-4 would be read as one cell (a stray quote?): delete it or close it in "
        "the same line; the rest of the file was not checked"]


def test_quote_followed_by_text(tmp_path: Path) -> None:
    facts = facts_with(FACTS_ROWS[0], FACTS_ROWS[1].replace(",天津,", ',"天津"市,'))
    assert lines(write_seeds(tmp_path, facts=facts)) == [
        "facts.csv, row 3, column name: a quoted cell is followed by more text before the next "
        "comma (a stray quote?): delete the quote, or quote the whole cell and double any quote "
        'inside it ("like ""this"""); the rest of the file was not checked']


def test_quoted_comma_and_doubled_quote_are_fine(tmp_path: Path) -> None:
    ref = 'code,name\n11,"北京"\n12,"天津,""市"""\n'
    found = lines(write_seeds(tmp_path, ref=ref))
    # The name is read as 天津,"市" (no quote problem); it only differs from facts' name.
    assert found == ["facts.csv, row 3 (year 2020, code 12), column name: '天津' does not match code "
                     "12, which ref.csv row 3 names '天津,\"市\"'"]


def test_rules_of_other_seeds_skip_a_file_with_malformed_rows(tmp_path: Path) -> None:
    found = lines(write_seeds(tmp_path, ref="code,name\n11,北京\n12,天津,x\n"))
    assert found == ["ref.csv, row 3: the row has 3 cells but the header has 2 (a missing or extra "
                     "comma, or an unquoted comma inside a cell?); the rules that compare this file "
                     "with others were skipped"]


# --- bounded output -------------------------------------------------------------------------------------


def test_at_most_a_set_number_of_errors_per_rule(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    copies = 5000
    seeds = write_seeds(tmp_path, facts=facts_with(*FACTS_ROWS, *[FACTS_ROWS[0]] * copies))
    found = lines(seeds)
    limit = MAX_PROBLEMS_PER_RULE
    assert len(found) == limit + 1
    assert found[0] == ("facts.csv, row 4 (year 2020, code 11), columns year, code: year 2020, code 11 "
                        "is also in row 2; each combination must occur only once")
    assert found[-1] == (f"facts.csv: {copies - limit} more errors like the {limit} above "
                         "(unique_key year, code) not printed; fix those and run the check again")
    assert len(check(seeds, limit=None)) == copies
    assert main(["--seeds", str(seeds)]) == 1
    printed = capsys.readouterr().out
    assert len(printed) < 10_000
    assert printed.splitlines()[-1].startswith(f"seedcheck: {copies} error(s), 0 warning(s)")


def test_the_bound_is_per_rule(tmp_path: Path) -> None:
    rows = [FACTS_ROWS[0].replace(",12.7,", ",x,").replace("2020,", f"{year},")
            for year in range(2000, 2030)]
    found = lines(write_seeds(tmp_path, ref="code,name\n11,北京\n12,天津\n",
                              facts=facts_with(*rows, "2020,12,天津,6.8,1387,,,,Eest\n")))
    assert sum("column beds: 'x' is not a number" in line for line in found) == MAX_PROBLEMS_PER_RULE
    assert "facts.csv: 10 more errors like the 20 above (beds: type) not printed; fix those and run " \
           "the check again" in found
    # Another rule of the same file is still reported.
    assert any("column kind: 'Eest' is not one of East, West" in line for line in found)


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
    ("people=1e3", "people", "'1e3' is in exponent notation: write the number in full (a "
                             "spreadsheet shows long numbers as 1.38E+04 and the digits it hides are lost)"),
    ("beds=1.38E+04", "beds", "'1.38E+04' is in exponent notation: write the number in full (a "
                              "spreadsheet shows long numbers as 1.38E+04 and the digits it hides are lost)"),
    ("beds=1.27e1", "beds", "'1.27e1' is in exponent notation: write the number in full (a "
                            "spreadsheet shows long numbers as 1.38E+04 and the digits it hides are lost)"),
    ('beds=12.7"', "beds", "'12.7\"' is not a number (a stray quote?)"),
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


# A panel: one seed per series in long shape, a seed of acknowledged changes.
PANEL_YML = """
seeds:
  - name: units
    meta: {unique_key: [code]}
    config: {column_types: {code: varchar}}
  - name: personnel
    meta:
      unique_key: [year, code]
      year_over_year:
        - {column: personnel_10k, key: [code], order_by: year, max_ratio: 0.5,
           acknowledged: {seed: acknowledged_changes}}
    config: {column_types: {year: integer, code: varchar, personnel_10k: double}}
    columns:
      - name: code
        meta: {references: {seed: units, column: code}}
  - name: technicians
    meta:
      unique_key: [year, code]
      relation:
        - {left: technicians_10k, op: '<=', right: personnel_10k, right_seed: personnel,
           join: [year, code], hint: technicians are a part of all health personnel}
      plausible_ratios:
        - {numerator: technicians_10k, denominator: personnel_10k, denominator_seed: personnel,
           join: [year, code], min: 0.5, max: 0.95, unit: technicians per health worker}
    config: {column_types: {year: integer, code: varchar, technicians_10k: double}}
  - name: acknowledged_changes
    meta: {unique_key: [year, code, column], may_be_empty: true}
    config:
      column_types: {year: integer, code: varchar, column: varchar, reason: varchar, source: varchar}
"""
PERSONNEL = "year,code,personnel_10k\n2019,11,30\n2020,11,34.8\n2019,12,10\n2020,12,10.5\n"
JUMP = PERSONNEL + "2021,12,105\n"  # Hebei's lost decimal point: ten times the year before
TECHNICIANS = "year,code,technicians_10k\n2020,11,28.0\n2020,12,8.1\n"
ACKNOWLEDGED = "year,code,column,reason,source\n"


def write_panel(directory: Path, personnel: str = PERSONNEL, technicians: str = TECHNICIANS,
                acknowledged: str = ACKNOWLEDGED, yml: str = PANEL_YML) -> Path:
    (directory / "_seeds.yml").write_text(yml, encoding="utf-8")
    for name, text in [("units", "code\n11\n12\n"), ("personnel", personnel),
                       ("technicians", technicians), ("acknowledged_changes", acknowledged)]:
        (directory / f"{name}.csv").write_text(text, encoding="utf-8")
    return directory


def test_good_panel_passes(tmp_path: Path) -> None:
    assert check(write_panel(tmp_path)) == []


def test_year_over_year_jump(tmp_path: Path) -> None:
    assert lines(write_panel(tmp_path, personnel=JUMP)) == [
        "personnel.csv, row 6 (year 2021, code 12), column personnel_10k: 105 in year 2021 is 10 "
        "times 10.5 in year 2020 (row 5); a change by more than a factor of 1.5 either way "
        "(max_ratio 0.5) is taken for a typing slip. If the change is real, add the row "
        "2021,12,personnel_10k,<reason>,<source> to acknowledged_changes.csv"]


def test_year_over_year_drop_is_judged_symmetrically(tmp_path: Path) -> None:
    # 10.5 -> 7 is a factor of exactly 1.5 (allowed), as is 10.5 -> 15.75; 10.5 -> 6.9 is not.
    for allowed in ["7", "15.75"]:
        assert lines(write_panel(tmp_path, personnel=PERSONNEL + f"2021,12,{allowed}\n")) == []
    found = lines(write_panel(tmp_path, personnel=PERSONNEL + "2021,12,6.9\n"))
    assert len(found) == 1
    assert "column personnel_10k: 6.9 in year 2021 is 1/1.52174 of 10.5 in year 2020 (row 5)" in found[0]


def test_year_over_year_acknowledged_change_is_accepted(tmp_path: Path) -> None:
    seeds = write_panel(tmp_path, personnel=JUMP,
                        acknowledged=ACKNOWLEDGED + "2021,12,personnel_10k,new definition,Yearbook 2022 p.1\n")
    assert lines(seeds) == []


def test_year_over_year_acknowledgement_must_name_the_year_key_and_column(tmp_path: Path) -> None:
    for wrong in ["2020,12,personnel_10k", "2021,11,personnel_10k", "2021,12,beds_10k"]:
        seeds = write_panel(tmp_path, personnel=JUMP,
                            acknowledged=ACKNOWLEDGED + wrong + ",r,s\n")
        assert len(lines(seeds)) == 1, wrong


def test_year_over_year_acknowledgement_may_name_the_seed(tmp_path: Path) -> None:
    yml = PANEL_YML.replace("column: varchar, reason", "seed: varchar, column: varchar, reason")
    header = "year,code,seed,column,reason,source\n"
    other_seed = write_panel(tmp_path, yml=yml, personnel=JUMP,
                             acknowledged=header + "2021,12,beds,personnel_10k,r,s\n")
    assert lines(other_seed) == [
        "personnel.csv, row 6 (year 2021, code 12), column personnel_10k: 105 in year 2021 is 10 "
        "times 10.5 in year 2020 (row 5); a change by more than a factor of 1.5 either way "
        "(max_ratio 0.5) is taken for a typing slip. If the change is real, add the row "
        "2021,12,personnel,personnel_10k,<reason>,<source> to acknowledged_changes.csv"]
    this_seed = write_panel(tmp_path, yml=yml, personnel=JUMP,
                            acknowledged=header + "2021,12,personnel,personnel_10k,r,s\n")
    assert lines(this_seed) == []


def test_year_over_year_needs_the_previous_year(tmp_path: Path) -> None:
    # 2018 -> 2020 skips a year: not compared. Rows may come in any order.
    personnel = "year,code,personnel_10k\n2020,11,34.8\n2018,11,3.48\n2021,11,35\n"
    assert lines(write_panel(tmp_path, personnel=personnel,
                             technicians="year,code,technicians_10k\n2020,11,28\n")) == []


def test_year_over_year_to_zero(tmp_path: Path) -> None:
    yml = PANEL_YML.replace("acknowledged: {seed: acknowledged_changes}", "")
    found = lines(write_panel(tmp_path, yml=yml, personnel=PERSONNEL.replace("2019,12,10", "2019,12,0")))
    assert found == [
        "personnel.csv, row 5 (year 2020, code 12), column personnel_10k: 10.5 in year 2020 follows "
        "0 in year 2019 (row 4): a change to, from or across zero; a change by more than a factor "
        "of 1.5 either way (max_ratio 0.5) is taken for a typing slip"]


def test_year_over_year_skipped_when_the_acknowledgements_cannot_be_read(tmp_path: Path) -> None:
    seeds = write_panel(tmp_path, personnel=JUMP, acknowledged="year,code,column,reason\n")
    assert lines(seeds) == [
        "acknowledged_changes.csv, row 1 (header), column source: missing from the header "
        "(expected: year,code,column,reason,source)"]


def test_relation_and_ratio_between_two_series(tmp_path: Path) -> None:
    # Technicians above all personnel (a swapped or mistyped cell), and a share of 0.4 (too low).
    seeds = write_panel(tmp_path, technicians="year,code,technicians_10k\n2020,11,38.0\n2020,12,4.2\n")
    assert lines(seeds) == [
        "technicians.csv, row 2 (year 2020, code 11), column technicians_10k: technicians_10k 38.0 "
        "is not <= personnel_10k 34.8 (personnel.csv row 3); technicians are a part of all health "
        "personnel",
        "technicians.csv, row 2 (year 2020, code 11), column technicians_10k: technicians_10k 38.0 "
        "/ personnel_10k 34.8 (personnel.csv row 3) gives 1.09195 technicians per health worker, "
        "outside the plausible range 0.5 to 0.95",
        "technicians.csv, row 3 (year 2020, code 12), column technicians_10k: technicians_10k 4.2 / "
        "personnel_10k 10.5 (personnel.csv row 5) gives 0.4 technicians per health worker, outside "
        "the plausible range 0.5 to 0.95",
    ]


def test_relation_within_one_seed(tmp_path: Path) -> None:
    yml = RULES_YML.replace("      plausible_ratios:", "      relation: {left: part_a, op: '<', right: total}\n"
                                                      "      plausible_ratios:")
    found = lines(write_seeds(tmp_path, yml=yml, facts=facts_with(
        FACTS_ROWS[0].replace(",80,14.236,94.236,", ",80,0,80,"), FACTS_ROWS[1])))
    assert found == ["facts.csv, row 2 (year 2020, code 11), column part_a: part_a 80 is not < total 80"]


def test_rules_of_a_reference_seed_apply_too(tmp_path: Path) -> None:
    # The reference seed itself gets rules across rows: every year lists every code exactly once.
    yml = PANEL_YML.replace(
        "    meta: {unique_key: [code]}\n    config: {column_types: {code: varchar}}",
        "    meta:\n      unique_key: [year, code]\n"
        "      complete: {group_by: year, column: code, seed: units}\n"
        "    config: {column_types: {year: integer, code: varchar}}")
    seeds = write_panel(tmp_path, yml=yml)
    (seeds / "units.csv").write_text("year,code\n2020,11\n2020,12\n2021,11\n", encoding="utf-8")
    assert lines(seeds) == ["units.csv, year 2021, column code: no row for 12; units.csv row 3 "
                            "(2020,12) lists it, and every year needs a row for each"]


# --- the rules themselves -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "message"), [
    (("{min_exclusive: 0}", "{min_exclusiv: 0}"), "column beds: unknown rule 'min_exclusiv'"),
    (("seed: ref, column: code}", "seed: refs, column: code}"),
     "column code: refers to seed 'refs', which no YAML declares"),
    (("{accepted_values: [East, West]}", "{accepted_values: [East, West], max: 3}"),
     "column kind: max apply only to numeric columns"),
    (("beds: double,", "beds: float,"), "column beds: type 'float' is not one of"),
    (("unique_key: [year, code]",
      "unique_key: [year, code]\n      "
      "unique: [year]"),
     "unknown seed rule 'unique'"),
    (("scale: 1000,", "scale: 1000, units: x,"), "plausible_ratios: unknown key 'units'"),
    (("unit: 'beds per 1,000 people',", ""), "plausible_ratios: key 'unit' is required"),
    (("unique_key: [year, code]",
      "unique_key: [year, code]\n      "
      "relation: {left: beds, op: '=<', right: people}"),
     "relation: op '=<' is not one of <, <=, >, >=, ="),
    (("unique_key: [year, code]",
      "unique_key: [year, code]\n      "
      "relation: {left: beds, op: '<', right: kind}"),
     "relation: column kind of seed facts is not numeric"),
    (("unique_key: [year, code]",
      "unique_key: [year, code]\n      "
      "relation: {left: beds, op: '<', right: name, right_seed: ref}"),
     "relation: right_seed needs join (the columns matching the rows)"),
    (("unique_key: [year, code]",
      "unique_key: [year, code]\n      "
      "year_over_year: {column: beds, key: [code], order_by: year, max_ratio: 0.5, treshold: 1}"),
     "year_over_year: unknown key 'treshold'"),
    (("unique_key: [year, code]",
      "unique_key: [year, code]\n      "
      "year_over_year: {column: beds, key: [code], order_by: name, max_ratio: 0.5}"),
     "year_over_year: order_by column name must be an integer column"),
    (("unique_key: [year, code]",
      "unique_key: [year, code]\n      "
      "year_over_year: {column: beds, key: [code], order_by: year, max_ratio: -1}"),
     "year_over_year: max_ratio must be a number > 0, got -1"),
    (("unique_key: [year, code]",
      "unique_key: [year, code]\n      "
      "year_over_year: {column: beds, key: [code], order_by: year}"),
     "year_over_year: key 'max_ratio' is required"),
    (("unique_key: [year, code]",
      "unique_key: [year, code]\n      "
      "year_over_year: {column: beds, key: [code], order_by: year, max_ratio: 1, acknowledged: {seed: ref}}"),
     "year_over_year acknowledged: seed ref has no column 'year'"),
    (("unique_key: [year, code]",
      "unique_key: [year, code]\n      "
      "year_over_year: {column: beds, key: [code], order_by: year, max_ratio: 1, acknowledged: ref}"),
     "year_over_year: acknowledged must be {seed: S, column: V, each: change|cell} "
     "(column and each optional), got 'ref'"),
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


# --- numbers from the project's vars; one row per identity -------------------------------------

BAND_YML = RULES_YML.replace(
    "min: 2, max: 16,\n           unit:", "band: beds_per_1000,\n           unit:").replace(
    "      - name: part_a\n        meta: {required: false, max: 80}",
    "      - name: part_a\n        meta: {required: false, band: part_a_band}")
PROJECT_VARS = """vars:
  medres_plausibility_bands:
    beds_per_1000: {min: 2, max: 16}
    part_a_band: {min: 0, max: 80}
"""


def write_project(root: Path, project_yml: str) -> None:
    """A project around the seeds: its dbt_project.yml and the settings spec the loader reads."""
    (root / "dbt_project.yml").write_text(project_yml, encoding="utf-8")
    (root / "macros").mkdir(exist_ok=True)
    shutil.copy(PROJECT_ROOT / "macros" / "medres_vars.sql", root / "macros")


def band_project(tmp_path: Path) -> Path:
    """A project whose rules name bands that live in its dbt_project.yml vars."""
    write_project(tmp_path, PROJECT_VARS)
    return write_seeds(tmp_path / "seeds", yml=BAND_YML,
                       facts=facts_with("2020,11,北京,12.7,2189,81,14.236,95.236,East\n", FACTS_ROWS[1]))


def test_bands_come_from_the_project_vars(tmp_path: Path) -> None:
    assert lines(band_project(tmp_path)) == [
        "facts.csv, row 2 (year 2020, code 11), column part_a: '81' is not <= 80"]


def test_a_band_changed_through_vars_changes_the_verdict(tmp_path: Path, capsys) -> None:
    seeds = band_project(tmp_path)
    assert main(["--seeds", str(seeds)]) == 1
    override = "{medres_plausibility_bands: {beds_per_1000: {min: 6, max: 7}, part_a_band: {min: 0, max: 90}}}"
    assert main(["--seeds", str(seeds), "--vars", override]) == 1
    out = capsys.readouterr().out
    assert "12.7 / people 2189 gives 5.80174 beds per 1,000 people, outside the plausible range 6 to 7" in out
    assert "'81' is not <= 90" not in out


def test_an_unknown_band_is_an_error(tmp_path: Path) -> None:
    write_project(tmp_path, "vars: {}\n")
    seeds = write_seeds(tmp_path / "seeds", yml=BAND_YML)
    found = lines(seeds)
    assert any("band 'beds_per_1000' is not in var medres_plausibility_bands" in line for line in found)
    assert any("band 'part_a_band' is not in var medres_plausibility_bands" in line for line in found)


IDENTITY_YML = """
seeds:
  - name: aliases
    meta: {unique_key: [name]}
    config: {column_types: {name: varchar, hospital_id: varchar}}
  - name: ranking
    meta:
      unique_key: [[edition, rank], [edition, name]]
      one_row_per_identity:
        - {column: name, seed: aliases, key: name, identity: hospital_id, within: [edition], means: hospital}
    config: {column_types: {edition: integer, rank: integer, name: varchar}}
"""


def test_one_hospital_under_two_names_in_one_edition(tmp_path: Path) -> None:
    (tmp_path / "_seeds.yml").write_text(IDENTITY_YML, encoding="utf-8")
    (tmp_path / "aliases.csv").write_text("name,hospital_id\n南京军区南京总医院,h1\n东部战区总医院,h1\n协和,h2\n",
                                          encoding="utf-8")
    ranking = "edition,rank,name\n2020,1,协和\n2020,2,南京军区南京总医院\n2021,1,东部战区总医院\n"
    (tmp_path / "ranking.csv").write_text(ranking, encoding="utf-8")
    assert lines(tmp_path) == []  # renamed between editions: fine
    (tmp_path / "ranking.csv").write_text(ranking + "2021,2,南京军区南京总医院\n", encoding="utf-8")
    assert lines(tmp_path) == [
        "ranking.csv, row 5 (edition 2021, rank 2), column name: '南京军区南京总医院' and row 4 "
        "'东部战区总医院' are the same hospital (h1 in aliases.csv); edition 2021 lists it twice"]


YEARS_YML = """
seeds:
  - name: population
    meta: {unique_key: [year, code]}
    config: {column_types: {year: integer, code: varchar, people: double}}
  - name: beds
    meta:
      unique_key: [year, code]
      years_match: {column: year, seed: population}
    config: {column_types: {year: integer, code: varchar, beds: double}}
  - name: spending
    meta:
      unique_key: [year, code]
      years_match: {column: year, seed: population, mode: subset}
    config: {column_types: {year: integer, code: varchar, yuan: double}}
"""


def test_years_match_between_series(tmp_path: Path) -> None:
    (tmp_path / "_seeds.yml").write_text(YEARS_YML, encoding="utf-8")
    (tmp_path / "population.csv").write_text("year,code,people\n2020,11,1\n2021,11,1\n", encoding="utf-8")
    (tmp_path / "beds.csv").write_text("year,code,beds\n2020,11,1\n2021,11,1\n", encoding="utf-8")
    (tmp_path / "spending.csv").write_text("year,code,yuan\n2020,11,1\n", encoding="utf-8")
    assert lines(tmp_path) == []  # a subset series may lack a year
    (tmp_path / "beds.csv").write_text("year,code,beds\n2020,11,1\n2022,11,1\n", encoding="utf-8")
    (tmp_path / "spending.csv").write_text("year,code,yuan\n2020,11,1\n2023,11,1\n", encoding="utf-8")
    assert lines(tmp_path) == [
        "beds.csv, column year: no row for year 2021, which population.csv has; every series of "
        "the panel needs the same years",
        "beds.csv, row 3 (year 2022, code 11), column year: year 2022 is not in population.csv; "
        "every year of this file must be there too",
        "spending.csv, row 3 (year 2023, code 11), column year: year 2023 is not in population.csv; "
        "every year of this file must be there too"]


def test_holds_var_names_the_var_and_the_values_the_file_has(tmp_path: Path) -> None:
    write_project(tmp_path, "vars: {report_year: 2020}\n")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "_seeds.yml").write_text("""
seeds:
  - name: population
    meta: {unique_key: [year, code], holds_var: {column: year, var: report_year}}
    config: {column_types: {year: integer, code: varchar, people: double}}
""", encoding="utf-8")
    (seeds / "population.csv").write_text("year,code,people\n2020,11,1\n2021,11,1\n", encoding="utf-8")
    assert lines(seeds) == []
    assert main(["--seeds", str(seeds), "--vars", "{report_year: 2021}"]) == 0
    problems = [str(p).replace(f"{seeds}/", "") for p in check(
        seeds, variables={"report_year": 2031})]
    assert problems == ["population.csv, column year: var report_year is 2031, which is not a year "
                        "of this file; the years it has: 2020, 2021"]
