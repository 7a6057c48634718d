"""Streamlit pages. One module per page, each with ``render()``; shared state in ``state``."""
