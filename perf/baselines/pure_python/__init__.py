"""Pure-Python baselines: one module per middlebox, each with build() -> Graph."""
import importlib


def build(name: str):
    return importlib.import_module(f"perf.baselines.pure_python.{name}").build()
