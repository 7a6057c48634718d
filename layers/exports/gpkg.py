"""GeoPackage: one table per layer (table name = layer id, identifier = Chinese label), every
selected layer present even when empty; dataset metadata names the selection and time."""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from layers.exports.bundle import ExportBundle, is_missing, text_value
from layers.kinds import FieldType, LayerKind, get_kind

__all__ = ["render_gpkg"]


def _gpkg_frame(frame: gpd.GeoDataFrame, kind: LayerKind) -> gpd.GeoDataFrame:
    """Columns GDAL can store: nullable booleans/ints as objects it maps to OFTInteger/OFTString."""
    out = {}
    for col in (c for c in frame.columns if c != frame.geometry.name):
        series = frame[col]
        ftype = kind.field(col).type if col in kind.field_names else None
        if ftype == FieldType.BOOL or ftype == FieldType.INT:
            series = pd.array([None if is_missing(v) else int(v) for v in series], dtype="Int64")
        elif ftype == FieldType.FLOAT:
            series = pd.to_numeric(series, errors="coerce").astype("float64")
        else:
            series = pd.Series([None if is_missing(v) else text_value(v) for v in series], dtype=object)
        out[col] = series
    return gpd.GeoDataFrame(
        out, geometry=list(frame.geometry.array), crs="EPSG:4326", index=range(len(frame))
    )


def render_gpkg(bundle: ExportBundle) -> bytes:
    """One table per selected layer (empty tables kept); dataset metadata names the selection."""
    meta = {
        "selection": bundle.selection.describe(),
        "exported_at": bundle.stamp,
        "sample": "是" if bundle.is_sample else "否",
    }
    with tempfile.TemporaryDirectory(prefix="riskmap-gpkg-") as tmp:
        path = Path(tmp) / "export.gpkg"
        for i, (lid, frame) in enumerate(bundle.sites.items()):
            kind = get_kind(lid)
            pyogrio.write_dataframe(
                _gpkg_frame(frame, kind),
                path,
                layer=lid,
                driver="GPKG",
                geometry_type="Point",
                dataset_metadata=meta if i == 0 else None,
                layer_options={"IDENTIFIER": kind.label, "DESCRIPTION": bundle.selection.describe()},
            )
        return path.read_bytes()
