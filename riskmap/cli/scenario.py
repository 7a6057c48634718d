"""``riskmap scenario``: flood depths at every site, affected per township, actions, a one-page briefing.

Every input is checked before anything is written; outputs are built in a temporary folder next
to ``--out`` and moved in only when all of them exist, so an error leaves ``--out`` untouched.
"""

from __future__ import annotations

import math
import shutil
import sys
import tempfile
from pathlib import Path

from layers.store.io import unwritable
from riskmap.cli.common import acting_user, add_workspace_arg, load_for_command, print_json

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("scenario", help="汛期情景：站点水深、乡镇受影响情况、处置措施、简报")
    add_workspace_arg(p)
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--water-level", type=float, metavar="M", help="龙溪河水位上涨 M 米（由高程模型计算淹没水深）"
    )
    src.add_argument("--flood-raster", type=Path, metavar="PATH", help="水深栅格 GeoTIFF（米，任意坐标系）")
    p.add_argument(
        "--warning",
        action="append",
        default=[],
        metavar="乡镇=颜色",
        help="乡镇预警颜色（红/橙/黄/蓝），可重复；乡镇可写名称、代码或 all",
    )
    p.add_argument("--out", type=Path, required=True, help="输出文件夹")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    p.add_argument("--issue", default=None, metavar="事件名称",
                   help="发布为事件：各项措施成为带固定编号的任务，可经巡查包、表单、手机页面反馈"
                        "（发布人为 --user；只限管理员、县级编辑）")
    p.set_defaults(func=run)


def run(args) -> int:
    from riskmodel.scenario import run_scenario  # heavy imports only for this command
    from riskmodel.warning import parse_warnings

    ws = load_for_command(args)
    issuer = _issuer(args)  # who issues: refused before anything is computed or written
    _check_arguments(ws, args)  # rules, water level and --out, before anything is computed or written
    warnings = parse_warnings(args.warning, ws.townships)
    depth_tiff, label = _depth_source(ws, args)
    try:
        staging = Path(tempfile.mkdtemp(prefix=".scenario-", dir=_parent(args.out)))
    except OSError as exc:
        raise unwritable(args.out, exc) from None
    try:
        with _opened(depth_tiff) as ds:
            result = run_scenario(ws, ds, warnings, source=label)
            tasks = _issue(ws, args, result, warnings, issuer)
            outputs = _write(ws, result, ds, depth_tiff, staging, tasks)
        outputs = _move_into(staging, args.out, outputs)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _report(args, outputs, result.summary)
    return 0


MAX_WATER_LEVEL_M = 50.0  # a rise of the river above its normal level, 0 < M ≤ 50 (README)


def _check_arguments(ws, args) -> None:
    from layers.errors import SelectionError
    from layers.outputs import check_output_path
    from riskmodel.rules import load_rules

    load_rules(ws.config)
    level = args.water_level
    if level is not None and not (math.isfinite(level) and 0 < level <= MAX_WATER_LEVEL_M):
        raise SelectionError(f"--water-level {level!r} 无效；应为 0 到 {MAX_WATER_LEVEL_M:g} 米之间的有限数字（水位上涨米数）")
    if args.flood_raster is not None and not args.flood_raster.is_file():
        raise SelectionError(f"--flood-raster {args.flood_raster}: 不是已有的文件")
    if args.out.exists():
        check_output_path(args.out, workspace=ws.root, want_dir=True)
    else:
        check_output_path(args.out / "site_depths.csv", workspace=ws.root)


def _parent(out: Path) -> Path:
    parent = out.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise unwritable(out, exc) from None
    return parent


def _depth_source(ws, args) -> tuple[bytes | None, str]:
    """The depth GeoTIFF bytes (checked) and a description; ``(None, …)`` without a flood."""
    from riskmodel.flood import check_depth_raster, open_depth_raster
    from riskmodel.waterlevel import water_level_label, water_level_tiff_bytes

    if args.flood_raster is not None:
        with open_depth_raster(args.flood_raster) as ds:
            check_depth_raster(ds, ws.county, name=str(args.flood_raster))
        return args.flood_raster.read_bytes(), f"水深栅格 {args.flood_raster.name}"
    if args.water_level is not None:
        # Written to --out with the other outputs, never into the workspace (issue 12).
        data = water_level_tiff_bytes(ws.dem_path, ws.river, args.water_level)
        return data, water_level_label(ws.river, args.water_level)
    return None, "无洪水（仅预警）"


class _opened:
    """Open depth GeoTIFF bytes in memory (None → None)."""

    def __init__(self, data: bytes | None):
        self._data, self._mem, self._ds = data, None, None

    def __enter__(self):
        if self._data is None:
            return None
        from rasterio.io import MemoryFile

        self._mem = MemoryFile(self._data)
        self._ds = self._mem.open()
        return self._ds

    def __exit__(self, *exc):
        if self._ds is not None:
            self._ds.close()
            self._mem.close()


def _issuer(args):
    if not args.issue:
        return None
    from layers.access.guard import check_county_edit

    return check_county_edit(acting_user(args), "发布预警任务")


def _issue(ws, args, result, warnings, issuer):
    """``--issue NAME``: save the actions as a named event; the briefing then shows task progress."""
    if not args.issue:
        return None
    from layers.records.tasks import issue_event, task_summary

    event = issue_event(ws.root, result.actions, name=args.issue, warnings={k: v.value for k, v in warnings.items()},
                        actor=issuer)
    print(f"已发布事件 {event['name']}（{event['event_id']}）：任务 {len(event['tasks'])} 项",
          file=sys.stderr if args.json else sys.stdout)
    return task_summary(ws.root, event["event_id"])


def _write(ws, result, ds, depth_tiff, staging: Path, tasks=None) -> dict[str, str]:
    from riskmap.render.briefing import render_briefing
    from riskmap.render.overlay import depth_overlay
    from riskmodel.scenario import write_outputs

    overlay = depth_overlay(ds, config=ws.config) if ds is not None else None
    briefing = render_briefing(ws, result, overlay, tasks=tasks)
    return write_outputs(result, staging, briefing=briefing, depth_tiff=depth_tiff)


def _move_into(staging: Path, out: Path, outputs: dict[str, str]) -> dict[str, str]:
    moved = {}
    try:
        out.mkdir(parents=True, exist_ok=True)
        for key, path in outputs.items():
            target = out / Path(path).name
            Path(path).replace(target)
            moved[key] = str(target)
    except OSError as exc:
        raise unwritable(out, exc) from None
    return moved


def _report(args, outputs: dict[str, str], summary: dict) -> None:
    if args.json:
        print_json({"outputs": outputs, "summary": summary})
        return
    print(f"情景：{summary['source']}")
    print(
        f"受影响人口 {summary['people_exposed']:,} 人；淹没面积 {summary['flooded_area_m2'] / 1e6:.2f} km²；"
        f"避难场所不可用 {summary['shelters_unusable']} 处；渡口停渡 {summary['ferries_to_stop']} 处；"
        f"转移 {summary['evacuate_people']:,} 人（容量不足 {summary['overflow_people']:,} 人）；措施 {summary['actions']} 条"
    )
    for key, path in outputs.items():
        print(f"  {key:<14} {path}")
