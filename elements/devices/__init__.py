"""Click's devices elements."""
