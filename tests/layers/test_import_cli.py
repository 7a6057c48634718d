"""``riskmap import``: exit codes (SPEC §6), --dry-run, --json, rejects file; the layer untouched on failure;
two imports at once in two processes."""

from __future__ import annotations

import json
import multiprocessing as mp
import zipfile

import orjson
import pytest

from layers.store.workspace import layer_history, layer_path, load_workspace
from riskmap.cli.main import main
from tests.layers.import_fixtures import import_worker, shelter_rows, write_csv, write_workspace

SPEC_KEYS = ["layer", "accepted", "rejected", "added", "updated", "removed", "version", "rejects_file"]


@pytest.fixture
def root(tmp_path):
    root = write_workspace(tmp_path / "ws")
    main(["import", "shelter", str(write_csv(tmp_path / "seed.csv", shelter_rows(2))), "-w", str(root)])
    return root


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_all_accepted_exit_0(root, tmp_path, capsys):
    path = write_csv(tmp_path / "a.csv", shelter_rows(3, start=10), "gb18030")
    code, out, _ = _run(capsys, "import", "shelter", str(path), "-w", str(root))
    assert code == 0 and "新增 3" in out
    assert not (tmp_path / "a_拒绝.csv").exists()


def test_some_rejected_exit_3_json(root, tmp_path, capsys):
    rows = shelter_rows(3, start=10)
    rows[1]["场所名称"] = None
    path = write_csv(tmp_path / "b.csv", rows, "gb18030")
    rejects = tmp_path / "out" / "rej.csv"
    code, out, err = _run(
        capsys, "import", "shelter", str(path), "-w", str(root), "--json", "--rejects", str(rejects)
    )
    doc = json.loads(out)  # stdout is exactly one JSON document
    assert code == 3
    assert list(doc)[: len(SPEC_KEYS)] == SPEC_KEYS
    assert (doc["accepted"], doc["rejected"], doc["added"], doc["version"]) == (2, 1, 2, 2)
    assert doc["rejects_file"] == str(rejects) and rejects.exists()
    assert "b.csv: 第 3 行（编号 BN-0011）: 名称(name)" in err


def test_nothing_accepted_exit_2_layer_untouched(root, tmp_path, capsys):
    before = layer_path(root, "shelter").read_bytes()
    rows = [{**r, "经度": 120.0} for r in shelter_rows(2, start=10)]
    path = write_csv(tmp_path / "c.csv", rows)
    code, out, err = _run(capsys, "import", "shelter", str(path), "-w", str(root), "--json")
    assert code == 2 and "全部 2 行均被拒绝" in err
    doc = json.loads(out)
    assert (doc["accepted"], doc["rejected"], doc["version"]) == (0, 2, None)
    assert "县域范围之外" in (tmp_path / "c_拒绝.csv").read_text(encoding="utf-8-sig")
    assert layer_path(root, "shelter").read_bytes() == before
    assert len(layer_history(root, "shelter")) == 1


@pytest.mark.parametrize("kind", ["oversized", "zip_slip", "empty", "bad_crs", "garbage_xlsx"])
def test_bad_files_exit_2_layer_untouched(root, tmp_path, capsys, kind):
    before = layer_path(root, "shelter").read_bytes()
    extra = []
    if kind == "oversized":
        path = write_csv(tmp_path / "big.csv", shelter_rows(200, start=10))
        extra = ["--max-mb", "0.001"]
    elif kind == "zip_slip":
        path = tmp_path / "evil.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("../x.shp", b"x")
    elif kind == "empty":
        path = tmp_path / "empty.csv"
        path.write_bytes(b"")
    elif kind == "bad_crs":
        path = write_csv(tmp_path / "ok.csv", shelter_rows(1, start=10))
        extra = ["--crs", "EPSG:999999"]
    else:
        path = tmp_path / "broken.xlsx"
        path.write_bytes(b"not a workbook")
    code, _, err = _run(capsys, "import", "shelter", str(path), "-w", str(root), *extra)
    assert code == 2
    assert err.count("\n") == 1  # one clear line
    assert ("EPSG:999999" if kind == "bad_crs" else path.name) in err
    assert "Traceback" not in err
    assert layer_path(root, "shelter").read_bytes() == before


def test_dry_run_writes_nothing(root, tmp_path, capsys):
    before = layer_path(root, "shelter").read_bytes()
    rows = shelter_rows(3)
    rows[0]["可容纳人数"] = 777
    rows[2]["场所名称"] = None
    path = write_csv(tmp_path / "d.csv", rows)
    code, out, _ = _run(capsys, "import", "shelter", str(path), "-w", str(root), "--dry-run")
    assert code == 3
    assert "更新 BN-0001：" in out and "可容纳人数: 100 → 777" in out
    assert layer_path(root, "shelter").read_bytes() == before
    assert len(layer_history(root, "shelter")) == 1
    assert not list(tmp_path.glob("d_拒绝*"))


def test_replace_mode_via_cli(root, tmp_path, capsys):
    path = write_csv(tmp_path / "r.csv", shelter_rows(1))
    code, out, _ = _run(
        capsys, "import", "shelter", str(path), "-w", str(root), "--mode", "replace", "--json"
    )
    assert code == 0 and json.loads(out)["removed"] == 1


def _race(root, paths, mode):
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(len(paths)), ctx.Queue()
    procs = [
        ctx.Process(target=import_worker, args=(str(root), "shelter", str(p), mode, barrier, results))
        for p in paths
    ]
    for p in procs:
        p.start()
    out = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return out


def test_two_upserts_at_once_both_applied(root, tmp_path):
    a = write_csv(tmp_path / "a.csv", shelter_rows(20, start=100))
    b = write_csv(tmp_path / "b.csv", shelter_rows(20, start=200, lat0=30.32))
    results = _race(root, [a, b], "upsert")
    assert sorted(r[0] for r in results) == ["ok", "ok"]
    ws = load_workspace(root)
    assert not ws.errors
    ids = set(ws.layers["shelter"]["id"])
    assert ids == {"BN-0001", "BN-0002"} | {f"BN-{i:04d}" for i in range(100, 120)} | {
        f"BN-{i:04d}" for i in range(200, 220)
    }
    assert sorted(v.version for v in layer_history(root, "shelter"))[-2:] == [2, 3]


def test_two_appends_of_the_same_ids_one_refused(root, tmp_path):
    a = write_csv(tmp_path / "a.csv", shelter_rows(5, start=100))
    b = write_csv(tmp_path / "b.csv", shelter_rows(5, start=100))
    results = sorted(_race(root, [a, b], "append"))
    assert [r[0] for r in results] == ["ok", "refused"]
    assert "预览之后已被修改" in results[1][2] and "BN-0100" in results[1][2]
    doc = orjson.loads(layer_path(root, "shelter").read_bytes())
    ids = [f["properties"]["id"] for f in doc["features"]]
    assert len(ids) == len(set(ids)) == 7


def test_replace_dry_run_lists_a_stored_site_without_id(root, tmp_path, capsys):
    path = layer_path(root, "shelter")
    doc = orjson.loads(path.read_bytes())
    del doc["features"][0]["properties"]["id"]  # a hand-edited layer: one site lost its id
    path.write_bytes(orjson.dumps(doc))
    before = path.read_bytes()
    new = write_csv(tmp_path / "r.csv", shelter_rows(1, start=50))
    code, out, _ = _run(capsys, "import", "shelter", str(new), "--mode", "replace", "--dry-run", "-w", str(root))
    assert code == 0 and "删除 （无编号）：" in out
    assert path.read_bytes() == before
