"""Personal data masked by role: in frames, the app's workspace view and every export format."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile

import openpyxl
import pyogrio
import pytest

from layers.access import Actor, find_user, mask_frame, mask_value, masked_workspace
from layers.access.masking import personal_fields
from layers.exports import FORMATS, export_bytes
from layers.kinds import LAYER_KINDS
from layers.selection import Selection
from layers.store.workspace import load_workspace
from tests.access.conftest import BAIJIA, TAIPING

FULL_PHONE = re.compile(r"1381234\d{4}")
MASKED_PHONE = "138****"


def test_mask_values():
    assert mask_value("13812345678") == "138****5678"
    assert mask_value("023-7451 2345") == "023****2345"
    assert mask_value("张三") == "张*"
    assert mask_value("") == "" and mask_value(None) is None


def test_personal_fields_come_from_the_kinds():
    for kind in LAYER_KINDS:
        assert set(personal_fields(kind)) == {f.name for f in kind.all_fields if f.personal}
        assert {"contact_name", "contact_phone"} <= set(personal_fields(kind))


def test_township_editor_sees_own_township_in_full_and_others_masked(with_users):
    ws = load_workspace(with_users)
    tp = find_user(with_users, "tp").actor
    view = masked_workspace(ws, tp)
    for lid, frame in view.layers.items():
        raw = ws.layers[lid]
        for town, shown, orig in zip(frame["township"], frame["contact_phone"], raw["contact_phone"], strict=True):
            if town == TAIPING:
                assert shown == orig and FULL_PHONE.fullmatch(shown)
            else:
                assert town == BAIJIA and shown == f"{orig[:3]}****{orig[-4:]}"
        assert set(frame.loc[frame["township"] == BAIJIA, "contact_name"]) <= {"李*"}
    assert ws.layers["geohazard"]["contact_phone"].str.fullmatch(FULL_PHONE.pattern).all()  # never changed


@pytest.mark.parametrize("role,township,masked", [
    ("管理员", None, False), ("县级编辑", None, False), ("查看", None, True), ("领导", None, True),
    ("查看", TAIPING, True),
])
def test_who_sees_personal_data(access_ws, role, township, masked):
    frame = load_workspace(access_ws).layers["shelter"]
    out = mask_frame(frame, "shelter", Actor("x", role, township))
    assert (out["contact_phone"] != frame["contact_phone"]).all() == masked


def _texts(fmt: str, data: bytes, tmp_path) -> str:
    """Everything a reader of the file sees, as text."""
    if fmt in ("csv", "geojson", "kml", "gpx"):
        return data.decode("utf-8-sig")
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(io.BytesIO(data))
        return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    if fmt == "gpkg":
        path = tmp_path / "x.gpkg"
        path.write_bytes(data)
        return "\n".join(pyogrio.read_dataframe(path, layer=name).to_csv() for name, _ in pyogrio.list_layers(path))
    if fmt == "pdf":
        path = tmp_path / "x.pdf"
        path.write_bytes(data)
        return subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # kmz, zip
        return "\n".join(_texts(n.rsplit(".", 1)[-1], zf.read(n), tmp_path) for n in zf.namelist()
                         if n.rsplit(".", 1)[-1] in ("csv", "geojson", "kml", "gpx", "xlsx", "gpkg", "pdf"))


@pytest.mark.slow
def test_viewer_export_of_every_format_reads_back_with_every_phone_masked(with_users, tmp_path):
    ws = load_workspace(with_users)
    viewer, admin = find_user(with_users, "viewer").actor, find_user(with_users, "admin").actor
    one_town = Selection(townships=(TAIPING,))  # the PDF packet is per township
    for fmt in FORMATS:
        sel = one_town if fmt in ("pdf", "zip") else Selection()
        full = _texts(fmt, export_bytes(ws, sel, fmt, actor=admin), tmp_path)
        seen = _texts(fmt, export_bytes(ws, sel, fmt, actor=viewer), tmp_path)
        assert not FULL_PHONE.search(seen), fmt
        assert "张三丰" not in seen, fmt
        if FULL_PHONE.search(full):  # the format carries phones: the viewer gets them masked
            assert MASKED_PHONE in seen, fmt
    assert FULL_PHONE.search(_texts("csv", export_bytes(ws, Selection(), "csv", actor=admin), tmp_path))
