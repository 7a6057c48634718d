"""Every page works on a workspace fresh from ``riskmap init`` and its first import (empty registries)."""

from __future__ import annotations

from county_fixture import write_township_file
from streamlit.testing.v1 import AppTest

from layers.county import find_county, init_workspace
from riskmap.cli.main import main

PAGES = ["overview", "browse", "export_page", "flood", "analysis", "data"]


def test_every_page_on_a_new_county(tmp_path, monkeypatch):
    root = tmp_path / "lasa"
    init_workspace(root, find_county(adcode="540102"))
    towns = write_township_file(root, tmp_path / "t.geojson", ["八廓街道", "纳金乡"], "540102")
    assert main(["import", "townships", str(towns), "--workspace", str(root)]) == 0
    monkeypatch.setenv("RISKMAP_WORKSPACE", str(root))
    runs = {}
    for name in PAGES:
        at = runs[name] = AppTest.from_string(f"from riskmap.ui import {name}\n{name}.render()\n",
                                              default_timeout=90).run()
        assert not at.exception, (name, [e.value for e in at.exception])
        assert at.title, name
    assert any("dem.tif" in e.value for e in runs["flood"].error)  # no DEM: said, not a traceback


def test_data_page_offers_the_workspaces_own_metric_crs(tmp_path, monkeypatch):
    root = tmp_path / "lasa"
    init_workspace(root, find_county(adcode="540102"))  # 拉萨 城关区: CGCS2000 zone EPSG:4539, not 4545
    monkeypatch.setenv("RISKMAP_WORKSPACE", str(root))
    at = AppTest.from_string("from riskmap.ui import data\ndata.render()\n", default_timeout=90).run()
    at.selectbox(key="dm_crs").set_value("其他 EPSG").run()
    assert not at.exception
    assert at.text_input(key="dm_epsg").value == "EPSG:4539"
