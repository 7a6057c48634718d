"""A city workspace: a folder of county workspaces plus ``city.toml``.

::

    city.toml            [city] name, adcode (optional), counties = ["dianjiang", …] (default: every
                         sub-folder holding a workspace.toml, sorted)
    dianjiang/           a county workspace (riskmap init …)
    liangping/           another one

:func:`load_city` loads every county. :func:`city_workspace` merges them into one
:class:`~layers.store.workspace.Workspace` for the map and the exports: townships whose name occurs in more
than one county are qualified by the county (``垫江县·新民镇``) — in the township layer and in every
site's ``township`` — and a site id used in two counties of the same layer is prefixed by the
county's adcode (``500231-GH001``). Its metric CRS is the 3° zone of the city's centre.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from layers.county import metric_crs_for
from layers.errors import WorkspaceError
from layers.store.workspace import Workspace, load_workspace

__all__ = ["City", "CityMember", "city_workspace", "load_city", "qualify"]

QUALIFIER = "·"


@dataclass
class CityMember:
    key: str  # folder name inside the city folder
    workspace: Workspace

    @property
    def adcode(self) -> str:
        return str(self.workspace.config.get("county", {}).get("adcode", self.key))


@dataclass
class City:
    root: Path
    name: str
    config: dict
    members: list[CityMember] = field(default_factory=list)

    def ambiguous_townships(self) -> set[str]:
        """Township names that occur in more than one county of the city."""
        seen = Counter(n for m in self.members for n in set(m.workspace.townships["name"].astype(str)))
        return {n for n, c in seen.items() if c > 1}


def qualify(county: str, township, ambiguous: set[str]):
    """``县·乡镇`` when the township name is used by more than one county, else the name as is.

    >>> qualify("垫江县", "新民镇", {"新民镇"}), qualify("垫江县", "桂溪街道", {"新民镇"})
    ('垫江县·新民镇', '桂溪街道')
    """
    if township is None or (isinstance(township, float) and pd.isna(township)):
        return township
    return f"{county}{QUALIFIER}{township}" if str(township) in ambiguous else township


def load_city(root: str | Path) -> City:
    """Load ``city.toml`` and every county workspace it names; a clear error for a missing one."""
    root = Path(root)
    path = root / "city.toml"
    if not path.exists():
        raise WorkspaceError(f"{root}: 缺少 city.toml；市级工作区是若干区县工作区文件夹加一个 city.toml")
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"{path}: 格式错误（{exc}）") from None
    sect = config.get("city", {})
    keys = sect.get("counties") or sorted(p.name for p in root.iterdir() if (p / "workspace.toml").exists())
    if not keys:
        raise WorkspaceError(f"{path}: 没有区县工作区；在 [city] counties 中列出子文件夹，或用 riskmap init 新建")
    members = []
    for key in keys:
        if not (root / key / "workspace.toml").exists():
            raise WorkspaceError(f"{path}: counties 中的“{key}”不是工作区文件夹（{root / key} 下没有 workspace.toml）")
        members.append(CityMember(str(key), load_workspace(root / key)))
    return City(root, str(sect.get("name", root.name)), config, members)


def _shared_ids(city: City) -> dict[str, set[str]]:
    """Per layer, the ids used in more than one county."""
    seen: Counter = Counter()
    for m in city.members:
        for lid, frame in m.workspace.layers.items():
            seen.update((lid, str(i)) for i in set(frame["id"].astype(str)))
    out: dict[str, set[str]] = {}
    for (lid, i), c in seen.items():
        if c > 1:
            out.setdefault(lid, set()).add(i)
    return out


def _concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    frames = [f.to_crs("EPSG:4326") if f.crs is not None else f.set_crs("EPSG:4326") for f in frames]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs="EPSG:4326")


def city_workspace(city: City) -> Workspace:
    """All counties as one workspace (for the map and the exports); see the module docstring."""
    amb = city.ambiguous_townships()
    dup = _shared_ids(city)
    counties, towns, villages, rivers, forests, roads = [], [], [], [], [], []
    layers: dict[str, list[gpd.GeoDataFrame]] = {}
    problems = []
    for m in city.members:
        ws, cname = m.workspace, m.workspace.name
        counties.append(ws.county.assign(county=cname))
        towns.append(ws.townships.assign(name=[qualify(cname, n, amb) for n in ws.townships["name"]],
                                         county=cname))
        villages.append(ws.villages.assign(township=[qualify(cname, n, amb) for n in ws.villages["township"]],
                                           county=cname))
        rivers += [ws.river] if ws.river is not None else []
        forests += [ws.forest] if ws.forest is not None else []
        roads += [ws.roads] if ws.roads is not None else []
        for lid, frame in ws.layers.items():
            clash = dup.get(lid, set())
            ids = [f"{m.adcode}-{i}" if str(i) in clash else i for i in frame["id"]]
            layers.setdefault(lid, []).append(
                frame.assign(id=ids, township=[qualify(cname, n, amb) for n in frame["township"]]))
        problems += ws.problems
    county = _concat(counties)
    centre = shapely.union_all(county.geometry.values).centroid
    config = {"county": {"name": city.name, "adcode": str(city.config.get("city", {}).get("adcode", "")),
                         "metric_crs": metric_crs_for(centre.x),
                         "sample": any(m.workspace.is_sample for m in city.members)},
              "rules": city.config.get("rules", {}), "basemap": city.config.get("basemap", {})}
    return Workspace(root=city.root, config=config, county=county, townships=_concat(towns),
                     villages=_concat(villages), layers={k: _concat(v) for k, v in layers.items()},
                     problems=problems, river=_concat(rivers) if rivers else None,
                     forest=_concat(forests) if forests else None, roads=_concat(roads) if roads else None)
