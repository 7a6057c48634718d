"""Arguments and output helpers shared by the commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from layers.store.workspace import DEFAULT_WORKSPACE, Workspace, load_workspace

__all__ = ["add_workspace_arg", "load_for_command", "print_json", "workspace_path"]

_SHOWN_PROBLEMS = 3


def add_workspace_arg(parser) -> None:
    parser.add_argument("--workspace", "-w", type=Path, default=None,
                        help=f"工作区文件夹（默认：内置样例 {DEFAULT_WORKSPACE.name}）")


def workspace_path(args) -> Path:
    return args.workspace if args.workspace is not None else DEFAULT_WORKSPACE


def print_json(doc) -> None:
    """``--json``: one JSON document on stdout and nothing else there."""
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")


def load_for_command(args) -> Workspace:
    """Load the workspace; warn on stderr when some of it failed validation, so that no command works
    on a silently incomplete workspace (a broken layer file is read as empty)."""
    ws = load_workspace(workspace_path(args))
    errors = ws.errors
    if errors:
        layers = "、".join(dict.fromkeys(p.layer for p in errors))
        sys.stderr.write(f"警告：工作区有 {len(errors)} 处错误（图层：{layers}），出错的文件或记录可能未计入；"
                         "请先运行 riskmap validate 查看并修正\n")
        for p in errors[:_SHOWN_PROBLEMS]:
            sys.stderr.write(f"  {p.line()}\n")
    return ws
