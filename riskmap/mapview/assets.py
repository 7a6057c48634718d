"""Offline assets: every script and style sheet a map needs comes from an installed package.

folium names its assets by CDN URL; the ``folium-offline`` package carries the content of
those URLs (``offlinefolium.elements._res``). :func:`localize_assets` rewrites every asset link
of a map, either to our own server (``/app/static/vendor/...``, Streamlit static serving) or
inline into the page (a standalone HTML file). A link to anything the package does not carry
raises, so no map can ever point at a CDN.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import PurePosixPath

import branca.colormap
import folium
from branca.element import Element, Figure

from layers.store.io import atomic_write_bytes

__all__ = [
    "LEAFLET_CSS_URL",
    "LEAFLET_JS_URL",
    "OfflineAssetError",
    "asset_filename",
    "asset_text",
    "collect_asset_urls",
    "localize_assets",
    "publish_assets",
]

# folium names Leaflet by the address it would load it from; we only use that name as the key of
# the content the installed folium-offline package carries (never as a link in a page).
LEAFLET_JS_URL = dict(folium.folium._default_js)["leaflet"]
LEAFLET_CSS_URL = dict(folium.folium._default_css)["leaflet_css"]
VENDOR_DIR = "vendor"


class OfflineAssetError(ValueError):
    """A map element asks for an asset that no installed package carries."""


@cache
def _offline_resources() -> dict[str, str]:
    from offlinefolium.elements import _res  # folium-offline: {CDN URL: file content}

    return _res


def asset_text(url: str) -> str:
    """The content of an asset named by its CDN URL, from the installed ``folium-offline`` package."""
    try:
        return _offline_resources()[url]
    except KeyError:
        raise OfflineAssetError(
            f"地图资源 {url} 不在已安装的 folium-offline 包中；离线地图不能引用外部网址"
        ) from None


def asset_filename(url: str) -> str:
    """Stable local file name for an asset URL, e.g. ``vendor/1a2b3c4d-leaflet.js``."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:8]
    return f"{VENDOR_DIR}/{digest}-{PurePosixPath(url.split('?')[0]).name}"


def _walk(element):
    yield element
    for child in list(getattr(element, "_children", {}).values()):
        yield from _walk(child)


def collect_asset_urls(m: folium.Map) -> tuple[list[str], list[str]]:
    """(js urls, css urls) of every element of the map, in load order, as streamlit-folium collects them."""
    js, css = [], []
    for elem in _walk(m):
        if isinstance(elem, branca.colormap.ColorMap):
            raise OfflineAssetError("branca 色带需要在线加载 d3；请改用 riskmap.mapview 的图例")
        js += [u for _, u in getattr(elem, "default_js", [])]
        css += [u for _, u in getattr(elem, "default_css", [])]
    return list(dict.fromkeys(js)), list(dict.fromkeys(css))


def _script_safe(text: str) -> str:
    return text.replace("</script", "<\\/script").replace("</style", "<\\/style")


def localize_assets(m: folium.Map, asset_base: str | None) -> list[str]:
    """Point every asset link of ``m`` at our server (``asset_base``) or inline it (``None``).

    Returns the CDN URLs involved (for :func:`publish_assets`). Call once, after the map is built.
    """
    js, css = collect_asset_urls(m)
    for url in js + css:
        asset_text(url)  # raises on an asset we cannot serve offline
    for elem in _walk(m):
        for attr in ("default_js", "default_css"):
            links = getattr(elem, attr, None)
            if links:
                new = [] if asset_base is None else [(n, asset_base + asset_filename(u)) for n, u in links]
                setattr(elem, attr, new)  # instance attribute: never mutate folium's class lists
    if asset_base is None:
        _inline(m.get_root(), js, css)
    m.rm_asset_urls = tuple(js + css)  # what publish_assets must write for the served mode
    return js + css


class RawText(Element):
    """Text put into the page as it is.

    branca turns every rendered piece of a map (a macro's script, an ``Element(text)``) into a new
    jinja template and renders it again: a site named ``{{ 7*7 }}`` came out as ``49``, so registry
    text ran as server-side template code, and 350 KB of site data were tokenised by jinja on every
    render. Text in a ``RawText`` is never a template.
    """

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


class RawMacro(folium.MacroElement):
    """A ``MacroElement`` whose rendered header, html and script go into the page as ``RawText``.

    Same output as branca's ``MacroElement.render`` for text without jinja syntax; for text with
    it, the text itself (registry values are data, never template code).
    """

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        module = self._template.module
        for part, target in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
            macro = getattr(module, part, None)
            if macro is not None:
                text = str(macro(self, kwargs))  # as jinja would give it: one trailing newline dropped
                target.add_child(RawText(text[:-1] if text.endswith("\n") else text), name=self.get_name())
        for child in list(self._children.values()):
            child.render(**kwargs)


def _inline(figure: Figure, js: list[str], css: list[str]) -> None:
    for i, url in enumerate(css):
        figure.header.add_child(
            RawText(f"<style>{_script_safe(asset_text(url))}</style>"), name=f"rm_css_{i}"
        )
    for i, url in enumerate(js):
        figure.header.add_child(
            RawText(f"<script>{_script_safe(asset_text(url))}</script>"), name=f"rm_js_{i}"
        )


def publish_assets(urls, static_dir) -> list[str]:
    """Write the assets (by CDN URL) under ``static_dir`` for Streamlit's static serving.

    Idempotent: a file already present with the same size is left alone. Returns written names.
    These files come from an installed package and are not committed (``static/vendor`` is ignored).
    """
    from pathlib import Path

    written = []
    for url in urls:
        data = asset_text(url).encode("utf-8")
        path = Path(static_dir) / asset_filename(url)
        if path.exists() and path.stat().st_size == len(data):
            continue
        atomic_write_bytes(path, data)
        written.append(path.name)
    return written
