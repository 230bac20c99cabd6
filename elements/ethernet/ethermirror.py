"""EtherMirror: swaps the Ethernet source and destination."""
from clickpy.element import Element


class EtherMirror(Element):
    """Swaps Ethernet source and destination addresses.

    Input packets are Ethernet frames; each leaves with its two addresses
    exchanged.
    """

    port_count = "1/1"
    processing = "a/a"
