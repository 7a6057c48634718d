"""``riskmap history LAYER`` lists a registry's versions; ``riskmap rollback LAYER VERSION`` restores one.

A rollback restores the version byte for byte and is itself recorded as a new version.
"""

from __future__ import annotations

import re
import sys

from layers.clock import shown
from layers.errors import LayerFileError
from layers.kinds import get_kind, kind_ids
from layers.store.workspace import history_leftovers, layer_history, layer_path, rollback_layer
from riskmap.cli.common import acting_user, add_workspace_arg, print_json, workspace_path


def add_parser(sub) -> None:
    h = sub.add_parser("history", help="列出图层的历史版本")
    h.add_argument("layer", choices=kind_ids(), metavar="LAYER", help=f"图层：{'、'.join(kind_ids())}")
    h.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    add_workspace_arg(h)
    h.set_defaults(func=run_history)
    r = sub.add_parser("rollback", help="把图层恢复到某个历史版本（恢复本身记为新版本）")
    r.add_argument("layer", choices=kind_ids(), metavar="LAYER", help=f"图层：{'、'.join(kind_ids())}")
    r.add_argument("version", metavar="VERSION", help="版本号，如 3 或 v0003")
    r.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    add_workspace_arg(r)
    r.set_defaults(func=run_rollback)


def run(args) -> int:
    return run_history(args) if args.command == "history" else run_rollback(args)


def run_history(args) -> int:
    root = workspace_path(args)
    versions = layer_history(root, args.layer, verified=True)
    for line in history_leftovers(root, args.layer):  # listed only: versions whose file matches its sha256
        print(f"警告：{line}", file=sys.stderr)
    if args.json:
        print_json({"layer": args.layer, "versions": [v.__dict__ for v in versions]})
        return 0
    if not versions:
        exists = (
            "（当前文件尚未经本工具保存过）"
            if layer_path(root, args.layer).exists()
            else "（图层文件不存在）"
        )
        print(f"{get_kind(args.layer).label}（{args.layer}）还没有历史版本{exists}")
        return 0
    print(f"{get_kind(args.layer).label}（{args.layer}）共 {len(versions)} 个版本：")
    for v in versions:
        who = f"  {v.user}" if v.user else ""
        print(f"  v{v.version:<4} {shown(v.time)}{who}  {v.count:>7} 条  {v.source}  {v.note}  sha256:{v.sha256[:12]}")
    return 0


def _parse_version(text: str) -> int:
    m = re.fullmatch(r"[vV]?0*(\d+)", text.strip())
    if not m:
        raise LayerFileError(f"版本号“{text}”无效；应为数字，如 3 或 v0003（用 riskmap history 查看）")
    return int(m.group(1))


def run_rollback(args) -> int:
    root = workspace_path(args)
    version = rollback_layer(root, args.layer, _parse_version(args.version), actor=acting_user(args))
    if args.json:
        print_json(
            {
                "layer": args.layer,
                "restored": _parse_version(args.version),
                "version": version.version,
                "count": version.count,
                "sha256": version.sha256,
            }
        )
    else:
        print(
            f"已把 {args.layer} 恢复到版本 {_parse_version(args.version)}，记为新版本 {version.version}"
            f"（共 {version.count} 条）",
            file=sys.stdout,
        )
    return 0
