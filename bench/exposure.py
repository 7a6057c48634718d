"""Bench: exact exposure pairs, 1,000,000 element points × 50,000 hazards with radii 50–500 m.

Ours: :func:`riskmodel.exposure.pairs_within` (numpy grid hash, exact distance test, 2 threads).
Baselines, same process, same data (EPSG:4545 metres, uniform over the county's bounding box):

(a) ``GeoSeries.buffer(r)`` + ``geopandas.sjoin(predicate="intersects")`` — the polygon approach;
    a buffer is an inscribed polygon, so it misses pairs near the ring edge (printed);
(b) ``geopandas.sjoin(hazards, points, predicate="dwithin", distance=<per-hazard radii>)``
    (geopandas ≥ 1.0 accepts an array of distances aligned with the left frame).

A brute-force check on a sample of hazards (all n × m distances) must find zero missed and zero
extra pairs in ours. Also times ``riskmap analyze``'s work (load + analyze) on the bundled sample.
Targets: ≥ 5× faster than (a), ≥ 2× faster than (b), full run < 1.5 s.

Last line: ``{"bench": "exposure", "n": ..., "seconds": ..., "baseline_seconds": ..., "ratio": ...}``
with ``baseline_seconds``/``ratio`` against (a) and ``*_dwithin`` keys for (b).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from riskmodel.exposure import brute_force_pairs, pairs_within

BBOX_M = (425_000.0, 3_317_700.0, 468_000.0, 3_377_700.0)  # the county in EPSG:4545 (FACTS §1)


def make_scene(n_points: int, n_hazards: int, seed: int = 20260101):
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = BBOX_M
    pts = np.column_stack([rng.uniform(xmin, xmax, n_points), rng.uniform(ymin, ymax, n_points)])
    hz = np.column_stack([rng.uniform(xmin, xmax, n_hazards), rng.uniform(ymin, ymax, n_hazards)])
    return pts, hz, rng.uniform(50.0, 500.0, n_hazards)


def _keys(h, e, m: int) -> np.ndarray:
    return np.sort(np.asarray(h, dtype=np.int64) * m + np.asarray(e, dtype=np.int64))


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def run_ours(pts, hz, radii, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        dt, out = _timed(lambda: pairs_within(hz, radii, pts))
        times.append(dt)
    return times, out


def run_buffer(pts, hz, radii):
    def go():
        left = gpd.GeoDataFrame(geometry=gpd.points_from_xy(pts[:, 0], pts[:, 1]), crs="EPSG:4545")
        disks = gpd.GeoSeries(gpd.points_from_xy(hz[:, 0], hz[:, 1]), crs="EPSG:4545").buffer(radii)
        joined = gpd.sjoin(left, gpd.GeoDataFrame(geometry=disks), predicate="intersects")
        return joined["index_right"].to_numpy(), joined.index.to_numpy()

    return _timed(go)


def run_dwithin(pts, hz, radii):
    def go():
        left = gpd.GeoDataFrame(geometry=gpd.points_from_xy(hz[:, 0], hz[:, 1]), crs="EPSG:4545")
        right = gpd.GeoDataFrame(geometry=gpd.points_from_xy(pts[:, 0], pts[:, 1]), crs="EPSG:4545")
        joined = gpd.sjoin(left, right, predicate="dwithin", distance=radii)
        return joined.index.to_numpy(), joined["index_right"].to_numpy()

    return _timed(go)


def brute_check(pts, hz, radii, ours, sample: int, seed: int = 7) -> tuple[int, int]:
    """Missed and extra pairs of ours against all distances for a sample of hazards."""
    h, e, _ = ours
    pick = np.random.default_rng(seed).choice(len(hz), size=min(sample, len(hz)), replace=False)
    missed = extra = 0
    for chunk in np.array_split(pick, max(1, len(pick) // 10)):
        bh, be, _ = brute_force_pairs(hz[chunk], radii[chunk], pts)
        want = _keys(chunk[bh], be, len(pts))
        sel = np.isin(h, chunk)
        got = _keys(h[sel], e[sel], len(pts))
        missed += int(np.setdiff1d(want, got, assume_unique=True).size)
        extra += int(np.setdiff1d(got, want, assume_unique=True).size)
    return missed, extra


def analyze_seconds() -> float | None:
    from layers.store.workspace import DEFAULT_WORKSPACE, load_workspace
    from riskmodel.analysis import analyze_workspace

    if not (DEFAULT_WORKSPACE / "workspace.toml").exists():
        return None
    dt, _ = _timed(lambda: analyze_workspace(load_workspace(DEFAULT_WORKSPACE)))
    return dt


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100,000 points × 5,000 hazards (under a minute)")
    args = ap.parse_args(argv)
    n_pts, n_hz = (100_000, 5_000) if args.quick else (1_000_000, 50_000)
    pts, hz, radii = make_scene(n_pts, n_hz)
    times, ours = run_ours(pts, hz, radii, repeat=3)
    seconds = statistics.median(times)
    ours_keys = _keys(ours[0], ours[1], n_pts)
    print(
        f"ours (grid hash): median {seconds:.3f} s of {[round(t, 3) for t in times]}, pairs {ours_keys.size:,}"
    )
    t_buf, buf = run_buffer(pts, hz, radii)
    buf_keys = _keys(*buf, n_pts)
    missed_by_buffer = int(np.setdiff1d(ours_keys, buf_keys, assume_unique=True).size)
    print(
        f"(a) buffer + sjoin intersects: {t_buf:.3f} s, pairs {buf_keys.size:,}, missed {missed_by_buffer:,}"
    )
    t_dw, dw = run_dwithin(pts, hz, radii)
    dw_keys = _keys(*dw, n_pts)
    same_as_dwithin = bool(np.array_equal(dw_keys, ours_keys))
    print(
        f"(b) sjoin dwithin (per-site distance): {t_dw:.3f} s, pairs {dw_keys.size:,}, identical: {same_as_dwithin}"
    )
    missed, extra = brute_check(pts, hz, radii, ours, sample=100 if args.quick else 200)
    print(f"brute force on a sample: missed {missed}, extra {extra}")
    t_an = analyze_seconds()
    if t_an is not None:
        print(f"analyze (load + analyze_workspace) on the bundled sample: {t_an:.3f} s")
    doc = {
        "bench": "exposure",
        "n": n_pts,
        "hazards": n_hz,
        "seconds": round(seconds, 4),
        "baseline_seconds": round(t_buf, 4),
        "ratio": round(t_buf / seconds, 2),
        "baseline_dwithin_seconds": round(t_dw, 4),
        "ratio_dwithin": round(t_dw / seconds, 2),
        "pairs": int(ours_keys.size),
        "pairs_buffer": int(buf_keys.size),
        "missed_by_buffer": missed_by_buffer,
        "pairs_dwithin": int(dw_keys.size),
        "brute_missed": missed,
        "brute_extra": extra,
        "analyze_seconds": None if t_an is None else round(t_an, 3),
        "quick": args.quick,
    }
    print(json.dumps(doc, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
