"""The thin edges: the ``riskmap`` command line (``riskmap.cli``) and the Streamlit pages (``riskmap.ui``)."""
