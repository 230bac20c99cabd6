"""PollDevice: polls a network interface for packets (Linux kernel Click)."""
from clickpy.args import Arg, Bool, Integer
from clickpy.argtypes.devices import DeviceName
from clickpy.argtypes.handler_calls import HandlerCallArg
from clickpy.element import Element, Handler


class PollDevice(Element):
    """Polls packets from a network device (kernel).

    Pushes out output 0 the packets received on interface DEVNAME (or the
    interface with that Ethernet address), link header included, taking at
    most BURST (default 8) per scheduling by polling the driver instead of
    taking interrupts.  Linux does not see these packets; hand them to
    ToHost if it should.  Pair it with a ToDevice on the same interface.
    """

    port_count = "0/1"
    processing = "h/h"
    args = (
        Arg("DEVNAME", DeviceName(), required=True, positional=True,
            doc="interface name or Ethernet address"),
        Arg("BURST", Integer(0, name="packet count"), positional=True, default=8,
            doc="packets taken per scheduling"),
        Arg("PROMISC", Bool(), default=False, doc="put the device in promiscuous mode"),
        Arg("TIMESTAMP", Bool(), default=True, doc="set the timestamp annotation"),
        Arg("QUIET", Bool(), default=False, doc="suppress device up/down messages"),
        Arg("HEADROOM", Integer(0, name="byte count"), default=64, doc="extra headroom per packet"),
        Arg("LENGTH", Integer(0, name="byte count"), doc="minimum packet buffer size"),
        Arg("ALLOW_NONEXISTENT", Bool(), default=False,
            doc="warn, not fail, when DEVNAME does not exist yet"),
        Arg("UP_CALL", HandlerCallArg(), doc="write handler called when the device comes up"),
        Arg("DOWN_CALL", HandlerCallArg(), doc="write handler called when the device goes down"),
    )
    handlers = (
        Handler("count", doc="packets received so far"),
        Handler("reset_counts", read=False, write=True, doc="reset count"),
        Handler("calls", doc="polling statistics"),
        Handler("buffers_reused", doc="receive buffers recycled"),
    )
    new_packets = True
