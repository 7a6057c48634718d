"""Bench the app under load: N concurrent signed-in browser sessions against one ``riskmap serve``.

Starts the server (``app_server.py``, as ``riskmap serve`` does) on a copy of the bundled sample with
accounts, then drives Playwright contexts in Debian's chromium. Each session signs in, opens 图层浏览 and
ten times changes the township filter and opens a site's details, with a think time between actions (as
people work). Reported: p50/p95 time from an action to the redrawn page (map frame drawn, or the details
heading shown), errors, and the server's peak memory — for one session alone (the baseline, same
process) and for N at once. Targets: no error, p95 ≤ 3 × the single session's, < 50 MB per extra session.

    .venv/bin/python bench/sessions.py [--sessions 20] [--actions 10] [--think 2] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.async_api import Error as PlaywrightError  # noqa: E402

from layers.access import accounts  # noqa: E402
from layers.store.workspace import DEFAULT_WORKSPACE, load_workspace  # noqa: E402
from riskmap.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PASSWORD = "bench-password-1"
FRAME = "streamlit_folium"
_HEADINGS = "() => [...document.querySelectorAll('h4')].map(e => e.innerText).join('|')"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    """Resident memory of the server and its children (MB), from /proc."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class PeakMemory:
    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_mb(self.pid))
            time.sleep(0.25)

    def __enter__(self):
        self.peak = _rss_mb(self.pid)
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()


def _workspace(tmp: Path, n_users: int) -> Path:
    dest = tmp / "dianjiang"
    shutil.copytree(DEFAULT_WORKSPACE, dest, ignore=shutil.ignore_patterns(".history", ".locks", ".access", "flood"))
    accounts.add_user(dest, "admin", PASSWORD, "管理员")
    towns = [str(n) for n in load_workspace(dest, layers=()).townships["name"]]
    for i in range(n_users):  # a mix of roles: viewers and township editors (masked and unmasked rows)
        if i % 2:
            accounts.add_user(dest, f"u{i:02d}", PASSWORD, "乡镇编辑", towns[i % len(towns)])
        else:
            accounts.add_user(dest, f"u{i:02d}", PASSWORD, "查看")
    return dest


def _start(ws: Path) -> tuple[str, subprocess.Popen]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app_server.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.enableStaticServing", "true"],
        cwd=ROOT, env={**os.environ, "RISKMAP_WORKSPACE": str(ws)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return url, proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("server did not start")


async def _map_frame(page, previous=None, timeout_s: float = 120.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for fr in page.frames:
            if FRAME in fr.url and fr is not previous and not fr.is_detached():
                try:
                    if await fr.evaluate("!!(window.L && window.RM && window.map && Object.keys(RM.counts).length)"):
                        return fr
                except Exception:  # the frame navigated while we asked; look again
                    continue
        await asyncio.sleep(0.05)
    raise TimeoutError("map frame did not redraw")


async def _click_site(page, frame) -> str:
    """Click the first drawn site (hazards first); returns its id."""
    point = await frame.evaluate(
        """() => { for (const k of Object.keys(RM.layers)) { const ls = RM.layers[k].getLayers();
             if (!ls.length) continue; const m = ls[0]; window.map.setView(m.getLatLng(), 16, {animate: false});
             const p = window.map.latLngToContainerPoint(m.getLatLng());
             const r = document.getElementById('map_div').getBoundingClientRect();
             return [p.x + r.left, p.y + r.top, RM.siteId(m._rmd, m._rmi)]; } return null; }""")
    await asyncio.sleep(0.4)
    point = await frame.evaluate(
        """() => { for (const k of Object.keys(RM.layers)) { const ls = RM.layers[k].getLayers();
             if (!ls.length) continue; const m = ls[0]; const p = window.map.latLngToContainerPoint(m.getLatLng());
             const r = document.getElementById('map_div').getBoundingClientRect();
             return [p.x + r.left, p.y + r.top, RM.siteId(m._rmd, m._rmi)]; } return null; }""")
    if point is None:  # nothing drawn at this instant (the view is being reset): let the caller look again
        raise PlaywrightError("no drawn site to click yet")
    box = await (await frame.frame_element()).bounding_box()
    await page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    return point[2]


async def _session(browser, url: str, user: str, towns: list[str], names: dict, actions: int, think: float,
                   times: list[float], errors: list[str]) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    await context.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url
                        or r.request.url.startswith(("data:", "blob:", "about:")) else r.abort())
    page = await context.new_page()
    try:
        await page.goto(url + "/map")
        await page.fill("#username", user)
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]", no_wait_after=True)  # argon2 + first page load: the frame wait
        frame = await _map_frame(page, timeout_s=240.0)
        box = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").first
        for i in range(actions):
            await asyncio.sleep(think)
            await box.click()
            if i:
                await page.keyboard.press("Backspace")  # drop the previous township
            await page.keyboard.type(towns[i % len(towns)])
            t0 = time.perf_counter()
            await page.keyboard.press("Enter")
            await page.keyboard.press("Escape")
            frame = await _map_frame(page, previous=frame)
            times.append(time.perf_counter() - t0)
            await asyncio.sleep(think)
            before = await page.evaluate(_HEADINGS)
            t0 = time.perf_counter()
            try:
                await _click_site(page, frame)
            except PlaywrightError:  # the map frame was replaced, or not drawn yet, between finding and clicking
                await asyncio.sleep(0.5)
                frame = await _map_frame(page)
                await _click_site(page, frame)
            await page.wait_for_function(f"prev => {{ const h = ({_HEADINGS})(); return h && h !== prev; }}",
                                         arg=before, timeout=120_000)  # the details panel shows the site
            times.append(time.perf_counter() - t0)
            frame = await _map_frame(page)  # a click keeps the map (the selection is an overlay on it)
    except Exception as exc:  # counted and reported, the other sessions go on
        errors.append(f"{user}: {type(exc).__name__}: {str(exc)[:160]}")
    finally:
        await context.close()


async def _run(url: str, users: list[str], towns, names, actions: int, think: float):
    from playwright.async_api import async_playwright

    times: list[float] = []
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        starts = []
        for k, u in enumerate(users):  # logins spread over a few seconds (argon2 is memory-hard by design)
            starts.append(asyncio.create_task(_delayed(k * 2.0, _session(browser, url, u, towns, names, actions,
                                                                          think, times, errors))))
        await asyncio.gather(*starts)
        await browser.close()
    return times, errors


async def _delayed(delay: float, coro):
    await asyncio.sleep(delay)
    return await coro


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--actions", type=int, default=10)
    ap.add_argument("--think", type=float, default=2.0)
    ap.add_argument("--quick", action="store_true", help="3 sessions, 3 actions (checks the script)")
    args = ap.parse_args()
    if args.quick:
        args.sessions, args.actions = 3, 3
    with tempfile.TemporaryDirectory(prefix="riskmap-bench-sessions-") as tmp:
        ws = _workspace(Path(tmp), args.sessions)
        loaded = load_workspace(ws)
        towns = [str(n) for n in loaded.townships["name"]]
        names = {str(i): str(n) for f in loaded.layers.values() for i, n in zip(f["id"], f["name"], strict=True)}
        url, proc = _start(ws)
        try:
            idle = _rss_mb(proc.pid)
            with PeakMemory(proc.pid) as one_mem:
                one_times, one_errors = asyncio.run(_run(url, ["u00"], towns, names, args.actions, args.think))
            users = [f"u{i:02d}" for i in range(args.sessions)]
            with PeakMemory(proc.pid) as many_mem:
                t0 = time.perf_counter()
                many_times, many_errors = asyncio.run(_run(url, users, towns, names, args.actions, args.think))
                wall = time.perf_counter() - t0
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    p95_1, p95_n = _pct(one_times, 95), _pct(many_times, 95)
    per_extra = (many_mem.peak - one_mem.peak) / max(1, args.sessions - 1)
    for e in (one_errors + many_errors)[:10]:
        print("error:", e, file=sys.stderr)
    result = {
        "bench": "sessions",
        "sessions": args.sessions,
        "actions_per_session": args.actions * 2,
        "think_s": args.think,
        "seconds": round(p95_n, 3) if p95_n else None,  # p95 redraw, N sessions
        "baseline_seconds": round(p95_1, 3) if p95_1 else None,  # p95 redraw, one session alone
        "ratio": round(p95_n / p95_1, 2) if p95_1 and p95_n else None,
        "p50_s": round(_pct(many_times, 50), 3) if many_times else None,
        "p95_s": round(p95_n, 3) if p95_n else None,
        "single_p50_s": round(_pct(one_times, 50), 3) if one_times else None,
        "single_p95_s": round(p95_1, 3) if p95_1 else None,
        "redraws_measured": len(many_times),
        "errors": len(many_errors),
        "single_errors": len(one_errors),
        "server_idle_mb": round(idle, 1),
        "server_peak_mb_single": round(one_mem.peak, 1),
        "server_peak_mb": round(many_mem.peak, 1),
        "mb_per_extra_session": round(per_extra, 1),
        "wall_s": round(wall, 1),
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "targets": {"errors": 0, "ratio_max": 3.0, "mb_per_extra_session_max": 50},
        "quick": args.quick,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
