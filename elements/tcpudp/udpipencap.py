"""UDPIPEncap: wraps packets in fixed UDP and IP headers."""
import ipaddress

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, Bool, IPAddress, ParseContext
from clickpy.argtypes.ip_names import Port
from clickpy.datapath.inet import in_cksum, pseudohdr
from clickpy.datapath.ipheader import ip_int
from clickpy.element import DST_IP, IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_DST_IP, A_NH, A_TH, push_front, wr16, wr32
from elements.ip.ipencap import Destination, DestinationAnnotation

SRC, SPORT, DST, DPORT, USE_DST_ANNO, CHECKSUM, NEXT_ID = range(7)  # state words


@njit(cache=True, _nrt=False)
def udp_ip_encap(P, s, st):
    # Click's header: version 4, IHL 5, TOS 0, length and a counting ID,
    # offset 0, TTL 250, UDP; the UDP checksum only when CHECKSUM is true.
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c = st[0]
    if not push_front(P, s, 28):
        return drop(0)
    h = head[s]
    n = length[s]
    data[s, h] = 0x45
    data[s, h + 1] = 0
    wr16(data, s, h + 2, n)
    wr16(data, s, h + 4, c[NEXT_ID])
    c[NEXT_ID] = (c[NEXT_ID] + 1) & 0xFFFF
    wr16(data, s, h + 6, 0)
    data[s, h + 8] = 250
    data[s, h + 9] = 17
    wr16(data, s, h + 10, 0)
    wr32(data, s, h + 12, c[SRC])
    if c[USE_DST_ANNO]:
        wr32(data, s, h + 16, anno[s, A_DST_IP])
    else:
        wr32(data, s, h + 16, c[DST])
        anno[s, A_DST_IP] = c[DST]
    wr16(data, s, h + 10, in_cksum(data, s, h, 20))
    anno[s, A_NH] = h
    anno[s, A_TH] = h + 20
    u = h + 20
    ulen = n - 20
    wr16(data, s, u, c[SPORT])
    wr16(data, s, u + 2, c[DPORT])
    wr16(data, s, u + 4, ulen)
    wr16(data, s, u + 6, 0)
    if c[CHECKSUM]:
        wr16(data, s, u + 6, pseudohdr(data, s, h, h + n, in_cksum(data, s, u, ulen), ulen))
    return 0


class UDPIPEncap(Element):
    """Encapsulates packets in static UDP/IP headers: SRC:SPORT to DST:DPORT.

    Adds a UDP header and an IP header (TTL 250), computes the UDP checksum
    when CHECKSUM is true (the default), and sets the IP header annotation
    and the destination IP annotation to DST.  With DST written DST_ANNO, the
    destination comes from each packet's annotation instead.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("SRC", IPAddress(), required=True, positional=True, doc="source address"),
        Arg("SPORT", Port("udp"), required=True, positional=True, doc="source port"),
        Arg("DST", Destination(), required=True, positional=True,
            doc="destination address or DST_ANNO"),
        Arg("DPORT", Port("udp"), required=True, positional=True, doc="destination port"),
        Arg("CHECKSUM", Bool(), positional=True, default=True, doc="compute UDP checksums"),
    )
    handlers = (
        Handler("src", write=True, doc="the SRC argument"),
        Handler("sport", write=True, doc="the SPORT argument"),
        Handler("dst", write=True, doc="the DST argument"),
        Handler("dport", write=True, doc="the DPORT argument"),
    )
    sets = {IP_HEADER: (0,), DST_IP: (0,)}
    drop_reasons = ("no headroom for the UDP/IP header",)
    simple_action = udp_ip_encap

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(7, dtype=np.int64)
        c[SRC] = ip_int(values["SRC"])
        c[SPORT], c[DPORT] = values["SPORT"], values["DPORT"]
        cls._set_dst(c, values["DST"])
        checksum = values.get("CHECKSUM")
        c[CHECKSUM] = True if checksum is None else bool(checksum)
        return (c,)

    @staticmethod
    def _set_dst(c, dst):
        c[USE_DST_ANNO] = isinstance(dst, DestinationAnnotation)
        c[DST] = 0 if c[USE_DST_ANNO] else ip_int(dst)

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        # As Click: with DST_ANNO, `dst` reads 0.0.0.0.
        if name in ("src", "dst"):
            return str(ipaddress.IPv4Address(int(c[SRC if name == "src" else DST])))
        if name in ("sport", "dport"):
            return str(int(c[SPORT if name == "sport" else DPORT]))
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        # Click reconfigures the element with the one argument changed.
        types = {"src": IPAddress(), "sport": Port("udp"), "dst": Destination(),
                 "dport": Port("udp")}
        if name not in types:
            raise KeyError(name)
        try:
            value = types[name].parse(text.strip(), ParseContext())
        except ArgError as e:
            raise ValueError(f"{name}: {e.message}" + (f" ({e.hint})" if e.hint else "")) from None
        c = st[0]
        if name == "src":
            c[SRC] = ip_int(value)
        elif name == "dst":
            cls._set_dst(c, value)
        else:
            c[SPORT if name == "sport" else DPORT] = value
        values[name.upper()] = value
