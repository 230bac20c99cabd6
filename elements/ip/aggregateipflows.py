"""AggregateIPFlows: numbers TCP and UDP flows in the aggregate annotation."""
from clickpy.args import Arg, Bool, ElementRef, Integer, Seconds, String
from clickpy.element import IP_HEADER, PAINT, Element, Handler


class AggregateIPFlows(Element):
    """Sets the aggregate annotation to a flow number and the paint annotation to a direction.

    TCP and UDP flows are told apart by addresses and ports; each new flow
    gets the next number (from 1), its packets paint 0 and reply packets
    paint 1 (2 and 3 for ICMP errors, with ICMP true).  Flows expire after
    their timeout.  Non-TCP/UDP packets, short packets and fragments that
    cannot be matched go to output 1, or are dropped if it is not connected.
    With FRAGMENTS (the default in push context) later fragments are held
    until their flow is known, which can reorder packets.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("TCP_TIMEOUT", Integer(0), default=24 * 60 * 60,
            doc="seconds before an active TCP flow expires"),
        Arg("TCP_DONE_TIMEOUT", Integer(0), default=30,
            doc="seconds before a completed TCP flow expires"),
        Arg("UDP_TIMEOUT", Seconds(), default=60.0, doc="UDP flow timeout"),
        Arg("FRAGMENT_TIMEOUT", Seconds(), default=30.0, doc="how long to hold fragments"),
        Arg("REAP", Seconds(), default=20 * 60.0, doc="garbage collection interval"),
        Arg("ICMP", Bool(), default=False, doc="aggregate ICMP errors with their flow"),
        Arg("TRACEINFO", String(), doc="file to write per-flow XML information to"),
        Arg("SOURCE", ElementRef(), doc="element whose filename and packet_filepos to record"),
        Arg("FRAGMENTS", Bool(), doc="hold fragments to number them (push context only)"),
    )
    handlers = (Handler("clear", read=False, write=True,
                        doc="forget all flows (emits held fragments)"),)
    requires = {IP_HEADER: (0,)}
    sets = {PAINT: (0,)}
