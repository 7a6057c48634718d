"""GeoJSON: ONE FeatureCollection; each feature carries ``layer`` (id) and ``layer_label``, then the
canonical field names (so that the file can be imported again). Foreign members ``selection``,
``exported_at``, ``sample`` name the selection."""

from __future__ import annotations

import orjson

from layers.exports.bundle import ExportBundle, export_stem
from layers.kinds import get_kind
from layers.store.io import frame_to_geojson_bytes

__all__ = ["render_geojson"]


def render_geojson(bundle: ExportBundle) -> bytes:
    """One FeatureCollection; every feature has ``layer``/``layer_label`` then its fields."""
    head = {
        "type": "FeatureCollection",
        "name": export_stem(bundle.selection, bundle.workspace_name),
        "selection": bundle.selection.describe(),
        "exported_at": bundle.exported_at.isoformat(),
        "sample": bundle.is_sample,
    }
    lines = []
    for lid, frame in bundle.sites.items():
        kind = get_kind(lid)
        for feat in orjson.loads(frame_to_geojson_bytes(frame, kind))["features"]:
            feat["properties"] = {"layer": lid, "layer_label": kind.label, **feat["properties"]}
            lines.append(orjson.dumps(feat))
    body = b",\n".join(lines)
    return orjson.dumps(head)[:-1] + b',"features":[\n' + body + b"\n]}\n"
