"""AppTest for 乡镇导出: opens with the map's selection, a change updates the counts, one download
button per format; the file behind a button holds exactly the selected sites."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from layers.exports import FORMATS, export_bytes
from layers.selection import Selection
from layers.store.workspace import load_workspace
from riskmap.ui.state import VIEW_KEY, ViewState
from tests.conftest import write_tiny_workspace
from tests.export import readback as rb
from tests.export.fixtures import write_layers

SCRIPT = "from riskmap.ui import export_page\nexport_page.render()\n"


@pytest.fixture
def export_root(tmp_path, monkeypatch):
    root = write_tiny_workspace(tmp_path / "ws")
    write_layers(root)
    monkeypatch.setenv("RISKMAP_WORKSPACE", str(root))
    return root


def _metrics(at) -> dict[str, int]:
    return {m.label: int(str(m.value).replace(",", "")) for m in at.metric}


def _downloads(at) -> list:
    return [el for el in at.get("download_button")]


def test_opens_with_the_map_selection_and_follows_changes(export_root):
    at = AppTest.from_string(SCRIPT, default_timeout=90)
    at.session_state[VIEW_KEY] = ViewState(selection=Selection(townships=("乙镇",), layers=("ferry",)))
    at.run()
    assert not at.exception
    assert at.multiselect(key="flt_townships").value == ["乙镇"]
    assert at.multiselect(key="flt_layers").value == ["ferry"]
    assert _metrics(at) == {"合计": 4, "渡口": 4}
    assert len(_downloads(at)) == len(FORMATS) + 3  # + the XLSForm, the per-township ZIP and the 两卡 PDF

    at.multiselect(key="flt_townships").set_value(["甲街道", "乙镇"]).run()
    at.multiselect(key="flt_layers").set_value(["ferry", "shelter"]).run()
    assert not at.exception
    assert _metrics(at) == {"合计": 16, "渡口": 8, "应急避难场所": 8}
    selection = at.session_state[VIEW_KEY].selection  # the map sees the same selection
    assert selection.townships == ("甲街道", "乙镇") and selection.layers == ("ferry", "shelter")
    ws = load_workspace(export_root)
    got = rb.read_csv(export_bytes(ws, selection, "csv"))  # what the CSV button serves
    assert {lid: len(v) for lid, v in got.items()} == {"ferry": 8, "shelter": 8}


def test_empty_selection_warns(export_root):
    at = AppTest.from_string(SCRIPT, default_timeout=90)
    at.session_state[VIEW_KEY] = ViewState(selection=Selection(townships=("乙镇",), text="没有这个点"))
    at.run()
    assert not at.exception
    assert _metrics(at)["合计"] == 0
    assert any("没有符合条件的点位" in w.value for w in at.warning)
