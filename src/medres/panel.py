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
import pyarrow as pa

from medres import cluster, inequality, rsr
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
    id_column: str,
    evaluate: Callable[[pd.DataFrame], Mapping[str, pd.DataFrame]],
) -> dict[str, pd.DataFrame]:
    """Call ``evaluate`` on each group's rows, sorted by ``id_column``, and stack each named output
    with the group key.

    A SQL relation has no row order, and the methods' results depend on it (SPSS numbers cases in
    file order; the regression's float sums differ in the last digits), so every group is handed
    over in id order: two builds of the same input give the same output. Errors are re-raised
    naming the group, so a failure in one year of a panel says which year.
    """
    for column, role in ((group_column, "group"), (id_column, "id")):
        if column not in frame.columns:
            raise InputError(f"unknown {role} column {column!r}")
    stacked: dict[str, list[pd.DataFrame]] = {}
    for key, rows in frame.groupby(group_column, sort=True):
        try:
            outputs = evaluate(rows.sort_values(id_column, kind="stable").reset_index(drop=True))
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


#: Keys of the settings :func:`grading_panel` reads (the dbt vars ``medres_rsr_*``).
GRADING_SETTINGS = ("grades", "fit_rows", "grade_on", "alpha", "force")


def grading_panel(
    scores: pd.DataFrame, group_column: str, id_column: str, settings: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    """Steps 3-5 of the RSR method (:func:`medres.rsr.grade`) per group, on scores computed
    elsewhere: ``scores`` holds ``rsr`` and ``wrsr`` per unit (for the provinces the SQL model
    int_province_rank_sums; for cities :func:`scored_units`).

    ``settings``: ``grades``, ``fit_rows``, ``grade_on``, ``alpha``, ``force``. A group whose
    regression is not significant is not graded (grade null, no thresholds) while every other
    group is; its ``grading_status`` says why.

    Returns ``units`` (rsr, wrsr, probit table, fitted RSR and grade per unit), ``regression``
    (one row per fit variant, the configured one flagged), ``fit_diagnostics`` (the same fits'
    curvature, residual runs and ties, :func:`medres.rsr.fit_diagnostics`), ``thresholds`` and
    ``evaluations``
    (one row per group: unit count, grading status, the graded fit's slope p-value, and the
    consistency check :func:`medres.inequality.grade_validity` of the WRSR across grades, which
    holds by construction).
    """
    missing = [key for key in GRADING_SETTINGS if key not in settings]
    if missing:
        raise InputError(f"RSR settings lack {missing}; expected keys {list(GRADING_SETTINGS)}")
    for column in ("rsr", "wrsr"):
        if column not in scores.columns:
            raise InputError(f"the scores lack the column {column!r}")

    def evaluate(ordered: pd.DataFrame) -> dict[str, pd.DataFrame]:
        alpha, force = float(settings["alpha"]), bool(settings["force"])
        # Graded with force=True once: the fit is reported in every group, and the grades of a
        # group whose slope is not significant are withheld below (the rule of medres.rsr).
        graded = rsr.grade(ordered[[id_column, "rsr", "wrsr"]], grades=int(settings["grades"]),
                           fit_rows=settings["fit_rows"], grade_on=settings["grade_on"],
                           alpha=alpha, force=True)
        slope_p = float(graded.regression.loc[0, "slope_p"])
        status = "graded" if force or rsr.slope_is_significant(slope_p, alpha) \
            else "refused_not_significant"
        units = graded.units[[id_column, "rsr", "wrsr", "frequency", "cumulative_frequency",
                              "average_rank", "percentile", "probit", "rsr_fitted", "grade",
                              "grade_label"]].copy()
        thresholds = graded.thresholds
        if status != "graded":
            units["grade"] = pd.NA
            units["grade_label"] = None
            thresholds = thresholds.iloc[0:0]
        # Both fit variants are reported; the configured one is already in the result.
        configured = settings["fit_rows"]
        regression = pd.concat(
            [graded.regression if variant == configured
             else rsr.fit_regression(graded.units, variant) for variant in rsr.FIT_ROWS],
            ignore_index=True,
        )
        regression["used_for_grading"] = regression["fit_rows"] == configured
        # What the gate cannot say: curvature, residual runs and ties of the same fits (a fit
        # with fewer than 4 points has no curvature test, so no row).
        diagnosed = []
        for variant in rsr.FIT_ROWS:
            try:
                diagnosed.append(rsr.fit_diagnostics(graded.units, variant))
            except InputError:
                continue
        diagnostics = pd.concat(diagnosed, ignore_index=True) if diagnosed else pd.DataFrame(
            columns=["fit_rows"])
        diagnostics["used_for_grading"] = diagnostics["fit_rows"] == configured
        evaluations = pd.DataFrame({
            "unit_count": [len(units)],
            "grading_status": [status],
            "slope_p": [slope_p],
            "alpha": [alpha],
        })
        # Consistency check that holds by construction (the grades are intervals of the fitted
        # RSR, increasing in the WRSR): the WRSR across grades, one-way ANOVA where its
        # assumptions hold, else Kruskal-Wallis (medres.inequality.grade_validity).
        validity_columns = {
            "test": "grade_validity_test", "statistic": "grade_validity_statistic",
            "p_value": "grade_validity_p", "reason": "grade_validity_reason",
            "homogeneity_p": "homogeneity_p", "normality_p": "normality_p",
            "anova_p": "anova_p", "kruskal_p": "kruskal_p",
        }
        if status == "graded" and units["grade"].nunique() > 1:
            validity = inequality.grade_validity(units, "wrsr", "grade", alpha=alpha)
            evaluations = pd.concat(
                [evaluations, validity[list(validity_columns)].rename(columns=validity_columns)],
                axis=1)
        else:
            evaluations = evaluations.assign(**{column: None for column in validity_columns.values()})
        return {"units": units, "regression": regression, "thresholds": thresholds,
                "evaluations": evaluations, "fit_diagnostics": diagnostics}

    return for_each_group(scores, group_column, id_column, evaluate)


def scored_units(
    frame: pd.DataFrame, group_column: str, id_column: str, indicators: list[Mapping[str, Any]],
    weighting: str,
) -> pd.DataFrame:
    """Steps 1-2 of the RSR method (:func:`medres.rsr.score`) per group, for a lens without an SQL
    ranking (the cities).

    ``frame`` holds one column per indicator (``indicators``: list of {name, direction, weight});
    ``weighting``: "configured" (the weights given) or "entropy". Units missing any indicator
    are left out. Returns ``group_column``, ``id_column``, ``rsr``, ``wrsr`` and, per group,
    ``indicator_set``, ``indicator_count`` and ``weighting`` (as :func:`medres.rsr.evaluate`
    names it).
    """
    if weighting not in ("configured", "entropy"):
        raise InputError(f"weighting must be 'configured' or 'entropy', got {weighting!r}")
    names = [indicator["name"] for indicator in indicators]
    unknown = [name for name in names if name not in frame.columns]
    if unknown:
        raise InputError(f"unknown indicator column(s) {unknown}")
    complete = frame.dropna(subset=names)[[group_column, id_column, *names]]

    def score(ordered: pd.DataFrame) -> dict[str, pd.DataFrame]:
        positive = [i["name"] for i in indicators if i["direction"] == "positive"]
        negative = [i["name"] for i in indicators if i["direction"] == "negative"]
        units, _, label = rsr.score(
            ordered, id_column, positive, negative,
            "entropy" if weighting == "entropy"
            else {i["name"]: float(i.get("weight", 1)) for i in indicators})
        scores = units[[id_column, "rsr", "wrsr"]].assign(
            indicator_set=",".join(names), indicator_count=len(names), weighting=label)
        return {"scores": scores}

    return for_each_group(complete, group_column, id_column, score)["scores"]


#: Keys of the settings :func:`cluster_panel` reads (the dbt vars ``medres_cluster_*``).
CLUSTER_SETTINGS = ("columns", "standardize", "linkage", "metric", "k_min", "k_max", "k")


def cluster_panel(
    frame: pd.DataFrame, group_column: str, id_column: str, settings: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    """SPSS-style hierarchical clustering (:func:`medres.cluster.hierarchical`) per group.

    ``settings`` (the dbt vars ``medres_cluster_*``): ``columns`` (indicator columns of
    ``frame``; a column empty for a whole group — a series not published that year — is left out
    of that group's clustering, and ``diagnostics.cluster_columns`` names the columns used),
    ``standardize``, ``linkage``, ``metric``, ``k_min`` / ``k_max`` (the inclusive range of
    cluster counts reported) and ``k`` (the chosen count, inside that range).

    A SQL relation has no row order, and SPSS numbers cases in file order, so within each group
    the rows are sorted by ``id_column`` first: case ``i`` is the ``i``-th smallest id (for GB/T
    2260 region codes this is the yearbook's province order, Beijing = case 1).

    Returns, each with ``group_column`` first:

    * ``memberships``: ``id_column``, ``case_number``, ``k``, ``cluster`` (1 = lowest mean
      standardised level), ``is_chosen_k`` — one row per unit and k in the range;
    * ``schedule``: the agglomeration schedule (``stage``, ``cluster_1``, ``cluster_2``,
      ``cluster_1_<id_column>``, ``cluster_2_<id_column>``, ``coefficient``,
      ``cluster_1_first_stage``, ``cluster_2_first_stage``, ``next_stage``) with the dendrogram's
      ``rescaled_distance`` (SPSS 0–25 axis) of each stage;
    * ``leaves``: ``leaf_position`` (1 = first drawn), ``<id_column>``, ``case_number``;
    * ``diagnostics``: ``k``, ``coefficient_at_cut``, ``coefficient_jump``, ``silhouette``,
      ``cophenetic_correlation``, ``is_chosen_k``, ``cluster_columns``.
    """
    missing = [key for key in CLUSTER_SETTINGS if key not in settings]
    if missing:
        raise InputError(f"cluster settings lack {missing}; expected keys {list(CLUSTER_SETTINGS)}")
    columns = settings["columns"]
    if isinstance(columns, str) or not isinstance(columns, list) or not columns:
        raise InputError(f"cluster setting 'columns' must be a non-empty list, got {columns!r}")
    k_min, k_max, k_chosen = (_int_setting(settings, key) for key in ("k_min", "k_max", "k"))
    if not k_min <= k_chosen <= k_max:
        raise InputError(
            f"chosen k = {k_chosen} lies outside the reported range k_min..k_max = {k_min}..{k_max}"
        )

    def evaluate(ordered: pd.DataFrame) -> dict[str, pd.DataFrame]:
        unknown = [column for column in columns if column not in ordered.columns]
        if unknown:
            raise InputError(f"unknown cluster column(s) {unknown}")
        present = [column for column in columns if ordered[column].notna().any()]
        if not present:
            raise InputError(f"none of the cluster columns {columns} has values")
        result = cluster.hierarchical(
            ordered,
            id_column,
            present,
            standardize=settings["standardize"],
            linkage=settings["linkage"],
            metric=settings["metric"],
            k_range=(k_min, k_max),
        )
        ids = ordered[id_column].tolist()
        case_of = {unit: case for case, unit in enumerate(ids, start=1)}

        memberships = result.memberships.rename(columns={"id": id_column})
        memberships.insert(1, "case_number", memberships[id_column].map(case_of).astype(int))
        memberships["is_chosen_k"] = memberships["k"] == k_chosen

        schedule = result.schedule.copy()
        schedule.insert(3, f"cluster_1_{id_column}", [ids[c - 1] for c in schedule["cluster_1"]])
        schedule.insert(4, f"cluster_2_{id_column}", [ids[c - 1] for c in schedule["cluster_2"]])
        schedule["rescaled_distance"] = result.dendrogram.merges["rescaled_distance"].to_numpy()

        leaves = pd.DataFrame(
            {
                "leaf_position": result.dendrogram.leaves["position"].to_numpy() + 1,
                id_column: result.dendrogram.leaves["id"].to_numpy(),
                "case_number": result.dendrogram.leaves["case"].to_numpy(),
            }
        )

        diagnostics = result.diagnostics.rename(
            columns={"coefficient": "coefficient_at_cut", "jump": "coefficient_jump"}
        )[["k", "coefficient_at_cut", "coefficient_jump", "silhouette", "cophenetic_correlation"]]
        diagnostics["is_chosen_k"] = diagnostics["k"] == k_chosen
        diagnostics["cluster_columns"] = ",".join(present)
        return {
            "memberships": memberships,
            "schedule": schedule,
            "leaves": leaves,
            "diagnostics": diagnostics,
        }

    return for_each_group(frame, group_column, id_column, evaluate)


def _int_setting(settings: Mapping[str, Any], key: str) -> int:
    value = settings[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"cluster setting {key!r} must be an integer, got {value!r}")
    return value



#: The weights each resource's Lorenz curve and Gini are computed against (``weight_basis``).
WEIGHT_BASES = ("population", "land_area")

#: Keys of the settings :func:`inequality_panel` reads (the dbt vars ``medres_inequality_*``).
INEQUALITY_SETTINGS = ("resources", "per_capita_indicators", "population", "area", "groupings")


def inequality_panel(
    frame: pd.DataFrame, group_column: str, id_column: str, settings: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    """The inequality lens (:mod:`medres.inequality`) per group, for every resource with values.

    ``settings``: ``resources`` (resource columns: totals such as beds), ``per_capita_indicators``
    (columns whose coefficient of variation is reported), ``population`` and ``area`` (weight
    columns) and ``groupings`` (columns such as region_3 the Theil index is decomposed by).
    A resource or indicator without values in a group (a series not published that year) is left
    out of that group. Returns, each with ``group_column`` and ``resource`` (or ``indicator``):
    ``gini`` (by population and by land area), ``lorenz`` (points of both curves), ``theil``
    (components: total / between / within per form and grouping), ``theil_groups``,
    ``theil_units`` (each unit's term of Theil T and L), ``agglomeration`` (HRAD, PAD per unit)
    and ``dispersion`` (CV per per-capita indicator).
    """
    missing = [key for key in INEQUALITY_SETTINGS if key not in settings]
    if missing:
        raise InputError(f"inequality settings lack {missing}; expected keys {list(INEQUALITY_SETTINGS)}")
    population, area = settings["population"], settings["area"]
    groupings = list(settings["groupings"])

    def evaluate(ordered: pd.DataFrame) -> dict[str, pd.DataFrame]:
        outputs: dict[str, list[pd.DataFrame]] = {
            name: [] for name in ("gini", "lorenz", "theil", "theil_groups", "theil_units",
                                  "agglomeration")
        }
        for resource in settings["resources"]:
            if resource not in ordered.columns:
                raise InputError(f"unknown resource column {resource!r}")
            if ordered[resource].isna().all():
                continue
            tag = {"resource": resource}
            for basis, weight in zip(WEIGHT_BASES, (population, area), strict=True):
                curve = inequality.lorenz_curve(ordered, id_column, resource, weight)
                outputs["lorenz"].append(
                    curve[["point", id_column, "cumulative_weight_share", "cumulative_resource_share"]]
                    .assign(weight_basis=basis, **tag))
                outputs["gini"].append(pd.DataFrame({
                    "weight_basis": [basis],
                    "gini": [inequality.gini_from_lorenz(curve["cumulative_weight_share"],
                                                         curve["cumulative_resource_share"])],
                    **{key: [value] for key, value in tag.items()},
                }))
            result = inequality.theil(ordered, id_column, resource, population, groupings)
            # "index" and "group" are SQL keywords: the marts call them theil_form and region_group.
            names = {"index": "theil_form", "group": "region_group"}
            outputs["theil"].append(result.components.rename(columns=names).assign(**tag))
            outputs["theil_groups"].append(result.groups.rename(columns=names).assign(**tag))
            outputs["theil_units"].append(result.units.rename(columns=names).assign(**tag))
            outputs["agglomeration"].append(
                inequality.agglomeration(ordered, id_column, resource, population, area).assign(**tag))
        indicators = [c for c in settings["per_capita_indicators"] if ordered[c].notna().any()]
        stacked = {name: pd.concat(parts, ignore_index=True) for name, parts in outputs.items()}
        stacked["dispersion"] = inequality.dispersion(ordered, id_column, indicators, population)
        return stacked

    return for_each_group(frame, group_column, id_column, evaluate)



def stacked_outputs(outputs: Mapping[str, pd.DataFrame]) -> pa.Table:
    """Every output of one lens's computation in one table, which one dbt Python model returns.

    dbt gives a Python model one result table, and a lens computes several related outputs at
    once (the clustering's memberships, schedule, leaves and diagnostics come from one tree). So
    the lens's model computes them once and stacks them: column ``output`` names the output,
    ``output_row`` numbers its rows (1..n, the key with ``output``), and the other columns are
    the union of the outputs' columns, null where an output has no such column. An SQL view per
    output (``where output = '...'``) selects its rows and columns along a visible ``ref()``.
    Arrow keeps each column's type (integers stay integers beside nulls).
    """
    tables = []
    for name, frame in outputs.items():
        numbered = frame.reset_index(drop=True)
        numbered.insert(0, "output_row", range(1, len(numbered) + 1))
        numbered.insert(0, "output", name)
        tables.append(pa.Table.from_pandas(numbered, preserve_index=False))
    if not tables:
        raise InputError("the lens computed no output")
    return pa.concat_tables(tables, promote_options="permissive")
