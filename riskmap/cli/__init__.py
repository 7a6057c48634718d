"""The ``riskmap`` command line: one module per command, each with ``add_parser`` and ``run``."""

__all__: list[str] = []  # sub-modules are imported by name
