"""Rank-sum ratio (RSR) evaluation and optimal grading, as used in section 4 of the study.

The rank-sum ratio method (Tian Fengtiao, 1988) turns ``m`` indicators measured on ``n`` units
(provinces) into one dimensionless score, fits that score against its probit, and cuts the fitted
line into grades. Every step is a DataFrame-in / DataFrame-out function so a notebook can use the
method without dbt, and the dbt models can reuse the individual steps.

Method, with the formulas each function implements
--------------------------------------------------
1. Ranks (:func:`rank_indicators`). A *positive* indicator (larger is better) is ranked ascending:
   the smallest value gets rank 1, the largest rank ``n``. A *negative* indicator (smaller is
   better) is ranked descending: the largest value gets rank 1. Ties get the average of the
   positions they occupy (``pandas.Series.rank(method="average")``), so every indicator's ranks
   sum to ``n(n+1)/2``.
2. Rank-sum ratio (:func:`rank_sum_ratio`).
   ``RSR_i = Σ_j R_ij / (m·n)``; weighted ``WRSR_i = Σ_j w_j·R_ij / n`` with ``Σ_j w_j = 1``.
   With equal weights ``w_j = 1/m`` the two are identical. RSR lies in ``[1/n, 1]``.
   Weights are equal, a user mapping (normalised to sum 1), or entropy weights
   (:func:`entropy_weights`):
   ``x'_ij = (x_ij − min_j)/(max_j − min_j)`` (positive) or ``(max_j − x_ij)/(max_j − min_j)``
   (negative); ``p_ij = x'_ij / Σ_i x'_ij``; ``e_j = −(1/ln n)·Σ_i p_ij·ln p_ij`` with
   ``0·ln 0 = 0``; ``d_j = 1 − e_j``; ``w_j = d_j / Σ_j d_j``.
   The value that is regressed and graded is WRSR (equal to RSR when unweighted).
3. Probit table (:func:`probit_table`). The distinct (W)RSR values sorted ascending, each with
   frequency ``f`` and cumulative frequency ``cf``; the tied group occupies positions
   ``cf − f + 1 … cf`` so its average rank is ``cf − (f − 1)/2``; percentile
   ``p = average_rank / n``, except that the largest value's ``p`` (which would be ``1`` and give an
   infinite probit) is replaced by ``1 − 1/(4n)``; ``probit = 5 + Φ⁻¹(p)``.
4. Regression (:func:`fit_regression`). Ordinary least squares ``WRSR = a + b·probit``, either on
   one point per unit (``fit_rows="all"``: what the study and SPSSAU do, the default) or on one
   point per distinct (W)RSR value (``fit_rows="distinct"``: the textbook tabulation). Reported:
   coefficients, standard errors, t statistics, two-sided p values, R², adjusted R², F and its p.
5. Grading (:func:`grade_cutoffs`, :func:`assign_grades`). The "optimal grading" (最佳分档)
   probit cut-offs below are mapped through the fitted line, ``rsr_cut = a + b·probit_cut``, and
   each unit's fitted (``grade_on="fitted"``) or observed (``grade_on="raw"``) WRSR is compared with
   them. Grade 1 is the best. A value exactly equal to a cut-off belongs to the better grade: the
   study's Table 10 writes the lower bounds as "x ~", meaning "≥ x". The worst grade has no lower
   bound: its ``percentile_lower`` is 0 and its ``probit_lower`` and ``rsr_lower`` are null (NaN),
   exactly as in the marts (``fct_rsr_grade_thresholds``), so the Python API and the published
   tables say the same thing.

Grading cut-offs and their source
---------------------------------
:data:`OPTIMAL_GRADING_PROBITS` holds the probit lower bounds of every grade but the worst, from
worst to best, for 3–10 grades; the percentile of a cut-off is ``100·Φ(probit − 5)`` (5 grades:
3.593, 27.425, 72.575, 96.407, exactly the study's Table 10). The table follows the classification
table of Sun Zhenqiu & Xu Yongyong, *Medical Statistics* (医学统计学), 4th ed., People's Medical
Publishing House, 2014, section on the rank-sum ratio method, as transcribed with both its percentiles
and probits in the R package ``easyRSR`` (github.com/chuiqin/RSR, file ``R/easyRSR.R``, object
``table``). Where that transcription's probits and percentiles disagree, the percentile decides,
because each listed percentile is ``100·Φ(probit − 5)`` of exactly one probit:

* 7 grades: 2.86, 3.72, **4.57, 5.44**, 6.28, 7.14 (percentiles 33.360 and 67.003 are
  Φ(−0.43) and Φ(0.44)); a 4.67/5.33 variant that circulates is not what the source lists.
* 8 grades: **2.75**, 3.5, 4.25, 5, 5.75, 6.5, **7.25** (percentile 1.222 = Φ(−2.25); easyRSR's
  2.78/7.22 contradict its own percentiles).
* 10 grades: 2.6, 3.2, **3.8**, 4.4, 5, 5.6, **6.2**, 6.8, 7.4 (percentiles 11.507 and 88.493 are
  Φ(−1.2) and Φ(1.2)); a 3.75/6.25 variant that circulates is not what the source lists.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# scipy.special holds the distribution functions scipy.stats wraps; importing it takes ~0.1 s
# against ~0.6 s for scipy.stats, which the dbt Python models pay on every build.
from scipy import special

from medres.validation import InputError, validate_frame

#: Probit lower bounds of grades ``G−1, …, 1`` (worst to best) for ``G`` grades; see module doc.
OPTIMAL_GRADING_PROBITS: dict[int, tuple[float, ...]] = {
    3: (4.0, 6.0),
    4: (3.5, 5.0, 6.5),
    5: (3.2, 4.4, 5.6, 6.8),
    6: (3.0, 4.0, 5.0, 6.0, 7.0),
    7: (2.86, 3.72, 4.57, 5.44, 6.28, 7.14),
    8: (2.75, 3.5, 4.25, 5.0, 5.75, 6.5, 7.25),
    9: (2.67, 3.33, 4.0, 4.67, 5.33, 6.0, 6.67, 7.33),
    10: (2.6, 3.2, 3.8, 4.4, 5.0, 5.6, 6.2, 6.8, 7.4),
}

GRADE_LABELS: dict[int, tuple[str, ...]] = {
    3: ("High", "Secondary", "Low"),
    5: ("High", "Higher", "Secondary", "Lower", "Low"),
}

FIT_ROWS = ("all", "distinct")
GRADE_ON = ("fitted", "raw")

# Weighted sums of ranks that are mathematically equal can differ in the last bit depending on
# the order of the terms; rounding far below any meaningful precision makes such units tie.
_TIE_DECIMALS = 12


class RegressionNotSignificant(InputError):
    """The RSR-on-probit slope is not significant, so grading on the fitted line is refused."""

    def __init__(self, slope_p: float, alpha: float) -> None:
        self.slope_p = slope_p
        self.alpha = alpha
        super().__init__(
            f"regression of RSR on probit is not significant: slope p = {slope_p:.4g} >= "
            f"alpha = {alpha:g}; grades would be meaningless (pass force=True to grade anyway)"
        )


@dataclass(frozen=True, eq=False)
class RSRResult:
    """Output of :func:`evaluate` together with the parameters that produced it.

    ``units``: one row per unit in input order (ranks, rsr, wrsr, probit table columns,
    rsr_fitted, grade, grade_label). ``regression``: one row, see :func:`fit_regression`.
    ``thresholds``: one row per grade, see :func:`grade_thresholds`. ``weights``: the normalised
    weight of each indicator (summing to 1). ``weighting``: "equal", "custom" or "entropy".
    """

    units: pd.DataFrame
    regression: pd.DataFrame
    thresholds: pd.DataFrame
    id_column: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    weights: pd.Series
    weighting: str
    grades: int
    fit_rows: str
    grade_on: str
    alpha: float
    force: bool


def rank_column(indicator: str) -> str:
    """Name of the column holding an indicator's ranks: ``f"{indicator}_rank"``."""
    return f"{indicator}_rank"


def rank_indicators(
    frame: pd.DataFrame,
    id_column: str,
    positive: Sequence[str],
    negative: Sequence[str],
) -> pd.DataFrame:
    """Rank every indicator so that a larger rank is always better.

    Positive indicators: ``R_ij = rank of x_ij ascending`` (smallest → 1, largest → n).
    Negative indicators: ``R_ij = rank of x_ij descending`` (largest → 1, smallest → n).
    Ties get the average rank. Returns ``id_column`` plus one ``f"{c}_rank"`` column per indicator
    (positive first, then negative), one row per unit in input order.
    """
    positive, negative = _check_indicator_lists(positive, negative)
    indicators = [*positive, *negative]
    clean = validate_frame(frame, id_column, indicators)
    ranks = indicator_ranks(clean[indicators].to_numpy(), [True] * len(positive) + [False] * len(negative))
    return pd.DataFrame({id_column: clean[id_column],
                         **{rank_column(c): ranks[:, j] for j, c in enumerate(indicators)}})


def indicator_ranks(values: np.ndarray, larger_is_better: Sequence[bool]) -> np.ndarray:
    """Step 1 on an array: the average ranks of each column of ``values`` (units × indicators),
    ascending where ``larger_is_better`` (positive indicator), descending elsewhere."""
    return np.column_stack([_average_ranks(values[:, j] if ascending else -values[:, j])
                            for j, ascending in enumerate(larger_is_better)])


def _average_ranks(column: np.ndarray) -> np.ndarray:
    """Ascending ranks 1 … n; tied values share the mean of the positions they occupy (as
    ``pandas.Series.rank(method="average")``)."""
    order = np.argsort(column, kind="stable")
    ordered = column[order]
    starts_group = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    group = np.cumsum(starts_group) - 1
    first = np.flatnonzero(starts_group)
    last = np.concatenate([first[1:], [len(column)]])
    ranks = np.empty(len(column))
    ranks[order] = ((first + 1 + last) / 2)[group]
    return ranks


def rank_sum_ratio(ranks: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.Series:
    """(Weighted) rank-sum ratio of each row of ``ranks``.

    ``ranks`` holds one column per indicator with that indicator's ranks ``1 … n`` (for example
    the ``*_rank`` columns of :func:`rank_indicators`, without the id column).
    ``weights=None``: ``RSR_i = Σ_j R_ij / (m·n)``.
    ``weights`` mapping each column of ``ranks`` to a non-negative weight:
    ``WRSR_i = Σ_j w_j·R_ij / n`` after normalising the weights to sum 1.
    """
    if ranks.shape[0] == 0 or ranks.shape[1] == 0:
        raise InputError("rank_sum_ratio needs at least one unit and one rank column")
    normalised = None if weights is None else \
        normalised_weights(weights, list(ranks.columns)).to_numpy()
    return pd.Series(rank_sum_ratios(ranks.to_numpy(dtype=float), normalised), index=ranks.index)


def rank_sum_ratios(ranks: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Step 2 on an array of ranks (units × indicators): RSR (``weights=None``) or WRSR with
    ``weights`` that already sum to 1, rounded to 12 decimals so equal weighted sums tie."""
    unit_count, indicator_count = ranks.shape
    if weights is None:
        # Summing the ranks first keeps RSR exact for ties (rank sums are multiples of 1/2).
        return ranks.sum(axis=1) / (indicator_count * unit_count)
    return np.round((ranks * weights).sum(axis=1) / unit_count, _TIE_DECIMALS)


def entropy_weights(
    frame: pd.DataFrame, positive: Sequence[str], negative: Sequence[str]
) -> pd.Series:
    """Entropy-weight method: indicators that separate the units more get more weight.

    Positive ``x'_ij = (x_ij − min_j)/(max_j − min_j)``, negative ``x'_ij = (max_j − x_ij)/(max_j −
    min_j)``; ``p_ij = x'_ij / Σ_i x'_ij``; ``e_j = −(1/ln n)·Σ_i p_ij·ln p_ij`` (``0·ln 0 = 0``);
    ``d_j = 1 − e_j``; ``w_j = d_j / Σ_j d_j``. Returns the weights indexed by indicator.
    ``frame`` must hold complete numeric indicator columns (as :func:`validate_frame` returns).
    A constant indicator has no spread to normalise by and raises :class:`InputError`.
    """
    positive, negative = _check_indicator_lists(positive, negative)
    unknown = [c for c in [*positive, *negative] if c not in frame.columns]
    if unknown:
        raise InputError(f"entropy weights: unknown column(s) {unknown}")
    indicators = [*positive, *negative]
    weights = entropy_weight_values(frame[indicators].to_numpy(dtype=float),
                                    [True] * len(positive) + [False] * len(negative), indicators)
    return pd.Series(weights, index=indicators, name="weight")


def entropy_weight_values(values: np.ndarray, larger_is_better: Sequence[bool],
                          names: Sequence[str]) -> np.ndarray:
    """:func:`entropy_weights` on an array (units × indicators); ``names`` label the columns in
    the error raised for a constant indicator."""
    unit_count = len(values)
    if unit_count < 2:
        raise InputError(f"entropy weights need at least 2 units, got {unit_count}")
    low, high = values.min(axis=0), values.max(axis=0)
    spread = high - low
    constant = [name for name, width in zip(names, spread) if width == 0]
    if constant:
        raise InputError(
            f"entropy weights are undefined for constant indicator(s) {constant}: "
            "every unit has the same value, so max − min = 0"
        )
    normalised = np.where(np.asarray(larger_is_better), values - low, high - values) / spread
    shares = normalised / normalised.sum(axis=0)
    plogp = shares * np.log(np.where(shares > 0, shares, 1.0))  # log(1) = 0 realises 0·ln0 = 0
    divergence = 1.0 + plogp.sum(axis=0) / math.log(unit_count)
    return divergence / divergence.sum()


def probit_table(rsr_values: Sequence[float] | pd.Series | np.ndarray) -> pd.DataFrame:
    """Distribution of the (W)RSR values and the probit of each distinct value.

    One row per distinct value, ascending: ``rsr``, ``frequency`` f, ``cumulative_frequency`` cf,
    ``average_rank = cf − (f − 1)/2`` (mean of positions ``cf − f + 1 … cf``),
    ``percentile = average_rank / n`` (a fraction; the largest value's is set to ``1 − 1/(4n)``
    because ``p = 1`` has an infinite probit) and ``probit = 5 + Φ⁻¹(percentile)``.
    """
    return pd.DataFrame(_probit_distribution(np.asarray(rsr_values, dtype=float))[0])


def _probit_distribution(values: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """:func:`probit_table`'s columns (one entry per distinct value, ascending) and, for each
    value, the position of its distinct value."""
    if values.ndim != 1 or len(values) == 0:
        raise InputError("probit_table needs a non-empty one-dimensional sequence of RSR values")
    if not np.isfinite(values).all():
        raise InputError("probit_table: RSR values must be finite")
    unit_count = len(values)
    distinct, inverse, frequency = np.unique(values, return_inverse=True, return_counts=True)
    cumulative = np.cumsum(frequency)
    average_rank = cumulative - (frequency - 1) / 2
    percentile = average_rank / unit_count
    percentile[-1] = 1 - 1 / (4 * unit_count)
    table = {
        "rsr": distinct,
        "frequency": frequency,
        "cumulative_frequency": cumulative,
        "average_rank": average_rank,
        "percentile": percentile,
        "probit": 5 + special.ndtri(percentile),
    }
    return table, inverse


def fit_regression(units: pd.DataFrame, fit_rows: str = "all") -> pd.DataFrame:
    """OLS of the graded value on its probit: ``wrsr = intercept + slope·probit``.

    ``units`` needs columns ``wrsr`` and ``probit`` (one row per unit, as in
    ``RSRResult.units``). ``fit_rows="all"`` uses every unit as a point; ``"distinct"`` keeps one
    point per distinct ``wrsr`` value. Closed form with ``k`` points, ``Sxx = Σ(x − x̄)²``:
    ``slope = Σ(x − x̄)(y − ȳ)/Sxx``, ``intercept = ȳ − slope·x̄``, ``s² = SSE/(k − 2)``,
    ``se(slope) = √(s²/Sxx)``, ``se(intercept) = √(s²(1/k + x̄²/Sxx))``, ``t = coef/se``, two-sided
    ``p = 2·(1 − T_{k−2}(|t|))``, ``R² = 1 − SSE/SST``, ``adj R² = 1 − (1 − R²)(k − 1)/(k − 2)``,
    ``F = t(slope)²`` with ``p = 1 − F_{1,k−2}(F)``. Returns a one-row DataFrame.
    """
    _check_choice("fit_rows", fit_rows, FIT_ROWS)
    missing = [c for c in ("wrsr", "probit") if c not in units.columns]
    if missing:
        raise InputError(f"fit_regression: units frame lacks column(s) {missing}")
    x, y = _fit_points(units["probit"].to_numpy(dtype=float), units["wrsr"].to_numpy(dtype=float),
                       fit_rows)
    return pd.DataFrame([{"fit_rows": fit_rows, **_line_fit(x, y, fit_rows)}])


def _fit_points(probit: np.ndarray, wrsr: np.ndarray, fit_rows: str) -> tuple[np.ndarray, np.ndarray]:
    """The regression's points in unit order: every unit, or the first unit of each distinct value."""
    if fit_rows == "distinct":
        first = np.sort(np.unique(wrsr, return_index=True)[1])
        return probit[first], wrsr[first]
    return probit, wrsr


def _line_fit(x: np.ndarray, y: np.ndarray, fit_rows: str) -> dict[str, float]:
    """:func:`fit_regression`'s statistics of the points ``(x, y)``."""
    point_count = len(x)
    if point_count < 3 or np.unique(x).size < 2:
        raise InputError(
            f"fit_regression (fit_rows={fit_rows!r}) needs at least 3 points with 2 different "
            f"probits, got {point_count} point(s) and {np.unique(x).size} distinct probit(s); "
            "are (nearly) all RSR values equal?"
        )
    x_mean, y_mean = x.mean(), y.mean()
    sxx = float(((x - x_mean) ** 2).sum())
    slope = float(((x - x_mean) * (y - y_mean)).sum() / sxx)
    intercept = float(y_mean - slope * x_mean)
    residual_df = point_count - 2
    sse = float(((y - intercept - slope * x) ** 2).sum())
    sst = float(((y - y_mean) ** 2).sum())
    residual_variance = sse / residual_df
    slope_se = math.sqrt(residual_variance / sxx)
    intercept_se = math.sqrt(residual_variance * (1 / point_count + x_mean**2 / sxx))
    # A perfect fit (SSE = 0) gives infinite t and F with p = 0, which is the right limit.
    with np.errstate(divide="ignore", invalid="ignore"):
        slope_t = np.float64(slope) / slope_se
        intercept_t = np.float64(intercept) / intercept_se
    r_squared = 1 - sse / sst
    f_statistic = float(slope_t**2)
    return {
        "intercept": intercept,
        "slope": slope,
        "intercept_se": intercept_se,
        "slope_se": slope_se,
        "intercept_t": float(intercept_t),
        "slope_t": float(slope_t),
        "intercept_p": float(2 * special.stdtr(residual_df, -abs(intercept_t))),
        "slope_p": float(2 * special.stdtr(residual_df, -abs(slope_t))),
        "r_squared": r_squared,
        "adj_r_squared": 1 - (1 - r_squared) * (point_count - 1) / residual_df,
        "f_statistic": f_statistic,
        "f_p_value": float(special.fdtrc(1, residual_df, f_statistic)),
        "n_points": point_count,
    }


def fit_diagnostics(units: pd.DataFrame, fit_rows: str = "all") -> pd.DataFrame:
    """How well a straight line describes the graded value against its probit.

    The slope's significance (:func:`fit_regression`) cannot fail: the probit is a monotone
    function of the rank of the very value it is regressed against, so the slope is positive and
    its p-value tiny for any data (1e-19 … 1e-26 for the 31 provinces, 2016–2024). These
    diagnostics can fail; they use the same points as the fit (``fit_rows``):

    * ``r_squared`` of the line and ``residual_se = √(SSE/(k − 2))``;
    * curvature: OLS ``wrsr = c0 + c1·probit + c2·probit²``; ``curvature_coefficient`` c2,
      its ``curvature_t`` and two-sided ``curvature_p`` (t with k − 3 df). With one regressor this
      is Ramsey's RESET with the squared fitted value (``ŷ²`` spans the same columns as
      ``probit²``), ``statsmodels.stats.diagnostic.linear_reset(power=2)``: F = t²;
    * residual runs: the residual signs (``≥ 0`` / ``< 0``) in probit order; ``runs`` R,
      ``runs_expected = 2·n₊n₋/k + 1``, variance ``2n₊n₋(2n₊n₋ − k)/(k²(k − 1))``,
      ``runs_z = (R − E)/sd`` without continuity correction and its two-sided normal
      ``runs_p`` (Wald–Wolfowitz; ``statsmodels.sandbox.stats.runs.runstest_1samp(e,
      cutoff=0, correction=False)``, R ``tseries::runs.test``). Too few runs mean the residuals
      come in long same-sign stretches: the line misses a curve;
    * ties among the units' values: ``n_units``, ``n_distinct`` values, ``n_tied_units`` (units
      sharing their value with another unit) and ``largest_tie``.

    Returns a one-row DataFrame with ``fit_rows``, ``n_points`` and the columns above.
    """
    _check_choice("fit_rows", fit_rows, FIT_ROWS)
    line = fit_regression(units, fit_rows).iloc[0]
    points = units[["wrsr", "probit"]]
    if fit_rows == "distinct":
        points = points.drop_duplicates("wrsr")
    points = points.sort_values(["probit", "wrsr"], kind="stable")
    x = points["probit"].to_numpy(dtype=float)
    y = points["wrsr"].to_numpy(dtype=float)
    k = len(x)
    residuals = y - line["intercept"] - line["slope"] * x
    design = np.column_stack([np.ones(k), x, x**2])
    if k < 4 or np.linalg.matrix_rank(design) < 3:
        raise InputError(f"fit_diagnostics needs 4+ points with 3+ distinct probits, got {k} points")
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    quadratic_sse = float(((y - design @ coefficients) ** 2).sum())
    covariance = quadratic_sse / (k - 3) * np.linalg.inv(design.T @ design)
    curvature_t = float(coefficients[2] / math.sqrt(covariance[2, 2]))

    positive = residuals >= 0
    runs = int(1 + (positive[1:] != positive[:-1]).sum())
    n_plus, n_minus = int(positive.sum()), int((~positive).sum())
    expected = 2.0 * n_plus * n_minus / k + 1
    variance = 2.0 * n_plus * n_minus * (2.0 * n_plus * n_minus - k) / (k**2 * (k - 1))
    runs_z = (runs - expected) / math.sqrt(variance) if variance > 0 else math.nan

    _, counts = np.unique(units["wrsr"].to_numpy(dtype=float), return_counts=True)
    return pd.DataFrame([{
        "fit_rows": fit_rows,
        "n_points": k,
        "r_squared": float(line["r_squared"]),
        "residual_se": math.sqrt(float((residuals**2).sum()) / (k - 2)),
        "curvature_coefficient": float(coefficients[2]),
        "curvature_t": curvature_t,
        "curvature_p": float(2 * special.stdtr(k - 3, -abs(curvature_t))),
        "runs": runs,
        "runs_expected": expected,
        "runs_z": runs_z,
        "runs_p": float(2 * special.ndtr(-abs(runs_z))) if variance > 0 else math.nan,
        "n_units": int(counts.sum()),
        "n_distinct": len(counts),
        "n_tied_units": int(counts[counts > 1].sum()),
        "largest_tie": int(counts.max()),
    }])


def grade_labels(grades: int) -> tuple[str, ...]:
    """Labels of grades ``1 … grades`` (best first): named for 3 and 5 grades, else "Grade k"."""
    _check_grades(grades)
    return GRADE_LABELS.get(grades, tuple(f"Grade {k}" for k in range(1, grades + 1)))


def grade_cutoffs(grades: int) -> pd.DataFrame:
    """Optimal-grading lower bounds of each grade, best grade first.

    Columns ``grade`` (1 = best), ``grade_label``, ``probit_lower`` (from
    :data:`OPTIMAL_GRADING_PROBITS`) and ``percentile_lower = 100·Φ(probit_lower − 5)`` (percent).
    The worst grade has no lower bound: ``probit_lower`` is null (NaN, as in the marts) and
    ``percentile_lower = 0``.
    """
    _check_grades(grades)
    probits = np.array([*reversed(OPTIMAL_GRADING_PROBITS[grades]), math.nan])
    percentiles = 100 * special.ndtr(probits - 5)
    percentiles[-1] = 0.0
    return pd.DataFrame(
        {
            "grade": np.arange(1, grades + 1),
            "grade_label": list(grade_labels(grades)),
            "percentile_lower": percentiles,
            "probit_lower": probits,
        }
    )


def grade_thresholds(grades: int, intercept: float, slope: float) -> pd.DataFrame:
    """:func:`grade_cutoffs` plus ``rsr_lower = intercept + slope·probit_lower`` (null for the
    worst grade, which has no lower bound): the fitted RSR at which each grade starts."""
    thresholds = grade_cutoffs(grades)
    thresholds["rsr_lower"] = _rsr_lower_bounds(grades, intercept, slope)
    return thresholds


def _rsr_lower_bounds(grades: int, intercept: float, slope: float) -> np.ndarray:
    """``intercept + slope·probit_lower`` of grades 1 … ``grades``; NaN for the worst grade."""
    return np.array([*(intercept + slope * probit for probit in reversed(OPTIMAL_GRADING_PROBITS[grades])),
                     math.nan])


def assign_grades(
    values: Sequence[float] | pd.Series | np.ndarray, rsr_lower: Sequence[float]
) -> np.ndarray:
    """Grade of each value given the grades' RSR lower bounds (best grade first; the worst
    grade's bound is null or −inf: it has none, as :func:`grade_thresholds` returns it).

    A value gets the best grade whose lower bound it reaches: ``grade = 1 + #{k : lower_k >
    value}``. A value exactly equal to a lower bound therefore belongs to that (better) grade.
    """
    bounds = np.asarray(rsr_lower, dtype=float).copy()
    if bounds.ndim == 1 and len(bounds) and np.isnan(bounds[-1]):
        bounds[-1] = -math.inf
    if bounds.ndim != 1 or not np.all(np.diff(bounds) < 0) or bounds[-1] != -math.inf:
        raise InputError(
            "rsr_lower must be strictly decreasing and end with null or -inf (the worst grade)")
    scores = np.asarray(values, dtype=float)
    return 1 + (bounds[np.newaxis, :] > scores[:, np.newaxis]).sum(axis=1)


def slope_is_significant(slope_p: float, alpha: float) -> bool:
    """The grading gate: the fitted line may grade only when its slope's p value is below alpha."""
    return slope_p < alpha


@dataclass(frozen=True, eq=False)
class Grading:
    """Output of :func:`grade`: ``units`` (the input plus the probit table columns, ``rsr_fitted``,
    ``grade`` and ``grade_label``), ``regression`` (one row, :func:`fit_regression`) and
    ``thresholds`` (one row per grade, :func:`grade_thresholds`)."""

    units: pd.DataFrame
    regression: pd.DataFrame
    thresholds: pd.DataFrame


def grade(
    units: pd.DataFrame,
    grades: int = 5,
    fit_rows: str = "all",
    grade_on: str = "fitted",
    alpha: float = 0.05,
    force: bool = False,
) -> Grading:
    """Steps 3-5 of the method on scores computed elsewhere (for example by SQL): the probit
    table of ``units["wrsr"]``, the regression, the cut-offs and each unit's grade.

    Raises :class:`RegressionNotSignificant` when the slope's p value is ``>= alpha`` unless
    ``force=True``. :func:`evaluate` is :func:`rank_indicators` + :func:`rank_sum_ratio` + this.
    """
    _check_grades(grades)
    _check_choice("fit_rows", fit_rows, FIT_ROWS)
    _check_choice("grade_on", grade_on, GRADE_ON)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise InputError(
            f"parameter alpha must be a number strictly between 0 and 1, got {alpha!r}"
        )
    if "wrsr" not in units.columns:
        raise InputError("grade: the units frame lacks the column 'wrsr' (the graded score)")
    wrsr = units["wrsr"].to_numpy(dtype=float)
    distribution, inverse, line = _probit_line(wrsr, fit_rows)
    if not force and not slope_is_significant(line["slope_p"], alpha):
        raise RegressionNotSignificant(line["slope_p"], alpha)
    probit, fitted, grade_of_unit = _graded(wrsr, distribution, inverse, line, grades, grade_on)
    thresholds = grade_thresholds(grades, line["intercept"], line["slope"])
    labels = np.array(thresholds["grade_label"])
    units = units.assign(
        **{column: distribution[column][inverse]
           for column in ("frequency", "cumulative_frequency", "average_rank", "percentile")},
        probit=probit, rsr_fitted=fitted, grade=grade_of_unit, grade_label=labels[grade_of_unit - 1],
    )
    return Grading(units=units, regression=pd.DataFrame([{"fit_rows": fit_rows, **line}]),
                   thresholds=thresholds)


def grade_values(wrsr: np.ndarray, grades: int = 5, fit_rows: str = "all",
                 grade_on: str = "fitted") -> tuple[np.ndarray, float]:
    """Steps 3–5 on an array of scores, graded whatever the slope's p (as ``force=True``): each
    unit's grade and the slope's p value. :func:`grade` without its frames, for callers that
    regrade hundreds of times (:mod:`medres.robustness`); the parameters are not re-checked."""
    distribution, inverse, line = _probit_line(wrsr, fit_rows)
    return _graded(wrsr, distribution, inverse, line, grades, grade_on)[2], line["slope_p"]


def _probit_line(wrsr: np.ndarray, fit_rows: str
                 ) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, float]]:
    """Steps 3-4: the probit table of the scores, each score's position in it, and the line."""
    distribution, inverse = _probit_distribution(wrsr)
    line = _line_fit(*_fit_points(distribution["probit"][inverse], wrsr, fit_rows), fit_rows)
    return distribution, inverse, line


def _graded(wrsr: np.ndarray, distribution: dict[str, np.ndarray], inverse: np.ndarray,
            line: dict[str, float], grades: int, grade_on: str
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 5: each score's probit, fitted value and grade under the line's cut-offs."""
    probit = distribution["probit"][inverse]
    fitted = line["intercept"] + line["slope"] * probit
    lower = _rsr_lower_bounds(grades, line["intercept"], line["slope"])
    return probit, fitted, assign_grades(fitted if grade_on == "fitted" else wrsr, lower)


def score(
    frame: pd.DataFrame,
    id_column: str,
    positive: Sequence[str],
    negative: Sequence[str] = (),
    weights: Mapping[str, float] | str | None = None,
) -> tuple[pd.DataFrame, pd.Series, str]:
    """Steps 1-2 of the method: each unit's ranks, ``rsr`` and ``wrsr`` (WRSR = RSR with equal
    weights), the normalised weights and the weighting's name (see :func:`evaluate`)."""
    positive, negative = _check_indicator_lists(positive, negative)
    indicators = [*positive, *negative]
    clean = validate_frame(frame, id_column, indicators)
    indicator_weights, weighting = resolve_weights(clean, positive, negative, weights)
    units = rank_indicators(clean, id_column, positive, negative)
    rank_columns = [rank_column(c) for c in indicators]
    units["rsr"] = rank_sum_ratio(units[rank_columns])
    units["wrsr"] = (
        units["rsr"]
        if weighting == "equal"
        else rank_sum_ratio(
            units[rank_columns], {rank_column(c): w for c, w in indicator_weights.items()}
        )
    )
    return units, indicator_weights, weighting


def evaluate(
    frame: pd.DataFrame,
    id_column: str,
    positive: Sequence[str],
    negative: Sequence[str] = (),
    weights: Mapping[str, float] | str | None = None,
    grades: int = 5,
    fit_rows: str = "all",
    grade_on: str = "fitted",
    alpha: float = 0.05,
    force: bool = False,
) -> RSRResult:
    """Run the whole RSR method (see the module docstring) and grade every unit.

    ``weights``: ``None`` (equal, WRSR = RSR), a mapping indicator → non-negative weight (every
    indicator present, sum > 0, normalised to 1) or ``"entropy"`` (:func:`entropy_weights`).
    ``grades``: 3–10. ``fit_rows``: "all" (one regression point per unit, as the study) or
    "distinct". ``grade_on``: "fitted" (grade the fitted RSR, as the study) or "raw".
    Raises :class:`RegressionNotSignificant` when the slope's p value is ``>= alpha`` unless
    ``force=True``, and :class:`InputError` for bad input, naming the column, unit or parameter.
    The grading parameters are checked by :func:`grade`.
    """
    positive, negative = _check_indicator_lists(positive, negative)
    units, indicator_weights, weighting = score(frame, id_column, positive, negative, weights)
    graded = grade(units, grades=grades, fit_rows=fit_rows, grade_on=grade_on, alpha=alpha,
                   force=force)

    return RSRResult(
        units=graded.units,
        regression=graded.regression,
        thresholds=graded.thresholds,
        id_column=id_column,
        positive=tuple(positive),
        negative=tuple(negative),
        weights=indicator_weights,
        weighting=weighting,
        grades=grades,
        fit_rows=fit_rows,
        grade_on=grade_on,
        alpha=float(alpha),
        force=force,
    )


def _check_indicator_lists(
    positive: Sequence[str], negative: Sequence[str]
) -> tuple[list[str], list[str]]:
    # A bare string would silently be split into characters, so reject it by name.
    for name, columns in (("positive", positive), ("negative", negative)):
        if isinstance(columns, str):
            raise InputError(
                f"parameter {name} must be a list of column names, got the string {columns!r}"
            )
    positive, negative = list(positive), list(negative)
    both = sorted(set(positive) & set(negative))
    if both:
        raise InputError(f"indicator(s) {both} listed as both positive and negative")
    if not positive and not negative:
        raise InputError("no indicators given: positive and negative are both empty")
    return positive, negative


def _check_grades(grades: int) -> None:
    is_integer = isinstance(grades, (int, np.integer)) and not isinstance(grades, bool)
    if not is_integer or grades not in OPTIMAL_GRADING_PROBITS:
        raise InputError(f"parameter grades must be an integer from 3 to 10, got {grades!r}")


def _check_choice(parameter: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InputError(f"parameter {parameter} must be one of {list(allowed)}, got {value!r}")


def normalised_weights(weights: Mapping[str, float], columns: list[str]) -> pd.Series:
    """A user's weight of each of ``columns`` (a mapping naming exactly them; finite,
    non-negative, summing to more than 0), divided by their sum: the weights of WRSR."""
    if not isinstance(weights, Mapping):
        raise InputError(
            f"weights must be a mapping column -> weight, got {type(weights).__name__}"
        )
    missing = [c for c in columns if c not in weights]
    unknown = [c for c in weights if c not in columns]
    if missing or unknown:
        raise InputError(
            f"weights must name exactly the indicators {columns}; "
            f"missing {missing}, unknown {unknown}"
        )
    series = pd.Series({c: weights[c] for c in columns}, dtype=object)
    numeric = pd.to_numeric(series, errors="coerce").astype(float)
    bad = numeric.index[~np.isfinite(numeric) | (numeric < 0)].tolist()
    if bad:
        raise InputError(
            f"weights must be finite non-negative numbers; bad weight for {bad}: "
            f"{[weights[c] for c in bad]}"
        )
    total = numeric.sum()
    if total <= 0:
        raise InputError(f"weights must sum to more than 0, got {dict(weights)}")
    return (numeric / total).rename("weight")


def resolve_weights(
    clean: pd.DataFrame,
    positive: list[str],
    negative: list[str],
    weights: Mapping[str, float] | str | None,
) -> tuple[pd.Series, str]:
    """The normalised weight of each indicator and the weighting's name ("equal" for ``None``,
    "custom" for a mapping, "entropy" for ``"entropy"``: :func:`entropy_weights` on ``clean``)."""
    indicators = [*positive, *negative]
    if weights is None:
        equal = pd.Series(1 / len(indicators), index=indicators, name="weight")
        return equal, "equal"
    if isinstance(weights, str):
        if weights != "entropy":
            raise InputError(f"weights must be None, a mapping or 'entropy', got {weights!r}")
        return entropy_weights(clean, positive, negative), "entropy"
    return normalised_weights(weights, indicators), "custom"
