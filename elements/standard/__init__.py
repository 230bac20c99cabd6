"""Click's standard elements."""
