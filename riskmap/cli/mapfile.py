"""``riskmap map --out FILE.html``: the planners' map as one self-contained HTML file (works offline)."""

from __future__ import annotations

import sys
from pathlib import Path

from layers.kinds import kind_ids
from layers.selection import Selection, parse_where, resolve_townships, select_sites
from layers.store.io import atomic_write_bytes
from riskmap.cli.common import (
    LAYERS_HELP,
    add_city_arg,
    add_workspace_arg,
    load_for_command,
    parse_layers,
    print_json,
)
from riskmap.mapview import MapView, build_map, render_html


def add_parser(sub) -> None:
    p = sub.add_parser("map", help="生成可离线打开的单文件 HTML 地图")
    add_workspace_arg(p)
    add_city_arg(p)
    p.add_argument("--out", "-o", type=Path, required=True, help="输出 HTML 文件")
    p.add_argument("--township", nargs="*", default=[], help="乡镇名称或代码（可多个；默认全部）")
    p.add_argument("--layers", default="all", help=LAYERS_HELP)
    p.add_argument("--where", nargs="*", default=[], help="属性筛选 字段=值1,值2")
    p.add_argument("--search", default="", help="按名称、编号、村、地址搜索")
    p.add_argument("--no-hillshade", action="store_true", help="不绘制山体阴影")
    p.add_argument("--no-analysis", action="store_true", help="不计算乡镇风险指数（无着色）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    p.set_defaults(func=run)


def _risk_values(ws) -> dict | None:
    from riskmodel.analysis import analyze_workspace

    towns = analyze_workspace(ws).townships
    return dict(zip(towns["name"], towns["risk_index"], strict=True))


def run(args) -> int:
    ws = load_for_command(args)
    layers = parse_layers(args.layers)
    sel = Selection(townships=resolve_townships(args.township, ws.townships) if args.township else (),
                    layers=layers, filters=parse_where(args.where, layers or kind_ids()), text=args.search)
    values = None if args.no_analysis else _risk_values(ws)
    view = MapView(selection=sel, show_hillshade=not args.no_hillshade)
    html = render_html(build_map(ws, view, township_values=values, asset_base=None))
    atomic_write_bytes(args.out, html.encode("utf-8"))
    counts = {lid: len(f) for lid, f in select_sites(ws.layers, sel).items()}
    if args.json:
        print_json({"out": str(args.out), "bytes": len(html.encode("utf-8")), "counts": counts,
                    "selection": sel.describe()})
    else:
        print(f"已写出 {args.out}（{len(html.encode('utf-8')) / 1e6:.2f} MB，{sel.describe()}）", file=sys.stdout)
    return 0
