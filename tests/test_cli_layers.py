"""One ``--layers`` parser for every command (riskmap.cli.common.parse_layers)."""

from __future__ import annotations

import pytest

from layers.errors import SelectionError
from layers.kinds import LAYER_KINDS
from riskmap.cli.common import parse_layers


def test_ids_and_chinese_labels_mixed_deduplicated_in_order():
    a, b = LAYER_KINDS[0], LAYER_KINDS[-1]
    assert parse_layers(f"{b.label}，{a.id},{b.id}") == (b.id, a.id)


@pytest.mark.parametrize("text", ["all", "ALL", "", " , "])
def test_all_or_nothing_means_every_layer(text):
    assert parse_layers(text) == ()


def test_unknown_layer_names_it_and_lists_the_choices():
    with pytest.raises(SelectionError) as err:
        parse_layers("bridges")
    msg = str(err.value)
    assert "bridges" in msg and all(k.id in msg and k.label in msg for k in LAYER_KINDS) and "all" in msg
