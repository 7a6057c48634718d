"""Compact, script-safe JSON payloads for the client runtime.

Sites travel column-wise: integer micro-degree offsets, ids as prefix + number when they follow
one pattern, class indexes instead of colours, and names/key fields only up to a size limit,
so that the bundled workspace stays well under 2 MB and a 100,000-point layer under 4 MB.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import shapely

from layers.kinds import LayerKind

__all__ = ["DRAWN_SHAPES", "display_value", "js_json", "site_payload"]

# The canvas shapes the runtime draws (RM.shapePath); each kind names its own (LayerKind.shape).
DRAWN_SHAPES: tuple[str, ...] = ("circle", "triangle", "square", "diamond", "house", "drop", "hexagon", "star")
_ID_RE = re.compile(r"^(.*?)(\d+)$")
_MICRO = 1_000_000


def js_json(obj) -> str:
    """JSON that is safe inside ``<script>``: ``<``, ``>``, ``&`` and line separators escaped.

    >>> js_json({"n": "</script><img src=x>"})
    '{"n":"\\\\u003c/script\\\\u003e\\\\u003cimg src=x\\\\u003e"}'
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(ch, esc)
    return text


def display_value(v) -> str:
    """A field value as shown to people: booleans as 是/否, missing as empty, floats trimmed."""
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, bool | np.bool_):
        return "是" if v else "否"
    if isinstance(v, float | np.floating):
        return f"{float(v):.2f}".rstrip("0").rstrip(".")
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    return str(v)


def _encode_ids(ids: list[str]) -> list[str] | dict:
    """Ids as ``{"p": prefix, "w": width, "n": [numbers]}`` when they all share one pattern."""
    matches = [_ID_RE.match(i) for i in ids]
    if ids and all(matches):
        prefixes = {m.group(1) for m in matches}
        widths = {len(m.group(2)) for m in matches}
        nums = [m.group(2) for m in matches]
        if len(prefixes) == 1 and len(widths) == 1 and all(n == str(int(n)).zfill(len(n)) for n in nums):
            return {"p": prefixes.pop(), "w": widths.pop(), "n": [int(n) for n in nums]}
    return ids


def _micro(values: np.ndarray) -> tuple[int, list[int]]:
    ints = np.round(values * _MICRO).astype(np.int64)
    base = int(ints.min()) if len(ints) else 0
    return base, (ints - base).tolist()


def _classes(frame, kind: LayerKind) -> tuple[str | None, list, list | None]:
    if not kind.style_field or kind.style_field not in frame.columns:
        return None, [], None
    field = kind.field(kind.style_field)
    values = [display_value(v) for v in frame[kind.style_field]]
    order = list(field.allowed) + sorted(set(values) - set(field.allowed))
    classes = [[v or "（未填）", field.color_of(v) or kind.color] for v in order]
    index = {v: i for i, v in enumerate(order)}
    return field.label, classes, [index[v] for v in values]


def site_payload(
    frame,
    kind: LayerKind,
    *,
    towns: list[str],
    labels: dict,
    detail_limit: int,
    xy: tuple[np.ndarray, np.ndarray] | None = None,
    marks: dict[str, str] | None = None,
) -> dict:
    """The client payload of one registry layer (see ``RM.sites`` in the runtime).

    ``xy`` overrides the display coordinates (the GCJ-02 shift for 高德 tiles). ``marks`` maps site id
    → inspection mark (逾期未巡查 / 发现隐患), drawn as the symbol's outline and named in the popup.
    """
    lon, lat = (
        xy if xy is not None else (shapely.get_x(frame.geometry.values), shapely.get_y(frame.geometry.values))
    )
    x0, xs = _micro(np.asarray(lon, dtype="float64"))
    y0, ys = _micro(np.asarray(lat, dtype="float64"))
    town_index = {n: i for i, n in enumerate(towns)}
    class_label, classes, cls = _classes(frame, kind)
    full = len(frame) <= detail_limit
    cols = [f for f in kind.key_fields if f != kind.style_field and f in frame.columns] if full else []
    return {
        "layer": kind.id,
        "label": kind.label,
        "shape": kind.shape,
        "radius": kind.marker_px,
        "color": kind.color,
        "strokeLimit": 20000,
        "x0": x0,
        "y0": y0,
        "x": xs,
        "y": ys,
        "ids": _encode_ids([str(i) for i in frame["id"]]),
        "names": [display_value(v) for v in frame["name"]] if full else None,
        "towns": towns,
        "tw": [town_index.get(str(t), len(towns) - 1) for t in frame["township"]],
        "classLabel": class_label,
        "classes": classes,
        "cls": cls,
        "cols": [kind.field(f).header for f in cols],
        "vals": [[display_value(v) for v in frame[f]] for f in cols],
        "t": labels,
        "marks": [(marks or {}).get(str(i), "") for i in frame["id"]] if marks else None,
    }
