"""ICMPPingEncap: wraps packets in IP and ICMP echo headers.

Also home of the kernel it shares with ICMPIPEncap (Click's two simple_actions
differ only in the ICMP type, code and header length).
"""
import ipaddress

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, Integer, IPAddress, ParseContext
from clickpy.datapath.inet import in_cksum
from clickpy.datapath.ipheader import ip_int, write_ip_header
from clickpy.element import DST_IP, IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_DST_IP, A_NH, A_TH, fill_bytes, push_front, wr16

SRC, DST, TYPE, CODE, HLEN, SEQUENCED, ICMP_ID, IP_ID = range(8)  # state words
ICMP_ECHO = 8
NO_HEADROOM = "no headroom for the IP and ICMP headers"


@njit(cache=True, _nrt=False)
def icmp_ip_encap(P, s, st):
    # Click: IPv4, IHL 5, TOS 0, ID counting from 1 (skipping 0), offset 0, TTL 255,
    # protocol ICMP; the ICMP header zeroed but for type, code and, for types with
    # them, identifier and sequence number (the IP ID).
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c = st[0]
    hl = c[HLEN]
    if not push_front(P, s, 20 + hl):
        return drop(0)
    h = head[s]
    n = length[s]
    write_ip_header(data, s, h, n, c[IP_ID], 255, 1, c[SRC], c[DST])
    t = h + 20
    fill_bytes(data[s], t, 0, hl)
    data[s, t] = c[TYPE]
    data[s, t + 1] = c[CODE]
    if c[SEQUENCED]:
        wr16(data, s, t + 4, c[ICMP_ID])
        wr16(data, s, t + 6, c[IP_ID])
    wr16(data, s, t + 2, in_cksum(data, s, t, n - 20))
    anno[s, A_DST_IP] = c[DST]
    anno[s, A_NH] = h
    anno[s, A_TH] = t
    c[IP_ID] = (c[IP_ID] + (2 if c[IP_ID] == 0xFFFF else 1)) & 0xFFFF
    return 0


def encap_state(values, icmp_type: int, code: int, hlen: int, sequenced: bool):
    c = np.zeros(8, dtype=np.int64)
    c[SRC], c[DST] = ip_int(values["SRC"]), ip_int(values["DST"])
    c[TYPE], c[CODE], c[HLEN], c[SEQUENCED] = icmp_type, code, hlen, sequenced
    c[ICMP_ID] = values.get("IDENTIFIER") or 0
    c[IP_ID] = 1
    return (c,)


def read_address(name, st):
    if name in ("src", "dst"):
        return str(ipaddress.IPv4Address(int(st[0][SRC if name == "src" else DST])))
    raise KeyError(name)


def write_address(name, text, values, st):
    if name not in ("src", "dst"):
        raise KeyError(name)
    try:
        a = IPAddress().parse(text.strip(), ParseContext())
    except ArgError:
        raise ValueError(f"{name}: syntax error; expected an IP address, "
                         f"not {text.strip()!r}") from None
    st[0][SRC if name == "src" else DST] = ip_int(a)
    values[name.upper()] = a


ADDRESS_HANDLERS = (
    Handler("src", write=True, doc="the SRC argument"),
    Handler("dst", write=True, doc="the DST argument"),
)


class ICMPPingEncap(Element):
    """Encapsulates packets in ICMP ping headers.

    Puts an IP header (SRC to DST, TTL 255) and an ICMP echo request header
    in front of each packet: IDENTIFIER (default 0) as the identifier, and a
    sequence number that advances by one for each packet (it is also the IP
    ID).  Both checksums are computed; the IP header and destination IP
    annotations are set.  A packet with too little headroom for the 28 bytes
    is dropped (Click would copy it).
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("SRC", IPAddress(), required=True, positional=True, doc="source address"),
        Arg("DST", IPAddress(), required=True, positional=True, doc="destination address"),
        Arg("IDENTIFIER", Integer(0, 0xFFFF, name="ICMP identifier"), default=0,
            doc="ICMP identifier field, 0 to 65535"),
    )
    handlers = ADDRESS_HANDLERS
    sets = {IP_HEADER: (0,), DST_IP: (0,)}
    drop_reasons = (NO_HEADROOM,)
    simple_action = icmp_ip_encap

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return encap_state(values, ICMP_ECHO, 0, 8, True)

    @classmethod
    def read_handler(cls, name, values, st):
        return read_address(name, st)

    @classmethod
    def write_handler(cls, name, text, values, st):
        write_address(name, text, values, st)
