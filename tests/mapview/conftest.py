from __future__ import annotations

import pytest
from map_workspace import write_map_workspace

from layers.store.workspace import load_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    return load_workspace(write_map_workspace(tmp_path_factory.mktemp("mapws") / "ws"))
