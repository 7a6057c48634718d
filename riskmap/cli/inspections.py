"""``riskmap inspections``: bring field inspections and task reports back; list what is due.

Examples::

    riskmap inspections import 太平镇_巡查包.xlsx --user 张三
    riskmap inspections import submissions.csv --media media.zip
    riskmap inspections status [--township 太平镇] [--date 2026-05-03] [--json]

The acting user (``--user``, ``RISKMAP_USER``, or the local operator) is recorded as the importer; a
乡镇编辑's rows for other townships are rejected (非本乡镇数据); 查看 and 领导 are refused.

Exit codes: 0 all accepted; 3 some rows rejected (the accepted ones are saved); 2 nothing written.
"""

from __future__ import annotations

import sys
from pathlib import Path

from riskmap.cli.common import acting_user, add_user_arg, add_workspace_arg, load_for_command, print_json

__all__ = ["add_parser", "run_import", "run_status"]


def add_parser(sub) -> None:
    p = sub.add_parser("inspections", help="巡查记录与任务反馈：导入（巡查包 XLSX、ODK/Kobo CSV）、巡查状态")
    verbs = p.add_subparsers(dest="verb", required=True)
    imp = verbs.add_parser("import", help="导入填好的巡查包 XLSX 或 ODK Central / KoboToolbox 提交数据 CSV/ZIP")
    imp.add_argument("file", type=Path)
    imp.add_argument("--media", type=Path, default=None, help="照片：媒体 ZIP 或文件夹（ODK/Kobo）")
    imp.add_argument("--json", action="store_true")
    add_workspace_arg(imp)
    add_user_arg(imp)
    imp.set_defaults(func=run_import)
    st = verbs.add_parser("status", help="各乡镇应巡查、已巡查、逾期、巡查覆盖率、未整改隐患")
    st.add_argument("--township", default="", help="只看这个乡镇")
    st.add_argument("--date", default=None, help="按此日期计算（默认今天，Asia/Shanghai）")
    st.add_argument("--overdue", action="store_true", help="列出逾期未巡查的点位")
    st.add_argument("--json", action="store_true")
    add_workspace_arg(st)
    add_user_arg(st)
    st.set_defaults(func=run_status)
    p.set_defaults(func=run_import)


def run_import(args) -> int:
    from layers.records.importer import import_inspections

    actor = acting_user(args)
    ws = load_for_command(args)
    if not args.file.exists():
        from layers.errors import LayerFileError

        raise LayerFileError(f"{args.file}: 文件不存在")
    report = import_inspections(ws, args.file, actor=actor, media=args.media)
    if args.json:
        print_json(report.to_dict())
    else:
        print(report.summary())
        for r in report.rejects:
            print(f"  拒收 {r.line()}")
        for r in report.photo_rejects:
            print(f"  照片 {r.line()}")
        for w in report.warnings:
            print(f"  警告 {w.line()}")
    if report.rejects:
        sys.stderr.write(f"riskmap inspections: {len(report.rejects)} 行被拒收（原因见上）\n")
        return 3
    return 0


def run_status(args) -> int:
    from layers.records import INSPECTIONS, read_records
    from riskmodel.inspection import as_of_date, inspection_status, township_inspection_table

    ws = load_for_command(args)
    day = as_of_date(args.date)
    status = inspection_status(ws, read_records(ws.root, INSPECTIONS), day)
    table = township_inspection_table(status, ws.townships)
    if args.township:
        table = table[table["township"] == args.township]
        status = status[status["township"] == args.township]
    overdue = status[status["overdue"]]
    if args.json:
        print_json({"date": day.isoformat(), "townships": table.to_dict("records"),
                    "overdue": overdue[["layer", "id", "name", "township", "last_checked", "next_due"]]
                    .to_dict("records") if args.overdue else None})
        return 0
    print(table.to_string(index=False))
    if args.overdue:
        print(overdue[["layer", "id", "name", "township", "last_checked", "next_due"]].to_string(index=False))
    return 0
