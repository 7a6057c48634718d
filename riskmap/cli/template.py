"""``riskmap template``: the Excel import template of a registry (Chinese headers, drop-downs, notes)."""

from __future__ import annotations

from pathlib import Path

from layers.imports.template import import_template_xlsx
from layers.kinds import get_kind, kind_ids
from layers.store.io import atomic_write_bytes
from layers.store.workspace import load_workspace
from riskmap.cli.common import add_workspace_arg, workspace_path


def add_parser(sub) -> None:
    p = sub.add_parser("template", help="生成某类登记表的 Excel 导入模板")
    p.add_argument("layer", choices=kind_ids(), help="图层")
    p.add_argument("--out", "-o", type=Path, required=True, help="输出 .xlsx 文件")
    add_workspace_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    kind = get_kind(args.layer)
    towns = tuple(str(n) for n in load_workspace(workspace_path(args), layers=()).townships["name"])
    atomic_write_bytes(args.out, import_template_xlsx(kind, towns))
    print(f"已生成 {kind.label} 导入模板 → {args.out}")
    return 0
