"""Click's ethernet elements."""
