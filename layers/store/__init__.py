"""The store: registry files on disk (``io``), the workspace and its versioned saves (``workspace``)."""
