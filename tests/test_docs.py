"""Docs that cannot drift: the README's command and registry tables follow the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from layers.kinds import LAYER_KINDS
from riskmap.cli.main import COMMANDS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _table_after(heading: str) -> list[list[str]]:
    """Rows (cells) of the first Markdown table under a ``## heading``."""
    section = README.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", r)[1:-1]] for r in rows[2:]]


def test_command_table_lists_every_subcommand_and_only_those():
    documented = set()
    for cells in _table_after("Command line"):
        documented |= set(re.findall(r"`riskmap ([a-z]+)", cells[0]))
    assert documented == {name for name, _ in COMMANDS}


def test_registry_table_lists_every_kind_and_only_those():
    rows = {re.sub(r"`", "", cells[0]): cells for cells in _table_after("Registries (layer kinds)")}
    assert set(rows) == {k.id for k in LAYER_KINDS}


@pytest.mark.parametrize("kind", LAYER_KINDS, ids=lambda k: k.id)
def test_registry_row_shows_label_roles_and_shape(kind):
    cells = {re.sub(r"`", "", c[0]): c for c in _table_after("Registries (layer kinds)")}[kind.id]
    assert cells[1] == kind.label
    assert set(re.findall(r"hazard|exposed|resource", cells[2])) == {str(r) for r in kind.roles}
    assert cells[3] == kind.shape
