"""The HTML report: the findings first (numbers of the marts), tables with the expected rows,
difference flags where expected, errata, escaping, offline (no external URL, no script), HTML only
in the templates."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import markupsafe
import numpy as np
import pandas as pd
import pytest
from conftest import ProjectCopy
from report_tables import parse_tables
from study_seeds import read_study_seed

from medres import report, settings
from medres.study import STUDY_YEAR, TOTAL_COLUMNS, differs

ROOT = Path(__file__).resolve().parents[1]
#: The study's printed tables as transcribed (seeds); the report reads their published marts.


def study_seed(key: str) -> pd.DataFrame:
    """The transcription of the study's table ``key`` (report.STUDY_TABLES) in printed order."""
    return read_study_seed(report.STUDY_TABLES[key])


@pytest.fixture(scope="module")
def published(shared_built_project: ProjectCopy) -> Path:
    """The marts of a temporary build (conftest), never the working tree's published/."""
    return shared_built_project.published


@pytest.fixture(scope="module")
def built(rendered_report):
    page = rendered_report.read_text(encoding="utf-8")
    return rendered_report.parent, page, parse_tables(page)


def row_of(rows, first_cell):
    return next(r for r in rows if r[0][0] == first_cell)


def test_report_files_and_images(built):
    out, _, parsed = built
    assert (out / "index.html").exists()
    assert len(parsed.images) == len(report.figures.FIGURE_MARTS) == 16
    for src in parsed.images:
        assert (out / src).exists(), src


def test_tables_have_the_expected_rows(built):
    _, _, parsed = built
    expected = {"table-1": 31, "tables-2-6-rows": 31, "tables-2-6-profiles": 25, "table-8": 31,
                "table-9": 11, "table-10": 5, "table-11": 31, "table-11-grades": 5,
                "quality-scores": 31, "errata-table8-rsr": 31, "errata-ocr": 8,
                "cluster-profiles": 5, "grade-thresholds": 5,
                "build-settings": len(settings.setting_names(ROOT)),
                "inequality-gini": 5, "inequality-theil": 2 * (4 * 9 + 1), "inequality-regions": 15,
                "inequality-cv": 3 * 9 + 1, "grade-validity": 9,
                "trend-per-capita": 16, "trend-rsr-grades": 31, "trend-quality": 31,
                "table-11-differences": 11, "inequality-permutation": 5 * 2 * 2,
                "inequality-jackknife": 5 * 4, "rsr-fit-diagnostics": 9,
                "heat-measures": len(report.HEAT_TABLE_MEASURES)}
    for table_id, rows in expected.items():
        assert len(parsed.tables[table_id]) == rows, table_id


def test_robustness_tables_follow_the_marts(built, published):
    _, page, parsed = built
    with duckdb.connect() as connection:
        fragile = [p for (p,) in connection.execute(
            "select province_en from read_parquet(?) where year = 2020 and not is_robust "
            "order by agree_share, province_en",
            [str(published / "parquet" / "fct_rsr_grade_robustness.parquet")]).fetchall()]
        beds = connection.execute(
            "select p_value from read_parquet(?) where year = 2020 and resource = 'beds_10k' "
            "and grouping = 'region_3' and theil_form = 'theil_t'",
            [str(published / "parquet" / "fct_inequality_theil_permutation.parquet")]).fetchone()[0]
    listed = [r[0][0] for r in parsed.tables["rsr-fragile-grades"]]
    assert sorted(listed) == sorted(fragile) and listed[0] == fragile[0]
    assert 0 < len(fragile) < 31  # the check can fail for some provinces and pass for others
    beds_row = next(r for r in parsed.tables["inequality-permutation"]
                    if r[0][0] == "beds" and r[1][0] == "region_3" and r[2][0] == "T")
    assert beds_row[-1][0] == f"{beds:.3f}"
    assert "Checks that can fail" in page
    assert "holds by construction" in page


def test_table8_flags_beijing_rsr_and_the_recomputed_rsr(built):
    _, page, parsed = built
    beijing = row_of(parsed.tables["table-8"], "Beijing")
    printed, recomputed, ours = beijing[-3], beijing[-2], beijing[-1]
    assert printed == ("0.64", "")
    assert recomputed[0].startswith("0.58") and "diff" in recomputed[1] and "≠" in recomputed[0]
    assert "diff" in ours[1]
    # R2 is reproduced exactly for every province (the printed column is a valid ranking).
    for row in parsed.tables["table-8"]:
        assert "diff" not in row[4][1], row[0]
    assert 'data-diff="1"' in page and 'class="has-diff"' in page


def test_table10_percentiles_and_probits_match_but_rsr_cutoffs_differ(built):
    _, _, parsed = built
    for row in parsed.tables["table-10"][:4]:
        assert "diff" not in row[3][1] and "diff" not in row[5][1]  # percentile, probit
        assert "diff" in row[7][1]  # fitted RSR cut-off depends on medres's regression


def test_table1_groups_match_under_the_renumbering(built, published):
    _, _, parsed = built
    flagged = [r[0][0] for r in parsed.tables["table-1"] if "diff" in r[-1][1]]
    clusters = report.Marts(published)("fct_province_clusters")
    chosen = clusters[clusters["is_chosen_k"].astype(bool) & (clusters["year"] == STUDY_YEAR)]
    assert len(chosen) == 31
    study = study_seed("table1")
    merged = study.merge(chosen, on="province_en")
    assert sorted(flagged) == sorted(merged.loc[merged["cluster"] != merged["medres_cluster"],
                                                "province_en"])


def test_table9_r_text_and_r_squared(built, published):
    _, _, parsed = built
    regression = report.Marts(published)("fct_rsr_regression")
    fit = regression[(regression["year"] == STUDY_YEAR)
                     & regression["used_for_grading"].astype(bool)].iloc[0]
    r_text = row_of(parsed.tables["table-9"], "r_text")
    r_squared = row_of(parsed.tables["table-9"], "r_squared")
    # medres's R = √R² of its 2020 fit; with real health technicians as R3 it is 0.990, the value
    # of the study's text (whose own Table 9 R² = 0.957 gives 0.978, see Errata).
    assert r_text[2][0] == "0.990" and r_text[3][0] == f"{fit['r_squared'] ** 0.5:.3f}" == "0.990"
    assert "diff" not in r_text[3][1]
    assert r_squared[2][0] == "0.957" and r_squared[3][0] == f"{fit['r_squared']:.3f} ≠" == "0.981 ≠"
    assert "diff" in r_squared[3][1]


def test_errata_list_the_known_inconsistencies(built):
    _, page, _ = built
    errata = page[page.index('id="errata"'):]
    for evidence in ("72/124 = 0.58, printed 0.64", "repeated ranks 7 (2×), 19 (2×)",
                     "missing ranks 30, 31", "11 (4×)", "√0.957 = 0.978", "R = 0.990",
                     "557.48 billion", "5,574.83", "1.2 trillion", "12,098.65",
                     "the fourth level", "Ningxia", "more than 77000", "42,016",
                     "Total health expenses (Billion)"):
        assert evidence in errata or markupsafe.escape(evidence) in errata, evidence
    # R3 is health technicians in every year now: the old deviation note (R3 = health personnel)
    # is gone from the whole page, not only from the errata.
    per_capita = page[page.index('<section id="per-capita">'):page.index('<section id="quality">')]
    assert "health_personnel_per_1000" not in per_capita
    assert "health_technicians_per_1000" in per_capita


def test_offline_and_escaped(built):
    _, page, parsed = built
    assert parsed.scripts == 0
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "no external resources"
    assert "<Study" not in page and "&#39;" in page  # quotes in values are escaped (Jinja2)


def test_cell_escaping_and_diff_rule():
    macros = report.template_environment().get_template("macros.html.j2").module
    rendered = str(macros.cell(report.Cell("<b>&", diff=True)))
    assert rendered == ('<td class="diff" data-diff="1" title="differs from the printed value">'
                        '&lt;b&gt;&amp; <span class="flag" aria-label="differs">≠</span></td>')
    assert differs(0.64, 0.6449, 2) is False
    assert differs(0.64, 0.58, 2) is True
    assert differs(3.2, 3.2, 1) is False


def test_html_is_only_in_the_templates():
    """The renderer computes values; every tag is written in templates/report/ (autoescaped)."""
    source = (ROOT / "src" / "medres" / "report.py").read_text(encoding="utf-8")
    assert not re.findall(r"<(?:p|td|tr|table|section|figure|div|span|li|code|strong)\b", source)
    assert report.template_environment().autoescape is True


def test_study_tables_are_published_unchanged_in_printed_order(published):
    """Each study_2020_* mart is its seed: same rows, columns and values, printed order kept."""
    marts = report.Marts(published)
    for key, mart in report.STUDY_TABLES.items():
        seed = study_seed(key)
        assert seed["printed_row"].tolist() == list(range(1, len(seed) + 1)), key
        published_table = marts(mart)
        assert published_table["printed_row"].tolist() == seed["printed_row"].tolist(), key
        pd.testing.assert_frame_equal(published_table, seed, check_dtype=False, obj=mart)
    # Table 9 keeps its printed text: 0.990 has three decimals.
    table9 = marts("study_2020_table9_regression").set_index("statistic")["printed_value"]
    assert table9["r_text"] == "0.990" and table9["intercept"] == "-0.148"


def test_transcriptions_agree_with_the_seed_and_the_rsr_fixture():
    table8 = study_seed("table8").drop(columns="printed_row")
    fixture = pd.read_csv(ROOT / "python_tests" / "data" / "rsr_study_table8.csv")
    pd.testing.assert_frame_equal(table8, fixture)
    # The seeds hold the NBS series (2 decimals); the study prints them rounded to one decimal
    # (institutions and the Yearbook's expenditure exactly).
    totals = study_seed("totals")
    names = pd.read_csv(ROOT / "seeds" / "reference" / "ref_provinces.csv",
                        dtype={"region_code": str})
    seed = names[["region_code", "province_en"]]
    for file, column in (("nbs/nbs_institutions", "institutions"),
                         ("nbs/nbs_health_personnel", "health_personnel_10k"),
                         ("nbs/nbs_beds", "beds_10k"),
                         ("yearbook/yearbook_health_expenditure",
                          "health_expenditure_per_capita_yuan")):
        series = pd.read_csv(ROOT / "seeds" / f"{file}.csv", dtype={"region_code": str})
        series = series[series["year"] == STUDY_YEAR]
        seed = seed.merge(series[["region_code", column]], on="region_code")
    merged = totals.merge(seed, on="province_en", suffixes=("_study", "_seed"))
    assert len(merged) == 31
    for column, _, decimals in TOTAL_COLUMNS:
        gap = (merged[f"{column}_study"] - merged[f"{column}_seed"]).abs().max()
        assert gap <= 0.5 * 10 ** -decimals + 1e-9, column
    grades = study_seed("table11")
    assert sorted(grades["province_en"]) == sorted(table8["province"])
    assert grades.groupby("grade").size().tolist() == [2, 7, 14, 7, 1]


# --- Build settings and the lowest grade -------------------------------------------------------


def test_report_states_its_build_settings(built, published):
    _, page, parsed = built
    with duckdb.connect() as connection:
        settings = dict(connection.execute(
            "select setting, value_json from read_parquet(?)",
            [str(published / "parquet" / "dim_build_settings.parquet")]).fetchall())
    rows = {r[0][0]: r for r in parsed.tables["build-settings"]}
    assert set(rows) == set(settings)
    assert rows["medres_rsr_grades"][1][0] == "5" and rows["medres_rsr_grades"][3][0] == "yes"
    assert rows["medres_cluster_linkage"][1][0] == '"average"'
    assert all(r[3][0] in ("yes", "–") for r in rows.values())  # the default build
    assert 'class="settings-note"' not in page  # every comparison is made


def test_lowest_grade_has_no_bound_instead_of_a_blank(built):
    _, _, parsed = built
    grade5 = parsed.tables["table-10"][4]
    assert [c[0] for c in grade5[:2]] == ["5", "Low"]
    assert [c[0] for c in grade5[4:]] == [report.NO_BOUND] * 4  # probit, fitted RSR: both sides
    lens = parsed.tables["grade-thresholds"][-1]
    assert [c[0] for c in lens] == ["5", "Low", "0.000", report.NO_BOUND, report.NO_BOUND]
    assert parsed.tables["grade-thresholds"][3][3][0] == "3.20"


# --- Results: grades against Table 11 ----------------------------------------------------------


def test_results_state_the_computed_grade_agreement(built, published):
    _, page, parsed = built
    rsr = report.Marts(published)("fct_province_rsr")
    ours = rsr[rsr["year"] == report.STUDY_YEAR][["province_en", "grade"]]
    study = study_seed("table11").merge(ours, on="province_en", suffixes=("_study", "_ours"))
    agree = int((study["grade_study"] == study["grade_ours"]).sum())
    assert agree == 20  # real R3 (health technicians), NBS series: 20 of 31
    results = page[page.index('id="grade-agreement"'):]
    results = results[:results.index("</p>")]
    assert f"{agree} of 31 2020 grades agree with the study" in results
    assert "Beijing 12.61 per 1,000" in results and "12.6" in results
    assert "30 of 31 differ (Beijing, the highest at 13,766.8 yuan, is printed rank 28" in results
    assert "rank 7: Beijing 5.80 and Hainan 5.78" in results
    differing = sorted(study.loc[study["grade_study"] != study["grade_ours"], "province_en"])
    assert sorted(r[0][0] for r in parsed.tables["table-11-differences"]) == differing
    beijing = row_of(parsed.tables["table-11-differences"], "Beijing")
    assert [c[0] for c in beijing] == ["Beijing", "1", "2", "0.64", "0.58", "0.613", "R1, R4"]
    # The old R3 = health personnel deviation is gone from figures and report.
    source = (ROOT / "src" / "medres" / "report.py").read_text() + (
        ROOT / "src" / "medres" / "figures.py").read_text()
    assert "prints no values. No complete single-series" not in source


# --- Change over time --------------------------------------------------------------------------


def seed(name: str) -> pd.DataFrame:
    return pd.read_csv(ROOT / "seeds" / name, dtype={"region_code": str})


def test_trend_national_beds_2024_is_sum_of_beds_over_sum_of_population(built):
    _, _, parsed = built
    beds, population = seed("nbs/nbs_beds.csv"), seed("nbs/nbs_population.csv")
    beds, population = beds[beds["year"] == 2024], population[population["year"] == 2024]
    assert len(beds) == len(population) == 31
    expected = beds["beds_10k"].sum() * 1e4 / (population["yearend_population_10k"].sum() * 1e4) * 1000
    headers = parsed.headers["trend-per-capita"]
    rows = parsed.tables["trend-per-capita"]
    national = next(r for r in rows if r[0][0] == "R1 beds per 1,000 people" and r[1][0] == "31 provinces")
    assert national[headers.index("2024")][0] == f"{expected:.2f}" == "7.32"
    # Not the mean of the provincial ratios (which is a different number).
    mean_of_ratios = (beds.set_index("region_code")["beds_10k"] * 1000
                      / population.set_index("region_code")["yearend_population_10k"]).mean()
    assert f"{mean_of_ratios:.2f}" != f"{expected:.2f}"


def test_trend_regional_health_technicians_2020(built):
    _, _, parsed = built
    technicians = seed("nbs/nbs_health_technicians.csv")
    population = seed("nbs/nbs_population.csv")
    regions = seed("reference/ref_provinces.csv")[["region_code", "region_3"]]
    merged = (technicians[technicians["year"] == 2020]
              .merge(population[population["year"] == 2020], on=["year", "region_code"])
              .merge(regions, on="region_code"))
    headers = parsed.headers["trend-per-capita"]
    for region, frame in merged.groupby("region_3"):
        expected = frame["health_technicians_10k"].sum() / frame["yearend_population_10k"].sum() * 1000
        row = next(r for r in parsed.tables["trend-per-capita"]
                   if r[0][0].startswith("R3 health technicians") and r[1][0] == region)
        assert row[headers.index("2020")][0] == f"{expected:.2f}", region
    # R4 exists for 2020 only: the other years are '–'.
    r4 = next(r for r in parsed.tables["trend-per-capita"]
              if r[0][0].startswith("R4") and r[1][0] == "31 provinces")
    assert [c[0] for c in r4[2:]].count("–") == 8 and r4[headers.index("2020")][0] != "–"


def test_trend_grade_heat_table_matches_the_mart_and_names_indicator_sets(built, published):
    _, _, parsed = built
    headers = parsed.headers["trend-rsr-grades"]
    assert "2020 (r1–r4)" in headers
    assert [h for h in headers if "(" in h and "2020" not in h] == [
        f"{y} (r1–r3)" for y in (2016, 2017, 2018, 2019, 2021, 2022, 2023, 2024)]
    with duckdb.connect() as connection:
        grades = connection.execute(
            "select province_en, year, grade from read_parquet(?)",
            [str(published / "parquet" / "fct_province_rsr.parquet")]).fetchall()
    years = [int(h[:4]) for h in headers[2:-1]]
    table = {r[0][0]: r for r in parsed.tables["trend-rsr-grades"]}
    for province, year, grade in grades:
        assert table[province][2 + years.index(year)][0] == str(grade), (province, year)
        assert f"grade-{grade}" in table[province][2 + years.index(year)][1]
    assert [c[0] for c in table["Beijing"][2:-1]] == ["3", "3", "3", "3", "2", "3", "3", "3", "3"]
    assert table["Beijing"][-1][0] == "2" and table["Sichuan"][-1][0] == "0"  # grade changes


def test_trend_clusters_list_the_provinces_that_change(built, published):
    _, page, parsed = built
    with duckdb.connect() as connection:
        moving = [p for (p,) in connection.execute(
            "select province_en from read_parquet(?) where is_chosen_k group by province_en "
            "having count(distinct cluster) > 1 order by province_en",
            [str(published / "parquet" / "fct_province_clusters.parquet")]).fetchall()]
    listed = sorted(r[0][0] for r in parsed.tables["trend-clusters"])
    assert listed == moving and len(listed) == 14
    assert "Guangdong" in listed and not {"Henan", "Shandong", "Sichuan"} & set(listed)
    guangdong = row_of(parsed.tables["trend-clusters"], "Guangdong")
    assert [c[0] for c in guangdong] == ["Guangdong", "3", "3", "4", "3", "4", "5", "5", "5", "5",
                                         "4 of 9"]
    assert "17 of 31 provinces are in the same cluster in every year" in page
    assert "compare numbers only loosely" in page


def test_trend_quality_by_edition_from_the_fudan_seeds(built):
    _, _, parsed = built
    rankings = pd.read_csv(ROOT / "seeds" / "fudan" / "fudan_hospital_rankings.csv")
    provinces = seed("fudan/fudan_hospital_aliases.csv").merge(seed("fudan/fudan_hospitals.csv")
                                                               .drop(columns="hospital_zh"), on="hospital_id")
    headers = parsed.headers["trend-quality"]
    editions = [int(h[:4]) for h in headers if h.endswith(" score")]
    assert editions == [2012, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022]
    beijing = row_of(parsed.tables["trend-quality"], "Beijing")
    for edition in editions:
        ranked = rankings[rankings["edition"] == edition].merge(provinces, on="hospital_zh")
        mine = ranked[ranked["region_code"] == "110000"]
        expected = (mine["reputation_score"] + mine["research_score"]).sum()
        assert beijing[headers.index(f"{edition} score")][0] == f"{expected:,.1f}"
        assert beijing[headers.index(f"{edition} hospitals")][0] == str(len(mine))
        assert beijing[headers.index(f"{edition} rank")][0] == "1"


def test_sections_are_functions_in_page_order(built):
    """Findings first, then the lenses, the errata, and the settings and provenance last; each
    section is one function and one template."""
    _, page, _ = built
    anchors = [section.anchor for section in report.SECTIONS]
    assert anchors == ["findings", "totals", "per-capita", "quality", "change-over-time",
                       "inequality", "city-panel", "heat", "spatial", "targets", "errata",
                       "settings"]
    positions = [page.index(f'<section id="{a}">') for a in anchors]
    assert positions == sorted(positions)
    for section in report.SECTIONS:
        assert (report.TEMPLATES / section.template).is_file(), section.template


def signed(value: float, decimals: int) -> str:
    """A change as the findings summary prints it: +0.20, −0.006 (minus sign), ±0.000."""
    if round(value, decimals) == 0:
        return f"±{0:.{decimals}f}"
    return f"{value:+,.{decimals}f}".replace("-", "−")


def test_report_opens_with_the_findings_summary_of_the_marts(built, published):
    """The first section after the title is the findings summary; its values and changes are
    the marts' (recomputed here with SQL over the published Parquet files)."""
    _, page, parsed = built
    after_title = page[page.index("</h1>"):]
    assert re.search(r'<section id="([^"]+)"', after_title).group(1) == "findings"
    assert after_title.index('<section id="findings">') < after_title.index('id="build-settings"')
    parquet = published / "parquet"
    with duckdb.connect() as connection:
        national = dict(connection.execute(
            "select year, sum(beds_per_1000 * population_10k) / sum(population_10k) "
            "from read_parquet(?) group by year", [str(parquet / "fct_province_per_capita.parquet")]
        ).fetchall())
        gini = dict(connection.execute(
            "select year, gini from read_parquet(?) where resource = 'health_technicians_10k' "
            "and weight_basis = 'population'", [str(parquet / "fct_inequality_gini.parquet")]
        ).fetchall())
        between = dict(connection.execute(
            "select year, contribution_pct from read_parquet(?) where resource = "
            "'health_technicians_10k' and theil_form = 'theil_t' and grouping = 'region_3' "
            "and component = 'between'", [str(parquet / "fct_inequality_theil.parquet")]).fetchall())
        grades = connection.execute(
            "select count(*) filter (where a.grade <> b.grade), count(*) from read_parquet(?) a "
            "join read_parquet(?) b using (province_en) where a.year = 2020 and b.year = 2019",
            [str(parquet / "fct_province_rsr.parquet")] * 2).fetchone()
    assert parsed.headers["findings-summary"] == ["Result", "2020", "2019", "Change since 2019",
                                                  "2016", "Change since 2016"]
    rows = {r[0][0]: [c[0] for c in r[1:]] for r in parsed.tables["findings-summary"]}
    for label, values, decimals in (
            ("R1 beds per 1,000 people", national, 2),
            ("Gini of health technicians against population", gini, 3),
            ("Share of the Theil T of health technicians between East, Central and West (%)",
             between, 1)):
        assert rows[label] == [f"{values[2020]:.{decimals}f}", f"{values[2019]:.{decimals}f}",
                               signed(values[2020] - values[2019], decimals),
                               f"{values[2016]:.{decimals}f}",
                               signed(values[2020] - values[2016], decimals)], label
    assert rows["R1 beds per 1,000 people"][:3] == ["6.45", "6.25", "+0.20"]
    assert rows["Gini of health technicians against population"][0] == "0.057"
    findings = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page[page.index('<section id="findings">'):
                                                               page.index('<section id="totals">')]))
    assert grades == (13, 31)
    assert f"RSR grades: {grades[0]} of {grades[1]} provinces have another grade in 2020 than in 2019" in findings
    assert "20 of 31 RSR grades agree with its Table 11" in findings
    errata_items = page[page.index('<ol class="errata">'):].split("</ol>")[0].count("<li>")
    assert f"hold {errata_items} inconsistencies" in findings and errata_items == 12


def test_inequality_findings_recomputed_from_the_seeds(built):
    """The section's headline numbers for 2020, computed here from the seeds with numpy alone."""
    _, page, _ = built
    key = ["year", "region_code"]
    frame = (seed("nbs/nbs_health_technicians.csv").merge(seed("nbs/nbs_population.csv"), on=key)
             .merge(seed("reference/ref_provinces.csv")[["region_code", "region_3"]], on="region_code")
             .query("year == 2020"))
    east = frame[frame["region_3"] == "East"]
    technicians_share = east["health_technicians_10k"].sum() / frame["health_technicians_10k"].sum()
    people_share = east["yearend_population_10k"].sum() / frame["yearend_population_10k"].sum()
    ordered = frame.assign(per_person=frame["health_technicians_10k"] / frame["yearend_population_10k"]
                           ).sort_values("per_person")
    x = np.concatenate([[0], ordered["yearend_population_10k"].cumsum() / ordered["yearend_population_10k"].sum()])
    y = np.concatenate([[0], ordered["health_technicians_10k"].cumsum() / ordered["health_technicians_10k"].sum()])
    gini = 1 - float(np.sum(np.diff(x) * (y[1:] + y[:-1])))
    text = re.sub(r"<[^>]+>", "", page[page.index('<section id="inequality">'):])
    assert (f"the East (yearbook division) holds {100 * technicians_share:.1f} % of the country's "
            f"health technicians and {100 * people_share:.1f} % of its people") in text
    assert f"health technicians against population is {gini:.3f}" in text
    assert f"{gini:.3f}" == "0.057"


def test_city_section_states_the_marts_within_province_shares(built, published):
    """The city section's table is the nested Theil decomposition of the published mart, one row
    per year, and its text quotes the first and last year's within-province share."""
    _, page, parsed = built
    theil = report.Marts(published)("fct_city_inequality_theil")
    beds = theil[(theil["resource"] == "beds") & (theil["theil_form"] == "theil_t")]
    shares = beds.pivot(index="year", columns="part", values="contribution_pct").sort_index()
    rows = parsed.tables["city-within-share"]
    assert [int(r[0][0]) for r in rows] == list(shares.index)
    for row, (year, share) in zip(rows, shares.iterrows()):
        assert row[6][0] == f"{share['within_province']:,.1f}", year
        assert abs(share[["between_region", "between_province", "within_province"]].sum() - 100) < 1e-9
    text = re.sub(r"<[^>]+>", "", page[page.index('<section id="city-panel">'):])
    first, last = shares.index[0], shares.index[-1]
    assert (f"The within-province part is {shares.loc[first, 'within_province']:,.1f} % of the index "
            f"in {first} and {shares.loc[last, 'within_province']:,.1f} % in {last}") in text
    assert len(parsed.tables["city-top-cities"]) == report.CITY_TOP
