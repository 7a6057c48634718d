"""Independent readers for every export format: each returns ``{layer_id: [(id, name, lon, lat)]}``.

None of them uses ``layers.exports``: CSV via pandas, XLSX via openpyxl, GeoJSON via json,
GeoPackage via pyogrio, KML via xml.etree with the KML 2.2 namespace, GPX via gpxpy.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import gpxpy
import openpyxl
import pandas as pd
import pyogrio

from layers.kinds import LAYER_KINDS

KML = "{http://www.opengis.net/kml/2.2}"
GPX_EXT = "{urn:dianjiang-riskmap:gpx-site:1}"
LABEL_TO_ID = {k.label: k.id for k in LAYER_KINDS}

Sites = dict[str, list[tuple[str, str, float | None, float | None]]]


def _f(v) -> float | None:
    return None if v in (None, "") or (isinstance(v, float) and v != v) else float(v)


def read_csv(data: bytes) -> Sites:
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    out: Sites = {}
    for _, row in frame.iterrows():
        out.setdefault(LABEL_TO_ID[row["图层"]], []).append(
            (row["编号"], row["名称"], _f(row["经度"]), _f(row["纬度"]))
        )
    return out


def read_xlsx(data: bytes) -> tuple[Sites, dict[str, object], openpyxl.Workbook]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cover = {row[0]: row[1] for row in wb["说明"].iter_rows(min_row=2, values_only=True) if row[0]}
    out: Sites = {}
    for ws in wb.worksheets[1:]:
        if ws.title not in LABEL_TO_ID:  # the field sheets (巡查记录, 行动任务) are not layer tables
            continue
        rows = list(ws.iter_rows(values_only=True))
        head = list(rows[0])
        i, n, x, y = (head.index(h) for h in ("编号", "名称", "经度", "纬度"))
        out[LABEL_TO_ID[ws.title]] = [(r[i], r[n], _f(r[x]), _f(r[y])) for r in rows[1:]]
    return out, cover, wb


def read_geojson(data: bytes) -> tuple[Sites, dict]:
    doc = json.loads(data.decode("utf-8"))
    out: Sites = {}
    for feat in doc["features"]:
        p, g = feat["properties"], feat["geometry"]
        x, y = g["coordinates"] if g else (None, None)
        out.setdefault(p["layer"], []).append((p["id"], p["name"], x, y))
    return out, doc


def read_gpkg(path: Path) -> tuple[Sites, dict]:
    out: Sites = {}
    for name, _gtype in pyogrio.list_layers(path):
        frame = pyogrio.read_dataframe(path, layer=name)
        out[name] = [
            (i, n, g.x if g is not None else None, g.y if g is not None else None)
            for i, n, g in zip(frame["id"], frame["name"], frame.geometry, strict=True)
        ]
    return out, pyogrio.read_info(path, layer=next(iter(out)) if out else None)


def read_kml(data: bytes) -> tuple[Sites, ET.Element]:
    root = ET.fromstring(data)
    assert root.tag == f"{KML}kml"
    out: Sites = {}
    for folder in root.iter(f"{KML}Folder"):
        for pm in folder.findall(f"{KML}Placemark"):
            ext = {d.get("name"): d.findtext(f"{KML}value") for d in pm.iter(f"{KML}Data")}
            coords = pm.findtext(f"{KML}Point/{KML}coordinates")
            x, y = (float(v) for v in coords.split(",")[:2]) if coords else (None, None)
            out.setdefault(LABEL_TO_ID[ext["layer"]], []).append((ext["id"], pm.findtext(f"{KML}name"), x, y))
    return out, root


def read_kmz(data: bytes) -> tuple[Sites, ET.Element, zipfile.ZipFile]:
    """A KMZ with zipfile and the KML reader: the first entry is the document."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    first = zf.namelist()[0]
    assert first.endswith(".kml"), first
    sites, root = read_kml(zf.read(first))
    return sites, root, zf


def read_gpx(data: bytes) -> tuple[Sites, gpxpy.gpx.GPX]:
    ET.fromstring(data)  # well-formed XML, whatever gpxpy tolerates
    gpx = gpxpy.parse(data.decode("utf-8"))
    out: Sites = {}
    for wpt in gpx.waypoints:
        site = wpt.extensions[0]
        layer, sid = site.findtext(f"{GPX_EXT}layer"), site.findtext(f"{GPX_EXT}id")
        out.setdefault(layer, []).append((sid, wpt.name, wpt.longitude, wpt.latitude))
    return out, gpx


def pdf_text(path: Path) -> str:
    """Text of the PDF in content order (pdftotext -raw); pages separated by form feeds."""
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_fonts(path: Path) -> list[dict]:
    lines = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    fonts = []
    for line in lines[2:]:
        parts = re.split(r"\s+", line.strip())
        # name type... encoding emb sub uni object ID: emb/sub/uni are the 3 yes/no before the last two
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3], "line": line})
    return fonts


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)
