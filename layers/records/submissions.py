"""ODK Central and KoboToolbox submission exports → canonical inspection / task rows.

Accepted: the CSV each server exports (ODK Central joins groups with ``-`` and writes
``meta-instanceID``, ``KEY``, ``FormVersion``, geopoints as ``…-Latitude``/``…-Longitude``;
KoboToolbox joins groups with ``/``, may use ``;`` as delimiter, writes ``_uuid``, ``_id``,
``__version__``, geopoints as ``_<name>_latitude``), either alone (with a ``media/`` folder beside
it) or inside the ODK Central "with media" ZIP, plus an optional media ZIP/folder. The form's own
``form_version`` field (set by our XLSForm) must be one this project writes; another form or an
unknown version is one clear error.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd

from layers.errors import LayerFileError
from layers.records.schema import MEASURES, measure_key

__all__ = ["FORM_SCHEMA", "MediaSource", "read_submissions"]

FORM_SCHEMA = "r1"  # prefix of every form_version our XLSForm writes; bump when the form's fields change
_MAX_MEMBERS = 5000
_MAX_RATIO = 200  # compressed → uncompressed; beyond that a member is treated as a zip bomb


class MediaSource:
    """Photo bytes by file name, from a folder or a ZIP (read lazily, sizes checked before reading)."""

    def __init__(self, files: dict[str, object] | None = None, zf: zipfile.ZipFile | None = None,
                 folder: Path | None = None):
        self._files, self._zip, self._folder = files or {}, zf, folder

    @classmethod
    def from_path(cls, path: Path | None) -> MediaSource:
        if path is None:
            return cls()
        if path.is_dir():
            return cls(folder=path)
        return cls.from_zip(zipfile.ZipFile(path))

    @classmethod
    def from_zip(cls, zf: zipfile.ZipFile) -> MediaSource:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > _MAX_MEMBERS:
            raise LayerFileError(f"媒体压缩包有 {len(infos)} 个文件，超过 {_MAX_MEMBERS} 个上限")
        return cls(files={Path(i.filename).name: i for i in infos}, zf=zf)

    def get(self, name: str, max_bytes: int) -> bytes | str:
        """The file's bytes, or the reason it cannot be read."""
        base = Path(str(name)).name
        if self._folder is not None:
            p = self._folder / base
            if not p.is_file():
                return "媒体文件中找不到该照片"
            if p.stat().st_size > max_bytes:
                return f"文件超过 {max_bytes / 1048576:.0f} MB 上限"
            return p.read_bytes()
        info = self._files.get(base)
        if info is None or self._zip is None:
            return "媒体文件中找不到该照片"
        assert isinstance(info, zipfile.ZipInfo)
        if info.file_size > max_bytes:
            return f"文件超过 {max_bytes / 1048576:.0f} MB 上限"
        if info.compress_size and info.file_size / info.compress_size > _MAX_RATIO:
            return "压缩比异常（疑似压缩炸弹）"
        with self._zip.open(info) as fh:
            data = fh.read(max_bytes + 1)
        return data if len(data) <= max_bytes else f"文件超过 {max_bytes / 1048576:.0f} MB 上限"


def _sniff_delimiter(text: str) -> str:
    head = text.splitlines()[0] if text else ""
    return ";" if head.count(";") > head.count(",") else ","


def _short(header: str) -> str:
    """``inspection/site`` / ``inspection-site`` / ``meta-instanceID`` → ``site`` / ``instanceID``."""
    h = header.strip()
    low = h.lower()
    for suffix, name in (("latitude", "lat"), ("longitude", "lon")):
        if low.endswith(suffix) and ("-" in h or "/" in h or h.startswith("_")):
            return f"{name}@{h[: -len(suffix)].rstrip('-_/').split('/')[-1].split('-')[-1].lstrip('_')}"
    return h.split("/")[-1].split("-")[-1] if not h.startswith("_") else h


def _read_csv_text(name: str, data: bytes) -> pd.DataFrame:
    text = data.decode("utf-8-sig", errors="replace")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=_sniff_delimiter(text), dtype=str, keep_default_na=False,
                            quoting=csv.QUOTE_MINIMAL)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LayerFileError(f"{name}: 无法读取为 CSV（{exc}）") from None
    return frame


def _check_version(name: str, frame: pd.DataFrame) -> str:
    col = "form_version" if "form_version" in frame.columns else None
    if col is None:
        raise LayerFileError(f"{name}: 不是本系统巡查表单的提交数据（没有 form_version 列）；"
                             "请用 riskmap export --format xlsform 导出的表单收集数据")
    versions = sorted(set(frame[col].astype(str)) - {""})
    unknown = [v for v in versions if not v.startswith(FORM_SCHEMA + ".")]
    if unknown:
        raise LayerFileError(f"{name}: 表单版本 “{'、'.join(unknown)}” 未知（本系统可读的版本以 {FORM_SCHEMA}. 开头）；"
                             "请用 riskmap export --format xlsform 重新导出表单并重新收集")
    return ", ".join(versions)


def _canonical(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    cols = {c: _short(c) for c in frame.columns}
    f = frame.rename(columns=cols)
    f = f.loc[:, ~f.columns.duplicated()]
    key = next((f[c] for c in ("instanceID", "KEY", "_uuid") if c in f.columns and f[c].ne("").any()), None)
    lat = next((c for c in f.columns if c.startswith("lat@")), None)
    lon = next((c for c in f.columns if c.startswith("lon@")), None)
    site = f.get("site", pd.Series("", index=f.index)).astype(str)
    parts = site.str.partition(".")
    layer, site_id = (parts[0], parts[2]) if len(f) else ([], [])
    photos = [c for c in f.columns if c.startswith("photo") and not c.endswith("_URL")]
    kind = f.get("report", pd.Series("inspection", index=f.index)).replace("", "inspection")
    rows = pd.Series(range(2, len(f) + 2), index=f.index)
    ins = pd.DataFrame({
        "row": rows, "layer": layer, "site_id": site_id, "checked_at": f.get("checked_at"),
        "inspector": f.get("inspector"), "result": f.get("result"), "findings": f.get("findings"),
        "lat": f[lat] if lat else None, "lon": f[lon] if lon else None,
        "photos": f[photos].apply(lambda r: [v for v in r if v], axis=1) if photos else None,
        "key": key,
    })
    for fields in MEASURES.values():
        for m in fields:
            if m.name in f.columns:
                ins[measure_key(m)] = f[m.name]
    tasks = pd.DataFrame({"row": rows, "task_id": f.get("task"), "status": f.get("task_status"),
                          "by": f.get("inspector"), "at": f.get("checked_at"), "notes": f.get("task_notes"),
                          "people_evacuated": f.get("task_people"), "key": key})
    is_task = kind.eq("task").to_numpy()
    return ins[~is_task].reset_index(drop=True), tasks[is_task].reset_index(drop=True)


def read_submissions(path: Path, media: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, MediaSource, str]:
    """(inspection rows, task rows, media, form version) from a submissions CSV or ODK Central ZIP."""
    if path.suffix.lower() == ".zip":
        zf = zipfile.ZipFile(path)
        csvs = [i for i in zf.infolist() if i.filename.lower().endswith(".csv") and "/" not in i.filename.strip("/")]
        csvs = csvs or [i for i in zf.infolist() if i.filename.lower().endswith(".csv")]
        if not csvs:
            raise LayerFileError(f"{path}: 压缩包中没有提交数据 CSV")
        main = min(csvs, key=lambda i: len(i.filename))  # repeat tables have longer names
        if main.file_size > 512 * 1024 * 1024:
            raise LayerFileError(f"{path}: {main.filename} 过大")
        frame = _read_csv_text(f"{path}:{main.filename}", zf.read(main))
        source = MediaSource.from_path(media) if media else MediaSource.from_zip(zf)
    else:
        frame = _read_csv_text(str(path), path.read_bytes())
        beside = path.parent / "media"
        source = MediaSource.from_path(media if media else (beside if beside.is_dir() else None))
    version = _check_version(str(path), frame)
    ins, tasks = _canonical(frame)
    return ins, tasks, source, version
