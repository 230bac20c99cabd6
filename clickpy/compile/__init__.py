"""Whole-configuration compilation: a checked graph becomes fused numba tasks.

plan.py decides the tasks (push paths from sources, pull paths from sinks)
and where push loops are cut; codegen.py writes one Python module in which
every element's kernel is called directly and output ports are branches;
cache.py stores that module on disk keyed by everything it depends on, so
numba's own cache makes a second start skip compilation.
"""
