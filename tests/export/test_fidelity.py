"""Filter fidelity: over random selections (townships × layers × attribute values), the ids in every
exported file equal the ids the map's filter selects — and equal an independent row-by-row oracle."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers.exports import collect_export, render_export
from layers.kinds import LAYER_KINDS, FieldType, get_kind
from layers.selection import Filter, Selection, select_sites
from tests.export import readback as rb
from tests.export.fixtures import FIXED_NOW, TOWNS

LAYER_IDS = [k.id for k in LAYER_KINDS]
# (field, allowed texts, layer that declares it) for every enum and bool field of every kind
FILTERABLE = [
    (f.name, f.allowed if f.type == FieldType.ENUM else ("是", "否"), k.id)
    for k in LAYER_KINDS
    for f in k.fields
    if f.type in (FieldType.ENUM, FieldType.BOOL)
]
READERS = {
    "csv": rb.read_csv,
    "xlsx": lambda d: rb.read_xlsx(d)[0],
    "geojson": lambda d: rb.read_geojson(d)[0],
    "kml": lambda d: rb.read_kml(d)[0],
    "kmz": lambda d: rb.read_kmz(d)[0],
    "gpx": lambda d: rb.read_gpx(d)[0],
}


@st.composite
def filters(draw):
    name, allowed, layer = draw(st.sampled_from(FILTERABLE))
    values = draw(st.lists(st.sampled_from(allowed), min_size=1, max_size=3, unique=True))
    scoped = draw(st.booleans())
    return Filter(name, tuple(values), layer if scoped else None)


selections = st.builds(
    Selection,
    townships=st.lists(st.sampled_from([t[0] for t in TOWNS]), max_size=2, unique=True).map(tuple),
    layers=st.lists(st.sampled_from(LAYER_IDS), max_size=4, unique=True).map(tuple),
    filters=st.lists(filters(), max_size=2).map(tuple),
)


def _text(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return ("是" if value else "否") if isinstance(value, bool) else str(value)


def oracle_ids(ws, sel: Selection) -> dict[str, set[str]]:
    """Row by row, written from the rules (SPEC: an unscoped filter on a field a layer lacks selects none)."""
    out = {}
    for lid in sel.layers or LAYER_IDS:
        kind, keep = get_kind(lid), set()
        for _, row in ws.layers[lid].iterrows():
            ok = not sel.townships or row["township"] in sel.townships
            for f in sel.filters:
                if f.layer in (None, lid):
                    ok = ok and f.field in kind.field_names and _text(row[f.field]) in f.values
            if ok:
                keep.add(row["id"])
        out[lid] = keep
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sel=selections)
def test_exported_ids_equal_the_maps_selection(export_ws, sel):
    want = {lid: set(frame["id"]) for lid, frame in select_sites(export_ws.layers, sel).items()}
    assert want == oracle_ids(export_ws, sel)
    bundle = collect_export(export_ws, sel, now=FIXED_NOW)
    for fmt, read in READERS.items():
        got = read(render_export(bundle, fmt))
        got_ids = {lid: {s[0] for s in sites} for lid, sites in got.items() if sites}
        assert got_ids == {lid: ids for lid, ids in want.items() if ids}, fmt
