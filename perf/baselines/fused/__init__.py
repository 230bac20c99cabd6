"""Hand-fused numba loops: the same work as a middlebox, written as one function (the ceiling)."""
