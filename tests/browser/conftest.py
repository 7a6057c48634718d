"""Browser-test fixtures: a Streamlit server per workspace, Debian's chromium, offline pages.

Reusable by other pages' browser tests::

    def test_x(streamlit_server, browser_workspace, offline_page):
        url = streamlit_server(browser_workspace)          # starts (once) `streamlit run app.py`
        page, blocked = offline_page()                     # every non-localhost request aborted
        page.goto(url + "/flood")
        ...
        assert blocked == []

Screenshots of failed tests are saved to ``test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from riskmap.chromium import CHROMIUM, launch_chromium

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_ID = "DZ9999"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("streamlit did not become healthy in time")


def start_streamlit(workspace: Path, port: int | None = None) -> tuple[str, subprocess.Popen]:
    """Start ``streamlit run app.py`` on a free port with ``RISKMAP_WORKSPACE=workspace``."""
    port = port or free_port()
    env = {**os.environ, "RISKMAP_WORKSPACE": str(workspace)}
    log = open(ARTIFACTS / f"streamlit-{port}.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url, proc)
    return url, proc


@pytest.fixture(scope="session")
def streamlit_server():
    """Factory: ``streamlit_server(workspace_dir) -> base URL``; one server per workspace, stopped at the end."""
    ARTIFACTS.mkdir(exist_ok=True)
    servers: dict[str, tuple[str, subprocess.Popen]] = {}

    def get(workspace) -> str:
        key = str(Path(workspace).resolve())
        if key not in servers:
            servers[key] = start_streamlit(Path(key))
        return servers[key][0]

    yield get
    for _, proc in servers.values():
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _add_xss_site(root: Path) -> None:
    path = root / "geohazard.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    first = doc["features"][0]
    lon, lat = first["geometry"]["coordinates"]
    props = {**first["properties"], "id": XSS_ID, "name": XSS_NAME}
    doc["features"].append(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon + 0.0004, lat]},
            "properties": props,
        }
    )
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="session")
def browser_workspace(tmp_path_factory) -> Path:
    """A copy of the bundled sample workspace with one geohazard site named ``<img src=x onerror=alert(1)>``."""
    from layers.store.workspace import DEFAULT_WORKSPACE

    assert (DEFAULT_WORKSPACE / "workspace.toml").exists(), "bundled sample workspace missing"
    dest = tmp_path_factory.mktemp("browser") / "dianjiang"
    shutil.copytree(DEFAULT_WORKSPACE, dest, ignore=shutil.ignore_patterns(".history", ".locks"))
    _add_xss_site(dest)
    return dest


@pytest.fixture(scope="session")
def xss_site() -> tuple[str, str]:
    """(id, name) of the geohazard site with the script-like name in ``browser_workspace``."""
    return XSS_ID, XSS_NAME


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):  # CI installs it (.ci/run): a missing browser there is a failure
            pytest.fail("Debian chromium missing at /usr/bin/chromium (apt-get install chromium)")
        pytest.skip("Debian chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("data", "blob", "about", "file") or parsed.hostname in LOCAL_HOSTS


@pytest.fixture
def offline_page(browser, request):
    """Factory: ``offline_page() -> (page, blocked)``; non-localhost requests are aborted and listed."""
    pages = []

    def make():
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        blocked: list[str] = []

        def route(r):
            if _is_local(r.request.url):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        pages.append((context, page))
        return page, blocked

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, (context, page) in enumerate(pages):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{i}.png"), full_page=True)
        context.close()
