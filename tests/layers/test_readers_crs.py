"""CRS choices on import: parsing ``--crs`` and converting GCJ-02, BD-09 and EPSG coordinates to WGS 84.

The conversion formulas themselves (reference pairs, round trips) are tested in ``test_coords.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from layers.coords import to_metric, wgs84_to_bd09, wgs84_to_gcj02
from layers.crs import parse_crs, to_wgs84
from layers.errors import ImportRefusedError


def _metres(lon1, lat1, lon2, lat2):
    x1, y1 = to_metric(lon1, lat1)
    x2, y2 = to_metric(lon2, lat2)
    return np.hypot(np.asarray(x1) - x2, np.asarray(y1) - y2)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("wgs84", "wgs84"),
        ("WGS84", "wgs84"),
        ("EPSG:4326", "wgs84"),
        ("cgcs2000", "cgcs2000"),
        ("EPSG:4490", "cgcs2000"),
        ("gcj02", "gcj02"),
        ("高德", "gcj02"),
        ("bd09", "bd09"),
        ("百度", "bd09"),
        ("EPSG:4545", "proj"),
    ],
)
def test_parse_crs(text, key):
    assert parse_crs(text).key == key


def test_parse_crs_error_lists_options():
    with pytest.raises(ImportRefusedError, match="wgs84、cgcs2000、gcj02、bd09"):
        parse_crs("火星")


def test_epsg4545_to_wgs84():
    x, y = to_metric(np.array([107.35]), np.array([30.33]))
    lon, lat = to_wgs84(x, y, parse_crs("EPSG:4545"))
    assert lon[0] == pytest.approx(107.35, abs=1e-8) and lat[0] == pytest.approx(30.33, abs=1e-8)


def test_gcj_and_bd_choices_convert():
    lon, lat = 107.35, 30.33
    g = wgs84_to_gcj02(lon, lat)
    b = wgs84_to_bd09(lon, lat)
    for src, choice in ((g, "gcj02"), (b, "bd09")):
        rlon, rlat = to_wgs84(np.array([src[0]]), np.array([src[1]]), parse_crs(choice))
        assert float(_metres(lon, lat, rlon[0], rlat[0])) < 0.5
