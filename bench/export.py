"""Bench: the 26 township packets (XLSX + KML + PDF) of the bundled workspace, per-format times.

Ours: ``layers.exports`` — :func:`collect_export` once per township (the map's ``select_sites``),
then ``render_export`` for xlsx, kml and pdf (cover sheet, styled sheets, KML 2.2 with styles and
ExtendedData, A4 PDF with map and checklist tables; all bytes in memory).

Baseline (same process, same townships, same outputs in kind): the straightforward way —
sites selected by iterating every row (``iterrows``) and comparing the township; XLSX via pandas
``DataFrame.to_excel`` (openpyxl engine, one sheet per layer, no cover/styling); KML by string
concatenation per site; PDF with fpdf2's own ``table()`` (it lays out each cell with
``multi_cell``), matplotlib ``annotate`` for every site number on the map, and fpdf2's default
font save (bounding boxes of every glyph recomputed).

Target: all 26 packets under 60 s. ``--quick``: townships 2–7 in code order (the county seat
桂溪街道, with ~1,700 sites, is left out because the baseline alone needs over a minute on it).
Last line: ``{"bench": "export", "n": ..., "seconds": ..., "baseline_seconds": ..., "ratio": ...}``.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from layers.exports import collect_export, layer_table, render_export, site_coords
from layers.kinds import get_kind
from layers.selection import Selection
from layers.store.workspace import load_workspace
from riskmap.render.fonts import cjk_font_path, collection_index
from riskmap.render.packet import FONT_FAMILY, packet_columns
from riskmap.render.printmap import NumberedSite, _font

FORMATS = ("xlsx", "kml", "pdf")
TARGET_S = 60.0


def ours(ws, names: list[str]) -> tuple[Counter, int]:
    times, sites = Counter(), 0
    for name in names:
        t0 = time.perf_counter()
        bundle = collect_export(ws, Selection(townships=(name,)))
        times["select"] += time.perf_counter() - t0
        sites += bundle.total
        for fmt in FORMATS:
            t0 = time.perf_counter()
            render_export(bundle, fmt)
            times[fmt] += time.perf_counter() - t0
    return times, sites


# ---------------------------------------------------------------- baseline


def _naive_select(ws, name: str) -> dict:
    out = {}
    for lid, frame in ws.layers.items():
        keep = [i for i, row in frame.iterrows() if row["township"] == name]
        out[lid] = frame.loc[keep]
    return out


def _naive_xlsx(sites: dict) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for lid, frame in sites.items():
            kind = get_kind(lid)
            layer_table(frame, kind).to_excel(writer, sheet_name=kind.label, index=False)
    return buf.getvalue()


def _naive_kml(sites: dict) -> bytes:
    text = '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
    for lid, frame in sites.items():
        text += f"<Folder><name>{get_kind(lid).label}</name>"
        for _, row in frame.iterrows():
            text += (
                f"<Placemark><name>{html.escape(str(row['name']))}</name><Point><coordinates>"
                f"{row.geometry.x:.7f},{row.geometry.y:.7f}</coordinates></Point></Placemark>"
            )
        text += "</Folder>"
    return (text + "</Document></kml>").encode("utf-8")


def _naive_map(ws, name: str, numbered: list[NumberedSite]) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.4, 6.9), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ws.townships[ws.townships["name"] == name].plot(ax=ax, facecolor="#f4f1e8", edgecolor="#444")
    small = _font(5)
    for lid, x, y, n in numbered:
        ax.scatter([x], [y], s=10, c=get_kind(lid).color)
        ax.annotate(str(n), (x, y), xytext=(2, 2), textcoords="offset points", fontproperties=small)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _naive_pdf(ws, name: str, sites: dict) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(format="A4")
    path = str(cjk_font_path())
    pdf.add_font(FONT_FAMILY, fname=path, collection_font_number=collection_index(path))
    pdf.add_page()
    pdf.set_font(FONT_FAMILY, size=16)
    pdf.cell(0, 8, f"{name} 安全风险点巡查清单", new_x="LMARGIN", new_y="NEXT")
    numbered, n = [], 0
    for lid, frame in sites.items():
        for x, y in zip(*site_coords(frame), strict=True):
            n += 1
            numbered.append((lid, x, y, n))
    pdf.image(io.BytesIO(_naive_map(ws, name, numbered)), w=180)
    n = 0
    for lid, frame in sites.items():
        kind = get_kind(lid)
        pdf.add_page()
        pdf.set_font(FONT_FAMILY, size=7)
        cols = packet_columns(kind)
        with pdf.table(
            col_widths=tuple(c[2] for c in cols), headings_style=FontFace(fill_color=(221, 235, 247))
        ) as table:
            table.row([c[1] for c in cols])
            for _, row in frame.iterrows():
                n += 1
                table.row(
                    [str(n) if c[0] == "#" else ("" if not c[0] else str(row.get(c[0], ""))) for c in cols]
                )
    buf = io.BytesIO()
    pdf.output(buf)
    return buf.getvalue()


def baseline(ws, names: list[str]) -> Counter:
    times = Counter()
    for name in names:
        t0 = time.perf_counter()
        sites = _naive_select(ws, name)
        times["select"] += time.perf_counter() - t0
        for fmt, fn in (
            ("xlsx", lambda s=sites: _naive_xlsx(s)),
            ("kml", lambda s=sites: _naive_kml(s)),
            ("pdf", lambda s=sites, nm=name: _naive_pdf(ws, nm, s)),
        ):
            t0 = time.perf_counter()
            fn()
            times[fmt] += time.perf_counter() - t0
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="townships 2–7 only (under 60 s)")
    args = ap.parse_args()
    ws = load_workspace()
    names = list(ws.townships["name"].astype(str))
    names = names[1:7] if args.quick else names
    render_export(collect_export(ws, Selection(townships=(names[0],))), "pdf")  # warm imports and caches
    mine, sites = ours(ws, names)
    base = baseline(ws, names)
    seconds, base_seconds = sum(mine.values()), sum(base.values())
    for name, t in (("ours", mine), ("baseline", base)):
        print(
            f"{name:9s} "
            + "  ".join(f"{k} {v:6.2f}s" for k, v in t.items())
            + f"  total {sum(t.values()):6.2f}s"
        )
    doc = {
        "bench": "export",
        "n": len(names),
        "seconds": round(seconds, 3),
        "baseline_seconds": round(base_seconds, 3),
        "ratio": round(base_seconds / seconds, 2),
        "sites": sites,
        "per_format_s": {k: round(v, 3) for k, v in mine.items()},
        "baseline_per_format_s": {k: round(v, 3) for k, v in base.items()},
        "target_s": TARGET_S if not args.quick else None,
        "under_target": (seconds < TARGET_S) if not args.quick else None,
        "baseline": "iterrows selection + pandas to_excel + string KML + fpdf2 table()/matplotlib labels",
    }
    print(json.dumps(doc, ensure_ascii=False))


if __name__ == "__main__":
    main()
