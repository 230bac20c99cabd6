"""Pad: extends packets to a minimum length."""
from clickpy.args import Arg, Bool, Integer
from clickpy.element import Element


class Pad(Element):
    """Extends packet length to at least LENGTH bytes.

    Packets shorter than LENGTH are extended to LENGTH bytes.  Without LENGTH
    (or with 0) packets are extended by their extra length annotation, undoing
    a Truncate.  Output packets have extra length annotation zero.  With ZERO
    true (the default) the added bytes are zeros.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("LENGTH", Integer(0, name="byte count"), positional=True, default=0,
            doc="minimum length; 0 means use the extra length annotation"),
        Arg("ZERO", Bool(), default=True, doc="fill added bytes with zeros"),
    )
