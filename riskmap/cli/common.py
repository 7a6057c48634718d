"""Arguments and output helpers shared by the commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from layers.workspace import DEFAULT_WORKSPACE

__all__ = ["add_workspace_arg", "print_json", "workspace_path"]


def add_workspace_arg(parser) -> None:
    parser.add_argument("--workspace", "-w", type=Path, default=None,
                        help=f"工作区文件夹（默认：内置样例 {DEFAULT_WORKSPACE.name}）")


def workspace_path(args) -> Path:
    return args.workspace if args.workspace is not None else DEFAULT_WORKSPACE


def print_json(doc) -> None:
    """``--json``: one JSON document on stdout and nothing else there."""
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
