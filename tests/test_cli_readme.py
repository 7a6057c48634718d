"""The README's command table lists exactly the commands ``riskmap`` has."""

from __future__ import annotations

import re
from pathlib import Path

from riskmap.cli.main import COMMANDS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_command_table_matches_the_commands():
    section = README.split("## Command line", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `riskmap ")]
    listed = {name for line in rows for name in re.findall(r"`riskmap (\w+)", line.split(" | ")[0])}
    listed |= {m for line in rows for m in re.findall(r"/ `riskmap (\w+)", line)}
    assert listed == {name for name, _ in COMMANDS}
