"""Pure functions laying out core's results for the screens (rows, tables, text; no widgets)."""
