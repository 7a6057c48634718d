"""What the 两卡 print, per geohazard site: the site's record, its assigned shelter, its households.

- 防灾工作明白卡 (one per site) and 防灾避险明白卡 (one per threatened household) are filled from the
  registry; a field the registry lacks stays empty (the renderer draws a line to write on).
- 预定避灾地点 is the site's nearest usable, safe shelter as the risk model defines it (status 可用,
  not inside a geohazard danger zone or flood-spot zone), with its straight-line distance and the
  direction from the site (8 compass points).
- Households come from the optional household table (``layers.households``) where it lists the
  site; otherwise the site's ``threatened_households`` count gives that many blank households.

Objects in (a loaded workspace), objects out; the PDF is drawn by ``riskmap.render.cards``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from riskmodel.analysis import unsafe_shelters
from riskmodel.coverage import nearest_shelter
from riskmodel.rules import CARD_LAYERS, Rules, load_rules
from riskmodel.sites import metric_xy

__all__ = ["CardSet", "Household", "SiteCard", "card_sets", "compass_zh"]

_COMPASS = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")


@dataclass(frozen=True)
class Household:
    """One household of a site; ``None`` fields are blanks to write on."""

    head_name: str | None = None
    people: int | None = None
    address: str | None = None
    house_type: str | None = None
    phone: str | None = None


@dataclass
class SiteCard:
    site: dict  # the registry record (field → value; empty values are None)
    lon: float | None
    lat: float | None
    shelter_id: str | None = None
    shelter_name: str | None = None
    shelter_class: str | None = None
    shelter_distance_m: float | None = None
    shelter_direction: str | None = None
    households: list[Household] = field(default_factory=list)
    households_from_table: bool = False


@dataclass
class CardSet:
    """The cards of one township (``cards`` empty when it has no geohazard site; ``note`` says so)."""

    township: str
    cards: list[SiteCard]
    county: str = ""
    sample: bool = False
    note: str = ""

    @property
    def household_count(self) -> int:
        return sum(len(c.households) for c in self.cards)

    @property
    def pages(self) -> int:
        """A4 pages: one per site, two household cards (A5) per page."""
        return len(self.cards) + math.ceil(self.household_count / 2)


def compass_zh(dx: float, dy: float) -> str:
    """Direction of (dx east, dy north) as one of 8 Chinese compass points.

    >>> compass_zh(1, 1), compass_zh(0, -5), compass_zh(-3, 0.2)
    ('东北', '南', '西')
    """
    angle = math.degrees(math.atan2(dx, dy)) % 360
    return _COMPASS[int((angle + 22.5) // 45) % 8]


def _clean(v):
    if v is None or (isinstance(v, float) and not math.isfinite(v)) or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, str) and not v.strip():
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def _households(site: dict, table: pd.DataFrame | None) -> tuple[list[Household], bool]:
    if table is not None:
        rows = table[table["site_id"].astype(str) == str(site["id"])]
        if len(rows):
            return [Household(**{k: _clean(r[k]) for k in Household.__dataclass_fields__})
                    for r in rows.to_dict("records")], True
    n = site.get("threatened_households")
    n = int(n) if isinstance(n, int | float) and n == n and n > 0 else 0
    return [Household() for _ in range(n)], False


def card_sets(ws, townships: list[str], households: pd.DataFrame | None = None,
              rules: Rules | None = None) -> list[CardSet]:
    """The card set of each township in ``townships`` (the shelter model is computed once)."""
    rules = rules or load_rules(ws.config)
    sites = ws.layers.get(CARD_LAYERS["site"])
    shelters = ws.layers.get(CARD_LAYERS["refuge"])
    if sites is None or not len(sites):
        return [CardSet(t, [], ws.name, ws.is_sample, f"{t}没有登记地质灾害隐患点，无需发放两卡") for t in townships]
    wanted = sites[sites["township"].isin(townships)]
    near = (nearest_shelter(wanted, shelters, rules, ws.metric_crs, unusable_ids=unsafe_shelters(ws, rules))
            if shelters is not None and len(wanted) else None)
    site_xy = metric_xy(wanted, ws.metric_crs)
    shelter_xy = dict(zip(shelters["id"].astype(str), metric_xy(shelters, ws.metric_crs).tolist(),
                          strict=True)) if shelters is not None else {}
    geom = wanted.geometry
    out = []
    for t in townships:
        cards = []
        for i in np.flatnonzero(wanted["township"].to_numpy() == t):
            rec = {k: _clean(v) for k, v in wanted.iloc[i].drop(labels=geom.name).items()}
            g = geom.iloc[i]
            located = g is not None and not g.is_empty
            card = SiteCard(rec, float(g.x) if located else None, float(g.y) if located else None)
            card.households, card.households_from_table = _households(rec, households)
            if near is not None and _clean(near.iloc[i]["shelter_id"]) is not None:
                n = near.iloc[i]
                card.shelter_id, card.shelter_name = str(n["shelter_id"]), _clean(n["shelter_name"])
                card.shelter_class, card.shelter_distance_m = _clean(n["shelter_class"]), float(n["distance_m"])
                sx, sy = shelter_xy[card.shelter_id]
                card.shelter_direction = compass_zh(sx - site_xy[i, 0], sy - site_xy[i, 1])
            cards.append(card)
        cards.sort(key=lambda c: str(c.site.get("id")))
        note = "" if cards else f"{t}没有登记地质灾害隐患点，无需发放两卡"
        out.append(CardSet(t, cards, ws.name, ws.is_sample, note))
    return out
