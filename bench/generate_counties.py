"""SYNTHETIC county-level inputs for the scale benchmark (never real data, never the project's seeds).

Writes, into a seeds directory of a *temporary copy* of the project, stand-ins for the seeds
``ref_provinces`` (2,851 county-level units), ``yearbook_health_resources`` and
``yearbook_population`` (2011-2020, one row per unit and year) and a header-only
``yearbook_health_technicians``. The Fudan seeds are left as they are.

Assumptions (all values are drawn, none is observed):

* Units per province: approximately the 2020 number of county-level divisions of each province
  (``COUNTIES``, summing to 2,843), topped up on the largest provinces to 2,851.
* Codes: GB/T 2260-shaped, ``PP CC NN``: the province's two-digit prefix, a prefecture number
  01.. (at most 12 counties each) and a county number 01..; names are ``<province>第NNN县``, so each
  unit's region_3 / region_4 are its province's.
* Population 2020: the province's real 2020 year-end population split over its counties with
  log-normal weights (sigma 0.6, a county-size spread typical of Chinese provinces); earlier years
  back-cast with 0.5 % growth a year; census count = year-end estimate x N(1, 0.5 %).
* Per-capita resources: the province's real 2020 per-capita figure x a log-normal county factor
  (sigma 0.25 beds, 0.35 institutions, 0.20 personnel, 0.15 expenditure, truncated at +-2 sigma,
  fixed per county over the years) x a national trend back-cast from 2020 (beds +5.9 %, personnel +5.0 %, institutions +0.8 %,
  per-capita expenditure +12 % a year, roughly the 2011-2020 national growth), so each year's
  distribution resembles the province one, scaled to county populations.

The national totals of the study year are returned (and printed) so the benchmark can pass them
to ``dbt build --vars medres_national_totals`` and keep the sum checks meaningful.

Usage: ``python bench/generate_counties.py OUT_SEEDS_DIR [--project DIR] [--seed N]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

# The repository's real seeds: synthetic data must never land there.
OWN_SEEDS = Path(__file__).resolve().parents[1] / "seeds"
UNITS = 2851
YEARS = range(2011, 2021)
STUDY_YEAR = 2020
# Approximate 2020 county-level divisions per province (districts, county-level cities, counties).
COUNTIES = {
    "110000": 16, "120000": 16, "130000": 167, "140000": 117, "150000": 103, "210000": 100,
    "220000": 60, "230000": 121, "310000": 16, "320000": 95, "330000": 90, "340000": 104,
    "350000": 84, "360000": 100, "370000": 136, "410000": 157, "420000": 103, "430000": 122,
    "440000": 122, "450000": 111, "460000": 25, "500000": 38, "510000": 183, "520000": 88,
    "530000": 129, "540000": 74, "610000": 107, "620000": 86, "630000": 44, "640000": 22,
    "650000": 107,
}
COUNTIES_PER_PREFECTURE = 12
# County spread (log-normal sigma) and annual national growth of each per-capita indicator.
SPREAD = {"beds": 0.25, "institutions": 0.35, "personnel": 0.20, "expenditure": 0.15}
GROWTH = {"beds": 0.059, "institutions": 0.008, "personnel": 0.050, "expenditure": 0.12,
          "population": 0.005}


def unit_counts() -> dict[str, int]:
    """Counties per province, topped up one at a time on the largest provinces to ``UNITS``."""
    counts = dict(COUNTIES)
    for code in sorted(counts, key=counts.get, reverse=True)[: UNITS - sum(counts.values())]:
        counts[code] += 1
    return counts


def generate(project: Path, out: Path, seed: int = 20200) -> dict[str, float]:
    """Write the synthetic seeds into ``out``; return the national totals of ``STUDY_YEAR``."""
    if out.resolve().is_relative_to(OWN_SEEDS):
        raise ValueError(f"refusing to write synthetic data into {OWN_SEEDS}: use a temporary copy")
    rng = np.random.default_rng(seed)
    provinces = pd.read_csv(project / "seeds/reference/ref_provinces.csv", dtype=str)
    resources = pd.read_csv(project / "seeds/yearbook/yearbook_health_resources.csv",
                            dtype={"region_code": str})
    population = pd.read_csv(project / "seeds/yearbook/yearbook_population.csv",
                             dtype={"region_code": str})
    real = provinces.merge(resources.drop(columns=["year", "province_zh"]), on="region_code").merge(
        population.drop(columns=["year", "province_zh"]), on="region_code"
    )

    counts = unit_counts()
    units: list[dict[str, object]] = []
    for province in real.itertuples():
        count = counts[province.region_code]
        weights = rng.lognormal(0.0, 0.6, count)
        people_10k = province.yearend_population_10k * weights / weights.sum()
        # Truncated at +-2 sigma: the project's plausibility tests (e.g. 1-15 beds per 1,000) are
        # for real units, and the benchmark must exercise the whole DAG, not stop at a test.
        factors = {name: np.exp(np.clip(rng.normal(0.0, sigma, count), -2 * sigma, 2 * sigma))
                   for name, sigma in SPREAD.items()}
        for index in range(count):
            number = index + 1
            code = (f"{province.region_code[:2]}{index // COUNTIES_PER_PREFECTURE + 1:02d}"
                    f"{index % COUNTIES_PER_PREFECTURE + 1:02d}")
            units.append({
                "region_code": code,
                "province_zh": f"{province.province_zh}第{number:03d}县",
                "province_full_zh": f"{province.province_full_zh}第{number:03d}县",
                "province_en": f"{province.province_en} County {number:03d}",
                "region_3": province.region_3,
                "region_4": province.region_4,
                "population_2020_10k": people_10k[index],
                "beds_per_person": province.beds_10k / province.yearend_population_10k
                * factors["beds"][index],
                "institutions_per_10k": province.institutions / province.yearend_population_10k
                * factors["institutions"][index],
                "personnel_per_person": province.health_personnel_10k
                / province.yearend_population_10k * factors["personnel"][index],
                "expenditure": province.health_expenditure_per_capita_yuan
                * factors["expenditure"][index],
            })
    frame = pd.DataFrame(units)
    assert len(frame) == UNITS and frame["region_code"].is_unique

    health_rows, population_rows = [], []
    for year in YEARS:
        back = STUDY_YEAR - year
        trend = {name: (1 + rate) ** -back for name, rate in GROWTH.items()}
        people = frame["population_2020_10k"] * trend["population"]
        population_rows.append(pd.DataFrame({
            "year": year, "region_code": frame["region_code"], "province_zh": frame["province_zh"],
            "yearend_population_10k": people.round(4),
            "census_population": (people * 10_000 * rng.normal(1, 0.005, UNITS)).round().astype(int),
        }))
        health_rows.append(pd.DataFrame({
            "year": year, "region_code": frame["region_code"], "province_zh": frame["province_zh"],
            "institutions": np.maximum(1, (frame["institutions_per_10k"] * people
                                           * trend["institutions"]).round()).astype(int),
            "health_personnel_10k": (frame["personnel_per_person"] * people * trend["personnel"]).round(4),
            "beds_10k": (frame["beds_per_person"] * people * trend["beds"]).round(4),
            "health_expenditure_per_capita_yuan": (frame["expenditure"] * trend["expenditure"]).round(1),
        }))
    health = pd.concat(health_rows, ignore_index=True)
    people_frame = pd.concat(population_rows, ignore_index=True)

    (out / "reference").mkdir(parents=True, exist_ok=True)
    (out / "yearbook").mkdir(parents=True, exist_ok=True)
    frame.assign(year=STUDY_YEAR)[
        ["year", "region_code", "province_zh", "province_full_zh", "province_en", "region_3", "region_4"]
    ].to_csv(out / "reference/ref_provinces.csv", index=False)
    health.to_csv(out / "yearbook/yearbook_health_resources.csv", index=False)
    people_frame.to_csv(out / "yearbook/yearbook_population.csv", index=False)
    (out / "yearbook/yearbook_health_technicians.csv").write_text(
        "year,region_code,province_zh,health_technicians_10k,series,source_url\n", encoding="utf-8"
    )

    study = health[health["year"] == STUDY_YEAR]
    return {
        "institutions": int(study["institutions"].sum()),
        "beds_10k": round(float(study["beds_10k"].sum()), 4),
        "health_personnel_10k": round(float(study["health_personnel_10k"].sum()), 4),
        "yearend_population_10k": round(float(
            people_frame.loc[people_frame["year"] == STUDY_YEAR, "yearend_population_10k"].sum()), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="seeds directory of a temporary project copy")
    parser.add_argument("--project", type=Path, default=Path(__file__).resolve().parents[1],
                        help="project whose real 2020 seeds calibrate the draws")
    parser.add_argument("--seed", type=int, default=20200)
    arguments = parser.parse_args(argv)
    print(json.dumps(generate(arguments.project, arguments.out, arguments.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
