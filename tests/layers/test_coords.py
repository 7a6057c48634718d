"""GCJ-02 / BD-09 / WGS 84 conversions against published reference pairs, and round trips."""

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


def _metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    x1, y1 = to_metric(lon1, lat1)
    x2, y2 = to_metric(lon2, lat2)
    return np.hypot(x1 - x2, y1 - y2)


# Published example of the widely used coordTransform libraries (wandergis/coordTransform README,
# Python/JS/Rust ports): input (116.404, 39.915) in each direction.
REFERENCE_404_915 = {
    "wgs84_to_gcj02": (116.41024449916938, 39.91640428150164),
    "gcj02_to_bd09": (116.41036949371029, 39.92133699351021),
    "bd09_to_gcj02": (116.39762729119315, 39.90865673957631),
}


@pytest.mark.parametrize("func", [wgs84_to_gcj02, gcj02_to_bd09, bd09_to_gcj02])
def test_forward_formulas_match_published_pairs(func):
    lon, lat = func(116.404, 39.915)
    want = REFERENCE_404_915[func.__name__]
    assert lon == pytest.approx(want[0], abs=1e-9)
    assert lat == pytest.approx(want[1], abs=1e-9)


def test_gcj02_to_wgs84_inverts_the_one_step_published_value():
    # coordTransform's gcj02towgs84 is a one-step approximation: (116.39775550083061, 39.91359571849836);
    # the iterated inverse must agree with it to well under a metre and be exact in the forward direction.
    lon, lat = gcj02_to_wgs84(116.404, 39.915)
    assert _metres(lon, lat, 116.39775550083061, 39.91359571849836) < 0.5
    back = wgs84_to_gcj02(lon, lat)
    assert _metres(*back, 116.404, 39.915) < 0.001


def test_dianjiang_seat_pair_from_facts():
    # FACTS §1: GCJ-02 centre 107.348692, 30.330012 (Aliyun DataV) ↔ WGS 84 ≈ 107.3441, 30.3325.
    lon, lat = gcj02_to_wgs84(107.348692, 30.330012)
    assert _metres(lon, lat, 107.3441, 30.3325) < 5.0


def test_beijing_station_bd09_pair():
    # cst (R package) docs: Beijing railway station GCJ-02 (116.42703, 39.90245) ↔ BD-09 (116.43351, 39.90851).
    assert _metres(*gcj02_to_bd09(116.42703, 39.90245), 116.43351, 39.90851) < 2.0
    assert _metres(*bd09_to_gcj02(116.43351, 39.90851), 116.42703, 39.90245) < 2.0


def test_gcj_offset_in_dianjiang_is_about_half_a_kilometre_ese():
    # FACTS §3: the GCJ point lies ≈510–525 m ESE (azimuth 122–127°) of the true point.
    lon = np.array([107.25, 107.35, 107.45, 107.55, 107.65])
    lat = np.array([30.20, 30.33, 30.05, 30.40, 30.45])
    glon, glat = wgs84_to_gcj02(lon, lat)
    x0, y0 = to_metric(lon, lat)
    x1, y1 = to_metric(glon, glat)
    dist = np.hypot(x1 - x0, y1 - y0)
    azimuth = np.degrees(np.arctan2(x1 - x0, y1 - y0)) % 360
    assert np.all((dist > 495) & (dist < 540))
    assert np.all((azimuth > 118) & (azimuth < 131))


def test_outside_china_is_unchanged():
    lon, lat = wgs84_to_gcj02(np.array([2.35, -74.0]), np.array([48.85, 40.7]))
    assert list(lon) == [2.35, -74.0]
    assert list(lat) == [48.85, 40.7]


china_lon = st.floats(min_value=73.5, max_value=134.5, allow_nan=False)
china_lat = st.floats(min_value=18.5, max_value=53.0, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_gcj02_round_trip_within_half_a_metre(lon, lat):
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert _metres(glon, glat, lon, lat) > 1.0  # the offset is real inside China
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert _metres(wlon, wlat, lon, lat) < 0.5


@settings(max_examples=50, deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_bd09_round_trip_within_half_a_metre(lon, lat):
    blon, blat = wgs84_to_bd09(lon, lat)
    wlon, wlat = bd09_to_wgs84(blon, blat)
    assert _metres(wlon, wlat, lon, lat) < 0.5


def test_vectorised_equals_scalar():
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(107.2, 107.7, 20), rng.uniform(29.97, 30.52, 20)
    vec = gcj02_to_wgs84(lon, lat)
    for i in (0, 7, 19):
        one = gcj02_to_wgs84(lon[i], lat[i])
        assert (float(one[0]), float(one[1])) == (vec[0][i], vec[1][i])
