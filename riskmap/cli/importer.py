"""``riskmap import LAYER FILE``: import a registry from CSV/XLSX/GeoJSON/SHP(zip)/GPKG/KML(Z).

Exit codes (SPEC §6): 0 every row accepted; 3 some rows rejected (accepted rows saved); 2 nothing
written. ``--dry-run`` prints the diff and writes nothing (its exit code says what an import would do).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from layers.baselayers import BASE_LAYERS
from layers.crs import CRS_CHOICES
from layers.errors import OutputError, SelectionError
from layers.imports.importer import (
    ImportMode,
    ImportPlan,
    apply_import,
    plan_import,
    write_rejects,
)
from layers.imports.preview import diff_rows
from layers.imports.readers import DEFAULT_MAX_BYTES
from layers.kinds import get_kind, kind_ids
from layers.outputs import check_output_path
from layers.store.workspace import load_workspace
from riskmap.cli.common import acting_user, add_workspace_arg, print_json, workspace_path

MAX_MB = 2048.0  # --max-mb upper bound
PREVIEW_ROWS = 20  # new/changed/removed rows printed with their values
MAX_LINES = 50  # rejected rows printed on stderr; the rest are in the rejects file


def add_parser(sub) -> None:
    p = sub.add_parser("import", help="从 Excel/CSV/GeoJSON/Shapefile/GeoPackage/KML 导入登记表")
    layers = (*kind_ids(), *BASE_LAYERS)
    p.add_argument("layer", choices=layers, metavar="LAYER", help=f"图层：{'、'.join(layers)}")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument(
        "--crs",
        default=None,
        help=f"源坐标系（默认取文件声明，否则 WGS 84）：{'、'.join(CRS_CHOICES)} 或 EPSG:n",
    )
    p.add_argument(
        "--encoding", default="auto", choices=("auto", "utf-8", "gb18030"), help="CSV 编码（默认自动识别）"
    )
    p.add_argument("--sheet", default=None, help="Excel 工作表名（GeoPackage/压缩包中的图层名）")
    p.add_argument(
        "--mode", default="upsert", choices=[m.value for m in ImportMode], help="导入方式（默认 upsert）"
    )
    p.add_argument("--dry-run", action="store_true", help="只预览差异，不写任何文件")
    p.add_argument("--rejects", type=Path, default=None, help="拒绝行的输出文件（默认与输入文件同目录）")
    p.add_argument(
        "--max-mb", type=float, default=DEFAULT_MAX_BYTES / 1048576, help="文件大小上限（MB，默认 50）"
    )
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    add_workspace_arg(p)
    p.set_defaults(func=run)


def _print_plan(plan: ImportPlan, out) -> None:
    d = plan.diff
    print(
        f"{plan.name} → {get_kind(plan.layer_id).label}（{plan.layer_id}），{plan.mode.label}，坐标系 {plan.crs.label}",
        file=out,
    )
    print(
        f"共 {plan.total} 行：接受 {plan.accepted}（新增 {len(d.added)}，更新 {len(d.changed)}，"
        f"未变 {d.unchanged}），拒绝 {len(plan.rejected)}，删除 {len(d.removed)}",
        file=out,
    )
    rows = diff_rows(plan, limit=PREVIEW_ROWS)
    for r in rows:
        tag, fid, *rest = r.values()
        keys = list(r)[2:]
        values = "，".join(f"{k}={v}" for k, v in zip(keys[:-1], rest[:-1], strict=True) if v)
        print(f"  {tag} {fid or '（无编号）'}：{values}" + (f"｜{keys[-1]}：{rest[-1]}" if rest[-1] else ""), file=out)
    more = len(d.added) + len(d.changed) + len(d.removed) - len(rows)
    if more > 0:
        print(f"  …另有 {more} 行变更未列出", file=out)
    for line in plan.notes + [f"提示：{h}" for h in plan.hints] + [f"警告：{w}" for w in plan.warnings[:20]]:
        print(f"  {line}", file=out)


def _print_rejects(plan: ImportPlan) -> None:
    lines = plan.reject_lines()
    for line in lines[:MAX_LINES]:
        print(f"[拒绝] {line}", file=sys.stderr)
    if len(lines) > MAX_LINES:
        print(f"[拒绝] …另有 {len(lines) - MAX_LINES} 行，详见拒绝文件", file=sys.stderr)


def _rejects_path(plan: ImportPlan, args) -> Path | None:
    if not plan.rejected or args.dry_run:  # --dry-run writes nothing at all (issue 12)
        return None
    if args.rejects is not None:
        return write_rejects(plan, args.rejects)
    try:
        return write_rejects(plan)
    except OutputError:  # the input's folder may be read-only: fall back to the working directory
        return write_rejects(plan, default_dir=Path.cwd())


def _check_arguments(args, root: Path) -> None:
    """Bad numbers, a folder as input and a refused --rejects: one line, before reading anything."""
    if not (math.isfinite(args.max_mb) and 0 < args.max_mb <= MAX_MB):
        raise SelectionError(f"--max-mb {args.max_mb!r} 无效；应为 0 到 {MAX_MB:g} 之间的数字（MB）")
    if args.file.is_dir():
        raise SelectionError(f"{args.file}: 是文件夹；请给出要导入的文件")
    if args.rejects is not None:
        check_output_path(args.rejects, workspace=root, inputs=(args.file,))


def run(args) -> int:
    if args.layer in BASE_LAYERS:
        from riskmap.cli.import_base import run_base

        return run_base(args)

    _check_arguments(args, workspace_path(args))
    ws = load_workspace(workspace_path(args), layers=())
    actor = acting_user(args)
    plan = plan_import(
        ws,
        args.layer,
        args.file,
        crs=args.crs,
        encoding=args.encoding,
        sheet=args.sheet,
        mode=args.mode,
        max_bytes=int(args.max_mb * 1048576),
        actor=actor,
    )
    out = sys.stderr if args.json else sys.stdout
    _print_plan(plan, out)
    _print_rejects(plan)
    rejects = _rejects_path(plan, args)
    version = None
    if plan.accepted == 0:
        print(
            f"riskmap import: {plan.name}: 全部 {plan.total} 行均被拒绝，图层 {plan.layer_id} 未修改",
            file=sys.stderr,
        )
    elif not args.dry_run:
        version = apply_import(plan)
        print(f"已保存为版本 {version.version}（共 {version.count} 条）", file=out)
    if rejects:
        print(f"拒绝的行已写入：{rejects}", file=out)
    if args.json:
        print_json(plan.summary(version, rejects))
    return 2 if plan.accepted == 0 else (3 if plan.rejected else 0)
