"""Null: passes packets through unchanged."""
from clickpy.element import Element


class Null(Element):
    """Null element: passes packets unchanged.

    Emits every input packet, unchanged, on its output.  Useful as a
    placeholder join point and for benchmarking; PushNull and PullNull force
    an agnostic path to push or pull.
    """

    port_count = "1/1"
    processing = "a/a"
