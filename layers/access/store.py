"""Where the access data of a workspace lives: ``<workspace>/.access/`` (outside every registry file)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

__all__ = ["ACCESS_DIR", "AuthSettings", "access_dir", "auth_settings", "read_cached", "township_names"]

ACCESS_DIR = ".access"


def access_dir(root: str | Path) -> Path:
    return Path(root) / ACCESS_DIR


_CACHE: dict[str, tuple[tuple, Any]] = {}


def read_cached(path: Path, parse: Callable[[bytes], Any], missing: Any) -> Any:
    """``parse`` of the file's bytes, kept until its mtime, size or inode change; ``missing`` when absent.

    The app reads the users and sessions files on every rerun; this makes that a ``stat``.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return missing
    key = (st.st_mtime_ns, st.st_size, st.st_ino)
    hit = _CACHE.get(str(path))
    if hit and hit[0] == key:
        return hit[1]
    value = parse(path.read_bytes())
    _CACHE[str(path)] = (key, value)
    return value


@dataclass(frozen=True)
class AuthSettings:
    """``[auth]`` in ``workspace.toml``: whether login is required without accounts, lockout, session life."""

    required: bool = False
    max_failed: int = 5
    lockout_minutes: float = 15.0
    session_hours: float = 12.0


def auth_settings(root: str | Path) -> AuthSettings:
    """The ``[auth]`` table; a missing file or table is the defaults, a bad value one clear error."""
    from layers.access.roles import AccessError

    path = Path(root) / "workspace.toml"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("auth", {}) if path.exists() else {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AccessError(f"{path}: 格式错误（{exc}）") from None
    out = AuthSettings()
    kinds: dict[str, type | tuple[type, ...]] = {"required": bool, "max_failed": int, "lockout_minutes": (int, float), "session_hours": (int, float)}
    for key, value in table.items():
        if key not in kinds:
            raise AccessError(f"{path}: [auth] 没有设置项 “{key}”；可选：{'、'.join(kinds)}")
        ok = isinstance(value, kinds[key]) and not (key != "required" and isinstance(value, bool))
        if not ok or (key != "required" and value <= 0):
            raise AccessError(f"{path}: [auth] {key} = {value!r} 无效；应为{'true/false' if key == 'required' else '正数'}")
    return AuthSettings(**{**out.__dict__, **table})


def township_names(root: str | Path) -> tuple[str, ...]:
    """The workspace's township names (``townships.geojson``), for checking a township role's realm."""
    path = Path(root) / "townships.geojson"
    if not path.exists():
        return ()
    doc = orjson.loads(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    return tuple(str((f.get("properties") or {}).get("name")) for f in doc.get("features", []))
