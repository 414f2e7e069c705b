"""The inequality lens below the provinces: Gini and the nested Theil decomposition per year.

The dbt Python models of the prefecture-city panel call :func:`city_inequality_panel`; it splits
the panel by year (:func:`medres.panel.for_each_group`) and calls the pure methods of
:mod:`medres.inequality` once per year and resource:

* the population-weighted Gini coefficient (:func:`medres.inequality.gini`);
* :func:`medres.inequality.theil_nested` over ``levels`` (coarse to fine, e.g. ``region_3`` then
  ``province_code``): total = between regions + between provinces within regions + within
  provinces, in both Theil forms;
* each unit's term of the finest within part (``theil_nested(...).units``), so the cities that
  drive the within-province inequality can be named. The terms of a group sum to its within
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
      ``within_term`` (``medres.inequality.theil_nested(...).units``) with
      ``within_contribution_pct`` (percent of the total index).
    """
    missing = [key for key in CITY_INEQUALITY_SETTINGS if key not in settings]
    if missing:
        raise InputError(f"city inequality settings lack {missing}; expected keys "
                         f"{list(CITY_INEQUALITY_SETTINGS)}")
    population = settings["population"]
    levels: Sequence[str] = list(settings["levels"])
    if not levels:
        raise InputError("city inequality setting 'levels' must name at least one level")

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
            totals = result.components[result.components["component"] == "total"].set_index(
                "index")["value"]
            terms = result.units.rename(columns={"index": "theil_form"})
            total = terms["theil_form"].map(totals)
            terms["within_contribution_pct"] = np.where(total > 0, 100 * terms["within_term"] / total,
                                                        np.nan)
            outputs["theil_units"].append(terms.assign(resource=resource))
        return {name: pd.concat(parts, ignore_index=True) for name, parts in outputs.items()
                if parts}

    return for_each_group(frame, group_column, id_column, evaluate)

