"""Streamlit pages. One module per page, each with ``render()``; shared state in ``state``."""

__all__: list[str] = []  # sub-modules are imported by name
