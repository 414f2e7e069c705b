"""The inequality lens below the provinces: Gini and the nested Theil decomposition per year.

The dbt Python models of the prefecture-city panel call :func:`city_inequality_panel`; it splits
the panel by year (:func:`medres.panel.for_each_group`) and calls the pure methods of
:mod:`medres.inequality` once per year and resource:

* the population-weighted Gini coefficient (:func:`medres.inequality.gini`);
* :func:`medres.inequality.theil_nested` over ``levels`` (coarse to fine, e.g. ``region_3`` then
  ``province_code``): total = between regions + between provinces within regions + within
  provinces, in both Theil forms;
* each unit's term of the finest within part (:func:`within_terms`), so the cities that drive
  the within-province inequality can be named. The terms of a group sum to its within
  contribution and all terms to the within part; a term is negative for a unit whose share of its
  group's resource is below its share of the group's population (T form).

A unit without a value of the resource, or without a positive population, is left out of that
year's measures of that resource only, and ``n_units`` says how many were measured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from medres import inequality
from medres.panel import for_each_group
from medres.validation import InputError

#: Keys of the settings :func:`city_inequality_panel` reads.
CITY_INEQUALITY_SETTINGS = ("resources", "population", "levels")


def within_terms(
    frame: pd.DataFrame, id_column: str, resource: str, population: str, group: str,
    form: str = "theil_t",
) -> pd.DataFrame:
    """Each unit's term of the within-``group`` part of Theil ``form``.

    T: ``y_i ln((y_i / Y_g) / (p_i / P_g))``; L: ``p_i ln((p_i / P_g) / (y_i / Y_g))``, with
    ``y``, ``p`` the unit's shares of the whole frame's resource and population and ``Y_g``,
    ``P_g`` its group's. The terms sum to the within part of :func:`medres.inequality.theil` /
    :func:`medres.inequality.theil_nested` with ``group`` as the (finest) level.

    Columns: ``id_column``, ``group``, ``resource_share``, ``population_share``,
    ``group_resource_share`` (y_i / Y_g), ``group_population_share`` (p_i / P_g), ``within_term``.
    """
    if form not in inequality.THEIL_FORMS:
        raise InputError(f"form must be one of {inequality.THEIL_FORMS}, got {form!r}")
    for column in (id_column, resource, population, group):
        if column not in frame.columns:
            raise InputError(f"unknown column {column!r}")
    resource_values = frame[resource].astype(float).to_numpy()
    population_values = frame[population].astype(float).to_numpy()
    if (population_values <= 0).any() or (resource_values < 0).any():
        raise InputError("within_terms needs population > 0 and resource >= 0 for every unit")
    y = resource_values / resource_values.sum()
    p = population_values / population_values.sum()
    keys = frame[group].reset_index(drop=True)
    group_y = pd.Series(y).groupby(keys).transform("sum").to_numpy()
    group_p = pd.Series(p).groupby(keys).transform("sum").to_numpy()
    share_y, share_p = y / group_y, p / group_p
    a, b, weight = (share_y, share_p, y) if form == "theil_t" else (share_p, share_y, p)
    terms = np.zeros_like(a)
    positive = a > 0
    if form == "theil_l" and (~positive).any():
        raise InputError("Theil L is infinite for a unit with zero resource")
    terms[positive] = weight[positive] * np.log(a[positive] / b[positive])
    return pd.DataFrame({
        id_column: frame[id_column].to_numpy(),
        group: keys.to_numpy(),
        "resource_share": y,
        "population_share": p,
        "group_resource_share": share_y,
        "group_population_share": share_p,
        "within_term": terms,
    })


def city_inequality_panel(
    frame: pd.DataFrame, group_column: str, id_column: str, settings: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    """Gini, nested Theil and the units' within terms per group (year) and resource.

    ``settings``: ``resources`` (resource columns, e.g. ``["beds", "doctors"]``), ``population``
    (the weight column) and ``levels`` (coarse to fine, e.g. ``["region_3", "province_code"]``).

    Returns, each with ``group_column`` first and a ``resource`` column:

    * ``gini``: ``n_units``, ``gini`` (population-weighted);
    * ``theil``: ``theil_form``, ``component``, ``level``, ``parent_level``, ``label``,
      ``value``, ``contribution_pct``, ``n_units`` (components of
      :func:`medres.inequality.theil_nested`);
    * ``theil_units``: ``theil_form``, ``id_column``, the finest level, the unit's shares and its
      ``within_term`` (:func:`within_terms`) with ``within_contribution_pct`` (percent of the
      total index).
    """
    missing = [key for key in CITY_INEQUALITY_SETTINGS if key not in settings]
    if missing:
        raise InputError(f"city inequality settings lack {missing}; expected keys "
                         f"{list(CITY_INEQUALITY_SETTINGS)}")
    population = settings["population"]
    levels: Sequence[str] = list(settings["levels"])
    if not levels:
        raise InputError("city inequality setting 'levels' must name at least one level")
    finest = levels[-1]

    def evaluate(ordered: pd.DataFrame) -> dict[str, pd.DataFrame]:
        outputs: dict[str, list[pd.DataFrame]] = {"gini": [], "theil": [], "theil_units": []}
        for resource in settings["resources"]:
            if resource not in ordered.columns:
                raise InputError(f"unknown resource column {resource!r}")
            measured = ordered[ordered[resource].notna() & (ordered[population] > 0)]
            measured = measured.reset_index(drop=True)
            if len(measured) < 2:
                continue
            n_units = len(measured)
            outputs["gini"].append(pd.DataFrame({
                "resource": [resource], "n_units": [n_units],
                "gini": [inequality.gini(measured, id_column, resource, population)],
            }))
            result = inequality.theil_nested(measured, id_column, resource, population, levels)
            outputs["theil"].append(
                result.components.rename(columns={"index": "theil_form"})
                .assign(resource=resource, n_units=n_units))
            for form in inequality.THEIL_FORMS:
                terms = within_terms(measured, id_column, resource, population, finest, form)
                total = float(result.components.loc[
                    (result.components["index"] == form)
                    & (result.components["component"] == "total"), "value"].iloc[0])
                terms["within_contribution_pct"] = (
                    100 * terms["within_term"] / total if total > 0 else np.nan)
                outputs["theil_units"].append(terms.assign(theil_form=form, resource=resource))
        return {name: pd.concat(parts, ignore_index=True) for name, parts in outputs.items()
                if parts}

    return for_each_group(frame, group_column, id_column, evaluate)

