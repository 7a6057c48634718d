"""The edge-case examples in the libraries' docstrings run as tests (STYLE §9)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("layers", "riskmodel", "riskmap.mapview", "riskmap.render")
MODULES = sorted(
    info.name
    for pkg in PACKAGES
    for info in pkgutil.walk_packages(importlib.import_module(pkg).__path__, prefix=f"{pkg}.")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
