"""Browser test of the 汛期态势 page: the depth overlay shows on the map with no network, and changing
the water level changes the KPIs. Reuses tests/browser/conftest.py (``streamlit_server``,
``offline_page``: Debian's chromium, every non-localhost request aborted and listed) on the small
map workspace (tests/map_workspace.py, which has a DEM and a river).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def flood_url(streamlit_server, tmp_path_factory):
    sys.path.insert(0, str(TESTS))
    from map_workspace import write_map_workspace

    ws = write_map_workspace(tmp_path_factory.mktemp("flood_browser") / "ws")
    return streamlit_server(ws) + "/flood"


def _metric(pg, label: str) -> str:
    card = pg.locator('[data-testid="stMetric"]').filter(has_text=label).first
    card.wait_for(timeout=90_000)
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def _map_frame(pg, timeout_s: float = 60.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        for frame in pg.frames:
            if frame.locator(".leaflet-container").count():
                return frame
        time.sleep(0.5)
    return None


def test_overlay_shows_on_the_map_offline(flood_url, offline_page):
    page, blocked = offline_page()
    page.goto(flood_url)
    _metric(page, "淹没面积")
    frame = _map_frame(page)
    assert frame is not None, "no Leaflet map rendered"
    overlay = frame.locator("img.leaflet-image-layer").first
    overlay.wait_for(state="attached", timeout=30_000)
    assert overlay.get_attribute("src").startswith("data:image/png;base64,")
    box = overlay.bounding_box()
    assert box and box["width"] > 5 and box["height"] > 5
    assert page.get_by_text("水深：").count() >= 1  # the depth legend under the map
    assert blocked == [], blocked[:5]


def test_changing_the_water_level_changes_the_kpis(flood_url, offline_page):
    page, blocked = offline_page()
    page.goto(flood_url)
    before = _metric(page, "淹没面积")
    slider = page.get_by_role("slider").first  # the water-level slider comes first in the sidebar
    slider.focus()
    for _ in range(6):
        slider.press("ArrowRight")  # 3.0 → 6.0 m in 0.5 m steps
    after = before
    end = time.monotonic() + 90
    while after == before and time.monotonic() < end:
        time.sleep(1)
        after = _metric(page, "淹没面积")
    assert float(after) > float(before), (before, after)
    assert blocked == [], blocked[:5]
