"""``riskmap analyze``: run the risk model on a workspace (or a city) and write the SPEC §6 output files."""

from __future__ import annotations

import contextlib
from pathlib import Path

from riskmap.cli.common import add_workspace_arg, load_for_command, print_json
from riskmodel.analysis import analyze_workspace, write_outputs


def add_parser(sub) -> None:
    p = sub.add_parser("analyze", help="风险分析：暴露圈、安全距离、避难覆盖、乡镇汇总")
    add_workspace_arg(p)
    p.add_argument("--city", type=Path, default=None,
                   help="市级工作区文件夹（若干区县工作区 + city.toml）：逐县分析，另写全市 counties.csv、townships.csv")
    p.add_argument("--out", type=Path, required=True, help="输出文件夹（写入 pairs.csv、townships.csv 等）")
    p.add_argument("--engine", choices=("single", "dask"), default="single",
                   help="暴露对计算引擎：single 单进程（默认），dask 按空间分区在 Dask 集群上计算（结果相同）")
    p.add_argument("--scheduler", default=None,
                   help="Dask 调度器地址（如 tcp://10.0.0.5:8786）；不填则在本机启动 LocalCluster")
    p.add_argument("--parquet-dir", type=Path, default=None,
                   help="--engine dask 的分区 GeoParquet 文件夹（默认 OUT/parquet；集群上须为各 worker 可读的共享目录）")
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


@contextlib.contextmanager
def _finder(args):
    if args.engine != "dask":
        yield None
        return
    from riskmodel.distributed import DaskPairFinder, connect

    client = connect(args.scheduler)
    try:
        yield DaskPairFinder(client, args.parquet_dir or args.out / "parquet")
    finally:
        cluster = client.cluster if not args.scheduler else None
        client.close()
        if cluster is not None:
            cluster.close()


def _run_city(args, finder) -> int:
    from layers.city import load_city
    from riskmodel.city import analyze_city, write_city_outputs

    ca = analyze_city(load_city(args.city), finder=finder)
    paths = write_city_outputs(ca, args.out)
    if args.json:
        print_json({"outputs": paths, "counties": ca.counties.to_dict("records")})
        return 0
    print(f"市级工作区：{args.city}（{ca.city.name}），{len(ca.counties)} 个区县，{len(ca.townships)} 个乡镇（街道）")
    for r in ca.counties.itertuples():
        print(f"  {r.county}（{r.county_adcode}，{r.metric_crs}）：乡镇 {r.townships} 个，暴露对 {r.pairs} 个，"
              f"违规 {r.violations_total} 处")
    for name in ("counties", "townships", "city_summary"):
        print(f"  {name:<12} {paths[name]}")
    return 0


def run(args) -> int:
    with _finder(args) as finder:
        if args.city is not None:
            return _run_city(args, finder)
        ws = load_for_command(args)
        if finder is not None:
            finder.crs = ws.metric_crs
        analysis = analyze_workspace(ws, finder=finder)
    paths = write_outputs(analysis, args.out)
    if args.json:
        print_json({"outputs": paths, "summary": analysis.summary})
    else:
        _print_text(paths, analysis.summary)
    return 0
