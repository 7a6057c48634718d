"""The risk analysis of a city: every county analysed alone, then one table per county and one per township.

Each county is analysed exactly as ``riskmap analyze`` does for it alone (its own rules, metric CRS
and risk index, which is relative between the county's townships), so every number of the city
tables is the county's own. ``townships`` stacks the counties' township tables with ``county``,
``county_adcode`` and ``township`` (the name, qualified ``县·乡镇`` when two counties share it) in
front; ``counties`` has one row per county with the county totals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from layers.city import City, qualify
from layers.store.io import atomic_write_bytes
from riskmodel.aggregate import county_totals
from riskmodel.analysis import Analysis, _rounded_csv_bytes, analyze_workspace, write_outputs

__all__ = ["CityAnalysis", "analyze_city", "write_city_outputs"]


@dataclass
class CityAnalysis:
    city: City
    per_county: dict[str, Analysis]  # by member key (folder)
    counties: pd.DataFrame
    townships: pd.DataFrame


def analyze_city(city: City, *, finder=None) -> CityAnalysis:
    """Analyse every county of ``city`` alone (``finder`` as for :func:`analyze_workspace`)."""
    amb = city.ambiguous_townships()
    per, towns, rows = {}, [], []
    for m in city.members:
        ws = m.workspace
        if finder is not None and hasattr(finder, "crs"):
            finder.crs = ws.metric_crs
        a = analyze_workspace(ws, finder=finder)
        per[m.key] = a
        t = a.townships.copy()
        t.insert(0, "township", [qualify(ws.name, n, amb) for n in t["name"]])
        t.insert(0, "county_adcode", m.adcode)
        t.insert(0, "county", ws.name)
        towns.append(t)
        s = a.summary
        rows.append({"county": ws.name, "county_adcode": m.adcode, "folder": m.key, "metric_crs": ws.metric_crs,
                     "townships": len(a.townships), "pairs": s["pairs"], "pairs_danger": s["pairs_danger"],
                     "violations_total": sum(s["violations"].values()),
                     "shelters_unusable": s["shelters_unusable"], **county_totals(a.townships)})
    townships = pd.concat(towns, ignore_index=True) if towns else pd.DataFrame()
    return CityAnalysis(city, per, pd.DataFrame(rows), townships)


def write_city_outputs(ca: CityAnalysis, out_dir: str | Path) -> dict[str, str]:
    """``counties.csv``, ``townships.csv``, ``city_summary.json`` and each county's full outputs in ``<folder>/``."""
    out = Path(out_dir)
    paths = {}
    for key, a in ca.per_county.items():
        write_outputs(a, out / key)
        paths[key] = str(out / key)
    for name, frame in (("counties", ca.counties), ("townships", ca.townships)):
        atomic_write_bytes(out / f"{name}.csv", _rounded_csv_bytes(frame))
        paths[name] = str(out / f"{name}.csv")
    summary = {"city": ca.city.name, "counties": ca.counties[["county", "county_adcode", "pairs"]].to_dict("records"),
               "townships": len(ca.townships), "pairs": int(ca.counties["pairs"].sum()) if len(ca.counties) else 0}
    atomic_write_bytes(out / "city_summary.json", (json.dumps(summary, ensure_ascii=False, indent=2) + "\n").encode())
    paths["city_summary"] = str(out / "city_summary.json")
    return paths
