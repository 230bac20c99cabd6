"""Truncate: limits packet length."""
from clickpy.args import Arg, Bool, Integer
from clickpy.element import Element, Handler


class Truncate(Element):
    """Limits packet length to LENGTH bytes.

    Shortens packets longer than LENGTH bytes to LENGTH.  With EXTRA_LENGTH
    true (the default) the removed byte count is added to the packet's extra
    length annotation, so ToDump still records the original length.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("LENGTH", Integer(0, name="byte count"), required=True, positional=True,
            doc="maximum packet length"),
        Arg("EXTRA_LENGTH", Bool(), default=True,
            doc="add dropped bytes to the extra length annotation"),
    )
    handlers = (Handler("nbytes", write=True, doc="the LENGTH limit"),)
