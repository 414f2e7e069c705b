"""The study's printed tables as the unit tests read them: from the seed CSVs (seeds/study/) that
dbt publishes as the marts of medres.study.STUDY_TABLES, without a build."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

STUDY_SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "study"


def read_study_seed(mart: str) -> pd.DataFrame:
    """The seed of a study mart, as the published mart holds it (Table 9's printed values are
    text, so their precision survives)."""
    return pd.read_csv(STUDY_SEEDS / f"{mart}_transcribed.csv", dtype={"printed_value": str})
