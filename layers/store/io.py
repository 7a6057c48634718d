"""Disk I/O for registries: read and write GeoJSON layers, atomic saves, locks, versions.

This is the one module of ``layers`` that touches registry files. Everything else takes and
returns objects (``pandas``/``geopandas`` frames).

File format (SPEC §2): RFC 7946 GeoJSON, lon/lat WGS 84, UTF-8 with Chinese as is, coordinates
rounded to 7 decimals, one feature per line.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import shapely
from filelock import FileLock, Timeout

from layers.errors import LayerFileError, LayerLockError
from layers.kinds import FieldType, LayerKind

__all__ = [
    "RawLayer",
    "atomic_write_bytes",
    "features_to_geojson_bytes",
    "frame_to_geojson_bytes",
    "layer_lock",
    "read_feature_collection",
    "read_raw_layer",
    "read_vector",
    "unwritable",
    "write_geojson",
]

COORD_DECIMALS = 7
LOCK_TIMEOUT_S = 30.0


@dataclass
class RawLayer:
    """A registry file as read, before typing: one row per feature.

    ``props`` holds the raw JSON property values (object columns); ``lon``/``lat`` are NaN
    where the geometry is not a usable Point, and ``geom_type`` says what it was.
    """

    path: Path
    props: pd.DataFrame
    lon: np.ndarray
    lat: np.ndarray
    geom_type: np.ndarray  # "Point", "Polygon", ..., "" for null


# ---------------------------------------------------------------- reading


def _decode_utf8(path: Path, data: bytes) -> None:
    """Refuse non-UTF-8 files with a hint (GB18030 is what Chinese Excel exports)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = ""
        with contextlib.suppress(UnicodeDecodeError):
            data.decode("gb18030")
            hint = "；文件看起来是 GB18030/GBK 编码，请另存为 UTF-8，或用 `riskmap import` 导入（会自动识别编码）"
        raise LayerFileError(f"{path}: 不是 UTF-8 编码（第 {exc.start} 字节起无法解码）{hint}") from None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise LayerFileError(f"{path}: 文件不存在") from None
    except OSError as exc:
        raise LayerFileError(f"{path}: 无法读取（{exc.strerror}）") from None


def _load_json(path: Path, data: bytes | None = None) -> dict:
    if data is None:
        data = _read_bytes(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    _decode_utf8(path, data)
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        line = data[: exc.pos].count(b"\n") + 1
        raise LayerFileError(f"{path}: 不是有效的 JSON（第 {line} 行：{exc.msg}）") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
        doc.get("features"), list
    ):
        raise LayerFileError(f"{path}: 不是 GeoJSON FeatureCollection（缺少 \"type\": \"FeatureCollection\" 或 features 列表）")
    return doc


def _point_xy(geom) -> tuple[float, float, str]:
    if not isinstance(geom, dict):
        return np.nan, np.nan, ""
    gtype = str(geom.get("type", ""))
    coords = geom.get("coordinates")
    if gtype != "Point" or not isinstance(coords, list | tuple) or len(coords) < 2:
        return np.nan, np.nan, gtype if gtype != "Point" else "Point(empty)"
    try:
        return float(coords[0]), float(coords[1]), gtype
    except (TypeError, ValueError):
        return np.nan, np.nan, "Point(invalid)"


def read_raw_layer(path: str | os.PathLike, data: bytes | None = None, kind: LayerKind | None = None) -> RawLayer:
    """Read a point-layer GeoJSON file (or its bytes, when given) without losing any value.

    With ``kind``, a clean one-feature-per-line file is parsed column-wise by Arrow (fast path);
    any file Arrow cannot type exactly (a string in a number field, a Polygon, odd layout) falls
    back to the generic parser, which keeps every raw value so validation can name it.

    Raises
    ------
    LayerFileError
        The file is missing, not UTF-8, not JSON or not a FeatureCollection.
    """
    path = Path(path)
    if data is None:
        data = _read_bytes(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if kind is not None:
        fast = _read_raw_arrow(path, data, kind)
        if fast is not None:
            return fast
    features = _load_json(path, data)["features"]
    props = [f.get("properties") or {} if isinstance(f, dict) else {} for f in features]
    xyg = [_point_xy(f.get("geometry") if isinstance(f, dict) else None) for f in features]
    if xyg:
        lon, lat, gtype = (np.array(c) for c in zip(*xyg, strict=True))
    else:
        lon, lat, gtype = np.empty(0), np.empty(0), np.empty(0, dtype=object)
    frame = pd.DataFrame.from_records(props) if props else pd.DataFrame(index=range(0))
    return RawLayer(path=path, props=frame, lon=lon.astype("float64"), lat=lat.astype("float64"),
                    geom_type=gtype.astype(object))


_ARROW_TYPES = {FieldType.INT: pa.int64(), FieldType.FLOAT: pa.float64(), FieldType.BOOL: pa.bool_()}
_HEAD = b'{"type":"FeatureCollection"'


def _arrow_schema(kind: LayerKind) -> pa.Schema:
    props = pa.struct([pa.field(f.name, _ARROW_TYPES.get(f.type, pa.string())) for f in kind.all_fields])
    geometry = pa.struct([pa.field("type", pa.string()), pa.field("coordinates", pa.list_(pa.float64()))])
    return pa.schema([pa.field("type", pa.string()), pa.field("properties", props), pa.field("geometry", geometry)])


def _read_raw_arrow(path: Path, data: bytes, kind: LayerKind) -> RawLayer | None:
    """Columnar parse of the project's own layout (header line, one feature per line); None if not exact."""
    first_nl, end = data.find(b"\n"), data.rfind(b"]}")
    if not data.startswith(_HEAD) or first_nl < 0 or end <= first_nl or data[first_nl + 1: first_nl + 2] != b"{":
        return None
    body = data[first_nl + 1: end].replace(b"},\n", b"}\n")
    try:
        _decode_utf8(path, body)
        table = pa_json.read_json(io.BytesIO(body), read_options=pa_json.ReadOptions(block_size=1 << 24),
                                  parse_options=pa_json.ParseOptions(explicit_schema=_arrow_schema(kind),
                                                                     unexpected_field_behavior="infer"))
    except (pa.ArrowInvalid, pa.ArrowTypeError, LayerFileError):
        return None
    return _raw_from_table(path, table)


def _raw_from_table(path: Path, table: pa.Table) -> RawLayer | None:
    props = table.column("properties").combine_chunks()
    geom = table.column("geometry").combine_chunks()
    gtype = geom.field("type").to_numpy(zero_copy_only=False)
    coords = geom.field("coordinates")
    lengths = pc.fill_null(pc.list_value_length(coords), 0).to_numpy()
    if not ((gtype == "Point") & (lengths >= 2)).all() or geom.null_count:
        return None  # a null, empty or non-point geometry: the generic parser explains it
    offsets = coords.offsets.to_numpy()[:-1]
    values = coords.values.to_numpy()
    frame = pa.table({f.name: props.field(f.name) for f in props.type}).to_pandas()
    return RawLayer(path=path, props=frame, lon=values[offsets].astype("float64"),
                    lat=values[offsets + 1].astype("float64"), geom_type=np.full(len(frame), "Point", dtype=object))


def read_vector(path: str | os.PathLike) -> gpd.GeoDataFrame:
    """Read a base layer (county, townships, villages, river, forest) as WGS 84."""
    path = Path(path)
    _load_json(path)  # clear message on a broken file before GDAL sees it
    gdf = gpd.read_file(path, engine="pyogrio")
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    return gdf.to_crs("EPSG:4326") if not gdf.crs.equals("EPSG:4326") else gdf


# ---------------------------------------------------------------- writing


def _jsonable(value, ftype: FieldType | None):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return None
        if ftype == FieldType.INT and float(value).is_integer():
            return int(value)
        return float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat() if ftype == FieldType.DATE else value.isoformat()
    return value


def _field_types(kind: LayerKind | None) -> dict[str, FieldType]:
    return {f.name: f.type for f in kind.all_fields} if kind else {}


def _ordered_columns(frame: pd.DataFrame, kind: LayerKind | None) -> list[str]:
    cols = [c for c in frame.columns if c != frame.geometry.name] if isinstance(frame, gpd.GeoDataFrame) else [
        c for c in frame.columns if c != "geometry"]
    if kind is None:
        return cols
    known = [n for n in kind.field_names if n in cols]
    return known + [c for c in cols if c not in known]


def _geometry_json(geom) -> bytes:
    if geom is None or geom.is_empty:
        return b"null"
    if geom.geom_type == "Point":
        x, y = round(geom.x, COORD_DECIMALS), round(geom.y, COORD_DECIMALS)
        return b'{"type":"Point","coordinates":[' + repr(x).encode() + b"," + repr(y).encode() + b"]}"
    rounded = shapely.set_precision(geom, 10 ** -COORD_DECIMALS) if geom.geom_type != "Point" else geom
    return orjson.dumps(shapely.geometry.mapping(rounded))


def frame_to_geojson_bytes(frame: gpd.GeoDataFrame, kind: LayerKind | None = None,
                           extra_members: dict | None = None) -> bytes:
    """Serialise a frame as a FeatureCollection, one feature per line (diff-friendly)."""
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    cols = _ordered_columns(frame, kind)
    types = _field_types(kind)
    columns = {c: frame[c].tolist() for c in cols}
    geoms = frame.geometry.array
    head = {"type": "FeatureCollection", **(extra_members or {})}
    lines = []
    for i in range(len(frame)):
        props = {c: _jsonable(columns[c][i], types.get(c)) for c in cols}
        lines.append(b'{"type":"Feature","properties":' + orjson.dumps(props, option=orjson.OPT_NON_STR_KEYS)
                     + b',"geometry":' + _geometry_json(geoms[i]) + b"}")
    return _collection_bytes(head, lines)


def features_to_geojson_bytes(head: dict, features: list[dict]) -> bytes:
    """Already-parsed features (the importer's merge) in the same layout as :func:`frame_to_geojson_bytes`."""
    return _collection_bytes({"type": "FeatureCollection", **head}, [orjson.dumps(f) for f in features])


def _collection_bytes(head: dict, feature_lines: list[bytes]) -> bytes:
    """The one registry GeoJSON layout: the head, then one feature per line (diff-friendly)."""
    n = len(feature_lines)
    lines = [orjson.dumps(head)[:-1] + b',"features":[']
    lines += [line + (b"," if i < n - 1 else b"") for i, line in enumerate(feature_lines)]
    lines.append(b"]}\n")
    return b"\n".join(lines)


def read_feature_collection(path: str | os.PathLike, data: bytes | None = None) -> dict:
    """A registry file as a parsed FeatureCollection (the one reader; errors name the file)."""
    return _load_json(Path(path), data)


def _file_mode(path: Path) -> int:
    with contextlib.suppress(FileNotFoundError):
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temporary file in the same folder, fsync, rename.

    A crash at any moment leaves either the old file or the new one, never a torn file. A path that
    cannot be written (no such folder, read-only, ``/proc``, disk full) raises :class:`LayerFileError`
    naming ``path``, and leaves nothing behind.
    """
    path = Path(path)
    try:
        _write_replace(path, data)
    except OSError as exc:
        raise unwritable(path, exc) from None
    with contextlib.suppress(OSError):  # make the rename durable where the OS allows
        dirfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)


def unwritable(path: str | os.PathLike, exc: OSError) -> LayerFileError:
    """The one message for an output that cannot be written: the path the user named and why."""
    return LayerFileError(f"{path}: 无法写入（{exc.strerror or exc}）；请换一个可写的位置")


def _write_replace(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _file_mode(path))  # mkstemp makes 0600 files; keep the usual permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_geojson(path: str | os.PathLike, frame: gpd.GeoDataFrame, kind: LayerKind | None = None,
                  extra_members: dict | None = None) -> None:
    """Write a frame as GeoJSON atomically (see :func:`frame_to_geojson_bytes`)."""
    atomic_write_bytes(path, frame_to_geojson_bytes(frame, kind, extra_members))


# ---------------------------------------------------------------- locks


@contextlib.contextmanager
def layer_lock(root: str | os.PathLike, layer_id: str, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Serialise writers of one layer across processes."""
    lock_dir = Path(root) / ".locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_dir / f"{layer_id}.lock"))
    try:
        lock.acquire(timeout=timeout_s)
    except Timeout:
        raise LayerLockError(
            f"图层 {layer_id} 正被另一个进程写入，{timeout_s:.0f} 秒内未释放；请稍后重试") from None
    try:
        yield
    finally:
        lock.release()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_json_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
