"""What the three users hit first (issue 14), in Debian's chromium on the sample: screenshots of every page
at 1440×900 and 390×844 into ``test-artifacts/``, the first click, the layer control under an open legend,
no horizontal scroll on a phone, Chinese headers on 风险分析. One server for all (``streamlit_server``)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_map_app import _map_frame

pytestmark = pytest.mark.browser
PAGES = ("overview", "map", "export", "flood", "analysis", "data")
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def _page(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
    context.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url or r.request.url.startswith(("data:", "blob:", "about:")) else r.abort())
    return context, context.new_page()


READY = {"data": "stFileUploader", "analysis": "stDataFrame", "export": "stDownloadButton"}


def _settle(page, path):
    page.locator("h1").first.wait_for(timeout=60_000)
    if path in ("overview", "map", "flood"):
        _map_frame(page)
    else:
        page.get_by_test_id(READY[path]).first.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stSkeleton]')"
        " && !document.querySelector('[data-testid=stStatusWidget]')", timeout=60_000)
    page.wait_for_timeout(600)


@pytest.mark.parametrize("name,viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_of_every_page(streamlit_server, browser_workspace, browser, name, viewport):
    url = streamlit_server(browser_workspace)
    context, page = _page(browser, viewport)
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        overflow = {}
        for path in PAGES:
            page.goto(f"{url}/{path}")
            _settle(page, path)
            page.screenshot(path=str(ARTIFACTS / f"page-{path}-{name}.png"))
            overflow[path] = page.evaluate(
                "() => { const m = document.querySelector('[data-testid=stMain]') || document.documentElement;"
                " return Math.max(document.documentElement.scrollWidth - window.innerWidth, m.scrollWidth - m.clientWidth); }"
            )
            assert "Page not found" not in page.content()
        if name == "phone":
            assert overflow == dict.fromkeys(PAGES, 0)
    finally:
        context.close()


@pytest.fixture
def desktop(browser):
    context, page = _page(browser, DESKTOP)
    yield page
    context.close()


def _isolated_site(frame, layer: str):
    """(id, name, x, y in the frame) of the ``layer`` site farthest (on screen) from any other drawn site."""
    return frame.evaluate(
        """(layer) => { const map = window.map, pts = [];
          for (const k of Object.keys(RM.layers)) {
            if (!map.hasLayer(RM.outer[k] || RM.layers[k]) || (RM.outer[k] && RM.outer[k].aggregated)) continue;
            for (const m of RM.layers[k].getLayers()) pts.push([k, m, map.latLngToContainerPoint(m.getLatLng())]); }
          const size = map.getSize(); let best = null, bestD = -1;
          for (const [k, m, p] of pts) {
            if (k !== layer || p.x < 60 || p.y < 60 || p.x > size.x - 60 || p.y > size.y - 60) continue;
            let d = 1e9; for (const [, m2, q] of pts) if (m2 !== m) d = Math.min(d, p.distanceTo(q));
            if (d > bestD) { bestD = d; best = [RM.siteId(m._rmd, m._rmi), m._rmd.names[m._rmi], p.x, p.y]; } }
          const r = document.getElementById('map_div').getBoundingClientRect();
          return [best[0], best[1], best[2] + r.left, best[3] + r.top]; }""",
        layer,
    )


def test_first_click_on_a_site_opens_its_details_without_moving_the_map(streamlit_server, browser_workspace, desktop):
    page = desktop
    page.goto(streamlit_server(browser_workspace) + "/map")
    frame = _map_frame(page)
    page.wait_for_timeout(500)
    before = frame.evaluate("window.map.getZoom()")
    _sid, name, x, y = _isolated_site(frame, "geohazard")
    box = frame.frame_element().bounding_box()
    assert box["y"] + box["height"] <= DESKTOP["height"], "the map must fit the screen"
    scroll = page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop")
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.locator("h4", has_text=name).wait_for(timeout=30_000)
    assert page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop") == scroll
    page.wait_for_timeout(800)
    assert not frame.is_detached(), "a click must not rebuild the map"
    assert frame.evaluate("window.map.getZoom()") == before, "a click must not re-zoom (the popup may pan)"
    page.get_by_role("button", name="缩放到该点位").click()
    frame.wait_for_function("window.map.getZoom() >= 15", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "map-selected-desktop.png"))


def test_nine_small_checkbox_clickable_with_the_legend_open(streamlit_server, browser_workspace, desktop):
    page = desktop
    page.goto(streamlit_server(browser_workspace) + "/map")
    frame = _map_frame(page)
    assert not frame.locator(".rm-legend-body").is_visible()  # folded at first: the map is the picture
    frame.locator(".rm-legend-head").click()
    assert frame.locator(".rm-legend-body").is_visible()
    frame.locator(".leaflet-control-layers").hover()
    for label in ("九小场所", "应急避难场所"):
        frame.locator(".leaflet-control-layers-overlays label", has_text=label).click(timeout=5_000)
    page.screenshot(path=str(ARTIFACTS / "map-layer-control-desktop.png"))
    drawn = frame.evaluate("Object.fromEntries(Object.keys(RM.layers).map(k => [k, RM.count(window.map, k)]))")
    assert drawn["nine_small"] == 0 and drawn["shelter"] == 0 and drawn["geohazard"] > 0
    assert frame.locator(".leaflet-control-layers-toggle").get_attribute("title") == "图层"
    assert frame.locator(".leaflet-control-scale-line").first.inner_text().endswith(("km", "m"))


def test_no_ascii_only_column_header_on_analysis_in_chinese(streamlit_server, browser_workspace, desktop):
    page = desktop
    page.goto(streamlit_server(browser_workspace) + "/analysis")
    _settle(page, "analysis")
    headers: dict[str, list[str]] = {}
    tabs = page.get_by_role("tab")
    for i in range(tabs.count()):
        tab = tabs.nth(i)
        tab.click()
        page.wait_for_timeout(600)
        panel = page.get_by_role("tabpanel")  # the shown one only (hidden panels are not in the role tree)
        for j in range(panel.get_by_test_id("stDataFrame").count()):
            grid = panel.get_by_test_id("stDataFrame").nth(j)
            grid.scroll_into_view_if_needed()
            cells = grid.locator("[role=columnheader]")
            cells.first.wait_for(state="attached", timeout=20_000)
            headers[f"{tab.inner_text()}#{j}"] = [c.strip() for c in cells.all_text_contents() if c.strip()]
    assert len(headers) >= 6
    ascii_only = {k: [h for h in v if re.fullmatch(r"[\x00-\x7f]+", h)] for k, v in headers.items()}
    assert ascii_only == {k: [] for k in headers}, ascii_only


def test_uploader_reads_chinese(streamlit_server, browser_workspace, desktop):
    page = desktop
    page.goto(streamlit_server(browser_workspace) + "/data")
    box = page.get_by_test_id("stFileUploaderDropzone").first  # main added more uploaders (巡查文件, 照片)
    box.wait_for(timeout=60_000)
    text = box.inner_text()
    assert "Upload" not in text and "per file" not in text
    shown = box.evaluate(
        "e => [...e.querySelectorAll('*')].map(n => getComputedStyle(n, '::before').content"
        " + getComputedStyle(n, '::after').content).join(' ')"
    )
    assert "选择文件" in shown and "50 MB" in shown
