"""``riskmap cards``: the 两卡 of a township's geohazard sites as one PDF per township.

    riskmap cards --township 太平镇 --out 两卡/
    riskmap cards --township all --out 两卡/ [--households 受威胁户.xlsx] [--save-households]

Per site an A4 防灾工作明白卡, per threatened household an A5 防灾避险明白卡 (two per A4 page).
Households come from ``--households FILE`` or the workspace's ``households.csv``; a site the
table does not list gets ``threatened_households`` blank cards. A township with no geohazard
site writes no file and says so.
"""

from __future__ import annotations

import sys
from pathlib import Path

from layers.errors import LayerFileError, SelectionError
from layers.imports.households import read_households, save_households, workspace_households
from layers.selection import resolve_townships
from layers.store.io import atomic_write_bytes
from riskmap.cli.common import acting_user, add_workspace_arg, load_for_command, print_json
from riskmap.render.cards import cards_for
from riskmodel.cards import card_sets
from riskmodel.rules import CARD_LAYERS


def add_parser(sub) -> None:
    p = sub.add_parser("cards", help="两卡：每个地灾隐患点的防灾工作明白卡和每户的防灾避险明白卡（PDF）")
    p.add_argument("--township", "-t", required=True, help="乡镇名称或代码（逗号分隔多个），或 all")
    p.add_argument("--out", type=Path, required=True, help="输出文件夹（每个乡镇一个 PDF）")
    p.add_argument("--households", type=Path, default=None,
                   help="受威胁户表（CSV/XLSX：隐患点编号、户主、家庭人数、住址、房屋类别、电话）；默认用工作区的 households.csv")
    p.add_argument("--save-households", action="store_true", help="校验 --households 后存为工作区的 households.csv")
    p.add_argument("--mask-personal", action="store_true",
                   help="姓名、住址、电话打码（无权查看本乡镇个人信息的用户总是打码）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出每个乡镇的文件、点位数、户数、页数")
    add_workspace_arg(p)
    p.set_defaults(func=run)


def _townships(args, ws) -> list[str]:
    tokens = [t.strip() for t in args.township.replace("，", ",").split(",") if t.strip()]
    if not tokens:
        raise SelectionError("--township 不能为空；填乡镇名称、代码或 all")
    if any(t.lower() == "all" for t in tokens):
        return [str(n) for n in ws.townships["name"]]
    return list(resolve_townships(tokens, ws.townships))


def run(args) -> int:
    ws = load_for_command(args)
    actor = acting_user(args)
    towns = _townships(args, ws)
    site_ids = ws.layers[CARD_LAYERS["site"]]["id"].astype(str)
    if args.households is not None:
        households = (save_households(ws.root, args.households, site_ids) if args.save_households
                      else read_households(args.households, site_ids))
    elif args.save_households:
        raise SelectionError("--save-households 需要 --households FILE")
    else:
        households = workspace_households(ws.root)
    out_dir = args.out
    if out_dir.exists() and not out_dir.is_dir():
        raise SelectionError(f"{out_dir}: --out 应为文件夹，而这是一个已有文件")
    results = []
    for cs in card_sets(ws, towns, households):
        pdf = cards_for(ws.root, cs, actor, mask_personal=args.mask_personal)
        path = None
        if pdf is None:
            sys.stderr.write(f"提示：{cs.note}（未生成文件）\n")
        else:
            path = out_dir / f"{cs.township}_两卡.pdf"
            try:
                atomic_write_bytes(path, pdf)
            except OSError as exc:
                raise LayerFileError(f"无法写入 {path}：{exc.strerror or exc}") from None
        results.append({"township": cs.township, "path": str(path) if path else None, "sites": len(cs.cards),
                        "households": cs.household_count, "pages": cs.pages if pdf else 0, "note": cs.note})
    if args.json:
        print_json({"outputs": results, "sample": ws.is_sample})
        return 0
    for r in results:
        if r["path"]:
            print(f"{r['township']}：{r['sites']} 个隐患点、{r['households']} 户，{r['pages']} 页 → {r['path']}")
    total = sum(r["pages"] for r in results)
    print(f"合计 {sum(r['sites'] for r in results)} 个隐患点、{sum(r['households'] for r in results)} 户，{total} 页")
    return 0
