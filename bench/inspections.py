"""Bench: import 100,000 inspection rows (a county's year) with validation, vs a pandas read of the same CSV.

``python bench/inspections.py [--quick]``; the last line is one JSON object with ``seconds``,
``baseline_seconds`` (``pandas.read_csv`` of the same file) and ``ratio`` (baseline ÷ ours). Target:
the full import (read, check every row, upsert into an empty store) under 10 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from layers.records.importer import import_inspections
from layers.records.submissions import FORM_SCHEMA
from layers.store.workspace import DEFAULT_WORKSPACE, load_workspace


def _write_rows(path: Path, ws, n: int) -> None:
    rng = np.random.default_rng(7)
    sites = [(lid, sid) for lid, f in ws.layers.items() for sid in f["id"].astype(str)]
    pick = rng.integers(0, len(sites), n)
    results = np.array(["正常", "发现隐患", "隐患已整改", "无法到达"])[rng.integers(0, 4, n)]
    start = pd.Timestamp("2025-06-01 08:00")
    minutes = rng.integers(0, 365 * 24 * 60, n)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["form_version", "inspector", "inspection-site", "inspection-checked_at", "inspection-result",
                    "inspection-findings", "inspection-crack_width_mm", "meta-instanceID"])
        for i in range(n):
            lid, sid = sites[pick[i]]
            when = (start + pd.Timedelta(minutes=int(minutes[i]))).strftime("%Y-%m-%dT%H:%M:00.000+08:00")
            crack = f"{rng.random() * 10:.1f}" if lid == "geohazard" else ""
            w.writerow([f"{FORM_SCHEMA}.202506010800", f"巡查员{i % 300}", f"{lid}.{sid}", when, results[i],
                        "", crack, f"uuid:{i:08d}"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="10,000 rows")
    args = ap.parse_args()
    n = 10_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        shutil.copytree(DEFAULT_WORKSPACE, root, ignore=shutil.ignore_patterns(".history", ".locks", "records"))
        ws = load_workspace(root)
        path = Path(tmp) / "submissions.csv"
        _write_rows(path, ws, n)
        t0 = time.perf_counter()
        pd.read_csv(path, dtype=str, keep_default_na=False)
        baseline = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = import_inspections(ws, path, now=pd.Timestamp("2026-06-01", tz="Asia/Shanghai").to_pydatetime())
        ours = time.perf_counter() - t0
        assert report.inspections is not None
        print(f"rows {n:,}: imported {report.inspections.added:,}, rejected {len(report.rejects):,} in {ours:.2f} s "
              f"(pandas read {baseline:.2f} s)", file=sys.stderr)
    print(json.dumps({"bench": "inspections", "rows": n, "seconds": round(ours, 3),
                      "baseline_seconds": round(baseline, 3), "ratio": round(baseline / ours, 4),
                      "target_seconds": 10.0}))


if __name__ == "__main__":
    main()
