"""``riskmap users add|list|passwd|disable|enable|remove``: accounts of a workspace (admin work on the
server's shell). Passwords are asked without echo, or read from stdin (``--password-stdin`` or a pipe)."""

from __future__ import annotations

import getpass
import sys

from layers.access import (
    LOCAL_OPERATOR,
    AccessError,
    add_user,
    list_users,
    remove_user,
    resolve_actor,
    role_names,
    set_disabled,
    set_password,
)
from riskmap.cli.common import add_user_arg, add_workspace_arg, print_json, workspace_path


def add_parser(sub) -> None:
    p = sub.add_parser("users", help="账户管理：添加、列出、改密码、停用、启用、删除")
    actions = p.add_subparsers(dest="users_action", required=True, metavar="ACTION")

    def action(name: str, help_text: str, *, with_name: bool = True, password: bool = False):
        a = actions.add_parser(name, help=help_text)
        if with_name:
            a.add_argument("name", metavar="NAME", help="用户名")
        if password:
            a.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
        add_workspace_arg(a)
        add_user_arg(a)
        a.set_defaults(func=run)
        return a

    add = action("add", "添加用户", password=True)
    add.add_argument("--role", required=True, choices=role_names(), help=f"角色：{'、'.join(role_names())}")
    add.add_argument("--township", default=None, help="乡镇（乡镇编辑必填；其他角色可选）")
    add.add_argument("--display-name", default="", help="显示名（如姓名）")
    ls = action("list", "列出用户", with_name=False)
    ls.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    action("passwd", "修改密码（并解除锁定）", password=True)
    action("disable", "停用用户（其会话立即失效）")
    action("enable", "启用用户（并解除锁定）")
    action("remove", "删除用户（其会话立即失效）")


def _admin(args):
    """The shell operator, or ``--user`` when given (which must then be a 管理员)."""
    user = getattr(args, "user", None)
    return resolve_actor(workspace_path(args), user) if user else LOCAL_OPERATOR


def _read_password(args) -> str:
    if args.password_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    first = getpass.getpass("新密码：")
    if getpass.getpass("再输入一次：") != first:
        raise AccessError("两次输入的密码不一致；未修改")
    return first


def run(args) -> int:
    root, by, what = workspace_path(args), _admin(args), args.users_action
    if what == "list":
        users = list_users(root)
        if args.json:
            print_json([u.public() for u in users])
        elif not users:
            print("本工作区还没有账户（应用无需登录；用 riskmap users add 添加第一个管理员）")
        for u in users if not args.json else []:
            state = "停用" if u.disabled else ("锁定" if u.locked_until else "可用")
            print(f"{u.name:<16} {u.display_name or '-':<10} {u.role:<6} {u.township or '全县':<8} {state}")
        return 0
    if what == "add":
        user = add_user(root, args.name, _read_password(args), args.role, args.township,
                        display_name=args.display_name, by=by)
        print(f"已添加用户 {user.name}（{user.role} · {user.township or '全县'}）")
    elif what == "passwd":
        set_password(root, args.name, _read_password(args), by=by)
        print(f"已修改 {args.name} 的密码；其已登录的会话已失效")
    elif what in ("disable", "enable"):
        set_disabled(root, args.name, what == "disable", by=by)
        print(f"已{'停用' if what == 'disable' else '启用'}用户 {args.name}")
    elif what == "remove":
        remove_user(root, args.name, by=by)
        print(f"已删除用户 {args.name}")
    return 0
