"""Bench: the 两卡 PDFs (防灾工作明白卡 + 防灾避险明白卡) of all 26 townships of the bundled workspace.

Ours: ``riskmodel.cards.card_sets`` once for every township (the nearest usable, safe shelter of
every site from one run of the shelter model), then ``riskmap.render.cards.render_cards`` per
township (QR images made once per site, the packet's pre-subset CJK font, subset boxes kept).

Baseline (same process, same townships, same PDFs): the straightforward way — the card data of
each township computed on its own (the shelter-safety model re-run per township), a fresh QR
image for every card, and fpdf2's default font save (every glyph's bounding box recomputed).

Target: all 26 townships under 60 s. ``--quick``: the first 6 townships with geohazard sites
in code order. Last line: ``{"bench": "cards", "n": ..., "seconds": ..., "baseline_seconds": ...,
"ratio": ...}`` (n = A4 pages written).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from layers.store.workspace import load_workspace
from riskmap.render import cards as render
from riskmodel.cards import card_sets
from riskmodel.rules import CARD_LAYERS

TARGET_S = 60.0


def ours(ws, names: list[str]) -> tuple[int, int]:
    pages = sites = 0
    for cs in card_sets(ws, names):
        if render.render_cards(cs) is not None:
            pages, sites = pages + cs.pages, sites + len(cs.cards)
    return pages, sites


def baseline(ws, names: list[str]) -> int:
    pages = 0
    slow_qr = render._qr_png.__wrapped__  # no cache: one QR image per card

    class _DefaultSave(render._Cards):
        def __init__(self, chars):
            super().__init__(chars)
            for font in self.fonts.values():
                ttfont = getattr(font, "ttfont", None)
                if ttfont is not None:
                    ttfont.recalcBBoxes = True

    with mock.patch.object(render, "_qr_png", slow_qr), mock.patch.object(render, "_Cards", _DefaultSave):
        for name in names:
            (cs,) = card_sets(ws, [name])
            if render.render_cards(cs) is not None:
                pages += cs.pages
    return pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="6 townships only (under 60 s)")
    args = ap.parse_args()
    ws = load_workspace()
    names = [str(n) for n in ws.townships.sort_values("code")["name"]]
    if args.quick:
        with_sites = set(ws.layers[CARD_LAYERS["site"]]["township"])
        names = [n for n in names if n in with_sites][:6]
    render.render_cards(card_sets(ws, names[:1])[0])  # warm the font subset file (both runs reuse it)
    t0 = time.perf_counter()
    pages, sites = ours(ws, names)
    seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    base_pages = baseline(ws, names)
    baseline_seconds = time.perf_counter() - t0
    assert base_pages == pages, (base_pages, pages)
    doc = {
        "bench": "cards",
        "n": pages,
        "townships": len(names),
        "sites": sites,
        "seconds": round(seconds, 3),
        "baseline_seconds": round(baseline_seconds, 3),
        "ratio": round(baseline_seconds / seconds, 2) if seconds else None,
        "target_s": TARGET_S if not args.quick else None,
        "under_target": (seconds < TARGET_S) if not args.quick else None,
    }
    print(f"ours {seconds:.1f} s, baseline {baseline_seconds:.1f} s for {len(names)} townships, {pages} pages")
    print(json.dumps(doc, ensure_ascii=False))


if __name__ == "__main__":
    main()
