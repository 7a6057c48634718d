"""Coordinate systems: WGS 84 / CGCS2000 ⇄ GCJ-02 (高德/腾讯) ⇄ BD-09 (百度), and the metric CRS.

GCJ-02 is an obfuscated datum; the forward formula is public, the inverse is solved here by
fixed-point iteration to well below a millimetre. CGCS2000 (EPSG:4490) is treated as WGS 84 at
map scale (they differ by centimetres to decimetres). All functions are vectorised over numpy
arrays and also accept scalars.
"""

from __future__ import annotations

import numpy as np
import pyproj

__all__ = [
    "METRIC_CRS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "to_metric",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

METRIC_CRS = "EPSG:4545"  # CGCS2000 / 3-degree Gauss-Kruger CM 108E
_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0


def _out_of_china(lon, lat):
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _transform_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_delta(lon, lat):
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = _out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _arrays(lon, lat):
    return np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")


def wgs84_to_gcj02(lon, lat):
    """WGS 84 → GCJ-02 (the public forward formula). Points outside China are unchanged.

    >>> [round(float(v), 6) for v in wgs84_to_gcj02(107.3441, 30.3325)]
    [107.348688, 30.329995]
    """
    lon, lat = _arrays(lon, lat)
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, *, iterations: int = 8):
    """GCJ-02 → WGS 84 by fixed-point iteration (error < 1 mm after a few steps)."""
    glon, glat = _arrays(lon, lat)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(iterations):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        wlon, wlat = wlon - (flon - glon), wlat - (flat - glat)
    return wlon, wlat


def gcj02_to_bd09(lon, lat):
    """GCJ-02 → BD-09 (百度)."""
    lon, lat = _arrays(lon, lat)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon, lat):
    """BD-09 → GCJ-02 (百度 → 高德)."""
    lon, lat = _arrays(lon, lat)
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def wgs84_to_bd09(lon, lat):
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_TO_METRIC: dict[str, pyproj.Transformer] = {}


def to_metric(lon, lat, crs: str = METRIC_CRS):
    """Project lon/lat (WGS 84 ≈ CGCS2000) to a metric CRS; returns (x_m, y_m) arrays."""
    if crs not in _TO_METRIC:
        _TO_METRIC[crs] = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = _TO_METRIC[crs].transform(*_arrays(lon, lat))
    return np.asarray(x), np.asarray(y)
