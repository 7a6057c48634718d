"""``riskmap validate``: check every layer; print every problem as ``layer:id-or-row:field: message``."""

from __future__ import annotations

import sys

from layers.kinds import get_kind
from layers.store.workspace import load_workspace
from riskmap.cli.common import add_workspace_arg, print_json, workspace_path


def add_parser(sub) -> None:
    p = sub.add_parser("validate", help="校验工作区的全部图层")
    add_workspace_arg(p)
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    p.set_defaults(func=run)


def run(args) -> int:
    ws = load_workspace(workspace_path(args))
    counts = {lid: len(frame) for lid, frame in ws.layers.items()}
    ok = not ws.errors
    if args.json:
        print_json({"ok": ok, "problems": [p.to_dict() for p in ws.problems], "counts": counts,
                    "workspace": str(ws.root), "sample": ws.is_sample})
        return 0 if ok else 1
    for p in ws.problems:
        tag = "错误" if p.severity == "error" else "警告"
        print(f"[{tag}] {p.line()}", file=sys.stderr if p.severity == "error" else sys.stdout)
    print(f"工作区：{ws.root}（{ws.name}{'，样例数据' if ws.is_sample else ''}）")
    width = max((len(lid) for lid in counts), default=0) + 1  # ids line up whatever kinds there are
    for lid, n in counts.items():
        print(f"  {get_kind(lid).label:<10} {lid:<{width}} {n:>8} 条")
    n_err, n_warn = len(ws.errors), len(ws.problems) - len(ws.errors)
    print(f"结果：{'通过' if ok else '未通过'}，错误 {n_err} 处，警告 {n_warn} 处")
    return 0 if ok else 1
