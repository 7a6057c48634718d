"""Depth rasters: checks, sampling at points, flooded area per township, overlay (issue 6)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from test_flood_fixtures import (
    CELL_M,
    ORIGIN_X,
    ORIGIN_Y,
    cell_center,
    depth_grid,
    make_workspace,
    write_raster,
    write_warped,
)

from layers.store.workspace import load_workspace
from riskmap.render.overlay import depth_overlay
from riskmodel.errors import RasterError
from riskmodel.flood import (
    check_depth_raster,
    flooded_area_by_township,
    open_depth_raster,
    sample_depths,
)


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return load_workspace(make_workspace(tmp_path_factory.mktemp("flood") / "ws"))


@pytest.fixture
def raster(tmp_path):
    return write_raster(tmp_path / "depth.tif", depth_grid())


def test_sample_at_cell_centres_reads_the_grid(raster):
    cells = [(0, 0), (0, 3), (2, 9), (4, 5), (5, 5), (9, 9)]
    lon, lat = zip(*(cell_center(r, c) for r, c in cells), strict=True)
    with open_depth_raster(raster) as ds:
        got = sample_depths(ds, lon, lat)
    assert got.tolist() == [0.0, 0.75, 2.25, 1.25, 0.0, 0.0]


def test_nodata_and_outside_give_nan(tmp_path):
    data = depth_grid()
    data[1, 1] = -9999.0
    path = write_raster(tmp_path / "nd.tif", data)
    far_lon, far_lat = cell_center(0, 20)
    lon, lat = cell_center(1, 1)
    with open_depth_raster(path) as ds:
        got = sample_depths(ds, [lon, far_lon, *cell_center(1, 2)[:1]], [lat, far_lat, cell_center(1, 2)[1]])
    assert np.isnan(got[0]) and np.isnan(got[1]) and got[2] == pytest.approx(0.5)


def test_only_a_window_is_read(raster, monkeypatch):
    with open_depth_raster(raster) as ds:
        seen = []
        real = ds.read
        monkeypatch.setattr(ds, "read", lambda *a, **k: seen.append(k.get("window")) or real(*a, **k))
        sample_depths(ds, *zip(cell_center(3, 4), cell_center(4, 6), strict=True))
    assert len(seen) == 1
    w = seen[0]
    assert (w.row_off, w.col_off, w.height, w.width) == (3, 4, 2, 3)


@pytest.mark.parametrize("crs", ["EPSG:3857", "EPSG:4326"])
def test_same_flood_in_another_crs_gives_same_depths_within_one_cell(tmp_path, raster, crs):
    warped = write_warped(tmp_path / "warped.tif", depth_grid(), crs)
    grid = depth_grid()
    cells = [(r, c) for r in range(1, 9) for c in range(1, 9)]
    lon, lat = (np.array(v) for v in zip(*(cell_center(r, c) for r, c in cells), strict=True))
    with open_depth_raster(raster) as a, open_depth_raster(warped) as b:
        base, other = sample_depths(a, lon, lat), sample_depths(b, lon, lat)
    for (r, c), want, got in zip(cells, base, other, strict=True):
        neighbourhood = grid[r - 1 : r + 2, c - 1 : c + 2]
        assert want == grid[r, c]
        assert np.isclose(neighbourhood, got).any(), (r, c, got)
    assert np.mean(np.isclose(base, other)) > 0.8  # mostly the very same cell


def test_flooded_area_per_township_by_hand(ws, raster):
    with open_depth_raster(raster) as ds:
        areas = flooded_area_by_township(ds, ws.townships).set_index("name")
    # 甲镇: rows 0–4 × cols 1–4 = 20 cells of 100 m × 100 m; 乙镇: rows 0–4 × cols 5–9 = 25 cells
    assert areas.loc["甲镇", "flooded_area_m2"] == pytest.approx(200_000, rel=1e-4)
    assert areas.loc["乙镇", "flooded_area_m2"] == pytest.approx(250_000, rel=1e-4)
    assert areas.loc["甲镇", "max_depth_m"] == pytest.approx(1.0)
    assert areas.loc["乙镇", "max_depth_m"] == pytest.approx(2.25)


def test_flooded_area_threshold_and_other_crs(ws, raster, tmp_path):
    warped = write_warped(tmp_path / "w.tif", depth_grid(), "EPSG:3857")
    with open_depth_raster(raster) as ds:
        deep = flooded_area_by_township(ds, ws.townships, min_depth_m=1.0).set_index("name")
    with open_depth_raster(warped) as ds:
        other = flooded_area_by_township(ds, ws.townships).set_index("name")
    # depth > 1.0: 甲镇 none (max 1.0); 乙镇 cols 5–9 (1.25…2.25) = 25 cells
    assert deep.loc["甲镇", "flooded_area_m2"] == pytest.approx(0.0, abs=1.0)
    assert deep.loc["乙镇", "flooded_area_m2"] == pytest.approx(250_000, rel=1e-4)
    assert other["flooded_area_m2"].sum() == pytest.approx(450_000, rel=0.05)


def test_raster_without_crs_is_refused(ws, tmp_path):
    path = write_raster(tmp_path / "nocrs.tif", depth_grid(), crs=None)
    with open_depth_raster(path) as ds, pytest.raises(RasterError, match=r"nocrs.tif.*坐标系"):
        check_depth_raster(ds, ws.county)


def test_raster_missing_the_county_is_refused(ws, tmp_path):
    from rasterio.transform import from_origin

    path = write_raster(
        tmp_path / "far.tif", depth_grid(), transform=from_origin(ORIGIN_X + 50_000, ORIGIN_Y, 100, 100)
    )
    with open_depth_raster(path) as ds, pytest.raises(RasterError, match=r"far.tif.*不重叠"):
        check_depth_raster(ds, ws.county)


def test_not_a_raster_is_refused(tmp_path):
    path = tmp_path / "notes.tif"
    path.write_text("这不是栅格", encoding="utf-8")
    with pytest.raises(RasterError, match=r"notes.tif.*不是可读取的栅格"):
        open_depth_raster(path)


def test_overlay_is_transparent_where_dry_and_covers_the_raster(raster):
    with open_depth_raster(raster) as ds:
        ov = depth_overlay(ds)
    assert ov.png.startswith(b"\x89PNG")
    alpha = ov.rgba[..., 3]
    assert (alpha[-1] == 0).all()  # bottom half is dry
    assert (alpha[0, 1:] == 255).all() and alpha[0, 0] == 0  # top row wet except column 0 (depth 0)
    (south, west), (north, east) = ov.bounds
    to_lonlat = Transformer.from_crs("EPSG:4545", "EPSG:4326", always_xy=True)
    w, n = to_lonlat.transform(ORIGIN_X, ORIGIN_Y)
    e, s = to_lonlat.transform(ORIGIN_X + 10 * CELL_M, ORIGIN_Y - 10 * CELL_M)
    assert abs(west - w) < 1e-3 and abs(north - n) < 1e-3 and abs(east - e) < 1e-3 and abs(south - s) < 1e-3


@settings(max_examples=50, deadline=None)
@given(fx=st.floats(-0.5, 1.5), fy=st.floats(-0.5, 1.5))
def test_inside_gives_data_outside_gives_nodata(tmp_path_factory, fx, fy):
    path = tmp_path_factory.getbasetemp() / "prop.tif"
    if not path.exists():
        write_raster(path, np.ones((10, 10), dtype="float32"))
    x, y = ORIGIN_X + fx * 10 * CELL_M, ORIGIN_Y - fy * 10 * CELL_M
    inside = 0 <= fx < 1 and 0 <= fy < 1
    edge = min(abs(fx), abs(fx - 1), abs(fy), abs(fy - 1)) < 1e-6  # rounding through lon/lat at the very edge
    lon, lat = Transformer.from_crs("EPSG:4545", "EPSG:4326", always_xy=True).transform(x, y)
    with open_depth_raster(path) as ds:
        got = sample_depths(ds, [lon], [lat])[0]
    if not edge:
        assert (got == 1.0) if inside else np.isnan(got)


def test_empty_and_dry_frames(ws, raster):
    with open_depth_raster(raster) as ds:
        assert sample_depths(ds, [], []).size == 0
        towns = gpd.GeoDataFrame(
            {"name": ["远处"]}, geometry=[shapely.box(100, 10, 100.1, 10.1)], crs="EPSG:4326"
        )
        far = flooded_area_by_township(ds, towns)
    assert far["flooded_area_m2"].tolist() == [0.0]
