"""Inequality of a resource's distribution over units: Lorenz curve and Gini, Theil T and L with
(nested) group decomposition, agglomeration degree, coefficient of variation, RSR grade validity.

Every function takes a pandas DataFrame with one row per unit (a province, a city, ...), an id
column and the named numeric columns, and returns floats or DataFrames; nothing is read or
written. Bad input raises :class:`medres.validation.InputError` naming the column and the unit.
Notation: unit ``i`` holds resource ``R_i`` (beds, institutions, ...), population ``P_i`` and land
area ``A_i``; shares ``y_i = R_i/ΣR``, ``p_i = P_i/ΣP``, ``a_i = A_i/ΣA``.

1. Lorenz curve and Gini (:func:`lorenz_curve`, :func:`gini`). Units are sorted by resource per
   unit of weight ``R_i/W_i`` ascending (weight = population, or land area for the geographic
   Gini); ``X_k`` and ``Y_k`` are the cumulative weight and resource shares of the first ``k``
   units, ``(X_0, Y_0) = (0, 0)``. The Gini coefficient is twice the area between the diagonal and
   the piecewise-linear Lorenz curve, by the trapezoid rule (Brown 1994):
   ``G = 1 − Σ_k (X_k − X_{k−1})(Y_k + Y_{k−1})``.
   With equal weights this is exactly the mean-difference Gini ``Σ_i Σ_j |x_i − x_j| / (2n²x̄)``
   of the per-unit values; with population weights it is exactly the Gini of the population
   expanded into individuals who each hold their unit's per-capita resource (the Lorenz curve is
   linear between the units' points). Ties in ``R_i/W_i`` do not change G.
2. Theil indices (:func:`theil`, :func:`theil_nested`), natural logarithms, two forms:
   * ``theil_t`` (Theil's first measure, GE(1), resource-share weighted):
     ``T = Σ_i y_i ln(y_i / p_i)``;
   * ``theil_l`` (Theil's second measure, GE(0), mean log deviation, population-share weighted):
     ``L = Σ_i p_i ln(p_i / y_i)``.
   Both are 0 when every unit has the same resource per person and grow with inequality. With
   groups ``g`` (``Y_g = Σ_{i∈g} y_i``, ``P_g = Σ_{i∈g} p_i``) both decompose exactly
   (Theil 1967; Bourguignon 1979; Shorrocks 1980):
   ``T = Σ_g Y_g ln(Y_g/P_g) + Σ_g Y_g T_g`` (between + within),
   ``T_g = Σ_{i∈g} (y_i/Y_g) ln((y_i/Y_g)/(p_i/P_g))``;
   ``L = Σ_g P_g ln(P_g/Y_g) + Σ_g P_g L_g``,
   ``L_g = Σ_{i∈g} (p_i/P_g) ln((p_i/P_g)/(y_i/Y_g))``.
   A part's contribution is ``100 · part / total`` percent; a group's within contribution is
   ``Y_g T_g`` (``P_g L_g``). Nested (two-stage, Akita 2003) decomposition for levels
   ``ℓ = 1 … m`` from coarse to fine (region ⊃ province ⊃ city units): the between part at level
   ``ℓ`` is ``Σ_{g at ℓ} Y_g ln((Y_g/Y_{π(g)}) / (P_g/P_{π(g)}))`` with ``π(g)`` the level-``ℓ−1``
   group containing ``g`` (``Y_π = P_π = 1`` at level 1), and the within part is
   ``Σ_{g at m} Y_g T_g``; the ``m`` between parts and the within part sum to ``T`` (likewise for
   L with the roles of ``y`` and ``p`` swapped: ``L(y, p) = T(p, y)``). Each part is computed from
   its own formula, not as a remainder, so the identity is a real check.
   Zero resource: in ``T`` a unit with ``R_i = 0`` contributes ``0 · ln 0 = 0`` (the limit); a
   group with ``Y_g = 0`` contributes 0 to every part and has no within index (NaN). In ``L`` a
   unit with ``R_i = 0`` has an infinite term ``p_i ln(p_i/0)``: ``L`` is undefined and
   :func:`theil` raises :class:`InputError` naming the unit (compute ``T`` only with
   ``forms=("theil_t",)``). Population must be positive (``p_i = 0`` makes ``T`` infinite).
   When the total is 0 (perfect equality) the contributions in percent are NaN.
3. Agglomeration degree (:func:`agglomeration`): ``HRAD_i = y_i / a_i`` (resource share over land
   share), ``PAD_i = p_i / a_i`` and ``HRAD_i / PAD_i = y_i / p_i`` (resource per person relative
   to the whole: above 1 the unit holds more resource than its population share). Ratios, not
   percent; 1 is the all-unit average.
4. Coefficient of variation (:func:`coefficient_of_variation`, :func:`dispersion`): unweighted
   ``CV = s / x̄`` with ``s`` the **sample** standard deviation (divisor ``n − 1``), the form most
   health-resource papers report; population-weighted (Williamson 1965)
   ``CV_w = sqrt(Σ_i p_i (x_i − x̄_w)²) / x̄_w`` with ``x̄_w = Σ_i p_i x_i`` (for a per-capita
   indicator, the all-unit per-capita value) and no small-sample correction.
5. RSR grade validity (:func:`grade_validity`): does the graded value differ between the RSR
   grades? A **consistency check that holds by construction** when the grades are intervals of
   the value tested (or of an increasing function of it, as the fitted RSR is of the WRSR): the
   values must then differ between grades, so the test cannot fail and is no evidence that the
   grades are valid (:mod:`medres.robustness` checks whether they are robust). One-way ANOVA
   ``F = [SSB/(k−1)] / [SSW/(N−k)]``, p from F(k−1, N−k); homogeneity of variance by the
   **Brown–Forsythe** test (Levene's test on absolute deviations from the group *median*,
   Brown & Forsythe 1974; ``scipy.stats.levene``'s default ``center="median"``), on the grades
   with at least 2 members; normality of the ANOVA residuals (grades with at least 2 members) by
   D'Agostino–Pearson ``K² = Z(skewness)² + Z(kurtosis)²`` (D'Agostino, Belanger & D'Agostino
   1990; ``scipy.stats.normaltest``), p from χ²(2), assessed only with at least 20 residuals.
   Kruskal–Wallis ``H = [12/(N(N+1)) Σ_j R_j²/n_j − 3(N+1)] / [1 − Σ(t³−t)/(N³−N)]`` (average
   ranks, tie-corrected; Kruskal & Wallis 1952), p from χ²(k−1). ANOVA is the reported test only
   when every grade has at least 2 members, Brown–Forsythe p ≥ alpha and K² p ≥ alpha; otherwise
   Kruskal–Wallis, with the reason. A single-member grade (the study's grade 5 is Guangdong
   alone) has no variance to compare, so its homogeneity cannot be checked: Kruskal–Wallis.
   Statistics are computed with NumPy and p values with :mod:`scipy.special` (``fdtrc``,
   ``chdtrc``): importing ``scipy.stats`` costs the dbt Python models ~0.6 s per build.

References
----------
Akita T (2003) Decomposing regional income inequality in China and Indonesia using two-stage
nested Theil decomposition method. Annals of Regional Science 37:55–77.
Bourguignon F (1979) Decomposable income inequality measures. Econometrica 47:901–920.
Brown MC (1994) Using Gini-style indices to evaluate the spatial patterns of health practitioners.
Social Science & Medicine 38:1243–1256.
Brown MB, Forsythe AB (1974) Robust tests for the equality of variances. JASA 69:364–367.
D'Agostino RB, Belanger A, D'Agostino RB Jr (1990) A suggestion for using powerful and
informative tests of normality. The American Statistician 44:316–321.
Kruskal WH, Wallis WA (1952) Use of ranks in one-criterion variance analysis. JASA 47:583–621.
Shorrocks AF (1980) The class of additively decomposable inequality measures. Econometrica
48:613–625.
Theil H (1967) Economics and Information Theory. Amsterdam: North-Holland.
Williamson JG (1965) Regional inequality and the process of national development. Economic
Development and Cultural Change 13(4):1–84.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy import special

from medres.validation import InputError, validate_frame

THEIL_FORMS = ("theil_t", "theil_l")
#: Fewest pooled residuals for which the D'Agostino–Pearson normality test is used.
NORMALITY_MIN_RESIDUALS = 20


@dataclass(frozen=True, eq=False)
class TheilResult:
    """Output of :func:`theil` and :func:`theil_nested`.

    ``components``: one row per form and part (total, between, within) with ``value`` and
    ``contribution_pct``. ``groups``: one row per form, grouping level and group with the group's
    shares, between term and (finest level) within index and contribution. ``units``: one row per
    form and unit with its term of the total index (from :func:`theil`, as :func:`theil_terms`)
    or of the finest within part (from :func:`theil_nested`).
    """

    components: pd.DataFrame
    groups: pd.DataFrame
    units: pd.DataFrame


# --- 1. Lorenz curve and Gini ---------------------------------------------------------------


def lorenz_curve(frame: pd.DataFrame, id_column: str, resource: str, weight: str) -> pd.DataFrame:
    """Points of the Lorenz curve of ``resource`` against ``weight`` (population or land area).

    Row 0 is the origin (``point = 0``, id missing, both cumulative shares 0); rows ``1 … n`` are
    the units sorted by ``resource / weight`` ascending (ties keep input order). Columns:
    ``point``, ``id_column``, ``resource``, ``weight``, ``resource_per_weight``, ``weight_share``,
    ``resource_share``, ``cumulative_weight_share`` (X_k), ``cumulative_resource_share`` (Y_k).
    The last point is exactly (1, 1). ``resource ≥ 0`` (not all 0), ``weight > 0``.
    """
    clean = _clean(frame, id_column, [resource, weight], positive=[weight])
    _require_some_resource(clean, resource)
    resources, weights = clean[resource].to_numpy(), clean[weight].to_numpy()
    ratio = resources / weights
    order = np.argsort(ratio, kind="stable")
    resources, weights = resources[order], weights[order]
    cumulative_weight, cumulative_resource = np.cumsum(weights), np.cumsum(resources)
    # Row 0 is the origin. Dividing by the last cumulative sum (not by .sum()) makes the last point
    # exactly 1.
    return pd.DataFrame({
        "point": np.arange(len(order) + 1),
        id_column: pd.Series(np.concatenate([[None], clean[id_column].to_numpy()[order]]),
                             dtype=object),
        resource: np.concatenate([[0.0], resources]),
        weight: np.concatenate([[0.0], weights]),
        "resource_per_weight": np.concatenate([[np.nan], ratio[order]]),
        "weight_share": np.concatenate([[0.0], weights / cumulative_weight[-1]]),
        "resource_share": np.concatenate([[0.0], resources / cumulative_resource[-1]]),
        "cumulative_weight_share": np.concatenate([[0.0], cumulative_weight / cumulative_weight[-1]]),
        "cumulative_resource_share": np.concatenate(
            [[0.0], cumulative_resource / cumulative_resource[-1]]),
    })


def gini(frame: pd.DataFrame, id_column: str, resource: str, weight: str) -> float:
    """Gini coefficient of ``resource`` against ``weight`` by the trapezoid rule over the Lorenz
    curve: ``G = 1 − Σ_k (X_k − X_{k−1})(Y_k + Y_{k−1})`` (see :func:`lorenz_curve`)."""
    points = lorenz_curve(frame, id_column, resource, weight)
    return gini_from_lorenz(
        points["cumulative_weight_share"], points["cumulative_resource_share"]
    )


def gini_from_lorenz(
    cumulative_weight_share: Sequence[float] | pd.Series | np.ndarray,
    cumulative_resource_share: Sequence[float] | pd.Series | np.ndarray,
) -> float:
    """``1 − Σ_k (X_k − X_{k−1})(Y_k + Y_{k−1})`` over given Lorenz points, which must start at
    (0, 0), end at (1, 1) and be non-decreasing (grouped data as printed in a paper)."""
    x = np.asarray(cumulative_weight_share, dtype=float)
    y = np.asarray(cumulative_resource_share, dtype=float)
    if x.ndim != 1 or x.shape != y.shape or len(x) < 2:
        raise InputError("Lorenz points: two equally long sequences of at least 2 values needed")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InputError("Lorenz points must be finite")
    if x[0] != 0 or y[0] != 0 or not np.isclose(x[-1], 1) or not np.isclose(y[-1], 1):
        raise InputError(
            f"Lorenz points must run from (0, 0) to (1, 1), got ({x[0]}, {y[0]}) … ({x[-1]}, {y[-1]})"
        )
    if (np.diff(x) < 0).any() or (np.diff(y) < 0).any():
        raise InputError("Lorenz points must be non-decreasing in both shares")
    return float(1.0 - (np.diff(x) * (y[1:] + y[:-1])).sum())


# --- 2. Theil T and L with decomposition ---------------------------------------------------


def theil(
    frame: pd.DataFrame,
    id_column: str,
    resource: str,
    population: str,
    group_columns: Sequence[str] = (),
    forms: Sequence[str] = THEIL_FORMS,
) -> TheilResult:
    """Theil T and L of ``resource`` against ``population``, decomposed into between-group and
    within-group parts for each grouping in ``group_columns`` separately (e.g. ``["region_3",
    "region_4"]``); formulas in the module docstring.

    ``components`` columns: ``index`` (``theil_t`` / ``theil_l``), ``grouping`` (the group column;
    missing when no grouping is given), ``component`` (``total`` / ``between`` / ``within``),
    ``value``, ``contribution_pct`` (100 · value / total). Without groupings only ``total`` rows.
    ``groups`` columns: ``index``, ``grouping``, ``group``, ``n_units``, ``resource_share`` (Y_g),
    ``population_share`` (P_g), ``between_term`` (T: Y_g ln(Y_g/P_g); L: P_g ln(P_g/Y_g)),
    ``within_index`` (T_g or L_g; NaN for a T group without resource), ``within_contribution``
    (Y_g T_g or P_g L_g) and ``within_contribution_pct`` (percent of the total).
    ``units``: each unit's term of the total index (columns in :func:`theil_terms`).
    ``forms`` selects ``theil_t`` and/or ``theil_l`` (L is undefined with a zero resource).
    """
    group_columns = _column_list("group_columns", group_columns)
    forms = _check_forms(forms)
    clean = theil_input(frame, id_column, resource, population, group_columns, forms)
    y, p = _shares(clean, resource, population)
    units = _Columns()
    for form in forms:
        terms = _plogq(y, p) if form == "theil_t" else _plogq(p, y)
        total = terms.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            percent = 100 * terms / total if total > 0 else np.full(len(terms), np.nan)
        units.extend({id_column: clean[id_column].to_numpy(), "resource_share": y,
                      "population_share": p, "term": terms, "contribution_pct": percent},
                     index=form)
    components: list[dict] = []
    groups = _Columns()
    for grouping in group_columns or [None]:
        levels = [] if grouping is None else [_factorized(clean, grouping)]
        for form in forms:
            parts, group_columns_of_form, _ = _decompose(y, p, levels, form)
            if grouping is None:
                parts = parts[:1]  # the total only
            components += [{**part, "grouping": grouping} for part in parts]
            if grouping is not None:
                groups.extend(group_columns_of_form, grouping=grouping)
    return TheilResult(
        components=pd.DataFrame(components, columns=_THEIL_COMPONENT_COLUMNS),
        groups=groups.frame(_THEIL_GROUP_COLUMNS),
        units=units.frame(["index", id_column, "resource_share", "population_share", "term",
                           "contribution_pct"]),
    )


def theil_nested(
    frame: pd.DataFrame,
    id_column: str,
    resource: str,
    population: str,
    levels: Sequence[str],
    forms: Sequence[str] = THEIL_FORMS,
) -> TheilResult:
    """Nested Theil decomposition over ``levels`` from coarse to fine, e.g. ``["region_3",
    "province"]`` for city units: between regions + between provinces within regions + within
    provinces (Akita 2003; formulas in the module docstring). Each finer group must lie in
    exactly one coarser group.

    ``components`` columns: ``index``, ``component`` (``total`` / ``between`` / ``within``),
    ``level`` (the grouping a between part compares, or the finest level for within),
    ``parent_level`` (the level it is nested in; missing for level 1), ``label`` (e.g.
    ``between province within region_3``), ``value``, ``contribution_pct``.
    ``groups`` columns: ``index``, ``level``, ``group``, ``parent_group``, ``n_units``,
    ``resource_share``, ``population_share``, ``between_term`` (the group's term at its level,
    relative to its parent), ``within_index`` / ``within_contribution`` /
    ``within_contribution_pct`` (finest level only, NaN at coarser levels).
    ``units`` columns: ``index``, ``id_column``, the finest level, ``resource_share`` (y_i) and
    ``population_share`` (p_i) of the whole, ``group_resource_share`` (y_i / Y_g),
    ``group_population_share`` (p_i / P_g) and ``within_term`` (T: y_i ln((y_i/Y_g)/(p_i/P_g));
    L: p_i ln((p_i/P_g)/(y_i/Y_g))), whose sum over a group is its within contribution.
    """
    levels = _column_list("levels", levels)
    if not levels:
        raise InputError("theil_nested needs at least one level")
    forms = _check_forms(forms)
    clean = theil_input(frame, id_column, resource, population, levels, forms)
    _check_nesting(clean, id_column, levels)
    y, p = _shares(clean, resource, population)
    factorized = [_factorized(clean, level) for level in levels]
    finest = {id_column: clean[id_column].to_numpy(), levels[-1]: clean[levels[-1]].to_numpy()}
    components: list[dict] = []
    groups, units = _Columns(), _Columns()
    for form in forms:
        parts, group_columns_of_form, unit_columns = _decompose(y, p, factorized, form)
        components += parts
        groups.extend(group_columns_of_form)
        units.extend({**finest, **unit_columns}, index=form)
    return TheilResult(
        components=pd.DataFrame(components, columns=_NESTED_COMPONENT_COLUMNS),
        groups=groups.frame(_NESTED_GROUP_COLUMNS, objects=["parent_group"]),
        units=units.frame(["index", id_column, levels[-1], *_UNIT_TERM_COLUMNS]),
    )


def theil_terms(
    frame: pd.DataFrame,
    id_column: str,
    resource: str,
    population: str,
    forms: Sequence[str] = THEIL_FORMS,
) -> pd.DataFrame:
    """Each unit's term of Theil T and/or L: T ``yᵢ ln(yᵢ/pᵢ)``, L ``pᵢ ln(pᵢ/yᵢ)`` (shares of the
    resource and the population), whose sum over the units is the index of :func:`theil`.

    Columns: ``index``, ``id_column``, ``resource_share``, ``population_share``, ``term`` and
    ``contribution_pct`` (100 · term / index; a unit with less of the resource than of the
    population has a negative T term). One row per unit and form, units in input order.
    """
    return theil(frame, id_column, resource, population, (), forms).units


#: Columns of TheilResult's frames (theil drops a nested decomposition's level columns and names
#: each grouping instead).
_NESTED_COMPONENT_COLUMNS = ["index", "component", "level", "parent_level", "label", "value",
                             "contribution_pct"]
_THEIL_COMPONENT_COLUMNS = ["index", "grouping", "component", "value", "contribution_pct"]
_GROUP_TERM_COLUMNS = ["group", "n_units", "resource_share", "population_share", "between_term",
                       "within_index", "within_contribution", "within_contribution_pct"]
_NESTED_GROUP_COLUMNS = ["index", "level", "group", "parent_group", *_GROUP_TERM_COLUMNS[1:]]
_THEIL_GROUP_COLUMNS = ["index", "grouping", *_GROUP_TERM_COLUMNS]
_UNIT_TERM_COLUMNS = ["resource_share", "population_share", "group_resource_share",
                      "group_population_share", "within_term"]


class _Columns:
    """One output's columns gathered part by part and made into a DataFrame once.

    A small pandas frame costs about a millisecond to build, concatenate or rename, and the panels
    decompose every year, resource, grouping and form, so the parts stay NumPy arrays until then.
    """

    def __init__(self) -> None:
        self._parts: dict[str, list[np.ndarray]] = {}

    def extend(self, columns: dict[str, np.ndarray], **constants: object) -> None:
        """Append equally long arrays, plus ``constants`` repeated to their length."""
        length = len(next(iter(columns.values())))
        repeated = {name: np.full(length, value, dtype=object) for name, value in constants.items()}
        for name, values in {**columns, **repeated}.items():
            self._parts.setdefault(name, []).append(values)

    def columns(self) -> dict[str, np.ndarray]:
        return {name: self._joined(name) for name in self._parts}

    def frame(self, columns: list[str], objects: Sequence[str] = ()) -> pd.DataFrame:
        """The gathered columns as a frame; ``objects`` stay Python objects (None, not NaN)."""
        if not self._parts:
            return pd.DataFrame(columns=columns)
        return pd.DataFrame({
            name: pd.Series(self._joined(name), dtype=object) if name in objects
            else self._joined(name)
            for name in columns
        })

    def _joined(self, name: str) -> np.ndarray:
        parts = self._parts[name]
        if len({part.dtype for part in parts}) > 1:
            # Mixed kinds (one level's integer labels, another's text): NumPy would coerce them.
            parts = [part.astype(object) for part in parts]
        return np.concatenate(parts)


def _shares(clean: pd.DataFrame, *columns: str) -> tuple[np.ndarray, ...]:
    """Each unit's share of each column's total: y of the resource, p of the population, a of the
    land area."""
    return tuple(values / values.sum()
                 for values in (clean[column].to_numpy(dtype=float) for column in columns))


def _factorized(clean: pd.DataFrame, level: str) -> tuple[str, np.ndarray, np.ndarray]:
    """``(level, codes, labels)``: each unit's group number and the group labels, sorted, in the
    group column's own type."""
    codes, labels = pd.factorize(clean[level].to_numpy(), sort=True)
    return level, codes, labels


def _decompose(
    y: np.ndarray, p: np.ndarray, levels: list[tuple[str, np.ndarray, np.ndarray]], form: str
) -> tuple[list[dict], dict[str, np.ndarray], dict[str, np.ndarray] | None]:
    """Parts (rows), group columns and unit columns (finest level) of one form over ``levels``
    (:func:`_factorized`, coarse to fine); L(y, p) is T with the roles of y and p swapped.

    Group sums with NumPy (bincount over the factorized groups) and no pandas until the caller
    builds its frames: the dbt Python models call this for every year, resource, grouping and
    form.
    """
    a, b = (y, p) if form == "theil_t" else (p, y)
    total = float(_plogq(a, b).sum())
    parts = [{"index": form, "component": "total", "level": None, "parent_level": None,
              "label": "total", "value": total}]
    groups = _Columns()
    units = None
    parent_a, parent_b = np.ones(len(a)), np.ones(len(a))  # level-0 "group": everything
    parent_codes, parent_labels = np.zeros(len(a), dtype=int), np.array(["(all)"], dtype=object)
    parent = None
    for depth, (level, codes, labels) in enumerate(levels):
        group_a = np.bincount(codes, weights=a)[codes]
        group_b = np.bincount(codes, weights=b)[codes]
        # Term of each group: A_g ln((A_g/A_π)/(B_g/B_π)); one row per group, in sorted order.
        first = np.unique(codes, return_index=True)[1]
        terms = _plogq(group_a[first], (group_b / parent_b * parent_a)[first])
        parts.append({
            "index": form, "component": "between", "level": level, "parent_level": parent,
            "label": f"between {level}" + (f" within {parent}" if parent else ""),
            "value": float(terms.sum()),
        })
        within_contribution = within_index = np.full(len(labels), np.nan)
        if depth == len(levels) - 1:
            # A unit's term of the within part, a_i ln((a_i/A_g)/(b_i/B_g)); a group's within
            # contribution is the sum of its units' terms.
            unit_terms = _plogq(a, b / group_b * group_a)
            within_contribution = np.bincount(codes, weights=unit_terms, minlength=len(labels))
            group_y, group_p = (group_a, group_b) if form == "theil_t" else (group_b, group_a)
            parts.append({"index": form, "component": "within", "level": level,
                          "parent_level": None, "label": f"within {level}",
                          "value": float(within_contribution.sum())})
            # A group without resource (T form) has no within shares or index: NaN.
            with np.errstate(divide="ignore", invalid="ignore"):
                units = {"resource_share": y, "population_share": p,
                         "group_resource_share": y / group_y, "group_population_share": p / group_p,
                         "within_term": unit_terms}
                within_index = np.where(group_a[first] > 0, within_contribution / group_a[first],
                                        np.nan)
        groups.extend({
            "group": labels,
            "n_units": np.bincount(codes, minlength=len(labels)),
            "resource_share": (group_a if form == "theil_t" else group_b)[first],
            "population_share": (group_b if form == "theil_t" else group_a)[first],
            "between_term": terms,
            "within_index": within_index,
            "within_contribution": within_contribution,
            "within_contribution_pct": (100 * within_contribution / total if total > 0
                                        else np.full(len(labels), np.nan)),
            "parent_group": (np.asarray(parent_labels[parent_codes[first]], dtype=object) if parent
                             else np.full(len(labels), None, dtype=object)),
        }, index=form, level=level)
        parent_a, parent_b = group_a, group_b
        parent_codes, parent_labels, parent = codes, labels, level
    for part in parts:
        part["contribution_pct"] = 100 * part["value"] / total if total > 0 else np.nan
    return parts, groups.columns(), units


def _plogq(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a ln(a/b)`` elementwise with ``0 ln(0/b) = 0``; callers guarantee ``b > 0`` where
    ``a > 0``."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    out = np.zeros_like(a)
    positive = a > 0
    out[positive] = a[positive] * np.log(a[positive] / b[positive])
    return out


def theil_input(
    frame: pd.DataFrame,
    id_column: str,
    resource: str,
    population: str,
    group_columns: list[str],
    forms: list[str],
) -> pd.DataFrame:
    """The checks of :func:`theil`'s input (ids, complete numbers, positive population, some
    resource, no zero resource for Theil L, complete groups): the clean frame with the group
    columns, or InputError naming the column and unit."""
    clean = _clean(frame, id_column, [resource, population], positive=[population])
    _require_some_resource(clean, resource)
    if "theil_l" in forms:
        zero = clean[resource] == 0
        if zero.any():
            unit = clean.loc[zero, id_column].iloc[0]
            raise InputError(
                f"column {resource!r}: unit {unit!r} has zero resource, so Theil L "
                f"(Σ p ln(p/y)) is infinite; compute Theil T only (forms=('theil_t',)) or fix "
                "the value"
            )
    return _attach_groups(frame, clean, id_column, group_columns)


def _check_forms(forms: Sequence[str]) -> list[str]:
    forms = _column_list("forms", forms)
    unknown = [f for f in forms if f not in THEIL_FORMS]
    if unknown or not forms:
        raise InputError(f"forms must be a non-empty subset of {list(THEIL_FORMS)}, got {forms}")
    return forms


def _check_nesting(clean: pd.DataFrame, id_column: str, levels: list[str]) -> None:
    for coarse, fine in pairwise(levels):
        parents = clean.groupby(fine, sort=True)[coarse].nunique()
        split = parents[parents > 1]
        if not split.empty:
            group = split.index[0]
            where = clean.loc[clean[fine] == group, [id_column, coarse]]
            raise InputError(
                f"levels are not nested: {fine} group {group!r} lies in several {coarse} groups "
                f"{sorted(map(str, where[coarse].unique()))} (units "
                f"{where[id_column].tolist()})"
            )


# --- 3. Agglomeration degree -----------------------------------------------------------------


def agglomeration(
    frame: pd.DataFrame, id_column: str, resource: str, population: str, area: str
) -> pd.DataFrame:
    """Health-resource and population agglomeration degree of each unit.

    Columns (input order): ``id_column``, ``resource_share`` (y_i), ``population_share`` (p_i),
    ``area_share`` (a_i), ``hrad = y_i/a_i``, ``pad = p_i/a_i``, ``hrad_pad_ratio = hrad/pad``
    (= y_i/p_i). Ratios, 1 = the all-unit average. ``resource ≥ 0``, population and area > 0.
    """
    clean = _clean(frame, id_column, [resource, population, area], positive=[population, area])
    _require_some_resource(clean, resource)
    resource_share, population_share, area_share = _shares(clean, resource, population, area)
    hrad, pad = resource_share / area_share, population_share / area_share
    return pd.DataFrame({
        id_column: clean[id_column].to_numpy(), "resource_share": resource_share,
        "population_share": population_share, "area_share": area_share, "hrad": hrad, "pad": pad,
        "hrad_pad_ratio": hrad / pad,
    })


# --- 4. Coefficient of variation -------------------------------------------------------------


def coefficient_of_variation(
    values: Sequence[float] | pd.Series | np.ndarray,
    weights: Sequence[float] | pd.Series | np.ndarray | None = None,
) -> float:
    """Unweighted: ``s / x̄`` with the sample SD ``s`` (divisor n − 1).
    Weighted (``weights``, e.g. population): ``sqrt(Σ w_i (x_i − x̄_w)²) / x̄_w`` with normalised
    weights and ``x̄_w = Σ w_i x_i`` (Williamson 1965; no n − 1 correction).
    Needs at least 2 finite values and a positive mean."""
    x = _vector("values", values)
    if len(x) < 2:
        raise InputError(f"coefficient of variation needs at least 2 values, got {len(x)}")
    if weights is None:
        mean = float(x.mean())
        if mean <= 0:
            raise InputError(f"coefficient of variation needs a positive mean, got {mean}")
        return float(x.std(ddof=1) / mean)
    w = _vector("weights", weights)
    if w.shape != x.shape:
        raise InputError(f"weights: {len(w)} values for {len(x)} values")
    if (w < 0).any() or w.sum() <= 0:
        raise InputError("weights must be non-negative with a positive sum")
    w = w / w.sum()
    mean = float((w * x).sum())
    if mean <= 0:
        raise InputError(f"coefficient of variation needs a positive mean, got {mean}")
    return float(np.sqrt((w * (x - mean) ** 2).sum()) / mean)


def dispersion(
    frame: pd.DataFrame,
    id_column: str,
    indicators: Sequence[str],
    population: str | None = None,
) -> pd.DataFrame:
    """One row per indicator: ``indicator``, ``n_units``, ``mean``, ``sd`` (sample, n − 1),
    ``cv`` (:func:`coefficient_of_variation`), and with ``population`` also ``weighted_mean`` and
    ``weighted_cv`` (population-weighted; NaN columns without ``population``)."""
    indicators = _column_list("indicators", indicators)
    columns = [*indicators, *([population] if population else [])]
    clean = _clean(frame, id_column, columns, positive=[population] if population else [])
    rows = []
    for indicator in indicators:
        x = clean[indicator].to_numpy()
        row = {
            "indicator": indicator,
            "n_units": len(x),
            "mean": float(x.mean()),
            "sd": float(x.std(ddof=1)),
            "cv": coefficient_of_variation(x),
            "weighted_mean": np.nan,
            "weighted_cv": np.nan,
        }
        if population:
            w = clean[population].to_numpy()
            row["weighted_mean"] = float((w * x).sum() / w.sum())
            row["weighted_cv"] = coefficient_of_variation(x, w)
        rows.append(row)
    return pd.DataFrame(rows)


# --- 5. RSR grade validity -----------------------------------------------------------------


def grade_validity(
    units: pd.DataFrame,
    value_column: str = "rsr",
    grade_column: str = "grade",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Test that ``value_column`` (the RSR) differs between the grades in ``grade_column``.

    Returns one row: ``test`` (``anova`` or ``kruskal_wallis``, the one reported), ``statistic``,
    ``p_value``, ``df_between``, ``df_within`` (NaN for Kruskal–Wallis), ``reason`` (why that
    test), ``n_units``, ``n_groups``, ``min_group_size``, ``single_member_groups``, ``anova_f``,
    ``anova_p``, ``kruskal_h``, ``kruskal_p``, ``homogeneity_test`` (``brown_forsythe``),
    ``homogeneity_statistic``, ``homogeneity_p``, ``normality_test``
    (``dagostino_pearson_k2``), ``normality_statistic``, ``normality_p``, ``alpha``. Decision
    rule in the module docstring; assumption tests that cannot be run are NaN.
    """
    if not isinstance(units, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(units).__name__}")
    if not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise InputError(f"parameter alpha must be a number strictly between 0 and 1, got {alpha!r}")
    unknown = [c for c in (value_column, grade_column) if c not in units.columns]
    if unknown:
        raise InputError(f"unknown column(s) {unknown}; the frame has {list(map(str, units.columns))}")
    if units[grade_column].isna().any():
        row = int(np.flatnonzero(units[grade_column].isna().to_numpy())[0])
        raise InputError(f"column {grade_column!r}: missing grade in row {row}")
    numeric = pd.to_numeric(units[value_column], errors="coerce")
    if numeric.isna().any() or not np.isfinite(numeric.to_numpy(dtype=float)).all():
        row = int(np.flatnonzero(~np.isfinite(numeric.to_numpy(dtype=float)))[0])
        raise InputError(
            f"column {value_column!r}: missing, non-numeric or infinite value "
            f"{units[value_column].iloc[row]!r} in row {row}"
        )
    values = numeric.to_numpy(dtype=float)
    grades = units[grade_column].to_numpy()
    labels, codes = np.unique(grades, return_inverse=True)
    k, n = len(labels), len(values)
    if k < 2:
        raise InputError(f"grade validity needs at least 2 grades, got {k}")
    if n <= k:
        raise InputError(f"grade validity needs more units than grades, got {n} units in {k} grades")
    if np.all(values == values[0]):
        raise InputError(f"column {value_column!r}: every unit has the same value {values[0]}")
    samples = [values[codes == j] for j in range(k)]
    sizes = np.array([len(s) for s in samples])

    f_stat, f_p = _anova(samples)
    h_stat, h_p = _kruskal(samples)
    multi = [s for s in samples if len(s) >= 2]
    bf_stat, bf_p = _brown_forsythe(multi) if len(multi) >= 2 else (np.nan, np.nan)
    residuals = np.concatenate([s - s.mean() for s in multi]) if multi else np.array([])
    if len(residuals) >= NORMALITY_MIN_RESIDUALS and residuals.std() > 0:
        k2_stat, k2_p = _dagostino_pearson(residuals)
    else:
        k2_stat, k2_p = np.nan, np.nan

    single = int((sizes == 1).sum())
    if single:
        reason = (f"{single} grade(s) with a single member: variance homogeneity cannot be "
                  "checked for them")
    elif not np.isfinite(bf_p):
        reason = "variance homogeneity could not be tested"
    elif bf_p < alpha:
        reason = f"variances differ (Brown-Forsythe p = {bf_p:.4g} < {alpha:g})"
    elif not np.isfinite(k2_p):
        reason = (f"normality not assessable (fewer than {NORMALITY_MIN_RESIDUALS} residuals "
                  "or no residual spread)")
    elif k2_p < alpha:
        reason = f"residuals not normal (D'Agostino-Pearson p = {k2_p:.4g} < {alpha:g})"
    else:
        reason = "variances homogeneous and residuals normal"
    use_anova = reason == "variances homogeneous and residuals normal"
    return pd.DataFrame([{
        "test": "anova" if use_anova else "kruskal_wallis",
        "statistic": f_stat if use_anova else h_stat,
        "p_value": f_p if use_anova else h_p,
        "df_between": float(k - 1),
        "df_within": float(n - k) if use_anova else np.nan,
        "reason": reason,
        "n_units": n,
        "n_groups": k,
        "min_group_size": int(sizes.min()),
        "single_member_groups": single,
        "anova_f": f_stat,
        "anova_p": f_p,
        "kruskal_h": h_stat,
        "kruskal_p": h_p,
        "homogeneity_test": "brown_forsythe",
        "homogeneity_statistic": bf_stat,
        "homogeneity_p": bf_p,
        "normality_test": "dagostino_pearson_k2",
        "normality_statistic": k2_stat,
        "normality_p": k2_p,
        "alpha": float(alpha),
    }])


def _anova(samples: list[np.ndarray]) -> tuple[float, float]:
    """One-way ANOVA F and its upper-tail p (``scipy.stats.f_oneway``)."""
    k = len(samples)
    n = sum(len(s) for s in samples)
    grand = np.concatenate(samples).mean()
    ssb = sum(len(s) * (s.mean() - grand) ** 2 for s in samples)
    ssw = sum(((s - s.mean()) ** 2).sum() for s in samples)
    return _f_ratio(ssb / (k - 1), ssw / (n - k), k - 1, n - k)


def _brown_forsythe(samples: list[np.ndarray]) -> tuple[float, float]:
    """Levene's W on |x − group median| (``scipy.stats.levene(center="median")``)."""
    return _anova([np.abs(s - np.median(s)) for s in samples])


def _f_ratio(between: float, within: float, df1: int, df2: int) -> tuple[float, float]:
    if within > 0:
        f = between / within
        return float(f), float(special.fdtrc(df1, df2, f))
    # No within-group spread: any between-group spread is infinitely significant.
    return (np.inf, 0.0) if between > 0 else (np.nan, np.nan)


def _kruskal(samples: list[np.ndarray]) -> tuple[float, float]:
    """Tie-corrected Kruskal–Wallis H and its χ²(k − 1) p (``scipy.stats.kruskal``)."""
    pooled = np.concatenate(samples)
    n = len(pooled)
    ranks = pd.Series(pooled).rank(method="average").to_numpy()
    bounds = np.cumsum([0, *(len(s) for s in samples)])
    rank_term = sum(
        ranks[start:stop].sum() ** 2 / (stop - start) for start, stop in pairwise(bounds)
    )
    h = 12.0 / (n * (n + 1)) * rank_term - 3 * (n + 1)
    _, ties = np.unique(pooled, return_counts=True)
    h /= 1 - (ties**3 - ties).sum() / (n**3 - n)
    return float(h), float(special.chdtrc(len(samples) - 1, h))


def _dagostino_pearson(x: np.ndarray) -> tuple[float, float]:
    """D'Agostino–Pearson K² and its χ²(2) p (``scipy.stats.normaltest``); n ≥ 20 by caller."""
    n = float(len(x))
    d = x - x.mean()
    m2 = (d**2).mean()
    skew = (d**3).mean() / m2**1.5
    kurt = (d**4).mean() / m2**2
    # Skewness test (D'Agostino 1970).
    y = skew * np.sqrt((n + 1) * (n + 3) / (6.0 * (n - 2)))
    beta2 = 3.0 * (n**2 + 27 * n - 70) * (n + 1) * (n + 3) / ((n - 2) * (n + 5) * (n + 7) * (n + 9))
    w2 = -1 + np.sqrt(2 * (beta2 - 1))
    delta = 1 / np.sqrt(0.5 * np.log(w2))
    alpha = np.sqrt(2.0 / (w2 - 1))
    y = 1.0 if y == 0 else y
    z_skew = delta * np.log(y / alpha + np.sqrt((y / alpha) ** 2 + 1))
    # Kurtosis test (Anscombe & Glynn 1983).
    expected = 3.0 * (n - 1) / (n + 1)
    variance = 24.0 * n * (n - 2) * (n - 3) / ((n + 1) ** 2 * (n + 3) * (n + 5))
    standardised = (kurt - expected) / np.sqrt(variance)
    sqrt_beta1 = (6.0 * (n * n - 5 * n + 2) / ((n + 7) * (n + 9))
                  * np.sqrt(6.0 * (n + 3) * (n + 5) / (n * (n - 2) * (n - 3))))
    a = 6.0 + 8.0 / sqrt_beta1 * (2.0 / sqrt_beta1 + np.sqrt(1 + 4.0 / sqrt_beta1**2))
    denominator = 1 + standardised * np.sqrt(2 / (a - 4.0))
    if denominator == 0:
        return np.nan, np.nan
    term = np.sign(denominator) * np.cbrt((1 - 2.0 / a) / abs(denominator))
    z_kurt = (1 - 2 / (9.0 * a) - term) / np.sqrt(2 / (9.0 * a))
    k2 = float(z_skew**2 + z_kurt**2)
    return k2, float(special.chdtrc(2, k2))


# --- input checks ------------------------------------------------------------------------------


def _clean(
    frame: pd.DataFrame, id_column: str, columns: list[str], positive: Sequence[str]
) -> pd.DataFrame:
    """validate_frame (≥ 2 units) plus: no negative value; ``positive`` columns > 0."""
    clean = validate_frame(frame, id_column, columns, min_units=2)
    for column in columns:
        values = clean[column].to_numpy()
        bad = values < 0 if column not in positive else values <= 0
        if bad.any():
            where = int(np.flatnonzero(bad)[0])
            need = "> 0" if column in positive else ">= 0"
            raise InputError(
                f"column {column!r}: value {values[where]:g} for unit "
                f"{clean[id_column].iloc[where]!r} must be {need}"
            )
    return clean


def _require_some_resource(clean: pd.DataFrame, resource: str) -> None:
    if clean[resource].sum() <= 0:
        raise InputError(f"column {resource!r}: every unit has 0, so resource shares are undefined")


def _attach_groups(
    frame: pd.DataFrame, clean: pd.DataFrame, id_column: str, group_columns: list[str]
) -> pd.DataFrame:
    unknown = [c for c in group_columns if c not in frame.columns]
    if unknown:
        raise InputError(
            f"unknown group column(s) {unknown}; the frame has {list(map(str, frame.columns))}"
        )
    for column in group_columns:
        labels = frame[column].reset_index(drop=True)
        missing = labels.isna().to_numpy()
        if missing.any():
            unit = clean[id_column].iloc[int(np.flatnonzero(missing)[0])]
            raise InputError(f"column {column!r}: unit {unit!r} has no group")
        clean[column] = labels.to_numpy()
    return clean


def _column_list(name: str, columns: Sequence[str]) -> list[str]:
    if isinstance(columns, str):
        raise InputError(f"parameter {name} must be a list of names, got the string {columns!r}")
    columns = list(columns)
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise InputError(f"parameter {name}: listed more than once: {repeated}")
    return columns


def _vector(name: str, values: Sequence[float] | pd.Series | np.ndarray) -> np.ndarray:
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise InputError(f"{name} must be numbers: {error}") from error
    if x.ndim != 1:
        raise InputError(f"{name} must be one-dimensional")
    if not np.isfinite(x).all():
        raise InputError(f"{name}: missing or infinite value at position "
                         f"{int(np.flatnonzero(~np.isfinite(x))[0])}")
    return x
