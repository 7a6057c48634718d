"""``riskmap plan``: the year's work-plan targets computed from the registries.

- ``riskmap plan [--township T] [--json] [--out DIR] [--as-of DATE]`` — every target: value / target /
  % / status, the township holding it back; ``--out`` writes plan.json and three CSVs.
- ``riskmap plan set TARGET VALUE --note TEXT [--user NAME]`` — progress of a manual target (logged; 管理员 or
  县级编辑 only).
- ``riskmap plan check`` — validate plan.toml against the registry kinds.
- ``riskmap plan log`` — the manual-progress entries.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from riskmap.cli.common import acting_user, add_workspace_arg, load_for_command, print_json, workspace_path
from riskmodel.plan import PlanError
from riskmodel.planfile import (
    compute_workspace_plan,
    load_plan,
    read_progress,
    set_progress,
    write_plan_outputs,
)

_USAGE = "riskmap plan [set TARGET VALUE --note 文字 | check | log]"


def add_parser(sub) -> None:
    p = sub.add_parser("plan", help="年度任务：按登记数据计算工作方案目标进度；set 填报手工进度",
                       usage=_USAGE + " [--township 乡镇] [--json] [--out DIR]")
    p.add_argument("action", nargs="*", metavar="ACTION",
                   help="不写：计算进度；set TARGET VALUE：填报手工进度；check：校验 plan.toml；log：填报记录")
    p.add_argument("--township", "-t", default=None, help="只看一个乡镇（名称或 12 位代码）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（结构见 README “年度任务”）")
    p.add_argument("--out", type=Path, default=None, help="输出文件夹：plan.json、plan_targets.csv 等")
    p.add_argument("--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                   help="按哪一天计算“已过时间比例”（默认今天，北京时间）")
    p.add_argument("--note", default=None, help="set：进度依据（必填）")
    add_workspace_arg(p)
    p.set_defaults(func=run)


def _fmt(v, unit: str = "") -> str:
    if v is None or v != v:
        return "—"
    return f"{v:,.1f}{unit}" if abs(v - round(v)) > 1e-9 else f"{v:,.0f}{unit}"


def run(args) -> int:
    action = args.action[:1] or ["show"]
    if action[0] == "set":
        return _set(args)
    if action[0] == "check":
        plan = load_plan(workspace_path(args))
        print(f"{plan.source}: {len(plan.targets)} 个目标，格式与图层、字段、取值均有效")
        return 0
    if action[0] == "log":
        return _log(args)
    if action[0] != "show" or len(args.action) > 1:
        raise PlanError(f"未知操作 “{' '.join(args.action)}”；用法：{_USAGE}")
    ws = load_for_command(args)
    result = compute_workspace_plan(ws, as_of=args.as_of, township=args.township)
    for w in result.warnings:
        sys.stderr.write(f"警告：{w}\n")
    paths = write_plan_outputs(result, args.out) if args.out else {}
    if args.json:
        doc = result.to_json()
        doc["township"] = args.township
        doc["sample"] = ws.is_sample
        doc["outputs"] = paths
        print_json(doc)
        return 0
    _print_table(result, args.township, ws.is_sample)
    for name, path in paths.items():
        print(f"  {name:<15} {path}")
    return 0


def _print_table(result, township, sample: bool) -> None:
    p, head = result.plan, result.headline()
    where = f"（{township}）" if township else ""
    print(f"{p.year} 年度任务{where}：{p.document}　截至 {result.as_of}{'　样例数据' if sample else ''}")
    print(f"已完成 {head['done']}/{head['total']} 项，滞后 {head['behind']} 项")
    for r in result.targets.to_dict("records"):
        pct = "—" if r["percent"] is None or r["percent"] != r["percent"] else f"{r['percent']:.0f}%"
        extra = f"　数据缺失 {r['missing']} 处" if r["missing"] else ""
        back = f"　主要差距：{r['holding_back']}" if r["holding_back"] else ""
        counted = "手工填报" if r["measure"] == "manual" else f"计入 {r['counted']} 处"
        print(f"  {r['status']:<4} {r['id']:<22} {r['name']}：{_fmt(r['value'])} / {_fmt(r['target'])} "
              f"{r['unit']}（{pct}）　{counted}{extra}{back}")


def _set(args) -> int:
    if len(args.action) != 3:
        raise PlanError(f"set 需要目标编号和数值；用法：riskmap plan set TARGET VALUE --note 文字（收到：{' '.join(args.action)}）")
    _, target, raw = args.action
    try:
        value = float(raw)
    except ValueError:
        raise PlanError(f"目标 {target}: value: “{raw}”不是数字") from None
    root = workspace_path(args)
    entry = set_progress(root, load_plan(root), target, value, args.note or "", actor=acting_user(args))
    if args.json:
        print_json(entry)
    else:
        print(f"已记录：目标 {entry['target']} = {_fmt(entry['value'])} {entry['unit']}"
              f"（原值 {_fmt(entry['previous'])}；第 {entry['version']} 条记录，填报人 {entry['actor']}）")
    return 0


def _log(args) -> int:
    entries = read_progress(workspace_path(args))
    if args.json:
        print_json({"entries": entries})
        return 0
    if not entries:
        print("还没有手工填报的进度")
    for e in entries:
        print(f"  v{e['version']:<4} {e['time']}  {e['target']} = {_fmt(e['value'])} {e.get('unit', '')}"
              f"（原值 {_fmt(e['previous'])}）  {e['actor']}  {e['note']}")
    return 0
