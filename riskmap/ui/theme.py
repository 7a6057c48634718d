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
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding: 3.6rem 0.8rem 2rem 0.8rem; }
  /* a row of KPIs stays two per row on a phone (stacked, six of them hid the map below the fold) */
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"]) {
    flex-direction: row; flex-wrap: wrap; gap: 0.3rem 0.8rem; }
  [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] [data-testid="stMetric"])
    > [data-testid="stColumn"] { flex: 1 1 calc(50% - 0.8rem); min-width: calc(50% - 0.8rem); width: auto; }
  [data-testid="stMetricValue"] { font-size: 1.5rem; }
  [data-testid="stMetricLabel"] p { font-size: 0.8rem; }
}
</style>
"""

# The uploader's drop zone (Streamlit 1.67): a button "Upload" and "50MB per file • CSV, …".
_UPLOADER_ZH = """
<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] { display: none; }
[data-testid="stFileUploaderDropzone"] button > div::after { content: "选择文件"; }
[data-testid="stFileUploaderDropzoneInstructions"] > div > span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::before {
  content: "拖放文件到此处，或点“选择文件”；单个文件不超过 %(mb)s MB（CSV、XLSX、GeoJSON、Shapefile 压缩包、GPKG、KML/KMZ）";
  font-size: 0.8rem; }
</style>
"""


def apply_theme(max_upload_mb: int) -> None:
    """Inject the page style (call once per run, before the page renders)."""
    st.html(_BASE + (t(_UPLOADER_ZH % {"mb": max_upload_mb}, "")))
