"""AppTest fixtures: the app runs on the small map workspace (tests/map_workspace.py)."""

from __future__ import annotations

import pytest
from map_workspace import write_map_workspace


@pytest.fixture
def map_ws(tmp_path, monkeypatch):
    root = write_map_workspace(tmp_path / "ws")
    monkeypatch.setenv("RISKMAP_WORKSPACE", str(root))
    return root
