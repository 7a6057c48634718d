"""``riskmap import townships|villages FILE``: replace a base layer (all rows or nothing)."""

from __future__ import annotations

from layers.baselayers import BASE_LAYERS, import_base_layer
from riskmap.cli.common import print_json, workspace_path


def run_base(args) -> int:
    layer = BASE_LAYERS[args.layer]
    res = import_base_layer(workspace_path(args), args.layer, args.file, crs=args.crs, encoding=args.encoding,
                            dry_run=args.dry_run)
    if args.json:
        print_json({"layer": res.layer, "path": str(res.path), "count": res.count, "crs": res.crs,
                    "derived_townships": res.derived_townships, "warnings": res.warnings,
                    "dry_run": bool(args.dry_run)})
        return 0
    verb = "可导入（预览，未写入）" if args.dry_run else f"已导入并保存到 {res.path}"
    print(f"{args.file.name} → {layer.label}（{layer.id}），坐标系 {res.crs}：{res.count} 条{verb}")
    if res.derived_townships:
        print(f"  {res.derived_townships} 个村（社区）未填所属乡镇，已按位置补上")
    for w in res.warnings:
        print(f"  警告：{w}")
    return 0
