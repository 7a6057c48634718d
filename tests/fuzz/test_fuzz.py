"""Hypothesis-generated hostile inputs for every reader and every CLI command (issue 12).

Every run asserts: the exit code is in the documented set (SPEC §6), no traceback reaches stderr
(an uncaught exception fails the test), the workspace is byte-identical unless the exit code says
something was saved, and the history agrees with the layer afterwards.

Size: ``FUZZ_EXAMPLES`` (12) examples per reader (CSV, XLSX, GeoJSON, KML, zip/KMZ) and
``FUZZ_EXAMPLES // 6`` (2) hostile workspaces per command (14 command lines); derandomised so CI is
repeatable. ``RISKMAP_FUZZ_EXAMPLES=200`` searches longer (and at random) locally.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from hostile import EXIT_CODES, LAYER, history_problems, saved_workspace, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskmap.cli.main import main

FUZZ_EXAMPLES = int(os.environ.get("RISKMAP_FUZZ_EXAMPLES", "12"))
SETTINGS = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=FUZZ_EXAMPLES <= 12, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])

HOSTILE_TEXT = ["=HYPERLINK(\"http://example.invalid\",\"x\")", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1",
                "\x00", "\x01\x02", "ＢＮ０００１", "BN\u200b0001", "\u00a0BN0002", "<b>&\"'</b>", "]]>",
                "1e20", "nan", "inf", "-0", "99999999999999999999", "经度", "纬度", "编号", "紧急",
                "107.32", "30.32", "\ufeff", "\ud7ff", "\U0001f4a5", "'", "\"", ",", ";", "\n", "\r\n"]
text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=12),
                 st.text(alphabet=st.characters(max_codepoint=0x9f), max_size=6))
scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                   st.floats(allow_nan=False, allow_infinity=False), text)
json_value = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                          st.dictionaries(text, inner, max_size=3)), max_leaves=8)
header = st.sampled_from(["编号", "场所名称", "场所类别", "可容纳人数", "经度", "纬度", "备注", "id", "x", "="])


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("fuzzseed")
    return saved_workspace(tmp / "ws", tmp)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _fresh(seeded: Path, scratch: Path) -> Path:
    root = scratch / "ws"
    shutil.rmtree(root, ignore_errors=True)
    return Path(shutil.copytree(seeded, root))


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main([str(a) for a in args])
        except SystemExit as exc:  # argparse: bad arguments
            rc = int(exc.code or 0)
    assert "Traceback" not in err.getvalue()
    return rc, out.getvalue(), err.getvalue()


def check_import(seeded: Path, scratch: Path, path: Path, *extra) -> int:
    root = _fresh(seeded, scratch)
    before = snapshot(root)
    rc, _, err = run("import", LAYER, path, "-w", root, "--rejects", scratch / "rejects.out", *extra)
    assert rc in EXIT_CODES, err
    if rc == 2:  # nothing written
        assert snapshot(root) == before, err
    assert history_problems(root) == []
    return rc


# ---------------------------------------------------------------- one test per reader


@st.composite
def csv_bytes(draw) -> bytes:
    cols = draw(st.lists(header, min_size=1, max_size=6))
    rows = draw(st.lists(st.lists(text, min_size=0, max_size=len(cols) + 1), max_size=5))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    body = "\r\n".join(sep.join(r) for r in [cols, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    return body.encode(encoding, errors="replace")


@SETTINGS
@given(data=csv_bytes())
def test_fuzz_csv(seeded, scratch, data):
    (scratch / "in.csv").write_bytes(data)
    check_import(seeded, scratch, scratch / "in.csv")


@st.composite
def xlsx_bytes(draw) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(draw(st.lists(header, min_size=1, max_size=6)))
    for row in draw(st.lists(st.lists(st.one_of(text, st.integers(-(2**40), 2**40), st.floats(allow_nan=False)),
                                      max_size=7), max_size=5)):
        sheet.append([v if not isinstance(v, str) else "".join(ch for ch in v if ch >= " " or ch in "\t\n")
                      for v in row])
    far = draw(st.sampled_from([None, "XFD3", "A60000", "ZZ9", "B2000000"]))
    if far and far != "B2000000":
        sheet[far] = "x"
    raw = io.BytesIO()
    book.save(raw)
    data = raw.getvalue()
    cut = draw(st.sampled_from([None, 0.5, 0.9]))
    if cut:  # damage the sheet XML (truncate it inside the zip)
        src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                member = src.read(info)
                dst.writestr(info, member[: int(len(member) * cut)] if info.filename.endswith("sheet1.xml") else member)
        data = out.getvalue()
    return data


@SETTINGS
@given(data=xlsx_bytes())
def test_fuzz_xlsx(seeded, scratch, data):
    (scratch / "in.xlsx").write_bytes(data)
    check_import(seeded, scratch, scratch / "in.xlsx")


@st.composite
def geojson_bytes(draw) -> bytes:
    def feature():
        return st.fixed_dictionaries({
            "type": st.sampled_from(["Feature", "feature", 1]),
            "properties": st.one_of(json_value, st.fixed_dictionaries(
                {"id": json_value, "name": json_value, "shelter_class": st.sampled_from(["紧急", "x", None])},
                optional={"capacity_people": json_value, "note": text})),
            "geometry": st.one_of(st.none(), json_value, st.fixed_dictionaries({
                "type": st.sampled_from(["Point", "Polygon", "LineString"]),
                "coordinates": st.one_of(json_value, st.lists(st.floats(107.30, 107.38), min_size=2, max_size=3))})),
        })
    doc = draw(st.one_of(json_value, st.fixed_dictionaries(
        {"type": st.just("FeatureCollection"), "features": st.lists(st.one_of(feature(), json_value), max_size=4)})))
    data = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    cut = draw(st.sampled_from([None, None, 0.5]))
    return data[: int(len(data) * cut)] if cut else data


@SETTINGS
@given(data=geojson_bytes())
def test_fuzz_geojson(seeded, scratch, data):
    (scratch / "in.geojson").write_bytes(data)
    check_import(seeded, scratch, scratch / "in.geojson")


@st.composite
def kml_bytes(draw) -> bytes:
    placemarks = []
    for _ in range(draw(st.integers(0, 3))):
        name = draw(text).replace("<", "&lt;")
        coords = draw(st.one_of(st.sampled_from(["107.32,30.32", "107.33,30.31,0", "x,y", "", "1e999,0"]), text))
        data = "".join(f'<Data name="{draw(header)}"><value>{draw(text)}</value></Data>' for _ in range(2))
        placemarks.append(f"<Placemark><name>{name}</name><ExtendedData>{data}</ExtendedData>"
                          f"<Point><coordinates>{coords}</coordinates></Point></Placemark>")
    doc = ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
           + "".join(placemarks) + "</Document></kml>")
    extra = draw(st.sampled_from(["", '<!DOCTYPE kml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>', "<<", "\x00"]))
    data = (extra + doc if extra.startswith("<!") else doc + extra).encode("utf-8", errors="replace")
    cut = draw(st.sampled_from([None, None, 0.6]))
    return data[: int(len(data) * cut)] if cut else data


@SETTINGS
@given(data=kml_bytes())
def test_fuzz_kml(seeded, scratch, data):
    (scratch / "in.kml").write_bytes(data)
    check_import(seeded, scratch, scratch / "in.kml")


@st.composite
def zip_bytes(draw) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for _ in range(draw(st.integers(0, 4))):
            name = draw(st.sampled_from(["doc.kml", "a.shp", "a.dbf", "a.shx", "a.prj", "../evil.kml", "/abs.kml",
                                         "dir/doc.kml", "x.txt", "C:/w.kml"]))
            body = draw(st.one_of(st.binary(max_size=64), kml_bytes()))
            zf.writestr(name, body)
    data = out.getvalue()
    cut = draw(st.sampled_from([None, None, 0.7]))
    return data[: int(len(data) * cut)] if cut else data


@pytest.mark.filterwarnings("ignore:Duplicate name")
@SETTINGS
@given(data=zip_bytes(), suffix=st.sampled_from(["zip", "kmz", "xlsx"]))
def test_fuzz_zip(seeded, scratch, data, suffix):
    (scratch / f"in.{suffix}").write_bytes(data)
    check_import(seeded, scratch, scratch / f"in.{suffix}")


# ---------------------------------------------------------------- every command on a hostile workspace


@st.composite
def hostile_layer(draw) -> bytes:
    feats = []
    for k in range(draw(st.integers(0, 3))):
        props = {"id": draw(st.one_of(st.just(f"BN{k:04d}"), json_value)), "name": draw(json_value),
                 "shelter_class": draw(st.sampled_from(["紧急", "中心", "x"])), "capacity_people": draw(json_value),
                 "note": draw(text), draw(text): draw(json_value)}
        lon, lat = draw(st.floats(107.30, 107.38)), draw(st.floats(30.30, 30.34))
        feats.append({"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}})
    body = ",\n".join(json.dumps(f, ensure_ascii=False) for f in feats).encode("utf-8")
    return b'{"type":"FeatureCollection","features":[\n' + body + b"\n]}\n"


COMMANDS = [
    ("validate",), ("validate", "--json"), ("history", LAYER), ("history", LAYER, "--json"),
    ("rollback", LAYER, "{arg}"), ("export", "-t", "{arg}", "-f", "csv", "-o", "{out}/e.csv"),
    ("export", "-t", "all", "-f", "xlsx", "-o", "{out}/d"), ("export", "-t", "甲街道", "--where", "{arg}", "-f", "kml",
                                                                "-o", "{out}/e.kml"),
    ("export", "-t", "乙镇", "-f", "gpx", "-o", "{out}/e.gpx"), ("analyze", "--out", "{out}/a"),
    ("scenario", "--water-level", "{arg}", "--out", "{out}/s"), ("scenario", "--warning", "{arg}", "--out", "{out}/s"),
    ("map", "--out", "{out}/m.html", "--no-analysis", "--township", "{arg}"), ("template", LAYER, "--out", "{arg}"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:2]))
@settings(SETTINGS, max_examples=max(2, FUZZ_EXAMPLES // 6))
@given(layer=hostile_layer(), arg=text)
def test_fuzz_every_command_on_a_hostile_workspace(seeded, scratch, layer, command, arg):
    root = _fresh(seeded, scratch)
    (root / "shelter.geojson").write_bytes(layer)
    out = scratch / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    before = snapshot(root)
    args = [a.replace("{arg}", arg if arg else "x").replace("{out}", str(out)) for a in command]
    if command[0] == "template":
        args[-1] = str(out / "t.xlsx")
    rc, _, err = run(*args[:1], *(["-w", str(root)] if args[0] != "template" else []), *args[1:])
    assert rc in EXIT_CODES, err
    saved = command[0] == "rollback" and rc == 0
    if not saved:  # only a rollback saves; every other command leaves the workspace as it was …
        after = snapshot(root)
        # … except the start-up reconcile, which only ever records the outside edit it found
        assert {k: v for k, v in after.items() if not k.startswith(".history")} == {
            k: v for k, v in before.items() if not k.startswith(".history")}, err
    assert not [p for p in root.rglob("*") if p.name.endswith(".tmp")]
    assert history_problems(root) in ([], ["layer differs from the newest version"])
