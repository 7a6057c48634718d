"""Exposure pairs on Dask: the single-process pair kernel run per spatial partition, with a halo.

The elements are written as GeoParquet partitioned by a square grid cell (:mod:`layers.parquet`);
the hazards are written on the same grid. One task per element cell reads its elements and the
hazards of the cells around it that lie within the largest radius of the cell's edge (the halo),
and runs :func:`riskmodel._pairs.pairs_within` on them. Every element lies in exactly one cell, and
every hazard that can reach it (distance ≤ its radius ≤ the largest radius) lies in that cell's
halo, so each pair is found exactly once, with the very same distance (the same float64
coordinates go into the same formula): the pair set equals the single-process one.

:class:`DaskPairFinder` has the signature of ``pairs_within``, so the whole analysis runs on it
(``analyze_workspace(ws, finder=...)``, ``riskmap analyze --engine dask``). Without a scheduler
address it starts a ``LocalCluster``; with one (``tcp://host:8786``) it uses that cluster, whose
workers must be able to read ``workdir`` (a shared folder).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from layers.parquet import GridSpec, Partition, read_points, write_points
from riskmodel._pairs import pairs_within
from riskmodel.errors import RiskModelError

__all__ = ["DaskPairFinder", "EngineError", "PairStats", "connect", "pair_checksum"]

_TARGET_PER_CELL = 400_000  # elements per partition when no cell size is given
_HALO_PAD_M = 1e-3  # the halo is widened a little: a superset of hazards, the exact test decides
_MIX = np.uint64(0x9E3779B97F4A7C15)


def pair_checksum(hazard_idx, element_idx) -> int:
    """An order-independent fingerprint of a pair set (wrapping uint64 sum of mixed index pairs).

    >>> pair_checksum([0, 1], [5, 6]) == pair_checksum([1, 0], [6, 5])
    True
    """
    h = np.asarray(hazard_idx, dtype=np.uint64)
    e = np.asarray(element_idx, dtype=np.uint64)
    with np.errstate(over="ignore"):
        v = (h * _MIX) ^ (e + np.uint64(0x632BE59BD9B4E019) + (h << np.uint64(6)))
        v ^= v >> np.uint64(29)
        v *= np.uint64(0xBF58476D1CE4E5B9)
        return int(v.sum(dtype=np.uint64))


class EngineError(RiskModelError, RuntimeError):
    """The Dask cluster cannot be reached, or its workers cannot run the pair tasks."""


@dataclass(frozen=True)
class PairStats:
    pairs: int
    checksum: int
    partitions: int


def connect(scheduler: str | None = None, *, n_workers: int = 2, threads_per_worker: int = 1,
            processes: bool = True, memory_limit: str | int = "auto"):
    """A ``distributed.Client``: to ``scheduler`` when given, else to a new ``LocalCluster``."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise EngineError(f"无法连接 Dask 调度器 {scheduler}（{exc}）；请确认 dask scheduler 已启动且地址、端口正确") from None
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=processes,
                           memory_limit=memory_limit, dashboard_address=None)
    return Client(cluster)


def _tile_task(element_file: str, hazard_files: list[str], bbox: tuple[float, float, float, float],
               reach_m: float, collect: bool):
    """Pairs of one element partition with the hazards of its halo (runs on a worker)."""
    exy, ecols = read_points(element_file, ("idx",))
    parts = [read_points(f, ("idx", "radius_m")) for f in hazard_files]
    if not parts or not len(exy):
        return _empty(collect)
    hxy = np.concatenate([p[0] for p in parts])
    hidx = np.concatenate([p[1]["idx"] for p in parts])
    hr = np.concatenate([p[1]["radius_m"] for p in parts])
    xmin, ymin, xmax, ymax = bbox
    pad = reach_m + _HALO_PAD_M
    near = ((hxy[:, 0] >= xmin - pad) & (hxy[:, 0] <= xmax + pad)
            & (hxy[:, 1] >= ymin - pad) & (hxy[:, 1] <= ymax + pad))
    if not near.any():
        return _empty(collect)
    hi, ei, d = pairs_within(hxy[near], hr[near], exy, workers=1)
    h, e = hidx[near][hi], ecols["idx"][ei]
    if collect:
        return h, e, d
    return len(h), pair_checksum(h, e)


def _empty(collect: bool):
    if collect:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
    return 0, 0


class DaskPairFinder:
    """``pairs_within`` on a Dask cluster: same arguments, same pairs (see the module docstring).

    Parameters
    ----------
    client : a ``distributed.Client`` (see :func:`connect`)
    workdir : folder for the partitioned GeoParquet (a fresh temporary folder when ``None``);
        on a real cluster it must be readable by every worker
    cell_m : partition cell size in metres (default: about 400,000 elements per cell, and never
        less than the largest radius)
    crs : the metric CRS written into the GeoParquet metadata
    """

    def __init__(self, client, workdir: str | Path | None = None, *, cell_m: float | None = None,
                 crs: str = "EPSG:4545"):
        self.client = client
        self.workdir = Path(workdir) if workdir is not None else None
        self.cell_m = cell_m
        self.crs = crs
        self.calls = 0
        self.last_partitions = 0

    # ---- preparing the partitions

    def _cell(self, exy: np.ndarray, reach: float) -> float:
        if self.cell_m:
            return float(self.cell_m)
        span = max(float(np.ptp(exy[:, 0])), float(np.ptp(exy[:, 1])), 1.0)
        cells = max(1.0, math.sqrt(len(exy) / _TARGET_PER_CELL))
        return max(span / cells, reach, 1.0)

    def write(self, hazard_xy_m, radius_m, element_xy_m, out_dir: str | Path):
        """Write elements and hazards as GeoParquet partitions; returns (grid, element parts, hazard
        parts, largest radius). Rows that can never pair (NaN, negative radius) are left out."""
        hxy = np.asarray(hazard_xy_m, dtype="float64").reshape(-1, 2)
        exy = np.asarray(element_xy_m, dtype="float64").reshape(-1, 2)
        r = np.broadcast_to(np.asarray(radius_m, dtype="float64"), (hxy.shape[0],))
        hok = np.flatnonzero(np.isfinite(hxy).all(axis=1) & np.isfinite(r) & (r >= 0))
        eok = np.flatnonzero(np.isfinite(exy).all(axis=1))
        reach = float(r[hok].max()) if hok.size else 0.0
        grid = GridSpec.covering(np.concatenate([exy[eok], hxy[hok]]), self._cell(exy[eok], reach), self.crs) \
            if eok.size and hok.size else GridSpec(0.0, 0.0, 1.0, self.crs)
        if not (eok.size and hok.size):
            return grid, [], [], reach
        eparts = write_points(out_dir, exy[eok], {"idx": eok.astype(np.int64)}, grid, prefix="elements")
        hparts = write_points(out_dir, hxy[hok], {"idx": hok.astype(np.int64), "radius_m": r[hok]}, grid,
                              prefix="hazards")
        return grid, eparts, hparts, reach

    @staticmethod
    def plan(out_dir: Path, grid: GridSpec, eparts: list[Partition], hparts: list[Partition], reach: float):
        """One task description per element partition: (element file, halo hazard files, bbox)."""
        by_cell = {(p.row, p.col): str(out_dir / p.path) for p in hparts}
        k = math.ceil((reach + _HALO_PAD_M) / grid.cell_m)
        tasks = []
        for p in eparts:
            files = [by_cell[(p.row + dr, p.col + dc)] for dr in range(-k, k + 1) for dc in range(-k, k + 1)
                     if (p.row + dr, p.col + dc) in by_cell]
            tasks.append((str(out_dir / p.path), files, grid.bounds(p.row, p.col)))
        return tasks

    def run_written(self, out: Path, grid: GridSpec, eparts: list[Partition], hparts: list[Partition],
                    reach: float, *, collect: bool):
        """Run the tasks on partitions already written by :meth:`write`: one result per element cell."""
        tasks = self.plan(Path(out), grid, eparts, hparts, reach)
        self.last_partitions = len(tasks)
        futures = [self.client.submit(_tile_task, ef, hf, bbox, reach, collect, pure=False)
                   for ef, hf, bbox in tasks]
        try:
            return self.client.gather(futures)
        except OSError as exc:  # typically a worker that cannot see the partition folder
            raise EngineError(f"Dask worker 无法读取分区文件（{exc}）；集群上请用 --parquet-dir 指定各 worker 都能读取的共享文件夹"
                              ) from None

    def _run(self, hazard_xy_m, radius_m, element_xy_m, collect: bool):
        self.calls += 1
        tmp = None
        if self.workdir is None:
            tmp = Path(tempfile.mkdtemp(prefix="riskmap-dask-"))
            out = tmp
        else:
            out = self.workdir / f"call{self.calls:03d}"
            shutil.rmtree(out, ignore_errors=True)
        try:
            return self.run_written(out, *self.write(hazard_xy_m, radius_m, element_xy_m, out), collect=collect)
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)

    def __call__(self, hazard_xy_m, radius_m, element_xy_m, **_ignored):
        found = self._run(hazard_xy_m, radius_m, element_xy_m, collect=True)
        if not found:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
        h, e, d = (np.concatenate(x) for x in zip(*found, strict=True))
        return h, e, d

    def count(self, hazard_xy_m, radius_m, element_xy_m) -> PairStats:
        """Pair count and checksum without bringing the pairs back (for scenes too big to collect)."""
        found = self._run(hazard_xy_m, radius_m, element_xy_m, collect=False)
        total = sum(n for n, _ in found)
        check = int(np.array([c for _, c in found], dtype=np.uint64).sum(dtype=np.uint64)) if found else 0
        return PairStats(total, check, len(found))
