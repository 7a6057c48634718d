"""``riskmap export``: one file, one per township, bad arguments (exit 2, one line), empty selection."""

from __future__ import annotations

import zipfile

import pytest

from layers.exports import FORMATS
from riskmap.cli.main import main
from tests.export import readback as rb


def run(capsys, root, *args: str) -> tuple[int, str, str]:
    try:
        code = main(["export", "--workspace", str(root), *args])
    except SystemExit as exc:  # argparse's own errors (an unknown --format) exit from parse_args
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_one_township_xlsx_by_code(capsys, export_ws_root, export_ws, tmp_path):
    out = tmp_path / "x.xlsx"
    code, stdout, _err = run(
        capsys,
        export_ws_root,
        "--township",
        "500231002000",
        "--layers",
        "ferry,渡口",
        "--format",
        "xlsx",
        "--out",
        str(out),
    )
    assert code == 0 and str(out) in stdout
    sites, cover, _wb = rb.read_xlsx(out.read_bytes())
    ferries = export_ws.layers["ferry"]
    assert {s[0] for s in sites["ferry"]} == set(ferries[ferries["township"] == "乙镇"]["id"])
    assert cover["乡镇"] == "乙镇"


def test_where_by_chinese_label_with_two_values(capsys, export_ws_root, export_ws, tmp_path):
    out = tmp_path / "g.geojson"
    code, _o, _e = run(
        capsys,
        export_ws_root,
        "--township",
        "甲街道,乙镇",
        "--layers",
        "geohazard",
        "--where",
        "险情等级=大型,中型",
        "--format",
        "geojson",
        "--out",
        str(out),
    )
    assert code == 0
    frame = export_ws.layers["geohazard"]
    want = set(frame[frame["danger_level"].isin(["大型", "中型"])]["id"])
    assert {s[0] for s in rb.read_geojson(out.read_bytes())[0]["geohazard"]} == want and want


def test_all_townships_one_zip_each_with_summary(capsys, export_ws_root, export_ws, tmp_path):
    out_dir = tmp_path / "packets"
    code, stdout, _err = run(
        capsys,
        export_ws_root,
        "--township",
        "all",
        "--layers",
        "shelter,ferry",
        "--format",
        "zip",
        "--out",
        str(out_dir),
    )
    assert code == 0
    files = sorted(p.name for p in out_dir.iterdir())
    assert files == sorted(f"{t}.zip" for t in export_ws.townships["name"])
    for path in out_dir.iterdir():
        town = path.stem
        zf = zipfile.ZipFile(path)
        assert len(zf.namelist()) == len(FORMATS)  # every other format + 说明.txt
        got = rb.read_csv(zf.read(f"{town}/{town}.csv"))
        for lid in ("shelter", "ferry"):
            frame = export_ws.layers[lid]
            assert {s[0] for s in got[lid]} == set(frame[frame["township"] == town]["id"])
    lines = stdout.splitlines()
    assert lines[0].split()[:3] == ["乡镇", "应急避难场所", "渡口"]
    assert any(line.startswith("甲街道") for line in lines) and lines[-1].startswith("合计")
    assert lines[-1].split()[-3] == str(len(export_ws.layers["shelter"]) + len(export_ws.layers["ferry"]))


def test_two_where_conditions_both_apply(capsys, export_ws_root, export_ws, tmp_path):
    out = tmp_path / "w.csv"
    code, _o, _e = run(
        capsys,
        export_ws_root,
        "--township",
        "all",
        "--layers",
        "geohazard",
        "--where",
        "险情等级=大型,中型",
        "status=监测中,治理中,已治理",
        "--format",
        "csv",
        "--out",
        str(tmp_path),
    )
    assert code == 0
    frame = export_ws.layers["geohazard"]
    keep = frame["danger_level"].isin(["大型", "中型"]) & frame["status"].isin(["监测中", "治理中", "已治理"])
    got = set()
    for path in tmp_path.glob("*.csv"):
        got |= {s[0] for s in rb.read_csv(path.read_bytes()).get("geohazard", [])}
    assert got and got == set(frame[keep]["id"])
    assert not out.exists()


def test_all_into_an_existing_file_is_refused(capsys, export_ws_root, tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x", encoding="utf-8")
    code, _o, err = run(capsys, export_ws_root, "--township", "all", "--format", "csv", "--out", str(target))
    assert code == 2 and "文件夹" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--township", "丙镇"), "丙镇"),
        (("--township", "乙镇", "--layers", "bridges"), "bridges"),
        (("--township", "乙镇", "--where", "height=3"), "height"),
        (("--township", "乙镇", "--where", "险情等级=超大型"), "超大型"),
        (("--township", "乙镇", "--where", "险情等级"), "字段=值"),
        (("--township", "乙镇", "--format", "docx"), "docx"),
    ],
)
def test_bad_arguments_one_line_exit_2_nothing_written(capsys, export_ws_root, tmp_path, args, needle):
    out = tmp_path / "never.csv"
    fmt = () if "--format" in args else ("--format", "csv")
    code, stdout, err = run(capsys, export_ws_root, *args, *fmt, "--out", str(out))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and needle in err and "Traceback" not in err
    assert stdout == "" and not out.exists()


def test_empty_selection_writes_headers_and_warns(capsys, export_ws_root, tmp_path):
    out = tmp_path / "empty.csv"
    code, stdout, err = run(
        capsys,
        export_ws_root,
        "--township",
        "乙镇",
        "--search",
        "没有这个点",
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert code == 0
    assert "警告" in err and "没有符合条件的点位" in err
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and rb.read_csv(data) == {}
    assert data.decode("utf-8-sig").splitlines()[0].startswith("图层,编号,名称")
    assert "已导出 0 处点位" in stdout


def test_json_output_is_one_document(capsys, export_ws_root, tmp_path):
    import json

    code, stdout, _err = run(
        capsys,
        export_ws_root,
        "--township",
        "乙镇",
        "--layers",
        "ferry",
        "--format",
        "kml",
        "--out",
        str(tmp_path) + "/",
        "--json",
    )
    doc = json.loads(stdout)
    assert code == 0 and doc["outputs"][0]["path"].endswith("乙镇_渡口.kml") and doc["total"] == 4
