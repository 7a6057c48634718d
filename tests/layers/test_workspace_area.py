"""Workspace.area (the county union and prepared townships) is built once per loaded workspace."""

from __future__ import annotations

from layers.store.workspace import Workspace


def test_area_is_built_once(monkeypatch, tmp_path):
    from tests.riskmodel.conftest import township_frames

    county, towns = township_frames("EPSG:4326")
    ws = Workspace(root=tmp_path, config={}, county=county, townships=towns, villages=towns.iloc[:0], layers={})
    calls = []
    from layers import validate

    real = validate.Area.from_frames.__func__
    monkeypatch.setattr(validate.Area, "from_frames", classmethod(lambda cls, *a: calls.append(1) or real(cls, *a)))
    first = ws.area
    assert ws.area is first and ws.area.township_names == ("甲镇", "乙镇")
    assert len(calls) == 1
