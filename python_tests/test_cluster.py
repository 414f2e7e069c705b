"""Tests for medres.cluster: SPSS CLUSTER reproduced without SPSS."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import cophenet
from scipy.cluster.hierarchy import linkage as scipy_linkage
from scipy.spatial.distance import pdist, squareform
from sklearn.metrics import silhouette_score

from medres.cluster import hierarchical, rescale_distances
from medres.validation import InputError

DATA = Path(__file__).parent / "data"
STUDY_COLUMNS = [
    "institutions",
    "health_personnel_10k",
    "beds_10k",
    "health_expenditure_per_capita_yuan",
]
SCHEDULE_COLUMNS = [
    "stage",
    "cluster_1",
    "cluster_2",
    "coefficient",
    "cluster_1_first_stage",
    "cluster_2_first_stage",
    "next_stage",
]


def _frame(rows: list[tuple[float, ...]], names: tuple[str, ...] = ("x1", "x2")) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(names))
    frame.insert(0, "unit", [f"u{i + 1}" for i in range(len(rows))])
    return frame


def _schedule_rows(result) -> list[tuple]:
    return [
        (int(r.stage), int(r.cluster_1), int(r.cluster_2), round(float(r.coefficient), 6),
         int(r.cluster_1_first_stage), int(r.cluster_2_first_stage), int(r.next_stage))
        for r in result.schedule.itertuples()
    ]


def _partition(result, k: int) -> list[set[str]]:
    chosen = result.memberships[result.memberships["k"] == k]
    return [set(group["id"]) for _, group in chosen.groupby("cluster")]


@pytest.fixture(scope="module")
def provinces() -> pd.DataFrame:
    # Verbatim copy of /work/shared/data/yearbook/health_resources_2020.csv
    return pd.read_csv(DATA / "cluster_health_resources_2020.csv")


# --- a published SPSS agglomeration schedule -------------------------------------------------

# Source: lecture slides "Durchführung einer hierarchischen Clusteranalyse" (German SPSS
# course, https://fdokument.com/document/durchfuehrung-einer-hierarchischen-clusteranalyse-
# dateneingabe-und-anforderung.html), slides 3-9. Syntax printed there:
#   CLUSTER x1 x2 /METHOD SINGLE /MEASURE= SEUCLID /PRINT SCHEDULE CLUSTER(2,5)
#     /PRINT DISTANCE /PLOT DENDROGRAM.
# SPSS's printed "Näherungsmatrix" (squared Euclidean proximity matrix) of the 5 cases is
# PUBLISHED_PROXIMITIES below. The raw x1/x2 values are shown only as a scatter plot image, so the
# test uses integer coordinates that reproduce that printed matrix exactly (asserted first);
# squared Euclidean single linkage depends on the data only through that matrix.
# The printed "Zuordnungsübersicht" (agglomeration schedule) begins
#   stage 1: 1 2 1,000 0 0 2      stage 2: 1 3 2,...
# (the stored copy of the slides is cut after that); stages 2-4 below were completed by hand
# from the printed matrix: {1,2,3}-{4} = min(9,10,5) = 5, {1,2,3}-{5} = min(13,10,13) = 10,
# {4,5} = 4, so 4 and 5 merge at 4 and the two clusters at 5. No ties affect the order.
PUBLISHED_PROXIMITIES = np.array(
    [
        [0, 1, 2, 9, 13],
        [1, 0, 5, 10, 10],
        [2, 5, 0, 5, 13],
        [9, 10, 5, 0, 4],
        [13, 10, 13, 4, 0],
    ],
    dtype=float,
)
PUBLISHED_POINTS = [(0, 0), (1, 0), (-1, 1), (0, 3), (2, 3)]


def test_reproduces_published_spss_single_linkage_schedule() -> None:
    frame = _frame(PUBLISHED_POINTS)
    assert np.array_equal(
        squareform(pdist(frame[["x1", "x2"]].to_numpy(), "sqeuclidean")), PUBLISHED_PROXIMITIES
    )
    result = hierarchical(
        frame, "unit", ["x1", "x2"], standardize="none", linkage="single",
        metric="sqeuclidean", k_range=(2, 4),
    )
    assert list(result.schedule.columns) == SCHEDULE_COLUMNS
    assert _schedule_rows(result) == [
        (1, 1, 2, 1.0, 0, 0, 2),  # printed by SPSS
        (2, 1, 3, 2.0, 1, 0, 4),  # "1 3 2,..." printed; rest by hand
        (3, 4, 5, 4.0, 0, 0, 4),
        (4, 1, 4, 5.0, 2, 3, 0),
    ]
    assert sorted(map(sorted, _partition(result, 2))) == [["u1", "u2", "u3"], ["u4", "u5"]]


# --- coefficients of the other linkages, on hand-computed examples ---------------------------


def test_ward_coefficient_is_cumulative_error_sum_of_squares() -> None:
    # Cases (0,0), (0,2), (4,0), (4,4). Increase of ESS when merging G and H:
    #   ΔESS = |G||H|/(|G|+|H|) · ‖c_G − c_H‖²
    # stage 1: {1},{2}: 1/2 · 4 = 2              (others: {3},{4}: 8, ...)
    # stage 2: {3},{4}: 1/2 · 16 = 8  <  {1,2},{3}: 2/3 · 17 = 11.33
    # stage 3: {1,2},{3,4}: 2·2/4 · ‖(0,1) − (4,2)‖² = 17
    # SPSS prints the running total 2, 2 + 8 = 10, 10 + 17 = 27, and 27 is the total sum of
    # squares about the grand mean (2, 1.5): 6.25 + 4.25 + 6.25 + 10.25.
    frame = _frame([(0, 0), (0, 2), (4, 0), (4, 4)])
    result = hierarchical(
        frame, "unit", ["x1", "x2"], standardize="none", linkage="ward", k_range=2
    )
    assert _schedule_rows(result) == [
        (1, 1, 2, 2.0, 0, 0, 3),
        (2, 3, 4, 10.0, 0, 0, 3),
        (3, 1, 3, 27.0, 1, 2, 0),
    ]


def test_within_groups_coefficient_is_mean_distance_inside_merged_cluster() -> None:
    # 1-D cases 0, 1, 3, 7; squared distances d12=1 d13=9 d14=49 d23=4 d24=36 d34=16.
    # stage 1: {1,2} mean of its single pair = 1
    # stage 2: {1,2,3}: (1 + 9 + 4)/3 = 4.6667 < {1,2,4}: 86/3, {3,4}: 16
    # stage 3: all six pairs: 115/6 = 19.1667
    # (between-groups average would print 6.5 and 101/3 for stages 2 and 3.)
    frame = _frame([(0,), (1,), (3,), (7,)], names=("x",))
    within = hierarchical(
        frame, "unit", ["x"], standardize="none", linkage="within", k_range=2
    )
    assert _schedule_rows(within) == [
        (1, 1, 2, 1.0, 0, 0, 2),
        (2, 1, 3, round(14 / 3, 6), 1, 0, 3),
        (3, 1, 4, round(115 / 6, 6), 2, 0, 0),
    ]
    between = hierarchical(frame, "unit", ["x"], standardize="none", linkage="average", k_range=2)
    assert between.schedule["coefficient"].round(6).tolist() == [1.0, 6.5, round(101 / 3, 6)]


def test_centroid_coefficient_is_squared_distance_between_centroids() -> None:
    # 1-D cases 0, 2, 5: {1,2} at 4, then centroid 1 to 5: (5 − 1)² = 16.
    frame = _frame([(0,), (2,), (5,)], names=("x",))
    result = hierarchical(frame, "unit", ["x"], standardize="none", linkage="centroid", k_range=2)
    assert result.schedule["coefficient"].tolist() == pytest.approx([4.0, 16.0])


def test_similarity_metrics_print_similarities_like_spss() -> None:
    # Cosine is a similarity in SPSS: the schedule shows similarities, decreasing.
    frame = _frame([(1, 0), (1, 0.1), (0, 1), (0.2, 1)])
    result = hierarchical(
        frame, "unit", ["x1", "x2"], standardize="none", linkage="single", metric="cosine",
        k_range=2,
    )
    first = (1 * 1 + 0 * 0.1) / np.hypot(1, 0.1)
    assert result.schedule.loc[0, ["cluster_1", "cluster_2"]].tolist() == [1, 2]
    assert result.schedule.loc[0, "coefficient"] == pytest.approx(first)
    assert result.schedule["coefficient"].is_monotonic_decreasing
    assert result.linkage_matrix[:, 2] == pytest.approx(1 - result.schedule["coefficient"])


# --- dendrogram and labels -------------------------------------------------------------------


def test_rescaled_distances_span_0_to_25_and_keep_ratios_of_steps() -> None:
    heights = np.array([1.0, 2.0, 4.0, 5.0])
    rescaled = rescale_distances(heights)
    assert rescaled.tolist() == pytest.approx([0.0, 6.25, 18.75, 25.0])
    assert rescale_distances(np.array([3.0, 3.0])).tolist() == [25.0, 25.0]

    result = hierarchical(
        _frame(PUBLISHED_POINTS), "unit", ["x1", "x2"], standardize="none", linkage="single",
        k_range=2,
    )
    merges = result.dendrogram.merges
    assert merges["rescaled_distance"].tolist() == pytest.approx([0.0, 6.25, 18.75, 25.0])
    assert sorted(result.dendrogram.leaves["case"]) == [1, 2, 3, 4, 5]


def test_labels_follow_mean_level_not_scipy_ids() -> None:
    # Three well separated groups; the high group is listed first so that any id based on
    # input order would put it first.
    frame = _frame([(10, 10), (11, 10), (0, 0), (1, 0), (5, 5), (5, 6)])
    ascending = hierarchical(frame, "unit", ["x1", "x2"], k_range=3)
    labels = dict(zip(ascending.memberships["id"], ascending.memberships["cluster"]))
    assert labels == {"u3": 1, "u4": 1, "u5": 2, "u6": 2, "u1": 3, "u2": 3}
    descending = hierarchical(frame, "unit", ["x1", "x2"], k_range=3, label_order="descending")
    labels = dict(zip(descending.memberships["id"], descending.memberships["cluster"]))
    assert labels == {"u1": 1, "u2": 1, "u5": 2, "u6": 2, "u3": 3, "u4": 3}


def test_equal_levels_are_ordered_by_first_case() -> None:
    # Clusters {1,2} and {3,4} are mirror images: same mean level 0, so case order decides.
    frame = _frame([(0, 4), (0, 5), (4, 0), (5, 0)])
    result = hierarchical(frame, "unit", ["x1", "x2"], k_range=2)
    assert result.memberships["cluster"].tolist() == [1, 1, 2, 2]


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k_range", "message"),
    [(1, "outside 2..4"), (5, "outside 2..4"), ((2, 5), "outside 2..4"), ((4, 3), "larger"),
     (2.5, "must be an int")],
)
def test_k_out_of_range(k_range, message: str) -> None:
    with pytest.raises(InputError, match=message):
        hierarchical(_frame(PUBLISHED_POINTS), "unit", ["x1", "x2"], k_range=k_range)


@pytest.mark.parametrize("standardize", ["z", "range01"])
def test_constant_column_is_named(standardize: str) -> None:
    frame = _frame([(1, 7), (2, 7), (4, 7)])
    with pytest.raises(InputError, match="column 'x2' is constant"):
        hierarchical(frame, "unit", ["x1", "x2"], standardize=standardize, k_range=2)
    # without standardisation a constant column is harmless
    hierarchical(frame, "unit", ["x1", "x2"], standardize="none", k_range=2)


def test_missing_and_non_numeric_values_name_column_and_unit() -> None:
    frame = _frame([(1, 2), (2, None), (4, 5)])
    with pytest.raises(InputError, match="column 'x2': missing value for unit 'u2'"):
        hierarchical(frame, "unit", ["x1", "x2"], k_range=2)
    frame = _frame([(1, 2), (2, 3), (4, 5)]).astype({"x1": object})
    frame.loc[2, "x1"] = "n/a"
    with pytest.raises(InputError, match="column 'x1': non-numeric value 'n/a' for unit 'u3'"):
        hierarchical(frame, "unit", ["x1", "x2"], k_range=2)


@pytest.mark.parametrize(
    ("option", "value"),
    [("linkage", "wards"), ("metric", "minkowski"), ("standardize", "zscore"),
     ("label_order", "up")],
)
def test_unknown_option_is_named(option: str, value: str) -> None:
    with pytest.raises(InputError, match=f"unknown {option} '{value}'"):
        hierarchical(_frame(PUBLISHED_POINTS), "unit", ["x1", "x2"], k_range=2, **{option: value})


@pytest.mark.parametrize("linkage", ["centroid", "median", "ward"])
def test_squared_euclidean_only_linkages_reject_other_metrics(linkage: str) -> None:
    with pytest.raises(InputError, match=f"linkage '{linkage}' is defined on squared Euclidean"):
        hierarchical(
            _frame(PUBLISHED_POINTS), "unit", ["x1", "x2"], linkage=linkage, metric="euclidean",
            k_range=2,
        )


def test_fewer_than_three_units() -> None:
    with pytest.raises(InputError, match="at least 3 units"):
        hierarchical(_frame([(1, 2), (3, 4)]), "unit", ["x1", "x2"], k_range=2)


def test_correlation_undefined_for_flat_case_names_unit() -> None:
    frame = _frame([(1, 1), (1, 2), (3, 1)])
    with pytest.raises(InputError, match="undefined for unit 'u1'"):
        hierarchical(
            frame, "unit", ["x1", "x2"], standardize="none", metric="correlation", k_range=2
        )


# --- ties and determinism --------------------------------------------------------------------


@pytest.mark.parametrize("linkage", ["average", "within", "single", "complete", "centroid",
                                     "median", "ward"])
def test_tied_distances_give_deterministic_output(linkage: str) -> None:
    # Corners of a square plus its centre: many exactly equal distances.
    frame = _frame([(0, 0), (0, 2), (2, 0), (2, 2), (1, 1), (0, 0)])
    runs = [
        hierarchical(frame, "unit", ["x1", "x2"], standardize="none", linkage=linkage,
                     k_range=(2, 5))
        for _ in range(3)
    ]
    for other in runs[1:]:
        pd.testing.assert_frame_equal(runs[0].schedule, other.schedule)
        pd.testing.assert_frame_equal(runs[0].memberships, other.memberships)
        np.testing.assert_array_equal(runs[0].linkage_matrix, other.linkage_matrix)


def test_within_loop_breaks_ties_by_first_pair() -> None:
    # d(1,2) = d(3,4) = 1: the own loop merges the pair with the smallest SPSS numbers first.
    frame = _frame([(0,), (1,), (10,), (11,)], names=("x",))
    result = hierarchical(frame, "unit", ["x"], standardize="none", linkage="within", k_range=2)
    assert _schedule_rows(result)[:2] == [(1, 1, 2, 1.0, 0, 0, 3), (2, 3, 4, 1.0, 0, 0, 3)]


# --- the study: 31 provinces, 2020 -----------------------------------------------------------

TABLE_1 = {  # the study's Table 1 (paper_2020_medical_resources.txt, section 3)
    1: {"Hainan", "Ningxia", "Tibet", "Qinghai", "Tianjin"},
    2: {"Inner Mongolia", "Jilin", "Xinjiang", "Heilongjiang", "Chongqing", "Fujian", "Gansu",
        "Anhui", "Hubei", "Liaoning", "Jiangxi", "Guizhou", "Guangxi", "Yunnan", "Shaanxi",
        "Shanxi"},
    3: {"Jiangsu", "Guangdong", "Zhejiang"},
    4: {"Shandong", "Henan", "Sichuan", "Hebei", "Hunan"},
    5: {"Beijing", "Shanghai"},
}


def test_study_configuration_on_2020_provinces(provinces: pd.DataFrame) -> None:
    result = hierarchical(provinces, "province_en", STUDY_COLUMNS)  # defaults = study setup
    groups = {
        cluster: set(group["id"])
        for cluster, group in result.memberships.groupby("cluster")
    }
    # What the method computes; labels ordered by mean Z level (checked by hand: mean levels
    # -0.878, -0.250, 0.265, 0.789, 1.098).
    assert groups == {
        1: TABLE_1[1],
        2: TABLE_1[2],
        3: TABLE_1[5],  # Beijing, Shanghai: top expenditure, few institutions -> mid level
        4: TABLE_1[3],
        5: TABLE_1[4],
    }
    # Same five groups as Table 1; only the study's numbering of groups 3-5 differs.
    assert sorted(map(sorted, groups.values())) == sorted(map(sorted, TABLE_1.values()))

    schedule = result.schedule
    # Stage 1, checked by hand: Hainan (case 21) and Ningxia (case 30), squared Euclidean
    # distance of their Z scores (sample SD).
    z = (provinces[STUDY_COLUMNS] - provinces[STUDY_COLUMNS].mean()) / provinces[
        STUDY_COLUMNS
    ].std(ddof=1)
    hand = float(((z.iloc[20] - z.iloc[29]) ** 2).sum())
    assert schedule.loc[0, ["cluster_1", "cluster_2"]].tolist() == [21, 30]
    assert schedule.loc[0, "coefficient"] == pytest.approx(hand)
    assert hand == pytest.approx(0.022201, abs=1e-6)
    assert schedule["coefficient"].iloc[-1] == pytest.approx(19.286986, abs=1e-6)
    assert schedule.iloc[-1][["cluster_1", "cluster_2", "next_stage"]].tolist() == [1, 2, 0]

    diagnostics = result.diagnostics.set_index("k")
    assert diagnostics.loc[5, "coefficient"] == pytest.approx(2.743589, abs=1e-6)
    assert diagnostics.loc[5, "jump"] == pytest.approx(4.292487 - 2.743589, abs=1e-6)
    # Silhouette on Euclidean distances of the Z scores (0.652735 on the squared ones).
    assert diagnostics.loc[5, "silhouette"] == pytest.approx(0.482033, abs=1e-6)
    assert diagnostics.loc[5, "silhouette_metric"] == "euclidean"
    assert diagnostics.loc[5, "cophenetic_correlation"] == pytest.approx(0.726900, abs=1e-6)
    assert result.dendrogram.merges["rescaled_distance"].iloc[-1] == 25.0


def test_average_coefficients_equal_mean_between_group_distance(provinces: pd.DataFrame) -> None:
    # Brute-force check of every stage: SPSS BAVERAGE = mean d_ij over i in G, j in H.
    result = hierarchical(provinces, "province_en", STUDY_COLUMNS, k_range=(2, 30))
    z = provinces[STUDY_COLUMNS].to_numpy()
    z = (z - z.mean(axis=0)) / z.std(axis=0, ddof=1)
    distance = squareform(pdist(z, "sqeuclidean"))
    members = {case: {case} for case in range(1, 32)}
    for row in result.schedule.itertuples():
        g, h = members[row.cluster_1], members.pop(row.cluster_2)
        expected = np.mean([distance[i - 1, j - 1] for i in g for j in h])
        assert row.coefficient == pytest.approx(expected)
        members[row.cluster_1] = g | h


def test_within_coefficients_equal_mean_distance_inside_cluster(provinces: pd.DataFrame) -> None:
    result = hierarchical(provinces, "province_en", STUDY_COLUMNS, linkage="within")
    z = provinces[STUDY_COLUMNS].to_numpy()
    z = (z - z.mean(axis=0)) / z.std(axis=0, ddof=1)
    distance = squareform(pdist(z, "sqeuclidean"))
    members = {case: {case} for case in range(1, 32)}
    for row in result.schedule.itertuples():
        merged = members[row.cluster_1] | members.pop(row.cluster_2)
        expected = np.mean([distance[i - 1, j - 1] for i, j in combinations(sorted(merged), 2)])
        assert row.coefficient == pytest.approx(expected)
        members[row.cluster_1] = merged


def _z_scores(provinces: pd.DataFrame) -> np.ndarray:
    values = provinces[STUDY_COLUMNS].to_numpy(dtype=float)
    return (values - values.mean(axis=0)) / values.std(axis=0, ddof=1)


@pytest.mark.parametrize(
    ("linkage", "metric", "sklearn_metric"),
    [
        ("average", "sqeuclidean", "euclidean"),  # squared Euclidean is no metric: Euclidean
        ("ward", "sqeuclidean", "euclidean"),
        ("centroid", "sqeuclidean", "euclidean"),
        ("complete", "cityblock", "cityblock"),
        ("average", "euclidean", "euclidean"),
        ("single", "chebyshev", "chebyshev"),
        ("average", "cosine", "cosine"),
    ],
)
def test_silhouette_matches_scikit_learn(provinces: pd.DataFrame, linkage: str, metric: str,
                                         sklearn_metric: str) -> None:
    result = hierarchical(provinces, "province_en", STUDY_COLUMNS, linkage=linkage, metric=metric,
                          k_range=(2, 8))
    z = _z_scores(provinces)
    for row in result.diagnostics.itertuples():
        chosen = result.memberships[result.memberships["k"] == row.k].set_index("id")
        labels = chosen.loc[provinces["province_en"], "cluster"].to_numpy()
        assert row.silhouette_metric == sklearn_metric
        assert row.silhouette == pytest.approx(
            silhouette_score(z, labels, metric=sklearn_metric), abs=1e-12)


def test_silhouette_2020_study_configuration(provinces: pd.DataFrame) -> None:
    # Issue 21: the squared-Euclidean widths (0.723 at k = 3, 0.652 at k = 5) were not the
    # standard statistic; on Euclidean distances they are 0.529 and 0.482.
    result = hierarchical(provinces, "province_en", STUDY_COLUMNS, k_range=(2, 8))
    silhouette = result.diagnostics.set_index("k")["silhouette"]
    assert silhouette[3] == pytest.approx(0.528970, abs=1e-6)
    assert silhouette[5] == pytest.approx(0.482033, abs=1e-6)
    explicit = hierarchical(provinces, "province_en", STUDY_COLUMNS, k_range=(2, 8),
                            silhouette_metric="sqeuclidean").diagnostics.set_index("k")
    assert explicit.loc[3, "silhouette"] == pytest.approx(0.723, abs=5e-4)


@pytest.mark.parametrize(
    ("linkage", "metric", "scipy_input"),
    [
        ("average", "sqeuclidean", "sqeuclidean"),
        ("single", "sqeuclidean", "sqeuclidean"),
        ("complete", "cityblock", "cityblock"),
        ("ward", "sqeuclidean", "euclidean"),  # scipy's Ward heights, not SPSS's cumulative ESS
        ("centroid", "sqeuclidean", "euclidean"),
        ("median", "sqeuclidean", "euclidean"),
    ],
)
def test_cophenetic_correlation_matches_scipy(provinces: pd.DataFrame, linkage: str, metric: str,
                                              scipy_input: str) -> None:
    result = hierarchical(provinces, "province_en", STUDY_COLUMNS, linkage=linkage, metric=metric)
    distances = pdist(_z_scores(provinces), scipy_input)
    expected = cophenet(scipy_linkage(distances, method=linkage), distances)[0]
    assert result.diagnostics["cophenetic_correlation"].iloc[0] == pytest.approx(expected, abs=1e-12)


def test_ward_cophenetic_correlation_2020(provinces: pd.DataFrame) -> None:
    # Issue 21: 0.66 on the cumulative error sums of squares, 0.779 on Ward's own heights.
    result = hierarchical(provinces, "province_en", STUDY_COLUMNS, linkage="ward")
    assert result.diagnostics["cophenetic_correlation"].iloc[0] == pytest.approx(0.778859, abs=1e-6)
