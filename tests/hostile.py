"""Helpers for the fault and fuzz suites (issue 12): a tiny workspace with a saved registry, CLI runs,
snapshots of a workspace and the history-consistency check every fault must leave true."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson

from layers.kinds import get_kind

LAYER = "shelter"
HEADER = "编号,场所名称,场所类别,可容纳人数,经度,纬度\r\n"
ROWS = ("BN0001,甲街道广场,紧急,500,107.3105,30.3102\r\n"
        "BN0002,乙镇公园,紧急,300,107.3550,30.3180\r\n")
EXIT_CODES = {0, 1, 2, 3}  # SPEC §6


def write_csv(path: Path, body: str = ROWS, header: str = HEADER) -> Path:
    path.write_text(header + body, encoding="utf-8")
    return path


def _root_conftest():
    """tests/conftest.py by its path: in a full run ``import conftest`` may find another folder's."""
    import importlib.util
    import sys

    name = "riskmap_tests_root_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("conftest.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def saved_workspace(root: Path, tmp: Path) -> Path:
    """The tiny workspace (tests/conftest.py) with two shelters imported: one version in history."""
    from riskmap.cli.main import main

    _root_conftest().write_tiny_workspace(root)
    assert main(["import", LAYER, str(write_csv(tmp / "seed.csv")), "-w", str(root)]) == 0
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the workspace (locks aside) and its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".locks" not in p.parts}


def history_problems(root: Path, layer_id: str = LAYER) -> list[str]:
    """What makes the history disagree with the files: empty when consistent.

    Consistent: every line of ``versions.jsonl`` is well-formed and names a file whose sha256 it
    holds, no version file lacks its line, no temporary file is left, and the layer file holds
    the newest version's bytes (when the layer has a history).
    """
    get_kind(layer_id)
    hist = root / ".history" / layer_id
    layer = root / f"{layer_id}.geojson"
    out = [f"stray temp {p.name}" for p in [*root.glob(".*.tmp"), *hist.glob(".*.tmp")]]
    if not hist.exists():
        return out
    lines = [ln for ln in (hist / "versions.jsonl").read_bytes().split(b"\n") if ln.strip()] if (
        hist / "versions.jsonl").exists() else []
    rows = []
    for ln in lines:
        try:
            rows.append(orjson.loads(ln))
        except orjson.JSONDecodeError:
            out.append(f"bad line {ln[:40]!r}")
    named = set()
    for r in rows:
        f = hist / f"v{r['version']:04d}.geojson"
        named.add(f.name)
        if not f.exists():
            out.append(f"line v{r['version']} without file")
        elif hashlib.sha256(f.read_bytes()).hexdigest() != r["sha256"]:
            out.append(f"v{r['version']} sha mismatch")
    out += [f"orphan {p.name}" for p in hist.glob("v*.geojson") if p.name not in named]
    if rows and layer.exists() and hashlib.sha256(layer.read_bytes()).hexdigest() != rows[-1]["sha256"]:
        out.append("layer differs from the newest version")
    return out


def listed_versions(root: Path, layer_id: str = LAYER) -> list[int]:
    """Versions ``riskmap history --json`` lists."""
    import contextlib
    import io
    import json

    from riskmap.cli.main import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        assert main(["history", layer_id, "-w", str(root), "--json"]) == 0
    return [v["version"] for v in json.loads(buf.getvalue())["versions"]]


def intact_versions(root: Path, layer_id: str = LAYER) -> list[int]:
    """Versions whose file exists with the sha256 its history line holds."""
    hist = root / ".history" / layer_id
    if not (hist / "versions.jsonl").exists():
        return []
    good = []
    for ln in (hist / "versions.jsonl").read_bytes().split(b"\n"):
        try:
            r = orjson.loads(ln)
            f = hist / f"v{r['version']:04d}.geojson"
            if f.exists() and hashlib.sha256(f.read_bytes()).hexdigest() == r["sha256"]:
                good.append(r["version"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            continue
    return good
