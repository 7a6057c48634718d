"""The exact pair finder: every (hazard, element) with distance ≤ that hazard's radius.

A grid hash in numpy: elements are sorted by the cell they fall in (row-major); each hazard
visits the cell rows its disk touches and, per row, the contiguous run of cells its disk
spans in that row (one ``searchsorted`` pair per row strip). Candidates are then tested with
the exact distance ``sqrt(dx² + dy²) ≤ r`` — the same number that is reported — so a site on the
ring edge (``d == r``) is always inside. No polygon is built. Work is split into chunks of
hazards run on two threads (numpy releases the GIL).
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["distance_m", "pairs_within"]

_EMPTY = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))
_MAX_CELLS = 2**40  # keeps row * ncols + col inside int64 with a wide margin
_CHUNK_CANDIDATES = 1_000_000


def distance_m(dx, dy) -> np.ndarray:
    """Planar distance, the one formula used for every reported distance.

    >>> float(distance_m(3.0, 4.0))
    5.0
    """
    dx = np.asarray(dx, dtype="float64")
    dy = np.asarray(dy, dtype="float64")
    return np.sqrt(dx * dx + dy * dy)


def _as_xy(xy) -> np.ndarray:
    arr = np.asarray(xy, dtype="float64")
    return arr.reshape(-1, 2) if arr.size else np.empty((0, 2))


class _Grid:
    """Elements bucketed into square cells, sorted by cell key."""

    def __init__(self, exy: np.ndarray, cell_m: float):
        self.cell = cell_m
        self.x0, self.y0 = exy[:, 0].min(), exy[:, 1].min()
        col = np.floor((exy[:, 0] - self.x0) / cell_m).astype(np.int64)
        row = np.floor((exy[:, 1] - self.y0) / cell_m).astype(np.int64)
        self.ncols, self.nrows = int(col.max()) + 1, int(row.max()) + 1
        keys = row * self.ncols + col
        self.order = np.argsort(keys)  # introsort: ~5× faster than stable here, order within a cell is free
        self.keys = keys[self.order]
        self.xs = np.ascontiguousarray(exy[self.order, 0])
        self.ys = np.ascontiguousarray(exy[self.order, 1])


def _spatial_order(grid: _Grid, hxy: np.ndarray) -> np.ndarray:
    """Hazards ordered by the grid cell they fall in (row-major), for cache-friendly gathers."""
    col = np.clip(np.floor((hxy[:, 0] - grid.x0) / grid.cell), -1, grid.ncols)
    row = np.clip(np.floor((hxy[:, 1] - grid.y0) / grid.cell), -1, grid.nrows)
    return np.argsort(row * (grid.ncols + 2) + col)


def _pick_cell(radius: np.ndarray, exy: np.ndarray) -> float:
    span = float(max(np.ptp(exy[:, 0]), np.ptp(exy[:, 1]), 1.0))
    typical = float(np.median(radius)) if radius.size else 1.0
    cell = max(typical / 2.0, span / 2_000_000.0, 1e-3)
    return cell


def _strips(grid: _Grid, hx, hy, hr):
    """One row strip per (hazard, cell row) that its disk can touch: hazard index, key range."""
    c = grid.cell
    rpad = hr * (1 + 1e-9) + 1e-6  # conservative: candidates are a superset, the exact test decides
    r0 = np.clip(np.floor((hy - rpad - grid.y0) / c).astype(np.int64), 0, grid.nrows)
    r1 = np.clip(np.floor((hy + rpad - grid.y0) / c).astype(np.int64), -1, grid.nrows - 1)
    nrow = np.maximum(r1 - r0 + 1, 0)
    sh = np.repeat(np.arange(hx.size), nrow)
    row = np.repeat(r0 - np.cumsum(nrow) + nrow, nrow) + np.arange(sh.size)
    ylo = grid.y0 + row * c
    dy = np.maximum(0.0, np.maximum(ylo - hy[sh], hy[sh] - (ylo + c)))
    half = np.sqrt(np.maximum(rpad[sh] ** 2 - dy * dy, 0.0))
    c0 = np.clip(np.floor((hx[sh] - half - grid.x0) / c).astype(np.int64), 0, grid.ncols)
    c1 = np.clip(np.floor((hx[sh] + half - grid.x0) / c).astype(np.int64), -1, grid.ncols - 1)
    ok = c1 >= c0
    sh, row, c0, c1 = sh[ok], row[ok], c0[ok], c1[ok]
    start = np.searchsorted(grid.keys, row * grid.ncols + c0, side="left")
    end = np.searchsorted(grid.keys, row * grid.ncols + c1, side="right")
    return sh, start, end - start


def _expand(grid: _Grid, hx, hy, hr, sh, start, length):
    total = int(length.sum())
    if total == 0:
        return _EMPTY
    h = np.repeat(sh, length)
    pos = np.repeat(start - np.cumsum(length) + length, length) + np.arange(total)
    dx = grid.xs[pos] - hx[h]
    dy = grid.ys[pos] - hy[h]
    d2 = dx * dx + dy * dy
    r = hr[h]
    near = np.flatnonzero(d2 <= r * r * (1 + 4e-15) + 1e-300)  # cheap prefilter, then the exact test
    d = np.sqrt(d2[near])
    keep = d <= r[near]
    near = near[keep]
    return h[near], grid.order[pos[near]], d[keep]


def _chunks(length: np.ndarray, sh: np.ndarray) -> list[slice]:
    """Split the strips (grouped by hazard) into chunks of about _CHUNK_CANDIDATES candidates."""
    if sh.size == 0:
        return []
    cum = np.cumsum(length)
    cuts = np.searchsorted(cum, np.arange(_CHUNK_CANDIDATES, cum[-1], _CHUNK_CANDIDATES))
    bounds = np.unique(np.concatenate([[0], cuts, [sh.size]]))
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]


def _valid_inputs(hazard_xy_m, radius_m, element_xy_m):
    hxy, exy = _as_xy(hazard_xy_m), _as_xy(element_xy_m)
    r = np.broadcast_to(np.asarray(radius_m, dtype="float64"), (hxy.shape[0],))
    hok = np.flatnonzero(np.isfinite(hxy).all(axis=1) & np.isfinite(r) & (r >= 0))
    eok = np.isfinite(exy).all(axis=1)
    if eok.all():  # the common case: no copy, no index mapping of the (large) element side
        return hxy[hok], r[hok], hok, exy, None
    eok = np.flatnonzero(eok)
    return hxy[hok], r[hok], hok, exy[eok], eok


def pairs_within(
    hazard_xy_m, radius_m, element_xy_m, *, cell_m: float | None = None, workers: int = 2
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (hazard, element) pair with ``distance ≤ radius`` of that hazard, exactly.

    Parameters
    ----------
    hazard_xy_m : (n, 2) array of metric coordinates (EPSG:4545)
    radius_m : scalar or (n,) array; one radius per hazard (NaN or negative: no pairs)
    element_xy_m : (m, 2) array of metric coordinates; rows with NaN never pair
    cell_m : grid cell size; default half the median radius
    workers : threads (numpy releases the GIL)

    Returns
    -------
    hazard_idx, element_idx, distance_m : positional indices into the inputs and the distances,
    in no particular order.

    Examples
    --------
    >>> h, e, d = pairs_within([[0, 0]], [5.0], [[3, 4], [3, 4.01], [0, 0]])
    >>> sorted(zip(h.tolist(), e.tolist(), d.tolist()))
    [(0, 0, 5.0), (0, 2, 0.0)]
    >>> [a.size for a in pairs_within(np.empty((0, 2)), [], [[0, 0]])]
    [0, 0, 0]
    """
    hxy, r, hmap, exy, emap = _valid_inputs(hazard_xy_m, radius_m, element_xy_m)
    if hxy.shape[0] == 0 or exy.shape[0] == 0:
        return _EMPTY
    grid = _Grid(exy, float(cell_m) if cell_m else _pick_cell(r, exy))
    near_first = _spatial_order(grid, hxy)  # neighbouring hazards read neighbouring elements
    hxy, r, hmap = hxy[near_first], r[near_first], hmap[near_first]
    hx, hy = np.ascontiguousarray(hxy[:, 0]), np.ascontiguousarray(hxy[:, 1])
    sh, start, length = _strips(grid, hx, hy, r)
    parts = _chunks(length, sh)
    run = lambda s: _expand(grid, hx, hy, r, sh[s], start[s], length[s])  # noqa: E731
    if workers > 1 and len(parts) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            found = list(pool.map(run, parts))
    else:
        found = [run(s) for s in parts]
    if not found:
        return _EMPTY
    h, e, d = (np.concatenate(x) for x in zip(*found, strict=True))
    return hmap[h], (e if emap is None else emap[e]), d
