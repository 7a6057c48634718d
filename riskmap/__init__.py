"""The thin edges: the ``riskmap`` command line (``riskmap.cli``) and the Streamlit pages (``riskmap.ui``)."""

__all__: list[str] = []  # sub-modules are imported by name
