"""Hillshade of the workspace DEM as a small PNG (a data URL for an image overlay).

Computed once per DEM file version (path + mtime) and cached in memory.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import rasterio
from PIL import Image
from rasterio.enums import Resampling
from rasterio.warp import calculate_default_transform, reproject

__all__ = ["Hillshade", "hillshade", "shade"]

_M_PER_DEG_LAT = 110_540.0
_M_PER_DEG_LON_EQ = 111_320.0


@dataclass(frozen=True)
class Hillshade:
    png: bytes
    bounds: tuple[tuple[float, float], tuple[float, float]]  # ((south, west), (north, east))

    @property
    def data_url(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def shade(
    elev: np.ndarray, dx_m: float, dy_m: float, *, azimuth_deg: float = 315.0, altitude_deg: float = 45.0
) -> np.ndarray:
    """Lambertian hillshade in [0, 1] of an elevation grid (rows north → south); NaN stays NaN.

    >>> round(float(shade(np.zeros((3, 3)), 30, 30)[1, 1]), 4)  # flat ground: sin(altitude)
    0.7071
    """
    dz_drow, dz_dx = np.gradient(elev, dy_m, dx_m)
    dz_dy = -dz_drow  # rows run north → south; y points north
    az, alt = np.radians(azimuth_deg), np.radians(altitude_deg)  # azimuth clockwise from north
    light = (np.sin(az) * np.cos(alt), np.cos(az) * np.cos(alt), np.sin(alt))
    norm = np.sqrt(dz_dx**2 + dz_dy**2 + 1.0)  # surface normal (-dz/dx, -dz/dy, 1) / norm
    out = (-dz_dx * light[0] - dz_dy * light[1] + light[2]) / norm
    return np.clip(out, 0.0, 1.0)


def _read_wgs84(path: Path, max_px: int) -> tuple[np.ndarray, rasterio.Affine]:
    with rasterio.open(path) as src:
        scale = max(src.width, src.height) / max_px
        width, height = max(2, int(src.width / max(scale, 1))), max(2, int(src.height / max(scale, 1)))
        transform, w, h = calculate_default_transform(
            src.crs, "EPSG:4326", src.width, src.height, *src.bounds, dst_width=width, dst_height=height
        )
        out = np.full((h, w), np.nan, dtype="float32")
        reproject(
            rasterio.band(src, 1),
            out,
            dst_transform=transform,
            dst_crs="EPSG:4326",
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    return out, transform


def _png(light: np.ndarray) -> bytes:
    # flat ground (light ≈ sin 45° ≈ 0.71) nearly clear; slopes facing away from the light dark
    dark = np.clip((0.8 - np.nan_to_num(light, nan=0.8)) / 0.8, 0.0, 1.0)
    alpha = np.where(np.isnan(light), 0, dark * 230).astype("uint8")
    img = Image.fromarray(np.dstack([np.zeros_like(alpha), alpha]), "LA")
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


@lru_cache(maxsize=4)
def _cached(path: str, mtime_ns: int, max_px: int) -> Hillshade:
    elev, t = _read_wgs84(Path(path), max_px)
    h, w = elev.shape
    lat_mid = t.f + t.e * h / 2
    dx_m = abs(t.a) * _M_PER_DEG_LON_EQ * np.cos(np.radians(lat_mid))
    light = shade(elev, dx_m, abs(t.e) * _M_PER_DEG_LAT)
    light[np.isnan(elev)] = np.nan
    south, north = t.f + t.e * h, t.f
    return Hillshade(_png(light), ((south, t.c), (north, t.c + t.a * w)))


def hillshade(dem_path: str | Path, *, max_px: int = 640) -> Hillshade:
    """Hillshade PNG (black with alpha = shadow) of ``dem_path`` reprojected to WGS 84, ≤ ``max_px`` a side."""
    p = Path(dem_path)
    return _cached(str(p.resolve()), p.stat().st_mtime_ns, max_px)
