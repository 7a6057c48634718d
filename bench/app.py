"""Bench the app's first page: ``riskmap serve`` in a subprocess, Debian's chromium, the sample workspace.

Measures, from navigation to the map's first drawn feature (a site layer on the Leaflet map):
on a cold server (first visit after the server reports healthy, in a new browser profile of a
chromium that has opened one page from disk before; the server warms its caches before it reports
healthy, and ``server_start_s`` says how long that took) and a warm one, on 概览 (/overview) and 图层浏览
(/map). "Warm" is reported twice: a returning browser (new tab, same profile: Streamlit's scripts
cached — ``warm_*_s``, the number the targets apply to) and a new browser profile each visit
(``warm_fresh_browser_*_s``). And on /map, from a township filter change to the redrawn map.

Baselines, run by this process: the same map as a static HTML file opened from disk (no server,
``ratio`` = warm /map ÷ static), and the floor — a Streamlit page holding only that map
(``bench/map_only_app.py``; ``ratio_to_floor`` = warm /map ÷ floor). Last line: one JSON object
(SPEC §8).

    .venv/bin/python bench/app.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Error as PlaywrightError

from layers.store.workspace import DEFAULT_WORKSPACE, load_workspace
from riskmap.chromium import launch_chromium
from riskmap.mapview import MapView, build_map, render_html

TARGETS = {"cold_s": 4.0, "warm_s": 1.5, "filter_s": 1.0}
DRAWN = "!!(window.RM && window.map && Object.keys(RM.counts).length && Object.keys(RM.layers).some(k => RM.count(window.map, k) > 0))"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(port: int, cmd: list[str] | None = None) -> subprocess.Popen:
    if cmd is None:
        exe = Path(sys.executable).with_name("riskmap")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "riskmap.cli.main"]
        cmd = [*cmd, "serve", "--port", str(port), "--workspace", str(DEFAULT_WORKSPACE)]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("riskmap serve did not start")


def _drawn_frame(page, previous=None, timeout_s: float = 120.0):
    """The st_folium frame once a site layer is drawn (a new frame when ``previous`` is given)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for fr in page.frames:
            if "streamlit_folium" in fr.url and fr is not previous and not fr.is_detached():
                try:
                    if fr.evaluate(DRAWN):
                        return fr
                except PlaywrightError:  # the frame navigated while asked; look again
                    continue
        page.wait_for_timeout(30)  # lets Playwright see new frames (time.sleep would not)
    page.screenshot(path=str(Path(__file__).resolve().parents[1] / "test-artifacts" / "bench-app-timeout.png"))
    raise SystemExit(f"map never drawn: {page.url}")


def _visit(browser, url: str, ctx=None) -> float:
    """One visit in a new browser profile, or in a new tab of ``ctx`` (a returning browser)."""
    own = ctx is None
    if own:
        ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    _drawn_frame(page)
    took = time.perf_counter() - t0
    page.close()
    if own:
        ctx.close()
    return took


def _returning(browser, urls: dict[str, str], reps: int) -> dict[str, float]:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    for url in urls.values():
        _visit(browser, url, ctx)  # the browser's first visit fills its cache
    out = {p: statistics.median(_visit(browser, url, ctx) for _ in range(reps)) for p, url in urls.items()}
    ctx.close()
    return out


def _floor(browser, reps: int) -> float:
    """Warm visits (returning browser) to a Streamlit page holding only the map."""
    port = _free_port()
    script = Path(__file__).resolve().with_name("map_only_app.py")
    proc = _serve(port, [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                         "--server.headless", "true", "--browser.gatherUsageStats", "false",
                         "--server.enableStaticServing", "true"])
    try:
        return _returning(browser, {"floor": f"http://127.0.0.1:{port}/"}, reps)["floor"]
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _filter_change(browser, base: str, town: str) -> float:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(base + "/map")
    frame = _drawn_frame(page)
    page.wait_for_timeout(500)
    box = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").first
    box.click()
    page.keyboard.type(town)
    t0 = time.perf_counter()
    page.keyboard.press("Enter")
    _drawn_frame(page, previous=frame)
    took = time.perf_counter() - t0
    ctx.close()
    return took


def _static(browser, ws) -> float:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "map.html"
        path.write_text(render_html(build_map(ws, MapView(), asset_base=None)), encoding="utf-8")
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        t0 = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_function(DRAWN.replace("window.map", "Object.values(window).find(v => v instanceof L.Map)"))
        took = time.perf_counter() - t0
        page.close()
    return took


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    reps = 2 if args.quick else 3
    ws = load_workspace()
    town = str(ws.townships["name"].iloc[0])
    from playwright.sync_api import sync_playwright

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    proc = _serve(port)
    started = time.perf_counter() - t0
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            _static(browser, ws)  # chromium's own first page (its start-up) is not the server's coldness
            cold = {"overview": _visit(browser, base + "/overview"), "map": _visit(browser, base + "/map")}
            fresh = {p: statistics.median(_visit(browser, f"{base}/{p}") for _ in range(reps)) for p in cold}
            warm = _returning(browser, {p: f"{base}/{p}" for p in cold}, reps)
            filt = statistics.median(_filter_change(browser, base, town) for _ in range(reps))
            _stop(proc)
            static = statistics.median(_static(browser, ws) for _ in range(reps))
            floor = _floor(browser, reps)
            browser.close()
    finally:
        _stop(proc)
    result = {
        "bench": "app",
        "server_start_s": round(started, 2),
        "cold_overview_s": round(cold["overview"], 2),
        "cold_map_s": round(cold["map"], 2),
        "warm_overview_s": round(warm["overview"], 2),
        "warm_map_s": round(warm["map"], 2),
        "warm_fresh_browser_overview_s": round(fresh["overview"], 2),
        "warm_fresh_browser_map_s": round(fresh["map"], 2),
        "filter_redraw_s": round(filt, 2),
        "baseline_static_html_s": round(static, 2),
        "baseline_map_only_streamlit_s": round(floor, 2),
        "ratio": round(warm["map"] / static, 2),
        "ratio_to_floor": round(warm["map"] / floor, 2),
        "targets": TARGETS,
        "meets": {
            "cold": max(cold.values()) <= TARGETS["cold_s"],
            "warm": max(warm.values()) <= TARGETS["warm_s"],
            "filter": filt <= TARGETS["filter_s"],
        },
        "cores": os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 1),
        "quick": args.quick,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
