"""Click's analysis elements."""
