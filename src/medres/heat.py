"""WHO HEAT summary measures of inequality for disaggregated data, and the HEAT Plus upload file.

The definitions follow the *Health Equity Assessment Toolkit (HEAT and HEAT Plus) technical notes*,
version 6.0 (WHO 2024; github.com/WHOequity/HEAT-Plus, ``inst/www/locales/en/Technical_notes.pdf``),
section 3 and Annex 1. Notation: subgroup (here a province or a city) ``j = 1 … n`` with estimate
``y_j`` (e.g. beds per 1,000 people), population ``P_j`` and population share ``p_j = P_j / ΣP``;
the **setting average** ``μ = Σ p_j y_j`` (HEAT-Measures ``get_weighted_mean``). For a per-capita
indicator this is the ratio of sums ``Σ R_j / Σ P_j`` (national beds over national population).
All indicators medres holds are *favourable* (more resource is better), so the **best** subgroup is
the one with the highest estimate (``favourable=False`` flips every direction rule).

Non-ordered dimension (provinces or cities as subnational regions):

* ``D`` and ``R`` (simple, unweighted; notes Tables 1-2): with no reference subgroup,
  ``highest − lowest`` and ``highest / lowest``; with a reference subgroup and
  ``simple_pair="reference"``, favourable: ``y_ref − y_other`` / ``y_ref / y_other`` with the other
  subgroup the one that maximises the difference (the lowest); adverse: ``y_other − y_ref`` with
  the highest other subgroup.
* ``BGV = Σ p_j (y_j − μ)²``, ``BGSD = √BGV``, ``COV = BGSD / μ · 100``.
* ``MDMU = (1/n) Σ |y_j − μ|``, ``MDMW = Σ p_j |y_j − μ|``; ``MDBU``/``MDBW`` the same around
  ``y_best``; ``MDRU``/``MDRW`` around the reference subgroup's ``y_ref`` (only with a reference).
* ``IDISU = MDMU / μ · 100``, ``IDISW = MDMW / μ · 100``.
* ``TI = Σ p_j (y_j/μ) ln(y_j/μ) · 1000`` (Theil T), ``MLD = Σ p_j (−ln(y_j/μ)) · 1000`` (Theil L).
* ``PAR = y_ref − μ`` and ``PAF = PAR / μ · 100`` with ``y_ref`` the reference subgroup when one
  is given, otherwise the best subgroup. PAR is the improvement still possible, so it is set to 0
  when the reference subgroup is *below* the setting average for a favourable indicator (above
  for an adverse one): "PAR is zero if no further improvement can be achieved" (notes 3.7; the
  same bound as WHO's HEAT-Measures ``calc_par``/``calc_paf``). ``clip_impact=False`` keeps the
  signed value.

Ordered dimension (subgroups ranked from most-disadvantaged to most-advantaged; medres ranks the
provinces by per-capita gross regional product, ascending): relative rank
``X_j = Σ_{k≤j} p_k − p_j / 2``;

* ``ACI = Σ p_j (2X_j − 1) y_j``, ``RCI = ACI / μ · 100``;
* ``SII = v1 − v0`` and ``RII = v1 / v0`` with ``v0``, ``v1`` the values a regression of the
  indicator on ``X`` predicts at ranks 0 and 1. HEAT fits a binomial GLM with logit link to
  ``y/scale`` (events out of the subgroup population). medres offers three models
  (``sii_model``):

  - ``"poisson"`` (default): Poisson GLM, log link, counts ``y_j P_j / scale`` with offset
    ``ln P_j``; ``v = scale · exp(b0 + b1 X)``, so ``RII = exp(b1)`` is a rate ratio. A per-1,000
    resource indicator (beds, health workers per 1,000 people) is a *rate* of a count over
    population, not a proportion of people with an attribute: nothing bounds it by the scale
    (per-capita expenditure in yuan with scale 1 is far above 1, where logit is undefined). The
    log link is the standard model for such a rate, keeps predictions positive and, with the
    canonical link and an intercept, the fitted total equals the observed total. For small rates
    (beds: y/scale ≈ 0.006) logit ≈ log, so for beds and workforce it gives nearly HEAT's value.
  - ``"logit"``: HEAT's binomial GLM, logit link, proportions ``y/scale`` with the population as
    binomial trials (undefined when ``y/scale ≥ 1``: NaN). (WHO's HEAT-Measures ``calc_sii``
    additionally passes ``weights = pop`` to R's ``glm``; medres uses the plain binomial
    likelihood.)
  - ``"linear"``: population-weighted least squares of ``y`` on ``X``: ``SII`` = slope,
    ``RII = (b0 + b1) / b0``.

  Point estimates of all three do not depend on the unit of population (rescaling counts and
  trials together leaves the coefficients unchanged).

No standard errors are computed: the estimates are administrative totals, not survey estimates.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from medres.validation import InputError

#: Non-ordered (region) measures, in the order of the technical notes.
NON_ORDERED_MEASURES = (
    "D", "R", "BGV", "BGSD", "COV", "MDMU", "MDMW", "MDBU", "MDBW", "MDRU", "MDRW",
    "IDISU", "IDISW", "TI", "MLD", "PAR", "PAF",
)
#: Ordered measures (dimension ranked by an ordering variable).
ORDERED_MEASURES = ("ACI", "RCI", "SII", "RII")
SII_MODELS = ("poisson", "logit", "linear")
SIMPLE_PAIRS = ("range", "reference")

#: Kind of each measure: absolute (unit of the indicator), relative (no unit) or squared unit.
MEASURE_KIND = {
    "D": "absolute", "R": "relative", "BGV": "absolute_squared", "BGSD": "absolute",
    "COV": "relative", "MDMU": "absolute", "MDMW": "absolute", "MDBU": "absolute",
    "MDBW": "absolute", "MDRU": "absolute", "MDRW": "absolute", "IDISU": "relative",
    "IDISW": "relative", "TI": "relative", "MLD": "relative", "PAR": "absolute",
    "PAF": "relative", "ACI": "absolute", "RCI": "relative", "SII": "absolute", "RII": "relative",
}
MEASURE_WEIGHTED = {
    "D": False, "R": False, "BGV": True, "BGSD": True, "COV": True, "MDMU": False,
    "MDMW": True, "MDBU": False, "MDBW": True, "MDRU": False, "MDRW": True, "IDISU": False,
    "IDISW": True, "TI": True, "MLD": True, "PAR": True, "PAF": True, "ACI": True, "RCI": True,
    "SII": True, "RII": True,
}


@dataclass(frozen=True)
class HeatInput:
    """One indicator in one setting and year: subgroup ids, estimates and populations."""

    ids: np.ndarray
    estimate: np.ndarray
    population: np.ndarray


def _inputs(ids: Sequence, estimate: Sequence[float], population: Sequence[float]) -> HeatInput:
    ids = np.asarray(list(ids), dtype=object)
    y = np.asarray(estimate, dtype=float)
    w = np.asarray(population, dtype=float)
    if not (len(ids) == len(y) == len(w)):
        raise InputError(f"ids, estimate and population differ in length: {len(ids)}, {len(y)}, {len(w)}")
    if len(ids) < 3:
        raise InputError(f"summary measures need at least 3 subgroups, got {len(ids)}")
    if len(set(ids.tolist())) != len(ids):
        raise InputError("subgroup ids are not unique")
    if not np.isfinite(y).all() or (y <= 0).any():
        bad = ids[~(np.isfinite(y) & (y > 0))][0]
        raise InputError(f"subgroup {bad!r}: estimate must be a positive finite number")
    if not np.isfinite(w).all() or (w <= 0).any():
        bad = ids[~(np.isfinite(w) & (w > 0))][0]
        raise InputError(f"subgroup {bad!r}: population must be a positive finite number")
    return HeatInput(ids, y, w)


def setting_average(estimate: Sequence[float], population: Sequence[float]) -> float:
    """``μ = Σ p_j y_j``: the population-weighted mean (the ratio of sums for a per-capita rate)."""
    y = np.asarray(estimate, dtype=float)
    w = np.asarray(population, dtype=float)
    return float((w * y).sum() / w.sum())


def relative_rank(population_in_order: Sequence[float]) -> np.ndarray:
    """``X_j = Σ_{k≤j} p_k − p_j/2`` for subgroups given from most-disadvantaged to most-advantaged."""
    w = np.asarray(population_in_order, dtype=float)
    p = w / w.sum()
    return np.cumsum(p) - p / 2


def non_ordered_measures(
    ids: Sequence,
    estimate: Sequence[float],
    population: Sequence[float],
    *,
    favourable: bool = True,
    reference: object | None = None,
    simple_pair: str = "range",
    clip_impact: bool = True,
) -> dict[str, float]:
    """The 17 non-ordered HEAT measures (module docstring). ``reference`` is a subgroup id or None;
    without it MDRU and MDRW are NaN and PAR/PAF use the best subgroup."""
    if simple_pair not in SIMPLE_PAIRS:
        raise InputError(f"simple_pair must be one of {SIMPLE_PAIRS}, got {simple_pair!r}")
    data = _inputs(ids, estimate, population)
    y, w = data.estimate, data.population
    p = w / w.sum()
    n = len(y)
    mu = float((p * y).sum())
    y_best = float(y.max() if favourable else y.min())
    y_ref = None
    if reference is not None:
        hits = np.flatnonzero(data.ids == reference)
        if len(hits) == 0:
            raise InputError(f"reference subgroup {reference!r} is not among the subgroups")
        y_ref = float(y[hits[0]])

    if y_ref is not None and simple_pair == "reference":
        others = np.delete(y, hits[0])
        if favourable:
            d, r = y_ref - others.min(), y_ref / others.min()
        else:
            d, r = others.max() - y_ref, others.max() / y_ref
    else:
        d, r = float(y.max() - y.min()), float(y.max() / y.min())

    bgv = float((p * (y - mu) ** 2).sum())
    mdmu = float(np.abs(y - mu).sum() / n)
    mdmw = float((p * np.abs(y - mu)).sum())
    ratio = y / mu
    impact_ref = y_ref if y_ref is not None else y_best
    par = impact_ref - mu
    if clip_impact and ((favourable and par < 0) or (not favourable and par > 0)):
        par = 0.0
    return {
        "D": float(d),
        "R": float(r),
        "BGV": bgv,
        "BGSD": math.sqrt(bgv),
        "COV": math.sqrt(bgv) / mu * 100,
        "MDMU": mdmu,
        "MDMW": mdmw,
        "MDBU": float(np.abs(y - y_best).sum() / n),
        "MDBW": float((p * np.abs(y - y_best)).sum()),
        "MDRU": float(np.abs(y - y_ref).sum() / n) if y_ref is not None else math.nan,
        "MDRW": float((p * np.abs(y - y_ref)).sum()) if y_ref is not None else math.nan,
        "IDISU": mdmu / mu * 100,
        "IDISW": mdmw / mu * 100,
        "TI": float((p * ratio * np.log(ratio)).sum() * 1000),
        "MLD": float((p * -np.log(ratio)).sum() * 1000),
        "PAR": float(par),
        "PAF": float(par / mu * 100),
    }


def ordered_measures(
    ids: Sequence,
    estimate: Sequence[float],
    population: Sequence[float],
    order_value: Sequence[float],
    *,
    scale: float,
    sii_model: str = "poisson",
) -> dict[str, float]:
    """ACI, RCI, SII, RII with subgroups ranked by ``order_value`` ascending (lowest = most
    disadvantaged; ties keep the input order). ``scale``: the indicator scale (1000 for per 1,000)."""
    if sii_model not in SII_MODELS:
        raise InputError(f"sii_model must be one of {SII_MODELS}, got {sii_model!r}")
    if not scale > 0:
        raise InputError(f"scale must be positive, got {scale}")
    data = _inputs(ids, estimate, population)
    order = np.asarray(order_value, dtype=float)
    if len(order) != len(data.ids) or not np.isfinite(order).all():
        raise InputError("order_value must be a finite number for every subgroup")
    sort = np.argsort(order, kind="stable")
    y, w = data.estimate[sort], data.population[sort]
    p = w / w.sum()
    mu = float((p * y).sum())
    x = relative_rank(w)
    aci = float((p * (2 * x - 1) * y).sum())
    v0, v1 = _sii_fit(y, w, x, scale, sii_model)
    return {"ACI": aci, "RCI": aci / mu * 100, "SII": v1 - v0, "RII": v1 / v0 if v0 else math.nan}


def _sii_fit(y: np.ndarray, w: np.ndarray, x: np.ndarray, scale: float, model: str) -> tuple[float, float]:
    """Predicted values at ranks 0 and 1."""
    # Deferred (only the ordered measures need it), and statsmodels' modules rather than
    # statsmodels.api, which imports every model family (about half a second more per build).
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.regression.linear_model import WLS
    from statsmodels.tools.tools import add_constant

    design = add_constant(x)
    if model == "linear":
        fit = WLS(y, design, weights=w / w.sum()).fit()
        b0, b1 = fit.params
        return float(b0), float(b0 + b1)
    if model == "poisson":
        counts = y * w / scale
        fit = GLM(counts, design, family=families.Poisson(), offset=np.log(w)).fit()
        b0, b1 = fit.params
        return float(scale * math.exp(b0)), float(scale * math.exp(b0 + b1))
    share = y / scale
    if (share >= 1).any():
        return math.nan, math.nan
    fit = GLM(share, design, family=families.Binomial(), var_weights=w).fit()
    b0, b1 = fit.params
    expit = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    return float(scale * expit(b0)), float(scale * expit(b0 + b1))


# --- the panel: every year, level and indicator -----------------------------------------------


def heat_panel(
    disaggregated: pd.DataFrame,
    *,
    references: dict[str, object | None] | None = None,
    simple_pair: str = "range",
    sii_model: str = "poisson",
    clip_impact: bool = True,
) -> pd.DataFrame:
    """Summary measures for every (year, level, indicator) group of ``disaggregated`` (one row per
    subgroup: ``year, level, indicator, unit_code, estimate, population, favourable, scale`` and
    ``order_value``, null where the level has no ordering). ``references`` maps a level to its
    reference subgroup id (None: no reference). Rows: ``year, level, indicator, measure,
    measure_kind, is_weighted, is_ordered, value, setting_average, n_subgroups,
    reference_subgroup, best_subgroup``; ordered measures only where every subgroup has an order value."""
    references = references or {}
    required = ["year", "level", "indicator", "unit_code", "estimate", "population", "favourable",
                "scale", "order_value"]
    missing = [c for c in required if c not in disaggregated.columns]
    if missing:
        raise InputError(f"disaggregated frame lacks column(s) {missing}")
    rows = []
    for (year, level, indicator), group in disaggregated.groupby(["year", "level", "indicator"], sort=True):
        group = group.dropna(subset=["estimate", "population"])
        group = group[(group["estimate"] > 0) & (group["population"] > 0)]
        if len(group) < 3:
            continue
        # A SQL relation has no row order and the float sums depend on it: subgroups in id order,
        # so two builds of the same input give the same measures.
        group = group.sort_values("unit_code", kind="stable")
        favourable = bool(group["favourable"].iloc[0])
        scale = float(group["scale"].iloc[0])
        ref = references.get(level)
        if ref is not None and ref not in set(group["unit_code"]):
            ref = None
        ids, y, w = group["unit_code"].tolist(), group["estimate"].to_numpy(float), group["population"].to_numpy(float)
        values = non_ordered_measures(ids, y, w, favourable=favourable, reference=ref,
                                      simple_pair=simple_pair, clip_impact=clip_impact)
        if group["order_value"].notna().all():
            values |= ordered_measures(ids, y, w, group["order_value"].to_numpy(float), scale=scale,
                                       sii_model=sii_model)
        best = ids[int(np.argmax(y) if favourable else np.argmin(y))]
        mu = setting_average(y, w)
        for measure, value in values.items():
            rows.append({
                "year": int(year), "level": level, "indicator": indicator, "measure": measure,
                "measure_kind": MEASURE_KIND[measure], "is_weighted": MEASURE_WEIGHTED[measure],
                "is_ordered": measure in ORDERED_MEASURES, "value": value,
                "setting_average": mu, "n_subgroups": len(group), "reference_subgroup": ref,
                "best_subgroup": best,
                "sii_model": sii_model if measure in ("SII", "RII") else None,
            })
    return pd.DataFrame(rows, columns=[
        "year", "level", "indicator", "measure", "measure_kind", "is_weighted", "is_ordered",
        "value", "setting_average", "n_subgroups", "reference_subgroup", "best_subgroup", "sii_model",
    ])


# --- HEAT Plus upload file ---------------------------------------------------------------------

#: The columns of the HEAT Plus template (heat_plus_template.xlsm, sheet 'template', row 1).
HEAT_PLUS_COLUMNS = (
    "setting", "date", "source", "indicator_abbr", "indicator_name", "dimension", "subgroup",
    "estimate", "se", "ci_lb", "ci_ub", "population", "note", "setting_average", "iso3",
    "favourable_indicator", "indicator_scale", "ordered_dimension", "subgroup_order",
    "reference_subgroup",
)
#: Mandatory columns (sheet 'template legend'): a missing value stops the upload.
HEAT_PLUS_MANDATORY = (
    "setting", "date", "source", "indicator_abbr", "indicator_name", "dimension", "subgroup",
    "favourable_indicator", "indicator_scale", "ordered_dimension", "subgroup_order",
    "reference_subgroup",
)
_TEXT = ("setting", "source", "indicator_abbr", "indicator_name", "dimension", "subgroup")
_NON_NEGATIVE = ("estimate", "se", "ci_lb", "ci_ub", "population", "setting_average")


def heat_plus_rows(
    disaggregated: pd.DataFrame,
    *,
    setting: str,
    iso3: str | None,
    sources: dict[str, str],
    indicator_names: dict[str, str],
    dimension: str,
    ordered_dimension: str | None,
    references: dict[str, object | None],
    unit_names: dict[str, str],
) -> pd.DataFrame:
    """The HEAT Plus upload rows of ``disaggregated`` (see :func:`heat_panel`; plus ``unit_name``).

    Each level becomes its own setting-wide dimension: ``dimension`` (non-ordered, the level's
    reference subgroup flagged) and, where an ordering exists, ``ordered_dimension`` whose
    subgroups are the ranks (``"Rank 01 (lowest)"`` …): HEAT Plus requires one ``subgroup_order``
    per subgroup name across the whole file, and a province's rank changes from year to year.
    The province holding the rank is named in ``note``. Estimates are population-weighted
    setting averages per (year, indicator, level); ``population`` is persons."""
    out = []
    for (year, level, indicator), group in disaggregated.groupby(["year", "level", "indicator"], sort=True):
        group = group.dropna(subset=["estimate", "population"])
        group = group[(group["estimate"] > 0) & (group["population"] > 0)].copy()
        if group.empty:
            continue
        mu = setting_average(group["estimate"], group["population"])
        common = {
            "setting": setting, "date": int(year), "source": sources[level],
            "indicator_abbr": f"{indicator}_{level}" if level != "province" else indicator,
            "indicator_name": (group["indicator_name"].iloc[0] if "indicator_name" in group
                               else indicator_names[indicator] + ("" if level == "province" else f" ({level})")),
            "se": None, "ci_lb": None, "ci_ub": None, "setting_average": mu, "iso3": iso3,
            "favourable_indicator": int(bool(group["favourable"].iloc[0])),
            "indicator_scale": float(group["scale"].iloc[0]),
        }
        ref = references.get(level)
        dim = dimension if level == "province" else f"{dimension} ({level})"
        for row in group.itertuples():
            out.append(common | {
                "dimension": dim, "subgroup": unit_names.get(row.unit_code, str(row.unit_code)),
                "estimate": row.estimate, "population": round(float(row.population)), "note": None,
                "ordered_dimension": 0, "subgroup_order": 0,
                "reference_subgroup": int(ref is not None and row.unit_code == ref),
            })
        if ordered_dimension and group["order_value"].notna().all():
            ranked = group.sort_values("order_value", kind="stable").reset_index(drop=True)
            n = len(ranked)
            for rank, row in enumerate(ranked.itertuples(), start=1):
                label = f"Rank {rank:02d}" + (" (lowest)" if rank == 1 else " (highest)" if rank == n else "")
                out.append(common | {
                    "dimension": ordered_dimension, "subgroup": label,
                    "estimate": row.estimate, "population": round(float(row.population)),
                    "note": unit_names.get(row.unit_code, str(row.unit_code)),
                    "ordered_dimension": 1, "subgroup_order": rank, "reference_subgroup": 0,
                })
    return pd.DataFrame(out, columns=list(HEAT_PLUS_COLUMNS))


def heat_plus_problems(frame: pd.DataFrame, iso3_codes: Iterable[str] = ("CHN",)) -> list[str]:
    """The HEAT Plus template's validation rules (sheets 'template legend', 'validation' and
    'checks' of heat_plus_template.xlsm, HEAT Plus 6.0) checked on an upload frame; [] = valid."""
    problems: list[str] = []
    columns = list(frame.columns)
    if columns != list(HEAT_PLUS_COLUMNS):
        return [f"columns must be exactly {list(HEAT_PLUS_COLUMNS)}, got {columns}"]
    for column in HEAT_PLUS_MANDATORY:
        if frame[column].isna().any():
            problems.append(f"{column}: missing values (mandatory)")
    for column in _TEXT:
        if not frame[column].dropna().map(lambda v: isinstance(v, str) and v != "").all():
            problems.append(f"{column}: must contain characters")
    dates = frame["date"].dropna()
    if not dates.map(lambda v: isinstance(v, (int, np.integer)) and 1000 <= v <= 9999).all():
        problems.append("date: must be a four-digit year number")
    for column in _NON_NEGATIVE:
        values = pd.to_numeric(frame[column], errors="coerce")
        if (frame[column].notna() & (values.isna() | (values < 0))).any():
            problems.append(f"{column}: must be a number greater than or equal to zero")
    iso = frame["iso3"].dropna()
    if not iso.map(lambda v: isinstance(v, str) and len(v) == 3 and v in set(iso3_codes)).all():
        problems.append("iso3: must be a valid three-character ISO3 code")
    for column in ("favourable_indicator", "ordered_dimension", "reference_subgroup"):
        if not frame[column].isin([0, 1]).all():
            problems.append(f"{column}: must be 1 or 0")
    if not (pd.to_numeric(frame["indicator_scale"], errors="coerce") > 0).all():
        problems.append("indicator_scale: must be greater than zero")
    order = pd.to_numeric(frame["subgroup_order"], errors="coerce")
    if not ((order >= 0) & (order == order.round())).all():
        problems.append("subgroup_order: must be an integer greater than or equal to zero")
    if ((frame["ordered_dimension"] == 0) & (order != 0)).any():
        problems.append("subgroup_order: must be 0 when ordered_dimension = 0")
    if ((frame["ordered_dimension"] == 1) & (frame["reference_subgroup"] != 0)).any():
        problems.append("reference_subgroup: must be 0 when ordered_dimension = 1")
    consistent = {
        ("indicator_abbr", "indicator_name"): "indicator abbreviation and name must match one to one",
        ("setting", "iso3"): "iso3 must be consistent for the same setting",
        ("dimension", "ordered_dimension"): "ordered_dimension must be consistent for the same dimension",
        ("indicator_abbr", "favourable_indicator"): "favourable_indicator must be consistent for the same indicator",
        ("indicator_abbr", "indicator_scale"): "indicator_scale must be consistent for the same indicator",
        ("subgroup", "subgroup_order"): "subgroup_order must be consistent for the same subgroup",
    }
    for (key, value), message in consistent.items():
        pairs = frame[[key, value]].drop_duplicates()
        if pairs[key].duplicated().any() or (key == "indicator_abbr" and value == "indicator_name"
                                            and pairs[value].duplicated().any()):
            problems.append(message)
    averages = frame.groupby(["setting", "date", "source", "indicator_abbr"])["setting_average"].nunique()
    if (averages > 1).any():
        problems.append("setting_average must be consistent for the same setting, year, source and indicator")
    keys = ["setting", "date", "source", "indicator_abbr", "dimension"]
    if frame.duplicated([*keys, "subgroup"]).any():
        problems.append("subgroup must be unique within setting, year and dimension")
    for _, group in frame[frame["ordered_dimension"] == 1].groupby(keys):
        orders = sorted(group["subgroup_order"].astype(int))
        if orders != list(range(1, len(orders) + 1)):
            problems.append("subgroup_order must be an increasing sequence of integers starting with 1")
            break
    refs = frame[frame["ordered_dimension"] == 0].groupby(keys)["reference_subgroup"].sum()
    if (refs > 1).any():
        problems.append("there must be only one reference subgroup when ordered_dimension = 0")
    return problems


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula (starts with =, +, -, @, tab or CR)
    gets a leading apostrophe (OWASP CSV injection); numbers are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def heat_plus_csv(frame: pd.DataFrame) -> str:
    """The upload frame as CSV text (UTF-8, header = template columns, empty = missing), with
    formula-like text cells escaped by :func:`escape_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEAT_PLUS_COLUMNS)
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if value is None or (isinstance(value, float) and math.isnan(value)):
                cells.append("")
            elif isinstance(value, float):
                cells.append(repr(value) if not value.is_integer() else str(int(value)))
            else:
                cells.append(escape_cell(value))
        writer.writerow(cells)
    return buffer.getvalue()
