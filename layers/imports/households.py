"""The threatened-household table of the geohazard sites (防灾避险明白卡 one per household).

Optional; one row per household: ``site_id`` (the geohazard site's 编号), ``head_name`` 户主,
``people`` 家庭人数, ``address`` 住址, ``house_type`` 房屋类别, ``phone`` 电话. Household names,
addresses and phones are personal data (masked like contacts for roles that may not see them).

Read from CSV (UTF-8 or GB18030, detected) or XLSX with Chinese headers (户主, 人数, 住址, 房屋类别,
电话, 隐患点编号 …). The workspace's own table is ``<workspace>/households.csv``; :func:`save_households`
checks a file and writes it there atomically. Every problem names the file, row and column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from layers.errors import LayerFileError, LayerValidationError, Problem
from layers.imports.readers import decode_text, normalize_header
from layers.store.io import atomic_write_bytes, layer_lock

__all__ = ["HOUSEHOLD_COLUMNS", "HOUSEHOLD_FILE", "PERSONAL_COLUMNS", "read_households",
           "save_households", "workspace_households"]

HOUSEHOLD_FILE = "households.csv"
HOUSEHOLD_COLUMNS = ("site_id", "head_name", "people", "address", "house_type", "phone")
PERSONAL_COLUMNS = ("head_name", "address", "phone")
_LABELS = {"site_id": "隐患点编号", "head_name": "户主", "people": "家庭人数", "address": "住址",
           "house_type": "房屋类别", "phone": "电话"}
_ALIASES = {
    "site_id": ("隐患点编号", "隐患点", "编号", "统一编号", "site_id"),
    "head_name": ("户主", "户主姓名", "姓名", "head_name"),
    "people": ("家庭人数", "人数", "人口", "家庭人口", "people"),
    "address": ("住址", "家庭住址", "地址", "address"),
    "house_type": ("房屋类别", "房屋类型", "房屋结构", "house_type"),
    "phone": ("电话", "联系电话", "手机", "phone"),
}
_BY_ALIAS = {normalize_header(a): col for col, names in _ALIASES.items() for a in names}


def _grid(path: Path, data: bytes) -> list[list]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a broken workbook
            raise LayerFileError(f"{path.name}: 不是有效的 XLSX 文件（{exc}）") from None
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    text, _ = decode_text(data, "auto", path.name)
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]


def _cell(v) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def read_households(path: str | Path, site_ids=None) -> pd.DataFrame:
    """Read a household table; ``site_ids`` (optional) are the geohazard ids a row may name.

    Raises :class:`LayerValidationError` listing every bad row (file, row, column, what is allowed).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LayerFileError(f"{path}: 无法读取（{exc.strerror or exc}）") from None
    grid = [r for r in _grid(path, data) if any(_cell(v) for v in r)]
    if not grid:
        return pd.DataFrame(columns=list(HOUSEHOLD_COLUMNS))
    header = [_BY_ALIAS.get(normalize_header(h)) if h is not None else None for h in grid[0]]
    if "site_id" not in header:
        raise LayerFileError(f"{path.name}: 第 1 行缺少“隐患点编号”列；可用表头：{'、'.join(_LABELS.values())}")
    rows, problems = [], []
    known = {str(s) for s in site_ids} if site_ids is not None else None
    for n, raw in enumerate(grid[1:], start=2):
        rec = dict.fromkeys(HOUSEHOLD_COLUMNS)
        for col, v in zip(header, raw, strict=False):
            if col:
                rec[col] = _cell(v)
        if not rec["site_id"]:
            problems.append(Problem("error", path.name, None, n, "隐患点编号", "不能为空"))
        elif known is not None and rec["site_id"] not in known:
            problems.append(Problem("error", path.name, None, n, "隐患点编号",
                                    f"“{rec['site_id']}”不是已登记的地质灾害隐患点"))
        if rec["people"] is not None:
            try:
                people = float(rec["people"])
                if people < 0 or not people.is_integer():
                    raise ValueError
                rec["people"] = int(people)
            except ValueError:
                problems.append(Problem("error", path.name, None, n, "家庭人数",
                                        f"“{rec['people']}”应为不小于 0 的整数"))
        rows.append(rec)
    if problems:
        raise LayerValidationError(problems)
    return pd.DataFrame(rows, columns=list(HOUSEHOLD_COLUMNS))


def workspace_households(root: str | Path) -> pd.DataFrame | None:
    """The workspace's household table, or None when it has none."""
    path = Path(root) / HOUSEHOLD_FILE
    return read_households(path) if path.exists() else None


def save_households(root: str | Path, source: str | Path, site_ids) -> pd.DataFrame:
    """Check ``source`` and write it as the workspace's ``households.csv`` (UTF-8 with BOM, atomic)."""
    table = read_households(source, site_ids)
    out = table.rename(columns=_LABELS)
    data = out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    with layer_lock(root, "households"):
        atomic_write_bytes(Path(root) / HOUSEHOLD_FILE, data)
    return table
