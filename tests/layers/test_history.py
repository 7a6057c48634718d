"""``riskmap history`` and ``riskmap rollback``: versions with time, source file and counts; byte-identical restore."""

from __future__ import annotations

import json

import pytest

from layers.store.workspace import layer_history, layer_path
from riskmap.cli.main import main
from tests.layers.import_fixtures import shelter_rows, write_csv, write_workspace


@pytest.fixture
def root(tmp_path):
    return write_workspace(tmp_path / "ws")


def _import(root, path) -> int:
    return main(["import", "shelter", str(path), "-w", str(root)])


def test_history_lists_every_import_with_source_and_counts(root, tmp_path, capsys):
    _import(root, write_csv(tmp_path / "一.csv", shelter_rows(2)))
    _import(root, write_csv(tmp_path / "二.csv", shelter_rows(3, start=10)))
    capsys.readouterr()
    assert main(["history", "shelter", "-w", str(root), "--json"]) == 0
    versions = json.loads(capsys.readouterr().out)["versions"]
    assert [(v["version"], v["source"], v["count"]) for v in versions] == [
        (1, "import:一.csv", 2),
        (2, "import:二.csv", 5),
    ]
    assert "新增 3" in versions[1]["note"] and versions[1]["time"]
    assert main(["history", "shelter", "-w", str(root)]) == 0
    text = capsys.readouterr().out
    assert "v1" in text and "import:二.csv" in text


def test_rollback_restores_bytes_and_is_a_new_version(root, tmp_path, capsys):
    _import(root, write_csv(tmp_path / "a.csv", shelter_rows(2)))
    v1_bytes = layer_path(root, "shelter").read_bytes()
    _import(root, write_csv(tmp_path / "b.csv", shelter_rows(4, start=10)))
    assert layer_path(root, "shelter").read_bytes() != v1_bytes
    assert main(["rollback", "shelter", "v0001", "-w", str(root)]) == 0
    assert layer_path(root, "shelter").read_bytes() == v1_bytes
    last = layer_history(root, "shelter")[-1]
    assert (last.version, last.source, last.count) == (3, "rollback:v1", 2)
    assert "记为新版本 3" in capsys.readouterr().out


def test_rollback_unknown_version_exit_2(root, tmp_path, capsys):
    _import(root, write_csv(tmp_path / "a.csv", shelter_rows(1)))
    capsys.readouterr()
    assert main(["rollback", "shelter", "7", "-w", str(root)]) == 2
    assert "没有版本 7；现有版本：1" in capsys.readouterr().err
    assert main(["rollback", "shelter", "abc", "-w", str(root)]) == 2
    assert "版本号“abc”无效" in capsys.readouterr().err


def test_first_save_over_an_existing_file_keeps_it_as_version_1(root, tmp_path):
    _import(root, write_csv(tmp_path / "a.csv", shelter_rows(1)))
    hand_made = layer_path(root, "shelter").read_bytes()
    (root / ".history").rename(root / ".history-old")  # as if the file had been made by hand, with no history
    _import(root, write_csv(tmp_path / "b.csv", shelter_rows(2, start=5)))
    versions = layer_history(root, "shelter")
    assert [v.source for v in versions] == ["initial", "import:b.csv"]
    assert versions[0].path(root, "shelter").read_bytes() == hand_made


def test_history_of_a_layer_never_saved(root, capsys):
    assert main(["history", "ferry", "-w", str(root)]) == 0
    assert "还没有历史版本" in capsys.readouterr().out
