"""Bench the planners' map: payload bytes, Python build time, first render in headless chromium.

Ours (canvas layers from compact JSON) against a naive folium map (one ``folium.Marker`` with a
popup per point) built in the same process. Prints one JSON object as the last line (SPEC §8).

    .venv/bin/python bench/map.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import folium
import geopandas as gpd
import numpy as np
import shapely

from layers.kinds import get_kind
from layers.selection import Selection, select_sites
from layers.store.workspace import load_workspace
from riskmap.chromium import launch_chromium
from riskmap.mapview import MapView, build_map, render_html


def _timed(fn, reps: int):
    times, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def _ours(ws, view=None) -> str:
    return render_html(build_map(ws, view or MapView(), asset_base=None))


def _naive(ws, limit: int | None = None) -> str:
    m = folium.Map(location=[30.3, 107.4], zoom_start=10)
    n = 0
    for lid, frame in ws.layers.items():
        kind = get_kind(lid)
        for row in frame.itertuples():
            if limit is not None and n >= limit:
                break
            folium.Marker([row.geometry.y, row.geometry.x], popup=f"{kind.label} {row.id} {row.name}").add_to(
                m
            )
            n += 1
    return m.get_root().render()


def _big_workspace(ws, n: int):
    rng = np.random.default_rng(7)
    towns = ws.townships
    pts = shapely.points(
        rng.uniform(*towns.total_bounds[[0, 2]], n * 2), rng.uniform(*towns.total_bounds[[1, 3]], n * 2)
    )
    inside = shapely.contains(shapely.union_all(towns.geometry.values), pts)
    pts = pts[inside][:n]
    cats = get_kind("nine_small").field("category").allowed
    big = gpd.GeoDataFrame(
        {
            "id": [f"JX{i:06d}" for i in range(len(pts))],
            "name": [f"场所{i}" for i in range(len(pts))],
            "township": rng.choice(towns["name"].to_numpy(), len(pts)),
            "category": rng.choice(cats, len(pts)),
            "occupants": rng.integers(1, 30, len(pts)),
        },
        geometry=pts,
        crs="EPSG:4326",
    )
    layers = {**ws.layers, "nine_small": big}
    return type(ws)(
        root=ws.root,
        config=ws.config,
        county=ws.county,
        townships=ws.townships,
        villages=ws.villages,
        layers=layers,
        river=ws.river,
        forest=ws.forest,
    )


def _first_render(html: str) -> tuple[float, float]:
    """(seconds to a drawn map, seconds for one pan + redraw) in headless chromium, network blocked."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as d, sync_playwright() as pw:
        path = Path(d) / "m.html"
        path.write_text(html, encoding="utf-8")
        b = launch_chromium(pw)
        page = b.new_page(viewport={"width": 1280, "height": 800})
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort()
        )
        t0 = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_function("window.RM && Object.keys(RM.counts).length > 0")
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        first = time.perf_counter() - t0
        pan = page.evaluate("""() => new Promise(res => { const m = Object.values(window).find(v => v instanceof L.Map);
            const t = performance.now(); m.once('moveend', () => requestAnimationFrame(() => res((performance.now() - t) / 1000)));
            m.panBy([300, 200], {animate: false}); })""")
        b.close()
    return first, pan


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    reps = 2 if args.quick else 5
    big_n = 100_000
    naive_limit = 2_000 if args.quick else 10_000

    ws = load_workspace()
    n_sites = sum(len(f) for f in ws.layers.values())
    ours_s, html = _timed(lambda: _ours(ws), reps)
    naive_s, naive_html = _timed(lambda: _naive(ws), 1)
    town = str(ws.townships["name"].iloc[0])
    rerun_s, _ = _timed(
        lambda: (
            select_sites(ws.layers, Selection(townships=(town,))),
            build_map(ws, MapView(selection=Selection(townships=(town,))), asset_base="/app/static/")
            .get_root()
            .render(),
        ),
        reps,
    )
    first_s, pan_s = _first_render(html)

    big = _big_workspace(ws, big_n)
    big_s, big_html = _timed(lambda: _ours(big, MapView(show_hillshade=False)), 1 if args.quick else 2)
    naive_part_s, naive_part = _timed(lambda: _naive(big, limit=naive_limit), 1)
    big_n_actual = sum(len(f) for f in big.layers.values())
    naive_big_s = naive_part_s * big_n_actual / naive_limit
    naive_big_bytes = len(naive_part.encode()) * big_n_actual / naive_limit
    big_first_s, big_pan_s = _first_render(big_html)

    result = {
        "bench": "map",
        "n": n_sites,
        "seconds": round(ours_s, 4),
        "baseline_seconds": round(naive_s, 4),
        "ratio": round(naive_s / ours_s, 2),
        "payload_bytes": len(html.encode()),
        "baseline_payload_bytes": len(naive_html.encode()),
        "first_render_s": round(first_s, 3),
        "pan_redraw_s": round(pan_s, 3),
        "rerun_after_filter_s": round(rerun_s, 4),
        "big_n": big_n_actual,
        "big_seconds": round(big_s, 3),
        "big_payload_bytes": len(big_html.encode()),
        "big_baseline_seconds_extrapolated": round(naive_big_s, 2),
        "big_baseline_payload_bytes_extrapolated": int(naive_big_bytes),
        "big_baseline_measured_on": naive_limit,
        "big_ratio": round(naive_big_s / big_s, 2),
        "big_first_render_s": round(big_first_s, 3),
        "big_pan_redraw_s": round(big_pan_s, 3),
        "targets": {
            "payload_bytes": 2_000_000,
            "first_render_s": 1.5,
            "big_payload_bytes": 4_000_000,
            "rerun_after_filter_s": 0.5,
        },
        "quick": args.quick,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
