"""Bench: a city-size exposure scene on Dask, in one process, in DuckDB spatial and in SedonaDB.

The scene (generated, uniform, EPSG:4545 metres): ``--points`` exposed points (default 20,000,000)
and ``--hazards`` hazards (default 500,000) with radii uniform in 50–500 m over a square of
``--area-km2`` (default 82,400 km², about Chongqing's area), written as GeoParquet partitioned by grid
cell (:mod:`layers.parquet`). The same files are then read by every engine:

* **dask** — :class:`riskmodel.distributed.DaskPairFinder` on ``LocalCluster(n_workers=2)`` (one
  thread each, ``--worker-memory`` each): wall time, peak RSS per worker, pairs per second;
* **single** — the single-process kernel ``pairs_within`` (2 threads) on all points at once, in a
  child process limited to ``--single-memory-gb`` of address space (so that running out of memory
  is reported, not fatal);
* **duckdb** — DuckDB spatial (the extension from the PyPI package ``duckdb-extension-spatial``,
  loaded from its file: nothing is downloaded): ``ST_DWithin(h, e, max r)`` (DuckDB plans its
  SPATIAL_JOIN only for a constant distance) then ``ST_Distance ≤ r``;
* **sedonadb** — ``ST_DWithin(h.geom, e.geom, h.r)`` (SedonaDB's SpatialJoin).

Each child engine reads the files once and runs its pair phase (count only) three times; ``seconds``
is the read plus the best pair phase. ``--repeat 1`` for the full 20M size.

DuckDB and SedonaDB run on the county scene and, when the city scene has at most
``--sql-max-points`` points, on the city scene too. Pair counts (and for dask/single an
order-independent checksum of the pair set) must agree wherever an engine ran. The county scene is
the same density over 1,518 km² (Dianjiang): there the single process is compared with DuckDB and
SedonaDB. Each engine runs in a child process, one after the other.

Last line: one JSON object: ``seconds`` (single process, county scene), ``baseline_seconds`` (DuckDB,
county scene) and ``ratio`` (baseline ÷ ours), then per scene and engine the details.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import queue as queue_mod
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from layers.parquet import read_partitions, read_points
from riskmodel._pairs import pairs_within
from riskmodel.distributed import DaskPairFinder, connect, pair_checksum

X0, Y0 = 300_000.0, 3_000_000.0
REPEAT = 3  # the pair (join) phase of each child engine: best of REPEAT, after one read of the files
COUNTY_KM2 = 1518.0


def make_scene(n_points: int, n_hazards: int, area_km2: float, seed: int):
    side = float(np.sqrt(area_km2) * 1000.0)
    rng = np.random.default_rng(seed)
    exy = rng.uniform([X0, Y0], [X0 + side, Y0 + side], (n_points, 2))
    hxy = rng.uniform([X0, Y0], [X0 + side, Y0 + side], (n_hazards, 2))
    r = rng.uniform(50.0, 500.0, n_hazards)
    return hxy, r, exy


def _peak_rss_mb() -> float:
    """Peak resident memory of this process since its exec (VmHWM; ru_maxrss would include the parent's at fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _read_all(out: Path, prefix: str, cols: tuple[str, ...]):
    _, parts = read_partitions(out, prefix)
    got = [read_points(out / p.path, cols) for p in parts]
    xy = np.concatenate([g[0] for g in got]) if got else np.empty((0, 2))
    return xy, {c: np.concatenate([g[1][c] for g in got]) for c in cols}


def _single(out: str) -> dict:
    t0 = time.perf_counter()
    exy, ecol = _read_all(Path(out), "elements", ("idx",))
    hxy, hcol = _read_all(Path(out), "hazards", ("idx", "radius_m"))
    t1 = time.perf_counter()
    best = []
    for i in range(REPEAT):
        t = time.perf_counter()
        h, e, _d = pairs_within(hxy, hcol["radius_m"], exy, workers=2)
        best.append(time.perf_counter() - t)
        if i + 1 < REPEAT:
            del h, e, _d
    n = len(h)
    return {"pairs": n, "checksum": pair_checksum(hcol["idx"][h], ecol["idx"][e]), "seconds": t1 - t0 + min(best),
            "read_seconds": t1 - t0, "pair_seconds": min(best), "first_pair_seconds": best[0],
            "peak_rss_mb": round(_peak_rss_mb())}


def _duckdb(out: str) -> dict:
    import duckdb
    import duckdb_extension_spatial

    ext = next(Path(duckdb_extension_spatial.__file__).parent.rglob("spatial.duckdb_extension"))
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(f"LOAD '{ext}'")
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE e AS SELECT idx, ST_Point(geometry.x, geometry.y) AS geom "
                f"FROM read_parquet('{out}/elements-*.parquet')")
    con.execute(f"CREATE TABLE h AS SELECT idx, radius_m AS r, ST_Point(geometry.x, geometry.y) AS geom "
                f"FROM read_parquet('{out}/hazards-*.parquet')")
    rmax = con.execute("SELECT max(r) FROM h").fetchone()[0]
    t1 = time.perf_counter()
    best = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        n = con.execute(f"SELECT count(*) FROM h JOIN e ON ST_DWithin(h.geom, e.geom, {rmax!r}) "
                        "AND ST_Distance(h.geom, e.geom) <= h.r").fetchone()[0]
        best.append(time.perf_counter() - t)
    return {"pairs": int(n), "seconds": t1 - t0 + min(best), "read_seconds": t1 - t0, "pair_seconds": min(best),
            "first_pair_seconds": best[0],
            "peak_rss_mb": round(_peak_rss_mb()), "version": duckdb.__version__,
            "extension": f"duckdb-extension-spatial (PyPI) {ext.parent.name}"}


def _sedonadb(out: str) -> dict:
    import pyarrow as pa
    import sedonadb

    con = sedonadb.connect()
    t0 = time.perf_counter()
    exy, ecol = _read_all(Path(out), "elements", ("idx",))  # SedonaDB reads no GeoArrow point encoding yet
    hxy, hcol = _read_all(Path(out), "hazards", ("idx", "radius_m"))
    con.create_data_frame(pa.table({"idx": ecol["idx"], "x": exy[:, 0], "y": exy[:, 1]})).to_view("e0")
    con.create_data_frame(pa.table({"idx": hcol["idx"], "r": hcol["radius_m"], "x": hxy[:, 0],
                                    "y": hxy[:, 1]})).to_view("h0")
    con.sql("SELECT idx, ST_Point(x, y) AS geom FROM e0").to_view("e")
    con.sql("SELECT idx, r, ST_Point(x, y) AS geom FROM h0").to_view("h")
    del exy, hxy
    t1 = time.perf_counter()
    best = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        n = con.sql("SELECT count(*) AS n FROM h JOIN e ON ST_DWithin(h.geom, e.geom, h.r)").to_pandas()["n"].iloc[0]
        best.append(time.perf_counter() - t)
    return {"pairs": int(n), "seconds": t1 - t0 + min(best), "read_seconds": t1 - t0, "pair_seconds": min(best),
            "first_pair_seconds": best[0],
            "peak_rss_mb": round(_peak_rss_mb()), "version": getattr(sedonadb, "__version__", "?")}


def _child(target, out: str, mem_gb: float, repeat: int, queue) -> None:
    global REPEAT
    REPEAT = repeat
    if mem_gb:
        limit = int(mem_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        queue.put(target(out))
    except MemoryError:
        queue.put({"error": f"MemoryError under a {mem_gb:g} GB address-space limit"})
    except Exception as exc:  # an engine that fails is reported, the others still run
        queue.put({"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"})


def run_child(target, out: Path, mem_gb: float, timeout_s: float) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(target, str(out), mem_gb, REPEAT, queue))
    t0 = time.perf_counter()
    proc.start()
    proc.join(timeout_s)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return {"error": f"not finished within {timeout_s:g} s (stopped)"}
    try:
        res = queue.get(timeout=5)
    except queue_mod.Empty:  # the child died before it could report
        res = {"error": f"child exited with code {proc.exitcode} (killed, e.g. out of memory)"}
    res["wall_seconds"] = time.perf_counter() - t0
    return res


def run_dask(client, finder: DaskPairFinder, out: Path, written) -> dict:
    t0 = time.perf_counter()
    found = finder.run_written(out, *written, collect=False)
    t1 = time.perf_counter()
    pairs = sum(n for n, _ in found)
    check = int(np.array([c for _, c in found], dtype=np.uint64).sum(dtype=np.uint64)) if found else 0
    peaks = client.run(_peak_rss_mb)
    return {"pairs": pairs, "checksum": check, "seconds": t1 - t0, "partitions": finder.last_partitions,
            "pairs_per_second": pairs / (t1 - t0) if t1 > t0 else None,
            "peak_rss_mb_per_worker": {f"worker{i}": round(v) for i, v in enumerate(peaks.values())}}


def run_scene(name: str, args, client, n_points: int, n_hazards: int, area_km2: float, sql: bool,
              work: Path) -> dict:
    t0 = time.perf_counter()
    hxy, r, exy = make_scene(n_points, n_hazards, area_km2, args.seed)
    out = work / name
    finder = DaskPairFinder(client, out)
    written = finder.write(hxy, r, exy, out)
    del hxy, r, exy
    gen = time.perf_counter() - t0
    size_mb = sum(p.stat().st_size for p in out.glob("*.parquet")) / 2**20
    print(f"[{name}] {n_points:,} points × {n_hazards:,} hazards over {area_km2:,.0f} km²: "
          f"GeoParquet {len(written[1])} element partitions, {size_mb:,.0f} MB, {gen:.1f} s", file=sys.stderr)
    res: dict = {"points": n_points, "hazards": n_hazards, "area_km2": area_km2, "element_partitions": len(written[1]),
                 "parquet_mb": round(size_mb), "generate_and_write_seconds": round(gen, 2), "engines": {}}
    eng = res["engines"]
    eng["dask"] = run_dask(client, finder, out, written)
    print(f"[{name}] dask: {eng['dask']}", file=sys.stderr)
    eng["single"] = run_child(_single, out, args.single_memory_gb, args.timeout)
    print(f"[{name}] single: {eng['single']}", file=sys.stderr)
    for label, fn in (("duckdb", _duckdb), ("sedonadb", _sedonadb)):
        if sql:
            eng[label] = run_child(fn, out, args.single_memory_gb, args.timeout)
        else:
            eng[label] = {"skipped": f"scene above --sql-max-points {args.sql_max_points:,}"}
        print(f"[{name}] {label}: {eng[label]}", file=sys.stderr)
    counts = {k: v["pairs"] for k, v in eng.items() if "pairs" in v}
    res["pair_counts_equal"] = len(set(counts.values())) == 1
    res["checksums_equal"] = len({v["checksum"] for v in eng.values() if "checksum" in v}) <= 1
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    return res


def _round(doc):
    if isinstance(doc, dict):
        return {k: _round(v) for k, v in doc.items()}
    return round(doc, 3) if isinstance(doc, float) else doc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=20_000_000)
    ap.add_argument("--hazards", type=int, default=500_000)
    ap.add_argument("--area-km2", type=float, default=82_400.0)
    ap.add_argument("--quick", action="store_true", help="200,000 points × 5,000 hazards (same density)")
    ap.add_argument("--worker-memory", default="6GiB", help="memory limit of each of the 2 Dask workers")
    ap.add_argument("--single-memory-gb", type=float, default=14.0,
                    help="address-space limit of the single-process, DuckDB and SedonaDB children (0: none)")
    ap.add_argument("--sql-max-points", type=int, default=2_000_000)
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per child engine")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the GeoParquet files")
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--repeat", type=int, default=3, help="pair phase runs per child engine (best is kept)")
    args = ap.parse_args(argv)
    global REPEAT
    REPEAT = max(1, args.repeat)
    if args.quick:
        args.area_km2 *= 200_000 / args.points
        args.points, args.hazards = 200_000, 5_000
    work = args.workdir or Path(tempfile.mkdtemp(prefix="riskmap-scale-"))
    density = args.points / args.area_km2
    county_points = round(density * COUNTY_KM2)
    county_hazards = round(args.hazards / args.area_km2 * COUNTY_KM2)
    client = connect(n_workers=2, threads_per_worker=1, memory_limit=args.worker_memory)
    try:
        county = run_scene("county", args, client, county_points, county_hazards, COUNTY_KM2, True, work)
        city = run_scene("city", args, client, args.points, args.hazards, args.area_km2,
                         args.points <= args.sql_max_points, work)
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()
        if args.workdir is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    ce = county["engines"]
    ours, base = ce["single"].get("seconds"), ce["duckdb"].get("seconds")
    doc = {"bench": "scale", "seconds": ours, "baseline_seconds": base,
           "ratio": (base / ours) if ours and base else None,
           "ratio_sedonadb": (ce["sedonadb"]["seconds"] / ours) if ours and ce["sedonadb"].get("seconds") else None,
           "county": county, "city": city,
           "city_dask_vs_single": (city["engines"]["single"]["seconds"] / city["engines"]["dask"]["seconds"])
           if city["engines"]["single"].get("seconds") else None,
           "worker_memory_limit": args.worker_memory, "single_memory_limit_gb": args.single_memory_gb}
    print(json.dumps(_round(doc), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
