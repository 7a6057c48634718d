"""Bench: load and validate the bundled workspace plus a generated 1,000,000-point nine_small layer.

Baseline (same process, same file): ``geopandas.read_file`` alone — reading without any typing or
validation. Ours: ``load_workspace`` = read + type + validate every layer (county, townships, all seven
registries). Target: 1M points loaded and validated in under 10 s on 2 cores.

Last line: ``{"bench": "store", "n": ..., "seconds": ..., "baseline_seconds": ..., "ratio": ...}``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from layers.kinds import get_kind
from layers.store.io import write_geojson
from layers.store.workspace import DEFAULT_WORKSPACE, load_workspace
from layers.validate import locate_townships


def _points_in(area, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    xmin, ymin, xmax, ymax = area.county.bounds
    lon, lat = np.empty(0), np.empty(0)
    while lon.size < n:
        x, y = rng.uniform(xmin, xmax, 2 * n), rng.uniform(ymin, ymax, 2 * n)
        keep = shapely.contains_xy(area.county, x, y)
        lon, lat = np.concatenate([lon, x[keep]]), np.concatenate([lat, y[keep]])
    return lon[:n], lat[:n]


def make_nine_small(area, n: int, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lon, lat = _points_in(area, n, rng)
    cats = np.array(get_kind("nine_small").field("category").allowed)
    return gpd.GeoDataFrame({
        "id": [f"JX{i:07d}" for i in range(n)],
        "name": [f"场所{i}" for i in range(n)],
        "township": locate_townships(area, lon, lat),
        "source": "sample",
        "category": cats[rng.integers(0, cats.size, n)],
        "floor_area_m2": np.round(rng.uniform(20, 300, n), 1),
        "occupants": rng.integers(1, 60, n),
        "hazards_open": rng.integers(0, 4, n),
        "last_inspection": "2026-05-01",
    }, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def _best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run(n: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        shutil.copytree(DEFAULT_WORKSPACE, root, ignore=shutil.ignore_patterns(".history", ".locks"))
        bundled = _best_of(lambda: load_workspace(root), repeat)
        area = load_workspace(root, layers=()).area
        write_geojson(root / "nine_small.geojson", make_nine_small(area, n), get_kind("nine_small"))
        holder = {}
        ours = _best_of(lambda: holder.update(ws=load_workspace(root)), repeat)
        ws = holder["ws"]
        assert len(ws.layers["nine_small"]) == n and not ws.errors, ws.errors[:3]
        baseline = _best_of(lambda: gpd.read_file(root / "nine_small.geojson", engine="pyogrio"), repeat)
    return {"bench": "store", "n": n, "seconds": round(ours, 3), "baseline_seconds": round(baseline, 3),
            "ratio": round(baseline / ours, 3), "bundled_workspace_seconds": round(bundled, 3),
            "baseline": "geopandas.read_file (pyogrio) of the same nine_small file, no typing or validation",
            "target_seconds": 10.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="100,000 points, one repeat (under 60 s)")
    ap.add_argument("--n", type=int, default=None)
    args = ap.parse_args()
    n = args.n or (100_000 if args.quick else 1_000_000)
    print(json.dumps(run(n, 1 if args.quick else 2), ensure_ascii=False))


if __name__ == "__main__":
    main()
