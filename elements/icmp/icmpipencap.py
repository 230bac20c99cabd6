"""ICMPIPEncap: wraps packets in IP and ICMP headers of any type."""
from clickpy.args import Arg, ArgError, ArgIssue, Integer, IPAddress
from clickpy.argtypes.ip_names import ICMPType, icmp_code
from clickpy.element import DST_IP, IP_HEADER, Element
from elements.icmp.icmperror import ICMPCodeWord, _ICMPCode
from elements.icmp.icmppingencap import (ADDRESS_HANDLERS, NO_HEADROOM, encap_state,
                                         icmp_ip_encap, read_address, write_address)

ICMP_TSTAMP, ICMP_TSTAMPREPLY = 13, 14
# Types whose header has an identifier and a sequence number (Click's list).
SEQUENCED_TYPES = (0, 8, 13, 14, 15, 16)


class ICMPIPEncap(Element):
    """Encapsulates packets in ICMP/IP headers.

    Puts an IP header (SRC to DST, TTL 255) and an ICMP header of type TYPE
    and code CODE (numbers 0 to 255 or names; CODE defaults to 0) in front of
    each packet.  The ICMP header is 8 bytes, 20 for timestamp messages, and
    zero but for type and code; for echo, timestamp and information messages
    and their replies it carries IDENTIFIER (default 0) and a sequence number
    that advances by one for each packet (it is also the IP ID).  Both
    checksums are computed; the IP header and destination IP annotations are
    set.  A packet with too little headroom is dropped (Click would copy it).
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("SRC", IPAddress(), required=True, positional=True, doc="source address"),
        Arg("DST", IPAddress(), required=True, positional=True, doc="destination address"),
        Arg("TYPE", ICMPType(), required=True, positional=True, doc="ICMP type, number or name"),
        Arg("CODE", _ICMPCode(), positional=True, default=0, doc="ICMP code, number or name"),
        Arg("IDENTIFIER", Integer(0, 0xFFFF, name="ICMP identifier"), default=0,
            doc="ICMP identifier field, 0 to 65535"),
    )
    handlers = ADDRESS_HANDLERS
    sets = {IP_HEADER: (0,), DST_IP: (0,)}
    drop_reasons = (NO_HEADROOM,)
    simple_action = icmp_ip_encap

    @classmethod
    def check_config(cls, values, ctx):
        code = values.get("CODE", 0)
        if isinstance(code, ICMPCodeWord) and values.get("TYPE") is not None:
            try:
                values["CODE"] = icmp_code(values["TYPE"], code.text)
            except ArgError as e:
                return [ArgIssue(f"invalid CODE: {e.message}", None, e.hint)]
        return []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        t = values["TYPE"]
        code = values.get("CODE") or 0
        if isinstance(code, ICMPCodeWord):
            code = icmp_code(t, code.text)
        hlen = 20 if t in (ICMP_TSTAMP, ICMP_TSTAMPREPLY) else 8
        return encap_state(values, t, code, hlen, t in SEQUENCED_TYPES)

    @classmethod
    def read_handler(cls, name, values, st):
        return read_address(name, st)

    @classmethod
    def write_handler(cls, name, text, values, st):
        write_address(name, text, values, st)
