"""The workspace store: load a workspace folder into typed objects; save registries with versions.

Layout (SPEC §2)::

    workspace.toml  county.geojson  townships.geojson  villages.geojson
    river.geojson  forest.geojson  dem.tif  flood/*.tif
    roads.geojson                   optional road lines (layers/roads.py)
    <layer>.geojson                 one per registry kind
    .history/<layer>/v0001.geojson  every saved version, byte for byte
    .history/<layer>/versions.jsonl one line per version: time, source, counts, sha256
    .locks/<layer>.lock             inter-process write lock
"""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import orjson
import pandas as pd

from layers.access.audit import record as record_audit
from layers.access.guard import audit_save, check_rollback, check_save
from layers.access.roles import LOCAL_OPERATOR, Actor
from layers.clock import SHANGHAI
from layers.coords import METRIC_CRS
from layers.errors import LayerError, LayerFileError, LayerValidationError, Problem, WorkspaceError
from layers.kinds import LAYER_KINDS, LayerKind, get_kind
from layers.roads import ROADS_FILE, read_roads
from layers.store.io import (
    frame_to_geojson_bytes,
    layer_lock,
    read_raw_layer,
    read_vector,
    sha256_bytes,
)
from layers.store.reconcile import (
    append_line_durable,
    check_metric_crs,
    check_store_path,
    durable_write,
    read_history,
    reconcile_layer,
    reconcile_on_open,
    require_columns,
    verified_rows,
)
from layers.validate import Area, check_layer

__all__ = [
    "DEFAULT_WORKSPACE",
    "Version",
    "Workspace",
    "empty_layer",
    "history_leftovers",
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
    roads: gpd.GeoDataFrame | None = None  # optional roads.geojson (name, grade)

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


def _base_layer(root: Path, name: str, required: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """A base layer with its columns even when the file holds no feature yet (a new workspace).

    A file that has features must carry the ``required`` columns (one line naming the file otherwise).
    """
    path = root / f"{name}.geojson"
    frame = read_vector(path)
    if len(frame):
        require_columns(frame, path, required)
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
    check_store_path(root, path)
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
    check_metric_crs(config, root / "workspace.toml")
    county = read_vector(root / "county.geojson")
    townships = _base_layer(root, "townships", required=("name",))
    villages = _base_layer(root, "villages")
    area = Area.from_frames(county, townships)
    loaded: dict[str, gpd.GeoDataFrame] = {}
    problems: list[Problem] = []
    for kind in LAYER_KINDS:
        if layers is not None and kind.id not in layers:
            continue
        problems.extend(Problem("warning", kind.id, None, None, ".history", m)
                        for m in reconcile_on_open(root, kind.id))
        loaded[kind.id], found = _load_layer_or_problem(root, kind, area)
        problems.extend(found)
    ws = Workspace(root=root, config=config, county=county, townships=townships, villages=villages,
                   layers=loaded, problems=problems, river=_optional_vector(root / "river.geojson"),
                   forest=_optional_vector(root / "forest.geojson"), roads=read_roads(root / ROADS_FILE))
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
    user: str = ""  # who saved it (the acting user's name)

    def path(self, root: Path, layer_id: str) -> Path:
        return _history_dir(root, layer_id) / f"v{self.version:04d}.geojson"


def _history_dir(root: Path, layer_id: str) -> Path:
    return Path(root) / ".history" / layer_id


def layer_history(root: str | Path, layer_id: str, *, verified: bool = False) -> list[Version]:
    """Every saved version of a layer, oldest first (malformed history lines are skipped, see
    :func:`layers.store.reconcile.reconcile_layer`). ``verified`` keeps only the versions whose file
    exists and matches the stored sha256."""
    get_kind(layer_id)
    root = Path(root)
    if verified:
        rows, _ = verified_rows(root, layer_id)
    else:
        check_store_path(root, _history_dir(root, layer_id), want_dir=True)
        rows = read_history(_history_dir(root, layer_id) / "versions.jsonl").rows
    return [Version(**row) for row in rows]


def history_leftovers(root: str | Path, layer_id: str) -> list[str]:
    """One line per history row :func:`layer_history` with ``verified`` leaves out, and why."""
    return verified_rows(Path(root), layer_id)[1]


def _count_features(data: bytes) -> int:
    """Feature count of a version, -1 for a file that is not a readable FeatureCollection."""
    try:
        return len(orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))["features"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return -1


def _next_number(root: Path, layer_id: str, versions: list[Version]) -> int:
    """One past every number the history, its lost lines or any file in the folder ever used."""
    hist = _history_dir(root, layer_id)
    used = [v.version for v in versions]
    used += [r["version"] for r in read_history(hist / "versions.lost.jsonl").rows]
    for folder in (hist, hist / "orphans"):
        if folder.is_dir():
            used += [int(p.stem[1:]) for p in folder.glob("v*.geojson") if p.stem[1:].isdigit()]
    return max(used, default=0) + 1


def _record_version(root: Path, layer_id: str, data: bytes, source: str, note: str,
                    versions: list[Version], *, layer_too: bool, user: str = "") -> Version:
    """The save protocol: version file, then (``layer_too``) the layer file, then the history line.

    Each file is written to a temporary file beside it, fsynced, renamed and its folder fsynced
    (:func:`layers.store.reconcile.durable_write`); the line is appended and fsynced last, so a history line
    never names a version the layer did not receive. Whatever a crash leaves is recognised by
    :func:`layers.store.reconcile.reconcile_layer`.
    """
    hist = _history_dir(root, layer_id)
    v = Version(version=_next_number(root, layer_id, versions),
                time=datetime.now(SHANGHAI).isoformat(timespec="seconds"),
                source=source, count=_count_features(data), sha256=sha256_bytes(data), note=note, user=user)
    vfile = v.path(root, layer_id)
    durable_write(vfile, data)
    if layer_too:
        try:
            durable_write(layer_path(root, layer_id), data)
        except BaseException:
            with contextlib.suppress(OSError):  # the layer kept its old bytes: drop the unused version
                vfile.unlink()
            raise
    append_line_durable(hist / "versions.jsonl", orjson.dumps(v.__dict__) + b"\n")
    return v


def save_version_locked(root: Path, layer_id: str, data: bytes, source: str, note: str = "", *,
                        actor: Actor | None = None) -> Version:
    """Record ``data`` as a new version and write the layer file; the caller holds the layer lock.

    ``actor`` (default: the local operator) must be allowed to make this change (``layers.access``);
    every changed site is one audit line.

    Before saving, what an earlier interrupted save left is repaired (:func:`reconcile_layer`); a
    layer file that differs from its newest version (edited outside this tool, or never saved) is
    first recorded as a version of its own, so no state of the file is ever lost.

    Raises
    ------
    LayerFileError
        A store path is a link out of the workspace, a FIFO or device; or the disk refused the write
        (full, read-only, permission denied): the layer keeps its previous bytes.
    """
    root = Path(root)
    path = layer_path(root, layer_id)
    actor = actor or LOCAL_OPERATOR
    try:
        reconcile_layer(root, layer_id, repair=True)  # refuses links out, FIFOs and devices first
        changes = check_save(layer_id, path.read_bytes() if path.exists() else None, data, actor)
        versions = layer_history(root, layer_id, verified=True)
        if path.exists():
            current = path.read_bytes()
            if not versions or versions[-1].sha256 != sha256_bytes(current):
                first = not layer_history(root, layer_id)
                versions.append(_record_version(
                    root, layer_id, current, source="initial" if first else "external",
                    note="保存前的原始文件" if first else "保存前发现图层文件在本工具之外被修改，先记为一个版本",
                    versions=versions, layer_too=False))
        version = _record_version(root, layer_id, data, source, note, versions, layer_too=True,
                                  user=actor.name)
    except LayerError:
        raise
    except OSError as exc:
        raise LayerFileError(f"{path}: 保存失败（{exc.strerror or exc}），图层保持保存前的内容；"
                             "请检查磁盘空间和写权限后重试") from None
    audit_save(root, actor, layer_id, changes, version.version, source)
    return version


def save_layer_bytes(root: str | Path, layer_id: str, data: bytes, *, source: str, note: str = "",
                     actor: Actor | None = None) -> Version:
    """Save already-serialised layer bytes as a new version (atomic, locked).

    The first save of a layer also records the file it replaces as version 1, so any change
    can be listed and rolled back.
    """
    root = Path(root)
    with layer_lock(root, get_kind(layer_id).id):
        return save_version_locked(root, layer_id, data, source, note, actor=actor)


def _validated_bytes(root: Path, kind: LayerKind, frame: gpd.GeoDataFrame, area: Area | None) -> bytes:
    data = frame_to_geojson_bytes(frame, kind)
    if area is not None:
        _, problems = check_layer(read_raw_layer(layer_path(root, kind.id), data, kind), kind, area)
        if any(p.severity == "error" for p in problems):
            raise LayerValidationError(problems)
    return data


def update_layer(root: str | Path, layer_id: str, mutate: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame], *,
                 area: Area | None, source: str = "manual", note: str = "", actor: Actor | None = None) -> Version:
    """Read, change and save a layer while holding its lock, so concurrent writers lose nothing.

    ``mutate`` receives the layer as it is on disk now and returns the new frame.
    """
    root, kind = Path(root), get_kind(layer_id)
    with layer_lock(root, kind.id):
        current, _ = load_layer(root, kind, area)
        data = _validated_bytes(root, kind, mutate(current), area)
        return save_version_locked(root, kind.id, data, source, note, actor=actor)


def save_layer(root: str | Path, layer_id: str, frame: gpd.GeoDataFrame, *, source: str = "manual",
               note: str = "", area: Area | None = None, actor: Actor | None = None) -> Version:
    """Validate, then save a registry atomically under the layer lock, as a new version.

    Raises
    ------
    LayerValidationError
        The frame has errors; nothing is written.
    """
    kind = get_kind(layer_id)
    data = _validated_bytes(Path(root), kind, frame, area)
    return save_layer_bytes(root, layer_id, data, source=source, note=note, actor=actor)


def rollback_layer(root: str | Path, layer_id: str, version: int, *, actor: Actor | None = None) -> Version:
    """Restore a version byte-identically; the restore is itself a new version (管理员 only)."""
    root = Path(root)
    check_rollback(root, actor, layer_id, version)
    versions = {v.version: v for v in layer_history(root, layer_id)}
    if version not in versions:
        have = "、".join(str(v) for v in versions) or "（无）"
        raise LayerFileError(f"图层 {layer_id} 没有版本 {version}；现有版本：{have}")
    vfile = versions[version].path(root, layer_id)
    check_store_path(root, vfile)
    try:
        data = vfile.read_bytes()
    except OSError as exc:
        raise LayerFileError(f"{vfile}: 无法读取版本 {version}（{exc.strerror}）；不能回滚") from None
    if sha256_bytes(data) != versions[version].sha256:
        raise LayerFileError(f"{vfile}: 版本 {version} 的文件与历史记录的 sha256 不符（文件被改动），"
                             "拒绝回滚；请选其他版本（riskmap history 只列出完好的版本）")
    restored = save_layer_bytes(root, layer_id, data, source=f"rollback:v{version}", note=f"回滚到版本 {version}",
                                actor=actor)
    record_audit(root, actor or LOCAL_OPERATOR, "rollback", f"{layer_id}@v{version}", version=restored.version)
    return restored
