"""An output that cannot be written is one line naming the path, exit 2, and nothing left behind."""

from __future__ import annotations

import subprocess
import sys

import pytest

UNWRITABLE = "/proc/riskmap-test-out"
CASES = {
    "map": ["map", "--out", f"{UNWRITABLE}.html", "--no-hillshade", "--no-analysis"],
    "template": ["template", "shelter", "--out", f"{UNWRITABLE}.xlsx"],
    "scenario": ["scenario", "--warning", "太平镇=红", "--out", UNWRITABLE],
    "export": ["export", "--township", "太平镇", "--format", "csv", "--out", f"{UNWRITABLE}.csv"],
    "export-dir": ["export", "--township", "all", "--layers", "ferry", "--format", "csv", "--out", f"{UNWRITABLE}/"],
    "analyze": ["analyze", "--out", UNWRITABLE],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_unwritable_output_is_one_line_exit_2(name):
    proc = subprocess.run(
        [sys.executable, "-m", "riskmap.cli.main", *CASES[name]], capture_output=True, text=True, timeout=300
    )
    err = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert err and err[-1].startswith("riskmap ") and "/proc/riskmap-test-out" in err[-1], err
