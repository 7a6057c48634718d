"""``riskmap analyze``: run the risk model on a workspace and write the SPEC §6 output files."""

from __future__ import annotations

from pathlib import Path

from layers.outputs import check_output_path
from riskmap.cli.common import add_workspace_arg, load_for_command, print_json
from riskmodel.analysis import analyze_workspace, write_outputs


def add_parser(sub) -> None:
    p = sub.add_parser("analyze", help="风险分析：暴露圈、安全距离、避难覆盖、乡镇汇总")
    add_workspace_arg(p)
    p.add_argument("--out", type=Path, required=True, help="输出文件夹（写入 pairs.csv、townships.csv 等）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出 {outputs, summary}")
    p.set_defaults(func=run)


def _print_text(paths: dict, summary: dict) -> None:
    tot = summary["totals"]
    print(f"工作区：{summary['workspace']}（{summary['county']}{'，样例数据' if summary['sample'] else ''}）")
    print(
        f"暴露对 {summary['pairs']} 个（危险区 {summary['pairs_danger']} 个）；"
        f"安全距离违规 {sum(summary['violations'].values())} 处；不可用避难场所 {summary['shelters_unusable']} 处"
    )
    print(
        f"避难场所服务半径外人口 {tot.get('people_uncovered', 0):,.0f} 人，容量缺口 "
        f"{tot.get('capacity_deficit_people', 0):,.0f} 人；林区未覆盖 {tot.get('forest_uncovered_km2', 0):.2f} km²"
        f"（{tot.get('forest_uncovered_pct', 0):.1f}%）"
    )
    for name, path in paths.items():
        print(f"  {name:<11} {path}")


def run(args) -> int:
    ws = load_for_command(args)
    if args.out.exists():
        check_output_path(args.out, workspace=ws.root, want_dir=True)
    else:
        check_output_path(args.out / "pairs.csv", workspace=ws.root)
    analysis = analyze_workspace(ws)
    paths = write_outputs(analysis, args.out)
    if args.json:
        print_json({"outputs": paths, "summary": analysis.summary})
    else:
        _print_text(paths, analysis.summary)
    return 0
