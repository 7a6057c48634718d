"""``riskmap export``: exactly the selected sites of a township (or of every township) as files.

Examples::

    riskmap export --township 太平镇 --format xlsx --out 太平镇.xlsx
    riskmap export --township all --layers geohazard,ferry --where 险情等级=大型,中型 --format zip --out 导出/

``--township all`` writes one file per township into the folder ``--out``, shows a progress bar on
stderr and prints a summary table. An empty selection still writes the file (headers only) and
warns on stderr; the exit code stays 0. Bad arguments: one line on stderr, exit code 2.
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

from tqdm import tqdm

from layers.errors import SelectionError
from layers.exports import FORMATS, ExportResult, export_per_township, export_stem, write_export
from layers.kinds import LAYER_KINDS, get_kind
from layers.selection import Selection, parse_where, resolve_townships
from riskmap.cli.common import (
    LAYERS_HELP,
    add_city_arg,
    add_workspace_arg,
    load_for_command,
    parse_layers,
    print_json,
)

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="按乡镇导出所选点位（CSV/XLSX/GeoJSON/GPKG/KML/GPX/PDF/ZIP）")
    p.add_argument(
        "--township",
        "-t",
        required=True,
        help="乡镇名称或代码，多个用逗号分隔（合为一个文件）；all = 每个乡镇各写一个文件",
    )
    p.add_argument("--layers", "-l", default="all", help=LAYERS_HELP)
    p.add_argument(
        "--where",
        action="extend",
        nargs="+",
        default=[],
        metavar="字段=值",
        help="属性筛选，可写多个（都要满足）；字段用 id 或中文名，多个值用逗号分隔，如 险情等级=大型,中型",
    )
    p.add_argument("--search", default="", help="按名称/编号/村/地址搜索的文字")
    p.add_argument("--overdue", action="store_true", help="只导出逾期未巡查的点位（按巡查规则）")
    p.add_argument("--date", default=None, help="--overdue 的计算日期（默认今天）")
    p.add_argument("--format", "-f", required=True, choices=(*FORMATS, "xlsform"),
                   help="导出格式；xlsform = ODK/KoboToolbox 巡查表单（附点位实体列表 CSV）")
    p.add_argument(
        "--out",
        "-o",
        required=True,
        help="输出文件；以 / 结尾或已存在的文件夹则写入其中；--township all 时为输出文件夹",
    )
    p.add_argument("--json", action="store_true", help="以 JSON 输出写出的文件与数量")
    add_workspace_arg(p)
    add_city_arg(p)
    p.set_defaults(func=run)


def _selection(args, ws) -> tuple[Selection, bool]:
    layers = parse_layers(args.layers)
    filters = parse_where(args.where, layers or tuple(k.id for k in LAYER_KINDS))
    tokens = [t for t in args.township.replace("，", ",").split(",") if t.strip()]
    if not tokens:
        raise SelectionError("--township 不能为空；填乡镇名称、代码或 all")
    per_township = any(t.strip().lower() == "all" for t in tokens)
    townships = () if per_township else resolve_townships(tokens, ws.townships)
    return Selection(townships=townships, layers=layers, filters=filters, text=args.search), per_township


def run(args) -> int:
    ws = load_for_command(args)
    selection, per_township = _selection(args, ws)
    if args.overdue:
        ws, selection = _overdue(ws, selection, args.date)
    out = Path(args.out)
    if args.format == "xlsform":
        return _xlsform(args, ws, selection, per_township, out)
    if per_township:
        if out.exists() and not out.is_dir():
            raise SelectionError(f"{out}: --township all 需要一个输出文件夹，而这是一个已有文件")
        results = export_per_township(ws, selection, args.format, out, progress=_progress)
    else:
        if out.is_dir() or str(args.out).endswith(("/", "\\")):
            out = out / f"{export_stem(selection, ws.name)}.{args.format}"
        results = [write_export(ws, selection, args.format, out)]
    _report(args, selection, results)
    return 0


def _overdue(ws, selection: Selection, day_text: str | None):
    from layers.records import INSPECTIONS, read_records
    from layers.records.noted import NotedSelection
    from riskmodel.inspection import as_of_date, overdue_workspace

    day = as_of_date(day_text)
    noted = NotedSelection(**selection.__dict__, note=f"逾期未巡查（截至 {day:%Y-%m-%d}）")
    return overdue_workspace(ws, read_records(ws.root, INSPECTIONS), day), noted


def _xlsform(args, ws, selection: Selection, per_township: bool, out: Path) -> int:
    from layers.records.xlsform import write_xlsform

    if per_township:
        raise SelectionError("xlsform 每次导出一个乡镇的表单；--township 请写乡镇名称")
    if out.is_dir() or str(args.out).endswith(("/", "\\")):
        out = out / f"{export_stem(selection, ws.name)}_巡查表单.xlsx"
    paths, counts = write_xlsform(ws, selection, out)
    print(f"已导出巡查表单（{sum(counts.values())} 处点位）→ {paths[0]}；点位实体列表 → {paths[1]}")
    return 0


def _progress(items):
    return tqdm(items, desc="导出", unit="个乡镇", file=sys.stderr, leave=False)


def _report(args, selection: Selection, results: list[ExportResult]) -> None:
    total = sum(r.total for r in results)
    if total == 0:
        sys.stderr.write(
            f"riskmap export: 警告：没有符合条件的点位（{selection.describe()}）；已写出只含表头的文件\n"
        )
    if args.json:
        print_json(
            {
                "outputs": [
                    {"township": r.township, "path": str(r.path), "counts": r.counts, "total": r.total}
                    for r in results
                ],
                "total": total,
                "selection": selection.describe(),
            }
        )
        return
    if len(results) > 1:
        print(summary_table(results))
    for r in results if len(results) == 1 else ():
        print(f"已导出 {r.total} 处点位 → {r.path}")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def summary_table(results: list[ExportResult]) -> str:
    """Per township: sites per layer, total, file — plus a 合计 row."""
    layer_ids = list(results[0].counts) if results else []
    head = ["乡镇", *(get_kind(lid).label for lid in layer_ids), "合计", "文件"]
    rows = [
        [r.township, *(str(r.counts[lid]) for lid in layer_ids), str(r.total), r.path.name] for r in results
    ]
    rows.append(
        [
            "合计",
            *(str(sum(r.counts[lid] for r in results)) for lid in layer_ids),
            str(sum(r.total for r in results)),
            f"{len(results)} 个文件",
        ]
    )
    widths = [max(_width(row[i]) for row in [head, *rows]) for i in range(len(head))]
    lines = []
    for row in [head, *rows]:
        cells = [
            _pad(c, w, right=0 < i < len(head) - 1) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * _width(lines[0]))
    return "\n".join(lines)
