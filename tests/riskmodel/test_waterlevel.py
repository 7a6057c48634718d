"""Water-level scenario from the DEM on a tiny synthetic valley with a hand-computed answer (issue 6)."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from hypothesis import given, settings
from hypothesis import strategies as st
from test_flood_fixtures import TRANSFORM, dem_grid, make_workspace

from layers.store.workspace import load_workspace
from riskmodel.errors import RiskModelError
from riskmodel.waterlevel import (
    water_level_depths,
    water_level_label,
    water_level_raster,
    water_level_raster_name,
)

RIVER = np.zeros((10, 10), dtype=bool)
RIVER[:, 2] = True


def test_hand_computed_valley():
    # row profile: 104 102 [100] 100.5 101 101.5 110(ridge) 101 101(hollow) 104; rise 3 m → surface 103
    depth = water_level_depths(dem_grid(), RIVER, 3.0)
    want_row = [0.0, 1.0, 3.0, 2.5, 2.0, 1.5, 0.0, 0.0, 0.0, 0.0]
    assert depth.tolist() == [want_row] * 10


def test_hollow_behind_the_ridge_floods_only_when_connected():
    dem = dem_grid()
    dem[4, 6] = 100.0  # a gap in the ridge connects the hollow (101 m) to the river
    depth = water_level_depths(dem, RIVER, 3.0)
    assert depth[0, 7] == pytest.approx(2.0) and depth[4, 6] == pytest.approx(3.0)


def test_land_below_the_nearest_river_bed_is_not_floodplain():
    dem = dem_grid()
    dem[3:6, 3] = 95.0  # a pit next to the river, lower than its bed (100 m): drains elsewhere
    depth = water_level_depths(dem, RIVER, 3.0)
    assert (depth[3:6, 3] == 0).all() and depth[0, 3] == pytest.approx(2.5)
    assert np.nanmax(depth) <= 3.0


def test_surface_follows_the_nearest_river_cell():
    dem = np.full((3, 5), 10.0)
    dem[:, 0] = [1.0, 5.0, 9.0]  # river bed falls from 9 m to 1 m going up the grid
    river = np.zeros((3, 5), dtype=bool)
    river[:, 0] = True
    dem[:, 1:] = [[2.0], [6.0], [9.5]]
    depth = water_level_depths(dem, river, 2.0)
    # surfaces 3, 7, 11 by row; floodplain 2, 6, 9.5 → depths 1, 1, 1.5
    assert depth[:, 1:].tolist() == [[1.0] * 4, [1.0] * 4, [1.5] * 4]


def test_no_rise_or_no_river_floods_nothing_and_nodata_stays_nan():
    dem = dem_grid()
    dem[0, 0] = np.nan
    assert np.nansum(water_level_depths(dem, RIVER, 0.0)) == 0
    assert np.nansum(water_level_depths(dem, np.zeros_like(RIVER), 5.0)) == 0
    assert np.isnan(water_level_depths(dem, RIVER, 3.0)[0, 0])


@settings(max_examples=40, deadline=None)
@given(h1=st.floats(0, 20), h2=st.floats(0, 20))
def test_higher_water_never_floods_less(h1, h2):
    lo, hi = sorted((h1, h2))
    a, b = water_level_depths(dem_grid(), RIVER, lo), water_level_depths(dem_grid(), RIVER, hi)
    assert ((b >= a - 1e-9) | (a == 0)).all() and (b > 0).sum() >= (a > 0).sum()


def test_raster_written_atomically_on_the_dem_grid_and_deterministic(tmp_path):
    ws = load_workspace(make_workspace(tmp_path / "ws", with_dem=True))
    out = ws.root / "flood" / water_level_raster_name(3)
    water_level_raster(ws.dem_path, ws.river, 3.0, out)
    first = out.read_bytes()
    water_level_raster(ws.dem_path, ws.river, 3.0, out)
    assert out.read_bytes() == first
    assert out.name == "water_level_3m.tif" and not list(out.parent.glob("*.tmp"))
    with rasterio.open(out) as ds:
        assert ds.crs.to_epsg() == 4545 and ds.transform == TRANSFORM
        assert ds.read(1)[5].tolist() == [0.0, 1.0, 3.0, 2.5, 2.0, 1.5, 0.0, 0.0, 0.0, 0.0]
    assert water_level_label(ws.river, 3) == "测试河水位上涨 3 m"


def test_missing_dem_or_river_is_a_clear_error(tmp_path):
    ws = load_workspace(make_workspace(tmp_path / "ws"))
    with pytest.raises(RiskModelError, match=r"dem.tif"):
        water_level_raster(ws.dem_path, ws.river, 3.0, tmp_path / "x.tif")
    assert not (tmp_path / "x.tif").exists()
