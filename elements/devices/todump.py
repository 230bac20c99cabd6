"""ToDump: writes packets to a tcpdump (pcap) file."""
from clickpy.args import Arg, ArgIssue, Bool, ElementRef, Integer, SpaceList
from clickpy.argtypes.filenames import Filename
from clickpy.argtypes.pcap_encap import ETHER, PcapEncap
from clickpy.element import Element, Handler


class ToDump(Element):
    """Writes packets to a tcpdump file.

    Writes each packet to FILENAME (`-`: standard output) in `tcpdump -w`
    format, at most SNAPLEN bytes of it (default 2000; 0 means all).  ENCAP
    (default ETHER) names the packets' first header and must be right for
    tcpdump to read the file; USE_ENCAP_FROM copies it from the `encap`
    handlers of the named elements instead.  Packets continue out the
    optional output; a pull ToDump without output schedules itself.
    """

    port_count = "1/0-1"
    processing = "a/a"
    args = (
        Arg("FILENAME", Filename(), required=True, positional=True,
            doc="file to write; '-' for standard output"),
        Arg("SNAPLEN", Integer(0, 0xFFFFFFFF, name="byte count"), positional=True, default=2000,
            doc="bytes stored per packet; 0 means all"),
        Arg("ENCAP", PcapEncap(), positional=True, doc="packets' link type (default ETHER)"),
        Arg("USE_ENCAP_FROM", SpaceList(ElementRef()),
            doc="elements whose 'encap' handlers give ENCAP"),
        Arg("EXTRA_LENGTH", Bool(), default=True,
            doc="record the extra length annotation in the packet length"),
        Arg("UNBUFFERED", Bool(), default=False, doc="write without buffering"),
        Arg("NANO", Bool(), doc="write nanosecond timestamps"),
    )
    handlers = (
        Handler("count", doc="packets written so far"),
        Handler("reset_counts", read=False, write=True, doc="reset count"),
        Handler("filename", doc="the FILENAME"),
    )

    @classmethod
    def encapsulation(cls, values):
        """The link type written: ENCAP, else ETHER (None when USE_ENCAP_FROM decides)."""
        if values.get("USE_ENCAP_FROM"):
            return None
        return values.get("ENCAP") or ETHER

    @classmethod
    def check_config(cls, values, ctx):
        from_elements = values.get("USE_ENCAP_FROM")
        if from_elements is not None and values.get("ENCAP") is not None:
            return [ArgIssue("specify at most one of 'ENCAP' and 'USE_ENCAP_FROM'", None,
                             "ENCAP names the link type; USE_ENCAP_FROM copies it from elements")]
        if from_elements is not None and not from_elements:
            return [ArgIssue("element names missing after 'USE_ENCAP_FROM'", None,
                             "for example USE_ENCAP_FROM src, where src is a FromDump")]
        return []
