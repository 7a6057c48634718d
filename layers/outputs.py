"""Outputs are only ever new files where the user asked (issue 12): path guards and one atomic writer.

Every file a command or the app writes for the user (exports, the rejects file, analysis and
scenario outputs, the HTML map) goes through :func:`write_output`: the path is checked first
(:func:`check_output_path`), then the bytes go to a temporary file beside the target, are fsynced
and renamed over it, so a full disk or a refused write leaves no partial file and one error line.

Refused targets: a file of the workspace's store (a registry ``<layer>.geojson``, anything under
``.history/``, ``.locks/`` or ``flood/``, ``workspace.toml`` and the base layers), the input file
being read, a device, FIFO or socket, and a folder where a file is meant (or a file where a folder
is meant).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from layers.errors import OutputError
from layers.store.io import atomic_write_bytes

__all__ = ["check_output_path", "safe_xlsx_bytes", "write_output"]

_STORE_DIRS = (".history", ".locks", "flood")
_BASE_FILES = ("workspace.toml", "county.geojson", "townships.geojson", "villages.geojson", "river.geojson",
               "forest.geojson", "roads.geojson", "dem.tif")
_SPECIAL = {stat.S_IFIFO: "命名管道（FIFO）", stat.S_IFCHR: "字符设备", stat.S_IFBLK: "块设备", stat.S_IFSOCK: "套接字"}


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        raise OutputError(f"{path}: 路径无法解析（符号链接循环？），已拒绝") from None


def _store_reason(target: Path, root: Path, *, want_dir: bool) -> str | None:
    from layers.kinds import kind_ids

    try:
        rel = target.relative_to(root)
    except ValueError:
        return None
    parts = rel.parts
    if not parts:
        return "是工作区文件夹本身" if want_dir else None
    if parts[0] in _STORE_DIRS:
        return f"位于工作区的 {parts[0]}/ 中（版本、锁或水深栅格）"
    if len(parts) == 1 and (parts[0] in _BASE_FILES or parts[0] in {f"{k}.geojson" for k in kind_ids()}):
        return f"是工作区的数据文件 {parts[0]}"
    return None


def check_output_path(path: str | os.PathLike, *, workspace: str | os.PathLike | None = None,
                      inputs: Iterable[str | os.PathLike] = (), want_dir: bool = False) -> Path:
    """Check an output path before anything is computed or written; return it as a ``Path``.

    >>> import tempfile; d = Path(tempfile.mkdtemp())
    >>> check_output_path(d / "a.csv", workspace=d).name
    'a.csv'
    >>> try:
    ...     check_output_path(d / "shelter.geojson", workspace=d)
    ... except OutputError as exc:
    ...     print(str(exc).split(": ", 1)[1])
    输出位置是工作区的数据文件 shelter.geojson；请把输出写到工作区之外或另起文件名

    Raises
    ------
    OutputError
        One line naming the path and why it is refused.
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"{path}: 无法访问输出位置（{exc.strerror}）") from None
    if st is not None:
        special = _SPECIAL.get(stat.S_IFMT(st.st_mode))
        if special:
            raise OutputError(f"{path}: 输出位置是{special}，不是普通文件，已拒绝")
        if stat.S_ISDIR(st.st_mode) and not want_dir:
            raise OutputError(f"{path}: 输出位置是文件夹；请给出文件名")
        if not stat.S_ISDIR(st.st_mode) and want_dir:
            raise OutputError(f"{path}: 应为输出文件夹，现为已有文件")
    target = _resolved(path)
    if workspace is not None:
        why = _store_reason(target, _resolved(Path(workspace)), want_dir=want_dir)
        if why:
            raise OutputError(f"{path}: 输出位置{why}；请把输出写到工作区之外或另起文件名")
    for src in inputs:
        if target == _resolved(Path(src)):
            raise OutputError(f"{path}: 输出位置就是输入文件，已拒绝（会覆盖输入）")
    return path


def write_output(path: str | os.PathLike, data: bytes, *, workspace: str | os.PathLike | None = None,
                 inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Check ``path`` (:func:`check_output_path`) and write ``data`` atomically.

    Raises
    ------
    OutputError
        The path is refused.
    LayerFileError
        The disk refused the write (full, read-only, permission denied); no partial or temporary
        file is left.
    """
    path = check_output_path(path, workspace=workspace, inputs=inputs)
    atomic_write_bytes(path, data)  # a refused write is one LayerFileError naming the path, nothing left
    return path


def safe_xlsx_bytes(frame, sheet: str) -> bytes:
    """One sheet of ``frame`` as XLSX: header row, then the values; text is always a text cell
    (never a formula), XML-safe; numbers stay numbers."""
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    for values in [list(frame.columns), *frame.itertuples(index=False, name=None)]:
        ws.append([_xlsx_value(v) for v in values])
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_value(value):
    import math

    from layers.safety_text import xlsx_safe

    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, int | float | bool | str):
        return xlsx_safe(value)
    return xlsx_safe(str(value))
