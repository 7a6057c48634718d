"""The Dask engine finds exactly the single-process pairs, also for points on partition edges at exactly the radius."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from layers.parquet import GridSpec, read_partitions, read_points
from riskmodel._pairs import pairs_within
from riskmodel.analysis import analyze_workspace
from riskmodel.distributed import DaskPairFinder, connect, pair_checksum

X0, Y0, CELL = 500_000.0, 3_350_000.0, 1000.0


@pytest.fixture(scope="module")
def client():
    c = connect(n_workers=1, threads_per_worker=2, processes=False)
    yield c
    cluster = c.cluster
    c.close()
    cluster.close()


def _edge_scene(wide: bool = True):
    """Hazards just inside cell edges and corners, elements across them at exactly the radius (exact floats).

    ``wide``: add a radius wider than a cell; else the largest radius (60 m) is the halo, and a
    hazard lies exactly that far outside the cell of an element on the cell's edge."""
    hz, r, el = [], [], []
    for k in range(1, 4):  # the vertical edges x = X0 + k·CELL and horizontal edges y = Y0 + k·CELL
        ex, ey = X0 + k * CELL, Y0 + k * CELL
        hz += [(ex - 30.0, Y0 + 500.0), (X0 + 500.0, ey - 30.0), (ex - 3.0, ey - 4.0), (ex, Y0 + 1500.0)]
        r += [60.0, 60.0, 50.0, 25.0]
        el += [(ex + 30.0, Y0 + 500.0),          # d = 60 = r, across the edge
               (ex + 30.0 + 1e-7, Y0 + 500.0),   # just beyond r
               (X0 + 500.0, ey + 30.0),          # d = 60 = r, across the horizontal edge
               (ex + 27.0, ey + 36.0),           # 30-40-50 across the corner: d = 50 = r
               (ex, Y0 + 1500.0 + 25.0),         # on the edge itself, d = 25 = r
               (ex, Y0 + 1500.0)]                # on the edge, d = 0
    hz.append((X0 + 2000.0 - 60.0, Y0 + 2500.0))  # exactly the halo width outside the element's cell
    r.append(60.0)
    el.append((X0 + 2000.0, Y0 + 2500.0))  # on the edge: belongs to the cell east of it; d = 60 = r
    if wide:
        hz.append((X0 + 1500.0, Y0 + 1500.0))  # a radius wider than a cell: the halo spans two cells
        r.append(1700.0)
    rng = np.random.default_rng(7)
    el += [tuple(p) for p in rng.uniform([X0, Y0], [X0 + 4 * CELL, Y0 + 4 * CELL], (3000, 2))]
    hz += [tuple(p) for p in rng.uniform([X0, Y0], [X0 + 4 * CELL, Y0 + 4 * CELL], (40, 2))]
    r += list(rng.uniform(50.0, 500.0 if wide else 60.0, 40))
    el.append((np.nan, Y0))  # never pairs
    return np.array(hz), np.array(r), np.array(el)


def _as_set(h, e, d):
    return sorted(zip(h.tolist(), e.tolist(), d.tolist(), strict=True))


@pytest.mark.parametrize("wide", [True, False])
def test_dask_pairs_equal_single_process_on_partition_edges(client, tmp_path, wide):
    hz, r, el = _edge_scene(wide)
    finder = DaskPairFinder(client, tmp_path / "pq", cell_m=CELL)
    got = finder(hz, r, el)
    want = pairs_within(hz, r, el)
    assert finder.last_partitions >= 16  # really partitioned: a 4 × 4 grid (and more)
    assert _as_set(*got) == _as_set(*want)
    edge = {(h, e) for h, e, _ in _as_set(*want)}
    for k in range(3):  # every hand-placed pair at exactly the radius is there, the one beyond is not
        assert {(4 * k, 6 * k), (4 * k + 1, 6 * k + 2), (4 * k + 2, 6 * k + 3), (4 * k + 3, 6 * k + 4),
                (4 * k + 3, 6 * k + 5)} <= edge
        assert (4 * k, 6 * k + 1) not in edge
    assert (12, 18) in edge
    stats = finder.count(hz, r, el)
    assert (stats.pairs, stats.checksum) == (len(want[0]), pair_checksum(want[0], want[1]))


def test_partitions_are_geoparquet_cells(client, tmp_path):
    hz, r, el = _edge_scene()
    finder = DaskPairFinder(client, tmp_path / "pq", cell_m=CELL)
    finder(hz, r, el)
    out = tmp_path / "pq" / "call001"
    grid, parts = read_partitions(out, "elements")
    assert isinstance(grid, GridSpec) and sum(p.count for p in parts) == len(el) - 1
    import geopandas as gpd

    for p in parts:
        xy, cols = read_points(out / p.path, ("idx",))
        assert np.array_equal(xy, el[cols["idx"]])  # coordinates come back bit for bit
        xmin, ymin, xmax, ymax = grid.bounds(p.row, p.col)
        assert ((xy[:, 0] >= xmin) & (xy[:, 0] < xmax) & (xy[:, 1] >= ymin) & (xy[:, 1] < ymax)).all()
    frame = gpd.read_parquet(out / parts[0].path)  # a plain GeoParquet file for any reader
    assert frame.crs.to_epsg() == 4545 and len(frame) == parts[0].count


def test_analysis_on_dask_equals_single_process(client, zoo):
    single = analyze_workspace(zoo)
    dask = analyze_workspace(zoo, finder=DaskPairFinder(client, cell_m=300.0))
    assert len(single.pairs) > 0
    pd.testing.assert_frame_equal(dask.pairs, single.pairs)
    pd.testing.assert_frame_equal(dask.townships, single.townships)
