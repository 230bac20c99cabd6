"""CheckIPHeader: validates IPv4 headers and marks them for later elements."""
from clickpy.args import Arg, ArgError, ArgType, Bool, Integer, IPAddress, IPPrefix, SpaceList
from clickpy.element import DST_IP, IP_HEADER, Element, Handler


class _OffsetOrBadSrc(ArgType):
    """First positional argument: OFFSET, or the old syntax's BADSRC2 address list."""

    name = "offset or list of bad source addresses"
    example = "14"

    def parse(self, text, ctx):
        try:
            return Integer(0).parse(text, ctx)
        except ArgError:
            pass
        try:
            return SpaceList(IPAddress()).parse(text, ctx)
        except ArgError:
            raise self.fail(text) from None


class CheckIPHeader(Element):
    """Checks IP headers: length, version, header length, total length, checksum, source.

    Input packets carry an IP header OFFSET bytes in.  Valid packets leave on
    output 0, shortened to the IP length, with the IP header annotation and
    the destination IP annotation set; invalid packets go to output 1 if it
    is connected, else are dropped.  Old syntax: CheckIPHeader(BADSRC2, OFFSET).
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("OFFSET", _OffsetOrBadSrc(), positional=True, default=0,
            doc="byte position of the IP header"),
        Arg("OLD_OFFSET", Integer(0), positional=True, doc="OFFSET in the old syntax"),
        Arg("INTERFACES", SpaceList(IPPrefix()), doc="this router's addresses with prefixes"),
        Arg("BADSRC", SpaceList(IPAddress()), doc="source addresses to drop"),
        Arg("GOODDST", SpaceList(IPAddress()), doc="destinations exempt from BADSRC"),
        Arg("CHECKSUM", Bool(), default=True, doc="verify the header checksum"),
        Arg("VERBOSE", Bool(), default=False, doc="report every bad packet"),
        Arg("DETAILS", Bool(), default=False, doc="count drops per reason"),
    )
    handlers = (
        Handler("drops", doc="packets dropped as invalid"),
        Handler("drop_details", doc="drops per reason (with DETAILS true)"),
    )
    sets = {IP_HEADER: (0,), DST_IP: (0,)}
