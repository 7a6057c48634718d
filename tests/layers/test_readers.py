"""Readers: the files counties really have, read into raw tables with source row numbers."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import layers.imports.readers as readers
from layers.errors import LayerFileError
from layers.imports.readers import decode_text, map_headers, normalize_header, parse_coordinates, read_source
from layers.kinds import get_kind
from tests.layers.import_fixtures import (
    shelter_rows,
    write_csv,
    write_kmz,
    write_messy_xlsx,
    write_shapefile_zip,
)

SHELTER = get_kind("shelter")
RARE = "𠀾"  # CJK Extension B: encodable in GB18030, not in GBK


# ---------------------------------------------------------------- CSV encodings


def test_gb18030_csv_with_chinese_headers_is_detected(tmp_path):
    rows = shelter_rows(3)
    rows[0]["场所名称"] = f"{RARE}家湾广场"
    with pytest.raises(UnicodeEncodeError):
        rows[0]["场所名称"].encode("gbk")  # the file below could not be written as GBK
    path = write_csv(tmp_path / "gb.csv", rows, "gb18030")
    table = read_source(path, SHELTER)
    assert table.encoding == "gb18030"
    assert table.values["场所名称"].iat[0] == f"{RARE}家湾广场"
    assert list(table.rows) == [2, 3, 4]


def test_utf8_bom_csv(tmp_path):
    path = write_csv(tmp_path / "bom.csv", shelter_rows(2), "utf-8-sig")
    table = read_source(path, SHELTER)
    assert table.encoding == "utf-8-sig"
    assert table.columns[0] == "编号"  # the BOM is not part of the first header


def test_forced_utf8_on_gb18030_names_the_file(tmp_path):
    path = write_csv(tmp_path / "gb.csv", shelter_rows(2), "gb18030")
    with pytest.raises(LayerFileError, match=r"gb\.csv.*utf-8"):
        read_source(path, SHELTER, encoding="utf-8")


def test_decode_gbk_request_uses_gb18030():
    text, used = decode_text(f"{RARE}".encode("gb18030"), "gbk", "x.csv")
    assert (text, used) == (RARE, "gb18030")


def test_csv_title_row_and_blank_lines_keep_line_numbers(tmp_path):
    rows = shelter_rows(2)
    body = write_csv(tmp_path / "t.csv", rows).read_text(encoding="utf-8").splitlines()
    lines = ["测试县避难场所登记表", "", body[0], body[1], "", ",,,,,,", body[2]]
    path = tmp_path / "title.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_source(path, SHELTER)
    assert list(table.rows) == [4, 7]
    assert list(table.values["编号"]) == ["BN-0001", "BN-0002"]


def test_semicolon_delimiter_sniffed(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("编号;名称;经度;纬度\nA;甲;107.31;30.31\n", encoding="utf-8")
    assert list(read_source(path, SHELTER).values.columns) == ["编号", "名称", "经度", "纬度"]


# ---------------------------------------------------------------- XLSX


def test_messy_xlsx_title_merged_headers_blank_rows(tmp_path):
    path = write_messy_xlsx(tmp_path / "m.xlsx", shelter_rows(5))
    table = read_source(path, SHELTER)
    assert table.columns == ["编号", "场所名称", "场所类别", "可容纳人数", "经度", "纬度"]
    assert list(table.rows) == [4, 5, 7, 8, 10]  # rows 6 and 9 are blank; 1 is the title, 2-3 the header
    assert table.values["可容纳人数"].tolist() == [100, 101, 102, 103, 104]
    assert table.sheet == "避难场所台账" and "说明" in table.notes[0]


def test_xlsx_merged_data_cells_are_filled(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["编号", "名称", "乡镇", "经度", "纬度"])
    ws.append(["A1", "甲", "甲街道", 107.31, 30.31])
    ws.append(["A2", "乙", None, 107.32, 30.31])
    ws.merge_cells("C2:C3")
    wb.save(tmp_path / "merge.xlsx")
    table = read_source(tmp_path / "merge.xlsx", SHELTER)
    assert table.values["乡镇"].tolist() == ["甲街道", "甲街道"]


def test_xlsx_sheet_choice(tmp_path):
    path = write_messy_xlsx(tmp_path / "m.xlsx", shelter_rows(2))
    with pytest.raises(LayerFileError, match="现有工作表：避难场所台账、说明"):
        read_source(path, SHELTER, sheet="不存在")
    with pytest.raises(LayerFileError, match="找不到表头"):
        read_source(path, SHELTER, sheet="说明")
    assert read_source(path, SHELTER, sheet="避难场所台账").notes == []


def test_xls_is_refused_with_advice(tmp_path):
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(LayerFileError, match=r"另存为 \.xlsx"):
        read_source(tmp_path / "old.xls", SHELTER)


# ---------------------------------------------------------------- headers and coordinates


def test_header_mapping_keeps_unknown_and_reports_duplicates():
    m = map_headers(["*编号", "场所名称", "名称", "可容纳人数（人）", "X坐标", "Y坐标", "巡查员"], SHELTER)
    assert m.fields == {"*编号": "id", "场所名称": "name", "可容纳人数（人）": "capacity_people"}
    assert (m.lon, m.lat) == ("X坐标", "Y坐标")
    assert m.unknown == ("名称", "巡查员") and m.duplicates == (("名称", "name"),)


def test_normalize_header_is_idempotent():
    for h in ["威胁人数（人）", " *经 度 ", "Lon", "所在乡镇（街道）"]:
        assert normalize_header(normalize_header(h)) == normalize_header(h)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("107°20'38.8\"", 107 + 20 / 60 + 38.8 / 3600),
        ("107°20′38.8″", 107 + 20 / 60 + 38.8 / 3600),
        ("107度20分38.8秒", 107 + 20 / 60 + 38.8 / 3600),
        ("E107°20'38.8\"", 107 + 20 / 60 + 38.8 / 3600),
        ("30°18'", 30.3),
        ("30.25", 30.25),
        ("北纬30°15'0\"", 30.25),
        ("107.5°", 107.5),
    ],
)
def test_dms_parsing(text, expected):
    value, bad = parse_coordinates(pd.Series([text]))
    assert not bad[0]
    assert value[0] == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("text", ["abc", "107°75'", "107-20-38", "一百零七度"])
def test_unreadable_coordinates_are_flagged(text):
    value, bad = parse_coordinates(pd.Series([text]))
    assert bad[0] and np.isnan(value[0])


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=0, max_value=179.9999))
def test_dms_round_trip(deg):
    total_s = round(deg * 3600, 4)
    d, rem = divmod(total_s, 3600)
    m, sec = divmod(rem, 60)
    value, bad = parse_coordinates(pd.Series([f"{int(d)}°{int(m)}'{sec:.4f}\""]))
    assert not bad[0]
    assert value[0] == pytest.approx(deg, abs=1e-7)


# ---------------------------------------------------------------- geodata


def test_shapefile_zip_epsg4545_gb18030_attributes(tmp_path):
    rows = shelter_rows(3)
    rows[1]["场所名称"] = f"{RARE}水井广场"
    path = write_shapefile_zip(tmp_path / "s.zip", rows)
    table = read_source(path, SHELTER)
    assert table.crs == "EPSG:4545" and table.encoding == "GB18030"
    assert table.values["名称"].iat[1] == f"{RARE}水井广场"
    assert np.all(table.x > 300_000) and np.all(table.y > 3_000_000)  # metres, not degrees


def test_shapefile_zip_with_cpg(tmp_path):
    path = write_shapefile_zip(tmp_path / "s.zip", shelter_rows(2), encoding="UTF-8", cpg=True)
    table = read_source(path, SHELTER)
    assert table.values["名称"].tolist() == ["避难场所1", "避难场所2"]


def test_kmz_placemarks(tmp_path):
    path = write_kmz(tmp_path / "p.kmz", shelter_rows(3))
    table = read_source(path, SHELTER)
    assert table.values["name"].tolist() == ["避难场所1", "避难场所2", "避难场所3"]
    assert table.values["编号"].tolist() == ["BN-0001", "BN-0002", "BN-0003"]
    assert table.x[0] == pytest.approx(107.305) and table.crs == "EPSG:4326"


def test_geopackage_layer_choice(tmp_path):
    import geopandas as gpd

    path = tmp_path / "g.gpkg"
    for layer in ("a", "b"):
        gpd.GeoDataFrame(
            {"编号": [f"{layer}1"], "名称": ["x"]},
            geometry=gpd.points_from_xy([107.31], [30.31]),
            crs="EPSG:4326",
        ).to_file(path, layer=layer, driver="GPKG")
    assert read_source(path, SHELTER).values["编号"].tolist() == ["a1"]
    assert read_source(path, SHELTER, sheet="b").values["编号"].tolist() == ["b1"]


def test_geojson_crs_member_and_non_points(tmp_path):
    path = tmp_path / "g.geojson"
    path.write_text(
        '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4545"}},'
        '"features":[{"type":"Feature","properties":{"编号":"A"},"geometry":{"type":"Point","coordinates":[1,2]}},'
        '{"type":"Feature","properties":{"编号":"B"},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}]}',
        encoding="utf-8",
    )
    table = read_source(path, SHELTER)
    assert table.crs == "EPSG:4545"
    assert table.geom_type.tolist() == ["Point", "LineString"] and np.isnan(table.x[1])


# ---------------------------------------------------------------- guards


def test_empty_file_refused(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(LayerFileError, match=r"e\.csv.*为空"):
        read_source(tmp_path / "e.csv", SHELTER)


def test_oversized_file_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.xlsx"
    with path.open("wb") as fh:
        fh.truncate(60 * 1024 * 1024)  # sparse: 60 MB on paper
    monkeypatch.setattr(readers, "_read_xlsx", lambda **kw: pytest.fail("read before the size check"))
    monkeypatch.setitem(readers._READERS, "xlsx", readers._read_xlsx)
    with pytest.raises(LayerFileError, match=r"big\.xlsx.*60\.0 MB.*50 MB"):
        read_source(path, SHELTER)


def test_zip_with_parent_paths_refused_and_nothing_extracted(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("data/a.shp", b"x")
        zf.writestr("../../escaped.txt", b"owned")
    with pytest.raises(LayerFileError, match=r"evil\.zip.*不安全的路径“\.\./\.\./escaped\.txt”"):
        read_source(path, SHELTER)
    assert not list(tmp_path.parent.rglob("escaped.txt"))


def test_zip_absolute_path_refused(tmp_path):
    path = tmp_path / "abs.kmz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("/etc/doc.kml", b"<kml/>")
    with pytest.raises(LayerFileError, match="不安全的路径"):
        read_source(path, SHELTER)


def test_zip_bomb_refused(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.shp", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(LayerFileError, match="压缩炸弹"):
        read_source(path, SHELTER)
