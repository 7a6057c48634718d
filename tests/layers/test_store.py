"""Workspace store: round trips, atomic saves, inter-process locking, versions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers.errors import LayerValidationError
from layers.kinds import LAYER_KINDS, FieldType, LayerKind, get_kind
from layers.store.io import read_raw_layer
from layers.store.workspace import (
    layer_history,
    layer_path,
    load_layer,
    load_workspace,
    rollback_layer,
    save_layer,
)
from tests.conftest import write_tiny_workspace

ROOT = Path(__file__).resolve().parents[2]

_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda s: s == s.strip() and s != "")  # blank text is stored as missing, outer spaces are trimmed


def _value(f):
    """A hypothesis strategy for one valid stored value of a field (or None where optional)."""
    if f.name in ("id", "name", "township"):
        return None  # set by the row strategy
    base = {
        FieldType.STR: _TEXT,
        FieldType.INT: st.integers(min_value=0, max_value=10**6),
        FieldType.FLOAT: st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda v: round(v, 3)),
        FieldType.BOOL: st.booleans(),
        FieldType.DATE: st.dates().map(lambda d: d.isoformat()),
        FieldType.ENUM: st.sampled_from(f.allowed) if f.allowed else _TEXT,
    }[f.type]
    return base if f.required else st.one_of(st.none(), base)


@st.composite
def _frames(draw, kind: LayerKind):
    n = draw(st.integers(min_value=0, max_value=6))
    rows, xs, ys = [], [], []
    for i in range(n):
        row = {f.name: draw(_value(f)) for f in kind.all_fields if _value(f) is not None}
        x = draw(st.floats(min_value=107.301, max_value=107.379))
        y = draw(st.floats(min_value=30.301, max_value=30.339))
        x, y = round(x, 7), round(y, 7)
        row.update(
            id=f"{kind.id_prefix}{i:04d}", name=draw(_TEXT), township="甲街道" if x < 107.34 else "乙镇"
        )
        if kind.id == "geohazard":
            row["danger_level"] = None  # derived from people/property on load
        rows.append(row)
        xs.append(x)
        ys.append(y)
    frame = pd.DataFrame(rows, columns=list(kind.field_names))
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(xs, ys), crs="EPSG:4326")


def _comparable(frame: gpd.GeoDataFrame, kind: LayerKind) -> list[dict]:
    out = []
    for rec, geom in zip(frame[list(kind.field_names)].to_dict("records"), frame.geometry, strict=True):
        clean = {
            k: (None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v)
            for k, v in rec.items()
            if k != "danger_level"
        }
        clean["xy"] = (round(geom.x, 7), round(geom.y, 7))
        out.append(clean)
    return out


@pytest.mark.parametrize("kind", LAYER_KINDS, ids=lambda k: k.id)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_save_then_load_round_trips_every_kind(kind, data, tmp_path_factory):
    root = write_tiny_workspace(tmp_path_factory.mktemp("rt") / "ws")
    ws = load_workspace(root)
    frame = data.draw(_frames(kind))
    save_layer(root, kind.id, frame, area=ws.area)
    loaded, problems = load_layer(root, kind, ws.area)
    assert [p for p in problems if p.severity == "error"] == []
    got, want = _comparable(loaded, kind), _comparable(frame, kind)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert {k: g[k] for k in g if g[k] != w.get(k)} == {k: w[k] for k in g if g[k] != w.get(k)}


def _shelter_frame(n: int, start: int = 0) -> gpd.GeoDataFrame:
    ids = [f"BN{i:05d}" for i in range(start, start + n)]
    return gpd.GeoDataFrame(
        {
            "id": ids,
            "name": [f"避难场所{i}" for i in range(start, start + n)],
            "shelter_class": ["紧急"] * n,
            "capacity_people": [100] * n,
        },
        geometry=gpd.points_from_xy(np.linspace(107.305, 107.375, n), np.full(n, 30.32)),
        crs="EPSG:4326",
    )


def test_invalid_frame_is_refused_and_nothing_written(tiny_workspace):
    ws = load_workspace(tiny_workspace)
    bad = _shelter_frame(2)
    bad.loc[1, "shelter_class"] = "临时"
    with pytest.raises(LayerValidationError) as err:
        save_layer(tiny_workspace, "shelter", bad, area=ws.area)
    assert "shelter:BN00001:shelter_class" in str(err.value)
    assert not layer_path(tiny_workspace, "shelter").exists()
    assert layer_history(tiny_workspace, "shelter") == []


def test_save_keeps_versions_and_rollback_is_byte_identical(tiny_workspace):
    ws = load_workspace(tiny_workspace)
    v1 = save_layer(tiny_workspace, "shelter", _shelter_frame(3), area=ws.area, source="manual")
    first = layer_path(tiny_workspace, "shelter").read_bytes()
    save_layer(tiny_workspace, "shelter", _shelter_frame(5), area=ws.area)
    assert [v.count for v in layer_history(tiny_workspace, "shelter")] == [3, 5]
    restored = rollback_layer(tiny_workspace, "shelter", v1.version)
    assert layer_path(tiny_workspace, "shelter").read_bytes() == first
    assert restored.version == 3 and restored.source == "rollback:v1"


def test_first_save_records_the_file_it_replaces(tiny_workspace):
    path = layer_path(tiny_workspace, "shelter")
    ws = load_workspace(tiny_workspace)
    save_layer(tiny_workspace, "shelter", _shelter_frame(2), area=ws.area)
    original = path.read_bytes()
    # a hand-edited file (no history for it yet) is kept as version 1 by the next first save
    (tiny_workspace / ".history").rename(tiny_workspace / ".history-old")
    save_layer(tiny_workspace, "shelter", _shelter_frame(4), area=ws.area)
    hist = layer_history(tiny_workspace, "shelter")
    assert [(v.source, v.count) for v in hist] == [("initial", 2), ("manual", 4)]
    assert hist[0].path(tiny_workspace, "shelter").read_bytes() == original


_WRITER = """
import sys
import geopandas as gpd
from layers.store.workspace import load_workspace, update_layer
root, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
ws = load_workspace(root)
def add(i):
    def mutate(frame):
        row = gpd.GeoDataFrame({"id": [f"{tag}{i:03d}"], "name": [f"场所{tag}{i}"], "shelter_class": ["紧急"]},
                               geometry=gpd.points_from_xy([107.31 + i * 0.0005], [30.31]), crs="EPSG:4326")
        return gpd.GeoDataFrame(gpd.pd.concat([frame, row], ignore_index=True), crs="EPSG:4326")
    return mutate
for i in range(n):
    update_layer(root, "shelter", add(i), area=ws.area, source=f"proc-{tag}")
"""


def test_two_processes_saving_at_once_lose_nothing(tiny_workspace):
    n = 15
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(tiny_workspace), tag, str(n)], cwd=ROOT)
        for tag in ("A", "B")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    ws = load_workspace(tiny_workspace)
    ids = set(ws.layers["shelter"]["id"])
    assert ids == {f"{t}{i:03d}" for t in "AB" for i in range(n)}
    assert [v.count for v in layer_history(tiny_workspace, "shelter")] == list(range(1, 2 * n + 1))


_SAVER = """
import sys, itertools
import geopandas as gpd, numpy as np
from layers.store.workspace import save_layer
root = sys.argv[1]
n = 30000
for i in itertools.count():
    k = n + (i % 2)
    frame = gpd.GeoDataFrame({"id": [f"BN{j:06d}" for j in range(k)], "name": ["场所"] * k, "shelter_class": ["紧急"] * k},
                             geometry=gpd.points_from_xy(np.linspace(107.31, 107.37, k), np.full(k, 30.32)), crs="EPSG:4326")
    save_layer(root, "shelter", frame)
    print(i, flush=True)
"""


def test_process_killed_mid_save_leaves_a_valid_file(tiny_workspace):
    rng = np.random.default_rng(7)
    for attempt in range(4):
        proc = subprocess.Popen(
            [sys.executable, "-c", _SAVER, str(tiny_workspace)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        proc.stdout.readline()  # at least one complete save happened
        time.sleep(float(rng.uniform(0.0, 0.8)))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        raw = read_raw_layer(layer_path(tiny_workspace, "shelter"))
        assert len(raw.props) in (30000, 30001), attempt
        assert np.isfinite(raw.lon).all()
        for line in (tiny_workspace / ".history" / "shelter" / "versions.jsonl").read_text().splitlines():
            json.loads(line)  # the version log stays valid too


def test_unreadable_layer_file_is_reported_not_raised(tiny_workspace):
    layer_path(tiny_workspace, "ferry").write_bytes(b'{"type": "FeatureCollection", "features": [')
    ws = load_workspace(tiny_workspace)
    assert len(ws.layers["ferry"]) == 0
    [problem] = ws.errors
    assert problem.layer == "ferry" and "不是有效的 JSON" in problem.message


def test_geojson_is_one_feature_per_line_with_7_decimals(tiny_workspace):
    ws = load_workspace(tiny_workspace)
    frame = _shelter_frame(3)
    frame.geometry = [shapely.Point(107.3123456789, 30.3198765432)] * 3
    save_layer(tiny_workspace, "shelter", frame, area=ws.area)
    lines = layer_path(tiny_workspace, "shelter").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 3 + 1
    feature = orjson.loads(lines[1].rstrip(","))
    assert feature["geometry"]["coordinates"] == [107.3123457, 30.3198765]
    assert "避难场所0" in lines[1]  # Chinese written as is, not \\u-escaped
    assert get_kind("shelter").field_names[0] == next(iter(feature["properties"]))
