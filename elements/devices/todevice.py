"""ToDevice: sends packets out a network interface (user-level Click)."""
from clickpy.args import Arg, Bool, Integer
from clickpy.argtypes.devices import DeviceMethod, DeviceName
from clickpy.element import Element, Handler

METHODS = ("PCAP", "LINUX", "DEVBPF", "PCAPFD", "NETMAP")


class ToDevice(Element):
    """Sends packets to a network device (user-level).

    Pulls packets and sends them out interface DEVNAME, at most BURST per
    scheduling.  Packets must already carry their link-level header (ARP
    done).  Packets sent successfully continue out output 0 and those that
    fail out output 1, when connected.  METHOD picks the transmit method:
    Click's PCAP, LINUX, DEVBPF, PCAPFD and NETMAP, or clickpy's AFPACKET and
    AFXDP rings.
    """

    port_count = "1/0-2"
    processing = "l/h"
    args = (
        Arg("DEVNAME", DeviceName(), required=True, positional=True, doc="interface to send on"),
        Arg("DEBUG", Bool(), default=False, doc="print debugging messages"),
        Arg("METHOD", DeviceMethod(*METHODS), doc="transmit method (default PCAP)"),
        Arg("BURST", Integer(1, name="packet count"), default=1, doc="packets sent per scheduling"),
    )
    handlers = (
        Handler("debug", write=True, doc="the DEBUG flag"),
        Handler("pulls", doc="pulls made so far"),
        Handler("signal", doc="whether upstream has packets"),
        Handler("q", doc="whether a packet waits to be sent"),
    )
