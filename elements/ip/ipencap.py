"""IPEncap: wraps packets in a fixed IP header."""
import ipaddress
from dataclasses import dataclass

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgIssue, ArgType, Bool, Integer, IPAddress, ParseContext
from clickpy.argtypes.ip_names import IPProtocol
from clickpy.argtypes.ip_prefixes import parse_ip_address
from clickpy.datapath.ipheader import cksum_bytes, ip_int, update_cksum
from clickpy.element import DST_IP, IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_DST_IP, A_NH, A_TH, copy_bytes, push_front, wr16, wr32

USE_DST_ANNO, DST, NEXT_ID = range(3)  # state words; the header template is st[0]


@njit(cache=True, _nrt=False)
def ip_encap(P, s, st):
    data, head, length, anno = P[0], P[1], P[2], P[3]
    tmpl, c = st[0], st[1]
    if not push_front(P, s, 20):
        return drop(0)
    ip = head[s]
    copy_bytes(data[s], ip, tmpl, 0, 20)
    # The template's checksum covers a zero length, ID (and destination, with
    # DST_ANNO); add each real halfword incrementally, in Click's order.
    csum = (np.int64(tmpl[10]) << 8) | np.int64(tmpl[11])
    if c[USE_DST_ANNO] != 0:
        dst = anno[s, A_DST_IP] & 0xFFFFFFFF
        wr32(data, s, ip + 16, dst)
        csum = update_cksum(csum, 0, dst >> 16)
        csum = update_cksum(csum, 0, dst & 0xFFFF)
    else:
        anno[s, A_DST_IP] = c[DST]
    ip_len = length[s] & 0xFFFF
    ip_id = c[NEXT_ID] & 0xFFFF
    c[NEXT_ID] = (c[NEXT_ID] + 1) & 0xFFFF
    wr16(data, s, ip + 2, ip_len)
    wr16(data, s, ip + 4, ip_id)
    csum = update_cksum(csum, 0, ip_len)
    csum = update_cksum(csum, 0, ip_id)
    wr16(data, s, ip + 10, csum)
    anno[s, A_NH] = ip
    anno[s, A_TH] = ip + 20
    return 0


@dataclass(frozen=True)
class DestinationAnnotation:
    """DST given as DST_ANNO: use each packet's destination IP annotation."""

    def __str__(self) -> str:
        return "DST_ANNO"


class Destination(ArgType):
    """An IP address, or DST_ANNO for the packet's destination IP annotation."""

    name = "destination"
    example = "10.0.0.1 or DST_ANNO"

    def parse(self, text, ctx):
        if text.strip() == "DST_ANNO":
            return DestinationAnnotation()
        try:
            return parse_ip_address(text, ctx)
        except ArgError:
            raise ArgError("DST argument should be IP address or 'DST_ANNO'",
                           f"for example 10.0.0.1; got {text.strip()!r}") from None


class _ECT(ArgType):
    """Boolean or 2: which ECN-capable codepoint to set."""

    name = "ECT value"
    example = "true"

    def parse(self, text, ctx):
        if text.strip() == "2":
            return 2
        try:
            return int(Bool().parse(text, ctx))
        except ArgError:
            raise ArgError(f"bad ECT value '{text.strip()}'", "expected true, false or 2") from None


class IPEncap(Element):
    """Encapsulates packets in a static IP header: protocol PROTO, source SRC, destination DST.

    Mostly for IP-in-IP (PROTO 4 or ipip).  Sets the destination IP
    annotation to DST and the IP header annotation to the new header; with
    DST written DST_ANNO, the destination comes from each packet's
    annotation instead.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("PROTO", IPProtocol(), required=True, positional=True,
            doc="protocol number or name (ipip, tcp, udp, gre, ...)"),
        Arg("SRC", IPAddress(), required=True, positional=True, doc="source address"),
        Arg("DST", Destination(), required=True, positional=True,
            doc="destination address or DST_ANNO"),
        Arg("TOS", Integer(0, 255, name="TOS"), doc="TOS byte (excludes DSCP, ECT, CE)"),
        Arg("TTL", Integer(0, 255, name="TTL"), default=250, doc="time to live"),
        Arg("DSCP", Integer(0, 63, name="DSCP"), doc="DSCP, 0 to 63"),
        Arg("ECT", _ECT(), default=0, doc="true or 2: mark ECN-capable transport"),
        Arg("CE", Bool(), default=False, doc="mark Congestion Experienced"),
        Arg("DF", Bool(), default=False, doc="set Don't Fragment"),
    )
    handlers = (
        Handler("src", write=True, doc="the SRC argument"),
        Handler("dst", write=True, doc="the DST argument"),
    )
    sets = {IP_HEADER: (0,), DST_IP: (0,)}
    drop_reasons = ("no headroom for the IP header",)
    simple_action = ip_encap

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        tos = values.get("TOS")
        if tos is None:
            tos = values["DSCP"] << 2 if values.get("DSCP") is not None else 0
            tos |= {0: 0, 1: 0x01, 2: 0x02}[values.get("ECT") or 0]   # IP_ECN_ECT1, ECT2
            if values.get("CE"):
                tos |= 0x03                                            # IP_ECN_CE
        tmpl = np.zeros(20, dtype=np.uint8)
        tmpl[0] = 0x45
        tmpl[1] = tos
        if values.get("DF"):
            tmpl[6] = 0x40
        ttl = values.get("TTL")
        tmpl[8] = 250 if ttl is None else ttl
        tmpl[9] = values["PROTO"]
        c = np.zeros(3, dtype=np.int64)
        st = (tmpl, c)
        cls._set_address(st, 12, values["SRC"])
        cls._set_address(st, 16, values["DST"])
        return st

    @staticmethod
    def _set_address(st, at, addr):
        """Put SRC (at 12) or DST (at 16) in the template and recompute its checksum."""
        tmpl, c = st
        if at == 16:
            c[USE_DST_ANNO] = isinstance(addr, DestinationAnnotation)
            c[DST] = 0 if c[USE_DST_ANNO] else ip_int(addr)
            value = int(c[DST])
        else:
            value = ip_int(addr)
        tmpl[at:at + 4] = np.frombuffer(value.to_bytes(4, "big"), dtype=np.uint8)
        tmpl[10:12] = 0
        tmpl[10:12] = np.frombuffer(cksum_bytes(tmpl.tobytes()).to_bytes(2, "big"), dtype=np.uint8)

    @classmethod
    def read_handler(cls, name, values, st):
        tmpl, c = st
        if name == "src":
            return str(ipaddress.IPv4Address(tmpl[12:16].tobytes()))
        if name == "dst":
            return "DST_ANNO" if c[USE_DST_ANNO] else str(ipaddress.IPv4Address(int(c[DST])))
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name not in ("src", "dst"):
            raise KeyError(name)
        try:
            if name == "src":
                addr = IPAddress().parse(text, ParseContext())
            else:
                addr = Destination().parse(text, ParseContext())
        except ArgError as e:
            raise ValueError(f"{name}: {e.message}") from None
        cls._set_address(st, 12 if name == "src" else 16, addr)

    @classmethod
    def check_config(cls, values, ctx):
        tos, dscp = values.get("TOS"), values.get("DSCP")
        ect, ce = values.get("ECT") or 0, values.get("CE")
        if tos is not None and dscp is not None:
            return [ArgIssue("cannot set both TOS and DSCP", None, "keep one of them")]
        if tos is not None and (ect or ce):
            return [ArgIssue("cannot set both TOS and ECN bits", None,
                             "put the ECN bits in TOS, or use DSCP with ECT/CE")]
        if ect and ce:
            return [ArgIssue("can set at most one ECN option", None, "keep ECT or CE")]
        return []
