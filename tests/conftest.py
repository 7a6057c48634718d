"""Shared fixtures: a tiny hand-checkable workspace (two square townships inside Dianjiang's bbox)."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from layers.store.io import write_geojson
from layers.store.workspace import DEFAULT_WORKSPACE

# Two 0.04° × 0.04° squares side by side near the county seat: 东镇 (west) and 西镇 (east).
WEST = shapely.box(107.30, 30.30, 107.34, 30.34)
EAST = shapely.box(107.34, 30.30, 107.38, 30.34)


def write_tiny_workspace(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "workspace.toml").write_text(
        '[county]\nname = "测试县"\nadcode = "500231"\nmetric_crs = "EPSG:4545"\nsample = false\n', encoding="utf-8")
    county = gpd.GeoDataFrame({"name": ["测试县"]}, geometry=[shapely.union(WEST, EAST)], crs="EPSG:4326")
    towns = gpd.GeoDataFrame({"code": ["500231001000", "500231002000"], "name": ["甲街道", "乙镇"],
                              "kind": ["街道", "镇"], "population": [1000, 2000]},
                             geometry=[WEST, EAST], crs="EPSG:4326")
    villages = gpd.GeoDataFrame({"code": ["500231001001", "500231002201"], "name": ["一社区", "二村"],
                                 "township": ["甲街道", "乙镇"], "population": [1000, 2000]},
                                geometry=[shapely.Point(107.32, 30.32), shapely.Point(107.36, 30.32)],
                                crs="EPSG:4326")
    write_geojson(root / "county.geojson", county)
    write_geojson(root / "townships.geojson", towns)
    write_geojson(root / "villages.geojson", villages)
    return root


@pytest.fixture
def tiny_workspace(tmp_path) -> Path:
    return write_tiny_workspace(tmp_path / "ws")


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A writable copy of the bundled sample workspace (without its history)."""
    assert (DEFAULT_WORKSPACE / "workspace.toml").exists(), "bundled sample workspace missing"
    dest = tmp_path / "dianjiang"
    shutil.copytree(DEFAULT_WORKSPACE, dest, ignore=shutil.ignore_patterns(".history", ".locks"))
    return dest
