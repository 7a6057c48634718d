"""Accounts of a workspace: ``<workspace>/.access/users.json``, written atomically under a lock.

Each user: name, display name, role, township (township roles), an argon2id password hash, a disabled
flag, the failed-login count and lock time, and a revision. Never a plain or reversible password.
Every change is one audit line; passwords, hashes and session tokens are never written there.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from layers.access import audit
from layers.access.roles import LOCAL_OPERATOR, AccessDeniedError, AccessError, Actor, get_role
from layers.access.sessions import end_user_sessions
from layers.access.store import auth_settings, township_names
from layers.access.userfile import User, change_users, read_users

__all__ = [
    "MAX_PASSWORD",
    "MIN_PASSWORD",
    "User",
    "add_user",
    "authenticate",
    "check_password_text",
    "check_user_name",
    "find_user",
    "has_accounts",
    "list_users",
    "login_required",
    "remove_user",
    "resolve_actor",
    "set_disabled",
    "set_password",
]

MIN_PASSWORD = 8
MAX_PASSWORD = 1024
MAX_NAME = 32
_NAME_RE = re.compile(r"[A-Za-z0-9_.\-\u4e00-\u9fff]+")

HASHER = PasswordHasher()  # argon2id with the library's recommended parameters
_DUMMY_HASH: str | None = None


# ---------------------------------------------------------------- input checks


def check_user_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise AccessError("用户名不能为空")
    if len(name) > MAX_NAME:
        raise AccessError(f"用户名过长（{len(name)} 个字符，最多 {MAX_NAME} 个）")
    if not _NAME_RE.fullmatch(name):
        raise AccessError(f"用户名“{name[:40]}”无效：只能包含字母、数字、汉字和 _ . -，不能有空格或其他符号")
    return name


def check_password_text(password: str) -> str:
    if not password:
        raise AccessError("密码不能为空")
    if len(password) > MAX_PASSWORD:
        raise AccessError(f"密码过长（{len(password)} 个字符，最多 {MAX_PASSWORD} 个）")
    if len(password) < MIN_PASSWORD:
        raise AccessError(f"密码过短（至少 {MIN_PASSWORD} 个字符）")
    return password


def _check_realm(root: Path, role: str, township: str | None) -> str | None:
    spec = get_role(role)
    township = township or None
    if spec.township_realm is True and not township:
        raise AccessError(f"角色 {role} 必须指定乡镇（--township 乡镇名）")
    if spec.township_realm is False and township:
        raise AccessError(f"角色 {role} 的范围是全县，不能指定乡镇 {township}")
    if township and township not in (names := township_names(root)):
        shown = "、".join(names[:30]) or "（工作区没有乡镇）"
        raise AccessError(f"乡镇“{township[:40]}”不在本工作区的乡镇中；可选：{shown}")
    return township


def list_users(root: str | Path) -> list[User]:
    return list(read_users(Path(root)).values())


def has_accounts(root: str | Path) -> bool:
    return bool(read_users(Path(root)))


def login_required(root: str | Path) -> bool:
    """The app asks for a login when the workspace has accounts or ``[auth] required = true``."""
    return has_accounts(root) or auth_settings(root).required


def find_user(root: str | Path, name: str) -> User:
    users = read_users(Path(root))
    if name not in users:
        raise AccessError(f"没有用户“{str(name)[:40]}”（用 riskmap users list 查看）")
    return users[name]


def _hash(password: str) -> str:
    return HASHER.hash(check_password_text(password))


def _require_admin(by: Actor) -> None:
    if not by.spec.manage_users:
        raise AccessDeniedError(f"用户 {by.name}（{by.role}）无权管理账户")


def _audit_user(root: Path, by: Actor, action: str, name: str, **detail) -> None:
    audit.record(root, by, action, f"user:{name}", **detail)


def add_user(root: str | Path, name: str, password: str, role: str, township: str | None = None, *,
             display_name: str = "", by: Actor = LOCAL_OPERATOR) -> User:
    """Create an account (checked: name, password, role, realm; a taken name is refused)."""
    root = Path(root)
    _require_admin(by)
    check_user_name(name)
    township = _check_realm(root, role, township)
    if len(display_name) > 64:
        raise AccessError(f"显示名过长（{len(display_name)} 个字符，最多 64 个）")
    user = User(name, role, township, _hash(password), display_name=display_name)

    def add(users: dict[str, User]) -> dict[str, User]:
        if name in users:
            raise AccessError(f"用户“{name}”已存在；改密码用 riskmap users passwd {name}")
        return {**users, name: user}

    change_users(root, add)
    _audit_user(root, by, "user_add", name, role=role, township=township)
    return user


def _update(root: Path, name: str, by: Actor, action: str, change: Callable[[User], User],
            expect_rev: int | None, **detail) -> User:
    _require_admin(by)
    out: list[User] = []

    def apply(users: dict[str, User]) -> dict[str, User]:
        if name not in users:
            raise AccessError(f"没有用户“{str(name)[:40]}”（可能已被另一位管理员删除）")
        cur = users[name]
        if expect_rev is not None and cur.rev != expect_rev:
            raise AccessError(f"用户“{name}”已被另一位管理员修改（版本 {cur.rev}，你看到的是 {expect_rev}）；"
                              "请重新读取后再改")
        new = replace(change(cur), rev=cur.rev + 1)
        out.append(new)
        return {**users, name: new}

    change_users(root, apply)
    _audit_user(root, by, action, name, **detail)
    return out[0]


def set_password(root: str | Path, name: str, password: str, *, by: Actor = LOCAL_OPERATOR,
                 expect_rev: int | None = None) -> User:
    """New password (also unlocks); the user's open sessions end."""
    digest = _hash(password)
    user = _update(Path(root), name, by, "user_passwd",
                   lambda u: replace(u, password_hash=digest, failed=0, locked_until=0.0), expect_rev)
    end_user_sessions(root, name)
    return user


def set_disabled(root: str | Path, name: str, disabled: bool, *, by: Actor = LOCAL_OPERATOR,
                 expect_rev: int | None = None) -> User:
    """Disable (sessions end at once) or enable (also clears a lock) an account."""
    action = "user_disable" if disabled else "user_enable"
    user = _update(Path(root), name, by, action,
                   lambda u: replace(u, disabled=disabled, failed=0, locked_until=0.0), expect_rev)
    if disabled:
        end_user_sessions(root, name)
    return user


def remove_user(root: str | Path, name: str, *, by: Actor = LOCAL_OPERATOR) -> None:
    """Delete an account; its sessions end (a signed-in browser is signed out at its next rerun)."""
    root = Path(root)
    _require_admin(by)

    def drop(users: dict[str, User]) -> dict[str, User]:
        if name not in users:
            raise AccessError(f"没有用户“{str(name)[:40]}”（可能已被另一位管理员删除）")
        rest = {k: v for k, v in users.items() if k != name}
        if users[name].spec_admin and not any(u.spec_admin and not u.disabled for u in rest.values()):
            raise AccessError(f"“{name}”是最后一个可用的管理员，不能删除；请先添加另一个管理员")
        return rest

    change_users(root, drop)
    end_user_sessions(root, name)
    _audit_user(root, by, "user_remove", name)


# ---------------------------------------------------------------- login


def _dummy_verify(password: str) -> None:
    """Spend the same work on an unknown user name as on a known one."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = HASHER.hash("riskmap-dummy-password")
    with contextlib.suppress(VerificationError):
        HASHER.verify(_DUMMY_HASH, password)


def authenticate(root: str | Path, name: str, password: str, *, client: str | None = None,
                 now: float | None = None) -> Actor:
    """Check a login; count failures and lock the account after ``[auth] max_failed`` of them.

    Every outcome is one audit line (login, login_failed, lockout); the password never is.

    Raises
    ------
    AccessError
        Wrong name or password (one message for both), locked, disabled, or a bad password text.
    """
    root = Path(root)
    settings = auth_settings(root)
    now = time.time() if now is None else now
    who = Actor(str(name)[:MAX_NAME] or "（空）", "—")
    if not name or not password:
        audit.record(root, who, "login_failed", "app", outcome="拒绝", client=client, reason="用户名或密码为空")
        raise AccessError("请输入用户名和密码")
    if len(password) > MAX_PASSWORD:
        audit.record(root, who, "login_failed", "app", outcome="拒绝", client=client, reason="密码过长")
        raise AccessError(f"密码过长（最多 {MAX_PASSWORD} 个字符）")
    users = read_users(root)
    user = users.get(name)
    if user is None:
        _dummy_verify(password)
        audit.record(root, who, "login_failed", "app", outcome="拒绝", client=client, reason="用户不存在")
        raise AccessError("用户名或密码错误")
    actor = user.actor
    if user.disabled:
        audit.record(root, actor, "login_failed", "app", outcome="拒绝", client=client, reason="账户已停用")
        raise AccessError(f"账户“{name}”已停用；请联系管理员")
    if user.locked_until > now:
        minutes = max(1, round((user.locked_until - now) / 60))
        audit.record(root, actor, "login_failed", "app", outcome="拒绝", client=client, reason="账户已锁定")
        raise AccessError(f"账户“{name}”已锁定（连续 {settings.max_failed} 次密码错误），请约 {minutes} 分钟后再试")
    try:
        HASHER.verify(user.password_hash, password)
        ok = True
    except (VerifyMismatchError, InvalidHashError, VerificationError):
        ok = False
    result: list[User] = []

    def count(us: dict[str, User]) -> dict[str, User]:
        cur = us.get(name)
        if cur is None:
            return us
        failed = 0 if cur.locked_until and cur.locked_until <= now else cur.failed
        if ok:
            new = replace(cur, failed=0, locked_until=0.0)
        else:
            failed += 1
            locked = now + settings.lockout_minutes * 60 if failed >= settings.max_failed else 0.0
            new = replace(cur, failed=0 if locked else failed, locked_until=locked)
        result.append(new)
        return {**us, name: new}

    if ok and user.failed == 0 and not user.locked_until:
        result.append(user)  # nothing to count: no write on the common path
    else:
        change_users(root, count)
    if not result:
        raise AccessError("用户名或密码错误")
    if ok:
        audit.record(root, actor, "login", "app", client=client)
        return actor
    audit.record(root, actor, "login_failed", "app", outcome="拒绝", client=client, reason="密码错误")
    if result[0].locked_until:
        audit.record(root, actor, "lockout", f"user:{name}", outcome="锁定", client=client,
                     minutes=settings.lockout_minutes, failed=settings.max_failed)
        raise AccessError(f"密码错误；连续 {settings.max_failed} 次错误，账户“{name}”已锁定 "
                          f"{settings.lockout_minutes:g} 分钟")
    left = settings.max_failed - result[0].failed
    raise AccessError(f"用户名或密码错误（再错 {left} 次账户将被锁定）")


def resolve_actor(root: str | Path, name: str | None) -> Actor:
    """Who a command acts as: the named user (must exist and be enabled), else the local operator when
    the workspace has no accounts. With accounts and no name it refuses."""
    root = Path(root)
    if not name:
        if has_accounts(root):
            raise AccessDeniedError("工作区已配置账户：请用 --user 用户名（或环境变量 RISKMAP_USER）指定操作用户")
        return LOCAL_OPERATOR
    user = find_user(root, name)
    if user.disabled:
        raise AccessDeniedError(f"用户“{name}”已停用")
    return user.actor
