"""Browser test of the 汛期态势 page: the depth overlay shows on the map with no network, and changing
the water level changes the KPIs. Playwright drives Debian's chromium against a local streamlit
server; every non-localhost request is blocked (and recorded, then asserted to be none).

Uses the map helper's ``streamlit_server`` fixture from tests/browser/conftest.py when it exists,
else starts its own server on the small map workspace.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not Path(CHROMIUM).exists():  # pragma: no cover - CI installs chromium
    pytest.skip("chromium not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, timeout_s: float = 60.0) -> None:
    end = time.time() + timeout_s
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"streamlit did not start at {url}")


@pytest.fixture(scope="module")
def flood_server(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "tests"))
    from map_workspace import write_map_workspace

    ws = write_map_workspace(tmp_path_factory.mktemp("flood_browser") / "ws")
    port = _free_port()
    env = {**os.environ, "RISKMAP_WORKSPACE": str(ws), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.enableStaticServing",
        "true",
        "--global.developmentMode",
        "false",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}/_stcore/health")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture
def page(flood_server):
    external: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})

        def route(r):
            host = r.request.url.split("/")[2] if "://" in r.request.url else ""
            if r.request.url.startswith(("data:", "blob:")) or host.split(":")[0] in (
                "127.0.0.1",
                "localhost",
            ):
                return r.continue_()
            external.append(r.request.url)
            return r.abort()

        ctx.route("**/*", route)
        pg = ctx.new_page()
        pg.goto(f"{flood_server}/flood")
        yield pg
        browser.close()
    assert external == [], f"requests left the machine: {external[:5]}"


def _metric(pg, label: str) -> str:
    card = pg.locator('[data-testid="stMetric"]').filter(has_text=label).first
    card.wait_for(timeout=90_000)
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def _map_frame(pg):
    pg.locator("iframe").first.wait_for(timeout=90_000)
    for frame in pg.frames:
        if frame.locator(".leaflet-container").count():
            return frame
    return None


def test_overlay_shows_on_the_map_offline(page):
    _metric(page, "淹没面积")
    frame = None
    for _ in range(60):
        frame = _map_frame(page)
        if frame is not None:
            break
        time.sleep(1)
    assert frame is not None, "no Leaflet map rendered"
    overlay = frame.locator("img.leaflet-image-layer")
    overlay.first.wait_for(state="attached", timeout=30_000)
    src = overlay.first.get_attribute("src")
    assert src.startswith("data:image/png;base64,")
    box = overlay.first.bounding_box()
    assert box and box["width"] > 5 and box["height"] > 5


def test_changing_the_water_level_changes_the_kpis(page):
    before = _metric(page, "淹没面积")
    slider = page.get_by_role("slider").first
    slider.focus()
    for _ in range(6):
        slider.press("ArrowRight")  # 3.0 → 6.0 m in 0.5 m steps
    page.wait_for_timeout(500)
    after = before
    for _ in range(90):
        after = _metric(page, "淹没面积")
        if after != before:
            break
        time.sleep(1)
    assert float(after) > float(before), (before, after)
