"""The NBS seeds are exactly what scripts/nbs_export_to_seed.py makes of the stored exports, and
the converter refuses what would silently change a published vintage."""

import csv
import importlib.util
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "reference" / "nbs_exports"
SEEDS = {
    "Resident_Population(year-end)(10000 persons).csv": ("nbs_population", "yearend_population_10k"),
    "Number_of_Beds_in_Health_Care_Institutions(10000_units).csv": ("nbs_beds", "beds_10k"),
    "Number_of_Medical_Technical_Personnel(10000 persons).csv": (
        "nbs_health_technicians", "health_technicians_10k"),
    "Per_Capita_Gross_Regional_Product(yuan_person).csv": ("nbs_gdp_per_capita", "gdp_per_capita_yuan"),
}

spec = importlib.util.spec_from_file_location("nbs_export_to_seed", ROOT / "scripts" / "nbs_export_to_seed.py")
converter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(converter)


@pytest.mark.parametrize("export", sorted(SEEDS))
def test_seed_is_the_converters_output_of_the_stored_export(export, tmp_path):
    seed, column = SEEDS[export]
    out = tmp_path / f"{seed}.csv"
    assert converter.main([str(EXPORTS / export), "--column", column, "--out", str(out)]) == 0
    assert out.read_bytes() == (ROOT / "seeds" / "nbs" / f"{seed}.csv").read_bytes()


def test_beijing_2020_technicians_give_the_studys_12_6_per_1000():
    def value(seed: str, column: str) -> float:
        with (ROOT / "seeds" / "nbs" / f"{seed}.csv").open(encoding="utf-8") as handle:
            row = next(r for r in csv.DictReader(handle) if r["year"] == "2020" and r["region_code"] == "110000")
        return float(row[column])

    per_1000 = value("nbs_health_technicians", "health_technicians_10k") * 1000 / value(
        "nbs_population", "yearend_population_10k")
    assert round(per_1000, 2) == 12.61


def test_a_revised_value_is_refused_unless_accepted(tmp_path):
    export = "Number_of_Beds_in_Health_Care_Institutions(10000_units).csv"
    seed = tmp_path / "nbs_beds.csv"
    shutil.copy(ROOT / "seeds" / "nbs" / "nbs_beds.csv", seed)
    text = seed.read_text(encoding="utf-8").replace("2020,110000,北京,12.70", "2020,110000,北京,12.50")
    seed.write_text(text, encoding="utf-8")
    arguments = [str(EXPORTS / export), "--column", "beds_10k", "--out", str(seed)]
    with pytest.raises(converter.ExportError,
                       match=r"revises 1 value\(s\) of the seed \(2020 110000: seed 12.50, export 12.70\)"):
        converter.convert(EXPORTS / export, "beds_10k", list(csv.DictReader(seed.open(encoding="utf-8"))), False)
    assert converter.main(arguments) == 1
    assert converter.main([*arguments, "--accept-revisions"]) == 0
    assert "2020,110000,北京,12.70" in seed.read_text(encoding="utf-8")


def test_years_the_export_does_not_cover_are_kept(tmp_path):
    seed = tmp_path / "nbs_beds.csv"
    seed.write_text("year,region_code,province_zh,beds_10k\n2015,110000,北京,11.00\n", encoding="utf-8")
    export = EXPORTS / "Number_of_Beds_in_Health_Care_Institutions(10000_units).csv"
    assert converter.main([str(export), "--column", "beds_10k", "--out", str(seed)]) == 0
    lines = seed.read_text(encoding="utf-8").splitlines()
    assert lines[1] == "2015,110000,北京,11.00" and len(lines) == 1 + 1 + 31 * 9


def test_an_unknown_province_name_stops_the_converter(tmp_path):
    export = tmp_path / "export.csv"
    original = (EXPORTS / "Number_of_Beds_in_Health_Care_Institutions(10000_units).csv").read_text(encoding="utf-8")
    export.write_text(original.replace("Inner Mongolia,", "Nei Mongol,"), encoding="utf-8")
    with pytest.raises(converter.ExportError, match=r"province name\(s\) \['Nei Mongol'\] are not in"):
        converter.convert(export, "beds_10k", [], False)


def test_per_capita_grp_seed_holds_the_exports_values():
    with (ROOT / "seeds" / "nbs" / "nbs_gdp_per_capita.csv").open(encoding="utf-8") as handle:
        rows = {(r["year"], r["region_code"]): r["gdp_per_capita_yuan"] for r in csv.DictReader(handle)}
    assert len(rows) == 31 * 9
    assert rows[("2020", "110000")] == "175856" and rows[("2024", "620000")] == "52825"
    assert rows[("2016", "520000")] == "32505"
