"""Synthetic base layers for a workspace made by ``riskmap init``: townships as strips of the real outline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely

from layers.store.io import read_vector


def township_strips(root: Path, names: list[str], code_prefix: str) -> list[tuple[str, str, shapely.Geometry]]:
    """Cut the county outline of ``root`` into len(names) vertical strips (WGS 84)."""
    county = shapely.union_all(read_vector(Path(root) / "county.geojson").geometry.values)
    x0, y0, x1, y1 = county.bounds
    edges = np.linspace(x0, x1, len(names) + 1)
    out = []
    for i, name in enumerate(names):
        strip = shapely.box(edges[i], y0 - 0.01, edges[i + 1], y1 + 0.01)
        part = shapely.make_valid(shapely.set_precision(county.intersection(strip), 1e-7))
        polys = [g for g in getattr(part, "geoms", [part]) if g.geom_type in ("Polygon", "MultiPolygon")]
        out.append((f"{code_prefix}{i + 1:03d}000", name, shapely.union_all(polys)))
    return out


def write_township_file(root: Path, path: Path, names: list[str], code_prefix: str) -> Path:
    """A township GeoJSON with Chinese headers (乡镇名称, 乡镇代码, 人口), as a county would hand it over."""
    feats = [{"type": "Feature", "properties": {"乡镇代码": code, "乡镇名称": name, "人口": 1000 * (i + 1)},
              "geometry": shapely.geometry.mapping(geom)}
             for i, (code, name, geom) in enumerate(township_strips(root, names, code_prefix))]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def write_village_csv(path: Path, rows: list[tuple[str, str, str, float, float, int]]) -> Path:
    """Villages as a CSV: 村代码, 村名称, 所属乡镇, 经度, 纬度, 人口."""
    lines = ["村代码,村名称,所属乡镇,经度,纬度,人口"] + [",".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path
