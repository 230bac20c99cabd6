"""IPReassembler: rebuilds IP packets from their fragments."""
from clickpy.args import Arg, Integer
from clickpy.argtypes.packet_annotations import Annotation
from clickpy.element import IP_HEADER, Element, Handler


class IPReassembler(Element):
    """Reassembles fragmented IP packets.

    Unfragmented packets pass straight to output 0.  Fragments are held until
    the whole packet can be rebuilt, which then leaves on output 0.  Fragment
    sets left incomplete for 30 seconds, or thrown out when memory use passes
    HIMEM bytes, go to output 1 as one packet holding what arrived (usually
    an ICMPError(..., timeexceeded, reassembly)), or are dropped when output 1
    is not connected.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("HIMEM", Integer(0), default=256 * 1024, doc="memory bound in bytes"),
        Arg("MAX_MTU_ANNO", Annotation(2),
            doc="2-byte annotation set to the largest fragment's size"),
    )
    handlers = (Handler("dump", doc="statistics and the fragments held"),)
    requires = {IP_HEADER: (0,)}
    sets = {IP_HEADER: (0, 1)}
