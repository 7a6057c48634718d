"""Import: readers of every source format (``readers``), header mapping, plan/diff and apply
(``importer``), the Excel import template (``template``) and the threatened-household table of the
两卡 (``households``)."""
