"""The server's start-up warm-up (``riskmap/ui/warmup.py``): it fills the caches the first page reads,
and it imports no page module — a Streamlit component declared outside a script run never registers,
and the browser then shows "trouble loading the st_folium component" (what broke an earlier try)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import riskmap.ui.state as state
calls = []
real = state.load_workspace
state.load_workspace = lambda root: calls.append(str(root)) or real(root)
from riskmap.ui.warmup import warm_caches
took = warm_caches()
root = state.workspace_root()
res = None
if root.is_dir():
    state._load(str(root), state._files_stamp(root))          # what the first page asks for
    res = state._analyse(state.workspace_stamp())
print(json.dumps({"took": took, "loads": len(calls), "analysis": res is not None and res.analysis is not None,
                  "component_modules": sorted(m for m in sys.modules if m.startswith("streamlit_folium")
                                              or m.startswith("riskmap.ui.") and m.split(".")[-1] in
                                              ("browse", "overview", "mappanel", "inspect_page", "flood"))}))
"""


def _probe(workspace: Path) -> dict:
    env = {**os.environ, "RISKMAP_WORKSPACE": str(workspace), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=ROOT,
                         timeout=300, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_warm_up_fills_the_first_pages_caches_without_importing_a_page(map_ws):
    got = _probe(map_ws)
    assert got["took"] > 0 and got["analysis"]
    assert got["loads"] == 1  # the page's own call found the warmed workspace
    assert got["component_modules"] == []


def test_a_missing_workspace_is_left_to_the_pages(tmp_path):
    got = _probe(tmp_path / "nowhere")
    assert got["took"] == 0 and got["loads"] == 0
