"""Plan targets: each province's gap to a national target and when it reaches the target at its
recent pace.

Trend model (:func:`project_attainment`): ordinary least squares of the indicator on the year over
the province's last ``trend_years`` observed years, ``y_t = a + b t`` (``statsmodels.OLS``). The
interval is the ``interval`` (default 95 %) confidence band of the fitted trend line
(``get_prediction().conf_int``, t distribution with n − 2 degrees of freedom), i.e. the
uncertainty of the pace, not of a single year's value. Status:

* ``reached`` — the latest observed value is at or above the target (``first_year_at_target`` is
  the first observed year at or above it);
* ``projected`` — the trend rises and reaches the target by ``horizon``: ``projected_year`` is the
  first whole year whose fitted value is at or above the target; ``projected_year_early`` /
  ``projected_year_late`` the first years the upper / lower band does (``late`` is null when the
  lower band does not reach it by the horizon, e.g. when the slope's interval includes 0);
* ``not_on_track`` — the fitted slope is ≤ 0;
* ``beyond_horizon`` — rising, but not at the target by ``horizon``;
* ``too_few_years`` — below the target with fewer than 3 observed years (e.g. the census
  population basis, 2020 only): no trend is fitted (:func:`projection_panel`).

A straight line is the simplest documented pace; it ignores saturation and policy changes, so the
years are a reading of the recent pace, not a forecast.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from medres.validation import InputError

STATUSES = ("reached", "projected", "not_on_track", "beyond_horizon", "too_few_years")
#: Fewest observed years a trend is fitted to.
MIN_TREND_YEARS = 3


def project_attainment(
    years: np.ndarray | list[int],
    values: np.ndarray | list[float],
    target: float,
    *,
    trend_years: int = 5,
    interval: float = 0.95,
    horizon: int = 2050,
) -> dict[str, object]:
    """Trend and attainment of one series (module docstring)."""
    # statsmodels' modules, not statsmodels.api: that imports every model family, about half a
    # second more in each dbt build.
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    series = pd.Series(np.asarray(values, dtype=float), index=np.asarray(years, dtype=int)).sort_index().dropna()
    if len(series) < MIN_TREND_YEARS:
        raise InputError(f"the trend needs at least 3 years, got {len(series)}")
    window = series.iloc[-trend_years:]
    x = window.index.to_numpy(dtype=float)
    fit = OLS(window.to_numpy(), add_constant(x)).fit()
    _, b = (float(v) for v in fit.params)
    slope_low, slope_high = (float(v) for v in fit.conf_int(alpha=1 - interval)[1])
    latest_year, latest_value = int(series.index[-1]), float(series.iloc[-1])
    out: dict[str, object] = {
        "latest_year": latest_year, "latest_value": latest_value, "target_value": float(target),
        "gap": latest_value - float(target), "trend_first_year": int(window.index[0]),
        "slope_per_year": b, "slope_low": slope_low, "slope_high": slope_high,
        "first_year_at_target": None, "projected_year": None, "projected_year_early": None,
        "projected_year_late": None,
    }
    if latest_value >= target:
        out["status"] = "reached"
        out["first_year_at_target"] = int(series.index[np.argmax(series.to_numpy() >= target)])
        return out
    if b <= 0:
        out["status"] = "not_on_track"
        return out
    grid = np.arange(latest_year + 1, horizon + 1, dtype=float)
    band = fit.get_prediction(add_constant(grid, has_constant="add")).summary_frame(alpha=1 - interval)
    fitted = band["mean"].to_numpy()
    low, high = band["mean_ci_lower"].to_numpy(), band["mean_ci_upper"].to_numpy()

    def first(mask: np.ndarray) -> int | None:
        return int(grid[np.argmax(mask)]) if mask.any() else None

    reach = target - 1e-9 * max(1.0, abs(target))  # a fitted value equal to the target up to rounding
    out["projected_year"] = first(fitted >= reach)
    out["projected_year_early"] = first(high >= reach)
    out["projected_year_late"] = first(low >= reach)
    out["status"] = "projected" if out["projected_year"] is not None else "beyond_horizon"
    return out


def projection_panel(per_capita: pd.DataFrame, targets: pd.DataFrame, settings: Mapping) -> pd.DataFrame:
    """One row per province and evaluable target (``medres_column`` set): :func:`project_attainment`
    on the province's series of that column."""
    rows = []
    for target in targets.dropna(subset=["medres_column"]).itertuples():
        column = target.medres_column
        if column not in per_capita.columns:
            raise InputError(f"target {target.target_id}: column {column!r} is not in the per-capita frame")
        for region, group in per_capita.dropna(subset=[column]).groupby("region_code", sort=True):
            group = group.sort_values("year", kind="stable")  # the fit's sums in one order
            if group["year"].nunique() < MIN_TREND_YEARS:
                # e.g. the census population basis: one year, no trend to read
                latest = group.iloc[-1]
                rows.append({"region_code": str(region), "target_id": target.target_id,
                             "latest_year": int(latest["year"]), "latest_value": float(latest[column]),
                             "target_value": float(target.target_value),
                             "gap": float(latest[column]) - float(target.target_value),
                             "status": "reached" if latest[column] >= target.target_value else "too_few_years"})
                continue
            result = project_attainment(
                group["year"].to_numpy(), group[column].to_numpy(), float(target.target_value),
                trend_years=int(settings["trend_years"]), interval=float(settings["interval"]),
                horizon=int(settings["horizon"]),
            )
            rows.append({"region_code": str(region), "target_id": target.target_id, **result})
    columns = ["region_code", "target_id", "latest_year", "latest_value", "target_value", "gap",
               "trend_first_year", "slope_per_year", "slope_low", "slope_high", "status",
               "first_year_at_target", "projected_year", "projected_year_early", "projected_year_late"]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("first_year_at_target", "projected_year", "projected_year_early", "projected_year_late"):
        frame[column] = frame[column].astype("Int64")
    return frame
