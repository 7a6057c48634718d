"""Issue 12: an exported CSV and XLSX of a site named ``=HYPERLINK(…)`` opens in LibreOffice with the
text shown, not a formula (``soffice --headless --convert-to csv``, Debian's ``libreoffice-calc``)."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from hostile import saved_workspace

from riskmap.cli.main import main

FORMULA = '=HYPERLINK("http://example.invalid","x")'
SOFFICE = shutil.which("soffice")


CSV_IN = "CSV:44,34,76,1,,0,false,true,false,false,false,-1,true"  # UTF-8, evaluate formulas (the risky setting)
CSV_OUT = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"  # as shown, every sheet


def _convert(sources: list[Path], out_dir: Path, profile: Path, *, infilter: str | None = None) -> dict[str, list]:
    """LibreOffice headless: every sheet of every source as CSV (the values as shown), by file name."""
    args = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore"]
    args += [f"--infilter={infilter}"] if infilter else []
    proc = subprocess.run([*args, "--convert-to", CSV_OUT, "--outdir", str(out_dir), *map(str, sources)],
                          capture_output=True, timeout=300)
    found = {}
    for path in sorted(out_dir.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            found[path.stem] = list(csv.reader(fh))
    assert found, proc.stderr.decode(errors="replace")
    return found


def _names(rows: list[list[str]]) -> list[str]:
    return [row[rows[0].index("名称")] for row in rows[1:] if row]


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice, Debian's libreoffice-calc) is not installed")
def test_libreoffice_shows_the_formula_text_of_exported_csv_and_xlsx(tmp_path):
    ws = saved_workspace(tmp_path / "ws", tmp_path)
    layer = ws / "shelter.geojson"
    layer.write_bytes(layer.read_bytes().replace("甲街道广场".encode(), FORMULA.replace('"', '\\"').encode()))
    for fmt in ("csv", "xlsx"):
        assert main(["export", "-w", str(ws), "-t", "甲街道", "-l", "shelter", "-f", fmt,
                     "-o", str(tmp_path / f"export.{fmt}")]) == 0
    # The control: the same text written raw into a CSV is run by LibreOffice (it shows "x").
    control = tmp_path / "control.csv"
    control.write_bytes('\ufeff名称,数\r\n"{}",1\r\n'.format(FORMULA.replace('"', '""')).encode())
    (tmp_path / "c").mkdir()
    (tmp_path / "x").mkdir()
    csvs = _convert([tmp_path / "export.csv", control], tmp_path / "c", tmp_path / "lo", infilter=CSV_IN)
    xlsx = _convert([tmp_path / "export.xlsx"], tmp_path / "x", tmp_path / "lo")
    assert _names(csvs["control-control"]) == ["x"]  # the check can fail: a live formula is evaluated
    assert _names(csvs["export-export"]) == ["'" + FORMULA]  # the text, shown with its guard
    assert _names(xlsx["export-应急避难场所"]) == [FORMULA]  # a text cell: the text itself
