"""The append-only, hash-chained audit log: ``<workspace>/.access/audit.jsonl``.

One JSON line per event: ``seq``, ``time`` (Asia/Shanghai), ``user``, ``role``, ``action``, ``target``,
``outcome``, ``client`` (address when known), ``detail``, ``prev`` (the previous line's hash) and
``hash`` (SHA-256 of the line without ``hash``). ``audit.head`` keeps the count and last hash, so a
removed last line is found too. :func:`verify_audit` names the first line that was edited, removed,
inserted or moved. Passwords, hashes and session tokens are never recorded.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson

from layers.access.roles import Actor
from layers.access.store import access_dir
from layers.store.io import atomic_write_bytes, layer_lock

__all__ = [
    "ACTIONS",
    "AUDIT_FILE",
    "AuditCheck",
    "Event",
    "audit_enabled",
    "audit_path",
    "read_audit",
    "record",
    "record_many",
    "verify_audit",
]

AUDIT_FILE = "audit.jsonl"
HEAD_FILE = "audit.head"
LOCK_NAME = "access_audit"
TZ = ZoneInfo("Asia/Shanghai")
GENESIS = "0" * 64
_SECRET_KEYS = frozenset({"password", "password_hash", "hash", "token", "cookie", "secret"})

ACTIONS: dict[str, str] = {
    "login": "登录", "login_failed": "登录失败", "lockout": "账户锁定", "logout": "退出登录",
    "import": "导入", "change": "修改", "add": "新增", "remove": "删除", "save": "保存", "rollback": "回滚",
    "export": "导出", "user_add": "添加用户", "user_passwd": "修改密码", "user_disable": "停用用户",
    "user_enable": "启用用户", "user_remove": "删除用户", "rule_change": "修改规则", "denied": "拒绝操作",
    "inspection_import": "巡查导入", "plan_progress": "填报进度", "task_issue": "发布任务",
}


@dataclass(frozen=True)
class Event:
    """One event to record (before it gets its place in the chain)."""

    actor: Actor
    action: str
    target: str
    outcome: str = "成功"
    client: str | None = None
    detail: dict | None = None


def audit_path(root: str | Path) -> Path:
    return access_dir(root) / AUDIT_FILE


def _digest(entry: dict) -> str:
    return hashlib.sha256(orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _clean(detail: dict | None) -> dict:
    if not detail:
        return {}
    return {k: v for k, v in detail.items() if k.lower() not in _SECRET_KEYS}


def _head(root: Path) -> tuple[int, str]:
    """(count, last hash) of the log: from the head file, checked against the last line."""
    path = audit_path(root)
    if not path.exists() or path.stat().st_size == 0:
        return 0, GENESIS
    with path.open("rb") as fh:  # read the last line only
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        back = min(size, 1 << 16)
        while True:
            fh.seek(size - back)
            tail = fh.read(back)
            lines = tail.rstrip(b"\n").split(b"\n")
            if len(lines) > 1 or back == size:
                break
            back = min(size, back * 4)
    last = orjson.loads(lines[-1])
    return int(last["seq"]), str(last["hash"])


def audit_enabled(root: str | Path) -> bool:
    """The log is kept once access control is on: the workspace has accounts (or had: the log exists) or
    ``[auth] required = true``. A workspace without accounts (e.g. the bundled sample) is not written to."""
    from layers.access.store import auth_settings

    d = access_dir(root)
    return (d / AUDIT_FILE).exists() or (d / "users.json").exists() or auth_settings(root).required


def record_many(root: str | Path, events: Iterable[Event]) -> int:
    """Append events in order under the audit lock (one fsync); returns how many were written."""
    root = Path(root)
    events = list(events)
    if not events or not audit_enabled(root):
        return 0
    path = audit_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with layer_lock(root, LOCK_NAME):
        seq, prev = _head(root)
        out = []
        for ev in events:
            seq += 1
            entry = {
                "seq": seq,
                "time": datetime.now(TZ).isoformat(timespec="seconds"),
                "user": ev.actor.name,
                "role": ev.actor.role,
                "realm": ev.actor.realm,
                "action": ev.action,
                "target": ev.target,
                "outcome": ev.outcome,
                "client": ev.client,
                "detail": _clean(ev.detail),
                "prev": prev,
            }
            entry["hash"] = prev = _digest(entry)
            out.append(orjson.dumps(entry) + b"\n")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, b"".join(out))
            os.fsync(fd)
        finally:
            os.close(fd)
        atomic_write_bytes(access_dir(root) / HEAD_FILE, orjson.dumps({"count": seq, "hash": prev}))
    return len(events)


def record(root: str | Path, actor: Actor, action: str, target: str, *, outcome: str = "成功",
           client: str | None = None, **detail) -> None:
    """Append one event."""
    record_many(root, [Event(actor, action, target, outcome, client, detail)])


def read_audit(root: str | Path, *, user: str | None = None, since: datetime | None = None,
               action: str | None = None) -> list[dict]:
    """Audit lines (oldest first), filtered by user, time (aware or Asia/Shanghai) and action."""
    path = audit_path(root)
    if not path.exists():
        return []
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=TZ)
    out = []
    for line in path.read_bytes().splitlines():
        if not line.strip():
            continue
        try:
            e = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue  # verify_audit reports it
        if user is not None and e.get("user") != user:
            continue
        if action is not None and e.get("action") != action:
            continue
        if since is not None and datetime.fromisoformat(e["time"]) < since:
            continue
        out.append(e)
    return out


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    lines: int
    bad_line: int | None = None  # 1-based line number of the first bad line
    message: str = ""


def verify_audit(root: str | Path) -> AuditCheck:
    """Walk the chain; the first line whose hash, ``prev`` or ``seq`` does not follow is named."""
    root = Path(root)
    path = audit_path(root)
    if not path.exists():
        return AuditCheck(True, 0, message=f"{path}: 尚无审计记录")
    prev, n = GENESIS, 0
    lines = path.read_bytes().split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    for n, line in enumerate(lines, start=1):
        where = f"{path} 第 {n} 行"
        try:
            e = orjson.loads(line)
            stored = e.pop("hash")
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            return AuditCheck(False, n, n, f"{where}: 不是有效的审计记录（被编辑或截断）")
        if _digest(e) != stored:
            return AuditCheck(False, n, n, f"{where}: 内容与其哈希不符（该行被修改）")
        if e.get("prev") != prev or e.get("seq") != n:
            return AuditCheck(False, n, n, f"{where}: 与上一行不衔接（应为第 {n} 条，记录的是第 {e.get('seq')} 条；"
                                           "之前有行被删除、插入或调换了顺序）")
        prev = stored
    head_path = access_dir(root) / HEAD_FILE
    if head_path.exists():
        head = orjson.loads(head_path.read_bytes())
        if head.get("count") != n or head.get("hash") != prev:
            return AuditCheck(False, n, n + 1 if head.get("count", 0) > n else n,
                              f"{path}: 记录头显示共 {head.get('count')} 行、实有 {n} 行；末尾的行被删除或替换")
    return AuditCheck(True, n, message=f"{path}: {n} 行，哈希链完整")
