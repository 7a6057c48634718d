"""CSV: all selected layers in one table — a ``图层`` column first, then the Chinese headers
(``Field.header``), ``经度``/``纬度`` (WGS 84, 7 decimals) after 村(社区); columns with the same header
are shared. Written by the one CSV writer (:func:`layers.tabular.csv_bytes`)."""

from __future__ import annotations

import pandas as pd

from layers.exports.bundle import LAYER_HEADER, ExportBundle, layer_table
from layers.kinds import get_kind
from layers.tabular import csv_bytes

__all__ = ["render_csv"]


def render_csv(bundle: ExportBundle) -> bytes:
    """All selected layers in one table, UTF-8 with BOM (see the module notes)."""
    tables = []
    for lid, frame in bundle.sites.items():
        kind = get_kind(lid)
        table = layer_table(frame, kind, as_text=True)
        table.insert(0, LAYER_HEADER, [kind.label] * len(table))
        tables.append(table)
    merged = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=[LAYER_HEADER])
    return csv_bytes(merged.astype(object).fillna(""))
