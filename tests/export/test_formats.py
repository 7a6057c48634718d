"""Every format read back with an independent reader: same ids as the selection, Chinese intact,
coordinates within 1e-6°, and the selection/time named inside the file."""

from __future__ import annotations

import io
import zipfile

import pytest

from layers.exports import FORMATS, collect_export, export_stem, render_export, write_export
from layers.selection import Filter, Selection, select_sites
from layers.store.workspace import DEFAULT_WORKSPACE, load_workspace
from tests.export import readback as rb
from tests.export.fixtures import FIXED_NOW, TRICKY_NAME

TOL_DEG = 1e-6
SELECTIONS = {
    "one_township": Selection(townships=("乙镇",)),
    "filtered": Selection(
        townships=("甲街道",),
        layers=("geohazard", "ferry", "shelter"),
        filters=(Filter("status", ("监测中", "运营", "可用", "已治理")),),
    ),
    "two_layers_all_towns": Selection(layers=("nine_small", "gas_risk")),
}


def expected_sites(ws, sel: Selection) -> rb.Sites:
    """What the map shows for ``sel`` (select_sites), in the readers' shape."""
    out = {}
    for lid, frame in select_sites(ws.layers, sel).items():
        out[lid] = [
            (i, n, g.x, g.y) for i, n, g in zip(frame["id"], frame["name"], frame.geometry, strict=True)
        ]
    return out


def assert_same_sites(got: rb.Sites, want: rb.Sites) -> None:
    nonempty = {k: v for k, v in want.items() if v}
    assert {k for k, v in got.items() if v} == set(nonempty)
    for lid, sites in nonempty.items():
        got_by_id = {s[0]: s for s in got[lid]}
        assert len(got_by_id) == len(got[lid]) == len(sites), lid
        for sid, name, x, y in sites:
            g = got_by_id[sid]
            assert g[1] == name, (lid, sid)
            assert abs(g[2] - x) <= TOL_DEG and abs(g[3] - y) <= TOL_DEG, (lid, sid, g, x, y)


@pytest.fixture(params=list(SELECTIONS), scope="module")
def case(request, export_ws):
    sel = SELECTIONS[request.param]
    bundle = collect_export(export_ws, sel, now=FIXED_NOW)
    assert bundle.total > 0
    return export_ws, sel, bundle


def test_csv_has_bom_chinese_headers_and_the_selected_sites(case):
    ws, sel, bundle = case
    data = render_export(bundle, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    header = data[3:].split(b"\r\n", 1)[0].decode("utf-8").split(",")
    assert header[:7] == ["图层", "编号", "名称", "所在乡镇(街道)", "村(社区)", "经度", "纬度"]
    assert_same_sites(rb.read_csv(data), expected_sites(ws, sel))


def test_xlsx_sheets_cover_and_layout(case):
    ws, sel, bundle = case
    sites, cover, wb = rb.read_xlsx(render_export(bundle, "xlsx"))
    assert_same_sites(sites, expected_sites(ws, sel))
    assert wb.sheetnames[0] == "说明" and wb.sheetnames[-1] == "巡查记录"  # + the field sheet to fill in
    assert len(wb.sheetnames) == 2 + len(sel.layer_ids())
    assert cover["导出时间"].startswith("2026-05-01 09:30:00")
    assert cover["筛选条件"] == sel.describe()
    assert cover["样例数据"].startswith("是")
    assert cover["合计（处）"] == bundle.total
    assert "数据来源" in cover and "sample" in cover["数据来源"]
    for sheet in wb.worksheets[1:-1]:
        assert sheet.freeze_panes == "A2"
        name_col = [c.value for c in sheet[1]].index("名称") + 1
        assert sheet.column_dimensions[sheet.cell(1, name_col).column_letter].width >= 12


def test_geojson_one_collection_with_layer_property(case):
    ws, sel, bundle = case
    sites, doc = rb.read_geojson(render_export(bundle, "geojson"))
    assert_same_sites(sites, expected_sites(ws, sel))
    assert doc["selection"] == sel.describe() and doc["sample"] is True
    assert doc["exported_at"].startswith("2026-05-01T09:30:00")


def test_gpkg_one_table_per_layer(case, tmp_path):
    ws, sel, bundle = case
    path = tmp_path / "x.gpkg"
    path.write_bytes(render_export(bundle, "gpkg"))
    sites, info = rb.read_gpkg(path)
    assert set(sites) == set(sel.layer_ids())  # empty layers keep their table
    assert_same_sites(sites, expected_sites(ws, sel))
    assert info["dataset_metadata"]["selection"] == sel.describe()


def test_kml_22_folders_styles_and_escaped_names(case):
    ws, sel, bundle = case
    sites, root = rb.read_kml(render_export(bundle, "kml"))
    assert_same_sites(sites, expected_sites(ws, sel))
    doc = root.find(f"{rb.KML}Document")
    tags = [child.tag.removeprefix(rb.KML) for child in doc]
    # the KML 2.2 schema's order for a Document: name, description, styles, ExtendedData, features
    assert tags == ["name", "description"] + ["Style"] * len(sel.layer_ids()) + ["ExtendedData"] + [
        "Folder"
    ] * len(sel.layer_ids())
    folders = doc.findall(f"{rb.KML}Folder")
    assert len(folders) == len(sel.layer_ids())
    styles = {s.get("id") for s in doc.findall(f"{rb.KML}Style") if s.find(f"{rb.KML}IconStyle") is not None}
    assert styles == {f"style-{lid}" for lid in sel.layer_ids()}
    for pm in doc.iter(f"{rb.KML}Placemark"):
        assert pm.findtext(f"{rb.KML}styleUrl").lstrip("#") in styles
        assert "编号：" in pm.findtext(f"{rb.KML}description")
    meta = {
        d.get("name"): d.findtext(f"{rb.KML}value") for d in doc.findall(f"{rb.KML}ExtendedData/{rb.KML}Data")
    }
    assert meta["selection"] == sel.describe() and meta["exported_at"].startswith("2026-05-01 09:30:00")


def test_kml_fetches_nothing_and_kmz_carries_its_icons(case):
    ws, sel, bundle = case
    kml = render_export(bundle, "kml")
    assert b"http://" not in kml.replace(rb.KML.strip("{}").encode(), b"") and b"https://" not in kml
    sites, root, zf = rb.read_kmz(render_export(bundle, "kmz"))
    assert_same_sites(sites, expected_sites(ws, sel))
    hrefs = {h.text for h in root.iter(f"{rb.KML}href")}
    assert hrefs == {f"files/{lid}.png" for lid in sel.layer_ids()}
    for href in hrefs:
        assert zf.read(href).startswith(b"\x89PNG")  # each referenced icon is inside the KMZ


def test_gpx_waypoints_with_extensions_and_metadata(case):
    ws, sel, bundle = case
    sites, gpx = rb.read_gpx(render_export(bundle, "gpx"))
    assert_same_sites(sites, expected_sites(ws, sel))
    assert sel.describe() in gpx.description
    assert gpx.time == FIXED_NOW
    assert all(w.description for w in gpx.waypoints)


def test_tricky_name_survives_every_text_format(export_ws):
    sel = Selection(townships=("甲街道",), layers=("geohazard",))
    bundle = collect_export(export_ws, sel, now=FIXED_NOW)
    want = expected_sites(export_ws, sel)
    assert any(s[1] == TRICKY_NAME for s in want["geohazard"])
    for reader, fmt in (
        (rb.read_csv, "csv"),
        (rb.read_kml, "kml"),
        (rb.read_gpx, "gpx"),
        (rb.read_geojson, "geojson"),
    ):
        got = reader(render_export(bundle, fmt))
        assert_same_sites(got if isinstance(got, dict) else got[0], want)


def test_pdf_text_names_font_and_footer(export_ws, tmp_path):
    sel = Selection(townships=("乙镇",))
    path = tmp_path / "p.pdf"
    write_export(export_ws, sel, "pdf", path, now=FIXED_NOW)
    text = rb.pdf_text(path)
    flat = rb.squash(text)
    assert "乙镇安全风险点巡查清单" in flat
    names = [s[1] for sites in expected_sites(export_ws, sel).values() for s in sites]
    assert names and all(rb.squash(n) in flat for n in names)
    assert "甲街道地质灾害隐患点2号" not in flat  # a site of the other township
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    assert all("导出时间：2026-05-0109:30:00" in rb.squash(p) for p in pages)  # the footer
    cjk = [f for f in rb.pdf_fonts(path) if "CJK" in f["name"]]
    assert cjk and all(f["emb"] == "yes" and f["uni"] == "yes" for f in cjk)


def test_pdf_numbers_match_table_order(export_ws, tmp_path):
    sel = Selection(townships=("乙镇",), layers=("ferry", "shelter"))
    path = tmp_path / "p.pdf"
    write_export(export_ws, sel, "pdf", path, now=FIXED_NOW)
    flat = rb.squash(rb.pdf_text(path))
    ferries = expected_sites(export_ws, sel)["ferry"]
    shelters = expected_sites(export_ws, sel)["shelter"]
    # table rows read "序号 编号 名称 …": shelters are numbered after the ferries
    assert f"1{ferries[0][0]}{rb.squash(ferries[0][1])}" in flat
    assert f"{len(ferries) + 1}{shelters[0][0]}{rb.squash(shelters[0][1])}" in flat


def test_zip_holds_every_format_for_the_selection(export_ws):
    sel = Selection(townships=("乙镇",), layers=("ferry",))
    bundle = collect_export(export_ws, sel, now=FIXED_NOW)
    zf = zipfile.ZipFile(io.BytesIO(render_export(bundle, "zip")))
    stem = export_stem(sel, export_ws.name)
    assert sorted(zf.namelist()) == sorted(
        [f"{stem}/说明.txt"] + [f"{stem}/{stem}.{f}" for f in FORMATS[:-1]]
    )
    assert zf.read(f"{stem}/{stem}.csv") == render_export(bundle, "csv")
    assert_same_sites(rb.read_kml(zf.read(f"{stem}/{stem}.kml"))[0], expected_sites(export_ws, sel))
    assert sel.describe() in zf.read(f"{stem}/说明.txt").decode("utf-8-sig")


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_selection_still_gives_a_complete_file(export_ws, fmt, tmp_path):
    sel = Selection(townships=("乙镇",), layers=("ferry", "geohazard"), text="没有这个名字")
    path = tmp_path / f"empty.{fmt}"
    result = write_export(export_ws, sel, fmt, path, now=FIXED_NOW)
    assert result.total == 0 and path.stat().st_size > 0
    data = path.read_bytes()
    if fmt == "csv":
        assert data.startswith(b"\xef\xbb\xbf") and rb.read_csv(data) == {}
        assert "经度" in data.decode("utf-8-sig")
    elif fmt == "xlsx":
        sites, cover, _wb = rb.read_xlsx(data)
        assert sites == {"ferry": [], "geohazard": []} and cover["合计（处）"] == 0
    elif fmt == "kml":
        sites, root = rb.read_kml(data)
        assert sites == {} and len(root.findall(f"{rb.KML}Document/{rb.KML}Folder")) == 2
    elif fmt == "gpkg":
        assert rb.read_gpkg(path)[0] == {"ferry": [], "geohazard": []}
    elif fmt == "pdf":
        assert "无符合条件的点位" in rb.squash(rb.pdf_text(path))


def test_bundled_sample_named_sites(tmp_path):
    """On the bundled sample (read-only): the work plan's named sites are in 太平镇's packet."""
    assert (DEFAULT_WORKSPACE / "workspace.toml").exists(), "bundled sample workspace missing"
    ws = load_workspace(DEFAULT_WORKSPACE)
    sel = Selection(townships=("太平镇",), layers=("geohazard",))
    bundle = collect_export(ws, sel)
    names = set(bundle.sites["geohazard"]["name"])
    assert "太平镇九龙村滑坡" in names
    sites, _root = rb.read_kml(render_export(bundle, "kml"))
    assert_same_sites(sites, expected_sites(ws, sel))
    path = tmp_path / "taiping.pdf"
    path.write_bytes(render_export(bundle, "pdf"))
    assert "太平镇九龙村滑坡" in rb.squash(rb.pdf_text(path))
