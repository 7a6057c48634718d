"""Arguments and output helpers shared by the commands."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from layers.access import Actor, resolve_actor
from layers.errors import SelectionError
from layers.kinds import LAYER_KINDS
from layers.store.workspace import DEFAULT_WORKSPACE, Workspace, load_workspace

__all__ = [
    "LAYERS_HELP",
    "acting_user",
    "add_city_arg",
    "add_user_arg",
    "add_workspace_arg",
    "load_for_command",
    "parse_layers",
    "print_json",
    "workspace_path",
]

LAYERS_HELP = "图层 id 或中文名，逗号分隔，或 all（默认）"

_SHOWN_PROBLEMS = 3


def add_workspace_arg(parser) -> None:
    parser.add_argument("--workspace", "-w", type=Path, default=None,
                        help=f"工作区文件夹（默认：内置样例 {DEFAULT_WORKSPACE.name}）")


def add_city_arg(parser) -> None:
    parser.add_argument("--city", type=Path, default=None,
                        help="市级工作区文件夹（若干区县工作区 + city.toml）：各区县合为一图，同名乡镇加县名区分")


def add_user_arg(parser) -> None:
    """``--user NAME``. Given to a command and to its sub-commands (``inspections --user tp import F`` or
    ``inspections import F --user tp``): no default, so a sub-command's unset option never overwrites
    the command's."""
    parser.add_argument("--user", "-u", default=argparse.SUPPRESS, metavar="NAME",
                        help="以此用户的身份操作（默认：环境变量 RISKMAP_USER；工作区没有账户时为本机操作员）")


def acting_user(args) -> Actor:
    """Who the command acts as: ``--user``, else ``RISKMAP_USER``, else the local operator (no accounts)."""
    name = getattr(args, "user", None) or os.environ.get("RISKMAP_USER") or None
    return resolve_actor(workspace_path(args), name)


def workspace_path(args) -> Path:
    return args.workspace if args.workspace is not None else DEFAULT_WORKSPACE


def parse_layers(text: str) -> tuple[str, ...]:
    """``--layers`` of every command: ids or Chinese labels, comma-separated (，too); ``all`` or
    nothing → ``()`` meaning every layer. Order kept, duplicates dropped.

    >>> parse_layers("all")
    ()
    """
    tokens = [t.strip() for t in str(text).replace("，", ",").split(",") if t.strip()]
    if not tokens or any(t.lower() == "all" for t in tokens):
        return ()
    by_name = {k.id: k.id for k in LAYER_KINDS} | {k.label: k.id for k in LAYER_KINDS}
    bad = [t for t in tokens if t not in by_name]
    if bad:
        valid = "、".join(f"{k.id}({k.label})" for k in LAYER_KINDS)
        raise SelectionError(f"未知图层 “{'、'.join(bad)}”；可选图层：{valid}，或 all")
    return tuple(dict.fromkeys(by_name[t] for t in tokens))


def print_json(doc) -> None:
    """``--json``: one JSON document on stdout and nothing else there."""
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")


def load_for_command(args) -> Workspace:
    """Load the workspace; warn on stderr when some of it failed validation, so that no command works
    on a silently incomplete workspace (a broken layer file is read as empty)."""
    if getattr(args, "city", None) is not None:
        from layers.city import city_workspace, load_city

        ws = city_workspace(load_city(args.city))
    else:
        ws = load_workspace(workspace_path(args))
    errors = ws.errors
    if errors:
        layers = "、".join(dict.fromkeys(p.layer for p in errors))
        sys.stderr.write(f"警告：工作区有 {len(errors)} 处错误（图层：{layers}），出错的文件或记录可能未计入；"
                         "请先运行 riskmap validate 查看并修正\n")
        for p in errors[:_SHOWN_PROBLEMS]:
            sys.stderr.write(f"  {p.line()}\n")
    return ws
