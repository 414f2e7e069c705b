"""SPSS-style hierarchical (Q-type) cluster analysis of evaluated units.

The study clusters the 31 provinces with SPSS ``CLUSTER`` (Analyze > Classify > Hierarchical
Cluster) on four resource totals: variables standardised to Z scores, squared Euclidean distance,
between-groups average linkage, cut into 5 groups. :func:`hierarchical` reproduces that procedure
and its printed output (agglomeration schedule, cluster membership, rescaled dendrogram) without
SPSS, and adds a few diagnostics for choosing the number of clusters.

Conventions copied from SPSS
----------------------------
* Cases are numbered ``1..n`` in input order. When two clusters merge, the new cluster is named
  after the smaller case number it contains; the schedule reports ``cluster_1 < cluster_2``.
* ``cluster_1_first_stage`` / ``cluster_2_first_stage`` give the stage at which that cluster was
  formed (0 = still a single case), ``next_stage`` the stage at which the merged cluster is merged
  again (0 on the last stage).
* The k-cluster solution is the partition after stage ``n - k``.

Which computation each option uses
----------------------------------
Let ``d_ij`` be the proximity between cases (squared Euclidean unless ``metric`` says otherwise),
``G``/``H`` two clusters with ``|G|``, ``|H|`` members and centroids ``c_G``, ``c_H``.

=============  ===========================================  =====================================
linkage        SPSS coefficient                             computed with
=============  ===========================================  =====================================
``average``    mean_{i∈G, j∈H} d_ij  (BAVERAGE, default)    scipy ``average`` on ``d``
``within``     mean_{i<j ∈ G∪H} d_ij (WAVERAGE)             own O(n³) loop (no scipy method)
``single``     min_{i∈G, j∈H} d_ij                          scipy ``single`` on ``d``
``complete``   max_{i∈G, j∈H} d_ij                          scipy ``complete`` on ``d``
``centroid``   ‖c_G − c_H‖²                                 scipy ``centroid`` on Euclidean, squared
``median``     Lance–Williams α=½, β=−¼ on ‖·‖²             scipy ``median`` on Euclidean, squared
``ward``       ESS after the merge, ESS = Σ_clusters Σ_i    scipy ``ward`` on Euclidean;
               ‖x_i − c‖² (cumulative, not the increment)   ΔESS = h²/2, then cumulative sum
=============  ===========================================  =====================================

scipy's ``centroid``/``median``/``ward`` heights are Euclidean-scale: for centroid and median the
height ``h`` is ``‖c_G − c_H‖`` (resp. the Lance–Williams "median" distance) so SPSS's coefficient,
which lives on the squared-Euclidean scale, is ``h²``. For Ward, scipy's height satisfies
``h² = 2·|G||H|/(|G|+|H|)·‖c_G − c_H‖² = 2·ΔESS``, and SPSS prints the running total of ΔESS, i.e.
the within-cluster error sum of squares of the whole partition after the stage. SPSS documents
centroid, median and Ward for squared Euclidean distances only; other metrics raise InputError.

Metrics ``cosine`` and ``correlation`` are *similarities* in SPSS (1 = identical profile): SPSS
merges the most similar pair and prints similarities in the schedule (so the coefficients
decrease). Here they are clustered as dissimilarities ``1 − s`` (scipy's ``cosine`` /
``correlation`` distances); for the allowed linkages (average, within, single, complete) the
coefficient is an average, minimum or maximum of pairwise values, so ``1 − s`` merges in exactly
the same order and the schedule reports ``s = 1 − h`` as SPSS does. ``linkage_matrix``, the
dendrogram and the silhouettes use the dissimilarity ``1 − s``.

Diagnostics: which distance each one uses
-----------------------------------------
* Silhouette width (Rousseeuw 1987) is defined on a dissimilarity; its usual reading ("a
  case's mean distance to its own cluster against the nearest other cluster") and
  ``sklearn.metrics.silhouette_score`` use a metric distance. Squared Euclidean is not a metric
  (it breaks the triangle inequality and inflates the widths: 2020 provinces, k = 3: 0.723 on
  squared against 0.529 on plain Euclidean distances), so by default
  (``silhouette_metric=None``) a tree built on squared Euclidean distances — every linkage with
  ``metric="sqeuclidean"``, which includes centroid, median and Ward — is scored on the
  Euclidean distances of the same standardised data, and any other tree on its own metric
  (cosine and correlation as the dissimilarity ``1 − s``). ``silhouette_metric`` names another
  metric of :data:`METRICS` explicitly.
* Cophenetic correlation (Sokal & Rohlf 1962) is the Pearson correlation between the input
  distances of the tree and its merge heights on the linkage's own scale, i.e.
  ``scipy.cluster.hierarchy.cophenet(Z, d)`` with the ``Z`` and ``d`` the linkage ran on:
  SPSS's coefficients for average, within, single and complete (the ``metric`` dissimilarity);
  scipy's Euclidean-scale heights against Euclidean distances for centroid, median and Ward (not
  SPSS's squared or cumulative ESS coefficients, which are monotone transforms of the heights and
  would change the correlation).

Ties
----
SPSS warns that with tied proximities "the resulting cluster solution may depend on the order of
cases in the file" (IBM SPSS Statistics, Hierarchical Cluster Analysis, "Case order"); it does not
document its rule. scipy is deterministic for a given input order but its rule depends on the
algorithm it picks (minimum spanning tree for single, nearest-neighbour chain for average,
complete and Ward, the generic O(n³) loop for centroid and median), so with exact ties its stage
order, or even its tree, can differ from SPSS's. The own ``within`` loop takes the first minimal
pair in lower-triangle order of the SPSS cluster numbers. In all cases the output is a pure
function of the input frame (same frame → identical result); nothing is random.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from scipy.spatial.distance import pdist, squareform

from medres.validation import InputError, validate_frame

LINKAGES = ("average", "within", "single", "complete", "centroid", "median", "ward")
METRICS = ("sqeuclidean", "euclidean", "cityblock", "chebyshev", "cosine", "correlation")
STANDARDIZATIONS = ("none", "z", "range01")
LABEL_ORDERS = ("ascending", "descending")

#: Metrics SPSS treats as similarities (larger = closer); see the module docstring.
SIMILARITY_METRICS = frozenset({"cosine", "correlation"})
#: Linkages SPSS defines on squared Euclidean distances only.
SQUARED_EUCLIDEAN_ONLY = frozenset({"centroid", "median", "ward"})

#: Upper end of SPSS's "Rescaled Distance Cluster Combine" axis.
RESCALED_MAX = 25.0

# Relative tolerance under which two candidate merges of the own ``within`` loop count as tied;
# sums of the same distances in a different order differ only by rounding.
_TIE_RTOL = 1e-12
# Decimals to which cluster levels are compared when ordering labels (see _order_labels).
_LEVEL_DECIMALS = 10


@dataclass(frozen=True)
class Dendrogram:
    """What is needed to draw SPSS's dendrogram (study Fig. 2).

    ``leaves``: one row per case in drawing order (``position`` 0 = first drawn), with ``case``
    (SPSS case number) and ``id``. ``merges``: one row per stage with ``cluster_1``,
    ``cluster_2``, ``size`` of the merged cluster, ``height`` (the schedule coefficient on the
    dissimilarity scale) and ``rescaled_distance`` (SPSS's 0–25 axis, see
    :func:`rescale_distances`).
    """

    leaves: pd.DataFrame
    merges: pd.DataFrame


@dataclass(frozen=True)
class ClusterResult:
    """Output of :func:`hierarchical`.

    ``schedule``: SPSS agglomeration schedule (``stage``, ``cluster_1``, ``cluster_2``,
    ``coefficient``, ``cluster_1_first_stage``, ``cluster_2_first_stage``, ``next_stage``).
    ``memberships``: long frame ``id``, ``k``, ``cluster`` for every requested k.
    ``dendrogram``: see :class:`Dendrogram`.
    ``diagnostics``: one row per k, see :func:`hierarchical`.
    ``linkage_matrix``: scipy-style ``Z`` (0-based node ids, heights = coefficients on the
    dissimilarity scale) for ``scipy.cluster.hierarchy.dendrogram``.
    """

    schedule: pd.DataFrame
    memberships: pd.DataFrame
    dendrogram: Dendrogram
    diagnostics: pd.DataFrame
    linkage_matrix: np.ndarray


def hierarchical(
    frame: pd.DataFrame,
    id_column: str,
    columns: Sequence[str],
    *,
    standardize: str = "z",
    linkage: str = "average",
    metric: str = "sqeuclidean",
    k_range: int | tuple[int, int] = 5,
    label_order: str = "ascending",
    silhouette_metric: str | None = None,
) -> ClusterResult:
    """Agglomerative hierarchical clustering of the rows of ``frame`` the way SPSS CLUSTER does it.

    Defaults are the study's configuration: Z scores, between-groups average linkage, squared
    Euclidean distance, 5 clusters.

    Parameters
    ----------
    standardize
        ``"none"``; ``"z"``: ``(x − mean)/s`` with the sample SD ``s`` (divisor ``n − 1``), as
        SPSS's "Z scores"; ``"range01"``: ``(x − min)/(max − min)``. A constant column cannot be
        standardised and raises InputError.
    linkage, metric
        See the module docstring for the coefficient each combination produces.
    k_range
        A number of clusters, or an inclusive ``(k_min, k_max)``; every k must satisfy
        ``2 ≤ k ≤ n − 1``.
    label_order
        Cluster labels are ordered by level, the mean over the cluster's members of the mean of
        their Z-scored indicators (Z scores regardless of ``standardize``, so the level does not
        depend on units; a constant column contributes 0). ``"ascending"``: 1 = lowest level.
        Equal levels are ordered by the smallest case number in the cluster.
    silhouette_metric
        Distance the silhouette widths are computed on (one of :data:`METRICS`, on the
        standardised data); ``None`` (default): Euclidean when ``metric="sqeuclidean"``, else
        ``metric`` (module docstring, "Diagnostics").

    Diagnostics (one row per k)
    ---------------------------
    ``coefficient``: schedule coefficient of stage ``n − k`` (the merge that left k clusters);
    ``next_coefficient``: that of stage ``n − k + 1``; ``jump``: how much worse the next merge
    is, ``next − coefficient`` for distances and ``coefficient − next`` for similarities, so a
    large positive jump argues for stopping at k; ``silhouette``: mean silhouette width
    ``s(i) = (b_i − a_i)/max(a_i, b_i)`` (0 for a case alone in its cluster) on the
    ``silhouette_metric`` distances; ``silhouette_metric``: that distance;
    ``cophenetic_correlation``: Pearson correlation between the distances the linkage ran on and
    the tree's cophenetic heights on the linkage's own scale (a property of the whole tree,
    repeated on each row to keep the table flat for dbt).
    """
    _check_choice("linkage", linkage, LINKAGES)
    _check_choice("metric", metric, METRICS)
    _check_choice("standardize", standardize, STANDARDIZATIONS)
    _check_choice("label_order", label_order, LABEL_ORDERS)
    if silhouette_metric is None:
        silhouette_metric = "euclidean" if metric == "sqeuclidean" else metric
    _check_choice("silhouette_metric", silhouette_metric, METRICS)
    if linkage in SQUARED_EUCLIDEAN_ONLY and metric != "sqeuclidean":
        raise InputError(
            f"linkage {linkage!r} is defined on squared Euclidean distances only "
            f"(SPSS CLUSTER); got metric {metric!r}"
        )

    clean = validate_frame(frame, id_column, columns, min_units=3)
    ids = clean[id_column].tolist()
    n = len(ids)
    ks = _k_values(k_range, n)
    values = clean[list(columns)].to_numpy(dtype=float)

    data = _standardize(values, list(columns), standardize)
    dissimilarity = _dissimilarity(data, metric, ids)
    square = squareform(dissimilarity, checks=False)

    if linkage == "within":
        z = _within_groups_linkage(square)
        coefficients = z[:, 2].copy()
        cophenetic = float(hierarchy.cophenet(z, dissimilarity)[0])
    elif linkage in SQUARED_EUCLIDEAN_ONLY:
        # scipy's centroid/median/Ward need Euclidean input (module docstring); merge order is
        # unchanged because squaring is monotone.
        linkage_input = pdist(data, "euclidean")
        z = hierarchy.linkage(linkage_input, method=linkage)
        cophenetic = float(hierarchy.cophenet(z, linkage_input)[0])
        if linkage == "ward":
            coefficients = np.cumsum(z[:, 2] ** 2 / 2.0)
        else:
            coefficients = z[:, 2] ** 2
        z[:, 2] = coefficients
    else:
        z = hierarchy.linkage(dissimilarity, method=linkage)
        coefficients = z[:, 2].copy()
        cophenetic = float(hierarchy.cophenet(z, dissimilarity)[0])

    similarity = metric in SIMILARITY_METRICS
    printed = 1.0 - coefficients if similarity else coefficients
    schedule = _spss_schedule(z, printed)

    level = _levels(values)
    cuts = {k: _cut(z, n, k) for k in ks}
    labelled = {k: _order_labels(groups, level, label_order) for k, groups in cuts.items()}
    memberships = pd.DataFrame(
        [(ids[i], k, int(labelled[k][i])) for k in ks for i in range(n)],
        columns=["id", "k", "cluster"],
    )

    silhouette_distances = (
        square if silhouette_metric == metric
        else squareform(_dissimilarity(data, silhouette_metric, ids), checks=False)
    )
    diagnostics = pd.DataFrame(
        [
            _diagnostics_row(k, printed, similarity, silhouette_distances, cuts[k], cophenetic, n)
            for k in ks
        ]
    )
    diagnostics.insert(diagnostics.columns.get_loc("silhouette") + 1, "silhouette_metric",
                       silhouette_metric)

    return ClusterResult(
        schedule=schedule,
        memberships=memberships,
        dendrogram=_dendrogram(z, schedule, ids),
        diagnostics=diagnostics,
        linkage_matrix=z,
    )


def rescale_distances(heights: np.ndarray) -> np.ndarray:
    """Map merge heights onto SPSS's "Rescaled Distance Cluster Combine" axis.

    IBM's documentation of the Hierarchical Cluster Analysis plots says: "The dendrogram rescales
    the actual distances to numbers between 0 and 25, preserving the ratio of the distances between
    steps" (quoted in https://imathworks.com/cv/solved-does-spss-rescale-dendrograms from the
    SPSS help for "dendrogram"). The map that keeps ratios of the gaps between steps and spans
    exactly 0..25 is the affine one::

        r = 25 · (h − h_min) / (h_max − h_min)

    so the first merge sits at 0 and the last at 25. If all heights are equal the ratio is
    undefined; every merge is then drawn at 25.
    """
    heights = np.asarray(heights, dtype=float)
    low, high = heights.min(), heights.max()
    if high == low:
        return np.full_like(heights, RESCALED_MAX)
    # Divide first: (h − low)/(high − low) is exactly 1 at the top merge and never above it, so the
    # result stays on 0..25. Multiplying first rounds 25·(h − low) before the division and can land
    # one ulp past 25 (25.000000000000004 was seen on a 2,851-unit panel).
    return RESCALED_MAX * ((heights - low) / (high - low))


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise InputError(f"unknown {name} {value!r}; choose one of {list(allowed)}")


def _k_values(k_range: int | tuple[int, int], n: int) -> list[int]:
    """Expand ``k_range`` and check every k against SPSS's limits 2 ≤ k ≤ n − 1."""
    if isinstance(k_range, (int, np.integer)) and not isinstance(k_range, bool):
        low = high = int(k_range)
    elif (
        isinstance(k_range, tuple)
        and len(k_range) == 2
        and all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in k_range)
    ):
        low, high = int(k_range[0]), int(k_range[1])
    else:
        raise InputError(
            f"k_range must be an int or a (k_min, k_max) tuple of ints, got {k_range!r}"
        )
    if low > high:
        raise InputError(f"k_range {k_range!r}: k_min {low} is larger than k_max {high}")
    if low < 2 or high > n - 1:
        raise InputError(
            f"k_range {k_range!r} outside 2..{n - 1}: with {n} units a solution needs "
            f"at least 2 and at most n - 1 = {n - 1} clusters"
        )
    return list(range(low, high + 1))


def _standardize(values: np.ndarray, columns: list[str], method: str) -> np.ndarray:
    """Apply SPSS's "Transform Values ... By variable" (formulas in :func:`hierarchical`)."""
    if method == "none":
        return values.copy()
    if method == "z":
        centre = values.mean(axis=0)
        scale = values.std(axis=0, ddof=1)
    else:
        centre = values.min(axis=0)
        scale = values.max(axis=0) - centre
    constant = [c for c, s in zip(columns, scale) if s == 0]
    if constant:
        raise InputError(
            f"column {constant[0]!r} is constant, so standardize={method!r} would divide by "
            f"zero; drop the column or use standardize='none'"
        )
    return (values - centre) / scale


def _dissimilarity(data: np.ndarray, metric: str, ids: list[object]) -> np.ndarray:
    """Condensed dissimilarities; similarities are turned into ``1 − s`` by scipy's definitions."""
    with np.errstate(invalid="ignore", divide="ignore"):
        condensed = pdist(data, metric)
    if not np.isfinite(condensed).all():
        # cosine needs a non-zero vector, correlation a case whose values are not all equal.
        square = squareform(condensed, checks=False)
        np.fill_diagonal(square, 0.0)
        bad = int(np.flatnonzero(~np.isfinite(square).all(axis=1))[0])
        raise InputError(
            f"metric {metric!r} is undefined for unit {ids[bad]!r} "
            f"(its standardised values are all zero or all equal)"
        )
    return condensed


def _within_groups_linkage(distance: np.ndarray) -> np.ndarray:
    """SPSS WAVERAGE: merge the pair whose union has the smallest mean within-cluster distance.

    For clusters G, H with within-pair sums ``W_G``, ``W_H`` and cross sum ``B_GH``::

        coefficient(G, H) = (W_G + W_H + B_GH) / C(|G| + |H|, 2)

    After merging H into G: ``W_G ← W_G + W_H + B_GH`` and ``B_GK ← B_GK + B_HK``. Each stage
    scans all active pairs (O(n²)), so the loop is O(n³) time and O(n²) memory; fine for the
    31 provinces, slow for thousands of units. Ties: first minimal pair in lower-triangle order
    of SPSS cluster numbers (rows are indexed by the smallest case number in the cluster).
    Returns a scipy-style linkage matrix whose heights are the coefficients.
    """
    n = distance.shape[0]
    cross = distance.astype(float).copy()
    within = np.zeros(n)
    size = np.ones(n)
    node = np.arange(n)  # scipy node id currently held by row i (row i = SPSS cluster i + 1)
    active = np.ones(n, dtype=bool)
    z = np.empty((n - 1, 4))
    for stage in range(n - 1):
        rows = np.flatnonzero(active)
        total = size[rows][:, None] + size[rows][None, :]
        criterion = (
            within[rows][:, None] + within[rows][None, :] + cross[np.ix_(rows, rows)]
        ) / (total * (total - 1) / 2.0)
        lower = np.tril(np.ones_like(criterion, dtype=bool), k=-1)
        best = criterion[lower].min()
        tied = lower & (criterion <= best + _TIE_RTOL * abs(best))
        # first tied pair in row-major lower-triangle order: (later cluster, earlier cluster)
        later, earlier = np.argwhere(tied)[0]
        keep, drop = rows[earlier], rows[later]
        z[stage] = (node[keep], node[drop], criterion[later, earlier], size[keep] + size[drop])
        within[keep] += within[drop] + cross[keep, drop]
        cross[keep, :] += cross[drop, :]
        cross[:, keep] += cross[:, drop]
        size[keep] += size[drop]
        active[drop] = False
        node[keep] = n + stage
    return z


def _spss_schedule(z: np.ndarray, coefficients: np.ndarray) -> pd.DataFrame:
    """Translate a scipy linkage matrix into SPSS's agglomeration schedule numbering."""
    n = z.shape[0] + 1
    label = list(range(1, n + 1)) + [0] * (n - 1)  # SPSS number of each scipy node
    formed = [0] * (2 * n - 1)  # stage that formed each node (0 = a case)
    next_stage = [0] * (n - 1)
    rows = []
    for index, (a, b) in enumerate(z[:, :2].astype(int)):
        stage = index + 1
        for child in (a, b):
            if child >= n:
                next_stage[child - n] = stage
        (first, first_node), (second, second_node) = sorted(((label[a], a), (label[b], b)))
        label[n + index] = first
        formed[n + index] = stage
        rows.append(
            (
                stage,
                first,
                second,
                float(coefficients[index]),
                formed[first_node],
                formed[second_node],
            )
        )
    schedule = pd.DataFrame(
        rows,
        columns=[
            "stage",
            "cluster_1",
            "cluster_2",
            "coefficient",
            "cluster_1_first_stage",
            "cluster_2_first_stage",
        ],
    )
    schedule["next_stage"] = next_stage
    return schedule


def _cut(z: np.ndarray, n: int, k: int) -> np.ndarray:
    """Partition after stage ``n − k``, as SPSS's cluster membership table.

    Replays the merges instead of cutting at a height, because within/centroid/median trees can
    have inversions, where a height threshold would not yield exactly k clusters. Returns for each
    case the smallest case index (0-based) of its cluster.
    """
    parent = list(range(2 * n - 1))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for index in range(n - k):
        a, b = int(z[index, 0]), int(z[index, 1])
        parent[root(a)] = n + index
        parent[root(b)] = n + index
    roots = [root(i) for i in range(n)]
    first_case: dict[int, int] = {}
    for case, r in enumerate(roots):
        first_case.setdefault(r, case)
    return np.array([first_case[r] for r in roots])


def _levels(values: np.ndarray) -> np.ndarray:
    """Mean Z score of each unit across indicators (sample SD; constant columns contribute 0)."""
    scale = values.std(axis=0, ddof=1)
    safe = np.where(scale == 0, 1.0, scale)
    return ((values - values.mean(axis=0)) / safe).mean(axis=1)


def _order_labels(groups: np.ndarray, level: np.ndarray, order: str) -> np.ndarray:
    """Relabel clusters 1..k by mean level; ties by the cluster's smallest case number."""
    keys = []
    for first in np.unique(groups):
        # Rounded so that levels equal up to floating-point noise count as ties.
        mean_level = round(float(level[groups == first].mean()), _LEVEL_DECIMALS)
        keys.append((mean_level if order == "ascending" else -mean_level, int(first)))
    rank = {first: position + 1 for position, (_, first) in enumerate(sorted(keys))}
    return np.array([rank[g] for g in groups])


def _silhouette(square: np.ndarray, groups: np.ndarray) -> float:
    """Mean silhouette width (Rousseeuw 1987) on a square dissimilarity matrix."""
    labels = np.unique(groups)
    member = groups[:, None] == labels[None, :]
    counts = member.sum(axis=0)
    sums = square @ member  # sum of dissimilarities from each case to each cluster
    own = member.argmax(axis=1)
    n = len(groups)
    own_count = counts[own]
    a = np.where(own_count > 1, sums[np.arange(n), own] / np.maximum(own_count - 1, 1), 0.0)
    mean_to_other = sums / counts[None, :]
    mean_to_other[np.arange(n), own] = np.inf
    b = mean_to_other.min(axis=1)
    width = np.where(own_count > 1, (b - a) / np.maximum(a, b), 0.0)
    return float(width.mean())


def _diagnostics_row(
    k: int,
    printed: np.ndarray,
    similarity: bool,
    square: np.ndarray,
    groups: np.ndarray,
    cophenetic: float,
    n: int,
) -> dict[str, float | int]:
    at_cut = float(printed[n - k - 1])
    following = float(printed[n - k])
    return {
        "k": k,
        "coefficient": at_cut,
        "next_coefficient": following,
        "jump": at_cut - following if similarity else following - at_cut,
        "silhouette": _silhouette(square, groups),
        "cophenetic_correlation": cophenetic,
    }


def _dendrogram(z: np.ndarray, schedule: pd.DataFrame, ids: list[object]) -> Dendrogram:
    order = hierarchy.leaves_list(z)
    leaves = pd.DataFrame(
        {
            "position": np.arange(len(order)),
            "case": order + 1,
            "id": [ids[i] for i in order],
        }
    )
    merges = schedule[["stage", "cluster_1", "cluster_2"]].copy()
    merges["size"] = z[:, 3].astype(int)
    merges["height"] = z[:, 2]
    merges["rescaled_distance"] = rescale_distances(z[:, 2])
    return Dendrogram(leaves=leaves, merges=merges)
