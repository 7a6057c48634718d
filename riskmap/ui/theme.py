"""Page-wide style: a compact top so the map fits a 900 px screen, and Streamlit's own uploader text
in the chosen language (Streamlit has no setting for it; the words are replaced with CSS)."""

from __future__ import annotations

import streamlit as st

from riskmap.ui.state import t

__all__ = ["apply_theme"]

_BASE = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; padding-bottom: 2rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.7rem; padding: 0.1rem 0 0.3rem 0; }
[data-testid="stMainBlockContainer"] [data-testid="stAlert"] p { font-size: 0.9rem; }
[data-testid="stMainBlockContainer"] [data-testid="stAlertContainer"] { padding: 0.45rem 0.8rem; }
@media (max-width: 640px) { [data-testid="stMainBlockContainer"] { padding-left: 0.8rem; padding-right: 0.8rem; } }
</style>
"""

# The uploader's drop zone: "Drag and drop file here" / "Limit 200MB per file • CSV…" / "Browse files".
_UPLOADER_ZH = """
<style>
[data-testid="stFileUploaderDropzoneInstructions"] > div > span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::before { content: "拖放文件到此处"; }
[data-testid="stFileUploaderDropzoneInstructions"] > div > small { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] > div > small::before {
  content: "单个文件不超过 %(mb)s MB · CSV、XLSX、GeoJSON、Shapefile(zip)、GPKG、KML/KMZ"; font-size: 0.8rem; }
[data-testid="stFileUploaderDropzone"] button { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button::after { content: "选择文件"; font-size: 0.9rem; }
[data-testid="stFileUploaderDeleteBtn"] button::after { content: none; }
</style>
"""


def apply_theme(max_upload_mb: int) -> None:
    """Inject the page style (call once per run, before the page renders)."""
    st.html(_BASE + (t(_UPLOADER_ZH % {"mb": max_upload_mb}, "")))
