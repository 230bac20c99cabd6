"""FromDevice: receives packets from a network interface (user-level Click)."""
from clickpy.args import Arg, Bool, Integer, String
from clickpy.argtypes.arg_warnings import ArgWarning
from clickpy.argtypes.devices import DeviceMethod, DeviceName
from clickpy.argtypes.pcap_encap import PcapEncap
from clickpy.element import IP_HEADER, Element, Handler

METHODS = ("PCAP", "LINUX", "NETMAP")


class FromDevice(Element):
    """Reads packets from a network device (user-level).

    Pushes out output 0 the packets received on interface DEVNAME, link
    header included, with timestamp and packet type annotations set.  As a
    sniffer (the default) the kernel sees them too; SNIFFER false hides them
    from it.  With FORCE_IP only IP packets leave on output 0, with their IP
    header annotation set; the others go to output 1 if connected.  METHOD
    picks the capture method: Click's PCAP, LINUX and NETMAP, or clickpy's
    AFPACKET and AFXDP rings.
    """

    port_count = "0/1-2"
    processing = "h/h"
    args = (
        Arg("DEVNAME", DeviceName(), required=True, positional=True, doc="interface to read"),
        Arg("PROMISC", Bool(), positional=True, default=False,
            doc="put the device in promiscuous mode"),
        Arg("SNAPLEN", Integer(14, 8190, name="byte count"), positional=True, default=2046,
            doc="longest packet captured"),
        Arg("SNIFFER", Bool(), default=True, doc="let the kernel see the packets too"),
        Arg("FORCE_IP", Bool(), default=False, doc="emit only IP packets, IP header marked"),
        Arg("METHOD", DeviceMethod(*METHODS), doc="capture method (default PCAP)"),
        Arg("CAPTURE", DeviceMethod(*METHODS), doc="deprecated synonym for METHOD"),
        Arg("BPF_FILTER", String(), default="", doc="pcap filter expression (METHOD PCAP only)"),
        Arg("OUTBOUND", Bool(), default=False, doc="also emit packets the host sends"),
        Arg("HEADROOM", Integer(0, 8190, name="byte count"),
            doc="bytes left before the packet data (default about 28)"),
        Arg("ENCAP", PcapEncap(), doc="link type to request (METHOD PCAP only)"),
        Arg("BURST", Integer(1, name="packet count"), default=1, doc="packets read per scheduling"),
        Arg("TIMESTAMP", Bool(), default=True, doc="set the timestamp annotation"),
    )
    handlers = (
        Handler("count", doc="packets read so far"),
        Handler("reset_counts", read=False, write=True, doc="reset count"),
        Handler("kernel_drops", doc="packets the kernel dropped before FromDevice saw them"),
        Handler("encap", doc="the link's encapsulation type (ETHER, IP, ...)"),
    )
    new_packets = True

    @classmethod
    def method(cls, values):
        return values.get("METHOD") or values.get("CAPTURE")

    @classmethod
    def sets_for(cls, values):
        """FORCE_IP marks the IP header of what leaves output 0."""
        return {IP_HEADER: (0,)} if values.get("FORCE_IP") else {}

    @classmethod
    def check_config(cls, values, ctx):
        method = cls.method(values)
        if values.get("BPF_FILTER") and method not in (None, "PCAP"):
            return [ArgWarning("not using METHOD PCAP, BPF filter ignored", None,
                               "BPF_FILTER works only with METHOD PCAP")]
        return []
