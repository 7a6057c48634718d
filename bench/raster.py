"""Bench: depths at 1,000,000 points from a 6000×6000 raster — one windowed read + vectorised indexing
(``riskmodel.flood.sample_depths``) against rasterio's per-point ``DatasetReader.sample()``.

Targets (issue 6): ≥ 20× faster than ``sample()`` and under 1.5 s. The raster is made in a temp dir
(EPSG:4545, 10 m cells, float32, tiled, deflate). Both methods take the same lon/lat points and are
checked to return the same values on the points the baseline samples.

``--quick``: the baseline samples only a subset of the points and its time is extrapolated linearly
to the full count (``baseline_extrapolated: true`` in the JSON); ours always runs on every point.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from riskmodel.flood import sample_depths

SIZE, CELL_M, ORIGIN = 6000, 10.0, (425_000.0, 3_377_000.0)


def make_raster(path: Path) -> None:
    rng = np.random.default_rng(6)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=SIZE,
        height=SIZE,
        count=1,
        dtype="float32",
        crs="EPSG:4545",
        transform=from_origin(*ORIGIN, CELL_M, CELL_M),
        nodata=-9999.0,
        tiled=True,
        blockxsize=512,
        blockysize=512,
        compress="deflate",
    ) as w:
        for r0 in range(0, SIZE, 1000):
            block = rng.gamma(1.0, 0.5, size=(1000, SIZE)).astype("float32")
            w.write(block, 1, window=rasterio.windows.Window(0, r0, SIZE, 1000))


def make_points(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = ORIGIN[0] + rng.uniform(0, SIZE * CELL_M, n)
    y = ORIGIN[1] - rng.uniform(0, SIZE * CELL_M, n)
    lon, lat = Transformer.from_crs("EPSG:4545", "EPSG:4326", always_xy=True).transform(x, y)
    return np.asarray(lon), np.asarray(lat), x, y


def time_ours(path: Path, lon, lat) -> tuple[float, np.ndarray]:
    with rasterio.open(path) as ds:
        t0 = time.perf_counter()
        depths = sample_depths(ds, lon, lat)
        return time.perf_counter() - t0, depths


def time_baseline(path: Path, lon, lat) -> tuple[float, np.ndarray]:
    """rasterio's sample(): same lon/lat input, so it pays the same reprojection."""
    with rasterio.open(path) as ds:
        t0 = time.perf_counter()
        x, y = Transformer.from_crs("EPSG:4326", ds.crs, always_xy=True).transform(lon, lat)
        values = np.fromiter(
            (v[0] for v in ds.sample(zip(x, y, strict=True), indexes=1)), dtype="float64", count=len(lon)
        )
        return time.perf_counter() - t0, values


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="baseline on a subset, extrapolated (under 60 s)")
    ap.add_argument("--points", type=int, default=1_000_000)
    args = ap.parse_args()
    n_base = 50_000 if args.quick else args.points
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "depth.tif"
        t0 = time.perf_counter()
        make_raster(path)
        make_s = time.perf_counter() - t0
        lon, lat, _, _ = make_points(args.points)
        ours_s, ours = time_ours(path, lon, lat)
        base_s, base = time_baseline(path, lon[:n_base], lat[:n_base])
    same = bool(np.allclose(np.nan_to_num(ours[:n_base], nan=-9999.0), base))
    full_base_s = base_s * args.points / n_base
    print(
        f"raster {SIZE}×{SIZE} made in {make_s:.1f} s; ours {ours_s:.3f} s for {args.points:,} points; "
        f"sample() {base_s:.2f} s for {n_base:,} points",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {
                "bench": "raster",
                "n": args.points,
                "seconds": round(ours_s, 4),
                "baseline_seconds": round(full_base_s, 3),
                "ratio": round(full_base_s / ours_s, 1),
                "baseline": "rasterio DatasetReader.sample()",
                "baseline_points": n_base,
                "baseline_extrapolated": n_base != args.points,
                "raster": f"{SIZE}x{SIZE} float32",
                "same_values": same,
                "target_ratio": 20,
                "target_seconds": 1.5,
                "meets_targets": bool(full_base_s / ours_s >= 20 and ours_s < 1.5),
            }
        )
    )


if __name__ == "__main__":
    main()
