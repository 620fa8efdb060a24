"""Reusable widgets: header, breadcrumbs, command and filter bars, tables, the console log."""
