"""Run medres methods on a panel: one evaluation per group (a year, a year × level, ...).

The dbt Python models call these functions; they only split the panel, call the pure methods in
:mod:`medres.rsr` / :mod:`medres.cluster` once per group and stack the results with the group key,
so the same models work for one year of 31 provinces or ten years of 2,851 counties.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from medres import rsr
from medres.validation import InputError


def settings_from_json(text: str | None, name: str) -> dict[str, Any]:
    """Parse a JSON settings string handed over by dbt's ``config:`` (``tojson(var(...))``)."""
    if not text:
        raise InputError(f"model config {name!r} is missing; set it in the model's yml config")
    try:
        settings = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"model config {name!r} is not valid JSON: {error}") from error
    if not isinstance(settings, dict):
        raise InputError(f"model config {name!r} must be a JSON object, got {type(settings).__name__}")
    return settings


def for_each_group(
    frame: pd.DataFrame,
    group_column: str,
    evaluate: Callable[[pd.DataFrame], Mapping[str, pd.DataFrame]],
) -> dict[str, pd.DataFrame]:
    """Call ``evaluate`` on each group's rows and stack each named output with the group key.

    Errors are re-raised naming the group, so a failure in one year of a panel says which year.
    """
    if group_column not in frame.columns:
        raise InputError(f"unknown group column {group_column!r}")
    stacked: dict[str, list[pd.DataFrame]] = {}
    for key, rows in frame.groupby(group_column, sort=True):
        try:
            outputs = evaluate(rows.reset_index(drop=True))
        except InputError as error:
            raise InputError(f"{group_column} = {key}: {error}") from error
        for name, output in outputs.items():
            stacked.setdefault(name, []).append(output.assign(**{group_column: key}))
    if not stacked:
        raise InputError("the panel is empty: nothing to evaluate")
    return {
        name: pd.concat(parts, ignore_index=True).pipe(_group_first, group_column)
        for name, parts in stacked.items()
    }


def _group_first(frame: pd.DataFrame, group_column: str) -> pd.DataFrame:
    return frame[[group_column, *[c for c in frame.columns if c != group_column]]]


def rsr_panel(
    frame: pd.DataFrame, group_column: str, id_column: str, settings: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    """RSR evaluation per group, configured like the dbt vars ``medres_rsr_*``.

    ``settings``: ``indicators`` (list of {name, direction, weight}; the frame holds each as
    ``<name>_value``), ``weighting`` ("configured" or "entropy"), ``grades``, ``fit_rows``,
    ``grade_on``, ``alpha``, ``force``. Returns ``units``, ``regression`` (one row per fit
    variant, the configured one flagged) and ``thresholds``.
    """
    indicators = settings["indicators"]
    columns = {f"{i['name']}_value": i["name"] for i in indicators}
    positive = [i["name"] for i in indicators if i["direction"] == "positive"]
    negative = [i["name"] for i in indicators if i["direction"] == "negative"]
    weighting = settings["weighting"]
    if weighting == "configured":
        weights: Mapping[str, float] | str = {i["name"]: float(i.get("weight", 1)) for i in indicators}
    elif weighting == "entropy":
        weights = "entropy"
    else:
        raise InputError(f"weighting must be 'configured' or 'entropy', got {weighting!r}")

    def evaluate(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
        result = rsr.evaluate(
            rows.rename(columns=columns),
            id_column=id_column,
            positive=positive,
            negative=negative,
            weights=weights,
            grades=int(settings["grades"]),
            fit_rows=settings["fit_rows"],
            grade_on=settings["grade_on"],
            alpha=float(settings["alpha"]),
            force=bool(settings["force"]),
        )
        regression = pd.concat(
            [rsr.fit_regression(result.units, variant) for variant in rsr.FIT_ROWS],
            ignore_index=True,
        )
        regression["used_for_grading"] = regression["fit_rows"] == result.fit_rows
        return {"units": result.units, "regression": regression, "thresholds": result.thresholds}

    return for_each_group(frame, group_column, evaluate)
