"""Checklists (自查): an enterprise fills a checklist created from a plugin's template; the
record keeps a snapshot of the template version it was started with."""
