"""Numba helpers shared by several elements' kernels, one file per topic."""
