"""Fixtures for the export tests: the tiny filled workspace of :mod:`tests.export.fixtures`."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.store.workspace import load_workspace
from tests.conftest import write_tiny_workspace
from tests.export.fixtures import SITES_PER_LAYER, write_layers


@pytest.fixture(scope="session")
def export_ws_root(tmp_path_factory) -> Path:
    root = write_tiny_workspace(tmp_path_factory.mktemp("export") / "ws")
    text = (root / "workspace.toml").read_text(encoding="utf-8").replace("sample = false", "sample = true")
    (root / "workspace.toml").write_text(text, encoding="utf-8")
    write_layers(root)
    return root


@pytest.fixture(scope="session")
def export_ws(export_ws_root):
    ws = load_workspace(export_ws_root)
    assert not ws.errors, [p.line() for p in ws.errors]
    assert all(len(f) == SITES_PER_LAYER for f in ws.layers.values())
    return ws
