"""Inference and robustness for the evaluation's findings: checks that can fail.

1. Permutation test of a between-group share of the Theil index
   (:func:`theil_between_permutation`). Null hypothesis: the regional division carries no
   information, i.e. the units' (resource, population) pairs are exchangeable across the groups.
   Each permutation reassigns the units to the groups at random, keeping every group's size
   (the labels are permuted over the units); the between-group part ``T_B = Σ_g Y_g ln(Y_g/P_g)``
   (``L_B = Σ_g P_g ln(P_g/Y_g)``) is recomputed. The total is the same under every reassignment,
   so the between *share* ``T_B / T`` and ``T_B`` give the same test. One-sided p-value with the
   observed assignment counted among the permutations (Phipson & Smyth 2010; as PySAL
   ``inequality.theil.TheilDSim``, Rey & Sastré-Gutiérrez 2010):
   ``p = (1 + #{b : share_b ≥ share_obs}) / (1 + B)``, so ``p ≥ 1/(B+1)`` and a between share
   larger than chance has a small p. Values within a relative ``1e-12`` of the observed one count
   as reaching it (the same partition summed in another order differs only by rounding).
2. Leave-one-unit-out (jackknife) values of the Gini and Theil indices
   (:func:`inequality_jackknife`): the statistic recomputed with each unit removed in turn
   (Quenouille 1956; Tukey 1958). Reported: the range of the ``n`` values and the unit whose
   removal moves the statistic most (largest ``|θ_(i) − θ|``; ties: first in input order).
3. Grade robustness of the RSR (:func:`rsr_grade_variants`): each unit's grade under every
   variant of the method the project supports, against its grade under the configured method.

References
----------
Phipson B, Smyth GK (2010) Permutation p-values should never be zero. Statistical Applications
in Genetics and Molecular Biology 9(1):39.
Quenouille MH (1956) Notes on bias in estimation. Biometrika 43:353–360.
Rey SJ, Sastré-Gutiérrez ML (2010) Interregional inequality dynamics in Mexico. Spatial Economic
Analysis 5:277–298.
Tukey JW (1958) Bias and confidence in not-quite large samples. Ann. Math. Statist. 29:614.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from medres import inequality, rsr
from medres.panel import for_each_group
from medres.validation import InputError, validate_frame

#: Relative tolerance under which a permuted between share counts as equal to the observed one.
_TIE_RTOL = 1e-12


# --- 1. Permutation test of the Theil between-group share ------------------------------------


def theil_between_permutation(
    frame: pd.DataFrame,
    id_column: str,
    resource: str,
    population: str,
    grouping: str,
    *,
    forms: Sequence[str] = inequality.THEIL_FORMS,
    permutations: int = 999,
    random_state: int | np.random.Generator | np.random.RandomState = 0,
) -> pd.DataFrame:
    """Permutation test of the between-group share of Theil T and/or L (module docstring, 1).

    ``random_state``: a seed (``numpy.random.default_rng(seed)``) or a NumPy generator; each
    permutation is ``random_state.permutation(n)`` applied to the units, drawn in turn, so the
    same seed gives the same p-values. Returns one row per form: ``index``, ``grouping``,
    ``n_units``, ``n_groups``, ``total``, ``between``, ``between_share`` (``between / total``),
    ``permutations`` (B), ``n_at_least`` (permuted shares ≥ the observed one), ``p_value``,
    ``null_mean_share`` and ``null_p95_share`` (mean and 95th percentile of the permuted shares).
    """
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) \
            or permutations < 1:
        raise InputError(f"permutations must be a positive integer, got {permutations!r}")
    forms = list(forms)
    clean = inequality.theil_input(frame, id_column, resource, population, [grouping], forms)
    y = clean[resource].to_numpy(dtype=float)
    p = clean[population].to_numpy(dtype=float)
    y, p = y / y.sum(), p / p.sum()
    codes, labels = pd.factorize(clean[grouping].to_numpy(), sort=True)
    n, groups = len(codes), len(labels)
    rng = (np.random.default_rng(random_state)
           if isinstance(random_state, (int, np.integer)) else random_state)
    orders = np.stack([rng.permutation(n) for _ in range(int(permutations))])
    member = np.zeros((n, groups))
    member[np.arange(n), codes] = 1.0
    # Row b: the group shares when unit orders[b, j] takes position j's group label.
    group_y, group_p = y[orders] @ member, p[orders] @ member
    # The observed assignment goes through the same arithmetic as the permuted ones (a data test
    # compares its parts with the Theil marts, which medres.inequality computes on its own).
    observed_y, observed_p = (y @ member)[np.newaxis, :], (p @ member)[np.newaxis, :]
    rows = []
    for form in forms:
        a, b = (group_y, group_p) if form == "theil_t" else (group_p, group_y)
        between = _between(a, b)
        total = float((_theil_total(y, p) if form == "theil_t" else _theil_total(p, y))[0])
        observed_between = float((_between(observed_y, observed_p) if form == "theil_t"
                                  else _between(observed_p, observed_y))[0])
        shares = between / total
        share = observed_between / total
        at_least = int((shares >= share - _TIE_RTOL * abs(share)).sum())
        rows.append({
            "index": form, "grouping": grouping, "n_units": n, "n_groups": groups,
            "total": total, "between": observed_between, "between_share": share,
            "permutations": int(permutations), "n_at_least": at_least,
            "p_value": (1 + at_least) / (1 + int(permutations)),
            "null_mean_share": float(shares.mean()),
            "null_p95_share": float(np.quantile(shares, 0.95)),
        })
    return pd.DataFrame(rows)


def _between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``Σ_g A_g ln(A_g/B_g)`` per row, with ``0 ln 0 = 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(a > 0, a * np.log(a / b), 0.0)
    return terms.sum(axis=1)


# --- 2. Jackknife ----------------------------------------------------------------------------


def jackknife_summary(full: float, leave_one_out: np.ndarray, ids: np.ndarray) -> dict[str, Any]:
    """Range of the leave-one-out values (``leave_one_out[k]`` without unit ``ids[k]``) and the
    most influential unit (module docstring, 2)."""
    change = np.abs(leave_one_out - full)
    top = int(np.argmax(change))
    return {
        "value": full,
        "n_units": len(leave_one_out),
        "jackknife_min": float(leave_one_out.min()),
        "jackknife_max": float(leave_one_out.max()),
        "most_influential_unit": ids[top],
        "value_without_most_influential": float(leave_one_out[top]),
        "max_abs_change": float(change[top]),
    }


def _gini(resource: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """:func:`medres.inequality.gini` of each row of unit values (units sorted by resource per
    weight, trapezoid rule over the Lorenz points), without the frame checks: the jackknife
    evaluates n subsets at once."""
    order = np.argsort(resource / weight, axis=1, kind="stable")
    start = np.zeros((len(resource), 1))
    x = np.hstack([start, np.cumsum(np.take_along_axis(weight, order, axis=1), axis=1)])
    y = np.hstack([start, np.cumsum(np.take_along_axis(resource, order, axis=1), axis=1)])
    x, y = x / x[:, -1:], y / y[:, -1:]
    return 1.0 - (np.diff(x, axis=1) * (y[:, 1:] + y[:, :-1])).sum(axis=1)


def _theil_total(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``Σ_i a_i ln(a_i/b_i)`` of the shares of ``a`` and ``b`` in each row: Theil T with
    (resource, population), Theil L with (population, resource)."""
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    return _between(a / a.sum(axis=1, keepdims=True), b / b.sum(axis=1, keepdims=True))


#: Leave-one-out subsets evaluated at once, an (n − 1)-wide row each: 31 provinces or 300 cities
#: take one pass, and memory stays bounded (a process peaked at 0.46 GB for 10,000 units).
_JACKKNIFE_ROWS = 512


def _leave_one_out_rows(n: int) -> Iterator[np.ndarray]:
    """Blocks of index rows, row k listing every unit but unit k in input order (so a stable sort
    of a row keeps the full sort's order)."""
    for start in range(0, n, _JACKKNIFE_ROWS):
        block = range(start, min(start + _JACKKNIFE_ROWS, n))
        yield np.array([np.delete(np.arange(n), k) for k in block])


def inequality_jackknife(
    frame: pd.DataFrame, id_column: str, resource: str, population: str, area: str
) -> pd.DataFrame:
    """Jackknife of the Gini (by population and by land area) and of Theil T and L of
    ``resource``: one row per ``measure`` (``gini_population``, ``gini_land_area``, ``theil_t``,
    ``theil_l``) with :func:`jackknife_summary`'s columns."""
    # The checks of medres.inequality (positive weights, no missing value, Theil L defined); the
    # full values then come from the same arithmetic as the leave-one-out ones, and a data test
    # compares them with the inequality marts, which medres.inequality computes on its own.
    clean = inequality.theil_input(frame, id_column, resource, population, [], inequality.THEIL_FORMS)
    inequality.theil_input(frame, id_column, resource, area, [], ["theil_t"])
    r, p, a = (frame[c].to_numpy(dtype=float) for c in (resource, population, area))
    measures = {
        "gini_population": (_gini, r, p),
        "gini_land_area": (_gini, r, a),
        "theil_t": (_theil_total, r, p),
        "theil_l": (_theil_total, p, r),
    }
    ids = frame[id_column].to_numpy()
    rows = []
    for measure, (statistic, first, second) in measures.items():
        full = float(statistic(first[np.newaxis, :], second[np.newaxis, :])[0])
        leave_one_out = np.concatenate([statistic(first[kept], second[kept])
                                        for kept in _leave_one_out_rows(len(clean))])
        rows.append({"measure": measure, **jackknife_summary(full, leave_one_out, ids)})
    return pd.DataFrame(rows)


# --- 3. RSR grade robustness -----------------------------------------------------------------

#: Variant families of :func:`rsr_grade_variants`.
VARIANT_FAMILIES = ("default", "method", "indicator_column", "leave_one_indicator_out",
                    "leave_one_unit_out")
_ALTERNATIVE = {"weighting": {"configured": "entropy", "entropy": "configured"},
                "fit_rows": {"all": "distinct", "distinct": "all"},
                "grade_on": {"fitted": "raw", "raw": "fitted"}}


def rsr_grade_variants(
    frame: pd.DataFrame,
    id_column: str,
    settings: Mapping[str, Any],
    alternative_columns: Mapping[str, str],
) -> pd.DataFrame:
    """Each unit's RSR grade under every variant of the method (module docstring, 3).

    ``frame``: one row per unit with the indicators' columns (``settings["indicators"]`` items
    {name, column, direction, weight}) and those of ``alternative_columns`` (column → another
    column measuring the same thing, e.g. ``{"health_workforce_per_1000":
    "health_personnel_per_1000"}``: every indicator reading the first is measured by the second in
    one variant; a column no indicator reads gives no variant). ``settings``:
    as :func:`medres.panel.rsr_panel` (weighting, grades, fit_rows, grade_on, alpha).
    An indicator whose column is empty for every unit is left out (as the panel does).

    Variants (``variant``, ``variant_family``): ``default`` (the settings); ``method``: the other
    weighting (configured ↔ entropy), the other ``fit_rows``, the other ``grade_on``, one at a
    time; ``indicator_column``: an indicator measured by its alternative column;
    ``leave_one_indicator_out``: each indicator dropped (with 2+ indicators; weights
    renormalised); ``leave_one_unit_out``: each unit dropped (the others are graded; the dropped
    unit has no row for that variant). Every variant is graded even when its slope is not
    significant (``force``); ``slope_p`` says how the fit did.

    Returns ``id_column``, ``variant``, ``variant_family``, ``grade``, ``default_grade``,
    ``agrees`` (grade = default grade) and ``slope_p``.
    """
    indicators = _present_indicators(frame, settings)
    unknown = [c for c in alternative_columns.values() if c not in frame.columns]
    if unknown:
        raise InputError(f"unknown alternative column(s) {unknown}")
    base = {key: settings[key] for key in ("weighting", "grades", "fit_rows", "grade_on")}

    variants: list[tuple[str, str, np.ndarray, list[dict], Mapping[str, Any]]] = [
        ("default", "default", np.ones(len(frame), dtype=bool), indicators, base)]
    for key, switch in _ALTERNATIVE.items():
        other = switch[base[key]]
        variants.append((f"{key}={other}", "method", variants[0][2], indicators, {**base, key: other}))
    for indicator in indicators:
        alternative = alternative_columns.get(indicator["column"])
        if alternative is not None and frame[alternative].notna().all():
            swapped = [{**i, "column": alternative} if i is indicator else i for i in indicators]
            variants.append((f"{indicator['name']}={alternative}", "indicator_column",
                             variants[0][2], swapped, base))
    if len(indicators) > 1:
        for dropped in indicators:
            kept = [i for i in indicators if i is not dropped]
            variants.append((f"without {dropped['name']}", "leave_one_indicator_out",
                             variants[0][2], kept, base))
    ids = frame[id_column].to_numpy()
    for position, unit in enumerate(ids):
        variants.append((f"without {unit}", "leave_one_unit_out", np.arange(len(ids)) != position,
                         indicators, base))

    # One check of every column a variant reads (ids, numbers, completeness, as
    # medres.rsr.evaluate checks), then each variant is the method on arrays: ~0.3 ms instead of
    # ~25 ms for a frame-based evaluate, which matters at 38 variants × years.
    columns = sorted({i["column"] for _, _, _, chosen, _ in variants for i in chosen})
    clean = validate_frame(frame, id_column, columns)
    values = {column: clean[column].to_numpy() for column in columns}
    default_grades: np.ndarray | None = None
    parts = []
    # The configured weights of each indicator set, normalised by medres.rsr's rule once.
    configured: dict[tuple[str, ...], np.ndarray] = {}
    for variant, family, kept_units, chosen, options in variants:
        names = tuple(i["name"] for i in chosen)
        if names not in configured:
            configured[names] = rsr.normalised_weights(
                {i["name"]: i.get("weight", 1) for i in chosen}, list(names)).to_numpy()
        grades, slope_p = _grades(values, kept_units, chosen, options, configured[names])
        if default_grades is None:
            default_grades = grades
        parts.append(pd.DataFrame({
            id_column: ids[kept_units], "variant": variant, "variant_family": family,
            "grade": grades, "default_grade": default_grades[kept_units], "slope_p": slope_p,
        }))
    out = pd.concat(parts, ignore_index=True)
    out["agrees"] = out["grade"] == out["default_grade"]
    return out


def _present_indicators(frame: pd.DataFrame, settings: Mapping[str, Any]) -> list[dict]:
    """The configured indicators whose column has values in ``frame`` (as the RSR panel)."""
    indicators = [dict(i) for i in settings["indicators"] if frame[i["column"]].notna().any()]
    if not indicators:
        raise InputError("no configured RSR indicator has values")
    return indicators


def _grades(values: Mapping[str, np.ndarray], kept_units: np.ndarray, chosen: list[dict],
            options: Mapping[str, Any], configured_weights: np.ndarray) -> tuple[np.ndarray, float]:
    """The kept units' grades and the slope's p under one variant: :func:`medres.rsr.evaluate`'s
    steps on arrays (its kernels), graded even when the slope is not significant.
    ``configured_weights``: the chosen indicators' weights, normalised, for configured weighting."""
    matrix = np.column_stack([values[i["column"]][kept_units] for i in chosen])
    if len(matrix) < 3:
        raise InputError(f"need at least 3 units to evaluate, got {len(matrix)}")
    larger_is_better = [i["direction"] == "positive" for i in chosen]
    if options["weighting"] == "configured":
        weights = configured_weights
    else:
        weights = rsr.entropy_weight_values(matrix, larger_is_better, [i["name"] for i in chosen])
    scores = rsr.rank_sum_ratios(rsr.indicator_ranks(matrix, larger_is_better), weights)
    return rsr.grade_values(scores, int(options["grades"]), options["fit_rows"],
                            options["grade_on"])


# --- Panels for the dbt Python models: one output each, per group (a year) -------------------


def permutation_panel(
    frame: pd.DataFrame, group_column: str, id_column: str, settings: Mapping[str, Any]
) -> pd.DataFrame:
    """:func:`theil_between_permutation` per group, resource and grouping, both Theil forms.

    ``settings``: ``resources``, ``population``, ``groupings`` (as
    :func:`medres.panel.inequality_panel`), ``permutations`` (B) and ``seed``. Each (group,
    resource, grouping) draws its own permutations from ``numpy.random.default_rng([seed,
    crc32("<group>|<resource>|<grouping>")])``, so its p-value depends on the seed and on its
    own data only, not on which other years or resources are evaluated. A resource without values
    in a group is left out of that group. Theil L is left out where a unit has zero resource.
    """
    def evaluate(ordered: pd.DataFrame) -> dict[str, pd.DataFrame]:
        key = ordered[group_column].iloc[0]
        rows = []
        for resource in settings["resources"]:
            if ordered[resource].isna().all():
                continue
            forms = [f for f in inequality.THEIL_FORMS
                     if f == "theil_t" or (ordered[resource] > 0).all()]
            for grouping in settings["groupings"]:
                stream = zlib.crc32(f"{key}|{resource}|{grouping}".encode())
                rows.append(theil_between_permutation(
                    ordered, id_column, resource, settings["population"], grouping, forms=forms,
                    permutations=int(settings["permutations"]),
                    random_state=np.random.default_rng([int(settings["seed"]), stream]),
                ).assign(resource=resource))
        return {"permutation": pd.concat(rows, ignore_index=True)}

    result = for_each_group(frame, group_column, id_column, evaluate)["permutation"]
    return result.rename(columns={"index": "theil_form"})


def jackknife_panel(
    frame: pd.DataFrame, group_column: str, id_column: str, settings: Mapping[str, Any]
) -> pd.DataFrame:
    """:func:`inequality_jackknife` per group and resource (``settings``: ``resources``,
    ``population``, ``area``); a resource without values in a group is left out there."""
    def evaluate(ordered: pd.DataFrame) -> dict[str, pd.DataFrame]:
        parts = [
            inequality_jackknife(ordered, id_column, resource, settings["population"],
                                 settings["area"]).assign(resource=resource)
            for resource in settings["resources"] if ordered[resource].notna().any()
        ]
        return {"jackknife": pd.concat(parts, ignore_index=True)}

    result = for_each_group(frame, group_column, id_column, evaluate)["jackknife"]
    return result.rename(columns={"most_influential_unit": f"most_influential_{id_column}"})


def grade_variants_panel(
    frame: pd.DataFrame, group_column: str, id_column: str, settings: Mapping[str, Any]
) -> pd.DataFrame:
    """:func:`rsr_grade_variants` per group. ``settings``: the RSR settings (as
    :func:`medres.panel.rsr_panel`, indicators with their ``column``) plus
    ``alternative_columns``, a list of {column, alternative}."""
    alternatives = {item["column"]: item["alternative"] for item in settings["alternative_columns"]}
    return for_each_group(
        frame, group_column, id_column,
        lambda ordered: {"variants": rsr_grade_variants(ordered, id_column, settings, alternatives)},
    )["variants"]

