"""Fixtures for the import tests: a tiny workspace and generators of the messy files counties send.

Two 0.04° squares side by side inside Dianjiang's bbox (甲街道 west, 乙镇 east); the county is
their union. Every generator writes a real file (CSV in GB18030, XLSX with a title row and
merged headers, zipped Shapefile in EPSG:4545, KMZ, ...) into a folder given by the test.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from layers.coords import wgs84_to_gcj02
from layers.store.io import write_geojson

WEST = shapely.box(107.30, 30.30, 107.34, 30.34)
EAST = shapely.box(107.34, 30.30, 107.38, 30.34)
WEST_NAME, EAST_NAME = "甲街道", "乙镇"

# Shelters: id, name, class, capacity, lon, lat (all inside the county, some near the boundary).
SHELTERS = [
    ("BN-001", "甲街道中心广场", "紧急", 500, 107.3105, 30.3102),
    ("BN-002", "甲街道第一小学", "短期固定", 1200, 107.3251, 30.3273),
    ("BN-003", "乙镇文化公园", "紧急", 300, 107.3550, 30.3180),
    ("BN-004", "乙镇中学操场", "中期固定", 2000, 107.3720, 30.3355),
]


def write_workspace(root: Path) -> Path:
    """A minimal workspace folder: workspace.toml, county, townships, villages; no registries."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "workspace.toml").write_text(
        '[county]\nname = "测试县"\nadcode = "500231"\nmetric_crs = "EPSG:4545"\nsample = false\n',
        encoding="utf-8",
    )
    county = gpd.GeoDataFrame({"name": ["测试县"]}, geometry=[shapely.union(WEST, EAST)], crs="EPSG:4326")
    towns = gpd.GeoDataFrame(
        {
            "code": ["500231001000", "500231002000"],
            "name": [WEST_NAME, EAST_NAME],
            "kind": ["街道", "镇"],
            "population": [1000, 2000],
        },
        geometry=[WEST, EAST],
        crs="EPSG:4326",
    )
    villages = gpd.GeoDataFrame(
        {"code": ["500231001001"], "name": ["一社区"], "township": [WEST_NAME], "population": [1000]},
        geometry=[shapely.Point(107.32, 30.32)],
        crs="EPSG:4326",
    )
    write_geojson(root / "county.geojson", county)
    write_geojson(root / "townships.geojson", towns)
    write_geojson(root / "villages.geojson", villages)
    return root


def township_of(lon: float) -> str:
    return WEST_NAME if lon < 107.34 else EAST_NAME


def shelter_rows(n: int = 4, start: int = 1, *, lon0: float = 107.305, lat0: float = 30.305) -> list[dict]:
    """``n`` valid shelter rows with Chinese headers on a regular grid inside the county."""
    rows = []
    for k in range(n):
        lon = lon0 + (k % 20) * 0.0035
        lat = lat0 + (k // 20 % 8) * 0.004
        rows.append(
            {
                "编号": f"BN-{start + k:04d}",
                "场所名称": f"避难场所{start + k}",
                "场所类别": "紧急",
                "可容纳人数": 100 + k,
                "经度": round(lon, 6),
                "纬度": round(lat, 6),
                "所在乡镇(街道)": township_of(lon),
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8", header: list[str] | None = None) -> Path:
    header = header or list(rows[0])
    lines = [",".join(header)] + [
        ",".join("" if r.get(h) is None else str(r.get(h)) for h in header) for r in rows
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_messy_xlsx(path: Path, rows: list[dict]) -> Path:
    """A title row merged across, a two-level header (位置 over 经度/纬度, 编号 merged down), blank rows."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "避难场所台账"
    ws.append(["测试县应急避难场所登记表（2026年）"])
    ws.merge_cells("A1:F1")
    ws.append(["编号", "场所名称", "场所类别", "可容纳人数", "位置", None])
    ws.append([None, None, None, None, "经度", "纬度"])
    for c in "ABCD":
        ws.merge_cells(f"{c}2:{c}3")
    ws.merge_cells("E2:F2")
    for k, r in enumerate(rows):
        ws.append([r["编号"], r["场所名称"], r["场所类别"], r["可容纳人数"], r["经度"], r["纬度"]])
        if k % 2 == 1:
            ws.append([None] * 6)  # a blank row between records
    wb.create_sheet("说明").append(["本表由乡镇填报"])
    wb.save(path)
    return path


def gcj_shifted(rows: list[dict]) -> list[dict]:
    """The same rows with their coordinates as 高德 (GCJ-02) shows them."""
    out = []
    for r in rows:
        glon, glat = wgs84_to_gcj02(r["经度"], r["纬度"])
        out.append({**r, "经度": round(float(glon), 7), "纬度": round(float(glat), 7)})
    return out


def write_shapefile_zip(
    path: Path, rows: list[dict], *, crs: str = "EPSG:4545", encoding: str = "GB18030", cpg: bool = False
) -> Path:
    """A zipped Shapefile (with .prj) whose attribute text is GB18030 unless ``cpg``."""
    cap = "容纳人数" if encoding.upper() == "GB18030" else "capacity"  # DBF names: 10 bytes at most
    tmp = path.parent / (path.stem + "_shp")
    tmp.mkdir(exist_ok=True)
    lon = np.array([r["经度"] for r in rows])
    lat = np.array([r["纬度"] for r in rows])
    gdf = gpd.GeoDataFrame(
        {
            "编号": [r["编号"] for r in rows],
            "名称": [r["场所名称"] for r in rows],
            "类别": [r["场所类别"] for r in rows],
            cap: [r["可容纳人数"] for r in rows],
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    ).to_crs(crs)
    shp = tmp / "shelters.shp"
    gdf.to_file(shp, driver="ESRI Shapefile", encoding=encoding)
    if not cpg:
        for p in tmp.glob("shelters.cpg"):
            p.unlink()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(tmp.iterdir()):
            zf.write(p, f"shelters/{p.name}")
    return path


def write_kmz(path: Path, rows: list[dict]) -> Path:
    """A KMZ as 奥维/Google Earth write it: Placemarks with ExtendedData and Point coordinates."""
    marks = "".join(
        f"<Placemark><name>{r['场所名称']}</name><ExtendedData>"
        f'<Data name="编号"><value>{r["编号"]}</value></Data>'
        f'<Data name="场所类别"><value>{r["场所类别"]}</value></Data>'
        f'<Data name="可容纳人数"><value>{r["可容纳人数"]}</value></Data></ExtendedData>'
        f"<Point><coordinates>{r['经度']},{r['纬度']},0</coordinates></Point></Placemark>"
        for r in rows
    )
    kml = (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"<name>避难场所</name>{marks}</Document></kml>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", kml.encode("utf-8"))
    return path


def import_worker(root: str, layer_id: str, path: str, mode: str, barrier, results) -> None:
    """Plan an import, wait until the other process has planned too, then apply (for the race tests)."""
    from layers.errors import LayerError
    from layers.imports.importer import apply_import, plan_import
    from layers.store.workspace import load_workspace

    plan = plan_import(load_workspace(root, layers=()), layer_id, path, mode=mode)
    barrier.wait(timeout=60)
    try:
        v = apply_import(plan)
        results.put(("ok", path, v.version))
    except LayerError as exc:
        results.put(("refused", path, str(exc)))
