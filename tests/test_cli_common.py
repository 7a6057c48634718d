"""Every command that computes or exports on a workspace says so when part of it failed validation."""

from __future__ import annotations

import pytest

from riskmap.cli.main import main


@pytest.mark.parametrize("command", [
    ["analyze", "--out", "{tmp}/out"],
    ["export", "--township", "all", "--format", "csv", "--out", "{tmp}/exp"],
    ["map", "--out", "{tmp}/map.html", "--no-hillshade"],
])
def test_commands_warn_when_a_layer_file_is_broken(sample_copy, tmp_path, capsys, command):
    (sample_copy / "ferry.geojson").write_bytes(b"not json")
    args = [a.format(tmp=tmp_path) for a in command]
    assert main([*args, "--workspace", str(sample_copy)]) == 0
    err = capsys.readouterr().err
    assert "警告：工作区有 1 处错误（图层：ferry）" in err and "ferry:-:-:" in err


def test_user_given_before_or_after_a_sub_command_is_kept():
    from riskmap.cli.main import build_parser

    parser = build_parser()
    before = parser.parse_args(["inspections", "--user", "tp", "import", "a.xlsx"])
    after = parser.parse_args(["inspections", "import", "a.xlsx", "--user", "tp"])
    neither = parser.parse_args(["inspections", "import", "a.xlsx"])
    assert before.user == "tp" and after.user == "tp"
    assert getattr(neither, "user", None) is None
