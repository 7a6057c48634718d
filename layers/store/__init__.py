"""The store: registry files on disk (``io``), the workspace and its versioned saves (``workspace``),
and the reconcile step that keeps the history honest after a crash or a failing disk (``reconcile``)."""
