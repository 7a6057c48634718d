"""``riskmap audit [--user NAME] [--since DATE] [--action A] [--json]`` lists the audit log;
``riskmap audit verify`` checks its hash chain (exit 1 naming the first bad line)."""

from __future__ import annotations

import sys
from datetime import datetime

from layers.access import ACTIONS, AccessError, read_audit, verify_audit
from riskmap.cli.common import add_workspace_arg, print_json, workspace_path


def add_parser(sub) -> None:
    p = sub.add_parser("audit", help="审计日志：列出（可按用户、时间、操作筛选）或校验哈希链")
    p.add_argument("what", nargs="?", choices=["list", "verify"], default="list", help="list（默认）或 verify")
    p.add_argument("--user", default=None, help="只列此用户的记录")
    p.add_argument("--since", default=None, help="起始时间（北京时间），如 2026-06-01 或 2026-06-01T08:00")
    p.add_argument("--action", default=None, help=f"只列此操作：{'、'.join(ACTIONS)}")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    add_workspace_arg(p)
    p.set_defaults(func=run)


def _since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise AccessError(f"--since “{text}” 无效；应为日期或时间，如 2026-06-01 或 2026-06-01T08:00") from None


def _short(detail: dict) -> str:
    if "changes" in detail:
        return "；".join(f"{c['field']}: {c['old']!r} → {c['new']!r}" for c in detail["changes"][:6])
    return "，".join(f"{k}={v}" for k, v in detail.items())


def run(args) -> int:
    root = workspace_path(args)
    if args.what == "verify":
        check = verify_audit(root)
        if args.json:
            print_json(check.__dict__)
        elif check.ok:
            print(check.message)
        else:
            sys.stderr.write(f"riskmap audit: {check.message}\n")
        return 0 if check.ok else 1
    if args.action and args.action not in ACTIONS:
        raise AccessError(f"未知操作“{args.action}”；可选：{'、'.join(ACTIONS)}")
    rows = read_audit(root, user=args.user, since=_since(args.since), action=args.action)
    if args.json:
        print_json(rows)
        return 0
    for e in rows:
        client = f" [{e['client']}]" if e.get("client") else ""
        print(f"{e['seq']:>6} {e['time']} {e['user']}（{e['role']}）{ACTIONS.get(e['action'], e['action'])} "
              f"{e['target']} {e['outcome']}{client} {_short(e.get('detail') or {})}".rstrip())
    if not rows:
        print("（没有符合条件的审计记录）")
    return 0
