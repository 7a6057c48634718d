"""One test per attack listed under "Why" in issue 12; each failed before the fix and passes now."""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import orjson
import pytest
from hostile import LAYER, history_problems, intact_versions, saved_workspace, snapshot, write_csv

from riskmap.cli.main import main

FORMULA = '=HYPERLINK("http://example.invalid","x")'


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("seed")
    return saved_workspace(tmp / "ws", tmp)


@pytest.fixture
def ws(seeded, tmp_path) -> Path:
    return Path(shutil.copytree(seeded, tmp_path / "ws"))


def cli(capsys, *args) -> tuple[int, str, str]:
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return rc, out, err


def one_line(err: str) -> bool:
    return len([ln for ln in err.strip().splitlines() if ln.strip()]) == 1


def _import_rows(ws, tmp_path, capsys, body: str, *extra) -> tuple[int, str, str]:
    return cli(capsys, "import", LAYER, write_csv(tmp_path / "in.csv", body), "-w", ws, *extra)


# ---------------------------------------------------------------- history can lie


def test_why_failed_layer_rename_leaves_no_history_line_nor_orphan(ws, monkeypatch):
    from layers.errors import LayerFileError
    from layers.store.workspace import save_layer_bytes

    data = (ws / "shelter.geojson").read_bytes().replace("乙镇公园".encode(), "乙镇北公园".encode())
    real = os.replace

    def fail_on_layer(src, dst):
        if Path(dst).name == "shelter.geojson":
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_layer)
    with pytest.raises(LayerFileError, match="保存失败"):
        save_layer_bytes(ws, LAYER, data, source="test")
    monkeypatch.setattr(os, "replace", real)
    assert history_problems(ws) == [] and intact_versions(ws) == [1]


def test_why_tampered_version_is_not_rolled_back_to(ws, tmp_path, capsys):
    _import_rows(ws, tmp_path, capsys, "BN0003,丙,紧急,3,107.33,30.33\r\n")
    (ws / ".history" / LAYER / "v0001.geojson").write_bytes(b"garbage")
    before = (ws / "shelter.geojson").read_bytes()
    rc, _, err = cli(capsys, "rollback", LAYER, "1", "-w", ws)
    assert rc == 2 and "sha256" in err and one_line(err)
    assert (ws / "shelter.geojson").read_bytes() == before


# ---------------------------------------------------------------- exports execute


def _name_site(ws: Path, name: str) -> None:
    path = ws / "shelter.geojson"
    path.write_bytes(path.read_bytes().replace("甲街道广场".encode(), orjson.dumps(name)[1:-1]))


def test_why_tab_and_cr_prefixes_are_neutralised_and_numbers_are_not():
    from layers.exports.bundle import _csv_text
    from layers.safety_text import neutralize_cell

    assert [neutralize_cell(p + "1+1") for p in ("\t", "\r", "=", "+", "-", "@")] == [
        "'\t1+1", "'\r1+1", "'=1+1", "'+1+1", "'-1+1", "'@1+1"]
    assert _csv_text(-3.5) == "-3.5" and _csv_text(-2) == "-2" and _csv_text("-2") == "'-2"


def test_why_csv_export_cells_never_start_a_formula(ws, tmp_path, capsys):
    _name_site(ws, "=cmd|' /C calc'!A0")
    path = ws / "shelter.geojson"
    path.write_bytes(path.read_bytes().replace("乙镇公园".encode(), b"@SUM(1+1)"))
    out = tmp_path / "x.csv"
    assert cli(capsys, "export", "-w", ws, "-t", "甲街道,乙镇", "-f", "csv", "-o", out)[0] == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "'=cmd" in text and "'@SUM" in text
    assert ",107.3105000," in text and ",500," in text  # numbers stay numbers


def test_why_xlsx_export_writes_text_not_live_formulas(ws, tmp_path, capsys):
    _name_site(ws, FORMULA)
    out = tmp_path / "x.xlsx"
    assert cli(capsys, "export", "-w", ws, "-t", "甲街道", "-f", "xlsx", "-o", out)[0] == 0
    sheet = openpyxl.load_workbook(out)["应急避难场所"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    assert isinstance(sheet["E2"].value, int | float)  # 可容纳人数 stays a number


def test_why_rejects_workbook_and_csv_hold_text_not_formulas(ws, tmp_path, capsys):
    book = openpyxl.Workbook()
    book.active.append(["编号", "场所名称", "场所类别", "可容纳人数", "经度", "纬度"])
    book.active.append(["BN0009", "x", "不存在的类别", 5, 107.32, 30.32])
    book.active.append(["BN0010", "y", "紧急", FORMULA, 107.32, 30.32])  # rejected: not a number
    book.active["D3"].data_type = "s"
    book.save(tmp_path / "in.xlsx")
    rej = tmp_path / "rej.xlsx"
    rc, _, _ = cli(capsys, "import", LAYER, tmp_path / "in.xlsx", "-w", ws, "--rejects", rej)
    assert rc == 2
    cells = [c for row in openpyxl.load_workbook(rej).active.iter_rows() for c in row]
    assert any(c.value == FORMULA and c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for c in cells)
    rc, _, _ = _import_rows(ws, tmp_path, capsys, f'BN0011,"{FORMULA.replace(chr(34), chr(34) * 2)}",紧急,x,107.32,30.32\r\n',
                            "--rejects", tmp_path / "rej.csv")
    assert rc == 2 and "'=HYPERLINK" in (tmp_path / "rej.csv").read_text(encoding="utf-8-sig")


def test_why_control_characters_are_rejected_on_import_naming_row_and_field(ws, tmp_path, capsys):
    rc, _, err = _import_rows(ws, tmp_path, capsys, "BN0009,坏\x00名,紧急,9,107.32,30.32\r\nBN0010,好\x01,紧急,9,107.32,30.32\r\n")
    assert rc == 2 and "名称" in err and "U+0000" in err and "第 2 行" in err and "第 3 行" in err


def test_why_stored_control_characters_do_not_break_xlsx_kml_gpx(ws, tmp_path, capsys):
    import xml.etree.ElementTree as ET

    _name_site(ws, "a\x00b\x01c")
    for fmt in ("xlsx", "kml", "gpx"):
        out = tmp_path / f"x.{fmt}"
        rc, _, _ = cli(capsys, "export", "-w", ws, "-t", "甲街道", "-f", fmt, "-o", out)
        assert rc == 0
        if fmt == "xlsx":
            assert openpyxl.load_workbook(out)["应急避难场所"]["B2"].value == "abc"
        else:
            ET.fromstring(out.read_bytes())  # well-formed XML


# ---------------------------------------------------------------- a 5 KB workbook exhausts memory


def _sheet_claiming(tmp_path: Path, *, dimension: bool) -> Path:
    """A tiny workbook with cells at A1, XFD3 and A1048576 (with or without its <dimension>)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["编号", "场所名称", "经度", "纬度"])
    sheet["XFD3"] = "x"
    sheet["A1048576"] = "y"
    raw = io.BytesIO()
    book.save(raw)
    out = tmp_path / ("dim.xlsx" if dimension else "nodim.xlsx")
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if not dimension and info.filename.endswith("sheet1.xml"):
                data = data.replace(b'<dimension ref="A1:XFD1048576"/>', b"")
            dst.writestr(info, data)
    assert out.stat().st_size < 8000
    return out


@pytest.mark.parametrize("dimension", [True, False])
def test_why_tiny_workbook_claiming_a_huge_sheet_is_refused_in_one_line(ws, tmp_path, capsys, dimension):
    path = _sheet_claiming(tmp_path, dimension=dimension)
    before = snapshot(ws)
    rc, _, err = cli(capsys, "import", LAYER, path, "-w", ws)
    assert rc == 2 and one_line(err) and "超过上限" in err and path.name in err
    assert snapshot(ws) == before


# ---------------------------------------------------------------- writes land where they must not


def test_why_rejects_onto_the_layer_file_is_refused(ws, tmp_path, capsys):
    before = snapshot(ws)
    rc, _, err = _import_rows(ws, tmp_path, capsys, "BN0009,x,错类别,9,107.32,30.32\r\n", "--rejects", ws / "shelter.geojson")
    assert rc == 2 and one_line(err) and "工作区的数据文件" in err
    assert snapshot(ws) == before


@pytest.mark.parametrize("target", ["shelter.geojson", ".history/shelter/v0001.geojson", "townships.geojson"])
def test_why_export_into_the_workspace_store_is_refused(ws, capsys, target):
    before = snapshot(ws)
    rc, _, _ = cli(capsys, "export", "-w", ws, "-t", "all", "-f", "geojson", "-o", ws / target)
    rc2, _, err2 = cli(capsys, "export", "-w", ws, "-t", "甲街道", "-f", "geojson", "-o", ws / target)
    assert rc == rc2 == 2 and one_line(err2) and "工作区" in err2
    assert snapshot(ws) == before


def test_why_output_onto_a_fifo_or_device_or_the_input_is_refused(ws, tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    nodes = [fifo]
    if os.geteuid() == 0:
        os.mknod(tmp_path / "null", 0o666 | 0o020000, os.makedev(1, 3))  # a char device, in tmp only
        nodes.append(tmp_path / "null")
    for node in nodes:
        for args in (("export", "-t", "甲街道", "-f", "csv", "-o", node), ("map", "--out", node, "--no-analysis")):
            rc, _, err = cli(capsys, args[0], "-w", ws, *args[1:])
            assert rc == 2 and one_line(err) and "已拒绝" in err
        assert not node.is_file()
    src = write_csv(tmp_path / "in.csv", "BN0009,x,错类别,9,107.32,30.32\r\n")
    rc, _, err = cli(capsys, "import", LAYER, src, "-w", ws, "--rejects", src)
    assert rc == 2 and "输入文件" in err and "错类别" in src.read_text(encoding="utf-8")


def test_why_dry_run_with_rejects_writes_nothing(ws, tmp_path, capsys):
    before = snapshot(ws)
    rc, _, _ = _import_rows(ws, tmp_path, capsys, "BN0009,x,错类别,9,107.32,30.32\r\nBN0010,y,紧急,9,107.32,30.32\r\n",
                            "--dry-run", "--rejects", tmp_path / "r.csv")
    assert rc == 3 and not (tmp_path / "r.csv").exists() and snapshot(ws) == before


@pytest.mark.parametrize("level", ["nan", "inf", "-1", "0", "1e9"])
def test_why_scenario_refuses_a_bad_water_level_before_writing(ws, tmp_path, capsys, level):
    before = snapshot(ws)
    rc, _, err = cli(capsys, "scenario", "-w", ws, "--water-level", level, "--out", tmp_path / "o")
    assert rc == 2 and one_line(err) and "--water-level" in err
    assert snapshot(ws) == before and not (tmp_path / "o").exists()


def test_why_scenario_validates_rules_before_writing_anything(ws, tmp_path, capsys):
    with open(ws / "workspace.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[rules.geohazard]\nwatch_factor = "大"\n')
    before = snapshot(ws)
    rc, _, err = cli(capsys, "scenario", "-w", ws, "--water-level", "3", "--out", tmp_path / "o")
    assert rc == 2 and one_line(err) and "watch_factor" in err
    assert snapshot(ws) == before and not (tmp_path / "o").exists()


# ---------------------------------------------------------------- tracebacks instead of one line


def test_why_a_200000_character_csv_field_is_one_line(ws, tmp_path, capsys):
    rc, _, err = _import_rows(ws, tmp_path, capsys, "BN0009," + "长" * 200_000 + ",紧急,9,107.32,30.32\r\n")
    assert rc == 2 and one_line(err) and "32767" in err and "in.csv" in err


def test_why_an_integer_field_of_1e20_is_rejected_naming_the_field(ws, tmp_path, capsys):
    rc, _, err = _import_rows(ws, tmp_path, capsys, "BN0009,x,紧急,100000000000000000000,107.32,30.32\r\n")
    assert rc == 2 and "可容纳人数" in err and "超出范围" in err


def _geojson(tmp_path: Path, props, fid="BN0009") -> Path:
    feat = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [107.32, 30.32]}, "properties": props}
    if fid is not None:
        feat["id"] = fid
    path = tmp_path / "in.geojson"
    path.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": [feat, {
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [107.33, 30.33]},
        "properties": {"id": "BN0010", "name": "好", "shelter_class": "紧急"}}]}))
    return path


@pytest.mark.parametrize(("props", "field"), [
    (["a", "b"], "properties"),
    ({"id": {"x": 1}, "name": "n", "shelter_class": "紧急"}, "编号"),
    ({"id": "BN0009", "name": ["a", {"b": 1}], "shelter_class": "紧急"}, "名称"),
    ({"id": "BN0009", "name": "n", "shelter_class": "紧急", "capacity_people": [1, 2]}, "可容纳人数"),
    ({"id": "BN0009", "name": "n", "shelter_class": "紧急", "capacity_people": True}, "可容纳人数"),
    ({"id": "BN0009", "name": "n", "shelter_class": "紧急", "extra": {"deep": [1]}}, "extra"),
])
def test_why_values_of_the_wrong_shape_are_rejected_per_row_never_stored_as_repr(ws, tmp_path, capsys, props, field):
    rc, _, err = cli(capsys, "import", LAYER, _geojson(tmp_path, props), "-w", ws)
    assert rc == 3 and field in err and "第 1 个要素" in err
    stored = (ws / "shelter.geojson").read_text(encoding="utf-8")
    assert "BN0010" in stored and "BN0009" not in stored and "{'" not in stored and "['" not in stored


@pytest.mark.parametrize("args", [("--max-mb", "nan"), ("--max-mb", "-1")])
def test_why_bad_max_mb_is_one_line(ws, tmp_path, capsys, args):
    rc, _, err = _import_rows(ws, tmp_path, capsys, "BN0009,x,紧急,9,107.32,30.32\r\n", *args)
    assert rc == 2 and one_line(err) and "--max-mb" in err


def test_why_an_input_path_that_is_a_folder_is_one_line(ws, tmp_path, capsys):
    (tmp_path / "dir.csv").mkdir()
    rc, _, err = cli(capsys, "import", LAYER, tmp_path / "dir.csv", "-w", ws)
    assert rc == 2 and one_line(err) and "文件夹" in err


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_why_truncated_or_corrupt_sheet_xml_is_one_line(ws, tmp_path, capsys, damage):
    book = openpyxl.Workbook()
    book.active.append(["编号", "场所名称", "场所类别", "经度", "纬度"])
    book.active.append(["BN0009", "x", "紧急", 107.32, 30.32])
    raw = io.BytesIO()
    book.save(raw)
    out = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("sheet1.xml"):
                data = data[: len(data) // 2] if damage == "truncated" else b"<worksheet><sheetData><row"
            dst.writestr(info, data)
    rc, _, err = cli(capsys, "import", LAYER, out, "-w", ws)
    assert rc == 2 and one_line(err) and "bad.xlsx" in err


def test_why_a_corrupt_versions_jsonl_is_named_by_validate_and_history_still_lists(ws, capsys):
    with open(ws / ".history" / LAYER / "versions.jsonl", "ab") as fh:
        fh.write(b"{not json\n")
    rc, out, _ = cli(capsys, "validate", "-w", ws)
    assert rc == 0 and "versions.jsonl" in out
    rc, out, _ = cli(capsys, "history", LAYER, "-w", ws, "--json")
    assert rc == 0 and [v["version"] for v in json.loads(out)["versions"]] == [1]


def test_why_townships_without_name_is_one_line(ws, capsys):
    path = ws / "townships.geojson"
    path.write_bytes(path.read_bytes().replace(b'"name":', b'"nom":'))
    for cmd in ("validate", "analyze"):
        rc, _, err = cli(capsys, cmd, "-w", ws, *(("--out", ws.parent / "a") if cmd == "analyze" else ()))
        assert rc == 2 and one_line(err) and "townships.geojson" in err and "name" in err


def test_why_a_dem_that_is_not_a_raster_is_one_line_or_skipped(ws, tmp_path, capsys):
    (ws / "dem.tif").write_text("not a raster")
    (ws / "river.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"河"},'
        '"geometry":{"type":"LineString","coordinates":[[107.31,30.31],[107.37,30.33]]}}]}\n', encoding="utf-8")
    rc, _, err = cli(capsys, "scenario", "-w", ws, "--water-level", "3", "--out", tmp_path / "o")
    assert rc == 2 and one_line(err) and "dem.tif" in err
    rc, _, err = cli(capsys, "map", "-w", ws, "--out", tmp_path / "m.html", "--no-analysis")
    assert rc == 0  # the map is drawn without the hillshade


@pytest.mark.parametrize(("rule", "word"), [("[rules.geohazard]\nwatch_factor = 1e300", "watch_factor"),
                                            ("[rules.geohazard]\nwatch_factor = inf", "watch_factor")])
def test_why_absurd_rule_numbers_are_one_line(ws, tmp_path, capsys, rule, word):
    with open(ws / "workspace.toml", "a", encoding="utf-8") as fh:
        fh.write("\n" + rule + "\n")
    rc, _, err = cli(capsys, "analyze", "-w", ws, "--out", tmp_path / "a")
    assert rc == 2 and one_line(err) and word in err


def test_why_metric_crs_epsg_0_is_one_line(ws, capsys):
    toml = ws / "workspace.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"EPSG:4545"', '"EPSG:0"'), encoding="utf-8")
    rc, _, err = cli(capsys, "validate", "-w", ws)
    assert rc == 2 and one_line(err) and "metric_crs" in err


# ---------------------------------------------------------------- look-alike ids


@pytest.mark.parametrize("lookalike", ["ＢＮ０００２", "BN\u200b0002", "\u00a0BN0002"])
def test_why_lookalike_ids_update_the_site_and_warn_naming_both(ws, tmp_path, capsys, lookalike):
    rc, out, _ = _import_rows(ws, tmp_path, capsys, f"{lookalike},乙镇公园,紧急,301,107.3550,30.3180\r\n")
    assert rc == 0
    if lookalike.strip() != "BN0002":  # a no-break space at the edge is already trimmed by the reader
        assert lookalike in out and "“BN0002”" in out
    feats = orjson.loads((ws / "shelter.geojson").read_bytes())["features"]
    assert sorted(f["properties"]["id"] for f in feats) == ["BN0001", "BN0002"]
    assert [f["properties"]["capacity_people"] for f in feats if f["properties"]["id"] == "BN0002"] == [301]
