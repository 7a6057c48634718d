"""Server-side sessions and the signed, expiring cookie that names one.

The cookie holds ``token.expires.signature`` (HMAC-SHA256 with a per-workspace secret); the store
``<workspace>/.access/sessions.json`` holds only the SHA-256 of each token, its user and expiry. Signing
out deletes the entry, so a copied cookie stops working at once; so does disabling or removing the user.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

import orjson

from layers.access.roles import Actor
from layers.access.store import access_dir, auth_settings, read_cached
from layers.access.userfile import read_users
from layers.store.io import atomic_write_bytes, layer_lock

__all__ = ["COOKIE_NAME", "create_session", "end_session", "end_user_sessions", "session_actor"]

COOKIE_NAME = "riskmap_session"
SESSIONS_FILE = "sessions.json"
SECRET_FILE = "secret.key"
LOCK_NAME = "access_sessions"


def _secret(root: Path) -> bytes:
    path = access_dir(root) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with layer_lock(root, LOCK_NAME):
            if not path.exists():
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(secrets.token_bytes(32))
    return path.read_bytes()


def _sign(root: Path, body: str) -> str:
    return hmac.new(_secret(root), body.encode(), hashlib.sha256).hexdigest()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _parse_sessions(data: bytes) -> dict:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return {}  # a broken store signs everyone out; it never lets anyone in


def _read(root: Path) -> dict:
    return read_cached(access_dir(root) / SESSIONS_FILE, _parse_sessions, {})


def _change(root: Path, fn) -> None:
    with layer_lock(root, LOCK_NAME):
        now = time.time()
        sessions = {k: v for k, v in _read(root).items() if v.get("expires", 0) > now}
        fn(sessions)
        atomic_write_bytes(access_dir(root) / SESSIONS_FILE, orjson.dumps(sessions))
        (access_dir(root) / SESSIONS_FILE).chmod(0o600)


def create_session(root: str | Path, user: str, *, client: str | None = None) -> tuple[str, int]:
    """A new session for ``user``: (cookie value, max-age in seconds)."""
    root = Path(root)
    max_age = int(auth_settings(root).session_hours * 3600)
    token = secrets.token_urlsafe(32)
    expires = int(time.time()) + max_age
    body = f"{token}.{expires}"
    _change(root, lambda s: s.__setitem__(_digest(token), {"user": user, "expires": expires, "client": client}))
    return f"{body}.{_sign(root, body)}", max_age


def _token(root: Path, cookie: str | None) -> str | None:
    """The token of a well-signed, unexpired cookie, else None."""
    if not cookie or cookie.count(".") != 2 or len(cookie) > 200:
        return None
    token, expires, sig = cookie.split(".")
    if not hmac.compare_digest(_sign(root, f"{token}.{expires}"), sig):
        return None
    if not expires.isdigit() or int(expires) <= time.time():
        return None
    return token


def session_actor(root: str | Path, cookie: str | None) -> Actor | None:
    """The signed-in user of a cookie: None unless the cookie is valid, its session still open and the
    user still exists and is enabled (checked on every rerun, so a removed user is signed out)."""
    root = Path(root)
    token = _token(root, cookie)
    if token is None:
        return None
    entry = _read(root).get(_digest(token))
    if entry is None or entry.get("expires", 0) <= time.time():
        return None
    user = read_users(root).get(entry["user"])
    if user is None or user.disabled:
        return None
    return user.actor


def end_session(root: str | Path, cookie: str | None) -> str | None:
    """Sign out: delete the session on the server. Returns its user name (None for an unknown cookie)."""
    root = Path(root)
    token = _token(root, cookie)
    if token is None:
        return None
    found: list[str] = []

    def drop(s: dict) -> None:
        entry = s.pop(_digest(token), None)
        if entry:
            found.append(entry["user"])

    _change(root, drop)
    return found[0] if found else None


def end_user_sessions(root: str | Path, user: str) -> None:
    root = Path(root)
    if not (access_dir(root) / SESSIONS_FILE).exists():
        return

    def drop(s: dict) -> None:
        for k in [k for k, v in s.items() if v.get("user") == user]:
            del s[k]

    _change(root, drop)
