"""Exports for field teams: exactly the selected sites, in every format of the registry.

``bundle`` collects the selection once; ``registry`` declares the formats (id, label, suffix, MIME,
render function) and writes files; one module per format renders a bundle to bytes.
"""

from layers.exports.bundle import (
    ExportBundle,
    collect_export,
    date_or_text,
    export_stem,
    is_missing,
    key_items,
    layer_table,
    site_coords,
    site_records,
    table_fields,
    text_value,
)
from layers.exports.registry import (
    EXPORT_FORMATS,
    FORMAT_LABELS,
    FORMATS,
    MIME_TYPES,
    ExportFormat,
    ExportResult,
    check_format,
    export_bytes,
    export_per_township,
    get_format,
    render_export,
    render_townships_zip,
    render_zip,
    write_export,
)

__all__ = [
    "EXPORT_FORMATS",
    "FORMATS",
    "FORMAT_LABELS",
    "MIME_TYPES",
    "ExportBundle",
    "ExportFormat",
    "ExportResult",
    "check_format",
    "collect_export",
    "date_or_text",
    "export_bytes",
    "export_per_township",
    "export_stem",
    "get_format",
    "is_missing",
    "key_items",
    "layer_table",
    "render_export",
    "render_townships_zip",
    "render_zip",
    "site_coords",
    "site_records",
    "table_fields",
    "text_value",
    "write_export",
]
