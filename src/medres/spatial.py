"""Spatial autocorrelation of a provincial indicator: queen contiguity weights, global Moran's I and
local Moran (LISA) clusters, with PySAL (libpysal weights, esda statistics).

* **Weights** (:func:`province_neighbours`, :func:`weights_from_neighbours`). Two provinces are
  neighbours when their boundaries share at least one point (queen contiguity,
  ``libpysal.weights.Queen``) in ``assets/geo/china_provinces.geojson``. The simplified boundaries
  share their vertices exactly (the file's topology-aware simplification keeps all 68 province
  adjacencies), so no snapping tolerance is needed. A province with no land neighbour (Hainan)
  would be an island with a zero row, which Moran's I cannot use; ``island_links`` adds the
  documented links (both directions), by default Hainan–Guangdong across the Qiongzhou Strait,
  Hainan's nearest province and its administrative predecessor (part of Guangdong until 1988).
  Weights are row-standardised (``transform="r"``: each row sums to 1).
* **Global Moran's I** (:func:`global_moran`, ``esda.Moran``):
  ``I = (n / S0) Σ_i Σ_j w_ij z_i z_j / Σ_i z_i²`` with ``z = y − ȳ`` and ``S0 = Σ w_ij`` (= n for
  row-standardised weights); ``E[I] = −1/(n−1)``; inference under normality and by ``permutations``
  random permutations (pseudo p-value ``(M + 1)/(permutations + 1)``, one-sided in the direction
  of the observed I, ``M`` = permuted values at least as extreme). The permutation draws come from
  NumPy's global generator seeded with ``seed`` before each statistic, so a build is reproducible;
  one dbt model (int_spatial_results) computes the whole lens, and no other model draws from that
  generator (a test checks it), so no other thread reseeds it mid-statistic.
* **Local Moran** (:func:`local_moran`, ``esda.Moran_Local``, Anselin 1995):
  ``I_i = (n−1) z_i Σ_j w_ij z_j / Σ_k z_k²`` with conditional-permutation pseudo p-values (``seed``
  passed to esda 2.9; the folded one-sided "directed" pseudo p-value of GeoDa, which esda
  announces will change to two-sided in its next major release). Quadrant of the Moran
  scatterplot: High-High (``z_i > 0`` and spatial lag > 0),
  Low-High, Low-Low, High-Low. A province is in a cluster when its p-value is at or below the
  threshold: ``alpha`` or, with ``fdr=True``, the Benjamini–Hochberg false-discovery-rate bound
  ``esda.fdr(p, alpha)`` over the n provinces of the map (Caldas de Castro & Singer 2006);
  otherwise "Not significant".

References: Moran PAP (1950) Biometrika 37:17–23. Anselin L (1995) Local indicators of spatial
association—LISA. Geographical Analysis 27:93–115. Caldas de Castro M, Singer BH (2006)
Controlling the false discovery rate: a new application to account for multiple and dependent
tests in local statistics of spatial association. Geographical Analysis 38:180–208. Rey SJ,
Anselin L (2007) PySAL: a Python library of spatial analytical methods. Review of Regional
Studies 37:5–27.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from medres.validation import InputError

#: The province boundaries shipped with medres (assets/geo/SOURCE.md).
PROVINCE_GEOJSON = Path(__file__).resolve().parents[2] / "assets" / "geo" / "china_provinces.geojson"
#: Default island rule: Hainan to Guangdong.
DEFAULT_ISLAND_LINKS = ({"from": "460000", "to": "440000"},)
CLUSTER_LABELS = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
NOT_SIGNIFICANT = "Not significant"


def province_neighbours(
    geojson: Path | str = PROVINCE_GEOJSON,
    island_links: Iterable[Mapping[str, str]] = DEFAULT_ISLAND_LINKS,
    id_property: str = "province_code",
) -> pd.DataFrame:
    """Neighbour pairs (both directions): ``region_code, neighbour_code, link`` with link
    ``'queen'`` or ``'island_rule'``, sorted."""
    from libpysal.weights import Queen
    from shapely.geometry import shape

    features = json.loads(Path(geojson).read_text(encoding="utf-8"))["features"]
    ids = [str(f["properties"][id_property]) for f in features]
    shapes = [shape(f["geometry"]) for f in features]
    queen = Queen.from_iterable(shapes, ids=ids, silence_warnings=True)
    pairs = {(i, j): "queen" for i in ids for j in queen.neighbors[i]}
    known = set(ids)
    for link in island_links:
        a, b = str(link["from"]), str(link["to"])
        if a not in known or b not in known:
            raise InputError(f"island link {a}–{b}: unknown province code (have {sorted(known)})")
        for pair in ((a, b), (b, a)):
            pairs.setdefault(pair, "island_rule")
    frame = pd.DataFrame(
        [(i, j, kind) for (i, j), kind in pairs.items()],
        columns=["region_code", "neighbour_code", "link"],
    )
    return frame.sort_values(["region_code", "neighbour_code"], ignore_index=True)


def weights_from_neighbours(neighbours: pd.DataFrame, ids: Sequence[str], transform: str = "r"):
    """A libpysal ``W`` over ``ids`` (in that order) from neighbour pairs; binary weights then
    ``transform`` ('r' = row-standardised, 'b' = binary). Pairs outside ``ids`` are dropped; a unit
    left without neighbours raises InputError (Moran's I needs every row)."""
    from libpysal.weights import W

    ids = [str(i) for i in ids]
    lists: dict[str, list[str]] = {i: [] for i in ids}
    for i, j in zip(neighbours["region_code"].astype(str), neighbours["neighbour_code"].astype(str)):
        if i in lists and j in lists:
            lists[i].append(j)
    lists = {i: sorted(js) for i, js in lists.items()}
    islands = [i for i, js in lists.items() if not js]
    if islands:
        raise InputError(f"unit(s) {islands} have no neighbour; add an island link")
    w = W(lists, id_order=ids, silence_warnings=True)
    w.transform = transform
    return w


def global_moran(values: Sequence[float], w, permutations: int = 999, seed: int = 0) -> dict[str, float]:
    """esda.Moran of ``values`` (in ``w.id_order``); see the module docstring."""
    from esda.moran import Moran

    y = np.asarray(values, dtype=float)
    # esda draws its permutations from NumPy's global generator, seeded here before each
    # statistic; the dbt model int_spatial_results is the only one that draws from it.
    np.random.seed(seed)
    mi = Moran(y, w, transformation=w.transform, permutations=permutations)
    return {
        "moran_i": float(mi.I), "expected_i": float(mi.EI), "z_normal": float(mi.z_norm),
        "p_normal": float(mi.p_norm), "z_permutation": float(mi.z_sim),
        "p_permutation": float(mi.p_sim),
    }


def local_moran(
    values: Sequence[float],
    w,
    permutations: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    fdr: bool = True,
) -> pd.DataFrame:
    """esda.Moran_Local per unit: ``local_i, quadrant, p_permutation, p_threshold, is_significant,
    cluster`` in ``w.id_order`` (column ``region_code``)."""
    from esda import fdr as fdr_threshold
    from esda.moran import Moran_Local

    y = np.asarray(values, dtype=float)
    with warnings.catch_warnings():  # esda 2.9 announces a change of the default alternative
        warnings.simplefilter("ignore", DeprecationWarning)
        np.random.seed(seed)
        lisa = Moran_Local(y, w, transformation=w.transform, permutations=permutations, seed=seed, n_jobs=1)
    p = np.asarray(lisa.p_sim, dtype=float)
    threshold = float(fdr_threshold(p, alpha)) if fdr else float(alpha)
    significant = p <= threshold
    quadrant = np.asarray(lisa.q, dtype=int)
    return pd.DataFrame({
        "region_code": list(w.id_order),
        "local_i": np.asarray(lisa.Is, dtype=float),
        "quadrant": quadrant,
        "p_permutation": p,
        "p_threshold": threshold,
        "is_significant": significant,
        "cluster": [CLUSTER_LABELS[q] if s else NOT_SIGNIFICANT for q, s in zip(quadrant, significant)],
    })


def _long(per_capita: pd.DataFrame, indicators: Sequence[str]) -> pd.DataFrame:
    missing = [c for c in ["year", "region_code", *indicators] if c not in per_capita.columns]
    if missing:
        raise InputError(f"per-capita frame lacks column(s) {missing}")
    long = per_capita.melt(["year", "region_code"], list(indicators), "indicator", "value")
    return long.dropna(subset=["value"]).astype({"region_code": str})


def _maps(per_capita: pd.DataFrame, neighbours: pd.DataFrame, settings: Mapping):
    """Each (year, indicator) map with 4+ provinces: year, indicator, its rows sorted by province
    and their weights (one ``W`` per distinct set of provinces, built once)."""
    weights: dict[tuple[str, ...], object] = {}
    for (year, indicator), group in _long(per_capita, settings["indicators"]).groupby(["year", "indicator"]):
        group = group.sort_values("region_code")
        if len(group) < 4:
            continue
        ids = tuple(group["region_code"])
        if ids not in weights:
            weights[ids] = weights_from_neighbours(neighbours, list(ids))
        yield int(year), indicator, group, weights[ids]


def moran_panel(per_capita: pd.DataFrame, neighbours: pd.DataFrame, settings: Mapping) -> pd.DataFrame:
    """Global Moran's I per year and indicator (every province with a value in the year)."""
    rows = []
    for year, indicator, group, w in _maps(per_capita, neighbours, settings):
        stats = global_moran(group["value"].to_numpy(), w, settings["permutations"], settings["seed"])
        rows.append({"year": year, "indicator": indicator, "n_units": len(group), **stats,
                     "permutations": int(settings["permutations"]), "seed": int(settings["seed"])})
    return pd.DataFrame(rows)


def spatial_panel(per_capita: pd.DataFrame, neighbours: pd.DataFrame,
                  settings: Mapping) -> dict[str, pd.DataFrame]:
    """The spatial lens once: ``moran`` (:func:`moran_panel`) and ``lisa`` (:func:`lisa_panel`),
    the outputs of the one dbt Python model that draws esda's permutations."""
    return {"moran": moran_panel(per_capita, neighbours, settings),
            "lisa": lisa_panel(per_capita, neighbours, settings)}


def lisa_panel(per_capita: pd.DataFrame, neighbours: pd.DataFrame, settings: Mapping) -> pd.DataFrame:
    """Local Moran per year, indicator and province."""
    frames = []
    for year, indicator, group, w in _maps(per_capita, neighbours, settings):
        local = local_moran(group["value"].to_numpy(), w, settings["permutations"], settings["seed"],
                            settings["alpha"], settings["fdr"])
        local.insert(0, "year", year)
        local.insert(1, "indicator", indicator)
        local.insert(3, "value", group["value"].to_numpy())
        frames.append(local)
    return pd.concat(frames, ignore_index=True)
