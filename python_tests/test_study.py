"""medres.study: the study's settings (read from dbt_project.yml, checked against what the study
printed), the one loader of its printed tables and the comparison rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from study_seeds import read_study_seed

from medres import settings, study
from medres.figures import MissingMartError

ROOT = Path(__file__).resolve().parents[1]


def test_study_settings_agree_with_what_the_study_printed():
    values = study.study_settings(ROOT)
    tables = study.load_study_tables(read_study_seed)
    assert set(values) == {name for names in study.COMPARISON_SETTINGS.values() for name in names}
    assert set(values) <= set(settings.setting_names(ROOT))
    assert values["medres_rsr_grades"] == len(tables["table10"]) == 5
    assert values["medres_cluster_k"] == tables["table1"]["study_group"].nunique() == 5
    assert [i["name"] for i in values["medres_rsr_indicators"]] == [
        c.removesuffix("_rank") for c in study.PRINTED_RANK_COLUMNS]
    assert values["medres_cluster_columns"] == [column for column, _, _ in study.TOTAL_COLUMNS]
    assert values["medres_cluster_linkage"] == "average"
    assert values["medres_cluster_metric"] == "sqeuclidean"


def test_study_settings_are_read_from_dbt_project_yml(tmp_path):
    """One place: changing the project's default changes what the report calls the study's."""
    (tmp_path / "macros").mkdir()
    shutil.copy(ROOT / settings.SPEC_FILE, tmp_path / settings.SPEC_FILE)
    text = (ROOT / "dbt_project.yml").read_text(encoding="utf-8")
    assert "\n  medres_rsr_grades: 5\n" in text
    (tmp_path / "dbt_project.yml").write_text(
        text.replace("\n  medres_rsr_grades: 5\n", "\n  medres_rsr_grades: 4\n"), encoding="utf-8")
    assert study.study_settings(tmp_path)["medres_rsr_grades"] == 4


def test_load_study_tables_reads_every_printed_table():
    tables = study.load_study_tables(read_study_seed)
    assert {key: len(frame) for key, frame in tables.items()} == {
        "table1": 31, "totals": 31, "table8": 31, "table9": 11, "table10": 5, "table11": 31}
    # Table 9 keeps its printed text, so its precision survives.
    assert tables["table9"].set_index("statistic").loc["r_text", "printed_value"] == "0.990"


def test_load_study_tables_puts_rows_in_printed_order_and_names_a_missing_mart():
    shuffled = study.load_study_tables(lambda mart: read_study_seed(mart).sample(frac=1, random_state=1))
    assert shuffled["table8"]["printed_row"].tolist() == list(range(1, 32))

    def without_table9(mart: str) -> pd.DataFrame:
        if mart == study.STUDY_TABLES["table9"]:
            raise MissingMartError(f"{mart} is not published")
        return read_study_seed(mart)

    with pytest.raises(MissingMartError, match="study_2020_table9_regression"):
        study.load_study_tables(without_table9)


def test_printed_rank_rsr_and_the_comparison_rule():
    table8 = read_study_seed(study.STUDY_TABLES["table8"])
    recomputed = study.printed_rank_rsr(table8).set_axis(table8["province"])
    assert recomputed["Beijing"] == pytest.approx(72 / 124)
    assert study.differs(0.64, recomputed["Beijing"], 2) is True
    assert study.differs(0.64, 0.6449, 2) is False
    assert study.differs("0.990", 0.98995, 3) is False
    assert study.differs(None, None, 2) is False and study.differs(None, 1.0, 2) is True
