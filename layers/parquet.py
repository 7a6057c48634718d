"""GeoParquet: registries and exposed elements as point files, partitioned by a square grid cell.

The spatial key of a point is its grid cell ``(row, col) = floor((y - y0) / cell), floor((x - x0) / cell)``
in a metric CRS; one GeoParquet file per non-empty cell (``part-r{row}_c{col}.parquet``), written with
``geopandas.to_parquet`` in the GeoArrow point encoding, so that a reader gets the coordinates back
as two float64 columns with pyarrow alone — bit for bit, without building a shapely object. A
``_partitions.json`` next to the files lists the grid and each file's cell and row count.

:func:`write_workspace_parquet` writes a workspace's registries as GeoParquet for other tools
(DuckDB, SedonaDB, Dask); ``riskmodel.distributed`` writes the exposed elements with these helpers.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from layers.store.io import atomic_write_bytes

__all__ = ["GridSpec", "Partition", "read_partitions", "read_points", "write_points", "write_workspace_parquet"]

INDEX_FILE = "_partitions.json"


@dataclass(frozen=True)
class GridSpec:
    """A square grid in a metric CRS: origin ``(x0, y0)`` and cell size in metres."""

    x0: float
    y0: float
    cell_m: float
    crs: str

    def cells(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) of each point; a point on a cell edge belongs to the cell above/right of it.

        >>> g = GridSpec(0.0, 0.0, 10.0, "EPSG:4545")
        >>> [a.tolist() for a in g.cells(np.array([[0.0, 0.0], [10.0, 9.99], [-0.5, 25.0]]))]
        [[0, 0, 2], [0, 1, -1]]
        """
        col = np.floor((xy[:, 0] - self.x0) / self.cell_m).astype(np.int64)
        row = np.floor((xy[:, 1] - self.y0) / self.cell_m).astype(np.int64)
        return row, col

    def bounds(self, row: int, col: int) -> tuple[float, float, float, float]:
        return (self.x0 + col * self.cell_m, self.y0 + row * self.cell_m,
                self.x0 + (col + 1) * self.cell_m, self.y0 + (row + 1) * self.cell_m)

    @classmethod
    def covering(cls, xy: np.ndarray, cell_m: float, crs: str) -> GridSpec:
        x0 = math.floor(float(xy[:, 0].min()) / cell_m) * cell_m if len(xy) else 0.0
        y0 = math.floor(float(xy[:, 1].min()) / cell_m) * cell_m if len(xy) else 0.0
        return cls(x0, y0, float(cell_m), crs)


@dataclass(frozen=True)
class Partition:
    path: str
    row: int
    col: int
    count: int


def _file_name(prefix: str, row: int, col: int) -> str:
    return f"{prefix}-r{row}_c{col}.parquet"


def write_points(out_dir: str | Path, xy: np.ndarray, columns: dict[str, np.ndarray], grid: GridSpec, *,
                 prefix: str = "part") -> list[Partition]:
    """Write points (metric ``xy``) and their columns as one GeoParquet file per grid cell.

    Rows keep their input order within a cell. Returns the partitions written (also listed in
    ``_partitions.json`` under ``prefix``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    xy = np.asarray(xy, dtype="float64").reshape(-1, 2)
    parts = []
    if len(xy):
        row, col = grid.cells(xy)
        order = np.lexsort((col, row))  # stable: input order kept within a cell
        r_s, c_s = row[order], col[order]
        cuts = np.flatnonzero((np.diff(r_s) != 0) | (np.diff(c_s) != 0)) + 1
        bounds = [0, *cuts.tolist(), len(order)]
        for a, b in itertools.pairwise(bounds):
            pick = order[a:b]
            r, c = int(r_s[a]), int(c_s[a])
            frame = gpd.GeoDataFrame({k: np.asarray(v)[pick] for k, v in columns.items()},
                                     geometry=shapely.points(xy[pick]), crs=grid.crs)
            path = out / _file_name(prefix, r, c)
            frame.to_parquet(path, geometry_encoding="geoarrow", index=False)
            parts.append(Partition(path.name, r, c, b - a))
    _write_index(out, prefix, grid, parts)
    return parts


def _write_index(out: Path, prefix: str, grid: GridSpec, parts: list[Partition]) -> None:
    path = out / INDEX_FILE
    doc = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    doc[prefix] = {"grid": grid.__dict__, "partitions": [p.__dict__ for p in parts]}
    atomic_write_bytes(path, json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))


def read_partitions(out_dir: str | Path, prefix: str = "part") -> tuple[GridSpec, list[Partition]]:
    doc = json.loads((Path(out_dir) / INDEX_FILE).read_text(encoding="utf-8"))[prefix]
    return GridSpec(**doc["grid"]), [Partition(**p) for p in doc["partitions"]]


def read_points(path: str | Path, columns: tuple[str, ...] = ()) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Coordinates (n, 2) and the named columns of one GeoParquet point file, with pyarrow only."""
    table = pq.read_table(path, columns=["geometry", *columns])
    geom = table.column("geometry").combine_chunks()
    if not pa.types.is_struct(geom.type):  # WKB (another writer): decode through shapely
        pts = shapely.from_wkb(geom.to_numpy(zero_copy_only=False))
        xy = shapely.get_coordinates(pts)
    else:
        xy = np.column_stack([geom.field("x").to_numpy(), geom.field("y").to_numpy()])
    return xy, {c: table.column(c).to_numpy() for c in columns}


def write_workspace_parquet(ws, out_dir: str | Path) -> dict[str, str]:
    """Each registry of a workspace as ``<layer>.parquet`` (GeoParquet, WGS 84); returns ``{layer: path}``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for layer_id, frame in ws.layers.items():
        path = out / f"{layer_id}.parquet"
        gpd.GeoDataFrame(frame).to_parquet(path, geometry_encoding="geoarrow", index=False)
        paths[layer_id] = str(path)
    return paths
