#!/usr/bin/env python3
"""Simplify DataV.GeoAtlas China province boundaries for the medres maps.

Source file (DataV.GeoAtlas "100000_full.json", China with province-level
sub-features, as redistributed on GitHub):

    repository : https://github.com/lqb-zh/geojson-chinadata
    path       : 100000_full.json
    commit     : 03c042e6e8a44e9faee2e459767f217e6281b053  (2021-05-23)
    sha256     : dff31a4be3b5286a1a712b61e1213137c5e419ec43c5a6b3b1f9e70606260759
    raw URL    : https://raw.githubusercontent.com/lqb-zh/geojson-chinadata/
                 03c042e6e8a44e9faee2e459767f217e6281b053/100000_full.json

Provenance and licence notes are in assets/geo/SOURCE.md.

What the script does (Python standard library only):

1. keeps the 31 mainland provinces (GB/T 2260 codes 110000..650000); drops
   Taiwan (710000), Hong Kong (810000), Macao (820000) and the DataV
   South China Sea dashed-line feature (adcode 100000, adchar "JD");
2. drops polygon parts lying entirely south of --south-limit (default 18.0 N),
   i.e. the South China Sea islands and reefs that DataV attaches to Hainan
   (Sansha); Hainan island itself (18.1-20.2 N) is kept;
3. simplifies shared borders *once* (topology-aware Douglas-Peucker): every
   ring is cut into arcs at junction vertices, each distinct arc is simplified
   a single time and reused by both neighbouring provinces, so simplified
   provinces do not develop gaps or overlaps along common borders; arcs
   whose simplified (rounded) segments cross another arc or themselves are
   re-simplified with half the tolerance until no crossings remain;
4. drops *isolated* polygon parts (small islands: parts sharing no vertex
   with another province) whose source area is below --min-area square
   degrees; each province's largest part, and small enclaves/exclaves that
   touch a neighbouring province, are kept so no gaps open between provinces;
5. rounds coordinates to --precision decimals, removes repeated points,
   writes RFC 7946 winding (outer rings counter-clockwise);
6. writes properties province_code, province_zh, province_en, label_lon,
   label_lat. The label point is DataV's "centroid" if it lies inside the
   simplified geometry, else DataV's "center" (capital city) if inside,
   else an interior point found by scanning the largest part.

Usage:

    python3 scripts/simplify_geojson.py SOURCE.json assets/geo/china_provinces.geojson
    # options: --tolerance 0.05 --min-area 0.015 --precision 3 --south-limit 18.0

To obtain SOURCE.json:

    git clone https://github.com/lqb-zh/geojson-chinadata
    git -C geojson-chinadata show \
        03c042e6e8a44e9faee2e459767f217e6281b053:100000_full.json > 100000_full.json
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import sys
from pathlib import Path

# GB/T 2260 province code -> (Chinese short name, English name), from the project's reference seed
# so the map's names cannot drift from the warehouse's.
REFERENCE_SEED = Path(__file__).resolve().parents[1] / "seeds" / "reference" / "ref_provinces.csv"
with REFERENCE_SEED.open(encoding="utf-8", newline="") as seed:
    PROVINCES = {row["region_code"]: (row["province_zh"], row["province_en"])
                 for row in csv.DictReader(seed)}


# --------------------------------------------------------------------------
# geometry helpers
# --------------------------------------------------------------------------

def signed_area(ring):
    """Shoelace signed area of a closed ring (positive = counter-clockwise)."""
    s = 0.0
    for i in range(len(ring) - 1):
        x1, y1 = ring[i]
        x2, y2 = ring[i + 1]
        s += x1 * y2 - x2 * y1
    return s / 2.0


def _seg_dist(p, a, b):
    """Distance from point p to segment ab."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return math.hypot(px - ax, py - ay)
    t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
    t = max(0.0, min(1.0, t))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def douglas_peucker(points, tol):
    """Douglas-Peucker on an open polyline; endpoints are always kept."""
    n = len(points)
    if n < 3:
        return list(points)
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        dmax, idx = -1.0, -1
        for k in range(i + 1, j):
            d = _seg_dist(points[k], points[i], points[j])
            if d > dmax:
                dmax, idx = d, k
        if idx != -1 and dmax > tol:
            keep[idx] = True
            stack.append((i, idx))
            stack.append((idx, j))
    return [p for p, k in zip(points, keep) if k]


def point_in_ring(x, y, ring):
    inside = False
    for i in range(len(ring) - 1):
        x1, y1 = ring[i]
        x2, y2 = ring[i + 1]
        if (y1 > y) != (y2 > y):
            xi = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if xi > x:
                inside = not inside
    return inside


def point_in_polygons(x, y, polygons):
    for poly in polygons:
        if point_in_ring(x, y, poly[0]) and not any(
            point_in_ring(x, y, h) for h in poly[1:]
        ):
            return True
    return False


def interior_point(poly):
    """A point well inside a polygon: widest horizontal span on scan lines."""
    ring = poly[0]
    ys = [p[1] for p in ring]
    y0, y1 = min(ys), max(ys)
    best = None
    for k in range(1, 40):
        y = y0 + (y1 - y0) * k / 40.0
        xs = []
        for r in poly:
            for i in range(len(r) - 1):
                (ax, ay), (bx, by) = r[i], r[i + 1]
                if (ay > y) != (by > y):
                    xs.append(ax + (y - ay) * (bx - ax) / (by - ay))
        xs.sort()
        for a, b in zip(xs[0::2], xs[1::2]):
            if best is None or b - a > best[0]:
                best = (b - a, (a + b) / 2.0, y)
    return best[1], best[2]


# --------------------------------------------------------------------------
# topology-aware simplification
# --------------------------------------------------------------------------

def find_junctions(rings):
    """Vertices where rings meet/diverge (a vertex seen with >1 neighbour set)."""
    neighbours = {}
    junctions = set()
    for ring in rings:
        pts = ring[:-1]
        n = len(pts)
        for i, p in enumerate(pts):
            nb = frozenset((pts[i - 1], pts[(i + 1) % n]))
            seen = neighbours.get(p)
            if seen is None:
                neighbours[p] = nb
            elif seen != nb:
                junctions.add(p)
    return junctions


def canonical(arc):
    """Key of an arc independent of direction, plus whether arc was reversed."""
    key = tuple(arc)
    rkey = key[::-1]
    return (rkey, True) if rkey < key else (key, False)


def plan_ring(ring, junctions):
    """Cut a closed ring into arcs at junction vertices.

    Returns a list of (canonical arc key, reversed flag). A ring without
    junctions becomes one closed arc starting at its smallest vertex, so an
    identical ring elsewhere (an enclave and the matching hole) gets the
    same key and is simplified identically.
    """
    pts = ring[:-1]
    n = len(pts)
    cut = [i for i, p in enumerate(pts) if p in junctions]
    if not cut:
        cut = [min(range(n), key=lambda i: pts[i])]
    plan = []
    for k, i in enumerate(cut):
        j = cut[(k + 1) % len(cut)]
        arc = pts[i: j + 1] if j > i else pts[i:] + pts[: j + 1]
        plan.append(canonical(arc))
    return plan


def assemble_ring(plan, simplified):
    out = []
    for key, rev in plan:
        arc = simplified[key]
        if rev:
            arc = arc[::-1]
        out.extend(arc[:-1])
    out.append(out[0])
    return out


def _orient(p, q, r):
    v = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    return (v > 1e-12) - (v < -1e-12)


def crossing_arcs(simplified, precision, cell=0.5):
    """Keys of simplified arcs whose (rounded) segments properly cross."""
    segs = []
    for key, arc in simplified.items():
        pts = [(round(x, precision), round(y, precision)) for x, y in arc]
        for a, b in itertools.pairwise(pts):
            if a != b:
                segs.append((a, b, key))
    grid = {}
    for idx, (a, b, _) in enumerate(segs):
        for gx in range(int(min(a[0], b[0]) // cell),
                        int(max(a[0], b[0]) // cell) + 1):
            for gy in range(int(min(a[1], b[1]) // cell),
                            int(max(a[1], b[1]) // cell) + 1):
                grid.setdefault((gx, gy), []).append(idx)
    bad = set()
    for members in grid.values():
        for x in range(len(members)):
            a, b, k1 = segs[members[x]]
            for y in range(x + 1, len(members)):
                c, d, k2 = segs[members[y]]
                if len({a, b, c, d}) < 4:
                    continue  # adjacent segments share an endpoint
                if (_orient(a, b, c) * _orient(a, b, d) < 0
                        and _orient(c, d, a) * _orient(c, d, b) < 0):
                    bad.add(k1)
                    bad.add(k2)
    return bad


def clean_ring(ring, precision):
    out = []
    for x, y in ring:
        p = (round(x, precision), round(y, precision))
        if not out or out[-1] != p:
            out.append(p)
    if out and out[0] != out[-1]:
        out.append(out[0])
    # remove spikes of the form A B A
    changed = True
    while changed and len(out) >= 4:
        changed = False
        pts = out[:-1]
        n = len(pts)
        for i in range(n):
            if pts[i - 1] == pts[(i + 1) % n]:
                del pts[i]
                if pts[i % len(pts) - 1] == pts[i % len(pts)]:
                    del pts[i % len(pts)]
                out = [*pts, pts[0]]
                changed = True
                break
    return out


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def as_polygons(geom):
    if geom["type"] == "Polygon":
        return [geom["coordinates"]]
    if geom["type"] == "MultiPolygon":
        return geom["coordinates"]
    raise ValueError("unsupported geometry type {}".format(geom["type"]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source")
    ap.add_argument("output")
    ap.add_argument("--tolerance", type=float, default=0.05,
                    help="Douglas-Peucker tolerance in degrees (default 0.05)")
    ap.add_argument("--min-area", type=float, default=0.015,
                    help="drop isolated parts (islands) smaller than this many "
                         "square degrees (default 0.015, about 150 km2); a "
                         "province's largest part is always kept")
    ap.add_argument("--precision", type=int, default=3,
                    help="decimal places of output coordinates (default 3)")
    ap.add_argument("--south-limit", type=float, default=18.0,
                    help="drop parts lying entirely south of this latitude "
                         "(default 18.0: South China Sea islands)")
    args = ap.parse_args(argv)

    with open(args.source, encoding="utf-8") as fh:
        src = json.load(fh)

    kept, dropped = [], []
    for feat in src["features"]:
        code = str(feat["properties"].get("adcode", ""))
        if code in PROVINCES:
            kept.append(feat)
        else:
            dropped.append((code, feat["properties"].get("name", ""),
                            feat["properties"].get("adchar", "")))
    codes = [str(f["properties"]["adcode"]) for f in kept]
    if sorted(codes) != sorted(PROVINCES) or len(set(codes)) != len(codes):
        sys.exit("source does not contain exactly the 31 expected provinces")

    # Parse all rings (tuples) of kept provinces; junctions are computed over
    # all of them so shared borders are split consistently.
    parsed = []
    all_rings = []
    for feat in kept:
        polys = []
        for poly in as_polygons(feat["geometry"]):
            rings = []
            for r in poly:
                ring = [(float(x), float(y)) for x, y in r]
                if ring[0] != ring[-1]:
                    ring.append(ring[0])
                rings.append(ring)
                all_rings.append(ring)
            polys.append(rings)
        parsed.append(polys)
    junctions = find_junctions(all_rings)
    owner = {}
    for k, polys in enumerate(parsed):
        for poly in polys:
            for pt in poly[0]:
                owner.setdefault(pt, set()).add(k)

    # 1. choose the parts to keep and cut their rings into arcs
    plans = []  # per feature: list of parts, each a list of ring plans
    stats = []
    for fi, polys in enumerate(parsed):
        areas = [abs(signed_area(p[0])) for p in polys]
        biggest = max(range(len(polys)), key=lambda i: areas[i])
        parts = []
        n_south = n_small = 0
        for i, poly in enumerate(polys):
            if max(y for _, y in poly[0]) < args.south_limit:
                n_south += 1
                continue
            touches = any(owner[pt] - {fi} for pt in poly[0])
            if i != biggest and areas[i] < args.min_area and not touches:
                n_small += 1
                continue
            parts.append([plan_ring(ring, junctions) for ring in poly])
        plans.append(parts)
        stats.append((len(polys), n_south, n_small))

    # 2. simplify every distinct arc once; where simplified arcs cross
    #    (narrow bays, close coasts), redo those arcs with half the tolerance
    tol = {key: args.tolerance
           for parts in plans for part in parts for plan in part
           for key, _ in plan}
    simplified = {key: douglas_peucker(list(key), t) for key, t in tol.items()}
    n_fixed = 0
    for _ in range(10):
        bad = crossing_arcs(simplified, args.precision)
        if not bad:
            break
        for key in bad:
            tol[key] /= 2.0
            simplified[key] = douglas_peucker(list(key), tol[key])
        n_fixed += len(bad)
    remaining = crossing_arcs(simplified, args.precision)

    # 3. assemble features
    out_features = []
    report = []
    for feat, parts, (n_src, n_south, n_small) in zip(kept, plans, stats):
        props = feat["properties"]
        code = str(props["adcode"])
        new_polys = []
        for part in parts:
            rings = []
            for j, plan in enumerate(part):
                s = clean_ring(assemble_ring(plan, simplified), args.precision)
                if len(s) < 4 or abs(signed_area(s)) == 0:
                    if j == 0:
                        break
                    continue
                # RFC 7946: exterior counter-clockwise, holes clockwise
                ccw = signed_area(s) > 0
                if (j == 0) != ccw:
                    s = s[::-1]
                rings.append([list(p) for p in s])
            if rings:
                new_polys.append(rings)
        if not new_polys:
            sys.exit(f"province {code} vanished after simplification")

        label, how = None, None
        for key in ("centroid", "center"):
            c = props.get(key)
            if c and point_in_polygons(c[0], c[1], new_polys):
                label, how = c, key
                break
        if label is None:
            big = max(new_polys, key=lambda p: abs(signed_area(p[0])))
            label, how = interior_point(big), "computed"

        zh, en = PROVINCES[code]
        geom = ({"type": "Polygon", "coordinates": new_polys[0]}
                if len(new_polys) == 1 else
                {"type": "MultiPolygon", "coordinates": new_polys})
        out_features.append({
            "type": "Feature",
            "properties": {
                "province_code": code,
                "province_zh": zh,
                "province_en": en,
                "label_lon": round(float(label[0]), 3),
                "label_lat": round(float(label[1]), 3),
            },
            "geometry": geom,
        })
        n_pts = sum(len(r) for p in new_polys for r in p)
        report.append(f"{code} {en:<14} parts {n_src:3d} -> {len(new_polys):2d} "
                      f"(south {n_south}, small {n_small}) points {n_pts:5d} label={how}")

    out_features.sort(key=lambda f: f["properties"]["province_code"])
    out = {"type": "FeatureCollection", "features": out_features}
    text = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
    # one feature per line keeps diffs readable
    text = text.replace('{"type":"Feature",', '\n{"type":"Feature",')
    text = text.replace("]}}]}", "]}}\n]}")
    with open(args.output, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")

    for line in report:
        print(line)
    print("dropped features:", dropped)
    print(f"junction vertices: {len(junctions)}, distinct arcs: {len(simplified)}, arcs "
          f"re-simplified to remove crossings: {n_fixed}, crossings left: {len(remaining)}")
    print(f"wrote {args.output}: {len(out_features)} features, {len(text.encode('utf-8')) + 1} bytes")


if __name__ == "__main__":
    main()
