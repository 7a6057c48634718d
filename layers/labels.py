"""The label of any layer id the model reports — a registry kind or the village base layer — once.

The model's tables name layers by id; pages, exports and the briefing show this label.
"""

from __future__ import annotations

from layers.kinds import get_kind

__all__ = ["VILLAGE_LABEL", "VILLAGE_LAYER", "layer_label"]

VILLAGE_LAYER = "village"  # the villages base layer, an exposed element beside the registries
VILLAGE_LABEL = {"zh": "村(社区)", "en": "Villages"}


def layer_label(layer_id: str, lang: str = "zh") -> str:
    """Label of a layer id in ``lang`` (``zh``/``en``).

    >>> layer_label("village"), layer_label("village", "en")
    ('村(社区)', 'Villages')
    """
    if layer_id == VILLAGE_LAYER:
        return VILLAGE_LABEL[lang]
    kind = get_kind(layer_id)
    return kind.label_en if lang == "en" else kind.label
