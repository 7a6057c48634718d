"""A history that cannot lie: path checks, a tolerant history reader and the reconcile step (issue 12).

The save protocol (:func:`layers.store.workspace.save_version_locked`) is, in this order:

1. write ``.history/<layer>/vNNNN.geojson`` (temporary file, fsync, rename, fsync folder);
2. write ``<layer>.geojson`` the same way;
3. append the version's line to ``versions.jsonl`` (fsync).

A crash or a failing disk between any two steps leaves something :func:`reconcile_layer` recognises
on the next open or save:

- a stray ``*.tmp`` beside the layer or in its history folder (a write that never finished) — removed;
- a version file no history line names (an orphan): if it is the newest and the layer file holds
  exactly its bytes, the save did land and only its line is missing — the line is added back;
  otherwise the save never reached the layer — the file is moved to ``orphans/``;
- a history line that is not JSON or lacks its keys — moved to ``versions.corrupt.jsonl``;
- a history line whose version file is missing — moved to ``versions.lost.jsonl``;
- a version file whose bytes do not match the stored sha256 — reported (never rolled back to).

Each finding is one line (``riskmap validate`` shows them as warnings). Paths of the store that are
symlinks out of the workspace, FIFOs, sockets or devices are refused, never followed or opened.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson

from layers.errors import LayerFileError

__all__ = [
    "HISTORY_KEYS",
    "HistoryRead",
    "append_line_durable",
    "check_metric_crs",
    "check_store_path",
    "durable_write",
    "fsync_dir",
    "read_history",
    "reconcile_layer",
    "reconcile_on_open",
    "require_columns",
    "verified_rows",
]

HISTORY_KEYS = ("version", "time", "source", "count", "sha256")
_VERSION_FILE = re.compile(r"^v(\d{4,})\.geojson$")
_KINDS = {stat.S_IFIFO: "命名管道（FIFO）", stat.S_IFCHR: "字符设备", stat.S_IFBLK: "块设备", stat.S_IFSOCK: "套接字"}


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def check_store_path(root: str | os.PathLike, path: str | os.PathLike, *, want_dir: bool = False) -> None:
    """Refuse a store path that is a symlink leading out of the workspace, a FIFO, socket or device,
    or a folder where a file is meant (and a file where a folder is meant). A missing path is fine.

    Raises
    ------
    LayerFileError
        One line naming the path and what it is.
    """
    path = Path(path)
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise LayerFileError(f"{path}: 无法访问（{exc.strerror}）") from None
    if stat.S_ISLNK(st.st_mode):
        real_root = Path(root).resolve()
        target = path.resolve()
        if not _inside(target, real_root):
            raise LayerFileError(f"{path}: 是指向工作区之外（{target}）的符号链接，已拒绝；工作区的数据文件必须在工作区内")
        try:
            st = target.stat()
        except OSError:
            return  # a dangling link inside the workspace: treated as missing by the caller's open
    kind = _KINDS.get(stat.S_IFMT(st.st_mode))
    if kind:
        raise LayerFileError(f"{path}: 是{kind}，不是普通文件，已拒绝（不读取也不写入）")
    if want_dir and not stat.S_ISDIR(st.st_mode):
        raise LayerFileError(f"{path}: 应为文件夹，现为文件，已拒绝")
    if not want_dir and stat.S_ISDIR(st.st_mode):
        raise LayerFileError(f"{path}: 应为文件，现为文件夹，已拒绝")


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable where the OS allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def durable_write(path: Path, data: bytes) -> None:
    """The store's atomic write (temporary file beside ``path``, fsync, rename, fsync of the folder),
    raising the OS's own error so that the save can say what it kept."""
    from layers.store.io import _write_replace

    _write_replace(path, data)
    fsync_dir(path.parent)


def append_line_durable(path: Path, line: bytes) -> None:
    """Append one line and fsync it. A torn line (crash mid-write) is found by :func:`read_history`."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        with contextlib.suppress(OSError):  # a torn line without newline before us: start a new line
            if os.fstat(fd).st_size and _last_byte(path) != b"\n":
                line = b"\n" + line
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)


def _last_byte(path: Path) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1)


@dataclass
class HistoryRead:
    """``versions.jsonl`` as read: the well-formed rows and the raw lines that are not."""

    rows: list[dict] = field(default_factory=list)
    bad: list[bytes] = field(default_factory=list)


def _row_ok(row) -> bool:
    if not isinstance(row, dict) or any(k not in row for k in HISTORY_KEYS):
        return False
    return (isinstance(row["version"], int) and not isinstance(row["version"], bool) and row["version"] > 0
            and isinstance(row["sha256"], str) and isinstance(row["count"], int)
            and isinstance(row["time"], str) and isinstance(row["source"], str)
            and isinstance(row.get("note", ""), str))


def read_history(path: Path) -> HistoryRead:
    """Read ``versions.jsonl`` without ever raising on its content (a missing file is empty)."""
    out = HistoryRead()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return out
    except (IsADirectoryError, PermissionError) as exc:
        raise LayerFileError(f"{path}: 无法读取历史记录（{exc.strerror}）") from None
    seen: set[int] = set()
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError:
            row = None
        if _row_ok(row) and row["version"] not in seen:
            seen.add(row["version"])
            out.rows.append({k: row[k] for k in (*HISTORY_KEYS, "note", "user") if k in row})
        else:
            out.bad.append(line)
    return out


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _count(data: bytes) -> int:
    try:
        return len(orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))["features"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return -1


def _rewrite(path: Path, rows: list[dict]) -> None:
    tmp = path.with_name(f".{path.name}.reconcile.tmp")
    with open(tmp, "wb") as fh:
        fh.write(b"".join(orjson.dumps(r) + b"\n" for r in rows))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def _stray_temps(root: Path, hist: Path, layer_id: str) -> list[Path]:
    found = [p for p in root.glob(f".{layer_id}.geojson.*.tmp")]
    if hist.is_dir():
        found += [p for p in hist.glob(".*.tmp")]
    return sorted(found)


def reconcile_layer(root: str | os.PathLike, layer_id: str, *, repair: bool) -> list[str]:
    """Find (and with ``repair`` fix) what an interrupted save left; one message per finding.

    With ``repair`` the caller holds the layer's lock. Without it nothing is changed on disk.
    """
    root = Path(root)
    hist = root / ".history" / layer_id
    layer_file = root / f"{layer_id}.geojson"
    check_store_path(root, root / ".history", want_dir=True)
    check_store_path(root, hist, want_dir=True)
    check_store_path(root, layer_file)
    messages: list[str] = []
    done = "已" if repair else "需"
    for tmp in _stray_temps(root, hist, layer_id):
        if repair:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        messages.append(f"{layer_id}: 残留的临时文件 {tmp.relative_to(root)}（保存未完成）{done}删除")
    if not hist.is_dir():
        return messages
    jsonl = hist / "versions.jsonl"
    check_store_path(root, jsonl)
    read = read_history(jsonl)
    rows = list(read.rows)
    moved_corrupt = list(read.bad)
    for line in read.bad:
        shown = line[:60].decode("utf-8", "replace")
        messages.append(f"{layer_id}: 历史记录 versions.jsonl 有损坏的行“{shown}”，{done}移到 versions.corrupt.jsonl")
    lost = []
    for row in list(rows):
        vfile = hist / f"v{row['version']:04d}.geojson"
        check_store_path(root, vfile)
        if not vfile.exists():
            rows.remove(row)
            lost.append(row)
            messages.append(f"{layer_id}: 历史记录中的版本 v{row['version']} 缺少文件 {vfile.name}，"
                            f"{done}从历史中移出（记录保留在 versions.lost.jsonl）")
        elif _sha(vfile) != row["sha256"]:
            messages.append(f"{layer_id}: 版本 v{row['version']} 的文件 {vfile.name} 与历史记录的 sha256 不符"
                            "（文件被改动），不列出也不能回滚到此版本")
    named = {r["version"] for r in rows} | {r["version"] for r in lost}
    orphans = sorted((int(m.group(1)), p) for p in hist.iterdir() if (m := _VERSION_FILE.match(p.name))
                     and int(m.group(1)) not in named)
    layer_sha = _sha(layer_file) if layer_file.is_file() else None
    newest = max((r["version"] for r in rows), default=0)
    added = []
    for number, vfile in orphans:
        check_store_path(root, vfile)
        data = vfile.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        if number > newest and sha == layer_sha and number == orphans[-1][0]:
            row = {"version": number, "time": datetime.now().astimezone().isoformat(timespec="seconds"),
                   "source": "recovered", "count": _count(data), "sha256": sha,
                   "note": "保存中断（历史记录未写入），打开时按图层文件补记"}
            added.append(row)
            messages.append(f"{layer_id}: 版本 {vfile.name} 已写入图层但缺少历史记录，{done}补记为版本 v{number}")
        else:
            if repair:
                (hist / "orphans").mkdir(exist_ok=True)
                os.replace(vfile, hist / "orphans" / vfile.name)
            messages.append(f"{layer_id}: 孤立的版本文件 {vfile.name}（保存未完成，图层未采用），{done}移到 orphans/")
    if repair and (moved_corrupt or lost or added):
        if moved_corrupt:
            append_line_durable(hist / "versions.corrupt.jsonl", b"\n".join(moved_corrupt) + b"\n")
        if lost:
            append_line_durable(hist / "versions.lost.jsonl", b"".join(orjson.dumps(r) + b"\n" for r in lost))
        _rewrite(jsonl, sorted(rows + added, key=lambda r: r["version"]))
    return messages


def verified_rows(root: Path, layer_id: str) -> tuple[list[dict], list[str]]:
    """History rows whose version file exists with the stored sha256, plus one line per other row."""
    hist = Path(root) / ".history" / layer_id
    read = read_history(hist / "versions.jsonl")
    good, skipped = [], []
    for row in read.rows:
        vfile = hist / f"v{row['version']:04d}.geojson"
        check_store_path(root, vfile)
        sha = _sha(vfile) if vfile.is_file() else None
        if sha == row["sha256"]:
            good.append(row)
        else:
            why = "文件缺失" if sha is None else "文件与 sha256 不符"
            skipped.append(f"{layer_id}: 版本 v{row['version']} 未列出（{why}）；运行 riskmap validate 查看")
    if read.bad:
        skipped.append(f"{layer_id}: versions.jsonl 有 {len(read.bad)} 行损坏，未列出；运行 riskmap validate 修复")
    return good, skipped


def reconcile_on_open(root: str | os.PathLike, layer_id: str) -> list[str]:
    """Start-up reconcile: repair under the layer's lock when the workspace is writable, otherwise
    only report. Never raises on what it finds; a refused store path is a finding too."""
    from layers.errors import LayerError
    from layers.store.io import layer_lock

    try:
        found = reconcile_layer(root, layer_id, repair=False)
    except LayerError as exc:
        return [str(exc)]
    if not found or not os.access(root, os.W_OK):
        return found
    try:
        with layer_lock(root, layer_id, timeout_s=2.0):
            return reconcile_layer(root, layer_id, repair=True)
    except (LayerError, OSError):
        return found  # another writer holds the lock, or the disk refuses: report what was found


def require_columns(frame, path: Path, columns: tuple[str, ...]):
    """A base layer must carry ``columns``; else one line naming the file and the missing column."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LayerFileError(f"{path}: 缺少字段 {'、'.join(missing)}；现有字段：{'、'.join(map(str, frame.columns))}")
    return frame


def check_metric_crs(config: dict, path: Path) -> None:
    """``[county] metric_crs`` must be a projected CRS in metres that pyproj knows."""
    import pyproj

    county = config.get("county", {})
    if not isinstance(county, dict):
        raise LayerFileError(f"{path}: [county] 应为一个表")
    text = county.get("metric_crs", "EPSG:4545")
    try:
        crs = pyproj.CRS.from_user_input(str(text))
    except pyproj.exceptions.CRSError:
        raise LayerFileError(f"{path}: metric_crs “{text}” 不是有效的坐标系；应为投影坐标系，如 EPSG:4545") from None
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if not crs.is_projected or unit not in ("metre", "meter"):
        raise LayerFileError(f"{path}: metric_crs “{text}” 不是以米为单位的投影坐标系；应如 EPSG:4545")
