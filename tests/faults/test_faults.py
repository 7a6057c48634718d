"""Fault injection (issue 12): SIGKILL at every rename of a save, a full disk, a read-only workspace and
corrupt history files. After each fault ``riskmap validate`` exits 0 (naming what it repaired or
found), and ``riskmap history`` lists exactly the versions whose files exist with matching hashes."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from hostile import (
    HEADER,
    LAYER,
    history_problems,
    intact_versions,
    listed_versions,
    saved_workspace,
    snapshot,
    write_csv,
)

from riskmap.cli.main import main

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("seed")
    return saved_workspace(tmp / "ws", tmp)


@pytest.fixture
def ws(seeded, tmp_path) -> Path:
    """A fresh copy of the seeded workspace (one saved version of the shelters)."""
    return Path(shutil.copytree(seeded, tmp_path / "ws", symlinks=True))


def cli(capsys, *args) -> tuple[int, str, str]:
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_line_error(err: str) -> None:
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert "Traceback" not in err and len(lines) == 1, err


def assert_recovered(root: Path, capsys) -> str:
    """validate exits 0; afterwards the history agrees with the files and history lists exactly them."""
    rc, out, err = cli(capsys, "validate", "-w", root)
    assert rc == 0 and "Traceback" not in err, err
    assert history_problems(root) == []
    assert listed_versions(root) == intact_versions(root)
    return out


# ---------------------------------------------------------------- SIGKILL at each rename

def _save_killed_at(root: Path, point: int, when: str) -> int:
    """Fork; the child saves a changed layer and SIGKILLs itself at rename ``point`` (before or
    after it) or half-way through writing the history line (``torn``). Returns the child's status."""
    data = (root / "shelter.geojson").read_bytes().replace("乙镇公园".encode(), "乙镇新公园".encode())
    pid = os.fork()
    if pid == 0:  # the child: never returns to pytest
        try:
            real_replace, real_write, seen = os.replace, os.write, [0]

            def replace(src, dst):
                seen[0] += 1
                if seen[0] == point and when == "before":
                    os.kill(os.getpid(), signal.SIGKILL)
                real_replace(src, dst)
                if seen[0] == point and when == "after":
                    os.kill(os.getpid(), signal.SIGKILL)

            def write(fd, buf):
                if when == "torn":
                    real_write(fd, bytes(buf)[: len(buf) // 2])
                    os.kill(os.getpid(), signal.SIGKILL)
                return real_write(fd, buf)

            os.replace, os.write = replace, write
            from layers.store.workspace import save_layer_bytes

            save_layer_bytes(root, LAYER, data, source="test")
        finally:
            os._exit(0)
    return os.waitpid(pid, 0)[1]


@pytest.mark.parametrize(("point", "when"), [(1, "before"), (1, "after"), (2, "before"), (2, "after"), (0, "torn")])
def test_sigkill_at_each_rename_of_a_save_leaves_a_history_that_does_not_lie(ws, capsys, point, when):
    """Renames of a save: 1 = the version file, 2 = the layer file; then the history line (torn)."""
    before = (ws / "shelter.geojson").read_bytes()
    status = _save_killed_at(ws, point, when)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    after = (ws / "shelter.geojson").read_bytes()
    assert after == before or "乙镇新公园".encode() in after  # the old file or the new, never torn
    out = assert_recovered(ws, capsys)
    if (point, when) != (1, "before"):  # something was left behind and validate names it
        assert ".history" in out or "临时文件" in out or "版本" in out
    versions = intact_versions(ws)
    if after != before:  # the save reached the layer: its version is in history, marked recovered
        assert versions == [1, 2]
    else:
        assert versions == [1]


# ---------------------------------------------------------------- a full disk, a read-only disk


@contextlib.contextmanager
def small_disk(path: Path, size_kb: int):
    """A tmpfs of ``size_kb`` mounted at ``path`` for the test (needs root)."""
    path.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(disk: Path, leave_bytes: int) -> None:
    """Fill ``disk`` until about ``leave_bytes`` remain free."""
    free = shutil.disk_usage(disk).free
    filler = disk / "filler.bin"
    with open(filler, "ab") as fh:
        fh.write(b"\0" * max(0, free - leave_bytes))
    with contextlib.suppress(OSError):
        os.truncate(filler, max(0, filler.stat().st_size))


needs_root = pytest.mark.skipif(not IS_ROOT, reason="mounting a small tmpfs or a read-only bind needs root")


@needs_root
def test_disk_full_during_import_export_and_map_is_one_line_and_leaves_nothing_partial(tmp_path, capsys):
    with small_disk(tmp_path / "disk", 1024) as disk:
        ws = saved_workspace(disk / "ws", tmp_path)
        big = write_csv(tmp_path / "big.csv", "".join(
            f"BN{k:05d},场所{k}号,紧急,{k},{107.301 + (k % 90) * 0.0004:.4f},{30.301 + (k // 90) * 0.0004:.4f}\r\n"
            for k in range(3000)))
        fill(disk, 64 * 1024)
        before = snapshot(ws)
        rc, _, err = cli(capsys, "import", LAYER, big, "-w", ws)
        assert rc == 2 and "保存失败" in err
        assert_one_line_error(err)
        assert snapshot(ws) == before  # the layer and its history as they were
        assert_recovered(ws, capsys)
        fill(disk, 0)
        for args in (("export", "-t", "all", "-f", "xlsx", "-o", disk / "out"),
                     ("export", "-t", "甲街道", "-f", "csv", "-o", disk / "one.csv"),
                     ("map", "--out", disk / "map.html", "--no-analysis")):
            rc, _, err = cli(capsys, *args[:1], "-w", ws, *args[1:])
            assert rc == 2, err
            assert_one_line_error(err.replace("\r", ""))
        assert not (disk / "one.csv").exists() and not (disk / "map.html").exists()
        assert not list(disk.rglob("*.tmp"))
        assert_recovered(ws, capsys)


@needs_root
def test_read_only_workspace_refuses_the_save_in_one_line(ws, tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    subprocess.run(["mount", "--bind", str(ws), str(ro)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(ro)], check=True)
        before = snapshot(ro)
        rc, _, err = cli(capsys, "import", LAYER, write_csv(tmp_path / "more.csv", "BN0009,新,紧急,9,107.32,30.32\r\n"),
                         "-w", ro)
        assert rc == 2
        assert_one_line_error(err)
        assert snapshot(ro) == before
        rc, _, err = cli(capsys, "validate", "-w", ro)
        assert rc == 0 and "Traceback" not in err
        assert listed_versions(ro) == intact_versions(ro) == [1]
    finally:
        subprocess.run(["umount", "-l", str(ro)], check=False)


# ---------------------------------------------------------------- corrupt history files


def _second_version(ws: Path, tmp: Path) -> None:
    assert main(["import", LAYER, str(write_csv(tmp / "v2.csv", "BN0003,丙,紧急,3,107.33,30.33\r\n")),
                 "-w", str(ws)]) == 0


def _corrupt(ws: Path, how: str) -> None:
    hist = ws / ".history" / LAYER
    if how == "garbage-line":
        with open(hist / "versions.jsonl", "ab") as fh:
            fh.write(b'{"version": "x", oops\n\x00\x01 not json\n')
    elif how == "line-without-file":
        (hist / "v0001.geojson").unlink()
    elif how == "tampered-version":
        (hist / "v0001.geojson").write_bytes(b'{"type":"FeatureCollection","features":[]}\n')
    elif how == "orphan-version":
        (hist / "v0007.geojson").write_bytes(b'{"type":"FeatureCollection","features":[]}\n')
    elif how == "stray-tmp":
        (ws / ".shelter.geojson.abc123.tmp").write_bytes(b'{"type":"Feat')
        (hist / ".v0003.geojson.xyz.tmp").write_bytes(b"")
    elif how == "truncated-jsonl":
        data = (hist / "versions.jsonl").read_bytes()
        (hist / "versions.jsonl").write_bytes(data[: len(data) - 20])


@pytest.mark.parametrize("how", ["garbage-line", "line-without-file", "tampered-version", "orphan-version",
                                 "stray-tmp", "truncated-jsonl"])
def test_corrupt_history_is_repaired_or_named_by_validate(ws, tmp_path, capsys, how):
    _second_version(ws, tmp_path)
    _corrupt(ws, how)
    rc, out, err = cli(capsys, "validate", "-w", ws)
    assert rc == 0 and "Traceback" not in err
    assert f"{LAYER}:-:.history:" in out  # one warning line naming the layer and what was found
    if how != "tampered-version":
        assert history_problems(ws) == []
    assert listed_versions(ws) == intact_versions(ws)
    rc, _, err = cli(capsys, "import", LAYER, write_csv(tmp_path / "v3.csv", "BN0004,丁,紧急,4,107.31,30.33\r\n"),
                     "-w", ws)
    assert rc == 0, err
    assert listed_versions(ws) == intact_versions(ws)
    assert history_problems(ws) == ([] if how != "tampered-version" else ["v1 sha mismatch"])


def test_rollback_to_a_tampered_version_is_refused(ws, tmp_path, capsys):
    _second_version(ws, tmp_path)
    _corrupt(ws, "tampered-version")
    before = snapshot(ws)
    rc, _, err = cli(capsys, "rollback", LAYER, "1", "-w", ws)
    assert rc == 2 and "sha256" in err
    assert_one_line_error(err)
    assert snapshot(ws) == before


@pytest.mark.parametrize("what", ["fifo-layer", "fifo-jsonl", "history-link-out", "layer-link-out"])
def test_store_paths_that_are_fifos_or_links_out_are_refused_not_followed(ws, tmp_path, capsys, what):
    hist = ws / ".history"
    outside = tmp_path / "outside"
    outside.mkdir()
    if what == "fifo-layer":
        (ws / "shelter.geojson").unlink()
        os.mkfifo(ws / "shelter.geojson")
    elif what == "fifo-jsonl":
        (hist / LAYER / "versions.jsonl").unlink()
        os.mkfifo(hist / LAYER / "versions.jsonl")
    elif what == "history-link-out":
        shutil.move(str(hist), str(outside / ".history"))
        hist.symlink_to(outside / ".history")
    elif what == "layer-link-out":
        shutil.move(str(ws / "shelter.geojson"), str(outside / "shelter.geojson"))
        (ws / "shelter.geojson").symlink_to(outside / "shelter.geojson")
    outside_before = snapshot(outside)
    rc, out, err = cli(capsys, "validate", "-w", ws)  # returns: a FIFO is never opened
    assert rc in (0, 1) and "Traceback" not in err and "已拒绝" in out + err
    rc, _, err = cli(capsys, "import", LAYER, write_csv(tmp_path / "n.csv", "BN0009,新,紧急,9,107.32,30.32\r\n"),
                     "-w", ws)
    assert rc == 2 and "已拒绝" in err
    assert_one_line_error(err)
    assert snapshot(outside) == outside_before
    assert HEADER  # the CSV header used above is the suite's own
