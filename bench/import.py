"""Bench: import 100,000 九小场所 rows from CSV and from XLSX (read, map headers, validate, diff, save).

Baseline, in the same process: a plain ``pandas`` read of the same file plus a ``geopandas``
GeoDataFrame built from its 经度/纬度 columns (no validation, no saving). Target (issue 7):
100k CSV rows read, validated and saved in under 10 s.

Usage: ``python bench/import.py [--quick] [--rows N]``; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layers.imports.importer import apply_import, plan_import  # noqa: E402
from layers.store.io import write_geojson  # noqa: E402
from layers.store.workspace import load_workspace  # noqa: E402

CATEGORIES = ("小学校或幼儿园", "小医院", "小商店", "小餐饮", "小旅馆", "小歌舞娱乐", "小网吧", "小美容洗浴", "小生产加工")


def _workspace(tmp: Path) -> Path:
    """Two square townships inside Dianjiang's bbox (the import path does not depend on their number)."""
    root = tmp / "ws"
    root.mkdir()
    (root / "workspace.toml").write_text('[county]\nname = "基准县"\nmetric_crs = "EPSG:4545"\n', encoding="utf-8")
    west, east = shapely.box(107.30, 30.30, 107.34, 30.34), shapely.box(107.34, 30.30, 107.38, 30.34)
    write_geojson(root / "county.geojson", gpd.GeoDataFrame(geometry=[shapely.union(west, east)], crs="EPSG:4326"))
    write_geojson(root / "townships.geojson", gpd.GeoDataFrame(
        {"code": ["1", "2"], "name": ["甲街道", "乙镇"], "kind": ["街道", "镇"], "population": [1, 1]},
        geometry=[west, east], crs="EPSG:4326"))
    write_geojson(root / "villages.geojson", gpd.GeoDataFrame(
        {"code": ["1"], "name": ["一村"], "township": ["甲街道"], "population": [1]},
        geometry=[shapely.Point(107.32, 30.32)], crs="EPSG:4326"))
    return root


def _rows(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    lon = np.round(rng.uniform(107.301, 107.379, n), 6)
    return pd.DataFrame({
        "编号": [f"JX{i:06d}" for i in range(n)], "场所名称": [f"场所{i}" for i in range(n)],
        "场所类别": rng.choice(CATEGORIES, n), "建筑面积(m²)": np.round(rng.uniform(20, 800, n), 1),
        "常驻人数": rng.integers(1, 60, n), "未整改隐患数": rng.integers(0, 4, n),
        "最近检查日期": "2026-03-15", "经度": lon, "纬度": np.round(rng.uniform(30.301, 30.339, n), 6),
        "所在乡镇(街道)": np.where(lon < 107.34, "甲街道", "乙镇"), "联系电话": "13800000000",
    })


def _baseline(path: Path) -> float:
    t0 = time.perf_counter()
    df = pd.read_csv(path, encoding="gb18030") if path.suffix == ".csv" else pd.read_excel(path, engine="openpyxl")
    gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["经度"], df["纬度"]), crs="EPSG:4326")
    return time.perf_counter() - t0


def _ours(root: Path, path: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    ws = load_workspace(root, layers=())
    plan = plan_import(ws, "nine_small", path, mode="replace")
    version = apply_import(plan)
    return time.perf_counter() - t0, version.count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="20,000 rows (under 60 s)")
    ap.add_argument("--rows", type=int, default=None)
    args = ap.parse_args()
    n = args.rows or (20_000 if args.quick else 100_000)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        tmp = Path(tmp)
        root, frame = _workspace(tmp), _rows(n)
        csv_path, xlsx_path = tmp / "九小场所.csv", tmp / "九小场所.xlsx"
        frame.to_csv(csv_path, index=False, encoding="gb18030")
        frame.to_excel(xlsx_path, index=False, engine="openpyxl")
        result = {}
        for label, path in (("csv", csv_path), ("xlsx", xlsx_path)):
            base = _baseline(path)
            ours, saved = _ours(root, path)
            assert saved == n, f"{label}: saved {saved} of {n} rows"
            result[label] = {"seconds": round(ours, 3), "baseline_seconds": round(base, 3), "ratio": round(base / ours, 4)}
            print(f"{label}: {n} 行，导入（读取+校验+保存）{ours:.2f} s，基线（pandas 读取+geopandas）{base:.2f} s，"
                  f"比值 {base / ours:.3f}", file=sys.stderr)
    csv = result["csv"]
    print(json.dumps({"bench": "import", "n": n, "seconds": csv["seconds"], "baseline_seconds": csv["baseline_seconds"],
                      "ratio": csv["ratio"], "target_seconds": 10.0, "csv_under_target": csv["seconds"] < 10.0,
                      "xlsx": result["xlsx"]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
