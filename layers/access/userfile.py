"""The account file ``<workspace>/.access/users.json``: the :class:`User` record, a cached reader and the
read-modify-write under its lock (shared by ``accounts`` and ``sessions``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

from layers.access.roles import AccessError, Actor, get_role
from layers.access.store import access_dir, read_cached
from layers.store.io import atomic_write_bytes, layer_lock

__all__ = ["USERS_FILE", "User", "change_users", "read_users"]

USERS_FILE = "users.json"
LOCK_NAME = "access_users"


@dataclass(frozen=True)
class User:
    name: str
    role: str
    township: str | None
    password_hash: str
    display_name: str = ""
    disabled: bool = False
    failed: int = 0
    locked_until: float = 0.0  # epoch seconds
    rev: int = 1

    @property
    def spec_admin(self) -> bool:
        return get_role(self.role).manage_users

    @property
    def actor(self) -> Actor:
        return Actor(self.name, self.role, self.township, self.display_name)

    def public(self) -> dict:
        """What ``users list`` shows: everything but the hash."""
        d = asdict(self)
        d.pop("password_hash")
        return d


def _path(root: Path) -> Path:
    return access_dir(root) / USERS_FILE


def read_users(root: Path) -> dict[str, User]:
    path = _path(root)

    def parse(data: bytes) -> dict[str, User]:
        try:
            doc = orjson.loads(data)
            return {u["name"]: User(**u) for u in doc["users"]}
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise AccessError(f"{path}: 账户文件已损坏（{exc}）；请从备份恢复") from None

    users: dict[str, User] = read_cached(path, parse, {})
    return users


def _write(root: Path, users: dict[str, User]) -> None:
    doc = {"version": 1, "users": [asdict(u) for u in users.values()]}
    atomic_write_bytes(_path(root), orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
    _path(root).chmod(0o600)


def change_users(root: Path, fn: Callable[[dict[str, User]], dict[str, User]]) -> dict[str, User]:
    """Read-modify-write of the user file under its lock: two admins at once never lose a change."""
    with layer_lock(root, LOCK_NAME):
        users = dict(read_users(root))
        new = fn(users)
        _write(root, new)
        return new


