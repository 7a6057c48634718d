"""Import: readers of every source format (``readers``), header mapping, plan/diff and apply
(``importer``), and the Excel import template (``template``)."""
