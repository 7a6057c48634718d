"""GCJ-02 / BD-09 conversions against published reference pairs, round trips, and CRS parsing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_metric,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from layers.importer import ImportRefusedError, parse_crs, to_wgs84

# wandergis/coordtransform test/app.js: conversions of (116.404, 39.915), printed by that library.
REF_IN = (116.404, 39.915)
REF = {
    "bd09_to_gcj02": (116.39762729119315, 39.90865673957631),
    "gcj02_to_bd09": (116.41036949371029, 39.92133699351021),
    "wgs84_to_gcj02": (116.41024449916938, 39.91640428150164),
    "gcj02_to_wgs84_1step": (116.39775550083061, 39.91359571849836),  # that library's one-step inverse
}


def _metres(lon1, lat1, lon2, lat2):
    x1, y1 = to_metric(lon1, lat1)
    x2, y2 = to_metric(lon2, lat2)
    return np.hypot(np.asarray(x1) - x2, np.asarray(y1) - y2)


@pytest.mark.parametrize(
    ("func", "key"),
    [(bd09_to_gcj02, "bd09_to_gcj02"), (gcj02_to_bd09, "gcj02_to_bd09"), (wgs84_to_gcj02, "wgs84_to_gcj02")],
)
def test_reference_pairs(func, key):
    lon, lat = func(*REF_IN)
    assert float(lon) == pytest.approx(REF[key][0], abs=1e-9)
    assert float(lat) == pytest.approx(REF[key][1], abs=1e-9)


def test_inverse_is_exact_where_the_one_step_inverse_is_not():
    lon, lat = gcj02_to_wgs84(*REF_IN)
    back = wgs84_to_gcj02(lon, lat)
    assert float(back[0]) == pytest.approx(REF_IN[0], abs=1e-9) and float(back[1]) == pytest.approx(
        REF_IN[1], abs=1e-9
    )
    # the published one-step inverse is within a few metres of ours
    assert abs(float(lon) - REF["gcj02_to_wgs84_1step"][0]) < 5e-5
    assert abs(float(lat) - REF["gcj02_to_wgs84_1step"][1]) < 5e-5


def test_offset_near_dianjiang_is_about_500_m():
    lon, lat = 107.35, 30.33
    glon, glat = wgs84_to_gcj02(lon, lat)
    d = _metres(lon, lat, glon, glat)
    assert 300 < float(d) < 800


def test_outside_china_unchanged():
    lon, lat = wgs84_to_gcj02(np.array([2.35]), np.array([48.85]))
    assert lon[0] == 2.35 and lat[0] == 48.85


_CHINA = st.tuples(st.floats(min_value=97.0, max_value=123.0), st.floats(min_value=21.0, max_value=45.0))


@settings(max_examples=50, deadline=None)
@given(_CHINA)
def test_gcj02_round_trip_within_half_a_metre(pt):
    lon, lat = pt
    rlon, rlat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert float(_metres(lon, lat, rlon, rlat)) < 0.5


@settings(max_examples=50, deadline=None)
@given(_CHINA)
def test_bd09_round_trip_within_half_a_metre(pt):
    lon, lat = pt
    rlon, rlat = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert float(_metres(lon, lat, rlon, rlat)) < 0.5


def test_vectorised_matches_scalar():
    lons, lats = np.array([107.3, 107.4, 116.404]), np.array([30.3, 30.4, 39.915])
    vlon, vlat = wgs84_to_gcj02(lons, lats)
    for i in range(3):
        slon, slat = wgs84_to_gcj02(lons[i], lats[i])
        assert vlon[i] == float(slon) and vlat[i] == float(slat)


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
