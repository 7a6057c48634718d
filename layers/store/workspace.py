"""The workspace store: load a workspace folder into typed objects; save registries with versions.

Layout (SPEC §2)::

    workspace.toml  county.geojson  townships.geojson  villages.geojson
    river.geojson  forest.geojson  dem.tif  flood/*.tif
    <layer>.geojson                 one per registry kind
    .history/<layer>/v0001.geojson  every saved version, byte for byte
    .history/<layer>/versions.jsonl one line per version: time, source, counts, sha256
    .locks/<layer>.lock             inter-process write lock
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import orjson
import pandas as pd

from layers.clock import SHANGHAI
from layers.coords import METRIC_CRS
from layers.errors import LayerFileError, LayerValidationError, Problem, WorkspaceError
from layers.kinds import LAYER_KINDS, LayerKind, get_kind
from layers.store.io import (
    atomic_write_bytes,
    frame_to_geojson_bytes,
    layer_lock,
    read_json_lines,
    read_raw_layer,
    read_vector,
    sha256_bytes,
)
from layers.validate import Area, check_layer

__all__ = [
    "DEFAULT_WORKSPACE",
    "Version",
    "Workspace",
    "empty_layer",
    "layer_history",
    "layer_path",
    "load_layer",
    "load_workspace",
    "rollback_layer",
    "save_layer",
    "save_layer_bytes",
    "save_version_locked",
    "update_layer",
]

DEFAULT_WORKSPACE = Path(__file__).resolve().parents[2] / "geodata" / "dianjiang"


@dataclass
class Workspace:
    """Everything a workspace holds, typed; registries as WGS 84 GeoDataFrames."""

    root: Path
    config: dict
    county: gpd.GeoDataFrame
    townships: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    layers: dict[str, gpd.GeoDataFrame]
    problems: list[Problem] = field(default_factory=list)
    river: gpd.GeoDataFrame | None = None
    forest: gpd.GeoDataFrame | None = None

    @property
    def metric_crs(self) -> str:
        return str(self.config.get("county", {}).get("metric_crs", METRIC_CRS))

    @property
    def name(self) -> str:
        return str(self.config.get("county", {}).get("name", self.root.name))

    @property
    def is_sample(self) -> bool:
        return bool(self.config.get("county", {}).get("sample", False))

    @property
    def dem_path(self) -> Path | None:
        p = self.root / "dem.tif"
        return p if p.exists() else None

    @cached_property
    def area(self) -> Area:
        """The county union and prepared townships, built once per loaded workspace."""
        return Area.from_frames(self.county, self.townships)

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        get_kind(layer_id)  # clear error on an unknown id
        return self.layers[layer_id]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def layer_path(root: str | Path, layer_id: str) -> Path:
    return Path(root) / f"{layer_id}.geojson"


def _read_config(root: Path) -> dict:
    path = root / "workspace.toml"
    if not root.is_dir():
        raise WorkspaceError(f"{root}: 工作区文件夹不存在；用 --workspace 指定包含 workspace.toml 的文件夹")
    if not path.exists():
        raise WorkspaceError(f"{path}: 缺少 workspace.toml；每个工作区都需要它（见 README 的“工作区格式”）")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"{path}: 格式错误（{exc}）") from None


_BASE_COLUMNS = {"townships": ("code", "name", "kind", "population"),
                 "villages": ("code", "name", "township", "kind", "population")}


def _base_layer(root: Path, name: str) -> gpd.GeoDataFrame:
    """A base layer with its columns even when the file holds no feature yet (a new workspace)."""
    frame = read_vector(root / f"{name}.geojson")
    for col in _BASE_COLUMNS[name]:
        if col not in frame.columns:
            frame[col] = pd.Series([None] * len(frame), dtype=object, index=frame.index)
    return frame


def _optional_vector(path: Path) -> gpd.GeoDataFrame | None:
    return read_vector(path) if path.exists() else None


def empty_layer(kind: LayerKind) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({n: pd.Series([], dtype=object) for n in kind.field_names}, geometry=[], crs="EPSG:4326")


def load_layer(root: str | Path, kind: LayerKind | str, area: Area | None) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Load one registry; a missing file is an empty layer."""
    kind = get_kind(kind) if isinstance(kind, str) else kind
    path = layer_path(root, kind.id)
    if not path.exists():
        return empty_layer(kind), []
    return check_layer(read_raw_layer(path, kind=kind), kind, area)


def _load_layer_or_problem(root: Path, kind: LayerKind, area: Area) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """A registry file that cannot be read at all is one error problem and an empty layer."""
    try:
        return load_layer(root, kind, area)
    except LayerFileError as exc:
        return empty_layer(kind), [Problem("error", kind.id, None, None, None, str(exc))]


def load_workspace(root: str | Path | None = None, *, layers: tuple[str, ...] | None = None) -> Workspace:
    """Load a workspace folder (default: the bundled sample) into a :class:`Workspace`.

    Problems in registries are collected in ``Workspace.problems``, never raised; a broken
    base layer or registry file raises :class:`WorkspaceError`/:class:`LayerFileError`.
    """
    root = Path(root) if root is not None else DEFAULT_WORKSPACE
    config = _read_config(root)
    county = read_vector(root / "county.geojson")
    townships = _base_layer(root, "townships")
    villages = _base_layer(root, "villages")
    area = Area.from_frames(county, townships)
    loaded, problems = {}, []
    for kind in LAYER_KINDS:
        if layers is not None and kind.id not in layers:
            continue
        loaded[kind.id], found = _load_layer_or_problem(root, kind, area)
        problems.extend(found)
    ws = Workspace(root=root, config=config, county=county, townships=townships, villages=villages,
                   layers=loaded, problems=problems, river=_optional_vector(root / "river.geojson"),
                   forest=_optional_vector(root / "forest.geojson"))
    ws.__dict__["area"] = area  # the cached_property's slot: the union validation already built
    return ws


# ---------------------------------------------------------------- versions


@dataclass(frozen=True)
class Version:
    version: int
    time: str
    source: str
    count: int
    sha256: str
    note: str = ""

    def path(self, root: Path, layer_id: str) -> Path:
        return _history_dir(root, layer_id) / f"v{self.version:04d}.geojson"


def _history_dir(root: Path, layer_id: str) -> Path:
    return Path(root) / ".history" / layer_id


def layer_history(root: str | Path, layer_id: str) -> list[Version]:
    """Every saved version of a layer, oldest first."""
    get_kind(layer_id)
    return [Version(**row) for row in read_json_lines(_history_dir(Path(root), layer_id) / "versions.jsonl")]


def _count_features(data: bytes) -> int:
    """Feature count of a version, -1 for a file that is not a readable FeatureCollection."""
    try:
        return len(orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))["features"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return -1


def _record_version(root: Path, layer_id: str, data: bytes, source: str, note: str) -> Version:
    hist = _history_dir(root, layer_id)
    versions = layer_history(root, layer_id)
    v = Version(version=(versions[-1].version + 1) if versions else 1,
                time=datetime.now(SHANGHAI).isoformat(timespec="seconds"),
                source=source, count=_count_features(data), sha256=sha256_bytes(data), note=note)
    atomic_write_bytes(v.path(root, layer_id), data)
    lines = b"".join(orjson.dumps(x.__dict__) + b"\n" for x in [*versions, v])
    atomic_write_bytes(hist / "versions.jsonl", lines)
    return v


def save_version_locked(root: Path, layer_id: str, data: bytes, source: str, note: str = "") -> Version:
    """Record ``data`` as a new version and write the layer file; the caller holds the layer lock."""
    path = layer_path(root, layer_id)
    if not layer_history(root, layer_id) and path.exists():
        _record_version(root, layer_id, path.read_bytes(), source="initial", note="保存前的原始文件")
    version = _record_version(root, layer_id, data, source=source, note=note)
    atomic_write_bytes(path, data)
    return version


def save_layer_bytes(root: str | Path, layer_id: str, data: bytes, *, source: str, note: str = "") -> Version:
    """Save already-serialised layer bytes as a new version (atomic, locked).

    The first save of a layer also records the file it replaces as version 1, so any change
    can be listed and rolled back.
    """
    root = Path(root)
    with layer_lock(root, get_kind(layer_id).id):
        return save_version_locked(root, layer_id, data, source, note)


def _validated_bytes(root: Path, kind: LayerKind, frame: gpd.GeoDataFrame, area: Area | None) -> bytes:
    data = frame_to_geojson_bytes(frame, kind)
    if area is not None:
        _, problems = check_layer(read_raw_layer(layer_path(root, kind.id), data, kind), kind, area)
        if any(p.severity == "error" for p in problems):
            raise LayerValidationError(problems)
    return data


def update_layer(root: str | Path, layer_id: str, mutate: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame], *,
                 area: Area | None, source: str = "manual", note: str = "") -> Version:
    """Read, change and save a layer while holding its lock, so concurrent writers lose nothing.

    ``mutate`` receives the layer as it is on disk now and returns the new frame.
    """
    root, kind = Path(root), get_kind(layer_id)
    with layer_lock(root, kind.id):
        current, _ = load_layer(root, kind, area)
        data = _validated_bytes(root, kind, mutate(current), area)
        return save_version_locked(root, kind.id, data, source, note)


def save_layer(root: str | Path, layer_id: str, frame: gpd.GeoDataFrame, *, source: str = "manual",
               note: str = "", area: Area | None = None) -> Version:
    """Validate, then save a registry atomically under the layer lock, as a new version.

    Raises
    ------
    LayerValidationError
        The frame has errors; nothing is written.
    """
    kind = get_kind(layer_id)
    data = _validated_bytes(Path(root), kind, frame, area)
    return save_layer_bytes(root, layer_id, data, source=source, note=note)


def rollback_layer(root: str | Path, layer_id: str, version: int) -> Version:
    """Restore a version byte-identically; the restore is itself a new version."""
    root = Path(root)
    versions = {v.version: v for v in layer_history(root, layer_id)}
    if version not in versions:
        have = "、".join(str(v) for v in versions) or "（无）"
        raise LayerFileError(f"图层 {layer_id} 没有版本 {version}；现有版本：{have}")
    data = versions[version].path(root, layer_id).read_bytes()
    return save_layer_bytes(root, layer_id, data, source=f"rollback:v{version}", note=f"回滚到版本 {version}")
