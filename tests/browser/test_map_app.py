"""Browser tests of the planners' map in the running app (Playwright + Debian chromium, offline)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError

from layers.selection import Selection, select_sites
from layers.store.workspace import load_workspace

pytestmark = pytest.mark.browser
FRAME_URL_PART = "streamlit_folium"


@pytest.fixture(scope="module")
def expected(browser_workspace):
    ws = load_workspace(browser_workspace)
    return ws, {lid: len(f) for lid, f in select_sites(ws.layers, Selection()).items()}


def _map_frame(page, previous=None, timeout_s: float = 60.0):
    """The st_folium frame once Leaflet and our runtime are up (a new frame after a remount)."""
    deadline = timeout_s * 1000
    waited = 0
    while waited < deadline:
        for fr in page.frames:
            if FRAME_URL_PART in fr.url and fr is not previous and not fr.is_detached():
                try:
                    if fr.evaluate(
                        "!!(window.L && window.RM && window.map && Object.keys(RM.counts).length)"
                    ):
                        return fr
                except PlaywrightError:
                    continue  # the frame navigated or detached while we asked; look again
        page.wait_for_timeout(250)
        waited += 250
    raise AssertionError("map frame did not load")


def _drawn(frame) -> dict[str, int]:
    return frame.evaluate("Object.fromEntries(Object.keys(RM.layers).map(k => [k, RM.count(window.map, k)]))")


def _open_map(page, url):
    page.goto(url + "/map")
    return _map_frame(page)


def test_leaflet_loads_offline_and_draws_every_feature(
    streamlit_server, browser_workspace, offline_page, expected
):
    page, blocked = offline_page()
    frame = _open_map(page, streamlit_server(browser_workspace))
    assert frame.evaluate("L.version") == "1.9.3"
    assert _drawn(frame) == expected[1]
    page.wait_for_timeout(500)
    assert blocked == []


def test_toggling_a_layer_in_the_layer_control(streamlit_server, browser_workspace, offline_page, expected):
    page, blocked = offline_page()
    frame = _open_map(page, streamlit_server(browser_workspace))
    frame.locator(".leaflet-control-layers").hover()
    frame.locator(".leaflet-control-layers-overlays label", has_text="地质灾害隐患点").click()
    drawn = _drawn(frame)
    assert drawn["geohazard"] == 0
    assert drawn["nine_small"] == expected[1]["nine_small"]
    assert blocked == []


def test_township_filter_changes_what_is_drawn(streamlit_server, browser_workspace, offline_page, expected):
    ws, _ = expected
    town = str(ws.townships["name"].iloc[0])
    want = {lid: len(f) for lid, f in select_sites(ws.layers, Selection(townships=(town,))).items()}
    page, blocked = offline_page()
    frame = _open_map(page, streamlit_server(browser_workspace))
    box = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").first
    box.click()
    page.keyboard.type(town)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    new = _map_frame(page, previous=frame)
    assert _drawn(new) == want
    assert blocked == []


def _click_site(page, frame, layer: str, site_id: str) -> None:
    point = frame.evaluate(
        """([layer, id]) => { const g = RM.layers[layer];
             const m = g.getLayers().find(x => RM.siteId(x._rmd, x._rmi) === id);
             window.map.setView(m.getLatLng(), 16, {animate: false});
             const p = window.map.latLngToContainerPoint(m.getLatLng()); return [p.x, p.y]; }""",
        [layer, site_id],
    )
    page.wait_for_timeout(400)
    point = frame.evaluate(
        """([layer, id]) => { const m = RM.layers[layer].getLayers().find(x => RM.siteId(x._rmd, x._rmi) === id);
             const p = window.map.latLngToContainerPoint(m.getLatLng());
             const r = document.getElementById('map_div').getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }""",
        [layer, site_id],
    )
    box = frame.frame_element().bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])


def test_click_opens_details_and_xss_name_is_text(
    streamlit_server, browser_workspace, offline_page, xss_site
):
    XSS_ID, XSS_NAME = xss_site
    page, blocked = offline_page()
    frame = _open_map(page, streamlit_server(browser_workspace))
    _click_site(page, frame, "geohazard", XSS_ID)
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    assert XSS_NAME in popup.inner_text()
    assert popup.locator("img").count() == 0
    # the app reruns with the site selected: the details panel shows its fields as text
    page.get_by_text("点位详情").wait_for()
    page.locator("h4", has_text="onerror").wait_for(timeout=30_000)
    assert XSS_NAME in page.locator("h4", has_text="onerror").inner_text()
    assert page.locator("img[src='x']").count() == 0
    assert page.dialogs == []
    # the click does not rebuild the map (the selection is an overlay added to it as it is)
    assert not frame.is_detached()
    assert frame.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert blocked == []
