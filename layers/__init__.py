"""Registries: kinds declared as data, the workspace store, validation, selection. Never imports streamlit."""

from layers.errors import (
    LayerError,
    LayerFileError,
    LayerValidationError,
    Problem,
    SelectionError,
    WorkspaceError,
)
from layers.kinds import LAYER_KINDS, Field, FieldType, LayerKind, Role, get_kind
from layers.selection import Filter, Selection, select_sites
from layers.store.workspace import DEFAULT_WORKSPACE, Workspace, load_workspace, save_layer

__all__ = [
    "DEFAULT_WORKSPACE",
    "LAYER_KINDS",
    "Field",
    "FieldType",
    "Filter",
    "LayerError",
    "LayerFileError",
    "LayerKind",
    "LayerValidationError",
    "Problem",
    "Role",
    "Selection",
    "SelectionError",
    "Workspace",
    "WorkspaceError",
    "get_kind",
    "load_workspace",
    "save_layer",
    "select_sites",
]
